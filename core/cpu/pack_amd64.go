package cpu

import "golang.org/x/sys/cpu"

//go:noescape
func copyGroups32(dst, src *float32, n, srcStride int)

//go:noescape
func copyGroups16(dst, src *float32, n, srcStride int)

//go:noescape
func copyGroups12(dst, src *float32, n, srcStride int)

//go:noescape
func copyGroups6(dst, src *float32, n, srcStride int)

//go:noescape
func packRows4AVX(dst *float32, stride int, src *float32, rs, n int)

// The group copies use AVX (VEX) moves; every kernel set but "go" implies it.
var hasAVX = cpu.X86.HasAVX

// copyGroups copies n groups of w floats, group p from src[p*stride:], into
// dst back to back (w*n floats). The tile widths go to assembly.
func copyGroups(dst, src []float32, n, w, stride int) {
	if n == 0 {
		return
	}
	// The bounds the assembly relies on, checked once.
	_ = dst[n*w-1]
	_ = src[(n-1)*stride+w-1]
	if hasAVX {
		switch w {
		case 32:
			copyGroups32(&dst[0], &src[0], n, stride)
			return
		case 16:
			copyGroups16(&dst[0], &src[0], n, stride)
			return
		case 12:
			copyGroups12(&dst[0], &src[0], n, stride)
			return
		case 6:
			copyGroups6(&dst[0], &src[0], n, stride)
			return
		}
	}
	copyGroupsGo(dst, src, n, w, stride)
}

// packRows4 interleaves four rows of kb values (row stride rs in src) into
// dst, four consecutive values per step p, steps stride apart: the
// transpose at the heart of packing a row-major operand. Eight steps at a
// time go to assembly (in-register 4x4 transposes), the rest to Go.
func packRows4(dst []float32, stride int, src []float32, rs, kb int) {
	n := kb &^ 7
	if hasAVX && n > 0 {
		// The bounds the assembly relies on, checked once.
		_ = dst[(n-1)*stride+3]
		_ = src[3*rs+n-1]
		packRows4AVX(&dst[0], stride, &src[0], rs, n)
		if n == kb {
			return
		}
		dst = dst[n*stride:]
		src = src[n:]
		kb -= n
	}
	packRows4Go(dst, stride, src, rs, kb)
}
