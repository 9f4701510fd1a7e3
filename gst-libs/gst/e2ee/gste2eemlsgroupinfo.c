/* gst-e2ee: the GroupInfo of RFC 9420 §12.4.3.
 *
 * A joiner trusts the group context, the tree (through its hash) and the extensions
 * of a GroupInfo only after its signature verifies with the signer's key from the
 * tree and its confirmation tag matches the joiner's own key schedule; both checks
 * happen where the Welcome is processed, the signature one through
 * gst_e2ee_mls_group_info_verify().
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "gste2eemlsgroupinfo.h"
#include "gste2eemlscrypto.h"
#include "gste2eemlserror.h"

#include <string.h>

/* GroupInfoTBS: everything but the signature. */
static gboolean
write_tbs (GByteArray * w, const GstE2eeMlsGroupInfo * gi, GError ** error)
{
  if (!gst_e2ee_mls_group_context_encode (&gi->group_context, w, error)
      || !gst_e2ee_mls_write_opaque (w, gi->extensions, gi->extensions_len, error)
      || !gst_e2ee_mls_write_opaque (w, gi->confirmation_tag, gi->confirmation_tag_len,
          error))
    return FALSE;
  gst_e2ee_mls_write_u32 (w, gi->signer);
  return TRUE;
}

gboolean
gst_e2ee_mls_group_info_encode (const GstE2eeMlsGroupInfo * gi, GByteArray * w,
    GError ** error)
{
  guint start = w->len;

  if (!write_tbs (w, gi, error)
      || !gst_e2ee_mls_write_opaque (w, gi->signature, gi->signature_len, error)) {
    g_byte_array_set_size (w, start);
    return FALSE;
  }
  return TRUE;
}

gboolean
gst_e2ee_mls_group_info_read (GstE2eeMlsReader * r, GstE2eeMlsGroupInfo * gi,
    GError ** error)
{
  GstE2eeMlsGroupInfo out;
  gsize start = r->pos;

  memset (&out, 0, sizeof out);

  if (!gst_e2ee_mls_read_group_context (r, &out.group_context, error))
    return FALSE;
  if (!gst_e2ee_mls_read_opaque (r, &out.extensions, &out.extensions_len, error)
      || !gst_e2ee_mls_extensions_check (out.extensions, out.extensions_len, error)
      || !gst_e2ee_mls_read_opaque (r, &out.confirmation_tag, &out.confirmation_tag_len,
          error)
      || !gst_e2ee_mls_read_u32 (r, &out.signer, error)
      || !gst_e2ee_mls_read_opaque (r, &out.signature, &out.signature_len, error)) {
    r->pos = start;
    return FALSE;
  }
  *gi = out;
  return TRUE;
}

gboolean
gst_e2ee_mls_group_info_decode (GstE2eeMlsGroupInfo * gi, const guint8 * data,
    gsize len, GError ** error)
{
  GstE2eeMlsGroupInfo out;
  GstE2eeMlsReader r;

  gst_e2ee_mls_reader_init (&r, data, len);
  if (!gst_e2ee_mls_group_info_read (&r, &out, error)
      || !gst_e2ee_mls_reader_finish (&r, error))
    return FALSE;
  *gi = out;
  return TRUE;
}

gboolean
gst_e2ee_mls_group_info_sign (const GstE2eeMlsSuite * s, const guint8 * sk, gsize sk_len,
    const GstE2eeMlsGroupInfo * gi, guint8 * sig, GError ** error)
{
  GByteArray *tbs = g_byte_array_new ();
  gboolean ok;

  ok = write_tbs (tbs, gi, error)
      && gst_e2ee_mls_sign_with_label (s, sk, sk_len, "GroupInfoTBS", tbs->data,
      tbs->len, sig, error);
  g_byte_array_unref (tbs);
  return ok;
}

gboolean
gst_e2ee_mls_group_info_verify (const GstE2eeMlsSuite * s, const guint8 * pk,
    gsize pk_len, const GstE2eeMlsGroupInfo * gi, GError ** error)
{
  GByteArray *tbs = g_byte_array_new ();
  gboolean ok;

  ok = write_tbs (tbs, gi, error)
      && gst_e2ee_mls_verify_with_label (s, pk, pk_len, "GroupInfoTBS", tbs->data,
      tbs->len, gi->signature, gi->signature_len, error);
  g_byte_array_unref (tbs);
  return ok;
}
