"""PyTorch eager reference timings for gpu_bench.sh: the DiT forward of
rdlm-math.md section 5 and the geodesic random walk step (section 8) on the
same shapes as the Go benchmarks (batch 1, the preset's length), random
weights, float32, on CUDA when available. With --train, one training step
instead, as BenchmarkTrainStep takes it (batch --batch of the preset's
length): inputs drawn on the device, forward, the time-weighted
cross-entropy, backward, the global-norm clip, AdamW and the EMA. Timing
only: correctness of the WGSL engine is checked against the Go CPU reference
by go test."""
import argparse
import math
import time

import torch
import torch.nn.functional as F

PRESETS = {  # vocab, length, hidden, heads, blocks, cond (core/model/config.go)
    "tiny": (27, 32, 64, 4, 2, 128),
    "small": (27, 128, 128, 4, 4, 128),
    "text8": (27, 256, 768, 12, 12, 128),
}


def lin(i, o, dev, bias=True):
    m = torch.nn.Linear(i, o, bias=bias).to(dev)
    return m


class DiT(torch.nn.Module):
    def __init__(self, K, L, D, H, n, C, dev):
        super().__init__()
        self.D, self.H, self.L = D, H, L
        self.embed = lin(K, D, dev)
        self.t1, self.t2 = lin(256, C, dev), lin(C, C, dev)
        self.blocks = torch.nn.ModuleList()
        for _ in range(n):
            b = torch.nn.Module()
            b.n1 = torch.nn.Parameter(torch.ones(D, device=dev))
            b.n2 = torch.nn.Parameter(torch.ones(D, device=dev))
            b.qkv, b.out = lin(D, 3 * D, dev, False), lin(D, D, dev, False)
            b.m0, b.m2 = lin(D, 4 * D, dev), lin(4 * D, D, dev)
            b.ada = lin(C, 6 * D, dev)
            self.blocks.append(b)
        self.fn = torch.nn.Parameter(torch.ones(D, device=dev))
        self.fada, self.fout = lin(C, 2 * D, dev), lin(D, K, dev)
        hd = D // H
        inv = 1.0 / (10000 ** (torch.arange(0, hd, 2, device=dev).float() / hd))
        ang = torch.outer(torch.arange(L, device=dev).float(), inv)
        ang = torch.cat([ang, ang], -1)
        self.cos, self.sin = ang.cos(), ang.sin()
        self.freq = torch.exp(-math.log(10000) * torch.arange(128, device=dev).float() / 128)

    def rot(self, x):
        x1, x2 = x.chunk(2, -1)
        return x * self.cos + torch.cat([-x2, x1], -1) * self.sin

    def forward(self, x, t):
        B, L, D, H = x.shape[0], self.L, self.D, self.H
        e = t[:, None] * self.freq[None]
        c = F.silu(self.t2(F.silu(self.t1(torch.cat([e.cos(), e.sin()], -1)))))
        h = self.embed(x)
        for b in self.blocks:
            s1, c1, g1, s2, c2, g2 = b.ada(c)[:, None].chunk(6, -1)
            a = F.layer_norm(h, (D,), b.n1) * (1 + c1) + s1
            q, k, v = b.qkv(a).view(B, L, 3, H, D // H).permute(2, 0, 3, 1, 4)
            o = F.scaled_dot_product_attention(self.rot(q), self.rot(k), v)
            h = h + g1 * b.out(o.transpose(1, 2).reshape(B, L, D))
            a = F.layer_norm(h, (D,), b.n2) * (1 + c2) + s2
            h = h + g2 * b.m2(F.gelu(b.m0(a), approximate="tanh"))
        s, c3 = self.fada(c)[:, None].chunk(2, -1)
        return self.fout(F.layer_norm(h, (D,), self.fn) * (1 + c3) + s)


def walk_step(net, x, t, dt, gamma, beta):
    """One geodesic random walk step for every position: drift from the
    softmax, Gaussian noise, exponential map, renormalisation."""
    K = x.shape[-1] - 1
    p = net(x[..., :K], t).softmax(-1)
    c = x[..., :K].clamp(-1 + 1e-6, 1 - 1e-6)
    d = p * torch.acos(c) / torch.sqrt((1 - c) * (1 + c))
    drift = -(d * c).sum(-1, keepdim=True) * x
    drift[..., :K] += d
    drift = gamma * (drift - (drift * x).sum(-1, keepdim=True) * x)
    v = math.sqrt(beta * dt) * torch.randn_like(x) + dt * drift
    w = v - (v * x).sum(-1, keepdim=True) * x
    n = w.norm(dim=-1, keepdim=True).clamp_min(1e-12)
    y = torch.cos(n) * x + torch.sin(n) / n * w
    return y / y.norm(dim=-1, keepdim=True)


def bench_walk(a, dev, sync):
    K, L, D, H, n, C = PRESETS[a.preset]
    net = DiT(K, L, D, H, n, C, dev).eval()
    x = torch.full((1, L, K + 1), 1 / math.sqrt(K + 1), device=dev)
    t = torch.tensor([0.5], device=dev)
    with torch.no_grad():
        for _ in range(3):
            net(x[..., :K], t)
        sync()
        t0 = time.perf_counter()
        for _ in range(a.reps):
            net(x[..., :K], t)
        sync()
        fwd = (time.perf_counter() - t0) / a.reps
        t0 = time.perf_counter()
        for i in range(a.steps):
            x = walk_step(net, x, t, 1.0 / a.steps, 1.0, 1.0)
        sync()
        step = (time.perf_counter() - t0) / a.steps
    return f"forward {fwd * 1e3:.3f} ms, walk step {step * 1e3:.3f} ms"


class Trainer:
    """The state of a training run: the network, AdamW's moments, the EMA
    of the weights, and fixed targets (B, L). Each step draws its own
    inputs on the device, standing in for the x_t draw of the device step
    (an elementwise pass of the same size): sphere points in the positive
    orthant of S^K (the first K coordinates are the network's input),
    times in (0, 1) and one loss weight per sequence, spread over its
    positions and divided by B as the trainer's row weights are."""

    def __init__(self, a, dev):
        K, L, D, H, n, C = PRESETS[a.preset]
        self.K, self.L, self.B, self.dev = K, L, a.batch, dev
        self.net = DiT(K, L, D, H, n, C, dev).train()
        self.params = [p for p in self.net.parameters()]
        self.opt = torch.optim.AdamW(self.params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8,
                                     weight_decay=0.01, foreach=True)
        self.shadow = [p.detach().clone() for p in self.params]
        self.targets = torch.randint(0, K, (a.batch * L,), device=dev)

    def step(self):
        B, L, K = self.B, self.L, self.K
        x = torch.randn(B, L, K + 1, device=self.dev).abs()
        x = (x / x.norm(dim=-1, keepdim=True))[..., :K]
        t = torch.rand(B, device=self.dev)
        rows = (0.5 + torch.rand(B, 1, device=self.dev)).expand(B, L).reshape(-1) / B
        logits = self.net(x, t).reshape(B * L, K)
        loss = (F.cross_entropy(logits, self.targets, reduction="none") * rows).sum()
        self.opt.zero_grad(set_to_none=False)
        loss.backward()
        norm = torch.nn.utils.clip_grad_norm_(self.params, 1.0)
        self.opt.step()
        with torch.no_grad():
            torch._foreach_lerp_(self.shadow, self.params, 1 - 0.999)
        return loss, norm


def bench_train(a, dev, sync):
    tr = Trainer(a, dev)
    for _ in range(3):
        loss, norm = tr.step()
    sync()
    first = f"loss {loss.item():.4f}, gradient norm {norm.item():.4f}"
    t0 = time.perf_counter()
    for _ in range(a.reps):
        tr.step()
    sync()
    step = (time.perf_counter() - t0) / a.reps
    n = sum(p.numel() for p in tr.params)
    return (f"train step {step * 1e3:.3f} ms, {tr.B * tr.L / step:.0f} tokens/s "
            f"(batch {tr.B} of {tr.L}, {n} parameters, f32; after 3 warm-up steps: {first})")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--preset", default="small")
    ap.add_argument("--steps", type=int, default=8)
    ap.add_argument("--reps", type=int, default=20)
    ap.add_argument("--train", action="store_true", help="time a training step instead of the forward and walk")
    ap.add_argument("--batch", type=int, default=16, help="--train: sequences per step")
    a = ap.parse_args()
    dev = "cuda" if torch.cuda.is_available() else "cpu"
    # f32 throughout, as the WGSL engine computes: no TF32 in matmuls.
    torch.backends.cuda.matmul.allow_tf32 = False
    torch.backends.cudnn.allow_tf32 = False
    sync = torch.cuda.synchronize if dev == "cuda" else (lambda: None)
    what = bench_train(a, dev, sync) if a.train else bench_walk(a, dev, sync)
    name = torch.cuda.get_device_name() if dev == "cuda" else "cpu"
    print(f"torch eager {a.preset} on {name}: {what}")


if __name__ == "__main__":
    main()
