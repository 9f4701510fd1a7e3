#!/usr/bin/python3
# gst-e2ee: an end-to-end encrypted meeting of GStreamer participants through Janus.
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# Each participant publishes a test video (VP8 or H.264) and a test sound (Opus) into a
# Janus VideoRoom, encrypted with e2eeenc (SFrame, codec layout), and subscribes to
# every other participant, decrypting with e2eedec. Janus forwards what it cannot read.
# Every second a line per participant; at the end a table of what each received from
# each other participant, compared with what was sent.
#
# Without --janus it starts a Janus of its own (the fixture of tests/janus, which the
# test suite uses too). After `ninja -C build`:
#
#   examples/janus-meeting/gst-e2ee-janus-meeting.py -n 3 --duration 5
#
# See examples/janus-meeting/README.md and docs/janus.md.

import argparse
import os
import secrets
import signal
import sys
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.normpath(os.path.join(HERE, "..", ".."))
sys.path.insert(0, os.path.join(ROOT, "tests", "janus"))


def _use_build_tree():
    """Run against the plugins and library of the build tree (ROOT/build, or
    $GST_E2EE_BUILD_DIR) unless the environment already names a GstE2ee typelib (meson
    test, an installed gst-e2ee). The dynamic linker reads LD_LIBRARY_PATH only when
    a process starts, hence the exec."""
    paths = os.environ.get("GI_TYPELIB_PATH", "").split(os.pathsep)
    if any(os.path.exists(os.path.join(p, "GstE2ee-1.0.typelib")) for p in paths if p):
        return
    build = os.environ.get("GST_E2EE_BUILD_DIR", os.path.join(ROOT, "build"))
    lib = os.path.join(build, "gst-libs", "gst", "e2ee")
    if not os.path.exists(os.path.join(lib, "GstE2ee-1.0.typelib")):
        return
    env = dict(os.environ)
    for var, value in (("LD_LIBRARY_PATH", lib), ("GI_TYPELIB_PATH", lib),
                       ("GST_PLUGIN_PATH_1_0", os.path.join(build, "ext") + os.pathsep +
                        os.path.join(build, "gst"))):
        env[var] = value + (os.pathsep + env[var] if env.get(var) else "")
    os.execve(sys.executable, [sys.executable] + sys.argv, env)


_use_build_tree()

import janusfixture  # noqa: E402
import janusmedia  # noqa: E402

PATTERNS = ["smpte", "ball", "pinwheel", "spokes", "gamut", "circular", "bar", "blink"]
NAMES = ["alice", "bob", "carol", "dave", "erin", "frank", "grace", "heidi"]


def read_key(path):
    if path:
        with open(path) as f:
            text = f.read().strip()
    else:
        text = os.environ.get("GST_E2EE_JANUS_KEY", "").strip()
    if not text:
        return None
    key = bytes.fromhex(text)
    if len(key) < 16:
        raise SystemExit("the base key must be at least 16 bytes (32 hex digits)")
    return key


class Participant:
    def __init__(self, args, client, room, index, key):
        self.name = NAMES[index] if index < len(NAMES) else "p%d" % index
        if args.room is not None:
            # A room other processes may be in too.
            self.name += "-%d" % os.getpid()
        self.client = client
        self.room = room
        self.key = key
        self.args = args
        video = args.codec if args.codec != "mixed" else ("vp8", "h264")[index % 2]
        # One meeting key for everybody; a fresh random KID per stream, announced in
        # the stream descriptions. Never the same KID twice with the same key: every
        # e2eeenc counts its nonces from 0.
        keys = [(secrets.randbits(47), key), (secrets.randbits(47), key)]
        src = janusmedia.CODECS[video]["src"].replace("pattern=smpte",
                                                       "pattern=" + PATTERNS[index % len(PATTERNS)])
        self.publisher = janusmedia.Publisher(client, room, self.name, [video, "opus"], keys,
                                              record=False, sources={"video": src})
        self.subscriptions = {}   # feed ID -> Subscriber

    def subscribe(self, feed, display, show):
        sinks = None
        if show:
            sinks = {"video": "videoconvert ! autovideosink sync=false",
                     "audio": "audioconvert ! autoaudiosink sync=false"}
        sub = janusmedia.Subscriber(self.client, self.room, "%s<-%s" % (self.name, display),
                                    record=False, sinks=sinks, base_key=self.key)
        self.subscriptions[feed] = sub
        sub.subscribe([feed])
        return sub

    def peers(self):
        return [self.publisher] + list(self.subscriptions.values())

    def stop(self):
        for p in reversed(self.peers()):
            p.stop()


def feeds_in_room(handle, room):
    data = handle.request({"request": "listparticipants", "room": room})
    return {p["id"]: p.get("display", str(p["id"])) for p in data["participants"] if p.get("publisher")}


def line(part, names):
    s = "%-6s sent" % part.name
    for st in part.publisher.streams:
        s += " %s %d" % (st.codec, st.n["cipher"])
    for feed, sub in part.subscriptions.items():
        who = names.get(feed, str(feed))
        got = []
        for r in sub.streams.values():
            got.append("%s %d" % (r.codec, r.decoded))
        s += " | %s: %s" % (who, ", ".join(got))
    return s


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[1] if __doc__ else None)
    ap.add_argument("-n", "--participants", type=int, default=3,
                    help="participants in this process (0: just run Janus and a room for "
                    "other processes)")
    ap.add_argument("-t", "--duration", type=float, default=5.0,
                    help="seconds of media (0: until Ctrl-C)")
    ap.add_argument("--codec", choices=["vp8", "h264", "mixed"], default="mixed",
                    help="video codec of the participants (mixed: VP8 and H.264 in turn)")
    ap.add_argument("--janus", help="Janus REST URL (default: start a private Janus)")
    ap.add_argument("--room", type=int, help="an existing VideoRoom (default: create one)")
    ap.add_argument("--key-file", help="the meeting's base key in hex (default: "
                    "$GST_E2EE_JANUS_KEY, else a fresh random key)")
    ap.add_argument("--show", action="store_true",
                    help="show and play what the first participant receives")
    ap.add_argument("--check", action="store_true",
                    help="exit with status 1 unless every frame the participants of this "
                    "process sent arrived at every other one, decrypted and decoded")
    args = ap.parse_args()

    key = read_key(args.key_file)
    if key is None and args.participants > 0:
        key = secrets.token_bytes(32)
        print("meeting key: a fresh random one (use --key-file to share one with another process)",
              file=sys.stderr)

    janus = None
    if args.janus is None:
        janus = janusfixture.JanusServer().start()
        url = janus.url
        print("janus: started, PID %d, %s (media on %s, RTP ports %d-%d)" % (
            janus.proc.pid, url, janus.address, *janus.rtp_ports), file=sys.stderr)
    else:
        url = args.janus
    loop = janusmedia.MainLoop()
    client = janusfixture.JanusClient(url)
    parts = []
    stop = threading.Event()
    signal.signal(signal.SIGINT, lambda *a: stop.set())
    status = 0
    try:
        admin = client.attach()
        room = args.room
        if room is None:
            room = admin.request({"request": "create", "publishers": max(args.participants, 6),
                                  "videocodec": "vp8,h264", "audiocodec": "opus",
                                  "fir_freq": 10})["room"]
        print("room: %d" % room, file=sys.stderr)
        sys.stderr.flush()
        t0 = time.monotonic()
        for i in range(args.participants):
            parts.append(Participant(args, client, room, i, key))
        for p in parts:
            p.publisher.publish()
        names = {p.publisher.id: p.name for p in parts}

        def subscribe_new():
            feeds = feeds_in_room(admin, room)
            for feed, display in feeds.items():
                names.setdefault(feed, display)
            for n, p in enumerate(parts):
                for feed in feeds:
                    if feed != p.publisher.id and feed not in p.subscriptions:
                        p.subscribe(feed, names[feed], args.show and n == 0)

        subscribe_new()
        print("connected: %d participants, %d subscriptions, %.1f s" % (
            len(parts), sum(len(p.subscriptions) for p in parts), time.monotonic() - t0),
            file=sys.stderr)
        # Media from now on: every participant here is connected, so every frame can
        # reach every subscriber, starting with a key frame.
        for p in parts:
            p.publisher.send({"vp8": 1 << 62, "h264": 1 << 62, "opus": 1 << 62})
        end = time.monotonic() + args.duration if args.duration > 0 else None
        while not stop.is_set() and (end is None or time.monotonic() < end):
            stop.wait(1.0)
            for p in parts:
                print(line(p, names))
            # Participants of other processes that joined meanwhile.
            subscribe_new()
        for p in parts:
            for s in p.publisher.streams:
                with s.lock:
                    s.to_send = 0
        # What is on its way arrives.
        janusmedia.wait_until(lambda: all(
            r.decoded >= src.n["cipher"] for _, r, src in received(parts)), 5)
        time.sleep(0.3)
        status = report(parts, names)
    finally:
        for p in parts:
            p.stop()
        client.destroy()
        loop.quit()
        if janus is not None:
            janus.stop()
    errors = [e for p in parts for peer in p.peers() for e in peer.errors]
    for e in errors:
        print("error: " + e, file=sys.stderr)
    return 1 if args.check and (status or errors) else 0


def source_stream(parts, feed, feed_mid):
    """The stream a participant of this process sends as feed_mid of feed, or None."""
    for q in parts:
        if q.publisher.id == feed:
            return next((x for x in q.publisher.streams if x.mid == feed_mid), None)
    return None


def received(parts):
    """(subscriber, received stream, sent stream) for every stream a participant here
    receives from another participant here."""
    for p in parts:
        for feed, sub in p.subscriptions.items():
            for r in sub.streams.values():
                src = source_stream(parts, feed, r.info["feed_mid"])
                if src is not None:
                    yield sub, r, src


def report(parts, names):
    """The table; 1 if a frame sent by a participant of this process did not arrive,
    decrypt and decode at another one."""
    status = 0
    if not any(p.subscriptions for p in parts):
        return 0
    print("\n%-24s %-6s %8s %8s %10s %8s %8s" % ("receiver<-sender", "codec", "sent", "received",
                                                  "decrypted", "decoded", "dropped"))
    for p in parts:
        for feed, sub in p.subscriptions.items():
            for r in sub.streams.values():
                st = sub.stats(r)
                src = source_stream(parts, feed, r.info["feed_mid"])
                sent = src.n["cipher"] if src is not None else None
                print("%-24s %-6s %8s %8d %10d %8d %8d" % (
                    "%s<-%s" % (p.name, names.get(feed, feed)), r.codec,
                    "?" if sent is None else sent, r.n["cipher"], r.n["plain"], r.decoded,
                    st.get_value("dropped") if st is not None else 0))
                if sent is not None and not (sent > 0 and r.n["cipher"] == r.n["plain"] == r.decoded == sent):
                    status = 1
    if any(True for _ in received(parts)):
        print("\nevery frame sent here arrived, decrypted and decoded" if status == 0 else
              "\nsome frames sent here did not arrive, decrypt or decode")
    return status


if __name__ == "__main__":
    sys.exit(main())
