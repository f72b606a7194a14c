package model

import (
	"math"
	"unsafe"

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
		modulate4(out[r*d:(r+4)*d], x0, x1, x2, x3, s0, s1, s2, s3, w, shift, scale, d)
	}
	if r < n {
		nn.LayerNormModulateForward(out[r*d:n*d], nil, nil, x[r*d:n*d], w, shift, scale, d)
	}
}

// modulate4 finishes the layer norm of four rows x0..x3 from their sums
// s0..s3: the means, the sums of squared deviations (each row in
// nn.LayerNormModulateForward's order, four rows per pass over j so the four
// float adds overlap instead of waiting on each other), then the modulated
// rows into out (4, d).
func modulate4[T cpu.Float](out, x0, x1, x2, x3 []T, s0, s1, s2, s3 T, w, shift, scale []T, d int) {
	x1, x2, x3 = x1[:len(x0)], x2[:len(x0)], x3[:len(x0)]
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
	modulateRow(out[:d], x0, w, shift, scale, m0, q0, d)
	modulateRow(out[d:2*d], x1, w, shift, scale, m1, q1, d)
	modulateRow(out[2*d:3*d], x2, w, shift, scale, m2, q2, d)
	modulateRow(out[3*d:4*d], x3, w, shift, scale, m3, q3, d)
}

// modulateRow writes one row of nn.LayerNormModulateForward from its mean m
// and its sum of squared deviations ss. The row is elementwise, so where
// core/cpu runs AVX-512 (cpu.VecMath) float32 rows take 16 lanes at a
// time, each rounding as the loop below does (TestLayerNormRowsIsNN runs
// both).
func modulateRow[T cpu.Float](or, xr, w, shift, scale []T, m, ss T, d int) {
	rs := T(1 / math.Sqrt(float64(ss/T(d))+nn.LayerNormEps))
	or = or[:len(xr)]
	w, shift, scale = w[:len(xr)], shift[:len(xr)], scale[:len(xr)]
	j0 := 0
	var z T
	if n := len(xr) &^ 15; haveModulateAsm && unsafe.Sizeof(z) == 4 && n > 0 && vecModulate() {
		modulateRowAVX512(&f32(or)[0], &f32(xr)[0], &f32(w)[0], &f32(shift)[0], &f32(scale)[0], n, float32(m), float32(rs))
		j0 = n
	}
	for j := j0; j < len(xr); j++ {
		or[j] = ((xr[j]-m)*rs*w[j])*(1+scale[j]) + shift[j]
	}
}

// vecModulate says whether modulateRow takes its AVX-512 loop; a variable so
// that a test can run the Go loop on the same machine.
var vecModulate = cpu.VecMath

// residualLayerNormRows is nn.GatedResidualForward, hOut = hIn + gate y,
// then layerNormModulateRows of hOut into out, bit for bit, in one call:
// the residual row is elementwise (16 lanes where modulateRow takes them),
// the layer norm's sums stay sequential per row, four rows per pass.
// Without the vector kernel the residual's pass is folded into the layer
// norm's first one instead.
//
//	out, hOut, hIn, y (n, d): hOut may alias hIn;  gate, w, shift, scale (d)
func residualLayerNormRows[T cpu.Float](out, hOut, hIn, y, gate, w, shift, scale []T, d int) {
	n := len(y) / d
	gate = gate[:d]
	var z T
	if nv := d &^ 15; haveModulateAsm && unsafe.Sizeof(z) == 4 && nv > 0 && vecModulate() {
		for r := 0; r < n; r++ {
			o, h, yr := hOut[r*d:(r+1)*d], hIn[r*d:(r+1)*d], y[r*d:(r+1)*d]
			residualRowAVX512(&f32(o)[0], &f32(h)[0], &f32(yr)[0], &f32(gate)[0], nv)
			for j := nv; j < d; j++ {
				o[j] = h[j] + gate[j]*yr[j]
			}
		}
		layerNormModulateRows(out[:n*d], hOut[:n*d], w, shift, scale, d)
		return
	}
	residualLayerNormRowsGo(out, hOut, hIn, y, gate, w, shift, scale, d)
}

// residualLayerNormRowsGo is residualLayerNormRows in Go, with the
// residual's pass folded into the layer norm's first one.
func residualLayerNormRowsGo[T cpu.Float](out, hOut, hIn, y, gate, w, shift, scale []T, d int) {
	n := len(y) / d
	gate, w, shift, scale = gate[:d], w[:d], shift[:d], scale[:d]
	r := 0
	for ; r+4 <= n; r += 4 {
		h0, h1, h2, h3 := hIn[r*d : (r+1)*d][:d], hIn[(r+1)*d : (r+2)*d][:d], hIn[(r+2)*d : (r+3)*d][:d], hIn[(r+3)*d : (r+4)*d][:d]
		o0, o1, o2, o3 := hOut[r*d : (r+1)*d][:d], hOut[(r+1)*d : (r+2)*d][:d], hOut[(r+2)*d : (r+3)*d][:d], hOut[(r+3)*d : (r+4)*d][:d]
		y0, y1, y2, y3 := y[r*d : (r+1)*d][:d], y[(r+1)*d : (r+2)*d][:d], y[(r+2)*d : (r+3)*d][:d], y[(r+3)*d : (r+4)*d][:d]
		var s0, s1, s2, s3 T
		for j, g := range gate {
			v0 := h0[j] + g*y0[j]
			v1 := h1[j] + g*y1[j]
			v2 := h2[j] + g*y2[j]
			v3 := h3[j] + g*y3[j]
			o0[j], o1[j], o2[j], o3[j] = v0, v1, v2, v3
			s0 += v0
			s1 += v1
			s2 += v2
			s3 += v3
		}
		modulate4(out[r*d:(r+4)*d], o0, o1, o2, o3, s0, s1, s2, s3, w, shift, scale, d)
	}
	if r < n {
		nn.GatedResidualForward(hOut[r*d:n*d], hIn[r*d:n*d], y[r*d:n*d], gate, d)
		nn.LayerNormModulateForward(out[r*d:n*d], nil, nil, hOut[r*d:n*d], w, shift, scale, d)
	}
}
