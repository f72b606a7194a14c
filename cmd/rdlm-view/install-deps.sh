#!/bin/sh
# Installs what the native viewer needs on Debian: the X11 and OpenGL
# development headers that ebiten's GLFW backend compiles against (cgo), and
# Xvfb, the virtual X server its test draws into. Idempotent: packages that
# are already installed are left alone.
set -eu
pkgs="gcc pkg-config libx11-dev libxrandr-dev libxcursor-dev libxinerama-dev libxi-dev libxxf86vm-dev libgl1-mesa-dev libgl1-mesa-dri xvfb xauth"
missing=""
for p in $pkgs; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing="$missing $p"
done
[ -z "$missing" ] && exit 0
SUDO=""
[ "$(id -u)" -ne 0 ] && SUDO=sudo
echo "rdlm-view: installing$missing" >&2
# Wait for a concurrent apt run rather than failing on its lock.
$SUDO apt-get -o DPkg::Lock::Timeout=600 update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get -o DPkg::Lock::Timeout=600 install -y -qq --no-install-recommends $missing >/dev/null
