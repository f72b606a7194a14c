// Package sampler generates sequences on the CPU, driving any denoiser (the
// CPU network, the WebGPU engine's Forward) through model.Denoiser.
//
// Sampler is the CPU's geodesic random walk: it implements core/walk's
// contract (walk.Walker), which says what a step is, the time grids, the
// start points, conditioning and the randomness layout, with both step
// rules (euler, exact). Each step runs the network on the host, turns its
// logits into p_theta, and moves every free position with
// process.GenerativeDrift and process.GRWStep, one Philox stream per
// position.
//
// Ancestral and Masked are the baselines' samplers, for the autoregressive
// model and the masked-diffusion one (MDLM), with the same hold patterns
// and the same rule that a sequence's text depends only on the seed and
// its index.
package sampler
