/* gst-e2ee benchmark: item 5 (a receiver for many senders) and item 6 (rotation)
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "bench.h"

#include <string.h>

#define RECEIVER_SUITE GST_E2EE_CIPHER_SUITE_AES_256_GCM_SHA512_128
#define KID_BASE 0x100
#define AUDIO_SFRAME_CAPS "application/x-sframe, original-media-type=(string)audio/x-opus, " \
  "channel-mapping-family=(int)0, rate=(int)48000, channels=(int)1"
#define VIDEO_CAPS "video/x-h264, stream-format=(string)byte-stream, alignment=(string)au"
#define VIDEO_SFRAME_CAPS "application/x-sframe, original-media-type=(string)video/x-h264, " \
  "stream-format=(string)byte-stream, alignment=(string)au"

typedef struct
{
  GstPad *srcpad;
  GstElement *dec;
  GstElement *sink;
  GstE2eeSFrameKey *sender_key;         /* the sender's, to make its frames */
  gsize frame_size;
  guint64 pushed;
} Stream;

static GstBuffer *
sender_key_buffer (guint sender)
{
  GstBuffer *b = gst_buffer_new_allocate (NULL, 32, NULL);
  GstMapInfo map;

  BENCH_CHECK (gst_buffer_map (b, &map, GST_MAP_WRITE));
  bench_fill_random (map.data, 32, 0x5e7d + sender);
  gst_buffer_unmap (b, &map);
  return b;
}

static void
stream_start (Stream * s, GstPipeline * pipeline, guint index, const gchar * caps)
{
  GstSegment segment;
  gchar *id = g_strdup_printf ("receiver-%u", index);

  BENCH_CHECK (gst_pad_push_event (s->srcpad, gst_event_new_stream_start (id)));
  BENCH_CHECK (gst_pad_push_event (s->srcpad,
          gst_event_new_caps (gst_caps_from_string (caps))));
  gst_segment_init (&segment, GST_FORMAT_TIME);
  BENCH_CHECK (gst_pad_push_event (s->srcpad, gst_event_new_segment (&segment)));
  g_free (id);
}

/* The sender's side, not timed: a fresh buffer (as a network source would hand over)
 * holding the next frame encrypted with the sender's key. */
static GstBuffer *
make_frame (Stream * s, const guint8 * payload)
{
  gsize max = gst_e2ee_sframe_key_get_max_encrypted_size (s->sender_key, s->frame_size);
  GstBuffer *buf = gst_buffer_new_allocate (NULL, max, NULL);
  GstMapInfo map;
  gsize len = 0;

  BENCH_CHECK (gst_buffer_map (buf, &map, GST_MAP_WRITE));
  BENCH_CHECK (gst_e2ee_sframe_key_encrypt (s->sender_key, NULL, 0, payload,
          s->frame_size, map.data, map.size, &len, NULL, NULL));
  gst_buffer_unmap (buf, &map);
  gst_buffer_set_size (buf, len);
  return buf;
}

static guint64
push_timed (Stream * s, const guint8 * payload, gboolean * ok)
{
  GstBuffer *buf = make_frame (s, payload);
  guint64 t0 = bench_now_ns ();

  if (gst_pad_push (s->srcpad, buf) != GST_FLOW_OK)
    *ok = FALSE;
  s->pushed++;
  return bench_now_ns () - t0;
}

/* Item 5: @r->senders senders, each with an audio and a video stream under one KID;
 * one e2eedec per stream, all in one pipeline, fed in timestamp order from this
 * thread as fast as it goes. The time spent in the pushes (decryption, metadata,
 * GStreamer's buffer passing, the sink) over the media duration is the CPU a receiver
 * needs per second of media on one core. */
gboolean
receiver_run (ReceiverResult * r, GError ** error)
{
  guint n_streams = r->senders * 2, i, sec, ms;
  Stream *streams;
  GstElement *pipeline, *probe;
  GstE2eeKeyStore *store = NULL;
  guint8 *audio_payload, *video_payload;
  guint64 busy_ns = 0;
  gboolean ok = TRUE;

  /* Use the shared key store when e2eedec has one; without it every e2eedec holds
   * its sender's key itself. */
  probe = gst_element_factory_make ("e2eedec", NULL);
  if (probe == NULL) {
    g_set_error (error, GST_CORE_ERROR, GST_CORE_ERROR_MISSING_PLUGIN, "no e2eedec");
    return FALSE;
  }
  r->with_key_store = g_object_class_find_property (G_OBJECT_GET_CLASS (probe),
      "key-store") != NULL;
  gst_object_unref (probe);

  streams = g_new0 (Stream, n_streams);
  audio_payload = g_malloc (r->audio_size);
  video_payload = g_malloc (r->video_size);
  bench_fill_random (audio_payload, r->audio_size, 0xa0d10);
  bench_fill_random (video_payload, r->video_size, 0x71de0);
  r->rss_before_kb = bench_current_rss_kb ();

  if (r->with_key_store)
    store = gst_e2ee_key_store_new ();

  pipeline = gst_pipeline_new ("receiver");
  for (i = 0; i < r->senders; i++) {
    GstBuffer *key = sender_key_buffer (i);
    guint64 kid = KID_BASE + i;
    GstE2eeSFrameKey *sender_key;
    GstMapInfo map;
    guint j;

    BENCH_CHECK (gst_buffer_map (key, &map, GST_MAP_READ));
    sender_key = gst_e2ee_sframe_key_new (RECEIVER_SUITE, kid, map.data, map.size, NULL);
    BENCH_CHECK (sender_key);
    if (store)
      BENCH_CHECK (gst_e2ee_key_store_add_key (store, kid, GST_E2EE_KEY_USAGE_DECRYPT,
              RECEIVER_SUITE, map.data, map.size, NULL));
    gst_buffer_unmap (key, &map);

    for (j = 0; j < 2; j++) {
      Stream *s = &streams[2 * i + j];
      GstPad *sinkpad;

      s->sender_key = gst_e2ee_sframe_key_ref (sender_key);
      s->frame_size = j == 0 ? r->audio_size : r->video_size;
      s->dec = gst_element_factory_make ("e2eedec", NULL);
      g_object_set (s->dec, "cipher-suite", RECEIVER_SUITE, NULL);
      if (store) {
        g_object_set (s->dec, "key-store", store, NULL);
      } else {
        gboolean added = FALSE;
        g_signal_emit_by_name (s->dec, "add-key", kid, key, &added);
        BENCH_CHECK (added);
      }
      s->sink = gst_element_factory_make ("fakesink", NULL);
      g_object_set (s->sink, "sync", FALSE, "async", FALSE, "enable-last-sample", FALSE,
          NULL);
      gst_bin_add_many (GST_BIN (pipeline), s->dec, s->sink, NULL);
      BENCH_CHECK (gst_element_link (s->dec, s->sink));
      s->srcpad = gst_pad_new (NULL, GST_PAD_SRC);
      sinkpad = gst_element_get_static_pad (s->dec, "sink");
      BENCH_CHECK (gst_pad_link (s->srcpad, sinkpad) == GST_PAD_LINK_OK);
      gst_object_unref (sinkpad);
      BENCH_CHECK (gst_pad_set_active (s->srcpad, TRUE));
    }
    gst_e2ee_sframe_key_unref (sender_key);
    gst_buffer_unref (key);
  }
  BENCH_CHECK (gst_element_set_state (pipeline, GST_STATE_PLAYING) !=
      GST_STATE_CHANGE_FAILURE);
  BENCH_CHECK (gst_element_get_state (pipeline, NULL, NULL, GST_CLOCK_TIME_NONE) ==
      GST_STATE_CHANGE_SUCCESS);
  for (i = 0; i < n_streams; i++)
    stream_start (&streams[i], GST_PIPELINE (pipeline), i,
        i % 2 ? VIDEO_SFRAME_CAPS : AUDIO_SFRAME_CAPS);

  /* Media time in 1 ms steps: audio every 1000/audio_fps ms, video whenever the frame
   * number at video_fps changes. */
  for (sec = 0; sec < r->seconds && ok; sec++) {
    for (ms = 0; ms < 1000 && ok; ms++) {
      gboolean audio = (ms * r->audio_fps) % 1000 < r->audio_fps;
      gboolean video = (ms * r->video_fps) % 1000 < r->video_fps;

      for (i = 0; i < r->senders; i++) {
        if (audio)
          busy_ns += push_timed (&streams[2 * i], audio_payload, &ok);
        if (video)
          busy_ns += push_timed (&streams[2 * i + 1], video_payload, &ok);
      }
    }
  }
  r->cpu_s_per_media_s = (gdouble) busy_ns / 1e9 / r->seconds;
  r->rss_peak_kb = bench_peak_rss_kb ();

  r->frames = r->dropped = 0;
  for (i = 0; i < n_streams; i++) {
    GstStructure *st = NULL;
    guint64 frames = 0, dropped = 0;

    g_object_get (streams[i].dec, "stats", &st, NULL);
    gst_structure_get_uint64 (st, "frames", &frames);
    gst_structure_get_uint64 (st, "dropped", &dropped);
    gst_structure_free (st);
    r->frames += frames;
    r->dropped += dropped;
    if (frames != streams[i].pushed)
      ok = FALSE;
  }
  if (!ok)
    g_set_error (error, GST_CORE_ERROR, GST_CORE_ERROR_FAILED,
        "the receiver lost frames: %" G_GUINT64_FORMAT " decrypted, %" G_GUINT64_FORMAT
        " dropped", r->frames, r->dropped);

  gst_element_set_state (pipeline, GST_STATE_NULL);
  for (i = 0; i < n_streams; i++) {
    gst_pad_set_active (streams[i].srcpad, FALSE);
    gst_object_unref (streams[i].srcpad);
    gst_e2ee_sframe_key_unref (streams[i].sender_key);
  }
  gst_object_unref (pipeline);
  if (store)
    g_object_unref (store);
  g_free (streams);
  g_free (audio_payload);
  g_free (video_payload);
  return ok;
}

/* ---- Item 6: rotation ------------------------------------------------ */

#define ROTATION_FRAME_SIZE 1200
#define ROTATION_MAX_FRAMES (4 * 1000 * 1000)

typedef struct
{
  Chain *chain;
  gint stop;
  guint64 *start, *end;
  guint64 n;
  gboolean ok;
} Streamer;

static gpointer
streamer_thread (gpointer data)
{
  Streamer *s = data;

  s->ok = TRUE;
  while (!g_atomic_int_get (&s->stop) && s->n < ROTATION_MAX_FRAMES) {
    s->start[s->n] = bench_now_ns ();
    if (!chain_run (s->chain, 1)) {
      s->ok = FALSE;
      break;
    }
    s->end[s->n] = bench_now_ns ();
    s->n++;
  }
  return NULL;
}

static gint
compare_u64 (gconstpointer a, gconstpointer b)
{
  guint64 x = *(const guint64 *) a, y = *(const guint64 *) b;
  return x < y ? -1 : x > y;
}

static gdouble
percentile_us (GArray * sorted, gdouble q)
{
  guint idx;

  if (sorted->len == 0)
    return 0;
  idx = MIN (sorted->len - 1, (guint) (q * sorted->len));
  return g_array_index (sorted, guint64, idx) / 1000.0;
}

/* What e2eeenc pays on its streaming thread for the first frame on a new key, and
 * e2eedec under its object lock in add-key: deriving the key (HKDF) and preparing
 * its OpenSSL contexts. */
static gdouble
derive_us (void)
{
  GArray *t = g_array_new (FALSE, FALSE, sizeof (guint64));
  guint8 base[32];
  guint i;
  gdouble m;

  bench_fill_random (base, sizeof (base), 0xde71);
  for (i = 0; i < 2000; i++) {
    guint64 t0 = bench_now_ns (), d;
    GstE2eeSFrameKey *k = gst_e2ee_sframe_key_new (GST_E2EE_CIPHER_SUITE_AES_256_GCM_SHA512_128,
        i, base, sizeof (base), NULL);
    d = bench_now_ns () - t0;
    BENCH_CHECK (k);
    gst_e2ee_sframe_key_unref (k);
    if (i >= 100)
      g_array_append_val (t, d);
  }
  g_array_sort (t, compare_u64);
  m = percentile_us (t, 0.5);
  g_array_unref (t);
  return m;
}

/* One key change of @mode to KID @kid; FALSE if an element refused it. Fills the two
 * call times. */
static gboolean
change_key (GstElement * enc, GstElement * dec, RotationMode mode, guint64 kid,
    guint32 seed, guint64 * t_dec, guint64 * t_enc)
{
  GstBuffer *key = gst_buffer_new_allocate (NULL, 32, NULL);
  GstMapInfo map;
  gboolean added = TRUE, switched = TRUE;
  guint64 t0, t1, new_kid = 0;

  BENCH_CHECK (gst_buffer_map (key, &map, GST_MAP_WRITE));
  bench_fill_random (map.data, 32, seed);
  gst_buffer_unmap (key, &map);

  t0 = bench_now_ns ();
  if (mode != ROTATION_RATCHET)
    g_signal_emit_by_name (dec, "add-key", kid, key, &added);
  t1 = bench_now_ns ();
  if (mode == ROTATION_ROTATE)
    g_signal_emit_by_name (enc, "rotate", kid, key, &switched);
  else if (mode == ROTATION_RATCHET)
    g_signal_emit_by_name (enc, "ratchet", &new_kid);
  else
    g_object_set (enc, "key-id", kid, "key", key, NULL);
  *t_enc = bench_now_ns () - t1;
  *t_dec = t1 - t0;
  gst_buffer_unref (key);
  return added && switched && new_kid != G_MAXUINT64;
}

/* The same key changes with nothing else running: the cost of the calls and of the
 * first frame on the new key without waiting for locks the streaming thread holds. */
static gboolean
rotation_single_thread (RotationResult * r, RotationMode mode, const guint8 * frame)
{
  Chain *c = chain_new_e2ee (GST_E2EE_CIPHER_SUITE_AES_256_GCM_SHA512_128, frame,
      ROTATION_FRAME_SIZE, VIDEO_CAPS);
  GstElement *enc = chain_find (c, "e2eeenc"), *dec = chain_find (c, "e2eedec");
  GArray *first = g_array_new (FALSE, FALSE, sizeof (guint64));
  GArray *calls = g_array_new (FALSE, FALSE, sizeof (guint64));
  GArray *other = g_array_new (FALSE, FALSE, sizeof (guint64));
  gboolean ok = TRUE;
  guint k, j;

  for (k = 0; k < 60 && ok; k++) {
    guint64 t_dec = 0, t_enc = 0, t0, d;

    for (j = 0; j < 20 && ok; j++) {
      t0 = bench_now_ns ();
      ok = chain_run (c, 1);
      d = bench_now_ns () - t0;
      if (j > 0)
        g_array_append_val (other, d);
    }
    if (mode != ROTATION_RATCHET && k > 0) {
      gboolean removed = FALSE;
      g_signal_emit_by_name (dec, "remove-key", (guint64) (1000 + k - 1), &removed);
    }
    ok = ok && change_key (enc, dec, mode, 1000 + k, 0x5157 + k, &t_dec, &t_enc);
    d = t_dec + t_enc;
    g_array_append_val (calls, d);
    t0 = bench_now_ns ();
    ok = ok && chain_run (c, 1);
    d = bench_now_ns () - t0;
    g_array_append_val (first, d);
  }
  ok = ok && chain_verify (c, NULL);
  g_array_sort (first, compare_u64);
  g_array_sort (calls, compare_u64);
  g_array_sort (other, compare_u64);
  r->st_calls_us = percentile_us (calls, 0.5);
  r->st_first_frame_us = percentile_us (first, 0.5);
  r->st_other_frame_us = percentile_us (other, 0.5);
  g_array_unref (first);
  g_array_unref (calls);
  g_array_unref (other);
  chain_free (c);
  return ok;
}

/* Item 6: a key change while another thread streams 1,200-byte frames through
 * e2eeenc ! e2eedec as fast as it can, every 100 ms, in one of three ways:
 * - ROTATION_ROTATE: a new base key under a new KID, given to e2eedec first (add-key,
 *   so no frame on the new key can arrive before its key), then to e2eeenc with its
 *   `rotate` action signal; the previous key is removed one period later;
 * - ROTATION_RATCHET: e2eeenc's `ratchet` action signal (RFC 9605 §5.1); e2eedec
 *   follows by itself, deriving the next step from the key it has;
 * - ROTATION_PROPERTIES: as ROTATE but through e2eeenc's `key-id` and `key`
 *   properties: two writes a frame can come between, which e2eeenc applies as one
 *   change (docs/e2eeenc.md).
 * Measured: how long the application's calls take, what the first frame on the new
 * key costs (key derivation happens on the streaming thread), and the worst frame
 * around a rotation against the frames elsewhere. */
gboolean
rotation_run (RotationResult * r, RotationMode mode, GError ** error)
{
  guint8 *frame = g_malloc (ROTATION_FRAME_SIZE);
  Streamer s = { 0 };
  GstElement *enc, *dec;
  GThread *thread;
  guint64 *rot_start = g_new0 (guint64, r->rotations);
  guint64 *rot_end = g_new0 (guint64, r->rotations);
  GArray *add_key = g_array_new (FALSE, FALSE, sizeof (guint64));
  GArray *enc_set = g_array_new (FALSE, FALSE, sizeof (guint64));
  GArray *first = g_array_new (FALSE, FALSE, sizeof (guint64));
  GArray *around = g_array_new (FALSE, FALSE, sizeof (guint64));
  GArray *steady = g_array_new (FALSE, FALSE, sizeof (guint64));
  GstStructure *st = NULL;
  guint64 i, k, dropped = 0;
  gboolean *is_around;
  gboolean ok = TRUE;

  r->derive_us = derive_us ();
  bench_fill_random (frame, ROTATION_FRAME_SIZE, 0x2074);
  if (!rotation_single_thread (r, mode, frame)) {
    g_set_error (error, GST_CORE_ERROR, GST_CORE_ERROR_FAILED,
        "a key change failed with no other thread running");
    ok = FALSE;
    goto out;
  }

  s.chain = chain_new_e2ee (GST_E2EE_CIPHER_SUITE_AES_256_GCM_SHA512_128, frame,
      ROTATION_FRAME_SIZE, VIDEO_CAPS);
  enc = chain_find (s.chain, "e2eeenc");
  dec = chain_find (s.chain, "e2eedec");
  s.start = g_new (guint64, ROTATION_MAX_FRAMES);
  s.end = g_new (guint64, ROTATION_MAX_FRAMES);

  thread = g_thread_new ("streaming", streamer_thread, &s);
  g_usleep (100 * 1000);
  for (k = 0; k < r->rotations && s.ok; k++) {
    guint64 kid = 2 + k, t_dec = 0, t_enc = 0;

    rot_start[k] = bench_now_ns ();
    if (!change_key (enc, dec, mode, kid, 0x707a + (guint32) k, &t_dec, &t_enc)) {
      g_set_error (error, GST_CORE_ERROR, GST_CORE_ERROR_FAILED,
          "key change %" G_GUINT64_FORMAT " was refused", k);
      ok = FALSE;
      k++;
      break;
    }
    rot_end[k] = bench_now_ns ();
    if (mode != ROTATION_RATCHET)
      g_array_append_val (add_key, t_dec);
    g_array_append_val (enc_set, t_enc);

    g_usleep (100 * 1000);
    if (mode != ROTATION_RATCHET && k > 0) {
      gboolean removed = FALSE;
      g_signal_emit_by_name (dec, "remove-key", kid - 1, &removed);
    }
  }
  r->rotations = (guint) k;
  g_usleep (50 * 1000);
  g_atomic_int_set (&s.stop, 1);
  g_thread_join (thread);
  ok = ok && s.ok;
  /* Every frame went through and decrypted, and the next one still does. */
  if (ok && !chain_verify (s.chain, error))
    ok = FALSE;

  /* Around a rotation: the frames overlapping its calls and the first frame to end
   * after them (the one e2eeenc derives the new key for). The rest are steady. */
  is_around = g_new0 (gboolean, s.n + 1);
  i = 0;
  for (k = 0; k < r->rotations; k++) {
    while (i < s.n && s.end[i] < rot_start[k])
      i++;
    while (i < s.n && s.end[i] <= rot_end[k])
      is_around[i++] = TRUE;
    if (i < s.n) {
      guint64 d = s.end[i] - s.start[i];
      g_array_append_val (first, d);
      is_around[i++] = TRUE;
    }
  }
  for (i = 0; i < s.n; i++) {
    guint64 d = s.end[i] - s.start[i];
    g_array_append_val (is_around[i] ? around : steady, d);
  }
  g_free (is_around);

  g_array_sort (add_key, compare_u64);
  g_array_sort (enc_set, compare_u64);
  g_array_sort (first, compare_u64);
  g_array_sort (around, compare_u64);
  g_array_sort (steady, compare_u64);
  r->frames = s.n;
  g_object_get (dec, "stats", &st, NULL);
  gst_structure_get_uint64 (st, "dropped", &dropped);
  gst_structure_free (st);
  r->lost = dropped;
  r->add_key_us = percentile_us (add_key, 0.5);
  r->enc_set_us = percentile_us (enc_set, 0.5);
  r->first_frame_us = percentile_us (first, 0.5);
  r->max_around_us = percentile_us (around, 1.0);
  r->steady_frame_us = percentile_us (steady, 0.5);
  r->p999_elsewhere_us = percentile_us (steady, 0.999);
  r->max_elsewhere_us = percentile_us (steady, 1.0);
  if (!ok && (error == NULL || *error == NULL))
    g_set_error (error, GST_CORE_ERROR, GST_CORE_ERROR_FAILED,
        "streaming stopped during a rotation (e2eeenc posted an error)");

  chain_free (s.chain);
  g_free (s.start);
  g_free (s.end);

out:  g_free (rot_start);
  g_free (rot_end);
  g_array_unref (add_key);
  g_array_unref (enc_set);
  g_array_unref (first);
  g_array_unref (around);
  g_array_unref (steady);
  g_free (frame);
  return ok;
}
