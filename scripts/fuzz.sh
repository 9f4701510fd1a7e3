#!/usr/bin/env bash
# Builds the libFuzzer targets (clang, ASan+UBSan, coverage of the library and plugins)
# in build-fuzz, writes their seed corpora (tests/fuzz/gen-corpus.py: the RFC 9605 test
# vectors, the codec frames in tests/fuzz/frames, SRTP packets), and runs each target
# for SECONDS (default 30), at most one per core at a time. See docs/hardening.md.
#
#   scripts/fuzz.sh [SECONDS] [TARGET...]
#
# targets: sframe-header sframe-decrypt layout e2eedec srtpguard rtpsframedepay
#          mls-handle mls-welcome mls-key-package mls-group-info
#
# New inputs the fuzzers find go to build-fuzz/fuzz-corpus/TARGET (kept between runs);
# a crash is saved as build-fuzz/fuzz-artifacts/TARGET/crash-* and reproduces with
#   build-fuzz/tests/fuzz/fuzz-TARGET build-fuzz/fuzz-artifacts/TARGET/crash-...
# Once fixed, a crash input goes to tests/fuzz/regressions/TARGET/ (every run replays
# those first).
# Logs: build-fuzz/fuzz-logs/TARGET.log. The last line is "fuzz: N passed, N failed";
# the exit status is non-zero if any target failed.
# GST_E2EE_FUZZ_BUILD_DIR overrides the build directory, FUZZ_JOBS the parallelism.
set -euo pipefail

cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/.."
root=$PWD
build=${GST_E2EE_FUZZ_BUILD_DIR:-build-fuzz}
case $build in /*) ;; *) build=$root/$build ;; esac

secs=${1:-30}
shift || true
all_targets=(sframe-header sframe-decrypt layout e2eedec srtpguard rtpsframedepay
  mls-handle mls-welcome mls-key-package mls-group-info)
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=("${all_targets[@]}")
jobs=${FUZZ_JOBS:-$(nproc)}

bash scripts/install-deps.sh
command -v clang >/dev/null || { echo "fuzz: clang is missing" >&2; exit 1; }

if [ ! -f "$build/meson-private/coredata.dat" ]; then
  CC=clang meson setup "$build" \
    -Dfuzzing=enabled -Db_sanitize=address,undefined -Db_lundef=false \
    -Dc_args=-fsanitize=fuzzer-no-link \
    -Dintrospection=disabled -Dexamples=disabled >/dev/null
fi
build_targets=()
for t in "${targets[@]}"; do build_targets+=("fuzz-$t"); done
if ! meson compile -C "$build" "${build_targets[@]}" >"$build/fuzz-build.log" 2>&1; then
  tail -n 30 "$build/fuzz-build.log"
  echo "fuzz: the build failed"
  echo "fuzz: 0 passed, 1 failed"
  exit 1
fi

seeds=$build/fuzz-seeds
rm -rf "$seeds"
/usr/bin/python3 tests/fuzz/gen-corpus.py tests/vectors/rfc9605-test-vectors.json "$seeds" >/dev/null
# The MLS targets write their own seeds (real messages of the group each one builds,
# the same bytes at every run: tests/fuzz/fuzz-mls.h), and ts-mls adds its own.
for t in "${targets[@]}"; do
  case $t in
    mls-*) mkdir -p "$seeds/$t"
           FUZZ_MLS_WRITE_SEEDS="$seeds/$t" ASAN_OPTIONS=detect_leaks=0 \
             "$build/tests/fuzz/fuzz-$t" >/dev/null 2>&1 ||
             echo "fuzz: $t could not write its seeds" >&2 ;;
  esac
done
if [[ " ${targets[*]} " == *" mls-"* ]]; then
  node tests/interop/mls/tsmls-fuzz-seeds.mjs "$seeds" 2>/dev/null ||
    echo "fuzz: no ts-mls seeds (node or tests/interop/mls/node_modules missing)" >&2
fi

# UBSan findings abort like ASan's (GStreamer's GST_READ/WRITE_UINT* macros excepted,
# as in scripts/sanitizers.sh); leaks are errors; a run past its memory or per-input
# time limit is a failure too.
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1:strict_string_checks=1:detect_stack_use_after_return=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-halt_on_error=1:print_stacktrace=1:suppressions=$root/tests/sanitizers/ubsan.supp}
export GST_DEBUG=${GST_DEBUG:-0}

mkdir -p "$build/fuzz-logs"
run_one() {
  local t=$1 exe=$build/tests/fuzz/fuzz-$1
  mkdir -p "$build/fuzz-corpus/$t" "$build/fuzz-artifacts/$t"
  local rc=0 regressions=()
  # Inputs that once failed (tests/fuzz/regressions/TARGET) run with every run.
  [ -d "tests/fuzz/regressions/$t" ] && regressions=("tests/fuzz/regressions/$t")
  "$exe" -max_total_time="$secs" -timeout=10 -rss_limit_mb=2560 -print_final_stats=1 \
    -artifact_prefix="$build/fuzz-artifacts/$t/" \
    "$build/fuzz-corpus/$t" "$seeds/$t" "${regressions[@]}" \
    >"$build/fuzz-logs/$t.log" 2>&1 || rc=$?
  echo "$rc" >"$build/fuzz-logs/$t.rc"
}

for t in "${targets[@]}"; do
  rm -f "$build/fuzz-logs/$t.rc"
  while [ "$(jobs -rp | wc -l)" -ge "$jobs" ]; do wait -n || true; done
  run_one "$t" &
done
wait

passed=0
failed=0
for t in "${targets[@]}"; do
  log=$build/fuzz-logs/$t.log
  if [ "$(cat "$build/fuzz-logs/$t.rc" 2>/dev/null)" = 0 ]; then
    status=ok
    passed=$((passed + 1))
  else
    status=FAILED
    failed=$((failed + 1))
  fi
  execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -n 1 || true)
  cov=$(grep -o 'cov: [0-9]*' "$log" | tail -n 1 | cut -d' ' -f2 || true)
  printf 'fuzz %-15s %-6s %ss, %s runs, coverage %s edges\n' "$t" "$status" "$secs" \
    "${execs:-?}" "${cov:-?}"
  if [ "$status" != ok ]; then
    { grep -E 'ERROR|SUMMARY|runtime error|fuzz-.*\.c:[0-9]+:|Test unit written|cannot' \
        "$log" || tail -n 5 "$log"; } | head -n 20 | sed 's/^/    /' || true
  fi
done
echo "fuzz: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
