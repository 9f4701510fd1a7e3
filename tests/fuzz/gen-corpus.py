#!/usr/bin/env python3
# gst-e2ee fuzzing: writes the seed corpora of the fuzz targets from the RFC 9605 test
# vectors (tests/vectors/rfc9605-test-vectors.json), in the input format of each target.
# Seeds are generated, never committed: the vectors are the single source.
#
#   gen-corpus.py VECTORS.json OUTDIR   -> OUTDIR/{sframe-header,sframe-decrypt,e2eedec}/
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

    for target, n in sorted(counts.items()):
        print(f"{target}: {n} seeds")


if __name__ == "__main__":
    main()
