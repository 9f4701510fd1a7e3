/* gst-e2ee: internals shared by the library, its elements and its tests.
 * Not installed and not part of the GIR.
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <gst/e2ee/gste2eesframe.h>

G_BEGIN_DECLS

/* The functions marked G_GNUC_INTERNAL are not exported from libgste2ee-1.0.so: the
 * tests get them from the static library gste2ee-sframe-internal
 * (gste2eesframe-raw.c), the library compiles them in. */

G_GNUC_INTERNAL
gboolean gst_e2ee_hkdf (const char *digest, int mode, const guint8 *salt, gsize salt_len,
                        const guint8 *ikm, gsize ikm_len, const guint8 *info, gsize info_len,
                        guint8 *out, gsize out_len);

G_GNUC_INTERNAL
GstE2eeSFrameKey * gst_e2ee_sframe_key_new_raw (GstE2eeCipherSuite suite, guint64 kid,
                                                const guint8 *key, const guint8 *salt,
                                                GError **error);

G_GNUC_INTERNAL
gboolean gst_e2ee_sframe_key_seal_raw (GstE2eeSFrameKey *key, const guint8 *nonce,
                                       const guint8 *aad, gsize aad_len,
                                       const guint8 *pt, gsize pt_len, guint8 *out);

G_GNUC_INTERNAL
gboolean gst_e2ee_sframe_key_open_raw (GstE2eeSFrameKey *key, const guint8 *nonce,
                                       const guint8 *aad, gsize aad_len,
                                       const guint8 *ct, gsize ct_len, guint8 *out);

GST_E2EE_API
gboolean gst_e2ee_sframe_key_same_secret (const GstE2eeSFrameKey *a, const GstE2eeSFrameKey *b);

G_END_DECLS
