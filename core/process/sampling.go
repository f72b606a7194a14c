package process

import (
	"fmt"

	"github.com/rdlm-go/rdlm/core/sphere"
)

// SamplingEps keeps the last sampling time below 1, where gamma is infinite.
const SamplingEps = 1e-5

// SamplingGrid fills dst with the sampler's times linspace(0, 1-SamplingEps,
// S+1), S = len(dst)-1 steps, and returns the step dt = (1-SamplingEps)/S.
// Step i runs from dst[i] with the drift evaluated there (rdlm-math.md
// section 8); dst[S] is the time at which the result is decoded.
func SamplingGrid(dst []float64) (dt float64, err error) {
	s := len(dst) - 1
	if s < 1 {
		return 0, fmt.Errorf("process: sampling needs at least one step, got %d", s)
	}
	dt = (1 - SamplingEps) / float64(s)
	for i := range dst {
		// i/S scaled, rather than i*dt, so that the last point is exact.
		dst[i] = (1 - SamplingEps) * float64(i) / float64(s)
	}
	return dt, nil
}

// Decode returns the token a position decodes to: back to the simplex (clamp
// at 0, renormalise, square), drop the mask coordinate, argmax. Clamping and
// squaring keep the order of positive coordinates, so this is the first index
// of the largest positive token coordinate, and token 0 when no token
// coordinate is positive (as the reference's argmax gives).
func Decode[T sphere.Float](x []T) int {
	best, bestV := 0, T(0)
	for i := 0; i < len(x)-1; i++ {
		if x[i] > bestV {
			best, bestV = i, x[i]
		}
	}
	return best
}

// DecodeRows decodes len(dst) positions of v coordinates each from x
// (L, V), row-major.
func DecodeRows[T sphere.Float](dst []int, x []T, v int) error {
	if v < 2 || len(x) != len(dst)*v {
		return fmt.Errorf("process: %d coordinates do not hold %d positions of %d", len(x), len(dst), v)
	}
	for l := range dst {
		dst[l] = Decode(x[l*v : (l+1)*v])
	}
	return nil
}
