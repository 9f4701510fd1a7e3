/* gst-e2ee: rtpsframedepay
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <gst/rtp/gstrtpbasedepayload.h>

G_BEGIN_DECLS

#define GST_TYPE_RTP_SFRAME_DEPAY (gst_rtp_sframe_depay_get_type ())
G_DECLARE_FINAL_TYPE (GstRtpSFrameDepay, gst_rtp_sframe_depay, GST, RTP_SFRAME_DEPAY,
    GstRTPBaseDepayload)

GST_ELEMENT_REGISTER_DECLARE (rtpsframedepay);

G_END_DECLS
