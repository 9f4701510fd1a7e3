/*
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * gst-e2ee-soak: many senders through an impairing relay, keys changing all the
 * time, for a long time; then a short report and PASS/FAIL per criterion.
 *
 *   gst-e2ee-soak --senders 20 --seconds 600
 *
 * Each sender is a pipeline of its own (a participant): VP8 video and Opus audio,
 * each through e2eeenc in the codec layout (rtpvp8sframepay, rtpopuspay) and rtpbin,
 * to the key-less relay (examples/relay). The relay drops, reorders, duplicates and
 * corrupts RTP packets and reports what it did to which packet. One receiver
 * pipeline takes every stream through rtpbin, the depayloader, e2eedec and the
 * decoder. Every sender's e2eeenc changes keys every --rotate-ms of stream time
 * (rotation-interval): a new random key (rotation-mode=generate) handed to the
 * receiver's key store from key-generated, the previous one retired there with a
 * grace period, as a meeting's key distribution would; or a ratchet step the
 * receiver follows by itself (--rotation ratchet).
 *
 * soakledger.c follows every frame; docs/soak.md explains the report.
 */
#include "gste2eeexample.h"
#include "gste2eerelay.h"
#include "soakledger.h"

#include <gst/gst.h>
#include <gst/e2ee/e2ee.h>
#include <gio/gio.h>
#include <openssl/crypto.h>
#include <openssl/rand.h>
#include <malloc.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/resource.h>
#include <sys/socket.h>

#define CHANNELS 4              /* video RTP, video RTCP, audio RTP, audio RTCP */
#define KEY_SIZE 32
#define SUITE GST_E2EE_CIPHER_SUITE_AES_256_GCM_SHA512_128
#define GRACE (10 * GST_SECOND)

typedef struct
{
  gint senders, seconds, warmup, rotate_ms, key_delay_ms, fps, width, height;
  gint audio_ms, latency_ms, progress;
  gdouble rss_slope_limit;        /* kB per minute */
  gdouble drop, reorder, duplicate, corrupt;
  gint seed;
  gint impair_channels;
  gchar *rotation;
  gboolean ratchet;
  guint ratchet_bits;
  gboolean no_timing;
  gboolean no_pli;
  gboolean malloc_stats;
  gboolean no_decode;
  gboolean keep_feedback;
  gboolean slow;
  gint quiet_ticks;             /* the drain's "nothing moved", in 250 ms ticks */
} Options;

static Options opt = {
  /* 10 fps and 60 ms Opus frames, as the meeting example above 8 participants: a
   * shared two-core machine did not keep 20 senders at 15 fps and 20 ms. */
  .senders = 20,.seconds = 600,.warmup = -1,.rotate_ms = 2000,.fps = 10,
  .width = 160,.height = 120,.audio_ms = 60,.latency_ms = -1,.progress = 60,
  /* 256 kB per 30 minutes: under 4 MB over an 8-hour meeting day. */
  .rss_slope_limit = 256.0 / 30,.drop = 1,.reorder = 1,.duplicate = 1,.corrupt = 1,.seed = 1,
  .impair_channels = 5,
};

/* A stream's key, as the receiver's key distribution sees it. */
typedef struct
{
  SoakStream *stream;
  guint64 rx_kid;               /* the receiver's current key for the stream */
  gint rotations;               /* atomic */
} KeyFeed;

typedef struct
{
  GstElement *pipeline;
  GSocket *rtcp[2];             /* RTCP from the relay: video, audio */
} Sender;

typedef struct
{
  GstElement *pipeline;
  GstE2eeKeyStore *store;
  GSocket *sockets[CHANNELS];
  GMutex lock;
  GList *decryptors;            /* GstElement, qdata "soak-stream" */
  GList *jitterbuffers;
  gint unknown_streams;
} Receiver;

static SoakStream **streams;    /* 2 per sender: video, audio */
static KeyFeed *feeds;
static Sender *senders;
static Receiver receiver;
static GMainLoop *loop;
static gboolean failed;
static gint64 *rss_kb;          /* one sample a second */
static gint64 *heap_kb;         /* glibc's bytes in use, with each RSS sample */
static gint n_rss;
static gint64 rss_start_kb;
static gboolean receiver_eos;
static gint senders_finished;   /* RTP flows whose EOS reached the sender's udpsink */
static gint64 drain_ms;

static guint64
first_kid (guint stream)
{
  /* Each stream's generations start at (stream + 1) << 20, so 2^20 generated keys
   * or ratchet steps never reach another stream's KIDs. */
  return ((guint64) (stream + 1) << 20) << opt.ratchet_bits;
}

static gint64
read_rss_kb (void)
{
  gchar *text = NULL;
  gint64 pages = 0;

  if (g_file_get_contents ("/proc/self/statm", &text, NULL, NULL)) {
    gchar **f = g_strsplit (text, " ", 3);

    if (f[0] && f[1])
      pages = g_ascii_strtoll (f[1], NULL, 10);
    g_strfreev (f);
  }
  g_free (text);
  return pages * (sysconf (_SC_PAGESIZE) / 1024);
}

/* What the program's malloc() calls hold (every arena, mmapped blocks included):
 * growth here is live memory; RSS growing while this stays flat is the allocator. */
static gint64
read_heap_kb (void)
{
  struct mallinfo2 mi = mallinfo2 ();

  return (gint64) ((mi.uordblks + mi.hblkhd) / 1024);
}

/* ---- Key distribution ---- */

typedef struct
{
  KeyFeed *feed;
  guint64 kid;
  guint8 key[64];
  gsize size;
} PendingKey;

static void
deliver_key (KeyFeed * feed, guint64 kid, const guint8 * key, gsize size)
{
  GError *error = NULL;

  if (!gst_e2ee_key_store_add_key (receiver.store, kid,
          GST_E2EE_KEY_USAGE_DECRYPT, SUITE, key, size, &error)) {
    g_printerr ("stream %u: cannot add key %" G_GUINT64_FORMAT ": %s\n",
        feed->stream->index, kid, error->message);
    g_clear_error (&error);
    failed = TRUE;
    return;
  }
  /* Frames of the old key still on the way decrypt for the grace period. */
  gst_e2ee_key_store_retire_key (receiver.store, feed->rx_kid,
      GST_E2EE_KEY_USAGE_DECRYPT, GRACE);
  feed->rx_kid = kid;
}

static gboolean
deliver_later (gpointer data)
{
  PendingKey *pk = data;

  deliver_key (pk->feed, pk->kid, pk->key, pk->size);
  OPENSSL_cleanse (pk->key, sizeof (pk->key));
  g_free (pk);
  return G_SOURCE_REMOVE;
}

/* From the sender's streaming thread, before the first frame with the key. */
static void
on_key_generated (GstElement * enc, guint64 kid, GstBuffer * key, KeyFeed * feed)
{
  GstMapInfo map;

  g_atomic_int_inc (&feed->rotations);
  if (!gst_buffer_map (key, &map, GST_MAP_READ) || map.size > 64) {
    failed = TRUE;
    return;
  }
  if (opt.key_delay_ms == 0) {
    deliver_key (feed, kid, map.data, map.size);
  } else {
    PendingKey *pk = g_new0 (PendingKey, 1);

    pk->feed = feed;
    pk->kid = kid;
    pk->size = map.size;
    memcpy (pk->key, map.data, map.size);
    g_timeout_add (opt.key_delay_ms, deliver_later, pk);
    /* pk belongs to the timeout now: deliver_later() wipes and frees it. cppcheck's
     * gtk.cfg does not know that g_timeout_add() takes its data. */
    // cppcheck-suppress memleak
  }
  gst_buffer_unmap (key, &map);
}

/* ---- Probes ---- */

static GstPadProbeReturn
plaintext_probe (GstPad * pad, GstPadProbeInfo * info, gpointer st)
{
  soak_stream_plaintext (st, GST_PAD_PROBE_INFO_BUFFER (info));
  return GST_PAD_PROBE_OK;
}

/* When the first frame was encrypted: the real-time figure counts from there,
 * not from the pipelines' start-up. */
static gpointer first_frame_us;

static GstPadProbeReturn
encrypted_probe (GstPad * pad, GstPadProbeInfo * info, gpointer st)
{
  if (!g_atomic_pointer_get (&first_frame_us))
    g_atomic_pointer_compare_and_exchange (&first_frame_us, NULL,
        GSIZE_TO_POINTER ((gsize) g_get_monotonic_time ()));
  soak_stream_encrypted (st, GST_PAD_PROBE_INFO_BUFFER (info));
  return GST_PAD_PROBE_OK;
}

typedef void (*PacketFunc) (SoakStream * st, GstBuffer * rtp);

static gboolean
each_packet (GstBuffer ** buf, guint idx, gpointer data)
{
  gpointer *args = data;

  ((PacketFunc) args[0]) (args[1], *buf);
  return TRUE;
}

static void
for_packets (GstPadProbeInfo * info, PacketFunc func, SoakStream * st)
{
  if (info->type & GST_PAD_PROBE_TYPE_BUFFER_LIST) {
    gpointer args[2] = { (gpointer) func, st };

    gst_buffer_list_foreach (GST_PAD_PROBE_INFO_BUFFER_LIST (info), each_packet,
        args);
  } else {
    func (st, GST_PAD_PROBE_INFO_BUFFER (info));
  }
}

static GstPadProbeReturn
packet_probe (GstPad * pad, GstPadProbeInfo * info, gpointer st)
{
  for_packets (info, soak_stream_packet, st);
  return GST_PAD_PROBE_OK;
}

static GstPadProbeReturn
depay_probe (GstPad * pad, GstPadProbeInfo * info, gpointer st)
{
  for_packets (info, soak_stream_depayloading, st);
  return GST_PAD_PROBE_OK;
}

static GstPadProbeReturn
arrived_probe (GstPad * pad, GstPadProbeInfo * info, gpointer st)
{
  soak_stream_arrived (st, GST_PAD_PROBE_INFO_BUFFER (info));
  return GST_PAD_PROBE_OK;
}

static GstPadProbeReturn
decrypted_probe (GstPad * pad, GstPadProbeInfo * info, gpointer st)
{
  soak_stream_decrypted (st, GST_PAD_PROBE_INFO_BUFFER (info));
  return GST_PAD_PROBE_OK;
}

/* With --slow the sources stop by themselves (num-buffers): a sender's flow has
 * finished when the EOS behind its last packet reaches its udpsink. */
static GstPadProbeReturn
eos_probe (GstPad * pad, GstPadProbeInfo * info, gpointer data)
{
  if (GST_EVENT_TYPE (GST_PAD_PROBE_INFO_EVENT (info)) == GST_EVENT_EOS)
    g_atomic_int_inc (&senders_finished);
  return GST_PAD_PROBE_OK;
}

static GstPadProbeReturn
decoded_probe (GstPad * pad, GstPadProbeInfo * info, gpointer data)
{
  SoakStream *st = data;

  g_atomic_int_inc (&st->decoded);
  return GST_PAD_PROBE_OK;
}

static void
probe (GstElement * e, const gchar * pad_name, GstPadProbeType type,
    GstPadProbeCallback cb, gpointer data)
{
  GstPad *pad = gst_element_get_static_pad (e, pad_name);

  gst_pad_add_probe (pad, type, cb, data, NULL);
  gst_object_unref (pad);
}

static GstElement *
by_name (GstElement * pipeline, const gchar * name)
{
  GstElement *e = gst_bin_get_by_name (GST_BIN (pipeline), name);

  g_assert (e);
  return e;
}

/* ---- Relay ---- */

/* The VP8 payload descriptor (RFC 7741 §4.2) is transport: rtpvp8depay reads and
 * strips it. Corrupting it would change how packets are put together, not the frame
 * bytes e2eedec authenticates, so the relay corrupts what follows it. */
static gsize
payload_start (guint channel, const guint8 * p, gsize size, gpointer data)
{
  gsize len = 1;

  if (channel != 0)
    return 0;
  if (size < 1)
    return size;
  if (p[0] & 0x80) {
    guint8 x;

    if (size < 2)
      return size;
    x = p[1];
    len = 2;
    if (x & 0x80) {
      if (len >= size)
        return size;
      len += (p[len] & 0x80) ? 2 : 1;
    }
    if (x & 0x40)
      len++;
    if (x & 0x30)
      len++;
  }
  return len;
}

static void
on_impair (guint participant, guint channel, GstE2eeRelayAction action,
    const guint8 * pkt, gsize size, gpointer data)
{
  SoakFrame *f;

  if ((gint) participant >= opt.senders || size < 12)
    return;
  f = soak_stream_frame_by_seq (streams[participant * 2 + (channel == 2)],
      GST_READ_UINT16_BE (pkt + 2));
  if (!f)
    return;
  switch (action) {
    case GST_E2EE_RELAY_DROP:
      g_atomic_int_inc (&f->dropped);
      break;
    case GST_E2EE_RELAY_CORRUPT:
      g_atomic_int_inc (&f->corrupted);
      break;
    case GST_E2EE_RELAY_DUPLICATE:
      g_atomic_int_inc (&f->duplicated);
      break;
    case GST_E2EE_RELAY_REORDER:
      g_atomic_int_inc (&f->reordered);
      break;
  }
}

static GSocket *
bind_socket (guint16 * port, GError ** error)
{
  GSocket *s = g_socket_new (G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_DATAGRAM,
      G_SOCKET_PROTOCOL_UDP, error);
  GInetAddress *lo;
  GSocketAddress *addr, *bound;
  gboolean ok;

  if (!s)
    return NULL;
  /* Every sender's key frame can come at once (they all rotate every 2 s). */
  g_socket_set_option (s, SOL_SOCKET, SO_RCVBUF, 4 * 1024 * 1024, NULL);
  lo = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
  addr = g_inet_socket_address_new (lo, 0);
  g_object_unref (lo);
  ok = g_socket_bind (s, addr, FALSE, error);
  g_object_unref (addr);
  bound = ok ? g_socket_get_local_address (s, error) : NULL;
  if (!bound) {
    g_object_unref (s);
    return NULL;
  }
  *port = g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (bound));
  g_object_unref (bound);
  return s;
}

/* ---- Pipelines ---- */

static gboolean
on_bus (GstBus * bus, GstMessage * msg, gpointer name)
{
  if (GST_MESSAGE_TYPE (msg) == GST_MESSAGE_ERROR) {
    GError *err;
    gchar *dbg;

    gst_message_parse_error (msg, &err, &dbg);
    g_printerr ("%s: error from %s: %s\n%s\n", (const gchar *) name,
        GST_OBJECT_NAME (msg->src), err->message, dbg ? dbg : "");
    g_error_free (err);
    g_free (dbg);
    failed = TRUE;
    g_main_loop_quit (loop);
  } else if (GST_MESSAGE_TYPE (msg) == GST_MESSAGE_EOS
      && GST_MESSAGE_SRC (msg) == GST_OBJECT (receiver.pipeline)) {
    receiver_eos = TRUE;
  }
  return G_SOURCE_CONTINUE;
}

/* GStreamer 1.22.0 never frees rtpsession's retained RTCP feedback (docs/soak.md,
 * Findings): every PLI a sender receives would stay in its memory. */
static void
drop_feedback_retention (GstElement * pipeline)
{
  GstElement *rtpbin;

  if (opt.keep_feedback)
    return;
  rtpbin = by_name (pipeline, "rtpbin");
  gst_e2ee_example_drop_feedback_retention (rtpbin);
  gst_object_unref (rtpbin);
}

static gboolean
build_sender (guint p, GstE2eeRelay * relay, GError ** error)
{
  static const gchar *patterns[] = { "ball", "smpte", "snow", "pinwheel",
    "spokes", "gradient", "colors", "smpte75", "zone-plate", "circular"
  };
  Sender *s = &senders[p];
  gchar *desc, *rot;
  guint m, c;

  rot = g_strdup_printf ("layout=codec rotation-interval=%" G_GUINT64_FORMAT
      " rotation-mode=%s ratchet-bits=%u",
      (guint64) opt.rotate_ms * GST_MSECOND, opt.ratchet ? "ratchet" : "generate",
      opt.ratchet_bits);
  desc = g_strdup_printf ("rtpbin name=rtpbin rtp-profile=avpf "
      "videotestsrc name=vsrc is-live=true num-buffers=%d pattern=%s ! "
      "video/x-raw,width=%d,height=%d,framerate=%d/1 ! "
      "vp8enc deadline=1 cpu-used=16 keyframe-max-dist=60 threads=1 ! "
      "e2eeenc name=venc %s ! "
      "rtpvp8sframepay name=vpay pt=96 mtu=1200 picture-id-mode=15-bit ! "
      "rtpbin.send_rtp_sink_0 "
      "rtpbin.send_rtp_src_0 ! udpsink name=out0 host=127.0.0.1 "
      "rtpbin.send_rtcp_src_0 ! udpsink name=out1 host=127.0.0.1 sync=false async=false "
      "udpsrc name=in1 close-socket=false caps=application/x-rtcp ! rtpbin.recv_rtcp_sink_0 "
      "audiotestsrc name=asrc is-live=true num-buffers=%d freq=%u volume=0.3 "
      "samplesperbuffer=%d ! "
      "audio/x-raw,rate=48000,channels=1 ! opusenc frame-size=%d ! "
      "e2eeenc name=aenc %s ! rtpopuspay name=apay pt=111 ! rtpbin.send_rtp_sink_1 "
      "rtpbin.send_rtp_src_1 ! udpsink name=out2 host=127.0.0.1 "
      "rtpbin.send_rtcp_src_1 ! udpsink name=out3 host=127.0.0.1 sync=false async=false "
      "udpsrc name=in3 close-socket=false caps=application/x-rtcp ! rtpbin.recv_rtcp_sink_1",
      opt.slow ? opt.seconds * opt.fps : -1, patterns[p % G_N_ELEMENTS (patterns)],
      opt.width, opt.height, opt.fps, rot,
      opt.slow ? opt.seconds * 1000 / opt.audio_ms : -1, 200 + 20 * p,
      48 * opt.audio_ms, opt.audio_ms, rot);
  g_free (rot);
  s->pipeline = gst_e2ee_example_parse_launch (desc, FALSE, error);
  g_free (desc);
  if (!s->pipeline)
    return FALSE;

  for (c = 0; c < CHANNELS; c++) {
    gchar name[8];
    GstElement *e;

    g_snprintf (name, sizeof (name), "out%u", c);
    e = by_name (s->pipeline, name);
    g_object_set (e, "port", (gint) gst_e2ee_relay_get_port (relay, p, c), NULL);
    if (c % 2 == 0)
      probe (e, "sink", GST_PAD_PROBE_TYPE_EVENT_DOWNSTREAM, eos_probe, NULL);
    gst_object_unref (e);
    if (c % 2 == 1) {
      g_snprintf (name, sizeof (name), "in%u", c);
      e = by_name (s->pipeline, name);
      g_object_set (e, "socket", s->rtcp[c / 2], NULL);
      gst_object_unref (e);
    }
  }

  for (m = 0; m < 2; m++) {
    SoakStream *st = streams[p * 2 + m];
    GstElement *enc = by_name (s->pipeline, m == 0 ? "venc" : "aenc");
    GstElement *pay = by_name (s->pipeline, m == 0 ? "vpay" : "apay");
    guint8 key[KEY_SIZE];
    GstBuffer *kbuf;

    if (RAND_bytes (key, KEY_SIZE) != 1) {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED, "no random bytes");
      return FALSE;
    }
    if (!gst_e2ee_key_store_add_key (receiver.store, first_kid (st->index),
            GST_E2EE_KEY_USAGE_DECRYPT, SUITE, key, KEY_SIZE, error))
      return FALSE;
    feeds[st->index].stream = st;
    feeds[st->index].rx_kid = first_kid (st->index);
    kbuf = gst_buffer_new_memdup (key, KEY_SIZE);
    OPENSSL_cleanse (key, KEY_SIZE);
    g_object_set (enc, "key-id", first_kid (st->index), "key", kbuf, NULL);
    gst_buffer_unref (kbuf);
    g_signal_connect (enc, "key-generated", G_CALLBACK (on_key_generated),
        &feeds[st->index]);
    probe (enc, "sink", GST_PAD_PROBE_TYPE_BUFFER, plaintext_probe, st);
    probe (enc, "src", GST_PAD_PROBE_TYPE_BUFFER, encrypted_probe, st);
    probe (pay, "src", GST_PAD_PROBE_TYPE_BUFFER | GST_PAD_PROBE_TYPE_BUFFER_LIST,
        packet_probe, st);
    gst_object_unref (enc);
    gst_object_unref (pay);
  }
  drop_feedback_retention (s->pipeline);
  gst_bus_add_watch (GST_ELEMENT_BUS (s->pipeline), on_bus, "sender");
  return TRUE;
}

static SoakStream *
stream_by_ssrc (guint32 ssrc, guint session)
{
  gint i;

  for (i = session; i < opt.senders * 2; i += 2)
    if (g_atomic_int_get (&streams[i]->ssrc_known) && streams[i]->ssrc == ssrc)
      return streams[i];
  return NULL;
}

static void
on_new_jitterbuffer (GstElement * rtpbin, GstElement * jb, guint session,
    guint ssrc, gpointer data)
{
  g_mutex_lock (&receiver.lock);
  receiver.jitterbuffers = g_list_prepend (receiver.jitterbuffers,
      gst_object_ref (jb));
  g_mutex_unlock (&receiver.lock);
}

/* A sender's stream appeared: depayload, decrypt, decode, with the ledger's probes. */
static void
on_pad_added (GstElement * rtpbin, GstPad * pad, gpointer data)
{
  guint session, ssrc, pt;
  SoakStream *st;
  GstElement *bin, *e;
  GstPad *sink;
  GError *error = NULL;

  if (!gst_e2ee_example_parse_recv_pad (pad, &session, &ssrc, &pt))
    return;
  st = stream_by_ssrc (ssrc, session);
  if (!st) {
    g_atomic_int_inc (&receiver.unknown_streams);
    bin = gst_parse_bin_from_description ("fakesink sync=false async=false",
        TRUE, &error);
  } else {
    gchar *desc = g_strdup_printf ("%s name=depay ! e2eedec name=dec ! %s "
        "name=decoder ! fakesink sync=false async=false",
        session == 0 ? "rtpvp8depay" : "rtpopusdepay",
        opt.no_decode ? "identity" : session == 0 ? "vp8dec" : "opusdec");

    bin = gst_e2ee_example_parse_launch (desc, TRUE, &error);
    g_free (desc);
  }
  if (!bin) {
    g_printerr ("receiver: %s\n", error->message);
    g_clear_error (&error);
    failed = TRUE;
    return;
  }
  if (st) {
    e = by_name (bin, "depay");
    probe (e, "sink", GST_PAD_PROBE_TYPE_BUFFER | GST_PAD_PROBE_TYPE_BUFFER_LIST,
        depay_probe, st);
    gst_object_unref (e);
    e = by_name (bin, "dec");
    g_object_set (e, "key-store", receiver.store, "drop-message-interval",
        (guint64) 0, "ratchet-bits", opt.ratchet_bits, NULL);
    gst_util_set_object_arg (G_OBJECT (e), "layout", "codec");
    g_object_set_data (G_OBJECT (e), "soak-stream", st);
    probe (e, "sink", GST_PAD_PROBE_TYPE_BUFFER, arrived_probe, st);
    probe (e, "src", GST_PAD_PROBE_TYPE_BUFFER, decrypted_probe, st);
    g_mutex_lock (&receiver.lock);
    receiver.decryptors = g_list_prepend (receiver.decryptors, e);
    g_mutex_unlock (&receiver.lock);
    e = by_name (bin, "decoder");
    probe (e, "src", GST_PAD_PROBE_TYPE_BUFFER, decoded_probe, st);
    gst_object_unref (e);
  }
  gst_bin_add (GST_BIN (receiver.pipeline), bin);
  gst_element_sync_state_with_parent (bin);
  sink = gst_element_get_static_pad (bin, "sink");
  if (gst_pad_link (pad, sink) != GST_PAD_LINK_OK) {
    g_printerr ("receiver: cannot link a stream\n");
    failed = TRUE;
  }
  gst_object_unref (sink);
}

/* e2eedec-drop, in the thread that dropped the frame: one message per drop
 * (drop-message-interval=0). */
static GstBusSyncReply
receiver_sync (GstBus * bus, GstMessage * msg, gpointer data)
{
  const GstStructure *s;
  SoakStream *st;
  const gchar *reason;
  guint64 kid = 0, ctr = 0;
  guint r;

  if (GST_MESSAGE_TYPE (msg) != GST_MESSAGE_ELEMENT)
    return GST_BUS_PASS;
  s = gst_message_get_structure (msg);
  if (!gst_structure_has_name (s, "e2eedec-drop"))
    return GST_BUS_PASS;
  st = g_object_get_data (G_OBJECT (GST_MESSAGE_SRC (msg)), "soak-stream");
  reason = gst_structure_get_string (s, "reason");
  if (!st || !reason)
    return GST_BUS_PASS;
  for (r = 0; r < SOAK_N_DROP_REASONS; r++) {
    if (g_str_equal (reason, soak_drop_reason_names[r])) {
      gboolean has_id = gst_structure_get_uint64 (s, "kid", &kid)
          && gst_structure_get_uint64 (s, "ctr", &ctr);
      guint64 count = 1;

      gst_structure_get_uint64 (s, "count", &count);
      while (count-- > 1)
        soak_stream_dropped (st, r, FALSE, 0, 0);
      soak_stream_dropped (st, r, has_id, kid, ctr);
      break;
    }
  }
  gst_message_unref (msg);
  return GST_BUS_DROP;
}

static gboolean
build_receiver (GstE2eeRelay * relay, GError ** error)
{
  gchar *desc;
  GstElement *e;
  guint c;

  desc = g_strdup_printf ("rtpbin name=rtpbin latency=%d rtp-profile=avpf "
      "udpsrc name=in0 close-socket=false caps=\"application/x-rtp,media=video,"
      "clock-rate=90000,encoding-name=VP8,payload=96,rtcp-fb-nack-pli=(boolean)%s\" "
      "! rtpbin.recv_rtp_sink_0 "
      "udpsrc name=in1 close-socket=false caps=application/x-rtcp ! rtpbin.recv_rtcp_sink_0 "
      "rtpbin.send_rtcp_src_0 ! udpsink name=out1 host=127.0.0.1 sync=false async=false "
      "udpsrc name=in2 close-socket=false caps=\"application/x-rtp,media=audio,"
      "clock-rate=48000,encoding-name=OPUS,payload=111\" ! rtpbin.recv_rtp_sink_1 "
      "udpsrc name=in3 close-socket=false caps=application/x-rtcp ! rtpbin.recv_rtcp_sink_1 "
      "rtpbin.send_rtcp_src_1 ! udpsink name=out3 host=127.0.0.1 sync=false async=false",
      opt.latency_ms, opt.no_pli ? "false" : "true");
  receiver.pipeline = gst_e2ee_example_parse_launch (desc, FALSE, error);
  g_free (desc);
  if (!receiver.pipeline)
    return FALSE;
  for (c = 0; c < CHANNELS; c++) {
    gchar name[8];

    g_snprintf (name, sizeof (name), "in%u", c);
    e = by_name (receiver.pipeline, name);
    g_object_set (e, "socket", receiver.sockets[c], NULL);
    gst_object_unref (e);
    if (c % 2 == 1) {
      g_snprintf (name, sizeof (name), "out%u", c);
      e = by_name (receiver.pipeline, name);
      g_object_set (e, "port", (gint) gst_e2ee_relay_get_port (relay,
              opt.senders, c), NULL);
      gst_object_unref (e);
    }
  }
  e = by_name (receiver.pipeline, "rtpbin");
  g_signal_connect (e, "pad-added", G_CALLBACK (on_pad_added), NULL);
  g_signal_connect (e, "new-jitterbuffer", G_CALLBACK (on_new_jitterbuffer), NULL);
  gst_object_unref (e);
  gst_bus_set_sync_handler (GST_ELEMENT_BUS (receiver.pipeline), receiver_sync,
      NULL, NULL);
  drop_feedback_retention (receiver.pipeline);
  gst_bus_add_watch (GST_ELEMENT_BUS (receiver.pipeline), on_bus, "receiver");
  return TRUE;
}

/* ---- Running ---- */

static gint
total (gsize offset)
{
  gint i, sum = 0;

  for (i = 0; i < opt.senders * 2; i++)
    sum += g_atomic_int_get ((gint *) ((guint8 *) streams[i] + offset));
  return sum;
}

static gint
total_rotations (void)
{
  gint i, sum = 0;

  for (i = 0; i < opt.senders * 2; i++)
    sum += opt.ratchet ? g_atomic_int_get (&streams[i]->n_spans) - 1 :
        g_atomic_int_get (&feeds[i].rotations);
  return sum;
}

static gint64 run_start_us, send_end_us;

static gboolean
sample (gpointer data)
{
  gint t;

  if (n_rss < opt.seconds + 2) {
    heap_kb[n_rss] = read_heap_kb ();
    rss_kb[n_rss++] = read_rss_kb ();
  }
  t = n_rss;
  if (opt.malloc_stats && t == opt.warmup) {
    g_printerr ("malloc_stats after warm-up:\n");
    malloc_stats ();
  }
  if (opt.progress > 0 && t % opt.progress == 0)
    g_printerr ("[%4d s] rss %" G_GINT64_FORMAT " kB, heap in use %" G_GINT64_FORMAT
        " kB, frames sent %d, into decryptors %d, decrypted %d, key changes %d, keys "
        "in the receiver's store %u\n", t, rss_kb[n_rss - 1], heap_kb[n_rss - 1], total (G_STRUCT_OFFSET (SoakStream, n_frames)),
        total (G_STRUCT_OFFSET (SoakStream, arrivals)),
        total (G_STRUCT_OFFSET (SoakStream, outputs)), total_rotations (),
        gst_e2ee_key_store_get_n_keys (receiver.store));
  if (opt.slow) {
    /* --seconds of media, however long that takes; the guard is against a hang,
     * not a timing check. */
    if (g_atomic_int_get (&senders_finished) == opt.senders * 2) {
      g_main_loop_quit (loop);
      return G_SOURCE_REMOVE;
    }
    if (g_get_monotonic_time () - run_start_us >= (gint64) (100 * opt.seconds + 60)
        * G_USEC_PER_SEC) {
      g_printerr ("the senders had not sent %d s of media after %d s\n",
          opt.seconds, 100 * opt.seconds + 60);
      failed = TRUE;
      g_main_loop_quit (loop);
      return G_SOURCE_REMOVE;
    }
  } else if (g_get_monotonic_time () - run_start_us >=
      (gint64) opt.seconds * G_USEC_PER_SEC) {
    g_main_loop_quit (loop);
    return G_SOURCE_REMOVE;
  }
  return G_SOURCE_CONTINUE;
}

/* Runs the main loop until nothing has moved for a second and a half (--slow:
 * for longer than the jitter buffers hold packets). */
static gboolean
drain_tick (gpointer data)
{
  static gint last = -1, quiet, ticks;
  gint now = total (G_STRUCT_OFFSET (SoakStream, arrivals))
      + total (G_STRUCT_OFFSET (SoakStream, outputs));

  quiet = now == last ? quiet + 1 : 0;
  last = now;
  if (quiet >= opt.quiet_ticks || ++ticks > 120 * (opt.slow ? 4 : 1) || failed) {
    g_main_loop_quit (loop);
    return G_SOURCE_REMOVE;
  }
  return G_SOURCE_CONTINUE;
}

static gboolean
eos_tick (gpointer data)
{
  static gint ticks;

  if (receiver_eos || ++ticks > 120 * (opt.slow ? 4 : 1) || failed) {
    g_main_loop_quit (loop);
    return G_SOURCE_REMOVE;
  }
  return G_SOURCE_CONTINUE;
}

static void
stop_senders (void)
{
  gint p;

  for (p = 0; p < opt.senders; p++) {
    const gchar *names[] = { "vsrc", "asrc" };
    guint m;

    for (m = 0; m < 2; m++) {
      GstElement *src = by_name (senders[p].pipeline, names[m]);

      gst_element_send_event (src, gst_event_new_eos ());
      gst_object_unref (src);
    }
  }
}

/* ---- The report ---- */

typedef struct
{
  guint64 frames, dropped, held, recovered;
  guint64 reasons[SOAK_N_DROP_REASONS];
} DecStats;

static void
decryptor_stats (DecStats * per_stream)
{
  static const gchar *fields[SOAK_N_DROP_REASONS] = {
    "dropped-unknown-kid", "dropped-authentication", "dropped-truncated",
    "dropped-malformed-header", "dropped-replay-duplicate", "dropped-replay-too-old"
  };
  GList *l;
  guint r;

  g_mutex_lock (&receiver.lock);
  for (l = receiver.decryptors; l; l = l->next) {
    SoakStream *st = g_object_get_data (l->data, "soak-stream");
    DecStats *d = &per_stream[st->index];
    GstStructure *s = NULL;
    guint64 v;

    g_object_get (l->data, "stats", &s, NULL);
    if (!s)
      continue;
#define ADD(field, dst) if (gst_structure_get_uint64 (s, field, &v)) dst += v
    ADD ("frames", d->frames);
    ADD ("dropped", d->dropped);
    ADD ("held", d->held);
    ADD ("recovered", d->recovered);
    for (r = 0; r < SOAK_N_DROP_REASONS; r++)
      ADD (fields[r], d->reasons[r]);
#undef ADD
    gst_structure_free (s);
  }
  g_mutex_unlock (&receiver.lock);
}

static void
jitterbuffer_stats (guint64 * pushed, guint64 * lost, guint64 * late,
    guint64 * duplicates)
{
  GList *l;

  *pushed = *lost = *late = *duplicates = 0;
  g_mutex_lock (&receiver.lock);
  for (l = receiver.jitterbuffers; l; l = l->next) {
    GstStructure *s = NULL;
    guint64 v;

    g_object_get (l->data, "stats", &s, NULL);
    if (!s)
      continue;
    if (gst_structure_get_uint64 (s, "num-pushed", &v))
      *pushed += v;
    if (gst_structure_get_uint64 (s, "num-lost", &v))
      *lost += v;
    if (gst_structure_get_uint64 (s, "num-late", &v))
      *late += v;
    if (gst_structure_get_uint64 (s, "num-duplicates", &v))
      *duplicates += v;
    gst_structure_free (s);
  }
  g_mutex_unlock (&receiver.lock);
}

static gint
cmp_int64 (gconstpointer a, gconstpointer b)
{
  gint64 x = *(const gint64 *) a, y = *(const gint64 *) b;

  return x < y ? -1 : x > y;
}

/* The median of samples [from, to): a single busy second does not move it. */
static gint64
median_kb (const gint64 * kb, gint from, gint to)
{
  gint64 *copy;
  gint64 m;

  from = CLAMP (from, 0, n_rss);
  to = CLAMP (to, from, n_rss);
  if (to == from)
    return n_rss ? kb[n_rss - 1] : 0;
  copy = g_memdup2 (kb + from, sizeof (gint64) * (to - from));
  qsort (copy, to - from, sizeof (gint64), cmp_int64);
  m = copy[(to - from) / 2];
  g_free (copy);
  return m;
}

static gint64
median_rss (gint from, gint to)
{
  return n_rss ? median_kb (rss_kb, from, to) : rss_start_kb;
}

/* Least-squares slope of samples [from, to), in kB per minute. */
static gdouble
kb_slope (const gint64 * kb, gint from, gint to)
{
  gdouble n = 0, sx = 0, sy = 0, sxx = 0, sxy = 0;
  gint i;

  from = CLAMP (from, 0, n_rss);
  to = CLAMP (to, from, n_rss);
  for (i = from; i < to; i++) {
    n++;
    sx += i;
    sy += kb[i];
    sxx += (gdouble) i * i;
    sxy += (gdouble) i * kb[i];
  }
  if (n < 2 || n * sxx - sx * sx == 0)
    return 0;
  return (n * sxy - sx * sy) / (n * sxx - sx * sx) * 60.0;
}

/* Per interval after warm-up (a tenth of the rest, at least a minute): medians of
 * RSS and heap in use at its end, and their growth over it in kB per minute, so
 * that a growth that slows down shows as one. */
static void
print_memory_intervals (void)
{
  gint step = MAX (60, (n_rss - opt.warmup) / 10), from, to;
  gint64 rss0 = median_rss (opt.warmup, opt.warmup + 10);
  gint64 heap0 = median_kb (heap_kb, opt.warmup, opt.warmup + 10);

  g_print ("memory by interval   (s: RSS kB, kB/min; heap in use kB, kB/min)");
  for (from = opt.warmup; from + step / 2 < n_rss; from = to) {
    gint64 rss1, heap1;

    to = MIN (from + step, n_rss);
    rss1 = median_rss (to - 10, to);
    heap1 = median_kb (heap_kb, to - 10, to);
    g_print ("%s%d-%d: %" G_GINT64_FORMAT ", %+.0f; %" G_GINT64_FORMAT ", %+.0f",
        from == opt.warmup ? "\n                     " : " | ", from, to, rss1,
        (rss1 - rss0) * 60.0 / (to - from), heap1, (heap1 - heap0) * 60.0 / (to - from));
    rss0 = rss1;
    heap0 = heap1;
  }
  g_print ("\n");
}

static gboolean all_pass = TRUE;

static void
skipped (const gchar * what)
{
  g_print ("SKIP %s: --no-timing\n", what);
}

static void
verdict (gboolean pass, const gchar * what, const gchar * format, ...)
    G_GNUC_PRINTF (3, 4);

static void
verdict (gboolean pass, const gchar * what, const gchar * format, ...)
{
  va_list args;
  gchar *detail;

  va_start (args, format);
  detail = g_strdup_vprintf (format, args);
  va_end (args);
  g_print ("%s %s: %s\n", pass ? "PASS" : "FAIL", what, detail);
  g_free (detail);
  all_pass &= pass;
}

static gint report_argc;
static gchar **report_argv;

static gint
report (GstE2eeRelay * relay)
{
  SoakTally sum = { 0 }, t;
  DecStats *dec = g_new0 (DecStats, opt.senders * 2), dsum = { 0 };
  guint64 sent_v = 0, sent_a = 0, arrivals = 0, unmatched = 0, outputs = 0;
  guint64 mismatch = 0, decoded = 0, messages = 0, untracked = 0;
  guint64 r_in = 0, r_drop = 0, r_corrupt = 0, r_dup = 0, r_reorder = 0;
  guint64 jb_pushed, jb_lost, jb_late, jb_dup, expected_v, expected_a;
  guint64 unbalanced = 0, messages_by[SOAK_N_DROP_REASONS] = { 0 };
  guint64 late_1s = 0, late_10s = 0;
  gint64 max_latency = 0;
  gint64 rss_warm, rss_end, rss_max = 0;
  gint i, p, silent = 0, worst = 0;
  GString *streams_text = g_string_new (NULL);
  guint r, c;
  struct rusage ru;
  gdouble cpu, realtime, slope, sending, slope_half, heap_slope_half;
  gint half;
  gchar *loadavg = NULL;

  decryptor_stats (dec);
  jitterbuffer_stats (&jb_pushed, &jb_lost, &jb_late, &jb_dup);
  for (i = 0; i < opt.senders * 2; i++) {
    SoakStream *st = streams[i];

    soak_stream_tally (st, GRACE / GST_MSECOND, &t);
    sum.sent += t.sent;
    sum.delivered += t.delivered;
    sum.lost_dropped += t.lost_dropped;
    sum.corrupted += t.corrupted;
    sum.corrupted_decrypted += t.corrupted_decrypted;
    sum.corrupted_at_decryptor += t.corrupted_at_decryptor;
    sum.corrupted_before_decryptor += t.corrupted_before_decryptor;
    sum.intact_key_loss += t.intact_key_loss;
    for (r = 0; r < SOAK_N_DROP_REASONS; r++)
      sum.intact_key_loss_reasons[r] += t.intact_key_loss_reasons[r];
    sum.intact_lost_before += t.intact_lost_before;
    sum.intact_too_late += t.intact_too_late;
    sum.intact_lost_before_shuffled += t.intact_lost_before_shuffled;
    sum.decrypted_twice += t.decrypted_twice;
    sum.dropped_decrypted += t.dropped_decrypted;
    if (st->video)
      sent_v += t.sent;
    else
      sent_a += t.sent;
    untracked += st->untracked;
    arrivals += st->arrivals;
    unmatched += st->arrivals_unmatched;
    outputs += st->outputs;
    mismatch += st->outputs_mismatch;
    decoded += st->decoded;
    late_1s += st->late_1s;
    late_10s += st->late_10s;
    max_latency = MAX (max_latency, st->max_latency_us);
    if ((t.intact_key_loss || t.intact_too_late || t.intact_lost_before > t.sent / 50)
        && worst++ < 10)
      g_string_append_printf (streams_text, "stream %2d (sender %d %s): sent %" G_GUINT64_FORMAT ", delivered %"
          G_GUINT64_FORMAT ", lost to key change %" G_GUINT64_FORMAT
          ", too late %" G_GUINT64_FORMAT ", stopped before e2eedec %"
          G_GUINT64_FORMAT ", slowest %" G_GINT64_FORMAT " ms\n", i, i / 2,
          st->video ? "video" : "audio", t.sent, t.delivered, t.intact_key_loss,
          t.intact_too_late, t.intact_lost_before, st->max_latency_us / 1000);
    if (t.delivered == 0)
      silent++;
    for (r = 0; r < SOAK_N_DROP_REASONS; r++) {
      messages += st->drop_messages[r];
      messages_by[r] += st->drop_messages[r];
      dsum.reasons[r] += dec[i].reasons[r];
    }
    dsum.dropped += dec[i].dropped;
    dsum.held += dec[i].held;
    dsum.recovered += dec[i].recovered;
    /* Every frame into a decryptor came out or was dropped and counted. */
    if ((guint64) st->arrivals != dec[i].frames + dec[i].dropped
        || (guint64) st->outputs != dec[i].frames)
      unbalanced++;
  }
  for (p = 0; p < opt.senders; p++) {
    for (c = 0; c < CHANNELS; c += 2) {
      GstE2eeRelayStats s;

      gst_e2ee_relay_get_stats (relay, p, c, &s);
      r_in += s.packets_in;
      r_drop += s.dropped;
      r_corrupt += s.corrupted;
      r_dup += s.duplicated;
      r_reorder += s.reordered;
    }
  }

  rss_warm = median_rss (opt.warmup, opt.warmup + 10);
  rss_end = median_rss (n_rss - 10, n_rss);
  for (i = 0; i < n_rss; i++)
    rss_max = MAX (rss_max, rss_kb[i]);
  slope = kb_slope (rss_kb, opt.warmup, n_rss);
  /* The criterion: whatever settles in the first half (pools, the allocator's
   * arenas, caches filling up) has settled by the second; what still grows there
   * grows for good, and a slope says so whatever the run's length. */
  half = MAX (n_rss / 2, opt.warmup);
  slope_half = kb_slope (rss_kb, half, n_rss);
  heap_slope_half = kb_slope (heap_kb, half, n_rss);
  getrusage (RUSAGE_SELF, &ru);
  if (!g_file_get_contents ("/proc/loadavg", &loadavg, NULL, NULL))
    loadavg = g_strdup ("?\n");
  cpu = (ru.ru_utime.tv_sec + ru.ru_stime.tv_sec
      + (ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6)
      / ((g_get_monotonic_time () - run_start_us) / 1e6);
  /* Frames a real-time sender makes in the time the senders were playing. */
  sending = ((send_end_us ? send_end_us : g_get_monotonic_time ())
      - (first_frame_us ? (gint64) GPOINTER_TO_SIZE (first_frame_us) : run_start_us))
      / 1e6;
  expected_v = (guint64) (opt.senders * sending * opt.fps);
  expected_a = (guint64) (opt.senders * sending * (1000.0 / opt.audio_ms));
  realtime = (expected_v + expected_a) ?
      (gdouble) (sent_v + sent_a) / (expected_v + expected_a) : 0;

  g_print ("\n== gst-e2ee-soak report ==\n");
  g_print ("command         ");
  for (i = 0; i < report_argc; i++)
    g_print ("%s%s", i ? " " : "", report_argv[i]);
  g_print ("\n");
  g_print ("duration        %.1f s of sending (+ %.1f s draining), %d senders, 1 receiver "
      "(jitter buffer latency %d ms%s)\n", sending, drain_ms / 1000.0, opt.senders,
      opt.latency_ms, opt.slow ? ", --slow" : "");
  g_print ("media           per sender VP8 %dx%d at %d fps + Opus %d ms frames, codec layout\n",
      opt.width, opt.height, opt.fps, opt.audio_ms);
  g_print ("keys            %s every %d ms of stream time%s; %d key changes; "
      "receiver's store: %u keys at the end\n",
      opt.ratchet ? "ratchet step" : "new random key", opt.rotate_ms,
      opt.ratchet ? "" : (opt.key_delay_ms ? " (given to the receiver late)" :
          " (given to the receiver at once)"), total_rotations (),
      gst_e2ee_key_store_get_n_keys (receiver.store));
  if (!opt.ratchet && opt.key_delay_ms)
    g_print ("                keys reach the receiver %d ms after the sender "
        "made them\n", opt.key_delay_ms);
  g_print ("relay           RTP packets %" G_GUINT64_FORMAT ": dropped %"
      G_GUINT64_FORMAT ", corrupted %" G_GUINT64_FORMAT ", duplicated %"
      G_GUINT64_FORMAT ", reordered %" G_GUINT64_FORMAT " (asked: %.2g%% %.2g%% "
      "%.2g%% %.2g%%, seed %d)\n", r_in, r_drop, r_corrupt, r_dup, r_reorder,
      opt.drop, opt.corrupt, opt.duplicate, opt.reorder, opt.seed);
  g_print ("frames sent     %" G_GUINT64_FORMAT " (video %" G_GUINT64_FORMAT
      ", audio %" G_GUINT64_FORMAT "); real time would be %" G_GUINT64_FORMAT
      " (%.1f%%)%s\n", sum.sent, sent_v, sent_a, expected_v + expected_a,
      realtime * 100, untracked ? " [some not followed: ledger full]" : "");
  g_print ("frames received %" G_GUINT64_FORMAT " into decryptors: %" G_GUINT64_FORMAT
      " byte-exact, %" G_GUINT64_FORMAT " damaged\n", arrivals,
      arrivals - unmatched, unmatched);
  g_print ("frames decrypted %" G_GUINT64_FORMAT " (not byte-exact the sender's "
      "plaintext: %" G_GUINT64_FORMAT "); distinct frames delivered %"
      G_GUINT64_FORMAT "\n", outputs, mismatch, sum.delivered);
  g_print ("frames decoded  %" G_GUINT64_FORMAT "\n", decoded);
  g_print ("lost to impairment   %" G_GUINT64_FORMAT " (a packet dropped by the relay) + %"
      G_GUINT64_FORMAT " corrupted + %" G_GUINT64_FORMAT " intact at the relay but "
      "stopped before a decryptor (jitter buffer or depayloader; %" G_GUINT64_FORMAT
      " of them reordered or duplicated)\n", sum.lost_dropped, sum.corrupted,
      sum.intact_lost_before, sum.intact_lost_before_shuffled);
  g_print ("lost to key change   %" G_GUINT64_FORMAT " (intact frames that reached a "
      "decryptor within the %d s grace period and did not come out)",
      sum.intact_key_loss, (gint) (GRACE / GST_SECOND));
  for (r = 0; r < SOAK_N_DROP_REASONS; r++)
    if (sum.intact_key_loss_reasons[r])
      g_print (", %s %" G_GUINT64_FORMAT, soak_drop_reason_names[r],
          sum.intact_key_loss_reasons[r]);
  g_print ("\n");
  g_print ("lost to lateness     %" G_GUINT64_FORMAT " (intact frames that reached "
      "a decryptor more than %d s after they were encrypted and did not come out)\n",
      sum.intact_too_late, (gint) (GRACE / GST_SECOND));
  g_print ("corrupted frames     %" G_GUINT64_FORMAT ": dropped by e2eedec %"
      G_GUINT64_FORMAT ", stopped before e2eedec %" G_GUINT64_FORMAT
      ", decrypted %" G_GUINT64_FORMAT "\n", sum.corrupted,
      sum.corrupted_at_decryptor, sum.corrupted_before_decryptor,
      sum.corrupted_decrypted);
  g_print ("e2eedec drops        %" G_GUINT64_FORMAT " in stats, %" G_GUINT64_FORMAT
      " drop messages:", dsum.dropped, messages);
  for (r = 0; r < SOAK_N_DROP_REASONS; r++)
    g_print (" %s %" G_GUINT64_FORMAT, soak_drop_reason_names[r], dsum.reasons[r]);
  g_print ("; held %" G_GUINT64_FORMAT ", recovered %" G_GUINT64_FORMAT "\n",
      dsum.held, dsum.recovered);
  g_print ("latency              e2eeenc to e2eedec, intact frames: slowest %"
      G_GINT64_FORMAT " ms; over 1 s: %" G_GUINT64_FORMAT ", over 10 s: %"
      G_GUINT64_FORMAT "\n", max_latency / 1000, late_1s, late_10s);
  g_print ("jitter buffers       pushed %" G_GUINT64_FORMAT ", lost %" G_GUINT64_FORMAT
      ", late %" G_GUINT64_FORMAT ", duplicates %" G_GUINT64_FORMAT "\n",
      jb_pushed, jb_lost, jb_late, jb_dup);
  g_print ("memory (RSS)         start %" G_GINT64_FORMAT " kB, after warm-up (%d s) %"
      G_GINT64_FORMAT " kB, end %" G_GINT64_FORMAT " kB, max %" G_GINT64_FORMAT
      " kB; growth after warm-up %+" G_GINT64_FORMAT " kB, slope %+.1f kB/min\n",
      rss_start_kb, opt.warmup, rss_warm, rss_end, rss_max, rss_end - rss_warm,
      slope);
  g_print ("memory, second half  %d to %d s: RSS %+.1f kB/min (%+.0f kB), glibc heap in "
      "use %+.1f kB/min (%+.0f kB)\n", half, n_rss, slope_half,
      slope_half * (n_rss - half) / 60, heap_slope_half,
      heap_slope_half * (n_rss - half) / 60);
  print_memory_intervals ();
  g_print ("cpu                  %.2f cores on average (%ld online); load average "
      "at the end %s", cpu, sysconf (_SC_NPROCESSORS_ONLN), loadavg);
  if (streams_text->len)
    g_print ("streams with losses other than the relay's (at most 10):\n%s",
        streams_text->str);
  g_string_free (streams_text, TRUE);
  g_print ("\n");

  verdict (!failed && sum.sent > 0 && silent == 0 && receiver.unknown_streams == 0,
      "media flowed", "%d of %d streams delivered frames%s", opt.senders * 2 - silent,
      opt.senders * 2, failed ? ", but a pipeline failed" : "");
  if (opt.no_timing)
    skipped ("real time");
  else
    verdict (realtime >= 0.95, "real time", "%.1f%% of the frames real time would "
      "have sent (criterion: at least 95%%)", realtime * 100);
  if (opt.no_timing)
    skipped ("receiver kept up");
  else
    verdict (max_latency <= 2 * G_USEC_PER_SEC, "receiver kept up",
        "slowest intact frame %" G_GINT64_FORMAT " ms from e2eeenc to e2eedec "
        "(criterion: at most 2000 ms)", max_latency / 1000);
  verdict (sum.intact_key_loss == 0, "no frame lost to a key change",
      "%" G_GUINT64_FORMAT " intact frames reached a decryptor in time and were not "
      "decrypted", sum.intact_key_loss);
  verdict (mismatch == 0 && sum.corrupted_decrypted == 0
      && sum.decrypted_twice == 0 && sum.dropped_decrypted == 0,
      "nothing corrupted passed", "%" G_GUINT64_FORMAT " outputs not byte-exact, %"
      G_GUINT64_FORMAT " corrupted frames decrypted, %" G_GUINT64_FORMAT
      " frames decrypted twice", mismatch, sum.corrupted_decrypted,
      sum.decrypted_twice);
  for (r = 0; r < SOAK_N_DROP_REASONS; r++)
    if (messages_by[r] != dsum.reasons[r])
      unbalanced++;
  verdict (unbalanced == 0 && arrivals == outputs + dsum.dropped
      && messages == dsum.dropped && unmatched <= dsum.dropped,
      "every damaged frame dropped and counted", "into decryptors %" G_GUINT64_FORMAT
      " = out %" G_GUINT64_FORMAT " + dropped %" G_GUINT64_FORMAT " (stats) = %"
      G_GUINT64_FORMAT " (messages); damaged %" G_GUINT64_FORMAT " <= dropped",
      arrivals, outputs, dsum.dropped, messages, unmatched);
  if (opt.no_timing)
    skipped ("memory flat");
  else
    verdict (slope_half <= opt.rss_slope_limit, "memory flat",
        "RSS %+.1f kB/min over the second half of the run (criterion: at most "
        "%.1f kB/min, i.e. %.0f kB per 30 min)", slope_half, opt.rss_slope_limit,
        opt.rss_slope_limit * 30);
  g_print ("RESULT: %s\n", all_pass ? "PASS" : "FAIL");
  g_free (dec);
  g_free (loadavg);
  return all_pass ? 0 : 1;
}

static gboolean
parse_options (int argc, char **argv)
{
  GOptionEntry entries[] = {
    {"senders", 'n', 0, G_OPTION_ARG_INT, &opt.senders,
        "Senders, each with video and audio (default 20)", "N"},
    {"seconds", 's', 0, G_OPTION_ARG_INT, &opt.seconds,
        "How long the senders send (default 600)", "S"},
    {"warmup", 'w', 0, G_OPTION_ARG_INT, &opt.warmup,
        "Seconds before the memory baseline (default 60, or a fifth of a shorter run)",
        "S"},
    {"rotation", 0, 0, G_OPTION_ARG_STRING, &opt.rotation,
        "generate (new random keys, default) or ratchet", "MODE"},
    {"rotate-ms", 0, 0, G_OPTION_ARG_INT, &opt.rotate_ms,
        "Key change interval in ms of stream time (default 2000)", "MS"},
    {"key-delay-ms", 0, 0, G_OPTION_ARG_INT, &opt.key_delay_ms,
        "Hand a generated key to the receiver this late (default 0)", "MS"},
    {"drop", 0, 0, G_OPTION_ARG_DOUBLE, &opt.drop,
        "Percentage of RTP packets the relay drops (default 1)", "PCT"},
    {"reorder", 0, 0, G_OPTION_ARG_DOUBLE, &opt.reorder,
        "... sends after 1 to 3 later ones (default 1)", "PCT"},
    {"duplicate", 0, 0, G_OPTION_ARG_DOUBLE, &opt.duplicate,
        "... sends twice (default 1)", "PCT"},
    {"corrupt", 0, 0, G_OPTION_ARG_DOUBLE, &opt.corrupt,
        "... changes 1 to 4 payload bytes of (default 1)", "PCT"},
    {"seed", 0, 0, G_OPTION_ARG_INT, &opt.seed,
        "Seed of the relay's choices (default 1)", "SEED"},
    {"impair", 0, 0, G_OPTION_ARG_INT, &opt.impair_channels,
        "Which RTP flows to impair: 1 video, 4 audio, 5 both (default)", "MASK"},
    {"fps", 0, 0, G_OPTION_ARG_INT, &opt.fps, "Video frame rate (default 10)", "F"},
    {"width", 0, 0, G_OPTION_ARG_INT, &opt.width, "Video width (default 160)", "W"},
    {"height", 0, 0, G_OPTION_ARG_INT, &opt.height, "Video height (default 120)",
        "H"},
    {"audio-ms", 0, 0, G_OPTION_ARG_INT, &opt.audio_ms,
        "Opus frame duration: 10, 20, 40 or 60 (default 60)", "MS"},
    {"latency", 0, 0, G_OPTION_ARG_INT, &opt.latency_ms,
        "Jitter buffer latency in ms (default 200, 1000 with --slow)", "MS"},
    {"rss-slope-limit", 0, 0, G_OPTION_ARG_DOUBLE, &opt.rss_slope_limit,
        "Steepest resident memory growth over the second half of the run that "
        "passes, in kB per minute (default 8.5: 256 kB per 30 min)", "KB"},
    {"no-pli", 0, 0, G_OPTION_ARG_NONE, &opt.no_pli,
        "Do not ask senders for key frames (no rtcp-fb-nack-pli)", NULL},
    {"malloc-stats", 0, 0, G_OPTION_ARG_NONE, &opt.malloc_stats,
        "Print glibc's malloc_stats() on stderr after warm-up and at the end", NULL},
    {"keep-rtcp-feedback", 0, 0, G_OPTION_ARG_NONE, &opt.keep_feedback,
        "Leave rtpsession's RTCP feedback retention on (GStreamer 1.22 never frees it)",
        NULL},
    {"no-decode", 0, 0, G_OPTION_ARG_NONE, &opt.no_decode,
        "Count decrypted frames without decoding them", NULL},
    {"no-timing", 0, 0, G_OPTION_ARG_NONE, &opt.no_timing,
        "Judge neither real time nor memory (for a smoke test on a busy machine)",
        NULL},
    {"slow", 0, 0, G_OPTION_ARG_NONE, &opt.slow,
        "For a machine or a tool (valgrind) far slower than real time: --seconds "
          "of media however long they take, jitter buffers of 1 s, a longer drain "
          "(also set by " GST_E2EE_EXAMPLE_SLOW_ENV "=1)", NULL},
    {"progress", 0, 0, G_OPTION_ARG_INT, &opt.progress,
        "Print a progress line every S seconds on stderr, 0: never (default 60)",
        "S"},
    {NULL}
  };
  GOptionContext *ctx = g_option_context_new ("- soak test: senders through an "
      "impairing relay, keys rotating");
  GError *error = NULL;
  gboolean ok;

  g_option_context_add_main_entries (ctx, entries, NULL);
  g_option_context_add_group (ctx, gst_init_get_option_group ());
  ok = g_option_context_parse (ctx, &argc, &argv, &error);
  g_option_context_free (ctx);
  if (!ok) {
    g_printerr ("%s\n", error->message);
    g_error_free (error);
    return FALSE;
  }
  opt.ratchet = opt.rotation && g_str_equal (opt.rotation, "ratchet");
  if (opt.rotation && !opt.ratchet && !g_str_equal (opt.rotation, "generate")) {
    g_printerr ("--rotation must be generate or ratchet\n");
    return FALSE;
  }
  /* Under valgrind (20 to 50 times slower than real time) a receiving thread can
   * get no CPU for a while: the jitter buffers wait longer for packets still on
   * the way. Not much longer: each packet the relay drops holds its stream back
   * for that long, and the drain waits for more than that. */
  opt.slow = opt.slow || gst_e2ee_example_slow_from_env ();
  if (opt.latency_ms < 0)
    opt.latency_ms = opt.slow ? 1000 : 200;
  opt.quiet_ticks = opt.slow ? opt.latency_ms / 250 + 8 : 6;
  /* A ratchet step every 2 s for 10 minutes is 300 steps: more than 8 bits. */
  opt.ratchet_bits = opt.ratchet ? 16 : 8;
  if (opt.warmup < 0)
    opt.warmup = MIN (60, opt.seconds / 5);
  if (opt.senders < 1 || opt.senders > 100 || opt.seconds < 1
      || opt.warmup >= opt.seconds || opt.rotate_ms < 1 || opt.key_delay_ms < 0
      || opt.fps < 1 || opt.width < 16 || opt.height < 16
      || opt.drop < 0 || opt.drop > 100 || opt.reorder < 0 || opt.reorder > 100
      || opt.duplicate < 0 || opt.duplicate > 100 || opt.corrupt < 0
      || opt.corrupt > 100 || (opt.audio_ms != 10 && opt.audio_ms != 20
          && opt.audio_ms != 40 && opt.audio_ms != 60)) {
    g_printerr ("bad option value (see --help)\n");
    return FALSE;
  }
  return TRUE;
}

int
main (int argc, char **argv)
{
  GstE2eeRelayImpairment imp = { 0 };
  GstE2eeRelay *relay;
  GError *error = NULL;
  gint i, p, ret;
  guint c, video_cap, audio_cap, spans_cap;

  report_argc = argc;
  report_argv = g_strdupv (argv);
  if (!parse_options (argc, argv))
    return 2;

  /* Room for every frame of the run and the drain, with margin for a clock that
   * runs fast; frames past it are sent but not followed (reported). */
  video_cap = (opt.seconds + 60) * opt.fps * 5 / 4;
  audio_cap = (opt.seconds + 60) * (1000 / opt.audio_ms) * 5 / 4;
  spans_cap = (opt.seconds + 60) * 1000 / opt.rotate_ms * 2 + 64;
  streams = g_new0 (SoakStream *, opt.senders * 2);
  feeds = g_new0 (KeyFeed, opt.senders * 2);
  senders = g_new0 (Sender, opt.senders);
  for (i = 0; i < opt.senders * 2; i++)
    streams[i] = soak_stream_new (i, i % 2 == 0, i % 2 == 0 ? video_cap : audio_cap,
        spans_cap);
  rss_kb = g_new0 (gint64, opt.seconds + 2);
  heap_kb = g_new0 (gint64, opt.seconds + 2);
  g_mutex_init (&receiver.lock);
  receiver.store = gst_e2ee_key_store_new ();

  /* Participant opt.senders of the relay is the receiver. */
  relay = gst_e2ee_relay_new (opt.senders + 1, CHANNELS, 0, &error);
  if (!relay)
    goto error;
  for (p = 0; p < opt.senders; p++) {
    for (c = 0; c < 2; c++) {
      guint16 port;

      senders[p].rtcp[c] = bind_socket (&port, &error);
      if (!senders[p].rtcp[c])
        goto error;
      gst_e2ee_relay_set_destination (relay, p, c * 2 + 1, port);
    }
  }
  for (c = 0; c < CHANNELS; c++) {
    guint16 port;

    receiver.sockets[c] = bind_socket (&port, &error);
    if (!receiver.sockets[c])
      goto error;
    gst_e2ee_relay_set_destination (relay, opt.senders, c, port);
  }
  imp.drop = opt.drop;
  imp.reorder = opt.reorder;
  imp.duplicate = opt.duplicate;
  imp.corrupt = opt.corrupt;
  imp.seed = opt.seed;
  /* RTP only: channels 0 (video) and 2 (audio). */
  imp.channel_mask = opt.impair_channels & 5;
  gst_e2ee_relay_set_impairment (relay, &imp, payload_start, on_impair, NULL);

  loop = g_main_loop_new (NULL, FALSE);
  if (!build_receiver (relay, &error))
    goto error;
  for (p = 0; p < opt.senders; p++)
    if (!build_sender (p, relay, &error))
      goto error;
  if (!gst_e2ee_relay_start (relay, NULL, &error))
    goto error;

  rss_start_kb = read_rss_kb ();
  run_start_us = g_get_monotonic_time ();
  if (gst_element_set_state (receiver.pipeline, GST_STATE_PLAYING) ==
      GST_STATE_CHANGE_FAILURE)
    failed = TRUE;
  for (p = 0; p < opt.senders && !failed; p++)
    if (gst_element_set_state (senders[p].pipeline, GST_STATE_PLAYING) ==
        GST_STATE_CHANGE_FAILURE)
      failed = TRUE;

  if (!failed) {
    g_timeout_add (1000, sample, NULL);
    g_main_loop_run (loop);
  }
  if (!failed) {
    gint64 t = send_end_us = g_get_monotonic_time ();

    if (opt.malloc_stats) {
      g_printerr ("malloc_stats at the end:\n");
      malloc_stats ();
    }

    if (g_atomic_int_get (&senders_finished) < opt.senders * 2)
      stop_senders ();
    g_timeout_add (250, drain_tick, NULL);
    g_main_loop_run (loop);
    /* EOS ends e2eedec's hold: every frame it took is then decrypted or dropped. */
    gst_element_send_event (receiver.pipeline, gst_event_new_eos ());
    g_timeout_add (250, eos_tick, NULL);
    g_main_loop_run (loop);
    drain_ms = (g_get_monotonic_time () - t) / 1000;
  }

  ret = report (relay);

  for (p = 0; p < opt.senders; p++) {
    gst_element_set_state (senders[p].pipeline, GST_STATE_NULL);
    gst_bus_remove_watch (GST_ELEMENT_BUS (senders[p].pipeline));
    gst_object_unref (senders[p].pipeline);
    for (c = 0; c < 2; c++)
      g_object_unref (senders[p].rtcp[c]);
  }
  gst_element_set_state (receiver.pipeline, GST_STATE_NULL);
  gst_bus_remove_watch (GST_ELEMENT_BUS (receiver.pipeline));
  g_list_free_full (receiver.decryptors, gst_object_unref);
  g_list_free_full (receiver.jitterbuffers, gst_object_unref);
  gst_object_unref (receiver.pipeline);
  gst_object_unref (receiver.store);
  for (c = 0; c < CHANNELS; c++)
    g_object_unref (receiver.sockets[c]);
  gst_e2ee_relay_free (relay);
  for (i = 0; i < opt.senders * 2; i++)
    soak_stream_free (streams[i]);
  g_free (streams);
  g_free (feeds);
  g_free (senders);
  g_free (rss_kb);
  g_free (heap_kb);
  g_free (opt.rotation);
  g_strfreev (report_argv);
  g_main_loop_unref (loop);
  return failed ? 1 : ret;

error:
  g_printerr ("%s\n", error ? error->message : "setup failed");
  return 1;
}
