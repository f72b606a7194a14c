package data

import "fmt"

// Sequential walks a split's sequences in order, for evaluation: every
// sequence exactly once, the last batch possibly smaller.
type Sequential struct {
	seqs  Sequences
	b     int
	next  int     // the next sequence
	batch []int32 // (B, L), reused
}

// NewSequential serves batches of up to b sequences.
func NewSequential(seqs Sequences, b int) (*Sequential, error) {
	if seqs.n == 0 {
		return nil, fmt.Errorf("no sequences to evaluate")
	}
	if b < 1 {
		return nil, fmt.Errorf("batch size %d: must be at least 1", b)
	}
	return &Sequential{seqs: seqs, b: b, batch: make([]int32, b*seqs.l)}, nil
}

// Next returns the next batch, (rows, L) row-major, and its number of rows;
// rows is 0 when the split is exhausted. The slice is reused.
func (it *Sequential) Next() (batch []int32, rows int) {
	rows = min(it.b, it.seqs.n-it.next)
	l := it.seqs.l
	for r := 0; r < rows; r++ {
		it.seqs.Fill(it.batch[r*l:(r+1)*l], it.next+r)
	}
	it.next += rows
	return it.batch[:rows*l], rows
}

// Reset starts again from the first sequence.
func (it *Sequential) Reset() { it.next = 0 }
