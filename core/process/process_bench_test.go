package process

import (
	"testing"

	"github.com/rdlm-go/rdlm/core/rng"
)

func BenchmarkSampleXtV28(b *testing.B) {
	x := make([]float32, 28)
	s := rng.NewStream(1, 1)
	for b.Loop() {
		_ = SampleXt(x, StartUniform, 3, 0.4, 0.1, &s)
	}
}

func BenchmarkGenerativeDriftAndStepV28(b *testing.B) {
	x, d := make([]float32, 28), make([]float32, 28)
	p := make([]float32, 27)
	for i := range p {
		p[i] = 1.0 / 27
	}
	_ = StartPoint(x, StartUniform)
	s := rng.NewStream(1, 1)
	for b.Loop() {
		_ = GenerativeDrift(d, x, p, 0.5)
		GRWStep(x, d, 0.01, 1e-3, &s)
	}
}
