#include "textflag.h"

// func modulateRowAVX512(out, x, w, shift, scale *float32, n int, m, rs float32)
//
// out[j] = ((x[j] - m) * rs * w[j]) * (1 + scale[j]) + shift[j] for j < n,
// n a positive multiple of 16: each lane rounds every operation as the
// scalar Go loop does (no fused multiply-add), so the two agree bit for bit.
TEXT ·modulateRowAVX512(SB), NOSPLIT, $0-56
	MOVQ out+0(FP), DI
	MOVQ x+8(FP), SI
	MOVQ w+16(FP), R8
	MOVQ shift+24(FP), R9
	MOVQ scale+32(FP), R10
	MOVQ n+40(FP), CX
	VBROADCASTSS m+48(FP), Z1
	VBROADCASTSS rs+52(FP), Z2
	VBROADCASTSS one<>(SB), Z3
	XORQ AX, AX

loop:
	VMOVUPS (SI)(AX*4), Z0
	VSUBPS  Z1, Z0, Z0          // x - m
	VMULPS  Z2, Z0, Z0          // * rs
	VMULPS  (R8)(AX*4), Z0, Z0  // * w
	VADDPS  (R10)(AX*4), Z3, Z4 // 1 + scale
	VMULPS  Z4, Z0, Z0
	VADDPS  (R9)(AX*4), Z0, Z0  // + shift
	VMOVUPS Z0, (DI)(AX*4)
	ADDQ    $16, AX
	CMPQ    AX, CX
	JLT     loop

	VZEROUPPER
	RET

DATA one<>+0(SB)/4, $0x3f800000
GLOBL one<>(SB), RODATA|NOPTR, $4

// func residualRowAVX512(out, h, y, gate *float32, n int)
//
// out[j] = h[j] + gate[j] * y[j] for j < n, n a positive multiple of 16,
// rounded as the scalar loop rounds it (a product, then a sum).
TEXT ·residualRowAVX512(SB), NOSPLIT, $0-40
	MOVQ out+0(FP), DI
	MOVQ h+8(FP), SI
	MOVQ y+16(FP), R8
	MOVQ gate+24(FP), R9
	MOVQ n+32(FP), CX
	XORQ AX, AX

rloop:
	VMOVUPS (R9)(AX*4), Z0
	VMULPS  (R8)(AX*4), Z0, Z0 // gate * y
	VADDPS  (SI)(AX*4), Z0, Z0 // h + ...
	VMOVUPS Z0, (DI)(AX*4)
	ADDQ    $16, AX
	CMPQ    AX, CX
	JLT     rloop

	VZEROUPPER
	RET

// func rotaryAVX512(dst, src *float32, stride int, cos, sin *float32, l, half int)
//
// nn.RotaryForward on 16 lanes: for each of l rows (src row r at
// src[r*stride], dst row r at dst[r*2*half], cos and sin row r at
// [r*half]), o1 = x1 c - x2 s and o2 = x2 c + x1 s, each product and sum
// rounded as the scalar loop rounds it. half is a positive multiple of 16.
TEXT ·rotaryAVX512(SB), NOSPLIT, $0-56
	MOVQ dst+0(FP), DI
	MOVQ src+8(FP), SI
	MOVQ stride+16(FP), R11
	MOVQ cos+24(FP), R8
	MOVQ sin+32(FP), R9
	MOVQ l+40(FP), R10
	MOVQ half+48(FP), CX
	SHLQ $2, R11             // src row stride in bytes
	MOVQ CX, R12
	SHLQ $2, R12             // half in bytes

row:
	XORQ AX, AX
	LEAQ (SI)(R12*1), R13    // x2 of this row
	LEAQ (DI)(R12*1), R14    // o2 of this row

col:
	VMOVUPS (SI)(AX*4), Z0   // x1
	VMOVUPS (R13)(AX*4), Z1  // x2
	VMOVUPS (R8)(AX*4), Z2   // c
	VMOVUPS (R9)(AX*4), Z3   // s
	VMULPS  Z2, Z0, Z4       // x1 c
	VMULPS  Z3, Z1, Z5       // x2 s
	VSUBPS  Z5, Z4, Z4       // x1 c - x2 s
	VMULPS  Z2, Z1, Z6       // x2 c
	VMULPS  Z3, Z0, Z7       // x1 s
	VADDPS  Z7, Z6, Z6       // x2 c + x1 s
	VMOVUPS Z4, (DI)(AX*4)
	VMOVUPS Z6, (R14)(AX*4)
	ADDQ    $16, AX
	CMPQ    AX, CX
	JLT     col

	ADDQ R11, SI
	LEAQ (DI)(R12*2), DI
	ADDQ R12, R8
	ADDQ R12, R9
	DECQ R10
	JNZ  row

	VZEROUPPER
	RET
