/* gst-e2ee: e2eeenc ! e2eedec in real pipelines with real encoders and decoders.
 *
 * One pipeline per codec: the encoded stream is split by a tee; branch A decodes it
 * directly, branch B through `e2eeenc ! e2eedec` and the same decoder. Both branches
 * must decode the same frames, byte for byte, with the same timestamps, after
 * negotiating the same caps; and what travels between the two elements must be SFrame
 * ciphertext that shows nothing of the frame (whole-frame layout), or frames that the
 * library decrypts back to the encoder's (codec layout). The codec layout also goes
 * through the real RTP payloaders and depayloaders.
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <gst/check/gstcheck.h>
#include <gst/app/gstappsink.h>
#include <gst/e2ee/e2ee.h>
#include <string.h>
#include "../hangguard.h"
#include "../e2eecheck.h"
#include "../skips.h"

#define KID 42

typedef struct
{
  GBytes *data;
  GstClockTime pts, dts, duration;
  guint flags;
  gboolean has_meta;            /* a GstE2eeMeta, and what it said */
  gboolean authenticated;
  guint64 kid, ctr;
} Frame;

typedef struct
{
  GMutex lock;
  GPtrArray *frames;            /* Frame */
} Capture;

static void
frame_free (Frame * f)
{
  g_bytes_unref (f->data);
  g_free (f);
}

static void
capture_init (Capture * c)
{
  g_mutex_init (&c->lock);
  c->frames = g_ptr_array_new_with_free_func ((GDestroyNotify) frame_free);
}

static void
capture_clear (Capture * c)
{
  g_ptr_array_unref (c->frames);
  g_mutex_clear (&c->lock);
}

/* Copies the bytes: holding the buffer would make it read-only downstream and take
 * e2eedec off its in-place path. */
static void
capture_buffer (Capture * c, GstBuffer * buf)
{
  Frame *f = g_new0 (Frame, 1);
  gsize size = gst_buffer_get_size (buf);
  gpointer data = NULL;

  gst_buffer_extract_dup (buf, 0, size, &data, &size);
  f->data = g_bytes_new_take (data, size);
  f->pts = GST_BUFFER_PTS (buf);
  f->dts = GST_BUFFER_DTS (buf);
  f->duration = GST_BUFFER_DURATION (buf);
  f->flags = GST_BUFFER_FLAGS (buf) & ~GST_BUFFER_FLAG_TAG_MEMORY;
  {
    GstE2eeMeta *meta = gst_buffer_get_e2ee_meta (buf);

    f->has_meta = meta != NULL;
    if (meta) {
      f->authenticated = meta->authenticated;
      f->kid = meta->kid;
      f->ctr = meta->ctr;
    }
  }
  g_mutex_lock (&c->lock);
  g_ptr_array_add (c->frames, f);
  g_mutex_unlock (&c->lock);
}

static gboolean
capture_list_item (GstBuffer ** buf, guint idx, gpointer c)
{
  capture_buffer (c, *buf);
  return TRUE;
}

static GstPadProbeReturn
capture_probe (GstPad * pad, GstPadProbeInfo * info, gpointer c)
{
  if (info->type & GST_PAD_PROBE_TYPE_BUFFER)
    capture_buffer (c, GST_PAD_PROBE_INFO_BUFFER (info));
  else if (info->type & GST_PAD_PROBE_TYPE_BUFFER_LIST)
    gst_buffer_list_foreach (GST_PAD_PROBE_INFO_BUFFER_LIST (info), capture_list_item, c);
  return GST_PAD_PROBE_OK;
}

static void
probe_pad (GstElement * pipeline, const gchar * element, const gchar * pad_name,
    Capture * c)
{
  GstElement *el = gst_bin_get_by_name (GST_BIN (pipeline), element);
  GstPad *pad;

  fail_unless (el != NULL, "no element %s", element);
  pad = gst_element_get_static_pad (el, pad_name);
  gst_pad_add_probe (pad, GST_PAD_PROBE_TYPE_BUFFER | GST_PAD_PROBE_TYPE_BUFFER_LIST,
      capture_probe, c, NULL);
  gst_object_unref (pad);
  gst_object_unref (el);
}

static GstFlowReturn
on_new_sample (GstAppSink * sink, gpointer c)
{
  GstSample *sample = gst_app_sink_pull_sample (sink);

  if (sample == NULL)
    return GST_FLOW_EOS;
  capture_buffer (c, gst_sample_get_buffer (sample));
  gst_sample_unref (sample);
  return GST_FLOW_OK;
}

static void
collect_appsink (GstElement * pipeline, const gchar * name, Capture * c)
{
  GstElement *sink = gst_bin_get_by_name (GST_BIN (pipeline), name);
  GstAppSinkCallbacks cb = { 0, };

  fail_unless (sink != NULL, "no appsink %s", name);
  cb.new_sample = on_new_sample;
  gst_app_sink_set_callbacks (GST_APP_SINK (sink), &cb, c, NULL);
  gst_object_unref (sink);
}

/* This file's keys (e2eecheck.h). */
static const KeyRecipe keys = { 31, 7, 1 };

/* The key of @seed as a pipeline description writes it. */
static gchar *
key_hex (guint8 seed)
{
  GString *s = g_string_new (NULL);
  guint8 key[KEY_SIZE];
  guint i;

  fill_key (&keys, key, seed);
  for (i = 0; i < KEY_SIZE; i++)
    g_string_append_printf (s, "%02x", key[i]);
  return g_string_free (s, FALSE);
}

static void
run_to_eos (GstElement * pipeline)
{
  GstBus *bus = gst_element_get_bus (pipeline);
  GstMessage *msg;

  fail_unless (gst_element_set_state (pipeline, GST_STATE_PLAYING) !=
      GST_STATE_CHANGE_FAILURE);
  /* Not a timing check: these pipelines take well under a second; this only turns
   * a hang into a failure before the test runner's timeout. */
  msg = gst_bus_timed_pop_filtered (bus, hang_guard (60),
      GST_MESSAGE_EOS | GST_MESSAGE_ERROR);
  /* Stop the streaming threads before failing: without fork (CK_FORK=no, as under
   * valgrind) a failure returns past the caller's captures while they still write. */
  if (msg == NULL || GST_MESSAGE_TYPE (msg) == GST_MESSAGE_ERROR)
    gst_element_set_state (pipeline, GST_STATE_NULL);
  fail_unless (msg != NULL, "pipeline did not finish");
  if (GST_MESSAGE_TYPE (msg) == GST_MESSAGE_ERROR) {
    GError *err = NULL;
    gchar *dbg = NULL;

    gst_message_parse_error (msg, &err, &dbg);
    fail ("error from %s: %s (%s)", GST_MESSAGE_SRC_NAME (msg), err->message, dbg);
  }
  gst_message_unref (msg);
  gst_object_unref (bus);
}

static GstCaps *
caps_of (GstElement * pipeline, const gchar * element, const gchar * pad_name)
{
  GstElement *el = gst_bin_get_by_name (GST_BIN (pipeline), element);
  GstPad *pad = gst_element_get_static_pad (el, pad_name);
  GstCaps *caps = gst_pad_get_current_caps (pad);

  fail_unless (caps != NULL, "%s has no caps", element);
  gst_object_unref (pad);
  gst_object_unref (el);
  return caps;
}

static GstStructure *
stats_of (GstElement * pipeline, const gchar * element)
{
  GstElement *el = gst_bin_get_by_name (GST_BIN (pipeline), element);
  GstStructure *s = NULL;

  g_object_get (el, "stats", &s, NULL);
  gst_object_unref (el);
  fail_unless (s != NULL);
  GST_INFO ("%s: %" GST_PTR_FORMAT, element, s);
  return s;
}

/* ---- Ciphertext checks -------------------------------------------------- */

/* Whether any WINDOW consecutive bytes of @plain appear anywhere in @cipher. */
static gboolean
shares_a_window (GBytes * plain, GBytes * cipher)
{
  gsize pl, cl, i;
  const guint8 *p = g_bytes_get_data (plain, &pl);
  const guint8 *c = g_bytes_get_data (cipher, &cl);
  GHashTable *set;
  gboolean found = FALSE;

  if (pl < WINDOW || cl < WINDOW)
    return FALSE;
  set = window_set_new ();
  add_windows (set, c, 0, cl);
  for (i = 0; i + WINDOW <= pl && !found; i++)
    found = g_hash_table_contains (set, p + i);
  g_hash_table_unref (set);
  return found;
}

static void
check_ciphertext (Capture * plain, Capture * cipher, guint64 kid, gsize tag_size)
{
  guint i;

  fail_unless_equals_int (cipher->frames->len, plain->frames->len);
  for (i = 0; i < plain->frames->len; i++) {
    Frame *p = g_ptr_array_index (plain->frames, i);
    Frame *c = g_ptr_array_index (cipher->frames, i);
    gsize csize, hlen = 0;
    const guint8 *cdata = g_bytes_get_data (c->data, &csize);
    guint64 k = G_MAXUINT64, ctr = G_MAXUINT64;
    GError *err = NULL;

    fail_unless (gst_e2ee_sframe_header_parse (cdata, csize, &k, &ctr, &hlen, &err),
        "frame %u is not SFrame: %s", i, err ? err->message : "?");
    fail_unless_equals_uint64 (k, kid);
    fail_unless_equals_uint64 (ctr, i);
    fail_unless_equals_uint64 (csize, hlen + g_bytes_get_size (p->data) + tag_size);
    fail_if (shares_a_window (p->data, c->data),
        "ciphertext frame %u contains %d bytes of its plaintext", i, WINDOW);
    /* The ciphertext travels with the frame's timing and flags. */
    fail_unless_equals_uint64 (c->pts, p->pts);
    fail_unless_equals_uint64 (c->dts, p->dts);
    fail_unless_equals_uint64 (c->duration, p->duration);
    fail_unless_equals_int (c->flags, p->flags);
  }
}

/* ---- The codec pipelines ------------------------------------------------ */

typedef struct
{
  const gchar *name;
  const gchar *source;          /* up to and including the encoder (and parser) */
  const gchar *decoder;
  guint num_buffers;
  guint max_extra_frames;       /* frames an encoder may add when it drains */
  GstE2eeLayoutCodec layout;    /* what layout=auto picks */
} CodecCase;

static const CodecCase codecs[] = {
  {"h264",
        "videotestsrc num-buffers=60 pattern=ball ! "
        "video/x-raw,format=I420,width=320,height=240,framerate=30/1 ! "
        "x264enc threads=1 bframes=2 key-int-max=20 ! h264parse ! "
        "video/x-h264,stream-format=avc,alignment=au",
      "avdec_h264", 60, 0, GST_E2EE_LAYOUT_CODEC_NONE},
  {"h264-byte-stream",
        "videotestsrc num-buffers=60 pattern=ball ! "
        "video/x-raw,format=I420,width=320,height=240,framerate=30/1 ! "
        "x264enc threads=1 bframes=2 key-int-max=20 ! h264parse ! "
        "video/x-h264,stream-format=byte-stream,alignment=au",
      "avdec_h264", 60, 0, GST_E2EE_LAYOUT_CODEC_H264},
  {"vp8",
        "videotestsrc num-buffers=60 pattern=smpte ! "
        "video/x-raw,format=I420,width=320,height=240,framerate=30/1 ! "
        "vp8enc threads=1 deadline=1 keyframe-max-dist=20 lag-in-frames=0",
      "vp8dec", 60, 0, GST_E2EE_LAYOUT_CODEC_VP8},
  {"vp9",
        "videotestsrc num-buffers=40 pattern=smpte ! "
        "video/x-raw,format=I420,width=320,height=240,framerate=30/1 ! "
        "vp9enc threads=1 deadline=1 keyframe-max-dist=20 lag-in-frames=0",
      "vp9dec", 40, 0, GST_E2EE_LAYOUT_CODEC_VP9},
  /* Opus encodes its 6.5 ms look-ahead too: one more frame at the end. */
  {"opus",
        "audiotestsrc num-buffers=100 samplesperbuffer=960 wave=sine freq=440 ! "
        "audio/x-raw,rate=48000,channels=2 ! opusenc",
      "opusdec", 100, 1, GST_E2EE_LAYOUT_CODEC_OPUS},
};

/* The codec layout: each frame names KID and CTR where the layout puts them, and the
 * library opens it into exactly the frame the encoder made. */
static void
check_codec_layout (const CodecCase * cc, Capture * plain, Capture * cipher)
{
  GstBuffer *kb = key_buffer (&keys, 3);
  GstMapInfo km;
  GstE2eeSFrameKey *key;
  GError *err = NULL;
  guint i;

  gst_buffer_map (kb, &km, GST_MAP_READ);
  key = gst_e2ee_sframe_key_new (GST_E2EE_CIPHER_SUITE_AES_256_GCM_SHA512_128, KID,
      km.data, km.size, &err);
  gst_buffer_unmap (kb, &km);
  gst_buffer_unref (kb);
  fail_unless (key != NULL, "%s", err ? err->message : "?");

  fail_unless_equals_int (cipher->frames->len, plain->frames->len);
  for (i = 0; i < plain->frames->len; i++) {
    Frame *p = g_ptr_array_index (plain->frames, i);
    Frame *c = g_ptr_array_index (cipher->frames, i);
    gsize csize;
    const guint8 *cdata = g_bytes_get_data (c->data, &csize);
    guint64 k = G_MAXUINT64, ctr = G_MAXUINT64;
    GBytes *opened;

    fail_unless (gst_e2ee_layout_parse_header (cc->layout, cdata, csize, &k, &ctr,
            &err), "%s frame %u: %s", cc->name, i, err ? err->message : "?");
    fail_unless_equals_uint64 (k, KID);
    fail_unless_equals_uint64 (ctr, i);
    opened = gst_e2ee_layout_decrypt_bytes (key, cc->layout, c->data, &err);
    fail_unless (opened != NULL, "%s frame %u: %s", cc->name, i,
        err ? err->message : "?");
    fail_unless (g_bytes_equal (opened, p->data), "%s frame %u: not the encoder's",
        cc->name, i);
    g_bytes_unref (opened);
    /* H.264 keeps its parameter sets in the clear (docs/layout.md); the other
     * layouts keep a few header bytes only. */
    if (cc->layout != GST_E2EE_LAYOUT_CODEC_H264)
      fail_if (shares_a_window (p->data, c->data),
          "%s frame %u: %d bytes of plaintext in the clear", cc->name, i, WINDOW);
    fail_unless_equals_uint64 (c->pts, p->pts);
    fail_unless_equals_uint64 (c->dts, p->dts);
    fail_unless_equals_uint64 (c->duration, p->duration);
    fail_unless_equals_int (c->flags, p->flags);
  }
  gst_e2ee_sframe_key_unref (key);
}

/* The decoder a case names, but for avdec_h264: Debian 12's valgrind cannot run
 * gst-libav on a CPU that hides RDTSCP, so the valgrind test setup gives another
 * H.264 decoder (a launch fragment) in GST_E2EE_H264_DECODER (see tests/meson.build). */
static const gchar *
decoder_of (const gchar * decoder)
{
  const gchar *h264 = g_getenv ("GST_E2EE_H264_DECODER");

  if (h264 && *h264 && strcmp (decoder, "avdec_h264") == 0)
    return h264;
  return decoder;
}

/* Runs @cc's pipeline with e2eeenc's @layout (e2eedec's is auto). With @encrypt FALSE
 * the pair is e2eeenc enabled=false ! e2eedec allow-plaintext=true: frames must pass as
 * they are, without E2EE meta. */
static void
run_codec (const CodecCase * cc, gboolean encrypt, const gchar * layout)
{
  gchar *hex = key_hex (3);
  gchar *desc = g_strdup_printf ("%s ! tee name=t "
      "t. ! queue name=to_dec_a ! %s ! appsink name=sink_a sync=false "
      "t. ! queue ! e2eeenc name=enc key-id=%d key=%s enabled=%d layout=%s ! "
      "e2eedec name=e2eedec key-id=%d key=%s allow-plaintext=%d ! %s ! "
      "appsink name=sink_b sync=false", cc->source, decoder_of (cc->decoder), KID, hex,
      encrypt, layout, KID, hex, !encrypt, decoder_of (cc->decoder));
  gboolean codec_layout = encrypt && strcmp (layout, "frame") != 0 &&
      cc->layout != GST_E2EE_LAYOUT_CODEC_NONE;
  GError *err = NULL;
  GstElement *pipeline = gst_parse_launch (desc, &err);
  Capture plain, cipher, out_a, out_b;
  GstCaps *caps_a, *caps_b, *caps_mid;
  GstStructure *st;
  guint i;

  GST_INFO ("%s: %s", cc->name, desc);
  /* A link error leaves a half-linked pipeline that would never reach EOS. */
  fail_unless (pipeline != NULL && err == NULL, "%s: %s", desc, err ? err->message : "?");
  capture_init (&plain);
  capture_init (&cipher);
  capture_init (&out_a);
  capture_init (&out_b);
  probe_pad (pipeline, "enc", "sink", &plain);
  probe_pad (pipeline, "e2eedec", "sink", &cipher);
  collect_appsink (pipeline, "sink_a", &out_a);
  collect_appsink (pipeline, "sink_b", &out_b);

  run_to_eos (pipeline);

  /* The same caps reach both decoders: the pair is invisible to negotiation. */
  caps_a = caps_of (pipeline, "to_dec_a", "src");
  caps_b = caps_of (pipeline, "e2eedec", "src");
  caps_mid = caps_of (pipeline, "e2eedec", "sink");
  GST_INFO ("%s caps: %" GST_PTR_FORMAT ", between the pair: %" GST_PTR_FORMAT,
      cc->name, caps_a, caps_mid);
  fail_unless (gst_caps_is_equal (caps_a, caps_b), "%" GST_PTR_FORMAT " != %"
      GST_PTR_FORMAT, caps_a, caps_b);
  fail_unless_equals_int (gst_e2ee_layout_codec_from_caps (caps_a), cc->layout);
  if (codec_layout) {
    /* The codec's own caps, marked for e2eedec. */
    GstCaps *want = gst_caps_copy (caps_a);

    gst_caps_set_simple (want, "e2ee-layout", G_TYPE_STRING, "codec", NULL);
    fail_unless (gst_caps_is_equal (caps_mid, want), "%" GST_PTR_FORMAT " != %"
        GST_PTR_FORMAT, caps_mid, want);
    gst_caps_unref (want);
  } else if (encrypt)
    fail_unless (gst_structure_has_name (gst_caps_get_structure (caps_mid, 0),
            "application/x-sframe"), "%" GST_PTR_FORMAT, caps_mid);
  else
    fail_unless (gst_caps_is_equal (caps_mid, caps_a), "%" GST_PTR_FORMAT, caps_mid);
  gst_caps_unref (caps_a);
  gst_caps_unref (caps_b);
  gst_caps_unref (caps_mid);

  /* Every encoded frame went through, and decodes to exactly what branch A got. */
  fail_unless (plain.frames->len >= cc->num_buffers &&
      plain.frames->len <= cc->num_buffers + cc->max_extra_frames,
      "%u encoded frames", plain.frames->len);
  fail_unless_equals_int (out_a.frames->len, plain.frames->len);
  fail_unless_equals_int (out_b.frames->len, out_a.frames->len);
  for (i = 0; i < out_a.frames->len; i++) {
    Frame *a = g_ptr_array_index (out_a.frames, i);
    Frame *b = g_ptr_array_index (out_b.frames, i);

    fail_unless (g_bytes_equal (a->data, b->data), "%s: decoded frame %u differs",
        cc->name, i);
    fail_unless_equals_uint64 (b->pts, a->pts);
    fail_unless_equals_uint64 (b->duration, a->duration);
    if (!encrypt)
      fail_if (b->has_meta, "plaintext frame %u claims E2EE", i);
  }

  if (codec_layout) {
    check_codec_layout (cc, &plain, &cipher);
  } else if (encrypt) {
    check_ciphertext (&plain, &cipher, KID,
        gst_e2ee_cipher_suite_get_tag_size (GST_E2EE_CIPHER_SUITE_AES_256_GCM_SHA512_128));
  } else {
    fail_unless_equals_int (cipher.frames->len, plain.frames->len);
    for (i = 0; i < plain.frames->len; i++) {
      Frame *p = g_ptr_array_index (plain.frames, i);
      Frame *c = g_ptr_array_index (cipher.frames, i);

      fail_unless (g_bytes_equal (p->data, c->data), "frame %u changed", i);
      fail_if (c->has_meta);
    }
  }

  st = stats_of (pipeline, "enc");
  fail_unless_equals_uint64 (get_u64 (st, "frames"), encrypt ? plain.frames->len : 0);
  gst_structure_free (st);
  st = stats_of (pipeline, "e2eedec");
  fail_unless_equals_uint64 (get_u64 (st, "frames"), encrypt ? plain.frames->len : 0);
  fail_unless_equals_uint64 (get_u64 (st, "dropped"), 0);
  gst_structure_free (st);

  fail_unless_equals_int (gst_element_set_state (pipeline, GST_STATE_NULL),
      GST_STATE_CHANGE_SUCCESS);
  gst_object_unref (pipeline);
  capture_clear (&plain);
  capture_clear (&cipher);
  capture_clear (&out_a);
  capture_clear (&out_b);
  g_free (desc);
  g_free (hex);
}

/* Whole-frame SFrame (RFC 9605). */
GST_START_TEST (test_codec_round_trip)
{
  if (!have_elements (codecs[__i__].source) ||
      !have_elements (decoder_of (codecs[__i__].decoder)))
    return;
  run_codec (&codecs[__i__], TRUE, "frame");
}

GST_END_TEST;

/* The default, layout=auto: the codec layout where there is one (H.264 byte-stream,
 * VP8, VP9, Opus), whole frames for the AVC stream of the first case. */
GST_START_TEST (test_codec_layout_round_trip)
{
  if (!have_elements (codecs[__i__].source) ||
      !have_elements (decoder_of (codecs[__i__].decoder)))
    return;
  run_codec (&codecs[__i__], TRUE, "auto");
}

GST_END_TEST;

GST_START_TEST (test_codec_disabled)
{
  if (!have_elements (codecs[__i__].source) ||
      !have_elements (decoder_of (codecs[__i__].decoder)))
    return;
  run_codec (&codecs[__i__], FALSE, "auto");
}

GST_END_TEST;

/* An e2eedec given plaintext (allow-plaintext=false, the default) stops the pipeline
 * with an error of its own that says why, not a bare not-negotiated from upstream. */
GST_START_TEST (test_plaintext_refused)
{
  GError *err = NULL;
  GstElement *pipeline = gst_parse_launch ("audiotestsrc num-buffers=5 "
      "samplesperbuffer=960 ! audio/x-raw,rate=48000,channels=1 ! opusenc ! "
      "e2eedec name=dec ! fakesink", &err);
  GstBus *bus = gst_element_get_bus (pipeline);
  GstMessage *msg;
  gchar *dbg = NULL;

  fail_unless (pipeline != NULL && err == NULL, "%s", err ? err->message : "?");
  gst_element_set_state (pipeline, GST_STATE_PLAYING);
  msg = gst_bus_timed_pop_filtered (bus, hang_guard (60),
      GST_MESSAGE_EOS | GST_MESSAGE_ERROR);
  fail_unless (msg != NULL);
  fail_unless_equals_int (GST_MESSAGE_TYPE (msg), GST_MESSAGE_ERROR);
  gst_message_parse_error (msg, &err, &dbg);
  GST_INFO ("%s: %s (%s)", GST_MESSAGE_SRC_NAME (msg), err->message, dbg);
  fail_unless_equals_string (GST_MESSAGE_SRC_NAME (msg), "dec");
  fail_unless (strstr (err->message, "unencrypted") != NULL, "%s", err->message);
  g_error_free (err);
  g_free (dbg);
  gst_message_unref (msg);
  gst_element_set_state (pipeline, GST_STATE_NULL);
  gst_object_unref (bus);
  gst_object_unref (pipeline);
}

GST_END_TEST;

/* ---- The codec layout over RTP ------------------------------------------- */

typedef struct
{
  const gchar *name;
  const gchar *source;
  const gchar *pay_plain;       /* payloader for the unencrypted branch */
  const gchar *pay;             /* payloader for the encrypted frames */
  const gchar *depay;           /* depayloader, and caps the decryptor needs */
  const gchar *decoder;
  const gchar *needs;           /* elements to skip without, besides the decoder */
} RtpCase;

static const RtpCase rtp_cases[] = {
  {"h264",
        "videotestsrc num-buffers=40 pattern=ball ! "
        "video/x-raw,format=I420,width=320,height=240,framerate=30/1 ! "
        "x264enc threads=1 bframes=0 key-int-max=15 speed-preset=ultrafast ! "
        "h264parse ! video/x-h264,stream-format=byte-stream,alignment=au",
        "rtph264pay", "rtph264pay",
        "rtph264depay ! video/x-h264,stream-format=byte-stream,alignment=au",
      "avdec_h264", "x264enc rtph264pay rtph264depay"},
  {"vp8",
        "videotestsrc num-buffers=40 pattern=smpte ! "
        "video/x-raw,format=I420,width=320,height=240,framerate=30/1 ! "
        "vp8enc threads=1 deadline=1 keyframe-max-dist=15 lag-in-frames=0",
        "rtpvp8pay", "rtpvp8sframepay", "rtpvp8depay",
      "vp8dec", "vp8enc rtpvp8pay rtpvp8sframepay rtpvp8depay"},
  {"vp9",
        "videotestsrc num-buffers=30 pattern=smpte ! "
        "video/x-raw,format=I420,width=320,height=240,framerate=30/1 ! "
        "vp9enc threads=1 deadline=1 keyframe-max-dist=15 lag-in-frames=0",
        "rtpvp9pay", "rtpvp9pay", "rtpvp9depay",
      "vp9dec", "vp9enc rtpvp9pay rtpvp9depay"},
  {"opus",
        "audiotestsrc num-buffers=60 samplesperbuffer=960 wave=sine freq=440 ! "
        "audio/x-raw,rate=48000,channels=2 ! opusenc",
        "rtpopuspay", "rtpopuspay", "rtpopusdepay",
      "opusdec", "opusenc rtpopuspay rtpopusdepay"},
};

/* e2eeenc (layout=auto) ! payloader ! depayloader ! e2eedec layout=codec ! decoder
 * decodes every frame exactly as the same stream through the payloader and
 * depayloader without encryption. */
GST_START_TEST (test_codec_layout_rtp)
{
  const RtpCase *rc = &rtp_cases[__i__];
  gchar *hex, *desc;
  GError *err = NULL;
  GstElement *pipeline;
  Capture plain, out_a, out_b;
  GstStructure *st;
  guint i;

  if (!have_elements (rc->needs) || !have_elements (decoder_of (rc->decoder)))
    return;
  hex = key_hex (5);
  desc = g_strdup_printf ("%s ! tee name=t "
      "t. ! queue ! %s ! %s ! %s ! appsink name=sink_a sync=false "
      "t. ! queue ! e2eeenc name=enc key-id=%d key=%s ! %s ! %s ! "
      "e2eedec name=e2eedec layout=codec key-id=%d key=%s ! %s ! "
      "appsink name=sink_b sync=false", rc->source, rc->pay_plain, rc->depay,
      decoder_of (rc->decoder), KID, hex, rc->pay, rc->depay, KID, hex,
      decoder_of (rc->decoder));
  pipeline = gst_parse_launch (desc, &err);
  GST_INFO ("%s: %s", rc->name, desc);
  fail_unless (pipeline != NULL && err == NULL, "%s: %s", desc, err ? err->message : "?");
  capture_init (&plain);
  capture_init (&out_a);
  capture_init (&out_b);
  probe_pad (pipeline, "enc", "sink", &plain);
  collect_appsink (pipeline, "sink_a", &out_a);
  collect_appsink (pipeline, "sink_b", &out_b);

  run_to_eos (pipeline);

  fail_unless (plain.frames->len > 0);
  fail_unless_equals_int (out_a.frames->len, plain.frames->len);
  fail_unless_equals_int (out_b.frames->len, out_a.frames->len);
  for (i = 0; i < out_a.frames->len; i++) {
    Frame *a = g_ptr_array_index (out_a.frames, i);
    Frame *b = g_ptr_array_index (out_b.frames, i);

    fail_unless (g_bytes_equal (a->data, b->data), "%s: decoded frame %u differs",
        rc->name, i);
    fail_unless_equals_uint64 (b->pts, a->pts);
  }

  st = stats_of (pipeline, "enc");
  fail_unless_equals_uint64 (get_u64 (st, "frames"), plain.frames->len);
  fail_unless_equals_uint64 (get_u64 (st, "dropped-malformed"), 0);
  gst_structure_free (st);
  st = stats_of (pipeline, "e2eedec");
  fail_unless_equals_uint64 (get_u64 (st, "frames"), plain.frames->len);
  fail_unless_equals_uint64 (get_u64 (st, "dropped"), 0);
  gst_structure_free (st);

  fail_unless_equals_int (gst_element_set_state (pipeline, GST_STATE_NULL),
      GST_STATE_CHANGE_SUCCESS);
  gst_object_unref (pipeline);
  capture_clear (&plain);
  capture_clear (&out_a);
  capture_clear (&out_b);
  g_free (desc);
  g_free (hex);
}

GST_END_TEST;

/* ---- Two senders into one e2eedec --------------------------------------- */

GST_START_TEST (test_two_senders)
{
  gchar *hex1 = key_hex (11), *hex2 = key_hex (12);
  gchar *desc = g_strdup_printf (
      "audiotestsrc num-buffers=50 samplesperbuffer=960 freq=440 ! "
      "audio/x-raw,rate=48000,channels=1 ! opusenc ! "
      "e2eeenc name=enc1 key-id=1 key=%s ! funnel name=f "
      "audiotestsrc num-buffers=30 samplesperbuffer=960 freq=660 ! "
      "audio/x-raw,rate=48000,channels=1 ! opusenc ! "
      "e2eeenc name=enc2 key-id=2 key=%s ! f. "
      "f. ! e2eedec name=dec ! appsink name=sink sync=false", hex1, hex2);
  GError *err = NULL;
  GstElement *pipeline = gst_parse_launch (desc, &err);
  GstElement *dec;
  GstBuffer *k1 = key_buffer (&keys, 11), *k2 = key_buffer (&keys, 12);
  Capture plain1, plain2, out;
  Capture *per_kid[2] = { &plain1, &plain2 };
  gboolean *seen[2];
  GstStructure *st;
  const GValue *kids;
  gboolean ok = FALSE;
  guint64 bytes[2] = { 0, 0 };
  guint i, k;

  /* A link error leaves a half-linked pipeline that would never reach EOS. */
  fail_unless (pipeline != NULL && err == NULL, "%s: %s", desc, err ? err->message : "?");
  capture_init (&plain1);
  capture_init (&plain2);
  capture_init (&out);
  probe_pad (pipeline, "enc1", "sink", &plain1);
  probe_pad (pipeline, "enc2", "sink", &plain2);
  collect_appsink (pipeline, "sink", &out);

  dec = gst_bin_get_by_name (GST_BIN (pipeline), "dec");
  g_signal_emit_by_name (dec, "add-key", (guint64) 1, k1, &ok);
  fail_unless (ok);
  ok = FALSE;
  g_signal_emit_by_name (dec, "add-key", (guint64) 2, k2, &ok);
  fail_unless (ok);

  run_to_eos (pipeline);

  /* Every decrypted frame is, byte for byte, the frame its sender sent under that
   * KID and CTR, and each sent frame arrives once. */
  fail_unless_equals_int (out.frames->len, plain1.frames->len + plain2.frames->len);
  fail_unless (plain1.frames->len >= 50 && plain2.frames->len >= 30);
  for (k = 0; k < 2; k++)
    seen[k] = g_new0 (gboolean, per_kid[k]->frames->len);
  for (i = 0; i < out.frames->len; i++) {
    Frame *o = g_ptr_array_index (out.frames, i), *p;

    fail_unless (o->has_meta && o->authenticated, "frame %u: no GstE2eeMeta", i);
    fail_unless (o->kid == 1 || o->kid == 2, "KID %" G_GUINT64_FORMAT, o->kid);
    k = o->kid - 1;
    fail_unless (o->ctr < per_kid[k]->frames->len);
    fail_if (seen[k][o->ctr], "KID %u CTR %" G_GUINT64_FORMAT " twice", k + 1, o->ctr);
    seen[k][o->ctr] = TRUE;
    p = g_ptr_array_index (per_kid[k]->frames, o->ctr);
    fail_unless (g_bytes_equal (o->data, p->data), "KID %u CTR %" G_GUINT64_FORMAT
        ": not the frame sent", k + 1, o->ctr);
    fail_unless_equals_uint64 (o->pts, p->pts);
  }
  for (k = 0; k < 2; k++) {
    for (i = 0; i < per_kid[k]->frames->len; i++)
      bytes[k] += g_bytes_get_size (((Frame *) g_ptr_array_index (per_kid[k]->frames,
                  i))->data);
    g_free (seen[k]);
  }

  st = stats_of (pipeline, "dec");
  fail_unless_equals_uint64 (get_u64 (st, "frames"), out.frames->len);
  fail_unless_equals_uint64 (get_u64 (st, "dropped"), 0);
  kids = gst_structure_get_value (st, "kids");
  fail_unless_equals_int (gst_value_array_get_size (kids), 2);
  for (k = 0; k < 2; k++) {
    const GstStructure *ks = gst_value_get_structure (gst_value_array_get_value (kids,
            k));

    fail_unless_equals_uint64 (get_u64 (ks, "kid"), k + 1);
    fail_unless_equals_uint64 (get_u64 (ks, "frames"), per_kid[k]->frames->len);
    fail_unless_equals_uint64 (get_u64 (ks, "bytes"), bytes[k]);
    fail_unless_equals_uint64 (get_u64 (ks, "dropped-authentication"), 0);
  }
  gst_structure_free (st);

  gst_element_set_state (pipeline, GST_STATE_NULL);
  gst_object_unref (dec);
  gst_object_unref (pipeline);
  gst_buffer_unref (k1);
  gst_buffer_unref (k2);
  capture_clear (&plain1);
  capture_clear (&plain2);
  capture_clear (&out);
  g_free (desc);
  g_free (hex1);
  g_free (hex2);
}

GST_END_TEST;

static Suite *
e2eepipelines_suite (void)
{
  Suite *s = suite_create ("e2eepipelines");
  TCase *tc = tcase_create ("general");

  tcase_set_timeout (tc, 240);
  suite_add_tcase (s, tc);
  tcase_add_loop_test (tc, test_codec_round_trip, 0, G_N_ELEMENTS (codecs));
  tcase_add_loop_test (tc, test_codec_layout_round_trip, 0, G_N_ELEMENTS (codecs));
  tcase_add_loop_test (tc, test_codec_layout_rtp, 0, G_N_ELEMENTS (rtp_cases));
  tcase_add_loop_test (tc, test_codec_disabled, 0, G_N_ELEMENTS (codecs));
  /* both encode Opus: skipped (not run) without opusenc */
  if (have_elements ("opusenc")) {
    tcase_add_test (tc, test_plaintext_refused);
    tcase_add_test (tc, test_two_senders);
  }
  return s;
}

GST_CHECK_MAIN_WITH_SKIPS (e2eepipelines);
