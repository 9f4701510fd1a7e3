/* gst-e2ee: the Commit of RFC 9420 §12.4.
 *
 * A commit lists the proposals it applies, inline or by reference to proposals sent
 * earlier in the epoch, and carries an UpdatePath when it must (§12.4: any proposal
 * other than Add, or none at all) or wants to. What the list may hold is checked where
 * the commit is applied; here only the structure. Proposals out of scope are read (so
 * that framing finds where a commit ends, and a commit re-encodes) and refused where
 * the commit is applied.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "gste2eemlscommit.h"
#include "gste2eemlserror.h"

static void
proposal_or_ref_clear (gpointer data)
{
  GstE2eeMlsProposalOrRef *p = data;

  gst_e2ee_mls_proposal_clear (&p->proposal);
}

void
gst_e2ee_mls_commit_init (GstE2eeMlsCommit * commit)
{
  commit->proposals = g_array_new (FALSE, TRUE, sizeof (GstE2eeMlsProposalOrRef));
  g_array_set_clear_func (commit->proposals, proposal_or_ref_clear);
  commit->path = NULL;
}

void
gst_e2ee_mls_commit_clear (GstE2eeMlsCommit * commit)
{
  if (commit->proposals != NULL)
    g_array_unref (commit->proposals);
  commit->proposals = NULL;
  if (commit->path != NULL)
    gst_e2ee_mls_update_path_free (commit->path);
  commit->path = NULL;
}

gboolean
gst_e2ee_mls_commit_read (GstE2eeMlsReader * r, GstE2eeMlsCommit * commit,
    GError ** error)
{
  gsize start = r->pos;
  GstE2eeMlsReader list;
  gboolean has_path;

  g_array_set_size (commit->proposals, 0);
  if (!gst_e2ee_mls_read_vector (r, &list, error))
    return FALSE;
  while (gst_e2ee_mls_reader_remaining (&list) > 0) {
    GstE2eeMlsProposalOrRef p = { 0 };
    gsize at;

    if (!gst_e2ee_mls_read_u8 (&list, &p.type, error))
      goto fail;
    at = list.pos;
    if (p.type == GST_E2EE_MLS_PROPOSAL_OR_REF_PROPOSAL) {
      GError *local = NULL;

      /* Its extent (every type RFC 9420 defines), then its meaning (ours only). */
      if (!gst_e2ee_mls_read_proposal (&list, &p.proposal_type, error))
        goto fail;
      p.raw = list.data + at;
      p.raw_len = list.pos - at;
      if (!gst_e2ee_mls_proposal_decode (p.raw, p.raw_len, &p.proposal, &local)) {
        if (!g_error_matches (local, GST_E2EE_MLS_ERROR, GST_E2EE_MLS_ERROR_UNSUPPORTED)) {
          g_propagate_error (error, local);
          goto fail;
        }
        g_clear_error (&local);
        p.out_of_scope = TRUE;
      }
    } else if (p.type == GST_E2EE_MLS_PROPOSAL_OR_REF_REFERENCE) {
      if (!gst_e2ee_mls_read_opaque (&list, &p.raw, &p.raw_len, error))
        goto fail;
    } else {
      g_set_error (error, GST_E2EE_MLS_ERROR, GST_E2EE_MLS_ERROR_DECODE,
          "ProposalOrRef type %u is not defined", p.type);
      goto fail;
    }
    g_array_append_val (commit->proposals, p);
  }
  if (!gst_e2ee_mls_read_optional (r, &has_path, error))
    goto fail;
  if (has_path) {
    commit->path = gst_e2ee_mls_update_path_read (r, error);
    if (commit->path == NULL)
      goto fail;
  }
  return TRUE;

fail:
  g_array_set_size (commit->proposals, 0);
  r->pos = start;
  return FALSE;
}

gboolean
gst_e2ee_mls_commit_decode (GstE2eeMlsCommit * commit, const guint8 * data, gsize len,
    GError ** error)
{
  GstE2eeMlsReader r;

  gst_e2ee_mls_reader_init (&r, data, len);
  if (!gst_e2ee_mls_commit_read (&r, commit, error))
    return FALSE;
  if (!gst_e2ee_mls_reader_finish (&r, error)) {
    g_array_set_size (commit->proposals, 0);
    if (commit->path != NULL)
      gst_e2ee_mls_update_path_free (commit->path);
    commit->path = NULL;
    return FALSE;
  }
  return TRUE;
}

gboolean
gst_e2ee_mls_commit_encode (const GstE2eeMlsCommit * commit, GByteArray * w,
    GError ** error)
{
  guint start = w->len, i;
  gsize v = gst_e2ee_mls_write_vector_begin (w);

  for (i = 0; i < commit->proposals->len; i++) {
    const GstE2eeMlsProposalOrRef *p =
        &g_array_index (commit->proposals, GstE2eeMlsProposalOrRef, i);

    gst_e2ee_mls_write_u8 (w, p->type);
    if (p->type == GST_E2EE_MLS_PROPOSAL_OR_REF_PROPOSAL && !p->out_of_scope)
      gst_e2ee_mls_proposal_write (&p->proposal, w);
    else if (p->type == GST_E2EE_MLS_PROPOSAL_OR_REF_PROPOSAL)
      gst_e2ee_mls_write_fixed (w, p->raw, p->raw_len);
    else if (!gst_e2ee_mls_write_opaque (w, p->raw, p->raw_len, error))
      goto fail;
  }
  if (!gst_e2ee_mls_write_vector_end (w, v, error))
    goto fail;
  gst_e2ee_mls_write_optional (w, commit->path != NULL);
  if (commit->path != NULL && !gst_e2ee_mls_update_path_write (commit->path, w, error))
    goto fail;
  return TRUE;

fail:
  g_byte_array_set_size (w, start);
  return FALSE;
}
