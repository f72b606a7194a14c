package gpu

import (
	"testing"

	"github.com/rdlm-go/rdlm/core/model"
	"github.com/rdlm-go/rdlm/core/process"
	"github.com/rdlm-go/rdlm/core/sampler"
	"github.com/rdlm-go/rdlm/core/schedule"
	"github.com/rdlm-go/rdlm/core/walk"
	"github.com/stretchr/testify/require"
)

// tinyWalk is a walk of the tiny model, half the positions held.
func tinyWalk(p *model.Params[float32], batch, steps int) (walk.Config, []int) {
	L, K := p.Cfg.Length, p.Cfg.Vocab
	cfg := walk.Config{Batch: batch, Length: L, Vocab: K, Steps: steps, Schedule: schedule.Default(),
		Mixture: process.Mixture{Kind: process.MixStep, StepThr: 0.3}}
	hold := make([]int, L)
	for l := range hold {
		hold[l] = walk.Free
		if l%3 == 0 {
			hold[l] = (5 * l) % K
		}
	}
	return cfg, hold
}

// stepRecord is what an observer saw at one step, copied.
type stepRecord struct {
	step  int
	t     float64
	first uint64
	n     int
	top   []int
	prob  []float32
}

func recordSteps(w walk.Walker, into *[]stepRecord) {
	w.SetObserver(func(info *walk.StepInfo) error {
		*into = append(*into, stepRecord{info.Step, info.T, info.First, info.N,
			append([]int(nil), info.Top...), append([]float32(nil), info.Prob...)})
		return nil
	})
}

// TestWalkMatchesCPUSampler walks the tiny model for a few steps on the
// device (forward, softmax and sphere update with Philox noise in WGSL) and
// with sampler.Sampler on the CPU network, same seed and sequence indices,
// half the positions held, both observed. The points must agree closely
// and the decoded tokens at >= 99% of positions: f32 rounding (device
// transcendentals, summation order) moves points by ~1e-5, which could
// flip a token whose two largest coordinates are that close. What the
// observers see agrees too: the step, its time, and each position's top
// token (held ones at probability 1). Both step rules: the exact one only
// changes each step's scalars (walk.Config.Rates), so a rule that reached
// the device with the wrong scalars, or not at all, fails here.
func TestWalkMatchesCPUSampler(t *testing.T) {
	var points [][]float32
	for _, rule := range []string{walk.RuleEuler, walk.RuleExact} {
		t.Run(rule, func(t *testing.T) { points = append(points, testWalkMatchesCPUSampler(t, rule)) })
	}
	require.Len(t, points, 2)
	require.Greater(t, relErr(points[1], points[0]), 1e-3, "the two rules walk to different points")
}

// testWalkMatchesCPUSampler checks one rule and returns the device's points.
func testWalkMatchesCPUSampler(t *testing.T, rule string) []float32 {
	d := testDriver(t)
	p := tinyParams(t)
	const B, S = 2, 6
	cfg, hold := tinyWalk(p, B, S)
	cfg.Rule = rule
	L := cfg.Length

	inf, err := model.NewInference(p, B, L)
	require.NoError(t, err)
	cpu, err := sampler.New(inf, cfg)
	require.NoError(t, err)
	require.NoError(t, cpu.SetHold(hold))
	var cpuSteps, devSteps []stepRecord
	recordSteps(cpu, &cpuSteps)
	want := make([]int, B*L)
	const seed, first = 42, 7
	require.NoError(t, cpu.Sample(want, seed, first, B))

	e, err := NewEngine(d, p, B, L)
	require.NoError(t, err)
	w, err := NewWalk(e, cfg)
	require.NoError(t, err)
	require.NoError(t, w.SetHold(hold))
	recordSteps(w, &devSteps)
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
		if k != walk.Free {
			require.Equal(t, k, got[l], "held position %d", l)
		}
	}

	require.Len(t, devSteps, S)
	sameTop := 0
	for i, dv := range devSteps {
		c := cpuSteps[i]
		require.Equal(t, c.step, dv.step)
		require.Equal(t, c.t, dv.t)
		require.Equal(t, c.first, dv.first)
		require.Equal(t, c.n, dv.n)
		for r := range dv.top {
			if dv.top[r] == c.top[r] {
				sameTop++
				require.InDelta(t, c.prob[r], dv.prob[r], 1e-4, "step %d row %d", i, r)
			}
			if k := hold[r%L]; k != walk.Free {
				require.Equal(t, k, dv.top[r])
				require.Equal(t, float32(1), dv.prob[r])
			}
		}
	}
	require.GreaterOrEqual(t, float64(sameTop), 0.99*float64(S*B*L))
	return append([]float32(nil), w.Points()...)
}

// readCountingDriver counts the bytes read back from the device.
type readCountingDriver struct {
	Driver
	reads, bytes int
}

func (c *readCountingDriver) Read(b Buf, offset uint64, dst []byte) error {
	c.reads++
	c.bytes += len(dst)
	return c.Driver.Read(b, offset, dst)
}

// The device walk reads back, per observed step, each position's top token
// and probability: 2·n·L words of the n observed sequences, never the
// B·L·K probabilities the CPU walk needs; unobserved, only the final points.
// A batch of n < B observes n sequences.
func TestObservedWalkReadsBackTwoWordsPerPosition(t *testing.T) {
	cd := &readCountingDriver{Driver: testDriver(t)}
	p := tinyParams(t)
	const B, S = 2, 3
	cfg, hold := tinyWalk(p, B, S)
	L, K, V := cfg.Length, cfg.Vocab, cfg.Vocab+1
	e, err := NewEngine(cd, p, B, L)
	require.NoError(t, err)
	w, err := NewWalk(e, cfg)
	require.NoError(t, err)
	require.NoError(t, w.SetHold(hold))
	dst := make([]int, B*L)

	cd.reads, cd.bytes = 0, 0
	require.NoError(t, w.Sample(dst, 1, 0, B))
	require.Equal(t, 1, cd.reads, "unobserved: the final points only")
	require.Equal(t, B*L*V*4, cd.bytes)

	var seen []stepRecord
	recordSteps(w, &seen)
	cd.reads, cd.bytes = 0, 0
	require.NoError(t, w.Sample(dst, 1, 0, B))
	perStep := (cd.bytes - B*L*V*4) / S
	t.Logf("observed: %d bytes read back per step (2·B·L·4 = %d; the logits would be B·L·K·4 = %d)", perStep, 2*B*L*4, B*L*K*4)
	require.Equal(t, S+1, cd.reads)
	require.LessOrEqual(t, perStep, 2*B*L*4)
	require.Len(t, seen, S)

	seen = nil
	cd.reads, cd.bytes = 0, 0
	require.NoError(t, w.Sample(dst[:L], 1, 5, 1))
	require.Equal(t, S*2*L*4+L*V*4, cd.bytes)
	for _, s := range seen {
		require.Equal(t, 1, s.n)
		require.Equal(t, uint64(5), s.first)
		require.Len(t, s.top, L)
	}
}
