package nn

import (
	"math"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestExpApprox(t *testing.T) {
	worst := 0.0
	for x := -103.0; x <= 88.7; x += 0.001237 {
		want := math.Exp(x)
		worst = math.Max(worst, math.Abs(expApprox(x)-want)/want)
	}
	t.Logf("max relative error on [-103, 88.7]: %.2e", worst)
	require.Less(t, worst, 1e-8)
	require.Equal(t, 0.0, expApprox(-1e4))
	require.Equal(t, 1.0, expApprox(0))
	require.False(t, math.IsInf(expApprox(1e4), 0))
	require.Equal(t, float32(math.Exp(-3)), expT(float32(-3)))
}
