package sampler

import (
	"math"
	"testing"

	"github.com/rdlm-go/rdlm/core/walk"
	"github.com/stretchr/testify/require"
)

// fixedNet returns the same logits at every position: p = softmax(z).
type fixedNet struct{ z []float32 }

func (f fixedNet) Forward(logits, x, t []float32) error {
	for i := range logits {
		logits[i] = f.z[i%len(f.z)]
	}
	return nil
}

// Both baselines draw each free token from the network's distribution
// (a chi-square-style check of the frequencies, within 5 standard errors of
// each probability over 2000 sequences of 8), keep held positions, and give
// a sequence the same text whatever the batch it is drawn in.
func TestBaselineSamplersDrawFromTheNetwork(t *testing.T) {
	z := []float32{0, 1, 2, -1}
	var sum float64
	p := make([]float64, len(z))
	for i, v := range z {
		p[i] = math.Exp(float64(v))
		sum += p[i]
	}
	for i := range p {
		p[i] /= sum
	}
	const L, n = 8, 2000
	for name, mk := range map[string]func(b int) (interface {
		Sample([]int, uint64, uint64, int) error
		SetHold([]int) error
	}, error){
		"ancestral": func(b int) (interface {
			Sample([]int, uint64, uint64, int) error
			SetHold([]int) error
		}, error) {
			return NewAncestral(fixedNet{z}, b, L, len(z))
		},
		"masked": func(b int) (interface {
			Sample([]int, uint64, uint64, int) error
			SetHold([]int) error
		}, error) {
			return NewMasked(fixedNet{z}, b, L, len(z), 5)
		},
	} {
		s, err := mk(50)
		require.NoError(t, err)
		hold := []int{walk.Free, 3, walk.Free, walk.Free, walk.Free, walk.Free, walk.Free, 0}
		require.NoError(t, s.SetHold(hold))
		counts := make([]float64, len(z))
		dst := make([]int, 50*L)
		for first := uint64(0); first < n; first += 50 {
			require.NoError(t, s.Sample(dst, 7, first, 50))
			for q, tk := range dst {
				if h := hold[q%L]; h != walk.Free {
					require.Equal(t, h, tk, name)
					continue
				}
				counts[tk]++
			}
		}
		total := float64(n * 6)
		for k := range z {
			se := math.Sqrt(p[k] * (1 - p[k]) / total)
			require.InDelta(t, p[k], counts[k]/total, 5*se, "%s token %d", name, k)
		}
		// Sequence 3 alone, in a batch of one, is what it was in the batch of 50.
		one, err := mk(1)
		require.NoError(t, err)
		require.NoError(t, one.SetHold(hold))
		got := make([]int, L)
		require.NoError(t, one.Sample(got, 7, 3, 1))
		require.NoError(t, s.Sample(dst, 7, 0, 50))
		require.Equal(t, dst[3*L:4*L], got, name)
		require.Error(t, s.SetHold([]int{1, 2}))
		require.Error(t, s.Sample(dst[:5], 7, 0, 50))
	}
}
