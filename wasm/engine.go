package main

import (
	"errors"
	"fmt"
	"sync/atomic"
	"time"

	"github.com/rdlm-go/rdlm/core/generate"
	"github.com/rdlm-go/rdlm/core/model"
	"github.com/rdlm-go/rdlm/core/walk"
)

// CPUBackendName is what the badge says when the CPU engine runs.
const CPUBackendName = "CPU (WebAssembly)"

// Backend says what runs the network, and why not the GPU when it does not.
type Backend struct {
	Name   string `json:"name"` // the WebGPU adapter, or CPUBackendName
	GPU    bool   `json:"gpu"`
	Reason string `json:"reason,omitempty"` // why the CPU runs
}

// DeviceOpener builds the device walk of cfg with p's network (core/generate's
// OpenDevice). An error means "use the CPU", and says why.
type DeviceOpener func(p *model.Params[float32], cfg walk.Config) (*generate.Device, error)

// Engine runs one generation at a time and keeps its core/generate Runner
// (and with it the network and the device's buffers) between generations
// of the same shape, whatever their steps.
type Engine struct {
	openDevice DeviceOpener
	noGPU      string // why the GPU is not used; sticky once set
	cur        *generate.Runner
	busy       atomic.Bool
	job        atomic.Uint64 // the running generation's id
	cancel     atomic.Uint64 // the id of the generation to stop
}

// NewEngine returns an engine that tries the device first (nil: CPU only).
func NewEngine(openDevice DeviceOpener) *Engine {
	e := &Engine{openDevice: openDevice}
	if openDevice == nil {
		e.noGPU = "this build has no WebGPU engine"
	}
	return e
}

// errCancelled is what the observer returns once Cancel is called: the walk
// stops after the step it is on.
var errCancelled = errors.New("generation cancelled")

// Cancel stops generation job at its next step; it may come before the
// generation starts, and a stale id stops nothing.
func (e *Engine) Cancel(job uint64) { e.cancel.Store(job) }

func (e *Engine) cancelled() bool { return e.cancel.Load() == e.job.Load() }

// runnerFor returns a Runner for p. A request that names no backend runs
// as the page always has: on the device whenever one opens (a software
// adapter included), else on the CPU with the reason, which then sticks.
// Named backends mean what core/generate says (auto leaves a software
// adapter for the CPU; webgpu fails rather than run elsewhere).
func (e *Engine) runnerFor(p *generate.Plan, named bool) (*generate.Runner, error) {
	switch {
	case p.Backend == generate.WebGPU && e.openDevice == nil:
		return nil, errors.New(e.noGPU)
	case e.noGPU != "" && (!named || p.Backend == generate.Auto):
		p.Backend = generate.CPU // the device failed before (or this build has none)
	case !named:
		p.Backend = generate.WebGPU
	}
	if e.cur != nil && e.cur.Refit(p) { // new steps keep the network and the device
		return e.cur, nil
	}
	e.release()
	run, err := generate.Open(p, generate.Options{OpenDevice: e.openDevice})
	if err != nil && !named && p.Backend == generate.WebGPU {
		e.noGPU = err.Error()
		p.Backend = generate.CPU
		run, err = generate.Open(p, generate.Options{OpenDevice: e.openDevice})
	}
	if err != nil {
		return nil, err
	}
	e.cur = run
	return run, nil
}

// release frees the current runner's device resources, if it has any.
func (e *Engine) release() {
	if e.cur != nil {
		e.cur.Close()
		e.cur = nil
	}
}

// backendOf is a runner's backend as the page names it.
func (e *Engine) backendOf(run *generate.Runner) Backend {
	b := run.Backend()
	if b.GPU {
		return Backend{Name: b.Name, GPU: true}
	}
	reason := b.Reason
	if reason == "" {
		reason = e.noGPU
	}
	return Backend{Name: CPUBackendName, Reason: reason}
}

// Backend is what the next generation would run on, as far as known.
func (e *Engine) Backend() Backend {
	if e.cur != nil {
		return e.backendOf(e.cur)
	}
	if e.noGPU != "" {
		return Backend{Name: CPUBackendName, Reason: e.noGPU}
	}
	return Backend{Name: "WebGPU (not started yet)", GPU: true}
}

// StepEvent is one step of one batch, for the live view. Top and Prob are
// the walk's buffers: copy what must outlive the call.
type StepEvent struct {
	Step, Steps int
	T           float64 // the time the walk has reached after this step (see reachedTime)
	First       uint64  // index of the batch's first sample
	N, L        int
	Top         []int     // (N, L) most likely token of each position
	Prob        []float32 // (N, L) its probability
	// Pixels (N, Height*Width*Channels), image models only: each value
	// as Top spells it (a split model's two digits joined).
	Pixels []uint8
	StepMs float64 // wall time of this step
}

// Hooks connect a generation to the page. Yield, called after every step,
// lets the browser's event loop run (a Stop click arrives that way).
type Hooks struct {
	Step    func(*StepEvent)
	Backend func(Backend) // the backend changed mid-generation (GPU lost)
	Yield   func()
}

// Result is a finished (or stopped) generation.
type Result struct {
	Texts []string `json:"texts"` // the samples finished; fewer when cancelled
	// Images counts the finished samples of an image model, whose values
	// (Images, Height*Width*Channels) are in Pixels; the JS bridge hands
	// them over as a Uint8Array rather than as JSON.
	Images      int     `json:"images"`
	Pixels      []uint8 `json:"-"`
	Steps       int     `json:"steps"`
	Length      int     `json:"length"`
	Hold        string  `json:"hold,omitempty"` // the prompt or template after normalising
	Backend     Backend `json:"backend"`
	Cancelled   bool    `json:"cancelled"`
	FirstStepMs float64 `json:"firstStepMs"` // from the request to the first step's result
	TotalMs     float64 `json:"totalMs"`
}

// Generate samples r with m as generation job (an id > 0 that Cancel can
// name). A GPU failure (a lost device) switches to the CPU and redoes the
// batch: the seed fixes the text whatever the backend.
func (e *Engine) Generate(job uint64, m *Model, r Request, h Hooks) (*Result, error) {
	if job == 0 {
		return nil, errors.New("generation ids start at 1")
	}
	if !e.busy.CompareAndSwap(false, true) {
		return nil, errors.New("a generation is already running")
	}
	defer e.busy.Store(false)
	e.job.Store(job)
	defer e.job.Store(0)
	p, err := m.plan(r)
	if err != nil {
		return nil, err
	}
	start := time.Now()
	res := &Result{Texts: []string{}, Steps: p.Steps, Length: p.Length, Hold: p.HoldText, FirstStepMs: -1}
	g := m.gen
	size := g.ImageValues()
	var stepPixels []uint8
	var viewErr error // a step whose pixels could not be read
	if m.IsImage() {
		stepPixels = make([]uint8, p.Batch*size)
		res.Pixels = make([]uint8, 0, p.Samples*size)
	}
	last := start
	observe := func(info *walk.StepInfo) error {
		now := time.Now()
		if res.FirstStepMs < 0 {
			res.FirstStepMs = ms(now.Sub(start))
		}
		if h.Step != nil {
			ev := &StepEvent{Step: info.Step, Steps: p.Steps, T: reachedTime(info.Step, p.Steps), First: info.First, N: info.N, L: info.L,
				Top: info.Top, Prob: info.Prob, StepMs: ms(now.Sub(last))}
			if stepPixels != nil {
				ev.Pixels = stepPixels[:info.N*size]
				if err := g.Pixels(ev.Pixels, info.Top, info.N); err != nil {
					// Cannot happen (Top indexes the model's vocab, the
					// digit base), but a wrong picture must not pass silently.
					viewErr = err
					ev.Pixels = nil
				}
			}
			h.Step(ev)
		}
		if h.Yield != nil {
			h.Yield()
		}
		last = time.Now()
		if e.cancelled() {
			return errCancelled
		}
		return nil
	}
	for first := 0; first < p.Samples; {
		if e.cancelled() {
			break
		}
		n := min(p.Batch, p.Samples-first)
		run, err := e.runnerFor(p, r.Backend != "")
		if err != nil {
			return nil, err
		}
		res.Backend = e.backendOf(run)
		if err := run.SetHold(p.Hold); err != nil {
			return nil, err
		}
		if err := run.SetObserver(observe); err != nil {
			return nil, err
		}
		last = time.Now()
		tokens, err := run.Sample(p.Seed, first, n)
		switch {
		case e.cancelled():
			res.Cancelled = true
			res.TotalMs = ms(time.Since(start))
			return res, nil
		case err != nil && res.Backend.GPU && r.Backend != generate.WebGPU:
			// A device lost mid-walk; an explicit webgpu reports it instead.
			e.noGPU = fmt.Sprintf("the WebGPU device failed, so the CPU took over (%v)", err)
			e.release()
			if h.Backend != nil {
				h.Backend(e.Backend())
			}
			continue // redo this batch on the CPU
		case err != nil:
			return nil, err
		case viewErr != nil:
			return nil, viewErr
		}
		if m.IsImage() {
			res.Pixels = res.Pixels[:(first+n)*size]
			if err := g.Pixels(res.Pixels[first*size:], tokens, n); err != nil {
				return nil, err
			}
			res.Images += n
			first += n
			continue
		}
		for s := 0; s < n; s++ {
			txt, err := run.Text(tokens[s*p.Positions : (s+1)*p.Positions])
			if err != nil {
				return nil, err
			}
			res.Texts = append(res.Texts, txt)
		}
		first += n
	}
	res.Cancelled = e.cancelled()
	res.TotalMs = ms(time.Since(start))
	return res, nil
}

// reachedTime is the time the walk has reached once step (0-based) of steps
// is done: the end of the step, not the start the network was evaluated at,
// and 1 after the last, whose state is the decoded text. (The walk's grid
// stops 1e-5 short of 1 and its StepInfo.T is the step's start; a view that
// showed either would never reach t = 1.)
func reachedTime(step, steps int) float64 { return float64(step+1) / float64(steps) }

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }
