#!/usr/bin/python3
# gst-e2ee: the e2eemls element from Python, as an application drives it: a host and two
# members in their own pipelines, their bytes carried in one order by the test; the
# same epoch and security code everywhere, the admit signal, a refused message.
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# Runs with the system interpreter (/usr/bin/python3), which has PyGObject; meson
# sets GST_PLUGIN_PATH_1_0 and GI_TYPELIB_PATH to the build tree.

import unittest

import gi

gi.require_version("GLib", "2.0")
gi.require_version("Gst", "1.0")
from gi.repository import GLib, Gst  # noqa: E402


class Peer:
    def __init__(self, net, name, role):
        self.name = name
        self.pipe = Gst.Pipeline.new(name)
        self.mls = Gst.ElementFactory.make("e2eemls", None)
        self.mls.set_property("identity", name)
        Gst.util_set_object_arg(self.mls, "role", role)
        self.mls.set_property("update-interval", 0)
        # keep a copy: the signal's GBytes is only lent for the call
        self.mls.connect("send-message",
                         lambda el, data: net.append((self, GLib.Bytes.new(data.get_data()))))
        self.pipe.add(self.mls)

    def start(self):
        self.pipe.set_state(Gst.State.PLAYING)

    def stop(self):
        self.pipe.set_state(Gst.State.NULL)


class E2eeMlsTest(unittest.TestCase):
    def setUp(self):
        self.net = []
        self.peers = []

    def tearDown(self):
        for p in self.peers:
            p.stop()

    def peer(self, name, role):
        p = Peer(self.net, name, role)
        self.peers.append(p)
        p.start()
        return p

    def pump(self):
        while self.net:
            sender, data = self.net.pop(0)
            for p in self.peers:
                if p is not sender:
                    p.mls.emit("handle-message", data)

    def test_meeting(self):
        asked = []
        host = self.peer("host", "host")
        host.mls.connect("admit", lambda el, who, kp: asked.append(who) or who != "eve")
        self.peer("alice", "member")
        self.peer("bob", "member")
        eve = self.peer("eve", "member")
        self.pump()
        self.assertEqual(asked, ["alice", "bob", "eve"])
        codes = {p.mls.get_property("security-code") for p in self.peers[:3]}
        self.assertEqual(len(codes), 1)
        self.assertEqual(len(next(iter(codes)).replace(" ", "")), 40)
        self.assertEqual([p.mls.get_property("epoch") for p in self.peers[:3]], [2, 2, 2])
        self.assertEqual(host.mls.get_property("members"), 3)
        self.assertIsNone(eve.mls.get_property("security-code"))
        stats = host.mls.get_property("stats")
        self.assertEqual(stats.get_uint64("not-admitted")[1], 1)
        self.assertEqual(stats.get_uint64("commits-sent")[1], 2)

        # bytes that are no MLS message: refused, counted, nothing changes
        self.assertFalse(host.mls.emit("handle-message", GLib.Bytes.new(b"\x00\x01\x00")))
        stats = host.mls.get_property("stats")
        self.assertEqual(stats.get_uint64("refused-invalid")[1], 1)
        self.assertEqual(host.mls.get_property("epoch"), 2)


if __name__ == "__main__":
    Gst.init(None)
    unittest.main()
