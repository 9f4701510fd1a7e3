/* gst-e2ee: GroupSecrets, EncryptedGroupSecrets and Welcome (RFC 9420 §12.4.3.1).
 *
 * A Welcome carries the GroupInfo once, encrypted under a key derived from the joiner
 * secret, and the joiner secret (with the path secret of the new member's lowest
 * common ancestor with the committer) once per new member, encrypted with HPKE to
 * that member's KeyPackage init key and bound to the encrypted GroupInfo.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "gste2eemlswelcome.h"
#include "gste2eemlscrypto.h"
#include "gste2eemlserror.h"

#include <openssl/crypto.h>

gboolean
gst_e2ee_mls_group_secrets_encode (const GstE2eeMlsGroupSecrets * gs, GByteArray * w,
    GError ** error)
{
  if (!gst_e2ee_mls_write_opaque (w, gs->joiner_secret, gs->joiner_secret_len, error))
    return FALSE;
  gst_e2ee_mls_write_optional (w, gs->has_path_secret);
  if (gs->has_path_secret
      && !gst_e2ee_mls_write_opaque (w, gs->path_secret, gs->path_secret_len, error))
    return FALSE;
  return gst_e2ee_mls_write_opaque (w, gs->psks, gs->psks_len, error);
}

gboolean
gst_e2ee_mls_group_secrets_decode (GstE2eeMlsGroupSecrets * gs, const guint8 * data,
    gsize len, GError ** error)
{
  GstE2eeMlsGroupSecrets out = { 0 };
  GstE2eeMlsReader r;

  gst_e2ee_mls_reader_init (&r, data, len);
  if (!gst_e2ee_mls_read_opaque (&r, &out.joiner_secret, &out.joiner_secret_len, error)
      || !gst_e2ee_mls_read_optional (&r, &out.has_path_secret, error)
      || (out.has_path_secret && !gst_e2ee_mls_read_opaque (&r, &out.path_secret,
              &out.path_secret_len, error))
      || !gst_e2ee_mls_read_opaque (&r, &out.psks, &out.psks_len, error)
      || !gst_e2ee_mls_reader_finish (&r, error))
    return FALSE;
  *gs = out;
  return TRUE;
}

void
gst_e2ee_mls_welcome_init (GstE2eeMlsWelcome * welcome)
{
  welcome->cipher_suite = 0;
  welcome->secrets = g_array_new (FALSE, TRUE, sizeof (GstE2eeMlsEncryptedGroupSecrets));
  welcome->encrypted_group_info = NULL;
  welcome->encrypted_group_info_len = 0;
}

void
gst_e2ee_mls_welcome_clear (GstE2eeMlsWelcome * welcome)
{
  if (welcome->secrets != NULL)
    g_array_unref (welcome->secrets);
  welcome->secrets = NULL;
}

gboolean
gst_e2ee_mls_welcome_encode (const GstE2eeMlsWelcome * welcome, GByteArray * w,
    GError ** error)
{
  guint start = w->len, i;
  gsize v;

  gst_e2ee_mls_write_u16 (w, welcome->cipher_suite);
  v = gst_e2ee_mls_write_vector_begin (w);
  for (i = 0; i < welcome->secrets->len; i++) {
    const GstE2eeMlsEncryptedGroupSecrets *e =
        &g_array_index (welcome->secrets, GstE2eeMlsEncryptedGroupSecrets, i);

    if (!gst_e2ee_mls_write_opaque (w, e->new_member, e->new_member_len, error)
        || !gst_e2ee_mls_write_opaque (w, e->kem_output, e->kem_output_len, error)
        || !gst_e2ee_mls_write_opaque (w, e->ciphertext, e->ciphertext_len, error))
      goto fail;
  }
  if (!gst_e2ee_mls_write_vector_end (w, v, error)
      || !gst_e2ee_mls_write_opaque (w, welcome->encrypted_group_info,
          welcome->encrypted_group_info_len, error))
    goto fail;
  return TRUE;

fail:
  g_byte_array_set_size (w, start);
  return FALSE;
}

/* welcome must be initialised; on failure its secrets are emptied. */
gboolean
gst_e2ee_mls_welcome_read (GstE2eeMlsReader * r, GstE2eeMlsWelcome * welcome,
    GError ** error)
{
  gsize start = r->pos;
  GstE2eeMlsReader secrets;

  g_return_val_if_fail (welcome->secrets != NULL, FALSE);
  g_array_set_size (welcome->secrets, 0);
  if (!gst_e2ee_mls_read_u16 (r, &welcome->cipher_suite, error)
      || !gst_e2ee_mls_read_vector (r, &secrets, error))
    goto fail;
  while (gst_e2ee_mls_reader_remaining (&secrets) > 0) {
    GstE2eeMlsEncryptedGroupSecrets e;

    if (!gst_e2ee_mls_read_opaque (&secrets, &e.new_member, &e.new_member_len, error)
        || !gst_e2ee_mls_read_opaque (&secrets, &e.kem_output, &e.kem_output_len, error)
        || !gst_e2ee_mls_read_opaque (&secrets, &e.ciphertext, &e.ciphertext_len,
            error))
      goto fail;
    g_array_append_val (welcome->secrets, e);
  }
  if (!gst_e2ee_mls_read_opaque (r, &welcome->encrypted_group_info,
          &welcome->encrypted_group_info_len, error))
    goto fail;
  return TRUE;

fail:
  g_array_set_size (welcome->secrets, 0);
  r->pos = start;
  return FALSE;
}

/* welcome_secret = DeriveSecret(Extract(joiner_secret, psk_secret), "welcome") (§8),
 * then welcome_key and welcome_nonce (§12.4.3.1). */
gboolean
gst_e2ee_mls_welcome_key_nonce (const GstE2eeMlsSuite * s, const guint8 * joiner_secret,
    const guint8 * psk_secret, guint8 * key, guint8 * nonce, GError ** error)
{
  static const guint8 zero[GST_E2EE_MLS_MAX_HASH] = { 0 };
  guint8 prk[GST_E2EE_MLS_MAX_HASH], welcome_secret[GST_E2EE_MLS_MAX_HASH];
  gboolean ok;

  ok = gst_e2ee_mls_extract (s, joiner_secret, s->nh,
      psk_secret != NULL ? psk_secret : zero, s->nh, prk, error)
      && gst_e2ee_mls_derive_secret (s, prk, s->nh, "welcome", welcome_secret, error)
      && gst_e2ee_mls_expand_with_label (s, welcome_secret, s->nh, "key", NULL, 0, key,
      s->nk, error)
      && gst_e2ee_mls_expand_with_label (s, welcome_secret, s->nh, "nonce", NULL, 0,
      nonce, s->nn, error);
  OPENSSL_cleanse (prk, sizeof prk);
  OPENSSL_cleanse (welcome_secret, sizeof welcome_secret);
  return ok;
}

gboolean
gst_e2ee_mls_group_secrets_seal (const GstE2eeMlsSuite * s, const guint8 * init_key,
    gsize init_key_len, const guint8 * encrypted_group_info,
    gsize encrypted_group_info_len, const guint8 * group_secrets,
    gsize group_secrets_len, guint8 * kem_output, guint8 * ciphertext, GError ** error)
{
  return gst_e2ee_mls_encrypt_with_label (s, init_key, init_key_len, "Welcome",
      encrypted_group_info, encrypted_group_info_len, group_secrets, group_secrets_len,
      kem_output, ciphertext, error);
}

guint8 *
gst_e2ee_mls_group_secrets_open (const GstE2eeMlsSuite * s, const guint8 * init_priv,
    gsize init_priv_len, const guint8 * encrypted_group_info,
    gsize encrypted_group_info_len, const GstE2eeMlsEncryptedGroupSecrets * egs,
    gsize * out_len, GError ** error)
{
  guint8 *pt;
  gsize len;

  if (egs->ciphertext_len < GST_E2EE_MLS_AEAD_TAG) {
    g_set_error_literal (error, GST_E2EE_MLS_ERROR, GST_E2EE_MLS_ERROR_DECRYPT,
        "the encrypted group secrets are shorter than an AEAD tag");
    return NULL;
  }
  len = egs->ciphertext_len - GST_E2EE_MLS_AEAD_TAG;
  pt = g_malloc (len + 1);
  if (!gst_e2ee_mls_decrypt_with_label (s, init_priv, init_priv_len, "Welcome",
          encrypted_group_info, encrypted_group_info_len, egs->kem_output,
          egs->kem_output_len, egs->ciphertext, egs->ciphertext_len, pt, error)) {
    gst_e2ee_mls_secret_free (pt, len);
    return NULL;
  }
  *out_len = len;
  return pt;
}

void
gst_e2ee_mls_secret_free (guint8 * secret, gsize len)
{
  if (secret == NULL)
    return;
  OPENSSL_cleanse (secret, len);
  g_free (secret);
}
