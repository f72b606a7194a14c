// Package eval estimates how well a model explains held-out text: the
// negative evidence lower bound (NELBO) of each sequence, reported as bits per
// character (BPC = NELBO / L / ln 2), with an honest standard error.
//
// Two estimators share this machinery. The reference's (Options zero
// value, `rdlm eval --estimator reference`) draws one time per sequence and
// simulates x_t with a 500-step bridge, as the reference implementation
// does. The precise one (Precise, the CLI's default) scores every sequence
// at 16 stratified times of a proposal that is mostly uniform and partly
// uniform in log(1-t), weighted by 1/(T q(t)) so that the mean is unchanged,
// and simulates x_t with graded bridges that stay exact as t -> 1: the
// reference's uniform steps of t/500 put x_t at t = 0.9999 about 20 times
// farther from the vertex than the bridge does, where gamma_t ~ 1e4 turns
// the excess into thousands of bits per character. Its standard error on
// the 413 test sequences of Tiny Shakespeare is about 0.015 BPC.
//
// # RDLM (rdlm-math.md section 7)
//
// The reference estimator draws one time t = (1-1e-4) U per sequence. Every position's x_t is
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
// The precise estimator draws n times per sequence, t_j = Q((j + U_j)/n) for
// the proposal's quantile Q, one row per time. Each position's x_t at all of
// its sequence's times comes from one path per start (times below step_thr
// on a path from u, the rest on one from e_m), simulated on a grid of steps
// min(1/500, 0.05 (1-t)) by process.SimulateBridgeTimes, whose steps carry
// the bridge's exact pull and noise near the vertex. A row's NELBO is
// weighted by 1/(T q(t_j)); a sequence's estimate is the mean of its rows.
//
// # AR (the autoregressive baseline)
//
// The exact negative log-likelihood: one pass per sequence, the shifted
// input (model.EncodeShifted), the cross-entropy of every position.
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
// Carlo error alone, for this fixed set of sequences. With several times per
// sequence, Result.StdErrMC estimates that Monte Carlo error from one run:
// neighbouring strata are paired and each pair's squared difference bounds
// the two strata's variances (a conservative estimate). Result.MedianBPC is
// the median over sequences, to show when a mean is ruled by a few. An
// error that cannot be estimated (one sequence, one seed, one time) is NaN.
package eval
