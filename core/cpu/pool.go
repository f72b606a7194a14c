package cpu

import (
	"runtime"
	"sync"
	"sync/atomic"
)

// The worker pool: Threads()-1 long-lived goroutines, each with its own
// packing workspace, take parts of large products from a channel while the
// calling goroutine computes the first part itself. Parts, their wait group
// and the caller's workspace come from free lists, so a call in the steady
// state allocates nothing and starts no goroutine.

// part is one piece of a product handed to a worker.
type part struct {
	ks         *kernelSet
	c          []float32
	ldc        int
	a, b       matrix
	m, n, k    int
	accumulate bool
	done       *sync.WaitGroup
}

// batch is the per-call bookkeeping of a split product.
type batch struct {
	parts []part
	wg    sync.WaitGroup
}

var (
	threadsOverride atomic.Int32 // 0: follow GOMAXPROCS

	poolMu     sync.Mutex
	workCh     = make(chan *part, 64)
	numWorkers int
	freeWS     []*workspace
	freeBatch  []*batch
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

// worker runs parts forever with a workspace of its own.
func worker() {
	ws := new(workspace)
	for p := range workCh {
		ws.gemm(p.ks, p.c, p.ldc, p.a, p.b, p.m, p.n, p.k, p.accumulate)
		p.done.Done()
	}
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
	return new(workspace)
}

func putWorkspace(ws *workspace) {
	poolMu.Lock()
	freeWS = append(freeWS, ws)
	poolMu.Unlock()
}

// getBatch returns a batch with room for n parts and makes sure n-1 workers
// are running.
func getBatch(n int) *batch {
	poolMu.Lock()
	defer poolMu.Unlock()
	ensureWorkers(n - 1)
	var b *batch
	if k := len(freeBatch); k > 0 {
		b = freeBatch[k-1]
		freeBatch = freeBatch[:k-1]
	} else {
		b = new(batch)
	}
	if cap(b.parts) < n {
		b.parts = make([]part, n)
	}
	b.parts = b.parts[:n]
	return b
}

func putBatch(b *batch) {
	for i := range b.parts {
		b.parts[i] = part{} // drop references to the caller's matrices
	}
	poolMu.Lock()
	freeBatch = append(freeBatch, b)
	poolMu.Unlock()
}
