/* gst-e2ee: GstE2eeMeta and GstE2eeTransportMeta
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <gst/check/gstcheck.h>
#include <gst/e2ee/e2ee.h>

static GstBuffer *
new_buffer (void)
{
  GstBuffer *buf = gst_buffer_new_allocate (NULL, 64, NULL);
  GstMapInfo map;
  guint i;

  fail_unless (gst_buffer_map (buf, &map, GST_MAP_WRITE));
  for (i = 0; i < map.size; i++)
    map.data[i] = (guint8) i;
  gst_buffer_unmap (buf, &map);
  return buf;
}

static void
check_e2ee_meta (GstBuffer * buf, gboolean authenticated, guint64 kid, guint64 ctr,
    GstE2eeCipherSuite suite)
{
  GstE2eeMeta *m = gst_buffer_get_e2ee_meta (buf);

  fail_unless (m != NULL);
  fail_unless_equals_int (m->authenticated, authenticated);
  fail_unless_equals_uint64 (m->kid, kid);
  fail_unless_equals_uint64 (m->ctr, ctr);
  fail_unless_equals_int (m->cipher_suite, suite);
  fail_unless (m->meta.info == GST_E2EE_META_INFO);
  fail_unless (m->meta.info->api == GST_E2EE_META_API_TYPE);
}

GST_START_TEST (test_e2ee_meta_add_get)
{
  GstBuffer *buf = new_buffer ();
  const gchar *const *tags;
  GstE2eeMeta *m;

  fail_unless (gst_buffer_get_e2ee_meta (buf) == NULL);
  fail_unless (gst_buffer_get_e2ee_transport_meta (buf) == NULL);

  m = gst_buffer_add_e2ee_meta (buf, TRUE, G_MAXUINT64, G_MAXUINT64 - 1,
      GST_E2EE_CIPHER_SUITE_AES_256_GCM_SHA512_128);
  fail_unless (m != NULL);
  fail_unless (gst_buffer_get_e2ee_meta (buf) == m);
  check_e2ee_meta (buf, TRUE, G_MAXUINT64, G_MAXUINT64 - 1,
      GST_E2EE_CIPHER_SUITE_AES_256_GCM_SHA512_128);
  /* One meta does not pose as the other. */
  fail_unless (gst_buffer_get_e2ee_transport_meta (buf) == NULL);
  fail_unless_equals_int (gst_buffer_get_n_meta (buf, GST_E2EE_META_API_TYPE), 1);

  /* No tags: transforms that keep untagged metas (GstBaseTransform's default)
   * keep this one. */
  tags = gst_meta_api_type_get_tags (GST_E2EE_META_API_TYPE);
  fail_unless (tags == NULL || tags[0] == NULL);
  fail_unless_equals_string (g_type_name (GST_E2EE_META_API_TYPE), "GstE2eeMetaAPI");

  fail_unless (gst_buffer_remove_meta (buf, (GstMeta *) m));
  fail_unless (gst_buffer_get_e2ee_meta (buf) == NULL);

  gst_buffer_add_e2ee_meta (buf, FALSE, 0, 0,
      GST_E2EE_CIPHER_SUITE_AES_128_CTR_HMAC_SHA256_32);
  check_e2ee_meta (buf, FALSE, 0, 0, GST_E2EE_CIPHER_SUITE_AES_128_CTR_HMAC_SHA256_32);

  gst_buffer_unref (buf);
}

GST_END_TEST;

GST_START_TEST (test_e2ee_meta_copy)
{
  GstBuffer *buf = new_buffer (), *copy, *region, *deep;

  gst_buffer_add_e2ee_meta (buf, TRUE, 0x123, 0x4567,
      GST_E2EE_CIPHER_SUITE_AES_128_GCM_SHA256_128);

  copy = gst_buffer_copy (buf);
  fail_unless (copy != buf);
  check_e2ee_meta (copy, TRUE, 0x123, 0x4567, GST_E2EE_CIPHER_SUITE_AES_128_GCM_SHA256_128);
  /* The copy has its own meta, not a pointer to the original's. */
  fail_unless (gst_buffer_get_e2ee_meta (copy) != gst_buffer_get_e2ee_meta (buf));
  gst_buffer_get_e2ee_meta (copy)->kid = 7;
  check_e2ee_meta (buf, TRUE, 0x123, 0x4567, GST_E2EE_CIPHER_SUITE_AES_128_GCM_SHA256_128);

  region = gst_buffer_copy_region (buf, GST_BUFFER_COPY_ALL, 8, 16);
  fail_unless_equals_uint64 (gst_buffer_get_size (region), 16);
  check_e2ee_meta (region, TRUE, 0x123, 0x4567,
      GST_E2EE_CIPHER_SUITE_AES_128_GCM_SHA256_128);

  deep = gst_buffer_copy_deep (buf);
  check_e2ee_meta (deep, TRUE, 0x123, 0x4567, GST_E2EE_CIPHER_SUITE_AES_128_GCM_SHA256_128);

  gst_buffer_unref (deep);
  gst_buffer_unref (region);
  gst_buffer_unref (copy);
  gst_buffer_unref (buf);
}

GST_END_TEST;

static void
check_sender_meta (GstBuffer * buf, GstBuffer * original)
{
  GstE2eeSenderMeta *m = gst_buffer_get_e2ee_sender_meta (buf);

  fail_unless (m != NULL);
  fail_unless (m != gst_buffer_get_e2ee_sender_meta (original));
  fail_unless_equals_uint64 (m->kid, G_MAXUINT64);
  fail_unless_equals_uint64 (m->ctr, 0x4567);
  fail_unless_equals_int (m->cipher_suite, GST_E2EE_CIPHER_SUITE_AES_128_GCM_SHA256_128);
  fail_unless (gst_buffer_get_e2ee_meta (buf) == NULL);
}

/* The sender's mark is a meta of its own: it never reads as a GstE2eeMeta (which a
 * receiver's status needs), and it follows copies of the ciphertext. */
GST_START_TEST (test_sender_meta)
{
  GstBuffer *buf = new_buffer (), *copy, *region;
  GstE2eeSenderMeta *m;

  fail_unless (gst_buffer_get_e2ee_sender_meta (buf) == NULL);
  m = gst_buffer_add_e2ee_sender_meta (buf, G_MAXUINT64, 0x4567,
      GST_E2EE_CIPHER_SUITE_AES_128_GCM_SHA256_128);
  fail_unless (gst_buffer_get_e2ee_sender_meta (buf) == m);
  fail_unless (m->meta.info == GST_E2EE_SENDER_META_INFO);
  fail_unless_equals_string (g_type_name (GST_E2EE_SENDER_META_API_TYPE),
      "GstE2eeSenderMetaAPI");
  fail_unless (gst_buffer_get_e2ee_meta (buf) == NULL);
  fail_unless (gst_buffer_get_e2ee_transport_meta (buf) == NULL);

  copy = gst_buffer_copy (buf);
  check_sender_meta (copy, buf);
  region = gst_buffer_copy_region (buf, GST_BUFFER_COPY_ALL, 8, 16);
  check_sender_meta (region, buf);

  gst_buffer_unref (region);
  gst_buffer_unref (copy);
  gst_buffer_unref (buf);
}

GST_END_TEST;

static void
check_transport_meta (GstBuffer * buf, guint32 ssrc, gboolean media_encrypted,
    gboolean media_authenticated, gboolean signaling_encrypted,
    gboolean tls_certificate_valid, guint auth_tag_bits, GstE2eeEncryptionLevel level)
{
  GstE2eeTransportMeta *m = gst_buffer_get_e2ee_transport_meta (buf);

  fail_unless (m != NULL);
  fail_unless_equals_int (m->ssrc, ssrc);
  fail_unless_equals_int (m->media_encrypted, media_encrypted);
  fail_unless_equals_int (m->media_authenticated, media_authenticated);
  fail_unless_equals_int (m->signaling_encrypted, signaling_encrypted);
  fail_unless_equals_int (m->tls_certificate_valid, tls_certificate_valid);
  fail_unless_equals_int (m->auth_tag_bits, auth_tag_bits);
  fail_unless_equals_int (m->level, level);
  fail_unless (m->meta.info == GST_E2EE_TRANSPORT_META_INFO);
  fail_unless (m->meta.info->api == GST_E2EE_TRANSPORT_META_API_TYPE);
}

GST_START_TEST (test_transport_meta_add_get)
{
  GstBuffer *buf = new_buffer ();
  const gchar *const *tags;
  GstE2eeTransportMeta *m;

  m = gst_buffer_add_e2ee_transport_meta (buf, 0xdeadbeef, TRUE, TRUE, TRUE, TRUE, 80);
  fail_unless (m != NULL);
  fail_unless (gst_buffer_get_e2ee_transport_meta (buf) == m);
  check_transport_meta (buf, 0xdeadbeef, TRUE, TRUE, TRUE, TRUE, 80,
      GST_E2EE_ENCRYPTION_LEVEL_ENCRYPTED);
  fail_unless (gst_buffer_get_e2ee_meta (buf) == NULL);
  fail_unless_equals_string (g_type_name (GST_E2EE_TRANSPORT_META_API_TYPE),
      "GstE2eeTransportMetaAPI");
  tags = gst_meta_api_type_get_tags (GST_E2EE_TRANSPORT_META_API_TYPE);
  fail_unless (tags == NULL || tags[0] == NULL);
  gst_buffer_unref (buf);

  /* Media that did not authenticate does not count as encrypted. */
  buf = new_buffer ();
  gst_buffer_add_e2ee_transport_meta (buf, 1, TRUE, FALSE, TRUE, TRUE, 0);
  check_transport_meta (buf, 1, TRUE, FALSE, TRUE, TRUE, 0,
      GST_E2EE_ENCRYPTION_LEVEL_PARTIALLY_ENCRYPTED);
  gst_buffer_unref (buf);

  /* Both metas on one buffer, each found by its own API. */
  buf = new_buffer ();
  gst_buffer_add_e2ee_transport_meta (buf, 2, FALSE, FALSE, FALSE, FALSE, 0);
  gst_buffer_add_e2ee_meta (buf, TRUE, 1, 2, GST_E2EE_CIPHER_SUITE_AES_256_GCM_SHA512_128);
  check_transport_meta (buf, 2, FALSE, FALSE, FALSE, FALSE, 0,
      GST_E2EE_ENCRYPTION_LEVEL_PARTIALLY_ENCRYPTED);
  check_e2ee_meta (buf, TRUE, 1, 2, GST_E2EE_CIPHER_SUITE_AES_256_GCM_SHA512_128);
  gst_buffer_unref (buf);
}

GST_END_TEST;

GST_START_TEST (test_transport_meta_copy)
{
  GstBuffer *buf = new_buffer (), *copy, *region;
  GstE2eeTransportMeta *m;

  m = gst_buffer_add_e2ee_transport_meta (buf, 0x11223344, TRUE, TRUE, TRUE, FALSE, 32);
  check_transport_meta (buf, 0x11223344, TRUE, TRUE, TRUE, FALSE, 32,
      GST_E2EE_ENCRYPTION_LEVEL_PARTIALLY_ENCRYPTED);
  /* A level an element set on purpose is what copies carry, not a recomputed one. */
  m->level = GST_E2EE_ENCRYPTION_LEVEL_UNENCRYPTED;

  copy = gst_buffer_copy (buf);
  check_transport_meta (copy, 0x11223344, TRUE, TRUE, TRUE, FALSE, 32,
      GST_E2EE_ENCRYPTION_LEVEL_UNENCRYPTED);
  fail_unless (gst_buffer_get_e2ee_transport_meta (copy) != m);

  region = gst_buffer_copy_region (buf, GST_BUFFER_COPY_ALL, 12, 20);
  fail_unless_equals_uint64 (gst_buffer_get_size (region), 20);
  check_transport_meta (region, 0x11223344, TRUE, TRUE, TRUE, FALSE, 32,
      GST_E2EE_ENCRYPTION_LEVEL_UNENCRYPTED);

  gst_buffer_unref (region);
  gst_buffer_unref (copy);
  gst_buffer_unref (buf);
}

GST_END_TEST;

GST_START_TEST (test_encryption_level_for_connection)
{
  guint i;

  for (i = 0; i < 8; i++) {
    gboolean media = (i & 4) != 0, signaling = (i & 2) != 0, tls = (i & 1) != 0;
    GstE2eeEncryptionLevel expected = (media && signaling && tls) ?
        GST_E2EE_ENCRYPTION_LEVEL_ENCRYPTED : GST_E2EE_ENCRYPTION_LEVEL_PARTIALLY_ENCRYPTED;
    GstBuffer *buf;

    fail_unless_equals_int (gst_e2ee_encryption_level_for_connection (media, signaling,
            tls), expected);

    /* The transport meta computes the same level (authenticated media). */
    buf = new_buffer ();
    gst_buffer_add_e2ee_transport_meta (buf, i, media, media, signaling, tls,
        media ? 80 : 0);
    check_transport_meta (buf, i, media, media, signaling, tls, media ? 80 : 0, expected);
    gst_buffer_unref (buf);
  }
  /* Only yes/yes/yes is green; a single connection is never end to end. */
  fail_unless_equals_int (gst_e2ee_encryption_level_for_connection (TRUE, TRUE, TRUE),
      GST_E2EE_ENCRYPTION_LEVEL_ENCRYPTED);
  fail_unless_equals_int (gst_e2ee_encryption_level_for_connection (FALSE, FALSE, FALSE),
      GST_E2EE_ENCRYPTION_LEVEL_PARTIALLY_ENCRYPTED);
}

GST_END_TEST;

GST_START_TEST (test_encryption_level_enum)
{
  GEnumClass *klass = g_type_class_ref (GST_TYPE_E2EE_ENCRYPTION_LEVEL);
  static const struct
  {
    GstE2eeEncryptionLevel value;
    const gchar *nick;
  } table[] = {
    {GST_E2EE_ENCRYPTION_LEVEL_E2EE, "e2ee"},
    {GST_E2EE_ENCRYPTION_LEVEL_ENCRYPTED, "encrypted"},
    {GST_E2EE_ENCRYPTION_LEVEL_PARTIALLY_ENCRYPTED, "partially-encrypted"},
    {GST_E2EE_ENCRYPTION_LEVEL_UNENCRYPTED, "unencrypted"},
  };
  guint i;

  fail_unless_equals_int (klass->n_values, G_N_ELEMENTS (table));
  for (i = 0; i < G_N_ELEMENTS (table); i++) {
    GEnumValue *v = g_enum_get_value (klass, table[i].value);
    fail_unless (v != NULL);
    fail_unless_equals_string (v->value_nick, table[i].nick);
  }
  g_type_class_unref (klass);
}

GST_END_TEST;

static Suite *
meta_suite (void)
{
  Suite *s = suite_create ("meta");
  TCase *tc;

  tc = tcase_create ("e2ee-meta");
  suite_add_tcase (s, tc);
  tcase_add_test (tc, test_e2ee_meta_add_get);
  tcase_add_test (tc, test_e2ee_meta_copy);
  tcase_add_test (tc, test_sender_meta);

  tc = tcase_create ("transport-meta");
  suite_add_tcase (s, tc);
  tcase_add_test (tc, test_transport_meta_add_get);
  tcase_add_test (tc, test_transport_meta_copy);
  tcase_add_test (tc, test_encryption_level_for_connection);
  tcase_add_test (tc, test_encryption_level_enum);

  return s;
}

GST_CHECK_MAIN (meta);
