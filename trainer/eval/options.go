package eval

import (
	"fmt"

	"github.com/rdlm-go/rdlm/core/process"

	"github.com/rdlm-go/rdlm/core/ckpt"
)

// The model families the evaluator knows (ckpt.Process.Family): the sphere
// diffusion of the paper and the masked-diffusion baseline.
const (
	FamilyRDLM = ckpt.FamilyRDLM
	FamilyMDLM = ckpt.FamilyMDLM
	FamilyAR   = ckpt.FamilyAR
)

// Defaults applied to zero Options fields.
const (
	DefaultBridgeSteps = 500 // the reference evaluator's walk
	DefaultBatch       = 8   // sequences per network call
	DefaultSeeds       = 1
)

// How times are drawn (Options.Proposal) and how x_t is simulated
// (Options.Bridge).
const (
	ProposalUniform = "uniform" // t = (1-1e-4) U, the reference's
	ProposalLate    = "late"    // process.LateTimes: mostly uniform, the rest uniform in log(1-t), weighted
	BridgeUniform   = "uniform" // BridgeSteps steps of t/BridgeSteps per time, the reference's
	BridgeGraded    = "graded"  // one path per position through all its times, steps refined as t -> 1
)

// MaxTimesPerSequence bounds Options.TimesPerSequence.
const MaxTimesPerSequence = 1024

// lateUniformShare is the uniform share of the late proposal. A trained
// model's integrand, with x_t from graded bridges, lives below t = 0.9 (it
// vanishes above), so most draws stay uniform; the rest insure against a
// model whose integrand does grow as t -> 1 (an untrained one's does, and
// so does the variance of MDLM's), at a weight of at most 1/0.8.
const lateUniformShare = 0.8

// Precise returns the options of the precise estimator: 16 stratified times
// per sequence from the late proposal, x_t from graded bridges; seed, seeds,
// batch and subset as given.
func Precise(o Options) Options {
	o.TimesPerSequence, o.Proposal, o.Bridge = 16, ProposalLate, BridgeGraded
	return o
}

// Options say how much work the estimate gets and where its randomness comes
// from. The zero value is the reference's evaluation with seed 0.
type Options struct {
	Family       string // empty: the model's (ckpt.Process.Family); set, it must agree with the model
	Seed         uint64 // base seed; repetition r uses a seed derived from (Seed, r)
	Seeds        int    // independent repetitions over the same sequences (default 1)
	Batch        int    // sequences per network call (default 8); does not change the figures
	MaxSequences int    // evaluate at most this many sequences, spread evenly over the split (0: all)
	BridgeSteps  int    // steps of the uniform bridge (default 500); RDLM only
	// TimesPerSequence is how many times each sequence is scored at
	// (default 1): stratified draws u_j = (j + U_j)/n of the proposal's
	// quantile, so together they cover the whole interval.
	TimesPerSequence int
	Proposal         string // ProposalUniform (default) or ProposalLate
	Bridge           string // BridgeUniform (default) or BridgeGraded; RDLM only
	// Workers is the number of shares the per-position work is cut into
	// (0: one per worker of core/cpu's pool). It exists to show that the
	// figures do not depend on it.
	Workers int
}

// withDefaults fills zero fields and rejects values out of range.
func (o Options) withDefaults() (Options, error) {
	switch o.Family {
	case "", FamilyRDLM, FamilyMDLM, FamilyAR:
	default:
		return o, fmt.Errorf("eval: unknown model family %q (want %q, %q or %q)", o.Family, FamilyRDLM, FamilyMDLM, FamilyAR)
	}
	if o.Seeds == 0 {
		o.Seeds = DefaultSeeds
	}
	if o.Batch == 0 {
		o.Batch = DefaultBatch
	}
	if o.BridgeSteps == 0 {
		o.BridgeSteps = DefaultBridgeSteps
	}
	if o.TimesPerSequence == 0 {
		o.TimesPerSequence = 1
	}
	if o.Proposal == "" {
		o.Proposal = ProposalUniform
	}
	if o.Bridge == "" {
		o.Bridge = BridgeUniform
	}
	if o.Proposal != ProposalUniform && o.Proposal != ProposalLate {
		return o, fmt.Errorf("eval: time proposal %q: want %q or %q", o.Proposal, ProposalUniform, ProposalLate)
	}
	if o.Bridge != BridgeUniform && o.Bridge != BridgeGraded {
		return o, fmt.Errorf("eval: bridge %q: want %q or %q", o.Bridge, BridgeUniform, BridgeGraded)
	}
	switch {
	case o.Seeds < 1:
		return o, fmt.Errorf("eval: seeds must be >= 1, got %d", o.Seeds)
	case o.Batch < 1:
		return o, fmt.Errorf("eval: batch must be >= 1, got %d", o.Batch)
	case o.MaxSequences < 0:
		return o, fmt.Errorf("eval: max sequences must be >= 0 (0: all), got %d", o.MaxSequences)
	case o.BridgeSteps < 1:
		return o, fmt.Errorf("eval: bridge steps must be >= 1, got %d", o.BridgeSteps)
	case o.TimesPerSequence < 1 || o.TimesPerSequence > MaxTimesPerSequence:
		return o, fmt.Errorf("eval: times per sequence must lie in [1, %d], got %d", MaxTimesPerSequence, o.TimesPerSequence)
	case o.Workers < 0:
		return o, fmt.Errorf("eval: workers must be >= 0 (0: the pool's), got %d", o.Workers)
	}
	return o, nil
}

// Estimator names the estimator the options select (an empty Family counts
// as RDLM), for reports: a figure must say how it was computed.
func (o Options) Estimator() string {
	o, err := o.withDefaults()
	if err != nil {
		return "invalid"
	}
	name := fmt.Sprintf("simulated-bridge-%d", o.BridgeSteps)
	switch {
	case o.Family == FamilyAR:
		return "exact-nll"
	case o.Family == FamilyMDLM:
		name = "mdlm-loglinear"
	case o.Bridge == BridgeGraded:
		name = "graded-bridge"
	}
	if o.TimesPerSequence == 1 && o.Proposal == ProposalUniform {
		return name
	}
	return fmt.Sprintf("%s, %d stratified t per sequence, %s-weighted", name, o.TimesPerSequence, o.Proposal)
}

// Result is an evaluation's figure and its uncertainty. NELBO figures are in
// nats per sequence, BPC figures in bits per token.
type Result struct {
	BPC         float64   // mean NELBO / L / ln 2 over sequences and seeds
	MedianBPC   float64   // median over sequences of their BPC (each averaged over the seeds): a mean ruled by a few sequences shows here
	StdErr      float64   // standard error of BPC over sequences (see the package documentation); NaN for one sequence
	StdErrSeeds float64   // standard error of BPC across seeds; NaN when Seeds < 2
	StdErrMC    float64   // Monte Carlo error of BPC for these sequences, from the spread within each sequence's times; NaN for one time per sequence
	NELBO       float64   // mean NELBO per sequence, nats
	SeedBPC     []float64 // each repetition's BPC
	// SequenceNELBO is each sequence's NELBO in nats, averaged over the
	// seeds, in evaluation order: the same options on the same split give
	// the same sequences in the same order, so two models' lists pair up
	// (Paired).
	SequenceNELBO []float64
	Sequences     int // sequences evaluated (per seed)
	Seeds         int
	Times         int    // times per sequence and seed
	Length        int    // L, tokens per sequence
	Family        string // FamilyRDLM, FamilyMDLM or FamilyAR
	Estimator     string // e.g. "simulated-bridge-500" or "mdlm-loglinear"
	StepThr       float64
}

// timeSampler is the proposal the options name.
func (o Options) timeSampler() (process.TimeSampler, error) {
	if o.Proposal == ProposalLate {
		return process.NewLateTimes(lateUniformShare)
	}
	return process.UniformTimes{}, nil
}
