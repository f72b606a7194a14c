package cpu

import (
	"testing"

	"github.com/stretchr/testify/require"
)

// sumBody adds i into per-worker partials and marks every index it visits,
// recording each call's range.
type sumBody struct {
	partial []int
	seen    []int
}

func (s *sumBody) Run(worker, lo, hi int) {
	for i := lo; i < hi; i++ {
		s.partial[worker] += i
		s.seen[i]++
	}
}

func newSumBody(workers, n int) *sumBody {
	return &sumBody{partial: make([]int, workers), seen: make([]int, n)}
}

func (s *sumBody) check(t *testing.T, n int) {
	t.Helper()
	total := 0
	for _, p := range s.partial {
		total += p
	}
	require.Equal(t, n*(n-1)/2, total, "n=%d", n)
	for i, c := range s.seen {
		require.Equal(t, 1, c, "index %d of %d visited %d times", i, n, c)
	}
}

func TestForAndForChunksCoverEveryIndexOnce(t *testing.T) {
	for _, threads := range []int{1, 2, 5} {
		withThreads(threads, func() {
			for _, n := range []int{1, 2, 3, 17, 1000} {
				b := newSumBody(3, n)
				For(n, 3, b)
				b.check(t, n)
				b = newSumBody(3, n)
				ForChunks(n, 7, 3, b)
				b.check(t, n)
			}
		})
	}
}

// For's shares depend only on the number of workers: worker i always sums
// the same indices, so per-worker partials reduced in order are the same on
// every run.
func TestForSharesAreFixed(t *testing.T) {
	withThreads(4, func() {
		const n = 103
		want := make([]int, 3)
		for w := range want {
			for i := w * n / 3; i < (w+1)*n/3; i++ {
				want[w] += i
			}
		}
		for range 20 {
			b := newSumBody(3, n)
			For(n, 3, b)
			require.Equal(t, want, b.partial)
		}
	})
}

// nestBody starts a loop from inside each of its calls, on that worker's
// own inner body.
type nestBody struct{ inner []*sumBody }

func (b *nestBody) Run(worker, lo, hi int) {
	for range hi - lo {
		For(4, 4, b.inner[worker])
	}
}

// A loop started from inside a loop's body (the pool is busy) runs on its
// caller, as worker 0, and still covers its indices.
func TestNestedLoopRunsOnItsCaller(t *testing.T) {
	withThreads(3, func() {
		outer := &nestBody{}
		for range 3 {
			outer.inner = append(outer.inner, newSumBody(4, 4))
		}
		For(9, 3, outer)
		for w, in := range outer.inner {
			require.Equal(t, []int{18, 0, 0, 0}, in.partial, "worker %d's inner loop", w)
		}
	})
}

// In the steady state a loop allocates nothing, on one worker or several.
func TestLoopsAllocateNothing(t *testing.T) {
	for _, threads := range []int{1, 2} {
		withThreads(threads, func() {
			b := newSumBody(2, 64)
			require.Zero(t, testing.AllocsPerRun(100, func() { For(64, 2, b) }))
			require.Zero(t, testing.AllocsPerRun(100, func() { ForChunks(64, 8, 2, b) }))
		})
	}
}

// SetThreads resizes the pool: a larger setting starts the goroutines it
// needs, and every worker index stays below the loop's workers.
func TestSetThreadsResizesThePool(t *testing.T) {
	prev := SetThreads(6)
	defer SetThreads(prev)
	b := newSumBody(6, 600)
	For(600, 6, b)
	b.check(t, 600)
	SetThreads(2)
	b = newSumBody(2, 600)
	ForChunks(600, 10, 6, b) // two workers at most: partial has room for two
	b.check(t, 600)
}
