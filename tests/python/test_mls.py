#!/usr/bin/python3
# gst-e2ee: the MLS API (GstE2eeMlsClient, GstE2eeMlsGroup) from Python, through the
# GstE2ee GIR typelib: a group of three, application messages, an update and a
# removal, equal exporter output and epoch authenticator, errors as GLib.Error; the
# SFrame keys of a group in a key store (GstE2eeMlsKeys) and the security code.
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# Runs with the system interpreter (/usr/bin/python3), which has PyGObject; meson
# sets GI_TYPELIB_PATH and LD_LIBRARY_PATH to the build tree.

import unittest

import gi

gi.require_version("GLib", "2.0")
gi.require_version("GstE2ee", "1.0")
from gi.repository import GLib, GstE2ee  # noqa: E402

LABEL = "SFrame 1.0 Base Key"


def b(data):
    return GLib.Bytes.new(data)


def export(group):
    return group.export_secret(LABEL, b(b"ctx"), 16).get_data()


class MlsTest(unittest.TestCase):
    def assert_agree(self, *groups):
        first = groups[0]
        for g in groups[1:]:
            self.assertEqual(g.get_epoch(), first.get_epoch())
            self.assertEqual(export(g), export(first))
            self.assertEqual(
                g.get_epoch_authenticator().get_data(),
                first.get_epoch_authenticator().get_data(),
            )

    def test_group(self):
        alice = GstE2ee.MlsClient.new(b(b"alice"))
        bob = GstE2ee.MlsClient.new(b(b"bob"))
        carol = GstE2ee.MlsClient.new(b(b"carol"))
        a = GstE2ee.MlsGroup.create(alice, b(b"py-group"))
        self.assertEqual(a.props.epoch, 0)
        self.assertTrue(a.props.ratchet_tree_extension)

        commit, welcome = a.add(bob.create_key_package())
        self.assertIsNotNone(commit)
        bb = GstE2ee.MlsGroup.join(bob, welcome, None)
        self.assertEqual(bb.get_own_leaf_index(), 1)

        # carol joins with the tree given separately.
        a.props.ratchet_tree_extension = False
        commit, welcome = a.add(carol.create_key_package())
        self.assertEqual(bb.handle(commit), (GstE2ee.MlsMessageKind.COMMIT, None))
        with self.assertRaises(GLib.Error) as cm:
            GstE2ee.MlsGroup.join(carol, welcome, None)
        self.assertTrue(
            cm.exception.matches(
                GstE2ee.mls_error_quark(), GstE2ee.MlsError.MISSING_RATCHET_TREE
            )
        )
        c = GstE2ee.MlsGroup.join(carol, welcome, a.get_ratchet_tree())
        self.assert_agree(a, bb, c)
        ids = [m.get_identity().get_data() for m in c.get_members()]
        self.assertEqual(ids, [b"alice", b"bob", b"carol"])

        msg = bb.protect(b(b"hello"))
        kind, data = a.handle(msg)
        self.assertEqual(kind, GstE2ee.MlsMessageKind.APPLICATION)
        self.assertEqual(data.get_data(), b"hello")
        self.assertEqual(c.unprotect(msg).get_data(), b"hello")

        before = export(a)
        commit = c.update()
        a.handle(commit)
        bb.handle(commit)
        self.assert_agree(a, bb, c)
        self.assertNotEqual(export(a), before)

        commit = a.remove(1)
        c.handle(commit)
        bb.handle(commit)
        self.assertFalse(bb.is_active())
        self.assert_agree(a, c)
        self.assertEqual(len(a.get_members()), 2)

        # A replayed commit: refused with its code, nothing changed.
        with self.assertRaises(GLib.Error) as cm:
            c.handle(commit)
        self.assertTrue(
            cm.exception.matches(GstE2ee.mls_error_quark(), GstE2ee.MlsError.WRONG_EPOCH)
        )
        self.assert_agree(a, c)

    def test_saved_key(self):
        alice = GstE2ee.MlsClient.new(b(b"alice"))
        again = GstE2ee.MlsClient.new_from_private_key(
            b(b"alice"), alice.export_private_key()
        )
        self.assertEqual(
            again.props.signature_public_key.get_data(),
            alice.get_signature_public_key().get_data(),
        )
        with self.assertRaises(GLib.Error):
            GstE2ee.MlsClient.new_from_private_key(b(b"alice"), b(b"short"))

    def test_keys_and_code(self):
        # GstE2eeMlsKeys and the security code through the GIR (issue 17).
        alice = GstE2ee.MlsClient.new(b(b"alice"))
        bob = GstE2ee.MlsClient.new(b(b"bob"))
        a = GstE2ee.MlsGroup.create(alice, b(b"py-keys"))
        store = GstE2ee.KeyStore.new()
        keys = GstE2ee.MlsKeys.new(a, store)
        self.assertEqual((keys.props.epoch_bits, keys.props.own_kid), (4, 0))
        commit, welcome = a.add(bob.create_key_package())
        bb = GstE2ee.MlsGroup.join(bob, welcome, None)
        # Epoch 1, S = 1: alice encrypts under KID 1, decrypts bob's (1 << 4) + 1.
        self.assertEqual((keys.props.epoch, keys.props.own_kid), (1, 1))
        self.assertEqual(list(store.list_kids(GstE2ee.KeyUsage.ENCRYPT)), [0, 1])
        self.assertEqual(list(store.list_kids(GstE2ee.KeyUsage.DECRYPT)), [17])
        self.assertEqual(GstE2ee.mls_kid(3, 20, 14, 6, 4), (3 << 10) + (20 << 4) + 14)

        code = a.get_security_code()
        self.assertEqual(code, bb.get_security_code())
        self.assertRegex(code, r"^\d{5}( \d{5}){7}$")
        fingerprints = [m.get_fingerprint() for m in a.get_members()]
        self.assertEqual(fingerprints, [m.get_fingerprint() for m in bb.get_members()])
        self.assertEqual(
            GstE2ee.mls_security_code_from_authenticator(b(bytes(range(32)))),
            "24176 86930 64948 69533 60918 00824 46955 09492",
        )
        self.assertEqual(bb.handle(a.update()), (GstE2ee.MlsMessageKind.COMMIT, None))
        self.assertNotEqual(a.get_security_code(), code)
        self.assertEqual(a.get_security_code(), bb.get_security_code())
        self.assertEqual(keys.props.own_kid, 2)

    def test_unmade_group(self):
        # A group from the GObject constructor: errors, never a crash.
        g = GstE2ee.MlsGroup()
        with self.assertRaises(GLib.Error):
            g.update()
        self.assertIsNone(g.get_epoch_authenticator())


if __name__ == "__main__":
    unittest.main(verbosity=2)
