//go:build !amd64

package cpu

// Other architectures (and js/wasm) run the portable Go kernels only.
func registerArchKernels() {}
