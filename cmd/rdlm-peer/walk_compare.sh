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
# Fair peer: Debian's python3-torch (1.13) on OpenBLAS (pthread build), one
# torch thread and one OpenBLAS thread, OPENBLAS_CORETYPE and
# OPENBLAS_L2_SIZE unset (OpenBLAS picks its own kernels for this CPU), and
# glibc kept from returning freed memory to the OS (torch allocates per op;
# unmapping and re-faulting pages is costly on these machines). Where the
# CPU has AVX-512 (F, BW, DQ, VL) the peer runs torch's AVX-512 kernels
# (ATEN_CPU_CAPABILITY=avx512; torch 1.13 picks AVX2 by default, and its GELU
# and softmax run 1.7x slower so), as compare.sh does; PEER_CAPABILITY
# overrides (empty: torch's default). Our side runs with GOMAXPROCS=1 and
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

if ! /usr/bin/python3 -c 'import torch' 2>/dev/null; then
	echo "walk_compare.sh: needs /usr/bin/python3 with torch (Debian: apt-get install python3-torch libopenblas0-pthread)" >&2
	exit 1
fi

if [ -n "${RDLM:-}" ]; then
	cp "$RDLM" "$OUT/rdlm"
else
	(cd "$root" && go build -o "$OUT/rdlm" ./cmd/rdlm)
fi

if [ -z "${PEER_CAPABILITY+set}" ]; then
	PEER_CAPABILITY=
	flags=$(grep -m1 '^flags' /proc/cpuinfo)
	if [[ $flags == *avx512f* && $flags == *avx512bw* && $flags == *avx512dq* && $flags == *avx512vl* ]]; then
		PEER_CAPABILITY=avx512
	fi
fi
capenv=()
[ -n "$PEER_CAPABILITY" ] && capenv=(ATEN_CPU_CAPABILITY="$PEER_CAPABILITY")

echo "machine: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | xargs), $(nproc) cores; load: $(cut -d' ' -f1-3 /proc/loadavg)" >&2
echo "rounds: $ROUNDS, walks per run: $REPS, batch $BATCH, length $LENGTH, $STEPS steps; peer capability: ${PEER_CAPABILITY:-torch default}; raw lines: $raw" >&2

ours() {
	GOMAXPROCS=1 "$OUT/rdlm" bench --walk --json --threads 1 --reps "$REPS" \
		--walk-batch "$BATCH" --walk-length "$LENGTH" --walk-steps "$STEPS" |
		sed "s/^{/{\"side\":\"rdlm\",\"round\":$1,/" >>"$raw"
}
peer() {
	env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE \
		GLIBC_TUNABLES=glibc.malloc.mmap_max=0:glibc.malloc.trim_threshold=68719476736 \
		"${capenv[@]}" OPENBLAS_NUM_THREADS=1 OMP_NUM_THREADS=1 \
		/usr/bin/python3 "$here/torch_walk.py" --threads 1 --reps "$REPS" \
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
