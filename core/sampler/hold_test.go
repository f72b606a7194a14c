package sampler

import (
	"testing"

	"github.com/rdlm-go/rdlm/core/model"
	"github.com/rdlm-go/rdlm/core/process"
	"github.com/rdlm-go/rdlm/core/text"
	"github.com/rdlm-go/rdlm/core/walk"
	"github.com/stretchr/testify/require"
)

// Held positions start at their vertex, the network sees that vertex at every
// step, they never move and they decode to their token; the free positions
// are generated.
func TestHeldPositionsNeverMove(t *testing.T) {
	v := text.Text8()
	hold, err := walk.Template(v, "to be or ___ to be")
	require.NoError(t, err)
	L := len(hold)
	K, V := testK, testK+1
	inner := coupled(L)
	steps := 0
	checkInput := model.DenoiserFunc(func(logits, x, tt []float32) error {
		steps++
		for s := range tt {
			for l, k := range hold {
				if k == walk.Free {
					continue
				}
				row := x[(s*L+l)*K : (s*L+l+1)*K]
				for i, c := range row {
					if (i == k) != (c == 1) || (i != k && c != 0) {
						t.Fatalf("step %d: held position %d fed to the network as %v", steps, l, row)
					}
				}
			}
		}
		return inner(logits, x, tt)
	})
	s, err := New(checkInput, testConfig(t, 2, L, 30, 0.35))
	require.NoError(t, err)
	require.NoError(t, s.SetHold(hold))
	dst := make([]int, 2*L)
	require.NoError(t, s.Sample(dst, 5, 0, 2))
	require.Equal(t, 30, steps)
	requireOnSphere(t, s.Points()[:2*L*V], V)
	for r, k := range dst {
		l := r % L
		if hold[l] == walk.Free {
			require.Less(t, s.Points()[r*V+V-1], float32(0.9), "free position %d did not move", l)
			continue
		}
		require.Equal(t, hold[l], k, "position %d", l)
		row := s.Points()[r*V : (r+1)*V]
		for i, c := range row {
			if i == k {
				require.Equal(t, float32(1), c)
			} else {
				require.Equal(t, float32(0), c)
			}
		}
	}
	txt, err := v.Decode(dst[:L])
	require.NoError(t, err)
	require.Equal(t, "to be or ", txt[:9])
	require.Equal(t, " to be", txt[12:])
}

// Each position owns its noise: holding one position leaves the walk of the
// others untouched when the network does not couple them.
func TestHoldingOnePositionKeepsOthersNoise(t *testing.T) {
	const L = 6
	V := testK + 1
	free, err := New(model.DenoiserFunc(pointwise), testConfig(t, 1, L, 20, 0.35))
	require.NoError(t, err)
	require.NoError(t, free.Sample(make([]int, L), 11, 0, 1))
	held, err := New(model.DenoiserFunc(pointwise), testConfig(t, 1, L, 20, 0.35))
	require.NoError(t, err)
	require.NoError(t, held.SetHold([]int{walk.Free, walk.Free, 7, walk.Free, walk.Free, walk.Free}))
	require.NoError(t, held.Sample(make([]int, L), 11, 0, 1))
	for l := 0; l < L; l++ {
		a, b := free.Points()[l*V:(l+1)*V], held.Points()[l*V:(l+1)*V]
		if l == 2 {
			require.NotEqual(t, a, b)
		} else {
			require.Equal(t, a, b, "position %d", l)
		}
	}
	require.NoError(t, held.SetHold(nil)) // freeing again restores the walk
	require.NoError(t, held.Sample(make([]int, L), 11, 0, 1))
	require.Equal(t, free.Points(), held.Points())
}

func TestObserverSeesBeliefs(t *testing.T) {
	target := []int{7, 4, 11, 11, 14}
	cfg := testConfig(t, 2, len(target), 6, 0.35)
	s, err := New(fixedTarget(target), cfg)
	require.NoError(t, err)
	require.NoError(t, s.SetHold([]int{walk.Free, walk.Free, walk.Free, walk.Free, 26}))
	var times []float64
	s.SetObserver(func(info *walk.StepInfo) error {
		require.Equal(t, len(times), info.Step)
		require.Equal(t, uint64(3), info.First)
		require.Equal(t, 2, info.N)
		require.Equal(t, 5, info.L)
		require.Len(t, info.Top, 10)
		require.Len(t, info.Prob, 10)
		for r := range info.Top {
			want := target[r%5]
			if r%5 == 4 {
				want = 26
			}
			require.Equal(t, want, info.Top[r])
			require.InDelta(t, 1, info.Prob[r], 1e-6)
		}
		times = append(times, info.T)
		return nil
	})
	require.NoError(t, s.Sample(make([]int, 10), 1, 3, 2))
	grid := make([]float64, 7)
	_, err = process.SamplingGrid(grid)
	require.NoError(t, err)
	require.Equal(t, grid[:6], times)
}

func TestSetHoldRejectsBadPatterns(t *testing.T) {
	s, err := New(model.DenoiserFunc(zeroLogits), testConfig(t, 1, 3, 2, 0))
	require.NoError(t, err)
	require.ErrorContains(t, s.SetHold([]int{1, 2}), "2 positions, the walk 3")
	require.ErrorContains(t, s.SetHold([]int{1, 27, walk.Free}), "position 1 holds token 27, outside 0..26")
	require.ErrorContains(t, s.SetHold([]int{1, -2, walk.Free}), "position 1 holds token -2")
}
