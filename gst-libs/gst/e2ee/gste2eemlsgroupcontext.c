/* gst-e2ee: the GroupContext of RFC 9420 §8.1, encoded and decoded.
 *
 * Every epoch secret is bound to it (the key schedule expands over its encoding), so
 * decoding is strict: protocol version mls10 only, the extension list well formed,
 * nothing after the structure.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "gste2eemlsgroupcontext.h"
#include "gste2eemlscodec.h"
#include "gste2eemlserror.h"

gboolean
gst_e2ee_mls_group_context_encode (const GstE2eeMlsGroupContext * gc, GByteArray * w,
    GError ** error)
{
  gst_e2ee_mls_write_u16 (w, GST_E2EE_MLS_PROTOCOL_VERSION_MLS10);
  gst_e2ee_mls_write_u16 (w, gc->cipher_suite);
  if (!gst_e2ee_mls_write_opaque (w, gc->group_id, gc->group_id_len, error))
    return FALSE;
  gst_e2ee_mls_write_u64 (w, gc->epoch);
  return gst_e2ee_mls_write_opaque (w, gc->tree_hash, gc->tree_hash_len, error)
      && gst_e2ee_mls_write_opaque (w, gc->confirmed_transcript_hash,
      gc->confirmed_transcript_hash_len, error)
      && gst_e2ee_mls_write_opaque (w, gc->extensions, gc->extensions_len, error);
}

/* Extension { uint16 extension_type; opaque extension_data<V>; }, to the end of the
 * list. What each type means is checked where it is used. */
static gboolean
check_extensions (const guint8 * data, gsize len, GError ** error)
{
  GstE2eeMlsReader r;

  gst_e2ee_mls_reader_init (&r, data, len);
  while (gst_e2ee_mls_reader_remaining (&r) > 0) {
    guint16 type;
    const guint8 *body;
    gsize body_len;

    if (!gst_e2ee_mls_read_u16 (&r, &type, error)
        || !gst_e2ee_mls_read_opaque (&r, &body, &body_len, error))
      return FALSE;
  }
  return TRUE;
}

/* A GroupContext inside a larger structure (a GroupInfo); the cursor is left where
 * it was on failure. */
gboolean
gst_e2ee_mls_read_group_context (GstE2eeMlsReader * r, GstE2eeMlsGroupContext * gc,
    GError ** error)
{
  GstE2eeMlsGroupContext out = { 0 };
  gsize start = r->pos;
  guint16 version;

  if (!gst_e2ee_mls_read_u16 (r, &version, error))
    return FALSE;
  if (version != GST_E2EE_MLS_PROTOCOL_VERSION_MLS10) {
    g_set_error (error, GST_E2EE_MLS_ERROR, GST_E2EE_MLS_ERROR_DECODE,
        "protocol version %u is not mls10 (1)", version);
    goto fail;
  }
  if (!gst_e2ee_mls_read_u16 (r, &out.cipher_suite, error)
      || !gst_e2ee_mls_read_opaque (r, &out.group_id, &out.group_id_len, error)
      || !gst_e2ee_mls_read_u64 (r, &out.epoch, error)
      || !gst_e2ee_mls_read_opaque (r, &out.tree_hash, &out.tree_hash_len, error)
      || !gst_e2ee_mls_read_opaque (r, &out.confirmed_transcript_hash,
          &out.confirmed_transcript_hash_len, error)
      || !gst_e2ee_mls_read_opaque (r, &out.extensions, &out.extensions_len, error)
      || !check_extensions (out.extensions, out.extensions_len, error))
    goto fail;
  *gc = out;
  return TRUE;

fail:
  r->pos = start;
  return FALSE;
}

gboolean
gst_e2ee_mls_group_context_decode (GstE2eeMlsGroupContext * gc, const guint8 * data,
    gsize len, GError ** error)
{
  GstE2eeMlsGroupContext out;
  GstE2eeMlsReader r;

  gst_e2ee_mls_reader_init (&r, data, len);
  if (!gst_e2ee_mls_read_group_context (&r, &out, error)
      || !gst_e2ee_mls_reader_finish (&r, error))
    return FALSE;
  *gc = out;
  return TRUE;
}
