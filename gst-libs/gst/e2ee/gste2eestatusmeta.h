/* gst-e2ee: per-buffer meeting encryption status
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <gst/e2ee/gste2eetransportmeta.h>

G_BEGIN_DECLS

/**
 * GstE2eeStatusMeta:
 * @meta: parent #GstMeta
 * @meeting: the meeting's name, as a #GQuark (g_quark_to_string() gives it back)
 * @stream: the stream's name within the meeting, as a #GQuark
 * @meeting_level: the meeting's indicator when the buffer passed: the shield every
 *   participant sees
 * @stream_level: this stream's own indicator
 * @n_exceptions: how many streams keep the meeting from the next level up (the length
 *   of encstatus' `exceptions` list)
 * @downgraded: %TRUE when this stream carried end-to-end encrypted buffers and this one
 *   arrived without #GstE2eeMeta while the meeting's E2EE is on
 * @generation: the meeting status' change counter: it grows by one on every change, so
 *   two buffers with the same generation saw the same meeting status
 *
 * The meeting status encstatus saw when the buffer passed, for elements further
 * down that must act on it per frame (a recorder refusing frames once a meeting is
 * no longer end to end, a renderer drawing its own indicator). A buffer passing several
 * encstatus elements carries one meta, from the last of them.
 *
 * Since: 0.1
 */
typedef struct {
  GstMeta meta;

  GQuark meeting;
  GQuark stream;
  GstE2eeEncryptionLevel meeting_level;
  GstE2eeEncryptionLevel stream_level;
  guint n_exceptions;
  gboolean downgraded;
  guint64 generation;
} GstE2eeStatusMeta;

GST_E2EE_API
GType gst_e2ee_status_meta_api_get_type (void);
#define GST_E2EE_STATUS_META_API_TYPE (gst_e2ee_status_meta_api_get_type ())

/**
 * gst_buffer_get_e2ee_status_meta:
 * @b: a #GstBuffer
 *
 * Returns: (nullable) (transfer none): the buffer's #GstE2eeStatusMeta, or %NULL.
 *
 * Since: 0.1
 */
#define gst_buffer_get_e2ee_status_meta(b) \
    ((GstE2eeStatusMeta *) gst_buffer_get_meta ((b), GST_E2EE_STATUS_META_API_TYPE))

GST_E2EE_API
const GstMetaInfo * gst_e2ee_status_meta_get_info (void);
#define GST_E2EE_STATUS_META_INFO (gst_e2ee_status_meta_get_info ())

GST_E2EE_API
GstE2eeStatusMeta * gst_buffer_add_e2ee_status_meta (GstBuffer *buffer,
                                                     const gchar *meeting,
                                                     const gchar *stream,
                                                     GstE2eeEncryptionLevel meeting_level,
                                                     GstE2eeEncryptionLevel stream_level);

GST_E2EE_API
const gchar * gst_e2ee_status_meta_get_meeting (const GstE2eeStatusMeta *meta);

GST_E2EE_API
const gchar * gst_e2ee_status_meta_get_stream (const GstE2eeStatusMeta *meta);

G_END_DECLS
