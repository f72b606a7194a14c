// Package testutil holds the helpers that the tests of several core packages
// share: seeded random vectors, float32/float64 conversions, comparisons and
// the finite-difference gradient check. Only tests import it.
//
// It imports core/rng and nothing else of the module, so that the internal
// tests of every other core package can use it without an import cycle.
package testutil

import (
	"math"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/rdlm-go/rdlm/core/rng"
)

// Float is the element types the helpers accept.
type Float interface{ ~float32 | ~float64 }

// Normals returns n standard normals drawn with Stream.Normals from stream
// id of seed, so a test's inputs are the same on every run and platform.
func Normals(seed, id uint64, n int) []float64 {
	s := rng.NewStream(seed, id)
	v := make([]float64, n)
	s.Normals(v)
	return v
}

// RandomPoint returns a uniform point of S^{n-1}: Normals(seed, id, n)
// divided by its norm. The division is sphere.Normalize's, bit for bit
// (package sphere cannot be imported here: its own tests use this one).
func RandomPoint(seed, id uint64, n int) []float64 {
	x := Normals(seed, id, n)
	var s float64
	for _, v := range x {
		s += v * v
	}
	inv := 1 / math.Sqrt(s)
	for i := range x {
		x[i] *= inv
	}
	return x
}

// Convert returns a copy of x with every element converted to To.
func Convert[To, From Float](x []From) []To {
	y := make([]To, len(x))
	for i, v := range x {
		y[i] = To(v)
	}
	return y
}

// ToF32 returns x rounded to float32.
func ToF32[From Float](x []From) []float32 { return Convert[float32](x) }

// ToF64 returns x widened to float64.
func ToF64[From Float](x []From) []float64 { return Convert[float64](x) }

// Dot is the float64 inner product of a and b. Gradient checks use it as the
// probe that turns an op's output into a scalar loss: the gradient of
// <probe, out> with respect to out is the probe itself.
func Dot(a, b []float64) float64 {
	s := 0.0
	for i := range a {
		s += a[i] * b[i]
	}
	return s
}

// SumSquares is the sum of the squares of v, in float64.
func SumSquares[T Float](v []T) float64 {
	s := 0.0
	for _, x := range v {
		s += float64(x) * float64(x)
	}
	return s
}

// MaxAbs is the largest |v_i|, in float64.
func MaxAbs[T Float](v []T) float64 {
	m := 0.0
	for _, x := range v {
		m = math.Max(m, math.Abs(float64(x)))
	}
	return m
}

// MaxAbsDiff is the largest |a_i - b_i| over a's indices, in float64.
func MaxAbsDiff[T, U Float](a []T, b []U) float64 {
	var m float64
	for i := range a {
		m = math.Max(m, math.Abs(float64(a[i])-float64(b[i])))
	}
	return m
}

// FiniteDiffRelErr compares an analytic gradient of loss() with respect to x
// with central differences (step 1e-5, every element of x, which is restored
// after each probe) and returns the norm-relative error
// |analytic - numeric| / |numeric|. In float64 the differences are good to
// about 1e-9 on smooth ops. It fails the test if the numeric gradient is zero,
// since the comparison would then prove nothing.
func FiniteDiffRelErr(t testing.TB, name string, x, analytic []float64, loss func() float64) float64 {
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
