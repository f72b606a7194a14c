#!/usr/bin/env bash
# Browser tests of the site (what `make test` runs). Installs what it needs
# when missing — Debian's chromium (major version pinned) and the pinned npm
# playwright-core — then builds rdlm, a test model and the site, and runs
# the Playwright suite. Anything missing is an error, never a skip.
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
chromium_major=${CHROMIUM_MAJOR:-156}
artifacts=$here/artifacts

# Debian's chromium; the major version is pinned since security updates
# replace the exact build (bookworm-security ships 156.x).
have=$(/usr/bin/chromium --version 2>/dev/null | sed -n 's/^Chromium \([0-9]*\)\..*/\1/p' || true)
if [[ $have != "$chromium_major" ]]; then
  echo "site/tests: installing Debian chromium $chromium_major.* (found: ${have:-none})"
  sudo=""; [[ $(id -u) -eq 0 ]] || sudo="sudo"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends \
    "chromium=$chromium_major.*" "chromium-common=$chromium_major.*" fonts-dejavu-core >/dev/null
fi
[[ -f /usr/lib/chromium/vk_swiftshader_icd.json ]] || { echo "site/tests: chromium has no SwiftShader Vulkan driver" >&2; exit 1; }

# playwright-core at the version package-lock.json pins.
want=$(node -p "require('$here/package-lock.json').packages['node_modules/playwright-core'].version")
got=$(node -p "try { require('$here/node_modules/playwright-core/package.json').version } catch { '' }")
if [[ $got != "$want" ]]; then
  echo "site/tests: installing playwright-core $want"
  (cd "$here" && npm ci --no-audit --no-fund --loglevel=error)
fi

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
  node --test --test-concurrency=1 --test-reporter=spec site.test.mjs
