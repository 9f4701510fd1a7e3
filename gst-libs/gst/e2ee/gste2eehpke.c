/* gst-e2ee: HPKE base mode (RFC 9180) on OpenSSL 3.0 EVP, for the MLS suites.
 *
 * OpenSSL 3.0 has no OSSL_HPKE (it came in 3.2), so the scheme is built here from the
 * suite's DH, HKDF and AEAD: DHKEM (§4.1) with DeriveKeyPair (§7.1.3), the key
 * schedule of mode_base (§5.1, empty PSK), sequence-numbered nonces (§5.2) and the
 * secret export (§5.3). Only the base mode: MLS uses no other. Every intermediate
 * secret is wiped before return.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "gste2eehpke.h"
#include "gste2eemlserror.h"

#include <string.h>
#include <openssl/crypto.h>

#define VERSION_LABEL "HPKE-v1"
#define MODE_BASE 0x00
#define MAX_SUITE_ID 10

/* "KEM" || kem_id for the KEM's own derivations, "HPKE" || kem_id || kdf_id ||
 * aead_id for the rest (RFC 9180 §4.1, §5.1). */
static gsize
suite_id (const GstE2eeMlsSuite * s, gboolean kem, guint8 * out)
{
  if (kem) {
    memcpy (out, "KEM", 3);
    out[3] = (guint8) (s->kem_id >> 8);
    out[4] = (guint8) s->kem_id;
    return 5;
  }
  memcpy (out, "HPKE", 4);
  out[4] = (guint8) (s->kem_id >> 8);
  out[5] = (guint8) s->kem_id;
  out[6] = (guint8) (s->kdf_id >> 8);
  out[7] = (guint8) s->kdf_id;
  out[8] = (guint8) (s->aead_id >> 8);
  out[9] = (guint8) s->aead_id;
  return 10;
}

/* prefix || "HPKE-v1" || suite_id || label || data, in one buffer that is wiped when
 * freed (data may be a DH result or a shared secret). */
static guint8 *
labeled_input (const GstE2eeMlsSuite * s, gboolean kem, const guint8 * prefix,
    gsize prefix_len, const gchar * label, const guint8 * data, gsize data_len,
    gsize * out_len)
{
  guint8 sid[MAX_SUITE_ID];
  gsize sid_len = suite_id (s, kem, sid), label_len = strlen (label);
  gsize len = prefix_len + strlen (VERSION_LABEL) + sid_len + label_len + data_len;
  guint8 *buf = g_malloc (len + 1), *p = buf;

  if (prefix_len > 0)
    memcpy (p, prefix, prefix_len);
  p += prefix_len;
  memcpy (p, VERSION_LABEL, strlen (VERSION_LABEL));
  p += strlen (VERSION_LABEL);
  memcpy (p, sid, sid_len);
  p += sid_len;
  memcpy (p, label, label_len);
  p += label_len;
  if (data_len > 0)
    memcpy (p, data, data_len);
  *out_len = len;
  return buf;
}

static void
free_wiped (guint8 * buf, gsize len)
{
  OPENSSL_cleanse (buf, len);
  g_free (buf);
}

static gboolean
labeled_extract (const GstE2eeMlsSuite * s, gboolean kem, const guint8 * salt,
    gsize salt_len, const gchar * label, const guint8 * ikm, gsize ikm_len,
    guint8 * out, GError ** error)
{
  gsize len;
  guint8 *buf = labeled_input (s, kem, NULL, 0, label, ikm, ikm_len, &len);
  gboolean ok = gst_e2ee_mls_extract (s, salt, salt_len, buf, len, out, error);

  free_wiped (buf, len);
  return ok;
}

static gboolean
labeled_expand (const GstE2eeMlsSuite * s, gboolean kem, const guint8 * prk,
    gsize prk_len, const gchar * label, const guint8 * info, gsize info_len,
    guint8 * out, gsize out_len, GError ** error)
{
  guint8 l[2] = { (guint8) (out_len >> 8), (guint8) out_len };
  gsize len;
  guint8 *buf;
  gboolean ok;

  if (out_len > G_MAXUINT16) {
    g_set_error (error, GST_E2EE_MLS_ERROR, GST_E2EE_MLS_ERROR_INVALID_ARGUMENT,
        "HPKE cannot expand to %" G_GSIZE_FORMAT " bytes", out_len);
    return FALSE;
  }
  buf = labeled_input (s, kem, l, 2, label, info, info_len, &len);
  ok = gst_e2ee_mls_expand (s, prk, prk_len, buf, len, out, out_len, error);
  free_wiped (buf, len);
  return ok;
}

/* DeriveKeyPair for X25519 (§7.1.3): the secret key is the expanded bytes as they
 * are; X25519 clamps them when it uses them. sk holds s->nsk bytes, pk s->npk. */
gboolean
gst_e2ee_hpke_derive_key_pair (const GstE2eeMlsSuite * s, const guint8 * ikm,
    gsize ikm_len, guint8 * sk, guint8 * pk, GError ** error)
{
  guint8 prk[GST_E2EE_MLS_MAX_HASH];
  gboolean ok;

  ok = labeled_extract (s, TRUE, NULL, 0, "dkp_prk", ikm, ikm_len, prk, error)
      && labeled_expand (s, TRUE, prk, s->nh, "sk", NULL, 0, sk, s->nsk, error)
      && gst_e2ee_mls_kem_public_key (s, sk, s->nsk, pk, error);
  OPENSSL_cleanse (prk, sizeof prk);
  if (!ok)
    OPENSSL_cleanse (sk, s->nsk);
  return ok;
}

/* ExtractAndExpand (§4.1): kem_context = enc || pkRm. */
static gboolean
extract_and_expand (const GstE2eeMlsSuite * s, const guint8 * dh, const guint8 * enc,
    const guint8 * pk_r, guint8 * shared_secret, GError ** error)
{
  guint8 prk[GST_E2EE_MLS_MAX_HASH], kem_context[2 * GST_E2EE_MLS_MAX_KEM_KEY];
  gboolean ok;

  memcpy (kem_context, enc, s->npk);
  memcpy (kem_context + s->npk, pk_r, s->npk);
  ok = labeled_extract (s, TRUE, NULL, 0, "eae_prk", dh, s->npk, prk, error)
      && labeled_expand (s, TRUE, prk, s->nh, "shared_secret", kem_context,
      2 * s->npk, shared_secret, s->nsecret, error);
  OPENSSL_cleanse (prk, sizeof prk);
  return ok;
}

/* ikm_e: NULL for a fresh ephemeral key (what MLS does); the RFC 9180 test vectors
 * give it to make the result reproducible. shared_secret holds s->nsecret bytes,
 * enc s->npk. */
gboolean
gst_e2ee_hpke_encap (const GstE2eeMlsSuite * s, const guint8 * pk_r, gsize pk_r_len,
    const guint8 * ikm_e, gsize ikm_e_len, guint8 * shared_secret, guint8 * enc,
    GError ** error)
{
  guint8 seed[GST_E2EE_MLS_MAX_KEM_KEY], sk_e[GST_E2EE_MLS_MAX_KEM_KEY];
  guint8 dh[GST_E2EE_MLS_MAX_KEM_KEY];
  gboolean ok;

  if (pk_r_len != s->npk) {
    g_set_error (error, GST_E2EE_MLS_ERROR, GST_E2EE_MLS_ERROR_INVALID_ARGUMENT,
        "the HPKE public key is %" G_GSIZE_FORMAT " bytes, the suite needs %"
        G_GSIZE_FORMAT, pk_r_len, s->npk);
    return FALSE;
  }
  if (ikm_e == NULL) {
    if (!gst_e2ee_mls_random (seed, s->nsk, error))
      return FALSE;
    ikm_e = seed;
    ikm_e_len = s->nsk;
  }
  ok = gst_e2ee_hpke_derive_key_pair (s, ikm_e, ikm_e_len, sk_e, enc, error)
      && gst_e2ee_mls_dh (s, sk_e, s->nsk, pk_r, pk_r_len, dh, error)
      && extract_and_expand (s, dh, enc, pk_r, shared_secret, error);
  OPENSSL_cleanse (seed, sizeof seed);
  OPENSSL_cleanse (sk_e, sizeof sk_e);
  OPENSSL_cleanse (dh, sizeof dh);
  return ok;
}

gboolean
gst_e2ee_hpke_decap (const GstE2eeMlsSuite * s, const guint8 * enc, gsize enc_len,
    const guint8 * sk_r, gsize sk_r_len, guint8 * shared_secret, GError ** error)
{
  guint8 pk_r[GST_E2EE_MLS_MAX_KEM_KEY], dh[GST_E2EE_MLS_MAX_KEM_KEY];
  gboolean ok;

  ok = gst_e2ee_mls_dh (s, sk_r, sk_r_len, enc, enc_len, dh, error)
      && gst_e2ee_mls_kem_public_key (s, sk_r, sk_r_len, pk_r, error)
      && extract_and_expand (s, dh, enc, pk_r, shared_secret, error);
  OPENSSL_cleanse (dh, sizeof dh);
  return ok;
}

/* KeyScheduleS/R for mode_base (§5.1): psk and psk_id empty. */
static gboolean
key_schedule (const GstE2eeMlsSuite * s, const guint8 * shared_secret,
    const guint8 * info, gsize info_len, GstE2eeHpkeContext * ctx, GError ** error)
{
  guint8 context[1 + 2 * GST_E2EE_MLS_MAX_HASH], secret[GST_E2EE_MLS_MAX_HASH];
  gsize context_len = 1 + 2 * s->nh;
  gboolean ok;

  memset (ctx, 0, sizeof *ctx);
  ctx->suite = s;
  context[0] = MODE_BASE;
  ok = labeled_extract (s, FALSE, NULL, 0, "psk_id_hash", NULL, 0, context + 1, error)
      && labeled_extract (s, FALSE, NULL, 0, "info_hash", info, info_len,
      context + 1 + s->nh, error)
      && labeled_extract (s, FALSE, shared_secret, s->nsecret, "secret", NULL, 0, secret,
      error)
      && labeled_expand (s, FALSE, secret, s->nh, "key", context, context_len, ctx->key,
      s->nk, error)
      && labeled_expand (s, FALSE, secret, s->nh, "base_nonce", context, context_len,
      ctx->base_nonce, s->nn, error)
      && labeled_expand (s, FALSE, secret, s->nh, "exp", context, context_len,
      ctx->exporter_secret, s->nh, error);
  OPENSSL_cleanse (secret, sizeof secret);
  if (!ok)
    gst_e2ee_hpke_context_clear (ctx);
  return ok;
}

/* enc holds s->npk bytes. */
gboolean
gst_e2ee_hpke_setup_base_s (const GstE2eeMlsSuite * s, const guint8 * pk_r,
    gsize pk_r_len, const guint8 * info, gsize info_len, const guint8 * ikm_e,
    gsize ikm_e_len, guint8 * enc, GstE2eeHpkeContext * ctx, GError ** error)
{
  guint8 shared_secret[GST_E2EE_MLS_MAX_HASH];
  gboolean ok;

  ok = gst_e2ee_hpke_encap (s, pk_r, pk_r_len, ikm_e, ikm_e_len, shared_secret, enc,
      error)
      && key_schedule (s, shared_secret, info, info_len, ctx, error);
  OPENSSL_cleanse (shared_secret, sizeof shared_secret);
  return ok;
}

gboolean
gst_e2ee_hpke_setup_base_r (const GstE2eeMlsSuite * s, const guint8 * enc,
    gsize enc_len, const guint8 * sk_r, gsize sk_r_len, const guint8 * info,
    gsize info_len, GstE2eeHpkeContext * ctx, GError ** error)
{
  guint8 shared_secret[GST_E2EE_MLS_MAX_HASH];
  gboolean ok;

  ok = gst_e2ee_hpke_decap (s, enc, enc_len, sk_r, sk_r_len, shared_secret, error)
      && key_schedule (s, shared_secret, info, info_len, ctx, error);
  OPENSSL_cleanse (shared_secret, sizeof shared_secret);
  return ok;
}

/* ComputeNonce (§5.2): base_nonce XOR the sequence number, big-endian, right-aligned.
 * The sequence number never wraps (a nonce would repeat): the context refuses to go
 * on instead. */
static gboolean
next_nonce (GstE2eeHpkeContext * ctx, guint8 * nonce, GError ** error)
{
  gsize nn = ctx->suite->nn, i;

  if (ctx->seq == G_MAXUINT64) {
    g_set_error (error, GST_E2EE_MLS_ERROR, GST_E2EE_MLS_ERROR_GENERATION,
        "the HPKE context's sequence number is exhausted");
    return FALSE;
  }
  memcpy (nonce, ctx->base_nonce, nn);
  for (i = 0; i < 8; i++)
    nonce[nn - 1 - i] ^= (guint8) (ctx->seq >> (8 * i));
  return TRUE;
}

/* out holds pt_len + GST_E2EE_MLS_AEAD_TAG bytes. */
gboolean
gst_e2ee_hpke_context_seal (GstE2eeHpkeContext * ctx, const guint8 * aad, gsize aad_len,
    const guint8 * pt, gsize pt_len, guint8 * out, GError ** error)
{
  guint8 nonce[GST_E2EE_MLS_MAX_NONCE];

  if (!next_nonce (ctx, nonce, error)
      || !gst_e2ee_mls_aead_seal (ctx->suite, ctx->key, nonce, aad, aad_len, pt, pt_len,
          out, error))
    return FALSE;
  ctx->seq++;
  return TRUE;
}

/* out holds ct_len - GST_E2EE_MLS_AEAD_TAG bytes. A failed open does not advance the
 * sequence number (RFC 9180 §5.2). */
gboolean
gst_e2ee_hpke_context_open (GstE2eeHpkeContext * ctx, const guint8 * aad, gsize aad_len,
    const guint8 * ct, gsize ct_len, guint8 * out, GError ** error)
{
  guint8 nonce[GST_E2EE_MLS_MAX_NONCE];

  if (!next_nonce (ctx, nonce, error)
      || !gst_e2ee_mls_aead_open (ctx->suite, ctx->key, nonce, aad, aad_len, ct, ct_len,
          out, error))
    return FALSE;
  ctx->seq++;
  return TRUE;
}

gboolean
gst_e2ee_hpke_context_export (const GstE2eeHpkeContext * ctx,
    const guint8 * exporter_context, gsize context_len, guint8 * out, gsize out_len,
    GError ** error)
{
  return labeled_expand (ctx->suite, FALSE, ctx->exporter_secret, ctx->suite->nh, "sec",
      exporter_context, context_len, out, out_len, error);
}

void
gst_e2ee_hpke_context_clear (GstE2eeHpkeContext * ctx)
{
  OPENSSL_cleanse (ctx, sizeof *ctx);
}
