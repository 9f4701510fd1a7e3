/* gst-e2ee: the Add, Update and Remove proposals (RFC 9420 §12.1): codec and their
 * effect on a ratchet tree. PreSharedKey, ReInit, ExternalInit and
 * GroupContextExtensions are read (so that their extent is known) and refused with
 * GST_E2EE_MLS_ERROR_UNSUPPORTED.
 * Internal until the public MLS API exists: not installed and not part of the GIR.
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include "gste2eemlscontent.h"
#include "gste2eemlskeypackage.h"
#include "gste2eemlstree.h"

G_BEGIN_DECLS

/* type is a GstE2eeMlsProposalType: ADD sets key_package, UPDATE leaf_node, REMOVE
 * removed. Clear with gst_e2ee_mls_proposal_clear(). */
typedef struct
{
  guint16 type;
  GstE2eeMlsKeyPackage *key_package;
  GstE2eeMlsLeafNode *leaf_node;
  guint32 removed;
} GstE2eeMlsProposal;

void     gst_e2ee_mls_proposal_clear (GstE2eeMlsProposal *p);

/* Proposal { ProposalType msg_type; select ... }. An out-of-scope type is read whole
 * and refused with GST_E2EE_MLS_ERROR_UNSUPPORTED, the cursor left where it was;
 * a type RFC 9420 does not define is UNSUPPORTED too. */
gboolean gst_e2ee_mls_proposal_read   (GstE2eeMlsReader *r, GstE2eeMlsProposal *p,
                                       GError **error);
/* Reads a Proposal whole without judging it, for framing, which must know where one
 * ends: the out-of-scope types are read and accepted here (their type is returned);
 * they are refused where proposals are applied. A type RFC 9420 does not define is
 * UNSUPPORTED. */
gboolean gst_e2ee_mls_proposal_skip   (GstE2eeMlsReader *r, guint16 *type,
                                       GError **error);
gboolean gst_e2ee_mls_proposal_decode (const guint8 *data, gsize len,
                                       GstE2eeMlsProposal *p, GError **error);
void     gst_e2ee_mls_proposal_write  (const GstE2eeMlsProposal *p, GByteArray *w);
/* The body alone (Add, Update or Remove without the type), as messages.json holds. */
gboolean gst_e2ee_mls_proposal_decode_body (guint16 type, const guint8 *data, gsize len,
                                            GstE2eeMlsProposal *p, GError **error);
void     gst_e2ee_mls_proposal_write_body  (const GstE2eeMlsProposal *p, GByteArray *w);

/* Applies one proposal sent by member `sender` to tree (§12.1.1-12.1.3): Add puts the
 * KeyPackage's leaf into the leftmost blank leaf (*added receives its index, may be
 * NULL); Update replaces the sender's leaf and blanks its direct path; Remove blanks
 * the leaf and its path and truncates. Checks only what the tree decides (the leaf to
 * remove or update exists, keys unique); validating the KeyPackage or LeafNode against
 * the group is the caller's. On failure the tree is unchanged. */
gboolean gst_e2ee_mls_proposal_apply (const GstE2eeMlsProposal *p, GstE2eeMlsTree *tree,
                                      guint32 sender, guint32 *added, GError **error);

G_END_DECLS
