package walk

import (
	"math"
	"testing"

	"github.com/rdlm-go/rdlm/core/process"
	"github.com/stretchr/testify/require"
)

// The focus grid runs from 0 to the uniform grid's end, increases, and is
// densest in the middle: its middle step is (1-c) times a uniform one, its
// first (1+c) times, to first order.
func TestFocusGrid(t *testing.T) {
	const n = 64
	tm, err := NewTimes(Config{Steps: n, Grid: GridFocus})
	require.NoError(t, err)
	g := tm.T
	top := 1 - process.SamplingEps
	require.Equal(t, 0.0, g[0])
	require.Equal(t, top, g[n])
	for i := 1; i <= n; i++ {
		require.Greater(t, g[i], g[i-1])
		require.Equal(t, g[i]-g[i-1], tm.Step(i-1))
	}
	h := top / n
	require.InEpsilon(t, (1-FocusStrength)*h, g[n/2+1]-g[n/2], 0.02)
	require.InEpsilon(t, (1+FocusStrength)*h, g[1]-g[0], 0.02)
	require.Less(t, math.Abs(g[n/2]-top/2), 1e-12)
}

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
	// text8: V = 28 coordinates, 28 words in 7 blocks; the bridge one more.
	require.Equal(t, uint64(7), BlocksPerStep(27, RuleEuler))
	require.Equal(t, uint64(8), BlocksPerStep(27, RuleBridge))
	// V = 3: 4 words, one block.
	require.Equal(t, uint64(1), BlocksPerStep(2, RuleExact))
	require.Equal(t, uint64(14), StepBlock(2, 7))
	require.Equal(t, uint64(20), EndpointBlock(2, 7))
}
