/* gst-e2ee: the TLS presentation language of RFC 9420 §2.1, strict.
 *
 * Integers are big-endian. A vector's length is a variable-size integer whose two top
 * bits give its size (00: 1 byte, 6 bits; 01: 2 bytes, 14 bits; 10: 4 bytes, 30 bits;
 * 11 is reserved). RFC 9420 §2.1.2 requires the shortest encoding, so a reader refuses
 * a longer one: two encodings of one message would give two transcript hashes and two
 * signatures over "the same" content. A structure must be consumed whole
 * (gst_e2ee_mls_reader_finish()): trailing bytes are an error, not ignored.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "gste2eemlscodec.h"
#include "gste2eemlserror.h"

#include <string.h>

void
gst_e2ee_mls_reader_init (GstE2eeMlsReader * r, const guint8 * data, gsize len)
{
  r->data = data;
  r->len = data != NULL ? len : 0;
  r->pos = 0;
}

gsize
gst_e2ee_mls_reader_remaining (const GstE2eeMlsReader * r)
{
  return r->len - r->pos;
}

gboolean
gst_e2ee_mls_reader_finish (const GstE2eeMlsReader * r, GError ** error)
{
  if (r->pos != r->len) {
    g_set_error (error, GST_E2EE_MLS_ERROR, GST_E2EE_MLS_ERROR_DECODE,
        "%" G_GSIZE_FORMAT " trailing bytes after the structure", r->len - r->pos);
    return FALSE;
  }
  return TRUE;
}

static gboolean
need (const GstE2eeMlsReader * r, gsize n, const gchar * what, GError ** error)
{
  if (r->len - r->pos < n) {
    g_set_error (error, GST_E2EE_MLS_ERROR, GST_E2EE_MLS_ERROR_DECODE,
        "truncated: %s needs %" G_GSIZE_FORMAT " bytes, %" G_GSIZE_FORMAT " left", what,
        n, r->len - r->pos);
    return FALSE;
  }
  return TRUE;
}

static guint64
read_be (GstE2eeMlsReader * r, gsize n)
{
  guint64 v = 0;
  gsize i;

  for (i = 0; i < n; i++)
    v = v << 8 | r->data[r->pos + i];
  r->pos += n;
  return v;
}

gboolean
gst_e2ee_mls_read_u8 (GstE2eeMlsReader * r, guint8 * v, GError ** error)
{
  if (!need (r, 1, "uint8", error))
    return FALSE;
  *v = (guint8) read_be (r, 1);
  return TRUE;
}

gboolean
gst_e2ee_mls_read_u16 (GstE2eeMlsReader * r, guint16 * v, GError ** error)
{
  if (!need (r, 2, "uint16", error))
    return FALSE;
  *v = (guint16) read_be (r, 2);
  return TRUE;
}

gboolean
gst_e2ee_mls_read_u32 (GstE2eeMlsReader * r, guint32 * v, GError ** error)
{
  if (!need (r, 4, "uint32", error))
    return FALSE;
  *v = (guint32) read_be (r, 4);
  return TRUE;
}

gboolean
gst_e2ee_mls_read_u64 (GstE2eeMlsReader * r, guint64 * v, GError ** error)
{
  if (!need (r, 8, "uint64", error))
    return FALSE;
  *v = read_be (r, 8);
  return TRUE;
}

gboolean
gst_e2ee_mls_read_varint (GstE2eeMlsReader * r, guint32 * v, GError ** error)
{
  /* Per prefix 00, 01, 10: the size, the value bits, the smallest minimal value. */
  static const gsize size[3] = { 1, 2, 4 };
  static const guint64 mask[3] = { 0x3f, 0x3fff, 0x3fffffff };
  static const guint64 min_value[3] = { 0, 64, 16384 };
  guint prefix;
  gsize n;
  guint64 value;

  if (!need (r, 1, "a length prefix", error))
    return FALSE;
  prefix = r->data[r->pos] >> 6;
  if (prefix == 3) {
    g_set_error (error, GST_E2EE_MLS_ERROR, GST_E2EE_MLS_ERROR_DECODE,
        "length prefix 0x%02x uses the reserved 8-byte form", r->data[r->pos]);
    return FALSE;
  }
  n = size[prefix];
  if (!need (r, n, "a length prefix", error))
    return FALSE;
  value = read_be (r, n) & mask[prefix];
  if (value < min_value[prefix]) {
    r->pos -= n;
    g_set_error (error, GST_E2EE_MLS_ERROR, GST_E2EE_MLS_ERROR_DECODE,
        "length %" G_GUINT64_FORMAT " is not minimally encoded (%" G_GSIZE_FORMAT
        " bytes)", value, n);
    return FALSE;
  }
  *v = (guint32) value;
  return TRUE;
}

gboolean
gst_e2ee_mls_read_vector (GstE2eeMlsReader * r, GstE2eeMlsReader * body, GError ** error)
{
  gsize start = r->pos;
  guint32 len;

  if (!gst_e2ee_mls_read_varint (r, &len, error))
    return FALSE;
  if (!need (r, len, "a vector's body", error)) {
    r->pos = start;
    return FALSE;
  }
  gst_e2ee_mls_reader_init (body, r->data + r->pos, len);
  r->pos += len;
  return TRUE;
}

gboolean
gst_e2ee_mls_read_opaque (GstE2eeMlsReader * r, const guint8 ** data, gsize * len,
    GError ** error)
{
  GstE2eeMlsReader body;

  if (!gst_e2ee_mls_read_vector (r, &body, error))
    return FALSE;
  *data = body.data;
  *len = body.len;
  return TRUE;
}

gboolean
gst_e2ee_mls_read_optional (GstE2eeMlsReader * r, gboolean * present, GError ** error)
{
  if (!need (r, 1, "an optional's presence byte", error))
    return FALSE;
  if (r->data[r->pos] > 1) {
    g_set_error (error, GST_E2EE_MLS_ERROR, GST_E2EE_MLS_ERROR_DECODE,
        "optional presence byte is %u, not 0 or 1", r->data[r->pos]);
    return FALSE;
  }
  *present = r->data[r->pos++] == 1;
  return TRUE;
}

gboolean
gst_e2ee_mls_read_fixed (GstE2eeMlsReader * r, const guint8 ** data, gsize len,
    GError ** error)
{
  if (!need (r, len, "a fixed-size field", error))
    return FALSE;
  *data = r->data + r->pos;
  r->pos += len;
  return TRUE;
}

static void
write_be (GByteArray * w, guint64 v, gsize n)
{
  guint8 b[8];
  gsize i;

  for (i = 0; i < n; i++)
    b[i] = (guint8) (v >> (8 * (n - 1 - i)));
  g_byte_array_append (w, b, (guint) n);
}

void
gst_e2ee_mls_write_u8 (GByteArray * w, guint8 v)
{
  write_be (w, v, 1);
}

void
gst_e2ee_mls_write_u16 (GByteArray * w, guint16 v)
{
  write_be (w, v, 2);
}

void
gst_e2ee_mls_write_u32 (GByteArray * w, guint32 v)
{
  write_be (w, v, 4);
}

void
gst_e2ee_mls_write_u64 (GByteArray * w, guint64 v)
{
  write_be (w, v, 8);
}

static gsize
varint_size (guint64 v)
{
  return v < 64 ? 1 : v < 16384 ? 2 : 4;
}

static void
put_varint (guint8 * p, guint64 v, gsize n)
{
  gsize i;

  for (i = 0; i < n; i++)
    p[i] = (guint8) (v >> (8 * (n - 1 - i)));
  p[0] |= (guint8) ((n == 1 ? 0 : n == 2 ? 1 : 2) << 6);
}

static gboolean
check_varint (guint64 v, GError ** error)
{
  if (v > GST_E2EE_MLS_VARINT_MAX) {
    g_set_error (error, GST_E2EE_MLS_ERROR, GST_E2EE_MLS_ERROR_ENCODE,
        "length %" G_GUINT64_FORMAT " does not fit a variable-size length (max 2^30 - 1)",
        v);
    return FALSE;
  }
  return TRUE;
}

gboolean
gst_e2ee_mls_write_varint (GByteArray * w, guint64 v, GError ** error)
{
  guint8 b[4];
  gsize n;

  if (!check_varint (v, error))
    return FALSE;
  n = varint_size (v);
  put_varint (b, v, n);
  g_byte_array_append (w, b, (guint) n);
  return TRUE;
}

gboolean
gst_e2ee_mls_write_opaque (GByteArray * w, const guint8 * data, gsize len, GError ** error)
{
  if (!gst_e2ee_mls_write_varint (w, len, error))
    return FALSE;
  if (len > 0)
    g_byte_array_append (w, data, (guint) len);
  return TRUE;
}

void
gst_e2ee_mls_write_optional (GByteArray * w, gboolean present)
{
  write_be (w, present ? 1 : 0, 1);
}

void
gst_e2ee_mls_write_fixed (GByteArray * w, const guint8 * data, gsize len)
{
  if (len > 0)
    g_byte_array_append (w, data, (guint) len);
}

/* A vector whose body is written in place: begin reserves nothing, end moves the body
 * up by the size of its length prefix, known only then. */
gsize
gst_e2ee_mls_write_vector_begin (GByteArray * w)
{
  return w->len;
}

gboolean
gst_e2ee_mls_write_vector_end (GByteArray * w, gsize begin, GError ** error)
{
  gsize body = w->len - begin, n;
  guint8 pad[4] = { 0 };

  g_return_val_if_fail (begin <= w->len, FALSE);
  if (!check_varint (body, error)) {
    g_byte_array_set_size (w, (guint) begin);
    return FALSE;
  }
  n = varint_size (body);
  g_byte_array_append (w, pad, (guint) n);
  memmove (w->data + begin + n, w->data + begin, body);
  put_varint (w->data + begin, body, n);
  return TRUE;
}
