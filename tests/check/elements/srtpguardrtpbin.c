/* gst-e2ee: srtpguard in rtpbin's encoder and decoder hooks
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Two rtpbins in one pipeline: the sender's request-rtp-encoder and
 * request-rtcp-encoder signals return one srtpguard mode=protect (or one srtpenc),
 * which rtpbin links through the request pads rtp_sink_%u / rtcp_sink_%u; the
 * receiver's request-rtp-decoder and request-rtcp-decoder return one srtpguard.
 * Every RTP packet the payloader sends must come out of the receiving rtpbin,
 * byte for byte, with the connection status green.
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <string.h>
#include <gst/check/gstcheck.h>
#include <gst/rtp/rtp.h>
#include <gst/e2ee/e2ee.h>
#include "../hangguard.h"
#include "../skips.h"

#define SSRC 0x11223344u
#define N_PACKETS 40
#define SESSION 0

typedef struct {
  GMutex lock;
  GPtrArray *sent;              /* GBytes: RTP payloads as the payloader sent them */
  GPtrArray *received;          /* GBytes: as they left the receiving rtpbin */
  GstElement *encoder;          /* the sender's, returned for RTP and RTCP */
  GstElement *decoder;
  const gchar *encoder_factory;
  guint encoder_requests, decoder_requests;
  GstElement *sink;
} Pair;

static GstBuffer *
make_key (void)
{
  guint8 d[30];
  guint i;

  for (i = 0; i < sizeof (d); i++)
    d[i] = (guint8) (i * 7 + 3);
  return gst_buffer_new_memdup (d, sizeof (d));
}

/* rtpbin adds the element to itself on the first request (taking the floating
 * reference) and unrefs it once per request: the same element again for the other
 * signal comes with a reference of its own. rtpbin
 * then links rtp_sink_N → rtp_src_N (rtcp_sink_N → rtcp_src_N) of session N, which
 * the handler requests, as applications do of srtpenc. */
static GstElement *
request_encoder (GstElement * rtpbin, guint session, Pair * p, gboolean rtcp)
{
  gchar *name = rtcp ? g_strdup_printf ("rtcp_sink_%u", session) :
      g_strdup_printf ("rtp_sink_%u", session);
  gboolean created = p->encoder == NULL;
  GstPad *pad;

  fail_unless_equals_int (session, SESSION);
  p->encoder_requests++;
  if (p->encoder == NULL) {
    GstBuffer *key = make_key ();

    p->encoder = gst_element_factory_make (p->encoder_factory, NULL);
    fail_unless (p->encoder != NULL);
    if (g_str_equal (p->encoder_factory, "srtpguard"))
      g_object_set (p->encoder, "mode", 1 /* protect */ , NULL);
    g_object_set (p->encoder, "key", key, NULL);
    gst_buffer_unref (key);
  }
  pad = gst_element_request_pad_simple (p->encoder, name);
  fail_unless (pad != NULL, "%s has no %s", p->encoder_factory, name);
  gst_object_unref (pad);
  g_free (name);
  return created ? p->encoder : gst_object_ref (p->encoder);
}

static GstElement *
request_rtp_encoder (GstElement * rtpbin, guint session, Pair * p)
{
  return request_encoder (rtpbin, session, p, FALSE);
}

static GstElement *
request_rtcp_encoder (GstElement * rtpbin, guint session, Pair * p)
{
  return request_encoder (rtpbin, session, p, TRUE);
}

static GstElement *
request_decoder (GstElement * rtpbin, guint session, Pair * p)
{
  GstBuffer *key;

  fail_unless_equals_int (session, SESSION);
  p->decoder_requests++;
  if (p->decoder)
    return gst_object_ref (p->decoder);
  key = make_key ();
  p->decoder = gst_element_factory_make ("srtpguard", "guard_rx");
  g_object_set (p->decoder, "key", key, "signaling-encrypted", TRUE,
      "tls-certificate-valid", TRUE, NULL);
  gst_buffer_unref (key);
  return p->decoder;
}

static void
record (Pair * p, GPtrArray * where, GstBuffer * buf)
{
  GstRTPBuffer rtp = GST_RTP_BUFFER_INIT;

  fail_unless (gst_rtp_buffer_map (buf, GST_MAP_READ, &rtp));
  g_mutex_lock (&p->lock);
  /* the sequence number first, so that the comparison is per packet */
  {
    gsize n = gst_rtp_buffer_get_payload_len (&rtp);
    guint8 *d = g_malloc (n + 2);

    GST_WRITE_UINT16_BE (d, gst_rtp_buffer_get_seq (&rtp));
    memcpy (d + 2, gst_rtp_buffer_get_payload (&rtp), n);
    g_ptr_array_add (where, g_bytes_new_take (d, n + 2));
  }
  g_mutex_unlock (&p->lock);
  gst_rtp_buffer_unmap (&rtp);
}

static GstPadProbeReturn
sent_probe (GstPad * pad, GstPadProbeInfo * info, Pair * p)
{
  record (p, p->sent, GST_PAD_PROBE_INFO_BUFFER (info));
  return GST_PAD_PROBE_OK;
}

static GstPadProbeReturn
received_probe (GstPad * pad, GstPadProbeInfo * info, Pair * p)
{
  record (p, p->received, GST_PAD_PROBE_INFO_BUFFER (info));
  return GST_PAD_PROBE_OK;
}

static void
rx_pad_added (GstElement * rtpbin, GstPad * pad, Pair * p)
{
  GstPad *sinkpad;

  if (!g_str_has_prefix (GST_PAD_NAME (pad), "recv_rtp_src_"))
    return;
  gst_pad_add_probe (pad, GST_PAD_PROBE_TYPE_BUFFER,
      (GstPadProbeCallback) received_probe, p, NULL);
  sinkpad = gst_element_get_static_pad (p->sink, "sink");
  fail_unless_equals_int (gst_pad_link (pad, sinkpad), GST_PAD_LINK_OK);
  gst_object_unref (sinkpad);
}

static guint64
stats_uint64 (GstElement * guard, const gchar * field)
{
  GstStructure *s;
  guint64 v = 0;

  g_object_get (guard, "stats", &s, NULL);
  fail_unless (gst_structure_get_uint64 (s, field, &v), "no %s in stats", field);
  gst_structure_free (s);
  return v;
}

static void
run_pair (const gchar * encoder_factory)
{
  Pair p = { 0 };
  GstElement *pipeline, *tx, *rx, *src;
  GstPad *pay_src;
  GstBus *bus;
  GstMessage *msg;
  GstStructure *status;
  gint level = GST_E2EE_ENCRYPTION_LEVEL_UNENCRYPTED;
  gchar *desc;
  guint i;
  gint64 deadline;

  g_mutex_init (&p.lock);
  p.sent = g_ptr_array_new_with_free_func ((GDestroyNotify) g_bytes_unref);
  p.received = g_ptr_array_new_with_free_func ((GDestroyNotify) g_bytes_unref);
  p.encoder_factory = encoder_factory;

  pipeline = gst_pipeline_new (NULL);
  tx = gst_element_factory_make ("rtpbin", "tx");
  rx = gst_element_factory_make ("rtpbin", "rx");
  g_signal_connect (tx, "request-rtp-encoder", G_CALLBACK (request_rtp_encoder), &p);
  g_signal_connect (tx, "request-rtcp-encoder", G_CALLBACK (request_rtcp_encoder), &p);
  g_signal_connect (rx, "request-rtp-decoder", G_CALLBACK (request_decoder), &p);
  g_signal_connect (rx, "request-rtcp-decoder", G_CALLBACK (request_decoder), &p);
  g_signal_connect (rx, "pad-added", G_CALLBACK (rx_pad_added), &p);
  desc = g_strdup_printf ("audiotestsrc num-buffers=%d samplesperbuffer=160 ! "
      "audio/x-raw,rate=8000,channels=1 ! alawenc ! rtppcmapay name=pay ssrc=%u",
      N_PACKETS, SSRC);
  src = gst_parse_bin_from_description (desc, TRUE, NULL);
  g_free (desc);
  fail_unless (src != NULL);
  p.sink = gst_element_factory_make ("fakesink", NULL);
  g_object_set (p.sink, "sync", FALSE, "async", FALSE, NULL);
  gst_bin_add_many (GST_BIN (pipeline), src, tx, rx, p.sink, NULL);

  /* rtpbin asks for the encoder and decoders while these are linked */
  fail_unless (gst_element_link_pads (src, NULL, tx, "send_rtp_sink_0"));
  fail_unless (gst_element_link_pads (tx, "send_rtp_src_0", rx, "recv_rtp_sink_0"));
  fail_unless (gst_element_link_pads (tx, "send_rtcp_src_0", rx, "recv_rtcp_sink_0"));
  fail_unless (p.encoder != NULL && p.decoder != NULL);
  fail_unless_equals_int (p.encoder_requests, 2);
  fail_unless_equals_int (p.decoder_requests, 2);

  {
    GstElement *pay = gst_bin_get_by_name (GST_BIN (src), "pay");

    pay_src = gst_element_get_static_pad (pay, "src");
    gst_pad_add_probe (pay_src, GST_PAD_PROBE_TYPE_BUFFER,
        (GstPadProbeCallback) sent_probe, &p, NULL);
    gst_object_unref (pay);
  }

  fail_unless (gst_element_set_state (pipeline, GST_STATE_PLAYING) !=
      GST_STATE_CHANGE_FAILURE);
  bus = gst_element_get_bus (pipeline);
  msg = gst_bus_timed_pop_filtered (bus, hang_guard (30),
      GST_MESSAGE_EOS | GST_MESSAGE_ERROR | GST_MESSAGE_WARNING);
  fail_unless (msg != NULL, "no EOS within the hang guard");
  if (GST_MESSAGE_TYPE (msg) != GST_MESSAGE_EOS) {
    GError *err = NULL;
    gchar *dbg = NULL;

    if (GST_MESSAGE_TYPE (msg) == GST_MESSAGE_ERROR)
      gst_message_parse_error (msg, &err, &dbg);
    else
      gst_message_parse_warning (msg, &err, &dbg);
    fail ("%s from %s: %s (%s)", GST_MESSAGE_TYPE_NAME (msg),
        GST_OBJECT_NAME (GST_MESSAGE_SRC (msg)), err->message, dbg);
  }
  gst_message_unref (msg);

  /* every packet, in order, as sent */
  g_mutex_lock (&p.lock);
  fail_unless_equals_int (p.sent->len, N_PACKETS);
  fail_unless_equals_int (p.received->len, N_PACKETS);
  for (i = 0; i < N_PACKETS; i++)
    fail_unless (g_bytes_equal (g_ptr_array_index (p.sent, i),
            g_ptr_array_index (p.received, i)), "packet %u differs", i);
  g_mutex_unlock (&p.lock);

  fail_unless_equals_uint64 (stats_uint64 (p.decoder, "packets"), N_PACKETS);
  fail_unless_equals_uint64 (stats_uint64 (p.decoder, "dropped-authentication"), 0);
  if (g_str_equal (encoder_factory, "srtpguard"))
    fail_unless_equals_uint64 (stats_uint64 (p.encoder, "packets"), N_PACKETS);

  /* the sender's rtpsession says BYE at EOS: SRTCP through both hooks */
  deadline = g_get_monotonic_time () + hang_guard (10) / GST_USECOND;
  while (stats_uint64 (p.decoder, "rtcp-packets") == 0 &&
      g_get_monotonic_time () < deadline)
    g_usleep (10 * 1000);
  fail_unless (stats_uint64 (p.decoder, "rtcp-packets") > 0, "no SRTCP arrived");
  fail_unless_equals_uint64 (stats_uint64 (p.decoder, "dropped-authentication"), 0);

  g_object_get (p.decoder, "status", &status, NULL);
  fail_unless (gst_structure_get_enum (status, "level",
          GST_TYPE_E2EE_ENCRYPTION_LEVEL, &level));
  fail_unless_equals_int (level, GST_E2EE_ENCRYPTION_LEVEL_ENCRYPTED);
  fail_unless_equals_string (gst_structure_get_string (status, "indicator"),
      "green-shield");
  gst_structure_free (status);

  fail_unless_equals_int (gst_element_set_state (pipeline, GST_STATE_NULL),
      GST_STATE_CHANGE_SUCCESS);
  gst_object_unref (pay_src);
  gst_object_unref (bus);
  gst_object_unref (pipeline);
  g_ptr_array_unref (p.sent);
  g_ptr_array_unref (p.received);
  g_mutex_clear (&p.lock);
}

GST_START_TEST (test_guard_to_guard)
{
  if (!have_elements ("rtpbin alawenc rtppcmapay"))
    return;
  run_pair ("srtpguard");
}

GST_END_TEST;

GST_START_TEST (test_srtpenc_to_guard)
{
  if (!have_elements ("rtpbin alawenc rtppcmapay srtpenc"))
    return;
  run_pair ("srtpenc");
}

GST_END_TEST;

/* The request pads by themselves: rtp_sink_N brings rtp_src_N, released together */
GST_START_TEST (test_request_pads)
{
  GstElement *guard = gst_element_factory_make ("srtpguard", NULL);
  GstPad *sink, *rtcp_sink, *src, *again;

  sink = gst_element_request_pad_simple (guard, "rtp_sink_%u");
  fail_unless (sink != NULL);
  fail_unless_equals_string (GST_PAD_NAME (sink), "rtp_sink_0");
  src = gst_element_get_static_pad (guard, "rtp_src_0");
  fail_unless (src != NULL);
  rtcp_sink = gst_element_request_pad_simple (guard, "rtcp_sink_3");
  fail_unless_equals_string (GST_PAD_NAME (rtcp_sink), "rtcp_sink_3");
  gst_object_unref (gst_element_get_static_pad (guard, "rtcp_src_3"));
  again = gst_element_request_pad_simple (guard, "rtp_sink_%u");
  fail_unless_equals_string (GST_PAD_NAME (again), "rtp_sink_1");

  gst_element_release_request_pad (guard, sink);
  gst_object_unref (sink);
  fail_unless (gst_element_get_static_pad (guard, "rtp_src_0") == NULL);
  gst_object_unref (src);
  /* the always pads stay */
  gst_object_unref (gst_element_get_static_pad (guard, "rtp_sink"));
  gst_object_unref (gst_element_get_static_pad (guard, "rtcp_src"));
  gst_object_unref (rtcp_sink);
  gst_object_unref (again);
  gst_object_unref (guard);
}

GST_END_TEST;

static Suite *
srtpguardrtpbin_suite (void)
{
  Suite *s = suite_create ("srtpguardrtpbin");
  TCase *tc = tcase_create ("general");

  suite_add_tcase (s, tc);
  tcase_add_test (tc, test_request_pads);
  tcase_add_test (tc, test_guard_to_guard);
  tcase_add_test (tc, test_srtpenc_to_guard);
  return s;
}

GST_CHECK_MAIN_WITH_SKIPS (srtpguardrtpbin);
