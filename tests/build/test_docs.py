#!/usr/bin/env python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""Docs that cannot drift (issue 16):

1. docs/gst_plugins_cache.json is what the build's registry gives
   (scripts/gen-plugins-cache.py --check): a property, signal or pad template
   added, removed or changed without regenerating it fails here.
2. The property tables of docs/ELEMENT.md agree with it: every property of the
   element is in its table and every row names a property, with the type, access
   (read/write, read-only, write-only) and, where the table says, when it may
   change, as the element registers them. srtpguard.md's tables by topic name real properties with their
   defaults.

Usage: test_docs.py SOURCE_ROOT BUILD_DIR
"""
import json
import os
import re
import subprocess
import sys

src, build = sys.argv[1], sys.argv[2]
failures = []


def fail(msg):
    failures.append(msg)
    print('FAIL: ' + msg)


r = subprocess.run(['/usr/bin/python3', os.path.join(src, 'scripts', 'gen-plugins-cache.py'),
                    build, '--check'], capture_output=True, text=True)
print(r.stdout[-4000:], end='')
if r.returncode != 0:
    fail('docs/gst_plugins_cache.json differs from the build (run scripts/update-docs.sh)')

with open(os.path.join(src, 'docs', 'gst_plugins_cache.json'), encoding='utf-8') as f:
    cache = json.load(f)
elements = {name: e for p in cache.values() for name, e in p['elements'].items()}

TYPE_ALIASES = {'string': 'gchararray', 'boolean': 'gboolean', 'uint': 'guint',
                'int': 'gint', 'uint64': 'guint64', 'int64': 'gint64'}
ACCESS = {'read/write': (True, True), 'read-only': (True, False), 'read': (True, False),
          'write-only': (False, True)}
MUTABLE = [('changeable while playing', 'playing'), ('only in null or ready', 'ready'),
           ('(null, ready)', 'ready'), ('changeable while paused', 'paused')]


def rows(text, header_re):
    """The rows of each table whose header matches, as lists of cells."""
    out = []
    lines = text.splitlines()
    for i, line in enumerate(lines):
        if not re.match(header_re, line, re.I):
            continue
        for row in lines[i + 2:]:
            if not row.startswith('|'):
                break
            cells = [c.strip() for c in row.strip().strip('|').split('|')]
            m = re.match(r'^`([a-z0-9-]+)`$', cells[0])
            if m:
                out.append([m.group(1)] + cells[1:])
    return out


checked = 0
for name, element in sorted(elements.items()):
    path = os.path.join(src, 'docs', name + '.md')
    if not os.path.exists(path):
        fail('%s has no docs/%s.md' % (name, name))
        continue
    with open(path, encoding='utf-8') as f:
        text = f.read()
    if 'gst_plugins_cache.json' not in text:
        fail('docs/%s.md does not link to the generated reference' % name)
    props = element.get('properties', {})
    if name == 'srtpguard':
        for row in rows(text, r'^\| property \| default \|'):
            checked += 1
            p = props.get(row[0])
            if p is None:
                fail('docs/%s.md: no property %s' % (name, row[0]))
                continue
            doc_default = row[1].split(' ')[0].strip('`')
            if p.get('default', '').split(' ')[0] != doc_default:
                fail('docs/%s.md: %s defaults to %s, not %s' %
                     (name, row[0], p.get('default'), row[1]))
        continue
    table = rows(text, r'^\| (name|property) \| type \| default \| (flags|access) \|')
    if not table:
        fail('docs/%s.md has no property table' % name)
        continue
    documented = {row[0] for row in table}
    for missing in sorted(set(props) - documented):
        fail('docs/%s.md: property %s is not in the table' % (name, missing))
    for row in table:
        checked += 1
        p = props.get(row[0])
        if p is None:
            fail('docs/%s.md: %s is no property of %s' % (name, row[0], name))
            continue
        # the type's name; what follows (a unit, a range) is for the reader
        doc_type = row[1].split(' ')[0].strip('`')
        doc_type = TYPE_ALIASES.get(doc_type, doc_type)
        if doc_type != p['type']:
            fail('docs/%s.md: %s is a %s, not %s' % (name, row[0], p['type'], row[1]))
        flags = row[3].lower().replace('*', '')
        access = [v for k, v in ACCESS.items() if flags.startswith(k)]
        if not access or access[0] != (p['readable'], p['writable']):
            fail('docs/%s.md: %s is %s, the table says %r' % (
                name, row[0], 'read/write' if p['readable'] and p['writable'] else
                'read-only' if p['readable'] else 'write-only', row[3]))
        mut = [v for k, v in MUTABLE if k in flags]
        if p['writable'] and mut:
            if mut[0] != p['mutable']:
                fail('docs/%s.md: %s may change in state %s, the table says %r' % (
                    name, row[0], p['mutable'].upper(), row[3]))

print('docs: %d table rows checked against docs/gst_plugins_cache.json' % checked)
sys.exit(1 if failures else 0)
