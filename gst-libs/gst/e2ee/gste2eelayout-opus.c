/* gst-e2ee: the Opus codec layout (docs/layout.md)
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "gste2eelayout-private.h"

/* RFC 6716 §3.1: a packet is at least its TOC byte. */
static const gchar *
opus_clear_size (const guint8 * d, gsize size, gsize * n)
{
  if (size < 1)
    return "empty Opus packet";
  *n = 1;
  return NULL;
}

const GstE2eeLayoutOps gst_e2ee_layout_ops_opus = {
  .codec = GST_E2EE_LAYOUT_CODEC_OPUS,
  .name = "Opus",
  .media_type = "audio/x-opus",
  .caps = "audio/x-opus",
  .clear_size = opus_clear_size,
  .max_size = gst_e2ee_layout_prefix_max_size,
  .encrypt = gst_e2ee_layout_prefix_encrypt,
  .decrypt = gst_e2ee_layout_prefix_decrypt,
  .parse_header = gst_e2ee_layout_prefix_parse_header,
};
