#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""Writes the element reference of gst-e2ee's plugins in GStreamer's
gst_plugins_cache.json format (what hotdoc's gst extension reads; hotdoc is not in
Debian 12), from the registry, through GObject introspection: every element's
metadata, pad templates (their documentation caps), properties (type, range,
default, flags), signals, and the enum and flags types they use.

  scripts/gen-plugins-cache.py BUILD_DIR [OUTPUT]     # default docs/gst_plugins_cache.json
  scripts/gen-plugins-cache.py BUILD_DIR --check      # exit 1 when the file differs

Run with /usr/bin/python3 (it has PyGObject). Only the plugins of BUILD_DIR are read,
with a registry of its own. scripts/update-docs.sh builds and regenerates.
"""
import difflib
import json
import os
import subprocess
import sys
import tempfile

PLUGINS = ['e2ee', 'srtpguard', 'encstatus', 'rtpsframe']
DOC_SHOW_DEFAULT = 1 << (8 + 5)          # GST_PARAM_DOC_SHOW_DEFAULT
# GST_PARAM_MUTABLE_PLAYING, _PAUSED, _READY
MUTABLE = [(1 << (8 + 4), 'playing'), (1 << (8 + 3), 'paused'), (1 << (8 + 2), 'ready')]
CONTROLLABLE = 1 << (8 + 1)              # GST_PARAM_CONTROLLABLE
CONDITIONALLY_AVAILABLE = 1 << (8 + 6)   # GST_PARAM_CONDITIONALLY_AVAILABLE
ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DEFAULT_OUTPUT = os.path.join(ROOT, 'docs', 'gst_plugins_cache.json')


def in_own_environment(build):
    """Re-runs this script with only BUILD_DIR's plugins on the path."""
    if os.environ.get('GST_E2EE_DOCS_CACHE_ENV') == build:
        return
    env = dict(os.environ)
    env['GST_E2EE_DOCS_CACHE_ENV'] = build
    env['GST_PLUGIN_PATH_1_0'] = os.path.join(build, 'ext') + ':' + os.path.join(build, 'gst')
    env['LD_LIBRARY_PATH'] = os.path.join(build, 'gst-libs', 'gst', 'e2ee') + (
        ':' + env['LD_LIBRARY_PATH'] if env.get('LD_LIBRARY_PATH') else '')
    env.pop('GST_PLUGIN_PATH', None)
    # deterministic text: no translations
    env['LC_ALL'] = 'C'
    env.pop('LANGUAGE', None)
    with tempfile.TemporaryDirectory() as tmp:
        env['GST_REGISTRY_1_0'] = os.path.join(tmp, 'registry.bin')
        sys.exit(subprocess.run([sys.executable] + sys.argv, env=env).returncode)


def main():
    if len(sys.argv) < 2:
        print(__doc__, file=sys.stderr)
        return 2
    build = os.path.abspath(sys.argv[1])
    in_own_environment(build)

    import gi
    gi.require_version('Gst', '1.0')
    from gi.repository import GObject, Gst
    Gst.init(None)

    def type_name(gtype):
        return GObject.type_name(gtype)

    def enum_values(gtype):
        cls = GObject.enum_add(gtype) if not hasattr(gtype, 'pytype') or gtype.pytype is None \
            else gtype.pytype
        return sorted(cls.__enum_values__.values(), key=int)

    def flags_values(gtype):
        cls = GObject.flags_add(gtype) if gtype.pytype is None else gtype.pytype
        return sorted(cls.__flags_values__.values(), key=int)

    def serialize_type(gtype, other):
        name = type_name(gtype)
        if name in other:
            return
        ok, _ = Gst.type_is_plugin_api(gtype)
        if not ok:
            return
        if GObject.type_is_a(gtype, GObject.TYPE_ENUM):
            other[name] = {'kind': 'enum', 'values': [
                {'name': v.value_nick, 'value': str(int(v)), 'desc': v.value_name}
                for v in enum_values(gtype)]}
        elif GObject.type_is_a(gtype, GObject.TYPE_FLAGS):
            other[name] = {'kind': 'flags', 'values': [
                {'name': v.first_value_nick, 'value': '0x%08x' % int(v),
                 'desc': v.first_value_name} for v in flags_values(gtype)]}

    def flags_nicks(gtype, value):
        nicks = [v.first_value_nick for v in reversed(flags_values(gtype))
                 if int(v) and (value & int(v)) == int(v)]
        exact = [v.first_value_nick for v in flags_values(gtype) if int(v) == value]
        if exact:
            return exact[0]
        return '+'.join(nicks) if nicks else '(none)'

    def default_fields(spec, value):
        t = spec.value_type
        out = {}
        if t == GObject.TYPE_STRING:
            out['default'] = 'NULL' if value is None else value
        elif t == GObject.TYPE_BOOLEAN:
            out['default'] = 'true' if value else 'false'
        elif t in (GObject.TYPE_INT, GObject.TYPE_UINT, GObject.TYPE_INT64,
                   GObject.TYPE_UINT64, GObject.TYPE_LONG, GObject.TYPE_ULONG):
            out['default'] = str(value)
            out['min'] = str(spec.minimum)
            out['max'] = str(spec.maximum)
        elif t in (GObject.TYPE_FLOAT, GObject.TYPE_DOUBLE):
            out['default'] = '%g' % value
            out['min'] = '%g' % spec.minimum
            out['max'] = '%g' % spec.maximum
        elif GObject.type_is_a(t, GObject.TYPE_ENUM):
            v = int(value)
            nick = [e.value_nick for e in enum_values(t) if int(e) == v]
            out['default'] = '%s (%d)' % (nick[0] if nick else '', v)
        elif GObject.type_is_a(t, GObject.TYPE_FLAGS):
            out['default'] = flags_nicks(t, int(value))
        elif t == Gst.Caps.__gtype__:
            out['default'] = 'NULL' if value is None else value.to_string()
        return out

    def caps_text(caps):
        if caps.is_any():
            return 'ANY'
        if caps.is_empty():
            return 'EMPTY'
        return ';\n'.join(caps.get_structure(i).to_string().rstrip(';')
                           for i in range(caps.get_size())) + '\n'

    def element_entry(factory, other):
        element = factory.create(None)
        gtype = factory.get_element_type()
        hierarchy = []
        t = gtype
        while t != GObject.TYPE_INVALID and t.name:
            hierarchy.append(type_name(t))
            t = t.parent
        entry = {
            'author': factory.get_metadata('author'),
            'description': factory.get_metadata('description'),
            'hierarchy': hierarchy,
            'klass': factory.get_metadata('klass'),
            'long-name': factory.get_metadata('long-name'),
            'rank': {Gst.Rank.NONE: 'none', Gst.Rank.MARGINAL: 'marginal',
                     Gst.Rank.SECONDARY: 'secondary', Gst.Rank.PRIMARY: 'primary'}.get(
                         factory.get_rank(), str(factory.get_rank())),
        }
        interfaces = [type_name(i) for i in GObject.type_interfaces(gtype)]
        if interfaces:
            entry['interfaces'] = interfaces
        templates = {}
        for templ in element.get_pad_template_list():
            templates[templ.name_template] = {
                'caps': caps_text(templ.get_documentation_caps()),
                'direction': 'sink' if templ.direction == Gst.PadDirection.SINK else 'src',
                'presence': {Gst.PadPresence.ALWAYS: 'always',
                             Gst.PadPresence.SOMETIMES: 'sometimes',
                             Gst.PadPresence.REQUEST: 'request'}[templ.presence],
            }
        if templates:
            entry['pad-templates'] = templates
        props = {}
        for spec in element.list_properties():
            if spec.owner_type != gtype:
                continue
            readable = bool(spec.flags & GObject.ParamFlags.READABLE)
            if readable and not spec.flags & DOC_SHOW_DEFAULT:
                value = element.get_property(spec.name)
            else:
                value = spec.default_value
            mutable = 'null'
            for bit, name in MUTABLE:
                if spec.flags & bit:
                    mutable = name
                    break
            p = {
                'blurb': spec.blurb,
                'conditionally-available': bool(spec.flags & CONDITIONALLY_AVAILABLE),
                'construct': bool(spec.flags & GObject.ParamFlags.CONSTRUCT),
                'construct-only': bool(spec.flags & GObject.ParamFlags.CONSTRUCT_ONLY),
                'controllable': bool(spec.flags & CONTROLLABLE),
                'mutable': mutable,
                'readable': readable,
                'type': type_name(spec.value_type),
                'writable': bool(spec.flags & GObject.ParamFlags.WRITABLE),
            }
            try:
                p.update(default_fields(spec, value))
            except TypeError:
                pass
            props[spec.name] = p
            serialize_type(spec.value_type, other)
        if props:
            entry['properties'] = props
        signals = {}
        for sid in GObject.signal_list_ids(gtype):
            q = GObject.signal_query(sid)
            s = {
                'args': [{'name': 'arg%d' % i, 'type': type_name(t)}
                         for i, t in enumerate(q.param_types)],
                'return-type': type_name(q.return_type),
            }
            f = q.signal_flags
            if f & GObject.SignalFlags.RUN_FIRST:
                s['when'] = 'first'
            elif f & GObject.SignalFlags.RUN_LAST:
                s['when'] = 'last'
            elif f & GObject.SignalFlags.RUN_CLEANUP:
                s['when'] = 'cleanup'
            if f & GObject.SignalFlags.ACTION:
                s['action'] = True
            if f & GObject.SignalFlags.DETAILED:
                s['detailed'] = True
            signals[q.signal_name] = s
            for t in list(q.param_types) + [q.return_type]:
                serialize_type(t, other)
        if signals:
            entry['signals'] = signals
        return entry

    registry = Gst.Registry.get()
    cache = {}
    for name in PLUGINS:
        plugin = registry.find_plugin(name)
        if plugin is None:
            print('gen-plugins-cache: plugin %s is not in %s' % (name, build), file=sys.stderr)
            return 1
        other = {}
        elements = {}
        for f in registry.get_feature_list_by_plugin(name):
            if isinstance(f, Gst.ElementFactory):
                elements[f.get_name()] = element_entry(f, other)
        filename = os.path.basename(plugin.get_filename())
        if filename.startswith('lib'):
            filename = filename[3:]
        filename = filename.rsplit('.so', 1)[0]
        cache[name] = {
            'description': plugin.get_description(),
            'elements': elements,
            'filename': filename,
            'license': plugin.get_license(),
            'other-types': other,
            'package': plugin.get_package(),
            'source': plugin.get_source(),
            'tracers': {},
            'url': plugin.get_origin(),
        }
    text = json.dumps(cache, indent=4, sort_keys=True, ensure_ascii=False) + '\n'

    if len(sys.argv) > 2 and sys.argv[2] == '--check':
        with open(DEFAULT_OUTPUT, encoding='utf-8') as f:
            committed = f.read()
        if committed == text:
            print('gen-plugins-cache: docs/gst_plugins_cache.json matches the build')
            return 0
        sys.stdout.writelines(difflib.unified_diff(
            committed.splitlines(True), text.splitlines(True),
            'docs/gst_plugins_cache.json (committed)', 'what the build gives'))
        print('gen-plugins-cache: docs/gst_plugins_cache.json differs from the build: '
              'run scripts/update-docs.sh and commit it')
        return 1
    out = sys.argv[2] if len(sys.argv) > 2 else DEFAULT_OUTPUT
    with open(out, 'w', encoding='utf-8') as f:
        f.write(text)
    print('gen-plugins-cache: wrote %s (%d elements)' % (
        out, sum(len(p['elements']) for p in cache.values())))
    return 0


if __name__ == '__main__':
    sys.exit(main())
