//go:build !amd64

package cpu

// copyGroups copies n groups of w floats, group p from src[p*stride:], into
// dst back to back (w*n floats).
func copyGroups(dst, src []float32, n, w, stride int) {
	copyGroupsGo(dst, src, n, w, stride)
}

// packRows4 interleaves four rows of kb values (row stride rs in src) into
// dst, four consecutive values per step p, steps stride apart.
func packRows4(dst []float32, stride int, src []float32, rs, kb int) {
	packRows4Go(dst, stride, src, rs, kb)
}
