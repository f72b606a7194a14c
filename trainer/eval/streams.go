package eval

import (
	"github.com/rdlm-go/rdlm/core/process"
	"github.com/rdlm-go/rdlm/core/rng"
)

// Stream layout. A repetition's Philox key comes from repKey(seed, r); within
// it, stream (seq<<32 | pos) drives the draws of position pos of sequence seq
// (its bridge's noise, or its mask decision), and (seq<<32 | seqStreamPos)
// the sequence's own draws (its time). A sequence scored at several times
// uses, for its j-th time, the key rowKey(key, j); graded bridge paths,
// shared by a sequence's times, read pathStream. Sequences are named by their index in
// the split, so the same sequence gets the same randomness whichever subset,
// batch or worker evaluates it.
const seqStreamPos = 1<<32 - 1

// repKey derives repetition r's key from the base seed with the SplitMix64
// finaliser, so that seeds 0, 1, 2... and repetitions 0, 1, 2... never share
// a key by simple arithmetic coincidence.
func repKey(seed uint64, rep int) uint64 {
	return mix64(seed ^ mix64(uint64(rep)+0x9e3779b97f4a7c15))
}

func mix64(z uint64) uint64 {
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9
	z = (z ^ (z >> 27)) * 0x94d049bb133111eb
	return z ^ (z >> 31)
}

func positionStream(key uint64, seq, pos int) rng.Stream {
	return rng.NewStream(key, uint64(seq)<<32|uint64(pos))
}

// rowKey is the key of a sequence's j-th time: the repetition's own key for
// the first, so that one time per sequence draws exactly what it always has.
func rowKey(key uint64, j int) uint64 {
	if j == 0 {
		return key
	}
	return mix64(key ^ mix64(uint64(j)+0x632be59bd9b4e019))
}

// rowStream drives a row's own draws: its time, its start, its masks.
func rowStream(key uint64, seq, j int) rng.Stream {
	return rng.NewStream(rowKey(key, j), uint64(seq)<<32|seqStreamPos)
}

// pathStream drives a graded bridge path: one per (start, sequence, position).
func pathStream(key uint64, start process.Start, seq, pos int) rng.Stream {
	k := mix64(key ^ mix64(uint64(start)+0x8cb92ba72f3d8dd7))
	return rng.NewStream(k, uint64(seq)<<32|uint64(pos))
}
