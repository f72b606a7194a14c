package cpu

import (
	"fmt"
	"testing"
)

// BenchmarkMatMul reports GFLOP/s of square products for every layout and
// kernel set, single-threaded and on all threads.
func BenchmarkMatMul(b *testing.B) {
	for _, kn := range AvailableKernels() {
		for _, l := range layouts {
			for _, n := range []int{64, 256, 512, 1024} {
				for _, threads := range []int{1, Threads()} {
					name := fmt.Sprintf("%s/%s/n=%d/threads=%d", l.name, kn, n, threads)
					b.Run(name, func(b *testing.B) {
						x := randSlice(n*n, 1)
						y := randSlice(n*n, 2)
						c := make([]float32, n*n)
						withKernels(b, kn, func() {
							withThreads(threads, func() {
								l.fast(c, x, y, n, n, n, false)
								b.ResetTimer()
								for range b.N {
									l.fast(c, x, y, n, n, n, false)
								}
								b.ReportMetric(2*float64(n)*float64(n)*float64(n)*float64(b.N)/b.Elapsed().Seconds()/1e9, "GFLOP/s")
							})
						})
					})
				}
			}
		}
	}
}

// BenchmarkMatMulRef is the plain reference loop, the baseline that the
// portable kernels improve on.
func BenchmarkMatMulRef(b *testing.B) {
	const n = 256
	x, y, c := randSlice(n*n, 1), randSlice(n*n, 2), make([]float32, n*n)
	for range b.N {
		MatMulNTRef(c, x, y, n, n, n, false)
	}
	b.ReportMetric(2*n*n*n*float64(b.N)/b.Elapsed().Seconds()/1e9, "GFLOP/s")
}
