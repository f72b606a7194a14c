package eval

import (
	"fmt"
	"math"

	"github.com/rdlm-go/rdlm/core/model"
	"github.com/rdlm-go/rdlm/core/nn"
)

// Judge scores texts under an autoregressive model: the generative
// perplexity that MDLM, SEDD and the RDLM reference report for samples, here
// in bits per token. A text is cut into windows of the model's length, each
// scored from the beginning-of-sequence input; a causal model's logits at
// position l depend only on positions up to l, so a short last window is
// scored exactly by leaving the rest of its row unused.
type Judge struct {
	net    *model.Inference[float32]
	k, l   int
	batch  int
	x      []float32 // (batch, L, K)
	t      []float32 // (batch) zeros
	logits []float32 // (batch, L, K)
	toks   []int32   // (batch, L)
	used   []int     // (batch) positions of each row that count
}

// NewJudge builds a judge on an autoregressive model's parameters.
func NewJudge(params *model.Params[float32], batch int) (*Judge, error) {
	if params == nil {
		return nil, fmt.Errorf("judge: nil parameters")
	}
	c := params.Cfg
	if !c.Causal {
		return nil, fmt.Errorf("judge: the model is not autoregressive (causal attention); a judge must give exact likelihoods")
	}
	if batch < 1 {
		return nil, fmt.Errorf("judge: batch %d must be >= 1", batch)
	}
	net, err := model.NewInference(params, batch, c.Length)
	if err != nil {
		return nil, fmt.Errorf("judge: %v", err)
	}
	return &Judge{net: net, k: c.Vocab, l: c.Length, batch: batch,
		x: make([]float32, batch*c.Length*c.Vocab), t: make([]float32, batch),
		logits: make([]float32, batch*c.Length*c.Vocab), toks: make([]int32, batch*c.Length), used: make([]int, batch)}, nil
}

// Score returns each text's negative log-likelihood in nats (summed over its
// tokens). Token ids must lie in [0, K).
func (j *Judge) Score(texts [][]int32) ([]float64, error) {
	type window struct{ text, from, n int }
	var wins []window
	for i, tx := range texts {
		for q, tok := range tx {
			if tok < 0 || int(tok) >= j.k {
				return nil, fmt.Errorf("judge: text %d position %d holds token %d, outside the model's %d tokens", i, q, tok, j.k)
			}
		}
		for from := 0; from < len(tx); from += j.l {
			wins = append(wins, window{i, from, min(j.l, len(tx)-from)})
		}
	}
	nll := make([]float64, len(texts))
	L, K := j.l, j.k
	for w0 := 0; w0 < len(wins); w0 += j.batch {
		rows := min(j.batch, len(wins)-w0)
		clear(j.toks)
		for r := range rows {
			w := wins[w0+r]
			copy(j.toks[r*L:], texts[w.text][w.from:w.from+w.n])
			j.used[r] = w.n
			model.EncodeShifted(j.x[r*L*K:(r+1)*L*K], j.toks[r*L:(r+1)*L], K)
		}
		if err := j.net.Forward(j.logits[:rows*L*K], j.x[:rows*L*K], j.t[:rows]); err != nil {
			return nil, fmt.Errorf("judge: network: %v", err)
		}
		for r := range rows {
			for q := range j.used[r] {
				z := j.logits[(r*L+q)*K : (r*L+q+1)*K]
				nll[wins[w0+r].text] += nn.LogSumExp(z) - float64(z[j.toks[r*L+q]])
			}
		}
	}
	return nll, nil
}

// UnigramEntropy is the entropy in bits of the token frequencies of one
// text: low for degenerate, repetitive samples, as generative perplexity
// alone would not show.
func UnigramEntropy(tokens []int32) float64 {
	if len(tokens) == 0 {
		return 0
	}
	counts := map[int32]int{}
	for _, t := range tokens {
		counts[t]++
	}
	n := float64(len(tokens))
	var h float64
	for _, c := range counts {
		p := float64(c) / n
		h -= p * math.Log2(p)
	}
	return h
}
