/* gst-e2ee: srtpguard enumerations: their nicks, which caps fields use
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "gstsrtpguardenums.h"
#include "gstsrtpguard-enumtypes.h"

static const gchar *
nick_of (GType type, gint value)
{
  GEnumClass *klass = g_type_class_ref (type);
  const GEnumValue *v = g_enum_get_value (klass, value);

  g_type_class_unref (klass);   /* static types: the values stay */
  return v ? v->value_nick : NULL;
}

static gboolean
value_of (GType type, const gchar * nick, gint * value)
{
  GEnumClass *klass;
  const GEnumValue *v;

  if (nick == NULL)
    return FALSE;
  klass = g_type_class_ref (type);
  v = g_enum_get_value_by_nick (klass, nick);
  g_type_class_unref (klass);
  if (v == NULL)
    return FALSE;
  *value = v->value;
  return TRUE;
}

const gchar *
gst_srtp_guard_cipher_nick (GstSrtpGuardCipher cipher)
{
  return nick_of (GST_TYPE_SRTP_GUARD_CIPHER, cipher);
}

const gchar *
gst_srtp_guard_auth_nick (GstSrtpGuardAuth auth)
{
  return nick_of (GST_TYPE_SRTP_GUARD_AUTH, auth);
}

gboolean
gst_srtp_guard_cipher_from_nick (const gchar * nick, GstSrtpGuardCipher * cipher)
{
  gint v;

  if (!value_of (GST_TYPE_SRTP_GUARD_CIPHER, nick, &v))
    return FALSE;
  *cipher = v;
  return TRUE;
}

gboolean
gst_srtp_guard_auth_from_nick (const gchar * nick, GstSrtpGuardAuth * auth)
{
  gint v;

  if (!value_of (GST_TYPE_SRTP_GUARD_AUTH, nick, &v))
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
