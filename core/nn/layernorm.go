package nn

import (
	"math"

	"github.com/rdlm-go/rdlm/core/cpu"
)

// LayerNormEps is the reference's layer norm epsilon (PyTorch's default);
// the WGSL kernel gets it from here.
const LayerNormEps = 1e-5

// LayerNormModulateForward is the reference's LayerNorm (no bias, learnable
// weight) fused with the adaLN modulation of the same rows:
//
//	out = (xhat * w) * (1 + scale) + shift,  xhat = (x - mean) / sqrt(var + eps)
//
// with one (shift, scale) pair for all the rows (they belong to one sequence).
// Fusing saves a full pass over the rows; the order of the products follows
// the reference so float32 results round the same way.
//
//	out (n, d), x (n, d), w (d), shift (d), scale (d)
//	mean, rstd (n): saved for the backward; nil at inference
func LayerNormModulateForward[T cpu.Float](out, mean, rstd, x, w, shift, scale []T, d int) {
	n := len(x) / d
	w, shift, scale = w[:d], shift[:d], scale[:d]
	for r := 0; r < n; r++ {
		xr := x[r*d : (r+1)*d]
		or := out[r*d : (r+1)*d]
		var s T
		for _, v := range xr {
			s += v
		}
		m := s / T(d)
		var ss T
		for _, v := range xr {
			c := v - m
			ss += c * c
		}
		rs := T(1 / math.Sqrt(float64(ss/T(d))+LayerNormEps))
		for j, v := range xr {
			or[j] = ((v-m)*rs*w[j])*(1+scale[j]) + shift[j]
		}
		if mean != nil {
			mean[r], rstd[r] = m, rs
		}
	}
}

// LayerNormModulateBackward is the backward of LayerNormModulateForward.
//
//	dx (n, d) += the input gradient (it adds onto the residual stream's gradient)
//	dw (d) += sum over rows of dout (1+scale) xhat
//	dshift (d) += sum over rows of dout;  dscale (d) += sum over rows of dout xhat w
//	dout (n, d), x (n, d), mean, rstd (n), w (d), scale (d)
func LayerNormModulateBackward[T cpu.Float](dx, dw, dshift, dscale, dout, x, mean, rstd, w, scale []T, d int) {
	n := len(x) / d
	w, scale = w[:d], scale[:d]
	dw, dshift, dscale = dw[:d], dshift[:d], dscale[:d]
	for r := 0; r < n; r++ {
		xr := x[r*d : (r+1)*d]
		gr := dout[r*d : (r+1)*d]
		dxr := dx[r*d : (r+1)*d]
		m, rs := mean[r], rstd[r]
		// dxhat = dout (1+scale) w; the input gradient needs its mean and
		// its mean against xhat.
		var sumG, sumGX T
		for j, v := range xr {
			xh := (v - m) * rs
			g := gr[j]
			gs := g * (1 + scale[j])
			dxh := gs * w[j]
			sumG += dxh
			sumGX += dxh * xh
			dw[j] += gs * xh
			dshift[j] += g
			dscale[j] += g * xh * w[j]
		}
		sumG /= T(d)
		sumGX /= T(d)
		for j, v := range xr {
			xh := (v - m) * rs
			dxh := gr[j] * (1 + scale[j]) * w[j]
			dxr[j] += (dxh - sumG - xh*sumGX) * rs
		}
	}
}
