/* gst-e2ee: e2eeenc never encrypts two frames with the same (key, CTR) pair.
 *
 * Every path by which a key the element used could come back to it with a counter
 * that starts again: the key store and the `key`/`key-id` properties in either
 * direction, another store, a store key removed and added again, `rotate`,
 * `ratchet` and `generate-key` landing on a KID used before, a ratchet that wraps,
 * restarts of the same element, key limits and `enabled`, in each layout. Each test
 * reads the SFrame header of every output frame (KID, CTR), fails if a pair comes
 * twice, and opens every frame with the key the test expects for its KID, so that a
 * frame encrypted with another key fails too.
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <gst/check/gstcheck.h>
#include <gst/check/gstharness.h>
#include <gst/app/gstappsink.h>
#include <gst/app/gstappsrc.h>
#include <gst/rtp/rtp.h>
#include <gst/e2ee/e2ee.h>
#include <string.h>
#include "../e2eecheck.h"
#include "../hangguard.h"

#define SUITE GST_E2EE_CIPHER_SUITE_AES_256_GCM_SHA512_128
/* An Opus TOC byte (CELT fullband 20 ms, stereo, one frame): the codec layout keeps it
 * in the clear. */
#define OPUS_TOC 0xfc
#define RBITS 8
#define KID_OF(gen, step) ((((guint64) (gen)) << RBITS) | (guint64) (step))

typedef enum
{
  MODE_FRAME,                   /* layout=frame: whole frames */
  MODE_CODEC,                   /* layout=codec: Opus, TOC byte in the clear */
  MODE_RTP,                     /* layout=rtp: the payload of each RTP packet */
  N_MODES
} Mode;

static const gchar *const mode_layout[N_MODES] = { "frame", "codec", "rtp" };

/* ---- Keys --------------------------------------------------------------- */

/* This file's keys (e2eecheck.h). */
static const KeyRecipe keys = { 37, 13, 5 };

static void
store_add (GstE2eeKeyStore * store, guint64 kid, guint8 seed)
{
  store_add_enc_key (&keys, store, SUITE, kid, seed);
}

/* The base key @steps ratchet steps after the key of @seed (RFC 9605 §5.1). */
static gsize
ratcheted (guint8 seed, guint steps, guint8 * out)
{
  gsize n = KEY_SIZE, nh = gst_e2ee_cipher_suite_get_hash_size (SUITE);
  guint8 cur[64];
  guint i;

  fill_key (&keys, cur, seed);
  for (i = 0; i < steps; i++) {
    fail_unless (gst_e2ee_ratchet_base_key (SUITE, cur, n, cur, sizeof (cur), NULL));
    n = nh;
  }
  memcpy (out, cur, n);
  return n;
}

/* ---- A run: frames through one e2eeenc, every output checked ---------------- */

typedef struct
{
  Mode mode;
  GstElement *enc;
  GstHarness *h;
  GstBus *bus;
  /* Every (KID, CTR) sent, as 16 bytes. */
  GHashTable *sent;
  /* The key each KID must be encrypted with: KID -> GstE2eeSFrameKey. */
  GHashTable *keys;
  guint idx;
} Run;

static GstCaps *
mode_caps (Mode mode)
{
  return gst_caps_from_string (mode == MODE_RTP ? OPUS_RTP_CAPS : OPUS_CAPS);
}

/* Wraps @enc (taken) in a harness; it is set PLAYING, so configure keys first. */
static Run *
run_new (GstElement * enc, Mode mode)
{
  Run *r = g_new0 (Run, 1);
  GstCaps *caps = mode_caps (mode);

  r->mode = mode;
  r->enc = enc;
  gst_util_set_object_arg (G_OBJECT (enc), "layout", mode_layout[mode]);
  r->bus = gst_bus_new ();
  gst_element_set_bus (enc, r->bus);
  r->h = gst_harness_new_with_element (enc, "sink", "src");
  gst_harness_set_src_caps (r->h, caps);
  r->sent = g_hash_table_new_full (g_bytes_hash, g_bytes_equal,
      (GDestroyNotify) g_bytes_unref, NULL);
  r->keys = g_hash_table_new_full (g_int64_hash, g_int64_equal, g_free,
      (GDestroyNotify) gst_e2ee_sframe_key_unref);
  return r;
}

static void
run_free (Run * r)
{
  GstMessage *msg;

  /* Nothing may have stopped the stream, whatever was refused on the way. */
  msg = gst_bus_pop_filtered (r->bus, GST_MESSAGE_ERROR);
  if (msg) {
    GError *err = NULL;

    gst_message_parse_error (msg, &err, NULL);
    fail ("unexpected error: %s", err->message);
  }
  gst_harness_teardown (r->h);
  gst_element_set_bus (r->enc, NULL);
  gst_object_unref (r->enc);
  gst_object_unref (r->bus);
  g_hash_table_unref (r->sent);
  g_hash_table_unref (r->keys);
  g_free (r);
}

static void
run_expect_key_bytes (Run * r, guint64 kid, const guint8 * base, gsize len)
{
  GstE2eeSFrameKey *k = gst_e2ee_sframe_key_new (SUITE, kid, base, len, NULL);

  fail_unless (k != NULL);
  g_hash_table_insert (r->keys, g_memdup2 (&kid, sizeof (kid)), k);
}

/* Frames with @kid must open with the key of @seed. */
static void
run_expect_key (Run * r, guint64 kid, guint8 seed)
{
  guint8 key[KEY_SIZE];

  fill_key (&keys, key, seed);
  run_expect_key_bytes (r, kid, key, KEY_SIZE);
}

/* Frame @idx: an Opus packet (TOC byte, then distinct bytes), or that packet as the
 * payload of an RTP packet. */
static GstBuffer *
make_input (Mode mode, guint idx)
{
  gsize size = 20 + (idx * 37) % 300;
  GstBuffer *buf;

  if (mode == MODE_RTP) {
    GstRTPBuffer rtp = GST_RTP_BUFFER_INIT;
    guint8 *payload;

    buf = gst_rtp_buffer_new_allocate (size, 0, 0);
    fail_unless (gst_rtp_buffer_map (buf, GST_MAP_READWRITE, &rtp));
    gst_rtp_buffer_set_payload_type (&rtp, 111);
    gst_rtp_buffer_set_seq (&rtp, (guint16) idx);
    gst_rtp_buffer_set_timestamp (&rtp, idx * 960);
    gst_rtp_buffer_set_ssrc (&rtp, 0x5eed0001u);
    payload = gst_rtp_buffer_get_payload (&rtp);
    payload[0] = OPUS_TOC;
    fill_bytes (payload + 1, size - 1, idx);
    gst_rtp_buffer_unmap (&rtp);
  } else {
    GstMapInfo map;

    buf = gst_buffer_new_allocate (NULL, size, NULL);
    gst_buffer_map (buf, &map, GST_MAP_WRITE);
    map.data[0] = OPUS_TOC;
    fill_bytes (map.data + 1, size - 1, idx);
    gst_buffer_unmap (buf, &map);
  }
  GST_BUFFER_PTS (buf) = idx * 20 * GST_MSECOND;
  GST_BUFFER_DURATION (buf) = 20 * GST_MSECOND;
  return buf;
}

/* Reads @out's SFrame header and opens it with @key; TRUE if it authenticated and
 * gave back @in. */
static gboolean
open_frame (Mode mode, GstE2eeSFrameKey * key, GstBuffer * in, GstBuffer * out)
{
  GstMapInfo im, om;
  guint8 *plain;
  gsize len = 0;
  gboolean ok;

  gst_buffer_map (in, &im, GST_MAP_READ);
  gst_buffer_map (out, &om, GST_MAP_READ);
  plain = g_malloc (om.size);
  if (mode == MODE_RTP) {
    /* docs/per-packet.md: the metadata is the fixed header, P, X and CC zeroed. */
    guint8 md[12];

    memcpy (md, om.data, 12);
    md[0] &= 0xc0;
    ok = memcmp (om.data, im.data, 12) == 0 &&
        gst_e2ee_sframe_key_decrypt (key, md, 12, om.data + 12, om.size - 12, plain,
        om.size, &len, NULL, NULL) && len == im.size - 12 &&
        memcmp (plain, im.data + 12, len) == 0;
  } else if (mode == MODE_CODEC) {
    ok = gst_e2ee_layout_decrypt (key, GST_E2EE_LAYOUT_CODEC_OPUS, om.data, om.size,
        plain, om.size, &len, NULL, NULL) && len == im.size &&
        memcmp (plain, im.data, len) == 0;
  } else {
    ok = gst_e2ee_sframe_key_decrypt (key, NULL, 0, om.data, om.size, plain, om.size,
        &len, NULL, NULL) && len == im.size && memcmp (plain, im.data, len) == 0;
  }
  g_free (plain);
  gst_buffer_unmap (out, &om);
  gst_buffer_unmap (in, &im);
  return ok;
}

static void
parse_kid_ctr (Mode mode, GstBuffer * out, guint64 * kid, guint64 * ctr)
{
  GstMapInfo map;
  GError *err = NULL;
  gboolean ok;

  gst_buffer_map (out, &map, GST_MAP_READ);
  if (mode == MODE_CODEC)
    ok = gst_e2ee_layout_parse_header (GST_E2EE_LAYOUT_CODEC_OPUS, map.data, map.size,
        kid, ctr, &err);
  else if (mode == MODE_RTP)
    ok = map.size > 12 && gst_e2ee_sframe_header_parse (map.data + 12, map.size - 12,
        kid, ctr, NULL, &err);
  else
    ok = gst_e2ee_sframe_header_parse (map.data, map.size, kid, ctr, NULL, &err);
  gst_buffer_unmap (out, &map);
  fail_unless (ok, "output has no SFrame header: %s", err ? err->message : "?");
}

/* Frame @idx, @in encrypted as @out: reads its KID and CTR into @pair, fails if the
 * pair is in @sent (every (KID, CTR) sent so far) or if the key @kid_keys holds for the
 * KID does not open it, and adds the pair to @sent. */
static void
ledger_check (Mode mode, GHashTable * sent, GHashTable * kid_keys, guint idx,
    GstBuffer * in, GstBuffer * out, guint64 pair[2])
{
  GstE2eeSFrameKey *key;
  GBytes *id;

  parse_kid_ctr (mode, out, &pair[0], &pair[1]);
  key = g_hash_table_lookup (kid_keys, &pair[0]);
  fail_unless (key != NULL, "frame %u: KID %" G_GUINT64_FORMAT " was not expected",
      idx, pair[0]);
  id = g_bytes_new (pair, 2 * sizeof (guint64));
  fail_if (g_hash_table_contains (sent, id), "frame %u: KID %" G_GUINT64_FORMAT
      " CTR %" G_GUINT64_FORMAT " was sent before (%s)", idx, pair[0], pair[1],
      open_frame (mode, key, in, out) ? "the same key: nonce reused" :
      "with another key under the same KID");
  g_hash_table_add (sent, id);
  fail_unless (open_frame (mode, key, in, out), "frame %u (KID %" G_GUINT64_FORMAT
      " CTR %" G_GUINT64_FORMAT ") does not open with the key expected for its KID",
      idx, pair[0], pair[1]);
  // cppcheck-suppress memleak ; sent owns id (its keys are freed with g_bytes_unref)
}

/* Pushes the next frame. Returns FALSE if the element dropped it; else the frame's
 * KID and CTR, after checking that the pair is new and that the key the test expects
 * for the KID opens the frame. */
static gboolean
run_push (Run * r, guint64 * kid_out, guint64 * ctr_out)
{
  GstBuffer *in = make_input (r->mode, r->idx++), *out;
  guint64 pair[2];
  GstFlowReturn ret;

  ret = gst_harness_push (r->h, gst_buffer_ref (in));
  fail_unless (ret == GST_FLOW_OK, "push: %s", gst_flow_get_name (ret));
  out = gst_harness_try_pull (r->h);
  if (out == NULL) {
    gst_buffer_unref (in);
    return FALSE;
  }
  ledger_check (r->mode, r->sent, r->keys, r->idx - 1, in, out, pair);
  gst_buffer_unref (out);
  gst_buffer_unref (in);
  if (kid_out)
    *kid_out = pair[0];
  if (ctr_out)
    *ctr_out = pair[1];
  return TRUE;
}

/* @n frames, all with @kid, counters from @ctr on. */
static void
run_expect (Run * r, guint n, guint64 kid, guint64 ctr)
{
  guint i;

  for (i = 0; i < n; i++) {
    guint64 k, c;

    fail_unless (run_push (r, &k, &c), "frame %u was dropped", r->idx - 1);
    fail_unless_equals_uint64 (k, kid);
    fail_unless_equals_uint64 (c, ctr + i);
  }
}

static void
run_expect_dropped (Run * r)
{
  fail_if (run_push (r, NULL, NULL), "frame %u was sent", r->idx - 1);
}

/* The same element stopped and started again (READY -> NULL -> PLAYING), with
 * @between called in NULL. */
static void
run_restart (Run * r, void (*between) (Run * r, gpointer data), gpointer data)
{
  GstSegment segment;
  GstCaps *caps = mode_caps (r->mode);

  fail_unless_equals_int (gst_element_set_state (r->enc, GST_STATE_NULL),
      GST_STATE_CHANGE_SUCCESS);
  if (between)
    between (r, data);
  fail_unless_equals_int (gst_element_set_state (r->enc, GST_STATE_PLAYING),
      GST_STATE_CHANGE_SUCCESS);
  fail_unless (gst_harness_push_event (r->h, gst_event_new_stream_start ("again")));
  fail_unless (gst_harness_push_event (r->h, gst_event_new_caps (caps)));
  gst_caps_unref (caps);
  gst_segment_init (&segment, GST_FORMAT_TIME);
  fail_unless (gst_harness_push_event (r->h, gst_event_new_segment (&segment)));
}

static void
assert_warning (Run * r, const gchar * text)
{
  GstMessage *msg = gst_bus_pop_filtered (r->bus, GST_MESSAGE_WARNING);
  GError *err = NULL;

  fail_unless (msg != NULL, "expected a warning (\"%s\")", text);
  gst_message_parse_warning (msg, &err, NULL);
  fail_unless (strstr (err->message, text) != NULL, "warning \"%s\" does not say \"%s\"",
      err->message, text);
  g_error_free (err);
  gst_message_unref (msg);
}

static void
assert_no_warning (Run * r)
{
  GstMessage *msg = gst_bus_pop_filtered (r->bus, GST_MESSAGE_WARNING);

  if (msg) {
    GError *err = NULL;

    gst_message_parse_warning (msg, &err, NULL);
    fail ("unexpected warning: %s", err->message);
  }
}

/* @signal ("ratchet", "generate-key") would land on a KID the element used before:
 * it is refused with a warning, and the frames go on under @kid from @ctr. */
static void
assert_step_refused (Run * r, const gchar * signal, guint64 kid, guint64 ctr)
{
  guint64 got;

  g_signal_emit_by_name (r->enc, signal, &got);
  run_expect (r, 2, kid, ctr);
  fail_unless_equals_uint64 (got, G_MAXUINT64);
  assert_warning (r, "already used");
}

static GstElement *
enc_with_store (GstE2eeKeyStore * store, guint64 kid)
{
  GstElement *enc = gst_element_factory_make ("e2eeenc", NULL);

  fail_unless (enc != NULL, "e2eeenc not found: is GST_PLUGIN_PATH set?");
  g_object_set (enc, "key-store", store, "key-id", kid, NULL);
  return enc;
}

static void
set_key (GstElement * enc, guint64 kid, guint8 seed)
{
  GstBuffer *key = key_buffer (&keys, seed);

  g_object_set (enc, "key-id", kid, "key", key, NULL);
  gst_buffer_unref (key);
}

static gboolean
rotate (GstElement * enc, guint64 kid, guint8 seed)
{
  GstBuffer *key = key_buffer (&keys, seed);
  gboolean ok = FALSE;

  g_signal_emit_by_name (enc, "rotate", kid, key, &ok);
  gst_buffer_unref (key);
  return ok;
}

/* ---- Tests -------------------------------------------------------------- */

/* The key store's key, then the same KID and key through the properties (and
 * `rotate`): the counter goes on; another key under that KID is refused. */
GST_START_TEST (test_store_then_properties)
{
  GstE2eeKeyStore *store = gst_e2ee_key_store_new ();
  Run *r;

  store_add (store, 5, 1);
  r = run_new (enc_with_store (store, 5), (Mode) __i__);
  run_expect_key (r, 5, 1);
  run_expect (r, 3, 5, 0);

  set_key (r->enc, 5, 1);
  run_expect (r, 2, 5, 3);
  fail_unless (rotate (r->enc, 5, 1));
  run_expect (r, 2, 5, 5);
  assert_no_warning (r);

  set_key (r->enc, 5, 2);
  assert_warning (r, "already used with another key");
  fail_if (rotate (r->enc, 5, 2));
  assert_warning (r, "already used with another key");
  run_expect (r, 2, 5, 7);

  run_free (r);
  gst_object_unref (store);
}

GST_END_TEST;

/* The properties' key, then the same KID and key from the key store (`key` written
 * empty, so that the store's key is used): the counter goes on; the store's key for
 * a KID used with another key is refused. */
GST_START_TEST (test_properties_then_store)
{
  GstE2eeKeyStore *store = gst_e2ee_key_store_new ();
  GstElement *enc = enc_with_key (&keys, 5, 1);
  Run *r;

  g_object_set (enc, "key-store", store, NULL);
  r = run_new (enc, (Mode) __i__);
  run_expect_key (r, 5, 1);
  run_expect_key (r, 7, 3);
  run_expect (r, 3, 5, 0);

  store_add (store, 5, 1);
  g_object_set (r->enc, "key", NULL, "key-id", (guint64) 5, NULL);
  run_expect (r, 2, 5, 3);
  assert_no_warning (r);

  /* KID 7: first through the properties, then the store holds another key for it. */
  set_key (r->enc, 7, 3);
  run_expect (r, 2, 7, 0);
  store_add (store, 7, 4);
  g_object_set (r->enc, "key", NULL, "key-id", (guint64) 7, NULL);
  run_expect (r, 2, 7, 2);
  assert_warning (r, "already used with another key");

  run_free (r);
  gst_object_unref (store);
}

GST_END_TEST;

/* With the store's key in use, `key-id` and `key` written together are one change
 * to the properties' key, whatever the store holds for that KID: the `key` is never
 * left over to pair with the next KID written. */
GST_START_TEST (test_properties_change_from_store_key)
{
  GstE2eeKeyStore *store = gst_e2ee_key_store_new ();
  Run *r;

  store_add (store, 5, 1);
  store_add (store, 6, 7);
  r = run_new (enc_with_store (store, 5), MODE_FRAME);
  run_expect_key (r, 5, 1);
  run_expect_key (r, 6, 2);
  run_expect_key (r, 8, 3);
  run_expect (r, 2, 5, 0);

  /* The store's key for KID 5 given again: nothing changes. */
  set_key (r->enc, 5, 1);
  run_expect (r, 1, 5, 2);
  /* KID 6 with the application's key, though the store holds another one... */
  set_key (r->enc, 6, 2);
  run_expect (r, 2, 6, 0);
  /* ... and KID 8 with its own. */
  set_key (r->enc, 8, 3);
  run_expect (r, 2, 8, 0);
  assert_no_warning (r);

  run_free (r);
  gst_object_unref (store);
}

GST_END_TEST;

static void
swap_store (Run * r, gpointer store)
{
  g_object_set (r->enc, "key-store", store, NULL);
}

/* The store's key comes back through another store (set in NULL). The first store
 * never gives the KID a key again once the application removed it: the element (and
 * others) may still count with the old object. */
GST_START_TEST (test_store_key_comes_back)
{
  GstE2eeKeyStore *store1 = gst_e2ee_key_store_new ();
  GstE2eeKeyStore *store2 = gst_e2ee_key_store_new ();
  GstE2eeKeyStore *store3 = gst_e2ee_key_store_new ();
  guint8 key[KEY_SIZE];
  GError *err = NULL;
  Run *r;

  store_add (store1, 5, 1);
  store_add (store1, 6, 2);
  r = run_new (enc_with_store (store1, 5), MODE_FRAME);
  run_expect_key (r, 5, 1);
  run_expect_key (r, 6, 2);
  run_expect (r, 3, 5, 0);

  /* Another store with the same key for KID 5. */
  store_add (store2, 5, 1);
  run_restart (r, swap_store, store2);
  run_expect (r, 2, 5, 3);

  /* Back to the first store: its KID 5 is the object the element started with. */
  run_restart (r, swap_store, store1);
  run_expect (r, 2, 5, 5);
  g_object_set (r->enc, "key-id", (guint64) 6, NULL);
  run_expect (r, 2, 6, 0);

  /* The application removes KID 5 and adds it again: refused, so the element finds
   * no key for KID 5 there and stays with KID 6. */
  fail_unless (gst_e2ee_key_store_remove_key (store1, 5, GST_E2EE_KEY_USAGE_ENCRYPT));
  fill_key (&keys, key, 1);
  fail_if (gst_e2ee_key_store_add_key (store1, 5, GST_E2EE_KEY_USAGE_ENCRYPT, SUITE,
          key, KEY_SIZE, &err));
  g_assert_error (err, GST_E2EE_KEY_STORE_ERROR, GST_E2EE_KEY_STORE_ERROR_KID_USED);
  g_clear_error (&err);
  g_object_set (r->enc, "key-id", (guint64) 5, NULL);
  run_expect (r, 2, 6, 2);

  /* A store with another key for KID 5: refused at start, as for the properties. */
  store_add (store3, 5, 9);
  fail_unless_equals_int (gst_element_set_state (r->enc, GST_STATE_NULL),
      GST_STATE_CHANGE_SUCCESS);
  g_object_set (r->enc, "key-store", store3, "key-id", (guint64) 5, NULL);
  fail_unless_equals_int (gst_element_set_state (r->enc, GST_STATE_PLAYING),
      GST_STATE_CHANGE_FAILURE);
  {
    GstMessage *msg = gst_bus_pop_filtered (r->bus, GST_MESSAGE_ERROR);

    fail_unless (msg != NULL);
    gst_message_parse_error (msg, &err, NULL);
    fail_unless (strstr (err->message, "already used with another key") != NULL,
        "%s", err->message);
    g_clear_error (&err);
    gst_message_unref (msg);
  }
  /* The second store again: the stream goes on where it was. */
  run_restart (r, swap_store, store2);
  run_expect (r, 1, 5, 7);

  run_free (r);
  gst_object_unref (store1);
  gst_object_unref (store2);
  gst_object_unref (store3);
}

GST_END_TEST;

static void
set_same_key (Run * r, gpointer data)
{
  set_key (r->enc, 5, GPOINTER_TO_UINT (data));
}

/* KID 5 with the key of seed 1 across two restarts, the first with the key left as
 * it was, the second with it written again in NULL: its counter goes on. */
static void
run_restarts (Run * r)
{
  run_expect_key (r, 5, 1);
  run_expect (r, 2, 5, 0);
  run_restart (r, NULL, NULL);
  run_expect (r, 2, 5, 2);
  run_restart (r, set_same_key, GUINT_TO_POINTER (1));
  run_expect (r, 2, 5, 4);
  run_free (r);
}

/* READY -> NULL -> PLAYING of the same element, with the key written again in NULL
 * or left as it was, with the properties' and with the store's key. */
GST_START_TEST (test_restart)
{
  GstE2eeKeyStore *store = gst_e2ee_key_store_new ();

  run_restarts (run_new (enc_with_key (&keys, 5, 1), (Mode) __i__));
  store_add (store, 5, 1);
  run_restarts (run_new (enc_with_store (store, 5), (Mode) __i__));
  gst_object_unref (store);
}

GST_END_TEST;

/* A ratchet step of the properties' key landing on a KID the element used with the
 * store's key: the very same key, since the application put the ratcheted key there. */
GST_START_TEST (test_ratchet_onto_store_kid)
{
  GstE2eeKeyStore *store = gst_e2ee_key_store_new ();
  guint8 next[64];
  gsize n = ratcheted (1, 1, next);
  Run *r;

  fail_unless (gst_e2ee_key_store_add_key (store, KID_OF (1, 1),
          GST_E2EE_KEY_USAGE_ENCRYPT, SUITE, next, n, NULL));
  r = run_new (enc_with_store (store, KID_OF (1, 1)), MODE_FRAME);
  run_expect_key_bytes (r, KID_OF (1, 1), next, n);
  run_expect_key (r, KID_OF (1, 0), 1);
  run_expect (r, 3, KID_OF (1, 1), 0);

  fail_unless (rotate (r->enc, KID_OF (1, 0), 1));
  run_expect (r, 2, KID_OF (1, 0), 0);
  assert_step_refused (r, "ratchet", KID_OF (1, 0), 2);

  run_free (r);
  gst_object_unref (store);
}

GST_END_TEST;

/* A ratchet step of the store's key landing on a KID the element used through the
 * properties with the same key. */
GST_START_TEST (test_store_ratchet_onto_used_kid)
{
  GstE2eeKeyStore *store = gst_e2ee_key_store_new ();
  GstBuffer *key;
  guint8 next[64];
  gsize n = ratcheted (1, 1, next);
  gboolean ok = FALSE;
  Run *r;

  store_add (store, KID_OF (1, 0), 1);
  r = run_new (enc_with_store (store, KID_OF (1, 0)), MODE_FRAME);
  run_expect_key_bytes (r, KID_OF (1, 1), next, n);
  run_expect_key (r, KID_OF (1, 0), 1);
  key = gst_buffer_new_memdup (next, n);
  g_signal_emit_by_name (r->enc, "rotate", KID_OF (1, 1), key, &ok);
  gst_buffer_unref (key);
  fail_unless (ok);
  run_expect (r, 3, KID_OF (1, 1), 0);

  g_object_set (r->enc, "key", NULL, "key-id", KID_OF (1, 0), NULL);
  run_expect (r, 2, KID_OF (1, 0), 0);
  assert_step_refused (r, "ratchet", KID_OF (1, 0), 2);

  run_free (r);
  gst_object_unref (store);
}

GST_END_TEST;

/* The store's key ratcheted 2^R times comes back to step 0's KID, which already had
 * a key: refused, as for the properties' key. */
GST_START_TEST (test_store_ratchet_wraps)
{
  GstE2eeKeyStore *store = gst_e2ee_key_store_new ();
  guint8 next[64];
  gsize n = ratcheted (1, 1, next);
  guint64 kid;
  Run *r;

  store_add (store, 2, 1);
  r = run_new (enc_with_store (store, 2), MODE_FRAME);
  g_object_set (r->enc, "ratchet-bits", 1, NULL);
  run_expect_key (r, 2, 1);
  run_expect_key_bytes (r, 3, next, n);
  run_expect (r, 2, 2, 0);
  g_signal_emit_by_name (r->enc, "ratchet", &kid);
  fail_unless_equals_uint64 (kid, 3);
  run_expect (r, 2, 3, 0);
  assert_step_refused (r, "ratchet", 3, 2);

  run_free (r);
  gst_object_unref (store);
}

GST_END_TEST;

/* `generate-key` takes the next generation's step 0, which the element used with
 * the store's key. */
GST_START_TEST (test_generate_onto_store_kid)
{
  GstE2eeKeyStore *store = gst_e2ee_key_store_new ();
  Run *r;

  store_add (store, KID_OF (2, 0), 2);
  store_add (store, KID_OF (1, 0), 1);
  r = run_new (enc_with_store (store, KID_OF (2, 0)), MODE_FRAME);
  run_expect_key (r, KID_OF (2, 0), 2);
  run_expect_key (r, KID_OF (1, 0), 1);
  run_expect (r, 2, KID_OF (2, 0), 0);
  g_object_set (r->enc, "key-id", KID_OF (1, 0), NULL);
  run_expect (r, 2, KID_OF (1, 0), 0);

  assert_step_refused (r, "generate-key", KID_OF (1, 0), 2);

  run_free (r);
  gst_object_unref (store);
}

GST_END_TEST;

/* A key the element made (generated, ratcheted) never comes back: not when the
 * application, which got the generated key from `key-generated`, gives it again, nor
 * from the store. */
typedef struct
{
  guint64 kid;
  guint8 key[KEY_SIZE];
} Generated;

static void
on_key_generated (GstElement * enc, guint64 kid, GstBuffer * key, Generated * g)
{
  g->kid = kid;
  fail_unless_equals_uint64 (gst_buffer_extract (key, 0, g->key, KEY_SIZE), KEY_SIZE);
}

GST_START_TEST (test_made_keys_never_come_back)
{
  GstE2eeKeyStore *store = gst_e2ee_key_store_new ();
  Generated g = { 0, };
  GstBuffer *key;
  guint8 next[64];
  gsize n = ratcheted (1, 1, next);
  gboolean ok = TRUE;
  guint64 kid;
  Run *r;

  r = run_new (enc_with_key (&keys, KID_OF (1, 0), 1), MODE_FRAME);
  g_object_set (r->enc, "key-store", store, NULL);
  g_signal_connect (r->enc, "key-generated", G_CALLBACK (on_key_generated), &g);
  run_expect_key (r, KID_OF (1, 0), 1);
  run_expect_key_bytes (r, KID_OF (1, 1), next, n);
  run_expect (r, 2, KID_OF (1, 0), 0);
  g_signal_emit_by_name (r->enc, "ratchet", &kid);
  fail_unless_equals_uint64 (kid, KID_OF (1, 1));
  run_expect (r, 2, KID_OF (1, 1), 0);
  g_signal_emit_by_name (r->enc, "generate-key", &kid);
  fail_unless_equals_uint64 (kid, KID_OF (2, 0));
  fail_unless_equals_uint64 (g.kid, KID_OF (2, 0));
  run_expect_key_bytes (r, KID_OF (2, 0), g.key, KEY_SIZE);
  run_expect (r, 2, KID_OF (2, 0), 0);
  fail_unless (rotate (r->enc, KID_OF (3, 0), 3));
  run_expect_key (r, KID_OF (3, 0), 3);
  run_expect (r, 1, KID_OF (3, 0), 0);

  /* The generated and the ratcheted key, given back through `rotate`... */
  key = gst_buffer_new_memdup (g.key, KEY_SIZE);
  g_signal_emit_by_name (r->enc, "rotate", KID_OF (2, 0), key, &ok);
  gst_buffer_unref (key);
  fail_if (ok);
  assert_warning (r, "already used");
  key = gst_buffer_new_memdup (next, n);
  g_signal_emit_by_name (r->enc, "rotate", KID_OF (1, 1), key, &ok);
  gst_buffer_unref (key);
  fail_if (ok);
  assert_warning (r, "already used");
  run_expect (r, 1, KID_OF (3, 0), 1);

  /* ... and through the store. */
  fail_unless (gst_e2ee_key_store_add_key (store, KID_OF (2, 0),
          GST_E2EE_KEY_USAGE_ENCRYPT, SUITE, g.key, KEY_SIZE, NULL));
  g_object_set (r->enc, "key", NULL, "key-id", KID_OF (2, 0), NULL);
  run_expect (r, 1, KID_OF (3, 0), 2);
  assert_warning (r, "already used");
  fail_unless (gst_e2ee_key_store_add_key (store, KID_OF (1, 1),
          GST_E2EE_KEY_USAGE_ENCRYPT, SUITE, next, n, NULL));
  g_object_set (r->enc, "key", NULL, "key-id", KID_OF (1, 1), NULL);
  run_expect (r, 1, KID_OF (3, 0), 3);
  assert_warning (r, "already used");

  run_free (r);
  gst_object_unref (store);
}

GST_END_TEST;

/* A store key at its hard limit stays worn when it comes back through `rotate` or
 * the properties. */
GST_START_TEST (test_limit_survives_key_path)
{
  GstE2eeKeyStore *store = gst_e2ee_key_store_new ();
  Run *r;

  store_add (store, 5, 1);
  r = run_new (enc_with_store (store, 5), (Mode) __i__);
  g_object_set (r->enc, "max-frames-per-key", (guint64) 4, NULL);
  run_expect_key (r, 5, 1);
  run_expect_key (r, 6, 2);
  run_expect (r, 4, 5, 0);
  run_expect_dropped (r);

  fail_unless (rotate (r->enc, 5, 1));
  run_expect_dropped (r);
  set_key (r->enc, 5, 1);
  run_expect_dropped (r);
  set_key (r->enc, 6, 2);
  run_expect (r, 4, 6, 0);
  run_expect_dropped (r);

  run_free (r);
  gst_object_unref (store);
}

GST_END_TEST;

/* `enabled` off and on again, the key given again through the properties while
 * off. */
GST_START_TEST (test_enabled_toggle)
{
  GstE2eeKeyStore *store = gst_e2ee_key_store_new ();
  GstBuffer *plain;
  Run *r;

  store_add (store, 5, 1);
  r = run_new (enc_with_store (store, 5), MODE_FRAME);
  run_expect_key (r, 5, 1);
  run_expect (r, 3, 5, 0);
  g_object_set (r->enc, "enabled", FALSE, NULL);
  fail_unless_equals_int (gst_harness_push (r->h, make_input (MODE_FRAME, r->idx++)),
      GST_FLOW_OK);
  plain = gst_harness_try_pull (r->h);
  fail_unless (plain != NULL);
  gst_buffer_unref (plain);
  set_key (r->enc, 5, 1);
  g_object_set (r->enc, "enabled", TRUE, NULL);
  run_expect (r, 2, 5, 3);

  run_free (r);
  gst_object_unref (store);
}

GST_END_TEST;

/* Two elements encrypting with one store key share its counter. */
GST_START_TEST (test_store_key_shared_by_two_elements)
{
  GstE2eeKeyStore *store = gst_e2ee_key_store_new ();
  Run *a, *b;
  guint i;

  store_add (store, 5, 1);
  a = run_new (enc_with_store (store, 5), MODE_FRAME);
  b = run_new (enc_with_store (store, 5), MODE_FRAME);
  run_expect_key (a, 5, 1);
  /* One ledger for both: b's frames go into a's. */
  g_hash_table_unref (b->sent);
  b->sent = g_hash_table_ref (a->sent);
  g_hash_table_unref (b->keys);
  b->keys = g_hash_table_ref (a->keys);
  for (i = 0; i < 6; i++) {
    run_expect (a, 1, 5, 2 * i);
    run_expect (b, 1, 5, 2 * i + 1);
  }
  run_free (a);
  run_free (b);
  gst_object_unref (store);
}

GST_END_TEST;

/* One appsrc ! e2eeenc ! appsink branch of a pipeline, on KID 5, whole frames. */
typedef struct
{
  GstElement *src, *enc, *sink;
} Branch;

static void
branch_add (GstElement * pipeline, Branch * b)
{
  GstCaps *caps = mode_caps (MODE_FRAME);

  b->src = gst_element_factory_make ("appsrc", NULL);
  b->enc = gst_element_factory_make ("e2eeenc", NULL);
  b->sink = gst_element_factory_make ("appsink", NULL);
  fail_unless (b->src && b->enc && b->sink);
  g_object_set (b->src, "caps", caps, "format", GST_FORMAT_TIME, NULL);
  g_object_set (b->enc, "key-id", (guint64) 5, NULL);
  gst_util_set_object_arg (G_OBJECT (b->enc), "layout", "frame");
  g_object_set (b->sink, "sync", FALSE, "async", FALSE, NULL);
  gst_bin_add_many (GST_BIN (pipeline), b->src, b->enc, b->sink, NULL);
  fail_unless (gst_element_link_many (b->src, b->enc, b->sink, NULL));
  gst_caps_unref (caps);
}

/* Pushes frame @idx through @b; the frame that comes out must carry KID 5 and @ctr,
 * a pair not sent before, and open with the key of seed 1. */
static void
branch_expect (Branch * b, GHashTable * sent, GHashTable * kid_keys, guint idx,
    guint64 ctr)
{
  GstBuffer *in = make_input (MODE_FRAME, idx);
  GstSample *sample;
  guint64 pair[2];

  fail_unless_equals_int (gst_app_src_push_buffer (GST_APP_SRC (b->src),
          gst_buffer_ref (in)), GST_FLOW_OK);
  sample = gst_app_sink_try_pull_sample (GST_APP_SINK (b->sink), hang_guard (10));
  fail_unless (sample != NULL, "frame %u did not come out of %s", idx,
      GST_OBJECT_NAME (b->enc));
  ledger_check (MODE_FRAME, sent, kid_keys, idx, in, gst_sample_get_buffer (sample),
      pair);
  fail_unless_equals_uint64 (pair[0], 5);
  fail_unless_equals_uint64 (pair[1], ctr);
  gst_sample_unref (sample);
  gst_buffer_unref (in);
}

/* Whether @enc uses @store (any store when @store is NULL); returns a new reference
 * to the store it uses. */
static GstE2eeKeyStore *
store_of (GstElement * enc, GstE2eeKeyStore * store)
{
  GstE2eeKeyStore *used = NULL;

  g_object_get (enc, "key-store", &used, NULL);
  fail_unless (used != NULL, "%s has no key store", GST_OBJECT_NAME (enc));
  fail_unless (store == NULL || used == store, "%s has another key store",
      GST_OBJECT_NAME (enc));
  return used;
}

/* Issue 18, item 1: two e2eeenc share the pipeline's key store (through its context)
 * and encrypt with the store's key for KID 5; key management adds the same key for
 * KID 5 again; then a third e2eeenc starts on KID 5. All three count with the one key
 * object the store holds: no (KID, CTR) pair twice. */
GST_START_TEST (test_store_key_added_again_in_pipeline)
{
  GstElement *pipeline = gst_pipeline_new (NULL);
  GHashTable *sent = g_hash_table_new_full (g_bytes_hash, g_bytes_equal,
      (GDestroyNotify) g_bytes_unref, NULL);
  GHashTable *expected = g_hash_table_new_full (g_int64_hash, g_int64_equal, g_free,
      (GDestroyNotify) gst_e2ee_sframe_key_unref);
  guint8 key[KEY_SIZE];
  guint64 kid = 5, ctr = 0;
  GstE2eeKeyStore *store;
  GstMessage *msg;
  GstBus *bus;
  Branch a, b, c;
  guint idx = 0, i;

  fill_key (&keys, key, 1);
  g_hash_table_insert (expected, g_memdup2 (&kid, sizeof (kid)),
      gst_e2ee_sframe_key_new (SUITE, kid, key, KEY_SIZE, NULL));
  branch_add (pipeline, &a);
  branch_add (pipeline, &b);
  /* NULL -> READY: the elements find (or make) the pipeline's store. */
  fail_unless_equals_int (gst_element_set_state (pipeline, GST_STATE_READY),
      GST_STATE_CHANGE_SUCCESS);
  store = store_of (a.enc, NULL);
  g_object_unref (store_of (b.enc, store));
  store_add (store, 5, 1);
  fail_unless_equals_int (gst_element_set_state (pipeline, GST_STATE_PLAYING),
      GST_STATE_CHANGE_SUCCESS);
  for (i = 0; i < 3; i++) {
    branch_expect (&a, sent, expected, idx++, ctr++);
    branch_expect (&b, sent, expected, idx++, ctr++);
  }

  /* The same key for KID 5 again, re-sent by key management. */
  store_add (store, 5, 1);
  branch_expect (&a, sent, expected, idx++, ctr++);

  /* A third element starts on KID 5, with the pipeline's store. */
  branch_add (pipeline, &c);
  fail_unless (gst_element_sync_state_with_parent (c.sink));
  fail_unless (gst_element_sync_state_with_parent (c.enc));
  fail_unless (gst_element_sync_state_with_parent (c.src));
  g_object_unref (store_of (c.enc, store));
  for (i = 0; i < 3; i++) {
    branch_expect (&c, sent, expected, idx++, ctr++);
    branch_expect (&a, sent, expected, idx++, ctr++);
    branch_expect (&b, sent, expected, idx++, ctr++);
  }

  bus = gst_element_get_bus (pipeline);
  msg = gst_bus_pop_filtered (bus, GST_MESSAGE_ERROR | GST_MESSAGE_WARNING);
  fail_if (msg != NULL, "unexpected %s from %s", GST_MESSAGE_TYPE_NAME (msg),
      msg ? GST_OBJECT_NAME (GST_MESSAGE_SRC (msg)) : "");
  gst_object_unref (bus);
  fail_unless_equals_int (gst_element_set_state (pipeline, GST_STATE_NULL),
      GST_STATE_CHANGE_SUCCESS);
  gst_object_unref (pipeline);
  g_object_unref (store);
  g_hash_table_unref (sent);
  g_hash_table_unref (expected);
}

GST_END_TEST;

static Suite *
e2eenonce_suite (void)
{
  Suite *s = suite_create ("e2eenonce");
  TCase *tc = tcase_create ("general");

  suite_add_tcase (s, tc);
  tcase_add_loop_test (tc, test_store_then_properties, 0, N_MODES);
  tcase_add_loop_test (tc, test_properties_then_store, 0, N_MODES);
  tcase_add_test (tc, test_properties_change_from_store_key);
  tcase_add_test (tc, test_store_key_comes_back);
  tcase_add_loop_test (tc, test_restart, 0, N_MODES);
  tcase_add_test (tc, test_ratchet_onto_store_kid);
  tcase_add_test (tc, test_store_ratchet_onto_used_kid);
  tcase_add_test (tc, test_store_ratchet_wraps);
  tcase_add_test (tc, test_generate_onto_store_kid);
  tcase_add_test (tc, test_made_keys_never_come_back);
  tcase_add_loop_test (tc, test_limit_survives_key_path, 0, N_MODES);
  tcase_add_test (tc, test_enabled_toggle);
  tcase_add_test (tc, test_store_key_shared_by_two_elements);
  tcase_add_test (tc, test_store_key_added_again_in_pipeline);
  return s;
}

GST_CHECK_MAIN (e2eenonce);
