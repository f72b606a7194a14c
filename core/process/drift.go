package process

import (
	"fmt"

	"github.com/rdlm-go/rdlm/core/sphere"
)

// BridgeDrift writes gamma_t log_x(e_k) into dst: the drift of the bridge
// toward token k (rdlm-math.md section 3). dst may alias x.
func BridgeDrift[T sphere.Float](dst, x []T, token int, gamma float64) error {
	if token < 0 || token >= len(x)-1 {
		return fmt.Errorf("process: token %d out of range [0, %d)", token, len(x)-1)
	}
	sphere.LogVertex(dst, x, token)
	scale(dst, gamma)
	return nil
}

// GenerativeDrift writes b(x,t) = P_x(gamma_t sum_k p_k log_x(e_k)) into dst
// (rdlm-math.md section 5): the bridge drift averaged over the denoiser's
// probabilities p. p holds the K = V-1 token probabilities (the mask gets
// none); it may also have length V with p[V-1] = 0. The projection only
// removes rounding: each log_x(e_k) is tangent already. dst may alias x.
func GenerativeDrift[T sphere.Float](dst, x, p []T, gamma float64) error {
	if len(p) != len(x)-1 && len(p) != len(x) {
		return fmt.Errorf("process: %d probabilities for a position of %d coordinates (want %d)", len(p), len(x), len(x)-1)
	}
	sphere.SumLogVertices(dst, x, p)
	sphere.Project(dst, x, dst)
	scale(dst, gamma)
	return nil
}

func scale[T sphere.Float](v []T, f float64) {
	for i := range v {
		v[i] = T(f * float64(v[i]))
	}
}
