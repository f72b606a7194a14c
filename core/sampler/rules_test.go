package sampler

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/rdlm-go/rdlm/core/process"
	"github.com/rdlm-go/rdlm/core/schedule"
)

// The exact step's rates are Euler's for short steps (gamma_t and beta_t to
// first order in h) and stay below 1 in pull however long the step: the
// last step of a short walk lands near the vertex instead of past it.
func TestExactStepRates(t *testing.T) {
	sched := schedule.Default()
	for _, t0 := range []float64{0, 0.3, 0.7, 0.95} {
		g, b, dt := exactStep(sched, t0, t0+1e-6)
		require.InEpsilon(t, sched.Gamma(t0), g, 1e-4, "t0 %v", t0)
		require.InEpsilon(t, sched.Beta(t0), b, 1e-4, "t0 %v", t0)
		require.InDelta(t, 1e-6, dt, 1e-15)
	}
	g, _, dt := exactStep(sched, 0.875, 1-process.SamplingEps)
	require.Less(t, g*dt, 1.0)
	require.Greater(t, g*dt, 0.99)
	require.Greater(t, sched.Gamma(0.875)*dt, 0.7, "Euler's pull over the same step")
}
