/* gst-e2ee: the per-packet (RTP) mode of e2eeenc and e2eedec, docs/per-packet.md
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <gst/gst.h>

G_BEGIN_DECLS

#define GST_E2EE_RTP_MEDIA_TYPE "application/x-rtp"
/* The RTP fixed header, and the SFrame metadata of a packet: always this long. */
#define GST_E2EE_RTP_FIXED_HEADER_SIZE 12
/* Bytes from the start of a packet that say how long its header is: the fixed
 * header, 15 CSRCs and the 4-byte extension header. */
#define GST_E2EE_RTP_PEEK_SIZE (GST_E2EE_RTP_FIXED_HEADER_SIZE + 15 * 4 + 4)

/**
 * GstE2eeElementRtpFields:
 * @GST_E2EE_RTP_FIELDS_NONE: no field: only the payload (and the SFrame header) is
 *   authenticated. For forwarding servers that rewrite the marker bit too.
 * @GST_E2EE_RTP_FIELD_MARKER: the marker bit (M).
 * @GST_E2EE_RTP_FIELD_PAYLOAD_TYPE: the payload type (PT).
 * @GST_E2EE_RTP_FIELD_SEQUENCE_NUMBER: the sequence number.
 * @GST_E2EE_RTP_FIELD_TIMESTAMP: the RTP timestamp.
 * @GST_E2EE_RTP_FIELD_SSRC: the SSRC.
 *
 * Which fields of a packet's RTP fixed header e2eeenc and e2eedec authenticate in the
 * per-packet mode, as SFrame metadata (docs/per-packet.md). The version is always
 * covered; padding (P), extension (X), CSRC count (CC), CSRCs and header extensions
 * never are, since mixers and forwarding servers change them.
 *
 * Since: 0.1
 */
typedef enum
{
  GST_E2EE_RTP_FIELDS_NONE = 0, /*< nick=none >*/
  GST_E2EE_RTP_FIELD_MARKER = 1 << 0, /*< nick=marker >*/
  GST_E2EE_RTP_FIELD_PAYLOAD_TYPE = 1 << 1, /*< nick=payload-type >*/
  GST_E2EE_RTP_FIELD_SEQUENCE_NUMBER = 1 << 2, /*< nick=sequence-number >*/
  GST_E2EE_RTP_FIELD_TIMESTAMP = 1 << 3, /*< nick=timestamp >*/
  GST_E2EE_RTP_FIELD_SSRC = 1 << 4, /*< nick=ssrc >*/
} GstE2eeElementRtpFields;

#define GST_E2EE_RTP_FIELDS_ALL (GST_E2EE_RTP_FIELD_MARKER | \
    GST_E2EE_RTP_FIELD_PAYLOAD_TYPE | GST_E2EE_RTP_FIELD_SEQUENCE_NUMBER | \
    GST_E2EE_RTP_FIELD_TIMESTAMP | GST_E2EE_RTP_FIELD_SSRC)


/* Where the parts of an RTP packet are: header (fixed header, CSRCs, extension) at
 * 0, then the payload, then the padding. */
typedef struct
{
  gsize header_size;
  gsize payload_size;
  gsize padding_size;
} GstE2eeRtpPacket;

gboolean    gst_e2ee_rtp_parse (const guint8 *head, gsize head_len, gsize size,
                                guint8 last_byte, GstE2eeRtpPacket *packet,
                                const gchar **why);
gboolean    gst_e2ee_rtp_parse_data (const guint8 *data, gsize size,
                                     GstE2eeRtpPacket *packet, const gchar **why);
gboolean    gst_e2ee_rtp_parse_buffer (GstBuffer *buffer, GstE2eeRtpPacket *packet,
                                       guint8 *fixed_header, const gchar **why);
void        gst_e2ee_rtp_metadata (const guint8 *fixed_header, GstE2eeElementRtpFields fields,
                                   guint8 *metadata);

G_END_DECLS
