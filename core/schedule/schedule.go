// Package schedule holds the noise schedules of the sphere diffusion: the
// diffusion coefficient beta_t, its tail integral int_t^1 beta, and the bridge
// strength gamma_t = beta_t / int_t^1 beta (rdlm-math.md section 2).
//
// Time runs from the prior at t = 0 to data at t = 1; gamma_t grows like
// 1/(1-t) near t = 1, which is what pins the bridge to its vertex.
package schedule

import (
	"fmt"
	"math"
)

// Schedule is a noise schedule on [0, 1].
type Schedule interface {
	Beta(t float64) float64    // beta_t
	IntBeta(t float64) float64 // int_t^1 beta_s ds
	Gamma(t float64) float64   // beta_t / int_t^1 beta_s ds
	Name() string
}

// The reference's text8 and LM1B values.
const (
	DefaultBeta0 = 1e-3
	DefaultBeta1 = 0.2
)

// Geometric is beta_t = b0^(1-t) b1^t, the schedule of the paper.
type Geometric struct{ B0, B1 float64 }

func (g Geometric) Name() string { return "geometric" }

func (g Geometric) Beta(t float64) float64 {
	return math.Pow(g.B0, 1-t) * math.Pow(g.B1, t)
}

// IntBeta is b0 (r - r^t) / ln r with r = b1/b0.
func (g Geometric) IntBeta(t float64) float64 {
	r := g.B1 / g.B0
	return g.B0 * (r - math.Pow(r, t)) / math.Log(r)
}

// Gamma is ln r / (r^(1-t) - 1): the closed form avoids dividing two small
// numbers near t = 1.
func (g Geometric) Gamma(t float64) float64 {
	lr := math.Log(g.B1 / g.B0)
	return lr / math.Expm1(lr*(1-t))
}

// Linear is beta_t = b0 + (b1 - b0) t.
type Linear struct{ B0, B1 float64 }

func (l Linear) Name() string           { return "linear" }
func (l Linear) Beta(t float64) float64 { return l.B0 + (l.B1-l.B0)*t }
func (l Linear) IntBeta(t float64) float64 {
	s := 1 - t
	return l.B0*s + (l.B1-l.B0)*(1-t*t)/2
}
func (l Linear) Gamma(t float64) float64 { return l.Beta(t) / l.IntBeta(t) }

// Cosine is beta_t = b0 + (b1 - b0)(1 - cos(pi t))/2: flat at both ends.
type Cosine struct{ B0, B1 float64 }

func (c Cosine) Name() string { return "cosine" }
func (c Cosine) Beta(t float64) float64 {
	return c.B0 + (c.B1-c.B0)*(1-math.Cos(math.Pi*t))/2
}
func (c Cosine) IntBeta(t float64) float64 {
	s := 1 - t
	return c.B0*s + (c.B1-c.B0)/2*(s+math.Sin(math.Pi*t)/math.Pi)
}
func (c Cosine) Gamma(t float64) float64 { return c.Beta(t) / c.IntBeta(t) }

// Default is the paper's geometric schedule with b0 = 1e-3, b1 = 0.2.
func Default() Schedule { return Geometric{DefaultBeta0, DefaultBeta1} }

// ByName builds a schedule from its name and end values.
func ByName(name string, b0, b1 float64) (Schedule, error) {
	if !(b0 > 0) || !(b1 > 0) || b0 == b1 {
		return nil, fmt.Errorf("schedule: need 0 < beta0 != beta1, got %g and %g", b0, b1)
	}
	switch name {
	case "geometric", "":
		return Geometric{b0, b1}, nil
	case "linear":
		return Linear{b0, b1}, nil
	case "cosine":
		return Cosine{b0, b1}, nil
	}
	return nil, fmt.Errorf("schedule: unknown schedule %q (want geometric, linear or cosine)", name)
}
