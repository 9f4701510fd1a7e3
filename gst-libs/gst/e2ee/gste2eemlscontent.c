/* gst-e2ee: the extent of a Proposal and a Commit (RFC 9420 §12) in a message.
 *
 * Framing needs to know where a proposal or commit ends (a PrivateMessageContent puts
 * the signature right after it). These readers check the structure field by field
 * and consume it whole (KeyPackage, LeafNode and UpdatePath with their own decoders),
 * refusing proposal types RFC 9420 does not define with UNSUPPORTED. Whether a
 * proposal is acceptable (PSKs, ReInit and external inits are out of scope) is
 * decided where it is applied, not here.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "gste2eemlscontent.h"
#include "gste2eemlserror.h"
#include "gste2eemlskeypackage.h"
#include "gste2eemlscommit.h"

#define PSK_EXTERNAL 1
#define PSK_RESUMPTION 2

static gboolean
skip_opaque (GstE2eeMlsReader * r, GError ** error)
{
  const guint8 *data;
  gsize len;

  return gst_e2ee_mls_read_opaque (r, &data, &len, error);
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
    case GST_E2EE_MLS_PROPOSAL_ADD:{
      GstE2eeMlsKeyPackage *kp = gst_e2ee_mls_key_package_read (r, error);

      ok = kp != NULL;
      if (kp != NULL)
        gst_e2ee_mls_key_package_unref (kp);
      break;
    }
    case GST_E2EE_MLS_PROPOSAL_UPDATE:{
      GstE2eeMlsLeafNode *ln = gst_e2ee_mls_leaf_node_read (r, error);

      ok = ln != NULL;
      if (ln != NULL)
        gst_e2ee_mls_leaf_node_unref (ln);
      break;
    }
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
  GstE2eeMlsCommit commit;
  gboolean ok;

  gst_e2ee_mls_commit_init (&commit);
  ok = gst_e2ee_mls_commit_read (r, &commit, error);
  gst_e2ee_mls_commit_clear (&commit);
  return ok;
}
