//go:build !amd64

package cpu

// copyGroups copies n groups of w floats, group p from src[p*stride:], into
// dst back to back (w*n floats).
func copyGroups(dst, src []float32, n, w, stride int) {
	copyGroupsGo(dst, src, n, w, stride)
}
