package cpu

import "testing"

// BenchmarkMicro is the microkernel alone on L1-resident panels: the
// ceiling the blocked product can approach.
func BenchmarkMicro(b *testing.B) {
	for _, ks := range kernelSets {
		b.Run(ks.name, func(b *testing.B) {
			const kc = blockK
			a := randSlice(ks.mr*kc, 1)
			bp := randSlice(ks.nr*kc, 2)
			c := make([]float32, ks.mr*ks.nr)
			for range b.N {
				ks.micro(kc, a, bp, c, ks.nr, true)
			}
			b.ReportMetric(2*float64(ks.mr*ks.nr*kc)*float64(b.N)/b.Elapsed().Seconds()/1e9, "GFLOP/s")
		})
	}
}
