package cpu

import (
	"runtime"
	"sync"
	"sync/atomic"
	"time"
)

// The worker pool: the one set of long-lived goroutines every parallel loop
// of the project runs on (the split matrix products here, the model's row
// and attention passes, the evaluator's positions, the tables' simulation).
// A loop runs on its caller, worker 0, and up to Threads()-1 pool goroutines,
// each of which takes the next free worker index of the loop when it picks
// the loop up, so per-worker scratch needs no locks.
//
// One loop runs at a time. A loop that finds the pool busy (two callers at
// once, or a loop started from inside another loop's body, where the cores
// are already taken) runs on its caller alone instead of queueing behind the
// other. Starting a loop sends a pointer the pool already owns through a
// channel, so in the steady state a loop allocates nothing and starts no
// goroutine. SetThreads resizes the pool: a loop uses at most Threads()
// workers, and the goroutines a larger setting needs start on first use.

// Body is the body of a parallel loop: Run handles the indices [lo, hi) as
// the given worker (0 <= worker < the loop's workers), so that a body can keep
// per-worker scratch and partial sums without locks.
type Body interface {
	Run(worker, lo, hi int)
}

// For runs body over [0, n) cut into w = min(workers, Threads(), n)
// contiguous shares, share i = [i*n/w, (i+1)*n/w) on worker i, and returns
// when all are done; workers is how many workers the body has scratch for.
// The shares depend on w only, never on the scheduler, so a body whose
// partial sums are reduced in worker order gives the same result on every
// run. With one worker, or when the pool is busy, the loop runs on its caller
// as one share on worker 0's scratch, so a body must not start a loop whose
// body uses the worker scratch it is itself using.
func For(n, workers int, body Body) {
	if n <= 0 {
		return
	}
	w := min(workers, Threads(), n)
	if w <= 1 || !acquire() {
		body.Run(0, 0, n)
		return
	}
	runHeld(body, n, 0, w)
	release()
}

// ForChunks runs body over [0, n) in chunks of chunk indices ([lo, lo+chunk),
// lo a multiple of chunk), which up to min(workers, Threads()) workers take
// in turn until none is left, so that a core slowed by other work simply
// takes fewer. Which worker runs which chunk changes from run to run: the
// body's result must not depend on it (write per-chunk results, or sum
// exactly). When the pool is busy the loop runs on its caller, chunk by
// chunk, as worker 0.
func ForChunks(n, chunk, workers int, body Body) {
	if n <= 0 {
		return
	}
	chunk = max(chunk, 1)
	w := min(workers, Threads(), (n+chunk-1)/chunk)
	if w <= 1 || !acquire() {
		for lo := 0; lo < n; lo += chunk {
			body.Run(0, lo, min(lo+chunk, n))
		}
		return
	}
	runHeld(body, n, chunk, w)
	release()
}

// job is the loop in flight.
type job struct {
	body     Body
	n, chunk int // chunk 0: static shares (For), else chunked (ForChunks)
	width    int // workers taking part, the caller included

	next    atomic.Int64 // chunked: the first index not yet handed out
	joined  atomic.Int32 // worker indices handed to pool goroutines so far
	pending atomic.Int32 // pool goroutines woken for this job and not yet done
	wg      sync.WaitGroup
}

// work runs worker w's part of the job: its share, or chunks until none is
// left.
func (j *job) work(w int) {
	if j.chunk == 0 {
		j.body.Run(w, w*j.n/j.width, (w+1)*j.n/j.width)
		return
	}
	for {
		lo := int(j.next.Add(int64(j.chunk)) - int64(j.chunk))
		if lo >= j.n {
			return
		}
		j.body.Run(w, lo, min(lo+j.chunk, j.n))
	}
}

// runHeld runs body over [0, n) on width workers, in static shares (chunk
// 0) or in chunks. The caller holds the pool (acquire).
func runHeld(body Body, n, chunk, width int) {
	j := &theJob
	j.body, j.n, j.chunk = body, n, chunk
	j.run(width)
}

// run wakes width-1 pool goroutines for the job, works as worker 0 and waits
// for the others.
func (j *job) run(width int) {
	poolMu.Lock()
	ensureWorkers(width - 1)
	poolMu.Unlock()
	j.width = width
	j.next.Store(0)
	j.joined.Store(0)
	j.wg.Add(width - 1)
	j.pending.Store(int32(width - 1))
	for i := 1; i < width; i++ {
		workCh <- j
	}
	j.work(0)
	j.wait()
	j.body = nil // drop the reference to the caller's body
}

var (
	threadsOverride atomic.Int32 // 0: follow GOMAXPROCS

	poolMu     sync.Mutex
	workCh     = make(chan *job, 64)
	numWorkers int

	poolBusy atomic.Bool // a loop is running; guards theJob and the gemm batch
	theJob   job
)

// Threads is the number of workers the pool splits a loop across.
func Threads() int {
	if t := threadsOverride.Load(); t > 0 {
		return int(t)
	}
	return runtime.GOMAXPROCS(0)
}

// SetThreads sets how many workers loops and large products are split
// across; n <= 0 restores the default, GOMAXPROCS. It returns the previous
// setting.
func SetThreads(n int) (previous int) {
	previous = Threads()
	threadsOverride.Store(int32(max(n, 0)))
	return previous
}

// acquire claims the pool, or reports that another loop holds it.
func acquire() bool { return poolBusy.CompareAndSwap(false, true) }

func release() { poolBusy.Store(false) }

// spinWait is how long a worker keeps polling for the next job, and a
// caller for its workers, before parking. On these (virtual) machines,
// waking a parked goroutine onto an idle core took about 100 us in our
// measurements, as long as half a 256^3 product, and the backward pass issues
// products back to back, so a short spin keeps both cores in play. Each poll
// yields the core (runtime.Gosched), so the spin never holds up the process's
// other goroutines; 200 us bounds what it costs other processes.
var spinWait = 200 * time.Microsecond

// worker runs the jobs it receives forever, as the next free worker index of
// each.
func worker() {
	for {
		j := receiveJob()
		j.work(int(j.joined.Add(1)))
		j.pending.Add(-1)
		j.wg.Done()
	}
}

// receiveJob polls the work channel for up to spinWait, then blocks.
func receiveJob() *job {
	var start time.Time
	for i := 0; ; i++ {
		select {
		case j := <-workCh:
			return j
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

// wait waits until the pool goroutines are done with j: polling for up to
// spinWait, then parking on the wait group.
func (j *job) wait() {
	start := time.Now()
	for i := 0; j.pending.Load() > 0; i++ {
		if i%16 == 15 && time.Since(start) > spinWait {
			break
		}
		runtime.Gosched()
	}
	j.wg.Wait()
}

// ensureWorkers starts pool goroutines until n exist. Called with poolMu held.
func ensureWorkers(n int) {
	for ; numWorkers < n; numWorkers++ {
		go worker()
	}
}
