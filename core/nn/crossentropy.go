package nn

import (
	"math"

	"github.com/rdlm-go/rdlm/core/cpu"
)

// CrossEntropyForward returns the sum over rows of -log softmax(logits)[target].
// Targets must lie in [0, k): the caller checks them.
//
//	logits (n, k), targets (n)
func CrossEntropyForward[T cpu.Float](logits []T, targets []int32, k int) T {
	var total T
	for r, tg := range targets {
		z := logits[r*k : (r+1)*k]
		total += T(LogSumExp(z)) - z[tg]
	}
	return total
}

// CrossEntropyBackward sets the logits' gradient of scale times the loss of
// CrossEntropyForward: scale (softmax(logits) - onehot(target)).
//
//	dlogits (n, k): overwritten; logits (n, k), targets (n)
func CrossEntropyBackward[T cpu.Float](dlogits, logits []T, targets []int32, k int, scale T) {
	for r, tg := range targets {
		z := logits[r*k : (r+1)*k]
		g := dlogits[r*k : (r+1)*k]
		g = g[:len(z)]
		off := T(LogSumExp(z))
		for i, v := range z {
			g[i] = scale * T(math.Exp(float64(v-off)))
		}
		g[tg] -= scale
	}
}
