//go:build !amd64

package cpu

// Other architectures (and js/wasm) have no vector elementwise kernels;
// VecMath is false and the Go loops of elementwise.go run.
const hasVecMath = false

func expVec(dst, src []float32)                        { panic("cpu: no vector kernels") }
func geluVec(y, x []float32)                           { panic("cpu: no vector kernels") }
func geluBackwardVec(dx, dy, x []float32)              { panic("cpu: no vector kernels") }
func softmaxScaledVec(s []float32, scale float32)      { panic("cpu: no vector kernels") }
func softmaxBackwardVec(g, p []float32, scale float32) { panic("cpu: no vector kernels") }
