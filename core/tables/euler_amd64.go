package tables

import "golang.org/x/sys/cpu"

var hasAVX2FMA = cpu.X86.HasAVX2 && cpu.X86.HasFMA

// eulerStepAVX2 advances particles [0, n) (n a multiple of 4) of the rows
// y (4 rows of chunkSize float64) with the normals z (same layout) and the
// coefficients k, and stores each row's four lane sums of the new values in
// lanes.
//
//go:noescape
func eulerStepAVX2(y, z *float64, n int, k *eulerConsts, lanes *[4][4]float64)

// eulerStepArch runs the vector kernel on the largest multiple of four
// particles and returns how many it did.
func eulerStepArch(ch *chunkState, n int, lanes *[4][4]float64) int {
	m := n &^ 3
	if !hasAVX2FMA || m == 0 {
		return 0
	}
	eulerStepAVX2(&ch.y[0][0], &ch.z[0][0], m, &ch.k, lanes)
	return m
}
