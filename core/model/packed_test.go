package model

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/rdlm-go/rdlm/core/cpu"
	"github.com/rdlm-go/rdlm/core/rng"
)

// Packed weights change nothing: the logits are the unpacked network's bit
// for bit, with one thread or two, for a full batch and a partial one, on
// every kernel set; and a pass allocates nothing.
func TestPackedWeightsGiveTheSameLogits(t *testing.T) {
	for _, preset := range []string{"tiny", "small"} {
		c, err := Preset(preset)
		require.NoError(t, err)
		p := NewParams[float32](c)
		p.Init(3, false)
		// Init zeroes the modulations and the output layer (the reference's
		// init); random values make every product count.
		s := rng.NewStream(5, 0)
		for i := range p.Flat {
			p.Flat[i] = float32(s.Normal()) * 0.1
		}
		const B, L = 3, 40
		x, tt := make([]float32, B*L*c.Vocab), []float32{0.1, 0.5, 0.97}
		for i := range x {
			x[i] = float32(s.Normal()) * 0.2
		}
		plain, err := NewInference(p, B, L)
		require.NoError(t, err)
		packed, err := NewInference(p, B, L)
		require.NoError(t, err)
		require.True(t, packed.PackWeights())
		for _, ks := range cpu.AvailableKernels() {
			prevKS, err := cpu.SetKernels(ks)
			require.NoError(t, err)
			require.True(t, packed.PackWeights()) // for this kernel set
			for _, threads := range []int{1, 2} {
				prev := cpu.SetThreads(threads)
				for _, b := range []int{B, 1} {
					want, got := make([]float32, b*L*c.Vocab), make([]float32, b*L*c.Vocab)
					require.NoError(t, plain.Forward(want, x[:b*L*c.Vocab], tt[:b]))
					require.NoError(t, packed.Forward(got, x[:b*L*c.Vocab], tt[:b]))
					require.Equal(t, want, got, "%s %s threads %d batch %d", preset, ks, threads, b)
				}
				out := make([]float32, B*L*c.Vocab)
				require.Zero(t, testing.AllocsPerRun(2, func() { require.NoError(t, packed.Forward(out, x, tt)) }))
				cpu.SetThreads(prev)
			}
			_, _ = cpu.SetKernels(prevKS)
		}
	}
}

// A float64 network, or one beyond MaxPackedWeightBytes, is not packed.
func TestPackWeightsDeclines(t *testing.T) {
	c, _ := Preset("tiny")
	inf, err := NewInference(NewParams[float64](c), 1, 4)
	require.NoError(t, err)
	require.False(t, inf.PackWeights())
	big, _ := Preset("text8")
	require.Greater(t, 4*big.NumParams(), MaxPackedWeightBytes)
}
