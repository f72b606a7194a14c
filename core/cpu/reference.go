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
