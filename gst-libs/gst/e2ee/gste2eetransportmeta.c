/* gst-e2ee: per-buffer transport (hop-by-hop) encryption metadata
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

/**
 * SECTION:gste2eetransportmeta
 * @title: GstE2eeTransportMeta
 * @short_description: what a buffer's last hop did to protect it
 *
 * See #GstE2eeTransportMeta and #GstE2eeEncryptionLevel.
 *
 * Since: 0.1
 */

#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "gste2eetransportmeta.h"

/**
 * gst_e2ee_encryption_level_for_connection:
 * @media_encrypted: the media is encrypted (and authenticated) on this hop
 * @signaling_encrypted: the signaling is encrypted
 * @tls_certificate_valid: the signaling peer's TLS certificate is valid
 *
 * The indicator meeting clients show for one hop-by-hop connection: the green shield
 * (%GST_E2EE_ENCRYPTION_LEVEL_ENCRYPTED) only when all three hold; the orange shield
 * (%GST_E2EE_ENCRYPTION_LEVEL_PARTIALLY_ENCRYPTED) otherwise, even when none holds, as
 * the services' own table shows. A connection alone is never end to end.
 *
 * Returns: the connection's #GstE2eeEncryptionLevel
 *
 * Since: 0.1
 */
GstE2eeEncryptionLevel
gst_e2ee_encryption_level_for_connection (gboolean media_encrypted,
    gboolean signaling_encrypted, gboolean tls_certificate_valid)
{
  if (media_encrypted && signaling_encrypted && tls_certificate_valid)
    return GST_E2EE_ENCRYPTION_LEVEL_ENCRYPTED;
  return GST_E2EE_ENCRYPTION_LEVEL_PARTIALLY_ENCRYPTED;
}

/**
 * gst_buffer_add_e2ee_transport_meta:
 * @buffer: a #GstBuffer
 * @ssrc: the RTP SSRC
 * @media_encrypted: the media was encrypted on this hop
 * @media_authenticated: its authentication tag verified
 * @signaling_encrypted: the signaling is encrypted
 * @tls_certificate_valid: the TLS certificate is valid
 * @auth_tag_bits: the authentication tag's size in bits
 *
 * Attaches a #GstE2eeTransportMeta; its level is computed with
 * gst_e2ee_encryption_level_for_connection() (media counts as encrypted only when it
 * was also authenticated).
 *
 * Returns: (transfer none): the meta, owned by @buffer.
 *
 * Since: 0.1
 */
GstE2eeTransportMeta *
gst_buffer_add_e2ee_transport_meta (GstBuffer * buffer, guint32 ssrc,
    gboolean media_encrypted, gboolean media_authenticated, gboolean signaling_encrypted,
    gboolean tls_certificate_valid, guint auth_tag_bits)
{
  GstE2eeTransportMeta *m;

  g_return_val_if_fail (GST_IS_BUFFER (buffer), NULL);

  m = (GstE2eeTransportMeta *) gst_buffer_add_meta (buffer, GST_E2EE_TRANSPORT_META_INFO,
      NULL);
  m->ssrc = ssrc;
  m->media_encrypted = media_encrypted;
  m->media_authenticated = media_authenticated;
  m->signaling_encrypted = signaling_encrypted;
  m->tls_certificate_valid = tls_certificate_valid;
  m->auth_tag_bits = auth_tag_bits;
  m->level = gst_e2ee_encryption_level_for_connection (media_encrypted &&
      media_authenticated, signaling_encrypted, tls_certificate_valid);
  return m;
}

static gboolean
gst_e2ee_transport_meta_init (GstMeta * meta, gpointer params, GstBuffer * buffer)
{
  GstE2eeTransportMeta *m = (GstE2eeTransportMeta *) meta;

  m->ssrc = 0;
  m->media_encrypted = m->media_authenticated = FALSE;
  m->signaling_encrypted = m->tls_certificate_valid = FALSE;
  m->auth_tag_bits = 0;
  m->level = GST_E2EE_ENCRYPTION_LEVEL_UNENCRYPTED;
  return TRUE;
}

static gboolean
gst_e2ee_transport_meta_transform (GstBuffer * dest, GstMeta * meta, GstBuffer * buffer,
    GQuark type, gpointer data)
{
  GstE2eeTransportMeta *m = (GstE2eeTransportMeta *) meta, *d;

  /* How the bytes travelled stays true for copies of them (e.g. an RTP depayloader's
   * output keeps it through gst_rtp_buffer_get_payload_buffer()). */
  if (GST_META_TRANSFORM_IS_COPY (type)) {
    d = gst_buffer_add_e2ee_transport_meta (dest, m->ssrc, m->media_encrypted,
        m->media_authenticated, m->signaling_encrypted, m->tls_certificate_valid,
        m->auth_tag_bits);
    d->level = m->level;
    return TRUE;
  }
  return FALSE;
}

GType
gst_e2ee_transport_meta_api_get_type (void)
{
  static GType type = 0;
  static const gchar *tags[] = { NULL };

  if (g_once_init_enter (&type)) {
    GType _type = gst_meta_api_type_register ("GstE2eeTransportMetaAPI", tags);
    g_once_init_leave (&type, _type);
  }
  return type;
}

const GstMetaInfo *
gst_e2ee_transport_meta_get_info (void)
{
  static const GstMetaInfo *info = NULL;

  if (g_once_init_enter ((GstMetaInfo **) & info)) {
    const GstMetaInfo *mi = gst_meta_register (GST_E2EE_TRANSPORT_META_API_TYPE,
        "GstE2eeTransportMeta", sizeof (GstE2eeTransportMeta),
        gst_e2ee_transport_meta_init, NULL, gst_e2ee_transport_meta_transform);
    g_once_init_leave ((GstMetaInfo **) & info, (GstMetaInfo *) mi);
  }
  return info;
}
