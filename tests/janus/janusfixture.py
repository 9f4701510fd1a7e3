# gst-e2ee: a private Janus SFU for tests and examples.
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# JanusServer runs /usr/bin/janus (Debian's package) from a configuration folder of its
# own: only the VideoRoom plugin and the plain HTTP transport, bound to 127.0.0.1, no
# STUN/TURN, no event handlers, an RTP port range of its own. It is a plain child
# process, stopped by its PID; nothing is installed as a service.
#
# JanusClient speaks Janus's REST API (https://janus.conf.meetecho.com/docs/rest.html)
# with urllib: one session, long-polled for events by a thread of its own.

import http.client
import json
import os
import random
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request

JANUS = "/usr/bin/janus"
JANUS_LIB = "/usr/lib/x86_64-linux-gnu/janus"
SOURCE_ROOT = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))


def ensure_janus_installed():
    """Install Debian's janus package (through the project's script) if it is missing."""
    if os.access(JANUS, os.X_OK):
        return
    print("janus: %s missing, running scripts/install-deps.sh" % JANUS, file=sys.stderr)
    subprocess.run(["bash", os.path.join(SOURCE_ROOT, "scripts", "install-deps.sh")], check=True)
    if not os.access(JANUS, os.X_OK):
        raise RuntimeError("%s still missing after scripts/install-deps.sh" % JANUS)


def host_address():
    """The machine's first non-loopback IPv4 address.

    Janus 1.1.2 never gathers candidates on loopback interfaces (libnice's host
    candidates on 127.0.0.1 are skipped), so media between Janus and a peer on the same
    machine goes over this address. The packets still never leave the machine."""
    try:
        out = subprocess.run(["ip", "-j", "-4", "addr", "show", "up"], check=True,
                             capture_output=True, text=True).stdout
        for iface in json.loads(out):
            if "LOOPBACK" in iface.get("flags", []):
                continue
            for a in iface.get("addr_info", []):
                if a.get("family") == "inet" and a.get("scope") == "global":
                    return a["local"]
    except (OSError, ValueError, subprocess.CalledProcessError):
        pass
    # No iproute2: the source address of a route to a documentation address (no
    # packet is sent by connect() on a UDP socket).
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    try:
        s.connect(("198.51.100.1", 9))
        addr = s.getsockname()[0]
    except OSError:
        addr = "127.0.0.1"
    finally:
        s.close()
    if addr.startswith("127."):
        raise RuntimeError("no non-loopback IPv4 address: Janus cannot gather candidates")
    return addr


def _free_tcp_port():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class JanusServer:
    """A Janus process with a configuration of its own, in a temporary folder."""

    def __init__(self, rtp_ports=None, debug_level=4, log=None):
        self.address = host_address()
        self.port = _free_tcp_port()
        # A range of 200 ports (100 PeerConnections), somewhere other Janus instances
        # (CI jobs running in parallel) are unlikely to have theirs.
        if rtp_ports is None:
            base = random.randrange(20000, 40000, 200)
            rtp_ports = (base, base + 199)
        self.rtp_ports = rtp_ports
        self.debug_level = debug_level
        self.log = log
        self.dir = None
        self.proc = None

    @property
    def url(self):
        return "http://127.0.0.1:%d/janus" % self.port

    def _write_config(self):
        d = self.dir
        for sub in ("plugins", "transports", "events", "loggers"):
            os.mkdir(os.path.join(d, sub))
        # Folders holding just the two modules: Janus loads every .so it finds there.
        os.symlink(os.path.join(JANUS_LIB, "plugins", "libjanus_videoroom.so"),
                   os.path.join(d, "plugins", "libjanus_videoroom.so"))
        os.symlink(os.path.join(JANUS_LIB, "transports", "libjanus_http.so"),
                   os.path.join(d, "transports", "libjanus_http.so"))
        with open(os.path.join(d, "janus.jcfg"), "w") as f:
            f.write("""general: {
	configs_folder = "%(d)s"
	plugins_folder = "%(d)s/plugins"
	transports_folder = "%(d)s/transports"
	events_folder = "%(d)s/events"
	loggers_folder = "%(d)s/loggers"
	debug_level = %(debug)d
	exit_on_dl_error = true
	session_timeout = 60
}
certificates: {
}
media: {
	rtp_port_range = "%(lo)d-%(hi)d"
}
nat: {
	nice_debug = false
	ice_enforce_list = "%(addr)s"
}
plugins: {
}
transports: {
	disable = "libjanus_websockets.so,libjanus_pfunix.so,libjanus_mqtt.so,libjanus_rabbitmq.so,libjanus_nanomsg.so"
}
loggers: {
}
events: {
	broadcast = false
}
""" % {"d": d, "debug": self.debug_level, "lo": self.rtp_ports[0], "hi": self.rtp_ports[1],
       "addr": self.address})
        with open(os.path.join(d, "janus.transport.http.jcfg"), "w") as f:
            f.write("""general: {
	json = "plain"
	base_path = "/janus"
	http = true
	port = %d
	ip = "127.0.0.1"
	https = false
}
admin: {
	admin_http = false
	admin_https = false
}
""" % self.port)
        # No static rooms: each test creates the rooms it needs through the API.
        with open(os.path.join(d, "janus.plugin.videoroom.jcfg"), "w") as f:
            f.write("general: {\n}\n")

    def start(self, timeout=15.0):
        ensure_janus_installed()
        self.dir = tempfile.mkdtemp(prefix="gst-e2ee-janus-")
        self._write_config()
        self._logf = None
        logf = self.log
        if logf is None:
            logf = self._logf = open(os.path.join(self.dir, "janus.log"), "w")
        self.proc = subprocess.Popen(
            [JANUS, "--config", os.path.join(self.dir, "janus.jcfg"),
             "--configs-folder", self.dir, "--disable-colors"],
            stdin=subprocess.DEVNULL, stdout=logf, stderr=subprocess.STDOUT,
            cwd=self.dir)
        deadline = time.monotonic() + timeout
        while True:
            if self.proc.poll() is not None:
                raise RuntimeError("janus exited with %d; log:\n%s" % (self.proc.returncode, self.read_log()))
            try:
                with urllib.request.urlopen(self.url + "/info", timeout=1) as r:
                    info = json.load(r)
                if info.get("janus") == "server_info" and "janus.plugin.videoroom" in info.get("plugins", {}):
                    self.info = info
                    return self
            except (OSError, ValueError):
                pass
            if time.monotonic() > deadline:
                self.stop()
                raise RuntimeError("janus did not answer %s/info within %.0f s" % (self.url, timeout))
            time.sleep(0.05)

    def read_log(self):
        try:
            with open(os.path.join(self.dir, "janus.log"), errors="replace") as f:
                return f.read()
        except OSError:
            return ""

    def stop(self):
        if self.proc is not None and self.proc.poll() is None:
            os.kill(self.proc.pid, signal.SIGINT)
            try:
                self.proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                os.kill(self.proc.pid, signal.SIGKILL)
                self.proc.wait()
        self.proc = None
        if getattr(self, "_logf", None) is not None:
            self._logf.close()
            self._logf = None
        if self.dir is not None and not os.environ.get("GST_E2EE_KEEP_JANUS_DIR"):
            shutil.rmtree(self.dir, ignore_errors=True)
            self.dir = None

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()


class JanusError(RuntimeError):
    pass


def _tid():
    return "%016x" % random.getrandbits(64)


class JanusClient:
    """One Janus session; events of every handle are long-polled by a thread and
    kept per handle until taken."""

    def __init__(self, url):
        self.url = url
        self.events = {}
        self.lock = threading.Lock()
        r = self._post(self.url, {"janus": "create"})
        self.session = r["data"]["id"]
        self.session_url = "%s/%d" % (self.url, self.session)
        self.running = True
        self.poller = threading.Thread(target=self._poll, name="janus-poll", daemon=True)
        self.poller.start()

    def _post(self, url, body, timeout=10):
        body = dict(body, transaction=_tid())
        req = urllib.request.Request(url, data=json.dumps(body).encode(),
                                     headers={"Content-Type": "application/json"})
        with urllib.request.urlopen(req, timeout=timeout) as r:
            reply = json.load(r)
        if reply.get("janus") == "error":
            raise JanusError("%s: %s" % (body["janus"], reply["error"]))
        return reply

    def _handle_events(self, handle):
        with self.lock:
            return self.events.setdefault(handle, _EventLog())

    def _poll(self):
        while self.running:
            try:
                with urllib.request.urlopen("%s?maxev=10" % self.session_url, timeout=40) as r:
                    events = json.load(r)
            except (OSError, ValueError, http.client.HTTPException):
                # Also what the session's end looks like to a pending long poll.
                if self.running:
                    time.sleep(0.1)
                continue
            if isinstance(events, dict):
                events = [events]
            for ev in events:
                if ev.get("janus") == "keepalive":
                    continue
                self._handle_events(ev.get("sender")).add(ev)

    def attach(self, plugin="janus.plugin.videoroom"):
        r = self._post(self.session_url, {"janus": "attach", "plugin": plugin})
        return JanusHandle(self, r["data"]["id"])

    def destroy(self):
        self.running = False
        try:
            self._post(self.session_url, {"janus": "destroy"})
        except (OSError, JanusError):
            pass


class _EventLog:
    def __init__(self):
        self.cond = threading.Condition()
        self.pending = []

    def add(self, ev):
        with self.cond:
            self.pending.append(ev)
            self.cond.notify_all()

    def take(self, pred, timeout):
        deadline = time.monotonic() + timeout
        with self.cond:
            while True:
                for i, ev in enumerate(self.pending):
                    data = ev.get("plugindata", {}).get("data", {})
                    if "error" in data or pred(ev):
                        return self.pending.pop(i)
                left = deadline - time.monotonic()
                if left <= 0:
                    return None
                self.cond.wait(left)


class JanusHandle:
    def __init__(self, client, hid):
        self.client = client
        self.id = hid
        self.url = "%s/%d" % (client.session_url, hid)
        self.events = client._handle_events(hid)

    def request(self, body):
        """A synchronous plugin request (create, list, ...): the answer comes at once."""
        r = self.client._post(self.url, {"janus": "message", "body": body})
        data = r["plugindata"]["data"]
        if "error" in data:
            raise JanusError("%s: %s" % (body.get("request"), data["error"]))
        return data

    def message(self, body, jsep=None):
        """An asynchronous plugin request (join, configure, ...): the answer is an event."""
        msg = {"janus": "message", "body": body}
        if jsep is not None:
            msg["jsep"] = jsep
        r = self.client._post(self.url, msg)
        if r.get("janus") != "ack":
            raise JanusError("unexpected reply %r" % r)

    def wait_event(self, pred=lambda ev: True, timeout=10.0):
        """The first event of this handle not yet taken that satisfies pred (events
        that do not are left for later calls)."""
        ev = self.events.take(pred, timeout)
        if ev is None:
            raise TimeoutError("no matching Janus event on handle %d" % self.id)
        data = ev.get("plugindata", {}).get("data", {})
        if "error" in data:
            raise JanusError("handle %d: %s" % (self.id, data["error"]))
        return ev

    def detach(self):
        try:
            self.client._post(self.url, {"janus": "detach"})
        except (OSError, JanusError):
            pass
