package eval

import (
	"fmt"
	"math"
	"testing"

	"github.com/stretchr/testify/require"
)

// A seed gives bit-identical figures whatever the batch size and however the
// per-position work is cut, for both families, on the real network with
// random weights (so that the probabilities are not trivial).
func TestSameSeedSameFiguresForAnyBatchAndWorkers(t *testing.T) {
	const n, l = 10, 8
	params := tinyParams(t, false)
	seqs := randomSeqs(n, l, 8)
	for _, family := range []string{FamilyRDLM, FamilyMDLM} {
		var first, firstPrecise Result
		for i, split := range []struct{ batch, workers int }{{1, 1}, {4, 3}, {10, 0}, {3, 7}} {
			res, err := Evaluate(params, processFor(family), seqs,
				Options{Seed: 42, Seeds: 2, BridgeSteps: 25, Batch: split.batch, Workers: split.workers})
			require.NoError(t, err)
			precise, err := Evaluate(params, processFor(family), seqs,
				Precise(Options{Seed: 42, Batch: split.batch, Workers: split.workers}))
			require.NoError(t, err)
			if i == 0 {
				first, firstPrecise = res, precise
				continue
			}
			// %v prints NaN error bars alike, where == would not match them.
			require.Equal(t, fmt.Sprint(first), fmt.Sprint(res), "%s batch %d workers %d", family, split.batch, split.workers)
			require.Equal(t, fmt.Sprint(firstPrecise), fmt.Sprint(precise), "precise, %s batch %d workers %d", family, split.batch, split.workers)
		}
		require.Equal(t, 16, firstPrecise.Times)
		require.False(t, math.IsNaN(firstPrecise.StdErrMC))
		require.Greater(t, first.BPC, 0.0)
		require.Len(t, first.SeedBPC, 2)
		require.NotEqual(t, first.SeedBPC[0], first.SeedBPC[1], "%s: the seeds must differ", family)

		// Another seed gives another estimate.
		other, err := Evaluate(params, processFor(family), seqs, Options{Seed: 43, Seeds: 2, BridgeSteps: 25})
		require.NoError(t, err)
		require.NotEqual(t, first.BPC, other.BPC)
	}
}

// A sequence's draws are named by its index in the split, so a subset
// (MaxSequences) scores each chosen sequence exactly as the full run does,
// and the subset is spread over the split.
func TestSubsetScoresSequencesAsTheFullRunDoes(t *testing.T) {
	const n, l = 10, 8
	params := tinyParams(t, false)
	seqs := randomSeqs(n, l, 9)
	record := func(max int) map[int]float64 {
		e, err := New(params, testProcess(), l, Options{Seed: 5, BridgeSteps: 25, MaxSequences: max, Batch: 4})
		require.NoError(t, err)
		got := map[int]float64{}
		e.OnRow = func(rep, seq int, tm, nelbo float64) { got[seq] = nelbo }
		res, err := e.Run(seqs)
		require.NoError(t, err)
		require.Equal(t, len(got), res.Sequences)
		return got
	}
	full, sub := record(0), record(3)
	require.Len(t, full, n)
	require.Equal(t, []int{0, 3, 6}, sortedKeys(sub))
	for seq, v := range sub {
		require.Equal(t, full[seq], v, "sequence %d", seq)
	}
}

func sortedKeys(m map[int]float64) []int {
	var keys []int
	for k := 0; len(keys) < len(m); k++ {
		if _, ok := m[k]; ok {
			keys = append(keys, k)
		}
	}
	return keys
}

// Evaluating a group allocates nothing, for either family, with the
// reference's estimator and the precise one.
func TestBatchAllocatesNothing(t *testing.T) {
	const l = 8
	params := tinyParams(t, false)
	seqs := randomSeqs(4, l, 10)
	for _, family := range []string{FamilyRDLM, FamilyMDLM} {
		for _, opt := range []Options{{Batch: 4, BridgeSteps: 10}, Precise(Options{Batch: 4})} {
			e, err := New(params, processFor(family), l, opt)
			require.NoError(t, err)
			for r := range e.rows {
				e.seqIdx[r] = r / e.n
				seqs.Fill(e.tokens[r*l:(r+1)*l], r/e.n)
			}
			require.NoError(t, e.evalRows(e.rows)) // warm the worker pool
			allocs := testing.AllocsPerRun(5, func() {
				if err := e.evalRows(e.rows); err != nil {
					panic(err)
				}
			})
			require.Zero(t, allocs, "%s %s", family, e.opt.Estimator())
		}
	}
}
