/* gst-e2ee: rtpsframepay
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

/**
 * SECTION:element-rtpsframepay
 * @title: rtpsframepay
 * @short_description: carries whole SFrame frames in RTP (draft-ietf-avtcore-rtp-sframe)
 * @see_also: rtpsframedepay, e2eeenc, rtpvp8sframepay
 *
 * Packs each SFrame frame (one `application/x-sframe` buffer, as e2eeenc makes them)
 * into RTP packets with the SFrame RTP payload format of
 * draft-ietf-avtcore-rtp-sframe-02 ("per-frame SFrame", section 5.1.1): every RTP
 * payload starts with a one-byte SFrame payload descriptor
 *
 * |[
 *  0 1 2 3 4 5 6 7
 * +-+-+-+-+-+-+-+-+
 * |S|E|T| reserved|
 * +-+-+-+-+-+-+-+-+
 * ]|
 *
 * followed by a fragment of the frame. S (0x80) is set on the first fragment of a
 * frame, E (0x40) on the last (a frame that fits in one packet has both), T (0x20) is
 * always 0 because the frames are whole media frames ("raw" content in the draft's
 * terms), and the five reserved bits are 0. Frames larger than one packet are split
 * into the fewest fragments #GstRTPBasePayload:mtu allows, of sizes that differ by at
 * most one byte. All packets of a frame carry the frame's RTP timestamp.
 *
 * As the draft asks, the RTP header is the one the media's own payloader would
 * write: #GstRTPBasePayload:pt is the media's payload type, and the output caps
 * name the media's encoding (`encoding-name=VP8`, `clock-rate=90000`, ...), derived
 * from the input caps' `original-media-type` (see below) or set with
 * #GstRtpSFramePay:media, #GstRtpSFramePay:encoding-name and
 * #GstRtpSFramePay:clock-rate. The caps also carry `a-sframe=""`, which GStreamer's
 * SDP helpers (gst_sdp_media_set_media_from_caps()) turn into the draft's
 * `a=sframe` media attribute.
 *
 * The marker bit follows the media's payloader (draft section 5.1, step 8): it can
 * only be set on the packet with E set. For video (and any media other than audio)
 * it is set on the last packet of every frame, as video payloaders mark the end of a
 * frame. For audio it marks the beginning of a talkspurt (RFC 3551): it is set on the
 * first frame after start-up or a discontinuity, and on frames flagged
 * %GST_BUFFER_FLAG_MARKER or %GST_BUFFER_FLAG_RESYNC.
 *
 * | original-media-type | media | encoding-name | clock-rate |
 * | --- | --- | --- | --- |
 * | video/x-vp8 | video | VP8 | 90000 |
 * | video/x-vp9 | video | VP9 | 90000 |
 * | video/x-h264 | video | H264 | 90000 |
 * | video/x-h265 | video | H265 | 90000 |
 * | video/x-av1 | video | AV1 | 90000 |
 * | audio/x-opus | audio | OPUS (encoding-params 2) | 48000 |
 * | audio/x-alaw | audio | PCMA | the caps' rate, else 8000 |
 * | audio/x-mulaw | audio | PCMU | the caps' rate, else 8000 |
 *
 * For any other media, set the three properties; without them negotiation fails
 * with an error that says so.
 *
 * Loss of one packet loses the frame it belongs to only: rtpsframedepay reassembles
 * the fragments and drops incomplete frames.
 *
 * ## Example launch line
 * |[
 * gst-launch-1.0 videotestsrc ! vp8enc deadline=1 ! \
 *     e2eeenc key-id=1 key=000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f ! \
 *     rtpsframepay pt=101 mtu=1200 ! udpsink host=127.0.0.1 port=5004
 * ]|
 * Sends VP8 as whole-frame SFrame with payload type 101; the SDP is
 * `m=video 5004 RTP/AVP 101`, `a=rtpmap:101 VP8/90000`, `a=sframe`.
 *
 * Since: 0.1
 */

#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "gstrtpsframepay.h"
#include "gstrtpsframeutils.h"

#include <gst/rtp/gstrtpbuffer.h>

GST_DEBUG_CATEGORY_STATIC (gst_rtp_sframe_pay_debug);
#define GST_CAT_DEFAULT gst_rtp_sframe_pay_debug

/* A frame of more fragments than half the sequence number space could not be told
 * apart from a wrapped one at the receiver. */
#define MAX_FRAGMENTS 0x7fff

enum
{
  PROP_0,
  PROP_MEDIA,
  PROP_ENCODING_NAME,
  PROP_CLOCK_RATE,
};

struct _GstRtpSFramePay
{
  GstRTPBasePayload parent;

  /* Protected by the object lock. */
  gchar *media;
  gchar *encoding_name;
  guint clock_rate;

  /* Streaming thread only. */
  gboolean audio;
  gboolean talkspurt_start;
};

static GstStaticPadTemplate sink_template = GST_STATIC_PAD_TEMPLATE ("sink",
    GST_PAD_SINK, GST_PAD_ALWAYS, GST_STATIC_CAPS ("application/x-sframe"));

static GstStaticPadTemplate src_template = GST_STATIC_PAD_TEMPLATE ("src",
    GST_PAD_SRC, GST_PAD_ALWAYS,
    GST_STATIC_CAPS ("application/x-rtp, payload = (int) [ 0, 127 ], "
        "clock-rate = (int) [ 1, MAX ]"));

#define gst_rtp_sframe_pay_parent_class parent_class
G_DEFINE_TYPE (GstRtpSFramePay, gst_rtp_sframe_pay, GST_TYPE_RTP_BASE_PAYLOAD);
GST_ELEMENT_REGISTER_DEFINE (rtpsframepay, "rtpsframepay", GST_RANK_NONE,
    GST_TYPE_RTP_SFRAME_PAY);

static gboolean
gst_rtp_sframe_pay_set_caps (GstRTPBasePayload * base, GstCaps * caps)
{
  GstRtpSFramePay *self = GST_RTP_SFRAME_PAY (base);
  const GstStructure *s = gst_caps_get_structure (caps, 0);
  const gchar *media_type = gst_structure_get_string (s, "original-media-type");
  const GstRtpSFrameFormat *fmt = NULL;
  gchar *media, *encoding_name;
  guint clock_rate;
  gint rate;
  gboolean ret;

  GST_OBJECT_LOCK (self);
  media = g_strdup (self->media);
  encoding_name = g_strdup (self->encoding_name);
  clock_rate = self->clock_rate;
  GST_OBJECT_UNLOCK (self);

  /* Explicit properties win; a known encoding-name fills in the rest before the media
   * type does, so that encoding-name=H264 alone is enough. */
  if (encoding_name)
    fmt = gst_rtp_sframe_format_from_encoding_name (encoding_name);
  if (fmt == NULL)
    fmt = gst_rtp_sframe_format_from_media_type (media_type);

  if (fmt) {
    if (media == NULL)
      media = g_strdup (fmt->media);
    if (encoding_name == NULL)
      encoding_name = g_strdup (fmt->encoding_name);
    if (clock_rate == 0) {
      if (fmt->clock_rate_from_rate && gst_structure_get_int (s, "rate", &rate)
          && rate > 0)
        clock_rate = rate;
      else
        clock_rate = fmt->clock_rate;
    }
  }

  if (media == NULL || encoding_name == NULL || clock_rate == 0) {
    GST_ELEMENT_ERROR (self, CORE, NEGOTIATION,
        ("Cannot tell which RTP format the SFrame frames carry"),
        ("caps %" GST_PTR_FORMAT " have no known original-media-type; set the "
            "media, encoding-name and clock-rate properties", caps));
    g_free (media);
    g_free (encoding_name);
    return FALSE;
  }

  self->audio = g_str_equal (media, "audio");
  GST_INFO_OBJECT (self, "carrying %s as %s %s/%u", GST_STR_NULL (media_type), media,
      encoding_name, clock_rate);

  gst_rtp_base_payload_set_options (base, media, TRUE, encoding_name, clock_rate);
  /* The encoding parameters belong to the format's own encoding name only. */
  if (fmt && fmt->encoding_params &&
      g_ascii_strcasecmp (fmt->encoding_name, encoding_name) == 0)
    ret = gst_rtp_base_payload_set_outcaps (base, "a-sframe", G_TYPE_STRING, "",
        "encoding-params", G_TYPE_STRING, fmt->encoding_params, NULL);
  else
    ret = gst_rtp_base_payload_set_outcaps (base, "a-sframe", G_TYPE_STRING, "", NULL);

  g_free (media);
  g_free (encoding_name);
  return ret;
}

static GstFlowReturn
gst_rtp_sframe_pay_handle_buffer (GstRTPBasePayload * base, GstBuffer * buffer)
{
  GstRtpSFramePay *self = GST_RTP_SFRAME_PAY (base);
  gsize size = gst_buffer_get_size (buffer);
  guint max_fragment, n_fragments, i;
  gsize offset = 0, fragment, remainder;
  gboolean marker;
  GstBufferList *list;

  if (size == 0) {
    GST_WARNING_OBJECT (self, "dropping empty buffer: an SFrame frame is never empty");
    gst_buffer_unref (buffer);
    return GST_FLOW_OK;
  }

  max_fragment = gst_rtp_buffer_calc_payload_len (GST_RTP_BASE_PAYLOAD_MTU (base), 0,
      0) - GST_RTP_SFRAME_DESCRIPTOR_SIZE;
  n_fragments = (size + max_fragment - 1) / max_fragment;
  if (n_fragments > MAX_FRAGMENTS) {
    GST_ELEMENT_WARNING (self, STREAM, ENCODE, ("Frame too large for RTP"),
        ("a frame of %" G_GSIZE_FORMAT " bytes needs %u packets at MTU %u; at most %u "
            "fit one frame. Dropping it.", size, n_fragments,
            GST_RTP_BASE_PAYLOAD_MTU (base), MAX_FRAGMENTS));
    gst_buffer_unref (buffer);
    return GST_FLOW_OK;
  }

  if (self->audio) {
    marker = self->talkspurt_start || GST_BUFFER_IS_DISCONT (buffer) ||
        GST_BUFFER_FLAG_IS_SET (buffer, GST_BUFFER_FLAG_MARKER) ||
        GST_BUFFER_FLAG_IS_SET (buffer, GST_BUFFER_FLAG_RESYNC);
    self->talkspurt_start = FALSE;
  } else {
    marker = TRUE;
  }

  /* Equal fragments rather than full ones and a runt: the same number of packets, and
   * no tiny last packet. */
  fragment = size / n_fragments;
  remainder = size % n_fragments;

  list = gst_buffer_list_new_sized (n_fragments);
  for (i = 0; i < n_fragments; i++) {
    gsize len = fragment + (i < remainder ? 1 : 0);
    GstRTPBuffer rtp = GST_RTP_BUFFER_INIT;
    GstBuffer *out, *part;
    guint8 descriptor = 0;

    if (i == 0)
      descriptor |= GST_RTP_SFRAME_DESCRIPTOR_S;
    if (i == n_fragments - 1)
      descriptor |= GST_RTP_SFRAME_DESCRIPTOR_E;

    out = gst_rtp_base_payload_allocate_output_buffer (base,
        GST_RTP_SFRAME_DESCRIPTOR_SIZE, 0, 0);
    gst_rtp_buffer_map (out, GST_MAP_WRITE, &rtp);
    *(guint8 *) gst_rtp_buffer_get_payload (&rtp) = descriptor;
    if (marker && (descriptor & GST_RTP_SFRAME_DESCRIPTOR_E))
      gst_rtp_buffer_set_marker (&rtp, TRUE);
    gst_rtp_buffer_unmap (&rtp);

    part = gst_buffer_copy_region (buffer, GST_BUFFER_COPY_MEMORY, offset, len);
    out = gst_buffer_append (out, part);
    GST_BUFFER_PTS (out) = GST_BUFFER_PTS (buffer);
    GST_BUFFER_DTS (out) = GST_BUFFER_DTS (buffer);
    if (GST_BUFFER_FLAG_IS_SET (buffer, GST_BUFFER_FLAG_DELTA_UNIT))
      GST_BUFFER_FLAG_SET (out, GST_BUFFER_FLAG_DELTA_UNIT);
    gst_buffer_list_add (list, out);
    offset += len;
  }

  GST_LOG_OBJECT (self, "frame of %" G_GSIZE_FORMAT " bytes in %u packets", size,
      n_fragments);
  gst_buffer_unref (buffer);
  return gst_rtp_base_payload_push_list (base, list);
}

static GstStateChangeReturn
gst_rtp_sframe_pay_change_state (GstElement * element, GstStateChange transition)
{
  GstRtpSFramePay *self = GST_RTP_SFRAME_PAY (element);

  if (transition == GST_STATE_CHANGE_READY_TO_PAUSED)
    self->talkspurt_start = TRUE;
  return GST_ELEMENT_CLASS (parent_class)->change_state (element, transition);
}

static gboolean
gst_rtp_sframe_pay_sink_event (GstRTPBasePayload * base, GstEvent * event)
{
  GstRtpSFramePay *self = GST_RTP_SFRAME_PAY (base);

  if (GST_EVENT_TYPE (event) == GST_EVENT_FLUSH_STOP)
    self->talkspurt_start = TRUE;
  return GST_RTP_BASE_PAYLOAD_CLASS (parent_class)->sink_event (base, event);
}

static void
gst_rtp_sframe_pay_set_property (GObject * object, guint prop_id, const GValue * value,
    GParamSpec * pspec)
{
  GstRtpSFramePay *self = GST_RTP_SFRAME_PAY (object);

  GST_OBJECT_LOCK (self);
  switch (prop_id) {
    case PROP_MEDIA:
      g_free (self->media);
      self->media = g_value_dup_string (value);
      break;
    case PROP_ENCODING_NAME:
      g_free (self->encoding_name);
      self->encoding_name = g_value_dup_string (value);
      break;
    case PROP_CLOCK_RATE:
      self->clock_rate = g_value_get_uint (value);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
      break;
  }
  GST_OBJECT_UNLOCK (self);
}

static void
gst_rtp_sframe_pay_get_property (GObject * object, guint prop_id, GValue * value,
    GParamSpec * pspec)
{
  GstRtpSFramePay *self = GST_RTP_SFRAME_PAY (object);

  GST_OBJECT_LOCK (self);
  switch (prop_id) {
    case PROP_MEDIA:
      g_value_set_string (value, self->media);
      break;
    case PROP_ENCODING_NAME:
      g_value_set_string (value, self->encoding_name);
      break;
    case PROP_CLOCK_RATE:
      g_value_set_uint (value, self->clock_rate);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
      break;
  }
  GST_OBJECT_UNLOCK (self);
}

static void
gst_rtp_sframe_pay_finalize (GObject * object)
{
  GstRtpSFramePay *self = GST_RTP_SFRAME_PAY (object);

  g_free (self->media);
  g_free (self->encoding_name);
  G_OBJECT_CLASS (parent_class)->finalize (object);
}

static void
gst_rtp_sframe_pay_class_init (GstRtpSFramePayClass * klass)
{
  GObjectClass *gobject_class = G_OBJECT_CLASS (klass);
  GstElementClass *element_class = GST_ELEMENT_CLASS (klass);
  GstRTPBasePayloadClass *payload_class = GST_RTP_BASE_PAYLOAD_CLASS (klass);

  gobject_class->set_property = gst_rtp_sframe_pay_set_property;
  gobject_class->get_property = gst_rtp_sframe_pay_get_property;
  gobject_class->finalize = gst_rtp_sframe_pay_finalize;

  /**
   * GstRtpSFramePay:media:
   *
   * The RTP media (`audio`, `video`, ...) of the output caps. %NULL (the default)
   * takes it from the input caps' `original-media-type`. It also selects the marker
   * bit rule: `audio` marks talkspurts, anything else marks frame ends.
   *
   * Since: 0.1
   */
  g_object_class_install_property (gobject_class, PROP_MEDIA,
      g_param_spec_string ("media", "Media",
          "RTP media of the output caps (audio, video, ...); NULL = from the input "
          "caps' original-media-type", NULL,
          G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS | GST_PARAM_MUTABLE_READY));

  /**
   * GstRtpSFramePay:encoding-name:
   *
   * The encoding name of the output caps: the media's own (`VP8`, `H264`, `OPUS`,
   * ...), as in the SDP rtpmap the draft keeps for SFrame streams. %NULL (the
   * default) takes it from the input caps' `original-media-type`.
   *
   * Since: 0.1
   */
  g_object_class_install_property (gobject_class, PROP_ENCODING_NAME,
      g_param_spec_string ("encoding-name", "Encoding name",
          "RTP encoding name of the encrypted media (VP8, H264, OPUS, ...); NULL = "
          "from the input caps' original-media-type", NULL,
          G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS | GST_PARAM_MUTABLE_READY));

  /**
   * GstRtpSFramePay:clock-rate:
   *
   * The RTP clock rate of the output caps. 0 (the default) takes the media's usual
   * one (90000 for video, 48000 for Opus, ...).
   *
   * Since: 0.1
   */
  g_object_class_install_property (gobject_class, PROP_CLOCK_RATE,
      g_param_spec_uint ("clock-rate", "Clock rate",
          "RTP clock rate of the encrypted media (0 = the media's usual one)",
          0, G_MAXINT, 0,
          G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS | GST_PARAM_MUTABLE_READY));

  gst_element_class_add_static_pad_template (element_class, &sink_template);
  gst_element_class_add_static_pad_template (element_class, &src_template);
  gst_element_class_set_static_metadata (element_class, "RTP SFrame payloader",
      "Codec/Payloader/Network/RTP",
      "Payloads whole SFrame (RFC 9605) frames into RTP packets "
      "(draft-ietf-avtcore-rtp-sframe-02)", "gst-e2ee developers");

  element_class->change_state = gst_rtp_sframe_pay_change_state;
  payload_class->set_caps = gst_rtp_sframe_pay_set_caps;
  payload_class->handle_buffer = gst_rtp_sframe_pay_handle_buffer;
  payload_class->sink_event = gst_rtp_sframe_pay_sink_event;

  GST_DEBUG_CATEGORY_INIT (gst_rtp_sframe_pay_debug, "rtpsframepay", 0,
      "RTP SFrame payloader");
}

static void
gst_rtp_sframe_pay_init (GstRtpSFramePay * self)
{
  self->talkspurt_start = TRUE;
}
