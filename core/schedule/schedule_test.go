package schedule

import (
	"math"
	"testing"

	"github.com/stretchr/testify/require"
)

func relClose(t *testing.T, want, got, tol float64, what string) {
	t.Helper()
	require.InDelta(t, 0, (got-want)/want, tol, "%s: want %.9g got %.9g", what, want, got)
}

// The figures of rdlm-math.md section 10, given to 7 significant digits.
func TestGeometricReferenceValues(t *testing.T) {
	g := Default()
	relClose(t, 0.03755909, g.IntBeta(0), 1e-6, "int_0^1 beta")
	relClose(t, 1.000000e-3, g.Beta(0), 1e-6, "beta(0)")
	relClose(t, 2.662471e-2, g.Gamma(0), 1e-6, "gamma(0)")
	relClose(t, 1.414214e-2, g.Beta(0.5), 1e-6, "beta(0.5)")
	relClose(t, 4.031550e-1, g.Gamma(0.5), 1e-6, "gamma(0.5)")
	relClose(t, 1.177408e-1, g.Beta(0.9), 1e-6, "beta(0.9)")
	relClose(t, 7.583689, g.Gamma(0.9), 1e-6, "gamma(0.9)")
	relClose(t, 97.37423, g.Gamma(0.99), 1e-6, "gamma(0.99)")
}

// For every schedule: IntBeta is the integral of Beta (Simpson's rule), and
// Gamma is Beta/IntBeta, blowing up like 1/(1-t).
func TestSchedulesConsistent(t *testing.T) {
	for _, name := range []string{"geometric", "linear", "cosine"} {
		s, err := ByName(name, 1e-3, 0.2)
		require.NoError(t, err)
		for _, t0 := range []float64{0, 0.1, 0.5, 0.9} {
			const n = 2000
			h := (1 - t0) / n
			sum := s.Beta(t0) + s.Beta(1)
			for i := 1; i < n; i++ {
				w := 2.0
				if i%2 == 1 {
					w = 4
				}
				sum += w * s.Beta(t0+float64(i)*h)
			}
			relClose(t, sum*h/3, s.IntBeta(t0), 1e-9, name+" IntBeta")
			relClose(t, s.Beta(t0)/s.IntBeta(t0), s.Gamma(t0), 1e-9, name+" Gamma")
		}
		require.InDelta(t, 1, s.Gamma(1-1e-7)*1e-7, 1e-3, name+" gamma ~ 1/(1-t)")
		require.False(t, math.IsInf(s.Gamma(0.99999), 0))
	}
}

func TestByNameRejectsBadInput(t *testing.T) {
	_, err := ByName("quadratic", 1e-3, 0.2)
	require.ErrorContains(t, err, "quadratic")
	_, err = ByName("linear", 0, 0.2)
	require.Error(t, err)
}
