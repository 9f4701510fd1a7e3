/* gst-e2ee: HPKE base mode (RFC 9180) on OpenSSL 3.0 EVP, for the MLS suites.
 * Internal until the public MLS API exists: not installed and not part of the GIR.
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include "gste2eemlssuite.h"

G_BEGIN_DECLS

/* A sealing or opening context (RFC 9180 §5.2). Clear it with
 * gst_e2ee_hpke_context_clear(), which wipes its key. */
typedef struct
{
  const GstE2eeMlsSuite *suite;
  guint8 key[GST_E2EE_MLS_MAX_KEY];
  guint8 base_nonce[GST_E2EE_MLS_MAX_NONCE];
  guint8 exporter_secret[GST_E2EE_MLS_MAX_HASH];
  guint64 seq;
} GstE2eeHpkeContext;

gboolean gst_e2ee_hpke_derive_key_pair (const GstE2eeMlsSuite *s, const guint8 *ikm,
                                        gsize ikm_len, guint8 *sk, guint8 *pk,
                                        GError **error);
gboolean gst_e2ee_hpke_encap   (const GstE2eeMlsSuite *s, const guint8 *pk_r, gsize pk_r_len,
                                const guint8 *ikm_e, gsize ikm_e_len,
                                guint8 *shared_secret, guint8 *enc, GError **error);
gboolean gst_e2ee_hpke_decap   (const GstE2eeMlsSuite *s, const guint8 *enc, gsize enc_len,
                                const guint8 *sk_r, gsize sk_r_len,
                                guint8 *shared_secret, GError **error);
gboolean gst_e2ee_hpke_setup_base_s (const GstE2eeMlsSuite *s, const guint8 *pk_r,
                                     gsize pk_r_len, const guint8 *info, gsize info_len,
                                     const guint8 *ikm_e, gsize ikm_e_len, guint8 *enc,
                                     GstE2eeHpkeContext *ctx, GError **error);
gboolean gst_e2ee_hpke_setup_base_r (const GstE2eeMlsSuite *s, const guint8 *enc,
                                     gsize enc_len, const guint8 *sk_r, gsize sk_r_len,
                                     const guint8 *info, gsize info_len,
                                     GstE2eeHpkeContext *ctx, GError **error);
gboolean gst_e2ee_hpke_context_seal (GstE2eeHpkeContext *ctx, const guint8 *aad,
                                     gsize aad_len, const guint8 *pt, gsize pt_len,
                                     guint8 *out, GError **error);
gboolean gst_e2ee_hpke_context_open (GstE2eeHpkeContext *ctx, const guint8 *aad,
                                     gsize aad_len, const guint8 *ct, gsize ct_len,
                                     guint8 *out, GError **error);
gboolean gst_e2ee_hpke_context_export (const GstE2eeHpkeContext *ctx,
                                       const guint8 *exporter_context, gsize context_len,
                                       guint8 *out, gsize out_len, GError **error);
void     gst_e2ee_hpke_context_clear (GstE2eeHpkeContext *ctx);

G_END_DECLS
