package cpu

import (
	"fmt"
	"testing"

	"github.com/stretchr/testify/require"
)

// A product on a packed b is MatMulNT's bit for bit, for every kernel set,
// one or two threads (row and column bands), edge tiles, several k blocks
// and several n blocks, with and without accumulation.
func TestPackedNTIsMatMulNTExactly(t *testing.T) {
	shapes := [][3]int{{512, 384, 128}, {4, 768, 128}, {512, 27, 128}, {512, 128, 512}, {37, 45, 300}, {1, 1, 1},
		{13, 4100, 20}, {700, 33, 7}, {0, 5, 3}, {5, 8, 0}}
	for _, ks := range AvailableKernels() {
		withKernels(t, ks, func() {
			for i, s := range shapes {
				m, n, k := s[0], s[1], s[2]
				a, b := randSlice(m*k, uint64(3*i)), randSlice(n*k, uint64(3*i+1))
				init := randSlice(m*n, uint64(3*i+2))
				pb := PackNT(b, n, k)
				for _, threads := range []int{1, 2, 3} {
					for _, acc := range []bool{false, true} {
						want, got := append([]float32(nil), init...), append([]float32(nil), init...)
						withThreads(threads, func() {
							MatMulNT(want, a, b, m, n, k, acc)
							MatMulPackedNT(got, a, pb, m, acc)
						})
						require.Equal(t, want, got, fmt.Sprintf("%s m=%d n=%d k=%d threads=%d accumulate=%v", ks, m, n, k, threads, acc))
					}
				}
			}
		})
	}
}

// Packed for one kernel set, a product under another still gives
// MatMulNT's result (it falls back to packing b); Repack packs for the new
// set.
func TestPackedNTAfterAKernelSwitch(t *testing.T) {
	names := AvailableKernels()
	if len(names) < 2 {
		t.Skip("one kernel set on this CPU")
	}
	m, n, k := 50, 70, 90
	a, b := randSlice(m*k, 1), randSlice(n*k, 2)
	pb := PackNT(b, n, k)
	withKernels(t, names[0], func() {
		want, got := make([]float32, m*n), make([]float32, m*n)
		MatMulNT(want, a, b, m, n, k, false)
		MatMulPackedNT(got, a, pb, m, false)
		require.Equal(t, want, got)
		pb.Repack(b)
		clear(got)
		MatMulPackedNT(got, a, pb, m, false)
		require.Equal(t, want, got)
	})
}

func TestPackedNTSteadyStateAllocatesNothing(t *testing.T) {
	m, n, k := 512, 384, 128
	a, b, c := randSlice(m*k, 1), randSlice(n*k, 2), make([]float32, m*n)
	pb := PackNT(b, n, k)
	for _, threads := range []int{1, 2} {
		withThreads(threads, func() {
			MatMulPackedNT(c, a, pb, m, false)
			require.Zero(t, testing.AllocsPerRun(5, func() { MatMulPackedNT(c, a, pb, m, true) }))
		})
	}
}

func TestPackedNTPanicsOnShortBuffers(t *testing.T) {
	require.Panics(t, func() { PackNT(make([]float32, 5), 2, 3) })
	pb := PackNT(make([]float32, 6), 2, 3)
	require.Panics(t, func() { MatMulPackedNT(make([]float32, 4), make([]float32, 5), pb, 2, false) })
	require.Panics(t, func() { pb.Repack(make([]float32, 5)) })
}

// MatMulNNStrided is MatMulNN on the gathered operands, bit for bit, on
// every kernel set, with and without accumulation.
func TestMatMulNNStridedIsExact(t *testing.T) {
	for _, ks := range AvailableKernels() {
		withKernels(t, ks, func() {
			for i, s := range [][3]int{{128, 32, 128}, {128, 128, 32}, {5, 7, 3}, {12, 32, 300}, {100, 33, 1}, {13, 4100, 2}} {
				m, n, k := s[0], s[1], s[2]
				a, b := randSlice(m*k, uint64(10*i)), randSlice(k*n, uint64(10*i+1))
				init := randSlice(m*n, uint64(10*i+2))
				for _, acc := range []bool{false, true} {
					// a, b and c as columns pad.. of rows wider than they are.
					const pad = 5
					lda, ldb, ldc := k+pad, n+2*pad, n+3*pad
					as, bs, cs := make([]float32, m*lda), make([]float32, k*ldb), make([]float32, m*ldc)
					for r := 0; r < m; r++ {
						copy(as[r*lda+pad:], a[r*k:(r+1)*k])
						copy(cs[r*ldc+pad:], init[r*n:(r+1)*n])
					}
					for r := 0; r < k; r++ {
						copy(bs[r*ldb+pad:], b[r*n:(r+1)*n])
					}
					want := append([]float32(nil), init...)
					MatMulNN(want, a, b, m, n, k, acc)
					MatMulNNStrided(cs[pad:], ldc, as[pad:], lda, bs[pad:], ldb, m, n, k, acc)
					for r := 0; r < m; r++ {
						require.Equal(t, want[r*n:(r+1)*n], cs[r*ldc+pad:r*ldc+pad+n], "%s m=%d n=%d k=%d acc=%v row %d", ks, m, n, k, acc, r)
					}
				}
			}
		})
	}
	require.Panics(t, func() {
		MatMulNNStrided(make([]float32, 4), 2, make([]float32, 3), 2, make([]float32, 4), 2, 2, 2, 2, false)
	})
	require.Panics(t, func() {
		MatMulNNStrided(make([]float32, 4), 1, make([]float32, 4), 2, make([]float32, 4), 2, 2, 2, 2, false)
	})
}
