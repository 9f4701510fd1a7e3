/* gst-e2ee: srtpguard key parameters (master keys, MKIs, crypto suites)
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <string.h>
#include <openssl/crypto.h>

#include "gstsrtpguardparams.h"

/* Caps fields srtpenc/srtpdec use; more keys are srtp-key2/mki2 ... srtp-key16/mki16 */
static const gchar *param_fields[] = {
  "srtp-key", "srtp-cipher", "srtp-auth", "srtcp-cipher", "srtcp-auth", "roc", "mki",
  NULL
};

GstSrtpGuardParams *
gst_srtp_guard_params_new (void)
{
  GstSrtpGuardParams *p = g_new0 (GstSrtpGuardParams, 1);

  p->rtp_cipher = p->rtcp_cipher = GST_SRTP_GUARD_CIPHER_AES_128_ICM;
  p->rtp_auth = p->rtcp_auth = GST_SRTP_GUARD_AUTH_HMAC_SHA1_80;
  return p;
}

static void
key_clear (GstSrtpGuardKey * k)
{
  if (k->key) {
    OPENSSL_cleanse (k->key, k->key_len);
    g_free (k->key);
  }
  g_free (k->mki);
  memset (k, 0, sizeof (*k));
}

void
gst_srtp_guard_params_clear_keys (GstSrtpGuardParams * params)
{
  guint i;

  for (i = 0; i < params->n_keys; i++)
    key_clear (&params->keys[i]);
  params->n_keys = 0;
}

void
gst_srtp_guard_params_free (GstSrtpGuardParams * params)
{
  if (params == NULL)
    return;
  gst_srtp_guard_params_clear_keys (params);
  g_free (params);
}

GstSrtpGuardParams *
gst_srtp_guard_params_copy (const GstSrtpGuardParams * params)
{
  GstSrtpGuardParams *p = g_new0 (GstSrtpGuardParams, 1);
  guint i;

  *p = *params;
  for (i = 0; i < p->n_keys; i++) {
    p->keys[i].key = g_memdup2 (params->keys[i].key, params->keys[i].key_len);
    p->keys[i].mki = params->keys[i].mki ?
        g_memdup2 (params->keys[i].mki, params->keys[i].mki_len) : NULL;
  }
  return p;
}

static guint8 *
dup_buffer (GstBuffer * buf, gsize * len)
{
  GstMapInfo map;
  guint8 *data;

  if (!gst_buffer_map (buf, &map, GST_MAP_READ))
    return NULL;
  data = g_memdup2 (map.data, map.size);
  *len = map.size;
  gst_buffer_unmap (buf, &map);
  return data;
}

gboolean
gst_srtp_guard_params_add_key (GstSrtpGuardParams * params, GstBuffer * key,
    GstBuffer * mki)
{
  GstSrtpGuardKey *k;

  if (params->n_keys >= GST_SRTP_GUARD_MAX_KEYS || key == NULL)
    return FALSE;
  k = &params->keys[params->n_keys];
  k->key = dup_buffer (key, &k->key_len);
  if (k->key == NULL)
    return FALSE;
  if (mki && gst_buffer_get_size (mki) > 0) {
    k->mki = dup_buffer (mki, &k->mki_len);
    if (k->mki == NULL) {
      key_clear (k);
      return FALSE;
    }
  }
  params->n_keys++;
  return TRUE;
}

static gboolean
bytes_equal (const guint8 * a, gsize alen, const guint8 * b, gsize blen)
{
  if (alen != blen)
    return FALSE;
  if (alen == 0)
    return TRUE;
  return CRYPTO_memcmp (a, b, alen) == 0;
}

gboolean
gst_srtp_guard_params_equal (const GstSrtpGuardParams * a, const GstSrtpGuardParams * b)
{
  guint i;

  if (a->rtp_cipher != b->rtp_cipher || a->rtp_auth != b->rtp_auth ||
      a->rtcp_cipher != b->rtcp_cipher || a->rtcp_auth != b->rtcp_auth ||
      a->n_keys != b->n_keys)
    return FALSE;
  for (i = 0; i < a->n_keys; i++) {
    if (!bytes_equal (a->keys[i].key, a->keys[i].key_len, b->keys[i].key,
            b->keys[i].key_len) ||
        !bytes_equal (a->keys[i].mki, a->keys[i].mki_len, b->keys[i].mki,
            b->keys[i].mki_len))
      return FALSE;
  }
  return TRUE;
}

static gboolean
direction_has_crypto (GstSrtpGuardCipher cipher, GstSrtpGuardAuth auth)
{
  return cipher != GST_SRTP_GUARD_CIPHER_NULL || auth != GST_SRTP_GUARD_AUTH_NULL;
}

gboolean
gst_srtp_guard_params_has_crypto (const GstSrtpGuardParams * p)
{
  return direction_has_crypto (p->rtp_cipher, p->rtp_auth) ||
      direction_has_crypto (p->rtcp_cipher, p->rtcp_auth);
}

static gsize
direction_key_length (GstSrtpGuardCipher cipher, GstSrtpGuardAuth auth)
{
  switch (cipher) {
    case GST_SRTP_GUARD_CIPHER_AES_128_ICM:
      return SRTP_AES_ICM_128_KEY_LEN_WSALT;
    case GST_SRTP_GUARD_CIPHER_AES_256_ICM:
      return SRTP_AES_ICM_256_KEY_LEN_WSALT;
    case GST_SRTP_GUARD_CIPHER_AES_128_GCM:
      return SRTP_AES_GCM_128_KEY_LEN_WSALT;
    case GST_SRTP_GUARD_CIPHER_AES_256_GCM:
      return SRTP_AES_GCM_256_KEY_LEN_WSALT;
    case GST_SRTP_GUARD_CIPHER_NULL:
    default:
      /* libsrtp still derives the authentication key with the AES-128 KDF */
      return auth != GST_SRTP_GUARD_AUTH_NULL ? SRTP_AES_ICM_128_KEY_LEN_WSALT : 0;
  }
}

gsize
gst_srtp_guard_params_key_length (const GstSrtpGuardParams * p)
{
  return MAX (direction_key_length (p->rtp_cipher, p->rtp_auth),
      direction_key_length (p->rtcp_cipher, p->rtcp_auth));
}

gboolean
gst_srtp_guard_params_validate (const GstSrtpGuardParams * p, GError ** error)
{
  gsize expected = gst_srtp_guard_params_key_length (p);
  guint i;

  /* RFC 3711 §3.4: SRTCP message authentication is mandatory */
  if (p->rtcp_cipher != GST_SRTP_GUARD_CIPHER_NULL &&
      !gst_srtp_guard_cipher_is_gcm (p->rtcp_cipher) &&
      p->rtcp_auth == GST_SRTP_GUARD_AUTH_NULL) {
    g_set_error (error, GST_LIBRARY_ERROR, GST_LIBRARY_ERROR_SETTINGS,
        "SRTCP encryption without authentication is not allowed (RFC 3711 section 3.4)");
    return FALSE;
  }
  /* libsrtp 2.5 picks the SRTCP transform (AEAD or not) by the SRTP cipher: with GCM
   * on one side only, srtp_protect_rtcp() fails (GCM SRTP) or encrypts every SRTCP
   * packet under one all-zero GCM nonce and writes the tag over the SRTCP index (GCM
   * SRTCP), and no libsrtp receiver, srtpdec included, can check such packets. With
   * the NULL cipher on the other side it also reads 30 bytes of a 28-byte GCM master
   * key. */
  if (gst_srtp_guard_cipher_is_gcm (p->rtp_cipher) !=
      gst_srtp_guard_cipher_is_gcm (p->rtcp_cipher)) {
    g_set_error (error, GST_LIBRARY_ERROR, GST_LIBRARY_ERROR_SETTINGS,
        "AES-GCM for only one of SRTP (%s) and SRTCP (%s) is not supported: libsrtp "
        "chooses the SRTCP transform by the SRTP cipher, so such SRTCP can be neither "
        "protected safely nor checked; use AES-GCM for both or for neither",
        gst_srtp_guard_cipher_nick (p->rtp_cipher),
        gst_srtp_guard_cipher_nick (p->rtcp_cipher));
    return FALSE;
  }
  if (!gst_srtp_guard_params_has_crypto (p))
    return TRUE;
  if (p->n_keys == 0) {
    g_set_error (error, GST_LIBRARY_ERROR, GST_LIBRARY_ERROR_SETTINGS,
        "no master key for a suite that needs one");
    return FALSE;
  }
  for (i = 0; i < p->n_keys; i++) {
    const GstSrtpGuardKey *k = &p->keys[i];

    if (k->key_len != expected) {
      g_set_error (error, GST_LIBRARY_ERROR, GST_LIBRARY_ERROR_SETTINGS,
          "master key %u has %" G_GSIZE_FORMAT " bytes, the suite needs %"
          G_GSIZE_FORMAT " (key and salt)", i + 1, k->key_len, expected);
      return FALSE;
    }
    if (k->mki_len > SRTP_MAX_MKI_LEN) {
      g_set_error (error, GST_LIBRARY_ERROR, GST_LIBRARY_ERROR_SETTINGS,
          "MKI %u is longer than %d bytes", i + 1, SRTP_MAX_MKI_LEN);
      return FALSE;
    }
    if (i > 0 && (k->mki_len == 0 || k->mki_len != p->keys[0].mki_len)) {
      g_set_error (error, GST_LIBRARY_ERROR, GST_LIBRARY_ERROR_SETTINGS,
          "several master keys need MKIs, all of the same size");
      return FALSE;
    }
  }
  return TRUE;
}

/* Caps without a key only describe the suite (a guard's or srtpenc's output caps
 * without keys in them): the keys then come from elsewhere. */
gboolean
gst_srtp_guard_structure_has_params (const GstStructure * s)
{
  return gst_structure_has_field (s, "srtp-key");
}

static gboolean
get_suite (const GstStructure * s, const gchar * cfield, const gchar * afield,
    GstSrtpGuardCipher * cipher, GstSrtpGuardAuth * auth, GError ** error)
{
  const gchar *c = gst_structure_get_string (s, cfield);
  const gchar *a = gst_structure_get_string (s, afield);

  if (!gst_srtp_guard_cipher_from_nick (c, cipher)) {
    g_set_error (error, GST_LIBRARY_ERROR, GST_LIBRARY_ERROR_SETTINGS,
        "missing or unknown %s '%s'", cfield, GST_STR_NULL (c));
    return FALSE;
  }
  if (!gst_srtp_guard_auth_from_nick (a, auth)) {
    g_set_error (error, GST_LIBRARY_ERROR, GST_LIBRARY_ERROR_SETTINGS,
        "missing or unknown %s '%s'", afield, GST_STR_NULL (a));
    return FALSE;
  }
  return TRUE;
}

static GstBuffer *
get_buffer (const GstStructure * s, const gchar * field)
{
  const GValue *v = gst_structure_get_value (s, field);

  if (v == NULL || !GST_VALUE_HOLDS_BUFFER (v))
    return NULL;
  return gst_value_get_buffer (v);
}

GstSrtpGuardParams *
gst_srtp_guard_params_from_structure (const GstStructure * s, GError ** error)
{
  GstSrtpGuardParams *p = gst_srtp_guard_params_new ();
  GstBuffer *key, *mki;
  guint i;

  if (!get_suite (s, "srtp-cipher", "srtp-auth", &p->rtp_cipher, &p->rtp_auth, error) ||
      !get_suite (s, "srtcp-cipher", "srtcp-auth", &p->rtcp_cipher, &p->rtcp_auth,
          error))
    goto fail;

  p->has_roc = gst_structure_get_uint (s, "roc", &p->roc);

  key = get_buffer (s, "srtp-key");
  mki = get_buffer (s, "mki");
  if (key && !gst_srtp_guard_params_add_key (p, key, mki))
    goto unreadable;
  /* srtpdec's convention for several live keys: srtp-key2/mki2 ... srtp-key16/mki16 */
  for (i = 2; key && mki && i <= GST_SRTP_GUARD_MAX_KEYS; i++) {
    gchar kname[16], mname[16];

    g_snprintf (kname, sizeof (kname), "srtp-key%u", i);
    g_snprintf (mname, sizeof (mname), "mki%u", i);
    key = get_buffer (s, kname);
    mki = get_buffer (s, mname);
    if (key == NULL || mki == NULL)
      break;
    if (!gst_srtp_guard_params_add_key (p, key, mki))
      goto unreadable;
  }

  if (!gst_srtp_guard_params_validate (p, error))
    goto fail;
  return p;

unreadable:
  g_set_error (error, GST_LIBRARY_ERROR, GST_LIBRARY_ERROR_SETTINGS,
      "unreadable srtp-key or mki buffer");
fail:
  gst_srtp_guard_params_free (p);
  return NULL;
}

void
gst_srtp_guard_structure_remove_params (GstStructure * s)
{
  guint i;

  for (i = 0; param_fields[i]; i++)
    gst_structure_remove_field (s, param_fields[i]);
  for (i = 2; i <= GST_SRTP_GUARD_MAX_KEYS; i++) {
    gchar name[16];

    g_snprintf (name, sizeof (name), "srtp-key%u", i);
    gst_structure_remove_field (s, name);
    g_snprintf (name, sizeof (name), "mki%u", i);
    gst_structure_remove_field (s, name);
  }
}

static GstBuffer *
wrap_bytes (const guint8 * data, gsize len)
{
  return gst_buffer_new_memdup (data, len);
}

void
gst_srtp_guard_params_to_structure (const GstSrtpGuardParams * p, GstStructure * s,
    gboolean with_keys)
{
  /* srtpdec reads GCM streams with srtp-auth=null: GCM's tag is part of the cipher */
  GstSrtpGuardAuth rtp_auth = gst_srtp_guard_cipher_is_gcm (p->rtp_cipher) ?
      GST_SRTP_GUARD_AUTH_NULL : p->rtp_auth;
  GstSrtpGuardAuth rtcp_auth = gst_srtp_guard_cipher_is_gcm (p->rtcp_cipher) ?
      GST_SRTP_GUARD_AUTH_NULL : p->rtcp_auth;
  guint i;

  gst_structure_set (s,
      "srtp-cipher", G_TYPE_STRING, gst_srtp_guard_cipher_nick (p->rtp_cipher),
      "srtp-auth", G_TYPE_STRING, gst_srtp_guard_auth_nick (rtp_auth),
      "srtcp-cipher", G_TYPE_STRING, gst_srtp_guard_cipher_nick (p->rtcp_cipher),
      "srtcp-auth", G_TYPE_STRING, gst_srtp_guard_auth_nick (rtcp_auth), NULL);

  for (i = 0; i < p->n_keys; i++) {
    gchar kname[16], mname[16];
    GstBuffer *b;

    if (i == 0) {
      g_strlcpy (kname, "srtp-key", sizeof (kname));
      g_strlcpy (mname, "mki", sizeof (mname));
    } else {
      g_snprintf (kname, sizeof (kname), "srtp-key%u", i + 1);
      g_snprintf (mname, sizeof (mname), "mki%u", i + 1);
    }
    if (p->keys[i].mki) {
      b = wrap_bytes (p->keys[i].mki, p->keys[i].mki_len);
      gst_structure_set (s, mname, GST_TYPE_BUFFER, b, NULL);
      gst_buffer_unref (b);
    }
    if (with_keys) {
      b = wrap_bytes (p->keys[i].key, p->keys[i].key_len);
      gst_structure_set (s, kname, GST_TYPE_BUFFER, b, NULL);
      gst_buffer_unref (b);
    }
  }
}

guint
gst_srtp_guard_tag_bits (GstSrtpGuardCipher cipher, GstSrtpGuardAuth auth)
{
  if (gst_srtp_guard_cipher_is_gcm (cipher))
    return 128;
  switch (auth) {
    case GST_SRTP_GUARD_AUTH_HMAC_SHA1_80:
      return 80;
    case GST_SRTP_GUARD_AUTH_HMAC_SHA1_32:
      return 32;
    case GST_SRTP_GUARD_AUTH_NULL:
    default:
      return 0;
  }
}

/* Where libsrtp 2.5 looks for an SRTCP packet's MKI: in front of as many bytes as
 * the SRTP suite's tag has (none for GCM), whereas RFC 3711 puts it in front of the
 * SRTCP tag. */
gboolean
gst_srtp_guard_params_srtcp_mki_misplaced (const GstSrtpGuardParams * p)
{
  if (p->n_keys == 0 || p->keys[0].mki == NULL ||
      gst_srtp_guard_cipher_is_gcm (p->rtp_cipher))
    return FALSE;
  return gst_srtp_guard_tag_bits (p->rtp_cipher, p->rtp_auth) !=
      gst_srtp_guard_tag_bits (p->rtcp_cipher, p->rtcp_auth);
}

static void
fill_crypto_policy (GstSrtpGuardCipher cipher, GstSrtpGuardAuth auth,
    srtp_crypto_policy_t * cp)
{
  switch (cipher) {
    case GST_SRTP_GUARD_CIPHER_AES_128_GCM:
      srtp_crypto_policy_set_aes_gcm_128_16_auth (cp);
      return;
    case GST_SRTP_GUARD_CIPHER_AES_256_GCM:
      srtp_crypto_policy_set_aes_gcm_256_16_auth (cp);
      return;
    case GST_SRTP_GUARD_CIPHER_AES_128_ICM:
      if (auth == GST_SRTP_GUARD_AUTH_HMAC_SHA1_80)
        srtp_crypto_policy_set_aes_cm_128_hmac_sha1_80 (cp);
      else if (auth == GST_SRTP_GUARD_AUTH_HMAC_SHA1_32)
        srtp_crypto_policy_set_aes_cm_128_hmac_sha1_32 (cp);
      else
        srtp_crypto_policy_set_aes_cm_128_null_auth (cp);
      return;
    case GST_SRTP_GUARD_CIPHER_AES_256_ICM:
      if (auth == GST_SRTP_GUARD_AUTH_HMAC_SHA1_80)
        srtp_crypto_policy_set_aes_cm_256_hmac_sha1_80 (cp);
      else if (auth == GST_SRTP_GUARD_AUTH_HMAC_SHA1_32)
        srtp_crypto_policy_set_aes_cm_256_hmac_sha1_32 (cp);
      else
        srtp_crypto_policy_set_aes_cm_256_null_auth (cp);
      return;
    case GST_SRTP_GUARD_CIPHER_NULL:
    default:
      if (auth == GST_SRTP_GUARD_AUTH_NULL) {
        srtp_crypto_policy_set_null_cipher_hmac_null (cp);
      } else {
        srtp_crypto_policy_set_null_cipher_hmac_sha1_80 (cp);
        if (auth == GST_SRTP_GUARD_AUTH_HMAC_SHA1_32)
          cp->auth_tag_len = 4;
      }
      return;
  }
}

void
gst_srtp_guard_params_fill_policy (const GstSrtpGuardParams * p, guint32 ssrc,
    guint window_size, gboolean for_srtcp, srtp_policy_t * policy,
    srtp_master_key_t * mkeys, srtp_master_key_t ** mkey_ptrs)
{
  static guint8 no_key[SRTP_AES_ICM_128_KEY_LEN_WSALT];
  guint i;

  memset (policy, 0, sizeof (*policy));
  /* An SRTCP-only context keeps the SRTP cipher, which with the SRTCP cipher decides
   * how libsrtp derives the session keys, so the SRTCP keys come out the same; only
   * its SRTP tag length, which libsrtp uses to find SRTCP MKIs, becomes SRTCP's. */
  fill_crypto_policy (p->rtp_cipher, for_srtcp ? p->rtcp_auth : p->rtp_auth,
      &policy->rtp);
  fill_crypto_policy (p->rtcp_cipher, p->rtcp_auth, &policy->rtcp);
  policy->ssrc.type = ssrc_specific;
  policy->ssrc.value = ssrc;
  policy->window_size = window_size;
  policy->allow_repeat_tx = 0;

  if (p->n_keys == 0) {
    /* NULL/NULL suites: libsrtp reads a key anyway but uses none of it */
    policy->key = no_key;
  } else if (p->n_keys == 1 && p->keys[0].mki == NULL) {
    policy->key = p->keys[0].key;
  } else {
    for (i = 0; i < p->n_keys; i++) {
      mkeys[i].key = p->keys[i].key;
      mkeys[i].mki_id = p->keys[i].mki;
      mkeys[i].mki_size = p->keys[i].mki_len;
      mkey_ptrs[i] = &mkeys[i];
    }
    policy->keys = mkey_ptrs;
    policy->num_master_keys = p->n_keys;
  }
}
