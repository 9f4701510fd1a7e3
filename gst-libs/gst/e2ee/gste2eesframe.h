/* gst-e2ee: SFrame (RFC 9605)
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <gst/e2ee/e2ee-prelude.h>

G_BEGIN_DECLS

/**
 * GstE2eeCipherSuite:
 * @GST_E2EE_CIPHER_SUITE_AES_128_CTR_HMAC_SHA256_80: AES-128 in counter mode with an
 *   HMAC-SHA256 tag truncated to 80 bits (RFC 9605 §4.5.1).
 * @GST_E2EE_CIPHER_SUITE_AES_128_CTR_HMAC_SHA256_64: the same with a 64-bit tag.
 * @GST_E2EE_CIPHER_SUITE_AES_128_CTR_HMAC_SHA256_32: the same with a 32-bit tag. Only for
 *   audio where every byte counts; forgeries are 2^32 times easier than with GCM.
 * @GST_E2EE_CIPHER_SUITE_AES_128_GCM_SHA256_128: AES-128-GCM, HKDF-SHA256.
 * @GST_E2EE_CIPHER_SUITE_AES_256_GCM_SHA512_128: AES-256-GCM, HKDF-SHA512: the cipher
 *   meeting services use for E2EE.
 *
 * The cipher suites of RFC 9605 §8.1. The values are the IANA code points, which
 * are also what goes into the key-derivation labels.
 *
 * Since: 0.1
 */
typedef enum {
  GST_E2EE_CIPHER_SUITE_AES_128_CTR_HMAC_SHA256_80 = 0x0001, /*< nick=aes-128-ctr-hmac-sha256-80 >*/
  GST_E2EE_CIPHER_SUITE_AES_128_CTR_HMAC_SHA256_64 = 0x0002, /*< nick=aes-128-ctr-hmac-sha256-64 >*/
  GST_E2EE_CIPHER_SUITE_AES_128_CTR_HMAC_SHA256_32 = 0x0003, /*< nick=aes-128-ctr-hmac-sha256-32 >*/
  GST_E2EE_CIPHER_SUITE_AES_128_GCM_SHA256_128 = 0x0004, /*< nick=aes-128-gcm-sha256-128 >*/
  GST_E2EE_CIPHER_SUITE_AES_256_GCM_SHA512_128 = 0x0005, /*< nick=aes-256-gcm-sha512-128 >*/
} GstE2eeCipherSuite;

/**
 * GST_E2EE_SFRAME_MAX_HEADER_SIZE:
 *
 * The largest SFrame header: a config byte, an 8-byte KID and an 8-byte CTR.
 *
 * Since: 0.1
 */
#define GST_E2EE_SFRAME_MAX_HEADER_SIZE 17

/**
 * GST_E2EE_SFRAME_MAX_TAG_SIZE:
 *
 * The largest authentication tag of any supported cipher suite.
 *
 * Since: 0.1
 */
#define GST_E2EE_SFRAME_MAX_TAG_SIZE 16

/**
 * GST_E2EE_SFRAME_MAX_OVERHEAD:
 *
 * The most bytes SFrame adds to a frame: the largest header and the largest tag.
 *
 * Since: 0.1
 */
#define GST_E2EE_SFRAME_MAX_OVERHEAD (GST_E2EE_SFRAME_MAX_HEADER_SIZE + GST_E2EE_SFRAME_MAX_TAG_SIZE)

/**
 * GST_E2EE_SFRAME_ERROR:
 *
 * The error domain of the SFrame functions; codes are #GstE2eeSFrameError.
 *
 * Since: 0.1
 */
#define GST_E2EE_SFRAME_ERROR (gst_e2ee_sframe_error_quark ())

/**
 * GstE2eeSFrameError:
 * @GST_E2EE_SFRAME_ERROR_MALFORMED_HEADER: the header is truncated or not minimally encoded.
 * @GST_E2EE_SFRAME_ERROR_TRUNCATED: the frame is shorter than its header plus the tag.
 * @GST_E2EE_SFRAME_ERROR_AUTHENTICATION: the tag does not match: the header, the metadata or
 *   the ciphertext was altered, or the key is wrong.
 * @GST_E2EE_SFRAME_ERROR_UNKNOWN_KID: the frame's KID is not the key's.
 * @GST_E2EE_SFRAME_ERROR_COUNTER_EXHAUSTED: the key has used every counter value; a new key
 *   is needed, since reusing a counter would reuse a nonce.
 * @GST_E2EE_SFRAME_ERROR_INVALID_ARGUMENT: a key of the wrong length, an unknown cipher suite,
 *   an output buffer that is too small, or a counter that would go backwards.
 * @GST_E2EE_SFRAME_ERROR_CRYPTO: OpenSSL failed.
 *
 * Since: 0.1
 */
typedef enum {
  GST_E2EE_SFRAME_ERROR_MALFORMED_HEADER,
  GST_E2EE_SFRAME_ERROR_TRUNCATED,
  GST_E2EE_SFRAME_ERROR_AUTHENTICATION,
  GST_E2EE_SFRAME_ERROR_UNKNOWN_KID,
  GST_E2EE_SFRAME_ERROR_COUNTER_EXHAUSTED,
  GST_E2EE_SFRAME_ERROR_INVALID_ARGUMENT,
  GST_E2EE_SFRAME_ERROR_CRYPTO,
} GstE2eeSFrameError;

GST_E2EE_API
GQuark        gst_e2ee_sframe_error_quark (void);

/* Cipher-suite parameters (RFC 9605 §4.5) */

GST_E2EE_API
gboolean      gst_e2ee_cipher_suite_is_valid (GstE2eeCipherSuite suite);

GST_E2EE_API
gsize         gst_e2ee_cipher_suite_get_key_size (GstE2eeCipherSuite suite);

GST_E2EE_API
gsize         gst_e2ee_cipher_suite_get_nonce_size (GstE2eeCipherSuite suite);

GST_E2EE_API
gsize         gst_e2ee_cipher_suite_get_tag_size (GstE2eeCipherSuite suite);

GST_E2EE_API
gsize         gst_e2ee_cipher_suite_get_hash_size (GstE2eeCipherSuite suite);

/* Header (RFC 9605 §4.3) */

GST_E2EE_API
gsize         gst_e2ee_sframe_header_size (guint64 kid, guint64 ctr);

GST_E2EE_API
gsize         gst_e2ee_sframe_header_encode (guint64 kid, guint64 ctr,
                                             guint8 *out, gsize out_size);

GST_E2EE_API
gboolean      gst_e2ee_sframe_header_parse (const guint8 *data, gsize size,
                                            guint64 *kid, guint64 *ctr,
                                            gsize *header_size, GError **error);

/* Key schedule (RFC 9605 §4.4.2) */

GST_E2EE_API
gboolean      gst_e2ee_sframe_derive (GstE2eeCipherSuite suite, guint64 kid,
                                      const guint8 *base_key, gsize base_key_size,
                                      guint8 *secret, guint8 *key, guint8 *salt,
                                      GError **error);

/**
 * GstE2eeSFrameKey:
 *
 * One SFrame key: the key and salt derived from a base key for one KID and cipher suite,
 * with the OpenSSL contexts prepared once, so that sealing or opening a frame derives
 * nothing and allocates nothing.
 *
 * A key used for encryption owns its counter: every frame gets the next value, and the
 * key refuses to encrypt once the counter is used up rather than reuse a nonce. The
 * functions on one key are thread-safe; different keys never contend.
 *
 * Since: 0.1
 */
typedef struct _GstE2eeSFrameKey GstE2eeSFrameKey;

GST_E2EE_API
GType         gst_e2ee_sframe_key_get_type (void);
#define GST_TYPE_E2EE_SFRAME_KEY (gst_e2ee_sframe_key_get_type ())

GST_E2EE_API
GstE2eeSFrameKey * gst_e2ee_sframe_key_new (GstE2eeCipherSuite suite, guint64 kid,
                                            const guint8 *base_key, gsize base_key_size,
                                            GError **error);

GST_E2EE_API
GstE2eeSFrameKey * gst_e2ee_sframe_key_new_from_bytes (GstE2eeCipherSuite suite, guint64 kid,
                                                       GBytes *base_key, GError **error);

GST_E2EE_API
GstE2eeSFrameKey * gst_e2ee_sframe_key_ref (GstE2eeSFrameKey *key);

GST_E2EE_API
void          gst_e2ee_sframe_key_unref (GstE2eeSFrameKey *key);

GST_E2EE_API
guint64       gst_e2ee_sframe_key_get_kid (const GstE2eeSFrameKey *key);

GST_E2EE_API
GstE2eeCipherSuite gst_e2ee_sframe_key_get_cipher_suite (const GstE2eeSFrameKey *key);

GST_E2EE_API
guint64       gst_e2ee_sframe_key_get_next_counter (GstE2eeSFrameKey *key);

GST_E2EE_API
gboolean      gst_e2ee_sframe_key_skip_counter_to (GstE2eeSFrameKey *key, guint64 ctr,
                                                   GError **error);

GST_E2EE_API
void          gst_e2ee_sframe_key_compute_nonce (const GstE2eeSFrameKey *key, guint64 ctr,
                                                 guint8 *nonce);

GST_E2EE_API
gsize         gst_e2ee_sframe_key_get_max_encrypted_size (const GstE2eeSFrameKey *key,
                                                          gsize plaintext_size);

GST_E2EE_API
gboolean      gst_e2ee_sframe_key_encrypt (GstE2eeSFrameKey *key,
                                           const guint8 *metadata, gsize metadata_size,
                                           const guint8 *plaintext, gsize plaintext_size,
                                           guint8 *out, gsize out_size, gsize *out_len,
                                           guint64 *ctr_used, GError **error);

GST_E2EE_API
gboolean      gst_e2ee_sframe_key_encrypt_in_place (GstE2eeSFrameKey *key,
                                           const guint8 *metadata, gsize metadata_size,
                                           guint8 *frame, gsize frame_size,
                                           gsize headroom, gsize tailroom,
                                           gsize *header_size, gsize *out_len,
                                           guint64 *ctr_used, GError **error);

GST_E2EE_API
gboolean      gst_e2ee_sframe_key_decrypt (GstE2eeSFrameKey *key,
                                           const guint8 *metadata, gsize metadata_size,
                                           const guint8 *frame, gsize frame_size,
                                           guint8 *out, gsize out_size, gsize *out_len,
                                           guint64 *ctr, GError **error);

GST_E2EE_API
GBytes *      gst_e2ee_sframe_key_encrypt_bytes (GstE2eeSFrameKey *key, GBytes *metadata,
                                                 GBytes *plaintext, GError **error);

GST_E2EE_API
GBytes *      gst_e2ee_sframe_key_decrypt_bytes (GstE2eeSFrameKey *key, GBytes *metadata,
                                                 GBytes *frame, GError **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (GstE2eeSFrameKey, gst_e2ee_sframe_key_unref)

G_END_DECLS
