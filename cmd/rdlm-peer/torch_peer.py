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
    """One DiT block as in docs/rdlm-math.md section 5."""

    def __init__(self, hidden, heads, length):
        super().__init__()
        d = hidden
        self.heads = heads
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
        with torch.no_grad():  # every modulation non-zero, as in the Go benchmark
            self.ada.weight.normal_(0, 0.02)
            self.ada.bias.normal_(0, 0.02)

    def forward(self, h, c):
        B, L, D = h.shape
        H, hd = self.heads, D // self.heads
        shift1, scale1, gate1, shift2, scale2, gate2 = self.ada(c)[:, None, :].chunk(6, dim=2)
        a = F.layer_norm(h, (D,), self.norm1, None, 1e-5) * (1 + scale1) + shift1
        qkv = self.qkv(a).view(B, L, 3, H, hd).permute(2, 0, 3, 1, 4)  # (3, B, H, L, hd)
        q, k, v = qkv[0], qkv[1], qkv[2]
        q = q * self.cos + rotate_half(q) * self.sin
        k = k * self.cos + rotate_half(k) * self.sin
        p = torch.softmax(torch.matmul(q, k.transpose(-1, -2)) * (1.0 / math.sqrt(hd)), dim=-1)
        o = torch.matmul(p, v).transpose(1, 2).reshape(B, L, D)
        h = h + gate1 * self.out(o)
        a2 = F.layer_norm(h, (D,), self.norm2, None, 1e-5) * (1 + scale2) + shift2
        return h + gate2 * self.mlp2(F.gelu(self.mlp0(a2), approximate="tanh"))


def block(batch, length, hidden, heads, reps):
    torch.manual_seed(2)
    m = Block(hidden, heads, length)
    h = torch.randn(batch, length, hidden, requires_grad=True)
    c = torch.randn(batch, COND, requires_grad=True)
    dout = torch.randn(batch, length, hidden)

    def run():
        m.zero_grad(set_to_none=False)
        h.grad = None
        c.grad = None
        m(h, c).backward(dout)

    run()  # warm-up
    times = []
    for _ in range(reps):
        t0 = time.perf_counter()
        run()
        times.append(time.perf_counter() - t0)
    n, d, l = batch * length, hidden, length
    linear = 2 * n * (3 * d * d + d * d + 2 * MLP_RATIO * d * d)
    attn = 2 * 2 * n * l * d
    mod = 2 * batch * COND * 6 * d
    flops = 3 * (linear + attn + mod)  # same count as core/model.BlockBench.Flops
    med = statistics.median(times)
    return {"bench": "block", "batch": batch, "length": length, "hidden": hidden, "heads": heads, "mlp": MLP_RATIO,
            "ms": med * 1e3, "ms_min": min(times) * 1e3, "gflops": flops / med / 1e9, "reps": reps}


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
    args = ap.parse_args()
    if args.threads > 0:
        torch.set_num_threads(args.threads)
    tag = {"peer": "torch " + torch.__version__, "threads": torch.get_num_threads(),
           "openblas_threads": os.environ.get("OPENBLAS_NUM_THREADS", "")}
    with torch.no_grad():
        for n in [int(s) for s in args.sizes.split(",") if s.strip()]:
            print(json.dumps({**sgemm(n, args.reps), **tag}), flush=True)
    if args.block:
        print(json.dumps({**block(args.batch, args.length, args.hidden, args.heads, args.reps), **tag}), flush=True)


if __name__ == "__main__":
    main()
