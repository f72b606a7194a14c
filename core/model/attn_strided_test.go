package model

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/rdlm-go/rdlm/core/cpu"
	"github.com/rdlm-go/rdlm/core/nn"
	"github.com/rdlm-go/rdlm/core/rng"
)

// One head's attention with v and its output in place is RotaryForward, GatherHead,
// nn.AttentionForward and ScatterHead bit for bit, for every head of every
// sequence, lengths that fill the last panel or not, two head widths.
func TestStridedAttentionIsNN(t *testing.T) {
	if !cpu.VecMath() {
		t.Skip("the strided path runs with the avx512 kernels only")
	}
	s := rng.NewStream(4, 0)
	for _, c := range []Config{
		{Vocab: 27, Length: 128, Hidden: 128, Heads: 4, Blocks: 1, Cond: 16},
		{Vocab: 5, Length: 37, Hidden: 48, Heads: 2, Blocks: 1, Cond: 8},
		{Vocab: 5, Length: 12, Hidden: 16, Heads: 1, Blocks: 1, Cond: 8},
		{Vocab: 5, Length: 9, Hidden: 128, Heads: 2, Blocks: 1, Cond: 8}, // half width 32
	} {
		const B = 3
		p := NewParams[float32](c)
		inf, err := NewInference(p, B, c.Length)
		require.NoError(t, err)
		e := inf.e
		e.setBatch(B)
		require.True(t, e.stridedAttention())
		for i := range e.qkv[:e.N*3*e.D] {
			e.qkv[i] = float32(s.Normal() * 2)
		}
		a := &inf.acts
		L, D, hd := e.L, e.D, e.hd
		want := make([]float32, e.N*D)
		q, k, v, o, probs := make([]float32, L*hd), make([]float32, L*hd), make([]float32, L*hd), make([]float32, L*hd), make([]float32, L*L)
		for u := 0; u < B*e.H; u++ {
			b, h := u/e.H, u%e.H
			base := b*L*3*D + h*hd
			nn.RotaryForward(q, e.qkv[base:], 3*D, e.cos, e.sin, L, hd)
			nn.RotaryForward(k, e.qkv[base+D:], 3*D, e.cos, e.sin, L, hd)
			nn.GatherHead(v, e.qkv[base+2*D:], 3*D, L, hd)
			nn.AttentionForward(o, probs, q, k, v, L, hd, false)
			nn.ScatterHead(want[b*L*D+h*hd:], D, o, L, hd)
		}
		task := &attnTask[float32]{e: e, a: a}
		for _, vec := range []bool{true, false} {
			prev := vecModulate
			vecModulate = func() bool { return vec && prev() }
			clear(a.att)
			for u := 0; u < B*e.H; u++ {
				task.attendStrided(0, u)
			}
			vecModulate = prev
			require.Equal(t, want, a.att[:e.N*D], "%+v vector rotary %v", c, vec)
		}
	}
}

func BenchmarkAttentionHead(b *testing.B) {
	c := Config{Vocab: 27, Length: 128, Hidden: 128, Heads: 4, Blocks: 1, Cond: 16}
	p := NewParams[float32](c)
	inf, _ := NewInference(p, 4, c.Length)
	e := inf.e
	e.setBatch(4)
	s := rng.NewStream(4, 0)
	for i := range e.qkv {
		e.qkv[i] = float32(s.Normal())
	}
	task := &attnTask[float32]{e: e, a: &inf.acts}
	b.Run("strided", func(b *testing.B) {
		for range b.N {
			for u := 0; u < 16; u++ {
				task.attendStrided(0, u)
			}
		}
	})
	L, D, hd := e.L, e.D, e.hd
	q, k, v, o, probs := make([]float32, L*hd), make([]float32, L*hd), make([]float32, L*hd), make([]float32, L*hd), make([]float32, L*L)
	b.Run("nn", func(b *testing.B) {
		for range b.N {
			for u := 0; u < 16; u++ {
				bb, h := u/e.H, u%e.H
				base := bb*L*3*D + h*hd
				nn.RotaryForward(q, e.qkv[base:], 3*D, e.cos, e.sin, L, hd)
				nn.RotaryForward(k, e.qkv[base+D:], 3*D, e.cos, e.sin, L, hd)
				nn.GatherHead(v, e.qkv[base+2*D:], 3*D, L, hd)
				nn.AttentionForward(o, probs, q, k, v, L, hd, false)
				nn.ScatterHead(inf.acts.att[bb*L*D+h*hd:], D, o, L, hd)
			}
		}
	})
}
