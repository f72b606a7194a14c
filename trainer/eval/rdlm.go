package eval

import (
	"fmt"
	"github.com/rdlm-go/rdlm/core/nn"

	"github.com/rdlm-go/rdlm/core/process"
)

// rdlmRows estimates each row's RDLM NELBO integrand at its time
// (rdlm-math.md section 7) into posLoss.
func (e *Evaluator) rdlmRows(rows int) error {
	for r := range rows {
		st := rowStream(e.key, e.seqIdx[r], r%e.n)
		t := e.drawTime(r, &st)
		e.setTime(r, t, st.Float64())
	}
	return e.rdlmIntegrand(rows)
}

// setTime sets row r's time and everything that follows from it; u picks the
// start for mixtures that are random (the step rule ignores it). The network
// reads t in float32; the bridge, drift and loss use the same rounded time,
// so all of them see one t.
func (e *Evaluator) setTime(r int, t, u float64) {
	e.netTime[r] = float32(t)
	t = float64(e.netTime[r])
	e.time[r] = t
	e.start[r] = e.mix.StartFor(t, u)
	e.gamma[r], e.beta[r] = e.sched.Gamma(t), e.sched.Beta(t)
}

// rdlmIntegrand fills posLoss for rows whose times are set: bridge draws,
// one network pass, drift losses.
func (e *Evaluator) rdlmIntegrand(rows int) error {
	n := rows * e.l
	var err error
	if e.opt.Bridge == BridgeGraded {
		err = e.forPositions(phaseGraded, (rows/e.n)*e.l)
	} else {
		err = e.forPositions(phaseBridge, n)
	}
	if err != nil {
		return err
	}
	if err := e.forward(rows); err != nil {
		return err
	}
	return e.forPositions(phaseDrift, n)
}

// gradedPosition draws x_t for position p of the group's sequence g at all
// of its rows' times: one graded path per start the rows use (the step rule
// starts early times at u and late ones at e_m), read at those times.
func (e *Evaluator) gradedPosition(worker, item int) error {
	g, p := item/e.l, item%e.l
	v, n := e.v, e.n
	path := e.path[worker*n*v : (worker+1)*n*v]
	times, rowOf := e.pathT[worker*n:(worker+1)*n], e.pathRow[worker*n:(worker+1)*n]
	scratch := e.drift[worker*v : (worker+1)*v]
	seq := e.seqIdx[g*n]
	token := int(e.tokens[g*n*e.l+p])
	for _, start := range [...]process.Start{process.StartUniform, process.StartMasked} {
		m := 0
		for r := g * n; r < (g+1)*n; r++ {
			if e.start[r] == start {
				times[m], rowOf[m] = e.time[r], r
				m++
			}
		}
		if m == 0 {
			continue
		}
		st := pathStream(e.key, start, seq, p)
		if err := process.SimulateBridgeTimes(path[:m*v], start, token, times[:m], process.DefaultBridgeGrid, e.sched, &st, scratch); err != nil {
			return fmt.Errorf("eval: bridge: %v", err)
		}
		for i, r := range rowOf[:m] {
			q := r*e.l + p
			copy(e.xt[q*v:(q+1)*v], path[i*v:(i+1)*v])
			x := e.x[q*e.k : (q+1)*e.k]
			for c := range x {
				x[c] = float32(path[i*v+c])
			}
		}
	}
	return nil
}

// bridgePosition draws x_t for position q from the exact bridge, simulated,
// and writes it without the mask coordinate as the network's input.
func (e *Evaluator) bridgePosition(worker, q int) error {
	r := q / e.l
	xt := e.xt[q*e.v : (q+1)*e.v]
	st := positionStream(rowKey(e.key, r%e.n), e.seqIdx[r], q%e.l)
	err := process.SimulateBridge(xt, e.start[r], int(e.tokens[q]), e.time[r], e.opt.BridgeSteps, e.sched, &st,
		e.drift[worker*e.v:(worker+1)*e.v])
	if err != nil {
		return fmt.Errorf("eval: bridge: %v", err)
	}
	x := e.x[q*e.k : (q+1)*e.k]
	for i := range x {
		x[i] = float32(xt[i])
	}
	return nil
}

// driftPosition is position q's drift loss |b_theta - gamma log_x(e_k)|^2 / (2 beta).
func (e *Evaluator) driftPosition(worker, q int) error {
	r := q / e.l
	p := e.prob[worker*e.k : (worker+1)*e.k]
	nn.Softmax(p, e.logits[q*e.k:(q+1)*e.k])
	b := e.drift[worker*e.v : (worker+1)*e.v]
	xt := e.xt[q*e.v : (q+1)*e.v]
	if err := process.GenerativeDrift(b, xt, p, e.gamma[r]); err != nil {
		return fmt.Errorf("eval: drift: %v", err)
	}
	loss, err := process.DriftLoss(b, xt, int(e.tokens[q]), e.gamma[r], e.beta[r])
	if err != nil {
		return fmt.Errorf("eval: drift loss: %v", err)
	}
	e.posLoss[q] = loss
	return nil
}
