/* gst-e2ee benchmark: item 1 (the floor: raw OpenSSL EVP) and item 2 (the library)
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "bench.h"

#include <string.h>
#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>

#define NONCE_SIZE 12
/* The AAD the floor authenticates: an SFrame header is 1-17 bytes, 3 for a small KID
 * and a counter below 65536, which is what the library's frames carry here. */
#define FLOOR_AAD_SIZE 3

struct _CryptoCase
{
  GstE2eeCipherSuite suite;
  gboolean library;
  const guint8 *frame;
  gsize size;
  guint8 *sealed;               /* header (library only) || ciphertext || tag */
  guint8 *opened;
  gsize sealed_size;

  /* library */
  GstE2eeSFrameKey *enc_key, *dec_key;

  /* floor: contexts prepared once, as the library prepares its own */
  gboolean gcm;
  gsize tag_size;
  EVP_CIPHER_CTX *enc, *dec;
  EVP_MAC_CTX *mac;
  guint8 salt[NONCE_SIZE];
  guint8 aad[FLOOR_AAD_SIZE];
  guint64 ctr;
};

static gboolean
is_gcm (GstE2eeCipherSuite suite)
{
  return suite == GST_E2EE_CIPHER_SUITE_AES_128_GCM_SHA256_128 ||
      suite == GST_E2EE_CIPHER_SUITE_AES_256_GCM_SHA512_128;
}

CryptoCase *
crypto_library_new (GstE2eeCipherSuite suite, const guint8 * frame, gsize size)
{
  CryptoCase *c = g_new0 (CryptoCase, 1);
  guint8 base_key[32];

  c->suite = suite;
  c->library = TRUE;
  c->frame = frame;
  c->size = size;
  bench_fill_random (base_key, sizeof (base_key), 0xba5e);
  /* Sender and receiver hold separate key objects, as they would. */
  c->enc_key = gst_e2ee_sframe_key_new (suite, 1, base_key, sizeof (base_key), NULL);
  c->dec_key = gst_e2ee_sframe_key_new (suite, 1, base_key, sizeof (base_key), NULL);
  BENCH_CHECK (c->enc_key && c->dec_key);
  c->sealed_size = gst_e2ee_sframe_key_get_max_encrypted_size (c->enc_key, size);
  c->sealed = g_malloc (c->sealed_size);
  c->opened = g_malloc (MAX (size, 1));
  return c;
}

CryptoCase *
crypto_floor_new (GstE2eeCipherSuite suite, const guint8 * frame, gsize size)
{
  CryptoCase *c = g_new0 (CryptoCase, 1);
  guint8 key[48];
  EVP_CIPHER *cipher;

  c->suite = suite;
  c->frame = frame;
  c->size = size;
  c->gcm = is_gcm (suite);
  c->tag_size = gst_e2ee_cipher_suite_get_tag_size (suite);
  bench_fill_random (key, sizeof (key), 0xf100);
  bench_fill_random (c->salt, sizeof (c->salt), 0x5a17);
  bench_fill_random (c->aad, sizeof (c->aad), 0xaad);

  cipher = EVP_CIPHER_fetch (NULL, suite == GST_E2EE_CIPHER_SUITE_AES_256_GCM_SHA512_128 ?
      "AES-256-GCM" : c->gcm ? "AES-128-GCM" : "AES-128-CTR", NULL);
  BENCH_CHECK (cipher);
  c->enc = EVP_CIPHER_CTX_new ();
  BENCH_CHECK (EVP_EncryptInit_ex2 (c->enc, cipher, key, NULL, NULL) == 1);
  if (c->gcm) {
    c->dec = EVP_CIPHER_CTX_new ();
    BENCH_CHECK (EVP_DecryptInit_ex2 (c->dec, cipher, key, NULL, NULL) == 1);
  } else {
    EVP_MAC *mac = EVP_MAC_fetch (NULL, "HMAC", NULL);
    OSSL_PARAM params[2];

    params[0] = OSSL_PARAM_construct_utf8_string (OSSL_MAC_PARAM_DIGEST, (char *) "SHA256", 0);
    params[1] = OSSL_PARAM_construct_end ();
    BENCH_CHECK (mac);
    c->mac = EVP_MAC_CTX_new (mac);
    EVP_MAC_free (mac);
    BENCH_CHECK (c->mac && EVP_MAC_init (c->mac, key + 16, 32, params) == 1);
  }
  EVP_CIPHER_free (cipher);
  c->sealed_size = size + c->tag_size;
  c->sealed = g_malloc (c->sealed_size);
  c->opened = g_malloc (MAX (size, 1));
  return c;
}

static void
floor_nonce (CryptoCase * c, guint64 ctr, guint8 * nonce)
{
  guint i;

  memcpy (nonce, c->salt, NONCE_SIZE);
  for (i = 0; i < 8; i++)
    nonce[NONCE_SIZE - 1 - i] ^= (guint8) (ctr >> (8 * i));
}

static void
put_be64 (guint8 * p, guint64 v)
{
  guint i;
  for (i = 0; i < 8; i++)
    p[i] = (guint8) (v >> (56 - 8 * i));
}

/* RFC 9605 §4.5.1's tag: HMAC-SHA256 over the lengths, the nonce, the AAD and the
 * ciphertext; the least any implementation of these suites has to compute. */
static gboolean
floor_hmac (CryptoCase * c, const guint8 * nonce, const guint8 * ct, gsize ct_len,
    guint8 * tag)
{
  guint8 lens[24];
  gsize len;

  put_be64 (lens, FLOOR_AAD_SIZE);
  put_be64 (lens + 8, ct_len);
  put_be64 (lens + 16, c->tag_size);
  return EVP_MAC_init (c->mac, NULL, 0, NULL) == 1 &&
      EVP_MAC_update (c->mac, lens, sizeof (lens)) == 1 &&
      EVP_MAC_update (c->mac, nonce, NONCE_SIZE) == 1 &&
      EVP_MAC_update (c->mac, c->aad, FLOOR_AAD_SIZE) == 1 &&
      EVP_MAC_update (c->mac, ct, ct_len) == 1 &&
      EVP_MAC_final (c->mac, tag, &len, 32) == 1;
}

static gboolean
floor_ctr (CryptoCase * c, const guint8 * nonce, const guint8 * in, guint8 * out)
{
  guint8 iv[16] = { 0 };
  int outl;

  memcpy (iv, nonce, NONCE_SIZE);
  return EVP_EncryptInit_ex2 (c->enc, NULL, NULL, iv, NULL) == 1 &&
      EVP_EncryptUpdate (c->enc, out, &outl, in, (int) c->size) == 1;
}

static gboolean
floor_one (CryptoCase * c)
{
  guint8 nonce[NONCE_SIZE], tag[32];
  int outl, n = (int) c->size;
  guint8 *ct = c->sealed;

  floor_nonce (c, c->ctr++, nonce);
  if (c->gcm) {
    if (EVP_EncryptInit_ex2 (c->enc, NULL, NULL, nonce, NULL) != 1 ||
        EVP_EncryptUpdate (c->enc, NULL, &outl, c->aad, FLOOR_AAD_SIZE) != 1 ||
        EVP_EncryptUpdate (c->enc, ct, &outl, c->frame, n) != 1 ||
        EVP_EncryptFinal_ex (c->enc, ct + n, &outl) != 1 ||
        EVP_CIPHER_CTX_ctrl (c->enc, EVP_CTRL_GCM_GET_TAG, 16, ct + n) != 1)
      return FALSE;
    return EVP_DecryptInit_ex2 (c->dec, NULL, NULL, nonce, NULL) == 1 &&
        EVP_DecryptUpdate (c->dec, NULL, &outl, c->aad, FLOOR_AAD_SIZE) == 1 &&
        EVP_DecryptUpdate (c->dec, c->opened, &outl, ct, n) == 1 &&
        EVP_CIPHER_CTX_ctrl (c->dec, EVP_CTRL_GCM_SET_TAG, 16, ct + n) == 1 &&
        EVP_DecryptFinal_ex (c->dec, c->opened + n, &outl) == 1;
  }
  /* Seal: encrypt, then MAC. Open: MAC and compare before decrypting. */
  if (!floor_ctr (c, nonce, c->frame, ct) || !floor_hmac (c, nonce, ct, c->size, tag))
    return FALSE;
  memcpy (ct + n, tag, c->tag_size);
  return floor_hmac (c, nonce, ct, c->size, tag) &&
      CRYPTO_memcmp (tag, ct + n, c->tag_size) == 0 &&
      floor_ctr (c, nonce, ct, c->opened);
}

static gboolean
library_one (CryptoCase * c)
{
  gsize sealed_len, opened_len;

  return gst_e2ee_sframe_key_encrypt (c->enc_key, NULL, 0, c->frame, c->size, c->sealed,
      c->sealed_size, &sealed_len, NULL, NULL) &&
      gst_e2ee_sframe_key_decrypt (c->dec_key, NULL, 0, c->sealed, sealed_len, c->opened,
      c->size, &opened_len, NULL, NULL) && opened_len == c->size;
}

gboolean
crypto_case_run (gpointer data, guint64 n)
{
  CryptoCase *c = data;
  guint64 i;

  for (i = 0; i < n; i++)
    if (!(c->library ? library_one (c) : floor_one (c)))
      return FALSE;
  return TRUE;
}

/* The round trip gave back the frame: what was timed did the real work. */
gboolean
crypto_case_verify (CryptoCase * c)
{
  memset (c->opened, 0, c->size);
  return crypto_case_run (c, 1) && memcmp (c->opened, c->frame, c->size) == 0;
}

void
crypto_case_free (CryptoCase * c)
{
  if (c->enc_key)
    gst_e2ee_sframe_key_unref (c->enc_key);
  if (c->dec_key)
    gst_e2ee_sframe_key_unref (c->dec_key);
  EVP_CIPHER_CTX_free (c->enc);
  EVP_CIPHER_CTX_free (c->dec);
  EVP_MAC_CTX_free (c->mac);
  g_free (c->sealed);
  g_free (c->opened);
  g_free (c);
}
