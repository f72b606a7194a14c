package gpu

import (
	"testing"

	"github.com/rdlm-go/rdlm/core/model"
	"github.com/rdlm-go/rdlm/core/process"
	"github.com/rdlm-go/rdlm/core/sampler"
	"github.com/rdlm-go/rdlm/core/schedule"
	"github.com/stretchr/testify/require"
)

// TestWalkMatchesCPUSampler walks the tiny model for a few steps on the
// device (forward, softmax and sphere update with Philox noise in WGSL) and
// with sampler.Sampler on the CPU network, same seed and sequence indices,
// half the positions held by a template. The points must agree closely and
// the decoded tokens at >= 99% of positions: f32 rounding (device
// transcendentals, summation order) moves points by ~1e-5, which could
// flip a token whose two largest coordinates are that close.
func TestWalkMatchesCPUSampler(t *testing.T) {
	d := testDriver(t)
	p := tinyParams(t)
	B, L, K, S := 2, p.Cfg.Length, p.Cfg.Vocab, 6
	cfg := sampler.Config{Batch: B, Length: L, Vocab: K, Steps: S, Schedule: schedule.Default(),
		Mixture: process.Mixture{Kind: process.MixStep, StepThr: 0.3}}
	hold := make([]int, L)
	for l := range hold {
		hold[l] = sampler.Free
		if l%3 == 0 {
			hold[l] = (5 * l) % K
		}
	}

	inf, err := model.NewInference(p, B, L)
	require.NoError(t, err)
	cpu, err := sampler.New(inf, cfg)
	require.NoError(t, err)
	require.NoError(t, cpu.SetHold(hold))
	want := make([]int, B*L)
	const seed, first = 42, 7
	require.NoError(t, cpu.Sample(want, seed, first, B))

	e, err := NewEngine(d, p, B, L)
	require.NoError(t, err)
	w, err := NewWalk(e, cfg)
	require.NoError(t, err)
	require.NoError(t, w.SetHold(hold))
	got := make([]int, B*L)
	for i := range got {
		got[i] = -2 // poison
	}
	require.NoError(t, w.Sample(got, seed, first, B))

	rel := relErr(w.Points()[:len(cpu.Points())], cpu.Points())
	same := 0
	for i := range got {
		if got[i] == want[i] {
			same++
		}
	}
	t.Logf("walk of %d steps: points max error %.2e, tokens %d/%d equal", S, rel, same, len(got))
	require.Less(t, rel, 1e-3)
	require.GreaterOrEqual(t, float64(same), 0.99*float64(len(got)))
	for l, k := range hold {
		if k != sampler.Free {
			require.Equal(t, k, got[l], "held position %d", l)
		}
	}
}
