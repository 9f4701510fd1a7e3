/* gst-e2ee: the SFrame codec against every RFC 9605 test vector, and against the
 * malformed and forged frames a receiver must refuse.
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <gst/check/gstcheck.h>
#include <gst/e2ee/e2ee.h>
#include <gst/e2ee/gste2eesframe-private.h>
#include <json-glib/json-glib.h>
#include <openssl/kdf.h>
#include <string.h>

/* RFC 9605 [TestVectors]: sframe-wg/sframe test-vectors/test-vectors.json at 025d568a. */
#define VECTORS_FILE "rfc9605-test-vectors.json"
#define VECTORS_SHA256 "b8d35efd41749567427cb9ae52d9a7362904154978ff6a5fb20c0258a8ffdec1"
#define N_HEADER 289
#define N_CTR_HMAC 3
#define N_SFRAME 5

#define LABEL_KEY "SFrame 1.0 Secret key "
#define LABEL_SALT "SFrame 1.0 Secret salt "

typedef struct
{
  guint64 kid, ctr;
  GBytes *encoded;
} HeaderVector;

typedef struct
{
  GstE2eeCipherSuite suite;
  GBytes *key, *enc_key, *auth_key, *nonce, *aad, *pt, *ct;
} CtrHmacVector;

typedef struct
{
  GstE2eeCipherSuite suite;
  guint64 kid, ctr;
  GBytes *base_key, *key_label, *salt_label, *secret, *key, *salt, *metadata, *nonce,
      *aad, *pt, *ct;
} SFrameVector;

static HeaderVector header_vectors[N_HEADER];
static CtrHmacVector ctr_hmac_vectors[N_CTR_HMAC];
static SFrameVector sframe_vectors[N_SFRAME];
static gboolean vectors_loaded;

/* ---- Helpers ------------------------------------------------------------ */

static const guint8 *
D (GBytes * b)
{
  return g_bytes_get_data (b, NULL);
}

static gsize
L (GBytes * b)
{
  return g_bytes_get_size (b);
}

static gchar *
to_hex (const guint8 * data, gsize len)
{
  GString *s = g_string_sized_new (2 * len + 1);
  gsize i;

  for (i = 0; i < len; i++)
    g_string_append_printf (s, "%02x", data[i]);
  return g_string_free (s, FALSE);
}

#define assert_bytes(got, got_len, want, want_len) G_STMT_START {              \
  const guint8 *_g = (got), *_w = (want);                                     \
  gsize _gl = (got_len), _wl = (want_len);                                    \
  if (_gl != _wl || memcmp (_g, _w, _wl) != 0)                                \
    fail ("%s: got %s, want %s", #got, to_hex (_g, _gl), to_hex (_w, _wl)); \
} G_STMT_END

/* For two ranges of one length: assert_bytes would compare the length with itself. */
#define assert_same_bytes(got, want, len) G_STMT_START {                      \
  const guint8 *_g = (got), *_w = (want);                                     \
  gsize _l = (len);                                                           \
  if (memcmp (_g, _w, _l) != 0)                                               \
    fail ("%s: got %s, want %s", #got, to_hex (_g, _l), to_hex (_w, _l));     \
} G_STMT_END

#define assert_bytes_eq(got, got_len, want_bytes) \
  assert_bytes ((got), (got_len), D (want_bytes), L (want_bytes))

#define assert_sframe_error(err, ecode) G_STMT_START {                         \
  fail_unless ((err) != NULL, "expected error %s, got none", #ecode);         \
  fail_unless (g_error_matches ((err), GST_E2EE_SFRAME_ERROR, (ecode)),        \
      "expected %s (%d), got %s %d: %s", #ecode, (int) (ecode),               \
      g_quark_to_string ((err)->domain), (err)->code, (err)->message);       \
  g_clear_error (&(err));                                                     \
} G_STMT_END

/* ---- Loading the vectors ------------------------------------------------ */

static GBytes *
hex_member (JsonObject * o, const gchar * name)
{
  JsonNode *n = json_object_get_member (o, name);
  const gchar *s;
  gsize len, i;
  guint8 *buf;

  fail_unless (n != NULL && JSON_NODE_HOLDS_VALUE (n) &&
      json_node_get_value_type (n) == G_TYPE_STRING,
      "member \"%s\" is missing or not a string", name);
  s = json_node_get_string (n);
  len = strlen (s);
  fail_unless (len % 2 == 0, "member \"%s\" has an odd number of hex digits", name);
  buf = g_malloc (len / 2 + 1);
  for (i = 0; i < len / 2; i++) {
    gint hi = g_ascii_xdigit_value (s[2 * i]), lo = g_ascii_xdigit_value (s[2 * i + 1]);
    fail_unless (hi >= 0 && lo >= 0, "member \"%s\" is not hex: %s", name, s);
    buf[i] = (guint8) (hi << 4 | lo);
  }
  return g_bytes_new_take (buf, len / 2);
}

/* json-glib holds integers in a gint64 and silently saturates tokens beyond 2^64-1,
 * and a double would round these values, so the numbers are read from the raw text:
 * every "NAME": token in document order, which must be a plain unsigned integer that
 * fits 64 bits. */
static GArray *
scan_raw_numbers (const gchar * text, gsize len, const gchar * name, GError ** error)
{
  GArray *values = g_array_new (FALSE, FALSE, sizeof (guint64));
  gchar *needle = g_strdup_printf ("\"%s\"", name);
  gsize needle_len = strlen (needle);
  const gchar *end = text + len, *p = text;

  while ((p = g_strstr_len (p, end - p, needle)) != NULL) {
    const gchar *tok;
    gchar *s;
    guint64 v;
    gboolean ok;

    p += needle_len;
    while (p < end && g_ascii_isspace (*p))
      p++;
    if (p == end || *p != ':') {
      g_set_error (error, G_MARKUP_ERROR, G_MARKUP_ERROR_PARSE,
          "\"%s\" is not followed by ':'", name);
      goto fail;
    }
    p++;
    while (p < end && g_ascii_isspace (*p))
      p++;
    tok = p;
    while (p < end && g_ascii_isdigit (*p))
      p++;
    if (p == tok || !(p == end || *p == ',' || *p == '}' || g_ascii_isspace (*p))) {
      g_set_error (error, G_MARKUP_ERROR, G_MARKUP_ERROR_PARSE,
          "\"%s\": number token is not an unsigned integer: %.24s", name, tok);
      goto fail;
    }
    s = g_strndup (tok, p - tok);
    /* Fails on overflow, where json-glib would saturate. */
    ok = g_ascii_string_to_unsigned (s, 10, 0, G_MAXUINT64, &v, error);
    g_free (s);
    if (!ok)
      goto fail;
    g_array_append_val (values, v);
  }
  g_free (needle);
  return values;

fail:
  g_free (needle);
  g_array_unref (values);
  return NULL;
}

/* The value json-glib parsed, checked bit for bit against the raw token. */
static guint64
u64_member (JsonObject * o, const gchar * name, GArray * raw, guint * next)
{
  JsonNode *n = json_object_get_member (o, name);
  guint64 v;

  fail_unless (n != NULL && JSON_NODE_HOLDS_VALUE (n) &&
      json_node_get_value_type (n) == G_TYPE_INT64,
      "member \"%s\" is missing or not an integer", name);
  fail_unless (*next < raw->len, "more \"%s\" members than \"%s\" number tokens", name,
      name);
  v = g_array_index (raw, guint64, *next);
  (*next)++;
  fail_unless ((guint64) json_node_get_int (n) == v,
      "json-glib read \"%s\" as %" G_GUINT64_FORMAT ", the text says %" G_GUINT64_FORMAT,
      name, (guint64) json_node_get_int (n), v);
  return v;
}

static GstE2eeCipherSuite
suite_member (JsonObject * o)
{
  JsonNode *n = json_object_get_member (o, "cipher_suite");
  gint64 v;

  fail_unless (n != NULL && JSON_NODE_HOLDS_VALUE (n) &&
      json_node_get_value_type (n) == G_TYPE_INT64, "cipher_suite is not an integer");
  v = json_node_get_int (n);
  fail_unless (v >= 1 && v <= 5, "cipher_suite %" G_GINT64_FORMAT " out of range", v);
  return (GstE2eeCipherSuite) v;
}

static JsonArray *
array_member (JsonObject * o, const gchar * name, guint expected)
{
  JsonNode *n = json_object_get_member (o, name);
  JsonArray *a;

  fail_unless (n != NULL && JSON_NODE_HOLDS_ARRAY (n), "\"%s\" is not an array", name);
  a = json_node_get_array (n);
  fail_unless_equals_int (json_array_get_length (a), expected);
  return a;
}

static gchar *
read_vectors_file (gsize * len)
{
  const gchar *dir = g_getenv ("GST_E2EE_TEST_VECTORS");
  gchar *path, *contents = NULL;
  GError *err = NULL;

  fail_unless (dir != NULL, "GST_E2EE_TEST_VECTORS is not set (run through meson test)");
  path = g_build_filename (dir, VECTORS_FILE, NULL);
  fail_unless (g_file_get_contents (path, &contents, len, &err), "cannot read %s: %s",
      path, err ? err->message : "");
  g_free (path);
  return contents;
}

static void
load_vectors (void)
{
  gchar *text, *sha;
  gsize len;
  JsonParser *parser;
  JsonObject *root;
  JsonArray *a;
  GArray *raw_kid, *raw_ctr;
  guint i, next_kid = 0, next_ctr = 0;
  GError *err = NULL;

  if (vectors_loaded)
    return;

  text = read_vectors_file (&len);
  sha = g_compute_checksum_for_data (G_CHECKSUM_SHA256, (const guchar *) text, len);
  fail_unless_equals_string (sha, VECTORS_SHA256);
  g_free (sha);

  raw_kid = scan_raw_numbers (text, len, "kid", &err);
  fail_unless (raw_kid != NULL, "%s", err ? err->message : "");
  raw_ctr = scan_raw_numbers (text, len, "ctr", &err);
  fail_unless (raw_ctr != NULL, "%s", err ? err->message : "");
  fail_unless_equals_int (raw_kid->len, N_HEADER + N_SFRAME);
  fail_unless_equals_int (raw_ctr->len, N_HEADER + N_SFRAME);

  parser = json_parser_new ();
  fail_unless (json_parser_load_from_data (parser, text, len, &err), "bad JSON: %s",
      err ? err->message : "");
  fail_unless (JSON_NODE_HOLDS_OBJECT (json_parser_get_root (parser)));
  root = json_node_get_object (json_parser_get_root (parser));

  /* Document order: "header" comes first, then "aes_ctr_hmac", then "sframe"; a
   * different order would make the raw tokens disagree with json-glib below. */
  a = array_member (root, "header", N_HEADER);
  for (i = 0; i < N_HEADER; i++) {
    JsonObject *o = json_array_get_object_element (a, i);
    fail_unless (o != NULL);
    header_vectors[i].kid = u64_member (o, "kid", raw_kid, &next_kid);
    header_vectors[i].ctr = u64_member (o, "ctr", raw_ctr, &next_ctr);
    header_vectors[i].encoded = hex_member (o, "encoded");
  }

  a = array_member (root, "aes_ctr_hmac", N_CTR_HMAC);
  for (i = 0; i < N_CTR_HMAC; i++) {
    JsonObject *o = json_array_get_object_element (a, i);
    CtrHmacVector *v = &ctr_hmac_vectors[i];
    fail_unless (o != NULL);
    v->suite = suite_member (o);
    v->key = hex_member (o, "key");
    v->enc_key = hex_member (o, "enc_key");
    v->auth_key = hex_member (o, "auth_key");
    v->nonce = hex_member (o, "nonce");
    v->aad = hex_member (o, "aad");
    v->pt = hex_member (o, "pt");
    v->ct = hex_member (o, "ct");
  }

  a = array_member (root, "sframe", N_SFRAME);
  for (i = 0; i < N_SFRAME; i++) {
    JsonObject *o = json_array_get_object_element (a, i);
    SFrameVector *v = &sframe_vectors[i];
    fail_unless (o != NULL);
    v->suite = suite_member (o);
    v->kid = u64_member (o, "kid", raw_kid, &next_kid);
    v->ctr = u64_member (o, "ctr", raw_ctr, &next_ctr);
    v->base_key = hex_member (o, "base_key");
    v->key_label = hex_member (o, "sframe_key_label");
    v->salt_label = hex_member (o, "sframe_salt_label");
    v->secret = hex_member (o, "sframe_secret");
    v->key = hex_member (o, "sframe_key");
    v->salt = hex_member (o, "sframe_salt");
    v->metadata = hex_member (o, "metadata");
    v->nonce = hex_member (o, "nonce");
    v->aad = hex_member (o, "aad");
    v->pt = hex_member (o, "pt");
    v->ct = hex_member (o, "ct");
  }
  fail_unless_equals_int (next_kid, raw_kid->len);
  fail_unless_equals_int (next_ctr, raw_ctr->len);

  g_array_unref (raw_kid);
  g_array_unref (raw_ctr);
  g_object_unref (parser);
  g_free (text);
  vectors_loaded = TRUE;
}

/* Every suite appears once in the "sframe" vectors, in order; the loop tests rely
 * on index i being suite i + 1. */
static const SFrameVector *
sframe_vector (int i)
{
  load_vectors ();
  fail_unless (i >= 0 && i < N_SFRAME);
  fail_unless_equals_int (sframe_vectors[i].suite, i + 1);
  return &sframe_vectors[i];
}

static GstE2eeSFrameKey *
new_key (GstE2eeCipherSuite suite, guint64 kid, GBytes * base_key)
{
  GError *err = NULL;
  GstE2eeSFrameKey *key = gst_e2ee_sframe_key_new (suite, kid, D (base_key),
      L (base_key), &err);

  fail_unless (key != NULL, "gst_e2ee_sframe_key_new: %s", err ? err->message : "");
  return key;
}

static gsize
tag_size (const SFrameVector * v)
{
  return gst_e2ee_cipher_suite_get_tag_size (v->suite);
}

static gsize
vector_header_size (const SFrameVector * v)
{
  return gst_e2ee_sframe_header_size (v->kid, v->ctr);
}

/* A failed decryption must leave no plaintext in @out: no byte of it may equal the
 * plaintext byte at the same place (the test fills @out with 0xaa, which the vectors'
 * ASCII plaintext never contains, and the decryptor may wipe it to zeros). */
static void
assert_no_plaintext (const guint8 * out, GBytes * pt, const gchar * what)
{
  gsize i;

  for (i = 0; i < L (pt); i++)
    fail_unless (out[i] != D (pt)[i], "%s: plaintext byte %" G_GSIZE_FORMAT
        " reached the output", what, i);
}

/* ---- The vectors file --------------------------------------------------- */

GST_START_TEST (test_vectors_file)
{
  gchar *text, *sha;
  gsize len;
  guint i;

  text = read_vectors_file (&len);
  sha = g_compute_checksum_for_data (G_CHECKSUM_SHA256, (const guchar *) text, len);
  fail_unless_equals_string (sha, VECTORS_SHA256);
  g_free (sha);
  g_free (text);

  load_vectors ();

  /* The extremes the parser warning is about are really there and survived. */
  fail_unless_equals_uint64 (header_vectors[N_HEADER - 1].kid, G_MAXUINT64);
  fail_unless_equals_uint64 (header_vectors[N_HEADER - 1].ctr, G_MAXUINT64);
  /* 2^56 - 1 needs 56 significant bits: a double would have rounded it. */
  for (i = 0; i < N_HEADER; i++)
    if (header_vectors[i].kid == G_GUINT64_CONSTANT (0xffffffffffffff) &&
        header_vectors[i].ctr == G_GUINT64_CONSTANT (0xffffffffffffff))
      break;
  fail_unless (i < N_HEADER, "no header vector with KID and CTR 2^56 - 1");

  for (i = 0; i < N_CTR_HMAC; i++)
    fail_unless_equals_int (ctr_hmac_vectors[i].suite, i + 1);
  for (i = 0; i < N_SFRAME; i++) {
    fail_unless_equals_int (sframe_vectors[i].suite, i + 1);
    fail_unless_equals_uint64 (sframe_vectors[i].kid, 0x123);
    fail_unless_equals_uint64 (sframe_vectors[i].ctr, 0x4567);
  }
}

GST_END_TEST;

/* The raw-token reader is what keeps big numbers honest: prove it reads what
 * json-glib mangles and refuses what is not a 64-bit unsigned integer. */
GST_START_TEST (test_raw_number_reader)
{
  static const gchar *bad[] = {
    "{\"kid\": 18446744073709551616}",  /* 2^64: json-glib gives 2^64-1 */
    "{\"kid\": 99999999999999999999999}",
    "{\"kid\": 1.5e3}",
    "{\"kid\": 1e3}",
    "{\"kid\": -1}",
    "{\"kid\": \"12\"}",
    "{\"kid\" 12}",
  };
  static const gchar ok[] = "{\"kid\": 18446744073709551615, \"x\": {\"kid\":0}}";
  GError *err = NULL;
  GArray *v;
  guint i;

  v = scan_raw_numbers (ok, strlen (ok), "kid", &err);
  fail_unless (v != NULL);
  fail_unless_equals_int (v->len, 2);
  fail_unless_equals_uint64 (g_array_index (v, guint64, 0), G_MAXUINT64);
  fail_unless_equals_uint64 (g_array_index (v, guint64, 1), 0);
  g_array_unref (v);

  for (i = 0; i < G_N_ELEMENTS (bad); i++) {
    v = scan_raw_numbers (bad[i], strlen (bad[i]), "kid", &err);
    fail_unless (v == NULL, "%s accepted", bad[i]);
    fail_unless (err != NULL);
    g_clear_error (&err);
  }
}

GST_END_TEST;

/* ---- Cipher-suite parameters -------------------------------------------- */

GST_START_TEST (test_cipher_suite_parameters)
{
  static const struct
  {
    GstE2eeCipherSuite suite;
    gsize nk, nn, nt, nh;
  } table[] = {
    /* RFC 9605 §8.1 */
    {GST_E2EE_CIPHER_SUITE_AES_128_CTR_HMAC_SHA256_80, 48, 12, 10, 32},
    {GST_E2EE_CIPHER_SUITE_AES_128_CTR_HMAC_SHA256_64, 48, 12, 8, 32},
    {GST_E2EE_CIPHER_SUITE_AES_128_CTR_HMAC_SHA256_32, 48, 12, 4, 32},
    {GST_E2EE_CIPHER_SUITE_AES_128_GCM_SHA256_128, 16, 12, 16, 32},
    {GST_E2EE_CIPHER_SUITE_AES_256_GCM_SHA512_128, 32, 12, 16, 64},
  };
  static const guint8 base_key[16] = { 0 };
  GError *err = NULL;
  guint i;

  for (i = 0; i < G_N_ELEMENTS (table); i++) {
    fail_unless (gst_e2ee_cipher_suite_is_valid (table[i].suite));
    fail_unless_equals_uint64 (gst_e2ee_cipher_suite_get_key_size (table[i].suite),
        table[i].nk);
    fail_unless_equals_uint64 (gst_e2ee_cipher_suite_get_nonce_size (table[i].suite),
        table[i].nn);
    fail_unless_equals_uint64 (gst_e2ee_cipher_suite_get_tag_size (table[i].suite),
        table[i].nt);
    fail_unless_equals_uint64 (gst_e2ee_cipher_suite_get_hash_size (table[i].suite),
        table[i].nh);
  }
  for (i = 0; i < 8; i++) {
    GstE2eeCipherSuite bad = (GstE2eeCipherSuite) (i == 0 ? 0 : i + 5);
    fail_if (gst_e2ee_cipher_suite_is_valid (bad));
    fail_unless_equals_uint64 (gst_e2ee_cipher_suite_get_key_size (bad), 0);
    fail_unless_equals_uint64 (gst_e2ee_cipher_suite_get_nonce_size (bad), 0);
    fail_unless_equals_uint64 (gst_e2ee_cipher_suite_get_tag_size (bad), 0);
    fail_unless_equals_uint64 (gst_e2ee_cipher_suite_get_hash_size (bad), 0);
    fail_unless (gst_e2ee_sframe_key_new (bad, 1, base_key, sizeof (base_key),
            &err) == NULL);
    assert_sframe_error (err, GST_E2EE_SFRAME_ERROR_INVALID_ARGUMENT);
  }
  fail_unless (gst_e2ee_sframe_key_new (GST_E2EE_CIPHER_SUITE_AES_128_GCM_SHA256_128, 1,
          base_key, 0, &err) == NULL);
  assert_sframe_error (err, GST_E2EE_SFRAME_ERROR_INVALID_ARGUMENT);
}

GST_END_TEST;

/* ---- Header (RFC 9605 Appendix C.1) -------------------------------------- */

GST_START_TEST (test_header_vectors)
{
  guint i;

  load_vectors ();
  for (i = 0; i < N_HEADER; i++) {
    const HeaderVector *v = &header_vectors[i];
    guint8 buf[GST_E2EE_SFRAME_MAX_HEADER_SIZE + 4], frame[64];
    gsize n = L (v->encoded), hs, prefix;
    guint64 kid, ctr;
    GError *err = NULL;

    fail_unless (n >= 1 && n <= GST_E2EE_SFRAME_MAX_HEADER_SIZE);
    fail_unless_equals_uint64 (gst_e2ee_sframe_header_size (v->kid, v->ctr), n);

    memset (buf, 0xee, sizeof (buf));
    fail_unless_equals_uint64 (gst_e2ee_sframe_header_encode (v->kid, v->ctr, buf,
            sizeof (buf)), n);
    assert_bytes_eq (buf, n, v->encoded);
    fail_unless_equals_int (buf[n], 0xee);
    /* Exactly enough room is enough; one byte less writes nothing. */
    memset (buf, 0xee, sizeof (buf));
    fail_unless_equals_uint64 (gst_e2ee_sframe_header_encode (v->kid, v->ctr, buf, n), n);
    assert_bytes_eq (buf, n, v->encoded);
    memset (buf, 0xee, sizeof (buf));
    fail_unless_equals_uint64 (gst_e2ee_sframe_header_encode (v->kid, v->ctr, buf, n - 1),
        0);
    fail_unless_equals_int (buf[0], 0xee);

    kid = ctr = 0xdead;
    hs = 0;
    fail_unless (gst_e2ee_sframe_header_parse (D (v->encoded), n, &kid, &ctr, &hs, &err),
        "vector %u (%s): %s", i, to_hex (D (v->encoded), n), err ? err->message : "");
    fail_unless_equals_uint64 (kid, v->kid);
    fail_unless_equals_uint64 (ctr, v->ctr);
    fail_unless_equals_uint64 (hs, n);

    /* A header at the start of a frame: what follows is not the header's. */
    memset (frame, 0xff, sizeof (frame));
    memcpy (frame, D (v->encoded), n);
    fail_unless (gst_e2ee_sframe_header_parse (frame, sizeof (frame), &kid, &ctr, &hs,
            NULL));
    fail_unless_equals_uint64 (kid, v->kid);
    fail_unless_equals_uint64 (ctr, v->ctr);
    fail_unless_equals_uint64 (hs, n);
    /* The out-parameters are optional. */
    fail_unless (gst_e2ee_sframe_header_parse (D (v->encoded), n, NULL, NULL, NULL, NULL));

    /* Every proper prefix, each in a buffer of exactly its size. */
    for (prefix = 0; prefix < n; prefix++) {
      guint8 *p = g_memdup2 (D (v->encoded), MAX (prefix, 1));
      kid = ctr = 0xdead;
      fail_if (gst_e2ee_sframe_header_parse (p, prefix, &kid, &ctr, &hs, &err),
          "vector %u: %" G_GSIZE_FORMAT "-byte prefix accepted", i, prefix);
      assert_sframe_error (err, GST_E2EE_SFRAME_ERROR_MALFORMED_HEADER);
      fail_unless_equals_uint64 (kid, 0xdead);
      fail_unless_equals_uint64 (ctr, 0xdead);
      g_free (p);
    }
  }
}

GST_END_TEST;

/* One frame, one header: a value written with more bytes than it needs is refused. */
GST_START_TEST (test_header_non_minimal)
{
  static const struct
  {
    guint8 data[18];
    gsize len;
  } bad[] = {
    {{0x80, 0x05}, 2},          /* KID 5 in an extra byte */
    {{0x80, 0x00}, 2},
    {{0x80, 0x07}, 2},
    {{0x08, 0x07}, 2},          /* CTR 7 in an extra byte */
    {{0x88, 0x05, 0x00}, 3},
    {{0x90, 0x00, 0xff}, 3},    /* KID 255 in 2 bytes */
    {{0x09, 0x00, 0x08}, 3},    /* CTR 8 in 2 bytes */
    {{0x99, 0x01, 0x00, 0x00, 0x08}, 5},        /* good KID, CTR 8 in 2 bytes */
    {{0xf0, 0x00, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff}, 9},
    {{0x0f, 0x00, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff}, 9},
    {{0xff, 0x00, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
          0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff}, 17},
  };
  static const struct
  {
    guint8 data[3];
    gsize len;
    guint64 kid, ctr;
  } good[] = {
    {{0x80, 0x08}, 2, 8, 0},
    {{0x08, 0x08}, 2, 0, 8},
    {{0x90, 0x01, 0x00}, 3, 256, 0},
    {{0x77}, 1, 7, 7},
  };
  guint i, kid_len, ctr_len;
  GError *err = NULL;

  for (i = 0; i < G_N_ELEMENTS (bad); i++) {
    fail_if (gst_e2ee_sframe_header_parse (bad[i].data, bad[i].len, NULL, NULL, NULL,
            &err), "non-minimal header %s accepted", to_hex (bad[i].data, bad[i].len));
    assert_sframe_error (err, GST_E2EE_SFRAME_ERROR_MALFORMED_HEADER);
  }
  for (i = 0; i < G_N_ELEMENTS (good); i++) {
    guint64 kid, ctr;
    gsize hs;
    fail_unless (gst_e2ee_sframe_header_parse (good[i].data, good[i].len, &kid, &ctr,
            &hs, NULL));
    fail_unless_equals_uint64 (kid, good[i].kid);
    fail_unless_equals_uint64 (ctr, good[i].ctr);
    fail_unless_equals_uint64 (hs, good[i].len);
  }

  /* Every extended length with a leading zero byte, in either field. */
  for (kid_len = 1; kid_len <= 8; kid_len++) {
    for (ctr_len = 1; ctr_len <= 8; ctr_len++) {
      guint8 h[GST_E2EE_SFRAME_MAX_HEADER_SIZE];
      gsize len = 1 + kid_len + ctr_len;

      memset (h, 0x42, sizeof (h));
      h[0] = 0x80 | ((kid_len - 1) << 4) | 0x08 | (ctr_len - 1);
      fail_unless (gst_e2ee_sframe_header_parse (h, len, NULL, NULL, NULL, NULL));
      h[1] = 0;                 /* KID */
      if (kid_len == 1)
        h[1] = 0x07;
      fail_if (gst_e2ee_sframe_header_parse (h, len, NULL, NULL, NULL, &err));
      assert_sframe_error (err, GST_E2EE_SFRAME_ERROR_MALFORMED_HEADER);
      h[1] = 0x42;
      h[1 + kid_len] = ctr_len == 1 ? 0x07 : 0;   /* CTR */
      fail_if (gst_e2ee_sframe_header_parse (h, len, NULL, NULL, NULL, &err));
      assert_sframe_error (err, GST_E2EE_SFRAME_ERROR_MALFORMED_HEADER);
    }
  }
}

GST_END_TEST;

/* ---- AES-CTR-HMAC AEAD (RFC 9605 Appendix C.2) --------------------------- */

GST_START_TEST (test_aes_ctr_hmac_vectors)
{
  /* seal_raw takes the nonce explicitly, so the key's salt plays no part. */
  static const guint8 salt[12] = { 0x5a, 0x5a, 0x5a, 0x5a, 0x5a, 0x5a, 0x5a, 0x5a,
    0x5a, 0x5a, 0x5a, 0x5a
  };
  const CtrHmacVector *v;
  GstE2eeSFrameKey *key;
  GError *err = NULL;
  gsize nt, ct_len, i;
  guint8 *out, *ct, *aad;

  load_vectors ();
  v = &ctr_hmac_vectors[__i__];
  nt = gst_e2ee_cipher_suite_get_tag_size (v->suite);

  fail_unless_equals_uint64 (L (v->key), 48);
  fail_unless_equals_uint64 (gst_e2ee_cipher_suite_get_key_size (v->suite), L (v->key));
  fail_unless_equals_uint64 (L (v->nonce), 12);
  /* key = enc_key || auth_key (§4.5.1) */
  assert_bytes (D (v->key), 16, D (v->enc_key), L (v->enc_key));
  assert_bytes (D (v->key) + 16, 32, D (v->auth_key), L (v->auth_key));
  fail_unless_equals_uint64 (L (v->ct), L (v->pt) + nt);
  ct_len = L (v->pt);

  key = gst_e2ee_sframe_key_new_raw (v->suite, 0, D (v->key), salt, &err);
  fail_unless (key != NULL, "%s", err ? err->message : "");

  out = g_malloc (L (v->ct) + 1);
  memset (out, 0xee, L (v->ct) + 1);
  fail_unless (gst_e2ee_sframe_key_seal_raw (key, D (v->nonce), D (v->aad), L (v->aad),
          D (v->pt), L (v->pt), out));
  assert_bytes_eq (out, L (v->ct), v->ct);
  fail_unless_equals_int (out[L (v->ct)], 0xee);

  memset (out, 0xaa, L (v->ct));
  fail_unless (gst_e2ee_sframe_key_open_raw (key, D (v->nonce), D (v->aad), L (v->aad),
          D (v->ct), ct_len, out));
  assert_bytes_eq (out, ct_len, v->pt);

  /* Any flipped bit of ciphertext or tag, nonce or AAD is a forgery. */
  ct = g_memdup2 (D (v->ct), L (v->ct));
  for (i = 0; i < 8 * L (v->ct); i++) {
    ct[i / 8] ^= 1 << (i % 8);
    memset (out, 0xaa, L (v->ct));
    fail_if (gst_e2ee_sframe_key_open_raw (key, D (v->nonce), D (v->aad), L (v->aad),
            ct, ct_len, out), "flipped ct bit %" G_GSIZE_FORMAT " accepted", i);
    assert_no_plaintext (out, v->pt, "flipped ct");
    ct[i / 8] ^= 1 << (i % 8);
  }
  aad = g_memdup2 (D (v->aad), L (v->aad));
  for (i = 0; i < 8 * L (v->aad); i++) {
    aad[i / 8] ^= 1 << (i % 8);
    memset (out, 0xaa, L (v->ct));
    fail_if (gst_e2ee_sframe_key_open_raw (key, D (v->nonce), aad, L (v->aad), ct, ct_len,
            out), "flipped aad bit %" G_GSIZE_FORMAT " accepted", i);
    assert_no_plaintext (out, v->pt, "flipped aad");
    aad[i / 8] ^= 1 << (i % 8);
  }
  fail_if (gst_e2ee_sframe_key_open_raw (key, D (v->nonce), aad, L (v->aad) - 1, ct,
          ct_len, out));
  for (i = 0; i < 8 * 12; i++) {
    guint8 nonce[12];
    memcpy (nonce, D (v->nonce), 12);
    nonce[i / 8] ^= 1 << (i % 8);
    fail_if (gst_e2ee_sframe_key_open_raw (key, nonce, aad, L (v->aad), ct, ct_len, out));
  }
  /* The loops restored every bit: the untouched inputs still open. */
  fail_unless (gst_e2ee_sframe_key_open_raw (key, D (v->nonce), aad, L (v->aad), ct,
          ct_len, out));
  assert_bytes_eq (out, ct_len, v->pt);

  g_free (aad);
  g_free (ct);
  g_free (out);
  gst_e2ee_sframe_key_unref (key);
}

GST_END_TEST;

/* ---- SFrame (RFC 9605 Appendix C.3) -------------------------------------- */

static GBytes *
build_label (const gchar * prefix, guint64 kid, GstE2eeCipherSuite suite)
{
  GByteArray *a = g_byte_array_new ();
  guint8 b[10];
  guint i;

  g_byte_array_append (a, (const guint8 *) prefix, strlen (prefix));
  for (i = 0; i < 8; i++)
    b[i] = (guint8) (kid >> (56 - 8 * i));
  b[8] = (guint8) ((guint) suite >> 8);
  b[9] = (guint8) suite;
  g_byte_array_append (a, b, sizeof (b));
  return g_byte_array_free_to_bytes (a);
}

GST_START_TEST (test_sframe_key_schedule)
{
  const SFrameVector *v = sframe_vector (__i__);
  guint8 secret[64 + 4], key[48 + 4], salt[12 + 4], out[64];
  gsize nh = gst_e2ee_cipher_suite_get_hash_size (v->suite);
  gsize nk = gst_e2ee_cipher_suite_get_key_size (v->suite);
  const char *md = v->suite == GST_E2EE_CIPHER_SUITE_AES_256_GCM_SHA512_128 ?
      "SHA512" : "SHA256";
  GBytes *key_label, *salt_label;
  GError *err = NULL;

  fail_unless_equals_uint64 (L (v->secret), nh);
  fail_unless_equals_uint64 (L (v->key), nk);
  fail_unless_equals_uint64 (L (v->salt), 12);

  memset (secret, 0xee, sizeof (secret));
  memset (key, 0xee, sizeof (key));
  memset (salt, 0xee, sizeof (salt));
  fail_unless (gst_e2ee_sframe_derive (v->suite, v->kid, D (v->base_key), L (v->base_key),
          secret, key, salt, &err), "%s", err ? err->message : "");
  assert_bytes_eq (secret, nh, v->secret);
  assert_bytes_eq (key, nk, v->key);
  assert_bytes_eq (salt, 12, v->salt);
  fail_unless_equals_int (secret[nh], 0xee);
  fail_unless_equals_int (key[nk], 0xee);
  fail_unless_equals_int (salt[12], 0xee);

  /* Each output on its own. */
  memset (key, 0, sizeof (key));
  fail_unless (gst_e2ee_sframe_derive (v->suite, v->kid, D (v->base_key), L (v->base_key),
          NULL, key, NULL, NULL));
  assert_bytes_eq (key, nk, v->key);
  memset (salt, 0, sizeof (salt));
  fail_unless (gst_e2ee_sframe_derive (v->suite, v->kid, D (v->base_key), L (v->base_key),
          NULL, NULL, salt, NULL));
  assert_bytes_eq (salt, 12, v->salt);

  /* The labels, built here from the RFC's definition, are the vector's... */
  key_label = build_label (LABEL_KEY, v->kid, v->suite);
  salt_label = build_label (LABEL_SALT, v->kid, v->suite);
  assert_bytes_eq (D (key_label), L (key_label), v->key_label);
  assert_bytes_eq (D (salt_label), L (salt_label), v->salt_label);

  /* ...and HKDF over the vector's secret with them gives the vector's key and salt. */
  fail_unless (gst_e2ee_hkdf (md, EVP_KDF_HKDF_MODE_EXTRACT_ONLY, NULL, 0,
          D (v->base_key), L (v->base_key), NULL, 0, out, nh));
  assert_bytes_eq (out, nh, v->secret);
  fail_unless (gst_e2ee_hkdf (md, EVP_KDF_HKDF_MODE_EXPAND_ONLY, NULL, 0, D (v->secret),
          nh, D (key_label), L (key_label), out, nk));
  assert_bytes_eq (out, nk, v->key);
  fail_unless (gst_e2ee_hkdf (md, EVP_KDF_HKDF_MODE_EXPAND_ONLY, NULL, 0, D (v->secret),
          nh, D (salt_label), L (salt_label), out, 12));
  assert_bytes_eq (out, 12, v->salt);

  /* The KID is in the labels: another KID gives another key and salt. */
  fail_unless (gst_e2ee_sframe_derive (v->suite, v->kid + 1, D (v->base_key),
          L (v->base_key), NULL, key, salt, NULL));
  fail_if (memcmp (key, D (v->key), nk) == 0);
  fail_if (memcmp (salt, D (v->salt), 12) == 0);

  fail_if (gst_e2ee_sframe_derive (v->suite, v->kid, D (v->base_key), 0, secret, key,
          salt, &err));
  assert_sframe_error (err, GST_E2EE_SFRAME_ERROR_INVALID_ARGUMENT);

  g_bytes_unref (key_label);
  g_bytes_unref (salt_label);
}

GST_END_TEST;

GST_START_TEST (test_sframe_nonce_and_aad)
{
  const SFrameVector *v = sframe_vector (__i__);
  GstE2eeSFrameKey *key = new_key (v->suite, v->kid, v->base_key);
  guint8 nonce[12], expected[12], aad[64];
  gsize hlen = vector_header_size (v);
  guint i;

  fail_unless_equals_uint64 (gst_e2ee_sframe_key_get_kid (key), v->kid);
  fail_unless_equals_int (gst_e2ee_sframe_key_get_cipher_suite (key), v->suite);

  gst_e2ee_sframe_key_compute_nonce (key, v->ctr, nonce);
  assert_bytes_eq (nonce, 12, v->nonce);
  /* nonce = salt XOR CTR, big-endian in the last 8 bytes (§4.4.3) */
  memcpy (expected, D (v->salt), 12);
  for (i = 0; i < 8; i++)
    expected[11 - i] ^= (guint8) (v->ctr >> (8 * i));
  assert_same_bytes (nonce, expected, 12);
  gst_e2ee_sframe_key_compute_nonce (key, 0, nonce);
  assert_bytes_eq (nonce, 12, v->salt);

  /* aad = header || metadata, and the frame starts with that header. */
  fail_unless (hlen + L (v->metadata) <= sizeof (aad));
  fail_unless_equals_uint64 (gst_e2ee_sframe_header_encode (v->kid, v->ctr, aad,
          sizeof (aad)), hlen);
  memcpy (aad + hlen, D (v->metadata), L (v->metadata));
  assert_bytes_eq (aad, hlen + L (v->metadata), v->aad);
  assert_same_bytes (D (v->ct), aad, hlen);

  gst_e2ee_sframe_key_unref (key);
}

GST_END_TEST;

/* The AEAD step alone, from the vector's key, salt, nonce and aad. */
GST_START_TEST (test_sframe_aead)
{
  const SFrameVector *v = sframe_vector (__i__);
  gsize hlen = vector_header_size (v), nt = tag_size (v);
  GstE2eeSFrameKey *key;
  GError *err = NULL;
  guint8 *out = g_malloc (L (v->ct));

  fail_unless_equals_uint64 (L (v->ct), hlen + L (v->pt) + nt);
  key = gst_e2ee_sframe_key_new_raw (v->suite, v->kid, D (v->key), D (v->salt), &err);
  fail_unless (key != NULL, "%s", err ? err->message : "");
  fail_unless (gst_e2ee_sframe_key_seal_raw (key, D (v->nonce), D (v->aad), L (v->aad),
          D (v->pt), L (v->pt), out));
  assert_bytes (out, L (v->pt) + nt, D (v->ct) + hlen, L (v->ct) - hlen);
  fail_unless (gst_e2ee_sframe_key_open_raw (key, D (v->nonce), D (v->aad), L (v->aad),
          D (v->ct) + hlen, L (v->pt), out));
  assert_bytes_eq (out, L (v->pt), v->pt);
  gst_e2ee_sframe_key_unref (key);
  g_free (out);
}

GST_END_TEST;

GST_START_TEST (test_sframe_encrypt)
{
  const SFrameVector *v = sframe_vector (__i__);
  GstE2eeSFrameKey *key = new_key (v->suite, v->kid, v->base_key);
  gsize max = gst_e2ee_sframe_key_get_max_encrypted_size (key, L (v->pt));
  guint8 *out = g_malloc (max + 1);
  gsize out_len = 0;
  guint64 ctr = 0;
  GError *err = NULL;

  fail_unless (max >= L (v->ct));
  fail_unless_equals_uint64 (gst_e2ee_sframe_key_get_next_counter (key), 0);
  fail_unless (gst_e2ee_sframe_key_skip_counter_to (key, v->ctr, &err), "%s",
      err ? err->message : "");
  fail_unless_equals_uint64 (gst_e2ee_sframe_key_get_next_counter (key), v->ctr);

  memset (out, 0xee, max + 1);
  fail_unless (gst_e2ee_sframe_key_encrypt (key, D (v->metadata), L (v->metadata),
          D (v->pt), L (v->pt), out, max, &out_len, &ctr, &err), "%s",
      err ? err->message : "");
  assert_bytes_eq (out, out_len, v->ct);
  fail_unless_equals_uint64 (ctr, v->ctr);
  fail_unless_equals_int (out[L (v->ct)], 0xee);
  fail_unless_equals_uint64 (gst_e2ee_sframe_key_get_next_counter (key), v->ctr + 1);

  /* The next frame carries the next counter and is a different frame. */
  fail_unless (gst_e2ee_sframe_key_encrypt (key, D (v->metadata), L (v->metadata),
          D (v->pt), L (v->pt), out, max, &out_len, &ctr, NULL));
  fail_unless_equals_uint64 (ctr, v->ctr + 1);
  fail_if (out_len == L (v->ct) && memcmp (out, D (v->ct), out_len) == 0);

  /* The counter out-parameter is optional, and an exact-size buffer is enough. */
  fail_unless (gst_e2ee_sframe_key_encrypt (key, D (v->metadata), L (v->metadata),
          D (v->pt), L (v->pt), out, L (v->ct), &out_len, NULL, NULL));
  fail_unless_equals_uint64 (out_len, L (v->ct));

  gst_e2ee_sframe_key_unref (key);
  g_free (out);
}

GST_END_TEST;

GST_START_TEST (test_sframe_decrypt)
{
  const SFrameVector *v = sframe_vector (__i__);
  GstE2eeSFrameKey *key = new_key (v->suite, v->kid, v->base_key);
  guint8 *out = g_malloc (L (v->ct));
  gsize out_len = 0;
  guint64 ctr = 0;
  GError *err = NULL;

  /* Decryption does not depend on the key's own encryption counter. */
  memset (out, 0xaa, L (v->ct));
  fail_unless (gst_e2ee_sframe_key_decrypt (key, D (v->metadata), L (v->metadata),
          D (v->ct), L (v->ct), out, L (v->ct), &out_len, &ctr, &err), "%s",
      err ? err->message : "");
  assert_bytes_eq (out, out_len, v->pt);
  fail_unless_equals_uint64 (ctr, v->ctr);
  fail_unless_equals_uint64 (gst_e2ee_sframe_key_get_next_counter (key), 0);

  /* An output of exactly the plaintext size is enough. */
  memset (out, 0xaa, L (v->ct));
  fail_unless (gst_e2ee_sframe_key_decrypt (key, D (v->metadata), L (v->metadata),
          D (v->ct), L (v->ct), out, L (v->pt), &out_len, NULL, NULL));
  assert_bytes_eq (out, out_len, v->pt);

  /* And the same frame again: the receiver is stateless (replay is the caller's call). */
  fail_unless (gst_e2ee_sframe_key_decrypt (key, D (v->metadata), L (v->metadata),
          D (v->ct), L (v->ct), out, L (v->pt), &out_len, NULL, NULL));

  gst_e2ee_sframe_key_unref (key);
  g_free (out);
}

GST_END_TEST;

GST_START_TEST (test_sframe_bytes)
{
  const SFrameVector *v = sframe_vector (__i__);
  GstE2eeSFrameKey *key;
  GBytes *frame, *pt;
  GError *err = NULL;

  key = gst_e2ee_sframe_key_new_from_bytes (v->suite, v->kid, v->base_key, &err);
  fail_unless (key != NULL, "%s", err ? err->message : "");
  fail_unless (gst_e2ee_sframe_key_skip_counter_to (key, v->ctr, NULL));
  frame = gst_e2ee_sframe_key_encrypt_bytes (key, v->metadata, v->pt, &err);
  fail_unless (frame != NULL, "%s", err ? err->message : "");
  assert_bytes_eq (D (frame), L (frame), v->ct);
  g_bytes_unref (frame);

  pt = gst_e2ee_sframe_key_decrypt_bytes (key, v->metadata, v->ct, &err);
  fail_unless (pt != NULL, "%s", err ? err->message : "");
  fail_unless (g_bytes_equal (pt, v->pt));
  g_bytes_unref (pt);

  /* Without metadata: a round trip, and the vector's frame does not authenticate. */
  frame = gst_e2ee_sframe_key_encrypt_bytes (key, NULL, v->pt, &err);
  fail_unless (frame != NULL);
  pt = gst_e2ee_sframe_key_decrypt_bytes (key, NULL, frame, &err);
  fail_unless (pt != NULL && g_bytes_equal (pt, v->pt));
  g_bytes_unref (pt);
  g_bytes_unref (frame);
  fail_unless (gst_e2ee_sframe_key_decrypt_bytes (key, NULL, v->ct, &err) == NULL);
  assert_sframe_error (err, GST_E2EE_SFRAME_ERROR_AUTHENTICATION);

  gst_e2ee_sframe_key_unref (key);
}

GST_END_TEST;

/* ---- Malformed and forged frames, every suite ---------------------------- */

GST_START_TEST (test_truncated_frames)
{
  const SFrameVector *v = sframe_vector (__i__);
  GstE2eeSFrameKey *key = new_key (v->suite, v->kid, v->base_key);
  gsize hlen = vector_header_size (v), nt = tag_size (v), len, out_len;
  guint8 *out = g_malloc (L (v->ct));
  GError *err = NULL;

  for (len = 0; len < L (v->ct); len++) {
    /* A buffer of exactly @len bytes, so a read past the end is a real overread. */
    guint8 *frame = g_memdup2 (D (v->ct), MAX (len, 1));
    GstE2eeSFrameError expected = len < hlen ? GST_E2EE_SFRAME_ERROR_MALFORMED_HEADER :
        len < hlen + nt ? GST_E2EE_SFRAME_ERROR_TRUNCATED :
        GST_E2EE_SFRAME_ERROR_AUTHENTICATION;

    memset (out, 0xaa, L (v->ct));
    fail_if (gst_e2ee_sframe_key_decrypt (key, D (v->metadata), L (v->metadata), frame,
            len, out, L (v->ct), &out_len, NULL, &err),
        "frame truncated to %" G_GSIZE_FORMAT " bytes accepted", len);
    fail_unless (err != NULL);
    fail_unless (g_error_matches (err, GST_E2EE_SFRAME_ERROR, expected),
        "%" G_GSIZE_FORMAT " of %" G_GSIZE_FORMAT " bytes: expected error %d, got %d (%s)",
        len, L (v->ct), expected, err->code, err->message);
    g_clear_error (&err);
    assert_no_plaintext (out, v->pt, "truncated frame");
    g_free (frame);
  }

  gst_e2ee_sframe_key_unref (key);
  g_free (out);
}

GST_END_TEST;

/* What a receiver must answer for a frame whose header was altered: a header that
 * no longer parses is malformed, one naming another KID has no key here, and one
 * naming this KID fails the tag, since the header is authenticated. */
static GstE2eeSFrameError
expected_header_flip_error (const guint8 * frame, gsize len, const SFrameVector * v)
{
  guint64 kid;
  gsize hs;

  if (!gst_e2ee_sframe_header_parse (frame, len, &kid, NULL, &hs, NULL))
    return GST_E2EE_SFRAME_ERROR_MALFORMED_HEADER;
  if (kid != v->kid)
    return GST_E2EE_SFRAME_ERROR_UNKNOWN_KID;
  if (len < hs + tag_size (v))
    return GST_E2EE_SFRAME_ERROR_TRUNCATED;
  return GST_E2EE_SFRAME_ERROR_AUTHENTICATION;
}

GST_START_TEST (test_flipped_bits)
{
  const SFrameVector *v = sframe_vector (__i__);
  GstE2eeSFrameKey *key = new_key (v->suite, v->kid, v->base_key);
  gsize hlen = vector_header_size (v), n = L (v->ct), pos, out_len;
  guint8 *frame = g_memdup2 (D (v->ct), n), *out = g_malloc (n);
  guint counts[GST_E2EE_SFRAME_ERROR_CRYPTO + 1] = { 0 };
  guint bit;
  GError *err = NULL;

  for (pos = 0; pos < n; pos++) {
    for (bit = 0; bit < 8; bit++) {
      GstE2eeSFrameError expected;

      frame[pos] ^= 1 << bit;
      expected = pos < hlen ? expected_header_flip_error (frame, n, v) :
          GST_E2EE_SFRAME_ERROR_AUTHENTICATION;
      memset (out, 0xaa, n);
      fail_if (gst_e2ee_sframe_key_decrypt (key, D (v->metadata), L (v->metadata), frame,
              n, out, n, &out_len, NULL, &err),
          "bit %u of byte %" G_GSIZE_FORMAT " flipped: frame accepted", bit, pos);
      fail_unless (err != NULL);
      fail_unless (g_error_matches (err, GST_E2EE_SFRAME_ERROR, expected),
          "bit %u of byte %" G_GSIZE_FORMAT " flipped: expected error %d, got %d (%s)",
          bit, pos, expected, err->code, err->message);
      g_clear_error (&err);
      assert_no_plaintext (out, v->pt, "flipped bit");
      counts[expected]++;
      frame[pos] ^= 1 << bit;
    }
  }
  /* Every flip outside the header, and some inside, reach the tag check; some header
   * flips change the KID and some make the header malformed. */
  fail_unless (counts[GST_E2EE_SFRAME_ERROR_AUTHENTICATION] >= 8 * (n - hlen));
  fail_unless (counts[GST_E2EE_SFRAME_ERROR_UNKNOWN_KID] > 0);
  fail_unless (counts[GST_E2EE_SFRAME_ERROR_MALFORMED_HEADER] > 0);

  /* Every bit was put back. */
  fail_unless (gst_e2ee_sframe_key_decrypt (key, D (v->metadata), L (v->metadata), frame,
          n, out, n, &out_len, NULL, NULL));
  assert_bytes_eq (out, out_len, v->pt);

  gst_e2ee_sframe_key_unref (key);
  g_free (frame);
  g_free (out);
}

GST_END_TEST;

GST_START_TEST (test_wrong_metadata)
{
  const SFrameVector *v = sframe_vector (__i__);
  GstE2eeSFrameKey *key = new_key (v->suite, v->kid, v->base_key);
  gsize n = L (v->ct), mlen = L (v->metadata), i, out_len;
  guint8 *md = g_malloc (mlen + 1), *out = g_malloc (n);
  GError *err = NULL;

  fail_unless (mlen > 0);
  memcpy (md, D (v->metadata), mlen);

#define EXPECT_AUTH_FAIL(m, ml, what) G_STMT_START {                           \
  memset (out, 0xaa, n);                                                      \
  fail_if (gst_e2ee_sframe_key_decrypt (key, (m), (ml), D (v->ct), n, out, n,  \
          &out_len, NULL, &err), "%s: accepted", what);                       \
  assert_sframe_error (err, GST_E2EE_SFRAME_ERROR_AUTHENTICATION);            \
  assert_no_plaintext (out, v->pt, what);                                     \
} G_STMT_END

  EXPECT_AUTH_FAIL (NULL, 0, "no metadata");
  EXPECT_AUTH_FAIL (md, mlen - 1, "metadata missing its last byte");
  md[mlen] = 0;
  EXPECT_AUTH_FAIL (md, mlen + 1, "metadata with an extra byte");
  EXPECT_AUTH_FAIL (md + 1, mlen - 1, "metadata missing its first byte");
  for (i = 0; i < 8 * mlen; i++) {
    md[i / 8] ^= 1 << (i % 8);
    EXPECT_AUTH_FAIL (md, mlen, "metadata with a flipped bit");
    md[i / 8] ^= 1 << (i % 8);
  }
#undef EXPECT_AUTH_FAIL

  fail_unless (gst_e2ee_sframe_key_decrypt (key, md, mlen, D (v->ct), n, out, n,
          &out_len, NULL, NULL));
  assert_bytes_eq (out, out_len, v->pt);

  gst_e2ee_sframe_key_unref (key);
  g_free (md);
  g_free (out);
}

GST_END_TEST;

GST_START_TEST (test_wrong_key)
{
  const SFrameVector *v = sframe_vector (__i__);
  gsize n = L (v->ct), out_len;
  guint8 *out = g_malloc (n), *base;
  GstE2eeSFrameKey *key;
  GError *err = NULL;
  GBytes *other_base;
  guint s;

  /* A key for another KID: the frame is not for it. */
  key = new_key (v->suite, v->kid + 1, v->base_key);
  memset (out, 0xaa, n);
  fail_if (gst_e2ee_sframe_key_decrypt (key, D (v->metadata), L (v->metadata), D (v->ct),
          n, out, n, &out_len, NULL, &err));
  assert_sframe_error (err, GST_E2EE_SFRAME_ERROR_UNKNOWN_KID);
  assert_no_plaintext (out, v->pt, "other KID");
  fail_unless (gst_e2ee_sframe_key_decrypt_bytes (key, v->metadata, v->ct, &err) == NULL);
  assert_sframe_error (err, GST_E2EE_SFRAME_ERROR_UNKNOWN_KID);
  gst_e2ee_sframe_key_unref (key);

  /* The right KID with another base key. */
  base = g_memdup2 (D (v->base_key), L (v->base_key));
  base[0] ^= 1;
  other_base = g_bytes_new_take (base, L (v->base_key));
  key = new_key (v->suite, v->kid, other_base);
  memset (out, 0xaa, n);
  fail_if (gst_e2ee_sframe_key_decrypt (key, D (v->metadata), L (v->metadata), D (v->ct),
          n, out, n, &out_len, NULL, &err));
  assert_sframe_error (err, GST_E2EE_SFRAME_ERROR_AUTHENTICATION);
  assert_no_plaintext (out, v->pt, "other base key");
  gst_e2ee_sframe_key_unref (key);
  g_bytes_unref (other_base);

  /* The right KID and base key under every other suite. */
  for (s = GST_E2EE_CIPHER_SUITE_AES_128_CTR_HMAC_SHA256_80;
      s <= GST_E2EE_CIPHER_SUITE_AES_256_GCM_SHA512_128; s++) {
    if (s == v->suite)
      continue;
    key = new_key ((GstE2eeCipherSuite) s, v->kid, v->base_key);
    memset (out, 0xaa, n);
    fail_if (gst_e2ee_sframe_key_decrypt (key, D (v->metadata), L (v->metadata),
            D (v->ct), n, out, n, &out_len, NULL, &err), "suite %u opened suite %u's frame",
        s, v->suite);
    assert_sframe_error (err, GST_E2EE_SFRAME_ERROR_AUTHENTICATION);
    assert_no_plaintext (out, v->pt, "other suite");
    gst_e2ee_sframe_key_unref (key);
  }
  g_free (out);
}

GST_END_TEST;

/* The vector's frame with its header re-encoded in more bytes than it needs. */
GST_START_TEST (test_non_minimal_header_frame)
{
  const SFrameVector *v = sframe_vector (__i__);
  GstE2eeSFrameKey *key = new_key (v->suite, v->kid, v->base_key), *small;
  gsize hlen = vector_header_size (v), n = L (v->ct), out_len, flen;
  /* kid 0x123, ctr 0x4567: 0x99 01 23 45 67 minimally */
  static const guint8 kid3[] = { 0xa9, 0x00, 0x01, 0x23, 0x45, 0x67 };
  static const guint8 ctr3[] = { 0x9a, 0x01, 0x23, 0x00, 0x45, 0x67 };
  const guint8 *variants[] = { kid3, ctr3 };
  guint8 *frame = g_malloc (n + 8), *out = g_malloc (n + 8), pt[4] = { 1, 2, 3, 4 };
  guint i;
  GError *err = NULL;

  fail_unless_equals_uint64 (hlen, 5);
  fail_unless_equals_int (D (v->ct)[0], 0x99);
  for (i = 0; i < G_N_ELEMENTS (variants); i++) {
    memcpy (frame, variants[i], 6);
    memcpy (frame + 6, D (v->ct) + hlen, n - hlen);
    fail_if (gst_e2ee_sframe_key_decrypt (key, D (v->metadata), L (v->metadata), frame,
            n + 1, out, n + 1, &out_len, NULL, &err));
    assert_sframe_error (err, GST_E2EE_SFRAME_ERROR_MALFORMED_HEADER);
  }

  /* KID 5 written as 0x80 0x05: a key for KID 5 must refuse it. */
  small = new_key (v->suite, 5, v->base_key);
  fail_unless (gst_e2ee_sframe_key_encrypt (small, NULL, 0, pt, sizeof (pt), frame + 1,
          n + 7, &flen, NULL, NULL));
  fail_unless_equals_int (frame[1], 0x50);        /* KID 5, CTR 0 */
  fail_unless (gst_e2ee_sframe_key_decrypt (small, NULL, 0, frame + 1, flen, out, n + 8,
          &out_len, NULL, NULL));
  frame[0] = 0x80;
  frame[1] = 0x05;
  fail_if (gst_e2ee_sframe_key_decrypt (small, NULL, 0, frame, flen + 1, out, n + 8,
          &out_len, NULL, &err));
  assert_sframe_error (err, GST_E2EE_SFRAME_ERROR_MALFORMED_HEADER);
  frame[0] = 0x58;              /* KID 5, CTR 0 as one extra byte */
  frame[1] = 0x00;
  fail_if (gst_e2ee_sframe_key_decrypt (small, NULL, 0, frame, flen + 1, out, n + 8,
          &out_len, NULL, &err));
  assert_sframe_error (err, GST_E2EE_SFRAME_ERROR_MALFORMED_HEADER);

  gst_e2ee_sframe_key_unref (small);
  gst_e2ee_sframe_key_unref (key);
  g_free (frame);
  g_free (out);
}

GST_END_TEST;

GST_START_TEST (test_counter_forward_only)
{
  const SFrameVector *v = sframe_vector (__i__);
  GstE2eeSFrameKey *key = new_key (v->suite, v->kid, v->base_key);
  gsize max = gst_e2ee_sframe_key_get_max_encrypted_size (key, L (v->pt)), out_len;
  guint8 *out = g_malloc (max);
  guint64 ctr;
  GError *err = NULL;

  /* A fresh key starts at 0 and counts up. */
  fail_unless (gst_e2ee_sframe_key_encrypt (key, NULL, 0, D (v->pt), L (v->pt), out, max,
          &out_len, &ctr, NULL));
  fail_unless_equals_uint64 (ctr, 0);
  fail_unless (gst_e2ee_sframe_key_encrypt (key, NULL, 0, D (v->pt), L (v->pt), out, max,
          &out_len, &ctr, NULL));
  fail_unless_equals_uint64 (ctr, 1);

  fail_if (gst_e2ee_sframe_key_skip_counter_to (key, 1, &err));
  assert_sframe_error (err, GST_E2EE_SFRAME_ERROR_INVALID_ARGUMENT);
  fail_if (gst_e2ee_sframe_key_skip_counter_to (key, 0, &err));
  assert_sframe_error (err, GST_E2EE_SFRAME_ERROR_INVALID_ARGUMENT);
  fail_unless_equals_uint64 (gst_e2ee_sframe_key_get_next_counter (key), 2);
  /* Staying put is allowed; so is moving forward. */
  fail_unless (gst_e2ee_sframe_key_skip_counter_to (key, 2, NULL));
  fail_unless (gst_e2ee_sframe_key_skip_counter_to (key, 100, NULL));
  fail_if (gst_e2ee_sframe_key_skip_counter_to (key, 99, &err));
  assert_sframe_error (err, GST_E2EE_SFRAME_ERROR_INVALID_ARGUMENT);
  fail_unless_equals_uint64 (gst_e2ee_sframe_key_get_next_counter (key), 100);
  fail_unless (gst_e2ee_sframe_key_encrypt (key, NULL, 0, D (v->pt), L (v->pt), out, max,
          &out_len, &ctr, NULL));
  fail_unless_equals_uint64 (ctr, 100);
  fail_if (gst_e2ee_sframe_key_skip_counter_to (key, 100, &err));
  assert_sframe_error (err, GST_E2EE_SFRAME_ERROR_INVALID_ARGUMENT);
  fail_unless_equals_uint64 (gst_e2ee_sframe_key_get_next_counter (key), 101);

  gst_e2ee_sframe_key_unref (key);
  g_free (out);
}

GST_END_TEST;

GST_START_TEST (test_counter_exhaustion)
{
  const SFrameVector *v = sframe_vector (__i__);
  GstE2eeSFrameKey *key = new_key (v->suite, v->kid, v->base_key), *raw;
  gsize max = gst_e2ee_sframe_key_get_max_encrypted_size (key, L (v->pt)), out_len, hlen;
  gsize nt = tag_size (v);
  guint8 *out = g_malloc (max), *body = g_malloc (max), nonce[12], aad[64];
  guint64 ctr = 0;
  GError *err = NULL;

  fail_unless (gst_e2ee_sframe_key_skip_counter_to (key, G_MAXUINT64, NULL));
  fail_unless_equals_uint64 (gst_e2ee_sframe_key_get_next_counter (key), G_MAXUINT64);

  /* The last counter value is usable once... */
  fail_unless (gst_e2ee_sframe_key_encrypt (key, D (v->metadata), L (v->metadata),
          D (v->pt), L (v->pt), out, max, &out_len, &ctr, &err), "%s",
      err ? err->message : "");
  fail_unless_equals_uint64 (ctr, G_MAXUINT64);
  hlen = gst_e2ee_sframe_header_size (v->kid, G_MAXUINT64);
  fail_unless_equals_uint64 (out_len, max);
  fail_unless_equals_uint64 (out_len, hlen + L (v->pt) + nt);

  /* ...and gives the frame the RFC's construction gives for it. */
  fail_unless_equals_uint64 (gst_e2ee_sframe_header_encode (v->kid, G_MAXUINT64, aad,
          sizeof (aad)), hlen);
  memcpy (aad + hlen, D (v->metadata), L (v->metadata));
  assert_same_bytes (out, aad, hlen);
  raw = gst_e2ee_sframe_key_new_raw (v->suite, v->kid, D (v->key), D (v->salt), NULL);
  fail_unless (raw != NULL);
  gst_e2ee_sframe_key_compute_nonce (raw, G_MAXUINT64, nonce);
  fail_unless (gst_e2ee_sframe_key_seal_raw (raw, nonce, aad, hlen + L (v->metadata),
          D (v->pt), L (v->pt), body));
  assert_bytes (out + hlen, out_len - hlen, body, L (v->pt) + nt);
  gst_e2ee_sframe_key_unref (raw);

  fail_unless (gst_e2ee_sframe_key_decrypt (key, D (v->metadata), L (v->metadata), out,
          out_len, body, max, &out_len, &ctr, NULL));
  assert_bytes_eq (body, out_len, v->pt);
  fail_unless_equals_uint64 (ctr, G_MAXUINT64);

  /* ...never twice, and never by wrapping around to 0. */
  memset (out, 0xee, max);
  fail_if (gst_e2ee_sframe_key_encrypt (key, D (v->metadata), L (v->metadata),
          D (v->pt), L (v->pt), out, max, &out_len, &ctr, &err));
  assert_sframe_error (err, GST_E2EE_SFRAME_ERROR_COUNTER_EXHAUSTED);
  fail_unless_equals_int (out[0], 0xee);
  fail_unless (gst_e2ee_sframe_key_encrypt_bytes (key, NULL, v->pt, &err) == NULL);
  assert_sframe_error (err, GST_E2EE_SFRAME_ERROR_COUNTER_EXHAUSTED);
  /* A spent key says so, whatever counter it is asked to move to. */
  fail_if (gst_e2ee_sframe_key_skip_counter_to (key, G_MAXUINT64, &err));
  assert_sframe_error (err, GST_E2EE_SFRAME_ERROR_COUNTER_EXHAUSTED);
  fail_if (gst_e2ee_sframe_key_encrypt (key, NULL, 0, D (v->pt), L (v->pt), out, max,
          &out_len, &ctr, &err));
  assert_sframe_error (err, GST_E2EE_SFRAME_ERROR_COUNTER_EXHAUSTED);

  gst_e2ee_sframe_key_unref (key);
  g_free (out);
  g_free (body);
}

GST_END_TEST;

GST_START_TEST (test_in_place)
{
  const SFrameVector *v = sframe_vector (__i__);
  GstE2eeSFrameKey *key = new_key (v->suite, v->kid, v->base_key), *key2;
  gsize n = L (v->ct), plen = L (v->pt), max, hlen, out_len;
  guint8 *buf, *orig_body;
  guint64 ctr;
  GError *err = NULL;

  /* Encrypt: the plaintext sits where the ciphertext goes. */
  fail_unless (gst_e2ee_sframe_key_skip_counter_to (key, v->ctr, NULL));
  max = gst_e2ee_sframe_key_get_max_encrypted_size (key, plen);
  hlen = gst_e2ee_sframe_header_size (v->kid, gst_e2ee_sframe_key_get_next_counter (key));
  fail_unless_equals_uint64 (hlen, vector_header_size (v));
  buf = g_malloc (max);
  memset (buf, 0xee, max);
  memcpy (buf + hlen, D (v->pt), plen);
  fail_unless (gst_e2ee_sframe_key_encrypt (key, D (v->metadata), L (v->metadata),
          buf + hlen, plen, buf, max, &out_len, &ctr, &err), "%s",
      err ? err->message : "");
  assert_bytes_eq (buf, out_len, v->ct);
  fail_unless_equals_uint64 (ctr, v->ctr);
  g_free (buf);

  /* gst_e2ee_sframe_key_encrypt_in_place(): the frame where it lies, the header in
   * the room before it and the tag in the room after it. Too little room on either
   * side is refused without using the counter. */
  {
    gsize tag = n - plen - hlen, got_hlen = 0;
    guint8 *frame;

    buf = g_malloc (GST_E2EE_SFRAME_MAX_HEADER_SIZE + plen + GST_E2EE_SFRAME_MAX_TAG_SIZE);
    frame = buf + GST_E2EE_SFRAME_MAX_HEADER_SIZE;
    memcpy (frame, D (v->pt), plen);
    key2 = new_key (v->suite, v->kid, v->base_key);
    fail_unless (gst_e2ee_sframe_key_skip_counter_to (key2, v->ctr, NULL));
    fail_if (gst_e2ee_sframe_key_encrypt_in_place (key2, D (v->metadata),
            L (v->metadata), frame, plen, hlen - 1, tag, &got_hlen, &out_len, &ctr, &err));
    assert_sframe_error (err, GST_E2EE_SFRAME_ERROR_INVALID_ARGUMENT);
    fail_if (gst_e2ee_sframe_key_encrypt_in_place (key2, D (v->metadata),
            L (v->metadata), frame, plen, hlen, tag - 1, &got_hlen, &out_len, &ctr, &err));
    assert_sframe_error (err, GST_E2EE_SFRAME_ERROR_INVALID_ARGUMENT);
    fail_unless_equals_uint64 (gst_e2ee_sframe_key_get_next_counter (key2), v->ctr);
    fail_unless (gst_e2ee_sframe_key_encrypt_in_place (key2, D (v->metadata),
            L (v->metadata), frame, plen, GST_E2EE_SFRAME_MAX_HEADER_SIZE,
            GST_E2EE_SFRAME_MAX_TAG_SIZE, &got_hlen, &out_len, &ctr, &err), "%s",
        err ? err->message : "");
    fail_unless_equals_uint64 (got_hlen, hlen);
    fail_unless_equals_uint64 (ctr, v->ctr);
    assert_bytes_eq (frame - got_hlen, out_len, v->ct);
    fail_unless_equals_uint64 (gst_e2ee_sframe_key_get_next_counter (key2), v->ctr + 1);
    gst_e2ee_sframe_key_unref (key2);
    g_free (buf);
  }

  /* Decrypt: the plaintext goes where the ciphertext was. */
  buf = g_memdup2 (D (v->ct), n);
  fail_unless (gst_e2ee_sframe_key_decrypt (key, D (v->metadata), L (v->metadata), buf, n,
          buf + hlen, n - hlen, &out_len, &ctr, &err), "%s", err ? err->message : "");
  assert_bytes_eq (buf + hlen, out_len, v->pt);
  fail_unless_equals_uint64 (ctr, v->ctr);
  assert_same_bytes (buf, D (v->ct), hlen);
  g_free (buf);

  /* A forged frame decrypted in place leaves no plaintext behind: each byte is still
   * the ciphertext or was wiped. */
  buf = g_memdup2 (D (v->ct), n);
  buf[n - 1] ^= 0x01;
  orig_body = g_memdup2 (buf + hlen, n - hlen);
  fail_if (gst_e2ee_sframe_key_decrypt (key, D (v->metadata), L (v->metadata), buf, n,
          buf + hlen, n - hlen, &out_len, &ctr, &err));
  assert_sframe_error (err, GST_E2EE_SFRAME_ERROR_AUTHENTICATION);
  {
    gsize i;
    for (i = 0; i < plen; i++)
      fail_unless (buf[hlen + i] == orig_body[i] || buf[hlen + i] == 0,
          "byte %" G_GSIZE_FORMAT " of a forged frame decrypted in place changed to %02x",
          i, buf[hlen + i]);
    fail_if (memcmp (buf + hlen, D (v->pt), plen) == 0);
  }
  g_free (orig_body);
  g_free (buf);

  gst_e2ee_sframe_key_unref (key);
}

GST_END_TEST;

GST_START_TEST (test_overlap_refused)
{
  const SFrameVector *v = sframe_vector (__i__);
  GstE2eeSFrameKey *key = new_key (v->suite, v->kid, v->base_key);
  gsize n = L (v->ct), plen = L (v->pt), hlen = vector_header_size (v), out_len, max;
  gsize size;
  guint8 *buf;
  const gssize pt_offsets[] = { 0, 1, (gssize) hlen - 1, (gssize) hlen + 1,
    (gssize) hlen + 4, -1, -(gssize) plen + 1
  };
  const gssize out_offsets[] = { 0, 1, (gssize) hlen - 1, (gssize) hlen + 1, -1,
    -(gssize) plen + 1
  };
  guint i;
  GError *err = NULL;

  fail_unless (gst_e2ee_sframe_key_skip_counter_to (key, v->ctr, NULL));
  max = gst_e2ee_sframe_key_get_max_encrypted_size (key, plen);
  size = 4 * max;
  buf = g_malloc (size);

  /* Encryption: the plaintext at any overlapping place but out + header size. */
  for (i = 0; i < G_N_ELEMENTS (pt_offsets); i++) {
    guint8 *outp = buf + 2 * max, *ptp = outp + pt_offsets[i];
    memcpy (ptp, D (v->pt), plen);
    fail_if (gst_e2ee_sframe_key_encrypt (key, D (v->metadata), L (v->metadata), ptp,
            plen, outp, max, &out_len, NULL, &err),
        "plaintext at out%+" G_GSSIZE_FORMAT " accepted", pt_offsets[i]);
    assert_sframe_error (err, GST_E2EE_SFRAME_ERROR_INVALID_ARGUMENT);
  }
  /* A refused frame used no counter. */
  fail_unless_equals_uint64 (gst_e2ee_sframe_key_get_next_counter (key), v->ctr);

  /* Decryption: the output at any overlapping place but frame + header size. */
  for (i = 0; i < G_N_ELEMENTS (out_offsets); i++) {
    guint8 *frame = buf + 2 * max, *outp = frame + out_offsets[i];
    memcpy (frame, D (v->ct), n);
    fail_if (gst_e2ee_sframe_key_decrypt (key, D (v->metadata), L (v->metadata), frame,
            n, outp, plen, &out_len, NULL, &err),
        "output at frame%+" G_GSSIZE_FORMAT " accepted", out_offsets[i]);
    assert_sframe_error (err, GST_E2EE_SFRAME_ERROR_INVALID_ARGUMENT);
    assert_bytes_eq (frame, n, v->ct);
  }

  /* Adjacent is not overlapping. */
  memcpy (buf, D (v->ct), n);
  fail_unless (gst_e2ee_sframe_key_decrypt (key, D (v->metadata), L (v->metadata), buf,
          n, buf + n, plen, &out_len, NULL, NULL));
  assert_bytes_eq (buf + n, out_len, v->pt);
  memcpy (buf + max, D (v->pt), plen);
  fail_unless (gst_e2ee_sframe_key_encrypt (key, D (v->metadata), L (v->metadata),
          buf + max, plen, buf, max, &out_len, NULL, NULL));
  assert_bytes_eq (buf, out_len, v->ct);

  gst_e2ee_sframe_key_unref (key);
  g_free (buf);
}

GST_END_TEST;

GST_START_TEST (test_output_too_small)
{
  const SFrameVector *v = sframe_vector (__i__);
  GstE2eeSFrameKey *key = new_key (v->suite, v->kid, v->base_key);
  gsize n = L (v->ct), plen = L (v->pt), out_len;
  guint8 *out = g_malloc (n);
  GError *err = NULL;

  fail_unless (gst_e2ee_sframe_key_skip_counter_to (key, v->ctr, NULL));
  memset (out, 0xee, n);
  fail_if (gst_e2ee_sframe_key_encrypt (key, D (v->metadata), L (v->metadata), D (v->pt),
          plen, out, n - 1, &out_len, NULL, &err));
  assert_sframe_error (err, GST_E2EE_SFRAME_ERROR_INVALID_ARGUMENT);
  fail_unless_equals_int (out[0], 0xee);
  fail_unless_equals_uint64 (gst_e2ee_sframe_key_get_next_counter (key), v->ctr);

  memset (out, 0xaa, n);
  fail_if (gst_e2ee_sframe_key_decrypt (key, D (v->metadata), L (v->metadata), D (v->ct),
          n, out, plen - 1, &out_len, NULL, &err));
  assert_sframe_error (err, GST_E2EE_SFRAME_ERROR_INVALID_ARGUMENT);
  assert_no_plaintext (out, v->pt, "output too small");

  gst_e2ee_sframe_key_unref (key);
  g_free (out);
}

GST_END_TEST;

/* Many frames with many lengths, each decrypted by a second key object. */
GST_START_TEST (test_round_trip)
{
  const SFrameVector *v = sframe_vector (__i__);
  GstE2eeSFrameKey *enc = new_key (v->suite, v->kid, v->base_key);
  GstE2eeSFrameKey *dec = new_key (v->suite, v->kid, v->base_key);
  guint8 pt[300], *frame, *out;
  gsize max = gst_e2ee_sframe_key_get_max_encrypted_size (enc, sizeof (pt)), len, flen;
  gsize olen;
  guint64 ctr, dctr;

  frame = g_malloc (max);
  out = g_malloc (max);
  for (len = 0; len < sizeof (pt); len++)
    pt[len] = (guint8) (len * 7 + 3);
  fail_unless (gst_e2ee_sframe_key_skip_counter_to (enc, 250, NULL));
  for (len = 0; len <= sizeof (pt); len += 13) {
    fail_unless (gst_e2ee_sframe_key_encrypt (enc, pt, len % 17, pt, len, frame, max,
            &flen, &ctr, NULL));
    fail_unless_equals_uint64 (flen, gst_e2ee_sframe_header_size (v->kid, ctr) + len +
        tag_size (v));
    fail_unless (gst_e2ee_sframe_key_decrypt (dec, pt, len % 17, frame, flen, out, max,
            &olen, &dctr, NULL));
    fail_unless_equals_uint64 (dctr, ctr);
    assert_bytes (out, olen, pt, len);
  }
  gst_e2ee_sframe_key_unref (enc);
  gst_e2ee_sframe_key_unref (dec);
  g_free (frame);
  g_free (out);
}

GST_END_TEST;

static Suite *
sframe_suite (void)
{
  Suite *s = suite_create ("sframe");
  TCase *tc;

  tc = tcase_create ("vectors-file");
  suite_add_tcase (s, tc);
  tcase_add_test (tc, test_vectors_file);
  tcase_add_test (tc, test_raw_number_reader);
  tcase_add_test (tc, test_cipher_suite_parameters);

  tc = tcase_create ("header");
  suite_add_tcase (s, tc);
  tcase_add_test (tc, test_header_vectors);
  tcase_add_test (tc, test_header_non_minimal);

  tc = tcase_create ("aes-ctr-hmac");
  suite_add_tcase (s, tc);
  tcase_add_loop_test (tc, test_aes_ctr_hmac_vectors, 0, N_CTR_HMAC);

  tc = tcase_create ("sframe");
  suite_add_tcase (s, tc);
  tcase_add_loop_test (tc, test_sframe_key_schedule, 0, N_SFRAME);
  tcase_add_loop_test (tc, test_sframe_nonce_and_aad, 0, N_SFRAME);
  tcase_add_loop_test (tc, test_sframe_aead, 0, N_SFRAME);
  tcase_add_loop_test (tc, test_sframe_encrypt, 0, N_SFRAME);
  tcase_add_loop_test (tc, test_sframe_decrypt, 0, N_SFRAME);
  tcase_add_loop_test (tc, test_sframe_bytes, 0, N_SFRAME);
  tcase_add_loop_test (tc, test_round_trip, 0, N_SFRAME);

  tc = tcase_create ("malformed");
  suite_add_tcase (s, tc);
  tcase_add_loop_test (tc, test_truncated_frames, 0, N_SFRAME);
  tcase_add_loop_test (tc, test_flipped_bits, 0, N_SFRAME);
  tcase_add_loop_test (tc, test_wrong_metadata, 0, N_SFRAME);
  tcase_add_loop_test (tc, test_wrong_key, 0, N_SFRAME);
  tcase_add_loop_test (tc, test_non_minimal_header_frame, 0, N_SFRAME);
  tcase_add_loop_test (tc, test_output_too_small, 0, N_SFRAME);

  tc = tcase_create ("counter");
  suite_add_tcase (s, tc);
  tcase_add_loop_test (tc, test_counter_forward_only, 0, N_SFRAME);
  tcase_add_loop_test (tc, test_counter_exhaustion, 0, N_SFRAME);

  tc = tcase_create ("buffers");
  suite_add_tcase (s, tc);
  tcase_add_loop_test (tc, test_in_place, 0, N_SFRAME);
  tcase_add_loop_test (tc, test_overlap_refused, 0, N_SFRAME);

  return s;
}

GST_CHECK_MAIN (sframe);
