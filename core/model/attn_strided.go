package model

import (
	"math"
	"unsafe"

	"github.com/rdlm-go/rdlm/core/cpu"
	"github.com/rdlm-go/rdlm/core/nn"
)

// stridedAttention says whether a pass at inference takes attendStrided: a
// float32, bidirectional network on the kernels whose softmax row
// nn.AttentionForward hands to cpu.SoftmaxScaled (cpu.VecMath), so that the
// two paths compute the same function bit for bit.
func (e *engine[T]) stridedAttention() bool {
	var z T
	return unsafe.Sizeof(z) == 4 && !e.causal && cpu.VecMath()
}

// attendStrided is one head's attention at inference, the function of
// RotaryForward (q and k), GatherHead (v), nn.AttentionForward and
// ScatterHead bit for bit (TestStridedAttentionIsNN), two passes fewer: the
// product probs v reads v in place in the fused qkv rows and writes the
// head's output in place in the merged attention rows; q and k turn on
// vector lanes (rotary).
//
//	u = b*H + head; qkv (N, 3D) in e.qkv; out into a.att (N, D)
func (t *attnTask[T]) attendStrided(worker, u int) {
	e, a := t.e, t.a
	L, D, hd := e.L, e.D, e.hd
	b, h := u/e.H, u%e.H
	base := b*L*3*D + h*hd
	hs := L * hd
	q, k := e.wq[worker*hs:(worker+1)*hs], e.wk[worker*hs:(worker+1)*hs]
	rotary(q, e.qkv[base:], 3*D, e.cos, e.sin, L, hd)
	rotary(k, e.qkv[base+D:], 3*D, e.cos, e.sin, L, hd)
	probs := f32(e.wscores[worker*L*L : (worker+1)*L*L])
	cpu.MatMulNT(probs, f32(q), f32(k), L, L, hd, false)
	scale := float32(T(1 / math.Sqrt(float64(hd)))) // as nn.AttentionForward rounds it
	for r := 0; r < L; r++ {
		cpu.SoftmaxScaled(probs[r*L:(r+1)*L], scale)
	}
	outBase := b*L*D + h*hd
	cpu.MatMulNNStrided(f32(a.att[outBase:]), D, probs, L, f32(e.qkv[base+2*D:]), 3*D, L, hd, L, false)
}

// rotary is nn.RotaryForward, on 16 AVX-512 lanes where modulateRow takes
// them and the head's half width is a multiple of 16 (elementwise, every
// product and sum rounded as nn's loop rounds it: the same floats).
func rotary[T cpu.Float](dst, src []T, stride int, cos, sin []T, l, hd int) {
	var z T
	half := hd / 2
	if haveModulateAsm && unsafe.Sizeof(z) == 4 && l > 0 && half > 0 && half%16 == 0 && vecModulate() {
		_ = src[(l-1)*stride+hd-1] // the bounds the assembly relies on
		_ = dst[l*hd-1]
		_ = cos[l*half-1]
		_ = sin[l*half-1]
		rotaryAVX512(&f32(dst)[0], &f32(src)[0], stride, &f32(cos)[0], &f32(sin)[0], l, half)
		return
	}
	nn.RotaryForward(dst, src, stride, cos, sin, l, hd)
}
