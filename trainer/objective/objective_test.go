package objective

import (
	"math"
	"sync"
	"testing"

	"github.com/rdlm-go/rdlm/core/process"
	"github.com/rdlm-go/rdlm/core/rng"
	"github.com/rdlm-go/rdlm/core/schedule"
	"github.com/rdlm-go/rdlm/core/tables"
	"github.com/stretchr/testify/require"
)

const testK = 27

var (
	tabOnce sync.Once
	tab     *tables.Tables
	tabErr  error
)

// testTables are text8-sized x_t tables from few particles: the tests check
// how the objective uses alpha and rho, not the tables' accuracy.
func testTables(t *testing.T) *tables.Tables {
	tabOnce.Do(func() {
		cfg := tables.DefaultConfig(testK)
		cfg.Particles = 256
		tab, tabErr = tables.Build(cfg)
	})
	require.NoError(t, tabErr)
	return tab
}

func published() Config {
	return Config{Kind: CE, Times: TimesImportance, Window: [2]float64{0.3, 0.6}, StepThr: 0.35}
}

func randomTokens(n int, seed uint64) []int32 {
	st := rng.NewStream(seed, 99)
	out := make([]int32, n)
	for i := range out {
		out[i] = int32(st.Uint32() % testK)
	}
	return out
}

func newObjective[T float32 | float64](t *testing.T, cfg Config, length, batch int) *Objective[T] {
	o, err := New[T](cfg, testTables(t), schedule.Default(), testK, length, batch)
	require.NoError(t, err)
	return o
}

func TestConfigValidation(t *testing.T) {
	require.NoError(t, published().Validate())
	for _, c := range []Config{
		{Kind: "mse", Times: TimesUniform},
		{Kind: CE, Times: "log"},
		{Kind: CE, Times: TimesImportance, Window: [2]float64{0.6, 0.3}},
		{Kind: MDLM, Times: TimesImportance, Window: [2]float64{0.3, 0.6}},
		{Kind: ELBO, Times: TimesUniform, StepThr: 1.5},
	} {
		require.Error(t, c.Validate(), "%+v", c)
	}
	_, err := New[float32](published(), nil, schedule.Default(), testK, 8, 2)
	require.ErrorContains(t, err, "tables")
}

// At zero logits every position's CE is ln K, so the loss is
// mean_b weight_b * L ln K; inside the window the weight is Z = 0.30007,
// which gives section 10's 253.18 for L = 256.
func TestCEAtZeroLogits(t *testing.T) {
	const L, B = 256, 6
	o := newObjective[float32](t, published(), L, B)
	tokens := randomTokens(B*L, 1)
	x, tm, err := o.Corrupt(tokens, B, 7, 3)
	require.NoError(t, err)
	require.Len(t, x, B*L*testK)
	require.Len(t, tm, B)
	loss, err := o.Loss(make([]float32, B*L*testK), tokens, nil)
	require.NoError(t, err)
	ts, ws := o.Times()
	want := 0.0
	for b := range ws {
		want += ws[b] * L * math.Log(testK) / B
		if ts[b] > 0.3 && ts[b] < 0.6 {
			require.InDelta(t, 253.18, ws[b]*L*math.Log(testK), 0.01)
		}
	}
	require.InDelta(t, want, loss, 1e-3*want)
}

// Each sequence's start follows the step mixture (uniform iff t < step_thr,
// for all its positions), every x_t is on the unit sphere, and the network
// input is x_t without the mask coordinate.
func TestSpherePointsFollowTheMixture(t *testing.T) {
	const L, B = 16, 64
	o := newObjective[float64](t, published(), L, B)
	tokens := randomTokens(B*L, 2)
	_, tin, err := o.Corrupt(tokens, B, 1, 11)
	require.NoError(t, err)
	ts, _ := o.Times()
	var nUniform, nMasked int
	for b := 0; b < B; b++ {
		require.Equal(t, ts[b], tin[b])
		want := process.StartMasked
		if ts[b] < 0.35 {
			want = process.StartUniform
			nUniform++
		} else {
			nMasked++
		}
		require.Equal(t, want, o.start[b], "sequence %d at t=%v", b, ts[b])
		for l := 0; l < L; l++ {
			i := b*L + l
			xv := o.x[i*(testK+1) : (i+1)*(testK+1)]
			var n2 float64
			for _, v := range xv {
				n2 += v * v
			}
			require.InDelta(t, 1, n2, 1e-9)
			require.Equal(t, xv[:testK], o.in[i*testK:(i+1)*testK])
		}
	}
	require.Positive(t, nUniform)
	require.Positive(t, nMasked)
}

// A row's draws depend on (seed, step, row) only: not on the batch size or
// the buffers' capacity; another step or seed draws anew.
func TestCorruptIsAddressedBySeedStepAndRow(t *testing.T) {
	const L = 8
	for _, kind := range []Config{published(), {Kind: ELBO, Times: TimesUniform}, {Kind: MDLM, Times: TimesUniform}} {
		small := newObjective[float32](t, kind, L, 2)
		big := newObjective[float32](t, kind, L, 5)
		tokens := randomTokens(5*L, 3)
		xs, ts, err := small.Corrupt(tokens[:2*L], 2, 5, 40)
		require.NoError(t, err)
		xs, ts = append([]float32(nil), xs...), append([]float32(nil), ts...)
		xb, tb, err := big.Corrupt(tokens, 5, 5, 40)
		require.NoError(t, err)
		require.Equal(t, xs, xb[:len(xs)], kind.Kind)
		require.Equal(t, ts, tb[:2], kind.Kind)
		x2, _, err := big.Corrupt(tokens, 5, 5, 41)
		require.NoError(t, err)
		require.NotEqual(t, xs, x2[:len(xs)], kind.Kind)
	}
}

func TestCorruptRejectsBadInput(t *testing.T) {
	o := newObjective[float32](t, published(), 4, 2)
	_, _, err := o.Corrupt(make([]int32, 4), 2, 0, 0)
	require.ErrorContains(t, err, "tokens")
	_, _, err = o.Corrupt([]int32{0, 1, 27, 3}, 1, 0, 0)
	require.ErrorContains(t, err, "position 2")
	_, _, err = o.Corrupt(make([]int32, 12), 3, 0, 0)
	require.ErrorContains(t, err, "batch")
	_, _, err = o.Corrupt(make([]int32, 4), 1, 0, 1<<33)
	require.ErrorContains(t, err, "step")
	_, err = newObjective[float32](t, published(), 4, 2).Loss(make([]float32, 4*testK), make([]int32, 4), nil)
	require.ErrorContains(t, err, "before Corrupt")
}

func TestCorruptAndLossAllocateNothing(t *testing.T) {
	const L, B = 16, 4
	for _, cfg := range []Config{published(), {Kind: ELBO, Times: TimesUniform}, {Kind: MDLM, Times: TimesUniform},
		{Kind: CEELBO, Times: TimesAdaptive}, {Kind: CE, Times: TimesAdaptive}, {Kind: MDLM, Times: TimesAdaptive}} {
		o := newObjective[float32](t, cfg, L, B)
		tokens := randomTokens(B*L, 4)
		logits, dl := make([]float32, B*L*testK), make([]float32, B*L*testK)
		step := uint64(0)
		allocs := testing.AllocsPerRun(20, func() {
			step++
			if _, _, err := o.Corrupt(tokens, B, 1, step); err != nil {
				panic(err)
			}
			if _, err := o.Loss(logits, tokens, dl); err != nil {
				panic(err)
			}
			o.Adapt()
		})
		require.Zero(t, allocs, cfg.Kind, cfg.Times)
	}
}

// The adaptive proposal changes which times train, never the objective: for
// a fixed denoiser, the mean weighted loss under a proposal trained far from
// uniform equals the uniform sampler's, within 4 standard errors of 800
// batches each, for each loss. The denoiser reads its input (logits 10 x),
// so the loss depends on t as a network's does. (For MDLM its integrand,
// ln K per masked position over s, is flat in expectation, and the learnt
// proposal rightly stays close to uniform.)
func TestAdaptiveTimesKeepTheObjectivesExpectation(t *testing.T) {
	const L, B = 16, 8
	tokens := randomTokens(B*L, 5)
	logits := make([]float32, B*L*testK)
	lossAt := func(o *Objective[float32], step uint64) float64 {
		x, _, err := o.Corrupt(tokens, B, 3, step)
		require.NoError(t, err)
		for i, v := range x {
			logits[i] = 10 * v
		}
		loss, err := o.Loss(logits, tokens, nil)
		require.NoError(t, err)
		return loss
	}
	for _, kind := range []string{CE, ELBO, CEELBO, MDLM} {
		adaptive := newObjective[float32](t, Config{Kind: kind, Times: TimesAdaptive, StepThr: 0.35}, L, B)
		for step := uint64(1); step <= 200; step++ { // learn a proposal
			lossAt(adaptive, 1e6+step)
			adaptive.Adapt()
		}
		edges, shares := adaptive.Proposal().Shares()
		var uniformness float64 // total variation from the uniform proposal
		for b, sh := range shares {
			uniformness += math.Abs(sh-(edges[b+1]-edges[b])/(1-process.TrainEps)) / 2
		}
		if kind != MDLM { // MDLM's integrand is flat in expectation here: its proposal stays near uniform
			require.Greater(t, uniformness, 0.2, "%s: the learnt proposal should be far from uniform", kind)
		}
		uniform := newObjective[float32](t, Config{Kind: kind, Times: TimesUniform, StepThr: 0.35}, L, B)
		mean := func(o *Objective[float32]) (m, se float64) {
			const n = 800
			var s, sq float64
			for step := uint64(1); step <= n; step++ {
				v := lossAt(o, step)
				s += v
				sq += v * v
			}
			m = s / n
			return m, math.Sqrt((sq/n - m*m) / n)
		}
		ma, sa := mean(adaptive)
		mu, su := mean(uniform)
		t.Logf("%s: adaptive %.4g +- %.2g, uniform %.4g +- %.2g (proposal %.2f from uniform)", kind, ma, sa, mu, su, uniformness)
		require.InDelta(t, mu, ma, 4*math.Hypot(sa, su), kind)
	}
}
