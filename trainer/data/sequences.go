package data

import "fmt"

// Sequences is a split cut into non-overlapping sequences of L tokens:
// sequence i is tokens [i*L, (i+1)*L). The incomplete last chunk is dropped,
// as in the reference.
type Sequences struct {
	ids []uint8
	l   int
	n   int
}

// Sequences cuts the split into sequences of length l.
func (s Split) Sequences(l int) (Sequences, error) {
	if l < 1 {
		return Sequences{}, fmt.Errorf("sequence length %d: must be at least 1", l)
	}
	n := len(s.ids) / l
	if n == 0 {
		return Sequences{}, fmt.Errorf("the %s split has %d tokens, fewer than one sequence of %d", s.Name, len(s.ids), l)
	}
	return Sequences{ids: s.ids[: n*l : n*l], l: l, n: n}, nil
}

// Len is the number of sequences.
func (q Sequences) Len() int { return q.n }

// SeqLen is L, the tokens per sequence.
func (q Sequences) SeqLen() int { return q.l }

// Fill writes sequence i as int32 token ids into dst, which must hold L.
func (q Sequences) Fill(dst []int32, i int) {
	src := q.ids[i*q.l : (i+1)*q.l]
	dst = dst[:len(src)] // one bounds check instead of one per token
	for j, id := range src {
		dst[j] = int32(id)
	}
}
