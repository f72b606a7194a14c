package rng

import (
	"math"
	"sort"
	"testing"

	"github.com/stretchr/testify/require"
)

// The 256 layers must have equal areas; the recursion fixes layers 0..254 by
// construction, so the top layer (from its edge up to the peak) is the check
// that zigR is the right constant.
func TestZigguratLayersClose(t *testing.T) {
	scale := float64(uint32(1) << zigUBits)
	top := zigW[zigLayers-1] * scale
	area := top * (1 - math.Exp(-0.5*top*top))
	require.InDelta(t, zigV, area, 1e-12*zigV, "top layer area")
	for j := 1; j < zigLayers-1; j++ {
		e, next := zigW[j]*scale, zigW[j+1]*scale
		require.Greater(t, e, next, "edges decrease upwards")
		require.InDelta(t, zigV, e*(zigF[j+1]-zigF[j]), 1e-13, "layer %d", j)
	}
	// Fraction of words handled by the fast path: sum_j e[j+1]/e[j] / 256,
	// about 98.5% for 256 layers; the speed of the sampler rests on it.
	var fast float64
	for j := 0; j < zigLayers; j++ {
		fast += float64(zigK[j]) / scale / zigLayers
	}
	require.InDelta(t, 0.985, fast, 0.001)
}

// normalQuantile is the inverse of the standard normal CDF.
func normalQuantile(p float64) float64 { return math.Sqrt2 * math.Erfinv(2*p-1) }

// Moments and an equal-probability chi-square test over 2^22 draws.
// Tolerances are 5 standard errors of each statistic.
func TestZigguratDistribution(t *testing.T) {
	const n = 1 << 22
	const bins = 256
	edges := make([]float64, bins-1)
	for i := range edges {
		edges[i] = normalQuantile(float64(i+1) / bins)
	}
	counts := make([]float64, bins)
	s := NewStream(2024, 3)
	var m1, m2, m4 float64
	tail := 0
	for i := 0; i < n; i++ {
		z := s.NormalZiggurat()
		m1 += z
		m2 += z * z
		m4 += z * z * z * z
		if math.Abs(z) > zigR {
			tail++
		}
		counts[sort.SearchFloat64s(edges, z)]++
	}
	m1, m2, m4 = m1/n, m2/n, m4/n
	require.InDelta(t, 0, m1, 5/math.Sqrt(n), "mean")
	require.InDelta(t, 1, m2, 5*math.Sqrt(2.0/n), "variance")
	require.InDelta(t, 3, m4, 5*math.Sqrt(96.0/n), "fourth moment")

	expect := float64(n) / bins
	chi2 := 0.0
	for _, c := range counts {
		chi2 += (c - expect) * (c - expect) / expect
	}
	dof := float64(bins - 1)
	require.Less(t, chi2, dof+5*math.Sqrt(2*dof), "chi-square over %d equiprobable bins", bins)

	// Beyond r every variate came from the tail algorithm.
	pTail := math.Erfc(zigR / math.Sqrt2)
	want := pTail * n
	require.InDelta(t, want, float64(tail), 5*math.Sqrt(want), "tail count beyond r")
}

// Words forced into the base layer beyond r must give the normal tail:
// E[X | X > r] = phi(r) / Q(r).
func TestZigguratTail(t *testing.T) {
	const n = 200000
	s := NewStream(7, 11)
	w := uint32(0xFFFFFE00) // layer 0, positive, u at its maximum (beyond r)
	_, ok := ZigguratFast(w)
	require.False(t, ok)
	var sum, sum2 float64
	for i := 0; i < n; i++ {
		x := ZigguratSlow(w, &s)
		require.GreaterOrEqual(t, x, zigR)
		sum += x
		sum2 += x * x
	}
	mean := sum / n
	sd := math.Sqrt(sum2/n - mean*mean)
	phi := math.Exp(-0.5*zigR*zigR) / math.Sqrt(2*math.Pi)
	q := 0.5 * math.Erfc(zigR/math.Sqrt2)
	require.InDelta(t, phi/q, mean, 5*sd/math.Sqrt(n))
}

func TestZigguratSignBit(t *testing.T) {
	w := uint32(5) // layer 5, u = 0: always fast
	zp, ok := ZigguratFast(w)
	require.True(t, ok)
	zn, ok := ZigguratFast(w | zigLayers)
	require.True(t, ok)
	require.Greater(t, zp, 0.0)
	require.Equal(t, -zp, zn)
}

func BenchmarkNormalZiggurat(b *testing.B) {
	s := NewStream(1, 2)
	var acc float64
	for i := 0; i < b.N; i++ {
		acc += s.NormalZiggurat()
	}
	_ = acc
}

func BenchmarkNormalBoxMuller(b *testing.B) {
	s := NewStream(1, 2)
	var acc float64
	for i := 0; i < b.N; i++ {
		acc += s.Normal()
	}
	_ = acc
}

func BenchmarkPhiloxBlock(b *testing.B) {
	var acc uint32
	for i := 0; i < b.N; i++ {
		acc += Block(1, 2, uint64(i))[0]
	}
	_ = acc
}
