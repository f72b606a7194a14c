package eval

import (
	"fmt"

	"github.com/rdlm-go/rdlm/core/ckpt"
	"github.com/rdlm-go/rdlm/core/model"
	"github.com/rdlm-go/rdlm/core/nn"
	"github.com/rdlm-go/rdlm/core/process"
	"github.com/rdlm-go/rdlm/core/schedule"
)

// Sequences is what the evaluator reads: a split cut into sequences of equal
// length. data.Sequences satisfies it.
type Sequences interface {
	Len() int                // number of sequences
	SeqLen() int             // L, tokens per sequence
	Fill(dst []int32, i int) // write sequence i's L token ids into dst
}

// Denoiser is the network: logits (b, L, K) of the inputs x (b, L, K) at
// times t (b), b up to the batch it was built for. *model.Inference[float32]
// satisfies it; tests use stand-ins with known probabilities.
type Denoiser interface {
	Forward(logits, x, t []float32) error
}

// Evaluator holds everything one evaluation needs, allocated once, so that a
// trainer can evaluate every few thousand steps without reallocating. It is
// not safe for concurrent use.
type Evaluator struct {
	net        Denoiser
	opt        Options
	proc       ckpt.Process
	sched      schedule.Schedule
	mix        process.Mixture
	k, v, l, b int // tokens K, coordinates V = K+1, length L, batch capacity

	key     uint64          // the current repetition's Philox key
	seqIdx  []int           // (B) split index of each row
	tokens  []int32         // (B, L)
	time    []float64       // (B) RDLM: t; MDLM: the masking probability s
	netTime []float32       // (B) the network's time input
	gamma   []float64       // (B) gamma_t (RDLM)
	beta    []float64       // (B) beta_t (RDLM)
	start   []process.Start // (B) where each row's bridges start (RDLM)
	xt      []float64       // (B, L, V) bridge draws (RDLM)
	masked  []bool          // (B, L) mask decisions (MDLM)
	x       []float32       // (B, L, K) network input
	logits  []float32       // (B, L, K)
	posLoss []float64       // (B, L) each position's share of its sequence's NELBO
	drift   []float64       // (workers, V) bridge and generative drift scratch
	prob    []float64       // (workers, K) the network's probabilities at one position
	errs    []error         // (workers) first error of each worker in a parallel phase
	task    positionTask

	// onSequence, when set (by tests), sees every sequence's time and NELBO.
	onSequence func(rep, seq int, t, nelbo float64)
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
func NewWithDenoiser(net Denoiser, vocab, length int, proc ckpt.Process, opt Options) (*Evaluator, error) {
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
	sched, err := proc.NoiseSchedule()
	if err != nil {
		return nil, fmt.Errorf("eval: %v", err)
	}
	// The checkpoint records only step_thr: its mixture is the step rule.
	mix := process.Mixture{Kind: process.MixStep, StepThr: proc.StepThr}
	if err := mix.Validate(); err != nil {
		return nil, fmt.Errorf("eval: %v", err)
	}
	b, k, l, w := o.Batch, vocab, length, nn.Workers()
	v := k + 1
	e := &Evaluator{
		net: net, opt: o, proc: proc, sched: sched, mix: mix, k: k, v: v, l: l, b: b,
		seqIdx: make([]int, b), tokens: make([]int32, b*l), time: make([]float64, b),
		netTime: make([]float32, b), gamma: make([]float64, b), beta: make([]float64, b),
		start: make([]process.Start, b), x: make([]float32, b*l*k), logits: make([]float32, b*l*k),
		posLoss: make([]float64, b*l), drift: make([]float64, w*v), prob: make([]float64, w*k),
		errs: make([]error, w),
	}
	if o.Family == FamilyRDLM {
		e.xt = make([]float64, b*l*v)
	} else {
		e.masked = make([]bool, b*l)
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
	seqSum := make([]float64, n)           // each sequence's NELBO summed over seeds
	repSum := make([]float64, e.opt.Seeds) // each seed's NELBO summed over sequences
	for rep := range e.opt.Seeds {
		e.key = repKey(e.opt.Seed, rep)
		for j0 := 0; j0 < n; j0 += e.b {
			rows := min(e.b, n-j0)
			for r := range rows {
				// Spread a subset evenly: the split's start is not special.
				e.seqIdx[r] = int(int64(j0+r) * int64(total) / int64(n))
				seqs.Fill(e.tokens[r*e.l:(r+1)*e.l], e.seqIdx[r])
			}
			if err := e.evalBatch(rows); err != nil {
				return Result{}, err
			}
			for r := range rows {
				var nelbo float64
				for _, x := range e.posLoss[r*e.l : (r+1)*e.l] {
					nelbo += x
				}
				seqSum[j0+r] += nelbo
				repSum[rep] += nelbo
				if e.onSequence != nil {
					e.onSequence(rep, e.seqIdx[r], e.time[r], nelbo)
				}
			}
		}
	}
	res := summarize(seqSum, repSum, e.l)
	res.Family, res.Estimator, res.StepThr = e.opt.Family, e.opt.Estimator(), e.proc.StepThr
	return res, nil
}

// evalBatch fills posLoss[:rows*L] for the rows in seqIdx and tokens.
func (e *Evaluator) evalBatch(rows int) error {
	for q, tok := range e.tokens[:rows*e.l] {
		if tok < 0 || int(tok) >= e.k {
			return fmt.Errorf("eval: sequence %d position %d holds token %d, outside the model's vocabulary of %d tokens",
				e.seqIdx[q/e.l], q%e.l, tok, e.k)
		}
	}
	if e.opt.Family == FamilyMDLM {
		return e.mdlmBatch(rows)
	}
	return e.rdlmBatch(rows)
}
