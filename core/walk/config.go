package walk

import (
	"fmt"
	"math"

	"github.com/rdlm-go/rdlm/core/process"
	"github.com/rdlm-go/rdlm/core/schedule"
)

// Config sizes a walk and fixes the process it follows. Schedule and
// Mixture must come from the model's own config, never from defaults
// (rdlm-math.md section 11): a wrong step_thr starts the walk at the wrong
// point.
type Config struct {
	Batch    int               // most sequences per denoiser call (B)
	Length   int               // positions per sequence (L)
	Vocab    int               // token categories K; a position lives in R^(K+1)
	Steps    int               // walk steps S
	Schedule schedule.Schedule // beta_t and gamma_t
	Mixture  process.Mixture   // the training mixture: picks the start point
	Rule     string            // RuleEuler (default, the reference's) or RuleExact
}

// The step rules (Config.Rule).
const (
	// RuleEuler is the reference's geodesic random walk: the mixture drift
	// b_theta = P_x(gamma sum_k p_k log_x(e_k)) for a step of dt.
	RuleEuler = "euler"
	// RuleExact keeps the mixture drift's direction but takes each step
	// with the pull and noise that are exact for a bridge near its vertex
	// (process.BridgeStep's): over [t, t+h] the share a = 1 - I(t+h)/I(t)
	// of the way, noise of variance I(t+h) a, where Euler takes gamma h and
	// beta h. The two agree for short steps; for long ones near t = 1, Euler
	// overshoots and leaves the noise of its last step unpulled.
	RuleExact = "exact"
)

// MaxSteps bounds the steps of a walk: its time grid is allocated up front,
// and a million steps (8 MB of grid) is far more than any sampler needs
// (the published setting is 256 to 2048).
const MaxSteps = 1 << 20

// CheckRule refuses a step rule that is none of the known ones ("" is the
// default); a front end checks its flags with it before any model is read.
func CheckRule(rule string) error {
	if rule != "" && rule != RuleEuler && rule != RuleExact {
		return fmt.Errorf("step rule %q: want %s or %s", rule, RuleEuler, RuleExact)
	}
	return nil
}

// Validate checks c before a backend allocates for it.
func (c Config) Validate() error {
	switch {
	case c.Batch < 1:
		return fmt.Errorf("walk: batch %d, want >= 1", c.Batch)
	case c.Length < 1:
		return fmt.Errorf("walk: length %d, want >= 1", c.Length)
	case c.Vocab < 1:
		return fmt.Errorf("walk: vocabulary of %d tokens, want >= 1", c.Vocab)
	case c.Steps < 1:
		return fmt.Errorf("walk: %d steps, want >= 1", c.Steps)
	case c.Steps > MaxSteps:
		return fmt.Errorf("walk: %d steps is beyond the limit of %d (walk.MaxSteps)", c.Steps, MaxSteps)
	case c.Schedule == nil:
		return fmt.Errorf("walk: no schedule")
	case uint64(c.Length) > math.MaxUint32:
		return fmt.Errorf("walk: length %d does not fit the 32-bit position of the noise counter", c.Length)
	}
	if err := CheckRule(c.Rule); err != nil {
		return fmt.Errorf("walk: %v", err)
	}
	return c.Mixture.Validate()
}

// Start is where the walk's free positions start: u or e_m, from the
// model's mixture.
func (c Config) Start() process.Start { return c.Mixture.GenerationStart() }

// CheckSample checks one Sample call of a walk of c: n sequences
// first..first+n-1 into dst (n, L). walked is the sequences the backend
// walks for it (n, or its whole batch on the device), whose indices must
// fit the noise counter's 32-bit sequence field.
func (c Config) CheckSample(dst []int, first uint64, n, walked int) error {
	L := c.Length
	switch {
	case n < 1 || n > c.Batch:
		return fmt.Errorf("walk: %d sequences, want 1..%d", n, c.Batch)
	case len(dst) != n*L:
		return fmt.Errorf("walk: token buffer of %d, want %d sequences x %d positions = %d", len(dst), n, L, n*L)
	case first+uint64(walked) > 1<<32 || first+uint64(walked) < first:
		return fmt.Errorf("walk: sequence indices %d..%d do not fit the 32-bit sequence field of the noise counter", first, first+uint64(walked)-1)
	}
	return nil
}
