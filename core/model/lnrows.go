package model

import (
	"math"

	"github.com/rdlm-go/rdlm/core/cpu"
	"github.com/rdlm-go/rdlm/core/nn"
)

// layerNormModulateRows is nn.LayerNormModulateForward at inference (no
// statistics kept), bit for bit, four rows at a time. A row's mean and
// variance are sequential sums over its d values, each add waiting on the
// one before; a row at a time, the layer norms were latency-bound and an
// eighth of a walk of the built-in model. Four rows give four independent
// chains per pass, each summed in the same order as before
// (TestLayerNormRowsIsNN).
//
//	out (n, d), x (n, d), w (d), shift (d), scale (d)
func layerNormModulateRows[T cpu.Float](out, x, w, shift, scale []T, d int) {
	n := len(x) / d
	w, shift, scale = w[:d], shift[:d], scale[:d]
	r := 0
	for ; r+4 <= n; r += 4 {
		x0 := x[r*d : (r+1)*d]
		x1 := x[(r+1)*d : (r+2)*d][:len(x0)]
		x2 := x[(r+2)*d : (r+3)*d][:len(x0)]
		x3 := x[(r+3)*d : (r+4)*d][:len(x0)]
		var s0, s1, s2, s3 T
		for j, v := range x0 {
			s0 += v
			s1 += x1[j]
			s2 += x2[j]
			s3 += x3[j]
		}
		m0, m1, m2, m3 := s0/T(d), s1/T(d), s2/T(d), s3/T(d)
		var q0, q1, q2, q3 T
		for j, v := range x0 {
			c0 := v - m0
			q0 += c0 * c0
			c1 := x1[j] - m1
			q1 += c1 * c1
			c2 := x2[j] - m2
			q2 += c2 * c2
			c3 := x3[j] - m3
			q3 += c3 * c3
		}
		modulateRow(out[r*d:(r+1)*d], x0, w, shift, scale, m0, q0, d)
		modulateRow(out[(r+1)*d:(r+2)*d], x1, w, shift, scale, m1, q1, d)
		modulateRow(out[(r+2)*d:(r+3)*d], x2, w, shift, scale, m2, q2, d)
		modulateRow(out[(r+3)*d:(r+4)*d], x3, w, shift, scale, m3, q3, d)
	}
	if r < n {
		nn.LayerNormModulateForward(out[r*d:n*d], nil, nil, x[r*d:n*d], w, shift, scale, d)
	}
}

// modulateRow writes one row of nn.LayerNormModulateForward from its mean m
// and its sum of squared deviations ss.
func modulateRow[T cpu.Float](or, xr, w, shift, scale []T, m, ss T, d int) {
	rs := T(1 / math.Sqrt(float64(ss/T(d))+nn.LayerNormEps))
	or = or[:len(xr)]
	w, shift, scale = w[:len(xr)], shift[:len(xr)], scale[:len(xr)]
	for j, v := range xr {
		or[j] = ((v-m)*rs*w[j])*(1+scale[j]) + shift[j]
	}
}
