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
 * @GST_E2EE_MLS_ERROR_BAD_LEAF_SIGNATURE: a LeafNode's or KeyPackage's signature does
 *   not verify
 * @GST_E2EE_MLS_ERROR_INVALID_LEAF_NODE: a LeafNode fails a check of RFC 9420 §7.3
 *   other than its signature (wrong source, a credential other than basic or not in
 *   its capabilities, an extension not in its capabilities, keys of the wrong size,
 *   outside its lifetime, a signature or encryption key already in the tree)
 * @GST_E2EE_MLS_ERROR_INVALID_KEY_PACKAGE: a KeyPackage of another version or cipher
 *   suite, or whose init_key equals its leaf's encryption_key
 * @GST_E2EE_MLS_ERROR_INVALID_TREE: a ratchet tree that breaks its invariants (a node
 *   type at the wrong position, trailing blank nodes, unmerged leaves that are not
 *   non-blank descendants listed on every node between, a parent encryption key used
 *   twice), or an operation on a blank or missing leaf
 * @GST_E2EE_MLS_ERROR_BAD_PARENT_HASH: a parent node that is not parent-hash valid, or
 *   a committer's leaf whose parent_hash differs from the path it sent
 * @GST_E2EE_MLS_ERROR_BAD_TREE_HASH: a tree whose hash differs from the one expected
 * @GST_E2EE_MLS_ERROR_INVALID_PATH: an UpdatePath of the wrong length or with the
 *   wrong number of ciphertexts, a derived public key that differs from the path's,
 *   no private key to decrypt it with, or a path secret that does not match a node
 * @GST_E2EE_MLS_ERROR_INVALID_PROPOSAL: a proposal or a set of committed proposals
 *   that RFC 9420 §12.2 forbids (removing a blank leaf or the same leaf twice, adding
 *   a key package already in the group, a committer removing or updating itself
 *   through a proposal, a proposal reference the group does not hold)
 * @GST_E2EE_MLS_ERROR_NO_MATCHING_KEY_PACKAGE: a Welcome that is not addressed to
 *   any key package this client created (or one already used)
 * @GST_E2EE_MLS_ERROR_MISSING_RATCHET_TREE: a Welcome without the ratchet_tree
 *   extension and no tree given to join
 * @GST_E2EE_MLS_ERROR_NOT_A_MEMBER: the group's own member was removed: the group
 *   can no longer send or receive
 * @GST_E2EE_MLS_ERROR_OWN_MESSAGE: a message this member sent itself (a delivery
 *   service echoing it back); own commits are applied when they are created
 * @GST_E2EE_MLS_ERROR_NOT_PERMITTED: what the group's settings do not let another
 *   member do here: an Add or Remove proposal where this member takes only Updates
 *   (#GstE2eeMlsGroup:membership-proposals is off), a commit from a member other
 *   than #GstE2eeMlsGroup:committer
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
  GST_E2EE_MLS_ERROR_BAD_LEAF_SIGNATURE,
  GST_E2EE_MLS_ERROR_INVALID_LEAF_NODE,
  GST_E2EE_MLS_ERROR_INVALID_KEY_PACKAGE,
  GST_E2EE_MLS_ERROR_INVALID_TREE,
  GST_E2EE_MLS_ERROR_BAD_PARENT_HASH,
  GST_E2EE_MLS_ERROR_BAD_TREE_HASH,
  GST_E2EE_MLS_ERROR_INVALID_PATH,
  GST_E2EE_MLS_ERROR_INVALID_PROPOSAL,
  GST_E2EE_MLS_ERROR_NO_MATCHING_KEY_PACKAGE,
  GST_E2EE_MLS_ERROR_MISSING_RATCHET_TREE,
  GST_E2EE_MLS_ERROR_NOT_A_MEMBER,
  GST_E2EE_MLS_ERROR_OWN_MESSAGE,
  GST_E2EE_MLS_ERROR_NOT_PERMITTED,
} GstE2eeMlsError;

GST_E2EE_API
GQuark gst_e2ee_mls_error_quark (void);

G_END_DECLS
