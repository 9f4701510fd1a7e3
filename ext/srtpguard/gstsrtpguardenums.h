/* gst-e2ee: srtpguard enumerations
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <gst/gst.h>

G_BEGIN_DECLS

/**
 * GstSrtpGuardMode:
 * @GST_SRTP_GUARD_MODE_UNPROTECT: receive SRTP/SRTCP, output RTP/RTCP
 * @GST_SRTP_GUARD_MODE_PROTECT: receive RTP/RTCP, output SRTP/SRTCP
 *
 * Since: 0.1
 */
typedef enum {
  GST_SRTP_GUARD_MODE_UNPROTECT,
  GST_SRTP_GUARD_MODE_PROTECT,
} GstSrtpGuardMode;

/**
 * GstSrtpGuardCipher:
 * @GST_SRTP_GUARD_CIPHER_NULL: no encryption
 * @GST_SRTP_GUARD_CIPHER_AES_128_ICM: AES-128 counter mode (AES_CM_128, 30-byte key+salt)
 * @GST_SRTP_GUARD_CIPHER_AES_256_ICM: AES-256 counter mode (AES_256_CM, 46-byte key+salt)
 * @GST_SRTP_GUARD_CIPHER_AES_128_GCM: AEAD_AES_128_GCM (RFC 7714, 28-byte key+salt)
 * @GST_SRTP_GUARD_CIPHER_AES_256_GCM: AEAD_AES_256_GCM (RFC 7714, 44-byte key+salt)
 *
 * Values and nicks are those of srtpenc's GstSrtpCipherType, so caps and
 * gst-launch lines written for srtpenc/srtpdec work unchanged. A type of its own,
 * because both plugins may be loaded in one process.
 *
 * Since: 0.1
 */
typedef enum {
  GST_SRTP_GUARD_CIPHER_NULL,
  GST_SRTP_GUARD_CIPHER_AES_128_ICM,
  GST_SRTP_GUARD_CIPHER_AES_256_ICM,
  GST_SRTP_GUARD_CIPHER_AES_128_GCM,
  GST_SRTP_GUARD_CIPHER_AES_256_GCM,
} GstSrtpGuardCipher;

/**
 * GstSrtpGuardAuth:
 * @GST_SRTP_GUARD_AUTH_NULL: no authentication (the GCM ciphers authenticate by
 *   themselves with a 128-bit tag and ignore this setting)
 * @GST_SRTP_GUARD_AUTH_HMAC_SHA1_32: HMAC-SHA1 with a 32-bit tag
 * @GST_SRTP_GUARD_AUTH_HMAC_SHA1_80: HMAC-SHA1 with an 80-bit tag
 *
 * Values and nicks are those of srtpenc's GstSrtpAuthType.
 *
 * Since: 0.1
 */
typedef enum {
  GST_SRTP_GUARD_AUTH_NULL,
  GST_SRTP_GUARD_AUTH_HMAC_SHA1_32,
  GST_SRTP_GUARD_AUTH_HMAC_SHA1_80,
} GstSrtpGuardAuth;

/**
 * GstSrtpGuardViolationAction:
 * @GST_SRTP_GUARD_VIOLATION_DROP: drop the SSRC's packets, post a warning message once
 *   per SSRC and keep running
 * @GST_SRTP_GUARD_VIOLATION_ERROR: drop the packets and post an error message, which
 *   stops a typical application's pipeline
 *
 * What srtpguard does when a stream breaks the encryption policy.
 *
 * Since: 0.1
 */
typedef enum {
  GST_SRTP_GUARD_VIOLATION_DROP,
  GST_SRTP_GUARD_VIOLATION_ERROR,
} GstSrtpGuardViolationAction;

/* The GTypes: gstsrtpguard-enumtypes.h, generated (gnome.mkenums_simple) */

const gchar * gst_srtp_guard_cipher_nick (GstSrtpGuardCipher cipher);
const gchar * gst_srtp_guard_auth_nick (GstSrtpGuardAuth auth);
gboolean gst_srtp_guard_cipher_from_nick (const gchar * nick,
    GstSrtpGuardCipher * cipher);
gboolean gst_srtp_guard_auth_from_nick (const gchar * nick, GstSrtpGuardAuth * auth);
gboolean gst_srtp_guard_cipher_is_gcm (GstSrtpGuardCipher cipher);

G_END_DECLS
