package cpu

import "golang.org/x/sys/cpu"

// The assembly kernels (elementwise_amd64.s) need AVX-512F (VSCALEFPS, lane
// masks for the tails); callers pass n >= 1 and in-range pointers.
var hasVecMath = cpu.X86.HasAVX512F

//go:noescape
func expAVX512(dst, src *float32, n int)

//go:noescape
func geluAVX512(y, x *float32, n int)

//go:noescape
func geluBackwardAVX512(dx, dy, x *float32, n int)

//go:noescape
func softmaxScaledAVX512(s *float32, n int, scale float32)

//go:noescape
func softmaxBackwardAVX512(dg, p *float32, n int, scale float32)

// The wrappers get slices already cut to one length (n >= 1).

func expVec(dst, src []float32) { expAVX512(&dst[0], &src[0], len(src)) }

func geluVec(y, x []float32) { geluAVX512(&y[0], &x[0], len(x)) }

func geluBackwardVec(dx, dy, x []float32) { geluBackwardAVX512(&dx[0], &dy[0], &x[0], len(x)) }

func softmaxScaledVec(s []float32, scale float32) { softmaxScaledAVX512(&s[0], len(s), scale) }

func softmaxBackwardVec(g, p []float32, scale float32) {
	softmaxBackwardAVX512(&g[0], &p[0], len(p), scale)
}
