/* gst-e2ee: e2eeenc
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <gst/base/gstbasetransform.h>

G_BEGIN_DECLS

#define GST_TYPE_E2EE_ENC (gst_e2ee_enc_get_type ())
G_DECLARE_FINAL_TYPE (GstE2eeEnc, gst_e2ee_enc, GST, E2EE_ENC, GstBaseTransform)

GST_ELEMENT_REGISTER_DECLARE (e2eeenc);

G_END_DECLS
