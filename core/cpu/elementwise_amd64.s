#include "textflag.h"

// AVX-512 float32 elementwise kernels: e^x, GELU (tanh form) and its
// backward, and the attention softmax row and its backward. 16 lanes per
// step; the tail (n mod 16) runs the same step under a lane mask, whose
// masked-off lanes neither load (no fault past the slice) nor store.
//
// e^x = 2^n e^r, n = round(x log2 e), r = x - n ln2 (ln2 split in a high
// part exact in float32 and a low part, Cody-Waite), |r| <= ln2/2; e^r is
// its Taylor polynomial of degree 7 (remainder below 6e-9 relative) by
// Horner with FMAs, and VSCALEFPS multiplies by 2^n with correct overflow to
// +Inf and gradual underflow to subnormals and 0. x is first clamped to
// [-104, 89] (beyond, e^x rounds to 0 or overflows to +Inf anyway), with the
// operand order that lets a NaN through: NaN in, NaN out.

DATA expc<>+0(SB)/4, $0x42b20000  // 89: upper clamp
DATA expc<>+4(SB)/4, $0xc2d00000  // -104: lower clamp
DATA expc<>+8(SB)/4, $0x3fb8aa3b  // log2(e)
DATA expc<>+12(SB)/4, $0x3f318000 // ln2 high part 0.693359375
DATA expc<>+16(SB)/4, $0xb95e8083 // ln2 low part -2.12194440e-4
DATA expc<>+20(SB)/4, $0x39500d01 // 1/7!
DATA expc<>+24(SB)/4, $0x3ab60b61 // 1/6!
DATA expc<>+28(SB)/4, $0x3c088889 // 1/5!
DATA expc<>+32(SB)/4, $0x3d2aaaab // 1/4!
DATA expc<>+36(SB)/4, $0x3e2aaaab // 1/3!
DATA expc<>+40(SB)/4, $0x3f000000 // 1/2
DATA expc<>+44(SB)/4, $0x3f800000 // 1
DATA expc<>+48(SB)/4, $0x3d372713 // GeluCubic 0.044715
DATA expc<>+52(SB)/4, $0xbfcc422a // -2 GeluScale
DATA expc<>+56(SB)/4, $0x3f4c422a // GeluScale sqrt(2/pi)
DATA expc<>+60(SB)/4, $0x3e095d4f // 3 GeluCubic
DATA expc<>+64(SB)/4, $0x40000000 // 2
DATA expc<>+68(SB)/4, $0xff800000 // -Inf
GLOBL expc<>(SB), RODATA|NOPTR, $72

// EXPCONSTS loads the constants of EXP into Z20-Z31.
#define EXPCONSTS \
	VBROADCASTSS expc<>+0(SB), Z31  \
	VBROADCASTSS expc<>+4(SB), Z30  \
	VBROADCASTSS expc<>+8(SB), Z29  \
	VBROADCASTSS expc<>+12(SB), Z28 \
	VBROADCASTSS expc<>+16(SB), Z27 \
	VBROADCASTSS expc<>+20(SB), Z26 \
	VBROADCASTSS expc<>+24(SB), Z25 \
	VBROADCASTSS expc<>+28(SB), Z24 \
	VBROADCASTSS expc<>+32(SB), Z23 \
	VBROADCASTSS expc<>+36(SB), Z22 \
	VBROADCASTSS expc<>+40(SB), Z21 \
	VBROADCASTSS expc<>+44(SB), Z20

// GELUCONSTS loads the GELU constants into Z16-Z19.
#define GELUCONSTS \
	VBROADCASTSS expc<>+48(SB), Z19 \
	VBROADCASTSS expc<>+52(SB), Z18 \
	VBROADCASTSS expc<>+56(SB), Z17 \
	VBROADCASTSS expc<>+60(SB), Z16

// EXP sets y = e^x; x is clobbered (it ends as r), n is scratch.
#define EXP(x, n, y) \
	VMINPS x, Z31, x          /* min(89, x); NaN x stays NaN */ \
	VMAXPS x, Z30, x          /* max(-104, x) */ \
	VMULPS Z29, x, n          \
	VRNDSCALEPS $0, n, n      /* n = round(x log2 e), to nearest even */ \
	VFNMADD231PS Z28, n, x    /* r = x - n ln2hi */ \
	VFNMADD231PS Z27, n, x    /* r -= n ln2lo */ \
	VMOVAPS Z26, y            \
	VFMADD213PS Z25, x, y     /* y = y r + 1/6! */ \
	VFMADD213PS Z24, x, y     \
	VFMADD213PS Z23, x, y     \
	VFMADD213PS Z22, x, y     \
	VFMADD213PS Z21, x, y     \
	VFMADD213PS Z20, x, y     /* ... + 1 */ \
	VFMADD213PS Z20, x, y     /* ... + 1: e^r */ \
	VSCALEFPS n, y, y /* e^r 2^n */

// TAILMASK sets K1 to the low CX bits (0 < CX < 16); clobbers AX.
#define TAILMASK \
	MOVL $1, AX  \
	SHLL CX, AX  \
	DECL AX      \
	KMOVW AX, K1

// func expAVX512(dst, src *float32, n int)
TEXT ·expAVX512(SB), NOSPLIT, $0-24
	MOVQ dst+0(FP), DI
	MOVQ src+8(FP), SI
	MOVQ n+16(FP), CX
	EXPCONSTS
	CMPQ CX, $16
	JLT  exptail
exploop:
	VMOVUPS (SI), Z0
	EXP(Z0, Z1, Z2)
	VMOVUPS Z2, (DI)
	ADDQ $64, SI
	ADDQ $64, DI
	SUBQ $16, CX
	CMPQ CX, $16
	JGE  exploop
exptail:
	TESTQ CX, CX
	JEQ   expdone
	TAILMASK
	VMOVUPS.Z (SI), K1, Z0
	EXP(Z0, Z1, Z2)
	VMOVUPS Z2, K1, (DI)
expdone:
	VZEROUPPER
	RET

// GELU: y = x / (1 + e^(-2u)), u = GeluScale (x + GeluCubic x^3).
// GELUSTEP reads x in Z0 and leaves y in Z3.
#define GELUSTEP \
	VMULPS Z0, Z0, Z1         /* x^2 */ \
	VFMADD213PS Z20, Z19, Z1  /* 1 + c x^2 */ \
	VMULPS Z0, Z1, Z1         /* x + c x^3 */ \
	VMULPS Z18, Z1, Z1        /* -2u */ \
	EXP(Z1, Z2, Z3)           \
	VADDPS Z20, Z3, Z3        \
	VDIVPS Z3, Z0, Z3

// func geluAVX512(y, x *float32, n int)
TEXT ·geluAVX512(SB), NOSPLIT, $0-24
	MOVQ y+0(FP), DI
	MOVQ x+8(FP), SI
	MOVQ n+16(FP), CX
	EXPCONSTS
	GELUCONSTS
	CMPQ CX, $16
	JLT  gelutail
geluloop:
	VMOVUPS (SI), Z0
	GELUSTEP
	VMOVUPS Z3, (DI)
	ADDQ $64, SI
	ADDQ $64, DI
	SUBQ $16, CX
	CMPQ CX, $16
	JGE  geluloop
gelutail:
	TESTQ CX, CX
	JEQ   geludone
	TAILMASK
	VMOVUPS.Z (SI), K1, Z0
	GELUSTEP
	VMOVUPS Z3, K1, (DI)
geludone:
	VZEROUPPER
	RET

// GELU backward: with s = 1/(1 + e^(-2u)) and u' = GeluScale (1 + 3
// GeluCubic x^2), dx = dy (s + 2 x s (1-s) u'). GELUBSTEP reads x in Z0, dy
// in Z4 and leaves dx in Z4.
#define GELUBSTEP \
	VMULPS Z0, Z0, Z5         /* x^2 */ \
	VMOVAPS Z5, Z1            \
	VFMADD213PS Z20, Z19, Z1  /* 1 + c x^2 */ \
	VMULPS Z0, Z1, Z1         \
	VMULPS Z18, Z1, Z1        /* -2u */ \
	EXP(Z1, Z2, Z3)           \
	VADDPS Z20, Z3, Z3        \
	VDIVPS Z3, Z20, Z3        /* s */ \
	VFMADD213PS Z20, Z16, Z5  /* 1 + 3c x^2 */ \
	VMULPS Z17, Z5, Z5        /* u' */ \
	VADDPS Z0, Z0, Z6         /* 2x */ \
	VMULPS Z3, Z6, Z6         /* 2x s */ \
	VSUBPS Z3, Z20, Z7        /* 1 - s */ \
	VMULPS Z7, Z6, Z6         \
	VMULPS Z5, Z6, Z6         /* 2x s (1-s) u' */ \
	VADDPS Z6, Z3, Z6         \
	VMULPS Z6, Z4, Z4

// func geluBackwardAVX512(dx, dy, x *float32, n int)
TEXT ·geluBackwardAVX512(SB), NOSPLIT, $0-32
	MOVQ dx+0(FP), DI
	MOVQ dy+8(FP), DX
	MOVQ x+16(FP), SI
	MOVQ n+24(FP), CX
	EXPCONSTS
	GELUCONSTS
	CMPQ CX, $16
	JLT  gelubtail
gelubloop:
	VMOVUPS (SI), Z0
	VMOVUPS (DX), Z4
	GELUBSTEP
	VMOVUPS Z4, (DI)
	ADDQ $64, SI
	ADDQ $64, DX
	ADDQ $64, DI
	SUBQ $16, CX
	CMPQ CX, $16
	JGE  gelubloop
gelubtail:
	TESTQ CX, CX
	JEQ   gelubdone
	TAILMASK
	VMOVUPS.Z (SI), K1, Z0
	VMOVUPS.Z (DX), K1, Z4
	GELUBSTEP
	VMOVUPS Z4, K1, (DI)
gelubdone:
	VZEROUPPER
	RET

// HREDUCE folds the 16 lanes of Z0 with op (VMAXPS, VADDPS) into every
// lane of Z0; clobbers Z1.
#define HREDUCE(op) \
	VSHUFF32X4 $0x4e, Z0, Z0, Z1 /* swap 256-bit halves */ \
	op Z1, Z0, Z0                \
	VSHUFF32X4 $0xb1, Z0, Z0, Z1 /* swap 128-bit pairs */ \
	op Z1, Z0, Z0                \
	VPERMILPS $0x4e, Z0, Z1      /* swap 64-bit pairs */ \
	op Z1, Z0, Z0                \
	VPERMILPS $0xb1, Z0, Z1 /* swap neighbours */ \
	op Z1, Z0, Z0

// func softmaxScaledAVX512(s *float32, n int, scale float32)
// s = softmax(scale * s) in place, n >= 1: m = max(s); e_i = e^((s_i - m)
// scale); s_i = e_i / sum(e).
TEXT ·softmaxScaledAVX512(SB), NOSPLIT, $0-20
	MOVQ s+0(FP), SI
	MOVQ n+8(FP), BX
	VBROADCASTSS scale+16(FP), Z15
	EXPCONSTS
	// Pass 1: the maximum; the tail merges into -Inf lanes.
	VBROADCASTSS expc<>+68(SB), Z0
	MOVQ SI, DI
	MOVQ BX, CX
	CMPQ CX, $16
	JLT  smmaxtail
smmaxloop:
	VMAXPS (DI), Z0, Z0
	ADDQ $64, DI
	SUBQ $16, CX
	CMPQ CX, $16
	JGE  smmaxloop
smmaxtail:
	TESTQ CX, CX
	JEQ   smmaxdone
	TAILMASK
	VBROADCASTSS expc<>+68(SB), Z2
	VMOVUPS (DI), K1, Z2
	VMAXPS Z2, Z0, Z0
smmaxdone:
	HREDUCE(VMAXPS)
	VMOVAPS Z0, Z14 // m in every lane
	// Pass 2: e_i and their sum.
	VXORPS Z13, Z13, Z13
	MOVQ SI, DI
	MOVQ BX, CX
	CMPQ CX, $16
	JLT  smexptail
smexploop:
	VMOVUPS (DI), Z4
	VSUBPS Z14, Z4, Z4
	VMULPS Z15, Z4, Z4
	EXP(Z4, Z5, Z6)
	VMOVUPS Z6, (DI)
	VADDPS Z6, Z13, Z13
	ADDQ $64, DI
	SUBQ $16, CX
	CMPQ CX, $16
	JGE  smexploop
smexptail:
	TESTQ CX, CX
	JEQ   smexpdone
	TAILMASK
	VMOVUPS.Z (DI), K1, Z4
	VSUBPS Z14, Z4, Z4
	VMULPS Z15, Z4, Z4
	EXP(Z4, Z5, Z6)
	VMOVUPS Z6, K1, (DI)
	VADDPS Z6, Z13, K1, Z13
smexpdone:
	VMOVAPS Z13, Z0
	HREDUCE(VADDPS)
	VDIVPS Z0, Z20, Z14 // 1/sum in every lane
	// Pass 3: normalise.
	MOVQ SI, DI
	MOVQ BX, CX
	CMPQ CX, $16
	JLT  smnormtail
smnormloop:
	VMULPS (DI), Z14, Z4
	VMOVUPS Z4, (DI)
	ADDQ $64, DI
	SUBQ $16, CX
	CMPQ CX, $16
	JGE  smnormloop
smnormtail:
	TESTQ CX, CX
	JEQ   smnormdone
	TAILMASK
	VMOVUPS.Z (DI), K1, Z4
	VMULPS Z14, Z4, Z4
	VMOVUPS Z4, K1, (DI)
smnormdone:
	VZEROUPPER
	RET

// func softmaxBackwardAVX512(dg, p *float32, n int, scale float32)
// dg = p (dg - <p, dg>) scale in place: the softmax backward of one row.
TEXT ·softmaxBackwardAVX512(SB), NOSPLIT, $0-28
	MOVQ dg+0(FP), DI
	MOVQ p+8(FP), SI
	MOVQ n+16(FP), BX
	VBROADCASTSS scale+24(FP), Z15
	// Pass 1: the dot product.
	VXORPS Z0, Z0, Z0
	MOVQ DI, R8
	MOVQ SI, R9
	MOVQ BX, CX
	CMPQ CX, $16
	JLT  sbdottail
sbdotloop:
	VMOVUPS (R9), Z2
	VFMADD231PS (R8), Z2, Z0
	ADDQ $64, R8
	ADDQ $64, R9
	SUBQ $16, CX
	CMPQ CX, $16
	JGE  sbdotloop
sbdottail:
	TESTQ CX, CX
	JEQ   sbdotdone
	TAILMASK
	VMOVUPS.Z (R9), K1, Z2
	VMOVUPS.Z (R8), K1, Z3
	VFMADD231PS Z3, Z2, Z0
sbdotdone:
	HREDUCE(VADDPS)
	VMOVAPS Z0, Z14 // <p, g> in every lane
	// Pass 2: g = p (g - dot) scale.
	MOVQ DI, R8
	MOVQ SI, R9
	MOVQ BX, CX
	CMPQ CX, $16
	JLT  sbtail
sbloop:
	VMOVUPS (R8), Z2
	VSUBPS Z14, Z2, Z2
	VMULPS (R9), Z2, Z2
	VMULPS Z15, Z2, Z2
	VMOVUPS Z2, (R8)
	ADDQ $64, R8
	ADDQ $64, R9
	SUBQ $16, CX
	CMPQ CX, $16
	JGE  sbloop
sbtail:
	TESTQ CX, CX
	JEQ   sbdone
	TAILMASK
	VMOVUPS.Z (R8), K1, Z2
	VMOVUPS.Z (R9), K1, Z3
	VSUBPS Z14, Z2, Z2
	VMULPS Z3, Z2, Z2
	VMULPS Z15, Z2, Z2
	VMOVUPS Z2, K1, (R8)
sbdone:
	VZEROUPPER
	RET
