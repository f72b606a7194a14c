// Package tables builds the x_t tables of rdlm-math.md section 4: for each
// start point (the mask vertex e_m, or the uniform point u) and each time
// t_i = i/10000, the mean direction weight alpha_t and the spread rho_t of the
// wrapped tangent Gaussian x_t = exp_mu(rho P_mu(z)) that stands in for the
// bridge toward a vertex e_k, so that training draws x_t without simulating.
//
// The build has three stages, each a function of its inputs alone:
//
//  1. simulate: Euler-Maruyama on the four scalar projections <X,e_k>,
//     <X,e_m> (masked path) and <X,e_k>, <X,u> (uniform path) of 16384
//     particles (simulate.go), deterministic for a seed whatever the number
//     of workers;
//  2. moment matching (the reference's "Eq.(25)"), giving alpha and the mean
//     resultant length m = |E X| (matchMoments below);
//  3. rho from g(rho) = m by root finding continued along the grid, with the
//     reference formula g = exp(-rho^2/2) 1F1(d/2; 1/2; -rho^2/2) or the exact
//     one g = 1F1(d/2; 1/2; -rho^2/2) (kummer.go), then rho *= rho_scale.
//
// Every stored value is rounded to float32, the precision tables are used
// at and stored in, so a table loaded from its cache file (cache.go) is
// bit-identical to a freshly built one.
package tables

import (
	"fmt"
	"github.com/rdlm-go/rdlm/core/process"
	"math"

	"github.com/rdlm-go/rdlm/core/schedule"
)

// DefaultSteps is the reference's grid: t_i = i/10000, dt = 1e-4.
const DefaultSteps = 10000

// DefaultParticles is the reference's particle count (2^14).
const DefaultParticles = 16384

// momentEps is the reference's clip in moment matching (its "eps").
const momentEps = 1e-6

// Config says which tables to build. Two builds with equal Configs (ignoring
// Workers) give bit-identical tables.
type Config struct {
	Tokens    int     // K, the number of token categories (>= 2); the sphere is S^K in R^(K+1)
	Formula   Formula // how rho is solved from |E X|
	RhoScale  float64 // rho is multiplied by this (> 0; the reference uses 1, or 1.14 for LM1B)
	Particles int     // Monte Carlo particles (>= 1)
	Seed      uint64
	Steps     int     // grid intervals (>= 2); the reference's 10000
	Schedule  string  // geometric, linear or cosine
	Beta0     float64 // schedule end values
	Beta1     float64
	Workers   int // at most this many workers of the cpu pool run the simulation; 0 = all. Does not change the result.
}

// DefaultConfig is the reference's setting for K tokens: reference formula,
// rho_scale 1, 16384 particles, the 10000-step grid, the geometric schedule
// with beta0 = 1e-3, beta1 = 0.2, seed 0.
func DefaultConfig(tokens int) Config {
	return Config{
		Tokens:    tokens,
		Formula:   Reference,
		RhoScale:  1,
		Particles: DefaultParticles,
		Steps:     DefaultSteps,
		Schedule:  "geometric",
		Beta0:     schedule.DefaultBeta0,
		Beta1:     schedule.DefaultBeta1,
	}
}

// maxParticles keeps the fixed-point sums of simulate inside int64.
const maxParticles = 1 << 30

// Validate reports the first bad field, by name.
func (c Config) Validate() error {
	switch {
	case c.Tokens < 2:
		return fmt.Errorf("tables: need at least 2 token categories, got %d", c.Tokens)
	case c.Tokens > 1<<20:
		return fmt.Errorf("tables: %d token categories is beyond what the tables support (at most 2^20; split large vocabularies into digits)", c.Tokens)
	case c.Formula.Check() != nil:
		return fmt.Errorf("tables: the rho formula %v", c.Formula.Check())
	case !(c.RhoScale > 0) || math.IsInf(c.RhoScale, 0):
		return fmt.Errorf("tables: rho scale must be a positive number, got %g", c.RhoScale)
	case c.Particles < 1 || c.Particles > maxParticles:
		return fmt.Errorf("tables: particles must be in [1, %d], got %d", maxParticles, c.Particles)
	case c.Steps < 2 || c.Steps > 1<<20:
		return fmt.Errorf("tables: steps must be in [2, %d], got %d", 1<<20, c.Steps)
	case c.Workers < 0:
		return fmt.Errorf("tables: workers must be >= 0, got %d", c.Workers)
	}
	if _, err := c.schedule(); err != nil {
		return fmt.Errorf("tables: %v", err)
	}
	return nil
}

func (c Config) schedule() (schedule.Schedule, error) {
	return schedule.ByName(c.Schedule, c.Beta0, c.Beta1)
}

// Tables holds, for each Path (row), the per-grid-point values on
// t_i = i/Steps, i = 0..Steps, all rounded to float32:
//
//	EK[p][i]    = E<X_t, e_k>               (Monte Carlo)
//	Start[p][i] = E<X_t, e_m> or E<X_t, u>  (Monte Carlo)
//	Alpha[p][i] = weight of e_k in the mean direction mu_t
//	Rho[p][i]   = spread of the wrapped Gaussian, already times RhoScale
type Tables struct {
	Config Config // Workers is cleared: it does not affect the tables
	EK     [2][]float32
	Start  [2][]float32
	Alpha  [2][]float32
	Rho    [2][]float32
}

// Build simulates the projections and derives alpha and rho.
func Build(cfg Config) (*Tables, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	sched, _ := cfg.schedule()
	m, err := simulate(cfg.Tokens, cfg.Steps, cfg.Particles, cfg.Seed, sched, cfg.Workers)
	if err != nil {
		return nil, err
	}
	return fromMoments(cfg, m), nil
}

// fromMoments runs stages 2 and 3 on simulated moments.
func fromMoments(cfg Config, m *Moments) *Tables {
	cfg.Workers = 0
	t := &Tables{Config: cfg}
	alpha, norm := matchMoments(m)
	solver := newRhoSolver(m.Dim, cfg.Formula)
	for p := process.StartMasked; p <= process.StartUniform; p++ {
		rho := make([]float64, m.Steps+1)
		// rho[0] = 0: every particle sits on the start point.
		for i := 1; i <= m.Steps; i++ {
			guess := rho[i-1]
			if i == 1 {
				guess = 1e-4 // where the reference starts its search
			}
			rho[i] = solver.solve(norm[p][i], guess)
		}
		t.EK[p] = toFloat32(m.EK[p], 1)
		t.Start[p] = toFloat32(m.Start[p], 1)
		t.Alpha[p] = toFloat32(alpha[p], 1)
		t.Rho[p] = toFloat32(rho, cfg.RhoScale)
	}
	return t
}

func toFloat32(x []float64, scale float64) []float32 {
	out := make([]float32, len(x))
	for i, v := range x {
		out[i] = float32(v * scale)
	}
	return out
}

// matchMoments turns the projection means into alpha and the mean resultant
// length m = |E X| (the reference's "Eq.(25)", clips included):
//
//	masked:  alpha = 1/sqrt(1 + (b/max(a,eps))^2),  m = max(a,eps)/alpha
//	uniform: R = (a/b - c0)^2, alpha = sqrt(R/(1 - c0^2 + R)),
//	         m = max(b,eps)/max(sqrt(1-alpha^2),eps)       for i < (Steps+1)/2,
//	         m = a/(pn alpha + c0 sqrt(1-alpha^2))          from there on,
//
// with a = E<X,e_k>, b = E<X,start>, c0 = 1/sqrt(V), pn = sqrt(1 - c0^2).
// The uniform path switches formula halfway because each one divides by a
// quantity that is small at one end of the grid.
func matchMoments(m *Moments) (alpha, norm [2][]float64) {
	n := m.Steps + 1
	c0 := 1 / math.Sqrt(float64(m.Dim+1))
	pn := math.Sqrt(1 - c0*c0)
	for p := range alpha {
		alpha[p] = make([]float64, n)
		norm[p] = make([]float64, n)
	}
	for i := 0; i < n; i++ {
		a := math.Max(m.EK[process.StartMasked][i], momentEps)
		b := m.Start[process.StartMasked][i]
		al := 1 / math.Sqrt(1+(b/a)*(b/a))
		alpha[process.StartMasked][i] = al
		norm[process.StartMasked][i] = a / al

		a, b = m.EK[process.StartUniform][i], m.Start[process.StartUniform][i]
		r := (a/b - c0) * (a/b - c0)
		al = math.Sqrt(r / (1 - c0*c0 + r))
		alpha[process.StartUniform][i] = al
		co := math.Sqrt(1 - al*al)
		if i < n/2 {
			norm[process.StartUniform][i] = math.Max(b, momentEps) / math.Max(co, momentEps)
		} else {
			norm[process.StartUniform][i] = a / (pn*al + c0*co)
		}
	}
	return alpha, norm
}

// Dim is d = K, the dimension of the sphere S^d the tables are for.
func (t *Tables) Dim() int { return t.Config.Tokens }

// Steps is the number of grid intervals.
func (t *Tables) Steps() int { return len(t.Alpha[process.StartMasked]) - 1 }

// lerp interpolates a grid row linearly at time tm, clamped to [0, 1]
// (the reference's searchsorted interpolation gives the same values).
func (t *Tables) lerp(row []float32, tm float64) float64 {
	n := len(row) - 1
	x := math.Min(math.Max(tm, 0), 1) * float64(n)
	i := int(x)
	if i >= n {
		i = n - 1
	}
	r := x - float64(i)
	return float64(row[i])*(1-r) + float64(row[i+1])*r
}

// At returns alpha_t and rho_t (scaled) of path p at time tm in [0, 1]
// (times outside are clamped), linearly interpolated between grid points.
func (t *Tables) At(p process.Start, tm float64) (alpha, rho float64) {
	return t.lerp(t.Alpha[p], tm), t.lerp(t.Rho[p], tm)
}

// Means returns the simulated E<X_t, e_k> and E<X_t, start> of path p at tm.
func (t *Tables) Means(p process.Start, tm float64) (ek, start float64) {
	return t.lerp(t.EK[p], tm), t.lerp(t.Start[p], tm)
}
