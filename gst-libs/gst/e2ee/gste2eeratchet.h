/* gst-e2ee: SFrame sender-key ratchet (RFC 9605 §5.1)
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <gst/e2ee/e2ee-prelude.h>
#include <gst/e2ee/gste2eesframe.h>

G_BEGIN_DECLS

/**
 * GST_E2EE_RATCHET_DEFAULT_BITS:
 *
 * The default number of low KID bits that carry the ratchet step (R in RFC 9605 §5.1).
 *
 * Since: 0.1
 */
#define GST_E2EE_RATCHET_DEFAULT_BITS 8

/**
 * GST_E2EE_RATCHET_MAX_BITS:
 *
 * The largest supported R: at least one KID bit is left for the generation.
 *
 * Since: 0.1
 */
#define GST_E2EE_RATCHET_MAX_BITS 63

/**
 * GST_E2EE_RATCHET_LABEL:
 *
 * The HKDF-Expand info string of the ratchet step, exactly as RFC 9605 §5.1 spells it
 * (no trailing space, no KID or suite appended).
 *
 * Since: 0.1
 */
#define GST_E2EE_RATCHET_LABEL "SFrame 1.0 Ratchet"

GST_E2EE_API
gboolean  gst_e2ee_ratchet_base_key (GstE2eeCipherSuite suite,
                                     const guint8 *base_key, gsize base_key_size,
                                     guint8 *next_base_key, gsize next_base_key_size,
                                     GError **error);

GST_E2EE_API
GBytes *  gst_e2ee_ratchet_base_key_bytes (GstE2eeCipherSuite suite, GBytes *base_key,
                                           GError **error);

GST_E2EE_API
guint64   gst_e2ee_ratchet_kid (guint64 generation, guint64 step, guint ratchet_bits);

GST_E2EE_API
guint64   gst_e2ee_ratchet_kid_get_generation (guint64 kid, guint ratchet_bits);

GST_E2EE_API
guint64   gst_e2ee_ratchet_kid_get_step (guint64 kid, guint ratchet_bits);

GST_E2EE_API
guint64   gst_e2ee_ratchet_next_kid (guint64 kid, guint ratchet_bits);

G_END_DECLS
