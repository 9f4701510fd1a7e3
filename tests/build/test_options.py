#!/usr/bin/env python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""meson_options.txt: each plugin can be left out, and libsrtp2 is needed by
srtpguard only. Configure-only (no compiling): each case is a `meson setup` of the
source tree in a scratch directory, judged by the targets it would build.

Usage: test_options.py SOURCE_ROOT
"""
import glob
import json
import os
import shutil
import subprocess
import sys
import tempfile
from concurrent.futures import ThreadPoolExecutor

SRC = os.path.abspath(sys.argv[1])
PLUGINS = {'e2ee': 'gste2ee', 'srtpguard': 'gstsrtpguard',
           'encstatus': 'gstencstatus', 'rtpsframe': 'gstrtpsframe'}
# Configure only what the case is about: no GIR, tests or examples to set up.
BASE = ['-Dintrospection=disabled']


def no_srtp_pkgconfig(tmp):
    """A pkg-config directory with every .pc file but libsrtp2's."""
    d = os.path.join(tmp, 'pc-without-srtp')
    os.mkdir(d)
    out = subprocess.run(['pkg-config', '--variable', 'pc_path', 'pkg-config'],
                         capture_output=True, text=True, check=True).stdout.strip()
    for path in out.split(':'):
        for pc in glob.glob(os.path.join(path, '*.pc')):
            name = os.path.basename(pc)
            if name.startswith('libsrtp') or os.path.exists(os.path.join(d, name)):
                continue
            os.symlink(pc, os.path.join(d, name))
    return d


def configure(tmp, name, args, env=None):
    build = os.path.join(tmp, name)
    p = subprocess.run(['meson', 'setup', build, SRC] + BASE + args,
                       capture_output=True, text=True, env=env)
    if p.returncode != 0:
        return None, p.stdout + p.stderr
    out = subprocess.run(['meson', 'introspect', '--targets', build],
                         capture_output=True, text=True, check=True).stdout
    return {t['name'] for t in json.loads(out)}, p.stdout


def main():
    tmp = tempfile.mkdtemp(prefix='gst-e2ee-options-')
    failures = []
    try:
        env = dict(os.environ)
        env['PKG_CONFIG_LIBDIR'] = no_srtp_pkgconfig(tmp)
        env.pop('PKG_CONFIG_PATH', None)
        cases = []   # (name, args, env, expected plugins or None for "fails")
        for p in PLUGINS:
            cases.append(('no-' + p, ['-D%s=disabled' % p], None,
                          set(PLUGINS) - {p}))
        cases.append(('no-libsrtp2', [], env, set(PLUGINS) - {'srtpguard'}))
        cases.append(('no-libsrtp2-required', ['-Dsrtpguard=enabled'], env, None))
        with ThreadPoolExecutor(max_workers=2) as pool:
            results = list(pool.map(lambda c: configure(tmp, c[0], c[1], c[2]), cases))
        for (name, args, _, expected), (targets, log) in zip(cases, results):
            if expected is None:
                ok = targets is None and 'libsrtp2' in log
                print('%-22s %s: configure %s' % (name, ' '.join(args) or '(defaults)',
                      'fails naming libsrtp2' if ok else 'did not fail as it should'))
                if not ok:
                    failures.append(name)
                continue
            if targets is None:
                print('%-22s configure failed:\n%s' % (name, log))
                failures.append(name)
                continue
            built = {p for p, lib in PLUGINS.items() if lib in targets}
            ok = built == expected and 'gste2ee-1.0' in targets
            print('%-22s plugins %s%s' % (name, ', '.join(sorted(built)),
                  '' if ok else ' (expected %s)' % ', '.join(sorted(expected))))
            if not ok:
                failures.append(name)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    if failures:
        print('FAILED: ' + ', '.join(failures))
        return 1
    return 0


if __name__ == '__main__':
    sys.exit(main())
