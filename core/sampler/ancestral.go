package sampler

import (
	"fmt"

	"github.com/rdlm-go/rdlm/core/model"
	"github.com/rdlm-go/rdlm/core/nn"
	"github.com/rdlm-go/rdlm/core/walk"
)

// Ancestral generates with an autoregressive model (model.Config.Causal):
// position by position, each token drawn from p(token_l | tokens < l), one
// network pass per position (the causal network ignores what lies to the
// right, so every pass reads the whole row). Held positions keep their
// tokens and are read by the positions after them. Its Sample has the
// Sampler's shape and randomness contract: a sequence's text depends only on
// (seed, its index, the hold pattern).
type Ancestral struct {
	d         model.Denoiser
	b, l, k   int
	x, logits []float32 // (B, L, K)
	t         []float32 // (B) zeros
	tokens    []int32   // (B, L)
	hold      []int     // (L)
}

// NewAncestral allocates an ancestral sampler for up to batch sequences of
// length positions over vocab tokens.
func NewAncestral(d model.Denoiser, batch, length, vocab int) (*Ancestral, error) {
	switch {
	case d == nil:
		return nil, fmt.Errorf("sampler: nil denoiser")
	case batch < 1 || length < 1 || vocab < 1:
		return nil, fmt.Errorf("sampler: batch %d, length %d and vocabulary %d must be >= 1", batch, length, vocab)
	}
	a := &Ancestral{d: d, b: batch, l: length, k: vocab,
		x: make([]float32, batch*length*vocab), logits: make([]float32, batch*length*vocab),
		t: make([]float32, batch), tokens: make([]int32, batch*length), hold: make([]int, length)}
	_ = walk.SetHold(a.hold, nil, 0) // every position free
	return a, nil
}

// SetHold pins positions, as Sampler.SetHold does.
func (a *Ancestral) SetHold(hold []int) error { return walk.SetHold(a.hold, hold, a.k) }

// Sample generates sequences first .. first+n-1 of the given seed into dst
// (n, L). Sequence i's position l draws its token from stream
// (seed, i<<32 | l).
func (a *Ancestral) Sample(dst []int, seed, first uint64, n int) error {
	L, K := a.l, a.k
	switch {
	case n < 1 || n > a.b:
		return fmt.Errorf("sampler: %d sequences, want 1..%d", n, a.b)
	case len(dst) != n*L:
		return fmt.Errorf("sampler: token buffer of %d, want %d", len(dst), n*L)
	case first+uint64(n) > 1<<32 || first+uint64(n) < first:
		return fmt.Errorf("sampler: sequence indices %d..%d do not fit 32 bits", first, first+uint64(n)-1)
	}
	clear(a.tokens[:n*L])
	for s := range n {
		for l, k := range a.hold {
			if k != walk.Free {
				a.tokens[s*L+l] = int32(k)
			}
		}
	}
	for l := 0; l < L; l++ {
		if a.hold[l] != walk.Free {
			continue
		}
		for s := range n {
			model.EncodeShifted(a.x[s*L*K:(s+1)*L*K], a.tokens[s*L:(s+1)*L], K)
		}
		if err := a.d.Forward(a.logits[:n*L*K], a.x[:n*L*K], a.t[:n]); err != nil {
			return err
		}
		for s := range n {
			z := a.logits[(s*L+l)*K : (s*L+l+1)*K]
			st := walk.Noise(seed, first+uint64(s), l)
			a.tokens[s*L+l] = int32(drawCategorical(z, st.Float64()))
		}
	}
	for i := range dst {
		dst[i] = int(a.tokens[i])
	}
	return nil
}

// drawCategorical returns the index whose softmax(z) CDF first exceeds u,
// turning z into probabilities in place.
func drawCategorical(z []float32, u float64) int {
	nn.Softmax(z, z)
	return drawFrom(z, u)
}

// drawFrom returns the index whose cumulative probability first exceeds u.
func drawFrom(p []float32, u float64) int {
	var c float64
	for k, v := range p {
		c += float64(v)
		if u < c {
			return k
		}
	}
	return len(p) - 1
}
