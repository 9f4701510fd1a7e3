/* gst-e2ee: the labelled operations of RFC 9420 §5 on cipher suite 1 against the MLS
 * working group's crypto-basics vectors.
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <gst/check/gstcheck.h>
#include <gst/e2ee/gste2eemlscrypto.h>
#include <gst/e2ee/gste2eemlserror.h>

#include "../mls-vectors.h"

#define VECTORS "mls/crypto-basics.json"

static JsonObject *
part (JsonObject * o, const gchar * name)
{
  return json_object_get_object_member (o, name);
}

static gboolean
check_ref_hash (MlsVectors * v, const GstE2eeMlsSuite * s, JsonObject * o)
{
  GBytes *value = mls_hex (v, o, "value");
  guint8 out[GST_E2EE_MLS_MAX_HASH];
  GError *err = NULL;

  MLS_EXPECT_OK (gst_e2ee_mls_ref_hash (s, mls_string (v, o, "label"), MLS_D (value),
          MLS_L (value), out, &err), err);
  MLS_EXPECT_BYTES ("ref_hash", out, s->nh, mls_hex (v, o, "out"));
  return TRUE;
}

static gboolean
check_expand_with_label (MlsVectors * v, const GstE2eeMlsSuite * s, JsonObject * o)
{
  GBytes *secret = mls_hex (v, o, "secret"), *context = mls_hex (v, o, "context");
  gsize len = mls_uint (v, o, "length");
  guint8 out[256];
  GError *err = NULL;

  MLS_EXPECT (len <= sizeof out, "length too large for the test");
  MLS_EXPECT_OK (gst_e2ee_mls_expand_with_label (s, MLS_D (secret), MLS_L (secret),
          mls_string (v, o, "label"), MLS_D (context), MLS_L (context), out, len, &err),
      err);
  MLS_EXPECT_BYTES ("expand_with_label", out, len, mls_hex (v, o, "out"));
  return TRUE;
}

static gboolean
check_derive_secret (MlsVectors * v, const GstE2eeMlsSuite * s, JsonObject * o)
{
  GBytes *secret = mls_hex (v, o, "secret");
  guint8 out[GST_E2EE_MLS_MAX_HASH];
  GError *err = NULL;

  MLS_EXPECT_OK (gst_e2ee_mls_derive_secret (s, MLS_D (secret), MLS_L (secret),
          mls_string (v, o, "label"), out, &err), err);
  MLS_EXPECT_BYTES ("derive_secret", out, s->nh, mls_hex (v, o, "out"));
  return TRUE;
}

static gboolean
check_derive_tree_secret (MlsVectors * v, const GstE2eeMlsSuite * s, JsonObject * o)
{
  GBytes *secret = mls_hex (v, o, "secret");
  guint64 generation = mls_uint (v, o, "generation");
  gsize len = mls_uint (v, o, "length");
  guint8 out[256];
  GError *err = NULL;

  MLS_EXPECT (len <= sizeof out && generation <= G_MAXUINT32, "out of range");
  MLS_EXPECT_OK (gst_e2ee_mls_derive_tree_secret (s, MLS_D (secret), MLS_L (secret),
          mls_string (v, o, "label"), (guint32) generation, out, len, &err), err);
  MLS_EXPECT_BYTES ("derive_tree_secret", out, len, mls_hex (v, o, "out"));
  return TRUE;
}

/* The vector's signature verifies; ours (Ed25519 is deterministic) is the same and
 * verifies; neither verifies under another label. */
static gboolean
check_sign_with_label (MlsVectors * v, const GstE2eeMlsSuite * s, JsonObject * o)
{
  GBytes *priv = mls_hex (v, o, "priv"), *pub = mls_hex (v, o, "pub");
  GBytes *content = mls_hex (v, o, "content"), *sig = mls_hex (v, o, "signature");
  const gchar *label = mls_string (v, o, "label");
  guint8 got[64], got_pub[32];
  GError *err = NULL;

  MLS_EXPECT_OK (gst_e2ee_mls_sign_public_key (s, MLS_D (priv), MLS_L (priv), got_pub,
          &err), err);
  MLS_EXPECT_BYTES ("pub", got_pub, s->sig_npk, pub);
  MLS_EXPECT_OK (gst_e2ee_mls_verify_with_label (s, MLS_D (pub), MLS_L (pub), label,
          MLS_D (content), MLS_L (content), MLS_D (sig), MLS_L (sig), &err), err);
  MLS_EXPECT_OK (gst_e2ee_mls_sign_with_label (s, MLS_D (priv), MLS_L (priv), label,
          MLS_D (content), MLS_L (content), got, &err), err);
  MLS_EXPECT_OK (gst_e2ee_mls_verify_with_label (s, MLS_D (pub), MLS_L (pub), label,
          MLS_D (content), MLS_L (content), got, s->sig_len, &err), err);
  MLS_EXPECT_BYTES ("signature", got, s->sig_len, sig);
  MLS_EXPECT (!gst_e2ee_mls_verify_with_label (s, MLS_D (pub), MLS_L (pub), "Other",
          MLS_D (content), MLS_L (content), MLS_D (sig), MLS_L (sig), &err)
      && g_error_matches (err, GST_E2EE_MLS_ERROR, GST_E2EE_MLS_ERROR_BAD_SIGNATURE),
      "the signature verifies under another label");
  g_clear_error (&err);
  return TRUE;
}

/* The vector's ciphertext decrypts; ours (a fresh ephemeral key) decrypts too, and
 * not under another label. */
static gboolean
check_encrypt_with_label (MlsVectors * v, const GstE2eeMlsSuite * s, JsonObject * o)
{
  GBytes *priv = mls_hex (v, o, "priv"), *pub = mls_hex (v, o, "pub");
  GBytes *context = mls_hex (v, o, "context"), *pt = mls_hex (v, o, "plaintext");
  GBytes *kem_output = mls_hex (v, o, "kem_output"), *ct = mls_hex (v, o, "ciphertext");
  const gchar *label = mls_string (v, o, "label");
  guint8 got_pt[256], got_ct[256 + GST_E2EE_MLS_AEAD_TAG], got_kem[32];
  GError *err = NULL;

  MLS_EXPECT (MLS_L (ct) <= sizeof got_pt + GST_E2EE_MLS_AEAD_TAG
      && MLS_L (ct) >= GST_E2EE_MLS_AEAD_TAG && MLS_L (pt) <= sizeof got_pt,
      "sizes out of range for the test");
  MLS_EXPECT_OK (gst_e2ee_mls_decrypt_with_label (s, MLS_D (priv), MLS_L (priv), label,
          MLS_D (context), MLS_L (context), MLS_D (kem_output), MLS_L (kem_output),
          MLS_D (ct), MLS_L (ct), got_pt, &err), err);
  MLS_EXPECT_BYTES ("plaintext", got_pt, MLS_L (ct) - GST_E2EE_MLS_AEAD_TAG, pt);

  MLS_EXPECT_OK (gst_e2ee_mls_encrypt_with_label (s, MLS_D (pub), MLS_L (pub), label,
          MLS_D (context), MLS_L (context), MLS_D (pt), MLS_L (pt), got_kem, got_ct,
          &err), err);
  memset (got_pt, 0, sizeof got_pt);
  MLS_EXPECT_OK (gst_e2ee_mls_decrypt_with_label (s, MLS_D (priv), MLS_L (priv), label,
          MLS_D (context), MLS_L (context), got_kem, s->npk, got_ct,
          MLS_L (pt) + GST_E2EE_MLS_AEAD_TAG, got_pt, &err), err);
  MLS_EXPECT_BYTES ("round trip", got_pt, MLS_L (pt), pt);
  MLS_EXPECT (!gst_e2ee_mls_decrypt_with_label (s, MLS_D (priv), MLS_L (priv), "Other",
          MLS_D (context), MLS_L (context), got_kem, s->npk, got_ct,
          MLS_L (pt) + GST_E2EE_MLS_AEAD_TAG, got_pt, &err)
      && g_error_matches (err, GST_E2EE_MLS_ERROR, GST_E2EE_MLS_ERROR_DECRYPT),
      "the ciphertext decrypts under another label");
  g_clear_error (&err);
  return TRUE;
}

static gboolean
check_crypto_basics (MlsVectors * v, JsonObject * o)
{
  const GstE2eeMlsSuite *s;
  GError *err = NULL;
  gboolean ok = TRUE;

  s = gst_e2ee_mls_suite_lookup ((guint16) mls_uint (v, o, "cipher_suite"), &err);
  MLS_EXPECT_OK (s != NULL, err);
  /* Every part is checked, so that one failure does not hide another. */
  ok &= check_ref_hash (v, s, part (o, "ref_hash"));
  ok &= check_expand_with_label (v, s, part (o, "expand_with_label"));
  ok &= check_derive_secret (v, s, part (o, "derive_secret"));
  ok &= check_derive_tree_secret (v, s, part (o, "derive_tree_secret"));
  ok &= check_sign_with_label (v, s, part (o, "sign_with_label"));
  ok &= check_encrypt_with_label (v, s, part (o, "encrypt_with_label"));
  return ok;
}

GST_START_TEST (test_crypto_basics_vectors)
{
  mls_vectors_run (VECTORS, 1, check_crypto_basics, NULL);
}

GST_END_TEST;

GST_START_TEST (test_crypto_basics_detects_corruption)
{
  static const gchar *const paths[] = { "ref_hash.out", "ref_hash.value",
    "expand_with_label.out", "expand_with_label.context", "derive_secret.out",
    "derive_tree_secret.out", "sign_with_label.signature", "sign_with_label.content",
    "sign_with_label.pub", "encrypt_with_label.ciphertext",
    "encrypt_with_label.kem_output", "encrypt_with_label.context",
    "encrypt_with_label.plaintext"
  };

  mls_vectors_expect_detected (VECTORS, 0, paths, G_N_ELEMENTS (paths),
      check_crypto_basics);
}

GST_END_TEST;

GST_START_TEST (test_unknown_suite)
{
  GError *err = NULL;

  fail_unless (gst_e2ee_mls_suite_lookup (2, &err) == NULL);
  fail_unless (g_error_matches (err, GST_E2EE_MLS_ERROR,
          GST_E2EE_MLS_ERROR_UNSUPPORTED_SUITE));
  g_clear_error (&err);
  fail_unless (gst_e2ee_mls_suite_lookup (0, NULL) == NULL);
}

GST_END_TEST;

GST_START_TEST (test_mac_verify)
{
  const GstE2eeMlsSuite *s = gst_e2ee_mls_suite_lookup (1, NULL);
  guint8 key[32] = { 1 }, tag[32];
  GError *err = NULL;

  fail_unless (gst_e2ee_mls_mac (s, key, sizeof key, (const guint8 *) "abc", 3, tag,
          &err));
  fail_unless (gst_e2ee_mls_mac_verify (s, key, sizeof key, (const guint8 *) "abc", 3,
          tag, sizeof tag, &err));
  tag[31] ^= 0x80;
  fail_if (gst_e2ee_mls_mac_verify (s, key, sizeof key, (const guint8 *) "abc", 3, tag,
          sizeof tag, &err));
  fail_unless (g_error_matches (err, GST_E2EE_MLS_ERROR, GST_E2EE_MLS_ERROR_BAD_TAG));
  g_clear_error (&err);
  tag[31] ^= 0x80;
  /* A truncated tag is refused, never compared on its prefix. */
  fail_if (gst_e2ee_mls_mac_verify (s, key, sizeof key, (const guint8 *) "abc", 3, tag,
          16, &err));
  fail_unless (g_error_matches (err, GST_E2EE_MLS_ERROR, GST_E2EE_MLS_ERROR_BAD_TAG));
  g_clear_error (&err);
}

GST_END_TEST;

static Suite *
mls_crypto_suite (void)
{
  Suite *s = suite_create ("mls-crypto");
  TCase *tc = tcase_create ("general");

  suite_add_tcase (s, tc);
  tcase_add_test (tc, test_crypto_basics_vectors);
  tcase_add_test (tc, test_crypto_basics_detects_corruption);
  tcase_add_test (tc, test_unknown_suite);
  tcase_add_test (tc, test_mac_verify);
  return s;
}

GST_CHECK_MAIN (mls_crypto);
