#!/usr/bin/env bash
# Builds the Debian packages of this tree (debian/: gstreamer1.0-e2ee, libgste2ee-1.0-0,
# libgste2ee-1.0-dev, gir1.2-gste2ee-1.0) with dpkg-buildpackage -us -uc -b in a
# scratch copy, lists lintian's findings, installs the packages on this machine and
# checks them from the system paths only: gst-inspect-1.0 finds every element in
# GStreamer's own plugin directory, Python imports GstE2ee, and the demo, compiled
# against the installed -dev package (pkg-config gstreamer-e2ee-1.0), runs against
# the installed plugins. The packages are removed again at the end (pass --keep to
# keep them), so that later test runs use the build tree.
#
#   scripts/build-deb.sh [--keep]         # as root, or with sudo; OUT=DIR keeps the .debs there
#
# Needs apt: installs debhelper and lintian, and the build dependencies through
# scripts/install-deps.sh. Not in CI: it takes minutes (docs/packaging.md).
# The last line is "build-deb: OK" or "build-deb: FAILED (...)".
set -uo pipefail
cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/.."
root=$PWD
keep=0
[ "${1:-}" = "--keep" ] && keep=1
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"
start=$(date +%s)
step() { echo "build-deb: $* ($(( $(date +%s) - start )) s)"; }
die() { echo "build-deb: FAILED ($*)"; exit 1; }

bash scripts/install-deps.sh || die "install-deps"
if ! dpkg -s debhelper lintian dpkg-dev fakeroot >/dev/null 2>&1; then
  export DEBIAN_FRONTEND=noninteractive
  $SUDO apt-get install -y -qq --no-install-recommends debhelper lintian dpkg-dev \
    fakeroot >/dev/null || die "apt-get install debhelper lintian"
fi

work=$(mktemp -d)
packages=(gstreamer1.0-e2ee libgste2ee-1.0-0 libgste2ee-1.0-dev gir1.2-gste2ee-1.0)
cleanup() {
  if [ "$keep" -eq 0 ] && dpkg -s gstreamer1.0-e2ee >/dev/null 2>&1; then
    $SUDO dpkg --purge "${packages[@]}" >/dev/null && step "packages removed" ||
      echo "build-deb: could not remove ${packages[*]}"
  fi
  rm -rf "$work"
}
trap cleanup EXIT

# The tree as it is (uncommitted changes included), without build directories.
mkdir "$work/gst-e2ee"
git ls-files -z --cached --others --exclude-standard |
  grep -zv '^build' | tar -c --null -T - | tar -x -C "$work/gst-e2ee" ||
  die "copying the tree"
step "building the packages"
( cd "$work/gst-e2ee" &&
  DEB_BUILD_OPTIONS="parallel=2 nocheck" nice -n 10 dpkg-buildpackage -us -uc -b \
    >"$work/dpkg-buildpackage.log" 2>&1 ) ||
  { tail -n 40 "$work/dpkg-buildpackage.log"; die "dpkg-buildpackage"; }
ls "$work"/*.deb
if [ -n "${OUT:-}" ]; then mkdir -p "$OUT" && cp "$work"/*.deb "$OUT"/; fi

step "lintian"
lintian --info --display-info "$work"/*.changes 2>&1 | sed 's/^/  /'
echo "  (end of lintian)"

step "installing"
export DEBIAN_FRONTEND=noninteractive
debs=()
for p in "${packages[@]}"; do debs+=("$work/${p}_"*.deb); done
$SUDO apt-get install -y -qq --no-install-recommends "${debs[@]}" >/dev/null ||
  die "installing the packages"

status=0
check() {  # NAME COMMAND...: the command must succeed
  local name=$1
  shift
  if out=$("$@" 2>&1); then
    echo "ok: $name"
  else
    echo "FAIL: $name"; sed 's/^/  /' <<<"$out" | tail -n 20; status=1
  fi
}
# Only the system: no build tree, no plugin path, a registry of its own.
sys=(env -u GST_PLUGIN_PATH -u GST_PLUGIN_PATH_1_0 -u LD_LIBRARY_PATH -u GI_TYPELIB_PATH
  GST_REGISTRY_1_0="$work/registry.bin")
plugindir=/usr/lib/$(dpkg-architecture -qDEB_HOST_MULTIARCH)/gstreamer-1.0
for el in e2eeenc e2eedec srtpguard encstatus rtpsframepay rtpsframedepay rtpvp8sframepay; do
  out=$("${sys[@]}" gst-inspect-1.0 "$el" 2>&1)
  # merged /usr: GStreamer may name the directory /lib/...
  file=$(sed -n 's/^ *Filename *//p' <<<"$out")
  if [ -n "$file" ] && [ "$(dirname "$(readlink -f "$file")")" = "$(readlink -f "$plugindir")" ]; then
    echo "ok: gst-inspect-1.0 $el finds it in $plugindir"
  else
    echo "FAIL: gst-inspect-1.0 $el"; sed 's/^/  /' <<<"$out" | head -n 20; status=1
  fi
done
check "Python imports GstE2ee from the system" "${sys[@]}" /usr/bin/python3 -c '
import gi
gi.require_version("GIRepository", "2.0")
gi.require_version("GstE2ee", "1.0")
from gi.repository import GIRepository, GstE2ee
path = GIRepository.Repository.get_default().get_typelib_path("GstE2ee")
assert path.startswith("/usr/lib/"), path
print(path)'
check "the demo compiles against libgste2ee-1.0-dev" bash -c "cc -o '$work/demo' \
  examples/demo/gst-e2ee-demo.c examples/common/gste2eeexample.c -I examples/common \
  \$(pkg-config --cflags --libs gstreamer-e2ee-1.0 gstreamer-1.0 openssl)"
check "the demo runs against the installed packages" "${sys[@]}" "$work/demo"
if [ "$status" -eq 0 ]; then
  "${sys[@]}" "$work/demo" 2>&1 | grep -E "^gst-e2ee demo|^RESULT" | sed 's/^/  /'
fi

[ "$status" -eq 0 ] || die "checks of the installed packages"
step "done"
echo "build-deb: OK"
