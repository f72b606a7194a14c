#!/usr/bin/env bash
# compare.sh: `rdlm bench` against its PyTorch peer (torch_peer.py), both in
# the same run, alternating, ROUNDS times; prints the medians and the ratios.
#
#   cmd/rdlm-peer/compare.sh [ROUNDS]        (default 5; run from anywhere)
#
# Environment: REPS (timed reps inside each run, default 7), SIZES (default
# 512,1024), OUT (folder for the raw JSON lines; default a fresh temp dir).
#
# Fair peer: the environment of peer_env.sh (Debian's torch on OpenBLAS,
# malloc tunables, torch's AVX-512 kernels where the CPU has them), under
# every torch x OpenBLAS thread setting for 2 cores, keeping the best per
# figure. The peer's block is torch_peer.py's tuned block, checked against
# the plain autograd block (--check) before any timing.
set -euo pipefail

ROUNDS=${1:-5}
REPS=${REPS:-7}
SIZES=${SIZES:-512,1024}
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
OUT=${OUT:-$(mktemp -d /tmp/rdlm-compare.XXXXXX)}
mkdir -p "$OUT"
raw="$OUT/raw.jsonl"
: >"$raw"

. "$here/peer_env.sh"
peer_install

(cd "$root" && go build -o "$OUT/rdlm" ./cmd/rdlm)

peer_python 1 "$here/torch_peer.py" --check --batch 4 --length 64 --hidden 64 | tail -1 >&2

machine_line
echo "rounds: $ROUNDS, reps per run: $REPS, peer capability: ${PEER_CAPABILITY:-torch default}, raw lines: $raw" >&2

peer() { # torch_threads openblas_threads
	peer_python "$2" "$here/torch_peer.py" --threads "$1" --reps "$REPS" --sizes "$SIZES"
}

for ((r = 1; r <= ROUNDS; r++)); do
	echo "round $r/$ROUNDS" >&2
	"$OUT/rdlm" bench --json --reps "$REPS" --sizes "$SIZES" | sed "s/^{/{\"side\":\"rdlm\",\"config\":\"default\",\"round\":$r,/" >>"$raw"
	for tt in 1 2; do
		for ob in 1 2; do
			peer "$tt" "$ob" | sed "s/^{/{\"side\":\"torch\",\"config\":\"torch_threads=$tt openblas_threads=$ob\",\"round\":$r,/" >>"$raw"
		done
	done
done

/usr/bin/python3 - "$raw" "$OUT/summary.json" <<'PY'
import json, statistics, sys
rows = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
def key(r):
    return ("sgemm NT n=%d" % r["n"]) if r["bench"] == "sgemm" else \
        "block B=%d L=%d D=%d H=%d fwd+bwd" % (r["batch"], r["length"], r["hidden"], r["heads"])
med = {}  # (side, config, key) -> median ms over rounds
for r in rows:
    med.setdefault((r["side"], r["config"], key(r)), []).append(r)
summary = []
print("%-34s %14s %14s %8s  %s" % ("figure (median over rounds)", "rdlm", "torch", "ratio", "torch config"))
for k in dict.fromkeys(key(r) for r in rows):
    ours = [v for (s, c, kk), v in med.items() if s == "rdlm" and kk == k][0]
    ms_ours = statistics.median(r["ms"] for r in ours)
    best = min(((c, statistics.median(r["ms"] for r in v)) for (s, c, kk), v in med.items() if s == "torch" and kk == k),
               key=lambda cv: cv[1])
    if k.startswith("sgemm"):
        n = ours[0]["n"]
        g_ours, g_torch = 2 * n**3 / ms_ours / 1e6, 2 * n**3 / best[1] / 1e6
        # ratio: our throughput as a fraction of torch's (target >= 0.70)
        print("%-34s %9.1f GF/s %9.1f GF/s %8.2f  %s" % (k, g_ours, g_torch, g_ours / g_torch, best[0]))
        summary.append({"figure": k, "rdlm_gflops": g_ours, "torch_gflops": g_torch, "ratio": g_ours / g_torch, "torch_config": best[0]})
    else:
        # ratio: torch's time over ours (>= 1 means we are no slower)
        print("%-34s %11.1f ms %11.1f ms %8.2f  %s" % (k, ms_ours, best[1], best[1] / ms_ours, best[0]))
        summary.append({"figure": k, "rdlm_ms": ms_ours, "torch_ms": best[1], "ratio": best[1] / ms_ours, "torch_config": best[0]})
    for (s, c, kk), v in sorted(med.items()):
        if kk == k:
            print("    %-5s %-36s median %.3f ms over %d rounds (min %.3f)" % (s, c, statistics.median(r["ms"] for r in v), len(v), min(r["ms"] for r in v)))
json.dump(summary, open(sys.argv[2], "w"), indent=1)
print("ratios: sgemm = rdlm GFLOP/s / torch GFLOP/s; block = torch ms / rdlm ms")
PY
