/* gst-e2ee: the VP8 codec layout (docs/layout.md)
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "gste2eelayout-private.h"

/* RFC 6386 §9.1: bit 0 of the frame tag is 0 on key frames, which carry the start code
 * and the 14-bit dimensions with their scaling bits after the tag. */
static const gchar *
vp8_clear_size (const guint8 * d, gsize size, gsize * n)
{
  if (size < 3)
    return "VP8 frame shorter than its 3-byte frame tag";
  if (d[0] & 0x01) {
    *n = 3;
    return NULL;
  }
  if (size < 10)
    return "VP8 key frame shorter than 10 bytes";
  if (d[3] != 0x9d || d[4] != 0x01 || d[5] != 0x2a)
    return "VP8 key frame without the start code 9d 01 2a";
  *n = 10;
  return NULL;
}

const GstE2eeLayoutOps gst_e2ee_layout_ops_vp8 = {
  .codec = GST_E2EE_LAYOUT_CODEC_VP8,
  .name = "VP8",
  .media_type = "video/x-vp8",
  .caps = "video/x-vp8",
  .clear_size = vp8_clear_size,
  .max_size = gst_e2ee_layout_prefix_max_size,
  .encrypt = gst_e2ee_layout_prefix_encrypt,
  .decrypt = gst_e2ee_layout_prefix_decrypt,
  .parse_header = gst_e2ee_layout_prefix_parse_header,
};
