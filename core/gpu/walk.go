package gpu

import (
	"fmt"
	"math"

	"github.com/rdlm-go/rdlm/core/process"
	"github.com/rdlm-go/rdlm/core/rng"
	"github.com/rdlm-go/rdlm/core/sampler"
	"github.com/rdlm-go/rdlm/core/sphere"
)

// Walk runs the geodesic random walk of core/sampler entirely on the device:
// each step is one command stream (the forward pass, the output softmax and
// the sphere update) and the points stay on the device between steps; the
// host only writes the step's scalars. It reproduces sampler.Sampler for the
// same seed, sequence indices and hold pattern, up to float rounding.
type Walk struct {
	e    *Engine
	cfg  sampler.Config
	v    int
	grid []float64
	dt   float64

	xs, tmp, hold, stepU Buf
	steps                []op       // softmax and sphere update, after the forward pass
	stepP                [12]uint32 // the sphere kernel's params, rewritten per step
	tHost                []float32  // (Batch) the step's time, per sequence
	host                 []float32  // (Batch, L, V) points: start and result
	xin                  []float32  // (Batch, L, K) first network input
	holdHost             []int32
	holdSet              []int
	start                process.Start
}

// NewWalk prepares a walk of cfg on e (cfg.Batch and cfg.Length must be the
// engine's, cfg.Vocab its vocabulary).
func NewWalk(e *Engine, cfg sampler.Config) (*Walk, error) {
	if cfg.Batch != e.Batch || cfg.Length != e.Length || cfg.Vocab != e.cfg.Vocab {
		return nil, fmt.Errorf("gpu: walk of batch %d, length %d, vocabulary %d on an engine of %d, %d, %d",
			cfg.Batch, cfg.Length, cfg.Vocab, e.Batch, e.Length, e.cfg.Vocab)
	}
	if cfg.Steps < 1 || cfg.Schedule == nil {
		return nil, fmt.Errorf("gpu: a walk needs steps >= 1 and a schedule")
	}
	if cfg.Steps > sampler.MaxSteps {
		return nil, fmt.Errorf("gpu: %d steps is beyond the limit of %d (sampler.MaxSteps)", cfg.Steps, sampler.MaxSteps)
	}
	if err := cfg.Mixture.Validate(); err != nil {
		return nil, err
	}
	B, L, K := cfg.Batch, cfg.Length, cfg.Vocab
	V := K + 1
	w := &Walk{e: e, cfg: cfg, v: V, grid: make([]float64, cfg.Steps+1), start: cfg.Mixture.GenerationStart(),
		tHost: make([]float32, B), host: make([]float32, B*L*V), xin: make([]float32, B*L*K),
		holdHost: make([]int32, L), holdSet: make([]int, L)}
	var err error
	if w.dt, err = process.SamplingGrid(w.grid); err != nil {
		return nil, err
	}
	for i := range w.holdHost {
		w.holdHost[i], w.holdSet[i] = sampler.Free, sampler.Free
	}
	alloc := func(dst *Buf, label string, n int) {
		if err == nil {
			*dst, err = e.buffer(label, n)
		}
	}
	alloc(&w.xs, "points", B*L*V)
	alloc(&w.tmp, "step vectors", B*L*V)
	alloc(&w.hold, "hold", L)
	if err != nil {
		return nil, err
	}
	if w.stepU, err = e.d.CreateBuffer("step", 4*uint64(len(w.stepP)), Uniform); err != nil {
		return nil, err
	}
	N := B * L
	if err = e.record(&w.steps, "softmax", nil, uint32(N), 1, []uint32{uint32(N), uint32(K)}, e.logits); err != nil {
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
	w.steps = append(w.steps, op{name: "sphere", k: k, g: g, x: uint32(N), y: 1, z: 1})
	e.d.WriteBuffer(w.hold, 0, u32Bytes(int32Words(w.holdHost)))
	return w, nil
}

func int32Words(s []int32) []uint32 {
	u := make([]uint32, len(s))
	for i, v := range s {
		u[i] = uint32(v)
	}
	return u
}

// SetHold pins positions as sampler.Sampler.SetHold does (nil frees all).
func (w *Walk) SetHold(hold []int) error {
	L := w.cfg.Length
	if hold == nil {
		hold = make([]int, L)
		for i := range hold {
			hold[i] = sampler.Free
		}
	}
	if len(hold) != L {
		return fmt.Errorf("gpu: hold pattern has %d positions, the walk %d", len(hold), L)
	}
	for l, k := range hold {
		if k != sampler.Free && (k < 0 || k >= w.cfg.Vocab) {
			return fmt.Errorf("gpu: hold pattern position %d holds token %d, outside 0..%d", l, k, w.cfg.Vocab-1)
		}
		w.holdHost[l] = int32(k)
	}
	copy(w.holdSet, hold)
	w.e.d.WriteBuffer(w.hold, 0, u32Bytes(int32Words(w.holdHost)))
	return nil
}

// Sample generates sequences first .. first+n-1 of seed (n <= Batch) into
// dst (n, L), like sampler.Sampler.Sample. The device always walks the full
// batch; slots past n walk sequences first+n.. and are not decoded.
func (w *Walk) Sample(dst []int, seed, first uint64, n int) error {
	B, L, K, V := w.cfg.Batch, w.cfg.Length, w.cfg.Vocab, w.v
	switch {
	case n < 1 || n > B:
		return fmt.Errorf("gpu: %d sequences, want 1..%d", n, B)
	case len(dst) != n*L:
		return fmt.Errorf("gpu: token buffer of %d, want %d", len(dst), n*L)
	case first+uint64(B) > 1<<32:
		return fmt.Errorf("gpu: sequence indices from %d do not fit the noise counter's 32 bits", first)
	}
	for r := 0; r < B*L; r++ {
		row := w.host[r*V : (r+1)*V]
		if k := w.holdSet[r%L]; k != sampler.Free {
			sphere.Vertex(row, k)
		} else if err := process.StartPoint(row, w.start); err != nil {
			return err
		}
		copy(w.xin[r*K:(r+1)*K], row[:K])
	}
	e := w.e
	e.d.WriteBuffer(w.xs, 0, f32Bytes(w.host))
	e.d.WriteBuffer(e.x, 0, f32Bytes(w.xin))
	key := rng.Key(seed)
	blocks := uint32((2*((V+1)/2) + 3) / 4)
	for i := 0; i < w.cfg.Steps; i++ {
		ti := w.grid[i]
		for b := range w.tHost {
			w.tHost[b] = float32(ti)
		}
		gamma, beta := w.cfg.Schedule.Gamma(ti), w.cfg.Schedule.Beta(ti)
		w.stepP = [12]uint32{math.Float32bits(float32(gamma)), math.Float32bits(float32(math.Sqrt(beta * w.dt))),
			math.Float32bits(float32(w.dt)), uint32(i), key[0], key[1], uint32(first), blocks,
			uint32(B * L), uint32(L), uint32(K), uint32(V)}
		e.d.WriteBuffer(e.t, 0, f32Bytes(w.tHost))
		e.d.WriteBuffer(w.stepU, 0, u32Bytes(w.stepP[:]))
		e.d.BeginStream()
		e.run(e.forward)
		e.run(w.steps)
		if err := e.d.Submit(); err != nil {
			return fmt.Errorf("gpu: step %d: %v", i, err)
		}
	}
	pts := w.host[:n*L*V]
	if err := e.d.Read(w.xs, 0, f32Bytes(pts)); err != nil {
		return err
	}
	return process.DecodeRows(dst, pts, V)
}

// Points is the (Batch, L, V) host copy of the points after the last Sample
// (its first n sequences).
func (w *Walk) Points() []float32 { return w.host }
