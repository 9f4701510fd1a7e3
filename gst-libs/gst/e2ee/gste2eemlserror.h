/* gst-e2ee: the error domain of the MLS (RFC 9420) engine.
 * Internal until the public MLS API exists: not installed and not part of the GIR.
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define GST_E2EE_MLS_ERROR (gst_e2ee_mls_error_quark ())

/*
 * GstE2eeMlsError:
 * @GST_E2EE_MLS_ERROR_DECODE: the bytes are not a valid encoding: truncated, a
 *   non-minimal or reserved length prefix, trailing bytes, a value out of range
 * @GST_E2EE_MLS_ERROR_ENCODE: a value is too large for its encoding (a vector longer
 *   than 2^30 - 1 bytes)
 * @GST_E2EE_MLS_ERROR_UNSUPPORTED_SUITE: the cipher suite is not in the suite table
 * @GST_E2EE_MLS_ERROR_INVALID_ARGUMENT: a key, secret or length of the wrong size
 * @GST_E2EE_MLS_ERROR_CRYPTO: OpenSSL failed (allocation, an invalid public key, a
 *   DH result of zero)
 * @GST_E2EE_MLS_ERROR_BAD_SIGNATURE: a signature does not verify
 * @GST_E2EE_MLS_ERROR_DECRYPT: an AEAD or HPKE ciphertext does not authenticate
 * @GST_E2EE_MLS_ERROR_BAD_TAG: a confirmation or membership tag does not match
 * @GST_E2EE_MLS_ERROR_GENERATION: a secret-tree generation already consumed, or
 *   beyond the last one a ratchet can reach
 * @GST_E2EE_MLS_ERROR_UNSUPPORTED: a feature out of scope (PSKs, external commits,
 *   ReInit, external senders) or not implemented yet
 * @GST_E2EE_MLS_ERROR_WRONG_GROUP: a message for another group
 * @GST_E2EE_MLS_ERROR_WRONG_EPOCH: a message for another epoch of the group
 * @GST_E2EE_MLS_ERROR_UNKNOWN_SENDER: a sender that is not a member (a leaf outside
 *   the tree, a sender type this operation does not accept)
 * @GST_E2EE_MLS_ERROR_WIRE_FORMAT: content in a wire format not allowed for it (an
 *   application message as a PublicMessage), or a wire format other than expected
 *
 * What went wrong, so that a program can act on it (drop a message, refuse a peer,
 * report a bug). Codes are only added, never renumbered.
 */
typedef enum
{
  GST_E2EE_MLS_ERROR_DECODE = 1,
  GST_E2EE_MLS_ERROR_ENCODE,
  GST_E2EE_MLS_ERROR_UNSUPPORTED_SUITE,
  GST_E2EE_MLS_ERROR_INVALID_ARGUMENT,
  GST_E2EE_MLS_ERROR_CRYPTO,
  GST_E2EE_MLS_ERROR_BAD_SIGNATURE,
  GST_E2EE_MLS_ERROR_DECRYPT,
  GST_E2EE_MLS_ERROR_BAD_TAG,
  GST_E2EE_MLS_ERROR_GENERATION,
  GST_E2EE_MLS_ERROR_UNSUPPORTED,
  GST_E2EE_MLS_ERROR_WRONG_GROUP,
  GST_E2EE_MLS_ERROR_WRONG_EPOCH,
  GST_E2EE_MLS_ERROR_UNKNOWN_SENDER,
  GST_E2EE_MLS_ERROR_WIRE_FORMAT,
} GstE2eeMlsError;

GQuark gst_e2ee_mls_error_quark (void);

G_END_DECLS
