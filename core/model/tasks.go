package model

import (
	"github.com/rdlm-go/rdlm/core/cpu"
	"github.com/rdlm-go/rdlm/core/nn"
)

// rowPhase names one fused pass over the rows of the residual stream.
type rowPhase int

const (
	phLN1            rowPhase = iota // a1 = LN1(hIn) modulated
	phAttnResidLN2                   // hMid = hIn + gate1 proj; a2 = LN2(hMid) modulated
	phGelu                           // g = GELU(m1)
	phMLPResid                       // hOut = hMid + gate2 m2
	phFinalLN                        // final a = LN(hIn) modulated
	phMLPResidNextLN                 // inference: hOut = hMid + gate2 m2; next = the next layer norm of hOut, modulated
	phBwdMLPResid                    // dtmp = gate2 dh; dgate2 += dh m2
	phBwdGelu                        // dm *= GELU'(m1)
	phBwdLN2                         // dh += LN2 backward of dA; dnorm2, dshift2, dscale2
	phBwdAttnResid                   // dtmp = gate1 dh; dgate1 += dh proj
	phBwdLN1                         // dh += LN1 backward of dA; dnorm1, dshift1, dscale1
	phBwdFinalLN                     // dh += final LN backward of dA; dnorm, dshift, dscale
)

// rowTask runs one phase over chunks of rows: unit u is chunk u%S of
// sequence u/S, so each unit has one modulation vector. Per-sequence and
// weight gradients go to per-worker partial sums, reduced by the caller.
type rowTask[T cpu.Float] struct {
	e               *engine[T]
	phase           rowPhase
	p               *BlockParams[T]
	a               *blockActs[T]
	f               *finalActs[T]
	finalNorm       []T // (D) final layer norm weight
	hIn, hMid, hOut []T // (N, D) residual stream around the block
	modStride       int // 6D for a block, 2D for the output layer

	// phMLPResidNextLN: the layer norm that follows the block (the next
	// block's first, or the output layer's), its modulation (B, nextStride)
	// and its output (N, D).
	nextNorm, nextMod, nextOut []T
	nextStride                 int
}

func (e *engine[T]) runRows(ph rowPhase) {
	e.rows.phase = ph
	cpu.For(e.B*e.S, e.workers, &e.rows)
}

// part returns rows [r0, r1) of a buffer of w columns, or nil for nil.
func part[T cpu.Float](buf []T, w, r0, r1 int) []T {
	if buf == nil {
		return nil
	}
	return buf[r0*w : r1*w]
}

func (t *rowTask[T]) Run(worker, lo, hi int) {
	e := t.e
	chunk := (e.L + e.S - 1) / e.S
	for u := lo; u < hi; u++ {
		b := u / e.S
		r0 := b*e.L + (u%e.S)*chunk
		r1 := min(r0+chunk, (b+1)*e.L)
		if r0 < r1 {
			t.rowsOf(worker, b, r0, r1)
		}
	}
}

func (t *rowTask[T]) rowsOf(worker, b, r0, r1 int) {
	e := t.e
	D := e.D
	rows := func(buf []T) []T { return part(buf, D, r0, r1) }
	vec := func(buf []T) []T { return part(buf, 1, r0, r1) }
	// The modulation vector of sequence b, and this worker's share of its gradient.
	var mod, pm []T
	if t.a != nil {
		mod = t.a.mod[b*t.modStride : (b+1)*t.modStride]
	} else {
		mod = t.f.mod[b*t.modStride : (b+1)*t.modStride]
	}
	if e.partialMod != nil {
		o := (worker*e.capB + b) * t.modStride
		pm = e.partialMod[o : o+t.modStride]
	}
	pn := part(e.partialNorm, D, worker, worker+1)
	seg := func(v []T, i int) []T { return v[i*D : (i+1)*D] }
	a, p := t.a, t.p
	switch t.phase {
	case phLN1:
		if a.mean1 == nil { // inference
			layerNormModulateRows(rows(a.a1), rows(t.hIn), p.Norm1, seg(mod, 0), seg(mod, 1), D)
			break
		}
		nn.LayerNormModulateForward(rows(a.a1), vec(a.mean1), vec(a.rstd1), rows(t.hIn), p.Norm1, seg(mod, 0), seg(mod, 1), D)
	case phAttnResidLN2:
		if a.mean2 == nil { // inference
			residualLayerNormRows(rows(a.a2), rows(t.hMid), rows(t.hIn), rows(a.proj), seg(mod, 2), p.Norm2, seg(mod, 3), seg(mod, 4), D)
			break
		}
		nn.GatedResidualForward(rows(t.hMid), rows(t.hIn), rows(a.proj), seg(mod, 2), D)
		nn.LayerNormModulateForward(rows(a.a2), vec(a.mean2), vec(a.rstd2), rows(t.hMid), p.Norm2, seg(mod, 3), seg(mod, 4), D)
	case phGelu:
		nn.GeluForward(part(a.g, e.hid, r0, r1), part(a.m1, e.hid, r0, r1))
	case phMLPResid:
		nn.GatedResidualForward(rows(t.hOut), rows(t.hMid), rows(a.m2), seg(mod, 5), D)
	case phFinalLN:
		f := t.f
		if f.mean == nil {
			layerNormModulateRows(rows(f.a), rows(t.hIn), t.finalNorm, seg(mod, 0), seg(mod, 1), D)
			break
		}
		nn.LayerNormModulateForward(rows(f.a), vec(f.mean), vec(f.rstd), rows(t.hIn), t.finalNorm, seg(mod, 0), seg(mod, 1), D)
	case phMLPResidNextLN:
		nm := t.nextMod[b*t.nextStride : (b+1)*t.nextStride]
		residualLayerNormRows(rows(t.nextOut), rows(t.hOut), rows(t.hMid), rows(a.m2), seg(mod, 5), t.nextNorm, seg(nm, 0), seg(nm, 1), D)
	case phBwdMLPResid:
		nn.GatedResidualBackward(rows(e.dtmp), seg(pm, 5), rows(e.dh), rows(a.m2), seg(mod, 5), D)
	case phBwdGelu:
		dm := part(e.dm, e.hid, r0, r1)
		nn.GeluBackward(dm, dm, part(a.m1, e.hid, r0, r1))
	case phBwdLN2:
		nn.LayerNormModulateBackward(rows(e.dh), pn, seg(pm, 3), seg(pm, 4), rows(e.dA), rows(t.hMid), vec(a.mean2), vec(a.rstd2), p.Norm2, seg(mod, 4), D)
	case phBwdAttnResid:
		nn.GatedResidualBackward(rows(e.dtmp), seg(pm, 2), rows(e.dh), rows(a.proj), seg(mod, 2), D)
	case phBwdLN1:
		nn.LayerNormModulateBackward(rows(e.dh), pn, seg(pm, 0), seg(pm, 1), rows(e.dA), rows(t.hIn), vec(a.mean1), vec(a.rstd1), p.Norm1, seg(mod, 1), D)
	case phBwdFinalLN:
		f := t.f
		nn.LayerNormModulateBackward(rows(e.dh), pn, seg(pm, 0), seg(pm, 1), rows(e.dA), rows(t.hIn), vec(f.mean), vec(f.rstd), t.finalNorm, seg(mod, 1), D)
	}
}

// attnTask runs attention for units u = b*H + head, forward or backward.
type attnTask[T cpu.Float] struct {
	e        *engine[T]
	a        *blockActs[T]
	backward bool
}

func (t *attnTask[T]) Run(worker, lo, hi int) {
	e, a := t.e, t.a
	L, D, hd := e.L, e.D, e.hd
	hs := L * hd // elements of one head's (L, hd) matrix
	w := func(buf []T) []T { return buf[worker*hs : (worker+1)*hs] }
	scores := e.wscores[worker*L*L : (worker+1)*L*L]
	for u := lo; u < hi; u++ {
		b, h := u/e.H, u%e.H
		base := b*L*3*D + h*hd // head h's q in row 0 of sequence b of qkv
		outBase := b*L*D + h*hd
		var q, k, v, probs []T
		if a.q != nil {
			q, k, v = a.q[u*hs:(u+1)*hs], a.k[u*hs:(u+1)*hs], a.v[u*hs:(u+1)*hs]
			probs = a.probs[u*L*L : (u+1)*L*L]
		} else {
			q, k, v, probs = w(e.wq), w(e.wk), w(e.wv), scores
		}
		if !t.backward {
			if a.q == nil && e.stridedAttention() {
				t.attendStrided(worker, u)
				continue
			}
			nn.RotaryForward(q, e.qkv[base:], 3*D, e.cos, e.sin, L, hd)
			nn.RotaryForward(k, e.qkv[base+D:], 3*D, e.cos, e.sin, L, hd)
			nn.GatherHead(v, e.qkv[base+2*D:], 3*D, L, hd)
			nn.AttentionForward(w(e.wo), probs, q, k, v, L, hd, e.causal)
			nn.ScatterHead(a.att[outBase:], D, w(e.wo), L, hd)
			continue
		}
		dout := w(e.wo)
		nn.GatherHead(dout, e.datt[outBase:], D, L, hd)
		nn.AttentionBackward(w(e.wdq), w(e.wdk), w(e.wdv), scores, dout, probs, q, k, v, L, hd)
		nn.RotaryBackward(e.dqkv[base:], 3*D, w(e.wdq), e.cos, e.sin, L, hd)
		nn.RotaryBackward(e.dqkv[base+D:], 3*D, w(e.wdk), e.cos, e.sin, L, hd)
		nn.ScatterHead(e.dqkv[base+2*D:], 3*D, w(e.wdv), L, hd)
	}
}
