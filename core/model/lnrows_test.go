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
	for _, d := range []int{1, 3, 64, 128, 129} {
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
