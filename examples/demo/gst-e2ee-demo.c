/* gst-e2ee-demo: end-to-end encrypted video and audio through real GStreamer pipelines.
 *
 * Test video (H.264) and audio (Opus) are encrypted by e2eeenc, cross a stand-in for
 * the SFU (an identity element: whatever sits there sees only what is shown here),
 * are decrypted by e2eedec and decoded. Every step is checked; the program exits with
 * status 1 if a frame goes missing, loses its timestamp, differs after decryption or
 * is not decoded, or if any 16-byte piece of a plaintext frame shows up in transit.
 *
 * The keys are random (OpenSSL RAND_bytes), given to the elements from code as
 * GstBuffers, and never printed.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <string.h>

#include <gst/gst.h>
#include <gst/e2ee/e2ee.h>
#include "gste2eeexample.h"
#include <openssl/crypto.h>
#include <openssl/rand.h>

#define BASE_KEY_SIZE 32
#define WINDOW 16
#define TIMEOUT_SECONDS 120
#define VIDEO_FRAMES 90
#define AUDIO_BUFFERS 50
#define SHOWN_FRAME 30          /* an IDR frame (key-int-max=30) with CTR >= 8: 2-byte header */

/* No key on this line: keys are set from code below, so they never appear in a
 * string that could end up in a log. %s is the H.264 decoder, see h264_decoder(). */
#define PIPELINE_FORMAT \
    "videotestsrc num-buffers=" G_STRINGIFY (VIDEO_FRAMES) " pattern=ball" \
    " ! video/x-raw,width=320,height=240,framerate=30/1" \
    " ! x264enc tune=zerolatency key-int-max=30 speed-preset=ultrafast" \
    " ! h264parse ! video/x-h264,stream-format=byte-stream,alignment=au" \
    " ! e2eeenc name=venc key-id=1 layout=frame" \
    " ! identity name=vsfu" \
    " ! e2eedec name=vdec" \
    " ! %s name=vdecoder ! fakesink sync=false " \
    "audiotestsrc num-buffers=" G_STRINGIFY (AUDIO_BUFFERS) " samplesperbuffer=960" \
    " ! audio/x-raw,rate=48000,channels=1" \
    " ! opusenc" \
    " ! e2eeenc name=aenc key-id=2 layout=frame" \
    " ! identity name=asfu" \
    " ! e2eedec name=adec" \
    " ! opusdec name=adecoder ! fakesink sync=false"

/* avdec_h264, or the decoder GST_E2EE_H264_DECODER gives (a launch fragment):
 * Debian 12's valgrind cannot run gst-libav on a CPU that hides RDTSCP, so the
 * valgrind test setup (tests/meson.build) gives another one. */
static const char *
h264_decoder (void)
{
  const char *name = g_getenv ("GST_E2EE_H264_DECODER");

  return name && *name ? name : "avdec_h264";
}

typedef struct
{
  const char *name;
  const char *prefix;           /* of the element names: "v" or "a" */
  guint64 kid;
  guint8 base_key[BASE_KEY_SIZE];

  GstElement *enc, *dec;

  /* Written by the stream's streaming thread, read by main once the pipeline is done. */
  GMutex lock;
  GPtrArray *plain;             /* GBytes: frames entering e2eeenc */
  GPtrArray *wire;              /* GBytes: frames leaving e2eeenc, what the SFU relays */
  GPtrArray *decrypted;         /* GBytes: frames leaving e2eedec */
  GArray *plain_pts, *wire_pts, *decrypted_pts;         /* GstClockTime, same order */
  guint decrypted_unauthenticated;      /* output buffers without an authenticated GstE2eeMeta */
  guint decoded;
  gchar *wire_caps;
  gchar *decoded_caps;
} Stream;

static gboolean failed = FALSE;

static void
fail (const char *format, ...) G_GNUC_PRINTF (1, 2);

static void
fail (const char *format, ...)
{
  va_list args;
  gchar *msg;

  va_start (args, format);
  msg = g_strdup_vprintf (format, args);
  va_end (args);
  g_print ("  FAIL: %s\n", msg);
  g_free (msg);
  failed = TRUE;
}

static void
wipe_key (gpointer data)
{
  OPENSSL_cleanse (data, BASE_KEY_SIZE);
  g_free (data);
}

/* The base key as the elements take it. GStreamer frees buffer memory without
 * wiping it, so the copy lives in memory of our own that is wiped when released. */
static GstBuffer *
key_buffer_new (const guint8 * key)
{
  guint8 *copy = g_memdup2 (key, BASE_KEY_SIZE);

  return gst_buffer_new_wrapped_full (GST_MEMORY_FLAG_READONLY, copy, BASE_KEY_SIZE,
      0, BASE_KEY_SIZE, copy, wipe_key);
}

static GBytes *
buffer_to_bytes (GstBuffer * buf)
{
  gpointer data = NULL;
  gsize size = 0;

  gst_buffer_extract_dup (buf, 0, gst_buffer_get_size (buf), &data, &size);
  return g_bytes_new_take (data, size);
}

static GstPadProbeReturn
record_plain (GstPad * pad, GstPadProbeInfo * info, gpointer user_data)
{
  Stream *s = user_data;
  GstBuffer *buf = GST_PAD_PROBE_INFO_BUFFER (info);

  g_mutex_lock (&s->lock);
  g_ptr_array_add (s->plain, buffer_to_bytes (buf));
  g_array_append_val (s->plain_pts, GST_BUFFER_PTS (buf));
  g_mutex_unlock (&s->lock);
  return GST_PAD_PROBE_OK;
}

static GstPadProbeReturn
record_wire (GstPad * pad, GstPadProbeInfo * info, gpointer user_data)
{
  Stream *s = user_data;

  g_mutex_lock (&s->lock);
  if (info->type & GST_PAD_PROBE_TYPE_BUFFER) {
    GstBuffer *buf = GST_PAD_PROBE_INFO_BUFFER (info);

    g_ptr_array_add (s->wire, buffer_to_bytes (buf));
    g_array_append_val (s->wire_pts, GST_BUFFER_PTS (buf));
  } else {
    GstEvent *event = GST_PAD_PROBE_INFO_EVENT (info);
    GstCaps *caps;

    if (GST_EVENT_TYPE (event) == GST_EVENT_CAPS) {
      const GstStructure *st;
      const gchar *original;

      gst_event_parse_caps (event, &caps);
      st = gst_caps_get_structure (caps, 0);
      original = gst_structure_get_string (st, "original-media-type");
      g_free (s->wire_caps);
      s->wire_caps = g_strdup_printf ("%s, original-media-type=%s",
          gst_structure_get_name (st), original ? original : "(none)");
    }
  }
  g_mutex_unlock (&s->lock);
  return GST_PAD_PROBE_OK;
}

static GstPadProbeReturn
record_decrypted (GstPad * pad, GstPadProbeInfo * info, gpointer user_data)
{
  Stream *s = user_data;
  GstBuffer *buf = GST_PAD_PROBE_INFO_BUFFER (info);
  GstE2eeMeta *meta = gst_buffer_get_e2ee_meta (buf);

  g_mutex_lock (&s->lock);
  g_ptr_array_add (s->decrypted, buffer_to_bytes (buf));
  g_array_append_val (s->decrypted_pts, GST_BUFFER_PTS (buf));
  if (meta == NULL || !meta->authenticated || meta->kid != s->kid)
    s->decrypted_unauthenticated++;
  g_mutex_unlock (&s->lock);
  return GST_PAD_PROBE_OK;
}

static GstPadProbeReturn
record_decoded (GstPad * pad, GstPadProbeInfo * info, gpointer user_data)
{
  Stream *s = user_data;

  g_mutex_lock (&s->lock);
  if (info->type & GST_PAD_PROBE_TYPE_BUFFER) {
    s->decoded++;
  } else if (GST_EVENT_TYPE (GST_PAD_PROBE_INFO_EVENT (info)) == GST_EVENT_CAPS) {
    GstCaps *caps;

    gst_event_parse_caps (GST_PAD_PROBE_INFO_EVENT (info), &caps);
    g_free (s->decoded_caps);
    s->decoded_caps = g_strdup (gst_structure_get_name (gst_caps_get_structure (caps,
                0)));
  }
  g_mutex_unlock (&s->lock);
  return GST_PAD_PROBE_OK;
}

static void
add_probe (GstElement * pipeline, const char *prefix, const char *element,
    const char *pad_name, GstPadProbeType type, GstPadProbeCallback cb, Stream * s)
{
  gchar *name = g_strconcat (prefix, element, NULL);
  GstElement *e = gst_bin_get_by_name (GST_BIN (pipeline), name);
  GstPad *pad = gst_element_get_static_pad (e, pad_name);

  gst_pad_add_probe (pad, type, cb, s, NULL);
  gst_object_unref (pad);
  gst_object_unref (e);
  g_free (name);
}

static gboolean
stream_setup (Stream * s, GstElement * pipeline, gboolean dec_key_by_signal)
{
  gchar *name;
  GstBuffer *key;
  gboolean added = FALSE;

  g_mutex_init (&s->lock);
  s->plain = g_ptr_array_new_with_free_func ((GDestroyNotify) g_bytes_unref);
  s->wire = g_ptr_array_new_with_free_func ((GDestroyNotify) g_bytes_unref);
  s->decrypted = g_ptr_array_new_with_free_func ((GDestroyNotify) g_bytes_unref);
  s->plain_pts = g_array_new (FALSE, FALSE, sizeof (GstClockTime));
  s->wire_pts = g_array_new (FALSE, FALSE, sizeof (GstClockTime));
  s->decrypted_pts = g_array_new (FALSE, FALSE, sizeof (GstClockTime));

  if (RAND_bytes (s->base_key, BASE_KEY_SIZE) != 1) {
    g_printerr ("RAND_bytes failed: no key for the %s stream\n", s->name);
    return FALSE;
  }

  name = g_strconcat (s->prefix, "enc", NULL);
  s->enc = gst_bin_get_by_name (GST_BIN (pipeline), name);
  g_free (name);
  name = g_strconcat (s->prefix, "dec", NULL);
  s->dec = gst_bin_get_by_name (GST_BIN (pipeline), name);
  g_free (name);

  key = key_buffer_new (s->base_key);
  g_object_set (s->enc, "key", key, NULL);
  if (dec_key_by_signal) {
    /* The way a receiver with several senders gives keys: one add-key per KID. */
    g_signal_emit_by_name (s->dec, "add-key", s->kid, key, &added);
    if (!added) {
      g_printerr ("e2eedec refused add-key for KID %" G_GUINT64_FORMAT "\n", s->kid);
      gst_buffer_unref (key);
      return FALSE;
    }
  } else {
    g_object_set (s->dec, "key-id", s->kid, "key", key, NULL);
  }
  gst_buffer_unref (key);

  add_probe (pipeline, s->prefix, "enc", "sink", GST_PAD_PROBE_TYPE_BUFFER, record_plain,
      s);
  add_probe (pipeline, s->prefix, "sfu", "src",
      GST_PAD_PROBE_TYPE_BUFFER | GST_PAD_PROBE_TYPE_EVENT_DOWNSTREAM, record_wire, s);
  add_probe (pipeline, s->prefix, "dec", "src", GST_PAD_PROBE_TYPE_BUFFER,
      record_decrypted, s);
  add_probe (pipeline, s->prefix, "decoder", "src",
      GST_PAD_PROBE_TYPE_BUFFER | GST_PAD_PROBE_TYPE_EVENT_DOWNSTREAM, record_decoded, s);
  return TRUE;
}

static void
stream_clear (Stream * s)
{
  OPENSSL_cleanse (s->base_key, sizeof (s->base_key));
  g_clear_object (&s->enc);
  g_clear_object (&s->dec);
  g_clear_pointer (&s->plain, g_ptr_array_unref);
  g_clear_pointer (&s->wire, g_ptr_array_unref);
  g_clear_pointer (&s->decrypted, g_ptr_array_unref);
  g_clear_pointer (&s->plain_pts, g_array_unref);
  g_clear_pointer (&s->wire_pts, g_array_unref);
  g_clear_pointer (&s->decrypted_pts, g_array_unref);
  g_clear_pointer (&s->wire_caps, g_free);
  g_clear_pointer (&s->decoded_caps, g_free);
  g_mutex_clear (&s->lock);
}

/* ---- Looking for plaintext in transit ---------------------------------- */

static guint
window_hash (gconstpointer p)
{
  guint64 a, b;

  memcpy (&a, p, 8);
  memcpy (&b, (const guint8 *) p + 8, 8);
  a ^= b * G_GUINT64_CONSTANT (0x9E3779B97F4A7C15);
  return (guint) (a ^ (a >> 32));
}

static gboolean
window_equal (gconstpointer a, gconstpointer b)
{
  return memcmp (a, b, WINDOW) == 0;
}

/* Whether any WINDOW bytes of @plain appear anywhere in @wire. A cipher that leaked
 * plaintext, or a frame passed through unencrypted, shows up here. Frames shorter than
 * WINDOW are looked for whole. */
static gboolean
leaks_plaintext (GBytes * plain, GBytes * wire)
{
  gsize plen, wlen, i;
  const guint8 *p = g_bytes_get_data (plain, &plen);
  const guint8 *w = g_bytes_get_data (wire, &wlen);
  GHashTable *windows;
  gboolean found = FALSE;

  if (plen == 0)
    return FALSE;
  if (plen < WINDOW) {
    for (i = 0; i + plen <= wlen; i++)
      if (memcmp (w + i, p, plen) == 0)
        return TRUE;
    return FALSE;
  }
  if (wlen < WINDOW)
    return FALSE;

  windows = g_hash_table_new (window_hash, window_equal);
  for (i = 0; i + WINDOW <= wlen; i++)
    g_hash_table_add (windows, (gpointer) (w + i));
  for (i = 0; !found && i + WINDOW <= plen; i++)
    found = g_hash_table_contains (windows, p + i);
  g_hash_table_destroy (windows);
  return found;
}

static void
hexdump (const char *label, GBytes * bytes, gsize max)
{
  gsize size, i, j;
  const guint8 *d = g_bytes_get_data (bytes, &size);
  gsize n = MIN (size, max);

  g_print ("    %s, %" G_GSIZE_FORMAT " bytes:\n", label, size);
  for (i = 0; i < n; i += 16) {
    g_print ("      %04" G_GSIZE_MODIFIER "x ", i);
    for (j = i; j < i + 16; j++) {
      if (j < n)
        g_print (" %02x", d[j]);
      else
        g_print ("   ");
    }
    g_print ("  |");
    for (j = i; j < i + 16 && j < n; j++)
      g_print ("%c", g_ascii_isprint (d[j]) ? d[j] : '.');
    g_print ("|\n");
  }
}

/* ---- Report ------------------------------------------------------------- */

/* How many frames of @b carry the PTS their counterpart in @a had. */
static guint
count_same_pts (GArray * a, GArray * b)
{
  guint i, same = 0;

  for (i = 0; i < a->len && i < b->len; i++)
    if (g_array_index (a, GstClockTime, i) == g_array_index (b, GstClockTime, i))
      same++;
  return same;
}

static void
check_stream (Stream * s, gboolean show_frame)
{
  guint i, leaks = 0, mismatches = 0, bad_headers = 0;
  guint64 first_ctr = 0, last_ctr = 0;
  gsize min_overhead = G_MAXSIZE, max_overhead = 0;
  guint same_wire, same_decrypted;

  g_print ("\n%s (KID %" G_GUINT64_FORMAT ")\n", s->name, s->kid);
  g_print ("  frames sent into e2eeenc:    %u\n", s->plain->len);
  g_print ("  frames in transit:           %u, caps %s\n", s->wire->len,
      s->wire_caps ? s->wire_caps : "(none seen)");

  if (s->plain->len == 0)
    fail ("no %s frames were produced", s->name);
  if (s->wire->len != s->plain->len)
    fail ("%u frames went into e2eeenc but %u came out", s->plain->len, s->wire->len);
  if (s->wire_caps == NULL || !g_str_has_prefix (s->wire_caps, "application/x-sframe"))
    fail ("the caps in transit are not application/x-sframe");

  for (i = 0; i < s->wire->len; i++) {
    GBytes *wire = g_ptr_array_index (s->wire, i);
    gsize wlen, hlen, plen = 0;
    const guint8 *w = g_bytes_get_data (wire, &wlen);
    guint64 kid, ctr;

    if (!gst_e2ee_sframe_header_parse (w, wlen, &kid, &ctr, &hlen, NULL) || kid != s->kid
        || (i > 0 && ctr <= last_ctr)) {
      bad_headers++;
      continue;
    }
    if (i == 0)
      first_ctr = ctr;
    last_ctr = ctr;
    if (i < s->plain->len) {
      GBytes *plain = g_ptr_array_index (s->plain, i);

      plen = g_bytes_get_size (plain);
      if (leaks_plaintext (plain, wire))
        leaks++;
      if (wlen >= plen) {
        min_overhead = MIN (min_overhead, wlen - plen);
        max_overhead = MAX (max_overhead, wlen - plen);
      }
    }
  }
  if (s->wire->len > 0 && bad_headers == 0)
    g_print ("  SFrame headers in transit:   KID %" G_GUINT64_FORMAT ", CTR %"
        G_GUINT64_FORMAT "..%" G_GUINT64_FORMAT " (strictly increasing)\n", s->kid,
        first_ctr, last_ctr);
  if (max_overhead > 0)
    g_print ("  bytes added per frame:       %" G_GSIZE_FORMAT "..%" G_GSIZE_FORMAT
        " (SFrame header + authentication tag)\n", min_overhead, max_overhead);
  if (bad_headers)
    fail ("%u frames in transit lack a valid SFrame header with KID %" G_GUINT64_FORMAT
        " and an increasing CTR", bad_headers, s->kid);
  g_print ("  plaintext seen in transit:   %s (any %d-byte piece of a frame in its "
      "encrypted form)\n", leaks ? "YES" : "no", WINDOW);
  if (leaks)
    fail ("%u frames in transit contain a piece of their plaintext", leaks);

  if (show_frame && s->wire->len > 0) {
    guint idx = MIN (SHOWN_FRAME, s->wire->len - 1);
    GBytes *wire = g_ptr_array_index (s->wire, idx);
    gsize wlen, hlen;
    const guint8 *w = g_bytes_get_data (wire, &wlen);
    guint64 kid, ctr;

    g_print ("  frame %u, before and after e2eeenc:\n", idx);
    hexdump ("plaintext (H.264 access unit)", g_ptr_array_index (s->plain, idx), 32);
    hexdump ("in transit (SFrame)", wire, 32);
    if (gst_e2ee_sframe_header_parse (w, wlen, &kid, &ctr, &hlen, NULL))
      g_print ("    the SFrame header is the first %" G_GSIZE_FORMAT " byte(s): KID %"
          G_GUINT64_FORMAT ", CTR %" G_GUINT64_FORMAT "; the rest is ciphertext and, "
          "at the end, the tag\n", hlen, kid, ctr);
  }

  for (i = 0; i < s->decrypted->len && i < s->plain->len; i++) {
    if (!g_bytes_equal (g_ptr_array_index (s->decrypted, i),
            g_ptr_array_index (s->plain, i)))
      mismatches++;
  }
  g_print ("  frames decrypted:            %u (%u identical to what was sent, %u "
      "carry an authenticated GstE2eeMeta)\n", s->decrypted->len,
      s->decrypted->len - mismatches, s->decrypted->len - s->decrypted_unauthenticated);
  if (s->decrypted->len != s->plain->len)
    fail ("%u frames sent, %u decrypted", s->plain->len, s->decrypted->len);
  if (mismatches)
    fail ("%u decrypted frames differ from what was sent", mismatches);
  if (s->decrypted_unauthenticated)
    fail ("%u decrypted frames lack an authenticated GstE2eeMeta for KID %"
        G_GUINT64_FORMAT, s->decrypted_unauthenticated, s->kid);

  /* Lost timestamps would break playback and lip sync downstream. */
  same_wire = count_same_pts (s->plain_pts, s->wire_pts);
  same_decrypted = count_same_pts (s->plain_pts, s->decrypted_pts);
  g_print ("  timestamps (PTS) kept:       %u of %u in transit, %u of %u after e2eedec\n",
      same_wire, s->wire->len, same_decrypted, s->decrypted->len);
  if (same_wire != s->wire->len || same_decrypted != s->decrypted->len)
    fail ("frames lost their timestamps on the way");

  /* Both encoders here emit one frame per input buffer and both decoders one output
   * per frame, so anything short of one decoded frame per frame sent is a loss. */
  g_print ("  frames decoded:              %u (%s)\n", s->decoded,
      s->decoded_caps ? s->decoded_caps : "nothing decoded");
  if (s->decoded != s->plain->len)
    fail ("%u frames sent, %u decoded", s->plain->len, s->decoded);
}

static void
print_stats (Stream * s, GstElement * element, const char *label, gboolean check_kids)
{
  GstStructure *stats = NULL, *top;
  const GValue *kids;
  gchar *str;
  guint i, n;
  guint64 frames = 0;

  g_object_get (element, "stats", &stats, NULL);
  if (stats == NULL) {
    fail ("%s has no stats", label);
    return;
  }
  gst_structure_get_uint64 (stats, "frames", &frames);
  top = gst_structure_copy (stats);
  gst_structure_remove_field (top, "kids");
  str = gst_structure_to_string (top);
  g_print ("  %s: %s\n", label, str);
  g_free (str);
  gst_structure_free (top);
  if (frames != s->plain->len)
    fail ("%s counted %" G_GUINT64_FORMAT " frames, %u were sent", label, frames,
        s->plain->len);

  kids = gst_structure_get_value (stats, "kids");
  if (kids == NULL || !GST_VALUE_HOLDS_ARRAY (kids)) {
    fail ("%s stats have no 'kids' array", label);
    gst_structure_free (stats);
    return;
  }
  n = gst_value_array_get_size (kids);
  for (i = 0; i < n; i++) {
    const GValue *v = gst_value_array_get_value (kids, i);
    const GstStructure *kid_stats;
    guint64 kid = G_MAXUINT64, kid_frames = 0;

    if (!GST_VALUE_HOLDS_STRUCTURE (v))
      continue;
    kid_stats = gst_value_get_structure (v);
    str = gst_structure_to_string (kid_stats);
    g_print ("    %s\n", str);
    g_free (str);
    gst_structure_get_uint64 (kid_stats, "kid", &kid);
    gst_structure_get_uint64 (kid_stats, "frames", &kid_frames);
    if (check_kids && kid == s->kid && kid_frames != s->plain->len)
      fail ("%s counted %" G_GUINT64_FORMAT " frames for KID %" G_GUINT64_FORMAT
          ", %u were sent", label, kid_frames, kid, s->plain->len);
  }
  if (n == 0)
    fail ("%s stats list no KID", label);
  gst_structure_free (stats);
}

/* The elements speak standard SFrame: the library, given the same base key, opens
 * a frame e2eeenc sealed; a flipped bit or another key is refused. */
static void
check_with_library (Stream * s, GstE2eeCipherSuite suite)
{
  GBytes *wire, *plain, *out, *tampered;
  GstE2eeSFrameKey *key, *other_key;
  guint8 other[BASE_KEY_SIZE];
  GError *error = NULL;
  gsize size;
  guint8 *data;
  gboolean tamper_refused, other_refused;

  if (s->wire->len == 0 || s->plain->len == 0)
    return;
  wire = g_ptr_array_index (s->wire, 0);
  plain = g_ptr_array_index (s->plain, 0);

  g_print ("\nlibrary cross-check (gst_e2ee_sframe_key_decrypt on %s frame 0):\n",
      s->name);
  key = gst_e2ee_sframe_key_new (suite, s->kid, s->base_key, BASE_KEY_SIZE, &error);
  if (key == NULL) {
    fail ("gst_e2ee_sframe_key_new: %s", error->message);
    g_clear_error (&error);
    return;
  }
  out = gst_e2ee_sframe_key_decrypt_bytes (key, NULL, wire, &error);
  g_print ("  with the sender's key:       %s\n", out == NULL ? error->message :
      g_bytes_equal (out, plain) ? "decrypts to the exact plaintext" :
      "decrypts to something else");
  if (out == NULL || !g_bytes_equal (out, plain))
    fail ("the library cannot open a frame e2eeenc sealed");
  g_clear_error (&error);
  g_clear_pointer (&out, g_bytes_unref);

  data = g_bytes_unref_to_data (g_bytes_ref (wire), &size);
  data[size / 2] ^= 0x01;
  tampered = g_bytes_new_take (data, size);
  out = gst_e2ee_sframe_key_decrypt_bytes (key, NULL, tampered, &error);
  tamper_refused = out == NULL
      && g_error_matches (error, GST_E2EE_SFRAME_ERROR, GST_E2EE_SFRAME_ERROR_AUTHENTICATION);
  g_print ("  one bit flipped in transit:  %s\n", tamper_refused ? "refused (authentication)"
      : "ACCEPTED");
  if (!tamper_refused)
    fail ("a tampered frame was not refused");
  g_clear_error (&error);
  g_clear_pointer (&out, g_bytes_unref);
  g_bytes_unref (tampered);

  other_refused = FALSE;
  if (RAND_bytes (other, sizeof (other)) == 1) {
    other_key = gst_e2ee_sframe_key_new (suite, s->kid, other, sizeof (other), NULL);
    out = other_key ? gst_e2ee_sframe_key_decrypt_bytes (other_key, NULL, wire, &error) :
        NULL;
    other_refused = other_key != NULL && out == NULL
        && g_error_matches (error, GST_E2EE_SFRAME_ERROR, GST_E2EE_SFRAME_ERROR_AUTHENTICATION);
    g_clear_pointer (&other_key, gst_e2ee_sframe_key_unref);
    g_clear_pointer (&out, g_bytes_unref);
    g_clear_error (&error);
  }
  OPENSSL_cleanse (other, sizeof (other));
  g_print ("  with another key:            %s\n", other_refused ? "refused (authentication)"
      : "ACCEPTED");
  if (!other_refused)
    fail ("a frame opened with the wrong key");
  gst_e2ee_sframe_key_unref (key);
}

/* ---- Running the pipeline ----------------------------------------------- */

static gboolean
run (GstElement * pipeline, guint * drops)
{
  GstBus *bus = gst_element_get_bus (pipeline);
  gint64 deadline = g_get_monotonic_time () + TIMEOUT_SECONDS * G_TIME_SPAN_SECOND;
  gboolean ok = FALSE, done = FALSE;

  if (gst_element_set_state (pipeline, GST_STATE_PLAYING) == GST_STATE_CHANGE_FAILURE) {
    /* The reason is on the bus; fall through to print it. */
    deadline = g_get_monotonic_time ();
  }
  while (!done) {
    gint64 left = deadline - g_get_monotonic_time ();
    GstMessage *msg = gst_bus_timed_pop_filtered (bus, MAX (left, 0) * GST_USECOND,
        GST_MESSAGE_EOS | GST_MESSAGE_ERROR | GST_MESSAGE_WARNING | GST_MESSAGE_ELEMENT);
    GError *err = NULL;
    gchar *dbg = NULL;

    if (msg == NULL) {
      g_printerr ("the pipeline did not finish within %d seconds\n", TIMEOUT_SECONDS);
      break;
    }
    switch (GST_MESSAGE_TYPE (msg)) {
      case GST_MESSAGE_EOS:
        ok = done = TRUE;
        break;
      case GST_MESSAGE_ERROR:
        gst_message_parse_error (msg, &err, &dbg);
        g_printerr ("error from %s: %s\n%s\n", GST_OBJECT_NAME (msg->src), err->message,
            dbg ? dbg : "");
        done = TRUE;
        break;
      case GST_MESSAGE_WARNING:
        gst_message_parse_warning (msg, &err, &dbg);
        g_printerr ("warning from %s: %s\n", GST_OBJECT_NAME (msg->src), err->message);
        break;
      case GST_MESSAGE_ELEMENT:
        if (gst_message_has_name (msg, "e2eedec-drop")) {
          gchar *str = gst_structure_to_string (gst_message_get_structure (msg));

          g_printerr ("%s dropped frames: %s\n", GST_OBJECT_NAME (msg->src), str);
          g_free (str);
          (*drops)++;
        }
        break;
      default:
        break;
    }
    g_clear_error (&err);
    g_free (dbg);
    gst_message_unref (msg);
  }
  gst_element_set_state (pipeline, GST_STATE_NULL);
  gst_object_unref (bus);
  return ok;
}

int
main (int argc, char **argv)
{
  Stream video = { "video", "v", 1 }, audio = { "audio", "a", 2 };
  GstElement *pipeline;
  GstElementFactory *factory;
  GstPlugin *plugin = NULL;
  GError *error = NULL;
  gint suite = 0;
  guint drops = 0;
  gint64 start;
  gboolean ran;
  gchar *version, *pipeline_description;

  gst_init (&argc, &argv);

  factory = gst_element_factory_find ("e2eeenc");
  if (factory)
    plugin = gst_plugin_feature_get_plugin (GST_PLUGIN_FEATURE (factory));
  if (plugin == NULL) {
    g_printerr ("no element \"e2eeenc\": run ./scripts/demo.sh, or run the demo through "
        "`meson devenv -C build` (or with GST_PLUGIN_PATH_1_0=build/ext:build/gst "
        "LD_LIBRARY_PATH=build/gst-libs/gst/e2ee)\n");
    g_clear_object (&factory);
    return 1;
  }
  version = gst_version_string ();
  g_print ("gst-e2ee demo: %s, plugin %s\n", version, gst_plugin_get_filename (plugin));
  g_free (version);
  gst_object_unref (plugin);
  gst_object_unref (factory);

  pipeline_description = g_strdup_printf (PIPELINE_FORMAT, h264_decoder ());
  pipeline = gst_e2ee_example_parse_launch (pipeline_description, FALSE, &error);
  if (pipeline == NULL || error != NULL) {
    g_printerr ("cannot build the pipeline: %s\n", error ? error->message : "?");
    g_clear_error (&error);
    g_clear_object (&pipeline);
    g_free (pipeline_description);
    return 1;
  }
  g_print ("\npipeline (keys are set from code, never on this line):\n");
  {
    gchar **branches = g_strsplit (pipeline_description, " audiotestsrc", 2);
    g_print ("  %s\n  audiotestsrc%s\n", branches[0], branches[1] ? branches[1] : "");
    g_strfreev (branches);
  }
  g_free (pipeline_description);

  /* Video: the receiver gets its key through the add-key action signal; audio: through
   * the key-id and key properties, the single-sender shortcut. */
  if (!stream_setup (&video, pipeline, TRUE) || !stream_setup (&audio, pipeline, FALSE)) {
    gst_object_unref (pipeline);
    stream_clear (&video);
    stream_clear (&audio);
    return 1;
  }
  g_print ("keys: two random %d-byte base keys (OpenSSL RAND_bytes), not shown\n",
      BASE_KEY_SIZE);
  g_object_get (video.enc, "cipher-suite", &suite, NULL);

  start = g_get_monotonic_time ();
  ran = run (pipeline, &drops);
  g_print ("\npipeline %s in %.1f s\n", ran ? "finished" : "FAILED",
      (g_get_monotonic_time () - start) / (double) G_TIME_SPAN_SECOND);
  if (!ran)
    failed = TRUE;
  if (drops)
    fail ("e2eedec posted %u e2eedec-drop messages", drops);

  check_stream (&video, TRUE);
  check_stream (&audio, FALSE);

  g_print ("\nstatistics (the stats property):\n");
  print_stats (&video, video.enc, "video e2eeenc", FALSE);
  print_stats (&video, video.dec, "video e2eedec", TRUE);
  print_stats (&audio, audio.enc, "audio e2eeenc", FALSE);
  print_stats (&audio, audio.dec, "audio e2eedec", TRUE);

  check_with_library (&video, (GstE2eeCipherSuite) suite);

  gst_object_unref (pipeline);
  stream_clear (&video);
  stream_clear (&audio);

  g_print ("\n%s\n", failed ? "RESULT: FAILED" :
      "RESULT: OK: every frame was encrypted in transit, decrypted intact and decoded");
  return failed ? 1 : 0;
}
