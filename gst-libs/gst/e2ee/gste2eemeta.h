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

/**
 * GstE2eeSenderMeta:
 * @meta: parent #GstMeta
 * @kid: the key ID e2eeenc encrypted the frame with
 * @ctr: the frame's counter
 * @cipher_suite: the cipher suite the frame is protected with
 *
 * Says that a buffer's content is what e2eeenc made of a frame in this process: an
 * SFrame frame (whole-frame, codec layout, or per packet an RTP packet whose payload
 * is one) that leaves end to end encrypted. e2eeenc puts it on every buffer it
 * encrypts, none on what it passes with `enabled` off; encstatus after e2eeenc reads
 * it to show a sender's own outgoing stream as end to end.
 *
 * It describes the buffer on its way out, never where a buffer came from: a
 * received buffer is end to end only with a #GstE2eeMeta whose @authenticated is
 * %TRUE, which e2eedec alone gives. A buffer carrying a #GstE2eeMeta is judged by that
 * meta alone, whatever #GstE2eeSenderMeta it also carries (e2eedec decrypts in place,
 * so a frame encrypted and decrypted in one process keeps both). Metas never cross
 * the network, so no remote party can put one on a receiver's buffer.
 *
 * Since: 0.1
 */
typedef struct {
  GstMeta meta;

  guint64 kid;
  guint64 ctr;
  GstE2eeCipherSuite cipher_suite;
} GstE2eeSenderMeta;

GST_E2EE_API
GType gst_e2ee_sender_meta_api_get_type (void);
#define GST_E2EE_SENDER_META_API_TYPE (gst_e2ee_sender_meta_api_get_type ())

/**
 * gst_buffer_get_e2ee_sender_meta:
 * @b: a #GstBuffer
 *
 * Returns: (nullable) (transfer none): the buffer's #GstE2eeSenderMeta, or %NULL.
 *
 * Since: 0.1
 */
#define gst_buffer_get_e2ee_sender_meta(b) \
    ((GstE2eeSenderMeta *) gst_buffer_get_meta ((b), GST_E2EE_SENDER_META_API_TYPE))

GST_E2EE_API
const GstMetaInfo * gst_e2ee_sender_meta_get_info (void);
#define GST_E2EE_SENDER_META_INFO (gst_e2ee_sender_meta_get_info ())

GST_E2EE_API
GstE2eeSenderMeta * gst_buffer_add_e2ee_sender_meta (GstBuffer *buffer, guint64 kid,
                                                     guint64 ctr,
                                                     GstE2eeCipherSuite cipher_suite);

G_END_DECLS
