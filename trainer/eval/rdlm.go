package eval

import (
	"fmt"
	"github.com/rdlm-go/rdlm/core/nn"

	"github.com/rdlm-go/rdlm/core/process"
)

// rdlmBatch estimates each row's RDLM NELBO integrand at one time
// (rdlm-math.md section 7) into posLoss.
func (e *Evaluator) rdlmBatch(rows int) error {
	for r := range rows {
		st := sequenceStream(e.key, e.seqIdx[r])
		t, _ := process.UniformTimes{}.Sample(st.Float64())
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
	if err := e.forPositions(phaseBridge, n); err != nil {
		return err
	}
	if err := e.net.Forward(e.logits[:n*e.k], e.x[:n*e.k], e.netTime[:rows]); err != nil {
		return fmt.Errorf("eval: network: %v", err)
	}
	return e.forPositions(phaseDrift, n)
}

// bridgePosition draws x_t for position q from the exact bridge, simulated,
// and writes it without the mask coordinate as the network's input.
func (e *Evaluator) bridgePosition(worker, q int) error {
	r := q / e.l
	xt := e.xt[q*e.v : (q+1)*e.v]
	st := positionStream(e.key, e.seqIdx[r], q%e.l)
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
