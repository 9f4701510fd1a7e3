/* gst-e2ee: the key lifecycle of e2eeenc and e2eedec (issue 3): rotation, the
 * sender-key ratchet, generated keys, the shared key store, frames held for keys that
 * have not arrived, the replay window, counter limits and key-frame requests.
 *
 * Frames go through a real e2eeenc and e2eedec (GstHarness, or pipelines where the
 * key store is shared through a GstContext). Ratcheted keys are checked against an
 * HKDF done by the `openssl kdf` command line, not by the library.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <gst/check/gstcheck.h>
#include <gst/check/gstharness.h>
#include <gst/check/gsttestclock.h>
#include <gst/app/gstappsrc.h>
#include <gst/app/gstappsink.h>
#include <gst/video/video.h>
#include <gst/e2ee/e2ee.h>
#include <gst/e2ee/gste2eesframe-private.h>
#include <glib/gstdio.h>
#include <openssl/rand.h>
#include <string.h>
#include <unistd.h>
#include "../hangguard.h"
#include "../e2eecheck.h"

#define SUITE GST_E2EE_CIPHER_SUITE_AES_256_GCM_SHA512_128
#define FRAME_DURATION (20 * GST_MSECOND)
#define RBITS GST_E2EE_RATCHET_DEFAULT_BITS
#define KID_OF(gen, step) ((((guint64) (gen)) << RBITS) | (guint64) (step))

#define MEDIA_CAPS "video/x-h264, stream-format=(string)byte-stream, alignment=(string)au"
#define SFRAME_CAPS "application/x-sframe, original-media-type=(string)video/x-h264, " \
  "stream-format=(string)byte-stream, alignment=(string)au"

/* ---- Keys and frames --------------------------------------------------------- */

/* This file's keys (e2eecheck.h). */
static const KeyRecipe keys = { 29, 13, 5 };

static gsize
frame_size (guint i)
{
  return 24 + (i * 37) % 256;
}

static guint8
frame_byte (guint i, gsize j)
{
  return (guint8) (i * 131 + j * 17 + (j >> 4));
}

/* Frame @i of a 50 fps stream: its own bytes and size, a key frame every 50. */
static GstBuffer *
make_frame (guint i)
{
  gsize size = frame_size (i), j;
  guint8 *data = g_malloc (size);
  GstBuffer *buf;

  for (j = 0; j < size; j++)
    data[j] = frame_byte (i, j);
  buf = gst_buffer_new_wrapped (data, size);
  GST_BUFFER_PTS (buf) = i * FRAME_DURATION;
  GST_BUFFER_DURATION (buf) = FRAME_DURATION;
  if (i % 50 != 0)
    GST_BUFFER_FLAG_SET (buf, GST_BUFFER_FLAG_DELTA_UNIT);
  return buf;
}

/* @out holds frame @i's bytes. */
static void
assert_payload (GstBuffer * out, guint i)
{
  GstMapInfo map;
  gsize j;

  fail_unless (gst_buffer_map (out, &map, GST_MAP_READ));
  fail_unless_equals_uint64 (map.size, frame_size (i));
  for (j = 0; j < map.size; j++)
    if (map.data[j] != frame_byte (i, j))
      fail ("frame %u differs at byte %" G_GSIZE_FORMAT, i, j);
  gst_buffer_unmap (out, &map);
}

/* @out is frame @i, decrypted byte for byte, with its timestamp. */
static void
assert_frame (GstBuffer * out, guint i)
{
  fail_unless_equals_uint64 (GST_BUFFER_PTS (out), i * FRAME_DURATION);
  assert_payload (out, i);
}

static void
assert_meta (GstBuffer * out, guint64 kid, guint64 ctr)
{
  GstE2eeMeta *meta = gst_buffer_get_e2ee_meta (out);

  fail_unless (meta != NULL, "no GstE2eeMeta");
  fail_unless (meta->authenticated);
  fail_unless_equals_uint64 (meta->kid, kid);
  fail_unless_equals_uint64 (meta->ctr, ctr);
}

static void
parse_header (GstBuffer * buf, guint64 * kid, guint64 * ctr)
{
  GstMapInfo map;

  fail_unless (gst_buffer_map (buf, &map, GST_MAP_READ));
  fail_unless (gst_e2ee_sframe_header_parse (map.data, map.size, kid, ctr, NULL, NULL));
  gst_buffer_unmap (buf, &map);
}

static gchar *
to_hex (const guint8 * data, gsize len)
{
  GString *s = g_string_sized_new (len * 2 + 1);
  gsize i;

  for (i = 0; i < len; i++)
    g_string_append_printf (s, "%02x", data[i]);
  return g_string_free (s, FALSE);
}

/* ---- Elements, harnesses, messages --------------------------------------- */

/* harness_for() for an element the test keeps (teardown() drops it). */
static GstHarness *
harness_keeping (GstElement * el, GstBus ** bus, const gchar * caps)
{
  return harness_for (gst_object_ref (el), bus, caps);
}

static void
teardown (GstHarness * h, GstElement * el, GstBus * bus)
{
  gst_harness_teardown (h);
  if (bus) {
    gst_element_set_bus (el, NULL);
    gst_object_unref (bus);
  }
  gst_object_unref (el);
}

/* enc_with_key() making whole-frame SFrame frames, as the tests check them. */
static GstElement *
frame_enc (guint64 kid, guint key_seed)
{
  GstElement *enc = enc_with_key (&keys, kid, key_seed);

  gst_util_set_object_arg (G_OBJECT (enc), "layout", "frame");
  return enc;
}

static GstElement *
make_dec (void)
{
  GstElement *dec = gst_element_factory_make ("e2eedec", NULL);

  fail_unless (dec != NULL);
  g_object_set (dec, "drop-message-interval", (guint64) 0, NULL);
  return dec;
}

static void
add_key (GstElement * dec, guint64 kid, guint key_seed)
{
  GstBuffer *key = key_buffer (&keys, key_seed);
  gboolean ok = FALSE;

  g_signal_emit_by_name (dec, "add-key", kid, key, &ok);
  fail_unless (ok, "add-key %" G_GUINT64_FORMAT " refused", kid);
  gst_buffer_unref (key);
}

/* Pushes @buf (taken) and returns the one output buffer, or NULL. */
static GstBuffer *
push_one (GstHarness * h, GstBuffer * buf)
{
  fail_unless_equals_int (gst_harness_push (h, buf), GST_FLOW_OK);
  return gst_harness_try_pull (h);
}

typedef struct
{
  GPtrArray *structs;           /* element messages, in order */
  guint warnings;
  guint errors;
} Messages;

/* Moves what @bus has into @m (element messages as copies, warnings and errors
 * counted). */
static void
drain (GstBus * bus, Messages * m)
{
  GstMessage *msg;

  if (m->structs == NULL)
    m->structs = g_ptr_array_new_with_free_func ((GDestroyNotify) gst_structure_free);
  while ((msg = gst_bus_pop (bus))) {
    if (GST_MESSAGE_TYPE (msg) == GST_MESSAGE_ELEMENT)
      g_ptr_array_add (m->structs, gst_structure_copy (gst_message_get_structure (msg)));
    else if (GST_MESSAGE_TYPE (msg) == GST_MESSAGE_WARNING)
      m->warnings++;
    else if (GST_MESSAGE_TYPE (msg) == GST_MESSAGE_ERROR)
      m->errors++;
    gst_message_unref (msg);
  }
}

static void
messages_clear (Messages * m)
{
  g_clear_pointer (&m->structs, g_ptr_array_unref);
  m->warnings = m->errors = 0;
}

static guint
count_named (const Messages * m, const gchar * name)
{
  guint i, n = 0;

  for (i = 0; m->structs && i < m->structs->len; i++)
    if (gst_structure_has_name (g_ptr_array_index (m->structs, i), name))
      n++;
  return n;
}

/* The @nth (from 0) message named @name. */
static const GstStructure *
nth_named (const Messages * m, const gchar * name, guint nth)
{
  guint i;

  for (i = 0; m->structs && i < m->structs->len; i++) {
    const GstStructure *s = g_ptr_array_index (m->structs, i);
    if (gst_structure_has_name (s, name) && nth-- == 0)
      return s;
  }
  fail ("no message %s number %u", name, nth);
  return NULL;
}

static guint64
field_u64 (const GstStructure * s, const gchar * field)
{
  guint64 v = 0;

  fail_unless (gst_structure_get_uint64 (s, field, &v), "no guint64 %s in %"
      GST_PTR_FORMAT, field, s);
  return v;
}

static guint64
stat_u64 (GstElement * el, const gchar * field)
{
  GstStructure *s = NULL;
  guint64 v;

  g_object_get (el, "stats", &s, NULL);
  fail_unless (s != NULL);
  v = field_u64 (s, field);
  gst_structure_free (s);
  return v;
}

/* Upstream force-key-unit events the element sent since the last call. */
static guint
count_keyframe_requests (GstHarness * h)
{
  GstEvent *ev;
  guint n = 0;

  while ((ev = gst_harness_try_pull_upstream_event (h))) {
    if (gst_video_event_is_force_key_unit (ev)) {
      gboolean all_headers = FALSE;

      fail_unless (gst_video_event_parse_upstream_force_key_unit (ev, NULL,
              &all_headers, NULL), "a force-key-unit event going the wrong way");
      fail_unless (all_headers);
      n++;
    }
    gst_event_unref (ev);
  }
  return n;
}

/* ---- An independent HKDF: the openssl command line ------------------------ */

static void
openssl_kdf (const gchar * digest, const gchar * mode, const guint8 * key, gsize key_len,
    const gchar * extra, guint8 * out, gsize out_len)
{
  gchar *key_hex = to_hex (key, key_len);
  gchar *keylen = g_strdup_printf ("%" G_GSIZE_FORMAT, out_len);
  gchar *digest_opt = g_strdup_printf ("digest:%s", digest);
  gchar *mode_opt = g_strdup_printf ("mode:%s", mode);
  gchar *key_opt = g_strdup_printf ("hexkey:%s", key_hex);
  const gchar *argv[] = { "openssl", "kdf", "-keylen", keylen, "-kdfopt", digest_opt,
    "-kdfopt", mode_opt, "-kdfopt", key_opt, "-kdfopt", extra, "HKDF", NULL
  };
  gchar *std_out = NULL, *std_err = NULL;
  GError *error = NULL;
  gint status;
  gsize n = 0;
  const gchar *p;

  fail_unless (g_spawn_sync (NULL, (gchar **) argv, NULL, G_SPAWN_SEARCH_PATH, NULL,
          NULL, &std_out, &std_err, &status, &error), "cannot run openssl: %s",
      error ? error->message : "");
  fail_unless (g_spawn_check_wait_status (status, NULL), "openssl kdf failed: %s",
      std_err);
  /* The key comes out as colon-separated hex pairs. */
  for (p = std_out; *p; p++) {
    if (*p == ':' || g_ascii_isspace (*p))
      continue;
    fail_unless (g_ascii_isxdigit (p[0]) && g_ascii_isxdigit (p[1]),
        "unexpected openssl output: %s", std_out);
    fail_unless (n < out_len, "openssl printed too much: %s", std_out);
    out[n++] = (g_ascii_xdigit_value (p[0]) << 4) | g_ascii_xdigit_value (p[1]);
    p++;
  }
  fail_unless_equals_uint64 (n, out_len);

  g_free (std_out);
  g_free (std_err);
  g_free (key_hex);
  g_free (keylen);
  g_free (digest_opt);
  g_free (mode_opt);
  g_free (key_opt);
}

typedef struct
{
  GstE2eeCipherSuite suite;
  const gchar *digest;
  gsize nh, nk;
} SuiteSizes;

/* RFC 9605 §8.1, written out here rather than asked of the library. */
static const SuiteSizes suite_sizes[] = {
  {GST_E2EE_CIPHER_SUITE_AES_128_CTR_HMAC_SHA256_80, "SHA256", 32, 48},
  {GST_E2EE_CIPHER_SUITE_AES_256_GCM_SHA512_128, "SHA512", 64, 32},
};

/* RFC 9605 §5.1: next base key = HKDF-Expand(HKDF-Extract("", base), "SFrame 1.0
 * Ratchet", Nh). */
static void
openssl_ratchet (const SuiteSizes * ss, const guint8 * base, gsize base_len,
    guint8 * next)
{
  guint8 prk[64];

  openssl_kdf (ss->digest, "EXTRACT_ONLY", base, base_len, "hexsalt:", prk, ss->nh);
  openssl_kdf (ss->digest, "EXPAND_ONLY", prk, ss->nh, "info:SFrame 1.0 Ratchet", next,
      ss->nh);
}

/* RFC 9605 §4.4.2: the key and salt of (@base, @kid), as a key that can open frames. */
static GstE2eeSFrameKey *
openssl_sframe_key (const SuiteSizes * ss, guint64 kid, const guint8 * base,
    gsize base_len)
{
  guint8 prk[64], key[48], salt[12], tail[10];
  gchar *tail_hex, *info;
  GstE2eeSFrameKey *k;
  guint i;

  for (i = 0; i < 8; i++)
    tail[i] = (guint8) (kid >> (56 - 8 * i));
  tail[8] = (guint8) (ss->suite >> 8);
  tail[9] = (guint8) ss->suite;
  tail_hex = to_hex (tail, sizeof (tail));

  openssl_kdf (ss->digest, "EXTRACT_ONLY", base, base_len, "hexsalt:", prk, ss->nh);
  /* "SFrame 1.0 Secret key " and "SFrame 1.0 Secret salt " in hex. */
  info = g_strdup_printf ("hexinfo:534672616d6520312e3020536563726574206b657920%s",
      tail_hex);
  openssl_kdf (ss->digest, "EXPAND_ONLY", prk, ss->nh, info, key, ss->nk);
  g_free (info);
  info = g_strdup_printf ("hexinfo:534672616d6520312e30205365637265742073616c7420%s",
      tail_hex);
  openssl_kdf (ss->digest, "EXPAND_ONLY", prk, ss->nh, info, salt, sizeof (salt));
  g_free (info);
  g_free (tail_hex);

  k = gst_e2ee_sframe_key_new_raw (ss->suite, kid, key, salt, NULL);
  fail_unless (k != NULL);
  return k;
}

/* Opens @frame (frame @i) with @key: TRUE if it authenticates, and then its plaintext
 * must be frame @i byte for byte. */
static gboolean
open_frame (GstE2eeSFrameKey * key, GstBuffer * frame, guint i)
{
  GstMapInfo map;
  guint8 *pt;
  gsize pt_len = 0, j;
  gboolean ok;

  fail_unless (gst_buffer_map (frame, &map, GST_MAP_READ));
  pt = g_malloc (map.size);
  ok = gst_e2ee_sframe_key_decrypt (key, NULL, 0, map.data, map.size, pt, map.size,
      &pt_len, NULL, NULL);
  gst_buffer_unmap (frame, &map);
  if (ok) {
    fail_unless_equals_uint64 (pt_len, frame_size (i));
    for (j = 0; j < pt_len; j++)
      fail_unless (pt[j] == frame_byte (i, j), "frame %u differs at %" G_GSIZE_FORMAT,
          i, j);
  }
  g_free (pt);
  return ok;
}

/* ---- Defaults ------------------------------------------------------------------ */

GST_START_TEST (test_defaults)
{
  GstElement *enc = gst_element_factory_make ("e2eeenc", NULL);
  GstElement *dec = gst_element_factory_make ("e2eedec", NULL);
  guint64 interval, max, soft, grace, hold, hold_bytes;
  guint enc_bits, dec_bits, window, hold_frames, replay;
  gboolean keyframe;
  gchar *mode;
  GObject *store;

  g_object_get (enc, "ratchet-bits", &enc_bits, "rotation-interval", &interval,
      "max-frames-per-key", &max, "soft-frames-per-key", &soft,
      "keyframe-on-rotate", &keyframe, "key-store", &store, NULL);
  fail_unless_equals_int (enc_bits, 8);
  fail_unless_equals_uint64 (interval, 0);
  fail_unless_equals_uint64 (max, 0);
  fail_unless_equals_uint64 (soft, 0);
  fail_unless (keyframe);
  fail_unless (store == NULL);
  {
    GValue v = G_VALUE_INIT;

    g_value_init (&v, g_type_from_name ("GstE2eeEncRotationMode"));
    g_object_get_property (G_OBJECT (enc), "rotation-mode", &v);
    mode = gst_value_serialize (&v);
    fail_unless_equals_string (mode, "ratchet");
    g_free (mode);
    g_value_unset (&v);
  }

  g_object_get (dec, "ratchet-bits", &dec_bits, "ratchet-window", &window,
      "key-grace-period", &grace, "unknown-kid-hold", &hold,
      "unknown-kid-hold-frames", &hold_frames, "unknown-kid-hold-bytes", &hold_bytes,
      "replay-window", &replay, NULL);
  fail_unless_equals_int (dec_bits, 8);
  fail_unless_equals_int (window, 8);
  fail_unless_equals_uint64 (grace, 10 * GST_SECOND);
  fail_unless_equals_uint64 (hold, 500 * GST_MSECOND);
  fail_unless_equals_int (hold_frames, 256);
  fail_unless_equals_uint64 (hold_bytes, 8 * 1024 * 1024);
  fail_unless_equals_int (replay, 1024);

  gst_object_unref (enc);
  gst_object_unref (dec);
}

GST_END_TEST;

/* ---- 10,000 frames: rotation every 100, ratchet every 50, a lossy network ---- */

#define N_FRAMES 10000

typedef struct
{
  guint64 kid;
  guint8 key[KEY_SIZE];
  guint first;                  /* the first frame encrypted with it */
} AppKey;

typedef struct
{
  GArray *keys;                 /* AppKey: what the application distributes */
  guint frame;                  /* the frame about to be pushed */
} Sender;

static void
on_key_generated (GstElement * enc, guint64 kid, GstBuffer * key, Sender * s)
{
  AppKey k = { kid, {0}, s->frame };

  fail_unless_equals_uint64 (gst_buffer_get_size (key), KEY_SIZE);
  gst_buffer_extract (key, 0, k.key, KEY_SIZE);
  g_array_append_val (s->keys, k);
}

typedef struct
{
  guint frame;
  gboolean duplicate;
} Delivery;

GST_START_TEST (test_rotate_ratchet_lossy_network)
{
  GstElement *enc = frame_enc (KID_OF (1, 0), 1), *dec = make_dec ();
  Sender sender = { g_array_new (FALSE, FALSE, sizeof (AppKey)), 0 };
  GstBuffer **frames = g_new0 (GstBuffer *, N_FRAMES);
  guint64 *kids = g_new0 (guint64, N_FRAMES), expected_kid = KID_OF (1, 0), gen = 1;
  GArray *schedule = g_array_new (FALSE, FALSE, sizeof (Delivery));
  GRand *rand = g_rand_new_with_seed (0x5f3759df);
  guint i, p, next_key = 0, delivered = 0, duplicates = 0, lost = 0;
  guint swaps_at_boundaries = 0;
  Messages em = { 0, }, dm = { 0, };
  GstBus *ebus, *dbus;
  GstHarness *eh, *dh;
  AppKey key0 = { KID_OF (1, 0), {0}, 0 };

  fill_key (&keys, key0.key, 1);
  g_array_append_val (sender.keys, key0);
  g_signal_connect (enc, "key-generated", G_CALLBACK (on_key_generated), &sender);
  eh = harness_keeping (enc, &ebus, MEDIA_CAPS);

  /* The sender: a new key every 100 frames, alternately given by the application
   * (rotate) and made by the element (generate-key); a ratchet step 50 frames into
   * each key. */
  for (i = 0; i < N_FRAMES; i++) {
    GstBuffer *out;
    guint64 kid, ctr;

    sender.frame = i;
    if (i > 0 && i % 100 == 0) {
      if ((i / 100) % 2 == 1) {
        AppKey k = { KID_OF (gen + 1, 0), {0}, i };
        GstBuffer *key = key_buffer (&keys, gen + 1);
        gboolean ok = FALSE;

        g_signal_emit_by_name (enc, "rotate", k.kid, key, &ok);
        fail_unless (ok);
        gst_buffer_unref (key);
        fill_key (&keys, k.key, gen + 1);
        g_array_append_val (sender.keys, k);
      } else {
        guint n = sender.keys->len;

        g_signal_emit_by_name (enc, "generate-key", &kid);
        fail_unless_equals_uint64 (kid, KID_OF (gen + 1, 0));
        fail_unless_equals_int (sender.keys->len, n + 1);
        fail_unless_equals_uint64 (g_array_index (sender.keys, AppKey, n).kid, kid);
      }
      gen++;
      expected_kid = KID_OF (gen, 0);
    } else if (i % 50 == 0 && i > 0) {
      g_signal_emit_by_name (enc, "ratchet", &kid);
      fail_unless_equals_uint64 (kid, expected_kid + 1);
      expected_kid = kid;
    }
    out = push_one (eh, make_frame (i));
    fail_unless (out != NULL, "frame %u not encrypted", i);
    parse_header (out, &kid, &ctr);
    fail_unless_equals_uint64 (kid, expected_kid);
    fail_unless_equals_uint64 (ctr, i % 50);
    kids[i] = kid;
    frames[i] = out;
  }
  /* A key frame was asked for at every key change, and each change announced. */
  fail_unless_equals_int (count_keyframe_requests (eh), N_FRAMES / 50 - 1);
  drain (ebus, &em);
  fail_unless_equals_int (count_named (&em, "e2ee-key-added"), N_FRAMES / 100 - 1);
  fail_unless_equals_int (count_named (&em, "e2ee-ratchet-advanced"), N_FRAMES / 100);
  fail_unless_equals_int (count_named (&em, "e2ee-key-retired"), N_FRAMES / 50 - 1);
  fail_unless_equals_int (count_named (&em, "e2ee-key-activated"), N_FRAMES / 50);
  fail_unless_equals_int (em.warnings + em.errors, 0);
  fail_unless_equals_uint64 (stat_u64 (enc, "frames"), N_FRAMES);

  /* The network: neighbours swapped, always across key boundaries and 8% of the
   * time elsewhere; 5% lost; 1% of what arrives arrives again a little later. */
  for (i = 0; i < N_FRAMES; i++) {
    Delivery d = { i, FALSE };
    g_array_append_val (schedule, d);
  }
  for (p = 0; p + 1 < N_FRAMES; p++) {
    guint next = g_array_index (schedule, Delivery, p + 1).frame;
    gboolean boundary_after = p + 2 < N_FRAMES &&
        g_array_index (schedule, Delivery, p + 2).frame % 50 == 0;

    if (next % 50 == 0 || (!boundary_after && g_rand_int_range (rand, 0, 100) < 8)) {
      Delivery tmp = g_array_index (schedule, Delivery, p);

      g_array_index (schedule, Delivery, p) = g_array_index (schedule, Delivery, p + 1);
      g_array_index (schedule, Delivery, p + 1) = tmp;
      if (next % 50 == 0)
        swaps_at_boundaries++;
      p++;
    }
  }
  fail_unless_equals_int (swaps_at_boundaries, N_FRAMES / 50 - 1);
  for (p = 0; p < schedule->len; p++) {
    if (g_rand_int_range (rand, 0, 100) < 5) {
      g_array_remove_index (schedule, p--);
      lost++;
    }
  }
  for (p = 0; p < schedule->len; p++) {
    Delivery *d = &g_array_index (schedule, Delivery, p);

    if (!d->duplicate && g_rand_int_range (rand, 0, 100) < 1) {
      Delivery dup = { d->frame, TRUE };
      guint at = MIN (schedule->len, p + 1 + g_rand_int_range (rand, 0, 30));

      g_array_insert_val (schedule, at, dup);
    }
  }

  /* The receiver gets each key the application distributes shortly before the
   * sender starts using it; ratchet steps it derives itself. */
  dh = harness_keeping (dec, &dbus, SFRAME_CAPS);
  for (p = 0; p < schedule->len; p++) {
    const Delivery *d = &g_array_index (schedule, Delivery, p);
    GstBuffer *out;

    while (next_key < sender.keys->len &&
        g_array_index (sender.keys, AppKey, next_key).first <= d->frame + 2) {
      const AppKey *k = &g_array_index (sender.keys, AppKey, next_key);
      GstBuffer *key = gst_buffer_new_memdup (k->key, KEY_SIZE);
      gboolean ok = FALSE;

      g_signal_emit_by_name (dec, "add-key", k->kid, key, &ok);
      fail_unless (ok);
      gst_buffer_unref (key);
      /* The application retires the sender's previous key: frames still in flight
       * decrypt during the grace period. */
      if (next_key > 0) {
        guint64 prev = g_array_index (sender.keys, AppKey, next_key - 1).kid + 1;

        g_signal_emit_by_name (dec, "retire-key", prev, &ok);
        fail_unless (ok, "KID %" G_GUINT64_FORMAT " was not current", prev);
      }
      next_key++;
    }

    out = push_one (dh, gst_buffer_ref (frames[d->frame]));
    if (d->duplicate) {
      fail_unless (out == NULL, "duplicate of frame %u passed", d->frame);
      duplicates++;
      continue;
    }
    fail_unless (out != NULL, "frame %u (KID %" G_GUINT64_FORMAT ") not decrypted",
        d->frame, kids[d->frame]);
    assert_frame (out, d->frame);
    assert_meta (out, kids[d->frame], d->frame % 50);
    gst_buffer_unref (out);
    delivered++;
  }
  fail_unless_equals_int (delivered + lost, N_FRAMES);
  fail_unless (lost > N_FRAMES / 40 && duplicates > N_FRAMES / 200,
      "the network was kinder than intended: %u lost, %u duplicates", lost, duplicates);

  fail_unless_equals_uint64 (stat_u64 (dec, "frames"), delivered);
  fail_unless_equals_uint64 (stat_u64 (dec, "dropped-replay-duplicate"), duplicates);
  fail_unless_equals_uint64 (stat_u64 (dec, "dropped"), duplicates);
  fail_unless_equals_uint64 (stat_u64 (dec, "dropped-authentication"), 0);
  fail_unless_equals_uint64 (stat_u64 (dec, "dropped-unknown-kid"), 0);
  fail_unless_equals_uint64 (stat_u64 (dec, "dropped-replay-too-old"), 0);
  fail_unless_equals_uint64 (stat_u64 (dec, "held"), 0);
  /* Replays are not a gap: no key frame was asked for. */
  fail_unless_equals_int (count_keyframe_requests (dh), 0);
  drain (dbus, &dm);
  /* Every generation's ratchet step was followed by the receiver itself. */
  fail_unless_equals_int (count_named (&dm, "e2ee-ratchet-advanced"), N_FRAMES / 100);
  fail_unless_equals_int (count_named (&dm, "e2ee-key-activated"), N_FRAMES / 50);
  fail_unless_equals_int (count_named (&dm, "e2eedec-drop"), duplicates);

  for (i = 0; i < N_FRAMES; i++)
    gst_buffer_unref (frames[i]);
  g_free (frames);
  g_free (kids);
  g_array_unref (schedule);
  g_array_unref (sender.keys);
  g_rand_free (rand);
  messages_clear (&em);
  messages_clear (&dm);
  teardown (eh, enc, ebus);
  teardown (dh, dec, dbus);
}

GST_END_TEST;

/* ---- The ratchet against openssl ------------------------------------------- */

/* e2eeenc's ratchet steps, from a `key` property and from a key store, open with keys
 * derived from the base key by `openssl kdf` alone. */
GST_START_TEST (test_ratchet_matches_openssl)
{
  const SuiteSizes *ss = &suite_sizes[__i__];
  guint8 base[4][64];
  gsize base_len[4] = { KEY_SIZE, ss->nh, ss->nh, ss->nh };
  GstBuffer *frames[2][4];
  GstE2eeSFrameKey *k;
  GstElement *enc;
  GstHarness *h;
  GstBus *bus;
  Messages m = { 0, };
  guint pass, step;

  fill_key (&keys, base[0], 40 + __i__);
  for (step = 1; step < 4; step++)
    openssl_ratchet (ss, base[step - 1], base_len[step - 1], base[step]);

  for (pass = 0; pass < 2; pass++) {
    guint64 kid0 = KID_OF (3, 250);     /* three steps: 250, 251, 252, 253 */

    if (pass == 0) {
      enc = frame_enc (kid0, 40 + __i__);
    } else {
      /* The encryption key from the application's key store. */
      GstE2eeKeyStore *store = gst_e2ee_key_store_new ();

      fail_unless (gst_e2ee_key_store_add_key (store, kid0, GST_E2EE_KEY_USAGE_ENCRYPT,
              ss->suite, base[0], KEY_SIZE, NULL));
      enc = gst_element_factory_make ("e2eeenc", NULL);
      g_object_set (enc, "key-id", kid0, "key-store", store, NULL);
      gst_util_set_object_arg (G_OBJECT (enc), "layout", "frame");
      g_object_unref (store);
    }
    g_object_set (enc, "cipher-suite", ss->suite, NULL);
    h = harness_keeping (enc, &bus, MEDIA_CAPS);
    for (step = 0; step < 4; step++) {
      guint64 kid, ctr, new_kid;

      if (step > 0) {
        g_signal_emit_by_name (enc, "ratchet", &new_kid);
        fail_unless_equals_uint64 (new_kid, kid0 + step);
      }
      frames[pass][step] = push_one (h, make_frame (step));
      fail_unless (frames[pass][step] != NULL);
      parse_header (frames[pass][step], &kid, &ctr);
      fail_unless_equals_uint64 (kid, kid0 + step);
      fail_unless_equals_uint64 (ctr, 0);
    }
    drain (bus, &m);
    fail_unless_equals_int (count_named (&m, "e2ee-ratchet-advanced"), 3);
    for (step = 0; step < 3; step++) {
      const GstStructure *s = nth_named (&m, "e2ee-ratchet-advanced", step);
      fail_unless_equals_uint64 (field_u64 (s, "old-kid"), kid0 + step);
      fail_unless_equals_uint64 (field_u64 (s, "new-kid"), kid0 + step + 1);
    }
    messages_clear (&m);
    teardown (h, enc, bus);
  }

  for (step = 0; step < 4; step++) {
    k = openssl_sframe_key (ss, KID_OF (3, 250 + step), base[step], base_len[step]);
    fail_unless (open_frame (k, frames[0][step], step), "step %u differs from openssl",
        step);
    fail_unless (open_frame (k, frames[1][step], step),
        "step %u (key store) differs from openssl", step);
    gst_e2ee_sframe_key_unref (k);
  }
  /* The check can fail: a step's frame does not open with the previous step's key. */
  k = openssl_sframe_key (ss, KID_OF (3, 252), base[1], base_len[1]);
  fail_if (open_frame (k, frames[0][2], 2));
  gst_e2ee_sframe_key_unref (k);

  for (step = 0; step < 4; step++) {
    gst_buffer_unref (frames[0][step]);
    gst_buffer_unref (frames[1][step]);
  }
}

GST_END_TEST;

/* ---- rotation-interval ------------------------------------------------------ */

typedef struct
{
  GstElement *dec;
  guint generated;
  guint64 last_kid;
} Distributor;

/* What an application does with a generated key: hand it to the receivers. */
static void
distribute_key (GstElement * enc, guint64 kid, GstBuffer * key, Distributor * d)
{
  gboolean ok = FALSE;

  g_signal_emit_by_name (d->dec, "add-key", kid, key, &ok);
  fail_unless (ok);
  d->generated++;
  d->last_kid = kid;
}

GST_START_TEST (test_rotation_interval)
{
  gboolean generate = __i__ == 1;
  GstElement *enc = frame_enc (KID_OF (7, 0), 7), *dec = make_dec ();
  Distributor d = { dec, 0, 0 };
  guint64 expected[3];
  Messages m = { 0, };
  GstHarness *eh, *dh;
  GstBus *bus;
  guint i;

  g_object_set (enc, "rotation-interval", GST_SECOND, NULL);
  gst_util_set_object_arg (G_OBJECT (enc), "rotation-mode",
      generate ? "generate" : "ratchet");
  g_signal_connect (enc, "key-generated", G_CALLBACK (distribute_key), &d);
  add_key (dec, KID_OF (7, 0), 7);
  eh = harness_keeping (enc, &bus, MEDIA_CAPS);
  dh = harness_keeping (dec, NULL, SFRAME_CAPS);

  expected[0] = KID_OF (7, 0);
  expected[1] = generate ? KID_OF (8, 0) : KID_OF (7, 1);
  expected[2] = generate ? KID_OF (9, 0) : KID_OF (7, 2);
  /* 3 s of 50 fps: keys change at 1 s and 2 s of stream time. */
  for (i = 0; i < 150; i++) {
    GstBuffer *out = push_one (eh, make_frame (i));
    guint64 kid, ctr;

    fail_unless (out != NULL);
    parse_header (out, &kid, &ctr);
    fail_unless_equals_uint64 (kid, expected[i / 50]);
    fail_unless_equals_uint64 (ctr, i % 50);
    out = push_one (dh, out);
    fail_unless (out != NULL, "frame %u not decrypted", i);
    assert_frame (out, i);
    assert_meta (out, expected[i / 50], i % 50);
    gst_buffer_unref (out);
  }
  fail_unless_equals_int (count_keyframe_requests (eh), 2);
  fail_unless_equals_int (d.generated, generate ? 2 : 0);
  drain (bus, &m);
  if (generate) {
    fail_unless_equals_uint64 (d.last_kid, expected[2]);
    fail_unless_equals_int (count_named (&m, "e2ee-key-added"), 2);
    fail_unless_equals_uint64 (field_u64 (nth_named (&m, "e2ee-key-added", 1), "kid"),
        expected[2]);
    fail_unless_equals_int (count_named (&m, "e2ee-ratchet-advanced"), 0);
  } else {
    fail_unless_equals_int (count_named (&m, "e2ee-key-added"), 0);
    fail_unless_equals_int (count_named (&m, "e2ee-ratchet-advanced"), 2);
  }
  fail_unless_equals_int (count_named (&m, "e2ee-key-retired"), 2);
  fail_unless_equals_uint64 (field_u64 (nth_named (&m, "e2ee-key-retired", 1), "kid"),
      expected[1]);
  fail_unless_equals_int (count_named (&m, "e2ee-key-activated"), 3);
  for (i = 0; i < 3; i++) {
    const GstStructure *s = nth_named (&m, "e2ee-key-activated", i);
    fail_unless_equals_uint64 (field_u64 (s, "kid"), expected[i]);
    fail_unless_equals_uint64 (field_u64 (s, "ctr"), 0);
  }
  fail_unless_equals_uint64 (stat_u64 (dec, "dropped"), 0);

  messages_clear (&m);
  teardown (eh, enc, bus);
  teardown (dh, dec, NULL);
}

GST_END_TEST;

/* ---- generate-key, rotate refusals, KIDs that never get a second key ------- */

typedef struct
{
  guint calls;
  guint64 kid;
  GstBuffer *kept;
} Generated;

static void
keep_generated (GstElement * enc, guint64 kid, GstBuffer * key, Generated * g)
{
  g->calls++;
  g->kid = kid;
  gst_buffer_replace (&g->kept, key);
}

GST_START_TEST (test_generate_key)
{
  GstElement *enc = frame_enc (KID_OF (2, 5), 2), *dec = make_dec ();
  Generated g = { 0, };
  GstHarness *eh, *dh;
  GstBuffer *out, *other;
  guint64 kid, ctr;
  Messages m = { 0, };
  GstBus *bus;
  guint8 raw[KEY_SIZE], zero[KEY_SIZE];
  gboolean ok = TRUE;

  g_signal_connect (enc, "key-generated", G_CALLBACK (keep_generated), &g);
  eh = harness_keeping (enc, &bus, MEDIA_CAPS);
  dh = harness_keeping (dec, NULL, SFRAME_CAPS);
  gst_buffer_unref (push_one (eh, make_frame (0)));

  /* The next generation, step 0; the key only through the signal. */
  g_signal_emit_by_name (enc, "generate-key", &kid);
  fail_unless_equals_uint64 (kid, KID_OF (3, 0));
  fail_unless_equals_int (g.calls, 1);
  fail_unless_equals_uint64 (g.kid, kid);
  fail_unless (g.kept != NULL);
  fail_unless_equals_uint64 (gst_buffer_get_size (g.kept), KEY_SIZE);
  /* A handler that keeps a reference keeps the bytes (they are not wiped). */
  memset (zero, 0, KEY_SIZE);
  gst_buffer_extract (g.kept, 0, raw, KEY_SIZE);
  fail_if (memcmp (raw, zero, KEY_SIZE) == 0, "the kept key was wiped");

  g_signal_emit_by_name (dec, "add-key", kid, g.kept, &ok);
  fail_unless (ok);
  out = push_one (eh, make_frame (1));
  parse_header (out, &kid, &ctr);
  fail_unless_equals_uint64 (kid, KID_OF (3, 0));
  fail_unless_equals_uint64 (ctr, 0);
  out = push_one (dh, out);
  fail_unless (out != NULL);
  assert_frame (out, 1);
  gst_buffer_unref (out);

  /* Two generated keys differ. */
  g_signal_emit_by_name (enc, "generate-key", &kid);
  fail_unless_equals_uint64 (kid, KID_OF (4, 0));
  other = g.kept;
  g.kept = NULL;
  gst_buffer_unref (push_one (eh, make_frame (2)));
  fail_unless_equals_int (g.calls, 2);

  drain (bus, &m);
  fail_unless_equals_int (count_named (&m, "e2ee-key-added"), 2);
  fail_unless_equals_int (count_named (&m, "e2ee-key-retired"), 2);
  fail_unless_equals_uint64 (field_u64 (nth_named (&m, "e2ee-key-retired", 0), "kid"),
      KID_OF (2, 5));
  fail_unless_equals_uint64 (field_u64 (nth_named (&m, "e2ee-key-retired", 1), "kid"),
      KID_OF (3, 0));

  /* A generated key's KID can never be given another key. */
  {
    GstBuffer *key = key_buffer (&keys, 9);

    ok = TRUE;
    g_signal_emit_by_name (enc, "rotate", KID_OF (3, 0), key, &ok);
    fail_if (ok);
    gst_buffer_unref (key);
  }
  out = push_one (eh, make_frame (3));
  parse_header (out, &kid, &ctr);
  fail_unless_equals_uint64 (kid, KID_OF (4, 0));
  fail_unless_equals_uint64 (ctr, 1);
  gst_buffer_unref (out);

  gst_buffer_unref (other);
  messages_clear (&m);
  teardown (eh, enc, bus);
  teardown (dh, dec, NULL);
}

GST_END_TEST;

/* A ratchet or generated key never lands on a KID the element used with another key,
 * and a ratchet with ratchet-bits=0 is refused instead of reusing the KID. */
GST_START_TEST (test_enc_kid_never_reused)
{
  GstElement *enc = frame_enc (KID_OF (1, 1), 1);
  GstHarness *h;
  GstBuffer *key, *out;
  guint64 kid, ctr;
  gboolean ok = FALSE;
  GstBus *bus;
  Messages m = { 0, };

  h = harness_keeping (enc, &bus, MEDIA_CAPS);
  gst_buffer_unref (push_one (h, make_frame (0)));
  /* The application rotates to step 2's KID, then back to the first key... */
  key = key_buffer (&keys, 2);
  g_signal_emit_by_name (enc, "rotate", KID_OF (1, 2), key, &ok);
  fail_unless (ok);
  gst_buffer_unref (key);
  gst_buffer_unref (push_one (h, make_frame (1)));
  key = key_buffer (&keys, 1);
  g_signal_emit_by_name (enc, "rotate", KID_OF (1, 1), key, &ok);
  fail_unless (ok);
  gst_buffer_unref (key);
  /* ... whose ratchet step would be KID_OF (1, 2) again, with a different key. */
  g_signal_emit_by_name (enc, "ratchet", &kid);
  fail_unless_equals_uint64 (kid, G_MAXUINT64);
  out = push_one (h, make_frame (2));
  parse_header (out, &kid, &ctr);
  fail_unless_equals_uint64 (kid, KID_OF (1, 1));
  fail_unless_equals_uint64 (ctr, 1);   /* the first key's counter goes on */
  gst_buffer_unref (out);

  /* Without ratchet bits there is no ratchet step to move to. */
  g_object_set (enc, "ratchet-bits", 0, NULL);
  g_signal_emit_by_name (enc, "ratchet", &kid);
  fail_unless_equals_uint64 (kid, G_MAXUINT64);
  out = push_one (h, make_frame (3));
  parse_header (out, &kid, &ctr);
  fail_unless_equals_uint64 (kid, KID_OF (1, 1));
  fail_unless_equals_uint64 (ctr, 2);
  gst_buffer_unref (out);

  drain (bus, &m);
  fail_unless_equals_int (m.warnings, 2);
  fail_unless_equals_int (m.errors, 0);
  messages_clear (&m);
  teardown (h, enc, bus);
}

GST_END_TEST;

/* ---- Counter limits -------------------------------------------------------- */

typedef struct
{
  guint calls;
  guint64 kid, frames;
  guint at_frame;
  guint current;
  gboolean ratchet;
} NeedKey;

static void
on_need_new_key (GstElement * enc, guint64 kid, guint64 frames, NeedKey * n)
{
  n->calls++;
  n->kid = kid;
  n->frames = frames;
  n->at_frame = n->current;
  if (n->ratchet) {
    guint64 new_kid;
    g_signal_emit_by_name (enc, "ratchet", &new_kid);
    fail_unless_equals_uint64 (new_kid, kid + 1);
  }
}

GST_START_TEST (test_counter_limits)
{
  GstElement *enc = frame_enc (KID_OF (4, 0), 4);
  guint i;
  NeedKey n = { 0, 0, 0, 0, 0, FALSE };
  Messages m = { 0, };
  GstHarness *h;
  GstBuffer *key, *out;
  gboolean ok = FALSE;
  guint64 kid, ctr, limit;
  GstBus *bus;

  g_object_set (enc, "max-frames-per-key", (guint64) 10, "soft-frames-per-key",
      (guint64) 7, NULL);
  g_signal_connect (enc, "need-new-key", G_CALLBACK (on_need_new_key), &n);
  h = harness_keeping (enc, &bus, MEDIA_CAPS);

  for (i = 0; i < 15; i++) {
    n.current = i;
    out = push_one (h, make_frame (i));
    drain (bus, &m);
    /* The soft limit at the 7th frame, exactly once. */
    fail_unless_equals_int (count_named (&m, "e2ee-key-soft-limit"), i >= 6 ? 1 : 0);
    fail_unless_equals_int (n.calls, i >= 6 ? 1 : 0);
    /* The hard limit: 10 frames out, then drops, reported once. */
    fail_unless_equals_int (count_named (&m, "e2ee-key-hard-limit"), i >= 10 ? 1 : 0);
    fail_unless_equals_int (m.warnings, i >= 10 ? 1 : 0);
    if (i < 10) {
      fail_unless (out != NULL);
      parse_header (out, &kid, &ctr);
      fail_unless_equals_uint64 (kid, KID_OF (4, 0));
      fail_unless_equals_uint64 (ctr, i);
      gst_buffer_unref (out);
    } else {
      fail_unless (out == NULL, "frame %u was sent past the hard limit", i);
    }
  }
  fail_unless_equals_uint64 (n.kid, KID_OF (4, 0));
  fail_unless_equals_uint64 (n.frames, 7);
  fail_unless_equals_int (n.at_frame, 6);
  {
    const GstStructure *s = nth_named (&m, "e2ee-key-soft-limit", 0);
    fail_unless_equals_uint64 (field_u64 (s, "kid"), KID_OF (4, 0));
    fail_unless_equals_uint64 (field_u64 (s, "frames"), 7);
    s = nth_named (&m, "e2ee-key-hard-limit", 0);
    fail_unless_equals_uint64 (field_u64 (s, "kid"), KID_OF (4, 0));
    fail_unless_equals_uint64 (field_u64 (s, "frames"), 10);
    fail_unless_equals_uint64 (field_u64 (s, "limit"), 10);
  }
  fail_unless_equals_uint64 (stat_u64 (enc, "frames"), 10);
  fail_unless_equals_uint64 (stat_u64 (enc, "next-ctr"), 10);
  messages_clear (&m);

  /* A new key: frames flow again from its CTR 0, with limits of their own. */
  key = key_buffer (&keys, 5);
  g_signal_emit_by_name (enc, "rotate", KID_OF (5, 0), key, &ok);
  fail_unless (ok);
  gst_buffer_unref (key);
  for (i = 15; i < 26; i++) {
    n.current = i;
    out = push_one (h, make_frame (i));
    if (i < 25) {
      fail_unless (out != NULL);
      parse_header (out, &kid, &ctr);
      fail_unless_equals_uint64 (kid, KID_OF (5, 0));
      fail_unless_equals_uint64 (ctr, i - 15);
      gst_buffer_unref (out);
    } else {
      fail_unless (out == NULL);
    }
  }
  drain (bus, &m);
  fail_unless_equals_int (n.calls, 2);
  fail_unless_equals_uint64 (n.kid, KID_OF (5, 0));
  fail_unless_equals_int (n.at_frame, 21);
  fail_unless_equals_int (count_named (&m, "e2ee-key-soft-limit"), 1);
  fail_unless_equals_int (count_named (&m, "e2ee-key-hard-limit"), 1);
  messages_clear (&m);

  /* Going back to the worn key does not reset its count. */
  key = key_buffer (&keys, 4);
  g_signal_emit_by_name (enc, "rotate", KID_OF (4, 0), key, &ok);
  fail_unless (ok);
  gst_buffer_unref (key);
  fail_unless (push_one (h, make_frame (26)) == NULL);
  drain (bus, &m);
  fail_unless_equals_int (count_named (&m, "e2ee-key-hard-limit"), 1);
  messages_clear (&m);

  /* An application that ratchets when asked never reaches the hard limit. */
  key = key_buffer (&keys, 6);
  g_signal_emit_by_name (enc, "rotate", KID_OF (6, 0), key, &ok);
  fail_unless (ok);
  gst_buffer_unref (key);
  n.ratchet = TRUE;
  for (i = 27; i < 27 + 70; i++) {
    n.current = i;
    out = push_one (h, make_frame (i));
    fail_unless (out != NULL, "frame %u dropped", i);
    parse_header (out, &kid, &ctr);
    fail_unless_equals_uint64 (kid, KID_OF (6, (i - 27) / 7));
    fail_unless_equals_uint64 (ctr, (i - 27) % 7);
    gst_buffer_unref (out);
  }
  drain (bus, &m);
  fail_unless_equals_int (count_named (&m, "e2ee-key-hard-limit"), 0);
  messages_clear (&m);
  teardown (h, enc, bus);

  /* soft-frames-per-key 0 means 7/8 of the hard limit. */
  enc = frame_enc (KID_OF (4, 0), 4);
  g_object_set (enc, "max-frames-per-key", (guint64) 16, NULL);
  g_object_get (enc, "soft-frames-per-key", &limit, NULL);
  fail_unless_equals_uint64 (limit, 0);
  n.calls = 0;
  // cppcheck-suppress redundantAssignment ; on_need_new_key read it during the pushes above
  n.ratchet = FALSE;
  g_signal_connect (enc, "need-new-key", G_CALLBACK (on_need_new_key), &n);
  h = harness_keeping (enc, &bus, MEDIA_CAPS);
  for (i = 0; i < 20; i++) {
    n.current = i;
    out = push_one (h, make_frame (i));
    fail_unless ((out != NULL) == (i < 16));
    if (out)
      gst_buffer_unref (out);
  }
  fail_unless_equals_int (n.calls, 1);
  fail_unless_equals_int (n.at_frame, 13);
  fail_unless_equals_uint64 (n.frames, 14);
  teardown (h, enc, bus);
}

GST_END_TEST;

/* ---- Key frames ------------------------------------------------------------- */

GST_START_TEST (test_keyframe_on_rotate)
{
  gboolean on = __i__ == 1;
  GstElement *enc = frame_enc (KID_OF (1, 0), 1);
  GstHarness *h;
  GstBuffer *key;
  guint64 kid;
  gboolean ok = FALSE;

  g_object_set (enc, "keyframe-on-rotate", on, NULL);
  h = harness_keeping (enc, NULL, MEDIA_CAPS);
  gst_buffer_unref (push_one (h, make_frame (0)));
  gst_buffer_unref (push_one (h, make_frame (1)));
  /* Not for the first key. */
  fail_unless_equals_int (count_keyframe_requests (h), 0);

  key = key_buffer (&keys, 2);
  g_signal_emit_by_name (enc, "rotate", KID_OF (2, 0), key, &ok);
  fail_unless (ok);
  gst_buffer_unref (key);
  gst_buffer_unref (push_one (h, make_frame (2)));
  fail_unless_equals_int (count_keyframe_requests (h), on ? 1 : 0);
  gst_buffer_unref (push_one (h, make_frame (3)));
  fail_unless_equals_int (count_keyframe_requests (h), 0);

  g_signal_emit_by_name (enc, "ratchet", &kid);
  gst_buffer_unref (push_one (h, make_frame (4)));
  fail_unless_equals_int (count_keyframe_requests (h), on ? 1 : 0);

  g_signal_emit_by_name (enc, "generate-key", &kid);
  gst_buffer_unref (push_one (h, make_frame (5)));
  fail_unless_equals_int (count_keyframe_requests (h), on ? 1 : 0);

  /* A new `key` property value is a key change too. */
  key = key_buffer (&keys, 3);
  g_object_set (enc, "key-id", KID_OF (9, 0), "key", key, NULL);
  gst_buffer_unref (key);
  gst_buffer_unref (push_one (h, make_frame (6)));
  fail_unless_equals_int (count_keyframe_requests (h), on ? 1 : 0);
  teardown (h, enc, NULL);
}

GST_END_TEST;

static GstBuffer *
tamper (GstBuffer * frame)
{
  GstBuffer *bad = gst_buffer_copy_deep (frame);
  GstMapInfo map;

  fail_unless (gst_buffer_map (bad, &map, GST_MAP_WRITE));
  map.data[map.size - 1] ^= 0x01;
  gst_buffer_unmap (bad, &map);
  return bad;
}

/* e2eedec asks for a key frame when decryption resumes after frames were lost to it,
 * not after replays, which lose nothing. Replays are counted apart from forgeries. */
GST_START_TEST (test_dec_keyframe_after_gap)
{
  GstElement *enc = frame_enc (KID_OF (1, 0), 1), *dec = make_dec ();
  GstBuffer *frames[40], *out;
  GstHarness *eh, *dh;
  Messages m = { 0, };
  GstBus *bus;
  guint i;

  g_object_set (dec, "replay-window", 16, NULL);
  add_key (dec, KID_OF (1, 0), 1);
  eh = harness_keeping (enc, NULL, MEDIA_CAPS);
  dh = harness_keeping (dec, &bus, SFRAME_CAPS);
  for (i = 0; i < G_N_ELEMENTS (frames); i++)
    frames[i] = push_one (eh, make_frame (i));

  for (i = 0; i < 3; i++)
    gst_buffer_unref (push_one (dh, gst_buffer_ref (frames[i])));
  fail_unless_equals_int (count_keyframe_requests (dh), 0);

  /* Replays: no gap. */
  fail_unless (push_one (dh, gst_buffer_ref (frames[1])) == NULL);
  gst_buffer_unref (push_one (dh, gst_buffer_ref (frames[4])));
  fail_unless_equals_int (count_keyframe_requests (dh), 0);

  /* Forged frames are a gap: one request when a good frame follows. */
  fail_unless (push_one (dh, tamper (frames[5])) == NULL);
  fail_unless (push_one (dh, tamper (frames[6])) == NULL);
  fail_unless_equals_int (count_keyframe_requests (dh), 0);
  out = push_one (dh, gst_buffer_ref (frames[6]));
  fail_unless (out != NULL);
  assert_frame (out, 6);
  gst_buffer_unref (out);
  fail_unless_equals_int (count_keyframe_requests (dh), 1);
  gst_buffer_unref (push_one (dh, gst_buffer_ref (frames[7])));
  fail_unless_equals_int (count_keyframe_requests (dh), 0);

  /* The forged CTR 5 did not mark 5 as seen: the real one still passes. */
  gst_buffer_unref (push_one (dh, gst_buffer_ref (frames[5])));

  /* Too old for a 16-frame window. */
  for (i = 9; i < 40; i++)
    gst_buffer_unref (push_one (dh, gst_buffer_ref (frames[i])));
  fail_unless (push_one (dh, gst_buffer_ref (frames[8])) == NULL);
  fail_unless_equals_int (count_keyframe_requests (dh), 0);

  fail_unless_equals_uint64 (stat_u64 (dec, "dropped-replay-duplicate"), 1);
  fail_unless_equals_uint64 (stat_u64 (dec, "dropped-replay-too-old"), 1);
  fail_unless_equals_uint64 (stat_u64 (dec, "dropped-authentication"), 2);
  fail_unless_equals_uint64 (stat_u64 (dec, "dropped"), 4);
  drain (bus, &m);
  fail_unless_equals_int (count_named (&m, "e2eedec-drop"), 4);
  fail_unless_equals_string (gst_structure_get_string (nth_named (&m, "e2eedec-drop",
              0), "reason"), "replay-duplicate");
  fail_unless_equals_uint64 (field_u64 (nth_named (&m, "e2eedec-drop", 0), "ctr"), 1);
  fail_unless_equals_string (gst_structure_get_string (nth_named (&m, "e2eedec-drop",
              1), "reason"), "authentication");
  fail_unless_equals_string (gst_structure_get_string (nth_named (&m, "e2eedec-drop",
              3), "reason"), "replay-too-old");
  fail_unless_equals_uint64 (field_u64 (nth_named (&m, "e2eedec-drop", 3), "ctr"), 8);

  for (i = 0; i < G_N_ELEMENTS (frames); i++)
    gst_buffer_unref (frames[i]);
  messages_clear (&m);
  teardown (eh, enc, NULL);
  teardown (dh, dec, bus);
}

GST_END_TEST;

/* ---- Late joiner, hold limits -------------------------------------------------- */

static GstBuffer **
encrypt_stream (guint64 kid, guint seed, guint n)
{
  GstElement *enc = frame_enc (kid, seed);
  GstHarness *h = harness_keeping (enc, NULL, MEDIA_CAPS);
  GstBuffer **frames = g_new0 (GstBuffer *, n);
  guint i;

  for (i = 0; i < n; i++) {
    frames[i] = push_one (h, make_frame (i));
    fail_unless (frames[i] != NULL);
  }
  teardown (h, enc, NULL);
  return frames;
}

static void
free_stream (GstBuffer ** frames, guint n)
{
  guint i;

  for (i = 0; i < n; i++)
    gst_buffer_unref (frames[i]);
  g_free (frames);
}

/* Pulls every output there is, checking they are frames @from, @from + 1, ... */
static guint
pull_in_order (GstHarness * h, guint from, guint64 kid)
{
  GstBuffer *out;
  guint n = 0;

  while ((out = gst_harness_try_pull (h))) {
    assert_frame (out, from + n);
    assert_meta (out, kid, from + n);
    gst_buffer_unref (out);
    n++;
  }
  return n;
}

/* Media starts before the receiver has the key, which arrives 200 ms later: what was
 * held comes out first and in order, and nothing is lost. */
GST_START_TEST (test_late_joiner)
{
  const guint64 kid = KID_OF (5, 0);
  GstBuffer **frames = encrypt_stream (kid, 5, 50);
  GstElement *dec = make_dec ();
  Messages m = { 0, };
  GstHarness *h;
  GstBus *bus;
  const GstStructure *s;
  guint i, next = 0;

  h = harness_keeping (dec, &bus, SFRAME_CAPS);
  for (i = 0; i * FRAME_DURATION <= 200 * GST_MSECOND; i++)
    fail_unless (push_one (h, gst_buffer_ref (frames[i])) == NULL);
  fail_unless_equals_int (i, 11);
  drain (bus, &m);
  fail_unless_equals_int (count_named (&m, "e2ee-unknown-kid"), 1);
  s = nth_named (&m, "e2ee-unknown-kid", 0);
  fail_unless_equals_string (gst_structure_get_string (s, "action"), "held");
  fail_unless_equals_uint64 (field_u64 (s, "kid"), kid);
  fail_unless_equals_int (count_named (&m, "e2eedec-drop"), 0);
  fail_unless_equals_uint64 (stat_u64 (dec, "held"), 11);
  messages_clear (&m);

  add_key (dec, kid, 5);
  for (; i < 50; i++) {
    fail_unless_equals_int (gst_harness_push (h, gst_buffer_ref (frames[i])),
        GST_FLOW_OK);
    next += pull_in_order (h, next, kid);
    fail_unless_equals_int (next, i + 1);
  }
  drain (bus, &m);
  fail_unless_equals_int (count_named (&m, "e2ee-unknown-kid"), 1);
  s = nth_named (&m, "e2ee-unknown-kid", 0);
  fail_unless_equals_string (gst_structure_get_string (s, "action"), "recovered");
  fail_unless_equals_uint64 (field_u64 (s, "count"), 11);
  fail_unless_equals_uint64 (field_u64 (nth_named (&m, "e2ee-key-activated", 0), "kid"),
      kid);
  fail_unless_equals_uint64 (stat_u64 (dec, "recovered"), 11);
  fail_unless_equals_uint64 (stat_u64 (dec, "frames"), 50);
  fail_unless_equals_uint64 (stat_u64 (dec, "dropped"), 0);

  messages_clear (&m);
  teardown (h, dec, bus);

  /* One frame a second (a shared screen): the key arrives 200 ms after the first
   * frame, but the next frame only 800 ms after that. The first frame still waited
   * less than unknown-kid-hold for its key, so it is recovered. */
  dec = make_dec ();
  h = harness_keeping (dec, &bus, SFRAME_CAPS);
  for (i = 0; i < 3; i++) {
    GstBuffer *in = gst_buffer_copy (frames[i]), *out;

    GST_BUFFER_PTS (in) = i * GST_SECOND;
    fail_unless_equals_int (gst_harness_push (h, in), GST_FLOW_OK);
    if (i == 0) {
      fail_unless (gst_harness_try_pull (h) == NULL);
      add_key (dec, kid, 5);
      continue;
    }
    for (next = i == 1 ? 0 : 2; next <= i; next++) {
      out = gst_harness_try_pull (h);
      fail_unless (out != NULL, "frame %u lost", next);
      fail_unless_equals_uint64 (GST_BUFFER_PTS (out), next * GST_SECOND);
      assert_payload (out, next);
      assert_meta (out, kid, next);
      gst_buffer_unref (out);
    }
  }
  fail_unless_equals_uint64 (stat_u64 (dec, "recovered"), 1);
  fail_unless_equals_uint64 (stat_u64 (dec, "dropped"), 0);
  teardown (h, dec, bus);

  free_stream (frames, 50);
}

GST_END_TEST;

/* A key later than unknown-kid-hold: the frames that waited longer before it came are
 * dropped and reported, the rest recovered, and the decoder is asked for a key frame. */
GST_START_TEST (test_hold_timeout)
{
  const guint64 kid = KID_OF (6, 0);
  GstBuffer **frames = encrypt_stream (kid, 6, 51);
  GstElement *dec = make_dec ();
  Messages m = { 0, };
  GstHarness *h;
  GstBus *bus;
  guint i;

  h = harness_keeping (dec, &bus, SFRAME_CAPS);
  /* 1 s of frames with no key: by frame 49 (980 ms) frames 0..23 waited over 500 ms. */
  for (i = 0; i < 50; i++)
    fail_unless (push_one (h, gst_buffer_ref (frames[i])) == NULL);
  drain (bus, &m);
  fail_unless_equals_uint64 (stat_u64 (dec, "held"), 50);
  fail_unless_equals_uint64 (stat_u64 (dec, "dropped-unknown-kid"), 24);
  fail_unless_equals_int (count_named (&m, "e2eedec-drop"), 24);
  fail_unless_equals_string (gst_structure_get_string (nth_named (&m, "e2eedec-drop",
              0), "reason"), "unknown-kid");
  fail_unless_equals_uint64 (field_u64 (nth_named (&m, "e2eedec-drop", 23), "ctr"), 23);
  fail_unless_equals_int (count_named (&m, "e2ee-unknown-kid"), 25);
  fail_unless_equals_string (gst_structure_get_string (nth_named (&m,
              "e2ee-unknown-kid", 24), "action"), "timed-out");
  fail_unless_equals_int (count_keyframe_requests (h), 0);
  messages_clear (&m);

  /* The key, 1 s late: what was still held when it came (24..49, frame 24 exactly
   * 500 ms old) is recovered when frame 50 arrives, even though frame 24 is older
   * than that by then. */
  add_key (dec, kid, 6);
  fail_unless_equals_int (gst_harness_push (h, gst_buffer_ref (frames[50])),
      GST_FLOW_OK);
  fail_unless_equals_int (pull_in_order (h, 24, kid), 27);
  fail_unless_equals_uint64 (stat_u64 (dec, "dropped-unknown-kid"), 24);
  fail_unless_equals_uint64 (stat_u64 (dec, "recovered"), 26);
  fail_unless_equals_int (count_keyframe_requests (h), 1);
  drain (bus, &m);
  fail_unless_equals_int (count_named (&m, "e2ee-unknown-kid"), 1);
  fail_unless_equals_uint64 (field_u64 (nth_named (&m, "e2ee-unknown-kid", 0), "count"),
      26);
  fail_unless_equals_string (gst_structure_get_string (nth_named (&m,
              "e2ee-unknown-kid", 0), "action"), "recovered");
  fail_unless_equals_int (count_named (&m, "e2eedec-drop"), 0);

  messages_clear (&m);
  free_stream (frames, 51);
  teardown (h, dec, bus);
}

GST_END_TEST;

/* unknown-kid-hold-frames and -bytes bound the hold (oldest out first); EOS drops what
 * is still held; unknown-kid-hold=0 drops at once. */
GST_START_TEST (test_hold_bounds)
{
  const guint64 kid = KID_OF (6, 0);
  GstBuffer **frames = encrypt_stream (kid, 6, 12);
  GstElement *dec = make_dec ();
  Messages m = { 0, };
  GstHarness *h;
  GstBus *bus;
  gsize bytes;
  guint i;

  g_object_set (dec, "unknown-kid-hold-frames", 5, NULL);
  h = harness_keeping (dec, &bus, SFRAME_CAPS);
  for (i = 0; i < 8; i++)
    fail_unless (push_one (h, gst_buffer_ref (frames[i])) == NULL);
  fail_unless_equals_uint64 (stat_u64 (dec, "dropped-unknown-kid"), 3);
  add_key (dec, kid, 6);
  fail_unless_equals_int (gst_harness_push (h, gst_buffer_ref (frames[8])), GST_FLOW_OK);
  fail_unless_equals_int (pull_in_order (h, 3, kid), 6);
  teardown (h, dec, bus);

  /* Bytes: room for frames 2 and 3 only. */
  dec = make_dec ();
  bytes = gst_buffer_get_size (frames[2]) + gst_buffer_get_size (frames[3]);
  g_object_set (dec, "unknown-kid-hold-bytes", (guint64) bytes, NULL);
  h = harness_keeping (dec, &bus, SFRAME_CAPS);
  for (i = 0; i < 4; i++)
    fail_unless (push_one (h, gst_buffer_ref (frames[i])) == NULL);
  fail_unless_equals_uint64 (stat_u64 (dec, "dropped-unknown-kid"), 2);
  add_key (dec, kid, 6);
  fail_unless_equals_int (gst_harness_push (h, gst_buffer_ref (frames[4])), GST_FLOW_OK);
  fail_unless_equals_int (pull_in_order (h, 2, kid), 3);
  teardown (h, dec, bus);

  /* EOS: held frames are dropped and reported. */
  dec = make_dec ();
  h = harness_keeping (dec, &bus, SFRAME_CAPS);
  for (i = 0; i < 3; i++)
    fail_unless (push_one (h, gst_buffer_ref (frames[i])) == NULL);
  fail_unless (gst_harness_push_event (h, gst_event_new_eos ()));
  drain (bus, &m);
  fail_unless_equals_uint64 (stat_u64 (dec, "dropped-unknown-kid"), 3);
  fail_unless_equals_int (count_named (&m, "e2eedec-drop"), 3);
  /* One held, then one timed-out summing the three. */
  fail_unless_equals_int (count_named (&m, "e2ee-unknown-kid"), 2);
  fail_unless_equals_string (gst_structure_get_string (nth_named (&m,
              "e2ee-unknown-kid", 1), "action"), "timed-out");
  fail_unless_equals_uint64 (field_u64 (nth_named (&m, "e2ee-unknown-kid", 1), "count"),
      3);
  messages_clear (&m);
  teardown (h, dec, bus);

  /* No hold. */
  dec = make_dec ();
  g_object_set (dec, "unknown-kid-hold", (guint64) 0, NULL);
  h = harness_keeping (dec, &bus, SFRAME_CAPS);
  fail_unless (push_one (h, gst_buffer_ref (frames[0])) == NULL);
  fail_unless_equals_uint64 (stat_u64 (dec, "held"), 0);
  fail_unless_equals_uint64 (stat_u64 (dec, "dropped-unknown-kid"), 1);
  add_key (dec, kid, 6);
  fail_unless_equals_int (gst_harness_push (h, gst_buffer_ref (frames[1])), GST_FLOW_OK);
  fail_unless_equals_int (pull_in_order (h, 1, kid), 1);
  teardown (h, dec, bus);

  free_stream (frames, 12);
}

GST_END_TEST;

/* ---- Receiver ratchet window, grace period, forward secrecy ------------------- */

GST_START_TEST (test_dec_ratchet_window_and_expiry)
{
  GstE2eeKeyStore *store = gst_e2ee_key_store_new ();
  GstClock *clock = gst_test_clock_new_with_start_time (1000 * GST_SECOND);
  GstElement *enc = frame_enc (KID_OF (2, 0), 2), *dec = make_dec ();
  GstBuffer *step_frames[20][2];
  GstHarness *eh, *dh;
  Messages m = { 0, };
  GstBus *bus;
  GstBuffer *out;
  const GstStructure *s;
  guint64 kid, deadline;
  guint step, i;

  gst_e2ee_key_store_set_clock (store, clock);
  g_object_set (dec, "key-store", store, "key-grace-period", 2 * GST_SECOND,
      "unknown-kid-hold", (guint64) 0, NULL);
  add_key (dec, KID_OF (2, 0), 2);

  /* Two frames at each of 20 ratchet steps. */
  eh = harness_keeping (enc, NULL, MEDIA_CAPS);
  for (step = 0; step < 20; step++) {
    if (step > 0) {
      g_signal_emit_by_name (enc, "ratchet", &kid);
      fail_unless_equals_uint64 (kid, KID_OF (2, step));
    }
    for (i = 0; i < 2; i++)
      step_frames[step][i] = push_one (eh, make_frame (step * 2 + i));
  }
  teardown (eh, enc, NULL);

  dh = harness_keeping (dec, &bus, SFRAME_CAPS);
  out = push_one (dh, gst_buffer_ref (step_frames[0][0]));
  assert_frame (out, 0);
  gst_buffer_unref (out);

  /* 8 steps ahead: the default ratchet-window reaches it. */
  out = push_one (dh, gst_buffer_ref (step_frames[8][0]));
  fail_unless (out != NULL);
  assert_frame (out, 16);
  assert_meta (out, KID_OF (2, 8), 0);
  gst_buffer_unref (out);
  drain (bus, &m);
  s = nth_named (&m, "e2ee-ratchet-advanced", 0);
  fail_unless_equals_uint64 (field_u64 (s, "old-kid"), KID_OF (2, 0));
  fail_unless_equals_uint64 (field_u64 (s, "new-kid"), KID_OF (2, 8));
  s = nth_named (&m, "e2ee-key-retired", 0);
  fail_unless_equals_uint64 (field_u64 (s, "kid"), KID_OF (2, 0));
  fail_unless_equals_uint64 (field_u64 (s, "deadline"), 1002 * GST_SECOND);
  /* Only keys this element used are reported. */
  fail_unless_equals_int (count_named (&m, "e2ee-key-retired"), 1);
  messages_clear (&m);
  fail_unless (gst_e2ee_key_store_get_key_info (store, KID_OF (2, 8), NULL, NULL,
          &deadline));
  fail_unless_equals_uint64 (deadline, GST_CLOCK_TIME_NONE);

  /* Within the grace period the old step and the ones in between still open. */
  gst_test_clock_set_time (GST_TEST_CLOCK (clock), 1001 * GST_SECOND);
  out = push_one (dh, gst_buffer_ref (step_frames[0][1]));
  fail_unless (out != NULL);
  assert_frame (out, 1);
  gst_buffer_unref (out);
  out = push_one (dh, gst_buffer_ref (step_frames[4][0]));
  fail_unless (out != NULL);
  assert_frame (out, 8);
  gst_buffer_unref (out);

  /* Then they are gone, and frames of those steps are unknown. */
  gst_test_clock_set_time (GST_TEST_CLOCK (clock), 1002 * GST_SECOND);
  fail_unless (push_one (dh, gst_buffer_ref (step_frames[4][1])) == NULL);
  for (step = 0; step < 8; step++)
    fail_if (gst_e2ee_key_store_get_key_info (store, KID_OF (2, step), NULL, NULL,
            NULL), "step %u outlived its grace period", step);
  drain (bus, &m);
  fail_unless_equals_int (count_named (&m, "e2ee-key-expired"), 2);
  fail_unless_equals_uint64 (field_u64 (nth_named (&m, "e2ee-key-expired", 0), "kid") +
      field_u64 (nth_named (&m, "e2ee-key-expired", 1), "kid"),
      KID_OF (2, 0) + KID_OF (2, 4));
  fail_unless_equals_string (gst_structure_get_string (nth_named (&m, "e2eedec-drop",
              0), "reason"), "unknown-kid");
  messages_clear (&m);

  /* 9 steps ahead of step 8 is past the window... */
  fail_unless (push_one (dh, gst_buffer_ref (step_frames[17][0])) == NULL);
  fail_unless_equals_uint64 (stat_u64 (dec, "dropped-unknown-kid"), 2);
  /* ... unless the window is widened. */
  g_object_set (dec, "ratchet-window", 9, NULL);
  out = push_one (dh, gst_buffer_ref (step_frames[17][1]));
  fail_unless (out != NULL);
  assert_meta (out, KID_OF (2, 17), 1);
  gst_buffer_unref (out);

  /* retire-key: the application says the sender moved on. */
  fail_unless (gst_e2ee_key_store_get_key_info (store, KID_OF (2, 17), NULL, NULL,
          &deadline));
  fail_unless_equals_uint64 (deadline, GST_CLOCK_TIME_NONE);
  {
    gboolean ok = FALSE;

    g_signal_emit_by_name (dec, "retire-key", KID_OF (2, 17), &ok);
    fail_unless (ok);
  }
  drain (bus, &m);
  /* Step 8, superseded by 17 at 1002 s, then 17 itself. */
  fail_unless_equals_int (count_named (&m, "e2ee-key-retired"), 2);
  s = nth_named (&m, "e2ee-key-retired", 0);
  fail_unless_equals_uint64 (field_u64 (s, "kid"), KID_OF (2, 8));
  s = nth_named (&m, "e2ee-key-retired", 1);
  fail_unless_equals_uint64 (field_u64 (s, "kid"), KID_OF (2, 17));
  fail_unless_equals_uint64 (field_u64 (s, "deadline"), 1004 * GST_SECOND);
  /* A retired key no longer ratchets: step 18 is unknown now. */
  fail_unless (push_one (dh, gst_buffer_ref (step_frames[18][0])) == NULL);
  out = push_one (dh, gst_buffer_ref (step_frames[17][0]));
  fail_unless (out != NULL);
  gst_buffer_unref (out);
  gst_test_clock_set_time (GST_TEST_CLOCK (clock), 1004 * GST_SECOND);
  fail_unless (push_one (dh, gst_buffer_ref (step_frames[17][0])) == NULL);
  fail_unless_equals_uint64 (gst_e2ee_key_store_get_n_keys (store), 0);

  for (step = 0; step < 20; step++)
    for (i = 0; i < 2; i++)
      gst_buffer_unref (step_frames[step][i]);
  messages_clear (&m);
  teardown (dh, dec, bus);
  g_object_unref (store);
  gst_object_unref (clock);
}

GST_END_TEST;

/* ---- The key store shared by a pipeline ------------------------------------------ */

static GstBuffer *
sample_buffer (GstElement * sink)
{
  GstSample *sample = gst_app_sink_try_pull_sample (GST_APP_SINK (sink), hang_guard (10));
  GstBuffer *buf;

  fail_unless (sample != NULL, "no output from %s", GST_ELEMENT_NAME (sink));
  buf = gst_buffer_ref (gst_sample_get_buffer (sample));
  gst_sample_unref (sample);
  return buf;
}

static GstElement *
by_name (GstElement * pipeline, const gchar * name)
{
  GstElement *e = gst_bin_get_by_name (GST_BIN (pipeline), name);

  fail_unless (e != NULL);
  gst_object_unref (e);         /* the pipeline keeps it */
  return e;
}

static GstElement *
two_receivers (void)
{
  GError *error = NULL;
  GstElement *p = gst_parse_launch ("appsrc name=s1 format=time caps=\"" SFRAME_CAPS
      "\" ! e2eedec name=d1 ! appsink name=k1 sync=false async=false  "
      "appsrc name=s2 format=time caps=\"" SFRAME_CAPS
      "\" ! e2eedec name=d2 ! appsink name=k2 sync=false async=false", &error);

  fail_unless (p != NULL, "%s", error ? error->message : "");
  return p;
}

static GstE2eeKeyStore *
store_of (GstElement * el)
{
  GstE2eeKeyStore *store = NULL;

  g_object_get (el, "key-store", &store, NULL);
  fail_unless (store != NULL);
  g_object_unref (store);       /* the element keeps it */
  // cppcheck-suppress deallocret ; a borrowed pointer: the element still holds a reference
  return store;
}

/* Pushes @frame (frame @frame_index) into @src and checks @sink gets it decrypted. */
static void
expect_decrypts (GstElement * pipeline, const gchar * src, const gchar * sink,
    GstBuffer * frame, guint frame_index, guint64 kid)
{
  GstBuffer *out;

  fail_unless_equals_int (gst_app_src_push_buffer (GST_APP_SRC (by_name (pipeline,
                  src)), gst_buffer_ref (frame)), GST_FLOW_OK);
  out = sample_buffer (by_name (pipeline, sink));
  assert_frame (out, frame_index);
  assert_meta (out, kid, frame_index);
  gst_buffer_unref (out);
}

/* Two e2eedec of one pipeline share one store through the gst.e2ee.keystore context:
 * a key added on one (200 senders' worth) decrypts on the other, whether it was added
 * in READY or while playing. */
GST_START_TEST (test_store_shared_by_context)
{
  const guint early = __i__ == 1;
  GstElement *p = two_receivers ();
  GstBuffer **a = encrypt_stream (KID_OF (100, 0), 100, 2);
  GstBuffer **b = encrypt_stream (KID_OF (237, 0), 237, 2);
  GstStructure *stats;
  guint k, n_keys = 0;

  if (early) {
    /* In READY, before any data flows. */
    fail_unless_equals_int (gst_element_set_state (p, GST_STATE_READY),
        GST_STATE_CHANGE_SUCCESS);
    for (k = 0; k < 200; k++)
      add_key (by_name (p, "d1"), KID_OF (100 + k, 0), 100 + k);
  }
  fail_unless (gst_element_set_state (p, GST_STATE_PLAYING) != GST_STATE_CHANGE_FAILURE);
  fail_unless (store_of (by_name (p, "d1")) == store_of (by_name (p, "d2")),
      "the two e2eedec did not share a key store");
  if (!early) {
    for (k = 0; k < 200; k++)
      add_key (by_name (p, "d1"), KID_OF (100 + k, 0), 100 + k);
  }
  fail_unless_equals_int (gst_e2ee_key_store_get_n_keys (store_of (by_name (p, "d2"))),
      200);
  g_object_get (by_name (p, "d2"), "stats", &stats, NULL);
  fail_unless (gst_structure_get_uint (stats, "keys", &n_keys));
  fail_unless_equals_int (n_keys, 200);
  gst_structure_free (stats);

  /* Either receiver decrypts any sender. */
  expect_decrypts (p, "s2", "k2", a[0], 0, KID_OF (100, 0));
  expect_decrypts (p, "s2", "k2", b[0], 0, KID_OF (237, 0));
  expect_decrypts (p, "s1", "k1", b[1], 1, KID_OF (237, 0));
  expect_decrypts (p, "s1", "k1", a[1], 1, KID_OF (100, 0));

  fail_unless_equals_int (gst_element_set_state (p, GST_STATE_NULL),
      GST_STATE_CHANGE_SUCCESS);
  gst_object_unref (p);
  free_stream (a, 2);
  free_stream (b, 2);
}

GST_END_TEST;

static GstBusSyncReply
answer_need_context (GstBus * bus, GstMessage * msg, gpointer store)
{
  const gchar *type;

  if (GST_MESSAGE_TYPE (msg) == GST_MESSAGE_NEED_CONTEXT &&
      gst_message_parse_context_type (msg, &type) &&
      g_strcmp0 (type, GST_E2EE_KEY_STORE_CONTEXT_TYPE) == 0) {
    GstContext *context = gst_e2ee_key_store_context_new (store);

    gst_element_set_context (GST_ELEMENT (GST_MESSAGE_SRC (msg)), context);
    gst_context_unref (context);
  }
  return GST_BUS_PASS;
}

/* The application's own store, given through need-context or the key-store property;
 * a KID is for encryption or for decryption, never both. */
GST_START_TEST (test_store_from_application)
{
  GstE2eeKeyStore *store = gst_e2ee_key_store_new (), *other = gst_e2ee_key_store_new ();
  GstBuffer **remote = encrypt_stream (KID_OF (50, 0), 50, 3);
  guint8 own_key[KEY_SIZE], remote_key[KEY_SIZE];
  GstE2eeSFrameKey *ref;
  GstElement *p, *enc, *dec;
  GstHarness *h;
  GstBuffer *out, *key;
  GError *error = NULL;
  GstBus *bus;
  Messages m = { 0, };
  gboolean ok = TRUE;
  GstContext *context;

  fill_key (&keys, own_key, 60);
  fill_key (&keys, remote_key, 50);
  fail_unless (gst_e2ee_key_store_add_key (store, KID_OF (60, 0),
          GST_E2EE_KEY_USAGE_ENCRYPT, SUITE, own_key, KEY_SIZE, NULL));
  fail_unless (gst_e2ee_key_store_add_key (store, KID_OF (50, 0),
          GST_E2EE_KEY_USAGE_DECRYPT, SUITE, remote_key, KEY_SIZE, NULL));

  /* need-context: the sender takes its key, the receiver its keys, from the store. */
  p = gst_parse_launch ("appsrc name=s1 format=time caps=\"" MEDIA_CAPS "\" ! "
      "e2eeenc name=e key-id=15360 layout=frame ! appsink name=k1 sync=false async=false  "
      "appsrc name=s2 format=time caps=\"" SFRAME_CAPS "\" ! e2eedec name=d ! "
      "appsink name=k2 sync=false async=false", &error);
  fail_unless (p != NULL, "%s", error ? error->message : "");
  bus = gst_pipeline_get_bus (GST_PIPELINE (p));
  gst_bus_set_sync_handler (bus, answer_need_context, store, NULL);
  fail_unless (gst_element_set_state (p, GST_STATE_PLAYING) != GST_STATE_CHANGE_FAILURE);
  fail_unless (store_of (by_name (p, "e")) == store);
  fail_unless (store_of (by_name (p, "d")) == store);
  expect_decrypts (p, "s2", "k2", remote[0], 0, KID_OF (50, 0));
  fail_unless_equals_int (gst_app_src_push_buffer (GST_APP_SRC (by_name (p, "s1")),
          make_frame (0)), GST_FLOW_OK);
  out = sample_buffer (by_name (p, "k1"));
  ref = gst_e2ee_sframe_key_new (SUITE, KID_OF (60, 0), own_key, KEY_SIZE, NULL);
  fail_unless (open_frame (ref, out, 0));
  gst_e2ee_sframe_key_unref (ref);
  gst_buffer_unref (out);

  /* The receiver cannot take a decryption key under the sender's KID... */
  dec = by_name (p, "d");
  key = gst_buffer_new_memdup (own_key, KEY_SIZE);
  g_signal_emit_by_name (dec, "add-key", KID_OF (60, 0), key, &ok);
  fail_if (ok);
  gst_buffer_unref (key);
  fail_unless_equals_int (gst_element_set_state (p, GST_STATE_NULL),
      GST_STATE_CHANGE_SUCCESS);
  gst_bus_set_sync_handler (bus, NULL, NULL, NULL);
  gst_object_unref (bus);
  gst_object_unref (p);

  /* ... and a sender cannot encrypt with a key held for decryption. */
  enc = gst_element_factory_make ("e2eeenc", NULL);
  g_object_set (enc, "key-id", KID_OF (50, 0), "key-store", store, NULL);
  bus = gst_bus_new ();
  gst_element_set_bus (enc, bus);
  fail_unless_equals_int (gst_element_set_state (enc, GST_STATE_PAUSED),
      GST_STATE_CHANGE_FAILURE);
  drain (bus, &m);
  fail_unless_equals_int (m.errors, 1);
  messages_clear (&m);
  gst_element_set_state (enc, GST_STATE_NULL);
  gst_element_set_bus (enc, NULL);
  gst_object_unref (bus);
  gst_object_unref (enc);

  /* key-store property: it wins over a pipeline's context. */
  p = two_receivers ();
  g_object_set (by_name (p, "d1"), "key-store", store, NULL);
  g_object_set (by_name (p, "d2"), "key-store", store, NULL);
  context = gst_e2ee_key_store_context_new (other);
  gst_element_set_context (p, context);
  gst_context_unref (context);
  fail_unless (gst_element_set_state (p, GST_STATE_PLAYING) != GST_STATE_CHANGE_FAILURE);
  fail_unless (store_of (by_name (p, "d1")) == store);
  fail_unless (store_of (by_name (p, "d2")) == store);
  expect_decrypts (p, "s1", "k1", remote[1], 1, KID_OF (50, 0));
  expect_decrypts (p, "s2", "k2", remote[2], 2, KID_OF (50, 0));
  fail_unless_equals_int (gst_element_set_state (p, GST_STATE_NULL),
      GST_STATE_CHANGE_SUCCESS);
  gst_object_unref (p);

  /* A frame whose KID is held only for encryption is never opened with that key. */
  dec = make_dec ();
  g_object_set (dec, "key-store", store, "unknown-kid-hold", (guint64) 0, NULL);
  h = harness_keeping (dec, NULL, SFRAME_CAPS);
  {
    GstBuffer **own = encrypt_stream (KID_OF (60, 0), 60, 1);

    fail_unless (push_one (h, gst_buffer_ref (own[0])) == NULL);
    fail_unless_equals_uint64 (stat_u64 (dec, "dropped-unknown-kid"), 1);
    free_stream (own, 1);
  }
  teardown (h, dec, NULL);

  free_stream (remote, 3);
  g_object_unref (store);
  g_object_unref (other);
}

GST_END_TEST;

/* Receivers in their own streaming threads share one store while senders ratchet and
 * the application adds and removes other senders' keys: every frame decrypts. */

#define N_THREADS 4
#define N_THREAD_FRAMES 1000

typedef struct
{
  GstHarness *h;
  GstBuffer **frames;
  guint64 gen;
  guint decrypted, wrong;
  gint *running;
} Receiver;

static gpointer
receive_all (Receiver * r)
{
  guint i;

  for (i = 0; i < N_THREAD_FRAMES; i++) {
    GstBuffer *out;
    GstE2eeMeta *meta;

    if (gst_harness_push (r->h, gst_buffer_ref (r->frames[i])) != GST_FLOW_OK)
      continue;
    out = gst_harness_try_pull (r->h);
    if (out == NULL)
      continue;
    meta = gst_buffer_get_e2ee_meta (out);
    if (meta && meta->kid == KID_OF (r->gen, i / 100) && meta->ctr == i % 100 &&
        gst_buffer_get_size (out) == frame_size (i) &&
        GST_BUFFER_PTS (out) == i * FRAME_DURATION)
      r->decrypted++;
    else
      r->wrong++;
    gst_buffer_unref (out);
  }
  g_atomic_int_dec_and_test (r->running);
  return NULL;
}

GST_START_TEST (test_store_shared_across_threads)
{
  GstE2eeKeyStore *store = gst_e2ee_key_store_new ();
  Receiver r[N_THREADS];
  GstElement *decs[N_THREADS];
  GThread *threads[N_THREADS];
  guint t, i, round;
  gint running = N_THREADS;
  guint8 key[KEY_SIZE];

  for (t = 0; t < N_THREADS; t++) {
    GstElement *enc = frame_enc (KID_OF (20 + t, 0), 20 + t);
    GstHarness *h = harness_keeping (enc, NULL, MEDIA_CAPS);
    guint64 kid;

    r[t].gen = 20 + t;
    r[t].frames = g_new0 (GstBuffer *, N_THREAD_FRAMES);
    r[t].decrypted = r[t].wrong = 0;
    r[t].running = &running;
    for (i = 0; i < N_THREAD_FRAMES; i++) {
      if (i > 0 && i % 100 == 0)
        g_signal_emit_by_name (enc, "ratchet", &kid);
      r[t].frames[i] = push_one (h, make_frame (i));
    }
    teardown (h, enc, NULL);

    fill_key (&keys, key, 20 + t);
    fail_unless (gst_e2ee_key_store_add_key (store, KID_OF (20 + t, 0),
            GST_E2EE_KEY_USAGE_DECRYPT, SUITE, key, KEY_SIZE, NULL));
    decs[t] = make_dec ();
    g_object_set (decs[t], "key-store", store, NULL);
    r[t].h = harness_keeping (decs[t], NULL, SFRAME_CAPS);
  }

  for (t = 0; t < N_THREADS; t++)
    threads[t] = g_thread_new ("receiver", (GThreadFunc) receive_all, &r[t]);
  /* Meanwhile other senders come and go, for as long as the receivers run. */
  for (round = 0; round < 5 || g_atomic_int_get (&running) > 0; round++) {
    for (i = 0; i < 50; i++) {
      fill_key (&keys, key, 100 + i);
      fail_unless (gst_e2ee_key_store_add_key (store, KID_OF (100 + i, 0),
              GST_E2EE_KEY_USAGE_DECRYPT, SUITE, key, KEY_SIZE, NULL));
    }
    for (i = 0; i < 50; i++)
      fail_unless (gst_e2ee_key_store_remove_key (store, KID_OF (100 + i, 0),
              GST_E2EE_KEY_USAGE_DECRYPT));
    gst_e2ee_key_store_expire (store, GST_CLOCK_TIME_NONE);
  }
  for (t = 0; t < N_THREADS; t++)
    g_thread_join (threads[t]);

  for (t = 0; t < N_THREADS; t++) {
    fail_unless_equals_int (r[t].wrong, 0);
    fail_unless_equals_int (r[t].decrypted, N_THREAD_FRAMES);
    fail_unless_equals_uint64 (stat_u64 (decs[t], "dropped"), 0);
    teardown (r[t].h, decs[t], NULL);
    free_stream (r[t].frames, N_THREAD_FRAMES);
  }
  /* Each sender's current step, and the steps before it within their grace period. */
  for (t = 0; t < N_THREADS; t++) {
    GstClockTime deadline = 0;

    fail_unless (gst_e2ee_key_store_get_key_info (store, KID_OF (20 + t, 9), NULL, NULL,
            &deadline));
    fail_unless_equals_uint64 (deadline, GST_CLOCK_TIME_NONE);
  }
  g_object_unref (store);
}

GST_END_TEST;

/* ---- No key material in logs, messages, stats, caps or graph dumps -------------- */

/* Whether @log holds any 8 consecutive bytes of @secret, in the ways a log would spell
 * them: hex in either case, bare or separated by spaces (memory dumps) or colons. */
static gboolean
log_has_secret (const gchar * log, const guint8 * secret, gsize len)
{
  static const gchar separators[] = { 0, ' ', ':' };
  gsize off, i;
  guint sep, upper;

  for (off = 0; off + 8 <= len; off++) {
    for (sep = 0; sep < G_N_ELEMENTS (separators); sep++) {
      for (upper = 0; upper < 2; upper++) {
        GString *needle = g_string_new (NULL);
        gboolean found;

        for (i = 0; i < 8; i++) {
          if (i > 0 && separators[sep])
            g_string_append_c (needle, separators[sep]);
          if (upper)
            g_string_append_printf (needle, "%02X", secret[off + i]);
          else
            g_string_append_printf (needle, "%02x", secret[off + i]);
        }
        found = strstr (log, needle->str) != NULL;
        g_string_free (needle, TRUE);
        if (found)
          return TRUE;
      }
    }
  }
  return FALSE;
}

typedef struct
{
  GPtrArray *secrets;           /* GBytes */
} Secrets;

static void
add_secret (Secrets * s, const guint8 * data, gsize len)
{
  g_ptr_array_add (s->secrets, g_bytes_new (data, len));
}

/* Every secret the key schedule makes from @base for @kid. */
static void
add_derived_secrets (Secrets * s, guint64 kid, const guint8 * base, gsize base_len)
{
  guint8 secret[64], key[32], salt[12];

  add_secret (s, base, base_len);
  fail_unless (gst_e2ee_sframe_derive (SUITE, kid, base, base_len, secret, key, salt,
          NULL));
  add_secret (s, secret, 64);
  add_secret (s, key, 32);
  add_secret (s, salt, 12);
}

static void
collect_generated (GstElement * enc, guint64 kid, GstBuffer * key, Secrets * s)
{
  GstMapInfo map;

  fail_unless (gst_buffer_map (key, &map, GST_MAP_READ));
  add_derived_secrets (s, kid, map.data, map.size);
  gst_buffer_unmap (key, &map);
}

static void
append_messages (GString * text, GstBus * bus)
{
  GstMessage *msg;

  while ((msg = gst_bus_pop (bus))) {
    const GstStructure *s = gst_message_get_structure (msg);

    if (s) {
      gchar *str = gst_structure_to_string (s);
      g_string_append (text, str);
      g_free (str);
    }
    gst_message_unref (msg);
  }
}

static void
append_stats (GString * text, GstElement * el)
{
  GstStructure *s;
  gchar *str;

  g_object_get (el, "stats", &s, NULL);
  str = gst_structure_to_string (s);
  g_string_append (text, str);
  g_free (str);
  gst_structure_free (s);
}

GST_START_TEST (test_no_key_material_leaks)
{
  Secrets secrets = { g_ptr_array_new_with_free_func ((GDestroyNotify) g_bytes_unref) };
  guint8 k1[KEY_SIZE], k2[KEY_SIZE], next[64], canary[KEY_SIZE];
  GstDebugLevel saved = gst_debug_get_default_threshold ();
  GstDebugColorMode saved_color = gst_debug_get_color_mode ();
  gboolean was_active = gst_debug_is_active ();
  gchar *log = NULL, *log_path = NULL;
  gint log_fd, saved_stderr;
  gsize log_len = 0;
  GstElement *enc, *dec, *p;
  GstHarness *eh, *dh;
  GstBus *ebus, *dbus;
  GString *text = g_string_new (NULL);
  GstBuffer *key, *out;
  GstCaps *caps;
  gchar *str, *hex;
  guint64 kid;
  gboolean ok = FALSE;
  guint i, j;

  fail_unless (RAND_bytes (k1, KEY_SIZE) == 1 && RAND_bytes (k2, KEY_SIZE) == 1 &&
      RAND_bytes (canary, KEY_SIZE) == 1);
  add_derived_secrets (&secrets, 1, k1, KEY_SIZE);
  add_derived_secrets (&secrets, KID_OF (3, 0), k2, KEY_SIZE);
  fail_unless (gst_e2ee_ratchet_base_key (SUITE, k2, KEY_SIZE, next, sizeof (next),
          NULL));
  add_derived_secrets (&secrets, KID_OF (3, 1), next, 64);

  /* GST_DEBUG=*:9, as a user would run it: the default log function's output (on
   * stderr, here a file). */
  log_fd = g_file_open_tmp ("e2eekeys-XXXXXX.log", &log_path, NULL);
  fail_unless (log_fd >= 0);
  fflush (stderr);
  saved_stderr = dup (2);
  fail_unless (saved_stderr >= 0 && dup2 (log_fd, 2) == 2);
  gst_debug_set_color_mode (GST_DEBUG_COLOR_MODE_OFF);
  gst_debug_set_active (TRUE);
  gst_debug_set_default_threshold (GST_LEVEL_MEMDUMP);
  gst_debug_set_threshold_for_name ("*", GST_LEVEL_MEMDUMP);

  /* Canaries, so that the search below is known to find secrets however a log
   * prints them: as hex, and in a memory dump. */
  hex = to_hex (canary, KEY_SIZE);
  GST_INFO ("canary %s", hex);
  g_free (hex);
  GST_MEMDUMP ("canary", canary + 16, 16);

  /* A sender given a key, rotating, ratcheting and generating; a receiver given the
   * keys through the property and add-key. */
  enc = gst_element_factory_make ("e2eeenc", NULL);
  key = gst_buffer_new_memdup (k1, KEY_SIZE);
  g_object_set (enc, "key-id", (guint64) 1, "key", key, NULL);
  gst_util_set_object_arg (G_OBJECT (enc), "layout", "frame");
  gst_buffer_unref (key);
  g_signal_connect (enc, "key-generated", G_CALLBACK (collect_generated), &secrets);
  dec = make_dec ();
  key = gst_buffer_new_memdup (k1, KEY_SIZE);
  g_object_set (dec, "key-id", (guint64) 1, "key", key, NULL);
  gst_buffer_unref (key);
  eh = harness_keeping (enc, &ebus, MEDIA_CAPS);
  dh = harness_keeping (dec, &dbus, SFRAME_CAPS);

  for (i = 0; i < 12; i++) {
    if (i == 3) {
      key = gst_buffer_new_memdup (k2, KEY_SIZE);
      g_signal_emit_by_name (enc, "rotate", KID_OF (3, 0), key, &ok);
      fail_unless (ok);
      g_signal_emit_by_name (dec, "add-key", KID_OF (3, 0), key, &ok);
      fail_unless (ok);
      gst_buffer_unref (key);
    } else if (i == 6) {
      g_signal_emit_by_name (enc, "ratchet", &kid);
      fail_unless_equals_uint64 (kid, KID_OF (3, 1));
    } else if (i == 9) {
      g_signal_emit_by_name (enc, "generate-key", &kid);
      fail_unless_equals_uint64 (kid, KID_OF (4, 0));
    }
    out = push_one (eh, make_frame (i));
    fail_unless (out != NULL);
    if (i == 9) {
      /* The generated key reaches the receiver as the application passes it on. */
      GBytes *gen = g_ptr_array_index (secrets.secrets, secrets.secrets->len - 4);
      key = gst_buffer_new_memdup (g_bytes_get_data (gen, NULL), g_bytes_get_size (gen));
      g_signal_emit_by_name (dec, "add-key", KID_OF (4, 0), key, &ok);
      fail_unless (ok);
      gst_buffer_unref (key);
    }
    out = push_one (dh, out);
    fail_unless (out != NULL, "frame %u", i);
    assert_frame (out, i);
    gst_buffer_unref (out);
  }
  fail_unless_equals_int (secrets.secrets->len, 16);

  /* Everything an application or a user can look at. */
  append_messages (text, ebus);
  append_messages (text, dbus);
  append_stats (text, enc);
  append_stats (text, dec);
  caps = gst_pad_get_current_caps (GST_BASE_TRANSFORM_SRC_PAD (enc));
  str = gst_caps_to_string (caps);
  g_string_append (text, str);
  g_free (str);
  gst_caps_unref (caps);
  teardown (eh, enc, ebus);
  teardown (dh, dec, dbus);

  p = gst_parse_launch ("fakesrc ! e2eeenc name=e ! e2eedec name=d ! fakesink", NULL);
  fail_unless (p != NULL);
  key = gst_buffer_new_memdup (k1, KEY_SIZE);
  g_object_set (by_name (p, "e"), "key-id", (guint64) 1, "key", key, NULL);
  g_object_set (by_name (p, "d"), "key-id", (guint64) 1, "key", key, NULL);
  gst_buffer_unref (key);
  fail_unless_equals_int (gst_element_set_state (p, GST_STATE_READY),
      GST_STATE_CHANGE_SUCCESS);
  str = gst_debug_bin_to_dot_data (GST_BIN (p), GST_DEBUG_GRAPH_SHOW_ALL);
  g_string_append (text, str);
  g_free (str);
  gst_element_set_state (p, GST_STATE_NULL);
  gst_object_unref (p);

  gst_debug_unset_threshold_for_name ("*");
  gst_debug_set_default_threshold (saved);
  gst_debug_set_active (was_active);
  gst_debug_set_color_mode (saved_color);
  fflush (stderr);
  fail_unless (dup2 (saved_stderr, 2) == 2);
  close (saved_stderr);
  close (log_fd);
  fail_unless (g_file_get_contents (log_path, &log, &log_len, NULL));
  g_unlink (log_path);
  g_free (log_path);

  fail_unless (log_has_secret (log, canary, 16), "the hex canary is not in the log");
  fail_unless (log_has_secret (log, canary + 16, 16), "the dumped canary is not in the log");

  /* The run did log, about the elements' keys by KID. */
  fail_unless (log_len > 100000, "only %" G_GSIZE_FORMAT " bytes of log", log_len);
  fail_unless (strstr (log, "e2eedec") != NULL && strstr (log, "KID") != NULL);
  fail_unless (strstr (text->str, "e2eeenc") != NULL);
  for (j = 0; j < secrets.secrets->len; j++) {
    GBytes *b = g_ptr_array_index (secrets.secrets, j);
    gsize len;
    const guint8 *data = g_bytes_get_data (b, &len);

    fail_if (log_has_secret (log, data, len),
        "secret %u is in the debug log", j);
    fail_if (log_has_secret (text->str, data, len),
        "secret %u is in a message, stats, caps or graph dump", j);
  }

  g_free (log);
  g_string_free (text, TRUE);
  g_ptr_array_unref (secrets.secrets);
}

GST_END_TEST;

/* gst-check fails a test on criticals and warnings in GLib's and GStreamer's log
 * domains only; the library and the plugin log in their own. */
/* ---- Per-KID state stays bounded ------------------------------------------ */

static guint
n_kid_stats (GstElement * el)
{
  GstStructure *s = NULL;
  guint n;

  g_object_get (el, "stats", &s, NULL);
  fail_unless (s != NULL);
  n = gst_value_array_get_size (gst_structure_get_value (s, "kids"));
  gst_structure_free (s);
  return n;
}

/* Whether the `kids` array of @el's stats has an entry for @kid. */
static gboolean
has_kid_stats (GstElement * el, guint64 kid)
{
  GstStructure *s = NULL;
  const GValue *kids;
  gboolean found = FALSE;
  guint i;

  g_object_get (el, "stats", &s, NULL);
  kids = gst_structure_get_value (s, "kids");
  for (i = 0; i < gst_value_array_get_size (kids); i++)
    found |= field_u64 (gst_value_get_structure (gst_value_array_get_value (kids, i)),
        "kid") == kid;
  gst_structure_free (s);
  return found;
}

static void
hand_over_key (GstElement * enc, guint64 kid, GstBuffer * key, GstElement * dec)
{
  gboolean ok = FALSE;

  g_signal_emit_by_name (dec, "add-key", kid, key, &ok);
  fail_unless (ok);
}

/* 300 generated keys, then 200 ratchet steps: e2eeenc keeps `kid-stats` for its last
 * 8 KIDs, e2eedec for the KIDs whose keys are still in its store (retired ones go
 * when their grace period is over), the totals count everything, and e2eeenc still
 * refuses a second key for any KID it generated or ratcheted to. */
GST_START_TEST (test_per_kid_state_bounded)
{
  GstClock *clock = gst_test_clock_new_with_start_time (1000 * GST_SECOND);
  GstE2eeKeyStore *store = gst_e2ee_key_store_new ();
  GstElement *enc = frame_enc (KID_OF (1, 0), 1), *dec = make_dec ();
  GstHarness *eh, *dh;
  GstBuffer *out, *key;
  guint64 kid = KID_OF (1, 0), prev;
  guint i, frame = 0, max_dec = 0;
  gboolean ok;

  gst_e2ee_key_store_set_clock (store, clock);
  g_object_set (dec, "key-store", store, "key-grace-period", 2 * GST_SECOND, NULL);
  add_key (dec, KID_OF (1, 0), 1);
  g_signal_connect (enc, "key-generated", G_CALLBACK (hand_over_key), dec);
  eh = harness_keeping (enc, NULL, MEDIA_CAPS);
  dh = harness_keeping (dec, NULL, SFRAME_CAPS);

  for (i = 0; i < 500; i++) {
    prev = kid;
    if (i < 300) {
      g_signal_emit_by_name (enc, "generate-key", &kid);
      fail_unless_equals_uint64 (kid, KID_OF (i + 2, 0));
      /* The application retires the old key, as a meeting would. */
      g_signal_emit_by_name (dec, "retire-key", prev, &ok);
      fail_unless (ok);
    } else {
      /* The receiver follows the ratchet by itself. */
      g_signal_emit_by_name (enc, "ratchet", &kid);
      fail_unless_equals_uint64 (kid, KID_OF (301, i - 299));
    }
    out = push_one (eh, make_frame (frame));
    out = push_one (dh, out);
    fail_unless (out != NULL, "frame %u not decrypted", frame);
    assert_frame (out, frame);
    gst_buffer_unref (out);
    frame++;
    /* One key change a second of store time, with a 2 s grace period. */
    gst_test_clock_set_time (GST_TEST_CLOCK (clock), (1001 + i) * GST_SECOND);
    fail_unless (n_kid_stats (enc) <= 8, "e2eeenc: %u kid-stats", n_kid_stats (enc));
    max_dec = MAX (max_dec, n_kid_stats (dec));
  }
  fail_unless (max_dec <= 4, "e2eedec kept %u kid-stats", max_dec);
  fail_unless (has_kid_stats (dec, kid));
  fail_unless (has_kid_stats (enc, kid));
  fail_unless_equals_uint64 (stat_u64 (enc, "frames"), 500);
  fail_unless_equals_uint64 (stat_u64 (dec, "frames"), 500);
  fail_unless (gst_e2ee_key_store_get_n_keys (store) <= 4);

  /* Long forgotten in the stats, never forgotten for reuse: generated KIDs, the
   * steps of a generation left behind, and the ratchet steps taken. */
  key = key_buffer (&keys, 7);
  for (i = 0; i < 5; i++) {
    static const guint64 taken[] = { KID_OF (2, 0), KID_OF (150, 0), KID_OF (150, 3),
      KID_OF (301, 0), KID_OF (301, 150)
    };
    ok = TRUE;
    g_signal_emit_by_name (enc, "rotate", taken[i], key, &ok);
    fail_if (ok, "KID %" G_GUINT64_FORMAT " took a second key", taken[i]);
  }
  /* A KID never used is free. */
  g_signal_emit_by_name (enc, "rotate", KID_OF (400, 0), key, &ok);
  fail_unless (ok);
  gst_buffer_unref (key);

  teardown (eh, enc, NULL);
  teardown (dh, dec, NULL);
  gst_object_unref (store);
  gst_object_unref (clock);
}

GST_END_TEST;

/* Frames whose header names KIDs (known generations' ratchet steps, or KIDs with no
 * key), or whose tag is wrong, are dropped and counted in the totals, and leave no
 * per-KID state: a peer cannot grow e2eedec's memory by making up headers. */
GST_START_TEST (test_forged_kids_leave_no_state)
{
  GstElement *dec = make_dec ();
  GstElement *forger = frame_enc (KID_OF (5, 0), 99);
  GstElement *enc = frame_enc (KID_OF (5, 0), 5);
  GstHarness *eh, *fh, *dh;
  GstBuffer *out, *good;
  guint64 kid;
  guint i;

  g_object_set (dec, "unknown-kid-hold", (guint64) 0, NULL);
  add_key (dec, KID_OF (5, 0), 5);
  eh = harness_keeping (enc, NULL, MEDIA_CAPS);
  fh = harness_keeping (forger, NULL, MEDIA_CAPS);
  dh = harness_keeping (dec, NULL, SFRAME_CAPS);

  good = push_one (eh, make_frame (0));
  out = push_one (dh, gst_buffer_ref (good));
  fail_unless (out != NULL);
  gst_buffer_unref (out);
  fail_unless_equals_int (n_kid_stats (dec), 1);

  /* Another key at each of the next ratchet steps: e2eedec derives a key for each
   * (they are within ratchet-window) and the tag fails. */
  for (i = 1; i <= 6; i++) {
    g_signal_emit_by_name (forger, "ratchet", &kid);
    fail_unless_equals_uint64 (kid, KID_OF (5, i));
    out = push_one (dh, push_one (fh, make_frame (i)));
    fail_unless (out == NULL);
  }
  /* KIDs with no key at all, dropped at once (no hold). */
  for (i = 0; i < 100; i++) {
    GstBuffer *k = key_buffer (&keys, 200 + i);
    gboolean ok = FALSE;

    g_signal_emit_by_name (forger, "rotate", KID_OF (1000 + i, 0), k, &ok);
    fail_unless (ok);
    gst_buffer_unref (k);
    out = push_one (dh, push_one (fh, make_frame (i)));
    fail_unless (out == NULL);
  }
  /* A bad tag under the known KID counts there. */
  out = push_one (eh, make_frame (8));
  fail_unless (push_one (dh, tamper (out)) == NULL);
  gst_buffer_unref (out);

  fail_unless_equals_uint64 (stat_u64 (dec, "dropped-authentication"), 7);
  fail_unless_equals_uint64 (stat_u64 (dec, "dropped-unknown-kid"), 100);
  fail_unless_equals_int (n_kid_stats (dec), 1);
  fail_unless (has_kid_stats (dec, KID_OF (5, 0)));

  /* The genuine sender's next step still decrypts, from its first counter: nothing
   * the forged step-1 frame did is in its way. */
  g_signal_emit_by_name (enc, "ratchet", &kid);
  out = push_one (dh, push_one (eh, make_frame (7)));
  fail_unless (out != NULL);
  assert_meta (out, KID_OF (5, 1), 0);
  gst_buffer_unref (out);
  fail_unless_equals_int (n_kid_stats (dec), 2);

  gst_buffer_unref (good);
  teardown (eh, enc, NULL);
  teardown (fh, forger, NULL);
  teardown (dh, dec, NULL);
}

GST_END_TEST;

static void
fail_on_critical (const gchar * domain, GLogLevelFlags level, const gchar * message,
    gpointer user_data)
{
  fail ("unexpected critical/warning in %s: %s", domain, message);
}

static Suite *
e2eekeys_suite (void)
{
  Suite *s = suite_create ("e2eekeys");
  TCase *tc = tcase_create ("general");

  g_log_set_handler ("GStreamer-E2EE", G_LOG_LEVEL_CRITICAL | G_LOG_LEVEL_WARNING,
      fail_on_critical, NULL);

  suite_add_tcase (s, tc);
  tcase_add_test (tc, test_defaults);
  tcase_add_test (tc, test_rotate_ratchet_lossy_network);
  tcase_add_loop_test (tc, test_ratchet_matches_openssl, 0, G_N_ELEMENTS (suite_sizes));
  tcase_add_loop_test (tc, test_rotation_interval, 0, 2);
  tcase_add_test (tc, test_generate_key);
  tcase_add_test (tc, test_enc_kid_never_reused);
  tcase_add_test (tc, test_counter_limits);
  tcase_add_loop_test (tc, test_keyframe_on_rotate, 0, 2);
  tcase_add_test (tc, test_dec_keyframe_after_gap);
  tcase_add_test (tc, test_late_joiner);
  tcase_add_test (tc, test_hold_timeout);
  tcase_add_test (tc, test_hold_bounds);
  tcase_add_test (tc, test_dec_ratchet_window_and_expiry);
  tcase_add_test (tc, test_per_kid_state_bounded);
  tcase_add_test (tc, test_forged_kids_leave_no_state);
  tcase_add_loop_test (tc, test_store_shared_by_context, 0, 2);
  tcase_add_test (tc, test_store_from_application);
  tcase_add_test (tc, test_store_shared_across_threads);
  tcase_add_test (tc, test_no_key_material_leaks);
  return s;
}

GST_CHECK_MAIN (e2eekeys);
