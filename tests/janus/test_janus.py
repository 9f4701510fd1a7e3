#!/usr/bin/python3
# gst-e2ee: end-to-end encrypted media through a real SFU, Janus's VideoRoom.
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# One call, then assertions on what was recorded:
#
#   alice publishes VP8 + Opus, bob H.264 + Opus (webrtcbin; e2eeenc in the codec
#   layout before each payloader). carol subscribes to both with the keys, eve to both
#   without them; dave (with the keys) joins while the media is already flowing. Two
#   thirds through, every stream changes to a new key (e2eeenc's rotate; the
#   subscribers got the new keys beforehand).
#
# Media starts once every participant present from the beginning is connected, each
# encoder's first frame is a key frame, and each stream sends a fixed number of frames.
# Janus forwards a publisher's packets to a subscriber from the moment that subscriber's
# PeerConnection is up (measured: with keyframe requests suppressed, a late subscriber
# gets the delta frames that follow its connection, never the ones before). So:
#
#   * carol and eve, connected before the first frame, must get every frame;
#   * dave must get every frame sent after his connection was up, and an unbroken run of
#     frames from his first one (Janus asks the publishers for a key frame when he
#     joins; video decodes from the first key frame he gets).
#
# Run by meson (suite 'peers') with /usr/bin/python3; the environment points GStreamer
# and GI at the build tree.

import os
import secrets
import sys
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import janusfixture  # noqa: E402
import janusmedia  # noqa: E402
from janusmedia import Gst, GstE2ee  # noqa: E402

VIDEO_FRAMES = 90     # 3 s at 30 fps
AUDIO_FRAMES = 150    # 3 s of 20 ms packets
FRAMES = {"vp8": VIDEO_FRAMES, "h264": VIDEO_FRAMES, "opus": AUDIO_FRAMES}
ROTATE_AT = {"vp8": 60, "h264": 60, "opus": 100}
LATE_JOIN_AFTER = 15  # video frames sent before dave starts to subscribe
AFTER_LATE_JOIN = {"vp8": 30, "h264": 30, "opus": 50}

LAYOUT_CODEC = {"vp8": GstE2ee.LayoutCodec.VP8, "h264": GstE2ee.LayoutCodec.H264,
                "opus": GstE2ee.LayoutCodec.OPUS}

WINDOW = 16  # bytes: a run of 2 * WINDOW - 1 plaintext bytes anywhere is found


# --- What docs/layout.md encrypts, read independently of libgste2ee ----------------

def _nal_units(frame):
    """(start, end) of each NAL unit of an Annex B frame, trailing zero bytes excluded."""
    starts = []
    i = frame.find(b"\x00\x00\x01")
    while i >= 0:
        starts.append(i + 3)
        i = frame.find(b"\x00\x00\x01", i + 3)
    units = []
    for n, s in enumerate(starts):
        e = starts[n + 1] - 3 if n + 1 < len(starts) else len(frame)
        while e > s and frame[e - 1] == 0:
            e -= 1
        units.append((s, e))
    return units


def authenticated_output(codec, frame):
    """What e2eedec passes on of an H.264 frame the sender encrypted (docs/layout.md,
    "Decryption"): the access unit delimiters and end of sequence/stream NAL units are
    not authenticated and go. x264enc puts its parameter sets first, once, so nothing
    else changes; each remaining NAL unit keeps its start code."""
    if codec != "h264":
        return frame
    units = _nal_units(frame)
    out = b""
    for n, (s, e) in enumerate(units):
        if frame[s] & 0x1F in (9, 10, 11):
            continue
        # the first NAL unit out gets the frame's first framing
        framing = units[0][0] if not out else s - (units[n - 1][1] if n else 0)
        out += (b"\x00\x00\x00\x01" if framing >= 4 else b"\x00\x00\x01") + frame[s:e]
    return out


def _h264_slice_clear_end(frame, start, end, header):
    """End (exclusive, raw bytes) of the clear part of an H.264 slice NAL unit at
    start: the header, then first_mb_in_slice, slice_type and pic_parameter_set_id as
    ue(v), emulation prevention bytes skipped."""
    pos, bit, zeros = start + header, 0, 0

    def next_bit():
        nonlocal pos, bit, zeros
        if bit == 0:
            if pos < end and zeros >= 2 and frame[pos] == 3:
                pos += 1
                zeros = 0
            if pos >= end:
                raise ValueError("slice header runs past the NAL unit")
            zeros = zeros + 1 if frame[pos] == 0 else 0
        b = (frame[pos] >> (7 - bit)) & 1
        bit += 1
        if bit == 8:
            bit, pos = 0, pos + 1
        return b

    for _ in range(3):
        k = 0
        while next_bit() == 0:
            k += 1
        for _ in range(k):
            next_bit()
    return pos + (1 if bit else 0)


def protected_regions(codec, frame):
    """The byte ranges of a plaintext frame that the codec layout encrypts."""
    if codec == "vp8":
        return [frame[(10 if frame[0] & 1 == 0 else 3):]]
    if codec == "opus":
        return [frame[1:]]
    regions = []
    for s, e in _nal_units(frame):
        t = frame[s] & 0x1F
        if t in (7, 8, 13, 15, 9, 10, 11):     # parameter sets and framing: clear
            continue
        header = 4 if t in (14, 20, 21) else 1
        if t in (1, 2, 5, 20, 21):
            clear = _h264_slice_clear_end(frame, s, e, header)
        else:
            clear = s + header
        regions.append(frame[clear:e])
    return regions


class PlaintextFinder:
    """Finds plaintext bytes in other data: every WINDOW-byte piece of the protected
    regions, at every offset, is looked up among the data's aligned WINDOW-byte pieces,
    so any common run of 2 * WINDOW - 1 bytes or more is found."""

    def __init__(self, codec, frames):
        self.pieces = {}
        for n, f in enumerate(frames):
            for r in protected_regions(codec, f):
                for o in range(0, len(r) - WINDOW + 1):
                    self.pieces.setdefault(r[o:o + WINDOW], n)

    def find(self, data):
        """Indices of the plaintext frames some bytes of which are in data (a list of
        byte strings)."""
        hits = set()
        for d in data:
            for o in range(0, len(d) - WINDOW + 1, WINDOW):
                n = self.pieces.get(d[o:o + WINDOW])
                if n is not None:
                    hits.add(n)
        return hits


def kid_ctr(codec, frame):
    ok, kid, ctr = GstE2ee.layout_parse_header(LAYOUT_CODEC[codec], frame)
    if not ok:
        raise AssertionError("no SFrame header in a %s frame" % codec)
    return kid, ctr


def late_expectation(s, r):
    """What a subscriber that joined mid-stream (r) should have got of s: from the first
    packet Janus forwarded to it, every packet; the frames from the first one whose
    first packet it got (VP8: the first key frame from there); decoded frames from the
    first key frame (audio: from the first frame)."""
    with r.lock:
        rtp0 = r.rtp[0] if r.rtp else None
        cipher = list(r.cipher)
    if rtp0 is None or rtp0 not in s.rtp:
        return None
    first = s.rtp.index(rtp0)
    whole = s.rtp_frame[first] + (0 if first == 0 or s.rtp_frame[first - 1] != s.rtp_frame[first] else 1)
    if s.codec == "vp8":
        whole = min((k for k in s.keyframe_index if k >= whole), default=len(s.cipher))
    n = len(s.cipher) - whole
    pieces = cipher[:len(cipher) - n] if n else cipher
    decodable = n
    if s.kind == "video":
        decodable = len(s.cipher) - min((k for k in s.keyframe_index if k >= whole), default=len(s.cipher))
    return {"first_packet": first, "first_frame": whole, "pieces": pieces, "decodable": decodable}


class JanusCall(unittest.TestCase):
    maxDiff = 2000

    def assertFramesEqual(self, got, want, what="frames"):
        """assertEqual for lists of frames, with a readable message."""
        if got == want:
            return
        n = next((i for i, (a, b) in enumerate(zip(got, want)) if a != b), min(len(got), len(want)))
        self.fail("%s: %d received, %d expected; first difference at %d: %s vs %s" % (
            what, len(got), len(want), n,
            got[n][:24].hex() if n < len(got) else "(none)",
            want[n][:24].hex() if n < len(want) else "(none)"))

    @classmethod
    def setUpClass(cls):
        t0 = time.monotonic()
        cls.timings = []

        def mark(what):
            cls.timings.append((what, time.monotonic() - t0))

        cls.janus = janusfixture.JanusServer().start()
        mark("janus up")
        cls.loop = janusmedia.MainLoop()
        cls.peers = []
        try:
            cls._call(mark)
        except BaseException:
            cls.tearDownClass()
            raise
        print("timings: " + ", ".join("%s %.2f s" % t for t in cls.timings), file=sys.stderr)
        for p in cls.publishers:
            for s in p.streams:
                print("%s %s: key frames at %s, key frame requests %d" % (
                    p.name, s.codec, s.keyframe_index, s.keyframe_requests), file=sys.stderr)
                for sub in (cls.carol, cls.dave):
                    r = sub.stream_of(p.id, s.mid)
                    st = sub.stats(r)
                    print("   %s: %s" % (sub.name, " ".join("%s=%s" % (k, st.get_value(k)) for k in (
                        "frames", "dropped", "dropped-malformed-header", "dropped-authentication",
                        "dropped-unknown-kid", "held", "recovered"))), file=sys.stderr)

    @classmethod
    def _call(cls, mark):
        cls.client = janusfixture.JanusClient(cls.janus.url)
        admin = cls.client.attach()
        cls.room = admin.request({"request": "create", "publishers": 4,
                                  "videocodec": "vp8,h264", "audiocodec": "opus",
                                  "fir_freq": 10})["room"]

        def keys(n):
            return [(secrets.randbits(47), secrets.token_bytes(32)) for _ in range(n)]

        cls.alice = janusmedia.Publisher(cls.client, cls.room, "alice", ["vp8", "opus"], keys(2))
        cls.bob = janusmedia.Publisher(cls.client, cls.room, "bob", ["h264", "opus"], keys(2))
        cls.publishers = [cls.alice, cls.bob]
        cls.peers += cls.publishers
        for p in cls.publishers:
            p.publish()
        mark("published")

        cls.carol = janusmedia.Subscriber(cls.client, cls.room, "carol")
        cls.eve = janusmedia.Subscriber(cls.client, cls.room, "eve")
        cls.dave = janusmedia.Subscriber(cls.client, cls.room, "dave")
        cls.peers += [cls.carol, cls.eve, cls.dave]
        cls.keyed = [cls.carol, cls.dave]
        for sub in cls.keyed:
            for p in cls.publishers:
                for s in p.streams:
                    janusmedia.add_decrypt_key(sub.store, s.kid, s.key)

        # The rotation: from the frame at ROTATE_AT on, a new key under a new KID; the
        # receivers have it before that frame is encrypted.
        cls.rotations = []

        def rotate(s):
            kid, key = secrets.randbits(47), secrets.token_bytes(32)
            for sub in cls.keyed:
                janusmedia.add_decrypt_key(sub.store, kid, key)
            ok = s.e2eeenc.emit("rotate", kid, Gst.Buffer.new_wrapped(key))
            cls.rotations.append((s, kid, ok))

        for p in cls.publishers:
            for s in p.streams:
                s.rotate_at = ROTATE_AT[s.codec]
                s.on_rotate = rotate

        feeds = [p.id for p in cls.publishers]
        cls.carol.subscribe(feeds)
        cls.eve.subscribe(feeds)
        mark("subscribed")

        for p in cls.publishers:
            p.send(FRAMES)
        janusmedia.wait_until(lambda: cls.alice.streams[0].passed >= LATE_JOIN_AFTER, 10)
        cls.dave.subscribe(feeds)
        # Frames and packets each stream had sent when dave's connection was up (Janus's
        # webrtcup event, and webrtcbin connected): a bound for where his media starts.
        cls.dave_up = {p.name: p.counts() for p in cls.publishers}
        # However slow the machine, a second of media after dave is up.
        for p in cls.publishers:
            p.send_at_least(AFTER_LATE_JOIN)
        mark("dave subscribed")

        def done():
            for p in cls.publishers:
                if not p.finished():
                    return False
                for s in p.streams:
                    r = cls.carol.stream_of(p.id, s.mid)
                    if r.decoded < len(s.cipher) or cls.eve.stream_of(p.id, s.mid).rtp[-1:] != s.rtp[-1:]:
                        return False
                    if cls.dave.stream_of(p.id, s.mid).rtp[-1:] != s.rtp[-1:]:
                        return False
            return True

        def decoded():
            for s, r in ((s, cls.dave.stream_of(p.id, s.mid)) for p in cls.publishers for s in p.streams):
                e = late_expectation(s, r)
                if e is None or r.decoded < e["decodable"]:
                    return False
            return True

        cls.completed = janusmedia.wait_until(done, 30) and janusmedia.wait_until(decoded, 5)
        mark("media done")

    @classmethod
    def tearDownClass(cls):
        for peer in reversed(cls.peers):
            peer.stop()
        if getattr(cls, "client", None) is not None:
            cls.client.destroy()
        cls.loop.quit()
        pid = cls.janus.proc.pid if cls.janus.proc else None
        cls.janus.stop()
        if pid is not None:
            # Stopped by its PID, and gone.
            try:
                os.kill(pid, 0)
                raise AssertionError("janus (PID %d) still running" % pid)
            except ProcessLookupError:
                pass

    # --- helpers -----------------------------------------------------------------

    def pairs(self, subscriber):
        for p in self.publishers:
            for s in p.streams:
                yield p, s, subscriber.stream_of(p.id, s.mid)

    def label(self, p, s):
        return "%s's %s" % (p.name, s.codec)

    # --- the tests ---------------------------------------------------------------

    def test_00_call_completed(self):
        errors = [e for peer in self.peers for e in peer.errors]
        self.assertEqual(errors, [])
        # Only the subscriber without the keys is told that keys are missing.
        self.assertEqual([e for peer in self.peers if peer is not self.eve
                          for e in peer.nokey], [])
        self.assertGreater(len(self.eve.nokey), 0)
        self.assertTrue(self.completed, "the media did not finish arriving within 30 s")

    def test_janus_setup(self):
        info = self.janus.info
        self.assertEqual(list(info["plugins"]), ["janus.plugin.videoroom"])
        self.assertEqual(list(info["transports"]), ["janus.transport.http"])
        self.assertEqual(info.get("events", {}), {})
        for p in self.publishers:
            # What Janus needs from the publisher (a=ssrc per m-line, to demultiplex the
            # bundle) and where it gathers (the host's address, never loopback).
            cands = [line.split() for line in p.answer.splitlines() if line.startswith("a=candidate:")]
            self.assertGreater(len(cands), 0)
            for c in cands:
                self.assertEqual((c[2].lower(), c[4], c[7]), ("udp", self.janus.address, "host"))
            for s in p.streams:
                self.assertIn("a=ssrc:%d " % s.ssrc,
                              p.webrtc.get_property("local-description").sdp.as_text())
                # The KIDs travel in the stream descriptions (Janus's feed_description).
                self.assertEqual(self.carol.stream_of(p.id, s.mid).kid, s.kid)

    def test_every_frame_arrives_and_decodes(self):
        for p, s, r in self.pairs(self.carol):
            with self.subTest(stream=self.label(p, s)):
                sent = s.passed
                self.assertGreaterEqual(sent, FRAMES[s.codec])
                self.assertEqual(len(s.plain), sent)
                self.assertEqual(len(s.cipher), sent)
                self.assertEqual(len(r.cipher), sent)
                self.assertEqual(len(r.plain), sent)
                self.assertEqual(r.decoded, sent)
                if s.kind == "video":
                    # Media started on the encoder's first frame: a key frame.
                    self.assertEqual(s.keyframe_index[0], 0)
                st = self.carol.stats(r)
                self.assertEqual(st.get_value("frames"), sent)
                self.assertEqual(st.get_value("dropped"), 0)

    def test_decrypted_frames_are_the_sent_frames(self):
        for p, s, r in self.pairs(self.carol):
            with self.subTest(stream=self.label(p, s)):
                # Byte for byte, H.264 too: the layout would accept other framing
                # (start code lengths, zero padding), but the depayloader gives the
                # access units back as x264enc made them.
                self.assertFramesEqual(
                    r.plain, [authenticated_output(s.codec, f) for f in s.plain],
                    "decrypted frames")

    def test_sfu_forwards_the_ciphertext_unchanged(self):
        # The RTP payloads out of the publisher's payloader are the payloads Janus hands
        # every subscriber present from the start (headers are Janus's own: SSRC,
        # sequence numbers and timestamps are rewritten), and the frames the
        # subscriber's depayloader rebuilds are the frames e2eeenc made.
        for sub in (self.carol, self.eve):
            for p, s, r in self.pairs(sub):
                with self.subTest(subscriber=sub.name, stream=self.label(p, s)):
                    self.assertGreater(len(s.rtp), 0)
                    self.assertFramesEqual(r.rtp, s.rtp, "RTP payloads")
                    self.assertFramesEqual(r.cipher, s.cipher)
                    self.assertTrue(r.cipher != s.plain, "the frames arrived unencrypted")

    def test_no_plaintext_reaches_the_sfu(self):
        for p in self.publishers:
            for s in p.streams:
                with self.subTest(stream=self.label(p, s)):
                    finder = PlaintextFinder(s.codec, s.plain)
                    self.assertGreater(len(finder.pieces), 0)
                    # None in what the publisher sent to Janus, nor in what Janus sent
                    # each subscriber (RTP payloads, frames).
                    places = [("sent RTP", s.rtp), ("sent frames", s.cipher)]
                    for sub in (self.carol, self.eve, self.dave):
                        r = sub.stream_of(p.id, s.mid)
                        places += [(sub.name + "'s RTP", r.rtp), (sub.name + "'s frames", r.cipher)]
                    for where, data in places:
                        found = finder.find(data)
                        self.assertEqual(found, set(), "plaintext of %d frames in %s" % (len(found), where))
                    # The search finds plaintext where there is some: every frame with
                    # 2 * WINDOW - 1 protected bytes, in what carol's e2eedec output.
                    findable = {n for n, f in enumerate(s.plain)
                                if any(len(x) >= 2 * WINDOW - 1 for x in protected_regions(s.codec, f))}
                    self.assertGreater(len(findable), 0)
                    found = finder.find(self.carol.stream_of(p.id, s.mid).plain)
                    self.assertEqual(findable - found, set())

    def test_subscriber_without_key_decodes_nothing(self):
        for p, s, r in self.pairs(self.eve):
            with self.subTest(stream=self.label(p, s)):
                self.assertEqual(r.cipher, s.cipher)                # it all arrived
                self.assertEqual(len(r.plain), 0)                   # nothing decrypted
                self.assertEqual(r.decoded, 0)                      # nothing decoded
                st = self.eve.stats(r)
                self.assertEqual(st.get_value("frames"), 0)
                self.assertEqual(st.get_value("recovered"), 0)
                # Each frame waited for a key (unknown-kid-hold) that never came.
                self.assertEqual(st.get_value("held"), len(s.cipher))

    def test_key_rotation_through_the_sfu(self):
        self.assertEqual(len(self.rotations), 4)
        new_kid = {}
        for s, kid, ok in self.rotations:
            self.assertTrue(ok)
            new_kid[id(s)] = kid
        for p, s, r in self.pairs(self.carol):
            with self.subTest(stream=self.label(p, s)):
                sent = [kid_ctr(s.codec, f) for f in s.cipher]
                got = [kid_ctr(s.codec, f) for f in r.cipher]
                self.assertEqual(got, sent)
                # Old key, counters 0..k-1; then the new key from counter 0, to the end.
                k = next(n for n, (kid, _) in enumerate(sent) if kid != s.kid)
                self.assertEqual(sent[:k], [(s.kid, c) for c in range(k)])
                self.assertEqual(sent[k:], [(new_kid[id(s)], c) for c in range(len(sent) - k)])
                self.assertEqual(k, ROTATE_AT[s.codec])
                # Every frame on both sides of the change decrypted and decoded.
                self.assertEqual(len(r.plain), len(s.plain))
                self.assertEqual(r.decoded, len(s.plain))
                if s.kind == "video":
                    # keyframe-on-rotate: a key frame soon under the new key.
                    self.assertTrue(any(k <= i <= k + 2 for i in s.keyframe_index), s.keyframe_index)

    def test_late_subscriber_gets_everything_after_joining(self):
        for p, s, r in self.pairs(self.dave):
            with self.subTest(stream=self.label(p, s)):
                up_rtp, up_frames = self.dave_up[p.name][s.index]
                e = late_expectation(s, r)
                self.assertIsNotNone(e, "dave received nothing")
                # An unbroken run of packets to the end, starting no later than the
                # packet being sent when his connection was reported up.
                self.assertLessEqual(e["first_packet"], up_rtp)
                self.assertFramesEqual(r.rtp, s.rtp[e["first_packet"]:], "RTP payloads")
                # Frames: at most one piece of a frame whose start came before his
                # connection, which cannot decrypt; then every frame from the first
                # whole one (VP8: from the first key frame; the depayloader drops delta
                # frames before one) to the end, decrypted.
                self.assertLessEqual(len(e["pieces"]), 1)
                self.assertFramesEqual(r.cipher, e["pieces"] + s.cipher[e["first_frame"]:])
                self.assertFramesEqual(
                    r.plain, [authenticated_output(s.codec, f)
                              for f in s.plain[e["first_frame"]:]], "decrypted frames")
                self.assertEqual(self.dave.stats(r).get_value("dropped"), len(e["pieces"]))
                # Decoded: every frame from the first key frame (audio: every frame).
                self.assertEqual(r.decoded, e["decodable"])
                kind = "" if s.kind == "audio" else \
                    " (key frame)" if e["first_frame"] in s.keyframe_index else " (delta frame)"
                print("dave, %s: connected after frame %d of %d; got frames %d..%s, decoded %d"
                      % (self.label(p, s), up_frames, len(s.cipher), e["first_frame"], kind,
                         r.decoded), file=sys.stderr)

if __name__ == "__main__":
    unittest.main(verbosity=2)
