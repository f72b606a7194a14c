// Package sphere holds the maps of the unit sphere S^{V-1} in R^V that the
// sphere diffusion is built from (rdlm-math.md section 1): inner products,
// tangent projection, the exponential and logarithm maps of the round metric,
// geodesic distance, the drift sum_k p_k log_x(e_k) read off the coordinates,
// and the square-root map between the probability simplex and the sphere.
//
// Every function is generic over float32 (the hot path) and float64 (the
// reference). Vectors are stored in T, but every reduction and every scalar
// coefficient (cos, sinc, theta/sin theta) is computed in float64, so the
// float32 path differs from the float64 one only by the final rounding of each
// coordinate. Results are written into caller-provided slices; nothing here
// allocates. Slices of mismatched length are a programming error and panic
// with a message naming the function.
package sphere

import (
	"fmt"
	"math"
)

// Float is the element type: float32 for the hot path, float64 for the
// reference. It has the same type set as cpu.Float, so code generic over
// either constraint can call this package; it is declared here so that the
// method layer does not depend on the kernel package.
type Float interface{ ~float32 | ~float64 }

// LogClip keeps cos(theta) inside [-1+LogClip, 1-LogClip] in the logarithm
// map, as the reference does: theta/sin(theta) then stays finite (at most
// about 2221) and the drift toward a vertex never divides by zero. The WGSL
// walk gets it from here.
const LogClip = 1e-6

func sameLen(fn string, n int, others ...int) {
	for _, m := range others {
		if m != n {
			panic(fmt.Sprintf("sphere.%s: slice lengths differ (%d and %d)", fn, n, m))
		}
	}
}

// Dot returns <a, b>, accumulated in float64.
func Dot[T Float](a, b []T) float64 {
	sameLen("Dot", len(a), len(b))
	var s float64
	for i := range a {
		s += float64(a[i]) * float64(b[i])
	}
	return s
}

// Norm returns |a|.
func Norm[T Float](a []T) float64 { return math.Sqrt(Dot(a, a)) }

// Normalize writes x/|x| into dst (which may be x) and returns |x|. A zero
// vector has no direction: dst is left untouched and the returned norm is 0.
func Normalize[T Float](dst, x []T) float64 {
	sameLen("Normalize", len(dst), len(x))
	n := Norm(x)
	if n == 0 {
		return 0
	}
	inv := 1 / n
	for i := range x {
		dst[i] = T(float64(x[i]) * inv)
	}
	return n
}

// Uniform writes the uniform point (1,...,1)/sqrt(V) into dst.
func Uniform[T Float](dst []T) {
	c := T(1 / math.Sqrt(float64(len(dst))))
	for i := range dst {
		dst[i] = c
	}
}

// Vertex writes the vertex e_k into dst.
func Vertex[T Float](dst []T, k int) {
	if k < 0 || k >= len(dst) {
		panic(fmt.Sprintf("sphere.Vertex: vertex %d out of range [0, %d)", k, len(dst)))
	}
	clear(dst)
	dst[k] = 1
}

// Project writes the tangent projection P_x(v) = v - <x,v>/<x,x> x into dst.
// On the sphere <x,x> = 1; dividing by it anyway (as the reference does) keeps
// the result exactly orthogonal to x when x has drifted off the sphere by
// rounding. A zero x leaves v unchanged. dst may alias v.
func Project[T Float](dst, x, v []T) {
	sameLen("Project", len(dst), len(x), len(v))
	c := tangentCoef(x, v)
	for i := range dst {
		dst[i] = T(float64(v[i]) - c*float64(x[i]))
	}
}

// tangentCoef returns <x,v>/<x,x>, the component of v along x (0 for x = 0).
func tangentCoef[T Float](x, v []T) float64 {
	var xv, xx float64
	for i := range x {
		xi := float64(x[i])
		xv += xi * float64(v[i])
		xx += xi * xi
	}
	if xx == 0 {
		return 0
	}
	return xv / xx
}
