#!/usr/bin/env bash
# Builds the static site into OUT: the pages, the worker, the widget, the Go
# engine compiled to WebAssembly and Go's wasm_exec.js, the engine's files
# named by their content hash (see version below). The folder is
# self-contained: copy it to any static host (docs.html, "Hosting", says
# what the host must send: CORS for embedding, cache headers).
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

(cd "$root" && GOOS=js GOARCH=wasm "$go" build -trimpath -buildvcs=false -ldflags="-s -w" -o "$stage/rdlm.wasm" ./wasm)
cp "$("$go" env GOROOT)/lib/wasm/wasm_exec.js" "$stage/"
cp "$here"/*.html "$here"/*.css "$here"/*.js "$stage/"

# The worker shows the engine's download as a fraction of its size (a
# compressed response's Content-Length is not the size the stream gives).
sed -i "s/^const ENGINE_BYTES = 0;/const ENGINE_BYTES = $(stat -c %s "$stage/rdlm.wasm");/" "$stage/engine-worker.js"
grep -q "^const ENGINE_BYTES = [1-9]" "$stage/engine-worker.js" || { echo "site/build.sh: engine-worker.js lost its ENGINE_BYTES line" >&2; exit 1; }

# version FILE... renames each FILE to NAME.HASH.EXT (HASH: the first 16 hex
# digits of its sha256) and rewrites the quoted references to it in the
# pages and scripts. rdlm serve lets browsers keep such a file for a year
# without asking (a new build is a new name); the pages, rdlm-widget.js
# (the name other sites embed) and the models keep their names and are
# revalidated. A file is versioned after the files it names, so that its
# hash covers their new names.
version() {
  local f hash v
  for f in "$@"; do
    hash=$(sha256sum "$stage/$f" | cut -c1-16)
    v=${f%.*}.$hash.${f##*.}
    mv "$stage/$f" "$stage/$v"
    sed -i -E "s#([\"'/])${f//./\\.}([\"'])#\1$v\2#g" "$stage"/*.html "$stage"/*.js
    grep -q "$v" "$stage"/*.html "$stage"/*.js || { echo "site/build.sh: nothing names $f" >&2; exit 1; }
  done
}
version rdlm.wasm wasm_exec.js model-fetch.js live-view.js style.css docs.css
version engine-worker.js
version engine.js
version app.js
# Each name must still be its file's hash: a file rewritten after it was
# versioned (a reference in the wrong order) would keep a stale name.
for v in "$stage"/*.????????????????.*; do
  b=$(basename "$v"); want=${b%.*}; want=${want##*.}
  [[ $(sha256sum "$v" | cut -c1-16) == "$want" ]] || { echo "site/build.sh: $b was changed after it was versioned" >&2; exit 1; }
done
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
wasm=$(cd "$out" && ls rdlm.*.wasm)
echo "site/build.sh: wrote $out ($(du -sh "$out" | cut -f1); $wasm $(stat -c %s "$out/$wasm") bytes, $(stat -c %s "$out/$wasm.br") as brotli)"
