package sphere

import (
	"math"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/rdlm-go/rdlm/internal/testutil"
)

// randomPoint returns a uniform point of S^{n-1}, drawn from stream id.
func randomPoint(n int, id uint64) []float64 { return testutil.RandomPoint(7, id, n) }

// randomVec returns an ambient Gaussian vector scaled by scale.
func randomVec(n int, id uint64, scale float64) []float64 {
	v := testutil.Normals(8, id, n)
	for i := range v {
		v[i] *= scale
	}
	return v
}

// The geometry numbers of rdlm-math.md section 10, V = 28.
func TestReferenceGeometryV28(t *testing.T) {
	const V = 28
	u := make([]float64, V)
	Uniform(u)
	e0 := make([]float64, V)
	Vertex(e0, 0)
	c0 := Dot(u, e0)
	require.InDelta(t, 0.1889822365, c0, 1e-10, "c0")
	require.InDelta(t, 1.3806707234, Dist(u, e0), 1e-10, "angle(u, e_k)")

	lg := make([]float64, V)
	Log(lg, u, e0)
	require.InDelta(t, 1.3557917357, lg[0], 1e-10, "log_u(e_0) at coordinate 0")
	for i := 1; i < V; i++ {
		require.InDelta(t, -0.0502145087, lg[i], 1e-10, "log_u(e_0) at coordinate %d", i)
	}
	// log_u(e_0)_0 = theta/sin(theta) (1 - c0^2).
	require.InDelta(t, 1.4060062444, lg[0]/(1-c0*c0), 1e-10, "theta/sin(theta)")
	require.InDelta(t, 1.3806707234, Norm(lg), 1e-10, "|log_u(e_0)| is the angle")

	back := make([]float64, V)
	Exp(back, u, lg)
	require.Less(t, testutil.MaxAbsDiff(back, e0), 1e-12, "exp_u(log_u(e_0)) = e_0")

	// The same in float32.
	u32, e32, lg32, back32 := testutil.ToF32(u), testutil.ToF32(e0), make([]float32, V), make([]float32, V)
	Log(lg32, u32, e32)
	require.Less(t, testutil.MaxAbsDiff(lg32, lg), 2e-7)
	Exp(back32, u32, lg32)
	require.Less(t, testutil.MaxAbsDiff(back32, e0), 1e-6)

	// From the mask vertex every token is a quarter circle away.
	em := make([]float64, V)
	Vertex(em, V-1)
	for k := 0; k < V-1; k++ {
		ek := make([]float64, V)
		Vertex(ek, k)
		Log(lg, em, ek)
		for i := range lg {
			want := 0.0
			if i == k {
				want = math.Pi / 2
			}
			require.InDelta(t, want, lg[i], 1e-12, "log_{e_m}(e_%d)[%d]", k, i)
		}
	}
}

func TestProjectIsTangent(t *testing.T) {
	for _, n := range []int{2, 4, 28, 513} {
		for trial := uint64(0); trial < 50; trial++ {
			x := randomPoint(n, trial)
			v := randomVec(n, trial, 3)
			p := make([]float64, n)
			Project(p, x, v)
			require.Less(t, math.Abs(Dot(x, p)), 1e-13*Norm(v))
			// Projecting twice changes nothing.
			q := make([]float64, n)
			Project(q, x, p)
			require.Less(t, testutil.MaxAbsDiff(p, q), 1e-13*Norm(v))
			// float32, in place.
			x32, v32 := testutil.ToF32(x), testutil.ToF32(v)
			Project(v32, x32, v32)
			require.Less(t, math.Abs(Dot(x32, v32)), 1e-6*Norm(v))
			require.Less(t, testutil.MaxAbsDiff(v32, p), 1e-5)
		}
	}
}

// Exp lands on the sphere for any ambient vector (it projects first), in both
// precisions, and float32 follows float64.
func TestExpStaysOnSphere(t *testing.T) {
	for _, n := range []int{2, 4, 28, 513} {
		for trial := uint64(0); trial < 100; trial++ {
			scale := []float64{1e-9, 1e-5, 1e-3, 0.1, 1, 5}[trial%6]
			x := randomPoint(n, trial)
			v := randomVec(n, trial, scale/math.Sqrt(float64(n)))
			y := make([]float64, n)
			Exp(y, x, v)
			require.InDelta(t, 1, Norm(y), 1e-13)

			x32, v32, y32 := testutil.ToF32(x), testutil.ToF32(v), make([]float32, n)
			Exp(y32, x32, v32)
			require.InDelta(t, 1, Norm(y32), 1e-6)
			require.Less(t, testutil.MaxAbsDiff(y32, y), 1e-6)
		}
	}
}

// For tiny steps the series branch must agree with exp to second order:
// exp_x(v) = x + v - |v|^2/2 x + O(|v|^3).
func TestExpSmallStepSeries(t *testing.T) {
	const n = 28
	x := randomPoint(n, 1)
	for _, scale := range []float64{0, 1e-12, 1e-8, 5e-5, 2e-4} {
		v := randomVec(n, 2, 1)
		Project(v, x, v)
		Normalize(v, v)
		for i := range v {
			v[i] *= scale
		}
		y := make([]float64, n)
		Exp(y, x, v)
		for i := range y {
			want := x[i] + v[i] - scale*scale/2*x[i]
			require.InDelta(t, want, y[i], scale*scale*scale+1e-16)
		}
	}
}

// log_x(exp_x(v)) = v for tangent v with |v| away from 0 and pi (inside the
// clip, cos|v| must stay within 1e-6 of +-1), and exp_x(log_x(y)) = y.
func TestExpLogRoundTrip(t *testing.T) {
	for _, n := range []int{3, 28, 200} {
		for trial := uint64(0); trial < 60; trial++ {
			x := randomPoint(n, trial)
			v := randomVec(n, trial+1000, 1)
			Project(v, x, v)
			Normalize(v, v)
			length := []float64{3e-3, 0.01, 0.5, 1.5, 2.5, 3.1}[trial%6]
			for i := range v {
				v[i] *= length
			}
			y := make([]float64, n)
			Exp(y, x, v)
			require.InDelta(t, length, Dist(x, y), 1e-9)
			back := make([]float64, n)
			Log(back, x, y)
			require.Less(t, testutil.MaxAbsDiff(back, v), 1e-8*math.Max(1, 1/math.Sin(length)))
			require.Less(t, math.Abs(Dot(x, back)), 1e-12, "log is tangent")

			z := randomPoint(n, trial+5000)
			Log(back, x, z)
			Exp(y, x, back)
			require.Less(t, testutil.MaxAbsDiff(y, z), 1e-9)

			x32, z32, l32, y32 := testutil.ToF32(x), testutil.ToF32(z), make([]float32, n), make([]float32, n)
			Log(l32, x32, z32)
			Exp(y32, x32, l32)
			// float32 rounding of the inputs is amplified by theta/sin(theta)
			// for nearly antipodal pairs.
			th := Dist(x, z)
			require.Less(t, testutil.MaxAbsDiff(y32, z), 1e-6*(1+th/math.Sin(th)), "angle %v", th)
		}
	}
}

// At the clip, log_x(x) is a tiny tangent vector instead of 0/0, and the
// antipode gives a finite vector.
func TestLogClipEdges(t *testing.T) {
	x := randomPoint(28, 3)
	v := make([]float64, 28)
	Log(v, x, x)
	for _, c := range v {
		require.False(t, math.IsNaN(c) || math.IsInf(c, 0))
	}
	require.Less(t, Norm(v), 1e-5)
	neg := make([]float64, 28)
	for i := range x {
		neg[i] = -x[i]
	}
	Log(v, x, neg)
	for _, c := range v {
		require.False(t, math.IsNaN(c) || math.IsInf(c, 0))
	}
	require.InDelta(t, math.Pi, Dist(x, neg), 1e-7)
}

func TestLogVertexMatchesLog(t *testing.T) {
	const n = 28
	e := make([]float64, n)
	a, b := make([]float64, n), make([]float64, n)
	for trial := uint64(0); trial < 50; trial++ {
		x := randomPoint(n, trial)
		k := int(trial % n)
		Vertex(e, k)
		Log(a, x, e)
		LogVertex(b, x, k)
		require.Less(t, testutil.MaxAbsDiff(a, b), 1e-13)
	}
	// A point on the vertex: the clip gives a finite, tiny vector.
	Vertex(e, 4)
	LogVertex(b, e, 4)
	require.Less(t, Norm(b), 1e-5)
}

// SumLogVertices equals sum_k p_k log_x(e_k) computed one vertex at a time,
// with p over the first K = V-1 coordinates (the mask gets no probability).
func TestSumLogVertices(t *testing.T) {
	for _, n := range []int{3, 28} {
		k := n - 1
		for trial := uint64(0); trial < 50; trial++ {
			x := randomPoint(n, trial)
			if trial%5 == 0 { // on the positive orthant, as after FromSimplex
				for i := range x {
					x[i] = math.Abs(x[i])
				}
			}
			p := randomVec(k, trial, 1)
			var s float64
			for i := range p {
				p[i] = math.Exp(p[i])
				s += p[i]
			}
			for i := range p {
				p[i] /= s
			}
			want := make([]float64, n)
			one := make([]float64, n)
			for j := 0; j < k; j++ {
				LogVertex(one, x, j)
				for i := range want {
					want[i] += p[j] * one[i]
				}
			}
			got := make([]float64, n)
			SumLogVertices(got, x, p)
			require.Less(t, testutil.MaxAbsDiff(got, want), 1e-12)
			require.Less(t, math.Abs(Dot(x, got)), 1e-12, "tangent")

			got32 := make([]float32, n)
			SumLogVertices(got32, testutil.ToF32(x), testutil.ToF32(p))
			require.Less(t, testutil.MaxAbsDiff(got32, want), 5e-6)
		}
	}
}

func TestSimplexRoundTrip(t *testing.T) {
	p := []float64{0.5, 0.25, 0.125, 0.125, 0}
	x := make([]float64, len(p))
	require.NoError(t, FromSimplex(x, p))
	require.InDelta(t, 1, Norm(x), 1e-15)
	require.InDelta(t, math.Sqrt(0.5), x[0], 1e-15)
	q := make([]float64, len(p))
	require.True(t, ToSimplex(q, x))
	require.Less(t, testutil.MaxAbsDiff(q, p), 1e-15)

	// Negative coordinates are clamped; the rest renormalised.
	y := []float32{0.6, -0.8, 0, 0}
	q32 := make([]float32, 4)
	require.True(t, ToSimplex(q32, y))
	require.Equal(t, []float32{1, 0, 0, 0}, q32)
	y = []float32{-0.6, -0.8, 0, 0}
	require.False(t, ToSimplex(q32, y), "no positive coordinate")
	require.Equal(t, []float32{0, 0, 0, 0}, q32)

	require.ErrorContains(t, FromSimplex(x, []float64{0.5, -0.1, 0.6, 0, 0}), "probability 1")
	require.ErrorContains(t, FromSimplex(x, []float64{0.5, math.NaN(), 0.5, 0, 0}), "probability 1")
	require.ErrorContains(t, FromSimplex(x, []float64{0, 0, 0, 0, 0}), "zero")
}

func TestLengthMismatchPanics(t *testing.T) {
	require.PanicsWithValue(t, "sphere.Exp: slice lengths differ (3 and 4)", func() {
		Exp(make([]float64, 3), make([]float64, 4), make([]float64, 3))
	})
}

func TestDistAntipodeAndSymmetry(t *testing.T) {
	x := randomPoint(10, 1)
	y := randomPoint(10, 2)
	require.InDelta(t, Dist(x, y), Dist(y, x), 1e-15)
	require.InDelta(t, 0, Dist(x, x), 2e-8)
}

// Off the sphere (after rounding), the projection still returns a vector
// orthogonal to x, because it divides by <x,x>.
func TestProjectOffSphere(t *testing.T) {
	x := randomPoint(28, 4)
	for i := range x {
		x[i] *= 1.001
	}
	v := randomVec(28, 4, 1)
	Project(v, x, v)
	require.Less(t, math.Abs(Dot(x, v)), 1e-14)
	w := []float64{1, 2} // a zero x leaves v alone
	Project(w, []float64{0, 0}, w)
	require.Equal(t, []float64{1, 2}, w)
}

func TestNoAllocations(t *testing.T) {
	x, y, d := testutil.ToF32(randomPoint(28, 1)), testutil.ToF32(randomPoint(28, 2)), make([]float32, 28)
	p := make([]float32, 27)
	for i := range p {
		p[i] = 1.0 / 27
	}
	allocs := testing.AllocsPerRun(100, func() {
		Exp(d, x, y)
		Log(d, x, y)
		LogVertex(d, x, 3)
		SumLogVertices(d, x, p)
		Project(d, x, y)
		_ = ToSimplex(d, x)
		_ = FromSimplex(p, p)
	})
	require.Equal(t, 0.0, allocs)
}
