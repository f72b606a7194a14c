package nn

import (
	"math"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/rdlm-go/rdlm/internal/testutil"
)

func TestLinearGradients(t *testing.T) {
	const n, in, out = 5, 7, 4
	x, w, b := randn(1, n*in), randn(2, out*in), randn(3, out)
	probe := randn(4, n*out)
	y := make([]float64, n*out)
	loss := func() float64 { LinearForward(y, x, w, b, n, in, out); return testutil.Dot(probe, y) }
	dx, dw, db := randn(5, n*in), make([]float64, out*in), make([]float64, out)
	dx0 := append([]float64(nil), dx...)
	loss()
	LinearBackward(dx, dw, db, probe, x, w, n, in, out, true)
	for i := range dx { // accumulateDx adds onto what was there
		dx[i] -= dx0[i]
	}
	require.Less(t, testutil.FiniteDiffRelErr(t, "dx", x, dx, loss), gradTol)
	require.Less(t, testutil.FiniteDiffRelErr(t, "dw", w, dw, loss), gradTol)
	require.Less(t, testutil.FiniteDiffRelErr(t, "db", b, db, loss), gradTol)

	// Forward against the definition, and overwrite mode of dx.
	LinearForward(y, x, w, b, n, in, out)
	for r := 0; r < n; r++ {
		for j := 0; j < out; j++ {
			s := b[j]
			for p := 0; p < in; p++ {
				s += x[r*in+p] * w[j*in+p]
			}
			require.InDelta(t, s, y[r*out+j], 1e-12)
		}
	}
	dx2 := randn(6, n*in)
	LinearBackward(dx2, make([]float64, out*in), nil, probe, x, w, n, in, out, false)
	require.InDeltaSlice(t, dx, dx2, 1e-12)
}

func TestLayerNormModulate(t *testing.T) {
	const n, d = 4, 8
	x, w, shift, scale := randn(1, n*d), randn(2, d), randn(3, d), randn(4, d)
	probe := randn(5, n*d)
	out, mean, rstd := make([]float64, n*d), make([]float64, n), make([]float64, n)
	loss := func() float64 {
		LayerNormModulateForward(out, mean, rstd, x, w, shift, scale, d)
		return testutil.Dot(probe, out)
	}
	loss()
	// Forward against the definition.
	for r := 0; r < n; r++ {
		m, v := 0.0, 0.0
		for j := 0; j < d; j++ {
			m += x[r*d+j] / d
		}
		for j := 0; j < d; j++ {
			v += (x[r*d+j] - m) * (x[r*d+j] - m) / d
		}
		for j := 0; j < d; j++ {
			want := (x[r*d+j]-m)/math.Sqrt(v+1e-5)*w[j]*(1+scale[j]) + shift[j]
			require.InDelta(t, want, out[r*d+j], 1e-12)
		}
	}
	dx, dw, dshift, dscale := make([]float64, n*d), make([]float64, d), make([]float64, d), make([]float64, d)
	LayerNormModulateBackward(dx, dw, dshift, dscale, probe, x, mean, rstd, w, scale, d)
	require.Less(t, testutil.FiniteDiffRelErr(t, "dx", x, dx, loss), gradTol)
	require.Less(t, testutil.FiniteDiffRelErr(t, "dw", w, dw, loss), gradTol)
	require.Less(t, testutil.FiniteDiffRelErr(t, "dshift", shift, dshift, loss), gradTol)
	require.Less(t, testutil.FiniteDiffRelErr(t, "dscale", scale, dscale, loss), gradTol)
}

func TestRotary(t *testing.T) {
	const l, hd, stride = 6, 8, 20
	cos, sin := make([]float64, l*hd/2), make([]float64, l*hd/2)
	RotaryTable(cos, sin, l, hd)
	// Position p, frequency i turns by p * 10000^(-2i/hd).
	for p := 0; p < l; p++ {
		for i := 0; i < hd/2; i++ {
			a := float64(p) * math.Pow(10000, -2*float64(i)/hd)
			require.InDelta(t, math.Cos(a), cos[p*hd/2+i], 1e-15)
			require.InDelta(t, math.Sin(a), sin[p*hd/2+i], 1e-15)
		}
	}
	src := randn(1, l*stride)
	probe := randn(2, l*hd)
	dst := make([]float64, l*hd)
	loss := func() float64 { RotaryForward(dst, src[3:], stride, cos, sin, l, hd); return testutil.Dot(probe, dst) }
	loss()
	// x cos + rotate_half(x) sin, rotate_half(x) = [-x2, x1].
	for r := 0; r < l; r++ {
		x := src[3+r*stride : 3+r*stride+hd]
		for i := 0; i < hd; i++ {
			c, s := cos[r*hd/2+i%(hd/2)], sin[r*hd/2+i%(hd/2)]
			rh := x[(i+hd/2)%hd]
			if i < hd/2 {
				rh = -rh
			}
			require.InDelta(t, x[i]*c+rh*s, dst[r*hd+i], 1e-14)
		}
	}
	dsrc := make([]float64, l*stride)
	RotaryBackward(dsrc[3:], stride, probe, cos, sin, l, hd)
	require.Less(t, testutil.FiniteDiffRelErr(t, "dsrc", src, dsrc, loss), gradTol)

	// Gather and scatter are inverse copies.
	g := make([]float64, l*hd)
	GatherHead(g, src[5:], stride, l, hd)
	back := make([]float64, l*stride)
	ScatterHead(back[5:], stride, g, l, hd)
	for r := 0; r < l; r++ {
		require.Equal(t, src[5+r*stride:5+r*stride+hd], back[5+r*stride:5+r*stride+hd])
	}
}

// Both modes against a direct evaluation (the causal one sums over j <= i
// only), and their gradients against finite differences.
func TestAttention(t *testing.T) {
	const l, hd = 7, 6
	for _, causal := range []bool{false, true} {
		q, k, v := randn(1, l*hd), randn(2, l*hd), randn(3, l*hd)
		probe := randn(4, l*hd)
		out, probs := make([]float64, l*hd), make([]float64, l*l)
		loss := func() float64 { AttentionForward(out, probs, q, k, v, l, hd, causal); return testutil.Dot(probe, out) }
		loss()
		for i := 0; i < l; i++ {
			last := l - 1
			if causal {
				last = i
			}
			w := make([]float64, l)
			z := 0.0
			for j := 0; j <= last; j++ {
				s := 0.0
				for p := 0; p < hd; p++ {
					s += q[i*hd+p] * k[j*hd+p]
				}
				w[j] = math.Exp(s / math.Sqrt(hd))
				z += w[j]
			}
			for p := 0; p < hd; p++ {
				o := 0.0
				for j := 0; j <= last; j++ {
					o += w[j] / z * v[j*hd+p]
				}
				require.InDelta(t, o, out[i*hd+p], 1e-13, "causal %v", causal)
			}
		}
		dq, dk, dv, scratch := make([]float64, l*hd), make([]float64, l*hd), make([]float64, l*hd), make([]float64, l*l)
		AttentionBackward(dq, dk, dv, scratch, probe, probs, q, k, v, l, hd)
		require.Less(t, testutil.FiniteDiffRelErr(t, "dq", q, dq, loss), gradTol)
		require.Less(t, testutil.FiniteDiffRelErr(t, "dk", k, dk, loss), gradTol)
		require.Less(t, testutil.FiniteDiffRelErr(t, "dv", v, dv, loss), gradTol)
	}
}

func TestGelu(t *testing.T) {
	// The tanh-approximate GELU evaluated independently (Python math, float64).
	y := make([]float64, 3)
	GeluForward(y, []float64{1, -0.5, 2.5})
	require.InDeltaSlice(t, []float64{0.8411919906082768, -0.15428599017485606, 2.484915733910001}, y, 1e-14)
	checkActivationGradient(t, GeluForward[float64], GeluBackward[float64])
}

func TestSiLU(t *testing.T) {
	y := make([]float64, 2)
	SiLUForward(y, []float64{1, -2})
	require.InDeltaSlice(t, []float64{0.7310585786300049, -0.2384058440442351}, y, 1e-15)
	checkActivationGradient(t, SiLUForward[float64], SiLUBackward[float64])
}

// checkActivationGradient checks an elementwise activation's backward
// against finite differences of its forward, on 50 normal inputs.
func checkActivationGradient(t *testing.T, forward func(y, x []float64), backward func(dx, dy, x []float64)) {
	t.Helper()
	x, probe := randn(1, 50), randn(2, 50)
	out := make([]float64, 50)
	loss := func() float64 { forward(out, x); return testutil.Dot(probe, out) }
	dx := make([]float64, 50)
	backward(dx, probe, x)
	require.Less(t, testutil.FiniteDiffRelErr(t, "dx", x, dx, loss), gradTol)
}

func TestGatedResidual(t *testing.T) {
	const n, d = 3, 5
	h0, y, gate := randn(1, n*d), randn(2, n*d), randn(3, d)
	probe := randn(4, n*d)
	h := make([]float64, n*d)
	loss := func() float64 {
		GatedResidualForward(h, h0, y, gate, d)
		return testutil.Dot(probe, h)
	}
	loss()
	for i := range h {
		require.InDelta(t, h0[i]+gate[i%d]*y[i], h[i], 1e-15)
	}
	dy, dgate := make([]float64, n*d), make([]float64, d)
	GatedResidualBackward(dy, dgate, probe, y, gate, d)
	require.Less(t, testutil.FiniteDiffRelErr(t, "dy", y, dy, loss), gradTol)
	require.Less(t, testutil.FiniteDiffRelErr(t, "dgate", gate, dgate, loss), gradTol)
	// The residual stream passes its gradient through: d loss / d h0 = probe.
	require.Less(t, testutil.FiniteDiffRelErr(t, "dh", h0, probe, loss), gradTol)
}

func TestTimeEmbedding(t *testing.T) {
	tt := []float64{0.31, 0.87}
	e := make([]float64, 2*256)
	TimeEmbedding(e, tt, 256)
	for b, tv := range tt {
		for _, j := range []int{0, 1, 64, 127} {
			f := math.Exp(-math.Log(10000) * float64(j) / 128)
			require.InDelta(t, math.Cos(tv*f), e[b*256+j], 1e-15)
			require.InDelta(t, math.Sin(tv*f), e[b*256+128+j], 1e-15)
		}
	}
}

func TestCrossEntropy(t *testing.T) {
	const n, k = 4, 6
	targets := []int32{0, 5, 2, 2}
	// Zero logits give n ln k.
	require.InDelta(t, n*math.Log(k), CrossEntropyForward(make([]float64, n*k), targets, k), 1e-13)
	z := randn(1, n*k)
	for i := range z {
		z[i] *= 3
	}
	loss := func() float64 { return 0.7 * CrossEntropyForward(z, targets, k) }
	g := make([]float64, n*k)
	CrossEntropyBackward(g, z, targets, k, 0.7)
	require.Less(t, testutil.FiniteDiffRelErr(t, "dlogits", z, g, loss), gradTol)
	// Large logits stay finite (the max is subtracted).
	big := []float64{1000, 0, -1000, 0, 0, 0}
	require.InDelta(t, 1000+math.Log(1+math.Exp(-1000)), CrossEntropyForward(big, []int32{1}, k), 1e-9)
}
