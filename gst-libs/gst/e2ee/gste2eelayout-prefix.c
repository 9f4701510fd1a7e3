/* gst-e2ee: the prefix codec layouts: a clear prefix, then whole-frame SFrame
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * VP8, VP9 and Opus keep the first bytes of a frame clear (what their ops' clear_size
 * measures) and authenticate them as metadata; docs/layout.md gives the bytes.
 */

#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "gste2eelayout-private.h"

#include <string.h>

/* M = u32(clear length) || clear bytes || u32(encrypted plaintext length) */
static gsize
prefix_metadata (guint8 * md, const guint8 * clear, gsize n, gsize enc_len)
{
  GST_WRITE_UINT32_BE (md, n);
  memcpy (md + 4, clear, n);
  GST_WRITE_UINT32_BE (md + 4 + n, enc_len);
  return n + 8;
}

gsize
gst_e2ee_layout_prefix_max_size (const GstE2eeLayoutOps * ops,
    const GstE2eeSFrameKey * key, gsize in_size)
{
  return gst_e2ee_sframe_key_get_max_encrypted_size (key, in_size);
}

gboolean
gst_e2ee_layout_prefix_encrypt (const GstE2eeLayoutOps * ops, GstE2eeSFrameKey * key,
    const guint8 * in, gsize in_size, guint8 * out, gsize out_size, gsize * out_len,
    guint64 * ctr_used, GError ** error)
{
  guint8 md[GST_E2EE_LAYOUT_PREFIX_MAX + 8];
  const gchar *why;
  gsize n = 0, md_len, len;

  why = ops->clear_size (in, in_size, &n);
  if (why) {
    g_set_error_literal (error, GST_E2EE_LAYOUT_ERROR,
        GST_E2EE_LAYOUT_ERROR_MALFORMED_FRAME, why);
    return FALSE;
  }
  g_assert (n <= GST_E2EE_LAYOUT_PREFIX_MAX);
  if (out_size < n) {
    g_set_error (error, GST_E2EE_SFRAME_ERROR, GST_E2EE_SFRAME_ERROR_INVALID_ARGUMENT,
        "output of %" G_GSIZE_FORMAT " bytes is too small", out_size);
    return FALSE;
  }
  md_len = prefix_metadata (md, in, n, in_size - n);
  if (!gst_e2ee_sframe_key_encrypt (key, md, md_len, in + n, in_size - n, out + n,
          out_size - n, &len, ctr_used, error))
    return FALSE;
  memcpy (out, in, n);
  *out_len = n + len;
  return TRUE;
}

gboolean
gst_e2ee_layout_prefix_decrypt (const GstE2eeLayoutOps * ops, GstE2eeSFrameKey * key,
    const guint8 * in, gsize in_size, guint8 * out, gsize out_size, gsize * out_len,
    guint64 * ctr, guint * removed, GError ** error)
{
  guint8 md[GST_E2EE_LAYOUT_PREFIX_MAX + 8];
  const gchar *why;
  gsize n = 0, hlen, tag, avail, enc_len, md_len, len;

  why = ops->clear_size (in, in_size, &n);
  if (why) {
    g_set_error_literal (error, GST_E2EE_SFRAME_ERROR,
        GST_E2EE_SFRAME_ERROR_MALFORMED_HEADER, why);
    return FALSE;
  }
  if (!gst_e2ee_sframe_header_parse (in + n, in_size - n, NULL, NULL, &hlen, error))
    return FALSE;
  tag = gst_e2ee_cipher_suite_get_tag_size (gst_e2ee_sframe_key_get_cipher_suite (key));
  avail = in_size - n;
  /* A frame too short for its tag is reported by the SFrame decryption below, after
   * the KID check, as for whole frames. */
  enc_len = avail >= hlen + tag ? avail - hlen - tag : 0;
  if (out_size < n) {
    g_set_error (error, GST_E2EE_SFRAME_ERROR, GST_E2EE_SFRAME_ERROR_INVALID_ARGUMENT,
        "output of %" G_GSIZE_FORMAT " bytes is too small", out_size);
    return FALSE;
  }
  md_len = prefix_metadata (md, in, n, enc_len);
  if (!gst_e2ee_sframe_key_decrypt (key, md, md_len, in + n, avail, out + n,
          out_size - n, &len, ctr, error))
    return FALSE;
  memcpy (out, in, n);
  *out_len = n + len;
  return TRUE;
}

gboolean
gst_e2ee_layout_prefix_parse_header (const GstE2eeLayoutOps * ops, const guint8 * frame,
    gsize frame_size, guint64 * kid, guint64 * ctr, GError ** error)
{
  const gchar *why;
  gsize n = 0;

  why = ops->clear_size (frame, frame_size, &n);
  if (why) {
    g_set_error_literal (error, GST_E2EE_SFRAME_ERROR,
        GST_E2EE_SFRAME_ERROR_MALFORMED_HEADER, why);
    return FALSE;
  }
  return gst_e2ee_sframe_header_parse (frame + n, frame_size - n, kid, ctr, NULL, error);
}
