/* gst-e2ee: the codec layouts, one line each.
 * Not installed and not part of the GIR.
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * GST_E2EE_LAYOUT_REGISTER (name) names `gst_e2ee_layout_ops_name`, defined in
 * gste2eelayout-name.c. The order is the order the caps list and messages use.
 * No include guard: gste2eelayout-private.h and gste2eelayout.c include it with their
 * own definition of the macro.
 */

GST_E2EE_LAYOUT_REGISTER (vp8)
GST_E2EE_LAYOUT_REGISTER (vp9)
GST_E2EE_LAYOUT_REGISTER (opus)
GST_E2EE_LAYOUT_REGISTER (h264)
GST_E2EE_LAYOUT_REGISTER (h265)
