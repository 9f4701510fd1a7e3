/* gst-e2ee: the extent of a Proposal and a Commit (RFC 9420 §12) in a message.
 *
 * Framing needs to know where a proposal or commit ends (a PrivateMessageContent puts
 * the signature right after it). These readers check the structure field by field
 * with the proposal and UpdatePath codecs and consume it whole. Whether a proposal is
 * acceptable (PSKs, ReInit and external inits are out of scope) is decided where it
 * is applied, not here; a type RFC 9420 does not define is UNSUPPORTED.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "gste2eemlscontent.h"
#include "gste2eemlserror.h"
#include "gste2eemlsproposal.h"
#include "gste2eemlstreekem.h"

#define PROPOSAL_OR_REF_PROPOSAL 1
#define PROPOSAL_OR_REF_REFERENCE 2

gboolean
gst_e2ee_mls_read_proposal (GstE2eeMlsReader * r, guint16 * type, GError ** error)
{
  return gst_e2ee_mls_proposal_skip (r, type, error);
}

/* Commit { ProposalOrRef proposals<V>; optional<UpdatePath> path; } */
gboolean
gst_e2ee_mls_read_commit (GstE2eeMlsReader * r, GError ** error)
{
  gsize start = r->pos;
  GstE2eeMlsReader proposals;
  gboolean has_path;

  if (!gst_e2ee_mls_read_vector (r, &proposals, error))
    return FALSE;
  while (gst_e2ee_mls_reader_remaining (&proposals) > 0) {
    guint8 kind;
    guint16 type;

    if (!gst_e2ee_mls_read_u8 (&proposals, &kind, error))
      goto fail;
    if (kind == PROPOSAL_OR_REF_PROPOSAL) {
      if (!gst_e2ee_mls_read_proposal (&proposals, &type, error))
        goto fail;
    } else if (kind == PROPOSAL_OR_REF_REFERENCE) {
      const guint8 *ref;
      gsize ref_len;

      if (!gst_e2ee_mls_read_opaque (&proposals, &ref, &ref_len, error))
        goto fail;
    } else {
      g_set_error (error, GST_E2EE_MLS_ERROR, GST_E2EE_MLS_ERROR_DECODE,
          "ProposalOrRef type %u is not defined", kind);
      goto fail;
    }
  }
  if (!gst_e2ee_mls_read_optional (r, &has_path, error))
    goto fail;
  if (has_path) {
    GstE2eeMlsUpdatePath *path = gst_e2ee_mls_update_path_read (r, error);

    if (path == NULL)
      goto fail;
    gst_e2ee_mls_update_path_free (path);
  }
  return TRUE;

fail:
  r->pos = start;
  return FALSE;
}
