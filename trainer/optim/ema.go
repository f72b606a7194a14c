package optim

import (
	"fmt"
	"math"
)

// EMA keeps an exponential moving average of the weights, which is what
// sampling and evaluation use. The decay warms up as in the reference: the
// n-th update (n counted from 1) uses min(Decay, (1+n)/(10+n)), so the early
// average follows the fast-moving weights instead of remembering the random
// initialisation for tens of thousands of steps.
type EMA struct {
	Decay   float64
	Updates int       // updates applied so far
	Shadow  []float32 // the averaged weights
}

// NewEMA starts the average at a copy of params.
func NewEMA(params []float32, decay float64) (*EMA, error) {
	if !(decay >= 0 && decay <= 1) {
		return nil, fmt.Errorf("ema: decay must lie in [0, 1], got %g", decay)
	}
	if len(params) == 0 {
		return nil, fmt.Errorf("ema: need at least one parameter")
	}
	return &EMA{Decay: decay, Shadow: append([]float32(nil), params...)}, nil
}

// DecayAt is the decay of the n-th update (n >= 1).
func (e *EMA) DecayAt(n int) float64 {
	return math.Min(e.Decay, float64(1+n)/float64(10+n))
}

// Update folds params into the average: shadow -= (1-d)(shadow - params).
// It returns the decay d it used.
func (e *EMA) Update(params []float32) float64 {
	if len(params) != len(e.Shadow) {
		panic(fmt.Sprintf("ema: average holds %d parameters, got %d", len(e.Shadow), len(params)))
	}
	e.Updates++
	d := e.DecayAt(e.Updates)
	w := float32(1 - d)
	s := e.Shadow[:len(params)]
	for i, p := range params {
		s[i] -= w * (s[i] - p)
	}
	return d
}
