package optim

import "math"

// ClipEps is PyTorch's clip_grad_norm_ guard: the factor is
// maxNorm/(norm+ClipEps). The WebGPU trainer's clip kernel gets it from here.
const ClipEps = 1e-6

// GlobalNorm is the Euclidean norm of all gradients together, accumulated in
// float64 so that millions of small squares do not lose their low bits.
func GlobalNorm(grads []float32) float64 {
	var s float64
	for _, g := range grads {
		s += float64(g) * float64(g)
	}
	return math.Sqrt(s)
}

// ClipGlobalNorm scales grads so that their global norm is at most maxNorm
// and returns the norm before clipping. Like PyTorch's clip_grad_norm_, the
// factor is maxNorm/(norm+ClipEps), applied only when it is below 1. A maxNorm
// <= 0 disables clipping (the norm is still returned, for logging). A
// non-finite norm is returned as is and the gradients are left alone: the
// caller must skip that step rather than scale NaNs into the weights.
func ClipGlobalNorm(grads []float32, maxNorm float64) float64 {
	norm := GlobalNorm(grads)
	if maxNorm <= 0 || math.IsNaN(norm) || math.IsInf(norm, 0) {
		return norm
	}
	coef := maxNorm / (norm + ClipEps)
	if coef >= 1 {
		return norm
	}
	c := float32(coef)
	for i := range grads {
		grads[i] *= c
	}
	return norm
}
