package process

import (
	"testing"

	"github.com/stretchr/testify/require"
)

func TestSamplingGrid(t *testing.T) {
	g := make([]float64, 257)
	dt, err := SamplingGrid(g)
	require.NoError(t, err)
	require.Equal(t, 0.0, g[0])
	require.Equal(t, 1-1e-5, g[256])
	require.InDelta(t, (1-1e-5)/256, dt, 1e-18)
	for i := 1; i < len(g); i++ {
		require.InDelta(t, dt, g[i]-g[i-1], 1e-15)
	}
	_, err = SamplingGrid(make([]float64, 1))
	require.ErrorContains(t, err, "at least one step")
}

func TestDecode(t *testing.T) {
	// The mask coordinate (last) never wins, however large.
	require.Equal(t, 2, Decode([]float64{0.1, -0.5, 0.3, 0.9}))
	// No positive token coordinate: token 0.
	require.Equal(t, 0, Decode([]float32{-0.1, -0.5, 0, 1}))
	require.Equal(t, 0, Decode([]float32{-0.1, -0.5, -0.2, -1}))
	// Ties go to the first index.
	require.Equal(t, 1, Decode([]float64{0.1, 0.5, 0.5, 0}))
	ids := make([]int, 2)
	require.NoError(t, DecodeRows(ids, []float64{0, 1, 0, 0, 1, 0, 0, 0}, 4))
	require.Equal(t, []int{1, 0}, ids)
	require.Error(t, DecodeRows(ids, []float64{0, 1, 0}, 4))
}
