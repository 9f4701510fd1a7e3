/* gst-e2ee: SFrame (RFC 9605) on OpenSSL 3.0 EVP
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

/* The one file of the SFrame codec that calls EVP: HKDF, the AEAD suites and the
 * CTR+HMAC construction of RFC 9605 §4.5.1. What it does for a suite comes from the
 * suite's row in gste2eesframe.c; nothing here names a suite. */

#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "gste2eesuite-private.h"
#include "gste2eesframe-private.h"

#include <string.h>
#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/kdf.h>
#include <openssl/params.h>

struct _GstE2eeAead
{
  const GstE2eeSuiteInfo *info;
  /* Prepared once: the key schedule is set here and only the IV changes per frame. */
  EVP_CIPHER_CTX *enc_ctx;
  EVP_CIPHER_CTX *dec_ctx;      /* AEAD only: CTR is its own inverse */
  EVP_MAC_CTX *mac_ctx;         /* CTR+HMAC only */
};

/* mode is EVP_KDF_HKDF_MODE_EXTRACT_ONLY or EXPAND_ONLY. */
gboolean
gst_e2ee_hkdf (const char *digest, int mode, const guint8 * salt, gsize salt_len,
    const guint8 * ikm, gsize ikm_len, const guint8 * info, gsize info_len,
    guint8 * out, gsize out_len)
{
  EVP_KDF *kdf;
  EVP_KDF_CTX *kctx;
  OSSL_PARAM params[6], *p = params;
  static const guint8 empty = 0;
  gboolean ok;

  kdf = EVP_KDF_fetch (NULL, "HKDF", NULL);
  if (kdf == NULL)
    return FALSE;
  kctx = EVP_KDF_CTX_new (kdf);
  EVP_KDF_free (kdf);
  if (kctx == NULL)
    return FALSE;

  *p++ = OSSL_PARAM_construct_utf8_string (OSSL_KDF_PARAM_DIGEST, (char *) digest, 0);
  *p++ = OSSL_PARAM_construct_int (OSSL_KDF_PARAM_MODE, &mode);
  *p++ = OSSL_PARAM_construct_octet_string (OSSL_KDF_PARAM_KEY,
      (void *) (ikm_len ? ikm : &empty), ikm_len);
  if (mode == EVP_KDF_HKDF_MODE_EXTRACT_ONLY)
    /* RFC 5869: an absent salt is HashLen zero bytes, which is also what an empty
     * salt gives HMAC; OpenSSL wants it passed explicitly to mean "empty". */
    *p++ = OSSL_PARAM_construct_octet_string (OSSL_KDF_PARAM_SALT,
        (void *) (salt_len ? salt : &empty), salt_len);
  else
    *p++ = OSSL_PARAM_construct_octet_string (OSSL_KDF_PARAM_INFO,
        (void *) (info_len ? info : &empty), info_len);
  *p = OSSL_PARAM_construct_end ();

  ok = EVP_KDF_derive (kctx, out, out_len, params) > 0;
  EVP_KDF_CTX_free (kctx);
  return ok;
}

static EVP_CIPHER_CTX *
prepare_cipher (const EVP_CIPHER * cipher, const guint8 * key, int enc)
{
  EVP_CIPHER_CTX *ctx = EVP_CIPHER_CTX_new ();

  if (ctx == NULL)
    return NULL;
  if (EVP_CipherInit_ex2 (ctx, cipher, key, NULL, enc, NULL) != 1) {
    EVP_CIPHER_CTX_free (ctx);
    return NULL;
  }
  return ctx;
}

void
gst_e2ee_aead_free (GstE2eeAead * aead)
{
  if (aead == NULL)
    return;
  EVP_CIPHER_CTX_free (aead->enc_ctx);
  EVP_CIPHER_CTX_free (aead->dec_ctx);
  EVP_MAC_CTX_free (aead->mac_ctx);
  g_free (aead);
}

/* Returns NULL when OpenSSL cannot prepare the contexts; @key is info->nk bytes. */
GstE2eeAead *
gst_e2ee_aead_new (const GstE2eeSuiteInfo * info, const guint8 * key)
{
  GstE2eeAead *aead = g_new0 (GstE2eeAead, 1);
  EVP_CIPHER *cipher;

  aead->info = info;
  cipher = EVP_CIPHER_fetch (NULL, info->cipher, NULL);
  if (cipher == NULL)
    goto fail;
  aead->enc_ctx = prepare_cipher (cipher, key, 1);
  if (info->kind == GST_E2EE_SUITE_AEAD) {
    aead->dec_ctx = prepare_cipher (cipher, key, 0);
  } else {
    EVP_MAC *mac = EVP_MAC_fetch (NULL, "HMAC", NULL);
    OSSL_PARAM params[2];

    if (mac != NULL)
      aead->mac_ctx = EVP_MAC_CTX_new (mac);
    EVP_MAC_free (mac);
    if (aead->mac_ctx == NULL)
      goto fail;
    params[0] = OSSL_PARAM_construct_utf8_string (OSSL_MAC_PARAM_DIGEST,
        (char *) info->digest, 0);
    params[1] = OSSL_PARAM_construct_end ();
    if (EVP_MAC_init (aead->mac_ctx, key + info->enc_key_size,
            info->nk - info->enc_key_size, params) != 1)
      goto fail;
  }
  if (aead->enc_ctx == NULL || (info->kind == GST_E2EE_SUITE_AEAD && aead->dec_ctx == NULL))
    goto fail;
  EVP_CIPHER_free (cipher);
  return aead;

fail:
  EVP_CIPHER_free (cipher);
  gst_e2ee_aead_free (aead);
  return NULL;
}

static void
put_be64 (guint8 * p, guint64 v)
{
  guint i;
  for (i = 0; i < 8; i++)
    p[i] = (guint8) (v >> (8 * (7 - i)));
}

/* RFC 9605 §4.5.1: tag = HMAC(auth_key, len(aad) || len(ct) || Nt || nonce || aad || ct),
 * truncated to Nt. @tag holds the whole HMAC (Nh bytes). */
static gboolean
ctr_hmac_tag (GstE2eeAead * a, const guint8 * nonce, const guint8 * aad1,
    gsize aad1_len, const guint8 * aad2, gsize aad2_len, const guint8 * ct, gsize ct_len,
    guint8 * tag)
{
  guint8 lens[24];
  gsize mac_len;

  put_be64 (lens, aad1_len + aad2_len);
  put_be64 (lens + 8, ct_len);
  put_be64 (lens + 16, a->info->nt);

  /* NULL key: OpenSSL keeps the HMAC key set at preparation time. */
  return EVP_MAC_init (a->mac_ctx, NULL, 0, NULL) == 1 &&
      EVP_MAC_update (a->mac_ctx, lens, sizeof (lens)) == 1 &&
      EVP_MAC_update (a->mac_ctx, nonce, a->info->nn) == 1 &&
      (aad1_len == 0 || EVP_MAC_update (a->mac_ctx, aad1, aad1_len) == 1) &&
      (aad2_len == 0 || EVP_MAC_update (a->mac_ctx, aad2, aad2_len) == 1) &&
      (ct_len == 0 || EVP_MAC_update (a->mac_ctx, ct, ct_len) == 1) &&
      EVP_MAC_final (a->mac_ctx, tag, &mac_len, a->info->nh) == 1 &&
      mac_len == a->info->nh;
}

static gboolean
ctr_crypt (GstE2eeAead * a, const guint8 * nonce, const guint8 * in, gsize len,
    guint8 * out)
{
  guint8 iv[16] = { 0 };
  int outl;

  if (len > G_MAXINT)
    return FALSE;
  /* The initial counter block is the nonce followed by a 32-bit zero counter. */
  memcpy (iv, nonce, a->info->nn);
  if (EVP_CipherInit_ex2 (a->enc_ctx, NULL, NULL, iv, 1, NULL) != 1)
    return FALSE;
  return len == 0 || (EVP_CipherUpdate (a->enc_ctx, out, &outl, in, (int) len) == 1 &&
      (gsize) outl == len);
}

/* Writes `ciphertext || tag` (pt_len + Nt bytes) to @out. */
gboolean
gst_e2ee_aead_seal (GstE2eeAead * a, const guint8 * nonce, const guint8 * aad1,
    gsize aad1_len, const guint8 * aad2, gsize aad2_len, const guint8 * pt, gsize pt_len,
    guint8 * out)
{
  gsize nt = a->info->nt;
  int outl;

  if (pt_len > G_MAXINT || aad1_len > G_MAXINT || aad2_len > G_MAXINT)
    return FALSE;

  if (a->info->kind == GST_E2EE_SUITE_AEAD) {
    EVP_CIPHER_CTX *ctx = a->enc_ctx;
    return EVP_EncryptInit_ex2 (ctx, NULL, NULL, nonce, NULL) == 1 &&
        (aad1_len == 0 || EVP_EncryptUpdate (ctx, NULL, &outl, aad1, (int) aad1_len) == 1) &&
        (aad2_len == 0 || EVP_EncryptUpdate (ctx, NULL, &outl, aad2, (int) aad2_len) == 1) &&
        (pt_len == 0 || EVP_EncryptUpdate (ctx, out, &outl, pt, (int) pt_len) == 1) &&
        EVP_EncryptFinal_ex (ctx, out + pt_len, &outl) == 1 &&
        EVP_CIPHER_CTX_ctrl (ctx, EVP_CTRL_AEAD_GET_TAG, (int) nt, out + pt_len) == 1;
  } else {
    guint8 tag[GST_E2EE_SUITE_MAX_HASH_SIZE];
    gboolean ok = ctr_crypt (a, nonce, pt, pt_len, out) &&
        ctr_hmac_tag (a, nonce, aad1, aad1_len, aad2, aad2_len, out, pt_len, tag);
    if (ok)
      memcpy (out + pt_len, tag, nt);
    return ok;
  }
}

/* Returns FALSE with *auth_failed set when the tag does not verify. On failure the
 * caller must not use @out: it may hold unauthenticated plaintext, which is wiped. */
gboolean
gst_e2ee_aead_open (GstE2eeAead * a, const guint8 * nonce, const guint8 * aad1,
    gsize aad1_len, const guint8 * aad2, gsize aad2_len, const guint8 * ct, gsize ct_len,
    guint8 * out, gboolean * auth_failed)
{
  gsize nt = a->info->nt;
  const guint8 *tag = ct + ct_len;
  int outl;

  *auth_failed = FALSE;
  if (ct_len > G_MAXINT || aad1_len > G_MAXINT || aad2_len > G_MAXINT)
    return FALSE;

  if (a->info->kind == GST_E2EE_SUITE_AEAD) {
    EVP_CIPHER_CTX *ctx = a->dec_ctx;
    if (!(EVP_DecryptInit_ex2 (ctx, NULL, NULL, nonce, NULL) == 1 &&
            (aad1_len == 0 || EVP_DecryptUpdate (ctx, NULL, &outl, aad1, (int) aad1_len) == 1) &&
            (aad2_len == 0 || EVP_DecryptUpdate (ctx, NULL, &outl, aad2, (int) aad2_len) == 1) &&
            (ct_len == 0 || EVP_DecryptUpdate (ctx, out, &outl, ct, (int) ct_len) == 1) &&
            EVP_CIPHER_CTX_ctrl (ctx, EVP_CTRL_AEAD_SET_TAG, (int) nt, (void *) tag) == 1))
      return FALSE;
    /* OpenSSL compares the AEAD tag in constant time. */
    if (EVP_DecryptFinal_ex (ctx, out + ct_len, &outl) != 1) {
      OPENSSL_cleanse (out, ct_len);
      *auth_failed = TRUE;
      return FALSE;
    }
    return TRUE;
  } else {
    guint8 expected[GST_E2EE_SUITE_MAX_HASH_SIZE];

    /* Authenticate before decrypting: nothing is written to @out for a forged frame. */
    if (!ctr_hmac_tag (a, nonce, aad1, aad1_len, aad2, aad2_len, ct, ct_len, expected))
      return FALSE;
    if (CRYPTO_memcmp (expected, tag, nt) != 0) {
      OPENSSL_cleanse (expected, sizeof (expected));
      *auth_failed = TRUE;
      return FALSE;
    }
    OPENSSL_cleanse (expected, sizeof (expected));
    return ctr_crypt (a, nonce, ct, ct_len, out);
  }
}
