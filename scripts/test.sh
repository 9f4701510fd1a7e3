#!/usr/bin/env bash
# Installs what is missing, builds gst-e2ee in ./build and runs the whole test suite.
# Extra arguments go to `meson test`, e.g. ./scripts/test.sh --setup=valgrind or
# ./scripts/test.sh elements/e2eeenc. The last line is always "N passed, N failed"
# (", N skipped" appended when tests were skipped); the exit status is non-zero if a
# test failed or if no test ran at all.
# Works from any directory. GST_E2EE_BUILD_DIR overrides the build directory (default: build).
set -euo pipefail

cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/.."
root=$PWD
build=${GST_E2EE_BUILD_DIR:-build}
case $build in /*) ;; *) build=$root/$build ;; esac


bash scripts/install-deps.sh
rm -f "$build"/meson-logs/testlog*.json
status=0
if [ ! -f "$build/meson-private/coredata.dat" ]; then
  meson setup "$build" || status=$?
fi
[ "$status" -ne 0 ] || meson compile -C "$build" || status=$?
if [ "$status" -eq 0 ]; then
  meson test -C "$build" --print-errorlogs "$@" || status=$?
else
  echo "test.sh: the build failed; no test ran" >&2
fi
echo
/usr/bin/python3 scripts/testlog-summary.py "$build" || status=1
exit "$status"
