package cpu

// The portable microkernel: a 2 x 4 tile in eight scalar accumulators. Go's
// compiler keeps at most sixteen float values in registers (on amd64, and in
// the wasm backend's register model too); eight accumulators, four values of
// B and one of A fit, where a 4 x 4 tile spills on every step and runs no
// faster. This is what js/wasm runs, and the reference for the assembly.
const (
	goMR = 2
	goNR = 4
)

func microGo(kc int, a, b, c []float32, ldc int, accumulate bool) {
	a = a[:goMR*kc]
	b = b[:goNR*kc]
	var c00, c01, c02, c03 float32
	var c10, c11, c12, c13 float32
	for len(a) >= goMR && len(b) >= goNR {
		b0, b1, b2, b3 := b[0], b[1], b[2], b[3]
		a0 := a[0]
		c00 += a0 * b0
		c01 += a0 * b1
		c02 += a0 * b2
		c03 += a0 * b3
		a1 := a[1]
		c10 += a1 * b0
		c11 += a1 * b1
		c12 += a1 * b2
		c13 += a1 * b3
		a = a[goMR:]
		b = b[goNR:]
	}
	r0 := c[0:4:4]
	r1 := c[ldc : ldc+4 : ldc+4]
	if accumulate {
		c00, c01, c02, c03 = c00+r0[0], c01+r0[1], c02+r0[2], c03+r0[3]
		c10, c11, c12, c13 = c10+r1[0], c11+r1[1], c12+r1[2], c13+r1[3]
	}
	r0[0], r0[1], r0[2], r0[3] = c00, c01, c02, c03
	r1[0], r1[1], r1[2], r1[3] = c10, c11, c12, c13
}
