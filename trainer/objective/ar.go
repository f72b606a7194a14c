package objective

import (
	"github.com/rdlm-go/rdlm/core/model"
	"github.com/rdlm-go/rdlm/core/nn"
)

// The autoregressive baseline (the paper's AR row), on the same network with
// causal attention and the shifted input of model.EncodeShifted, time 0.
// Its loss is the sum over positions of -log p(token_l | tokens before l),
// in nats per sequence, averaged over the batch: the exact negative
// log-likelihood, so evaluation needs no Monte Carlo.

// corruptAR is the autoregressive "corruption": the shifted input, t = 0.
func (o *Objective[T]) corruptAR(tokens []int32) {
	K, L := o.Vocab, o.Length
	for s := 0; s < o.b; s++ {
		o.t[s], o.weight[s], o.tIn[s] = 0, 1, 0
		model.EncodeShifted(o.in[s*L*K:(s+1)*L*K], tokens[s*L:(s+1)*L], K)
	}
}

// lossAR is the negative log-likelihood averaged over the batch.
func (o *Objective[T]) lossAR(logits []T, tokens []int32, dlogits []T) float64 {
	K, L := o.Vocab, o.Length
	var loss float64
	scale := 1 / float64(o.b)
	for s := 0; s < o.b; s++ {
		lg, tg := logits[s*L*K:(s+1)*L*K], tokens[s*L:(s+1)*L]
		nll := float64(nn.CrossEntropyForward(lg, tg, K))
		o.stat[s] = nll
		loss += scale * nll
		if dlogits != nil {
			nn.CrossEntropyBackward(dlogits[s*L*K:(s+1)*L*K], lg, tg, K, T(scale))
		}
	}
	return loss
}
