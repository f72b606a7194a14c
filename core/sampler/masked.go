package sampler

import (
	"fmt"

	"github.com/rdlm-go/rdlm/core/model"
	"github.com/rdlm-go/rdlm/core/walk"
)

// Masked generates with the masked-diffusion baseline (MDLM, log-linear
// schedule, SUBS): every free position starts masked (the zero input, the
// mask vertex with its coordinate dropped) at t = 0 and is revealed on the
// way to t = 1. On the grid t_i = i/S the masking probability is
// s_i = 1 - t_i; a position still masked at step i is revealed with
// probability (s_i - s_{i+1})/s_i, its token drawn from the network's
// p(. | x, t_i), and never changes again; the last step reveals the rest
// (s_S = 0). This is MDLM's ancestral sampler, with the same contract as
// Sampler.Sample: a sequence's text depends only on (seed, its index, the
// hold pattern, the steps).
type Masked struct {
	d          model.Denoiser
	b, l, k, s int
	x, logits  []float32 // (B, L, K)
	t          []float32 // (B)
	tokens     []int     // (B, L) -1 while masked
	hold       []int     // (L)
}

// NewMasked allocates a masked-diffusion sampler.
func NewMasked(d model.Denoiser, batch, length, vocab, steps int) (*Masked, error) {
	switch {
	case d == nil:
		return nil, fmt.Errorf("sampler: nil denoiser")
	case batch < 1 || length < 1 || vocab < 1 || steps < 1:
		return nil, fmt.Errorf("sampler: batch %d, length %d, vocabulary %d and steps %d must be >= 1", batch, length, vocab, steps)
	}
	m := &Masked{d: d, b: batch, l: length, k: vocab, s: steps,
		x: make([]float32, batch*length*vocab), logits: make([]float32, batch*length*vocab),
		t: make([]float32, batch), tokens: make([]int, batch*length), hold: make([]int, length)}
	_ = walk.SetHold(m.hold, nil, 0) // every position free
	return m, nil
}

// SetHold pins positions, as Sampler.SetHold does.
func (m *Masked) SetHold(hold []int) error { return walk.SetHold(m.hold, hold, m.k) }

// Sample generates sequences first .. first+n-1 into dst (n, L). Step i of
// sequence j, position l, reads stream (seed, j<<32 | l) at block i.
func (m *Masked) Sample(dst []int, seed, first uint64, n int) error {
	L, K := m.l, m.k
	switch {
	case n < 1 || n > m.b:
		return fmt.Errorf("sampler: %d sequences, want 1..%d", n, m.b)
	case len(dst) != n*L:
		return fmt.Errorf("sampler: token buffer of %d, want %d", len(dst), n*L)
	case first+uint64(n) > 1<<32 || first+uint64(n) < first:
		return fmt.Errorf("sampler: sequence indices %d..%d do not fit 32 bits", first, first+uint64(n)-1)
	}
	for s := range n {
		copy(m.tokens[s*L:(s+1)*L], m.hold)
	}
	for i := 0; i < m.s; i++ {
		ti := float64(i) / float64(m.s)
		sNow, sNext := 1-ti, 1-float64(i+1)/float64(m.s)
		reveal := (sNow - sNext) / sNow
		clear(m.x[:n*L*K])
		for q := range n * L {
			if tk := m.tokens[q]; tk != walk.Free {
				m.x[q*K+tk] = 1
			}
		}
		for s := range n {
			m.t[s] = float32(ti)
		}
		if err := m.d.Forward(m.logits[:n*L*K], m.x[:n*L*K], m.t[:n]); err != nil {
			return err
		}
		for q := range n * L {
			if m.tokens[q] != walk.Free {
				continue
			}
			st := walk.Noise(seed, first+uint64(q/L), q%L)
			st.Seek(uint64(i))
			if i+1 < m.s && st.Float64() >= reveal {
				continue
			}
			m.tokens[q] = drawCategorical(m.logits[q*K:(q+1)*K], st.Float64())
		}
	}
	copy(dst, m.tokens[:n*L])
	return nil
}
