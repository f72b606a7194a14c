package cpu

import "golang.org/x/sys/cpu"

//go:generate go run gen_sgemm_amd64.go

// The assembly microkernels (sgemm_amd64.s, generated). Callers guarantee
// full tiles and in-range pointers.

//go:noescape
func sgemmKernelAVX512(kc int, a, b, c *float32, ldc int, accumulate bool)

//go:noescape
func sgemmKernelAVX2(kc int, a, b, c *float32, ldc int, accumulate bool)

func registerArchKernels() {
	// The AVX2 kernels also need FMA; the OS must save the YMM/ZMM state,
	// which x/sys/cpu folds into these flags.
	if !cpu.X86.HasAVX2 || !cpu.X86.HasFMA {
		return
	}
	kernelSets = append(kernelSets, &kernelSet{name: "avx2", mr: 6, nr: 16, micro: microAVX2})
	if cpu.X86.HasAVX512F {
		kernelSets = append(kernelSets, &kernelSet{name: "avx512", mr: 12, nr: 32, micro: microAVX512})
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
