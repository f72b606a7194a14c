package optim

import (
	"math"
	"testing"

	"github.com/rdlm-go/rdlm/core/model"
	"github.com/rdlm-go/rdlm/core/nn"
	"github.com/rdlm-go/rdlm/core/rng"
	"github.com/stretchr/testify/require"
)

// AdamW with warm-up and clipping, driving the real network's training
// forward and backward, memorises a fixed tiny batch: the cross-entropy
// summed over 8 positions starts at 8 ln 27 = 26.37 (zero-init logits) and
// must end below 1e-3 after 300 steps at lr 1e-3 (measured: 0.87 at step 50,
// 1.7e-5 at step 300, the float32 floor of the log-softmax). A wrong sign or a
// broken gradient path stays far above that; the exact update rule is
// TestAdamWMatchesTextbookForm's job.
func TestAdamWMemorisesATinyBatch(t *testing.T) {
	cfg := model.Config{Vocab: 27, Length: 8, Hidden: 32, Heads: 2, Blocks: 1, Cond: 16}
	const B, steps = 2, 300
	L, K := cfg.Length, cfg.Vocab
	p := model.NewParams[float32](cfg)
	p.Init(1, true)
	g := model.NewParams[float32](cfg)
	net, err := model.NewNet(p, B, L)
	require.NoError(t, err)

	st := rng.NewStream(42, 0)
	x := make([]float32, B*L*K)
	targets := make([]int32, B*L)
	for i := range targets {
		targets[i] = int32(st.Uint32() % uint32(K))
	}
	for i := range x { // pure noise: the targets must be memorised, not read off x
		x[i] = float32(0.2 * st.Normal())
	}
	times := []float32{0.4, 0.7}
	const weight = 1.0 / B // mean over the batch, as the reference
	dlogits := make([]float32, B*L*K)
	// loss is the cross-entropy per sequence, averaged over the batch, and
	// sets dlogits to its gradient, as the trainer's objective does.
	loss := func(logits []float32) float32 {
		var total float32
		for s := 0; s < B; s++ {
			lg, tg := logits[s*L*K:(s+1)*L*K], targets[s*L:(s+1)*L]
			total += weight * nn.CrossEntropyForward(lg, tg, K)
			nn.CrossEntropyBackward(dlogits[s*L*K:(s+1)*L*K], lg, tg, K, weight)
		}
		return total
	}

	opt, err := NewAdamW(len(p.Flat), AdamWConfig{LR: 1e-3, Beta1: 0.9, Beta2: 0.999, Eps: 1e-8, Warmup: 10})
	require.NoError(t, err)
	ema, err := NewEMA(p.Flat, 0.9)
	require.NoError(t, err)

	step := func() float32 {
		logits, err := net.Forward(x, times)
		require.NoError(t, err)
		l := loss(logits)
		g.Zero()
		require.NoError(t, net.BackwardFrom(g, dlogits))
		norm := ClipGlobalNorm(g.Flat, 1)
		require.False(t, math.IsNaN(norm))
		opt.Update(p.Flat, g.Flat)
		ema.Update(p.Flat)
		return l
	}
	first := step()
	last := first
	for i := 1; i < steps; i++ {
		last = step()
		if (i+1)%50 == 0 {
			t.Logf("step %d: loss %.3g", i+1, last)
		}
	}
	t.Logf("loss per sequence: step 1 %.4f, step %d %.3g", first, steps, last)
	require.InDelta(t, float64(L)*math.Log(float64(K)), first, 1e-4)
	require.Less(t, last, float32(1e-3))

	// The EMA weights (decay 0.9, about ten steps of memory) have converged too.
	copy(p.Flat, ema.Shadow)
	logits, err := net.Forward(x, times)
	require.NoError(t, err)
	emaLoss := loss(logits)
	t.Logf("EMA weights: loss %.3g", emaLoss)
	require.Less(t, emaLoss, float32(1e-3))
}
