package tables

import "golang.org/x/sys/cpu"

var hasAVX2 = cpu.X86.HasAVX2

// philox8AVX2 computes blocks for streams (streamHi<<32 | streamLo+p),
// p = 0..n-1 (n a multiple of 8), at counter index (idxHi<<32 | idxLo) under
// key (key0, key1), storing word q of stream p at dst[q*stride+p].
//
//go:noescape
func philox8AVX2(dst *uint32, stride, n int, key0, key1, idxLo, idxHi, streamLo, streamHi uint32)

// philoxStreamsArch computes as many leading blocks as the vector kernel can
// (a multiple of 8) and returns how many it did.
func philoxStreamsArch(dst []uint32, stride int, seed, index, stream0 uint64, n int) int {
	m := n &^ 7
	if !hasAVX2 || m == 0 {
		return 0
	}
	philox8AVX2(&dst[0], stride, m, uint32(seed), uint32(seed>>32), uint32(index), uint32(index>>32), uint32(stream0), uint32(stream0>>32))
	return m
}
