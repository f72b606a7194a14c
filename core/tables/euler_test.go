package tables

import (
	"math"
	"testing"

	"github.com/rdlm-go/rdlm/core/rng"
	"github.com/stretchr/testify/require"
)

// The vector Euler step (amd64) must agree with the portable one: same
// formulas, different rounding (FMA, summation order). States cover the
// whole range, both sides of |y| = 1/sqrt(2) where the arccos switches
// formula, the vertices, and Euler overshoots beyond |y| = 1.
func TestEulerStepVectorMatchesPortable(t *testing.T) {
	var a, b chunkState
	c0 := 1 / math.Sqrt(28)
	for _, ch := range []*chunkState{&a, &b} {
		ch.k.set(kOne, 1)
		ch.k.set(kMinusOne, -1)
		ch.k.set(kHalf, 0.5)
		ch.k.set(kEps, clampEps)
		ch.k.set(kHalfPi, math.Pi/2)
		ch.k.set(kPi, math.Pi)
		ch.k.set(kC0, c0)
		for j, v := range asinPoly {
			ch.k.set(kPoly+j, v)
		}
		ch.k.set(kGammaDt, 7.58*1e-4)
		ch.k.set(kLapDt, -13.5*0.1177*1e-4)
		ch.k.set(kNoise, math.Sqrt(0.1177*1e-4))
	}
	s := rng.NewStream(3, 4)
	special := []float64{1, -1, 0, 1 + 1e-3, -1 - 1e-3, math.Sqrt(0.5), -math.Sqrt(0.5), 1 - 1e-12, 0.999}
	for q := 0; q < 4; q++ {
		for p := 0; p < chunkSize; p++ {
			v := 2.2*s.Float64() - 1.1
			if p < len(special) {
				v = special[(p+q)%len(special)]
			}
			a.y[q][p] = v
			a.z[q][p] = s.NormalZiggurat()
		}
	}
	b.y, b.z = a.y, a.z
	n := chunkSize - 3 // a tail for the portable code in the vector run
	got := a.step(n)
	want := b.stepGo(0, n)
	for q := 0; q < 4; q++ {
		for p := 0; p < n; p++ {
			require.InDelta(t, b.y[q][p], a.y[q][p], 1e-12, "row %d particle %d (from %v)", q, p, a.z[q][p])
		}
		require.InDelta(t, want[q], got[q], 1e-10, "row %d sum", q)
	}
}

// A chunk's whole simulation allocates nothing (the slow-path streams live
// on the stack).
func TestChunkRunAllocatesNothing(t *testing.T) {
	const steps = 50
	g, lap, sq := make([]float64, steps), make([]float64, steps), make([]float64, steps)
	for i := range g {
		g[i], lap[i], sq[i] = 1e-4, -1e-5, 1e-2
	}
	acc := make([]int64, 4*(steps+1))
	var ch chunkState
	allocs := testing.AllocsPerRun(5, func() {
		require.NoError(t, ch.run(0, 200, 1, 0.2, g, lap, sq, acc))
	})
	require.Zero(t, allocs)
}
