/* gst-e2ee: the VP9 codec layout (docs/layout.md)
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "gste2eelayout-private.h"

#include <gst/base/gstbitreader.h>

static inline gboolean
bits (GstBitReader * br, guint n, guint32 * v)
{
  return gst_bit_reader_get_bits_uint32 (br, v, n);
}

/* VP9 bitstream specification §6.2 uncompressed_header(), read as far as the layout keeps
 * it clear. rtpvp9pay reads the same fields (it needs the key-frame flag and, for the
 * scalability structure it sends, the frame size), and so do forwarding servers. */
static const gchar *
vp9_clear_size (const guint8 * d, gsize size, gsize * n)
{
  GstBitReader br = GST_BIT_READER_INIT (d, size);
  guint32 v, lo, hi, profile, cs;

  if (!bits (&br, 2, &v))
    return "empty VP9 frame";
  if (v != 2)
    return "VP9 frame marker is not 2";
  if (!bits (&br, 1, &lo) || !bits (&br, 1, &hi))
    goto truncated;
  profile = (hi << 1) | lo;
  if (profile == 3 && !bits (&br, 1, &v))
    goto truncated;
  if (!bits (&br, 1, &v))
    goto truncated;
  if (v) {
    /* show_existing_frame: frame_to_show_map_idx and nothing else */
    if (!bits (&br, 3, &v))
      goto truncated;
    goto done;
  }
  {
    guint32 frame_type;

    if (!bits (&br, 1, &frame_type) || !bits (&br, 2, &v))     /* show_frame, error_res */
      goto truncated;
    if (frame_type != 0)
      goto done;
  }
  /* key frame */
  if (!bits (&br, 24, &v))
    goto truncated;
  if (v != 0x498342)
    return "VP9 key frame without the sync code 49 83 42";
  if (profile >= 2 && !bits (&br, 1, &v))       /* ten_or_twelve_bit */
    goto truncated;
  if (!bits (&br, 3, &cs))
    goto truncated;
  if (cs != 7) {                /* not CS_RGB */
    if (!bits (&br, 1, &v))     /* color_range */
      goto truncated;
    if ((profile == 1 || profile == 3) && !bits (&br, 3, &v))   /* subsampling, reserved */
      goto truncated;
  } else if ((profile == 1 || profile == 3) && !bits (&br, 1, &v)) {    /* reserved */
    goto truncated;
  }
  if (!bits (&br, 16, &v) || !bits (&br, 16, &v))      /* frame width, height - 1 */
    goto truncated;
  if (!bits (&br, 1, &v))       /* render_and_frame_size_different */
    goto truncated;
  if (v && (!bits (&br, 16, &v) || !bits (&br, 16, &v)))
    goto truncated;

done:
  *n = (gst_bit_reader_get_pos (&br) + 7) / 8;
  return NULL;

truncated:
  return "VP9 frame shorter than its uncompressed header";
}

const GstE2eeLayoutOps gst_e2ee_layout_ops_vp9 = {
  .codec = GST_E2EE_LAYOUT_CODEC_VP9,
  .name = "VP9",
  .media_type = "video/x-vp9",
  .caps = "video/x-vp9",
  .clear_size = vp9_clear_size,
  .max_size = gst_e2ee_layout_prefix_max_size,
  .encrypt = gst_e2ee_layout_prefix_encrypt,
  .decrypt = gst_e2ee_layout_prefix_decrypt,
  .parse_header = gst_e2ee_layout_prefix_parse_header,
};
