package model

import (
	"github.com/rdlm-go/rdlm/core/cpu"
	"github.com/rdlm-go/rdlm/core/nn"
)

// blockActs are one block's activations. In training every block has its
// own, kept for the backward; at inference all blocks share one set, several
// fields alias each other and the ones only the backward reads are nil.
type blockActs[T cpu.Float] struct {
	mod          []T // (B, 6D): shift1, scale1, gate1, shift2, scale2, gate2
	mean1, rstd1 []T // (N) layer norm 1 statistics; nil at inference
	a1           []T // (N, D) modulated layer norm 1: the attention input
	q, k, v      []T // (B, H, L, hd) rotated q and k, and v, per head; nil at inference
	probs        []T // (B, H, L, L) attention probabilities; nil at inference
	att          []T // (N, D) attention output, heads merged
	proj         []T // (N, D) attention output projection (attn_out)
	hMid         []T // (N, D) residual stream between attention and MLP
	mean2, rstd2 []T // (N) layer norm 2 statistics; nil at inference
	a2           []T // (N, D) modulated layer norm 2: the MLP input (aliases a1 at inference)
	m1           []T // (N, 4D) mlp.0 output, before the GELU
	g            []T // (N, 4D) GELU output (aliases m1 at inference)
	m2           []T // (N, D) mlp.2 output (aliases proj at inference)
}

// finalActs are the output layer's activations.
type finalActs[T cpu.Float] struct {
	mod        []T // (B, 2D): shift, scale
	mean, rstd []T // (N) nil at inference
	a          []T // (N, D) modulated final layer norm
}

// timeActs are the time path's activations: embedding, MLP, conditioning.
type timeActs[T cpu.Float] struct {
	emb []T // (B, 256) sinusoidal embedding of t
	z1  []T // (B, C) sigma_map.mlp.0 output
	s1  []T // (B, C) SiLU(z1)
	z2  []T // (B, C) sigma_map.mlp.2 output
	c   []T // (B, C) SiLU(z2): the conditioning vector of every modulation
}

// engine owns the dimensions, the scratch shared by all blocks and the
// parallel tasks; Net and Inference wrap it.
type engine[T cpu.Float] struct {
	capB, L             int // batch capacity, sequence length
	B, N, S             int // current batch, rows B*L, row chunks per sequence
	D, H, hd, C, K, hid int // hidden, heads, head dim, cond, vocab, MLP width 4D
	workers             int
	causal              bool // attention sees only earlier positions (the autoregressive model)

	cos, sin []T // (L, hd/2) rotary table
	qkv      []T // (capN, 3D) fused projections, before the split into heads

	// Per-worker attention scratch, each (workers, L*hd) or (workers, L*L).
	wq, wk, wv, wo []T // q, k, v (inference only) and the head's output (or its gradient)
	wscores        []T // probabilities at inference, their gradient in training

	// Backward buffers; nil for inference.
	dh          []T // (capN, D) gradient of the residual stream
	dA          []T // (capN, D) gradient of a modulated layer norm output
	dtmp        []T // (capN, D) gradient of a gated branch output
	datt        []T // (capN, D) gradient of the merged attention output
	dqkv        []T // (capN, 3D)
	dm          []T // (capN, 4D) gradient of the MLP hidden layer
	dmod        []T // (capB, 6D) gradient of a modulation
	partialMod  []T // (workers, capB, 6D) per-worker share of dmod
	partialNorm []T // (workers, D) per-worker share of a layer norm weight gradient
	wdq, wdk    []T // (workers, L*hd)
	wdv         []T // (workers, L*hd)

	rows rowTask[T]
	attn attnTask[T]

	// packed holds the weight matrices packed once (Inference.PackWeights);
	// nil: every product packs its weight.
	packed *packedWeights
}

func newEngine[T cpu.Float](c Config, batch, length int, train bool) *engine[T] {
	e := &engine[T]{
		capB: batch, L: length, D: c.Hidden, H: c.Heads, hd: c.HeadDim(), C: c.Cond, K: c.Vocab,
		hid: MLPRatio * c.Hidden, workers: cpu.Threads(), causal: c.Causal,
	}
	capN, D, W := batch*length, e.D, e.workers
	e.cos, e.sin = make([]T, length*e.hd/2), make([]T, length*e.hd/2)
	nn.RotaryTable(e.cos, e.sin, length, e.hd)
	e.qkv = make([]T, capN*3*D)
	e.wo = make([]T, W*length*e.hd)
	e.wscores = make([]T, W*length*length)
	if train {
		e.dh, e.dA, e.dtmp, e.datt = make([]T, capN*D), make([]T, capN*D), make([]T, capN*D), make([]T, capN*D)
		e.dqkv, e.dm = make([]T, capN*3*D), make([]T, capN*e.hid)
		e.dmod, e.partialMod, e.partialNorm = make([]T, batch*6*D), make([]T, W*batch*6*D), make([]T, W*D)
		e.wdq, e.wdk, e.wdv = make([]T, W*length*e.hd), make([]T, W*length*e.hd), make([]T, W*length*e.hd)
	} else {
		e.wq, e.wk, e.wv = make([]T, W*length*e.hd), make([]T, W*length*e.hd), make([]T, W*length*e.hd)
	}
	e.rows.e, e.attn.e = e, e
	return e
}

// setBatch sizes the next pass for b sequences (b <= capB). Rows are cut
// into S chunks per sequence so that even one sequence keeps every worker busy.
func (e *engine[T]) setBatch(b int) {
	e.B, e.N = b, b*e.L
	e.S = min(e.L, max(1, (4*e.workers+b-1)/b))
}

func newBlockActs[T cpu.Float](e *engine[T], train bool) blockActs[T] {
	N, D, B := e.capB*e.L, e.D, e.capB
	a := blockActs[T]{
		mod: make([]T, B*6*D), a1: make([]T, N*D), att: make([]T, N*D), proj: make([]T, N*D),
		m1: make([]T, N*e.hid),
	}
	if !train {
		a.a2, a.g, a.m2 = a.a1, a.m1, a.proj
		return a
	}
	a.mean1, a.rstd1, a.mean2, a.rstd2 = make([]T, N), make([]T, N), make([]T, N), make([]T, N)
	a.q, a.k, a.v = make([]T, N*D), make([]T, N*D), make([]T, N*D)
	a.probs = make([]T, B*e.H*e.L*e.L)
	a.hMid, a.a2, a.g, a.m2 = make([]T, N*D), make([]T, N*D), make([]T, N*e.hid), make([]T, N*D)
	return a
}

func newFinalActs[T cpu.Float](e *engine[T], train bool) finalActs[T] {
	N := e.capB * e.L
	f := finalActs[T]{mod: make([]T, e.capB*2*e.D), a: make([]T, N*e.D)}
	if train {
		f.mean, f.rstd = make([]T, N), make([]T, N)
	}
	return f
}

func newTimeActs[T cpu.Float](e *engine[T]) timeActs[T] {
	B, C := e.capB, e.C
	return timeActs[T]{emb: make([]T, B*TimeFeatures), z1: make([]T, B*C), s1: make([]T, B*C), z2: make([]T, B*C), c: make([]T, B*C)}
}
