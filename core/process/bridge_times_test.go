package process

import (
	"math"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/rdlm-go/rdlm/core/rng"
	"github.com/rdlm-go/rdlm/core/schedule"
)

// Near the end the bridge is nearly Euclidean: dY = -gamma Y dt + sqrt(beta) dW
// per tangent coordinate, whose variance solves Var' = -2 gamma Var + beta with
// gamma = beta / I, I(t) = int_t^1 beta, and so Var = I(t). The d = V-1
// coordinates give E theta^2 = d I(t), and 1 - E<X, e_k> = E theta^2 / 2 to
// relative O(theta^2) (below 1e-3 here). The graded grid must reproduce it
// within 3% (the Monte Carlo error is about 0.7% at 1500 paths); the
// reference's 500 uniform steps of t/500 land the walk 2.4 times too far
// from the vertex at t = 0.999 and 19 times at t = 0.9999 (the defect the
// grid fixes), so the test also shows that the fixed grid fails this check.
func TestSimulateBridgeTimesMatchesTheEndAsymptotics(t *testing.T) {
	const (
		v     = 28
		paths = 1500
		token = 3
	)
	sched := schedule.Default()
	times := []float64{0.5, 0.999, 0.9999}
	dst := make([]float64, len(times)*v)
	scratch := make([]float64, v)
	sum := make([]float64, len(times))
	sq := make([]float64, len(times))
	for w := range paths {
		s := rng.NewStream(5, uint64(w))
		require.NoError(t, SimulateBridgeTimes(dst, StartMasked, token, times, DefaultBridgeGrid, sched, &s, scratch))
		for j := range times {
			g := 1 - dst[j*v+token]
			sum[j] += g
			sq[j] += g * g
		}
	}
	for j, tm := range times[1:] {
		j++
		m := sum[j] / paths
		se := math.Sqrt((sq[j]/paths - m*m) / paths)
		want := float64(v-1) * sched.IntBeta(tm) / 2
		t.Logf("t = %v: 1 - E<X,e_k> = %.4e +- %.1e, asymptotic %.4e", tm, m, se, want)
		require.InDelta(t, want, m, 0.03*want)
		require.Less(t, se, 0.02*want)
	}

	x := make([]float64, v)
	var far float64
	for w := range 200 {
		s := rng.NewStream(6, uint64(w))
		require.NoError(t, SimulateBridge(x, StartMasked, token, 0.9999, 500, sched, &s, nil))
		far += (1 - x[token]) / 200
	}
	want := float64(v-1) * sched.IntBeta(0.9999) / 2
	t.Logf("500 uniform steps at t = 0.9999: %.4e, %.1f times the asymptotic value", far, far/want)
	require.Greater(t, far, 5*want)
}

// One path read at several times: each row is where the walk was at that
// time, the last row equals a single-time simulation of the same stream, and
// a time equal to the previous one repeats the row.
func TestSimulateBridgeTimesRows(t *testing.T) {
	const v = 6
	sched := schedule.Default()
	g := BridgeGrid{MaxStep: 0.01, Frac: 0.05}
	times := []float64{0.2, 0.2, 0.7, 0.95}
	dst := make([]float64, len(times)*v)
	s := rng.NewStream(9, 1)
	require.NoError(t, SimulateBridgeTimes(dst, StartUniform, 2, times, g, sched, &s, make([]float64, v)))
	require.Equal(t, dst[0:v], dst[v:2*v])
	one := make([]float64, v)
	s = rng.NewStream(9, 1)
	require.NoError(t, SimulateBridgeTimes(one, StartUniform, 2, times[3:], g, sched, &s, make([]float64, v)))
	require.InDeltaSlice(t, one, dst[3*v:], 1e-12)

	s = rng.NewStream(9, 1)
	require.Error(t, SimulateBridgeTimes(dst, StartUniform, 2, []float64{0.5, 0.4, 0.6, 0.7}, g, sched, &s, make([]float64, v)))
	require.Error(t, SimulateBridgeTimes(dst[:v], StartUniform, 2, times, g, sched, &s, make([]float64, v)))
	require.Error(t, SimulateBridgeTimes(dst, StartUniform, 2, times, BridgeGrid{}, sched, &s, make([]float64, v)))
	require.Equal(t, 2, BridgeGrid{MaxStep: 0.5, Frac: 1}.Steps(0.9))
}

// Both importance proposals keep the time integral: E[weight f(t)] is the
// uniform sampler's (1/T) int_0^T f, for an f that grows like 1/(1-t) (the
// NELBO integrand's shape) and for a flat one, within 4 standard errors of
// 200,000 draws. The adaptive proposal is first trained on f so that it is
// far from uniform (about 45% of its draws fall above t = 0.99, against
// 0.01% for the uniform sampler).
func TestImportanceProposalsKeepTheTimeIntegral(t *testing.T) {
	const T = 1 - TrainEps
	fs := map[string]func(float64) float64{
		"1/(1-t)": func(t float64) float64 { return 1 / (1 - t) },
		"flat":    func(t float64) float64 { return 2 + math.Sin(7*t) },
	}
	exact := map[string]float64{
		"1/(1-t)": math.Log(1/TrainEps) / T,
		"flat":    (2*T + (1-math.Cos(7*T))/7) / T,
	}
	late, err := NewLateTimes(0.5)
	require.NoError(t, err)
	adapt, err := NewAdaptiveTimes(AdaptiveEdges(), AdaptiveFloor, AdaptiveDecay)
	require.NoError(t, err)
	s := rng.NewStream(31, 0)
	for range 20000 {
		tm, _ := adapt.Sample(s.Float64())
		adapt.Observe(tm, fs["1/(1-t)"](tm))
		adapt.Refresh()
	}
	edges, shares := adapt.Shares()
	var lateShare float64
	for b, sh := range shares {
		if edges[b] >= 0.99 {
			lateShare += sh
		}
	}
	require.Greater(t, lateShare, 0.4)
	for pname, p := range map[string]TimeSampler{"late": late, "adaptive": adapt} {
		for fname, f := range fs {
			const n = 200000
			st := rng.NewStream(32, 1)
			var sum, sq float64
			for range n {
				tm, w := p.Sample(st.Float64())
				require.True(t, tm >= 0 && tm <= T)
				v := w * f(tm)
				sum += v
				sq += v * v
			}
			m := sum / n
			se := math.Sqrt((sq/n - m*m) / n)
			t.Logf("%s, f = %s: %.5f +- %.5f, exact %.5f", pname, fname, m, se, exact[fname])
			require.InDelta(t, exact[fname], m, 4*se)
		}
	}
}

// The adaptive proposal refuses bad settings and statistics, and its
// statistics round-trip.
func TestAdaptiveTimesState(t *testing.T) {
	_, err := NewAdaptiveTimes([]float64{0, 0.5}, 0.1, 0.9)
	require.Error(t, err)
	_, err = NewAdaptiveTimes([]float64{0, 0.6, 0.5, 1 - TrainEps}, 0.1, 0.9)
	require.Error(t, err)
	_, err = NewAdaptiveTimes(AdaptiveEdges(), 0, 0.9)
	require.Error(t, err)
	a, err := NewAdaptiveTimes(AdaptiveEdges(), 0.1, 0.9)
	require.NoError(t, err)
	require.InDelta(t, 1/(1-TrainEps), a.Density(0.3), 1e-12) // uniform before any observation
	a.Observe(0.95, 10)
	a.Observe(0.2, 1)
	a.Observe(0.2, math.NaN()) // ignored
	a.Refresh()
	b, err := NewAdaptiveTimes(AdaptiveEdges(), 0.1, 0.9)
	require.NoError(t, err)
	require.NoError(t, b.SetStats(a.Stats()))
	for _, u := range []float64{0.01, 0.3, 0.77, 0.999} {
		t1, w1 := a.Sample(u)
		t2, w2 := b.Sample(u)
		require.Equal(t, t1, t2)
		require.Equal(t, w1, w2)
	}
	require.Error(t, b.SetStats(AdaptiveStats{M2: []float64{1}, Seen: []uint64{1}}))
	bad := a.Stats()
	bad.M2[0] = -1
	require.Error(t, b.SetStats(bad))
}
