package model

import (
	"github.com/rdlm-go/rdlm/core/cpu"
	"github.com/rdlm-go/rdlm/core/nn"
)

// finalBackward is the backward of finalForward: it takes the logits'
// gradient, sets e.dh to the gradient of the last residual stream, adds the
// output layer's parameter gradients into g and the conditioning's gradient
// into dc (B, C).
func (e *engine[T]) finalBackward(p, g *Params[T], f *finalActs[T], c, dc, h, dlogits []T) {
	B, N, D, C := e.B, e.N, e.D, e.C
	nn.LinearBackward(e.dA[:N*D], g.OutW, g.OutB, dlogits[:N*e.K], f.a[:N*D], p.OutW, N, D, e.K, false)
	clear(e.dh[:N*D])
	r := &e.rows
	r.p, r.a, r.f, r.finalNorm, r.hIn, r.modStride = nil, nil, f, p.FinalNorm, h, 2*D
	e.runRows(phBwdFinalLN)
	e.reducePartials(g.FinalNorm, 2*D, true)
	nn.LinearBackward(dc[:B*C], g.FinalAdaW, g.FinalAdaB, e.dmod[:B*2*D], c[:B*C], p.FinalAdaW, B, C, 2*D, true)
}

// blockBackward is the backward of blockForward. On entry e.dh holds the
// gradient of hOut; on return, that of hIn. Parameter gradients are added
// into g, the conditioning's gradient into dc (B, C).
func (e *engine[T]) blockBackward(p, g *BlockParams[T], a *blockActs[T], c, dc, hIn []T) {
	B, N, D, C := e.B, e.N, e.D, e.C
	r := &e.rows
	r.p, r.a, r.f, r.hIn, r.hMid, r.modStride = p, a, nil, hIn, a.hMid, 6*D

	// MLP branch.
	e.runRows(phBwdMLPResid)
	nn.LinearBackward(e.dm[:N*e.hid], g.MLP2W, g.MLP2B, e.dtmp[:N*D], a.g[:N*e.hid], p.MLP2W, N, e.hid, D, false)
	e.runRows(phBwdGelu)
	nn.LinearBackward(e.dA[:N*D], g.MLP0W, g.MLP0B, e.dm[:N*e.hid], a.a2[:N*D], p.MLP0W, N, D, e.hid, false)
	e.runRows(phBwdLN2)
	e.reducePartials(g.Norm2, 0, false)

	// Attention branch.
	e.runRows(phBwdAttnResid)
	nn.LinearBackward(e.datt[:N*D], g.Out, nil, e.dtmp[:N*D], a.att[:N*D], p.Out, N, D, D, false)
	e.attn.a, e.attn.backward = a, true
	cpu.For(B*e.H, e.workers, &e.attn)
	nn.LinearBackward(e.dA[:N*D], g.QKV, nil, e.dqkv[:N*3*D], a.a1[:N*D], p.QKV, N, D, 3*D, false)
	e.runRows(phBwdLN1)
	e.reducePartials(g.Norm1, 6*D, true)

	// Modulation.
	nn.LinearBackward(dc[:B*C], g.AdaW, g.AdaB, e.dmod[:B*6*D], c[:B*C], p.AdaW, B, C, 6*D, true)
}

// embedBackward adds the input embedding's gradients from e.dh.
//
//	x (N, K)
func (e *engine[T]) embedBackward(p, g *Params[T], x []T) {
	nn.LinearBackward(nil, g.EmbedW, g.EmbedB, e.dh[:e.N*e.D], x[:e.N*e.K], p.EmbedW, e.N, e.K, e.D, false)
}

// timeBackward adds the time MLP's gradients, given dc (B, C); dc is used
// as scratch.
func (e *engine[T]) timeBackward(p, g *Params[T], ta *timeActs[T], dc, ds []T) {
	B, C := e.B, e.C
	dc, ds = dc[:B*C], ds[:B*C]
	nn.SiLUBackward(dc, dc, ta.z2[:B*C])
	nn.LinearBackward(ds, g.Time1W, g.Time1B, dc, ta.s1[:B*C], p.Time1W, B, C, C, false)
	nn.SiLUBackward(ds, ds, ta.z1[:B*C])
	nn.LinearBackward(nil, g.Time0W, g.Time0B, ds, ta.emb[:B*TimeFeatures], p.Time0W, B, TimeFeatures, C, false)
}
