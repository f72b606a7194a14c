package gpu

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/rdlm-go/rdlm/core/model"
	"github.com/rdlm-go/rdlm/core/nn"
	"github.com/stretchr/testify/require"
)

// Each kernel runs alone on random inputs against its CPU reference in
// core/nn. Outputs are poisoned with NaN first, so an element the kernel
// never writes fails the comparison. Bounds are max |got - want| over the
// largest |want| (relErr), per op:
//
//	linear, attention, layernorm: 2e-6 (f32, other summation order)
//	rotary, residual: 1e-6 (the same products as the CPU)
//	gelu, silu, softmax: 2e-6 (the device's exp)
//	timeembed: 1e-6: WGSL only promises sin and cos to an absolute 2^-11
//	(about 4.9e-4) on [-pi, pi], and SwiftShader's are that coarse (1.9e-4
//	observed), so the kernel evaluates them by lib/sincos.wgsl's
//	polynomials, exact to about an ulp on the embedding's arguments (|x| < 1)

// harness runs single kernels on the shared test driver.
type harness struct {
	t *testing.T
	e *device
}

func newHarness(t *testing.T) *harness {
	d := newDevice(testDriver(t), false)
	return &harness{t: t, e: &d}
}

func (h *harness) buf(v []float32) Buf {
	b, err := h.e.upload("test", v)
	require.NoError(h.t, err)
	return b
}

// out makes a NaN-poisoned buffer of n floats.
func (h *harness) out(n int) Buf {
	v := make([]float32, n)
	for i := range v {
		v[i] = float32(math.NaN())
	}
	return h.buf(v)
}

func (h *harness) run(name string, consts map[string]uint32, x, y uint32, params []uint32, bufs ...Buf) {
	var ops []op
	require.NoError(h.t, h.e.record(&ops, name, consts, x, y, params, bufs...))
	h.e.d.BeginStream()
	h.e.run(ops)
	require.NoError(h.t, h.e.d.Submit())
}

func (h *harness) read(b Buf, n int) []float32 {
	v := make([]float32, n)
	require.NoError(h.t, h.e.d.Read(b, 0, f32Bytes(v)))
	return v
}

func randn(r *rand.Rand, n int, scale float64) []float32 {
	v := make([]float32, n)
	for i := range v {
		v[i] = float32(scale * r.NormFloat64())
	}
	return v
}

func TestKernelLinear(t *testing.T) {
	h := newHarness(t)
	r := rand.New(rand.NewPCG(1, 1))
	// Shapes that are not multiples of the 64x64x16 tiles, x read at an
	// offset with a stride, y written into a column range of a wider matrix.
	m, n, k, xOff, xStride, yOff, yStride := 37, 70, 45, 3, 50, 5, 80
	x := randn(r, xOff+m*xStride, 1)
	w, b := randn(r, n*k, 0.2), randn(r, n, 0.5)
	want := make([]float32, m*n)
	xs := make([]float32, m*k)
	for i := 0; i < m; i++ {
		copy(xs[i*k:(i+1)*k], x[xOff+i*xStride:])
	}
	nn.LinearForward(want, xs, w, b, m, k, n)
	for _, bias := range []bool{true, false} {
		y := h.out(m * yStride)
		bb, hb := h.buf(b), uint32(1)
		if !bias {
			bb, hb = h.buf([]float32{0}), 0
		}
		h.run("linear", nil, uint32((n+63)/64), uint32((m+63)/64),
			[]uint32{uint32(m), uint32(n), uint32(k), uint32(xOff), uint32(xStride), uint32(yOff), uint32(yStride), hb, 0, 0},
			h.buf(x), h.buf(w), bb, y)
		got := h.read(y, m*yStride)
		sub := make([]float32, m*n)
		for i := 0; i < m; i++ {
			copy(sub[i*n:(i+1)*n], got[i*yStride+yOff:])
			for j := 0; j < n; j++ {
				if !bias {
					sub[i*n+j] += b[j] // compare against the biased reference
				}
			}
		}
		require.Less(t, relErr(sub, want), 2e-6, "bias %v", bias)
	}
}

func TestKernelLayerNormModulate(t *testing.T) {
	h := newHarness(t)
	r := rand.New(rand.NewPCG(2, 2))
	rows, d, l, stride := 12, 100, 4, 6*100
	x := randn(r, rows*d, 2)
	for i := range x {
		x[i] += 3 // a mean far from 0 tests the two-pass variance
	}
	w, mod := randn(r, d, 1), randn(r, (rows/l)*stride, 0.5)
	want := make([]float32, rows*d)
	for s := 0; s < rows/l; s++ {
		m := mod[s*stride:]
		nn.LayerNormModulateForward(want[s*l*d:(s+1)*l*d], nil, nil, x[s*l*d:(s+1)*l*d], w, m[3*d:4*d], m[4*d:5*d], d)
	}
	out := h.out(rows * d)
	h.run("layernorm", nil, uint32(rows), 1, []uint32{uint32(rows), uint32(d), uint32(l), uint32(stride), uint32(3 * d), uint32(4 * d)},
		h.buf(x), h.buf(w), h.buf(mod), out)
	require.Less(t, relErr(h.read(out, rows*d), want), 2e-6)
}

func TestKernelRotaryAndAttention(t *testing.T) {
	h := newHarness(t)
	r := rand.New(rand.NewPCG(3, 3))
	// L = 100 spans several 32-key and 64-query tiles.
	B, L, H, hd := 2, 100, 3, 16
	D := H * hd
	qkv := randn(r, B*L*3*D, 1)
	cosT, sinT := make([]float32, L*hd/2), make([]float32, L*hd/2)
	nn.RotaryTable(cosT, sinT, L, hd)
	want := make([]float32, B*L*D)
	q, k, v, o := make([]float32, L*hd), make([]float32, L*hd), make([]float32, L*hd), make([]float32, L*hd)
	probs := make([]float32, L*L)
	rotQ := make([]float32, B*H*L*hd) // rotated q, to check rotary alone
	for b := 0; b < B; b++ {
		for hh := 0; hh < H; hh++ {
			base := b*L*3*D + hh*hd
			nn.RotaryForward(q, qkv[base:], 3*D, cosT, sinT, L, hd)
			nn.RotaryForward(k, qkv[base+D:], 3*D, cosT, sinT, L, hd)
			nn.GatherHead(v, qkv[base+2*D:], 3*D, L, hd)
			copy(rotQ[(b*H+hh)*L*hd:], q)
			nn.AttentionForward(o, probs, q, k, v, L, hd, false)
			nn.ScatterHead(want[b*L*D+hh*hd:], D, o, L, hd)
		}
	}
	qb := h.buf(qkv)
	gx, gy := grid256(B * L * D)
	h.run("rotary", nil, gx, gy, []uint32{uint32(B * L), uint32(D), uint32(hd), uint32(L), 0}, qb, h.buf(cosT), h.buf(sinT))
	rotated := h.read(qb, len(qkv))
	gotQ := make([]float32, len(rotQ))
	for b := 0; b < B; b++ {
		for hh := 0; hh < H; hh++ {
			nn.GatherHead(gotQ[(b*H+hh)*L*hd:(b*H+hh+1)*L*hd], rotated[b*L*3*D+hh*hd:], 3*D, L, hd)
		}
	}
	require.Less(t, relErr(gotQ, rotQ), 1e-6, "rotary")

	out := h.out(B * L * D)
	h.run("attention", map[string]uint32{"HD": uint32(hd)}, uint32((L+63)/64), uint32(B*H), []uint32{uint32(L), uint32(D), uint32(H)}, qb, out, h.out(B*H*L*2))
	require.Less(t, relErr(h.read(out, B*L*D), want), 2e-6, "attention")
}

func TestKernelElementwise(t *testing.T) {
	h := newHarness(t)
	r := rand.New(rand.NewPCG(4, 4))
	n := 1000
	x := randn(r, n, 4)
	for _, c := range []struct {
		name string
		ref  func(y, x []float32)
	}{{"gelu", nn.GeluForward[float32]}, {"silu", nn.SiLUForward[float32]}} {
		want := make([]float32, n)
		c.ref(want, x)
		b := h.buf(x)
		gx, gy := grid256(n)
		h.run(c.name, nil, gx, gy, []uint32{uint32(n)}, b)
		require.Less(t, relErr(h.read(b, n), want), 2e-6, c.name)
	}
}

func TestKernelGatedResidual(t *testing.T) {
	h := newHarness(t)
	r := rand.New(rand.NewPCG(5, 5))
	rows, d, l, stride := 9, 40, 3, 6*40
	hv, y, mod := randn(r, rows*d, 1), randn(r, rows*d, 1), randn(r, (rows/l)*stride, 1)
	want := make([]float32, rows*d)
	for s := 0; s < rows/l; s++ {
		lo, hi := s*l*d, (s+1)*l*d
		nn.GatedResidualForward(want[lo:hi], hv[lo:hi], y[lo:hi], mod[s*stride+5*d:s*stride+6*d], d)
	}
	hb := h.buf(hv)
	gx, gy := grid256(rows * d)
	h.run("residual", nil, gx, gy, []uint32{uint32(rows), uint32(d), uint32(l), uint32(stride), uint32(5 * d)}, hb, h.buf(y), h.buf(mod))
	require.Less(t, relErr(h.read(hb, rows*d), want), 1e-6)
}

func TestKernelTimeEmbedding(t *testing.T) {
	h := newHarness(t)
	ts := []float32{0, 0.25, 0.5, 0.99999}
	B, half := len(ts), model.TimeFeatures/2
	want := make([]float32, B*2*half)
	nn.TimeEmbedding(want, ts, 2*half)
	freq := make([]float32, half)
	for j := range freq {
		freq[j] = float32(math.Exp(float64(float32(-math.Log(10000)) * float32(j) / float32(half))))
	}
	out := h.out(B * 2 * half)
	h.run("timeembed", nil, uint32((B*half+63)/64), 1, []uint32{uint32(B), uint32(half)}, h.buf(ts), h.buf(freq), out)
	e := relErr(h.read(out, B*2*half), want)
	t.Logf("timeembed: %.1e", e)
	require.Less(t, e, 1e-6)
}

func TestKernelSoftmax(t *testing.T) {
	h := newHarness(t)
	r := rand.New(rand.NewPCG(6, 6))
	rows, k := 7, 300
	z := randn(r, rows*k, 5)
	want := make([]float32, rows*k)
	for i := 0; i < rows; i++ {
		row := z[i*k : (i+1)*k]
		m := row[0]
		for _, v := range row {
			m = max(m, v)
		}
		var s float64
		for _, v := range row {
			s += math.Exp(float64(v - m))
		}
		for j, v := range row {
			want[i*k+j] = float32(math.Exp(float64(v-m)) / s)
		}
	}
	b := h.buf(z)
	h.run("softmax", nil, uint32(rows), 1, []uint32{uint32(rows), uint32(k)}, b)
	require.Less(t, relErr(h.read(b, rows*k), want), 2e-6)
}
