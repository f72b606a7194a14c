package sampler

import (
	"testing"

	"github.com/rdlm-go/rdlm/core/model"
	"github.com/stretchr/testify/require"
)

// The CPU network as the sampler's model.Denoiser: the whole walk, network
// included, allocates nothing per run once built.
func TestCPUNetworkWalkAllocatesNothing(t *testing.T) {
	mc, err := model.Preset("tiny")
	require.NoError(t, err)
	p := model.NewParams[float32](mc)
	p.Init(1, false)
	inf, err := model.NewInference(p, 2, 16)
	require.NoError(t, err)
	s, err := New(inf, testConfig(t, 2, 16, 8, 0.35))
	require.NoError(t, err)
	dst := make([]int, 32)
	allocs := testing.AllocsPerRun(3, func() { require.NoError(t, s.Sample(dst, 1, 0, 2)) })
	require.Equal(t, 0.0, allocs)
	requireOnSphere(t, s.Points()[:32*(testK+1)], testK+1)
}
