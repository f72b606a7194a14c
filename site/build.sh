#!/usr/bin/env bash
# Builds the static site into OUT: the pages, the worker, the widget, the Go
# engine compiled to WebAssembly and Go's wasm_exec.js. The folder is
# self-contained: copy it to any static host (serve .wasm as application/wasm).
#
#   site/build.sh OUT [--model DIR]
#
# --model copies a checkpoint folder (config.json + model.safetensors) to
# OUT/models/default/, the model the page and the widgets load by default.
# Without it the page opens with "no model" and lets the user load one.
set -euo pipefail

usage() { echo "usage: site/build.sh OUT [--model DIR]" >&2; exit 2; }
[[ $# -ge 1 ]] || usage
out=$1; shift
model=""
while [[ $# -gt 0 ]]; do
  case $1 in
    --model) [[ $# -ge 2 ]] || usage; model=$2; shift 2 ;;
    *) usage ;;
  esac
done

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/.." && pwd)
go=${GO:-go}

if [[ -n $model ]]; then
  for f in config.json model.safetensors; do
    [[ -f $model/$f ]] || { echo "site/build.sh: $model/$f is missing (a model folder holds config.json and model.safetensors)" >&2; exit 1; }
  done
fi

mkdir -p "$out"
# Build into a temporary folder and swap it in, so a failed build never
# leaves a half-written site behind.
stage=$(mktemp -d "${out%/}.tmp.XXXXXX")
chmod 755 "$stage"
trap 'rm -rf "$stage"' EXIT

(cd "$root" && GOOS=js GOARCH=wasm "$go" build -trimpath -ldflags="-s -w" -o "$stage/rdlm.wasm" ./wasm)
cp "$("$go" env GOROOT)/lib/wasm/wasm_exec.js" "$stage/"
cp "$here"/*.html "$here"/*.css "$here"/*.js "$stage/"
if [[ -n $model ]]; then
  mkdir -p "$stage/models/default"
  cp "$model/config.json" "$model/model.safetensors" "$stage/models/default/"
fi

rm -rf "$out"
mv "$stage" "$out"
trap - EXIT
echo "site/build.sh: wrote $out ($(du -sh "$out" | cut -f1); rdlm.wasm $(stat -c %s "$out/rdlm.wasm") bytes)"
