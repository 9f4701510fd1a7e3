/* gst-e2ee: e2eeenc encrypting whole frames where they lie. A frame upstream hands
 * over writable, in a memory with room for the SFrame header before it and the tag
 * after it (the allocation parameters e2eeenc proposes), is encrypted without an
 * output buffer; anything another buffer can still see is never written.
 * Every output is compared byte for byte with the library's own encryption.
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <gst/check/gstcheck.h>
#include <gst/check/gstharness.h>
#include <gst/e2ee/e2ee.h>
#include <string.h>

#define KEY_SIZE 32
#define CAPS "application/octet-stream"

static const GstE2eeCipherSuite all_suites[] = {
  GST_E2EE_CIPHER_SUITE_AES_128_CTR_HMAC_SHA256_80,
  GST_E2EE_CIPHER_SUITE_AES_128_CTR_HMAC_SHA256_64,
  GST_E2EE_CIPHER_SUITE_AES_128_CTR_HMAC_SHA256_32,
  GST_E2EE_CIPHER_SUITE_AES_128_GCM_SHA256_128,
  GST_E2EE_CIPHER_SUITE_AES_256_GCM_SHA512_128,
};

static const gsize sizes[] = { 1, 15, 16, 17, 160, 1200, 30000, 70000 };

static GstBuffer *
key_buffer (guint8 seed)
{
  guint8 key[KEY_SIZE];
  guint i;

  for (i = 0; i < KEY_SIZE; i++)
    key[i] = (guint8) (seed * 29 + i * 5 + 3);
  return gst_buffer_new_memdup (key, KEY_SIZE);
}

static GstE2eeSFrameKey *
reference_key (GstE2eeCipherSuite suite, guint64 kid, guint8 seed)
{
  GstBuffer *kb = key_buffer (seed);
  GstMapInfo map;
  GstE2eeSFrameKey *k;

  gst_buffer_map (kb, &map, GST_MAP_READ);
  k = gst_e2ee_sframe_key_new (suite, kid, map.data, map.size, NULL);
  gst_buffer_unmap (kb, &map);
  gst_buffer_unref (kb);
  fail_unless (k != NULL);
  return k;
}

static GstElement *
make_enc (GstE2eeCipherSuite suite, guint64 kid, guint8 seed)
{
  GstElement *enc = gst_element_factory_make ("e2eeenc", NULL);
  GstBuffer *kb = key_buffer (seed);

  fail_unless (enc != NULL, "e2eeenc not found: is GST_PLUGIN_PATH set?");
  g_object_set (enc, "cipher-suite", suite, "key-id", kid, "key", kb, NULL);
  gst_util_set_object_arg (G_OBJECT (enc), "layout", "frame");
  gst_buffer_unref (kb);
  return enc;
}

static GstHarness *
harness_for (GstElement * el)
{
  GstHarness *h = gst_harness_new_with_element (el, "sink", "src");

  gst_object_unref (el);
  gst_harness_set_src_caps_str (h, CAPS);
  return h;
}

/* A frame as an encoder following e2eeenc's allocation parameters makes it. */
static GstBuffer *
frame_with_room (guint idx, gsize size, gsize prefix, gsize padding)
{
  GstAllocationParams params;
  GstBuffer *buf;
  GstMapInfo map;
  gsize i;

  gst_allocation_params_init (&params);
  params.prefix = prefix;
  params.padding = padding;
  buf = gst_buffer_new_allocate (NULL, size, &params);
  fail_unless (gst_buffer_map (buf, &map, GST_MAP_WRITE));
  for (i = 0; i < size; i++)
    map.data[i] = (guint8) (idx * 13 + i * 7 + (i >> 8));
  gst_buffer_unmap (buf, &map);
  GST_BUFFER_PTS (buf) = idx * GST_MSECOND;
  GST_BUFFER_DURATION (buf) = GST_MSECOND;
  return buf;
}

static GBytes *
buffer_bytes (GstBuffer * buf)
{
  GstMapInfo map;
  GBytes *b;

  fail_unless (gst_buffer_map (buf, &map, GST_MAP_READ));
  b = g_bytes_new (map.data, map.size);
  gst_buffer_unmap (buf, &map);
  return b;
}

static GBytes *
reference_encrypt (GstE2eeSFrameKey * ref, GBytes * plain)
{
  gsize cap = gst_e2ee_sframe_key_get_max_encrypted_size (ref, g_bytes_get_size (plain));
  guint8 *out = g_malloc (cap);
  gsize len = 0;

  fail_unless (gst_e2ee_sframe_key_encrypt (ref, NULL, 0, g_bytes_get_data (plain, NULL),
          g_bytes_get_size (plain), out, cap, &len, NULL, NULL));
  return g_bytes_new_take (out, len);
}

static void
assert_buffer_bytes (GstBuffer * buf, GBytes * want, const gchar * what)
{
  GBytes *got = buffer_bytes (buf);

  fail_unless (g_bytes_equal (got, want), "%s: %" G_GSIZE_FORMAT " bytes, expected %"
      G_GSIZE_FORMAT " and the same bytes", what, g_bytes_get_size (got),
      g_bytes_get_size (want));
  g_bytes_unref (got);
}

static GstBuffer *
push_pull (GstHarness * h, GstBuffer * in)
{
  GstBuffer *out;

  fail_unless_equals_int (gst_harness_push (h, in), GST_FLOW_OK);
  out = gst_harness_try_pull (h);
  fail_unless (out != NULL, "no output buffer");
  return out;
}

/* Every suite and size: the output is the input's own memory, holding exactly what
 * the library makes of the frame, with the frame's timestamps. */
GST_START_TEST (test_in_place_byte_exact)
{
  guint s, i;

  for (s = 0; s < G_N_ELEMENTS (all_suites); s++) {
    GstE2eeSFrameKey *ref = reference_key (all_suites[s], 7, 1);
    GstHarness *h = harness_for (make_enc (all_suites[s], 7, 1));

    for (i = 0; i < G_N_ELEMENTS (sizes); i++) {
      GstBuffer *in = frame_with_room (i, sizes[i], GST_E2EE_SFRAME_MAX_HEADER_SIZE,
          GST_E2EE_SFRAME_MAX_TAG_SIZE), *out;
      GstMemory *mem = gst_buffer_peek_memory (in, 0);
      GBytes *plain = buffer_bytes (in), *want = reference_encrypt (ref, plain);
      GstClockTime pts = GST_BUFFER_PTS (in);

      out = push_pull (h, in);
      fail_unless (gst_buffer_n_memory (out) == 1 &&
          gst_buffer_peek_memory (out, 0) == mem,
          "%" G_GSIZE_FORMAT "-byte frame was not encrypted in place", sizes[i]);
      assert_buffer_bytes (out, want, "in-place output vs. library encryption");
      fail_unless_equals_uint64 (GST_BUFFER_PTS (out), pts);
      fail_unless (gst_buffer_get_e2ee_meta (out) == NULL);
      gst_buffer_unref (out);
      g_bytes_unref (plain);
      g_bytes_unref (want);
    }
    gst_e2ee_sframe_key_unref (ref);
    gst_harness_teardown (h);
  }
}

GST_END_TEST;

/* A long KID and counters past 255: the header grows while the frames stream, and
 * the room asked for always holds it. */
GST_START_TEST (test_in_place_growing_header)
{
  const guint64 kid = G_GUINT64_CONSTANT (0x123456789a);
  GstE2eeSFrameKey *ref = reference_key (GST_E2EE_CIPHER_SUITE_AES_128_GCM_SHA256_128,
      kid, 2);
  GstHarness *h = harness_for (make_enc (GST_E2EE_CIPHER_SUITE_AES_128_GCM_SHA256_128,
          kid, 2));
  guint i;

  for (i = 0; i < 300; i++) {
    GstBuffer *in = frame_with_room (i, 40 + i % 7, GST_E2EE_SFRAME_MAX_HEADER_SIZE,
        GST_E2EE_SFRAME_MAX_TAG_SIZE), *out;
    GstMemory *mem = gst_buffer_peek_memory (in, 0);
    GBytes *plain = buffer_bytes (in), *want = reference_encrypt (ref, plain);

    out = push_pull (h, in);
    fail_unless (gst_buffer_peek_memory (out, 0) == mem);
    assert_buffer_bytes (out, want, "frame with a growing header");
    gst_buffer_unref (out);
    g_bytes_unref (plain);
    g_bytes_unref (want);
  }
  gst_e2ee_sframe_key_unref (ref);
  gst_harness_teardown (h);
}

GST_END_TEST;

/* Bytes another buffer can see are never written: a frame upstream still holds, a
 * sub-buffer sharing a larger memory, a read-only memory. Each is encrypted into a
 * buffer of e2eeenc's own and stays as it was. */
GST_START_TEST (test_in_place_never_writes_shared)
{
  GstE2eeSFrameKey *ref = reference_key (GST_E2EE_CIPHER_SUITE_AES_256_GCM_SHA512_128,
      3, 3);
  GstHarness *h = harness_for (make_enc (GST_E2EE_CIPHER_SUITE_AES_256_GCM_SHA512_128,
          3, 3));
  GstBuffer *in, *out, *big, *sub, *ro;
  GBytes *plain, *want, *big_bytes;
  static guint8 readonly_bytes[64 + 1200 + 64];
  guint i;

  /* Upstream keeps a reference. */
  in = frame_with_room (1, 1200, 32, 32);
  plain = buffer_bytes (in);
  want = reference_encrypt (ref, plain);
  out = push_pull (h, gst_buffer_ref (in));
  fail_unless (gst_buffer_peek_memory (out, 0) != gst_buffer_peek_memory (in, 0));
  assert_buffer_bytes (out, want, "frame upstream still holds");
  assert_buffer_bytes (in, plain, "upstream's frame");
  gst_buffer_unref (out);
  gst_buffer_unref (in);
  g_bytes_unref (plain);
  g_bytes_unref (want);

  /* A sub-buffer in the middle of a larger memory: its "prefix" and "padding" are
   * the neighbours' bytes. */
  big = frame_with_room (2, 3000, 0, 0);
  big_bytes = buffer_bytes (big);
  sub = gst_buffer_copy_region (big, GST_BUFFER_COPY_MEMORY, 1000, 1000);
  plain = buffer_bytes (sub);
  want = reference_encrypt (ref, plain);
  out = push_pull (h, sub);
  assert_buffer_bytes (out, want, "sub-buffer");
  assert_buffer_bytes (big, big_bytes, "the memory the sub-buffer shares");
  gst_buffer_unref (out);
  gst_buffer_unref (big);
  g_bytes_unref (big_bytes);
  g_bytes_unref (plain);
  g_bytes_unref (want);

  /* A read-only memory with room around the frame. */
  for (i = 0; i < sizeof (readonly_bytes); i++)
    readonly_bytes[i] = (guint8) (i * 3);
  ro = gst_buffer_new_wrapped_full (GST_MEMORY_FLAG_READONLY, readonly_bytes,
      sizeof (readonly_bytes), 64, 1200, NULL, NULL);
  big_bytes = g_bytes_new (readonly_bytes, sizeof (readonly_bytes));
  plain = buffer_bytes (ro);
  want = reference_encrypt (ref, plain);
  out = push_pull (h, ro);
  assert_buffer_bytes (out, want, "read-only frame");
  fail_unless (memcmp (readonly_bytes, g_bytes_get_data (big_bytes, NULL),
          sizeof (readonly_bytes)) == 0, "a read-only memory was written");
  gst_buffer_unref (out);
  g_bytes_unref (big_bytes);
  g_bytes_unref (plain);
  g_bytes_unref (want);

  gst_e2ee_sframe_key_unref (ref);
  gst_harness_teardown (h);
}

GST_END_TEST;

/* Too little room before or after (a KID of 8 bytes needs 17 before with large
 * counters; every GCM tag needs 16 after): encrypted into e2eeenc's own buffer, and
 * upstream's memory is left as it was. */
GST_START_TEST (test_in_place_needs_room)
{
  const guint64 kid = G_MAXUINT64 - 5;
  GstE2eeSFrameKey *ref = reference_key (GST_E2EE_CIPHER_SUITE_AES_128_GCM_SHA256_128,
      kid, 4);
  GstHarness *h = harness_for (make_enc (GST_E2EE_CIPHER_SUITE_AES_128_GCM_SHA256_128,
          kid, 4));
  const gsize rooms[][2] = { {0, 0}, {16, 16}, {17, 15}, {17, 16} };
  guint i;

  for (i = 0; i < G_N_ELEMENTS (rooms); i++) {
    /* Exactly this much room (the system allocator rounds the padding up). */
    gsize maxsize = rooms[i][0] + 500 + rooms[i][1];
    guint8 *data = g_malloc (maxsize);
    GstBuffer *in, *out;
    GstMemory *mem;
    GBytes *plain, *want;
    gsize j;

    for (j = 0; j < maxsize; j++)
      data[j] = (guint8) (i + j * 11);
    in = gst_buffer_new_wrapped_full (0, data, maxsize, rooms[i][0], 500, data, g_free);
    mem = gst_buffer_peek_memory (in, 0);
    plain = buffer_bytes (in);
    want = reference_encrypt (ref, plain);
    out = push_pull (h, in);
    /* Only the last has the room this KID can need. */
    fail_unless_equals_int (gst_buffer_peek_memory (out, 0) == mem,
        i == G_N_ELEMENTS (rooms) - 1);
    assert_buffer_bytes (out, want, "frame with little room");
    gst_buffer_unref (out);
    g_bytes_unref (plain);
    g_bytes_unref (want);
  }
  gst_e2ee_sframe_key_unref (ref);
  gst_harness_teardown (h);
}

GST_END_TEST;

/* In place the frame keeps its metas, except the ones saying where plaintext came
 * from, which a ciphertext must not carry. */
GST_START_TEST (test_in_place_metas)
{
  GstHarness *h = harness_for (make_enc (GST_E2EE_CIPHER_SUITE_AES_128_GCM_SHA256_128,
          5, 5));
  GstBuffer *in = frame_with_room (0, 800, GST_E2EE_SFRAME_MAX_HEADER_SIZE,
      GST_E2EE_SFRAME_MAX_TAG_SIZE), *out;
  GstMemory *mem = gst_buffer_peek_memory (in, 0);
  GstCaps *ref_caps = gst_caps_new_empty_simple ("timestamp/x-test");

  gst_buffer_add_e2ee_meta (in, TRUE, 9, 1, GST_E2EE_CIPHER_SUITE_AES_128_GCM_SHA256_128);
  gst_buffer_add_reference_timestamp_meta (in, ref_caps, 42, GST_CLOCK_TIME_NONE);
  GST_BUFFER_FLAG_SET (in, GST_BUFFER_FLAG_GAP);
  out = push_pull (h, in);
  fail_unless (gst_buffer_peek_memory (out, 0) == mem);
  fail_unless (gst_buffer_get_e2ee_meta (out) == NULL);
  fail_unless (gst_buffer_get_reference_timestamp_meta (out, ref_caps) != NULL);
  fail_if (GST_BUFFER_FLAG_IS_SET (out, GST_BUFFER_FLAG_GAP));
  gst_buffer_unref (out);
  gst_caps_unref (ref_caps);
  gst_harness_teardown (h);
}

GST_END_TEST;

static gboolean
has_room_param (GstQuery * query)
{
  guint i;

  for (i = 0; i < gst_query_get_n_allocation_params (query); i++) {
    GstAllocationParams params;

    gst_query_parse_nth_allocation_param (query, i, NULL, &params);
    if (params.prefix == GST_E2EE_SFRAME_MAX_HEADER_SIZE &&
        params.padding == GST_E2EE_SFRAME_MAX_TAG_SIZE)
      return TRUE;
  }
  return FALSE;
}

static GstQuery *
allocation_query (GstHarness * h, const gchar * caps)
{
  GstCaps *c = gst_caps_from_string (caps);
  GstQuery *q = gst_query_new_allocation (c, TRUE);

  fail_unless (gst_pad_peer_query (h->srcpad, q));
  gst_caps_unref (c);
  return q;
}

/* Whole frames: e2eeenc asks upstream for the room. The codec layout and per-packet
 * mode change the frame inside, so they ask for nothing. */
GST_START_TEST (test_in_place_allocation_params)
{
  GstHarness *h = harness_for (make_enc (GST_E2EE_CIPHER_SUITE_AES_128_GCM_SHA256_128,
          5, 5));
  GstElement *enc;
  GstQuery *q;

  q = allocation_query (h, CAPS);
  fail_unless (has_room_param (q), "no room asked for whole frames");
  gst_query_unref (q);
  gst_harness_teardown (h);

  enc = make_enc (GST_E2EE_CIPHER_SUITE_AES_128_GCM_SHA256_128, 5, 5);
  gst_util_set_object_arg (G_OBJECT (enc), "layout", "codec");
  h = gst_harness_new_with_element (enc, "sink", "src");
  gst_object_unref (enc);
  gst_harness_set_src_caps_str (h, "video/x-vp8, width=(int)320, height=(int)240, "
      "framerate=(fraction)30/1");
  q = allocation_query (h, "video/x-vp8, width=(int)320, height=(int)240, "
      "framerate=(fraction)30/1");
  fail_if (has_room_param (q), "room asked for with the codec layout");
  gst_query_unref (q);
  gst_harness_teardown (h);
}

GST_END_TEST;

/* The whole way: frames encrypted in place decrypt to what was sent. */
GST_START_TEST (test_in_place_round_trip)
{
  GstHarness *h = gst_harness_new_parse ("e2eeenc key-id=11 "
      "key=00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff layout=frame "
      "! e2eedec key-id=11 "
      "key=00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff");
  guint i;

  gst_harness_set_src_caps_str (h, CAPS);
  for (i = 0; i < 50; i++) {
    GstBuffer *in = frame_with_room (i, 100 + 37 * i, GST_E2EE_SFRAME_MAX_HEADER_SIZE,
        GST_E2EE_SFRAME_MAX_TAG_SIZE), *out;
    GBytes *plain = buffer_bytes (in);

    out = push_pull (h, in);
    assert_buffer_bytes (out, plain, "decrypted frame");
    fail_unless (gst_buffer_get_e2ee_meta (out) != NULL);
    gst_buffer_unref (out);
    g_bytes_unref (plain);
  }
  gst_harness_teardown (h);
}

GST_END_TEST;

static Suite *
e2eeinplace_suite (void)
{
  Suite *s = suite_create ("e2eeinplace");
  TCase *tc = tcase_create ("general");

  suite_add_tcase (s, tc);
  tcase_add_test (tc, test_in_place_byte_exact);
  tcase_add_test (tc, test_in_place_growing_header);
  tcase_add_test (tc, test_in_place_never_writes_shared);
  tcase_add_test (tc, test_in_place_needs_room);
  tcase_add_test (tc, test_in_place_metas);
  tcase_add_test (tc, test_in_place_allocation_params);
  tcase_add_test (tc, test_in_place_round_trip);
  return s;
}

GST_CHECK_MAIN (e2eeinplace);
