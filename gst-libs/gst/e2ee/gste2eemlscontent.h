/* gst-e2ee: the extent of a Proposal and a Commit (RFC 9420 §12) in a message.
 * Internal until the public MLS API exists: not installed and not part of the GIR.
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include "gste2eemlscodec.h"

G_BEGIN_DECLS

typedef enum
{
  GST_E2EE_MLS_PROPOSAL_ADD = 1,
  GST_E2EE_MLS_PROPOSAL_UPDATE = 2,
  GST_E2EE_MLS_PROPOSAL_REMOVE = 3,
  GST_E2EE_MLS_PROPOSAL_PSK = 4,
  GST_E2EE_MLS_PROPOSAL_REINIT = 5,
  GST_E2EE_MLS_PROPOSAL_EXTERNAL_INIT = 6,
  GST_E2EE_MLS_PROPOSAL_GROUP_CONTEXT_EXTENSIONS = 7,
} GstE2eeMlsProposalType;

gboolean gst_e2ee_mls_read_proposal (GstE2eeMlsReader *r, guint16 *type, GError **error);
gboolean gst_e2ee_mls_read_commit   (GstE2eeMlsReader *r, GError **error);

G_END_DECLS
