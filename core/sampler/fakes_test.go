package sampler

import (
	"fmt"
	"math"
	"testing"

	"github.com/rdlm-go/rdlm/core/model"
	"github.com/rdlm-go/rdlm/core/process"
	"github.com/rdlm-go/rdlm/core/schedule"
	"github.com/rdlm-go/rdlm/core/walk"
	"github.com/stretchr/testify/require"
)

const testK = 27 // text8's K: V = 28, the reference geometry

// testConfig is a text8-sized walk with the published schedule.
func testConfig(t *testing.T, batch, length, steps int, stepThr float64) walk.Config {
	m, err := process.StepMixture(stepThr)
	require.NoError(t, err)
	return walk.Config{Batch: batch, Length: length, Vocab: testK, Steps: steps, Schedule: schedule.Default(), Mixture: m}
}

// fixedTarget puts (numerically) all mass on target[l] at every position of
// every sequence: exp(-200) underflows to zero in float32.
func fixedTarget(target []int) model.DenoiserFunc {
	return func(logits, x, t []float32) error {
		L := len(target)
		K := len(logits) / (len(t) * L)
		clear(logits)
		for r := 0; r < len(t)*L; r++ {
			logits[r*K+target[r%L]] = 200
		}
		return nil
	}
}

// zeroLogits is the untrained network: p uniform everywhere.
func zeroLogits(logits, x, t []float32) error {
	clear(logits)
	return nil
}

// coupled depends on the position's point, on the mean point of its
// sequence (like attention, it mixes positions) and on t, so that any mix-up
// of sequences in a batch, of positions or of times shows in the output.
func coupled(L int) model.DenoiserFunc {
	return func(logits, x, t []float32) error {
		K := len(x) / (len(t) * L)
		for s := range t {
			for k := 0; k < K; k++ {
				var mean float32
				for l := 0; l < L; l++ {
					mean += x[(s*L+l)*K+k]
				}
				mean /= float32(L)
				for l := 0; l < L; l++ {
					i := (s*L+l)*K + k
					logits[i] = 6*x[i] + 3*mean + t[s]*float32(k%5)
				}
			}
		}
		return nil
	}
}

// pointwise depends on each position's own point only.
func pointwise(logits, x, t []float32) error {
	for i, v := range x {
		logits[i] = 5 * v
	}
	return nil
}

func requireOnSphere(t *testing.T, x []float32, V int) {
	for r := 0; r < len(x)/V; r++ {
		var n float64
		for _, v := range x[r*V : (r+1)*V] {
			require.False(t, math.IsNaN(float64(v)), "row %d has NaN", r)
			n += float64(v) * float64(v)
		}
		require.InDelta(t, 1, math.Sqrt(n), 1e-5, "row %d off the sphere", r)
	}
}

func failing(logits, x, t []float32) error { return fmt.Errorf("device lost") }
