package tables

import (
	"math"
	"testing"

	"github.com/stretchr/testify/require"
)

// rdlm-math.md section 10: closed-form mean cosines of the wrapped Gaussian.
func TestMeanCosineClosedForm(t *testing.T) {
	require.InDelta(t, 0.86823, MeanCosine(27, 0.1), 1e-5)
	require.InDelta(t, 0.51009, MeanCosine(27, 0.2), 1e-5)
	require.InDelta(t, 0.86996, MeanCosine(3, 0.3), 1e-5)
	// d = 3: M(3/2, 1/2, -x) = e^-x (1 - 2x) exactly.
	for _, rho := range []float64{0, 0.2, 0.7, 1.5, 3} {
		x := rho * rho / 2
		require.InDelta(t, math.Exp(-x)*(1-2*x), MeanCosine(3, rho), 1e-14)
	}
	require.Equal(t, 1.0, MeanCosine(27, 0))
}

// directSeries sums M(a, b, -x) term by term: accurate only for small a x.
func directSeries(a, b, x float64) float64 {
	term, sum := 1.0, 1.0
	for n := 0; n < 200; n++ {
		fn := float64(n)
		term *= (a + fn) / ((b + fn) * (fn + 1)) * -x
		sum += term
	}
	return sum
}

// Even and odd d, through Kummer's transformation, against the defining
// series where that is accurate, and the relation M(a,b,-x) at a = b
// (M(b, b, -x) = e^-x).
func TestHyp1F1NegAgainstSeries(t *testing.T) {
	for _, d := range []int{2, 3, 4, 8, 27, 28, 100} {
		for _, x := range []float64{1e-6, 1e-3, 0.01, 0.05} {
			got, err := Hyp1F1Neg(float64(d)/2, 0.5, x)
			require.NoError(t, err)
			require.InDelta(t, directSeries(float64(d)/2, 0.5, x), got, 1e-12, "d=%d x=%g", d, x)
		}
	}
	for _, x := range []float64{0, 0.5, 3, 40} {
		got, err := Hyp1F1Neg(2.5, 2.5, x)
		require.NoError(t, err)
		require.InDelta(t, math.Exp(-x), got, 1e-15+1e-13*math.Exp(-x))
	}
	_, err := Hyp1F1Neg(1, 0.5, -1)
	require.ErrorContains(t, err, "outside")
	_, err = Hyp1F1Neg(1, 0.5, 1000)
	require.ErrorContains(t, err, "outside")
}

// The solver inverts g on its first branch for both formulas, odd and even
// d, continued from a neighbouring root or from scratch.
func TestRhoSolverInvertsG(t *testing.T) {
	for _, d := range []int{2, 3, 4, 27, 28} {
		for _, f := range []Formula{Reference, Exact} {
			s := newRhoSolver(d, f)
			require.Greater(t, s.rhoMax, 0.0)
			// g falls monotonically on [0, rhoMax].
			prev := 1.0
			for i := 1; i <= 200; i++ {
				g := s.g(s.rhoMax * float64(i) / 200)
				require.Less(t, g, prev, "d=%d %v: g not decreasing", d, f)
				prev = g
			}
			guess := 1e-4
			for _, m := range []float64{0.999999, 0.99, 0.9, 0.6, 0.3, 0.05, 1e-3} {
				if m <= s.gMin {
					continue
				}
				rho := s.solve(m, guess)
				require.InDelta(t, m, s.g(rho), 1e-12, "d=%d %v m=%g", d, f, m)
				require.InDelta(t, rho, s.solve(m, 0), 1e-12*math.Max(rho, 1))
				guess = rho
			}
			require.Zero(t, s.solve(1, 0.3))
			require.Zero(t, s.solve(1.2, 0.3))
		}
	}
}
