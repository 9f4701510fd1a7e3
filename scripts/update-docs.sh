#!/usr/bin/env bash
# Regenerates docs/gst_plugins_cache.json, the element reference, from a build of
# this tree (configured and built first when needed). Run it after changing a
# property, signal or pad template, and commit the result: the test build/docs
# fails while the file differs from what the build registers.
# GST_E2EE_BUILD_DIR overrides the build directory (default: build).
set -euo pipefail
cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/.."
build=${GST_E2EE_BUILD_DIR:-build}
case $build in /*) ;; *) build=$PWD/$build ;; esac
if [ ! -f "$build/meson-private/coredata.dat" ]; then
  meson setup "$build"
fi
meson compile -C "$build"
/usr/bin/python3 scripts/gen-plugins-cache.py "$build"
