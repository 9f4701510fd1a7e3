/* gst-e2ee: SFrame sender-key ratchet (RFC 9605 §5.1)
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

/**
 * SECTION:gste2eeratchet
 * @title: Sender-key ratchet
 * @short_description: RFC 9605 §5.1 base-key ratchet and KID layout
 *
 * A sender can move its base key forward without distributing a new one:
 *
 * |[
 * base_key[i+1] = HKDF-Expand(HKDF-Extract("", base_key[i]), "SFrame 1.0 Ratchet", Nh)
 * ]|
 *
 * Once a receiver has derived the next base key and the sender has stopped using the
 * previous one, both can forget it: a later compromise of the current key does not
 * reveal earlier media (forward secrecy).
 *
 * So that receivers know which step a frame was encrypted at, the KID carries it: with
 * R low bits reserved for the step, `KID = (generation << R) + (step % 2^R)`. The
 * generation changes when the sender distributes a fresh key; the step when it
 * ratchets. Receivers and senders must agree on R; #GstE2eeKeyStore uses these
 * functions, and they are public for applications that manage keys themselves.
 *
 * Since: 0.1
 */

#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "gste2eeratchet.h"
#include "gste2eesframe-private.h"
#include "gste2eesuite-private.h"

#include <string.h>
#include <openssl/crypto.h>
#include <openssl/kdf.h>

#define MAX_HASH_SIZE 64

/**
 * gst_e2ee_ratchet_base_key:
 * @suite: the cipher suite, which chooses the hash
 * @base_key: (array length=base_key_size): the current base key
 * @base_key_size: its size in bytes (at least 1)
 * @next_base_key: (out caller-allocates) (array length=next_base_key_size): where to
 *   write the next base key
 * @next_base_key_size: the size of @next_base_key: at least
 *   gst_e2ee_cipher_suite_get_hash_size() (Nh) bytes; exactly Nh bytes are written
 * @error: return location for a #GError
 *
 * Runs one ratchet step (RFC 9605 §5.1): `HKDF-Expand(HKDF-Extract("", base_key),
 * "SFrame 1.0 Ratchet", Nh)`. The result is always Nh bytes long, whatever the size
 * of @base_key. @next_base_key may be @base_key itself to ratchet in place. Nothing
 * secret is left behind on the stack.
 *
 * Returns: %TRUE on success.
 *
 * Since: 0.1
 */
gboolean
gst_e2ee_ratchet_base_key (GstE2eeCipherSuite suite, const guint8 * base_key,
    gsize base_key_size, guint8 * next_base_key, gsize next_base_key_size,
    GError ** error)
{
  const GstE2eeSuiteInfo *info = gst_e2ee_suite_info_lookup (suite);
  guint8 prk[MAX_HASH_SIZE];
  gsize nh;
  gboolean ok;

  if (info == NULL) {
    g_set_error (error, GST_E2EE_SFRAME_ERROR, GST_E2EE_SFRAME_ERROR_INVALID_ARGUMENT,
        "unknown cipher suite 0x%04x", (guint) suite);
    return FALSE;
  }
  nh = info->nh;
  if (base_key == NULL || base_key_size == 0) {
    g_set_error_literal (error, GST_E2EE_SFRAME_ERROR,
        GST_E2EE_SFRAME_ERROR_INVALID_ARGUMENT, "empty base key");
    return FALSE;
  }
  if (next_base_key == NULL || next_base_key_size < nh) {
    g_set_error (error, GST_E2EE_SFRAME_ERROR, GST_E2EE_SFRAME_ERROR_INVALID_ARGUMENT,
        "the next base key needs %" G_GSIZE_FORMAT " bytes", nh);
    return FALSE;
  }

  /* The extract output is the same sframe_secret the key schedule (§4.4.2) starts
   * from; only the expand label differs. */
  ok = gst_e2ee_hkdf (info->digest, EVP_KDF_HKDF_MODE_EXTRACT_ONLY, NULL, 0,
      base_key, base_key_size, NULL, 0, prk, nh) &&
      gst_e2ee_hkdf (info->digest, EVP_KDF_HKDF_MODE_EXPAND_ONLY, NULL, 0,
      prk, nh, (const guint8 *) GST_E2EE_RATCHET_LABEL,
      strlen (GST_E2EE_RATCHET_LABEL), next_base_key, nh);
  OPENSSL_cleanse (prk, sizeof (prk));
  if (!ok)
    g_set_error_literal (error, GST_E2EE_SFRAME_ERROR, GST_E2EE_SFRAME_ERROR_CRYPTO,
        "OpenSSL failed: HKDF (ratchet)");
  return ok;
}

/**
 * gst_e2ee_ratchet_base_key_bytes:
 * @suite: the cipher suite
 * @base_key: the current base key
 * @error: return location for a #GError
 *
 * gst_e2ee_ratchet_base_key() for bindings. The returned #GBytes is ordinary memory
 * that is not wiped when freed; C code should prefer gst_e2ee_ratchet_base_key().
 *
 * Returns: (transfer full) (nullable): the next base key (Nh bytes), or %NULL on error.
 *
 * Since: 0.1
 */
GBytes *
gst_e2ee_ratchet_base_key_bytes (GstE2eeCipherSuite suite, GBytes * base_key,
    GError ** error)
{
  guint8 next[MAX_HASH_SIZE];
  const guint8 *data;
  gsize size;
  GBytes *ret = NULL;

  g_return_val_if_fail (base_key != NULL, NULL);
  data = g_bytes_get_data (base_key, &size);
  if (gst_e2ee_ratchet_base_key (suite, data, size, next, sizeof (next), error))
    ret = g_bytes_new (next, gst_e2ee_cipher_suite_get_hash_size (suite));
  OPENSSL_cleanse (next, sizeof (next));
  return ret;
}

static inline guint64
step_mask (guint ratchet_bits)
{
  return ratchet_bits == 0 ? 0 : (G_MAXUINT64 >> (64 - ratchet_bits));
}

/**
 * gst_e2ee_ratchet_kid:
 * @generation: the key generation; must fit in 64 - @ratchet_bits bits
 * @step: the ratchet step; only its low @ratchet_bits bits are used (`step % 2^R`)
 * @ratchet_bits: R, between 0 and %GST_E2EE_RATCHET_MAX_BITS
 *
 * Returns: `(generation << R) + (step % 2^R)`, the KID of @generation at @step.
 *
 * Since: 0.1
 */
guint64
gst_e2ee_ratchet_kid (guint64 generation, guint64 step, guint ratchet_bits)
{
  g_return_val_if_fail (ratchet_bits <= GST_E2EE_RATCHET_MAX_BITS, 0);
  g_return_val_if_fail (ratchet_bits == 0 || (generation >> (64 - ratchet_bits)) == 0, 0);

  return (generation << ratchet_bits) | (step & step_mask (ratchet_bits));
}

/**
 * gst_e2ee_ratchet_kid_get_generation:
 * @kid: a key ID
 * @ratchet_bits: R, between 0 and %GST_E2EE_RATCHET_MAX_BITS
 *
 * Returns: the generation @kid names: `kid >> R`.
 *
 * Since: 0.1
 */
guint64
gst_e2ee_ratchet_kid_get_generation (guint64 kid, guint ratchet_bits)
{
  g_return_val_if_fail (ratchet_bits <= GST_E2EE_RATCHET_MAX_BITS, 0);
  return kid >> ratchet_bits;
}

/**
 * gst_e2ee_ratchet_kid_get_step:
 * @kid: a key ID
 * @ratchet_bits: R, between 0 and %GST_E2EE_RATCHET_MAX_BITS
 *
 * Returns: the ratchet step @kid names, modulo 2^R: `kid % 2^R` (always 0 when R is 0).
 *
 * Since: 0.1
 */
guint64
gst_e2ee_ratchet_kid_get_step (guint64 kid, guint ratchet_bits)
{
  g_return_val_if_fail (ratchet_bits <= GST_E2EE_RATCHET_MAX_BITS, 0);
  return kid & step_mask (ratchet_bits);
}

/**
 * gst_e2ee_ratchet_next_kid:
 * @kid: a key ID
 * @ratchet_bits: R, between 1 and %GST_E2EE_RATCHET_MAX_BITS
 *
 * Returns: the KID of the next ratchet step of @kid's generation. The step wraps
 *   around after 2^R - 1, as `step % 2^R` does; the generation never changes.
 *
 * Since: 0.1
 */
guint64
gst_e2ee_ratchet_next_kid (guint64 kid, guint ratchet_bits)
{
  guint64 mask;

  g_return_val_if_fail (ratchet_bits >= 1 && ratchet_bits <= GST_E2EE_RATCHET_MAX_BITS,
      kid);
  mask = step_mask (ratchet_bits);
  return (kid & ~mask) | ((kid + 1) & mask);
}
