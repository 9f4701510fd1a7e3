#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# `meson install` into a scratch directory (DESTDIR): GStreamer finds the plugins
# with only the prefix's plugin directory on its path (no LD_LIBRARY_PATH: they find
# libgste2ee-1.0 through their RPATH), none is blacklisted, and an encrypting and
# decrypting pipeline runs from there. Usage: test-install.sh BUILD_DIR
set -uo pipefail
build=$1
dest=$(mktemp -d)
trap 'rm -rf "$dest"' EXIT
fail=0

meson install -C "$build" --no-rebuild --quiet --destdir "$dest" >"$dest/install.log" 2>&1 ||
  { cat "$dest/install.log"; echo "FAIL: meson install"; exit 1; }
prefix=$(meson introspect --buildoptions "$build" | /usr/bin/python3 -c \
  'import json,sys; o={x["name"]: x["value"] for x in json.load(sys.stdin)}; print(o["prefix"] + "/" + o["libdir"])')
libdir=$dest$prefix
plugindir=$libdir/gstreamer-1.0
ls "$plugindir"/libgst*.so >/dev/null || { echo "FAIL: no plugins in $plugindir"; exit 1; }

run() {
  env -u GST_PLUGIN_PATH -u LD_LIBRARY_PATH -u GI_TYPELIB_PATH \
    GST_PLUGIN_PATH_1_0="$plugindir" GST_REGISTRY_1_0="$dest/registry.bin" "$@"
}
for el in e2eeenc e2eedec srtpguard encstatus rtpsframepay rtpsframedepay rtpvp8sframepay; do
  out=$(run gst-inspect-1.0 "$el" 2>&1)
  if grep -qE "^ +Filename +$plugindir/" <<<"$out"; then
    echo "ok: $el loads from the prefix"
  else
    echo "FAIL: $el:"; sed 's/^/  /' <<<"$out" | head -5; fail=1
  fi
done
black=$(run gst-inspect-1.0 -b 2>&1)
if grep -q "gste2ee\|srtpguard\|encstatus\|rtpsframe" <<<"$black"; then
  echo "FAIL: blacklisted: $black"; fail=1
fi
key=000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f
out=$(run gst-launch-1.0 -q audiotestsrc num-buffers=20 ! opusenc ! \
  e2eeenc key-id=1 key=$key layout=frame ! e2eedec key-id=1 key=$key ! \
  fakesink 2>&1) && echo "ok: e2eeenc ! e2eedec from the prefix" ||
  { echo "FAIL: pipeline: $out"; fail=1; }
[ -f "$libdir/pkgconfig/gstreamer-e2ee-1.0.pc" ] && echo "ok: pkg-config file" ||
  { echo "FAIL: no gstreamer-e2ee-1.0.pc in $libdir/pkgconfig"; fail=1; }
exit "$fail"
