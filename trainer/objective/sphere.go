package objective

import (
	"github.com/rdlm-go/rdlm/core/nn"
	"github.com/rdlm-go/rdlm/core/process"
	"github.com/rdlm-go/rdlm/core/rng"
)

// corruptSphere draws RDLM's x_t (rdlm-math.md sections 3, 4 and 6): per
// sequence a time and its weight, the start from the mixture (shared by all
// positions), and per position x_t from the wrapped Gaussian of the tables.
// The network sees x_t without its mask coordinate.
func (o *Objective[T]) corruptSphere(tokens []int32, seed, step uint64) error {
	K, L, V := o.Vocab, o.Length, o.Vocab+1
	for s := 0; s < o.b; s++ {
		d := o.sphereSequence(seed, step, s)
		start, alpha, rho := d.Start, d.Alpha, d.Rho
		o.t[s], o.weight[s], o.start[s], o.tIn[s] = d.T, d.Weight, start, T(d.T)
		for l := 0; l < L; l++ {
			i := s*L + l
			ps := rng.NewStream(seed, streamID(tagPosition, step, i))
			x := o.x[i*V : (i+1)*V]
			if err := process.SampleXt(x, start, int(tokens[i]), alpha, rho, &ps); err != nil {
				return err
			}
			copy(o.in[i*K:(i+1)*K], x[:K])
		}
	}
	return nil
}

// sphereSequence is sequence s's own draws: its time and weight, then the
// start from the mixture and the tables' alpha and rho there.
func (o *Objective[T]) sphereSequence(seed, step uint64, s int) SequenceDraw {
	st := rng.NewStream(seed, streamID(tagSequence, step, s))
	// Both variates are drawn whatever the sampler and the mixture, so
	// the stream's layout never depends on the configuration.
	uTime, uStart := st.Float64(), st.Float64()
	t, w := o.times.Sample(uTime)
	start := o.mix.StartFor(t, uStart)
	alpha, rho := o.tab.At(start, t)
	return SequenceDraw{T: t, Weight: w, Start: start, Alpha: alpha, Rho: rho}
}

// lossCE is the published loss: weight(t) * sum over positions of
// CE(logits, token), averaged over the batch. With adaptive times it also
// measures each sequence's NELBO integrand, which the proposal follows.
func (o *Objective[T]) lossCE(logits []T, tokens []int32, dlogits []T) float64 {
	K, L := o.Vocab, o.Length
	var loss float64
	for s := 0; s < o.b; s++ {
		scale := o.weight[s] / float64(o.b)
		lg, tg := logits[s*L*K:(s+1)*L*K], tokens[s*L:(s+1)*L]
		loss += scale * float64(nn.CrossEntropyForward(lg, tg, K))
		if dlogits != nil {
			nn.CrossEntropyBackward(dlogits[s*L*K:(s+1)*L*K], lg, tg, K, T(scale))
		}
		if o.adapt != nil {
			o.stat[s] = o.sequenceDriftLoss(s, logits, tokens, nil, 0)
		}
	}
	return loss
}
