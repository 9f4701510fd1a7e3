/* gst-e2ee: the labelled operations of RFC 9420 §5 (RefHash, ExpandWithLabel,
 * DeriveSecret, DeriveTreeSecret, SignWithLabel, EncryptWithLabel and their inverses).
 * Internal until the public MLS API exists: not installed and not part of the GIR.
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include "gste2eemlssuite.h"

G_BEGIN_DECLS

gboolean gst_e2ee_mls_ref_hash (const GstE2eeMlsSuite *s, const gchar *label,
                                const guint8 *value, gsize value_len, guint8 *out,
                                GError **error);
gboolean gst_e2ee_mls_expand_with_label_raw (const GstE2eeMlsSuite *s, const guint8 *secret,
                                             gsize secret_len, const guint8 *label,
                                             gsize label_len, const guint8 *context,
                                             gsize context_len, guint8 *out, gsize out_len,
                                             GError **error);
gboolean gst_e2ee_mls_expand_with_label (const GstE2eeMlsSuite *s, const guint8 *secret,
                                         gsize secret_len, const gchar *label,
                                         const guint8 *context, gsize context_len,
                                         guint8 *out, gsize out_len, GError **error);
gboolean gst_e2ee_mls_derive_secret (const GstE2eeMlsSuite *s, const guint8 *secret,
                                     gsize secret_len, const gchar *label, guint8 *out,
                                     GError **error);
gboolean gst_e2ee_mls_derive_tree_secret (const GstE2eeMlsSuite *s, const guint8 *secret,
                                          gsize secret_len, const gchar *label,
                                          guint32 generation, guint8 *out, gsize out_len,
                                          GError **error);
gboolean gst_e2ee_mls_sign_with_label (const GstE2eeMlsSuite *s, const guint8 *sk,
                                       gsize sk_len, const gchar *label,
                                       const guint8 *content, gsize content_len,
                                       guint8 *sig, GError **error);
gboolean gst_e2ee_mls_verify_with_label (const GstE2eeMlsSuite *s, const guint8 *pk,
                                         gsize pk_len, const gchar *label,
                                         const guint8 *content, gsize content_len,
                                         const guint8 *sig, gsize sig_len, GError **error);
gboolean gst_e2ee_mls_encrypt_with_label (const GstE2eeMlsSuite *s, const guint8 *pk,
                                          gsize pk_len, const gchar *label,
                                          const guint8 *context, gsize context_len,
                                          const guint8 *pt, gsize pt_len,
                                          guint8 *kem_output, guint8 *ct, GError **error);
gboolean gst_e2ee_mls_decrypt_with_label (const GstE2eeMlsSuite *s, const guint8 *sk,
                                          gsize sk_len, const gchar *label,
                                          const guint8 *context, gsize context_len,
                                          const guint8 *kem_output, gsize kem_output_len,
                                          const guint8 *ct, gsize ct_len, guint8 *pt,
                                          GError **error);

G_END_DECLS
