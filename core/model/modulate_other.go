//go:build !amd64

package model

const haveModulateAsm = false

func modulateRowAVX512(out, x, w, shift, scale *float32, n int, m, rs float32) {
	panic("model: no AVX-512 modulation kernel")
}

func residualRowAVX512(out, h, y, gate *float32, n int) { panic("model: no AVX-512 residual kernel") }

func rotaryAVX512(dst, src *float32, stride int, cos, sin *float32, l, half int) {
	panic("model: no AVX-512 rotary kernel")
}
