/*
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * gst-e2ee-meeting: an end-to-end encrypted meeting on one machine.
 *
 * N participants each send their own video and audio, encrypted with keys of their
 * own (one per stream, so no two encryptors ever share a key and counter), through
 * a relay that forwards every RTP and RTCP packet to everyone else and holds no keys
 * (examples/relay). Each participant receives and decrypts everyone else's streams
 * with rtpbin (jitter buffers, RTCP) and decodes them.
 *
 *   gst-e2ee-meeting --participants 4 --codec vp8 --seconds 3
 *
 * Each sender sends --seconds of media and stops; the meeting ends when every frame
 * sent has come out of every other participant's decoder, or when nothing has moved
 * for a while. Output: one line per participant, then
 *   participants N, frames F, undecodable U, dropped D
 * F: frames that reached the participants' decryptors; U: of those, frames that did
 * not come out of the decoder (failed decryption or decoding); D: frames sent to a
 * participant that never reached its decryptor (lost on the way). The exit status is
 * non-zero if any frame was undecodable, nothing was received, a sender did not
 * finish or a pipeline failed; with --slow, also if any frame was lost.
 *
 * With --policy FILE (an encryption policy, docs/policy.md), every participant's
 * pipeline enforces it through a gst.e2ee.policy context, an encstatus after each
 * video decryptor shows the meeting's status, and a SIP room system dials in
 * (a test source behind `encstatus stream-kind=sip`): unless the policy allows sip
 * in E2EE meetings, it is refused once the meeting is end-to-end encrypted, and the
 * run prints its exception; the exit status is then non-zero if it was not refused.
 *
 * With the codec layout (e2eeenc/e2eedec `layout`), the frames travel in their
 * codec's own RTP payload format (rtpvp8sframepay, rtpvp9pay, rtph264pay,
 * rtpopuspay); with --layout frame (or an e2eeenc without `layout`), as whole SFrame
 * frames with rtpsframepay.
 */
#include "gste2eeexample.h"
#include "gste2eerelay.h"
#include "meetingmls.h"

#include <gst/gst.h>
#include <gst/e2ee/e2ee.h>
#include <gio/gio.h>
#include <openssl/rand.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#define CHANNELS 4              /* video RTP, video RTCP, audio RTP, audio RTCP */
#define KEY_SIZE 32
#define SUITE GST_E2EE_CIPHER_SUITE_AES_256_GCM_SHA512_128

typedef struct
{
  const gchar *name;
  const gchar *encoder;         /* raw video in, encoded frames out */
  const gchar *codec_pay;       /* payloader for the codec layout */
  const gchar *codec_depay;     /* depayloader (and caps) for the codec layout */
  const gchar *decoder;
  const gchar *encoding_name;
  const gchar *sframe_depay;    /* depayloader (and caps) for the frame layout */
} Codec;

static const Codec codecs[] = {
  {"vp8", "vp8enc deadline=1 cpu-used=16 keyframe-max-dist=60 threads=1",
      "rtpvp8sframepay picture-id-mode=15-bit", "rtpvp8depay", "vp8dec",
        "VP8", "rtpsframedepay ! application/x-sframe,original-media-type=video/x-vp8"},
  {"vp9", "vp9enc deadline=1 cpu-used=8 keyframe-max-dist=60 lag-in-frames=0 "
        "threads=1", "rtpvp9pay", "rtpvp9depay", "vp9dec", "VP9",
      "rtpsframedepay ! application/x-sframe,original-media-type=video/x-vp9"},
  {"h264", "x264enc tune=zerolatency speed-preset=ultrafast key-int-max=60 "
        "threads=1 ! video/x-h264,stream-format=byte-stream,alignment=au,"
        "profile=constrained-baseline", "rtph264pay",
        "rtph264depay ! video/x-h264,stream-format=byte-stream,alignment=au",
      "h264parse ! avdec_h264 max-threads=1", "H264",
        "rtpsframedepay ! application/x-sframe,original-media-type=video/x-h264,"
        "stream-format=byte-stream,alignment=au"},
};

typedef struct _Participant Participant;

struct _Participant
{
  guint index;
  GstElement *pipeline;
  GstE2eeKeyStore *store;
  GSocket *sockets[CHANNELS];   /* where the relay sends to this participant */
  guint8 keys[2][KEY_SIZE];     /* video, audio */
  gint sent[2];                 /* frames encrypted, video and audio */
  gint finished;                /* streams whose EOS left their payloader */
  gint received, decrypted, decoded;
  GMutex lock;
  GList *decryptors;
  GList *jitterbuffers;
};

static gboolean codec_layout;
/* Set on e2eeenc when it has `layout`: links are made at parse time, and the
 * default (auto) would offer the codec's caps, which rtpsframepay does not take. */
static const gchar *enc_layout = "";
static const Codec *codec;
static gboolean failed;
static GMainLoop *loop;
/* Every participant decodes everyone else's streams: with many participants
 * fewer, longer frames keep a small machine from falling behind. */
static gint video_fps = 15, audio_frame_ms = 20;
/* rtpbin's jitter buffer latency, and how long nothing may move after the senders
 * finished before the frames still missing count as lost. */
static gint latency_ms = 200, quiet_ms = 1000;
static gint seconds = 3;
/* For big meetings on a small machine (the MLS benchmark): no video, and
 * receivers that decrypt without decoding. */
static gboolean audio_only, decrypt_only;
/* --receivers: how many participants receive (0: all); with --bench-remove the
 * leaver (the last) receives too, for the removed-member count */
static gint receivers, n_participants;
static gboolean bench;

static gboolean
receives (guint i)
{
  return receivers <= 0 || i < (guint) receivers
      || (bench && i == (guint) n_participants - 1);
}
static gboolean slow;
/* For exercising key frame requests and memory: the relay corrupts this share of
 * the video RTP packets, e2eedec refuses those frames and asks for key frames. */
static gdouble corrupt_pct;
static gboolean keep_feedback;
/* --keys mls: the participants' MLS agents and what the run checks of them */
static MeetingMls *mls;
/* --policy: the policy every pipeline enforces, the meeting's name for encstatus */
static GstE2eePolicy *policy;
#define MEETING "gst-e2ee-meeting"

/* The codec's decoder. For H.264, GST_E2EE_H264_DECODER may give another one than
 * avdec_h264 (a launch fragment that takes what rtph264depay gives): Debian 12's
 * valgrind cannot run gst-libav on a CPU that hides RDTSCP, so the valgrind test
 * setup (tests/meson.build) does. */
static gchar *
video_decoder (void)
{
  const gchar *h264 = g_getenv ("GST_E2EE_H264_DECODER");

  if (decrypt_only)
    return g_strdup ("identity");
  if (strcmp (codec->name, "h264") == 0 && h264 && *h264)
    return g_strdup (h264);
  return g_strdup (codec->decoder);
}

static guint64
stream_kid (guint participant, guint stream)
{
  /* Steps of e2eedec's ratchet are the low 8 bits: keep them 0. */
  return (guint64) (participant * 2 + stream + 1) << 8;
}

static gboolean
has_property (const gchar * factory, const gchar * prop)
{
  GstElement *e = gst_element_factory_make (factory, NULL);
  gboolean ret;

  if (!e)
    return FALSE;
  ret = g_object_class_find_property (G_OBJECT_GET_CLASS (e), prop) != NULL;
  gst_object_unref (e);
  return ret;
}

static void
set_layout (GstElement * e, const gchar * nick)
{
  if (g_object_class_find_property (G_OBJECT_GET_CLASS (e), "layout"))
    gst_util_set_object_arg (G_OBJECT (e), "layout", nick);
}

static GstPadProbeReturn
count_probe (GstPad * pad, GstPadProbeInfo * info, gpointer counter)
{
  g_atomic_int_inc ((gint *) counter);
  return GST_PAD_PROBE_OK;
}

static void
add_count_probe (GstElement * e, const gchar * pad_name, gint * counter)
{
  GstPad *pad = gst_element_get_static_pad (e, pad_name);

  gst_pad_add_probe (pad, GST_PAD_PROBE_TYPE_BUFFER, count_probe, counter,
      NULL);
  gst_object_unref (pad);
}

/* The sources stop after --seconds (num-buffers); a stream has finished when the
 * EOS behind its last frame leaves the payloader, every packet having gone to the
 * relay before it (rtpbin's sending side has no queue). The EOS goes no further:
 * in rtpbin it would make the session send an RTCP BYE, which travels on a socket
 * and thread of its own and, on a machine too slow to keep up (valgrind), reached
 * receivers seconds before the last RTP packets; 2 to 7 s after a BYE the receiving
 * session forgets the sender, and a packet arriving after that starts a new source
 * on probation, which waits for a second packet that never comes: the last frame
 * was lost. A sender that goes quiet without BYE keeps its sources. */
static GstPadProbeReturn
eos_probe (GstPad * pad, GstPadProbeInfo * info, gpointer counter)
{
  if (GST_EVENT_TYPE (GST_PAD_PROBE_INFO_EVENT (info)) != GST_EVENT_EOS)
    return GST_PAD_PROBE_OK;
  g_atomic_int_inc ((gint *) counter);
  return GST_PAD_PROBE_DROP;
}

static void
on_new_jitterbuffer (GstElement * rtpbin, GstElement * jb, guint session,
    guint ssrc, Participant * p)
{
  g_mutex_lock (&p->lock);
  p->jitterbuffers = g_list_prepend (p->jitterbuffers, gst_object_ref (jb));
  g_mutex_unlock (&p->lock);
}

/* A remote stream appeared in rtpbin: depayload, decrypt, decode, count. */
static void
on_pad_added (GstElement * rtpbin, GstPad * pad, Participant * p)
{
  guint session, ssrc, pt;
  gchar *desc;
  GstElement *bin, *dec, *last;
  GstPad *sink;
  GError *error = NULL;

  if (!gst_e2ee_example_parse_recv_pad (pad, &session, &ssrc, &pt))
    return;

  if (session == 0) {
    gchar *decoder = video_decoder ();

    gchar *status = policy ? g_strdup_printf ("encstatus meeting=" MEETING
        " stream-name=participant%u-from-%u ! ", p->index, ssrc) : g_strdup ("");

    desc = g_strdup_printf ("%s ! e2eedec name=d ! %s%s name=vdec ! "
        "fakesink sync=false async=false",
        codec_layout ? codec->codec_depay : codec->sframe_depay, status, decoder);
    g_free (status);
    g_free (decoder);
  } else
    desc = g_strdup_printf ("%s ! e2eedec name=d ! %s name=vdec ! "
        "fakesink sync=false async=false",
        codec_layout ? "rtpopusdepay" : "rtpsframedepay ! "
        "application/x-sframe,original-media-type=audio/x-opus",
        decrypt_only ? "identity" : "opusdec");
  bin = gst_e2ee_example_parse_launch (desc, TRUE, &error);
  g_free (desc);
  if (!bin) {
    g_printerr ("participant %u: %s\n", p->index, error->message);
    g_clear_error (&error);
    failed = TRUE;
    return;
  }

  dec = gst_bin_get_by_name (GST_BIN (bin), "d");
  g_object_set (dec, "key-store", p->store, NULL);
  if (mls)
    meeting_mls_decryptor_added (mls, p->index, dec);
  set_layout (dec, codec_layout ? "codec" : "frame");
  add_count_probe (dec, "sink", &p->received);
  add_count_probe (dec, "src", &p->decrypted);
  last = gst_bin_get_by_name (GST_BIN (bin), "vdec");
  add_count_probe (last, "src", &p->decoded);
  gst_object_unref (last);
  g_mutex_lock (&p->lock);
  p->decryptors = g_list_prepend (p->decryptors, dec);
  g_mutex_unlock (&p->lock);

  gst_bin_add (GST_BIN (p->pipeline), bin);
  gst_element_sync_state_with_parent (bin);
  sink = gst_element_get_static_pad (bin, "sink");
  if (gst_pad_link (pad, sink) != GST_PAD_LINK_OK) {
    g_printerr ("participant %u: cannot link a received stream\n", p->index);
    failed = TRUE;
  }
  gst_object_unref (sink);
}

static gboolean
on_bus (GstBus * bus, GstMessage * msg, gpointer data)
{
  Participant *p = data;

  if (GST_MESSAGE_TYPE (msg) == GST_MESSAGE_ERROR) {
    GError *err;
    gchar *dbg;

    gst_message_parse_error (msg, &err, &dbg);
    g_printerr ("participant %u: error from %s: %s\n%s\n", p->index,
        GST_OBJECT_NAME (msg->src), err->message, dbg ? dbg : "");
    g_error_free (err);
    g_free (dbg);
    failed = TRUE;
    g_main_loop_quit (loop);
  }
  return G_SOURCE_CONTINUE;
}

static GSocket *
bind_socket (guint16 * port, GError ** error)
{
  GSocket *s = g_socket_new (G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_DATAGRAM,
      G_SOCKET_PROTOCOL_UDP, error);
  GInetAddress *lo;
  GSocketAddress *addr, *bound;

  if (!s)
    return NULL;
  /* Room for bursts (key frames of everyone at once) while the machine is busy;
   * the kernel caps it at net.core.rmem_max. */
  g_socket_set_option (s, SOL_SOCKET, SO_RCVBUF, 4 * 1024 * 1024, NULL);
  lo = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
  addr = g_inet_socket_address_new (lo, 0);
  g_object_unref (lo);
  if (!g_socket_bind (s, addr, FALSE, error)) {
    g_object_unref (addr);
    g_object_unref (s);
    return NULL;
  }
  g_object_unref (addr);
  bound = g_socket_get_local_address (s, error);
  if (!bound) {
    g_object_unref (s);
    return NULL;
  }
  *port = g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (bound));
  g_object_unref (bound);
  return s;
}

static GstElement *
by_name (Participant * p, const gchar * name)
{
  GstElement *e = gst_bin_get_by_name (GST_BIN (p->pipeline), name);

  g_assert (e);
  return e;
}

static gboolean
build_participant (Participant * p, guint n, GstE2eeRelay * relay,
    GError ** error)
{
  static const gchar *patterns[] = { "smpte", "ball", "snow", "pinwheel",
    "spokes", "gradient", "colors", "smpte75", "zone-plate", "circular"
  };
  const gchar *rtp_caps[2];
  gchar *video_caps, *desc;
  guint c, s;

  /* rtcp-fb-nack-pli (SDP a=rtcp-fb:96 nack pli): a receiver's key frame request
   * (e2eedec asks for one after a gap) goes to the sender as a PLI. */
  video_caps = g_strdup_printf ("application/x-rtp,media=video,clock-rate=90000,"
      "encoding-name=%s,payload=96,rtcp-fb-nack-pli=(boolean)true",
      codec->encoding_name);
  rtp_caps[0] = video_caps;
  rtp_caps[1] = "application/x-rtp,media=audio,clock-rate=48000,"
      "encoding-name=OPUS,payload=111";

  desc = g_strdup_printf (
      "rtpbin name=rtpbin latency=%d rtp-profile=avpf "
      "videotestsrc is-live=true num-buffers=%d pattern=%s ! "
      "video/x-raw,width=160,height=120,framerate=%d/1 ! %s ! "
      "e2eeenc name=venc %s ! %s name=vpay pt=96 mtu=1200 ! rtpbin.send_rtp_sink_0 "
      "rtpbin.send_rtp_src_0 ! udpsink name=out0 host=127.0.0.1 %s "
      "rtpbin.send_rtcp_src_0 ! udpsink name=out1 host=127.0.0.1 sync=false async=false "
      "udpsrc name=in0 close-socket=false caps=\"%s\" ! rtpbin.recv_rtp_sink_0 "
      "udpsrc name=in1 close-socket=false caps=application/x-rtcp ! rtpbin.recv_rtcp_sink_0 "
      "audiotestsrc is-live=true num-buffers=%d freq=%u volume=0.3 samplesperbuffer=%d ! "
      "audio/x-raw,rate=48000,channels=1 ! opusenc frame-size=%d ! "
      "e2eeenc name=aenc %s ! %s name=apay pt=111 ! rtpbin.send_rtp_sink_1 "
      "rtpbin.send_rtp_src_1 ! udpsink name=out2 host=127.0.0.1 "
      "rtpbin.send_rtcp_src_1 ! udpsink name=out3 host=127.0.0.1 sync=false async=false "
      "udpsrc name=in2 close-socket=false caps=\"%s\" ! rtpbin.recv_rtp_sink_1 "
      "udpsrc name=in3 close-socket=false caps=application/x-rtcp ! rtpbin.recv_rtcp_sink_1",
      latency_ms, audio_only ? 0 : seconds * video_fps, patterns[p->index % G_N_ELEMENTS (patterns)],
      video_fps, codec->encoder, enc_layout,
      codec_layout ? codec->codec_pay : "rtpsframepay",
      /* no video: this sink never prerolls */
      audio_only ? "async=false" : "", rtp_caps[0],
      seconds * 1000 / audio_frame_ms, 200 + 40 * p->index, 48 * audio_frame_ms,
      audio_frame_ms, enc_layout,
      codec_layout ? "rtpopuspay" : "rtpsframepay", rtp_caps[1]);
  p->pipeline = gst_e2ee_example_parse_launch (desc, FALSE, error);
  g_free (desc);
  g_free (video_caps);
  if (!p->pipeline)
    return FALSE;

  for (c = 0; c < CHANNELS; c++) {
    gchar name[8];
    GstElement *e;

    g_snprintf (name, sizeof (name), "in%u", c);
    e = by_name (p, name);
    g_object_set (e, "socket", p->sockets[c], NULL);
    gst_object_unref (e);
    g_snprintf (name, sizeof (name), "out%u", c);
    e = by_name (p, name);
    g_object_set (e, "port", (gint) gst_e2ee_relay_get_port (relay, p->index, c),
        NULL);
    gst_object_unref (e);
  }

  if (mls) {
    GstElement *venc = by_name (p, "venc"), *aenc = by_name (p, "aenc");
    gboolean ok = meeting_mls_setup (mls, p->index, p->pipeline, p->store, venc,
        aenc, error);

    gst_object_unref (venc);
    gst_object_unref (aenc);
    if (!ok)
      return FALSE;
  }
  for (s = 0; s < 2; s++) {
    GstElement *enc = by_name (p, s == 0 ? "venc" : "aenc");
    GstPad *pad;

    /* With MLS the group keys the encryptors (e2eemls, meetingmls.c). */
    if (!mls) {
      GstBuffer *key = gst_buffer_new_memdup (p->keys[s], KEY_SIZE);

      g_object_set (enc, "key-id", stream_kid (p->index, s), "key", key, NULL);
      gst_buffer_unref (key);
    }
    add_count_probe (enc, "src", &p->sent[s]);
    gst_object_unref (enc);
    enc = by_name (p, s == 0 ? "vpay" : "apay");
    pad = gst_element_get_static_pad (enc, "src");
    gst_pad_add_probe (pad, GST_PAD_PROBE_TYPE_EVENT_DOWNSTREAM, eos_probe,
        &p->finished, NULL);
    gst_object_unref (pad);
    gst_object_unref (enc);
  }

  {
    GstElement *rtpbin = by_name (p, "rtpbin");

    g_signal_connect (rtpbin, "pad-added", G_CALLBACK (on_pad_added), p);
    g_signal_connect (rtpbin, "new-jitterbuffer",
        G_CALLBACK (on_new_jitterbuffer), p);
    /* Every participant sends PLIs (e2eedec asks for key frames) to everyone. */
    if (!keep_feedback)
      gst_e2ee_example_drop_feedback_retention (rtpbin);
    gst_object_unref (rtpbin);
  }
  gst_bus_add_watch (GST_ELEMENT_BUS (p->pipeline), on_bus, p);
  (void) n;
  return TRUE;
}

/* Frames sent to participant i: what everyone else encrypted. */
static gint
expected_frames (GPtrArray * parts, guint i)
{
  gint expected = 0;
  guint j;

  if (!receives (i))
    return 0;
  for (j = 0; j < parts->len; j++) {
    Participant *q = g_ptr_array_index (parts, j);

    if (i != j)
      expected += g_atomic_int_get (&q->sent[0]) + g_atomic_int_get (&q->sent[1]);
  }
  return expected;
}

static gint
total_progress (GPtrArray * parts)
{
  gint total = 0;
  guint i;

  for (i = 0; i < parts->len; i++) {
    Participant *p = g_ptr_array_index (parts, i);

    total += g_atomic_int_get (&p->received) + g_atomic_int_get (&p->decrypted)
        + g_atomic_int_get (&p->decoded) + g_atomic_int_get (&p->sent[0])
        + g_atomic_int_get (&p->sent[1]);
  }
  return total;
}

static gboolean senders_late;

/* --keys mls starts the pipelines itself: late joiners during the run. */
static void
start_participant (guint i, gpointer data)
{
  Participant *p = g_ptr_array_index ((GPtrArray *) data, i);

  if (gst_element_set_state (p->pipeline, GST_STATE_PLAYING) ==
      GST_STATE_CHANGE_FAILURE) {
    g_printerr ("participant %u: cannot start\n", i);
    failed = TRUE;
    g_main_loop_quit (loop);
  }
}

/* Every 200 ms: wait for the senders to finish, then for their frames to come out
 * of every decoder. Frames still in sockets, jitter buffers and decoders (a loaded
 * machine is behind) are waited for rather than mistaken for lost or undecodable
 * ones; once nothing has moved for quiet_ms, what is missing is lost. */
static gboolean
tick (gpointer data)
{
  GPtrArray *parts = data;
  static gint64 start, last_move;
  static gint last = -1;
  gint64 now = g_get_monotonic_time ();
  gint progress = total_progress (parts);
  gboolean finished = TRUE, complete = TRUE;
  guint i;

  if (!start)
    start = last_move = now;
  if (progress != last)
    last_move = now;
  last = progress;

  for (i = 0; i < parts->len; i++) {
    Participant *p = g_ptr_array_index (parts, i);
    gint received = g_atomic_int_get (&p->received);

    if (g_atomic_int_get (&p->finished) < 2)
      finished = FALSE;
    if (received < expected_frames (parts, i)
        || g_atomic_int_get (&p->decoded) < received)
      complete = FALSE;
  }

  /* A hang guard, not a timing check: --seconds of media take about that long
   * to send, even with every participant encoding and decoding on one machine. */
  if (!finished && now - start > (gint64) (slow ? 100 : 10) * seconds
      * G_USEC_PER_SEC + 30 * G_USEC_PER_SEC) {
    g_printerr ("the senders had not finished after %" G_GINT64_FORMAT " s\n",
        (now - start) / G_USEC_PER_SEC);
    senders_late = TRUE;
    g_main_loop_quit (loop);
    return G_SOURCE_REMOVE;
  }
  /* With MLS, frames sent before a member joined or after it left are not owed
   * to it: complete when every frame owed has come out of its decryptor. */
  if (finished && mls) {
    for (i = 0; i < parts->len; i++) {
      Participant *p = g_ptr_array_index (parts, i);

      g_mutex_lock (&p->lock);
      meeting_mls_collect (mls, i, p->decryptors);
      g_mutex_unlock (&p->lock);
    }
    complete = meeting_mls_missing (mls) == 0;
  }
  if (finished && (complete || now - last_move >= (gint64) quiet_ms * 1000)) {
    g_main_loop_quit (loop);
    return G_SOURCE_REMOVE;
  }
  return G_SOURCE_CONTINUE;
}

/* What the jitter buffers gave up on: packets never received (lost) and packets
 * that came after their deadline (late). */
static void
jitterbuffer_losses (Participant * p, guint64 * lost, guint64 * late)
{
  GList *l;

  *lost = *late = 0;
  for (l = p->jitterbuffers; l; l = l->next) {
    GstStructure *st = NULL;
    guint64 v;

    g_object_get (l->data, "stats", &st, NULL);
    if (!st)
      continue;
    if (gst_structure_get_uint64 (st, "num-lost", &v))
      *lost += v;
    if (gst_structure_get_uint64 (st, "num-late", &v))
      *late += v;
    gst_structure_free (st);
  }
}

static guint64
decryptor_drops (Participant * p)
{
  guint64 total = 0;
  GList *l;

  for (l = p->decryptors; l; l = l->next) {
    GstStructure *st = NULL;
    guint64 d = 0;

    g_object_get (l->data, "stats", &st, NULL);
    if (st && gst_structure_get_uint64 (st, "dropped", &d))
      total += d;
    if (st)
      gst_structure_free (st);
  }
  return total;
}

/* The SIP leg's exception once the policy refused it: the leg leaves the meeting at
 * its end, so it is caught when the meeting's exceptions change. */
static GMutex sip_lock;
static gchar *sip_refusal;

static void
on_exceptions (GObject * st, GParamSpec * pspec, gpointer data)
{
  GValue list = G_VALUE_INIT;
  guint i;

  g_value_init (&list, GST_TYPE_ARRAY);
  g_object_get_property (st, "exceptions", &list);
  for (i = 0; i < gst_value_array_get_size (&list); i++) {
    const GstStructure *e =
        gst_value_get_structure (gst_value_array_get_value (&list, i));
    gboolean refused = FALSE;

    if (g_strcmp0 (gst_structure_get_string (e, "stream"), "sip-room-system") == 0 &&
        gst_structure_get_boolean (e, "refused", &refused) && refused) {
      g_mutex_lock (&sip_lock);
      if (sip_refusal == NULL)
        sip_refusal = g_strdup (gst_structure_get_string (e, "reason"));
      g_mutex_unlock (&sip_lock);
    }
  }
  g_value_unset (&list);
}

/* A SIP room system dialing in: no E2EE possible, so the policy decides. It stays
 * until the meeting ends (no num-buffers): a leg that hung up before the meeting
 * became end-to-end encrypted, as it did under valgrind where the participants
 * take longer to start, would never be refused. */
static GstElement *
start_sip_leg (gint *passed)
{
  gchar *desc = g_strdup_printf ("videotestsrc is-live=true ! "
      "video/x-raw,width=160,height=120,framerate=%d/1 ! encstatus name=st meeting="
      MEETING " stream-name=sip-room-system stream-kind=sip ! fakesink name=out "
      "sync=false async=false", video_fps);
  GError *error = NULL;
  GstElement *pipeline = gst_parse_launch (desc, &error), *out;
  GstContext *context;

  g_free (desc);
  if (pipeline == NULL) {
    g_printerr ("SIP leg: %s\n", error->message);
    g_error_free (error);
    return NULL;
  }
  context = gst_e2ee_policy_context_new (policy, NULL, NULL);
  gst_element_set_context (pipeline, context);
  gst_context_unref (context);
  out = gst_bin_get_by_name (GST_BIN (pipeline), "out");
  add_count_probe (out, "sink", passed);
  gst_object_unref (out);
  out = gst_bin_get_by_name (GST_BIN (pipeline), "st");
  g_signal_connect (out, "notify::exceptions", G_CALLBACK (on_exceptions), NULL);
  gst_object_unref (out);
  gst_element_set_state (pipeline, GST_STATE_PLAYING);
  return pipeline;
}

/* Prints what happened to the SIP leg; returns whether the policy refused it. */
static gboolean
report_sip_leg (gint passed)
{
  gboolean refused;

  g_mutex_lock (&sip_lock);
  refused = sip_refusal != NULL;
  g_print ("policy %s: SIP leg %s%s (%d of its frames passed before the meeting was "
      "end-to-end encrypted)\n", gst_e2ee_policy_get_path (policy),
      refused ? "refused: " : "not refused", refused ? sip_refusal : "", passed);
  g_clear_pointer (&sip_refusal, g_free);
  g_mutex_unlock (&sip_lock);
  return refused;
}

/* Whether the policy lets a SIP leg into an E2EE meeting. */
static gboolean
policy_allows_sip (void)
{
  GstE2eeResolvedPolicy *r = gst_e2ee_policy_resolve (policy, NULL, NULL);
  guint kinds = 0;

  gst_structure_get_flags (gst_e2ee_resolved_policy_get_settings (r),
      "allowed-stream-kinds", GST_TYPE_E2EE_STREAM_KINDS, &kinds);
  gst_e2ee_resolved_policy_unref (r);
  return (kinds & GST_E2EE_STREAM_KINDS_SIP) != 0;
}

int
main (int argc, char **argv)
{
  gint n = 4, sip_passed = 0;
  gchar *codec_name = NULL, *layout = NULL, *dump = NULL, *policy_file = NULL;
  gchar *keys_mode = NULL;
  gboolean churn = FALSE, bad_input = FALSE, mls_ok = TRUE;
  gboolean keys_mls = FALSE;
  gint update_interval = -1, grace_period = -1;
  GstElement *sip = NULL;
  gboolean sip_refused = FALSE;
  GOptionEntry entries[] = {
    {"participants", 'n', 0, G_OPTION_ARG_INT, &n,
        "Number of participants (default 4)", "N"},
    {"codec", 'c', 0, G_OPTION_ARG_STRING, &codec_name,
        "Video codec: vp8 (default), vp9 or h264", "CODEC"},
    {"seconds", 's', 0, G_OPTION_ARG_INT, &seconds,
        "Seconds of media (default 3)", "S"},
    {"layout", 'l', 0, G_OPTION_ARG_STRING, &layout,
        "codec (default when e2eeenc has it) or frame", "LAYOUT"},
    {"policy", 0, 0, G_OPTION_ARG_FILENAME, &policy_file,
        "Enforce the encryption policy in FILE (docs/policy.md) and let a SIP room "
          "system dial in", "FILE"},
    {"keys", 'k', 0, G_OPTION_ARG_STRING, &keys_mode,
        "pre-shared (default: a key per stream, given to everyone) or mls (an "
          "e2eemls per participant, participant 0 the host, the others joining "
          "through the delivery service)", "MODE"},
    {"churn", 0, 0, G_OPTION_ARG_NONE, &churn,
        "With --keys mls: a quarter of the participants join during the run and "
          "another quarter leave", NULL},
    {"update-interval", 0, 0, G_OPTION_ARG_INT, &update_interval,
        "With --keys mls: each member's self-update period in seconds (default 1 "
          "with --churn, 10 with --slow, else 0: off)", "S"},
    {"grace-period", 0, 0, G_OPTION_ARG_INT, &grace_period,
        "With --keys mls: seconds an old epoch's keys stay after the next epoch "
          "(default 10, at least 120 with --slow)", "S"},
    {"bad-input", 0, 0, G_OPTION_ARG_NONE, &bad_input,
        "With --keys mls: halfway through, a non-member submits forged and stale "
          "proposals and old commits to the delivery service", NULL},
    {"bench-remove", 0, 0, G_OPTION_ARG_NONE, &bench,
        "With --keys mls: the last participant leaves halfway through; print the "
          "time from the Remove commit to the last sender on the new epoch", NULL},
    {"audio-only", 0, 0, G_OPTION_ARG_NONE, &audio_only,
        "Send no video (for big meetings on a small machine)", NULL},
    {"decrypt-only", 0, 0, G_OPTION_ARG_NONE, &decrypt_only,
        "Receivers decrypt and count, without decoding", NULL},
    {"receivers", 0, 0, G_OPTION_ARG_INT, &receivers,
        "Only participants 0 to K-1 (and with --bench-remove the leaver) receive; "
          "the others only send (default 0: everyone receives)", "K"},
    {"dump", 0, 0, G_OPTION_ARG_FILENAME, &dump,
        "Write every packet the relay forwards to FILE", "FILE"},
    {"corrupt", 0, 0, G_OPTION_ARG_DOUBLE, &corrupt_pct,
        "The relay corrupts PCT % of the video RTP packets; frames that lose "
          "authentication are expected then, and only a pipeline failure or nothing "
          "received fails the run", "PCT"},
    {"keep-rtcp-feedback", 0, 0, G_OPTION_ARG_NONE, &keep_feedback,
        "Leave rtpsession's RTCP feedback retention on (GStreamer 1.22 never frees "
          "it)", NULL},
    {"slow", 0, 0, G_OPTION_ARG_NONE, &slow,
        "For a machine or a tool (valgrind) far slower than real time: 5 fps video, "
          "60 ms Opus frames, jitter buffers of 5 s; then a frame lost fails too "
          "(also set by " GST_E2EE_EXAMPLE_SLOW_ENV "=1)", NULL},
    {NULL}
  };
  GOptionContext *ctx;
  GError *error = NULL;
  GstE2eeRelay *relay;
  GPtrArray *parts;
  guint64 frames = 0, undecodable = 0, dropped = 0;
  gint i, j, ret = 0;

  ctx = g_option_context_new ("- an end-to-end encrypted meeting through a relay");
  g_option_context_add_main_entries (ctx, entries, NULL);
  g_option_context_add_group (ctx, gst_init_get_option_group ());
  if (!g_option_context_parse (ctx, &argc, &argv, &error)) {
    g_printerr ("%s\n", error->message);
    return 2;
  }
  g_option_context_free (ctx);
  n_participants = n;

  codec = &codecs[0];
  if (codec_name) {
    for (i = 0; i < (gint) G_N_ELEMENTS (codecs); i++)
      if (g_str_equal (codec_name, codecs[i].name))
        break;
    if (i == G_N_ELEMENTS (codecs)) {
      g_printerr ("unknown codec '%s' (vp8, vp9 or h264)\n", codec_name);
      return 2;
    }
    codec = &codecs[i];
  }
  if (n < 2 || n > 100 || seconds < 1 || corrupt_pct < 0 || corrupt_pct > 100) {
    g_printerr ("need 2 to 100 participants, at least 1 second and --corrupt "
        "0 to 100\n");
    return 2;
  }
  if (n > 8) {
    video_fps = 10;
    audio_frame_ms = 60;
  }
  /* Under valgrind everything runs 20 to 50 times slower than real time: a
   * receiving thread that gets no CPU for seconds must not make the jitter buffer
   * give up on packets still on the way, and fewer frames keep it from falling
   * further behind. The frames are still all checked. */
  slow = slow || gst_e2ee_example_slow_from_env ();
  if (slow) {
    video_fps = 5;
    audio_frame_ms = 60;
    latency_ms = 5000;
    quiet_ms = 15000;
  }
  codec_layout = has_property ("e2eeenc", "layout")
      && has_property ("e2eedec", "layout");
  if (layout && g_str_equal (layout, "frame")) {
    codec_layout = FALSE;
    if (has_property ("e2eeenc", "layout"))
      enc_layout = "layout=frame";
  }
  else if (layout && !(g_str_equal (layout, "codec") && codec_layout)) {
    g_printerr ("--layout must be frame, or codec with an e2eeenc that has it\n");
    return 2;
  }

  if (keys_mode && g_str_equal (keys_mode, "mls")) {
    if (update_interval < 0)
      update_interval = churn ? (slow ? 10 : 1) : 0;
    mls = meeting_mls_new (n, churn, update_interval, slow, bad_input ?
        MEETING_MLS_BAD_INPUT : MEETING_MLS_BAD_NONE, bench, audio_only);
    if (grace_period >= 0)
      meeting_mls_set_grace_period (mls, grace_period);
    for (i = 0; i < n; i++)
      if (!receives (i))
        meeting_mls_set_receiver (mls, i, FALSE);
    keys_mls = TRUE;
  } else if ((keys_mode && !g_str_equal (keys_mode, "pre-shared")) || churn
      || bad_input || bench || update_interval >= 0 || grace_period >= 0) {
    g_printerr ("--keys is pre-shared or mls; --churn, --update-interval, "
        "--grace-period, --bad-input and --bench-remove need --keys mls\n");
    return 2;
  }

  if (policy_file) {
    policy = gst_e2ee_policy_new_from_file (policy_file, &error);
    if (policy == NULL) {
      g_printerr ("%s\n", error->message);
      return 1;
    }
  }

  relay = gst_e2ee_relay_new (n, CHANNELS, 0, &error);
  if (!relay) {
    g_printerr ("%s\n", error->message);
    return 1;
  }
  if (corrupt_pct > 0) {
    GstE2eeRelayImpairment imp = { 0 };

    imp.corrupt = corrupt_pct;
    imp.seed = 1;
    imp.channel_mask = 1;       /* video RTP */
    gst_e2ee_relay_set_impairment (relay, &imp, NULL, NULL, NULL);
  }

  parts = g_ptr_array_new ();
  for (i = 0; i < n; i++) {
    Participant *p = g_new0 (Participant, 1);
    guint c;

    p->index = i;
    g_mutex_init (&p->lock);
    p->store = gst_e2ee_key_store_new ();
    if (RAND_bytes (p->keys[0], KEY_SIZE) != 1
        || RAND_bytes (p->keys[1], KEY_SIZE) != 1) {
      g_printerr ("no random bytes\n");
      return 1;
    }
    for (c = 0; c < CHANNELS; c++) {
      guint16 port;

      p->sockets[c] = bind_socket (&port, &error);
      if (!p->sockets[c]) {
        g_printerr ("%s\n", error->message);
        return 1;
      }
      if (receives (i))
        gst_e2ee_relay_set_destination (relay, i, c, port);
    }
    g_ptr_array_add (parts, p);
  }

  /* Key distribution, out of band as in a real meeting: everyone gets everyone
   * else's keys for decryption; the relay gets none. With MLS, the group does. */
  for (i = 0; i < n && !mls; i++) {
    Participant *p = g_ptr_array_index (parts, i);

    for (j = 0; j < n; j++) {
      Participant *q = g_ptr_array_index (parts, j);
      guint s;

      if (i == j)
        continue;
      for (s = 0; s < 2; s++) {
        if (!gst_e2ee_key_store_add_key (p->store, stream_kid (j, s),
                GST_E2EE_KEY_USAGE_DECRYPT, SUITE, q->keys[s], KEY_SIZE,
                &error)) {
          g_printerr ("%s\n", error->message);
          return 1;
        }
      }
    }
  }

  if (!gst_e2ee_relay_start (relay, dump, &error)) {
    g_printerr ("%s\n", error->message);
    return 1;
  }

  loop = g_main_loop_new (NULL, FALSE);
  for (i = 0; i < n; i++) {
    Participant *p = g_ptr_array_index (parts, i);

    if (!build_participant (p, n, relay, &error)) {
      g_printerr ("participant %d: %s\n", i, error->message);
      return 1;
    }
  }
  if (mls && !failed)
    meeting_mls_start (mls, audio_only ? seconds * 1000 / audio_frame_ms :
        seconds * video_fps, start_participant, parts);
  for (i = 0; i < n && !failed && !mls; i++) {
    Participant *p = g_ptr_array_index (parts, i);

    if (policy) {
      GstContext *context = gst_e2ee_policy_context_new (policy, NULL, NULL);

      gst_element_set_context (p->pipeline, context);
      gst_context_unref (context);
    }
    if (gst_element_set_state (p->pipeline, GST_STATE_PLAYING) ==
        GST_STATE_CHANGE_FAILURE) {
      g_printerr ("participant %d: cannot start\n", i);
      failed = TRUE;
    }
  }

  if (policy && !failed)
    sip = start_sip_leg (&sip_passed);
  if (policy && sip == NULL)
    failed = TRUE;
  if (!failed) {
    g_timeout_add (200, tick, parts);
    g_main_loop_run (loop);
  }
  if (sip) {
    sip_refused = report_sip_leg (g_atomic_int_get (&sip_passed));
    gst_element_set_state (sip, GST_STATE_NULL);
    gst_object_unref (sip);
  }

  for (i = 0; i < n; i++) {
    Participant *p = g_ptr_array_index (parts, i);
    gint expected = expected_frames (parts, i), received, decoded, lost;
    guint64 drops, jb_lost, jb_late;

    g_mutex_lock (&p->lock);
    drops = decryptor_drops (p);
    jitterbuffer_losses (p, &jb_lost, &jb_late);
    if (mls)
      meeting_mls_collect (mls, i, p->decryptors);
    g_mutex_unlock (&p->lock);
    received = g_atomic_int_get (&p->received);
    decoded = g_atomic_int_get (&p->decoded);
    lost = MAX (expected - received, 0);
    g_print ("participant %d: frames received %d, decrypted %d, decoded %d, "
        "dropped %d (sent %d video + %d audio; refused by the decryptor %"
        G_GUINT64_FORMAT "; packets the jitter buffers gave up on: lost %"
        G_GUINT64_FORMAT ", late %" G_GUINT64_FORMAT ")\n", i, received,
        g_atomic_int_get (&p->decrypted), decoded, lost,
        g_atomic_int_get (&p->sent[0]), g_atomic_int_get (&p->sent[1]), drops,
        jb_lost, jb_late);
    frames += received;
    undecodable += MAX (received - decoded, 0);
    dropped += lost;
  }

  {
    GstE2eeRelayStats s;
    guint c;

    for (c = 0; c < CHANNELS; c++) {
      static const gchar *names[] = { "video RTP", "video RTCP", "audio RTP",
        "audio RTCP"
      };
      guint64 in = 0, out = 0;

      for (i = 0; i < n; i++) {
        gst_e2ee_relay_get_stats (relay, i, c, &s);
        in += s.packets_in;
        out += s.packets_out;
      }
      g_print ("relay %s: %" G_GUINT64_FORMAT " packets in, %" G_GUINT64_FORMAT
          " out\n", names[c], in, out);
    }
  }
  g_print ("layout %s, codec %s, video %d fps, audio %d ms frames, %d s, jitter "
      "buffer latency %d ms%s\n", codec_layout ? "codec" : "frame", codec->name,
      video_fps, audio_frame_ms, seconds, latency_ms, slow ? " (--slow)" : "");
  {
    GString *line = g_string_new (NULL);

    g_string_append_printf (line, "participants %d, frames %" G_GUINT64_FORMAT
        ", undecodable %" G_GUINT64_FORMAT ", dropped %" G_GUINT64_FORMAT, n,
        frames, undecodable, dropped);
    if (mls)
      mls_ok = meeting_mls_summary (mls, line);
    g_print ("%s\n", line->str);
    g_string_free (line, TRUE);
  }

  if (mls)
    meeting_mls_stop (mls);
  for (i = 0; i < n; i++) {
    Participant *p = g_ptr_array_index (parts, i);
    guint c;

    gst_element_set_state (p->pipeline, GST_STATE_NULL);
    gst_bus_remove_watch (GST_ELEMENT_BUS (p->pipeline));
    g_list_free_full (p->decryptors, gst_object_unref);
    g_list_free_full (p->jitterbuffers, gst_object_unref);
    gst_object_unref (p->pipeline);
    gst_object_unref (p->store);
    for (c = 0; c < CHANNELS; c++)
      g_object_unref (p->sockets[c]);
    OPENSSL_cleanse (p->keys, sizeof (p->keys));
    g_mutex_clear (&p->lock);
    g_free (p);
  }
  g_ptr_array_free (parts, TRUE);
  gst_e2ee_relay_free (relay);
  g_clear_pointer (&mls, meeting_mls_free);
  g_main_loop_unref (loop);
  /* GOption hands its strings over. */
  g_free (codec_name);
  g_free (layout);
  g_free (dump);
  g_free (keys_mode);
  if (policy && !policy_allows_sip () && !sip_refused)
    ret = 1;
  g_clear_object (&policy);
  g_free (policy_file);

  /* With MLS, frames sent before a member joined or after it left are not owed
   * to it: L (lost to epoch change) counts what was. */
  if (failed || senders_late || frames == 0 || !mls_ok || (corrupt_pct == 0
          && !keys_mls && (undecodable > 0 || (slow && dropped > 0))))
    ret = 1;
  return ret;
}
