#!/usr/bin/env bash
# Static analysis: cppcheck and clang-tidy over the project's C code, with the
# configuration committed in the repository (.clang-tidy, tests/static/). See
# docs/hardening.md.
#
#   scripts/static-checks.sh [DIR...]
#
# DIRs default to every directory of C code but tests/check (left out while it is
# being refactored; `scripts/static-checks.sh tests/check` checks it alone): the
# library, the plugins, benchmarks, tests/fuzz and each example program that has .c
# files (found, so a new one is covered). A new C directory goes in the list, clean.
# Every finding is an error. The last line is "static-checks: N passed, N failed"
# (one check per tool per directory); the exit status is non-zero if anything was
# found. GST_E2EE_STATIC_BUILD_DIR overrides the build directory that provides
# compile_commands.json (configured with clang); GST_E2EE_STATIC_JOBS the number of
# clang-tidy processes (default: nproc).
set -euo pipefail

cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/.."
root=$PWD
build=${GST_E2EE_STATIC_BUILD_DIR:-build-static}
case $build in /*) ;; *) build=$root/$build ;; esac

dirs=("$@")
if [ ${#dirs[@]} -eq 0 ]; then
  mapfile -t examples < <(find examples -name '*.c' -printf '%h\n' | sort -u)
  dirs=(gst-libs/gst/e2ee ext/e2ee ext/srtpguard gst/encstatus gst/rtpsframe tools
    benchmarks tests/fuzz tests/check tests/interop/mls "${examples[@]}")
fi

bash scripts/install-deps.sh
for tool in cppcheck clang-tidy clang; do
  command -v "$tool" >/dev/null || { echo "static-checks: $tool is missing" >&2; exit 1; }
done

# clang-tidy needs the compile commands (clang's view of every flag) and the generated
# headers; fuzzing and the examples are on so that tests/fuzz and examples/ have
# compile commands too.
if [ ! -f "$build/meson-private/coredata.dat" ]; then
  CC=clang meson setup "$build" -Dfuzzing=enabled -Dintrospection=disabled \
    -Dexamples=enabled -Dbenchmarks=enabled >/dev/null
else
  meson configure "$build" -Dfuzzing=enabled -Dexamples=enabled -Dbenchmarks=enabled >/dev/null
fi
ninja -C "$build" gst-libs/gst/e2ee/e2ee-enumtypes.h \
  ext/e2ee/gste2ee-plugin-enumtypes.h ext/srtpguard/gstsrtpguard-enumtypes.h >/dev/null

passed=0
failed=0
jobs=${GST_E2EE_STATIC_JOBS:-$(nproc)}
tidy_headers="^$root/(build[^/]*/\.\./)?(gst-libs|ext|gst|benchmarks|tests|examples)/"
logs=$(mktemp -d)
trap 'rm -rf "$logs"' EXIT
report() {
  if [ "$2" -eq 0 ]; then
    passed=$((passed + 1))
    printf 'static-checks %-10s %-22s ok\n' "$1" "$3"
  else
    failed=$((failed + 1))
    printf 'static-checks %-10s %-22s FAILED\n' "$1" "$3"
  fi
}

for dir in "${dirs[@]}"; do
  [ -d "$dir" ] || { echo "static-checks: no directory $dir" >&2; exit 2; }
  mapfile -t files < <(find "$dir" -name '*.c' | sort)
  [ ${#files[@]} -gt 0 ] || continue

  # cppcheck: warnings, style, performance and portability. GLib/GStreamer headers
  # are not parsed (their macros come from the library configurations instead).
  rc=0
  cppcheck --quiet --error-exitcode=1 --inline-suppr \
    --enable=warning,style,performance,portability --std=c11 \
    --library=tests/static/gstreamer.cfg --library=gtk \
    --suppressions-list=tests/static/cppcheck-suppressions.txt \
    -DHAVE_CONFIG_H -I "$build" -I gst-libs -I "$build/gst-libs" \
    --template='{file}:{line}: {severity}: {message} [{id}]' \
    "${files[@]}" || rc=$?
  report cppcheck "$rc" "$dir"

  # clang-tidy: the checks in .clang-tidy, findings in this repository's headers too.
  # It takes nearly all of the run's time, so one process per file, $jobs at a time,
  # each writing its own log (their output would interleave in a pipe).
  rc=0
  printf '%s\0' "${files[@]}" | xargs -0 -n 1 -P "$jobs" bash -c \
    'clang-tidy -p "$1" --quiet --header-filter="$2" "$4" >"$3/${4//\//_}.log" 2>&1' \
    _ "$build" "$tidy_headers" "$logs" || rc=$?
  out=$(cat "$logs"/*.log)
  rm -f "$logs"/*.log
  [ "$rc" -eq 0 ] || grep -E -A3 'warning:|error:' <<<"$out" || true
  report clang-tidy "$rc" "$dir"
done

echo "static-checks: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
