/* gst-e2ee: srtpguard enumerations
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "gstsrtpguardenums.h"

static const GEnumValue mode_values[] = {
  {GST_SRTP_GUARD_MODE_UNPROTECT, "Receive SRTP/SRTCP, output RTP/RTCP", "unprotect"},
  {GST_SRTP_GUARD_MODE_PROTECT, "Receive RTP/RTCP, output SRTP/SRTCP", "protect"},
  {0, NULL, NULL}
};

static const GEnumValue cipher_values[] = {
  {GST_SRTP_GUARD_CIPHER_NULL, "No encryption", "null"},
  {GST_SRTP_GUARD_CIPHER_AES_128_ICM,
      "AES-128 counter mode (30-byte key and salt)", "aes-128-icm"},
  {GST_SRTP_GUARD_CIPHER_AES_256_ICM,
      "AES-256 counter mode (46-byte key and salt)", "aes-256-icm"},
  {GST_SRTP_GUARD_CIPHER_AES_128_GCM,
      "AEAD AES-128-GCM, 128-bit tag (28-byte key and salt)", "aes-128-gcm"},
  {GST_SRTP_GUARD_CIPHER_AES_256_GCM,
      "AEAD AES-256-GCM, 128-bit tag (44-byte key and salt)", "aes-256-gcm"},
  {0, NULL, NULL}
};

static const GEnumValue auth_values[] = {
  {GST_SRTP_GUARD_AUTH_NULL, "No authentication (GCM authenticates by itself)", "null"},
  {GST_SRTP_GUARD_AUTH_HMAC_SHA1_32, "HMAC-SHA1, 32-bit tag", "hmac-sha1-32"},
  {GST_SRTP_GUARD_AUTH_HMAC_SHA1_80, "HMAC-SHA1, 80-bit tag", "hmac-sha1-80"},
  {0, NULL, NULL}
};

static const GEnumValue violation_values[] = {
  {GST_SRTP_GUARD_VIOLATION_DROP,
      "Drop the stream's packets, warn once per SSRC, keep running", "drop"},
  {GST_SRTP_GUARD_VIOLATION_ERROR, "Drop the packets and post an error", "error"},
  {0, NULL, NULL}
};

#define DEFINE_ENUM_TYPE(func, name, values)                       \
GType                                                              \
func (void)                                                        \
{                                                                  \
  static GType type = 0;                                           \
  if (g_once_init_enter (&type)) {                                 \
    GType t = g_enum_register_static (name, values);               \
    g_once_init_leave (&type, t);                                  \
  }                                                                \
  return type;                                                     \
}

DEFINE_ENUM_TYPE (gst_srtp_guard_mode_get_type, "GstSrtpGuardMode", mode_values);
DEFINE_ENUM_TYPE (gst_srtp_guard_cipher_get_type, "GstSrtpGuardCipher", cipher_values);
DEFINE_ENUM_TYPE (gst_srtp_guard_auth_get_type, "GstSrtpGuardAuth", auth_values);
DEFINE_ENUM_TYPE (gst_srtp_guard_violation_action_get_type,
    "GstSrtpGuardViolationAction", violation_values);

static const gchar *
nick_of (const GEnumValue * values, gint value)
{
  for (; values->value_nick; values++)
    if (values->value == value)
      return values->value_nick;
  return NULL;
}

static gboolean
value_of (const GEnumValue * values, const gchar * nick, gint * value)
{
  if (nick == NULL)
    return FALSE;
  for (; values->value_nick; values++) {
    if (g_strcmp0 (values->value_nick, nick) == 0) {
      *value = values->value;
      return TRUE;
    }
  }
  return FALSE;
}

const gchar *
gst_srtp_guard_cipher_nick (GstSrtpGuardCipher cipher)
{
  return nick_of (cipher_values, cipher);
}

const gchar *
gst_srtp_guard_auth_nick (GstSrtpGuardAuth auth)
{
  return nick_of (auth_values, auth);
}

gboolean
gst_srtp_guard_cipher_from_nick (const gchar * nick, GstSrtpGuardCipher * cipher)
{
  gint v;

  if (!value_of (cipher_values, nick, &v))
    return FALSE;
  *cipher = v;
  return TRUE;
}

gboolean
gst_srtp_guard_auth_from_nick (const gchar * nick, GstSrtpGuardAuth * auth)
{
  gint v;

  if (!value_of (auth_values, nick, &v))
    return FALSE;
  *auth = v;
  return TRUE;
}

gboolean
gst_srtp_guard_cipher_is_gcm (GstSrtpGuardCipher cipher)
{
  return cipher == GST_SRTP_GUARD_CIPHER_AES_128_GCM
      || cipher == GST_SRTP_GUARD_CIPHER_AES_256_GCM;
}

const gchar *
gst_srtp_guard_reason_nick (GstSrtpGuardReason reason)
{
  static const gchar *nicks[GST_SRTP_GUARD_N_REASONS] = {
    [GST_SRTP_GUARD_REASON_PLAIN_RTP] = "plain-rtp",
    [GST_SRTP_GUARD_REASON_NULL_CIPHER] = "null-cipher",
    [GST_SRTP_GUARD_REASON_NULL_AUTH] = "null-auth",
    [GST_SRTP_GUARD_REASON_WEAK_AUTH_TAG] = "weak-auth-tag",
    [GST_SRTP_GUARD_REASON_AUTHENTICATION] = "authentication",
    [GST_SRTP_GUARD_REASON_REPLAY] = "replay",
    [GST_SRTP_GUARD_REASON_BAD_MKI] = "bad-mki",
    [GST_SRTP_GUARD_REASON_NO_KEY] = "no-key",
    [GST_SRTP_GUARD_REASON_KEY_EXPIRED] = "key-expired",
    [GST_SRTP_GUARD_REASON_KEY_REUSED] = "key-reused",
    [GST_SRTP_GUARD_REASON_MALFORMED] = "malformed",
    [GST_SRTP_GUARD_REASON_OTHER] = "other",
  };

  if (reason < 0 || reason >= GST_SRTP_GUARD_N_REASONS)
    return "none";
  return nicks[reason];
}
