#!/usr/bin/env bash
# On a machine with a real GPU: builds, checks and times the WGSL engine
# (native Dawn on the system's Vulkan driver) against PyTorch eager on the
# same shapes, for the small and text8 presets, in one run: the forward and
# the sampling step at batch 1, and a training step at batch 16 (also
# against the CPU trainer). Prints the adapter, so every figure is recorded
# with its card.
#   core/gpu/testenv/gpu_bench.sh            # from the repository root
# Needs: Go, node/npm (for Dawn), the vendor's Vulkan driver with libvulkan1,
# python3 with torch (CUDA) for the reference timings.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../../.."
bash core/gpu/testenv/install.sh
export RDLM_WEBGPU_REAL_GPU=1 # use the system's Vulkan driver, not SwiftShader
unset VK_ICD_FILENAMES

echo "== correctness: every kernel, the tiny forward, walk and training step against the CPU (on this GPU)"
go test -count=1 -v -run 'Driver|Kernel|Forward|Walk|Train' ./core/gpu/ 2>&1 | grep -E 'adapter:|relative|walk of|^(--- |ok|FAIL)'

for preset in small text8; do
	echo "== WGSL engine, preset $preset, batch 1 (forward, per-kernel times, sampling steps) vs the CPU engine"
	RDLM_BENCH_PRESET=$preset go test -count=1 -run XXX -bench 'Forward|WalkStep' -benchtime 10x ./core/gpu/ 2>&1 | grep -vE '^(goos|goarch|pkg|cpu):'
	echo "== PyTorch eager, preset $preset, same shapes"
	python3 core/gpu/testenv/torch_bench.py --preset "$preset" --steps 8
	echo "== training step, preset $preset, batch 16: WGSL engine, then the CPU trainer"
	RDLM_BENCH_PRESET=$preset RDLM_BENCH_TRAIN_BATCH=16 go test -count=1 -run XXX -bench '^BenchmarkTrainStep$' -benchtime 20x ./core/gpu/ 2>&1 | grep -vE '^(goos|goarch|pkg|cpu):'
	RDLM_BENCH_PRESET=$preset RDLM_BENCH_TRAIN_BATCH=16 go test -count=1 -run XXX -bench 'CPUTrainStep' -benchtime 3x ./core/gpu/ 2>&1 | grep -vE '^(goos|goarch|pkg|cpu):'
	echo "== PyTorch eager training step, preset $preset, same shapes"
	python3 core/gpu/testenv/torch_bench.py --preset "$preset" --train --batch 16
done
