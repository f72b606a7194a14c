package tables

import (
	"fmt"
	"math"
)

// Kummer's confluent hypergeometric function M(a, b, z) = 1F1(a; b; z) enters
// the tables through the mean cosine of the wrapped tangent Gaussian on S^d:
// E<x, mu> = M(d/2, 1/2, -rho^2/2). For z = -x <= 0 the defining series
// alternates and cancels badly; Kummer's transformation
//
//	M(a, b, -x) = e^-x M(b - a, b, x)
//
// turns it into a series whose first terms alternate only while n < a - b and
// which terminates (a polynomial of degree (d-1)/2) when d is odd, since
// b - a = -(d-1)/2 is then a non-positive integer. For even d the series is
// infinite; its terms turn positive after n > a - b and it converges for all
// x. Either way the magnitude of the largest term bounds the rounding error,
// which kummerSeries reports.

// maxKummerX bounds the argument the tables ever evaluate (rho up to ~14):
// a wrapped Gaussian with rho beyond pi is already close to uniform, and the
// root search never needs to go that far.
const maxKummerX = 100

// kummerSeries sums M(alpha, b, x) = sum_n (alpha)_n/(b)_n x^n/n! for x >= 0,
// returning the sum and the largest |term| (for error estimates).
func kummerSeries(alpha, b, x float64) (sum, maxTerm float64) {
	term := 1.0
	sum, maxTerm = 1, 1
	for n := 0; n < 10000; n++ {
		fn := float64(n)
		term *= (alpha + fn) / ((b + fn) * (fn + 1)) * x
		sum += term
		maxTerm = math.Max(maxTerm, math.Abs(term))
		// Stop on a terminating series, or once the terms are positive,
		// shrinking, and negligible.
		if term == 0 || (alpha+fn > 0 && (alpha+fn+1)*x < (b+fn+1)*(fn+2) && math.Abs(term) < 1e-17*math.Abs(sum)) {
			break
		}
	}
	return sum, maxTerm
}

// Hyp1F1Neg returns M(a, b, -x) for x in [0, 100] and b > 0, through
// Kummer's transformation. It reports an error when the argument is out of
// range or cancellation left fewer than about 8 significant digits.
func Hyp1F1Neg(a, b, x float64) (float64, error) {
	if !(x >= 0 && x <= maxKummerX) || !(b > 0) || math.IsNaN(a) {
		return 0, fmt.Errorf("tables: 1F1(%g; %g; -%g) outside the supported range (0 <= x <= %d, b > 0)", a, b, x, maxKummerX)
	}
	s, big := kummerSeries(b-a, b, x)
	// The rounding error of the sum is a few ulps of its largest term.
	if big*1e-15 > 1e-8*math.Abs(s) {
		return 0, fmt.Errorf("tables: 1F1(%g; %g; -%g) lost its precision to cancellation", a, b, x)
	}
	return math.Exp(-x) * s, nil
}

// MeanCosine is E<x, mu> = M(d/2, 1/2, -rho^2/2) for the wrapped tangent
// Gaussian x = exp_mu(rho P_mu(z)) on S^d: the exact relation between the
// spread rho and the mean resultant length |E x|.
func MeanCosine(d int, rho float64) float64 {
	x := rho * rho / 2
	s, _ := kummerSeries(0.5-float64(d)/2, 0.5, x)
	return math.Exp(-x) * s
}

// Formula selects the relation g(rho) = |E x| that rho is solved from. It is
// the setting's name, so that it is written as is wherever settings are
// (config.json's and a training config's rho_formula, the tables' cache,
// the --rho-formula flag); Check is the one place that knows the names.
type Formula string

const (
	// Reference is g = exp(-rho^2/2) M(d/2, 1/2, -rho^2/2), as the reference
	// implementation solves it; needed to reproduce published numbers.
	Reference Formula = "reference"
	// Exact is g = M(d/2, 1/2, -rho^2/2), the mean cosine of the
	// construction itself; the default for new models.
	Exact Formula = "exact"
)

// Check reports a name other than the two formulas'. Its message reads after
// the setting's name: "rho_formula must be ...".
func (f Formula) Check() error {
	if f != Reference && f != Exact {
		return fmt.Errorf("must be %q or %q, got %q", Reference, Exact, string(f))
	}
	return nil
}

// String is the formula's name.
func (f Formula) String() string { return string(f) }

// Set reads a formula from a command-line flag.
func (f *Formula) Set(s string) error {
	if err := Formula(s).Check(); err != nil {
		return err
	}
	*f = Formula(s)
	return nil
}

// rhoSolver finds rho with g(rho) = m on g's first branch, where g falls
// from g(0) = 1 to its first zero (or first minimum) at rhoMax. Both
// formulas are e^{-c x} M(alpha, 1/2, x) with x = rho^2/2, alpha = (1-d)/2
// and c = 1 (exact) or 2 (reference).
type rhoSolver struct {
	alpha, c float64
	rhoMax   float64 // end of the first branch
	gMin     float64 // g(rhoMax)
}

func newRhoSolver(d int, f Formula) *rhoSolver {
	s := &rhoSolver{alpha: 0.5 - float64(d)/2, c: 1}
	if f == Reference {
		s.c = 2
	}
	// Walk out from 0 until g crosses zero, stops falling, or leaves the
	// supported range; the first branch ends there.
	h := 0.01 / math.Sqrt(float64(d))
	prev := 1.0
	r := 0.0
	for {
		next := r + h
		if next*next/2 > maxKummerX {
			s.rhoMax, s.gMin = r, prev
			return s
		}
		g := s.g(next)
		if g <= 0 {
			// Refine the zero by bisection on [r, next].
			lo, hi := r, next
			for i := 0; i < 100 && hi-lo > 1e-16*hi; i++ {
				mid := (lo + hi) / 2
				if s.g(mid) > 0 {
					lo = mid
				} else {
					hi = mid
				}
			}
			s.rhoMax, s.gMin = lo, s.g(lo)
			return s
		}
		if g >= prev {
			s.rhoMax, s.gMin = r, prev
			return s
		}
		r, prev = next, g
	}
}

// g is the formula's mean cosine at rho.
func (s *rhoSolver) g(rho float64) float64 {
	x := rho * rho / 2
	m, _ := kummerSeries(s.alpha, 0.5, x)
	return math.Exp(-s.c*x) * m
}

// dg is dg/drho = rho e^{-cx} [ (alpha/b) M(alpha+1, b+1, x) - c M(alpha, b, x) ].
func (s *rhoSolver) dg(rho float64) float64 {
	x := rho * rho / 2
	m, _ := kummerSeries(s.alpha, 0.5, x)
	m1, _ := kummerSeries(s.alpha+1, 1.5, x)
	return rho * math.Exp(-s.c*x) * (s.alpha/0.5*m1 - s.c*m)
}

// solve returns rho in [0, rhoMax] with g(rho) = m, by Newton's method from
// guess (the previous grid point's root: the search is continued along the
// grid as in the reference), safeguarded by bisection on the bracket. m >= 1
// gives 0; m below the branch's minimum gives rhoMax.
func (s *rhoSolver) solve(m, guess float64) float64 {
	if m >= 1 {
		return 0
	}
	if m <= s.gMin {
		return s.rhoMax
	}
	lo, hi := 0.0, s.rhoMax // g(lo) > m > g(hi)
	r := guess
	if !(r > lo && r < hi) {
		r = (lo + hi) / 2
	}
	for iter := 0; iter < 200; iter++ {
		f := s.g(r) - m
		if f == 0 {
			return r
		}
		if f > 0 {
			lo = r
		} else {
			hi = r
		}
		next := r - f/s.dg(r)
		if !(next > lo && next < hi) {
			next = (lo + hi) / 2
		}
		if math.Abs(next-r) <= 1e-15*r || hi-lo <= 1e-15*hi {
			return next
		}
		r = next
	}
	return r
}
