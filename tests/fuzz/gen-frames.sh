#!/usr/bin/env bash
# gst-e2ee fuzzing: (re)makes tests/fuzz/frames/, real frames of every codec the layout
# knows, as Debian's encoders write them, for the seed corpus of fuzz-layout (made by
# gen-corpus.py). They are committed, unlike the other seeds: encoder output changes
# between encoder versions, and the fuzz run must not need the encoders. Tiny pictures
# (64x48) keep them small; key frames every second frame give both kinds.
#
#   tests/fuzz/gen-frames.sh        -> tests/fuzz/frames/CODEC-N.bin
#
# SPDX-License-Identifier: LGPL-2.1-or-later
set -euo pipefail

out=$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/frames
rm -rf "$out"
mkdir -p "$out"
video="videotestsrc num-buffers=3 pattern=ball ! video/x-raw,width=64,height=48,framerate=30/1"

# shellcheck disable=SC2086 # $video is a launch-line fragment
{
  gst-launch-1.0 -q $video ! vp8enc deadline=1 keyframe-max-dist=2 ! \
    multifilesink location="$out/vp8-%d.bin"
  gst-launch-1.0 -q $video ! vp9enc deadline=1 keyframe-max-dist=2 ! \
    multifilesink location="$out/vp9-%d.bin"
  # with access unit delimiters and x264's SEI, main profile
  gst-launch-1.0 -q $video ! x264enc key-int-max=2 aud=true bframes=0 ! \
    video/x-h264,stream-format=byte-stream,alignment=au ! \
    multifilesink location="$out/h264-%d.bin"
  # without delimiters, baseline profile
  gst-launch-1.0 -q $video ! x264enc key-int-max=2 aud=false bframes=0 \
    speed-preset=ultrafast ! \
    video/x-h264,stream-format=byte-stream,alignment=au,profile=baseline ! \
    multifilesink location="$out/h264b-%d.bin"
  gst-launch-1.0 -q $video ! x265enc key-int-max=2 speed-preset=ultrafast ! \
    video/x-h265,stream-format=byte-stream,alignment=au ! \
    multifilesink location="$out/h265-%d.bin"
}
gst-launch-1.0 -q audiotestsrc num-buffers=3 samplesperbuffer=960 ! \
  audio/x-raw,rate=48000,channels=1 ! opusenc ! multifilesink location="$out/opus-%d.bin"
ls -l "$out"
