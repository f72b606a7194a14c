package nn

import (
	"math"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestSoftmaxAndLogSumExp(t *testing.T) {
	z := []float32{1, 3, -2, 3, 0.5}
	p := make([]float64, len(z))
	top := Softmax(p, z)
	require.Equal(t, 1, top, "first of the tied maxima")
	lse := LogSumExp(z)
	var sum float64
	for i := range p {
		require.InDelta(t, math.Exp(float64(z[i])-lse), p[i], 1e-15)
		sum += p[i]
	}
	require.InDelta(t, 1, sum, 1e-15)

	// In place, and stable for huge logits.
	big := []float32{1000, 1000 - 30, -1000}
	require.Equal(t, 0, Softmax(big, big))
	require.InDelta(t, 1, float64(big[0]), 1e-12)
	require.InDelta(t, math.Exp(-30), float64(big[1]), 1e-20, "small probabilities survive in float32")
	require.Equal(t, float32(0), big[2])
	require.InDelta(t, 1000+math.Log(1+math.Exp(-30)), LogSumExp([]float64{1000, 970, -1000}), 1e-12)
}
