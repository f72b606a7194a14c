package cpu

import "golang.org/x/sys/cpu"

//go:generate go run gen_sgemm_amd64.go

// The assembly microkernels (sgemm_amd64.s, generated) and vector primitives
// (vec_amd64.s). Callers guarantee full tiles and in-range pointers.

//go:noescape
func sgemmKernelAVX512(kc int, a, b, c *float32, ldc int, accumulate bool)

//go:noescape
func sgemmKernelAVX2(kc int, a, b, c *float32, ldc int, accumulate bool)

//go:noescape
func dotAVX2(x, y *float32, n int) float32

//go:noescape
func axpyAVX2(alpha float32, x, y *float32, n int)

func registerArchKernels() {
	// The AVX2 kernels also need FMA; the OS must save the YMM/ZMM state,
	// which x/sys/cpu folds into these flags.
	if !cpu.X86.HasAVX2 || !cpu.X86.HasFMA {
		return
	}
	kernelSets = append(kernelSets, &kernelSet{name: "avx2", mr: 6, nr: 16, micro: microAVX2, dot: dotAsm, axpy: axpyAsm})
	if cpu.X86.HasAVX512F {
		// Dot and Axpy stay on YMM: the denoiser's vectors are a few hundred
		// floats long, where wider registers buy nothing measurable.
		kernelSets = append(kernelSets, &kernelSet{name: "avx512", mr: 12, nr: 32, micro: microAVX512, dot: dotAsm, axpy: axpyAsm})
	}
}

func microAVX512(kc int, a, b, c []float32, ldc int, accumulate bool) {
	// The bounds the assembly relies on, checked once per tile.
	_ = a[12*kc-1]
	_ = b[32*kc-1]
	_ = c[11*ldc+31]
	sgemmKernelAVX512(kc, &a[0], &b[0], &c[0], ldc, accumulate)
}

func microAVX2(kc int, a, b, c []float32, ldc int, accumulate bool) {
	_ = a[6*kc-1]
	_ = b[16*kc-1]
	_ = c[5*ldc+15]
	sgemmKernelAVX2(kc, &a[0], &b[0], &c[0], ldc, accumulate)
}

func dotAsm(x, y []float32) float32 {
	if len(x) == 0 {
		return 0
	}
	_ = y[len(x)-1]
	return dotAVX2(&x[0], &y[0], len(x))
}

func axpyAsm(alpha float32, x, y []float32) {
	if len(x) == 0 {
		return
	}
	_ = y[len(x)-1]
	axpyAVX2(alpha, &x[0], &y[0], len(x))
}
