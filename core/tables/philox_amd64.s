#include "textflag.h"

// Philox4x32-10 on eight counters at once (one per 32-bit lane of a YMM
// register). The state words c0..c3 live in Y0..Y3. Each round computes the
// two 32x32->64 products mulA*c0 and mulB*c2: VPMULUDQ multiplies the even
// lanes, a 32-bit shift brings the odd lanes into place for a second
// VPMULUDQ, a blend gathers the high halves, and VPMULLD gives the low halves.
//
//	c0' = hi(mulB*c2) ^ c1 ^ k0    c1' = lo(mulB*c2)
//	c2' = hi(mulA*c0) ^ c3 ^ k1    c3' = lo(mulA*c0)
//	k0 += weylA, k1 += weylB
//
// Constants: Y4 mulA, Y5 mulB, Y8 weylA, Y9 weylB; keys Y6, Y7; Y15 the
// current streams' low words, Y14 eight; Y10..Y13 scratch.

DATA philoxConst<>+0(SB)/4, $0xD2511F53
DATA philoxConst<>+4(SB)/4, $0xCD9E8D57
DATA philoxConst<>+8(SB)/4, $0x9E3779B9
DATA philoxConst<>+12(SB)/4, $0xBB67AE85
DATA philoxConst<>+16(SB)/4, $8
GLOBL philoxConst<>(SB), RODATA|NOPTR, $20

DATA philoxLanes<>+0(SB)/4, $0
DATA philoxLanes<>+4(SB)/4, $1
DATA philoxLanes<>+8(SB)/4, $2
DATA philoxLanes<>+12(SB)/4, $3
DATA philoxLanes<>+16(SB)/4, $4
DATA philoxLanes<>+20(SB)/4, $5
DATA philoxLanes<>+24(SB)/4, $6
DATA philoxLanes<>+28(SB)/4, $7
GLOBL philoxLanes<>(SB), RODATA|NOPTR, $32

#define PHILOX_ROUND \
	VPSRLQ   $32, Y0, Y10         \
	VPMULUDQ Y4, Y10, Y10         \
	VPMULUDQ Y4, Y0, Y11          \
	VPSRLQ   $32, Y11, Y11        \
	VPBLENDD $0xAA, Y10, Y11, Y11 \
	VPXOR    Y3, Y11, Y11         \
	VPXOR    Y7, Y11, Y11         \
	VPMULLD  Y4, Y0, Y3           \
	VPSRLQ   $32, Y2, Y10         \
	VPMULUDQ Y5, Y10, Y10         \
	VPMULUDQ Y5, Y2, Y12          \
	VPSRLQ   $32, Y12, Y12        \
	VPBLENDD $0xAA, Y10, Y12, Y12 \
	VPXOR    Y1, Y12, Y12         \
	VPXOR    Y6, Y12, Y0          \
	VPMULLD  Y5, Y2, Y1           \
	VMOVDQA  Y11, Y2              \
	VPADDD   Y8, Y6, Y6           \
	VPADDD   Y9, Y7, Y7

// func philox8AVX2(dst *uint32, stride, n int, key0, key1, idxLo, idxHi, streamLo, streamHi uint32)
TEXT ·philox8AVX2(SB), NOSPLIT, $0-48
	MOVQ dst+0(FP), DI
	MOVQ stride+8(FP), SI
	SHLQ $2, SI                  // stride in bytes
	MOVQ n+16(FP), CX
	VPBROADCASTD philoxConst<>+0(SB), Y4
	VPBROADCASTD philoxConst<>+4(SB), Y5
	VPBROADCASTD philoxConst<>+8(SB), Y8
	VPBROADCASTD philoxConst<>+12(SB), Y9
	VPBROADCASTD philoxConst<>+16(SB), Y14
	MOVL         streamLo+40(FP), R10
	MOVQ         R10, X15
	VPBROADCASTD X15, Y15
	VPADDD       philoxLanes<>(SB), Y15, Y15
	MOVL         key0+24(FP), R10
	MOVL         key1+28(FP), R11
	MOVL         idxLo+32(FP), R12
	MOVL         idxHi+36(FP), R13
	MOVL         streamHi+44(FP), R14
	LEAQ (DI)(SI*2), R8          // word 2 row
	XORQ AX, AX                  // byte offset of the current 8 streams

loop:
	CMPQ CX, $0
	JLE  done
	MOVQ         R12, X0
	VPBROADCASTD X0, Y0
	MOVQ         R13, X1
	VPBROADCASTD X1, Y1
	VMOVDQA      Y15, Y2
	MOVQ         R14, X3
	VPBROADCASTD X3, Y3
	MOVQ         R10, X6
	VPBROADCASTD X6, Y6
	MOVQ         R11, X7
	VPBROADCASTD X7, Y7
	PHILOX_ROUND
	PHILOX_ROUND
	PHILOX_ROUND
	PHILOX_ROUND
	PHILOX_ROUND
	PHILOX_ROUND
	PHILOX_ROUND
	PHILOX_ROUND
	PHILOX_ROUND
	PHILOX_ROUND
	LEAQ    (DI)(AX*1), R9
	VMOVDQU Y0, (R9)
	VMOVDQU Y1, (R9)(SI*1)
	LEAQ    (R8)(AX*1), R9
	VMOVDQU Y2, (R9)
	VMOVDQU Y3, (R9)(SI*1)
	VPADDD  Y14, Y15, Y15
	ADDQ    $32, AX
	SUBQ    $8, CX
	JMP     loop

done:
	VZEROUPPER
	RET
