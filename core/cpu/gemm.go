package cpu

// Cache blocking of the packed sgemm (the classic five loops around a
// microkernel): a kc x nr micro-panel of B stays in L1 while the mc x kc
// block of A streams from L2; B's kc x nc block lives in L3. The sizes are
// multiples of every kernel's mr and nr.
const (
	blockK = 256
	blockM = 144
	blockN = 4096
)

// workspace holds one goroutine's packing buffers. They are allocated once
// and reused: on this project's machines a first touch costs more than the
// packing itself.
type workspace struct {
	a    []float32 // packed A block, blockM x blockK
	b    []float32 // packed B block, blockK x blockN
	tile []float32 // an edge tile computed in full before the valid part is merged
}

// newWorkspace allocates a workspace at its full size (4.3 MB), big enough
// for any product, so that no product ever makes one grow. Buffers that grew
// on demand made a product's allocations depend on the scheduler: the free
// workspaces are handed out last in, first out, and when two products had
// run at once the order they finished in decided whether the next one got a
// workspace large enough.
func newWorkspace() *workspace {
	return &workspace{
		a:    make([]float32, blockM*blockK),
		b:    make([]float32, blockK*blockN),
		tile: make([]float32, maxTile),
	}
}

// The workspaces. A split product's worker w packs into workerWS[w]: the
// pool runs one loop at a time, so no two goroutines share one. A product
// run on its caller alone (small, or the pool busy) takes one from the free
// list, which holds as many as there have ever been such products at once.
var (
	workerWS []*workspace // grown under poolMu, before the loop that uses them starts
	freeWS   []*workspace // guarded by poolMu
)

// ensureWorkerWorkspaces allocates the workspaces of workers 0..n-1. A split
// product allocates them before its loop starts, whichever workers then join,
// so that a product's allocations never depend on the scheduler.
func ensureWorkerWorkspaces(n int) {
	poolMu.Lock()
	for len(workerWS) < n {
		workerWS = append(workerWS, newWorkspace())
	}
	poolMu.Unlock()
}

func getWorkspace() *workspace {
	poolMu.Lock()
	defer poolMu.Unlock()
	if k := len(freeWS); k > 0 {
		ws := freeWS[k-1]
		freeWS = freeWS[:k-1]
		return ws
	}
	return newWorkspace()
}

func putWorkspace(ws *workspace) {
	poolMu.Lock()
	freeWS = append(freeWS, ws)
	poolMu.Unlock()
}

// maxTile is the largest mr*nr of any kernel set (AVX-512: 12 x 32).
const maxTile = 12 * 32

// gemm computes c (m, n, row stride ldc) (+)= a (m, k) b (k, n) with the
// kernel set ks, on the calling goroutine.
func (ws *workspace) gemm(ks *kernelSet, c []float32, ldc int, a, b matrix, m, n, k int, accumulate bool) {
	if m == 0 || n == 0 {
		return
	}
	if k == 0 {
		if !accumulate {
			for i := 0; i < m; i++ {
				clear(c[i*ldc : i*ldc+n])
			}
		}
		return
	}
	for jc := 0; jc < n; jc += blockN {
		nb := min(blockN, n-jc)
		for pc := 0; pc < k; pc += blockK {
			kb := min(blockK, k-pc)
			acc := accumulate || pc > 0
			packB(ws.b, b, pc, jc, kb, nb, ks.nr)
			ws.panel(ks, c, ldc, a, m, pc, kb, jc, 0, nb, nb, ws.b, acc)
		}
	}
}

// panel computes the columns [jc+lo, jc+hi) of c (+)= a b for one panel of
// b: the nb columns from jc and the kb rows from pc, packed in column tiles
// of nr (bp, as packB lays them out). For every blockM rows of a it packs a
// and runs the micro-kernel over the tiles, edge tiles through ws.tile.
// gemm packs its panels as it goes; gemmPacked reads them from a PackedNT.
func (ws *workspace) panel(ks *kernelSet, c []float32, ldc int, a matrix, m, pc, kb, jc, lo, hi, nb int, bp []float32, acc bool) {
	mr, nr := ks.mr, ks.nr
	for ic := 0; ic < m; ic += blockM {
		mb := min(blockM, m-ic)
		packA(ws.a, a, ic, pc, mb, kb, mr)
		for jr := lo; jr < hi; jr += nr {
			cols := min(nr, nb-jr)
			bt := bp[jr*kb : jr*kb+nr*kb]
			for ir := 0; ir < mb; ir += mr {
				rows := min(mr, mb-ir)
				ap := ws.a[ir*kb : ir*kb+mr*kb]
				ct := c[(ic+ir)*ldc+jc+jr:]
				if rows == mr && cols == nr {
					ks.micro(kb, ap, bt, ct, ldc, acc)
					continue
				}
				t := ws.tile[:mr*nr]
				ks.micro(kb, ap, bt, t, nr, false)
				mergeTile(ct, ldc, t, nr, rows, cols, acc)
			}
		}
	}
}

// mergeTile writes (or adds) the valid rows x cols corner of an edge tile.
func mergeTile(c []float32, ldc int, t []float32, nr, rows, cols int, accumulate bool) {
	for r := 0; r < rows; r++ {
		dst := c[r*ldc : r*ldc+cols]
		src := t[r*nr : r*nr+cols]
		if accumulate {
			for j, v := range src {
				dst[j] += v
			}
		} else {
			copy(dst, src)
		}
	}
}

func roundUp(x, m int) int { return (x + m - 1) / m * m }
