// Package eval estimates how well a model explains held-out text: the
// negative evidence lower bound (NELBO) of each sequence, reported as bits per
// character (BPC = NELBO / L / ln 2), with an honest standard error.
//
// # RDLM (rdlm-math.md section 7)
//
// For each sequence one time t = (1-1e-4) U is drawn. Every position's x_t is
// a draw of the bridge toward its token, simulated by a geodesic random walk
// of BridgeSteps (default 500) steps of t/BridgeSteps with the drift taken at
// the start of each step, starting at the uniform point u when t < step_thr
// and at the mask vertex e_m otherwise (the model's own step_thr; all
// positions of a sequence share the start). The network's probabilities at
// (x_t, t) give the generative drift, and the sequence's NELBO is the sum over
// positions of |b_theta - gamma_t log_{x_t}(x_1)|^2 / (2 beta_t). There is no
// prior or reconstruction term. This is the reference's estimator, not the
// x_t-table approximation used in training (no table-based variant exists
// here; Result.Estimator names what was used, e.g. "simulated-bridge-500").
//
// # MDLM (the masked-diffusion baseline)
//
// For a model of family "mdlm" the continuous-time NELBO with the log-linear
// schedule, corrupted exactly as the trainer does (package objective): per
// sequence a network time t = (1-1e-4) U and masking probability s = 1 - t;
// each position is masked independently with probability s; the NELBO is
// (1/s) times the sum of the cross-entropies at the masked positions. The
// network sees a masked position as the zero vector (the mask vertex with its
// coordinate dropped) and an unmasked one as its one-hot token. Both families
// are reported in the same units on the same split.
//
// # Randomness and parallelism
//
// Every draw comes from core/rng streams named by (seed repetition, sequence
// index in the split, position), never by batch or worker, so a seed gives the
// same figures for any batch size, any worker count and any MaxSequences
// subset that contains the sequence. The draws do not depend on the model
// either, so two models (or two checkpoints of one run) scored with the same
// seed share their times, bridge noise and masks: their difference is
// measured with common random numbers, far less noisy than either figure.
// Bridge simulations and per-position losses run in parallel through
// core/nn's worker pool; per-position results are summed in a fixed order
// afterwards. After New, evaluating a batch
// allocates nothing.
//
// # Statistics
//
// Result.StdErr is the standard error over sequences: the sample standard
// deviation of the per-sequence NELBO (each averaged over the seeds) divided
// by sqrt(N). It treats the sequences as draws from the data distribution, so
// it covers both the Monte Carlo noise (t, x_t, masks) and the variation
// between sequences; it is the error of the figure as an estimate of the
// corpus's BPC. Result.StdErrSeeds, defined for two or more seeds, is the
// standard deviation of the per-seed means divided by sqrt(seeds): the Monte
// Carlo error alone, for this fixed set of sequences. An error that cannot be
// estimated (one sequence, one seed) is NaN.
package eval
