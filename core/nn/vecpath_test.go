package nn

import (
	"math"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/rdlm-go/rdlm/core/cpu"
)

// scalarPath runs f with the vector elementwise kernels switched off (the
// portable kernel set), so that float32 takes the scalar loops of this
// package, then restores the kernel set.
func scalarPath(t *testing.T, f func()) {
	t.Helper()
	prev, err := cpu.SetKernels("go")
	require.NoError(t, err)
	defer func() { _, _ = cpu.SetKernels(prev) }()
	require.False(t, cpu.VecMath())
	f()
}

func randn32(seed uint64, n int, sd float64) []float32 {
	x := randn(seed, n)
	y := make([]float32, n)
	for i, v := range x {
		y[i] = float32(v * sd)
	}
	return y
}

func requireClose32(t *testing.T, want, got []float32, rel, abs float64, what string) {
	t.Helper()
	require.Len(t, got, len(want))
	for i := range want {
		d := math.Abs(float64(got[i]) - float64(want[i]))
		require.LessOrEqualf(t, d, rel*math.Abs(float64(want[i]))+abs, "%s[%d]: %v, scalar %v", what, i, got[i], want[i])
	}
}

// The float32 GELU on the vector path equals the scalar float32 path to a
// few ulp, on odd lengths (every tail size) and unaligned slices.
func TestGeluVectorMatchesScalar(t *testing.T) {
	if !cpu.VecMath() {
		t.Skip("no vector kernels on this CPU")
	}
	for n := 1; n <= 50; n++ {
		for off := 0; off < 3; off++ {
			x := randn32(uint64(n), n+off, 3)[off:]
			dy := randn32(uint64(n)+100, n+off, 1)[off:]
			y, dx := make([]float32, n), make([]float32, n)
			GeluForward(y, x)
			GeluBackward(dx, dy, x)
			ys, dxs := make([]float32, n), make([]float32, n)
			scalarPath(t, func() {
				GeluForward(ys, x)
				GeluBackward(dxs, dy, x)
			})
			requireClose32(t, ys, y, 4e-6, 1e-7, "gelu")
			requireClose32(t, dxs, dx, 4e-6, 1e-7, "gelu'")
		}
	}
}

// Attention forward and backward in float32, vector against scalar softmax
// rows, at a length that leaves a tail (37) and for the causal rows (every
// row length 1..37).
func TestAttentionVectorMatchesScalar(t *testing.T) {
	if !cpu.VecMath() {
		t.Skip("no vector kernels on this CPU")
	}
	const l, hd = 37, 8
	for _, causal := range []bool{false, true} {
		q, k, v, dout := randn32(1, l*hd, 2), randn32(2, l*hd, 2), randn32(3, l*hd, 1), randn32(4, l*hd, 1)
		run := func() (out, probs, dq, dk, dv []float32) {
			out, probs = make([]float32, l*hd), make([]float32, l*l)
			dq, dk, dv = make([]float32, l*hd), make([]float32, l*hd), make([]float32, l*hd)
			AttentionForward(out, probs, q, k, v, l, hd, causal)
			AttentionBackward(dq, dk, dv, make([]float32, l*l), dout, probs, q, k, v, l, hd)
			return
		}
		out, probs, dq, dk, dv := run()
		var ref [5][]float32
		scalarPath(t, func() { ref[0], ref[1], ref[2], ref[3], ref[4] = run() })
		requireClose32(t, ref[0], out, 1e-5, 1e-6, "out")
		requireClose32(t, ref[1], probs, 1e-5, 1e-7, "probs")
		requireClose32(t, ref[2], dq, 1e-4, 1e-5, "dq")
		requireClose32(t, ref[3], dk, 1e-4, 1e-5, "dk")
		requireClose32(t, ref[4], dv, 1e-5, 1e-6, "dv")
	}
}
