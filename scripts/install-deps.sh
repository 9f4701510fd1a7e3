#!/usr/bin/env bash
# Installs everything gst-e2ee needs to build, test and run its demo on Debian 12.
# Idempotent and quick when all is present: apt-get runs only if a check below fails.
set -euo pipefail

PKGS=(
  meson ninja-build pkg-config gcc
  libglib2.0-dev libssl-dev openssl libsrtp2-dev libjson-glib-dev
  libgstreamer1.0-dev libgstreamer-plugins-base1.0-dev
  gstreamer1.0-tools gstreamer1.0-plugins-base gstreamer1.0-plugins-good
  gstreamer1.0-plugins-bad gstreamer1.0-plugins-ugly gstreamer1.0-libav
  gobject-introspection libgirepository1.0-dev gir1.2-gstreamer-1.0 gir1.2-gst-plugins-base-1.0
  python3-gi python3-gst-1.0 python3-cryptography
  valgrind
  clang libclang-rt-14-dev clang-tidy cppcheck
  # issue 8: webrtcbin from Python (GI, so no C code links libgstwebrtc and the -dev
  # package that pulls in OpenCV stays out), the Janus SFU and Debian's Chromium
  gstreamer1.0-nice gir1.2-gst-plugins-bad-1.0 janus chromium
)

missing() {
  local pc
  for pc in gstreamer-1.0 gstreamer-base-1.0 gstreamer-check-1.0 gstreamer-video-1.0 \
            gstreamer-app-1.0 gstreamer-rtp-1.0 openssl libsrtp2 json-glib-1.0 gobject-introspection-1.0; do
    pkg-config --exists "$pc" 2>/dev/null || { echo "pkg-config: $pc"; return 0; }
  done
  local bin
  for bin in meson ninja gst-inspect-1.0 gst-launch-1.0 g-ir-scanner openssl valgrind \
             clang clang-tidy cppcheck janus /usr/bin/chromium; do
    command -v "$bin" >/dev/null 2>&1 || { echo "command: $bin"; return 0; }
  done
  local el
  for el in x264enc avdec_h264 vp8enc vp8dec opusenc opusdec srtpenc srtpdec h264parse rtpbin \
            x265enc vp9enc rtph265pay webrtcbin openh264dec; do
    gst-inspect-1.0 --exists "$el" 2>/dev/null || { echo "element: $el"; return 0; }
  done
  # libnice's plugin has its own version (0.1), which --exists compares with GStreamer's
  gst-inspect-1.0 nicesrc >/dev/null 2>&1 || { echo "element: nicesrc"; return 0; }
  # libFuzzer and clang's sanitizer runtimes (scripts/fuzz.sh)
  [ -e "$(clang -print-file-name=libclang_rt.fuzzer-x86_64.a)" ] || { echo "libFuzzer"; return 0; }
  /usr/bin/python3 -c 'import gi; gi.require_version("Gst", "1.0")' 2>/dev/null || { echo "python3-gst"; return 0; }
  /usr/bin/python3 -c 'import gi; gi.require_version("GstWebRTC", "1.0"); gi.require_version("GstSdp", "1.0")' \
    2>/dev/null || { echo "GstWebRTC typelib"; return 0; }
  # tests/fuzz/gen-corpus.py protects the srtpguard seeds with it
  /usr/bin/python3 -c 'import cryptography' 2>/dev/null || { echo "python3-cryptography"; return 0; }
  return 1
}

if what=$(missing); then
  echo "install-deps: missing $what; installing Debian packages" >&2
  SUDO=""
  [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  export DEBIAN_FRONTEND=noninteractive
  $SUDO apt-get update -qq
  $SUDO apt-get install -y -qq --no-install-recommends "${PKGS[@]}" >/dev/null
  if what=$(missing); then
    echo "install-deps: still missing $what after apt-get" >&2
    exit 1
  fi
fi
# The npm dependencies of the tests that run node (each pinned in its package-lock.json):
#  tests/web           the browser test (playwright-core; it never downloads a browser,
#                      the test drives /usr/bin/chromium);
#  tests/interop/mls   ts-mls, the independent MLS implementation the MLS interop test and
#                      benchmark run against (docs/mls.md).
#  examples/web        ts-mls again, for the web page's MLS member (docs/web.md; the
#                      endpoint serves it to the page).
# npm ci runs only when node_modules is missing or was installed from another lock file.
# Without node >= 20 and npm, or if npm ci fails, those tests fail or skip and say why;
# the rest of the project does not need them.
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1 ||
   ! node -e 'process.exit(Number(process.versions.node.split(".")[0]) >= 20 ? 0 : 1)'; then
  echo "install-deps: WARNING: tests/web, tests/interop/mls and examples/web need node >= 20 and npm" \
    "(Debian 12's nodejs is 18)" >&2
else
  for dir in "$root/tests/web" "$root/tests/interop/mls" "$root/examples/web"; do
    lock_sum=$(sha256sum "$dir/package-lock.json" | cut -d' ' -f1)
    if [ "$(cat "$dir/node_modules/.gst-e2ee-lock" 2>/dev/null)" != "$lock_sum" ]; then
      echo "install-deps: npm ci in ${dir#"$root"/}" >&2
      if (cd "$dir" && PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm ci --ignore-scripts --no-audit \
            --no-fund --loglevel=error >&2); then
        echo "$lock_sum" > "$dir/node_modules/.gst-e2ee-lock"
      else
        echo "install-deps: WARNING: npm ci failed in ${dir#"$root"/}" >&2
      fi
    fi
  done
fi
echo "install-deps: all dependencies present" >&2
