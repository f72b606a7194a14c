package nn

import (
	"math"

	"github.com/rdlm-go/rdlm/core/cpu"
)

// AttentionForward is softmax attention for one head, bidirectional or,
// with causal, over positions up to the query's own:
//
//	probs = softmax(q k^T / sqrt(hd)) row by row;  out = probs v
//
// A causal row r keeps zeros at columns past r. AttentionBackward needs no
// causal flag: the softmax backward of a zero probability is zero.
//
//	out (l, hd), probs (l, l): kept for the backward (or scratch at inference)
//	q, k, v (l, hd)
func AttentionForward[T cpu.Float](out, probs, q, k, v []T, l, hd int, causal bool) {
	MatMulNT(probs, q, k, l, l, hd, false)
	scale := T(1 / math.Sqrt(float64(hd)))
	for r := 0; r < l; r++ {
		row := probs[r*l : (r+1)*l]
		if causal {
			softmaxScaledRow(row[:r+1], scale)
			clear(row[r+1:])
			continue
		}
		softmaxScaledRow(row, scale)
	}
	MatMulNN(out, probs, v, l, hd, l, false)
}

// softmaxScaledRow replaces the scores s by softmax(scale * s), in place;
// float32 runs core/cpu's vector kernel where it has one.
func softmaxScaledRow[T cpu.Float](s []T, scale T) {
	if s32, ok := asF32(s); ok && cpu.VecMath() {
		cpu.SoftmaxScaled(s32, float32(scale))
		return
	}
	m := s[0]
	for _, v := range s {
		m = max(m, v)
	}
	var sum T
	for i, v := range s {
		e := expT((v - m) * scale)
		s[i] = e
		sum += e
	}
	inv := 1 / sum
	for i := range s {
		s[i] *= inv
	}
}

// AttentionBackward is the backward of AttentionForward for one head.
//
//	dq, dk, dv (l, hd): overwritten
//	dscores (l, l): scratch
//	dout (l, hd), probs (l, l), q, k, v (l, hd)
func AttentionBackward[T cpu.Float](dq, dk, dv, dscores, dout, probs, q, k, v []T, l, hd int) {
	MatMulNT(dscores, dout, v, l, l, hd, false) // d probs
	MatMulTN(dv, probs, dout, l, hd, l, false)
	scale := T(1 / math.Sqrt(float64(hd)))
	// Softmax backward, row by row: dS = P (dP - <dP, P>), times the scale
	// that multiplied the scores.
	p32, vec := asF32(probs)
	vec = vec && cpu.VecMath()
	g32, _ := asF32(dscores)
	for r := 0; r < l; r++ {
		if vec {
			cpu.SoftmaxBackward(g32[r*l:(r+1)*l], p32[r*l:(r+1)*l], float32(scale))
			continue
		}
		p := probs[r*l : (r+1)*l]
		g := dscores[r*l : (r+1)*l]
		g = g[:len(p)]
		var dot T
		for i, pv := range p {
			dot += pv * g[i]
		}
		for i, pv := range p {
			g[i] = pv * (g[i] - dot) * scale
		}
	}
	MatMulNN(dq, dscores, k, l, hd, l, false)
	MatMulTN(dk, dscores, q, l, hd, l, false)
}
