package model

// Denoiser is the network p_theta as its callers (the sampler, the
// evaluator) see it: Forward writes the logits (n, L, K) of the points x
// (n, L, K), sphere points with the mask coordinate dropped, at the times t
// (n), one per sequence, n = len(t) up to the batch it was built for.
// Row-major, sequence-major: x[(s*L + l)*K + k].
//
// *Inference[float32] is one, and so is core/gpu's Engine. A sampler calls
// Forward once per step with the same backing arrays, so an implementation
// may keep device buffers bound to them.
type Denoiser interface {
	Forward(logits, x, t []float32) error
}

// DenoiserFunc adapts a function to Denoiser: stand-ins with known
// probabilities in tests, or a wrapper that adds a check to every call.
type DenoiserFunc func(logits, x, t []float32) error

// Forward calls f.
func (f DenoiserFunc) Forward(logits, x, t []float32) error { return f(logits, x, t) }
