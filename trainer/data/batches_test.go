package data

import (
	"encoding/json"
	"slices"
	"testing"

	"github.com/rdlm-go/rdlm/core/rng"
	"github.com/stretchr/testify/require"
)

// testSequences makes n sequences of length l whose first token is the
// sequence's own index, so a batch row says which sequence it holds.
func testSequences(t *testing.T, n, l, extra int) Sequences {
	t.Helper()
	ids := make([]uint8, n*l+extra)
	for i := range ids {
		ids[i] = uint8(i / l % 256)
	}
	q, err := Split{Name: "train", ids: ids}.Sequences(l)
	require.NoError(t, err)
	return q
}

func TestSequencesDropIncompleteLastChunk(t *testing.T) {
	ids := []uint8{0, 1, 2, 3, 4, 5, 6, 7, 8, 9}
	q, err := Split{Name: "valid", ids: ids}.Sequences(3)
	require.NoError(t, err)
	require.Equal(t, 3, q.Len(), "10 tokens make three sequences of 3; the 10th is dropped")
	require.Equal(t, 3, q.SeqLen())
	dst := make([]int32, 3)
	q.Fill(dst, 2)
	require.Equal(t, []int32{6, 7, 8}, dst)

	_, err = Split{Name: "valid", ids: ids}.Sequences(11)
	require.ErrorContains(t, err, "the valid split has 10 tokens, fewer than one sequence of 11")
	_, err = Split{Name: "valid", ids: ids}.Sequences(0)
	require.ErrorContains(t, err, "sequence length 0")
}

// rowsOf returns the sequence index held by each row of a batch.
func rowsOf(batch []int32, l int) []int {
	out := make([]int, len(batch)/l)
	for r := range out {
		out[r] = int(batch[r*l])
	}
	return out
}

// Every epoch visits every sequence exactly once, also when batches straddle
// epoch boundaries, and rows hold whole, intact sequences.
func TestBatchesVisitEachSequenceOncePerEpoch(t *testing.T) {
	const n, l, b = 50, 4, 7
	it, err := NewBatches(testSequences(t, n, l, 3), b, 42)
	require.NoError(t, err)
	var order []int
	for range (3*n + b - 1) / b { // enough rows to cover three epochs
		batch := it.Next()
		require.Len(t, batch, b*l)
		for r := 0; r < b; r++ {
			for j := 1; j < l; j++ {
				require.Equal(t, batch[r*l], batch[r*l+j], "row %d is not one whole sequence", r)
			}
		}
		order = append(order, rowsOf(batch, l)...)
	}
	var epochs [][]int
	for e := 0; e < 3; e++ {
		ep := slices.Clone(order[e*n : (e+1)*n])
		epochs = append(epochs, slices.Clone(ep))
		slices.Sort(ep)
		for i := range ep {
			require.Equal(t, i, ep[i], "epoch %d is not a permutation", e)
		}
	}
	require.NotEqual(t, epochs[0], epochs[1], "each epoch needs its own order")
	require.NotEqual(t, epochs[1], epochs[2])
	identity := make([]int, n)
	for i := range identity {
		identity[i] = i
	}
	require.NotEqual(t, identity, epochs[0], "the order must be shuffled")
}

func TestBatchesDependOnSeedOnly(t *testing.T) {
	seqs := testSequences(t, 40, 2, 0)
	draw := func(seed uint64) []int {
		it, err := NewBatches(seqs, 8, seed)
		require.NoError(t, err)
		var out []int
		for range 10 {
			out = append(out, rowsOf(it.Next(), 2)...)
		}
		return out
	}
	require.Equal(t, draw(1), draw(1))
	require.NotEqual(t, draw(1), draw(2))
}

// Resuming from a saved position gives exactly the batches the uninterrupted
// run gave, at any point, including mid-epoch and at an epoch's end.
func TestBatchesResumeExactly(t *testing.T) {
	const n, l, b = 30, 3, 4
	seqs := testSequences(t, n, l, 0)
	full, err := NewBatches(seqs, b, 9)
	require.NoError(t, err)
	var want [][]int32
	var positions []Position
	for range 40 {
		positions = append(positions, full.Position())
		want = append(want, slices.Clone(full.Next()))
	}
	require.Equal(t, uint32(5), full.Epoch(), "40 batches of 4 over 30 sequences end in epoch 5")

	for _, stop := range []int{0, 1, 7, 8, 15, 39} {
		saved, err := json.Marshal(positions[stop])
		require.NoError(t, err)
		var p Position
		require.NoError(t, json.Unmarshal(saved, &p))
		resumed, err := NewBatches(seqs, b, 9)
		require.NoError(t, err)
		require.NoError(t, resumed.Seek(p))
		for k := stop; k < len(want); k++ {
			require.Equal(t, want[k], resumed.Next(), "batch %d after resuming at %d", k, stop)
		}
	}
	// A position at the very end of an epoch rolls over on the next batch.
	it, err := NewBatches(seqs, b, 9)
	require.NoError(t, err)
	require.NoError(t, it.Seek(Position{Seed: 9, Sequences: n, Epoch: 2, Index: n}))
	first := it.Next()
	require.NoError(t, it.Seek(Position{Seed: 9, Sequences: n, Epoch: 3, Index: 0}))
	require.Equal(t, slices.Clone(first), it.Next())
}

func TestBatchesRefuseMismatchedResume(t *testing.T) {
	it, err := NewBatches(testSequences(t, 30, 3, 0), 4, 9)
	require.NoError(t, err)
	require.ErrorContains(t, it.Seek(Position{Seed: 8, Sequences: 30}), "seed 8")
	require.ErrorContains(t, it.Seek(Position{Seed: 9, Sequences: 31}), "over 31 sequences, this split has 30")
	require.ErrorContains(t, it.Seek(Position{Seed: 9, Sequences: 30, Index: 31}), "index 31")
	require.ErrorContains(t, it.Seek(Position{Seed: 9, Sequences: 30, Index: -1}), "index -1")

	_, err = NewBatches(testSequences(t, 30, 3, 0), 31, 9)
	require.ErrorContains(t, err, "batch size 31")
	_, err = NewBatches(testSequences(t, 30, 3, 0), 0, 9)
	require.ErrorContains(t, err, "batch size 0")
}

func TestBatchesAllocateNothingPerBatch(t *testing.T) {
	it, err := NewBatches(testSequences(t, 20, 16, 0), 6, 1)
	require.NoError(t, err)
	// 60 batches of 6 over 20 sequences cross many epoch boundaries.
	allocs := testing.AllocsPerRun(60, func() { it.Next() })
	require.Zero(t, allocs)
}

// uniform must be unbiased: with n = 3, a plain modulo of 32-bit words would
// be too, to within 2^-32, so test a bound where the bias of a modulo is
// large instead: n = 3<<30 makes words mod n favour [0, 2^30) twice as often.
func TestUniformIsUnbiased(t *testing.T) {
	s := rng.NewStream(5, 0)
	const n = 3 << 30
	const draws = 300_000
	var low int
	for range draws {
		v := uniform(&s, n)
		require.Less(t, v, uint32(n))
		if v < 1<<30 {
			low++
		}
	}
	// Unbiased: a third fall in [0, 2^30); a modulo would put half there.
	// The standard deviation is about 258, so 2,000 is eight of them.
	require.InDelta(t, draws/3, low, 2000)

	for _, m := range []uint32{1, 2, 7} {
		counts := make([]int, m)
		for range 70_000 {
			counts[uniform(&s, m)]++
		}
		for v, c := range counts {
			require.InDelta(t, 70_000/int(m), c, 1500, "value %d of %d", v, m)
		}
	}
}
