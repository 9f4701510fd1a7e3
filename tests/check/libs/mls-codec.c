/* gst-e2ee: the strict TLS presentation-language codec of RFC 9420 §2.1 against the
 * MLS working group's deserialization vectors, and the encodings it must refuse.
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <gst/check/gstcheck.h>
#include <gst/e2ee/gste2eemlscodec.h>
#include <gst/e2ee/gste2eemlserror.h>

#include "../mls-vectors.h"

#define assert_decode_error(err) G_STMT_START {                                \
  fail_unless ((err) != NULL, "expected a decode error, got none");           \
  fail_unless (g_error_matches ((err), GST_E2EE_MLS_ERROR,                     \
          GST_E2EE_MLS_ERROR_DECODE), "expected DECODE, got %s %d: %s",        \
      g_quark_to_string ((err)->domain), (err)->code, (err)->message);       \
  g_clear_error (&(err));                                                     \
} G_STMT_END

/* vlbytes_header decodes to length, and the writer gives back the same header. */
static gboolean
check_deserialization (MlsVectors * v, JsonObject * o)
{
  GBytes *header = mls_hex (v, o, "vlbytes_header");
  guint64 length = mls_uint (v, o, "length");
  GstE2eeMlsReader r;
  GByteArray *w;
  guint32 got = 0;
  GError *err = NULL;
  gboolean same;

  gst_e2ee_mls_reader_init (&r, MLS_D (header), MLS_L (header));
  MLS_EXPECT_OK (gst_e2ee_mls_read_varint (&r, &got, &err), err);
  MLS_EXPECT_OK (gst_e2ee_mls_reader_finish (&r, &err), err);
  MLS_EXPECT (got == length, "decoded %u, want %" G_GUINT64_FORMAT, got, length);

  w = g_byte_array_new ();
  MLS_EXPECT_OK (gst_e2ee_mls_write_varint (w, length, &err), err);
  same = w->len == MLS_L (header) && memcmp (w->data, MLS_D (header), w->len) == 0;
  g_byte_array_unref (w);
  MLS_EXPECT (same, "re-encoding %" G_GUINT64_FORMAT " gives another header", length);
  return TRUE;
}

static void
run_deserialization (MlsVectors * v)
{
  guint i;

  for (i = 0; i < mls_vectors_count (v); i++)
    mls_vectors_tally (v, i, check_deserialization (v, mls_vectors_entry (v, i)));
}

GST_START_TEST (test_deserialization_vectors)
{
  MlsVectors *v = mls_vectors_open ("mls/deserialization.json");

  fail_unless_equals_int (mls_vectors_count (v), 14);
  run_deserialization (v);
  mls_vectors_close (v);
}

GST_END_TEST;

/* A changed byte in any header makes its entry fail: the check cannot pass vacuously. */
GST_START_TEST (test_deserialization_detects_corruption)
{
  MlsVectors *v = mls_vectors_open ("mls/deserialization.json");
  guint i;

  for (i = 0; i < mls_vectors_count (v); i++) {
    JsonObject *o = mls_vectors_entry (v, i);
    gboolean ok;

    mls_flip (o, "vlbytes_header");
    ok = check_deserialization (v, o);
    g_ptr_array_set_size (v->scratch, 0);
    fail_if (ok, "entry %u passed with a changed header", i);
  }
  mls_vectors_free (v);
}

GST_END_TEST;

static void
expect_varint_refused (const guint8 * data, gsize len)
{
  GstE2eeMlsReader r;
  guint32 got = 12345;
  GError *err = NULL;

  gst_e2ee_mls_reader_init (&r, data, len);
  fail_if (gst_e2ee_mls_read_varint (&r, &got, &err));
  assert_decode_error (err);
  /* A refused read leaves the cursor and the output untouched. */
  fail_unless_equals_int (r.pos, 0);
  fail_unless_equals_int (got, 12345);
}

GST_START_TEST (test_varint_refuses_non_minimal)
{
  static const guint8 zero2[] = { 0x40, 0x00 }, max1_in2[] = { 0x40, 0x3f };
  static const guint8 zero4[] = { 0x80, 0x00, 0x00, 0x00 };
  static const guint8 max2_in4[] = { 0x80, 0x00, 0x3f, 0xff };
  static const guint8 min2[] = { 0x40, 0x40 }, min4[] = { 0x80, 0x00, 0x40, 0x00 };
  GstE2eeMlsReader r;
  guint32 got;
  GError *err = NULL;

  expect_varint_refused (zero2, sizeof zero2);
  expect_varint_refused (max1_in2, sizeof max1_in2);
  expect_varint_refused (zero4, sizeof zero4);
  expect_varint_refused (max2_in4, sizeof max2_in4);

  /* The smallest value of each size is accepted. */
  gst_e2ee_mls_reader_init (&r, min2, sizeof min2);
  fail_unless (gst_e2ee_mls_read_varint (&r, &got, &err));
  fail_unless_equals_int (got, 64);
  gst_e2ee_mls_reader_init (&r, min4, sizeof min4);
  fail_unless (gst_e2ee_mls_read_varint (&r, &got, &err));
  fail_unless_equals_int (got, 16384);
}

GST_END_TEST;

GST_START_TEST (test_varint_refuses_reserved_and_truncated)
{
  static const guint8 reserved[] = { 0xc0, 0, 0, 0, 0, 0, 0, 0x01 };
  static const guint8 short2[] = { 0x40 }, short4[] = { 0x80, 0x00, 0x40 };

  expect_varint_refused (reserved, sizeof reserved);
  expect_varint_refused (short2, sizeof short2);
  expect_varint_refused (short4, sizeof short4);
  expect_varint_refused (NULL, 0);
}

GST_END_TEST;

GST_START_TEST (test_vector_bounds)
{
  static const guint8 truncated[] = { 0x05, 1, 2, 3, 4 };
  static const guint8 trailing[] = { 0x02, 0xaa, 0xbb, 0xcc };
  static const guint8 nested[] = { 0x04, 0x01, 0xaa, 0x01, 0xbb };
  GstE2eeMlsReader r, body, inner;
  const guint8 *data;
  gsize len;
  GError *err = NULL;

  gst_e2ee_mls_reader_init (&r, truncated, sizeof truncated);
  fail_if (gst_e2ee_mls_read_opaque (&r, &data, &len, &err));
  assert_decode_error (err);
  fail_unless_equals_int (r.pos, 0);

  gst_e2ee_mls_reader_init (&r, trailing, sizeof trailing);
  fail_unless (gst_e2ee_mls_read_opaque (&r, &data, &len, &err));
  fail_unless_equals_int (len, 2);
  fail_unless_equals_int (data[1], 0xbb);
  fail_if (gst_e2ee_mls_reader_finish (&r, &err));
  assert_decode_error (err);

  /* A vector's body is its own reader: its elements must fill it exactly. */
  gst_e2ee_mls_reader_init (&r, nested, sizeof nested);
  fail_unless (gst_e2ee_mls_read_vector (&r, &body, &err));
  fail_unless (gst_e2ee_mls_reader_finish (&r, NULL));
  fail_unless (gst_e2ee_mls_read_vector (&body, &inner, &err));
  fail_unless_equals_int (inner.len, 1);
  fail_if (gst_e2ee_mls_reader_finish (&body, &err));
  assert_decode_error (err);
  fail_unless (gst_e2ee_mls_read_opaque (&body, &data, &len, &err));
  fail_unless (gst_e2ee_mls_reader_finish (&body, NULL));
}

GST_END_TEST;

GST_START_TEST (test_optional_and_integers)
{
  static const guint8 bytes[] = { 0x01, 0x00, 0x02, 0x12, 0x34, 0x89, 0xab, 0xcd, 0xef,
    0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08, 0xff
  };
  GstE2eeMlsReader r;
  gboolean present;
  guint8 u8;
  guint16 u16;
  guint32 u32;
  guint64 u64;
  GError *err = NULL;

  gst_e2ee_mls_reader_init (&r, bytes, sizeof bytes);
  fail_unless (gst_e2ee_mls_read_optional (&r, &present, &err) && present);
  fail_unless (gst_e2ee_mls_read_optional (&r, &present, &err) && !present);
  /* Presence is 0 or 1; anything else is out of range. */
  fail_if (gst_e2ee_mls_read_optional (&r, &present, &err));
  assert_decode_error (err);
  fail_unless (gst_e2ee_mls_read_u8 (&r, &u8, &err));
  fail_unless_equals_int (u8, 2);
  fail_unless (gst_e2ee_mls_read_u16 (&r, &u16, &err));
  fail_unless_equals_int (u16, 0x1234);
  fail_unless (gst_e2ee_mls_read_u32 (&r, &u32, &err));
  fail_unless_equals_uint64 (u32, 0x89abcdef);
  fail_unless (gst_e2ee_mls_read_u64 (&r, &u64, &err));
  fail_unless_equals_uint64 (u64, G_GUINT64_CONSTANT (0x0102030405060708));
  fail_if (gst_e2ee_mls_read_u16 (&r, &u16, &err));
  assert_decode_error (err);
  fail_unless (gst_e2ee_mls_read_u8 (&r, &u8, &err));
  fail_unless (gst_e2ee_mls_reader_finish (&r, &err));
  fail_if (gst_e2ee_mls_read_u8 (&r, &u8, &err));
  assert_decode_error (err);
}

GST_END_TEST;

GST_START_TEST (test_writer)
{
  static const guint8 want[] = { 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08,
    0x01, 0x00, 0x7f, 0xff, 0xbf, 0xff, 0xff, 0xff
  };
  GByteArray *w = g_byte_array_new ();
  guint8 body[64];
  gsize begin, outer;
  GError *err = NULL;

  gst_e2ee_mls_write_u32 (w, 0x01020304);
  gst_e2ee_mls_write_u16 (w, 0x0506);
  gst_e2ee_mls_write_u8 (w, 7);
  gst_e2ee_mls_write_u8 (w, 8);
  gst_e2ee_mls_write_optional (w, TRUE);
  gst_e2ee_mls_write_optional (w, FALSE);
  fail_unless (gst_e2ee_mls_write_varint (w, 16383, &err));
  fail_unless (gst_e2ee_mls_write_varint (w, GST_E2EE_MLS_VARINT_MAX, &err));
  fail_unless_equals_int (w->len, sizeof want);
  fail_unless (memcmp (w->data, want, sizeof want) == 0);

  /* Too large for 30 bits: refused, nothing written. */
  fail_if (gst_e2ee_mls_write_varint (w, GST_E2EE_MLS_VARINT_MAX + 1, &err));
  fail_unless (g_error_matches (err, GST_E2EE_MLS_ERROR, GST_E2EE_MLS_ERROR_ENCODE));
  g_clear_error (&err);
  fail_unless_equals_int (w->len, sizeof want);

  /* A nested vector whose body grows past 63 bytes gets a 2-byte prefix; the outer
   * one, written around it, too. */
  g_byte_array_set_size (w, 0);
  memset (body, 0xab, sizeof body);
  outer = gst_e2ee_mls_write_vector_begin (w);
  begin = gst_e2ee_mls_write_vector_begin (w);
  gst_e2ee_mls_write_fixed (w, body, 63);
  fail_unless (gst_e2ee_mls_write_vector_end (w, begin, &err));
  fail_unless (gst_e2ee_mls_write_opaque (w, body, 1, &err));
  fail_unless (gst_e2ee_mls_write_vector_end (w, outer, &err));
  fail_unless_equals_int (w->len, 2 + 1 + 63 + 1 + 1);
  fail_unless_equals_int (w->data[0], 0x40);
  fail_unless_equals_int (w->data[1], 66);
  fail_unless_equals_int (w->data[2], 63);
  fail_unless_equals_int (w->data[66], 1);
  g_byte_array_unref (w);
}

GST_END_TEST;

static Suite *
mls_codec_suite (void)
{
  Suite *s = suite_create ("mls-codec");
  TCase *tc = tcase_create ("general");

  suite_add_tcase (s, tc);
  tcase_add_test (tc, test_deserialization_vectors);
  tcase_add_test (tc, test_deserialization_detects_corruption);
  tcase_add_test (tc, test_varint_refuses_non_minimal);
  tcase_add_test (tc, test_varint_refuses_reserved_and_truncated);
  tcase_add_test (tc, test_vector_bounds);
  tcase_add_test (tc, test_optional_and_integers);
  tcase_add_test (tc, test_writer);
  return s;
}

GST_CHECK_MAIN (mls_codec);
