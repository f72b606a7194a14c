package nn

import "github.com/rdlm-go/rdlm/core/cpu"

// The coefficients of the tanh approximation of GELU, u = GeluScale (x +
// GeluCubic x^3): GeluScale is sqrt(2/pi). The WGSL kernel gets them from
// here.
const (
	GeluScale = 0.7978845608028654
	GeluCubic = 0.044715
)

// GeluForward is GELU in its tanh approximation (PyTorch's
// approximate="tanh"): y = x/2 (1 + tanh(u)), u = sqrt(2/pi) (x + 0.044715 x^3).
// It is evaluated as y = x sigmoid(2u), the same function (1 + tanh(u) =
// 2 sigmoid(2u)) for one exponential and no cancellation.
//
//	y, x (n): y may alias x
func GeluForward[T cpu.Float](y, x []T) {
	y = y[:len(x)]
	if y32, ok := asF32(y); ok && cpu.VecMath() {
		x32, _ := asF32(x)
		cpu.Gelu(y32, x32)
		return
	}
	for i, v := range x {
		u := T(GeluScale) * (v + T(GeluCubic)*v*v*v)
		y[i] = v / (1 + expT(-2*u))
	}
}

// GeluBackward is the backward of GeluForward: with s = sigmoid(2u),
// y' = s + x 2 s (1-s) u'(x), u'(x) = sqrt(2/pi) (1 + 3 0.044715 x^2).
//
//	dx (n): set to dy gelu'(x); may alias dy
//	dy, x (n)
func GeluBackward[T cpu.Float](dx, dy, x []T) {
	dx, dy = dx[:len(x)], dy[:len(x)]
	if dx32, ok := asF32(dx); ok && cpu.VecMath() {
		dy32, _ := asF32(dy)
		x32, _ := asF32(x)
		cpu.GeluBackward(dx32, dy32, x32)
		return
	}
	for i, v := range x {
		u := T(GeluScale) * (v + T(GeluCubic)*v*v*v)
		s := 1 / (1 + expT(-2*u))
		du := T(GeluScale) * (1 + T(3*GeluCubic)*v*v)
		dx[i] = dy[i] * (s + 2*v*s*(1-s)*du)
	}
}

// SiLUForward is y = x sigmoid(x).
//
//	y, x (n): y may alias x
func SiLUForward[T cpu.Float](y, x []T) {
	y = y[:len(x)]
	for i, v := range x {
		y[i] = v / (1 + expT(-v))
	}
}

// SiLUBackward is the backward of SiLUForward.
//
//	dx (n): set to dy silu'(x); may alias dy
//	dy, x (n)
func SiLUBackward[T cpu.Float](dx, dy, x []T) {
	dx, dy = dx[:len(x)], dy[:len(x)]
	for i, v := range x {
		s := 1 / (1 + expT(-v))
		dx[i] = dy[i] * s * (1 + v*(1-s))
	}
}

// GatedResidualForward adds a gated branch onto the residual stream:
// out = h + gate * y, one gate vector for all the rows (one sequence).
//
//	out (n, d): may alias h;  h (n, d), y (n, d), gate (d)
func GatedResidualForward[T cpu.Float](out, h, y, gate []T, d int) {
	gate = gate[:d]
	for r := 0; r < len(y)/d; r++ {
		hr := h[r*d : (r+1)*d]
		yr := y[r*d : (r+1)*d]
		or := out[r*d : (r+1)*d]
		for j, g := range gate {
			or[j] = hr[j] + g*yr[j]
		}
	}
}

// GatedResidualBackward is the backward of GatedResidualForward. The
// residual stream's own gradient passes through unchanged (dh stays as is).
//
//	dy (n, d): set to gate * dh
//	dgate (d) += sum over rows of dh * y
//	dh (n, d), y (n, d), gate (d)
func GatedResidualBackward[T cpu.Float](dy, dgate, dh, y, gate []T, d int) {
	gate, dgate = gate[:d], dgate[:d]
	for r := 0; r < len(y)/d; r++ {
		gr := dh[r*d : (r+1)*d]
		yr := y[r*d : (r+1)*d]
		dyr := dy[r*d : (r+1)*d]
		for j, g := range gate {
			dyr[j] = g * gr[j]
			dgate[j] += gr[j] * yr[j]
		}
	}
}
