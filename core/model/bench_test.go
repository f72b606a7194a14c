package model

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/rdlm-go/rdlm/internal/testutil"
)

func TestBlockBenchRunsWithoutAllocating(t *testing.T) {
	b, err := NewBlockBench(2, 16, 32, 4)
	require.NoError(t, err)
	b.Run()
	require.NotZero(t, testutil.SumSquares(b.g.Blocks[0].QKV))
	require.Zero(t, testing.AllocsPerRun(3, b.Run))
	_, err = NewBlockBench(2, 16, 30, 4)
	require.ErrorContains(t, err, "not divisible")
}

// BenchmarkBlock is one pre-LN block forward+backward at batch 32, length
// 256, hidden 256, 4 heads.
func BenchmarkBlock(b *testing.B) {
	bb, err := NewBlockBench(32, 256, 256, 4)
	require.NoError(b, err)
	bb.Run()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		bb.Run()
	}
	b.ReportMetric(bb.Flops()*float64(b.N)/b.Elapsed().Seconds()/1e9, "GFLOP/s")
}

// BenchmarkText8Forward is one inference forward of the text8 model, batch 1.
func BenchmarkText8Forward(b *testing.B) {
	inf, x, tt, logits := text8Inference(b)
	require.NoError(b, inf.Forward(logits, x, tt))
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		_ = inf.Forward(logits, x, tt)
	}
}

// BenchmarkSmallTrainStep is a forward, loss and backward of the small
// preset at batch 16.
func BenchmarkSmallTrainStep(b *testing.B) {
	c, _ := Preset("small")
	p := NewParams[float32](c)
	p.Init(1, true)
	const batch = 16
	net, err := NewNet(p, batch, c.Length)
	require.NoError(b, err)
	x, tt, tg := randomInputsF32(c, batch, 2)
	g := NewParams[float32](c)
	loss, dlogits := make([]float32, batch), make([]float32, len(x))
	step := func() { _, _ = trainStep(net, g, x, tt, tg, nil, dlogits, loss) }
	step()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		step()
	}
}
