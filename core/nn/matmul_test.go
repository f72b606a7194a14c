package nn

import (
	"testing"

	"github.com/rdlm-go/rdlm/core/cpu"
	"github.com/stretchr/testify/require"
)

func TestMatMulDispatchFloat32(t *testing.T) {
	const m, n, k = 9, 11, 13
	a64, b64 := randn(1, m*k), randn(2, n*k)
	a32, b32 := make([]float32, m*k), make([]float32, n*k)
	for i := range a64 {
		a32[i] = float32(a64[i])
	}
	for i := range b64 {
		b32[i] = float32(b64[i])
	}
	c32 := make([]float32, m*n)
	MatMulNT(c32, a32, b32, m, n, k, false)
	want := make([]float32, m*n)
	cpu.MatMulNTRef(want, a32, b32, m, n, k, false)
	require.InDeltaSlice(t, want, c32, 1e-5)
	require.Zero(t, testing.AllocsPerRun(10, func() { MatMulNT(c32, a32, b32, m, n, k, false) }))
}
