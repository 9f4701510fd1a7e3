/* gst-e2ee: e2eedec
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <gst/base/gstbasetransform.h>

G_BEGIN_DECLS

#define GST_TYPE_E2EE_DEC (gst_e2ee_dec_get_type ())
G_DECLARE_FINAL_TYPE (GstE2eeDec, gst_e2ee_dec, GST, E2EE_DEC, GstBaseTransform)

GST_ELEMENT_REGISTER_DECLARE (e2eedec);

G_END_DECLS
