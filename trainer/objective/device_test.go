package objective

import (
	"testing"

	"github.com/rdlm-go/rdlm/core/rng"
	"github.com/stretchr/testify/require"
)

// DrawSequences gives the times, weights and starts Corrupt draws, and
// MaskBelow's integer test agrees with MaskTokens' float one on every word,
// the words next to the bound included.
func TestDrawSequencesMatchCorrupt(t *testing.T) {
	for _, cfg := range []Config{published(), {Kind: MDLM, Times: TimesUniform}} {
		kind := cfg.Kind
		o := newObjective[float32](t, cfg, 9, 12) // 12 sequences: both starts of the mixture
		b := o.Batch
		_, _, err := o.Corrupt(randomTokens(b*o.Length, 2), b, 3, 17)
		require.NoError(t, err)
		draws := make([]SequenceDraw, b)
		require.NoError(t, o.DrawSequences(draws, 3, 17))
		ts, ws := o.Times()
		for s, d := range draws {
			require.Equal(t, ts[s], d.T, kind)
			require.Equal(t, ws[s], d.Weight, kind)
			if kind == MDLM {
				seqBase, _ := StreamBases(17)
				st := rng.NewStream(3, seqBase+uint64(s))
				st.Uint32() // the time's variate
				for l := 0; l < o.Length; l++ {
					require.Equal(t, o.Masked()[s*o.Length+l], uint64(st.Uint32()) < MaskBelow(d.MaskProb))
				}
			} else {
				require.Equal(t, o.start[s], d.Start)
			}
		}
	}
	for _, s := range []float64{0, 1e-10, 0.25, 0.3, 0.7, 1 - 1e-9, 1} {
		bound := MaskBelow(s)
		for _, w := range []uint64{0, 1, bound - 1, bound, bound + 1, 1<<32 - 1} {
			if w >= 1<<32 {
				continue
			}
			require.Equal(t, rng.Unit(uint32(w)) < s, w < bound, "s %v word %d", s, w)
		}
	}
}
