package nn

import (
	"unsafe"

	"github.com/rdlm-go/rdlm/core/cpu"
)

// The three matrix products of training, dispatched on the element type:
// float32 goes to core/cpu's fast kernels, float64 (gradient checks) to the
// generic reference kernels.

// MatMulNT computes c (M,N) (+)= a (M,K) b (N,K)^T.
func MatMulNT[T cpu.Float](c, a, b []T, m, n, k int, accumulate bool) {
	matmul(cpu.MatMulNT, cpu.MatMulNTRef[T], c, a, b, m, n, k, accumulate)
}

// MatMulNN computes c (M,N) (+)= a (M,K) b (K,N).
func MatMulNN[T cpu.Float](c, a, b []T, m, n, k int, accumulate bool) {
	matmul(cpu.MatMulNN, cpu.MatMulNNRef[T], c, a, b, m, n, k, accumulate)
}

// MatMulTN computes c (M,N) (+)= a (K,M)^T b (K,N).
func MatMulTN[T cpu.Float](c, a, b []T, m, n, k int, accumulate bool) {
	matmul(cpu.MatMulTN, cpu.MatMulTNRef[T], c, a, b, m, n, k, accumulate)
}

// matmul runs one layout's fast float32 kernel when T is 4 bytes wide, and
// its generic reference otherwise.
func matmul[T cpu.Float](fast func(c, a, b []float32, m, n, k int, accumulate bool),
	ref func(c, a, b []T, m, n, k int, accumulate bool), c, a, b []T, m, n, k int, accumulate bool) {
	if c32, ok := asF32(c); ok {
		a32, _ := asF32(a)
		b32, _ := asF32(b)
		fast(c32, a32, b32, m, n, k, accumulate)
		return
	}
	ref(c, a, b, m, n, k, accumulate)
}

// asF32 reinterprets a slice of a 4-byte float type as []float32 (the only
// 4-byte types cpu.Float admits are float32 and types defined on it). It is a
// view, not a copy, and allocates nothing, unlike a conversion to interface.
func asF32[T cpu.Float](s []T) ([]float32, bool) {
	var z T
	if unsafe.Sizeof(z) != 4 {
		return nil, false
	}
	if cap(s) == 0 {
		return nil, true
	}
	return unsafe.Slice((*float32)(unsafe.Pointer(unsafe.SliceData(s))), cap(s))[:len(s)], true
}
