package nn

import (
	"math"

	"github.com/rdlm-go/rdlm/core/cpu"
)

// Softmax writes softmax(z) into p (same length) and returns the index of the
// largest logit (the first, on ties). The sums run in float64, so a float32
// p keeps the small probabilities of near-certain predictions, and p may be z
// itself when the types match (the maximum is found before anything is
// written). Attention keeps its own scaled, fast-exp row softmax.
func Softmax[P, Z cpu.Float](p []P, z []Z) int {
	top, m := 0, math.Inf(-1)
	for k, v := range z {
		if f := float64(v); f > m {
			top, m = k, f
		}
	}
	var s float64
	for i, v := range z {
		e := math.Exp(float64(v) - m)
		p[i] = P(e)
		s += e
	}
	inv := 1 / s
	for i := range p {
		p[i] = P(float64(p[i]) * inv)
	}
	return top
}

// LogSumExp is log sum_i exp(z_i), shifted by the maximum for stability.
func LogSumExp[Z cpu.Float](z []Z) float64 {
	m := math.Inf(-1)
	for _, v := range z {
		m = max(m, float64(v))
	}
	var s float64
	for _, v := range z {
		s += math.Exp(float64(v) - m)
	}
	return m + math.Log(s)
}
