/* gst-e2ee: rtpsframepay
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <gst/rtp/gstrtpbasepayload.h>

G_BEGIN_DECLS

#define GST_TYPE_RTP_SFRAME_PAY (gst_rtp_sframe_pay_get_type ())
G_DECLARE_FINAL_TYPE (GstRtpSFramePay, gst_rtp_sframe_pay, GST, RTP_SFRAME_PAY,
    GstRTPBasePayload)

GST_ELEMENT_REGISTER_DECLARE (rtpsframepay);

G_END_DECLS
