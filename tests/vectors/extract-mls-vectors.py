#!/usr/bin/env python3
"""Copies into tests/vectors/mls/ and tests/vectors/hpke/ the official vectors the MLS
tests need, so that they run without ../shared.

    tests/vectors/extract-mls-vectors.py [SHARED_TESTDATA]   (default: ../shared/testdata
                                                              beside the repository)

MLS (mlswg/mls-implementations test-vectors/, see ../shared/testdata/mls/README.md):
each output file holds the suite-1 entries of its source (every entry for files without
a cipher suite), the source's SHA-256 and how many entries of other suites were left
out, so that a test can print them as not applicable instead of dropping them silently.

HPKE (RFC 9180 A.1, DHKEM(X25519, HKDF-SHA256), HKDF-SHA256, AES-128-GCM): the base
mode section (mode 0, the only one MLS uses) of the Markdown text, as JSON; the other
modes are counted.
"""
import collections
import hashlib
import json
import os
import re
import sys

MLS_FILES = ['deserialization.json', 'tree-math.json', 'crypto-basics.json',
             'key-schedule.json', 'transcript-hashes.json', 'secret-tree.json',
             'message-protection.json',
             'tree-validation.json', 'tree-operations.json', 'treekem.json',
             'messages.json']
# The Welcome and whole-protocol runs (mlsgroup).
MLS_FILES += ['welcome.json', 'passive-client-welcome.json',
              'passive-client-handling-commit.json', 'passive-client-random.json']
SUITE = 1


def extract_mls(src_dir, out_dir):
    for name in MLS_FILES:
        with open(os.path.join(src_dir, name), 'rb') as f:
            raw = f.read()
        entries = json.loads(raw)
        keep, others = [], collections.Counter()
        for e in entries:
            suite = e.get('cipher_suite') if isinstance(e, dict) else None
            if suite is None or suite == SUITE:
                keep.append(e)
            else:
                others[str(suite)] += 1
        out = {
            'source': 'mlswg/mls-implementations test-vectors/' + name + ' at cfd4502',
            'source_sha256': hashlib.sha256(raw).hexdigest(),
            'source_entries': len(entries),
            'other_suites': dict(sorted(others.items())),
            'entries': keep,
        }
        with open(os.path.join(out_dir, name), 'w') as f:
            json.dump(out, f, indent=1, sort_keys=True)
            f.write('\n')
        print(f'{name}: {len(keep)} of {len(entries)} entries')


def extract_hpke(src_dir, out_dir):
    name = 'x25519-sha256-aes128gcm.md'
    with open(os.path.join(src_dir, name), 'rb') as f:
        raw = f.read()
    text = raw.decode()
    sections = re.split(r'^### ', text, flags=re.M)[1:]
    modes = [s.split('\n', 1)[0] for s in sections]
    base = sections[0]
    assert base.startswith('Base Setup Information'), modes
    blocks = re.findall(r'~~~\n(.*?)~~~', base, flags=re.S)
    assert len(blocks) == 3, len(blocks)

    def records(block):
        """key: value pairs; a value may start on the next line and wrap."""
        out, cur = [], {}
        key = None
        for line in block.split('\n'):
            if not line.strip():
                if cur:
                    out.append(cur)
                cur, key = {}, None
                continue
            m = re.match(r'^([A-Za-z_ ]+):\s*(.*)$', line)
            if m:
                key = m.group(1).replace(' ', '_')
                cur[key] = m.group(2).strip()
            else:
                cur[key] += line.strip()
        if cur:
            out.append(cur)
        for rec in out:
            for k, val in rec.items():
                assert re.fullmatch(r'[0-9a-f]*', val), (k, val)
        return out

    setup = records(blocks[0])
    assert len(setup) == 1
    setup = setup[0]
    assert setup['mode'] == '0'
    encryptions = records(blocks[1])
    exports = records(blocks[2])
    out = {
        'source': 'RFC 9180 A.1 (cfrg/draft-irtf-cfrg-hpke at b1f7cb0), ' + name,
        'source_sha256': hashlib.sha256(raw).hexdigest(),
        'modes_left_out': modes[1:],
        'setup': setup,
        'encryptions': encryptions,
        'exports': exports,
    }
    with open(os.path.join(out_dir, 'rfc9180-a1-base.json'), 'w') as f:
        json.dump(out, f, indent=1, sort_keys=True)
        f.write('\n')
    print(f'{name}: base mode, {len(encryptions)} encryptions, {len(exports)} exports;'
          f' left out: {", ".join(modes[1:])}')


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    root = os.path.dirname(os.path.dirname(here))
    shared = sys.argv[1] if len(sys.argv) > 1 else os.path.join(root, '..', 'shared',
                                                                'testdata')
    extract_mls(os.path.join(shared, 'mls'), os.path.join(here, 'mls'))
    extract_hpke(os.path.join(shared, 'hpke'), os.path.join(here, 'hpke'))


if __name__ == '__main__':
    main()
