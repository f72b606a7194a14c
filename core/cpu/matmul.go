package cpu

import "fmt"

// The fast float32 entry points. They dispatch to the kernel set in use (see
// KernelName) and split large products across Threads() goroutines.

// MatMulNT computes c (M,N) (+)= a (M,K) * b(N,K)^T.
func MatMulNT(c, a, b []float32, m, n, k int, accumulate bool) {
	checkLens("MatMulNT", c, a, b, m, n, k)
	matmul(c, matrix{a, k, 1}, matrix{b, 1, k}, m, n, k, accumulate)
}

// MatMulNN computes c (M,N) (+)= a (M,K) * b (K,N).
func MatMulNN(c, a, b []float32, m, n, k int, accumulate bool) {
	checkLens("MatMulNN", c, a, b, m, n, k)
	matmul(c, matrix{a, k, 1}, matrix{b, n, 1}, m, n, k, accumulate)
}

// MatMulTN computes c (M,N) (+)= a(K,M)^T * b (K,N).
func MatMulTN(c, a, b []float32, m, n, k int, accumulate bool) {
	checkLens("MatMulTN", c, a, b, m, n, k)
	matmul(c, matrix{a, 1, m}, matrix{b, n, 1}, m, n, k, accumulate)
}

// checkLens panics on buffers too short for the shapes: the assembly
// kernels do not check bounds themselves.
func checkLens(op string, c, a, b []float32, m, n, k int) {
	if m < 0 || n < 0 || k < 0 || len(c) < m*n || len(a) < m*k || len(b) < k*n {
		panic(fmt.Sprintf("cpu.%s: m=%d n=%d k=%d need len(c)>=%d len(a)>=%d len(b)>=%d, have %d %d %d",
			op, m, n, k, m*n, m*k, k*n, len(c), len(a), len(b)))
	}
}

// minPartFlops is the least work (2mnk) worth a part of its own (about
// 100 us on one core): below it, handing a part over costs more than it
// saves. It also keeps the attention products (256 x 256 x 64), which the
// model already runs in parallel across heads, on their caller.
const minPartFlops = 1 << 24

// matmul splits c into row bands (or column bands, when c is wider than
// tall) of whole tiles and runs them as the chunks of a loop on up to
// Threads() workers of the pool. Each band packs its own operands; the
// duplicated packing of the shared operand costs O(1/band) of the work and
// saves all synchronisation inside the product. When the shared operand is
// small beside the split one (the linear layers: 8192 rows against a
// 256 x 768 weight) the product is cut in several bands per thread, taken in
// turn, so that a core slowed by other work takes fewer. The bands cover
// whole tiles and every band runs the same blocking over k, so the result is
// the same however the product is split.
func matmul(c []float32, a, b matrix, m, n, k int, accumulate bool) {
	ks := active.Load()
	threads := partsFor(ks, m, n, k)
	if threads <= 1 || !acquire() {
		ws := getWorkspace()
		ws.gemm(ks, c, n, a, b, m, n, k, accumulate)
		putWorkspace(ws)
		return
	}
	bt := theBatch.begin(ks, m, n, threads)
	for i := range bt.parts {
		if m >= n {
			lo, hi := bandBounds(i, len(bt.parts), m, ks.mr)
			bt.parts[i] = part{ks: ks, c: c[lo*n:], ldc: n, a: matrix{a.data[lo*a.rs:], a.rs, a.cs}, b: b,
				m: hi - lo, n: n, k: k, accumulate: accumulate}
		} else {
			lo, hi := bandBounds(i, len(bt.parts), n, ks.nr)
			bt.parts[i] = part{ks: ks, c: c[lo:], ldc: n, a: a, b: matrix{b.data[lo*b.cs:], b.rs, b.cs},
				m: m, n: hi - lo, k: k, accumulate: accumulate}
		}
	}
	bt.run(threads)
}

// part is one band of a split product. With pb set, b is that packed
// matrix and the band is its columns [j0, j1) (gemmPacked); otherwise b
// is the matrix b, cut to the band (gemm).
type part struct {
	ks         *kernelSet
	c          []float32
	ldc        int
	a, b       matrix
	m, n, k    int
	pb         *PackedNT
	j0, j1     int
	accumulate bool
}

// batch is the split product in flight, a loop body whose indices are its
// bands. It is guarded by the pool: only the loop holding the pool uses it.
type batch struct{ parts []part }

var theBatch batch

// begin sizes the batch for an m x n product on threads workers of the held
// pool: bands of whole tiles (row bands when c is at least as tall as
// wide, else column bands), as bandsFor counts them.
func (bt *batch) begin(ks *kernelSet, m, n, threads int) *batch {
	ensureWorkerWorkspaces(threads)
	bands := bandsFor(ks, m, n, threads)
	if cap(bt.parts) < bands {
		bt.parts = make([]part, bands)
	}
	bt.parts = bt.parts[:bands]
	return bt
}

// run computes the bands on the pool, then drops the references to the
// caller's matrices and releases the pool.
func (bt *batch) run(threads int) {
	runHeld(bt, len(bt.parts), 1, threads)
	clear(bt.parts)
	release()
}

// bandBounds is band i of bands over extent rows (or columns) in whole
// tiles of tile: every band but the last ends on a tile edge, so each
// tile, edge tiles included, is the one an unsplit product computes.
func bandBounds(i, bands, extent, tile int) (lo, hi int) {
	tiles := (extent + tile - 1) / tile
	return min(extent, tiles*i/bands*tile), min(extent, tiles*(i+1)/bands*tile)
}

// Run computes bands [lo, hi) with the worker's own packing workspace.
func (bt *batch) Run(worker, lo, hi int) {
	ws := workerWS[worker]
	for i := lo; i < hi; i++ {
		p := &bt.parts[i]
		if p.pb != nil {
			ws.gemmPacked(p.ks, p.c, p.ldc, p.a, p.pb, p.j0, p.j1, p.m, p.accumulate)
			continue
		}
		ws.gemm(p.ks, p.c, p.ldc, p.a, p.b, p.m, p.n, p.k, p.accumulate)
	}
}

// partsFor is how many goroutines matmul splits an m x n x k product
// across: one per thread, but none with less than minPartFlops of work or
// less than a tile.
func partsFor(ks *kernelSet, m, n, k int) int {
	parts := min(Threads(), max(1, 2*m*n*k/minPartFlops))
	if m >= n {
		return min(parts, (m+ks.mr-1)/ks.mr)
	}
	return min(parts, (n+ks.nr-1)/ks.nr)
}

// bandsPerThread is how many bands each thread gets when the split
// dimension is at least 8 times the other (so repacking the shared operand
// once per band costs at most a few per cent).
const bandsPerThread = 4

// bandsFor is how many bands a product split across threads is cut into.
func bandsFor(ks *kernelSet, m, n, threads int) int {
	switch {
	case m >= 8*n:
		return max(threads, min(bandsPerThread*threads, (m+ks.mr-1)/ks.mr/2))
	case n >= 8*m:
		return max(threads, min(bandsPerThread*threads, (n+ks.nr-1)/ks.nr/2))
	}
	return threads
}
