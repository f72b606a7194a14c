#!/usr/bin/env bash
# Browser tests of the site (what `make test` runs). Installs what it needs
# when missing (site/tests/install-deps.sh: Debian's chromium, major version
# pinned, and the pinned npm playwright-core), then builds rdlm, a test model
# and the site, and runs the Playwright suite. Anything missing is an error,
# never a skip.
#
#   site/tests/run.sh            # tests; artefacts in site/tests/artifacts/
#   RDLM_TEST_MODEL=DIR RDLM_SCREENSHOTS=site/screenshots site/tests/run.sh
#                                # same, with another default model, keeping the key screenshots
#                                # (RDLM_TEST_IMAGE_MODEL=DIR: another image model, served at models/image/;
#                                #  RDLM_TEST_IMAGE_STEPS=N: its walk, default 40)
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
go=${GO:-go}
artifacts=$here/artifacts

"$here/install-deps.sh"

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
(cd "$root" && "$go" build -o "$work/rdlm" ./cmd/rdlm)
model=${RDLM_TEST_MODEL:-}
if [[ -z $model ]]; then
  # A small random model: 128 positions (the docs page's template needs 48),
  # narrow enough that the CPU path takes milliseconds per step.
  echo '{"vocab":27,"length":128,"hidden":32,"heads":2,"blocks":2,"cond":32}' > "$work/model.json"
  "$work/rdlm" init --config "$work/model.json" --seed 1 --no-zero-init --out "$work/model" >/dev/null
  model=$work/model
fi
image_model=${RDLM_TEST_IMAGE_MODEL:-}
if [[ -z $image_model ]]; then
  # A small random image model for the image mode: 14x14 grey values as
  # two base-16 digits (the mnist-split layout), one narrow block, so that
  # a step on the CPU path takes milliseconds.
  cat > "$work/image-model.json" <<'JSON'
{"model": {"vocab": 16, "length": 392, "hidden": 32, "heads": 2, "blocks": 1, "cond": 32},
 "process": {"vocab": "mnist14", "image": {"height": 14, "width": 14, "channels": 1},
             "split": {"vocab": 256, "base": 16, "digits": 2}}}
JSON
  "$work/rdlm" init --config "$work/image-model.json" --seed 2 --no-zero-init --out "$work/image-model" >/dev/null
  image_model=$work/image-model
fi
"$here/../build.sh" "$work/site" --model "$model" --image-model "$image_model"

rm -rf "$artifacts"
mkdir -p "$artifacts"
screenshots=${RDLM_SCREENSHOTS:-}
[[ -z $screenshots ]] || screenshots=$(cd "$root" && mkdir -p "$screenshots" && cd "$screenshots" && pwd)
cd "$here"
RDLM_SITE_DIR=$work/site RDLM_BIN=$work/rdlm RDLM_ARTIFACTS=$artifacts RDLM_SCREENSHOTS=$screenshots \
  node --test --test-concurrency=1 --test-reporter=spec site.test.mjs ux.test.mjs
