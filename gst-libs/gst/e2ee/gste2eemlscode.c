/* gst-e2ee: the security code of an MLS epoch and the fingerprint of a member.
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

/**
 * SECTION:gste2eemlscode
 * @title: Security code and fingerprints
 * @short_description: what the members of an MLS meeting compare out of band
 *
 * Every member of an epoch has the same epoch authenticator (RFC 9420 §8.7), and
 * nobody outside the epoch knows it. Members who read the security code derived from
 * it to each other (aloud, or side by side) and find it equal know that the delivery
 * service did not split them into different groups or insert a member they cannot
 * see in the roster. The code changes with every epoch.
 *
 * A member's fingerprint, derived from its signature key, is for a pairwise check:
 * two people compare the fingerprint each one's roster shows for the other's
 * credential.
 *
 * Both are 40 decimal digits in 8 groups of 5 separated by single spaces (about 133
 * bits), made from 32 bytes T as follows: group i (0 to 7) is the big-endian 32-bit
 * number in bytes 4i to 4i+3 of T, modulo 100000, written with 5 digits (leading
 * zeros kept). For the security code, T = HMAC-SHA256 (key: the epoch authenticator,
 * message: the ASCII bytes of %GST_E2EE_MLS_SECURITY_CODE_LABEL); for a fingerprint,
 * T = SHA-256 (the ASCII bytes of %GST_E2EE_MLS_FINGERPRINT_LABEL followed by the
 * signature public key as it is in the credential's leaf, 32 bytes for Ed25519).
 * docs/mls.md has the same in Python.
 *
 * Since: 0.1
 */

#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "gste2eemlscode.h"

#include <string.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>

#define DIGEST_SIZE 32
#define N_GROUPS 8

/* "ddddd ddddd ... ddddd" from the 32 bytes of @t. */
static gchar *
format_digits (const guint8 * t)
{
  GString *s = g_string_sized_new (N_GROUPS * 6);
  guint i;

  for (i = 0; i < N_GROUPS; i++) {
    guint32 v = ((guint32) t[4 * i] << 24) | ((guint32) t[4 * i + 1] << 16) |
        ((guint32) t[4 * i + 2] << 8) | t[4 * i + 3];

    g_string_append_printf (s, i == 0 ? "%05u" : " %05u", v % 100000);
  }
  return g_string_free (s, FALSE);
}

/**
 * gst_e2ee_mls_security_code_from_authenticator:
 * @epoch_authenticator: an epoch authenticator (32 bytes for cipher suite 1)
 *
 * The security code of the epoch whose authenticator is @epoch_authenticator: the
 * function the section above defines. gst_e2ee_mls_group_get_security_code() is this
 * for a group's current epoch; an implementation in another stack (a browser's
 * ts-mls, for instance) computes the same from its own authenticator.
 *
 * Returns: (transfer full) (nullable): 40 digits in 8 groups of 5, or %NULL for an
 *   empty authenticator.
 *
 * Since: 0.1
 */
gchar *
gst_e2ee_mls_security_code_from_authenticator (GBytes * epoch_authenticator)
{
  static const char label[] = GST_E2EE_MLS_SECURITY_CODE_LABEL;
  guint8 t[DIGEST_SIZE];
  const guint8 *a;
  gsize a_len, t_len = 0;
  gchar *code;

  g_return_val_if_fail (epoch_authenticator != NULL, NULL);
  a = g_bytes_get_data (epoch_authenticator, &a_len);
  if (a_len == 0)
    return NULL;
  if (EVP_Q_mac (NULL, "HMAC", NULL, "SHA256", NULL, a, a_len,
          (const unsigned char *) label, strlen (label), t, sizeof t, &t_len) == NULL
      || t_len != sizeof t)
    return NULL;
  code = format_digits (t);
  OPENSSL_cleanse (t, sizeof t);
  return code;
}

/**
 * gst_e2ee_mls_fingerprint_from_signature_key:
 * @signature_key: a signature public key
 *
 * The fingerprint of a signature public key: the function the section above defines.
 *
 * Returns: (transfer full) (nullable): 40 digits in 8 groups of 5, or %NULL for an
 *   empty key.
 *
 * Since: 0.1
 */
gchar *
gst_e2ee_mls_fingerprint_from_signature_key (GBytes * signature_key)
{
  static const char label[] = GST_E2EE_MLS_FINGERPRINT_LABEL;
  guint8 t[DIGEST_SIZE];
  const guint8 *k;
  gsize k_len;
  guint t_len = 0;
  EVP_MD_CTX *md;
  gboolean ok;

  g_return_val_if_fail (signature_key != NULL, NULL);
  k = g_bytes_get_data (signature_key, &k_len);
  if (k_len == 0)
    return NULL;
  md = EVP_MD_CTX_new ();
  ok = md != NULL && EVP_DigestInit_ex (md, EVP_sha256 (), NULL) == 1
      && EVP_DigestUpdate (md, label, strlen (label)) == 1
      && EVP_DigestUpdate (md, k, k_len) == 1
      && EVP_DigestFinal_ex (md, t, &t_len) == 1 && t_len == sizeof t;
  EVP_MD_CTX_free (md);
  return ok ? format_digits (t) : NULL;
}

/**
 * gst_e2ee_mls_group_get_security_code:
 * @group: a #GstE2eeMlsGroup
 *
 * The security code of the group's current epoch (see the section above): the same
 * at every member of the epoch, another one at the next epoch. Show it to the user
 * with the epoch it belongs to (#GstE2eeMlsGroup:epoch), and ask again after
 * #GObject::notify of `epoch`.
 *
 * Returns: (transfer full) (nullable): 40 digits in 8 groups of 5, or %NULL for a
 *   group that is not active.
 *
 * Since: 0.1
 */
gchar *
gst_e2ee_mls_group_get_security_code (GstE2eeMlsGroup * group)
{
  GBytes *auth;
  gchar *code;

  g_return_val_if_fail (GST_E2EE_IS_MLS_GROUP (group), NULL);
  if (!gst_e2ee_mls_group_is_active (group))
    return NULL;
  auth = gst_e2ee_mls_group_get_epoch_authenticator (group);
  if (auth == NULL)
    return NULL;
  code = gst_e2ee_mls_security_code_from_authenticator (auth);
  g_bytes_unref (auth);
  return code;
}

/**
 * gst_e2ee_mls_member_get_fingerprint:
 * @member: a #GstE2eeMlsMember
 *
 * The fingerprint of the member's signature key (see the section above), for a
 * pairwise check with that member: it shows the same fingerprint for its own key
 * (from its own entry in gst_e2ee_mls_group_get_members()).
 *
 * Returns: (transfer full) (nullable): 40 digits in 8 groups of 5.
 *
 * Since: 0.1
 */
gchar *
gst_e2ee_mls_member_get_fingerprint (const GstE2eeMlsMember * member)
{
  GBytes *key;
  gchar *fp;

  g_return_val_if_fail (member != NULL, NULL);
  key = gst_e2ee_mls_member_get_signature_key (member);
  fp = gst_e2ee_mls_fingerprint_from_signature_key (key);
  g_bytes_unref (key);
  return fp;
}
