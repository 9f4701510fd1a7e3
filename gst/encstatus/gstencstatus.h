/* gst-e2ee: encstatus, the meeting's encryption indicator
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <gst/gst.h>
#include <gst/base/gstbasetransform.h>

G_BEGIN_DECLS

#define GST_TYPE_ENC_STATUS (gst_enc_status_get_type ())
G_DECLARE_FINAL_TYPE (GstEncStatus, gst_enc_status, GST, ENC_STATUS, GstBaseTransform)

GST_ELEMENT_REGISTER_DECLARE (encstatus);

G_END_DECLS
