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
	Rule     string            // RuleEuler (default, the reference's), RuleExact or RuleBridge
	Grid     string            // GridUniform (default, the reference's) or GridFocus
}

// The step rules (Config.Rule).
const (
	// RuleEuler is the reference's geodesic random walk: the mixture drift
	// b_theta = P_x(gamma sum_k p_k log_x(e_k)) for a step of dt.
	RuleEuler = "euler"
	// RuleBridge draws each position's endpoint k from p_theta and takes
	// the step of the bridge toward e_k (process.BridgeStep): the generative
	// process is the mixture of bridges whose endpoint law given x_t is the
	// posterior the network predicts, so this is its ancestral sampler, and
	// its step stays exact as t -> 1 where the Euler step overshoots. It is
	// meant for few steps.
	RuleBridge = "bridge"
	// RuleExact keeps the mixture drift's direction but takes each step
	// with the pull and noise that are exact for a bridge near its vertex
	// (process.BridgeStep's): over [t, t+h] the share a = 1 - I(t+h)/I(t)
	// of the way, noise of variance I(t+h) a, where Euler takes gamma h and
	// beta h. The two agree for short steps; for long ones near t = 1, Euler
	// overshoots and leaves the noise of its last step unpulled.
	RuleExact = "exact"
)

// The time grids (Config.Grid).
const (
	GridUniform = "uniform" // t_i = (1-1e-5) i/S
	// GridFocus spends the steps where the walk decides: the NELBO integrand
	// of trained models lives between t = 0.1 and 0.8 and peaks near the
	// middle, so the grid is t(u) = (1-1e-5)(u + c sin(2 pi u)/(2 pi)) at
	// u = i/S with c = FocusStrength: steps 1-c times as long as uniform
	// ones at t = 1/2 and 1+c times near both ends.
	GridFocus = "focus"
	// FocusStrength is c.
	FocusStrength = 0.8
)

// MaxSteps bounds the steps of a walk: its time grid is allocated up front,
// and a million steps (8 MB of grid) is far more than any sampler needs
// (the published setting is 256 to 2048).
const MaxSteps = 1 << 20

// CheckRule refuses a step rule or time grid that is none of the known ones
// ("" is the default of each); a front end checks its flags with it before
// any model is read.
func CheckRule(rule, grid string) error {
	switch {
	case rule != "" && rule != RuleEuler && rule != RuleBridge && rule != RuleExact:
		return fmt.Errorf("step rule %q: want %s, %s or %s", rule, RuleEuler, RuleExact, RuleBridge)
	case grid != "" && grid != GridUniform && grid != GridFocus:
		return fmt.Errorf("time grid %q: want %s or %s", grid, GridUniform, GridFocus)
	}
	return nil
}

// IsReference says whether c walks the reference's way, the Euler rule on
// the uniform grid: the one walk the device runs (core/gpu).
func (c Config) IsReference() bool {
	return (c.Rule == "" || c.Rule == RuleEuler) && (c.Grid == "" || c.Grid == GridUniform)
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
	if err := CheckRule(c.Rule, c.Grid); err != nil {
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
