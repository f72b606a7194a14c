#!/usr/bin/env bash
# Builds the static site into OUT: the pages, the worker, the widget, the Go
# engine compiled to WebAssembly and Go's wasm_exec.js. The folder is
# self-contained: copy it to any static host (serve .wasm as application/wasm).
# Beside the big files it holds FILE.br and FILE.gz (rdlm precompress), for
# a host to send with Content-Encoding where the request's Accept-Encoding
# allows (rdlm serve does; nginx: gzip_static and brotli_static).
#
#   site/build.sh OUT [--model DIR] [--image-model DIR]
#
# --model copies a checkpoint folder (config.json + model.safetensors) to
# OUT/models/default/, the model the page and the widgets load by default.
# Without it the page opens with "no model" and lets the user load one.
# --image-model copies an image model to OUT/models/image/. The shipped
# models are listed in OUT/models/index.json, which the page offers as
# one-click choices.
set -euo pipefail

usage() { echo "usage: site/build.sh OUT [--model DIR] [--image-model DIR]" >&2; exit 2; }
[[ $# -ge 1 ]] || usage
out=$1; shift
model=""
image_model=""
while [[ $# -gt 0 ]]; do
  case $1 in
    --model) [[ $# -ge 2 ]] || usage; model=$2; shift 2 ;;
    --image-model) [[ $# -ge 2 ]] || usage; image_model=$2; shift 2 ;;
    *) usage ;;
  esac
done

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/.." && pwd)
go=${GO:-go}

for dir in "$model" "$image_model"; do
  [[ -n $dir ]] || continue
  for f in config.json model.safetensors; do
    [[ -f $dir/$f ]] || { echo "site/build.sh: $dir/$f is missing (a model folder holds config.json and model.safetensors)" >&2; exit 1; }
  done
done

mkdir -p "$out"
# Build into a temporary folder and swap it in, so a failed build never
# leaves a half-written site behind.
stage=$(mktemp -d "${out%/}.tmp.XXXXXX")
trap 'rm -rf "$stage"' EXIT
stage=$(cd "$stage" && pwd) # absolute: the go commands run in $root
chmod 755 "$stage"

(cd "$root" && GOOS=js GOARCH=wasm "$go" build -trimpath -ldflags="-s -w" -o "$stage/rdlm.wasm" ./wasm)
cp "$("$go" env GOROOT)/lib/wasm/wasm_exec.js" "$stage/"
cp "$here"/*.html "$here"/*.css "$here"/*.js "$stage/"
# ship NAME DIR KIND copies a model folder to models/NAME/ and prints its
# entry in models/index.json; the label is the folder's own name.
ship() {
  mkdir -p "$stage/models/$1"
  cp "$2/config.json" "$2/model.safetensors" "$stage/models/$1/"
  printf '{"path": "models/%s/", "label": "%s", "kind": "%s"}' "$1" "$(basename "$(cd "$2" && pwd)" | tr -cd 'A-Za-z0-9._ -')" "$3"
}
entries=()
[[ -z $model ]] || entries+=("$(ship default "$model" text)")
[[ -z $image_model ]] || entries+=("$(ship image "$image_model" image)")
if [[ ${#entries[@]} -gt 0 ]]; then
  (IFS=,; echo "[${entries[*]}]") > "$stage/models/index.json"
fi
# Last, once every file is in place: rdlm serve takes a variant older than
# its file for stale.
(cd "$root" && "$go" run ./cmd/rdlm precompress --dir "$stage" >/dev/null)

rm -rf "$out"
mv "$stage" "$out"
trap - EXIT
echo "site/build.sh: wrote $out ($(du -sh "$out" | cut -f1); rdlm.wasm $(stat -c %s "$out/rdlm.wasm") bytes, $(stat -c %s "$out/rdlm.wasm.br") as brotli)"
