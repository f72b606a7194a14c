// Package rng is the project's one random number generator: Philox4x32-10
// (Salmon et al., "Parallel random numbers: as easy as 1, 2, 3", SC'11).
//
// It is counter-based: (key, counter) -> four 32-bit words, with no state
// carried between calls. Every consumer derives its counter from what it is
// computing (a particle, a sequence position, a sampling step), never from the
// order in which goroutines happen to run, so a seed gives the same numbers on
// every platform, with any number of workers, and in the WGSL kernels, which
// implement the same rounds with 32-bit integer operations only.
package rng

import (
	"math"
	"math/bits"
)

// Philox constants: the multipliers and the Weyl key increments. The WGSL
// walk (shaders/sphere.wgsl) gets them from here.
const (
	PhiloxMulA   = 0xD2511F53
	PhiloxMulB   = 0xCD9E8D57
	PhiloxWeylA  = 0x9E3779B9
	PhiloxWeylB  = 0xBB67AE85
	PhiloxRounds = 10
)

// Philox returns the four words of block (key, ctr). It is the whole generator;
// everything else in this package only shapes its output.
func Philox(key [2]uint32, ctr [4]uint32) [4]uint32 {
	k0, k1 := key[0], key[1]
	c0, c1, c2, c3 := ctr[0], ctr[1], ctr[2], ctr[3]
	for r := 0; r < PhiloxRounds; r++ {
		hiA, loA := bits.Mul32(PhiloxMulA, c0)
		hiB, loB := bits.Mul32(PhiloxMulB, c2)
		c0, c1, c2, c3 = hiB^c1^k0, loB, hiA^c3^k1, loA
		k0 += PhiloxWeylA
		k1 += PhiloxWeylB
	}
	return [4]uint32{c0, c1, c2, c3}
}

// Key splits a 64-bit seed into a Philox key.
func Key(seed uint64) [2]uint32 { return [2]uint32{uint32(seed), uint32(seed >> 32)} }

// Block returns the words for (seed, stream, index): stream names what is being
// drawn (for example a sequence position), index counts blocks within it.
func Block(seed, stream, index uint64) [4]uint32 {
	return Philox(Key(seed), [4]uint32{uint32(index), uint32(index >> 32), uint32(stream), uint32(stream >> 32)})
}

// Unit maps a word to the open interval (0, 1): (w + 0.5) / 2^32. Open at both
// ends so that log(u) in Box-Muller is always finite.
func Unit(w uint32) float64 { return (float64(w) + 0.5) * (1.0 / 4294967296.0) }

// BoxMuller turns two words into two independent standard normal variates.
// The smallest uniform is 2^-33, so |z| never exceeds about 6.8.
func BoxMuller(w0, w1 uint32) (float64, float64) {
	r := math.Sqrt(-2 * math.Log(Unit(w0)))
	s, c := math.Sincos(2 * math.Pi * Unit(w1))
	return r * c, r * s
}

// Stream reads one (seed, stream) sequence block by block. It is a cursor, not a
// shared generator: give each independent piece of work its own Stream.
// The zero value is not useful; use NewStream.
type Stream struct {
	key    [2]uint32
	stream uint64
	index  uint64 // next block to generate
	buf    [4]uint32
	used   int // words of buf already handed out
}

// NewStream starts reading (seed, stream) at block 0.
func NewStream(seed, stream uint64) Stream {
	return Stream{key: Key(seed), stream: stream, used: 4}
}

// Seek moves the cursor to block index, so that work can resume mid-stream.
func (s *Stream) Seek(index uint64) { s.index, s.used = index, 4 }

// Uint32 returns the next word.
func (s *Stream) Uint32() uint32 {
	if s.used == 4 {
		s.buf = Philox(s.key, [4]uint32{uint32(s.index), uint32(s.index >> 32), uint32(s.stream), uint32(s.stream >> 32)})
		s.index++
		s.used = 0
	}
	w := s.buf[s.used]
	s.used++
	return w
}

// Float64 returns a uniform number in (0, 1).
func (s *Stream) Float64() float64 { return Unit(s.Uint32()) }

// Normals fills dst with standard normal variates, two per pair of words.
func (s *Stream) Normals(dst []float64) {
	for i := 0; i+1 < len(dst); i += 2 {
		dst[i], dst[i+1] = BoxMuller(s.Uint32(), s.Uint32())
	}
	if len(dst)%2 == 1 {
		dst[len(dst)-1], _ = BoxMuller(s.Uint32(), s.Uint32())
	}
}

// Normal returns one standard normal variate (it spends two words).
func (s *Stream) Normal() float64 {
	z, _ := BoxMuller(s.Uint32(), s.Uint32())
	return z
}
