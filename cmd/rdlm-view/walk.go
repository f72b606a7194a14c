//go:build cgo && !js

package main

import (
	"github.com/rdlm-go/rdlm/core/walk"
	"runtime"
	"sync"
	"sync/atomic"

	"github.com/rdlm-go/rdlm/core/ckpt"
	"github.com/rdlm-go/rdlm/core/model"
	"github.com/rdlm-go/rdlm/core/sampler"
)

// liveWalk runs the sampler in the background and keeps the most probable
// tokens of its latest step for the window to draw. A restart abandons the
// running walk: its observer sees that a newer walk began and ends its
// goroutine at the next step, so keys act within one network call.
type liveWalk struct {
	c   *ckpt.Checkpoint
	n   int
	gen atomic.Int64

	mu     sync.Mutex
	tokens []int // (n, L) latest most probable tokens
	step   int   // steps observed of the current walk
	steps  int   // its total
	seed   uint64
	done   bool
	err    error
}

func newLiveWalk(c *ckpt.Checkpoint, n int) *liveWalk {
	return &liveWalk{c: c, n: n, tokens: make([]int, n*c.Config.Model.Length)}
}

// start begins a walk of the given steps and seed, abandoning the previous one.
func (w *liveWalk) start(steps int, seed uint64) {
	gen := w.gen.Add(1)
	w.mu.Lock()
	w.step, w.steps, w.seed, w.done, w.err = 0, steps, seed, false, nil
	clear(w.tokens)
	w.mu.Unlock()
	go w.run(gen, steps, seed)
}

func (w *liveWalk) run(gen int64, steps int, seed uint64) {
	fail := func(err error) {
		w.mu.Lock()
		if w.gen.Load() == gen {
			w.err = err
		}
		w.mu.Unlock()
	}
	pc, mc := w.c.Config.Process, w.c.Config.Model
	sched, mix, err := pc.Walk()
	if err != nil {
		fail(err)
		return
	}
	net, err := model.NewInference(w.c.Params, w.n, mc.Length)
	if err != nil {
		fail(err)
		return
	}
	smp, err := sampler.New(net, walk.Config{
		Batch: w.n, Length: mc.Length, Vocab: mc.Vocab, Steps: steps, Schedule: sched, Mixture: mix,
	})
	if err != nil {
		fail(err)
		return
	}
	smp.SetObserver(func(info *walk.StepInfo) error {
		if w.gen.Load() != gen {
			runtime.Goexit() // a newer walk owns the view; this one is not finished
		}
		w.mu.Lock()
		copy(w.tokens[int(info.First)*info.L:], info.Top[:info.N*info.L])
		w.step = info.Step + 1
		w.mu.Unlock()
		return nil
	})
	out := make([]int, w.n*mc.Length)
	err = smp.Sample(out, seed, 0, w.n)
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.gen.Load() != gen {
		return
	}
	if err != nil {
		w.err = err
		return
	}
	copy(w.tokens, out)
	w.done = true
}

// snapshot copies the latest tokens into dst and reports the progress.
func (w *liveWalk) snapshot(dst []int) (step, steps int, seed uint64, done bool, err error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	copy(dst, w.tokens)
	return w.step, w.steps, w.seed, w.done, w.err
}
