package model

import (
	"fmt"
	"math"
)

// sphereSlack is how far past 1 the squared norm of a position's
// coordinates may be: float32 rounding of a unit vector, with room to
// spare, and nothing like a point off the sphere.
const sphereSlack = 1e-3

// CheckInput checks a network input that comes from a user (rdlm forward,
// or any caller handing the network points it did not compute itself), so
// that every command refuses the same things: more positions than the
// model's length (which sample refuses too); coordinates that are not
// finite; positions that are not points of the unit sphere with the mask
// coordinate dropped, whose squares sum to at most 1 (an input of 3e38
// would otherwise come out as NaN logits); and times outside [0, 1).
//
//	x (b, length, K), t (b)
func (c Config) CheckInput(x, t []float32, length int) error {
	K := c.Vocab
	switch {
	case length > c.Length:
		return fmt.Errorf("length %d is longer than the model's %d positions", length, c.Length)
	case len(t) == 0 || len(x) != len(t)*length*K:
		return fmt.Errorf("x has %d values, want %d sequences x %d positions x %d = %d", len(x), len(t), length, K, len(t)*length*K)
	}
	for p := 0; p < len(x)/K; p++ {
		var n float64
		for k, v := range x[p*K : (p+1)*K] {
			f := float64(v)
			if math.IsNaN(f) || math.IsInf(f, 0) {
				return fmt.Errorf("tensor \"x\" element %d is %g", p*K+k, v)
			}
			n += f * f
		}
		if n > 1+sphereSlack {
			return fmt.Errorf("tensor \"x\" at sequence %d, position %d has squared norm %.6g: not a point of the unit sphere (its %d coordinates, the mask one dropped, have squares summing to at most 1)",
				p/length, p%length, n, K)
		}
	}
	for i, v := range t {
		if !(v >= 0 && v < 1) {
			return fmt.Errorf("t[%d] = %g is outside [0, 1), the diffusion's time range", i, v)
		}
	}
	return nil
}
