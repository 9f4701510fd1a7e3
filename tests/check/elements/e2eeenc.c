/* gst-e2ee: e2eeenc in a GstHarness. Every output frame is compared byte for byte
 * with an independent encryption of the same frame through the library API.
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <gst/check/gstcheck.h>
#include <gst/check/gstharness.h>
#include <gst/e2ee/e2ee.h>
#include <string.h>
#include "../e2eecheck.h"


/* Frame sizes chosen to hit the edges: empty, shorter than a tag, around one AES block,
 * an MTU, and one frame large enough to make the element grow its buffer pool. */
static const gsize frame_sizes[] = { 0, 1, 15, 16, 17, 100, 1500, 4000, 70000, 3, 1200 };

#define N_FRAMES G_N_ELEMENTS (frame_sizes)

/* ---- Helpers ------------------------------------------------------------ */

/* This file's keys (e2eecheck.h). make_enc() gives whole-frame SFrame:
 * test_enc_codec_layout sets the codec layout itself. */
static const KeyRecipe keys = { 31, 7, 1 };

/* Deterministic frame content that differs per frame. */
static GstBuffer *
make_frame (guint idx, gsize size)
{
  GstBuffer *buf;
  GstMapInfo map;

  if (size == 0)
    return gst_buffer_new ();
  buf = gst_buffer_new_allocate (NULL, size, NULL);
  gst_buffer_map (buf, &map, GST_MAP_WRITE);
  fill_bytes (map.data, size, idx);
  gst_buffer_unmap (buf, &map);
  return buf;
}

static void
stamp_frame (GstBuffer * buf, guint idx)
{
  GST_BUFFER_PTS (buf) = (idx + 1) * 10 * GST_MSECOND;
  GST_BUFFER_DTS (buf) = idx * 10 * GST_MSECOND;
  GST_BUFFER_DURATION (buf) = 10 * GST_MSECOND;
  GST_BUFFER_OFFSET (buf) = idx;
  GST_BUFFER_OFFSET_END (buf) = idx + 1;
  if (idx == 0)
    GST_BUFFER_FLAG_SET (buf, GST_BUFFER_FLAG_HEADER);
  if (idx % 4 != 0)
    GST_BUFFER_FLAG_SET (buf, GST_BUFFER_FLAG_DELTA_UNIT);
  if (idx % 3 == 2)
    GST_BUFFER_FLAG_SET (buf, GST_BUFFER_FLAG_MARKER);
}

/* The frame @ref would produce for @plain, as the element must produce it. */
static GBytes *
reference_encrypt_buffer (GstE2eeSFrameKey * ref, GstBuffer * plain, guint64 * ctr)
{
  GBytes *bytes = buffer_bytes (plain), *out = reference_encrypt (ref, bytes, ctr);

  g_bytes_unref (bytes);
  return out;
}

static void
assert_header (GstBuffer * buf, guint64 want_kid, guint64 want_ctr)
{
  guint8 hdr[GST_E2EE_SFRAME_MAX_HEADER_SIZE];
  gsize n = gst_buffer_extract (buf, 0, hdr, sizeof (hdr));
  guint64 kid = G_MAXUINT64, ctr = G_MAXUINT64;
  GError *err = NULL;

  fail_unless (gst_e2ee_sframe_header_parse (hdr, n, &kid, &ctr, NULL, &err),
      "output is not an SFrame frame: %s", err ? err->message : "?");
  fail_unless_equals_uint64 (kid, want_kid);
  fail_unless_equals_uint64 (ctr, want_ctr);
}

static void
assert_same_timing_and_flags (GstBuffer * out, GstBuffer * in)
{
  fail_unless_equals_uint64 (GST_BUFFER_PTS (out), GST_BUFFER_PTS (in));
  fail_unless_equals_uint64 (GST_BUFFER_DTS (out), GST_BUFFER_DTS (in));
  fail_unless_equals_uint64 (GST_BUFFER_DURATION (out), GST_BUFFER_DURATION (in));
  fail_unless_equals_uint64 (GST_BUFFER_OFFSET (out), GST_BUFFER_OFFSET (in));
  fail_unless_equals_uint64 (GST_BUFFER_OFFSET_END (out), GST_BUFFER_OFFSET_END (in));
  fail_unless_equals_int (GST_BUFFER_FLAGS (out), GST_BUFFER_FLAGS (in));
}

static void
assert_enum_nick (GObject * obj, const gchar * prop, const gchar * nick)
{
  GValue v = G_VALUE_INIT;
  GEnumValue *ev;

  g_value_init (&v, g_object_class_find_property (G_OBJECT_GET_CLASS (obj),
          prop)->value_type);
  g_object_get_property (obj, prop, &v);
  ev = g_enum_get_value (g_type_class_peek (G_VALUE_TYPE (&v)), g_value_get_enum (&v));
  fail_unless (ev != NULL);
  fail_unless_equals_string (ev->value_nick, nick);
  g_value_unset (&v);
}

/* Pushes @n frames from make_frame()/stamp_frame() starting at @start and checks
 * each output against @ref (and, if asked, its timestamps and flags). */
static void
push_and_check_full (GstHarness * h, GstE2eeSFrameKey * ref, guint start, guint n,
    gboolean check_timing)
{
  guint i;

  for (i = start; i < start + n; i++) {
    GstBuffer *in = make_frame (i, frame_sizes[i % N_FRAMES]);
    GstBuffer *out;
    GBytes *want;
    guint64 ctr;

    stamp_frame (in, i);
    want = reference_encrypt_buffer (ref, in, &ctr);
    fail_unless_equals_int (gst_harness_push (h, gst_buffer_ref (in)), GST_FLOW_OK);
    out = pull_now (h);
    assert_buffer_bytes (out, want, "e2eeenc output vs. library encryption");
    assert_header (out, gst_e2ee_sframe_key_get_kid (ref), ctr);
    if (check_timing)
      assert_same_timing_and_flags (out, in);
    fail_unless (gst_buffer_get_e2ee_meta (out) == NULL,
        "ciphertext must not claim to be authenticated plaintext");
    g_bytes_unref (want);
    gst_buffer_unref (out);
    gst_buffer_unref (in);
  }
}

static void
push_and_check (GstHarness * h, GstE2eeSFrameKey * ref, guint start, guint n)
{
  push_and_check_full (h, ref, start, n, FALSE);
}

static GstMessage *
pop_error (GstBus * bus)
{
  return gst_bus_pop_filtered (bus, GST_MESSAGE_ERROR);
}

static void
assert_error_contains (GstBus * bus, GQuark domain, gint code, const gchar * text)
{
  GstMessage *msg = pop_error (bus);
  GError *err = NULL;
  gchar *dbg = NULL;

  fail_unless (msg != NULL, "expected an error message on the bus (\"%s\")", text);
  gst_message_parse_error (msg, &err, &dbg);
  GST_INFO ("error: %s (%s)", err->message, dbg);
  fail_unless (err->domain == domain && err->code == code,
      "unexpected error %s:%d: %s", g_quark_to_string (err->domain), err->code,
      err->message);
  fail_unless (strstr (err->message, text) != NULL, "error \"%s\" does not say \"%s\"",
      err->message, text);
  g_error_free (err);
  g_free (dbg);
  gst_message_unref (msg);
}

static void
assert_warning_contains (GstBus * bus, const gchar * text)
{
  GstMessage *msg = gst_bus_pop_filtered (bus, GST_MESSAGE_WARNING);
  GError *err = NULL;

  fail_unless (msg != NULL, "expected a warning message on the bus (\"%s\")", text);
  gst_message_parse_warning (msg, &err, NULL);
  fail_unless (err->domain == GST_RESOURCE_ERROR &&
      err->code == GST_RESOURCE_ERROR_SETTINGS, "unexpected warning %s:%d: %s",
      g_quark_to_string (err->domain), err->code, err->message);
  fail_unless (strstr (err->message, text) != NULL, "warning \"%s\" does not say \"%s\"",
      err->message, text);
  g_error_free (err);
  gst_message_unref (msg);
}

/* ---- Tests -------------------------------------------------------------- */

/* For every suite: the element's frames are exactly the library's, CTR 0..N-1, and
 * timing and flags survive. A KID needing a multi-byte header field is used on
 * purpose. */
GST_START_TEST (test_enc_byte_exact)
{
  GstE2eeCipherSuite suite = all_suites[__i__];
  guint64 kid = 0x1234 + __i__;
  GstE2eeSFrameKey *ref = reference_key (&keys, suite, kid, 3);
  GstHarness *h = harness_for (make_enc (&keys, suite, kid, 3), NULL, H264_CAPS);

  push_and_check (h, ref, 0, 2 * N_FRAMES);
  fail_unless_equals_uint64 (gst_e2ee_sframe_key_get_next_counter (ref), 2 * N_FRAMES);
  fail_unless_equals_int (gst_harness_buffers_received (h), 2 * N_FRAMES);

  gst_e2ee_sframe_key_unref (ref);
  gst_harness_teardown (h);
}

GST_END_TEST;

/* PTS, DTS, duration, offsets and flags (HEADER, DELTA_UNIT, MARKER) reach the
 * ciphertext: muxers, payloaders and the decoder behind e2eedec need them. */
GST_START_TEST (test_enc_timing_and_flags)
{
  GstE2eeSFrameKey *ref = reference_key (&keys,
      GST_E2EE_CIPHER_SUITE_AES_128_GCM_SHA256_128, 2, 2);
  GstHarness *h = harness_for (make_enc (&keys,
      GST_E2EE_CIPHER_SUITE_AES_128_GCM_SHA256_128, 2, 2), NULL, H264_CAPS);

  push_and_check_full (h, ref, 0, N_FRAMES, TRUE);
  gst_e2ee_sframe_key_unref (ref);
  gst_harness_teardown (h);
}

GST_END_TEST;

/* The default suite is AES-256-GCM/SHA-512 and the default KID 0. */
GST_START_TEST (test_enc_defaults)
{
  GstElement *enc = gst_element_factory_make ("e2eeenc", NULL);
  GstE2eeSFrameKey *ref = reference_key (&keys,
      GST_E2EE_CIPHER_SUITE_AES_256_GCM_SHA512_128, 0, 9);
  GstBuffer *key = key_buffer (&keys, 9);
  GstE2eeCipherSuite suite;
  guint64 kid;
  gboolean enabled;
  GstHarness *h;

  g_object_get (enc, "cipher-suite", &suite, "key-id", &kid, "enabled", &enabled, NULL);
  fail_unless_equals_int (suite, GST_E2EE_CIPHER_SUITE_AES_256_GCM_SHA512_128);
  fail_unless_equals_uint64 (kid, 0);
  fail_unless (enabled);
  assert_enum_nick (G_OBJECT (enc), "layout", "auto");
  gst_util_set_object_arg (G_OBJECT (enc), "layout", "frame");

  g_object_set (enc, "key", key, NULL);
  gst_buffer_unref (key);
  h = harness_for (enc, NULL, OPUS_CAPS);
  push_and_check (h, ref, 0, 4);
  gst_e2ee_sframe_key_unref (ref);
  gst_harness_teardown (h);
}

GST_END_TEST;

/* The key is write-only and a gst-launch line gives it as hex. */
GST_START_TEST (test_enc_key_write_only_and_hex)
{
  GstElement *enc = gst_element_factory_make ("e2eeenc", NULL);
  GParamSpec *pspec = g_object_class_find_property (G_OBJECT_GET_CLASS (enc), "key");
  GstE2eeSFrameKey *ref = reference_key (&keys,
      GST_E2EE_CIPHER_SUITE_AES_128_GCM_SHA256_128, 77, 5);
  guint8 key[KEY_SIZE];
  gchar hex[2 * KEY_SIZE + 1];
  GstHarness *h;
  guint i;

  fail_unless (pspec != NULL);
  fail_unless (pspec->flags & G_PARAM_WRITABLE);
  fail_if (pspec->flags & G_PARAM_READABLE, "the key must not be readable");

  fill_key (&keys, key, 5);
  for (i = 0; i < KEY_SIZE; i++)
    g_snprintf (hex + 2 * i, 3, "%02x", key[i]);
  gst_util_set_object_arg (G_OBJECT (enc), "cipher-suite", "aes-128-gcm-sha256-128");
  gst_util_set_object_arg (G_OBJECT (enc), "key-id", "77");
  gst_util_set_object_arg (G_OBJECT (enc), "key", hex);

  h = harness_for (enc, NULL, H264_CAPS);
  push_and_check (h, ref, 0, 3);
  gst_e2ee_sframe_key_unref (ref);
  gst_harness_teardown (h);
}

GST_END_TEST;

GST_START_TEST (test_enc_caps)
{
  const gchar *in_caps[] = { H264_CAPS, OPUS_CAPS };
  const gchar *out_caps[] = { H264_SFRAME_CAPS, OPUS_SFRAME_CAPS };
  guint i;

  for (i = 0; i < G_N_ELEMENTS (in_caps); i++) {
    GstHarness *h = harness_for (make_enc (&keys,
        GST_E2EE_CIPHER_SUITE_AES_256_GCM_SHA512_128, 1, 1), NULL, in_caps[i]);
    GstCaps *want = gst_caps_from_string (out_caps[i]);
    GstCaps *got;

    gst_buffer_unref (push_pull (h, make_frame (0, 100)));
    got = gst_pad_get_current_caps (h->sinkpad);
    fail_unless (got != NULL);
    fail_unless (gst_caps_is_equal (got, want), "got %" GST_PTR_FORMAT ", want %"
        GST_PTR_FORMAT, got, want);
    gst_caps_unref (got);
    gst_caps_unref (want);
    gst_harness_teardown (h);
  }
}

GST_END_TEST;

/* Without a key the element refuses to start and says why. */
GST_START_TEST (test_enc_no_key)
{
  GstElement *enc = gst_element_factory_make ("e2eeenc", NULL);
  GstBus *bus = gst_bus_new ();

  gst_element_set_bus (enc, bus);
  fail_unless_equals_int (gst_element_set_state (enc, GST_STATE_PAUSED),
      GST_STATE_CHANGE_FAILURE);
  assert_error_contains (bus, GST_RESOURCE_ERROR, GST_RESOURCE_ERROR_SETTINGS, "no key");
  fail_unless_equals_int (gst_element_set_state (enc, GST_STATE_NULL),
      GST_STATE_CHANGE_SUCCESS);

  /* An empty key is no key either. */
  {
    GstBuffer *empty = gst_buffer_new ();

    g_object_set (enc, "key", empty, NULL);
    gst_buffer_unref (empty);
    fail_unless_equals_int (gst_element_set_state (enc, GST_STATE_PAUSED),
        GST_STATE_CHANGE_FAILURE);
    assert_error_contains (bus, GST_RESOURCE_ERROR, GST_RESOURCE_ERROR_SETTINGS, "key");
    gst_element_set_state (enc, GST_STATE_NULL);
  }

  /* 15 bytes are refused, 16 accepted. */
  {
    GstBuffer *short_key = gst_buffer_new_allocate (NULL, 15, NULL);
    GstBuffer *ok_key = gst_buffer_new_allocate (NULL, 16, NULL);

    gst_buffer_memset (short_key, 0, 0x5a, 15);
    gst_buffer_memset (ok_key, 0, 0x5a, 16);
    g_object_set (enc, "key", short_key, NULL);
    fail_unless_equals_int (gst_element_set_state (enc, GST_STATE_PAUSED),
        GST_STATE_CHANGE_FAILURE);
    assert_error_contains (bus, GST_RESOURCE_ERROR, GST_RESOURCE_ERROR_SETTINGS,
        "at least 16");
    gst_element_set_state (enc, GST_STATE_NULL);
    g_object_set (enc, "key", ok_key, NULL);
    fail_unless_equals_int (gst_element_set_state (enc, GST_STATE_PAUSED),
        GST_STATE_CHANGE_SUCCESS);
    gst_element_set_state (enc, GST_STATE_NULL);
    gst_buffer_unref (short_key);
    gst_buffer_unref (ok_key);
  }

  gst_element_set_bus (enc, NULL);
  gst_bus_set_flushing (bus, TRUE);
  gst_object_unref (bus);
  gst_object_unref (enc);
}

GST_END_TEST;

/* A KID that encrypted with one key is never given another: that would restart the
 * counter under the same KID and confuse receivers; changing only the suite counts as
 * another key too. The same key given again continues its counter. While playing, a
 * `key` or `cipher-suite` written without `key-id` waits for it and the current key
 * stays in use; completed with a KID used with another key, the change is refused with
 * a warning, as `rotate` refuses it, and the stream goes on with the current key. */
GST_START_TEST (test_enc_kid_reuse)
{
  GstE2eeSFrameKey *ref1 = reference_key (&keys,
      GST_E2EE_CIPHER_SUITE_AES_256_GCM_SHA512_128, 1, 1);
  GstE2eeSFrameKey *ref2 = reference_key (&keys,
      GST_E2EE_CIPHER_SUITE_AES_256_GCM_SHA512_128, 2, 2);
  GstElement *enc = make_enc (&keys, GST_E2EE_CIPHER_SUITE_AES_256_GCM_SHA512_128, 1, 1);
  GstBus *bus;
  GstHarness *h = harness_for (gst_object_ref (enc), &bus, H264_CAPS);
  GstBuffer *other = key_buffer (&keys, 42), *same = key_buffer (&keys, 1),
      *key2 = key_buffer (&keys, 2);

  push_and_check (h, ref1, 0, 3);

  /* KID 1 with another key: never used. Alone it waits for a key-id... */
  g_object_set (enc, "key", other, NULL);
  push_and_check (h, ref1, 3, 1);
  /* ... and with KID 1 it is refused. */
  g_object_set (enc, "key-id", (guint64) 1, NULL);
  assert_warning_contains (bus, "already used with another key");
  push_and_check (h, ref1, 4, 1);

  /* KID 1, right key, other suite: refused too. */
  g_object_set (enc, "cipher-suite", GST_E2EE_CIPHER_SUITE_AES_128_GCM_SHA256_128,
      "key-id", (guint64) 1, "key", same, NULL);
  assert_warning_contains (bus, "already used with another key");
  fail_unless (pop_error (bus) == NULL, "a refused key change must not stop the stream");

  /* Back to the right key and suite: continues at CTR 5. */
  g_object_set (enc, "cipher-suite", GST_E2EE_CIPHER_SUITE_AES_256_GCM_SHA512_128, NULL);
  push_and_check (h, ref1, 5, 1);

  /* A new KID starts at 0; back to KID 1 continues at 6, then KID 2 at 2. */
  g_object_set (enc, "key-id", (guint64) 2, "key", key2, NULL);
  push_and_check (h, ref2, 6, 2);
  g_object_set (enc, "key-id", (guint64) 1, "key", same, NULL);
  push_and_check (h, ref1, 8, 3);
  g_object_set (enc, "key-id", (guint64) 2, "key", key2, NULL);
  push_and_check (h, ref2, 11, 1);
  fail_unless_equals_uint64 (gst_e2ee_sframe_key_get_next_counter (ref1), 9);
  fail_unless_equals_uint64 (gst_e2ee_sframe_key_get_next_counter (ref2), 3);

  /* KID 2 with KID 1's key is still another key for KID 2. */
  g_object_set (enc, "key", same, "key-id", (guint64) 2, NULL);
  assert_warning_contains (bus, "already used with another key");
  push_and_check (h, ref2, 12, 1);
  fail_unless (pop_error (bus) == NULL, "a refused key change must not stop the stream");

  gst_buffer_unref (other);
  gst_buffer_unref (same);
  gst_buffer_unref (key2);
  gst_e2ee_sframe_key_unref (ref1);
  gst_e2ee_sframe_key_unref (ref2);
  gst_harness_teardown (h);
  gst_element_set_bus (enc, NULL);
  gst_object_unref (enc);
  gst_object_unref (bus);
}

GST_END_TEST;

/* The race of docs/performance.md: `key-id` and `key` are two property writes, and a
 * frame that comes between them (here pushed there on purpose, in either order) must
 * neither go out half changed (new KID with the old key, or the reverse) nor make the
 * second write look like a second key for the KID: it keeps the old key, the change
 * applies whole, and the stream never stops. */
GST_START_TEST (test_enc_key_change_between_writes)
{
  GstE2eeSFrameKey *ref1 = reference_key (&keys,
      GST_E2EE_CIPHER_SUITE_AES_256_GCM_SHA512_128, 1, 1);
  GstE2eeSFrameKey *ref2 = reference_key (&keys,
      GST_E2EE_CIPHER_SUITE_AES_256_GCM_SHA512_128, 2, 2);
  GstE2eeSFrameKey *ref3 = reference_key (&keys,
      GST_E2EE_CIPHER_SUITE_AES_256_GCM_SHA512_128, 3, 3);
  GstElement *enc = make_enc (&keys, GST_E2EE_CIPHER_SUITE_AES_256_GCM_SHA512_128, 1, 1);
  GstBus *bus;
  GstHarness *h = harness_for (gst_object_ref (enc), &bus, H264_CAPS);
  GstBuffer *key2 = key_buffer (&keys, 2), *key3 = key_buffer (&keys, 3);
  GstStructure *s;
  guint64 kid;

  push_and_check (h, ref1, 0, 2);

  /* key-id first: the frame between keeps KID 1 and its key. */
  g_object_set (enc, "key-id", (guint64) 2, NULL);
  push_and_check (h, ref1, 2, 1);
  /* The property reads back as written; the stats say what the next frame carries. */
  g_object_get (enc, "key-id", &kid, "stats", &s, NULL);
  fail_unless_equals_uint64 (kid, 2);
  fail_unless_equals_uint64 (get_u64 (s, "kid"), 1);
  fail_unless_equals_uint64 (get_u64 (s, "next-ctr"), 3);
  gst_structure_free (s);
  g_object_set (enc, "key", key2, NULL);
  push_and_check (h, ref2, 3, 2);

  /* key first: the same. */
  g_object_set (enc, "key", key3, NULL);
  push_and_check (h, ref2, 5, 1);
  g_object_set (enc, "key-id", (guint64) 3, NULL);
  push_and_check (h, ref3, 6, 2);

  fail_unless (pop_error (bus) == NULL, "a key change must not stop the stream");
  fail_unless (gst_bus_pop_filtered (bus, GST_MESSAGE_WARNING) == NULL,
      "an ordinary key change must not warn");

  gst_buffer_unref (key2);
  gst_buffer_unref (key3);
  gst_e2ee_sframe_key_unref (ref1);
  gst_e2ee_sframe_key_unref (ref2);
  gst_e2ee_sframe_key_unref (ref3);
  gst_harness_teardown (h);
  gst_element_set_bus (enc, NULL);
  gst_object_unref (enc);
  gst_object_unref (bus);
}

GST_END_TEST;

/* With the key store's key (no `key`), a new key-id alone is the whole change: the
 * element switches to the store's key for it, once the store has one. */
GST_START_TEST (test_enc_store_key_id_waits_for_key)
{
  GstE2eeSFrameKey *ref1 = reference_key (&keys,
      GST_E2EE_CIPHER_SUITE_AES_256_GCM_SHA512_128, 1, 1);
  GstE2eeSFrameKey *ref2 = reference_key (&keys,
      GST_E2EE_CIPHER_SUITE_AES_256_GCM_SHA512_128, 2, 2);
  GstE2eeKeyStore *store = gst_e2ee_key_store_new ();
  GstElement *enc = gst_element_factory_make ("e2eeenc", NULL);
  guint8 key[KEY_SIZE];
  GstBus *bus;
  GstHarness *h;

  fill_key (&keys, key, 1);
  fail_unless (gst_e2ee_key_store_add_key (store, 1, GST_E2EE_KEY_USAGE_ENCRYPT,
          GST_E2EE_CIPHER_SUITE_AES_256_GCM_SHA512_128, key, KEY_SIZE, NULL));
  g_object_set (enc, "key-store", store, "key-id", (guint64) 1, NULL);
  gst_util_set_object_arg (G_OBJECT (enc), "layout", "frame");
  h = harness_for (gst_object_ref (enc), &bus, H264_CAPS);
  push_and_check (h, ref1, 0, 2);

  /* KID 2 is not in the store yet: KID 1 goes on. */
  g_object_set (enc, "key-id", (guint64) 2, NULL);
  push_and_check (h, ref1, 2, 1);
  fill_key (&keys, key, 2);
  fail_unless (gst_e2ee_key_store_add_key (store, 2, GST_E2EE_KEY_USAGE_ENCRYPT,
          GST_E2EE_CIPHER_SUITE_AES_256_GCM_SHA512_128, key, KEY_SIZE, NULL));
  push_and_check (h, ref2, 3, 2);
  fail_unless (pop_error (bus) == NULL, "a key change must not stop the stream");

  gst_e2ee_sframe_key_unref (ref1);
  gst_e2ee_sframe_key_unref (ref2);
  gst_harness_teardown (h);
  gst_element_set_bus (enc, NULL);
  gst_object_unref (enc);
  gst_object_unref (bus);
  gst_object_unref (store);
}

GST_END_TEST;

/* Stopping and restarting the element does not restart a key's counter. */
GST_START_TEST (test_enc_counter_survives_restart)
{
  GstE2eeSFrameKey *ref = reference_key (&keys,
      GST_E2EE_CIPHER_SUITE_AES_128_CTR_HMAC_SHA256_80, 9, 4);
  GstElement *enc = make_enc (&keys, GST_E2EE_CIPHER_SUITE_AES_128_CTR_HMAC_SHA256_80, 9,
      4);
  GstHarness *h = harness_for (gst_object_ref (enc), NULL, OPUS_CAPS);
  GstSegment segment;

  push_and_check (h, ref, 0, 4);

  fail_unless_equals_int (gst_element_set_state (enc, GST_STATE_NULL),
      GST_STATE_CHANGE_SUCCESS);
  fail_unless_equals_int (gst_element_set_state (enc, GST_STATE_PLAYING),
      GST_STATE_CHANGE_SUCCESS);
  gst_segment_init (&segment, GST_FORMAT_TIME);
  fail_unless (gst_harness_push_event (h, gst_event_new_stream_start ("restart")));
  {
    GstCaps *caps = gst_caps_from_string (OPUS_CAPS);

    fail_unless (gst_harness_push_event (h, gst_event_new_caps (caps)));
    gst_caps_unref (caps);
  }
  fail_unless (gst_harness_push_event (h, gst_event_new_segment (&segment)));

  push_and_check (h, ref, 4, 4);

  gst_e2ee_sframe_key_unref (ref);
  gst_harness_teardown (h);
  gst_object_unref (enc);
}

GST_END_TEST;

/* enabled=false: the input caps, the very same bytes, no E2EE metadata, and no key
 * needed. */
GST_START_TEST (test_enc_disabled)
{
  GstElement *enc = gst_element_factory_make ("e2eeenc", NULL);
  GstCaps *want = gst_caps_from_string (H264_CAPS), *got;
  GstHarness *h;
  guint i;

  g_object_set (enc, "enabled", FALSE, NULL);
  h = harness_for (enc, NULL, H264_CAPS);
  for (i = 0; i < N_FRAMES; i++) {
    GstBuffer *in = make_frame (i, frame_sizes[i]), *out;
    GstMapInfo a, b;

    stamp_frame (in, i);
    fail_unless_equals_int (gst_harness_push (h, gst_buffer_ref (in)), GST_FLOW_OK);
    out = pull_now (h);
    gst_buffer_map (in, &a, GST_MAP_READ);
    gst_buffer_map (out, &b, GST_MAP_READ);
    fail_unless_equals_uint64 (b.size, a.size);
    fail_unless (a.size == 0 || memcmp (a.data, b.data, a.size) == 0);
    gst_buffer_unmap (out, &b);
    gst_buffer_unmap (in, &a);
    assert_same_timing_and_flags (out, in);
    fail_unless (gst_buffer_get_e2ee_meta (out) == NULL);
    gst_buffer_unref (out);
    gst_buffer_unref (in);
  }
  got = gst_pad_get_current_caps (h->sinkpad);
  fail_unless (gst_caps_is_equal (got, want), "got %" GST_PTR_FORMAT, got);
  gst_caps_unref (got);
  gst_caps_unref (want);
  gst_harness_teardown (h);
}

GST_END_TEST;

/* Toggling `enabled` while playing switches caps both ways, and encryption resumes
 * with the key's next counter. */
GST_START_TEST (test_enc_toggle_enabled)
{
  GstE2eeSFrameKey *ref = reference_key (&keys,
      GST_E2EE_CIPHER_SUITE_AES_256_GCM_SHA512_128, 3, 3);
  GstElement *enc = make_enc (&keys, GST_E2EE_CIPHER_SUITE_AES_256_GCM_SHA512_128, 3, 3);
  GstHarness *h = harness_for (gst_object_ref (enc), NULL, OPUS_CAPS);
  GstCaps *plain = gst_caps_from_string (OPUS_CAPS);
  GstCaps *sframe = gst_caps_from_string (OPUS_SFRAME_CAPS);
  GstCaps *got;
  GstBuffer *in, *out;

  push_and_check (h, ref, 0, 2);
  got = gst_pad_get_current_caps (h->sinkpad);
  fail_unless (gst_caps_is_equal (got, sframe), "got %" GST_PTR_FORMAT, got);
  gst_caps_unref (got);

  g_object_set (enc, "enabled", FALSE, NULL);
  in = make_frame (2, 50);
  out = push_pull (h, gst_buffer_ref (in));
  fail_unless_equals_uint64 (gst_buffer_get_size (out), 50);
  {
    GstMapInfo a;

    gst_buffer_map (in, &a, GST_MAP_READ);
    fail_unless (gst_buffer_memcmp (out, 0, a.data, a.size) == 0);
    gst_buffer_unmap (in, &a);
  }
  fail_unless (gst_buffer_get_e2ee_meta (out) == NULL);
  got = gst_pad_get_current_caps (h->sinkpad);
  fail_unless (gst_caps_is_equal (got, plain), "got %" GST_PTR_FORMAT, got);
  gst_caps_unref (got);
  gst_buffer_unref (out);
  gst_buffer_unref (in);

  g_object_set (enc, "enabled", TRUE, NULL);
  push_and_check (h, ref, 3, 2);
  got = gst_pad_get_current_caps (h->sinkpad);
  fail_unless (gst_caps_is_equal (got, sframe), "got %" GST_PTR_FORMAT, got);
  gst_caps_unref (got);

  gst_caps_unref (plain);
  gst_caps_unref (sframe);
  gst_e2ee_sframe_key_unref (ref);
  gst_harness_teardown (h);
  gst_object_unref (enc);
}

GST_END_TEST;

/* Disabled without a key starts; enabling it then fails with the clear message. */
GST_START_TEST (test_enc_enable_without_key)
{
  GstElement *enc = gst_element_factory_make ("e2eeenc", NULL);
  GstBus *bus;
  GstHarness *h;

  g_object_set (enc, "enabled", FALSE, NULL);
  h = harness_for (gst_object_ref (enc), &bus, OPUS_CAPS);
  gst_buffer_unref (push_pull (h, make_frame (0, 20)));
  g_object_set (enc, "enabled", TRUE, NULL);
  fail_unless_equals_int (gst_harness_push (h, make_frame (1, 20)), GST_FLOW_ERROR);
  assert_error_contains (bus, GST_RESOURCE_ERROR, GST_RESOURCE_ERROR_SETTINGS, "no key");
  fail_unless (gst_harness_try_pull (h) == NULL);

  gst_harness_teardown (h);
  gst_element_set_bus (enc, NULL);
  gst_object_unref (enc);
  gst_object_unref (bus);
}

GST_END_TEST;

/* E2EE metadata on the input (a decrypted frame re-encrypted by a relay) describes
 * the plaintext, not the new ciphertext, and must not be copied to it. */
GST_START_TEST (test_enc_drops_e2ee_meta)
{
  GstE2eeSFrameKey *ref = reference_key (&keys,
      GST_E2EE_CIPHER_SUITE_AES_256_GCM_SHA512_128, 4, 4);
  GstHarness *h = harness_for (make_enc (&keys,
      GST_E2EE_CIPHER_SUITE_AES_256_GCM_SHA512_128, 4, 4), NULL, H264_CAPS);
  GstBuffer *in = make_frame (0, 300), *out;
  GBytes *want = reference_encrypt_buffer (ref, in, NULL);

  gst_buffer_add_e2ee_meta (in, TRUE, 99, 5, GST_E2EE_CIPHER_SUITE_AES_128_GCM_SHA256_128);
  out = push_pull (h, in);
  assert_buffer_bytes (out, want, "frame with meta");
  fail_unless (gst_buffer_get_e2ee_meta (out) == NULL);
  gst_buffer_unref (out);
  g_bytes_unref (want);
  gst_e2ee_sframe_key_unref (ref);
  gst_harness_teardown (h);
}

GST_END_TEST;

/* Output buffers come back to the element's pool after downstream cut them and tagged
 * them (as e2eedec does) and go out again whole, with no meta, timestamp or flag of
 * their previous frame; one whose memory is still shared is not written again. */
GST_START_TEST (test_enc_recycled_output)
{
  GstE2eeSFrameKey *ref = reference_key (&keys,
      GST_E2EE_CIPHER_SUITE_AES_256_GCM_SHA512_128, 4, 4);
  GstHarness *h = harness_for (make_enc (&keys,
      GST_E2EE_CIPHER_SUITE_AES_256_GCM_SHA512_128, 4, 4), NULL, H264_CAPS);
  GstBuffer *in, *out, *shared;
  GstBuffer *first;
  GBytes *want, *kept;
  GstMapInfo map;

  in = make_frame (1, 1200);
  stamp_frame (in, 1);
  want = reference_encrypt_buffer (ref, in, NULL);
  out = push_pull (h, in);
  assert_buffer_bytes (out, want, "first frame");
  g_bytes_unref (want);
  first = out;
  gst_buffer_resize (out, 3, 1000);
  gst_buffer_add_e2ee_meta (out, TRUE, 4, 0, GST_E2EE_CIPHER_SUITE_AES_256_GCM_SHA512_128);
  gst_buffer_unref (out);

  in = make_frame (4, 1500);
  stamp_frame (in, 4);
  want = reference_encrypt_buffer (ref, in, NULL);
  out = push_pull (h, gst_buffer_ref (in));
  /* The same buffer came back: what is checked is its reset. */
  fail_unless (out == first);
  assert_buffer_bytes (out, want, "recycled buffer");
  assert_same_timing_and_flags (out, in);
  fail_unless (gst_buffer_get_e2ee_meta (out) == NULL);
  g_bytes_unref (want);
  gst_buffer_unref (in);

  /* Downstream keeps the memory through another buffer: never written again. */
  shared = gst_buffer_copy (out);
  gst_buffer_unref (out);
  fail_unless (gst_buffer_map (shared, &map, GST_MAP_READ));
  kept = g_bytes_new (map.data, map.size);
  gst_buffer_unmap (shared, &map);
  in = make_frame (5, 1500);
  want = reference_encrypt_buffer (ref, in, NULL);
  out = push_pull (h, in);
  assert_buffer_bytes (out, want, "after a shared buffer");
  assert_buffer_bytes (shared, kept, "the shared memory");
  gst_buffer_unref (out);
  gst_buffer_unref (shared);
  g_bytes_unref (want);
  g_bytes_unref (kept);

  gst_e2ee_sframe_key_unref (ref);
  gst_harness_teardown (h);
}

GST_END_TEST;

GST_START_TEST (test_enc_stats)
{
  static const gchar *const top_fields[] =
      { "frames", "bytes", "dropped-malformed", "dropped-no-key", "kid", "next-ctr", "kids",
    "policy", "policy-overrides", "policy-refused", NULL
  };
  static const gchar *const kid_fields[] = { "kid", "frames", "bytes", NULL };
  GstE2eeSFrameKey *ref1 = reference_key (&keys,
      GST_E2EE_CIPHER_SUITE_AES_256_GCM_SHA512_128, 10, 1);
  GstE2eeSFrameKey *ref2 = reference_key (&keys,
      GST_E2EE_CIPHER_SUITE_AES_256_GCM_SHA512_128, 5, 2);
  GstElement *enc = make_enc (&keys, GST_E2EE_CIPHER_SUITE_AES_256_GCM_SHA512_128, 10, 1);
  GstHarness *h = harness_for (gst_object_ref (enc), NULL, OPUS_CAPS);
  GstBuffer *key2 = key_buffer (&keys, 2);
  guint64 bytes1 = 0, bytes2 = 0;
  const GValue *kids;
  GstStructure *s;
  guint i;

  g_object_get (enc, "stats", &s, NULL);
  fail_unless (gst_structure_has_name (s, "e2eeenc-stats"));
  assert_fields (s, top_fields);
  fail_unless_equals_uint64 (get_u64 (s, "frames"), 0);
  fail_unless_equals_uint64 (get_u64 (s, "next-ctr"), 0);
  fail_unless_equals_int (gst_value_array_get_size (gst_structure_get_value (s, "kids")),
      0);
  gst_structure_free (s);

  push_and_check (h, ref1, 0, 3);
  for (i = 0; i < 3; i++)
    bytes1 += frame_sizes[i];
  g_object_set (enc, "key-id", (guint64) 5, "key", key2, NULL);
  push_and_check (h, ref2, 3, 4);
  for (i = 3; i < 7; i++)
    bytes2 += frame_sizes[i];

  g_object_get (enc, "stats", &s, NULL);
  GST_INFO ("%" GST_PTR_FORMAT, s);
  assert_fields (s, top_fields);
  fail_unless_equals_uint64 (get_u64 (s, "frames"), 7);
  fail_unless_equals_uint64 (get_u64 (s, "bytes"), bytes1 + bytes2);
  fail_unless_equals_uint64 (get_u64 (s, "kid"), 5);
  fail_unless_equals_uint64 (get_u64 (s, "next-ctr"), 4);
  kids = gst_structure_get_value (s, "kids");
  fail_unless (GST_VALUE_HOLDS_ARRAY (kids));
  fail_unless_equals_int (gst_value_array_get_size (kids), 2);
  {
    /* Sorted by KID. */
    const GstStructure *k5 =
        gst_value_get_structure (gst_value_array_get_value (kids, 0));
    const GstStructure *k10 =
        gst_value_get_structure (gst_value_array_get_value (kids, 1));

    fail_unless (gst_structure_has_name (k5, "kid-stats"));
    assert_fields (k5, kid_fields);
    assert_fields (k10, kid_fields);
    fail_unless_equals_uint64 (get_u64 (k5, "kid"), 5);
    fail_unless_equals_uint64 (get_u64 (k5, "frames"), 4);
    fail_unless_equals_uint64 (get_u64 (k5, "bytes"), bytes2);
    fail_unless_equals_uint64 (get_u64 (k10, "kid"), 10);
    fail_unless_equals_uint64 (get_u64 (k10, "frames"), 3);
    fail_unless_equals_uint64 (get_u64 (k10, "bytes"), bytes1);
  }
  gst_structure_free (s);

  gst_buffer_unref (key2);
  gst_e2ee_sframe_key_unref (ref1);
  gst_e2ee_sframe_key_unref (ref2);
  gst_harness_teardown (h);
  gst_object_unref (enc);
}

GST_END_TEST;

/* `next-ctr` is documented as the counter the next frame will carry, so it must follow
 * a key change right away, not only after the next frame. */
GST_START_TEST (test_enc_stats_next_ctr_after_key_change)
{
  GstE2eeSFrameKey *ref = reference_key (&keys,
      GST_E2EE_CIPHER_SUITE_AES_256_GCM_SHA512_128, 1, 1);
  GstElement *enc = make_enc (&keys, GST_E2EE_CIPHER_SUITE_AES_256_GCM_SHA512_128, 1, 1);
  GstHarness *h = harness_for (gst_object_ref (enc), NULL, OPUS_CAPS);
  GstBuffer *key2 = key_buffer (&keys, 2), *key1 = key_buffer (&keys, 1);
  GstStructure *s;

  push_and_check (h, ref, 0, 3);
  g_object_set (enc, "key-id", (guint64) 2, "key", key2, NULL);
  g_object_get (enc, "stats", &s, NULL);
  fail_unless_equals_uint64 (get_u64 (s, "kid"), 2);
  fail_unless_equals_uint64 (get_u64 (s, "next-ctr"), 0);
  gst_structure_free (s);

  gst_buffer_unref (push_pull (h, make_frame (0, 10)));
  g_object_set (enc, "key-id", (guint64) 1, "key", key1, NULL);
  g_object_get (enc, "stats", &s, NULL);
  fail_unless_equals_uint64 (get_u64 (s, "kid"), 1);
  fail_unless_equals_uint64 (get_u64 (s, "next-ctr"), 3);
  gst_structure_free (s);

  gst_buffer_unref (key1);
  gst_buffer_unref (key2);
  gst_e2ee_sframe_key_unref (ref);
  gst_harness_teardown (h);
  gst_object_unref (enc);
}

GST_END_TEST;

/* Buffers made of several memories, and read-only input, are encrypted as one frame
 * without touching the input. */
GST_START_TEST (test_enc_multi_memory_input)
{
  GstE2eeSFrameKey *ref = reference_key (&keys,
      GST_E2EE_CIPHER_SUITE_AES_128_GCM_SHA256_128, 6, 6);
  GstHarness *h = harness_for (make_enc (&keys,
      GST_E2EE_CIPHER_SUITE_AES_128_GCM_SHA256_128, 6, 6), NULL, H264_CAPS);
  GstBuffer *a = make_frame (1, 700), *b = make_frame (2, 333);
  GstBuffer *joined = gst_buffer_append (gst_buffer_ref (a), gst_buffer_ref (b));
  GstBuffer *copy = gst_buffer_copy_deep (joined), *out;
  GBytes *want;

  /* The reference is made from the copy: mapping a writable buffer of two memories
   * merges them, and e2eeenc must get the two. */
  want = reference_encrypt_buffer (ref, copy, NULL);
  fail_unless_equals_int (gst_buffer_n_memory (joined), 2);
  out = push_pull (h, gst_buffer_ref (joined));
  assert_buffer_bytes (out, want, "two-memory frame");
  {
    GstMapInfo m;

    gst_buffer_map (copy, &m, GST_MAP_READ);
    fail_unless (gst_buffer_memcmp (joined, 0, m.data, m.size) == 0,
        "the input was modified");
    gst_buffer_unmap (copy, &m);
  }
  gst_buffer_unref (out);
  g_bytes_unref (want);
  gst_buffer_unref (copy);
  gst_buffer_unref (joined);
  gst_buffer_unref (a);
  gst_buffer_unref (b);
  gst_e2ee_sframe_key_unref (ref);
  gst_harness_teardown (h);
}

GST_END_TEST;

/* The codec layout: Opus frames come out as the library lays them out, with the codec's
 * caps and e2ee-layout=codec; an empty Opus packet (not a frame the layout can read) is
 * dropped, reported and counted, and uses no counter. */
GST_START_TEST (test_enc_codec_layout)
{
  GstE2eeSFrameKey *ref = reference_key (&keys,
      GST_E2EE_CIPHER_SUITE_AES_256_GCM_SHA512_128, 3, 1);
  GstElement *enc = make_enc (&keys, GST_E2EE_CIPHER_SUITE_AES_256_GCM_SHA512_128, 3, 1);
  GstCaps *want = gst_caps_from_string (OPUS_CAPS ", e2ee-layout=(string)codec");
  GstCaps *got;
  GstHarness *h;
  GstBus *bus;
  GstMessage *msg;
  GstStructure *s;
  guint i;

  gst_util_set_object_arg (G_OBJECT (enc), "layout", "auto");
  h = harness_for (gst_object_ref (enc), &bus, OPUS_CAPS);
  for (i = 0; i < 4; i++) {
    /* Frame 2 is empty: an Opus packet needs at least its TOC byte. */
    GstBuffer *in = make_frame (i, i == 2 ? 0 : 50 + 30 * i), *out;
    GBytes *plain, *expect;
    GError *err = NULL;
    GstMapInfo map;

    stamp_frame (in, i);
    fail_unless_equals_int (gst_harness_push (h, gst_buffer_ref (in)), GST_FLOW_OK);
    if (i == 2) {
      fail_unless (gst_harness_try_pull (h) == NULL, "a malformed frame went out");
      msg = gst_bus_pop_filtered (bus, GST_MESSAGE_WARNING);
      fail_unless (msg != NULL, "no warning for the dropped frame");
      gst_message_parse_warning (msg, &err, NULL);
      fail_unless (err->domain == GST_STREAM_ERROR, "%s", err->message);
      g_clear_error (&err);
      gst_message_unref (msg);
      gst_buffer_unref (in);
      continue;
    }
    gst_buffer_map (in, &map, GST_MAP_READ);
    plain = g_bytes_new (map.data, map.size);
    gst_buffer_unmap (in, &map);
    expect = gst_e2ee_layout_encrypt_bytes (ref, GST_E2EE_LAYOUT_CODEC_OPUS, plain, &err);
    fail_unless (expect != NULL, "%s", err ? err->message : "?");
    out = pull_now (h);
    assert_buffer_bytes (out, expect, "e2eeenc codec layout vs. library");
    if (i == 3) {
      /* The frame after a dropped one starts a discontinuity. */
      fail_unless (GST_BUFFER_FLAG_IS_SET (out, GST_BUFFER_FLAG_DISCONT));
      out = gst_buffer_make_writable (out);
      GST_BUFFER_FLAG_UNSET (out, GST_BUFFER_FLAG_DISCONT);
    }
    assert_same_timing_and_flags (out, in);
    g_bytes_unref (expect);
    g_bytes_unref (plain);
    gst_buffer_unref (out);
    gst_buffer_unref (in);
  }
  got = gst_pad_get_current_caps (h->sinkpad);
  fail_unless (gst_caps_is_equal (got, want), "got %" GST_PTR_FORMAT ", want %"
      GST_PTR_FORMAT, got, want);
  gst_caps_unref (got);

  g_object_get (enc, "stats", &s, NULL);
  fail_unless_equals_uint64 (get_u64 (s, "frames"), 3);
  fail_unless_equals_uint64 (get_u64 (s, "dropped-malformed"), 1);
  fail_unless_equals_uint64 (get_u64 (s, "next-ctr"), 3);
  gst_structure_free (s);

  /* Messages hold the element and the element the bus: flush to break the cycle. */
  gst_bus_set_flushing (bus, TRUE);
  gst_harness_teardown (h);
  gst_element_set_bus (enc, NULL);
  gst_object_unref (enc);
  gst_object_unref (bus);
  gst_caps_unref (want);
  gst_e2ee_sframe_key_unref (ref);
}

GST_END_TEST;

/* auto encrypts streams without a codec layout as whole frames, and streams with one
 * too when downstream takes only whole frames; layout=codec refuses streams without
 * one with an error that says why. */
GST_START_TEST (test_enc_codec_layout_unsupported)
{
  GstElement *enc = make_enc (&keys, GST_E2EE_CIPHER_SUITE_AES_256_GCM_SHA512_128, 1, 1);
  GstCaps *want = gst_caps_from_string (H264_SFRAME_CAPS), *got;
  GstHarness *h;
  GstBus *bus;

  gst_util_set_object_arg (G_OBJECT (enc), "layout", "auto");
  h = harness_for (enc, NULL, H264_CAPS);
  gst_buffer_unref (push_pull (h, make_frame (0, 100)));
  got = gst_pad_get_current_caps (h->sinkpad);
  fail_unless (gst_caps_is_equal (got, want), "got %" GST_PTR_FORMAT ", want %"
      GST_PTR_FORMAT, got, want);
  gst_caps_unref (got);
  gst_caps_unref (want);
  gst_harness_teardown (h);

  {
    GstE2eeSFrameKey *ref = reference_key (&keys,
        GST_E2EE_CIPHER_SUITE_AES_256_GCM_SHA512_128, 1, 1);

    enc = make_enc (&keys, GST_E2EE_CIPHER_SUITE_AES_256_GCM_SHA512_128, 1, 1);
    gst_util_set_object_arg (G_OBJECT (enc), "layout", "auto");
    h = harness_for (enc, NULL, OPUS_CAPS);
    gst_harness_set_sink_caps_str (h, "application/x-sframe");
    push_and_check (h, ref, 0, 3);
    want = gst_caps_from_string (OPUS_SFRAME_CAPS);
    got = gst_pad_get_current_caps (h->sinkpad);
    fail_unless (gst_caps_is_equal (got, want), "got %" GST_PTR_FORMAT ", want %"
        GST_PTR_FORMAT, got, want);
    gst_caps_unref (got);
    gst_caps_unref (want);
    gst_harness_teardown (h);
    gst_e2ee_sframe_key_unref (ref);
  }

  enc = make_enc (&keys, GST_E2EE_CIPHER_SUITE_AES_256_GCM_SHA512_128, 1, 1);
  gst_util_set_object_arg (G_OBJECT (enc), "layout", "codec");
  h = harness_for (enc, &bus, H264_CAPS);
  fail_if (gst_harness_push (h, make_frame (0, 100)) == GST_FLOW_OK);
  assert_error_contains (bus, GST_STREAM_ERROR, GST_STREAM_ERROR_FORMAT,
      "layout=codec");
  fail_unless (gst_harness_try_pull (h) == NULL);
  gst_bus_set_flushing (bus, TRUE);
  gst_harness_teardown (h);
  gst_object_unref (bus);
}

GST_END_TEST;

static Suite *
e2eeenc_suite (void)
{
  Suite *s = suite_create ("e2eeenc");
  TCase *tc = tcase_create ("general");

  suite_add_tcase (s, tc);
  tcase_add_loop_test (tc, test_enc_byte_exact, 0, G_N_ELEMENTS (all_suites));
  tcase_add_test (tc, test_enc_timing_and_flags);
  tcase_add_test (tc, test_enc_defaults);
  tcase_add_test (tc, test_enc_key_write_only_and_hex);
  tcase_add_test (tc, test_enc_caps);
  tcase_add_test (tc, test_enc_no_key);
  tcase_add_test (tc, test_enc_kid_reuse);
  tcase_add_test (tc, test_enc_key_change_between_writes);
  tcase_add_test (tc, test_enc_store_key_id_waits_for_key);
  tcase_add_test (tc, test_enc_counter_survives_restart);
  tcase_add_test (tc, test_enc_disabled);
  tcase_add_test (tc, test_enc_toggle_enabled);
  tcase_add_test (tc, test_enc_enable_without_key);
  tcase_add_test (tc, test_enc_drops_e2ee_meta);
  tcase_add_test (tc, test_enc_recycled_output);
  tcase_add_test (tc, test_enc_stats);
  tcase_add_test (tc, test_enc_stats_next_ctr_after_key_change);
  tcase_add_test (tc, test_enc_multi_memory_input);
  tcase_add_test (tc, test_enc_codec_layout);
  tcase_add_test (tc, test_enc_codec_layout_unsupported);
  return s;
}

GST_CHECK_MAIN (e2eeenc);
