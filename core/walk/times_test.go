package walk

import (
	"testing"

	"github.com/rdlm-go/rdlm/core/process"
	"github.com/stretchr/testify/require"
)

// The uniform grid is process.SamplingGrid's, every step the same length.
func TestUniformGrid(t *testing.T) {
	tm, err := NewTimes(Config{Steps: 8})
	require.NoError(t, err)
	want := make([]float64, 9)
	dt, err := process.SamplingGrid(want)
	require.NoError(t, err)
	require.Equal(t, want, tm.T)
	for i := range 8 {
		require.Equal(t, dt, tm.Step(i))
	}
}

func TestBlocksPerStep(t *testing.T) {
	// text8: V = 28 coordinates, 28 words in 7 blocks.
	require.Equal(t, uint64(7), BlocksPerStep(27))
	// V = 3: 4 words, one block; V = 4 likewise; V = 5: 6 words, two.
	require.Equal(t, uint64(1), BlocksPerStep(2))
	require.Equal(t, uint64(1), BlocksPerStep(3))
	require.Equal(t, uint64(2), BlocksPerStep(4))
	require.Equal(t, uint64(14), StepBlock(2, 7))
}
