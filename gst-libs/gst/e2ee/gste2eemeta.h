/* gst-e2ee: per-buffer E2EE metadata
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <gst/e2ee/gste2eesframe.h>

G_BEGIN_DECLS

/**
 * GstE2eeMeta:
 * @meta: parent #GstMeta
 * @authenticated: %TRUE when the buffer's content was decrypted from an SFrame frame
 *   whose tag verified, i.e. it came end to end from a holder of the key
 * @kid: the key ID of the frame
 * @ctr: the frame's counter
 * @cipher_suite: the cipher suite the frame was protected with
 *
 * Says that a buffer's content was end-to-end encrypted and authenticated on its way
 * here. e2eedec puts it on every buffer it outputs; elements further down (encstatus,
 * recorders that must refuse plaintext of unknown origin) read it to tell E2EE media
 * from plaintext. A buffer without it carries no E2EE guarantee.
 *
 * Since: 0.1
 */
typedef struct {
  GstMeta meta;

  gboolean authenticated;
  guint64 kid;
  guint64 ctr;
  GstE2eeCipherSuite cipher_suite;
} GstE2eeMeta;

GST_E2EE_API
GType gst_e2ee_meta_api_get_type (void);
#define GST_E2EE_META_API_TYPE (gst_e2ee_meta_api_get_type ())

/**
 * gst_buffer_get_e2ee_meta:
 * @b: a #GstBuffer
 *
 * Returns: (nullable) (transfer none): the buffer's #GstE2eeMeta, or %NULL.
 *
 * Since: 0.1
 */
#define gst_buffer_get_e2ee_meta(b) \
    ((GstE2eeMeta *) gst_buffer_get_meta ((b), GST_E2EE_META_API_TYPE))

GST_E2EE_API
const GstMetaInfo * gst_e2ee_meta_get_info (void);
#define GST_E2EE_META_INFO (gst_e2ee_meta_get_info ())

GST_E2EE_API
GstE2eeMeta * gst_buffer_add_e2ee_meta (GstBuffer *buffer, gboolean authenticated,
                                        guint64 kid, guint64 ctr,
                                        GstE2eeCipherSuite cipher_suite);

G_END_DECLS
