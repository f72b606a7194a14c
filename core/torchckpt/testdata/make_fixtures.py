#!/usr/bin/env python3
"""Writes the PyTorch fixtures of core/torchckpt and core/refimport.

Run by a developer (needs PyTorch and OmegaConf, e.g. Debian's python3-torch
and python3-omegaconf); its outputs are committed, so tests need neither:

    cd core/torchckpt/testdata && python3 make_fixtures.py

Each reference-style checkpoint has the layout of the reference
implementation's utils.save_checkpoint plus the embedded run config that its
run_sample.py reads: {'optimizer', 'model', 'ema': {'decay', 'num_updates',
'shadow_params'}, 'step', 'config': an OmegaConf DictConfig}. The network
below is written from rdlm-math.md section 5 with the reference's module
names, so its state dict has the reference's keys, order and shapes. The
logits it computes (float64, on the EMA weights) are what the Go conversion
must reproduce.
"""
import json
import math
import os
import struct

import torch
import torch.nn as nn
import torch.nn.functional as F
from omegaconf import OmegaConf, open_dict

torch.manual_seed(20250211)


class Norm(nn.Module):
    """Layer norm without bias (eps 1e-5), a learnable weight."""

    def __init__(self, dim):
        super().__init__()
        self.weight = nn.Parameter(torch.ones(dim))

    def forward(self, x):
        return F.layer_norm(x, x.shape[-1:], eps=1e-5) * self.weight


class Embed(nn.Module):
    def __init__(self, vocab, dim):
        super().__init__()
        self.embedding = nn.Linear(vocab, dim)


class TimeMLP(nn.Module):
    def __init__(self, cond):
        super().__init__()
        self.mlp = nn.Sequential(nn.Linear(256, cond), nn.SiLU(), nn.Linear(cond, cond))

    def forward(self, t):
        j = torch.arange(128, dtype=t.dtype)
        f = torch.exp(-math.log(10000.0) * j / 128)
        a = t[:, None] * f[None, :]
        return self.mlp(torch.cat([torch.cos(a), torch.sin(a)], dim=-1))


class Rotary(nn.Module):
    def __init__(self, head_dim):
        super().__init__()
        self.register_buffer("inv_freq", 10000.0 ** (-torch.arange(0, head_dim, 2).float() / head_dim))

    def forward(self, q, L):
        # q: (B, L, H, hd); angle = [pos*inv_freq, pos*inv_freq]
        pos = torch.arange(L, dtype=q.dtype)
        ang = pos[:, None] * self.inv_freq.to(q.dtype)[None, :]
        ang = torch.cat([ang, ang], dim=-1)[None, :, None, :]
        h = q.shape[-1] // 2
        rot = torch.cat([-q[..., h:], q[..., :h]], dim=-1)
        return q * torch.cos(ang) + rot * torch.sin(ang)


class Block(nn.Module):
    def __init__(self, dim, heads, cond):
        super().__init__()
        self.heads = heads
        self.norm1 = Norm(dim)
        self.attn_qkv = nn.Linear(dim, 3 * dim, bias=False)
        self.attn_out = nn.Linear(dim, dim, bias=False)
        self.norm2 = Norm(dim)
        self.mlp = nn.Sequential(nn.Linear(dim, 4 * dim), nn.GELU(approximate="tanh"), nn.Linear(4 * dim, dim))
        self.adaLN_modulation = nn.Linear(cond, 6 * dim)

    def forward(self, h, c, rotary):
        B, L, D = h.shape
        H, hd = self.heads, D // self.heads
        sh1, sc1, g1, sh2, sc2, g2 = self.adaLN_modulation(c)[:, None, :].chunk(6, dim=-1)
        a = self.norm1(h) * (1 + sc1) + sh1
        qkv = self.attn_qkv(a).view(B, L, 3, H, hd)
        q, k, v = rotary(qkv[:, :, 0], L), rotary(qkv[:, :, 1], L), qkv[:, :, 2]
        att = torch.einsum("blhd,bmhd->bhlm", q, k) / math.sqrt(hd)
        o = torch.einsum("bhlm,bmhd->blhd", att.softmax(dim=-1), v).reshape(B, L, D)
        h = h + g1 * self.attn_out(o)
        return h + g2 * self.mlp(self.norm2(h) * (1 + sc2) + sh2)


class Final(nn.Module):
    def __init__(self, dim, vocab, cond):
        super().__init__()
        self.norm_final = Norm(dim)
        self.linear = nn.Linear(dim, vocab)
        self.adaLN_modulation = nn.Linear(cond, 2 * dim)

    def forward(self, h, c):
        shift, scale = self.adaLN_modulation(c)[:, None, :].chunk(2, dim=-1)
        return self.linear(self.norm_final(h) * (1 + scale) + shift)


class DiT(nn.Module):
    def __init__(self, vocab, dim, heads, blocks, cond):
        super().__init__()
        self.vocab_embed = Embed(vocab, dim)
        self.sigma_map = TimeMLP(cond)
        self.rotary_emb = Rotary(dim // heads)
        self.blocks = nn.ModuleList([Block(dim, heads, cond) for _ in range(blocks)])
        self.output_layer = Final(dim, vocab, cond)

    def forward(self, x, t):
        h = self.vocab_embed.embedding(x)
        c = F.silu(self.sigma_map(t))
        for b in self.blocks:
            h = b(h, c, self.rotary_emb)
        return self.output_layer(h, c)


class Compiled(nn.Module):
    """Stands in for torch.compile's wrapper: the same `_orig_mod.` keys."""

    def __init__(self, inner):
        super().__init__()
        self._orig_mod = inner


def run_config(name, tokens, original, length, dim, heads, blocks, cond, step_thr, rho_scale, right, steps):
    """A run config shaped like the reference's composed hydra config."""
    cfg = OmegaConf.create({
        "seed": 0, "ngpus": 1, "use_wandb": False, "run_mode": "train", "num_workers": 4,
        "name": name, "original_tokens": original, "tokens": tokens,
        "model": {"_target_": "model.dit.DiT", "hidden_size": dim, "n_heads": heads, "cond_dim": cond,
                  "dropout": 0.0, "n_blocks": blocks, "length": length,
                  "input_dim": "${tokens}", "output_dim": "${tokens}"},
        "training": {"batch_size": 512, "accum": 1, "n_iters": 1000001, "snapshot_freq": 50000,
                     "log_freq": 50, "eval_freq": 10000, "snapshot_freq_for_preemption": 5000,
                     "snapshot_sampling": True, "ema": 0.9999, "loss_type": "ce"},
        "data": {"train": name, "valid": name, "cache_dir": "data"},
        "sampling": {"steps": steps, "predictor": "grw"},
        "eval": {"batch_size": "${training.batch_size}", "n_iters": 200, "nll": True, "simul_steps": 500},
        "sde": {"_target_": "sde.LogBridge_Mixture", "preprocess_steps": 10000, "mix_type": "step",
                "rho_scale": rho_scale, "step_thr": step_thr,
                "prior_dist": {"_target_": "distribution.Mixture", "add_mask_token": True}},
        "scheduler": {"_target_": "scheduler_lib.Geometric", "beta_0": 1e-3, "beta_f": 2e-1,
                      "weight_type": "step", "left": 0.3, "right": right, "lb": 1e-4, "ub": 1.0},
        "optim": {"weight_decay": 0, "optimizer": "AdamW", "lr": 3e-4, "beta1": 0.9, "beta2": 0.999,
                  "eps": 1e-8, "warmup": 2500, "grad_clip": 1.0},
    })
    OmegaConf.set_struct(cfg, True)
    with open_dict(cfg):  # what main.py adds before training
        cfg.work_dir = "exp_local/" + name + "/fixture"
        cfg.wandb_run_name = "fixture"
    return cfg


def reference_state(net, cfg, step, compiled):
    """Trains two AdamW steps (so the optimizer state is real), then gives the
    EMA shadow weights that differ from the model's own."""
    opt = torch.optim.AdamW(net.parameters(), lr=1e-3, weight_decay=0)
    K = net.vocab_embed.embedding.in_features
    for _ in range(2):
        x = torch.randn(2, 4, K)
        loss = net(x, torch.rand(2)).square().mean()
        opt.zero_grad()
        loss.backward()
        opt.step()
    shadow = [p.detach().clone() + 0.05 * torch.randn_like(p) for p in net.parameters()]
    holder = Compiled(net) if compiled else net
    return {
        "optimizer": opt.state_dict(),
        "model": holder.state_dict(),
        "ema": {"decay": 0.9999, "num_updates": step, "shadow_params": shadow},
        "step": step,
        "config": cfg,
    }


def sphere_inputs(B, L, K, seed):
    g = torch.Generator().manual_seed(seed)
    z = torch.randn(B, L, K + 1, generator=g, dtype=torch.float64)
    x = z / z.norm(dim=-1, keepdim=True)
    return x[..., :K].contiguous()  # the mask coordinate is dropped


def write_safetensors(path, tensors):
    header, blobs, off = {}, [], 0
    for name, t in tensors.items():
        b = t.detach().contiguous().to(torch.float32).numpy().tobytes()
        header[name] = {"dtype": "F32", "shape": list(t.shape), "data_offsets": [off, off + len(b)]}
        blobs.append(b)
        off += len(b)
    h = json.dumps(header, separators=(",", ":")).encode()
    h += b" " * ((8 - len(h) % 8) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(h)) + h + b"".join(blobs))


def fixture(name, K, K0, tokens, dim, heads, blocks, cond, step_thr, rho_scale, right, steps, compiled, B, seed):
    net = DiT(K, dim, heads, blocks, cond)
    for p in net.parameters():  # no zero-initialised layer may hide a mapping error
        nn.init.normal_(p, std=0.3)
    m = 1 if K0 == K else math.ceil(math.log(K0) / math.log(K))
    cfg = run_config(name.split("_")[0], K, K0, tokens, dim, heads, blocks, cond, step_thr, rho_scale, right, steps)
    state = reference_state(net, cfg, 4242, compiled)
    torch.save(state, name + ".pth")

    with torch.no_grad():
        for p, s in zip(net.parameters(), state["ema"]["shadow_params"]):
            p.copy_(s)
        ref = net.double()
        L = tokens * m
        x = sphere_inputs(B, L, K, seed)
        t = torch.tensor([0.3, 0.8, 0.05][:B], dtype=torch.float64)
        logits = ref(x, t)
    write_safetensors(name + "_logits.safetensors", {"x": x, "t": t, "logits": logits})


def dtype_fixture():
    """Float16, bfloat16 and a non-contiguous (transposed, offset) view."""
    base = torch.arange(24, dtype=torch.float32).reshape(4, 6) / 7 - 1
    torch.save({
        "f16": (base * 3).half(),
        "bf16": (base * 5).bfloat16(),
        "view": base.t()[1:, :],  # shape (5, 4), stride (1, 6), offset 1
    }, "dtypes.pth")
    write_safetensors("dtypes_expected.safetensors", {
        "f16": (base * 3).half().float(), "bf16": (base * 5).bfloat16().float(), "view": base.t()[1:, :],
    })


class Evil:
    """A pickle that would run a shell command when loaded by Python."""

    def __reduce__(self):
        return (os.system, ("echo this must never run",))


def main():
    fixture("text8_tiny", K=27, K0=27, tokens=8, dim=32, heads=4, blocks=2, cond=16,
            step_thr=0.35, rho_scale=1.0, right=0.6, steps=256, compiled=False, B=2, seed=1)
    fixture("lm1b_tiny", K=3, K0=30522, tokens=2, dim=32, heads=2, blocks=1, cond=16,
            step_thr=0.38, rho_scale=1.14, right=0.75, steps=1000, compiled=True, B=1, seed=2)
    dtype_fixture()
    torch.save({"model": {"x": torch.zeros(2)}, "payload": Evil()}, "evil.pth")
    # The older reference save_checkpoint wrote no config.
    net = DiT(27, 16, 2, 1, 8)
    torch.save({"model": net.state_dict(), "ema": {"decay": 0.9999, "num_updates": 1,
                "shadow_params": [p.detach().clone() for p in net.parameters()]}, "step": 1}, "no_config.pth")


if __name__ == "__main__":
    main()
