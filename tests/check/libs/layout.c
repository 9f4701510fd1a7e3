/* gst-e2ee: the codec-aware layout (docs/layout.md) on real encoder output, against an
 * independent implementation of the page written here, under bit flips and rewrites, on
 * thousands of frames whose ciphertext is forced full of start-code look-alikes, and
 * through the real RTP payloaders and depayloaders.
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <gst/check/gstcheck.h>
#include <gst/check/gstharness.h>
#include <gst/app/gstappsink.h>
#include <gst/e2ee/e2ee.h>
#include <string.h>
#include <valgrind/valgrind.h>
#if defined(__SANITIZE_ADDRESS__)
#include <sanitizer/lsan_interface.h>
#endif
#include "../hangguard.h"
#include "../e2eecheck.h"
#include "../skips.h"
#include "../x265memcheck.h"


#define SUITE GST_E2EE_CIPHER_SUITE_AES_256_GCM_SHA512_128
#define KID 0x2a

static const guint8 base_key[32] = {
  0x10, 0x21, 0x32, 0x43, 0x54, 0x65, 0x76, 0x87, 0x98, 0xa9, 0xba, 0xcb, 0xdc, 0xed,
  0xfe, 0x0f, 0x01, 0x12, 0x23, 0x34, 0x45, 0x56, 0x67, 0x78, 0x89, 0x9a, 0xab, 0xbc,
  0xcd, 0xde, 0xef, 0xf0
};

/* ---- Helpers ------------------------------------------------------------ */

static GstE2eeSFrameKey *
new_key (GstE2eeCipherSuite suite, guint64 kid)
{
  GError *err = NULL;
  GstE2eeSFrameKey *key = gst_e2ee_sframe_key_new (suite, kid, base_key,
      sizeof (base_key), &err);

  g_assert_no_error (err);
  return key;
}

static gsize
tag_size (GstE2eeSFrameKey * key)
{
  return gst_e2ee_cipher_suite_get_tag_size (gst_e2ee_sframe_key_get_cipher_suite (key));
}

static guint8 *
encrypt_frame (GstE2eeSFrameKey * key, GstE2eeLayoutCodec codec, const guint8 * in,
    gsize in_size, gsize * out_len)
{
  gsize max = gst_e2ee_layout_get_max_size (codec, key, in_size);
  guint8 *out = g_malloc (max);
  GError *err = NULL;

  if (!gst_e2ee_layout_encrypt (key, codec, in, in_size, out, max, out_len, NULL, &err))
    fail ("encrypt (codec %d, %" G_GSIZE_FORMAT " bytes): %s", codec, in_size,
        err->message);
  fail_unless (*out_len <= max);
  return out;
}

static GBytes *t_output (gboolean h265, const guint8 * d, gsize n, guint * removed);

/* Decrypts and checks that the result is @want, byte for byte: for H.264/H.265, what
 * the page says a receiver makes of the sender's frame @want (t_output()). */
static void
assert_round_trip (GstE2eeSFrameKey * key, GstE2eeLayoutCodec codec,
    const guint8 * frame, gsize frame_size, const guint8 * want, gsize want_size)
{
  guint8 *out = g_malloc (MAX (frame_size, 1));
  GBytes *expect = NULL;
  GError *err = NULL;
  gsize len;

  if (codec == GST_E2EE_LAYOUT_CODEC_H264 || codec == GST_E2EE_LAYOUT_CODEC_H265) {
    expect = t_output (codec == GST_E2EE_LAYOUT_CODEC_H265, want, want_size, NULL);
    want = g_bytes_get_data (expect, &want_size);
  }
  if (!gst_e2ee_layout_decrypt (key, codec, frame, frame_size, out, frame_size, &len,
          NULL, &err))
    fail ("decrypt (codec %d): %s", codec, err->message);
  fail_unless_equals_uint64 (len, want_size);
  fail_unless (want_size == 0 || memcmp (out, want, want_size) == 0,
      "decrypted frame differs");
  g_free (out);
  if (expect)
    g_bytes_unref (expect);
}

/* Runs "@desc ! appsink" to EOS; returns the buffers, and the caps in @caps. */
static GPtrArray *
encode (const gchar * desc, GstCaps ** caps)
{
  gchar *launch = g_strdup_printf ("%s ! appsink name=sink sync=false", desc);
  GPtrArray *bufs = g_ptr_array_new_with_free_func ((GDestroyNotify) gst_buffer_unref);
  GError *err = NULL;
  GstElement *pipe, *sink;
  GstSample *sample;
  GstBus *bus;
  GstMessage *msg;

  pipe = gst_parse_launch (launch, &err);
  g_assert_no_error (err);
  probe_x265enc (pipe);
  sink = gst_bin_get_by_name (GST_BIN (pipe), "sink");
  fail_unless (gst_element_set_state (pipe, GST_STATE_PLAYING) !=
      GST_STATE_CHANGE_FAILURE);
  *caps = NULL;
  while ((sample = gst_app_sink_try_pull_sample (GST_APP_SINK (sink),
              hang_guard (60)))) {
    if (*caps == NULL)
      *caps = gst_caps_ref (gst_sample_get_caps (sample));
    g_ptr_array_add (bufs, gst_buffer_ref (gst_sample_get_buffer (sample)));
    gst_sample_unref (sample);
  }
  bus = gst_element_get_bus (pipe);
  msg = gst_bus_pop_filtered (bus, GST_MESSAGE_ERROR);
  if (msg) {
    gst_message_parse_error (msg, &err, NULL);
    fail ("%s: %s", desc, err->message);
  }
  fail_unless (gst_app_sink_is_eos (GST_APP_SINK (sink)), "%s did not reach EOS", desc);
  gst_object_unref (bus);
  gst_element_set_state (pipe, GST_STATE_NULL);
  gst_object_unref (sink);
  gst_object_unref (pipe);
  g_free (launch);
  fail_unless (bufs->len > 0 && *caps != NULL);
  return bufs;
}

#define BD(b) ((const guint8 *) g_bytes_get_data ((b), NULL))
#define BL(b) g_bytes_get_size (b)

/* A new buffer holding @data (consumed) with the timestamps and flags of @like. */
static GstBuffer *
buffer_like (GBytes * data, GstBuffer * like)
{
  GstBuffer *b = gst_buffer_new_wrapped_bytes (data);

  g_bytes_unref (data);

  gst_buffer_copy_into (b, like, GST_BUFFER_COPY_FLAGS | GST_BUFFER_COPY_TIMESTAMPS, 0,
      -1);
  return b;
}

/* ---- An independent implementation of docs/layout.md --------------------- */

static void
put_u32 (GByteArray * a, guint32 v)
{
  guint8 b[4] = { v >> 24, v >> 16, v >> 8, v };
  g_byte_array_append (a, b, 4);
}

#define BIT(d, p) (((d)[(p) >> 3] >> (7 - ((p) & 7))) & 1)

static guint
bits_at (const guint8 * d, gsize pos, guint n)
{
  guint v = 0;

  for (; n > 0; n--, pos++)
    v = (v << 1) | BIT (d, pos);
  return v;
}

/* docs/layout.md, VP9: bit count of the clear part of the uncompressed header, and the
 * frame size of key frames. */
static gsize
spec_vp9_clear (const guint8 * d, guint * width, guint * height)
{
  guint profile = BIT (d, 2) | (BIT (d, 3) << 1), cs;
  gsize pos = profile == 3 ? 5 : 4;

  if (BIT (d, pos))             /* show_existing_frame, frame_to_show_map_idx */
    return (pos + 4 + 7) / 8;
  pos++;
  if (BIT (d, pos)) {           /* frame_type 1: not a key frame */
    pos += 3;
    return (pos + 7) / 8;
  }
  pos += 3;
  fail_unless_equals_int (bits_at (d, pos, 24), 0x498342);
  pos += 24;
  if (profile >= 2)
    pos++;
  cs = bits_at (d, pos, 3);
  pos += 3;
  if (cs != 7)
    pos += (profile & 1) ? 4 : 1;
  else
    pos += (profile & 1) ? 1 : 0;
  if (width)
    *width = bits_at (d, pos, 16) + 1;
  if (height)
    *height = bits_at (d, pos + 16, 16) + 1;
  pos += 32;
  pos += BIT (d, pos) ? 33 : 1;
  return (pos + 7) / 8;
}

static gsize
spec_prefix (GstE2eeLayoutCodec codec, const guint8 * d)
{
  switch (codec) {
    case GST_E2EE_LAYOUT_CODEC_VP8:
      return (d[0] & 1) ? 3 : 10;
    case GST_E2EE_LAYOUT_CODEC_VP9:
      return spec_vp9_clear (d, NULL, NULL);
    case GST_E2EE_LAYOUT_CODEC_OPUS:
      return 1;
    default:
      g_assert_not_reached ();
      return 0;
  }
}

/* Decrypts @out the way the page says, with the SFrame primitive only, and checks the
 * clear bytes and that the plaintext is the rest of @in. */
static void
spec_check_prefix (GstE2eeSFrameKey * key, GstE2eeLayoutCodec codec, const guint8 * in,
    gsize in_size, const guint8 * out, gsize out_size)
{
  gsize n = spec_prefix (codec, in), hl, len;
  GByteArray *md = g_byte_array_new ();
  guint8 *pt = g_malloc (out_size);
  GError *err = NULL;

  fail_unless (memcmp (out, in, n) == 0, "clear prefix altered");
  fail_unless (gst_e2ee_sframe_header_parse (out + n, out_size - n, NULL, NULL, &hl,
          &err));
  fail_unless_equals_uint64 (out_size, in_size + hl + tag_size (key));
  put_u32 (md, n);
  g_byte_array_append (md, in, n);
  put_u32 (md, in_size - n);
  if (!gst_e2ee_sframe_key_decrypt (key, md->data, md->len, out + n, out_size - n, pt,
          out_size, &len, NULL, &err))
    fail ("spec decryption: %s", err->message);
  fail_unless_equals_uint64 (len, in_size - n);
  fail_unless (memcmp (pt, in + n, len) == 0);
  g_byte_array_unref (md);
  g_free (pt);
}

enum
{ T_FRAMING, T_PARAM, T_PROT };

typedef struct
{
  gsize lead, start, size;
  guint cls, hdr;               /* hdr: clear bytes, NAL header and slice prefix */
} TNal;

static guint
t_type (gboolean h265, const guint8 * nal)
{
  return h265 ? (nal[0] >> 1) & 0x3f : nal[0] & 0x1f;
}

static guint
t_class (gboolean h265, const guint8 * nal, guint * hdr)
{
  guint t = t_type (h265, nal);

  *hdr = h265 ? 2 : 1;
  if (h265)
    return t >= 32 && t <= 34 ? T_PARAM : t >= 35 && t <= 37 ? T_FRAMING : T_PROT;
  if (t == 7 || t == 8 || t == 13 || t == 15)
    return T_PARAM;
  if (t == 9 || t == 10 || t == 11)
    return T_FRAMING;
  if (t == 14 || t == 20 || t == 21)
    *hdr = 4;
  return T_PROT;
}

static gboolean
t_is_slice (gboolean h265, guint t)
{
  return h265 ? t <= 9 || (t >= 16 && t <= 21) :
      t == 1 || t == 2 || t == 5 || t == 20 || t == 21;
}

/* Clear bytes of a protected NAL unit: its header and, for slices, the raw bytes that
 * hold first_mb_in_slice, slice_type and pic_parameter_set_id (H.264) or
 * first_slice_segment_in_pic_flag, no_output_of_prior_pics_flag and
 * slice_pic_parameter_set_id (H.265). -1 if they do not fit. */
static gssize
t_clear (gboolean h265, const guint8 * nal, gsize size, guint hdr)
{
  guint8 rbsp[64];
  gsize raw[64], n = 0, i, zeros = 0, pos = 0;
  guint t = t_type (h265, nal), fields;

  if (!t_is_slice (h265, t))
    return hdr;
  for (i = hdr; i < size && n < G_N_ELEMENTS (rbsp); i++) {
    if (zeros >= 2 && nal[i] == 3) {
      zeros = 0;
      continue;
    }
    rbsp[n] = nal[i];
    raw[n++] = i;
    zeros = nal[i] ? 0 : zeros + 1;
  }
  if (h265) {
    pos = t >= 16 ? 2 : 1;
    fields = 1;
  } else {
    fields = 3;
  }
  while (fields--) {
    guint lz = 0;

    while (pos < n * 8 && !BIT (rbsp, pos)) {
      lz++;
      pos++;
    }
    if (pos >= n * 8 || lz > 31)
      return -1;
    pos += 1 + lz;
  }
  if (pos > n * 8)
    return -1;
  return raw[(pos - 1) / 8] + 1;
}

/* NAL units: delimited by 00 00 01, trailing zero bytes excluded. Returns NULL if the
 * frame does not start with zero bytes and a start code. */
static GArray *
t_split (gboolean h265, const guint8 * d, gsize n, gsize * tail)
{
  GArray *a = g_array_new (FALSE, TRUE, sizeof (TNal));
  gsize i, prev_end = 0, cur = 0;
  gboolean open = FALSE;

  for (i = 0; i <= n; i++) {
    gboolean sc = i + 2 < n && d[i] == 0 && d[i + 1] == 0 && d[i + 2] == 1;

    if (!sc && i < n) {
      if (!open && d[i] != 0) {
        g_array_unref (a);
        return NULL;
      }
      continue;
    }
    if (open) {
      TNal t = { prev_end, cur, 0, 0, 0 };
      gsize e = i;

      while (e > cur && d[e - 1] == 0)
        e--;
      t.size = e - cur;
      fail_unless (t.size > 0);
      t.cls = t_class (h265, d + cur, &t.hdr);
      if (t.cls == T_PROT) {
        gssize c = t_clear (h265, d + cur, t.size, t.hdr);

        fail_unless (c >= 0, "slice header runs past its NAL unit");
        t.hdr = c;
      }
      g_array_append_val (a, t);
      prev_end = e;
    }
    if (i == n)
      break;
    open = TRUE;
    cur = i + 3;
    i += 2;
  }
  *tail = prev_end;
  return a;
}

static gboolean
t_region (const TNal * t)
{
  return t->cls == T_PROT && t->size > t->hdr;
}

static guint
t_zeros (const guint8 * hdr, guint len)
{
  guint z = 0;

  while (len > 0 && hdr[len - 1] == 0 && z < 2) {
    len--;
    z++;
  }
  return z;
}

static void
t_escape (GByteArray * o, const guint8 * s, gsize n, guint zeros)
{
  static const guint8 three = 3;
  gsize i;

  for (i = 0; i < n; i++) {
    if (zeros >= 2 && s[i] <= 3) {
      g_byte_array_append (o, &three, 1);
      zeros = 0;
    }
    g_byte_array_append (o, s + i, 1);
    zeros = s[i] ? 0 : zeros + 1;
  }
  if (s[n - 1] == 0 || s[n - 1] == 3)
    g_byte_array_append (o, &three, 1);
}

static gboolean
t_unescape (GByteArray * o, const guint8 * s, gsize n, guint zeros)
{
  gsize i;

  if (s[n - 1] == 3) {
    if (n < 2 || (s[n - 2] != 0 && s[n - 2] != 3))
      return FALSE;
    n--;
  }
  for (i = 0; i < n; i++) {
    if (zeros >= 2 && s[i] == 3 && i + 1 < n && s[i + 1] <= 3) {
      zeros = 0;
      continue;
    }
    if (zeros >= 2 && s[i] <= 3)
      return FALSE;
    g_byte_array_append (o, s + i, 1);
    zeros = s[i] ? 0 : zeros + 1;
  }
  return TRUE;
}

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

static gint
cmp_bytes (gconstpointer a, gconstpointer b)
{
  return g_bytes_compare (*(GBytes **) a, *(GBytes **) b);
}

/* Appends the parameter-set block of @d to @md. */
static void
t_parameter_sets (GByteArray * md, gboolean h265, const guint8 * d, GArray * nals)
{
  GPtrArray *ps = g_ptr_array_new_with_free_func ((GDestroyNotify) g_bytes_unref);
  guint i, distinct = 0;

  for (i = 0; i < nals->len; i++) {
    TNal *t = &g_array_index (nals, TNal, i);

    if (t->cls == T_PARAM)
      g_ptr_array_add (ps, g_bytes_new (d + t->start, t->size));
  }
  g_ptr_array_sort (ps, cmp_bytes);
  for (i = 0; i < ps->len; i++)
    if (i == 0 || !g_bytes_equal (ps->pdata[i - 1], ps->pdata[i]))
      distinct++;
  put_u32 (md, distinct);
  for (i = 0; i < ps->len; i++) {
    if (i > 0 && g_bytes_equal (ps->pdata[i - 1], ps->pdata[i]))
      continue;
    put_u32 (md, BL (ps->pdata[i]));
    g_byte_array_append (md, BD (ps->pdata[i]), BL (ps->pdata[i]));
  }
  g_ptr_array_unref (ps);
}

static guint
t_ps_rank (gboolean h265, const guint8 * nal)
{
  guint t = t_type (h265, nal);

  if (h265)
    return t - 32;
  return t == 7 ? 0 : t == 13 ? 1 : t == 15 ? 2 : 3;
}

typedef struct
{
  const guint8 *nal;
  gsize size, framing, pos;
  guint rank;
} TPs;

static gint
t_ps_bytes (const TPs * x, const TPs * y)
{
  gint c = memcmp (x->nal, y->nal, MIN (x->size, y->size));

  return c != 0 ? c : x->size < y->size ? -1 : x->size > y->size ? 1 : 0;
}

static gint
cmp_ps_out (gconstpointer a, gconstpointer b)
{
  const TPs *x = a, *y = b;
  gint c;

  if (x->rank != y->rank)
    return x->rank < y->rank ? -1 : 1;
  c = t_ps_bytes (x, y);
  if (c != 0)
    return c;
  return x->pos < y->pos ? -1 : 1;
}

static void
t_put_nal (GByteArray * o, gsize framing, const guint8 * nal, gsize size)
{
  if (framing >= 4)
    g_byte_array_append (o, (const guint8 *) "\x00", 1);
  g_byte_array_append (o, (const guint8 *) "\x00\x00\x01", 3);
  g_byte_array_append (o, nal, size);
}

/* What the page's Decryption section says a receiver outputs for the plaintext frame
 * @d (received with this framing): the distinct parameter sets, by rank (H.264 SPS,
 * SPS extension, subset SPS, PPS; H.265 VPS, SPS, PPS) then bytewise, each once with
 * the framing of its first copy; then the protected NAL units in order. The first
 * NAL unit out gets the frame's leading framing; 4 bytes of start code where the NAL
 * unit came with at least 4 bytes of framing, else 3. @removed: the NAL units left
 * out. */
static GBytes *
t_output (gboolean h265, const guint8 * d, gsize n, guint * removed)
{
  GByteArray *o = g_byte_array_new ();
  GArray *ps = g_array_new (FALSE, FALSE, sizeof (TPs));
  gsize tail;
  GArray *a = t_split (h265, d, n, &tail);
  guint i, gone = 0;

  fail_unless (a != NULL && a->len > 0);
  for (i = 0; i < a->len; i++) {
    TNal *t = &g_array_index (a, TNal, i);
    TPs p = { d + t->start, t->size, t->start - t->lead, i, 0 };

    if (t->cls != T_PARAM)
      continue;
    p.rank = t_ps_rank (h265, d + t->start);
    g_array_append_val (ps, p);
  }
  g_array_sort (ps, cmp_ps_out);
  for (i = 0; i < ps->len; i++) {
    TPs *p = &g_array_index (ps, TPs, i);

    if (i > 0 && t_ps_bytes (&g_array_index (ps, TPs, i - 1), p) == 0) {
      gone++;
      continue;
    }
    t_put_nal (o, o->len == 0 ? g_array_index (a, TNal, 0).start : p->framing, p->nal,
        p->size);
  }
  for (i = 0; i < a->len; i++) {
    TNal *t = &g_array_index (a, TNal, i);

    if (t->cls == T_FRAMING)
      gone++;
    if (t->cls != T_PROT)
      continue;
    t_put_nal (o, o->len == 0 ? g_array_index (a, TNal, 0).start : t->start - t->lead,
        d + t->start, t->size);
  }
  g_array_unref (ps);
  g_array_unref (a);
  if (removed)
    *removed = gone;
  return g_byte_array_free_to_bytes (o);
}

/* Checks an encrypted H.264/H.265 frame against the page: same NAL units with clear
 * headers, parameter sets and framing untouched, encrypted regions canonically escaped
 * with no start code or 00 00 00/02 anywhere in a NAL unit, and a decryption with only
 * the SFrame primitive that gives back every payload. Returns the escape bytes added. */
static gsize
spec_check_h26x (GstE2eeSFrameKey * key, gboolean h265, const guint8 * in,
    gsize in_size, const guint8 * out, gsize out_size)
{
  gsize tail_in, tail_out, hl, len, pos, escaped = 0, unescaped = 0;
  GArray *a = t_split (h265, in, in_size, &tail_in);
  GArray *b = t_split (h265, out, out_size, &tail_out);
  GByteArray *s = g_byte_array_new (), *md = g_byte_array_new (),
      *want = g_byte_array_new ();
  GArray *pieces = g_array_new (FALSE, FALSE, sizeof (gsize));
  guint i, regions = 0, k = 0, first_r = 0, last_r = 0;
  gboolean carrier;
  guint8 *pt;
  GError *err = NULL;

  fail_unless (a != NULL && b != NULL);
  for (i = 0; i < a->len; i++)
    if (t_region (&g_array_index (a, TNal, i)))
      regions++;
  carrier = regions == 0;
  fail_unless_equals_int (b->len, a->len + (carrier ? 1 : 0));
  fail_unless_equals_int (count_start_codes (out, out_size), b->len);

  for (i = 0; i < b->len; i++) {
    TNal *y = &g_array_index (b, TNal, i);
    const guint8 *p = out + y->start;
    gsize j;

    /* No NAL unit of the output holds 00 00 00, 00 00 01, 00 00 02 or ends in 00. */
    for (j = 0; j + 2 < y->size; j++)
      fail_if (p[j] == 0 && p[j + 1] == 0 && p[j + 2] <= 2, "start code in NAL %u", i);
    fail_if (p[y->size - 1] == 0);

    if (i == a->len) {          /* the carrier */
      fail_unless (carrier);
      fail_unless (memcmp (p, h265 ? "\x4c\x01" : "\x0c", y->hdr) == 0);
      fail_unless (y->start >= 4 &&
          memcmp (out + y->start - 4, "\x00\x00\x00\x01", 4) == 0);
    } else {
      TNal *x = &g_array_index (a, TNal, i);

      fail_unless_equals_int (x->cls, y->cls);
      fail_unless_equals_uint64 (x->start - x->lead, y->start - y->lead);
      fail_unless (memcmp (in + x->lead, out + y->lead, x->start - x->lead) == 0);
      if (!t_region (x)) {
        fail_unless_equals_uint64 (x->size, y->size);
        fail_unless (memcmp (in + x->start, p, x->size) == 0);
        continue;
      }
      fail_unless (memcmp (in + x->start, p, x->hdr) == 0, "NAL header altered");
      g_byte_array_append (want, in + x->start + x->hdr, x->size - x->hdr);
    }
    len = s->len;
    fail_unless (t_unescape (s, p + y->hdr, y->size - y->hdr, t_zeros (p, y->hdr)),
        "NAL %u is not canonically escaped", i);
    len = s->len - len;
    g_array_append_val (pieces, len);
    escaped += y->size - y->hdr;
    unescaped += len;
    if (k++ == 0)
      first_r = i;
    last_r = i;
  }
  if (!carrier)
    fail_unless (memcmp (in + tail_in, out + tail_out, in_size - tail_in) == 0);

  fail_unless (gst_e2ee_sframe_header_parse (s->data, s->len, NULL, NULL, &hl, &err));
  t_parameter_sets (md, h265, in, a);
  for (i = 0, pos = 0; i < b->len; i++) {
    TNal *y = &g_array_index (b, TNal, i);

    if (y->cls != T_PROT)
      continue;
    put_u32 (md, y->hdr);
    g_byte_array_append (md, out + y->start, y->hdr);
    if (t_region (y)) {
      len = g_array_index (pieces, gsize, pos++);
      if (i == first_r)
        len -= hl;
      if (i == last_r)
        len -= tag_size (key);
      put_u32 (md, len);
    } else {
      put_u32 (md, 0);
    }
  }
  pt = g_malloc (s->len);
  if (!gst_e2ee_sframe_key_decrypt (key, md->data, md->len, s->data, s->len, pt,
          s->len, &len, NULL, &err))
    fail ("spec decryption: %s", err->message);
  fail_unless_equals_uint64 (len, want->len);
  /* An empty frame's GByteArray has no data pointer, which memcmp must not get. */
  fail_unless (len == 0 || memcmp (pt, want->data, len) == 0);

  g_free (pt);
  g_array_unref (pieces);
  g_byte_array_unref (want);
  g_byte_array_unref (md);
  g_byte_array_unref (s);
  g_array_unref (a);
  g_array_unref (b);
  return escaped - unescaped;
}

/* The NAL units that carry content (parameter sets and protected ones), in order. */
static GPtrArray *
t_content (gboolean h265, const guint8 * d, gsize n)
{
  GPtrArray *c = g_ptr_array_new_with_free_func ((GDestroyNotify) g_bytes_unref);
  gsize tail;
  GArray *a = t_split (h265, d, n, &tail);
  guint i;

  fail_unless (a != NULL);
  for (i = 0; i < a->len; i++) {
    TNal *t = &g_array_index (a, TNal, i);

    if (t->cls != T_FRAMING)
      g_ptr_array_add (c, g_bytes_new (d + t->start, t->size));
  }
  g_array_unref (a);
  return c;
}

static gboolean
same_content (GPtrArray * x, GPtrArray * y)
{
  guint i;

  if (x->len != y->len)
    return FALSE;
  for (i = 0; i < x->len; i++)
    if (!g_bytes_equal (x->pdata[i], y->pdata[i]))
      return FALSE;
  return TRUE;
}

/* An Annex B frame of @nals (GBytes), each after a 4-byte start code. */
static GBytes *
t_join (GPtrArray * nals)
{
  GByteArray *a = g_byte_array_new ();
  guint i;

  for (i = 0; i < nals->len; i++) {
    g_byte_array_append (a, (const guint8 *) "\x00\x00\x00\x01", 4);
    g_byte_array_append (a, BD (nals->pdata[i]), BL (nals->pdata[i]));
  }
  return g_byte_array_free_to_bytes (a);
}

/* Every NAL unit of @d, framing ones included, in order. */
static GPtrArray *
t_all_nals (gboolean h265, GBytes * d)
{
  GPtrArray *c = g_ptr_array_new_with_free_func ((GDestroyNotify) g_bytes_unref);
  gsize tail;
  GArray *a = t_split (h265, BD (d), BL (d), &tail);
  guint i;

  fail_unless (a != NULL);
  for (i = 0; i < a->len; i++) {
    TNal *t = &g_array_index (a, TNal, i);
    g_ptr_array_add (c, g_bytes_new (BD (d) + t->start, t->size));
  }
  g_array_unref (a);
  return c;
}

/* ---- Every bit of an encrypted frame matters ------------------------------ */

/* Flips each bit of @e in turn (under valgrind every 7th, which still reaches each bit
 * position of a byte: every bit of every frame made this test take two minutes there;
 * the other runs flip them all). Only bits of unauthenticated H.26x framing
 * (start-code zero bytes, access unit delimiters, end-of-sequence/stream NAL units)
 * may be accepted, and then the output must hold exactly the NAL units of an
 * untouched one. */
static guint
flip_every_bit (GstE2eeSFrameKey * key, GstE2eeLayoutCodec codec, const guint8 * in,
    gsize in_size, const guint8 * e, gsize e_size)
{
  gboolean h26x = codec == GST_E2EE_LAYOUT_CODEC_H264 ||
      codec == GST_E2EE_LAYOUT_CODEC_H265;
  gboolean h265 = codec == GST_E2EE_LAYOUT_CODEC_H265;
  guint8 *m = g_memdup2 (e, e_size), *out = g_malloc (e_size);
  guint8 *unauth = g_malloc0 (e_size);
  GPtrArray *orig = NULL;
  guint accepted = 0;
  gsize bit, len, stride = RUNNING_ON_VALGRIND ? 7 : 1;

  if (h26x) {
    gsize tail, i, j;
    GArray *a = t_split (h265, e, e_size, &tail);

    GBytes *want = t_output (h265, in, in_size, NULL);

    /* What goes out, in order: the frame's own NAL units, nothing of the framing */
    orig = t_content (h265, BD (want), BL (want));
    g_bytes_unref (want);
    for (i = 0; i < a->len; i++) {
      TNal *t = &g_array_index (a, TNal, i);

      for (j = t->lead; j < t->start - 3; j++)
        unauth[j] = 1;
      if (t->cls == T_FRAMING)
        memset (unauth + t->start - 3, 1, t->size + 3);
    }
    for (j = tail; j < e_size; j++)
      unauth[j] = 1;
    g_array_unref (a);
  }

  for (bit = 0; bit < e_size * 8; bit += stride) {
    m[bit / 8] ^= 1 << (bit % 8);
    if (gst_e2ee_layout_decrypt (key, codec, m, e_size, out, e_size, &len, NULL, NULL)) {
      GPtrArray *got;

      fail_unless (h26x, "codec %d: flipping bit %" G_GSIZE_FORMAT " went unnoticed",
          codec, bit);
      fail_unless (unauth[bit / 8], "codec %d: flipping authenticated bit %"
          G_GSIZE_FORMAT " went unnoticed", codec, bit);
      got = t_content (h265, out, len);
      fail_unless (same_content (got, orig));
      g_ptr_array_unref (got);
      accepted++;
    }
    m[bit / 8] ^= 1 << (bit % 8);
  }
  if (orig)
    g_ptr_array_unref (orig);
  g_free (unauth);
  g_free (out);
  g_free (m);
  return accepted;
}

/* ---- Real encoder output, codec by codec ---------------------------------- */

typedef struct
{
  GstE2eeLayoutCodec codec;
  const gchar *elements;
  const gchar *desc;
} Source;

/* Whether Annex B @d holds a start code with no NAL unit after it (only zero bytes up
 * to the next start code or the end), found here independently of the layout code. */
static gboolean
has_empty_nal (const guint8 * d, gsize n)
{
  gsize i = 0, j;

  while (i + 3 <= n) {
    if (d[i] != 0 || d[i + 1] != 0 || d[i + 2] != 1) {
      i++;
      continue;
    }
    for (j = i + 3; j < n && d[j] == 0; j++)
      if (j + 2 < n && d[j + 1] == 0 && d[j + 2] == 1)
        break;
    if (j >= n || d[j] == 0)
      return TRUE;
    i = j;
  }
  return FALSE;
}

static void
check_real_stream (const Source * src, guint * n_key, guint * n_delta)
{
  GstE2eeSFrameKey *key = new_key (SUITE, KID);
  GstCaps *caps;
  GPtrArray *bufs = encode (src->desc, &caps);
  gboolean h26x = src->codec == GST_E2EE_LAYOUT_CODEC_H264 ||
      src->codec == GST_E2EE_LAYOUT_CODEC_H265;
  guint i, skipped;

  fail_unless_equals_int (gst_e2ee_layout_codec_from_caps (caps), src->codec);
  for (i = 0, skipped = 0; i < bufs->len; i++) {
    GBytes *in = buffer_bytes (bufs->pdata[i]);
    gsize len, max = gst_e2ee_layout_get_max_size (src->codec, key, BL (in));
    guint64 kid = 0, ctr = 99;
    guint8 *out;

    /* Under valgrind, libx265 writes part of its bitstream from memory it never set
     * (x265memcheck.h): once in CI a frame came out with an empty NAL unit. Such a
     * frame is not what this test is about: the layout must refuse it, and it is
     * skipped. Anywhere else a malformed encoder frame fails the test. */
    if (RUNNING_ON_VALGRIND && h26x && has_empty_nal (BD (in), BL (in))) {
      out = g_malloc (max);
      fail_if (gst_e2ee_layout_encrypt (key, src->codec, BD (in), BL (in), out, max,
              &len, NULL, NULL), "a frame with an empty NAL unit was encrypted");
      g_printerr ("  frame %u of %s: an empty NAL unit (the encoder under valgrind), "
          "refused and skipped\n", i, src->elements);
      g_free (out);
      g_bytes_unref (in);
      skipped++;
      continue;
    }
    out = encrypt_frame (key, src->codec, BD (in), BL (in), &len);

    fail_unless (gst_e2ee_layout_parse_header (src->codec, out, len, &kid, &ctr, NULL));
    fail_unless_equals_uint64 (kid, KID);
    fail_unless_equals_uint64 (ctr, i - skipped);
    if (h26x)
      spec_check_h26x (key, src->codec == GST_E2EE_LAYOUT_CODEC_H265, BD (in), BL (in),
          out, len);
    else
      spec_check_prefix (key, src->codec, BD (in), BL (in), out, len);
    assert_round_trip (key, src->codec, out, len, BD (in), BL (in));
    if (GST_BUFFER_FLAG_IS_SET (bufs->pdata[i], GST_BUFFER_FLAG_DELTA_UNIT))
      (*n_delta)++;
    else
      (*n_key)++;
    g_free (out);
    g_bytes_unref (in);
  }
  gst_caps_unref (caps);
  g_ptr_array_unref (bufs);
  gst_e2ee_sframe_key_unref (key);
}

GST_START_TEST (test_vp8_real)
{
  const Source src = { GST_E2EE_LAYOUT_CODEC_VP8, "vp8enc",
    "videotestsrc num-buffers=40 pattern=ball ! video/x-raw,format=I420,width=160,"
        "height=120 ! vp8enc deadline=1 keyframe-max-dist=10"
  };
  GstE2eeSFrameKey *key;
  GstCaps *caps;
  GPtrArray *bufs;
  guint n_key = 0, n_delta = 0, i;

  if (!have_elements (src.elements))
    return;
  key = new_key (SUITE, KID);
  check_real_stream (&src, &n_key, &n_delta);
  fail_unless (n_key >= 3 && n_delta >= 20, "%u key, %u delta frames", n_key, n_delta);

  /* The clear bytes are exactly the frame tag and, on key frames, start code and size. */
  bufs = encode (src.desc, &caps);
  for (i = 0; i < bufs->len; i++) {
    GBytes *in = buffer_bytes (bufs->pdata[i]);
    gsize len;
    guint8 *out = encrypt_frame (key, GST_E2EE_LAYOUT_CODEC_VP8, BD (in), BL (in), &len);
    gboolean is_key = !GST_BUFFER_FLAG_IS_SET (bufs->pdata[i],
        GST_BUFFER_FLAG_DELTA_UNIT);
    gsize n = is_key ? 10 : 3;

    fail_unless_equals_int (BD (in)[0] & 1, is_key ? 0 : 1);
    fail_unless (memcmp (out, BD (in), n) == 0);
    if (is_key) {
      fail_unless (memcmp (out + 3, "\x9d\x01\x2a", 3) == 0);
      fail_unless_equals_int (GST_READ_UINT16_LE (out + 6) & 0x3fff, 160);
      fail_unless_equals_int (GST_READ_UINT16_LE (out + 8) & 0x3fff, 120);
    }
    /* the SFrame header follows the clear bytes at once */
    fail_unless (gst_e2ee_sframe_header_parse (out + n, len - n, NULL, NULL, NULL, NULL));
    g_free (out);
    g_bytes_unref (in);
  }
  gst_caps_unref (caps);
  g_ptr_array_unref (bufs);
  gst_e2ee_sframe_key_unref (key);
}

GST_END_TEST;

GST_START_TEST (test_vp9_real)
{
  static const Source srcs[] = {
    {GST_E2EE_LAYOUT_CODEC_VP9, "vp9enc",
        "videotestsrc num-buffers=40 pattern=ball ! video/x-raw,format=I420,width=160,"
          "height=120 ! vp9enc deadline=1 keyframe-max-dist=10"},
    /* profile 1: 4:4:4, so the colour config carries the subsampling bits */
    {GST_E2EE_LAYOUT_CODEC_VP9, "vp9enc",
        "videotestsrc num-buffers=12 pattern=ball ! video/x-raw,format=Y444,width=96,"
          "height=64 ! vp9enc deadline=1 keyframe-max-dist=5"},
  };
  guint s, n_key = 0, n_delta = 0;

  if (!have_elements ("vp9enc"))
    return;
  for (s = 0; s < G_N_ELEMENTS (srcs); s++)
    check_real_stream (&srcs[s], &n_key, &n_delta);
  fail_unless (n_key >= 6 && n_delta >= 30, "%u key, %u delta frames", n_key, n_delta);
}

GST_END_TEST;

/* Key frames keep the frame size clear, as rtpvp9pay and forwarding servers read it;
 * superframes are laid out by their first frame; show-existing-frame frames are all
 * clear. */
GST_START_TEST (test_vp9_headers)
{
  GstE2eeSFrameKey *key;
  GstCaps *caps;
  GPtrArray *bufs;
  GBytes *f0, *f1;
  GByteArray *sf;
  guint8 *out, show_existing[] = { 0x88 };
  guint w = 0, h = 0, n_key = 0, i;
  gsize len, n;

  if (!have_elements ("vp9enc"))
    return;
  key = new_key (SUITE, KID);
  bufs = encode ("videotestsrc num-buffers=12 ! video/x-raw,format=I420,width=176,"
      "height=144 ! vp9enc deadline=1 keyframe-max-dist=6", &caps);
  for (i = 0; i < bufs->len; i++) {
    GBytes *in = buffer_bytes (bufs->pdata[i]);

    out = encrypt_frame (key, GST_E2EE_LAYOUT_CODEC_VP9, BD (in), BL (in), &len);
    n = spec_vp9_clear (BD (in), &w, &h);
    if (!GST_BUFFER_FLAG_IS_SET (bufs->pdata[i], GST_BUFFER_FLAG_DELTA_UNIT)) {
      /* profile 0: 8 bits of marker, profile and flags, 24 of sync code, 4 of colour
       * config, 32 of frame size, the render_and_frame_size_different bit: 69 bits,
       * 9 bytes */
      fail_unless_equals_int (n, 9);
      fail_unless (memcmp (out + 1, "\x49\x83\x42", 3) == 0);
      spec_vp9_clear (out, &w, &h);
      fail_unless_equals_int (w, 176);
      fail_unless_equals_int (h, 144);
      n_key++;
    } else {
      fail_unless_equals_int (n, 1);
    }
    fail_unless (memcmp (out, BD (in), n) == 0);
    g_free (out);
    g_bytes_unref (in);
  }
  fail_unless_equals_int (n_key, 2);

  /* A superframe of two frames and its index (VP9 spec annex B): the first frame's
   * header decides, the rest, index included, is encrypted. */
  f0 = buffer_bytes (bufs->pdata[0]);
  f1 = buffer_bytes (bufs->pdata[1]);
  sf = g_byte_array_new ();
  g_byte_array_append (sf, BD (f0), BL (f0));
  g_byte_array_append (sf, BD (f1), BL (f1));
  {
    guint8 idx[6] = { 0xc9, BL (f0) & 0xff, BL (f0) >> 8, BL (f1) & 0xff, BL (f1) >> 8,
      0xc9
    };
    g_byte_array_append (sf, idx, sizeof (idx));
  }
  out = encrypt_frame (key, GST_E2EE_LAYOUT_CODEC_VP9, sf->data, sf->len, &len);
  fail_unless (memcmp (out, sf->data, 9) == 0);
  spec_check_prefix (key, GST_E2EE_LAYOUT_CODEC_VP9, sf->data, sf->len, out, len);
  assert_round_trip (key, GST_E2EE_LAYOUT_CODEC_VP9, out, len, sf->data, sf->len);
  g_free (out);

  /* show_existing_frame: one byte, all of it clear, then header and tag */
  out = encrypt_frame (key, GST_E2EE_LAYOUT_CODEC_VP9, show_existing, 1, &len);
  fail_unless_equals_int (out[0], 0x88);
  spec_check_prefix (key, GST_E2EE_LAYOUT_CODEC_VP9, show_existing, 1, out, len);
  assert_round_trip (key, GST_E2EE_LAYOUT_CODEC_VP9, out, len, show_existing, 1);
  g_free (out);

  g_byte_array_unref (sf);
  g_bytes_unref (f0);
  g_bytes_unref (f1);
  gst_caps_unref (caps);
  g_ptr_array_unref (bufs);
  gst_e2ee_sframe_key_unref (key);
}

GST_END_TEST;

GST_START_TEST (test_opus_real)
{
  static const Source srcs[] = {
    {GST_E2EE_LAYOUT_CODEC_OPUS, "opusenc",
        "audiotestsrc num-buffers=50 ! audio/x-raw,rate=48000,channels=2 ! opusenc"},
    {GST_E2EE_LAYOUT_CODEC_OPUS, "opusenc",
        "audiotestsrc num-buffers=20 wave=silence ! opusenc dtx=true"},
  };
  GstE2eeSFrameKey *key;
  const guint8 toc_only[] = { 0xf8 };
  guint s, n_key = 0, n_delta = 0;
  gsize len;
  guint8 *out;

  if (!have_elements ("opusenc"))
    return;
  key = new_key (GST_E2EE_CIPHER_SUITE_AES_128_CTR_HMAC_SHA256_32, 3);
  for (s = 0; s < G_N_ELEMENTS (srcs); s++)
    check_real_stream (&srcs[s], &n_key, &n_delta);
  fail_unless (n_key + n_delta >= 60);

  /* A TOC-only packet (RFC 6716 §3.2.1, a DTX frame) keeps its byte and gains header
   * and tag: with the 32-bit tag suite, 1 + 1 + 4 bytes. */
  out = encrypt_frame (key, GST_E2EE_LAYOUT_CODEC_OPUS, toc_only, 1, &len);
  fail_unless_equals_uint64 (len, 6);
  fail_unless_equals_int (out[0], 0xf8);
  fail_unless_equals_int (out[1], 0x30);        /* KID 3, CTR 0 in the config byte */
  spec_check_prefix (key, GST_E2EE_LAYOUT_CODEC_OPUS, toc_only, 1, out, len);
  assert_round_trip (key, GST_E2EE_LAYOUT_CODEC_OPUS, out, len, toc_only, 1);
  g_free (out);
  gst_e2ee_sframe_key_unref (key);
}

GST_END_TEST;

#define X264 "x264enc speed-preset=ultrafast bframes=0 key-int-max=12"
#define H264_STREAM_CAPS "video/x-h264,stream-format=byte-stream,alignment=au,profile=high"
/* asm=0: x265's assembly reads uninitialised memory (valgrind reports it, and the
 * taint reaches every byte downstream); its C code does not. */
#define X265 "x265enc speed-preset=ultrafast key-int-max=12 option-string=asm=0"
#define H265_CAPS "video/x-h265,stream-format=byte-stream,alignment=au"

GST_START_TEST (test_h264_real)
{
  static const Source srcs[] = {
    {GST_E2EE_LAYOUT_CODEC_H264, "x264enc",
        "videotestsrc num-buffers=60 pattern=ball ! video/x-raw,format=I420,width=320,"
          "height=240 ! " X264 " ! " H264_STREAM_CAPS},
    /* several slices per frame, so 3-byte start codes between them */
    {GST_E2EE_LAYOUT_CODEC_H264, "x264enc",
        "videotestsrc num-buffers=60 pattern=snow ! video/x-raw,format=I420,width=176,"
          "height=144 ! " X264 " option-string=slices=4 ! " H264_STREAM_CAPS},
    /* B-frames and high bitrate: large frames, long encrypted regions */
    {GST_E2EE_LAYOUT_CODEC_H264, "x264enc",
        "videotestsrc num-buffers=60 pattern=smpte ! video/x-raw,format=I420,width=640,"
          "height=360 ! x264enc speed-preset=ultrafast bframes=2 bitrate=8000 "
          "key-int-max=30 ! " H264_STREAM_CAPS},
  };
  guint s, n_key = 0, n_delta = 0;

  if (!have_elements ("x264enc"))
    return;
  for (s = 0; s < G_N_ELEMENTS (srcs); s++)
    check_real_stream (&srcs[s], &n_key, &n_delta);
  fail_unless (n_key >= 10 && n_delta >= 150, "%u key, %u delta", n_key, n_delta);
}

GST_END_TEST;

GST_START_TEST (test_h265_real)
{
  static const Source srcs[] = {
    {GST_E2EE_LAYOUT_CODEC_H265, "x265enc",
        "videotestsrc num-buffers=40 pattern=ball ! video/x-raw,format=I420,width=320,"
          "height=240 ! " X265 " ! " H265_CAPS},
    {GST_E2EE_LAYOUT_CODEC_H265, "x265enc",
        "videotestsrc num-buffers=30 pattern=snow ! video/x-raw,format=I420,width=176,"
          "height=144 ! " X265 ":slices=3:repeat-headers=1 ! "
          H265_CAPS},
  };
  guint s, n_key = 0, n_delta = 0;

  if (!have_elements ("x265enc"))
    return;
  for (s = 0; s < G_N_ELEMENTS (srcs); s++)
    check_real_stream (&srcs[s], &n_key, &n_delta);
  fail_unless (n_key >= 4 && n_delta >= 50, "%u key, %u delta", n_key, n_delta);
}

GST_END_TEST;

/* ---- Escaping under adversarial ciphertext -------------------------------- */

/* Frames whose ciphertext is chosen: a second key with the same secret encrypts zeros at
 * the counter the frame will use, which gives the keystream, and the plaintext is the
 * wanted ciphertext XOR the keystream. The wanted ciphertext is mostly 00, 01, 02 and
 * 03, so nearly every byte position is a start code unless escaped. Under valgrind a
 * tenth of the frames (all of them took over three minutes there). */
static void
escape_stress (gboolean h265, GstE2eeCipherSuite suite, guint frames, guint32 seed)
{
  GstE2eeLayoutCodec codec = h265 ? GST_E2EE_LAYOUT_CODEC_H265 :
      GST_E2EE_LAYOUT_CODEC_H264;
  GstE2eeSFrameKey *key = new_key (suite, KID), *probe = new_key (suite, KID);
  GRand *rand = g_rand_new_with_seed (seed);
  static const guint8 h264_hdrs[] = { 0x65, 0x41, 0x01, 0x06, 0x0c, 0x25, 0x61, 0x1e };
  static const guint8 h265_hdrs[][2] = { {0x26, 0x01}, {0x02, 0x01}, {0x00, 0x01},
  {0x4e, 0x01}, {0x50, 0x01}, {0x2a, 0x01}, {0x28, 0x01}, {0x4c, 0x01}
  };
  gsize total_escapes = 0, total_payload = 0;
  guint f;

  if (RUNNING_ON_VALGRIND)
    frames /= 10;
  g_printerr ("escape stress: %s, suite %d, %u frames, seed %u\n", h265 ? "H.265" :
      "H.264", suite, frames, seed);
  for (f = 0; f < frames; f++) {
    guint n_prot = g_rand_int_range (rand, 1, 5), i;
    gsize plen[5], total = 0, off, j, len, hl, zlen;
    guint64 ctr = gst_e2ee_sframe_key_get_next_counter (key), used;
    guint8 *zeros, *ksbuf, *ks, *pt, *out;
    GByteArray *frame = g_byte_array_new ();
    GError *err = NULL;

    for (i = 0; i < n_prot; i++) {
      /* Short regions too: 1 to 3 bytes, where the header or tag fill most of it. */
      plen[i] = g_rand_boolean (rand) ? g_rand_int_range (rand, 1, 4) :
          g_rand_int_range (rand, 4, 400);
      total += plen[i];
    }
    total_payload += total;

    /* the keystream for this counter */
    fail_unless (gst_e2ee_sframe_key_skip_counter_to (probe, ctr, NULL));
    zeros = g_malloc0 (total);
    ksbuf = g_malloc (total + GST_E2EE_SFRAME_MAX_OVERHEAD);
    fail_unless (gst_e2ee_sframe_key_encrypt (probe, NULL, 0, zeros, total, ksbuf,
            total + GST_E2EE_SFRAME_MAX_OVERHEAD, &zlen, NULL, &err));
    fail_unless (gst_e2ee_sframe_header_parse (ksbuf, zlen, NULL, NULL, &hl, NULL));
    ks = ksbuf + hl;

    pt = g_malloc0 (total);
    for (j = 0; j < total; j++) {
      guint r = g_rand_int_range (rand, 0, 16);
      guint8 want = r < 8 ? 0x00 : r < 14 ? (guint8) (r - 7) % 4 : g_rand_int (rand);

      pt[j] = want ^ ks[j];
    }

    /* Make each plaintext payload a valid NAL payload: no 00 00 01 inside, not ending in
     * 00. The few bytes changed here leave the ciphertext random there. */
    for (i = 0, off = 0; i < n_prot; off += plen[i], i++) {
      for (j = 2; j < plen[i]; j++)
        if (pt[off + j - 2] == 0 && pt[off + j - 1] == 0 && pt[off + j] == 1)
          pt[off + j] = 0x80;
      if (pt[off + plen[i] - 1] == 0)
        pt[off + plen[i] - 1] = 0x80;
    }

    /* AUD, maybe parameter sets, then the protected NAL units, with 3- and 4-byte start
     * codes and trailing zero bytes here and there */
    if (h265)
      g_byte_array_append (frame, (const guint8 *) "\x00\x00\x00\x01\x46\x01\x50", 7);
    else
      g_byte_array_append (frame, (const guint8 *) "\x00\x00\x00\x01\x09\xf0", 6);
    if (g_rand_boolean (rand)) {
      if (h265)
        g_byte_array_append (frame, (const guint8 *)
            "\x00\x00\x00\x01\x42\x01\x01\x01\x60\x00\x00\x03\x00\x90", 14);
      else
        g_byte_array_append (frame, (const guint8 *)
            "\x00\x00\x00\x01\x67\x64\x00\x0d\xac\xd9\x41\x41\xfa\x10\x00\x00\x03\x00"
            "\x10\x00\x00\x03\x03\x20\xf1\x42\x99\x60", 28);
    }
    for (i = 0, off = 0; i < n_prot; off += plen[i], i++) {
      guint k = g_rand_int_range (rand, 0, 8);

      if (g_rand_boolean (rand))
        g_byte_array_append (frame, (const guint8 *) "\x00", 1);
      g_byte_array_append (frame, (const guint8 *) "\x00\x00\x01", 3);
      if (h265)
        g_byte_array_append (frame, h265_hdrs[k], 2);
      else
        g_byte_array_append (frame, h264_hdrs + k, 1);
      /* slices: first_mb_in_slice / first_slice_segment_in_pic_flag and the other
       * clear fields, all 1 bits (zeros), in one clear byte */
      if (t_is_slice (h265, t_type (h265, h265 ? h265_hdrs[k] : h264_hdrs + k)))
        g_byte_array_append (frame, (const guint8 *) "\xe0", 1);
      g_byte_array_append (frame, pt + off, plen[i]);
    }
    if (g_rand_int_range (rand, 0, 4) == 0)
      g_byte_array_append (frame, (const guint8 *) "\x00\x00", 2);

    len = gst_e2ee_layout_get_max_size (codec, key, frame->len);
    out = g_malloc (len);
    if (!gst_e2ee_layout_encrypt (key, codec, frame->data, frame->len, out, len, &len,
            &used, &err))
      fail ("frame %u: %s", f, err->message);
    fail_unless_equals_uint64 (used, ctr);
    total_escapes += spec_check_h26x (key, h265, frame->data, frame->len, out, len);
    assert_round_trip (key, codec, out, len, frame->data, frame->len);

    g_free (out);
    g_free (pt);
    g_free (zeros);
    g_free (ksbuf);
    g_byte_array_unref (frame);
  }
  g_printerr ("  %" G_GSIZE_FORMAT " escape bytes for %" G_GSIZE_FORMAT
      " payload bytes\n", total_escapes, total_payload);
  /* The ciphertext really was full of start-code look-alikes. */
  fail_unless (total_escapes > total_payload / 8);

  g_rand_free (rand);
  gst_e2ee_sframe_key_unref (probe);
  gst_e2ee_sframe_key_unref (key);
}

GST_START_TEST (test_h264_escape_stress)
{
  escape_stress (FALSE, SUITE, 2000, 0x5eed264);
  escape_stress (FALSE, GST_E2EE_CIPHER_SUITE_AES_128_CTR_HMAC_SHA256_80, 500, 7);
}

GST_END_TEST;

GST_START_TEST (test_h265_escape_stress)
{
  escape_stress (TRUE, SUITE, 2000, 0x5eed265);
  escape_stress (TRUE, GST_E2EE_CIPHER_SUITE_AES_128_GCM_SHA256_128, 500, 11);
}

GST_END_TEST;

/* Random plaintext, thousands of frames (300 under valgrind): the ordinary case,
 * random ciphertext. */
GST_START_TEST (test_h26x_random_frames)
{
  GstE2eeSFrameKey *key = new_key (SUITE, KID);
  GRand *rand = g_rand_new_with_seed (0xf00d);
  guint f, n_frames = RUNNING_ON_VALGRIND ? 300 : 3000;

  for (f = 0; f < n_frames; f++) {
    gboolean h265 = f & 1;
    GstE2eeLayoutCodec codec = h265 ? GST_E2EE_LAYOUT_CODEC_H265 :
        GST_E2EE_LAYOUT_CODEC_H264;
    GByteArray *frame = g_byte_array_new ();
    guint n = g_rand_int_range (rand, 1, 8), i;
    guint8 *out;
    gsize len;

    for (i = 0; i < n; i++) {
      gsize size = g_rand_int_range (rand, h265 ? 2 : 1, 200), j;
      guint8 *nal = g_malloc0 (size);

      for (j = 0; j < size; j++)
        nal[j] = g_rand_int_range (rand, 0, 3) ? 0 : g_rand_int (rand);
      nal[0] = (nal[0] & 0x7f) | 0x01;  /* not 00, forbidden bit clear */
      if (h265 && size > 1)
        nal[1] = (nal[1] & 0xf8) | 0x01;
      if (!h265 && size < 5 && ((nal[0] & 0x1f) == 14 || (nal[0] & 0x1f) >= 20))
        nal[0] = 0x61;          /* a 4-byte header would not fit */
      {
        guint hdr, t = t_type (h265, nal);

        t_class (h265, nal, &hdr);
        /* a slice needs its first header fields: 1 bits, ue(v) zeros */
        if (t_is_slice (h265, t) && size <= hdr)
          nal[0] = h265 ? 0x4e : 0x06;
        else if (size > hdr)
          nal[hdr] = 0xff;
      }
      for (j = 2; j < size; j++)
        if (nal[j - 2] == 0 && nal[j - 1] == 0 && nal[j] <= 3)
          nal[j] = 0x55;
      if (nal[size - 1] == 0)
        nal[size - 1] = 0x80;
      if (g_rand_boolean (rand))
        g_byte_array_append (frame, (const guint8 *) "\x00", 1);
      g_byte_array_append (frame, (const guint8 *) "\x00\x00\x01", 3);
      g_byte_array_append (frame, nal, size);
      g_free (nal);
    }
    out = encrypt_frame (key, codec, frame->data, frame->len, &len);
    spec_check_h26x (key, h265, frame->data, frame->len, out, len);
    assert_round_trip (key, codec, out, len, frame->data, frame->len);
    g_free (out);
    g_byte_array_unref (frame);
  }
  g_rand_free (rand);
  gst_e2ee_sframe_key_unref (key);
}

GST_END_TEST;

/* ---- Bit flips ------------------------------------------------------------ */

GST_START_TEST (test_bit_flips)
{
  static const Source srcs[] = {
    {GST_E2EE_LAYOUT_CODEC_VP8, "vp8enc",
        "videotestsrc num-buffers=2 ! video/x-raw,format=I420,width=64,height=48 ! "
          "vp8enc deadline=1"},
    {GST_E2EE_LAYOUT_CODEC_VP9, "vp9enc",
        "videotestsrc num-buffers=2 ! video/x-raw,format=I420,width=64,height=48 ! "
          "vp9enc deadline=1"},
    {GST_E2EE_LAYOUT_CODEC_OPUS, "opusenc",
        "audiotestsrc num-buffers=2 ! opusenc bitrate=6000"},
    {GST_E2EE_LAYOUT_CODEC_H264, "x264enc",
        "videotestsrc num-buffers=2 ! video/x-raw,format=I420,width=64,height=48 ! "
          X264 " option-string=slices=2 ! " H264_STREAM_CAPS},
    {GST_E2EE_LAYOUT_CODEC_H265, "x265enc",
        "videotestsrc num-buffers=2 ! video/x-raw,format=I420,width=64,height=48 ! "
          X265 " ! " H265_CAPS},
  };
  GstE2eeSFrameKey *key = new_key (SUITE, KID);
  guint s, i, h264_accepted = 0;

  for (s = 0; s < G_N_ELEMENTS (srcs); s++) {
    GstCaps *caps;
    GPtrArray *bufs;

    if (!have_elements (srcs[s].elements))
      continue;
    bufs = encode (srcs[s].desc, &caps);
    for (i = 0; i < bufs->len; i++) {
      GBytes *in = buffer_bytes (bufs->pdata[i]);
      gsize len;
      guint8 *out = encrypt_frame (key, srcs[s].codec, BD (in), BL (in), &len);
      guint acc = flip_every_bit (key, srcs[s].codec, BD (in), BL (in), out, len);

      if (srcs[s].codec == GST_E2EE_LAYOUT_CODEC_H264)
        h264_accepted += acc;
      g_free (out);
      g_bytes_unref (in);
    }
    gst_caps_unref (caps);
    g_ptr_array_unref (bufs);
  }
  /* x264's access unit delimiter is framing: flips there pass, the frame's content is
   * unchanged (checked in flip_every_bit). */
  if (have_elements ("x264enc"))
    fail_unless (h264_accepted > 0);
  gst_e2ee_sframe_key_unref (key);
}

GST_END_TEST;

/* ---- What depayloaders do to H.264, and what an attacker may not ----------- */

static GBytes *
first_idr (gboolean h265)
{
  GstCaps *caps;
  GPtrArray *bufs = encode (h265 ?
      "videotestsrc num-buffers=1 ! video/x-raw,format=I420,width=96,height=64 ! "
      X265 ":slices=2 ! " H265_CAPS :
      "videotestsrc num-buffers=1 ! video/x-raw,format=I420,width=96,height=64 ! "
      X264 " option-string=slices=3 ! " H264_STREAM_CAPS, &caps);
  GBytes *b = buffer_bytes (bufs->pdata[0]);

  gst_caps_unref (caps);
  g_ptr_array_unref (bufs);
  return b;
}

static guint
find_type (gboolean h265, GPtrArray * nals, guint type)
{
  guint i;

  for (i = 0; i < nals->len; i++)
    if (t_type (h265, BD (nals->pdata[i])) == type)
      return i;
  fail ("no NAL unit of type %u", type);
  return 0;
}

static gpointer
ref_bytes (gconstpointer b, gpointer unused)
{
  return g_bytes_ref ((GBytes *) b);
}

static GPtrArray *
copy_nals (GPtrArray * nals)
{
  GPtrArray *v = g_ptr_array_new_with_free_func ((GDestroyNotify) g_bytes_unref);

  g_ptr_array_extend (v, nals, ref_bytes, NULL);
  return v;
}

static void
replace_nal (GPtrArray * v, guint i, GBytes * b)
{
  g_bytes_unref (v->pdata[i]);
  v->pdata[i] = b;
}

/* A copy of @b with byte @at XORed with @x. */
static GBytes *
altered (GBytes * b, gsize at, guint8 x)
{
  guint8 *d = g_memdup2 (BD (b), BL (b));

  d[at] ^= x;
  return g_bytes_new_take (d, BL (b));
}

/* Decrypts the NAL units @v (consumed) joined with 4-byte start codes. Accepted: the
 * output must be @want byte for byte, whatever was added, dropped or moved, and the
 * removed count what the page says of this frame. Rejected: with @code. */
static void
try_variant (GstE2eeSFrameKey * key, gboolean h265, GPtrArray * v, GBytes * want,
    gint code, const gchar * what)
{
  GBytes *f = t_join (v);
  guint8 *out = g_malloc (BL (f));
  GError *err = NULL;
  gsize len;
  guint removed = 12345, want_removed;
  gboolean ok = gst_e2ee_layout_decrypt_full (key, h265 ? GST_E2EE_LAYOUT_CODEC_H265 :
      GST_E2EE_LAYOUT_CODEC_H264, BD (f), BL (f), out, BL (f), &len, NULL, &removed,
      &err);

  if (code < 0) {
    GBytes *gone = t_output (h265, BD (f), BL (f), &want_removed);

    fail_unless (ok, "%s: %s", what, err ? err->message : "");
    fail_unless (len == BL (want) && memcmp (out, BD (want), len) == 0,
        "%s: the output is not the authenticated frame", what);
    fail_unless_equals_int (removed, want_removed);
    g_bytes_unref (gone);
  } else {
    fail_if (ok, "%s was accepted", what);
    fail_unless (g_error_matches (err, GST_E2EE_SFRAME_ERROR, code), "%s: %s", what,
        err->message);
    g_clear_error (&err);
  }
  g_free (out);
  g_bytes_unref (f);
  g_ptr_array_unref (v);
}

/* A NAL unit of @type (AUD, end of sequence or stream) of @size bytes of any content:
 * never 00 00 0x, never ending in 00, so it stays one NAL unit. */
static GBytes *
junk_nal (gboolean h265, guint type, gsize size, guint32 seed)
{
  GRand *rand = g_rand_new_with_seed (seed);
  guint8 *d = g_malloc (size);
  gsize i;

  for (i = 0; i < size; i++)
    d[i] = g_rand_int_range (rand, 1, 256);
  if (h265) {
    d[0] = type << 1;
    d[1] = 0x01;
  } else {
    d[0] = 0x60 | type;
  }
  g_rand_free (rand);
  return g_bytes_new_take (d, size);
}

static void
check_rewrites (gboolean h265)
{
  const gint AUTH = GST_E2EE_SFRAME_ERROR_AUTHENTICATION;
  GstE2eeLayoutCodec codec = h265 ? GST_E2EE_LAYOUT_CODEC_H265 :
      GST_E2EE_LAYOUT_CODEC_H264;
  guint sps_t = h265 ? 33 : 7, pps_t = h265 ? 34 : 8, slice_t = h265 ? 20 : 5;
  guint hdr = h265 ? 2 : 1, sps, pps, slice;
  GstE2eeSFrameKey *key = new_key (SUITE, KID);
  guint aud_t = h265 ? 35 : 9, eos_t = h265 ? 36 : 10, eob_t = h265 ? 37 : 11;
  GBytes *in = first_idr (h265), *e, *plain, *want;
  GPtrArray *en, *v, *pn;
  gsize len;
  guint8 *out;

  out = encrypt_frame (key, codec, BD (in), BL (in), &len);
  e = g_bytes_new_take (out, len);
  en = t_all_nals (h265, e);
  sps = find_type (h265, en, sps_t);
  pps = find_type (h265, en, pps_t);
  slice = find_type (h265, en, slice_t);
  fail_unless (slice + 1 < en->len && t_type (h265, BD (en->pdata[slice + 1])) == slice_t);
  /* Every accepted variant below decrypts to exactly this: the sender's frame as the
   * variants frame it (4-byte start codes), less its AUD. */
  pn = t_all_nals (h265, in);
  plain = t_join (pn);
  want = t_output (h265, BD (plain), BL (plain), NULL);
  g_ptr_array_unref (pn);

  /* What depayloaders and payloaders do: accepted. 4-byte start codes everywhere and no
   * zero padding (rtph264depay), t_join's framing: */
  try_variant (key, h265, copy_nals (en), want, -1, "4-byte start codes");
  /* sprop-parameter-sets prepended (rtph264depay, first access unit) */
  v = copy_nals (en);
  g_ptr_array_insert (v, 0, g_bytes_ref (en->pdata[pps]));
  g_ptr_array_insert (v, 0, g_bytes_ref (en->pdata[sps]));
  try_variant (key, h265, v, want, -1, "parameter sets prepended");
  /* parameter sets inserted before the IDR slice (rtph264pay config-interval) */
  v = copy_nals (en);
  g_ptr_array_insert (v, slice, g_bytes_ref (en->pdata[pps]));
  g_ptr_array_insert (v, slice, g_bytes_ref (en->pdata[sps]));
  try_variant (key, h265, v, want, -1, "parameter sets inserted");
  /* an access unit delimiter added, or dropped */
  v = copy_nals (en);
  g_ptr_array_insert (v, 0, g_bytes_new_static (h265 ? "\x46\x01\x10" : "\x09\x10",
          h265 ? 3 : 2));
  try_variant (key, h265, v, want, -1, "AUD added");
  if (!h265) {
    v = copy_nals (en);
    g_ptr_array_remove_index (v, find_type (FALSE, v, 9));
    try_variant (key, h265, v, want, -1, "AUD dropped");
  }

  /* What an attacker may do, as the layout authenticates neither framing NAL units
   * nor where parameter sets are: accepted, but none of it reaches the output. */
  v = copy_nals (en);
  g_ptr_array_insert (v, slice + 1, junk_nal (h265, eos_t, 40, 1));
  try_variant (key, h265, v, want, -1, "end of sequence of 40 bytes between slices");
  v = copy_nals (en);
  g_ptr_array_add (v, junk_nal (h265, eob_t, 7, 2));
  try_variant (key, h265, v, want, -1, "end of stream of 7 bytes at the end");
  v = copy_nals (en);
  g_ptr_array_insert (v, slice, junk_nal (h265, aud_t, 300, 3));
  g_ptr_array_insert (v, 0, junk_nal (h265, eos_t, h265 ? 2 : 1, 4));
  try_variant (key, h265, v, want, -1, "AUD of 300 bytes before a slice, EOS first");
  v = copy_nals (en);
  g_ptr_array_add (v, g_bytes_ref (en->pdata[sps]));
  g_ptr_array_remove_index (v, sps);
  try_variant (key, h265, v, want, -1, "SPS moved after the slices");
  v = copy_nals (en);
  g_ptr_array_insert (v, slice + 1, g_bytes_ref (en->pdata[pps]));
  g_ptr_array_insert (v, 0, g_bytes_ref (en->pdata[pps]));
  g_ptr_array_add (v, g_bytes_ref (en->pdata[pps]));
  try_variant (key, h265, v, want, -1, "PPS three more times");
  v = copy_nals (en);
  v->pdata[sps] = en->pdata[pps];
  v->pdata[pps] = en->pdata[sps];
  try_variant (key, h265, v, want, -1, "PPS before SPS");
  if (h265) {
    guint vps = find_type (TRUE, en, 32);

    v = copy_nals (en);
    g_ptr_array_add (v, g_bytes_ref (en->pdata[vps]));
    g_ptr_array_remove_index (v, vps);
    try_variant (key, h265, v, want, -1, "VPS moved after the slices");
  }

  /* What an attacker may not do: rejected. */
  v = copy_nals (en);
  g_ptr_array_insert (v, 0, altered (en->pdata[sps], BL (en->pdata[sps]) - 2, 0x10));
  try_variant (key, h265, v, want, AUTH, "an altered SPS added");
  v = copy_nals (en);
  replace_nal (v, sps, altered (en->pdata[sps], BL (en->pdata[sps]) - 2, 0x10));
  try_variant (key, h265, v, want, AUTH, "SPS altered");
  v = copy_nals (en);
  g_ptr_array_remove_index (v, pps);
  try_variant (key, h265, v, want, AUTH, "PPS dropped");
  v = copy_nals (en);
  v->pdata[slice] = en->pdata[slice + 1];
  v->pdata[slice + 1] = en->pdata[slice];
  try_variant (key, h265, v, want, AUTH, "slices swapped");
  v = copy_nals (en);
  g_ptr_array_insert (v, slice, g_bytes_ref (en->pdata[slice]));
  try_variant (key, h265, v, want, AUTH, "slice duplicated");
  v = copy_nals (en);
  g_ptr_array_remove_index (v, slice + 1);
  try_variant (key, h265, v, want, AUTH, "slice dropped");
  v = copy_nals (en);
  replace_nal (v, slice, altered (en->pdata[slice], hdr - 1, h265 ? 0x01 : 0x20));
  try_variant (key, h265, v, want, AUTH, "NAL header altered");

  /* The last ciphertext byte of one slice moved to the front of the next, both
   * re-escaped canonically: the concatenated ciphertext and the clear bytes are what
   * was sent, only the boundary moved. The region sizes in the metadata catch it. */
  {
    GByteArray *p0 = g_byte_array_new (), *p1 = g_byte_array_new ();
    GByteArray *n0 = g_byte_array_new (), *n1 = g_byte_array_new ();
    const guint8 *a = BD (en->pdata[slice]), *b = BD (en->pdata[slice + 1]);
    gsize c0 = t_clear (h265, a, BL (en->pdata[slice]), hdr);
    gsize c1 = t_clear (h265, b, BL (en->pdata[slice + 1]), hdr);

    fail_unless (t_unescape (p0, a + c0, BL (en->pdata[slice]) - c0, t_zeros (a, c0)));
    fail_unless (t_unescape (p1, b + c1, BL (en->pdata[slice + 1]) - c1,
            t_zeros (b, c1)));
    g_byte_array_prepend (p1, p0->data + p0->len - 1, 1);
    g_byte_array_set_size (p0, p0->len - 1);
    g_byte_array_append (n0, a, c0);
    t_escape (n0, p0->data, p0->len, t_zeros (a, c0));
    g_byte_array_append (n1, b, c1);
    t_escape (n1, p1->data, p1->len, t_zeros (b, c1));
    v = copy_nals (en);
    replace_nal (v, slice, g_byte_array_free_to_bytes (n0));
    replace_nal (v, slice + 1, g_byte_array_free_to_bytes (n1));
    try_variant (key, h265, v, want, AUTH, "region boundary moved");
    g_byte_array_unref (p0);
    g_byte_array_unref (p1);
  }

  g_bytes_unref (want);
  g_bytes_unref (plain);
  g_ptr_array_unref (en);
  g_bytes_unref (e);
  g_bytes_unref (in);
  gst_e2ee_sframe_key_unref (key);
}

GST_START_TEST (test_h264_rewrites)
{
  if (have_elements ("x264enc"))
    check_rewrites (FALSE);
}

GST_END_TEST;

GST_START_TEST (test_h265_rewrites)
{
  if (have_elements ("x265enc"))
    check_rewrites (TRUE);
}

GST_END_TEST;

/* A frame with nothing to encrypt gets a filler NAL unit carrying header and tag. */
GST_START_TEST (test_h26x_carrier)
{
  static const guint8 h264[] = {
    0x00, 0x00, 0x00, 0x01, 0x09, 0x10,
    0x00, 0x00, 0x00, 0x01, 0x67, 0x42, 0xc0, 0x1e, 0xd9, 0x00, 0xa0, 0x47, 0xfe, 0xc8,
    0x00, 0x00, 0x01, 0x68, 0xce, 0x3c, 0x80,
    0x00, 0x00, 0x01, 0x0c             /* an empty filler NAL unit: no region */
  };
  static const guint8 h265[] = {
    0x00, 0x00, 0x00, 0x01, 0x40, 0x01, 0x0c, 0x01, 0xff, 0xff, 0x01, 0x60,
    0x00, 0x00, 0x01, 0x44, 0x01, 0xc1, 0x72, 0xb4, 0x62, 0x40, 0x00
  };
  GstE2eeSFrameKey *key = new_key (SUITE, 300);
  guint8 *out;
  gsize len, hl;

  out = encrypt_frame (key, GST_E2EE_LAYOUT_CODEC_H264, h264, sizeof (h264), &len);
  fail_unless (memcmp (out, h264, sizeof (h264)) == 0);
  fail_unless (memcmp (out + sizeof (h264), "\x00\x00\x00\x01\x0c", 5) == 0);
  fail_unless (gst_e2ee_sframe_header_parse (out + sizeof (h264) + 5, 17, NULL, NULL,
          &hl, NULL));
  spec_check_h26x (key, FALSE, h264, sizeof (h264), out, len);
  assert_round_trip (key, GST_E2EE_LAYOUT_CODEC_H264, out, len, h264, sizeof (h264));
  g_free (out);

  /* the trailing zero byte stays framing, before the carrier */
  out = encrypt_frame (key, GST_E2EE_LAYOUT_CODEC_H265, h265, sizeof (h265), &len);
  fail_unless (memcmp (out, h265, sizeof (h265)) == 0);
  fail_unless (memcmp (out + sizeof (h265), "\x00\x00\x00\x01\x4c\x01", 6) == 0);
  spec_check_h26x (key, TRUE, h265, sizeof (h265), out, len);
  assert_round_trip (key, GST_E2EE_LAYOUT_CODEC_H265, out, len, h265, sizeof (h265));
  g_free (out);
  gst_e2ee_sframe_key_unref (key);
}

GST_END_TEST;

/* Every header size from 1 to 17 bytes, for every codec and cipher suite. */
GST_START_TEST (test_header_sizes)
{
  static const guint64 kids[] = { 0, 7, 8, 0xff, 0x100, G_MAXUINT64 };
  static const guint64 ctrs[] = { 0, 7, 8, 0x10000, G_GUINT64_CONSTANT (1) << 56 };
  static const guint8 vp8[] = { 0x50, 0x42, 0x00, 0x9d, 0x01, 0x2a, 0x40, 0x00, 0x30,
    0x00, 0x12, 0x34
  };
  static const guint8 vp9[] = { 0x86, 0x00, 0x40, 0x92, 0x00, 0x00 };
  static const guint8 opus[] = { 0xfc, 0xff, 0xfe };
  static const guint8 h264[] = { 0x00, 0x00, 0x01, 0x06, 0x00, 0x00, 0x00, 0x01, 0x01,
    0x9a, 0x00, 0x00, 0x03, 0x00, 0x80
  };
  static const guint8 h265[] = { 0x00, 0x00, 0x01, 0x4e, 0x01, 0x00, 0x00, 0x01, 0x26,
    0x01, 0xaf, 0x00, 0x00, 0x03, 0x01, 0x80
  };
  static const struct
  {
    GstE2eeLayoutCodec codec;
    const guint8 *d;
    gsize n;
  } frames[] = {
    {GST_E2EE_LAYOUT_CODEC_NONE, opus, sizeof (opus)},
    {GST_E2EE_LAYOUT_CODEC_VP8, vp8, sizeof (vp8)},
    {GST_E2EE_LAYOUT_CODEC_VP9, vp9, sizeof (vp9)},
    {GST_E2EE_LAYOUT_CODEC_OPUS, opus, sizeof (opus)},
    {GST_E2EE_LAYOUT_CODEC_H264, h264, sizeof (h264)},
    {GST_E2EE_LAYOUT_CODEC_H265, h265, sizeof (h265)},
  };
  gint suite;
  guint k, c, f;

  for (suite = 1; suite <= 5; suite++) {
    for (k = 0; k < G_N_ELEMENTS (kids); k++) {
      for (c = 0; c < G_N_ELEMENTS (ctrs); c++) {
        GstE2eeSFrameKey *key = new_key (suite, kids[k]);

        fail_unless (gst_e2ee_sframe_key_skip_counter_to (key, ctrs[c], NULL));
        for (f = 0; f < G_N_ELEMENTS (frames); f++) {
          guint64 kid, ctr;
          gsize len;
          guint8 *out = encrypt_frame (key, frames[f].codec, frames[f].d, frames[f].n,
              &len);

          fail_unless (gst_e2ee_layout_parse_header (frames[f].codec, out, len, &kid,
                  &ctr, NULL));
          fail_unless_equals_uint64 (kid, kids[k]);
          fail_unless_equals_uint64 (ctr, ctrs[c] + f);
          if (frames[f].codec == GST_E2EE_LAYOUT_CODEC_H264)
            spec_check_h26x (key, FALSE, frames[f].d, frames[f].n, out, len);
          else if (frames[f].codec == GST_E2EE_LAYOUT_CODEC_H265)
            spec_check_h26x (key, TRUE, frames[f].d, frames[f].n, out, len);
          else if (frames[f].codec != GST_E2EE_LAYOUT_CODEC_NONE)
            spec_check_prefix (key, frames[f].codec, frames[f].d, frames[f].n, out,
                len);
          assert_round_trip (key, frames[f].codec, out, len, frames[f].d, frames[f].n);
          g_free (out);
        }
        gst_e2ee_sframe_key_unref (key);
      }
    }
  }
}

GST_END_TEST;

/* ---- Errors --------------------------------------------------------------- */

static void
assert_encrypt_fails (GstE2eeSFrameKey * key, GstE2eeLayoutCodec codec,
    const guint8 * in, gsize n, gsize out_size, GQuark domain, gint code)
{
  guint8 out[256];
  GError *err = NULL;
  gsize len = 12345;
  guint64 next = gst_e2ee_sframe_key_get_next_counter (key);

  fail_if (gst_e2ee_layout_encrypt (key, codec, in, n, out, MIN (out_size, sizeof (out)),
          &len, NULL, &err));
  fail_unless (g_error_matches (err, domain, code), "codec %d: %s", codec,
      err ? err->message : "no error");
  fail_unless_equals_uint64 (len, 12345);
  /* a failed frame uses no counter */
  fail_unless_equals_uint64 (gst_e2ee_sframe_key_get_next_counter (key), next);
  g_clear_error (&err);
}

static void
assert_decrypt_fails (GstE2eeSFrameKey * key, GstE2eeLayoutCodec codec,
    const guint8 * in, gsize n, gint code)
{
  guint8 *out = g_malloc (n + 1);
  GError *err = NULL;
  gsize len = 12345;
  guint64 kid, ctr;

  fail_if (gst_e2ee_layout_decrypt (key, codec, in, n, out, n, &len, NULL, &err));
  fail_unless (g_error_matches (err, GST_E2EE_SFRAME_ERROR, code), "codec %d: %s",
      codec, err ? err->message : "no error");
  fail_unless_equals_uint64 (len, 12345);
  g_clear_error (&err);
  if (code == GST_E2EE_SFRAME_ERROR_MALFORMED_HEADER) {
    fail_if (gst_e2ee_layout_parse_header (codec, in, n, &kid, &ctr, &err));
    fail_unless (g_error_matches (err, GST_E2EE_SFRAME_ERROR, code));
    g_clear_error (&err);
  }
  g_free (out);
}

GST_START_TEST (test_errors)
{
  GstE2eeSFrameKey *key = new_key (SUITE, KID), *other = new_key (SUITE, KID + 1);
  const GQuark L = GST_E2EE_LAYOUT_ERROR, S = GST_E2EE_SFRAME_ERROR;
  const gint MF = GST_E2EE_LAYOUT_ERROR_MALFORMED_FRAME;
  const gint INVAL = GST_E2EE_SFRAME_ERROR_INVALID_ARGUMENT;
  static const guint8 vp8_key[] = { 0x50, 0x42, 0x00, 0x9d, 0x01, 0x2a, 0x40, 0x00,
    0x30, 0x00, 0x12
  };
  static const guint8 h264[] = { 0x00, 0x00, 0x01, 0x65, 0xb8, 0x88, 0x84 };
  static const guint8 h264_ps[] = { 0x00, 0x00, 0x01, 0x67, 0x42, 0x00, 0x00, 0x01,
    0x68, 0xce
  };
  guint8 out[256], bad[256], *e;
  gsize len, elen, hl;
  GError *err = NULL;

  /* not frames of the codec */
  assert_encrypt_fails (key, GST_E2EE_LAYOUT_CODEC_VP8, vp8_key, 2, 256, L, MF);
  assert_encrypt_fails (key, GST_E2EE_LAYOUT_CODEC_VP8, vp8_key, 9, 256, L, MF);
  memcpy (bad, vp8_key, sizeof (vp8_key));
  bad[4] = 0x02;
  assert_encrypt_fails (key, GST_E2EE_LAYOUT_CODEC_VP8, bad, sizeof (vp8_key), 256, L,
      MF);
  assert_encrypt_fails (key, GST_E2EE_LAYOUT_CODEC_VP9, (const guint8 *) "\x42", 1,
      256, L, MF);
  assert_encrypt_fails (key, GST_E2EE_LAYOUT_CODEC_VP9,
      (const guint8 *) "\x82\x49\x83", 3, 256, L, MF);
  assert_encrypt_fails (key, GST_E2EE_LAYOUT_CODEC_VP9,
      (const guint8 *) "\x82\x49\x83\x43\x00\x00\x00\x00\x00\x00\x00", 11, 256, L, MF);
  assert_encrypt_fails (key, GST_E2EE_LAYOUT_CODEC_OPUS, out, 0, 256, L, MF);
  assert_encrypt_fails (key, GST_E2EE_LAYOUT_CODEC_H264, h264 + 1, 5, 256, L, MF);
  assert_encrypt_fails (key, GST_E2EE_LAYOUT_CODEC_H264,
      (const guint8 *) "\x07\x00\x00\x01\x65\x88", 6, 256, L, MF);
  assert_encrypt_fails (key, GST_E2EE_LAYOUT_CODEC_H264,
      (const guint8 *) "\x00\x00\x01\x65\x00\x00\x01", 7, 256, L, MF);
  assert_encrypt_fails (key, GST_E2EE_LAYOUT_CODEC_H264,
      (const guint8 *) "\x00\x00\x01\x00\x00\x01\x65", 7, 256, L, MF);
  /* the test's own finder of such frames (check_real_stream() under valgrind) */
  fail_unless (has_empty_nal ((const guint8 *) "\x00\x00\x01\x00\x00\x01\x65", 7));
  fail_unless (has_empty_nal ((const guint8 *) "\x00\x00\x01\x65\x00\x00\x01", 7));
  fail_unless (has_empty_nal ((const guint8 *) "\x00\x00\x01\x65\x00\x00\x01\x00",
          8));
  fail_if (has_empty_nal ((const guint8 *) "\x00\x00\x00\x01\x65\x88\x00\x00\x01"
          "\x41\x9a\x00", 12));
  fail_if (has_empty_nal (h264, sizeof (h264)));
  /* type 20: a 4-byte header in 3 bytes */
  assert_encrypt_fails (key, GST_E2EE_LAYOUT_CODEC_H264,
      (const guint8 *) "\x00\x00\x01\x74\x01\x02", 6, 256, L, MF);
  assert_encrypt_fails (key, GST_E2EE_LAYOUT_CODEC_H265,
      (const guint8 *) "\x00\x00\x01\x26", 4, 256, L, MF);
  assert_encrypt_fails (key, GST_E2EE_LAYOUT_CODEC_H264, out, 0, 256, L, MF);

  /* output too small */
  assert_encrypt_fails (key, GST_E2EE_LAYOUT_CODEC_VP8, vp8_key, sizeof (vp8_key), 5, S,
      INVAL);
  assert_encrypt_fails (key, GST_E2EE_LAYOUT_CODEC_VP8, vp8_key, sizeof (vp8_key), 20,
      S, INVAL);
  assert_encrypt_fails (key, GST_E2EE_LAYOUT_CODEC_H264, h264, sizeof (h264),
      gst_e2ee_layout_get_max_size (GST_E2EE_LAYOUT_CODEC_H264, key,
          sizeof (h264)) / 2, S, INVAL);
  /* output overlapping the input */
  memcpy (bad, h264, sizeof (h264));
  fail_if (gst_e2ee_layout_encrypt (key, GST_E2EE_LAYOUT_CODEC_H264, bad,
          sizeof (h264), bad + 2, 200, &len, NULL, &err));
  fail_unless (g_error_matches (err, S, INVAL));
  g_clear_error (&err);
  fail_unless_equals_uint64 (gst_e2ee_sframe_key_get_next_counter (key), 0);

  /* receiving VP8 */
  e = encrypt_frame (key, GST_E2EE_LAYOUT_CODEC_VP8, vp8_key, sizeof (vp8_key), &elen);
  assert_decrypt_fails (other, GST_E2EE_LAYOUT_CODEC_VP8, e, elen,
      GST_E2EE_SFRAME_ERROR_UNKNOWN_KID);
  assert_decrypt_fails (key, GST_E2EE_LAYOUT_CODEC_VP8, e, 9,
      GST_E2EE_SFRAME_ERROR_MALFORMED_HEADER);
  assert_decrypt_fails (key, GST_E2EE_LAYOUT_CODEC_VP8, e, 13,
      GST_E2EE_SFRAME_ERROR_TRUNCATED);
  memcpy (bad, e, elen);
  bad[1] ^= 0x10;               /* a clear byte: authenticated */
  assert_decrypt_fails (key, GST_E2EE_LAYOUT_CODEC_VP8, bad, elen,
      GST_E2EE_SFRAME_ERROR_AUTHENTICATION);
  /* decrypted as Opus, the clear prefix is 1 byte and the header is read from the
   * frame tag: the layout must match the sender's */
  fail_if (gst_e2ee_layout_decrypt (key, GST_E2EE_LAYOUT_CODEC_OPUS, e, elen, out,
          sizeof (out), &len, NULL, NULL));
  fail_if (gst_e2ee_layout_decrypt (key, GST_E2EE_LAYOUT_CODEC_VP8, e, elen, out,
          sizeof (vp8_key) - 1, &len, NULL, &err));
  fail_unless (g_error_matches (err, S, INVAL));
  g_clear_error (&err);
  g_free (e);

  /* receiving H.264 */
  e = encrypt_frame (key, GST_E2EE_LAYOUT_CODEC_H264, h264, sizeof (h264), &elen);
  assert_decrypt_fails (other, GST_E2EE_LAYOUT_CODEC_H264, e, elen,
      GST_E2EE_SFRAME_ERROR_UNKNOWN_KID);
  memcpy (bad, e, elen);
  bad[3] ^= 0x20;               /* nal_ref_idc */
  assert_decrypt_fails (key, GST_E2EE_LAYOUT_CODEC_H264, bad, elen,
      GST_E2EE_SFRAME_ERROR_AUTHENTICATION);
  /* header and tag cut short, re-escaped canonically; the slice prefix is b8 */
  {
    GByteArray *s = g_byte_array_new (), *f = g_byte_array_new ();

    fail_unless (t_unescape (s, e + 5, elen - 5, 0));
    fail_unless (gst_e2ee_sframe_header_parse (s->data, s->len, NULL, NULL, &hl, NULL));
    g_byte_array_append (f, e, 5);
    t_escape (f, s->data, hl + 5, 0);
    assert_decrypt_fails (key, GST_E2EE_LAYOUT_CODEC_H264, f->data, f->len,
        GST_E2EE_SFRAME_ERROR_TRUNCATED);
    g_byte_array_unref (f);
    g_byte_array_unref (s);
  }
  /* not Annex B */
  assert_decrypt_fails (key, GST_E2EE_LAYOUT_CODEC_H264, e + 3, elen - 3,
      GST_E2EE_SFRAME_ERROR_MALFORMED_HEADER);
  g_free (e);
  /* parameter sets only: no region, so no SFrame header */
  assert_decrypt_fails (key, GST_E2EE_LAYOUT_CODEC_H264, h264_ps, sizeof (h264_ps),
      GST_E2EE_SFRAME_ERROR_MALFORMED_HEADER);
  /* escaping that the encryptor never writes: an escape before a byte above 03, a
   * region ending in 03 after a byte other than 00 or 03, 00 00 02 */
  assert_decrypt_fails (key, GST_E2EE_LAYOUT_CODEC_H264,
      (const guint8 *) "\x00\x00\x01\x06\x10\x00\x00\x03\x04\x55", 10,
      GST_E2EE_SFRAME_ERROR_MALFORMED_HEADER);
  assert_decrypt_fails (key, GST_E2EE_LAYOUT_CODEC_H264,
      (const guint8 *) "\x00\x00\x01\x06\x10\x20\x30\x03", 8,
      GST_E2EE_SFRAME_ERROR_MALFORMED_HEADER);
  assert_decrypt_fails (key, GST_E2EE_LAYOUT_CODEC_H264,
      (const guint8 *) "\x00\x00\x01\x06\x10\x00\x00\x02\x55", 9,
      GST_E2EE_SFRAME_ERROR_MALFORMED_HEADER);
  /* a slice whose first header fields run past the NAL unit */
  assert_decrypt_fails (key, GST_E2EE_LAYOUT_CODEC_H264,
      (const guint8 *) "\x00\x00\x01\x65\x00\x00\x03\x01", 8,
      GST_E2EE_SFRAME_ERROR_MALFORMED_HEADER);
  assert_encrypt_fails (key, GST_E2EE_LAYOUT_CODEC_H264,
      (const guint8 *) "\x00\x00\x01\x65\x00\x00\x03\x01", 8, 256, L, MF);
  assert_encrypt_fails (key, GST_E2EE_LAYOUT_CODEC_H265,
      (const guint8 *) "\x00\x00\x01\x26\x01", 5, 256, L, MF);

  gst_e2ee_sframe_key_unref (other);
  gst_e2ee_sframe_key_unref (key);
}

GST_END_TEST;

GST_START_TEST (test_codec_from_caps)
{
  static const struct
  {
    const gchar *caps;
    GstE2eeLayoutCodec codec;
  } cases[] = {
    {"video/x-vp8, width=320", GST_E2EE_LAYOUT_CODEC_VP8},
    {"video/x-vp9, profile=(string)0", GST_E2EE_LAYOUT_CODEC_VP9},
    {"audio/x-opus, channels=2", GST_E2EE_LAYOUT_CODEC_OPUS},
    {"video/x-h264, stream-format=byte-stream, alignment=au",
        GST_E2EE_LAYOUT_CODEC_H264},
    {"video/x-h264, stream-format=byte-stream", GST_E2EE_LAYOUT_CODEC_H264},
    {"video/x-h264, stream-format=byte-stream, alignment=nal",
        GST_E2EE_LAYOUT_CODEC_NONE},
    {"video/x-h264, stream-format=avc, alignment=au", GST_E2EE_LAYOUT_CODEC_NONE},
    {"video/x-h264", GST_E2EE_LAYOUT_CODEC_NONE},
    {"video/x-h264, stream-format={avc,byte-stream}", GST_E2EE_LAYOUT_CODEC_NONE},
    {"video/x-h265, stream-format=byte-stream, alignment=au",
        GST_E2EE_LAYOUT_CODEC_H265},
    {"video/x-h265, stream-format=hvc1, alignment=au", GST_E2EE_LAYOUT_CODEC_NONE},
    {"application/x-sframe, original-media-type=video/x-vp8",
        GST_E2EE_LAYOUT_CODEC_VP8},
    {"application/x-sframe, original-media-type=video/x-h264, "
          "stream-format=byte-stream, alignment=au", GST_E2EE_LAYOUT_CODEC_H264},
    {"application/x-sframe", GST_E2EE_LAYOUT_CODEC_NONE},
    {"video/x-av1", GST_E2EE_LAYOUT_CODEC_NONE},
    {"audio/x-raw", GST_E2EE_LAYOUT_CODEC_NONE},
  };
  guint i;
  GstCaps *caps;

  for (i = 0; i < G_N_ELEMENTS (cases); i++) {
    caps = gst_caps_from_string (cases[i].caps);
    fail_unless (caps != NULL);
    fail_unless_equals_int (gst_e2ee_layout_codec_from_caps (caps), cases[i].codec);
    gst_caps_unref (caps);
  }
  fail_unless_equals_int (gst_e2ee_layout_codec_from_caps (NULL),
      GST_E2EE_LAYOUT_CODEC_NONE);
  caps = gst_caps_new_any ();
  fail_unless_equals_int (gst_e2ee_layout_codec_from_caps (caps),
      GST_E2EE_LAYOUT_CODEC_NONE);
  gst_caps_unref (caps);

  /* the enum's GType names the codecs by nick */
  {
    GEnumClass *klass = g_type_class_ref (GST_TYPE_E2EE_LAYOUT_CODEC);

    fail_unless_equals_string (g_enum_get_value (klass,
            GST_E2EE_LAYOUT_CODEC_H264)->value_nick, "h264");
    fail_unless_equals_string (g_enum_get_value (klass,
            GST_E2EE_LAYOUT_CODEC_NONE)->value_nick, "none");
    g_type_class_unref (klass);
  }
}

GST_END_TEST;

GST_START_TEST (test_bytes_api)
{
  GstE2eeSFrameKey *key = new_key (SUITE, KID);
  GBytes *in = g_bytes_new_static ("\x00\x00\x00\x01\x65\x88\x84\x00\x00\x03\x01", 11);
  GBytes *e, *d;
  GError *err = NULL;

  e = gst_e2ee_layout_encrypt_bytes (key, GST_E2EE_LAYOUT_CODEC_H264, in, &err);
  g_assert_no_error (err);
  spec_check_h26x (key, FALSE, BD (in), BL (in), BD (e), BL (e));
  d = gst_e2ee_layout_decrypt_bytes (key, GST_E2EE_LAYOUT_CODEC_H264, e, &err);
  g_assert_no_error (err);
  fail_unless (g_bytes_equal (d, in));
  g_bytes_unref (d);
  d = gst_e2ee_layout_decrypt_bytes (key, GST_E2EE_LAYOUT_CODEC_VP8, e, &err);
  fail_unless (d == NULL && err != NULL);
  g_clear_error (&err);
  g_bytes_unref (e);
  g_bytes_unref (in);
  gst_e2ee_sframe_key_unref (key);
}

GST_END_TEST;

/* ---- The real payloaders and depayloaders --------------------------------- */

/* Pushes @frames through @launch (a payloader and its depayloader) and returns what comes
 * out; *first_error is the first flow error, with how many frames were pushed before. */
static GPtrArray *
through (const gchar * launch, GstCaps * caps, const gchar * sink_caps,
    GPtrArray * frames, GstFlowReturn * flow, guint * pushed)
{
  GstHarness *h;
  GPtrArray *out = g_ptr_array_new_with_free_func ((GDestroyNotify) g_bytes_unref);
  GstBuffer *b;
  guint i;
#if defined(__SANITIZE_ADDRESS__)
  /* rtph265depay (gst-plugins-good 1.22.0) leaks the source caps it makes from the
   * first packets; nothing of gst-e2ee runs in this harness, so LeakSanitizer leaves
   * this thread's allocations alone until it is torn down (tests/valgrind/gst.supp has
   * memcheck's equivalent). */
  gboolean h265 = strstr (launch, "rtph265depay") != NULL;

  if (h265)
    __lsan_disable ();
#endif
  h = gst_harness_new_parse (launch);

  gst_harness_set_src_caps (h, gst_caps_ref (caps));
  if (sink_caps)
    gst_harness_set_sink_caps_str (h, sink_caps);
  *flow = GST_FLOW_OK;
  for (i = 0; i < frames->len; i++) {
    *flow = gst_harness_push (h, gst_buffer_ref (frames->pdata[i]));
    if (*flow != GST_FLOW_OK)
      break;
  }
  if (pushed)
    *pushed = i;
  gst_harness_push_event (h, gst_event_new_eos ());
  while ((b = gst_harness_try_pull (h))) {
    g_ptr_array_add (out, buffer_bytes (b));
    gst_buffer_unref (b);
  }
  gst_harness_teardown (h);
#if defined(__SANITIZE_ADDRESS__)
  if (h265)
    __lsan_enable ();
#endif
  return out;
}

static GPtrArray *
encrypt_all (GstE2eeSFrameKey * key, GstE2eeLayoutCodec codec, GPtrArray * bufs)
{
  GPtrArray *e = g_ptr_array_new_with_free_func ((GDestroyNotify) gst_buffer_unref);
  guint i;

  for (i = 0; i < bufs->len; i++) {
    GBytes *in = buffer_bytes (bufs->pdata[i]);
    gsize len;
    guint8 *out = encrypt_frame (key, codec, BD (in), BL (in), &len);

    g_ptr_array_add (e, buffer_like (g_bytes_new_take (out, len), bufs->pdata[i]));
    g_bytes_unref (in);
  }
  return e;
}

/* The encrypted frames go through the RTP payloader and depayloader; once decrypted
 * they must be exactly what the same payloader and depayloader make of the plain
 * frames (for Opus and VP9 that is the encoder's frames themselves). */
static void
check_payloader (GstE2eeLayoutCodec codec, const gchar * desc, const gchar * launch,
    const gchar * sink_caps, gboolean identity)
{
  GstE2eeSFrameKey *key = new_key (SUITE, KID);
  GstCaps *caps;
  GPtrArray *bufs = encode (desc, &caps), *e = encrypt_all (key, codec, bufs);
  GPtrArray *plain_out, *enc_out;
  GstFlowReturn flow;
  guint i;

  plain_out = through (launch, caps, sink_caps, bufs, &flow, NULL);
  fail_unless_equals_int (flow, GST_FLOW_OK);
  enc_out = through (launch, caps, sink_caps, e, &flow, NULL);
  fail_unless_equals_int (flow, GST_FLOW_OK);
  fail_unless_equals_int (enc_out->len, bufs->len);
  fail_unless_equals_int (plain_out->len, bufs->len);

  for (i = 0; i < enc_out->len; i++) {
    GBytes *got = enc_out->pdata[i];

    assert_round_trip (key, codec, BD (got), BL (got), BD (plain_out->pdata[i]),
        BL (plain_out->pdata[i]));
    if (identity) {
      GBytes *orig = buffer_bytes (bufs->pdata[i]);

      fail_unless (g_bytes_equal (orig, plain_out->pdata[i]));
      g_bytes_unref (orig);
    }
  }
  g_printerr ("%s: %u encrypted frames through and decrypted\n", launch, enc_out->len);

  g_ptr_array_unref (enc_out);
  g_ptr_array_unref (plain_out);
  g_ptr_array_unref (e);
  g_ptr_array_unref (bufs);
  gst_caps_unref (caps);
  gst_e2ee_sframe_key_unref (key);
}

GST_START_TEST (test_rtp_opus)
{
  GstE2eeSFrameKey *key;
  GstCaps *caps;
  GPtrArray *bufs, *plain, *e, *out;
  GstFlowReturn flow;
  GBytes *toc;
  guint i, short_packets = 0;

  if (!have_elements ("opusenc rtpopuspay rtpopusdepay"))
    return;
  key = new_key (SUITE, KID);
  toc = g_bytes_new_static ("\xf8", 1);
  check_payloader (GST_E2EE_LAYOUT_CODEC_OPUS,
      "audiotestsrc num-buffers=50 ! opusenc", "rtpopuspay ! rtpopusdepay", NULL, TRUE);
  check_payloader (GST_E2EE_LAYOUT_CODEC_OPUS,
      "audiotestsrc num-buffers=20 wave=silence ! opusenc dtx=true",
      "rtpopuspay ! rtpopusdepay", NULL, TRUE);

  /* rtpopuspay dtx=true drops packets of 2 bytes or less as DTX; an encrypted packet
   * is never that short and goes out like any other. */
  bufs = encode ("audiotestsrc num-buffers=20 wave=silence ! opusenc dtx=true", &caps);
  for (i = 0; i < bufs->len; i++)
    if (gst_buffer_get_size (bufs->pdata[i]) <= 2)
      short_packets++;
  plain = g_ptr_array_new_with_free_func ((GDestroyNotify) gst_buffer_unref);
  g_ptr_array_add (plain, buffer_like (g_bytes_ref (toc), bufs->pdata[0]));
  out = through ("rtpopuspay dtx=true ! rtpopusdepay", caps, NULL, plain, &flow, NULL);
  fail_unless_equals_int (out->len, 0);
  g_ptr_array_unref (out);
  e = encrypt_all (key, GST_E2EE_LAYOUT_CODEC_OPUS, plain);
  out = through ("rtpopuspay dtx=true ! rtpopusdepay", caps, NULL, e, &flow, NULL);
  fail_unless_equals_int (out->len, 1);
  assert_round_trip (key, GST_E2EE_LAYOUT_CODEC_OPUS, BD (out->pdata[0]),
      BL (out->pdata[0]), BD (toc), 1);
  g_ptr_array_unref (out);
  g_ptr_array_unref (e);
  e = encrypt_all (key, GST_E2EE_LAYOUT_CODEC_OPUS, bufs);
  out = through ("rtpopuspay dtx=true ! rtpopusdepay", caps, NULL, e, &flow, NULL);
  fail_unless_equals_int (out->len, bufs->len);
  g_printerr ("opusenc dtx=true: %u of %u packets are DTX (<= 2 bytes); encrypted, "
      "rtpopuspay dtx=true sends all %u\n", short_packets, bufs->len, out->len);
  g_ptr_array_unref (out);

  g_ptr_array_unref (e);
  g_ptr_array_unref (plain);
  g_ptr_array_unref (bufs);
  g_bytes_unref (toc);
  gst_caps_unref (caps);
  gst_e2ee_sframe_key_unref (key);
}

GST_END_TEST;

GST_START_TEST (test_rtp_vp9)
{
  GstE2eeSFrameKey *key;
  GstCaps *caps;
  GPtrArray *bufs, *e;
  GstHarness *h;
  GstBuffer *rtp;
  GstMapInfo map;
  const guint8 *p;

  if (!have_elements ("vp9enc rtpvp9pay rtpvp9depay"))
    return;
  key = new_key (SUITE, KID);
  check_payloader (GST_E2EE_LAYOUT_CODEC_VP9,
      "videotestsrc num-buffers=40 pattern=ball ! video/x-raw,format=I420,width=320,"
      "height=240 ! vp9enc deadline=1 keyframe-max-dist=10",
      "rtpvp9pay mtu=400 ! rtpvp9depay", NULL, TRUE);

  /* rtpvp9pay parsed the clear key-frame header: the scalability structure of the first
   * packet (draft-ietf-payload-vp9) carries the real frame size. */
  bufs = encode ("videotestsrc num-buffers=1 ! video/x-raw,format=I420,width=320,"
      "height=240 ! vp9enc deadline=1", &caps);
  e = encrypt_all (key, GST_E2EE_LAYOUT_CODEC_VP9, bufs);
  h = gst_harness_new_parse ("rtpvp9pay picture-id-mode=15-bit");
  gst_harness_set_src_caps (h, gst_caps_ref (caps));
  fail_unless_equals_int (gst_harness_push (h, gst_buffer_ref (e->pdata[0])),
      GST_FLOW_OK);
  rtp = gst_harness_pull (h);
  fail_unless (gst_buffer_map (rtp, &map, GST_MAP_READ));
  p = map.data + 12;            /* no CSRC, no extension */
  fail_unless_equals_int (p[0] & 0xca, 0x8a);   /* I, B, V set; P clear: key frame */
  fail_unless_equals_int (p[3], 0x18);  /* N_S = 0, Y, G */
  fail_unless_equals_int (GST_READ_UINT16_BE (p + 4), 320);
  fail_unless_equals_int (GST_READ_UINT16_BE (p + 6), 240);
  gst_buffer_unmap (rtp, &map);
  gst_buffer_unref (rtp);
  gst_harness_teardown (h);

  g_ptr_array_unref (e);
  g_ptr_array_unref (bufs);
  gst_caps_unref (caps);
  gst_e2ee_sframe_key_unref (key);
}

GST_END_TEST;

GST_START_TEST (test_rtp_h264)
{
  if (!have_elements ("x264enc rtph264pay rtph264depay"))
    return;
  /* mtu=500: FU-A fragments and STAP-A aggregates, four slices a frame; the
   * depayloader rewrites start codes, prepends sprop-parameter-sets to the first
   * access unit, and finds access units by first_mb_in_slice (for every slice but the
   * last, which has the marker bit), which stays clear. */
  check_payloader (GST_E2EE_LAYOUT_CODEC_H264,
      "videotestsrc num-buffers=60 pattern=ball ! video/x-raw,format=I420,width=320,"
      "height=240 ! " X264 " option-string=slices=4 ! " H264_STREAM_CAPS,
      "rtph264pay mtu=500 ! rtph264depay",
      "video/x-h264,stream-format=byte-stream,alignment=au", FALSE);
  /* config-interval=-1: parameter sets inserted before each IDR slice. (With several
   * IDR slices a frame that splits the access unit at the depayloader, for plain
   * streams too; so one slice here.) */
  check_payloader (GST_E2EE_LAYOUT_CODEC_H264,
      "videotestsrc num-buffers=30 pattern=snow ! video/x-raw,format=I420,width=176,"
      "height=144 ! " X264 " ! " H264_STREAM_CAPS,
      "rtph264pay config-interval=-1 aggregate-mode=none ! rtph264depay",
      "video/x-h264,stream-format=byte-stream,alignment=au", FALSE);
}

GST_END_TEST;

GST_START_TEST (test_rtp_h265)
{
  if (!have_elements ("x265enc rtph265pay rtph265depay"))
    return;
  check_payloader (GST_E2EE_LAYOUT_CODEC_H265,
      "videotestsrc num-buffers=40 pattern=ball ! video/x-raw,format=I420,width=320,"
      "height=240 ! " X265 ":slices=4 ! " H265_CAPS,
      "rtph265pay mtu=500 config-interval=-1 ! rtph265depay",
      "video/x-h265,stream-format=byte-stream,alignment=au", FALSE);
}

GST_END_TEST;

/* The measured fact behind the VP8 payloader of gst/rtpsframe: GStreamer's rtpvp8pay
 * parses the first partition, which the codec layout encrypts, and fails. */
GST_START_TEST (test_rtpvp8pay_refuses_codec_layout)
{
  GstE2eeSFrameKey *key;
  GstCaps *caps;
  GPtrArray *bufs, *e, *out;
  GstFlowReturn flow;
  guint pushed;

  if (!have_elements ("vp8enc rtpvp8pay rtpvp8depay"))
    return;
  key = new_key (SUITE, KID);
  bufs = encode ("videotestsrc num-buffers=20 pattern=ball ! video/x-raw,format=I420,"
      "width=160,height=120 ! vp8enc deadline=1", &caps);
  out = through ("rtpvp8pay ! rtpvp8depay", caps, NULL, bufs, &flow, &pushed);
  fail_unless_equals_int (flow, GST_FLOW_OK);
  fail_unless_equals_int (out->len, bufs->len);
  g_ptr_array_unref (out);

  e = encrypt_all (key, GST_E2EE_LAYOUT_CODEC_VP8, bufs);
  out = through ("rtpvp8pay ! rtpvp8depay", caps, NULL, e, &flow, &pushed);
  fail_unless_equals_int (flow, GST_FLOW_ERROR);
  g_printerr ("rtpvp8pay: GST_FLOW_ERROR on encrypted frame %u (a %s frame)\n", pushed,
      GST_BUFFER_FLAG_IS_SET (e->pdata[pushed], GST_BUFFER_FLAG_DELTA_UNIT) ? "delta" :
      "key");
  g_ptr_array_unref (out);
  /* GStreamer 1.22's rtpvp8pay returns the error without dropping the buffer it failed
   * on: release that reference for it, so that a leak check sees only our own. */
  if (GST_MINI_OBJECT_REFCOUNT_VALUE (e->pdata[pushed]) > 1)
    gst_buffer_unref (e->pdata[pushed]);

  g_ptr_array_unref (e);
  g_ptr_array_unref (bufs);
  gst_caps_unref (caps);
  gst_e2ee_sframe_key_unref (key);
}

GST_END_TEST;

static Suite *
layout_suite (void)
{
  Suite *s = suite_create ("layout");
  TCase *tc = tcase_create ("general");

  suite_add_tcase (s, tc);
  tcase_add_test (tc, test_codec_from_caps);
  tcase_add_test (tc, test_vp8_real);
  tcase_add_test (tc, test_vp9_real);
  tcase_add_test (tc, test_vp9_headers);
  tcase_add_test (tc, test_opus_real);
  tcase_add_test (tc, test_h264_real);
  tcase_add_test (tc, test_h265_real);
  tcase_add_test (tc, test_h264_escape_stress);
  tcase_add_test (tc, test_h265_escape_stress);
  tcase_add_test (tc, test_h26x_random_frames);
  tcase_add_test (tc, test_h26x_carrier);
  tcase_add_test (tc, test_header_sizes);
  tcase_add_test (tc, test_bit_flips);
  tcase_add_test (tc, test_h264_rewrites);
  tcase_add_test (tc, test_h265_rewrites);
  tcase_add_test (tc, test_errors);
  tcase_add_test (tc, test_bytes_api);
  tcase_add_test (tc, test_rtp_opus);
  tcase_add_test (tc, test_rtp_vp9);
  tcase_add_test (tc, test_rtp_h264);
  tcase_add_test (tc, test_rtp_h265);
  tcase_add_test (tc, test_rtpvp8pay_refuses_codec_layout);
  return s;
}

GST_CHECK_MAIN_WITH_SKIPS (layout);
