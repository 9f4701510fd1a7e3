#!/usr/bin/env bash
# gst-e2ee benchmark: in an MLS meeting (examples/meeting --keys mls), the time from the
# host's Remove commit being sent to the last remaining sender encrypting under the new
# epoch (the last e2eeenc's `e2ee-mls-kid` message for it), for 8 and 50 participants.
# docs/performance.md, "MLS: a Remove in a live meeting", says how to read it.
#
#   benchmarks/bench-meeting-remove.sh [BUILD_DIR] [RUNS] [SIZES...]
#
# BUILD_DIR defaults to build, RUNS to 5, SIZES to "8 50". Each run is one meeting (6 s
# of media, 60 s above 8 participants: joining 49 takes tens of seconds on two cores) in which
# the last participant leaves once everyone has joined and half the host's media has
# gone (it disconnects from the delivery service; the host's e2eemls commits its Remove
# at once). 8 participants send VP8
# video (15 fps, 160x120) and Opus (20 ms), and everyone receives and decodes. Above 8,
# everyone sends Opus only (60 ms frames) but only the host, participants 1 to 3 and
# the leaver receive, decrypting without decoding (--audio-only --decrypt-only
# --receivers 4): 50 x 49 received streams do not fit two cores, 5 x 49 do. What is
# measured is sender-side (the commit's delivery to every agent, its processing, each
# encoder's switch), and every one of the 49 remaining agents and encoders still takes
# part. A run that fails (its summary line says why) is reported and left out.
set -uo pipefail

cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/.."
build=${1:-build}
runs=${2:-5}
shift 2 2>/dev/null || shift $#
sizes=("$@")
[ ${#sizes[@]} -eq 0 ] && sizes=(8 50)
meeting=$build/examples/meeting/gst-e2ee-meeting
export GST_PLUGIN_PATH_1_0=$build/ext:$build/gst
export LD_LIBRARY_PATH=$build/gst-libs/gst/e2ee${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}
export GST_REGISTRY_1_0=$build/benchmarks/registry-meeting.bin

echo "cpu: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ //'), $(nproc) cores"
echo "flags: $(grep -m1 -o -w -E 'aes|vaes|vpclmulqdq|avx2|avx512f|sha_ni' /proc/cpuinfo | sort -u | tr '\n' ' ')"
for n in "${sizes[@]}"; do
  extra=()
  secs=6
  [ "$n" -gt 8 ] && extra=(--audio-only --decrypt-only --receivers 4) && secs=60
  times=()
  for ((r = 1; r <= runs; r++)); do
    out=$(nice -n 10 "$meeting" --keys mls --bench-remove --participants "$n" --seconds "$secs" \
      "${extra[@]}" 2>&1)
    status=$?
    line=$(grep '^remove: ' <<<"$out")
    summary=$(grep '^participants ' <<<"$out")
    if [ $status -ne 0 ] || ! grep -q 'last sender' <<<"$line"; then
      echo "n=$n run $r failed: $line / $summary"
      continue
    fi
    # "... Remove commit sent to the last sender on epoch E X ms (K encoders)"
    t=$(sed -E 's/.*last sender on epoch [0-9]+ ([0-9.]+) ms.*/\1/' <<<"$line")
    c=$(sed -E 's/.*member-left to Remove commit sent ([0-9.]+) ms.*/\1/' <<<"$line")
    echo "n=$n run $r: commit sent to last sender $t ms (member-left to commit $c ms); $summary"
    times+=("$t")
  done
  if [ ${#times[@]} -gt 0 ]; then
    printf '%s\n' "${times[@]}" | sort -g | awk -v n="$n" '{ v[NR] = $1 }
      END { printf "n=%s: Remove commit sent to last sender on the new epoch: median %.1f ms, min %.1f, max %.1f (%d runs)\n",
        n, (NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2), v[1], v[NR], NR }'
  fi
done
