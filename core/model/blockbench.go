package model

import (
	"github.com/rdlm-go/rdlm/core/cpu"
	"github.com/rdlm-go/rdlm/core/rng"
)

// BlockBench runs one pre-LN DiT block's forward and backward in float32 on
// preallocated buffers: the unit of work that dominates training, for
// `rdlm bench` and the Go benchmarks.
type BlockBench struct {
	Batch, Length, Hidden, Heads int

	e    *engine[float32]
	p, g *Params[float32] // one-block parameters and gradients
	acts blockActs[float32]
	c    []float32 // (B, C) conditioning
	dc   []float32 // (B, C)
	hIn  []float32 // (N, D)
	hOut []float32 // (N, D)
	dOut []float32 // (N, D) the gradient fed to the block's output
}

// BenchCond is the conditioning width of the block benchmark (the reference's C).
const BenchCond = 128

// NewBlockBench builds a block of the given shape with random weights and
// inputs (every modulation non-zero, so no path is skipped).
func NewBlockBench(batch, length, hidden, heads int) (*BlockBench, error) {
	cfg := Config{Vocab: 27, Length: length, Hidden: hidden, Heads: heads, Blocks: 1, Cond: BenchCond}
	p, err := newChecked[float32](cfg, batch, length)
	if err != nil {
		return nil, err
	}
	p.Init(1, false)
	e := newEngine[float32](cfg, batch, length, true)
	e.setBatch(batch)
	N := batch * length
	b := &BlockBench{Batch: batch, Length: length, Hidden: hidden, Heads: heads,
		e: e, p: p, g: NewParams[float32](cfg), acts: newBlockActs(e, true),
		c: make([]float32, batch*BenchCond), dc: make([]float32, batch*BenchCond),
		hIn: make([]float32, N*hidden), hOut: make([]float32, N*hidden), dOut: make([]float32, N*hidden)}
	st := rng.NewStream(2, 0)
	for _, v := range [][]float32{b.c, b.hIn, b.dOut} {
		for i := range v {
			v[i] = float32(st.Normal())
		}
	}
	return b, nil
}

func newChecked[T cpu.Float](cfg Config, batch, length int) (*Params[T], error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if err := cfg.CheckNet(batch, length, true); err != nil { // before the parameters are allocated
		return nil, err
	}
	p := NewParams[T](cfg)
	return p, checkDims(p, batch, length, true)
}

// Run is one forward and one backward of the block.
func (b *BlockBench) Run() {
	e := b.e
	e.blockForward(&b.p.Blocks[0], &b.acts, b.c, b.hIn, b.acts.hMid, b.hOut)
	copy(e.dh, b.dOut)
	e.blockBackward(&b.p.Blocks[0], &b.g.Blocks[0], &b.acts, b.c, b.dc, b.hIn)
}

// Flops is the number of floating-point operations of one Run in the matrix
// products (2 per multiply-add; the elementwise work is not counted), for
// GFLOP/s figures.
func (b *BlockBench) Flops() float64 {
	N, D, L := float64(b.Batch*b.Length), float64(b.Hidden), float64(b.Length)
	linear := 2 * N * (3*D*D + D*D + 2*MLPRatio*D*D) // qkv, out, mlp.0, mlp.2
	attn := 2 * 2 * N * L * D                        // q k^T and p v over all heads
	mod := 2 * float64(b.Batch) * BenchCond * 6 * D
	return 3 * (linear + attn + mod) // backward does two products per forward one
}
