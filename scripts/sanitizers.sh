#!/usr/bin/env bash
# Builds gst-e2ee with AddressSanitizer + UndefinedBehaviorSanitizer (gcc) in build-asan
# and runs the whole test suite there: any memory error, undefined behaviour or leak
# fails the test that caused it. See docs/hardening.md.
#
#   scripts/sanitizers.sh [MESON TEST ARGS...]      e.g. scripts/sanitizers.sh elements/e2eedec
#
# The last line is "asan: N passed, N failed"; the exit status is non-zero if a
# test failed or none ran. GST_E2EE_ASAN_BUILD_DIR overrides the build directory.
#
# How the pieces fit:
# - Every test process gets libasan preloaded (this script is its own test wrapper,
#   see --wrap below): programs that are not instrumented themselves, such as
#   gst-plugin-scanner or /usr/bin/python3, load instrumented plugins and libraries,
#   and ASan must be the first library in any process it runs in.
# - Each test's registry is rebuilt from scratch, so no plugin is remembered as
#   blacklisted from a scan that ran without the sanitizer runtime.
# - Leaks: LeakSanitizer runs at the exit of every test process, with
#   tests/sanitizers/lsan.supp for GLib's one-time allocations; UBSan findings in
#   GStreamer's own unaligned-access macros are suppressed by tests/sanitizers/ubsan.supp. The Python test runs
#   without leak detection: CPython and PyGObject do not free their heap at exit by
#   design (its memory errors are still caught).
set -euo pipefail

here=$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")
root=$(dirname "$here")
supp=$root/tests/sanitizers/lsan.supp   # and ubsan.supp next to it

sanitizer_env() {
  # fast_unwind_on_malloc=0: GLib and GStreamer are built without frame pointers, so
  # only the slow unwinder sees past g_malloc; leak reports (and lsan.supp) need that.
  export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:fast_unwind_on_malloc=0:halt_on_error=1:strict_string_checks=1:detect_stack_use_after_return=1:check_initialization_order=1}
  export UBSAN_OPTIONS=${UBSAN_OPTIONS:-halt_on_error=1:print_stacktrace=1:suppressions=$root/tests/sanitizers/ubsan.supp}
  export LSAN_OPTIONS=${LSAN_OPTIONS:-suppressions=$supp:print_suppressions=0}
  export G_SLICE=always-malloc
  export G_DEBUG=${G_DEBUG:-gc-friendly}
  # check's test timeouts and the tests' hang guards (tests/check/hangguard.h), as
  # meson's timeouts below.
  export CK_TIMEOUT_MULTIPLIER=${CK_TIMEOUT_MULTIPLIER:-4}
  # Every test of a binary in one process, as under valgrind: with check's default
  # fork per test, LeakSanitizer scans the heap at the exit of every forked child,
  # which made libs/sframe (93 tests) take 5 minutes instead of 15 seconds.
  export CK_FORK=no
}

if [ "${1:-}" = "--wrap" ]; then
  # meson test runs every test as: sanitizers.sh --wrap TEST-COMMAND...
  shift
  sanitizer_env
  case $(basename "$1") in
    python*) export ASAN_OPTIONS="$ASAN_OPTIONS:detect_leaks=0" ;;
    # GStreamer 1.22's rtph265depay leaks its output caps: see the file's comment.
    elements_e2eeh26x)
      combined=${TMPDIR:-/tmp}/gst-e2ee-lsan-e2eeh26x.supp
      cat "$supp" "$root/tests/sanitizers/lsan-rtph265depay.supp" >"$combined"
      export LSAN_OPTIONS="suppressions=$combined:print_suppressions=0" ;;
  esac
  [ -z "${GST_REGISTRY_1_0:-}" ] || rm -f "$GST_REGISTRY_1_0"
  export LD_PRELOAD="$(gcc -print-file-name=libasan.so)${LD_PRELOAD:+:$LD_PRELOAD}"
  exec "$@"
fi

cd "$root"
build=${GST_E2EE_ASAN_BUILD_DIR:-build-asan}
case $build in /*) ;; *) build=$root/$build ;; esac

bash scripts/install-deps.sh
if [ ! -f "$build/meson-private/coredata.dat" ]; then
  meson setup "$build" -Db_sanitize=address,undefined >/dev/null
fi
# The build runs instrumented helpers (the GIR dumper): no leak checks while building.
if ! ASAN_OPTIONS=detect_leaks=0 meson compile -C "$build" >"$build/sanitizers-build.log" 2>&1; then
  tail -n 30 "$build/sanitizers-build.log"
  echo "asan: the build failed; no test ran"
  echo "asan: 0 passed, 1 failed"
  exit 1
fi

rm -f "$build"/meson-logs/testlog*.json
status=0
# ASan's slow unwinder makes every allocation dearer: give tests 4x their timeout.
# Suite 'peers' (node, Chromium, Python driving Janus) is left out, as under valgrind:
# the preloaded runtime would check node's V8 (LeakSanitizer reports its heap), not our
# code, which the rest of the suite runs. Suite 'build' (meson, the installed tools)
# has no code of ours to check either.
meson test -C "$build" --no-rebuild --print-errorlogs --timeout-multiplier 4 \
  --no-suite peers --no-suite build --wrapper "$here/sanitizers.sh --wrap" "$@" || status=$?

/usr/bin/python3 "$here/testlog-summary.py" "$build" asan || status=1
exit "$status"
