package process

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/rdlm-go/rdlm/core/rng"
	"github.com/rdlm-go/rdlm/core/schedule"
)

// The per-position operations of training and sampling allocate nothing.
func TestNoAllocations(t *testing.T) {
	const v = 28
	x, b := make([]float32, v), make([]float32, v)
	p := make([]float32, v-1)
	for i := range p {
		p[i] = 1.0 / (v - 1)
	}
	s := rng.NewStream(1, 2)
	sch := schedule.Default()
	w, err := NewStepWeight(0.3, 0.6)
	require.NoError(t, err)
	allocs := testing.AllocsPerRun(100, func() {
		_ = SampleXt(x, StartUniform, 3, 0.4, 0.1, &s)
		_ = GenerativeDrift(b, x, p, 0.5)
		_, _ = DriftLoss(b, x, 3, 0.5, 0.01)
		GRWStep(x, b, 0.01, 0.001, &s)
		_ = SimulateBridge(x, StartMasked, 3, 0.5, 4, sch, &s, b)
		_, _ = w.Sample(s.Float64())
		_ = Decode(x)
	})
	require.Equal(t, 0.0, allocs)
}
