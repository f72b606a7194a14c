package eval

import (
	"github.com/rdlm-go/rdlm/core/model"
	"github.com/rdlm-go/rdlm/core/nn"
	"github.com/rdlm-go/rdlm/trainer/objective"
)

// mdlmRows estimates each row's MDLM NELBO at its noise level into posLoss.
// The corruption is the trainer's own (objective.MaskProb, MaskTokens,
// EncodeMasked), so the model is scored on exactly the inputs it was trained
// on: network time t = (1-1e-4) U, masking probability s = 1 - t, each
// position masked with probability s, masked positions the zero vector. The
// 1e-4 cut keeps the weight 1/s below 1e4, as for RDLM's t; it leaves the
// estimator's mean for a predictor that ignores the masks unchanged (the
// weight cancels E[#masked | s] = L s for every s) and drops at most a
// 1e-4 share of the integral otherwise.
func (e *Evaluator) mdlmRows(rows int) error {
	l, k := e.l, e.k
	for r := range rows {
		st := rowStream(e.key, e.seqIdx[r], r%e.n)
		t := e.drawTime(r, &st)
		e.netTime[r] = float32(t)
		s := objective.MaskProb(float64(e.netTime[r]))
		e.time[r] = s
		m := e.masked[r*l : (r+1)*l]
		objective.MaskTokens(m, s, &st)
		objective.EncodeMasked(e.x[r*l*k:(r+1)*l*k], e.tokens[r*l:(r+1)*l], m, k)
	}
	if err := e.forward(rows); err != nil {
		return err
	}
	return e.forPositions(phaseCE, rows*l)
}

// cePosition is position q's share of the MDLM NELBO: (1/s) CE when masked,
// 0 when carried over.
func (e *Evaluator) cePosition(q int) {
	if !e.masked[q] {
		e.posLoss[q] = 0
		return
	}
	z := e.logits[q*e.k : (q+1)*e.k]
	ce := nn.LogSumExp(z) - float64(z[e.tokens[q]])
	e.posLoss[q] = ce / e.time[q/e.l]
}

// arRows scores each row exactly under the autoregressive model: the
// shifted input, t = 0, and the cross-entropy of every position, weight 1.
func (e *Evaluator) arRows(rows int) error {
	l, k := e.l, e.k
	for r := range rows {
		e.netTime[r], e.time[r], e.weight[r] = 0, 0, 1
		model.EncodeShifted(e.x[r*l*k:(r+1)*l*k], e.tokens[r*l:(r+1)*l], k)
	}
	if err := e.forward(rows); err != nil {
		return err
	}
	return e.forPositions(phaseNLL, rows*l)
}

// nllPosition is position q's negative log-likelihood under the
// autoregressive model.
func (e *Evaluator) nllPosition(q int) {
	z := e.logits[q*e.k : (q+1)*e.k]
	e.posLoss[q] = nn.LogSumExp(z) - float64(z[e.tokens[q]])
}
