#!/usr/bin/python3
"""PyTorch peer of `rdlm bench --walk`: the geodesic random walk, eager.

Prints one JSON line in the format of `rdlm bench --walk --json`:
  {"bench":"walk","model":"shakespeare","batch":4,"length":128,"steps":64,"ms":..,"ms_min":..,...}

Each step does what the CPU walk (core/sampler) and the reference's sampler
do per step (rdlm-math.md sections 5 and 8):
  1. the DiT forward on x with the mask coordinate dropped, at t_i: time
     embedding and MLP, input linear, n blocks (adaLN, layer norm, fused qkv,
     rotary, softmax attention, gated residuals, GELU(tanh) MLP), the
     modulated output layer;
  2. p = softmax(logits) over the K tokens;
  3. the drift b = P_x(gamma_t sum_k p_k log_x(e_k)), read off the
     coordinates (theta_k = arccos(clip(x_k)));
  4. z ~ N(0, I_V), v = sqrt(beta_t h) z + h b, x <- exp_x(P_x v),
     renormalised.
After the last step each position decodes to its argmax token. The figure is
the median over reps of one whole walk (batch 4, length 128, 64 steps by
default), after one warm-up walk.

The network is the built-in `shakespeare` model's, its real weights read from
core/builtin/shakespeare/model.safetensors (f16, converted to float32), so
the work is the CPU walk's exactly; its process settings (geometric schedule
1e-3..0.2, start at u since step_thr > 0) come from its config.json.
--check RDLM runs `RDLM forward` on one input and compares the logits, to
show that this is the same function.

Run by /usr/bin/python3 with Debian's python3-torch (1.13, OpenBLAS), one
thread: see walk_compare.sh for the environment of a fair run.
"""

import argparse
import json
import math
import os
import statistics
import struct
import subprocess
import sys
import tempfile
import time

import torch
import torch.nn.functional as F

HERE = os.path.dirname(os.path.abspath(__file__))
MODEL_DIR = os.path.join(HERE, "..", "..", "core", "builtin", "shakespeare")
TIME_FEATURES = 256
SAMPLING_EPS = 1e-5
LOG_CLIP = 1e-6
EXP_SERIES_BELOW = 1e-4

_DTYPES = {"F16": torch.float16, "F32": torch.float32, "BF16": torch.bfloat16}


def read_safetensors(path):
    """Every tensor of a safetensors file, as float32."""
    with open(path, "rb") as f:
        blob = f.read()
    (n,) = struct.unpack("<Q", blob[:8])
    header = json.loads(blob[8:8 + n])
    data = blob[8 + n:]
    out = {}
    for name, info in header.items():
        if name == "__metadata__":
            continue
        lo, hi = info["data_offsets"]
        t = torch.frombuffer(bytearray(data[lo:hi]), dtype=_DTYPES[info["dtype"]])
        out[name] = t.reshape(info["shape"]).float()
    return out


def write_safetensors(path, tensors):
    """float32 tensors into a safetensors file (for --check)."""
    header, chunks, off = {}, [], 0
    for name, t in tensors.items():
        b = t.contiguous().float().numpy().tobytes()
        header[name] = {"dtype": "F32", "shape": list(t.shape), "data_offsets": [off, off + len(b)]}
        chunks.append(b)
        off += len(b)
    h = json.dumps(header).encode()
    h += b" " * (-len(h) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(h)) + h + b"".join(chunks))


class DiT:
    """The denoiser, forward only, from a state dict in the reference's names
    (core/model/params.go Specs). Plain tensor ops under torch.no_grad."""

    def __init__(self, w, cfg, length):
        self.w = w
        self.D, self.H, self.K = cfg["hidden"], cfg["heads"], cfg["vocab"]
        self.blocks = cfg["blocks"]
        self.hd = self.D // self.H
        half = TIME_FEATURES // 2
        self.freqs = torch.exp(-math.log(10000) * torch.arange(half, dtype=torch.float32) / half)
        inv = 1.0 / (10000 ** (torch.arange(0, self.hd, 2, dtype=torch.float32) / self.hd))
        ang = torch.outer(torch.arange(length, dtype=torch.float32), inv)
        ang = torch.cat((ang, ang), dim=-1)  # (L, hd)
        self.cos, self.sin = ang.cos()[None, None], ang.sin()[None, None]

    def _rotary(self, x):  # x (B, H, L, hd)
        x1, x2 = x.chunk(2, dim=-1)
        return x * self.cos + torch.cat((-x2, x1), dim=-1) * self.sin

    def _modulate(self, h, norm_w, shift, scale):
        return F.layer_norm(h, (self.D,), norm_w, None, 1e-5) * (1 + scale[:, None]) + shift[:, None]

    def __call__(self, x, t):
        w, D, H, hd = self.w, self.D, self.H, self.hd
        B, L, _ = x.shape
        arg = t[:, None] * self.freqs[None]
        emb = torch.cat((torch.cos(arg), torch.sin(arg)), dim=-1)
        c = F.silu(F.linear(emb, w["sigma_map.mlp.0.weight"], w["sigma_map.mlp.0.bias"]))
        c = F.silu(F.linear(c, w["sigma_map.mlp.2.weight"], w["sigma_map.mlp.2.bias"]))
        h = F.linear(x, w["vocab_embed.embedding.weight"], w["vocab_embed.embedding.bias"])
        scale = 1.0 / math.sqrt(hd)
        for i in range(self.blocks):
            p = "blocks.%d." % i
            mod = F.linear(c, w[p + "adaLN_modulation.weight"], w[p + "adaLN_modulation.bias"])
            shift1, scale1, gate1, shift2, scale2, gate2 = mod.chunk(6, dim=-1)
            a = self._modulate(h, w[p + "norm1.weight"], shift1, scale1)
            qkv = F.linear(a, w[p + "attn_qkv.weight"]).view(B, L, 3, H, hd).permute(2, 0, 3, 1, 4)
            q, k, v = self._rotary(qkv[0]), self._rotary(qkv[1]), qkv[2]
            att = torch.softmax(torch.matmul(q, k.transpose(-1, -2)) * scale, dim=-1)
            o = torch.matmul(att, v).transpose(1, 2).reshape(B, L, D)
            h = h + gate1[:, None] * F.linear(o, w[p + "attn_out.weight"])
            a = self._modulate(h, w[p + "norm2.weight"], shift2, scale2)
            m = F.gelu(F.linear(a, w[p + "mlp.0.weight"], w[p + "mlp.0.bias"]), approximate="tanh")
            h = h + gate2[:, None] * F.linear(m, w[p + "mlp.2.weight"], w[p + "mlp.2.bias"])
        mod = F.linear(c, w["output_layer.adaLN_modulation.weight"], w["output_layer.adaLN_modulation.bias"])
        shift, scl = mod.chunk(2, dim=-1)
        a = self._modulate(h, w["output_layer.norm_final.weight"], shift, scl)
        return F.linear(a, w["output_layer.linear.weight"], w["output_layer.linear.bias"])


class Geometric:
    """beta_t = b0^(1-t) b1^t, gamma_t = ln r / (r^(1-t) - 1)."""

    def __init__(self, b0, b1):
        self.b0, self.b1 = b0, b1
        self.lr = math.log(b1 / b0)

    def beta(self, t):
        return self.b0 ** (1 - t) * self.b1 ** t

    def gamma(self, t):
        return self.lr / math.expm1(self.lr * (1 - t))


def walk(net, sched, batch, length, steps, gen):
    """One whole walk from u; returns the decoded tokens (B, L)."""
    K = net.K
    V = K + 1
    x = torch.full((batch, length, V), 1 / math.sqrt(V))
    dt = (1 - SAMPLING_EPS) / steps
    tt = torch.empty(batch)
    for i in range(steps):
        ti = (1 - SAMPLING_EPS) * i / steps
        tt.fill_(ti)
        p = torch.softmax(net(x[..., :K], tt), dim=-1)
        # Drift: sum_k p_k log_x(e_k) = d - (sum_k d_k cos_k) x, d_k = p_k theta_k / sin theta_k.
        cs = x[..., :K].clamp(-1 + LOG_CLIP, 1 - LOG_CLIP)
        d = p * torch.acos(cs) / torch.sqrt((1 - cs) * (1 + cs))
        drift = -(d * cs).sum(-1, keepdim=True) * x
        drift[..., :K] += d
        xx = (x * x).sum(-1, keepdim=True)
        drift -= ((x * drift).sum(-1, keepdim=True) / xx) * x
        # The step's ambient vector and the exp map (it projects first).
        z = torch.randn(x.shape, generator=gen)
        v = math.sqrt(sched.beta(ti) * dt) * z + (sched.gamma(ti) * dt) * drift
        w = v - ((x * v).sum(-1, keepdim=True) / xx) * x
        n = w.norm(dim=-1, keepdim=True)
        n2 = n * n
        small = n < EXP_SERIES_BELOW
        cos = torch.where(small, 1 - n2 / 2 + n2 * n2 / 24, torch.cos(n))
        sinc = torch.where(small, 1 - n2 / 6 + n2 * n2 / 120, torch.sin(n) / n)
        x = cos * x + sinc * w
        x = x / x.norm(dim=-1, keepdim=True)
    return x[..., :K].clamp(min=0).argmax(-1)


def load(model_dir, length):
    with open(os.path.join(model_dir, "config.json")) as f:
        cfg = json.load(f)
    w = read_safetensors(os.path.join(model_dir, "model.safetensors"))
    proc = cfg["process"]
    if proc.get("schedule") != "geometric" or not proc.get("step_thr", 0) > 0:
        raise SystemExit("torch_walk.py: the peer walks a geometric schedule from u (step_thr > 0) only")
    return DiT(w, cfg["model"], length), Geometric(proc["beta0"], proc["beta1"]), cfg


def check(net, cfg, rdlm, model_dir, batch, length):
    """The same function as `rdlm forward`: logits of a random input agree."""
    K = cfg["model"]["vocab"]
    g = torch.Generator().manual_seed(3)
    x = torch.randn(batch, length, K + 1, generator=g)
    x = (x / x.norm(dim=-1, keepdim=True))[..., :K].contiguous()
    t = torch.rand(batch, generator=g) * 0.99
    with tempfile.TemporaryDirectory() as d:
        inp, out = os.path.join(d, "in.safetensors"), os.path.join(d, "out.safetensors")
        write_safetensors(inp, {"x": x, "t": t})
        subprocess.run([rdlm, "forward", "--model", model_dir, "--input", inp, "--out", out], check=True,
                       stdout=subprocess.DEVNULL)
        ours = read_safetensors(out)["logits"]
    with torch.no_grad():
        theirs = net(x, t)
    err = (ours - theirs).abs().max().item()
    scale = theirs.abs().max().item()
    print("check: max |logit difference| %.3g (largest logit %.3g)" % (err, scale), file=sys.stderr)
    if not err <= 1e-3 * max(1.0, scale):
        raise SystemExit("torch_walk.py: the peer's network is not rdlm's")


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--threads", type=int, default=1, help="torch intra-op threads")
    ap.add_argument("--reps", type=int, default=5, help="timed walks; the median is reported")
    ap.add_argument("--batch", type=int, default=4)
    ap.add_argument("--length", type=int, default=128)
    ap.add_argument("--steps", type=int, default=64)
    ap.add_argument("--model", default=MODEL_DIR, help="checkpoint folder (default: the built-in shakespeare)")
    ap.add_argument("--check", metavar="RDLM", help="compare the network with `RDLM forward` first")
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    net, sched, cfg = load(args.model, args.length)
    if args.check:
        check(net, cfg, args.check, args.model, args.batch, args.length)
    gen = torch.Generator().manual_seed(1)
    times = []
    with torch.no_grad():
        walk(net, sched, args.batch, args.length, args.steps, gen)  # warm-up
        for _ in range(args.reps):
            t0 = time.perf_counter()
            walk(net, sched, args.batch, args.length, args.steps, gen)
            times.append(time.perf_counter() - t0)
    med = statistics.median(times)
    print(json.dumps({"bench": "walk", "model": os.path.basename(os.path.normpath(args.model)),
                      "batch": args.batch, "length": args.length, "steps": args.steps,
                      "ms": med * 1e3, "ms_min": min(times) * 1e3, "reps": args.reps,
                      "threads": args.threads, "openblas_threads": int(os.environ.get("OPENBLAS_NUM_THREADS", "0")),
                      "capability": os.environ.get("ATEN_CPU_CAPABILITY", "default"),
                      "torch": torch.__version__}))


if __name__ == "__main__":
    main()
