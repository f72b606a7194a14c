package eval

import (
	"fmt"

	"github.com/rdlm-go/rdlm/core/ckpt"
	"github.com/rdlm-go/rdlm/core/cpu"
	"github.com/rdlm-go/rdlm/core/model"
	"github.com/rdlm-go/rdlm/core/process"
	"github.com/rdlm-go/rdlm/core/rng"
	"github.com/rdlm-go/rdlm/core/schedule"
)

// Sequences is what the evaluator reads: a split cut into sequences of equal
// length. data.Sequences satisfies it.
type Sequences interface {
	Len() int                // number of sequences
	SeqLen() int             // L, tokens per sequence
	Fill(dst []int32, i int) // write sequence i's L token ids into dst
}

// Evaluator holds everything one evaluation needs, allocated once, so that a
// trainer can evaluate every few thousand steps without reallocating. It is
// not safe for concurrent use.
//
// Work goes in groups of sequences; each sequence is scored at n =
// TimesPerSequence times, one row per (sequence, time), so a group of g
// sequences fills g*n rows (row = sequence in group * n + time index), and
// the network sees them b rows at a time.
type Evaluator struct {
	net        model.Denoiser
	opt        Options
	proc       ckpt.Process
	sched      schedule.Schedule
	mix        process.Mixture
	times      process.TimeSampler
	k, v, l, b int // tokens K, coordinates V = K+1, length L, network batch
	n, group   int // times per sequence, sequences per group
	rows       int // rows of a full group: group * n

	key     uint64          // the current repetition's Philox key
	seqIdx  []int           // (rows) split index of each row's sequence
	tokens  []int32         // (rows, L)
	time    []float64       // (rows) RDLM: t; MDLM: the masking probability s
	weight  []float64       // (rows) importance weight of the row's time
	netTime []float32       // (rows) the network's time input
	gamma   []float64       // (rows) gamma_t (RDLM)
	beta    []float64       // (rows) beta_t (RDLM)
	start   []process.Start // (rows) where each row's bridges start (RDLM)
	xt      []float64       // (rows, L, V) bridge draws (RDLM)
	masked  []bool          // (rows, L) mask decisions (MDLM)
	x       []float32       // (rows, L, K) network input
	logits  []float32       // (rows, L, K)
	posLoss []float64       // (rows, L) each position's share of its row's NELBO
	drift   []float64       // (workers, V) bridge and generative drift scratch
	prob    []float64       // (workers, K) the network's probabilities at one position
	path    []float64       // (workers, n, V) one graded path read at a sequence's times
	pathT   []float64       // (workers, n) those times
	pathRow []int           // (workers, n) and the rows they belong to
	errs    []error         // (workers) first error of each worker in a parallel phase
	task    positionTask

	// OnRow, when set, sees every row's repetition, sequence (its index in
	// the split), time and weighted NELBO in nats (with one time per
	// sequence: every sequence's estimate), in a fixed order: to look at the
	// distribution behind a mean.
	OnRow func(rep, seq int, t, nelbo float64)
}

// Evaluate estimates the NELBO of seqs under the model with the given
// parameters and process settings (take them from the checkpoint, never from
// defaults). Length is seqs.SeqLen().
func Evaluate(params *model.Params[float32], proc ckpt.Process, seqs Sequences, opt Options) (Result, error) {
	if seqs == nil {
		return Result{}, fmt.Errorf("eval: no sequences")
	}
	e, err := New(params, proc, seqs.SeqLen(), opt)
	if err != nil {
		return Result{}, err
	}
	return e.Run(seqs)
}

// New builds an evaluator for sequences of the given length around a
// forward-only network on params. The network reads params at every batch,
// so weights updated in place (an EMA copy during training) are seen by the
// next Run.
func New(params *model.Params[float32], proc ckpt.Process, length int, opt Options) (*Evaluator, error) {
	o, err := opt.withDefaults()
	if err != nil {
		return nil, err
	}
	if params == nil {
		return nil, fmt.Errorf("eval: nil parameters")
	}
	net, err := model.NewInference(params, o.Batch, length)
	if err != nil {
		return nil, fmt.Errorf("eval: %v", err)
	}
	return NewWithDenoiser(net, params.Cfg.Vocab, length, proc, opt)
}

// NewWithDenoiser builds an evaluator around any network of K = vocab
// tokens that accepts batches of up to opt.Batch sequences of length L.
func NewWithDenoiser(net model.Denoiser, vocab, length int, proc ckpt.Process, opt Options) (*Evaluator, error) {
	o, err := opt.withDefaults()
	if err != nil {
		return nil, err
	}
	switch {
	case net == nil:
		return nil, fmt.Errorf("eval: nil network")
	case vocab < 1:
		return nil, fmt.Errorf("eval: vocabulary of %d tokens", vocab)
	case length < 1:
		return nil, fmt.Errorf("eval: sequence length %d", length)
	}
	if err := proc.Validate(); err != nil {
		return nil, fmt.Errorf("eval: %v", err)
	}
	if o, err = withFamily(o, opt.Family, proc.Family); err != nil {
		return nil, err
	}
	if o.Family == FamilyAR {
		// The likelihood is exact: one pass per sequence says it all.
		o.TimesPerSequence, o.Proposal = 1, ProposalUniform
	}
	sched, err := proc.NoiseSchedule()
	if err != nil {
		return nil, fmt.Errorf("eval: %v", err)
	}
	mix, err := proc.Mixture()
	if err != nil {
		return nil, fmt.Errorf("eval: %v", err)
	}
	times, err := o.timeSampler()
	if err != nil {
		return nil, err
	}
	b, k, l, w, n := o.Batch, vocab, length, cpu.Threads(), o.TimesPerSequence
	v := k + 1
	group := max(1, b/n)
	rows := group * n
	e := &Evaluator{
		net: net, opt: o, proc: proc, sched: sched, mix: mix, times: times, k: k, v: v, l: l, b: b,
		n: n, group: group, rows: rows,
		seqIdx: make([]int, rows), tokens: make([]int32, rows*l), time: make([]float64, rows),
		weight: make([]float64, rows), netTime: make([]float32, rows), gamma: make([]float64, rows),
		beta: make([]float64, rows), start: make([]process.Start, rows), x: make([]float32, rows*l*k),
		logits: make([]float32, rows*l*k), posLoss: make([]float64, rows*l), drift: make([]float64, w*v),
		prob: make([]float64, w*k), errs: make([]error, w),
	}
	if o.Family == FamilyRDLM {
		e.xt = make([]float64, rows*l*v)
		if o.Bridge == BridgeGraded {
			e.path, e.pathT, e.pathRow = make([]float64, w*n*v), make([]float64, w*n), make([]int, w*n)
		}
	} else {
		e.masked = make([]bool, rows*l)
	}
	e.task.e = e
	return e, nil
}

// withFamily settles the family: the model's own (RDLM when its process names
// none). A request for the other one is refused: scoring a model with the
// other family's estimator gives a number that means nothing.
func withFamily(o Options, asked, recorded string) (Options, error) {
	if recorded == "" {
		recorded = FamilyRDLM
	}
	if asked != "" && asked != recorded {
		return o, fmt.Errorf("eval: the model is of family %q; it cannot be evaluated as %q", recorded, asked)
	}
	o.Family = recorded
	return o, nil
}

// Options returns the options in use, defaults filled in.
func (e *Evaluator) Options() Options { return e.opt }

// Run evaluates seqs: every sequence (or MaxSequences of them, spread evenly
// over the split) once per seed.
func (e *Evaluator) Run(seqs Sequences) (Result, error) {
	if seqs == nil {
		return Result{}, fmt.Errorf("eval: no sequences")
	}
	if seqs.SeqLen() != e.l {
		return Result{}, fmt.Errorf("eval: sequences of %d tokens, the evaluator was built for %d", seqs.SeqLen(), e.l)
	}
	total := seqs.Len()
	if total < 1 {
		return Result{}, fmt.Errorf("eval: no sequences to evaluate")
	}
	n := total
	if e.opt.MaxSequences > 0 && e.opt.MaxSequences < n {
		n = e.opt.MaxSequences
	}
	acc := newAccumulator(n, e.opt.Seeds, e.n)
	for rep := range e.opt.Seeds {
		e.key = repKey(e.opt.Seed, rep)
		for j0 := 0; j0 < n; j0 += e.group {
			seqsIn := min(e.group, n-j0)
			for g := range seqsIn {
				// Spread a subset evenly: the split's start is not special.
				idx := int(int64(j0+g) * int64(total) / int64(n))
				for j := range e.n {
					r := g*e.n + j
					e.seqIdx[r] = idx
					seqs.Fill(e.tokens[r*e.l:(r+1)*e.l], idx)
				}
			}
			rows := seqsIn * e.n
			if err := e.evalRows(rows); err != nil {
				return Result{}, err
			}
			for r := range rows {
				var nelbo float64
				for _, x := range e.posLoss[r*e.l : (r+1)*e.l] {
					nelbo += x
				}
				nelbo *= e.weight[r]
				acc.add(rep, j0+r/e.n, nelbo)
				if e.OnRow != nil {
					e.OnRow(rep, e.seqIdx[r], e.time[r], nelbo)
				}
			}
		}
	}
	res := acc.summarize(e.l)
	res.Family, res.Estimator, res.StepThr = e.opt.Family, e.opt.Estimator(), e.proc.StepThr
	return res, nil
}

// evalRows fills posLoss[:rows*L] and weight[:rows] for the rows in seqIdx
// and tokens.
func (e *Evaluator) evalRows(rows int) error {
	for q, tok := range e.tokens[:rows*e.l] {
		if tok < 0 || int(tok) >= e.k {
			return fmt.Errorf("eval: sequence %d position %d holds token %d, outside the model's vocabulary of %d tokens",
				e.seqIdx[q/e.l], q%e.l, tok, e.k)
		}
	}
	switch e.opt.Family {
	case FamilyMDLM:
		return e.mdlmRows(rows)
	case FamilyAR:
		return e.arRows(rows)
	}
	return e.rdlmRows(rows)
}

// drawTime draws row r's time, the j-th of its sequence's n stratified
// times, from the row's stream st: u = (j + U)/n through the proposal. It
// sets the row's weight and returns the time.
func (e *Evaluator) drawTime(r int, st *rng.Stream) float64 {
	j := r % e.n
	u := (float64(j) + st.Float64()) / float64(e.n)
	t, w := e.times.Sample(u)
	e.weight[r] = w
	return t
}

// forward runs the network over rows, b at a time.
func (e *Evaluator) forward(rows int) error {
	lk := e.l * e.k
	for r0 := 0; r0 < rows; r0 += e.b {
		r1 := min(rows, r0+e.b)
		if err := e.net.Forward(e.logits[r0*lk:r1*lk], e.x[r0*lk:r1*lk], e.netTime[r0:r1]); err != nil {
			return fmt.Errorf("eval: network: %v", err)
		}
	}
	return nil
}
