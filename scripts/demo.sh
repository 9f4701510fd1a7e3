#!/usr/bin/env bash
# Installs what is missing, builds gst-e2ee in ./build and runs the demo
# (examples/demo/gst-e2ee-demo.c) against the plugins of this build.
# Works from any directory. GST_E2EE_BUILD_DIR overrides the build directory (default: build).
set -euo pipefail

cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/.."
root=$PWD
build=${GST_E2EE_BUILD_DIR:-build}
case $build in /*) ;; *) build=$root/$build ;; esac

bash scripts/install-deps.sh
# A configured build directory reconfigures itself when a meson.build changes.
if [ ! -f "$build/meson-private/coredata.dat" ]; then
  meson setup "$build"
fi
meson compile -C "$build"

# The plugins of this build only (the path is scanned recursively, so it holds
# build/ext/e2ee), the library next to them, and a registry of our own so that
# a system-wide registry or an installed gst-e2ee cannot get in the way.
export GST_PLUGIN_PATH_1_0="$build/ext:$build/gst"
export GST_REGISTRY_1_0="$build/demo-registry.bin"
export LD_LIBRARY_PATH="$build/gst-libs/gst/e2ee${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
exec "$build/examples/demo/gst-e2ee-demo" "$@"
