package process

import (
	"math"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/rdlm-go/rdlm/core/rng"
	"github.com/rdlm-go/rdlm/core/sphere"
)

// The fused step is GenerativeDrift then GRWStep bit for
// bit: even and odd V, points near a vertex (the clip), at a vertex, off
// the sphere by rounding, steps on the series branch of the exp map, tiny
// and huge gamma.
func TestEulerStepIsDriftThenGRWStep(t *testing.T) {
	src := rng.NewStream(11, 0)
	for _, V := range []int{2, 3, 4, 5, 28, 257} {
		K := V - 1
		m := NewEulerStep(V)
		ref := make([]float32, V)
		for trial := 0; trial < 300; trial++ {
			x := make([]float32, V)
			switch trial % 5 {
			case 0: // a vertex, or next to one
				sphere.Vertex(x, int(src.Uint32())%V)
				x[int(src.Uint32())%V] += float32(src.Normal() * 1e-4)
			case 1: // uniform point
				sphere.Uniform(x)
			default:
				for i := range x {
					x[i] = float32(src.Normal())
				}
			}
			if trial%7 != 3 { // the rest stay slightly off the sphere
				sphere.Normalize(x, x)
			}
			p := make([]float32, K)
			var sum float32
			for k := range p {
				p[k] = float32(math.Exp(3 * src.Normal()))
				sum += p[k]
			}
			for k := range p {
				p[k] /= sum
			}
			gamma := []float64{2.6e-2, 0.4, 7.6, 97, 1e5}[trial%5]
			beta := []float64{1e-3, 1.4e-2, 0.12, 0.2, 1e-12}[trial%5]
			dt := []float64{1.0 / 64, 1.0 / 256, 1e-9, 0.5}[trial%4]
			want := append([]float32(nil), x...)
			s1, s2 := rng.NewStream(3, uint64(trial)), rng.NewStream(3, uint64(trial))
			s1.Seek(uint64(trial))
			s2.Seek(uint64(trial))
			require.NoError(t, GenerativeDrift(ref, want, p, gamma))
			GRWStep(want, ref, beta, dt, &s1)
			m.Move(x, p, gamma, beta, dt, &s2)
			require.Equal(t, want, x, "V %d trial %d", V, trial)
			require.Equal(t, s1.Uint32(), s2.Uint32(), "same words spent")
		}
	}
}
