package model

import (
	"fmt"

	"github.com/rdlm-go/rdlm/core/cpu"
)

// Net runs training passes of a denoiser: Forward caches every activation
// the backward needs, and BackwardFrom adds the parameter gradients of a loss
// given its gradient with respect to the logits (the training objective's,
// trainer/objective). All buffers are allocated once, for up to Batch
// sequences of Length positions; passes allocate nothing.
//
// A Net reads its parameters through P at every pass, so updating P.Flat in
// place (an optimiser step, loading a checkpoint) needs no new Net. A Net is
// not safe for concurrent use.
type Net[T cpu.Float] struct {
	P             *Params[T]
	Batch, Length int

	e      *engine[T]
	x      []T // (Batch, L, K) copy of the input
	t      []T // (Batch) copy of the times
	time   timeActs[T]
	hs     [][]T // Blocks+1 of (N, D): the residual stream before each block and after the last
	blocks []blockActs[T]
	final  finalActs[T]
	logits []T // (N, K)
	dc, ds []T // (B, C) conditioning gradient, time MLP scratch
	b      int // batch of the last Forward
}

// NewNet allocates a training network for up to batch sequences of length
// positions (any length: attention is rotary, there is no position table).
func NewNet[T cpu.Float](p *Params[T], batch, length int) (*Net[T], error) {
	if err := checkDims(p, batch, length, true); err != nil {
		return nil, err
	}
	c := p.Cfg
	e := newEngine[T](c, batch, length, true)
	n := &Net[T]{P: p, Batch: batch, Length: length, e: e,
		x: make([]T, batch*length*c.Vocab), t: make([]T, batch),
		time: newTimeActs(e), final: newFinalActs(e, true),
		logits: make([]T, batch*length*c.Vocab),
		dc:     make([]T, batch*c.Cond), ds: make([]T, batch*c.Cond),
	}
	n.hs = make([][]T, c.Blocks+1)
	for i := range n.hs {
		n.hs[i] = make([]T, batch*length*c.Hidden)
	}
	n.blocks = make([]blockActs[T], c.Blocks)
	for i := range n.blocks {
		n.blocks[i] = newBlockActs(e, true)
	}
	return n, nil
}

// checkDims refuses a network that cannot be built: bad sizes, or buffers
// beyond MaxNetBytes (a batch or length no config bounds, since attention is
// rotary and any length runs).
func checkDims[T cpu.Float](p *Params[T], batch, length int, training bool) error {
	if p == nil {
		return fmt.Errorf("model: nil parameters")
	}
	if err := p.Cfg.Validate(); err != nil {
		return err
	}
	if batch <= 0 || length <= 0 {
		return fmt.Errorf("model: batch %d and length %d must be positive", batch, length)
	}
	return p.Cfg.CheckNet(batch, length, training)
}

// checkInputs validates x (b, L, K) and t (b) against a capacity.
func checkInputs[T cpu.Float](x, t []T, capB, L, K int) error {
	b := len(t)
	if b == 0 || b > capB {
		return fmt.Errorf("model: batch of %d times, want 1..%d", b, capB)
	}
	if len(x) != b*L*K {
		return fmt.Errorf("model: x has %d values, want batch %d x length %d x vocab %d = %d", len(x), b, L, K, b*L*K)
	}
	return nil
}

// Forward runs the network on x (b, L, K): points on the sphere with the
// mask coordinate dropped, and t (b): diffusion times in [0, 1), b <= Batch.
// It returns the logits (b, L, K), a view valid until the next Forward.
func (n *Net[T]) Forward(x, t []T) ([]T, error) {
	c := n.P.Cfg
	if err := checkInputs(x, t, n.Batch, n.Length, c.Vocab); err != nil {
		return nil, err
	}
	e, p := n.e, n.P
	e.setBatch(len(t))
	n.b = len(t)
	copy(n.x, x)
	copy(n.t, t)
	e.timeForward(p, &n.time, n.t)
	e.embedForward(p, n.hs[0], n.x)
	for i := range n.blocks {
		e.blockForward(&p.Blocks[i], &n.blocks[i], n.time.c, n.hs[i], n.blocks[i].hMid, n.hs[i+1])
	}
	e.finalForward(p, &n.final, n.time.c, n.hs[c.Blocks], n.logits)
	return n.logits[:e.N*c.Vocab], nil
}

// BackwardFrom adds into g (zero it first for a fresh gradient) the gradient
// with respect to every parameter of a loss whose gradient with respect to
// the last Forward's logits is dlogits (b, L, K): the cross-entropy, the drift
// MSE of rdlm-math.md section 6, or any other.
func (n *Net[T]) BackwardFrom(g *Params[T], dlogits []T) error {
	c := n.P.Cfg
	if n.b == 0 {
		return fmt.Errorf("model: BackwardFrom before Forward")
	}
	if g == nil || len(g.Flat) != len(n.P.Flat) {
		return fmt.Errorf("model: gradient buffer does not match the parameters (%d values)", len(n.P.Flat))
	}
	if len(dlogits) != n.b*n.Length*c.Vocab {
		return fmt.Errorf("model: dlogits has %d values, want %d", len(dlogits), n.b*n.Length*c.Vocab)
	}
	e, p := n.e, n.P
	clear(n.dc[:n.b*c.Cond])
	e.finalBackward(p, g, &n.final, n.time.c, n.dc, n.hs[c.Blocks], dlogits)
	for i := c.Blocks - 1; i >= 0; i-- {
		e.blockBackward(&p.Blocks[i], &g.Blocks[i], &n.blocks[i], n.time.c, n.dc, n.hs[i])
	}
	e.embedBackward(p, g, n.x)
	e.timeBackward(p, g, &n.time, n.dc, n.ds)
	return nil
}

// Inference runs the network forward only, keeping no activations: the
// path for sampling. One set of buffers serves every block.
type Inference[T cpu.Float] struct {
	P             *Params[T]
	Batch, Length int

	e     *engine[T]
	time  timeActs[T]
	h     []T // (N, D) residual stream, updated in place by every block
	acts  blockActs[T]
	mods  [][]T // (B, 6D) each block's modulation; mods[0] is acts.mod
	final finalActs[T]
}

// NewInference allocates a forward-only network for up to batch sequences
// of length positions.
func NewInference[T cpu.Float](p *Params[T], batch, length int) (*Inference[T], error) {
	if err := checkDims(p, batch, length, false); err != nil {
		return nil, err
	}
	e := newEngine[T](p.Cfg, batch, length, false)
	m := &Inference[T]{P: p, Batch: batch, Length: length, e: e,
		time: newTimeActs(e), h: make([]T, batch*length*p.Cfg.Hidden),
		acts: newBlockActs(e, false), final: newFinalActs(e, false)}
	m.mods = make([][]T, p.Cfg.Blocks)
	for i := range m.mods {
		if i == 0 {
			m.mods[i] = m.acts.mod
		} else {
			m.mods[i] = make([]T, batch*6*p.Cfg.Hidden)
		}
	}
	return m, nil
}

// Forward writes the logits (b, L, K) of x (b, L, K) at times t (b).
func (m *Inference[T]) Forward(logits, x, t []T) error {
	c := m.P.Cfg
	if err := checkInputs(x, t, m.Batch, m.Length, c.Vocab); err != nil {
		return err
	}
	if len(logits) != len(x) {
		return fmt.Errorf("model: logits has %d values, want %d", len(logits), len(x))
	}
	m.forward(logits, x, t)
	return nil
}
