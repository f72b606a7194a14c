package walk

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
	exact := Config{Schedule: sched, Rule: RuleExact}
	for _, t0 := range []float64{0, 0.3, 0.7, 0.95} {
		g, b, dt := exact.Rates(Times{T: []float64{t0, t0 + 1e-6}}, 0)
		require.InEpsilon(t, sched.Gamma(t0), g, 1e-4, "t0 %v", t0)
		require.InEpsilon(t, sched.Beta(t0), b, 1e-4, "t0 %v", t0)
		require.InDelta(t, 1e-6, dt, 1e-15)
	}
	tm, err := NewTimes(Config{Steps: 8})
	require.NoError(t, err)
	g, _, dt := exact.Rates(tm, 7)
	require.Equal(t, 1-process.SamplingEps, tm.T[8])
	require.Less(t, g*dt, 1.0)
	require.Greater(t, g*dt, 0.99)
	require.Greater(t, sched.Gamma(0.875)*dt, 0.7, "Euler's pull over the same step")

	// Euler: the schedule at the step's start and the grid's step length.
	euler := Config{Schedule: sched}
	g, b, dt := euler.Rates(tm, 3)
	require.Equal(t, sched.Gamma(tm.T[3]), g)
	require.Equal(t, sched.Beta(tm.T[3]), b)
	require.Equal(t, tm.Step(3), dt)
}
