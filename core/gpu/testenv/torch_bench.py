"""PyTorch eager reference timings for gpu_bench.sh: the DiT forward of
rdlm-math.md section 5 and the geodesic random walk step (section 8) on the
same shapes as the Go benchmarks (batch 1, the preset's length), random
weights, float32, on CUDA when available. Timing only: correctness of the WGSL
engine is checked against the Go CPU reference by go test."""
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


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--preset", default="small")
    ap.add_argument("--steps", type=int, default=8)
    ap.add_argument("--reps", type=int, default=20)
    a = ap.parse_args()
    dev = "cuda" if torch.cuda.is_available() else "cpu"
    K, L, D, H, n, C = PRESETS[a.preset]
    net = DiT(K, L, D, H, n, C, dev).eval()
    x = torch.full((1, L, K + 1), 1 / math.sqrt(K + 1), device=dev)
    t = torch.tensor([0.5], device=dev)
    sync = torch.cuda.synchronize if dev == "cuda" else (lambda: None)
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
    name = torch.cuda.get_device_name() if dev == "cuda" else "cpu"
    print(f"torch eager {a.preset} on {name}: forward {fwd * 1e3:.3f} ms, walk step {step * 1e3:.3f} ms")


if __name__ == "__main__":
    main()
