package objective

import (
	"github.com/rdlm-go/rdlm/core/nn"
	"math"
	"testing"

	"github.com/rdlm-go/rdlm/core/process"
	"github.com/rdlm-go/rdlm/core/rng"
	"github.com/rdlm-go/rdlm/core/schedule"
	"github.com/stretchr/testify/require"
)

func randomLogits(n int, seed uint64, scale float64) []float64 {
	st := rng.NewStream(seed, 5)
	out := make([]float64, n)
	for i := range out {
		out[i] = scale * st.Normal()
	}
	return out
}

// The loss of DriftLossGrad is process.DriftLoss of the generative drift,
// and its gradient matches central differences in float64, on both paths
// and at several times (small and large gamma).
func TestDriftLossGradientMatchesFiniteDifferences(t *testing.T) {
	sched := schedule.Default()
	tab := testTables(t)
	const V = testK + 1
	prob, drift, resid := make([]float64, V), make([]float64, V), make([]float64, V)
	x := make([]float64, V)
	for ci, c := range []struct {
		start process.Start
		t     float64
	}{{process.StartUniform, 0.1}, {process.StartUniform, 0.33}, {process.StartMasked, 0.45}, {process.StartMasked, 0.8}, {process.StartMasked, 0.97}} {
		alpha, rho := tab.At(c.start, c.t)
		st := rng.NewStream(3, uint64(ci))
		token := ci * 5
		require.NoError(t, process.SampleXt(x, c.start, token, alpha, rho, &st))
		gamma, beta := sched.Gamma(c.t), sched.Beta(c.t)
		logits := randomLogits(testK, uint64(ci), 2)
		const scale = 0.7
		dl := make([]float64, testK)
		loss := DriftLossGrad(dl, logits, x, token, gamma, beta, scale, prob, drift, resid)

		p := make([]float64, testK)
		nn.Softmax(p, logits)
		b := make([]float64, V)
		require.NoError(t, process.GenerativeDrift(b, x, p, gamma))
		want, err := process.DriftLoss(b, x, token, gamma, beta)
		require.NoError(t, err)
		require.InDelta(t, want, loss, 1e-12*math.Max(1, want))

		const h = 1e-6
		var maxErr, maxG float64
		for k := range logits {
			orig := logits[k]
			logits[k] = orig + h
			up := DriftLossGrad[float64](nil, logits, x, token, gamma, beta, scale, prob, drift, resid)
			logits[k] = orig - h
			down := DriftLossGrad[float64](nil, logits, x, token, gamma, beta, scale, prob, drift, resid)
			logits[k] = orig
			fd := scale * (up - down) / (2 * h)
			maxErr = math.Max(maxErr, math.Abs(fd-dl[k]))
			maxG = math.Max(maxG, math.Abs(dl[k]))
		}
		require.Positive(t, maxG)
		require.Less(t, maxErr, 1e-6*math.Max(1, maxG), "case %d: max |fd - analytic| %g, max |grad| %g", ci, maxErr, maxG)
		t.Logf("t=%.2f %v: loss %.4g, max|grad| %.3g, max fd error %.2g", c.t, c.start, loss, maxG, maxErr)
	}
}

// Through the objective: the batch mean and time weights enter the gradient
// exactly as they enter the loss.
func TestELBOObjectiveGradient(t *testing.T) {
	const L, B = 3, 4
	cfg := Config{Kind: ELBO, Times: TimesImportance, Window: [2]float64{0.3, 0.6}, StepThr: 0.35}
	o := newObjective[float64](t, cfg, L, B)
	tokens := randomTokens(B*L, 6)
	_, _, err := o.Corrupt(tokens, B, 2, 9)
	require.NoError(t, err)
	logits := randomLogits(B*L*testK, 8, 1)
	dl := make([]float64, len(logits))
	_, err = o.Loss(logits, tokens, dl)
	require.NoError(t, err)
	const h = 1e-6
	for _, k := range []int{0, 31, 2*testK + 4, len(logits) - 1} {
		orig := logits[k]
		logits[k] = orig + h
		up, _ := o.Loss(logits, tokens, nil)
		logits[k] = orig - h
		down, _ := o.Loss(logits, tokens, nil)
		logits[k] = orig
		require.InDelta(t, (up-down)/(2*h), dl[k], 1e-6*math.Max(1, math.Abs(dl[k])), "logit %d", k)
	}
}
