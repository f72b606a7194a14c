package cpu

import (
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// layout is one of the three product layouts with its fast and reference
// versions and the stored shapes of its operands.
type layout struct {
	name string
	fast func(c, a, b []float32, m, n, k int, acc bool)
	ref  func(c, a, b []float64, m, n, k int, acc bool)
	refA func(c, a, b []float32, m, n, k int, acc bool) // float32 reference, for magnitudes
}

var layouts = []layout{
	{"NT", MatMulNT, MatMulNTRef[float64], MatMulNTRef[float32]},
	{"NN", MatMulNN, MatMulNNRef[float64], MatMulNNRef[float32]},
	{"TN", MatMulTN, MatMulTNRef[float64], MatMulTNRef[float32]},
}

// gemmTol is the relative tolerance of every fast product: each element must
// be within gemmTol * (sum_p |a_ip||b_pj| + |c_ij| if accumulating) of the
// float64 product of the same float32 inputs. Float32 rounding over k <= 300
// terms stays well inside it; a wrong or missing term does not.
const gemmTol = 1e-5

type shape struct{ m, n, k int }

// testShapes covers 1..70 in every dimension (primes, tile multiples and
// their neighbours for the 2x4, 6x16 and 12x32 tiles), and a few shapes that
// cross the cache blocks (k > 256, m > 144, n > 4096).
func testShapes() []shape {
	dims := []int{1, 2, 3, 4, 5, 6, 7, 11, 12, 13, 15, 16, 17, 23, 24, 25, 31, 32, 33, 37, 47, 48, 53, 64, 65, 70}
	var s []shape
	for i, m := range dims {
		for j := range 4 {
			n := dims[(i*7+j*5+3)%len(dims)]
			k := dims[(i*3+j*11+1)%len(dims)]
			s = append(s, shape{m, n, k})
		}
	}
	for v := 1; v <= 70; v++ {
		s = append(s, shape{v, v, v})
	}
	return append(s, shape{150, 70, 300}, shape{145, 33, 257}, shape{13, 4101, 3}, shape{290, 45, 520})
}

// checkClose compares got with the float64 product; mag holds
// sum_p |a||b| (+|c0|) per element.
func checkClose(t *testing.T, what string, got []float32, want []float64, mag []float32) {
	t.Helper()
	for i := range want {
		diff := float64(got[i]) - want[i]
		if diff < 0 {
			diff = -diff
		}
		if diff > gemmTol*float64(mag[i])+1e-30 {
			require.Failf(t, "product mismatch", "%s: element %d: got %g want %g (|diff| %g > %g)",
				what, i, got[i], want[i], diff, gemmTol*float64(mag[i]))
		}
	}
}

// TestMatMulMatchesReference runs every layout on every kernel set and
// thread count against the float64 reference, with and without accumulate.
func TestMatMulMatchesReference(t *testing.T) {
	for _, kn := range AvailableKernels() {
		for _, threads := range []int{1, 2, 3} {
			for _, l := range layouts {
				withKernels(t, kn, func() {
					withThreads(threads, func() {
						for si, s := range testShapes() {
							checkLayout(t, fmt.Sprintf("%s/%s/t%d/%dx%dx%d", kn, l.name, threads, s.m, s.n, s.k), l, s, uint64(si))
						}
					})
				})
			}
		}
	}
}

func checkLayout(t *testing.T, what string, l layout, s shape, seed uint64) {
	a := randSlice(s.m*s.k, 3*seed)
	b := randSlice(s.k*s.n, 3*seed+1)
	c0 := randSlice(s.m*s.n, 3*seed+2)
	mag := make([]float32, s.m*s.n)
	l.refA(mag, absF32(a), absF32(b), s.m, s.n, s.k, false)
	for _, acc := range []bool{false, true} {
		want := toF64(c0)
		l.ref(want, toF64(a), toF64(b), s.m, s.n, s.k, acc)
		got := append([]float32(nil), c0...)
		l.fast(got, a, b, s.m, s.n, s.k, acc)
		m := mag
		if acc {
			m = make([]float32, len(mag))
			for i := range m {
				m[i] = mag[i] + max(c0[i], -c0[i])
			}
		}
		checkClose(t, fmt.Sprintf("%s acc=%v", what, acc), got, want, m)
	}
}

// Products big enough to be split across threads (in row bands and, when
// wider than tall, in column bands), on every kernel set, against the
// float64 reference.
func TestMatMulSplitMatchesReference(t *testing.T) {
	// Row bands, row bands for three, column bands, and the many-band splits
	// of a tall and a wide product.
	shapes := []shape{{301, 203, 290}, {333, 211, 370}, {97, 509, 400}, {1201, 37, 400}, {29, 1500, 400}}
	for _, l := range layouts {
		for si, s := range shapes {
			a := randSlice(s.m*s.k, 50+3*uint64(si))
			b := randSlice(s.k*s.n, 51+3*uint64(si))
			c0 := randSlice(s.m*s.n, 52+3*uint64(si))
			mag := make([]float32, s.m*s.n)
			l.refA(mag, absF32(a), absF32(b), s.m, s.n, s.k, false)
			magAcc := make([]float32, len(mag))
			for i := range mag {
				magAcc[i] = mag[i] + max(c0[i], -c0[i])
			}
			want := toF64(make([]float32, s.m*s.n))
			l.ref(want, toF64(a), toF64(b), s.m, s.n, s.k, false)
			wantAcc := toF64(c0)
			l.ref(wantAcc, toF64(a), toF64(b), s.m, s.n, s.k, true)
			for _, kn := range AvailableKernels() {
				for _, threads := range []int{2, 3} {
					withKernels(t, kn, func() {
						withThreads(threads, func() {
							ks := active.Load()
							require.Greater(t, partsFor(ks, s.m, s.n, s.k), 1, "%v is not split", s)
							if si >= 3 {
								require.Greater(t, bandsFor(ks, s.m, s.n, threads), threads, "%v is not cut finer", s)
							}
							what := fmt.Sprintf("%s/%s/t%d/%dx%dx%d", kn, l.name, threads, s.m, s.n, s.k)
							got := make([]float32, s.m*s.n)
							l.fast(got, a, b, s.m, s.n, s.k, false)
							checkClose(t, what, got, want, mag)
							copy(got, c0)
							l.fast(got, a, b, s.m, s.n, s.k, true)
							checkClose(t, what+" acc", got, wantAcc, magAcc)
						})
					})
				}
			}
		}
	}
}

// The portable and assembly paths agree with each other within the same
// relative tolerance (the requirement), not just with the reference.
func TestKernelPathsAgree(t *testing.T) {
	names := AvailableKernels()
	if len(names) == 1 {
		// Only the Go path exists here (no AVX2): it is compared with itself
		// through the reference test; assert that this is the portable one.
		require.Equal(t, []string{"go"}, names)
		return
	}
	for _, l := range layouts {
		for si, s := range []shape{{70, 70, 70}, {33, 65, 129}, {131, 97, 300}} {
			a := randSlice(s.m*s.k, 100+2*uint64(si))
			b := randSlice(s.k*s.n, 101+2*uint64(si))
			mag := make([]float32, s.m*s.n)
			l.refA(mag, absF32(a), absF32(b), s.m, s.n, s.k, false)
			results := map[string][]float32{}
			for _, kn := range names {
				c := make([]float32, s.m*s.n)
				withKernels(t, kn, func() { l.fast(c, a, b, s.m, s.n, s.k, false) })
				results[kn] = c
			}
			for _, kn := range names[1:] {
				checkClose(t, l.name+" go vs "+kn, results[kn], toF64(results["go"]), mag)
			}
		}
	}
}

// k = 0 means an empty sum: c is zeroed, or left alone when accumulating.
func TestMatMulEmptyK(t *testing.T) {
	for _, l := range layouts {
		c := []float32{1, 2, 3, 4, 5, 6}
		l.fast(c, nil, nil, 2, 3, 0, true)
		require.Equal(t, []float32{1, 2, 3, 4, 5, 6}, c, l.name)
		l.fast(c, nil, nil, 2, 3, 0, false)
		require.Equal(t, make([]float32, 6), c, l.name)
	}
}

func TestMatMulPanicsOnShortBuffers(t *testing.T) {
	for _, l := range layouts {
		require.Panics(t, func() { l.fast(make([]float32, 5), make([]float32, 6), make([]float32, 9), 2, 3, 3, false) }, l.name)
		require.Panics(t, func() { l.fast(make([]float32, 6), make([]float32, 5), make([]float32, 9), 2, 3, 3, false) }, l.name)
		require.Panics(t, func() { l.fast(make([]float32, 6), make([]float32, 6), make([]float32, 8), 2, 3, 3, false) }, l.name)
	}
}

// A product in the steady state allocates nothing: not the packing buffers,
// not the parts handed to workers, not the goroutines.
func TestMatMulSteadyStateAllocatesNothing(t *testing.T) {
	withThreads(2, func() { require.Equal(t, 2, partsFor(goKernels, 256, 256, 256)) }) // the split path is measured
	for _, kn := range AvailableKernels() {
		withKernels(t, kn, func() {
			withThreads(2, func() {
				for _, s := range []shape{{256, 256, 256}, {1201, 37, 400}, {7, 300, 9}, {64, 64, 64}} {
					a := randSlice(s.m*s.k, 1)
					b := randSlice(s.k*s.n, 2)
					c := make([]float32, s.m*s.n)
					for _, l := range layouts {
						l.fast(c, a, b, s.m, s.n, s.k, false) // warm the workspaces
						allocs := testing.AllocsPerRun(5, func() { l.fast(c, a, b, s.m, s.n, s.k, true) })
						require.Zero(t, allocs, "%s %s %v", kn, l.name, s)
					}
				}
			})
		})
	}
}

// Concurrent callers (the model splits attention heads across goroutines)
// share the pool safely and still get exact results.
func TestMatMulConcurrentCallers(t *testing.T) {
	s := shape{96, 80, 100}
	a := randSlice(s.m*s.k, 7)
	b := randSlice(s.k*s.n, 8)
	want := make([]float32, s.m*s.n)
	MatMulNT(want, a, b, s.m, s.n, s.k, false)
	done := make(chan []float32)
	for g := 0; g < 4; g++ {
		go func() {
			c := make([]float32, s.m*s.n)
			for range 20 {
				MatMulNT(c, a, b, s.m, s.n, s.k, false)
			}
			done <- c
		}()
	}
	for g := 0; g < 4; g++ {
		// Same kernel, same blocking, same split: bitwise equal.
		require.Equal(t, want, <-done)
	}
}

// A split product after the workers have stopped spinning and parked still
// completes, and matches the one run while they were spinning.
func TestMatMulAfterWorkersPark(t *testing.T) {
	s := shape{300, 200, 300} // 36 MFLOP: split in two
	a := randSlice(s.m*s.k, 11)
	b := randSlice(s.k*s.n, 12)
	hot := make([]float32, s.m*s.n)
	cold := make([]float32, s.m*s.n)
	withThreads(2, func() {
		require.Equal(t, 2, partsFor(active.Load(), s.m, s.n, s.k))
		MatMulNN(hot, a, b, s.m, s.n, s.k, false)
		time.Sleep(10 * spinWait)
		MatMulNN(cold, a, b, s.m, s.n, s.k, false)
	})
	require.Equal(t, hot, cold)
	want := toF64(make([]float32, s.m*s.n))
	MatMulNNRef(want, toF64(a), toF64(b), s.m, s.n, s.k, false)
	mag := make([]float32, s.m*s.n)
	MatMulNNRef(mag, absF32(a), absF32(b), s.m, s.n, s.k, false)
	checkClose(t, "after park", cold, want, mag)
}

// A product allocates nothing whichever free workspace it is handed. The free
// list is last in, first out, so when two products have run at once the
// order they finished in decides which workspace the next one gets; each
// call here swaps the top two, as such a race would.
func TestProductAllocatesNothingWhicheverWorkspace(t *testing.T) {
	s := shape{256, 768, 768} // a text8 linear layer at batch 1
	a := randSlice(s.m*s.k, 13)
	b := randSlice(s.n*s.k, 14)
	c := make([]float32, s.m*s.n)
	allocs := testing.AllocsPerRun(1, func() {
		x, y := getWorkspace(), getWorkspace()
		putWorkspace(x)
		putWorkspace(y)
		MatMulNT(c, a, b, s.m, s.n, s.k, false)
	})
	require.Zero(t, allocs)
}
