/* gst-e2ee: the error domain of the MLS (RFC 9420) engine.
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <gst/e2ee/e2ee-prelude.h>

G_BEGIN_DECLS

/**
 * GST_E2EE_MLS_ERROR:
 *
 * The error domain of the MLS engine (#GstE2eeMlsClient, #GstE2eeMlsGroup); codes
 * are #GstE2eeMlsError.
 *
 * Since: 0.1
 */
#define GST_E2EE_MLS_ERROR (gst_e2ee_mls_error_quark ())

/**
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
 * @GST_E2EE_MLS_ERROR_BAD_PARENT_HASH: a parent hash in a commit's path or in a
 *   joined tree does not verify
 * @GST_E2EE_MLS_ERROR_BAD_TREE_HASH: the tree does not hash to the tree hash of the
 *   group context (a ratchet tree given to join that is not the group's)
 * @GST_E2EE_MLS_ERROR_INVALID_PROPOSAL: a proposal or a set of committed proposals
 *   that RFC 9420 §12.2 forbids (removing a blank leaf, adding a member twice, a
 *   committer removing itself, an update in a commit by its own sender)
 * @GST_E2EE_MLS_ERROR_INVALID_TREE: a ratchet tree or a leaf node that is not valid
 *   (§7.9: a leaf without the suite's capabilities, an encryption key used twice,
 *   an unmerged leaf in the wrong place, a leaf node of the wrong source)
 * @GST_E2EE_MLS_ERROR_NO_MATCHING_KEY_PACKAGE: a Welcome that is not addressed to
 *   any key package this client created (or one already used)
 * @GST_E2EE_MLS_ERROR_MISSING_RATCHET_TREE: a Welcome without the ratchet_tree
 *   extension and no tree given to join
 * @GST_E2EE_MLS_ERROR_NOT_A_MEMBER: the group's own member was removed: the group
 *   can no longer send or receive
 * @GST_E2EE_MLS_ERROR_OWN_MESSAGE: a message this member sent itself (a delivery
 *   service echoing it back); own commits are applied when they are created
 *
 * What went wrong, so that a program can act on it (drop a message, refuse a peer,
 * report a bug). Codes are only added, never renumbered. docs/mls.md says which
 * operation returns which.
 *
 * Since: 0.1
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
  GST_E2EE_MLS_ERROR_BAD_PARENT_HASH,
  GST_E2EE_MLS_ERROR_BAD_TREE_HASH,
  GST_E2EE_MLS_ERROR_INVALID_PROPOSAL,
  GST_E2EE_MLS_ERROR_INVALID_TREE,
  GST_E2EE_MLS_ERROR_NO_MATCHING_KEY_PACKAGE,
  GST_E2EE_MLS_ERROR_MISSING_RATCHET_TREE,
  GST_E2EE_MLS_ERROR_NOT_A_MEMBER,
  GST_E2EE_MLS_ERROR_OWN_MESSAGE,
} GstE2eeMlsError;

GST_E2EE_API
GQuark gst_e2ee_mls_error_quark (void);

G_END_DECLS
