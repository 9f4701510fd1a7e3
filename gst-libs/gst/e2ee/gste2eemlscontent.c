/* gst-e2ee: the extent of a Proposal and a Commit (RFC 9420 §12) in a message.
 *
 * Framing needs to know where a proposal or commit ends (a PrivateMessageContent puts
 * the signature right after it). These readers check the structure field by field
 * with the proposal, Commit and UpdatePath codecs and consume it whole. Whether a
 * proposal is acceptable (PSKs, ReInit and external inits are out of scope) is
 * decided where it is applied, not here; a type RFC 9420 does not define is
 * UNSUPPORTED.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "gste2eemlscontent.h"
#include "gste2eemlscommit.h"
#include "gste2eemlserror.h"
#include "gste2eemlsproposal.h"

gboolean
gst_e2ee_mls_read_proposal (GstE2eeMlsReader * r, guint16 * type, GError ** error)
{
  return gst_e2ee_mls_proposal_skip (r, type, error);
}

/* Commit { ProposalOrRef proposals<V>; optional<UpdatePath> path; } */
gboolean
gst_e2ee_mls_read_commit (GstE2eeMlsReader * r, GError ** error)
{
  GstE2eeMlsCommit commit;
  gboolean ok;

  gst_e2ee_mls_commit_init (&commit);
  ok = gst_e2ee_mls_commit_read (r, &commit, error);
  gst_e2ee_mls_commit_clear (&commit);
  return ok;
}
