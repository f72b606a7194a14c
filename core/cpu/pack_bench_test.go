package cpu

import (
	"fmt"
	"testing"
)

// BenchmarkPack measures packing throughput (GB/s of packed floats) for
// one A block and one B block in each storage order, with the AVX-512 tile.
func BenchmarkPack(b *testing.B) {
	const mb, kb, nb = blockM, blockK, 1024
	src := randSlice(4096*blockK, 1)
	dst := make([]float32, blockK*nb)
	for _, c := range []struct {
		name string
		f    func()
		n    int
	}{
		{"A/rowmajor", func() { packA(dst, matrix{src, kb, 1}, 0, 0, mb, kb, 12) }, mb * kb},
		{"A/colmajor", func() { packA(dst, matrix{src, 1, 4096}, 0, 0, mb, kb, 12) }, mb * kb},
		{"B/rowmajor", func() { packB(dst, matrix{src, nb, 1}, 0, 0, kb, nb, 32) }, nb * kb},
		{"B/colmajor", func() { packB(dst, matrix{src, 1, kb}, 0, 0, kb, nb, 32) }, nb * kb},
	} {
		b.Run(fmt.Sprint(c.name), func(b *testing.B) {
			c.f()
			b.ResetTimer()
			for range b.N {
				c.f()
			}
			b.ReportMetric(float64(4*c.n*b.N)/b.Elapsed().Seconds()/1e9, "GB/s")
		})
	}
}
