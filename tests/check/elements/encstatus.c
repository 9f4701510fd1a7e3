/* gst-e2ee: encstatus tests
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Each test uses meetings of its own name: with CK_FORK=no all tests share the
 * process, and meetings are process-wide.
 *
 * To regenerate docs/encstatus-shield.png:
 *   GST_ENCSTATUS_DOCS_PNG=$PWD/docs/encstatus-shield.png \
 *     meson test -C build elements/encstatus
 */

#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <gst/check/gstcheck.h>
#include <gst/check/gstharness.h>
#include <gst/app/app.h>
#include <gst/video/video.h>
#include <gst/e2ee/e2ee.h>
#include <glib/gstdio.h>
#include <string.h>
#include "../hangguard.h"
#include "../skips.h"

#define E2EE GST_E2EE_ENCRYPTION_LEVEL_E2EE
#define ENCRYPTED GST_E2EE_ENCRYPTION_LEVEL_ENCRYPTED
#define PARTIAL GST_E2EE_ENCRYPTION_LEVEL_PARTIALLY_ENCRYPTED
#define UNENCRYPTED GST_E2EE_ENCRYPTION_LEVEL_UNENCRYPTED

#define KEY_HEX "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f"

/* The shield's documented colours and probe pixels (64-pixel shield, see
 * gst/encstatus/gstencshield.c and docs/encstatus.md). */
#define GREEN 0x1E9E4A
#define ORANGE 0xF0850F
#define WHITE 0xFFFFFF
#define SHIELD 64
#define MARGIN (SHIELD / 4)
#define P_FILL_X 32
#define P_FILL_Y 12
#define P_EXCL_X 32
#define P_EXCL_Y 25
#define P_CHECK_X 42
#define P_CHECK_Y 25
#define P_LOCK_X 22
#define P_LOCK_Y 44

/* ------------------------------------------------------------------------------------ */
/* Helpers                                                                              */

typedef struct
{
  GstHarness *h;
  GstBus *bus;
} Stream;

static Stream
stream_new_full (const gchar * meeting, const gchar * name, const gchar * kind,
    GstBus * bus)
{
  GstElement *e = gst_element_factory_make ("encstatus", NULL);
  Stream s;

  fail_unless (e != NULL);
  g_object_set (e, "meeting", meeting, "stream-name", name, NULL);
  if (kind)
    gst_util_set_object_arg (G_OBJECT (e), "stream-kind", kind);
  s.bus = bus ? gst_object_ref (bus) : gst_bus_new ();
  gst_element_set_bus (e, s.bus);
  s.h = gst_harness_new_with_element (e, "sink", "src");
  gst_object_unref (e);
  gst_harness_set_src_caps_str (s.h, "application/x-test");
  return s;
}

static Stream
stream_new (const gchar * meeting, const gchar * name, const gchar * kind)
{
  return stream_new_full (meeting, name, kind, NULL);
}

static void
stream_free (Stream * s)
{
  gst_element_set_bus (s->h->element, NULL);
  gst_harness_teardown (s->h);
  gst_bus_set_flushing (s->bus, TRUE);
  gst_object_unref (s->bus);
}

static GstBuffer *
new_buffer (void)
{
  GstBuffer *buf = gst_buffer_new_allocate (NULL, 32, NULL);

  gst_buffer_memset (buf, 0, 0x5a, 32);
  return buf;
}

/* Pushes one buffer, returns the buffer that came out (with its status meta). */
static GstBuffer *
push (Stream * s, GstBuffer * buf)
{
  GstBuffer *out = gst_harness_push_and_pull (s->h, buf);

  fail_unless (out != NULL);
  return out;
}

/* Pushes @buf; returns the meeting's level it came out with, and the stream's own in
 * *@stream_level if asked. */
static GstE2eeEncryptionLevel
push_levels (Stream * s, GstBuffer * buf, GstE2eeEncryptionLevel * stream_level)
{
  GstBuffer *out = push (s, buf);
  GstE2eeStatusMeta *sm = gst_buffer_get_e2ee_status_meta (out);
  GstE2eeEncryptionLevel level = sm->meeting_level;

  if (stream_level)
    *stream_level = sm->stream_level;
  gst_buffer_unref (out);
  return level;
}

/* A frame as e2eedec gives it, or one whose tag did not verify. */
static GstBuffer *
e2ee_buffer (gboolean authenticated)
{
  GstBuffer *buf = new_buffer ();

  gst_buffer_add_e2ee_meta (buf, authenticated, 7, 1,
      GST_E2EE_CIPHER_SUITE_AES_256_GCM_SHA512_128);
  return buf;
}

/* A frame as e2eeenc gives it. */
static GstBuffer *
sent_buffer (void)
{
  GstBuffer *buf = new_buffer ();

  gst_buffer_add_e2ee_sender_meta (buf, 7, 1,
      GST_E2EE_CIPHER_SUITE_AES_256_GCM_SHA512_128);
  return buf;
}

static GstE2eeEncryptionLevel
push_e2ee (Stream * s, gboolean authenticated)
{
  return push_levels (s, e2ee_buffer (authenticated), NULL);
}

static GstE2eeEncryptionLevel
push_transport (Stream * s, gboolean media, gboolean signaling, gboolean tls)
{
  GstBuffer *buf = new_buffer ();

  gst_buffer_add_e2ee_transport_meta (buf, 0x1234, media, media, signaling, tls,
      media ? 80 : 0);
  return push_levels (s, buf, NULL);
}

static GstE2eeEncryptionLevel
push_plain (Stream * s)
{
  return push_levels (s, new_buffer (), NULL);
}

static GstE2eeEncryptionLevel
status_of (Stream * s)
{
  GstE2eeEncryptionLevel level;

  g_object_get (s->h->element, "status", &level, NULL);
  return level;
}

static const gchar *
level_nick (GstE2eeEncryptionLevel level)
{
  GEnumClass *c = g_type_class_ref (GST_TYPE_E2EE_ENCRYPTION_LEVEL);
  const gchar *nick = g_enum_get_value (c, level)->value_nick;

  g_type_class_unref (c);
  return nick;
}

#define assert_level(got, want) \
  fail_unless_equals_string (level_nick (got), level_nick (want))

/* The exceptions as a GValue array of structures; free with g_value_unset(). */
static void
get_exceptions (Stream * s, GValue * v)
{
  g_object_get_property (G_OBJECT (s->h->element), "exceptions", v);
}

static const GstStructure *
exception_for (const GValue * exceptions, const gchar * stream)
{
  guint i;

  for (i = 0; i < gst_value_array_get_size (exceptions); i++) {
    const GstStructure *e =
        gst_value_get_structure (gst_value_array_get_value (exceptions, i));

    if (g_str_equal (gst_structure_get_string (e, "stream"), stream))
      return e;
  }
  return NULL;
}

/* "a,b,c" from a GstValueArray of strings */
static gchar *
joined_strings (const GValue * array)
{
  GString *s = g_string_new (NULL);
  guint i;

  for (i = 0; i < gst_value_array_get_size (array); i++) {
    if (i)
      g_string_append_c (s, ',');
    g_string_append (s, g_value_get_string (gst_value_array_get_value (array, i)));
  }
  return g_string_free (s, FALSE);
}

static void
assert_lacks (const GstStructure * e, const gchar * expected)
{
  gchar *got = joined_strings (gst_structure_get_value (e, "lacks"));

  fail_unless_equals_string (got, expected);
  g_free (got);
}

/* The next element message called @name on @bus, or NULL. */
static GstMessage *
pop_element_message (GstBus * bus, const gchar * name)
{
  GstMessage *msg;

  while ((msg = gst_bus_pop_filtered (bus, GST_MESSAGE_ELEMENT))) {
    if (gst_message_has_name (msg, name))
      return msg;
    gst_message_unref (msg);
  }
  return NULL;
}

/* The last `encstatus` message on @bus (dropping the ones before), or NULL. */
static GstMessage *
last_status_message (GstBus * bus)
{
  GstMessage *msg, *last = NULL;

  while ((msg = pop_element_message (bus, "encstatus"))) {
    if (last)
      gst_message_unref (last);
    last = msg;
  }
  return last;
}

static GstE2eeEncryptionLevel
message_level (GstMessage * msg, const gchar * field)
{
  gint v = -1;

  fail_unless (gst_structure_get_enum (gst_message_get_structure (msg), field,
          GST_TYPE_E2EE_ENCRYPTION_LEVEL, &v));
  return v;
}

/* ------------------------------------------------------------------------------------ */
/* The indicator                                                                        */

/* The services' shield table, one connection per meeting. */
GST_START_TEST (test_indicator_table)
{
  static const struct
  {
    gboolean media, signaling, tls;
    GstE2eeEncryptionLevel level;
    const gchar *lacks;
  } table[] = {
    {TRUE, TRUE, TRUE, ENCRYPTED, "end-to-end-encryption"},
    {TRUE, TRUE, FALSE, PARTIAL, "end-to-end-encryption,tls-certificate"},
    {TRUE, FALSE, FALSE, PARTIAL,
        "end-to-end-encryption,signaling-encryption,tls-certificate"},
    {FALSE, FALSE, FALSE, PARTIAL,
        "end-to-end-encryption,media-encryption,signaling-encryption,tls-certificate"},
  };
  guint i;

  for (i = 0; i < G_N_ELEMENTS (table); i++) {
    gchar *meeting = g_strdup_printf ("table-%u", i);
    Stream s = stream_new (meeting, "room", NULL);
    GValue exc = G_VALUE_INIT;
    const GstStructure *e;

    assert_level (push_transport (&s, table[i].media, table[i].signaling,
            table[i].tls), table[i].level);
    assert_level (status_of (&s), table[i].level);

    get_exceptions (&s, &exc);
    fail_unless_equals_int (gst_value_array_get_size (&exc), 1);
    e = exception_for (&exc, "room");
    fail_unless (e != NULL);
    assert_lacks (e, table[i].lacks);
    g_value_unset (&exc);

    stream_free (&s);
    g_free (meeting);
  }
}

GST_END_TEST;

GST_START_TEST (test_all_e2ee_gives_lock)
{
  Stream a = stream_new ("all-e2ee", "alice", NULL);
  Stream b = stream_new ("all-e2ee", "bob", NULL);
  GValue exc = G_VALUE_INIT;
  GstBuffer *out;
  GstE2eeStatusMeta *sm;

  assert_level (status_of (&a), UNENCRYPTED);
  assert_level (push_e2ee (&a, TRUE), E2EE);
  assert_level (push_e2ee (&b, TRUE), E2EE);
  assert_level (status_of (&a), E2EE);
  assert_level (status_of (&b), E2EE);

  get_exceptions (&a, &exc);
  fail_unless_equals_int (gst_value_array_get_size (&exc), 0);
  g_value_unset (&exc);

  /* the meta on the buffers */
  {
    GstBuffer *buf = new_buffer ();

    gst_buffer_add_e2ee_meta (buf, TRUE, 7, 2, GST_E2EE_CIPHER_SUITE_AES_128_GCM_SHA256_128);
    out = push (&b, buf);
  }
  sm = gst_buffer_get_e2ee_status_meta (out);
  fail_unless (sm != NULL);
  fail_unless_equals_string (gst_e2ee_status_meta_get_meeting (sm), "all-e2ee");
  fail_unless_equals_string (gst_e2ee_status_meta_get_stream (sm), "bob");
  assert_level (sm->meeting_level, E2EE);
  assert_level (sm->stream_level, E2EE);
  fail_unless_equals_int (sm->n_exceptions, 0);
  fail_unless (!sm->downgraded);
  fail_unless (sm->generation >= 1);
  /* the E2EE meta passes untouched */
  fail_unless (gst_buffer_get_e2ee_meta (out) != NULL);
  /* copies of the bytes keep the status they passed with */
  {
    GstBuffer *copy = gst_buffer_copy (out);
    GstE2eeStatusMeta *cm = gst_buffer_get_e2ee_status_meta (copy);

    fail_unless (cm != NULL && cm != sm);
    fail_unless_equals_string (gst_e2ee_status_meta_get_stream (cm), "bob");
    assert_level (cm->meeting_level, E2EE);
    fail_unless_equals_uint64 (cm->generation, sm->generation);
    gst_buffer_unref (copy);
  }
  gst_buffer_unref (out);

  stream_free (&a);
  stream_free (&b);
}

GST_END_TEST;

/* Without metadata the declared kind decides. */
GST_START_TEST (test_stream_kinds)
{
  static const struct
  {
    const gchar *kind;
    GstE2eeEncryptionLevel level;
  } table[] = {
    {"auto", UNENCRYPTED},
    {"plain", UNENCRYPTED},
    {"e2ee", ENCRYPTED},
    {"srtp", ENCRYPTED},
    {"recording", ENCRYPTED},
    {"pstn", PARTIAL},
    {"sip", PARTIAL},
    {"h323", PARTIAL},
    {"rtmp", PARTIAL},
  };
  guint i;

  for (i = 0; i < G_N_ELEMENTS (table); i++) {
    gchar *meeting = g_strdup_printf ("kinds-%s", table[i].kind);
    Stream s = stream_new (meeting, "leg", table[i].kind);

    GST_INFO ("kind %s", table[i].kind);
    assert_level (push_plain (&s), table[i].level);
    stream_free (&s);
    g_free (meeting);
  }
}

GST_END_TEST;

/* E2EE metadata never makes a gateway leg end to end. */
GST_START_TEST (test_gateway_kinds_never_e2ee)
{
  const gchar *kinds[] = { "pstn", "sip", "h323", "rtmp", "recording" };
  guint i;

  for (i = 0; i < G_N_ELEMENTS (kinds); i++) {
    gchar *meeting = g_strdup_printf ("gateway-%s", kinds[i]);
    Stream s = stream_new (meeting, "leg", kinds[i]);

    fail_if (push_e2ee (&s, TRUE) == E2EE, "%s counted as end to end", kinds[i]);
    stream_free (&s);
    g_free (meeting);
  }
}

GST_END_TEST;

GST_START_TEST (test_partially_vs_unencrypted)
{
  Stream a = stream_new ("mixed-plain", "a", "plain");
  Stream b = stream_new ("mixed-plain", "b", "plain");
  Stream c = stream_new ("mixed-plain", "c", "srtp");

  assert_level (push_plain (&a), UNENCRYPTED);
  assert_level (push_plain (&b), UNENCRYPTED);
  /* one encrypted stream: no longer nothing encrypted */
  assert_level (push_plain (&c), PARTIAL);
  stream_free (&a);
  stream_free (&b);
  stream_free (&c);
}

GST_END_TEST;

/* ------------------------------------------------------------------------------------ */
/* Mixed meetings                                                                       */

GST_START_TEST (test_mixed_meeting_sip)
{
  Stream a = stream_new ("mixed-sip", "alice", "e2ee");
  Stream b = stream_new ("mixed-sip", "bob", "e2ee");
  Stream sip = stream_new ("mixed-sip", "room-12", "sip");
  GValue exc = G_VALUE_INIT;
  const GstStructure *e;
  gint kind;

  push_e2ee (&a, TRUE);
  push_e2ee (&b, TRUE);
  assert_level (status_of (&a), E2EE);

  /* a SIP leg through srtpguard: SRTP media, SIP over TLS, valid certificate */
  assert_level (push_transport (&sip, TRUE, TRUE, TRUE), ENCRYPTED);
  assert_level (status_of (&a), ENCRYPTED);

  get_exceptions (&a, &exc);
  fail_unless_equals_int (gst_value_array_get_size (&exc), 1);
  e = exception_for (&exc, "room-12");
  fail_unless (e != NULL);
  assert_lacks (e, "end-to-end-encryption");
  fail_unless (gst_structure_get_enum (e, "kind", g_type_from_name ("GstEncStreamKind"),
          &kind));
  /* an E2EE meeting must not take SIP joins: flagged */
  fail_unless_equals_string (gst_structure_get_string (e, "restricted-feature"),
      "sip-join");
  g_value_unset (&exc);

  stream_free (&sip);
  /* the SIP leg left */
  assert_level (status_of (&a), E2EE);
  stream_free (&a);
  stream_free (&b);
}

GST_END_TEST;

GST_START_TEST (test_mixed_meeting_h323)
{
  Stream a = stream_new ("mixed-h323", "alice", "e2ee");
  Stream h323 = stream_new ("mixed-h323", "room-3", "h323");
  GValue exc = G_VALUE_INIT;
  const GstStructure *e;

  push_e2ee (&a, TRUE);
  /* even when told its signaling is encrypted, H.323's is not */
  assert_level (push_transport (&h323, TRUE, TRUE, TRUE), PARTIAL);
  assert_level (status_of (&a), PARTIAL);

  get_exceptions (&a, &exc);
  fail_unless_equals_int (gst_value_array_get_size (&exc), 1);
  e = exception_for (&exc, "room-3");
  fail_unless (e != NULL);
  assert_lacks (e, "end-to-end-encryption,signaling-encryption");
  fail_unless_equals_string (gst_structure_get_string (e, "restricted-feature"),
      "h323-join");
  g_value_unset (&exc);

  stream_free (&h323);
  stream_free (&a);
}

GST_END_TEST;

/* In a partially encrypted meeting only the streams below encrypted are exceptions,
 * plus the flagged ones. */
GST_START_TEST (test_exceptions_next_level_up)
{
  Stream a = stream_new ("next-level", "alice", NULL);
  Stream srtp = stream_new ("next-level", "srtp-client", "srtp");
  Stream bad = stream_new ("next-level", "old-room", NULL);
  GValue exc = G_VALUE_INIT;

  push_e2ee (&a, TRUE);
  push_plain (&srtp);
  assert_level (status_of (&a), ENCRYPTED);
  assert_level (push_transport (&bad, TRUE, FALSE, FALSE), PARTIAL);

  get_exceptions (&a, &exc);
  fail_unless_equals_int (gst_value_array_get_size (&exc), 1);
  fail_unless (exception_for (&exc, "old-room") != NULL);
  fail_unless (exception_for (&exc, "srtp-client") == NULL);
  g_value_unset (&exc);

  stream_free (&a);
  stream_free (&srtp);
  stream_free (&bad);
}

GST_END_TEST;

/* ------------------------------------------------------------------------------------ */
/* Downgrade, stale streams, EOS                                                        */

GST_START_TEST (test_downgrade)
{
  Stream a = stream_new ("downgrade", "alice", NULL);
  Stream b = stream_new_full ("downgrade", "bob", "e2ee", a.bus);
  GstMessage *msg;
  const GstStructure *st, *e;
  GstStructure *stats;
  GstBuffer *out;
  GstE2eeStatusMeta *sm;
  GValue exc = G_VALUE_INIT;
  guint64 downgrades;

  push_e2ee (&a, TRUE);
  push_e2ee (&b, TRUE);
  assert_level (status_of (&a), E2EE);
  gst_message_unref (last_status_message (a.bus));

  /* bob's next buffer arrives without E2EE metadata: injected plaintext */
  out = push (&b, new_buffer ());
  sm = gst_buffer_get_e2ee_status_meta (out);
  assert_level (sm->meeting_level, PARTIAL);
  assert_level (sm->stream_level, PARTIAL);
  fail_unless (sm->downgraded);
  gst_buffer_unref (out);
  assert_level (status_of (&a), PARTIAL);

  msg = last_status_message (a.bus);
  fail_unless (msg != NULL);
  st = gst_message_get_structure (msg);
  fail_unless_equals_string (gst_structure_get_string (st, "reason"), "downgrade");
  fail_unless_equals_string (gst_structure_get_string (st, "changed-stream"), "bob");
  assert_level (message_level (msg, "status"), PARTIAL);
  assert_level (message_level (msg, "previous-status"), E2EE);
  gst_message_unref (msg);

  get_exceptions (&a, &exc);
  e = exception_for (&exc, "bob");
  fail_unless (e != NULL);
  {
    gboolean downgraded = FALSE;

    fail_unless (gst_structure_get_boolean (e, "downgraded", &downgraded));
    fail_unless (downgraded);
  }
  fail_unless (strstr (gst_structure_get_string (e, "reason"), "downgraded") != NULL);
  g_value_unset (&exc);

  /* a tag that did not verify is no better: alice, end to end so far, is downgraded
   * too (her own level, `auto` without transport metadata: the meeting's is partial
   * already because of bob) */
  out = push (&a, e2ee_buffer (FALSE));
  sm = gst_buffer_get_e2ee_status_meta (out);
  assert_level (sm->stream_level, UNENCRYPTED);
  fail_unless (sm->downgraded);
  gst_buffer_unref (out);

  /* end-to-end buffers again lift it */
  push_e2ee (&a, TRUE);
  assert_level (push_e2ee (&b, TRUE), E2EE);

  g_object_get (b.h->element, "stats", &stats, NULL);
  fail_unless (gst_structure_get_uint64 (stats, "downgrades", &downgrades));
  fail_unless_equals_uint64 (downgrades, 1);
  fail_unless (gst_structure_get_uint64 (stats, "plain-buffers", &downgrades));
  fail_unless_equals_uint64 (downgrades, 1);
  gst_structure_free (stats);

  stream_free (&a);
  stream_free (&b);
}

GST_END_TEST;

/* A GstE2eeMeta whose tag did not verify is not end to end: two streams, one of them
 * carrying such a meta, each judged on its own, and the meeting by both. */
GST_START_TEST (test_unauthenticated_meta)
{
  Stream a = stream_new ("unauthenticated", "alice", "e2ee");
  Stream b = stream_new_full ("unauthenticated", "bob", "e2ee", a.bus);
  GstE2eeEncryptionLevel stream_level;
  GValue exc = G_VALUE_INIT;
  const GstStructure *e;
  gint level = -1;

  assert_level (push_levels (&b, e2ee_buffer (TRUE), &stream_level), E2EE);
  assert_level (stream_level, E2EE);

  /* alice's meta says the tag did not verify: her transport is all there is */
  assert_level (push_levels (&a, e2ee_buffer (FALSE), &stream_level), ENCRYPTED);
  assert_level (stream_level, ENCRYPTED);
  assert_level (status_of (&a), ENCRYPTED);

  /* bob stays end to end, and is no exception */
  assert_level (push_levels (&b, e2ee_buffer (TRUE), &stream_level), ENCRYPTED);
  assert_level (stream_level, E2EE);
  get_exceptions (&a, &exc);
  fail_unless_equals_int (gst_value_array_get_size (&exc), 1);
  fail_unless (exception_for (&exc, "bob") == NULL);
  e = exception_for (&exc, "alice");
  fail_unless (e != NULL);
  fail_unless (gst_structure_get_enum (e, "level", GST_TYPE_E2EE_ENCRYPTION_LEVEL,
          &level));
  assert_level (level, ENCRYPTED);
  assert_lacks (e, "end-to-end-encryption");
  g_value_unset (&exc);

  stream_free (&a);
  stream_free (&b);
}

GST_END_TEST;

/* A buffer e2eeenc encrypted, a sender's own outgoing stream, is end to end. Its mark
 * never speaks for a received buffer: one with a GstE2eeMeta is judged by that alone,
 * whichever of the two metas came first. */
GST_START_TEST (test_sender_mark)
{
  Stream me = stream_new ("sender-mark", "me", NULL);
  Stream peer = stream_new_full ("sender-mark", "peer", "e2ee", me.bus);
  GstE2eeEncryptionLevel stream_level;
  GstBuffer *buf;
  GstStructure *stats;
  guint64 n;

  assert_level (push_levels (&me, sent_buffer (), &stream_level), E2EE);
  assert_level (stream_level, E2EE);
  g_object_get (me.h->element, "stats", &stats, NULL);
  fail_unless (gst_structure_get_uint64 (stats, "e2ee-buffers", &n));
  fail_unless_equals_uint64 (n, 1);
  gst_structure_free (stats);

  /* e2eedec's meta first, the mark after */
  buf = e2ee_buffer (FALSE);
  gst_buffer_add_e2ee_sender_meta (buf, 7, 1,
      GST_E2EE_CIPHER_SUITE_AES_256_GCM_SHA512_128);
  assert_level (push_levels (&peer, buf, &stream_level), ENCRYPTED);
  assert_level (stream_level, ENCRYPTED);

  /* the mark first */
  buf = sent_buffer ();
  gst_buffer_add_e2ee_meta (buf, FALSE, 7, 2,
      GST_E2EE_CIPHER_SUITE_AES_256_GCM_SHA512_128);
  assert_level (push_levels (&peer, buf, &stream_level), ENCRYPTED);
  assert_level (stream_level, ENCRYPTED);

  /* a frame encrypted and decrypted in one process carries both: the lock */
  buf = sent_buffer ();
  gst_buffer_add_e2ee_meta (buf, TRUE, 7, 3,
      GST_E2EE_CIPHER_SUITE_AES_256_GCM_SHA512_128);
  assert_level (push_levels (&peer, buf, &stream_level), E2EE);
  assert_level (stream_level, E2EE);

  stream_free (&me);
  stream_free (&peer);
}

GST_END_TEST;

GST_START_TEST (test_stale_stream)
{
  Stream a = stream_new ("stale", "alice", NULL);
  Stream phone = stream_new_full ("stale", "phone", "pstn", a.bus);
  GstMessage *msg = NULL;
  gboolean seen = FALSE;
  guint streams;

  g_object_set (phone.h->element, "stale-after", 20 * GST_MSECOND, NULL);
  push_e2ee (&a, TRUE);
  assert_level (push_plain (&phone), PARTIAL);

  /* the phone leg goes silent; wait (without a deadline of our own) for it to drop */
  while (!seen && (msg = gst_bus_timed_pop_filtered (a.bus, hang_guard (30),
              GST_MESSAGE_ELEMENT))) {
    const GstStructure *st = gst_message_get_structure (msg);

    if (gst_message_has_name (msg, "encstatus")
        && g_str_equal (gst_structure_get_string (st, "reason"), "stream-stale")) {
      fail_unless_equals_string (gst_structure_get_string (st, "changed-stream"),
          "phone");
      assert_level (message_level (msg, "status"), E2EE);
      fail_unless (gst_structure_get_uint (st, "streams", &streams));
      fail_unless_equals_int (streams, 1);
      seen = TRUE;
    }
    gst_message_unref (msg);
  }
  fail_unless (seen, "the silent stream was not dropped");
  assert_level (status_of (&a), E2EE);

  /* it rejoins with its next buffer */
  assert_level (push_plain (&phone), PARTIAL);

  stream_free (&phone);
  stream_free (&a);
}

GST_END_TEST;

GST_START_TEST (test_eos_leaves)
{
  Stream a = stream_new ("eos", "alice", NULL);
  Stream b = stream_new ("eos", "bob", "plain");

  push_e2ee (&a, TRUE);
  push_plain (&b);
  assert_level (status_of (&a), PARTIAL);
  fail_unless (gst_harness_push_event (b.h, gst_event_new_eos ()));
  assert_level (status_of (&a), E2EE);
  stream_free (&a);
  stream_free (&b);
}

GST_END_TEST;

/* ------------------------------------------------------------------------------------ */
/* E2EE meeting rules                                                                   */

static gchar *
restricted_of (Stream * s)
{
  gchar **features = NULL, *joined;

  g_object_get (s->h->element, "restricted-features", &features, NULL);
  joined = g_strjoinv (",", features);
  g_strfreev (features);
  return joined;
}

GST_START_TEST (test_restricted_features)
{
  Stream plain = stream_new ("restricted-none", "x", "srtp");
  Stream a = stream_new ("restricted", "alice", "e2ee");
  Stream rtmp = stream_new ("restricted", "youtube", "rtmp");
  Stream rec = stream_new ("restricted", "cloud", "recording");
  GValue exc = G_VALUE_INIT;
  gchar *list;

  /* not an E2EE meeting: nothing restricted */
  push_plain (&plain);
  list = restricted_of (&plain);
  fail_unless_equals_string (list, "");
  g_free (list);

  push_e2ee (&a, TRUE);
  list = restricted_of (&a);
  fail_unless_equals_string (list, "cloud-recording,live-streaming,live-transcription,"
      "closed-captions,pstn-join,sip-join,h323-join,breakout-rooms,polls,notes,"
      "whiteboard,join-before-host");
  g_free (list);

  g_object_set (rtmp.h->element, "allow-join-before-host", TRUE, NULL);
  list = restricted_of (&a);
  fail_unless (strstr (list, "join-before-host") == NULL);
  fail_unless (strstr (list, "whiteboard") != NULL);
  g_free (list);

  push_plain (&rtmp);
  push_plain (&rec);
  get_exceptions (&a, &exc);
  fail_unless_equals_string (gst_structure_get_string (exception_for (&exc, "youtube"),
          "restricted-feature"), "live-streaming");
  fail_unless_equals_string (gst_structure_get_string (exception_for (&exc, "cloud"),
          "restricted-feature"), "cloud-recording");
  g_value_unset (&exc);

  stream_free (&plain);
  stream_free (&a);
  stream_free (&rtmp);
  stream_free (&rec);
}

GST_END_TEST;

static void
on_toggled (GstElement * e, gboolean enabled, gpointer user_data)
{
  GArray *log = user_data;

  g_array_append_val (log, enabled);
}

GST_START_TEST (test_toggle)
{
  Stream a = stream_new ("toggle", "alice", "e2ee");
  Stream b = stream_new_full ("toggle", "bob", "e2ee", a.bus);
  GArray *toggles = g_array_new (FALSE, FALSE, sizeof (gboolean));
  gboolean ret, enabled, accepted;
  GstMessage *msg;
  gchar *list;

  g_signal_connect (b.h->element, "e2ee-toggled", G_CALLBACK (on_toggled), toggles);
  push_e2ee (&a, TRUE);
  push_e2ee (&b, TRUE);
  assert_level (status_of (&a), E2EE);

  /* a participant may not turn E2EE off */
  g_signal_emit_by_name (b.h->element, "request-e2ee", FALSE, &ret);
  fail_unless (!ret);
  msg = pop_element_message (a.bus, "encstatus-e2ee-request");
  fail_unless (msg != NULL);
  fail_unless (gst_structure_get_boolean (gst_message_get_structure (msg), "accepted",
          &accepted));
  fail_unless (!accepted);
  fail_unless_equals_string (gst_structure_get_string (gst_message_get_structure (msg),
          "reason"), "not-host");
  gst_message_unref (msg);
  g_object_get (a.h->element, "e2ee-enabled", &enabled, NULL);
  fail_unless (enabled);
  fail_unless_equals_int (toggles->len, 0);

  /* the host may; the flag belongs to the meeting */
  g_object_set (a.h->element, "is-host", TRUE, NULL);
  g_object_get (b.h->element, "is-host", &enabled, NULL);
  fail_unless (enabled);
  g_signal_emit_by_name (b.h->element, "request-e2ee", FALSE, &ret);
  fail_unless (ret);
  fail_unless_equals_int (toggles->len, 1);
  fail_unless (!g_array_index (toggles, gboolean, 0));
  g_object_get (a.h->element, "e2ee-enabled", &enabled, NULL);
  fail_unless (!enabled);

  /* frames now come unencrypted, without E2EE metadata: not a downgrade */
  assert_level (push_plain (&a), ENCRYPTED);
  assert_level (push_plain (&b), ENCRYPTED);
  list = restricted_of (&a);
  fail_unless_equals_string (list, "");
  g_free (list);
  msg = last_status_message (a.bus);
  fail_unless (msg != NULL);
  assert_level (message_level (msg, "status"), ENCRYPTED);
  fail_unless_equals_string (gst_structure_get_string (gst_message_get_structure (msg),
          "reason"), "stream-changed");
  gst_message_unref (msg);

  /* and back on; plaintext still in flight is not a downgrade either */
  g_signal_emit_by_name (a.h->element, "request-e2ee", TRUE, &ret);
  fail_unless (ret);
  fail_unless_equals_int (toggles->len, 2);
  fail_unless (g_array_index (toggles, gboolean, 1));
  assert_level (push_plain (&a), ENCRYPTED);
  push_e2ee (&a, TRUE);
  assert_level (push_e2ee (&b, TRUE), E2EE);
  /* once E2EE again, plaintext is a downgrade */
  assert_level (push_plain (&b), PARTIAL);

  g_array_unref (toggles);
  stream_free (&a);
  stream_free (&b);
}

GST_END_TEST;

/* ------------------------------------------------------------------------------------ */
/* Messages and sharing                                                                 */

GST_START_TEST (test_meetings_are_separate)
{
  Stream a = stream_new ("separate-1", "a", NULL);
  Stream b = stream_new ("separate-2", "b", "plain");

  push_e2ee (&a, TRUE);
  push_plain (&b);
  assert_level (status_of (&a), E2EE);
  assert_level (status_of (&b), UNENCRYPTED);
  stream_free (&a);
  stream_free (&b);
}

GST_END_TEST;

/* One message per change per pipeline, however many of the meeting's elements it
 * holds; each change has its own generation. */
GST_START_TEST (test_one_message_per_pipeline)
{
  GstElement *pipeline;
  GstElement *src_a, *src_b;
  GstBus *bus;
  GstMessage *msg;
  GHashTable *generations = g_hash_table_new (NULL, NULL);
  GstBuffer *buf;
  guint eos = 0, n = 0;
  GError *err = NULL;

  pipeline = gst_parse_launch ("appsrc name=a caps=application/x-test format=time ! "
      "encstatus meeting=one-message stream-name=a ! fakesink "
      "appsrc name=b caps=application/x-test format=time ! "
      "encstatus meeting=one-message stream-name=b stream-kind=sip ! fakesink", &err);
  fail_unless (pipeline != NULL, "%s", err ? err->message : "");
  src_a = gst_bin_get_by_name (GST_BIN (pipeline), "a");
  src_b = gst_bin_get_by_name (GST_BIN (pipeline), "b");
  bus = gst_element_get_bus (pipeline);
  fail_unless (gst_element_set_state (pipeline, GST_STATE_PLAYING) !=
      GST_STATE_CHANGE_FAILURE);

  buf = new_buffer ();
  gst_buffer_add_e2ee_meta (buf, TRUE, 1, 0, GST_E2EE_CIPHER_SUITE_AES_128_GCM_SHA256_128);
  gst_app_src_push_buffer (GST_APP_SRC (src_a), buf);
  gst_app_src_push_buffer (GST_APP_SRC (src_b), new_buffer ());
  gst_app_src_end_of_stream (GST_APP_SRC (src_a));
  gst_app_src_end_of_stream (GST_APP_SRC (src_b));

  while (eos == 0 && (msg = gst_bus_timed_pop_filtered (bus, hang_guard (30),
              GST_MESSAGE_ELEMENT | GST_MESSAGE_EOS | GST_MESSAGE_ERROR))) {
    fail_if (GST_MESSAGE_TYPE (msg) == GST_MESSAGE_ERROR);
    if (GST_MESSAGE_TYPE (msg) == GST_MESSAGE_EOS) {
      eos++;
    } else if (gst_message_has_name (msg, "encstatus")) {
      guint64 gen;

      fail_unless (gst_structure_get_uint64 (gst_message_get_structure (msg),
              "generation", &gen));
      fail_if (g_hash_table_contains (generations, GSIZE_TO_POINTER (gen)),
          "generation %" G_GUINT64_FORMAT " posted twice", gen);
      g_hash_table_add (generations, GSIZE_TO_POINTER (gen));
      n++;
    }
    gst_message_unref (msg);
  }
  fail_unless_equals_int (eos, 1);
  /* a joins, b joins, and both leave at EOS: four changes */
  fail_unless_equals_int (n, 4);

  gst_element_set_state (pipeline, GST_STATE_NULL);
  g_hash_table_unref (generations);
  gst_object_unref (bus);
  gst_object_unref (src_a);
  gst_object_unref (src_b);
  gst_object_unref (pipeline);
}

GST_END_TEST;

GST_START_TEST (test_message_fields)
{
  Stream a = stream_new ("fields", "alice", NULL);
  GstMessage *msg;
  const GstStructure *st;
  gboolean b;
  guint streams;
  guint64 gen;

  push_e2ee (&a, TRUE);
  msg = last_status_message (a.bus);
  fail_unless (msg != NULL);
  fail_unless (GST_MESSAGE_SRC (msg) == GST_OBJECT (a.h->element));
  st = gst_message_get_structure (msg);
  fail_unless_equals_string (gst_structure_get_string (st, "meeting"), "fields");
  assert_level (message_level (msg, "status"), E2EE);
  assert_level (message_level (msg, "previous-status"), UNENCRYPTED);
  fail_unless (gst_structure_get_uint (st, "streams", &streams));
  fail_unless_equals_int (streams, 1);
  fail_unless (gst_structure_get_boolean (st, "e2ee-enabled", &b) && b);
  fail_unless (gst_structure_get_boolean (st, "e2ee-meeting", &b) && b);
  fail_unless (GST_VALUE_HOLDS_ARRAY (gst_structure_get_value (st, "exceptions")));
  fail_unless (GST_VALUE_HOLDS_ARRAY (gst_structure_get_value (st,
              "restricted-features")));
  fail_unless_equals_string (gst_structure_get_string (st, "changed-stream"), "alice");
  fail_unless_equals_string (gst_structure_get_string (st, "reason"), "stream-joined");
  fail_unless (gst_structure_get_uint64 (st, "generation", &gen));
  gst_message_unref (msg);

  /* the same status again is no change */
  push_e2ee (&a, TRUE);
  fail_unless (last_status_message (a.bus) == NULL);
  stream_free (&a);
}

GST_END_TEST;

/* ------------------------------------------------------------------------------------ */
/* e2eeenc ! e2eedec ! encstatus                                                        */

/* The pipeline under test: stopped before a failure is reported, so that with
 * CK_FORK=no a failing test does not leave streaming threads behind. */
static GstElement *running_pipeline;

static GstBuffer *
pull_buffer (GstElement * sink)
{
  GstSample *sample = gst_app_sink_try_pull_sample (GST_APP_SINK (sink), hang_guard (30));
  GstBuffer *buf;

  if (!sample) {
    GstBus *bus = gst_element_get_bus (running_pipeline);
    GstMessage *msg = gst_bus_pop_filtered (bus, GST_MESSAGE_ERROR);
    gchar *debug = NULL;
    GError *err = NULL;

    static gchar why[1024];

    if (msg)
      gst_message_parse_error (msg, &err, &debug);
    g_snprintf (why, sizeof (why), "%s (%s)", err ? err->message : "no error",
        debug ? debug : "");
    g_clear_error (&err);
    g_free (debug);
    gst_clear_message (&msg);
    gst_object_unref (bus);
    gst_element_set_state (running_pipeline, GST_STATE_NULL);
    fail ("no buffer came out: %s", why);
  }
  buf = gst_buffer_ref (gst_sample_get_buffer (sample));
  gst_sample_unref (sample);
  return buf;
}

static GstBuffer *
push_through (GstElement * src, GstElement * sink)
{
  fail_unless_equals_int (gst_app_src_push_buffer (GST_APP_SRC (src), new_buffer ()),
      GST_FLOW_OK);
  return pull_buffer (sink);
}

/* Real SFrame frames: the lock, then plaintext slipped in after e2eedec is a downgrade. */
GST_START_TEST (test_pipeline_e2ee)
{
  GstElement *pipeline, *src, *inject, *sink, *status;
  GstBuffer *out;
  GError *err = NULL;
  GstE2eeEncryptionLevel level;
  guint i;

  if (!have_elements ("e2eeenc e2eedec"))
    return;

  pipeline = gst_parse_launch ("appsrc name=src caps=application/x-test format=time ! "
      "e2eeenc key=" KEY_HEX " ! e2eedec key=" KEY_HEX " ! funnel name=f ! "
      "encstatus name=status meeting=pipeline-e2ee stream-name=alice ! "
      "appsink name=sink sync=false "
      "appsrc name=inject caps=application/x-test format=time ! f.", &err);
  fail_unless (pipeline != NULL, "%s", err ? err->message : "");
  running_pipeline = pipeline;
  src = gst_bin_get_by_name (GST_BIN (pipeline), "src");
  inject = gst_bin_get_by_name (GST_BIN (pipeline), "inject");
  sink = gst_bin_get_by_name (GST_BIN (pipeline), "sink");
  status = gst_bin_get_by_name (GST_BIN (pipeline), "status");
  fail_unless (gst_element_set_state (pipeline, GST_STATE_PLAYING) !=
      GST_STATE_CHANGE_FAILURE);

  for (i = 0; i < 3; i++) {
    out = push_through (src, sink);
    fail_unless (gst_buffer_get_e2ee_meta (out) != NULL);
    assert_level (gst_buffer_get_e2ee_status_meta (out)->meeting_level, E2EE);
    gst_buffer_unref (out);
  }
  g_object_get (status, "status", &level, NULL);
  assert_level (level, E2EE);

  /* plaintext from behind the decryptor's back */
  out = push_through (inject, sink);
  fail_unless (gst_buffer_get_e2ee_meta (out) == NULL);
  fail_unless (gst_buffer_get_e2ee_status_meta (out)->downgraded);
  gst_buffer_unref (out);
  g_object_get (status, "status", &level, NULL);
  fail_if (level == E2EE);

  gst_element_set_state (pipeline, GST_STATE_NULL);
  gst_object_unref (src);
  gst_object_unref (inject);
  gst_object_unref (sink);
  gst_object_unref (status);
  gst_object_unref (pipeline);
}

GST_END_TEST;

GST_START_TEST (test_pipeline_e2ee_toggle)
{
  GstElement *pipeline, *src, *sink, *enc, *status;
  GstBuffer *out;
  GError *err = NULL;
  gboolean enabled, ret;
  GstE2eeEncryptionLevel level;
  guint i;

  if (!have_elements ("e2eeenc e2eedec"))
    return;

  pipeline = gst_parse_launch ("appsrc name=src caps=application/x-test format=time ! "
      "e2eeenc name=enc key=" KEY_HEX " ! "
      "e2eedec key=" KEY_HEX " allow-plaintext=true ! "
      "encstatus name=status meeting=pipeline-toggle stream-name=alice "
      "stream-kind=e2ee is-host=true ! appsink name=sink sync=false", &err);
  fail_unless (pipeline != NULL, "%s", err ? err->message : "");
  running_pipeline = pipeline;
  src = gst_bin_get_by_name (GST_BIN (pipeline), "src");
  sink = gst_bin_get_by_name (GST_BIN (pipeline), "sink");
  enc = gst_bin_get_by_name (GST_BIN (pipeline), "enc");
  status = gst_bin_get_by_name (GST_BIN (pipeline), "status");
  fail_unless (gst_element_set_state (pipeline, GST_STATE_PLAYING) !=
      GST_STATE_CHANGE_FAILURE);

  for (i = 0; i < 3; i++) {
    out = push_through (src, sink);
    fail_unless (gst_buffer_get_e2ee_meta (out) != NULL);
    assert_level (gst_buffer_get_e2ee_status_meta (out)->meeting_level, E2EE);
    gst_buffer_unref (out);
  }
  g_object_get (status, "status", &level, NULL);
  assert_level (level, E2EE);

  /* the host turns E2EE off: the encoder passes frames in the clear */
  g_signal_emit_by_name (status, "request-e2ee", FALSE, &ret);
  fail_unless (ret);
  g_object_get (enc, "enabled", &enabled, NULL);
  fail_unless (!enabled);
  for (i = 0; i < 3; i++) {
    out = push_through (src, sink);
    fail_unless (gst_buffer_get_e2ee_meta (out) == NULL);
    assert_level (gst_buffer_get_e2ee_status_meta (out)->meeting_level, ENCRYPTED);
    gst_buffer_unref (out);
  }
  g_object_get (status, "status", &level, NULL);
  assert_level (level, ENCRYPTED);

  /* and on again, without restarting anything */
  g_signal_emit_by_name (status, "request-e2ee", TRUE, &ret);
  fail_unless (ret);
  g_object_get (enc, "enabled", &enabled, NULL);
  fail_unless (enabled);
  for (i = 0; i < 3; i++) {
    out = push_through (src, sink);
    fail_unless (gst_buffer_get_e2ee_meta (out) != NULL);
    gst_buffer_unref (out);
  }
  g_object_get (status, "status", &level, NULL);
  assert_level (level, E2EE);

  gst_element_set_state (pipeline, GST_STATE_NULL);
  gst_object_unref (src);
  gst_object_unref (sink);
  gst_object_unref (enc);
  gst_object_unref (status);
  gst_object_unref (pipeline);
}

GST_END_TEST;

static GstE2eeEncryptionLevel
status_of_element (GstElement * pipeline, const gchar * name)
{
  GstElement *e = gst_bin_get_by_name (GST_BIN (pipeline), name);
  GstE2eeEncryptionLevel level;

  fail_unless (e != NULL);
  g_object_get (e, "status", &level, NULL);
  gst_object_unref (e);
  return level;
}

/* A sender's own stream (docs/encstatus.md, "In a sending pipeline"): after e2eeenc
 * the lock from the mark e2eeenc puts on what it encrypted; before it, plaintext, so
 * what stream-kind says. The host turning E2EE off takes the mark away (no
 * downgrade), turning it on brings it back. */
GST_START_TEST (test_pipeline_sender)
{
  GstElement *pipeline, *src, *sink, *enc, *declared, *after;
  GstE2eeSenderMeta *sent;
  GstE2eeStatusMeta *sm;
  GstBuffer *out;
  GError *err = NULL;
  GValue exc = G_VALUE_INIT;
  const GstStructure *e;
  gboolean enabled, ret;
  guint i;

  if (!have_elements ("e2eeenc"))
    return;
  pipeline = gst_parse_launch ("appsrc name=src caps=application/x-test format=time ! "
      "encstatus name=before meeting=sender-before stream-name=me ! "
      "encstatus name=declared meeting=sender-declared stream-name=me "
      "stream-kind=e2ee ! e2eeenc name=enc key-id=4 key=" KEY_HEX " ! "
      "encstatus name=after meeting=sender-after stream-name=me stream-kind=e2ee "
      "is-host=true ! appsink name=sink sync=false", &err);
  fail_unless (pipeline != NULL, "%s", err ? err->message : "");
  running_pipeline = pipeline;
  src = gst_bin_get_by_name (GST_BIN (pipeline), "src");
  sink = gst_bin_get_by_name (GST_BIN (pipeline), "sink");
  enc = gst_bin_get_by_name (GST_BIN (pipeline), "enc");
  declared = gst_bin_get_by_name (GST_BIN (pipeline), "declared");
  after = gst_bin_get_by_name (GST_BIN (pipeline), "after");
  fail_unless (gst_element_set_state (pipeline, GST_STATE_PLAYING) !=
      GST_STATE_CHANGE_FAILURE);

  for (i = 0; i < 3; i++) {
    out = push_through (src, sink);
    sent = gst_buffer_get_e2ee_sender_meta (out);
    fail_unless (sent != NULL);
    fail_unless_equals_uint64 (sent->kid, 4);
    fail_unless_equals_uint64 (sent->ctr, i);
    fail_unless (gst_buffer_get_e2ee_meta (out) == NULL);
    sm = gst_buffer_get_e2ee_status_meta (out);
    assert_level (sm->stream_level, E2EE);
    assert_level (sm->meeting_level, E2EE);
    gst_buffer_unref (out);
  }
  assert_level (status_of_element (pipeline, "after"), E2EE);
  /* before e2eeenc: plaintext */
  assert_level (status_of_element (pipeline, "before"), UNENCRYPTED);
  assert_level (status_of_element (pipeline, "declared"), ENCRYPTED);
  g_object_get_property (G_OBJECT (declared), "exceptions", &exc);
  e = exception_for (&exc, "me");
  fail_unless (e != NULL);
  fail_unless (strstr (gst_structure_get_string (e, "reason"),
          "no E2EE metadata on its buffers") != NULL);
  g_value_unset (&exc);

  /* the host turns E2EE off: e2eeenc passes frames unmarked */
  g_signal_emit_by_name (after, "request-e2ee", FALSE, &ret);
  fail_unless (ret);
  g_object_get (enc, "enabled", &enabled, NULL);
  fail_unless (!enabled);
  for (i = 0; i < 3; i++) {
    out = push_through (src, sink);
    fail_unless (gst_buffer_get_e2ee_sender_meta (out) == NULL);
    sm = gst_buffer_get_e2ee_status_meta (out);
    assert_level (sm->stream_level, ENCRYPTED);
    fail_if (sm->downgraded);
    gst_buffer_unref (out);
  }
  assert_level (status_of_element (pipeline, "after"), ENCRYPTED);

  g_signal_emit_by_name (after, "request-e2ee", TRUE, &ret);
  fail_unless (ret);
  out = push_through (src, sink);
  fail_unless (gst_buffer_get_e2ee_sender_meta (out) != NULL);
  assert_level (gst_buffer_get_e2ee_status_meta (out)->stream_level, E2EE);
  gst_buffer_unref (out);
  assert_level (status_of_element (pipeline, "after"), E2EE);

  gst_element_set_state (pipeline, GST_STATE_NULL);
  gst_object_unref (src);
  gst_object_unref (sink);
  gst_object_unref (enc);
  gst_object_unref (declared);
  gst_object_unref (after);
  gst_object_unref (pipeline);
}

GST_END_TEST;

#define HEX_KEY_46 "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f" \
    "202122232425262728292a2b2c2d"
#define RTP_CAPS "application/x-rtp,media=audio,clock-rate=8000,encoding-name=PCMA," \
    "payload=96,ssrc=(uint)287454020"
#define GUARD_PAIR "srtpguard mode=protect rtp-cipher=aes-256-icm " \
    "rtcp-cipher=aes-256-icm key=" HEX_KEY_46 " ! srtpguard rtp-cipher=aes-256-icm " \
    "rtcp-cipher=aes-256-icm key=" HEX_KEY_46 " "

static GstBuffer *
new_rtp_packet (guint16 seq)
{
  guint8 pkt[12 + 20] = { 0x80, 96, 0, 0, 0, 0, 0, 0, 0x11, 0x22, 0x33, 0x44 };

  pkt[2] = seq >> 8;
  pkt[3] = seq & 0xff;
  pkt[7] = seq & 0xff;          /* timestamp */
  memset (pkt + 12, 0xd5, 20);
  return gst_buffer_new_memdup (pkt, sizeof (pkt));
}

/* A real mixed meeting: an E2EE participant through e2eeenc ! e2eedec, a SIP room over
 * SRTP through two srtpguard (the application says its SIP runs over TLS with a valid
 * certificate), then an H.323 room the same way. */
GST_START_TEST (test_pipeline_mixed_meeting)
{
  GstElement *pipeline, *e2_src, *e2_sink, *sip_src, *sip_sink, *h323_src, *h323_sink,
      *status;
  GstBuffer *out;
  GError *err = NULL;
  GstE2eeEncryptionLevel level;
  GValue exc = G_VALUE_INIT;
  const GstStructure *e;

  if (!have_elements ("e2eeenc e2eedec srtpguard"))
    return;

  pipeline = gst_parse_launch ("appsrc name=e2 caps=application/x-test format=time ! "
      "e2eeenc key=" KEY_HEX " ! e2eedec key=" KEY_HEX " ! "
      "encstatus name=alice meeting=real-mixed stream-name=alice ! "
      "appsink name=e2sink sync=false async=false "
      "appsrc name=sip format=time caps=\"" RTP_CAPS "\" ! " GUARD_PAIR
      "signaling-encrypted=true tls-certificate-valid=true ! "
      "encstatus meeting=real-mixed stream-name=room-12 stream-kind=sip ! "
      "appsink name=sipsink sync=false async=false "
      "appsrc name=h323 format=time caps=\"" RTP_CAPS "\" ! " GUARD_PAIR " ! "
      "encstatus meeting=real-mixed stream-name=room-3 stream-kind=h323 ! "
      "appsink name=h323sink sync=false async=false", &err);
  fail_unless (pipeline != NULL, "%s", err ? err->message : "");
  running_pipeline = pipeline;
  e2_src = gst_bin_get_by_name (GST_BIN (pipeline), "e2");
  e2_sink = gst_bin_get_by_name (GST_BIN (pipeline), "e2sink");
  sip_src = gst_bin_get_by_name (GST_BIN (pipeline), "sip");
  sip_sink = gst_bin_get_by_name (GST_BIN (pipeline), "sipsink");
  h323_src = gst_bin_get_by_name (GST_BIN (pipeline), "h323");
  h323_sink = gst_bin_get_by_name (GST_BIN (pipeline), "h323sink");
  status = gst_bin_get_by_name (GST_BIN (pipeline), "alice");
  fail_unless (gst_element_set_state (pipeline, GST_STATE_PLAYING) !=
      GST_STATE_CHANGE_FAILURE);

  gst_buffer_unref (push_through (e2_src, e2_sink));
  g_object_get (status, "status", &level, NULL);
  assert_level (level, E2EE);

  fail_unless_equals_int (gst_app_src_push_buffer (GST_APP_SRC (sip_src),
          new_rtp_packet (1)), GST_FLOW_OK);
  out = pull_buffer (sip_sink);
  fail_unless (gst_buffer_get_e2ee_transport_meta (out) != NULL);
  assert_level (gst_buffer_get_e2ee_status_meta (out)->stream_level, ENCRYPTED);
  gst_buffer_unref (out);
  g_object_get (status, "status", &level, NULL);
  assert_level (level, ENCRYPTED);
  g_object_get_property (G_OBJECT (status), "exceptions", &exc);
  fail_unless_equals_int (gst_value_array_get_size (&exc), 1);
  e = exception_for (&exc, "room-12");
  fail_unless (e != NULL);
  assert_lacks (e, "end-to-end-encryption");
  g_value_unset (&exc);

  fail_unless_equals_int (gst_app_src_push_buffer (GST_APP_SRC (h323_src),
          new_rtp_packet (1)), GST_FLOW_OK);
  gst_buffer_unref (pull_buffer (h323_sink));
  g_object_get (status, "status", &level, NULL);
  assert_level (level, PARTIAL);
  /* the H.323 room holds the meeting back; the SIP room is encrypted, but as a SIP join
   * in an E2EE meeting it stays listed, flagged */
  g_object_get_property (G_OBJECT (status), "exceptions", &exc);
  fail_unless_equals_int (gst_value_array_get_size (&exc), 2);
  e = exception_for (&exc, "room-3");
  fail_unless (e != NULL);
  assert_lacks (e, "end-to-end-encryption,signaling-encryption,tls-certificate");
  fail_unless_equals_string (gst_structure_get_string (e, "restricted-feature"),
      "h323-join");
  e = exception_for (&exc, "room-12");
  fail_unless (e != NULL);
  fail_unless_equals_string (gst_structure_get_string (e, "restricted-feature"),
      "sip-join");
  g_value_unset (&exc);

  gst_element_set_state (pipeline, GST_STATE_NULL);
  gst_object_unref (e2_src);
  gst_object_unref (e2_sink);
  gst_object_unref (sip_src);
  gst_object_unref (sip_sink);
  gst_object_unref (h323_src);
  gst_object_unref (h323_sink);
  gst_object_unref (status);
  gst_object_unref (pipeline);
}

GST_END_TEST;

/* ------------------------------------------------------------------------------------ */
/* The overlay                                                                          */

static void
rgb_to_yuv (guint32 rgb, gint * y, gint * u, gint * v)
{
  gdouble r = (rgb >> 16) & 0xff, g = (rgb >> 8) & 0xff, b = rgb & 0xff;

  /* BT.601, limited range: what 320x240 I420 from videotestsrc uses */
  *y = (gint) (16 + (65.481 * r + 128.553 * g + 24.966 * b) / 255 + 0.5);
  *u = (gint) (128 + (-37.797 * r - 74.203 * g + 112.0 * b) / 255 + 0.5);
  *v = (gint) (128 + (112.0 * r - 93.786 * g - 18.214 * b) / 255 + 0.5);
}

#define TOLERANCE 8

static void
assert_pixel (GstVideoFrame * f, gint x, gint y, guint32 rgb, const gchar * what)
{
  switch (GST_VIDEO_FRAME_FORMAT (f)) {
    case GST_VIDEO_FORMAT_RGBx:{
      guint8 *p = (guint8 *) GST_VIDEO_FRAME_PLANE_DATA (f, 0)
          + y * GST_VIDEO_FRAME_PLANE_STRIDE (f, 0) + x * 4;

      fail_unless (ABS (p[0] - (gint) ((rgb >> 16) & 0xff)) <= TOLERANCE
          && ABS (p[1] - (gint) ((rgb >> 8) & 0xff)) <= TOLERANCE
          && ABS (p[2] - (gint) (rgb & 0xff)) <= TOLERANCE,
          "%s at (%d,%d): got %02x%02x%02x, expected %06x", what, x, y, p[0], p[1],
          p[2], rgb);
      break;
    }
    case GST_VIDEO_FORMAT_I420:{
      gint ey, eu, ev, gy, gu, gv;

      rgb_to_yuv (rgb, &ey, &eu, &ev);
      gy = ((guint8 *) GST_VIDEO_FRAME_COMP_DATA (f, 0))[y *
          GST_VIDEO_FRAME_COMP_STRIDE (f, 0) + x];
      gu = ((guint8 *) GST_VIDEO_FRAME_COMP_DATA (f, 1))[(y / 2) *
          GST_VIDEO_FRAME_COMP_STRIDE (f, 1) + x / 2];
      gv = ((guint8 *) GST_VIDEO_FRAME_COMP_DATA (f, 2))[(y / 2) *
          GST_VIDEO_FRAME_COMP_STRIDE (f, 2) + x / 2];
      fail_unless (ABS (gy - ey) <= TOLERANCE && ABS (gu - eu) <= TOLERANCE
          && ABS (gv - ev) <= TOLERANCE,
          "%s at (%d,%d): got YUV %d,%d,%d, expected %d,%d,%d (%06x)", what, x, y,
          gy, gu, gv, ey, eu, ev, rgb);
      break;
    }
    default:
      g_assert_not_reached ();
  }
}

typedef struct
{
  const gchar *format;
  const gchar *corner;
  const gchar *kind;
  gboolean e2ee_meta;
  guint32 fill;
  gint glyph_x, glyph_y;        /* the one glyph probe that is white */
} OverlayCase;

static const OverlayCase overlay_cases[] = {
  {"I420", "top-left", "srtp", FALSE, GREEN, P_CHECK_X, P_CHECK_Y},
  {"RGBx", "top-left", "srtp", FALSE, GREEN, P_CHECK_X, P_CHECK_Y},
  {"RGBx", "bottom-right", "h323", FALSE, ORANGE, P_EXCL_X, P_EXCL_Y},
  {"I420", "top-right", "h323", FALSE, ORANGE, P_EXCL_X, P_EXCL_Y},
  {"RGBx", "top-right", "auto", TRUE, GREEN, P_LOCK_X, P_LOCK_Y},
  {"I420", "bottom-left", "auto", TRUE, GREEN, P_LOCK_X, P_LOCK_Y},
};

static GstPadProbeReturn
add_e2ee_meta_probe (GstPad * pad, GstPadProbeInfo * info, gpointer user_data)
{
  GstBuffer *buf = gst_buffer_make_writable (GST_PAD_PROBE_INFO_BUFFER (info));

  gst_buffer_add_e2ee_meta (buf, TRUE, 9, 0, GST_E2EE_CIPHER_SUITE_AES_256_GCM_SHA512_128);
  GST_PAD_PROBE_INFO_DATA (info) = buf;
  return GST_PAD_PROBE_OK;
}

GST_START_TEST (test_overlay_blend)
{
  const OverlayCase *c = &overlay_cases[__i__];
  const gint probes[3][2] = { {P_EXCL_X, P_EXCL_Y}, {P_CHECK_X, P_CHECK_Y},
  {P_LOCK_X, P_LOCK_Y}
  };
  gchar *desc, *meeting = g_strdup_printf ("overlay-%d", __i__);
  GstElement *pipeline, *sink, *status;
  GstPad *pad;
  GstSample *sample;
  GstVideoInfo info;
  GstVideoFrame frame;
  GError *err = NULL;
  gint x0, y0, i;

  desc = g_strdup_printf ("videotestsrc num-buffers=1 pattern=black ! "
      "video/x-raw,format=%s,width=320,height=240 ! "
      "encstatus name=status meeting=%s overlay=true shield-size=%d corner=%s "
      "stream-kind=%s ! appsink name=sink", c->format, meeting, SHIELD, c->corner,
      c->kind);
  pipeline = gst_parse_launch (desc, &err);
  fail_unless (pipeline != NULL, "%s", err ? err->message : "");
  sink = gst_bin_get_by_name (GST_BIN (pipeline), "sink");
  status = gst_bin_get_by_name (GST_BIN (pipeline), "status");
  if (c->e2ee_meta) {
    pad = gst_element_get_static_pad (status, "sink");
    gst_pad_add_probe (pad, GST_PAD_PROBE_TYPE_BUFFER, add_e2ee_meta_probe, NULL, NULL);
    gst_object_unref (pad);
  }
  gst_element_set_state (pipeline, GST_STATE_PLAYING);
  sample = gst_app_sink_try_pull_sample (GST_APP_SINK (sink), hang_guard (30));
  fail_unless (sample != NULL);
  fail_unless (gst_video_info_from_caps (&info, gst_sample_get_caps (sample)));
  fail_unless (gst_video_frame_map (&frame, &info, gst_sample_get_buffer (sample),
          GST_MAP_READ));

  x0 = g_str_has_suffix (c->corner, "left") ? MARGIN : 320 - SHIELD - MARGIN;
  y0 = g_str_has_prefix (c->corner, "top") ? MARGIN : 240 - SHIELD - MARGIN;

  assert_pixel (&frame, x0 + P_FILL_X, y0 + P_FILL_Y, c->fill, "fill");
  for (i = 0; i < 3; i++) {
    gboolean glyph = probes[i][0] == c->glyph_x && probes[i][1] == c->glyph_y;

    assert_pixel (&frame, x0 + probes[i][0], y0 + probes[i][1], glyph ? WHITE : c->fill,
        glyph ? "glyph" : "no glyph");
  }
  /* the frame around it stays black */
  assert_pixel (&frame, x0 - 2, y0 + SHIELD / 2, 0x000000, "left of the shield");
  assert_pixel (&frame, x0 + SHIELD + 1, y0 + SHIELD / 2, 0x000000,
      "right of the shield");
  assert_pixel (&frame, x0 + 2, y0 + SHIELD - 2, 0x000000, "beside the shield's tip");
  assert_pixel (&frame, 320 - x0 - SHIELD / 2, 240 - y0 - SHIELD / 2, 0x000000,
      "the opposite corner");

  gst_video_frame_unmap (&frame);
  gst_sample_unref (sample);
  gst_element_set_state (pipeline, GST_STATE_NULL);
  gst_object_unref (sink);
  gst_object_unref (status);
  gst_object_unref (pipeline);
  g_free (desc);
  g_free (meeting);
}

GST_END_TEST;

/* A sink that renders overlays itself gets the shield as metadata, not in the pixels. */
GST_START_TEST (test_overlay_meta)
{
  GstElement *e = gst_element_factory_make ("encstatus", NULL);
  GstHarness *h;
  GstVideoInfo info;
  GstBuffer *in, *out, *pixels;
  GstVideoOverlayCompositionMeta *meta;
  GstVideoOverlayRectangle *rect;
  GstMapInfo map;
  gint x, y;
  guint w, hh, stride;
  guint32 px;

  g_object_set (e, "meeting", "overlay-meta", "overlay", TRUE, "shield-size", SHIELD,
      "corner", 1 /* top-right */ , "stream-kind", 2 /* srtp */ , NULL);
  h = gst_harness_new_with_element (e, "sink", "src");
  gst_object_unref (e);
  gst_harness_add_propose_allocation_meta (h, GST_VIDEO_OVERLAY_COMPOSITION_META_API_TYPE,
      NULL);
  gst_harness_set_src_caps_str (h,
      "video/x-raw,format=I420,width=320,height=240,framerate=30/1");
  gst_video_info_set_format (&info, GST_VIDEO_FORMAT_I420, 320, 240);
  in = gst_buffer_new_allocate (NULL, info.size, NULL);
  gst_buffer_memset (in, 0, 16, info.size);

  out = gst_harness_push_and_pull (h, in);
  meta = gst_buffer_get_video_overlay_composition_meta (out);
  fail_unless (meta != NULL);
  fail_unless_equals_int (gst_video_overlay_composition_n_rectangles (meta->overlay), 1);
  rect = gst_video_overlay_composition_get_rectangle (meta->overlay, 0);
  fail_unless (gst_video_overlay_rectangle_get_render_rectangle (rect, &x, &y, &w, &hh));
  fail_unless_equals_int (x, 320 - SHIELD - MARGIN);
  fail_unless_equals_int (y, MARGIN);
  fail_unless_equals_int (w, SHIELD);
  fail_unless_equals_int (hh, SHIELD);

  pixels = gst_video_overlay_rectangle_get_pixels_unscaled_argb (rect,
      GST_VIDEO_OVERLAY_FORMAT_FLAG_NONE);
  stride = gst_buffer_get_video_meta (pixels)->stride[0];
  gst_buffer_map (pixels, &map, GST_MAP_READ);
  px = *(guint32 *) (map.data + P_FILL_Y * stride + P_FILL_X * 4);
  fail_unless_equals_int (px, 0xff000000 | GREEN);
  px = *(guint32 *) (map.data + P_CHECK_Y * stride + P_CHECK_X * 4);
  fail_unless_equals_int (px, 0xff000000 | WHITE);
  px = *(guint32 *) (map.data);
  fail_unless_equals_int (px >> 24, 0);     /* transparent corner */
  gst_buffer_unmap (pixels, &map);

  /* the frame itself is untouched */
  gst_buffer_map (out, &map, GST_MAP_READ);
  fail_unless_equals_int (map.data[(MARGIN + P_FILL_Y) * 320 + 320 - SHIELD - MARGIN +
          P_FILL_X], 16);
  gst_buffer_unmap (out, &map);

  gst_buffer_unref (out);
  gst_harness_teardown (h);
}

GST_END_TEST;

/* The picture in docs/: three frames side by side (lock, check, exclamation), drawn by
 * encstatus in a real pipeline ending in pngenc ! filesink. The lock tile's buffers get
 * the GstE2eeMeta e2eedec would put on them from a pad probe, so the picture needs
 * nothing but encstatus. */
GST_START_TEST (test_docs_picture)
{
  const gchar *target = g_getenv ("GST_ENCSTATUS_DOCS_PNG");
  gchar *tmp = NULL, *desc;
  GstElement *pipeline, *sink, *lock;
  GstPad *pad;
  GstSample *sample;
  GstVideoInfo info;
  GstVideoFrame frame;
  GstBus *bus;
  GstMessage *msg;
  GError *err = NULL;
  gint i;
  const guint32 fills[3] = { GREEN, GREEN, ORANGE };
  const gint glyphs[3][2] = { {P_LOCK_X, P_LOCK_Y}, {P_CHECK_X, P_CHECK_Y},
  {P_EXCL_X, P_EXCL_Y}
  };

  if (!have_elements ("pngenc compositor"))
    return;

  if (!target) {
    gint fd = g_file_open_tmp ("encstatus-XXXXXX.png", &tmp, NULL);

    fail_unless (fd >= 0);
    g_close (fd, NULL);
    target = tmp;
  }

#define TILE "videotestsrc num-buffers=1 pattern=black ! " \
    "video/x-raw,format=I420,width=96,height=96,framerate=1/1 ! "
#define SHOW "overlay=true shield-size=" G_STRINGIFY (SHIELD) " corner=top-left"
  desc = g_strdup_printf ("compositor name=c background=black "
      "sink_1::xpos=96 sink_2::xpos=192 ! "
      "video/x-raw,format=RGBx,width=288,height=96 ! tee name=t "
      "t. ! queue ! appsink name=sink "
      "t. ! queue ! videoconvert ! pngenc ! filesink location=\"%s\" "
      TILE "encstatus name=lock meeting=docs-e2ee " SHOW " ! c.sink_0 "
      TILE "encstatus meeting=docs-encrypted stream-kind=srtp " SHOW " ! c.sink_1 "
      TILE "encstatus meeting=docs-partial stream-kind=h323 " SHOW " ! c.sink_2 ",
      target);
  pipeline = gst_parse_launch (desc, &err);
  fail_unless (pipeline != NULL, "%s", err ? err->message : "");
  sink = gst_bin_get_by_name (GST_BIN (pipeline), "sink");
  lock = gst_bin_get_by_name (GST_BIN (pipeline), "lock");
  pad = gst_element_get_static_pad (lock, "sink");
  gst_pad_add_probe (pad, GST_PAD_PROBE_TYPE_BUFFER, add_e2ee_meta_probe, NULL, NULL);
  gst_object_unref (pad);
  gst_object_unref (lock);
  gst_element_set_state (pipeline, GST_STATE_PLAYING);

  sample = gst_app_sink_try_pull_sample (GST_APP_SINK (sink), hang_guard (30));
  fail_unless (sample != NULL);
  fail_unless (gst_video_info_from_caps (&info, gst_sample_get_caps (sample)));
  fail_unless (gst_video_frame_map (&frame, &info, gst_sample_get_buffer (sample),
          GST_MAP_READ));
  for (i = 0; i < 3; i++) {
    gint x0 = i * 96 + MARGIN, y0 = MARGIN;

    assert_pixel (&frame, x0 + P_FILL_X, y0 + P_FILL_Y, fills[i], "fill");
    assert_pixel (&frame, x0 + glyphs[i][0], y0 + glyphs[i][1], WHITE, "glyph");
  }
  gst_video_frame_unmap (&frame);
  gst_sample_unref (sample);

  bus = gst_element_get_bus (pipeline);
  msg = gst_bus_timed_pop_filtered (bus, hang_guard (30),
      GST_MESSAGE_EOS | GST_MESSAGE_ERROR);
  fail_unless (msg != NULL && GST_MESSAGE_TYPE (msg) == GST_MESSAGE_EOS);
  gst_message_unref (msg);
  gst_object_unref (bus);
  gst_element_set_state (pipeline, GST_STATE_NULL);

  {
    gchar *png = NULL;
    gsize len = 0;

    fail_unless (g_file_get_contents (target, &png, &len, NULL));
    fail_unless (len > 8 && memcmp (png, "\x89PNG\r\n\x1a\n", 8) == 0);
    g_free (png);
  }

  if (tmp) {
    g_unlink (tmp);
    g_free (tmp);
  }
  gst_object_unref (sink);
  gst_object_unref (pipeline);
  g_free (desc);
}

GST_END_TEST;

static Suite *
encstatus_suite (void)
{
  Suite *s = suite_create ("encstatus");
  TCase *tc = tcase_create ("general");

  suite_add_tcase (s, tc);
  tcase_add_test (tc, test_indicator_table);
  tcase_add_test (tc, test_all_e2ee_gives_lock);
  tcase_add_test (tc, test_stream_kinds);
  tcase_add_test (tc, test_gateway_kinds_never_e2ee);
  tcase_add_test (tc, test_partially_vs_unencrypted);
  tcase_add_test (tc, test_mixed_meeting_sip);
  tcase_add_test (tc, test_mixed_meeting_h323);
  tcase_add_test (tc, test_exceptions_next_level_up);
  tcase_add_test (tc, test_downgrade);
  tcase_add_test (tc, test_unauthenticated_meta);
  tcase_add_test (tc, test_sender_mark);
  tcase_add_test (tc, test_stale_stream);
  tcase_add_test (tc, test_eos_leaves);
  tcase_add_test (tc, test_restricted_features);
  tcase_add_test (tc, test_toggle);
  tcase_add_test (tc, test_meetings_are_separate);
  tcase_add_test (tc, test_one_message_per_pipeline);
  tcase_add_test (tc, test_message_fields);
  tcase_add_test (tc, test_pipeline_e2ee);
  tcase_add_test (tc, test_pipeline_e2ee_toggle);
  tcase_add_test (tc, test_pipeline_sender);
  tcase_add_test (tc, test_pipeline_mixed_meeting);
  tcase_add_loop_test (tc, test_overlay_blend, 0, G_N_ELEMENTS (overlay_cases));
  tcase_add_test (tc, test_overlay_meta);
  tcase_add_test (tc, test_docs_picture);
  return s;
}

GST_CHECK_MAIN_WITH_SKIPS (encstatus);
