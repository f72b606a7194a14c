// Package optim holds the optimiser of the trainer: AdamW with a linear
// learning-rate warm-up, global-norm gradient clipping, and an exponential
// moving average of the weights, all on flat float32 buffers (the layout of
// model.Params.Flat) with their state allocated once.
//
// The update rules follow PyTorch's, which the reference trains with
// (rdlm-math.md section 6), so that a step here and a step there agree to
// float32 rounding.
package optim

import (
	"fmt"
	"math"
)

// AdamWConfig holds the hyperparameters of AdamW.
type AdamWConfig struct {
	LR          float64 // peak learning rate
	Beta1       float64
	Beta2       float64
	Eps         float64
	WeightDecay float64 // decoupled: the weights shrink by lr*WeightDecay each step
	Warmup      int     // steps of linear warm-up; 0 means none
}

// DefaultAdamW is the reference's text8 setting: lr 3e-4 warmed up over 2500
// steps, betas (0.9, 0.999), eps 1e-8, no weight decay.
func DefaultAdamW() AdamWConfig {
	return AdamWConfig{LR: 3e-4, Beta1: 0.9, Beta2: 0.999, Eps: 1e-8, WeightDecay: 0, Warmup: 2500}
}

// Validate reports the first hyperparameter out of its range.
func (c AdamWConfig) Validate() error {
	switch {
	case !(c.LR >= 0) || math.IsInf(c.LR, 0):
		return fmt.Errorf("adamw: lr must be finite and >= 0, got %g", c.LR)
	case !(c.Beta1 >= 0 && c.Beta1 < 1):
		return fmt.Errorf("adamw: beta1 must lie in [0, 1), got %g", c.Beta1)
	case !(c.Beta2 >= 0 && c.Beta2 < 1):
		return fmt.Errorf("adamw: beta2 must lie in [0, 1), got %g", c.Beta2)
	case !(c.Eps > 0) || math.IsInf(c.Eps, 0):
		return fmt.Errorf("adamw: eps must be finite and > 0, got %g", c.Eps)
	case !(c.WeightDecay >= 0) || math.IsInf(c.WeightDecay, 0):
		return fmt.Errorf("adamw: weight decay must be finite and >= 0, got %g", c.WeightDecay)
	case c.Warmup < 0:
		return fmt.Errorf("adamw: warm-up must be >= 0 steps, got %d", c.Warmup)
	}
	return nil
}

// AdamW is the optimiser state for one flat parameter buffer.
type AdamW struct {
	Config AdamWConfig
	Step   int       // steps taken so far; the next Update is step Step+1
	M      []float32 // first moment, one per parameter
	V      []float32 // second moment, one per parameter
}

// NewAdamW allocates the state for n parameters.
func NewAdamW(n int, cfg AdamWConfig) (*AdamW, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if n <= 0 {
		return nil, fmt.Errorf("adamw: need at least one parameter, got %d", n)
	}
	return &AdamW{Config: cfg, M: make([]float32, n), V: make([]float32, n)}, nil
}

// LearningRate is the rate used at step (counted from 1):
// lr * min(step/warmup, 1), as the reference sets it before each step.
func (c AdamWConfig) LearningRate(step int) float64 {
	if c.Warmup <= 0 {
		return c.LR
	}
	return c.LR * math.Min(float64(step)/float64(c.Warmup), 1)
}

// Coefficients are the float32 numbers one step multiplies by, worked out
// in float64 for step (counted from 1): Update applies them here and the
// WebGPU trainer's AdamW kernel on the device, so the two cannot drift apart.
type Coefficients struct {
	LR         float64 // the step's learning rate
	StepSize   float32 // lr / (1 - beta1^step)
	InvSqrtBC2 float32 // 1 / sqrt(1 - beta2^step)
	Decay      float32 // 1 - lr * weight decay
	B1, B2     float32 // beta1, beta2
	OB1, OB2   float32 // 1 - beta1, 1 - beta2, taken in float64: 1-float32(0.999) is off by 1e-5 relative
	Eps        float32
}

// CoefficientsAt returns step's coefficients. PyTorch folds the bias
// corrections into the step size and the denominator:
// p -= (lr/bc1) * m / (sqrt(v)/sqrt(bc2) + eps).
func (c AdamWConfig) CoefficientsAt(step int) Coefficients {
	lr := c.LearningRate(step)
	bc1 := 1 - math.Pow(c.Beta1, float64(step))
	bc2 := 1 - math.Pow(c.Beta2, float64(step))
	return Coefficients{
		LR: lr, StepSize: float32(lr / bc1), InvSqrtBC2: float32(1 / math.Sqrt(bc2)),
		Decay: float32(1 - lr*c.WeightDecay), B1: float32(c.Beta1), B2: float32(c.Beta2),
		OB1: float32(1 - c.Beta1), OB2: float32(1 - c.Beta2), Eps: float32(c.Eps),
	}
}

// Update takes one step: params -= lr * (m_hat / (sqrt(v_hat) + eps)) after
// the decoupled decay params *= 1 - lr*wd. It returns the learning rate used.
// It panics if the buffers do not have the state's length: that is a
// programming error, not bad user input.
func (o *AdamW) Update(params, grads []float32) float64 {
	if len(params) != len(o.M) || len(grads) != len(o.M) {
		panic(fmt.Sprintf("adamw: state holds %d parameters, got %d params and %d grads", len(o.M), len(params), len(grads)))
	}
	o.Step++
	k := o.Config.CoefficientsAt(o.Step)
	stepSize, invSqrtBC2, decay := k.StepSize, k.InvSqrtBC2, k.Decay
	b1, b2, ob1, ob2, eps := k.B1, k.B2, k.OB1, k.OB2, k.Eps
	m, v := o.M[:len(params)], o.V[:len(params)]
	grads = grads[:len(params)]
	for i, g := range grads {
		mi := b1*m[i] + ob1*g
		vi := b2*v[i] + ob2*g*g
		m[i], v[i] = mi, vi
		denom := float32(math.Sqrt(float64(vi)))*invSqrtBC2 + eps
		params[i] = params[i]*decay - stepSize*mi/denom
	}
	return k.LR
}
