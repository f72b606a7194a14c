package process

import (
	"math"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/rdlm-go/rdlm/core/sphere"
	"github.com/rdlm-go/rdlm/internal/testutil"
)

func softmaxProbs(k int, id uint64) []float64 {
	p := testutil.Normals(31, id, k)
	var z float64
	for i := range p {
		p[i] = math.Exp(2 * p[i])
		z += p[i]
	}
	for i := range p {
		p[i] /= z
	}
	return p
}

func TestDriftsAreTangent(t *testing.T) {
	const v = 28
	b := make([]float64, v)
	one := make([]float64, v)
	for trial := uint64(0); trial < 100; trial++ {
		x := randomPoint(v, trial)
		gamma := 0.1 + float64(trial)
		k := int(trial % (v - 1))

		require.NoError(t, BridgeDrift(b, x, k, gamma))
		require.Less(t, math.Abs(sphere.Dot(b, x)), 1e-12*gamma)
		sphere.LogVertex(one, x, k)
		for i := range b {
			require.InDelta(t, gamma*one[i], b[i], 1e-12*gamma)
		}

		p := softmaxProbs(v-1, trial)
		require.NoError(t, GenerativeDrift(b, x, p, gamma))
		require.Less(t, math.Abs(sphere.Dot(b, x)), 1e-12*gamma)
		// It is the p-average of the bridge drifts.
		want := make([]float64, v)
		for j, pj := range p {
			require.NoError(t, BridgeDrift(one, x, j, gamma))
			for i := range want {
				want[i] += pj * one[i]
			}
		}
		for i := range b {
			require.InDelta(t, want[i], b[i], 1e-12*gamma)
		}

		b32 := make([]float32, v)
		x32 := testutil.ToF32(x)
		require.NoError(t, GenerativeDrift(b32, x32, testutil.ToF32(p), gamma))
		require.Less(t, math.Abs(sphere.Dot(b32, x32)), 1e-6*gamma)
		for i := range b {
			require.InDelta(t, b[i], float64(b32[i]), 1e-6*gamma)
		}
	}
	// A one-hot p gives the bridge drift.
	x := randomPoint(v, 999)
	p := make([]float64, v) // length V is accepted with p[V-1] = 0
	p[4] = 1
	require.NoError(t, GenerativeDrift(b, x, p, 2))
	require.NoError(t, BridgeDrift(one, x, 4, 2))
	for i := range b {
		require.InDelta(t, one[i], b[i], 1e-13)
	}
	require.ErrorContains(t, GenerativeDrift(b, x, p[:5], 2), "5 probabilities")
	require.ErrorContains(t, BridgeDrift(b, x, v-1, 2), "token 27")
}

// DriftLoss against the same quantity built from BridgeDrift; zero at the
// exact bridge drift.
func TestDriftLoss(t *testing.T) {
	const v = 28
	target := make([]float64, v)
	for trial := uint64(0); trial < 50; trial++ {
		x := randomPoint(v, trial)
		b := randomPoint(v, trial+100)
		k := int(trial % (v - 1))
		gamma, beta := 0.3+float64(trial)/10, 0.01+float64(trial)/100
		require.NoError(t, BridgeDrift(target, x, k, gamma))
		var want float64
		for i := range b {
			d := b[i] - target[i]
			want += d * d
		}
		want /= 2 * beta
		got, err := DriftLoss(b, x, k, gamma, beta)
		require.NoError(t, err)
		require.InDelta(t, want, got, 1e-12*want)

		zero, err := DriftLoss(target, x, k, gamma, beta)
		require.NoError(t, err)
		require.Less(t, zero, 1e-25)

		got32, err := DriftLoss(testutil.ToF32(b), testutil.ToF32(x), k, gamma, beta)
		require.NoError(t, err)
		require.InDelta(t, want, got32, 1e-5*want)
	}
	x := randomPoint(v, 1)
	_, err := DriftLoss(x, x, 27, 1, 1)
	require.ErrorContains(t, err, "token 27")
	_, err = DriftLoss(x, x, 0, 1, 0)
	require.ErrorContains(t, err, "beta")
	_, err = DriftLoss(x[:3], x, 0, 1, 1)
	require.ErrorContains(t, err, "coordinates")
}
