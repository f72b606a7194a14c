package model

// modulateRowAVX512 is modulateRow's loop on 16 lanes (modulate_amd64.s):
// n > 0 a multiple of 16, pointers to n floats each.
//
//go:noescape
func modulateRowAVX512(out, x, w, shift, scale *float32, n int, m, rs float32)

// residualRowAVX512 is out = h + gate y on 16 lanes, n as above.
//
//go:noescape
func residualRowAVX512(out, h, y, gate *float32, n int)

// rotaryAVX512 is nn.RotaryForward on 16 lanes: l >= 1 rows, half a
// positive multiple of 16.
//
//go:noescape
func rotaryAVX512(dst, src *float32, stride int, cos, sin *float32, l, half int)

// haveModulateAsm says whether modulateRowAVX512 exists in this build; it
// runs only where core/cpu runs its AVX-512 kernels (cpu.VecMath).
const haveModulateAsm = true
