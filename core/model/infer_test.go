package model

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/rdlm-go/rdlm/core/cpu"
	"github.com/rdlm-go/rdlm/core/rng"
)

// The inference pass, with its fused row passes, packed weights or not, is
// the training forward bit for bit: every kernel set, one and two threads,
// full and partial batches, one block and several.
func TestInferenceIsTheTrainingForwardExactly(t *testing.T) {
	for _, c := range []Config{
		{Vocab: 27, Length: 40, Hidden: 64, Heads: 2, Blocks: 3, Cond: 32},
		{Vocab: 5, Length: 13, Hidden: 32, Heads: 4, Blocks: 1, Cond: 16},
	} {
		p := NewParams[float32](c)
		s := rng.NewStream(8, 0)
		for i := range p.Flat {
			p.Flat[i] = float32(s.Normal()) * 0.15
		}
		const B = 3
		x, tt := make([]float32, B*c.Length*c.Vocab), []float32{0.05, 0.6, 0.93}
		for i := range x {
			x[i] = float32(s.Normal()) * 0.2
		}
		net, err := NewNet(p, B, c.Length)
		require.NoError(t, err)
		plain, err := NewInference(p, B, c.Length)
		require.NoError(t, err)
		packed, err := NewInference(p, B, c.Length)
		require.NoError(t, err)
		for _, ks := range cpu.AvailableKernels() {
			prevKS, err := cpu.SetKernels(ks)
			require.NoError(t, err)
			require.True(t, packed.PackWeights())
			for _, threads := range []int{1, 2} {
				prev := cpu.SetThreads(threads)
				for _, b := range []int{B, 2} {
					n := b * c.Length * c.Vocab
					want, err := net.Forward(x[:n], tt[:b])
					require.NoError(t, err)
					for name, inf := range map[string]*Inference[float32]{"plain": plain, "packed": packed} {
						got := make([]float32, n)
						require.NoError(t, inf.Forward(got, x[:n], tt[:b]))
						require.Equal(t, want, got, "%+v %s %s threads %d batch %d", c, name, ks, threads, b)
					}
				}
				cpu.SetThreads(prev)
			}
			_, _ = cpu.SetKernels(prevKS)
		}
	}
}
