package model

import (
	"math"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/rdlm-go/rdlm/core/rng"
	"github.com/rdlm-go/rdlm/internal/testutil"
)

func TestPresets(t *testing.T) {
	text8, err := Preset("text8")
	require.NoError(t, err)
	require.Equal(t, 92422939, text8.NumParams()) // rdlm-math.md section 5
	small, _ := Preset("small")
	require.Equal(t, 1275931, small.NumParams()) // counted by hand from the shapes
	for _, name := range PresetNames() {
		c, err := Preset(name)
		require.NoError(t, err)
		require.NoError(t, c.Validate(), name)
	}
	_, err = Preset("huge")
	require.ErrorContains(t, err, `unknown preset "huge"`)
}

func TestValidateNamesTheProblem(t *testing.T) {
	base, _ := Preset("tiny")
	bad := base
	bad.Heads = 3
	require.ErrorContains(t, bad.Validate(), "hidden 64 is not divisible by heads 3")
	bad = base
	bad.Hidden, bad.Heads = 12, 4 // head dim 3
	require.ErrorContains(t, bad.Validate(), "head dim 3")
	bad = base
	bad.Vocab = 0
	require.ErrorContains(t, bad.Validate(), "vocab = 0")
}

func TestViewsCoverFlat(t *testing.T) {
	c, _ := Preset("tiny")
	p := NewParams[float32](c)
	for i := range p.Flat {
		p.Flat[i] = float32(i)
	}
	off := 0
	for _, s := range c.Specs() {
		v := p.View(s.Name)
		require.Len(t, v, s.Numel(), s.Name)
		require.Equal(t, float32(off), v[0], "%s starts at %d", s.Name, off)
		off += s.Numel()
	}
	require.Equal(t, len(p.Flat), off)
	require.Nil(t, p.View("blocks.9.norm1.weight"))
	require.Equal(t, p.View("blocks.1.mlp.2.bias"), p.Blocks[1].MLP2B)
}

// micro is a configuration small enough to check every parameter's
// gradient by finite differences.
var micro = Config{Vocab: 5, Length: 6, Hidden: 8, Heads: 2, Blocks: 2, Cond: 6}

// randomInputs returns points x (b, L, K) on the sphere's positive part,
// times t (b) and targets (b, L).
func randomInputs(c Config, b int, seed uint64) ([]float64, []float64, []int32) {
	st := rng.NewStream(seed, 0)
	x := make([]float64, b*c.Length*c.Vocab)
	for r := 0; r < b*c.Length; r++ {
		row := x[r*c.Vocab : (r+1)*c.Vocab]
		n := 0.0
		for i := range row {
			row[i] = st.Float64()
			n += row[i] * row[i]
		}
		for i := range row {
			row[i] /= math.Sqrt(n + 0.3) // leave room for the dropped mask coordinate
		}
	}
	t := make([]float64, b)
	for i := range t {
		t[i] = st.Float64()
	}
	tg := make([]int32, b*c.Length)
	for i := range tg {
		tg[i] = int32(st.Uint32() % uint32(c.Vocab))
	}
	return x, t, tg
}

// randomInputsF32 is randomInputs with x and t rounded to float32.
func randomInputsF32(c Config, b int, seed uint64) ([]float32, []float32, []int32) {
	x, t, tg := randomInputs(c, b, seed)
	return testutil.ToF32(x), testutil.ToF32(t), tg
}

func TestWholeModelGradientMatchesFiniteDifferences(t *testing.T) {
	const b = 2
	p := NewParams[float64](micro)
	p.Init(7, false)
	x, tt, tg := randomInputs(micro, b, 3)
	net, err := NewNet(p, b, micro.Length)
	require.NoError(t, err)
	w := []float64{0.7, 1.3}
	dlogits, perSeq := make([]float64, len(x)), make([]float64, b)
	loss := func() float64 {
		logits, err := net.Forward(x, tt)
		require.NoError(t, err)
		return crossEntropy(dlogits, logits, tg, w, perSeq, micro.Length, micro.Vocab)
	}
	loss()
	g := NewParams[float64](micro)
	require.NoError(t, net.BackwardFrom(g, dlogits))

	worst := 0.0
	for _, s := range micro.Specs() {
		rel := testutil.FiniteDiffRelErr(t, s.Name, p.View(s.Name), g.View(s.Name), loss)
		require.Less(t, rel, 1e-7, "%s: analytic vs finite-difference gradient", s.Name)
		worst = math.Max(worst, rel)
	}
	t.Logf("worst norm-relative error over %d tensors: %.2e", len(micro.Specs()), worst)
}

func TestZeroInitBlocksAreIdentityAndLogitsZero(t *testing.T) {
	c, _ := Preset("tiny")
	p := NewParams[float32](c)
	p.Init(1, true)
	x, tt, tg := randomInputsF32(c, 2, 5)
	net, err := NewNet(p, 2, c.Length)
	require.NoError(t, err)
	logits, err := net.Forward(x, tt)
	require.NoError(t, err)
	for i := 0; i < c.Blocks; i++ {
		require.Equal(t, net.hs[i], net.hs[i+1], "block %d changed its input", i)
	}
	for _, v := range logits {
		require.Zero(t, v)
	}
	loss, dlogits := make([]float32, 2), make([]float32, len(logits))
	crossEntropy(dlogits, logits, tg, nil, loss, c.Length, c.Vocab)
	for _, l := range loss {
		require.InDelta(t, float64(c.Length)*math.Log(float64(c.Vocab)), float64(l), 1e-4)
	}
	// Training can still start: the output layer's gradient is non-zero.
	g := NewParams[float32](c)
	require.NoError(t, net.BackwardFrom(g, dlogits))
	require.NotZero(t, testutil.SumSquares(g.OutW))
}

func TestInferenceMatchesTrainingForwardAndPartialBatches(t *testing.T) {
	c, _ := Preset("tiny")
	p := NewParams[float32](c)
	p.Init(2, false)
	x, tt, _ := randomInputsF32(c, 3, 9)
	net, err := NewNet(p, 3, c.Length)
	require.NoError(t, err)
	want, err := net.Forward(x, tt)
	require.NoError(t, err)
	want = append([]float32(nil), want...)

	inf, err := NewInference(p, 4, c.Length) // larger capacity than used
	require.NoError(t, err)
	got := make([]float32, len(want))
	require.NoError(t, inf.Forward(got, x, tt))
	require.InDeltaSlice(t, want, got, 1e-5)

	// Sequence 1 alone gives the same logits as inside the batch.
	n := c.Length * c.Vocab
	one := make([]float32, n)
	require.NoError(t, inf.Forward(one, x[n:2*n], tt[1:2]))
	require.InDeltaSlice(t, want[n:2*n], one, 1e-5)

	require.ErrorContains(t, inf.Forward(got, x[:n], tt), "x has")
	_, err = net.Forward(x, make([]float32, 4))
	require.ErrorContains(t, err, "batch of 4 times")
}

func TestBackwardFromChecksItsInputs(t *testing.T) {
	c, _ := Preset("tiny")
	p := NewParams[float32](c)
	net, err := NewNet(p, 1, c.Length)
	require.NoError(t, err)
	n := c.Length * c.Vocab
	require.ErrorContains(t, net.BackwardFrom(NewParams[float32](c), make([]float32, n)), "before Forward")
	x, tt, _ := randomInputsF32(c, 1, 1)
	_, err = net.Forward(x, tt)
	require.NoError(t, err)
	require.ErrorContains(t, net.BackwardFrom(NewParams[float32](c), make([]float32, n-1)), "dlogits has")
	require.ErrorContains(t, net.BackwardFrom(nil, make([]float32, n)), "gradient buffer")
}

func TestTrainingStepAllocatesNothing(t *testing.T) {
	c, _ := Preset("tiny")
	p := NewParams[float32](c)
	p.Init(3, false)
	x, tt, tg := randomInputsF32(c, 2, 4)
	net, err := NewNet(p, 2, c.Length)
	require.NoError(t, err)
	g := NewParams[float32](c)
	loss, dlogits := make([]float32, 2), make([]float32, len(x))
	allocs := testing.AllocsPerRun(5, func() {
		_, _ = trainStep(net, g, x, tt, tg, nil, dlogits, loss)
	})
	require.Zero(t, allocs)
}

// text8Inference builds the text8 model (random weights, seed 1) for
// inference at batch 1, with one random input x, tt and a logits buffer.
func text8Inference(tb testing.TB) (inf *Inference[float32], x, tt, logits []float32) {
	tb.Helper()
	c, _ := Preset("text8")
	p := NewParams[float32](c)
	p.Init(1, false)
	inf, err := NewInference(p, 1, c.Length)
	require.NoError(tb, err)
	x, tt, _ = randomInputsF32(c, 1, 2)
	return inf, x, tt, make([]float32, len(x))
}

func TestText8InferenceAllocatesNothing(t *testing.T) {
	inf, x, tt, logits := text8Inference(t)
	allocs := testing.AllocsPerRun(1, func() { _ = inf.Forward(logits, x, tt) })
	require.Zero(t, allocs)
	require.False(t, math.IsNaN(float64(logits[0])))
	require.NotZero(t, testutil.SumSquares(logits))
}

func TestGradientsDoNotDependOnBatchCapacity(t *testing.T) {
	c, _ := Preset("tiny")
	p := NewParams[float32](c)
	p.Init(4, false)
	x, tt, tg := randomInputsF32(c, 2, 6)
	grad := func(capacity int) []float32 {
		net, err := NewNet(p, capacity, c.Length)
		require.NoError(t, err)
		g := NewParams[float32](c)
		_, err = trainStep(net, g, x, tt, tg, []float32{0.5, 0.5}, make([]float32, len(x)), make([]float32, 2))
		require.NoError(t, err)
		return g.Flat
	}
	// Same batch, same row chunks: the same arithmetic, bit for bit.
	require.Equal(t, grad(2), grad(5))
}
