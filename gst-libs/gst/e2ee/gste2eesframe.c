/* gst-e2ee: SFrame (RFC 9605)
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

/**
 * SECTION:gste2eesframe
 * @title: SFrame
 * @short_description: RFC 9605 header, key schedule and AEAD
 *
 * The SFrame codec that e2eeenc and e2eedec use, for applications that encrypt or
 * decrypt frames themselves. A frame is `header || ciphertext || tag` where the
 * header carries the key ID (KID) and counter (CTR); the nonce is the key's salt
 * XOR CTR and the AEAD's associated data is the header followed by the caller's
 * metadata.
 *
 * |[<!-- language="C" -->
 * GstE2eeSFrameKey *key = gst_e2ee_sframe_key_new (GST_E2EE_CIPHER_SUITE_AES_256_GCM_SHA512_128,
 *     kid, base_key, 32, &error);
 * guint8 out[1200 + GST_E2EE_SFRAME_MAX_OVERHEAD];
 * gsize len;
 * if (!gst_e2ee_sframe_key_encrypt (key, NULL, 0, frame, frame_len, out, sizeof (out), &len,
 *         NULL, &error))
 *   ...
 * ]|
 *
 * Since: 0.1
 */

#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "gste2eesframe.h"
#include "gste2eesframe-private.h"
#include "gste2eesuite-private.h"

#include <string.h>
#include <openssl/crypto.h>
#include <openssl/kdf.h>

#define LABEL_KEY "SFrame 1.0 Secret key "
#define LABEL_SALT "SFrame 1.0 Secret salt "
#define MAX_HASH_SIZE GST_E2EE_SUITE_MAX_HASH_SIZE
#define MAX_KEY_SIZE GST_E2EE_SUITE_MAX_KEY_SIZE
#define NONCE_SIZE GST_E2EE_SUITE_NONCE_SIZE

G_DEFINE_QUARK (gst-e2ee-sframe-error-quark, gst_e2ee_sframe_error);


G_DEFINE_BOXED_TYPE (GstE2eeSFrameKey, gst_e2ee_sframe_key,
    gst_e2ee_sframe_key_ref, gst_e2ee_sframe_key_unref);

static gboolean
set_unknown_suite_error (GError ** error, GstE2eeCipherSuite suite)
{
  g_set_error (error, GST_E2EE_SFRAME_ERROR, GST_E2EE_SFRAME_ERROR_INVALID_ARGUMENT,
      "unknown cipher suite 0x%04x", (guint) suite);
  return FALSE;
}

/**
 * gst_e2ee_cipher_suite_is_valid:
 * @suite: a cipher suite value
 *
 * Returns: %TRUE if @suite is one of the five RFC 9605 suites this library implements.
 *
 * Since: 0.1
 */
gboolean
gst_e2ee_cipher_suite_is_valid (GstE2eeCipherSuite suite)
{
  return gst_e2ee_suite_info_lookup (suite) != NULL;
}

/**
 * gst_e2ee_cipher_suite_get_key_size:
 * @suite: a #GstE2eeCipherSuite
 *
 * Returns: Nk, the size of the derived AEAD key in bytes (for the CTR+HMAC suites, the
 *   AES key followed by the HMAC key), or 0 for an invalid suite.
 *
 * Since: 0.1
 */
gsize
gst_e2ee_cipher_suite_get_key_size (GstE2eeCipherSuite suite)
{
  const GstE2eeSuiteInfo *info = gst_e2ee_suite_info_lookup (suite);

  return info ? info->nk : 0;
}

/**
 * gst_e2ee_cipher_suite_get_nonce_size:
 * @suite: a #GstE2eeCipherSuite
 *
 * Returns: Nn, the nonce size in bytes (12 for every suite), or 0 for an invalid suite.
 *
 * Since: 0.1
 */
gsize
gst_e2ee_cipher_suite_get_nonce_size (GstE2eeCipherSuite suite)
{
  const GstE2eeSuiteInfo *info = gst_e2ee_suite_info_lookup (suite);

  return info ? info->nn : 0;
}

/**
 * gst_e2ee_cipher_suite_get_tag_size:
 * @suite: a #GstE2eeCipherSuite
 *
 * Returns: Nt, the authentication tag size in bytes, or 0 for an invalid suite.
 *
 * Since: 0.1
 */
gsize
gst_e2ee_cipher_suite_get_tag_size (GstE2eeCipherSuite suite)
{
  const GstE2eeSuiteInfo *info = gst_e2ee_suite_info_lookup (suite);

  return info ? info->nt : 0;
}

/**
 * gst_e2ee_cipher_suite_get_hash_size:
 * @suite: a #GstE2eeCipherSuite
 *
 * Returns: Nh, the output size of the suite's hash (32 for SHA-256, 64 for SHA-512), which
 *   is also the size of the HKDF secret and of a ratcheted base key; 0 for an invalid suite.
 *
 * Since: 0.1
 */
gsize
gst_e2ee_cipher_suite_get_hash_size (GstE2eeCipherSuite suite)
{
  const GstE2eeSuiteInfo *info = gst_e2ee_suite_info_lookup (suite);

  return info ? info->nh : 0;
}

/* ---- Header ----------------------------------------------------------- */

static guint
uint_size (guint64 v)
{
  guint n = 1;
  while (n < 8 && (v >> (8 * n)) != 0)
    n++;
  return n;
}

/**
 * gst_e2ee_sframe_header_size:
 * @kid: key ID
 * @ctr: counter
 *
 * Returns: the size of the minimal header encoding of (@kid, @ctr): between 1 and
 *   %GST_E2EE_SFRAME_MAX_HEADER_SIZE bytes.
 *
 * Since: 0.1
 */
gsize
gst_e2ee_sframe_header_size (guint64 kid, guint64 ctr)
{
  return 1 + (kid < 8 ? 0 : uint_size (kid)) + (ctr < 8 ? 0 : uint_size (ctr));
}

static guint8 *
put_uint (guint8 * p, guint64 v, guint n)
{
  guint i;
  for (i = 0; i < n; i++)
    p[i] = (guint8) (v >> (8 * (n - 1 - i)));
  return p + n;
}

/**
 * gst_e2ee_sframe_header_encode:
 * @kid: key ID
 * @ctr: counter
 * @out: (out caller-allocates) (array length=out_size): where to write the header
 * @out_size: the size of @out
 *
 * Writes the SFrame header for (@kid, @ctr) in its minimal encoding (RFC 9605 §4.3):
 * values below 8 sit in the config byte, larger ones follow it in as few big-endian
 * bytes as hold them.
 *
 * Returns: the number of bytes written, or 0 if @out_size is too small.
 *
 * Since: 0.1
 */
gsize
gst_e2ee_sframe_header_encode (guint64 kid, guint64 ctr, guint8 * out, gsize out_size)
{
  gsize size = gst_e2ee_sframe_header_size (kid, ctr);
  guint8 config = 0;
  guint8 *p;

  g_return_val_if_fail (out != NULL || out_size == 0, 0);
  if (out_size < size)
    return 0;

  if (kid < 8)
    config |= (guint8) (kid << 4);
  else
    config |= 0x80 | (guint8) ((uint_size (kid) - 1) << 4);
  if (ctr < 8)
    config |= (guint8) ctr;
  else
    config |= 0x08 | (guint8) (uint_size (ctr) - 1);

  out[0] = config;
  p = out + 1;
  if (kid >= 8)
    p = put_uint (p, kid, uint_size (kid));
  if (ctr >= 8)
    put_uint (p, ctr, uint_size (ctr));
  return size;
}

static gboolean
read_field (const guint8 * data, gsize size, gsize * pos, gboolean extended,
    guint bits, guint64 * value, const char *name, GError ** error)
{
  guint64 v = 0;
  guint len, i;

  if (!extended) {
    *value = bits;
    return TRUE;
  }
  len = bits + 1;
  if (size - *pos < len) {
    g_set_error (error, GST_E2EE_SFRAME_ERROR, GST_E2EE_SFRAME_ERROR_MALFORMED_HEADER,
        "header truncated: %s needs %u bytes, %" G_GSIZE_FORMAT " left", name, len,
        size - *pos);
    return FALSE;
  }
  for (i = 0; i < len; i++)
    v = (v << 8) | data[*pos + i];
  *pos += len;

  /* One frame, one encoding: a non-minimal header would give the same (KID, CTR)
   * a second AAD, so it is refused rather than silently accepted. */
  if (v < 8 || uint_size (v) != len) {
    g_set_error (error, GST_E2EE_SFRAME_ERROR, GST_E2EE_SFRAME_ERROR_MALFORMED_HEADER,
        "%s is not minimally encoded (%u bytes for %" G_GUINT64_FORMAT ")", name, len, v);
    return FALSE;
  }
  *value = v;
  return TRUE;
}

/**
 * gst_e2ee_sframe_header_parse:
 * @data: (array length=size): the start of an SFrame frame
 * @size: the number of bytes available at @data
 * @kid: (out) (optional): the key ID
 * @ctr: (out) (optional): the counter
 * @header_size: (out) (optional): the header's size in bytes
 * @error: return location for a #GError
 *
 * Parses an SFrame header. Headers that are truncated or not minimally encoded are
 * refused with %GST_E2EE_SFRAME_ERROR_MALFORMED_HEADER.
 *
 * Returns: %TRUE if @data starts with a valid header.
 *
 * Since: 0.1
 */
gboolean
gst_e2ee_sframe_header_parse (const guint8 * data, gsize size, guint64 * kid,
    guint64 * ctr, gsize * header_size, GError ** error)
{
  guint64 k, c;
  gsize pos = 1;
  guint8 config;

  if (size < 1 || data == NULL) {
    g_set_error_literal (error, GST_E2EE_SFRAME_ERROR,
        GST_E2EE_SFRAME_ERROR_MALFORMED_HEADER, "empty frame: no SFrame header");
    return FALSE;
  }
  config = data[0];
  if (!read_field (data, size, &pos, (config & 0x80) != 0, (config >> 4) & 0x7, &k,
          "KID", error))
    return FALSE;
  if (!read_field (data, size, &pos, (config & 0x08) != 0, config & 0x7, &c, "CTR", error))
    return FALSE;

  if (kid)
    *kid = k;
  if (ctr)
    *ctr = c;
  if (header_size)
    *header_size = pos;
  return TRUE;
}

/* ---- Key schedule ------------------------------------------------------ */

static gboolean
set_crypto_error (GError ** error, const char *what)
{
  g_set_error (error, GST_E2EE_SFRAME_ERROR, GST_E2EE_SFRAME_ERROR_CRYPTO,
      "OpenSSL failed: %s", what);
  return FALSE;
}

static gsize
make_label (guint8 * label, const char *prefix, guint64 kid, GstE2eeCipherSuite suite)
{
  gsize n = strlen (prefix);
  memcpy (label, prefix, n);
  put_uint (label + n, kid, 8);
  put_uint (label + n + 8, (guint64) suite, 2);
  return n + 10;
}

/**
 * gst_e2ee_sframe_derive:
 * @suite: the cipher suite
 * @kid: the key ID the key is for
 * @base_key: (array length=base_key_size): the base key
 * @base_key_size: its size in bytes (at least 1)
 * @secret: (out caller-allocates) (optional) (array fixed-size=64): where to write
 *   `sframe_secret` (Nh bytes), or %NULL
 * @key: (out caller-allocates) (optional) (array fixed-size=48): where to write
 *   `sframe_key` (Nk bytes), or %NULL
 * @salt: (out caller-allocates) (optional) (array fixed-size=12): where to write
 *   `sframe_salt` (Nn bytes), or %NULL
 * @error: return location for a #GError
 *
 * Runs the RFC 9605 §4.4.2 key schedule: `sframe_secret = HKDF-Extract("", base_key)`,
 * then HKDF-Expand with the labels "SFrame 1.0 Secret key " and "SFrame 1.0 Secret salt "
 * each followed by the 8-byte big-endian KID and the 2-byte cipher suite. Exposed for
 * interoperability checks; #GstE2eeSFrameKey does this itself.
 *
 * Returns: %TRUE on success.
 *
 * Since: 0.1
 */
gboolean
gst_e2ee_sframe_derive (GstE2eeCipherSuite suite, guint64 kid, const guint8 * base_key,
    gsize base_key_size, guint8 * secret, guint8 * key, guint8 * salt, GError ** error)
{
  guint8 prk[MAX_HASH_SIZE];
  guint8 label[sizeof (LABEL_SALT) + 10];
  const GstE2eeSuiteInfo *info = gst_e2ee_suite_info_lookup (suite);
  gsize nh, label_len;
  const char *md;
  gboolean ok = FALSE;

  if (info == NULL)
    return set_unknown_suite_error (error, suite);
  if (base_key == NULL || base_key_size == 0) {
    g_set_error_literal (error, GST_E2EE_SFRAME_ERROR,
        GST_E2EE_SFRAME_ERROR_INVALID_ARGUMENT, "empty base key");
    return FALSE;
  }
  nh = info->nh;
  md = info->digest;

  if (!gst_e2ee_hkdf (md, EVP_KDF_HKDF_MODE_EXTRACT_ONLY, NULL, 0, base_key,
          base_key_size, NULL, 0, prk, nh)) {
    set_crypto_error (error, "HKDF-Extract");
    goto out;
  }
  if (key) {
    label_len = make_label (label, LABEL_KEY, kid, suite);
    if (!gst_e2ee_hkdf (md, EVP_KDF_HKDF_MODE_EXPAND_ONLY, NULL, 0, prk, nh, label,
            label_len, key, info->nk)) {
      set_crypto_error (error, "HKDF-Expand (key)");
      goto out;
    }
  }
  if (salt) {
    label_len = make_label (label, LABEL_SALT, kid, suite);
    if (!gst_e2ee_hkdf (md, EVP_KDF_HKDF_MODE_EXPAND_ONLY, NULL, 0, prk, nh, label,
            label_len, salt, info->nn)) {
      set_crypto_error (error, "HKDF-Expand (salt)");
      goto out;
    }
  }
  if (secret)
    memcpy (secret, prk, nh);
  ok = TRUE;

out:
  OPENSSL_cleanse (prk, sizeof (prk));
  return ok;
}

/* ---- Key contexts ------------------------------------------------------ */

void
gst_e2ee_sframe_key_free (GstE2eeSFrameKey * k)
{
  gst_e2ee_aead_free (k->aead);
  g_mutex_clear (&k->lock);
  OPENSSL_cleanse (k, sizeof (*k));
  g_free (k);
}

/**
 * gst_e2ee_sframe_key_new:
 * @suite: the cipher suite
 * @kid: the key ID frames encrypted with this key carry
 * @base_key: (array length=base_key_size): the base key
 * @base_key_size: its size in bytes
 * @error: return location for a #GError
 *
 * Derives the SFrame key and salt for (@kid, @suite) from @base_key and prepares the
 * cipher contexts. @base_key is not kept: the caller should wipe its copy when done.
 * The encryption counter starts at 0.
 *
 * Returns: (transfer full) (nullable): a new key, or %NULL on error.
 *
 * Since: 0.1
 */
GstE2eeSFrameKey *
gst_e2ee_sframe_key_new (GstE2eeCipherSuite suite, guint64 kid, const guint8 * base_key,
    gsize base_key_size, GError ** error)
{
  guint8 key[MAX_KEY_SIZE], salt[NONCE_SIZE];
  GstE2eeSFrameKey *k = NULL;

  if (gst_e2ee_sframe_derive (suite, kid, base_key, base_key_size, NULL, key, salt, error))
    k = gst_e2ee_sframe_key_new_raw (suite, kid, key, salt, error);
  OPENSSL_cleanse (key, sizeof (key));
  OPENSSL_cleanse (salt, sizeof (salt));
  return k;
}

/**
 * gst_e2ee_sframe_key_new_from_bytes:
 * @suite: the cipher suite
 * @kid: the key ID
 * @base_key: the base key
 * @error: return location for a #GError
 *
 * Like gst_e2ee_sframe_key_new(), with the base key in a #GBytes (for bindings).
 *
 * Returns: (transfer full) (nullable): a new key, or %NULL on error.
 *
 * Since: 0.1
 */
GstE2eeSFrameKey *
gst_e2ee_sframe_key_new_from_bytes (GstE2eeCipherSuite suite, guint64 kid,
    GBytes * base_key, GError ** error)
{
  gsize size;
  const guint8 *data;

  g_return_val_if_fail (base_key != NULL, NULL);
  data = g_bytes_get_data (base_key, &size);
  return gst_e2ee_sframe_key_new (suite, kid, data, size, error);
}

/**
 * gst_e2ee_sframe_key_ref:
 * @key: a #GstE2eeSFrameKey
 *
 * Returns: (transfer full): @key
 *
 * Since: 0.1
 */
GstE2eeSFrameKey *
gst_e2ee_sframe_key_ref (GstE2eeSFrameKey * key)
{
  g_return_val_if_fail (key != NULL, NULL);
  g_atomic_int_inc (&key->refcount);
  return key;
}

/**
 * gst_e2ee_sframe_key_unref:
 * @key: (transfer full): a #GstE2eeSFrameKey
 *
 * Drops a reference; the last one wipes the key material.
 *
 * Since: 0.1
 */
void
gst_e2ee_sframe_key_unref (GstE2eeSFrameKey * key)
{
  g_return_if_fail (key != NULL);
  if (g_atomic_int_dec_and_test (&key->refcount))
    gst_e2ee_sframe_key_free (key);
}

/**
 * gst_e2ee_sframe_key_get_kid:
 * @key: a #GstE2eeSFrameKey
 *
 * Returns: the key ID
 *
 * Since: 0.1
 */
guint64
gst_e2ee_sframe_key_get_kid (const GstE2eeSFrameKey * key)
{
  g_return_val_if_fail (key != NULL, 0);
  return key->kid;
}

/**
 * gst_e2ee_sframe_key_get_cipher_suite:
 * @key: a #GstE2eeSFrameKey
 *
 * Returns: the cipher suite
 *
 * Since: 0.1
 */
GstE2eeCipherSuite
gst_e2ee_sframe_key_get_cipher_suite (const GstE2eeSFrameKey * key)
{
  g_return_val_if_fail (key != NULL, 0);
  return key->suite;
}

/**
 * gst_e2ee_sframe_key_get_next_counter:
 * @key: a #GstE2eeSFrameKey
 *
 * Returns: the counter the next encrypted frame will carry. When the key has used
 *   every value this is G_MAXUINT64 and encryption fails.
 *
 * Since: 0.1
 */
guint64
gst_e2ee_sframe_key_get_next_counter (GstE2eeSFrameKey * key)
{
  guint64 v;

  g_return_val_if_fail (key != NULL, 0);
  g_mutex_lock (&key->lock);
  v = key->next_ctr;
  g_mutex_unlock (&key->lock);
  return v;
}

/**
 * gst_e2ee_sframe_key_skip_counter_to:
 * @key: a #GstE2eeSFrameKey
 * @ctr: the counter for the next frame
 * @error: return location for a #GError
 *
 * Moves the encryption counter forward, for a sender that resumes a key it used
 * before. Counters only move forward, so a nonce is never reused: a @ctr below the
 * next counter is refused.
 *
 * Returns: %TRUE if the counter was moved (or already was at @ctr).
 *
 * Since: 0.1
 */
gboolean
gst_e2ee_sframe_key_skip_counter_to (GstE2eeSFrameKey * key, guint64 ctr, GError ** error)
{
  gboolean ok;

  gboolean exhausted;

  g_return_val_if_fail (key != NULL, FALSE);
  g_mutex_lock (&key->lock);
  exhausted = key->exhausted;
  ok = !exhausted && ctr >= key->next_ctr;
  if (ok)
    key->next_ctr = ctr;
  g_mutex_unlock (&key->lock);
  if (exhausted)
    g_set_error (error, GST_E2EE_SFRAME_ERROR, GST_E2EE_SFRAME_ERROR_COUNTER_EXHAUSTED,
        "key %" G_GUINT64_FORMAT " has used every counter value", key->kid);
  else if (!ok)
    g_set_error (error, GST_E2EE_SFRAME_ERROR, GST_E2EE_SFRAME_ERROR_INVALID_ARGUMENT,
        "the counter only moves forward: %" G_GUINT64_FORMAT " was already used", ctr);
  return ok;
}

/**
 * gst_e2ee_sframe_key_compute_nonce:
 * @key: a #GstE2eeSFrameKey
 * @ctr: a counter value
 * @nonce: (out caller-allocates) (array fixed-size=12): where to write the nonce
 *
 * Computes the AEAD nonce for @ctr: the key's salt XOR @ctr encoded big-endian in 12
 * bytes (RFC 9605 §4.4.3).
 *
 * Since: 0.1
 */
void
gst_e2ee_sframe_key_compute_nonce (const GstE2eeSFrameKey * key, guint64 ctr,
    guint8 * nonce)
{
  guint i;

  g_return_if_fail (key != NULL && nonce != NULL);
  memcpy (nonce, key->salt, NONCE_SIZE);
  for (i = 0; i < 8; i++)
    nonce[NONCE_SIZE - 1 - i] ^= (guint8) (ctr >> (8 * i));
}

/**
 * gst_e2ee_sframe_key_get_max_encrypted_size:
 * @key: a #GstE2eeSFrameKey
 * @plaintext_size: a frame size
 *
 * Returns: the most bytes an encrypted frame of @plaintext_size bytes can take with
 *   this key (the header grows with the counter).
 *
 * Since: 0.1
 */
gsize
gst_e2ee_sframe_key_get_max_encrypted_size (const GstE2eeSFrameKey * key,
    gsize plaintext_size)
{
  g_return_val_if_fail (key != NULL, 0);
  return gst_e2ee_sframe_header_size (key->kid, G_MAXUINT64) + plaintext_size +
      key->info->nt;
}

typedef enum
{
  SEAL_OK,
  SEAL_EXHAUSTED,
  SEAL_TOO_SMALL,
  SEAL_OVERLAP,
  SEAL_NO_ROOM,
  SEAL_CRYPTO,
} SealResult;

/* What both entry points do. @out is where the header goes; NULL for in place: the
 * header then goes in the @headroom before @plaintext and the tag in the @tailroom
 * after it. The header's size depends on the counter, so both are settled under the
 * key's lock; nothing that is refused uses a counter. */
static SealResult
seal_frame (GstE2eeSFrameKey * key, const guint8 * metadata, gsize metadata_size,
    const guint8 * plaintext, gsize plaintext_size, guint8 * out, gsize out_size,
    gsize headroom, gsize tailroom, gsize * hlen, guint64 * ctr)
{
  gsize tag = key->info->nt, total;
  guint8 nonce[NONCE_SIZE];
  SealResult res = SEAL_OK;

  g_mutex_lock (&key->lock);
  *ctr = key->next_ctr;
  *hlen = gst_e2ee_sframe_header_size (key->kid, *ctr);
  total = *hlen + plaintext_size + tag;
  if (key->exhausted)
    res = SEAL_EXHAUSTED;
  else if (out == NULL && (*hlen > headroom || tag > tailroom))
    res = SEAL_NO_ROOM;
  else if (out != NULL && out_size < total)
    res = SEAL_TOO_SMALL;
  else if (out != NULL && plaintext_size > 0 && plaintext != out + *hlen &&
      plaintext < out + total && out < plaintext + plaintext_size)
    res = SEAL_OVERLAP;
  if (res == SEAL_OK) {
    if (out == NULL)
      out = (guint8 *) plaintext - *hlen;
    gst_e2ee_sframe_key_compute_nonce (key, *ctr, nonce);
    gst_e2ee_sframe_header_encode (key->kid, *ctr, out, *hlen);
    if (!gst_e2ee_aead_seal (key->aead, nonce, out, *hlen, metadata, metadata_size,
            plaintext, plaintext_size, out + *hlen))
      res = SEAL_CRYPTO;
    else if (*ctr == G_MAXUINT64)
      key->exhausted = TRUE;    /* never wrap: the last counter marks the key spent */
    else
      key->next_ctr = *ctr + 1;
  }
  g_mutex_unlock (&key->lock);
  return res;
}

/* Turns what seal_frame() refused into @error. */
static gboolean
seal_error (GstE2eeSFrameKey * key, SealResult res, gsize hlen, gsize plaintext_size,
    gsize out_size, gsize headroom, gsize tailroom, GError ** error)
{
  gsize tag = key->info->nt;

  switch (res) {
    case SEAL_EXHAUSTED:
      g_set_error (error, GST_E2EE_SFRAME_ERROR, GST_E2EE_SFRAME_ERROR_COUNTER_EXHAUSTED,
          "key %" G_GUINT64_FORMAT " has used every counter value", key->kid);
      break;
    case SEAL_TOO_SMALL:
      g_set_error (error, GST_E2EE_SFRAME_ERROR, GST_E2EE_SFRAME_ERROR_INVALID_ARGUMENT,
          "output of %" G_GSIZE_FORMAT " bytes cannot hold %" G_GSIZE_FORMAT,
          out_size, hlen + plaintext_size + tag);
      break;
    case SEAL_OVERLAP:
      g_set_error_literal (error, GST_E2EE_SFRAME_ERROR,
          GST_E2EE_SFRAME_ERROR_INVALID_ARGUMENT,
          "plaintext overlaps the output other than in place");
      break;
    case SEAL_NO_ROOM:
      g_set_error (error, GST_E2EE_SFRAME_ERROR, GST_E2EE_SFRAME_ERROR_INVALID_ARGUMENT,
          "%" G_GSIZE_FORMAT " bytes before and %" G_GSIZE_FORMAT " after the frame "
          "cannot hold a %" G_GSIZE_FORMAT "-byte header and a %" G_GSIZE_FORMAT
          "-byte tag", headroom, tailroom, hlen, tag);
      break;
    default:
      return set_crypto_error (error, "AEAD seal");
  }
  return FALSE;
}

/**
 * gst_e2ee_sframe_key_encrypt:
 * @key: a #GstE2eeSFrameKey
 * @metadata: (array length=metadata_size) (nullable): data to authenticate but not
 *   encrypt (RFC 9605 §4.4.3), or %NULL
 * @metadata_size: its size
 * @plaintext: (array length=plaintext_size): the frame
 * @plaintext_size: its size
 * @out: (array length=out_size): where to write `header || ciphertext || tag`. It may
 *   overlap @plaintext only if the plaintext sits exactly where the ciphertext goes
 *   (`out + gst_e2ee_sframe_header_size()`).
 * @out_size: the size of @out; gst_e2ee_sframe_key_get_max_encrypted_size() is enough
 * @out_len: (out): the size of the encrypted frame
 * @ctr_used: (out) (optional): the counter the frame carries
 * @error: return location for a #GError
 *
 * Encrypts one frame with the key's next counter, then advances the counter. Fails
 * with %GST_E2EE_SFRAME_ERROR_COUNTER_EXHAUSTED once every counter has been used.
 *
 * Returns: %TRUE on success.
 *
 * Since: 0.1
 */
gboolean
gst_e2ee_sframe_key_encrypt (GstE2eeSFrameKey * key, const guint8 * metadata,
    gsize metadata_size, const guint8 * plaintext, gsize plaintext_size, guint8 * out,
    gsize out_size, gsize * out_len, guint64 * ctr_used, GError ** error)
{
  SealResult res;
  guint64 ctr;
  gsize hlen;

  g_return_val_if_fail (key != NULL, FALSE);
  g_return_val_if_fail (plaintext != NULL || plaintext_size == 0, FALSE);
  g_return_val_if_fail (metadata != NULL || metadata_size == 0, FALSE);
  g_return_val_if_fail (out != NULL, FALSE);
  g_return_val_if_fail (out_len != NULL, FALSE);

  res = seal_frame (key, metadata, metadata_size, plaintext, plaintext_size, out,
      out_size, 0, 0, &hlen, &ctr);
  if (res != SEAL_OK)
    return seal_error (key, res, hlen, plaintext_size, out_size, 0, 0, error);
  *out_len = hlen + plaintext_size + key->info->nt;
  if (ctr_used)
    *ctr_used = ctr;
  return TRUE;
}

/**
 * gst_e2ee_sframe_key_encrypt_in_place:
 * @key: a #GstE2eeSFrameKey
 * @metadata: (array length=metadata_size) (nullable): data to authenticate but not
 *   encrypt (RFC 9605 §4.4.3), or %NULL
 * @metadata_size: its size
 * @frame: (array length=frame_size): the plaintext frame, encrypted where it lies
 * @frame_size: its size
 * @headroom: how many writable bytes precede @frame
 * @tailroom: how many writable bytes follow @frame
 * @header_size: (out): the SFrame header's size: the encrypted frame starts at
 *   `frame - header_size`
 * @out_len: (out): the size of the encrypted frame, `header || ciphertext || tag`
 * @ctr_used: (out) (optional): the counter the frame carries
 * @error: return location for a #GError
 *
 * Like gst_e2ee_sframe_key_encrypt(), for a frame that sits in a buffer with room
 * around it: the header is written in the @headroom, the tag in the @tailroom, and
 * the plaintext is replaced by the ciphertext, without a copy. The header's size
 * depends on the counter, which only the key knows when it takes it, so the caller
 * learns where the frame starts from @header_size. %GST_E2EE_SFRAME_MAX_HEADER_SIZE
 * bytes of headroom and %GST_E2EE_SFRAME_MAX_TAG_SIZE of tailroom are always
 * enough; with less, a frame that does not fit fails with
 * %GST_E2EE_SFRAME_ERROR_INVALID_ARGUMENT and uses no counter.
 *
 * Returns: %TRUE on success.
 *
 * Since: 0.1
 */
gboolean
gst_e2ee_sframe_key_encrypt_in_place (GstE2eeSFrameKey * key, const guint8 * metadata,
    gsize metadata_size, guint8 * frame, gsize frame_size, gsize headroom, gsize tailroom,
    gsize * header_size, gsize * out_len, guint64 * ctr_used, GError ** error)
{
  SealResult res;
  guint64 ctr;
  gsize hlen;

  g_return_val_if_fail (key != NULL, FALSE);
  g_return_val_if_fail (frame != NULL, FALSE);
  g_return_val_if_fail (metadata != NULL || metadata_size == 0, FALSE);
  g_return_val_if_fail (header_size != NULL, FALSE);
  g_return_val_if_fail (out_len != NULL, FALSE);

  res = seal_frame (key, metadata, metadata_size, frame, frame_size, NULL, 0, headroom,
      tailroom, &hlen, &ctr);
  if (res != SEAL_OK)
    return seal_error (key, res, hlen, frame_size, 0, headroom, tailroom, error);
  *header_size = hlen;
  *out_len = hlen + frame_size + key->info->nt;
  if (ctr_used)
    *ctr_used = ctr;
  return TRUE;
}

/**
 * gst_e2ee_sframe_key_decrypt:
 * @key: a #GstE2eeSFrameKey
 * @metadata: (array length=metadata_size) (nullable): the metadata the sender
 *   authenticated, or %NULL
 * @metadata_size: its size
 * @frame: (array length=frame_size): an SFrame frame, `header || ciphertext || tag`
 * @frame_size: its size
 * @out: (array length=out_size): where to write the plaintext; it may be exactly
 *   `frame + header size` to decrypt in place
 * @out_size: the size of @out (the frame size is always enough)
 * @out_len: (out): the plaintext size
 * @ctr: (out) (optional): the frame's counter
 * @error: return location for a #GError
 *
 * Checks and decrypts one frame. Nothing is written to @out that did not authenticate:
 * on failure @out holds no plaintext.
 *
 * Returns: %TRUE if the frame authenticated.
 *
 * Since: 0.1
 */
gboolean
gst_e2ee_sframe_key_decrypt (GstE2eeSFrameKey * key, const guint8 * metadata,
    gsize metadata_size, const guint8 * frame, gsize frame_size, guint8 * out,
    gsize out_size, gsize * out_len, guint64 * ctr, GError ** error)
{
  guint8 nonce[NONCE_SIZE];
  guint64 kid, c;
  gsize hlen, nt, ct_len;
  gboolean ok, auth_failed;

  g_return_val_if_fail (key != NULL, FALSE);
  g_return_val_if_fail (metadata != NULL || metadata_size == 0, FALSE);
  g_return_val_if_fail (out != NULL, FALSE);
  g_return_val_if_fail (out_len != NULL, FALSE);

  if (!gst_e2ee_sframe_header_parse (frame, frame_size, &kid, &c, &hlen, error))
    return FALSE;
  if (kid != key->kid) {
    g_set_error (error, GST_E2EE_SFRAME_ERROR, GST_E2EE_SFRAME_ERROR_UNKNOWN_KID,
        "frame is for KID %" G_GUINT64_FORMAT ", key is %" G_GUINT64_FORMAT, kid,
        key->kid);
    return FALSE;
  }
  nt = key->info->nt;
  if (frame_size < hlen + nt) {
    g_set_error (error, GST_E2EE_SFRAME_ERROR, GST_E2EE_SFRAME_ERROR_TRUNCATED,
        "frame of %" G_GSIZE_FORMAT " bytes is shorter than its header and tag",
        frame_size);
    return FALSE;
  }
  ct_len = frame_size - hlen - nt;
  if (out_size < ct_len) {
    g_set_error (error, GST_E2EE_SFRAME_ERROR, GST_E2EE_SFRAME_ERROR_INVALID_ARGUMENT,
        "output of %" G_GSIZE_FORMAT " bytes cannot hold %" G_GSIZE_FORMAT, out_size,
        ct_len);
    return FALSE;
  }
  if (ct_len > 0 && out != frame + hlen && out < frame + frame_size &&
      frame < out + ct_len) {
    g_set_error_literal (error, GST_E2EE_SFRAME_ERROR, GST_E2EE_SFRAME_ERROR_INVALID_ARGUMENT,
        "output overlaps the frame other than in place");
    return FALSE;
  }

  gst_e2ee_sframe_key_compute_nonce (key, c, nonce);
  g_mutex_lock (&key->lock);
  ok = gst_e2ee_aead_open (key->aead, nonce, frame, hlen, metadata, metadata_size,
      frame + hlen, ct_len, out, &auth_failed);
  g_mutex_unlock (&key->lock);

  if (!ok) {
    if (auth_failed)
      g_set_error (error, GST_E2EE_SFRAME_ERROR, GST_E2EE_SFRAME_ERROR_AUTHENTICATION,
          "authentication failed for KID %" G_GUINT64_FORMAT " CTR %" G_GUINT64_FORMAT,
          kid, c);
    else
      set_crypto_error (error, "AEAD open");
    return FALSE;
  }
  *out_len = ct_len;
  if (ctr)
    *ctr = c;
  return TRUE;
}

/**
 * gst_e2ee_sframe_key_encrypt_bytes:
 * @key: a #GstE2eeSFrameKey
 * @metadata: (nullable): metadata to authenticate, or %NULL
 * @plaintext: the frame
 * @error: return location for a #GError
 *
 * gst_e2ee_sframe_key_encrypt() for bindings: allocates the result.
 *
 * Returns: (transfer full) (nullable): the SFrame frame, or %NULL on error.
 *
 * Since: 0.1
 */
GBytes *
gst_e2ee_sframe_key_encrypt_bytes (GstE2eeSFrameKey * key, GBytes * metadata,
    GBytes * plaintext, GError ** error)
{
  gsize pt_len, md_len = 0, out_len, max;
  const guint8 *pt, *md = NULL;
  guint8 *out;

  g_return_val_if_fail (key != NULL, NULL);
  g_return_val_if_fail (plaintext != NULL, NULL);
  pt = g_bytes_get_data (plaintext, &pt_len);
  if (metadata)
    md = g_bytes_get_data (metadata, &md_len);
  max = gst_e2ee_sframe_key_get_max_encrypted_size (key, pt_len);
  out = g_malloc (max);
  if (!gst_e2ee_sframe_key_encrypt (key, md, md_len, pt, pt_len, out, max, &out_len,
          NULL, error)) {
    g_free (out);
    return NULL;
  }
  return g_bytes_new_take (out, out_len);
}

/**
 * gst_e2ee_sframe_key_decrypt_bytes:
 * @key: a #GstE2eeSFrameKey
 * @metadata: (nullable): the authenticated metadata, or %NULL
 * @frame: the SFrame frame
 * @error: return location for a #GError
 *
 * gst_e2ee_sframe_key_decrypt() for bindings: allocates the result.
 *
 * Returns: (transfer full) (nullable): the plaintext, or %NULL on error.
 *
 * Since: 0.1
 */
GBytes *
gst_e2ee_sframe_key_decrypt_bytes (GstE2eeSFrameKey * key, GBytes * metadata,
    GBytes * frame, GError ** error)
{
  gsize len, md_len = 0, out_len;
  const guint8 *data, *md = NULL;
  guint8 *out;

  g_return_val_if_fail (key != NULL, NULL);
  g_return_val_if_fail (frame != NULL, NULL);
  data = g_bytes_get_data (frame, &len);
  if (metadata)
    md = g_bytes_get_data (metadata, &md_len);
  out = g_malloc (MAX (len, 1));
  if (!gst_e2ee_sframe_key_decrypt (key, md, md_len, data, len, out, len, &out_len,
          NULL, error)) {
    g_free (out);
    return NULL;
  }
  return g_bytes_new_take (out, out_len);
}

/* TRUE when both contexts hold the same derived key, salt, KID and suite: they would
 * produce the same nonces, so they must share one counter. Constant time in the key. */
gboolean
gst_e2ee_sframe_key_same_secret (const GstE2eeSFrameKey * a, const GstE2eeSFrameKey * b)
{
  gboolean same_key, same_salt;

  g_return_val_if_fail (a != NULL && b != NULL, FALSE);
  if (a->suite != b->suite || a->kid != b->kid)
    return FALSE;
  same_key = CRYPTO_memcmp (a->key, b->key, sizeof (a->key)) == 0;
  same_salt = CRYPTO_memcmp (a->salt, b->salt, sizeof (a->salt)) == 0;
  return same_key && same_salt;
}
