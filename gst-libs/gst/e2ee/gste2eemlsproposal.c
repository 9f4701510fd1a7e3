/* gst-e2ee: the Add, Update and Remove proposals (RFC 9420 §12.1).
 *
 * The proposals out of scope (PreSharedKey, ReInit, ExternalInit,
 * GroupContextExtensions) are read field by field before they are refused, so that
 * a malformed one is a DECODE error and a well-formed one is UNSUPPORTED: a program can
 * tell "this peer sent garbage" from "this peer uses a feature we lack".
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "gste2eemlsproposal.h"
#include "gste2eemlserror.h"

#include <string.h>

#define PSK_EXTERNAL 1
#define PSK_RESUMPTION 2

void
gst_e2ee_mls_proposal_clear (GstE2eeMlsProposal * p)
{
  gst_e2ee_mls_key_package_unref (p->key_package);
  gst_e2ee_mls_leaf_node_unref (p->leaf_node);
  memset (p, 0, sizeof *p);
}

static gboolean
skip_opaque (GstE2eeMlsReader * r, GError ** error)
{
  const guint8 *data;
  gsize len;

  return gst_e2ee_mls_read_opaque (r, &data, &len, error);
}

static gboolean
skip_extensions (GstE2eeMlsReader * r, GError ** error)
{
  const guint8 *data;
  gsize len;

  return gst_e2ee_mls_read_opaque (r, &data, &len, error)
      && gst_e2ee_mls_extensions_check (data, len, error);
}

/* PreSharedKey { PreSharedKeyID psk; } with PreSharedKeyID (§8.4). */
static gboolean
skip_psk (GstE2eeMlsReader * r, GError ** error)
{
  guint8 psk_type, usage;
  guint64 epoch;

  if (!gst_e2ee_mls_read_u8 (r, &psk_type, error))
    return FALSE;
  if (psk_type == PSK_EXTERNAL) {
    if (!skip_opaque (r, error))
      return FALSE;
  } else if (psk_type == PSK_RESUMPTION) {
    if (!gst_e2ee_mls_read_u8 (r, &usage, error) || !skip_opaque (r, error)
        || !gst_e2ee_mls_read_u64 (r, &epoch, error))
      return FALSE;
  } else {
    g_set_error (error, GST_E2EE_MLS_ERROR, GST_E2EE_MLS_ERROR_DECODE,
        "PSK type %u is not defined", psk_type);
    return FALSE;
  }
  return skip_opaque (r, error);
}

static const gchar *
out_of_scope_name (guint16 type)
{
  switch (type) {
    case GST_E2EE_MLS_PROPOSAL_PSK:
      return "PreSharedKey (PSKs are not supported)";
    case GST_E2EE_MLS_PROPOSAL_REINIT:
      return "ReInit (re-initializing a group is not supported)";
    case GST_E2EE_MLS_PROPOSAL_EXTERNAL_INIT:
      return "ExternalInit (external commits are not supported)";
    default:
      return "GroupContextExtensions (changing the group's extensions is not supported)";
  }
}

/* Reads the body of a proposal of this type into p. An out-of-scope one is read
 * whole and then refused when refuse is set, accepted (p->type set, nothing else)
 * otherwise. */
static gboolean
read_body (GstE2eeMlsReader * r, guint16 type, gboolean refuse, GstE2eeMlsProposal * p,
    GError ** error)
{
  guint16 u16;
  gboolean ok;

  memset (p, 0, sizeof *p);
  p->type = type;
  switch (type) {
    case GST_E2EE_MLS_PROPOSAL_ADD:
      p->key_package = gst_e2ee_mls_key_package_read (r, error);
      return p->key_package != NULL;
    case GST_E2EE_MLS_PROPOSAL_UPDATE:
      p->leaf_node = gst_e2ee_mls_leaf_node_read (r, error);
      return p->leaf_node != NULL;
    case GST_E2EE_MLS_PROPOSAL_REMOVE:
      return gst_e2ee_mls_read_u32 (r, &p->removed, error);
    case GST_E2EE_MLS_PROPOSAL_PSK:
      ok = skip_psk (r, error);
      break;
    case GST_E2EE_MLS_PROPOSAL_REINIT:
      /* group_id, version, cipher_suite, extensions */
      ok = skip_opaque (r, error) && gst_e2ee_mls_read_u16 (r, &u16, error)
          && gst_e2ee_mls_read_u16 (r, &u16, error) && skip_extensions (r, error);
      break;
    case GST_E2EE_MLS_PROPOSAL_EXTERNAL_INIT:
      ok = skip_opaque (r, error);
      break;
    case GST_E2EE_MLS_PROPOSAL_GROUP_CONTEXT_EXTENSIONS:
      ok = skip_extensions (r, error);
      break;
    default:
      g_set_error (error, GST_E2EE_MLS_ERROR, GST_E2EE_MLS_ERROR_UNSUPPORTED,
          "proposal type %u is not one RFC 9420 defines", type);
      return FALSE;
  }
  if (!ok || !refuse)
    return ok;
  g_set_error (error, GST_E2EE_MLS_ERROR, GST_E2EE_MLS_ERROR_UNSUPPORTED,
      "a %s proposal", out_of_scope_name (type));
  return FALSE;
}

static gboolean
read_proposal (GstE2eeMlsReader * r, gboolean refuse, GstE2eeMlsProposal * p,
    GError ** error)
{
  gsize start = r->pos;
  guint16 type;

  memset (p, 0, sizeof *p);
  if (!gst_e2ee_mls_read_u16 (r, &type, error))
    return FALSE;
  if (!read_body (r, type, refuse, p, error)) {
    gst_e2ee_mls_proposal_clear (p);
    r->pos = start;
    return FALSE;
  }
  return TRUE;
}

gboolean
gst_e2ee_mls_proposal_read (GstE2eeMlsReader * r, GstE2eeMlsProposal * p,
    GError ** error)
{
  return read_proposal (r, TRUE, p, error);
}

gboolean
gst_e2ee_mls_proposal_skip (GstE2eeMlsReader * r, guint16 * type, GError ** error)
{
  GstE2eeMlsProposal p;

  if (!read_proposal (r, FALSE, &p, error))
    return FALSE;
  *type = p.type;
  gst_e2ee_mls_proposal_clear (&p);
  return TRUE;
}

gboolean
gst_e2ee_mls_proposal_decode (const guint8 * data, gsize len, GstE2eeMlsProposal * p,
    GError ** error)
{
  GstE2eeMlsReader r;

  gst_e2ee_mls_reader_init (&r, data, len);
  if (!gst_e2ee_mls_proposal_read (&r, p, error))
    return FALSE;
  if (!gst_e2ee_mls_reader_finish (&r, error)) {
    gst_e2ee_mls_proposal_clear (p);
    return FALSE;
  }
  return TRUE;
}

gboolean
gst_e2ee_mls_proposal_decode_body (guint16 type, const guint8 * data, gsize len,
    GstE2eeMlsProposal * p, GError ** error)
{
  GstE2eeMlsReader r;

  gst_e2ee_mls_reader_init (&r, data, len);
  if (!read_body (&r, type, TRUE, p, error)
      || !gst_e2ee_mls_reader_finish (&r, error)) {
    gst_e2ee_mls_proposal_clear (p);
    return FALSE;
  }
  return TRUE;
}

void
gst_e2ee_mls_proposal_write_body (const GstE2eeMlsProposal * p, GByteArray * w)
{
  switch (p->type) {
    case GST_E2EE_MLS_PROPOSAL_ADD:
      gst_e2ee_mls_key_package_write (p->key_package, w);
      break;
    case GST_E2EE_MLS_PROPOSAL_UPDATE:
      gst_e2ee_mls_leaf_node_write (p->leaf_node, w);
      break;
    case GST_E2EE_MLS_PROPOSAL_REMOVE:
      gst_e2ee_mls_write_u32 (w, p->removed);
      break;
    default:
      g_return_if_reached ();
  }
}

void
gst_e2ee_mls_proposal_write (const GstE2eeMlsProposal * p, GByteArray * w)
{
  gst_e2ee_mls_write_u16 (w, p->type);
  gst_e2ee_mls_proposal_write_body (p, w);
}

gboolean
gst_e2ee_mls_proposal_apply (const GstE2eeMlsProposal * p, GstE2eeMlsTree * tree,
    guint32 sender, guint32 * added, GError ** error)
{
  guint32 index;

  switch (p->type) {
    case GST_E2EE_MLS_PROPOSAL_ADD:
      if (!gst_e2ee_mls_tree_check_unique_keys (tree, p->key_package->leaf_node,
              G_MAXUINT32, error))
        return FALSE;
      index = gst_e2ee_mls_tree_add_leaf (tree, p->key_package->leaf_node);
      if (added != NULL)
        *added = index;
      return TRUE;
    case GST_E2EE_MLS_PROPOSAL_UPDATE:
      if (gst_e2ee_mls_tree_get_leaf (tree, sender) == NULL) {
        g_set_error (error, GST_E2EE_MLS_ERROR, GST_E2EE_MLS_ERROR_INVALID_TREE,
            "an Update from leaf %u, which is blank or outside the tree", sender);
        return FALSE;
      }
      if (!gst_e2ee_mls_tree_check_unique_keys (tree, p->leaf_node, sender, error))
        return FALSE;
      gst_e2ee_mls_tree_set_leaf (tree, sender, p->leaf_node);
      gst_e2ee_mls_tree_blank_path (tree, sender);
      return TRUE;
    case GST_E2EE_MLS_PROPOSAL_REMOVE:
      return gst_e2ee_mls_tree_remove_leaf (tree, p->removed, error);
    default:
      g_set_error (error, GST_E2EE_MLS_ERROR, GST_E2EE_MLS_ERROR_UNSUPPORTED,
          "proposal type %u cannot be applied", p->type);
      return FALSE;
  }
}
