/* gst-e2ee: e2eeenc
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <gst/base/gstbasetransform.h>

G_BEGIN_DECLS

#define GST_TYPE_E2EE_ENC (gst_e2ee_enc_get_type ())
G_DECLARE_FINAL_TYPE (GstE2eeEnc, gst_e2ee_enc, GST, E2EE_ENC, GstBaseTransform)

GST_ELEMENT_REGISTER_DECLARE (e2eeenc);

/**
 * GstE2eeEncRotationMode:
 * @GST_E2EE_ENC_ROTATION_MODE_RATCHET: advance the sender-key ratchet; receivers follow.
 * @GST_E2EE_ENC_ROTATION_MODE_GENERATE: generate a fresh random key, handed to the
 *   application through #GstE2eeEnc::key-generated.
 *
 * What #GstE2eeEnc:rotation-interval does.
 *
 * Since: 0.1
 */
typedef enum
{
  GST_E2EE_ENC_ROTATION_MODE_RATCHET,     /*< nick=ratchet >*/
  GST_E2EE_ENC_ROTATION_MODE_GENERATE,    /*< nick=generate >*/
} GstE2eeEncRotationMode;

G_END_DECLS
