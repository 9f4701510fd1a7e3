#!/usr/bin/env bash
# Builds gst-e2ee in ./build (the same build scripts/test.sh uses) and runs the whole
# test suite under valgrind's memcheck: `meson test --setup=valgrind` (the setup is in
# tests/meson.build: definite leaks and memory errors fail a test, GLib's and
# tests/valgrind/gst.supp's suppressions). See docs/hardening.md.
#
#   scripts/valgrind.sh [MESON TEST ARGS...]      e.g. scripts/valgrind.sh libs/sframe
#
# The last line is "valgrind: N passed, N failed"; the exit status is non-zero if a
# test failed or none ran. GST_E2EE_BUILD_DIR overrides the build directory.
set -euo pipefail

cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/.."
build=${GST_E2EE_BUILD_DIR:-build}
case $build in /*) ;; *) build=$PWD/$build ;; esac

bash scripts/install-deps.sh
status=0
if [ ! -f "$build/meson-private/coredata.dat" ]; then
  meson setup "$build" >/dev/null || status=$?
fi
if [ "$status" -ne 0 ] || ! meson compile -C "$build" >"$build/valgrind-build.log" 2>&1; then
  tail -n 30 "$build/valgrind-build.log" 2>/dev/null || true
  echo "valgrind: the build failed; no test ran"
  echo "valgrind: 0 passed, 1 failed"
  exit 1
fi

rm -f "$build"/meson-logs/testlog-valgrind.json
meson test -C "$build" --no-rebuild --setup=valgrind --print-errorlogs "$@" || status=$?

/usr/bin/python3 scripts/testlog-summary.py "$build/meson-logs/testlog-valgrind.json" \
  valgrind || status=1
exit "$status"
