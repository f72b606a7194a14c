package sampler

import (
	"testing"

	"github.com/rdlm-go/rdlm/core/builtin"
	"github.com/rdlm-go/rdlm/core/model"
	"github.com/rdlm-go/rdlm/core/walk"
	"github.com/stretchr/testify/require"
)

// shakespeareWalk is the walk `rdlm bench --walk` times: the built-in model,
// batch 4, length 128, 64 steps.
func shakespeareWalk(tb testing.TB, batch, steps int) *Sampler {
	tb.Helper()
	c, err := builtin.Load("shakespeare")
	require.NoError(tb, err)
	sched, mix, err := c.Config.Process.Walk()
	require.NoError(tb, err)
	L := c.Config.Model.Length
	net, err := model.NewInference(c.Params, batch, L)
	require.NoError(tb, err)
	net.PackWeights()
	s, err := New(net, walk.Config{Batch: batch, Length: L, Vocab: c.Config.Model.Vocab, Steps: steps, Schedule: sched, Mixture: mix})
	require.NoError(tb, err)
	return s
}

// go test -run XXX -bench ShakespeareWalk -cpu 1 ./core/sampler/
func BenchmarkShakespeareWalk(b *testing.B) {
	s := shakespeareWalk(b, 4, 64)
	dst := make([]int, 4*s.cfg.Length)
	require.NoError(b, s.Sample(dst, 1, 0, 4))
	b.ResetTimer()
	for range b.N {
		if err := s.Sample(dst, 1, 0, 4); err != nil {
			b.Fatal(err)
		}
	}
}

// The built-in model's walk at the benchmark's size allocates nothing per
// walk once the Sampler is built: no page of a step's buffers is first
// touched inside the loop.
func TestShakespeareWalkAllocatesNothing(t *testing.T) {
	s := shakespeareWalk(t, 4, 2)
	dst := make([]int, 4*s.cfg.Length)
	require.Zero(t, testing.AllocsPerRun(2, func() { require.NoError(t, s.Sample(dst, 1, 0, 4)) }))
}
