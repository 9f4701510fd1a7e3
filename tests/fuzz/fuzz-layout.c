/* gst-e2ee fuzzing: the codec-aware layout (gste2eelayout*.c), both directions that
 * read untrusted bytes
 *
 * Input: one byte, then the frame or the sender's settings and the frame:
 *   byte 0: codec (low 3 bits mod 6: none, VP8, VP9, H.264, H.265, Opus), cipher suite
 *     (bits 3-5 mod 5), mode (bits 6-7):
 *   0 = receiver: the rest is a received frame: gst_e2ee_layout_parse_header() and
 *       gst_e2ee_layout_decrypt() with the key of the KID it names (0x123 with the RFC
 *       9605 vectors' base key, or 7 with another; any other KID gets 0x123's key);
 *   1 = sender: byte 1 picks the sender (bit 7: KID 7, else 0x123; bits 0-1: its
 *       counter starts at 0, 255, 65535 or 2^40), the rest is a frame from an encoder
 *       for gst_e2ee_layout_encrypt();
 *   2 = as 1, then bytes 2-3 (big-endian, mod the size) pick a byte of the encrypted
 *       frame and byte 4 is XORed into it (1 if 0); the frame starts at byte 5;
 *   3 = as 1, then the encrypted frame is cut to bytes 2-3 (mod its size + 1); the
 *       frame starts at byte 4.
 *
 * Properties checked:
 * - encrypting fails only with MALFORMED_FRAME (the size from
 *   gst_e2ee_layout_get_max_size() is always enough), and then uses no counter; a frame
 *   that encrypts fits that size, uses the key's next counter, names it and the KID in
 *   the header gst_e2ee_layout_parse_header() finds, and decrypts to exactly the
 *   frame; for H.264/H.265 the encrypted frame has as many start codes as the frame,
 *   or one more (the NAL unit carrying the header and tag of a frame with nothing to
 *   encrypt): encryption never makes a start code;
 * - a frame altered or cut after encryption does not decrypt, except for H.264/H.265
 *   framing the layout leaves unauthenticated (docs/layout.md: start codes, zero bytes
 *   between NAL units, access unit delimiters, end of sequence/stream), and then its
 *   content NAL units are the sender's, in order, and its parameter sets the
 *   sender's set;
 * - a received frame that decrypts names that KID and counter in its header, is no
 *   larger decrypted than encrypted and, encrypted again at that counter, gives back
 *   the very same bytes (for H.264/H.265, whose framing is not authenticated: a frame
 *   that decrypts to the same bytes);
 * - decryption fails only with the receiving errors (never INVALID_ARGUMENT: the input
 *   size is always enough) and, but for H.264/H.265, which gather the ciphertext in the
 *   output, leaves no plaintext in the output.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "fuzz-common.h"

#include <string.h>

#define N_CODECS 6
#define SENTINEL 0x5a

static GstE2eeSFrameKey *keys[FUZZ_N_SUITES][2];
static const guint64 counter_starts[4] = { 0, 255, 65535, G_GUINT64_CONSTANT (1) << 40 };

int
LLVMFuzzerInitialize (int *argc, char ***argv)
{
  guint s;

  fuzz_fatal_criticals ();
  for (s = 0; s < FUZZ_N_SUITES; s++) {
    keys[s][0] = gst_e2ee_sframe_key_new (fuzz_suite (s), FUZZ_VECTOR_KID,
        fuzz_vector_base_key, sizeof (fuzz_vector_base_key), NULL);
    keys[s][1] = gst_e2ee_sframe_key_new (fuzz_suite (s), FUZZ_OTHER_KID,
        fuzz_other_base_key, sizeof (fuzz_other_base_key), NULL);
    if (!keys[s][0] || !keys[s][1])
      abort ();
  }
  return 0;
}

static gboolean
is_h26x (GstE2eeLayoutCodec codec)
{
  return codec == GST_E2EE_LAYOUT_CODEC_H264 || codec == GST_E2EE_LAYOUT_CODEC_H265;
}

static GstE2eeSFrameKey *
sender_new (GstE2eeCipherSuite suite, guint64 kid, guint64 ctr)
{
  GstE2eeSFrameKey *k = kid == FUZZ_OTHER_KID ?
      gst_e2ee_sframe_key_new (suite, kid, fuzz_other_base_key,
      sizeof (fuzz_other_base_key), NULL) :
      gst_e2ee_sframe_key_new (suite, kid, fuzz_vector_base_key,
      sizeof (fuzz_vector_base_key), NULL);

  FUZZ_ASSERT (k != NULL, "sender key");
  if (ctr)
    FUZZ_ASSERT (gst_e2ee_sframe_key_skip_counter_to (k, ctr, NULL), "skip to %"
        G_GUINT64_FORMAT, ctr);
  return k;
}

static GstE2eeSFrameKey *
receiver_key (GstE2eeCipherSuite suite, guint64 kid)
{
  return keys[suite - 1][kid == FUZZ_OTHER_KID ? 1 : 0];
}

/* ---- An Annex B reading of its own, to compare frames by content ------------ */

static guint
count_start_codes (const guint8 * d, gsize n)
{
  guint c = 0;
  gsize i;

  for (i = 0; i + 2 < n; i++)
    if (d[i] == 0 && d[i + 1] == 0 && d[i + 2] == 1)
      c++;
  return c;
}

/* The NAL units of an Annex B frame (trailing zero bytes are framing), split into the
 * ones the layout authenticates in order (content) and the parameter sets, which it
 * authenticates as a sorted set; delimiters and end of sequence/stream are left out. */
static void
split_nals (gboolean h265, const guint8 * d, gsize n, GPtrArray * content,
    GPtrArray * params)
{
  gsize i = 0, start = 0;
  gboolean in_nal = FALSE;

  while (i <= n) {
    gboolean sc = i + 2 < n && d[i] == 0 && d[i + 1] == 0 && d[i + 2] == 1;

    if (sc || i == n) {
      if (in_nal) {
        gsize end = i;
        guint type;

        while (end > start && d[end - 1] == 0)
          end--;
        if (end > start) {
          type = h265 ? (d[start] >> 1) & 0x3f : d[start] & 0x1f;
          if (h265 ? (type >= 32 && type <= 34) :
              (type == 7 || type == 8 || type == 13 || type == 15))
            g_ptr_array_add (params, g_bytes_new (d + start, end - start));
          else if (!(h265 ? (type >= 35 && type <= 37) : (type >= 9 && type <= 11)))
            g_ptr_array_add (content, g_bytes_new (d + start, end - start));
        }
      }
      if (i == n)
        break;
      i += 3;
      start = i;
      in_nal = TRUE;
      continue;
    }
    i++;
  }
}

/* Whether @d has no NAL unit the layout authenticates: only AUDs and end of
 * sequence/stream units. */
static gboolean
only_framing_units (GstE2eeLayoutCodec codec, const guint8 * d, gsize n)
{
  GPtrArray *content = g_ptr_array_new_with_free_func ((GDestroyNotify) g_bytes_unref);
  GPtrArray *params = g_ptr_array_new_with_free_func ((GDestroyNotify) g_bytes_unref);
  gboolean none;

  split_nals (codec == GST_E2EE_LAYOUT_CODEC_H265, d, n, content, params);
  none = content->len == 0 && params->len == 0;
  g_ptr_array_unref (content);
  g_ptr_array_unref (params);
  return none;
}

static gint
bytes_cmp (gconstpointer a, gconstpointer b)
{
  return g_bytes_compare (*(GBytes * const *) a, *(GBytes * const *) b);
}

static gboolean
same_list (GPtrArray * a, GPtrArray * b, gboolean as_set)
{
  guint i, j;

  if (as_set) {
    g_ptr_array_sort (a, bytes_cmp);
    g_ptr_array_sort (b, bytes_cmp);
    /* drop duplicates */
    for (i = 1; i < a->len;)
      if (g_bytes_equal (a->pdata[i - 1], a->pdata[i]))
        g_ptr_array_remove_index (a, i);
      else
        i++;
    for (j = 1; j < b->len;)
      if (g_bytes_equal (b->pdata[j - 1], b->pdata[j]))
        g_ptr_array_remove_index (b, j);
      else
        j++;
  }
  if (a->len != b->len)
    return FALSE;
  for (i = 0; i < a->len; i++)
    if (!g_bytes_equal (a->pdata[i], b->pdata[i]))
      return FALSE;
  return TRUE;
}

static gboolean
same_h26x_content (gboolean h265, const guint8 * a, gsize an, const guint8 * b,
    gsize bn)
{
  GPtrArray *ca = g_ptr_array_new_with_free_func ((GDestroyNotify) g_bytes_unref);
  GPtrArray *pa = g_ptr_array_new_with_free_func ((GDestroyNotify) g_bytes_unref);
  GPtrArray *cb = g_ptr_array_new_with_free_func ((GDestroyNotify) g_bytes_unref);
  GPtrArray *pb = g_ptr_array_new_with_free_func ((GDestroyNotify) g_bytes_unref);
  gboolean same;

  split_nals (h265, a, an, ca, pa);
  split_nals (h265, b, bn, cb, pb);
  same = same_list (ca, cb, FALSE) && same_list (pa, pb, TRUE);
  g_ptr_array_unref (ca);
  g_ptr_array_unref (pa);
  g_ptr_array_unref (cb);
  g_ptr_array_unref (pb);
  return same;
}

/* ---- Receiving ------------------------------------------------------------------ */

/* Decrypts @frame as a receiver does. Returns the plaintext (to free) or NULL, after
 * checking the failure's error and what it left in the output. */
static guint8 *
receiver_decrypt (GstE2eeCipherSuite suite, GstE2eeLayoutCodec codec, const guint8 * frame,
    gsize len, gsize * out_len, guint64 * kid, guint64 * ctr)
{
  guint64 hkid = 0, hctr = 0, dctr = 0;
  GError *error = NULL, *herror = NULL;
  gboolean parsed, ok;
  guint8 *out = g_malloc (len ? len : 1);
  gsize i;

  memset (out, SENTINEL, len ? len : 1);
  parsed = gst_e2ee_layout_parse_header (codec, frame, len, &hkid, &hctr, &herror);
  FUZZ_ASSERT (parsed == (herror == NULL), "parse_header: result and error disagree");
  if (herror) {
    FUZZ_ASSERT (g_error_matches (herror, GST_E2EE_SFRAME_ERROR,
            GST_E2EE_SFRAME_ERROR_MALFORMED_HEADER), "parse_header error %s",
        herror->message);
    g_clear_error (&herror);
  }

  ok = gst_e2ee_layout_decrypt (receiver_key (suite, parsed ? hkid : FUZZ_VECTOR_KID),
      codec, frame, len, out, len, out_len, &dctr, &error);
  if (!ok) {
    FUZZ_ASSERT (error != NULL && error->domain == GST_E2EE_SFRAME_ERROR &&
        error->code != GST_E2EE_SFRAME_ERROR_INVALID_ARGUMENT,
        "decryption failed with an unexpected error: %s",
        error ? error->message : "none");
    g_error_free (error);
    if (!is_h26x (codec))
      for (i = 0; i < len; i++)
        FUZZ_ASSERT (out[i] == SENTINEL || out[i] == 0,
            "a frame that failed left other bytes in the output (at %zu)", i);
    g_free (out);
    return NULL;
  }
  FUZZ_ASSERT (error == NULL, "success with an error");
  FUZZ_ASSERT (parsed, "a frame decrypted whose header did not parse");
  FUZZ_ASSERT (dctr == hctr, "decrypt says CTR %" G_GUINT64_FORMAT ", the header %"
      G_GUINT64_FORMAT, dctr, hctr);
  FUZZ_ASSERT (hkid == FUZZ_VECTOR_KID || hkid == FUZZ_OTHER_KID,
      "a frame of KID %" G_GUINT64_FORMAT " decrypted", hkid);
  FUZZ_ASSERT (*out_len <= len, "decrypted frame larger than the encrypted one");
  *kid = hkid;
  *ctr = hctr;
  return out;
}

/* ---- Sending -------------------------------------------------------------------- */

/* Encrypts @pt with @key. Returns the encrypted frame (to free) or NULL when the layout
 * refuses it, after checking the refusal. */
static guint8 *
sender_encrypt (GstE2eeSFrameKey * key, GstE2eeLayoutCodec codec, const guint8 * pt, gsize pt_len,
    gsize * len, guint64 * ctr)
{
  guint64 next = gst_e2ee_sframe_key_get_next_counter (key), used = 0, hkid = 0, hctr = 0;
  gsize max = gst_e2ee_layout_get_max_size (codec, key, pt_len);
  GError *error = NULL;
  guint8 *out;

  FUZZ_ASSERT (max > 0, "no max size for %zu bytes", pt_len);
  out = g_malloc (max);
  if (!gst_e2ee_layout_encrypt (key, codec, pt, pt_len, out, max, len, &used, &error)) {
    FUZZ_ASSERT (g_error_matches (error, GST_E2EE_LAYOUT_ERROR,
            GST_E2EE_LAYOUT_ERROR_MALFORMED_FRAME), "encryption failed: %s",
        error ? error->message : "no error");
    FUZZ_ASSERT (gst_e2ee_sframe_key_get_next_counter (key) == next,
        "a frame that failed used a counter");
    g_error_free (error);
    g_free (out);
    return NULL;
  }
  FUZZ_ASSERT (*len <= max, "%zu bytes written, max size %zu", *len, max);
  FUZZ_ASSERT (used == next && gst_e2ee_sframe_key_get_next_counter (key) == next + 1,
      "counter %" G_GUINT64_FORMAT " used, %" G_GUINT64_FORMAT " expected", used, next);
  FUZZ_ASSERT (gst_e2ee_layout_parse_header (codec, out, *len, &hkid, &hctr, NULL) &&
      hkid == gst_e2ee_sframe_key_get_kid (key) && hctr == used,
      "the encrypted frame's header does not name the key and counter");
  if (is_h26x (codec)) {
    guint a = count_start_codes (pt, pt_len), b = count_start_codes (out, *len);

    FUZZ_ASSERT (b == a || b == a + 1, "%u start codes in the frame, %u encrypted", a,
        b);
  }
  *ctr = used;
  return out;
}

static void
check_round_trip (GstE2eeCipherSuite suite, GstE2eeLayoutCodec codec, guint64 kid,
    const guint8 * pt, gsize pt_len, const guint8 * frame, gsize len, guint64 ctr)
{
  guint8 *back;
  gsize back_len = 0;
  guint64 rkid = 0, rctr = 0;

  back = receiver_decrypt (suite, codec, frame, len, &back_len, &rkid, &rctr);
  FUZZ_ASSERT (back != NULL, "a frame the sender encrypted does not decrypt");
  FUZZ_ASSERT (rkid == kid && rctr == ctr, "KID/CTR changed on the way");
  if (is_h26x (codec) && back_len == 0) {
    /* A frame of nothing but AUD and end-of-sequence/stream units: nothing of it
     * is authenticated, nothing goes out. */
    FUZZ_ASSERT (only_framing_units (codec, pt, pt_len), "the frame decrypts to nothing");
  } else if (is_h26x (codec) &&
      (back_len != pt_len || memcmp (back, pt, pt_len) != 0)) {
    /* H.264/H.265 pass on only what the tag covers (docs/layout.md, "Decryption"):
     * AUD, end-of-sequence and end-of-stream units and repeated parameter sets go,
     * and the parameter sets come first, the first NAL unit out taking the frame's
     * first framing: one byte more than was sent at most (a parameter set with a
     * 3-byte start code moved ahead of a frame that began with 4), and that rule's
     * fixed point: sent again, it comes back byte for byte. */
    GstE2eeSFrameKey *key = sender_new (suite, kid, ctr);
    guint8 *again, *back2;
    gsize again_len = 0, back2_len = 0;
    guint64 actr = 0;

    FUZZ_ASSERT (back_len <= pt_len + 1, "the frame decrypts to %zu bytes, %zu sent",
        back_len, pt_len);
    again = sender_encrypt (key, codec, back, back_len, &again_len, &actr);
    gst_e2ee_sframe_key_unref (key);
    FUZZ_ASSERT (again != NULL, "a decrypted frame does not encrypt again");
    back2 = receiver_decrypt (suite, codec, again, again_len, &back2_len, &rkid, &rctr);
    FUZZ_ASSERT (back2 != NULL && back2_len == back_len &&
        memcmp (back2, back, back_len) == 0, "what a frame decrypts to does not come "
        "back as itself");
    g_free (back2);
    g_free (again);
  } else {
    FUZZ_ASSERT (back_len == pt_len && memcmp (back, pt, pt_len) == 0,
        "the frame decrypts to other bytes (%zu bytes, %zu sent)", back_len, pt_len);
  }
  g_free (back);
}

int
LLVMFuzzerTestOneInput (const guint8 * data, size_t size)
{
  GstE2eeLayoutCodec codec;
  GstE2eeCipherSuite suite;
  GstE2eeSFrameKey *key;
  guint mode;
  guint64 kid, ctr = 0;
  const guint8 *pt;
  gsize pt_len, len = 0, skip;
  guint8 *frame;

  if (size < 1)
    return 0;
  codec = (GstE2eeLayoutCodec) ((data[0] & 7) % N_CODECS);
  suite = fuzz_suite ((data[0] >> 3) & 7);
  mode = data[0] >> 6;

  if (mode == 0) {
    guint8 *plain, *again;
    gsize plain_len = 0, again_len = 0;
    guint64 rkid = 0, rctr = 0;

    plain = receiver_decrypt (suite, codec, data + 1, size - 1, &plain_len, &rkid, &rctr);
    if (plain == NULL)
      return 0;
    /* What decrypted must be what a sender with the key made, at that counter. */
    key = sender_new (suite, rkid, rctr);
    again = sender_encrypt (key, codec, plain, plain_len, &again_len, &ctr);
    FUZZ_ASSERT (again != NULL, "a decrypted frame does not encrypt again");
    if (is_h26x (codec)) {
      check_round_trip (suite, codec, rkid, plain, plain_len, again, again_len, rctr);
    } else {
      FUZZ_ASSERT (again_len == size - 1 && memcmp (again, data + 1, again_len) == 0,
          "a frame that decrypted does not encrypt again to itself");
    }
    g_free (again);
    g_free (plain);
    gst_e2ee_sframe_key_unref (key);
    return 0;
  }

  skip = mode == 1 ? 2 : mode == 2 ? 5 : 4;
  if (size < skip)
    return 0;
  kid = (data[1] & 0x80) ? FUZZ_OTHER_KID : FUZZ_VECTOR_KID;
  key = sender_new (suite, kid, counter_starts[data[1] & 3]);
  pt = data + skip;
  pt_len = size - skip;
  frame = sender_encrypt (key, codec, pt, pt_len, &len, &ctr);
  gst_e2ee_sframe_key_unref (key);
  if (frame == NULL)
    return 0;

  if (mode == 1) {
    check_round_trip (suite, codec, kid, pt, pt_len, frame, len, ctr);
  } else {
    guint8 *back;
    gsize back_len = 0;
    guint64 rkid = 0, rctr = 0;

    if (mode == 2) {
      gsize at = (((gsize) data[2] << 8) | data[3]) % len;

      frame[at] ^= data[4] ? data[4] : 1;
    } else {
      gsize cut = (((gsize) data[2] << 8) | data[3]) % (len + 1);

      if (cut == len) {         /* nothing cut */
        check_round_trip (suite, codec, kid, pt, pt_len, frame, len, ctr);
        g_free (frame);
        return 0;
      }
      len = cut;
    }
    back = receiver_decrypt (suite, codec, frame, len, &back_len, &rkid, &rctr);
    if (back) {
      FUZZ_ASSERT (is_h26x (codec), "an altered frame decrypted");
      FUZZ_ASSERT (rkid == kid && rctr == ctr, "an altered frame decrypted with "
          "another KID or CTR");
      FUZZ_ASSERT (same_h26x_content (codec == GST_E2EE_LAYOUT_CODEC_H265, pt, pt_len,
              back, back_len), "an altered frame decrypted to other content");
      g_free (back);
    }
  }
  g_free (frame);
  return 0;
}
