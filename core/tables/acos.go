package tables

import "math"

// The table simulation takes an arccos per particle, per path and per step
// (3.3e8 of them for the default grid), so it must be cheap. We already hold
// both the cosine c and the sine s = sqrt(1 - c^2) of the angle, so the angle
// is the asin of whichever of them is at most 1/sqrt(2) in magnitude, and on
// |x| <= 1/sqrt(2), asin(x) = x * Q(x^2) with Q(w) = asin(sqrt(w))/sqrt(w)
// smooth on [0, 1/2]. Q is the degree-10 Chebyshev interpolant on [0, 1/2],
// rewritten in powers of w at start-up (its coefficients stay below 0.3, so
// the rewrite loses nothing) and evaluated by Horner's rule. Q's nearest
// singularity is at w = 1, so the error falls like (3 + sqrt 8)^-n: degree 10
// gives an angle error of about 5e-11 (acos_test.go checks 1e-10), seven
// orders of magnitude under the Monte Carlo noise of the tables.

const asinDegree = 10

// asinPoly holds Q's coefficients in powers of w, lowest first.
var asinPoly [asinDegree + 1]float64

func init() { asinPoly = powerCoefficients(chebyshevFit(asinQ, asinDegree)) }

// asinQ is Q at tau = 4w - 1 in [-1, 1].
func asinQ(tau float64) float64 {
	w := (tau + 1) / 4
	if w == 0 {
		return 1
	}
	r := math.Sqrt(w)
	return math.Asin(r) / r
}

// chebyshevFit interpolates f at the n+1 Chebyshev points of the first kind
// and returns c with f ~ sum_k c_k T_k(tau) on [-1, 1].
func chebyshevFit(f func(float64) float64, n int) []float64 {
	m := n + 1
	vals := make([]float64, m)
	for j := range vals {
		vals[j] = f(math.Cos(math.Pi * (float64(j) + 0.5) / float64(m)))
	}
	c := make([]float64, m)
	for k := range c {
		s := 0.0
		for j, v := range vals {
			s += v * math.Cos(math.Pi*float64(k)*(float64(j)+0.5)/float64(m))
		}
		c[k] = 2 * s / float64(m)
	}
	c[0] /= 2
	return c
}

// powerCoefficients rewrites sum_k c_k T_k(4w - 1) as sum_i a_i w^i.
func powerCoefficients(c []float64) [asinDegree + 1]float64 {
	n := len(c)
	// Each T_k as a polynomial in w, from T_{k+1} = 2(4w-1)T_k - T_{k-1}.
	prev := make([]float64, n) // T_0 = 1
	prev[0] = 1
	cur := make([]float64, n) // T_1 = 4w - 1
	cur[0], cur[1] = -1, 4
	var a [asinDegree + 1]float64
	for i := range prev {
		a[i] += c[0] * prev[i]
	}
	for k := 1; k < n; k++ {
		for i := range cur {
			a[i] += c[k] * cur[i]
		}
		next := make([]float64, n)
		for i := range cur {
			next[i] += -2*cur[i] - prev[i]
			if i+1 < n {
				next[i+1] += 8 * cur[i]
			}
		}
		prev, cur = cur, next
	}
	return a
}

// asinSmall is asin(x) for x^2 <= 1/2. Estrin's scheme: the products of
// the polynomial are independent, so the evaluation is four multiplies deep
// instead of ten (the loop is bound by latency, not by arithmetic).
func asinSmall(x float64) float64 {
	p := &asinPoly
	w := x * x
	w2 := w * w
	w4 := w2 * w2
	w8 := w4 * w4
	lo := (p[0] + p[1]*w) + w2*(p[2]+p[3]*w)
	mid := (p[4] + p[5]*w) + w2*(p[6]+p[7]*w)
	hi := (p[8] + p[9]*w) + w2*p[10]
	return x * (lo + w4*mid + w8*hi)
}

// angleFromCosSin returns the angle in [0, pi] whose cosine is c and whose
// sine is s >= 0 (c^2 + s^2 = 1 up to rounding).
func angleFromCosSin(c, s float64) float64 {
	if c*c <= 0.5 {
		return math.Pi/2 - asinSmall(c)
	}
	a := asinSmall(s)
	if c < 0 {
		return math.Pi - a
	}
	return a
}
