/* gst-e2ee: the MLS key schedule of RFC 9420 §8: epoch secrets, the exporter, the
 * epoch authenticator, confirmation and membership tags.
 * Internal until the public MLS API exists: not installed and not part of the GIR.
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include "gste2eemlssuite.h"

G_BEGIN_DECLS

/* What an epoch keeps of its key schedule, each s->nh bytes. epoch_secret itself is
 * wiped as soon as these are derived. init_secret is the next epoch's input. Wipe
 * with gst_e2ee_mls_epoch_secrets_clear() when the epoch is superseded. */
typedef struct
{
  const GstE2eeMlsSuite *suite;
  guint8 joiner_secret[GST_E2EE_MLS_MAX_HASH];
  guint8 welcome_secret[GST_E2EE_MLS_MAX_HASH];
  guint8 sender_data_secret[GST_E2EE_MLS_MAX_HASH];
  guint8 encryption_secret[GST_E2EE_MLS_MAX_HASH];
  guint8 exporter_secret[GST_E2EE_MLS_MAX_HASH];
  guint8 external_secret[GST_E2EE_MLS_MAX_HASH];
  guint8 confirmation_key[GST_E2EE_MLS_MAX_HASH];
  guint8 membership_key[GST_E2EE_MLS_MAX_HASH];
  guint8 resumption_psk[GST_E2EE_MLS_MAX_HASH];
  guint8 epoch_authenticator[GST_E2EE_MLS_MAX_HASH];
  guint8 init_secret[GST_E2EE_MLS_MAX_HASH];
} GstE2eeMlsEpochSecrets;

gboolean gst_e2ee_mls_key_schedule_joiner (const GstE2eeMlsSuite *s,
                                           const guint8 *init_secret,
                                           const guint8 *commit_secret,
                                           const guint8 *group_context,
                                           gsize group_context_len, guint8 *joiner_secret,
                                           GError **error);
gboolean gst_e2ee_mls_key_schedule_epoch (const GstE2eeMlsSuite *s,
                                          const guint8 *joiner_secret,
                                          const guint8 *psk_secret,
                                          const guint8 *group_context,
                                          gsize group_context_len,
                                          GstE2eeMlsEpochSecrets *out, GError **error);
gboolean gst_e2ee_mls_key_schedule_next (const GstE2eeMlsSuite *s,
                                         const guint8 *init_secret,
                                         const guint8 *commit_secret,
                                         const guint8 *psk_secret,
                                         const guint8 *group_context,
                                         gsize group_context_len,
                                         GstE2eeMlsEpochSecrets *out, GError **error);
void     gst_e2ee_mls_epoch_secrets_clear (GstE2eeMlsEpochSecrets *secrets);

gboolean gst_e2ee_mls_exporter (const GstE2eeMlsEpochSecrets *secrets,
                                const guint8 *label, gsize label_len,
                                const guint8 *context, gsize context_len, guint8 *out,
                                gsize out_len, GError **error);
gboolean gst_e2ee_mls_external_pub (const GstE2eeMlsEpochSecrets *secrets, guint8 *pk,
                                    GError **error);

gboolean gst_e2ee_mls_confirmation_tag (const GstE2eeMlsEpochSecrets *secrets,
                                        const guint8 *confirmed_transcript_hash,
                                        gsize len, guint8 *tag, GError **error);
gboolean gst_e2ee_mls_confirmation_tag_verify (const GstE2eeMlsEpochSecrets *secrets,
                                               const guint8 *confirmed_transcript_hash,
                                               gsize len, const guint8 *tag,
                                               gsize tag_len, GError **error);
gboolean gst_e2ee_mls_membership_tag (const GstE2eeMlsEpochSecrets *secrets,
                                      const guint8 *tbm, gsize tbm_len, guint8 *tag,
                                      GError **error);
gboolean gst_e2ee_mls_membership_tag_verify (const GstE2eeMlsEpochSecrets *secrets,
                                             const guint8 *tbm, gsize tbm_len,
                                             const guint8 *tag, gsize tag_len,
                                             GError **error);

G_END_DECLS
