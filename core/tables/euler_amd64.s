#include "textflag.h"

// One Euler step of the four projected SDEs for four particles per
// iteration, in float64 lanes (AVX2 + FMA); the portable reference is
// chunkState.stepGo in simulate.go, which documents the formulas.
//
// Rows are chunkSize = 256 float64 apart (2048 bytes): y0 at 0(SI), y1 at
// 2048(SI), y2 at 4096(SI), y3 at 6144(SI), and the normals likewise from DI.
// Constants (eulerConsts, 32 bytes each, from DX): 0 one, 32 minus one,
// 64 half, 96 eps, 128 pi/2, 160 pi, 192 gamma dt, 224 -(d/2) beta dt,
// 256 sqrt(beta dt), 288 c0, 320 + 32j the asin polynomial's coefficient j.
// Y15 holds zero; Y11..Y14 the row sums.

// SINE: dst = sqrt(max((1-src)(1+src), 0)).
#define SINE(src, dst, tmp) \
	VMOVUPD 0(DX), dst      \
	VSUBPD  src, dst, dst   \
	VADDPD  0(DX), src, tmp \
	VMULPD  tmp, dst, dst   \
	VMAXPD  Y15, dst, dst   \
	VSQRTPD dst, dst

// ANGLE: out = arccos(c) for c in [-1, 1] with sine s: asin of whichever of
// c and s is at most 1/sqrt(2), by the polynomial of acos.go.
#define ANGLE(c, s, out, t1, t2, t3, t4, t5) \
	VMULPD      c, c, t1                     \
	VCMPPD      $0x12, 64(DX), t1, t2        \
	VBLENDVPD   t2, c, s, t3                 \
	VMULPD      t3, t3, t4                   \
	VMOVUPD     640(DX), out                 \
	VFMADD213PD 608(DX), t4, out             \
	VFMADD213PD 576(DX), t4, out             \
	VFMADD213PD 544(DX), t4, out             \
	VFMADD213PD 512(DX), t4, out             \
	VFMADD213PD 480(DX), t4, out             \
	VFMADD213PD 448(DX), t4, out             \
	VFMADD213PD 416(DX), t4, out             \
	VFMADD213PD 384(DX), t4, out             \
	VFMADD213PD 352(DX), t4, out             \
	VFMADD213PD 320(DX), t4, out             \
	VMULPD      t3, out, out                 \
	VMOVUPD     128(DX), t1                  \
	VSUBPD      out, t1, t1                  \
	VMOVUPD     160(DX), t4                  \
	VSUBPD      out, t4, t4                  \
	VCMPPD      $0x11, Y15, c, t5            \
	VBLENDVPD   t5, t4, out, out             \
	VBLENDVPD   t2, t1, out, out

// VERTEX_COORD: the <X,e_k> coordinate at row offset off: Y0 = old value,
// Y1 = its sine, Y3 = theta/sin ratio (clamped) on exit; new value stored
// and added to sum.
#define VERTEX_COORD(off, sum) \
	VMOVUPD     off(SI)(AX*1), Y0              \
	SINE(Y0, Y1, Y2)                           \
	VMINPD      0(DX), Y0, Y2                  \
	VMAXPD      32(DX), Y2, Y2                 \
	ANGLE(Y2, Y1, Y3, Y4, Y5, Y6, Y7, Y8)      \
	VMULPD      Y1, Y3, Y4                     \
	VMULPD      224(DX), Y0, Y5                \
	VFMADD231PD 192(DX), Y4, Y5                \
	VMULPD      off(DI)(AX*1), Y1, Y6          \
	VFMADD231PD 256(DX), Y6, Y5                \
	VADDPD      Y0, Y5, Y5                     \
	VMOVUPD     Y5, off(SI)(AX*1)              \
	VADDPD      Y5, sum, sum                   \
	VMAXPD      96(DX), Y3, Y3                 \
	VMAXPD      96(DX), Y1, Y1                 \
	VDIVPD      Y1, Y3, Y3

// func eulerStepAVX2(y, z *float64, n int, k *eulerConsts, lanes *[4][4]float64)
TEXT ·eulerStepAVX2(SB), NOSPLIT, $0-40
	MOVQ   y+0(FP), SI
	MOVQ   z+8(FP), DI
	MOVQ   n+16(FP), CX
	MOVQ   k+24(FP), DX
	MOVQ   lanes+32(FP), R8
	VXORPD Y15, Y15, Y15
	VXORPD Y11, Y11, Y11
	VXORPD Y12, Y12, Y12
	VXORPD Y13, Y13, Y13
	VXORPD Y14, Y14, Y14
	XORQ   AX, AX

loop:
	CMPQ CX, $0
	JLE  done

	// Masked path: y0 (toward e_k), then y1 = <X,e_m>:
	// y1 += -gamma y0 y1 ratio dt + lap y1 + noise sin(y1) z1.
	VERTEX_COORD(0, Y11)
	VMOVUPD      2048(SI)(AX*1), Y2
	SINE(Y2, Y6, Y7)
	VMULPD       Y2, Y0, Y4
	VMULPD       Y3, Y4, Y4
	VMULPD       224(DX), Y2, Y5
	VFNMADD231PD 192(DX), Y4, Y5
	VMULPD       2048(DI)(AX*1), Y6, Y6
	VFMADD231PD  256(DX), Y6, Y5
	VADDPD       Y2, Y5, Y5
	VMOVUPD      Y5, 2048(SI)(AX*1)
	VADDPD       Y5, Y12, Y12

	// Uniform path: y2 (toward e_k), then y3 = <X,u>:
	// y3 += gamma (c0 - y2 y3) ratio dt + lap y3 + noise sin(y3) z3.
	VERTEX_COORD(4096, Y13)
	VMOVUPD     6144(SI)(AX*1), Y2
	SINE(Y2, Y6, Y7)
	VMULPD      Y2, Y0, Y4
	VMOVUPD     288(DX), Y8
	VSUBPD      Y4, Y8, Y4
	VMULPD      Y3, Y4, Y4
	VMULPD      224(DX), Y2, Y5
	VFMADD231PD 192(DX), Y4, Y5
	VMULPD      6144(DI)(AX*1), Y6, Y6
	VFMADD231PD 256(DX), Y6, Y5
	VADDPD      Y2, Y5, Y5
	VMOVUPD     Y5, 6144(SI)(AX*1)
	VADDPD      Y5, Y14, Y14

	ADDQ $32, AX
	SUBQ $4, CX
	JMP  loop

done:
	VMOVUPD Y11, 0(R8)
	VMOVUPD Y12, 32(R8)
	VMOVUPD Y13, 64(R8)
	VMOVUPD Y14, 96(R8)
	VZEROUPPER
	RET
