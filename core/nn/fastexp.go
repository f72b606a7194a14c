package nn

import (
	"math"
	"unsafe"

	"github.com/rdlm-go/rdlm/core/cpu"
)

// expT is e^x in the precision T needs. float64 (the gradient checks) uses
// math.Exp. float32 uses expApprox: math.Exp's full float64 accuracy is
// wasted on a result rounded to float32, and the exponentials of the
// attention softmax and the GELU are a large share of a training step.
func expT[T cpu.Float](x T) T {
	var z T
	if unsafe.Sizeof(z) == 4 {
		return T(expApprox(float64(x)))
	}
	return T(math.Exp(float64(x)))
}

// expApprox is e^x with relative error below 1e-8 (a sixth of a float32
// ulp) for all x; it saturates at e^700 and returns 0 below -700.
//
// e^x = 2^n e^r with n = round(x / ln 2) and |r| <= ln(2)/2; e^r is its
// Taylor polynomial of degree 8 (remainder r^9/9! < 2e-10).
func expApprox(x float64) float64 {
	const (
		log2e   = 1.4426950408889634
		ln2     = 0.6931471805599453
		shifter = 0x1.8p52 // adding it rounds a float64 of |v| < 2^51 to an integer
	)
	if x < -700 {
		return 0
	}
	x = min(x, 700)
	k := (x*log2e + shifter) - shifter
	r := x - k*ln2
	p := 1 + r*(1+r*(1.0/2+r*(1.0/6+r*(1.0/24+r*(1.0/120+r*(1.0/720+r*(1.0/5040+r*(1.0/40320))))))))
	return p * math.Float64frombits(uint64(int64(k)+1023)<<52)
}
