package eval

import "github.com/rdlm-go/rdlm/core/cpu"

// phase is the per-position work a parallel pass does.
type phase int

const (
	phaseBridge phase = iota // RDLM: simulate x_t, write the network input
	phaseGraded              // RDLM: one graded path per (sequence, position) for all its rows
	phaseDrift               // RDLM: generative drift and drift loss
	phaseCE                  // MDLM: weighted cross-entropy of masked positions
	phaseNLL                 // AR: each position's negative log-likelihood
)

// positionTask runs one phase over positions [0, n) cut into shares. Each
// position writes only its own outputs and reads its own random stream, so
// how the shares fall on workers changes nothing.
type positionTask struct {
	e         *Evaluator
	ph        phase
	n, shares int
}

func (t *positionTask) Run(worker, lo, hi int) {
	for s := lo; s < hi; s++ {
		for q := s * t.n / t.shares; q < (s+1)*t.n/t.shares; q++ {
			if err := t.e.position(t.ph, worker, q); err != nil {
				if t.e.errs[worker] == nil {
					t.e.errs[worker] = err
				}
				return
			}
		}
	}
}

// forPositions runs phase ph over the first n positions of the batch and
// returns the first error any worker met.
func (e *Evaluator) forPositions(ph phase, n int) error {
	shares := e.opt.Workers
	if shares == 0 {
		shares = cpu.Threads()
	}
	e.task.ph, e.task.n, e.task.shares = ph, n, min(shares, n)
	cpu.For(e.task.shares, len(e.errs), &e.task)
	var first error
	for w, err := range e.errs {
		if err != nil && first == nil {
			first = err
		}
		e.errs[w] = nil
	}
	return first
}

func (e *Evaluator) position(ph phase, worker, q int) error {
	switch ph {
	case phaseBridge:
		return e.bridgePosition(worker, q)
	case phaseGraded:
		return e.gradedPosition(worker, q)
	case phaseDrift:
		return e.driftPosition(worker, q)
	case phaseCE:
		e.cePosition(q)
	case phaseNLL:
		e.nllPosition(q)
	}
	return nil
}
