//go:build !js

// The whole training engine is tested natively (on SwiftShader, and on a
// real GPU by testenv/gpu_bench.sh); under js/wasm every kernel it runs is
// tested one by one (backward_test.go, kernels_test.go), which is what the
// browser adds, at a fraction of the time.

package gpu

import (
	"math"
	"math/rand/v2"
	"runtime"
	"testing"

	"github.com/rdlm-go/rdlm/core/model"
	"github.com/rdlm-go/rdlm/core/nn"
	"github.com/rdlm-go/rdlm/core/process"
	"github.com/rdlm-go/rdlm/core/schedule"
	"github.com/rdlm-go/rdlm/core/tables"
	"github.com/rdlm-go/rdlm/trainer/objective"
	"github.com/rdlm-go/rdlm/trainer/optim"
	"github.com/stretchr/testify/require"
)

// trainCase is a batch drawn on the host, the CPU reference of its loss and
// gradient, and a training engine for it.
type trainCase struct {
	p          *model.Params[float32]
	B, L, K    int
	x, t       []float32
	tokens     []int32
	rowWeights []float32
}

// newTrainCase is the tiny architecture (random, no zero init, so every
// path carries signal) at an odd length, with a batch of random sphere
// points, times, targets and row weights (one of them 0, as MDLM's
// unmasked positions are).
func newTrainCase(t testing.TB, B, L int, seed uint64) *trainCase {
	p := tinyParams(t)
	K := p.Cfg.Vocab
	r := rand.New(rand.NewPCG(seed, seed))
	tc := &trainCase{p: p, B: B, L: L, K: K, x: randomSpherePoints(r, B*L, K), t: make([]float32, B),
		tokens: make([]int32, B*L), rowWeights: make([]float32, B*L)}
	for s := range tc.t {
		tc.t[s] = float32(r.Float64())
	}
	for i := range tc.tokens {
		tc.tokens[i] = int32(r.IntN(K))
		tc.rowWeights[i] = float32((0.5 + r.Float64()) / float64(B))
	}
	tc.rowWeights[3] = 0
	return tc
}

// cpuGradient is the reference: model.Net's forward, the weighted
// cross-entropy of every row and BackwardFrom, into g (zeroed first).
func (c *trainCase) cpuGradient(t testing.TB, p *model.Params[float32], g *model.Params[float32]) float64 {
	net, err := model.NewNet(p, c.B, c.L)
	require.NoError(t, err)
	logits, err := net.Forward(c.x, c.t)
	require.NoError(t, err)
	dl := make([]float32, len(logits))
	var loss float64
	for r := 0; r < c.B*c.L; r++ {
		z, tg := logits[r*c.K:(r+1)*c.K], c.tokens[r:r+1]
		loss += float64(c.rowWeights[r]) * float64(nn.CrossEntropyForward(z, tg, c.K))
		nn.CrossEntropyBackward(dl[r*c.K:(r+1)*c.K], z, tg, c.K, c.rowWeights[r])
	}
	g.Zero()
	require.NoError(t, net.BackwardFrom(g, dl))
	return loss
}

func (c *trainCase) engine(t testing.TB, d Driver, micro int) *TrainEngine {
	e, err := NewTrainEngine(d, c.p, TrainConfig{Batch: c.B, Length: c.L, MicroBatch: micro, Clip: 1, ClipEps: optim.ClipEps, LogSteps: 8})
	require.NoError(t, err)
	require.NoError(t, e.SetInputs(c.x, c.t, c.tokens, c.rowWeights))
	return e
}

// TestTrainGradientMatchesCPU: the device's loss and every parameter
// tensor's gradient against model.Net's, for one pass of the whole batch and
// for micro-batches of one sequence accumulated. Bound: 1e-5 relative to
// each tensor's largest gradient (f32 in other orders through the whole
// network; observed below 1e-6).
func TestTrainGradientMatchesCPU(t *testing.T) {
	d := testDriver(t)
	c := newTrainCase(t, 3, 19, 1)
	want := model.NewParams[float32](c.p.Cfg)
	wantLoss := c.cpuGradient(t, c.p, want)
	got := model.NewParams[float32](c.p.Cfg)
	for _, micro := range []int{3, 1} {
		e := c.engine(t, d, micro)
		if micro == 3 {
			t.Logf("kernels per step: %s", e.Kernels())
		}
		loss, err := e.Gradient()
		require.NoError(t, err)
		require.InDelta(t, wantLoss, loss, 1e-5*wantLoss, "micro-batch %d", micro)
		require.NoError(t, e.ReadGradient(got.Flat))
		worst, at := 0.0, ""
		for _, s := range c.p.Cfg.Specs() {
			e := relErr(got.View(s.Name), want.View(s.Name))
			require.Less(t, e, 1e-5, "micro-batch %d: %s", micro, s.Name)
			if e > worst {
				worst, at = e, s.Name
			}
		}
		t.Logf("micro-batch %d: loss %.6f (cpu %.6f); worst gradient %.1e (%s)", micro, loss, wantLoss, worst, at)
	}
}

// TestTrainGradientFiniteDifferences checks the device's own gradient
// against differences of the device's own loss along a random unit
// direction in each of several tensors and in all of them at once:
// <grad, d> against the Richardson-extrapolated central difference
// (4 D(h/2) - D(h)) / 3, D(h) = (L(p + h d) - L(p - h d)) / 2h. In f32 the
// loss (about 40) carries rounding of about 1e-5, so h is chosen to move
// the loss by about 0.05 (h at most 4), and the bound is 1e-2 relative plus
// that rounding carried through the difference, 2e-6 L / h (observed:
// 2.5e-6 to 1e-3 relative).
func TestTrainGradientFiniteDifferences(t *testing.T) {
	d := testDriver(t)
	c := newTrainCase(t, 2, 13, 2)
	e := c.engine(t, d, 2)
	_, err := e.Gradient()
	require.NoError(t, err)
	g := model.NewParams[float32](c.p.Cfg)
	require.NoError(t, e.ReadGradient(g.Flat))
	r := rand.New(rand.NewPCG(3, 3))
	moved := append([]float32(nil), c.p.Flat...)
	for _, name := range []string{"", "vocab_embed.embedding.weight", "sigma_map.mlp.0.weight", "sigma_map.mlp.2.bias",
		"blocks.0.attn_qkv.weight", "blocks.0.attn_out.weight", "blocks.0.norm1.weight", "blocks.1.mlp.0.bias",
		"blocks.1.mlp.2.weight", "blocks.1.adaLN_modulation.weight", "output_layer.norm_final.weight",
		"output_layer.adaLN_modulation.bias", "output_layer.linear.weight"} {
		dir := model.NewParams[float32](c.p.Cfg)
		span := dir.Flat
		if name != "" {
			span = dir.View(name)
		}
		var n2 float64
		for i := range span {
			span[i] = float32(r.NormFloat64())
			n2 += float64(span[i]) * float64(span[i])
		}
		for i := range span {
			span[i] /= float32(math.Sqrt(n2))
		}
		var slope float64
		for i, v := range dir.Flat {
			slope += float64(v) * float64(g.Flat[i])
		}
		loss := func(h float64) float64 {
			for i, v := range c.p.Flat {
				moved[i] = v + float32(h)*dir.Flat[i]
			}
			e.SetState(moved, nil, nil, nil)
			l, err := e.Loss()
			require.NoError(t, err)
			return l
		}
		h := min(4, max(1e-3, 0.05/math.Abs(slope)))
		diff := func(h float64) float64 { return (loss(h) - loss(-h)) / (2 * h) }
		fd := (4*diff(h/2) - diff(h)) / 3
		l0 := loss(0)
		rel := math.Abs(fd-slope) / math.Abs(slope)
		t.Logf("%-36s h %.3g: directional derivative %+.6f, difference %+.6f: %.1e", name, h, slope, fd, rel)
		require.Less(t, math.Abs(fd-slope), 1e-2*math.Abs(slope)+2e-6*l0/h, name)
	}
}

// cpuStep is one step of the CPU trainer's optimiser on the reference
// gradient: clip, AdamW, EMA.
func cpuStep(p, g *model.Params[float32], adam *optim.AdamW, ema *optim.EMA, clip float64) float64 {
	norm := optim.ClipGlobalNorm(g.Flat, clip)
	adam.Update(p.Flat, g.Flat)
	ema.Update(p.Flat)
	return norm
}

func deviceCoefficients(cfg optim.AdamWConfig, ema *optim.EMA, step int) StepCoefficients {
	k := cfg.CoefficientsAt(step)
	return StepCoefficients{StepSize: k.StepSize, InvSqrtBC2: k.InvSqrtBC2, Decay: k.Decay, B1: k.B1, B2: k.B2,
		OB1: k.OB1, OB2: k.OB2, Eps: k.Eps, EMAWeight: float32(1 - ema.DecayAt(step))}
}

// TestTrainStepsMatchCPU takes six whole steps (forward, loss, backward,
// clip, AdamW, EMA) on the device and with model.Net and trainer/optim from
// the same weights and inputs (new inputs each step), in two micro-batches:
// the logged losses and norms agree within 1e-5 relative, and so do the
// AdamW moments of every tensor after the last step (relative to each
// tensor's scale; observed below 6e-6). The weights and the EMA are bounded
// by 0.05 learning rates in absolute terms: AdamW moves each element by
// about lr m/sqrt(v) whatever its gradient's size, so an element whose
// gradient is near zero turns the f32 rounding of its gradient sum into a
// visible share of a step (observed 2e-3 learning rates, 1e-4 of the time
// MLP's first layer's scale).
func TestTrainStepsMatchCPU(t *testing.T) {
	d := testDriver(t)
	c := newTrainCase(t, 2, 11, 4)
	cfg := optim.AdamWConfig{LR: 3e-3, Beta1: 0.9, Beta2: 0.999, Eps: 1e-8, WeightDecay: 0.01, Warmup: 3}
	const clip, steps = 1.0, 6
	p := model.NewParams[float32](c.p.Cfg)
	copy(p.Flat, c.p.Flat)
	g := model.NewParams[float32](c.p.Cfg)
	adam, err := optim.NewAdamW(len(p.Flat), cfg)
	require.NoError(t, err)
	ema, err := optim.NewEMA(p.Flat, 0.9)
	require.NoError(t, err)
	e := c.engine(t, d, 1)
	var logs []StepLog
	var want []StepLog
	r := rand.New(rand.NewPCG(5, 5))
	for step := 1; step <= steps; step++ {
		c.x = randomSpherePoints(r, c.B*c.L, c.K)
		for i := range c.tokens {
			c.tokens[i] = int32(r.IntN(c.K))
		}
		require.NoError(t, e.SetInputs(c.x, c.t, c.tokens, c.rowWeights))
		loss := c.cpuGradient(t, p, g)
		norm := cpuStep(p, g, adam, ema, clip)
		want = append(want, StepLog{Step: step, Loss: loss, Norm: norm})
		require.NoError(t, e.Step(step, deviceCoefficients(cfg, ema, step)))
		if step%3 == 0 {
			var stop int
			logs, stop, err = e.ReadLog(logs)
			require.NoError(t, err)
			require.Zero(t, stop)
		}
	}
	require.Len(t, logs, steps)
	for i, l := range logs {
		require.Equal(t, want[i].Step, l.Step)
		require.InDelta(t, want[i].Loss, l.Loss, 1e-5*want[i].Loss, "step %d loss", l.Step)
		require.InDelta(t, want[i].Norm, l.Norm, 1e-5*want[i].Norm, "step %d norm", l.Step)
	}
	gp, gm, gv, gs := make([]float32, len(p.Flat)), make([]float32, len(p.Flat)), make([]float32, len(p.Flat)), make([]float32, len(p.Flat))
	require.NoError(t, e.ReadState(gp, gm, gv, gs))
	for _, cmp := range []struct {
		what      string
		got, want []float32
	}{{"adamw.m", gm, adam.M}, {"adamw.v", gv, adam.V}} {
		lo := 0
		for _, s := range c.p.Cfg.Specs() {
			hi := lo + s.Numel()
			require.Less(t, relErr(cmp.got[lo:hi], cmp.want[lo:hi]), 1e-5, "%s of %s", cmp.what, s.Name)
			lo = hi
		}
	}
	maxDiff := func(a, b []float32) float64 {
		var d float64
		for i := range a {
			d = max(d, math.Abs(float64(a[i])-float64(b[i])))
		}
		return d
	}
	dw, ds := maxDiff(gp, p.Flat)/cfg.LR, maxDiff(gs, ema.Shadow)/cfg.LR
	require.Less(t, dw, 0.05)
	require.Less(t, ds, 0.05)
	t.Logf("%d steps: last loss %.5f (cpu %.5f), norm %.5f (cpu %.5f); moments %.1e, %.1e; weights and EMA within %.1e and %.1e learning rates",
		steps, logs[steps-1].Loss, want[steps-1].Loss, logs[steps-1].Norm, want[steps-1].Norm, relErr(gm, adam.M), relErr(gv, adam.V), dw, ds)
}

// countingDriver counts the objects a Driver is asked to create.
type countingDriver struct {
	Driver
	buffers, kernels, groups int
}

func (c *countingDriver) CreateBuffer(label string, size uint64, kind BufKind) (Buf, error) {
	c.buffers++
	return c.Driver.CreateBuffer(label, size, kind)
}

func (c *countingDriver) CreateKernel(label, wgsl string) (Kernel, error) {
	c.kernels++
	return c.Driver.CreateKernel(label, wgsl)
}

func (c *countingDriver) CreateGroup(k Kernel, b []Binding) (Group, error) {
	c.groups++
	return c.Driver.CreateGroup(k, b)
}

// TestTrainStepAllocatesNothing: a steady-state step (its inputs written
// and submitted) allocates nothing on the host and creates no buffer,
// pipeline or bind group. Reading the log (at the host's log interval)
// allocates a little in the native driver's map-and-wait; that is logged.
// Under js every syscall/js call allocates, so there only the objects are
// counted.
func TestTrainStepAllocatesNothing(t *testing.T) {
	cd := &countingDriver{Driver: testDriver(t)}
	c := newTrainCase(t, 2, 9, 6)
	e, err := NewTrainEngine(cd, c.p, TrainConfig{Batch: c.B, Length: c.L, MicroBatch: 1, Clip: 1, ClipEps: optim.ClipEps, LogSteps: 32})
	require.NoError(t, err)
	k := optim.DefaultAdamW().CoefficientsAt(1)
	coef := StepCoefficients{StepSize: k.StepSize, InvSqrtBC2: k.InvSqrtBC2, Decay: k.Decay, B1: k.B1, B2: k.B2, OB1: k.OB1, OB2: k.OB2, Eps: k.Eps, EMAWeight: 0.1}
	logs := make([]StepLog, 0, 64)
	step := 0
	take := func() {
		step++
		if err := e.SetInputs(c.x, c.t, c.tokens, c.rowWeights); err != nil {
			t.Fatal(err)
		}
		if err := e.Step(step, coef); err != nil {
			t.Fatal(err)
		}
	}
	take()
	before := *cd
	allocs := testing.AllocsPerRun(8, take)
	t.Logf("host allocations per step: %v", allocs)
	if runtime.GOOS != "js" {
		require.Zero(t, allocs)
	}
	require.Equal(t, before.buffers, cd.buffers, "buffers created during steps")
	require.Equal(t, before.kernels, cd.kernels, "pipelines created during steps")
	require.Equal(t, before.groups, cd.groups, "bind groups created during steps")
	read := testing.AllocsPerRun(1, func() {
		if logs, _, err = e.ReadLog(logs[:0]); err != nil {
			t.Fatal(err)
		}
	})
	require.Len(t, logs, 0) // the first run read the 10 steps; the second, none
	t.Logf("host allocations per log read: %v", read)
	require.Equal(t, before.groups, cd.groups)
}

// TestTrainEngineSplitsParameters lowers the storage binding limit so that
// the parameters fall into several segments (and a tensor too large for
// one is refused), and checks that the gradient does not change.
func TestTrainEngineSplitsParameters(t *testing.T) {
	d := testDriver(t)
	c := newTrainCase(t, 1, 7, 7)
	want := model.NewParams[float32](c.p.Cfg)
	c.cpuGradient(t, c.p, want)
	lim := &limitedDriver{Driver: d, maxBinding: 200 << 10} // a block's adaLN weight and bias take 193 KiB
	e, err := NewTrainEngine(lim, c.p, TrainConfig{Batch: 1, Length: c.L, Clip: 1, LogSteps: 1})
	require.NoError(t, err)
	require.Greater(t, e.Segments(), 4)
	require.NoError(t, e.SetInputs(c.x, c.t, c.tokens, c.rowWeights))
	_, err = e.Gradient()
	require.NoError(t, err)
	got := model.NewParams[float32](c.p.Cfg)
	require.NoError(t, e.ReadGradient(got.Flat))
	require.Less(t, relErr(got.Flat, want.Flat), 1e-5)

	_, err = NewTrainEngine(&limitedDriver{Driver: d, maxBinding: 128 << 10}, c.p, TrainConfig{Batch: 1, Length: c.L, LogSteps: 1})
	require.ErrorContains(t, err, "does not fit")
}

// drawsFor converts the objective's per-sequence draws as the trainer does.
func drawsFor(o *objective.Objective[float32], draws []objective.SequenceDraw, seed, step uint64) ([]SequenceDraw, uint64, uint64, error) {
	if err := o.DrawSequences(draws, seed, step); err != nil {
		return nil, 0, 0, err
	}
	out := make([]SequenceDraw, len(draws))
	for s, d := range draws {
		out[s] = SequenceDraw{T: d.T, RowWeight: d.Weight / float64(len(draws)), Uniform: d.Start == process.StartUniform,
			Alpha: d.Alpha, Rho: d.Rho, MaskBelow: objective.MaskBelow(d.MaskProb)}
	}
	seqBase, posBase := objective.StreamBases(step)
	return out, seqBase, posBase, nil
}

// TestTrainDrawsMatchObjective draws a batch's inputs on the device
// (corrupt.wgsl) and on the CPU (objective.Corrupt) from the same seed and
// step, for RDLM's mixture (both starts) and for MDLM: the masks and row
// weights agree exactly and x_t within 2e-6 (observed 1.5e-7: the normals'
// Box-Muller and the exponential map in f32 instead of float64).
func TestTrainDrawsMatchObjective(t *testing.T) {
	d := testDriver(t)
	tc := tables.DefaultConfig(27)
	tc.Particles = 256
	tab, err := tables.Build(tc)
	require.NoError(t, err)
	const B, L, seed, step = 6, 13, 11, 5
	p := tinyParams(t)
	K := p.Cfg.Vocab
	tokens := make([]int32, B*L)
	r := rand.New(rand.NewPCG(8, 8))
	for i := range tokens {
		tokens[i] = int32(r.IntN(K))
	}
	for _, cfg := range []objective.Config{
		{Kind: objective.CE, Times: objective.TimesImportance, Window: [2]float64{0.3, 0.6}, StepThr: 0.45},
		{Kind: objective.MDLM, Times: objective.TimesUniform},
	} {
		o, err := objective.New[float32](cfg, tab, schedule.Default(), K, L, B)
		require.NoError(t, err)
		want, wantT, err := o.Corrupt(tokens, B, seed, step)
		require.NoError(t, err)
		_, weights := o.Times()
		wantW := make([]float32, B*L)
		starts := map[bool]int{}
		for i := range wantW {
			wantW[i] = float32(weights[i/L] / B)
			if m := o.Masked(); m != nil && !m[i] {
				wantW[i] = 0
			}
		}
		draws, seqBase, posBase, err := drawsFor(o, make([]objective.SequenceDraw, B), seed, step)
		require.NoError(t, err)
		for _, dr := range draws {
			starts[dr.Uniform]++
		}
		e, err := NewTrainEngine(d, p, TrainConfig{Batch: B, Length: L, LogSteps: 1, Seed: seed, Masked: cfg.Kind == objective.MDLM})
		require.NoError(t, err)
		require.NoError(t, e.SetDraws(tokens, draws, seqBase, posBase))
		_, err = e.Loss()
		require.NoError(t, err)
		gotX, gotW := make([]float32, B*L*K), make([]float32, B*L)
		require.NoError(t, e.ReadInputs(gotX, gotW))
		require.Equal(t, wantW, gotW, cfg.Kind)
		for s, dr := range draws {
			require.Equal(t, wantT[s], float32(dr.T))
		}
		ex := relErr(gotX, want)
		t.Logf("%s: x_t %.1e (%d sequences from u, %d from e_m)", cfg.Kind, ex, starts[true], starts[false])
		if cfg.Kind == objective.MDLM {
			require.Equal(t, want, gotX)
		} else {
			require.Less(t, ex, 2e-6)
			require.NotZero(t, starts[true])
			require.NotZero(t, starts[false])
		}
	}
}
