package data

import (
	"testing"

	"github.com/stretchr/testify/require"
)

func TestSequentialCoversSplitInOrder(t *testing.T) {
	const n, l, b = 23, 5, 4
	seqs := testSequences(t, n, l, 2)
	it, err := NewSequential(seqs, b)
	require.NoError(t, err)
	for pass := 0; pass < 2; pass++ {
		var seen []int
		var sizes []int
		for {
			batch, rows := it.Next()
			if rows == 0 {
				break
			}
			require.Len(t, batch, rows*l)
			sizes = append(sizes, rows)
			seen = append(seen, rowsOf(batch, l)...)
		}
		require.Equal(t, []int{4, 4, 4, 4, 4, 3}, sizes, "the last batch holds the remainder")
		for i := range seen {
			require.Equal(t, i, seen[i])
		}
		require.Len(t, seen, n)
		it.Reset()
	}

	_, err = NewSequential(seqs, 0)
	require.ErrorContains(t, err, "batch size 0")
}

func TestSequentialAllocatesNothing(t *testing.T) {
	it, err := NewSequential(testSequences(t, 100, 8, 0), 3)
	require.NoError(t, err)
	allocs := testing.AllocsPerRun(50, func() {
		if _, rows := it.Next(); rows == 0 {
			it.Reset()
		}
	})
	require.Zero(t, allocs)
}
