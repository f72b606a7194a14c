package eval

import (
	"math"
	"testing"

	"github.com/rdlm-go/rdlm/core/model"
	"github.com/rdlm-go/rdlm/core/process"
	"github.com/rdlm-go/rdlm/core/rng"
	"github.com/rdlm-go/rdlm/core/schedule"
	"github.com/stretchr/testify/require"
)

// At t = 0 the bridge has not moved: x_t is the start point, and with
// uniform probabilities the integrand has a closed form. From e_m every
// log_{e_m}(e_k) = (pi/2) e_k, so |mean_k log - log_tok|^2 = (pi/2)^2 (1 - 1/K).
// From u, log_u(e_k) = f (e_k - c0 u) with f = theta/sin(theta), so
// |mean_k log - log_tok|^2 = |log_tok|^2 - |mean_k log|^2 = theta^2 - f^2 (1/K - 1/V).
// Both scaled by gamma_0^2 / (2 beta_0). The network is the real zero-initialised
// DiT, so this checks the whole path: input layout, softmax, drift, loss.
func TestRDLMIntegrandAtTimeZeroIsAnalytic(t *testing.T) {
	params := tinyParams(t, true)
	sched := schedule.Default()
	g0, b0 := sched.Gamma(0), sched.Beta(0)
	v := float64(testK + 1)
	c0 := 1 / math.Sqrt(v)
	theta := math.Acos(c0)
	f := theta / math.Sin(theta)
	want := map[float64]float64{
		0:    g0 * g0 / (2 * b0) * (math.Pi / 2) * (math.Pi / 2) * (1 - 1.0/testK), // step_thr 0: start at e_m
		0.35: g0 * g0 / (2 * b0) * (theta*theta - f*f*(1.0/testK-1/v)),             // t < step_thr: start at u
	}
	seqs := randomSeqs(2, 8, 5)
	for stepThr, loss := range want {
		proc := testProcess()
		proc.StepThr = stepThr
		e, err := New(params, proc, 8, Options{Batch: 2})
		require.NoError(t, err)
		for r := range 2 {
			e.seqIdx[r] = r
			seqs.Fill(e.tokens[r*8:(r+1)*8], r)
			e.setTime(r, 0, 0.5)
		}
		require.NoError(t, e.rdlmIntegrand(2))
		for q, got := range e.posLoss[:16] {
			require.InEpsilon(t, loss, got, 1e-9, "step_thr %v position %d", stepThr, q)
		}
	}
	// The two differ: the start matters.
	require.Greater(t, want[0]/want[0.35], 1.2)
}

// The evaluator's per-sequence NELBO, at the times it drew, agrees with a
// direct computation that shares nothing with it but the process package:
// fresh bridge simulations (other random streams), the start rule written
// out, exact uniform probabilities instead of the network's. Pairing on t
// removes the variance over t, which dominates (the integrand grows like
// 1/(1-t)^2 for a uniform predictor). Given t, the two are independent draws
// of the same distribution, so their relative difference (a-b)/((a+b)/2) is
// symmetric about 0 and every time counts equally.
func TestRDLMMatchesDirectMonteCarloAtTheSameTimes(t *testing.T) {
	const (
		n, l    = 60, 8
		stepThr = 0.35
	)
	params := tinyParams(t, true)
	seqs := randomSeqs(n, l, 6)
	e, err := New(params, testProcess(), l, Options{Seed: 3})
	require.NoError(t, err)
	times, nelbos := make([]float64, n), make([]float64, n)
	e.OnRow = func(rep, seq int, tm, nelbo float64) { times[seq], nelbos[seq] = tm, nelbo }
	res, err := e.Run(seqs)
	require.NoError(t, err)

	sched := schedule.Default()
	x, b := make([]float64, testK+1), make([]float64, testK+1)
	p := make([]float64, testK)
	for i := range p {
		p[i] = 1.0 / testK
	}
	diff := make([]float64, n)
	sawUniform, sawMasked := false, false
	for i := range n {
		tm := times[i]
		require.True(t, tm >= 0 && tm < 1-1e-4, "t = %v", tm)
		start := process.StartMasked
		if tm < stepThr {
			start, sawUniform = process.StartUniform, true
		} else {
			sawMasked = true
		}
		gamma, beta := sched.Gamma(tm), sched.Beta(tm)
		var direct float64
		{
			for pos := range l {
				st := rng.NewStream(1000, uint64(i*l+pos))
				require.NoError(t, process.SimulateBridge(x, start, int(seqs.ids[i][pos]), tm, 500, sched, &st, nil))
				require.NoError(t, process.GenerativeDrift(b, x, p, gamma))
				loss, err := process.DriftLoss(b, x, int(seqs.ids[i][pos]), gamma, beta)
				require.NoError(t, err)
				direct += loss
			}
		}
		diff[i] = (nelbos[i] - direct) / ((nelbos[i] + direct) / 2)
	}
	require.True(t, sawUniform && sawMasked, "the times should cover both starts")
	mean, se := meanOf(diff), stdErr(diff)
	t.Logf("NELBO %.4g nats/seq, paired relative difference %.3g +- %.3g", res.NELBO, mean, se)
	require.Less(t, math.Abs(mean), 4*se)
	require.Less(t, se, 0.03, "the paired check must be sharp")

	// What Run reports is these sequences' figures.
	require.InEpsilon(t, meanOf(nelbos), res.NELBO, 1e-12)
	require.InEpsilon(t, res.NELBO/(l*math.Ln2), res.BPC, 1e-12)
	require.InEpsilon(t, stdErr(nelbos)/(l*math.Ln2), res.StdErr, 1e-12)
	require.True(t, res.BPC > 0 && !math.IsInf(res.BPC, 0))
	require.Equal(t, n, res.Sequences)
	require.Equal(t, 1, res.Seeds)
	require.Equal(t, l, res.Length)
	require.Equal(t, FamilyRDLM, res.Family)
	require.Equal(t, "simulated-bridge-500", res.Estimator)
	require.True(t, math.IsNaN(res.StdErrSeeds), "one seed has no spread across seeds")
	require.InDeltaSlice(t, []float64{res.BPC}, res.SeedBPC, 1e-9*res.BPC)
}

// A denoiser that knows the answer makes the generative drift the bridge's
// own: its NELBO vanishes. One that is 90% right lies in between.
func TestRDLMOracleScoresFarBelowUniform(t *testing.T) {
	const n, l = 16, 8
	seqs := patternSeqs(n, l)
	bpc := func(net model.Denoiser) float64 {
		e, err := NewWithDenoiser(net, testK, l, testProcess(), Options{BridgeSteps: 100, Batch: 4})
		require.NoError(t, err)
		res, err := e.Run(seqs)
		require.NoError(t, err)
		require.False(t, math.IsNaN(res.BPC) || math.IsInf(res.BPC, 0))
		return res.BPC
	}
	uniform := bpc(uniformNet{})
	oracle := bpc(oracleNet{k: testK, l: l, margin: 40})
	// p_tok = 0.9: exp(margin) = 0.9/(0.1/26).
	likely := bpc(oracleNet{k: testK, l: l, margin: float32(math.Log(0.9 * 26 / 0.1))})
	t.Logf("BPC uniform %.4g, 90%% right %.4g, oracle %.3g", uniform, likely, oracle)
	require.Greater(t, uniform, 1.0)
	require.GreaterOrEqual(t, oracle, 0.0)
	require.Less(t, oracle, 1e-9*uniform)
	require.Less(t, likely, 0.5*uniform)
	require.Greater(t, likely, 1e3*oracle)
}
