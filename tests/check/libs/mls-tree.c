/* gst-e2ee: the MLS ratchet tree on cipher suite 1 against the MLS working group's
 * tree-validation and tree-operations vectors (resolution, tree hash, parent hash,
 * leaf signatures, Add/Update/Remove), and the refusals a joiner relies on.
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <gst/check/gstcheck.h>
#include <gst/e2ee/gste2eemlserror.h>
#include <gst/e2ee/gste2eemlsproposal.h>
#include <gst/e2ee/gste2eemlstree.h>

#include "../mls-vectors.h"

static const GstE2eeMlsSuite *
suite_of (MlsVectors * v, JsonObject * o)
{
  const GstE2eeMlsSuite *s;

  s = gst_e2ee_mls_suite_lookup ((guint16) mls_uint (v, o, "cipher_suite"), NULL);
  fail_unless (s != NULL, "the extraction left a suite that is not in the table");
  return s;
}

static gboolean
check_resolutions (GstE2eeMlsTree * tree, JsonArray * want)
{
  GArray *res = g_array_new (FALSE, FALSE, sizeof (guint32));
  guint i, j;

  MLS_EXPECT (json_array_get_length (want) == gst_e2ee_mls_tree_width (tree),
      "%u resolutions for a tree of %u nodes", json_array_get_length (want),
      gst_e2ee_mls_tree_width (tree));
  for (i = 0; i < json_array_get_length (want); i++) {
    JsonArray *w = json_array_get_array_element (want, i);
    gboolean same;

    g_array_set_size (res, 0);
    gst_e2ee_mls_tree_resolution (tree, i, res);
    same = res->len == json_array_get_length (w);
    for (j = 0; same && j < res->len; j++)
      same = g_array_index (res, guint32, j) == json_array_get_int_element (w, j);
    if (!same) {
      g_array_unref (res);
      MLS_EXPECT (FALSE, "resolution of node %u differs", i);
    }
  }
  g_array_unref (res);
  return TRUE;
}

static gboolean
check_tree_validation (MlsVectors * v, JsonObject * o)
{
  const GstE2eeMlsSuite *s = suite_of (v, o);
  GBytes *bytes = mls_hex (v, o, "tree"), *group_id = mls_hex (v, o, "group_id");
  JsonArray *hashes = json_object_get_array_member (o, "tree_hashes");
  GstE2eeMlsTree *tree;
  GByteArray *w;
  GError *err = NULL;
  guint8 h[GST_E2EE_MLS_MAX_HASH];
  gboolean same, ok;
  guint i;

  tree = gst_e2ee_mls_tree_decode (s, MLS_D (bytes), MLS_L (bytes), &err);
  MLS_EXPECT_OK (tree != NULL, err);
  w = g_byte_array_new ();
  ok = gst_e2ee_mls_tree_encode (tree, w, NULL);
  same = ok && w->len == MLS_L (bytes) && memcmp (w->data, MLS_D (bytes), w->len) == 0;
  g_byte_array_unref (w);
  if (!same || !check_resolutions (tree,
          json_object_get_array_member (o, "resolutions"))
      || json_array_get_length (hashes) != gst_e2ee_mls_tree_width (tree)) {
    gst_e2ee_mls_tree_free (tree);
    MLS_EXPECT (FALSE, "the tree does not re-encode to itself, or its shape differs");
  }
  for (i = 0; i < json_array_get_length (hashes); i++) {
    gchar *name = g_strdup_printf ("%u", i);
    JsonObject *holder = json_object_new ();
    GBytes *want;

    json_object_set_string_member (holder, name,
        json_array_get_string_element (hashes, i));
    want = mls_hex (v, holder, name);
    json_object_unref (holder);
    g_free (name);
    ok = gst_e2ee_mls_tree_hash (tree, i, h, NULL);
    same = ok && MLS_L (want) == s->nh && memcmp (h, MLS_D (want), s->nh) == 0;
    if (!same) {
      gst_e2ee_mls_tree_free (tree);
      MLS_EXPECT (FALSE, "tree hash of node %u differs", i);
    }
  }
  ok = gst_e2ee_mls_tree_validate (tree, MLS_D (group_id), MLS_L (group_id), &err);
  gst_e2ee_mls_tree_free (tree);
  MLS_EXPECT_OK (ok, err);
  return TRUE;
}

GST_START_TEST (test_tree_validation_vectors)
{
  mls_vectors_run ("mls/tree-validation.json", 14, check_tree_validation,
      "each entry checks every node's resolution and tree hash, the parent hashes and "
      "the leaf signatures");
}

GST_END_TEST;

GST_START_TEST (test_tree_validation_detects_corruption)
{
  /* A node's expected tree hash, and the group id every update/commit leaf signs. */
  static const gchar *const paths[] = { "tree_hashes.0", "tree_hashes.3", "group_id" };
  MlsVectors *v;
  JsonObject *o;
  JsonArray *res;

  mls_vectors_expect_detected ("mls/tree-validation.json", 4, paths,
      G_N_ELEMENTS (paths), check_tree_validation);

  /* An expected resolution. */
  v = mls_vectors_open ("mls/tree-validation.json");
  o = mls_vectors_entry (v, 4);
  res = json_array_get_array_element (json_object_get_array_member (o, "resolutions"),
      1);
  json_array_remove_element (res, 0);
  json_array_add_int_element (res, 2);
  fail_if (check_tree_validation (v, o), "a changed resolution passed");
  mls_vectors_free (v);
}

GST_END_TEST;

static GstE2eeMlsTree *
entry_tree (MlsVectors ** pv, guint entry, const GstE2eeMlsSuite ** s, GBytes ** gid)
{
  MlsVectors *v = mls_vectors_open ("mls/tree-validation.json");
  JsonObject *o = mls_vectors_entry (v, entry);
  GBytes *bytes = mls_hex (v, o, "tree");
  GstE2eeMlsTree *tree;

  *s = suite_of (v, o);
  *gid = mls_hex (v, o, "group_id");
  tree = gst_e2ee_mls_tree_decode (*s, MLS_D (bytes), MLS_L (bytes), NULL);
  fail_unless (tree != NULL);
  *pv = v;
  return tree;
}

static void
expect_invalid (GstE2eeMlsTree * tree, GBytes * gid, gint code)
{
  GError *err = NULL;

  fail_if (gst_e2ee_mls_tree_validate (tree, MLS_D (gid), MLS_L (gid), &err));
  fail_unless (err != NULL);
  fail_unless (g_error_matches (err, GST_E2EE_MLS_ERROR, code), "got %d: %s",
      err->code, err->message);
  g_error_free (err);
}

/* A copy of tree with one bit of parent node x's key (or parent hash) flipped is not
 * parent-hash valid. */
static void
expect_parent_change_refused (GstE2eeMlsTree * tree, GBytes * gid, guint32 x,
    gboolean key)
{
  GstE2eeMlsTree *t = gst_e2ee_mls_tree_copy (tree);
  const GstE2eeMlsParentNode *p = gst_e2ee_mls_tree_get_parent (t, x);
  guint8 k[GST_E2EE_MLS_MAX_KEM_KEY], ph[GST_E2EE_MLS_MAX_HASH];
  GstE2eeMlsParentNode *q;

  fail_unless (p != NULL && p->parent_hash_len > 0);
  memcpy (k, p->encryption_key, p->encryption_key_len);
  memcpy (ph, p->parent_hash, p->parent_hash_len);
  if (key)
    k[5] ^= 0x40;
  else
    ph[0] ^= 1;
  q = gst_e2ee_mls_parent_node_new (k, p->encryption_key_len, ph, p->parent_hash_len,
      p->unmerged_leaves, p->n_unmerged_leaves);
  gst_e2ee_mls_tree_set_parent (t, x, q);
  gst_e2ee_mls_parent_node_unref (q);
  expect_invalid (t, gid, GST_E2EE_MLS_ERROR_BAD_PARENT_HASH);
  gst_e2ee_mls_tree_free (t);
}

/* Each check a joiner makes of a tree, broken one at a time in a valid vector tree
 * (entry 4: 8 full leaves, every parent set by a commit). */
GST_START_TEST (test_tree_validation_refusals)
{
  const GstE2eeMlsSuite *s;
  GBytes *gid;
  MlsVectors *v;
  GstE2eeMlsTree *tree = entry_tree (&v, 4, &s, &gid), *t;
  const GstE2eeMlsParentNode *p;
  GstE2eeMlsParentNode *q;
  GstE2eeMlsLeafNode *leaf;
  guint8 *bytes;
  guint32 unmerged = 0;

  fail_unless (gst_e2ee_mls_tree_validate (tree, MLS_D (gid), MLS_L (gid), NULL));

  /* A parent hash changed; a parent's key changed (the parent hash of its child no
   * longer matches). */
  expect_parent_change_refused (tree, gid, 1, FALSE);
  expect_parent_change_refused (tree, gid, 3, TRUE);

  /* A leaf's signature changed. */
  t = gst_e2ee_mls_tree_copy (tree);
  bytes = g_memdup2 (gst_e2ee_mls_tree_get_leaf (t, 2)->encoded,
      gst_e2ee_mls_tree_get_leaf (t, 2)->encoded_len);
  bytes[gst_e2ee_mls_tree_get_leaf (t, 2)->encoded_len - 1] ^= 1;
  leaf = gst_e2ee_mls_leaf_node_decode (bytes,
      gst_e2ee_mls_tree_get_leaf (t, 2)->encoded_len, NULL);
  g_free (bytes);
  fail_unless (leaf != NULL);
  gst_e2ee_mls_tree_set_leaf (t, 2, leaf);
  gst_e2ee_mls_leaf_node_unref (leaf);
  expect_invalid (t, gid, GST_E2EE_MLS_ERROR_BAD_LEAF_SIGNATURE);
  gst_e2ee_mls_tree_free (t);

  /* Two leaves with the same keys (leaf 0 copied to leaf 1 would also break its
   * signature, which binds the index: check the key rule alone). */
  t = gst_e2ee_mls_tree_copy (tree);
  leaf = (GstE2eeMlsLeafNode *) gst_e2ee_mls_tree_get_leaf (t, 0);
  fail_if (gst_e2ee_mls_tree_check_unique_keys (t, leaf, 1, NULL));
  fail_unless (gst_e2ee_mls_tree_check_unique_keys (t, leaf, 0, NULL));
  gst_e2ee_mls_tree_free (t);

  /* An unmerged leaf listed on the root but not on the non-blank node between. */
  t = gst_e2ee_mls_tree_copy (tree);
  p = gst_e2ee_mls_tree_get_parent (t, 7);
  q = gst_e2ee_mls_parent_node_new (p->encryption_key, p->encryption_key_len,
      p->parent_hash, p->parent_hash_len, &unmerged, 1);
  gst_e2ee_mls_tree_set_parent (t, 7, q);
  gst_e2ee_mls_parent_node_unref (q);
  expect_invalid (t, gid, GST_E2EE_MLS_ERROR_INVALID_TREE);
  gst_e2ee_mls_tree_free (t);

  /* Signed for another group. */
  {
    guint8 other[] = { 1, 2, 3 };
    GError *err = NULL;

    fail_if (gst_e2ee_mls_tree_validate (tree, other, sizeof other, &err));
    fail_unless (g_error_matches (err, GST_E2EE_MLS_ERROR,
            GST_E2EE_MLS_ERROR_BAD_LEAF_SIGNATURE));
    g_error_free (err);
  }

  gst_e2ee_mls_tree_free (tree);
  mls_vectors_free (v);
}

GST_END_TEST;

/* The extension's codec: trailing blank nodes, node types at the wrong position. */
GST_START_TEST (test_tree_codec_strict)
{
  const GstE2eeMlsSuite *s = gst_e2ee_mls_suite_lookup (1, NULL);
  /* <V> of: a present leaf where a leaf belongs would need a whole LeafNode, so
   * these use blank and parent-typed nodes only. */
  static const guint8 blank_last[] = { 0x01, 0x00 };
  static const guint8 parent_at_0[] = { 0x02, 0x01, 0x02 };
  static const guint8 bad_presence[] = { 0x01, 0x02 };
  static const guint8 empty[] = { 0x00 };
  GError *err = NULL;

  fail_if (gst_e2ee_mls_tree_decode (s, blank_last, sizeof blank_last, &err));
  fail_unless (g_error_matches (err, GST_E2EE_MLS_ERROR,
          GST_E2EE_MLS_ERROR_INVALID_TREE));
  g_clear_error (&err);
  fail_if (gst_e2ee_mls_tree_decode (s, parent_at_0, sizeof parent_at_0, &err));
  fail_unless (g_error_matches (err, GST_E2EE_MLS_ERROR,
          GST_E2EE_MLS_ERROR_INVALID_TREE));
  g_clear_error (&err);
  fail_if (gst_e2ee_mls_tree_decode (s, bad_presence, sizeof bad_presence, &err));
  fail_unless (g_error_matches (err, GST_E2EE_MLS_ERROR, GST_E2EE_MLS_ERROR_DECODE));
  g_clear_error (&err);
  fail_if (gst_e2ee_mls_tree_decode (s, empty, sizeof empty, &err));
  fail_unless (g_error_matches (err, GST_E2EE_MLS_ERROR,
          GST_E2EE_MLS_ERROR_INVALID_TREE));
  g_clear_error (&err);
}

GST_END_TEST;

static gboolean
check_tree_operation (MlsVectors * v, JsonObject * o)
{
  const GstE2eeMlsSuite *s = suite_of (v, o);
  GBytes *before = mls_hex (v, o, "tree_before"), *after = mls_hex (v, o, "tree_after");
  GBytes *proposal = mls_hex (v, o, "proposal");
  GstE2eeMlsProposal p;
  GstE2eeMlsTree *tree;
  GByteArray *w = NULL;
  GError *err = NULL;
  guint8 h_before[GST_E2EE_MLS_MAX_HASH], h_after[GST_E2EE_MLS_MAX_HASH];
  gboolean ok, same = FALSE;

  tree = gst_e2ee_mls_tree_decode (s, MLS_D (before), MLS_L (before), &err);
  MLS_EXPECT_OK (tree != NULL, err);
  ok = gst_e2ee_mls_tree_root_hash (tree, h_before, &err)
      && gst_e2ee_mls_proposal_decode (MLS_D (proposal), MLS_L (proposal), &p, &err);
  if (ok) {
    ok = gst_e2ee_mls_proposal_apply (&p, tree,
        (guint32) mls_uint (v, o, "proposal_sender"), NULL, &err);
    gst_e2ee_mls_proposal_clear (&p);
  }
  if (ok) {
    w = g_byte_array_new ();
    ok = gst_e2ee_mls_tree_encode (tree, w, &err)
        && gst_e2ee_mls_tree_root_hash (tree, h_after, &err);
    same = ok && w->len == MLS_L (after) && memcmp (w->data, MLS_D (after),
        w->len) == 0;
    g_byte_array_unref (w);
  }
  gst_e2ee_mls_tree_free (tree);
  MLS_EXPECT_OK (ok, err);
  MLS_EXPECT_BYTES ("tree_hash_before", h_before, s->nh,
      mls_hex (v, o, "tree_hash_before"));
  MLS_EXPECT (same, "tree_after differs");
  MLS_EXPECT_BYTES ("tree_hash_after", h_after, s->nh,
      mls_hex (v, o, "tree_hash_after"));
  return TRUE;
}

GST_START_TEST (test_tree_operations_vectors)
{
  mls_vectors_run ("mls/tree-operations.json", 5, check_tree_operation,
      "each entry applies an Add, Update or Remove");
}

GST_END_TEST;

GST_START_TEST (test_tree_operations_detect_corruption)
{
  static const gchar *const paths[] = { "tree_before", "tree_after", "proposal",
    "tree_hash_before", "tree_hash_after"
  };
  guint i;

  for (i = 0; i < 5; i++)
    mls_vectors_expect_detected ("mls/tree-operations.json", i, paths,
        G_N_ELEMENTS (paths), check_tree_operation);
}

GST_END_TEST;

static Suite *
mls_tree_suite (void)
{
  Suite *s = suite_create ("mls-tree");
  TCase *tc = tcase_create ("general");

  suite_add_tcase (s, tc);
  tcase_add_test (tc, test_tree_validation_vectors);
  tcase_add_test (tc, test_tree_validation_detects_corruption);
  tcase_add_test (tc, test_tree_validation_refusals);
  tcase_add_test (tc, test_tree_codec_strict);
  tcase_add_test (tc, test_tree_operations_vectors);
  tcase_add_test (tc, test_tree_operations_detect_corruption);
  return s;
}

GST_CHECK_MAIN (mls_tree);
