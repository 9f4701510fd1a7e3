/*
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * ts-mls's KeyPackages and ratchet trees through our codecs, below the group engine
 * (docs/mls.md, "Interop with ts-mls"): each decodes, re-encodes to the same bytes and
 * verifies; a KeyPackageRef and a tree hash are the ones ts-mls computes; a tree that
 * ts-mls built by adds, updates and removes passes our validation. ts-mls's key
 * packages list random GREASE values (RFC 9420 §13.5) in their capabilities, so every
 * run sees other ones.
 *
 * Skipped (exit 77) without node or ts-mls, failed under CI=true (mls-interop.c).
 */
#include <gst/check/gstcheck.h>
#include <gst/e2ee/gste2eemlserror.h>
#include <gst/e2ee/gste2eemlskeypackage.h>
#include <gst/e2ee/gste2eemlssuite.h>
#include <gst/e2ee/gste2eemlstree.h>
#include "tsmls-check.h"

static const GstE2eeMlsSuite *
suite1 (void)
{
  const GstE2eeMlsSuite *s = gst_e2ee_mls_suite_lookup (1, NULL);

  fail_unless (s != NULL);
  return s;
}

GST_START_TEST (test_key_packages)
{
  const GstE2eeMlsSuite *s = suite1 ();
  guint i;

  peer_begin ();
  for (i = 0; i < 8; i++) {
    gchar *name = g_strdup_printf ("ts-%u", i);
    GBytes *msg = ts_new_member (name);
    gsize len;
    const guint8 *data = g_bytes_get_data (msg, &len);
    GError *err = NULL;
    GstE2eeMlsKeyPackage *kp = gst_e2ee_mls_key_package_decode_message (data, len, &err);
    GByteArray *w = g_byte_array_new ();
    guint8 ref[64];
    GBytes *ours, *theirs;
    JsonBuilder *b;
    JsonObject *a;

    fail_unless (kp != NULL, "ts-mls's KeyPackage %u: %s", i, err ? err->message : "");
    gst_e2ee_mls_key_package_write_message (kp, w);
    ours = g_byte_array_free_to_bytes (w);
    assert_bytes_equal (ours, msg, "the KeyPackage re-encoded");
    g_bytes_unref (ours);
    fail_unless (gst_e2ee_mls_key_package_verify (s, kp, (guint64) (g_get_real_time () /
                G_USEC_PER_SEC), &err), "ts-mls's KeyPackage %u: %s", i, err ? err->message : "");

    fail_unless (gst_e2ee_mls_key_package_ref_hash (s, kp, ref, &err), "%s",
        err ? err->message : "");
    b = tsmls_request ("key_package_ref", NULL);
    tsmls_add_bytes (b, "key_package", msg);
    a = call (b);
    fail_unless (json_object_get_boolean_member (a, "valid"));
    theirs = tsmls_get_bytes (a, "ref");
    ours = g_bytes_new (ref, s->nh);
    assert_bytes_equal (ours, theirs, "the KeyPackageRefs");
    g_bytes_unref (ours);
    g_bytes_unref (theirs);
    json_object_unref (a);
    gst_e2ee_mls_key_package_unref (kp);

    /* The same KeyPackage with one bit of its signature changed must not verify. */
    {
      guint8 *bad = g_memdup2 (data, len);

      bad[len - 1] ^= 0x01;
      kp = gst_e2ee_mls_key_package_decode_message (bad, len, &err);
      fail_unless (kp != NULL, "%s", err ? err->message : "");
      fail_if (gst_e2ee_mls_key_package_verify (s, kp, 0, &err));
      fail_unless (err != NULL && err->domain == GST_E2EE_MLS_ERROR);
      g_clear_error (&err);
      gst_e2ee_mls_key_package_unref (kp);
      g_free (bad);
    }
    g_bytes_unref (msg);
    g_free (name);
  }
  peer_end ();
}

GST_END_TEST;

/* ts-mls member @ts's ratchet tree through our decoder, encoder, validation and tree
 * hash. */
static void
assert_tree_matches (const gchar * ts, const gchar * step)
{
  const GstE2eeMlsSuite *s = suite1 ();
  JsonObject *st = call (tsmls_request ("state", ts));
  GBytes *tree_bytes = ts_ratchet_tree (ts);
  GBytes *group_id = tsmls_get_bytes (st, "group_id");
  GBytes *their_hash = tsmls_get_bytes (st, "tree_hash"), *our_hash, *reencoded;
  gsize len, id_len;
  const guint8 *data = g_bytes_get_data (tree_bytes, &len);
  const guint8 *id = g_bytes_get_data (group_id, &id_len);
  GError *err = NULL;
  GstE2eeMlsTree *tree = gst_e2ee_mls_tree_decode (s, data, len, &err);
  GByteArray *w = g_byte_array_new ();
  guint8 hash[64];

  fail_unless (tree != NULL, "%s: ts-mls's tree: %s", step, err ? err->message : "");
  fail_unless (gst_e2ee_mls_tree_encode (tree, w, &err), "%s", err ? err->message : "");
  reencoded = g_byte_array_free_to_bytes (w);
  assert_bytes_equal (reencoded, tree_bytes, "the ratchet tree re-encoded");
  fail_unless (gst_e2ee_mls_tree_root_hash (tree, hash, &err), "%s", err ? err->message : "");
  our_hash = g_bytes_new (hash, s->nh);
  assert_bytes_equal (our_hash, their_hash, "the tree hashes");
  fail_unless (gst_e2ee_mls_tree_validate (tree, id, id_len, &err),
      "%s: ts-mls's tree does not validate: %s", step, err ? err->message : "");

  gst_e2ee_mls_tree_free (tree);
  g_bytes_unref (our_hash);
  g_bytes_unref (reencoded);
  g_bytes_unref (their_hash);
  g_bytes_unref (group_id);
  g_bytes_unref (tree_bytes);
  json_object_unref (st);
}

/* Everyone in @names but @committer processes @commit (consumed); the removed member
 * @removed (or NULL) leaves @names. */
static void
ts_deliver (GPtrArray * names, const gchar * committer, GBytes * commit,
    const gchar * removed)
{
  guint i;

  for (i = 0; i < names->len; i++)
    if (g_strcmp0 (g_ptr_array_index (names, i), committer) != 0)
      g_bytes_unref (ts_process (g_ptr_array_index (names, i), commit, "commit"));
  g_bytes_unref (commit);
  for (i = 0; removed != NULL && i < names->len; i++)
    if (g_strcmp0 (g_ptr_array_index (names, i), removed) == 0)
      g_ptr_array_remove_index (names, i);
}

/* @committer adds a new ts-mls member @name, which joins with the tree given. */
static void
ts_step_add (GPtrArray * names, const gchar * committer, const gchar * name)
{
  GBytes *kp = ts_new_member (name), *welcome, *tree;

  ts_deliver (names, committer, ts_add (committer, kp, FALSE, FALSE, &welcome), NULL);
  tree = ts_ratchet_tree (committer);
  ts_join (name, welcome, tree);
  g_ptr_array_add (names, g_strdup (name));
  g_bytes_unref (tree);
  g_bytes_unref (welcome);
  g_bytes_unref (kp);
}

GST_START_TEST (test_ratchet_trees)
{
  GPtrArray *names = g_ptr_array_new_with_free_func (g_free);
  guint i;

  peer_begin ();
  g_bytes_unref (ts_new_member ("m0"));
  ts_create ("m0", "trees");
  g_ptr_array_add (names, g_strdup ("m0"));
  assert_tree_matches ("m0", "one member");

  /* Adds without a path leave blank parents and unmerged leaves. */
  for (i = 1; i <= 5; i++) {
    gchar *name = g_strdup_printf ("m%u", i);

    ts_step_add (names, "m0", name);
    assert_tree_matches (name, "after an add");
    g_free (name);
  }
  /* Paths fill parents and clear unmerged leaves; removes blank paths and leaves and
   * truncate; an add then fills the leftmost blank leaf. */
  ts_deliver (names, "m3", ts_update ("m3", FALSE), NULL);
  assert_tree_matches ("m0", "after m3's update");
  ts_deliver (names, "m2", ts_remove ("m2", 1, FALSE), "m1");
  assert_tree_matches ("m0", "after m1's removal");
  ts_deliver (names, "m5", ts_update ("m5", TRUE), NULL);
  assert_tree_matches ("m2", "after m5's update");
  ts_step_add (names, "m4", "m6");
  assert_tree_matches ("m6", "after m6 took leaf 1");
  ts_deliver (names, "m4", ts_remove ("m4", 5, FALSE), "m5");
  assert_tree_matches ("m0", "after m5's removal");
  ts_deliver (names, "m2", ts_update ("m2", FALSE), NULL);
  assert_tree_matches ("m6", "after m2's update");
  ts_deliver (names, "m6", ts_remove ("m6", 0, FALSE), "m0");
  assert_tree_matches ("m3", "after m0's removal");
  peer_end ();
  g_ptr_array_unref (names);
}

GST_END_TEST;

static Suite *
mls_interop_codecs_suite (void)
{
  Suite *s = suite_create ("mls-interop-codecs");
  TCase *tc = tcase_create ("ts-mls");

  suite_add_tcase (s, tc);
  tcase_add_test (tc, test_key_packages);
  tcase_add_test (tc, test_ratchet_trees);
  return s;
}

int
main (int argc, char **argv)
{
  return tsmls_check_main (argc, argv, mls_interop_codecs_suite, "mls-interop-codecs");
}
