package cpu

import (
	"runtime"
	"sync"
	"sync/atomic"
	"time"
)

// The worker pool: Threads()-1 long-lived goroutines, each with its own
// packing workspace, take parts of large products from a channel while the
// calling goroutine computes the first part itself. One split product runs at
// a time: a product that finds the pool busy (two callers at once, or a call
// from inside the model's own parallel loops, where the cores are already
// taken) runs on its caller alone instead of queueing behind the other. The
// parts, their wait group and the callers' workspaces are reused, so a call
// in the steady state allocates nothing and starts no goroutine.

// part is one band of a split product.
type part struct {
	ks         *kernelSet
	c          []float32
	ldc        int
	a, b       matrix
	m, n, k    int
	accumulate bool
}

// batch is the split product in flight. The caller and the workers it
// woke take parts in turn from next until none is left, so a core slowed by
// other work simply takes fewer of them.
type batch struct {
	parts   []part
	next    atomic.Int32 // index of the next part to take
	pending atomic.Int32 // workers woken for this batch and not yet done
	wg      sync.WaitGroup
}

// runParts takes and computes parts of bt until none is left.
func (bt *batch) runParts(ws *workspace) {
	for {
		i := int(bt.next.Add(1)) - 1
		if i >= len(bt.parts) {
			return
		}
		p := &bt.parts[i]
		ws.gemm(p.ks, p.c, p.ldc, p.a, p.b, p.m, p.n, p.k, p.accumulate)
	}
}

var (
	threadsOverride atomic.Int32 // 0: follow GOMAXPROCS

	poolMu     sync.Mutex
	workCh     = make(chan *batch, 64)
	numWorkers int
	freeWS     []*workspace

	poolBusy atomic.Bool // a split product is running; guards theBatch
	theBatch batch
)

// Threads is the number of goroutines the kernels split work across.
func Threads() int {
	if t := threadsOverride.Load(); t > 0 {
		return int(t)
	}
	return runtime.GOMAXPROCS(0)
}

// SetThreads sets how many goroutines large products are split across;
// n <= 0 restores the default, GOMAXPROCS. It returns the previous setting.
func SetThreads(n int) (previous int) {
	previous = Threads()
	threadsOverride.Store(int32(max(n, 0)))
	return previous
}

// spinWait is how long a worker keeps polling for the next part, and a
// caller for its workers, before parking. On these (virtual) machines,
// waking a parked goroutine onto an idle core took about 100 us in our
// measurements, as long as half a 256^3 product, and the backward pass issues
// products back to back, so a short spin keeps both cores in play. Each poll
// yields the core (runtime.Gosched), so the spin never holds up the process's
// other goroutines; 200 us bounds what it costs other processes.
var spinWait = 200 * time.Microsecond

// worker runs parts forever with a workspace of its own.
func worker() {
	ws := newWorkspace()
	for {
		bt := receiveBatch()
		bt.runParts(ws)
		bt.pending.Add(-1)
		bt.wg.Done()
	}
}

// receiveBatch polls the work channel for up to spinWait, then blocks.
func receiveBatch() *batch {
	var start time.Time
	for i := 0; ; i++ {
		select {
		case bt := <-workCh:
			return bt
		default:
		}
		if i == 0 {
			start = time.Now()
		} else if i%16 == 0 && time.Since(start) > spinWait {
			return <-workCh
		}
		runtime.Gosched()
	}
}

// waitParts waits until the workers have finished with bt: polling for
// up to spinWait, then parking on the wait group.
func waitParts(bt *batch) {
	start := time.Now()
	for i := 0; bt.pending.Load() > 0; i++ {
		if i%16 == 15 && time.Since(start) > spinWait {
			break
		}
		runtime.Gosched()
	}
	bt.wg.Wait()
}

// ensureWorkers starts workers until n exist. Called with poolMu held.
func ensureWorkers(n int) {
	for ; numWorkers < n; numWorkers++ {
		go worker()
	}
}

func getWorkspace() *workspace {
	poolMu.Lock()
	defer poolMu.Unlock()
	if k := len(freeWS); k > 0 {
		ws := freeWS[k-1]
		freeWS = freeWS[:k-1]
		return ws
	}
	return newWorkspace()
}

func putWorkspace(ws *workspace) {
	poolMu.Lock()
	freeWS = append(freeWS, ws)
	poolMu.Unlock()
}

// acquireBatch claims the pool for a product split in n parts among
// threads goroutines, or returns nil when another split product is running.
func acquireBatch(n, threads int) *batch {
	if !poolBusy.CompareAndSwap(false, true) {
		return nil
	}
	poolMu.Lock()
	ensureWorkers(threads - 1)
	poolMu.Unlock()
	b := &theBatch
	if cap(b.parts) < n {
		b.parts = make([]part, n)
	}
	b.parts = b.parts[:n]
	b.next.Store(0)
	return b
}

func releaseBatch(b *batch) {
	for i := range b.parts {
		b.parts[i] = part{} // drop references to the caller's matrices
	}
	poolBusy.Store(false)
}
