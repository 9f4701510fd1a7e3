/* gst-e2ee: the MLS key schedule (RFC 9420 §8), GroupContext encoding and transcript
 * hashes on cipher suite 1 against the MLS working group's key-schedule and
 * transcript-hashes vectors.
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <gst/check/gstcheck.h>
#include <gst/e2ee/gste2eemlscodec.h>
#include <gst/e2ee/gste2eemlserror.h>
#include <gst/e2ee/gste2eemlsgroupcontext.h>
#include <gst/e2ee/gste2eemlskeyschedule.h>
#include <gst/e2ee/gste2eemlstranscript.h>

#include "../mls-vectors.h"

static const GstE2eeMlsSuite *
suite_of (MlsVectors * v, JsonObject * o)
{
  const GstE2eeMlsSuite *s;

  s = gst_e2ee_mls_suite_lookup ((guint16) mls_uint (v, o, "cipher_suite"), NULL);
  fail_unless (s != NULL, "the extraction left a suite that is not in the table");
  return s;
}

/* GroupContext for epoch i: ours equals the vector's, and the vector's decodes to the
 * same fields. */
static gboolean
check_group_context (MlsVectors * v, const GstE2eeMlsSuite * s, JsonObject * e,
    GBytes * group_id, guint64 epoch)
{
  GBytes *tree_hash = mls_hex (v, e, "tree_hash");
  GBytes *cth = mls_hex (v, e, "confirmed_transcript_hash");
  GBytes *want = mls_hex (v, e, "group_context");
  GstE2eeMlsGroupContext gc = {
    .cipher_suite = s->id,.group_id = MLS_D (group_id),.group_id_len = MLS_L (group_id),
    .epoch = epoch,.tree_hash = MLS_D (tree_hash),.tree_hash_len = MLS_L (tree_hash),
    .confirmed_transcript_hash = MLS_D (cth),.confirmed_transcript_hash_len = MLS_L (cth),
  }, got;
  GByteArray *w = g_byte_array_new ();
  GError *err = NULL;
  gboolean same;

  if (!gst_e2ee_mls_group_context_encode (&gc, w, &err)) {
    g_byte_array_unref (w);
    MLS_EXPECT_OK (FALSE, err);
  }
  same = w->len == MLS_L (want) && memcmp (w->data, MLS_D (want), w->len) == 0;
  g_byte_array_unref (w);
  MLS_EXPECT (same, "group_context %" G_GUINT64_FORMAT " differs", epoch);
  MLS_EXPECT_OK (gst_e2ee_mls_group_context_decode (&got, MLS_D (want), MLS_L (want),
          &err), err);
  MLS_EXPECT (got.cipher_suite == s->id && got.epoch == epoch
      && got.extensions_len == 0, "decoded group_context fields differ");
  MLS_EXPECT_BYTES ("decoded group_id", got.group_id, got.group_id_len, group_id);
  MLS_EXPECT_BYTES ("decoded tree_hash", got.tree_hash, got.tree_hash_len, tree_hash);
  MLS_EXPECT_BYTES ("decoded confirmed_transcript_hash", got.confirmed_transcript_hash,
      got.confirmed_transcript_hash_len, cth);
  return TRUE;
}

static gboolean
check_epoch (MlsVectors * v, const GstE2eeMlsSuite * s, JsonObject * e,
    GstE2eeMlsEpochSecrets * secrets)
{
  static const struct
  {
    const gchar *name;
    gsize offset;
  } fields[] = {
    {"joiner_secret", G_STRUCT_OFFSET (GstE2eeMlsEpochSecrets, joiner_secret)},
    {"welcome_secret", G_STRUCT_OFFSET (GstE2eeMlsEpochSecrets, welcome_secret)},
    {"init_secret", G_STRUCT_OFFSET (GstE2eeMlsEpochSecrets, init_secret)},
    {"sender_data_secret", G_STRUCT_OFFSET (GstE2eeMlsEpochSecrets, sender_data_secret)},
    {"encryption_secret", G_STRUCT_OFFSET (GstE2eeMlsEpochSecrets, encryption_secret)},
    {"exporter_secret", G_STRUCT_OFFSET (GstE2eeMlsEpochSecrets, exporter_secret)},
    {"epoch_authenticator", G_STRUCT_OFFSET (GstE2eeMlsEpochSecrets,
          epoch_authenticator)},
    {"external_secret", G_STRUCT_OFFSET (GstE2eeMlsEpochSecrets, external_secret)},
    {"confirmation_key", G_STRUCT_OFFSET (GstE2eeMlsEpochSecrets, confirmation_key)},
    {"membership_key", G_STRUCT_OFFSET (GstE2eeMlsEpochSecrets, membership_key)},
    {"resumption_psk", G_STRUCT_OFFSET (GstE2eeMlsEpochSecrets, resumption_psk)},
  };
  GBytes *commit_secret = mls_hex (v, e, "commit_secret");
  GBytes *psk_secret = mls_hex (v, e, "psk_secret");
  GBytes *gc = mls_hex (v, e, "group_context");
  JsonObject *exporter = json_object_get_object_member (e, "exporter");
  /* The exporter label is the string as it is (hex digits are its characters). */
  const gchar *label = mls_string (v, exporter, "label");
  GBytes *context = mls_hex (v, exporter, "context");
  gsize len = mls_uint (v, exporter, "length");
  guint8 out[256];
  GError *err = NULL;
  gsize i;

  MLS_EXPECT (MLS_L (commit_secret) == s->nh && MLS_L (psk_secret) == s->nh
      && len <= sizeof out, "sizes out of range");
  /* The previous epoch's init_secret is advanced in place, as a group does. */
  MLS_EXPECT_OK (gst_e2ee_mls_key_schedule_next (s, secrets->init_secret,
          MLS_D (commit_secret), MLS_D (psk_secret), MLS_D (gc), MLS_L (gc), secrets,
          &err), err);
  for (i = 0; i < G_N_ELEMENTS (fields); i++)
    MLS_EXPECT_BYTES (fields[i].name, (const guint8 *) secrets + fields[i].offset,
        s->nh, mls_hex (v, e, fields[i].name));
  MLS_EXPECT_OK (gst_e2ee_mls_external_pub (secrets, out, &err), err);
  MLS_EXPECT_BYTES ("external_pub", out, s->npk, mls_hex (v, e, "external_pub"));
  MLS_EXPECT_OK (gst_e2ee_mls_exporter (secrets, (const guint8 *) label, strlen (label),
          MLS_D (context), MLS_L (context), out, len, &err), err);
  MLS_EXPECT_BYTES ("exporter.secret", out, len, mls_hex (v, exporter, "secret"));
  return TRUE;
}

static gboolean
check_key_schedule (MlsVectors * v, JsonObject * o)
{
  const GstE2eeMlsSuite *s = suite_of (v, o);
  GBytes *group_id = mls_hex (v, o, "group_id");
  GBytes *init = mls_hex (v, o, "initial_init_secret");
  JsonArray *epochs = json_object_get_array_member (o, "epochs");
  GstE2eeMlsEpochSecrets secrets = { 0 };
  gboolean ok = TRUE;
  guint i;

  MLS_EXPECT (MLS_L (init) == s->nh, "initial_init_secret size");
  memcpy (secrets.init_secret, MLS_D (init), s->nh);
  for (i = 0; ok && i < json_array_get_length (epochs); i++) {
    JsonObject *e = json_array_get_object_element (epochs, i);

    ok = check_group_context (v, s, e, group_id, i) && check_epoch (v, s, e, &secrets);
    if (!ok)
      g_printerr ("  (epoch %u)\n", i);
  }
  gst_e2ee_mls_epoch_secrets_clear (&secrets);
  return ok;
}

GST_START_TEST (test_key_schedule_vectors)
{
  mls_vectors_run ("mls/key-schedule.json", 1, check_key_schedule,
      "each entry checks 5 epochs");
}

GST_END_TEST;

GST_START_TEST (test_key_schedule_detects_corruption)
{
  /* Every field, spread over the 5 epochs. */
  static const gchar *const paths[] = { "epochs.0.group_context",
    "epochs.1.joiner_secret", "epochs.2.welcome_secret", "epochs.3.init_secret",
    "epochs.4.sender_data_secret", "epochs.0.encryption_secret",
    "epochs.1.exporter_secret", "epochs.2.epoch_authenticator",
    "epochs.3.external_secret", "epochs.4.confirmation_key", "epochs.0.membership_key",
    "epochs.1.resumption_psk", "epochs.2.external_pub", "epochs.3.exporter.secret",
    "epochs.4.commit_secret", "epochs.0.psk_secret", "epochs.1.tree_hash",
    "epochs.2.exporter.context", "group_id", "initial_init_secret"
  };

  mls_vectors_expect_detected ("mls/key-schedule.json", 0, paths,
      G_N_ELEMENTS (paths), check_key_schedule);
}

GST_END_TEST;

/* The AuthenticatedContent of a commit ends with its confirmation_tag<V>, Nh bytes:
 * the ConfirmedTranscriptHashInput is everything before it. The header is read to
 * check that the content is a commit. */
static gboolean
split_commit (const GstE2eeMlsSuite * s, GBytes * content, gsize * input_len,
    const guint8 ** tag)
{
  GstE2eeMlsReader r;
  const guint8 *bytes;
  gsize len;
  guint16 wire_format;
  guint64 epoch;
  guint8 sender_type, content_type;
  guint32 index;

  gst_e2ee_mls_reader_init (&r, MLS_D (content), MLS_L (content));
  MLS_EXPECT (gst_e2ee_mls_read_u16 (&r, &wire_format, NULL)
      && gst_e2ee_mls_read_opaque (&r, &bytes, &len, NULL)
      && gst_e2ee_mls_read_u64 (&r, &epoch, NULL)
      && gst_e2ee_mls_read_u8 (&r, &sender_type, NULL), "FramedContent header");
  if (sender_type == 1 || sender_type == 2)
    MLS_EXPECT (gst_e2ee_mls_read_u32 (&r, &index, NULL), "sender index");
  MLS_EXPECT (gst_e2ee_mls_read_opaque (&r, &bytes, &len, NULL)
      && gst_e2ee_mls_read_u8 (&r, &content_type, NULL), "authenticated_data");
  MLS_EXPECT (content_type == 3, "content_type %u is not commit", content_type);
  MLS_EXPECT (gst_e2ee_mls_reader_remaining (&r) > s->nh + 1
      && MLS_D (content)[MLS_L (content) - s->nh - 1] == s->nh,
      "no confirmation_tag<V> of %" G_GSIZE_FORMAT " bytes at the end", s->nh);
  *input_len = MLS_L (content) - s->nh - 1;
  *tag = MLS_D (content) + MLS_L (content) - s->nh;
  return TRUE;
}

static gboolean
check_transcript (MlsVectors * v, JsonObject * o)
{
  const GstE2eeMlsSuite *s = suite_of (v, o);
  GBytes *content = mls_hex (v, o, "authenticated_content");
  GBytes *interim_before = mls_hex (v, o, "interim_transcript_hash_before");
  GBytes *key = mls_hex (v, o, "confirmation_key");
  guint8 confirmed[GST_E2EE_MLS_MAX_HASH], interim[GST_E2EE_MLS_MAX_HASH];
  const guint8 *tag;
  gsize input_len;
  GError *err = NULL;

  if (!split_commit (s, content, &input_len, &tag))
    return FALSE;
  MLS_EXPECT_OK (gst_e2ee_mls_transcript_update (s, MLS_D (interim_before),
          MLS_L (interim_before), MLS_D (content), input_len, tag, s->nh, confirmed,
          interim, &err), err);
  MLS_EXPECT_BYTES ("confirmed_transcript_hash_after", confirmed, s->nh,
      mls_hex (v, o, "confirmed_transcript_hash_after"));
  MLS_EXPECT_BYTES ("interim_transcript_hash_after", interim, s->nh,
      mls_hex (v, o, "interim_transcript_hash_after"));
  /* The tag is the MAC of the new confirmed hash under confirmation_key. */
  MLS_EXPECT_OK (gst_e2ee_mls_mac_verify (s, MLS_D (key), MLS_L (key), confirmed, s->nh,
          tag, s->nh, &err), err);
  return TRUE;
}

GST_START_TEST (test_transcript_hashes_vectors)
{
  mls_vectors_run ("mls/transcript-hashes.json", 1, check_transcript, NULL);
}

GST_END_TEST;

GST_START_TEST (test_transcript_hashes_detect_corruption)
{
  static const gchar *const paths[] = { "confirmation_key", "authenticated_content",
    "interim_transcript_hash_before", "confirmed_transcript_hash_after",
    "interim_transcript_hash_after"
  };

  mls_vectors_expect_detected ("mls/transcript-hashes.json", 0, paths,
      G_N_ELEMENTS (paths), check_transcript);
}

GST_END_TEST;

GST_START_TEST (test_group_context_strict)
{
  static const guint8 mls10[] = { 0x00, 0x01, 0x00, 0x01, 0x01, 0xaa,
    0, 0, 0, 0, 0, 0, 0, 7, 0x00, 0x00, 0x04, 0x00, 0x0a, 0x01, 0xbb
  };
  guint8 bad[sizeof mls10 + 1];
  GstE2eeMlsGroupContext gc;
  GError *err = NULL;

  fail_unless (gst_e2ee_mls_group_context_decode (&gc, mls10, sizeof mls10, &err));
  fail_unless_equals_uint64 (gc.epoch, 7);
  fail_unless_equals_int (gc.extensions_len, 4);

  /* Another protocol version, a trailing byte, a truncated extension. */
  memcpy (bad, mls10, sizeof mls10);
  bad[1] = 2;
  fail_if (gst_e2ee_mls_group_context_decode (&gc, bad, sizeof mls10, &err));
  fail_unless (g_error_matches (err, GST_E2EE_MLS_ERROR, GST_E2EE_MLS_ERROR_DECODE));
  g_clear_error (&err);
  memcpy (bad, mls10, sizeof mls10);
  bad[sizeof mls10] = 0;
  fail_if (gst_e2ee_mls_group_context_decode (&gc, bad, sizeof bad, &err));
  fail_unless (g_error_matches (err, GST_E2EE_MLS_ERROR, GST_E2EE_MLS_ERROR_DECODE));
  g_clear_error (&err);
  bad[16] = 0x03;
  fail_if (gst_e2ee_mls_group_context_decode (&gc, bad, sizeof mls10 - 1, &err));
  fail_unless (g_error_matches (err, GST_E2EE_MLS_ERROR, GST_E2EE_MLS_ERROR_DECODE));
  g_clear_error (&err);

  /* Two extensions of one type (§13.4). */
  {
    static const guint8 twice[] = { 0x00, 0x01, 0x00, 0x01, 0x01, 0xaa,
      0, 0, 0, 0, 0, 0, 0, 7, 0x00, 0x00, 0x08, 0x00, 0x0a, 0x01, 0xbb,
      0x00, 0x0a, 0x01, 0xcc
    };

    fail_if (gst_e2ee_mls_group_context_decode (&gc, twice, sizeof twice, &err));
    fail_unless (g_error_matches (err, GST_E2EE_MLS_ERROR, GST_E2EE_MLS_ERROR_DECODE));
    g_clear_error (&err);
  }
}

GST_END_TEST;

static Suite *
mls_key_schedule_suite (void)
{
  Suite *s = suite_create ("mls-key-schedule");
  TCase *tc = tcase_create ("general");

  suite_add_tcase (s, tc);
  tcase_add_test (tc, test_key_schedule_vectors);
  tcase_add_test (tc, test_key_schedule_detects_corruption);
  tcase_add_test (tc, test_transcript_hashes_vectors);
  tcase_add_test (tc, test_transcript_hashes_detect_corruption);
  tcase_add_test (tc, test_group_context_strict);
  return s;
}

GST_CHECK_MAIN (mls_key_schedule);
