#!/usr/bin/python3
"""Ablation of the PyTorch peer's block: what made the straightforward
autograd block (torch_peer.Block with every flag off, the peer before issue
13) slower than the tuned peer (TunedBlock under ATEN_CPU_CAPABILITY=avx512).

Each variant adds one change to the one before. Each run of a variant is a
process of its own (variants sharing one process disturb each other's heap
and caches), the variants alternate within a round, and the figure of a
variant is the median over rounds of its per-run medians. Every run first
checks its output and gradients against the plain autograd block's (1e-5
relative). The environment is compare.sh's (OpenBLAS, glibc tunables); the
thread setting is --threads (torch) and OPENBLAS_NUM_THREADS:

    env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE \
        GLIBC_TUNABLES=glibc.malloc.mmap_max=0:glibc.malloc.trim_threshold=68719476736 \
        OPENBLAS_NUM_THREADS=2 /usr/bin/python3 cmd/rdlm-peer/block_ablation.py --threads 1 --rounds 3
"""

import argparse
import json
import os
import statistics
import subprocess
import sys
import time

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import torch_peer as tp  # noqa: E402

AUTO = {"set_to_none": True, "qk_together": True, "fold_scale": True, "contiguous": True, "addcmul": True}
VARIANTS = [  # (name, impl, keyword flags, ATEN_CPU_CAPABILITY or None for torch's default), cumulative
    ("autograd (peer before)", "autograd", {}, None),
    ("+ zero_grad set_to_none", "autograd", {"set_to_none": True}, None),
    ("+ rotary on q,k stacked", "autograd", {"set_to_none": True, "qk_together": True}, None),
    ("+ 1/sqrt(hd) folded into q", "autograd", {"set_to_none": True, "qk_together": True, "fold_scale": True}, None),
    ("+ contiguous q,k,v, bmm", "autograd",
     {"set_to_none": True, "qk_together": True, "fold_scale": True, "contiguous": True}, None),
    ("+ addcmul modulation/gates", "autograd", AUTO, None),
    ("hand-written backward, buffers", "tuned", {}, None),
    ("+ torch's AVX-512 kernels", "tuned", {}, "avx512"),
]


def grads(objs, impl, res):
    m, t, h, c, _ = objs
    if impl == "tuned":
        dh, dc = res
        return [dh, dc] + [t.bufs["grads"][n] for n, _ in m.named_parameters()]
    return [h.grad, c.grad] + [p.grad for _, p in m.named_parameters()]


def one(args):
    """Run variant args.variant in this process; print its JSON line."""
    name, impl, flags, _ = VARIANTS[args.variant]
    shape = (args.batch, args.length, args.hidden, args.heads)
    run0, objs0 = tp.block_runner("autograd", *shape)
    ref = [x.clone() for x in grads(objs0, "autograd", run0())]
    del run0, objs0
    run, objs = tp.block_runner(impl, *shape, **flags)
    g = grads(objs, impl, run())
    rel = max(((a - r).abs().max() / r.abs().max()).item() for a, r in zip(g, ref))
    if not rel <= 1e-5:
        raise SystemExit("%s: gradients differ from the autograd block's by %.2e relative" % (name, rel))
    del ref, g
    run()
    times = []
    for _ in range(args.reps):
        t0 = time.perf_counter()
        run()
        times.append(time.perf_counter() - t0)
    print(json.dumps({"variant": name, "ms": statistics.median(times) * 1e3, "ms_min": min(times) * 1e3,
                      "check_rel": rel, "threads": torch.get_num_threads(),
                      "openblas_threads": os.environ.get("OPENBLAS_NUM_THREADS", ""),
                      "cpu_capability": torch.__config__.show().split("CPU capability usage:")[1].split()[0]}),
          flush=True)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--threads", type=int, default=0)
    ap.add_argument("--reps", type=int, default=5, help="timed runs per process")
    ap.add_argument("--rounds", type=int, default=3, help="processes per variant, alternating")
    ap.add_argument("--variant", type=int, default=-1, help="run only this variant, in this process")
    ap.add_argument("--batch", type=int, default=32)
    ap.add_argument("--length", type=int, default=256)
    ap.add_argument("--hidden", type=int, default=256)
    ap.add_argument("--heads", type=int, default=4)
    args = ap.parse_args()
    if args.threads > 0:
        torch.set_num_threads(args.threads)
    if args.variant >= 0:
        one(args)
        return
    rows = {}
    for _ in range(args.rounds):
        for i, (name, _, _, cap) in enumerate(VARIANTS):
            env = dict(os.environ)
            env.pop("ATEN_CPU_CAPABILITY", None)
            if cap:
                env["ATEN_CPU_CAPABILITY"] = cap
            cmd = [sys.executable, os.path.abspath(__file__), "--variant", str(i)] + \
                [a for k in ("threads", "reps", "batch", "length", "hidden", "heads")
                 for a in ("--" + k, str(getattr(args, k)))]
            out = subprocess.run(cmd, env=env, check=True, capture_output=True, text=True).stdout
            r = json.loads(out.strip().splitlines()[-1])
            print(json.dumps(r), flush=True)
            rows.setdefault(name, []).append(r)
    base = statistics.median(r["ms"] for r in rows[VARIANTS[0][0]])
    prev = base
    print("%-34s %10s %8s %8s" % ("variant (cumulative)", "median ms", "step", "total"))
    for name, _, _, _ in VARIANTS:
        ms = statistics.median(r["ms"] for r in rows[name])
        print("%-34s %10.1f %7.1f%% %7.1f%%" % (name, ms, 100 * (ms / prev - 1), 100 * (ms / base - 1)))
        prev = ms


if __name__ == "__main__":
    main()
