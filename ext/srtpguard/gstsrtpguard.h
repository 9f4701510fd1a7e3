/* gst-e2ee: srtpguard, hop-by-hop SRTP with an encryption policy
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <gst/gst.h>

G_BEGIN_DECLS

#define GST_TYPE_SRTP_GUARD (gst_srtp_guard_get_type ())
G_DECLARE_FINAL_TYPE (GstSrtpGuard, gst_srtp_guard, GST, SRTP_GUARD, GstElement);

GST_ELEMENT_REGISTER_DECLARE (srtpguard);

G_END_DECLS
