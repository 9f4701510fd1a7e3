/* gst-e2ee: rtpsframedepay
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

/**
 * SECTION:element-rtpsframedepay
 * @title: rtpsframedepay
 * @short_description: reassembles whole SFrame frames from RTP (draft-ietf-avtcore-rtp-sframe)
 * @see_also: rtpsframepay, e2eedec, rtpjitterbuffer
 *
 * Reassembles the SFrame frames rtpsframepay (or any sender of the SFrame RTP
 * payload format of draft-ietf-avtcore-rtp-sframe-02) sent, and outputs each as one
 * `application/x-sframe` buffer for e2eedec.
 *
 * Following the draft's receiver steps (section 5.2), a frame is a run of packets of
 * consecutive sequence numbers from one whose descriptor has S set to one that has E
 * set; the one-byte descriptor is removed from each and the rest concatenated. The
 * packets of a frame must also agree on the T bit, the payload type and (as every RTP
 * payload format requires of one frame) the RTP timestamp. The five reserved
 * descriptor bits are ignored, so later versions of the format still interoperate.
 *
 * Loss of a packet loses the frame it belongs to, and only that frame: a frame with
 * a missing fragment (a gap in sequence numbers, a packet-lost event from
 * rtpjitterbuffer, or the stream ending inside a frame) is dropped, and the following
 * frames go through. Nothing is ever passed on incomplete.
 *
 * Like every #GstRTPBaseDepayload, the element expects packets in sequence order:
 * a packet older than one already seen (up to #GstRTPBaseDepayload:max-reorder
 * packets) is discarded by the base class as a duplicate, so a frame whose packets
 * arrive out of order is lost. Put an rtpjitterbuffer (rtpbin has one) in front of
 * it on networks that reorder packets.
 *
 * Frames whose T bit is 1 ("packetized" content: an SFrame ciphertext of one media
 * RTP payload, section 5.1.2 of the draft) are dropped and counted: after decryption
 * they would need the media's RTP depayloader, which an `application/x-sframe`
 * stream cannot feed.
 *
 * The output caps are `application/x-sframe` with the media's caps as e2eeenc puts
 * them: all fields of the media caps plus `original-media-type`, so that e2eedec
 * restores the media caps. The media caps are #GstRtpSFrameDepay:media-caps when set,
 * otherwise they follow from the RTP caps' encoding name, which for SFrame is the
 * media's own: VP8, VP9, H264 and H265 (byte-stream, au), AV1 (obu-stream, tu),
 * OPUS, PCMA and PCMU. Other encoding names give bare `application/x-sframe`. Before
 * caps flow, caps queries on the source pad are answered with these caps (from
 * #GstRtpSFrameDepay:media-caps or the upstream caps' encoding name), so that a
 * launch line can link e2eedec and a decoder after this element.
 *
 * ## Drop messages
 *
 * When #GstRtpSFrameDepay:post-drop-messages is %TRUE (the default) the element posts
 * an element message named `rtpsframedepay-drop` when it drops frames or packets, at
 * most once per #GstRtpSFrameDepay:drop-message-interval for each reason, with these
 * fields:
 *
 * * `reason` (#gchararray): why: `lost-fragment` (a frame missing a packet),
 *   `malformed` (packets of one frame disagree on T bit, payload type or timestamp,
 *   a new S came before the frame's E with no packet lost, or the frame is empty),
 *   `too-large` (bigger than
 *   #GstRtpSFrameDepay:max-frame-size), `packetized` (T bit 1, not supported) or
 *   `invalid-packet` (a packet that is not RTP, or has no SFrame payload descriptor).
 * * `count` (#guint64): frames (packets for `invalid-packet`) dropped for this
 *   reason since the previous message for it, this one included.
 * * `total` (#guint64): frames (packets) dropped for this reason since the element
 *   started.
 * * `seqnum` (#guint) and `rtp-timestamp` (#guint): the RTP sequence number and
 *   timestamp of the packet that revealed the drop. Absent for packets that are not
 *   RTP and for drops revealed by an event.
 * * `detail` (#gchararray): a human-readable explanation.
 *
 * ## Example launch line
 * |[
 * gst-launch-1.0 udpsrc port=5004 \
 *     caps="application/x-rtp,media=video,clock-rate=90000,encoding-name=VP8,payload=101" ! \
 *     rtpjitterbuffer ! rtpsframedepay ! \
 *     e2eedec key-id=1 key=000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f ! \
 *     vp8dec ! videoconvert ! autovideosink
 * ]|
 *
 * Since: 0.1
 */

#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "gstrtpsframedepay.h"
#include "gstrtpsframeutils.h"

#include <gst/base/gstadapter.h>
#include <gst/rtp/gstrtpbuffer.h>
#include <string.h>

GST_DEBUG_CATEGORY_STATIC (gst_rtp_sframe_depay_debug);
#define GST_CAT_DEFAULT gst_rtp_sframe_depay_debug

#define DEFAULT_MAX_FRAME_SIZE (8 * 1024 * 1024)
#define DEFAULT_POST_DROP_MESSAGES TRUE
#define DEFAULT_DROP_MESSAGE_INTERVAL GST_SECOND

typedef enum
{
  DROP_LOST_FRAGMENT,
  DROP_MALFORMED,
  DROP_TOO_LARGE,
  DROP_PACKETIZED,
  DROP_INVALID_PACKET,          /* counts packets, not frames */
  N_DROP_REASONS
} DropReason;

static const gchar *drop_reason_names[N_DROP_REASONS] = {
  "lost-fragment", "malformed", "too-large", "packetized", "invalid-packet"
};

enum
{
  PROP_0,
  PROP_MEDIA_CAPS,
  PROP_MAX_FRAME_SIZE,
  PROP_STATS,
  PROP_POST_DROP_MESSAGES,
  PROP_DROP_MESSAGE_INTERVAL,
};

struct _GstRtpSFrameDepay
{
  GstRTPBaseDepayload parent;

  /* Protected by the object lock. */
  GstCaps *media_caps;
  guint max_frame_size;
  gboolean post_drop_messages;
  GstClockTime drop_message_interval;
  guint64 frames;
  guint64 bytes;
  guint64 packets;
  guint64 drops[N_DROP_REASONS];
  guint64 drops_pending[N_DROP_REASONS];
  gint64 last_drop_message[N_DROP_REASONS];     /* monotonic µs, 0 = never */

  /* Streaming thread only. */
  GstAdapter *adapter;
  gboolean assembling;          /* an S was seen, its E not yet */
  guint16 next_seqnum;
  guint32 rtptime;
  guint8 pt;
  guint8 t_bit;
  /* Fragments of a frame already counted as dropped (its start lost, or dropped
   * part-way) are discarded quietly until the next S. The frame is told by its
   * timestamp; after a malformed frame, whose timestamps cannot be trusted, by
   * consecutive sequence numbers. */
  gboolean skipping;
  gboolean skip_by_seqnum;
  guint32 skip_rtptime;
};

static GstStaticPadTemplate sink_template = GST_STATIC_PAD_TEMPLATE ("sink",
    GST_PAD_SINK, GST_PAD_ALWAYS,
    GST_STATIC_CAPS ("application/x-rtp, clock-rate = (int) [ 1, MAX ]"));

static GstStaticPadTemplate src_template = GST_STATIC_PAD_TEMPLATE ("src",
    GST_PAD_SRC, GST_PAD_ALWAYS, GST_STATIC_CAPS ("application/x-sframe"));

#define gst_rtp_sframe_depay_parent_class parent_class
G_DEFINE_TYPE (GstRtpSFrameDepay, gst_rtp_sframe_depay, GST_TYPE_RTP_BASE_DEPAYLOAD);
GST_ELEMENT_REGISTER_DEFINE (rtpsframedepay, "rtpsframedepay", GST_RANK_NONE,
    GST_TYPE_RTP_SFRAME_DEPAY);

/* Counts a drop and, rate-limited per reason, tells the application. A seqnum of -1
 * means no packet to name. */
static void
gst_rtp_sframe_depay_report_drop (GstRtpSFrameDepay * self, DropReason reason,
    gint seqnum, guint32 rtptime, const gchar * detail)
{
  GstMessage *msg = NULL;
  gint64 now = g_get_monotonic_time ();

  GST_OBJECT_LOCK (self);
  self->drops[reason]++;
  self->drops_pending[reason]++;
  if (self->post_drop_messages && (self->last_drop_message[reason] == 0 ||
          now - self->last_drop_message[reason] >=
          (gint64) (self->drop_message_interval / GST_USECOND))) {
    GstStructure *s = gst_structure_new ("rtpsframedepay-drop",
        "reason", G_TYPE_STRING, drop_reason_names[reason],
        "count", G_TYPE_UINT64, self->drops_pending[reason],
        "total", G_TYPE_UINT64, self->drops[reason],
        "detail", G_TYPE_STRING, detail, NULL);
    if (seqnum >= 0)
      gst_structure_set (s, "seqnum", G_TYPE_UINT, (guint) seqnum,
          "rtp-timestamp", G_TYPE_UINT, rtptime, NULL);
    msg = gst_message_new_element (GST_OBJECT (self), s);
    self->drops_pending[reason] = 0;
    self->last_drop_message[reason] = now;
  }
  GST_OBJECT_UNLOCK (self);

  GST_INFO_OBJECT (self, "dropped (%s): %s", drop_reason_names[reason], detail);
  if (msg)
    gst_element_post_message (GST_ELEMENT (self), msg);
}

/* Abandons the frame being assembled; its remaining fragments will be skipped. */
static void
gst_rtp_sframe_depay_drop_frame (GstRtpSFrameDepay * self, DropReason reason,
    gint seqnum, guint32 rtptime, const gchar * detail)
{
  gst_adapter_clear (self->adapter);
  self->assembling = FALSE;
  self->skipping = TRUE;
  self->skip_by_seqnum = reason != DROP_LOST_FRAGMENT;
  self->skip_rtptime = self->rtptime;
  gst_rtp_sframe_depay_report_drop (self, reason, seqnum, rtptime, detail);
}

static void
gst_rtp_sframe_depay_reset (GstRtpSFrameDepay * self)
{
  gst_adapter_clear (self->adapter);
  self->assembling = FALSE;
  self->skipping = FALSE;
}

static GstBuffer *
gst_rtp_sframe_depay_process (GstRTPBaseDepayload * base, GstRTPBuffer * rtp)
{
  GstRtpSFrameDepay *self = GST_RTP_SFRAME_DEPAY (base);
  guint payload_len = gst_rtp_buffer_get_payload_len (rtp);
  guint16 seqnum = gst_rtp_buffer_get_seq (rtp);
  guint32 rtptime = gst_rtp_buffer_get_timestamp (rtp);
  guint8 pt = gst_rtp_buffer_get_payload_type (rtp);
  gboolean marker = gst_rtp_buffer_get_marker (rtp);
  guint8 descriptor;
  gboolean consecutive;
  guint max_frame_size;
  gsize size;
  GstBuffer *out;

  GST_OBJECT_LOCK (self);
  self->packets++;
  max_frame_size = self->max_frame_size;
  GST_OBJECT_UNLOCK (self);

  if (payload_len < GST_RTP_SFRAME_DESCRIPTOR_SIZE) {
    if (self->assembling)
      gst_rtp_sframe_depay_drop_frame (self, DROP_MALFORMED, seqnum, rtptime,
          "a packet of the frame has no SFrame payload descriptor");
    self->next_seqnum = seqnum + 1;
    gst_rtp_sframe_depay_report_drop (self, DROP_INVALID_PACKET, seqnum, rtptime,
        "empty RTP payload: no SFrame payload descriptor");
    return NULL;
  }
  descriptor = *(const guint8 *) gst_rtp_buffer_get_payload (rtp);
  GST_LOG_OBJECT (self, "seqnum %u, rtptime %u, descriptor 0x%02x, %u bytes", seqnum,
      rtptime, descriptor, payload_len);

  consecutive = !GST_BUFFER_IS_DISCONT (rtp->buffer) && seqnum == self->next_seqnum;
  if (self->assembling) {
    if (!consecutive)
      gst_rtp_sframe_depay_drop_frame (self, DROP_LOST_FRAGMENT, seqnum, rtptime,
          "a packet of the frame was lost");
    else if (descriptor & GST_RTP_SFRAME_DESCRIPTOR_S)
      gst_rtp_sframe_depay_drop_frame (self, DROP_MALFORMED, seqnum, rtptime,
          "a new frame started before the previous one ended (no E)");
    else if (rtptime != self->rtptime)
      gst_rtp_sframe_depay_drop_frame (self, DROP_MALFORMED, seqnum, rtptime,
          "the packets of the frame have different RTP timestamps");
    else if (pt != self->pt || (descriptor & GST_RTP_SFRAME_DESCRIPTOR_T) != self->t_bit)
      gst_rtp_sframe_depay_drop_frame (self, DROP_MALFORMED, seqnum, rtptime,
          "the packets of the frame have different payload types or T bits");
  }

  if (!self->assembling) {
    if (!(descriptor & GST_RTP_SFRAME_DESCRIPTOR_S)) {
      gboolean counted = self->skipping && (rtptime == self->skip_rtptime ||
          (self->skip_by_seqnum && consecutive));

      /* A frame whose first packet is lost: count it once, at its first survivor. */
      if (!counted) {
        gst_rtp_sframe_depay_report_drop (self, DROP_LOST_FRAGMENT, seqnum, rtptime,
            "the first packet of the frame was lost");
        self->skip_by_seqnum = FALSE;
        self->skip_rtptime = rtptime;
      }
      self->skipping = TRUE;
      self->next_seqnum = seqnum + 1;
      return NULL;
    }
    self->skipping = FALSE;
    self->rtptime = rtptime;
    self->pt = pt;
    self->t_bit = descriptor & GST_RTP_SFRAME_DESCRIPTOR_T;
    self->next_seqnum = seqnum + 1;
    if (self->t_bit) {
      if (!(descriptor & GST_RTP_SFRAME_DESCRIPTOR_E))
        gst_rtp_sframe_depay_drop_frame (self, DROP_PACKETIZED, seqnum, rtptime,
            "frame of packetized content (T bit set): not supported");
      else
        gst_rtp_sframe_depay_report_drop (self, DROP_PACKETIZED, seqnum, rtptime,
            "frame of packetized content (T bit set): not supported");
      return NULL;
    }
    self->assembling = TRUE;
  }
  self->next_seqnum = seqnum + 1;

  size = gst_adapter_available (self->adapter);
  if (payload_len > GST_RTP_SFRAME_DESCRIPTOR_SIZE) {
    if (size + payload_len - GST_RTP_SFRAME_DESCRIPTOR_SIZE > max_frame_size) {
      gst_rtp_sframe_depay_drop_frame (self, DROP_TOO_LARGE, seqnum, rtptime,
          "frame larger than max-frame-size");
      self->skipping = !(descriptor & GST_RTP_SFRAME_DESCRIPTOR_E);
      return NULL;
    }
    gst_adapter_push (self->adapter, gst_rtp_buffer_get_payload_subbuffer (rtp,
            GST_RTP_SFRAME_DESCRIPTOR_SIZE, -1));
    size += payload_len - GST_RTP_SFRAME_DESCRIPTOR_SIZE;
  }

  if (!(descriptor & GST_RTP_SFRAME_DESCRIPTOR_E))
    return NULL;

  self->assembling = FALSE;
  if (size == 0) {
    gst_rtp_sframe_depay_report_drop (self, DROP_MALFORMED, seqnum, rtptime,
        "empty frame");
    return NULL;
  }

  out = gst_adapter_take_buffer (self->adapter, size);
  /* The fragments' flags came from their RTP packets; the base class sets DISCONT. */
  out = gst_buffer_make_writable (out);
  GST_BUFFER_FLAGS (out) = 0;
  /* The frame's marker is that of its last packet (draft section 5.2, step 10). */
  if (marker)
    GST_BUFFER_FLAG_SET (out, GST_BUFFER_FLAG_MARKER);

  GST_OBJECT_LOCK (self);
  self->frames++;
  self->bytes += size;
  GST_OBJECT_UNLOCK (self);
  GST_LOG_OBJECT (self, "frame of %" G_GSIZE_FORMAT " bytes, rtptime %u", size,
      rtptime);
  return out;
}

static gboolean
gst_rtp_sframe_depay_packet_lost (GstRTPBaseDepayload * base, GstEvent * event)
{
  GstRtpSFrameDepay *self = GST_RTP_SFRAME_DEPAY (base);

  if (self->assembling)
    gst_rtp_sframe_depay_drop_frame (self, DROP_LOST_FRAGMENT, -1, 0,
        "a packet of the frame was lost (packet-lost event)");
  return GST_RTP_BASE_DEPAYLOAD_CLASS (parent_class)->packet_lost (base, event);
}

static gboolean
gst_rtp_sframe_depay_handle_event (GstRTPBaseDepayload * base, GstEvent * event)
{
  GstRtpSFrameDepay *self = GST_RTP_SFRAME_DEPAY (base);

  switch (GST_EVENT_TYPE (event)) {
    case GST_EVENT_EOS:
      if (self->assembling)
        gst_rtp_sframe_depay_drop_frame (self, DROP_LOST_FRAGMENT, -1, 0,
            "the stream ended inside a frame");
      break;
    case GST_EVENT_FLUSH_STOP:
      gst_rtp_sframe_depay_reset (self);
      break;
    default:
      break;
  }
  return GST_RTP_BASE_DEPAYLOAD_CLASS (parent_class)->handle_event (base, event);
}

/* The output caps for RTP caps naming encoding_name at clock_rate (0 = unknown). */
static GstCaps *
gst_rtp_sframe_depay_output_caps (GstRtpSFrameDepay * self,
    const gchar * encoding_name, gint clock_rate)
{
  const GstRtpSFrameFormat *fmt;
  GstStructure *media = NULL, *out;
  GstCaps *media_caps;

  GST_OBJECT_LOCK (self);
  media_caps = self->media_caps ? gst_caps_ref (self->media_caps) : NULL;
  GST_OBJECT_UNLOCK (self);

  if (media_caps && !gst_caps_is_empty (media_caps) && !gst_caps_is_any (media_caps)) {
    media = gst_structure_copy (gst_caps_get_structure (media_caps, 0));
  } else if ((fmt = gst_rtp_sframe_format_from_encoding_name (encoding_name))) {
    media = fmt->media_fields ? gst_structure_from_string (fmt->media_fields, NULL) :
        gst_structure_new_empty (fmt->media_type);
    if (fmt->clock_rate_from_rate)
      gst_structure_set (media, "rate", G_TYPE_INT,
          clock_rate > 0 ? clock_rate : fmt->clock_rate, NULL);
  }
  gst_clear_caps (&media_caps);

  if (media == NULL)
    return NULL;
  out = gst_structure_copy (media);
  gst_structure_set_name (out, "application/x-sframe");
  gst_structure_set (out, "original-media-type", G_TYPE_STRING,
      gst_structure_get_name (media), NULL);
  gst_structure_free (media);
  return gst_caps_new_full (out, NULL);
}

static gboolean
gst_rtp_sframe_depay_set_caps (GstRTPBaseDepayload * base, GstCaps * caps)
{
  GstRtpSFrameDepay *self = GST_RTP_SFRAME_DEPAY (base);
  const GstStructure *s = gst_caps_get_structure (caps, 0);
  const gchar *encoding_name = gst_structure_get_string (s, "encoding-name");
  GstCaps *outcaps;
  gint clock_rate = 90000;
  gboolean ret;

  if (!gst_structure_get_int (s, "clock-rate", &clock_rate))
    GST_WARNING_OBJECT (self, "no clock-rate in caps, assuming %d", clock_rate);
  base->clock_rate = clock_rate;

  outcaps = gst_rtp_sframe_depay_output_caps (self, encoding_name, clock_rate);
  if (outcaps == NULL) {
    GST_WARNING_OBJECT (self, "unknown encoding-name %s and no media-caps: output "
        "caps will not say what the frames carry", GST_STR_NULL (encoding_name));
    outcaps = gst_caps_new_empty_simple ("application/x-sframe");
  }
  GST_DEBUG_OBJECT (self, "output caps %" GST_PTR_FORMAT, outcaps);
  ret = gst_pad_set_caps (GST_RTP_BASE_DEPAYLOAD_SRCPAD (base), outcaps);
  gst_caps_unref (outcaps);
  return ret;
}

/* Before caps are negotiated (when gst-launch links e2eedec and a decoder after this
 * element), answer with the caps the upstream RTP caps or media-caps will give, so
 * that downstream can tell the media already. */
static gboolean
gst_rtp_sframe_depay_src_query (GstPad * pad, GstObject * parent, GstQuery * query)
{
  GstRtpSFrameDepay *self = GST_RTP_SFRAME_DEPAY (parent);
  GstCaps *caps, *filter, *result;

  if (GST_QUERY_TYPE (query) != GST_QUERY_CAPS)
    return gst_pad_query_default (pad, parent, query);

  caps = gst_pad_get_current_caps (pad);
  if (caps == NULL) {
    GstCaps *peer = gst_pad_peer_query_caps (GST_RTP_BASE_DEPAYLOAD_SINKPAD (self),
        NULL);
    const gchar *encoding_name = NULL;
    gint clock_rate = 0;

    if (!gst_caps_is_empty (peer) && !gst_caps_is_any (peer)) {
      const GstStructure *s = gst_caps_get_structure (peer, 0);

      encoding_name = gst_structure_get_string (s, "encoding-name");
      gst_structure_get_int (s, "clock-rate", &clock_rate);
    }
    caps = gst_rtp_sframe_depay_output_caps (self, encoding_name, clock_rate);
    gst_caps_unref (peer);
  }
  if (caps == NULL)
    caps = gst_pad_get_pad_template_caps (pad);

  gst_query_parse_caps (query, &filter);
  if (filter) {
    result = gst_caps_intersect_full (filter, caps, GST_CAPS_INTERSECT_FIRST);
    gst_caps_unref (caps);
  } else {
    result = caps;
  }
  gst_query_set_caps_result (query, result);
  gst_caps_unref (result);
  return TRUE;
}

/* The base class drops packets that are not RTP with a warning per packet; count them
 * here instead, rate-limited, before it sees them. */
static gboolean
gst_rtp_sframe_depay_buffer_is_invalid (GstRtpSFrameDepay * self, GstBuffer * buffer)
{
  GstRTPBuffer rtp = GST_RTP_BUFFER_INIT;

  if (gst_rtp_buffer_map (buffer, GST_MAP_READ, &rtp)) {
    gst_rtp_buffer_unmap (&rtp);
    return FALSE;
  }
  gst_rtp_sframe_depay_report_drop (self, DROP_INVALID_PACKET, -1, 0,
      "not an RTP packet");
  return TRUE;
}

static gboolean
remove_invalid (GstBuffer ** buffer, guint idx, gpointer user_data)
{
  if (gst_rtp_sframe_depay_buffer_is_invalid (user_data, *buffer))
    gst_clear_buffer (buffer);
  return TRUE;
}

static gboolean
find_invalid (GstBuffer ** buffer, guint idx, gpointer user_data)
{
  GstRTPBuffer rtp = GST_RTP_BUFFER_INIT;

  if (!gst_rtp_buffer_map (*buffer, GST_MAP_READ, &rtp)) {
    *(gboolean *) user_data = TRUE;
    return FALSE;
  }
  gst_rtp_buffer_unmap (&rtp);
  return TRUE;
}

static GstPadProbeReturn
gst_rtp_sframe_depay_sink_probe (GstPad * pad, GstPadProbeInfo * info,
    gpointer user_data)
{
  GstRtpSFrameDepay *self = user_data;

  if (info->type & GST_PAD_PROBE_TYPE_BUFFER) {
    if (gst_rtp_sframe_depay_buffer_is_invalid (self, GST_PAD_PROBE_INFO_BUFFER (info)))
      return GST_PAD_PROBE_DROP;
  } else if (info->type & GST_PAD_PROBE_TYPE_BUFFER_LIST) {
    GstBufferList *list = GST_PAD_PROBE_INFO_BUFFER_LIST (info);
    gboolean any = FALSE;

    gst_buffer_list_foreach (list, find_invalid, &any);
    if (any) {
      list = gst_buffer_list_make_writable (list);
      gst_buffer_list_foreach (list, remove_invalid, self);
      GST_PAD_PROBE_INFO_DATA (info) = list;
      if (gst_buffer_list_length (list) == 0)
        return GST_PAD_PROBE_DROP;
    }
  }
  return GST_PAD_PROBE_OK;
}

static GstStructure *
gst_rtp_sframe_depay_get_stats (GstRtpSFrameDepay * self)
{
  GObjectClass *base_class = G_OBJECT_CLASS (parent_class);
  GParamSpec *base_pspec = g_object_class_find_property (base_class, "stats");
  GValue base_stats = G_VALUE_INIT;
  GstStructure *s = NULL;
  guint64 dropped = 0;
  guint i;

  /* Keep the base class's fields (seqnum, timestamp, clock-rate, ...), which this
   * property hides. */
  if (base_pspec && base_pspec->value_type == GST_TYPE_STRUCTURE) {
    g_value_init (&base_stats, GST_TYPE_STRUCTURE);
    base_class->get_property (G_OBJECT (self), base_pspec->param_id, &base_stats,
        base_pspec);
    s = g_value_dup_boxed (&base_stats);
    g_value_unset (&base_stats);
  }
  if (s)
    gst_structure_set_name (s, "rtpsframedepay-stats");
  else
    s = gst_structure_new_empty ("rtpsframedepay-stats");

  GST_OBJECT_LOCK (self);
  for (i = 0; i < N_DROP_REASONS; i++)
    if (i != DROP_INVALID_PACKET)
      dropped += self->drops[i];
  gst_structure_set (s,
      "frames", G_TYPE_UINT64, self->frames,
      "bytes", G_TYPE_UINT64, self->bytes,
      "packets", G_TYPE_UINT64, self->packets,
      "dropped", G_TYPE_UINT64, dropped,
      "dropped-lost-fragment", G_TYPE_UINT64, self->drops[DROP_LOST_FRAGMENT],
      "dropped-malformed", G_TYPE_UINT64, self->drops[DROP_MALFORMED],
      "dropped-too-large", G_TYPE_UINT64, self->drops[DROP_TOO_LARGE],
      "dropped-packetized", G_TYPE_UINT64, self->drops[DROP_PACKETIZED],
      "invalid-packets", G_TYPE_UINT64, self->drops[DROP_INVALID_PACKET], NULL);
  GST_OBJECT_UNLOCK (self);
  return s;
}

static GstStateChangeReturn
gst_rtp_sframe_depay_change_state (GstElement * element, GstStateChange transition)
{
  GstRtpSFrameDepay *self = GST_RTP_SFRAME_DEPAY (element);
  GstStateChangeReturn ret;

  if (transition == GST_STATE_CHANGE_READY_TO_PAUSED) {
    gst_rtp_sframe_depay_reset (self);
    GST_OBJECT_LOCK (self);
    self->frames = self->bytes = self->packets = 0;
    memset (self->drops, 0, sizeof (self->drops));
    memset (self->drops_pending, 0, sizeof (self->drops_pending));
    memset (self->last_drop_message, 0, sizeof (self->last_drop_message));
    GST_OBJECT_UNLOCK (self);
  }
  ret = GST_ELEMENT_CLASS (parent_class)->change_state (element, transition);
  if (transition == GST_STATE_CHANGE_PAUSED_TO_READY)
    gst_rtp_sframe_depay_reset (self);
  return ret;
}

static void
gst_rtp_sframe_depay_set_property (GObject * object, guint prop_id,
    const GValue * value, GParamSpec * pspec)
{
  GstRtpSFrameDepay *self = GST_RTP_SFRAME_DEPAY (object);

  GST_OBJECT_LOCK (self);
  switch (prop_id) {
    case PROP_MEDIA_CAPS:
      gst_caps_replace (&self->media_caps, (GstCaps *) gst_value_get_caps (value));
      break;
    case PROP_MAX_FRAME_SIZE:
      self->max_frame_size = g_value_get_uint (value);
      break;
    case PROP_POST_DROP_MESSAGES:
      self->post_drop_messages = g_value_get_boolean (value);
      break;
    case PROP_DROP_MESSAGE_INTERVAL:
      self->drop_message_interval = g_value_get_uint64 (value);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
      break;
  }
  GST_OBJECT_UNLOCK (self);
}

static void
gst_rtp_sframe_depay_get_property (GObject * object, guint prop_id, GValue * value,
    GParamSpec * pspec)
{
  GstRtpSFrameDepay *self = GST_RTP_SFRAME_DEPAY (object);

  if (prop_id == PROP_STATS) {
    g_value_take_boxed (value, gst_rtp_sframe_depay_get_stats (self));
    return;
  }

  GST_OBJECT_LOCK (self);
  switch (prop_id) {
    case PROP_MEDIA_CAPS:
      gst_value_set_caps (value, self->media_caps);
      break;
    case PROP_MAX_FRAME_SIZE:
      g_value_set_uint (value, self->max_frame_size);
      break;
    case PROP_POST_DROP_MESSAGES:
      g_value_set_boolean (value, self->post_drop_messages);
      break;
    case PROP_DROP_MESSAGE_INTERVAL:
      g_value_set_uint64 (value, self->drop_message_interval);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
      break;
  }
  GST_OBJECT_UNLOCK (self);
}

static void
gst_rtp_sframe_depay_finalize (GObject * object)
{
  GstRtpSFrameDepay *self = GST_RTP_SFRAME_DEPAY (object);

  gst_clear_caps (&self->media_caps);
  g_object_unref (self->adapter);
  G_OBJECT_CLASS (parent_class)->finalize (object);
}

static void
gst_rtp_sframe_depay_class_init (GstRtpSFrameDepayClass * klass)
{
  GObjectClass *gobject_class = G_OBJECT_CLASS (klass);
  GstElementClass *element_class = GST_ELEMENT_CLASS (klass);
  GstRTPBaseDepayloadClass *depay_class = GST_RTP_BASE_DEPAYLOAD_CLASS (klass);

  gobject_class->set_property = gst_rtp_sframe_depay_set_property;
  gobject_class->get_property = gst_rtp_sframe_depay_get_property;
  gobject_class->finalize = gst_rtp_sframe_depay_finalize;

  /**
   * GstRtpSFrameDepay:media-caps:
   *
   * The caps of the media inside the SFrame frames (for instance
   * `video/x-h264,stream-format=avc,alignment=au,codec_data=...`), put on the output
   * as `application/x-sframe` with `original-media-type` so that e2eedec restores
   * them. %NULL (the default) derives them from the RTP encoding name. Read when
   * caps are negotiated.
   *
   * Since: 0.1
   */
  g_object_class_install_property (gobject_class, PROP_MEDIA_CAPS,
      g_param_spec_boxed ("media-caps", "Media caps",
          "Caps of the media inside the SFrame frames, passed on in the output caps "
          "(NULL = derived from the RTP encoding-name)", GST_TYPE_CAPS,
          G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS | GST_PARAM_MUTABLE_READY));

  /**
   * GstRtpSFrameDepay:max-frame-size:
   *
   * The largest frame, in bytes, the element reassembles: a frame that grows beyond
   * it is dropped (reason `too-large`), so a sender that never sets E cannot make the
   * element hold unbounded memory.
   *
   * Since: 0.1
   */
  g_object_class_install_property (gobject_class, PROP_MAX_FRAME_SIZE,
      g_param_spec_uint ("max-frame-size", "Maximum frame size",
          "Largest SFrame frame to reassemble, in bytes; larger ones are dropped",
          1, G_MAXUINT, DEFAULT_MAX_FRAME_SIZE,
          G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS | GST_PARAM_MUTABLE_PLAYING));

  /**
   * GstRtpSFrameDepay:stats:
   *
   * Counters since the element last went from READY to PAUSED, as a #GstStructure
   * named `rtpsframedepay-stats` with the fields of #GstRTPBaseDepayload:stats
   * (`clock_rate`, `seqnum`, `timestamp`, ...) and these:
   *
   * * `frames`, `bytes` (#guint64): frames output and their bytes.
   * * `packets` (#guint64): RTP packets processed (not counting those the base
   *   class discarded as duplicates or too old).
   * * `dropped` (#guint64): frames dropped, for any reason.
   * * `dropped-lost-fragment`, `dropped-malformed`, `dropped-too-large`,
   *   `dropped-packetized` (#guint64): frames dropped, by reason (see the element's
   *   description).
   * * `invalid-packets` (#guint64): packets that are not RTP or have an empty
   *   payload.
   *
   * Since: 0.1
   */
  g_object_class_install_property (gobject_class, PROP_STATS,
      g_param_spec_boxed ("stats", "Statistics",
          "Frames reassembled and dropped (by reason), invalid packets",
          GST_TYPE_STRUCTURE, G_PARAM_READABLE | G_PARAM_STATIC_STRINGS));

  /**
   * GstRtpSFrameDepay:post-drop-messages:
   *
   * Post an `rtpsframedepay-drop` element message when frames or packets are dropped
   * (see the element's description for its fields), at most once per
   * #GstRtpSFrameDepay:drop-message-interval for each reason.
   *
   * Since: 0.1
   */
  g_object_class_install_property (gobject_class, PROP_POST_DROP_MESSAGES,
      g_param_spec_boolean ("post-drop-messages", "Post drop messages",
          "Post an 'rtpsframedepay-drop' element message (reason, count, total, "
          "seqnum, rtp-timestamp, detail) when frames are dropped",
          DEFAULT_POST_DROP_MESSAGES,
          G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS | GST_PARAM_MUTABLE_PLAYING));

  /**
   * GstRtpSFrameDepay:drop-message-interval:
   *
   * The shortest time between two `rtpsframedepay-drop` messages for the same
   * reason, in nanoseconds; drops in between are summed into the next message's
   * `count`. 0 posts a message for every drop.
   *
   * Since: 0.1
   */
  g_object_class_install_property (gobject_class, PROP_DROP_MESSAGE_INTERVAL,
      g_param_spec_uint64 ("drop-message-interval", "Drop message interval",
          "Minimum time in ns between two rtpsframedepay-drop messages for one reason "
          "(0 = every drop)", 0, G_MAXUINT64, DEFAULT_DROP_MESSAGE_INTERVAL,
          G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS | GST_PARAM_MUTABLE_PLAYING));

  gst_element_class_add_static_pad_template (element_class, &sink_template);
  gst_element_class_add_static_pad_template (element_class, &src_template);
  gst_element_class_set_static_metadata (element_class, "RTP SFrame depayloader",
      "Codec/Depayloader/Network/RTP",
      "Reassembles whole SFrame (RFC 9605) frames from RTP packets "
      "(draft-ietf-avtcore-rtp-sframe-02)", "gst-e2ee developers");

  element_class->change_state = gst_rtp_sframe_depay_change_state;
  depay_class->set_caps = gst_rtp_sframe_depay_set_caps;
  depay_class->process_rtp_packet = gst_rtp_sframe_depay_process;
  depay_class->packet_lost = gst_rtp_sframe_depay_packet_lost;
  depay_class->handle_event = gst_rtp_sframe_depay_handle_event;

  GST_DEBUG_CATEGORY_INIT (gst_rtp_sframe_depay_debug, "rtpsframedepay", 0,
      "RTP SFrame depayloader");
}

static void
gst_rtp_sframe_depay_init (GstRtpSFrameDepay * self)
{
  self->adapter = gst_adapter_new ();
  self->max_frame_size = DEFAULT_MAX_FRAME_SIZE;
  self->post_drop_messages = DEFAULT_POST_DROP_MESSAGES;
  self->drop_message_interval = DEFAULT_DROP_MESSAGE_INTERVAL;
  gst_pad_set_query_function (GST_RTP_BASE_DEPAYLOAD_SRCPAD (self),
      gst_rtp_sframe_depay_src_query);
  gst_pad_add_probe (GST_RTP_BASE_DEPAYLOAD_SINKPAD (self),
      GST_PAD_PROBE_TYPE_BUFFER | GST_PAD_PROBE_TYPE_BUFFER_LIST,
      gst_rtp_sframe_depay_sink_probe, self, NULL);
}
