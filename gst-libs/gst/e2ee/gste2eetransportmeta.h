/* gst-e2ee: per-buffer transport (hop-by-hop) encryption metadata
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <gst/e2ee/e2ee-prelude.h>

G_BEGIN_DECLS

/**
 * GstE2eeEncryptionLevel:
 * @GST_E2EE_ENCRYPTION_LEVEL_E2EE: end-to-end encrypted: the shield with a lock.
 * @GST_E2EE_ENCRYPTION_LEVEL_ENCRYPTED: media and signaling encrypted and the TLS certificate
 *   valid, but not end to end: the green shield with a check mark.
 * @GST_E2EE_ENCRYPTION_LEVEL_PARTIALLY_ENCRYPTED: something lacks media encryption, signaling
 *   encryption or a valid TLS certificate: the orange shield with an exclamation point.
 * @GST_E2EE_ENCRYPTION_LEVEL_UNENCRYPTED: nothing is encrypted.
 *
 * The encryption indicator meeting clients show, from best to worst. srtpguard reports
 * one per connection, encstatus one per meeting.
 *
 * Since: 0.1
 */
typedef enum {
  GST_E2EE_ENCRYPTION_LEVEL_E2EE,
  GST_E2EE_ENCRYPTION_LEVEL_ENCRYPTED,
  GST_E2EE_ENCRYPTION_LEVEL_PARTIALLY_ENCRYPTED,
  GST_E2EE_ENCRYPTION_LEVEL_UNENCRYPTED,
} GstE2eeEncryptionLevel;

/**
 * GstE2eeTransportMeta:
 * @meta: parent #GstMeta
 * @ssrc: the RTP SSRC the buffer arrived on
 * @media_encrypted: the media was encrypted on the last hop (SRTP with a non-NULL cipher)
 * @media_authenticated: the media's SRTP authentication tag verified
 * @signaling_encrypted: the connection's signaling is encrypted (SIP over TLS), as the
 *   application told srtpguard
 * @tls_certificate_valid: the signaling peer's TLS certificate is valid, as the
 *   application told srtpguard
 * @auth_tag_bits: the size of the SRTP authentication tag in bits (0 if none)
 * @level: the connection's indicator: %GST_E2EE_ENCRYPTION_LEVEL_ENCRYPTED only when media,
 *   signaling and certificate are all good, otherwise partially or not encrypted
 *
 * What srtpguard saw of a buffer's last hop, for encstatus and applications.
 *
 * Since: 0.1
 */
typedef struct {
  GstMeta meta;

  guint32 ssrc;
  gboolean media_encrypted;
  gboolean media_authenticated;
  gboolean signaling_encrypted;
  gboolean tls_certificate_valid;
  guint auth_tag_bits;
  GstE2eeEncryptionLevel level;
} GstE2eeTransportMeta;

GST_E2EE_API
GType gst_e2ee_transport_meta_api_get_type (void);
#define GST_E2EE_TRANSPORT_META_API_TYPE (gst_e2ee_transport_meta_api_get_type ())

/**
 * gst_buffer_get_e2ee_transport_meta:
 * @b: a #GstBuffer
 *
 * Returns: (nullable) (transfer none): the buffer's #GstE2eeTransportMeta, or %NULL.
 *
 * Since: 0.1
 */
#define gst_buffer_get_e2ee_transport_meta(b) \
    ((GstE2eeTransportMeta *) gst_buffer_get_meta ((b), GST_E2EE_TRANSPORT_META_API_TYPE))

GST_E2EE_API
const GstMetaInfo * gst_e2ee_transport_meta_get_info (void);
#define GST_E2EE_TRANSPORT_META_INFO (gst_e2ee_transport_meta_get_info ())

GST_E2EE_API
GstE2eeTransportMeta * gst_buffer_add_e2ee_transport_meta (GstBuffer *buffer, guint32 ssrc,
                                                           gboolean media_encrypted,
                                                           gboolean media_authenticated,
                                                           gboolean signaling_encrypted,
                                                           gboolean tls_certificate_valid,
                                                           guint auth_tag_bits);

GST_E2EE_API
GstE2eeEncryptionLevel gst_e2ee_encryption_level_for_connection (gboolean media_encrypted,
                                                                 gboolean signaling_encrypted,
                                                                 gboolean tls_certificate_valid);

G_END_DECLS
