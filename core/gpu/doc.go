// Package gpu runs the denoiser's forward pass and the geodesic random walk
// as WebGPU compute shaders (the WGSL in package shaders), so that the same Go
// code samples in the browser and natively.
//
// Two layers:
//
//   - Driver is the small slice of WebGPU the engine needs: storage and
//     uniform buffers, compute pipelines with their bind groups, one command
//     stream at a time (dispatches and copies), and a blocking read-back. It
//     has two implementations split by build tag: js (syscall/js over
//     navigator.gpu, driver_js.go) and native (webgpu.h loaded at run time
//     through github.com/ebitengine/purego, native_*.go), so CGO_ENABLED=0
//     builds keep working and a missing library is an error, not a link
//     failure.
//   - Engine owns one model on one Driver: the weights uploaded once, every
//     activation buffer, pipeline and bind group created once, and a command
//     stream per forward pass or per sampling step (Engine.Forward makes it a
//     model.Denoiser; Walk runs the whole walk on the device).
//   - TrainEngine trains one model on one Driver: weights, gradient, AdamW
//     moments and EMA on the device in segments that fit a storage binding,
//     every activation the backward needs saved, and one command stream per
//     optimiser step (forward, cross-entropy and backward per micro-batch,
//     then the global norm, the clip and AdamW with the EMA fused). The host
//     writes the step's inputs and scalars and reads the loss and gradient
//     norm back only when it logs. model.Net with trainer/optim is its
//     reference; train.go's tests say by how much they differ.
//
// Both share device.go: the kernel cache, buffers and recorded command
// lists (dispatches and copies), replayed without allocating.
//
// Every kernel is tested against the CPU reference (core/nn, core/model,
// core/process) with stated error bounds; see kernels_test.go.
package gpu
