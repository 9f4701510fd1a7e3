#!/usr/bin/python3
# gst-e2ee-web: a GStreamer participant that a browser calls, end-to-end encrypted.
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# Serves the page of this directory on 127.0.0.1 and, for every page that joins, runs a
# webrtcbin pipeline: it sends VP8 and Opus encrypted by e2eeenc (codec layout) and
# decrypts what the page sends with e2eedec. Signalling is plain HTTP: the page asks for
# an offer (complete, after ICE gathering) and posts its answer. Run it with the system
# Python (it needs PyGObject): see docs/web.md.
#
# Keys: a pre-shared base key (--keys psk, the default), or an MLS group (--keys mls):
# the endpoint creates a group for every page, adds the page's KeyPackage and hands
# it the Welcome; both take their SFrame keys from the group's epochs (RFC 9605 §5.2).

import argparse
import base64
import hashlib
import http.server
import json
import os
import re
import secrets
import sys
import threading
import time

import gi

gi.require_version('Gst', '1.0')
gi.require_version('GstWebRTC', '1.0')
gi.require_version('GstSdp', '1.0')
from gi.repository import GLib, Gst, GstSdp, GstWebRTC  # noqa: E402

GstE2ee = None  # imported by main() for --keys mls (after the build tree's paths are set)

HERE = os.path.dirname(os.path.abspath(__file__))
# The only files served, with their types (Python 3.11's mimetypes does not know .mjs,
# and browsers refuse module scripts served as anything but JavaScript).
FILES = {
    '/': ('index.html', 'text/html; charset=utf-8'),
    '/index.html': ('index.html', 'text/html; charset=utf-8'),
    '/page.mjs': ('page.mjs', 'text/javascript; charset=utf-8'),
    '/worker.mjs': ('worker.mjs', 'text/javascript; charset=utf-8'),
    '/sframe.mjs': ('sframe.mjs', 'text/javascript; charset=utf-8'),
    '/mls.mjs': ('mls.mjs', 'text/javascript; charset=utf-8'),
}
# --keys mls: the page's MLS implementation, ts-mls and its dependencies, served from
# node_modules/ (npm ci in this directory, pinned in package-lock.json) under
# /modules/, as index.html's import map names them. Only these packages, only .js files.
MODULES = ('ts-mls', '@hpke/core', '@hpke/common', '@noble/hashes', '@noble/curves',
           '@noble/ciphers')
MODULES_DIR = os.path.join(HERE, 'node_modules')
# RFC 9605 §5.2 in --keys mls: the stream contexts of a member's KIDs, E epoch bits.
MLS_CONTEXTS = {'video': 0, 'audio': 1}
MLS_EPOCH_BITS = 4
MLS_SUITE = 4  # AES_128_GCM_SHA256_128: the AEAD of MLS suite 1, Nk = 16
SUITES = {4: 'aes-128-gcm-sha256-128', 5: 'aes-256-gcm-sha512-128'}
MAX_SESSIONS = 4
U64_MAX = (1 << 64) - 1

VIDEO_PT = 96
AUDIO_PT = 111
SEND = (
    'webrtcbin name=webrtc bundle-policy=max-bundle latency=100 '
    # ball: a moving picture, so every frame differs and VP8 delta frames are not empty
    'videotestsrc is-live=true pattern=ball ! '
    'video/x-raw,width=320,height=240,framerate=30/1 ! videoconvert ! queue ! '
    'vp8enc name=venc deadline=1 cpu-used=8 threads=1 lag-in-frames=0 '
    'target-bitrate=400000 keyframe-max-dist=300 ! '
    'e2eeenc name=vencrypt layout=auto ratchet-bits=0 ! '
    f'rtpvp8sframepay pt={VIDEO_PT} mtu=1200 picture-id-mode=15-bit ! '
    'application/x-rtp,media=video,encoding-name=VP8,clock-rate=90000,'
    f'payload={VIDEO_PT},rtcp-fb-nack-pli=true,rtcp-fb-ccm-fir=true ! webrtc. '
    'audiotestsrc is-live=true wave=sine freq=440 volume=0.3 ! '
    'audioconvert ! audioresample ! queue ! '
    'opusenc name=aenc frame-size=20 bitrate=32000 ! '
    'e2eeenc name=aencrypt layout=auto ratchet-bits=0 ! '
    f'rtpopuspay pt={AUDIO_PT} ! '
    'application/x-rtp,media=audio,encoding-name=OPUS,clock-rate=48000,'
    f'encoding-params=(string)2,payload={AUDIO_PT} ! webrtc. '
)
# What the page sends, after webrtcbin: depayload, decrypt (layout=codec: depayloaders
# output plain codec caps), decode, and show/play it (--show) or count it.
RECV = {
    'video': 'rtpvp8depay ! e2eedec name=dec layout=codec ratchet-bits=0 ! vp8dec ! {sink}',
    'audio': 'rtpopusdepay ! e2eedec name=dec layout=codec ratchet-bits=0 ! opusdec ! {sink}',
}
SINKS = {
    'video': 'videoconvert ! autovideosink name=sink',
    'audio': 'audioconvert ! audioresample ! autoaudiosink name=sink',
}
MAX_HASHES = 20000


def frame_hash(buf):
    ok, info = buf.map(Gst.MapFlags.READ)
    if not ok:
        return None
    try:
        data = bytes(info.data)
    finally:
        buf.unmap(info)
    return hashlib.sha256(data).hexdigest()[:16], data


def key_buffer(key):
    return Gst.Buffer.new_wrapped(bytes(key))


def structure_to_dict(s):
    if s is None:
        return {}
    out = {}
    for i in range(s.n_fields()):
        name = s.nth_field_name(i)
        value = s.get_value(name)
        if isinstance(value, (int, float, str, bool)):
            out[name] = value
    return out


class MlsMembership:
    """--keys mls: the group the endpoint creates for one page (leaf 0, the page leaf 1),
    bound to the session's key store: GstE2eeMlsKeys puts every epoch's SFrame keys in it
    (RFC 9605 §5.2, contexts MLS_CONTEXTS), e2eedec finds the page's keys there, and
    e2eeenc (mls-context) follows the endpoint's own KID of each epoch by itself.
    Handshake messages for the page wait in a list it polls, in the group's order."""

    def __init__(self, client, key_package):
        self.lock = threading.Lock()
        self.announce = None  # (epoch, security code) at every new epoch, set by Session
        self.messages = []
        self.group = GstE2ee.MlsGroup.create(client, GLib.Bytes.new(secrets.token_bytes(16)))
        # The Welcome carries the tree: the page joins from it alone.
        self.group.props.ratchet_tree_extension = True
        self.store = GstE2ee.KeyStore.new()
        self.keys = GstE2ee.MlsKeys.new_full(
            self.group, self.store, MLS_EPOCH_BITS, len(MLS_CONTEXTS),
            GstE2ee.CipherSuite.AES_128_GCM_SHA256_128)
        self.keys.connect('epoch-keys', self._on_epoch_keys)
        _, welcome = self.group.add(GLib.Bytes.new(key_package))
        self.welcome = welcome.get_data()
        self.peer_leaf = next(m.get_leaf_index() for m in self.group.get_members()
                              if m.get_leaf_index() != self.group.get_own_leaf_index())

    def own_kid(self, kind):
        return self.keys.get_own_kid(MLS_CONTEXTS[kind])

    def peer_kid(self, kind):
        return self.keys.get_kid(self.peer_leaf, MLS_CONTEXTS[kind])

    def attach(self, kind, encryptor):
        """Has @encryptor encrypt @kind under this member's KID of every epoch: it finds
        the binding through the store and moves to each new KID by itself."""
        encryptor.set_property('key-store', self.store)
        encryptor.set_property('mls-context', MLS_CONTEXTS[kind])

    def _on_epoch_keys(self, keys, epoch):
        if self.announce:
            self.announce(epoch, self.group.get_security_code())

    def update(self):
        """Commits an update of the endpoint's leaf: a new epoch, new keys."""
        with self.lock:
            commit = self.group.update()
            self.messages.append(commit.get_data())
            return self.group.get_epoch()

    def messages_after(self, n):
        with self.lock:
            return self.messages[n:], len(self.messages)

    def stats(self):
        with self.lock:
            return {
                'epoch': self.group.get_epoch(),
                'securityCode': self.group.get_security_code(),
                'members': [bytes(m.get_identity().get_data()).decode('utf-8', 'replace')
                            for m in self.group.get_members()],
                'kids': {k: str(self.own_kid(k)) for k in MLS_CONTEXTS},
                'peerKids': {k: str(self.peer_kid(k)) for k in MLS_CONTEXTS},
            }


class SendStream:
    """One encrypted stream the endpoint sends: the gate before the encoder, and what
    e2eeenc got (plaintext hashes) and gave (frame count)."""

    def __init__(self, session, kind, encoder, encryptor):
        self.session = session
        self.kind = kind
        self.encryptor = encryptor
        self.hashes = []
        self.key_frames = 0
        self.encrypted = 0
        self.first_is_key = None
        encoder.get_static_pad('sink').add_probe(Gst.PadProbeType.BUFFER, self._gate)
        encryptor.get_static_pad('sink').add_probe(Gst.PadProbeType.BUFFER, self._plain)
        encryptor.get_static_pad('src').add_probe(Gst.PadProbeType.BUFFER, self._sealed)

    def _gate(self, pad, info):
        # Raw frames are dropped until both sides are connected, so the encoder's first
        # frame (a VP8 key frame) is the first one sent: frames queued before the
        # connection is up would arrive late and be dropped by the browser.
        return Gst.PadProbeReturn.OK if self.session.sending else Gst.PadProbeReturn.DROP

    def _plain(self, pad, info):
        h = frame_hash(info.get_buffer())
        if h is not None:
            digest, data = h
            key = self.kind == 'video' and len(data) > 0 and (data[0] & 1) == 0
            with self.session.lock:
                if self.first_is_key is None:
                    self.first_is_key = key if self.kind == 'video' else True
                self.key_frames += 1 if key else 0
                if self.session.trace and len(self.hashes) < MAX_HASHES:
                    self.hashes.append(digest)
        return Gst.PadProbeReturn.OK

    def _sealed(self, pad, info):
        with self.session.lock:
            self.encrypted += 1
        return Gst.PadProbeReturn.OK

    def stats(self):
        return {
            'kid': str(self.session.send_kid(self.kind)),
            'encrypted': self.encrypted,
            'keyFrames': self.key_frames,
            'firstIsKey': self.first_is_key,
            'hashes': list(self.hashes),
            'e2eeenc': structure_to_dict(self.encryptor.get_property('stats')),
        }


class RecvStream:
    """One stream the page sends: depayloader, e2eedec, decoder, with counts of the
    frames e2eedec decrypted (and their hashes) and of the frames decoded."""

    def __init__(self, session, kind, srcpad):
        self.kind = kind
        self.session = session
        self.hashes = []
        self.decoded = 0
        sink = SINKS[kind] if session.show else 'fakesink name=sink sync=false'
        self.bin = Gst.parse_bin_from_description(RECV[kind].format(sink=sink), True)
        self.dec = self.bin.get_by_name('dec')
        self.dec.set_property('cipher-suite', SUITES[session.suite])
        if session.mls:
            self.dec.set_property('key-store', session.mls.store)
        else:
            self.dec.set_property('key-id', session.peer_kids[kind])
            self.dec.set_property('key', key_buffer(session.key))
        self.dec.get_static_pad('src').add_probe(Gst.PadProbeType.BUFFER, self._plain)
        self.bin.get_by_name('sink').get_static_pad('sink').add_probe(
            Gst.PadProbeType.BUFFER, self._decoded)
        session.pipeline.add(self.bin)
        self.bin.sync_state_with_parent()
        srcpad.link(self.bin.get_static_pad('sink'))

    def _plain(self, pad, info):
        h = frame_hash(info.get_buffer())
        if h is not None:
            with self.session.lock:
                if self.session.trace and len(self.hashes) < MAX_HASHES:
                    self.hashes.append(h[0])
        return Gst.PadProbeReturn.OK

    def _decoded(self, pad, info):
        with self.session.lock:
            self.decoded += 1
        return Gst.PadProbeReturn.OK

    def stats(self):
        return {
            'kid': str(self.session.recv_kid(self.kind)),
            'decoded': self.decoded,
            'hashes': list(self.hashes),
            'e2eedec': structure_to_dict(self.dec.get_property('stats')),
        }


class Session:
    def __init__(self, sid, key, suite, peer_kids, log, on_end, show=False, trace=False,
                 mls=None):
        self.id = sid
        self.mls = mls
        self.on_end = on_end
        self.key = key
        self.show = show
        self.trace = trace
        self.suite = suite
        self.peer_kids = peer_kids
        self.log = log
        self.lock = threading.Lock()
        self.sending = False
        self.peer_ready = False
        self.connection = 'new'
        self.recv = {}
        self.errors = []
        # Fresh KIDs for every session: a new e2eeenc starts its counters at 0, so
        # reusing a (key, KID) from an earlier session would reuse nonces. (With MLS,
        # every session is a new group with its own keys.)
        self.kids = None
        while not mls:
            r = secrets.randbits(47)
            self.kids = {'video': 2 * r, 'audio': 2 * r + 1}
            if not set(self.kids.values()) & set(peer_kids.values()):
                break

        self.pipeline = Gst.parse_launch(SEND)
        self.webrtc = self.pipeline.get_by_name('webrtc')
        self.send = {}
        for kind, enc, crypt in (('video', 'venc', 'vencrypt'), ('audio', 'aenc', 'aencrypt')):
            e = self.pipeline.get_by_name(crypt)
            e.set_property('cipher-suite', SUITES[suite])
            if mls:
                mls.attach(kind, e)
                mls.announce = self._announce
            else:
                e.set_property('key-id', self.kids[kind])
                e.set_property('key', key_buffer(key))
            self.send[kind] = SendStream(self, kind, self.pipeline.get_by_name(enc), e)
        for pad in self.webrtc.sinkpads:
            pad.get_property('transceiver').set_property(
                'direction', GstWebRTC.WebRTCRTPTransceiverDirection.SENDRECV)

        self.gathered = threading.Event()
        self.candidates = 0
        self.webrtc.connect('notify::ice-gathering-state', self._on_gathering)
        self.webrtc.connect('on-ice-candidate', self._on_candidate)
        self.webrtc.connect('notify::connection-state', self._on_connection)
        self.webrtc.connect('pad-added', self._on_pad_added)
        bus = self.pipeline.get_bus()
        bus.add_signal_watch()
        bus.connect('message', self._on_message)

    def _announce(self, epoch, code):
        # For the person at the endpoint, to compare with the code the page shows.
        print(f'session {self.id}: epoch {epoch}, security code {code}', flush=True)

    def send_kid(self, kind):
        return self.mls.own_kid(kind) if self.mls else self.kids[kind]

    def recv_kid(self, kind):
        return self.mls.peer_kid(kind) if self.mls else self.peer_kids[kind]

    # -- signalling --------------------------------------------------------

    def offer(self, timeout=30):
        if self.pipeline.set_state(Gst.State.PLAYING) == Gst.StateChangeReturn.FAILURE:
            raise RuntimeError('the pipeline does not start')
        promise = Gst.Promise.new()
        self.webrtc.emit('create-offer', None, promise)
        if promise.wait() != Gst.PromiseResult.REPLIED:
            raise RuntimeError('create-offer failed')
        reply = promise.get_reply()
        if reply is None or not reply.has_field('offer'):
            raise RuntimeError('create-offer failed: %s' % (
                reply.get_value('error').message if reply and reply.has_field('error') else 'no offer'))
        offer = reply.get_value('offer')
        promise = Gst.Promise.new()
        self.webrtc.emit('set-local-description', offer, promise)
        promise.wait()
        # The page gets one complete offer: every candidate in it. On a loaded machine
        # webrtcbin 1.22 sometimes stays in the gathering state after libnice gathered
        # every candidate (seen with 9 of 9 host candidates and no change for 30 s), so
        # an offer whose candidates stopped coming for 2 s goes out as well.
        deadline = time.monotonic() + timeout
        last = (-1, 0.0)
        while not self.gathered.wait(0.25):
            now = time.monotonic()
            if self.candidates != last[0]:
                last = (self.candidates, now)
            elif self.candidates > 0 and now - last[1] >= 2:
                self.log(f'session {self.id}: gathering not complete, sending '
                         f'{self.candidates} candidates')
                break
            if now > deadline:
                raise RuntimeError(f'no ICE candidate in {timeout} s')
        self.log(f'session {self.id}: {self.candidates} local candidates')
        return self.webrtc.get_property('local-description').sdp.as_text()

    def answer(self, sdp_text):
        res, sdp = GstSdp.SDPMessage.new_from_text(sdp_text)
        if res != GstSdp.SDPResult.OK:
            raise ValueError('unparsable SDP')
        answer = GstWebRTC.WebRTCSessionDescription.new(GstWebRTC.WebRTCSDPType.ANSWER, sdp)
        promise = Gst.Promise.new()
        self.webrtc.emit('set-remote-description', answer, promise)
        promise.wait()
        reply = promise.get_reply()
        if reply is not None and reply.has_field('error'):
            raise ValueError(str(reply.get_value('error')))

    def ready(self):
        with self.lock:
            self.peer_ready = True
        self._update_gate()

    def pause(self):
        with self.lock:
            self.sending = False

    def close(self):
        self.pause()
        self.pipeline.get_bus().remove_signal_watch()
        self.pipeline.set_state(Gst.State.NULL)
        if isinstance(self.key, bytearray):
            self.key[:] = bytes(len(self.key))

    # -- GStreamer callbacks ------------------------------------------------

    def _on_candidate(self, webrtc, mline, candidate):
        self.candidates += 1

    def _on_gathering(self, webrtc, pspec):
        if webrtc.get_property('ice-gathering-state') == GstWebRTC.WebRTCICEGatheringState.COMPLETE:
            self.gathered.set()

    def _on_connection(self, webrtc, pspec):
        state = webrtc.get_property('connection-state')
        self.connection = state.value_nick
        self.log(f'session {self.id}: connection {self.connection}')
        self._update_gate()
        if state in (GstWebRTC.WebRTCPeerConnectionState.FAILED,
                     GstWebRTC.WebRTCPeerConnectionState.CLOSED):
            # Not from webrtcbin's own thread: the pipeline goes to NULL from the main loop.
            GLib.idle_add(self.on_end, self.id)

    def _update_gate(self):
        # Media flows once DTLS is up on this side and the page reported its side up
        # (its receiver transforms are then in place): the first frame is a key frame.
        with self.lock:
            if self.connection == 'connected' and self.peer_ready and not self.sending:
                self.sending = True
                self.log(f'session {self.id}: sending')

    def _on_pad_added(self, webrtc, pad):
        if pad.get_direction() != Gst.PadDirection.SRC:
            return
        caps = pad.get_current_caps() or pad.query_caps(None)
        media = caps.get_structure(0).get_string('media')
        if media in RECV and media not in self.recv:
            self.recv[media] = RecvStream(self, media, pad)
            self.log(f'session {self.id}: receiving {media}')

    def _on_message(self, bus, msg):
        if msg.type in (Gst.MessageType.ERROR, Gst.MessageType.WARNING):
            err, _ = msg.parse_error() if msg.type == Gst.MessageType.ERROR else msg.parse_warning()
            text = f'{msg.src.get_name()}: {err.message}'
            self.errors.append(text)
            self.log(f'session {self.id}: {msg.type.first_value_nick}: {text}')

    def stats(self):
        with self.lock:
            return {
                'id': self.id,
                'connection': self.connection,
                'sending': self.sending,
                'send': {k: s.stats() for k, s in self.send.items()},
                'recv': {k: r.stats() for k, r in self.recv.items()},
                'errors': list(self.errors),
                'mls': self.mls.stats() if self.mls else None,
            }


class Endpoint:
    def __init__(self, key, suite, verbose, show, trace, mls_client=None):
        self.key = key
        self.mls_client = mls_client
        self.suite = suite
        self.verbose = verbose
        self.show = show
        self.trace = trace
        self.sessions = {}
        self.lock = threading.Lock()
        self.t0 = time.monotonic()

    def log(self, text):
        if self.verbose:
            print(f'{time.monotonic() - self.t0:8.3f} {text}', file=sys.stderr, flush=True)

    def new_session(self, body):
        suite = body.get('suite')
        if suite != self.suite:
            raise ValueError(f'cipher suite {suite} differs from this endpoint\'s ({self.suite})')
        if self.mls_client:
            return self._new_session(None, self._membership(body))
        if body.get('keys', 'psk') != 'psk':
            raise ValueError('this endpoint uses a pre-shared key (--keys psk)')
        peer_kids = {}
        for kind in ('video', 'audio'):
            v = str(body.get('kids', {}).get(kind, ''))
            if not re.fullmatch(r'[0-9]{1,20}', v) or int(v) > U64_MAX:
                raise ValueError(f'bad {kind} KID')
            peer_kids[kind] = int(v)
        if peer_kids['video'] == peer_kids['audio']:
            raise ValueError('the two streams need two KIDs')
        return self._new_session(peer_kids, None)

    def _membership(self, body):
        if body.get('keys') != 'mls':
            raise ValueError('this endpoint keys its calls with MLS (--keys mls)')
        try:
            kp = base64.b64decode(str(body.get('keyPackage', '')), validate=True)
        except ValueError:
            raise ValueError('the KeyPackage is not base64') from None
        try:
            return MlsMembership(self.mls_client, kp)
        except GLib.Error as e:
            raise ValueError(f'the page\'s KeyPackage: {e.message}') from None

    def _new_session(self, peer_kids, mls):
        with self.lock:
            if len(self.sessions) >= MAX_SESSIONS:
                raise ValueError('too many sessions')
            sid = secrets.token_hex(8)
            session = Session(sid, bytearray(self.key or b''), self.suite, peer_kids, self.log,
                              self._end, self.show, self.trace, mls)
            self.sessions[sid] = session
        try:
            sdp = session.offer()
        except Exception:
            self.close(sid)
            raise
        self.log(f'session {sid}: offer sent')
        if mls:
            session._announce(mls.group.get_epoch(), mls.group.get_security_code())
            return {'id': sid, 'sdp': sdp, 'suite': self.suite,
                    'welcome': base64.b64encode(mls.welcome).decode()}
        return {'id': sid, 'sdp': sdp, 'suite': self.suite,
                'kids': {k: str(v) for k, v in session.kids.items()}}

    def get(self, sid):
        with self.lock:
            return self.sessions.get(sid)

    def close(self, sid):
        with self.lock:
            session = self.sessions.pop(sid, None)
        if session:
            session.close()
            self.log(f'session {sid}: closed')
        return session is not None

    def _end(self, sid):
        self.close(sid)
        return GLib.SOURCE_REMOVE

    def close_all(self):
        for sid in list(self.sessions):
            self.close(sid)


def make_handler(endpoint):
    class Handler(http.server.BaseHTTPRequestHandler):
        server_version = 'gst-e2ee-web'

        def log_message(self, fmt, *args):
            endpoint.log('http: ' + fmt % args)

        def _reply(self, code, body=None, ctype='application/json'):
            data = b'' if body is None else (
                body if isinstance(body, bytes) else json.dumps(body).encode())
            self.send_response(code)
            self.send_header('Content-Type', ctype)
            self.send_header('Content-Length', str(len(data)))
            self.send_header('Cache-Control', 'no-store')
            self.end_headers()
            self.wfile.write(data)

        def do_GET(self):
            path = self.path.split('?', 1)[0]
            if path in FILES:
                name, ctype = FILES[path]
                with open(os.path.join(HERE, name), 'rb') as f:
                    return self._reply(200, f.read(), ctype)
            if path.startswith('/modules/') and endpoint.mls_client:
                return self._module(path[len('/modules/'):])
            m = re.fullmatch(r'/session/([0-9a-f]{16})/stats', path)
            if m and endpoint.get(m.group(1)):
                return self._reply(200, endpoint.get(m.group(1)).stats())
            m = re.fullmatch(r'/session/([0-9a-f]{16})/mls', path)
            session = endpoint.get(m.group(1)) if m else None
            if session and session.mls:
                # The handshake messages after the first ?after=N, in the group's order.
                q = re.fullmatch(r'after=([0-9]{1,9})', self.path.split('?', 1)[1]
                                 if '?' in self.path else 'after=0')
                if not q:
                    return self._reply(400, {'error': 'bad query'})
                msgs, n = session.mls.messages_after(int(q.group(1)))
                return self._reply(200, {'messages': [base64.b64encode(x).decode() for x in msgs],
                                         'next': n})
            self._reply(404, {'error': 'not found'})

        def _module(self, rel):
            # Only .js files of the packages in MODULES, and nothing outside them.
            pkg = next((p for p in MODULES if rel.startswith(p + '/')), None)
            if pkg is None or not rel.endswith('.js') or '..' in rel.split('/'):
                return self._reply(404, {'error': 'not found'})
            root = os.path.realpath(os.path.join(MODULES_DIR, pkg))
            full = os.path.realpath(os.path.join(MODULES_DIR, rel))
            if not full.startswith(root + os.sep) or not os.path.isfile(full):
                return self._reply(404, {'error': 'not found'})
            with open(full, 'rb') as f:
                return self._reply(200, f.read(), 'text/javascript; charset=utf-8')

        def do_POST(self):
            try:
                n = int(self.headers.get('Content-Length', '0'))
                if n > 1 << 20:
                    return self._reply(413, {'error': 'too large'})
                body = json.loads(self.rfile.read(n) or b'{}')
                if self.path == '/session':
                    return self._reply(200, endpoint.new_session(body))
                m = re.fullmatch(r'/session/([0-9a-f]{16})/(answer|ready|pause|close|update)',
                                 self.path)
                session = endpoint.get(m.group(1)) if m else None
                if session is None:
                    return self._reply(404, {'error': 'no such session'})
                action = m.group(2)
                if action == 'answer':
                    session.answer(str(body.get('sdp', '')))
                elif action == 'ready':
                    session.ready()
                elif action == 'pause':
                    session.pause()
                elif action == 'update':
                    if not session.mls:
                        return self._reply(400, {'error': 'not an MLS session'})
                    return self._reply(200, {'epoch': session.mls.update()})
                else:
                    endpoint.close(session.id)
                return self._reply(200, {})
            except GLib.Error as e:
                return self._reply(400, {'error': e.message})
            except (ValueError, KeyError, RuntimeError) as e:
                return self._reply(400, {'error': str(e)})

    return Handler


def read_key(args):
    text = None
    if args.key_file:
        with open(args.key_file) as f:
            text = f.read().strip()
    elif os.environ.get('GST_E2EE_WEB_KEY'):
        text = os.environ['GST_E2EE_WEB_KEY'].strip()
    if text is None:
        return secrets.token_bytes(32), True
    if not re.fullmatch(r'(?:[0-9a-fA-F]{2}){16,64}', text):
        sys.exit('gst-e2ee-web: the key must be 16 to 64 bytes in hex')
    return bytes.fromhex(text), False


def mls_setup(build):
    """Imports GstE2ee (from @build when it holds the library) and makes the endpoint's
    MLS client; exits when the page's modules are not installed."""
    global GstE2ee
    lib = os.path.join(build, 'gst-libs', 'gst', 'e2ee')
    if 'GI_TYPELIB_PATH' not in os.environ and os.path.isfile(
            os.path.join(lib, 'GstE2ee-1.0.typelib')):
        gi.require_version('GIRepository', '2.0')
        from gi.repository import GIRepository
        GIRepository.Repository.prepend_search_path(lib)
        GIRepository.Repository.prepend_library_path(lib)
    gi.require_version('GstE2ee', '1.0')
    from gi.repository import GstE2ee as module
    GstE2ee = module
    if Gst.ElementFactory.make('e2eeenc').find_property('mls-context') is None:
        sys.exit('gst-e2ee-web: --keys mls needs an e2eeenc with mls-context')
    if not os.path.isfile(os.path.join(MODULES_DIR, 'ts-mls', 'package.json')):
        sys.exit(f'gst-e2ee-web: --keys mls needs ts-mls for the page: npm ci in {HERE}')
    return GstE2ee.MlsClient.new(GLib.Bytes.new(b'gstreamer'))


def main():
    p = argparse.ArgumentParser(description='A GStreamer participant for the gst-e2ee web page.')
    p.add_argument('--port', type=int, default=8080, help='HTTP port on 127.0.0.1 (0: any free port)')
    p.add_argument('--keys', choices=('psk', 'mls'), default='psk',
                   help='psk: a pre-shared base key (the default); mls: an MLS group per page, '
                   'SFrame keys from its epochs (RFC 9605 §5.2)')
    p.add_argument('--suite', type=int, choices=sorted(SUITES), default=None,
                   help='SFrame cipher suite (4: AES-128-GCM, 5: AES-256-GCM, the default; '
                   '--keys mls: 4, the MLS suite\'s AEAD)')
    p.add_argument('--key-file', help='file holding the base key in hex '
                   '(default: $GST_E2EE_WEB_KEY, else a random key, printed in the page URL)')
    p.add_argument('--build-dir', help='gst-e2ee build directory whose plugins to use when '
                   '$GST_PLUGIN_PATH_1_0 is not set (default: build/ in this source tree)')
    p.add_argument('--show', action='store_true',
                   help='show and play what the browser sends (default: decode and count it)')
    p.add_argument('--trace', action='store_true',
                   help='keep a hash of every frame, for /session/ID/stats (tests)')
    p.add_argument('-v', '--verbose', action='store_true', help='log sessions and requests')
    args = p.parse_args()
    if args.keys == 'mls':
        if args.suite not in (None, MLS_SUITE) or args.key_file:
            p.error('--keys mls takes its keys from the group: SFrame suite 4, no --key-file')
        args.suite = MLS_SUITE
    elif args.suite is None:
        args.suite = 5

    # From a source tree, use the plugins of its build directory unless told otherwise.
    build = args.build_dir or os.path.join(HERE, '..', '..', 'build')
    if 'GST_PLUGIN_PATH_1_0' not in os.environ and os.path.isdir(os.path.join(build, 'ext')):
        build = os.path.abspath(build)
        os.environ['GST_PLUGIN_PATH_1_0'] = f'{build}/ext:{build}/gst'
        os.environ.setdefault('GST_REGISTRY_1_0', f'{build}/registry-web.bin')
    Gst.init(None)
    mls_client = None
    if args.keys == 'mls':
        mls_client = mls_setup(os.path.abspath(build))
    missing = [e for e in ('webrtcbin', 'e2eeenc', 'e2eedec', 'rtpvp8sframepay', 'vp8enc',
                           'vp8dec', 'opusenc', 'opusdec', 'nicesrc')
               if Gst.ElementFactory.find(e) is None]
    if missing:
        sys.exit('gst-e2ee-web: missing GStreamer elements: ' + ', '.join(missing))

    key, generated = read_key(args) if not mls_client else (None, False)
    endpoint = Endpoint(key, args.suite, args.verbose, args.show, args.trace, mls_client)
    server = http.server.ThreadingHTTPServer(('127.0.0.1', args.port), make_handler(endpoint))
    server.daemon_threads = True
    url = f'http://127.0.0.1:{server.server_address[1]}/'
    print(f'listening {url}', flush=True)
    if mls_client:
        print(f'open {url}#keys=mls', flush=True)
    if generated:
        frag = f'key={key.hex()}' + ('' if args.suite == 5 else f'&suite={args.suite}')
        print(f'open {url}#{frag}', flush=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()

    loop = GLib.MainLoop()
    GLib.unix_signal_add(GLib.PRIORITY_DEFAULT, 2, loop.quit)   # SIGINT
    GLib.unix_signal_add(GLib.PRIORITY_DEFAULT, 15, loop.quit)  # SIGTERM
    loop.run()
    server.shutdown()
    endpoint.close_all()


if __name__ == '__main__':
    main()
