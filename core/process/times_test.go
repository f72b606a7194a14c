package process

import (
	"math"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/rdlm-go/rdlm/core/rng"
)

func TestUniformTimes(t *testing.T) {
	var ts TimeSampler = UniformTimes{}
	tt, w := ts.Sample(0.5)
	require.Equal(t, (1-1e-4)*0.5, tt)
	require.Equal(t, 1.0, w)
}

func TestStepWeightNormaliserAndInverse(t *testing.T) {
	w, err := NewStepWeight(0.3, 0.6)
	require.NoError(t, err)
	require.InDelta(t, 0.30007, w.Z(), 1e-15, "text8 Z")
	lm, err := NewStepWeight(0.3, 0.75)
	require.NoError(t, err)
	require.InDelta(t, 0.45+0.55e-4, lm.Z(), 1e-15, "LM1B Z")
	for _, sw := range []StepWeight{w, lm} {
		for i := 0; i <= 1000; i++ {
			q := sw.Z() * float64(i) / 1000
			require.InDelta(t, q, sw.CDF(sw.Quantile(q)), 1e-15)
		}
	}
	require.Equal(t, 1e-4, w.Density(0.3), "the window is open")
	require.Equal(t, 1.0, w.Density(0.30001))
	require.Equal(t, 1e-4, w.Density(0.6))
	_, err = NewStepWeight(0.6, 0.3)
	require.ErrorContains(t, err, "window")
	_, err = NewStepWeight(-0.1, 0.3)
	require.ErrorContains(t, err, "window")
}

// The histogram of drawn times matches w/Z bin by bin (4.5 binomial standard
// errors per bin, 20 bins, 2e5 draws), and the importance weight keeps time
// integrals unbiased: E[Z/w(t) f(t)] = int_0^1 f for f = 1 and f = t, within 4
// standard errors. (The weight's variance is about 2100, dominated by the rare
// out-of-window draws, so the standard error is near 0.1 for 2e5 draws; the
// stratified check below pins the mean far tighter.)
func TestStepWeightSampling(t *testing.T) {
	w, err := NewStepWeight(0.3, 0.6)
	require.NoError(t, err)
	const n, bins = 200000, 20
	var hist [bins]int
	var sw, sw2, stw, stw2 float64
	s := rng.NewStream(41, 0)
	for i := 0; i < n; i++ {
		tt, wt := w.Sample(s.Float64())
		require.True(t, tt >= 0 && tt <= MaxImportanceTime)
		require.InDelta(t, w.Z()/w.Density(tt), wt, 0)
		hist[min(int(tt*bins), bins-1)]++
		sw, sw2 = sw+wt, sw2+wt*wt
		stw, stw2 = stw+tt*wt, stw2+tt*tt*wt*wt
	}
	for b := 0; b < bins; b++ {
		p := (w.CDF(float64(b+1)/bins) - w.CDF(float64(b)/bins)) / w.Z()
		se := math.Sqrt(n * p * (1 - p))
		require.InDelta(t, n*p, float64(hist[b]), 4.5*se+1, "bin %d", b)
	}
	mean := func(s, s2 float64) (float64, float64) {
		m := s / n
		return m, math.Sqrt((s2/n - m*m) / n)
	}
	m, se := mean(sw, sw2)
	require.InDelta(t, 1, m, 4*se)
	m, se = mean(stw, stw2)
	require.InDelta(t, 0.5, m, 4*se)
}

// With stratified variates u_i = (i+1/2)/N the mean weight is the midpoint
// rule for int_0^1 (Z/w(t(u))) du = int_0^1 dt = 1. The integrand is piecewise
// constant in u with two jumps of Z/Low - Z/High ~ 3000, so the rule's error is
// at most 2 x 3000 / N: 6e-3 for N = 1e6. (A wrong inverse CDF or normaliser
// moves the mean by far more.) The same for f(t) = t and t^2.
func TestStepWeightStratifiedIntegrals(t *testing.T) {
	for _, win := range [][2]float64{{0.3, 0.6}, {0.3, 0.75}} {
		w, err := NewStepWeight(win[0], win[1])
		require.NoError(t, err)
		const n = 1000000
		var s0, s1, s2 float64
		for i := 0; i < n; i++ {
			tt, wt := w.Sample((float64(i) + 0.5) / n)
			s0 += wt
			s1 += wt * tt
			s2 += wt * tt * tt
		}
		bound := 2 * (w.Z()/w.Low - w.Z()/w.High) / n
		require.InDelta(t, 1, s0/n, bound)
		require.InDelta(t, 0.5, s1/n, bound)
		require.InDelta(t, 1.0/3, s2/n, bound)
	}
}
