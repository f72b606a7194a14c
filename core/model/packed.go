package model

import (
	"unsafe"

	"github.com/rdlm-go/rdlm/core/cpu"
	"github.com/rdlm-go/rdlm/core/nn"
)

// MaxPackedWeightBytes bounds PackWeights: a packed copy the size of the
// weight matrices is worth keeping for the small models a CPU walks (the
// built-in ones are a few MB), not for a text8-size one (370 MB), where the
// packing is a small share of each product anyway.
const MaxPackedWeightBytes = 64 << 20

// packedWeights are an Inference's weight matrices packed for core/cpu's
// kernels (Inference.PackWeights).
type packedWeights struct {
	embed, time0, time1 *cpu.PackedNT
	blocks              []packedBlock
	finalAda, out       *cpu.PackedNT
}

type packedBlock struct {
	ada, qkv, out, mlp0, mlp2 *cpu.PackedNT
}

// PackWeights packs the network's weight matrices once, so that every
// Forward skips packing them: about a tenth of a sampling step of the
// built-in model, whose products are batch x length rows against small
// weights, and most of the cost of the per-sequence modulation products (a
// few rows against a 6D x C weight). The logits stay the same bit for bit.
//
// From then on Forward uses the packed copies of the matrices (biases and
// norm weights it still reads from P): call PackWeights again after changing
// P, or never call it on a network whose weights change between passes (an
// evaluator of EMA weights during training). It reports whether it packed:
// only float32 networks whose matrices take at most MaxPackedWeightBytes are
// packed; the others run as before.
func (m *Inference[T]) PackWeights() bool {
	var z T
	if unsafe.Sizeof(z) != 4 || 4*m.P.Cfg.NumParams() > MaxPackedWeightBytes {
		return false
	}
	p, c := m.P, m.P.Cfg
	D, K, C, hid := c.Hidden, c.Vocab, c.Cond, MLPRatio*c.Hidden
	pk := func(w []T, n, k int) *cpu.PackedNT { return cpu.PackNT(f32(w), n, k) }
	pw := &packedWeights{
		embed:    pk(p.EmbedW, D, K),
		time0:    pk(p.Time0W, C, TimeFeatures),
		time1:    pk(p.Time1W, C, C),
		blocks:   make([]packedBlock, len(p.Blocks)),
		finalAda: pk(p.FinalAdaW, 2*D, C),
		out:      pk(p.OutW, K, D),
	}
	for i := range p.Blocks {
		b := &p.Blocks[i]
		pw.blocks[i] = packedBlock{ada: pk(b.AdaW, 6*D, C), qkv: pk(b.QKV, 3*D, D), out: pk(b.Out, D, D),
			mlp0: pk(b.MLP0W, hid, D), mlp2: pk(b.MLP2W, D, hid)}
	}
	m.e.packed = pw
	return true
}

// linear is nn.LinearForward, y = x w^T + b, on w's packed copy when there is
// one (pw non-nil): the same bias-first accumulation, so the same result.
//
//	y (n, out), x (n, in), w (out, in), b (out) or nil
func linear[T cpu.Float](y, x, w, b []T, pw *cpu.PackedNT, n, in, out int) {
	if pw == nil {
		nn.LinearForward(y, x, w, b, n, in, out)
		return
	}
	if b != nil {
		for r := 0; r < n; r++ {
			copy(y[r*out:(r+1)*out], b)
		}
	}
	cpu.MatMulPackedNT(f32(y[:n*out]), f32(x[:n*in]), pw, n, b != nil)
}

// f32 views a slice of a 4-byte float type as []float32 (T is float32 or a
// type defined on it wherever this is called).
func f32[T cpu.Float](s []T) []float32 {
	if len(s) == 0 {
		return nil
	}
	return unsafe.Slice((*float32)(unsafe.Pointer(unsafe.SliceData(s))), len(s))
}
