/* gst-e2ee: the array representation of MLS ratchet trees (RFC 9420 Appendix C)
 * against the MLS working group's tree-math vectors.
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <gst/check/gstcheck.h>
#include <gst/e2ee/gste2eemlstreemath.h>

#include "../mls-vectors.h"

typedef gboolean (*RelationFunc) (guint32 x, guint32 n_leaves, guint32 * out);

static gboolean
left (guint32 x, guint32 n_leaves, guint32 * out)
{
  return gst_e2ee_mls_tree_left (x, out);
}

static gboolean
right (guint32 x, guint32 n_leaves, guint32 * out)
{
  return gst_e2ee_mls_tree_right (x, out);
}

/* Every node's relation against the array of optional<uint32> (null: none). */
static gboolean
check_relation (JsonObject * o, const gchar * name, RelationFunc f, guint32 n_leaves,
    guint32 n_nodes)
{
  JsonArray *a = json_object_get_array_member (o, name);
  guint32 x;

  MLS_EXPECT (a != NULL && json_array_get_length (a) == n_nodes,
      "%s: not an array of %u nodes", name, n_nodes);
  for (x = 0; x < n_nodes; x++) {
    JsonNode *want = json_array_get_element (a, x);
    guint32 got = G_MAXUINT32;
    gboolean has = f (x, n_leaves, &got);

    if (JSON_NODE_HOLDS_NULL (want)) {
      MLS_EXPECT (!has, "%s(%u) in %u leaves: got %u, want none", name, x, n_leaves,
          got);
    } else {
      gint64 w = json_node_get_int (want);
      MLS_EXPECT (has && got == w, "%s(%u) in %u leaves: got %s%u, want %"
          G_GINT64_FORMAT, name, x, n_leaves, has ? "" : "none ", got, w);
    }
  }
  return TRUE;
}

static gboolean
check_tree_math (MlsVectors * v, JsonObject * o)
{
  guint32 n_leaves = (guint32) mls_uint (v, o, "n_leaves");
  guint32 n_nodes = (guint32) mls_uint (v, o, "n_nodes");
  guint32 root = G_MAXUINT32;

  MLS_EXPECT (gst_e2ee_mls_tree_node_width (n_leaves) == n_nodes,
      "node_width(%u) = %u, want %u", n_leaves, gst_e2ee_mls_tree_node_width (n_leaves),
      n_nodes);
  MLS_EXPECT (gst_e2ee_mls_tree_root (n_leaves, &root)
      && root == mls_uint (v, o, "root"), "root(%u) = %u, want %" G_GUINT64_FORMAT,
      n_leaves, root, mls_uint (v, o, "root"));
  return check_relation (o, "left", left, n_leaves, n_nodes)
      && check_relation (o, "right", right, n_leaves, n_nodes)
      && check_relation (o, "parent", gst_e2ee_mls_tree_parent, n_leaves, n_nodes)
      && check_relation (o, "sibling", gst_e2ee_mls_tree_sibling, n_leaves, n_nodes);
}

GST_START_TEST (test_tree_math_vectors)
{
  mls_vectors_run ("mls/tree-math.json", 10, check_tree_math, NULL);
}

GST_END_TEST;

/* One changed number in any field makes the entry fail. */
GST_START_TEST (test_tree_math_detects_corruption)
{
  static const gchar *const arrays[] = { "left", "right", "parent", "sibling" };
  MlsVectors *v = mls_vectors_open ("mls/tree-math.json");
  /* The 8-leaf entry: node 5 has a parent, children and a sibling. */
  JsonObject *o = mls_vectors_entry (v, 3);
  guint i;

  fail_unless_equals_int (mls_uint (v, o, "n_leaves"), 8);
  json_object_set_int_member (o, "root", 6);
  fail_if (check_tree_math (v, o));
  json_object_set_int_member (o, "root", 7);
  fail_unless (check_tree_math (v, o));
  for (i = 0; i < G_N_ELEMENTS (arrays); i++) {
    JsonArray *a = json_object_get_array_member (o, arrays[i]);
    JsonNode *n = json_array_get_element (a, 5);
    gint64 was = json_node_get_int (n);

    json_node_set_int (n, was + 2);
    fail_if (check_tree_math (v, o), "%s[5] changed, still passed", arrays[i]);
    json_node_set_int (n, was);
  }
  fail_unless (check_tree_math (v, o));
  mls_vectors_free (v);
}

GST_END_TEST;

GST_START_TEST (test_outside_the_tree)
{
  guint32 out = 77;

  /* RFC 9420 trees have a power-of-two number of leaves. */
  fail_unless_equals_int (gst_e2ee_mls_tree_node_width (0), 0);
  fail_unless_equals_int (gst_e2ee_mls_tree_node_width (3), 0);
  fail_if (gst_e2ee_mls_tree_root (3, &out));
  fail_if (gst_e2ee_mls_tree_root (0, &out));
  /* Nodes past the last one have no parent or sibling in the tree. */
  fail_if (gst_e2ee_mls_tree_parent (7, 4, &out));
  fail_if (gst_e2ee_mls_tree_sibling (8, 4, &out));
  fail_if (gst_e2ee_mls_tree_parent (G_MAXUINT32, 1u << 31, &out));
  fail_unless_equals_int (out, 77);
  /* The largest tree a 32-bit index spans. */
  fail_unless (gst_e2ee_mls_tree_root (1u << 31, &out));
  fail_unless_equals_int64 (out, (1u << 31) - 1);
  fail_unless (gst_e2ee_mls_tree_parent (0, 1u << 31, &out));
  fail_unless_equals_int (out, 1);
  fail_unless (gst_e2ee_mls_tree_parent ((1u << 30) - 1, 1u << 31, &out));
  fail_unless_equals_int64 (out, (1u << 31) - 1);
}

GST_END_TEST;

static Suite *
mls_tree_math_suite (void)
{
  Suite *s = suite_create ("mls-tree-math");
  TCase *tc = tcase_create ("general");

  suite_add_tcase (s, tc);
  tcase_add_test (tc, test_tree_math_vectors);
  tcase_add_test (tc, test_tree_math_detects_corruption);
  tcase_add_test (tc, test_outside_the_tree);
  return s;
}

GST_CHECK_MAIN (mls_tree_math);
