package main

import (
	"errors"
	"fmt"
	"github.com/rdlm-go/rdlm/core/walk"
	"sync/atomic"
	"time"

	"github.com/rdlm-go/rdlm/core/model"
	"github.com/rdlm-go/rdlm/core/sampler"
)

// CPUBackendName is what the badge says when the CPU engine runs.
const CPUBackendName = "CPU (WebAssembly)"

// Backend says what runs the network, and why not the GPU when it does not.
type Backend struct {
	Name   string `json:"name"` // the WebGPU adapter, or CPUBackendName
	GPU    bool   `json:"gpu"`
	Reason string `json:"reason,omitempty"` // why the CPU runs
}

// GPUOpener builds a WebGPU denoiser for up to batch sequences of length
// positions and names its adapter. An error means "use the CPU", and says why.
type GPUOpener func(p *model.Params[float32], batch, length int) (d model.Denoiser, adapter string, err error)

// Engine runs one generation at a time and chooses the backend: the only
// place where that choice is made.
type Engine struct {
	openGPU GPUOpener
	noGPU   string // why the GPU is not used; sticky once set
	cur     *runner
	busy    atomic.Bool
	job     atomic.Uint64 // the running generation's id
	cancel  atomic.Uint64 // the id of the generation to stop
}

// runner is a sampler built for one model, batch and length on one backend,
// kept between generations of the same shape.
type runner struct {
	m                    *Model
	batch, length, steps int
	backend              Backend
	denoiser             model.Denoiser
	smp                  *sampler.Sampler
}

// NewEngine returns an engine that tries openGPU first (nil: CPU only).
func NewEngine(openGPU GPUOpener) *Engine {
	e := &Engine{openGPU: openGPU}
	if openGPU == nil {
		e.noGPU = "this build has no WebGPU engine"
	}
	return e
}

// errCancelled is what the wrapped denoiser returns once Cancel is called:
// the walk stops at the next step.
var errCancelled = errors.New("generation cancelled")

// Cancel stops generation job at its next step; it may come before the
// generation starts, and a stale id stops nothing.
func (e *Engine) Cancel(job uint64) { e.cancel.Store(job) }

func (e *Engine) cancelled() bool { return e.cancel.Load() == e.job.Load() }

// runnerFor returns a sampler for the plan. The network (and its device
// buffers) is kept while the model, batch and length stay the same, and the
// sampler while the steps do too.
func (e *Engine) runnerFor(m *Model, p *plan) (*runner, error) {
	if r := e.cur; r != nil && r.m == m && r.batch == p.batch && r.length == p.length && r.backend.GPU == (e.noGPU == "") {
		if r.steps != p.steps {
			if err := e.newSampler(r, p.steps); err != nil {
				return nil, err
			}
		}
		return r, nil
	}
	e.release()
	r := &runner{m: m, batch: p.batch, length: p.length}
	if e.noGPU == "" {
		d, adapter, err := e.openGPU(m.params, p.batch, p.length)
		if err == nil {
			r.denoiser, r.backend = d, Backend{Name: adapter, GPU: true}
		} else {
			e.noGPU = err.Error()
		}
	}
	if r.denoiser == nil {
		net, err := model.NewInference(m.params, p.batch, p.length)
		if err != nil {
			return nil, err
		}
		r.denoiser, r.backend = model.DenoiserFunc(net.Forward), Backend{Name: CPUBackendName, Reason: e.noGPU}
	}
	if err := e.newSampler(r, p.steps); err != nil {
		return nil, err
	}
	e.cur = r
	return r, nil
}

// newSampler builds r's sampler for steps over a denoiser that stops at the
// next step once Cancel is called.
func (e *Engine) newSampler(r *runner, steps int) error {
	cancellable := model.DenoiserFunc(func(logits, x, t []float32) error {
		if e.cancelled() {
			return errCancelled
		}
		return r.denoiser.Forward(logits, x, t)
	})
	smp, err := sampler.New(cancellable, walk.Config{Batch: r.batch, Length: r.length, Vocab: r.m.params.Cfg.Vocab,
		Steps: steps, Schedule: r.m.sched, Mixture: r.m.mix})
	if err != nil {
		return err
	}
	r.smp, r.steps = smp, steps
	return nil
}

// release frees the current runner's device resources, if it has any.
func (e *Engine) release() {
	if e.cur == nil {
		return
	}
	if c, ok := e.cur.denoiser.(interface{ Release() }); ok {
		c.Release()
	}
	e.cur = nil
}

// Backend is what the next generation would run on, as far as known.
func (e *Engine) Backend() Backend {
	if e.cur != nil {
		return e.cur.backend
	}
	if e.noGPU != "" {
		return Backend{Name: CPUBackendName, Reason: e.noGPU}
	}
	return Backend{Name: "WebGPU (not started yet)", GPU: true}
}

// StepEvent is one step of one batch, for the live view. Top and Prob are
// the sampler's buffers: copy what must outlive the call.
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
	p, err := m.check(r)
	if err != nil {
		return nil, err
	}
	start := time.Now()
	res := &Result{Texts: []string{}, Steps: p.steps, Length: p.length, Hold: p.holdText, FirstStepMs: -1}
	tokens := make([]int, p.batch*p.length)
	var stepPixels []uint8
	var viewErr error // a step whose pixels could not be read
	if m.IsImage() {
		stepPixels = make([]uint8, p.batch*m.imageSize())
	}
	for first := 0; first < p.samples; {
		n := min(p.batch, p.samples-first)
		run, err := e.runnerFor(m, p)
		if err != nil {
			return nil, err
		}
		res.Backend = run.backend
		if err := run.smp.SetHold(p.hold); err != nil {
			return nil, err
		}
		last := time.Now()
		run.smp.SetObserver(func(info *walk.StepInfo) error {
			now := time.Now()
			if res.FirstStepMs < 0 {
				res.FirstStepMs = ms(now.Sub(start))
			}
			if h.Step != nil {
				ev := &StepEvent{Step: info.Step, Steps: p.steps, T: reachedTime(info.Step, p.steps), First: info.First, N: info.N, L: info.L,
					Top: info.Top, Prob: info.Prob, StepMs: ms(now.Sub(last))}
				if stepPixels != nil {
					ev.Pixels = stepPixels[:info.N*m.imageSize()]
					if err := m.pixelValues(ev.Pixels, info.Top, info.N); err != nil {
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
			return nil
		})
		err = run.smp.Sample(tokens[:n*p.length], p.seed, uint64(first), n)
		switch {
		case e.cancelled():
			res.Cancelled = true
			res.TotalMs = ms(time.Since(start))
			return res, nil
		case err != nil && run.backend.GPU:
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
			values := make([]uint8, n*m.imageSize())
			if err := m.pixelValues(values, tokens[:n*p.length], n); err != nil {
				return nil, err
			}
			res.Pixels = append(res.Pixels, values...)
			res.Images += n
			first += n
			continue
		}
		for s := 0; s < n; s++ {
			txt, err := m.vocab.Decode(tokens[s*p.length : (s+1)*p.length])
			if err != nil {
				return nil, err
			}
			res.Texts = append(res.Texts, txt)
		}
		first += n
	}
	res.TotalMs = ms(time.Since(start))
	return res, nil
}

// reachedTime is the time the walk has reached once step (0-based) of steps
// is done: the end of the step, not the start the network was evaluated at,
// and 1 after the last, whose state is the decoded text. (The sampler's
// grid stops 1e-5 short of 1 and its StepInfo.T is the step's start; a view
// that showed either would never reach t = 1.)
func reachedTime(step, steps int) float64 { return float64(step+1) / float64(steps) }

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }
