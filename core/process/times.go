package process

import (
	"fmt"
	"math"
)

// TrainEps keeps training and evaluation times below 1: t = (1-TrainEps) U.
const TrainEps = 1e-4

// MaxImportanceTime is the top of the reference's bisection bracket for
// importance-sampled times.
const MaxImportanceTime = 1 - 1e-6

// TimeSampler turns a uniform variate u in (0, 1) into a training time and
// the loss weight that keeps the time integral unbiased:
// E[weight f(t)] = int_0^1 f(t) dt (up to the tiny cut below 1).
type TimeSampler interface {
	Sample(u float64) (t, weight float64)
}

// UniformTimes draws t = (1-TrainEps) u with weight 1: the plain sampler, and
// what evaluation always uses.
type UniformTimes struct{}

func (UniformTimes) Sample(u float64) (t, weight float64) { return (1 - TrainEps) * u, 1 }

// StepWeight is the reference's step importance density (its "step" weight):
// w(t) = High on the open window (Left, Right) and Low elsewhere on [0, 1].
// Times are drawn from w/Z and weighted by Z/w(t), Z = int_0^1 w.
type StepWeight struct {
	Left, Right float64
	Low, High   float64
}

// NewStepWeight is the reference's density for a window: High 1, Low 1e-4.
// text8 uses (0.3, 0.6), giving Z = 0.30007; LM1B uses (0.3, 0.75).
func NewStepWeight(left, right float64) (StepWeight, error) {
	w := StepWeight{Left: left, Right: right, Low: 1e-4, High: 1}
	return w, w.Validate()
}

// Validate reports a window outside [0, 1] or non-positive levels.
func (w StepWeight) Validate() error {
	if !(0 <= w.Left && w.Left < w.Right && w.Right <= 1) {
		return fmt.Errorf("process: importance window (%v, %v) must satisfy 0 <= left < right <= 1", w.Left, w.Right)
	}
	if !(w.Low > 0 && w.High > 0) {
		return fmt.Errorf("process: importance levels %v and %v must be > 0", w.Low, w.High)
	}
	return nil
}

// Density is w(t).
func (w StepWeight) Density(t float64) float64 {
	if t > w.Left && t < w.Right {
		return w.High
	}
	return w.Low
}

// CDF is int_0^t w, piecewise linear.
func (w StepWeight) CDF(t float64) float64 {
	switch {
	case t <= w.Left:
		return w.Low * t
	case t < w.Right:
		return w.Low*w.Left + w.High*(t-w.Left)
	default:
		return w.Low*w.Left + w.High*(w.Right-w.Left) + w.Low*(t-w.Right)
	}
}

// Z is the normaliser int_0^1 w.
func (w StepWeight) Z() float64 { return w.CDF(1) }

// Quantile inverts the CDF exactly: the t in [0, 1] with CDF(t) = q, for q in
// [0, Z]. Each piece is linear, so this is one division.
func (w StepWeight) Quantile(q float64) float64 {
	qLeft := w.Low * w.Left
	qRight := qLeft + w.High*(w.Right-w.Left)
	switch {
	case q <= qLeft:
		return q / w.Low
	case q < qRight:
		return w.Left + (q-qLeft)/w.High
	default:
		return w.Right + (q-qRight)/w.Low
	}
}

// Sample draws t = Quantile(u Z), capped at MaxImportanceTime, with loss
// weight Z / w(t). The reference finds the same t by 100 bisections of the CDF
// on [0, MaxImportanceTime] in float32, which converge to the float32 nearest
// this exact quantile (bisection halves the bracket far past float32
// resolution) and likewise never return more than MaxImportanceTime: the two
// agree to float32 rounding, about 6e-8.
func (w StepWeight) Sample(u float64) (t, weight float64) {
	z := w.Z()
	t = min(w.Quantile(u*z), MaxImportanceTime)
	return t, z / w.Density(t)
}

// LateTimes is a defensive importance proposal on [0, T], T = 1-TrainEps,
// for estimating time integrals whose integrand grows like 1/(1-t) as t -> 1
// (RDLM's NELBO integrand does; so does the variance of MDLM's):
//
//	q(t) = a/T + (1-a) / ((1-t) ln(1/(1-T))),
//
// a share a of the draws uniform, the rest uniform in log(1-t). The weight
// 1/(T q(t)) keeps E[weight f(t)] equal to the uniform sampler's E[f(t)],
// and stays below 1/a, so a flat integrand loses little.
type LateTimes struct {
	Uniform float64 // a, in (0, 1]
}

// NewLateTimes checks the uniform share.
func NewLateTimes(uniform float64) (LateTimes, error) {
	if !(uniform > 0 && uniform <= 1) {
		return LateTimes{}, fmt.Errorf("process: the uniform share of the late-time proposal must lie in (0, 1], got %v", uniform)
	}
	return LateTimes{Uniform: uniform}, nil
}

var lnTop = -math.Log(TrainEps) // ln(1/(1-T))

// Density is q(t) for t in [0, T].
func (p LateTimes) Density(t float64) float64 {
	return p.Uniform/(1-TrainEps) + (1-p.Uniform)/((1-t)*lnTop)
}

// CDF is int_0^t q.
func (p LateTimes) CDF(t float64) float64 {
	return p.Uniform*t/(1-TrainEps) + (1-p.Uniform)*(-math.Log1p(-t))/lnTop
}

// Quantile inverts the CDF by bisection (the CDF is smooth and increasing;
// 64 halvings of [0, T] reach float64 resolution).
func (p LateTimes) Quantile(u float64) float64 {
	if p.Uniform == 1 {
		return u * (1 - TrainEps)
	}
	lo, hi := 0.0, 1-TrainEps
	for range 64 {
		mid := 0.5 * (lo + hi)
		if p.CDF(mid) < u {
			lo = mid
		} else {
			hi = mid
		}
	}
	return 0.5 * (lo + hi)
}

// Sample draws t = Quantile(u) with weight 1/(T q(t)).
func (p LateTimes) Sample(u float64) (t, weight float64) {
	t = p.Quantile(u)
	return t, 1 / ((1 - TrainEps) * p.Density(t))
}
