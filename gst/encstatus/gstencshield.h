/* gst-e2ee: the encryption indicator, drawn procedurally
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <gst/gst.h>
#include <gst/e2ee/e2ee.h>

G_BEGIN_DECLS

/* Colours as 0xRRGGBB: a green shield for e2ee and encrypted, an orange one otherwise;
 * a darker rim of the same hue; white glyphs. Documented in docs/encstatus.md. */
#define GST_ENC_SHIELD_GREEN         0x1E9E4A
#define GST_ENC_SHIELD_GREEN_RIM     0x136B32
#define GST_ENC_SHIELD_ORANGE        0xF0850F
#define GST_ENC_SHIELD_ORANGE_RIM    0xA65A05
#define GST_ENC_SHIELD_GLYPH         0xFFFFFF

GstBuffer * gst_enc_shield_render (GstE2eeEncryptionLevel level, guint size);

G_END_DECLS
