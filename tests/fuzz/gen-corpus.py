#!/usr/bin/env python3
# gst-e2ee fuzzing: writes the seed corpora of the fuzz targets, in the input format of
# each target, from the RFC 9605 test vectors (tests/vectors/rfc9605-test-vectors.json)
# and, for the codec layout, the real encoded frames in tests/fuzz/frames/ (made by
# gen-frames.sh). Seeds are generated at each run, never committed.
#
#   gen-corpus.py VECTORS.json OUTDIR   -> OUTDIR/TARGET/ for every target
#
# SPDX-License-Identifier: LGPL-2.1-or-later

import hashlib
import json
import os
import struct
import sys


def write(outdir, target, data):
    d = os.path.join(outdir, target)
    os.makedirs(d, exist_ok=True)
    name = hashlib.sha1(data).hexdigest()  # libFuzzer's own naming: no duplicates
    with open(os.path.join(d, name), "wb") as f:
        f.write(data)


def record(rtype, sender, data):
    return bytes([rtype, sender]) + struct.pack(">H", len(data) & 0x3FFF) + data


# The layout codes of fuzz-layout (GstE2eeLayoutCodec), by file name prefix.
LAYOUT_CODECS = {"vp8": 1, "vp9": 2, "h264": 3, "h264b": 3, "h265": 4, "opus": 5}


def load_frames(d):
    frames = []
    for name in sorted(os.listdir(d)):
        if name.endswith(".bin"):
            with open(os.path.join(d, name), "rb") as f:
                frames.append((LAYOUT_CODECS[name.split("-")[0]], f.read()))
    return frames


def layout_seeds(add, vectors, frames):
    # [codec | suite << 3 | mode << 6] ...: see fuzz-layout.c
    def first(codec, suite, mode):
        return bytes([codec | (suite << 3) | (mode << 6)])

    for i, (codec, frame) in enumerate(frames):
        for suite in range(5):
            # sender: KID 0x123 or 7, counters of 1 to 6 bytes
            add("layout", first(codec, suite, 1) + bytes([(suite & 3) | (i & 1) << 7]) +
                frame)
        mid = len(frame) // 2
        add("layout", first(codec, i % 5, 2) + bytes([0]) +
            struct.pack(">HB", mid, 0x40) + frame)
        add("layout", first(codec, i % 5, 3) + bytes([1]) + struct.pack(">H", mid) + frame)
        # receiver: an unencrypted frame, as a forwarding mistake would deliver it
        add("layout", first(codec, i % 5, 0) + frame)
    for v in vectors["sframe"]:
        sel = (v["cipher_suite"] - 1) % 5
        ct = bytes.fromhex(v["ct"])
        add("layout", first(0, sel, 0) + ct)
        add("layout", first(0, sel, 1) + bytes([0]) + bytes.fromhex(v["pt"]))
        add("layout", first(1, sel, 0) + b"\x31\x02\x00" + ct)   # VP8 delta frame tag
        add("layout", first(5, sel, 0) + b"\xfc" + ct)             # Opus TOC


def depay_packet(op, desc, seq, payload):
    # [op][descriptor][seq][length] then length - 1 bytes: see fuzz-rtpsframedepay.c
    return bytes([op, desc, seq, len(payload) + 1]) + payload


def depay_fragments(frame, n, marker=True, first_op=0):
    size = -(-len(frame) // n)
    parts = [frame[i:i + size] for i in range(0, len(frame), size)] or [b""]
    out = b""
    for i, part in enumerate(parts):
        desc = (0x80 if i == 0 else 0) | (0x40 if i == len(parts) - 1 else 0)
        op = (first_op if i == 0 else 0) | (0x04 if marker and desc & 0x40 else 0)
        out += depay_packet(op, desc, 0, part[:254])
    return out


def depay_seeds(add, vectors, frames):
    cts = [bytes.fromhex(v["ct"]) for v in vectors["sframe"]]
    cts += [f[:250] for _, f in frames[::4]]
    for enc in range(8):
        ct = cts[enc % len(cts)]
        # whole frames: one packet, three fragments, with a new timestamp each
        add("rtpsframedepay", bytes([enc]) + depay_fragments(ct, 1, first_op=0x10) +
            depay_fragments(ct, 3, first_op=0x10))
    for i, ct in enumerate(cts):
        settings = (i & 3) << 3 | (0x20 if i & 1 else 0)
        # a lost middle fragment (seq jumps by 2), then a good frame
        lost = (depay_packet(0x10, 0x80, 0, ct[:10]) +
                depay_packet(0x80, 0x00, 2, ct[10:20]) +
                depay_packet(0x04, 0x40, 0, ct[20:30]) +
                depay_fragments(ct, 2, first_op=0x10))
        add("rtpsframedepay", bytes([settings]) + lost)
        # T bit, a duplicate, a new S inside a frame, an empty payload, an empty frame
        odd = (depay_packet(0x10, 0xe0, 0, ct[:20]) +
               depay_packet(0x10, 0x80, 0, ct[:20]) +
               depay_packet(0x80, 0x40, 0, ct[20:40]) +
               depay_packet(0x10, 0x80, 0, ct[:5]) +
               depay_packet(0x00, 0x80, 0, ct[5:9]) +
               bytes([0x00, 0x00, 0x00, 0x00]) +
               depay_packet(0x10, 0xc0, 0, b"") +
               depay_fragments(ct, 2, first_op=0x10))
        add("rtpsframedepay", bytes([settings]) + odd)
        # events: packet lost inside a frame, flush, new caps, a buffer list; packets
        # with CSRCs, extension and padding; a raw RTP packet; an SSRC change
        events = (depay_packet(0x10, 0x80, 0, ct[:8]) + bytes([2, 0, 0, 0]) +
                  depay_packet(0x00, 0x40, 0, ct[8:16]) +
                  depay_packet(0x13, 0x80, 0, ct[:8]) + bytes([2, 1, 0, 0]) +
                  depay_fragments(ct, 2, first_op=0x13) + bytes([2, 2, 0, 0]) +
                  bytes([2, 3, 0, 0]) + depay_fragments(ct, 2, first_op=0x10) +
                  depay_fragments(ct, 1, first_op=0x50))
        rtp = struct.pack(">BBHII", 0x80, 0x80 | 96, 5000, 777, 0x12345678) + b"\xc0" + ct
        events += bytes([1, 0, 0, min(len(rtp), 255)]) + rtp[:255]
        add("rtpsframedepay", bytes([settings]) + events)


# fuzz-srtpguard's first master key (key || salt) and SSRCs
SRTP_MASTER = bytes([
    0xe1, 0xf9, 0x7a, 0x0d, 0x3e, 0x01, 0x8b, 0xe0, 0xd6, 0x4f, 0xa3, 0x2c, 0x06, 0xde,
    0x41, 0x39, 0x0e, 0xc6, 0x75, 0xad, 0x49, 0x8a, 0xfe, 0xeb, 0xb6, 0x96, 0x0b, 0x3a,
    0xab, 0xe6])
SRTP_SSRCS = [0x11223344, 0xdeadbeef, 0, 0x11223345]


class Srtp:
    """RFC 3711 AES_CM_128_HMAC_SHA1_80/32, written from the RFC: the seeds of
    genuinely protected packets do not come from the code they test."""

    def __init__(self, master, tag_len):
        from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
        self.Cipher, self.algorithms, self.modes = Cipher, algorithms, modes
        self.tag_len = tag_len
        mkey, msalt = master[:16], master[16:30]

        def derive(label, n):  # section 4.3.1, key derivation rate 0
            x = int.from_bytes(msalt, "big") ^ (label << 48)
            return self.ctr(mkey, x << 16, bytes(n))

        self.rtp = (derive(0, 16), derive(1, 20), derive(2, 14))
        self.rtcp = (derive(3, 16), derive(4, 20), derive(5, 14))
        self.srtcp_index = 0

    def ctr(self, key, iv, data):
        enc = self.Cipher(self.algorithms.AES(key), self.modes.CTR(iv.to_bytes(16, "big")))
        return enc.encryptor().update(data)

    def iv(self, salt, ssrc, index):  # section 4.1.1
        return (int.from_bytes(salt, "big") << 16) ^ (ssrc << 64) ^ (index << 16)

    def tag(self, key, data):
        import hmac
        return hmac.new(key, data, "sha1").digest()[:self.tag_len]

    def protect(self, pkt, roc=0):
        ek, ak, salt = self.rtp
        hlen = 12 + 4 * (pkt[0] & 0x0f)
        seq, ssrc = struct.unpack(">H", pkt[2:4])[0], struct.unpack(">I", pkt[8:12])[0]
        body = pkt[:hlen] + self.ctr(ek, self.iv(salt, ssrc, (roc << 16) | seq), pkt[hlen:])
        return body + self.tag(ak, body + struct.pack(">I", roc))

    def protect_rtcp(self, pkt):
        ek, ak, salt = self.rtcp
        self.srtcp_index += 1
        ssrc = struct.unpack(">I", pkt[4:8])[0]
        body = pkt[:8] + self.ctr(ek, self.iv(salt, ssrc, self.srtcp_index), pkt[8:])
        body += struct.pack(">I", 0x80000000 | self.srtcp_index)
        return body + self.tag(ak, body)


def srtp_record(rtype, sel, data):
    return bytes([rtype, sel]) + struct.pack(">H", len(data) & 0x3FFF) + data


def rtp_packet(seq, ssrc, payload, marker=0):
    return struct.pack(">BBHII", 0x80, 96 | marker, seq, 3000 * seq, ssrc) + payload


def rtcp_packet(ssrc, payload):
    body = struct.pack(">I", ssrc) + payload
    body += bytes(-len(body) % 4)
    return struct.pack(">BBH", 0x80, 200, len(body) // 4) + body


def srtpguard_seeds(add):
    payload = bytes(range(48))
    # [rtp suite][rtcp suite | flags][keys | flags] then records: see fuzz-srtpguard.c
    for suite in range(15):
        # keys | keys << 2: every key source, every replay window; window 3 is the
        # largest replay-window-size the guard takes (32768 was refused by libsrtp)
        for keys in (0, 1, 2, 3):
            cfg = bytes([suite, 0x0F, keys | (keys << 2)])
            recs = b""
            for i in range(4):
                recs += srtp_record(0x41, 4 | (i & 1), payload[:20 + i])    # RTP, seq + 1
                recs += srtp_record(0x4D, i & 1, payload[:16])           # RTCP on rtcp_sink
            recs += srtp_record(0x45, 4, payload[:8])                    # RTCP muxed
            recs += srtp_record(0x52, 4, b"\x00\x10\x40" + payload)     # altered, replayed
            recs += srtp_record(0x63, 4, b"\x00\x20" + payload)          # cut, second MKI
            add("srtpguard", cfg + recs)
    # policy edge cases: require off, 32-bit tags allowed, plain caps, errors, limits
    for flags1, flags2 in ((0x1F, 0), (0x2F, 0), (0x4F, 0), (0x8F, 0), (0x0F, 0x70),
                           (0x03, 0), (0x0C, 0x50)):
        add("srtpguard", bytes([5, flags1, flags2]) +
            b"".join(srtp_record(0x41, 4, payload) + srtp_record(0x4D, 1, payload)
                     for _ in range(6)))

    # Genuinely protected packets as raw records, made by the RFC 3711 code above.
    try:
        ctx = {80: Srtp(SRTP_MASTER, 10), 32: Srtp(SRTP_MASTER, 4)}
    except ImportError:  # no python3-cryptography: the harness's sender seeds remain
        return
    for bits, suite in ((80, 5), (32, 4)):
        srtp = ctx[bits]
        recs = b""
        for i in range(6):
            ssrc = SRTP_SSRCS[i % 2]
            recs += srtp_record(0, 0, srtp.protect(rtp_packet(1000 + i, ssrc,
                                                              payload[:10 + i], i & 1)))
            recs += srtp_record(0x08, 0, srtp.protect_rtcp(rtcp_packet(ssrc,
                                                                       payload[:8])))
        recs += srtp_record(0, 0, srtp.protect(rtp_packet(1001, SRTP_SSRCS[1], b"")))
        flags1 = 0x0F | (0x20 if bits == 32 else 0)
        add("srtpguard", bytes([suite, flags1, 0]) + recs)


def main():
    if len(sys.argv) != 3:
        sys.exit("usage: gen-corpus.py VECTORS.json OUTDIR")
    with open(sys.argv[1], encoding="utf-8") as f:
        vectors = json.load(f)
    out = sys.argv[2]
    counts = {}

    def add(target, data):
        write(out, target, data)
        counts[target] = counts.get(target, 0) + 1

    # Header parsing: every header vector, alone and followed by payload bytes, and
    # (for the encode round trip) the (KID, CTR) pair as 16 big-endian bytes.
    for v in vectors["header"]:
        enc = bytes.fromhex(v["encoded"])
        add("sframe-header", enc)
        add("sframe-header", enc + b"\x00" * 4)
        add("sframe-header", struct.pack(">QQ", v["kid"], v["ctr"]) + enc)

    for v in vectors["sframe"]:
        suite = v["cipher_suite"]
        ct = bytes.fromhex(v["ct"])
        md = bytes.fromhex(v["metadata"])
        sel = (suite - 1) % 5  # the targets map a byte b to suite 1 + b % 5
        add("sframe-header", ct)

        # Decryption: [suite | in-place bit][metadata length] metadata frame.
        for in_place in (0, 0x80):
            add("sframe-decrypt", bytes([sel | in_place, len(md)]) + md + ct)
            add("sframe-decrypt", bytes([sel | in_place, 0]) + ct)  # wrong metadata
            add("sframe-decrypt", bytes([sel | in_place, len(md)]) + md + ct[:-1])

        # e2eedec: [suite] then records [type][sender][length 2 bytes][data]. The
        # vectors' frames authenticate metadata, which e2eedec does not take, so as they
        # are they exercise the drop path; their plaintext, encrypted by the harness's
        # senders, gives frames that decrypt, then altered, cut, or from a sender
        # e2eedec has no key for.
        pt = bytes.fromhex(v["pt"])
        add("e2eedec", bytes([sel]) + record(0, 0, ct))
        add("e2eedec", bytes([sel]) + record(1, 0, pt) + record(1, 1, pt) +
            record(1, 0x80, pt))
        add("e2eedec", bytes([sel]) + record(1, 0, pt) + record(2, 0, b"\x00\x05\x01" + pt) +
            record(1, 0, pt))
        add("e2eedec", bytes([sel]) + record(3, 1, b"\x00\x04" + pt) + record(1, 2, pt) +
            record(1, 3, pt) + record(0, 0, b"") + record(1, 1, pt))
        # key changes: a frame held for an unknown KID, then its key; a removed and
        # re-added key; a sender two ratchet steps ahead
        add("e2eedec", bytes([sel]) + record(1, 2, pt) + record(1 | 0x04, 2, pt) +
            record(1 | 0x08, 0, pt) + record(1 | 0x10, 0, pt) + record(1, 4, pt) +
            record(1, 0, pt))

    frames = load_frames(os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                      "frames"))
    layout_seeds(add, vectors, frames)
    depay_seeds(add, vectors, frames)
    srtpguard_seeds(add)

    for target, n in sorted(counts.items()):
        print(f"{target}: {n} seeds")


if __name__ == "__main__":
    main()
