package gpu

import (
	"fmt"
	"math"

	"github.com/rdlm-go/rdlm/core/process"
	"github.com/rdlm-go/rdlm/core/rng"
	"github.com/rdlm-go/rdlm/core/walk"
)

// Walk runs the geodesic random walk of core/walk entirely on the device:
// each step is one command stream (the forward pass, the output softmax and
// the sphere update) and the points stay on the device between steps; the
// host only writes the step's scalars. It is the device's walk.Walker and
// reproduces the CPU's (core/sampler) for the same seed, sequence indices
// and hold pattern, up to float rounding, with either step rule (the
// rule only changes the step's scalars, walk.Config.Rates).
//
// With an observer, each step also finds every position's most probable
// token and its probability on the device (the top kernel) and reads back
// those 2·B·L words, never the B·L·K probabilities; without one, nothing is
// read until the walk ends.
type Walk struct {
	e     *Engine
	cfg   walk.Config
	v     int
	times walk.Times
	start process.Start

	xs, tmp, hold, stepU, tops Buf
	steps                      []op       // softmax and sphere update, after the forward pass
	observed                   []op       // the same with the top kernel between them
	stepP                      [12]uint32 // the sphere kernel's params, rewritten per step
	tHost                      []float32  // (Batch) the step's time, per sequence
	host                       []float32  // (Batch, L, V) points: start and result
	xin                        []float32  // (Batch, L, K) first network input
	holdSet                    []int      // (L)
	holdWords                  []uint32   // (L) holdSet as the kernels read it

	observer walk.Observer
	info     walk.StepInfo
	topWords []uint32  // (Batch, L, 2) the top kernel's output: token, probability bits
	top      []int     // (Batch, L)
	prob     []float32 // (Batch, L)
}

// The device walk is a walk.Walker.
var _ walk.Walker = (*Walk)(nil)

// NewWalk prepares a walk of cfg on e (cfg.Batch and cfg.Length must be the
// engine's, cfg.Vocab its vocabulary).
func NewWalk(e *Engine, cfg walk.Config) (*Walk, error) {
	if cfg.Batch != e.Batch || cfg.Length != e.Length || cfg.Vocab != e.cfg.Vocab {
		return nil, fmt.Errorf("gpu: walk of batch %d, length %d, vocabulary %d on an engine of %d, %d, %d",
			cfg.Batch, cfg.Length, cfg.Vocab, e.Batch, e.Length, e.cfg.Vocab)
	}
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	times, err := walk.NewTimes(cfg)
	if err != nil {
		return nil, err
	}
	B, L, K := cfg.Batch, cfg.Length, cfg.Vocab
	V := K + 1
	w := &Walk{e: e, cfg: cfg, v: V, times: times, start: cfg.Start(),
		tHost: make([]float32, B), host: make([]float32, B*L*V), xin: make([]float32, B*L*K),
		holdSet: make([]int, L), holdWords: make([]uint32, L),
		topWords: make([]uint32, 2*B*L), top: make([]int, B*L), prob: make([]float32, B*L)}
	alloc := func(dst *Buf, label string, n int) {
		if err == nil {
			*dst, err = e.buffer(label, n)
		}
	}
	alloc(&w.xs, "points", B*L*V)
	alloc(&w.tmp, "step vectors", B*L*V)
	alloc(&w.hold, "hold", L)
	alloc(&w.tops, "top tokens", 2*B*L)
	if err != nil {
		return nil, err
	}
	if w.stepU, err = e.d.CreateBuffer("step", 4*uint64(len(w.stepP)), Uniform); err != nil {
		return nil, err
	}
	N := B * L
	var softmax, top []op
	if err = e.record(&softmax, "softmax", nil, uint32(N), 1, []uint32{uint32(N), uint32(K)}, e.logits); err != nil {
		return nil, err
	}
	if err = e.record(&top, "top", nil, uint32(N), 1, []uint32{uint32(N), uint32(K), uint32(L)}, e.logits, w.hold, w.tops); err != nil {
		return nil, err
	}
	k, err := e.kernel("sphere", nil)
	if err != nil {
		return nil, err
	}
	g, err := e.d.CreateGroup(k, []Binding{{Buf: w.stepU}, {Buf: e.logits}, {Buf: w.xs}, {Buf: e.x}, {Buf: w.hold}, {Buf: w.tmp}})
	if err != nil {
		return nil, err
	}
	sphere := op{name: "sphere", k: k, g: g, x: uint32(N), y: 1, z: 1}
	w.steps = append(softmax, sphere)
	w.observed = append(append(append([]op{}, softmax...), top...), sphere)
	if err := w.SetHold(nil); err != nil {
		return nil, err
	}
	return w, nil
}

// Config is the walk's configuration.
func (w *Walk) Config() walk.Config { return w.cfg }

// SetHold pins positions as walk.Walker says (nil frees all).
func (w *Walk) SetHold(hold []int) error {
	if err := walk.SetHold(w.holdSet, hold, w.cfg.Vocab); err != nil {
		return err
	}
	for l, k := range w.holdSet {
		w.holdWords[l] = uint32(int32(k))
	}
	w.e.d.WriteBuffer(w.hold, 0, u32Bytes(w.holdWords))
	return nil
}

// SetObserver installs a per-step callback (nil removes it, and with it
// every per-step read-back).
func (w *Walk) SetObserver(o walk.Observer) { w.observer = o }

// Sample generates sequences first .. first+n-1 of seed (n <= Batch) into
// dst (n, L), as walk.Walker says. The device always walks the full batch;
// slots past n walk sequences first+n.. and are neither observed nor decoded.
func (w *Walk) Sample(dst []int, seed, first uint64, n int) error {
	B, L, K, V := w.cfg.Batch, w.cfg.Length, w.cfg.Vocab, w.v
	if err := w.cfg.CheckSample(dst, first, n, B); err != nil {
		return err
	}
	if err := walk.StartPoints(w.host, V, w.holdSet, w.start); err != nil {
		return err
	}
	for r := 0; r < B*L; r++ {
		copy(w.xin[r*K:(r+1)*K], w.host[r*V:r*V+K])
	}
	e := w.e
	e.d.WriteBuffer(w.xs, 0, f32Bytes(w.host))
	e.d.WriteBuffer(e.x, 0, f32Bytes(w.xin))
	key := rng.Key(seed)
	blocks := uint32(walk.BlocksPerStep(K))
	for i := 0; i < w.cfg.Steps; i++ {
		ti := w.times.T[i]
		gamma, beta, dt := w.cfg.Rates(w.times, i)
		for b := range w.tHost {
			w.tHost[b] = float32(ti)
		}
		w.stepP = [12]uint32{math.Float32bits(float32(gamma)), math.Float32bits(float32(math.Sqrt(beta * dt))),
			math.Float32bits(float32(dt)), uint32(i), key[0], key[1], uint32(first), blocks,
			uint32(B * L), uint32(L), uint32(K), uint32(V)}
		e.d.WriteBuffer(e.t, 0, f32Bytes(w.tHost))
		e.d.WriteBuffer(w.stepU, 0, u32Bytes(w.stepP[:]))
		e.d.BeginStream()
		e.run(e.forward)
		if w.observer != nil {
			e.run(w.observed)
		} else {
			e.run(w.steps)
		}
		if err := e.d.Submit(); err != nil {
			return fmt.Errorf("gpu: step %d: %v", i, err)
		}
		if w.observer != nil {
			if err := w.observe(i, ti, first, n); err != nil {
				return err
			}
		}
	}
	pts := w.host[:n*L*V]
	if err := e.d.Read(w.xs, 0, f32Bytes(pts)); err != nil {
		return err
	}
	return process.DecodeRows(dst, pts, V)
}

// observe reads the step's top tokens of the n observed sequences (2·n·L
// words) and hands them to the observer.
func (w *Walk) observe(step int, t float64, first uint64, n int) error {
	rows := n * w.cfg.Length
	words := w.topWords[:2*rows]
	if err := w.e.d.Read(w.tops, 0, u32Bytes(words)); err != nil {
		return fmt.Errorf("gpu: step %d: %v", step, err)
	}
	for r := 0; r < rows; r++ {
		w.top[r], w.prob[r] = int(words[2*r]), math.Float32frombits(words[2*r+1])
	}
	w.info = walk.StepInfo{Step: step, T: t, First: first, N: n, L: w.cfg.Length, Top: w.top[:rows], Prob: w.prob[:rows]}
	return w.observer(&w.info)
}

// Points is the (Batch, L, V) host copy of the points after the last Sample
// (its first n sequences).
func (w *Walk) Points() []float32 { return w.host }
