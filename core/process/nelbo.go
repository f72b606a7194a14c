package process

import (
	"fmt"

	"github.com/rdlm-go/rdlm/core/sphere"
)

// DriftLoss is the NELBO integrand of one position (rdlm-math.md section 7),
//
//	|b - gamma_t log_x(e_k)|^2 / (2 beta_t),
//
// for the model drift b at x = x_t and the data token k. Summed over the
// positions of a sequence and averaged over t ~ U[0, 1-1e-4) and x_t, it is
// the sequence's NELBO in nats. It is also the "elbo" training loss before the
// time weight. The bridge drift is formed coordinate by coordinate, so nothing
// is allocated.
func DriftLoss[T sphere.Float](b, x []T, token int, gamma, beta float64) (float64, error) {
	if len(b) != len(x) {
		return 0, fmt.Errorf("process: drift has %d coordinates, x has %d", len(b), len(x))
	}
	if token < 0 || token >= len(x)-1 {
		return 0, fmt.Errorf("process: token %d out of range [0, %d)", token, len(x)-1)
	}
	if !(beta > 0) {
		return 0, fmt.Errorf("process: beta %v must be > 0", beta)
	}
	c, f := sphere.LogCoefficients(float64(x[token]))
	var s float64
	for i := range x {
		target := -gamma * f * c * float64(x[i])
		if i == token {
			target += gamma * f
		}
		d := float64(b[i]) - target
		s += d * d
	}
	return s / (2 * beta), nil
}
