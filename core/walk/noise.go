package walk

import "github.com/rdlm-go/rdlm/core/rng"

// BlocksPerStep is the Philox blocks one position spends per step of a walk
// over vocab tokens (see the package doc): W = 2*ceil(V/2) words, V = vocab+1,
// in ceil(W/4) blocks; step i starts at block i*BlocksPerStep.
func BlocksPerStep(vocab int) uint64 {
	V := vocab + 1
	return uint64((2*((V+1)/2) + 3) / 4)
}

// StepBlock is the first block of step i.
func StepBlock(i int, blocksPerStep uint64) uint64 { return uint64(i) * blocksPerStep }

// Noise is the stream of global sequence seq's position pos: key seed,
// counter (block, 0, pos, seq).
func Noise(seed, seq uint64, pos int) rng.Stream { return rng.NewStream(seed, seq<<32|uint64(pos)) }
