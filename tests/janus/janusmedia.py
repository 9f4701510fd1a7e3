# gst-e2ee: GStreamer participants of a Janus VideoRoom, with end-to-end encryption.
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# A Publisher is one pipeline: test sources, encoders, e2eeenc (codec layout), the
# codec's RTP payloader and webrtcbin, publishing to a VideoRoom through Janus's REST
# API. A Subscriber is another pipeline: webrtcbin receiving the feeds Janus offers, then
# per stream the RTP depayloader, e2eedec (layout=codec: after a depayloader the caps
# no longer say how the frames were encrypted) and a decoder.
#
# Both record what crosses their pads (plaintext and encrypted frames, RTP payloads,
# decoded frames) so that a test can compare what was sent with what arrived.
#
# Runs with /usr/bin/python3 (PyGObject); webrtcbin only through GI.

import secrets
import threading
import time

import gi

gi.require_version("Gst", "1.0")
gi.require_version("GstWebRTC", "1.0")
gi.require_version("GstSdp", "1.0")
gi.require_version("GstE2ee", "1.0")
from gi.repository import GLib, Gst, GstE2ee, GstSdp, GstWebRTC  # noqa: E402

Gst.init(None)

SUITE = GstE2ee.CipherSuite.AES_256_GCM_SHA512_128
SUITE_NICK = "aes-256-gcm-sha512-128"

# Per codec: the media kind, what Janus calls it, the payload type we offer, the RTP
# caps we offer, the encoding part of the sender and the receiving chain up to the
# decoder.
CODECS = {
    "vp8": dict(
        kind="video", janus="vp8", pt=96,
        rtp="application/x-rtp,media=video,encoding-name=VP8,clock-rate=90000",
        src="videotestsrc is-live=true pattern=smpte horizontal-speed=3 ! "
            "video/x-raw,format=I420,width=320,height=240,framerate=30/1",
        # deadline=1: realtime; no frame lag, so every raw frame gives one encoded frame.
        enc="vp8enc name=encoder deadline=1 cpu-used=8 target-bitrate=600000 "
            "keyframe-max-dist=600 lag-in-frames=0",
        # rtpvp8pay parses the (encrypted) first partition; rtpvp8sframepay does not.
        pay="rtpvp8sframepay name=pay picture-id-mode=15-bit mtu=1200",
        depay="rtpvp8depay name=depay",
        dec="vp8dec name=decoder",
    ),
    "h264": dict(
        kind="video", janus="h264", pt=102,
        rtp="application/x-rtp,media=video,encoding-name=H264,clock-rate=90000,"
            "packetization-mode=(string)1,profile-level-id=(string)42e01f",
        src="videotestsrc is-live=true pattern=smpte horizontal-speed=3 ! "
            "video/x-raw,format=I420,width=320,height=240,framerate=30/1",
        enc="x264enc name=encoder tune=zerolatency speed-preset=ultrafast bitrate=600 "
            "key-int-max=600 ! video/x-h264,profile=constrained-baseline ! h264parse ! "
            "video/x-h264,stream-format=byte-stream,alignment=au",
        # x264enc repeats SPS and PPS in every IDR access unit: nothing to insert.
        # (config-interval=-1 would make rtph264depay cut IDR frames in pieces, which
        # e2eedec joins: docs/layout.md.)
        pay="rtph264pay name=pay config-interval=0 aggregate-mode=zero-latency mtu=1200",
        depay="rtph264depay name=depay ! video/x-h264,stream-format=byte-stream,alignment=au",
        # One thread: frame threading would hold frames back until more arrive.
        dec="avdec_h264 name=decoder max-threads=1",
    ),
    "opus": dict(
        kind="audio", janus="opus", pt=111,
        # Opus's rtpmap must say /2 (RFC 7587), or Janus finds no codec it knows.
        rtp="application/x-rtp,media=audio,encoding-name=OPUS,clock-rate=48000,"
            "encoding-params=(string)2",
        src="audiotestsrc is-live=true wave=pink-noise samplesperbuffer=960 ! "
            "audio/x-raw,rate=48000,channels=1",
        enc="opusenc name=encoder frame-size=20 bitrate=48000",
        pay="rtpopuspay name=pay",
        depay="rtpopusdepay name=depay",
        dec="opusdec name=decoder",
    ),
}


def _bytes(buf):
    ok, info = buf.map(Gst.MapFlags.READ)
    try:
        return bytes(info.data)
    finally:
        buf.unmap(info)


def _buffers(info):
    if info.type & Gst.PadProbeType.BUFFER_LIST:
        lst = info.get_buffer_list()
        return [lst.get(i) for i in range(lst.length())]
    return [info.get_buffer()]


def rtp_payload(packet):
    """The payload of an RTP packet (RFC 3550 §5.1), or None if it is not one."""
    if len(packet) < 12 or packet[0] >> 6 != 2:
        return None
    off = 12 + 4 * (packet[0] & 0x0F)
    if packet[0] & 0x10:
        if len(packet) < off + 4:
            return None
        off += 4 + 4 * int.from_bytes(packet[off + 2:off + 4], "big")
    end = len(packet)
    if packet[0] & 0x20:
        end -= packet[-1]
    if off > end:
        return None
    return packet[off:end]


class MainLoop:
    """A GLib main loop in a thread of its own, for bus watches and timeouts."""

    def __init__(self):
        self.loop = GLib.MainLoop()
        self.thread = threading.Thread(target=self.loop.run, name="glib", daemon=True)
        self.thread.start()

    def quit(self):
        self.loop.quit()
        self.thread.join(5)


def _wait(event, timeout, what):
    if not event.wait(timeout):
        raise TimeoutError("timed out waiting for %s" % what)


class Peer:
    """What publishers and subscribers share: a pipeline around webrtcbin, its bus,
    and the negotiation steps."""

    def __init__(self, name):
        self.name = name
        self.errors = []
        self.nokey = []
        self.pipeline = None
        self.webrtc = None
        self.connected = threading.Event()
        self.gathered = threading.Event()

    def _setup_webrtc(self):
        self.webrtc = self.pipeline.get_by_name("webrtc")
        self.webrtc.connect("notify::ice-gathering-state", self._on_gathering)
        self.webrtc.connect("notify::connection-state", self._on_connection)
        bus = self.pipeline.get_bus()
        bus.add_signal_watch()
        bus.connect("message::error", self._on_error)
        bus.connect("message::warning", self._on_error)

    def _on_error(self, bus, msg):
        if msg.type == Gst.MessageType.ERROR:
            err, dbg = msg.parse_error()
        else:
            err, dbg = msg.parse_warning()
            # e2eedec's "no key for this KID" (docs/e2eedec.md): what a subscriber
            # without the keys must see; counted apart, never an error of the call.
            if err.matches(Gst.StreamError.quark(), Gst.StreamError.DECRYPT_NOKEY):
                self.nokey.append("%s: %s: %s" % (self.name, msg.src.get_name(), err.message))
                return
        self.errors.append("%s: %s: %s (%s)" % (self.name, msg.src.get_name(), err.message, dbg))

    def _on_gathering(self, webrtc, pspec):
        if webrtc.get_property("ice-gathering-state") == GstWebRTC.WebRTCICEGatheringState.COMPLETE:
            self.gathered.set()

    def _on_connection(self, webrtc, pspec):
        if webrtc.get_property("connection-state") == GstWebRTC.WebRTCPeerConnectionState.CONNECTED:
            self.connected.set()

    def _local_description(self, create, timeout=10):
        """create-offer or create-answer, set it as the local description, wait for
        ICE gathering to complete and return the SDP with all candidates (Janus gets
        the whole SDP at once: no trickle)."""
        done = threading.Event()
        box = {}

        def on_created(promise, _):
            # Runs on webrtcbin's task thread: set-local-description is queued behind
            # this callback, so its promise must not be waited for here.
            reply = promise.get_reply()
            box["desc"] = reply.get_value(create.split("-")[1]) if reply else None
            if box["desc"] is not None:
                self.webrtc.emit("set-local-description", box["desc"], None)
            done.set()

        self.webrtc.emit(create, None, Gst.Promise.new_with_change_func(on_created, None))
        _wait(done, timeout, "%s %s" % (self.name, create))
        if box["desc"] is None:
            raise RuntimeError("%s: %s failed" % (self.name, create))
        _wait(self.gathered, timeout, "%s ICE gathering" % self.name)
        return self.webrtc.get_property("local-description").sdp.as_text()

    def _set_remote(self, sdptype, text, timeout=10):
        res, msg = GstSdp.SDPMessage.new_from_text(text)
        if res != GstSdp.SDPResult.OK:
            raise RuntimeError("%s: unparsable SDP" % self.name)
        desc = GstWebRTC.WebRTCSessionDescription.new(sdptype, msg)
        promise = Gst.Promise.new()
        self.webrtc.emit("set-remote-description", desc, promise)
        if promise.wait() != Gst.PromiseResult.REPLIED:
            raise RuntimeError("%s: set-remote-description failed" % self.name)
        reply = promise.get_reply()
        if reply is not None and reply.has_field("error"):
            raise RuntimeError("%s: set-remote-description: %s" % (self.name, reply.get_value("error")))

    def stop(self):
        if self.pipeline is not None:
            self.pipeline.set_state(Gst.State.NULL)
            self.pipeline.get_bus().remove_signal_watch()
            self.pipeline = None
        if getattr(self, "handle", None) is not None:
            self.handle.detach()
            self.handle = None


class SentStream:
    """One stream of a publisher and everything recorded on it."""

    def __init__(self, index, codec, kid, key, record):
        self.index = index
        self.codec = codec
        self.spec = CODECS[codec]
        self.kid = kid
        self.key = key
        self.ssrc = secrets.randbits(32) or 1
        self.mid = None
        self.lock = threading.Lock()
        self.gate_open = False
        self.to_send = 0           # raw frames still to let through the gate
        self.passed = 0            # raw frames let through
        self.rotate_at = None      # raw frame index at which to rotate, and how
        self.on_rotate = None
        self.record = record       # keep the bytes (a test), or just count (a long call)
        self.n = {"plain": 0, "cipher": 0, "rtp": 0}
        self.plain = []            # frames into e2eeenc
        self.cipher = []           # frames out of e2eeenc, into the payloader
        self.rtp = []              # RTP payloads out of the payloader
        self.rtp_frame = []        # for each, the index in cipher of its frame
        self.keyframes = 0         # key frames out of the encoder
        self.keyframe_index = []   # their indices in cipher
        self.keyframe_requests = 0  # force-key-unit events that reached the encoder

    @property
    def kind(self):
        return self.spec["kind"]


class Publisher(Peer):
    """A VideoRoom publisher of the given codecs (one stream each), every stream
    with a KID of its own. Streams may share a base key: RFC 9605 derives each KID's
    key and salt from the base key and the KID. They must never share a KID, since
    each e2eeenc counts its own nonces from 0."""

    def __init__(self, client, room, name, codecs, keys, record=True, sources=None):
        """keys: one (KID, base key) per codec; sources: per media kind, a source
        description instead of CODECS' test source."""
        super().__init__(name)
        self.client = client
        self.room = room
        self.streams = [SentStream(i, c, kid, key, record) for i, (c, (kid, key)) in
                        enumerate(zip(codecs, keys, strict=True))]
        # max-compat: every m-line with a port of its own. With max-bundle webrtcbin
        # offers the later m-lines with port 0 and a=bundle-only (RFC 8843), which Janus
        # 1.1.2 takes for rejected m-lines (it answers them inactive). Janus bundles them
        # in its answer anyway.
        desc = ["webrtcbin name=webrtc bundle-policy=max-compat"]
        for s in self.streams:
            sp = s.spec
            desc.append(
                "%s ! identity name=gate%d ! %s ! e2eeenc name=e2ee%d key-id=%d cipher-suite=%s "
                "layout=codec ! %s pt=%d ssrc=%d ! %s,payload=%d ! webrtc.sink_%d" % (
                    (sources or {}).get(s.kind, sp["src"]), s.index,
                    sp["enc"].replace("name=encoder", "name=encoder%d" % s.index),
                    s.index, s.kid, SUITE_NICK,
                    sp["pay"].replace("name=pay", "name=pay%d" % s.index),
                    sp["pt"], s.ssrc, sp["rtp"], sp["pt"], s.index))
        self.pipeline = Gst.parse_launch(" ".join(desc))
        self._setup_webrtc()
        for s in self.streams:
            self._instrument(s)

    def _instrument(self, s):
        p = self.pipeline
        enc = p.get_by_name("e2ee%d" % s.index)
        enc.set_property("key", Gst.Buffer.new_wrapped(s.key))
        s.e2eeenc = enc
        # Codec preferences with the SSRC: Janus needs a=ssrc in the publisher's offer
        # to tell the bundled streams apart, and webrtcbin writes it only from caps
        # that carry one, which the payloader's caps do only once the first frame is
        # encoded, after the negotiation.
        pad = self.webrtc.get_static_pad("sink_%d" % s.index)
        trans = pad.get_property("transceiver")
        trans.set_property("direction", GstWebRTC.WebRTCRTPTransceiverDirection.SENDONLY)
        trans.set_property("codec-preferences", Gst.Caps.from_string(
            "%s,payload=%d,ssrc=(uint)%d" % (s.spec["rtp"], s.spec["pt"], s.ssrc)))
        s.transceiver = trans

        gate = p.get_by_name("gate%d" % s.index).get_static_pad("src")
        gate.add_probe(Gst.PadProbeType.BUFFER, self._gate_probe, s)
        encoder = p.get_by_name("encoder%d" % s.index)
        encoder.get_static_pad("src").add_probe(
            Gst.PadProbeType.EVENT_UPSTREAM, self._keyframe_request_probe, s)
        enc.get_static_pad("sink").add_probe(Gst.PadProbeType.BUFFER, self._record, (s, "plain"))
        enc.get_static_pad("src").add_probe(Gst.PadProbeType.BUFFER, self._record, (s, "cipher"))
        pay = p.get_by_name("pay%d" % s.index)
        if s.codec == "h264":
            pay.get_static_pad("sink").add_probe(
                Gst.PadProbeType.EVENT_DOWNSTREAM, self._drop_force_key_unit, s)
        pay.get_static_pad("src").add_probe(
            Gst.PadProbeType.BUFFER | Gst.PadProbeType.BUFFER_LIST, self._record_rtp, s)

    def _gate_probe(self, pad, info, s):
        """Raw frames pass only while the test lets them (media starts when every
        participant is connected, so the first frame each encoder sees is a key frame),
        and exactly as many as asked for."""
        rotate = None
        with s.lock:
            if not s.gate_open or s.to_send == 0:
                return Gst.PadProbeReturn.DROP
            s.to_send -= 1
            if s.rotate_at is not None and s.passed == s.rotate_at:
                rotate = s.on_rotate
            s.passed += 1
        if rotate is not None:
            # Before this frame reaches e2eeenc: the rotation takes effect with it.
            rotate(s)
        return Gst.PadProbeReturn.OK

    def _drop_force_key_unit(self, pad, info, s):
        """Keeps rtph264pay from inserting SPS and PPS of its own.

        e2eeenc asks for a key frame with all headers when it changes keys; the
        encoder then sends a downstream force-key-unit event with all-headers, and
        rtph264pay answers it by sending its copies of SPS and PPS ahead of the IDR
        access unit. rtph264depay makes an access unit of those two alone, which has
        no encrypted region: e2eedec drops it (malformed-header) and asks for another
        key frame. x264enc repeats SPS and PPS in every IDR access unit anyway."""
        ev = info.get_event()
        if ev.type == Gst.EventType.CUSTOM_DOWNSTREAM and ev.get_structure() is not None \
                and ev.get_structure().get_name() == "GstForceKeyUnit":
            return Gst.PadProbeReturn.DROP
        return Gst.PadProbeReturn.OK

    def _keyframe_request_probe(self, pad, info, s):
        ev = info.get_event()
        if ev.type == Gst.EventType.CUSTOM_UPSTREAM and ev.get_structure() is not None \
                and ev.get_structure().get_name() == "GstForceKeyUnit":
            s.keyframe_requests += 1
        return Gst.PadProbeReturn.OK

    def _record(self, pad, info, arg):
        s, what = arg
        buf = info.get_buffer()
        data = _bytes(buf) if s.record else None
        with s.lock:
            s.n[what] += 1
            if s.record:
                getattr(s, what).append(data)
            if what == "cipher" and s.kind == "video" and not buf.has_flags(Gst.BufferFlags.DELTA_UNIT):
                s.keyframes += 1
                s.keyframe_index.append(s.n["cipher"] - 1)
        return Gst.PadProbeReturn.OK

    def _record_rtp(self, pad, info, s):
        bufs = _buffers(info)
        with s.lock:
            s.n["rtp"] += len(bufs)
            if s.record:
                for b in bufs:
                    s.rtp.append(rtp_payload(_bytes(b)))
                    # The payloader packs the frame e2eeenc just pushed (no queue between).
                    s.rtp_frame.append(s.n["cipher"] - 1)
        return Gst.PadProbeReturn.OK

    def publish(self, timeout=15):
        self.handle = self.client.attach()
        self.handle.message({"request": "join", "ptype": "publisher", "room": self.room,
                             "display": self.name})
        ev = self.handle.wait_event(lambda e: e.get("plugindata", {}).get("data", {})
                                    .get("videoroom") == "joined", timeout)
        self.id = ev["plugindata"]["data"]["id"]
        self.pipeline.set_state(Gst.State.PLAYING)
        offer = self._local_description("create-offer", timeout)
        # The KIDs go with the feed's stream descriptions, where subscribers (in this
        # process or another) find them; KIDs are not secret, base keys never go there.
        mids = [line[6:].strip() for line in offer.splitlines() if line.startswith("a=mid:")]
        self.handle.message({"request": "publish", "display": self.name,
                             "descriptions": [{"mid": m, "description": "e2ee-kid=%d" % s.kid}
                                              for m, s in zip(mids, self.streams)]},
                            jsep={"type": "offer", "sdp": offer})
        ev = self.handle.wait_event(lambda e: "jsep" in e, timeout)
        self.answer = ev["jsep"]["sdp"]
        self._set_remote(GstWebRTC.WebRTCSDPType.ANSWER, self.answer, timeout)
        for s in self.streams:
            s.mid = s.transceiver.get_property("mid")
        self.handle.wait_event(lambda e: e.get("janus") == "webrtcup", timeout)
        _wait(self.connected, timeout, "%s connection" % self.name)
        return self

    def send(self, frames):
        """Let frames[codec] raw frames through each stream's gate, from now on."""
        for s in self.streams:
            with s.lock:
                s.to_send = frames[s.codec]
                s.gate_open = True

    def send_at_least(self, frames):
        """Make sure at least frames[codec] more raw frames go through each gate."""
        for s in self.streams:
            with s.lock:
                s.to_send = max(s.to_send, frames[s.codec])

    def finished(self):
        """Whether every stream has sent all it was asked to, through e2eeenc."""
        for s in self.streams:
            with s.lock:
                if s.to_send or s.n["cipher"] != s.passed:
                    return False
        return True

    def counts(self):
        """(RTP packets, encrypted frames) sent so far, per stream."""
        out = []
        for s in self.streams:
            with s.lock:
                out.append((s.n["rtp"], s.n["cipher"]))
        return out

    def stats(self, s):
        return s.e2eeenc.get_property("stats")


class ReceivedStream:
    def __init__(self, mid, info, record):
        self.mid = mid
        self.info = info               # Janus's description: feed_id, feed_mid, codec, ...
        self.codec = info["codec"]
        self.record = record
        self.n = {"rtp": 0, "cipher": 0, "plain": 0}
        self.lock = threading.Lock()
        self.rtp = []                  # RTP payloads into the depayloader
        self.cipher = []               # frames out of the depayloader
        self.plain = []                # frames out of e2eedec
        self.decoded = 0               # frames (or audio buffers) out of the decoder
        self.e2eedec = None


class Subscriber(Peer):
    """A VideoRoom subscriber to some feeds; store is its pipeline's key store (None:
    a key store with no keys, a participant without the meeting's keys)."""

    def __init__(self, client, room, name, store=None, record=True, sinks=None, base_key=None):
        """sinks: per media kind, what follows the decoder (default: fakesink).
        base_key: if given, the store gets it for every KID the publishers announce
        in their stream descriptions (one meeting key, a KID per stream)."""
        super().__init__(name)
        self.base_key = base_key
        self.record = record
        self.sinks = sinks or {}
        self.client = client
        self.room = room
        self.store = store if store is not None else GstE2ee.KeyStore.new()
        self.streams = {}
        self.pipeline = Gst.Pipeline.new(name)
        webrtc = Gst.ElementFactory.make("webrtcbin", "webrtc")
        webrtc.set_property("bundle-policy", GstWebRTC.WebRTCBundlePolicy.MAX_BUNDLE)
        self.pipeline.add(webrtc)
        self._setup_webrtc()
        self.webrtc.connect("pad-added", self._on_pad_added)

    def _on_pad_added(self, webrtc, pad):
        if pad.get_direction() != Gst.PadDirection.SRC:
            return
        mid = pad.get_property("transceiver").get_property("mid")
        s = self.streams.get(mid)
        if s is None:
            self.errors.append("%s: a stream Janus did not announce (mid %s)" % (self.name, mid))
            return
        sp = CODECS[s.codec]
        sink = self.sinks.get(sp["kind"], "fakesink sync=false async=false")
        chain = Gst.parse_bin_from_description(
            "%s ! e2eedec name=e2eedec layout=codec cipher-suite=%s ! %s ! %s" % (
                sp["depay"], SUITE_NICK, sp["dec"], sink), True)
        dec = chain.get_by_name("e2eedec")
        dec.set_property("key-store", self.store)
        s.e2eedec = dec
        depay = chain.get_by_name("depay")
        depay.get_static_pad("sink").add_probe(
            Gst.PadProbeType.BUFFER | Gst.PadProbeType.BUFFER_LIST, self._record_rtp, s)
        depay.get_static_pad("src").add_probe(Gst.PadProbeType.BUFFER, self._record, (s, "cipher"))
        dec.get_static_pad("src").add_probe(Gst.PadProbeType.BUFFER, self._record, (s, "plain"))
        chain.get_by_name("decoder").get_static_pad("src").add_probe(
            Gst.PadProbeType.BUFFER, self._count_decoded, s)
        self.pipeline.add(chain)
        chain.sync_state_with_parent()
        pad.link(chain.get_static_pad("sink"))

    def _record(self, pad, info, arg):
        s, what = arg
        data = _bytes(info.get_buffer()) if s.record else None
        with s.lock:
            s.n[what] += 1
            if s.record:
                getattr(s, what).append(data)
        return Gst.PadProbeReturn.OK

    def _record_rtp(self, pad, info, s):
        bufs = _buffers(info)
        with s.lock:
            s.n["rtp"] += len(bufs)
            if s.record:
                for b in bufs:
                    s.rtp.append(rtp_payload(_bytes(b)))
        return Gst.PadProbeReturn.OK

    def _count_decoded(self, pad, info, s):
        with s.lock:
            s.decoded += 1
        return Gst.PadProbeReturn.OK

    def subscribe(self, feeds, timeout=15):
        """feeds: publisher IDs; subscribes to every stream of each."""
        self.handle = self.client.attach()
        self.handle.message({"request": "join", "ptype": "subscriber", "room": self.room,
                             "streams": [{"feed": f} for f in feeds]})
        ev = self.handle.wait_event(lambda e: e.get("plugindata", {}).get("data", {})
                                    .get("videoroom") == "attached" and "jsep" in e, timeout)
        for st in ev["plugindata"]["data"]["streams"]:
            if st.get("active", True) and st["type"] in ("audio", "video"):
                r = self.streams[st["mid"]] = ReceivedStream(st["mid"], st, self.record)
                r.kid = announced_kid(st)
                if self.base_key is not None and r.kid is not None:
                    add_decrypt_key(self.store, r.kid, self.base_key)
        self.offer = ev["jsep"]["sdp"]
        self.pipeline.set_state(Gst.State.PLAYING)
        self._set_remote(GstWebRTC.WebRTCSDPType.OFFER, self.offer, timeout)
        answer = self._local_description("create-answer", timeout)
        self.handle.message({"request": "start", "room": self.room},
                            jsep={"type": "answer", "sdp": answer})
        self.handle.wait_event(lambda e: e.get("plugindata", {}).get("data", {})
                               .get("started") == "ok", timeout)
        self.handle.wait_event(lambda e: e.get("janus") == "webrtcup", timeout)
        _wait(self.connected, timeout, "%s connection" % self.name)
        return self

    def stream_of(self, feed, mid):
        for s in self.streams.values():
            if s.info["feed_id"] == feed and s.info["feed_mid"] == mid:
                return s
        raise KeyError("%s: no stream of feed %s mid %s" % (self.name, feed, mid))

    def stats(self, s):
        return s.e2eedec.get_property("stats") if s.e2eedec is not None else None


def announced_kid(stream_info):
    """The KID a publisher announced for a stream (Janus's feed_description)."""
    desc = stream_info.get("feed_description") or ""
    if desc.startswith("e2ee-kid="):
        try:
            return int(desc[9:])
        except ValueError:
            pass
    return None


def add_decrypt_key(store, kid, key):
    if not store.add_key_bytes(kid, GstE2ee.KeyUsage.DECRYPT, SUITE, GLib.Bytes.new(key)):
        raise RuntimeError("could not add the key for KID %d" % kid)


def wait_until(pred, timeout, step=0.05):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if pred():
            return True
        time.sleep(step)
    return pred()
