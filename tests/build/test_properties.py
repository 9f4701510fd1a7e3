#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""Properties, pad templates and plugin metadata that behave the same in every
gst-e2ee element (issue 16), read from the registry as gst-inspect-1.0 reads it:

* time properties are guint64 nanoseconds (GstClockTime), and say so;
* key properties are write-only;
* a property whose value in a new element is not its GParamSpec default (computed
  at run time: a random picture ID, a name from the element's) has
  GST_PARAM_DOC_SHOW_DEFAULT, so that gst-inspect-1.0 shows the default and not
  one element's value;
* pad templates name concrete caps: the template's, or where the element takes any
  media at run time (frame layout, pass-through) the documentation caps;
* plugins carry a real origin URL and a release date.
"""
import re
import sys

import gi
gi.require_version('Gst', '1.0')
from gi.repository import GObject, Gst  # noqa: E402

PLUGINS = ['e2ee', 'srtpguard', 'encstatus', 'rtpsframe']
# GST_PARAM_DOC_SHOW_DEFAULT: 1 << (G_PARAM_USER_SHIFT + 5)
DOC_SHOW_DEFAULT = 1 << (8 + 5)
# Property names that are times, and nothing else is: every one must be a guint64 in ns.
TIME_NAME = re.compile(r'(interval|period|timeout|latency|hold|after|delay|duration|age)$')
# ... except those that count something else (frames, bytes) by their name
NOT_TIME = re.compile(r'-(frames|bytes)$')
# A key or one of its kind (srtpguard's key, e2eeenc's key): not max-frames-per-key
KEY_NAME = re.compile(r'^(key|.*[a-z]-key)$(?<!-per-key)')

failures = []


def fail(msg):
    failures.append(msg)
    print('FAIL: ' + msg)


def element_factories():
    for name in PLUGINS:
        plugin = Gst.Registry.get().find_plugin(name)
        if plugin is None:
            fail('plugin %s not found' % name)
            continue
        origin = plugin.get_origin()
        if not re.match(r'https://', origin) or 'example' in origin:
            fail('plugin %s: origin %r is no real URL' % (name, origin))
        date = plugin.get_release_date_string()
        if not date or not re.match(r'\d{4}-\d{2}-\d{2}', date):
            fail('plugin %s: release date %r' % (name, date))
        for f in Gst.Registry.get().get_feature_list_by_plugin(name):
            if isinstance(f, Gst.ElementFactory):
                yield f



def check_properties(factory, checked):
    name = factory.get_name()
    e1 = factory.create(None)
    e2 = factory.create(None)
    for pspec in e1.list_properties():
        if pspec.owner_type in (GObject.Object.__gtype__, Gst.Object.__gtype__):
            continue
        pname = pspec.name
        where = '%s:%s' % (name, pname)
        readable = bool(pspec.flags & GObject.ParamFlags.READABLE)
        if TIME_NAME.search(pname) and not NOT_TIME.search(pname):
            checked['time'] += 1
            if pspec.value_type != GObject.TYPE_UINT64:
                fail('%s is a time but a %s, not a guint64 in ns' %
                     (where, GObject.type_name(pspec.value_type)))
            elif not re.search(r'\bns\b|nanosecond', pspec.blurb):
                fail('%s: the description does not say ns: %r' % (where, pspec.blurb))
        if KEY_NAME.match(pname):
            checked['key'] += 1
            if readable:
                fail('%s is a key and readable' % where)
        if not readable or isinstance(pspec, (GObject.ParamSpecObject,)):
            continue
        # boxed values and arrays have no default beyond NULL to show
        if pspec.value_type in (GObject.TYPE_POINTER, Gst.ValueArray.__gtype__,
                                Gst.ValueList.__gtype__) or GObject.type_is_a(
                pspec.value_type, GObject.TYPE_BOXED):
            continue
        checked['default'] += 1
        v1 = e1.get_property(pname)
        v2 = e2.get_property(pname)
        default = pspec.default_value
        if (v1 != default or v2 != default) and not (pspec.flags & DOC_SHOW_DEFAULT):
            fail('%s: a new element holds %r (and another %r), not the default %r, '
                 'without GST_PARAM_DOC_SHOW_DEFAULT' % (where, v1, v2, default))


# Elements that take any media by design, with the reason
ANY_MEDIA = {'encstatus': 'reads the marks of any stream it passes through'}


def check_templates(factory, checked):
    element = factory.create(None)
    if factory.get_name() in ANY_MEDIA:
        return
    for templ in element.get_pad_template_list():
        checked['template'] += 1
        caps = templ.get_documentation_caps()
        if caps.is_any() or caps.is_empty():
            fail('%s: pad template %s documents %s caps' %
                 (factory.get_name(), templ.name_template, caps.to_string()))


def main():
    Gst.init(None)
    checked = {'time': 0, 'key': 0, 'default': 0, 'template': 0}
    n = 0
    for factory in element_factories():
        n += 1
        check_properties(factory, checked)
        check_templates(factory, checked)
    print('%d elements: %d time properties, %d key properties, %d defaults, '
          '%d pad templates checked' % (n, checked['time'], checked['key'],
                                        checked['default'], checked['template']))
    if n < 7 or checked['time'] == 0 or checked['key'] == 0:
        fail('too little found to check')
    return 1 if failures else 0


if __name__ == '__main__':
    sys.exit(main())
