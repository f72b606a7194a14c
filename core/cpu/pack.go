package cpu

// Packing copies a block of A or B into the order the microkernel reads, so
// one kernel serves every layout: whether an operand is stored transposed
// only changes how it is gathered here, once per block, not the O(MNK) loop.

// matrix is a read-only strided view of a row-major buffer: element (i, j)
// is data[i*rs+j*cs]. A transposed operand is the same buffer with rs and cs
// swapped.
type matrix struct {
	data   []float32
	rs, cs int
}

// packA packs rows [i0, i0+mb) and columns [p0, p0+kb) of a into dst as
// micro-panels of mr rows: panel q holds, for each p, the mr values
// a(i0+q*mr+r, p0+p), zero past the last row.
func packA(dst []float32, a matrix, i0, p0, mb, kb, mr int) {
	for ir := 0; ir < mb; ir += mr {
		rows := min(mr, mb-ir)
		d := dst[ir*kb : ir*kb+mr*kb]
		if rows < mr {
			clear(d)
		}
		switch {
		case a.rs == 1: // columns of a are contiguous (TN's A, stored (K, M))
			if rows == mr {
				copyGroups(d, a.data[p0*a.cs+i0+ir:], kb, mr, a.cs)
				continue
			}
			for p := 0; p < kb; p++ {
				off := (p0+p)*a.cs + i0 + ir
				copy(d[p*mr:p*mr+rows], a.data[off:off+rows])
			}
		case a.cs == 1: // rows of a are contiguous
			r := 0
			for ; r+3 < rows; r += 4 {
				packRows4(d[r:], mr, a.data[(i0+ir+r)*a.rs+p0:], a.rs, kb)
			}
			for ; r < rows; r++ {
				off := (i0+ir+r)*a.rs + p0
				src := a.data[off : off+kb]
				for p, v := range src {
					d[p*mr+r] = v
				}
			}
		default:
			for r := 0; r < rows; r++ {
				for p := 0; p < kb; p++ {
					d[p*mr+r] = a.data[(i0+ir+r)*a.rs+(p0+p)*a.cs]
				}
			}
		}
	}
}

// packB packs rows [p0, p0+kb) and columns [j0, j0+nb) of b into dst as
// micro-panels of nr columns: panel q holds, for each p, the nr values
// b(p0+p, j0+q*nr+c), zero past the last column.
func packB(dst []float32, b matrix, p0, j0, kb, nb, nr int) {
	for jr := 0; jr < nb; jr += nr {
		cols := min(nr, nb-jr)
		d := dst[jr*kb : jr*kb+nr*kb]
		if cols < nr {
			clear(d)
		}
		switch {
		case b.cs == 1: // rows of b are contiguous (NN's and TN's B)
			if cols == nr {
				copyGroups(d, b.data[p0*b.rs+j0+jr:], kb, nr, b.rs)
				continue
			}
			for p := 0; p < kb; p++ {
				off := (p0+p)*b.rs + j0 + jr
				copy(d[p*nr:p*nr+cols], b.data[off:off+cols])
			}
		case b.rs == 1: // columns of b are contiguous (NT's B, stored (N, K))
			c := 0
			for ; c+3 < cols; c += 4 {
				packRows4(d[c:], nr, b.data[(j0+jr+c)*b.cs+p0:], b.cs, kb)
			}
			for ; c < cols; c++ {
				off := (j0+jr+c)*b.cs + p0
				src := b.data[off : off+kb]
				for p, v := range src {
					d[p*nr+c] = v
				}
			}
		default:
			for c := 0; c < cols; c++ {
				for p := 0; p < kb; p++ {
					d[p*nr+c] = b.data[(p0+p)*b.rs+(j0+jr+c)*b.cs]
				}
			}
		}
	}
}

// packRows4Go is the portable packRows4: four rows per pass, so each step
// writes one contiguous group instead of four scattered values.
func packRows4Go(dst []float32, stride int, src []float32, rs, kb int) {
	s0 := src[0:kb:kb]
	s1 := src[rs : rs+kb : rs+kb]
	s2 := src[2*rs : 2*rs+kb : 2*rs+kb]
	s3 := src[3*rs : 3*rs+kb : 3*rs+kb]
	for p := range s0 {
		d := dst[p*stride : p*stride+4 : p*stride+4]
		d[0], d[1], d[2], d[3] = s0[p], s1[p], s2[p], s3[p]
	}
}

// copyGroupsGo is the portable copyGroups.
func copyGroupsGo(dst, src []float32, n, w, stride int) {
	for p := 0; p < n; p++ {
		copy(dst[p*w:p*w+w], src[p*stride:p*stride+w])
	}
}
