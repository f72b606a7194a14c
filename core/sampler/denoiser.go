package sampler

// Denoiser is the network the walk asks for p_theta: it writes the logits
// (n, L, K) of the points x (n, L, K), which are sphere points with the mask
// coordinate dropped, at the times t (n), one per sequence, n = len(t).
// Row-major, sequence-major: x[(s*L + l)*K + k].
//
// The sampler calls Logits once per step with the same backing arrays, so an
// implementation may keep device buffers bound to them.
type Denoiser interface {
	Logits(logits, x, t []float32) error
}

// DenoiserFunc adapts a function to Denoiser. The CPU network's forward pass
// has exactly this shape: DenoiserFunc(inference.Forward) for a
// *model.Inference[float32].
type DenoiserFunc func(logits, x, t []float32) error

// Logits calls f.
func (f DenoiserFunc) Logits(logits, x, t []float32) error { return f(logits, x, t) }
