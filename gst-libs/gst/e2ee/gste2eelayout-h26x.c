/* gst-e2ee: codec-aware SFrame layout for H.264 and H.265 byte-streams (Annex B)
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * docs/layout.md is the specification; the comments here say why it is so.
 *
 * Slices keep their first header fields clear: rtph264depay and rtph265depay read the
 * first bit to find access unit boundaries, and WebRTC receivers the PPS ID.
 *
 * RTP payloaders and depayloaders rewrite the Annex B framing (rtph264depay writes a
 * 4-byte start code before every NAL unit and drops zero padding), insert parameter sets
 * (rtph264depay prepends sprop-parameter-sets to the first access unit, config-interval
 * inserts them before IDR frames) and may add or drop access unit delimiters. So the
 * metadata authenticates the NAL units that carry content, in order, and the parameter
 * sets as a set (sorted, duplicates removed), and nothing of the framing.
 *
 * What the metadata does not authenticate must not reach a decoder either: the receiver
 * passes on only the authenticated NAL units, in a form that depends on nothing else
 * (each distinct parameter set once, ahead of the rest), and drops AUDs, end of
 * sequence/stream NAL units and extra parameter-set copies, whoever inserted them.
 */

#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "gste2eelayout.h"
#include "gste2eelayout-private.h"

#include <stdlib.h>
#include <string.h>

typedef enum
{
  NAL_FRAMING,                  /* AUD, end of sequence/stream: clear, not authenticated */
  NAL_PARAM,                    /* parameter sets: clear, authenticated as a set */
  NAL_PROTECTED,                /* header clear and authenticated, payload encrypted */
} NalClass;

typedef struct
{
  gsize lead;                   /* first byte of the framing before the NAL unit */
  gsize start;                  /* first byte of the NAL unit header */
  gsize size;                   /* NAL unit size, trailing zero bytes excluded */
  gsize piece;                  /* decryption: unescaped size of the encrypted region */
  guint8 cls;
  guint8 clear;                 /* bytes kept clear: header, slice header start */
} Nal;

#define NAL_STACK 64

typedef struct
{
  Nal stack[NAL_STACK];
  Nal *v;
  gsize n, cap;
  gsize tail;                   /* framing after the last NAL unit runs from here */
} NalList;

typedef struct
{
  const guint8 *data;
  gsize size;
  gsize lead;                   /* framing bytes before it in the received frame */
} PsRef;

#define PS_STACK 16

/* The NAL unit that carries the SFrame header and tag of a frame with nothing to
 * encrypt: filler data, which every payloader passes on and every decoder may skip
 * (it never reaches one: the receiver removes it). */
static const guint8 carrier_h264[] = { 0x0c };
static const guint8 carrier_h265[] = { 0x4c, 0x01 };   /* FD_NUT, layer 0, TemporalId 0 */

static void
nal_list_init (NalList * l)
{
  l->v = l->stack;
  l->n = 0;
  l->cap = NAL_STACK;
  l->tail = 0;
}

static void
nal_list_clear (NalList * l)
{
  if (l->v != l->stack)
    g_free (l->v);
  l->v = l->stack;
  l->n = 0;
}

static Nal *
nal_list_push (NalList * l)
{
  if (l->n == l->cap) {
    gsize cap = l->cap * 2;

    if (l->v == l->stack)
      l->v = g_memdup2 (l->stack, sizeof (Nal) * l->n);
    l->v = g_renew (Nal, l->v, cap);
    l->cap = cap;
  }
  return &l->v[l->n++];
}

/* Offset of the first 00 of the next 00 00 01 at or after @from, or @size. */
static gsize
find_start_code (const guint8 * d, gsize size, gsize from)
{
  gsize i = from + 2;

  while (i < size) {
    const guint8 *p = memchr (d + i, 0x01, size - i);

    if (p == NULL)
      return size;
    i = p - d;
    if (d[i - 1] == 0 && d[i - 2] == 0)
      return i - 2;
    i++;
  }
  return size;
}

typedef struct
{
  const guint8 *data;
  gsize size, pos;              /* pos: raw bytes consumed */
  guint zeros, left;
  guint8 cur;
} Rbsp;

/* Next RBSP bit of a NAL unit payload, emulation prevention bytes skipped. */
static gboolean
rbsp_bit (Rbsp * r, guint * bit)
{
  if (r->left == 0) {
    if (r->pos < r->size && r->zeros >= 2 && r->data[r->pos] == 0x03) {
      r->pos++;
      r->zeros = 0;
    }
    if (r->pos >= r->size)
      return FALSE;
    r->cur = r->data[r->pos++];
    r->zeros = r->cur == 0 ? r->zeros + 1 : 0;
    r->left = 8;
  }
  r->left--;
  *bit = (r->cur >> r->left) & 1;
  return TRUE;
}

/* Skips one ue(v) Exp-Golomb code. */
static gboolean
rbsp_skip_ue (Rbsp * r)
{
  guint lz = 0, b;

  for (;;) {
    if (!rbsp_bit (r, &b))
      return FALSE;
    if (b)
      break;
    if (++lz > 31)
      return FALSE;
  }
  while (lz--)
    if (!rbsp_bit (r, &b))
      return FALSE;
  return TRUE;
}

/* The slice header fields that stay clear: rtph264depay and rtph265depay read the first
 * bit (first_mb_in_slice == 0, first_slice_segment_in_pic_flag) to find where an access
 * unit starts when the RTP marker does not say so, and WebRTC receivers parse the
 * picture parameter set ID to check they hold the parameter sets an IDR picture needs.
 * Returns the raw payload bytes that hold them, 0 if the NAL unit type has no slice
 * header, or -1 if the fields run past the NAL unit. */
static gboolean
is_slice (gboolean h265, guint type)
{
  if (h265)
    return type <= 9 || (type >= 16 && type <= 21);
  return type == 1 || type == 2 || type == 5 || type == 20 || type == 21;
}

static gssize
slice_prefix (gboolean h265, guint type, const guint8 * payload, gsize size)
{
  Rbsp r = { payload, size, 0, 0, 0, 0 };
  guint b;

  if (!is_slice (h265, type))
    return 0;
  if (h265) {
    /* first_slice_segment_in_pic_flag, no_output_of_prior_pics_flag (IRAP),
     * slice_pic_parameter_set_id */
    if (!rbsp_bit (&r, &b) || (type >= 16 && !rbsp_bit (&r, &b)) || !rbsp_skip_ue (&r))
      return -1;
  } else {
    /* first_mb_in_slice, slice_type, pic_parameter_set_id */
    if (!rbsp_skip_ue (&r) || !rbsp_skip_ue (&r) || !rbsp_skip_ue (&r))
      return -1;
  }
  return r.pos;
}

static void
classify (gboolean h265, const guint8 * nal, guint8 * cls, guint8 * hdr)
{
  guint type;

  if (h265) {
    type = (nal[0] >> 1) & 0x3f;
    *hdr = 2;
    if (type >= 32 && type <= 34)       /* VPS, SPS, PPS */
      *cls = NAL_PARAM;
    else if (type >= 35 && type <= 37)  /* AUD, EOS, EOB */
      *cls = NAL_FRAMING;
    else
      *cls = NAL_PROTECTED;
    return;
  }

  type = nal[0] & 0x1f;
  *hdr = 1;
  switch (type) {
    case 7:                    /* SPS */
    case 8:                    /* PPS */
    case 13:                   /* SPS extension */
    case 15:                   /* subset SPS */
      *cls = NAL_PARAM;
      break;
    case 9:                    /* AUD */
    case 10:                   /* end of sequence */
    case 11:                   /* end of stream */
      *cls = NAL_FRAMING;
      break;
    case 14:                   /* prefix NAL unit */
    case 20:                   /* coded slice extension (SVC, MVC) */
    case 21:                   /* coded slice extension (3D-AVC) */
      /* The 3-byte header extension carries the layer IDs forwarding servers switch on. */
      *cls = NAL_PROTECTED;
      *hdr = 4;
      break;
    default:
      *cls = NAL_PROTECTED;
      break;
  }
}

static gboolean
parse_nals (gboolean h265, const guint8 * d, gsize size, NalList * l, const gchar ** why)
{
  gsize i = 0, start, next, end, lead = 0;
  guint8 hdr;

  while (i < size && d[i] == 0)
    i++;
  if (i < 2 || i >= size || d[i] != 0x01) {
    *why = "frame does not start with a start code (not Annex B byte-stream)";
    return FALSE;
  }
  start = i + 1;

  for (;;) {
    Nal *nal;

    next = find_start_code (d, size, start);
    end = next;
    /* Zero bytes before a start code are framing: trailing_zero_8bits, or the
     * zero_byte of a 4-byte start code. A NAL unit never ends in 00. */
    while (end > start && d[end - 1] == 0)
      end--;
    if (end == start) {
      *why = "empty NAL unit";
      return FALSE;
    }
    nal = nal_list_push (l);
    nal->lead = lead;
    nal->start = start;
    nal->size = end - start;
    nal->piece = 0;
    classify (h265, d + start, &nal->cls, &hdr);
    if (nal->size < (h265 ? 2 : 1) || (nal->cls == NAL_PROTECTED && nal->size < hdr)) {
      *why = "NAL unit shorter than its header";
      return FALSE;
    }
    nal->clear = hdr;
    if (nal->cls == NAL_PROTECTED) {
      guint type = h265 ? (d[start] >> 1) & 0x3f : d[start] & 0x1f;
      gssize prefix = slice_prefix (h265, type, d + start + hdr, nal->size - hdr);

      if (prefix < 0) {
        *why = "slice header shorter than its first fields";
        return FALSE;
      }
      nal->clear += prefix;
    }
    lead = end;
    if (next >= size)
      break;
    start = next + 3;
  }
  l->tail = lead;
  return TRUE;
}

static gboolean
nal_has_region (const Nal * nal)
{
  return nal->cls == NAL_PROTECTED && nal->size > nal->clear;
}

static gboolean
nal_is_filler (gboolean h265, const guint8 * nal)
{
  return h265 ? ((nal[0] >> 1) & 0x3f) == 38 : (nal[0] & 0x1f) == 12;
}

/* Zero bytes at the end of the clear bytes, which an encrypted region continues. */
static guint
header_zeros (const guint8 * hdr, gsize len)
{
  guint z = 0;

  while (len > 0 && hdr[len - 1] == 0 && z < 2) {
    z++;
    len--;
  }
  return z;
}

/* Emulation prevention over the ciphertext (H.264 §7.4.1, H.265 §7.4.2): 03 goes before
 * any byte <= 03 that follows two zero bytes, so 00 00 00, 00 00 01 and 00 00 02 never
 * occur. A region whose last byte is 00 or 03 gets a final 03: trailing zero bytes would
 * otherwise be taken for framing, and a last byte 03 for that final 03.
 *
 * @src may lie inside @out ahead of @w: every byte is read before anything is written
 * over it. Returns the new write position. */
static gsize
escape (guint8 * out, gsize w, const guint8 * src, gsize n, guint zeros)
{
  guint8 b = 0xff;
  gsize j;

  for (j = 0; j < n; j++) {
    b = src[j];
    if (zeros >= 2 && b <= 3) {
      out[w++] = 0x03;
      zeros = 0;
    }
    out[w++] = b;
    zeros = b == 0 ? zeros + 1 : 0;
  }
  if (b == 0x00 || b == 0x03)
    out[w++] = 0x03;
  return w;
}

/* The inverse of escape(), refusing anything escape() cannot have written, so that an
 * encrypted frame has exactly one wire form. Writes at most @cap bytes to @dst (which may
 * be NULL to only measure) and returns the unescaped size in @len. */
static gboolean
unescape (const guint8 * src, gsize n, guint zeros, guint8 * dst, gsize cap, gsize * len)
{
  gsize j, k = 0;

  if (n == 0)
    return FALSE;
  if (src[n - 1] == 0x03) {
    if (n < 2 || (src[n - 2] != 0x00 && src[n - 2] != 0x03))
      return FALSE;
    n--;
  } else if (src[n - 1] == 0x00) {
    return FALSE;
  }

  for (j = 0; j < n; j++) {
    guint8 b = src[j];

    if (zeros >= 2) {
      if (b == 0x03) {
        if (j + 1 >= n || src[j + 1] > 0x03)
          return FALSE;
        zeros = 0;
        continue;
      }
      if (b < 0x03)
        return FALSE;
    }
    if (k < cap)
      dst[k] = b;
    k++;
    zeros = b == 0 ? zeros + 1 : 0;
  }
  *len = k;
  return TRUE;
}

static int
ps_compare (const void *a, const void *b)
{
  const PsRef *x = a, *y = b;
  int c = memcmp (x->data, y->data, MIN (x->size, y->size));

  if (c != 0)
    return c;
  return x->size < y->size ? -1 : x->size > y->size ? 1 : 0;
}

/* Where a parameter set goes in the receiver's output: the ones others refer to first
 * (H.264 SPS, SPS extension, subset SPS, then PPS; H.265 VPS, SPS, PPS). */
static guint
ps_rank (gboolean h265, const guint8 * nal)
{
  if (h265)
    return ((nal[0] >> 1) & 0x3f) - 32;
  switch (nal[0] & 0x1f) {
    case 7:
      return 0;
    case 13:
      return 1;
    case 15:
      return 2;
    default:
      return 3;
  }
}

/* Output order: by rank, then bytewise; copies of one set in the order received, so
 * that the first copy is the one kept (with its framing). */
static int
ps_compare_out (gboolean h265, const PsRef * x, const PsRef * y)
{
  guint rx = ps_rank (h265, x->data), ry = ps_rank (h265, y->data);
  int c;

  if (rx != ry)
    return rx < ry ? -1 : 1;
  c = ps_compare (x, y);
  if (c != 0)
    return c;
  return x->data < y->data ? -1 : x->data > y->data ? 1 : 0;
}

static int
ps_compare_h264_out (const void *a, const void *b)
{
  return ps_compare_out (FALSE, a, b);
}

static int
ps_compare_h265_out (const void *a, const void *b)
{
  return ps_compare_out (TRUE, a, b);
}

/* Parameter-set block: u32(count) || count x (u32(size) || NAL unit), the distinct
 * parameter-set NAL units sorted bytewise. */
/* The parameter sets of @l, sorted with @cmp, in @stack if they fit, else in a new
 * array (free it if it is not @stack). Returns how many. */
static gsize
collect_parameter_sets (const guint8 * d, const NalList * l, PsRef * stack,
    int (*cmp) (const void *, const void *), PsRef ** out)
{
  PsRef *ps = stack;
  gsize i, n = 0;

  for (i = 0; i < l->n; i++)
    if (l->v[i].cls == NAL_PARAM)
      n++;
  if (n > PS_STACK)
    ps = g_new (PsRef, n);
  n = 0;
  for (i = 0; i < l->n; i++) {
    if (l->v[i].cls == NAL_PARAM) {
      ps[n].data = d + l->v[i].start;
      ps[n].size = l->v[i].size;
      ps[n].lead = l->v[i].start - l->v[i].lead;
      n++;
    }
  }
  if (n > 1)
    qsort (ps, n, sizeof (PsRef), cmp);
  *out = ps;
  return n;
}

/* Parameter-set block: u32(count) || count x (u32(size) || NAL unit), the distinct
 * parameter-set NAL units sorted bytewise. */
static void
put_parameter_sets (LayoutMetadata * m, const guint8 * d, const NalList * l)
{
  PsRef stack[PS_STACK], *ps;
  gsize i, n, distinct = 0;

  n = collect_parameter_sets (d, l, stack, ps_compare, &ps);
  for (i = 0; i < n; i++)
    if (i == 0 || ps_compare (&ps[i - 1], &ps[i]) != 0)
      distinct++;

  layout_metadata_put_u32 (m, distinct);
  for (i = 0; i < n; i++) {
    if (i > 0 && ps_compare (&ps[i - 1], &ps[i]) == 0)
      continue;
    layout_metadata_put_u32 (m, ps[i].size);
    layout_metadata_put (m, ps[i].data, ps[i].size);
  }
  if (ps != stack)
    g_free (ps);
}

/* NAL unit record: u32(header size) || header || u32(encrypted plaintext size). */
static void
put_record (LayoutMetadata * m, const guint8 * hdr, gsize hdr_len, gsize enc_len)
{
  layout_metadata_put_u32 (m, hdr_len);
  layout_metadata_put (m, hdr, hdr_len);
  layout_metadata_put_u32 (m, enc_len);
}

/* Annex B byte-stream in access units (or unstated alignment): NAL-aligned buffers
 * would cut an access unit's regions apart. */
gboolean
layout_h26x_accepts (const GstStructure * s)
{
  return g_strcmp0 (gst_structure_get_string (s, "stream-format"), "byte-stream") == 0 &&
      g_strcmp0 (gst_structure_get_string (s, "alignment"), "nal") != 0;
}

gsize
layout_h26x_get_max_size (const GstE2eeLayoutOps * ops, const GstE2eeSFrameKey * key,
    gsize in_size)
{
  /* input + header + tag, a carrier NAL unit (4-byte start code, 2-byte header), one
   * escape byte per two bytes, and per region one more escape and the final 03; a
   * region needs at least 5 input bytes (start code, header, one payload byte). */
  gsize base = gst_e2ee_sframe_key_get_max_encrypted_size (key, in_size);

  return base + 6 + base / 2 + 2 * (in_size / 4 + 2);
}

gboolean
layout_h26x_encrypt (const GstE2eeLayoutOps * ops, GstE2eeSFrameKey * key,
    const guint8 * in, gsize in_size, guint8 * out, gsize out_size, gsize * out_len,
    guint64 * ctr_used, GError ** error)
{
  const gboolean h265 = ops->codec == GST_E2EE_LAYOUT_CODEC_H265;
  const guint8 *carrier = h265 ? carrier_h265 : carrier_h264;
  const gsize carrier_len = h265 ? sizeof (carrier_h265) : sizeof (carrier_h264);
  NalList l;
  LayoutMetadata m;
  const gchar *why = NULL;
  gsize i, regions = 0, pt = 0, tag, hmax, s_max, non_s, need, p0, hl = 0, slen, w, k;
  guint64 kid, ctr = 0;
  const guint8 *src;
  gboolean carried, ok = FALSE;

  nal_list_init (&l);
  layout_metadata_init (&m);

  if (!parse_nals (h265, in, in_size, &l, &why)) {
    g_set_error (error, GST_E2EE_LAYOUT_ERROR, GST_E2EE_LAYOUT_ERROR_MALFORMED_FRAME,
        "%s: %s", h265 ? "H.265" : "H.264", why);
    goto out;
  }
  for (i = 0; i < l.n; i++) {
    if (nal_has_region (&l.v[i])) {
      regions++;
      pt += l.v[i].size - l.v[i].clear;
    }
  }
  carried = regions == 0;

  kid = gst_e2ee_sframe_key_get_kid (key);
  tag = gst_e2ee_cipher_suite_get_tag_size (gst_e2ee_sframe_key_get_cipher_suite (key));
  hmax = gst_e2ee_sframe_header_size (kid, G_MAXUINT64);
  s_max = hmax + pt + tag;
  non_s = in_size - pt + (carried ? 4 + carrier_len : 0);
  need = s_max + non_s + s_max / 2 + 2 * (regions + (carried ? 1 : 0));
  if (out_size < need) {
    g_set_error (error, GST_E2EE_SFRAME_ERROR, GST_E2EE_SFRAME_ERROR_INVALID_ARGUMENT,
        "output of %" G_GSIZE_FORMAT " bytes may be too small for this frame, which "
        "can need %" G_GSIZE_FORMAT " (see gst_e2ee_layout_get_max_size())", out_size,
        need);
    goto out;
  }

  put_parameter_sets (&m, in, &l);
  for (i = 0; i < l.n; i++) {
    const Nal *nal = &l.v[i];

    if (nal->cls == NAL_PROTECTED)
      put_record (&m, in + nal->start, nal->clear, nal->size - nal->clear);
  }
  if (carried)
    put_record (&m, carrier, carrier_len, 0);

  /* The plaintext is gathered at the end of @out and sealed in place; the frame is then
   * written from the start of @out, which never catches up with the unread ciphertext
   * because @out has room for all clear bytes and the worst-case escaping before it. */
  p0 = out_size - tag - pt;
  for (i = 0, k = p0; i < l.n; i++) {
    const Nal *nal = &l.v[i];

    if (nal_has_region (nal)) {
      memcpy (out + k, in + nal->start + nal->clear, nal->size - nal->clear);
      k += nal->size - nal->clear;
    }
  }

  /* Sealed in place: the key settles the header's size with the counter under its
   * lock and writes it just before the plaintext, in room p0 always leaves. */
  if (!gst_e2ee_sframe_key_encrypt_in_place (key, m.data, m.len, out + p0, pt, p0, tag,
          &hl, &slen, &ctr, error))
    goto out;

  src = out + p0 - hl;
  w = 0;
  k = 0;
  for (i = 0; i < l.n; i++) {
    const Nal *nal = &l.v[i];

    memcpy (out + w, in + nal->lead, nal->start - nal->lead);
    w += nal->start - nal->lead;
    if (nal_has_region (nal)) {
      gsize n = nal->size - nal->clear;

      if (k == 0)
        n += hl;
      if (k == regions - 1)
        n += tag;
      memcpy (out + w, in + nal->start, nal->clear);
      w += nal->clear;
      w = escape (out, w, src, n, header_zeros (in + nal->start, nal->clear));
      src += n;
      k++;
    } else {
      memcpy (out + w, in + nal->start, nal->size);
      w += nal->size;
    }
  }
  memcpy (out + w, in + l.tail, in_size - l.tail);
  w += in_size - l.tail;
  if (carried) {
    static const guint8 start_code[] = { 0x00, 0x00, 0x00, 0x01 };

    memcpy (out + w, start_code, sizeof (start_code));
    w += sizeof (start_code);
    memcpy (out + w, carrier, carrier_len);
    w += carrier_len;
    w = escape (out, w, src, slen, 0);
  }
  g_assert (w <= out_size);

  *out_len = w;
  if (ctr_used)
    *ctr_used = ctr;
  ok = TRUE;

out:
  layout_metadata_clear (&m);
  nal_list_clear (&l);
  return ok;
}

/* Parses the received frame and measures its encrypted regions. */
static gboolean
parse_received (gboolean h265, const guint8 * in, gsize in_size, NalList * l,
    gsize * regions, gsize * s_total, GError ** error)
{
  const gchar *why = NULL;
  gsize i, len;

  *regions = 0;
  *s_total = 0;
  if (!parse_nals (h265, in, in_size, l, &why)) {
    g_set_error (error, GST_E2EE_SFRAME_ERROR, GST_E2EE_SFRAME_ERROR_MALFORMED_HEADER,
        "%s: %s", h265 ? "H.265" : "H.264", why);
    return FALSE;
  }
  for (i = 0; i < l->n; i++) {
    Nal *nal = &l->v[i];

    if (!nal_has_region (nal))
      continue;
    if (!unescape (in + nal->start + nal->clear, nal->size - nal->clear,
            header_zeros (in + nal->start, nal->clear), NULL, 0, &len)) {
      g_set_error (error, GST_E2EE_SFRAME_ERROR, GST_E2EE_SFRAME_ERROR_MALFORMED_HEADER,
          "%s: NAL unit %" G_GSIZE_FORMAT " is not escaped as an encrypted region",
          h265 ? "H.265" : "H.264", i);
      return FALSE;
    }
    nal->piece = len;
    (*regions)++;
    *s_total += len;
  }
  if (*regions == 0) {
    g_set_error (error, GST_E2EE_SFRAME_ERROR, GST_E2EE_SFRAME_ERROR_MALFORMED_HEADER,
        "%s: no encrypted NAL unit, so no SFrame header", h265 ? "H.265" : "H.264");
    return FALSE;
  }
  return TRUE;
}

gboolean
layout_h26x_parse_header (const GstE2eeLayoutOps * ops, const guint8 * frame,
    gsize frame_size, guint64 * kid, guint64 * ctr, GError ** error)
{
  const gboolean h265 = ops->codec == GST_E2EE_LAYOUT_CODEC_H265;
  guint8 hdr[GST_E2EE_SFRAME_MAX_HEADER_SIZE];
  NalList l;
  gsize i, regions, s_total, len = 0;
  gboolean ok = FALSE;

  nal_list_init (&l);
  if (!parse_received (h265, frame, frame_size, &l, &regions, &s_total, error))
    goto out;
  for (i = 0; i < l.n; i++) {
    const Nal *nal = &l.v[i];

    if (nal_has_region (nal)) {
      unescape (frame + nal->start + nal->clear, nal->size - nal->clear,
          header_zeros (frame + nal->start, nal->clear), hdr, sizeof (hdr), &len);
      break;
    }
  }
  ok = gst_e2ee_sframe_header_parse (hdr, MIN (len, sizeof (hdr)), kid, ctr, NULL, error);

out:
  nal_list_clear (&l);
  return ok;
}

/* A well-formed access unit without a single protected NAL unit: what rtph264depay
 * makes of the parameter sets rtph264pay sends ahead of a key frame. */
gboolean
layout_h26x_is_clear_only (const GstE2eeLayoutOps * ops, const guint8 * frame,
    gsize frame_size)
{
  const gboolean h265 = ops->codec == GST_E2EE_LAYOUT_CODEC_H265;
  const gchar *why = NULL;
  gboolean clear_only;
  NalList l;
  gsize i;

  nal_list_init (&l);
  clear_only = parse_nals (h265, frame, frame_size, &l, &why) && l.n > 0;
  for (i = 0; clear_only && i < l.n; i++)
    clear_only = l.v[i].cls != NAL_PROTECTED;
  nal_list_clear (&l);
  return clear_only;
}

/* Whether the first slice of @frame does not start a picture (H.264 first_mb_in_slice
 * > 0, H.265 first_slice_segment_in_pic_flag 0): the rest of an access unit that a
 * depayloader cut, which these clear fields let it do (docs/layout.md). */
gboolean
layout_h26x_is_continuation (const GstE2eeLayoutOps * ops, const guint8 * frame,
    gsize frame_size)
{
  const gboolean h265 = ops->codec == GST_E2EE_LAYOUT_CODEC_H265;
  const gchar *why = NULL;
  gboolean cont = FALSE;
  NalList l;
  gsize i;

  nal_list_init (&l);
  if (!parse_nals (h265, frame, frame_size, &l, &why))
    goto out;
  for (i = 0; i < l.n; i++) {
    const Nal *nal = &l.v[i];
    const guint8 *d = frame + nal->start;
    guint type = h265 ? (d[0] >> 1) & 0x3f : d[0] & 0x1f, hdr = h265 ? 2 : 1, b;
    Rbsp r = { NULL, 0, 0, 0, 0, 0 };

    if (!is_slice (h265, type))
      continue;
    if (!h265 && type >= 20)
      hdr = 4;
    /* The first bit: the flag itself, or ue(v) first_mb_in_slice, 0 only if it is 1.
     * parse_nals() checked that the fields are there. */
    r.data = d + hdr;
    r.size = nal->size - hdr;
    cont = rbsp_bit (&r, &b) && b == 0;
    break;
  }

out:
  nal_list_clear (&l);
  return cont;
}

/* Writes a 4-byte start code if the NAL unit came with @framing of at least 4 bytes
 * (zero bytes included), else a 3-byte one. Returns the new write position. */
static gsize
put_start_code (guint8 * out, gsize w, gsize framing)
{
  if (framing >= 4)
    out[w++] = 0x00;
  out[w++] = 0x00;
  out[w++] = 0x00;
  out[w++] = 0x01;
  return w;
}

gboolean
layout_h26x_decrypt (const GstE2eeLayoutOps * ops, GstE2eeSFrameKey * key,
    const guint8 * in, gsize in_size, guint8 * out, gsize out_size, gsize * out_len,
    guint64 * ctr, guint * removed, GError ** error)
{
  const gboolean h265 = ops->codec == GST_E2EE_LAYOUT_CODEC_H265;
  PsRef ps_stack[PS_STACK], *ps;
  gsize n_ps;
  guint dropped = 0;
  NalList l;
  LayoutMetadata m;
  gsize i, k, regions, s_total, escaped = 0, non_s, p, hl, tag, first = 0, last = 0;
  gsize pt_len, w, len = 0;
  guint64 kid;
  const guint8 *src;
  gboolean carried = FALSE, ok = FALSE;

  nal_list_init (&l);
  layout_metadata_init (&m);

  if (!parse_received (h265, in, in_size, &l, &regions, &s_total, error))
    goto out;
  for (i = 0, k = 0; i < l.n; i++) {
    if (nal_has_region (&l.v[i])) {
      escaped += l.v[i].size - l.v[i].clear;
      if (k++ == 0)
        first = i;
      last = i;
    }
  }
  non_s = in_size - escaped;
  if (out_size < s_total + non_s) {
    g_set_error (error, GST_E2EE_SFRAME_ERROR, GST_E2EE_SFRAME_ERROR_INVALID_ARGUMENT,
        "output of %" G_GSIZE_FORMAT " bytes is too small, need %" G_GSIZE_FORMAT,
        out_size, s_total + non_s);
    goto out;
  }

  /* Gather the unescaped regions, header || ciphertext || tag, at the end of @out. */
  p = out_size - s_total;
  for (i = 0, k = p; i < l.n; i++) {
    const Nal *nal = &l.v[i];

    /* parse_received() measured every region, so this cannot fail */
    if (nal_has_region (nal) &&
        unescape (in + nal->start + nal->clear, nal->size - nal->clear,
            header_zeros (in + nal->start, nal->clear), out + k, nal->piece, &len))
      k += len;
  }

  if (!gst_e2ee_sframe_header_parse (out + p, l.v[first].piece, &kid, NULL, &hl, error))
    goto out;
  if (kid != gst_e2ee_sframe_key_get_kid (key)) {
    g_set_error (error, GST_E2EE_SFRAME_ERROR, GST_E2EE_SFRAME_ERROR_UNKNOWN_KID,
        "frame is for KID %" G_GUINT64_FORMAT ", key is %" G_GUINT64_FORMAT, kid,
        gst_e2ee_sframe_key_get_kid (key));
    goto out;
  }
  tag = gst_e2ee_cipher_suite_get_tag_size (gst_e2ee_sframe_key_get_cipher_suite (key));
  if (l.v[last].piece < tag + (first == last ? hl : 0)) {
    g_set_error (error, GST_E2EE_SFRAME_ERROR, GST_E2EE_SFRAME_ERROR_TRUNCATED,
        "encrypted regions of %" G_GSIZE_FORMAT " bytes are shorter than the header and "
        "tag", s_total);
    goto out;
  }
  carried = regions == 1 && nal_is_filler (h265, in + l.v[last].start) &&
      l.v[last].piece == hl + tag;

  put_parameter_sets (&m, in, &l);
  for (i = 0; i < l.n; i++) {
    const Nal *nal = &l.v[i];

    if (nal->cls != NAL_PROTECTED)
      continue;
    pt_len = nal->piece;
    if (i == first)
      pt_len -= hl;
    if (i == last)
      pt_len -= tag;
    put_record (&m, in + nal->start, nal->clear, nal_has_region (nal) ? pt_len : 0);
  }

  if (!gst_e2ee_sframe_key_decrypt (key, m.data, m.len, out + p, s_total, out + p + hl,
          s_total - hl, &len, ctr, error))
    goto out;

  /* Only the authenticated NAL units go out, in a form that depends on them alone:
   * each distinct parameter set once, ahead of everything (where the sender's encoder
   * puts them, and where decoders need them), then the protected NAL units in order.
   * AUDs, end of sequence/stream NAL units and further parameter-set copies are not
   * authenticated: whoever added or moved them, the decoder does not see them. Each
   * NAL unit keeps its 3- or 4-byte start code (the first one the frame's), so the
   * output is never longer than the input: the plaintext behind it moves forward. */
  src = out + p + hl;
  w = 0;
  n_ps = collect_parameter_sets (in, &l, ps_stack, h265 ? ps_compare_h265_out :
      ps_compare_h264_out, &ps);
  for (i = 0; i < n_ps; i++) {
    if (i > 0 && ps_compare (&ps[i - 1], &ps[i]) == 0) {
      dropped++;
      continue;
    }
    w = put_start_code (out, w, w == 0 ? l.v[0].start : ps[i].lead);
    memcpy (out + w, ps[i].data, ps[i].size);
    w += ps[i].size;
  }
  if (ps != ps_stack)
    g_free (ps);
  for (i = 0; i < l.n; i++) {
    const Nal *nal = &l.v[i];

    if (nal->cls == NAL_FRAMING)
      dropped++;
    if (nal->cls != NAL_PROTECTED || (carried && i == last))
      continue;
    w = put_start_code (out, w, w == 0 ? l.v[0].start : nal->start - nal->lead);
    if (nal_has_region (nal)) {
      pt_len = nal->piece - (i == first ? hl : 0) - (i == last ? tag : 0);
      memcpy (out + w, in + nal->start, nal->clear);
      w += nal->clear;
      memmove (out + w, src, pt_len);
      w += pt_len;
      src += pt_len;
    } else {
      memcpy (out + w, in + nal->start, nal->size);
      w += nal->size;
    }
  }
  g_assert (w <= out_size);
  if (removed)
    *removed = dropped;

  *out_len = w;
  ok = TRUE;

out:
  layout_metadata_clear (&m);
  nal_list_clear (&l);
  return ok;
}
