/* gst-e2ee: the extent of a Proposal and a Commit (RFC 9420 §12) in a message.
 *
 * Framing needs to know where a proposal or commit ends (a PrivateMessageContent puts
 * the signature right after it). These readers check the structure field by field
 * and consume it whole. What they cannot read yet they refuse with UNSUPPORTED
 * rather than guess: Add (a KeyPackage), Update (a LeafNode), a Commit carrying an
 * UpdatePath, and proposal types RFC 9420 does not define. Whether a proposal is
 * acceptable (PSKs, ReInit and external inits are out of scope) is decided where it
 * is applied, not here.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "gste2eemlscontent.h"
#include "gste2eemlserror.h"

#define PSK_EXTERNAL 1
#define PSK_RESUMPTION 2
#define PROPOSAL_OR_REF_PROPOSAL 1
#define PROPOSAL_OR_REF_REFERENCE 2

static gboolean
skip_opaque (GstE2eeMlsReader * r, GError ** error)
{
  const guint8 *data;
  gsize len;

  return gst_e2ee_mls_read_opaque (r, &data, &len, error);
}

static gboolean
not_yet (const gchar * what, GError ** error)
{
  g_set_error (error, GST_E2EE_MLS_ERROR, GST_E2EE_MLS_ERROR_UNSUPPORTED,
      "%s cannot be read yet (the KeyPackage and LeafNode codecs are not implemented)",
      what);
  return FALSE;
}

/* PreSharedKeyID (§8.4). */
static gboolean
read_psk_id (GstE2eeMlsReader * r, GError ** error)
{
  guint8 psk_type, usage;
  guint64 epoch;

  if (!gst_e2ee_mls_read_u8 (r, &psk_type, error))
    return FALSE;
  switch (psk_type) {
    case PSK_EXTERNAL:
      if (!skip_opaque (r, error))
        return FALSE;
      break;
    case PSK_RESUMPTION:
      if (!gst_e2ee_mls_read_u8 (r, &usage, error) || !skip_opaque (r, error)
          || !gst_e2ee_mls_read_u64 (r, &epoch, error))
        return FALSE;
      break;
    default:
      g_set_error (error, GST_E2EE_MLS_ERROR, GST_E2EE_MLS_ERROR_DECODE,
          "PSK type %u is not defined", psk_type);
      return FALSE;
  }
  return skip_opaque (r, error);
}

gboolean
gst_e2ee_mls_read_proposal (GstE2eeMlsReader * r, guint16 * type, GError ** error)
{
  gsize start = r->pos;
  guint16 t, u16;
  guint32 leaf;
  gboolean ok;

  if (!gst_e2ee_mls_read_u16 (r, &t, error))
    return FALSE;
  switch (t) {
    case GST_E2EE_MLS_PROPOSAL_ADD:
      ok = not_yet ("An Add proposal", error);
      break;
    case GST_E2EE_MLS_PROPOSAL_UPDATE:
      ok = not_yet ("An Update proposal", error);
      break;
    case GST_E2EE_MLS_PROPOSAL_REMOVE:
      ok = gst_e2ee_mls_read_u32 (r, &leaf, error);
      break;
    case GST_E2EE_MLS_PROPOSAL_PSK:
      ok = read_psk_id (r, error);
      break;
    case GST_E2EE_MLS_PROPOSAL_REINIT:
      /* group_id, version, cipher_suite, extensions */
      ok = skip_opaque (r, error) && gst_e2ee_mls_read_u16 (r, &u16, error)
          && gst_e2ee_mls_read_u16 (r, &u16, error) && skip_opaque (r, error);
      break;
    case GST_E2EE_MLS_PROPOSAL_EXTERNAL_INIT:
    case GST_E2EE_MLS_PROPOSAL_GROUP_CONTEXT_EXTENSIONS:
      ok = skip_opaque (r, error);
      break;
    default:
      g_set_error (error, GST_E2EE_MLS_ERROR, GST_E2EE_MLS_ERROR_UNSUPPORTED,
          "proposal type %u is not one RFC 9420 defines", t);
      ok = FALSE;
      break;
  }
  if (!ok) {
    r->pos = start;
    return FALSE;
  }
  *type = t;
  return TRUE;
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
      if (!skip_opaque (&proposals, error))
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
    not_yet ("A commit with an UpdatePath", error);
    goto fail;
  }
  return TRUE;

fail:
  r->pos = start;
  return FALSE;
}
