package cpu

import "math"

// Vectorised float32 elementwise kernels: e^x, GELU in its tanh form and its
// backward, and one row of the attention softmax and of its backward. On
// amd64 with the "avx512" kernel set active they run AVX-512 assembly
// (elementwise_amd64.s); elsewhere, and under RDLM_KERNELS=go or avx2, they
// run the plain Go loops below, which compute in float64 with math.Exp and
// round once to float32 (the reference the assembly is tested against).
// core/nn calls them for float32 only where VecMath reports the assembly,
// and keeps its own scalar loops otherwise.
//
// Accuracy of the assembly: e^x within 2 float32 ulp of the correctly
// rounded result for x in [-87.3, 88.7] (the normal range), 0 below about
// -103.97, +Inf above about 88.72, subnormal results between, NaN for NaN.

// VecMath reports whether the kernels of this file run as vector assembly.
func VecMath() bool { return hasVecMath && active.Load().name == "avx512" }

// Exp sets dst[i] = e^src[i] (dst may alias src).
func Exp(dst, src []float32) {
	dst = dst[:len(src)]
	if len(src) > 0 && VecMath() {
		expVec(dst, src)
		return
	}
	for i, v := range src {
		dst[i] = float32(math.Exp(float64(v)))
	}
}

// Gelu sets y = x/2 (1 + tanh(u)), u = sqrt(2/pi) (x + 0.044715 x^3),
// evaluated as x / (1 + e^(-2u)) (y may alias x).
func Gelu(y, x []float32) {
	y = y[:len(x)]
	if len(x) > 0 && VecMath() {
		geluVec(y, x)
		return
	}
	for i, v := range x {
		y[i] = float32(geluRef(float64(v)))
	}
}

// GeluBackward sets dx = dy gelu'(x) (dx may alias dy).
func GeluBackward(dx, dy, x []float32) {
	dx, dy = dx[:len(x)], dy[:len(x)]
	if len(x) > 0 && VecMath() {
		geluBackwardVec(dx, dy, x)
		return
	}
	for i, v := range x {
		dx[i] = float32(float64(dy[i]) * geluGradRef(float64(v)))
	}
}

// SoftmaxScaled replaces the scores s by softmax(scale s), in place. The
// maximum is taken first, so no exponential overflows.
func SoftmaxScaled(s []float32, scale float32) {
	if len(s) == 0 {
		return
	}
	if VecMath() {
		softmaxScaledVec(s, scale)
		return
	}
	m := float64(s[0])
	for _, v := range s {
		m = max(m, float64(v))
	}
	var sum float64
	for i, v := range s {
		e := math.Exp((float64(v) - m) * float64(scale))
		s[i] = float32(e)
		sum += e
	}
	for i := range s {
		s[i] = float32(float64(s[i]) / sum)
	}
}

// SoftmaxBackward sets g = p (g - <p, g>) scale, in place: the gradient of
// the scores of one softmax(scale s) row from that of its probabilities p.
func SoftmaxBackward(g, p []float32, scale float32) {
	g = g[:len(p)]
	if len(p) > 0 && VecMath() {
		softmaxBackwardVec(g, p, scale)
		return
	}
	var dot float64
	for i, pv := range p {
		dot += float64(pv) * float64(g[i])
	}
	for i, pv := range p {
		g[i] = float32(float64(pv) * (float64(g[i]) - dot) * float64(scale))
	}
}

const (
	geluScale = 0.7978845608028654 // sqrt(2/pi)
	geluCubic = 0.044715
)

func geluRef(x float64) float64 {
	u := geluScale * (x + geluCubic*x*x*x)
	return x / (1 + math.Exp(-2*u))
}

func geluGradRef(x float64) float64 {
	u := geluScale * (x + geluCubic*x*x*x)
	s := 1 / (1 + math.Exp(-2*u))
	du := geluScale * (1 + 3*geluCubic*x*x)
	return s + 2*x*s*(1-s)*du
}
