package eval

import "github.com/rdlm-go/rdlm/core/rng"

// Stream layout. A repetition's Philox key comes from repKey(seed, r); within
// it, stream (seq<<32 | pos) drives the draws of position pos of sequence seq
// (its bridge's noise, or its mask decision), and (seq<<32 | seqStreamPos)
// the sequence's own draws (its time). Sequences are named by their index in
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

func sequenceStream(key uint64, seq int) rng.Stream {
	return rng.NewStream(key, uint64(seq)<<32|seqStreamPos)
}
