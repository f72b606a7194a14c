package objective

import (
	"math"
	"testing"

	"github.com/rdlm-go/rdlm/core/rng"
	"github.com/stretchr/testify/require"
)

// The fraction of masked positions is s: 200,000 draws per level put the
// standard error at sqrt(s(1-s)/n) <= 0.0011; the test allows 4 of them.
func TestMaskTokensFractionIsS(t *testing.T) {
	const n = 200000
	masked := make([]bool, n)
	for i, s := range []float64{0.01, 0.25, 0.5, 0.9} {
		st := rng.NewStream(12, uint64(i))
		got := MaskTokens(masked, s, &st)
		count := 0
		for _, m := range masked {
			if m {
				count++
			}
		}
		require.Equal(t, count, got)
		se := math.Sqrt(s * (1 - s) / n)
		frac := float64(got) / n
		require.InDelta(t, s, frac, 4*se, "s=%v", s)
		t.Logf("s=%.2f: masked fraction %.5f (standard error %.5f)", s, frac, se)
	}
}

// Through Corrupt: each sequence's masked count is Binomial(L, s) with
// s = 1 - t, so the standardised total sum_b (n_b - L s_b) /
// sqrt(sum_b L s_b (1 - s_b)) is about N(0, 1); the test allows |z| < 4.
// The inputs are zero at masked positions and one-hot elsewhere, and the
// network time is t = 1 - s.
func TestMDLMCorruption(t *testing.T) {
	const L, B = 128, 32
	o := newObjective[float32](t, Config{Kind: MDLM, Times: TimesUniform}, L, B)
	tokens := randomTokens(B*L, 7)
	var dev, variance float64
	for step := uint64(0); step < 8; step++ {
		x, tin, err := o.Corrupt(tokens, B, 4, step)
		require.NoError(t, err)
		ts, ws := o.Times()
		masked := o.Masked()
		for b := 0; b < B; b++ {
			s := 1 - ts[b]
			require.InDelta(t, 1/s, ws[b], 1e-9)
			require.Equal(t, float32(ts[b]), tin[b])
			n := 0
			for l := 0; l < L; l++ {
				i := b*L + l
				row := x[i*testK : (i+1)*testK]
				var sum float32
				for _, v := range row {
					sum += v
				}
				if masked[i] {
					n++
					require.Zero(t, sum)
				} else {
					require.Equal(t, float32(1), sum)
					require.Equal(t, float32(1), row[tokens[i]])
				}
			}
			dev += float64(n) - L*s
			variance += L * s * (1 - s)
		}
	}
	z := dev / math.Sqrt(variance)
	t.Logf("masked count deviation: z = %.3f over %d sequences", z, 8*B)
	require.Less(t, math.Abs(z), 4.0)
}

// At zero logits the MDLM loss is mean_b (1/s_b) n_b ln K; unmasked
// positions get no gradient (SUBS carry-over), masked ones the CE gradient
// scaled by 1/(s_b B).
func TestMDLMLossAndGradient(t *testing.T) {
	const L, B = 16, 4
	o := newObjective[float64](t, Config{Kind: MDLM, Times: TimesUniform}, L, B)
	tokens := randomTokens(B*L, 8)
	_, _, err := o.Corrupt(tokens, B, 9, 1)
	require.NoError(t, err)
	ts, _ := o.Times()
	masked := o.Masked()
	logits := make([]float64, B*L*testK)
	dl := make([]float64, len(logits))
	for i := range dl {
		dl[i] = 123 // must be overwritten
	}
	loss, err := o.Loss(logits, tokens, dl)
	require.NoError(t, err)
	want := 0.0
	for i, m := range masked {
		s := 1 - ts[i/L]
		g := dl[i*testK : (i+1)*testK]
		if !m {
			require.Equal(t, make([]float64, testK), g)
			continue
		}
		want += math.Log(testK) / s / B
		scale := 1 / (s * B)
		require.InDelta(t, scale*(1.0/testK-1), g[tokens[i]], 1e-12)
	}
	require.InDelta(t, want, loss, 1e-9*want)
}
