/* gst-e2ee: building a GstE2eeSFrameKey, and the explicit-nonce AEAD the RFC's vectors use
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Compiled into libgste2ee-1.0 and, for the tests, into a static internal library: none
 * of it is exported from the shared library (an explicit nonce is how nonces get reused).
 */

#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "gste2eesframe-private.h"
#include "gste2eesuite-private.h"

#include <string.h>
#include <openssl/crypto.h>

/* Builds a key context from an already derived key and salt. Used by
 * gst_e2ee_sframe_key_new() and, for the RFC's AEAD-only vectors, by tests. */
GstE2eeSFrameKey *
gst_e2ee_sframe_key_new_raw (GstE2eeCipherSuite suite, guint64 kid, const guint8 * key,
    const guint8 * salt, GError ** error)
{
  const GstE2eeSuiteInfo *info = gst_e2ee_suite_info_lookup (suite);
  GstE2eeSFrameKey *k;

  if (info == NULL) {
    g_set_error (error, GST_E2EE_SFRAME_ERROR, GST_E2EE_SFRAME_ERROR_INVALID_ARGUMENT,
        "unknown cipher suite 0x%04x", (guint) suite);
    return NULL;
  }

  k = g_new0 (GstE2eeSFrameKey, 1);
  k->refcount = 1;
  k->suite = suite;
  k->info = info;
  k->kid = kid;
  g_mutex_init (&k->lock);
  memcpy (k->key, key, info->nk);
  memcpy (k->salt, salt, info->nn);

  k->aead = gst_e2ee_aead_new (info, k->key);
  if (k->aead == NULL) {
    g_mutex_clear (&k->lock);
    OPENSSL_cleanse (k, sizeof (*k));
    g_free (k);
    g_set_error_literal (error, GST_E2EE_SFRAME_ERROR, GST_E2EE_SFRAME_ERROR_CRYPTO,
        "OpenSSL failed: preparing the cipher contexts");
    return NULL;
  }
  return k;
}

/* AEAD with an explicit nonce and AAD, as the RFC's Appendix C.2 vectors use it.
 * Private: an explicit nonce is how nonces get reused. */
gboolean
gst_e2ee_sframe_key_seal_raw (GstE2eeSFrameKey * key, const guint8 * nonce,
    const guint8 * aad, gsize aad_len, const guint8 * pt, gsize pt_len, guint8 * out)
{
  gboolean ok;
  g_mutex_lock (&key->lock);
  ok = gst_e2ee_aead_seal (key->aead, nonce, aad, aad_len, NULL, 0, pt, pt_len, out);
  g_mutex_unlock (&key->lock);
  return ok;
}

gboolean
gst_e2ee_sframe_key_open_raw (GstE2eeSFrameKey * key, const guint8 * nonce,
    const guint8 * aad, gsize aad_len, const guint8 * ct, gsize ct_len, guint8 * out)
{
  gboolean ok, auth_failed;
  g_mutex_lock (&key->lock);
  ok = gst_e2ee_aead_open (key->aead, nonce, aad, aad_len, NULL, 0, ct, ct_len, out,
      &auth_failed);
  g_mutex_unlock (&key->lock);
  return ok;
}

