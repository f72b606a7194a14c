// Package walk is the contract of the geodesic random walk (rdlm-math.md
// section 8) that every backend implements: the CPU sampler (core/sampler)
// and the device walk (core/gpu). It owns what the two must agree on, so
// that a seed gives the same text on either:
//
//   - the settings of a walk (Config): its sizes, the model's schedule and
//     mixture and the step rule;
//   - the time grid (Times) and the start points (StartPoints);
//   - conditioning: hold patterns, the prompts and templates that make
//     them, and their validation (SetHold);
//   - what an observer sees per step (StepInfo);
//   - the randomness layout (BlocksPerStep, Noise), below.
//
// Walker is the interface both backends satisfy; core/generate drives it.
//
// # The walk
//
// A run of S steps walks every position of a batch of sequences from the
// generation start (u when the model's step_thr > 0, e_m otherwise) along
// the time grid t_0 = 0 < ... < t_S = 1-1e-5. Step i, at t = t_i:
//
//  1. the network sees x with the mask coordinate dropped, (n, L, K), and t_i;
//  2. p = softmax(logits) per position;
//  3. drift b = P_x(gamma_t sum_k p_k log_x(e_k)) (process.GenerativeDrift);
//  4. x <- exp_x(sqrt(beta_t h) z + b h), z ~ N(0, I_V), h = t_(i+1) - t_i
//     (process.GRWStep). That is RuleEuler, the reference's; RuleExact
//     changes how step 4 is taken.
//
// After the last step each position decodes to a token (clamp, renormalise,
// square, drop the mask, argmax: process.Decode).
//
// # Conditioning
//
// A hold pattern (one entry per position, Free or a token id) pins positions
// to their vertex: they start there, the network sees the vertex at every step,
// and the walk never moves them. A prompt is a hold pattern that fixes a
// prefix; a template ("to be or ___ to be") fixes every position but the
// blanks. This goes beyond the reference, which generates unconditionally.
//
// # Randomness: the layout every backend must reproduce
//
// The noise of one (sequence, position, step) comes from its own Philox4x32-10
// block range (core/rng), so a seed gives the same text whatever the batch
// split, the number of threads or the device. With V = K+1 coordinates, each
// step spends W = 2*ceil(V/2) words (Box-Muller takes words in pairs) in
// B = ceil(W/4) blocks (BlocksPerStep). For
// global sequence index n (the sample's number, not its slot in the batch),
// position l and step i (0-based):
//
//	key     = (seed & 0xffffffff, seed >> 32)
//	counter = (i*B + j, 0, l, n)        for block j = 0..B-1
//
// that is, rng.Block(seed, n<<32 | l, i*B + j) (Noise). Words are consumed in
// block order, four per block (c0, c1, c2, c3); consecutive words (w0, w1)
// make the Box-Muller pair for coordinates (2m, 2m+1):
//
//	r = sqrt(-2 ln((w0 + 0.5) / 2^32)), a = 2 pi (w1 + 0.5) / 2^32
//	z_2m = r cos a, z_2m+1 = r sin a   (z_V dropped when V is odd)
//
// Held positions draw nothing; since every position owns its stream, holding
// one never changes the noise of another.
package walk
