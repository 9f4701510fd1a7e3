#!/usr/bin/python3
"""Prints "[PREFIX: ]N passed, N failed[, N skipped]" for a meson test log.

    testlog-summary.py BUILD_DIR|LOG.json [PREFIX]

meson names the log after the test setup or wrapper (testlog-valgrind.json, ...);
given a build directory, the newest testlog*.json in its meson-logs is read (the
callers remove old ones before they run). meson test's own summary is not what CI reads, hence this.
Exits non-zero if a test failed or none ran."""
import glob, json, os, sys

if sys.argv[1].endswith(".json"):
    logs = [sys.argv[1]] if os.path.exists(sys.argv[1]) else []
else:
    logs = glob.glob(os.path.join(sys.argv[1], "meson-logs", "testlog*.json"))
passed = failed = skipped = 0
if logs:
    with open(max(logs, key=os.path.getmtime), encoding="utf-8") as f:
        for line in f:
            if not line.strip():
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
if len(sys.argv) > 2:
    line = f"{sys.argv[2]}: {line}"
print(line)
sys.exit(1 if failed or passed == 0 else 0)
