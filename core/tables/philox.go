package tables

import "github.com/rdlm-go/rdlm/core/rng"

// philoxStreams writes the Philox blocks (seed, stream0+p, index) for
// p = 0..n-1, word-major: dst[q*stride+p] is word q of stream0+p. It is the
// same function as rng.Block, batched across streams so that amd64 can
// compute eight blocks at once in AVX2 registers (philox_amd64.s): the
// table simulation needs one block per particle per step, 1.6e8 in all, and
// the scalar generator would be the largest cost of the whole build.
func philoxStreams(dst []uint32, stride int, seed, index, stream0 uint64, n int) {
	if n <= 0 {
		return
	}
	_ = dst[3*stride+n-1] // the assembly does not check bounds
	done := 0
	// The vector kernel keeps the high word of the stream fixed, so the batch
	// must not carry across a multiple of 2^32 streams.
	if uint64(uint32(stream0))+uint64(n) <= 1<<32 {
		done = philoxStreamsArch(dst, stride, seed, index, stream0, n)
	}
	key := rng.Key(seed)
	for p := done; p < n; p++ {
		s := stream0 + uint64(p)
		b := rng.Philox(key, [4]uint32{uint32(index), uint32(index >> 32), uint32(s), uint32(s >> 32)})
		dst[p], dst[stride+p], dst[2*stride+p], dst[3*stride+p] = b[0], b[1], b[2], b[3]
	}
}
