package gpu

import (
	"fmt"
	"math"

	"github.com/rdlm-go/rdlm/core/model"
	"github.com/rdlm-go/rdlm/core/nn"
)

// Engine is one denoiser on one Driver, for up to Batch sequences of
// Length positions. NewEngine uploads the weights once and creates every
// buffer, pipeline and bind group; a forward pass is then one command
// stream of recorded dispatches. An Engine is not safe for concurrent use.
type Engine struct {
	Batch, Length int

	device
	cfg model.Config

	// Activations; sizes in floats: N = Batch*Length rows.
	x, t, freq, temb, z1, c, mod, fmod Buf
	h, a, qkv, att, proj, m1, logits   Buf
	attStats                           Buf // (B, H, L, 2) attention row statistics (for the backward; unused here)
	cosT, sinT                         Buf

	forward []op // the whole forward pass, time embedding to logits
}

// NewEngine builds the engine for p on d. Weights are f16 when the adapter
// offers shader-f16 (see Options.NoF16), f32 otherwise.
func NewEngine(d Driver, p *model.Params[float32], batch, length int) (*Engine, error) {
	if p == nil {
		return nil, fmt.Errorf("gpu: nil parameters")
	}
	c := p.Cfg
	if err := c.Validate(); err != nil {
		return nil, err
	}
	if c.Causal {
		return nil, fmt.Errorf("gpu: the WGSL engine has no causal attention (the autoregressive model runs on the CPU)")
	}
	if batch < 1 || length < 1 {
		return nil, fmt.Errorf("gpu: batch %d and length %d must be positive", batch, length)
	}
	e := &Engine{Batch: batch, Length: length, device: newDevice(d, d.Adapter().ShaderF16), cfg: c}
	if err := e.build(p); err != nil {
		return nil, err
	}
	return e, nil
}

// Config is the network's architecture.
func (e *Engine) Config() model.Config { return e.cfg }

// F16 reports whether the weights are stored in f16.
func (e *Engine) F16() bool { return e.f16 }

// linear records y = x W^T + b for m rows of in features into out features,
// splitting W by output rows into chunks that fit one storage binding.
func (e *Engine) linear(list *[]op, label string, w, b []float32, m, in, out int, x Buf, xOff, xStride int, y Buf, yStride int) error {
	elem := 4
	if e.f16 {
		elem = 2
	}
	rowsPerChunk := int(e.d.Adapter().MaxBinding / uint64(in*elem))
	if rowsPerChunk < 1 {
		return fmt.Errorf("gpu: one row of %s (%d features) exceeds the storage binding limit", label, in)
	}
	for o0 := 0; o0 < out; o0 += rowsPerChunk {
		o1 := min(out, o0+rowsPerChunk)
		wb, err := e.uploadWeight(label, w[o0*in:o1*in])
		if err != nil {
			return err
		}
		bb, hasBias := e.none, uint32(0)
		if b != nil {
			if bb, err = e.uploadWeight(label+".bias", b[o0:o1]); err != nil {
				return err
			}
			hasBias = 1
		}
		n := o1 - o0
		err = e.record(list, "linear", nil, uint32((n+63)/64), uint32((m+63)/64),
			[]uint32{uint32(m), uint32(n), uint32(in), uint32(xOff), uint32(xStride), uint32(o0), uint32(yStride), hasBias, 0, 0},
			x, wb, bb, y)
		if err != nil {
			return err
		}
	}
	return nil
}

func (e *Engine) elementwise(list *[]op, name string, buf Buf, n int) error {
	gx, gy := grid256(n)
	return e.record(list, name, nil, gx, gy, []uint32{uint32(n)}, buf)
}

func (e *Engine) layerNorm(list *[]op, in Buf, w []float32, mod Buf, modStride, shiftOff, scaleOff int, out Buf) error {
	wb, err := e.uploadWeight("norm", w)
	if err != nil {
		return err
	}
	N := e.Batch * e.Length
	gx, gy := rowGrid(N)
	return e.record(list, "layernorm", nil, gx, gy,
		[]uint32{uint32(N), uint32(e.cfg.Hidden), uint32(e.Length), uint32(modStride), uint32(shiftOff), uint32(scaleOff)},
		in, wb, mod, out)
}

func (e *Engine) residual(list *[]op, h, y, mod Buf, modStride, gateOff int) error {
	N, D := e.Batch*e.Length, e.cfg.Hidden
	gx, gy := grid256(N * D)
	return e.record(list, "residual", nil, gx, gy,
		[]uint32{uint32(N), uint32(D), uint32(e.Length), uint32(modStride), uint32(gateOff)}, h, y, mod)
}

// timeFrequencies are the time embedding's frequencies f_j, j < 128,
// rounded as nn.TimeEmbedding rounds them.
func timeFrequencies() []float32 {
	half := model.TimeFeatures / 2
	freq := make([]float32, half)
	for j := range freq {
		a := float32(-math.Log(10000)) * float32(j) / float32(half)
		freq[j] = float32(math.Exp(float64(a)))
	}
	return freq
}

// build creates the buffers and records the forward pass.
func (e *Engine) build(p *model.Params[float32]) error {
	c := e.cfg
	B, L, D, K, C, H := e.Batch, e.Length, c.Hidden, c.Vocab, c.Cond, c.Heads
	hd, N, hid := c.HeadDim(), B*L, model.MLPRatio*c.Hidden
	if err := checkAttention(c, e.d.Adapter()); err != nil {
		return err
	}
	half := model.TimeFeatures / 2
	freq := timeFrequencies()
	cosT, sinT := make([]float32, L*hd/2), make([]float32, L*hd/2)
	nn.RotaryTable(cosT, sinT, L, hd)

	var err error
	alloc := func(dst *Buf, label string, n int) {
		if err == nil {
			*dst, err = e.buffer(label, n)
		}
	}
	alloc(&e.x, "x", N*K)
	alloc(&e.t, "t", B)
	alloc(&e.temb, "temb", B*model.TimeFeatures)
	alloc(&e.z1, "z1", B*C)
	alloc(&e.c, "c", B*C)
	alloc(&e.mod, "mod", B*6*D)
	alloc(&e.fmod, "fmod", B*2*D)
	alloc(&e.h, "h", N*D)
	alloc(&e.a, "a", N*D)
	alloc(&e.qkv, "qkv", N*3*D)
	alloc(&e.att, "att", N*D)
	alloc(&e.attStats, "attention stats", B*H*L*2)
	alloc(&e.proj, "proj", N*D)
	alloc(&e.m1, "m1", N*hid)
	alloc(&e.logits, "logits", N*K)
	alloc(&e.none, "none", 1)
	if err != nil {
		return err
	}
	if e.freq, err = e.upload("freq", freq); err != nil {
		return err
	}
	if e.cosT, err = e.upload("cos", cosT); err != nil {
		return err
	}
	if e.sinT, err = e.upload("sin", sinT); err != nil {
		return err
	}

	f := &e.forward
	steps := []func() error{
		func() error {
			return e.record(f, "timeembed", nil, uint32((B*half+63)/64), 1, []uint32{uint32(B), uint32(half)}, e.t, e.freq, e.temb)
		},
		func() error {
			return e.linear(f, "sigma_map.mlp.0", p.Time0W, p.Time0B, B, model.TimeFeatures, C, e.temb, 0, model.TimeFeatures, e.z1, C)
		},
		func() error { return e.elementwise(f, "silu", e.z1, B*C) },
		func() error { return e.linear(f, "sigma_map.mlp.2", p.Time1W, p.Time1B, B, C, C, e.z1, 0, C, e.c, C) },
		func() error { return e.elementwise(f, "silu", e.c, B*C) },
		func() error { return e.linear(f, "vocab_embed", p.EmbedW, p.EmbedB, N, K, D, e.x, 0, K, e.h, D) },
	}
	for i := range p.Blocks {
		bp := &p.Blocks[i]
		steps = append(steps,
			func() error { return e.linear(f, "adaLN", bp.AdaW, bp.AdaB, B, C, 6*D, e.c, 0, C, e.mod, 6*D) },
			func() error { return e.layerNorm(f, e.h, bp.Norm1, e.mod, 6*D, 0, D, e.a) },
			func() error { return e.linear(f, "attn_qkv", bp.QKV, nil, N, D, 3*D, e.a, 0, D, e.qkv, 3*D) },
			func() error {
				gx, gy := grid256(N * D)
				return e.record(f, "rotary", nil, gx, gy, []uint32{uint32(N), uint32(D), uint32(hd), uint32(L), 0}, e.qkv, e.cosT, e.sinT)
			},
			func() error {
				return e.record(f, "attention", map[string]uint32{"HD": uint32(hd)}, uint32((L+63)/64), uint32(B*H),
					[]uint32{uint32(L), uint32(D), uint32(H)}, e.qkv, e.att, e.attStats)
			},
			func() error { return e.linear(f, "attn_out", bp.Out, nil, N, D, D, e.att, 0, D, e.proj, D) },
			func() error { return e.residual(f, e.h, e.proj, e.mod, 6*D, 2*D) },
			func() error { return e.layerNorm(f, e.h, bp.Norm2, e.mod, 6*D, 3*D, 4*D, e.a) },
			func() error { return e.linear(f, "mlp.0", bp.MLP0W, bp.MLP0B, N, D, hid, e.a, 0, D, e.m1, hid) },
			func() error { return e.elementwise(f, "gelu", e.m1, N*hid) },
			func() error { return e.linear(f, "mlp.2", bp.MLP2W, bp.MLP2B, N, hid, D, e.m1, 0, hid, e.proj, D) },
			func() error { return e.residual(f, e.h, e.proj, e.mod, 6*D, 5*D) },
		)
	}
	steps = append(steps,
		func() error {
			return e.linear(f, "output_layer.adaLN", p.FinalAdaW, p.FinalAdaB, B, C, 2*D, e.c, 0, C, e.fmod, 2*D)
		},
		func() error { return e.layerNorm(f, e.h, p.FinalNorm, e.fmod, 2*D, 0, D, e.a) },
		func() error {
			return e.linear(f, "output_layer.linear", p.OutW, p.OutB, N, D, K, e.a, 0, D, e.logits, K)
		},
	)
	for _, s := range steps {
		if err := s(); err != nil {
			return err
		}
	}
	return nil
}

// checkInputs validates a batch of n sequences.
func (e *Engine) checkInputs(logits, x, t []float32) (int, error) {
	n, K := len(t), e.cfg.Vocab
	switch {
	case n < 1 || n > e.Batch:
		return 0, fmt.Errorf("gpu: batch of %d times, want 1..%d", n, e.Batch)
	case len(x) != n*e.Length*K:
		return 0, fmt.Errorf("gpu: x has %d values, want %d x %d x %d", len(x), n, e.Length, K)
	case len(logits) != len(x):
		return 0, fmt.Errorf("gpu: logits has %d values, want %d", len(logits), len(x))
	}
	return n, nil
}

// Forward runs the network on the device: x (n, L, K) and t (n), n <= Batch,
// into logits (n, L, K). The Engine is a model.Denoiser, so the CPU walk can
// drive the device network; Walk keeps the whole step on the device instead.
func (e *Engine) Forward(logits, x, t []float32) error {
	n, err := e.checkInputs(logits, x, t)
	if err != nil {
		return err
	}
	e.d.WriteBuffer(e.x, 0, f32Bytes(x))
	e.d.WriteBuffer(e.t, 0, f32Bytes(t))
	e.d.BeginStream()
	e.run(e.forward)
	if err := e.d.Submit(); err != nil {
		return err
	}
	_ = n
	return e.d.Read(e.logits, 0, f32Bytes(logits))
}

func (e *Engine) run(ops []op) {
	for i := range ops {
		o := &ops[i]
		e.d.Dispatch(o.k, o.g, o.x, o.y, o.z)
	}
}

// Kernels lists the dispatches of one forward pass by kernel name, with
// how many of each: what the per-kernel timings cover.
func (e *Engine) Kernels() string { return describeOps(e.forward) }
