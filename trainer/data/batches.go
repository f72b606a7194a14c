package data

import (
	"fmt"

	"github.com/rdlm-go/rdlm/core/rng"
)

// shuffleStream tags the rng streams of the epoch permutations ("shuf" in the
// high word, the epoch in the low word), keeping them apart from the streams
// other consumers of the same seed draw from.
const shuffleStream = uint64(0x73687566) << 32

// Position is where a Batches stands: the next batch starts at entry Index of
// epoch Epoch's permutation. Seed and Sequences record what the position was
// taken of, so that resuming on other data or with another seed is refused
// instead of silently continuing somewhere else. It is saved in checkpoints
// (JSON) and restored with Seek.
type Position struct {
	Seed      uint64 `json:"seed"`
	Sequences int    `json:"sequences"`
	Epoch     uint32 `json:"epoch"`
	Index     int    `json:"index"`
}

// Batches serves training batches: each epoch visits every sequence once, in
// an order drawn from (seed, epoch), and a batch that runs past the end of an
// epoch continues into the next epoch's order, so no sequence is skipped.
type Batches struct {
	seqs  Sequences
	b     int
	seed  uint64
	epoch uint32
	index int     // next entry of perm
	perm  []int32 // this epoch's order, (N,)
	batch []int32 // (B, L), returned by Next and overwritten by the next call
}

// NewBatches starts at epoch 0, index 0. b is the batch size; a batch holds
// distinct sequences, so b may not exceed the number of sequences.
func NewBatches(seqs Sequences, b int, seed uint64) (*Batches, error) {
	if seqs.n == 0 {
		return nil, fmt.Errorf("no sequences to batch")
	}
	if b < 1 || b > seqs.n {
		return nil, fmt.Errorf("batch size %d: must be between 1 and the %d sequences of the split", b, seqs.n)
	}
	it := &Batches{
		seqs:  seqs,
		b:     b,
		seed:  seed,
		perm:  make([]int32, seqs.n),
		batch: make([]int32, b*seqs.l),
	}
	it.shuffle()
	return it, nil
}

// Next returns the next batch, (B, L) row-major. The slice is reused: it is
// valid until the next call.
func (it *Batches) Next() []int32 {
	l := it.seqs.l
	for row := 0; row < it.b; row++ {
		if it.index == len(it.perm) {
			it.epoch++
			it.index = 0
			it.shuffle()
		}
		it.seqs.Fill(it.batch[row*l:(row+1)*l], int(it.perm[it.index]))
		it.index++
	}
	return it.batch
}

// Position is where the next batch starts.
func (it *Batches) Position() Position {
	return Position{Seed: it.seed, Sequences: it.seqs.n, Epoch: it.epoch, Index: it.index}
}

// Seek makes the next batch the one that followed when p was taken.
func (it *Batches) Seek(p Position) error {
	if p.Seed != it.seed {
		return fmt.Errorf("resume position was taken with seed %d, this run's is %d", p.Seed, it.seed)
	}
	if p.Sequences != it.seqs.n {
		return fmt.Errorf("resume position was taken over %d sequences, this split has %d (different data or sequence length?)", p.Sequences, it.seqs.n)
	}
	if p.Index < 0 || p.Index > it.seqs.n {
		return fmt.Errorf("resume position index %d is outside 0..%d", p.Index, it.seqs.n)
	}
	it.epoch, it.index = p.Epoch, p.Index
	it.shuffle()
	return nil
}

// Epoch is the epoch the next batch starts in.
func (it *Batches) Epoch() uint32 { return it.epoch }

// shuffle fills perm with this epoch's permutation: a Fisher-Yates shuffle
// driven by the Philox stream (seed, shuffleStream|epoch), so that the order
// depends on nothing but the seed and the epoch, on every platform.
func (it *Batches) shuffle() {
	for i := range it.perm {
		it.perm[i] = int32(i)
	}
	s := rng.NewStream(it.seed, shuffleStream|uint64(it.epoch))
	for i := len(it.perm) - 1; i > 0; i-- {
		j := uniform(&s, uint32(i+1))
		it.perm[i], it.perm[j] = it.perm[j], it.perm[i]
	}
}

// uniform returns an unbiased integer in [0, n), n >= 1, by Lemire's
// multiply-and-reject method: a plain modulo would favour small values.
func uniform(s *rng.Stream, n uint32) uint32 {
	m := uint64(s.Uint32()) * uint64(n)
	if uint32(m) < n {
		threshold := -n % n // 2^32 mod n: low words below it are rejected
		for uint32(m) < threshold {
			m = uint64(s.Uint32()) * uint64(n)
		}
	}
	return uint32(m >> 32)
}
