/* gst-e2ee: the MLS cipher suites (RFC 9420 §17.1) and the primitives they name.
 * Internal until the public MLS API exists: not installed and not part of the GIR.
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* Upper bounds over every row of the table, for buffers on the stack. */
#define GST_E2EE_MLS_MAX_HASH 64
#define GST_E2EE_MLS_MAX_KEY 32
#define GST_E2EE_MLS_MAX_NONCE 12
#define GST_E2EE_MLS_MAX_KEM_KEY 133
#define GST_E2EE_MLS_AEAD_TAG 16

/* One row per cipher suite: adding a suite that OpenSSL 3.0 provides (3, ChaCha20-
 * Poly1305; 2, P-256) is a row here, not code elsewhere. Names are OpenSSL's. */
typedef struct
{
  guint16 id;
  const gchar *name;
  /* KDF and hash (HKDF with this digest; MAC is HMAC with it). */
  const gchar *digest;
  gsize nh;
  /* AEAD */
  const gchar *cipher;
  gsize nk, nn;
  /* HPKE KEM: an OpenSSL key type of raw public and private keys. */
  const gchar *kem_key_type;
  gsize npk, nsk, nsecret;
  /* RFC 9180 identifiers: kem_id, kdf_id, aead_id. */
  guint16 kem_id, kdf_id, aead_id;
  /* Signature scheme: an OpenSSL key type signing without a separate digest. */
  const gchar *sig_key_type;
  gsize sig_npk, sig_nsk, sig_len;
} GstE2eeMlsSuite;

const GstE2eeMlsSuite * gst_e2ee_mls_suite_lookup (guint16 id, GError **error);

gboolean gst_e2ee_mls_hash    (const GstE2eeMlsSuite *s, const guint8 *data, gsize len,
                               guint8 *out, GError **error);
gboolean gst_e2ee_mls_mac     (const GstE2eeMlsSuite *s, const guint8 *key, gsize key_len,
                               const guint8 *data, gsize len, guint8 *out, GError **error);
gboolean gst_e2ee_mls_mac_verify (const GstE2eeMlsSuite *s, const guint8 *key,
                                  gsize key_len, const guint8 *data, gsize len,
                                  const guint8 *tag, gsize tag_len, GError **error);
gboolean gst_e2ee_mls_extract (const GstE2eeMlsSuite *s, const guint8 *salt, gsize salt_len,
                               const guint8 *ikm, gsize ikm_len, guint8 *out,
                               GError **error);
gboolean gst_e2ee_mls_expand  (const GstE2eeMlsSuite *s, const guint8 *prk, gsize prk_len,
                               const guint8 *info, gsize info_len, guint8 *out,
                               gsize out_len, GError **error);
gboolean gst_e2ee_mls_aead_seal (const GstE2eeMlsSuite *s, const guint8 *key,
                                 const guint8 *nonce, const guint8 *aad, gsize aad_len,
                                 const guint8 *pt, gsize pt_len, guint8 *out,
                                 GError **error);
gboolean gst_e2ee_mls_aead_open (const GstE2eeMlsSuite *s, const guint8 *key,
                                 const guint8 *nonce, const guint8 *aad, gsize aad_len,
                                 const guint8 *ct, gsize ct_len, guint8 *out,
                                 GError **error);
gboolean gst_e2ee_mls_sign    (const GstE2eeMlsSuite *s, const guint8 *sk, gsize sk_len,
                               const guint8 *msg, gsize msg_len, guint8 *sig,
                               GError **error);
gboolean gst_e2ee_mls_verify  (const GstE2eeMlsSuite *s, const guint8 *pk, gsize pk_len,
                               const guint8 *msg, gsize msg_len, const guint8 *sig,
                               gsize sig_len, GError **error);
gboolean gst_e2ee_mls_sign_public_key (const GstE2eeMlsSuite *s, const guint8 *sk,
                                       gsize sk_len, guint8 *pk, GError **error);
gboolean gst_e2ee_mls_kem_public_key (const GstE2eeMlsSuite *s, const guint8 *sk,
                                      gsize sk_len, guint8 *pk, GError **error);
gboolean gst_e2ee_mls_dh      (const GstE2eeMlsSuite *s, const guint8 *sk, gsize sk_len,
                               const guint8 *pk, gsize pk_len, guint8 *out,
                               GError **error);
gboolean gst_e2ee_mls_random  (guint8 *out, gsize len, GError **error);

G_END_DECLS
