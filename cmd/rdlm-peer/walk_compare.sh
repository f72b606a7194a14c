#!/usr/bin/env bash
# walk_compare.sh: the CPU walk (`rdlm bench --walk`) against its PyTorch
# eager peer (torch_walk.py), both on one thread, in the same run,
# alternating (the order swaps every round), ROUNDS times; prints the
# medians and the ratio.
#
#   cmd/rdlm-peer/walk_compare.sh [ROUNDS]        (default 5; run from anywhere)
#
# Environment: REPS (timed walks inside each run, default 5), BATCH (4),
# LENGTH (128), STEPS (64), OUT (folder for the raw JSON lines; default a
# fresh temp dir), CHECK=1 to first check that the peer's network gives
# rdlm's logits, RDLM=path to time a binary built elsewhere (an older
# commit's, for a before/after) instead of building this tree's.
#
# Fair peer: the environment of peer_env.sh (Debian's torch on OpenBLAS,
# malloc tunables, torch's AVX-512 kernels where the CPU has them), one torch
# thread and one OpenBLAS thread. Our side runs with GOMAXPROCS=1 and
# --threads 1.
set -euo pipefail

ROUNDS=${1:-5}
REPS=${REPS:-5}
BATCH=${BATCH:-4}
LENGTH=${LENGTH:-128}
STEPS=${STEPS:-64}
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
OUT=${OUT:-$(mktemp -d /tmp/rdlm-walk-compare.XXXXXX)}
mkdir -p "$OUT"
raw="$OUT/raw.jsonl"
: >"$raw"

. "$here/peer_env.sh"
peer_install

if [ -n "${RDLM:-}" ]; then
	cp "$RDLM" "$OUT/rdlm"
else
	(cd "$root" && go build -o "$OUT/rdlm" ./cmd/rdlm)
fi

machine_line
echo "rounds: $ROUNDS, walks per run: $REPS, batch $BATCH, length $LENGTH, $STEPS steps; peer capability: ${PEER_CAPABILITY:-torch default}; raw lines: $raw" >&2

ours() {
	GOMAXPROCS=1 "$OUT/rdlm" bench --walk --json --threads 1 --reps "$REPS" \
		--walk-batch "$BATCH" --walk-length "$LENGTH" --walk-steps "$STEPS" |
		sed "s/^{/{\"side\":\"rdlm\",\"round\":$1,/" >>"$raw"
}
peer() {
	OMP_NUM_THREADS=1 peer_python 1 "$here/torch_walk.py" --threads 1 --reps "$REPS" \
		--batch "$BATCH" --length "$LENGTH" --steps "$STEPS" ${2:+--check "$OUT/rdlm"} |
		sed "s/^{/{\"side\":\"torch\",\"round\":$1,/" >>"$raw"
}

for ((r = 1; r <= ROUNDS; r++)); do
	echo "round $r/$ROUNDS (load $(cut -d' ' -f1 /proc/loadavg))" >&2
	check=""
	if [ "$r" = 1 ] && [ "${CHECK:-0}" = 1 ]; then check=1; fi
	if ((r % 2)); then ours "$r"; peer "$r" "$check"; else peer "$r" "$check"; ours "$r"; fi
done

/usr/bin/python3 - "$raw" "$OUT/summary.json" <<'PY'
import json, statistics, sys
rows = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
side = {s: [r for r in rows if r["side"] == s] for s in ("rdlm", "torch")}
med = {s: statistics.median(r["ms"] for r in v) for s, v in side.items()}
r0 = side["rdlm"][0]
print("walk %s, batch %d, length %d, %d steps, one thread each (median over %d rounds of per-run medians)" %
      (r0["model"], r0["batch"], r0["length"], r0["steps"], len(side["rdlm"])))
for s in ("rdlm", "torch"):
    print("  %-5s %9.1f ms   rounds: %s" % (s, med[s], " ".join("%.1f" % r["ms"] for r in side[s])))
ratio = med["torch"] / med["rdlm"]
print("  ratio torch/rdlm: %.2f (above 1: the CPU walk is faster)" % ratio)
json.dump({"rdlm_ms": med["rdlm"], "torch_ms": med["torch"], "ratio": ratio,
           "rdlm_rounds": [r["ms"] for r in side["rdlm"]], "torch_rounds": [r["ms"] for r in side["torch"]]},
          open(sys.argv[2], "w"), indent=1)
PY
