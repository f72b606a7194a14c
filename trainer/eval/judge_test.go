package eval

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/rdlm-go/rdlm/core/ckpt"
	"github.com/rdlm-go/rdlm/core/model"
	"github.com/rdlm-go/rdlm/core/nn"
)

// causalParams is the tiny network with causal attention and random weights.
func causalParams(t *testing.T) *model.Params[float32] {
	cfg, err := model.Preset("tiny")
	require.NoError(t, err)
	cfg.Causal = true
	p := model.NewParams[float32](cfg)
	p.Init(11, false)
	return p
}

// The judge's likelihood of a full-length text is the evaluator's exact
// NLL; a causal model scores a prefix of a text as the prefix's share of the
// whole (nothing later leaks into earlier positions); a text longer than the
// model is cut into windows scored from the start marker; and an entropy
// check on known counts.
func TestJudgeIsExactAndCausal(t *testing.T) {
	p := causalParams(t)
	l := p.Cfg.Length
	seqs := randomSeqs(3, l, 21)
	proc := ckpt.DefaultProcess()
	proc.Family = ckpt.FamilyAR
	e, err := New(p, proc, l, Options{})
	require.NoError(t, err)
	perSeq := map[int]float64{}
	e.OnRow = func(rep, seq int, _, nelbo float64) { perSeq[seq] = nelbo }
	res, err := e.Run(seqs)
	require.NoError(t, err)
	require.Equal(t, "exact-nll", res.Estimator)

	j, err := NewJudge(p, 2)
	require.NoError(t, err)
	texts := [][]int32{seqs.ids[0], seqs.ids[1], seqs.ids[2], seqs.ids[0][:5], append(append([]int32{}, seqs.ids[1]...), seqs.ids[2][:7]...)}
	nll, err := j.Score(texts)
	require.NoError(t, err)
	for i := range 3 {
		require.InEpsilon(t, perSeq[i], nll[i], 1e-6, "text %d", i)
	}
	// Causal: the first 5 positions' NLL does not depend on what follows,
	// and the judge's score of a 5-token text is their sum.
	pos := positionNLL(t, p, seqs.ids[0])
	alt := append([]int32{}, seqs.ids[0]...)
	for i := 5; i < l; i++ {
		alt[i] = (alt[i] + 1) % testK
	}
	posAlt := positionNLL(t, p, alt)
	var prefix float64
	for q := range 5 {
		require.Equal(t, pos[q], posAlt[q], "position %d sees the future", q)
		prefix += pos[q]
	}
	require.NotEqual(t, pos[l-1], posAlt[l-1])
	require.InEpsilon(t, prefix, nll[3], 1e-5)
	// 32 + 7 tokens: a full window and a fresh 7-token window.
	var tail float64
	for q, v := range positionNLL(t, p, seqs.ids[2]) {
		if q < 7 {
			tail += v
		}
	}
	require.InEpsilon(t, perSeq[1]+tail, nll[4], 1e-5)

	_, err = j.Score([][]int32{{1, 2, 27}})
	require.ErrorContains(t, err, "outside the model's 27 tokens")
	bidirectional, err := model.Preset("tiny")
	require.NoError(t, err)
	_, err = NewJudge(model.NewParams[float32](bidirectional), 1)
	require.ErrorContains(t, err, "not autoregressive")

	require.InDelta(t, 1.5, UnigramEntropy([]int32{1, 1, 2, 3}), 1e-12) // p = 1/2, 1/4, 1/4
	require.Zero(t, UnigramEntropy([]int32{4, 4, 4}))
}

// positionNLL runs the network directly on a full-length sequence and
// returns each position's negative log-likelihood.
func positionNLL(t *testing.T, p *model.Params[float32], seq []int32) []float64 {
	l, k := p.Cfg.Length, p.Cfg.Vocab
	net, err := model.NewInference(p, 1, l)
	require.NoError(t, err)
	x, logits := make([]float32, l*k), make([]float32, l*k)
	model.EncodeShifted(x, seq, k)
	require.NoError(t, net.Forward(logits, x, []float32{0}))
	out := make([]float64, l)
	for q := range l {
		z := logits[q*k : (q+1)*k]
		out[q] = nn.LogSumExp(z) - float64(z[seq[q]])
	}
	return out
}
