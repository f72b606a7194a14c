package train

import (
	"testing"

	"github.com/stretchr/testify/require"
)

// BenchmarkSmallStep times one training step (corruption, forward, loss,
// backward, clipping, AdamW, EMA) of the small preset:
// go test ./trainer/train -run '^$' -bench SmallStep -benchtime 10x
func BenchmarkSmallStep(b *testing.B) {
	for _, batch := range []int{16, 32} {
		b.Run(map[int]string{16: "batch16", 32: "batch32"}[batch], func(b *testing.B) {
			cfg, err := Preset("small")
			require.NoError(b, err)
			cfg.Batch, cfg.TableParticles = batch, 256
			tr, err := New(cfg, Options{Out: b.TempDir()})
			require.NoError(b, err)
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				if _, _, err := tr.trainStep(); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(batch*cfg.Model.Length*b.N)/b.Elapsed().Seconds(), "tokens/s")
		})
	}
}
