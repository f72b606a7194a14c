package gpu

import (
	"fmt"
	"math"
	"strings"
	"unsafe"

	"github.com/rdlm-go/rdlm/core/model"
	"github.com/rdlm-go/rdlm/core/nn"
)

// TrainConfig is what a TrainEngine is built for.
type TrainConfig struct {
	Batch  int // sequences per optimiser step
	Length int // positions per sequence
	// MicroBatch is the number of sequences of one forward and backward
	// pass; the step accumulates the gradients of Batch/MicroBatch passes
	// (it must divide Batch). 0 means Batch. PlanTraining picks one that
	// fits the adapter.
	MicroBatch int
	Clip       float64 // global gradient norm bound; 0: no clipping
	ClipEps    float64 // the clip factor is Clip/(norm+ClipEps) (optim.ClipEps)
	// LogSteps is how many steps' (loss, norm) the device keeps between two
	// ReadLog calls (>= 1): the host reads them at its log interval.
	LogSteps int
	// Seed keys the random streams of the inputs drawn on the device
	// (SetDraws): the objective's seed, so both paths draw the same noise.
	Seed uint64
	// Masked makes SetDraws build MDLM inputs (masks) instead of RDLM's x_t.
	Masked bool
}

func (tc TrainConfig) micro() int {
	if tc.MicroBatch == 0 {
		return tc.Batch
	}
	return tc.MicroBatch
}

// Validate reports the first setting out of range.
func (tc TrainConfig) Validate() error {
	switch {
	case tc.Batch < 1 || tc.Length < 1:
		return fmt.Errorf("gpu: training batch %d and length %d must be positive", tc.Batch, tc.Length)
	case tc.MicroBatch < 0 || tc.micro() > tc.Batch || tc.Batch%tc.micro() != 0:
		return fmt.Errorf("gpu: micro-batch %d must divide the batch %d", tc.MicroBatch, tc.Batch)
	case !(tc.Clip >= 0) || math.IsInf(tc.Clip, 0) || !(tc.ClipEps >= 0):
		return fmt.Errorf("gpu: clip %g and its guard %g must be finite and >= 0", tc.Clip, tc.ClipEps)
	case tc.LogSteps < 1:
		return fmt.Errorf("gpu: the device log needs at least one step, got %d", tc.LogSteps)
	}
	return nil
}

// StepCoefficients are one optimiser step's numbers, as the host works
// them out (optim.AdamWConfig.CoefficientsAt and the EMA's decay).
type StepCoefficients struct {
	StepSize, InvSqrtBC2, Decay float32 // AdamW: lr/bc1, 1/sqrt(bc2), 1 - lr*wd
	B1, B2, OB1, OB2, Eps       float32 // AdamW: beta1, beta2, 1-beta1, 1-beta2, eps
	EMAWeight                   float32 // 1 - the EMA's decay at this update
}

// SequenceDraw is one sequence's share of a step's inputs, drawn on the
// host (objective.DrawSequences, as the trainer converts it); the device
// draws the rest per position (SetDraws).
type SequenceDraw struct {
	T         float64 // the network's time input
	RowWeight float64 // each position's loss weight: the time weight over the batch size
	// RDLM: whether the bridge starts at u (else at e_m), and the x_t
	// tables' alpha and rho at that start and T.
	Uniform    bool
	Alpha, Rho float64
	// MDLM: a position is masked when its word is below MaskBelow
	// (objective.MaskBelow, 0 to 2^32).
	MaskBelow uint64
}

// StepLog is what the device records of one step.
type StepLog struct {
	Step       int
	Loss, Norm float64 // the batch's loss and the gradient norm before clipping
}

// paramSegment is a run of consecutive tensors of Params.Flat, [lo, hi),
// that fits one storage binding: each of the weights, their gradient, the
// two AdamW moments and the EMA is one buffer per segment.
type paramSegment struct {
	lo, hi        int
	p, g, m, v, s Buf
	groups        int // partial sums of its squared gradient norm
}

// tensorAt is where a parameter tensor lives: its segment and the element
// offset inside it.
type tensorAt struct{ seg, off int }

// trainBlock is one block's saved activations: what its backward reads.
type trainBlock struct {
	mod             Buf // (mb, 6D)
	a1, a2          Buf // (N, D) modulated layer norms
	qkv             Buf // (N, 3D) with rotated q and k
	stats           Buf // (mb, H, L, 2) attention row statistics
	att, proj, hMid Buf // (N, D)
	m1              Buf // (N, 4D) before the GELU
	m2              Buf // (N, D)
}

// TrainEngine trains one denoiser on one Driver: the weights, their
// gradient, the AdamW moments and the EMA live on the device, every
// activation a backward needs is saved there, and a step is one command
// stream (forward, cross-entropy, backward per micro-batch, then the global
// norm, the clip and AdamW with the EMA) of dispatches recorded once. The
// host writes the step's inputs and a few scalars; it reads the per-step
// loss and gradient norm only when it logs (ReadLog) and the weights only
// for checkpoints and evaluations (ReadState).
//
// The CPU network (model.Net) with trainer/optim is the reference: the
// kernels compute the same functions in f32 with other summation orders.
// Weights stay f32 (AdamW's small updates need it); the f16 weight storage
// of the inference engine is not used here. Not safe for concurrent use.
type TrainEngine struct {
	device
	cfg  model.Config
	tc   TrainConfig
	mb   int // sequences per pass
	segs []paramSegment
	at   map[string]tensorAt

	// Step inputs, for the whole batch.
	x, t, tokens, roww Buf // (B, L, K), (B), (B*L) u32, (B*L) row weights of the loss
	seqs               Buf // (B, 8) words: corrupt.wgsl's per-sequence draws

	// Activations of one pass (mb sequences, N = mb*L rows).
	temb, z1, s1, z2, c Buf   // time path: (mb, 256), then (mb, C) each
	hs                  []Buf // Blocks+1 of (N, D): the residual stream before each block and after the last
	blocks              []trainBlock
	fmod, fa, logits    Buf // (mb, 2D), (N, D), (N, K)
	freq, cosT, sinT    Buf

	// Backward scratch.
	gelu, dm           Buf // (N, 4D): GELU output recomputed, its gradient
	dlogits, rowloss   Buf // (N, K), (N)
	dh, dA, dtmp, datt Buf // (N, D)
	dqkv               Buf // (N, 3D)
	dmod               Buf // (mb, 6D)
	lnStats, lnPart    Buf // (N, 2), (mb, D)
	delta              Buf // (mb, H, L)
	dc, ds             Buf // (mb, C)
	partial            Buf // squared-norm partial sums of every segment
	scal               Buf // lib/step.wgsl's scalars and the log
	stepU              Buf // lib/step.wgsl's Step uniform

	head, tail []([]op) // per micro-batch: time embedding and input embedding; embedding's backward
	loss       []([]op) // per micro-batch: cross-entropy and its sum
	body, back []op     // the rest of the forward; the backward down to the embedding
	opt        []op     // global norm, clip, AdamW + EMA
	corrupt    []op     // the inputs drawn on the device (SetDraws)

	stepWords [16]uint32
	seqHost   []uint32  // (B, 8) staging for seqs
	tHost     []float32 // (B) staging for t
	onDevice  bool      // the next pass draws its inputs (SetDraws, not SetInputs)
	scalHost  []float32 // read-back of scal
	step      int       // steps submitted
	logged    int       // steps whose log has been read
}

// NewTrainEngine builds the training engine for p on d: the parameter
// segments, every activation and scratch buffer, and the recorded step. The
// weights and the EMA start at p, the moments at 0 (SetState restores a
// checkpoint's).
func NewTrainEngine(d Driver, p *model.Params[float32], tc TrainConfig) (*TrainEngine, error) {
	if p == nil {
		return nil, fmt.Errorf("gpu: nil parameters")
	}
	c := p.Cfg
	if err := c.Validate(); err != nil {
		return nil, err
	}
	if c.Causal {
		return nil, fmt.Errorf("gpu: the WGSL engine has no causal attention (the autoregressive model trains on the CPU)")
	}
	if err := tc.Validate(); err != nil {
		return nil, err
	}
	if err := checkAttention(c, d.Adapter()); err != nil {
		return nil, err
	}
	e := &TrainEngine{device: newDevice(d, false), cfg: c, tc: tc, mb: tc.micro(), at: map[string]tensorAt{}}
	if err := e.planSegments(c, d.Adapter().MaxBinding); err != nil {
		return nil, err
	}
	if _, err := e.fit(d.Adapter()); err != nil {
		return nil, err
	}
	if err := e.build(p); err != nil {
		return nil, err
	}
	return e, nil
}

// checkAttention refuses head sizes the attention kernels cannot run.
func checkAttention(c model.Config, a AdapterInfo) error {
	hd := c.HeadDim()
	if hd%2 != 0 {
		return fmt.Errorf("gpu: head size %d must be even for rotary embeddings", hd)
	}
	if 2*32*hd*4 > int(a.MaxWGStore) {
		return fmt.Errorf("gpu: head size %d needs %d bytes of workgroup memory in attention, the adapter has %d", hd, 2*32*hd*4, a.MaxWGStore)
	}
	return nil
}

// keyTile is the query tile of attention_backward_key: the largest that
// fits its workgroup memory (queries, their gradients and three scalars each).
func keyTile(hd int, a AdapterInfo) uint32 {
	qt := 32
	for qt > 1 && (2*qt*hd+3*qt)*4 > int(a.MaxWGStore) {
		qt /= 2
	}
	return uint32(qt)
}

// planSegments cuts Params.Flat into runs of whole tensors that each fit a
// storage binding. A weight and its bias stay together: the weight
// gradient kernel writes both through one binding.
func (e *TrainEngine) planSegments(c model.Config, maxBinding uint64) error {
	limit := int(min(maxBinding/4, math.MaxUint32))
	specs := c.Specs()
	lo, off := 0, 0
	for i := 0; i < len(specs); {
		n := specs[i].Numel()
		units := 1
		if i+1 < len(specs) && strings.HasSuffix(specs[i].Name, ".weight") &&
			specs[i+1].Name == strings.TrimSuffix(specs[i].Name, ".weight")+".bias" {
			n += specs[i+1].Numel()
			units = 2
		}
		if n > limit {
			return fmt.Errorf("gpu: parameter %s (%d values) does not fit the adapter's %d-byte storage binding", specs[i].Name, n, maxBinding)
		}
		if off-lo+n > limit {
			e.segs = append(e.segs, paramSegment{lo: lo, hi: off})
			lo = off
		}
		for u := 0; u < units; u++ {
			e.at[specs[i+u].Name] = tensorAt{seg: len(e.segs), off: off - lo}
			off += specs[i+u].Numel()
		}
		i += units
	}
	e.segs = append(e.segs, paramSegment{lo: lo, hi: off})
	return nil
}

// tensor returns the weight buffer and offset of a parameter, and its
// gradient's buffer.
func (e *TrainEngine) tensor(name string) (p, g Buf, off int) {
	a, ok := e.at[name]
	if !ok {
		panic("gpu: no parameter " + name)
	}
	s := &e.segs[a.seg]
	return s.p, s.g, a.off
}

// bufSpec is one buffer of the engine: where its handle goes, and its size
// in floats.
type bufSpec struct {
	dst   *Buf
	label string
	n     int
}

// layout lists every buffer the engine allocates, for its configuration
// and micro-batch: build allocates from it, PlanTraining sizes from it.
func (e *TrainEngine) layout() []bufSpec {
	c := e.cfg
	B, mb, L := e.tc.Batch, e.mb, e.tc.Length
	D, K, C, H := c.Hidden, c.Vocab, c.Cond, c.Heads
	N, hid := mb*L, model.MLPRatio*c.Hidden
	var l []bufSpec
	add := func(dst *Buf, label string, n int) { l = append(l, bufSpec{dst, label, n}) }
	for i := range e.segs {
		s := &e.segs[i]
		n := s.hi - s.lo
		add(&s.p, "weights", n)
		add(&s.g, "gradient", n)
		add(&s.m, "adamw.m", n)
		add(&s.v, "adamw.v", n)
		add(&s.s, "ema", n)
		s.groups = min(256, (n+65535)/65536)
	}
	add(&e.x, "x", B*L*K)
	add(&e.t, "t", B)
	add(&e.tokens, "tokens", B*L)
	add(&e.roww, "row weights", B*L)
	add(&e.seqs, "sequence draws", B*8)
	add(&e.temb, "temb", mb*model.TimeFeatures)
	add(&e.z1, "z1", mb*C)
	add(&e.s1, "s1", mb*C)
	add(&e.z2, "z2", mb*C)
	add(&e.c, "c", mb*C)
	e.hs = make([]Buf, c.Blocks+1)
	for i := range e.hs {
		add(&e.hs[i], "h", N*D)
	}
	e.blocks = make([]trainBlock, c.Blocks)
	for i := range e.blocks {
		a := &e.blocks[i]
		add(&a.mod, "mod", mb*6*D)
		add(&a.a1, "a1", N*D)
		add(&a.qkv, "qkv", N*3*D)
		add(&a.stats, "attention stats", mb*H*L*2)
		add(&a.att, "att", N*D)
		add(&a.proj, "proj", N*D)
		add(&a.hMid, "hMid", N*D)
		add(&a.a2, "a2", N*D)
		add(&a.m1, "m1", N*hid)
		add(&a.m2, "m2", N*D)
	}
	add(&e.fmod, "fmod", mb*2*D)
	add(&e.fa, "final a", N*D)
	add(&e.logits, "logits", N*K)
	add(&e.gelu, "gelu", N*hid)
	add(&e.dm, "dm", N*hid)
	add(&e.dlogits, "dlogits", N*K)
	add(&e.rowloss, "row loss", N)
	add(&e.dh, "dh", N*D)
	add(&e.dA, "dA", N*D)
	add(&e.dtmp, "dtmp", N*D)
	add(&e.datt, "datt", N*D)
	add(&e.dqkv, "dqkv", N*3*D)
	add(&e.dmod, "dmod", mb*6*D)
	add(&e.lnStats, "ln stats", N*2)
	add(&e.lnPart, "ln partial", mb*D)
	add(&e.delta, "attention delta", mb*H*L)
	add(&e.dc, "dc", mb*C)
	add(&e.ds, "ds", mb*C)
	groups := 0
	for _, s := range e.segs {
		groups += s.groups
	}
	add(&e.partial, "norm partials", groups)
	add(&e.scal, "scalars", scalLog+2*e.tc.LogSteps)
	add(&e.none, "none", 1)
	add(&e.freq, "freq", model.TimeFeatures/2)
	add(&e.cosT, "cos", L*c.HeadDim()/2)
	add(&e.sinT, "sin", L*c.HeadDim()/2)
	return l
}

// build allocates the buffers and records every command list of a step.
func (e *TrainEngine) build(p *model.Params[float32]) error {
	B, L, hd := e.tc.Batch, e.tc.Length, e.cfg.HeadDim()
	var err error
	for _, b := range e.layout() {
		if err == nil {
			*b.dst, err = e.buffer(b.label, b.n)
		}
	}
	if err != nil {
		return err
	}
	if e.stepU, err = e.d.CreateBuffer("step", 4*uint64(len(e.stepWords)), Uniform); err != nil {
		return err
	}
	e.scalHost = make([]float32, scalLog+2*e.tc.LogSteps)
	e.seqHost, e.tHost = make([]uint32, B*8), make([]float32, B)
	cosT, sinT := make([]float32, L*hd/2), make([]float32, L*hd/2)
	nn.RotaryTable(cosT, sinT, L, hd)
	e.d.WriteBuffer(e.freq, 0, f32Bytes(timeFrequencies()))
	e.d.WriteBuffer(e.cosT, 0, f32Bytes(cosT))
	e.d.WriteBuffer(e.sinT, 0, f32Bytes(sinT))
	e.SetState(p.Flat, nil, nil, p.Flat)
	return e.recordStep()
}

// Indices into the scalars buffer (lib/step.wgsl's SCAL_*).
const (
	scalLoss = 0
	scalCoef = 1
	scalStop = 2
	scalLog  = 4
)

// lin is one linear layer of the network: its parameters' name (without
// .weight/.bias), its widths and whether it has a bias.
type lin struct {
	name    string
	in, out int
	bias    bool
}

// forward records y = x W^T + b for m rows.
func (e *TrainEngine) forward(list *[]op, l lin, m int, x Buf, xOff int, y Buf) error {
	p, _, wOff := e.tensor(l.name + ".weight")
	bOff, hasBias := 0, uint32(0)
	if l.bias {
		_, _, bOff = e.tensor(l.name + ".bias")
		hasBias = 1
	}
	return e.record(list, "linear", nil, uint32((l.out+63)/64), uint32((m+63)/64),
		[]uint32{uint32(m), uint32(l.out), uint32(l.in), uint32(xOff), uint32(l.in), 0, uint32(l.out), hasBias, uint32(wOff), uint32(bOff)},
		x, p, p, y)
}

// backward records the layer's parameter gradients (added into the
// gradient buffer) and, when dx is not none, the input gradient
// (overwritten, or added onto with accumulate).
func (e *TrainEngine) backward(list *[]op, l lin, m int, dy, x Buf, xOff int, dx Buf, accumulate bool) error {
	p, g, wOff := e.tensor(l.name + ".weight")
	bOff, hasBias := 0, uint32(0)
	if l.bias {
		_, _, bOff = e.tensor(l.name + ".bias")
		hasBias = 1
	}
	if err := e.record(list, "linear_backward_weight", nil, uint32((l.in+63)/64), uint32((l.out+63)/64),
		[]uint32{uint32(m), uint32(l.out), uint32(l.in), uint32(xOff), uint32(l.in), uint32(wOff), uint32(bOff), hasBias},
		dy, x, g); err != nil {
		return err
	}
	if dx == e.none {
		return nil
	}
	return e.record(list, "linear_backward_input", nil, uint32((l.in+63)/64), uint32((m+63)/64),
		[]uint32{uint32(m), uint32(l.out), uint32(l.in), uint32(wOff), b2u(accumulate)}, dy, p, dx)
}

func b2u(b bool) uint32 {
	if b {
		return 1
	}
	return 0
}

// layerNorm records out = LN(x; w) (1 + scale) + shift with the modulation
// of each sequence in mod (mb, stride).
func (e *TrainEngine) layerNorm(list *[]op, x Buf, norm string, mod Buf, stride, shiftOff, scaleOff int, out Buf) error {
	p, _, wOff := e.tensor(norm)
	N := e.mb * e.tc.Length
	gx, gy := rowGrid(N)
	return e.record(list, "layernorm", nil, gx, gy,
		[]uint32{uint32(N), uint32(e.cfg.Hidden), uint32(e.tc.Length), uint32(stride), uint32(shiftOff), uint32(scaleOff), uint32(wOff)},
		x, p, mod, out)
}

// layerNormBackward records the layer norm's backward: dh gets (or, with
// accumulate, adds) the input gradient, the weight gradient is added into
// the gradient buffer, and the shift and scale gradients are written into
// their columns of e.dmod (mb, stride).
func (e *TrainEngine) layerNormBackward(list *[]op, dout, x Buf, norm string, mod Buf, stride, shiftOff, scaleOff int, accumulate bool) error {
	p, g, wOff := e.tensor(norm)
	mb, L, D := e.mb, e.tc.Length, e.cfg.Hidden
	N := mb * L
	gx, gy := rowGrid(N)
	if err := e.record(list, "layernorm_backward", nil, gx, gy,
		[]uint32{uint32(N), uint32(D), uint32(L), uint32(stride), uint32(scaleOff), uint32(wOff), b2u(accumulate)},
		dout, x, p, mod, e.dh, e.lnStats); err != nil {
		return err
	}
	gx, gy = grid256(mb * D)
	if err := e.record(list, "layernorm_backward_params", nil, gx, gy,
		[]uint32{uint32(mb), uint32(D), uint32(L), uint32(stride), uint32(shiftOff), uint32(scaleOff), uint32(wOff)},
		dout, x, e.lnStats, p, mod, e.dmod, e.lnPart); err != nil {
		return err
	}
	return e.record(list, "colsum", nil, uint32((D+255)/256), 1, []uint32{uint32(mb), uint32(D), uint32(wOff)}, e.lnPart, g)
}

func (e *TrainEngine) elementwise(list *[]op, name string, n int, bufs ...Buf) error {
	gx, gy := grid256(n)
	return e.record(list, name, nil, gx, gy, []uint32{uint32(n)}, bufs...)
}

// residual records h += gate y for a gate at gateOff of each sequence's
// modulation (stride 6D).
func (e *TrainEngine) residual(list *[]op, h, y, mod Buf, gateOff int) error {
	N, D := e.mb*e.tc.Length, e.cfg.Hidden
	gx, gy := grid256(N * D)
	return e.record(list, "residual", nil, gx, gy,
		[]uint32{uint32(N), uint32(D), uint32(e.tc.Length), uint32(6 * D), uint32(gateOff)}, h, y, mod)
}

// residualBackward records dy = gate dh and the gate's gradient into its
// column of e.dmod.
func (e *TrainEngine) residualBackward(list *[]op, y, mod Buf, gateOff int, dy Buf) error {
	mb, D := e.mb, e.cfg.Hidden
	gx, gy := grid256(mb * D)
	return e.record(list, "residual_backward", nil, gx, gy,
		[]uint32{uint32(mb), uint32(D), uint32(e.tc.Length), uint32(6 * D), uint32(gateOff)}, e.dh, y, mod, dy, e.dmod)
}

// recordStep records the command lists of a step.
func (e *TrainEngine) recordStep() error {
	c := e.cfg
	mb, L := e.mb, e.tc.Length
	D, K, C, H, hd := c.Hidden, c.Vocab, c.Cond, c.Heads, c.HeadDim()
	N, hid, half := mb*L, model.MLPRatio*c.Hidden, model.TimeFeatures/2
	time0 := lin{"sigma_map.mlp.0", model.TimeFeatures, C, true}
	time1 := lin{"sigma_map.mlp.2", C, C, true}
	embed := lin{"vocab_embed.embedding", K, D, true}
	fada := lin{"output_layer.adaLN_modulation", C, 2 * D, true}
	out := lin{"output_layer.linear", D, K, true}
	blk := func(i int, name string) string { return fmt.Sprintf("blocks.%d.%s", i, name) }
	hdc := map[string]uint32{"HD": uint32(hd)}
	hdq := map[string]uint32{"HD": uint32(hd), "QT": keyTile(hd, e.d.Adapter())}
	attWG := uint32((L + 63) / 64)
	gx, gy := grid256(N * D)

	var steps []func() error
	add := func(f ...func() error) { steps = append(steps, f...) }
	nMicro := e.tc.Batch / mb
	e.head, e.tail, e.loss = make([][]op, nMicro), make([][]op, nMicro), make([][]op, nMicro)
	for m := 0; m < nMicro; m++ {
		hl, tl, ll := &e.head[m], &e.tail[m], &e.loss[m]
		add(
			func() error {
				return e.record(hl, "timeembed", nil, uint32((mb*half+63)/64), 1, []uint32{uint32(mb), uint32(half), uint32(m * mb)}, e.t, e.freq, e.temb)
			},
			func() error { return e.forward(hl, embed, N, e.x, m*N*K, e.hs[0]) },
			func() error { return e.backward(tl, embed, N, e.dh, e.x, m*N*K, e.none, false) },
			func() error {
				rx, ry := rowGrid(N)
				return e.record(ll, "crossentropy", nil, rx, ry, []uint32{uint32(N), uint32(K), uint32(m * N)}, e.logits, e.tokens, e.roww, e.dlogits, e.rowloss)
			},
			func() error {
				return e.record(ll, "sum", nil, 1, 1, []uint32{uint32(N), uint32(N), scalLoss, 0, b2u(m > 0)}, e.rowloss, e.scal)
			},
		)
	}

	f := &e.body
	add(
		func() error { return e.forward(f, time0, mb, e.temb, 0, e.z1) },
		func() error { e.recordCopy(f, e.z1, 0, e.s1, 0, mb*C); return e.elementwise(f, "silu", mb*C, e.s1) },
		func() error { return e.forward(f, time1, mb, e.s1, 0, e.z2) },
		func() error { e.recordCopy(f, e.z2, 0, e.c, 0, mb*C); return e.elementwise(f, "silu", mb*C, e.c) },
	)
	for i := range e.blocks {
		a, hIn, hOut := &e.blocks[i], e.hs[i], e.hs[i+1]
		add(
			func() error { return e.forward(f, lin{blk(i, "adaLN_modulation"), C, 6 * D, true}, mb, e.c, 0, a.mod) },
			func() error { return e.layerNorm(f, hIn, blk(i, "norm1.weight"), a.mod, 6*D, 0, D, a.a1) },
			func() error { return e.forward(f, lin{blk(i, "attn_qkv"), D, 3 * D, false}, N, a.a1, 0, a.qkv) },
			func() error {
				return e.record(f, "rotary", nil, gx, gy, []uint32{uint32(N), uint32(D), uint32(hd), uint32(L), 0}, a.qkv, e.cosT, e.sinT)
			},
			func() error {
				return e.record(f, "attention", hdc, attWG, uint32(mb*H), []uint32{uint32(L), uint32(D), uint32(H)}, a.qkv, a.att, a.stats)
			},
			func() error { return e.forward(f, lin{blk(i, "attn_out"), D, D, false}, N, a.att, 0, a.proj) },
			func() error {
				e.recordCopy(f, hIn, 0, a.hMid, 0, N*D)
				return e.residual(f, a.hMid, a.proj, a.mod, 2*D)
			},
			func() error { return e.layerNorm(f, a.hMid, blk(i, "norm2.weight"), a.mod, 6*D, 3*D, 4*D, a.a2) },
			func() error { return e.forward(f, lin{blk(i, "mlp.0"), D, hid, true}, N, a.a2, 0, a.m1) },
			func() error {
				e.recordCopy(f, a.m1, 0, e.gelu, 0, N*hid)
				return e.elementwise(f, "gelu", N*hid, e.gelu)
			},
			func() error { return e.forward(f, lin{blk(i, "mlp.2"), hid, D, true}, N, e.gelu, 0, a.m2) },
			func() error { e.recordCopy(f, a.hMid, 0, hOut, 0, N*D); return e.residual(f, hOut, a.m2, a.mod, 5*D) },
		)
	}
	hLast := e.hs[c.Blocks]
	add(
		func() error { return e.forward(f, fada, mb, e.c, 0, e.fmod) },
		func() error { return e.layerNorm(f, hLast, "output_layer.norm_final.weight", e.fmod, 2*D, 0, D, e.fa) },
		func() error { return e.forward(f, out, N, e.fa, 0, e.logits) },
	)

	b := &e.back
	add(
		func() error { return e.backward(b, out, N, e.dlogits, e.fa, 0, e.dA, false) },
		func() error {
			return e.layerNormBackward(b, e.dA, hLast, "output_layer.norm_final.weight", e.fmod, 2*D, 0, D, false)
		},
		func() error { return e.backward(b, fada, mb, e.dmod, e.c, 0, e.dc, false) },
	)
	for i := len(e.blocks) - 1; i >= 0; i-- {
		a, hIn := &e.blocks[i], e.hs[i]
		add(
			// MLP branch.
			func() error { return e.residualBackward(b, a.m2, a.mod, 5*D, e.dtmp) },
			func() error {
				e.recordCopy(b, a.m1, 0, e.gelu, 0, N*hid)
				return e.elementwise(b, "gelu", N*hid, e.gelu)
			},
			func() error {
				return e.backward(b, lin{blk(i, "mlp.2"), hid, D, true}, N, e.dtmp, e.gelu, 0, e.dm, false)
			},
			func() error { return e.elementwise(b, "gelu_backward", N*hid, e.dm, a.m1) },
			func() error { return e.backward(b, lin{blk(i, "mlp.0"), D, hid, true}, N, e.dm, a.a2, 0, e.dA, false) },
			func() error {
				return e.layerNormBackward(b, e.dA, a.hMid, blk(i, "norm2.weight"), a.mod, 6*D, 3*D, 4*D, true)
			},
			// Attention branch.
			func() error { return e.residualBackward(b, a.proj, a.mod, 2*D, e.dtmp) },
			func() error {
				return e.backward(b, lin{blk(i, "attn_out"), D, D, false}, N, e.dtmp, a.att, 0, e.datt, false)
			},
			func() error {
				return e.record(b, "attention_backward_query", hdc, attWG, uint32(mb*H), []uint32{uint32(L), uint32(D), uint32(H)},
					a.qkv, a.att, e.datt, a.stats, e.dqkv, e.delta)
			},
			func() error {
				return e.record(b, "attention_backward_key", hdq, attWG, uint32(mb*H), []uint32{uint32(L), uint32(D), uint32(H)},
					a.qkv, e.datt, a.stats, e.delta, e.dqkv)
			},
			func() error {
				return e.record(b, "rotary", nil, gx, gy, []uint32{uint32(N), uint32(D), uint32(hd), uint32(L), 1}, e.dqkv, e.cosT, e.sinT)
			},
			func() error {
				return e.backward(b, lin{blk(i, "attn_qkv"), D, 3 * D, false}, N, e.dqkv, a.a1, 0, e.dA, false)
			},
			func() error { return e.layerNormBackward(b, e.dA, hIn, blk(i, "norm1.weight"), a.mod, 6*D, 0, D, true) },
			// Modulation.
			func() error {
				return e.backward(b, lin{blk(i, "adaLN_modulation"), C, 6 * D, true}, mb, e.dmod, e.c, 0, e.dc, true)
			},
		)
	}
	add(
		func() error { return e.elementwise(b, "silu_backward", mb*C, e.dc, e.z2) },
		func() error { return e.backward(b, time1, mb, e.dc, e.s1, 0, e.ds, false) },
		func() error { return e.elementwise(b, "silu_backward", mb*C, e.ds, e.z1) },
		func() error { return e.backward(b, time0, mb, e.ds, e.temb, 0, e.none, false) },
	)

	// The inputs, when drawn on the device: one workgroup per position.
	add(func() error {
		rows := e.tc.Batch * L
		rx, ry := rowGrid(rows)
		key := [2]uint32{uint32(e.tc.Seed), uint32(e.tc.Seed >> 32)}
		return e.record(&e.corrupt, "corrupt", nil, rx, ry,
			[]uint32{uint32(rows), uint32(L), uint32(K), uint32(K + 1), b2u(e.tc.Masked), key[0], key[1]},
			e.stepU, e.seqs, e.tokens, e.x, e.roww)
	})

	// The optimiser: squared-norm partial sums per segment, the clip, AdamW.
	o := &e.opt
	base := 0
	for i := range e.segs {
		s := &e.segs[i]
		n, at := s.hi-s.lo, base
		base += s.groups
		add(func() error {
			chunk := (n + s.groups - 1) / s.groups
			return e.record(o, "sum", nil, uint32(s.groups), 1, []uint32{uint32(n), uint32(chunk), uint32(at), 1, 0}, s.g, e.partial)
		})
	}
	add(func() error {
		return e.record(o, "clip", nil, 1, 1, []uint32{uint32(base), math.Float32bits(float32(e.tc.Clip)), math.Float32bits(float32(e.tc.ClipEps))},
			e.stepU, e.partial, e.scal)
	})
	for i := range e.segs {
		s := &e.segs[i]
		add(func() error {
			sx, sy := grid256(s.hi - s.lo)
			return e.record(o, "adamw", nil, sx, sy, []uint32{uint32(s.hi - s.lo)}, e.stepU, s.p, s.g, s.m, s.v, s.s, e.scal)
		})
	}
	for _, s := range steps {
		if err := s(); err != nil {
			return err
		}
	}
	return nil
}

// MicroBatch is the number of sequences of one pass.
func (e *TrainEngine) MicroBatch() int { return e.mb }

// Segments is the number of parameter segments (storage bindings per state tensor).
func (e *TrainEngine) Segments() int { return len(e.segs) }

// SetState uploads the weights, the AdamW moments and the EMA (in
// Params.Flat's layout; nil leaves one as it is, and moments left nil on a
// fresh engine are 0).
func (e *TrainEngine) SetState(params, m, v, shadow []float32) {
	for _, s := range e.segs {
		for _, t := range []struct {
			b Buf
			v []float32
		}{{s.p, params}, {s.m, m}, {s.v, v}, {s.s, shadow}} {
			if t.v != nil {
				e.d.WriteBuffer(t.b, 0, f32Bytes(t.v[s.lo:s.hi]))
			}
		}
	}
}

// ReadState copies the weights, the moments and the EMA back (nil skips one).
func (e *TrainEngine) ReadState(params, m, v, shadow []float32) error {
	for _, s := range e.segs {
		for _, t := range []struct {
			b Buf
			v []float32
		}{{s.p, params}, {s.m, m}, {s.v, v}, {s.s, shadow}} {
			if t.v != nil {
				if err := e.d.Read(t.b, 0, f32Bytes(t.v[s.lo:s.hi])); err != nil {
					return err
				}
			}
		}
	}
	return nil
}

// SetInputs writes a step's inputs drawn on the host: x (B, L, K) and t
// (B) the network's input, tokens (B*L) the targets and rowWeights (B*L)
// each position's weight in the loss (the sequence's time weight over B;
// MDLM: 0 at unmasked positions).
func (e *TrainEngine) SetInputs(x, t []float32, tokens []int32, rowWeights []float32) error {
	B, L, K := e.tc.Batch, e.tc.Length, e.cfg.Vocab
	if len(x) != B*L*K || len(t) != B || len(tokens) != B*L || len(rowWeights) != B*L {
		return fmt.Errorf("gpu: step inputs of %d, %d, %d and %d values, want %d, %d, %d and %d",
			len(x), len(t), len(tokens), len(rowWeights), B*L*K, B, B*L, B*L)
	}
	e.d.WriteBuffer(e.x, 0, f32Bytes(x))
	e.d.WriteBuffer(e.t, 0, f32Bytes(t))
	e.d.WriteBuffer(e.tokens, 0, i32Bytes(tokens))
	e.d.WriteBuffer(e.roww, 0, f32Bytes(rowWeights))
	e.onDevice = false
	return nil
}

// SetDraws writes a step's targets (B*L) and per-sequence draws (B), from
// which the step draws its inputs on the device (corrupt.wgsl): RDLM's x_t
// or MDLM's masks, from the random streams seqBase + s (sequence s) and
// posBase + i (position i of the batch) of the engine's seed
// (objective.StreamBases of the step).
func (e *TrainEngine) SetDraws(tokens []int32, draws []SequenceDraw, seqBase, posBase uint64) error {
	B, L := e.tc.Batch, e.tc.Length
	if len(tokens) != B*L || len(draws) != B {
		return fmt.Errorf("gpu: %d targets and %d sequence draws, want %d and %d", len(tokens), len(draws), B*L, B)
	}
	if uint32(seqBase)&(1<<28-1) != 0 || uint32(posBase)&(1<<28-1) != 0 || B*L > 1<<28 {
		return fmt.Errorf("gpu: stream bases %#x, %#x leave no 28-bit index field", seqBase, posBase)
	}
	for s, d := range draws {
		w := e.seqHost[8*s : 8*s+8]
		start, all, below := uint32(0), uint32(0), uint32(0)
		if d.Uniform {
			start = 1
		}
		if d.MaskBelow >= 1<<32 {
			all = 1
		} else {
			below = uint32(d.MaskBelow)
		}
		w[0], w[1], w[2], w[3] = math.Float32bits(float32(d.Alpha)), math.Float32bits(float32(d.Rho)), start, below
		w[4], w[5] = all, math.Float32bits(float32(d.RowWeight))
		e.tHost[s] = float32(d.T)
	}
	e.stepWords[12], e.stepWords[13] = uint32(seqBase), uint32(seqBase>>32)
	e.stepWords[14], e.stepWords[15] = uint32(posBase), uint32(posBase>>32)
	e.d.WriteBuffer(e.seqs, 0, u32Bytes(e.seqHost))
	e.d.WriteBuffer(e.t, 0, f32Bytes(e.tHost))
	e.d.WriteBuffer(e.tokens, 0, i32Bytes(tokens))
	e.onDevice = true
	return nil
}

// ReadInputs copies the network inputs of the last pass back, x (B, L, K)
// and the row weights (B*L): for tests of the device draws.
func (e *TrainEngine) ReadInputs(x, rowWeights []float32) error {
	if err := e.d.Read(e.x, 0, f32Bytes(x)); err != nil {
		return err
	}
	return e.d.Read(e.roww, 0, f32Bytes(rowWeights))
}

// i32Bytes views an int32 slice as bytes (no copy).
func i32Bytes(s []int32) []byte {
	if len(s) == 0 {
		return nil
	}
	return unsafe.Slice((*byte)(unsafe.Pointer(&s[0])), 4*len(s))
}

// Step submits one optimiser step, number step (the AdamW step, counted
// from 1), on the inputs last written, with its coefficients. It does not
// wait for the device. At most LogSteps steps may run between two ReadLog.
func (e *TrainEngine) Step(step int, k StepCoefficients) error {
	if e.step-e.logged >= e.tc.LogSteps {
		return fmt.Errorf("gpu: %d steps since the last ReadLog fill the device log", e.step-e.logged)
	}
	if step < 1 || uint64(step) > math.MaxUint32 {
		return fmt.Errorf("gpu: step %d out of range", step)
	}
	f := math.Float32bits
	w := &e.stepWords
	w[0], w[1], w[2], w[3] = uint32(step), uint32(e.step%e.tc.LogSteps), f(k.StepSize), f(k.InvSqrtBC2)
	w[4], w[5], w[6], w[7] = f(k.Decay), f(k.EMAWeight), f(k.B1), f(k.B2)
	w[8], w[9], w[10], w[11] = f(k.OB1), f(k.OB2), f(k.Eps), 0
	e.d.WriteBuffer(e.stepU, 0, u32Bytes(w[:]))
	e.d.BeginStream()
	e.runPasses(true)
	e.run(e.opt)
	if err := e.d.Submit(); err != nil {
		return fmt.Errorf("gpu: step %d: %v", step, err)
	}
	e.step++
	return nil
}

// runPasses records the forward (and, with backward, the loss's backward)
// of every micro-batch into the open stream.
func (e *TrainEngine) runPasses(backward bool) {
	if e.onDevice {
		e.run(e.corrupt)
	}
	for m := range e.head {
		e.run(e.head[m])
		e.run(e.body)
		e.run(e.loss[m])
		if backward {
			e.run(e.back)
			e.run(e.tail[m])
		}
	}
}

// ReadLog waits for the submitted steps and appends the log of those not
// read yet to dst. stop is the first step whose loss or gradient norm was
// not finite (0: none): from that step on the device left the weights, the
// moments and the EMA as they were.
func (e *TrainEngine) ReadLog(dst []StepLog) (_ []StepLog, stop int, err error) {
	n := e.step - e.logged
	if err := e.d.Read(e.scal, 0, f32Bytes(e.scalHost)); err != nil {
		return dst, 0, err
	}
	for i := 0; i < n; i++ {
		slot := (e.logged + i) % e.tc.LogSteps
		dst = append(dst, StepLog{Step: int(e.stepWords[0]) - n + 1 + i,
			Loss: float64(e.scalHost[scalLog+2*slot]), Norm: float64(e.scalHost[scalLog+2*slot+1])})
	}
	e.logged = e.step
	return dst, int(math.Float32bits(e.scalHost[scalStop])), nil
}

// Gradient runs the forward and backward of the inputs last written without
// an optimiser step, adding the batch's gradient into the gradient buffer,
// and returns the loss: for gradient checks (ReadGradient, ClearGradient).
func (e *TrainEngine) Gradient() (float64, error) {
	return e.pass(true)
}

// Loss runs only the forward and the loss of the inputs last written.
func (e *TrainEngine) Loss() (float64, error) {
	return e.pass(false)
}

func (e *TrainEngine) pass(backward bool) (float64, error) {
	e.d.WriteBuffer(e.stepU, 0, u32Bytes(e.stepWords[:]))
	e.d.BeginStream()
	e.runPasses(backward)
	if err := e.d.Submit(); err != nil {
		return 0, err
	}
	v := e.scalHost[:1]
	if err := e.d.Read(e.scal, 0, f32Bytes(v)); err != nil {
		return 0, err
	}
	return float64(v[0]), nil
}

// ReadGradient copies the gradient buffer (Params.Flat's layout) into g.
func (e *TrainEngine) ReadGradient(g []float32) error {
	for _, s := range e.segs {
		if err := e.d.Read(s.g, 0, f32Bytes(g[s.lo:s.hi])); err != nil {
			return err
		}
	}
	return nil
}

// ClearGradient zeroes the gradient buffer (a step's AdamW does it itself).
func (e *TrainEngine) ClearGradient() {
	for _, s := range e.segs {
		e.d.WriteBuffer(s.g, 0, make([]byte, 4*(s.hi-s.lo)))
	}
}

// Kernels lists the dispatches of one step by kernel name, with how many
// of each.
func (e *TrainEngine) Kernels() string {
	var all []op
	for m := range e.head {
		all = append(append(append(append(append(all, e.head[m]...), e.body...), e.loss[m]...), e.back...), e.tail[m]...)
	}
	if e.onDevice {
		all = append(e.corrupt, all...)
	}
	return describeOps(append(all, e.opt...))
}
