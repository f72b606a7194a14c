// Package objective holds the training losses of the trainer, each as a pair
// of steps around one network pass:
//
//	x, t := o.Corrupt(tokens, b, seed, step) // the network's inputs
//	logits := net.Forward(x, t)
//	loss := o.Loss(logits, tokens, dlogits)   // and d loss / d logits
//
// Three objectives share the DiT denoiser of core/model:
//
//   - "ce" (RDLM, the published one, rdlm-math.md section 6): per sequence a
//     time t, from the step importance density with weight Z/w(t) or uniform
//     with weight 1, a start type from the mixture, x_t drawn for every
//     position from the wrapped Gaussian of the x_t tables, and the loss
//     weight(t) * sum over positions of CE(logits, token), averaged over the
//     batch.
//   - "elbo" (RDLM): the same x_t, and the drift-matching NELBO integrand
//     weight(t) * sum_l |b_theta - gamma_t log_{x_t}(x_1)|^2 / (2 beta_t),
//     whose gradient flows through the softmax into the logits (elbo.go).
//   - "mdlm": masked (absorbing-state) discrete diffusion in the MDLM form,
//     the baseline on the same network (mdlm.go).
//
// Randomness is counter-based (core/rng): every draw is addressed by the
// seed, the training step, the sequence's row in the batch and the position,
// so that a resumed run draws exactly what an uninterrupted one would, and
// nothing depends on how work is split across goroutines.
package objective
