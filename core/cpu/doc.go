// Package cpu holds the CPU compute kernels of the denoiser, the matrix
// products in the three layouts that training needs, and the worker pool
// every parallel loop of the project runs on.
//
// Every product has a portable Go version (what js/wasm and other
// architectures run) and a plain reference loop the fast paths are tested
// against (reference.go); on amd64 the microkernel also has AVX2 and AVX-512
// FMA versions, chosen at start-up. KernelName says which set runs;
// RDLM_KERNELS=go|avx2|avx512 forces one at start-up and SetKernels switches
// at run time (tests and benchmarks).
//
// The float32 products (MatMulNT/NN/TN, matmul.go) pack blocks of both
// operands into the microkernel's order (pack.go), block for the caches
// (gemm.go) and split large products across Threads() workers of the worker
// pool (pool.go), the one pool on which every parallel loop of the project
// runs (For, ForChunks); in the steady state they allocate nothing.
//
// Layout conventions (row-major, no strides): a matrix "(M, K)" is M rows of K.
// A linear layer's weight is [out, in], PyTorch's layout, so y = x W^T is NT.
package cpu
