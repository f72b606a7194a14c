package nn

import (
	"math"

	"github.com/rdlm-go/rdlm/core/cpu"
)

// Rotary position embeddings in the rotate_half convention: feature i of the
// first half pairs with feature i + hd/2, and the pair turns by the angle
// pos * inv_freq_i, inv_freq_i = 10000^(-2i/hd). Applied to q and k only.

// RotaryTable fills the cos and sin of every (position, frequency) angle.
// Each step rounds to T as the reference's float32 code does (exponent,
// power, reciprocal, product), so float32 tables match it bit for bit.
//
//	cos, sin (l, hd/2)
func RotaryTable[T cpu.Float](cos, sin []T, l, hd int) {
	half := hd / 2
	for i := 0; i < half; i++ {
		e := T(2*i) / T(hd)
		inv := 1 / T(math.Pow(10000, float64(e)))
		for p := 0; p < l; p++ {
			a := float64(T(p) * inv)
			cos[p*half+i] = T(math.Cos(a))
			sin[p*half+i] = T(math.Sin(a))
		}
	}
}

// RotaryForward gathers one head's q or k rows out of the fused qkv
// activations and rotates them: the gather and the rotation share one pass.
//
//	dst (l, hd): rotated, contiguous
//	src: l rows of hd features, row r starting at src[r*stride]
//	cos, sin (l, hd/2) from RotaryTable
func RotaryForward[T cpu.Float](dst, src []T, stride int, cos, sin []T, l, hd int) {
	half := hd / 2
	for r := 0; r < l; r++ {
		x := src[r*stride : r*stride+hd]
		o := dst[r*hd : (r+1)*hd]
		c := cos[r*half : (r+1)*half]
		s := sin[r*half : (r+1)*half]
		x1, x2 := x[:half], x[half:]
		o1, o2 := o[:half], o[half:]
		for i := range c {
			o1[i] = x1[i]*c[i] - x2[i]*s[i]
			o2[i] = x2[i]*c[i] + x1[i]*s[i]
		}
	}
}

// RotaryBackward turns gradients back (the transpose of a rotation is the
// rotation by minus the angle) and scatters them into the fused layout.
//
//	dsrc: l rows of hd features at stride, overwritten
//	ddst (l, hd), cos, sin (l, hd/2)
func RotaryBackward[T cpu.Float](dsrc []T, stride int, ddst, cos, sin []T, l, hd int) {
	half := hd / 2
	for r := 0; r < l; r++ {
		g := ddst[r*hd : (r+1)*hd]
		d := dsrc[r*stride : r*stride+hd]
		c := cos[r*half : (r+1)*half]
		s := sin[r*half : (r+1)*half]
		g1, g2 := g[:half], g[half:]
		d1, d2 := d[:half], d[half:]
		for i := range c {
			d1[i] = g1[i]*c[i] + g2[i]*s[i]
			d2[i] = g2[i]*c[i] - g1[i]*s[i]
		}
	}
}

// GatherHead copies one head's rows (v, unrotated) out of a strided layout.
//
//	dst (l, hd); src: l rows of hd at stride
func GatherHead[T cpu.Float](dst, src []T, stride, l, hd int) {
	for r := 0; r < l; r++ {
		copy(dst[r*hd:(r+1)*hd], src[r*stride:r*stride+hd])
	}
}

// ScatterHead is the inverse of GatherHead (also the backward of it).
//
//	dst: l rows of hd at stride, overwritten; src (l, hd)
func ScatterHead[T cpu.Float](dst []T, stride int, src []T, l, hd int) {
	for r := 0; r < l; r++ {
		copy(dst[r*stride:r*stride+hd], src[r*hd:(r+1)*hd])
	}
}
