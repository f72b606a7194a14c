package cpu

import (
	"fmt"
	"testing"

	"github.com/stretchr/testify/require"
)

// Dot and Axpy on every kernel set and every length 0..70 (and a long one),
// against float64: |error| <= 1e-5 * sum |x||y| (resp. |y| + |alpha x|).
func TestDotAxpyMatchFloat64(t *testing.T) {
	lengths := []int{1000}
	for n := 0; n <= 70; n++ {
		lengths = append(lengths, n)
	}
	for _, kn := range AvailableKernels() {
		withKernels(t, kn, func() {
			for _, n := range lengths {
				x := randSlice(n, uint64(2*n))
				y := randSlice(n+3, uint64(2*n+1)) // y may be longer than x
				var want, mag float64
				for i := range x {
					want += float64(x[i]) * float64(y[i])
					mag += abs64(float64(x[i]) * float64(y[i]))
				}
				got := Dot(x, y)
				require.LessOrEqual(t, abs64(float64(got)-want), 1e-5*mag+1e-30, "%s dot n=%d", kn, n)

				const alpha = float32(-0.37)
				z := append([]float32(nil), y...)
				Axpy(alpha, x, z)
				for i := range z {
					w, m := float64(y[i]), abs64(float64(y[i]))
					if i < n {
						w += float64(alpha) * float64(x[i])
						m += abs64(float64(alpha) * float64(x[i]))
					}
					require.LessOrEqual(t, abs64(float64(z[i])-w), 1e-5*m+1e-30, fmt.Sprintf("%s axpy n=%d i=%d", kn, n, i))
				}
			}
		})
	}
}

func TestDotAxpyPanicOnShortY(t *testing.T) {
	for _, kn := range AvailableKernels() {
		withKernels(t, kn, func() {
			require.Panics(t, func() { Dot(make([]float32, 5), make([]float32, 4)) }, kn)
			require.Panics(t, func() { Axpy(1, make([]float32, 5), make([]float32, 4)) }, kn)
		})
	}
}

func TestDotAxpyAllocateNothing(t *testing.T) {
	x, y := randSlice(300, 1), randSlice(300, 2)
	require.Zero(t, testing.AllocsPerRun(10, func() { sink = Dot(x, y); Axpy(0.5, x, y) }))
}

func abs64(v float64) float64 { return max(v, -v) }
