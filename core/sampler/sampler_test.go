package sampler

import (
	"errors"
	"math"
	"testing"

	"github.com/rdlm-go/rdlm/core/model"
	"github.com/rdlm-go/rdlm/core/process"
	"github.com/rdlm-go/rdlm/core/rng"
	"github.com/rdlm-go/rdlm/core/sphere"
	"github.com/rdlm-go/rdlm/core/walk"
	"github.com/stretchr/testify/require"
)

// gamma_t ~ 1/(1-t) makes the last step land on the vertex the network
// believes in, from either start point. What is left is that step's own
// noise, sqrt(beta dt) per coordinate (about 0.28 rad over 27 tangent
// directions at S = 64), far from the 1.3 rad to the next vertex.
func TestOneHotDenoiserEndsOnItsSequence(t *testing.T) {
	target := []int{19, 14, 26, 1, 4, 26, 14, 17, 26, 13, 14, 19, 0, 25, 25, 2}
	for _, thr := range []float64{0.35, 0} {
		cfg := testConfig(t, 3, len(target), 64, thr)
		s, err := New(fixedTarget(target), cfg)
		require.NoError(t, err)
		dst := make([]int, 3*len(target))
		require.NoError(t, s.Sample(dst, 7, 0, 3))
		V := testK + 1
		for r, k := range dst {
			require.Equal(t, target[r%len(target)], k, "step_thr %g position %d", thr, r)
			require.Greater(t, s.Points()[r*V+k], float32(0.9), "step_thr %g: position %d not at its vertex", thr, r)
		}
	}
}

func TestStartPointFollowsStepThr(t *testing.T) {
	for _, c := range []struct {
		thr   float64
		start process.Start
		first float32 // what the network sees at step 0 in each coordinate
	}{{0.35, process.StartUniform, float32(1 / math.Sqrt(testK+1))}, {0, process.StartMasked, 0}} {
		var seen []float32
		d := model.DenoiserFunc(func(logits, x, tt []float32) error {
			if seen == nil {
				seen = append([]float32(nil), x...)
				require.Equal(t, float32(0), tt[0])
			}
			clear(logits)
			return nil
		})
		s, err := New(d, testConfig(t, 1, 4, 3, c.thr))
		require.NoError(t, err)
		require.Equal(t, c.start, s.Start())
		require.NoError(t, s.Sample(make([]int, 4), 1, 0, 1))
		for _, v := range seen {
			require.InDelta(t, c.first, v, 1e-7)
		}
	}
}

func TestUniformBeliefStaysOnSphere(t *testing.T) {
	cfg := testConfig(t, 3, 32, 40, 0.35)
	s, err := New(model.DenoiserFunc(zeroLogits), cfg)
	require.NoError(t, err)
	dst := make([]int, 3*32)
	require.NoError(t, s.Sample(dst, 3, 0, 3))
	requireOnSphere(t, s.Points()[:3*32*(testK+1)], testK+1)
	seen := map[int]bool{}
	for _, k := range dst {
		require.True(t, k >= 0 && k < testK, "token %d", k)
		seen[k] = true
	}
	// The noise, not the (symmetric) drift, picks the tokens: a walk that
	// ignored its noise would give one token everywhere.
	require.Greater(t, len(seen), 5)
}

// The noise of a (sequence, position, step) is the documented Philox block
// range; this recomputes two steps from the package doc alone.
func TestNoiseLayoutMatchesDoc(t *testing.T) {
	const seed, L, S = 0x1234_5678_9abc, 3, 2
	V := testK + 1
	cfg := testConfig(t, 2, L, S, 0) // from e_m
	s, err := New(model.DenoiserFunc(zeroLogits), cfg)
	require.NoError(t, err)
	require.NoError(t, s.Sample(make([]int, 2*L), seed, 5, 2))

	dt := (1 - process.SamplingEps) / S
	p := make([]float64, testK)
	for k := range p {
		p[k] = 1.0 / testK
	}
	for seq := uint64(0); seq < 2; seq++ {
		for l := uint64(0); l < L; l++ {
			x := make([]float64, V)
			sphere.Vertex(x, V-1)
			for i := uint32(0); i < S; i++ {
				ti := (1 - process.SamplingEps) * float64(i) / S
				sd := math.Sqrt(cfg.Schedule.Beta(ti) * dt)
				drift := make([]float64, V)
				require.NoError(t, process.GenerativeDrift(drift, x, p, cfg.Schedule.Gamma(ti)))
				var words []uint32
				for j := uint32(0); j < 7; j++ { // W = 28 words in B = 7 blocks
					b := rng.Philox(rng.Key(seed), [4]uint32{i*7 + j, 0, uint32(l), uint32(5 + seq)})
					words = append(words, b[:]...)
				}
				v := make([]float64, V)
				for m := 0; m < V/2; m++ {
					r := math.Sqrt(-2 * math.Log((float64(words[2*m])+0.5)/4294967296))
					a := 2 * math.Pi * (float64(words[2*m+1]) + 0.5) / 4294967296
					v[2*m] = sd*r*math.Cos(a) + dt*drift[2*m]
					v[2*m+1] = sd*r*math.Sin(a) + dt*drift[2*m+1]
				}
				sphere.Exp(x, x, v)
			}
			got := s.Points()[(seq*L+l)*uint64(V) : (seq*L+l+1)*uint64(V)]
			for i := range x {
				require.InDelta(t, x[i], got[i], 1e-5, "sequence %d position %d coordinate %d", seq, l, i)
			}
		}
	}
}

// A seed gives the same sequences whether they are generated together or
// one by one: the noise belongs to (sequence, position, step).
func TestBatchSplitDoesNotChangeSamples(t *testing.T) {
	const L, S, seed = 12, 24, 99
	V := testK + 1
	together, err := New(coupled(L), testConfig(t, 4, L, S, 0.35))
	require.NoError(t, err)
	all := make([]int, 4*L)
	require.NoError(t, together.Sample(all, seed, 0, 4))
	allPoints := append([]float32(nil), together.Points()...)

	single, err := New(coupled(L), testConfig(t, 1, L, S, 0.35))
	require.NoError(t, err)
	for n := 0; n < 4; n++ {
		one := make([]int, L)
		require.NoError(t, single.Sample(one, seed, uint64(n), 1))
		require.Equal(t, all[n*L:(n+1)*L], one, "sequence %d", n)
		require.Equal(t, allPoints[n*L*V:(n+1)*L*V], single.Points(), "sequence %d points", n)
	}

	// Sequences 2 and 3 alone, in slots 0 and 1.
	pair := make([]int, 2*L)
	require.NoError(t, together.Sample(pair, seed, 2, 2))
	require.Equal(t, all[2*L:], pair)

	// And the seed matters.
	other := make([]int, 4*L)
	require.NoError(t, together.Sample(other, seed+1, 0, 4))
	require.NotEqual(t, all, other)
	// As does the sequence index: sequences 0 and 1 differ.
	require.NotEqual(t, all[:L], all[L:2*L])
}

func TestErrors(t *testing.T) {
	good := testConfig(t, 2, 4, 3, 0.35)
	_, err := New(nil, good)
	require.ErrorContains(t, err, "nil denoiser")
	for _, c := range []struct {
		edit func(*walk.Config)
		msg  string
	}{
		{func(c *walk.Config) { c.Steps = 0 }, "0 steps"},
		{func(c *walk.Config) { c.Batch = 0 }, "batch 0"},
		{func(c *walk.Config) { c.Length = -1 }, "length -1"},
		{func(c *walk.Config) { c.Vocab = 0 }, "vocabulary of 0"},
		{func(c *walk.Config) { c.Schedule = nil }, "no schedule"},
		{func(c *walk.Config) { c.Mixture.StepThr = 2 }, "step threshold"},
	} {
		cfg := good
		c.edit(&cfg)
		_, err := New(model.DenoiserFunc(zeroLogits), cfg)
		require.ErrorContains(t, err, c.msg)
	}

	s, err := New(model.DenoiserFunc(zeroLogits), good)
	require.NoError(t, err)
	require.ErrorContains(t, s.Sample(make([]int, 12), 0, 0, 3), "3 sequences, want 1..2")
	require.ErrorContains(t, s.Sample(make([]int, 5), 0, 0, 1), "token buffer of 5")
	require.ErrorContains(t, s.Sample(make([]int, 8), 0, 1<<32-1, 2), "32-bit sequence")

	s, err = New(model.DenoiserFunc(failing), good)
	require.NoError(t, err)
	require.ErrorContains(t, s.Sample(make([]int, 4), 0, 0, 1), "step 0 (t = 0): device lost")

	nan := model.DenoiserFunc(func(logits, x, tt []float32) error {
		clear(logits)
		logits[len(logits)-1] = float32(math.NaN())
		return nil
	})
	s, err = New(nan, good)
	require.NoError(t, err)
	require.ErrorContains(t, s.Sample(make([]int, 8), 0, 4, 2), "sequence 5 position 3: denoiser gave logit NaN for token 26")
}

// The whole walk, every step included, allocates nothing once built.
func TestSamplingAllocatesNothing(t *testing.T) {
	const L = 8
	s, err := New(coupled(L), testConfig(t, 2, L, 16, 0.35))
	require.NoError(t, err)
	hold, err := walk.Prompt([]int{3, 4}, L)
	require.NoError(t, err)
	require.NoError(t, s.SetHold(hold))
	calls := 0
	s.SetObserver(func(info *walk.StepInfo) error { calls++; return nil })
	dst := make([]int, 2*L)
	allocs := testing.AllocsPerRun(5, func() {
		require.NoError(t, s.Sample(dst, 1, 0, 2))
	})
	require.Equal(t, 0.0, allocs)
	require.Equal(t, 16*6, calls) // AllocsPerRun runs once more to warm up
}

// An observer's error stops the walk at that step: Sample returns it.
func TestObserverErrorStopsTheWalk(t *testing.T) {
	s, err := New(model.DenoiserFunc(zeroLogits), testConfig(t, 1, 4, 10, 0.35))
	require.NoError(t, err)
	stop := errors.New("abandoned")
	steps := 0
	s.SetObserver(func(info *walk.StepInfo) error {
		steps++
		if info.Step == 2 {
			return stop
		}
		return nil
	})
	require.ErrorIs(t, s.Sample(make([]int, 4), 1, 0, 1), stop)
	require.Equal(t, 3, steps)
}
