/* gst-e2ee: helpers shared by the rtpsframe elements
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <gst/gst.h>

G_BEGIN_DECLS

/* The SFrame payload descriptor, the first byte of every RTP payload
 * (draft-ietf-avtcore-rtp-sframe-02, section 4). Bits are numbered as in the draft's
 * figure, most significant first: S is bit 0. */
#define GST_RTP_SFRAME_DESCRIPTOR_S         0x80        /* first fragment of an SFrame frame */
#define GST_RTP_SFRAME_DESCRIPTOR_E         0x40        /* last fragment */
#define GST_RTP_SFRAME_DESCRIPTOR_T         0x20        /* content is packetized, not raw */
#define GST_RTP_SFRAME_DESCRIPTOR_RESERVED  0x1f
#define GST_RTP_SFRAME_DESCRIPTOR_SIZE      1

/* A media format carried with SFrame: the RTP names its payloader would use, so that
 * SFrame RTP caps look like the SDP of the draft (section 6): the media's own
 * rtpmap plus a=sframe. */
typedef struct
{
  const gchar *media_type;      /* the media's GstCaps name */
  const gchar *media;           /* RTP media */
  const gchar *encoding_name;
  gint clock_rate;
  const gchar *encoding_params; /* NULL when the rtpmap has none */
  gboolean clock_rate_from_rate;        /* the caps' rate, if any, is the clock rate */
  const gchar *media_fields;    /* fields the media caps need, as caps string, or NULL */
} GstRtpSFrameFormat;

const GstRtpSFrameFormat * gst_rtp_sframe_format_from_media_type (const gchar * media_type);

const GstRtpSFrameFormat * gst_rtp_sframe_format_from_encoding_name (const gchar * encoding_name);

G_END_DECLS
