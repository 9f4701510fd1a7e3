#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# `meson devenv` finds this build's plugins, library and typelib with nothing
# exported by hand, and the examples run without them say what is missing and how to
# set the path. Usage: test-devenv.sh BUILD_DIR
set -uo pipefail
build=$1
fail=0
# Nothing of the test environment's own paths: what devenv sets is what is tested.
clean=(env -u GST_PLUGIN_PATH_1_0 -u GST_PLUGIN_PATH -u GST_REGISTRY_1_0
  -u LD_LIBRARY_PATH -u GI_TYPELIB_PATH)
registry=$(mktemp -d)
trap 'rm -rf "$registry"' EXIT

check() {  # NAME EXPECTED-SUBSTRING OUTPUT
  if grep -qF -- "$2" <<<"$3"; then
    echo "ok: $1"
  else
    echo "FAIL: $1: no \"$2\" in:"; sed 's/^/  /' <<<"$3"; fail=1
  fi
}

out=$("${clean[@]}" meson devenv -C "$build" gst-inspect-1.0 e2eeenc 2>&1)
check "devenv: gst-inspect-1.0 e2eeenc" "$build/ext/e2ee/libgste2ee.so" "$out"
out=$("${clean[@]}" meson devenv -C "$build" gst-inspect-1.0 srtpguard 2>&1)
check "devenv: gst-inspect-1.0 srtpguard" "Hop-by-hop SRTP" "$out"
if [ -f "$build/gst-libs/gst/e2ee/GstE2ee-1.0.typelib" ]; then
  out=$("${clean[@]}" meson devenv -C "$build" /usr/bin/python3 -c '
import gi
gi.require_version("Gst", "1.0")
gi.require_version("GstE2ee", "1.0")
from gi.repository import Gst, GstE2ee
Gst.init(None)
print("GstE2ee from", GstE2ee.__file__, "e2eeenc:", Gst.ElementFactory.find("e2eeenc") is not None)
' 2>&1)
  check "devenv: Python with GstE2ee" "e2eeenc: True" "$out"
fi

# The examples, run from the build tree without the plugin path: a message naming
# the element and the command, not an assertion.
for ex in meeting/gst-e2ee-meeting soak/gst-e2ee-soak demo/gst-e2ee-demo; do
  exe=$build/examples/$ex
  [ -x "$exe" ] || continue
  out=$("${clean[@]}" GST_REGISTRY_1_0="$registry/registry.bin" \
    LD_LIBRARY_PATH="$build/gst-libs/gst/e2ee" "$exe" 2>&1)
  rc=$?
  check "$ex without the plugin path: names the element" 'no element "e2eeenc"' "$out"
  check "$ex without the plugin path: names the command" 'meson devenv -C build' "$out"
  if [ "$rc" -eq 0 ] || [ "$rc" -ge 128 ] || grep -q 'assertion' <<<"$out"; then
    echo "FAIL: $ex exited $rc"; fail=1
  fi
done
exit "$fail"
