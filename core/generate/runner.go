package generate

import (
	"fmt"
	"runtime"
	"strings"

	"github.com/rdlm-go/rdlm/core/gpu"
	"github.com/rdlm-go/rdlm/core/model"
	"github.com/rdlm-go/rdlm/core/sampler"
	"github.com/rdlm-go/rdlm/core/walk"
)

// Choice is where a request asks to run.
type Choice string

const (
	// Auto runs the walk on the device when WebGPU opens on a hardware
	// adapter and can run the request, else on the CPU, and says why
	// (Backend.Reason): a software adapter (SwiftShader) is slower than
	// the CPU.
	Auto Choice = "auto"
	// WebGPU runs the walk on the device or fails: never silently on the
	// CPU.
	WebGPU Choice = "webgpu"
	// CPU runs on the host.
	CPU Choice = "cpu"
)

// Backend says what runs a generation, and why not the device when the CPU
// runs where the device was allowed.
type Backend struct {
	Name   string `json:"name"` // the WebGPU adapter, or CPUName
	GPU    bool   `json:"gpu"`
	Reason string `json:"reason,omitempty"` // why the CPU runs (Auto only)
}

// CPUName is the CPU backend's name: the host's, or WebAssembly's in a
// browser.
var CPUName = func() string {
	if runtime.GOOS == "js" {
		return "CPU (WebAssembly)"
	}
	return "CPU"
}()

// Device is a walk on a device with its owner's release.
type Device struct {
	Walker  walk.Walker
	Adapter gpu.AdapterInfo
	Close   func() // frees every buffer the walk holds (nil: nothing to free)
	// Rewalk, when set, makes a walk of other steps on the same network
	// and device (nil: a change of steps reopens the device).
	Rewalk func(cfg walk.Config) (walk.Walker, error)
}

// Options say how Open finds the device.
type Options struct {
	// Library is the webgpu.h library for the native driver (the CLI's
	// --webgpu-lib); empty searches gpu.LibraryCandidates. Ignored in js.
	Library string
	// OpenDevice, when set, replaces core/gpu as the device (tests, and a
	// front end that must make its own): a walk of cfg with p's network.
	OpenDevice func(p *model.Params[float32], cfg walk.Config) (*Device, error)
}

// OpenGPU is the default device: a driver from gpu.Open, the network on it
// (gpu.Engine) and the device walk (gpu.Walk); Close closes the driver and
// with it every buffer.
func OpenGPU(library string) func(p *model.Params[float32], cfg walk.Config) (*Device, error) {
	return func(p *model.Params[float32], cfg walk.Config) (*Device, error) {
		d, err := gpu.Open(gpu.Options{Library: library})
		if err != nil {
			return nil, err
		}
		e, err := gpu.NewEngine(d, p, cfg.Batch, cfg.Length)
		if err != nil {
			d.Close()
			return nil, fmt.Errorf("the model does not fit the WebGPU device: %v", err)
		}
		w, err := gpu.NewWalk(e, cfg)
		if err != nil {
			d.Close()
			return nil, err
		}
		// Another walk on the engine shares its network, weights and
		// compiled kernels; its few buffers live until Close.
		rewalk := func(cfg walk.Config) (walk.Walker, error) { return gpu.NewWalk(e, cfg) }
		return &Device{Walker: w, Adapter: d.Adapter(), Close: d.Close, Rewalk: rewalk}, nil
	}
}

// baseline is a baseline model's sampler (ancestral for the autoregressive
// one, unmasking for MDLM): the walk's Sample and SetHold, no observer.
type baseline interface {
	Sample(dst []int, seed, first uint64, n int) error
	SetHold(hold []int) error
}

// Runner holds a backend ready for one plan's shape: the walk (or a
// baseline's sampler) on the CPU or the device, and its buffers. It owns
// the device: Close frees it. A Runner is not safe for concurrent use.
type Runner struct {
	model   *Model
	shape   Plan // Batch, Positions, Steps, Rule and Backend it was opened for
	backend Backend
	walker  walk.Walker // nil for a baseline
	base    baseline
	close   func()
	tokens  []int // (Batch, Positions)
	dec     *decoder

	// What Refit needs to walk other steps on the same network: the host's
	// network, or the device's Rewalk with the walks made so far (a
	// device cannot free one walk's buffers before Close, so each number
	// of steps gets one walk); and the hold and observer to carry over.
	net      *model.Inference[float32]
	rewalk   func(walk.Config) (walk.Walker, error)
	walks    map[int]walk.Walker
	hold     []int // (Positions) nil: every position free
	observer walk.Observer
}

// Open builds a Runner for p. The choice p.Backend decides: CPU runs on the
// host; WebGPU on the device or returns the reason it cannot; Auto tries
// the device and falls back to the CPU, saying why in Backend().Reason.
func Open(p *Plan, o Options) (*Runner, error) {
	m := p.Model
	r := &Runner{model: m, shape: *p, tokens: make([]int, p.Batch*p.Positions), dec: m.newDecoder(p.Length)}
	r.shape.Hold, r.shape.HoldText = nil, ""
	cfg := p.walkConfig()
	reason := ""
	switch {
	case p.Backend == CPU:
	case m.isBaseline() && p.Backend == WebGPU:
		return nil, fmt.Errorf("the %q baseline samples on the CPU only (backend %s); the WGSL engine runs RDLM's walk", m.Family(), CPU)
	case m.isBaseline():
		reason = fmt.Sprintf("the %q baseline samples on the CPU only", m.Family())
	default:
		open := o.OpenDevice
		if open == nil {
			open = OpenGPU(o.Library)
		}
		dev, err := open(m.params, cfg)
		switch {
		case err == nil && p.Backend == Auto && IsSoftware(dev.Adapter):
			// A CPU emulating a GPU runs the walk slower than the CPU itself
			// (BENCHMARKS.md: SwiftShader).
			if dev.Close != nil {
				dev.Close()
			}
			name := strings.TrimSuffix(AdapterName(dev.Adapter), " (software)")
			reason = fmt.Sprintf("the WebGPU adapter here (%s) is a software one, slower than the CPU", name)
		case err == nil:
			r.walker, r.close, r.rewalk = dev.Walker, dev.Close, dev.Rewalk
			r.walks = map[int]walk.Walker{p.Steps: dev.Walker}
			r.backend = Backend{Name: AdapterName(dev.Adapter), GPU: true}
		case p.Backend == WebGPU:
			return nil, err
		default:
			reason = err.Error() // gpu.Open's errors say what is missing and how to get it
		}
	}
	if r.walker == nil {
		r.backend = Backend{Name: CPUName, Reason: reason}
		if err := r.openCPU(p, cfg); err != nil {
			return nil, err
		}
	}
	if err := r.SetHold(p.Hold); err != nil {
		r.Close()
		return nil, err
	}
	return r, nil
}

// openCPU builds the host's network and the walk or baseline sampler on it.
func (r *Runner) openCPU(p *Plan, cfg walk.Config) error {
	net, err := model.NewInference(r.model.params, p.Batch, p.Positions)
	if err != nil {
		return err
	}
	// A model's weights never change under a runner: pack them once (the
	// logits are the same, each step skips packing every weight matrix).
	net.PackWeights()
	r.net = net
	pc := r.model.cfg.Process
	switch {
	case pc.IsAR():
		r.base, err = sampler.NewAncestral(net, p.Batch, p.Positions, cfg.Vocab)
	case pc.IsMDLM():
		r.base, err = sampler.NewMasked(net, p.Batch, p.Positions, cfg.Vocab, p.Steps)
	default:
		r.walker, err = sampler.New(net, cfg)
	}
	return err
}

// IsSoftware says whether an adapter is a CPU emulating a GPU: WebGPU's
// isFallbackAdapter, or SwiftShader by name (which does not always say it
// is a fallback).
func IsSoftware(info gpu.AdapterInfo) bool {
	return info.Fallback || strings.Contains(strings.ToLower(info.Name), "swiftshader")
}

// AdapterName keeps the non-empty, non-"undefined" words of an adapter's
// self-description, and says when it is a software one.
func AdapterName(info gpu.AdapterInfo) string {
	var words []string
	for _, w := range strings.Fields(info.Name) {
		if w != "undefined" && w != "<undefined>" {
			words = append(words, w)
		}
	}
	name := strings.Join(words, " ")
	if name == "" {
		name = "WebGPU adapter"
	}
	if info.Fallback {
		name += " (software)"
	}
	return name
}

// Backend is what runs the Runner's walks.
func (r *Runner) Backend() Backend { return r.backend }

// Fits says whether r can run p as it is (same model, shape, steps, rule and
// backend choice): a front end keeps a Runner, and its device buffers,
// between requests that fit it, and sets each one's hold with SetHold.
func (r *Runner) Fits(p *Plan) bool {
	s := r.shape
	return p.Model == r.model && p.Batch == s.Batch && p.Positions == s.Positions && p.Length == s.Length &&
		p.Steps == s.Steps && p.Rule == s.Rule && p.Backend == s.Backend
}

// Refit makes r run p if only the steps differ from what it was opened
// for, keeping its network (and the device's weights and compiled kernels),
// hold and observer, and says whether r now fits p. A front end that
// changes only the steps between requests keeps its device this way.
func (r *Runner) Refit(p *Plan) bool {
	s := r.shape
	s.Steps = p.Steps
	if r.Fits(p) {
		return true
	}
	if p.Model != r.model || p.Batch != s.Batch || p.Positions != s.Positions || p.Length != s.Length ||
		p.Rule != s.Rule || p.Backend != s.Backend || r.model.cfg.Process.IsAR() {
		return false
	}
	cfg := p.walkConfig()
	var err error
	switch {
	case r.model.cfg.Process.IsMDLM():
		var m *sampler.Masked
		if m, err = sampler.NewMasked(r.net, p.Batch, p.Positions, cfg.Vocab, p.Steps); err == nil {
			r.base = m
		}
	case r.net != nil:
		var w *sampler.Sampler
		if w, err = sampler.New(r.net, cfg); err == nil {
			r.walker = w
		}
	case r.rewalk != nil:
		w, ok := r.walks[p.Steps]
		if !ok {
			if w, err = r.rewalk(cfg); err == nil {
				r.walks[p.Steps] = w
			}
		}
		if err == nil {
			r.walker = w
		}
	default:
		return false
	}
	if err == nil {
		err = r.SetHold(r.hold)
	}
	if err != nil {
		return false
	}
	if r.walker != nil {
		r.walker.SetObserver(r.observer)
	}
	r.shape.Steps = p.Steps
	return true
}

// SetHold pins positions for the following walks (a plan's Hold; nil frees
// every position).
func (r *Runner) SetHold(hold []int) error {
	var err error
	if r.base != nil {
		err = r.base.SetHold(hold)
	} else {
		err = r.walker.SetHold(hold)
	}
	if err == nil {
		r.hold = append(r.hold[:0], hold...)
		if hold == nil {
			r.hold = nil
		}
	}
	return err
}

// SetObserver installs a per-step callback on the walk (nil removes it; a
// device walk then reads nothing back per step). The baselines have no walk
// to observe.
func (r *Runner) SetObserver(o walk.Observer) error {
	if r.base != nil {
		return fmt.Errorf("the %q baseline has no walk to observe", r.model.Family())
	}
	r.walker.SetObserver(o)
	r.observer = o
	return nil
}

// Sample generates samples first .. first+n-1 of seed (n <= the plan's
// Batch) and returns their tokens (n, Positions): the Runner's buffer,
// overwritten by the next call. A sample's tokens depend only on the seed,
// its index, the hold pattern and the plan, never on the batch or backend
// (up to float rounding on the device).
func (r *Runner) Sample(seed uint64, first, n int) ([]int, error) {
	if n < 1 || n > r.shape.Batch || first < 0 {
		return nil, fmt.Errorf("generate: samples %d..%d in batches of %d", first, first+n-1, r.shape.Batch)
	}
	dst := r.tokens[:n*r.shape.Positions]
	var err error
	if r.base != nil {
		err = r.base.Sample(dst, seed, uint64(first), n)
	} else {
		err = r.walker.Sample(dst, seed, uint64(first), n)
	}
	return dst, err
}

// Text decodes one sample's tokens (Positions) into text: characters, or a
// split model's token ids through its WordPiece vocabulary (the ids
// themselves when it has none).
func (r *Runner) Text(tokens []int) (string, error) { return r.dec.text(tokens) }

// Run generates p's samples batch by batch and calls each with every
// sample's index and tokens (Positions; the Runner's buffer, valid during
// the call). It stops at the first error, each's included.
func (r *Runner) Run(p *Plan, each func(index int, tokens []int) error) error {
	if !r.Fits(p) {
		return fmt.Errorf("generate: the runner was opened for another plan")
	}
	if err := r.SetHold(p.Hold); err != nil {
		return err
	}
	P := p.Positions
	for first := 0; first < p.Samples; first += p.Batch {
		n := min(p.Batch, p.Samples-first)
		tokens, err := r.Sample(p.Seed, first, n)
		if err != nil {
			return err
		}
		for s := range n {
			if err := each(first+s, tokens[s*P:(s+1)*P]); err != nil {
				return err
			}
		}
	}
	return nil
}

// Close frees the device, if the Runner holds one. It may be called twice.
func (r *Runner) Close() {
	if r.close != nil {
		r.close()
		r.close = nil
	}
}
