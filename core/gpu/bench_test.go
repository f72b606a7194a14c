package gpu

import (
	"os"
	"testing"

	"github.com/rdlm-go/rdlm/core/model"
	"github.com/rdlm-go/rdlm/core/process"
	"github.com/rdlm-go/rdlm/core/schedule"
	"github.com/rdlm-go/rdlm/core/walk"
	"github.com/stretchr/testify/require"
)

// benchPreset is the preset the benchmarks run (RDLM_BENCH_PRESET, default
// small); the batch is RDLM_BENCH_BATCH-free: 1 sequence of the preset's
// length, the interactive case.
func benchPreset(b *testing.B) *model.Params[float32] {
	name := os.Getenv("RDLM_BENCH_PRESET")
	if name == "" {
		name = "small"
	}
	c, err := model.Preset(name)
	require.NoError(b, err)
	p := model.NewParams[float32](c)
	p.Init(1, false)
	return p
}

// BenchmarkForward times one forward pass on the device, and reports each
// kernel's share (Profile) once.
func BenchmarkForward(b *testing.B) {
	d := testDriver(b)
	p := benchPreset(b)
	L, K := p.Cfg.Length, p.Cfg.Vocab
	e, err := NewEngine(d, p, 1, L)
	require.NoError(b, err)
	x := make([]float32, L*K)
	for i := range x {
		x[i] = 0.2
	}
	t := []float32{0.5}
	logits := make([]float32, L*K)
	require.NoError(b, e.Forward(logits, x, t))
	prof, err := e.Profile(3)
	require.NoError(b, err)
	for _, k := range prof {
		b.Logf("%-10s %3d dispatches  %10v per pass", k.Name, k.Dispatches, k.PerPass)
	}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		require.NoError(b, e.Forward(logits, x, t))
	}
}

// BenchmarkCPUForward is the CPU engine on the same shape, for the ratio.
func BenchmarkCPUForward(b *testing.B) {
	p := benchPreset(b)
	L, K := p.Cfg.Length, p.Cfg.Vocab
	inf, err := model.NewInference(p, 1, L)
	require.NoError(b, err)
	x, logits := make([]float32, L*K), make([]float32, L*K)
	for i := range x {
		x[i] = 0.2
	}
	for i := 0; i < b.N; i++ {
		require.NoError(b, inf.Forward(logits, x, []float32{0.5}))
	}
}

// BenchmarkWalkStep times sampling steps on the device (one op: a whole
// 8-step walk of one sequence, divided by 8 in the report).
func BenchmarkWalkStep(b *testing.B) {
	d := testDriver(b)
	p := benchPreset(b)
	L, K := p.Cfg.Length, p.Cfg.Vocab
	e, err := NewEngine(d, p, 1, L)
	require.NoError(b, err)
	const steps = 8
	w, err := NewWalk(e, walk.Config{Batch: 1, Length: L, Vocab: K, Steps: steps, Schedule: schedule.Default(),
		Mixture: process.Mixture{Kind: process.MixStep, StepThr: 0.3}})
	require.NoError(b, err)
	dst := make([]int, L)
	require.NoError(b, w.Sample(dst, 1, 0, 1))
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		require.NoError(b, w.Sample(dst, uint64(i), 0, 1))
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*steps)/1e6, "ms/step")
}
