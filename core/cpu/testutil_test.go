package cpu

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/rdlm-go/rdlm/core/rng"
	"github.com/rdlm-go/rdlm/internal/testutil"
)

// randSlice fills a fresh slice with standard normals from a fixed stream.
func randSlice(n int, stream uint64) []float32 {
	s := rng.NewStream(20250216, stream)
	x := make([]float32, n)
	for i := range x {
		x[i] = float32(s.Normal())
	}
	return x
}

// toF64 widens a float32 result for comparison with a float64 reference.
var toF64 = testutil.ToF64[float32]

func absF32(x []float32) []float32 {
	y := make([]float32, len(x))
	for i, v := range x {
		y[i] = max(v, -v)
	}
	return y
}

// withKernels runs f with the named kernel set active, then restores the
// previous one.
func withKernels(t testing.TB, name string, f func()) {
	t.Helper()
	prev, err := SetKernels(name)
	require.NoError(t, err)
	defer SetKernels(prev)
	f()
}

// withThreads runs f with n threads, then restores the previous setting.
func withThreads(n int, f func()) {
	prev := threadsOverride.Load()
	threadsOverride.Store(int32(n))
	defer threadsOverride.Store(prev)
	f()
}
