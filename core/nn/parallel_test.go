package nn

import (
	"testing"

	"github.com/rdlm-go/rdlm/core/cpu"
	"github.com/stretchr/testify/require"
)

// sumBody adds i into per-worker partials and marks every index it visits.
type sumBody struct {
	partial []int
	seen    []int
}

func (s *sumBody) Run(worker, lo, hi int) {
	for i := lo; i < hi; i++ {
		s.partial[worker] += i
		s.seen[i]++
	}
}

func TestForCoversEveryIndexOnceWithoutAllocating(t *testing.T) {
	for _, n := range []int{1, 2, 3, 17, 1000} {
		b := &sumBody{partial: make([]int, Workers()), seen: make([]int, n)}
		For(n, b)
		total := 0
		for _, p := range b.partial {
			total += p
		}
		require.Equal(t, n*(n-1)/2, total, "n=%d", n)
		for i, c := range b.seen {
			require.Equal(t, 1, c, "index %d of %d visited %d times", i, n, c)
		}
	}
	b := &sumBody{partial: make([]int, Workers()), seen: make([]int, 64)}
	require.Zero(t, testing.AllocsPerRun(100, func() { For(64, b) }))
}

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
