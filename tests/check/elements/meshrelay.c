/*
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Real pipelines through a key-less relay: sender -> relay -> receiver over UDP on
 * 127.0.0.1, with rtpbin (jitter buffer, RTCP) on both sides, for Opus, VP8, VP9 and
 * H.264 with the codec payloaders. Checks that every frame sent decodes, that the
 * relay's view holds no 16-byte window of any encrypted part of a plaintext frame,
 * that RTCP flows both ways through the relay, and that a key frame request (PLI)
 * from the receiver reaches the sender's encoder.
 */
#include <gst/check/gstcheck.h>
#include <gst/video/video.h>
#include <gio/gio.h>
#include <glib/gstdio.h>
#include <string.h>
#include <sys/socket.h>

#include "../hangguard.h"
#include "../e2eecheck.h"
#include "../skips.h"
/* The relay under test is the example's (examples/relay), compiled into this test
 * by tests/check/meson.build. */
#include "gste2eerelay.h"

#define KID (7 << 8)

static const guint8 base_key[32] = {
  0x10, 0x11, 0x12, 0x13, 0x14, 0x15, 0x16, 0x17, 0x18, 0x19, 0x1a, 0x1b, 0x1c,
  0x1d, 0x1e, 0x1f, 0x20, 0x21, 0x22, 0x23, 0x24, 0x25, 0x26, 0x27, 0x28, 0x29,
  0x2a, 0x2b, 0x2c, 0x2d, 0x2e, 0x2f
};

typedef enum
{ CLEAR_OPUS, CLEAR_VP8, CLEAR_VP9, CLEAR_H264 } ClearRule;

typedef struct
{
  const gchar *name;
  const gchar *source;          /* raw media, num-buffers of about 2 s */
  const gchar *encoder;
  const gchar *pay;
  const gchar *rtp_caps;
  const gchar *depay;
  const gchar *sframe_depay;
  const gchar *decoder;
  gboolean video;
  ClearRule clear;
} MeshCodec;

static const MeshCodec mesh_codecs[] = {
  {"opus", "audiotestsrc is-live=true num-buffers=100 samplesperbuffer=960 "
        "! audio/x-raw,rate=48000,channels=1", "opusenc frame-size=20",
        "rtpopuspay", "application/x-rtp,media=audio,clock-rate=48000,"
        "encoding-name=OPUS,payload=111", "rtpopusdepay",
        "rtpsframedepay ! application/x-sframe,original-media-type=audio/x-opus",
      "opusdec", FALSE, CLEAR_OPUS},
  {"vp8", "videotestsrc is-live=true num-buffers=30 pattern=ball ! "
        "video/x-raw,width=160,height=120,framerate=15/1",
        "vp8enc deadline=1 keyframe-max-dist=1000",
        "rtpvp8sframepay picture-id-mode=15-bit",
        "application/x-rtp,media=video,clock-rate=90000,encoding-name=VP8,"
        "payload=96,rtcp-fb-nack-pli=(boolean)true", "rtpvp8depay",
        "rtpsframedepay ! application/x-sframe,original-media-type=video/x-vp8",
      "vp8dec", TRUE, CLEAR_VP8},
  {"vp9", "videotestsrc is-live=true num-buffers=30 pattern=ball ! "
        "video/x-raw,width=160,height=120,framerate=15/1",
        "vp9enc deadline=1 cpu-used=8 lag-in-frames=0 keyframe-max-dist=1000",
        "rtpvp9pay", "application/x-rtp,media=video,clock-rate=90000,"
        "encoding-name=VP9,payload=96,rtcp-fb-nack-pli=(boolean)true", "rtpvp9depay",
        "rtpsframedepay ! application/x-sframe,original-media-type=video/x-vp9",
      "vp9dec", TRUE, CLEAR_VP9},
  {"h264", "videotestsrc is-live=true num-buffers=30 pattern=ball ! "
        "video/x-raw,width=160,height=120,framerate=15/1",
        "x264enc tune=zerolatency speed-preset=ultrafast key-int-max=1000 ! "
        "video/x-h264,stream-format=byte-stream,alignment=au,"
        "profile=constrained-baseline", "rtph264pay",
        "application/x-rtp,media=video,clock-rate=90000,encoding-name=H264,"
        "payload=96,rtcp-fb-nack-pli=(boolean)true",
        "rtph264depay ! video/x-h264,stream-format=byte-stream,alignment=au",
        "rtpsframedepay ! application/x-sframe,original-media-type=video/x-h264,"
        "stream-format=byte-stream,alignment=au",
      "h264parse ! avdec_h264 max-threads=1", TRUE, CLEAR_H264},
};

/* Debian 12's valgrind cannot run gst-libav on a CPU that hides RDTSCP, so the
 * valgrind test setup gives another H.264 decoder (a launch fragment that takes
 * what rtph264depay gives) in GST_E2EE_H264_DECODER (see tests/meson.build). */
static const gchar *
h264_decoder_override (void)
{
  const gchar *name = g_getenv ("GST_E2EE_H264_DECODER");

  return name && *name ? name : NULL;
}

static gchar *
decoder_desc (const MeshCodec * c)
{
  if (c->clear == CLEAR_H264 && h264_decoder_override ())
    return g_strdup (h264_decoder_override ());
  return g_strdup (c->decoder);
}

typedef struct
{
  const MeshCodec *codec;
  gboolean codec_layout;
  GMainLoop *loop;
  GMutex lock;
  GPtrArray *plaintext;         /* GBytes: encoder output */
  gint sent, received, decrypted, decoded;
  gboolean sender_eos;
  gboolean pli_sent;
  gint force_key_units;         /* seen at the sender's encoder */
  gint key_frames_after_pli;
  gboolean sender_got_rtcp, receiver_got_rtcp;
  GstElement *sender, *receiver;
  GstElement *receiver_sink;
  GstElement *decryptor;
  gchar *error;
} Mesh;

static GstPadProbeReturn
plaintext_probe (GstPad * pad, GstPadProbeInfo * info, gpointer data)
{
  Mesh *m = data;

  if (info->type & GST_PAD_PROBE_TYPE_BUFFER) {
    GstBuffer *buf = GST_PAD_PROBE_INFO_BUFFER (info);
    GstMapInfo map;

    gst_buffer_map (buf, &map, GST_MAP_READ);
    g_mutex_lock (&m->lock);
    g_ptr_array_add (m->plaintext, g_bytes_new (map.data, map.size));
    if (m->force_key_units > 0
        && !GST_BUFFER_FLAG_IS_SET (buf, GST_BUFFER_FLAG_DELTA_UNIT))
      m->key_frames_after_pli++;
    g_mutex_unlock (&m->lock);
    gst_buffer_unmap (buf, &map);
  } else if (info->type & GST_PAD_PROBE_TYPE_EVENT_DOWNSTREAM) {
    if (GST_EVENT_TYPE (GST_PAD_PROBE_INFO_EVENT (info)) == GST_EVENT_EOS)
      g_atomic_int_set (&m->sender_eos, TRUE);
  } else if (info->type & GST_PAD_PROBE_TYPE_EVENT_UPSTREAM) {
    if (gst_video_event_is_force_key_unit (GST_PAD_PROBE_INFO_EVENT (info))) {
      g_mutex_lock (&m->lock);
      m->force_key_units++;
      g_mutex_unlock (&m->lock);
    }
  }
  return GST_PAD_PROBE_OK;
}

static GstPadProbeReturn
count_probe (GstPad * pad, GstPadProbeInfo * info, gpointer counter)
{
  g_atomic_int_inc ((gint *) counter);
  return GST_PAD_PROBE_OK;
}

static void
probe_count (GstElement * e, const gchar * pad_name, gint * counter)
{
  GstPad *pad = gst_element_get_static_pad (e, pad_name);

  fail_unless (pad != NULL);
  gst_pad_add_probe (pad, GST_PAD_PROBE_TYPE_BUFFER, count_probe, counter, NULL);
  gst_object_unref (pad);
}

static void
on_pad_added (GstElement * rtpbin, GstPad * pad, Mesh * m)
{
  gchar *name = gst_pad_get_name (pad);
  gboolean rtp = g_str_has_prefix (name, "recv_rtp_src_");
  gchar *desc, *decoder;
  GstElement *bin, *e;
  GstPad *sink;
  GError *error = NULL;

  g_free (name);
  if (!rtp)
    return;

  decoder = decoder_desc (m->codec);
  desc = g_strdup_printf ("%s ! e2eedec name=dec ! %s name=decoder ! "
      "fakesink name=sink sync=false async=false",
      m->codec_layout ? m->codec->depay : m->codec->sframe_depay, decoder);
  g_free (decoder);
  bin = gst_parse_bin_from_description (desc, TRUE, &error);
  g_free (desc);
  fail_unless (bin != NULL, "%s", error ? error->message : "");

  e = gst_bin_get_by_name (GST_BIN (bin), "dec");
  if (g_object_class_find_property (G_OBJECT_GET_CLASS (e), "layout"))
    gst_util_set_object_arg (G_OBJECT (e), "layout",
        m->codec_layout ? "codec" : "frame");
  {
    GstBuffer *key = gst_buffer_new_memdup (base_key, sizeof (base_key));

    g_object_set (e, "key-id", (guint64) KID, "key", key, NULL);
    gst_buffer_unref (key);
  }
  probe_count (e, "sink", &m->received);
  probe_count (e, "src", &m->decrypted);
  g_mutex_lock (&m->lock);
  m->decryptor = e;
  g_mutex_unlock (&m->lock);
  e = gst_bin_get_by_name (GST_BIN (bin), "decoder");
  probe_count (e, "src", &m->decoded);
  gst_object_unref (e);
  g_mutex_lock (&m->lock);
  m->receiver_sink = gst_bin_get_by_name (GST_BIN (bin), "sink");
  g_mutex_unlock (&m->lock);

  gst_bin_add (GST_BIN (m->receiver), bin);
  gst_element_sync_state_with_parent (bin);
  sink = gst_element_get_static_pad (bin, "sink");
  fail_unless_equals_int (gst_pad_link (pad, sink), GST_PAD_LINK_OK);
  gst_object_unref (sink);
}

static void
// NOLINTNEXTLINE(readability-non-const-parameter): g_atomic_int_set writes it (via a cast)
on_sdes (GstElement * rtpbin, guint session, guint ssrc, gboolean * flag)
{
  /* An SDES from the other side: its RTCP came through the relay. */
  g_atomic_int_set (flag, TRUE);
}

static gboolean
on_bus (GstBus * bus, GstMessage * msg, gpointer data)
{
  Mesh *m = data;

  if (GST_MESSAGE_TYPE (msg) == GST_MESSAGE_ERROR) {
    GError *err;

    gst_message_parse_error (msg, &err, NULL);
    g_mutex_lock (&m->lock);
    if (!m->error)
      m->error = g_strdup_printf ("%s: %s", GST_OBJECT_NAME (msg->src),
          err->message);
    g_mutex_unlock (&m->lock);
    g_error_free (err);
    g_main_loop_quit (m->loop);
  }
  return G_SOURCE_CONTINUE;
}

static gboolean
tick (gpointer data)
{
  Mesh *m = data;
  static gint ticks;
  gint decoded = g_atomic_int_get (&m->decoded);
  GstElement *sink = NULL;

  /* Ask for a key frame, as a receiver that lost one would, once decoding runs.
   * rtpsession turns it into a PLI because the RTP caps say the sender takes them
   * (rtcp-fb-nack-pli, SDP a=rtcp-fb:96 nack pli). */
  g_mutex_lock (&m->lock);
  if (m->codec->video && !m->pli_sent && decoded >= 5 && m->receiver_sink) {
    m->pli_sent = TRUE;
    sink = gst_object_ref (m->receiver_sink);
  }
  g_mutex_unlock (&m->lock);
  if (sink) {
    /* The return value says nothing about the PLI (rtpsession takes the event
     * and returns FALSE); the sender's encoder seeing the request is the check. */
    gst_element_send_event (sink,
        gst_video_event_new_upstream_force_key_unit (GST_CLOCK_TIME_NONE, TRUE,
            1));
    gst_object_unref (sink);
  }

  /* Done when everything sent was decoded (the guard below only stops a broken
   * run from hanging; the test then fails on the counts). */
  if ((g_atomic_int_get (&m->sender_eos)
          && decoded >= g_atomic_int_get (&m->sent))
      || ++ticks > (gint) (hang_guard (15) / (50 * GST_MSECOND))) {
    ticks = 0;
    g_main_loop_quit (m->loop);
    return G_SOURCE_REMOVE;
  }
  return G_SOURCE_CONTINUE;
}

static GSocket *
bind_socket (guint16 * port)
{
  GSocket *s = g_socket_new (G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_DATAGRAM,
      G_SOCKET_PROTOCOL_UDP, NULL);
  GInetAddress *lo = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
  GSocketAddress *addr = g_inet_socket_address_new (lo, 0), *bound;

  fail_unless (s != NULL);
  g_socket_set_option (s, SOL_SOCKET, SO_RCVBUF, 4 * 1024 * 1024, NULL);
  fail_unless (g_socket_bind (s, addr, FALSE, NULL));
  bound = g_socket_get_local_address (s, NULL);
  *port = g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (bound));
  g_object_unref (bound);
  g_object_unref (addr);
  g_object_unref (lo);
  return s;
}

static GstElement *
child (GstElement * bin, const gchar * name)
{
  GstElement *e = gst_bin_get_by_name (GST_BIN (bin), name);

  fail_unless (e != NULL, "no %s", name);
  return e;
}

/* Windows that lie in what the layout encrypts. The clear parts skipped are upper
 * bounds from docs/layout.md, so no encrypted byte escapes the scan unduly: VP8 10
 * bytes, VP9 14, Opus 1, H.264 whole parameter sets and framing NAL units, and
 * 32 bytes of every other NAL unit (header and slice fields take at most 28). */
static void
add_encrypted_windows (Mesh * m, GHashTable * set, GBytes * frame)
{
  gsize size;
  const guint8 *d = g_bytes_get_data (frame, &size);
  gsize i, nal_start = 0;
  gboolean in_nal = FALSE;

  if (!m->codec_layout) {
    add_windows (set, d, 0, size);
    return;
  }
  switch (m->codec->clear) {
    case CLEAR_OPUS:
      add_windows (set, d, 1, size);
      return;
    case CLEAR_VP8:
      add_windows (set, d, 10, size);
      return;
    case CLEAR_VP9:
      add_windows (set, d, 14, size);
      return;
    case CLEAR_H264:
      break;
  }

  for (i = 0; i + 3 <= size + 3; i++) {
    gboolean start_code = i + 3 <= size && d[i] == 0 && d[i + 1] == 0
        && d[i + 2] == 1;

    if (start_code || i == size) {
      if (in_nal) {
        gsize end = i;
        guint type = d[nal_start] & 0x1f;

        while (end > nal_start && d[end - 1] == 0)
          end--;
        if (!(type == 7 || type == 8 || type == 13 || type == 15 || type == 9
                || type == 10 || type == 11))
          add_windows (set, d, nal_start + 32, end);
      }
      if (i == size)
        break;
      in_nal = TRUE;
      nal_start = i + 3;
      i += 2;
    }
  }
}

static void
scan_dump (Mesh * m, const gchar * path)
{
  GHashTable *set = window_set_new ();
  gchar *dump;
  gsize size, off = 0, packets = 0, hits = 0;
  guint i;

  for (i = 0; i < m->plaintext->len; i++)
    add_encrypted_windows (m, set, g_ptr_array_index (m->plaintext, i));
  fail_unless (g_hash_table_size (set) > 1000, "too little plaintext: %u windows",
      g_hash_table_size (set));

  fail_unless (g_file_get_contents (path, &dump, &size, NULL));
  while (off + 4 <= size) {
    guint32 len = GST_READ_UINT32_BE (dump + off);
    gsize j;

    off += 4;
    fail_unless (off + len <= size);
    for (j = 0; j + WINDOW <= len; j++)
      if (g_hash_table_contains (set, dump + off + j))
        hits++;
    off += len;
    packets++;
  }
  fail_unless_equals_int (off, size);
  GST_INFO ("%s: scanned %" G_GSIZE_FORMAT " packets against %u windows",
      m->codec->name, packets, g_hash_table_size (set));
  fail_unless (packets > 10);
  fail_unless_equals_int (hits, 0);
  g_free (dump);
  g_hash_table_unref (set);
}

static void
run_mesh (const MeshCodec * codec)
{
  Mesh m = { 0 };
  GstE2eeRelay *relay;
  GSocket *sender_rtcp, *receiver_rtp, *receiver_rtcp;
  guint16 port;
  gchar *desc, *dump_path;
  GstElement *e, *enc;
  GstPad *pad;
  GstE2eeRelayStats st;
  GstBuffer *key;
  GError *error = NULL;
  gint fd;
  gboolean has_layout;

  e = gst_element_factory_make ("e2eeenc", NULL);
  fail_unless (e != NULL);
  has_layout = g_object_class_find_property (G_OBJECT_GET_CLASS (e), "layout")
      != NULL;
  gst_object_unref (e);

  m.codec = codec;
  m.codec_layout = has_layout;
  m.loop = g_main_loop_new (NULL, FALSE);
  m.plaintext = g_ptr_array_new_with_free_func ((GDestroyNotify) g_bytes_unref);
  g_mutex_init (&m.lock);

  /* Participant 0 sends, participant 1 receives; channel 0 RTP, 1 RTCP. */
  relay = gst_e2ee_relay_new (2, 2, 0, &error);
  fail_unless (relay != NULL, "%s", error ? error->message : "");
  sender_rtcp = bind_socket (&port);
  gst_e2ee_relay_set_destination (relay, 0, 1, port);
  receiver_rtp = bind_socket (&port);
  gst_e2ee_relay_set_destination (relay, 1, 0, port);
  receiver_rtcp = bind_socket (&port);
  gst_e2ee_relay_set_destination (relay, 1, 1, port);
  fd = g_file_open_tmp ("meshrelay-XXXXXX.bin", &dump_path, NULL);
  fail_unless (fd >= 0);
  close (fd);
  fail_unless (gst_e2ee_relay_start (relay, dump_path, NULL));

  desc = g_strdup_printf ("rtpbin name=rtpbin rtp-profile=avpf "
      "%s ! %s ! identity name=plain ! e2eeenc name=enc %s ! %s pt=%d mtu=1200 ! "
      "rtpbin.send_rtp_sink_0 "
      "rtpbin.send_rtp_src_0 ! udpsink name=rtp_out host=127.0.0.1 "
      "rtpbin.send_rtcp_src_0 ! udpsink name=rtcp_out host=127.0.0.1 sync=false "
      "async=false "
      "udpsrc name=rtcp_in close-socket=false caps=application/x-rtcp ! "
      "rtpbin.recv_rtcp_sink_0",
      codec->source, codec->encoder, has_layout ? "layout=auto" : "",
      has_layout ? codec->pay : "rtpsframepay", codec->video ? 96 : 111);
  m.sender = gst_parse_launch (desc, &error);
  g_free (desc);
  fail_unless (m.sender != NULL && error == NULL, "%s",
      error ? error->message : "");

  desc = g_strdup_printf ("rtpbin name=rtpbin rtp-profile=avpf latency=200 "
      "udpsrc name=rtp_in close-socket=false caps=\"%s\" ! rtpbin.recv_rtp_sink_0 "
      "udpsrc name=rtcp_in close-socket=false caps=application/x-rtcp ! "
      "rtpbin.recv_rtcp_sink_0 "
      "rtpbin.send_rtcp_src_0 ! udpsink name=rtcp_out host=127.0.0.1 sync=false "
      "async=false", codec->rtp_caps);
  m.receiver = gst_parse_launch (desc, &error);
  g_free (desc);
  fail_unless (m.receiver != NULL && error == NULL, "%s",
      error ? error->message : "");

  /* Wiring to the relay. */
  e = child (m.sender, "rtp_out");
  g_object_set (e, "port", (gint) gst_e2ee_relay_get_port (relay, 0, 0), NULL);
  gst_object_unref (e);
  e = child (m.sender, "rtcp_out");
  g_object_set (e, "port", (gint) gst_e2ee_relay_get_port (relay, 0, 1), NULL);
  gst_object_unref (e);
  e = child (m.sender, "rtcp_in");
  g_object_set (e, "socket", sender_rtcp, NULL);
  gst_object_unref (e);
  e = child (m.receiver, "rtcp_out");
  g_object_set (e, "port", (gint) gst_e2ee_relay_get_port (relay, 1, 1), NULL);
  gst_object_unref (e);
  e = child (m.receiver, "rtp_in");
  g_object_set (e, "socket", receiver_rtp, NULL);
  gst_object_unref (e);
  e = child (m.receiver, "rtcp_in");
  g_object_set (e, "socket", receiver_rtcp, NULL);
  gst_object_unref (e);

  enc = child (m.sender, "enc");
  key = gst_buffer_new_memdup (base_key, sizeof (base_key));
  g_object_set (enc, "key-id", (guint64) KID, "key", key, NULL);
  gst_buffer_unref (key);
  probe_count (enc, "src", &m.sent);
  gst_object_unref (enc);

  /* The encoder's output: plaintext frames, EOS, and key frame requests. */
  e = child (m.sender, "plain");
  pad = gst_element_get_static_pad (e, "sink");
  gst_pad_add_probe (pad,
      GST_PAD_PROBE_TYPE_BUFFER | GST_PAD_PROBE_TYPE_EVENT_DOWNSTREAM,
      plaintext_probe, &m, NULL);
  gst_object_unref (pad);
  pad = gst_element_get_static_pad (e, "src");
  gst_pad_add_probe (pad, GST_PAD_PROBE_TYPE_EVENT_UPSTREAM, plaintext_probe,
      &m, NULL);
  gst_object_unref (pad);
  gst_object_unref (e);

  e = child (m.receiver, "rtpbin");
  g_signal_connect (e, "pad-added", G_CALLBACK (on_pad_added), &m);
  g_signal_connect (e, "on-ssrc-sdes", G_CALLBACK (on_sdes),
      &m.receiver_got_rtcp);
  gst_object_unref (e);
  e = child (m.sender, "rtpbin");
  g_signal_connect (e, "on-ssrc-sdes", G_CALLBACK (on_sdes), &m.sender_got_rtcp);
  gst_object_unref (e);

  gst_bus_add_watch (GST_ELEMENT_BUS (m.sender), on_bus, &m);
  gst_bus_add_watch (GST_ELEMENT_BUS (m.receiver), on_bus, &m);
  fail_if (gst_element_set_state (m.receiver, GST_STATE_PLAYING) ==
      GST_STATE_CHANGE_FAILURE);
  fail_if (gst_element_set_state (m.sender, GST_STATE_PLAYING) ==
      GST_STATE_CHANGE_FAILURE);
  g_timeout_add (50, tick, &m);
  g_main_loop_run (m.loop);

  gst_element_set_state (m.sender, GST_STATE_NULL);
  gst_element_set_state (m.receiver, GST_STATE_NULL);
  gst_e2ee_relay_stop (relay);

  fail_unless (m.error == NULL, "%s: %s", codec->name, m.error);
  GST_INFO ("%s (%s layout): sent %d, received %d, decrypted %d, decoded %d, "
      "force-key-unit %d, key frames after %d", codec->name,
      m.codec_layout ? "codec" : "frame", m.sent, m.received, m.decrypted,
      m.decoded, m.force_key_units, m.key_frames_after_pli);

  /* Every frame sent was received, authenticated and decoded. */
  fail_unless (m.sent > 20);
  fail_unless_equals_int (m.received, m.sent);
  fail_unless_equals_int (m.decrypted, m.sent);
  fail_unless_equals_int (m.decoded, m.sent);
  fail_unless_equals_int (m.plaintext->len, m.sent);

  /* RTCP both ways through the relay. */
  gst_e2ee_relay_get_stats (relay, 0, 1, &st);
  fail_unless (st.packets_in > 0 && st.packets_out == st.packets_in);
  gst_e2ee_relay_get_stats (relay, 1, 1, &st);
  fail_unless (st.packets_in > 0 && st.packets_out == st.packets_in);
  fail_unless (m.receiver_got_rtcp, "no RTCP from the sender reached the receiver");
  fail_unless (m.sender_got_rtcp, "no RTCP from the receiver reached the sender");

  /* The receiver's key frame request came back to the encoder as a PLI, and the
   * encoder made a key frame. */
  if (codec->video) {
    fail_unless (m.pli_sent);
    fail_unless (m.force_key_units > 0, "no force-key-unit at the sender");
    fail_unless (m.key_frames_after_pli > 0);
  }

  scan_dump (&m, dump_path);

  g_unlink (dump_path);
  g_free (dump_path);
  gst_e2ee_relay_free (relay);
  g_object_unref (sender_rtcp);
  g_object_unref (receiver_rtp);
  g_object_unref (receiver_rtcp);
  gst_bus_remove_watch (GST_ELEMENT_BUS (m.sender));
  gst_bus_remove_watch (GST_ELEMENT_BUS (m.receiver));
  if (m.receiver_sink)
    gst_object_unref (m.receiver_sink);
  if (m.decryptor)
    gst_object_unref (m.decryptor);
  gst_object_unref (m.sender);
  gst_object_unref (m.receiver);
  g_ptr_array_unref (m.plaintext);
  g_main_loop_unref (m.loop);
  g_mutex_clear (&m.lock);
  g_free (m.error);
}

static gboolean have_mesh_elements (void);

GST_START_TEST (test_mesh_relay)
{
  if (!have_mesh_elements ())
    return;
  run_mesh (&mesh_codecs[__i__]);
}

GST_END_TEST;

/* What a mesh needs. An overriding H.264 decoder (the valgrind setup's) is not
 * checked: one that is missing fails the pipeline's creation. */
static gboolean
have_mesh_elements (void)
{
  return have_elements ("rtpbin udpsrc udpsink opusenc opusdec vp8enc vp8dec vp9enc "
      "vp9dec x264enc rtpvp9pay rtph264pay rtpopuspay rtpvp8sframepay e2eeenc") &&
      (h264_decoder_override () != NULL || have_elements ("avdec_h264"));
}

static Suite *
meshrelay_suite (void)
{
  Suite *s = suite_create ("meshrelay");
  TCase *tc = tcase_create ("general");

  suite_add_tcase (s, tc);
  tcase_set_timeout (tc, 120);
  tcase_add_loop_test (tc, test_mesh_relay, 0, G_N_ELEMENTS (mesh_codecs));
  return s;
}

GST_CHECK_MAIN_WITH_SKIPS (meshrelay);
