package objective

import (
	"github.com/rdlm-go/rdlm/core/cpu"
	"github.com/rdlm-go/rdlm/core/nn"
	"github.com/rdlm-go/rdlm/core/rng"
)

// Masked (absorbing-state) discrete diffusion in the MDLM form (Sahoo et al.
// 2024), run on the RDLM network so that the two compare on equal terms.
//
//   - Schedule: log-linear. At noise level s in (0, 1) each position is masked
//     independently with probability s (alpha_s = 1 - s survives).
//   - Time input: the network is given t = 1 - s, so that, as in RDLM, t runs
//     from the prior (t = 0, everything masked) to the data (t = 1). Training
//     draws t = (1-1e-4) U exactly as RDLM's uniform sampler does, so
//     s = 1 - t lies in (1e-4, 1) and the weight 1/s stays below 1e4.
//   - Input: a masked position is the mask vertex e_m with its mask
//     coordinate dropped, the zero vector of R^K; an unmasked one is its
//     one-hot vertex e_k. The network thus sees the corners of the same
//     sphere that RDLM's x_t lives on.
//   - Loss (the continuous-time NELBO): with alpha_s = 1-s,
//     -alpha'_s/(1-alpha_s) = 1/s, so the per-sequence estimate is
//     (1/s) sum over masked positions of -log p_theta(x_l). This IS the NELBO
//     estimator, in nats.
//   - SUBS parameterisation: an unmasked position is carried over, so it
//     contributes nothing to the loss or its gradient; the logits span the K
//     tokens only, so the mask is never predicted.

// MaskProb is the masking probability s at network time t: s = 1 - t.
func MaskProb(t float64) float64 { return 1 - t }

// MaskTokens decides for each position whether it is masked, independently
// with probability s, drawing one uniform variate per position from st in
// order. It returns the number of masked positions.
func MaskTokens(masked []bool, s float64, st *rng.Stream) int {
	n := 0
	for i := range masked {
		masked[i] = st.Float64() < s
		if masked[i] {
			n++
		}
	}
	return n
}

// EncodeMasked writes the network input of a partly masked sequence into dst
// (L, K): the zero vector at a masked position, the one-hot vertex of its
// token elsewhere.
func EncodeMasked[T cpu.Float](dst []T, tokens []int32, masked []bool, k int) {
	clear(dst[:len(tokens)*k])
	for i, tk := range tokens {
		if !masked[i] {
			dst[i*k+int(tk)] = 1
		}
	}
}

// corruptMasked draws, per sequence, t from its stream's first variate and
// the masks from the next L.
func (o *Objective[T]) corruptMasked(tokens []int32, seed, step uint64) {
	K, L := o.Vocab, o.Length
	for s := 0; s < o.b; s++ {
		d, st := o.maskedSequence(seed, step, s)
		o.t[s], o.weight[s], o.tIn[s] = d.T, d.Weight, T(d.T)
		m := o.masked[s*L : (s+1)*L]
		MaskTokens(m, d.MaskProb, &st)
		EncodeMasked(o.in[s*L*K:(s+1)*L*K], tokens[s*L:(s+1)*L], m, K)
	}
}

// maskedSequence is sequence s's time, its weight w/s and its masking
// probability s, drawn from the first variate of its stream; the stream is
// returned where the masks continue.
func (o *Objective[T]) maskedSequence(seed, step uint64, s int) (SequenceDraw, rng.Stream) {
	st := rng.NewStream(seed, streamID(tagSequence, step, s))
	t, w := o.times.Sample(st.Float64())
	sMask := MaskProb(t)
	return SequenceDraw{T: t, Weight: w / sMask, MaskProb: sMask}, st
}

// lossMasked is MDLM's NELBO estimate averaged over the batch:
// (1/s) sum over masked positions of CE(logits, token).
func (o *Objective[T]) lossMasked(logits []T, tokens []int32, dlogits []T) float64 {
	K := o.Vocab
	n := o.b * o.Length
	if dlogits != nil {
		clear(dlogits[:n*K])
	}
	clear(o.stat[:o.b])
	var loss float64
	for i := 0; i < n; i++ {
		if !o.masked[i] {
			continue
		}
		s := i / o.Length
		scale := o.weight[s] / float64(o.b)
		lg, tg := logits[i*K:(i+1)*K], tokens[i:i+1]
		ce := float64(nn.CrossEntropyForward(lg, tg, K))
		loss += scale * ce
		o.stat[s] += ce / MaskProb(o.t[s]) // the NELBO integrand, (1/s) sum of masked CE
		if dlogits != nil {
			nn.CrossEntropyBackward(dlogits[i*K:(i+1)*K], lg, tg, K, T(scale))
		}
	}
	return loss
}

// Masked returns the last Corrupt's mask (b, L) (MDLM only; nil otherwise).
func (o *Objective[T]) Masked() []bool {
	if o.masked == nil {
		return nil
	}
	return o.masked[:o.b*o.Length]
}
