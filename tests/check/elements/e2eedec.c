/* gst-e2ee: e2eedec in a GstHarness, fed frames encrypted independently through the
 * library API, good ones and every kind of bad one.
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <gst/check/gstcheck.h>
#include <gst/check/gstharness.h>
#include <gst/e2ee/e2ee.h>
#include <gst/video/video.h>
#include <string.h>
#include "../e2eecheck.h"

#define KID 0x1234              /* needs a 2-byte KID field in the header */
#define DEFAULT_SUITE GST_E2EE_CIPHER_SUITE_AES_256_GCM_SHA512_128

#define VP8_CAPS "video/x-vp8, width=(int)640, height=(int)360, framerate=(fraction)30000/1001, " \
  "pixel-aspect-ratio=(fraction)1/1, profile=(string)0"
#define VP8_SFRAME_CAPS "application/x-sframe, original-media-type=(string)video/x-vp8, " \
  "width=(int)640, height=(int)360, framerate=(fraction)30000/1001, " \
  "pixel-aspect-ratio=(fraction)1/1, profile=(string)0"

static const gsize frame_sizes[] = { 0, 1, 15, 16, 17, 100, 1500, 4000, 70000, 3, 1200 };

#define N_FRAMES G_N_ELEMENTS (frame_sizes)

/* ---- Helpers ------------------------------------------------------------ */

/* This file's keys (e2eecheck.h). */
static const KeyRecipe keys = { 31, 7, 1 };

static GBytes *
make_plain (guint idx, gsize size)
{
  guint8 *d = g_malloc (MAX (size, 1));
  guint32 x = 0x85ebca6bu * (idx + 7);
  gsize i;

  for (i = 0; i < size; i++) {
    x = x * 1664525u + 1013904223u;
    d[i] = x >> 24;
  }
  return g_bytes_new_take (d, size);
}

/* An SFrame frame made by the library, in a buffer of its own (writable). */
static GstBuffer *
encrypt_frame (GstE2eeSFrameKey * ref, GBytes * plain, guint64 * ctr)
{
  gsize size = g_bytes_get_size (plain), len = 0;
  gsize cap = gst_e2ee_sframe_key_get_max_encrypted_size (ref, size);
  GstBuffer *buf = gst_buffer_new_allocate (NULL, cap, NULL);
  GError *err = NULL;
  GstMapInfo map;
  gboolean ok;

  gst_buffer_map (buf, &map, GST_MAP_WRITE);
  ok = gst_e2ee_sframe_key_encrypt (ref, NULL, 0, g_bytes_get_data (plain, NULL), size,
      map.data, map.size, &len, ctr, &err);
  gst_buffer_unmap (buf, &map);
  fail_unless (ok, "reference encryption: %s", err ? err->message : "?");
  gst_buffer_set_size (buf, len);
  return buf;
}

static void
stamp_frame (GstBuffer * buf, guint idx)
{
  GST_BUFFER_PTS (buf) = (idx + 1) * 20 * GST_MSECOND;
  GST_BUFFER_DTS (buf) = idx * 20 * GST_MSECOND;
  GST_BUFFER_DURATION (buf) = 20 * GST_MSECOND;
  GST_BUFFER_OFFSET (buf) = idx * 960;
  GST_BUFFER_OFFSET_END (buf) = (idx + 1) * 960;
  if (idx == 0)
    GST_BUFFER_FLAG_SET (buf, GST_BUFFER_FLAG_HEADER);
  if (idx % 4 != 0)
    GST_BUFFER_FLAG_SET (buf, GST_BUFFER_FLAG_DELTA_UNIT);
  if (idx % 3 == 2)
    GST_BUFFER_FLAG_SET (buf, GST_BUFFER_FLAG_MARKER);
}

static void
assert_meta (GstBuffer * out, guint64 kid, guint64 ctr, GstE2eeCipherSuite suite)
{
  GstE2eeMeta *meta = gst_buffer_get_e2ee_meta (out);

  fail_unless (meta != NULL, "e2eedec output without GstE2eeMeta");
  fail_unless (meta->authenticated);
  fail_unless_equals_uint64 (meta->kid, kid);
  fail_unless_equals_uint64 (meta->ctr, ctr);
  fail_unless_equals_int (meta->cipher_suite, suite);
}

static GstElement *
make_dec (GstE2eeCipherSuite suite, guint64 kid, guint8 key_seed)
{
  GstElement *dec = gst_element_factory_make ("e2eedec", NULL);

  fail_unless (dec != NULL, "e2eedec not found: is GST_PLUGIN_PATH set?");
  /* Frames without a key are dropped at once here; test_dec_hold covers holding. */
  g_object_set (dec, "cipher-suite", suite, "unknown-kid-hold", (guint64) 0, NULL);
  if (key_seed) {
    GstBuffer *key = key_buffer (&keys, key_seed);

    g_object_set (dec, "key-id", kid, "key", key, NULL);
    gst_buffer_unref (key);
  }
  return dec;
}

static void
free_bus (GstElement * el, GstBus * bus)
{
  gst_element_set_bus (el, NULL);
  gst_bus_set_flushing (bus, TRUE);
  gst_object_unref (bus);
}

static GstStructure *
get_stats (GstElement * dec)
{
  static const gchar *const fields[] = { "frames", "bytes", "dropped",
    "dropped-unknown-kid", "dropped-authentication", "dropped-truncated",
    "dropped-malformed-header", "dropped-replay-duplicate", "dropped-replay-too-old",
    "dropped-clear-only", "held", "recovered", "joined", "nal-units-removed", "keys",
    "kids", "policy", "policy-overrides", "policy-refused", NULL
  };
  GstStructure *s = NULL;

  g_object_get (dec, "stats", &s, NULL);
  fail_unless (s != NULL);
  fail_unless (gst_structure_has_name (s, "e2eedec-stats"));
  assert_fields (s, fields);
  fail_unless (GST_VALUE_HOLDS_ARRAY (gst_structure_get_value (s, "kids")));
  GST_INFO ("%" GST_PTR_FORMAT, s);
  return s;
}

/* The `kid-stats` entry for @kid, or NULL; checks the entry's fields. */
static const GstStructure *
kid_stats (const GstStructure * stats, guint64 kid)
{
  static const gchar *const fields[] = { "kid", "frames", "bytes",
    "dropped-authentication", "dropped-truncated", "dropped-unknown-kid",
    "dropped-replay", NULL
  };
  const GValue *kids = gst_structure_get_value (stats, "kids");
  guint i;

  for (i = 0; i < gst_value_array_get_size (kids); i++) {
    const GstStructure *k =
        gst_value_get_structure (gst_value_array_get_value (kids, i));

    fail_unless (gst_structure_has_name (k, "kid-stats"));
    assert_fields (k, fields);
    if (get_u64 (k, "kid") == kid)
      return k;
  }
  return NULL;
}

static void
assert_kid_stats (const GstStructure * stats, guint64 kid, guint64 frames, guint64 bytes,
    guint64 auth, guint64 trunc, guint64 unknown)
{
  const GstStructure *k = kid_stats (stats, kid);

  fail_unless (k != NULL, "no kid-stats for KID %" G_GUINT64_FORMAT, kid);
  fail_unless_equals_uint64 (get_u64 (k, "frames"), frames);
  fail_unless_equals_uint64 (get_u64 (k, "bytes"), bytes);
  fail_unless_equals_uint64 (get_u64 (k, "dropped-authentication"), auth);
  fail_unless_equals_uint64 (get_u64 (k, "dropped-truncated"), trunc);
  fail_unless_equals_uint64 (get_u64 (k, "dropped-unknown-kid"), unknown);
}

/* Next `e2eedec-drop` message on @bus, or NULL. */
static GstMessage *
pop_drop (GstBus * bus)
{
  GstMessage *msg;

  while ((msg = gst_bus_pop_filtered (bus, GST_MESSAGE_ELEMENT))) {
    if (gst_message_has_name (msg, "e2eedec-drop"))
      return msg;
    gst_message_unref (msg);
  }
  return NULL;
}

/* Pops one `e2eedec-drop` message and checks it field by field; @kid < 0 means the
 * message must not name a KID (malformed header). */
static void
expect_drop_message (GstBus * bus, GstElement * dec, const gchar * reason, gint64 kid,
    guint64 ctr, guint64 count, guint64 total)
{
  static const gchar *const with_kid[] =
      { "reason", "kid", "ctr", "count", "total", "detail", NULL };
  static const gchar *const without_kid[] =
      { "reason", "count", "total", "detail", NULL };
  GstMessage *msg = pop_drop (bus);
  const GstStructure *s;
  const gchar *detail;

  fail_unless (msg != NULL, "no e2eedec-drop message for a %s drop", reason);
  fail_unless (GST_MESSAGE_SRC (msg) == GST_OBJECT (dec));
  s = gst_message_get_structure (msg);
  GST_INFO ("%" GST_PTR_FORMAT, s);
  assert_fields (s, kid >= 0 ? with_kid : without_kid);
  fail_unless_equals_string (gst_structure_get_string (s, "reason"), reason);
  if (kid >= 0) {
    fail_unless_equals_uint64 (get_u64 (s, "kid"), (guint64) kid);
    fail_unless_equals_uint64 (get_u64 (s, "ctr"), ctr);
  }
  fail_unless_equals_uint64 (get_u64 (s, "count"), count);
  fail_unless_equals_uint64 (get_u64 (s, "total"), total);
  detail = gst_structure_get_string (s, "detail");
  fail_unless (detail != NULL && *detail != '\0');
  gst_message_unref (msg);
}

static void
expect_no_drop_message (GstBus * bus)
{
  GstMessage *msg = pop_drop (bus);

  fail_unless (msg == NULL, "unexpected %" GST_PTR_FORMAT,
      msg ? gst_message_get_structure (msg) : NULL);
}

static GstBuffer *
flip_bit (GstBuffer * buf, gsize byte, guint bit)
{
  GstMapInfo map;

  buf = gst_buffer_make_writable (buf);
  gst_buffer_map (buf, &map, GST_MAP_WRITE);
  fail_unless (byte < map.size);
  map.data[byte] ^= 1 << bit;
  gst_buffer_unmap (buf, &map);
  return buf;
}

static gsize
header_size (GstBuffer * buf)
{
  guint8 hdr[GST_E2EE_SFRAME_MAX_HEADER_SIZE];
  gsize n = gst_buffer_extract (buf, 0, hdr, sizeof (hdr)), hlen = 0;

  fail_unless (gst_e2ee_sframe_header_parse (hdr, n, NULL, NULL, &hlen, NULL));
  return hlen;
}

/* Pushes a good frame and checks it comes out right. */
static void
push_good (GstHarness * h, GstE2eeSFrameKey * ref, guint idx, gsize size)
{
  GBytes *plain = make_plain (idx, size);
  guint64 ctr;
  GstBuffer *in = encrypt_frame (ref, plain, &ctr), *out;

  fail_unless_equals_int (gst_harness_push (h, in), GST_FLOW_OK);
  out = pull_now (h);
  assert_buffer_bytes (out, plain, "decrypted frame vs. plaintext");
  assert_meta (out, gst_e2ee_sframe_key_get_kid (ref), ctr,
      gst_e2ee_sframe_key_get_cipher_suite (ref));
  gst_buffer_unref (out);
  g_bytes_unref (plain);
}

/* Pushes a frame that must be dropped. */
static void
push_bad (GstHarness * h, GstBuffer * buf)
{
  fail_unless_equals_int (gst_harness_push (h, buf), GST_FLOW_OK);
  fail_unless (gst_harness_try_pull (h) == NULL, "a bad frame went downstream");
}

static GstBuffer *
buffer_from_data (const guint8 * data, gsize size)
{
  return size ? gst_buffer_new_memdup (data, size) : gst_buffer_new ();
}

/* ---- Tests -------------------------------------------------------------- */

/* Every suite: the original bytes, timing and flags, a GstE2eeMeta on every frame,
 * and the original caps downstream. */
GST_START_TEST (test_dec_round_trip)
{
  GstE2eeCipherSuite suite = all_suites[__i__];
  GstE2eeSFrameKey *ref = reference_key (&keys, suite, KID, 7);
  GstHarness *h = harness_for (make_dec (suite, KID, 7), NULL, H264_SFRAME_CAPS);
  GstCaps *want = gst_caps_from_string (H264_CAPS), *got;
  guint i;

  for (i = 0; i < 2 * N_FRAMES; i++) {
    GBytes *plain = make_plain (i, frame_sizes[i % N_FRAMES]);
    guint64 ctr;
    GstBuffer *in = encrypt_frame (ref, plain, &ctr), *out;

    stamp_frame (in, i);
    fail_unless_equals_int (gst_harness_push (h, gst_buffer_ref (in)), GST_FLOW_OK);
    out = pull_now (h);
    assert_buffer_bytes (out, plain, "decrypted frame vs. plaintext");
    assert_meta (out, KID, i, suite);
    fail_unless_equals_uint64 (ctr, i);
    fail_unless_equals_uint64 (GST_BUFFER_PTS (out), GST_BUFFER_PTS (in));
    fail_unless_equals_uint64 (GST_BUFFER_DTS (out), GST_BUFFER_DTS (in));
    fail_unless_equals_uint64 (GST_BUFFER_DURATION (out), GST_BUFFER_DURATION (in));
    fail_unless_equals_uint64 (GST_BUFFER_OFFSET (out), GST_BUFFER_OFFSET (in));
    fail_unless_equals_uint64 (GST_BUFFER_OFFSET_END (out), GST_BUFFER_OFFSET_END (in));
    /* TAG_MEMORY only says the memory was resized (cut to the plaintext). */
    fail_unless_equals_int (GST_BUFFER_FLAGS (out) & ~GST_BUFFER_FLAG_TAG_MEMORY,
        GST_BUFFER_FLAGS (in));
    gst_buffer_unref (out);
    gst_buffer_unref (in);
    g_bytes_unref (plain);
  }
  fail_unless_equals_int (gst_harness_buffers_received (h), 2 * N_FRAMES);
  got = gst_pad_get_current_caps (h->sinkpad);
  fail_unless (gst_caps_is_equal (got, want), "got %" GST_PTR_FORMAT, got);

  gst_caps_unref (got);
  gst_caps_unref (want);
  gst_e2ee_sframe_key_unref (ref);
  gst_harness_teardown (h);
}

GST_END_TEST;

/* A writable frame is decrypted where it lies: the output is the input's memory,
 * starting after the header. A frame someone else holds is left untouched. */
GST_START_TEST (test_dec_in_place)
{
  GstE2eeSFrameKey *ref = reference_key (&keys, DEFAULT_SUITE, KID, 7);
  GstHarness *h = harness_for (make_dec (DEFAULT_SUITE, KID, 7), NULL, OPUS_SFRAME_CAPS);
  GBytes *plain = make_plain (1, 1000);
  GstBuffer *in, *out, *copy;
  GstMemory *in_mem;
  guint8 *in_data;
  gsize hlen;
  GstMapInfo map;

  /* Writable: nobody but the element holds it. */
  in = encrypt_frame (ref, plain, NULL);
  hlen = header_size (in);
  fail_unless_equals_int (gst_buffer_n_memory (in), 1);
  in_mem = gst_buffer_peek_memory (in, 0);
  gst_buffer_map (in, &map, GST_MAP_READ);
  in_data = map.data;
  gst_buffer_unmap (in, &map);
  fail_unless (gst_buffer_is_writable (in) && gst_memory_is_writable (in_mem));

  fail_unless_equals_int (gst_harness_push (h, in), GST_FLOW_OK);
  out = pull_now (h);
  assert_buffer_bytes (out, plain, "decrypted frame vs. plaintext");
  fail_unless_equals_int (gst_buffer_n_memory (out), 1);
  fail_unless (gst_buffer_peek_memory (out, 0) == in_mem, "not decrypted in place");
  gst_buffer_map (out, &map, GST_MAP_READ);
  fail_unless (map.data == in_data + hlen, "output at %p, want %p + %" G_GSIZE_FORMAT,
      map.data, in_data, hlen);
  gst_buffer_unmap (out, &map);
  gst_buffer_unref (out);

  /* Not writable: the caller's ciphertext must survive. */
  in = encrypt_frame (ref, plain, NULL);
  copy = gst_buffer_copy_deep (in);
  fail_unless_equals_int (gst_harness_push (h, gst_buffer_ref (in)), GST_FLOW_OK);
  out = pull_now (h);
  assert_buffer_bytes (out, plain, "decrypted frame vs. plaintext");
  gst_buffer_map (copy, &map, GST_MAP_READ);
  fail_unless_equals_uint64 (gst_buffer_get_size (in), map.size);
  fail_unless (gst_buffer_memcmp (in, 0, map.data, map.size) == 0,
      "e2eedec wrote into a buffer it did not own");
  gst_buffer_unmap (copy, &map);
  gst_buffer_unref (out);
  gst_buffer_unref (in);
  gst_buffer_unref (copy);

  g_bytes_unref (plain);
  gst_e2ee_sframe_key_unref (ref);
  gst_harness_teardown (h);
}

GST_END_TEST;

/* A frame spread over several memories decrypts like one. */
GST_START_TEST (test_dec_multi_memory)
{
  GstE2eeSFrameKey *ref = reference_key (&keys, DEFAULT_SUITE, KID, 7);
  GstHarness *h = harness_for (make_dec (DEFAULT_SUITE, KID, 7), NULL, OPUS_SFRAME_CAPS);
  GBytes *plain = make_plain (2, 777);
  GstBuffer *in = encrypt_frame (ref, plain, NULL), *out;
  GstBuffer *a = gst_buffer_copy_region (in, GST_BUFFER_COPY_MEMORY | GST_BUFFER_COPY_DEEP,
      0, 5);
  GstBuffer *b = gst_buffer_copy_region (in, GST_BUFFER_COPY_MEMORY | GST_BUFFER_COPY_DEEP,
      5, gst_buffer_get_size (in) - 5);
  GstBuffer *joined = gst_buffer_append (a, b);

  fail_unless_equals_int (gst_buffer_n_memory (joined), 2);
  out = push_pull (h, joined);
  assert_buffer_bytes (out, plain, "decrypted frame vs. plaintext");
  assert_meta (out, KID, 0, DEFAULT_SUITE);
  gst_buffer_unref (out);
  gst_buffer_unref (in);
  g_bytes_unref (plain);
  gst_e2ee_sframe_key_unref (ref);
  gst_harness_teardown (h);
}

GST_END_TEST;

GST_START_TEST (test_dec_caps)
{
  const gchar *in_caps[] = { H264_SFRAME_CAPS, OPUS_SFRAME_CAPS, VP8_SFRAME_CAPS,
    "application/x-sframe"
  };
  const gchar *out_caps[] = { H264_CAPS, OPUS_CAPS, VP8_CAPS,
    "application/octet-stream"
  };
  guint i;

  for (i = 0; i < G_N_ELEMENTS (in_caps); i++) {
    GstE2eeSFrameKey *ref = reference_key (&keys, DEFAULT_SUITE, KID, 7);
    GstHarness *h = harness_for (make_dec (DEFAULT_SUITE, KID, 7), NULL, in_caps[i]);
    GstCaps *want = gst_caps_from_string (out_caps[i]), *got;

    push_good (h, ref, 0, 64);
    got = gst_pad_get_current_caps (h->sinkpad);
    fail_unless (got != NULL);
    fail_unless (gst_caps_is_equal (got, want), "%s: got %" GST_PTR_FORMAT ", want %"
        GST_PTR_FORMAT, in_caps[i], got, want);
    gst_caps_unref (got);
    gst_caps_unref (want);
    gst_e2ee_sframe_key_unref (ref);
    gst_harness_teardown (h);
  }
}

GST_END_TEST;

/* allow-plaintext=false (the default): media caps are refused with an error that says
 * why, and nothing passes. */
GST_START_TEST (test_dec_plaintext_refused)
{
  GstElement *dec = make_dec (DEFAULT_SUITE, KID, 7);
  GstBus *bus;
  GstHarness *h = harness_for (gst_object_ref (dec), &bus, NULL);
  GstMessage *msg;
  GError *err = NULL;
  gchar *dbg = NULL;
  gboolean allow;

  g_object_get (dec, "allow-plaintext", &allow, NULL);
  fail_if (allow);
  gst_harness_set_src_caps_str (h, H264_CAPS);
  fail_unless_equals_int (gst_harness_push (h, gst_buffer_new_allocate (NULL, 100, NULL)),
      GST_FLOW_NOT_NEGOTIATED);
  fail_unless (gst_harness_try_pull (h) == NULL);

  msg = gst_bus_pop_filtered (bus, GST_MESSAGE_ERROR);
  fail_unless (msg != NULL, "plaintext refused without an error message");
  fail_unless (GST_MESSAGE_SRC (msg) == GST_OBJECT (dec));
  gst_message_parse_error (msg, &err, &dbg);
  fail_unless (g_error_matches (err, GST_STREAM_ERROR, GST_STREAM_ERROR_DECRYPT),
      "%s", err->message);
  fail_unless (strstr (err->message, "unencrypted") != NULL, "%s", err->message);
  fail_unless (dbg && strstr (dbg, "allow-plaintext") != NULL, "%s", dbg);
  g_error_free (err);
  g_free (dbg);
  gst_message_unref (msg);

  gst_harness_teardown (h);
  free_bus (dec, bus);
  gst_object_unref (dec);
}

GST_END_TEST;

/* allow-plaintext=true: media caps and bytes pass unchanged, with no GstE2eeMeta. */
GST_START_TEST (test_dec_plaintext_allowed)
{
  GstElement *dec = make_dec (DEFAULT_SUITE, KID, 7);
  GstHarness *h;
  GstCaps *want = gst_caps_from_string (H264_CAPS), *got;
  guint i;

  g_object_set (dec, "allow-plaintext", TRUE, NULL);
  h = harness_for (dec, NULL, H264_CAPS);
  for (i = 0; i < N_FRAMES; i++) {
    GBytes *plain = make_plain (i, frame_sizes[i]);
    GstBuffer *in = buffer_from_data (g_bytes_get_data (plain, NULL),
        g_bytes_get_size (plain)), *out;

    stamp_frame (in, i);
    out = push_pull (h, in);
    assert_buffer_bytes (out, plain, "decrypted frame vs. plaintext");
    fail_unless (gst_buffer_get_e2ee_meta (out) == NULL,
        "plaintext must not be marked as end-to-end encrypted");
    fail_unless_equals_uint64 (GST_BUFFER_PTS (out), (i + 1) * 20 * GST_MSECOND);
    gst_buffer_unref (out);
    g_bytes_unref (plain);
  }
  got = gst_pad_get_current_caps (h->sinkpad);
  fail_unless (gst_caps_is_equal (got, want), "got %" GST_PTR_FORMAT, got);
  gst_caps_unref (got);
  gst_caps_unref (want);
  gst_harness_teardown (h);
}

GST_END_TEST;

/* Every kind of bad frame is dropped, counted and reported, and the stream goes on. */
GST_START_TEST (test_dec_drops)
{
  GstE2eeSFrameKey *ref = reference_key (&keys, DEFAULT_SUITE, KID, 7);
  GstE2eeSFrameKey *stranger = reference_key (&keys, DEFAULT_SUITE, 77, 8);
  GstElement *dec = make_dec (DEFAULT_SUITE, KID, 7);
  GstBus *bus;
  GstHarness *h;
  GBytes *plain = make_plain (3, 500);
  GstBuffer *buf;
  GstStructure *st;
  gsize hlen, size, tag = gst_e2ee_cipher_suite_get_tag_size (DEFAULT_SUITE);
  guint64 ctr;
  static const guint8 truncated_kid[] = { 0xf0, 0x01 };   /* 8-byte KID, 1 byte there */
  static const guint8 non_minimal[] = { 0x08, 0x05, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
    0, 0, 0, 0, 0
  };                            /* CTR 5 in an extended field: must be inline */

  g_object_set (dec, "drop-message-interval", (guint64) 0, NULL);
  h = harness_for (gst_object_ref (dec), &bus, H264_SFRAME_CAPS);

  push_good (h, ref, 0, 100);   /* CTR 0 */

  /* Unknown KID. */
  push_bad (h, encrypt_frame (stranger, plain, NULL));
  expect_drop_message (bus, dec, "unknown-kid", 77, 0, 1, 1);

  /* A bit flipped in the header's CTR (frame CTR 1 read as 0 or 3): the tag covers the
   * header. */
  buf = encrypt_frame (ref, plain, &ctr);
  fail_unless_equals_uint64 (ctr, 1);
  push_bad (h, flip_bit (buf, 0, 1));
  expect_drop_message (bus, dec, "authentication", KID, 3, 1, 1);

  /* A bit flipped in the ciphertext. */
  buf = encrypt_frame (ref, plain, &ctr);
  hlen = header_size (buf);
  push_bad (h, flip_bit (buf, hlen + 200, 4));
  expect_drop_message (bus, dec, "authentication", KID, 2, 1, 2);

  /* A bit flipped in the tag. */
  buf = encrypt_frame (ref, plain, &ctr);
  push_bad (h, flip_bit (buf, gst_buffer_get_size (buf) - 1, 7));
  expect_drop_message (bus, dec, "authentication", KID, 3, 1, 3);

  /* Cut short: the tag is incomplete, then only the header is left. */
  buf = encrypt_frame (ref, plain, &ctr);
  size = gst_buffer_get_size (buf);
  gst_buffer_set_size (buf, size - g_bytes_get_size (plain) - 1);
  fail_unless_equals_uint64 (gst_buffer_get_size (buf), hlen + tag - 1);
  push_bad (h, buf);
  expect_drop_message (bus, dec, "truncated", KID, 4, 1, 1);
  buf = encrypt_frame (ref, plain, &ctr);
  gst_buffer_set_size (buf, hlen);
  push_bad (h, buf);
  expect_drop_message (bus, dec, "truncated", KID, 5, 1, 2);

  /* Malformed headers: empty, cut inside the KID, not minimally encoded. */
  push_bad (h, gst_buffer_new ());
  expect_drop_message (bus, dec, "malformed-header", -1, 0, 1, 1);
  push_bad (h, buffer_from_data (truncated_kid, sizeof (truncated_kid)));
  expect_drop_message (bus, dec, "malformed-header", -1, 0, 1, 2);
  push_bad (h, buffer_from_data (non_minimal, sizeof (non_minimal)));
  expect_drop_message (bus, dec, "malformed-header", -1, 0, 1, 3);

  expect_no_drop_message (bus);

  /* The stream goes on. */
  push_good (h, ref, 1, 1500);  /* CTR 6 */
  fail_unless_equals_int (gst_harness_buffers_received (h), 2);

  st = get_stats (dec);
  fail_unless_equals_uint64 (get_u64 (st, "frames"), 2);
  fail_unless_equals_uint64 (get_u64 (st, "bytes"), 100 + 1500);
  fail_unless_equals_uint64 (get_u64 (st, "dropped"), 9);
  fail_unless_equals_uint64 (get_u64 (st, "dropped-unknown-kid"), 1);
  fail_unless_equals_uint64 (get_u64 (st, "dropped-authentication"), 3);
  fail_unless_equals_uint64 (get_u64 (st, "dropped-truncated"), 2);
  fail_unless_equals_uint64 (get_u64 (st, "dropped-malformed-header"), 3);
  /* Only KIDs that decrypted a frame are listed: the unknown one is in the totals. */
  fail_unless_equals_int (gst_value_array_get_size (gst_structure_get_value (st,
              "kids")), 1);
  assert_kid_stats (st, KID, 2, 1600, 3, 2, 0);
  fail_unless (kid_stats (st, 77) == NULL);
  gst_structure_free (st);

  g_bytes_unref (plain);
  gst_e2ee_sframe_key_unref (ref);
  gst_e2ee_sframe_key_unref (stranger);
  gst_harness_teardown (h);
  free_bus (dec, bus);
  gst_object_unref (dec);
}

GST_END_TEST;

/* With a long interval a burst gives one message per reason; the drops in between are
 * summed into the next message once one is due. */
GST_START_TEST (test_dec_drop_message_interval)
{
  GstE2eeSFrameKey *ref = reference_key (&keys, DEFAULT_SUITE, KID, 7);
  GstE2eeSFrameKey *stranger = reference_key (&keys, DEFAULT_SUITE, 78, 8);
  GstElement *dec = make_dec (DEFAULT_SUITE, KID, 7);
  GstBus *bus;
  GstHarness *h;
  GBytes *plain = make_plain (4, 64);
  guint64 interval;
  guint i;

  g_object_get (dec, "drop-message-interval", &interval, NULL);
  fail_unless_equals_uint64 (interval, GST_SECOND);
  g_object_set (dec, "drop-message-interval", (guint64) 3600 * GST_SECOND, NULL);
  h = harness_for (gst_object_ref (dec), &bus, OPUS_SFRAME_CAPS);

  for (i = 0; i < 5; i++)       /* CTR 0..4, all forged */
    push_bad (h, flip_bit (encrypt_frame (ref, plain, NULL), 3, 0));
  expect_drop_message (bus, dec, "authentication", KID, 0, 1, 1);
  expect_no_drop_message (bus);

  /* Another reason has its own budget. */
  push_bad (h, encrypt_frame (stranger, plain, NULL));
  push_bad (h, encrypt_frame (stranger, plain, NULL));
  expect_drop_message (bus, dec, "unknown-kid", 78, 0, 1, 1);
  expect_no_drop_message (bus);

  push_good (h, ref, 0, 64);    /* CTR 5 */

  /* The next message, once allowed, covers the 4 held back and itself. */
  g_object_set (dec, "drop-message-interval", (guint64) 0, NULL);
  push_bad (h, flip_bit (encrypt_frame (ref, plain, NULL), 3, 0));      /* CTR 6 */
  expect_drop_message (bus, dec, "authentication", KID, 6, 5, 6);
  push_bad (h, encrypt_frame (stranger, plain, NULL));
  expect_drop_message (bus, dec, "unknown-kid", 78, 2, 2, 3);
  push_bad (h, flip_bit (encrypt_frame (ref, plain, NULL), 3, 0));      /* CTR 7 */
  expect_drop_message (bus, dec, "authentication", KID, 7, 1, 7);
  expect_no_drop_message (bus);

  g_bytes_unref (plain);
  gst_e2ee_sframe_key_unref (ref);
  gst_e2ee_sframe_key_unref (stranger);
  gst_harness_teardown (h);
  free_bus (dec, bus);
  gst_object_unref (dec);
}

GST_END_TEST;

/* post-drop-messages=false: drops are counted but not posted. */
GST_START_TEST (test_dec_no_drop_messages)
{
  GstE2eeSFrameKey *stranger = reference_key (&keys, DEFAULT_SUITE, 79, 8);
  GstElement *dec = make_dec (DEFAULT_SUITE, KID, 7);
  GBytes *plain = make_plain (5, 10);
  GstStructure *st;
  gboolean post;
  GstBus *bus;
  GstHarness *h;

  g_object_get (dec, "post-drop-messages", &post, NULL);
  fail_unless (post);
  g_object_set (dec, "post-drop-messages", FALSE, "drop-message-interval", (guint64) 0,
      NULL);
  h = harness_for (gst_object_ref (dec), &bus, OPUS_SFRAME_CAPS);
  push_bad (h, encrypt_frame (stranger, plain, NULL));
  push_bad (h, gst_buffer_new ());
  expect_no_drop_message (bus);
  st = get_stats (dec);
  fail_unless_equals_uint64 (get_u64 (st, "dropped"), 2);
  fail_unless_equals_uint64 (get_u64 (st, "dropped-unknown-kid"), 1);
  fail_unless_equals_uint64 (get_u64 (st, "dropped-malformed-header"), 1);
  gst_structure_free (st);

  g_bytes_unref (plain);
  gst_e2ee_sframe_key_unref (stranger);
  gst_harness_teardown (h);
  free_bus (dec, bus);
  gst_object_unref (dec);
}

GST_END_TEST;

/* Frames under a removed key are unknown from then on; adding it back resumes. */
GST_START_TEST (test_dec_remove_key)
{
  GstE2eeSFrameKey *ref = reference_key (&keys, DEFAULT_SUITE, KID, 7);
  GstElement *dec = make_dec (DEFAULT_SUITE, KID, 7);
  GstBuffer *key = key_buffer (&keys, 7);
  GBytes *plain = make_plain (6, 200);
  GstStructure *st;
  gboolean ok = FALSE;
  GstBus *bus;
  GstHarness *h;

  g_object_set (dec, "drop-message-interval", (guint64) 0, NULL);
  h = harness_for (gst_object_ref (dec), &bus, VP8_SFRAME_CAPS);
  push_good (h, ref, 0, 200);
  push_good (h, ref, 1, 200);

  g_signal_emit_by_name (dec, "remove-key", (guint64) KID, &ok);
  fail_unless (ok);
  st = get_stats (dec);
  fail_unless_equals_int (g_value_get_uint (gst_structure_get_value (st, "keys")), 0);
  gst_structure_free (st);
  push_bad (h, encrypt_frame (ref, plain, NULL));       /* CTR 2 */
  expect_drop_message (bus, dec, "unknown-kid", KID, 2, 1, 1);
  ok = TRUE;
  g_signal_emit_by_name (dec, "remove-key", (guint64) KID, &ok);
  fail_if (ok, "removed a key twice");

  g_signal_emit_by_name (dec, "add-key", (guint64) KID, key, &ok);
  fail_unless (ok);
  push_good (h, ref, 3, 200);   /* CTR 3 */

  /* The removed key's entry went with it: the KID's new key starts afresh, and the
   * totals still count everything. */
  st = get_stats (dec);
  assert_kid_stats (st, KID, 1, 200, 0, 0, 0);
  fail_unless_equals_uint64 (get_u64 (st, "frames"), 3);
  fail_unless_equals_uint64 (get_u64 (st, "dropped-unknown-kid"), 1);
  fail_unless_equals_int (g_value_get_uint (gst_structure_get_value (st, "keys")), 1);
  gst_structure_free (st);

  gst_buffer_unref (key);
  g_bytes_unref (plain);
  gst_e2ee_sframe_key_unref (ref);
  gst_harness_teardown (h);
  free_bus (dec, bus);
  gst_object_unref (dec);
}

GST_END_TEST;

/* `key` and `key-id` work in either order (as on a gst-launch line), and the key
 * follows a later `cipher-suite`. The key is never readable. */
GST_START_TEST (test_dec_key_property_order)
{
  GstE2eeSFrameKey *ref = reference_key (&keys,
      GST_E2EE_CIPHER_SUITE_AES_128_CTR_HMAC_SHA256_64, 5, 7);
  GstE2eeSFrameKey *ref0 =
      reference_key (&keys, GST_E2EE_CIPHER_SUITE_AES_128_CTR_HMAC_SHA256_64, 0, 7);
  GBytes *plain = make_plain (7, 100);
  GstBuffer *key = key_buffer (&keys, 7);
  guint order;

  for (order = 0; order < 3; order++) {
    GstElement *dec = gst_element_factory_make ("e2eedec", NULL);
    GParamSpec *pspec = g_object_class_find_property (G_OBJECT_GET_CLASS (dec), "key");
    GstStructure *st;
    GstHarness *h;
    guint64 kid;

    fail_if (pspec->flags & G_PARAM_READABLE, "the key must not be readable");
    g_object_set (dec, "unknown-kid-hold", (guint64) 0, NULL);
    switch (order) {
      case 0:                  /* key first: installed for KID 0, then moved to 5 */
        g_object_set (dec, "cipher-suite",
            GST_E2EE_CIPHER_SUITE_AES_128_CTR_HMAC_SHA256_64, NULL);
        g_object_set (dec, "key", key, NULL);
        g_object_set (dec, "key-id", (guint64) 5, NULL);
        break;
      case 1:                  /* key-id first, suite as a string last */
        g_object_set (dec, "key-id", (guint64) 5, NULL);
        g_object_set (dec, "key", key, NULL);
        gst_util_set_object_arg (G_OBJECT (dec), "cipher-suite",
            "aes-128-ctr-hmac-sha256-64");
        break;
      case 2:{                 /* as gst-launch would: strings, hex key */
        gchar *hex = NULL;
        GstMapInfo map;
        GString *s = g_string_new (NULL);
        gsize i;

        gst_buffer_map (key, &map, GST_MAP_READ);
        for (i = 0; i < map.size; i++)
          g_string_append_printf (s, "%02x", map.data[i]);
        gst_buffer_unmap (key, &map);
        hex = g_string_free (s, FALSE);
        gst_util_set_object_arg (G_OBJECT (dec), "key", hex);
        gst_util_set_object_arg (G_OBJECT (dec), "cipher-suite",
            "aes-128-ctr-hmac-sha256-64");
        gst_util_set_object_arg (G_OBJECT (dec), "key-id", "5");
        g_free (hex);
        break;
      }
    }
    g_object_get (dec, "key-id", &kid, NULL);
    fail_unless_equals_uint64 (kid, 5);
    st = get_stats (dec);
    fail_unless_equals_int (g_value_get_uint (gst_structure_get_value (st, "keys")), 1);
    gst_structure_free (st);

    h = harness_for (gst_object_ref (dec), NULL, OPUS_SFRAME_CAPS);
    push_good (h, ref, order, 100);
    /* The key is KID 5's only: a KID-0 frame under the same base key is unknown. */
    push_bad (h, encrypt_frame (ref0, plain, NULL));
    st = get_stats (dec);
    fail_unless_equals_uint64 (get_u64 (st, "dropped-unknown-kid"), 1);
    gst_structure_free (st);
    gst_harness_teardown (h);
    gst_object_unref (dec);
  }

  gst_buffer_unref (key);
  g_bytes_unref (plain);
  gst_e2ee_sframe_key_unref (ref);
  gst_e2ee_sframe_key_unref (ref0);
}

GST_END_TEST;

/* Two senders, two KIDs, interleaved, through add-key; counted per KID. */
GST_START_TEST (test_dec_add_key_two_senders)
{
  GstE2eeSFrameKey *ref_a = reference_key (&keys, DEFAULT_SUITE, 1, 11);
  GstE2eeSFrameKey *ref_b = reference_key (&keys, DEFAULT_SUITE, 0xabcdef, 12);
  GstElement *dec = make_dec (DEFAULT_SUITE, 0, 0);
  GstBuffer *ka = key_buffer (&keys, 11), *kb = key_buffer (&keys, 12),
      *empty = gst_buffer_new ();
  guint64 bytes_a = 0, bytes_b = 0;
  gboolean ok = FALSE;
  GstStructure *st;
  GstHarness *h;
  guint i;

  g_signal_emit_by_name (dec, "add-key", (guint64) 1, ka, &ok);
  fail_unless (ok);
  ok = FALSE;
  g_signal_emit_by_name (dec, "add-key", (guint64) 0xabcdef, kb, &ok);
  fail_unless (ok);
  g_signal_emit_by_name (dec, "add-key", (guint64) 3, empty, &ok);
  fail_if (ok, "an empty key was accepted");
  st = get_stats (dec);
  fail_unless_equals_int (g_value_get_uint (gst_structure_get_value (st, "keys")), 2);
  gst_structure_free (st);

  h = harness_for (gst_object_ref (dec), NULL, VP8_SFRAME_CAPS);
  for (i = 0; i < 20; i++) {
    gsize size = frame_sizes[i % N_FRAMES];

    if (i % 3 == 0) {
      push_good (h, ref_b, i, size);
      bytes_b += size;
    } else {
      push_good (h, ref_a, i, size);
      bytes_a += size;
    }
  }
  st = get_stats (dec);
  fail_unless_equals_uint64 (get_u64 (st, "frames"), 20);
  fail_unless_equals_uint64 (get_u64 (st, "bytes"), bytes_a + bytes_b);
  fail_unless_equals_uint64 (get_u64 (st, "dropped"), 0);
  fail_unless_equals_int (gst_value_array_get_size (gst_structure_get_value (st,
              "kids")), 2);
  assert_kid_stats (st, 1, 13, bytes_a, 0, 0, 0);
  assert_kid_stats (st, 0xabcdef, 7, bytes_b, 0, 0, 0);
  gst_structure_free (st);

  gst_buffer_unref (ka);
  gst_buffer_unref (kb);
  gst_buffer_unref (empty);
  gst_e2ee_sframe_key_unref (ref_a);
  gst_e2ee_sframe_key_unref (ref_b);
  gst_harness_teardown (h);
  gst_object_unref (dec);
}

GST_END_TEST;

/* The right key under the wrong suite authenticates nothing. */
GST_START_TEST (test_dec_wrong_suite)
{
  GstE2eeSFrameKey *ref = reference_key (&keys,
      GST_E2EE_CIPHER_SUITE_AES_256_GCM_SHA512_128, KID, 7);
  GstElement *dec = make_dec (GST_E2EE_CIPHER_SUITE_AES_128_GCM_SHA256_128, KID, 7);
  GstHarness *h = harness_for (gst_object_ref (dec), NULL, OPUS_SFRAME_CAPS);
  GBytes *plain = make_plain (8, 300);
  GstStructure *st;
  guint i;

  for (i = 0; i < 4; i++)
    push_bad (h, encrypt_frame (ref, plain, NULL));
  st = get_stats (dec);
  fail_unless_equals_uint64 (get_u64 (st, "dropped-authentication"), 4);
  fail_unless_equals_uint64 (get_u64 (st, "frames"), 0);
  gst_structure_free (st);

  g_bytes_unref (plain);
  gst_e2ee_sframe_key_unref (ref);
  gst_harness_teardown (h);
  gst_object_unref (dec);
}

GST_END_TEST;

/* Garbage, and garbage behind a valid header for a known KID: nothing passes, nothing
 * crashes, everything is counted. */
GST_START_TEST (test_dec_garbage)
{
  GstE2eeSFrameKey *ref = reference_key (&keys,
      GST_E2EE_CIPHER_SUITE_AES_128_CTR_HMAC_SHA256_32, KID, 7);
  GstElement *dec = make_dec (GST_E2EE_CIPHER_SUITE_AES_128_CTR_HMAC_SHA256_32, KID, 7);
  GstHarness *h = harness_for (gst_object_ref (dec), NULL, OPUS_SFRAME_CAPS);
  GRand *rand = g_rand_new_with_seed (20240605);
  GstStructure *st;
  guint64 dropped;
  guint i;

  for (i = 0; i < 400; i++) {
    gsize size = g_rand_int_range (rand, 0, i < 200 ? 40 : 300);
    guint8 *data = g_malloc (MAX (size, 1));
    gsize j;

    for (j = 0; j < size; j++)
      data[j] = g_rand_int (rand);
    if (i >= 200 && size > GST_E2EE_SFRAME_MAX_HEADER_SIZE) {
      /* A real header for the known KID and some CTR. */
      gsize hlen = gst_e2ee_sframe_header_encode (KID, i, data, size);
      fail_unless (hlen > 0);
    }
    fail_unless_equals_int (gst_harness_push (h, buffer_from_data (data, size)),
        GST_FLOW_OK);
    g_free (data);
  }
  fail_unless_equals_int (gst_harness_buffers_received (h), 0);
  st = get_stats (dec);
  dropped = get_u64 (st, "dropped");
  fail_unless_equals_uint64 (dropped, 400);
  fail_unless_equals_uint64 (dropped, get_u64 (st, "dropped-unknown-kid") +
      get_u64 (st, "dropped-authentication") + get_u64 (st, "dropped-truncated") +
      get_u64 (st, "dropped-malformed-header"));
  fail_unless (get_u64 (st, "dropped-authentication") > 100);
  /* Nothing authentic came yet: the KID's drops count in the totals only. */
  fail_unless (kid_stats (st, KID) == NULL);
  gst_structure_free (st);

  /* Still decrypting. */
  push_good (h, ref, 0, 100);
  st = get_stats (dec);
  assert_kid_stats (st, KID, 1, 100, 0, 0, 0);
  gst_structure_free (st);

  g_rand_free (rand);
  gst_e2ee_sframe_key_unref (ref);
  gst_harness_teardown (h);
  gst_object_unref (dec);
}

GST_END_TEST;

/* Unknown KIDs come from the network: all are counted, none listed. */
GST_START_TEST (test_dec_many_unknown_kids)
{
  GstElement *dec = make_dec (DEFAULT_SUITE, KID, 7);
  GstHarness *h = harness_for (gst_object_ref (dec), NULL, OPUS_SFRAME_CAPS);
  GstStructure *st;
  guint i;

  for (i = 0; i < 200; i++) {
    guint8 frame[64] = { 0 };
    gsize hlen = gst_e2ee_sframe_header_encode (100000 + i, 0, frame, sizeof (frame));

    fail_unless (hlen > 0);
    push_bad (h, buffer_from_data (frame, sizeof (frame)));
  }
  st = get_stats (dec);
  fail_unless_equals_uint64 (get_u64 (st, "dropped-unknown-kid"), 200);
  fail_unless_equals_int (gst_value_array_get_size (gst_structure_get_value (st,
              "kids")), 0);
  gst_structure_free (st);
  gst_harness_teardown (h);
  gst_object_unref (dec);
}

GST_END_TEST;

/* e2eeenc's frames, for every suite, straight into e2eedec: the original frames with
 * their timing and flags, and the original caps. */
GST_START_TEST (test_dec_from_e2eeenc)
{
  GstE2eeCipherSuite suite = all_suites[__i__];
  GstElement *enc = gst_element_factory_make ("e2eeenc", NULL);
  GstBuffer *key = key_buffer (&keys, 31);
  GstHarness *he, *hd;
  GstCaps *sframe_caps, *got, *want = gst_caps_from_string (VP8_CAPS);
  guint i;

  g_object_set (enc, "cipher-suite", suite, "key-id", (guint64) 99, "key", key, NULL);
  /* Whole-frame SFrame: the caps carry the media type as original-media-type. */
  gst_util_set_object_arg (G_OBJECT (enc), "layout", "frame");
  he = harness_for (enc, NULL, VP8_CAPS);
  hd = harness_for (make_dec (suite, 99, 31), NULL, NULL);
  for (i = 0; i < N_FRAMES; i++) {
    GBytes *plain = make_plain (i, frame_sizes[i]);
    GstBuffer *in = buffer_from_data (g_bytes_get_data (plain, NULL),
        g_bytes_get_size (plain)), *mid, *out;

    stamp_frame (in, i);
    mid = push_pull (he, gst_buffer_ref (in));
    if (i == 0) {
      sframe_caps = gst_pad_get_current_caps (he->sinkpad);
      gst_harness_set_src_caps (hd, sframe_caps);
    }
    out = push_pull (hd, mid);
    assert_buffer_bytes (out, plain, "decrypted frame vs. plaintext");
    assert_meta (out, 99, i, suite);
    fail_unless_equals_uint64 (GST_BUFFER_PTS (out), GST_BUFFER_PTS (in));
    fail_unless_equals_uint64 (GST_BUFFER_DTS (out), GST_BUFFER_DTS (in));
    fail_unless_equals_uint64 (GST_BUFFER_DURATION (out), GST_BUFFER_DURATION (in));
    fail_unless_equals_int (GST_BUFFER_FLAGS (out) & ~GST_BUFFER_FLAG_TAG_MEMORY,
        GST_BUFFER_FLAGS (in));
    gst_buffer_unref (out);
    gst_buffer_unref (in);
    g_bytes_unref (plain);
  }
  got = gst_pad_get_current_caps (hd->sinkpad);
  fail_unless (gst_caps_is_equal (got, want), "got %" GST_PTR_FORMAT, got);
  gst_caps_unref (got);
  gst_caps_unref (want);
  gst_buffer_unref (key);
  gst_harness_teardown (he);
  gst_harness_teardown (hd);
}

GST_END_TEST;

/* Pops the next element message named @name, skipping others. */
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

static void
expect_unknown_kid_message (GstBus * bus, guint64 kid, const gchar * action,
    guint64 count)
{
  GstMessage *msg = pop_element_message (bus, "e2ee-unknown-kid");
  const GstStructure *s;

  fail_unless (msg != NULL, "no e2ee-unknown-kid message (%s)", action);
  s = gst_message_get_structure (msg);
  GST_INFO ("%" GST_PTR_FORMAT, s);
  fail_unless_equals_uint64 (get_u64 (s, "kid"), kid);
  fail_unless_equals_string (gst_structure_get_string (s, "action"), action);
  fail_unless_equals_uint64 (get_u64 (s, "count"), count);
  gst_message_unref (msg);
}

/* A replayed frame is dropped (a duplicate within the window, anything older than
 * it), a forged frame cannot move the window, and replay-window=0 turns it off. */
GST_START_TEST (test_dec_replay)
{
  GstE2eeSFrameKey *ref = reference_key (&keys, DEFAULT_SUITE, KID, 7);
  GstElement *dec = make_dec (DEFAULT_SUITE, KID, 7);
  GBytes *plain = make_plain (9, 120);
  GstBuffer *frames[12], *forged;
  GstStructure *st;
  GstBus *bus;
  GstHarness *h;
  guint i;

  g_object_set (dec, "replay-window", 4, "drop-message-interval", (guint64) 0, NULL);
  h = harness_for (gst_object_ref (dec), &bus, OPUS_SFRAME_CAPS);
  for (i = 0; i < G_N_ELEMENTS (frames); i++)
    frames[i] = encrypt_frame (ref, plain, NULL);       /* CTR i */

  for (i = 0; i <= 10; i++) {
    GstBuffer *out;

    if (i == 1)
      continue;                 /* CTR 1 is late */
    out = push_pull (h, gst_buffer_copy_deep (frames[i]));
    assert_buffer_bytes (out, plain, "decrypted frame vs. plaintext");
    assert_meta (out, KID, i, DEFAULT_SUITE);
    gst_buffer_unref (out);
  }
  push_bad (h, gst_buffer_copy_deep (frames[9]));
  expect_drop_message (bus, dec, "replay-duplicate", KID, 9, 1, 1);
  push_bad (h, gst_buffer_copy_deep (frames[1]));
  expect_drop_message (bus, dec, "replay-too-old", KID, 1, 1, 1);

  /* A forged frame far ahead is not authentic, so CTR 11 still passes after it. */
  gst_e2ee_sframe_key_skip_counter_to (ref, 100, NULL);
  forged = flip_bit (encrypt_frame (ref, plain, NULL), gst_buffer_get_size (frames[0]) - 1,
      0);
  push_bad (h, forged);
  expect_drop_message (bus, dec, "authentication", KID, 100, 1, 1);
  gst_buffer_unref (push_pull (h, gst_buffer_copy_deep (frames[11])));

  st = get_stats (dec);
  fail_unless_equals_uint64 (get_u64 (st, "dropped-replay-duplicate"), 1);
  fail_unless_equals_uint64 (get_u64 (st, "dropped-replay-too-old"), 1);
  fail_unless_equals_uint64 (get_u64 (st, "dropped"), 3);
  fail_unless_equals_uint64 (get_u64 (kid_stats (st, KID), "dropped-replay"), 2);
  gst_structure_free (st);
  gst_harness_teardown (h);
  free_bus (dec, bus);
  gst_object_unref (dec);

  /* Off: the same frame twice goes through twice. */
  dec = make_dec (DEFAULT_SUITE, KID, 7);
  g_object_set (dec, "replay-window", 0, NULL);
  h = harness_for (dec, NULL, OPUS_SFRAME_CAPS);
  gst_buffer_unref (push_pull (h, gst_buffer_copy_deep (frames[3])));
  gst_buffer_unref (push_pull (h, gst_buffer_copy_deep (frames[3])));
  gst_harness_teardown (h);

  for (i = 0; i < G_N_ELEMENTS (frames); i++)
    gst_buffer_unref (frames[i]);
  g_bytes_unref (plain);
  gst_e2ee_sframe_key_unref (ref);
}

GST_END_TEST;

/* Frames whose key has not arrived are held (unknown-kid-hold, in stream time), go
 * out first and in order once it comes, and are dropped as unknown-kid when it does
 * not come in time. */
GST_START_TEST (test_dec_hold)
{
  GstE2eeSFrameKey *ref_a = reference_key (&keys, DEFAULT_SUITE, 0x100, 21);
  GstE2eeSFrameKey *ref_b = reference_key (&keys, DEFAULT_SUITE, 0x200, 22);
  GstElement *dec = gst_element_factory_make ("e2eedec", NULL);
  GstBuffer *ka = key_buffer (&keys, 21);
  GstStructure *st;
  GstBus *bus;
  GstHarness *h;
  guint64 hold;
  gboolean ok = FALSE;
  GBytes *plain[4];
  GstBuffer *in, *out;
  guint i;

  g_object_get (dec, "unknown-kid-hold", &hold, NULL);
  fail_unless_equals_uint64 (hold, 500 * GST_MSECOND);
  g_object_set (dec, "drop-message-interval", (guint64) 0, NULL);
  h = harness_for (gst_object_ref (dec), &bus, OPUS_SFRAME_CAPS);
  for (i = 0; i < G_N_ELEMENTS (plain); i++)
    plain[i] = make_plain (20 + i, 50 + i);

  /* KID A before its key: held, nothing out yet. */
  for (i = 0; i < 2; i++) {
    in = encrypt_frame (ref_a, plain[i], NULL);
    GST_BUFFER_PTS (in) = i * 20 * GST_MSECOND;
    fail_unless_equals_int (gst_harness_push (h, in), GST_FLOW_OK);
  }
  fail_unless (gst_harness_try_pull (h) == NULL);
  expect_unknown_kid_message (bus, 0x100, "held", 1);
  expect_no_drop_message (bus);

  /* The key comes: the held frames, then the new one, in order. */
  g_signal_emit_by_name (dec, "add-key", (guint64) 0x100, ka, &ok);
  fail_unless (ok);
  in = encrypt_frame (ref_a, plain[2], NULL);
  GST_BUFFER_PTS (in) = 40 * GST_MSECOND;
  fail_unless_equals_int (gst_harness_push (h, in), GST_FLOW_OK);
  for (i = 0; i < 3; i++) {
    out = pull_now (h);
    assert_buffer_bytes (out, plain[i], "decrypted frame vs. plaintext");
    assert_meta (out, 0x100, i, DEFAULT_SUITE);
    fail_unless_equals_uint64 (GST_BUFFER_PTS (out), i * 20 * GST_MSECOND);
    gst_buffer_unref (out);
  }
  expect_unknown_kid_message (bus, 0x100, "recovered", 2);

  /* KID B never gets a key: dropped once stream time is past the hold. */
  in = encrypt_frame (ref_b, plain[3], NULL);
  GST_BUFFER_PTS (in) = 60 * GST_MSECOND;
  fail_unless_equals_int (gst_harness_push (h, in), GST_FLOW_OK);
  expect_unknown_kid_message (bus, 0x200, "held", 1);
  in = encrypt_frame (ref_a, plain[3], NULL);
  GST_BUFFER_PTS (in) = 80 * GST_MSECOND;
  gst_buffer_unref (push_pull (h, in));
  expect_no_drop_message (bus);
  in = encrypt_frame (ref_a, plain[3], NULL);
  GST_BUFFER_PTS (in) = 60 * GST_MSECOND + hold + GST_MSECOND;
  gst_buffer_unref (push_pull (h, in));
  expect_drop_message (bus, dec, "unknown-kid", 0x200, 0, 1, 1);
  expect_unknown_kid_message (bus, 0x200, "timed-out", 1);

  st = get_stats (dec);
  fail_unless_equals_uint64 (get_u64 (st, "held"), 3);
  fail_unless_equals_uint64 (get_u64 (st, "recovered"), 2);
  fail_unless_equals_uint64 (get_u64 (st, "frames"), 5);
  fail_unless_equals_uint64 (get_u64 (st, "dropped-unknown-kid"), 1);
  gst_structure_free (st);

  for (i = 0; i < G_N_ELEMENTS (plain); i++)
    g_bytes_unref (plain[i]);
  gst_buffer_unref (ka);
  gst_e2ee_sframe_key_unref (ref_a);
  gst_e2ee_sframe_key_unref (ref_b);
  gst_harness_teardown (h);
  free_bus (dec, bus);
  gst_object_unref (dec);
}

GST_END_TEST;

/* The codec layout: Opus frames from the library decrypt to the plaintext with their
 * timing and a GstE2eeMeta, a tampered one is dropped as `authentication`, and the
 * output caps are the input's without `e2ee-layout`. layout=codec takes plain codec
 * caps (after a depayloader); auto needs the field. */
GST_START_TEST (test_dec_codec_layout)
{
  const gchar *in_caps[] = { OPUS_CAPS, OPUS_CAPS ", e2ee-layout=(string)codec" };
  const gchar *layouts[] = { "codec", "auto" };
  GstCaps *want = gst_caps_from_string (OPUS_CAPS);
  guint run, i;

  for (run = 0; run < 2; run++) {
    GstE2eeSFrameKey *ref = reference_key (&keys, DEFAULT_SUITE, KID, 5);
    GstElement *dec = make_dec (DEFAULT_SUITE, KID, 5);
    GstHarness *h;
    GstBus *bus;
    GstCaps *got;
    GstStructure *st;

    gst_util_set_object_arg (G_OBJECT (dec), "layout", layouts[run]);
    h = harness_for (gst_object_ref (dec), &bus, in_caps[run]);
    for (i = 0; i < 4; i++) {
      GBytes *plain = make_plain (i, 40 + 20 * i), *sealed;
      GError *err = NULL;
      GstBuffer *in, *out;
      GstMapInfo map;

      sealed = gst_e2ee_layout_encrypt_bytes (ref, GST_E2EE_LAYOUT_CODEC_OPUS, plain,
          &err);
      fail_unless (sealed != NULL, "%s", err ? err->message : "?");
      in = gst_buffer_new_memdup (g_bytes_get_data (sealed, NULL),
          g_bytes_get_size (sealed));
      stamp_frame (in, i);
      if (i == 2) {
        /* One flipped ciphertext bit. */
        gst_buffer_map (in, &map, GST_MAP_WRITE);
        map.data[map.size - 20] ^= 0x10;
        gst_buffer_unmap (in, &map);
      }
      fail_unless_equals_int (gst_harness_push (h, in), GST_FLOW_OK);
      if (i == 2) {
        fail_unless (gst_harness_try_pull (h) == NULL, "a forged frame went out");
        expect_drop_message (bus, dec, "authentication", KID, i, 1, 1);
      } else {
        out = pull_now (h);
        assert_buffer_bytes (out, plain, "decrypted frame vs. plaintext");
        assert_meta (out, KID, i, DEFAULT_SUITE);
        fail_unless_equals_uint64 (GST_BUFFER_PTS (out), (i + 1) * 20 * GST_MSECOND);
        fail_unless_equals_uint64 (GST_BUFFER_DURATION (out), 20 * GST_MSECOND);
        gst_buffer_unref (out);
      }
      g_bytes_unref (sealed);
      g_bytes_unref (plain);
    }
    got = gst_pad_get_current_caps (h->sinkpad);
    fail_unless (gst_caps_is_equal (got, want), "got %" GST_PTR_FORMAT ", want %"
        GST_PTR_FORMAT, got, want);
    gst_caps_unref (got);
    g_object_get (dec, "stats", &st, NULL);
    fail_unless_equals_uint64 (get_u64 (st, "frames"), 3);
    fail_unless_equals_uint64 (get_u64 (st, "dropped"), 1);
    gst_structure_free (st);

    gst_harness_teardown (h);
    free_bus (dec, bus);
    gst_object_unref (dec);
    gst_e2ee_sframe_key_unref (ref);
  }
  gst_caps_unref (want);
}

GST_END_TEST;

/* A depayloader reads VP8's key frame size from the clear part of a codec-layout
 * frame, before e2eedec has authenticated it. A caps change goes downstream only with
 * the frame it came with: not when that frame is forged, or held for its key (the
 * decoder would reset and wait for a key frame on the strength of a forged header);
 * before it when it decrypts. */
GST_START_TEST (test_dec_codec_layout_caps_wait)
{
  GstE2eeSFrameKey *ref = reference_key (&keys, DEFAULT_SUITE, KID, 5);
  GstE2eeSFrameKey *other = reference_key (&keys, DEFAULT_SUITE, KID + 1, 6);
  GstElement *dec = make_dec (DEFAULT_SUITE, KID, 5);
  GstCaps *c640 = gst_caps_from_string (VP8_CAPS);
  GstCaps *c320, *got;
  GstHarness *h;
  GstBus *bus;
  guint i, caps_events = 0;
  GstEvent *ev;
  const gchar *forged = "video/x-vp8, width=(int)9999, height=(int)16383, "
      "framerate=(fraction)30000/1001, pixel-aspect-ratio=(fraction)1/1, "
      "profile=(string)0";
  const gchar *small = "video/x-vp8, width=(int)320, height=(int)180, "
      "framerate=(fraction)30000/1001, pixel-aspect-ratio=(fraction)1/1, "
      "profile=(string)0";

  g_object_set (dec, "unknown-kid-hold", (guint64) GST_SECOND, NULL);
  gst_util_set_object_arg (G_OBJECT (dec), "layout", "codec");
  h = harness_for (gst_object_ref (dec), &bus, VP8_CAPS);
  c320 = gst_caps_from_string (small);

  for (i = 0; i < 7; i++) {
    /* A key frame (bit 0 of the first byte clear, the start code) of 60 bytes. */
    GBytes *random = make_plain (i, 60), *plain, *sealed;
    GstBuffer *in, *out;
    GError *err = NULL;
    GstMapInfo map;
    guint8 *d = g_memdup2 (g_bytes_get_data (random, NULL), 60);

    d[0] &= ~1;
    d[3] = 0x9d;
    d[4] = 0x01;
    d[5] = 0x2a;
    plain = g_bytes_new_take (d, 60);
    g_bytes_unref (random);
    sealed = gst_e2ee_layout_encrypt_bytes (i == 4 ? other : ref,
        GST_E2EE_LAYOUT_CODEC_VP8, plain, &err);
    fail_unless (sealed != NULL, "%s", err ? err->message : "?");
    in = gst_buffer_new_memdup (g_bytes_get_data (sealed, NULL),
        g_bytes_get_size (sealed));
    stamp_frame (in, i);
    if (i == 1 || i == 4)
      gst_harness_set_src_caps_str (h, forged);
    if (i == 5)
      gst_harness_set_src_caps_str (h, small);
    if (i == 1) {
      gst_buffer_map (in, &map, GST_MAP_WRITE);
      map.data[map.size - 20] ^= 0x10;
      gst_buffer_unmap (in, &map);
    }
    fail_unless_equals_int (gst_harness_push (h, in), GST_FLOW_OK);
    if (i == 1 || i == 4) {
      /* Forged, then held (KID + 1 has no key yet). */
      fail_unless (gst_harness_try_pull (h) == NULL, "frame %u went out", i);
    } else {
      out = pull_now (h);
      assert_buffer_bytes (out, plain, "decrypted frame vs. plaintext");
      gst_buffer_unref (out);
    }
    got = gst_pad_get_current_caps (h->sinkpad);
    if (!gst_caps_is_equal (got, i < 5 ? c640 : c320)) {
      gchar *str = gst_caps_to_string (got);

      fail ("after frame %u downstream has %s", i, str);
      g_free (str);
    }
    gst_caps_unref (got);
    g_bytes_unref (sealed);
    g_bytes_unref (plain);
  }
  while ((ev = gst_harness_try_pull_event (h))) {
    if (GST_EVENT_TYPE (ev) == GST_EVENT_CAPS)
      caps_events++;
    gst_event_unref (ev);
  }
  /* The first caps, and the 320x180 change: never the forged ones. */
  fail_unless_equals_int (caps_events, 2);
  expect_drop_message (bus, dec, "authentication", KID, 1, 1, 1);

  gst_harness_teardown (h);
  free_bus (dec, bus);
  gst_object_unref (dec);
  gst_caps_unref (c640);
  gst_caps_unref (c320);
  gst_e2ee_sframe_key_unref (ref);
  gst_e2ee_sframe_key_unref (other);
}

GST_END_TEST;

/* A depayloader's frame is a sub-buffer of its RTP packet, in memory it shares. e2eedec
 * decrypts in place, so it copies such a frame first: into a buffer of its own pool,
 * which comes back once downstream is done with it, not into a new block per frame. */
GST_START_TEST (test_dec_shared_memory_recycled)
{
  GstE2eeSFrameKey *ref = reference_key (&keys, DEFAULT_SUITE, KID, 5);
  GstElement *dec = make_dec (DEFAULT_SUITE, KID, 5);
  GstHarness *h = harness_for (gst_object_ref (dec), NULL, VP8_SFRAME_CAPS);
  gpointer first_data = NULL;
  guint i;

  for (i = 0; i < 6; i++) {
    GBytes *plain = make_plain (i, i == 3 ? 3000 : 200);
    guint64 ctr;
    GstBuffer *frame = encrypt_frame (ref, plain, &ctr), *packet, *in, *out;
    gsize size = gst_buffer_get_size (frame);
    GstMapInfo map;

    /* The frame after a 12-byte "RTP header", then cut out of the packet. */
    packet = gst_buffer_new_allocate (NULL, 12 + size, NULL);
    gst_buffer_memset (packet, 0, 0x80, 12);
    gst_buffer_map (frame, &map, GST_MAP_READ);
    gst_buffer_fill (packet, 12, map.data, size);
    gst_buffer_unmap (frame, &map);
    gst_buffer_unref (frame);
    in = gst_buffer_copy_region (packet, GST_BUFFER_COPY_ALL, 12, size);
    gst_buffer_unref (packet);
    fail_unless (GST_MEMORY_IS_READONLY (gst_buffer_peek_memory (in, 0)));
    stamp_frame (in, i);

    fail_unless_equals_int (gst_harness_push (h, in), GST_FLOW_OK);
    out = pull_now (h);
    assert_buffer_bytes (out, plain, "decrypted frame vs. plaintext");
    assert_meta (out, KID, ctr, DEFAULT_SUITE);
    fail_unless_equals_uint64 (GST_BUFFER_PTS (out), (i + 1) * 20 * GST_MSECOND);
    fail_unless (out->pool != NULL, "frame %u: copied into a buffer of no pool", i);
    gst_buffer_map (out, &map, GST_MAP_READ);
    /* The same block again, except for the first frame after a larger one (3000
     * bytes: the pool's buffers grow, once). */
    if (i == 0 || i == 4)
      first_data = map.data;
    else if (i != 3)
      fail_unless (map.data == first_data, "frame %u: not the recycled buffer", i);
    gst_buffer_unmap (out, &map);
    gst_buffer_unref (out);
    g_bytes_unref (plain);
  }

  gst_harness_teardown (h);
  gst_object_unref (dec);
  gst_e2ee_sframe_key_unref (ref);
}

GST_END_TEST;

/* Counts upstream force-key-unit events (key frame requests) reaching the harness. */
static guint
count_key_unit_requests (GstHarness * h)
{
  GstEvent *ev;
  guint n = 0;

  while ((ev = gst_harness_try_pull_upstream_event (h))) {
    if (gst_video_event_is_force_key_unit (ev))
      n++;
    gst_event_unref (ev);
  }
  return n;
}

/* rtph264pay sends the parameter sets on their own ahead of a requested key frame and
 * rtph264depay makes an access unit of them: nothing to authenticate, so e2eedec drops
 * it, but as `clear-only`, quietly and without asking for yet another key frame; a
 * broken access unit stays `malformed-header` and does ask. The encrypted key frame
 * that follows still decrypts. */
GST_START_TEST (test_dec_h264_clear_only)
{
  static const guint8 sps_pps[] = { 0, 0, 0, 1, 0x67, 0x42, 0xc0, 0x1e, 0xd9, 0x00,
    0, 0, 0, 1, 0x68, 0xce, 0x3c, 0x80
  };
  static const guint8 aud_only[] = { 0, 0, 0, 1, 0x09, 0xf0 };
  static const guint8 no_start_code[] = { 0x65, 0x88, 0x84, 0x00, 0x33 };
  static const guint8 idr[] = { 0, 0, 0, 1, 0x67, 0x42, 0xc0, 0x1e, 0xd9, 0x00,
    0, 0, 0, 1, 0x68, 0xce, 0x3c, 0x80,
    0, 0, 0, 1, 0x65, 0x88, 0x84, 0x00, 0x33, 0xff, 0x12, 0x34, 0x56, 0x78, 0x9a,
    0xbc, 0xde, 0xf0, 0x11, 0x22, 0x33, 0x44, 0x55, 0x66
  };
  /* What e2eedec outputs of it: the 00 that ends this made-up SPS is framing (a NAL
   * unit never ends in 00), and the output keeps no framing but start codes. */
  static const guint8 idr_out[] = { 0, 0, 0, 1, 0x67, 0x42, 0xc0, 0x1e, 0xd9,
    0, 0, 0, 1, 0x68, 0xce, 0x3c, 0x80,
    0, 0, 0, 1, 0x65, 0x88, 0x84, 0x00, 0x33, 0xff, 0x12, 0x34, 0x56, 0x78, 0x9a,
    0xbc, 0xde, 0xf0, 0x11, 0x22, 0x33, 0x44, 0x55, 0x66
  };
  GBytes *want = g_bytes_new_static (idr_out, sizeof (idr_out));
  GstE2eeSFrameKey *ref = reference_key (&keys, DEFAULT_SUITE, KID, 6);
  GstElement *dec = make_dec (DEFAULT_SUITE, KID, 6);
  GBytes *plain = g_bytes_new_static (idr, sizeof (idr)), *sealed;
  GError *err = NULL;
  GstStructure *st;
  GstHarness *h;
  GstBus *bus;
  GstBuffer *out;

  fail_unless (gst_e2ee_layout_is_clear_only (GST_E2EE_LAYOUT_CODEC_H264, sps_pps,
          sizeof (sps_pps)));
  fail_unless (gst_e2ee_layout_is_clear_only (GST_E2EE_LAYOUT_CODEC_H264, aud_only,
          sizeof (aud_only)));
  fail_if (gst_e2ee_layout_is_clear_only (GST_E2EE_LAYOUT_CODEC_H264, idr, sizeof (idr)));
  fail_if (gst_e2ee_layout_is_clear_only (GST_E2EE_LAYOUT_CODEC_H264, no_start_code,
          sizeof (no_start_code)));
  fail_if (gst_e2ee_layout_is_clear_only (GST_E2EE_LAYOUT_CODEC_VP8, sps_pps,
          sizeof (sps_pps)));

  gst_util_set_object_arg (G_OBJECT (dec), "layout", "codec");
  h = harness_for (gst_object_ref (dec), &bus, "video/x-h264, "
      "stream-format=(string)byte-stream, alignment=(string)au");
  count_key_unit_requests (h);

  fail_unless_equals_int (gst_harness_push (h, gst_buffer_new_memdup (sps_pps,
              sizeof (sps_pps))), GST_FLOW_OK);
  fail_unless (gst_harness_try_pull (h) == NULL, "clear parameter sets went out");
  expect_drop_message (bus, dec, "clear-only", -1, 0, 1, 1);
  fail_unless_equals_int (count_key_unit_requests (h), 0);

  sealed = gst_e2ee_layout_encrypt_bytes (ref, GST_E2EE_LAYOUT_CODEC_H264, plain, &err);
  fail_unless (sealed != NULL, "%s", err ? err->message : "?");
  fail_unless_equals_int (gst_harness_push (h, gst_buffer_new_memdup
          (g_bytes_get_data (sealed, NULL), g_bytes_get_size (sealed))), GST_FLOW_OK);
  out = pull_now (h);
  assert_buffer_bytes (out, want, "decrypted frame vs. plaintext");
  gst_buffer_unref (out);
  fail_unless_equals_int (count_key_unit_requests (h), 0);

  fail_unless_equals_int (gst_harness_push (h, gst_buffer_new_memdup (no_start_code,
              sizeof (no_start_code))), GST_FLOW_OK);
  fail_unless (gst_harness_try_pull (h) == NULL);
  expect_drop_message (bus, dec, "malformed-header", -1, 0, 1, 1);
  fail_unless_equals_int (gst_harness_push (h, gst_buffer_new_memdup
          (g_bytes_get_data (sealed, NULL), g_bytes_get_size (sealed))), GST_FLOW_OK);
  fail_unless (gst_harness_try_pull (h) == NULL, "a replayed frame went out");
  /* The malformed one was a loss: decryption resuming asks for a key frame; the
   * replay is dropped before that. */
  g_bytes_unref (sealed);

  g_object_get (dec, "stats", &st, NULL);
  fail_unless_equals_uint64 (get_u64 (st, "frames"), 1);
  fail_unless_equals_uint64 (get_u64 (st, "dropped-clear-only"), 1);
  fail_unless_equals_uint64 (get_u64 (st, "dropped-malformed-header"), 1);
  fail_unless_equals_uint64 (get_u64 (st, "dropped"), 3);
  gst_structure_free (st);

  gst_harness_teardown (h);
  free_bus (dec, bus);
  gst_object_unref (dec);
  g_bytes_unref (plain);
  g_bytes_unref (want);
  gst_e2ee_sframe_key_unref (ref);
}

GST_END_TEST;

/* layout=codec refuses caps without a codec layout, and whole-frame SFrame. */
GST_START_TEST (test_dec_codec_layout_refused)
{
  const gchar *caps[] = { H264_CAPS, OPUS_SFRAME_CAPS };
  guint i;

  for (i = 0; i < G_N_ELEMENTS (caps); i++) {
    GstElement *dec = make_dec (DEFAULT_SUITE, KID, 5);
    GstHarness *h;
    GstBus *bus;
    GstMessage *msg;
    GError *err = NULL;

    gst_util_set_object_arg (G_OBJECT (dec), "layout", "codec");
    h = harness_for (gst_object_ref (dec), &bus, caps[i]);
    fail_if (gst_harness_push (h, gst_buffer_new_allocate (NULL, 50, NULL)) ==
        GST_FLOW_OK);
    msg = gst_bus_pop_filtered (bus, GST_MESSAGE_ERROR);
    fail_unless (msg != NULL, "no error for %s", caps[i]);
    gst_message_parse_error (msg, &err, NULL);
    fail_unless (g_error_matches (err, GST_STREAM_ERROR, GST_STREAM_ERROR_FORMAT),
        "%s", err->message);
    g_clear_error (&err);
    gst_message_unref (msg);
    fail_unless (gst_harness_try_pull (h) == NULL);
    gst_harness_teardown (h);
    free_bus (dec, bus);
    gst_object_unref (dec);
  }
}

GST_END_TEST;

/* Pops the next message of @type (an error or a warning) and checks its GError's
 * domain and code and that its text says @text; gives its details, if asked. */
static void
expect_gerror (GstBus * bus, GstMessageType type, GQuark domain, gint code,
    const gchar * text, GstStructure ** ret)
{
  GstMessage *msg = gst_bus_pop_filtered (bus, type);
  const GstStructure *details = NULL;
  GError *err = NULL;
  gchar *dbg = NULL;

  fail_unless (msg != NULL, "no %s message on the bus (\"%s\")",
      gst_message_type_get_name (type), text);
  if (type == GST_MESSAGE_ERROR) {
    gst_message_parse_error (msg, &err, &dbg);
    gst_message_parse_error_details (msg, &details);
  } else {
    gst_message_parse_warning (msg, &err, &dbg);
    gst_message_parse_warning_details (msg, &details);
  }
  GST_INFO ("%s: %s (%s)", gst_message_type_get_name (type), err->message, dbg);
  fail_unless (err->domain == domain && err->code == code, "unexpected %s %s:%d: %s",
      gst_message_type_get_name (type), g_quark_to_string (err->domain), err->code,
      err->message);
  fail_unless (strstr (err->message, text) != NULL, "\"%s\" does not say \"%s\"",
      err->message, text);
  if (ret) {
    fail_unless (details != NULL, "\"%s\" has no details", err->message);
    *ret = gst_structure_copy (details);
  }
  g_error_free (err);
  g_free (dbg);
  gst_message_unref (msg);
}

/* Pops every warning on @bus and counts the two kinds e2eedec posts for keys: a `key`
 * property that cannot be used as asked (saying @settings_text), and frames dropped
 * for want of a key. Fails on any other. */
static void
count_key_warnings (GstBus * bus, const gchar * settings_text, guint * settings,
    guint * nokey)
{
  GstMessage *msg;

  *settings = *nokey = 0;
  while ((msg = gst_bus_pop_filtered (bus, GST_MESSAGE_WARNING))) {
    GError *err = NULL;

    gst_message_parse_warning (msg, &err, NULL);
    if (g_error_matches (err, GST_STREAM_ERROR, GST_STREAM_ERROR_DECRYPT_NOKEY))
      (*nokey)++;
    else if (g_error_matches (err, GST_RESOURCE_ERROR, GST_RESOURCE_ERROR_SETTINGS) &&
        strstr (err->message, settings_text) != NULL)
      (*settings)++;
    else
      fail ("unexpected warning %s:%d: %s", g_quark_to_string (err->domain), err->code,
          err->message);
    g_error_free (err);
    gst_message_unref (msg);
  }
}

/* How the `key` property's KID-0 key stops being current. */
enum
{
  SUPERSEDE_RATCHET,            /* the sender ratchets to KID 1 */
  SUPERSEDE_RETIRE,             /* retire-key */
  SUPERSEDE_REMOVE,             /* remove-key */
  SUPERSEDE_ADD_KEY,            /* add-key gives KID 0 another key */
  SUPERSEDE_NONE,               /* still current, and has decrypted frames */
  N_SUPERSEDE
};

/* A key superseded, or one already used, never comes back from the element's copy of
 * the `key` property: not on a write of `cipher-suite` or `key-id` (the same values
 * or others and back), of the same `key` while it is in use, a restart or another key
 * store. Its recorded frames are dropped
 * and counted, never decrypted again; a fresh `key` still works. (With key-grace-period
 * 0, as in the issue: the store wipes KID 0 at once.) */
GST_START_TEST (test_dec_superseded_key_stays_gone)
{
  static const gchar *const replay_reason[N_SUPERSEDE] = {
    "dropped-unknown-kid", "dropped-unknown-kid", "dropped-unknown-kid",
    "dropped-authentication", "dropped-replay-duplicate"
  };
  static const guint keys_left[N_SUPERSEDE] = { 1, 0, 0, 1, 1 };
  guint how = __i__;
  GstE2eeSFrameKey *ref0 = reference_key (&keys, DEFAULT_SUITE, 0, 7);
  GstE2eeSFrameKey *fresh = reference_key (&keys, DEFAULT_SUITE, 0, 8);
  GstElement *dec = make_dec (DEFAULT_SUITE, 0, 7);
  GstBuffer *recorded[3], *key;
  GstE2eeKeyStore *store, *other;
  GBytes *plain = make_plain (30, 90);
  GstStructure *st;
  gboolean ok = FALSE;
  guint64 replays = 0, frames = 3;
  guint settings, nokey;
  GstBus *bus;
  GstHarness *h;
  guint i, round;

  g_object_set (dec, "key-grace-period", (guint64) 0, "drop-message-interval",
      (guint64) 0, NULL);
  h = harness_for (gst_object_ref (dec), &bus, OPUS_SFRAME_CAPS);
  for (i = 0; i < G_N_ELEMENTS (recorded); i++) {
    recorded[i] = encrypt_frame (ref0, plain, NULL);
    gst_buffer_unref (push_pull (h, gst_buffer_copy_deep (recorded[i])));
  }

  switch (how) {
    case SUPERSEDE_RATCHET:{
      GBytes *base0 = g_bytes_new_take (g_malloc (KEY_SIZE), KEY_SIZE), *base1;
      GstE2eeSFrameKey *ref1;
      GError *err = NULL;

      fill_key (&keys, (guint8 *) g_bytes_get_data (base0, NULL), 7);
      base1 = gst_e2ee_ratchet_base_key_bytes (DEFAULT_SUITE, base0, &err);
      fail_unless (base1 != NULL, "%s", err ? err->message : "?");
      ref1 = gst_e2ee_sframe_key_new (DEFAULT_SUITE, gst_e2ee_ratchet_kid (0, 1, 8),
          g_bytes_get_data (base1, NULL), g_bytes_get_size (base1), &err);
      fail_unless (ref1 != NULL, "%s", err ? err->message : "?");
      push_good (h, ref1, 1, 90);       /* KID 1: KID 0 is retired and wiped */
      frames++;
      gst_e2ee_sframe_key_unref (ref1);
      g_bytes_unref (base0);
      g_bytes_unref (base1);
      break;
    }
    case SUPERSEDE_RETIRE:
      g_signal_emit_by_name (dec, "retire-key", (guint64) 0, &ok);
      fail_unless (ok);
      break;
    case SUPERSEDE_REMOVE:
      g_signal_emit_by_name (dec, "remove-key", (guint64) 0, &ok);
      fail_unless (ok);
      break;
    case SUPERSEDE_ADD_KEY:
      key = key_buffer (&keys, 9);
      g_signal_emit_by_name (dec, "add-key", (guint64) 0, key, &ok);
      fail_unless (ok);
      gst_buffer_unref (key);
      break;
    default:
      break;
  }

  /* The same values, then others and back: the writes and their variants; and
   * a key still in use, given again (as key management may re-send it). */
  for (round = 0; round < (how == SUPERSEDE_NONE ? 4 : 3); round++) {
    if (round == 0) {
      g_object_set (dec, "cipher-suite", DEFAULT_SUITE, "key-id", (guint64) 0, NULL);
    } else if (round == 1) {
      g_object_set (dec, "key-id", (guint64) 9, NULL);
      g_object_set (dec, "key-id", (guint64) 0, NULL);
    } else if (round == 2) {
      g_object_set (dec, "cipher-suite", GST_E2EE_CIPHER_SUITE_AES_128_GCM_SHA256_128,
          NULL);
      g_object_set (dec, "cipher-suite", DEFAULT_SUITE, NULL);
    } else {
      key = key_buffer (&keys, 7);
      g_object_set (dec, "key", key, NULL);
      gst_buffer_unref (key);
    }
    for (i = 0; i < G_N_ELEMENTS (recorded); i++) {
      push_bad (h, gst_buffer_copy_deep (recorded[i]));
      replays++;
    }
    st = get_stats (dec);
    fail_unless_equals_uint64 (get_u64 (st, "frames"), frames);
    fail_unless_equals_uint64 (get_u64 (st, replay_reason[how]), replays);
    fail_unless_equals_int (g_value_get_uint (gst_structure_get_value (st, "keys")),
        keys_left[how]);
    gst_structure_free (st);
  }
  /* Each KID or suite that changed said that the key does not follow (not when back
   * where the key in use is); with drop-message-interval 0, each replay without a key
   * said that there is none. */
  count_key_warnings (bus, "set 'key' again", &settings, &nokey);
  fail_unless_equals_int (settings, how == SUPERSEDE_NONE ? 2 : 4);
  fail_unless_equals_int (nokey, how <= SUPERSEDE_REMOVE ? replays : 0);

  /* A restart and another store bring nothing back either. */
  g_object_get (dec, "key-store", &store, NULL);
  fail_unless_equals_int (gst_element_set_state (dec, GST_STATE_NULL),
      GST_STATE_CHANGE_SUCCESS);
  fail_unless_equals_int (gst_element_set_state (dec, GST_STATE_PLAYING),
      GST_STATE_CHANGE_SUCCESS);
  fail_unless_equals_int (gst_e2ee_key_store_get_n_keys (store), keys_left[how]);
  other = gst_e2ee_key_store_new ();
  fail_unless_equals_int (gst_element_set_state (dec, GST_STATE_READY),
      GST_STATE_CHANGE_SUCCESS);
  g_object_set (dec, "key-store", other, NULL);
  fail_unless_equals_int (gst_e2ee_key_store_get_n_keys (other), 0);
  g_object_set (dec, "key-store", store, NULL);
  fail_unless_equals_int (gst_e2ee_key_store_get_n_keys (store), keys_left[how]);
  fail_unless_equals_int (gst_element_set_state (dec, GST_STATE_PLAYING),
      GST_STATE_CHANGE_SUCCESS);
  gst_harness_push_event (h, gst_event_new_stream_start ("again"));
  gst_harness_set_src_caps_str (h, OPUS_SFRAME_CAPS);

  /* A fresh key through `key` works, and the recorded frames stay dead. */
  key = key_buffer (&keys, 8);
  g_object_set (dec, "key", key, NULL);
  gst_buffer_unref (key);
  push_good (h, fresh, 3, 90);
  push_bad (h, gst_buffer_copy_deep (recorded[0]));
  st = get_stats (dec);
  fail_unless_equals_uint64 (get_u64 (st, "frames"), frames + 1);
  gst_structure_free (st);

  for (i = 0; i < G_N_ELEMENTS (recorded); i++)
    gst_buffer_unref (recorded[i]);
  gst_object_unref (store);
  gst_object_unref (other);
  g_bytes_unref (plain);
  gst_e2ee_sframe_key_unref (ref0);
  gst_e2ee_sframe_key_unref (fresh);
  gst_harness_teardown (h);
  free_bus (dec, bus);
  gst_object_unref (dec);
}

GST_END_TEST;

/* Key management re-sending a decryption key it already gave (the same bytes through
 * `add-key`, as it would after a reconnect) must not reset that key's replay window:
 * the store keeps the key object and says nothing, so recorded frames stay dead. */
GST_START_TEST (test_dec_same_key_added_again)
{
  GstE2eeSFrameKey *ref = reference_key (&keys, DEFAULT_SUITE, 4, 7);
  GstElement *dec = make_dec (DEFAULT_SUITE, 4, 7);
  GBytes *plain = make_plain (30, 90);
  GstBuffer *recorded[3], *key;
  GstStructure *st;
  gboolean ok = FALSE;
  GstBus *bus;
  GstHarness *h;
  guint i, round;

  h = harness_for (gst_object_ref (dec), &bus, OPUS_SFRAME_CAPS);
  for (i = 0; i < G_N_ELEMENTS (recorded); i++) {
    recorded[i] = encrypt_frame (ref, plain, NULL);
    gst_buffer_unref (push_pull (h, gst_buffer_copy_deep (recorded[i])));
  }
  for (round = 0; round < 2; round++) {
    key = key_buffer (&keys, 7);
    g_signal_emit_by_name (dec, "add-key", (guint64) 4, key, &ok);
    gst_buffer_unref (key);
    fail_unless (ok, "the same key again was refused");
    for (i = 0; i < G_N_ELEMENTS (recorded); i++)
      push_bad (h, gst_buffer_copy_deep (recorded[i]));
  }
  st = get_stats (dec);
  fail_unless_equals_uint64 (get_u64 (st, "frames"), G_N_ELEMENTS (recorded));
  fail_unless_equals_uint64 (get_u64 (st, "dropped-replay-duplicate"),
      2 * G_N_ELEMENTS (recorded));
  fail_unless_equals_int (g_value_get_uint (gst_structure_get_value (st, "keys")), 1);
  gst_structure_free (st);
  /* The key goes on decrypting new frames. */
  push_good (h, ref, 5, 90);

  for (i = 0; i < G_N_ELEMENTS (recorded); i++)
    gst_buffer_unref (recorded[i]);
  g_bytes_unref (plain);
  gst_e2ee_sframe_key_unref (ref);
  gst_harness_teardown (h);
  free_bus (dec, bus);
  gst_object_unref (dec);
}

GST_END_TEST;

/* A `key` too short to be safe is an error on the bus and the element does not start,
 * as with e2eeenc: not a debug line while every frame is dropped as unknown-kid. While
 * running, a short key is refused with a warning and the key in use stays. On a
 * gst-launch line, gst-launch-1.0 fails. */
GST_START_TEST (test_dec_short_key)
{
  GstE2eeSFrameKey *ref = reference_key (&keys, DEFAULT_SUITE, KID, 7);
  GstElement *dec = make_dec (DEFAULT_SUITE, KID, 0);
  GstBuffer *short_key = gst_buffer_new_allocate (NULL, 4, NULL);
  GstBuffer *key16 = gst_buffer_new_allocate (NULL, 16, NULL), *key;
  GstBus *bus = gst_bus_new ();
  const gchar *argv[] = { "gst-launch-1.0", "fakesrc", "num-buffers=3", "!",
    "application/x-sframe", "!", "e2eedec", "key-id=1", "key=00010203", "!", "fakesink",
    NULL
  };
  gchar *out = NULL, *err = NULL;
  GError *error = NULL;
  GstHarness *h;
  gint status;

  gst_buffer_memset (short_key, 0, 0x5a, 4);
  gst_buffer_memset (key16, 0, 0x5a, 16);
  gst_element_set_bus (dec, bus);
  g_object_set (dec, "key", short_key, NULL);
  fail_unless_equals_int (gst_element_set_state (dec, GST_STATE_PAUSED),
      GST_STATE_CHANGE_FAILURE);
  expect_gerror (bus, GST_MESSAGE_ERROR, GST_RESOURCE_ERROR,
      GST_RESOURCE_ERROR_SETTINGS, "the base key has 4 bytes; at least 16 are needed",
      NULL);
  fail_unless_equals_int (gst_element_set_state (dec, GST_STATE_NULL),
      GST_STATE_CHANGE_SUCCESS);

  /* 16 bytes are enough. */
  g_object_set (dec, "key", key16, NULL);
  fail_unless_equals_int (gst_element_set_state (dec, GST_STATE_PAUSED),
      GST_STATE_CHANGE_SUCCESS);
  fail_unless (gst_bus_pop_filtered (bus, GST_MESSAGE_ERROR | GST_MESSAGE_WARNING) ==
      NULL);
  gst_element_set_state (dec, GST_STATE_NULL);

  /* While running: refused, the key in use stays. */
  key = key_buffer (&keys, 7);
  g_object_set (dec, "key-id", (guint64) KID, "key", key, NULL);
  gst_buffer_unref (key);
  h = harness_for (gst_object_ref (dec), NULL, OPUS_SFRAME_CAPS);
  push_good (h, ref, 0, 50);
  g_object_set (dec, "key", short_key, NULL);
  expect_gerror (bus, GST_MESSAGE_WARNING, GST_RESOURCE_ERROR,
      GST_RESOURCE_ERROR_SETTINGS, "the base key has 4 bytes; at least 16 are needed",
      NULL);
  push_good (h, ref, 1, 50);
  gst_harness_teardown (h);

  fail_unless (g_spawn_sync (NULL, (gchar **) argv, NULL, G_SPAWN_SEARCH_PATH, NULL,
          NULL, &out, &err, &status, &error), "cannot run gst-launch-1.0: %s",
      error ? error->message : "?");
  GST_INFO ("gst-launch-1.0: status %d, stdout: %s, stderr: %s", status, out, err);
  fail_if (g_spawn_check_wait_status (status, NULL), "gst-launch-1.0 with a 4-byte "
      "key exited 0");
  fail_unless (strstr (err, "at least 16 are needed") != NULL, "gst-launch-1.0 did not "
      "say why: %s", err);
  g_free (out);
  g_free (err);

  gst_buffer_unref (short_key);
  gst_buffer_unref (key16);
  gst_e2ee_sframe_key_unref (ref);
  free_bus (dec, bus);
  gst_object_unref (dec);
}

GST_END_TEST;

/* 5,000 frames, each naming a KID of its own without a key: the `held` and
 * `timed-out` messages stay within their overall bound (8 each per
 * drop-message-interval, here one hour: 8 `held`; `timed-out` once when the hold first
 * overflows and 8 more at EOS, 7 KIDs and the rest summed), the counters stay exact. */
GST_START_TEST (test_dec_unknown_kid_messages_bounded)
{
  const guint n = 5000;
  GstElement *dec = make_dec (DEFAULT_SUITE, KID, 7);
  GRand *rand = g_rand_new_with_seed (18005);
  guint held = 0, timed_out = 0, timed_out_kids = 0, drops = 0, nokey = 0;
  guint64 timed_out_frames = 0;
  GstStructure *st;
  GstMessage *msg;
  GstHarness *h;
  GstBus *bus;
  guint i;

  g_object_set (dec, "unknown-kid-hold", (guint64) 3600 * GST_SECOND,
      "drop-message-interval", (guint64) 3600 * GST_SECOND, NULL);
  h = harness_for (gst_object_ref (dec), &bus, OPUS_SFRAME_CAPS);
  for (i = 0; i < n; i++) {
    guint8 frame[64] = { 0 };
    /* Random, distinct, and far from KID's ratchet generation. */
    guint64 kid = ((guint64) g_rand_int (rand) << 16) | i;
    GstBuffer *buf;

    fail_unless (gst_e2ee_sframe_header_encode (kid, 0, frame, sizeof (frame)) > 0);
    buf = buffer_from_data (frame, sizeof (frame));
    GST_BUFFER_PTS (buf) = i * GST_MSECOND;
    push_bad (h, buf);
  }
  fail_unless (gst_harness_push_event (h, gst_event_new_eos ()));

  while ((msg = gst_bus_pop (bus))) {
    const GstStructure *s = gst_message_get_structure (msg);

    if (GST_MESSAGE_TYPE (msg) == GST_MESSAGE_WARNING) {
      GError *err = NULL;

      gst_message_parse_warning (msg, &err, NULL);
      fail_unless (g_error_matches (err, GST_STREAM_ERROR,
              GST_STREAM_ERROR_DECRYPT_NOKEY), "unexpected warning: %s", err->message);
      nokey++;
      g_error_free (err);
    } else if (GST_MESSAGE_TYPE (msg) != GST_MESSAGE_ELEMENT) {
      ;
    } else if (gst_structure_has_name (s, "e2eedec-drop")) {
      drops++;
    } else if (gst_structure_has_name (s, "e2ee-unknown-kid")) {
      const gchar *action = gst_structure_get_string (s, "action");

      if (g_strcmp0 (action, "held") == 0) {
        held++;
      } else {
        fail_unless_equals_string (action, "timed-out");
        timed_out++;
        timed_out_kids += gst_structure_has_field (s, "kid");
        timed_out_frames += get_u64 (s, "count");
      }
    }
    gst_message_unref (msg);
  }
  GST_INFO ("%u held, %u timed-out (%u with a KID), %u drop messages", held, timed_out,
      timed_out_kids, drops);
  fail_unless_equals_int (held, 8);
  fail_unless_equals_int (timed_out, 1 + 8);
  fail_unless_equals_int (timed_out_kids, 1 + 7);
  fail_unless_equals_uint64 (timed_out_frames, n);
  fail_unless_equals_int (drops, 1);
  fail_unless_equals_int (nokey, 1);

  st = get_stats (dec);
  fail_unless_equals_uint64 (get_u64 (st, "held"), n);
  fail_unless_equals_uint64 (get_u64 (st, "dropped-unknown-kid"), n);
  fail_unless_equals_uint64 (get_u64 (st, "dropped"), n);
  fail_unless_equals_uint64 (get_u64 (st, "recovered"), 0);
  gst_structure_free (st);

  g_rand_free (rand);
  gst_harness_teardown (h);
  free_bus (dec, bus);
  gst_object_unref (dec);
}

GST_END_TEST;

/* Checks a GST_STREAM_ERROR_DECRYPT_NOKEY warning for @kid and its details. */
static void
expect_nokey_warning (GstBus * bus, guint64 kid, guint64 count, guint64 total)
{
  gchar *text = g_strdup_printf ("No key for KID %" G_GUINT64_FORMAT, kid);
  GstStructure *details = NULL;

  expect_gerror (bus, GST_MESSAGE_WARNING, GST_STREAM_ERROR,
      GST_STREAM_ERROR_DECRYPT_NOKEY, text, &details);
  fail_unless_equals_uint64 (get_u64 (details, "kid"), kid);
  fail_unless_equals_uint64 (get_u64 (details, "count"), count);
  fail_unless_equals_uint64 (get_u64 (details, "total"), total);
  gst_structure_free (details);
  g_free (text);
}

/* Frames dropped because their key never came give the warning GStreamer applications
 * look for, GST_STREAM_ERROR_DECRYPT_NOKEY, rate-limited as the drop messages: dropped
 * at once (no hold) and held until they timed out. Other drops do not; the stream goes
 * on. */
GST_START_TEST (test_dec_nokey_warning)
{
  GstE2eeSFrameKey *ref = reference_key (&keys, DEFAULT_SUITE, KID, 7);
  GstE2eeSFrameKey *stranger = reference_key (&keys, DEFAULT_SUITE, 0x5000, 8);
  GstE2eeSFrameKey *late = reference_key (&keys, DEFAULT_SUITE, 0x6000, 9);
  GstElement *dec = make_dec (DEFAULT_SUITE, KID, 7);
  GBytes *plain = make_plain (40, 70);
  GstBuffer *in;
  GstHarness *h;
  GstBus *bus;

  g_object_set (dec, "drop-message-interval", (guint64) 3600 * GST_SECOND, NULL);
  h = harness_for (gst_object_ref (dec), &bus, OPUS_SFRAME_CAPS);
  push_bad (h, encrypt_frame (stranger, plain, NULL));
  expect_nokey_warning (bus, 0x5000, 1, 1);
  push_bad (h, encrypt_frame (stranger, plain, NULL));  /* within the interval */
  push_bad (h, flip_bit (encrypt_frame (ref, plain, NULL), 3, 0));
  push_good (h, ref, 1, 70);
  fail_unless (gst_bus_pop_filtered (bus, GST_MESSAGE_WARNING) == NULL);

  /* Held, then timed out: the second frame, held back above, is in the count. */
  g_object_set (dec, "drop-message-interval", (guint64) 0, "unknown-kid-hold",
      100 * GST_MSECOND, NULL);
  in = encrypt_frame (late, plain, NULL);
  GST_BUFFER_PTS (in) = 0;
  push_bad (h, in);
  fail_unless (gst_bus_pop_filtered (bus, GST_MESSAGE_WARNING) == NULL);
  in = encrypt_frame (ref, plain, NULL);
  GST_BUFFER_PTS (in) = 200 * GST_MSECOND;
  gst_buffer_unref (push_pull (h, in));
  expect_nokey_warning (bus, 0x6000, 2, 3);
  fail_unless (gst_bus_pop_filtered (bus, GST_MESSAGE_WARNING) == NULL);

  g_bytes_unref (plain);
  gst_e2ee_sframe_key_unref (ref);
  gst_e2ee_sframe_key_unref (stranger);
  gst_e2ee_sframe_key_unref (late);
  gst_harness_teardown (h);
  free_bus (dec, bus);
  gst_object_unref (dec);
}

GST_END_TEST;

/* Restarts the harnessed element through READY, where @prop is set to @value. */
static void
restart_through_ready (GstHarness * h, const gchar * caps, const gchar * prop,
    guint value)
{
  fail_unless_equals_int (gst_element_set_state (h->element, GST_STATE_READY),
      GST_STATE_CHANGE_SUCCESS);
  g_object_set (h->element, prop, value, NULL);
  fail_unless_equals_int (gst_element_set_state (h->element, GST_STATE_PLAYING),
      GST_STATE_CHANGE_SUCCESS);
  gst_harness_push_event (h, gst_event_new_stream_start ("again"));
  gst_harness_set_src_caps_str (h, caps);
}

/* A new replay-window keeps what the old one knew, so the frames a current key
 * decrypted do not come in again; one never received still does. Turning the window off
 * and on again forgets nothing either. */
GST_START_TEST (test_dec_replay_window_resized)
{
  GstE2eeSFrameKey *ref = reference_key (&keys, DEFAULT_SUITE, KID, 7);
  GstElement *dec = make_dec (DEFAULT_SUITE, KID, 7);
  GstHarness *h = harness_for (gst_object_ref (dec), NULL, OPUS_SFRAME_CAPS);
  GBytes *plain = make_plain (50, 60);
  GstBuffer *frames[10];
  GstStructure *st;
  guint i;

  for (i = 0; i < G_N_ELEMENTS (frames); i++) {
    frames[i] = encrypt_frame (ref, plain, NULL);       /* CTR i */
    if (i != 5)
      gst_buffer_unref (push_pull (h, gst_buffer_copy_deep (frames[i])));
  }
  restart_through_ready (h, OPUS_SFRAME_CAPS, "replay-window", 64);
  push_bad (h, gst_buffer_copy_deep (frames[3]));
  restart_through_ready (h, OPUS_SFRAME_CAPS, "replay-window", 4096);
  push_bad (h, gst_buffer_copy_deep (frames[9]));
  restart_through_ready (h, OPUS_SFRAME_CAPS, "replay-window", 0);
  restart_through_ready (h, OPUS_SFRAME_CAPS, "replay-window", 1024);
  push_bad (h, gst_buffer_copy_deep (frames[0]));
  gst_buffer_unref (push_pull (h, gst_buffer_copy_deep (frames[5])));
  st = get_stats (dec);
  fail_unless_equals_uint64 (get_u64 (st, "dropped-replay-duplicate"), 3);
  fail_unless_equals_uint64 (get_u64 (st, "frames"), 10);
  gst_structure_free (st);

  for (i = 0; i < G_N_ELEMENTS (frames); i++)
    gst_buffer_unref (frames[i]);
  g_bytes_unref (plain);
  gst_e2ee_sframe_key_unref (ref);
  gst_harness_teardown (h);
  gst_object_unref (dec);
}

GST_END_TEST;

static Suite *
e2eedec_suite (void)
{
  Suite *s = suite_create ("e2eedec");
  TCase *tc = tcase_create ("general");

  suite_add_tcase (s, tc);
  tcase_add_loop_test (tc, test_dec_round_trip, 0, G_N_ELEMENTS (all_suites));
  tcase_add_loop_test (tc, test_dec_from_e2eeenc, 0, G_N_ELEMENTS (all_suites));
  tcase_add_test (tc, test_dec_in_place);
  tcase_add_test (tc, test_dec_multi_memory);
  tcase_add_test (tc, test_dec_caps);
  tcase_add_test (tc, test_dec_plaintext_refused);
  tcase_add_test (tc, test_dec_plaintext_allowed);
  tcase_add_test (tc, test_dec_drops);
  tcase_add_test (tc, test_dec_drop_message_interval);
  tcase_add_test (tc, test_dec_no_drop_messages);
  tcase_add_test (tc, test_dec_remove_key);
  tcase_add_test (tc, test_dec_key_property_order);
  tcase_add_test (tc, test_dec_add_key_two_senders);
  tcase_add_test (tc, test_dec_wrong_suite);
  tcase_add_test (tc, test_dec_garbage);
  tcase_add_test (tc, test_dec_many_unknown_kids);
  tcase_add_test (tc, test_dec_replay);
  tcase_add_test (tc, test_dec_hold);
  tcase_add_test (tc, test_dec_codec_layout);
  tcase_add_test (tc, test_dec_codec_layout_caps_wait);
  tcase_add_test (tc, test_dec_shared_memory_recycled);
  tcase_add_test (tc, test_dec_codec_layout_refused);
  tcase_add_test (tc, test_dec_h264_clear_only);
  tcase_add_loop_test (tc, test_dec_superseded_key_stays_gone, 0, N_SUPERSEDE);
  tcase_add_test (tc, test_dec_short_key);
  tcase_add_test (tc, test_dec_same_key_added_again);
  tcase_add_test (tc, test_dec_replay_window_resized);
  tcase_add_test (tc, test_dec_unknown_kid_messages_bounded);
  tcase_add_test (tc, test_dec_nokey_warning);
  return s;
}

GST_CHECK_MAIN (e2eedec);
