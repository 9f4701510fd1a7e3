/* gst-e2ee: HPKE base mode (RFC 9180), built on OpenSSL 3.0 EVP for the MLS suites,
 * against RFC 9180 A.1 (DHKEM(X25519, HKDF-SHA256), HKDF-SHA256, AES-128-GCM).
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <gst/check/gstcheck.h>
#include <gst/e2ee/gste2eehpke.h>
#include <gst/e2ee/gste2eemlserror.h>

#include "../mls-vectors.h"

#define VECTORS "hpke/rfc9180-a1-base.json"

static const GstE2eeMlsSuite *
suite1 (void)
{
  const GstE2eeMlsSuite *s = gst_e2ee_mls_suite_lookup (1, NULL);

  fail_unless (s != NULL);
  return s;
}

static JsonObject *
setup_of (MlsVectors * v)
{
  return json_object_get_object_member (v->root, "setup");
}

static gboolean
check_key_pair (MlsVectors * v, JsonObject * o, const gchar * ikm, const gchar * sk,
    const gchar * pk)
{
  guint8 got_sk[GST_E2EE_MLS_MAX_KEM_KEY], got_pk[GST_E2EE_MLS_MAX_KEM_KEY];
  GBytes *b = mls_hex (v, o, ikm);
  GError *err = NULL;

  MLS_EXPECT_OK (gst_e2ee_hpke_derive_key_pair (suite1 (), MLS_D (b), MLS_L (b), got_sk,
          got_pk, &err), err);
  MLS_EXPECT_BYTES (sk, got_sk, 32, mls_hex (v, o, sk));
  MLS_EXPECT_BYTES (pk, got_pk, 32, mls_hex (v, o, pk));
  return TRUE;
}

static gboolean
check_context (MlsVectors * v, JsonObject * o, const GstE2eeHpkeContext * ctx)
{
  MLS_EXPECT_BYTES ("key", ctx->key, 16, mls_hex (v, o, "key"));
  MLS_EXPECT_BYTES ("base_nonce", ctx->base_nonce, 12, mls_hex (v, o, "base_nonce"));
  MLS_EXPECT_BYTES ("exporter_secret", ctx->exporter_secret, 32,
      mls_hex (v, o, "exporter_secret"));
  return TRUE;
}

/* DeriveKeyPair, Encap/Decap and the key schedule, on both sides. */
static gboolean
check_setup (MlsVectors * v)
{
  JsonObject *o = setup_of (v);
  const GstE2eeMlsSuite *s = suite1 ();
  GBytes *pk_r = mls_hex (v, o, "pkRm"), *sk_r = mls_hex (v, o, "skRm");
  GBytes *ikm_e = mls_hex (v, o, "ikmE"), *info = mls_hex (v, o, "info");
  GBytes *enc = mls_hex (v, o, "enc");
  guint8 secret[32], got_enc[32];
  GstE2eeHpkeContext ctx;
  GError *err = NULL;
  gboolean ok;

  MLS_EXPECT (g_strcmp0 (mls_string (v, o, "mode"), "0") == 0
      && g_ascii_strtoull (mls_string (v, o, "kem_id"), NULL, 10) == s->kem_id
      && g_ascii_strtoull (mls_string (v, o, "kdf_id"), NULL, 10) == s->kdf_id
      && g_ascii_strtoull (mls_string (v, o, "aead_id"), NULL, 10) == s->aead_id,
      "not the base mode of suite 1's HPKE algorithms");
  if (!check_key_pair (v, o, "ikmE", "skEm", "pkEm")
      || !check_key_pair (v, o, "ikmR", "skRm", "pkRm"))
    return FALSE;

  MLS_EXPECT_OK (gst_e2ee_hpke_encap (s, MLS_D (pk_r), MLS_L (pk_r), MLS_D (ikm_e),
          MLS_L (ikm_e), secret, got_enc, &err), err);
  MLS_EXPECT_BYTES ("enc", got_enc, 32, enc);
  MLS_EXPECT_BYTES ("shared_secret (encap)", secret, 32,
      mls_hex (v, o, "shared_secret"));
  MLS_EXPECT_OK (gst_e2ee_hpke_decap (s, MLS_D (enc), MLS_L (enc), MLS_D (sk_r),
          MLS_L (sk_r), secret, &err), err);
  MLS_EXPECT_BYTES ("shared_secret (decap)", secret, 32,
      mls_hex (v, o, "shared_secret"));

  MLS_EXPECT_OK (gst_e2ee_hpke_setup_base_s (s, MLS_D (pk_r), MLS_L (pk_r),
          MLS_D (info), MLS_L (info), MLS_D (ikm_e), MLS_L (ikm_e), got_enc, &ctx, &err),
      err);
  ok = check_context (v, o, &ctx);
  gst_e2ee_hpke_context_clear (&ctx);
  MLS_EXPECT (ok, "SetupBaseS");
  MLS_EXPECT_OK (gst_e2ee_hpke_setup_base_r (s, MLS_D (enc), MLS_L (enc), MLS_D (sk_r),
          MLS_L (sk_r), MLS_D (info), MLS_L (info), &ctx, &err), err);
  ok = check_context (v, o, &ctx);
  gst_e2ee_hpke_context_clear (&ctx);
  MLS_EXPECT (ok, "SetupBaseR");
  return TRUE;
}

/* Both contexts, at the entry's sequence number: Seal gives ct, Open gives pt. */
static gboolean
check_encryption (MlsVectors * v, JsonObject * e)
{
  JsonObject *o = setup_of (v);
  const GstE2eeMlsSuite *s = suite1 ();
  GBytes *pk_r = mls_hex (v, o, "pkRm"), *sk_r = mls_hex (v, o, "skRm");
  GBytes *ikm_e = mls_hex (v, o, "ikmE"), *info = mls_hex (v, o, "info");
  GBytes *pt = mls_hex (v, e, "pt"), *aad = mls_hex (v, e, "aad"), *ct = mls_hex (v, e,
      "ct");
  guint64 seq = g_ascii_strtoull (mls_string (v, e, "sequence_number"), NULL, 10);
  guint8 enc[32], got_ct[256], got_pt[256];
  GstE2eeHpkeContext sender, receiver;
  GError *err = NULL;
  gboolean sealed, opened;

  MLS_EXPECT (MLS_L (pt) + 16 <= sizeof got_ct, "plaintext too long for the test");
  MLS_EXPECT_OK (gst_e2ee_hpke_setup_base_s (s, MLS_D (pk_r), MLS_L (pk_r),
          MLS_D (info), MLS_L (info), MLS_D (ikm_e), MLS_L (ikm_e), enc, &sender, &err),
      err);
  MLS_EXPECT_OK (gst_e2ee_hpke_setup_base_r (s, enc, sizeof enc, MLS_D (sk_r),
          MLS_L (sk_r), MLS_D (info), MLS_L (info), &receiver, &err), err);
  sender.seq = receiver.seq = seq;
  sealed = gst_e2ee_hpke_context_seal (&sender, MLS_D (aad), MLS_L (aad), MLS_D (pt),
      MLS_L (pt), got_ct, &err);
  g_clear_error (&err);
  opened = gst_e2ee_hpke_context_open (&receiver, MLS_D (aad), MLS_L (aad), MLS_D (ct),
      MLS_L (ct), got_pt, &err);
  g_clear_error (&err);
  MLS_EXPECT (sender.seq == seq + 1 && (!opened || receiver.seq == seq + 1),
      "the sequence number did not advance");
  gst_e2ee_hpke_context_clear (&sender);
  gst_e2ee_hpke_context_clear (&receiver);
  MLS_EXPECT (sealed, "seal %" G_GUINT64_FORMAT " failed", seq);
  MLS_EXPECT_BYTES ("ct", got_ct, MLS_L (pt) + 16, ct);
  MLS_EXPECT (opened, "open %" G_GUINT64_FORMAT " failed", seq);
  MLS_EXPECT_BYTES ("pt", got_pt, MLS_L (ct) - 16, pt);
  return TRUE;
}

static gboolean
check_export (MlsVectors * v, JsonObject * e)
{
  JsonObject *o = setup_of (v);
  GBytes *enc = mls_hex (v, o, "enc"), *sk_r = mls_hex (v, o, "skRm");
  GBytes *info = mls_hex (v, o, "info"), *context = mls_hex (v, e, "exporter_context");
  GBytes *want = mls_hex (v, e, "exported_value");
  guint64 len = g_ascii_strtoull (mls_string (v, e, "L"), NULL, 10);
  guint8 got[64];
  GstE2eeHpkeContext ctx;
  GError *err = NULL;
  gboolean ok;

  MLS_EXPECT (len <= sizeof got, "L too large for the test");
  MLS_EXPECT_OK (gst_e2ee_hpke_setup_base_r (suite1 (), MLS_D (enc), MLS_L (enc),
          MLS_D (sk_r), MLS_L (sk_r), MLS_D (info), MLS_L (info), &ctx, &err), err);
  ok = gst_e2ee_hpke_context_export (&ctx, MLS_D (context), MLS_L (context), got, len,
      &err);
  gst_e2ee_hpke_context_clear (&ctx);
  MLS_EXPECT_OK (ok, err);
  MLS_EXPECT_BYTES ("exported_value", got, len, want);
  return TRUE;
}

/* Every check of the file: the setup, each encryption, each export. */
static void
run_hpke (MlsVectors * v)
{
  JsonArray *encryptions = json_object_get_array_member (v->root, "encryptions");
  JsonArray *exports = json_object_get_array_member (v->root, "exports");
  guint i, n = 0;

  mls_vectors_tally (v, n++, check_setup (v));
  for (i = 0; i < json_array_get_length (encryptions); i++)
    mls_vectors_tally (v, n++, check_encryption (v,
            json_array_get_object_element (encryptions, i)));
  for (i = 0; i < json_array_get_length (exports); i++)
    mls_vectors_tally (v, n++, check_export (v,
            json_array_get_object_element (exports, i)));
}

GST_START_TEST (test_hpke_vectors)
{
  MlsVectors *v = mls_vectors_open (VECTORS);
  JsonArray *left_out = json_object_get_array_member (v->root, "modes_left_out");

  fail_unless_equals_int (json_array_get_length (left_out), 3);
  v->note = g_strdup ("the PSK, Auth and AuthPSK modes not applicable (MLS uses base)");
  run_hpke (v);
  fail_unless_equals_int (v->passed, 1 + 6 + 3);
  mls_vectors_close (v);
}

GST_END_TEST;

GST_START_TEST (test_hpke_detects_corruption)
{
  static const gchar *const paths[] = { "setup.skEm", "setup.pkRm", "setup.enc",
    "setup.shared_secret", "setup.key", "setup.base_nonce", "setup.exporter_secret",
    "encryptions.3.ct", "encryptions.5.pt", "exports.2.exported_value"
  };
  guint i;

  for (i = 0; i < G_N_ELEMENTS (paths); i++) {
    MlsVectors *v = mls_vectors_open (VECTORS);

    mls_flip (v->root, paths[i]);
    run_hpke (v);
    fail_unless (v->failed > 0, "%s changed, nothing failed", paths[i]);
    mls_vectors_free (v);
  }
}

GST_END_TEST;

GST_START_TEST (test_hpke_refuses)
{
  const GstE2eeMlsSuite *s = suite1 ();
  guint8 sk[32], pk[32], enc[32], ct[16 + 3], pt[3] = { 1, 2, 3 }, zero[32] = { 0 };
  GstE2eeHpkeContext sender, receiver;
  GError *err = NULL;

  fail_unless (gst_e2ee_hpke_derive_key_pair (s, (const guint8 *) "ikm", 3, sk, pk,
          &err));
  /* A fresh ephemeral key each time: two encapsulations differ. */
  fail_unless (gst_e2ee_hpke_setup_base_s (s, pk, 32, NULL, 0, NULL, 0, enc, &sender,
          &err));
  fail_unless (gst_e2ee_hpke_setup_base_r (s, enc, 32, sk, 32, NULL, 0, &receiver,
          &err));
  fail_unless (gst_e2ee_hpke_context_seal (&sender, NULL, 0, pt, 3, ct, &err));

  /* A changed byte does not open and does not advance the receiver. */
  ct[0] ^= 1;
  fail_if (gst_e2ee_hpke_context_open (&receiver, NULL, 0, ct, sizeof ct, pt, &err));
  fail_unless (g_error_matches (err, GST_E2EE_MLS_ERROR, GST_E2EE_MLS_ERROR_DECRYPT));
  g_clear_error (&err);
  fail_unless_equals_uint64 (receiver.seq, 0);
  ct[0] ^= 1;
  fail_unless (gst_e2ee_hpke_context_open (&receiver, NULL, 0, ct, sizeof ct, pt, &err));
  fail_unless_equals_uint64 (receiver.seq, 1);
  fail_unless_equals_int (pt[2], 3);
  fail_if (gst_e2ee_hpke_context_open (&receiver, NULL, 0, ct, 15, pt, &err));
  fail_unless (g_error_matches (err, GST_E2EE_MLS_ERROR, GST_E2EE_MLS_ERROR_DECRYPT));
  g_clear_error (&err);

  /* The last sequence number is never used: a nonce would repeat after it. */
  sender.seq = G_MAXUINT64;
  fail_if (gst_e2ee_hpke_context_seal (&sender, NULL, 0, pt, 3, ct, &err));
  fail_unless (g_error_matches (err, GST_E2EE_MLS_ERROR, GST_E2EE_MLS_ERROR_GENERATION));
  g_clear_error (&err);
  gst_e2ee_hpke_context_clear (&sender);
  gst_e2ee_hpke_context_clear (&receiver);

  /* A short key, and a low-order point whose DH result is zero (RFC 9180 §7.1.4). */
  fail_if (gst_e2ee_hpke_setup_base_s (s, pk, 31, NULL, 0, NULL, 0, enc, &sender, &err));
  fail_unless (g_error_matches (err, GST_E2EE_MLS_ERROR,
          GST_E2EE_MLS_ERROR_INVALID_ARGUMENT));
  g_clear_error (&err);
  fail_if (gst_e2ee_hpke_setup_base_s (s, zero, 32, NULL, 0, NULL, 0, enc, &sender,
          &err));
  fail_unless (g_error_matches (err, GST_E2EE_MLS_ERROR, GST_E2EE_MLS_ERROR_CRYPTO));
  g_clear_error (&err);
  fail_if (gst_e2ee_hpke_setup_base_r (s, zero, 32, sk, 32, NULL, 0, &receiver, &err));
  fail_unless (g_error_matches (err, GST_E2EE_MLS_ERROR, GST_E2EE_MLS_ERROR_CRYPTO));
  g_clear_error (&err);
}

GST_END_TEST;

static Suite *
mls_hpke_suite (void)
{
  Suite *s = suite_create ("mls-hpke");
  TCase *tc = tcase_create ("general");

  suite_add_tcase (s, tc);
  tcase_add_test (tc, test_hpke_vectors);
  tcase_add_test (tc, test_hpke_detects_corruption);
  tcase_add_test (tc, test_hpke_refuses);
  return s;
}

GST_CHECK_MAIN (mls_hpke);
