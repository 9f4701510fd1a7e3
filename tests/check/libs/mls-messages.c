/* gst-e2ee: the MLS messages of RFC 9420 against the MLS working group's messages
 * vectors: each Welcome, GroupInfo, GroupSecrets, Commit, PublicMessage (application,
 * proposal, commit) and PrivateMessage decodes strictly and re-encodes to exactly its
 * own bytes. KeyPackage, ratchet tree and proposals are the tree's tests
 * (libs/mls-tree and the like).
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <gst/check/gstcheck.h>
#include <gst/e2ee/gste2eemlserror.h>
#include <gst/e2ee/gste2eemlscommit.h>
#include <gst/e2ee/gste2eemlsmessage.h>

#include "../mls-vectors.h"
#include <valgrind/valgrind.h>

#define VECTORS "mls/messages.json"

typedef enum
{
  CHECK_PASSED,
  CHECK_FAILED,
  CHECK_UNSUPPORTED,
} CheckResult;

/* Decodes data as field's structure and re-encodes it into out. */
static gboolean
round_trip (const gchar * field, const guint8 * data, gsize len, GByteArray * out,
    GError ** error)
{
  gboolean ok;

  if (strcmp (field, "group_secrets") == 0) {
    GstE2eeMlsGroupSecrets gs;

    return gst_e2ee_mls_group_secrets_decode (&gs, data, len, error)
        && gst_e2ee_mls_group_secrets_encode (&gs, out, error);
  }
  if (strcmp (field, "commit") == 0) {
    GstE2eeMlsCommit c;

    gst_e2ee_mls_commit_init (&c);
    ok = gst_e2ee_mls_commit_decode (&c, data, len, error)
        && gst_e2ee_mls_commit_encode (&c, out, error);
    gst_e2ee_mls_commit_clear (&c);
    return ok;
  } else {
    GstE2eeMlsMessage m;

    gst_e2ee_mls_message_init (&m);
    ok = gst_e2ee_mls_message_decode (&m, data, len, error)
        && gst_e2ee_mls_message_encode (&m, out, error);
    gst_e2ee_mls_message_clear (&m);
    return ok;
  }
}

static CheckResult
check_field (MlsVectors * v, JsonObject * o, const gchar * field, gchar ** why)
{
  GBytes *b = mls_hex (v, o, field);
  GByteArray *out = g_byte_array_new ();
  GError *err = NULL;
  CheckResult r = CHECK_PASSED;

  if (!round_trip (field, MLS_D (b), MLS_L (b), out, &err)) {
    if (g_error_matches (err, GST_E2EE_MLS_ERROR, GST_E2EE_MLS_ERROR_UNSUPPORTED)) {
      *why = g_strdup (err->message);
      r = CHECK_UNSUPPORTED;
    } else {
      g_printerr ("  %s: %s\n", field, err->message);
      r = CHECK_FAILED;
    }
  } else if (out->len != MLS_L (b) || memcmp (out->data, MLS_D (b), out->len) != 0) {
    g_printerr ("  %s: does not re-encode to itself\n", field);
    r = CHECK_FAILED;
  }
  g_clear_error (&err);
  g_byte_array_unref (out);
  return r;
}

/* The 2.6 MB file, parsed once per process: under valgrind (CK_FORK=no) the three
 * tests share one parse. */
static MlsVectors *
vectors (void)
{
  static MlsVectors *v;

  if (v == NULL)
    v = mls_vectors_open (VECTORS);
  return v;
}

/* Under valgrind the first 30 entries of each field (all 300 otherwise); the others
 * are counted as skipped, not run. */
static guint
n_run (MlsVectors * v)
{
  return RUNNING_ON_VALGRIND ? 30 : mls_vectors_count (v);
}

static const gchar *const fields[] = { "mls_welcome", "mls_group_info",
  "group_secrets", "commit", "public_message_application", "public_message_proposal",
  "public_message_commit", "private_message"
};

/* One tally per field ("messages.json commit: 300 passed, ..."), from one parse of
 * the 2.6 MB file (quick under valgrind). */
GST_START_TEST (test_messages_vectors)
{
  MlsVectors *v = vectors ();
  guint f, i, total_failed = 0;

  fail_unless_equals_int (mls_vectors_count (v), 300);
  for (f = 0; f < G_N_ELEMENTS (fields); f++) {
    v->passed = v->skipped = v->failed = 0;
    g_string_truncate (v->skips, 0);
    for (i = 0; i < mls_vectors_count (v); i++) {
      gchar *why = NULL;

      if (i >= n_run (v)) {
        v->skipped++;
        continue;
      }
      switch (check_field (v, mls_vectors_entry (v, i), fields[f], &why)) {
        case CHECK_UNSUPPORTED:
          mls_vectors_skip (v, i, why);
          break;
        case CHECK_PASSED:
          mls_vectors_tally (v, i, TRUE);
          break;
        default:
          g_printerr ("messages.json %s: ", fields[f]);
          mls_vectors_tally (v, i, FALSE);
          break;
      }
      g_free (why);
    }
    g_print ("messages.json %s: %u passed, %u skipped%s%s%s, %u failed\n", fields[f],
        v->passed, v->skipped, v->skipped ? " (" : "",
        v->skips->len ? v->skips->str : "not run under valgrind", v->skipped ? ")" : "",
        v->failed);
    fail_unless (v->passed > 0, "%s: no entry passed", fields[f]);
    total_failed += v->failed;
  }
  fail_unless_equals_int (total_failed, 0);
}

GST_END_TEST;

/* A changed first byte (a version, a length) makes each structure fail to decode:
 * no field's check passes vacuously. */
GST_START_TEST (test_messages_detect_corruption)
{
  MlsVectors *v = vectors ();
  JsonObject *o = mls_vectors_entry (v, 0);
  guint f;

  for (f = 0; f < G_N_ELEMENTS (fields); f++) {
    gchar *saved = g_strdup (json_object_get_string_member (o, fields[f])), *why = NULL;

    fail_unless (check_field (v, o, fields[f], &why) == CHECK_PASSED, "%s", fields[f]);
    mls_flip (o, fields[f]);
    fail_if (check_field (v, o, fields[f], &why) == CHECK_PASSED, "%s changed, passed",
        fields[f]);
    g_free (why);
    json_object_set_string_member (o, fields[f], saved);
    g_free (saved);
  }
  g_ptr_array_set_size (v->scratch, 0);
}

GST_END_TEST;

/* Strict: each structure with one byte more or one byte less is refused. */
GST_START_TEST (test_messages_refused)
{
  MlsVectors *v = vectors ();
  JsonObject *o = mls_vectors_entry (v, 0);
  guint f;

  for (f = 0; f < G_N_ELEMENTS (fields); f++) {
    GBytes *b = mls_hex (v, o, fields[f]);
    gsize len = MLS_L (b);
    guint8 *longer = g_malloc0 (len + 1);
    GByteArray *out = g_byte_array_new ();
    GError *err = NULL;

    memcpy (longer, MLS_D (b), len);
    fail_unless (round_trip (fields[f], longer, len, out, &err), "%s: %s", fields[f],
        err ? err->message : "");
    fail_if (round_trip (fields[f], longer, len + 1, out, &err), "%s with a byte more",
        fields[f]);
    fail_unless (g_error_matches (err, GST_E2EE_MLS_ERROR, GST_E2EE_MLS_ERROR_DECODE),
        "%s: %s", fields[f], err->message);
    g_clear_error (&err);
    fail_if (round_trip (fields[f], longer, len - 1, out, &err), "%s with a byte less",
        fields[f]);
    g_clear_error (&err);
    g_byte_array_unref (out);
    g_free (longer);
  }
  g_ptr_array_set_size (v->scratch, 0);
}

GST_END_TEST;

/* A PublicMessage commit whose UpdatePath's last HPKECiphertext has a kem_output and
 * then ends: refused as a decode error. It decoded as a whole message with the error
 * set before (fuzz-mls-group-info found it; the same bytes are in
 * tests/fuzz/regressions/mls-group-info/update-path-ciphertext-cut). */
GST_START_TEST (test_messages_ciphertext_cut)
{
  static const guint8 msg[] = {
    0x00, 0x01, 0x00, 0x01, 0x00, 0x07, 0x00, 0xe3, 0xc0, 0x00, 0x04, 0x00, 0x00, 0x03,
    0x00, 0x03, 0x00, 0x01, 0x00, 0x03, 0x02, 0x00, 0x00, 0x00, 0x01, 0x00, 0x04, 0x01,
    0x00, 0x00, 0x01, 0x00, 0x04, 0x01, 0x00, 0x00, 0x01, 0x00, 0x04, 0x01, 0x00, 0x00,
    0x00, 0x01, 0x00, 0x01, 0x01, 0x00, 0x01, 0x6c, 0x00, 0x03, 0x02, 0x00, 0x00, 0x00,
    0x00, 0x04, 0x01, 0x00, 0x00, 0x01, 0x00, 0x04, 0x01, 0x00, 0x01, 0x00, 0x04, 0x00,
    0x00, 0x03, 0x00, 0x00
  };
  GstE2eeMlsMessage m;
  GError *err = NULL;

  gst_e2ee_mls_message_init (&m);
  fail_if (gst_e2ee_mls_message_decode (&m, msg, sizeof msg, &err),
      "decoded, with the error \"%s\"", err ? err->message : "(none)");
  fail_unless (g_error_matches (err, GST_E2EE_MLS_ERROR, GST_E2EE_MLS_ERROR_DECODE),
      "%s", err ? err->message : "no error");
  g_clear_error (&err);
  gst_e2ee_mls_message_clear (&m);
}

GST_END_TEST;

static Suite *
mls_messages_suite (void)
{
  Suite *s = suite_create ("mls-messages");
  TCase *tc = tcase_create ("general");

  suite_add_tcase (s, tc);
  tcase_set_timeout (tc, 120);
  tcase_add_test (tc, test_messages_vectors);
  tcase_add_test (tc, test_messages_detect_corruption);
  tcase_add_test (tc, test_messages_refused);
  tcase_add_test (tc, test_messages_ciphertext_cut);
  return s;
}

GST_CHECK_MAIN (mls_messages);
