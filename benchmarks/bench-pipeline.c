/* gst-e2ee benchmark: items 3 and 4, elements in a pipeline
 *
 * Each chain (e2eeenc ! e2eedec, identity ! identity, srtpenc ! srtpdec) ends in a
 * fakesink and is fed by a source pad of our own, from the measuring thread: a push
 * returns once the frame has gone all the way through, so the time of a batch is
 * exactly the work the elements do for it, with no queue, thread hand-over or
 * scheduling in the figure. The same buffer is pushed again and again (a reference,
 * not a copy), so the identity chain costs what GStreamer's buffer passing costs and
 * the difference between the two is the elements' own work. With
 * bench_writable_input, every push is a new buffer instead, made with the allocation
 * parameters the chain's first element asked for, as an encoder makes its frames: it
 * is writable, so e2eeenc encrypts it in place (the identity chain gets the same
 * buffers, so their making and freeing cancel out).
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "bench.h"

#include <string.h>

#define RTP_HEADER_SIZE 12
#define RTP_SSRC 0x12345678u
#define RTP_TS_STEP 3000            /* 30 frames/s at 90 kHz */
#define RTP_CAPS "application/x-rtp, media=(string)video, clock-rate=(int)90000, " \
  "encoding-name=(string)H264, payload=(int)96, ssrc=(uint)305419896"

gboolean bench_writable_input = FALSE;

struct _Chain
{
  GstElement *pipeline;
  GstElement *sink;
  GstElement *dec;              /* e2eedec, for its stats */
  GstPad *srcpad;
  GstBuffer *buf;               /* the frame (an RTP packet for rtp chains) */
  gboolean rtp;                 /* give every push the next sequence number */
  guint16 seq;
  guint32 rtp_ts;
  guint64 pushed;
  GstBuffer *srtp_key;
  /* bench_writable_input: the frame's bytes and how to allocate a buffer for them */
  gboolean writable;
  guint8 *frame;
  gsize frame_size;
  GstAllocator *allocator;
  GstAllocationParams params;

  /* what the sink must receive */
  const guint8 *expect;
  gsize expect_size;
  gboolean expect_meta;
  gboolean seen, seen_ok;
};

static GstElement *
make (const gchar * factory)
{
  GstElement *e = gst_element_factory_make (factory, NULL);

  if (e == NULL)
    g_error ("element %s is missing (run scripts/install-deps.sh)", factory);
  return e;
}

static GstElement *
make_sink (void)
{
  GstElement *sink = make ("fakesink");

  /* No clock, no preroll wait, no reference kept on the last buffer. */
  g_object_set (sink, "sync", FALSE, "async", FALSE, "enable-last-sample", FALSE, NULL);
  return sink;
}

static GstBuffer *
key_buffer (gsize size, guint32 seed)
{
  GstBuffer *b = gst_buffer_new_allocate (NULL, size, NULL);
  GstMapInfo map;

  BENCH_CHECK (gst_buffer_map (b, &map, GST_MAP_WRITE));
  bench_fill_random (map.data, size, seed);
  gst_buffer_unmap (b, &map);
  return b;
}

static GstBuffer *
frame_buffer (const guint8 * frame, gsize size, gboolean rtp)
{
  gsize hdr = rtp ? RTP_HEADER_SIZE : 0;
  GstBuffer *b = gst_buffer_new_allocate (NULL, hdr + size, NULL);
  GstMapInfo map;

  BENCH_CHECK (gst_buffer_map (b, &map, GST_MAP_WRITE));
  if (rtp) {
    static const guint8 header[RTP_HEADER_SIZE] = {
      0x80, 96, 0, 0, 0, 0, 0, 0,
      (RTP_SSRC >> 24) & 0xff, (RTP_SSRC >> 16) & 0xff, (RTP_SSRC >> 8) & 0xff,
      RTP_SSRC & 0xff
    };
    memcpy (map.data, header, sizeof (header));
  }
  memcpy (map.data + hdr, frame, size);
  gst_buffer_unmap (b, &map);
  return b;
}

static GstPadProbeReturn
check_probe (GstPad * pad, GstPadProbeInfo * info, gpointer user_data)
{
  Chain *c = user_data;
  GstBuffer *buf = GST_PAD_PROBE_INFO_BUFFER (info);
  GstMapInfo map;

  if (!c->seen && gst_buffer_map (buf, &map, GST_MAP_READ)) {
    c->seen = TRUE;
    c->seen_ok = map.size == c->expect_size &&
        memcmp (map.data, c->expect, map.size) == 0 &&
        (!c->expect_meta || gst_buffer_get_e2ee_meta (buf) != NULL);
    gst_buffer_unmap (buf, &map);
  }
  return GST_PAD_PROBE_OK;
}

/* Links our pad to @sinkpad, starts the pipeline and sends the stream's events. */
static void
chain_start (Chain * c, GstPad * sinkpad, const gchar * caps)
{
  GstSegment segment;

  c->srcpad = gst_pad_new ("benchsrc", GST_PAD_SRC);
  BENCH_CHECK (gst_pad_link (c->srcpad, sinkpad) == GST_PAD_LINK_OK);
  gst_object_unref (sinkpad);
  BENCH_CHECK (gst_pad_set_active (c->srcpad, TRUE));
  BENCH_CHECK (gst_element_set_state (c->pipeline, GST_STATE_PLAYING) !=
      GST_STATE_CHANGE_FAILURE);
  BENCH_CHECK (gst_element_get_state (c->pipeline, NULL, NULL, GST_CLOCK_TIME_NONE) ==
      GST_STATE_CHANGE_SUCCESS);
  BENCH_CHECK (gst_pad_push_event (c->srcpad, gst_event_new_stream_start ("bench")));
  BENCH_CHECK (gst_pad_push_event (c->srcpad,
          gst_event_new_caps (gst_caps_from_string (caps))));
  gst_segment_init (&segment, GST_FORMAT_TIME);
  BENCH_CHECK (gst_pad_push_event (c->srcpad, gst_event_new_segment (&segment)));

  c->writable = bench_writable_input && !c->rtp;
  gst_allocation_params_init (&c->params);
  if (c->writable) {
    GstCaps *query_caps = gst_caps_from_string (caps);
    GstQuery *query = gst_query_new_allocation (query_caps, TRUE);
    GstMapInfo map;

    if (gst_pad_peer_query (c->srcpad, query) &&
        gst_query_get_n_allocation_params (query) > 0)
      gst_query_parse_nth_allocation_param (query, 0, &c->allocator, &c->params);
    gst_query_unref (query);
    gst_caps_unref (query_caps);
    BENCH_CHECK (gst_buffer_map (c->buf, &map, GST_MAP_READ));
    c->frame = g_memdup2 (map.data, map.size);
    c->frame_size = map.size;
    gst_buffer_unmap (c->buf, &map);
  }
}

static Chain *
chain_alloc (const guint8 * frame, gsize size, gboolean rtp)
{
  Chain *c = g_new0 (Chain, 1);

  c->pipeline = gst_pipeline_new (NULL);
  c->sink = make_sink ();
  c->rtp = rtp;
  c->buf = frame_buffer (frame, size, rtp);
  return c;
}

Chain *
chain_new_e2ee (GstE2eeCipherSuite suite, const guint8 * frame, gsize size,
    const gchar * caps)
{
  Chain *c = chain_alloc (frame, size, FALSE);
  GstElement *enc = make ("e2eeenc"), *dec = make ("e2eedec");
  GstBuffer *key = key_buffer (32, 0xe2ee);

  g_object_set (enc, "cipher-suite", suite, "key-id", (guint64) 1, "key", key, NULL);
  g_object_set (dec, "cipher-suite", suite, "key-id", (guint64) 1, "key", key, NULL);
  /* Whole-frame SFrame, what items 1 and 2 measure too (the codec-aware layout would
   * also need frames of a real codec). */
  if (g_object_class_find_property (G_OBJECT_GET_CLASS (enc), "layout"))
    gst_util_set_object_arg (G_OBJECT (enc), "layout", "frame");
  gst_buffer_unref (key);
  gst_bin_add_many (GST_BIN (c->pipeline), enc, dec, c->sink, NULL);
  BENCH_CHECK (gst_element_link_many (enc, dec, c->sink, NULL));
  c->dec = dec;
  c->expect_meta = TRUE;
  chain_start (c, gst_element_get_static_pad (enc, "sink"), caps);
  return c;
}

Chain *
chain_new_identity (const guint8 * frame, gsize size, const gchar * caps, gboolean rtp)
{
  Chain *c = chain_alloc (frame, size, rtp);
  GstElement *a = make ("identity"), *b = make ("identity");

  gst_bin_add_many (GST_BIN (c->pipeline), a, b, c->sink, NULL);
  BENCH_CHECK (gst_element_link_many (a, b, c->sink, NULL));
  chain_start (c, gst_element_get_static_pad (a, "sink"), rtp ? RTP_CAPS : caps);
  return c;
}

static GstCaps *
srtp_request_key (GstElement * dec, guint ssrc, gpointer user_data)
{
  Chain *c = user_data;
  gchar *cipher = g_object_get_data (G_OBJECT (dec), "bench-cipher");
  gchar *auth = g_object_get_data (G_OBJECT (dec), "bench-auth");

  return gst_caps_new_simple ("application/x-srtp",
      "srtp-key", GST_TYPE_BUFFER, c->srtp_key,
      "srtp-cipher", G_TYPE_STRING, cipher, "srtp-auth", G_TYPE_STRING, auth,
      "srtcp-cipher", G_TYPE_STRING, cipher, "srtcp-auth", G_TYPE_STRING, auth, NULL);
}

/* srtpenc ! srtpdec, configured as a user would for the profile: SRTP_AEAD_AES_256_GCM
 * (cipher aes-256-gcm, no separate auth) or SRTP_AES128_CM_HMAC_SHA1_80. */
Chain *
chain_new_srtp (const gchar * cipher, const gchar * auth, const guint8 * frame, gsize size,
    GError ** error)
{
  Chain *c;
  GstElement *enc, *dec;
  GstPad *enc_sink, *enc_src, *dec_sink;
  gsize key_size;

  if (gst_element_factory_find ("srtpenc") == NULL) {
    g_set_error (error, GST_CORE_ERROR, GST_CORE_ERROR_MISSING_PLUGIN,
        "srtpenc is missing (gstreamer1.0-plugins-bad)");
    return NULL;
  }
  c = chain_alloc (frame, size, TRUE);
  enc = make ("srtpenc");
  dec = make ("srtpdec");
  /* master key || master salt: 16 + 14 for AES-CM, 32 + 12 for AES-256-GCM */
  key_size = g_str_has_suffix (cipher, "gcm") ? 44 : 30;
  c->srtp_key = key_buffer (key_size, 0x5172);
  g_object_set (enc, "key", c->srtp_key, NULL);
  gst_util_set_object_arg (G_OBJECT (enc), "rtp-cipher", cipher);
  gst_util_set_object_arg (G_OBJECT (enc), "rtcp-cipher", cipher);
  gst_util_set_object_arg (G_OBJECT (enc), "rtp-auth", auth);
  gst_util_set_object_arg (G_OBJECT (enc), "rtcp-auth", auth);
  g_object_set_data_full (G_OBJECT (dec), "bench-cipher", g_strdup (cipher), g_free);
  g_object_set_data_full (G_OBJECT (dec), "bench-auth", g_strdup (auth), g_free);
  g_signal_connect (dec, "request-key", G_CALLBACK (srtp_request_key), c);

  gst_bin_add_many (GST_BIN (c->pipeline), enc, dec, c->sink, NULL);
  enc_sink = gst_element_request_pad_simple (enc, "rtp_sink_0");
  BENCH_CHECK (enc_sink);
  enc_src = gst_element_get_static_pad (enc, "rtp_src_0");
  BENCH_CHECK (enc_src);
  dec_sink = gst_element_get_static_pad (dec, "rtp_sink");
  BENCH_CHECK (gst_pad_link (enc_src, dec_sink) == GST_PAD_LINK_OK);
  gst_object_unref (enc_src);
  gst_object_unref (dec_sink);
  BENCH_CHECK (gst_element_link_pads (dec, "rtp_src", c->sink, "sink"));
  chain_start (c, enc_sink, RTP_CAPS);
  return c;
}

static void
rtp_number (guint8 * packet, guint16 seq, guint32 ts)
{
  packet[2] = (guint8) (seq >> 8);
  packet[3] = (guint8) seq;
  packet[4] = (guint8) (ts >> 24);
  packet[5] = (guint8) (ts >> 16);
  packet[6] = (guint8) (ts >> 8);
  packet[7] = (guint8) ts;
}

static gboolean
push_one (Chain * c)
{
  if (c->rtp) {
    GstMapInfo map;

    /* Our reference is the only one again once the push returned, so the packet can
     * be renumbered in place: SRTP refuses a sequence number twice (replay). */
    if (!gst_buffer_map (c->buf, &map, GST_MAP_WRITE))
      return FALSE;
    c->seq++;
    c->rtp_ts += RTP_TS_STEP;
    rtp_number (map.data, c->seq, c->rtp_ts);
    gst_buffer_unmap (c->buf, &map);
  }
  c->pushed++;
  if (c->writable) {
    GstBuffer *b = gst_buffer_new_allocate (c->allocator, c->frame_size, &c->params);

    gst_buffer_fill (b, 0, c->frame, c->frame_size);
    return gst_pad_push (c->srcpad, b) == GST_FLOW_OK;
  }
  return gst_pad_push (c->srcpad, gst_buffer_ref (c->buf)) == GST_FLOW_OK;
}

gboolean
chain_run (gpointer data, guint64 n)
{
  Chain *c = data;
  guint64 i;

  for (i = 0; i < n; i++)
    if (!push_one (c))
      return FALSE;
  return TRUE;
}

/* Every frame pushed so far reached the sink, nothing was dropped, and the next one
 * arrives byte-exact (the plaintext again after e2eeenc ! e2eedec or srtpenc ! srtpdec). */
gboolean
chain_verify (Chain * c, GError ** error)
{
  GstStructure *stats = NULL;
  guint64 rendered = 0;
  GstPad *pad;
  gulong probe;
  GstMapInfo map;
  guint8 *expect;
  gboolean ok;

  g_object_get (c->sink, "stats", &stats, NULL);
  gst_structure_get_uint64 (stats, "rendered", &rendered);
  gst_structure_free (stats);
  if (rendered != c->pushed) {
    g_set_error (error, GST_CORE_ERROR, GST_CORE_ERROR_FAILED,
        "%" G_GUINT64_FORMAT " frames pushed, %" G_GUINT64_FORMAT " reached the sink",
        c->pushed, rendered);
    return FALSE;
  }
  if (c->dec) {
    guint64 dropped = 0;
    g_object_get (c->dec, "stats", &stats, NULL);
    gst_structure_get_uint64 (stats, "dropped", &dropped);
    gst_structure_free (stats);
    if (dropped) {
      g_set_error (error, GST_CORE_ERROR, GST_CORE_ERROR_FAILED,
          "e2eedec dropped %" G_GUINT64_FORMAT " frames", dropped);
      return FALSE;
    }
  }
  if (!gst_buffer_is_writable (c->buf)) {
    g_set_error (error, GST_CORE_ERROR, GST_CORE_ERROR_FAILED,
        "an element kept a reference on the input frame");
    return FALSE;
  }

  /* What the sink must get: the buffer as the next push sends it. */
  BENCH_CHECK (gst_buffer_map (c->buf, &map, GST_MAP_READ));
  expect = g_memdup2 (map.data, map.size);
  c->expect_size = map.size;
  gst_buffer_unmap (c->buf, &map);
  if (c->rtp)
    rtp_number (expect, c->seq + 1, c->rtp_ts + RTP_TS_STEP);
  c->expect = expect;
  c->seen = c->seen_ok = FALSE;

  pad = gst_element_get_static_pad (c->sink, "sink");
  probe = gst_pad_add_probe (pad, GST_PAD_PROBE_TYPE_BUFFER, check_probe, c, NULL);
  ok = push_one (c);
  gst_pad_remove_probe (pad, probe);
  gst_object_unref (pad);
  g_free (expect);
  c->expect = NULL;
  if (!ok || !c->seen || !c->seen_ok) {
    g_set_error (error, GST_CORE_ERROR, GST_CORE_ERROR_FAILED,
        "the frame did not come out of the chain intact");
    return FALSE;
  }
  return TRUE;
}

/* The chain's first element made by @factory (no reference is added). */
GstElement *
chain_find (Chain * c, const gchar * factory)
{
  GstElement *found = NULL;
  GstIterator *it = gst_bin_iterate_elements (GST_BIN (c->pipeline));
  GValue v = G_VALUE_INIT;

  while (found == NULL && gst_iterator_next (it, &v) == GST_ITERATOR_OK) {
    GstElement *e = g_value_get_object (&v);
    GstElementFactory *f = gst_element_get_factory (e);
    if (f && g_str_equal (GST_OBJECT_NAME (f), factory))
      found = e;
    g_value_reset (&v);
  }
  g_value_unset (&v);
  gst_iterator_free (it);
  return found;
}

void
chain_free (Chain * c)
{
  gst_pad_push_event (c->srcpad, gst_event_new_eos ());
  gst_element_set_state (c->pipeline, GST_STATE_NULL);
  gst_pad_set_active (c->srcpad, FALSE);
  gst_object_unref (c->srcpad);
  gst_object_unref (c->pipeline);
  gst_buffer_unref (c->buf);
  if (c->srtp_key)
    gst_buffer_unref (c->srtp_key);
  if (c->allocator)
    gst_object_unref (c->allocator);
  g_free (c->frame);
  g_free (c);
}
