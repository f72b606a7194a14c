#!/usr/bin/python3
"""PyTorch peer of `rdlm bench`: the same figures, timed the same way.

Prints one JSON line per figure, in the format of `rdlm bench --json`:
  {"bench":"sgemm","layout":"NT","n":512,"gflops":..,"ms":..,...}
  {"bench":"block","batch":32,"length":256,"hidden":256,"heads":4,"mlp":4,"ms":..,...}

sgemm is c = a b^T for square float32 matrices (torch.mm into a preallocated
output); the figure is the median over reps of the time per product, each rep
timing about 2 GFLOP of products. The block is one pre-LN DiT block with
adaLN modulation (conditioning width 128), rotary attention and a 4x GELU(tanh)
MLP, the same function core/model's block computes: forward, then backward
from a fixed output gradient to every parameter, the input and the
conditioning; the figure is the median over reps of one forward+backward.

The timed block is TunedBlock, a hand-written forward and backward on
preallocated buffers (--impl autograd times the plain autograd module Block,
the peer before issue 13). --check compares the two: TunedBlock's output and
every gradient against autograd's, within 1e-5 relative, so the tuning is
not a change of work. cmd/rdlm-peer/block_ablation.py times the steps
between them.

Run by /usr/bin/python3 with Debian's python3-torch (1.13, OpenBLAS). See
compare.sh for the environment of a fair run.
"""

import argparse
import json
import math
import os
import statistics
import time

import torch
import torch.nn.functional as F

COND = 128  # the conditioning width C of core/model's block benchmark
MLP_RATIO = 4


def sgemm(n, reps):
    g = torch.Generator().manual_seed(n)
    a = torch.randn(n, n, generator=g)
    b = torch.randn(n, n, generator=g)
    c = torch.empty(n, n)
    bt = b.t()
    flops = 2.0 * n * n * n
    iters = max(1, math.ceil(2e9 / flops))
    torch.mm(a, bt, out=c)  # warm-up
    times = []
    for _ in range(reps):
        t0 = time.perf_counter()
        for _ in range(iters):
            torch.mm(a, bt, out=c)
        times.append((time.perf_counter() - t0) / iters)
    med = statistics.median(times)
    return {"bench": "sgemm", "layout": "NT", "n": n, "gflops": flops / med / 1e9, "ms": med * 1e3, "reps": reps}


def rotate_half(x):
    x1, x2 = x.chunk(2, dim=-1)
    return torch.cat((-x2, x1), dim=-1)


class Block(torch.nn.Module):
    """One DiT block, the function of core/model's blockForward (forward.go,
    tasks.go): adaLN modulation mod = ada(c) split into shift1, scale1,
    gate1, shift2, scale2, gate2; a1 = LN1(h) (1 + scale1) + shift1 (layer
    norm with weight, no bias, eps 1e-5); fused qkv (no bias); rotary in the
    rotate_half convention on q and k; softmax(q k^T / sqrt(hd)) v; h' = h +
    gate1 out(att); a2 = LN2(h') (1 + scale2) + shift2; out = h' + gate2
    mlp2(GELU_tanh(mlp0(a2))).

    This is the straightforward autograd module, kept as the reference of
    --check and for the ablation (cmd/rdlm-peer/block_ablation.py); the
    keyword flags switch on one tuning each (all off: the peer as it was).
    """

    def __init__(self, hidden, heads, length, qk_together=False, contiguous=False, fold_scale=False,
                 addcmul=False):
        super().__init__()
        d = hidden
        self.heads = heads
        self.qk_together, self.contiguous, self.fold_scale, self.addcmul = qk_together, contiguous, fold_scale, addcmul
        self.ada = torch.nn.Linear(COND, 6 * d)
        self.norm1 = torch.nn.Parameter(torch.ones(d))
        self.qkv = torch.nn.Linear(d, 3 * d, bias=False)
        self.out = torch.nn.Linear(d, d, bias=False)
        self.norm2 = torch.nn.Parameter(torch.ones(d))
        self.mlp0 = torch.nn.Linear(d, MLP_RATIO * d)
        self.mlp2 = torch.nn.Linear(MLP_RATIO * d, d)
        hd = d // heads
        inv_freq = 10000.0 ** (-torch.arange(0, hd, 2, dtype=torch.float32) / hd)
        ang = torch.outer(torch.arange(length, dtype=torch.float32), inv_freq)
        ang = torch.cat((ang, ang), dim=-1)  # (L, hd)
        self.register_buffer("cos", ang.cos())
        self.register_buffer("sin", ang.sin())
        s = 1.0 / math.sqrt(hd)
        # (2, 1, 1, L, hd) tables for q and k stacked; q's scaled by 1/sqrt(hd) when fold_scale.
        qs = s if fold_scale else 1.0
        self.register_buffer("cos2", torch.stack((ang.cos() * qs, ang.cos()))[:, None, None])
        self.register_buffer("sin2", torch.stack((ang.sin() * qs, ang.sin()))[:, None, None])
        with torch.no_grad():  # every modulation non-zero, as in the Go benchmark
            self.ada.weight.normal_(0, 0.02)
            self.ada.bias.normal_(0, 0.02)

    def _mod(self, x, scale, shift):
        if self.addcmul:
            return torch.addcmul(shift, x, 1 + scale)
        return x * (1 + scale) + shift

    def _gate(self, h, gate, y):
        if self.addcmul:
            return torch.addcmul(h, gate, y)
        return h + gate * y

    def forward(self, h, c):
        B, L, D = h.shape
        H, hd = self.heads, D // self.heads
        shift1, scale1, gate1, shift2, scale2, gate2 = self.ada(c)[:, None, :].chunk(6, dim=2)
        a = self._mod(F.layer_norm(h, (D,), self.norm1, None, 1e-5), scale1, shift1)
        qkv = self.qkv(a).view(B, L, 3, H, hd).permute(2, 0, 3, 1, 4)  # (3, B, H, L, hd)
        if self.qk_together:
            qk = qkv[0:2]
            qk = qk * self.cos2 + rotate_half(qk) * self.sin2
            q, k, v = qk[0], qk[1], qkv[2]
        else:
            q, k, v = qkv[0], qkv[1], qkv[2]
            cq, sq = (self.cos2[0, 0], self.sin2[0, 0]) if self.fold_scale else (self.cos, self.sin)
            q = q * cq + rotate_half(q) * sq
            k = k * self.cos + rotate_half(k) * self.sin
        if self.contiguous:
            q, k, v = (t.contiguous().view(B * H, L, hd) for t in (q, k, v))
            s = torch.bmm(q, k.transpose(1, 2))
        else:
            s = torch.matmul(q, k.transpose(-1, -2))
        if not self.fold_scale:
            s = s * (1.0 / math.sqrt(hd))
        p = torch.softmax(s, dim=-1)
        if self.contiguous:
            o = torch.bmm(p, v).view(B, H, L, hd).transpose(1, 2).reshape(B, L, D)
        else:
            o = torch.matmul(p, v).transpose(1, 2).reshape(B, L, D)
        h = self._gate(h, gate1, self.out(o))
        a2 = self._mod(F.layer_norm(h, (D,), self.norm2, None, 1e-5), scale2, shift2)
        return self._gate(h, gate2, self.mlp2(F.gelu(self.mlp0(a2), approximate="tanh")))


class TunedBlock:
    """The same block with a hand-written backward on preallocated buffers.

    Every activation and gradient has a buffer allocated once; the forward
    keeps what the backward needs (layer norm statistics, rotated q and k, v,
    attention probabilities, the MLP input and pre-activation) and the
    backward writes each gradient into its own buffer with out= kernels and
    in-place ops. Differences from Block, all of the same math:
      * rotary without rotate_half's torch.cat temporaries: the two halves
        are written into preallocated, head-major (B, H, L, hd) q and k by
        mul and addcmul, q and k in one pass;
      * the 1/sqrt(hd) of the scores folded into q's rotary table;
      * v and the attention output copied once into head-major layout, so
        every bmm runs on contiguous operands;
      * modulations and gated residuals as single addcmul kernels;
      * no autograd graph, no zero_grad pass: a gradient buffer is written
        by the product that makes it (parameter gradients start from zero
        each run, as zero_grad + backward would leave them).
    """

    def __init__(self, ref):
        self.ref = ref
        self.bufs = None

    def _alloc(self, B, L, D, H):
        hd, F4 = D // H, MLP_RATIO * D
        N = B * L
        e = torch.empty
        b = {}
        for name, shape in [
            ("mod", (B, 6 * D)), ("ln1", (N, D)), ("mean1", (N, 1)), ("rstd1", (N, 1)), ("a1", (N, D)),
            ("qkv", (N, 3 * D)), ("qk", (2, B, H, L, hd)), ("v", (B, H, L, hd)), ("p", (B * H, L, L)),
            ("o", (B * H, L, hd)), ("att", (N, D)), ("proj", (N, D)), ("hmid", (N, D)), ("ln2", (N, D)),
            ("mean2", (N, 1)), ("rstd2", (N, 1)), ("a2", (N, D)), ("m1", (N, F4)), ("g", (N, F4)),
            ("m2", (N, D)), ("out", (N, D)),
            # backward
            ("dh", (N, D)), ("dtmp", (N, D)), ("dg", (N, F4)), ("dm1", (N, F4)), ("da", (N, D)),
            ("dmod", (B, 6 * D)), ("prod", (N, D)), ("datt", (B * H, L, hd)), ("dp", (B * H, L, L)),
            ("dqk", (2, B * H, L, hd)), ("dv", (B * H, L, hd)), ("dqkv", (N, 3 * D)), ("dc", (B, COND)),
        ]:
            b[name] = e(shape)
        m = self.ref
        b["grads"] = {n: torch.empty_like(p) for n, p in m.named_parameters()}
        half = hd // 2
        cos, sin = m.cos[:, :half], m.sin[:, :half]  # (L, half): the two halves repeat
        scale = 1.0 / math.sqrt(hd)
        # (1, L, 2, 1, half): index 0 of dim 2 is q's table, pre-scaled; 1 is k's.
        b["cos2"] = torch.stack((cos * scale, cos), dim=1)[None, :, :, None, :].contiguous()
        b["sin2"] = torch.stack((sin * scale, sin), dim=1)[None, :, :, None, :].contiguous()
        self.bufs = b

    def forward(self, h, c):
        m, b = self.ref, self.bufs
        B, L, D = h.shape
        H = m.heads
        hd, half, N = D // H, D // H // 2, B * L
        h2 = h.reshape(N, D)
        torch.addmm(m.ada.bias, c, m.ada.weight.t(), out=b["mod"])
        mod = b["mod"].view(B, 1, 6, D)
        shift1, scale1, gate1, shift2, scale2, gate2 = (mod[:, :, i] for i in range(6))
        self._opscale = (1 + scale1, 1 + scale2)
        # LN1 + modulation
        self._ln_mod(h2, m.norm1, "ln1", "mean1", "rstd1", "a1", shift1, self._opscale[0], B, L, D)
        torch.mm(b["a1"], m.qkv.weight.t(), out=b["qkv"])
        qkv = b["qkv"].view(B, L, 3, H, hd)
        # rotary on q and k together, into head-major (2, B, H, L, hd)
        src = qkv[:, :, 0:2]                            # (B, L, 2, H, hd) view
        dst = b["qk"].permute(1, 3, 0, 2, 4)            # same index order, head-major storage
        x1, x2 = src[..., :half], src[..., half:]
        o1, o2 = dst[..., :half], dst[..., half:]
        cos2, sin2 = b["cos2"], b["sin2"]
        torch.mul(x1, cos2, out=o1)
        o1.addcmul_(x2, sin2, value=-1)
        torch.mul(x2, cos2, out=o2)
        o2.addcmul_(x1, sin2)
        b["v"].copy_(qkv[:, :, 2].permute(0, 2, 1, 3))
        q = b["qk"][0].view(B * H, L, hd)
        k = b["qk"][1].view(B * H, L, hd)
        v = b["v"].view(B * H, L, hd)
        torch.bmm(q, k.transpose(1, 2), out=b["p"])
        torch._softmax(b["p"], -1, False, out=b["p"])
        torch.bmm(b["p"], v, out=b["o"])
        b["att"].view(B, L, H, hd).copy_(b["o"].view(B, H, L, hd).permute(0, 2, 1, 3))
        torch.mm(b["att"], m.out.weight.t(), out=b["proj"])
        torch.addcmul(h2.view(B, L, D), gate1, b["proj"].view(B, L, D), out=b["hmid"].view(B, L, D))
        self._ln_mod(b["hmid"], m.norm2, "ln2", "mean2", "rstd2", "a2", shift2, self._opscale[1], B, L, D)
        torch.addmm(m.mlp0.bias, b["a2"], m.mlp0.weight.t(), out=b["m1"])
        torch._C._nn.gelu(b["m1"], approximate="tanh", out=b["g"])
        torch.addmm(m.mlp2.bias, b["g"], m.mlp2.weight.t(), out=b["m2"])
        torch.addcmul(b["hmid"].view(B, L, D), gate2, b["m2"].view(B, L, D), out=b["out"].view(B, L, D))
        return b["out"].view(B, L, D)

    def _ln_mod(self, x, w, ln, mean, rstd, out, shift, opscale, B, L, D):
        b = self.bufs
        y, mu, rs = torch.native_layer_norm(x, [D], w, None, 1e-5)  # writes no out=; small
        b[ln], b[mean], b[rstd] = y, mu, rs
        torch.addcmul(shift, y.view(B, L, D), opscale, out=b[out].view(B, L, D))

    def backward(self, h, c, dout):
        """Gradients to every parameter (in bufs["grads"]), h and c."""
        m, b, gr = self.ref, self.bufs, self.bufs["grads"]
        B, L, D = h.shape
        H = m.heads
        hd, half, N = D // H, D // H // 2, B * L
        h2 = h.reshape(N, D)
        mod = b["mod"].view(B, 1, 6, D)
        gate1, gate2 = mod[:, :, 2], mod[:, :, 5]
        dmod = b["dmod"].view(B, 6, D)
        dh = b["dh"]
        dh.copy_(dout.reshape(N, D))
        dh3 = dh.view(B, L, D)
        # MLP residual: dgate2 = sum_l dh m2; dm2 = gate2 dh
        torch.mul(dh, b["m2"], out=b["prod"])
        torch.sum(b["prod"].view(B, L, D), 1, out=dmod[:, 5])
        torch.mul(dh3, gate2, out=b["dtmp"].view(B, L, D))
        torch.mm(b["dtmp"].t(), b["g"], out=gr["mlp2.weight"])
        torch.sum(b["dtmp"], 0, out=gr["mlp2.bias"])
        torch.mm(b["dtmp"], m.mlp2.weight, out=b["dg"])
        torch.ops.aten.gelu_backward.grad_input(b["dg"], b["m1"], approximate="tanh", grad_input=b["dm1"])
        torch.mm(b["dm1"].t(), b["a2"], out=gr["mlp0.weight"])
        torch.sum(b["dm1"], 0, out=gr["mlp0.bias"])
        torch.mm(b["dm1"], m.mlp0.weight, out=b["da"])
        self._ln_mod_backward(b["hmid"], m.norm2, "ln2", "mean2", "rstd2", self._opscale[1], dmod, 3, gr["norm2"], B, L, D)
        # attention residual
        torch.mul(dh, b["proj"], out=b["prod"])
        torch.sum(b["prod"].view(B, L, D), 1, out=dmod[:, 2])
        torch.mul(dh3, gate1, out=b["dtmp"].view(B, L, D))
        torch.mm(b["dtmp"].t(), b["att"], out=gr["out.weight"])
        torch.mm(b["dtmp"], m.out.weight, out=b["att"])  # att is dead now: d(att), (B, L, H, hd)
        b["datt"].view(B, H, L, hd).copy_(b["att"].view(B, L, H, hd).permute(0, 2, 1, 3))
        q = b["qk"][0].view(B * H, L, hd)
        k = b["qk"][1].view(B * H, L, hd)
        v = b["v"].view(B * H, L, hd)
        torch.bmm(b["datt"], v.transpose(1, 2), out=b["dp"])
        torch.bmm(b["p"].transpose(1, 2), b["datt"], out=b["dv"])
        ds = torch._softmax_backward_data(b["dp"], b["p"], -1, torch.float32)
        torch.bmm(ds, k, out=b["dqk"][0])
        torch.bmm(ds.transpose(1, 2), q, out=b["dqk"][1])
        del ds
        # inverse rotary (with q's scale) into dqkv
        dqkv = b["dqkv"].view(B, L, 3, H, hd)
        g = b["dqk"].view(2, B, H, L, hd).permute(1, 3, 0, 2, 4)  # (B, L, 2, H, hd)
        g1, g2 = g[..., :half], g[..., half:]
        d = dqkv[:, :, 0:2]
        d1, d2 = d[..., :half], d[..., half:]
        cos2, sin2 = b["cos2"], b["sin2"]
        torch.mul(g1, cos2, out=d1)
        d1.addcmul_(g2, sin2)
        torch.mul(g2, cos2, out=d2)
        d2.addcmul_(g1, sin2, value=-1)
        dqkv[:, :, 2].copy_(b["dv"].view(B, H, L, hd).permute(0, 2, 1, 3))
        torch.mm(b["dqkv"].t(), b["a1"], out=gr["qkv.weight"])
        torch.mm(b["dqkv"], m.qkv.weight, out=b["da"])
        self._ln_mod_backward(h2, m.norm1, "ln1", "mean1", "rstd1", self._opscale[0], dmod, 0, gr["norm1"], B, L, D)
        # modulation
        torch.mm(b["dmod"].t(), c, out=gr["ada.weight"])
        torch.sum(b["dmod"], 0, out=gr["ada.bias"])
        torch.mm(b["dmod"], m.ada.weight, out=b["dc"])
        return dh.view(B, L, D), b["dc"]

    def _ln_mod_backward(self, x, w, ln, mean, rstd, opscale, dmod, i, dw, B, L, D):
        """dh += LN backward of da (through the modulation); dshift, dscale into dmod[:, i], dmod[:, i+1]."""
        b = self.bufs
        da3 = b["da"].view(B, L, D)
        torch.sum(da3, 1, out=dmod[:, i])
        torch.mul(da3, b[ln].view(B, L, D), out=b["prod"].view(B, L, D))
        torch.sum(b["prod"].view(B, L, D), 1, out=dmod[:, i + 1])
        da3.mul_(opscale)
        dx, dwn, _ = torch.ops.aten.native_layer_norm_backward(b["da"], x, [D], b[mean], b[rstd], w, None,
                                                             [True, True, False])
        dw.copy_(dwn)
        b["dh"].add_(dx)


def block_flops(batch, length, hidden):
    n, d, l = batch * length, hidden, length
    linear = 2 * n * (3 * d * d + d * d + 2 * MLP_RATIO * d * d)
    attn = 2 * 2 * n * l * d
    mod = 2 * batch * COND * 6 * d
    return 3 * (linear + attn + mod)  # same count as core/model.BlockBench.Flops


def block_runner(impl, batch, length, hidden, heads, set_to_none=False, **flags):
    """A function that runs one forward+backward of the block ("tuned": the
    hand-written TunedBlock; "autograd": Block with the given flags, backward
    by autograd, after zero_grad(set_to_none)), and the objects it works on."""
    torch.manual_seed(2)
    m = Block(hidden, heads, length, **flags)
    h = torch.randn(batch, length, hidden, requires_grad=(impl == "autograd"))
    c = torch.randn(batch, COND, requires_grad=(impl == "autograd"))
    dout = torch.randn(batch, length, hidden)
    if impl == "tuned":
        t = TunedBlock(m)
        t._alloc(batch, length, hidden, heads)

        def run():
            with torch.no_grad():
                t.forward(h, c)
                return t.backward(h, c, dout)
        return run, (m, t, h, c, dout)
    def run_autograd():
        m.zero_grad(set_to_none=set_to_none)
        h.grad = None
        c.grad = None
        m(h, c).backward(dout)
    return run_autograd, (m, None, h, c, dout)


def block(batch, length, hidden, heads, reps, impl="tuned"):
    run, _ = block_runner(impl, batch, length, hidden, heads)
    run()  # warm-up: buffers, and the allocator's pool for autograd's temporaries
    run()
    times = []
    for _ in range(reps):
        t0 = time.perf_counter()
        run()
        times.append(time.perf_counter() - t0)
    med = statistics.median(times)
    return {"bench": "block", "batch": batch, "length": length, "hidden": hidden, "heads": heads, "mlp": MLP_RATIO,
            "ms": med * 1e3, "ms_min": min(times) * 1e3, "gflops": block_flops(batch, length, hidden) / med / 1e9,
            "reps": reps, "impl": impl}


def check(batch, length, hidden, heads, tol=1e-5):
    """The tuned block against the straightforward autograd one, same weights
    and inputs: the output and every gradient within tol relative (max abs
    difference over max abs value of the reference). Returns the worst
    relative difference; raises if above tol."""
    torch.manual_seed(2)
    m = Block(hidden, heads, length)
    g = torch.Generator().manual_seed(3)
    h = torch.randn(batch, length, hidden, generator=g)
    c = torch.randn(batch, COND, generator=g)
    dout = torch.randn(batch, length, hidden, generator=g)
    with torch.no_grad():  # non-trivial layer norm weights, so a wrong dnorm shows
        m.norm1.add_(0.1 * torch.randn(hidden, generator=g))
        m.norm2.add_(0.1 * torch.randn(hidden, generator=g))
    # reference in float64 autograd and in float32 autograd; tuned in float32
    t = TunedBlock(m)
    t._alloc(batch, length, hidden, heads)
    with torch.no_grad():
        out_t = t.forward(h, c).clone()
        dh_t, dc_t = (x.clone() for x in t.backward(h, c, dout))
    grads_t = {n: v.clone() for n, v in t.bufs["grads"].items()}
    hr, cr = h.clone().requires_grad_(), c.clone().requires_grad_()
    m.zero_grad(set_to_none=True)
    out_r = m(hr, cr)
    out_r.backward(dout)
    pairs = [("out", out_t, out_r.detach()), ("dh", dh_t, hr.grad), ("dc", dc_t, cr.grad)]
    pairs += [("d" + n, grads_t[n], p.grad) for n, p in m.named_parameters()]
    worst = 0.0
    bad = []
    for name, a, r in pairs:
        rel = ((a - r).abs().max() / r.abs().max()).item()
        worst = max(worst, rel)
        print("check %-16s rel %.2e" % (name, rel))
        if not rel <= tol:
            bad.append(name)
    if bad:
        raise SystemExit("check failed (tol %g): %s" % (tol, ", ".join(bad)))
    print("check ok: worst relative difference %.2e (tol %g)" % (worst, tol))
    return worst


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--threads", type=int, default=0, help="torch intra-op threads (0: leave torch's default)")
    ap.add_argument("--sizes", default="512,1024", help="square sgemm sizes, comma-separated (empty: none)")
    ap.add_argument("--reps", type=int, default=7)
    ap.add_argument("--block", type=int, default=1, help="1: also time the block")
    ap.add_argument("--batch", type=int, default=32)
    ap.add_argument("--length", type=int, default=256)
    ap.add_argument("--hidden", type=int, default=256)
    ap.add_argument("--heads", type=int, default=4)
    ap.add_argument("--impl", default="tuned", choices=["tuned", "autograd"],
                    help="block implementation: tuned (the peer) or the straightforward autograd module")
    ap.add_argument("--check", action="store_true",
                    help="only compare the tuned block's output and gradients with the autograd block's (1e-5 relative)")
    args = ap.parse_args()
    if args.threads > 0:
        torch.set_num_threads(args.threads)
    if args.check:
        if args.threads > 0:
            torch.set_num_threads(args.threads)
        check(args.batch, args.length, args.hidden, args.heads, )
        return
    tag = {"peer": "torch " + torch.__version__, "threads": torch.get_num_threads(),
           "cpu_capability": torch.__config__.show().split("CPU capability usage:")[1].split()[0],
           "openblas_threads": os.environ.get("OPENBLAS_NUM_THREADS", "")}
    with torch.no_grad():
        for n in [int(s) for s in args.sizes.split(",") if s.strip()]:
            print(json.dumps({**sgemm(n, args.reps), **tag}), flush=True)
    if args.block:
        print(json.dumps({**block(args.batch, args.length, args.hidden, args.heads, args.reps, args.impl),
                         **tag}),
              flush=True)


if __name__ == "__main__":
    main()
