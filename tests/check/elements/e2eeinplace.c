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
#include "../e2eecheck.h"

#define CAPS "application/octet-stream"

/* This file's keys (e2eecheck.h). */
static const KeyRecipe keys = { 29, 5, 3 };

static const gsize sizes[] = { 1, 15, 16, 17, 160, 1200, 30000, 70000 };

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

/* Pushes @in and checks that the output holds exactly what the library makes of the
 * frame: computed before the push, since in place the frame's bytes change. */
static GstBuffer *
push_encrypted (GstHarness * h, GstE2eeSFrameKey * ref, GstBuffer * in,
    const gchar * what)
{
  GBytes *plain = buffer_bytes (in), *want = reference_encrypt (ref, plain, NULL);
  GstBuffer *out = push_pull (h, in);

  assert_buffer_bytes (out, want, what);
  g_bytes_unref (plain);
  g_bytes_unref (want);
  return out;
}

/* Every suite and size: the output is the input's own memory, holding exactly what
 * the library makes of the frame, with the frame's timestamps. */
GST_START_TEST (test_in_place_byte_exact)
{
  guint s, i;

  for (s = 0; s < G_N_ELEMENTS (all_suites); s++) {
    GstE2eeSFrameKey *ref = reference_key (&keys, all_suites[s], 7, 1);
    GstHarness *h = harness_for (make_enc (&keys, all_suites[s], 7, 1), NULL, CAPS);

    for (i = 0; i < G_N_ELEMENTS (sizes); i++) {
      GstBuffer *in = frame_with_room (i, sizes[i], GST_E2EE_SFRAME_MAX_HEADER_SIZE,
          GST_E2EE_SFRAME_MAX_TAG_SIZE), *out;
      GstMemory *mem = gst_buffer_peek_memory (in, 0);
      GstClockTime pts = GST_BUFFER_PTS (in);

      out = push_encrypted (h, ref, in, "in-place output vs. library encryption");
      fail_unless (gst_buffer_n_memory (out) == 1 &&
          gst_buffer_peek_memory (out, 0) == mem,
          "%" G_GSIZE_FORMAT "-byte frame was not encrypted in place", sizes[i]);
      fail_unless_equals_uint64 (GST_BUFFER_PTS (out), pts);
      fail_unless (gst_buffer_get_e2ee_meta (out) == NULL);
      gst_buffer_unref (out);
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
  GstE2eeSFrameKey *ref = reference_key (&keys,
      GST_E2EE_CIPHER_SUITE_AES_128_GCM_SHA256_128, kid, 2);
  GstHarness *h = harness_for (make_enc (&keys,
      GST_E2EE_CIPHER_SUITE_AES_128_GCM_SHA256_128, kid, 2), NULL, CAPS);
  guint i;

  for (i = 0; i < 300; i++) {
    GstBuffer *in = frame_with_room (i, 40 + i % 7, GST_E2EE_SFRAME_MAX_HEADER_SIZE,
        GST_E2EE_SFRAME_MAX_TAG_SIZE), *out;
    GstMemory *mem = gst_buffer_peek_memory (in, 0);

    out = push_encrypted (h, ref, in, "frame with a growing header");
    fail_unless (gst_buffer_peek_memory (out, 0) == mem);
    gst_buffer_unref (out);
  }
  gst_e2ee_sframe_key_unref (ref);
  gst_harness_teardown (h);
}

GST_END_TEST;

/* A worn key in place: the frame is the plaintext itself, so past the hard limit it
 * must be dropped whole, never pushed; frames flow again, in place, once a new key is
 * set. */
GST_START_TEST (test_in_place_hard_limit)
{
  GstE2eeSFrameKey *ref = reference_key (&keys,
      GST_E2EE_CIPHER_SUITE_AES_256_GCM_SHA512_128, 8, 8), *ref2;
  GstElement *enc = make_enc (&keys, GST_E2EE_CIPHER_SUITE_AES_256_GCM_SHA512_128, 8, 8);
  GstBus *bus;
  GstHarness *h;
  GstMessage *msg;
  GstBuffer *in, *out, *kb;
  guint i;

  g_object_set (enc, "max-frames-per-key", (guint64) 3, NULL);
  h = harness_for (enc, &bus, CAPS);
  for (i = 0; i < 5; i++) {
    in = frame_with_room (i, 700, GST_E2EE_SFRAME_MAX_HEADER_SIZE,
        GST_E2EE_SFRAME_MAX_TAG_SIZE);
    if (i < 3) {
      GstMemory *mem = gst_buffer_peek_memory (in, 0);

      out = push_encrypted (h, ref, in, "frame within the limit");
      fail_unless (gst_buffer_peek_memory (out, 0) == mem);
      gst_buffer_unref (out);
    } else {
      fail_unless_equals_int (gst_harness_push (h, in), GST_FLOW_OK);
      fail_unless (gst_harness_try_pull (h) == NULL,
          "a frame past the hard limit came out");
    }
  }
  msg = gst_bus_pop_filtered (bus, GST_MESSAGE_ELEMENT);
  while (msg && !gst_message_has_name (msg, "e2ee-key-hard-limit")) {
    gst_message_unref (msg);
    msg = gst_bus_pop_filtered (bus, GST_MESSAGE_ELEMENT);
  }
  fail_unless (msg != NULL, "no e2ee-key-hard-limit message");
  gst_message_unref (msg);

  /* A new key: in place again, under the new KID. */
  ref2 = reference_key (&keys, GST_E2EE_CIPHER_SUITE_AES_256_GCM_SHA512_128, 9, 9);
  kb = key_buffer (&keys, 9);
  g_object_set (h->element, "key-id", (guint64) 9, "key", kb, NULL);
  gst_buffer_unref (kb);
  in = frame_with_room (7, 700, GST_E2EE_SFRAME_MAX_HEADER_SIZE,
      GST_E2EE_SFRAME_MAX_TAG_SIZE);
  out = push_encrypted (h, ref2, in, "frame under the new key");
  gst_buffer_unref (out);

  gst_e2ee_sframe_key_unref (ref2);
  gst_e2ee_sframe_key_unref (ref);
  gst_harness_teardown (h);
  gst_bus_set_flushing (bus, TRUE);
  gst_object_unref (bus);
}

GST_END_TEST;

/* Bytes another buffer can see are never written: a frame upstream still holds, a
 * sub-buffer sharing a larger memory, a read-only memory. Each is encrypted into a
 * buffer of e2eeenc's own and stays as it was. */
GST_START_TEST (test_in_place_never_writes_shared)
{
  GstE2eeSFrameKey *ref = reference_key (&keys,
      GST_E2EE_CIPHER_SUITE_AES_256_GCM_SHA512_128, 3, 3);
  GstHarness *h = harness_for (make_enc (&keys,
      GST_E2EE_CIPHER_SUITE_AES_256_GCM_SHA512_128, 3, 3), NULL, CAPS);
  GstBuffer *in, *out, *big, *sub, *ro;
  GBytes *plain, *big_bytes;
  static guint8 readonly_bytes[64 + 1200 + 64];
  guint i;

  /* Upstream keeps a reference. */
  in = frame_with_room (1, 1200, 32, 32);
  plain = buffer_bytes (in);
  out = push_encrypted (h, ref, gst_buffer_ref (in), "frame upstream still holds");
  fail_unless (gst_buffer_peek_memory (out, 0) != gst_buffer_peek_memory (in, 0));
  assert_buffer_bytes (in, plain, "upstream's frame");
  gst_buffer_unref (out);
  gst_buffer_unref (in);
  g_bytes_unref (plain);

  /* A sub-buffer in the middle of a larger memory: its "prefix" and "padding" are
   * the neighbours' bytes. */
  big = frame_with_room (2, 3000, 0, 0);
  big_bytes = buffer_bytes (big);
  sub = gst_buffer_copy_region (big, GST_BUFFER_COPY_MEMORY, 1000, 1000);
  out = push_encrypted (h, ref, sub, "sub-buffer");
  assert_buffer_bytes (big, big_bytes, "the memory the sub-buffer shares");
  gst_buffer_unref (out);
  gst_buffer_unref (big);
  g_bytes_unref (big_bytes);

  /* A read-only memory with room around the frame. */
  for (i = 0; i < sizeof (readonly_bytes); i++)
    readonly_bytes[i] = (guint8) (i * 3);
  ro = gst_buffer_new_wrapped_full (GST_MEMORY_FLAG_READONLY, readonly_bytes,
      sizeof (readonly_bytes), 64, 1200, NULL, NULL);
  big_bytes = g_bytes_new (readonly_bytes, sizeof (readonly_bytes));
  out = push_encrypted (h, ref, ro, "read-only frame");
  fail_unless (memcmp (readonly_bytes, g_bytes_get_data (big_bytes, NULL),
          sizeof (readonly_bytes)) == 0, "a read-only memory was written");
  gst_buffer_unref (out);
  g_bytes_unref (big_bytes);

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
  GstE2eeSFrameKey *ref = reference_key (&keys,
      GST_E2EE_CIPHER_SUITE_AES_128_GCM_SHA256_128, kid, 4);
  GstHarness *h = harness_for (make_enc (&keys,
      GST_E2EE_CIPHER_SUITE_AES_128_GCM_SHA256_128, kid, 4), NULL, CAPS);
  const gsize rooms[][2] = { {0, 0}, {16, 16}, {17, 15}, {17, 16} };
  guint i;

  for (i = 0; i < G_N_ELEMENTS (rooms); i++) {
    /* Exactly this much room (the system allocator rounds the padding up). */
    gsize maxsize = rooms[i][0] + 500 + rooms[i][1];
    guint8 *data = g_malloc (maxsize);
    GstBuffer *in, *out;
    GstMemory *mem;
    gsize j;

    for (j = 0; j < maxsize; j++)
      data[j] = (guint8) (i + j * 11);
    in = gst_buffer_new_wrapped_full (0, data, maxsize, rooms[i][0], 500, data, g_free);
    mem = gst_buffer_peek_memory (in, 0);
    out = push_encrypted (h, ref, in, "frame with little room");
    /* Only the last has the room this KID can need. */
    fail_unless_equals_int (gst_buffer_peek_memory (out, 0) == mem,
        i == G_N_ELEMENTS (rooms) - 1);
    gst_buffer_unref (out);
  }
  gst_e2ee_sframe_key_unref (ref);
  gst_harness_teardown (h);
}

GST_END_TEST;

/* In place the frame keeps its metas, except the ones saying where plaintext came
 * from, which a ciphertext must not carry. */
GST_START_TEST (test_in_place_metas)
{
  GstHarness *h = harness_for (make_enc (&keys,
      GST_E2EE_CIPHER_SUITE_AES_128_GCM_SHA256_128, 5, 5), NULL, CAPS);
  GstBuffer *in = frame_with_room (0, 800, GST_E2EE_SFRAME_MAX_HEADER_SIZE,
      GST_E2EE_SFRAME_MAX_TAG_SIZE), *out;
  GstMemory *mem = gst_buffer_peek_memory (in, 0);
  GstCaps *ref_caps = gst_caps_new_empty_simple ("timestamp/x-test");
  GstE2eeSenderMeta *sent;

  gst_buffer_add_e2ee_meta (in, TRUE, 9, 1, GST_E2EE_CIPHER_SUITE_AES_128_GCM_SHA256_128);
  /* an earlier e2eeenc's mark: this one's replaces it */
  gst_buffer_add_e2ee_sender_meta (in, 9, 77, GST_E2EE_CIPHER_SUITE_AES_128_GCM_SHA256_128);
  gst_buffer_add_reference_timestamp_meta (in, ref_caps, 42, GST_CLOCK_TIME_NONE);
  GST_BUFFER_FLAG_SET (in, GST_BUFFER_FLAG_GAP);
  out = push_pull (h, in);
  fail_unless (gst_buffer_peek_memory (out, 0) == mem);
  fail_unless (gst_buffer_get_e2ee_meta (out) == NULL);
  fail_unless_equals_int (gst_buffer_get_n_meta (out, GST_E2EE_SENDER_META_API_TYPE), 1);
  sent = gst_buffer_get_e2ee_sender_meta (out);
  fail_unless_equals_uint64 (sent->kid, 5);
  fail_unless_equals_uint64 (sent->ctr, 0);
  fail_unless_equals_int (sent->cipher_suite, GST_E2EE_CIPHER_SUITE_AES_128_GCM_SHA256_128);
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
  GstHarness *h = harness_for (make_enc (&keys,
      GST_E2EE_CIPHER_SUITE_AES_128_GCM_SHA256_128, 5, 5), NULL, CAPS);
  GstElement *enc;
  GstQuery *q;

  q = allocation_query (h, CAPS);
  fail_unless (has_room_param (q), "no room asked for whole frames");
  gst_query_unref (q);
  gst_harness_teardown (h);

  enc = make_enc (&keys, GST_E2EE_CIPHER_SUITE_AES_128_GCM_SHA256_128, 5, 5);
  gst_util_set_object_arg (G_OBJECT (enc), "layout", "codec");
  h = harness_for (enc, NULL, "video/x-vp8, width=(int)320, height=(int)240, "
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
  tcase_add_test (tc, test_in_place_hard_limit);
  tcase_add_test (tc, test_in_place_never_writes_shared);
  tcase_add_test (tc, test_in_place_needs_room);
  tcase_add_test (tc, test_in_place_metas);
  tcase_add_test (tc, test_in_place_allocation_params);
  tcase_add_test (tc, test_in_place_round_trip);
  return s;
}

GST_CHECK_MAIN (e2eeinplace);
