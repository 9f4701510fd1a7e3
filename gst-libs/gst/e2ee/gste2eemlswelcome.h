/* gst-e2ee: GroupSecrets, EncryptedGroupSecrets and Welcome (RFC 9420 §12.4.3.1).
 * Internal: the public API is GstE2eeMlsGroup.
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include "gste2eemlscodec.h"
#include "gste2eemlssuite.h"

G_BEGIN_DECLS

/* GroupSecrets { joiner_secret<V>; optional<PathSecret> path_secret; psks<V>; }.
 * The fields borrow; psks is the body of the PreSharedKeyID vector (kept so that a
 * Welcome naming PSKs can be refused, never used). */
typedef struct
{
  const guint8 *joiner_secret;
  gsize joiner_secret_len;
  gboolean has_path_secret;
  const guint8 *path_secret;
  gsize path_secret_len;
  const guint8 *psks;
  gsize psks_len;
} GstE2eeMlsGroupSecrets;

gboolean gst_e2ee_mls_group_secrets_encode (const GstE2eeMlsGroupSecrets *gs,
                                            GByteArray *w, GError **error);
gboolean gst_e2ee_mls_group_secrets_decode (GstE2eeMlsGroupSecrets *gs,
                                            const guint8 *data, gsize len,
                                            GError **error);

/* EncryptedGroupSecrets { KeyPackageRef new_member<V>; HPKECiphertext
 * encrypted_group_secrets (kem_output<V>, ciphertext<V>); } */
typedef struct
{
  const guint8 *new_member;
  gsize new_member_len;
  const guint8 *kem_output;
  gsize kem_output_len;
  const guint8 *ciphertext;
  gsize ciphertext_len;
} GstE2eeMlsEncryptedGroupSecrets;

/* Welcome { cipher_suite; EncryptedGroupSecrets secrets<V>; encrypted_group_info<V>; }
 * secrets is a vector of n_secrets entries (decoded, borrowing from the input). */
typedef struct
{
  guint16 cipher_suite;
  GArray *secrets;              /* of GstE2eeMlsEncryptedGroupSecrets */
  const guint8 *encrypted_group_info;
  gsize encrypted_group_info_len;
} GstE2eeMlsWelcome;

void     gst_e2ee_mls_welcome_init (GstE2eeMlsWelcome *welcome);
void     gst_e2ee_mls_welcome_clear (GstE2eeMlsWelcome *welcome);
gboolean gst_e2ee_mls_welcome_encode (const GstE2eeMlsWelcome *welcome, GByteArray *w,
                                      GError **error);
gboolean gst_e2ee_mls_welcome_read (GstE2eeMlsReader *r, GstE2eeMlsWelcome *welcome,
                                    GError **error);

/* The welcome key and nonce from the joiner secret (psk_secret: NULL for none). */
gboolean gst_e2ee_mls_welcome_key_nonce (const GstE2eeMlsSuite *s,
                                         const guint8 *joiner_secret,
                                         const guint8 *psk_secret, guint8 *key,
                                         guint8 *nonce, GError **error);

/* EncryptWithLabel(init_key, "Welcome", encrypted_group_info, group_secrets):
 * kem_output holds s->npk bytes, ciphertext group_secrets_len + the AEAD tag. */
gboolean gst_e2ee_mls_group_secrets_seal (const GstE2eeMlsSuite *s,
                                          const guint8 *init_key, gsize init_key_len,
                                          const guint8 *encrypted_group_info,
                                          gsize encrypted_group_info_len,
                                          const guint8 *group_secrets,
                                          gsize group_secrets_len, guint8 *kem_output,
                                          guint8 *ciphertext, GError **error);
/* The plaintext GroupSecrets (ciphertext_len - tag bytes), wiped and freed with
 * gst_e2ee_mls_secret_free(). */
guint8 * gst_e2ee_mls_group_secrets_open (const GstE2eeMlsSuite *s,
                                          const guint8 *init_priv, gsize init_priv_len,
                                          const guint8 *encrypted_group_info,
                                          gsize encrypted_group_info_len,
                                          const GstE2eeMlsEncryptedGroupSecrets *egs,
                                          gsize *out_len, GError **error);

void     gst_e2ee_mls_secret_free (guint8 *secret, gsize len);

G_END_DECLS
