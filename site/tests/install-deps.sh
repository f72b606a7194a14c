#!/usr/bin/env bash
# Installs what the browser tests need, each piece only when it is missing:
# Debian's chromium (major version pinned, with chromium-common, which holds
# SwiftShader's Vulkan driver, the WebGPU adapter on machines without a GPU)
# and playwright-core and axe-core at the versions package-lock.json pins. `make test-deps`
# and site/tests/run.sh run it; running it again does nothing once all is
# there.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
chromium_major=${CHROMIUM_MAJOR:-156}

# Debian's chromium; the major version is pinned since security updates
# replace the exact build (bookworm-security ships 156.x).
have=$(/usr/bin/chromium --version 2>/dev/null | sed -n 's/^Chromium \([0-9]*\)\..*/\1/p' || true)
if [[ $have != "$chromium_major" ]]; then
  echo "site/tests: installing Debian chromium $chromium_major.* (found: ${have:-none})" >&2
  sudo=""; [[ $(id -u) -eq 0 ]] || sudo="sudo"
  # Wait for a concurrent apt run rather than failing on its lock.
  $sudo apt-get -o DPkg::Lock::Timeout=600 update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get -o DPkg::Lock::Timeout=600 install -y -qq --no-install-recommends \
    "chromium=$chromium_major.*" "chromium-common=$chromium_major.*" fonts-dejavu-core >/dev/null
fi
[[ -f /usr/lib/chromium/vk_swiftshader_icd.json ]] || { echo "site/tests: chromium has no SwiftShader Vulkan driver" >&2; exit 1; }

# playwright-core and axe-core (the accessibility audit) at the versions
# package-lock.json pins.
for pkg in playwright-core axe-core; do
  want=$(node -p "require('$here/package-lock.json').packages['node_modules/$pkg'].version")
  got=$(node -p "try { require('$here/node_modules/$pkg/package.json').version } catch { '' }")
  if [[ $got != "$want" ]]; then
    echo "site/tests: installing the pinned npm packages ($pkg $want; found: ${got:-none})" >&2
    (cd "$here" && npm ci --no-audit --no-fund --no-update-notifier --loglevel=error)
    break
  fi
done
