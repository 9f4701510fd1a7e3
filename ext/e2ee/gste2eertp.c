/* gst-e2ee: the per-packet (RTP) mode of e2eeenc and e2eedec, docs/per-packet.md
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "gste2eertp.h"

#include <string.h>

/* Splits a packet of @size bytes whose first @head_len bytes (at least
 * MIN (@size, GST_E2EE_RTP_PEEK_SIZE)) are @head and whose last byte is @last_byte.
 * The rules are RFC 3550 §5.1's; a padding count of 0 is refused, since the count
 * includes itself. */
gboolean
gst_e2ee_rtp_parse (const guint8 * head, gsize head_len, gsize size, guint8 last_byte,
    GstE2eeRtpPacket * packet, const gchar ** why)
{
  gsize hlen, pad = 0;

  if (size < GST_E2EE_RTP_FIXED_HEADER_SIZE || head_len < GST_E2EE_RTP_FIXED_HEADER_SIZE) {
    *why = "shorter than the RTP fixed header";
    return FALSE;
  }
  if ((head[0] >> 6) != 2) {
    *why = "not RTP version 2";
    return FALSE;
  }
  hlen = GST_E2EE_RTP_FIXED_HEADER_SIZE + 4 * (head[0] & 0x0f);
  if (head[0] & 0x10) {
    if (size < hlen + 4 || head_len < hlen + 4) {
      *why = "too short for its header extension";
      return FALSE;
    }
    hlen += 4 + 4 * (gsize) GST_READ_UINT16_BE (head + hlen + 2);
  }
  if (size < hlen) {
    *why = "shorter than its header (CSRCs and extension)";
    return FALSE;
  }
  if (head[0] & 0x20) {
    pad = last_byte;
    if (pad == 0 || size - hlen < pad) {
      *why = "its padding count is 0 or longer than the packet";
      return FALSE;
    }
  }
  packet->header_size = hlen;
  packet->padding_size = pad;
  packet->payload_size = size - hlen - pad;
  return TRUE;
}

gboolean
gst_e2ee_rtp_parse_data (const guint8 * data, gsize size, GstE2eeRtpPacket * packet,
    const gchar ** why)
{
  return gst_e2ee_rtp_parse (data, MIN (size, GST_E2EE_RTP_PEEK_SIZE), size,
      size ? data[size - 1] : 0, packet, why);
}

/* Parses without mapping @buffer: a payloader's packet is a header memory and a
 * payload memory, which a map would merge into a fresh allocation. Copies the fixed
 * header to @fixed_header (GST_E2EE_RTP_FIXED_HEADER_SIZE bytes) unless NULL. */
gboolean
gst_e2ee_rtp_parse_buffer (GstBuffer * buffer, GstE2eeRtpPacket * packet,
    guint8 * fixed_header, const gchar ** why)
{
  guint8 head[GST_E2EE_RTP_PEEK_SIZE], last = 0;
  gsize size = gst_buffer_get_size (buffer);
  gsize n = gst_buffer_extract (buffer, 0, head, MIN (size, sizeof (head)));

  if (size > 0)
    gst_buffer_extract (buffer, size - 1, &last, 1);
  if (!gst_e2ee_rtp_parse (head, n, size, last, packet, why))
    return FALSE;
  if (fixed_header)
    memcpy (fixed_header, head, GST_E2EE_RTP_FIXED_HEADER_SIZE);
  return TRUE;
}

/* The SFrame metadata of a packet: its fixed header with every bit not covered set to
 * 0. Byte 0 keeps only the version; P, X and CC change when a hop pads, adds header
 * extensions or mixes. */
void
gst_e2ee_rtp_metadata (const guint8 * fixed_header, GstE2eeElementRtpFields fields,
    guint8 * metadata)
{
  guint8 mask[GST_E2EE_RTP_FIXED_HEADER_SIZE] = { 0xc0, };
  guint i;

  if (fields & GST_E2EE_RTP_FIELD_MARKER)
    mask[1] |= 0x80;
  if (fields & GST_E2EE_RTP_FIELD_PAYLOAD_TYPE)
    mask[1] |= 0x7f;
  if (fields & GST_E2EE_RTP_FIELD_SEQUENCE_NUMBER)
    mask[2] = mask[3] = 0xff;
  if (fields & GST_E2EE_RTP_FIELD_TIMESTAMP)
    memset (mask + 4, 0xff, 4);
  if (fields & GST_E2EE_RTP_FIELD_SSRC)
    memset (mask + 8, 0xff, 4);
  for (i = 0; i < GST_E2EE_RTP_FIXED_HEADER_SIZE; i++)
    metadata[i] = fixed_header[i] & mask[i];
}
