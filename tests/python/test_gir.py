#!/usr/bin/python3
# gst-e2ee: the library from Python, through the GstE2ee GIR typelib.
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# Runs with the system interpreter (/usr/bin/python3), which has PyGObject; meson
# sets GI_TYPELIB_PATH and LD_LIBRARY_PATH to the build tree.

import hashlib
import json
import os
import sys
import unittest

import gi

gi.require_version("GLib", "2.0")
gi.require_version("GstE2ee", "1.0")
from gi.repository import GLib, GstE2ee  # noqa: E402

VECTORS = os.path.join(
    os.environ.get(
        "GST_E2EE_TEST_VECTORS",
        os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "vectors"),
    ),
    "rfc9605-test-vectors.json",
)


VECTORS_SHA256 = "b8d35efd41749567427cb9ae52d9a7362904154978ff6a5fb20c0258a8ffdec1"


def load_vectors():
    with open(VECTORS, "rb") as f:
        data = f.read()
    if hashlib.sha256(data).hexdigest() != VECTORS_SHA256:
        raise AssertionError("%s is not the RFC 9605 test-vector file" % VECTORS)
    # Python ints are unbounded: the 64-bit KID/CTR values arrive exactly.
    return json.loads(data)


def b(hexstr):
    return GLib.Bytes.new(bytes.fromhex(hexstr))


class GirTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.vectors = load_vectors()
        cls.sframe = {v["cipher_suite"]: v for v in cls.vectors["sframe"]}
        assert len(cls.vectors["sframe"]) == 5

    def key_for(self, v, kid=None):
        return GstE2ee.SFrameKey.new_from_bytes(
            GstE2ee.CipherSuite(v["cipher_suite"]),
            v["kid"] if kid is None else kid,
            b(v["base_key"]),
        )

    def assert_sframe_error(self, cm, code):
        err = cm.exception
        self.assertTrue(
            err.matches(GstE2ee.sframe_error_quark(), code),
            "expected %s, got %s %d: %s" % (code, err.domain, err.code, err.message),
        )

    def test_decrypt_rfc9605_vectors(self):
        for suite in (
            GstE2ee.CipherSuite.AES_256_GCM_SHA512_128,
            GstE2ee.CipherSuite.AES_128_GCM_SHA256_128,
        ):
            with self.subTest(suite=suite):
                v = self.sframe[int(suite)]
                key = self.key_for(v)
                self.assertEqual(key.get_kid(), v["kid"])
                self.assertEqual(key.get_cipher_suite(), suite)
                pt = key.decrypt_bytes(b(v["metadata"]), b(v["ct"]))
                self.assertEqual(pt.get_data(), bytes.fromhex(v["pt"]))

    def test_encrypt_rfc9605_vector(self):
        v = self.sframe[int(GstE2ee.CipherSuite.AES_256_GCM_SHA512_128)]
        key = self.key_for(v)
        self.assertTrue(key.skip_counter_to(v["ctr"]))
        frame = key.encrypt_bytes(b(v["metadata"]), b(v["pt"]))
        self.assertEqual(frame.get_data(), bytes.fromhex(v["ct"]))
        self.assertEqual(key.get_next_counter(), v["ctr"] + 1)

    def test_header_parse(self):
        v = self.sframe[5]
        ok, kid, ctr, size = GstE2ee.sframe_header_parse(bytes.fromhex(v["ct"]))
        self.assertTrue(ok)
        self.assertEqual((kid, ctr, size), (v["kid"], v["ctr"], 5))
        # The 64-bit extremes survive the binding.
        last = self.vectors["header"][-1]
        self.assertEqual(last["kid"], 2**64 - 1)
        ok, kid, ctr, size = GstE2ee.sframe_header_parse(bytes.fromhex(last["encoded"]))
        self.assertEqual((kid, ctr, size), (2**64 - 1, 2**64 - 1, 17))
        with self.assertRaises(GLib.Error) as cm:
            GstE2ee.sframe_header_parse(bytes.fromhex(last["encoded"])[:-1])
        self.assert_sframe_error(cm, GstE2ee.SFrameError.MALFORMED_HEADER)

    def test_round_trip(self):
        v = self.sframe[4]
        enc = self.key_for(v)
        dec = self.key_for(v)
        metadata = GLib.Bytes.new(b"rtp header ext")
        for i, payload in enumerate((b"", b"x", bytes(range(256)) * 5)):
            frame = enc.encrypt_bytes(metadata, GLib.Bytes.new(payload))
            self.assertEqual(
                frame.get_size(),
                GstE2ee.sframe_header_size(v["kid"], i) + len(payload) + 16,
            )
            if payload:
                self.assertNotIn(payload, frame.get_data())
            self.assertEqual(dec.decrypt_bytes(metadata, frame).get_data(), payload)
        # No metadata on either side also works.
        frame = enc.encrypt_bytes(None, GLib.Bytes.new(b"hello"))
        self.assertEqual(dec.decrypt_bytes(None, frame).get_data(), b"hello")

    def test_tampered_frame_raises(self):
        v = self.sframe[5]
        key = self.key_for(v)
        ct = bytearray.fromhex(v["ct"])
        ct[-1] ^= 0x01
        with self.assertRaises(GLib.Error) as cm:
            key.decrypt_bytes(b(v["metadata"]), GLib.Bytes.new(bytes(ct)))
        self.assertEqual(cm.exception.domain, "gst-e2ee-sframe-error-quark")
        self.assert_sframe_error(cm, GstE2ee.SFrameError.AUTHENTICATION)

        with self.assertRaises(GLib.Error) as cm:
            key.decrypt_bytes(GLib.Bytes.new(b"other metadata"), b(v["ct"]))
        self.assert_sframe_error(cm, GstE2ee.SFrameError.AUTHENTICATION)

        other = self.key_for(v, kid=v["kid"] + 1)
        with self.assertRaises(GLib.Error) as cm:
            other.decrypt_bytes(b(v["metadata"]), b(v["ct"]))
        self.assert_sframe_error(cm, GstE2ee.SFrameError.UNKNOWN_KID)


if __name__ == "__main__":
    result = unittest.main(exit=False, verbosity=2).result
    sys.exit(0 if result.wasSuccessful() and result.testsRun > 0 else 1)
