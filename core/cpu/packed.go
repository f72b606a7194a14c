package cpu

import "fmt"

// PackedNT is the B operand of MatMulNT, b (N, K) (a linear layer's weight
// w (out, in)), packed once into the micro-panels the kernel set in use reads,
// so that the products on it (MatMulPackedNT) skip packing it. A network at
// inference runs every weight matrix against new activations at each call;
// packing the weights each time was a tenth of a sampling step.
//
// MatMulPackedNT gives exactly MatMulNT's result: the same kernel, the same
// blocking over k, the same tiles. The packed copy does not follow b: after b
// changes, pack it again (Repack). A PackedNT is read-only once built, and
// safe for concurrent products.
type PackedNT struct {
	src  []float32 // b (N, K) itself, for the products after a kernel switch
	n, k int
	ks   *kernelSet // the kernels it was packed for
	// data holds, for each block (jc, pc) of blockN columns and blockK rows
	// of b^T, jc outer, the panels packB writes for it; block (jc, pc)
	// starts at off[jcIndex*pcBlocks+pcIndex].
	data []float32
	off  []int
}

// PackNT packs b (N, K) for MatMulPackedNT. It keeps a reference to b.
func PackNT(b []float32, n, k int) *PackedNT {
	if n < 0 || k < 0 || len(b) < n*k {
		panic(fmt.Sprintf("cpu.PackNT: n=%d k=%d need len(b)>=%d, have %d", n, k, n*k, len(b)))
	}
	p := &PackedNT{n: n, k: k}
	p.Repack(b)
	return p
}

// Repack packs b (N, K, the shape p was built for) again, for the kernel set
// now in use, reusing p's memory.
func (p *PackedNT) Repack(b []float32) {
	if len(b) < p.n*p.k {
		panic(fmt.Sprintf("cpu.PackedNT.Repack: need len(b)>=%d, have %d", p.n*p.k, len(b)))
	}
	ks := active.Load()
	p.src, p.ks = b, ks
	nr := ks.nr
	size := 0
	p.off = p.off[:0]
	for jc := 0; jc < p.n; jc += blockN {
		nb := min(blockN, p.n-jc)
		for pc := 0; pc < p.k; pc += blockK {
			kb := min(blockK, p.k-pc)
			p.off = append(p.off, size)
			size += roundUp(nb, nr) * kb
		}
	}
	if cap(p.data) < size {
		p.data = make([]float32, size)
	}
	p.data = p.data[:size]
	bm := matrix{b, 1, p.k}
	i := 0
	for jc := 0; jc < p.n; jc += blockN {
		nb := min(blockN, p.n-jc)
		for pc := 0; pc < p.k; pc += blockK {
			kb := min(blockK, p.k-pc)
			packB(p.data[p.off[i]:], bm, pc, jc, kb, nb, nr)
			i++
		}
	}
}

// N and K are the shape of the packed b (N, K).
func (p *PackedNT) N() int { return p.n }
func (p *PackedNT) K() int { return p.k }

// MatMulPackedNT computes c (M,N) (+)= a (M,K) * b(N,K)^T with b packed:
// MatMulNT(c, a, b, m, N, K, accumulate), bit for bit, without packing b.
func MatMulPackedNT(c, a []float32, b *PackedNT, m int, accumulate bool) {
	n, k := b.n, b.k
	checkLens("MatMulPackedNT", c, a, b.src, m, n, k)
	ks := active.Load()
	if ks != b.ks { // packed for other kernels (a test switched them)
		MatMulNT(c, a, b.src, m, n, k, accumulate)
		return
	}
	am := matrix{a, k, 1}
	threads := partsFor(ks, m, n, k)
	if threads <= 1 || !acquire() {
		ws := getWorkspace()
		ws.gemmPacked(ks, c, n, am, b, 0, n, m, accumulate)
		putWorkspace(ws)
		return
	}
	bt := theBatch.begin(ks, m, n, threads)
	for i := range bt.parts {
		if m >= n {
			lo, hi := bandBounds(i, len(bt.parts), m, ks.mr)
			bt.parts[i] = part{ks: ks, c: c[lo*n:], ldc: n, a: matrix{a[lo*k:], k, 1}, pb: b, j0: 0, j1: n, m: hi - lo, accumulate: accumulate}
		} else {
			lo, hi := bandBounds(i, len(bt.parts), n, ks.nr)
			bt.parts[i] = part{ks: ks, c: c, ldc: n, a: am, pb: b, j0: lo, j1: hi, m: m, accumulate: accumulate}
		}
	}
	bt.run(threads)
}

// gemmPacked is gemm with b's blocks taken from pb: columns [j0, j1) of c
// (row stride ldc; j0 a multiple of nr) (+)= a (m, K) b^T. The loops and
// tiles are gemm's over the whole of b, restricted to those columns.
func (ws *workspace) gemmPacked(ks *kernelSet, c []float32, ldc int, a matrix, pb *PackedNT, j0, j1, m int, accumulate bool) {
	k := pb.k
	if m == 0 || j1 <= j0 {
		return
	}
	if k == 0 {
		if !accumulate {
			for i := 0; i < m; i++ {
				clear(c[i*ldc+j0 : i*ldc+j1])
			}
		}
		return
	}
	pcBlocks := (k + blockK - 1) / blockK
	for jc := j0 / blockN * blockN; jc < j1; jc += blockN {
		nb := min(blockN, pb.n-jc)
		lo, hi := max(j0, jc)-jc, min(j1, jc+nb)-jc // the block's columns in [j0, j1)
		for pci, pc := 0, 0; pc < k; pci, pc = pci+1, pc+blockK {
			kb := min(blockK, k-pc)
			acc := accumulate || pc > 0
			ws.panel(ks, c, ldc, a, m, pc, kb, jc, lo, hi, nb, pb.data[pb.off[jc/blockN*pcBlocks+pci]:], acc)
		}
	}
}

// MatMulNNStrided is MatMulNN on row-major operands with row strides: c (m,
// n; stride ldc) (+)= a (m, k; stride lda) b (k, n; stride ldb), bit for bit
// MatMulNN of the same values gathered contiguous. It runs on its caller
// (one attention head's product, say, whose v and output are columns of
// wider rows).
func MatMulNNStrided(c []float32, ldc int, a []float32, lda int, b []float32, ldb int, m, n, k int, accumulate bool) {
	if m < 0 || n < 0 || k < 0 || lda < k || ldb < n || ldc < n {
		panic(fmt.Sprintf("cpu.MatMulNNStrided: m=%d n=%d k=%d lda=%d ldb=%d ldc=%d", m, n, k, lda, ldb, ldc))
	}
	if m == 0 || n == 0 {
		return
	}
	if (k > 0 && (len(a) < (m-1)*lda+k || len(b) < (k-1)*ldb+n)) || len(c) < (m-1)*ldc+n {
		panic(fmt.Sprintf("cpu.MatMulNNStrided: m=%d n=%d k=%d lda=%d ldb=%d ldc=%d, have len(a)=%d len(b)=%d len(c)=%d",
			m, n, k, lda, ldb, ldc, len(a), len(b), len(c)))
	}
	ws := getWorkspace()
	ws.gemm(active.Load(), c, ldc, matrix{a, lda, 1}, matrix{b, ldb, 1}, m, n, k, accumulate)
	putWorkspace(ws)
}
