/* gst-e2ee: the MLS key schedule of RFC 9420 §8.
 *
 *   init_secret[n-1] --Extract(commit_secret)--> ExpandWithLabel("joiner", GroupContext)
 *     = joiner_secret --Extract(psk_secret)--> member prk
 *         DeriveSecret("welcome")                   = welcome_secret
 *         ExpandWithLabel("epoch", GroupContext)    = epoch_secret
 *           DeriveSecret(<label>) for every secret of the epoch (table below)
 *
 * An absent commit or PSK secret is Nh zero bytes (§8). epoch_secret and the
 * intermediate keys never leave this file: they are wiped before each function
 * returns. Outputs may not overlap the inputs' buffers except where said.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "gste2eemlskeyschedule.h"
#include "gste2eemlscrypto.h"
#include "gste2eemlserror.h"
#include "gste2eehpke.h"

#include <stddef.h>
#include <string.h>
#include <openssl/crypto.h>

typedef struct
{
  const gchar *label;
  gsize offset;
} DerivedSecret;

/* RFC 9420 Table 4. */
static const DerivedSecret derived[] = {
  {"sender data", offsetof (GstE2eeMlsEpochSecrets, sender_data_secret)},
  {"encryption", offsetof (GstE2eeMlsEpochSecrets, encryption_secret)},
  {"exporter", offsetof (GstE2eeMlsEpochSecrets, exporter_secret)},
  {"external", offsetof (GstE2eeMlsEpochSecrets, external_secret)},
  {"confirm", offsetof (GstE2eeMlsEpochSecrets, confirmation_key)},
  {"membership", offsetof (GstE2eeMlsEpochSecrets, membership_key)},
  {"resumption", offsetof (GstE2eeMlsEpochSecrets, resumption_psk)},
  {"authentication", offsetof (GstE2eeMlsEpochSecrets, epoch_authenticator)},
  {"init", offsetof (GstE2eeMlsEpochSecrets, init_secret)},
};

/* commit_secret: NULL for none (Nh zero bytes). joiner_secret may be init_secret. */
gboolean
gst_e2ee_mls_key_schedule_joiner (const GstE2eeMlsSuite * s, const guint8 * init_secret,
    const guint8 * commit_secret, const guint8 * group_context, gsize group_context_len,
    guint8 * joiner_secret, GError ** error)
{
  static const guint8 zero[GST_E2EE_MLS_MAX_HASH] = { 0 };
  guint8 prk[GST_E2EE_MLS_MAX_HASH];
  gboolean ok;

  ok = gst_e2ee_mls_extract (s, init_secret, s->nh,
      commit_secret != NULL ? commit_secret : zero, s->nh, prk, error)
      && gst_e2ee_mls_expand_with_label (s, prk, s->nh, "joiner", group_context,
      group_context_len, joiner_secret, s->nh, error);
  OPENSSL_cleanse (prk, sizeof prk);
  return ok;
}

/* From the joiner secret on: what a member processing a commit and a new member
 * joining from a Welcome both compute. psk_secret: NULL for none. joiner_secret may
 * be out->joiner_secret. On failure *out is wiped. */
gboolean
gst_e2ee_mls_key_schedule_epoch (const GstE2eeMlsSuite * s, const guint8 * joiner_secret,
    const guint8 * psk_secret, const guint8 * group_context, gsize group_context_len,
    GstE2eeMlsEpochSecrets * out, GError ** error)
{
  static const guint8 zero[GST_E2EE_MLS_MAX_HASH] = { 0 };
  guint8 joiner[GST_E2EE_MLS_MAX_HASH], prk[GST_E2EE_MLS_MAX_HASH];
  guint8 epoch_secret[GST_E2EE_MLS_MAX_HASH];
  gboolean ok;
  gsize i;

  memcpy (joiner, joiner_secret, s->nh);
  gst_e2ee_mls_epoch_secrets_clear (out);
  out->suite = s;
  memcpy (out->joiner_secret, joiner, s->nh);
  ok = gst_e2ee_mls_extract (s, joiner, s->nh, psk_secret != NULL ? psk_secret : zero,
      s->nh, prk, error)
      && gst_e2ee_mls_derive_secret (s, prk, s->nh, "welcome", out->welcome_secret,
      error)
      && gst_e2ee_mls_expand_with_label (s, prk, s->nh, "epoch", group_context,
      group_context_len, epoch_secret, s->nh, error);
  for (i = 0; ok && i < G_N_ELEMENTS (derived); i++)
    ok = gst_e2ee_mls_derive_secret (s, epoch_secret, s->nh, derived[i].label,
        (guint8 *) out + derived[i].offset, error);
  OPENSSL_cleanse (joiner, sizeof joiner);
  OPENSSL_cleanse (prk, sizeof prk);
  OPENSSL_cleanse (epoch_secret, sizeof epoch_secret);
  if (!ok)
    gst_e2ee_mls_epoch_secrets_clear (out);
  return ok;
}

/* The epoch after the one whose init_secret is given (or the group's first epoch,
 * from a random init_secret). init_secret may be out->init_secret: the caller can
 * advance one struct in place, and the superseded secrets are wiped. */
gboolean
gst_e2ee_mls_key_schedule_next (const GstE2eeMlsSuite * s, const guint8 * init_secret,
    const guint8 * commit_secret, const guint8 * psk_secret,
    const guint8 * group_context, gsize group_context_len,
    GstE2eeMlsEpochSecrets * out, GError ** error)
{
  guint8 joiner[GST_E2EE_MLS_MAX_HASH];
  gboolean ok;

  ok = gst_e2ee_mls_key_schedule_joiner (s, init_secret, commit_secret, group_context,
      group_context_len, joiner, error);
  if (ok)
    ok = gst_e2ee_mls_key_schedule_epoch (s, joiner, psk_secret, group_context,
        group_context_len, out, error);
  else
    gst_e2ee_mls_epoch_secrets_clear (out);
  OPENSSL_cleanse (joiner, sizeof joiner);
  return ok;
}

void
gst_e2ee_mls_epoch_secrets_clear (GstE2eeMlsEpochSecrets * secrets)
{
  OPENSSL_cleanse (secrets, sizeof *secrets);
}

/* MLS-Exporter (§8.5): ExpandWithLabel(DeriveSecret(exporter_secret, label),
 * "exported", Hash(context), length). The label is the application's bytes. */
gboolean
gst_e2ee_mls_exporter (const GstE2eeMlsEpochSecrets * secrets, const guint8 * label,
    gsize label_len, const guint8 * context, gsize context_len, guint8 * out,
    gsize out_len, GError ** error)
{
  const GstE2eeMlsSuite *s = secrets->suite;
  guint8 derived_secret[GST_E2EE_MLS_MAX_HASH], context_hash[GST_E2EE_MLS_MAX_HASH];
  gboolean ok;

  ok = gst_e2ee_mls_expand_with_label_raw (s, secrets->exporter_secret, s->nh, label,
      label_len, NULL, 0, derived_secret, s->nh, error)
      && gst_e2ee_mls_hash (s, context, context_len, context_hash, error)
      && gst_e2ee_mls_expand_with_label (s, derived_secret, s->nh, "exported",
      context_hash, s->nh, out, out_len, error);
  OPENSSL_cleanse (derived_secret, sizeof derived_secret);
  return ok;
}

/* The public half of KEM.DeriveKeyPair(external_secret) (§8.3), s->npk bytes. */
gboolean
gst_e2ee_mls_external_pub (const GstE2eeMlsEpochSecrets * secrets, guint8 * pk,
    GError ** error)
{
  const GstE2eeMlsSuite *s = secrets->suite;
  guint8 sk[GST_E2EE_MLS_MAX_KEM_KEY];
  gboolean ok;

  ok = gst_e2ee_hpke_derive_key_pair (s, secrets->external_secret, s->nh, sk, pk,
      error);
  OPENSSL_cleanse (sk, sizeof sk);
  return ok;
}

/* confirmation_tag = MAC(confirmation_key, confirmed_transcript_hash) (§8.1). */
gboolean
gst_e2ee_mls_confirmation_tag (const GstE2eeMlsEpochSecrets * secrets,
    const guint8 * confirmed_transcript_hash, gsize len, guint8 * tag, GError ** error)
{
  return gst_e2ee_mls_mac (secrets->suite, secrets->confirmation_key,
      secrets->suite->nh, confirmed_transcript_hash, len, tag, error);
}

gboolean
gst_e2ee_mls_confirmation_tag_verify (const GstE2eeMlsEpochSecrets * secrets,
    const guint8 * confirmed_transcript_hash, gsize len, const guint8 * tag,
    gsize tag_len, GError ** error)
{
  return gst_e2ee_mls_mac_verify (secrets->suite, secrets->confirmation_key,
      secrets->suite->nh, confirmed_transcript_hash, len, tag, tag_len, error);
}

/* membership_tag = MAC(membership_key, AuthenticatedContentTBM) (§6.2). */
gboolean
gst_e2ee_mls_membership_tag (const GstE2eeMlsEpochSecrets * secrets, const guint8 * tbm,
    gsize tbm_len, guint8 * tag, GError ** error)
{
  return gst_e2ee_mls_mac (secrets->suite, secrets->membership_key, secrets->suite->nh,
      tbm, tbm_len, tag, error);
}

gboolean
gst_e2ee_mls_membership_tag_verify (const GstE2eeMlsEpochSecrets * secrets,
    const guint8 * tbm, gsize tbm_len, const guint8 * tag, gsize tag_len,
    GError ** error)
{
  return gst_e2ee_mls_mac_verify (secrets->suite, secrets->membership_key,
      secrets->suite->nh, tbm, tbm_len, tag, tag_len, error);
}
