/* gst-e2ee: putting the shield on raw video frames
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <gst/gst.h>
#include <gst/video/video.h>
#include <gst/e2ee/e2ee.h>

G_BEGIN_DECLS

/**
 * GstEncStatusCorner:
 * @GST_ENC_STATUS_CORNER_TOP_LEFT: top left, where the services show it
 * @GST_ENC_STATUS_CORNER_TOP_RIGHT: top right
 * @GST_ENC_STATUS_CORNER_BOTTOM_LEFT: bottom left
 * @GST_ENC_STATUS_CORNER_BOTTOM_RIGHT: bottom right
 *
 * Where encstatus draws the shield.
 *
 * Since: 0.1
 */
typedef enum {
  GST_ENC_STATUS_CORNER_TOP_LEFT,
  GST_ENC_STATUS_CORNER_TOP_RIGHT,
  GST_ENC_STATUS_CORNER_BOTTOM_LEFT,
  GST_ENC_STATUS_CORNER_BOTTOM_RIGHT,
} GstEncStatusCorner;

GType gst_enc_status_corner_get_type (void);
#define GST_TYPE_ENC_STATUS_CORNER (gst_enc_status_corner_get_type ())

/* One stream's overlay state; streaming thread only. */
typedef struct {
  gboolean is_video;
  gboolean system_memory;
  gboolean caps_have_meta;
  gboolean decided;             /* attach_meta is known for these caps */
  gboolean attach_meta;
  gboolean warned;
  GstVideoInfo vinfo;

  GstBuffer *pixels;            /* the shield bitmap, ARGB or AYUV */
  GstE2eeEncryptionLevel level;
  guint size;
  GstVideoOverlayComposition *composition;
  gint x, y;
  guint w, h;

  /* the security code under the shield: two layouts of the same text, four groups
   * of digits per line and two, for frames too narrow for the first */
  gchar **text[2];
  GstBuffer *text_pixels;       /* of text[text_layout], ARGB or AYUV */
  gint text_layout;             /* -1: none drawn */
  guint text_scale;
  gint tx, ty;
} GstEncOverlay;

void     gst_enc_overlay_init (GstEncOverlay * o);
void     gst_enc_overlay_clear (GstEncOverlay * o);
void     gst_enc_overlay_set_caps (GstEncOverlay * o, GstCaps * caps);
void     gst_enc_overlay_set_code (GstEncOverlay * o, const gchar * code,
                                   const gchar * code_status);
void     gst_enc_overlay_draw (GstEncOverlay * o, GstElement * element, GstPad * srcpad,
                               GstBuffer * buf, GstE2eeEncryptionLevel level,
                               GstEncStatusCorner corner, guint size);

G_END_DECLS
