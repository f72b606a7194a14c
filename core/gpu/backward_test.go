package gpu

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/rdlm-go/rdlm/core/nn"
	"github.com/rdlm-go/rdlm/trainer/optim"
	"github.com/stretchr/testify/require"
)

// The backward kernels, each alone against its CPU reference in core/nn (and
// trainer/optim for the optimiser), on shapes that are not multiples of any
// tile, with outputs poisoned with NaN (or, where a kernel accumulates,
// filled with random values that must survive). Bounds are relErr (max
// |got - want| over the largest |want|), per op, a few times what SwiftShader
// gives (in parentheses, native; js/wasm under Dawn for Node is the same or
// lower):
//
//	linear dx, dW, db: 2e-6 (f32, other summation order; 1.6e-7)
//	layernorm dx, dw, dshift, dscale: 2e-6 (2.2e-7)
//	rotary inverse: 1e-6 (the CPU's products; 0)
//	attention dq, dk, dv: 1e-5 (probabilities recomputed with the device's
//	  exp, delta as do . out instead of sum p dp; 3.3e-7)
//	gelu, silu backward: 2e-6 (the device's exp; 7e-8)
//	gated residual dy, dgate: 1e-6 (0)
//	cross-entropy loss and dlogits: 2e-6 (2.7e-7)
//	global norm: 1e-6 relative (f32 partial sums against float64; below 1e-7)
//	AdamW + EMA, 3 steps: 1e-6 relative to the weights' scale (5.7e-8)
//
// The time embedding has no backward: t is an input, not a parameter
// (nn.TimeEmbedding's doc); the time MLP's is linear's and SiLU's.

func (h *harness) bufU32(v []uint32) Buf {
	b, err := h.e.buffer("test", len(v))
	require.NoError(h.t, err)
	h.e.d.WriteBuffer(b, 0, u32Bytes(v))
	return b
}

func nanFill(n int) []float32 {
	v := make([]float32, n)
	for i := range v {
		v[i] = float32(math.NaN())
	}
	return v
}

func TestKernelLinearBackward(t *testing.T) {
	h := newHarness(t)
	r := rand.New(rand.NewPCG(11, 11))
	m, n, k := 37, 70, 45 // rows, out features, in features
	xOff, xStride, wOff, bOff := 3, 50, 5, 5+70*45+2
	x := randn(r, xOff+m*xStride, 1)
	xs := make([]float32, m*k)
	for i := 0; i < m; i++ {
		copy(xs[i*k:(i+1)*k], x[xOff+i*xStride:])
	}
	w := randn(r, n*k, 0.2)
	dy := randn(r, m*n, 1)

	// dx, overwritten and accumulated.
	wFlat := append(randn(r, wOff, 1), w...)
	for _, acc := range []bool{false, true} {
		start := randn(r, m*k, 1)
		if !acc {
			start = nanFill(m * k)
		}
		want := make([]float32, m*k)
		copy(want, start)
		nn.LinearBackward(want, make([]float32, n*k), nil, dy, xs, w, m, k, n, acc)
		dx := h.buf(start)
		a := uint32(0)
		if acc {
			a = 1
		}
		h.run("linear_backward_input", nil, uint32((k+63)/64), uint32((m+63)/64),
			[]uint32{uint32(m), uint32(n), uint32(k), uint32(wOff), a}, h.buf(dy), h.buf(wFlat), dx)
		e := relErr(h.read(dx, m*k), want)
		t.Logf("linear dx (accumulate %v): %.1e", acc, e)
		require.Less(t, e, 2e-6)
	}

	// dW and db added onto what the gradient buffer holds.
	for _, bias := range []bool{true, false} {
		g := randn(r, bOff+n+3, 1)
		wantW := append([]float32(nil), g[wOff:wOff+n*k]...)
		wantB := append([]float32(nil), g[bOff:bOff+n]...)
		var db []float32
		if bias {
			db = wantB
		}
		nn.LinearBackward(nil, wantW, db, dy, xs, w, m, k, n, false)
		gb := h.buf(g)
		hb := uint32(0)
		if bias {
			hb = 1
		}
		h.run("linear_backward_weight", nil, uint32((k+63)/64), uint32((n+63)/64),
			[]uint32{uint32(m), uint32(n), uint32(k), uint32(xOff), uint32(xStride), uint32(wOff), uint32(bOff), hb}, h.buf(dy), h.buf(x), gb)
		got := h.read(gb, len(g))
		eW, eB := relErr(got[wOff:wOff+n*k], wantW), relErr(got[bOff:bOff+n], wantB)
		t.Logf("linear dW %.1e, db %.1e (bias %v)", eW, eB, bias)
		require.Less(t, eW, 2e-6)
		require.Less(t, eB, 2e-6)
		require.Equal(t, g[:wOff], got[:wOff], "before dW untouched")
		require.Equal(t, g[wOff+n*k:bOff], got[wOff+n*k:bOff], "between dW and db untouched")
	}
}

func TestKernelLayerNormBackward(t *testing.T) {
	h := newHarness(t)
	r := rand.New(rand.NewPCG(12, 12))
	rows, d, l := 12, 100, 4
	B, stride, shiftOff, scaleOff, wOff := rows/l, 6*d, 3*d, 4*d, 7
	x := randn(r, rows*d, 2)
	for i := range x {
		x[i] += 3
	}
	w := randn(r, d, 1)
	wFlat := append(randn(r, wOff, 1), w...)
	mod := randn(r, B*stride, 0.5)
	dout := randn(r, rows*d, 1)
	dh0 := randn(r, rows*d, 1)
	g0 := randn(r, wOff+d, 1) // the gradient buffer: dw adds onto it at wOff

	wantDx := append([]float32(nil), dh0...)
	wantDw := append([]float32(nil), g0[wOff:]...)
	wantDmod := nanFill(B * stride)
	mean, rstd, a := make([]float32, l), make([]float32, l), make([]float32, l*d)
	for s := 0; s < B; s++ {
		lo, hi := s*l*d, (s+1)*l*d
		m := mod[s*stride:]
		nn.LayerNormModulateForward(a, mean, rstd, x[lo:hi], w, m[shiftOff:shiftOff+d], m[scaleOff:scaleOff+d], d)
		dm := wantDmod[s*stride:]
		clear(dm[shiftOff : shiftOff+d])
		clear(dm[scaleOff : scaleOff+d])
		nn.LayerNormModulateBackward(wantDx[lo:hi], wantDw, dm[shiftOff:shiftOff+d], dm[scaleOff:scaleOff+d], dout[lo:hi], x[lo:hi], mean, rstd, w, m[scaleOff:scaleOff+d], d)
	}

	dx, stats := h.buf(dh0), h.out(rows*2)
	xb, db, wb, mb := h.buf(x), h.buf(dout), h.buf(wFlat), h.buf(mod)
	h.run("layernorm_backward", nil, uint32(rows), 1,
		[]uint32{uint32(rows), uint32(d), uint32(l), uint32(stride), uint32(scaleOff), uint32(wOff), 1}, db, xb, wb, mb, dx, stats)
	dmod, part, gb := h.out(B*stride), h.out(B*d), h.buf(g0)
	gx, gy := grid256(B * d)
	h.run("layernorm_backward_params", nil, gx, gy,
		[]uint32{uint32(B), uint32(d), uint32(l), uint32(stride), uint32(shiftOff), uint32(scaleOff), uint32(wOff)}, db, xb, stats, wb, mb, dmod, part)
	h.run("colsum", nil, uint32((d+255)/256), 1, []uint32{uint32(B), uint32(d), uint32(wOff)}, part, gb)

	eDx := relErr(h.read(dx, rows*d), wantDx)
	gotG := h.read(gb, wOff+d)
	eDw := relErr(gotG[wOff:], wantDw)
	gotMod := h.read(dmod, B*stride)
	var shift, scale, wShift, wScale []float32
	for s := 0; s < B; s++ {
		o := s * stride
		shift = append(shift, gotMod[o+shiftOff:o+shiftOff+d]...)
		scale = append(scale, gotMod[o+scaleOff:o+scaleOff+d]...)
		wShift = append(wShift, wantDmod[o+shiftOff:o+shiftOff+d]...)
		wScale = append(wScale, wantDmod[o+scaleOff:o+scaleOff+d]...)
	}
	eSh, eSc := relErr(shift, wShift), relErr(scale, wScale)
	t.Logf("layernorm dx %.1e, dw %.1e, dshift %.1e, dscale %.1e", eDx, eDw, eSh, eSc)
	for _, e := range []float64{eDx, eDw, eSh, eSc} {
		require.Less(t, e, 2e-6)
	}
	require.Equal(t, g0[:wOff], gotG[:wOff])
}

// TestKernelRotaryAndAttentionBackward runs the forward on the device (the
// rotated qkv and the row statistics the backward reads), then both halves
// of the attention backward and the inverse rotation, against the CPU's
// per-head AttentionBackward and RotaryBackward.
func TestKernelRotaryAndAttentionBackward(t *testing.T) {
	h := newHarness(t)
	r := rand.New(rand.NewPCG(13, 13))
	// L = 70 spans several 32-query, 32-key and 64-thread tiles.
	B, L, H, hd := 2, 70, 3, 16
	D := H * hd
	qkv := randn(r, B*L*3*D, 1)
	dout := randn(r, B*L*D, 1)
	cosT, sinT := make([]float32, L*hd/2), make([]float32, L*hd/2)
	nn.RotaryTable(cosT, sinT, L, hd)

	want := make([]float32, B*L*3*D)
	q, k, v, o := make([]float32, L*hd), make([]float32, L*hd), make([]float32, L*hd), make([]float32, L*hd)
	dq, dk, dv, do := make([]float32, L*hd), make([]float32, L*hd), make([]float32, L*hd), make([]float32, L*hd)
	probs, dscores := make([]float32, L*L), make([]float32, L*L)
	wantRot := make([]float32, B*L*3*D) // the rotated-space gradients, before the inverse rotation
	for b := 0; b < B; b++ {
		for hh := 0; hh < H; hh++ {
			base := b*L*3*D + hh*hd
			nn.RotaryForward(q, qkv[base:], 3*D, cosT, sinT, L, hd)
			nn.RotaryForward(k, qkv[base+D:], 3*D, cosT, sinT, L, hd)
			nn.GatherHead(v, qkv[base+2*D:], 3*D, L, hd)
			nn.AttentionForward(o, probs, q, k, v, L, hd, false)
			nn.GatherHead(do, dout[b*L*D+hh*hd:], D, L, hd)
			nn.AttentionBackward(dq, dk, dv, dscores, do, probs, q, k, v, L, hd)
			nn.ScatterHead(wantRot[base:], 3*D, dq, L, hd)
			nn.ScatterHead(wantRot[base+D:], 3*D, dk, L, hd)
			nn.ScatterHead(wantRot[base+2*D:], 3*D, dv, L, hd)
			nn.RotaryBackward(want[base:], 3*D, dq, cosT, sinT, L, hd)
			nn.RotaryBackward(want[base+D:], 3*D, dk, cosT, sinT, L, hd)
			nn.ScatterHead(want[base+2*D:], 3*D, dv, L, hd)
		}
	}

	qb, cb, sb := h.buf(qkv), h.buf(cosT), h.buf(sinT)
	gx, gy := grid256(B * L * D)
	h.run("rotary", nil, gx, gy, []uint32{uint32(B * L), uint32(D), uint32(hd), uint32(L), 0}, qb, cb, sb)
	out, stats := h.out(B*L*D), h.out(B*H*L*2)
	hd32 := map[string]uint32{"HD": uint32(hd)}
	wgs := uint32((L + 63) / 64)
	h.run("attention", hd32, wgs, uint32(B*H), []uint32{uint32(L), uint32(D), uint32(H)}, qb, out, stats)
	dqkv, delta := h.out(B*L*3*D), h.out(B*H*L)
	db := h.buf(dout)
	h.run("attention_backward_query", hd32, wgs, uint32(B*H), []uint32{uint32(L), uint32(D), uint32(H)}, qb, out, db, stats, dqkv, delta)
	h.run("attention_backward_key", map[string]uint32{"HD": uint32(hd), "QT": 32}, wgs, uint32(B*H),
		[]uint32{uint32(L), uint32(D), uint32(H)}, qb, db, stats, delta, dqkv)
	eAtt := relErr(h.read(dqkv, B*L*3*D), wantRot)
	h.run("rotary", nil, gx, gy, []uint32{uint32(B * L), uint32(D), uint32(hd), uint32(L), 1}, dqkv, cb, sb)
	eAll := relErr(h.read(dqkv, B*L*3*D), want)
	t.Logf("attention dq, dk, dv: %.1e; after the inverse rotation: %.1e", eAtt, eAll)
	require.Less(t, eAtt, 1e-5)
	require.Less(t, eAll, 1e-5)

	// The inverse rotation alone, on random gradients.
	g := randn(r, B*L*3*D, 1)
	wantInv := append([]float32(nil), g...)
	tmp := make([]float32, L*hd)
	for b := 0; b < B; b++ {
		for hh := 0; hh < 2*H; hh++ { // q's heads, then k's
			base := b*L*3*D + hh*hd
			nn.GatherHead(tmp, g[base:], 3*D, L, hd)
			nn.RotaryBackward(wantInv[base:], 3*D, tmp, cosT, sinT, L, hd)
		}
	}
	gb := h.buf(g)
	h.run("rotary", nil, gx, gy, []uint32{uint32(B * L), uint32(D), uint32(hd), uint32(L), 1}, gb, cb, sb)
	eRot := relErr(h.read(gb, len(g)), wantInv)
	t.Logf("rotary inverse: %.1e", eRot)
	require.Less(t, eRot, 1e-6)
}

func TestKernelActivationBackward(t *testing.T) {
	h := newHarness(t)
	r := rand.New(rand.NewPCG(14, 14))
	n := 1001
	x, dy := randn(r, n, 4), randn(r, n, 1)
	for _, c := range []struct {
		name string
		ref  func(dx, dy, x []float32)
	}{{"gelu_backward", nn.GeluBackward[float32]}, {"silu_backward", nn.SiLUBackward[float32]}} {
		want := make([]float32, n)
		c.ref(want, dy, x)
		b := h.buf(dy)
		gx, gy := grid256(n)
		h.run(c.name, nil, gx, gy, []uint32{uint32(n)}, b, h.buf(x))
		e := relErr(h.read(b, n), want)
		t.Logf("%s: %.1e", c.name, e)
		require.Less(t, e, 2e-6, c.name)
	}
}

func TestKernelGatedResidualBackward(t *testing.T) {
	h := newHarness(t)
	r := rand.New(rand.NewPCG(15, 15))
	rows, d, l, stride, gateOff := 9, 40, 3, 6*40, 5*40
	B := rows / l
	dh, y, mod := randn(r, rows*d, 1), randn(r, rows*d, 1), randn(r, B*stride, 1)
	wantDy, wantDg := make([]float32, rows*d), make([]float32, B*d)
	for s := 0; s < B; s++ {
		lo, hi := s*l*d, (s+1)*l*d
		nn.GatedResidualBackward(wantDy[lo:hi], wantDg[s*d:(s+1)*d], dh[lo:hi], y[lo:hi], mod[s*stride+gateOff:s*stride+gateOff+d], d)
	}
	dy, dmod := h.out(rows*d), h.out(B*stride)
	gx, gy := grid256(B * d)
	h.run("residual_backward", nil, gx, gy, []uint32{uint32(B), uint32(d), uint32(l), uint32(stride), uint32(gateOff)},
		h.buf(dh), h.buf(y), h.buf(mod), dy, dmod)
	gotMod := h.read(dmod, B*stride)
	var dg []float32
	for s := 0; s < B; s++ {
		dg = append(dg, gotMod[s*stride+gateOff:s*stride+gateOff+d]...)
	}
	eY, eG := relErr(h.read(dy, rows*d), wantDy), relErr(dg, wantDg)
	t.Logf("residual dy %.1e, dgate %.1e", eY, eG)
	require.Less(t, eY, 1e-6)
	require.Less(t, eG, 1e-6)
}

// TestKernelCrossEntropy checks the per-row loss (summed on the device by
// sum.wgsl) and the logits' gradient for rows read at an offset of the
// step's batch, with a zero weight (an MDLM position left unmasked) among
// them, for a narrow and a wide vocabulary.
func TestKernelCrossEntropy(t *testing.T) {
	h := newHarness(t)
	r := rand.New(rand.NewPCG(16, 16))
	for _, k := range []int{27, 300} {
		rows, off := 35, 6
		z := randn(r, rows*k, 3)
		tokens := make([]uint32, off+rows)
		weights := make([]float32, off+rows)
		for i := range tokens {
			tokens[i] = uint32(r.IntN(k))
			weights[i] = float32(0.1 + r.Float64())
		}
		weights[off+4] = 0
		want := make([]float32, rows*k)
		var wantLoss float64
		for i := 0; i < rows; i++ {
			tg := []int32{int32(tokens[off+i])}
			zr := z[i*k : (i+1)*k]
			wantLoss += float64(weights[off+i]) * float64(nn.CrossEntropyForward(zr, tg, k))
			nn.CrossEntropyBackward(want[i*k:(i+1)*k], zr, tg, k, weights[off+i])
		}
		dz, rowloss, total := h.out(rows*k), h.out(rows), h.buf([]float32{0, 2.5})
		h.run("crossentropy", nil, uint32(rows), 1, []uint32{uint32(rows), uint32(k), uint32(off)}, h.buf(z), h.bufU32(tokens), h.buf(weights), dz, rowloss)
		// The loss accumulates onto what the slot holds (2.5): micro-batches add up.
		h.run("sum", nil, 1, 1, []uint32{uint32(rows), uint32(rows), 1, 0, 1}, rowloss, total)
		eG := relErr(h.read(dz, rows*k), want)
		gotLoss := float64(h.read(total, 2)[1]) - 2.5
		eL := math.Abs(gotLoss-wantLoss) / wantLoss
		t.Logf("cross-entropy k=%d: dlogits %.1e, loss %.1e", k, eG, eL)
		require.Less(t, eG, 2e-6)
		require.Less(t, eL, 2e-6)
	}
}

// stepWords is the Step uniform of lib/step.wgsl for one AdamW step.
func stepWords(step, slot int, c optim.Coefficients, emaW float32) []uint32 {
	f := math.Float32bits
	return []uint32{uint32(step), uint32(slot), f(c.StepSize), f(c.InvSqrtBC2), f(c.Decay), f(emaW),
		f(c.B1), f(c.B2), f(c.OB1), f(c.OB2), f(c.Eps), 0, 0, 0, 0, 0}
}

// TestKernelGlobalNormClipAdamW runs the optimiser's kernels as a step does:
// the squared-norm partial sums of two gradient segments, the clip kernel
// (norm, factor, log), then AdamW with the EMA on each segment, three steps
// with clipping against optim's ClipGlobalNorm, AdamW.Update and EMA.Update;
// then a NaN gradient, which must stop the updates and mark its step.
func TestKernelGlobalNormClipAdamW(t *testing.T) {
	h := newHarness(t)
	r := rand.New(rand.NewPCG(17, 17))
	segs := []int{70001, 999}
	n := segs[0] + segs[1]
	cfg := optim.AdamWConfig{LR: 1e-2, Beta1: 0.9, Beta2: 0.999, Eps: 1e-8, WeightDecay: 0.1, Warmup: 2}
	const clip = 1.0
	params := randn(r, n, 1)
	opt, err := optim.NewAdamW(n, cfg)
	require.NoError(t, err)
	ema, err := optim.NewEMA(params, 0.9)
	require.NoError(t, err)
	wantP := append([]float32(nil), params...)

	const groups = 7
	partial := h.out(2 * groups)
	scal := h.buf(make([]float32, 4+2*8))
	stepU, err := h.e.d.CreateBuffer("step", 64, Uniform)
	require.NoError(t, err)
	type seg struct{ p, g, m, v, s Buf }
	var bufs []seg
	lo := 0
	for _, sz := range segs {
		bufs = append(bufs, seg{h.buf(params[lo : lo+sz]), h.out(sz), h.buf(make([]float32, sz)), h.buf(make([]float32, sz)), h.buf(params[lo : lo+sz])})
		lo += sz
	}
	var ops []op
	for i, sz := range segs {
		chunk := (sz + groups - 1) / groups
		require.NoError(t, h.e.record(&ops, "sum", nil, groups, 1, []uint32{uint32(sz), uint32(chunk), uint32(i * groups), 1, 0}, bufs[i].g, partial))
	}
	require.NoError(t, h.e.record(&ops, "clip", nil, 1, 1, []uint32{2 * groups, math.Float32bits(clip), math.Float32bits(optim.ClipEps)}, stepU, partial, scal))
	for i, sz := range segs {
		gx, gy := grid256(sz)
		b := bufs[i]
		require.NoError(t, h.e.record(&ops, "adamw", nil, gx, gy, []uint32{uint32(sz)}, stepU, b.p, b.g, b.m, b.v, b.s, scal))
	}

	for step := 1; step <= 4; step++ {
		grads := randn(r, n, 0.01*float64(step))
		if step == 4 {
			grads[12345] = float32(math.NaN())
		}
		lo := 0
		for i, sz := range segs {
			h.e.d.WriteBuffer(bufs[i].g, 0, f32Bytes(grads[lo:lo+sz]))
			lo += sz
		}
		wantNorm := optim.ClipGlobalNorm(grads, clip)
		if step < 4 {
			opt.Update(wantP, grads)
			ema.Update(wantP)
		}
		c := cfg.CoefficientsAt(step)
		h.e.d.WriteBuffer(stepU, 0, u32Bytes(stepWords(step, step-1, c, float32(1-ema.DecayAt(step)))))
		h.e.d.BeginStream()
		h.e.run(ops)
		require.NoError(t, h.e.d.Submit())

		sc := h.read(scal, 4+2*8)
		gotNorm := float64(sc[4+2*(step-1)+1])
		if step == 4 {
			require.True(t, math.IsNaN(gotNorm))
			require.Equal(t, uint32(4), math.Float32bits(sc[2]), "the first non-finite step is marked")
		} else {
			eN := math.Abs(gotNorm-wantNorm) / wantNorm
			require.Less(t, eN, 1e-6, "step %d norm %v, want %v", step, gotNorm, wantNorm)
			require.Equal(t, uint32(0), math.Float32bits(sc[2]))
		}
		var gotP, gotS []float32
		for i, sz := range segs {
			gotP = append(gotP, h.read(bufs[i].p, sz)...)
			gotS = append(gotS, h.read(bufs[i].s, sz)...)
		}
		eP, eS := relErr(gotP, wantP), relErr(gotS, ema.Shadow)
		t.Logf("step %d: norm %.6g (cpu %.6g), weights %.1e, EMA %.1e", step, gotNorm, wantNorm, eP, eS)
		require.Less(t, eP, 1e-6)
		require.Less(t, eS, 1e-6)
		if step < 4 {
			require.Equal(t, make([]float32, segs[1]), h.read(bufs[1].g, segs[1]), "gradients cleared for the next step")
		}
	}
}
