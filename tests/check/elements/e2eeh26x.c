/* gst-e2ee: H.264 and H.265 with the codec layout through the standard RTP payloaders
 * and depayloaders, in real pipelines, in every configuration docs/layout.md lists:
 * rtph264pay/rtph265pay config-interval -1 (parameter sets before every IDR slice,
 * which makes the depayloader cut IDR frames of several slices in pieces), 0 and 1,
 * x264's sliced threads, several slices per frame.
 *
 * The encoded stream is split by a tee; branch A decodes it directly, branch B goes
 * through e2eeenc, the payloader, the depayloader, e2eedec and the same decoder. Every
 * frame must come out of e2eedec with exactly the NAL units that went into e2eeenc (less
 * the access unit delimiters, which nothing authenticates: docs/layout.md), and decode
 * to exactly the picture of branch A.
 *
 * Needs x264enc, x265enc, the payloaders, depayloaders and decoders: without them the
 * test exits 77 (skipped).
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
#include "../x265memcheck.h"
#include "../skips.h"
#include <valgrind/valgrind.h>

#if defined(__SANITIZE_ADDRESS__)
#define UNDER_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define UNDER_ASAN 1
#endif
#endif
#ifndef UNDER_ASAN
#define UNDER_ASAN 0
#endif

#define KID 42

static const KeyRecipe keys = { 41, 3, 5 };

typedef struct
{
  const gchar *name;
  const gchar *encoder;
  const gchar *pay;
  guint min_joined;             /* frames e2eedec must have joined from pieces */
  gboolean h265;
} H26xCase;

#define X264_SLICED "x264enc tune=zerolatency sliced-threads=true threads=4 " \
  "speed-preset=ultrafast key-int-max=10"
#define X265_SLICES "x265enc speed-preset=ultrafast key-int-max=10 " \
  "option-string=asm=0:slices=4"

/* 30 frames, key frames every 10: 3 IDR frames. */
static const H26xCase cases[] = {
  /* The case: every IDR frame reaches e2eedec in 4 pieces. */
  {"h264 config-interval=-1 sliced-threads", X264_SLICED,
      "rtph264pay config-interval=-1", 3, FALSE},
  {"h264 config-interval=-1 one slice",
      "x264enc tune=zerolatency threads=1 speed-preset=ultrafast key-int-max=10",
      "rtph264pay config-interval=-1", 0, FALSE},
  {"h264 config-interval=-1 slices=4 fragmented",
        "x264enc speed-preset=ultrafast bframes=0 key-int-max=10 option-string=slices=4",
      "rtph264pay config-interval=-1 mtu=400", 3, FALSE},
  {"h264 config-interval=0 sliced-threads", X264_SLICED,
      "rtph264pay config-interval=0", 0, FALSE},
  {"h264 config-interval=1 sliced-threads", X264_SLICED,
      "rtph264pay config-interval=1", 0, FALSE},
  {"h265 config-interval=-1 slices=4", X265_SLICES,
      "rtph265pay config-interval=-1", 0, TRUE},
  {"h265 config-interval=0 slices=4", X265_SLICES,
      "rtph265pay config-interval=0", 0, TRUE},
};

static const gchar *const needed[] = {
  "x264enc", "rtph264pay", "rtph264depay", "h264parse", "x265enc", "rtph265pay",
  "rtph265depay", "h265parse", "libde265dec", NULL
};

/* avdec_h264, but for valgrind's test setup, which names another H.264 decoder in
 * GST_E2EE_H264_DECODER (see tests/meson.build). */
static const gchar *
h264_decoder (void)
{
  const gchar *d = g_getenv ("GST_E2EE_H264_DECODER");

  return d && *d ? d : "avdec_h264";
}

typedef struct
{
  GMutex lock;
  GPtrArray *frames;            /* GstBuffer, copies */
} Capture;

static void
capture_init (Capture * c)
{
  g_mutex_init (&c->lock);
  c->frames = g_ptr_array_new_with_free_func ((GDestroyNotify) gst_buffer_unref);
}

static void
capture_clear (Capture * c)
{
  g_ptr_array_unref (c->frames);
  g_mutex_clear (&c->lock);
}

/* A deep copy: holding the buffer would make it read-only downstream. */
static void
capture_buffer (Capture * c, GstBuffer * buf)
{
  GstBuffer *copy = gst_buffer_copy_deep (buf);

  g_mutex_lock (&c->lock);
  g_ptr_array_add (c->frames, copy);
  g_mutex_unlock (&c->lock);
}

static GstPadProbeReturn
capture_probe (GstPad * pad, GstPadProbeInfo * info, gpointer c)
{
  capture_buffer (c, GST_PAD_PROBE_INFO_BUFFER (info));
  return GST_PAD_PROBE_OK;
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
collect (GstElement * pipeline, const gchar * name, Capture * c)
{
  GstElement *el = gst_bin_get_by_name (GST_BIN (pipeline), name);

  fail_unless (el != NULL, "no element %s", name);
  if (GST_IS_APP_SINK (el)) {
    GstAppSinkCallbacks cb = { 0, };

    cb.new_sample = on_new_sample;
    gst_app_sink_set_callbacks (GST_APP_SINK (el), &cb, c, NULL);
  } else {
    GstPad *pad = gst_element_get_static_pad (el, "sink");

    gst_pad_add_probe (pad, GST_PAD_PROBE_TYPE_BUFFER, capture_probe, c, NULL);
    gst_object_unref (pad);
  }
  gst_object_unref (el);
}

/* The NAL units of an Annex B frame, without framing, and with @aud without access
 * unit delimiters (H.264 type 9, H.265 type 35). */
static GPtrArray *
split_nal_units (gboolean h265, GstBuffer * buf, gboolean keep_aud)
{
  GPtrArray *v = g_ptr_array_new_with_free_func ((GDestroyNotify) g_bytes_unref);
  GstMapInfo map;
  gsize i, start = 0;
  gboolean open = FALSE;

  fail_unless (gst_buffer_map (buf, &map, GST_MAP_READ));
  for (i = 0; i <= map.size; i++) {
    gboolean sc = i + 2 < map.size && map.data[i] == 0 && map.data[i + 1] == 0 &&
        map.data[i + 2] == 1;

    if (!sc && i < map.size)
      continue;
    if (open) {
      gsize end = i;
      guint type;

      while (end > start && map.data[end - 1] == 0)
        end--;
      fail_unless (end > start, "empty NAL unit");
      type = h265 ? (map.data[start] >> 1) & 0x3f : map.data[start] & 0x1f;
      if (keep_aud || type != (h265 ? 35u : 9u))
        g_ptr_array_add (v, g_bytes_new (map.data + start, end - start));
    }
    open = TRUE;
    start = i + 3;
    i += 2;
  }
  gst_buffer_unmap (buf, &map);
  fail_unless (v->len > 0);
  return v;
}

static GPtrArray *
nal_units (gboolean h265, GstBuffer * buf)
{
  return split_nal_units (h265, buf, FALSE);
}

static gboolean
buffers_equal (GstBuffer * a, GstBuffer * b)
{
  GstMapInfo ma, mb;
  gboolean eq;

  fail_unless (gst_buffer_map (a, &ma, GST_MAP_READ));
  fail_unless (gst_buffer_map (b, &mb, GST_MAP_READ));
  eq = ma.size == mb.size && memcmp (ma.data, mb.data, ma.size) == 0;
  gst_buffer_unmap (a, &ma);
  gst_buffer_unmap (b, &mb);
  return eq;
}

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

/* A field of @el's `stats`. */
static guint64
stat_of (GstElement * el, const gchar * field)
{
  GstStructure *s = NULL;
  guint64 v;

  g_object_get (el, "stats", &s, NULL);
  fail_unless (s != NULL);
  v = get_u64 (s, field);
  gst_structure_free (s);
  return v;
}

/* Runs @pipeline to EOS; fails on an error or a warning. */
static void
run_to_eos (GstElement * pipeline)
{
  GstBus *bus = gst_element_get_bus (pipeline);
  GstMessage *msg;

  fail_unless (gst_element_set_state (pipeline, GST_STATE_PLAYING) !=
      GST_STATE_CHANGE_FAILURE);
  /* Not a timing check: a hang fails here rather than at meson's timeout. */
  msg = gst_bus_timed_pop_filtered (bus, hang_guard (120),
      GST_MESSAGE_EOS | GST_MESSAGE_ERROR | GST_MESSAGE_WARNING);
  if (msg == NULL || GST_MESSAGE_TYPE (msg) != GST_MESSAGE_EOS)
    gst_element_set_state (pipeline, GST_STATE_NULL);
  fail_unless (msg != NULL, "pipeline did not finish");
  if (GST_MESSAGE_TYPE (msg) != GST_MESSAGE_EOS) {
    GError *err = NULL;
    gchar *dbg = NULL;

    if (GST_MESSAGE_TYPE (msg) == GST_MESSAGE_ERROR)
      gst_message_parse_error (msg, &err, &dbg);
    else
      gst_message_parse_warning (msg, &err, &dbg);
    fail ("%s from %s: %s (%s)", GST_MESSAGE_TYPE_NAME (msg), GST_MESSAGE_SRC_NAME (msg),
        err->message, dbg);
  }
  gst_message_unref (msg);
  gst_object_unref (bus);
}

GST_START_TEST (test_rtp_h26x)
{
  const H26xCase *c = &cases[__i__];
  /* Under memcheck, libde265 reads memory it never set, and gives pictures with
   * bytes it never set; under LeakSanitizer, libde265dec (gst-plugins-bad 1.22) leaks
   * the GstVideoCodecFrames of the pictures it outputs: the H.265 pictures are
   * compared in the plain build only. */
  const gchar *decoder = !c->h265 ? h264_decoder () : RUNNING_ON_VALGRIND ||
      UNDER_ASAN ? "fakesink sync=false" : "libde265dec";
  gboolean pictures = !g_str_has_prefix (decoder, "fakesink");
  const gchar *codec = c->h265 ? "h265" : "h264";
  gchar *hex = key_hex (1);
  gchar *desc = g_strdup_printf ("videotestsrc num-buffers=30 pattern=ball ! "
      "video/x-raw,format=I420,width=320,height=240,framerate=30/1 ! %s ! %sparse ! "
      "video/x-%s,stream-format=byte-stream,alignment=au ! tee name=t "
      "t. ! queue ! %s%s "
      "t. ! queue ! e2eeenc name=enc key-id=%d key=%s ! %s ! rtp%sdepay ! "
      "video/x-%s,stream-format=byte-stream,alignment=au ! "
      "e2eedec name=dec layout=codec key-id=%d key=%s ! tee name=u "
      "u. ! queue ! appsink name=frames sync=false "
      "u. ! queue ! %s%s",
      c->encoder, codec, codec, decoder, pictures ? " ! appsink name=sink_a sync=false" :
      "", KID, hex, c->pay, codec, codec, KID, hex, decoder,
      pictures ? " ! appsink name=sink_b sync=false" : "");
  GError *err = NULL;
  GstElement *pipeline = gst_parse_launch (desc, &err);
  Capture plain, frames, pics_a, pics_b;
  GstElement *dec;
  guint i, j, joined;

  GST_INFO ("%s: %s", c->name, desc);
  fail_unless (pipeline != NULL && err == NULL, "%s: %s", desc, err ? err->message : "?");
  probe_x265enc (pipeline);
  capture_init (&plain);
  capture_init (&frames);
  capture_init (&pics_a);
  capture_init (&pics_b);
  collect (pipeline, "enc", &plain);
  collect (pipeline, "frames", &frames);
  if (pictures) {
    collect (pipeline, "sink_a", &pics_a);
    collect (pipeline, "sink_b", &pics_b);
  }

  run_to_eos (pipeline);

  /* Every frame encrypted comes out of e2eedec, with exactly its NAL units. */
  fail_unless (plain.frames->len >= 30, "%u frames", plain.frames->len);
  fail_unless_equals_int (frames.frames->len, plain.frames->len);
  for (i = 0; i < plain.frames->len; i++) {
    GstBuffer *p = plain.frames->pdata[i], *o = frames.frames->pdata[i];
    GPtrArray *want = nal_units (c->h265, p), *got = nal_units (c->h265, o);

    fail_unless (gst_buffer_get_e2ee_meta (o) != NULL, "frame %u: no GstE2eeMeta", i);
    fail_unless_equals_uint64 (GST_BUFFER_PTS (o), GST_BUFFER_PTS (p));
    fail_unless_equals_int (got->len, want->len);
    for (j = 0; j < want->len; j++)
      fail_unless (g_bytes_equal (got->pdata[j], want->pdata[j]),
          "%s: frame %u, NAL unit %u differs", c->name, i, j);
    g_ptr_array_unref (want);
    g_ptr_array_unref (got);
  }
  /* ... and decodes to exactly the picture the plain stream gives. */
  if (pictures) {
    fail_unless_equals_int (pics_a.frames->len, plain.frames->len);
    fail_unless_equals_int (pics_b.frames->len, pics_a.frames->len);
  }
  for (i = 0; i < pics_a.frames->len; i++)
    fail_unless (buffers_equal (pics_a.frames->pdata[i], pics_b.frames->pdata[i]),
        "%s: picture %u differs", c->name, i);

  dec = gst_bin_get_by_name (GST_BIN (pipeline), "dec");
  fail_unless_equals_uint64 (stat_of (dec, "frames"), plain.frames->len);
  fail_unless_equals_uint64 (stat_of (dec, "dropped"), 0);
  joined = stat_of (dec, "joined");
  fail_unless (joined >= c->min_joined, "%u frames joined", joined);
  g_printerr ("%s: %u frames decrypted%s, %u joined from pieces, %"
      G_GUINT64_FORMAT " NAL units removed\n", c->name, plain.frames->len,
      pictures ? " and decoded" : " (not decoded under valgrind)", joined,
      stat_of (dec, "nal-units-removed"));
  gst_object_unref (dec);

  fail_unless_equals_int (gst_element_set_state (pipeline, GST_STATE_NULL),
      GST_STATE_CHANGE_SUCCESS);
  gst_object_unref (pipeline);
  capture_clear (&plain);
  capture_clear (&frames);
  capture_clear (&pics_a);
  capture_clear (&pics_b);
  g_free (desc);
  g_free (hex);
}

GST_END_TEST;


/* ---- e2eedec on its own: what it outputs of a frame it authenticated ------ */

#define CAPS_H264 "video/x-h264,stream-format=byte-stream,alignment=au"

/* The frame of docs/layout.md's H.264 example: AUD, SPS, PPS, two IDR slices (the
 * second at macroblock 40); here the first slice is longer than the SFrame tag, so
 * that a first piece alone fails authentication, as a real one does. */
static const guint8 aud[] = { 0x09, 0xf0 };
static const guint8 sps[] = { 0x67, 0x42, 0xc0, 0x0d, 0xd9, 0x01, 0x41, 0xfb, 0x01,
  0x10, 0x00, 0x00, 0x03, 0x00, 0x10, 0x00, 0x00, 0x03, 0x03, 0x20, 0xf1, 0x42, 0x99,
  0x60
};
static const guint8 pps[] = { 0x68, 0xce, 0x3c, 0x80 };
static const guint8 idr1[] = { 0x65, 0x88, 0x84, 0x00, 0x21, 0xff, 0xfe, 0xf5, 0x00,
  0x00, 0x03, 0x01, 0xc0, 0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88, 0x99, 0xaa,
  0xbb, 0xcc, 0xdd, 0xee
};
static const guint8 idr2[] = { 0x65, 0x05, 0x22, 0x36, 0x00, 0x00, 0x03, 0x00, 0xab };

/* An Annex B frame of the NAL units (GBytes) @nals, each after 00 00 00 01. */
static GstBuffer *
annex_b (GPtrArray * nals, GstClockTime pts)
{
  GByteArray *a = g_byte_array_new ();
  GstBuffer *buf;
  guint i;

  for (i = 0; i < nals->len; i++) {
    g_byte_array_append (a, (const guint8 *) "\x00\x00\x00\x01", 4);
    g_byte_array_append (a, g_bytes_get_data (nals->pdata[i], NULL),
        g_bytes_get_size (nals->pdata[i]));
  }
  buf = gst_buffer_new_wrapped (a->data, a->len);
  g_byte_array_free (a, FALSE);
  GST_BUFFER_PTS (buf) = pts;
  return buf;
}

static GPtrArray *
nals_of (const guint8 * const *d, const gsize * n, guint count)
{
  GPtrArray *v = g_ptr_array_new_with_free_func ((GDestroyNotify) g_bytes_unref);
  guint i;

  for (i = 0; i < count; i++)
    g_ptr_array_add (v, g_bytes_new_static (d[i], n[i]));
  return v;
}

/* The example frame, and what e2eedec must output of it: without its AUD. */
static GPtrArray *
example_frame (gboolean with_aud)
{
  const guint8 *d[] = { aud, sps, pps, idr1, idr2 };
  const gsize n[] = { sizeof (aud), sizeof (sps), sizeof (pps), sizeof (idr1),
    sizeof (idr2)
  };

  return with_aud ? nals_of (d, n, 5) : nals_of (d + 1, n + 1, 4);
}

/* The example frame encrypted with the next counter of @key, as its NAL units. */
static GPtrArray *
encrypted_example (GstE2eeSFrameKey * key)
{
  GPtrArray *plain = example_frame (TRUE), *nals;
  GstBuffer *in = annex_b (plain, 0), *out;
  GstMapInfo map;
  gsize max, len;
  guint8 *e;
  GError *err = NULL;

  fail_unless (gst_buffer_map (in, &map, GST_MAP_READ));
  max = gst_e2ee_layout_get_max_size (GST_E2EE_LAYOUT_CODEC_H264, key, map.size);
  e = g_malloc (max);
  fail_unless (gst_e2ee_layout_encrypt (key, GST_E2EE_LAYOUT_CODEC_H264, map.data,
          map.size, e, max, &len, NULL, &err), "%s", err ? err->message : "");
  gst_buffer_unmap (in, &map);
  out = gst_buffer_new_wrapped (e, len);
  nals = split_nal_units (FALSE, out, TRUE);
  gst_buffer_unref (out);
  gst_buffer_unref (in);
  g_ptr_array_unref (plain);
  return nals;
}

/* A NAL unit of @type of @size bytes of any content (never 00). */
static GBytes *
junk_nal (guint type, gsize size)
{
  guint8 *d = g_malloc (size);
  gsize i;

  for (i = 0; i < size; i++)
    d[i] = (guint8) (i * 37 + 11) | 0x01;
  d[0] = 0x60 | type;
  return g_bytes_new_take (d, size);
}

static GstHarness *
dec_harness (GstBus ** bus)
{
  GstElement *dec = gst_element_factory_make ("e2eedec", NULL);
  GstBuffer *k = key_buffer (&keys, 1);

  fail_unless (dec != NULL);
  g_object_set (dec, "key-id", (guint64) KID, "key", k, NULL);
  gst_util_set_object_arg (G_OBJECT (dec), "layout", "codec");
  gst_buffer_unref (k);
  return harness_for (dec, bus, CAPS_H264);
}

static void
assert_frame (GstBuffer * buf, GPtrArray * want_nals, const gchar * what)
{
  GstBuffer *want = annex_b (want_nals, 0);

  fail_unless (buffers_equal (buf, want), "%s: not the authenticated frame", what);
  gst_buffer_unref (want);
  gst_buffer_unref (buf);
}

/* AUD, end-of-sequence and end-of-stream NAL units of any size and content added to an
 * authenticated frame, and its parameter sets moved and copied: the frame decrypts,
 * and what leaves e2eedec is, byte for byte, what it is without them. */
GST_START_TEST (test_injected_nal_units_removed)
{
  GstE2eeSFrameKey *key = reference_key (&keys,
      GST_E2EE_CIPHER_SUITE_AES_256_GCM_SHA512_128, KID, 1);
  GstHarness *h = dec_harness (NULL);
  GPtrArray *want = example_frame (FALSE), *e;
  guint n_sps;

  e = encrypted_example (key);
  assert_frame (push_pull (h, annex_b (e, 0)), want, "the frame as sent");
  fail_unless_equals_uint64 (stat_of (h->element, "nal-units-removed"), 1);
  g_ptr_array_unref (e);

  /* AUD(0) SPS(1) PPS(2) IDR(3) IDR(4) */
  e = encrypted_example (key);
  g_ptr_array_insert (e, 4, junk_nal (10, 40));         /* end of sequence */
  g_ptr_array_insert (e, 3, junk_nal (9, 300));         /* AUD */
  g_ptr_array_add (e, junk_nal (11, 7));        /* end of stream */
  n_sps = e->len;
  g_ptr_array_add (e, g_bytes_ref (e->pdata[1]));       /* SPS moved to the end */
  g_ptr_array_remove_index (e, 1);
  g_ptr_array_insert (e, 0, g_bytes_ref (e->pdata[1])); /* PPS first, and again */
  g_ptr_array_insert (e, 5, g_bytes_ref (e->pdata[0]));
  g_ptr_array_insert (e, 0, junk_nal (10, 1));  /* end of sequence first */
  fail_unless_equals_int (e->len, n_sps + 3);
  assert_frame (push_pull (h, annex_b (e, 40 * GST_MSECOND)), want, "injected");
  /* 1 + the AUD sent, the AUD, EOS and EOS added, the end of stream, 2 PPS copies */
  fail_unless_equals_uint64 (stat_of (h->element, "nal-units-removed"), 1 + 7);
  fail_unless_equals_uint64 (stat_of (h->element, "frames"), 2);
  fail_unless_equals_uint64 (stat_of (h->element, "dropped"), 0);
  g_ptr_array_unref (e);

  g_ptr_array_unref (want);
  gst_harness_teardown (h);
  gst_e2ee_sframe_key_unref (key);
}

GST_END_TEST;

/* What rtph264depay makes of an IDR frame of two slices after rtph264pay
 * config-interval=-1: [AUD SPS PPS slice 1] [SPS PPS slice 2], one timestamp. */
static void
cut_in_two (GPtrArray * e, GPtrArray ** first, GPtrArray ** second)
{
  *first = g_ptr_array_new_with_free_func ((GDestroyNotify) g_bytes_unref);
  *second = g_ptr_array_new_with_free_func ((GDestroyNotify) g_bytes_unref);
  g_ptr_array_add (*first, g_bytes_ref (e->pdata[0]));
  g_ptr_array_add (*first, g_bytes_ref (e->pdata[1]));
  g_ptr_array_add (*first, g_bytes_ref (e->pdata[2]));
  g_ptr_array_add (*first, g_bytes_ref (e->pdata[3]));
  g_ptr_array_add (*second, g_bytes_ref (e->pdata[1]));
  g_ptr_array_add (*second, g_bytes_ref (e->pdata[2]));
  g_ptr_array_add (*second, g_bytes_ref (e->pdata[4]));
}

/* The pieces of a frame are joined and decrypted as one; a piece that nothing
 * continues is dropped and reported as a frame that did not authenticate, once the
 * next buffer shows it (or at EOS). */
GST_START_TEST (test_pieces_joined)
{
  GstE2eeSFrameKey *key = reference_key (&keys,
      GST_E2EE_CIPHER_SUITE_AES_256_GCM_SHA512_128, KID, 1);
  GstBus *bus;
  GstHarness *h = dec_harness (&bus);
  GPtrArray *want = example_frame (FALSE), *e, *a, *b;
  GstMessage *msg;

  /* Two pieces: one frame out. */
  e = encrypted_example (key);
  cut_in_two (e, &a, &b);
  fail_unless_equals_int (gst_harness_push (h, annex_b (a, 0)), GST_FLOW_OK);
  fail_unless (gst_harness_try_pull (h) == NULL);
  assert_frame (push_pull (h, annex_b (b, 0)), want, "joined");
  fail_unless_equals_uint64 (stat_of (h->element, "joined"), 1);
  fail_unless_equals_uint64 (stat_of (h->element, "dropped"), 0);
  g_ptr_array_unref (a);
  g_ptr_array_unref (b);
  g_ptr_array_unref (e);

  /* A first piece whose rest never comes: the next frame (another timestamp) goes
   * out, the piece is dropped as a frame that did not authenticate. */
  e = encrypted_example (key);
  cut_in_two (e, &a, &b);
  fail_unless_equals_int (gst_harness_push (h, annex_b (a, 40 * GST_MSECOND)),
      GST_FLOW_OK);
  fail_unless (gst_harness_try_pull (h) == NULL);
  g_ptr_array_unref (e);
  e = encrypted_example (key);
  assert_frame (push_pull (h, annex_b (e, 80 * GST_MSECOND)), want, "next frame");
  fail_unless_equals_uint64 (stat_of (h->element, "dropped-authentication"), 1);
  fail_unless_equals_uint64 (stat_of (h->element, "frames"), 2);
  while ((msg = gst_bus_pop_filtered (bus, GST_MESSAGE_ELEMENT)) &&
      !gst_message_has_name (msg, "e2eedec-drop"))
    gst_message_unref (msg);
  fail_unless (msg != NULL, "no e2eedec-drop message");
  fail_unless_equals_string (gst_structure_get_string (gst_message_get_structure (msg),
          "reason"), "authentication");
  gst_message_unref (msg);
  g_ptr_array_unref (e);

  /* The rest of a frame with another timestamp is not its rest: the first piece is
   * dropped when it comes (the second, alone, for its own reason). */
  fail_unless_equals_int (gst_harness_push (h, annex_b (a, 120 * GST_MSECOND)),
      GST_FLOW_OK);
  fail_unless_equals_int (gst_harness_push (h, annex_b (b, 160 * GST_MSECOND)),
      GST_FLOW_OK);
  fail_unless (gst_harness_try_pull (h) == NULL);
  fail_unless_equals_uint64 (stat_of (h->element, "dropped-authentication"), 2);
  /* A piece still kept at EOS is dropped then. */
  fail_unless_equals_int (gst_harness_push (h, annex_b (a, 200 * GST_MSECOND)),
      GST_FLOW_OK);
  fail_unless_equals_uint64 (stat_of (h->element, "dropped-authentication"), 2);
  fail_unless (gst_harness_push_event (h, gst_event_new_eos ()));
  fail_unless (gst_harness_try_pull (h) == NULL);
  fail_unless_equals_uint64 (stat_of (h->element, "dropped-authentication"), 3);
  fail_unless_equals_uint64 (stat_of (h->element, "joined"), 1);
  fail_unless_equals_uint64 (stat_of (h->element, "frames"), 2);

  g_ptr_array_unref (a);
  g_ptr_array_unref (b);
  g_ptr_array_unref (want);
  gst_harness_teardown (h);
  gst_object_unref (bus);
  gst_e2ee_sframe_key_unref (key);
}

GST_END_TEST;

/* The pipeline tests need the codecs; without them they are skipped and the file
 * exits 77 (meson's "skipped") once the others pass. */
static gboolean
have_codecs (void)
{
  const gchar *const *n;
  gboolean ok = TRUE;

  for (n = needed; *n; n++) {
    GstElementFactory *f = gst_element_factory_find (*n);

    if (f == NULL) {
      g_printerr ("%s not installed: pipeline tests skipped\n", *n);
      ok = FALSE;
    } else {
      gst_object_unref (f);
    }
  }
  if (g_strcmp0 (h264_decoder (), "avdec_h264") == 0 &&
      !gst_registry_check_feature_version (gst_registry_get (), "avdec_h264", 1, 0, 0)) {
    g_printerr ("avdec_h264 not installed: pipeline tests skipped\n");
    ok = FALSE;
  }
  return ok;
}

static Suite *
e2eeh26x_suite (gboolean codecs)
{
  Suite *s = suite_create ("e2eeh26x");
  TCase *tc = tcase_create ("general");

  tcase_set_timeout (tc, 240);
  suite_add_tcase (s, tc);
  tcase_add_test (tc, test_injected_nal_units_removed);
  tcase_add_test (tc, test_pieces_joined);
  if (codecs)
    tcase_add_loop_test (tc, test_rtp_h26x, 0, G_N_ELEMENTS (cases));
  return s;
}

int
main (int argc, char **argv)
{
  gboolean codecs;
  int failed;

  gst_check_init (&argc, &argv);
  codecs = have_codecs ();
  failed = gst_check_run_suite (e2eeh26x_suite (codecs), "e2eeh26x", __FILE__);
  /* 1, not check's count: 77 failures must not read as skipped */
  return failed ? 1 : codecs ? 0 : GST_E2EE_CHECK_SKIPPED;
}
