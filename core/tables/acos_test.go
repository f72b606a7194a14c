package tables

import (
	"math"
	"testing"

	"github.com/stretchr/testify/require"
)

// The polynomial arccos must agree with math.Acos everywhere on [-1, 1],
// including both ends and the switch at |c| = 1/sqrt(2), to 1e-10.
func TestAngleFromCosSinMatchesAcos(t *testing.T) {
	const n = 400001
	worst := 0.0
	for i := 0; i < n; i++ {
		c := -1 + 2*float64(i)/(n-1)
		s := math.Sqrt(math.Max((1-c)*(1+c), 0))
		worst = math.Max(worst, math.Abs(angleFromCosSin(c, s)-math.Acos(c)))
	}
	// Points packed near the ends, where the angle is tiny or near pi.
	for e := 1e-16; e < 0.1; e *= 1.7 {
		for _, c := range []float64{1 - e, -1 + e} {
			s := math.Sqrt((1 - c) * (1 + c))
			worst = math.Max(worst, math.Abs(angleFromCosSin(c, s)-math.Acos(c)))
		}
	}
	for _, c := range []float64{math.Sqrt(0.5), -math.Sqrt(0.5), math.Nextafter(math.Sqrt(0.5), 1), 0, 1, -1} {
		s := math.Sqrt(math.Max((1-c)*(1+c), 0))
		worst = math.Max(worst, math.Abs(angleFromCosSin(c, s)-math.Acos(c)))
	}
	t.Logf("max |angleFromCosSin - math.Acos| = %.3g", worst)
	require.Less(t, worst, 1e-10)
}

func BenchmarkAngleFromCosSin(b *testing.B) {
	acc := 0.0
	for i := 0; i < b.N; i++ {
		c := float64(i%2001)/1000 - 1
		acc += angleFromCosSin(c, math.Sqrt((1-c)*(1+c)))
	}
	_ = acc
}

func BenchmarkMathAcos(b *testing.B) {
	acc := 0.0
	for i := 0; i < b.N; i++ {
		c := float64(i%2001)/1000 - 1
		acc += math.Acos(c) + math.Sqrt((1-c)*(1+c))
	}
	_ = acc
}

func BenchmarkAngleRandom(b *testing.B) {
	cs := make([]float64, 4096)
	ss := make([]float64, 4096)
	for i := range cs {
		cs[i] = math.Cos(float64(i*2654435761%4096) / 4096 * math.Pi)
		ss[i] = math.Sqrt((1 - cs[i]) * (1 + cs[i]))
	}
	acc := 0.0
	for i := 0; i < b.N; i++ {
		acc += angleFromCosSin(cs[i&4095], ss[i&4095])
	}
	_ = acc
}
