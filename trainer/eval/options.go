package eval

import (
	"fmt"

	"github.com/rdlm-go/rdlm/core/ckpt"
)

// The model families the evaluator knows (ckpt.Process.Family): the sphere
// diffusion of the paper and the masked-diffusion baseline.
const (
	FamilyRDLM = ckpt.FamilyRDLM
	FamilyMDLM = ckpt.FamilyMDLM
)

// Defaults applied to zero Options fields.
const (
	DefaultBridgeSteps = 500 // the reference evaluator's walk
	DefaultBatch       = 8   // sequences per network call
	DefaultSeeds       = 1
)

// Options say how much work the estimate gets and where its randomness comes
// from. The zero value is the reference's evaluation with seed 0.
type Options struct {
	Family       string // empty: the model's (ckpt.Process.Family); set, it must agree with the model
	Seed         uint64 // base seed; repetition r uses a seed derived from (Seed, r)
	Seeds        int    // independent repetitions over the same sequences (default 1)
	Batch        int    // sequences per network call (default 8); does not change the figures
	MaxSequences int    // evaluate at most this many sequences, spread evenly over the split (0: all)
	BridgeSteps  int    // steps of the simulated bridge (default 500); RDLM only
	// Workers is the number of shares the per-position work is cut into
	// (0: one per worker of core/nn's pool). It exists to show that the
	// figures do not depend on it.
	Workers int
}

// withDefaults fills zero fields and rejects values out of range.
func (o Options) withDefaults() (Options, error) {
	switch o.Family {
	case "", FamilyRDLM, FamilyMDLM:
	default:
		return o, fmt.Errorf("eval: unknown model family %q (want %q or %q)", o.Family, FamilyRDLM, FamilyMDLM)
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
	switch {
	case o.Seeds < 1:
		return o, fmt.Errorf("eval: seeds must be >= 1, got %d", o.Seeds)
	case o.Batch < 1:
		return o, fmt.Errorf("eval: batch must be >= 1, got %d", o.Batch)
	case o.MaxSequences < 0:
		return o, fmt.Errorf("eval: max sequences must be >= 0 (0: all), got %d", o.MaxSequences)
	case o.BridgeSteps < 1:
		return o, fmt.Errorf("eval: bridge steps must be >= 1, got %d", o.BridgeSteps)
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
	if o.Family == FamilyMDLM {
		return "mdlm-loglinear"
	}
	return fmt.Sprintf("simulated-bridge-%d", o.BridgeSteps)
}

// Result is an evaluation's figure and its uncertainty. NELBO figures are in
// nats per sequence, BPC figures in bits per token.
type Result struct {
	BPC         float64   // mean NELBO / L / ln 2 over sequences and seeds
	StdErr      float64   // standard error of BPC over sequences (see the package documentation); NaN for one sequence
	StdErrSeeds float64   // standard error of BPC across seeds; NaN when Seeds < 2
	NELBO       float64   // mean NELBO per sequence, nats
	SeedBPC     []float64 // each repetition's BPC
	Sequences   int       // sequences evaluated (per seed)
	Seeds       int
	Length      int    // L, tokens per sequence
	Family      string // FamilyRDLM or FamilyMDLM
	Estimator   string // e.g. "simulated-bridge-500" or "mdlm-loglinear"
	StepThr     float64
}
