#!/usr/bin/python3
# GStreamer's side of tests/web/sframe-test.mjs: real encoder frames, and e2eeenc and
# e2eedec run on frames the JavaScript SFrame code made or must read.
# SPDX-License-Identifier: LGPL-2.1-or-later
#
#   e2ee-frames.py encrypt < jobs.json   vp8enc/opusenc frames, each job encrypted by e2eeenc
#   e2ee-frames.py decrypt < jobs.json   each job's frames through e2eedec
#
# A job: {"suite": 1-5, "kid": "<decimal>", "key": "<hex>", "layout": "codec"|"frame",
#         "codec": "vp8"|"opus", "frames": ["<hex>", ...]} ("frames" only for decrypt).
# Output: one result per job: {"plain": [...], "frames": [...], "stats": {...}}; frames
# e2eedec dropped are null.

import json
import sys

import gi

gi.require_version('Gst', '1.0')
from gi.repository import Gst  # noqa: E402

SUITES = {1: 'aes-128-ctr-hmac-sha256-80', 2: 'aes-128-ctr-hmac-sha256-64',
          3: 'aes-128-ctr-hmac-sha256-32', 4: 'aes-128-gcm-sha256-128',
          5: 'aes-256-gcm-sha512-128'}
CAPS = {'vp8': 'video/x-vp8,width=160,height=120,framerate=30/1',
        'opus': 'audio/x-opus,channel-mapping-family=0,channels=1,rate=48000'}
SOURCES = {
    # key frames every 10 frames, so both VP8 frame kinds are well represented
    'vp8': 'videotestsrc num-buffers=30 pattern=ball ! video/x-raw,width=160,height=120,'
           'framerate=30/1 ! vp8enc deadline=1 keyframe-max-dist=10 ! appsink name=out sync=false',
    'opus': 'audiotestsrc num-buffers=20 wave=sine ! audio/x-raw,channels=1,rate=48000 ! '
            'opusenc frame-size=20 ! appsink name=out sync=false',
}
# Edge cases the layout must handle: an empty encrypted region (a 3-byte VP8 interframe,
# a TOC-only Opus packet, as DTX sends).
EXTRA = {'vp8': [bytes.fromhex('310100')], 'opus': [bytes.fromhex('fc')]}


def bytes_of(buf):
    ok, info = buf.map(Gst.MapFlags.READ)
    assert ok
    try:
        return bytes(info.data)
    finally:
        buf.unmap(info)


def pull_all(pipeline, sink):
    out = []
    pipeline.set_state(Gst.State.PLAYING)
    while True:
        sample = sink.emit('try-pull-sample', 10 * Gst.SECOND)
        if sample is None:
            break
        out.append(bytes_of(sample.get_buffer()))
    msg = pipeline.get_bus().pop_filtered(Gst.MessageType.ERROR)
    pipeline.set_state(Gst.State.NULL)
    if msg:
        sys.exit(f'e2ee-frames: {msg.parse_error()[0].message}')
    return out


def encoded(codec):
    p = Gst.parse_launch(SOURCES[codec])
    return pull_all(p, p.get_by_name('out')) + EXTRA[codec]


def structure_to_dict(s):
    out = {}
    for i in range(s.n_fields()):
        name = s.nth_field_name(i)
        v = s.get_value(name)
        if isinstance(v, (int, str, bool)):
            out[name] = v
    return out


def run(job, element, frames):
    caps = CAPS[job['codec']]
    if element == 'e2eedec' and job['layout'] == 'frame':
        caps = f'application/x-sframe,original-media-type={caps.split(",")[0]}'
    layout = 'codec' if job['layout'] == 'codec' else 'frame'
    p = Gst.parse_launch(
        f'appsrc name=in format=time caps="{caps}" ! {element} name=e layout={layout} '
        f'ratchet-bits=0 ! appsink name=out sync=false')
    e = p.get_by_name('e')
    e.set_property('cipher-suite', SUITES[job['suite']])
    e.set_property('key-id', int(job['kid']))
    e.set_property('key', Gst.Buffer.new_wrapped(bytes.fromhex(job['key'])))
    src = p.get_by_name('in')
    p.set_state(Gst.State.PLAYING)
    sink = p.get_by_name('out')
    for i, f in enumerate(frames):
        buf = Gst.Buffer.new_wrapped(f)
        # The PTS numbers the frames (the elements keep timestamps), so a dropped frame
        # shows up as a hole.
        buf.pts = i * Gst.MSECOND
        src.emit('push-buffer', buf)
    src.emit('end-of-stream')
    results = [None] * len(frames)
    while True:
        sample = sink.emit('try-pull-sample', 10 * Gst.SECOND)
        if sample is None:
            break
        b = sample.get_buffer()
        results[b.pts // Gst.MSECOND] = bytes_of(b).hex()
    stats = structure_to_dict(e.get_property('stats'))
    msg = p.get_bus().pop_filtered(Gst.MessageType.ERROR)
    p.set_state(Gst.State.NULL)
    if msg:
        sys.exit(f'e2ee-frames: {msg.parse_error()[0].message}')
    return {'frames': results, 'stats': stats}


def main():
    Gst.init(None)
    mode = sys.argv[1]
    jobs = json.load(sys.stdin)
    results = []
    plain = {}
    for job in jobs:
        if mode == 'encrypt':
            if job['codec'] not in plain:
                plain[job['codec']] = encoded(job['codec'])
            r = run(job, 'e2eeenc', plain[job['codec']])
            r['plain'] = [f.hex() for f in plain[job['codec']]]
        else:
            r = run(job, 'e2eedec', [bytes.fromhex(f) for f in job['frames']])
        results.append(r)
    json.dump(results, sys.stdout)


if __name__ == '__main__':
    main()
