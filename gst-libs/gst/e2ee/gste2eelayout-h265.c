/* gst-e2ee: the H.265 byte-stream codec layout (docs/layout.md)
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "gste2eelayout-private.h"

/* The engine is shared with the other Annex B codec in gste2eelayout-h26x.c. */
const GstE2eeLayoutOps gst_e2ee_layout_ops_h265 = {
  .codec = GST_E2EE_LAYOUT_CODEC_H265,
  .name = "H.265",
  .media_type = "video/x-h265",
  .caps = "video/x-h265, stream-format = (string) byte-stream, alignment = (string) au",
  .accepts = layout_h26x_accepts,
  .max_size = layout_h26x_get_max_size,
  .encrypt = layout_h26x_encrypt,
  .decrypt = layout_h26x_decrypt,
  .parse_header = layout_h26x_parse_header,
  .is_clear_only = layout_h26x_is_clear_only,
  .is_continuation = layout_h26x_is_continuation,
};
