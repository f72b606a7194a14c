package model

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/rdlm-go/rdlm/core/nn"
	"github.com/rdlm-go/rdlm/core/rng"
)

// The inference layer norms are nn's bit for bit (alone, and after the
// gated residual), for
// any number of rows (the tail below four included) and widths, in both
// precisions.
func TestLayerNormRowsIsNN(t *testing.T) {
	testLayerNormRows[float32](t)
	testLayerNormRows[float64](t)
	// And the Go loop where the vector one runs.
	prev := vecModulate
	vecModulate = func() bool { return false }
	defer func() { vecModulate = prev }()
	testLayerNormRows[float32](t)
}

func testLayerNormRows[T float32 | float64](t *testing.T) {
	s := rng.NewStream(9, 0)
	rnd := func(n int, scale, off float64) []T {
		v := make([]T, n)
		for i := range v {
			v[i] = T(s.Normal()*scale + off)
		}
		return v
	}
	for _, d := range []int{1, 3, 16, 64, 128, 129, 200} {
		for _, n := range []int{0, 1, 3, 4, 5, 8, 13, 128} {
			x := rnd(n*d, 3, 0.5)
			w, shift, scale := rnd(d, 1, 1), rnd(d, 0.5, 0), rnd(d, 0.5, 0)
			want, got := make([]T, n*d), make([]T, n*d)
			nn.LayerNormModulateForward(want, nil, nil, x, w, shift, scale, d)
			layerNormModulateRows(got, x, w, shift, scale, d)
			require.Equal(t, want, got, "d %d n %d", d, n)

			// With the gated residual before it, in place as at inference.
			h, y, gate := rnd(n*d, 2, 0), rnd(n*d, 1, 0), rnd(d, 0.5, 0.1)
			wantH := append(make([]T, 0, len(h)), h...)
			nn.GatedResidualForward(wantH, wantH, y, gate, d)
			nn.LayerNormModulateForward(want, nil, nil, wantH, w, shift, scale, d)
			residualLayerNormRows(got, h, h, y, gate, w, shift, scale, d)
			require.Equal(t, wantH, h, "residual d %d n %d", d, n)
			require.Equal(t, want, got, "residual layer norm d %d n %d", d, n)
		}
	}
}

func BenchmarkLayerNormRows(b *testing.B) {
	const n, d = 512, 128
	s := rng.NewStream(9, 1)
	rnd := func(k int) []float32 {
		v := make([]float32, k)
		for i := range v {
			v[i] = float32(s.Normal())
		}
		return v
	}
	x, y, w, shift, scale, gate, out := rnd(n*d), rnd(n*d), rnd(d), rnd(d), rnd(d), rnd(d), make([]float32, n*d)
	for _, vec := range []bool{false, true} {
		prev := vecModulate
		vecModulate = func() bool { return vec && prev() }
		b.Run(map[bool]string{false: "go", true: "vec"}[vec], func(b *testing.B) {
			for range b.N {
				layerNormModulateRows(out, x, w, shift, scale, d)
			}
		})
		b.Run(map[bool]string{false: "go", true: "vec"}[vec]+"/residual", func(b *testing.B) {
			for range b.N {
				residualLayerNormRows(out, x, x, y, gate, w, shift, scale, d)
			}
		})
		vecModulate = prev
	}
}
