//go:build !amd64

package tables

// eulerStepArch has no vector kernel here: stepGo does every particle.
func eulerStepArch(ch *chunkState, n int, lanes *[4][4]float64) int { return 0 }
