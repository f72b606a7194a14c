package walk

import "github.com/rdlm-go/rdlm/core/process"

// Times is a walk's time grid t_i = (1-1e-5) i/S, the reference's, with the
// length of its steps. (A grid denser in the middle, where the walk decides,
// was tried and lost to this one at 8 to 32 steps: BENCHMARKS.md, "Few
// steps".)
type Times struct {
	T  []float64 // (S+1) the grid
	dt float64   // every step's length, (1-1e-5)/S
}

// NewTimes builds the grid of c.Steps steps.
func NewTimes(c Config) (Times, error) {
	tm := Times{T: make([]float64, c.Steps+1)}
	var err error
	if tm.dt, err = process.SamplingGrid(tm.T); err != nil {
		return Times{}, err
	}
	return tm, nil
}

// Step is h_i, the length of step i: the one (1-1e-5)/S of every step, as
// the reference takes it, rather than the difference of two grid points
// (which differs in the last bits).
func (tm Times) Step(int) float64 { return tm.dt }
