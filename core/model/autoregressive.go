package model

import "github.com/rdlm-go/rdlm/core/cpu"

// The autoregressive baseline (the paper's AR row) is this same network with
// causal attention (Config.Causal): position l reads the one-hot vertex of
// token l-1, position 0 the zero vector (the mask vertex with its coordinate
// dropped, a beginning-of-sequence marker that no token uses), and the time
// input is always 0. Its logits at position l give p(token_l | tokens < l),
// so its likelihood is exact.

// EncodeShifted writes the autoregressive input of a sequence into dst
// (L, K): the zero vector at position 0, the one-hot vertex of token l-1 at
// position l.
func EncodeShifted[T cpu.Float](dst []T, tokens []int32, k int) {
	clear(dst[:len(tokens)*k])
	for l := 1; l < len(tokens); l++ {
		dst[l*k+int(tokens[l-1])] = 1
	}
}
