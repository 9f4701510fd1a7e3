/* gst-e2ee: per-buffer meeting encryption status
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

/**
 * SECTION:gste2eestatusmeta
 * @title: GstE2eeStatusMeta
 * @short_description: the meeting's encryption status, on each buffer that saw it
 *
 * See #GstE2eeStatusMeta. encstatus puts it on every buffer it passes.
 *
 * Since: 0.1
 */

#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "gste2eestatusmeta.h"

/**
 * gst_buffer_add_e2ee_status_meta:
 * @buffer: a writable #GstBuffer
 * @meeting: (nullable): the meeting's name
 * @stream: (nullable): the stream's name
 * @meeting_level: the meeting's indicator
 * @stream_level: the stream's own indicator
 *
 * Attaches a #GstE2eeStatusMeta; set its other fields on the returned meta. The
 * names are kept as interned #GQuark values, so attaching costs no allocation once
 * a name has been seen.
 *
 * Returns: (transfer none): the meta, owned by @buffer.
 *
 * Since: 0.1
 */
GstE2eeStatusMeta *
gst_buffer_add_e2ee_status_meta (GstBuffer * buffer, const gchar * meeting,
    const gchar * stream, GstE2eeEncryptionLevel meeting_level,
    GstE2eeEncryptionLevel stream_level)
{
  GstE2eeStatusMeta *m;

  g_return_val_if_fail (GST_IS_BUFFER (buffer), NULL);

  m = (GstE2eeStatusMeta *) gst_buffer_add_meta (buffer, GST_E2EE_STATUS_META_INFO, NULL);
  m->meeting = meeting ? g_quark_from_string (meeting) : 0;
  m->stream = stream ? g_quark_from_string (stream) : 0;
  m->meeting_level = meeting_level;
  m->stream_level = stream_level;
  return m;
}

/**
 * gst_e2ee_status_meta_get_meeting:
 * @meta: a #GstE2eeStatusMeta
 *
 * Returns: (nullable): the meeting's name.
 *
 * Since: 0.1
 */
const gchar *
gst_e2ee_status_meta_get_meeting (const GstE2eeStatusMeta * meta)
{
  g_return_val_if_fail (meta != NULL, NULL);
  return g_quark_to_string (meta->meeting);
}

/**
 * gst_e2ee_status_meta_get_stream:
 * @meta: a #GstE2eeStatusMeta
 *
 * Returns: (nullable): the stream's name.
 *
 * Since: 0.1
 */
const gchar *
gst_e2ee_status_meta_get_stream (const GstE2eeStatusMeta * meta)
{
  g_return_val_if_fail (meta != NULL, NULL);
  return g_quark_to_string (meta->stream);
}

static gboolean
gst_e2ee_status_meta_init (GstMeta * meta, gpointer params, GstBuffer * buffer)
{
  GstE2eeStatusMeta *m = (GstE2eeStatusMeta *) meta;

  m->meeting = m->stream = 0;
  m->meeting_level = m->stream_level = GST_E2EE_ENCRYPTION_LEVEL_UNENCRYPTED;
  m->n_exceptions = 0;
  m->downgraded = FALSE;
  m->generation = 0;
  return TRUE;
}

static gboolean
gst_e2ee_status_meta_transform (GstBuffer * dest, GstMeta * meta, GstBuffer * buffer,
    GQuark type, gpointer data)
{
  GstE2eeStatusMeta *m = (GstE2eeStatusMeta *) meta, *d;

  /* The status describes the moment these bytes passed; a copy of them passed at the
   * same moment. New content made from them (a decoder's output) did not. */
  if (GST_META_TRANSFORM_IS_COPY (type)) {
    d = (GstE2eeStatusMeta *) gst_buffer_add_meta (dest, GST_E2EE_STATUS_META_INFO, NULL);
    d->meeting = m->meeting;
    d->stream = m->stream;
    d->meeting_level = m->meeting_level;
    d->stream_level = m->stream_level;
    d->n_exceptions = m->n_exceptions;
    d->downgraded = m->downgraded;
    d->generation = m->generation;
    return TRUE;
  }
  return FALSE;
}

GType
gst_e2ee_status_meta_api_get_type (void)
{
  static GType type = 0;
  static const gchar *tags[] = { NULL };

  if (g_once_init_enter (&type)) {
    GType _type = gst_meta_api_type_register ("GstE2eeStatusMetaAPI", tags);
    g_once_init_leave (&type, _type);
  }
  return type;
}

const GstMetaInfo *
gst_e2ee_status_meta_get_info (void)
{
  static const GstMetaInfo *info = NULL;

  if (g_once_init_enter ((GstMetaInfo **) & info)) {
    const GstMetaInfo *mi = gst_meta_register (GST_E2EE_STATUS_META_API_TYPE,
        "GstE2eeStatusMeta", sizeof (GstE2eeStatusMeta), gst_e2ee_status_meta_init,
        NULL, gst_e2ee_status_meta_transform);
    g_once_init_leave ((GstMetaInfo **) & info, (GstMetaInfo *) mi);
  }
  return info;
}
