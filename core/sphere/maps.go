package sphere

import (
	"math"
)

// ExpSeriesBelow is the norm |w| below which the exp map's coefficients
// come from their series (CosSinc; the WGSL walk gets it from here).
const ExpSeriesBelow = 1e-4

// CosSinc returns cos(n) and sin(n)/n, the two coefficients of
// exp_x(w) = cos|w| x + sinc|w| w. Below ExpSeriesBelow the fourth-order
// series is exact in float64 (the next term is n^6/720 < 2e-27) and avoids
// 0/0.
func CosSinc(n float64) (c, s float64) {
	if n < ExpSeriesBelow {
		n2 := n * n
		return 1 - n2/2 + n2*n2/24, 1 - n2/6 + n2*n2/120
	}
	sin, cos := math.Sincos(n)
	return cos, sin / n
}

// clipCos clips a cosine into [-1+LogClip, 1-LogClip].
func clipCos(c float64) float64 {
	return math.Min(math.Max(c, -1+LogClip), 1-LogClip)
}

// thetaOverSin returns theta/sin(theta) for theta = arccos(c), c already clipped.
// sin(theta) is computed as sqrt((1-c)(1+c)) to avoid cancellation near |c| = 1.
func thetaOverSin(c float64) float64 {
	return math.Acos(c) / math.Sqrt((1-c)*(1+c))
}

// LogCoefficients returns, for a cosine c = <x, y>, the clipped cosine and
// theta/sin(theta) that make log_x(y) = f (y - cc x). Code that knows <x, y>
// without forming y (a vertex, a mean direction) builds logarithms from these.
func LogCoefficients(c float64) (cc, f float64) {
	cc = clipCos(c)
	return cc, thetaOverSin(cc)
}

// Exp writes exp_x(v) = cos|w| x + sin|w| w/|w| into dst, where w = P_x(v):
// v is projected onto the tangent space at x first, as the reference does, so
// an ambient vector (for example raw Gaussian noise) is a valid argument. dst
// may alias x or v.
func Exp[T Float](dst, x, v []T) {
	sameLen("Exp", len(dst), len(x), len(v))
	c := tangentCoef(x, v)
	// |P_x v|^2 summed directly rather than as |v|^2 - c^2, which cancels when
	// v is nearly parallel to x.
	var n2 float64
	for i := range v {
		w := float64(v[i]) - c*float64(x[i])
		n2 += w * w
	}
	cs, sn := CosSinc(math.Sqrt(n2))
	for i := range dst {
		xi := float64(x[i])
		dst[i] = T(cs*xi + sn*(float64(v[i])-c*xi))
	}
}

// Log writes log_x(y) = theta/sin(theta) (y - cos(theta) x) into dst, with
// cos(theta) = <x, y> clipped to [-1+LogClip, 1-LogClip]. The clip makes
// log_x(x) a tiny vector instead of 0/0 and keeps the antipode finite. dst may
// alias x or y.
func Log[T Float](dst, x, y []T) {
	sameLen("Log", len(dst), len(x), len(y))
	c := clipCos(Dot(x, y))
	f := thetaOverSin(c)
	for i := range dst {
		dst[i] = T(f * (float64(y[i]) - c*float64(x[i])))
	}
}

// LogVertex writes log_x(e_k) into dst without forming e_k: the cosine is the
// coordinate x_k.
func LogVertex[T Float](dst, x []T, k int) {
	sameLen("LogVertex", len(dst), len(x))
	c := clipCos(float64(x[k]))
	f := thetaOverSin(c)
	for i := range dst {
		dst[i] = T(-f * c * float64(x[i]))
	}
	dst[k] += T(f)
}

// Dist returns the geodesic distance (the angle) between x and y, normalising
// both so that points slightly off the sphere still give a valid angle.
func Dist[T Float](x, y []T) float64 {
	nx, ny := Norm(x), Norm(y)
	if nx == 0 || ny == 0 {
		return math.NaN()
	}
	c := Dot(x, y) / (nx * ny)
	return math.Acos(math.Min(math.Max(c, -1), 1))
}
