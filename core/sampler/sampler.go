package sampler

import (
	"fmt"
	"math"

	"github.com/rdlm-go/rdlm/core/model"
	"github.com/rdlm-go/rdlm/core/nn"
	"github.com/rdlm-go/rdlm/core/process"
	"github.com/rdlm-go/rdlm/core/rng"
	"github.com/rdlm-go/rdlm/core/schedule"
	"github.com/rdlm-go/rdlm/core/sphere"
)

// Config sizes a Sampler and fixes the process it walks. Schedule and
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

// MaxSteps bounds the steps of a walk: its time grid is allocated up front,
// and a million steps (8 MB of grid) is far more than any sampler needs
// (the published setting is 256 to 2048).
const MaxSteps = 1 << 20

func (c Config) validate() error {
	switch {
	case c.Batch < 1:
		return fmt.Errorf("sampler: batch %d, want >= 1", c.Batch)
	case c.Length < 1:
		return fmt.Errorf("sampler: length %d, want >= 1", c.Length)
	case c.Vocab < 1:
		return fmt.Errorf("sampler: vocabulary of %d tokens, want >= 1", c.Vocab)
	case c.Steps < 1:
		return fmt.Errorf("sampler: %d steps, want >= 1", c.Steps)
	case c.Steps > MaxSteps:
		return fmt.Errorf("sampler: %d steps is beyond the limit of %d (sampler.MaxSteps)", c.Steps, MaxSteps)
	case c.Schedule == nil:
		return fmt.Errorf("sampler: no schedule")
	case uint64(c.Length) > math.MaxUint32:
		return fmt.Errorf("sampler: length %d does not fit the 32-bit position of the noise counter", c.Length)
	case c.Grid != "" && c.Grid != GridUniform && c.Grid != GridFocus:
		return fmt.Errorf("sampler: time grid %q: want %q or %q", c.Grid, GridUniform, GridFocus)
	case c.Rule != "" && c.Rule != RuleEuler && c.Rule != RuleBridge && c.Rule != RuleExact:
		return fmt.Errorf("sampler: step rule %q: want %q, %q or %q", c.Rule, RuleEuler, RuleExact, RuleBridge)
	}
	return c.Mixture.Validate()
}

// Sampler holds every buffer of the walk for up to Batch sequences of Length
// positions, so that sampling allocates nothing. It is not safe for
// concurrent use; run one Sampler per goroutine.
type Sampler struct {
	cfg   Config
	d     model.Denoiser
	v     int // V = K+1 coordinates per position
	start process.Start
	grid  []float64 // (S+1) times t_i
	dt    float64
	// blocksPerStep is the Philox blocks one position spends per step (see
	// the package doc); step i starts at block i*blocksPerStep.
	blocksPerStep uint64

	x      []float32 // (B, L, V) the walk's points
	xin    []float32 // (B, L, K) x without the mask coordinate: the network input
	logits []float32 // (B, L, K) logits, turned into p_theta in place
	t      []float32 // (B) the network's time input
	drift  []float32 // (V) one position's drift, then its step vector
	hold   []int     // (L) Free or the token a position is held at
	stream rng.Stream

	observer Observer
	info     StepInfo
	top      []int     // (B, L)
	prob     []float32 // (B, L)
}

// New allocates a Sampler for d.
func New(d model.Denoiser, cfg Config) (*Sampler, error) {
	if d == nil {
		return nil, fmt.Errorf("sampler: nil denoiser")
	}
	if err := cfg.validate(); err != nil {
		return nil, err
	}
	B, L, K := cfg.Batch, cfg.Length, cfg.Vocab
	V := K + 1
	s := &Sampler{
		cfg: cfg, d: d, v: V, start: cfg.Mixture.GenerationStart(),
		grid:          make([]float64, cfg.Steps+1),
		blocksPerStep: uint64((2*((V+1)/2) + 3) / 4),
		x:             make([]float32, B*L*V),
		xin:           make([]float32, B*L*K),
		logits:        make([]float32, B*L*K),
		t:             make([]float32, B),
		drift:         make([]float32, V),
		hold:          make([]int, L),
		top:           make([]int, B*L),
		prob:          make([]float32, B*L),
	}
	var err error
	if s.dt, err = process.SamplingGrid(s.grid); err != nil {
		return nil, err
	}
	if cfg.Grid == GridFocus {
		focusGrid(s.grid)
	}
	if cfg.Rule == RuleBridge {
		s.blocksPerStep++ // the endpoint's uniform: the first word of one more block
	}
	_ = setHold(s.hold, nil, 0) // every position free
	return s, nil
}

// Config returns the configuration the Sampler was built with.
func (s *Sampler) Config() Config { return s.cfg }

// Start is where the walk starts: u or e_m, from the model's mixture.
func (s *Sampler) Start() process.Start { return s.start }

// SetHold pins positions for the following runs: hold has one entry per
// position, Free or a token id (see Prompt and Template). nil frees all.
func (s *Sampler) SetHold(hold []int) error { return setHold(s.hold, hold, s.cfg.Vocab) }

// SetObserver installs a per-step callback (nil removes it).
func (s *Sampler) SetObserver(o Observer) { s.observer = o }

// Points is the (B, L, V) buffer of sphere points: after Sample, its first
// n sequences hold where the walk ended. It is the Sampler's own memory.
func (s *Sampler) Points() []float32 { return s.x }

// Sample generates sequences first .. first+n-1 of the given seed (n <= Batch)
// and writes their tokens into dst (n, L). A sequence's text depends only on
// (seed, its index, the hold pattern, the steps), not on n or on first.
func (s *Sampler) Sample(dst []int, seed, first uint64, n int) error {
	L := s.cfg.Length
	switch {
	case n < 1 || n > s.cfg.Batch:
		return fmt.Errorf("sampler: %d sequences, want 1..%d", n, s.cfg.Batch)
	case len(dst) != n*L:
		return fmt.Errorf("sampler: token buffer of %d, want %d sequences x %d positions = %d", len(dst), n, L, n*L)
	case first+uint64(n) > 1<<32 || first+uint64(n) < first:
		return fmt.Errorf("sampler: sequence indices %d..%d do not fit the 32-bit sequence field of the noise counter", first, first+uint64(n)-1)
	}
	V := s.v
	for r := 0; r < n*L; r++ {
		row := s.x[r*V : (r+1)*V]
		if k := s.hold[r%L]; k != Free {
			sphere.Vertex(row, k)
		} else if err := process.StartPoint(row, s.start); err != nil {
			return err
		}
	}
	for i := 0; i < s.cfg.Steps; i++ {
		if err := s.step(i, seed, first, n); err != nil {
			return err
		}
	}
	return process.DecodeRows(dst, s.x[:n*L*V], V)
}

// step runs the network at t_i and moves every free position once.
func (s *Sampler) step(i int, seed, first uint64, n int) error {
	L, K, V := s.cfg.Length, s.cfg.Vocab, s.v
	rows := n * L
	ti := s.grid[i]
	for b := 0; b < n; b++ {
		s.t[b] = float32(ti)
	}
	for r := 0; r < rows; r++ {
		copy(s.xin[r*K:(r+1)*K], s.x[r*V:r*V+K])
	}
	logits := s.logits[:rows*K]
	if err := s.d.Forward(logits, s.xin[:rows*K], s.t[:n]); err != nil {
		return fmt.Errorf("sampler: step %d (t = %g): %v", i, ti, err)
	}
	gamma, beta := s.cfg.Schedule.Gamma(ti), s.cfg.Schedule.Beta(ti)
	observe := s.observer != nil
	for r := 0; r < rows; r++ {
		seq, l := r/L, r%L
		p := logits[r*K : (r+1)*K]
		top, err := softmaxInPlace(p)
		if err != nil {
			return fmt.Errorf("sampler: step %d (t = %g), sequence %d position %d: %v", i, ti, first+uint64(seq), l, err)
		}
		held := s.hold[l]
		if observe {
			if held != Free {
				s.top[r], s.prob[r] = held, 1
			} else {
				s.top[r], s.prob[r] = top, p[top]
			}
		}
		if held != Free {
			continue
		}
		x := s.x[r*V : (r+1)*V]
		s.stream = rng.NewStream(seed, (first+uint64(seq))<<32|uint64(l))
		if s.cfg.Rule == RuleBridge {
			s.stream.Seek(uint64(i+1)*s.blocksPerStep - 1)
			k := drawFrom(p, s.stream.Float64())
			s.stream.Seek(uint64(i) * s.blocksPerStep)
			if err := process.BridgeStep(x, s.drift, k, ti, s.grid[i+1], s.cfg.Schedule, &s.stream); err != nil {
				return err
			}
			continue
		}
		g, b, dt := gamma, beta, s.dt
		if s.cfg.Grid == GridFocus {
			dt = s.grid[i+1] - ti
		}
		if s.cfg.Rule == RuleExact {
			g, b, dt = exactStep(s.cfg.Schedule, ti, s.grid[i+1])
		}
		if err := process.GenerativeDrift(s.drift, x, p, g); err != nil {
			return err
		}
		s.stream.Seek(uint64(i) * s.blocksPerStep)
		process.GRWStep(x, s.drift, b, dt, &s.stream)
	}
	if observe {
		s.info = StepInfo{Step: i, T: ti, First: first, N: n, L: L, Top: s.top[:rows], Prob: s.prob[:rows]}
		s.observer(&s.info)
	}
	return nil
}

// softmaxInPlace turns logits into probabilities and returns the index of the
// largest (the first, on ties). Non-finite logits are an error: they would
// put NaN on the sphere and every later step would carry it.
func softmaxInPlace(z []float32) (int, error) {
	for k, v := range z {
		if f := float64(v); math.IsNaN(f) || math.IsInf(f, 0) {
			return 0, fmt.Errorf("denoiser gave logit %g for token %d", f, k)
		}
	}
	return nn.Softmax(z, z), nil
}

// drawFrom returns the index whose cumulative probability first exceeds u.
func drawFrom(p []float32, u float64) int {
	var c float64
	for k, v := range p {
		c += float64(v)
		if u < c {
			return k
		}
	}
	return len(p) - 1
}

// exactStep is the step from t0 to t1 in the drift and diffusion rates that
// GRWStep takes: gamma_eff dt = a = 1 - I(t1)/I(t0) and beta_eff dt =
// I(t1) a (see RuleExact).
func exactStep(sched schedule.Schedule, t0, t1 float64) (gamma, beta, dt float64) {
	dt = t1 - t0
	i1 := sched.IntBeta(t1)
	a := 1 - i1/sched.IntBeta(t0)
	return a / dt, i1 * a / dt, dt
}

// focusGrid rewrites a uniform grid (last point 1-SamplingEps) as GridFocus.
func focusGrid(grid []float64) {
	n := len(grid) - 1
	top := grid[n]
	for i := range grid {
		u := float64(i) / float64(n)
		grid[i] = top * (u + FocusStrength*math.Sin(2*math.Pi*u)/(2*math.Pi))
	}
	grid[0], grid[n] = 0, top
}
