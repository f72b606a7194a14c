package model

import (
	"github.com/rdlm-go/rdlm/core/cpu"
	"github.com/rdlm-go/rdlm/core/nn"
)

// timeForward computes the conditioning vector c = SiLU(L2(SiLU(L1(emb(t))))).
//
//	t (B) diffusion times in [0, 1)
func (e *engine[T]) timeForward(p *Params[T], ta *timeActs[T], t []T) {
	B, C := e.B, e.C
	var pw0, pw1 *cpu.PackedNT
	if e.packed != nil {
		pw0, pw1 = e.packed.time0, e.packed.time1
	}
	nn.TimeEmbedding(ta.emb[:B*TimeFeatures], t[:B], TimeFeatures)
	linear(ta.z1[:B*C], ta.emb[:B*TimeFeatures], p.Time0W, p.Time0B, pw0, B, TimeFeatures, C)
	nn.SiLUForward(ta.s1[:B*C], ta.z1[:B*C])
	linear(ta.z2[:B*C], ta.s1[:B*C], p.Time1W, p.Time1B, pw1, B, C, C)
	nn.SiLUForward(ta.c[:B*C], ta.z2[:B*C])
}

// embedForward is the input embedding h = x W_in^T + b_in.
//
//	h (N, D), x (N, K)
func (e *engine[T]) embedForward(p *Params[T], h, x []T) {
	var pw *cpu.PackedNT
	if e.packed != nil {
		pw = e.packed.embed
	}
	linear(h[:e.N*e.D], x[:e.N*e.K], p.EmbedW, p.EmbedB, pw, e.N, e.K, e.D)
}

// blockForward runs one pre-LN DiT block:
//
//	hMid = hIn + gate1 * attn(LN1(hIn) (1+scale1) + shift1) W_o
//	hOut = hMid + gate2 * MLP(LN2(hMid) (1+scale2) + shift2)
//
//	c (B, C); hIn, hMid, hOut (N, D): distinct in training, one buffer at inference
func (e *engine[T]) blockForward(p *BlockParams[T], a *blockActs[T], c, hIn, hMid, hOut []T) {
	B, N, D, C := e.B, e.N, e.D, e.C
	nn.LinearForward(a.mod[:B*6*D], c[:B*C], p.AdaW, p.AdaB, B, C, 6*D)
	r := &e.rows
	r.p, r.a, r.f, r.hIn, r.hMid, r.hOut, r.modStride = p, a, nil, hIn, hMid, hOut, 6*D
	e.runRows(phLN1)
	nn.LinearForward(e.qkv[:N*3*D], a.a1[:N*D], p.QKV, nil, N, D, 3*D)
	e.attn.a, e.attn.backward = a, false
	cpu.For(B*e.H, e.workers, &e.attn)
	nn.LinearForward(a.proj[:N*D], a.att[:N*D], p.Out, nil, N, D, D)
	e.runRows(phAttnResidLN2)
	nn.LinearForward(a.m1[:N*e.hid], a.a2[:N*D], p.MLP0W, p.MLP0B, N, D, e.hid)
	e.runRows(phGelu)
	nn.LinearForward(a.m2[:N*D], a.g[:N*e.hid], p.MLP2W, p.MLP2B, N, e.hid, D)
	e.runRows(phMLPResid)
}

// finalForward is the output layer: logits = (LN(h) (1+scale) + shift) W^T + b.
//
//	c (B, C), h (N, D), logits (N, K)
func (e *engine[T]) finalForward(p *Params[T], f *finalActs[T], c, h, logits []T) {
	B, N, D, C := e.B, e.N, e.D, e.C
	var pwAda, pwOut *cpu.PackedNT
	if e.packed != nil {
		pwAda, pwOut = e.packed.finalAda, e.packed.out
	}
	linear(f.mod[:B*2*D], c[:B*C], p.FinalAdaW, p.FinalAdaB, pwAda, B, C, 2*D)
	r := &e.rows
	r.p, r.a, r.f, r.finalNorm, r.hIn, r.modStride = nil, nil, f, p.FinalNorm, h, 2*D
	e.runRows(phFinalLN)
	linear(logits[:N*e.K], f.a[:N*D], p.OutW, p.OutB, pwOut, N, D, e.K)
}

// reducePartials adds the workers' partial sums of a layer norm weight
// gradient into dnorm (D) and of a modulation gradient into e.dmod
// (B, stride), then clears the partials for the next phase.
func (e *engine[T]) reducePartials(dnorm []T, stride int, withMod bool) {
	D := e.D
	for w := 0; w < e.workers; w++ {
		pn := e.partialNorm[w*D : (w+1)*D]
		for j, v := range pn {
			dnorm[j] += v
		}
		clear(pn)
	}
	if !withMod {
		return
	}
	n := e.B * stride
	dmod := e.dmod[:n]
	clear(dmod)
	for w := 0; w < e.workers; w++ {
		pm := e.partialMod[w*e.capB*stride : w*e.capB*stride+n]
		for j, v := range pm {
			dmod[j] += v
		}
		clear(pm)
	}
}
