#include "textflag.h"

// Strided group copies for packing: n groups of w floats, from src with a
// stride of srcStride floats to dst packed back to back. Fixed widths (the
// tile sizes) so each group is a few unaligned YMM/XMM moves, where Go's
// copy would call memmove for every group.

// func copyGroups32(dst, src *float32, n, srcStride int)
TEXT ·copyGroups32(SB), NOSPLIT, $0-32
	MOVQ dst+0(FP), DI
	MOVQ src+8(FP), SI
	MOVQ n+16(FP), CX
	MOVQ srcStride+24(FP), DX
	SHLQ $2, DX
	TESTQ CX, CX
	JEQ done32
loop32:
	VMOVUPS 0(SI), Y0
	VMOVUPS 32(SI), Y1
	VMOVUPS 64(SI), Y2
	VMOVUPS 96(SI), Y3
	VMOVUPS Y0, 0(DI)
	VMOVUPS Y1, 32(DI)
	VMOVUPS Y2, 64(DI)
	VMOVUPS Y3, 96(DI)
	ADDQ DX, SI
	ADDQ $128, DI
	DECQ CX
	JNE loop32
done32:
	VZEROUPPER
	RET

// func copyGroups16(dst, src *float32, n, srcStride int)
TEXT ·copyGroups16(SB), NOSPLIT, $0-32
	MOVQ dst+0(FP), DI
	MOVQ src+8(FP), SI
	MOVQ n+16(FP), CX
	MOVQ srcStride+24(FP), DX
	SHLQ $2, DX
	TESTQ CX, CX
	JEQ done16
loop16:
	VMOVUPS 0(SI), Y0
	VMOVUPS 32(SI), Y1
	VMOVUPS Y0, 0(DI)
	VMOVUPS Y1, 32(DI)
	ADDQ DX, SI
	ADDQ $64, DI
	DECQ CX
	JNE loop16
done16:
	VZEROUPPER
	RET

// func copyGroups12(dst, src *float32, n, srcStride int)
TEXT ·copyGroups12(SB), NOSPLIT, $0-32
	MOVQ dst+0(FP), DI
	MOVQ src+8(FP), SI
	MOVQ n+16(FP), CX
	MOVQ srcStride+24(FP), DX
	SHLQ $2, DX
	TESTQ CX, CX
	JEQ done12
loop12:
	VMOVUPS 0(SI), Y0
	VMOVUPS 32(SI), X1
	VMOVUPS Y0, 0(DI)
	VMOVUPS X1, 32(DI)
	ADDQ DX, SI
	ADDQ $48, DI
	DECQ CX
	JNE loop12
done12:
	VZEROUPPER
	RET

// func copyGroups6(dst, src *float32, n, srcStride int)
TEXT ·copyGroups6(SB), NOSPLIT, $0-32
	MOVQ dst+0(FP), DI
	MOVQ src+8(FP), SI
	MOVQ n+16(FP), CX
	MOVQ srcStride+24(FP), DX
	SHLQ $2, DX
	TESTQ CX, CX
	JEQ done6
loop6:
	VMOVUPS 0(SI), X0
	MOVQ 16(SI), R8
	VMOVUPS X0, 0(DI)
	MOVQ R8, 16(DI)
	ADDQ DX, SI
	ADDQ $24, DI
	DECQ CX
	JNE loop6
done6:
	VZEROUPPER
	RET

// func packRows4AVX(dst *float32, stride int, src *float32, rs, n int)
// Interleaves 4 rows (row stride rs floats) of n floats, n a multiple of 8,
// into groups of 4 at dst, stride floats apart: 4x4 transposes in each
// 128-bit lane, eight steps p per trip.
TEXT ·packRows4AVX(SB), NOSPLIT, $0-40
	MOVQ dst+0(FP), DI
	MOVQ stride+8(FP), R8
	SHLQ $2, R8
	MOVQ src+16(FP), SI
	MOVQ rs+24(FP), DX
	SHLQ $2, DX
	MOVQ n+32(FP), CX
	SHRQ $3, CX
	JEQ donep4
	LEAQ (SI)(DX*1), R9
	LEAQ (R9)(DX*1), R10
	LEAQ (R10)(DX*1), R11
	LEAQ (R8)(R8*2), R12 // 3 stride
	LEAQ (R8)(R8*4), R13 // 5 stride
	LEAQ (R12)(R8*4), BX // 7 stride
loopp4:
	VMOVUPS (SI), Y0
	VMOVUPS (R9), Y1
	VMOVUPS (R10), Y2
	VMOVUPS (R11), Y3
	VUNPCKLPS Y1, Y0, Y4
	VUNPCKHPS Y1, Y0, Y5
	VUNPCKLPS Y3, Y2, Y6
	VUNPCKHPS Y3, Y2, Y7
	VUNPCKLPD Y6, Y4, Y0
	VUNPCKHPD Y6, Y4, Y1
	VUNPCKLPD Y7, Y5, Y2
	VUNPCKHPD Y7, Y5, Y3
	VMOVUPS X0, (DI)
	VMOVUPS X1, (DI)(R8*1)
	VMOVUPS X2, (DI)(R8*2)
	VMOVUPS X3, (DI)(R12*1)
	VEXTRACTF128 $1, Y0, X4
	VEXTRACTF128 $1, Y1, X5
	VEXTRACTF128 $1, Y2, X6
	VEXTRACTF128 $1, Y3, X7
	VMOVUPS X4, (DI)(R8*4)
	VMOVUPS X5, (DI)(R13*1)
	VMOVUPS X6, (DI)(R12*2)
	VMOVUPS X7, (DI)(BX*1)
	ADDQ $32, SI
	ADDQ $32, R9
	ADDQ $32, R10
	ADDQ $32, R11
	LEAQ (DI)(R8*8), DI
	DECQ CX
	JNE loopp4
donep4:
	VZEROUPPER
	RET
