/* gst-e2ee: rtpvp8sframepay
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

/**
 * SECTION:element-rtpvp8sframepay
 * @title: rtpvp8sframepay
 * @short_description: VP8 RTP payloader (RFC 7741) for end-to-end encrypted VP8 frames
 * @see_also: rtpvp8depay, rtpvp8pay, e2eeenc
 *
 * Payloads VP8 frames into RTP as RFC 7741 describes, without looking inside them:
 * the only byte it reads is the first one of each frame (the frame tag's key frame
 * bit). That makes it the payloader for VP8 frames whose content is encrypted
 * end-to-end (e2eeenc's codec-aware layout, or frames a WebRTC encoded transform
 * encrypted), where only the frame tag and key frame header stay in the clear.
 * Browsers depayload such frames with their ordinary VP8 depayloader and decrypt whole
 * frames after it, so the stream must be plain RFC 7741 VP8.
 *
 * GStreamer's rtpvp8pay cannot do this: it parses the first partition of every frame
 * to find partition boundaries, and stops the pipeline with "Failed to parse VP8
 * frame" when that partition is ciphertext. RFC 7741 does not require partition
 * boundaries: this element sends each frame as one partition (PID 0), split over as
 * few packets as #GstRTPBasePayload:mtu allows, with fragment sizes that differ by
 * at most one byte. It works as well on unencrypted VP8.
 *
 * Each packet starts with the VP8 payload descriptor (RFC 7741 section 4.2): S=1 on
 * the first packet of a frame, PID=0, N=0 (whether a frame is a reference frame is in
 * its encrypted header), and, when #GstRtpVP8SFramePay:picture-id-mode is not `none`,
 * X=1, I=1 and a 7- or 15-bit PictureID that grows by one per frame. The marker bit
 * is set on the last packet of each frame, and all packets of a frame carry its RTP
 * timestamp. Packets of delta frames are flagged %GST_BUFFER_FLAG_DELTA_UNIT.
 *
 * GStreamer's rtpvp8depay reassembles the frames unchanged; it reads the width and
 * height of key frames from bytes 6 to 9 of the frame, which e2eeenc's codec-aware
 * layout keeps in the clear. (rtpvp8depay drops delta frames until the first key
 * frame, and frames shorter than 10 bytes.)
 *
 * A buffer shorter than the 3-byte VP8 frame tag is not VP8: it is dropped with a
 * warning message.
 *
 * ## Example launch line
 * |[
 * gst-launch-1.0 videotestsrc ! vp8enc deadline=1 ! rtpvp8sframepay pt=96 mtu=1200 ! \
 *     rtpvp8depay ! vp8dec ! videoconvert ! autovideosink
 * ]|
 *
 * Since: 0.1
 */

#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "gstrtpvp8sframepay.h"

#include <gst/rtp/gstrtpbuffer.h>

GST_DEBUG_CATEGORY_STATIC (gst_rtp_vp8_sframe_pay_debug);
#define GST_CAT_DEFAULT gst_rtp_vp8_sframe_pay_debug

#define DEFAULT_PICTURE_ID_MODE GST_RTP_VP8_SFRAME_PAY_PICTURE_ID_MODE_NONE
#define DEFAULT_PICTURE_ID_OFFSET -1

/* RFC 7741 section 4.2 */
#define VP8_DESCRIPTOR_X 0x80
#define VP8_DESCRIPTOR_S 0x10
#define VP8_DESCRIPTOR_I 0x80
#define VP8_PICTURE_ID_M 0x80
#define VP8_FRAME_TAG_SIZE 3
#define VP8_FRAME_TAG_INTER 0x01        /* bit 0 of the frame tag: 0 = key frame */

/* As in the payloaders that fragment frames: more would wrap sequence numbers within
 * one frame. */
#define MAX_FRAGMENTS 0x7fff

enum
{
  PROP_0,
  PROP_PICTURE_ID_MODE,
  PROP_PICTURE_ID_OFFSET,
  PROP_PICTURE_ID,
};

struct _GstRtpVP8SFramePay
{
  GstRTPBasePayload parent;

  /* Protected by the object lock. */
  GstRtpVP8SFramePayPictureIDMode picture_id_mode;
  gint picture_id_offset;
  guint16 picture_id;           /* of the next frame, 15 bits */
};

static const GEnumValue picture_id_modes[] = {
  {GST_RTP_VP8_SFRAME_PAY_PICTURE_ID_MODE_NONE, "No Picture ID", "none"},
  {GST_RTP_VP8_SFRAME_PAY_PICTURE_ID_MODE_7BIT, "7-bit Picture ID", "7-bit"},
  {GST_RTP_VP8_SFRAME_PAY_PICTURE_ID_MODE_15BIT, "15-bit Picture ID", "15-bit"},
  {0, NULL, NULL},
};

GType
gst_rtp_vp8_sframe_pay_picture_id_mode_get_type (void)
{
  static GType type = 0;

  if (g_once_init_enter (&type)) {
    GType t = g_enum_register_static ("GstRtpVP8SFramePayPictureIDMode",
        picture_id_modes);
    g_once_init_leave (&type, t);
  }
  return type;
}

static GstStaticPadTemplate sink_template = GST_STATIC_PAD_TEMPLATE ("sink",
    GST_PAD_SINK, GST_PAD_ALWAYS, GST_STATIC_CAPS ("video/x-vp8"));

static GstStaticPadTemplate src_template = GST_STATIC_PAD_TEMPLATE ("src",
    GST_PAD_SRC, GST_PAD_ALWAYS,
    GST_STATIC_CAPS ("application/x-rtp, media = (string) video, "
        "payload = (int) [ 96, 127 ], clock-rate = (int) 90000, "
        "encoding-name = (string) VP8"));

#define gst_rtp_vp8_sframe_pay_parent_class parent_class
G_DEFINE_TYPE (GstRtpVP8SFramePay, gst_rtp_vp8_sframe_pay, GST_TYPE_RTP_BASE_PAYLOAD);
GST_ELEMENT_REGISTER_DEFINE (rtpvp8sframepay, "rtpvp8sframepay", GST_RANK_NONE,
    GST_TYPE_RTP_VP8_SFRAME_PAY);

static gboolean
gst_rtp_vp8_sframe_pay_set_caps (GstRTPBasePayload * base, GstCaps * caps)
{
  gst_rtp_base_payload_set_options (base, "video", TRUE, "VP8", 90000);
  return gst_rtp_base_payload_set_outcaps (base, NULL);
}

static guint
descriptor_size (GstRtpVP8SFramePayPictureIDMode mode)
{
  switch (mode) {
    case GST_RTP_VP8_SFRAME_PAY_PICTURE_ID_MODE_7BIT:
      return 3;
    case GST_RTP_VP8_SFRAME_PAY_PICTURE_ID_MODE_15BIT:
      return 4;
    default:
      return 1;
  }
}

static GstFlowReturn
gst_rtp_vp8_sframe_pay_handle_buffer (GstRTPBasePayload * base, GstBuffer * buffer)
{
  GstRtpVP8SFramePay *self = GST_RTP_VP8_SFRAME_PAY (base);
  gsize size = gst_buffer_get_size (buffer);
  GstRtpVP8SFramePayPictureIDMode mode;
  guint16 picture_id;
  guint8 tag;
  gboolean key_frame;
  guint hdr_size, max_fragment, n_fragments, i;
  gsize offset = 0, fragment, remainder;
  GstBufferList *list;

  if (size < VP8_FRAME_TAG_SIZE) {
    GST_ELEMENT_WARNING (self, STREAM, FORMAT, ("Not a VP8 frame"),
        ("a buffer of %" G_GSIZE_FORMAT " bytes is shorter than the VP8 frame tag; "
            "dropping it", size));
    gst_buffer_unref (buffer);
    return GST_FLOW_OK;
  }
  gst_buffer_extract (buffer, 0, &tag, 1);
  key_frame = !(tag & VP8_FRAME_TAG_INTER);

  GST_OBJECT_LOCK (self);
  mode = self->picture_id_mode;
  picture_id = self->picture_id;
  self->picture_id = (self->picture_id + 1) & 0x7fff;
  GST_OBJECT_UNLOCK (self);
  if (mode == GST_RTP_VP8_SFRAME_PAY_PICTURE_ID_MODE_7BIT)
    picture_id &= 0x7f;

  hdr_size = descriptor_size (mode);
  max_fragment = gst_rtp_buffer_calc_payload_len (GST_RTP_BASE_PAYLOAD_MTU (base), 0,
      0) - hdr_size;
  n_fragments = (size + max_fragment - 1) / max_fragment;
  if (n_fragments > MAX_FRAGMENTS) {
    GST_ELEMENT_WARNING (self, STREAM, ENCODE, ("Frame too large for RTP"),
        ("a frame of %" G_GSIZE_FORMAT " bytes needs %u packets at MTU %u; at most %u "
            "fit one frame. Dropping it.", size, n_fragments,
            GST_RTP_BASE_PAYLOAD_MTU (base), MAX_FRAGMENTS));
    gst_buffer_unref (buffer);
    return GST_FLOW_OK;
  }
  fragment = size / n_fragments;
  remainder = size % n_fragments;

  list = gst_buffer_list_new_sized (n_fragments);
  for (i = 0; i < n_fragments; i++) {
    gsize len = fragment + (i < remainder ? 1 : 0);
    GstRTPBuffer rtp = GST_RTP_BUFFER_INIT;
    GstBuffer *out;
    guint8 *d;

    out = gst_rtp_base_payload_allocate_output_buffer (base, hdr_size, 0, 0);
    gst_rtp_buffer_map (out, GST_MAP_WRITE, &rtp);
    d = gst_rtp_buffer_get_payload (&rtp);
    /* N=0: telling non-reference frames apart needs the (encrypted) frame header. */
    d[0] = (i == 0 ? VP8_DESCRIPTOR_S : 0);
    if (mode != GST_RTP_VP8_SFRAME_PAY_PICTURE_ID_MODE_NONE) {
      d[0] |= VP8_DESCRIPTOR_X;
      d[1] = VP8_DESCRIPTOR_I;
      if (mode == GST_RTP_VP8_SFRAME_PAY_PICTURE_ID_MODE_7BIT) {
        d[2] = picture_id;
      } else {
        d[2] = VP8_PICTURE_ID_M | (picture_id >> 8);
        d[3] = picture_id & 0xff;
      }
    }
    gst_rtp_buffer_set_marker (&rtp, i == n_fragments - 1);
    gst_rtp_buffer_unmap (&rtp);

    out = gst_buffer_append (out, gst_buffer_copy_region (buffer,
            GST_BUFFER_COPY_MEMORY, offset, len));
    GST_BUFFER_PTS (out) = GST_BUFFER_PTS (buffer);
    GST_BUFFER_DTS (out) = GST_BUFFER_DTS (buffer);
    if (!key_frame)
      GST_BUFFER_FLAG_SET (out, GST_BUFFER_FLAG_DELTA_UNIT);
    gst_buffer_list_add (list, out);
    offset += len;
  }

  GST_LOG_OBJECT (self, "%s frame of %" G_GSIZE_FORMAT " bytes in %u packets",
      key_frame ? "key" : "delta", size, n_fragments);
  gst_buffer_unref (buffer);
  return gst_rtp_base_payload_push_list (base, list);
}

static void
gst_rtp_vp8_sframe_pay_reset_picture_id (GstRtpVP8SFramePay * self)
{
  GST_OBJECT_LOCK (self);
  if (self->picture_id_offset < 0)
    self->picture_id = g_random_int_range (0, 0x8000);
  else
    self->picture_id = self->picture_id_offset & 0x7fff;
  GST_OBJECT_UNLOCK (self);
}

static GstStateChangeReturn
gst_rtp_vp8_sframe_pay_change_state (GstElement * element, GstStateChange transition)
{
  if (transition == GST_STATE_CHANGE_READY_TO_PAUSED)
    gst_rtp_vp8_sframe_pay_reset_picture_id (GST_RTP_VP8_SFRAME_PAY (element));
  return GST_ELEMENT_CLASS (parent_class)->change_state (element, transition);
}

static void
gst_rtp_vp8_sframe_pay_set_property (GObject * object, guint prop_id,
    const GValue * value, GParamSpec * pspec)
{
  GstRtpVP8SFramePay *self = GST_RTP_VP8_SFRAME_PAY (object);

  switch (prop_id) {
    case PROP_PICTURE_ID_MODE:
      GST_OBJECT_LOCK (self);
      self->picture_id_mode = g_value_get_enum (value);
      GST_OBJECT_UNLOCK (self);
      break;
    case PROP_PICTURE_ID_OFFSET:
      GST_OBJECT_LOCK (self);
      self->picture_id_offset = g_value_get_int (value);
      GST_OBJECT_UNLOCK (self);
      gst_rtp_vp8_sframe_pay_reset_picture_id (self);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
      break;
  }
}

static void
gst_rtp_vp8_sframe_pay_get_property (GObject * object, guint prop_id, GValue * value,
    GParamSpec * pspec)
{
  GstRtpVP8SFramePay *self = GST_RTP_VP8_SFRAME_PAY (object);

  GST_OBJECT_LOCK (self);
  switch (prop_id) {
    case PROP_PICTURE_ID_MODE:
      g_value_set_enum (value, self->picture_id_mode);
      break;
    case PROP_PICTURE_ID_OFFSET:
      g_value_set_int (value, self->picture_id_offset);
      break;
    case PROP_PICTURE_ID:
      g_value_set_int (value, self->picture_id_mode ==
          GST_RTP_VP8_SFRAME_PAY_PICTURE_ID_MODE_7BIT ? self->picture_id & 0x7f :
          self->picture_id);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
      break;
  }
  GST_OBJECT_UNLOCK (self);
}

static void
gst_rtp_vp8_sframe_pay_class_init (GstRtpVP8SFramePayClass * klass)
{
  GObjectClass *gobject_class = G_OBJECT_CLASS (klass);
  GstElementClass *element_class = GST_ELEMENT_CLASS (klass);
  GstRTPBasePayloadClass *payload_class = GST_RTP_BASE_PAYLOAD_CLASS (klass);

  gobject_class->set_property = gst_rtp_vp8_sframe_pay_set_property;
  gobject_class->get_property = gst_rtp_vp8_sframe_pay_get_property;

  /**
   * GstRtpVP8SFramePay:picture-id-mode:
   *
   * Whether the VP8 payload descriptor carries a PictureID, and of how many bits.
   * Receivers use it to tell lost frames from lost packets.
   *
   * Since: 0.1
   */
  g_object_class_install_property (gobject_class, PROP_PICTURE_ID_MODE,
      g_param_spec_enum ("picture-id-mode", "Picture ID mode",
          "The picture ID mode for payloading",
          GST_TYPE_RTP_VP8_SFRAME_PAY_PICTURE_ID_MODE, DEFAULT_PICTURE_ID_MODE,
          G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS | GST_PARAM_MUTABLE_PLAYING));

  /**
   * GstRtpVP8SFramePay:picture-id-offset:
   *
   * The PictureID of the first frame (masked to the mode's 7 or 15 bits); -1 (the
   * default) picks a random one.
   *
   * Since: 0.1
   */
  g_object_class_install_property (gobject_class, PROP_PICTURE_ID_OFFSET,
      g_param_spec_int ("picture-id-offset", "Picture ID offset",
          "PictureID of the first frame (-1 = random)", -1, 0x7fff,
          DEFAULT_PICTURE_ID_OFFSET,
          G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS | GST_PARAM_MUTABLE_READY));

  /**
   * GstRtpVP8SFramePay:picture-id:
   *
   * The PictureID the next frame will carry: random in a new element unless
   * #GstRtpVP8SFramePay:picture-id-offset is set (gst-inspect-1.0 shows the default
   * of the specification, 0, not one element's random value).
   *
   * Since: 0.1
   */
  g_object_class_install_property (gobject_class, PROP_PICTURE_ID,
      g_param_spec_int ("picture-id", "Picture ID",
          "The PictureID of the next frame", 0, 0x7fff, 0,
          G_PARAM_READABLE | G_PARAM_STATIC_STRINGS | GST_PARAM_DOC_SHOW_DEFAULT));

  gst_element_class_add_static_pad_template (element_class, &sink_template);
  gst_element_class_add_static_pad_template (element_class, &src_template);
  gst_element_class_set_static_metadata (element_class,
      "RTP VP8 payloader for encrypted frames", "Codec/Payloader/Network/RTP",
      "Payloads VP8 frames into RTP (RFC 7741) reading only their frame tag, so that "
      "end-to-end encrypted frames pass", "gst-e2ee developers");

  element_class->change_state = gst_rtp_vp8_sframe_pay_change_state;
  payload_class->set_caps = gst_rtp_vp8_sframe_pay_set_caps;
  payload_class->handle_buffer = gst_rtp_vp8_sframe_pay_handle_buffer;

  gst_type_mark_as_plugin_api (GST_TYPE_RTP_VP8_SFRAME_PAY_PICTURE_ID_MODE, 0);

  GST_DEBUG_CATEGORY_INIT (gst_rtp_vp8_sframe_pay_debug, "rtpvp8sframepay", 0,
      "RTP VP8 payloader for encrypted frames");
}

static void
gst_rtp_vp8_sframe_pay_init (GstRtpVP8SFramePay * self)
{
  self->picture_id_mode = DEFAULT_PICTURE_ID_MODE;
  self->picture_id_offset = DEFAULT_PICTURE_ID_OFFSET;
  gst_rtp_vp8_sframe_pay_reset_picture_id (self);
}
