#!/usr/bin/env bash
# Installs what the WebGPU tests need, each piece only when it is missing:
#   * the Vulkan loader (Debian libvulkan1: libvulkan.so.1, which Dawn dlopens)
#     and SwiftShader's Vulkan driver (Debian chromium-common), a CPU Vulkan
#     ICD: /usr/lib/chromium/vk_swiftshader_icd.json
#   * Dawn with the standard webgpu.h (npm bun-webgpu-linux-x64), for the
#     native driver: $RDLM_WEBGPU_HOME/native/libwebgpu_wrapper.so
#   * Dawn for Node (npm webgpu), for the js/wasm tests under go test -exec:
#     $RDLM_WEBGPU_HOME/node/node_modules/webgpu
# RDLM_WEBGPU_HOME defaults to ${XDG_CACHE_HOME:-$HOME/.cache}/rdlm-webgpu,
# the place core/gpu looks for the library when no path is given.
# Versions are pinned; running it again does nothing once all is there.
set -euo pipefail

BUN_WEBGPU_VERSION=0.1.7
NODE_WEBGPU_VERSION=0.6.2
HOME_DIR="${RDLM_WEBGPU_HOME:-${XDG_CACHE_HOME:-$HOME/.cache}/rdlm-webgpu}"
ICD=/usr/lib/chromium/vk_swiftshader_icd.json

# Not grep -q: under pipefail, grep leaving early can fail ldconfig with SIGPIPE.
have_loader() { ldconfig -p 2>/dev/null | grep 'libvulkan\.so\.1 ' >/dev/null; }
if [ ! -f "$ICD" ] || ! have_loader; then
	echo "testenv: installing libvulkan1 and chromium-common (Vulkan loader, SwiftShader's Vulkan driver)" >&2
	as_root=""
	[ "$(id -u)" -ne 0 ] && as_root="sudo"
	# Wait for a concurrent apt run rather than failing on its lock.
	$as_root apt-get -o DPkg::Lock::Timeout=600 update -qq
	DEBIAN_FRONTEND=noninteractive $as_root apt-get -o DPkg::Lock::Timeout=600 install -y -qq --no-install-recommends libvulkan1 chromium-common >/dev/null
fi
[ -f "$ICD" ] || { echo "testenv: $ICD still missing after installing chromium-common" >&2; exit 1; }
have_loader || { echo "testenv: libvulkan.so.1 still missing after installing libvulkan1" >&2; exit 1; }

# npm_pin DIR PACKAGE VERSION installs PACKAGE@VERSION into DIR unless that
# exact version is already there.
npm_pin() {
	local dir="$1" pkg="$2" ver="$3" have=""
	if [ -f "$dir/node_modules/$pkg/package.json" ]; then
		have="$(node -p "require('$dir/node_modules/$pkg/package.json').version" 2>/dev/null || true)"
	fi
	if [ "$have" != "$ver" ]; then
		echo "testenv: installing npm $pkg@$ver into $dir" >&2
		mkdir -p "$dir"
		[ -f "$dir/package.json" ] || echo '{"private":true}' >"$dir/package.json"
		npm install --prefix "$dir" --no-save --no-audit --no-fund --no-update-notifier --loglevel=error "$pkg@$ver" >/dev/null
	fi
}

npm_pin "$HOME_DIR/node" webgpu "$NODE_WEBGPU_VERSION"
npm_pin "$HOME_DIR/npm-native" bun-webgpu-linux-x64 "$BUN_WEBGPU_VERSION"

lib="$(find "$HOME_DIR/npm-native/node_modules/bun-webgpu-linux-x64" -name 'libwebgpu_wrapper.so' | head -n1)"
[ -n "$lib" ] || { echo "testenv: libwebgpu_wrapper.so not found in bun-webgpu-linux-x64@$BUN_WEBGPU_VERSION" >&2; exit 1; }
mkdir -p "$HOME_DIR/native"
ln -sfn "$lib" "$HOME_DIR/native/libwebgpu_wrapper.so"
echo "testenv: ready in $HOME_DIR (ICD $ICD)" >&2
