/*
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Helpers the gst-check tests share, so that a fix to one (a clearer failure, a leak)
 * reaches every test that uses it. Only logic that is really the same lives here:
 * where tests differ on purpose (each file's key bytes, how an element is set up) the
 * difference is an argument, or the helper stays in its test.
 *
 * Everything is static inline: each test is one executable built from one .c file,
 * and a test that does not use a helper does not get a warning for it.
 */
#ifndef GST_E2EE_CHECK_E2EECHECK_H
#define GST_E2EE_CHECK_E2EECHECK_H

#include <gst/check/gstcheck.h>
#include <gst/check/gstharness.h>
#include <gst/e2ee/e2ee.h>
#include <string.h>

#define KEY_SIZE 32

/* ---- Caps ---------------------------------------------------------------- */

/* Media the harness tests feed, and the SFrame caps e2eeenc must make of them,
 * written out here rather than taken from the element. */
#define H264_CAPS "video/x-h264, stream-format=(string)avc, alignment=(string)au, " \
  "width=(int)320, height=(int)240, framerate=(fraction)30/1, profile=(string)high, " \
  "codec_data=(buffer)0164001fffe1001867640028acd940780227e5c05a808080a0000003002000000781e30632c001000568ebecb22c"
#define H264_SFRAME_CAPS "application/x-sframe, original-media-type=(string)video/x-h264, " \
  "stream-format=(string)avc, alignment=(string)au, " \
  "width=(int)320, height=(int)240, framerate=(fraction)30/1, profile=(string)high, " \
  "codec_data=(buffer)0164001fffe1001867640028acd940780227e5c05a808080a0000003002000000781e30632c001000568ebecb22c"
#define OPUS_CAPS "audio/x-opus, channel-mapping-family=(int)0, rate=(int)48000, channels=(int)2"
#define OPUS_SFRAME_CAPS "application/x-sframe, original-media-type=(string)audio/x-opus, " \
  "channel-mapping-family=(int)0, rate=(int)48000, channels=(int)2"
/* Opus in RTP, as rtpopuspay sends it. */
#define OPUS_RTP_CAPS "application/x-rtp, media=(string)audio, clock-rate=(int)48000, " \
  "encoding-name=(string)OPUS, payload=(int)111"

/* ---- Cipher suites ------------------------------------------------------- */

/* Every SFrame cipher suite the library implements (RFC 9605 §4.5), for the tests
 * that must hold for each of them. */
static const GstE2eeCipherSuite all_suites[] = {
  GST_E2EE_CIPHER_SUITE_AES_128_CTR_HMAC_SHA256_80,
  GST_E2EE_CIPHER_SUITE_AES_128_CTR_HMAC_SHA256_64,
  GST_E2EE_CIPHER_SUITE_AES_128_CTR_HMAC_SHA256_32,
  GST_E2EE_CIPHER_SUITE_AES_128_GCM_SHA256_128,
  GST_E2EE_CIPHER_SUITE_AES_256_GCM_SHA512_128,
};

/* ---- Keys ---------------------------------------------------------------- */

/* Test keys are computed from a small seed, never stored: byte i of the key of seed
 * s is (s * seed_mul + i * index_mul + add) mod 256. Each test file has its own
 * recipe and passes it to every call, so that the keys (and any expectation written
 * against them) stay exactly what they were when the file had its own copy. */
typedef struct
{
  guint seed_mul, index_mul, add;
} KeyRecipe;

static inline void
fill_key (const KeyRecipe * r, guint8 * key, guint seed)
{
  guint i;

  for (i = 0; i < KEY_SIZE; i++)
    key[i] = (guint8) (seed * r->seed_mul + i * r->index_mul + r->add);
}

/* The key of @seed as the elements' `key` property and signals take it. */
static inline GstBuffer *
key_buffer (const KeyRecipe * r, guint seed)
{
  guint8 key[KEY_SIZE];

  fill_key (r, key, seed);
  return gst_buffer_new_memdup (key, KEY_SIZE);
}

/* The same key through the library API: what an element's output is compared with. */
static inline GstE2eeSFrameKey *
reference_key (const KeyRecipe * r, GstE2eeCipherSuite suite, guint64 kid, guint seed)
{
  guint8 key[KEY_SIZE];
  GError *err = NULL;
  GstE2eeSFrameKey *k;

  fill_key (r, key, seed);
  k = gst_e2ee_sframe_key_new (suite, kid, key, KEY_SIZE, &err);
  fail_unless (k != NULL, "reference key: %s", err ? err->message : "?");
  return k;
}

/* Adds the key of @seed to @store, for encryption with @suite under @kid. */
static inline void
store_add_enc_key (const KeyRecipe * r, GstE2eeKeyStore * store, GstE2eeCipherSuite suite,
    guint64 kid, guint seed)
{
  guint8 key[KEY_SIZE];
  GError *err = NULL;

  fill_key (r, key, seed);
  fail_unless (gst_e2ee_key_store_add_key (store, kid, GST_E2EE_KEY_USAGE_ENCRYPT, suite,
          key, KEY_SIZE, &err), "add-key: %s", err ? err->message : "?");
}

/* ---- Elements and harnesses ---------------------------------------------- */

/* An e2eeenc holding the key of @seed under @kid, everything else at its default. */
static inline GstElement *
enc_with_key (const KeyRecipe * r, guint64 kid, guint seed)
{
  GstElement *enc = gst_element_factory_make ("e2eeenc", NULL);
  GstBuffer *key = key_buffer (r, seed);

  fail_unless (enc != NULL, "e2eeenc not found: is GST_PLUGIN_PATH set?");
  g_object_set (enc, "key-id", kid, "key", key, NULL);
  gst_buffer_unref (key);
  return enc;
}

/* An e2eeenc with @suite and the key of @seed under @kid, making whole-frame SFrame
 * frames (layout=frame), which the library's own encryption gives byte for byte. */
static inline GstElement *
make_enc (const KeyRecipe * r, GstE2eeCipherSuite suite, guint64 kid, guint seed)
{
  GstElement *enc = gst_element_factory_make ("e2eeenc", NULL);
  GstBuffer *key = key_buffer (r, seed);

  fail_unless (enc != NULL, "e2eeenc not found: is GST_PLUGIN_PATH set?");
  g_object_set (enc, "cipher-suite", suite, "key-id", kid, "key", key, NULL);
  gst_util_set_object_arg (G_OBJECT (enc), "layout", "frame");
  gst_buffer_unref (key);
  return enc;
}

/* Wraps @el (taking it) in a harness, with @caps (if any) on its input; with @bus,
 * the element posts its messages there for the test to read. The harness sets the
 * element PLAYING at once: configure it before. */
static inline GstHarness *
harness_for (GstElement * el, GstBus ** bus, const gchar * caps)
{
  GstHarness *h;

  if (bus) {
    *bus = gst_bus_new ();
    gst_element_set_bus (el, *bus);
  }
  h = gst_harness_new_with_element (el, "sink", "src");
  gst_object_unref (el);        /* the harness holds it */
  if (caps)
    gst_harness_set_src_caps_str (h, caps);
  return h;
}

/* The elements work in the pushing thread: by the time a push returns, the output is
 * there. Failing at once beats gst_harness_pull()'s minute-long wait. */
static inline GstBuffer *
pull_now (GstHarness * h)
{
  GstBuffer *buf = gst_harness_try_pull (h);

  fail_unless (buf != NULL, "no output buffer");
  return buf;
}

/* gst_harness_push_and_pull() that fails at once when the push does. */
static inline GstBuffer *
push_pull (GstHarness * h, GstBuffer * buf)
{
  fail_unless_equals_int (gst_harness_push (h, buf), GST_FLOW_OK);
  return pull_now (h);
}

/* ---- Bytes --------------------------------------------------------------- */

/* A copy of @buf's bytes, read through a map (which, as any map, joins the memories
 * of a writable buffer of several). */
static inline GBytes *
buffer_bytes (GstBuffer * buf)
{
  GstMapInfo map;
  GBytes *b;

  fail_unless (gst_buffer_map (buf, &map, GST_MAP_READ));
  b = g_bytes_new (map.data, map.size);
  gst_buffer_unmap (buf, &map);
  return b;
}

/* The whole-frame SFrame frame @ref makes of @plain at its next counter, through the
 * library rather than the elements; @ctr_used (optional) gets that counter. */
static inline GBytes *
reference_encrypt (GstE2eeSFrameKey * ref, GBytes * plain, guint64 * ctr_used)
{
  gsize size = g_bytes_get_size (plain), len = 0;
  gsize cap = gst_e2ee_sframe_key_get_max_encrypted_size (ref, size);
  guint8 *out = g_malloc (cap);
  GError *err = NULL;
  gboolean ok;

  ok = gst_e2ee_sframe_key_encrypt (ref, NULL, 0, g_bytes_get_data (plain, NULL), size,
      out, cap, &len, ctr_used, &err);
  fail_unless (ok, "reference encryption: %s", err ? err->message : "?");
  return g_bytes_new_take (out, len);
}

/* @buf holds exactly @want: the same size, then the same bytes. Reads without
 * mapping, so that the buffer is left as it was. */
static inline void
assert_buffer_bytes (GstBuffer * buf, GBytes * want, const gchar * what)
{
  gsize size = gst_buffer_get_size (buf);

  fail_unless_equals_uint64 (size, g_bytes_get_size (want));
  fail_unless (size == 0 || gst_buffer_memcmp (buf, 0, g_bytes_get_data (want, NULL),
          size) == 0, "%s: bytes differ", what);
}

/* Deterministic bytes that differ with @seed (a frame's or packet's index): content
 * no encoder would make, and easy to tell apart from its neighbours. */
static inline void
fill_bytes (guint8 * p, gsize n, guint32 seed)
{
  guint32 x = 0x9e3779b9u * (seed + 1);
  gsize i;

  for (i = 0; i < n; i++) {
    x = x * 1664525u + 1013904223u;
    p[i] = x >> 24;
  }
}

/* ---- Stats and messages -------------------------------------------------- */

/* A guint64 field the structure must have (stats, bus messages). */
static inline guint64
get_u64 (const GstStructure * s, const gchar * field)
{
  guint64 v = G_MAXUINT64;

  fail_unless (gst_structure_get_uint64 (s, field, &v), "%s: no guint64 field '%s' in %"
      GST_PTR_FORMAT, gst_structure_get_name (s), field, s);
  return v;
}

/* @s has exactly @fields (NULL-terminated): a field added or dropped is an API change
 * the test must notice. */
static inline void
assert_fields (const GstStructure * s, const gchar * const *fields)
{
  guint i, n = g_strv_length ((gchar **) fields);

  for (i = 0; i < n; i++)
    fail_unless (gst_structure_has_field (s, fields[i]), "%" GST_PTR_FORMAT
        " lacks field '%s'", s, fields[i]);
  fail_unless_equals_int (gst_structure_n_fields (s), n);
}

/* ---- Plaintext windows --------------------------------------------------- */

/* The pipeline tests look for plaintext on the wire as 16-byte windows: every
 * window of what crossed goes into a set, and no window of the plaintext may be
 * found in it. Sixteen bytes of a compressed frame do not recur by chance. */
#define WINDOW 16

static inline guint
window_hash (gconstpointer p)
{
  const guint8 *b = p;
  guint h = 2166136261u, i;

  for (i = 0; i < WINDOW; i++)
    h = (h ^ b[i]) * 16777619u;
  return h;
}

static inline gboolean
window_equal (gconstpointer a, gconstpointer b)
{
  return memcmp (a, b, WINDOW) == 0;
}

/* A set of windows, keyed by their bytes; it points into the data added, which must
 * outlive it. */
static inline GHashTable *
window_set_new (void)
{
  return g_hash_table_new (window_hash, window_equal);
}

/* Adds every window of @data[@start, @end). */
static inline void
add_windows (GHashTable * set, const guint8 * data, gsize start, gsize end)
{
  gsize i;

  for (i = start; i + WINDOW <= end; i++)
    g_hash_table_add (set, (gpointer) (data + i));
}

#endif /* GST_E2EE_CHECK_E2EECHECK_H */
