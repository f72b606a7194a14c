//go:build cgo && !js

package main

import (
	"errors"
	"sync"
	"sync/atomic"

	"github.com/rdlm-go/rdlm/core/ckpt"
	"github.com/rdlm-go/rdlm/core/generate"
	"github.com/rdlm-go/rdlm/core/walk"
)

// viewLimits bound the viewer's requests: rdlm view bounds --n and --steps
// first; all n samples walk in one batch.
var viewLimits = generate.Limits{Steps: walk.MaxSteps, Samples: 1 << 10, Batch: 1 << 10, Names: generate.PlainNames}

// errAbandoned ends a walk whose view a newer walk took over.
var errAbandoned = errors.New("walk abandoned")

// liveWalk runs the walk (core/generate, on the CPU) in the background and
// keeps the most probable tokens of its latest step for the window to draw.
// A restart abandons the running walk: its observer sees that a newer walk
// began and stops it at the next step, so keys act within one network call.
type liveWalk struct {
	m   *generate.Model
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

func newLiveWalk(c *ckpt.Checkpoint, n int) (*liveWalk, error) {
	m, err := generate.NewModel(c, nil)
	if err != nil {
		return nil, err
	}
	return &liveWalk{m: m, n: n, tokens: make([]int, n*c.Config.Model.Length)}, nil
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
	err := w.walk(gen, steps, seed)
	w.mu.Lock()
	defer w.mu.Unlock()
	switch {
	case w.gen.Load() != gen: // a newer walk owns the view
	case err != nil:
		w.err = err
	default:
		w.done = true
	}
}

// walk runs one walk of all n samples in one batch, the observer copying
// each step's most probable tokens into the view, and the final tokens at
// the end.
func (w *liveWalk) walk(gen int64, steps int, seed uint64) error {
	p, err := w.m.Plan(generate.Request{Steps: steps, Samples: w.n, Batch: w.n, Seed: seed, Backend: generate.CPU}, viewLimits)
	if err != nil {
		return err
	}
	run, err := generate.Open(p, generate.Options{})
	if err != nil {
		return err
	}
	defer run.Close()
	err = run.SetObserver(func(info *walk.StepInfo) error {
		if w.gen.Load() != gen {
			return errAbandoned
		}
		w.mu.Lock()
		copy(w.tokens[int(info.First)*info.L:], info.Top[:info.N*info.L])
		w.step = info.Step + 1
		w.mu.Unlock()
		return nil
	})
	if err != nil {
		return err
	}
	return run.Run(p, func(index int, tokens []int) error {
		w.mu.Lock()
		defer w.mu.Unlock()
		if w.gen.Load() == gen {
			copy(w.tokens[index*p.Positions:], tokens)
		}
		return nil
	})
}

// snapshot copies the latest tokens into dst and reports the progress.
func (w *liveWalk) snapshot(dst []int) (step, steps int, seed uint64, done bool, err error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	copy(dst, w.tokens)
	return w.step, w.steps, w.seed, w.done, w.err
}
