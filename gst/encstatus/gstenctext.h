/* gst-e2ee: the security code under the shield, in a built-in bitmap font
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <gst/gst.h>

G_BEGIN_DECLS

/* The size of the plate gst_enc_text_render() draws for @lines at @scale. */
void        gst_enc_text_measure (const gchar * const *lines, guint scale, guint * width,
                                  guint * height);

/* @lines (digits, spaces and the letters of "code not compared") in white on a
 * translucent dark plate, each font pixel @scale x @scale: an ARGB bitmap with a
 * #GstVideoMeta, ready for gst_video_overlay_rectangle_new_raw(). */
GstBuffer * gst_enc_text_render (const gchar * const *lines, guint scale);

G_END_DECLS
