package model

import "github.com/rdlm-go/rdlm/core/cpu"

// forward is Inference.Forward's pass, Net.Forward's function bit for bit
// with the row passes fused where inference allows: every modulation is
// computed first (they depend on t alone), so the MLP residual of each block
// runs in one pass with the layer norm after it (the next block's first, or
// the output layer's), and the attention residual with the block's second
// (residualLayerNormRows); the weights are the packed ones when
// PackWeights packed them.
func (m *Inference[T]) forward(logits, x, t []T) {
	e, p := m.e, m.P
	e.setBatch(len(t))
	B, N, D, C, K, hid := e.B, e.N, e.D, e.C, e.K, e.hid
	pw := e.packed
	if pw == nil {
		pw = &noPacked
	}
	c := m.time.c[:B*C]
	e.timeForward(p, &m.time, t)
	e.embedForward(p, m.h, x)
	pk := func(i int) *packedBlock {
		if pw.blocks == nil {
			return &noPackedBlock
		}
		return &pw.blocks[i]
	}
	for i := range p.Blocks {
		linear(m.mods[i][:B*6*D], c, p.Blocks[i].AdaW, p.Blocks[i].AdaB, pk(i).ada, B, C, 6*D)
	}
	f := &m.final
	linear(f.mod[:B*2*D], c, p.FinalAdaW, p.FinalAdaB, pw.finalAda, B, C, 2*D)

	a, r := &m.acts, &e.rows
	r.hIn, r.hMid, r.hOut = m.h, m.h, m.h
	if len(p.Blocks) == 0 {
		r.p, r.a, r.f, r.finalNorm, r.modStride = nil, nil, f, p.FinalNorm, 2*D
		e.runRows(phFinalLN)
	} else {
		a.mod = m.mods[0]
		r.p, r.a, r.f, r.modStride = &p.Blocks[0], a, nil, 6*D
		e.runRows(phLN1)
	}
	for i := range p.Blocks {
		bp, k := &p.Blocks[i], pk(i)
		a.mod = m.mods[i]
		r.p, r.a, r.f, r.modStride = bp, a, nil, 6*D
		linear(e.qkv[:N*3*D], a.a1[:N*D], bp.QKV, nil, k.qkv, N, D, 3*D)
		e.attn.a, e.attn.backward = a, false
		cpu.For(B*e.H, e.workers, &e.attn)
		linear(a.proj[:N*D], a.att[:N*D], bp.Out, nil, k.out, N, D, D)
		e.runRows(phAttnResidLN2)
		linear(a.m1[:N*hid], a.a2[:N*D], bp.MLP0W, bp.MLP0B, k.mlp0, N, D, hid)
		e.runRows(phGelu)
		linear(a.m2[:N*D], a.g[:N*hid], bp.MLP2W, bp.MLP2B, k.mlp2, N, hid, D)
		if i+1 < len(p.Blocks) {
			r.nextNorm, r.nextMod, r.nextStride, r.nextOut = p.Blocks[i+1].Norm1, m.mods[i+1], 6*D, a.a1
		} else {
			r.nextNorm, r.nextMod, r.nextStride, r.nextOut = p.FinalNorm, f.mod, 2*D, f.a
		}
		e.runRows(phMLPResidNextLN)
	}
	a.mod = m.mods[0]
	r.nextNorm, r.nextMod, r.nextOut = nil, nil, nil
	linear(logits[:N*K], f.a[:N*D], p.OutW, p.OutB, pw.out, N, D, K)
}

// noPacked and noPackedBlock stand for an unpacked network: every product
// packs its weight.
var (
	noPacked      packedWeights
	noPackedBlock packedBlock
)
