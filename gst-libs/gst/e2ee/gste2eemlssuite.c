/* gst-e2ee: the MLS cipher suites (RFC 9420 §17.1) and the primitives they name.
 *
 * Everything MLS computes goes through a GstE2eeMlsSuite row: the hash, HMAC and HKDF
 * with the row's digest, the row's AEAD, its KEM key type (for HPKE, see
 * gste2eehpke.c) and its signature key type. All on OpenSSL 3.0 EVP, fetched by name.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "gste2eemlssuite.h"
#include "gste2eemlserror.h"
#include "gste2eesframe-private.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/kdf.h>
#include <openssl/rand.h>

static const GstE2eeMlsSuite suites[] = {
  {
        .id = 1,
        .name = "MLS_128_DHKEMX25519_AES128GCM_SHA256_Ed25519",
        .digest = "SHA256",.nh = 32,
        .cipher = "AES-128-GCM",.nk = 16,.nn = 12,
        .kem_key_type = "X25519",.npk = 32,.nsk = 32,.nsecret = 32,
        .kem_id = 0x0020,.kdf_id = 0x0001,.aead_id = 0x0001,
        .sig_key_type = "ED25519",.sig_npk = 32,.sig_nsk = 32,.sig_len = 64,
      },
};

const GstE2eeMlsSuite *
gst_e2ee_mls_suite_lookup (guint16 id, GError ** error)
{
  gsize i;

  for (i = 0; i < G_N_ELEMENTS (suites); i++)
    if (suites[i].id == id)
      return &suites[i];
  g_set_error (error, GST_E2EE_MLS_ERROR, GST_E2EE_MLS_ERROR_UNSUPPORTED_SUITE,
      "MLS cipher suite %u is not supported (supported: 1)", id);
  return NULL;
}

static gboolean
crypto_error (GError ** error, const gchar * what)
{
  g_set_error (error, GST_E2EE_MLS_ERROR, GST_E2EE_MLS_ERROR_CRYPTO, "%s failed", what);
  return FALSE;
}

static gboolean
check_size (gsize got, gsize want, const gchar * what, GError ** error)
{
  if (got != want) {
    g_set_error (error, GST_E2EE_MLS_ERROR, GST_E2EE_MLS_ERROR_INVALID_ARGUMENT,
        "%s is %" G_GSIZE_FORMAT " bytes, the suite needs %" G_GSIZE_FORMAT, what, got,
        want);
    return FALSE;
  }
  return TRUE;
}

gboolean
gst_e2ee_mls_hash (const GstE2eeMlsSuite * s, const guint8 * data, gsize len,
    guint8 * out, GError ** error)
{
  static const guint8 empty = 0;
  size_t out_len = 0;

  if (!EVP_Q_digest (NULL, s->digest, NULL, len ? data : &empty, len, out, &out_len)
      || out_len != s->nh)
    return crypto_error (error, "hash");
  return TRUE;
}

gboolean
gst_e2ee_mls_mac (const GstE2eeMlsSuite * s, const guint8 * key, gsize key_len,
    const guint8 * data, gsize len, guint8 * out, GError ** error)
{
  static const guint8 empty = 0;
  size_t out_len = 0;

  if (EVP_Q_mac (NULL, "HMAC", NULL, s->digest, NULL, key_len ? key : &empty, key_len,
          len ? data : &empty, len, out, s->nh, &out_len) == NULL || out_len != s->nh)
    return crypto_error (error, "HMAC");
  return TRUE;
}

/* Tags are compared in constant time: a timing difference would let a forger learn
 * a valid tag byte by byte. */
gboolean
gst_e2ee_mls_mac_verify (const GstE2eeMlsSuite * s, const guint8 * key, gsize key_len,
    const guint8 * data, gsize len, const guint8 * tag, gsize tag_len, GError ** error)
{
  guint8 want[GST_E2EE_MLS_MAX_HASH];
  gboolean ok;

  if (!gst_e2ee_mls_mac (s, key, key_len, data, len, want, error))
    return FALSE;
  ok = tag_len == s->nh && CRYPTO_memcmp (want, tag, s->nh) == 0;
  OPENSSL_cleanse (want, sizeof want);
  if (!ok)
    g_set_error (error, GST_E2EE_MLS_ERROR, GST_E2EE_MLS_ERROR_BAD_TAG,
        "the MAC tag does not match");
  return ok;
}

gboolean
gst_e2ee_mls_extract (const GstE2eeMlsSuite * s, const guint8 * salt, gsize salt_len,
    const guint8 * ikm, gsize ikm_len, guint8 * out, GError ** error)
{
  if (!gst_e2ee_hkdf (s->digest, EVP_KDF_HKDF_MODE_EXTRACT_ONLY, salt, salt_len, ikm,
          ikm_len, NULL, 0, out, s->nh))
    return crypto_error (error, "HKDF-Extract");
  return TRUE;
}

gboolean
gst_e2ee_mls_expand (const GstE2eeMlsSuite * s, const guint8 * prk, gsize prk_len,
    const guint8 * info, gsize info_len, guint8 * out, gsize out_len, GError ** error)
{
  if (out_len == 0 || out_len > 255 * s->nh) {
    g_set_error (error, GST_E2EE_MLS_ERROR, GST_E2EE_MLS_ERROR_INVALID_ARGUMENT,
        "HKDF-Expand cannot give %" G_GSIZE_FORMAT " bytes (1 to %" G_GSIZE_FORMAT ")",
        out_len, 255 * s->nh);
    return FALSE;
  }
  if (!gst_e2ee_hkdf (s->digest, EVP_KDF_HKDF_MODE_EXPAND_ONLY, NULL, 0, prk, prk_len,
          info, info_len, out, out_len))
    return crypto_error (error, "HKDF-Expand");
  return TRUE;
}

static gboolean
aead (const GstE2eeMlsSuite * s, gboolean seal, const guint8 * key, const guint8 * nonce,
    const guint8 * aad, gsize aad_len, const guint8 * in, gsize in_len, guint8 * out,
    GError ** error)
{
  EVP_CIPHER *cipher;
  EVP_CIPHER_CTX *ctx;
  gsize body;
  int n = 0;
  gboolean ok;

  if (in_len > G_MAXINT - GST_E2EE_MLS_AEAD_TAG || aad_len > G_MAXINT) {
    g_set_error (error, GST_E2EE_MLS_ERROR, GST_E2EE_MLS_ERROR_INVALID_ARGUMENT,
        "AEAD input too large");
    return FALSE;
  }
  if (!seal && in_len < GST_E2EE_MLS_AEAD_TAG) {
    g_set_error (error, GST_E2EE_MLS_ERROR, GST_E2EE_MLS_ERROR_DECRYPT,
        "ciphertext of %" G_GSIZE_FORMAT " bytes is shorter than its tag", in_len);
    return FALSE;
  }
  body = seal ? in_len : in_len - GST_E2EE_MLS_AEAD_TAG;

  cipher = EVP_CIPHER_fetch (NULL, s->cipher, NULL);
  ctx = EVP_CIPHER_CTX_new ();
  ok = cipher != NULL && ctx != NULL
      && EVP_CipherInit_ex2 (ctx, cipher, NULL, NULL, seal, NULL)
      && EVP_CIPHER_CTX_ctrl (ctx, EVP_CTRL_AEAD_SET_IVLEN, (int) s->nn, NULL) > 0
      && EVP_CipherInit_ex2 (ctx, NULL, key, nonce, seal, NULL)
      && (aad_len == 0 || EVP_CipherUpdate (ctx, NULL, &n, aad, (int) aad_len))
      && (body == 0 || EVP_CipherUpdate (ctx, out, &n, in, (int) body));
  if (ok && !seal)
    ok = EVP_CIPHER_CTX_ctrl (ctx, EVP_CTRL_AEAD_SET_TAG, GST_E2EE_MLS_AEAD_TAG,
        (void *) (in + body)) > 0;
  if (ok) {
    ok = EVP_CipherFinal_ex (ctx, out + body, &n) > 0;
    if (!ok && !seal) {
      EVP_CIPHER_CTX_free (ctx);
      EVP_CIPHER_free (cipher);
      /* Nothing of a forged message's plaintext is left for the caller to read. */
      OPENSSL_cleanse (out, body);
      g_set_error (error, GST_E2EE_MLS_ERROR, GST_E2EE_MLS_ERROR_DECRYPT,
          "the ciphertext does not authenticate");
      return FALSE;
    }
  }
  if (ok && seal)
    ok = EVP_CIPHER_CTX_ctrl (ctx, EVP_CTRL_AEAD_GET_TAG, GST_E2EE_MLS_AEAD_TAG,
        out + body) > 0;
  EVP_CIPHER_CTX_free (ctx);
  EVP_CIPHER_free (cipher);
  if (!ok)
    return crypto_error (error, seal ? "AEAD seal" : "AEAD open");
  return TRUE;
}

/* out holds pt_len + GST_E2EE_MLS_AEAD_TAG bytes. */
gboolean
gst_e2ee_mls_aead_seal (const GstE2eeMlsSuite * s, const guint8 * key,
    const guint8 * nonce, const guint8 * aad, gsize aad_len, const guint8 * pt,
    gsize pt_len, guint8 * out, GError ** error)
{
  return aead (s, TRUE, key, nonce, aad, aad_len, pt, pt_len, out, error);
}

/* out holds ct_len - GST_E2EE_MLS_AEAD_TAG bytes. */
gboolean
gst_e2ee_mls_aead_open (const GstE2eeMlsSuite * s, const guint8 * key,
    const guint8 * nonce, const guint8 * aad, gsize aad_len, const guint8 * ct,
    gsize ct_len, guint8 * out, GError ** error)
{
  return aead (s, FALSE, key, nonce, aad, aad_len, ct, ct_len, out, error);
}

static EVP_PKEY *
private_key (const gchar * type, const guint8 * sk, gsize sk_len, gsize want,
    GError ** error)
{
  EVP_PKEY *pkey;

  if (!check_size (sk_len, want, "the private key", error))
    return NULL;
  pkey = EVP_PKEY_new_raw_private_key_ex (NULL, type, NULL, sk, sk_len);
  if (pkey == NULL)
    crypto_error (error, "importing the private key");
  return pkey;
}

static EVP_PKEY *
public_key (const gchar * type, const guint8 * pk, gsize pk_len, gsize want,
    GError ** error)
{
  EVP_PKEY *pkey;

  if (!check_size (pk_len, want, "the public key", error))
    return NULL;
  pkey = EVP_PKEY_new_raw_public_key_ex (NULL, type, NULL, pk, pk_len);
  if (pkey == NULL)
    crypto_error (error, "importing the public key");
  return pkey;
}

/* sig holds s->sig_len bytes. */
gboolean
gst_e2ee_mls_sign (const GstE2eeMlsSuite * s, const guint8 * sk, gsize sk_len,
    const guint8 * msg, gsize msg_len, guint8 * sig, GError ** error)
{
  static const guint8 empty = 0;
  EVP_PKEY *pkey = private_key (s->sig_key_type, sk, sk_len, s->sig_nsk, error);
  EVP_MD_CTX *ctx;
  size_t sig_len = s->sig_len;
  gboolean ok;

  if (pkey == NULL)
    return FALSE;
  ctx = EVP_MD_CTX_new ();
  ok = ctx != NULL && EVP_DigestSignInit_ex (ctx, NULL, NULL, NULL, NULL, pkey, NULL) > 0
      && EVP_DigestSign (ctx, sig, &sig_len, msg_len ? msg : &empty, msg_len) > 0
      && sig_len == s->sig_len;
  EVP_MD_CTX_free (ctx);
  EVP_PKEY_free (pkey);
  if (!ok)
    return crypto_error (error, "signing");
  return TRUE;
}

gboolean
gst_e2ee_mls_verify (const GstE2eeMlsSuite * s, const guint8 * pk, gsize pk_len,
    const guint8 * msg, gsize msg_len, const guint8 * sig, gsize sig_len,
    GError ** error)
{
  static const guint8 empty = 0;
  EVP_PKEY *pkey = public_key (s->sig_key_type, pk, pk_len, s->sig_npk, error);
  EVP_MD_CTX *ctx;
  gboolean ok;

  if (pkey == NULL)
    return FALSE;
  ctx = EVP_MD_CTX_new ();
  if (ctx == NULL || EVP_DigestVerifyInit_ex (ctx, NULL, NULL, NULL, NULL, pkey,
          NULL) <= 0) {
    EVP_MD_CTX_free (ctx);
    EVP_PKEY_free (pkey);
    return crypto_error (error, "verifying");
  }
  ok = sig_len == s->sig_len
      && EVP_DigestVerify (ctx, sig, sig_len, msg_len ? msg : &empty, msg_len) == 1;
  EVP_MD_CTX_free (ctx);
  EVP_PKEY_free (pkey);
  if (!ok)
    g_set_error (error, GST_E2EE_MLS_ERROR, GST_E2EE_MLS_ERROR_BAD_SIGNATURE,
        "the signature does not verify");
  return ok;
}

static gboolean
raw_public_key (const gchar * type, const guint8 * sk, gsize sk_len, gsize nsk,
    guint8 * pk, gsize npk, GError ** error)
{
  EVP_PKEY *pkey = private_key (type, sk, sk_len, nsk, error);
  size_t len = npk;
  gboolean ok;

  if (pkey == NULL)
    return FALSE;
  ok = EVP_PKEY_get_raw_public_key (pkey, pk, &len) > 0 && len == npk;
  EVP_PKEY_free (pkey);
  if (!ok)
    return crypto_error (error, "computing the public key");
  return TRUE;
}

gboolean
gst_e2ee_mls_sign_public_key (const GstE2eeMlsSuite * s, const guint8 * sk,
    gsize sk_len, guint8 * pk, GError ** error)
{
  return raw_public_key (s->sig_key_type, sk, sk_len, s->sig_nsk, pk, s->sig_npk, error);
}

gboolean
gst_e2ee_mls_kem_public_key (const GstE2eeMlsSuite * s, const guint8 * sk, gsize sk_len,
    guint8 * pk, GError ** error)
{
  return raw_public_key (s->kem_key_type, sk, sk_len, s->nsk, pk, s->npk, error);
}

/* out holds s->npk bytes (the size of an X25519 shared secret). OpenSSL refuses an
 * all-zero X25519 result (RFC 7748 §6.1: a low-order peer key), which RFC 9180 §7.1.4
 * requires. */
gboolean
gst_e2ee_mls_dh (const GstE2eeMlsSuite * s, const guint8 * sk, gsize sk_len,
    const guint8 * pk, gsize pk_len, guint8 * out, GError ** error)
{
  EVP_PKEY *priv, *peer;
  EVP_PKEY_CTX *ctx;
  size_t len = s->npk;
  gboolean ok;

  priv = private_key (s->kem_key_type, sk, sk_len, s->nsk, error);
  if (priv == NULL)
    return FALSE;
  peer = public_key (s->kem_key_type, pk, pk_len, s->npk, error);
  if (peer == NULL) {
    EVP_PKEY_free (priv);
    return FALSE;
  }
  ctx = EVP_PKEY_CTX_new_from_pkey (NULL, priv, NULL);
  ok = ctx != NULL && EVP_PKEY_derive_init (ctx) > 0
      && EVP_PKEY_derive_set_peer (ctx, peer) > 0
      && EVP_PKEY_derive (ctx, out, &len) > 0 && len == s->npk;
  EVP_PKEY_CTX_free (ctx);
  EVP_PKEY_free (peer);
  EVP_PKEY_free (priv);
  if (!ok) {
    OPENSSL_cleanse (out, s->npk);
    return crypto_error (error, "Diffie-Hellman (an invalid or low-order public key?)");
  }
  return TRUE;
}

gboolean
gst_e2ee_mls_random (guint8 * out, gsize len, GError ** error)
{
  if (RAND_bytes (out, (int) len) != 1)
    return crypto_error (error, "the random generator");
  return TRUE;
}
