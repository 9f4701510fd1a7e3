/* gst-e2ee: the SFrame cipher suites, one row each
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "gste2eesuite-private.h"

#define MAX_HASH_SIZE GST_E2EE_SUITE_MAX_HASH_SIZE
#define MAX_KEY_SIZE GST_E2EE_SUITE_MAX_KEY_SIZE
#define NONCE_SIZE GST_E2EE_SUITE_NONCE_SIZE

/* ---- Cipher suites ------------------------------------------------------- */

/* One row per RFC 9605 §8.1 suite; every suite-dependent value in the library comes
 * from here. A new suite is a new row (and its code point in GstE2eeCipherSuite). */
static const GstE2eeSuiteInfo suites[] = {
  /* id, nick, cipher, digest, Nk, Nn, Nh, Nt, AES key of Nk, kind */
  {GST_E2EE_CIPHER_SUITE_AES_128_CTR_HMAC_SHA256_80, "aes-128-ctr-hmac-sha256-80",
      "AES-128-CTR", "SHA256", 48, 12, 32, 10, 16, GST_E2EE_SUITE_CTR_HMAC},
  {GST_E2EE_CIPHER_SUITE_AES_128_CTR_HMAC_SHA256_64, "aes-128-ctr-hmac-sha256-64",
      "AES-128-CTR", "SHA256", 48, 12, 32, 8, 16, GST_E2EE_SUITE_CTR_HMAC},
  {GST_E2EE_CIPHER_SUITE_AES_128_CTR_HMAC_SHA256_32, "aes-128-ctr-hmac-sha256-32",
      "AES-128-CTR", "SHA256", 48, 12, 32, 4, 16, GST_E2EE_SUITE_CTR_HMAC},
  {GST_E2EE_CIPHER_SUITE_AES_128_GCM_SHA256_128, "aes-128-gcm-sha256-128",
      "AES-128-GCM", "SHA256", 16, 12, 32, 16, 0, GST_E2EE_SUITE_AEAD},
  {GST_E2EE_CIPHER_SUITE_AES_256_GCM_SHA512_128, "aes-256-gcm-sha512-128",
      "AES-256-GCM", "SHA512", 32, 12, 64, 16, 0, GST_E2EE_SUITE_AEAD},
};

/* The bounds the key struct, the stack buffers and the public size macros rely on. */
static gboolean
suite_fits (const GstE2eeSuiteInfo * s)
{
  return s->nk <= MAX_KEY_SIZE && s->nn == NONCE_SIZE && s->nh <= MAX_HASH_SIZE &&
      s->nt <= GST_E2EE_SFRAME_MAX_TAG_SIZE && s->nt <= s->nh &&
      (s->kind == GST_E2EE_SUITE_AEAD) == (s->enc_key_size == 0) &&
      s->enc_key_size < s->nk;
}

/* Returns: the suite's row, or %NULL for a value that is not in the table. */
const GstE2eeSuiteInfo *
gst_e2ee_suite_info_lookup (GstE2eeCipherSuite suite)
{
  guint i;

  for (i = 0; i < G_N_ELEMENTS (suites); i++) {
    if (suites[i].id == suite) {
      g_assert (suite_fits (&suites[i]));
      return &suites[i];
    }
  }
  return NULL;
}

