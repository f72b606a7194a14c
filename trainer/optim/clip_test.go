package optim

import (
	"math"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestClipGlobalNorm(t *testing.T) {
	// norm 13 (3-4-12 triangle), clipped to 1: each scaled by 1/(13+1e-6).
	g := []float32{3, 4, 12}
	norm := ClipGlobalNorm(g, 1)
	require.InDelta(t, 13, norm, 1e-12)
	require.InDelta(t, 1, GlobalNorm(g), 1e-6)
	require.InDelta(t, 3.0/13, g[0], 1e-7)
	require.InDelta(t, 12.0/13, g[2], 1e-7)

	// Under the bound: untouched.
	g = []float32{0.3, 0.4}
	require.InDelta(t, 0.5, ClipGlobalNorm(g, 1), 1e-7)
	require.Equal(t, []float32{0.3, 0.4}, g)

	// maxNorm <= 0 disables clipping but still reports the norm.
	g = []float32{30, 40}
	require.InDelta(t, 50, ClipGlobalNorm(g, 0), 1e-12)
	require.Equal(t, []float32{30, 40}, g)

	// A NaN gradient is reported, not spread over the other gradients.
	g = []float32{1, float32(math.NaN()), 2}
	require.True(t, math.IsNaN(ClipGlobalNorm(g, 1)))
	require.Equal(t, float32(1), g[0])
	require.Equal(t, float32(2), g[2])
}

// Accumulating in float64 keeps the norm of a million equal small gradients
// within 1e-9 relative; a float32 running sum is off by 0.3% here.
func TestGlobalNormAccumulatesInFloat64(t *testing.T) {
	g := make([]float32, 1<<20)
	for i := range g {
		g[i] = 1e-3
	}
	want := math.Sqrt(float64(len(g))) * float64(float32(1e-3))
	require.InDelta(t, want, GlobalNorm(g), 1e-9*want)
}
