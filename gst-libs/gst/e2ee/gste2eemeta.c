/* gst-e2ee: per-buffer E2EE metadata
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

/**
 * SECTION:gste2eemeta
 * @title: GstE2eeMeta
 * @short_description: marks buffers that arrived end-to-end encrypted, and those
 *   that leave so
 *
 * See #GstE2eeMeta (received: decrypted and authenticated by e2eedec) and
 * #GstE2eeSenderMeta (sent: encrypted by e2eeenc).
 *
 * Since: 0.1
 */

#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "gste2eemeta.h"

/**
 * gst_buffer_add_e2ee_meta:
 * @buffer: a #GstBuffer
 * @authenticated: whether the content authenticated end to end
 * @kid: the frame's key ID
 * @ctr: the frame's counter
 * @cipher_suite: the frame's cipher suite
 *
 * Attaches a #GstE2eeMeta to @buffer.
 *
 * Returns: (transfer none): the meta, owned by @buffer.
 *
 * Since: 0.1
 */
GstE2eeMeta *
gst_buffer_add_e2ee_meta (GstBuffer * buffer, gboolean authenticated, guint64 kid,
    guint64 ctr, GstE2eeCipherSuite cipher_suite)
{
  GstE2eeMeta *meta;

  g_return_val_if_fail (GST_IS_BUFFER (buffer), NULL);

  meta = (GstE2eeMeta *) gst_buffer_add_meta (buffer, GST_E2EE_META_INFO, NULL);
  meta->authenticated = authenticated;
  meta->kid = kid;
  meta->ctr = ctr;
  meta->cipher_suite = cipher_suite;
  return meta;
}

static gboolean
gst_e2ee_meta_init (GstMeta * meta, gpointer params, GstBuffer * buffer)
{
  GstE2eeMeta *m = (GstE2eeMeta *) meta;

  m->authenticated = FALSE;
  m->kid = 0;
  m->ctr = 0;
  m->cipher_suite = 0;
  return TRUE;
}

static gboolean
gst_e2ee_meta_transform (GstBuffer * dest, GstMeta * meta, GstBuffer * buffer,
    GQuark type, gpointer data)
{
  GstE2eeMeta *m = (GstE2eeMeta *) meta;

  /* The content's origin survives copies and resizes of the same bytes; any other
   * transformation (a decoder, a converter) makes new content, whose elements decide. */
  if (GST_META_TRANSFORM_IS_COPY (type)) {
    gst_buffer_add_e2ee_meta (dest, m->authenticated, m->kid, m->ctr, m->cipher_suite);
    return TRUE;
  }
  return FALSE;
}

GType
gst_e2ee_meta_api_get_type (void)
{
  static GType type = 0;
  static const gchar *tags[] = { NULL };

  if (g_once_init_enter (&type)) {
    GType _type = gst_meta_api_type_register ("GstE2eeMetaAPI", tags);
    g_once_init_leave (&type, _type);
  }
  return type;
}

const GstMetaInfo *
gst_e2ee_meta_get_info (void)
{
  static const GstMetaInfo *info = NULL;

  if (g_once_init_enter ((GstMetaInfo **) & info)) {
    const GstMetaInfo *mi = gst_meta_register (GST_E2EE_META_API_TYPE, "GstE2eeMeta",
        sizeof (GstE2eeMeta), gst_e2ee_meta_init, NULL, gst_e2ee_meta_transform);
    g_once_init_leave ((GstMetaInfo **) & info, (GstMetaInfo *) mi);
  }
  return info;
}

/**
 * gst_buffer_add_e2ee_sender_meta:
 * @buffer: a #GstBuffer
 * @kid: the frame's key ID
 * @ctr: the frame's counter
 * @cipher_suite: the frame's cipher suite
 *
 * Attaches a #GstE2eeSenderMeta to @buffer.
 *
 * Returns: (transfer none): the meta, owned by @buffer.
 *
 * Since: 0.1
 */
GstE2eeSenderMeta *
gst_buffer_add_e2ee_sender_meta (GstBuffer * buffer, guint64 kid, guint64 ctr,
    GstE2eeCipherSuite cipher_suite)
{
  GstE2eeSenderMeta *meta;

  g_return_val_if_fail (GST_IS_BUFFER (buffer), NULL);

  meta = (GstE2eeSenderMeta *) gst_buffer_add_meta (buffer, GST_E2EE_SENDER_META_INFO,
      NULL);
  meta->kid = kid;
  meta->ctr = ctr;
  meta->cipher_suite = cipher_suite;
  return meta;
}

static gboolean
gst_e2ee_sender_meta_init (GstMeta * meta, gpointer params, GstBuffer * buffer)
{
  GstE2eeSenderMeta *m = (GstE2eeSenderMeta *) meta;

  m->kid = 0;
  m->ctr = 0;
  m->cipher_suite = 0;
  return TRUE;
}

static gboolean
gst_e2ee_sender_meta_transform (GstBuffer * dest, GstMeta * meta, GstBuffer * buffer,
    GQuark type, gpointer data)
{
  GstE2eeSenderMeta *m = (GstE2eeSenderMeta *) meta;

  /* A copy of the ciphertext is still that ciphertext; anything made from it is not. */
  if (GST_META_TRANSFORM_IS_COPY (type)) {
    gst_buffer_add_e2ee_sender_meta (dest, m->kid, m->ctr, m->cipher_suite);
    return TRUE;
  }
  return FALSE;
}

GType
gst_e2ee_sender_meta_api_get_type (void)
{
  static GType type = 0;
  static const gchar *tags[] = { NULL };

  if (g_once_init_enter (&type)) {
    GType _type = gst_meta_api_type_register ("GstE2eeSenderMetaAPI", tags);
    g_once_init_leave (&type, _type);
  }
  return type;
}

const GstMetaInfo *
gst_e2ee_sender_meta_get_info (void)
{
  static const GstMetaInfo *info = NULL;

  if (g_once_init_enter ((GstMetaInfo **) & info)) {
    const GstMetaInfo *mi = gst_meta_register (GST_E2EE_SENDER_META_API_TYPE,
        "GstE2eeSenderMeta", sizeof (GstE2eeSenderMeta), gst_e2ee_sender_meta_init, NULL,
        gst_e2ee_sender_meta_transform);
    g_once_init_leave ((GstMetaInfo **) & info, (GstMetaInfo *) mi);
  }
  return info;
}
