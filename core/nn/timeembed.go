package nn

import (
	"math"

	"github.com/rdlm-go/rdlm/core/cpu"
)

// TimeEmbedding is the sinusoidal embedding of the diffusion time:
// e = [cos(t f_j), sin(t f_j)], f_j = exp(-ln(10000) j / half), j < half,
// half = dim/2. t is raw, in [0, 1). Each step rounds to T as the reference's
// float32 code does. It has no backward: t is an input, not a parameter.
//
//	e (len(t), dim), t (batch)
func TimeEmbedding[T cpu.Float](e, t []T, dim int) {
	half := dim / 2
	for j := 0; j < half; j++ {
		a := T(-math.Log(10000)) * T(j) / T(half)
		f := T(math.Exp(float64(a)))
		for b, tb := range t {
			arg := float64(tb * f)
			e[b*dim+j] = T(math.Cos(arg))
			e[b*dim+half+j] = T(math.Sin(arg))
		}
	}
}
