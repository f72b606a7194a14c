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
