package objective

import (
	"fmt"

	"github.com/rdlm-go/rdlm/core/cpu"
	"github.com/rdlm-go/rdlm/core/process"
	"github.com/rdlm-go/rdlm/core/schedule"
	"github.com/rdlm-go/rdlm/core/tables"
)

// Objective turns token batches into network inputs and logits into a loss
// and its gradient. All buffers are allocated once for up to Batch sequences
// of Length positions; Corrupt and Loss allocate nothing. Not safe for
// concurrent use.
type Objective[T cpu.Float] struct {
	Config
	Vocab, Length, Batch int // K, L, batch capacity

	tab   *tables.Tables // x_t tables (RDLM only)
	sched schedule.Schedule
	mix   process.Mixture
	times process.TimeSampler
	adapt *process.AdaptiveTimes // times, when they are adaptive

	b      int             // batch of the last Corrupt
	t      []float64       // (Batch) diffusion time of each sequence
	weight []float64       // (Batch) time weight: Z/w(t), 1, or MDLM's 1/s
	stat   []float64       // (Batch) NELBO integrand of each sequence at its t (nats), when times are adaptive
	start  []process.Start // (Batch) start of each sequence's bridge (RDLM)
	tIn    []T             // (Batch) the network's time input
	x      []T             // (Batch, L, V) x_t on the sphere, mask coordinate included (RDLM)
	in     []T             // (Batch, L, K) the network input
	masked []bool          // (Batch, L) MDLM: which positions are masked
	prob   []T             // (V) scratch: softmax of one position
	drift  []T             // (V) scratch: the model's drift
	resid  []T             // (V) scratch: drift minus the bridge drift
}

// New allocates an objective for batches of up to batch sequences of length
// tokens from a vocabulary of vocab. RDLM objectives need the x_t tables
// (for vocab tokens) and the schedule they were built with; MDLM ignores both.
func New[T cpu.Float](cfg Config, tab *tables.Tables, sched schedule.Schedule, vocab, length, batch int) (*Objective[T], error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if vocab < 2 || length < 1 || batch < 1 {
		return nil, fmt.Errorf("objective: vocab %d, length %d and batch %d must be >= 2, 1 and 1", vocab, length, batch)
	}
	if err := checkStreamRange(0, batch*length); err != nil {
		return nil, err
	}
	ts, err := cfg.timeSampler()
	if err != nil {
		return nil, err
	}
	o := &Objective[T]{Config: cfg, Vocab: vocab, Length: length, Batch: batch, times: ts,
		t: make([]float64, batch), weight: make([]float64, batch), tIn: make([]T, batch),
		in: make([]T, batch*length*vocab), stat: make([]float64, batch)}
	o.adapt, _ = ts.(*process.AdaptiveTimes)
	switch cfg.Kind {
	case MDLM:
		o.masked = make([]bool, batch*length)
		return o, nil
	case AR:
		return o, nil
	}
	if tab == nil || sched == nil {
		return nil, fmt.Errorf("objective %s: needs the x_t tables and the schedule", cfg.Kind)
	}
	if tab.Dim() != vocab {
		return nil, fmt.Errorf("objective: the x_t tables are for %d tokens, the vocabulary has %d", tab.Dim(), vocab)
	}
	o.tab, o.sched = tab, sched
	if o.mix, err = process.StepMixture(cfg.StepThr); err != nil {
		return nil, err
	}
	v := vocab + 1
	o.start = make([]process.Start, batch)
	o.x = make([]T, batch*length*v)
	o.prob, o.drift, o.resid = make([]T, v), make([]T, v), make([]T, v)
	return o, nil
}

// Corrupt draws the noisy version of tokens (b, L) for the given seed and
// training step and returns the network's inputs: x (b, L, K) and t (b),
// views valid until the next Corrupt.
func (o *Objective[T]) Corrupt(tokens []int32, b int, seed, step uint64) (x, t []T, err error) {
	if b < 1 || b > o.Batch {
		return nil, nil, fmt.Errorf("objective: batch of %d, want 1..%d", b, o.Batch)
	}
	if len(tokens) != b*o.Length {
		return nil, nil, fmt.Errorf("objective: %d tokens, want batch %d x length %d", len(tokens), b, o.Length)
	}
	for i, tk := range tokens {
		if tk < 0 || int(tk) >= o.Vocab {
			return nil, nil, fmt.Errorf("objective: token %d at sequence %d position %d is outside [0, %d)", tk, i/o.Length, i%o.Length, o.Vocab)
		}
	}
	if err := checkStreamRange(step, b*o.Length); err != nil {
		return nil, nil, err
	}
	o.b = b
	switch o.Kind {
	case MDLM:
		o.corruptMasked(tokens, seed, step)
	case AR:
		o.corruptAR(tokens)
	default:
		if err := o.corruptSphere(tokens, seed, step); err != nil {
			return nil, nil, err
		}
	}
	return o.in[:b*o.Length*o.Vocab], o.tIn[:b], nil
}

// Loss returns the loss of the last Corrupt's batch given the network's
// logits (b, L, K), averaged over the batch. When dlogits (b, L, K) is not
// nil it is overwritten with the loss's gradient with respect to logits.
func (o *Objective[T]) Loss(logits []T, tokens []int32, dlogits []T) (float64, error) {
	n := o.b * o.Length
	if o.b == 0 {
		return 0, fmt.Errorf("objective: Loss before Corrupt")
	}
	if len(logits) != n*o.Vocab || len(tokens) != n || (dlogits != nil && len(dlogits) != n*o.Vocab) {
		return 0, fmt.Errorf("objective: logits %d, tokens %d, dlogits %d for batch %d x length %d x vocab %d",
			len(logits), len(tokens), len(dlogits), o.b, o.Length, o.Vocab)
	}
	var loss float64
	switch o.Kind {
	case CE:
		loss = o.lossCE(logits, tokens, dlogits)
	case ELBO:
		loss = o.lossELBO(logits, tokens, dlogits, false)
	case CEELBO:
		loss = o.lossELBO(logits, tokens, dlogits, true)
	case AR:
		loss = o.lossAR(logits, tokens, dlogits)
	default:
		loss = o.lossMasked(logits, tokens, dlogits)
	}
	return loss, nil
}

// Adapt feeds the last Loss's per-sequence NELBO integrands to an adaptive
// time proposal, which the next Corrupt then draws from. The trainer calls
// it once a step has been accepted, so that a step stopped by a NaN leaves
// the proposal as it was. Without adaptive times it does nothing.
func (o *Objective[T]) Adapt() {
	if o.adapt == nil {
		return
	}
	for s := 0; s < o.b; s++ {
		o.adapt.Observe(o.t[s], o.stat[s])
	}
	o.adapt.Refresh()
}

// TimeStats returns the adaptive proposal's statistics (nil without one),
// for a checkpoint.
func (o *Objective[T]) TimeStats() *process.AdaptiveStats {
	if o.adapt == nil {
		return nil
	}
	s := o.adapt.Stats()
	return &s
}

// SetTimeStats restores statistics saved by TimeStats.
func (o *Objective[T]) SetTimeStats(s *process.AdaptiveStats) error {
	switch {
	case o.adapt == nil && s == nil:
		return nil
	case o.adapt == nil:
		return fmt.Errorf("objective: adaptive time statistics given, but times are %q", o.Config.Times)
	case s == nil:
		return fmt.Errorf("objective: times are %q but no adaptive statistics were saved", o.Config.Times)
	}
	return o.adapt.SetStats(*s)
}

// Proposal is the adaptive time proposal (nil when times are not adaptive).
func (o *Objective[T]) Proposal() *process.AdaptiveTimes { return o.adapt }

// Times returns the last Corrupt's diffusion times (b) and time weights (b).
func (o *Objective[T]) Times() (t, weight []float64) { return o.t[:o.b], o.weight[:o.b] }
