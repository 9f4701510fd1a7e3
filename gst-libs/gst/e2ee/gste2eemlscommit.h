/* gst-e2ee: the Commit of RFC 9420 §12.4: ProposalOrRef proposals<V>;
 * optional<UpdatePath> path.
 * Internal: the public API is GstE2eeMlsGroup.
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include "gste2eemlscontent.h"
#include "gste2eemlsproposal.h"
#include "gste2eemlstreekem.h"

G_BEGIN_DECLS

#define GST_E2EE_MLS_PROPOSAL_OR_REF_PROPOSAL 1
#define GST_E2EE_MLS_PROPOSAL_OR_REF_REFERENCE 2

/* One ProposalOrRef: an inline proposal (raw is its encoding, proposal it decoded
 * unless out_of_scope: a PSK, ReInit, ExternalInit or GroupContextExtensions
 * proposal, kept as bytes so that the commit still re-encodes, refused where the
 * commit is applied) or a ProposalRef (raw is the reference). raw borrows from the
 * decoded bytes. */
typedef struct
{
  guint8 type;
  guint16 proposal_type;
  gboolean out_of_scope;
  GstE2eeMlsProposal proposal;
  const guint8 *raw;
  gsize raw_len;
} GstE2eeMlsProposalOrRef;

typedef struct
{
  GArray *proposals;            /* of GstE2eeMlsProposalOrRef */
  GstE2eeMlsUpdatePath *path;   /* NULL for none */
} GstE2eeMlsCommit;

void     gst_e2ee_mls_commit_init   (GstE2eeMlsCommit *commit);
void     gst_e2ee_mls_commit_clear  (GstE2eeMlsCommit *commit);
/* commit must be initialised; on failure it is left empty and the cursor where it
 * was. */
gboolean gst_e2ee_mls_commit_read   (GstE2eeMlsReader *r, GstE2eeMlsCommit *commit,
                                     GError **error);
gboolean gst_e2ee_mls_commit_decode (GstE2eeMlsCommit *commit, const guint8 *data,
                                     gsize len, GError **error);
gboolean gst_e2ee_mls_commit_encode (const GstE2eeMlsCommit *commit, GByteArray *w,
                                     GError **error);

G_END_DECLS
