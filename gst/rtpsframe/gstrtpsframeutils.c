/* gst-e2ee: helpers shared by the rtpsframe elements
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "gstrtpsframeutils.h"

/* The media fields are what the matching GStreamer depayloader puts on its output, so
 * that the caps e2eedec restores from application/x-sframe suit the usual parser or
 * decoder. Payloads are whole frames as WebRTC encoded transform defines them: Annex B
 * access units for H.264/H.265, temporal units of OBUs for AV1. */
static const GstRtpSFrameFormat formats[] = {
  {"video/x-vp8", "video", "VP8", 90000, NULL, FALSE, NULL},
  {"video/x-vp9", "video", "VP9", 90000, NULL, FALSE, NULL},
  {"video/x-h264", "video", "H264", 90000, NULL, FALSE,
      "video/x-h264, stream-format=(string)byte-stream, alignment=(string)au"},
  {"video/x-h265", "video", "H265", 90000, NULL, FALSE,
      "video/x-h265, stream-format=(string)byte-stream, alignment=(string)au"},
  {"video/x-av1", "video", "AV1", 90000, NULL, FALSE,
      "video/x-av1, stream-format=(string)obu-stream, alignment=(string)tu"},
  {"audio/x-opus", "audio", "OPUS", 48000, "2", FALSE,
      "audio/x-opus, channel-mapping-family=(int)0"},
  {"audio/x-alaw", "audio", "PCMA", 8000, NULL, TRUE,
      "audio/x-alaw, rate=(int)8000, channels=(int)1"},
  {"audio/x-mulaw", "audio", "PCMU", 8000, NULL, TRUE,
      "audio/x-mulaw, rate=(int)8000, channels=(int)1"},
};

const GstRtpSFrameFormat *
gst_rtp_sframe_format_from_media_type (const gchar * media_type)
{
  guint i;

  if (media_type == NULL)
    return NULL;
  for (i = 0; i < G_N_ELEMENTS (formats); i++)
    if (g_str_equal (formats[i].media_type, media_type))
      return &formats[i];
  return NULL;
}

const GstRtpSFrameFormat *
gst_rtp_sframe_format_from_encoding_name (const gchar * encoding_name)
{
  guint i;

  if (encoding_name == NULL)
    return NULL;
  /* RFC 4855: encoding names are case-insensitive. */
  for (i = 0; i < G_N_ELEMENTS (formats); i++)
    if (g_ascii_strcasecmp (formats[i].encoding_name, encoding_name) == 0)
      return &formats[i];
  return NULL;
}
