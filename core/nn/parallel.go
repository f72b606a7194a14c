package nn

import (
	"sync"

	"github.com/rdlm-go/rdlm/core/cpu"
)

// Body is the body of a parallel loop: Run handles the indices [lo, hi) on
// the given worker (0 <= worker < Workers()), so that a body can keep
// per-worker scratch and partial sums without locks.
type Body interface {
	Run(worker, lo, hi int)
}

// job is one contiguous share of a loop, sent to a pooled worker.
type job struct {
	body           Body
	worker, lo, hi int
}

// pool is a fixed set of long-lived goroutines. Starting goroutines per call
// would allocate; sending a job (an interface holding a pointer the caller
// already owns) through a channel does not.
type pool struct {
	mu      sync.Mutex // held while a loop runs; a nested or concurrent For runs serially
	jobs    []chan job
	done    chan struct{}
	workers int
}

var (
	thePool  *pool
	poolOnce sync.Once
)

func getPool() *pool {
	poolOnce.Do(func() {
		w := max(cpu.Threads(), 1)
		p := &pool{workers: w, done: make(chan struct{}, w)}
		for i := 1; i < w; i++ {
			ch := make(chan job, 1)
			p.jobs = append(p.jobs, ch)
			go func() {
				for j := range ch {
					j.body.Run(j.worker, j.lo, j.hi)
					p.done <- struct{}{}
				}
			}()
		}
		thePool = p
	})
	return thePool
}

// Workers is the number of workers For may use: size per-worker scratch by it.
func Workers() int { return getPool().workers }

// For runs body over [0, n) split into contiguous shares, one per worker,
// and returns when all are done. The calling goroutine runs share 0. It uses
// at most cpu.Threads() workers: with one thread (GOMAXPROCS 1, as under
// testing.AllocsPerRun, or cpu.SetThreads(1)) the loop runs on its caller,
// since a share handed to another goroutine would then only interleave with
// the caller's, in an order the scheduler picks, at the cost of channel
// operations. When the pool is already busy (a For inside a body, or two
// callers at once) the loop runs serially on worker 0's share of scratch, so
// a body must not call For with a body whose worker scratch it is itself
// using.
func For(n int, body Body) {
	if n <= 0 {
		return
	}
	p := getPool()
	w := min(p.workers, cpu.Threads(), n)
	if w == 1 || !p.mu.TryLock() {
		body.Run(0, 0, n)
		return
	}
	defer p.mu.Unlock()
	for i := 1; i < w; i++ {
		p.jobs[i-1] <- job{body: body, worker: i, lo: i * n / w, hi: (i + 1) * n / w}
	}
	body.Run(0, 0, n/w)
	for i := 1; i < w; i++ {
		<-p.done
	}
}
