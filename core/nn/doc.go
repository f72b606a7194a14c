// Package nn holds the operations of the denoiser network, one function per
// op with its forward and backward side by side, on flat row-major buffers
// with explicit dimensions (a shape comment on every argument).
//
// Every op is generic over cpu.Float: float32 runs the network, float64 runs
// the finite-difference gradient checks. Backward functions accumulate into
// parameter gradients (so that micro-batches add up) and say for each
// activation gradient whether they overwrite it or add to it.
//
// The ops are serial; the model splits work across cores with core/cpu's
// worker pool (cpu.For), by handing each worker a slice of rows, sequences or
// heads.
package nn
