/* gst-e2ee: Welcome, GroupSecrets and GroupInfo (RFC 9420 §12.4.3) on cipher suite 1,
 * against the MLS working group's welcome vectors: the joiner finds its entry by
 * KeyPackageRef, decrypts the group secrets with its init key, the GroupInfo with the
 * welcome key, verifies the GroupInfo's signature and confirmation tag, and the
 * Welcome re-encodes to its own bytes.
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <gst/check/gstcheck.h>
#include <gst/e2ee/gste2eemlserror.h>
#include <gst/e2ee/gste2eemlscrypto.h>
#include <gst/e2ee/gste2eemlskeyschedule.h>
#include <gst/e2ee/gste2eemlsmessage.h>

#include "../mls-vectors.h"

#define VECTORS "mls/welcome.json"

static gboolean
check_welcome (MlsVectors * v, JsonObject * o)
{
  GBytes *init_priv = mls_hex (v, o, "init_priv"), *kp_msg = mls_hex (v, o,
      "key_package");
  GBytes *signer_pub = mls_hex (v, o, "signer_pub"), *welcome = mls_hex (v, o,
      "welcome");
  const GstE2eeMlsSuite *s =
      gst_e2ee_mls_suite_lookup ((guint16) mls_uint (v, o, "cipher_suite"), NULL);
  GstE2eeMlsKeyPackage *kp = NULL;
  GstE2eeMlsMessage m;
  const GstE2eeMlsEncryptedGroupSecrets *egs = NULL;
  GstE2eeMlsGroupSecrets gs;
  GstE2eeMlsGroupInfo gi;
  GstE2eeMlsEpochSecrets secrets;
  GByteArray *again = g_byte_array_new (), *gc = g_byte_array_new ();
  guint8 ref[GST_E2EE_MLS_MAX_HASH], key[GST_E2EE_MLS_MAX_KEY];
  guint8 nonce[GST_E2EE_MLS_MAX_NONCE];
  guint8 *gs_plain = NULL, *gi_plain = NULL;
  gsize gs_len = 0, gi_len = 0;
  GError *err = NULL;
  gboolean ok = FALSE;
  guint i;

  fail_unless (s != NULL);
  gst_e2ee_mls_message_init (&m);
  memset (&secrets, 0, sizeof secrets);
  kp = gst_e2ee_mls_key_package_decode_message (MLS_D (kp_msg), MLS_L (kp_msg), &err);
  if (kp == NULL || !gst_e2ee_mls_key_package_ref_hash (s, kp, ref, &err)
      || !gst_e2ee_mls_message_decode (&m, MLS_D (welcome), MLS_L (welcome), &err)
      || !gst_e2ee_mls_message_encode (&m, again, &err)) {
    g_printerr ("  decoding: %s\n", err->message);
    goto done;
  }
  if (again->len != MLS_L (welcome)
      || memcmp (again->data, MLS_D (welcome), again->len) != 0) {
    g_printerr ("  the Welcome does not re-encode to itself\n");
    goto done;
  }
  if (m.wire_format != GST_E2EE_MLS_WIRE_FORMAT_WELCOME || m.welcome.cipher_suite != s->id) {
    g_printerr ("  not a suite-1 Welcome\n");
    goto done;
  }
  for (i = 0; i < m.welcome.secrets->len; i++) {
    const GstE2eeMlsEncryptedGroupSecrets *e =
        &g_array_index (m.welcome.secrets, GstE2eeMlsEncryptedGroupSecrets, i);
    if (e->new_member_len == s->nh && memcmp (e->new_member, ref, s->nh) == 0)
      egs = e;
  }
  if (egs == NULL) {
    g_printerr ("  no entry for the key package\n");
    goto done;
  }
  gs_plain = gst_e2ee_mls_group_secrets_open (s, MLS_D (init_priv), MLS_L (init_priv),
      m.welcome.encrypted_group_info, m.welcome.encrypted_group_info_len, egs, &gs_len,
      &err);
  if (gs_plain == NULL || !gst_e2ee_mls_group_secrets_decode (&gs, gs_plain, gs_len,
          &err)) {
    g_printerr ("  group secrets: %s\n", err->message);
    goto done;
  }
  /* GroupSecrets re-encode to themselves too. */
  g_byte_array_set_size (again, 0);
  if (!gst_e2ee_mls_group_secrets_encode (&gs, again, &err) || again->len != gs_len
      || memcmp (again->data, gs_plain, gs_len) != 0) {
    g_printerr ("  the GroupSecrets do not re-encode to themselves\n");
    goto done;
  }
  gi_len = m.welcome.encrypted_group_info_len - GST_E2EE_MLS_AEAD_TAG;
  gi_plain = g_malloc (gi_len + 1);
  if (gs.joiner_secret_len != s->nh
      || !gst_e2ee_mls_welcome_key_nonce (s, gs.joiner_secret, NULL, key, nonce, &err)
      || !gst_e2ee_mls_aead_open (s, key, nonce, NULL, 0,
          m.welcome.encrypted_group_info, m.welcome.encrypted_group_info_len, gi_plain,
          &err)
      || !gst_e2ee_mls_group_info_decode (&gi, gi_plain, gi_len, &err)) {
    g_printerr ("  group info: %s\n", err ? err->message : "joiner secret size");
    goto done;
  }
  g_byte_array_set_size (again, 0);
  if (!gst_e2ee_mls_group_info_encode (&gi, again, &err) || again->len != gi_len
      || memcmp (again->data, gi_plain, gi_len) != 0) {
    g_printerr ("  the GroupInfo does not re-encode to itself\n");
    goto done;
  }
  if (!gst_e2ee_mls_group_info_verify (s, MLS_D (signer_pub), MLS_L (signer_pub), &gi,
          &err)
      || !gst_e2ee_mls_group_context_encode (&gi.group_context, gc, &err)
      || !gst_e2ee_mls_key_schedule_epoch (s, gs.joiner_secret, NULL, gc->data, gc->len,
          &secrets, &err)
      || !gst_e2ee_mls_confirmation_tag_verify (&secrets,
          gi.group_context.confirmed_transcript_hash,
          gi.group_context.confirmed_transcript_hash_len, gi.confirmation_tag,
          gi.confirmation_tag_len, &err)) {
    g_printerr ("  verifying the GroupInfo: %s\n", err->message);
    goto done;
  }
  ok = TRUE;

done:
  g_clear_error (&err);
  gst_e2ee_mls_epoch_secrets_clear (&secrets);
  gst_e2ee_mls_secret_free (gs_plain, gs_len);
  g_free (gi_plain);
  g_byte_array_unref (again);
  g_byte_array_unref (gc);
  gst_e2ee_mls_message_clear (&m);
  if (kp != NULL)
    gst_e2ee_mls_key_package_unref (kp);
  return ok;
}

GST_START_TEST (test_welcome_vectors)
{
  mls_vectors_run (VECTORS, 1, check_welcome, NULL);
}

GST_END_TEST;

/* Each value the check depends on, changed, makes it fail: another signer key does
 * not verify, a changed key package has another ref, a changed Welcome does not
 * decode (its version), another init key cannot open the group secrets (its second
 * byte changed: X25519 clamps the low bits of the first). */
GST_START_TEST (test_welcome_detects_corruption)
{
  static const gchar *const paths[] = { "signer_pub", "key_package", "welcome" };
  MlsVectors *v;
  JsonObject *o;
  gchar *s;

  mls_vectors_expect_detected (VECTORS, 0, paths, G_N_ELEMENTS (paths), check_welcome);

  v = mls_vectors_open (VECTORS);
  o = mls_vectors_entry (v, 0);
  s = g_strdup (json_object_get_string_member (o, "init_priv"));
  s[3] = s[3] == '0' ? '1' : '0';
  json_object_set_string_member (o, "init_priv", s);
  fail_if (check_welcome (v, o), "init_priv changed, entry 0 passed");
  g_free (s);
  mls_vectors_free (v);
}

GST_END_TEST;

/* Strict decoding: a byte more, a byte less, or a changed byte inside the encrypted
 * GroupInfo is refused. */
GST_START_TEST (test_welcome_refused)
{
  MlsVectors *v = mls_vectors_open (VECTORS);
  JsonObject *o = mls_vectors_entry (v, 0);
  GBytes *welcome = mls_hex (v, o, "welcome");
  gsize len = MLS_L (welcome);
  guint8 *longer = g_malloc0 (len + 1);
  GstE2eeMlsMessage m;
  GError *err = NULL;

  memcpy (longer, MLS_D (welcome), len);
  gst_e2ee_mls_message_init (&m);
  fail_if (gst_e2ee_mls_message_decode (&m, longer, len + 1, &err));
  fail_unless (g_error_matches (err, GST_E2EE_MLS_ERROR, GST_E2EE_MLS_ERROR_DECODE));
  g_clear_error (&err);
  fail_if (gst_e2ee_mls_message_decode (&m, longer, len - 1, &err));
  fail_unless (g_error_matches (err, GST_E2EE_MLS_ERROR, GST_E2EE_MLS_ERROR_DECODE));
  g_clear_error (&err);
  fail_unless (gst_e2ee_mls_message_decode (&m, longer, len, &err));
  gst_e2ee_mls_message_clear (&m);
  g_free (longer);
  mls_vectors_free (v);
}

GST_END_TEST;

static Suite *
mls_welcome_suite (void)
{
  Suite *s = suite_create ("mls-welcome");
  TCase *tc = tcase_create ("general");

  suite_add_tcase (s, tc);
  tcase_add_test (tc, test_welcome_vectors);
  tcase_add_test (tc, test_welcome_detects_corruption);
  tcase_add_test (tc, test_welcome_refused);
  return s;
}

GST_CHECK_MAIN (mls_welcome);
