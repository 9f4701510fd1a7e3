/* gst-e2ee: rtpsframepay, rtpsframedepay and rtpvp8sframepay tests
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * RTP packets are built and parsed here by hand from RFC 3550's header layout, so that
 * the payloaders' output is checked against the specifications rather than against
 * the GStreamer library the elements themselves use.
 */

#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <gst/check/gstcheck.h>
#include <gst/check/gstharness.h>
#include <gst/app/app.h>
#include <string.h>
#include "../hangguard.h"

#define KEY_HEX "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f"
#define VP8_CAPS "application/x-sframe, original-media-type=(string)video/x-vp8"
#define RTP_VP8_CAPS "application/x-rtp, media=(string)video, clock-rate=(int)90000, " \
    "encoding-name=(string)VP8, payload=(int)101"
#define RTP_HEADER 12
#define DESC_S 0x80
#define DESC_E 0x40
#define DESC_T 0x20
#define PT 101

/* ------------------------------------------------------------------------------------ */
/* RTP by hand                                                                          */

typedef struct
{
  gboolean marker;
  guint pt;
  guint16 seq;
  guint32 ts;
  guint32 ssrc;
  guint8 *data;                 /* the whole packet */
  gsize size;
  gsize payload_offset;
  gsize payload_len;
} Packet;

static void
packet_parse (GstBuffer * buf, Packet * p)
{
  guint8 *d;
  gsize off;

  memset (p, 0, sizeof (*p));
  gst_buffer_extract_dup (buf, 0, gst_buffer_get_size (buf), (gpointer *) & p->data,
      &p->size);
  d = p->data;
  fail_unless (p->size >= RTP_HEADER);
  fail_unless_equals_int (d[0] >> 6, 2);
  off = RTP_HEADER + 4 * (d[0] & 0x0f);
  if (d[0] & 0x10)
    off += 4 + 4 * GST_READ_UINT16_BE (d + off + 2);
  fail_unless (off <= p->size);
  p->payload_offset = off;
  p->payload_len = p->size - off;
  if (d[0] & 0x20)
    p->payload_len -= d[p->size - 1];
  p->marker = (d[1] & 0x80) != 0;
  p->pt = d[1] & 0x7f;
  p->seq = GST_READ_UINT16_BE (d + 2);
  p->ts = GST_READ_UINT32_BE (d + 4);
  p->ssrc = GST_READ_UINT32_BE (d + 8);
}

static const guint8 *
packet_payload (Packet * p)
{
  return p->data + p->payload_offset;
}

static GstBuffer *
make_rtp (guint16 seq, guint32 ts, guint pt, gboolean marker, const guint8 * payload,
    gsize len)
{
  guint8 *d = g_malloc0 (RTP_HEADER + len);

  d[0] = 0x80;
  d[1] = (marker ? 0x80 : 0) | pt;
  GST_WRITE_UINT16_BE (d + 2, seq);
  GST_WRITE_UINT32_BE (d + 4, ts);
  GST_WRITE_UINT32_BE (d + 8, 0x11223344);
  if (len)
    memcpy (d + RTP_HEADER, payload, len);
  return gst_buffer_new_wrapped (d, RTP_HEADER + len);
}

/* One SFrame RTP packet: descriptor byte, then the fragment. */
static GstBuffer *
make_sframe_rtp (guint16 seq, guint32 ts, guint pt, guint8 desc, const guint8 * frag,
    gsize len)
{
  guint8 *payload = g_malloc (len + 1);
  GstBuffer *b;

  payload[0] = desc;
  memcpy (payload + 1, frag, len);
  b = make_rtp (seq, ts, pt, (desc & DESC_E) != 0, payload, len + 1);
  g_free (payload);
  return b;
}

static GBytes *
make_frame (gsize size, guint32 seed)
{
  GRand *r = g_rand_new_with_seed (seed);
  guint8 *d = g_malloc (size);
  gsize i;

  for (i = 0; i < size; i++)
    d[i] = g_rand_int (r);
  g_rand_free (r);
  return g_bytes_new_take (d, size);
}

/* Takes the reference to b. */
static GstBuffer *
bytes_to_buffer (GBytes * b)
{
  GstBuffer *buf = gst_buffer_new_wrapped_bytes (b);

  g_bytes_unref (b);
  return buf;
}

static void
assert_buffer_equals_bytes (GstBuffer * buf, GBytes * expected)
{
  GstMapInfo map;

  fail_unless (gst_buffer_map (buf, &map, GST_MAP_READ));
  fail_unless_equals_uint64 (map.size, g_bytes_get_size (expected));
  fail_unless (memcmp (map.data, g_bytes_get_data (expected, NULL), map.size) == 0);
  gst_buffer_unmap (buf, &map);
}

/* Splits frames into SFrame packets the way the draft describes, independently of
 * rtpsframepay: fragments of at most max bytes, consecutive seqnums from seq0, one
 * timestamp per frame. */
static GPtrArray *
packetize_frames (GPtrArray * frames, gsize max, guint16 seq0)
{
  GPtrArray *packets = g_ptr_array_new_with_free_func ((GDestroyNotify) gst_buffer_unref);
  guint16 seq = seq0;
  guint f;

  for (f = 0; f < frames->len; f++) {
    gsize size;
    const guint8 *data = g_bytes_get_data (g_ptr_array_index (frames, f), &size);
    gsize off = 0;

    while (off < size) {
      gsize len = MIN (max, size - off);
      guint8 desc = (off == 0 ? DESC_S : 0) | (off + len == size ? DESC_E : 0);

      g_ptr_array_add (packets, make_sframe_rtp (seq++, 1000 + 3000 * f, PT, desc,
              data + off, len));
      off += len;
    }
  }
  return packets;
}

static GPtrArray *
make_frames (guint n, gsize size, guint32 seed)
{
  GPtrArray *frames = g_ptr_array_new_with_free_func ((GDestroyNotify) g_bytes_unref);
  guint i;

  for (i = 0; i < n; i++)
    g_ptr_array_add (frames, make_frame (size + i, seed + i));
  return frames;
}

/* ------------------------------------------------------------------------------------ */
/* Harnesses                                                                            */

static GstHarness *
pay_new (const gchar * factory, guint mtu, const gchar * caps)
{
  GstElement *e = gst_element_factory_make (factory, NULL);
  GstHarness *h;

  fail_unless (e != NULL, "%s missing", factory);
  g_object_set (e, "mtu", mtu, "pt", PT, "seqnum-offset", 65530, "ssrc", 0xcafe,
      "timestamp-offset", 7, NULL);
  h = gst_harness_new_with_element (e, "sink", "src");
  gst_object_unref (e);
  if (caps)
    gst_harness_set_src_caps_str (h, caps);
  return h;
}

typedef struct
{
  GstHarness *h;
  GstElement *e;
  GstBus *bus;
} Depay;

static Depay
depay_new (const gchar * factory, GstCaps * caps)
{
  Depay d;

  d.e = gst_element_factory_make (factory, NULL);
  fail_unless (d.e != NULL);
  if (g_object_class_find_property (G_OBJECT_GET_CLASS (d.e), "drop-message-interval"))
    g_object_set (d.e, "drop-message-interval", (guint64) 0, NULL);
  d.bus = gst_bus_new ();
  gst_element_set_bus (d.e, d.bus);
  d.h = gst_harness_new_with_element (d.e, "sink", "src");
  if (caps)
    gst_harness_set_src_caps (d.h, gst_caps_ref (caps));
  return d;
}

static void
depay_free (Depay * d)
{
  gst_harness_teardown (d->h);
  gst_element_set_bus (d->e, NULL);
  gst_bus_set_flushing (d->bus, TRUE);
  gst_object_unref (d->bus);
  gst_object_unref (d->e);
}

static GstCaps *
harness_output_caps (GstHarness * h)
{
  GstCaps *caps = gst_pad_get_current_caps (h->sinkpad);

  fail_unless (caps != NULL);
  return caps;
}

static GPtrArray *
pull_all (GstHarness * h)
{
  GPtrArray *out = g_ptr_array_new_with_free_func ((GDestroyNotify) gst_buffer_unref);
  GstBuffer *b;

  while ((b = gst_harness_try_pull (h)))
    g_ptr_array_add (out, b);
  return out;
}

static guint64
stat_u64 (GstElement * e, const gchar * field)
{
  GstStructure *s;
  guint64 v = G_MAXUINT64;

  g_object_get (e, "stats", &s, NULL);
  fail_unless (gst_structure_get_uint64 (s, field, &v), "no %s in stats", field);
  gst_structure_free (s);
  return v;
}

/* Pops the drop messages with this reason; checks count (1, as the tests post every
 * drop) and total (counting up) as it goes. */
static guint
pop_drop_messages (GstBus * bus, const gchar * reason)
{
  GstMessage *m;
  guint64 first_total = 0;
  guint n = 0;

  while ((m = gst_bus_pop_filtered (bus, GST_MESSAGE_ELEMENT))) {
    const GstStructure *s = gst_message_get_structure (m);

    if (gst_structure_has_name (s, "rtpsframedepay-drop") &&
        g_str_equal (gst_structure_get_string (s, "reason"), reason)) {
      guint64 count, total;

      fail_unless (gst_structure_get_uint64 (s, "count", &count));
      fail_unless (gst_structure_get_uint64 (s, "total", &total));
      fail_unless (gst_structure_get_string (s, "detail") != NULL);
      fail_unless_equals_uint64 (count, 1);
      if (n == 0)
        first_total = total;
      fail_unless_equals_uint64 (total, first_total + n);
      n++;
    }
    gst_message_unref (m);
  }
  return n;
}

/* ------------------------------------------------------------------------------------ */
/* rtpsframepay                                                                         */

/* Checks one frame's packets against the draft, returns them reassembled by hand. */
static GByteArray *
check_frame_packets (GPtrArray * pkts, guint mtu, guint16 * next_seq, gboolean marker)
{
  GByteArray *frame = g_byte_array_new ();
  gsize max = mtu - RTP_HEADER - 1;
  gsize first_len = 0;
  guint32 ts = 0;
  guint i;

  for (i = 0; i < pkts->len; i++) {
    Packet p;
    guint8 expected = (i == 0 ? DESC_S : 0) | (i == pkts->len - 1 ? DESC_E : 0);
    gsize frag;

    packet_parse (g_ptr_array_index (pkts, i), &p);
    fail_unless (p.size <= mtu, "packet of %zu bytes at MTU %u", p.size, mtu);
    fail_unless_equals_int (p.data[0], 0x80);   /* V=2, no padding, extension, CSRC */
    fail_unless_equals_int (p.pt, PT);
    fail_unless_equals_int (p.ssrc, 0xcafe);
    fail_unless_equals_int (p.seq, *next_seq);
    *next_seq = p.seq + 1;
    if (i == 0)
      ts = p.ts;
    fail_unless_equals_int (p.ts, ts);
    fail_unless (p.payload_len >= 2);
    /* First payload byte exactly S|E|T|00000 per draft section 4, T=0 (raw). */
    fail_unless_equals_int (packet_payload (&p)[0], expected);
    fail_unless_equals_int (p.marker, marker && i == pkts->len - 1);
    frag = p.payload_len - 1;
    fail_unless (frag <= max);
    /* Fragments as even as can be: never more than one byte apart, longest first. */
    if (i == 0)
      first_len = frag;
    fail_unless (frag == first_len || frag + 1 == first_len);
    g_byte_array_append (frame, packet_payload (&p) + 1, frag);
    g_free (p.data);
  }
  return frame;
}

GST_START_TEST (test_pay_fragmentation)
{
  static const guint mtus[] = { 28, 64, 200, 576, 1200, 1400, 9000 };
  static const gsize sizes[] = { 1, 2, 14, 15, 16, 31, 100, 1187, 1188, 1387, 1388,
    1389, 5000, 65543
  };
  guint m, k;

  for (m = 0; m < G_N_ELEMENTS (mtus); m++) {
    GstHarness *h = pay_new ("rtpsframepay", mtus[m], VP8_CAPS);
    guint16 seq = 65530;        /* seqnum-offset: the frames wrap the sequence space */
    Depay d = { NULL, };

    for (k = 0; k < G_N_ELEMENTS (sizes); k++) {
      GBytes *frame = make_frame (sizes[k], k);
      gsize max = mtus[m] - RTP_HEADER - 1;
      GPtrArray *pkts, *out;
      GByteArray *joined;
      GstBuffer *in = bytes_to_buffer (g_bytes_ref (frame));
      guint i;

      GST_BUFFER_PTS (in) = k * 40 * GST_MSECOND;
      fail_unless_equals_int (gst_harness_push (h, in), GST_FLOW_OK);
      pkts = pull_all (h);
      fail_unless_equals_int (pkts->len, (sizes[k] + max - 1) / max);
      joined = check_frame_packets (pkts, mtus[m], &seq, TRUE);
      fail_unless_equals_int (joined->len, sizes[k]);
      fail_unless (memcmp (joined->data, g_bytes_get_data (frame, NULL),
              sizes[k]) == 0);
      g_byte_array_unref (joined);

      /* And rtpsframedepay gives the frame back, byte for byte. */
      if (d.h == NULL) {
        GstCaps *caps = harness_output_caps (h);
        d = depay_new ("rtpsframedepay", caps);
        gst_caps_unref (caps);
      }
      for (i = 0; i < pkts->len; i++)
        fail_unless_equals_int (gst_harness_push (d.h,
                gst_buffer_ref (g_ptr_array_index (pkts, i))), GST_FLOW_OK);
      out = pull_all (d.h);
      fail_unless_equals_int (out->len, 1);
      assert_buffer_equals_bytes (g_ptr_array_index (out, 0), frame);
      fail_unless (GST_BUFFER_FLAG_IS_SET (g_ptr_array_index (out, 0),
              GST_BUFFER_FLAG_MARKER));
      g_ptr_array_unref (out);
      g_ptr_array_unref (pkts);
      g_bytes_unref (frame);
    }
    fail_unless_equals_uint64 (stat_u64 (d.e, "frames"), G_N_ELEMENTS (sizes));
    fail_unless_equals_uint64 (stat_u64 (d.e, "dropped"), 0);
    depay_free (&d);
    gst_harness_teardown (h);
  }
}

GST_END_TEST;

/* Known values: one-, two- and three-packet frames, whole packets compared. */
GST_START_TEST (test_pay_descriptor_bytes)
{
  GstHarness *h = pay_new ("rtpsframepay", 40, VP8_CAPS);
  static const guint8 one[] = { 0xab };
  guint8 frame[60];
  GPtrArray *pkts;
  Packet p;
  guint i;

  for (i = 0; i < sizeof (frame); i++)
    frame[i] = i;

  /* 40-byte MTU: 12 header + 1 descriptor + 27 bytes of frame per packet. */
  gst_harness_push (h, gst_buffer_new_memdup (one, 1));
  pkts = pull_all (h);
  fail_unless_equals_int (pkts->len, 1);
  packet_parse (g_ptr_array_index (pkts, 0), &p);
  fail_unless_equals_int (p.size, 14);
  fail_unless_equals_int (p.data[12], 0xc0);
  fail_unless_equals_int (p.data[13], 0xab);
  fail_unless (p.marker);
  g_free (p.data);
  g_ptr_array_unref (pkts);

  gst_harness_push (h, gst_buffer_new_memdup (frame, 54));
  pkts = pull_all (h);
  fail_unless_equals_int (pkts->len, 2);
  packet_parse (g_ptr_array_index (pkts, 0), &p);
  fail_unless_equals_int (p.size, 40);
  fail_unless_equals_int (p.data[12], 0x80);
  fail_unless (memcmp (p.data + 13, frame, 27) == 0);
  fail_unless (!p.marker);
  g_free (p.data);
  packet_parse (g_ptr_array_index (pkts, 1), &p);
  fail_unless_equals_int (p.size, 40);
  fail_unless_equals_int (p.data[12], 0x40);
  fail_unless (memcmp (p.data + 13, frame + 27, 27) == 0);
  fail_unless (p.marker);
  g_free (p.data);
  g_ptr_array_unref (pkts);

  /* 55 bytes: three packets of 19, 18, 18. */
  gst_harness_push (h, gst_buffer_new_memdup (frame, 55));
  pkts = pull_all (h);
  fail_unless_equals_int (pkts->len, 3);
  for (i = 0; i < 3; i++) {
    static const guint8 desc[] = { 0x80, 0x00, 0x40 };
    static const gsize len[] = { 19, 18, 18 };
    static const gsize off[] = { 0, 19, 37 };

    packet_parse (g_ptr_array_index (pkts, i), &p);
    fail_unless_equals_int (p.size, RTP_HEADER + 1 + len[i]);
    fail_unless_equals_int (p.data[12], desc[i]);
    fail_unless (memcmp (p.data + 13, frame + off[i], len[i]) == 0);
    fail_unless_equals_int (p.marker, i == 2);
    g_free (p.data);
  }
  g_ptr_array_unref (pkts);

  /* An empty buffer is no SFrame frame: nothing is sent. */
  fail_unless_equals_int (gst_harness_push (h, gst_buffer_new ()), GST_FLOW_OK);
  fail_unless_equals_int (gst_harness_buffers_in_queue (h), 0);
  gst_harness_teardown (h);
}

GST_END_TEST;

static GstStructure *
pay_caps_for (const gchar * incaps, const gchar * prop, const gchar * value)
{
  GstHarness *h = pay_new ("rtpsframepay", 1400, NULL);
  GstCaps *caps;
  GstStructure *s;

  if (prop)
    gst_util_set_object_arg (G_OBJECT (h->element), prop, value);
  gst_harness_set_src_caps_str (h, incaps);
  fail_unless_equals_int (gst_harness_push (h, gst_buffer_new_allocate (NULL, 10,
              NULL)), GST_FLOW_OK);
  caps = harness_output_caps (h);
  s = gst_structure_copy (gst_caps_get_structure (caps, 0));
  gst_caps_unref (caps);
  gst_harness_teardown (h);
  return s;
}

static void
assert_rtp_caps (GstStructure * s, const gchar * media, const gchar * name, gint rate,
    const gchar * params)
{
  gint v;

  fail_unless (gst_structure_has_name (s, "application/x-rtp"));
  fail_unless_equals_string (gst_structure_get_string (s, "media"), media);
  fail_unless_equals_string (gst_structure_get_string (s, "encoding-name"), name);
  fail_unless (gst_structure_get_int (s, "clock-rate", &v));
  fail_unless_equals_int (v, rate);
  fail_unless (gst_structure_get_int (s, "payload", &v));
  fail_unless_equals_int (v, PT);
  /* a=sframe in SDP (draft section 6), via GStreamer's a-* caps fields. */
  fail_unless_equals_string (gst_structure_get_string (s, "a-sframe"), "");
  fail_unless_equals_string (gst_structure_get_string (s, "encoding-params"), params);
  gst_structure_free (s);
}

GST_START_TEST (test_pay_caps)
{
  GstElement *e;
  GstHarness *h;
  GstBus *bus;
  GstMessage *msg;

  assert_rtp_caps (pay_caps_for (VP8_CAPS, NULL, NULL), "video", "VP8", 90000, NULL);
  assert_rtp_caps (pay_caps_for ("application/x-sframe, "
          "original-media-type=(string)video/x-h264, stream-format=(string)byte-stream",
          NULL, NULL), "video", "H264", 90000, NULL);
  assert_rtp_caps (pay_caps_for ("application/x-sframe, "
          "original-media-type=(string)audio/x-opus, rate=(int)48000, channels=(int)2",
          NULL, NULL), "audio", "OPUS", 48000, "2");
  assert_rtp_caps (pay_caps_for ("application/x-sframe, "
          "original-media-type=(string)audio/x-alaw, rate=(int)16000", NULL, NULL),
      "audio", "PCMA", 16000, NULL);
  /* Properties: encoding-name alone is enough for a known format... */
  assert_rtp_caps (pay_caps_for ("application/x-sframe", "encoding-name", "H265"),
      "video", "H265", 90000, NULL);
  /* ... and win over the media type. */
  assert_rtp_caps (pay_caps_for (VP8_CAPS, "clock-rate", "1000"), "video", "VP8",
      1000, NULL);

  /* Nothing to go by: a negotiation error that says what to set. */
  e = gst_element_factory_make ("rtpsframepay", NULL);
  bus = gst_bus_new ();
  gst_element_set_bus (e, bus);
  h = gst_harness_new_with_element (e, "sink", "src");
  gst_harness_set_src_caps_str (h, "application/x-sframe");
  fail_unless_equals_int (gst_harness_push (h, gst_buffer_new_allocate (NULL, 10,
              NULL)), GST_FLOW_NOT_NEGOTIATED);
  msg = gst_bus_pop_filtered (bus, GST_MESSAGE_ERROR);
  fail_unless (msg != NULL);
  {
    GError *err = NULL;
    gchar *dbg = NULL;

    gst_message_parse_error (msg, &err, &dbg);
    fail_unless (g_error_matches (err, GST_CORE_ERROR, GST_CORE_ERROR_NEGOTIATION));
    fail_unless (strstr (dbg, "encoding-name") != NULL);
    g_clear_error (&err);
    g_free (dbg);
  }
  gst_message_unref (msg);
  gst_harness_teardown (h);
  gst_element_set_bus (e, NULL);
  gst_object_unref (bus);
  gst_object_unref (e);
}

GST_END_TEST;

static GPtrArray *
pay_frames (GstHarness * h, guint n, gsize size, GstClockTime step, guint resync_at)
{
  guint i;

  for (i = 0; i < n; i++) {
    GstBuffer *b = bytes_to_buffer (make_frame (size, i));

    GST_BUFFER_PTS (b) = i * step;
    if (i == resync_at)
      GST_BUFFER_FLAG_SET (b, GST_BUFFER_FLAG_RESYNC);
    fail_unless_equals_int (gst_harness_push (h, b), GST_FLOW_OK);
  }
  return pull_all (h);
}

GST_START_TEST (test_pay_timestamps_marker)
{
  GstHarness *h;
  GPtrArray *pkts;
  guint i;

  /* Video, 40 ms apart: 3600 ticks of 90 kHz; 3 packets a frame; marker at the end of
   * each frame. */
  h = pay_new ("rtpsframepay", 100, VP8_CAPS);
  pkts = pay_frames (h, 4, 200, 40 * GST_MSECOND, G_MAXUINT);
  fail_unless_equals_int (pkts->len, 12);
  for (i = 0; i < pkts->len; i++) {
    Packet p, p0;

    packet_parse (g_ptr_array_index (pkts, i), &p);
    packet_parse (g_ptr_array_index (pkts, 0), &p0);
    fail_unless_equals_int (p.ts - p0.ts, 3600 * (i / 3));
    fail_unless_equals_int (p.marker, i % 3 == 2);
    fail_unless_equals_int (packet_payload (&p)[0],
        (i % 3 == 0 ? DESC_S : 0) | (i % 3 == 2 ? DESC_E : 0));
    g_free (p.data);
    g_free (p0.data);
  }
  g_ptr_array_unref (pkts);
  gst_harness_teardown (h);

  /* Audio, 20 ms apart: 960 ticks of 48 kHz; the marker starts talkspurts only: the
   * first frame and one flagged RESYNC, on their last packet. */
  h = pay_new ("rtpsframepay", 100, "application/x-sframe, "
      "original-media-type=(string)audio/x-opus");
  pkts = pay_frames (h, 4, 200, 20 * GST_MSECOND, 2);
  fail_unless_equals_int (pkts->len, 12);
  for (i = 0; i < pkts->len; i++) {
    Packet p, p0;

    packet_parse (g_ptr_array_index (pkts, i), &p);
    packet_parse (g_ptr_array_index (pkts, 0), &p0);
    fail_unless_equals_int (p.ts - p0.ts, 960 * (i / 3));
    fail_unless_equals_int (p.marker, i == 2 || i == 8);
    g_free (p.data);
    g_free (p0.data);
  }
  g_ptr_array_unref (pkts);
  gst_harness_teardown (h);
}

GST_END_TEST;

/* ------------------------------------------------------------------------------------ */
/* rtpsframedepay                                                                       */

static Depay
depay_vp8 (void)
{
  GstCaps *caps = gst_caps_from_string (RTP_VP8_CAPS);
  Depay d = depay_new ("rtpsframedepay", caps);

  gst_caps_unref (caps);
  return d;
}

/* Pushes the packets except those in skip (a -1 terminated list), then EOS; checks
 * that exactly the frames in expect (-1 terminated) come out, byte for byte. */
static Depay
run_depay (GPtrArray * frames, GPtrArray * packets, const gint * skip,
    const gint * expect)
{
  Depay d = depay_vp8 ();
  GPtrArray *out;
  guint i, n;

  for (i = 0; i < packets->len; i++) {
    gboolean skipped = FALSE;
    const gint *s;

    for (s = skip; *s >= 0; s++)
      skipped |= (*s == (gint) i);
    if (!skipped)
      fail_unless_equals_int (gst_harness_push (d.h,
              gst_buffer_ref (g_ptr_array_index (packets, i))), GST_FLOW_OK);
  }
  fail_unless (gst_harness_push_event (d.h, gst_event_new_eos ()));

  out = pull_all (d.h);
  for (n = 0; expect[n] >= 0; n++);
  fail_unless_equals_int (out->len, n);
  for (i = 0; i < n; i++)
    assert_buffer_equals_bytes (g_ptr_array_index (out, i),
        g_ptr_array_index (frames, expect[i]));
  g_ptr_array_unref (out);
  fail_unless_equals_uint64 (stat_u64 (d.e, "frames"), n);
  return d;
}

GST_START_TEST (test_depay_loss)
{
  /* 6 frames of ~3000 bytes in 4 packets each: packets 4f .. 4f+3 are frame f. */
  GPtrArray *frames = make_frames (6, 3000, 11);
  GPtrArray *packets = packetize_frames (frames, 800, 65500);
  static const struct
  {
    gint skip[4];
    gint expect[7];
    guint dropped;
  } cases[] = {
    {{9, -1}, {0, 1, 3, 4, 5, -1}, 1},  /* middle fragment */
    {{8, -1}, {0, 1, 3, 4, 5, -1}, 1},  /* first fragment */
    {{11, -1}, {0, 1, 3, 4, 5, -1}, 1}, /* last fragment */
    {{9, 10, -1}, {0, 1, 3, 4, 5, -1}, 1},      /* two of one frame */
    {{11, 12, -1}, {0, 1, 4, 5, -1}, 2},        /* end of one, start of the next */
    {{0, -1}, {1, 2, 3, 4, 5, -1}, 1},  /* the very first packet */
    {{23, -1}, {0, 1, 2, 3, 4, -1}, 1}, /* the stream ends inside a frame */
    {{-1}, {0, 1, 2, 3, 4, 5, -1}, 0},
  };
  guint c;

  fail_unless_equals_int (packets->len, 24);
  for (c = 0; c < G_N_ELEMENTS (cases); c++) {
    Depay d = run_depay (frames, packets, cases[c].skip, cases[c].expect);

    fail_unless_equals_uint64 (stat_u64 (d.e, "dropped"), cases[c].dropped);
    fail_unless_equals_uint64 (stat_u64 (d.e, "dropped-lost-fragment"),
        cases[c].dropped);
    fail_unless_equals_int (pop_drop_messages (d.bus, "lost-fragment"),
        cases[c].dropped);
    depay_free (&d);
  }
  g_ptr_array_unref (packets);
  g_ptr_array_unref (frames);
}

GST_END_TEST;

/* A packet-lost event (as rtpjitterbuffer sends) inside a frame drops that frame. */
GST_START_TEST (test_depay_packet_lost_event)
{
  GPtrArray *frames = make_frames (3, 2000, 21);
  GPtrArray *packets = packetize_frames (frames, 800, 100);
  Depay d = depay_vp8 ();
  GPtrArray *out;
  guint i;

  fail_unless_equals_int (packets->len, 9);
  for (i = 0; i < packets->len; i++) {
    if (i == 4)
      gst_harness_push_event (d.h, gst_event_new_custom (GST_EVENT_CUSTOM_DOWNSTREAM,
              gst_structure_new ("GstRTPPacketLost", "seqnum", G_TYPE_UINT, 104,
                  "timestamp", G_TYPE_UINT64, (guint64) 0,
                  "duration", G_TYPE_UINT64, (guint64) 0, NULL)));
    else
      gst_harness_push (d.h, gst_buffer_ref (g_ptr_array_index (packets, i)));
  }
  out = pull_all (d.h);
  fail_unless_equals_int (out->len, 2);
  assert_buffer_equals_bytes (g_ptr_array_index (out, 0), g_ptr_array_index (frames,
          0));
  assert_buffer_equals_bytes (g_ptr_array_index (out, 1), g_ptr_array_index (frames,
          2));
  fail_unless_equals_uint64 (stat_u64 (d.e, "dropped-lost-fragment"), 1);
  g_ptr_array_unref (out);
  depay_free (&d);
  g_ptr_array_unref (packets);
  g_ptr_array_unref (frames);
}

GST_END_TEST;

/* Without a jitterbuffer, a packet that comes after a later one is dropped as old by
 * GstRTPBaseDepayload: its frame is lost (and counted), the others pass. */
GST_START_TEST (test_depay_reorder_without_jitterbuffer)
{
  GPtrArray *frames = make_frames (6, 3000, 31);
  GPtrArray *packets = packetize_frames (frames, 800, 200);
  static const gint none[] = { -1 };
  static const gint expect[] = { 0, 1, 3, 4, 5, -1 };
  gpointer tmp = packets->pdata[9];
  Depay d;

  /* Frame 2's middle packets swapped. */
  packets->pdata[9] = packets->pdata[10];
  packets->pdata[10] = tmp;
  d = run_depay (frames, packets, none, expect);
  fail_unless_equals_uint64 (stat_u64 (d.e, "dropped-lost-fragment"), 1);
  depay_free (&d);
  g_ptr_array_unref (packets);
  g_ptr_array_unref (frames);
}

GST_END_TEST;

/* With rtpjitterbuffer in front, reordered packets within and across frames are put
 * back in order and every frame passes. */
GST_START_TEST (test_depay_reorder_with_jitterbuffer)
{
  GPtrArray *frames = make_frames (6, 3000, 41);
  GPtrArray *packets = packetize_frames (frames, 800, 300);
  static const guint order[] = { 0, 2, 1, 3, 4, 5, 6, 7, 8, 10, 9, 11, 13, 12, 14, 15,
    16, 17, 18, 19, 20, 22, 21, 23
  };
  GstElement *pipeline, *src, *sink;
  GstSample *sample;
  GstBus *bus;
  GstMessage *msg;
  guint i, n = 0;

  pipeline = gst_parse_launch ("appsrc name=src format=time caps=\"" RTP_VP8_CAPS
      "\" ! rtpjitterbuffer latency=2000 ! rtpsframedepay name=depay ! "
      "appsink name=sink sync=false", NULL);
  fail_unless (pipeline != NULL);
  src = gst_bin_get_by_name (GST_BIN (pipeline), "src");
  sink = gst_bin_get_by_name (GST_BIN (pipeline), "sink");
  fail_unless_equals_int (gst_element_set_state (pipeline, GST_STATE_PLAYING),
      GST_STATE_CHANGE_ASYNC);

  for (i = 0; i < G_N_ELEMENTS (order); i++) {
    GstBuffer *b = gst_buffer_copy (g_ptr_array_index (packets, order[i]));

    GST_BUFFER_DTS (b) = GST_BUFFER_PTS (b) = (order[i] / 4) * 33 * GST_MSECOND;
    fail_unless_equals_int (gst_app_src_push_buffer (GST_APP_SRC (src), b),
        GST_FLOW_OK);
  }
  gst_app_src_end_of_stream (GST_APP_SRC (src));

  while ((sample = gst_app_sink_pull_sample (GST_APP_SINK (sink)))) {
    fail_unless (n < frames->len);
    assert_buffer_equals_bytes (gst_sample_get_buffer (sample),
        g_ptr_array_index (frames, n));
    n++;
    gst_sample_unref (sample);
  }
  fail_unless_equals_int (n, 6);

  bus = gst_element_get_bus (pipeline);
  msg = gst_bus_pop_filtered (bus, GST_MESSAGE_ERROR);
  fail_unless (msg == NULL);
  gst_object_unref (bus);
  gst_element_set_state (pipeline, GST_STATE_NULL);
  gst_object_unref (src);
  gst_object_unref (sink);
  gst_object_unref (pipeline);
  g_ptr_array_unref (packets);
  g_ptr_array_unref (frames);
}

GST_END_TEST;

GST_START_TEST (test_depay_duplicates)
{
  GPtrArray *frames = make_frames (4, 3000, 51);
  GPtrArray *packets = packetize_frames (frames, 800, 65534);
  Depay d = depay_vp8 ();
  GPtrArray *out;
  guint i;

  for (i = 0; i < packets->len; i++) {
    gst_harness_push (d.h, gst_buffer_ref (g_ptr_array_index (packets, i)));
    /* Every packet of frame 1 twice, and an old one again later. */
    if (i >= 4 && i < 8)
      gst_harness_push (d.h, gst_buffer_ref (g_ptr_array_index (packets, i)));
    if (i == 12)
      gst_harness_push (d.h, gst_buffer_ref (g_ptr_array_index (packets, 3)));
  }
  out = pull_all (d.h);
  fail_unless_equals_int (out->len, 4);
  for (i = 0; i < 4; i++)
    assert_buffer_equals_bytes (g_ptr_array_index (out, i),
        g_ptr_array_index (frames, i));
  fail_unless_equals_uint64 (stat_u64 (d.e, "dropped"), 0);
  fail_unless_equals_uint64 (stat_u64 (d.e, "packets"), packets->len);
  g_ptr_array_unref (out);
  depay_free (&d);
  g_ptr_array_unref (packets);
  g_ptr_array_unref (frames);
}

GST_END_TEST;

GST_START_TEST (test_depay_garbage)
{
  GPtrArray *frames = make_frames (3, 2500, 61);
  GPtrArray *packets = packetize_frames (frames, 900, 1000 + 300);
  Depay d = depay_vp8 ();
  GRand *r = g_rand_new_with_seed (7);
  GstBufferList *list;
  GPtrArray *out;
  guint8 junk[200];
  guint i, j, invalid = 0;

  for (i = 0; i < sizeof (junk); i++)
    junk[i] = g_rand_int (r);

  /* Not RTP: empty, too short, wrong version. */
  gst_harness_push (d.h, gst_buffer_new ());
  gst_harness_push (d.h, gst_buffer_new_memdup (junk, 1));
  gst_harness_push (d.h, gst_buffer_new_memdup (junk, 11));
  junk[0] &= 0x3f;
  gst_harness_push (d.h, gst_buffer_new_memdup (junk, 12));
  gst_harness_push (d.h, gst_buffer_new_memdup (junk, 200));
  invalid += 5;

  /* RTP without an SFrame payload descriptor. */
  gst_harness_push (d.h, make_rtp (1000, 5, PT, FALSE, NULL, 0));
  gst_harness_push (d.h, make_rtp (1001, 5, PT, TRUE, NULL, 0));
  invalid += 2;

  /* A buffer list mixing both. */
  list = gst_buffer_list_new ();
  gst_buffer_list_add (list, gst_buffer_new_memdup (junk, 5));
  gst_buffer_list_add (list, make_rtp (1002, 5, PT, FALSE, NULL, 0));
  gst_buffer_list_add (list, gst_buffer_new_memdup (junk, 3));
  fail_unless_equals_int (gst_pad_push_list (d.h->srcpad, list), GST_FLOW_OK);
  invalid += 3;

  /* Valid RTP with random payloads: random descriptors, payload types, sizes. */
  for (i = 0; i < 297; i++) {
    guint len = g_rand_int_range (r, 1, 200);
    guint8 *p = g_malloc (len);
    guint32 ts = g_rand_int_range (r, 0, 4);
    guint pt = g_rand_int_range (r, 0, 128);
    gboolean marker = g_rand_boolean (r);

    for (j = 0; j < len; j++)
      p[j] = g_rand_int (r);
    /* Marker and payload type 72-76 make the second byte 200-204: RTCP, not RTP
     * (RFC 5761 section 4). */
    if (marker && pt >= 72 && pt <= 76)
      invalid++;
    gst_harness_push (d.h, make_rtp (1003 + i, ts, pt, marker, p, len));
    g_free (p);
  }
  out = pull_all (d.h);         /* whatever the garbage made */
  g_ptr_array_unref (out);

  /* The stream goes on: later frames pass intact. */
  for (i = 0; i < packets->len; i++)
    fail_unless_equals_int (gst_harness_push (d.h,
            gst_buffer_ref (g_ptr_array_index (packets, i))), GST_FLOW_OK);
  out = pull_all (d.h);
  fail_unless_equals_int (out->len, 3);
  for (i = 0; i < 3; i++)
    assert_buffer_equals_bytes (g_ptr_array_index (out, i),
        g_ptr_array_index (frames, i));
  g_ptr_array_unref (out);

  fail_unless_equals_uint64 (stat_u64 (d.e, "invalid-packets"), invalid);
  fail_unless_equals_int (pop_drop_messages (d.bus, "invalid-packet"), invalid);
  /* Counted, not one warning message per packet from the base class. */
  fail_unless (gst_bus_pop_filtered (d.bus, GST_MESSAGE_WARNING) == NULL);

  g_rand_free (r);
  depay_free (&d);
  g_ptr_array_unref (packets);
  g_ptr_array_unref (frames);
}

GST_END_TEST;

/* Frames the draft's receiver steps reject, each followed by a good frame that must
 * still pass. */
GST_START_TEST (test_depay_malformed)
{
  GBytes *good = make_frame (500, 71);
  const guint8 *g = g_bytes_get_data (good, NULL);
  Depay d = depay_vp8 ();
  GPtrArray *out;
  guint16 seq = 10;
  guint32 ts = 100;
  guint i;

#define PUSH(pt_, desc, off, len) \
  fail_unless_equals_int (gst_harness_push (d.h, make_sframe_rtp (seq++, ts, pt_, \
      desc, g + (off), len)), GST_FLOW_OK)
#define PUSH_GOOD() G_STMT_START { ts += 10; PUSH (PT, DESC_S, 0, 250); \
    PUSH (PT, DESC_E, 250, 250); ts += 10; } G_STMT_END

  /* T=1 (packetized content): dropped. */
  PUSH (PT, DESC_S | DESC_T, 0, 100);
  PUSH (PT, DESC_T, 100, 100);
  PUSH (PT, DESC_E | DESC_T, 200, 100);
  PUSH_GOOD ();
  /* T differs within a frame. */
  PUSH (PT, DESC_S, 0, 100);
  PUSH (PT, DESC_T, 100, 100);
  PUSH (PT, DESC_E, 200, 100);
  PUSH_GOOD ();
  /* Payload type differs within a frame. */
  PUSH (PT, DESC_S, 0, 100);
  PUSH (PT + 1, 0, 100, 100);
  PUSH (PT, DESC_E, 200, 100);
  PUSH_GOOD ();
  /* Timestamp differs within a frame. */
  PUSH (PT, DESC_S, 0, 100);
  ts++;
  PUSH (PT, 0, 100, 100);
  ts--;
  PUSH (PT, DESC_E, 200, 100);
  PUSH_GOOD ();
  /* A new S before the E, nothing lost: the unfinished frame goes. */
  PUSH (PT, DESC_S, 0, 100);
  ts += 3;
  PUSH_GOOD ();
  /* An empty frame. */
  PUSH (PT, DESC_S | DESC_E, 0, 0);
  PUSH_GOOD ();
  /* Reserved bits are ignored: this frame passes. */
  ts += 10;
  PUSH (PT, DESC_S | 0x1f, 0, 250);
  PUSH (PT, DESC_E | 0x1f, 250, 250);

  out = pull_all (d.h);
  fail_unless_equals_int (out->len, 7);
  for (i = 0; i < out->len; i++)
    assert_buffer_equals_bytes (g_ptr_array_index (out, i), good);
  g_ptr_array_unref (out);
  fail_unless_equals_uint64 (stat_u64 (d.e, "dropped-packetized"), 1);
  fail_unless_equals_uint64 (stat_u64 (d.e, "dropped-malformed"), 5);
  fail_unless_equals_uint64 (stat_u64 (d.e, "dropped-lost-fragment"), 0);
  fail_unless_equals_uint64 (stat_u64 (d.e, "dropped"), 6);
  fail_unless_equals_int (pop_drop_messages (d.bus, "malformed"), 5);

  /* max-frame-size: the big frame goes, the next passes. */
  g_object_set (d.e, "max-frame-size", 400, NULL);
  PUSH (PT, DESC_S, 0, 200);
  PUSH (PT, 0, 200, 200);
  PUSH (PT, DESC_E, 400, 100);
  ts += 10;
  PUSH (PT, DESC_S, 0, 200);
  PUSH (PT, DESC_E, 200, 200);
  out = pull_all (d.h);
  fail_unless_equals_int (out->len, 1);
  g_ptr_array_unref (out);
  fail_unless_equals_uint64 (stat_u64 (d.e, "dropped-too-large"), 1);
  fail_unless_equals_uint64 (stat_u64 (d.e, "dropped"), 7);
#undef PUSH
#undef PUSH_GOOD

  depay_free (&d);
  g_bytes_unref (good);
}

GST_END_TEST;

static GstCaps *
depay_output_caps (const gchar * rtpcaps, const gchar * media_caps)
{
  GstElement *e = gst_element_factory_make ("rtpsframedepay", NULL);
  GstHarness *h;
  GstCaps *caps;

  if (media_caps)
    gst_util_set_object_arg (G_OBJECT (e), "media-caps", media_caps);
  h = gst_harness_new_with_element (e, "sink", "src");
  gst_object_unref (e);
  gst_harness_set_src_caps_str (h, rtpcaps);
  caps = gst_pad_get_current_caps (GST_PAD_PEER (h->sinkpad));
  gst_harness_teardown (h);
  fail_unless (caps != NULL);
  return caps;
}

static void
assert_depay_caps (const gchar * rtpcaps, const gchar * media_caps,
    const gchar * expected)
{
  GstCaps *caps = depay_output_caps (rtpcaps, media_caps);
  GstCaps *exp = gst_caps_from_string (expected);

  fail_unless (gst_caps_is_equal (caps, exp), "got %" GST_PTR_FORMAT ", expected %"
      GST_PTR_FORMAT, caps, exp);
  gst_caps_unref (caps);
  gst_caps_unref (exp);
}

GST_START_TEST (test_depay_caps)
{
  assert_depay_caps (RTP_VP8_CAPS, NULL,
      "application/x-sframe, original-media-type=(string)video/x-vp8");
  assert_depay_caps ("application/x-rtp, media=(string)video, clock-rate=(int)90000, "
      "encoding-name=(string)H264", NULL, "application/x-sframe, "
      "stream-format=(string)byte-stream, alignment=(string)au, "
      "original-media-type=(string)video/x-h264");
  assert_depay_caps ("application/x-rtp, media=(string)audio, clock-rate=(int)48000, "
      "encoding-name=(string)opus, a-sframe=(string)\"\"", NULL,
      "application/x-sframe, channel-mapping-family=(int)0, "
      "original-media-type=(string)audio/x-opus");
  assert_depay_caps ("application/x-rtp, media=(string)audio, clock-rate=(int)16000, "
      "encoding-name=(string)PCMA", NULL, "application/x-sframe, rate=(int)16000, "
      "channels=(int)1, original-media-type=(string)audio/x-alaw");
  assert_depay_caps ("application/x-rtp, media=(string)video, clock-rate=(int)90000, "
      "encoding-name=(string)X-UNKNOWN", NULL, "application/x-sframe");
  assert_depay_caps ("application/x-rtp, media=(string)video, clock-rate=(int)90000, "
      "encoding-name=(string)H264", "video/x-h264, stream-format=avc, alignment=au",
      "application/x-sframe, stream-format=(string)avc, alignment=(string)au, "
      "original-media-type=(string)video/x-h264");
}

GST_END_TEST;

static GstCaps *
depay_query_caps (const gchar * upstream, const gchar * media_caps)
{
  gchar *desc = g_strdup_printf ("capsfilter caps=\"%s\" ! rtpsframedepay name=d",
      upstream);
  GstElement *bin = gst_parse_bin_from_description (desc, FALSE, NULL);
  GstElement *d = gst_bin_get_by_name (GST_BIN (bin), "d");
  GstPad *pad = gst_element_get_static_pad (d, "src");
  GstCaps *caps;

  if (media_caps)
    gst_util_set_object_arg (G_OBJECT (d), "media-caps", media_caps);
  caps = gst_pad_query_caps (pad, NULL);
  gst_object_unref (pad);
  gst_object_unref (d);
  gst_object_unref (bin);
  g_free (desc);
  return caps;
}

/* Before negotiation the source pad already answers with the media the RTP caps name,
 * so that e2eedec and a decoder can be linked after it. */
GST_START_TEST (test_depay_query_caps)
{
  static const struct
  {
    const gchar *upstream, *media_caps, *expected;
  } cases[] = {
    {RTP_VP8_CAPS, NULL,
        "application/x-sframe, original-media-type=(string)video/x-vp8"},
    {"application/x-rtp, clock-rate=(int)8000, encoding-name=(string)PCMU", NULL,
          "application/x-sframe, rate=(int)8000, channels=(int)1, "
        "original-media-type=(string)audio/x-mulaw"},
    {"application/x-rtp", "video/x-vp9",
        "application/x-sframe, original-media-type=(string)video/x-vp9"},
    {"application/x-rtp", NULL, "application/x-sframe"},
  };
  guint i;

  for (i = 0; i < G_N_ELEMENTS (cases); i++) {
    GstCaps *caps = depay_query_caps (cases[i].upstream, cases[i].media_caps);
    GstCaps *exp = gst_caps_from_string (cases[i].expected);

    fail_unless (gst_caps_is_equal (caps, exp), "case %u: got %" GST_PTR_FORMAT, i,
        caps);
    gst_caps_unref (caps);
    gst_caps_unref (exp);
  }
}

GST_END_TEST;

static void
push_lost_frames (Depay * d, guint n)
{
  GPtrArray *frames = make_frames (n, 1000, 81);
  GPtrArray *packets = packetize_frames (frames, 600, 500);
  guint i;

  /* Every second packet is the end of a frame: leave those out, all frames lost. */
  for (i = 0; i < packets->len; i += 2)
    gst_harness_push (d->h, gst_buffer_ref (g_ptr_array_index (packets, i)));
  g_ptr_array_unref (packets);
  g_ptr_array_unref (frames);
}

GST_START_TEST (test_depay_drop_messages)
{
  Depay d;
  GstMessage *m;
  guint64 v;
  guint seqnum;

  /* interval 0: one message per dropped frame, each naming the packet. */
  d = depay_vp8 ();
  push_lost_frames (&d, 3);
  m = gst_bus_pop_filtered (d.bus, GST_MESSAGE_ELEMENT);
  fail_unless (m != NULL);
  fail_unless (gst_structure_has_name (gst_message_get_structure (m),
          "rtpsframedepay-drop"));
  fail_unless (gst_structure_get_uint (gst_message_get_structure (m), "seqnum",
          &seqnum));
  fail_unless_equals_int (seqnum, 502);       /* frame 1's start revealed the loss */
  fail_unless (gst_structure_get_uint (gst_message_get_structure (m),
          "rtp-timestamp", &seqnum));
  fail_unless_equals_int (seqnum, 1000 + 3000);
  gst_message_unref (m);
  fail_unless_equals_int (pop_drop_messages (d.bus, "lost-fragment"), 1);
  depay_free (&d);

  /* A long interval: the first drop is reported, the next ones wait for it. */
  d = depay_vp8 ();
  g_object_set (d.e, "drop-message-interval", G_MAXUINT64, NULL);
  push_lost_frames (&d, 4);
  fail_unless_equals_int (pop_drop_messages (d.bus, "lost-fragment"), 1);
  fail_unless_equals_uint64 (stat_u64 (d.e, "dropped-lost-fragment"), 3);
  depay_free (&d);

  /* Messages off: counted only. */
  d = depay_vp8 ();
  g_object_set (d.e, "post-drop-messages", FALSE, NULL);
  push_lost_frames (&d, 4);
  fail_unless (gst_bus_pop_filtered (d.bus, GST_MESSAGE_ELEMENT) == NULL);
  v = stat_u64 (d.e, "dropped");
  fail_unless_equals_uint64 (v, 3);
  depay_free (&d);
}

GST_END_TEST;

/* ------------------------------------------------------------------------------------ */
/* Real pipelines with e2eeenc                                                          */

/* Stops @pipeline and fails, saying why it did not reach EOS: the error a branch
 * posted, or the states it was stuck in. */
static void
fail_stalled (GstElement * pipeline, GstElement * sink)
{
  GstBus *bus = gst_element_get_bus (pipeline);
  GstMessage *msg = gst_bus_pop_filtered (bus, GST_MESSAGE_ERROR);
  GstState state = GST_STATE_VOID_PENDING, pending = GST_STATE_VOID_PENDING;
  gchar *why;

  gst_element_get_state (pipeline, &state, &pending, 0);
  if (msg) {
    GError *err = NULL;
    gchar *dbg = NULL;

    gst_message_parse_error (msg, &err, &dbg);
    why = g_strdup_printf ("error from %s: %s (%s)", GST_MESSAGE_SRC_NAME (msg),
        err->message, dbg ? dbg : "");
    g_clear_error (&err);
    g_free (dbg);
    gst_message_unref (msg);
  } else {
    why = g_strdup_printf ("no EOS at %s within the hang guard", GST_ELEMENT_NAME (sink));
  }
  gst_object_unref (bus);
  /* Without fork (CK_FORK=no, as under valgrind) the next test runs in this process:
   * leave no streaming thread behind. */
  gst_element_set_state (pipeline, GST_STATE_NULL);
  fail ("%s (pipeline %s, pending %s)", why, gst_element_state_get_name (state),
      gst_element_state_get_name (pending));
  g_free (why);
}

/* Every sample @sink gets until EOS. A branch that fails stops before EOS, and the
 * pipeline then stays short of PLAYING with the other sinks prerolled: the bus is
 * looked at whenever no sample came for a second, so the test fails with the error
 * instead of waiting for ever, and the hang guard ends any other stall. */
static GPtrArray *
pull_samples (GstElement * pipeline, GstElement * sink, GstCaps ** caps)
{
  GPtrArray *out = g_ptr_array_new_with_free_func ((GDestroyNotify) gst_buffer_unref);
  gint64 deadline = g_get_monotonic_time () + hang_guard (60) / GST_USECOND;
  GstBus *bus = gst_element_get_bus (pipeline);

  for (;;) {
    GstSample *s = gst_app_sink_try_pull_sample (GST_APP_SINK (sink), GST_SECOND);
    GstMessage *msg;
    GList *warnings = NULL, *l;

    if (s) {
      if (caps && *caps == NULL)
        *caps = gst_caps_ref (gst_sample_get_caps (s));
      g_ptr_array_add (out, gst_buffer_ref (gst_sample_get_buffer (s)));
      gst_sample_unref (s);
      continue;
    }
    if (gst_app_sink_is_eos (GST_APP_SINK (sink)))
      break;
    /* Warnings go back on the bus, for the caller's own checks. */
    while ((msg = gst_bus_pop_filtered (bus, GST_MESSAGE_ERROR | GST_MESSAGE_WARNING))
        && GST_MESSAGE_TYPE (msg) == GST_MESSAGE_WARNING)
      warnings = g_list_prepend (warnings, msg);
    for (l = g_list_last (warnings); l; l = l->prev)
      gst_bus_post (bus, l->data);
    g_clear_pointer (&warnings, g_list_free);
    if (msg)
      gst_bus_post (bus, msg);  /* fail_stalled() reports it */
    if (msg || g_get_monotonic_time () > deadline) {
      gst_object_unref (bus);
      g_ptr_array_unref (out);
      fail_stalled (pipeline, sink);
      return NULL;
    }
  }
  gst_object_unref (bus);
  return out;
}

static void
assert_buffers_equal (GstBuffer * a, GstBuffer * b)
{
  GstMapInfo ma, mb;

  fail_unless (gst_buffer_map (a, &ma, GST_MAP_READ));
  fail_unless (gst_buffer_map (b, &mb, GST_MAP_READ));
  fail_unless_equals_uint64 (ma.size, mb.size);
  fail_unless (memcmp (ma.data, mb.data, ma.size) == 0);
  gst_buffer_unmap (a, &ma);
  gst_buffer_unmap (b, &mb);
}

/* The SFrame frames e2eeenc makes come out of rtpsframedepay as they went in, and the
 * caps name the media for e2eedec. */
static void
run_e2eeenc_pipeline (const gchar * source, guint mtu, const gchar * media_type,
    guint n_expected)
{
  gchar *desc = g_strdup_printf ("%s ! e2eeenc key-id=1 key=" KEY_HEX " layout=frame ! "
      "tee name=t "
      "t. ! queue ! appsink name=ref sync=false "
      "t. ! queue ! rtpsframepay mtu=%u pt=101 ! rtpsframedepay ! "
      "appsink name=out sync=false", source, mtu);
  GstElement *pipeline = gst_parse_launch (desc, NULL);
  GstElement *ref, *out;
  GPtrArray *r, *o;
  GstCaps *caps = NULL;
  GstBus *bus;
  GstMessage *msg;
  guint i;

  fail_unless (pipeline != NULL);
  ref = gst_bin_get_by_name (GST_BIN (pipeline), "ref");
  out = gst_bin_get_by_name (GST_BIN (pipeline), "out");
  gst_element_set_state (pipeline, GST_STATE_PLAYING);
  o = pull_samples (pipeline, out, &caps);
  r = pull_samples (pipeline, ref, NULL);
  if (n_expected) {
    fail_unless_equals_int (r->len, n_expected);
  } else {
    fail_unless (r->len > 0);
  }
  fail_unless_equals_int (o->len, r->len);
  for (i = 0; i < r->len; i++)
    assert_buffers_equal (g_ptr_array_index (o, i), g_ptr_array_index (r, i));
  fail_unless (caps != NULL);
  fail_unless_equals_string (gst_structure_get_string (gst_caps_get_structure (caps,
              0), "original-media-type"), media_type);

  bus = gst_element_get_bus (pipeline);
  msg = gst_bus_pop_filtered (bus, GST_MESSAGE_ERROR | GST_MESSAGE_WARNING);
  fail_unless (msg == NULL);
  gst_object_unref (bus);
  gst_element_set_state (pipeline, GST_STATE_NULL);
  gst_caps_unref (caps);
  g_ptr_array_unref (r);
  g_ptr_array_unref (o);
  gst_object_unref (ref);
  gst_object_unref (out);
  gst_object_unref (pipeline);
  g_free (desc);
}

GST_START_TEST (test_pipeline_e2eeenc_vp8)
{
  run_e2eeenc_pipeline ("videotestsrc num-buffers=15 ! "
      "video/x-raw,width=320,height=240 ! vp8enc deadline=1", 300, "video/x-vp8", 15);
}

GST_END_TEST;

GST_START_TEST (test_pipeline_e2eeenc_opus)
{
  /* A 28-byte MTU leaves 15 bytes a packet: every Opus frame is fragmented. */
  run_e2eeenc_pipeline ("audiotestsrc num-buffers=20 samplesperbuffer=960 ! opusenc",
      28, "audio/x-opus", 0);
}

GST_END_TEST;

/* The whole chain: encrypt, payload, depayload, decrypt gives the encoder's frames. The
 * capsfilter names the encoding, as udpsrc caps would, so that gst_parse_launch can
 * link e2eedec to a decoder before caps flow. */
GST_START_TEST (test_pipeline_e2ee_roundtrip_vp8)
{
  GstElement *pipeline = gst_parse_launch ("videotestsrc num-buffers=15 ! "
      "video/x-raw,width=320,height=240 ! vp8enc deadline=1 ! tee name=t "
      "t. ! queue ! appsink name=ref sync=false "
      "t. ! queue ! e2eeenc key-id=1 key=" KEY_HEX " layout=frame ! "
      "rtpsframepay mtu=300 ! "
      "application/x-rtp,encoding-name=VP8 ! rtpsframedepay ! "
      "e2eedec key-id=1 key=" KEY_HEX " ! tee name=d "
      "d. ! queue ! appsink name=out sync=false "
      "d. ! queue ! vp8dec ! appsink name=dec sync=false", NULL);
  GstElement *ref, *out, *dec;
  GPtrArray *r, *o, *pictures;
  GstCaps *caps = NULL;
  GstBus *bus;
  guint i;

  fail_unless (pipeline != NULL);
  ref = gst_bin_get_by_name (GST_BIN (pipeline), "ref");
  out = gst_bin_get_by_name (GST_BIN (pipeline), "out");
  dec = gst_bin_get_by_name (GST_BIN (pipeline), "dec");
  gst_element_set_state (pipeline, GST_STATE_PLAYING);
  pictures = pull_samples (pipeline, dec, NULL);
  o = pull_samples (pipeline, out, &caps);
  r = pull_samples (pipeline, ref, NULL);
  fail_unless_equals_int (r->len, 15);
  fail_unless_equals_int (o->len, 15);
  fail_unless_equals_int (pictures->len, 15);
  for (i = 0; i < r->len; i++)
    assert_buffers_equal (g_ptr_array_index (o, i), g_ptr_array_index (r, i));
  fail_unless (gst_structure_has_name (gst_caps_get_structure (caps, 0),
          "video/x-vp8"));

  bus = gst_element_get_bus (pipeline);
  fail_unless (gst_bus_pop_filtered (bus, GST_MESSAGE_ERROR) == NULL);
  gst_object_unref (bus);
  gst_element_set_state (pipeline, GST_STATE_NULL);
  gst_caps_unref (caps);
  g_ptr_array_unref (r);
  g_ptr_array_unref (o);
  g_ptr_array_unref (pictures);
  gst_object_unref (ref);
  gst_object_unref (out);
  gst_object_unref (dec);
  gst_object_unref (pipeline);
}

GST_END_TEST;

/* ------------------------------------------------------------------------------------ */
/* rtpvp8sframepay                                                                      */

static GPtrArray *
vp8_frames (guint n, GstCaps ** caps)
{
  gchar *desc = g_strdup_printf ("videotestsrc num-buffers=%u pattern=ball ! "
      "video/x-raw,width=320,height=240,framerate=30/1 ! "
      "vp8enc deadline=1 keyframe-max-dist=10 ! appsink name=sink sync=false", n);
  GstElement *pipeline = gst_parse_launch (desc, NULL);
  GstElement *sink = gst_bin_get_by_name (GST_BIN (pipeline), "sink");
  GPtrArray *frames;

  gst_element_set_state (pipeline, GST_STATE_PLAYING);
  frames = pull_samples (pipeline, sink, caps);
  gst_element_set_state (pipeline, GST_STATE_NULL);
  fail_unless_equals_int (frames->len, n);
  gst_object_unref (sink);
  gst_object_unref (pipeline);
  g_free (desc);
  return frames;
}

/* What end-to-end encryption leaves of a VP8 frame: the 10-byte (key frame) or
 * 3-byte (delta frame) header in the clear, the rest random. */
static GPtrArray *
vp8_encrypt_sim (GPtrArray * frames, guint32 seed)
{
  GPtrArray *out = g_ptr_array_new_with_free_func ((GDestroyNotify) gst_buffer_unref);
  GRand *r = g_rand_new_with_seed (seed);
  guint i, keys = 0;

  for (i = 0; i < frames->len; i++) {
    GstBuffer *b = gst_buffer_copy_deep (g_ptr_array_index (frames, i));
    GstMapInfo map;
    gsize clear, j;

    fail_unless (gst_buffer_map (b, &map, GST_MAP_WRITE));
    clear = (map.data[0] & 0x01) ? 3 : 10;
    keys += clear == 10;
    fail_unless (map.size > clear);
    for (j = clear; j < map.size; j++)
      map.data[j] = g_rand_int (r);
    gst_buffer_unmap (b, &map);
    g_ptr_array_add (out, b);
  }
  fail_unless (keys >= 2);      /* the test covers key and delta frames */
  g_rand_free (r);
  return out;
}

static const gchar *picture_id_modes[] = { "none", "7-bit", "15-bit" };

/* Pays the frames with rtpvp8sframepay, checks every packet against RFC 7741, and
 * depays them with GStreamer's rtpvp8depay: the exact frames must come back. */
static void
vp8_roundtrip (GPtrArray * frames, GstCaps * caps, guint mtu, guint mode)
{
  GstHarness *h = pay_new ("rtpvp8sframepay", mtu, NULL);
  gint offset = mode == 1 ? 120 : 32760;        /* both wrap within the test */
  guint hdr = mode == 0 ? 1 : mode == 1 ? 3 : 4;
  GPtrArray *pkts, *out;
  GstCaps *rtpcaps;
  Depay d;
  guint f, i, pidx = 0;

  gst_util_set_object_arg (G_OBJECT (h->element), "picture-id-mode",
      picture_id_modes[mode]);
  g_object_set (h->element, "picture-id-offset", offset, NULL);
  gst_harness_set_src_caps (h, gst_caps_ref (caps));
  for (f = 0; f < frames->len; f++) {
    GstBuffer *in = gst_buffer_ref (g_ptr_array_index (frames, f));
    fail_unless_equals_int (gst_harness_push (h, in), GST_FLOW_OK);
  }
  pkts = pull_all (h);
  rtpcaps = harness_output_caps (h);
  {
    GstStructure *s = gst_caps_get_structure (rtpcaps, 0);
    gint rate;

    fail_unless_equals_string (gst_structure_get_string (s, "encoding-name"), "VP8");
    fail_unless_equals_string (gst_structure_get_string (s, "media"), "video");
    fail_unless (gst_structure_get_int (s, "clock-rate", &rate) && rate == 90000);
  }

  /* Per frame: S=1 and PID=0 on the first packet only, PictureID per mode, marker on
   * the last packet, one timestamp, payloads concatenating to the frame. */
  for (f = 0; f < frames->len; f++) {
    GstBuffer *frame = g_ptr_array_index (frames, f);
    GstMapInfo map;
    GByteArray *joined = g_byte_array_new ();
    guint pid = (offset + f) & (mode == 1 ? 0x7f : 0x7fff);
    gboolean key;
    guint32 ts = 0;

    fail_unless (gst_buffer_map (frame, &map, GST_MAP_READ));
    key = !(map.data[0] & 0x01);
    for (i = 0;; i++) {
      GstBuffer *pb = g_ptr_array_index (pkts, pidx++);
      Packet p;
      const guint8 *pl;
      gboolean last;

      packet_parse (pb, &p);
      pl = packet_payload (&p);
      fail_unless (p.size <= mtu);
      fail_unless (p.payload_len > hdr);
      if (i == 0)
        ts = p.ts;
      fail_unless_equals_int (p.ts, ts);
      fail_unless_equals_int (pl[0] & 0x0f, 0);       /* PID 0, reserved bit 0 */
      fail_unless_equals_int ((pl[0] & 0x10) != 0, i == 0);   /* S */
      fail_unless_equals_int (pl[0] & 0x60, 0);       /* R=0, N=0 */
      if (mode == 0) {
        fail_unless_equals_int (pl[0] & 0x80, 0);
      } else {
        fail_unless_equals_int (pl[0] & 0x80, 0x80);  /* X */
        fail_unless_equals_int (pl[1], 0x80); /* I only */
        if (mode == 1) {
          fail_unless_equals_int (pl[2], pid);
        } else {
          fail_unless_equals_int (pl[2], 0x80 | (pid >> 8));
          fail_unless_equals_int (pl[3], pid & 0xff);
        }
      }
      fail_unless_equals_int (GST_BUFFER_FLAG_IS_SET (pb, GST_BUFFER_FLAG_DELTA_UNIT),
          !key);
      g_byte_array_append (joined, pl + hdr, p.payload_len - hdr);
      last = p.marker;
      g_free (p.data);
      if (last)
        break;
      fail_unless (pidx < pkts->len);
    }
    fail_unless_equals_int (joined->len, map.size);
    fail_unless (memcmp (joined->data, map.data, map.size) == 0);
    g_byte_array_unref (joined);
    gst_buffer_unmap (frame, &map);
  }
  fail_unless_equals_int (pidx, pkts->len);

  d = depay_new ("rtpvp8depay", rtpcaps);
  for (i = 0; i < pkts->len; i++)
    fail_unless_equals_int (gst_harness_push (d.h,
            gst_buffer_ref (g_ptr_array_index (pkts, i))), GST_FLOW_OK);
  out = pull_all (d.h);
  fail_unless_equals_int (out->len, frames->len);
  for (f = 0; f < frames->len; f++)
    assert_buffers_equal (g_ptr_array_index (out, f), g_ptr_array_index (frames, f));
  g_ptr_array_unref (out);
  depay_free (&d);
  gst_caps_unref (rtpcaps);
  g_ptr_array_unref (pkts);
  gst_harness_teardown (h);
}

GST_START_TEST (test_vp8_roundtrip_plain)
{
  GstCaps *caps = NULL;
  GPtrArray *frames = vp8_frames (24, &caps);
  static const guint mtus[] = { 100, 400, 1400 };
  guint m, mode;

  for (m = 0; m < G_N_ELEMENTS (mtus); m++)
    for (mode = 0; mode < 3; mode++)
      vp8_roundtrip (frames, caps, mtus[m], mode);
  gst_caps_unref (caps);
  g_ptr_array_unref (frames);
}

GST_END_TEST;

GST_START_TEST (test_vp8_roundtrip_encrypted)
{
  GstCaps *caps = NULL;
  GPtrArray *plain = vp8_frames (24, &caps);
  GPtrArray *frames = vp8_encrypt_sim (plain, 1234);
  static const guint mtus[] = { 100, 400, 1400 };
  guint m, mode;

  for (m = 0; m < G_N_ELEMENTS (mtus); m++)
    for (mode = 0; mode < 3; mode++)
      vp8_roundtrip (frames, caps, mtus[m], mode);
  gst_caps_unref (caps);
  g_ptr_array_unref (frames);
  g_ptr_array_unref (plain);
}

GST_END_TEST;

/* Pushes the frames into a VP8 payloader; returns the first flow error (or OK) and
 * whether an error message was posted. */
static GstFlowReturn
vp8_pay_all (const gchar * factory, GPtrArray * frames, GstCaps * caps,
    gboolean * error_posted)
{
  GstElement *e = gst_element_factory_make (factory, NULL);
  GstBus *bus = gst_bus_new ();
  GstHarness *h;
  GstFlowReturn ret = GST_FLOW_OK;
  GstBuffer *last = NULL;
  GstMessage *msg;
  guint i;

  gst_element_set_bus (e, bus);
  h = gst_harness_new_with_element (e, "sink", "src");
  gst_harness_set_src_caps (h, gst_caps_ref (caps));
  for (i = 0; i < frames->len && ret == GST_FLOW_OK; i++) {
    last = g_ptr_array_index (frames, i);
    ret = gst_harness_push (h, gst_buffer_ref (last));
  }
  msg = gst_bus_pop_filtered (bus, GST_MESSAGE_ERROR);
  *error_posted = msg != NULL;
  if (msg)
    gst_message_unref (msg);
  gst_harness_teardown (h);
  /* GStreamer 1.22's rtpvp8pay returns GST_FLOW_ERROR without unreffing the frame it
   * failed to parse; release that reference for it so valgrind runs stay clean. */
  if (ret != GST_FLOW_OK && last && GST_MINI_OBJECT_REFCOUNT_VALUE (last) > 1)
    gst_buffer_unref (last);
  gst_element_set_bus (e, NULL);
  gst_bus_set_flushing (bus, TRUE);
  gst_object_unref (bus);
  gst_object_unref (e);
  return ret;
}

/* The reason for rtpvp8sframepay: GStreamer's rtpvp8pay parses the first partition
 * and stops on encrypted frames; this element does not. */
GST_START_TEST (test_vp8_rtpvp8pay_fails_on_encrypted)
{
  GstCaps *caps = NULL;
  GPtrArray *plain = vp8_frames (24, &caps);
  GPtrArray *enc = vp8_encrypt_sim (plain, 1234);
  gboolean error;

  fail_unless_equals_int (vp8_pay_all ("rtpvp8pay", plain, caps, &error), GST_FLOW_OK);
  fail_if (error);
  fail_unless_equals_int (vp8_pay_all ("rtpvp8pay", enc, caps, &error),
      GST_FLOW_ERROR);
  fail_unless (error);
  fail_unless_equals_int (vp8_pay_all ("rtpvp8sframepay", enc, caps, &error),
      GST_FLOW_OK);
  fail_if (error);

  gst_caps_unref (caps);
  g_ptr_array_unref (enc);
  g_ptr_array_unref (plain);
}

GST_END_TEST;

GST_START_TEST (test_vp8_short_buffer)
{
  GstElement *e = gst_element_factory_make ("rtpvp8sframepay", NULL);
  GstBus *bus = gst_bus_new ();
  static const guint8 tag[] = { 0x31, 0x02, 0x00 };
  GstHarness *h;
  GstMessage *msg;
  GPtrArray *pkts;

  gst_element_set_bus (e, bus);
  h = gst_harness_new_with_element (e, "sink", "src");
  gst_harness_set_src_caps_str (h, "video/x-vp8");
  /* Shorter than the frame tag: dropped with a warning. */
  fail_unless_equals_int (gst_harness_push (h, gst_buffer_new_memdup (tag, 2)),
      GST_FLOW_OK);
  fail_unless_equals_int (gst_harness_buffers_in_queue (h), 0);
  msg = gst_bus_pop_filtered (bus, GST_MESSAGE_WARNING);
  fail_unless (msg != NULL);
  gst_message_unref (msg);
  /* The tag alone is payloaded: nothing past it is read. */
  fail_unless_equals_int (gst_harness_push (h, gst_buffer_new_memdup (tag, 3)),
      GST_FLOW_OK);
  pkts = pull_all (h);
  fail_unless_equals_int (pkts->len, 1);
  {
    Packet p;

    packet_parse (g_ptr_array_index (pkts, 0), &p);
    fail_unless_equals_int (p.payload_len, 4);
    fail_unless_equals_int (packet_payload (&p)[0], 0x10);
    fail_unless (memcmp (packet_payload (&p) + 1, tag, 3) == 0);
    fail_unless (p.marker);
    g_free (p.data);
  }
  g_ptr_array_unref (pkts);
  gst_harness_teardown (h);
  gst_element_set_bus (e, NULL);
  gst_object_unref (bus);
  gst_object_unref (e);
}

GST_END_TEST;

/* A real pipeline: vp8enc -> rtpvp8sframepay -> rtpvp8depay -> vp8dec decodes every
 * frame. */
GST_START_TEST (test_vp8_pipeline_decodes)
{
  GstElement *pipeline = gst_parse_launch ("videotestsrc num-buffers=20 ! "
      "video/x-raw,width=320,height=240 ! vp8enc deadline=1 ! "
      "rtpvp8sframepay mtu=300 picture-id-mode=15-bit ! rtpvp8depay ! vp8dec ! "
      "appsink name=sink sync=false", NULL);
  GstElement *sink = gst_bin_get_by_name (GST_BIN (pipeline), "sink");
  GPtrArray *out;
  GstBus *bus;

  gst_element_set_state (pipeline, GST_STATE_PLAYING);
  out = pull_samples (pipeline, sink, NULL);
  fail_unless_equals_int (out->len, 20);
  bus = gst_element_get_bus (pipeline);
  fail_unless (gst_bus_pop_filtered (bus, GST_MESSAGE_ERROR) == NULL);
  gst_object_unref (bus);
  gst_element_set_state (pipeline, GST_STATE_NULL);
  g_ptr_array_unref (out);
  gst_object_unref (sink);
  gst_object_unref (pipeline);
}

GST_END_TEST;

static Suite *
rtpsframe_suite (void)
{
  Suite *s = suite_create ("rtpsframe");
  TCase *tc = tcase_create ("general");

  suite_add_tcase (s, tc);
  tcase_set_timeout (tc, 120);
  tcase_add_test (tc, test_pay_fragmentation);
  tcase_add_test (tc, test_pay_descriptor_bytes);
  tcase_add_test (tc, test_pay_caps);
  tcase_add_test (tc, test_pay_timestamps_marker);
  tcase_add_test (tc, test_depay_loss);
  tcase_add_test (tc, test_depay_packet_lost_event);
  tcase_add_test (tc, test_depay_reorder_without_jitterbuffer);
  tcase_add_test (tc, test_depay_reorder_with_jitterbuffer);
  tcase_add_test (tc, test_depay_duplicates);
  tcase_add_test (tc, test_depay_garbage);
  tcase_add_test (tc, test_depay_malformed);
  tcase_add_test (tc, test_depay_caps);
  tcase_add_test (tc, test_depay_query_caps);
  tcase_add_test (tc, test_depay_drop_messages);
  tcase_add_test (tc, test_pipeline_e2eeenc_vp8);
  tcase_add_test (tc, test_pipeline_e2eeenc_opus);
  tcase_add_test (tc, test_pipeline_e2ee_roundtrip_vp8);
  tcase_add_test (tc, test_vp8_roundtrip_plain);
  tcase_add_test (tc, test_vp8_roundtrip_encrypted);
  tcase_add_test (tc, test_vp8_rtpvp8pay_fails_on_encrypted);
  tcase_add_test (tc, test_vp8_short_buffer);
  tcase_add_test (tc, test_vp8_pipeline_decodes);
  return s;
}

GST_CHECK_MAIN (rtpsframe);
