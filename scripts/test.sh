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

summary() {
  # meson names the log after the test setup or wrapper (testlog-valgrind.json), so
  # take whichever this run wrote; old ones were removed before it started.
  local log
  log=$(ls -t "$build"/meson-logs/testlog*.json 2>/dev/null | head -n 1 || true)
  /usr/bin/python3 - "$log" <<'PY'
import json, sys
passed = failed = skipped = 0
path = sys.argv[1]
if path:
    with open(path, encoding="utf-8") as f:
        for line in f:
            line = line.strip()
            if not line:
                continue
            result = json.loads(line).get("result")
            if result in ("OK", "EXPECTEDFAIL"):
                passed += 1
            elif result == "SKIP":
                skipped += 1
            else:  # FAIL, ERROR, TIMEOUT, UNEXPECTEDPASS, INTERRUPT
                failed += 1
line = f"{passed} passed, {failed} failed"
if skipped:
    line += f", {skipped} skipped"
print(line)
sys.exit(1 if failed or passed + failed == 0 else 0)
PY
}

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
summary || status=1
exit "$status"
