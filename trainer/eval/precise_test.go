package eval

import (
	"math"
	"testing"

	"github.com/stretchr/testify/require"
)

// sharpeningNet knows the pattern and grows surer of it as t -> 1: the
// logit of the right token is 1.5 ln(1/(1-t)), so 1 - p falls like
// (1-t)^1.5 and the NELBO integrand stays finite up to t = 1, as a trained
// model's does (an untrained one's grows without bound).
type sharpeningNet struct{ k, l int }

func (o sharpeningNet) Forward(logits, x, t []float32) error {
	clear(logits)
	for q := 0; q < len(logits)/o.k; q++ {
		tm := float64(t[q/o.l])
		logits[q*o.k+int(patternToken(q%o.l))] = float32(1.5 * math.Log(1/(1-tm)))
	}
	return nil
}

// The precise estimator (16 stratified times per sequence from the late
// proposal) has the expectation of the single-uniform-time one, with the
// same bridge: over many repeats their means agree within 4 combined
// standard errors, and the precise one is at least 3 times tighter per
// sequence at 16 times the network work. Then for RDLM and MDLM (whose
// integrand's variance also grows as t -> 1) alike.
func TestPreciseEstimatorAgreesWithTheSingleTimeOne(t *testing.T) {
	const l = 8
	seqs := patternSeqs(4, l)
	for _, family := range []string{FamilyRDLM, FamilyMDLM} {
		net := sharpeningNet{k: testK, l: l}
		run := func(opt Options, seeds int) (mean, se float64) {
			opt.Seeds = seeds
			e, err := NewWithDenoiser(net, testK, l, processFor(family), opt)
			require.NoError(t, err)
			var per []float64
			e.OnRow = func(rep, seq int, tm, nelbo float64) { per = append(per, nelbo) }
			res, err := e.Run(seqs)
			require.NoError(t, err)
			n := res.Times
			// A sequence-repetition's estimate is the mean of its n rows.
			var est []float64
			for i := 0; i < len(per); i += n {
				var s float64
				for _, v := range per[i : i+n] {
					s += v
				}
				est = append(est, s/float64(n))
			}
			require.InEpsilon(t, res.NELBO, meanOf(est), 1e-9)
			return meanOf(est), stdErr(est)
		}
		single, seSingle := run(Options{Seed: 1, Bridge: BridgeGraded}, 200)
		precise, sePrecise := run(Precise(Options{Seed: 2}), 25)
		// Per sequence-repetition spread, normalised to the number of estimates.
		ratio := (seSingle * math.Sqrt(200)) / (sePrecise * math.Sqrt(25))
		t.Logf("%s: single %.4g +- %.2g, precise %.4g +- %.2g nats/seq; per-estimate spread %.1fx smaller", family, single, seSingle, precise, sePrecise, ratio)
		require.InDelta(t, single, precise, 4*math.Hypot(seSingle, sePrecise), family)
		require.Greater(t, ratio, 3.0, family)
	}
}
