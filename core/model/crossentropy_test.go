package model

import (
	"github.com/rdlm-go/rdlm/core/cpu"
	"github.com/rdlm-go/rdlm/core/nn"
)

// crossEntropy is the loss these tests train, computed as the trainer's
// cross-entropy objective does: each sequence's cross-entropy of logits
// (b, L, K), summed over its positions, into lossPerSeq (b), and dlogits
// (b, L, K) set to the gradient of sum_s weights[s] loss_s (nil weights: all
// 1), the gradient Net.BackwardFrom takes. It returns sum_s weights[s] loss_s.
func crossEntropy[T cpu.Float](dlogits, logits []T, targets []int32, weights, lossPerSeq []T, L, K int) T {
	var total T
	for s := range lossPerSeq {
		w := T(1)
		if weights != nil {
			w = weights[s]
		}
		lg, tg := logits[s*L*K:(s+1)*L*K], targets[s*L:(s+1)*L]
		lossPerSeq[s] = nn.CrossEntropyForward(lg, tg, K)
		nn.CrossEntropyBackward(dlogits[s*L*K:(s+1)*L*K], lg, tg, K, w)
		total += w * lossPerSeq[s]
	}
	return total
}

// trainStep is a forward, the cross-entropy and a backward into g, the pass a
// training step runs; dlogits and lossPerSeq are the caller's buffers.
func trainStep[T cpu.Float](n *Net[T], g *Params[T], x, t []T, targets []int32, weights, dlogits, lossPerSeq []T) (T, error) {
	logits, err := n.Forward(x, t)
	if err != nil {
		return 0, err
	}
	loss := crossEntropy(dlogits[:len(logits)], logits, targets, weights, lossPerSeq[:len(t)], n.Length, n.P.Cfg.Vocab)
	return loss, n.BackwardFrom(g, dlogits[:len(logits)])
}
