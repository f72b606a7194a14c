package walk

import (
	"math"

	"github.com/rdlm-go/rdlm/core/process"
)

// Times is a walk's time grid t_0 = 0 < ... < t_S = 1-1e-5 (GridUniform
// or GridFocus) with the length of each step.
type Times struct {
	T       []float64 // (S+1) the grid
	dt      float64   // the uniform grid's step, (1-1e-5)/S
	uniform bool
}

// NewTimes builds the grid of c.Steps steps that c.Grid names.
func NewTimes(c Config) (Times, error) {
	tm := Times{T: make([]float64, c.Steps+1), uniform: c.Grid != GridFocus}
	var err error
	if tm.dt, err = process.SamplingGrid(tm.T); err != nil {
		return Times{}, err
	}
	if !tm.uniform {
		focus(tm.T)
	}
	return tm, nil
}

// Step is h_i, the length of step i. On the uniform grid it is the one
// (1-1e-5)/S of every step, as the reference takes it, rather than the
// difference of two grid points (which differs in the last bits).
func (tm Times) Step(i int) float64 {
	if tm.uniform {
		return tm.dt
	}
	return tm.T[i+1] - tm.T[i]
}

// focus rewrites a uniform grid (last point 1-SamplingEps) as GridFocus.
func focus(grid []float64) {
	n := len(grid) - 1
	top := grid[n]
	for i := range grid {
		u := float64(i) / float64(n)
		grid[i] = top * (u + FocusStrength*math.Sin(2*math.Pi*u)/(2*math.Pi))
	}
	grid[0], grid[n] = 0, top
}
