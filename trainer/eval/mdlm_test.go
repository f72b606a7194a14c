package eval

import (
	"math"
	"testing"

	"github.com/stretchr/testify/require"
)

// A predictor that ignores its input puts p = 1/K on every token, so each
// masked position costs ln K and the NELBO estimate is (#masked / s) ln K,
// whose mean is exactly L ln K for any law of s (E[#masked | s] = L s): BPC
// = log2 K. The estimate must find it within its own stated standard error.
func TestMDLMUniformPredictorScoresLog2K(t *testing.T) {
	const n, l = 16000, 16
	e, err := NewWithDenoiser(uniformNet{}, testK, l, mdlmProcess(), Options{Seeds: 2, Batch: 64})
	require.NoError(t, err)
	res, err := e.Run(randomSeqs(n, l, 12))
	require.NoError(t, err)
	want := math.Log2(testK)
	t.Logf("BPC %.4f +- %.4f (seeds: +- %.4f), want %.4f", res.BPC, res.StdErr, res.StdErrSeeds, want)
	require.Less(t, math.Abs(res.BPC-want), 4*res.StdErr)
	require.Less(t, res.StdErr, 0.03*want, "the check must be sharp")
	require.False(t, math.IsNaN(res.StdErrSeeds))
	require.Less(t, math.Abs(res.SeedBPC[0]-res.SeedBPC[1]), 8*res.StdErrSeeds)
	require.Equal(t, FamilyMDLM, res.Family)
	require.Equal(t, "mdlm-loglinear", res.Estimator)
	require.Equal(t, n, res.Sequences)
	require.Equal(t, 2, res.Seeds)
}

// The real zero-initialised network is such a predictor: each sequence's
// estimate times s / ln K counts its masked positions, an integer in [0, L].
// The counts' mean is L E[s] = L (1-1e-4)/2 on the trainer's time law.
func TestMDLMZeroModelCountsMaskedPositions(t *testing.T) {
	const n, l = 200, 8
	e, err := New(tinyParams(t, true), mdlmProcess(), l, Options{Batch: 16})
	require.NoError(t, err)
	var counts []float64
	e.OnRow = func(rep, seq int, s, nelbo float64) {
		require.True(t, s > 1e-4-1e-7 && s <= 1, "s = %v", s)
		c := nelbo * s / math.Log(testK)
		require.InDelta(t, math.Round(c), c, 1e-4, "sequence %d", seq)
		require.True(t, c > -0.5 && c < l+0.5)
		counts = append(counts, c)
	}
	_, err = e.Run(randomSeqs(n, l, 13))
	require.NoError(t, err)
	require.Len(t, counts, n)
	require.Less(t, math.Abs(meanOf(counts)-l*(1-1e-4)/2), 4*stdErr(counts))
}

// An oracle's cross-entropy vanishes, and with it the NELBO.
func TestMDLMOracleScoresNearZero(t *testing.T) {
	const n, l = 64, 8
	e, err := NewWithDenoiser(oracleNet{k: testK, l: l, margin: 40}, testK, l, mdlmProcess(), Options{})
	require.NoError(t, err)
	res, err := e.Run(patternSeqs(n, l))
	require.NoError(t, err)
	require.GreaterOrEqual(t, res.BPC, 0.0)
	require.Less(t, res.BPC, 1e-9)
}
