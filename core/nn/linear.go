package nn

import "github.com/rdlm-go/rdlm/core/cpu"

// LinearForward computes y = x w^T + b, a linear layer in PyTorch's layout.
//
//	y (n, out), x (n, in), w (out, in), b (out) or nil for no bias.
func LinearForward[T cpu.Float](y, x, w, b []T, n, in, out int) {
	if b == nil {
		MatMulNT(y, x, w, n, out, in, false)
		return
	}
	// Start every row at the bias and let the product accumulate onto it:
	// one pass over y instead of a product pass plus a bias pass.
	for r := 0; r < n; r++ {
		copy(y[r*out:(r+1)*out], b)
	}
	MatMulNT(y, x, w, n, out, in, true)
}

// LinearBackward is the backward of LinearForward.
//
//	dx (n, in): set to dy w, or added to when accumulateDx; nil to skip
//	dw (out, in) += dy^T x
//	db (out) += column sums of dy; nil when the layer has no bias
//	dy (n, out), x (n, in), w (out, in)
func LinearBackward[T cpu.Float](dx, dw, db, dy, x, w []T, n, in, out int, accumulateDx bool) {
	if dx != nil {
		MatMulNN(dx, dy, w, n, in, out, accumulateDx)
	}
	MatMulTN(dw, dy, x, out, in, n, true)
	if db != nil {
		db = db[:out]
		for r := 0; r < n; r++ {
			row := dy[r*out : (r+1)*out]
			for j, g := range row {
				db[j] += g
			}
		}
	}
}
