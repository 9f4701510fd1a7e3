/* gst-e2ee fuzzing: e2eedec in a GstHarness, against the library
 *
 * Input: one byte picking the cipher suite, then records, each
 *   [type] [sender] [length: 2 bytes, big-endian, top two bits ignored] [data]
 * type & 3: 0 = push data as it is; 1 = data is a plaintext frame the sender encrypts;
 * 2 = the same, then the byte at offset data[0..1] of the encrypted frame is XORed
 * with data[2] (plaintext from data[3]); 3 = the same as 1, then the encrypted frame
 * is cut to data[0..1] bytes (plaintext from data[2]).
 * type & 0x04: first give e2eedec the key of KID 0x999 (add-key); & 0x08: first remove
 * the sender's KID (remove-key); & 0x10: first add the sender's KID again.
 * sender & 7: 0 = KID 0x123 with the RFC 9605 vectors' base key, 1 = KID 7 with
 * another key (e2eedec starts with both), 2 = KID 0x999 (which it does not have),
 * 3 = KID 0x123 with a wrong key, 4 = KID 0x125: two ratchet steps (RFC 9605 §5.1,
 * 8 ratchet bits) ahead of 0x123; 5-7 = as 0. sender & 0x80 moves that sender's counter
 * 1000 ahead first. Senders are fresh for every input, so inputs replay exactly.
 *
 * Properties checked (they hold whatever e2eedec does about held frames for unknown
 * KIDs, replays, ratchets and grace periods):
 * - whatever comes out is the plaintext of a frame that was pushed, byte for byte as
 *   the library decrypts it with the sender's real key, with a GstE2eeMeta saying
 *   authenticated with that frame's KID, CTR and suite; no frame comes out twice;
 * - a good frame of a KID e2eedec has a key for, with a counter above any before it
 *   and nothing of that KID possibly held, comes out at once;
 * - every push returns OK (bad frames are dropped, the stream goes on) and the stats
 *   count as many decrypted frames as came out.
 *
 * The element comes from this build's plugin, loaded in-process (fuzz_load_plugin()).
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "fuzz-common.h"

#include <gst/check/gstharness.h>
#include <string.h>

#define SFRAME_CAPS "application/x-sframe, original-media-type=(string)video/x-h264, " \
  "stream-format=(string)byte-stream, alignment=(string)au"

#define UNKNOWN_KID 0x999
#define RATCHET_KID 0x125
#define N_KIDS 4
static const guint64 kids[N_KIDS] = { FUZZ_VECTOR_KID, FUZZ_OTHER_KID, UNKNOWN_KID,
  RATCHET_KID
};
static const guint8 wrong_base_key[16] = { 0xde, 0xad, 0xbe, 0xef };

/* The real keys, per suite, by index in kids[]: what the library decrypts with. */
static GstE2eeSFrameKey *keys[FUZZ_N_SUITES][N_KIDS];
static guint8 ratchet_base[FUZZ_N_SUITES][64];
static gsize ratchet_base_len[FUZZ_N_SUITES];
static GstBuffer *key_bufs[N_KIDS - 1];

int
LLVMFuzzerInitialize (int *argc, char ***argv)
{
  guint s, i;

  fuzz_load_plugin ();

  for (s = 0; s < FUZZ_N_SUITES; s++) {
    GstE2eeCipherSuite suite = fuzz_suite (s);
    guint8 step1[64];
    gsize nh = gst_e2ee_cipher_suite_get_hash_size (suite);

    keys[s][0] = gst_e2ee_sframe_key_new (suite, FUZZ_VECTOR_KID, fuzz_vector_base_key,
        sizeof (fuzz_vector_base_key), NULL);
    keys[s][1] = gst_e2ee_sframe_key_new (suite, FUZZ_OTHER_KID, fuzz_other_base_key,
        sizeof (fuzz_other_base_key), NULL);
    keys[s][2] = gst_e2ee_sframe_key_new (suite, UNKNOWN_KID, fuzz_vector_base_key,
        sizeof (fuzz_vector_base_key), NULL);
    if (!gst_e2ee_ratchet_base_key (suite, fuzz_vector_base_key,
            sizeof (fuzz_vector_base_key), step1, nh, NULL) ||
        !gst_e2ee_ratchet_base_key (suite, step1, nh, ratchet_base[s], nh, NULL))
      abort ();
    ratchet_base_len[s] = nh;
    keys[s][3] = gst_e2ee_sframe_key_new (suite, RATCHET_KID, ratchet_base[s], nh, NULL);
    for (i = 0; i < N_KIDS; i++)
      if (keys[s][i] == NULL)
        abort ();
  }
  key_bufs[0] = gst_buffer_new_memdup (fuzz_vector_base_key, sizeof (fuzz_vector_base_key));
  key_bufs[1] = gst_buffer_new_memdup (fuzz_other_base_key, sizeof (fuzz_other_base_key));
  key_bufs[2] = gst_buffer_new_memdup (fuzz_vector_base_key, sizeof (fuzz_vector_base_key));
  return 0;
}

static gint
kid_index (guint64 kid)
{
  gint i;
  for (i = 0; i < N_KIDS; i++)
    if (kids[i] == kid)
      return i;
  return -1;
}

/* The library's verdict on @frame with the sender's real key: the plaintext, or NULL. */
static GBytes *
reference_decrypt (GstE2eeCipherSuite suite, const guint8 * frame, gsize len,
    guint64 * kid, guint64 * ctr)
{
  guint8 *out;
  gsize out_len;
  gint k;

  if (!gst_e2ee_sframe_header_parse (frame, len, kid, ctr, NULL, NULL))
    return NULL;
  if ((k = kid_index (*kid)) < 0)
    return NULL;
  out = g_malloc (len ? len : 1);
  if (!gst_e2ee_sframe_key_decrypt (keys[suite - 1][k], NULL, 0, frame, len, out, len,
          &out_len, NULL, NULL)) {
    g_free (out);
    return NULL;
  }
  return g_bytes_new_take (out, out_len);
}

typedef struct
{
  GstE2eeSFrameKey *key;
  gboolean skipped;
} Sender;

static GstE2eeSFrameKey *
sender_key (Sender * senders, GstE2eeCipherSuite suite, guint8 sel)
{
  guint which = (sel & 7) > 4 ? 0 : (sel & 7);
  Sender *s = &senders[which];

  if (s->key == NULL) {
    switch (which) {
      case 0:
        s->key = gst_e2ee_sframe_key_new (suite, FUZZ_VECTOR_KID, fuzz_vector_base_key,
            sizeof (fuzz_vector_base_key), NULL);
        break;
      case 1:
        s->key = gst_e2ee_sframe_key_new (suite, FUZZ_OTHER_KID, fuzz_other_base_key,
            sizeof (fuzz_other_base_key), NULL);
        break;
      case 2:
        s->key = gst_e2ee_sframe_key_new (suite, UNKNOWN_KID, fuzz_vector_base_key,
            sizeof (fuzz_vector_base_key), NULL);
        break;
      case 3:
        s->key = gst_e2ee_sframe_key_new (suite, FUZZ_VECTOR_KID, wrong_base_key,
            sizeof (wrong_base_key), NULL);
        break;
      default:
        s->key = gst_e2ee_sframe_key_new (suite, RATCHET_KID, ratchet_base[suite - 1],
            ratchet_base_len[suite - 1], NULL);
        break;
    }
    FUZZ_ASSERT (s->key != NULL, "sender key");
  }
  if ((sel & 0x80) && !s->skipped) {
    s->skipped = TRUE;
    FUZZ_ASSERT (gst_e2ee_sframe_key_skip_counter_to (s->key,
            gst_e2ee_sframe_key_get_next_counter (s->key) + 1000, NULL), "skip");
  }
  return s->key;
}

/* Makes the frame a record asks for. Returns it (to free) and its length; *pristine
 * is set when it is a sender's frame nobody altered. */
static guint8 *
make_frame (Sender * senders, GstE2eeCipherSuite suite, guint8 type, guint8 sel,
    const guint8 * data, gsize len, gsize * frame_len, const guint8 ** pt,
    gsize * pt_len, gboolean * pristine)
{
  GstE2eeSFrameKey *key;
  gsize skip = 0, max, out_len = 0;
  guint8 *frame;

  *pristine = FALSE;
  if ((type & 3) == 0 || ((type & 3) == 2 && len < 3) || ((type & 3) == 3 && len < 2)) {
    guint8 *copy = g_malloc (len + 1);
    memcpy (copy, data, len);
    *frame_len = len;
    return copy;
  }
  skip = (type & 3) == 2 ? 3 : (type & 3) == 3 ? 2 : 0;
  key = sender_key (senders, suite, sel);
  *pt = data + skip;
  *pt_len = len - skip;
  max = gst_e2ee_sframe_key_get_max_encrypted_size (key, *pt_len);
  frame = g_malloc (max);
  FUZZ_ASSERT (gst_e2ee_sframe_key_encrypt (key, NULL, 0, *pt, *pt_len, frame, max,
          &out_len, NULL, NULL), "sender encrypt");
  *frame_len = out_len;
  if ((type & 3) == 1) {
    *pristine = TRUE;
  } else if ((type & 3) == 2) {
    gsize at = (((gsize) data[0] << 8) | data[1]) % out_len;
    frame[at] ^= data[2] ? data[2] : 1;
  } else {
    *frame_len = (((gsize) data[0] << 8) | data[1]) % (out_len + 1);
  }
  return frame;
}

typedef struct
{
  guint64 kid, ctr;
  GBytes *pt;                   /* the library's plaintext, NULL if it refuses */
  gboolean out;                 /* came out of e2eedec */
} Pushed;

typedef struct
{
  gboolean has_key;             /* e2eedec was given it and it was not removed */
  gboolean maybe_held;          /* a good frame was pushed while it had no key */
  gboolean unsure;              /* a ratchet moved this generation on: grace rules */
  gboolean any;
  guint64 max_ctr;
} KidState;

/* Matches everything e2eedec has output against the frames pushed. */
static guint64
pull_outputs (GstHarness * h, GPtrArray * pushed, GstE2eeCipherSuite suite)
{
  guint64 n = 0;
  GstBuffer *out;

  while ((out = gst_harness_try_pull (h))) {
    GstE2eeMeta *meta = gst_buffer_get_e2ee_meta (out);
    gboolean found = FALSE;
    guint i;

    FUZZ_ASSERT (meta && meta->authenticated && meta->cipher_suite == suite,
        "an output frame without an authenticated GstE2eeMeta");
    for (i = 0; i < pushed->len && !found; i++) {
      Pushed *p = g_ptr_array_index (pushed, i);
      gsize len;
      const guint8 *pt;

      if (p->out || p->pt == NULL || p->kid != meta->kid || p->ctr != meta->ctr)
        continue;
      pt = g_bytes_get_data (p->pt, &len);
      if (gst_buffer_get_size (out) == len && gst_buffer_memcmp (out, 0, pt, len) == 0)
        found = p->out = TRUE;
    }
    FUZZ_ASSERT (found, "e2eedec output a frame (KID %" G_GUINT64_FORMAT " CTR %"
        G_GUINT64_FORMAT ", %zu bytes) that is no pushed frame's plaintext",
        meta->kid, meta->ctr, gst_buffer_get_size (out));
    gst_buffer_unref (out);
    n++;
  }
  return n;
}

static void
pushed_free (gpointer data)
{
  Pushed *p = data;
  if (p->pt)
    g_bytes_unref (p->pt);
  g_free (p);
}

static void
signal_key (GstElement * dec, const gchar * signal, guint idx)
{
  gboolean ok = FALSE;

  if (g_str_equal (signal, "add-key"))
    g_signal_emit_by_name (dec, signal, kids[idx], key_bufs[idx], &ok);
  else
    g_signal_emit_by_name (dec, signal, kids[idx], &ok);
}

int
LLVMFuzzerTestOneInput (const guint8 * data, size_t size)
{
  GstE2eeCipherSuite suite;
  GstElement *dec;
  GstHarness *h;
  GstStructure *stats = NULL;
  Sender senders[5] = { {NULL} };
  KidState st[N_KIDS] = { {0} };
  GPtrArray *pushed;
  guint64 outputs = 0, frames = 0;
  gsize pos = 1;
  guint i;

  if (size < 1)
    return 0;
  suite = fuzz_suite (data[0]);
  pushed = g_ptr_array_new_with_free_func (pushed_free);

  dec = gst_element_factory_make ("e2eedec", NULL);
  FUZZ_ASSERT (dec != NULL, "no e2eedec");
  g_object_set (dec, "cipher-suite", suite, "drop-message-interval", (guint64) 0, NULL);
  signal_key (dec, "add-key", 0);
  signal_key (dec, "add-key", 1);
  st[0].has_key = st[1].has_key = TRUE;
  h = gst_harness_new_with_element (dec, "sink", "src");
  gst_harness_set_src_caps_str (h, SFRAME_CAPS);

  while (pos + 4 <= size) {
    guint8 type = data[pos], sel = data[pos + 1];
    guint which = (sel & 7) > 4 ? 0 : (sel & 7);
    guint sender_idx = which == 3 ? 0 : which;          /* its KID's index in kids[] */
    gsize len = MIN ((gsize) (((data[pos + 2] & 0x3f) << 8) | data[pos + 3]),
        size - pos - 4);
    const guint8 *pt = NULL;
    gsize frame_len = 0, pt_len = 0;
    gboolean pristine;
    guint8 *frame;
    Pushed *p = g_new0 (Pushed, 1);
    gint k;
    gboolean must;
    guint64 before = outputs;

    if ((type & 0x04) && !st[2].has_key) {
      signal_key (dec, "add-key", 2);
      st[2].has_key = TRUE;
    }
    if ((type & 0x08) && sender_idx < 3) {
      signal_key (dec, "remove-key", sender_idx);
      st[sender_idx].has_key = FALSE;
    }
    if ((type & 0x10) && sender_idx < 3 && !st[sender_idx].has_key) {
      signal_key (dec, "add-key", sender_idx);
      st[sender_idx].has_key = TRUE;
    }

    frame = make_frame (senders, suite, type, sel, data + pos + 4, len, &frame_len, &pt,
        &pt_len, &pristine);
    p->pt = reference_decrypt (suite, frame, frame_len, &p->kid, &p->ctr);
    pos += 4 + len;
    if (pristine && which != 3)
      FUZZ_ASSERT (p->pt != NULL && g_bytes_get_size (p->pt) == pt_len &&
          memcmp (g_bytes_get_data (p->pt, NULL), pt, pt_len) == 0,
          "the library does not decrypt a sender's frame");

    /* Must this frame come out now? */
    k = p->pt ? kid_index (p->kid) : -1;
    must = k >= 0 && k != 3 && st[k].has_key && !st[k].maybe_held && !st[k].unsure &&
        (!st[k].any || p->ctr > st[k].max_ctr);
    if (k >= 0) {
      if (!st[k].has_key && k != 3)
        st[k].maybe_held = TRUE;
      if (k == 3)
        st[0].unsure = TRUE;    /* the ratchet may retire 0x123 */
      st[k].max_ctr = st[k].any ? MAX (st[k].max_ctr, p->ctr) : p->ctr;
      st[k].any = TRUE;
    }
    g_ptr_array_add (pushed, p);

    FUZZ_ASSERT (gst_harness_push (h, frame_len ? gst_buffer_new_memdup (frame, frame_len)
            : gst_buffer_new ()) == GST_FLOW_OK, "push of frame %u failed", pushed->len);
    g_free (frame);
    outputs += pull_outputs (h, pushed, suite);
    if (must)
      FUZZ_ASSERT (p->out && outputs > before, "a good, new frame of KID %"
          G_GUINT64_FORMAT " (CTR %" G_GUINT64_FORMAT ") did not come out", p->kid, p->ctr);
  }

  g_object_get (dec, "stats", &stats, NULL);
  FUZZ_ASSERT (stats && gst_structure_get_uint64 (stats, "frames", &frames), "stats");
  FUZZ_ASSERT (frames == outputs, "stats: %" G_GUINT64_FORMAT " frames decrypted, %"
      G_GUINT64_FORMAT " came out", frames, outputs);
  gst_structure_free (stats);
  gst_harness_teardown (h);
  gst_object_unref (dec);
  g_ptr_array_unref (pushed);
  for (i = 0; i < G_N_ELEMENTS (senders); i++)
    if (senders[i].key)
      gst_e2ee_sframe_key_unref (senders[i].key);
  return 0;
}
