/* gst-e2ee: rtpvp8sframepay
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <gst/rtp/gstrtpbasepayload.h>

G_BEGIN_DECLS

/**
 * GstRtpVP8SFramePayPictureIDMode:
 * @GST_RTP_VP8_SFRAME_PAY_PICTURE_ID_MODE_NONE: no PictureID (X=0)
 * @GST_RTP_VP8_SFRAME_PAY_PICTURE_ID_MODE_7BIT: a 7-bit PictureID
 * @GST_RTP_VP8_SFRAME_PAY_PICTURE_ID_MODE_15BIT: a 15-bit PictureID
 *
 * Whether and how the VP8 payload descriptor (RFC 7741 section 4.2) carries a
 * PictureID; the values and nicks are those of rtpvp8pay's `picture-id-mode`.
 *
 * Since: 0.1
 */
typedef enum
{
  GST_RTP_VP8_SFRAME_PAY_PICTURE_ID_MODE_NONE,
  GST_RTP_VP8_SFRAME_PAY_PICTURE_ID_MODE_7BIT,
  GST_RTP_VP8_SFRAME_PAY_PICTURE_ID_MODE_15BIT,
} GstRtpVP8SFramePayPictureIDMode;

#define GST_TYPE_RTP_VP8_SFRAME_PAY_PICTURE_ID_MODE \
    (gst_rtp_vp8_sframe_pay_picture_id_mode_get_type ())
GType gst_rtp_vp8_sframe_pay_picture_id_mode_get_type (void);

#define GST_TYPE_RTP_VP8_SFRAME_PAY (gst_rtp_vp8_sframe_pay_get_type ())
G_DECLARE_FINAL_TYPE (GstRtpVP8SFramePay, gst_rtp_vp8_sframe_pay, GST,
    RTP_VP8_SFRAME_PAY, GstRTPBasePayload)

GST_ELEMENT_REGISTER_DECLARE (rtpvp8sframepay);

G_END_DECLS
