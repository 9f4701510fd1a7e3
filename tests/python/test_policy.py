#!/usr/bin/python3
# gst-e2ee: the encryption policy from Python, through the GstE2ee GIR typelib.
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# Runs with the system interpreter (/usr/bin/python3), which has PyGObject; meson
# sets GI_TYPELIB_PATH and LD_LIBRARY_PATH to the build tree.

import os
import tempfile
import unittest

import gi

gi.require_version("GLib", "2.0")
gi.require_version("Gst", "1.0")
gi.require_version("GstE2ee", "1.0")
from gi.repository import GLib, Gst, GstE2ee  # noqa: E402

POLICY = """[account]
e2ee-default=true
locked=e2ee-default
allowed-stream-kinds=

[group:support]
allowed-stream-kinds=pstn;sip
key-rotation-interval=5min

[user:ann]
e2ee-default=false
"""


class PolicyTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        Gst.init(None)

    def setUp(self):
        self.dir = tempfile.TemporaryDirectory()
        self.path = os.path.join(self.dir.name, "policy.conf")
        self.write(POLICY)

    def tearDown(self):
        self.dir.cleanup()

    def write(self, text):
        with open(self.path, "w", encoding="utf-8") as f:
            f.write(text)

    def test_resolve(self):
        policy = GstE2ee.Policy.new_from_file(self.path)
        self.assertEqual(policy.props.path, self.path)
        r = policy.resolve("support", "ann")
        s = r.get_settings()
        self.assertEqual(s.get_name(), "e2ee-policy")
        self.assertEqual(s.n_fields(), len(GstE2ee.Policy.list_settings()))
        self.assertTrue(s.get_value("e2ee-default"))
        self.assertEqual(s.get_value("key-rotation-interval"), 300 * Gst.SECOND)
        self.assertEqual(
            s.get_value("allowed-stream-kinds"),
            GstE2ee.StreamKinds.PSTN | GstE2ee.StreamKinds.SIP,
        )
        ok, level, locked = r.get_origin("e2ee-default")
        self.assertTrue(ok)
        self.assertEqual(level, GstE2ee.PolicyLevel.ACCOUNT)
        self.assertTrue(locked)
        ok, level, locked = r.get_origin("allowed-stream-kinds")
        self.assertEqual((level, locked), (GstE2ee.PolicyLevel.GROUP, False))
        ok, level, locked = r.get_origin("cloud-recording")
        self.assertEqual((level, locked), (GstE2ee.PolicyLevel.DEFAULT, False))
        self.assertFalse(r.get_origin("no-such-setting")[0])
        self.assertEqual(
            r.get_warnings(),
            [
                "%s:11: [user:ann] e2ee-default is ignored: locked at account level "
                "by [account] (%s:3)" % (self.path, self.path)
            ],
        )
        self.assertEqual(policy.get_warnings(), r.get_warnings())

    def test_bad_file(self):
        self.write("[account]\nmax-e2ee-participants=lots\n")
        with self.assertRaises(GLib.Error) as cm:
            GstE2ee.Policy.new_from_file(self.path)
        self.assertTrue(
            cm.exception.matches(
                GstE2ee.policy_error_quark(), GstE2ee.PolicyError.BAD_VALUE
            )
        )
        self.assertEqual(
            cm.exception.message,
            "%s:2: [account] max-e2ee-participants=lots: expected a whole number "
            "from 2 to 100000" % self.path,
        )

    def test_reload(self):
        policy = GstE2ee.Policy.new_from_file(self.path)
        changes = []
        policy.connect("changed", lambda p: changes.append(p.resolve(None, None)))
        self.write("[account]\ne2ee-default=false\n")
        self.assertTrue(policy.reload())
        self.assertEqual(len(changes), 1)
        self.assertFalse(changes[0].get_settings().get_value("e2ee-default"))
        self.write("[account\n")
        with self.assertRaises(GLib.Error):
            policy.reload()
        self.assertEqual(len(changes), 1)
        r = policy.resolve(None, None)
        self.assertFalse(r.get_settings().get_value("e2ee-default"))

    def test_suite_minimum(self):
        cs = GstE2ee.CipherSuite
        self.assertTrue(
            GstE2ee.Policy.cipher_suite_meets_minimum(
                cs.AES_256_GCM_SHA512_128, cs.AES_128_GCM_SHA256_128
            )
        )
        self.assertFalse(
            GstE2ee.Policy.cipher_suite_meets_minimum(
                cs.AES_128_CTR_HMAC_SHA256_80, cs.AES_128_GCM_SHA256_128
            )
        )


if __name__ == "__main__":
    unittest.main(verbosity=2)
