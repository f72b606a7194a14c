// Package cpu holds the CPU compute kernels of the denoiser: matrix products in
// the three layouts that training needs, and the elementwise and row ops.
//
// Every kernel has a portable Go version (what js/wasm and other
// architectures run, and the reference the fast paths are tested against);
// on amd64 the hot ones have AVX2/AVX-512 FMA microkernels chosen at start-up.
// KernelName says which set runs; RDLM_KERNELS=go|avx2|avx512 forces one at
// start-up and SetKernels switches at run time (tests and benchmarks).
//
// The float32 products (MatMulNT/NN/TN) pack blocks of both operands into
// the microkernel's order (pack.go), block for the caches (gemm.go) and split
// large products across Threads() workers of the worker pool (pool.go), the
// one pool on which every parallel loop of the project runs (For,
// ForChunks); in the steady state they allocate nothing.
//
// Layout conventions (row-major, no strides): a matrix "(M, K)" is M rows of K.
// A linear layer's weight is [out, in], PyTorch's layout, so y = x W^T is NT.
package cpu

// Float is the element type of the generic (reference) kernels: float32 runs
// the network, float64 runs the finite-difference gradient checks.
type Float interface{ ~float32 | ~float64 }

// MatMulNTRef computes c (M,N) (+)= a (M,K) * b(N,K)^T: the forward of a linear layer.
func MatMulNTRef[T Float](c, a, b []T, m, n, k int, accumulate bool) {
	for i := 0; i < m; i++ {
		ai := a[i*k : i*k+k]
		ci := c[i*n : i*n+n]
		for j := 0; j < n; j++ {
			bj := b[j*k : j*k+k]
			var s T
			for p := range ai {
				s += ai[p] * bj[p]
			}
			if accumulate {
				ci[j] += s
			} else {
				ci[j] = s
			}
		}
	}
}

// MatMulNNRef computes c (M,N) (+)= a (M,K) * b (K,N): the input gradient dx = dy W.
func MatMulNNRef[T Float](c, a, b []T, m, n, k int, accumulate bool) {
	for i := 0; i < m; i++ {
		ci := c[i*n : i*n+n]
		if !accumulate {
			clear(ci)
		}
		for p := 0; p < k; p++ {
			aip := a[i*k+p]
			bp := b[p*n : p*n+n]
			for j := range ci {
				ci[j] += aip * bp[j]
			}
		}
	}
}

// MatMulTNRef computes c (M,N) (+)= a(K,M)^T * b (K,N): the weight gradient dW = dy^T x.
func MatMulTNRef[T Float](c, a, b []T, m, n, k int, accumulate bool) {
	if !accumulate {
		clear(c[:m*n])
	}
	for p := 0; p < k; p++ {
		ap := a[p*m : p*m+m]
		bp := b[p*n : p*n+n]
		for i, aip := range ap {
			ci := c[i*n : i*n+n]
			for j := range ci {
				ci[j] += aip * bp[j]
			}
		}
	}
}
