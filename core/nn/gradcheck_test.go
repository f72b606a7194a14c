package nn

import (
	"math"
	"testing"

	"github.com/rdlm-go/rdlm/core/rng"
	"github.com/stretchr/testify/require"
)

// randn returns n standard normal float64 values from stream s of a fixed seed.
func randn(s uint64, n int) []float64 {
	st := rng.NewStream(12345, s)
	v := make([]float64, n)
	st.Normals(v)
	return v
}

// dot is the probe that turns an op's output into a scalar loss: the
// gradient of <probe, out> with respect to out is the probe itself.
func dot(a, b []float64) float64 {
	s := 0.0
	for i := range a {
		s += a[i] * b[i]
	}
	return s
}

// fdGradCheck compares an analytic gradient of loss() with respect to x with
// central differences (step 1e-5, every element) and returns the
// norm-relative error |analytic - numeric| / |numeric|.
func fdGradCheck(t *testing.T, name string, x, analytic []float64, loss func() float64) float64 {
	t.Helper()
	require.Len(t, analytic, len(x), name)
	const h = 1e-5
	var num2, diff2 float64
	for i := range x {
		old := x[i]
		x[i] = old + h
		up := loss()
		x[i] = old - h
		down := loss()
		x[i] = old
		n := (up - down) / (2 * h)
		num2 += n * n
		diff2 += (n - analytic[i]) * (n - analytic[i])
	}
	require.Greater(t, num2, 0.0, "%s: numeric gradient is zero, the check would prove nothing", name)
	rel := math.Sqrt(diff2 / num2)
	t.Logf("%-10s relative error %.2e", name, rel)
	return rel
}

// gradTol is the norm-relative tolerance of the float64 gradient checks:
// central differences with step 1e-5 are good to about 1e-9 on these ops.
const gradTol = 1e-7
