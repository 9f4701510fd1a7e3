/* gst-e2ee: the MLS ratchet tree (RFC 9420 §4, §7.1, §7.7-7.9, §12.4.3).
 *
 * The tree is an array of 2n - 1 optional nodes (n a power of two), leaves at even
 * indices. Nodes are immutable and reference-counted, so copying a tree (to apply a
 * commit atomically) copies pointers, and a change replaces a node.
 *
 * Tree hashes are cached per node: a change invalidates the node and its ancestors
 * (stopping at the first one already invalid: an invalid node's ancestors always are),
 * so the root hash after a commit costs O(log n) hashes, not O(n). Hash inputs are
 * encoded into one scratch buffer the tree keeps.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "gste2eemlstree.h"
#include "gste2eemlstreemath.h"
#include "gste2eemlserror.h"

#include <string.h>

#define NODE_TYPE_LEAF 1
#define NODE_TYPE_PARENT 2

/* ------------------------------------------------------------------------------ */
/* Parent nodes */

static void
parent_node_free (gpointer data)
{
  GstE2eeMlsParentNode *p = data;

  g_free (p->unmerged_leaves);
}

GstE2eeMlsParentNode *
gst_e2ee_mls_parent_node_new (const guint8 * encryption_key, gsize encryption_key_len,
    const guint8 * parent_hash, gsize parent_hash_len, const guint32 * unmerged_leaves,
    guint n_unmerged_leaves)
{
  GstE2eeMlsParentNode *p;

  g_return_val_if_fail (encryption_key_len <= GST_E2EE_MLS_MAX_KEM_KEY, NULL);
  g_return_val_if_fail (parent_hash_len <= GST_E2EE_MLS_MAX_HASH, NULL);
  p = g_rc_box_new0 (GstE2eeMlsParentNode);
  if (encryption_key_len > 0)
    memcpy (p->encryption_key, encryption_key, encryption_key_len);
  p->encryption_key_len = encryption_key_len;
  if (parent_hash_len > 0)
    memcpy (p->parent_hash, parent_hash, parent_hash_len);
  p->parent_hash_len = parent_hash_len;
  if (n_unmerged_leaves > 0)
    p->unmerged_leaves = g_memdup2 (unmerged_leaves,
        n_unmerged_leaves * sizeof (guint32));
  p->n_unmerged_leaves = n_unmerged_leaves;
  return p;
}

GstE2eeMlsParentNode *
gst_e2ee_mls_parent_node_ref (GstE2eeMlsParentNode * p)
{
  return g_rc_box_acquire (p);
}

void
gst_e2ee_mls_parent_node_unref (GstE2eeMlsParentNode * p)
{
  if (p != NULL)
    g_rc_box_release_full (p, parent_node_free);
}

static gboolean
write_parent_node (const GstE2eeMlsParentNode * p, GByteArray * w, GError ** error)
{
  gsize begin;
  guint i;

  if (!gst_e2ee_mls_write_opaque (w, p->encryption_key, p->encryption_key_len, error)
      || !gst_e2ee_mls_write_opaque (w, p->parent_hash, p->parent_hash_len, error))
    return FALSE;
  begin = gst_e2ee_mls_write_vector_begin (w);
  for (i = 0; i < p->n_unmerged_leaves; i++)
    gst_e2ee_mls_write_u32 (w, p->unmerged_leaves[i]);
  return gst_e2ee_mls_write_vector_end (w, begin, error);
}

static gboolean
unmerged_contains (const GstE2eeMlsParentNode * p, guint32 leaf)
{
  guint i;

  for (i = 0; i < p->n_unmerged_leaves; i++)
    if (p->unmerged_leaves[i] == leaf)
      return TRUE;
  return FALSE;
}

/* ParentNode { HPKEPublicKey encryption_key; opaque parent_hash<V>;
 * uint32 unmerged_leaves<V>; }. Sortedness is checked here, the range by the tree. */
static GstE2eeMlsParentNode *
read_parent_node (GstE2eeMlsReader * r, GError ** error)
{
  const guint8 *key, *ph;
  gsize key_len, ph_len;
  GstE2eeMlsReader body;
  GstE2eeMlsParentNode *p;
  guint i;

  if (!gst_e2ee_mls_read_opaque (r, &key, &key_len, error)
      || !gst_e2ee_mls_read_opaque (r, &ph, &ph_len, error)
      || !gst_e2ee_mls_read_vector (r, &body, error))
    return NULL;
  if (key_len > GST_E2EE_MLS_MAX_KEM_KEY || ph_len > GST_E2EE_MLS_MAX_HASH
      || body.len % 4 != 0) {
    g_set_error (error, GST_E2EE_MLS_ERROR, GST_E2EE_MLS_ERROR_DECODE,
        "parent node with a key of %" G_GSIZE_FORMAT " bytes, a parent hash of %"
        G_GSIZE_FORMAT ", unmerged leaves of %" G_GSIZE_FORMAT, key_len, ph_len,
        body.len);
    return NULL;
  }
  p = gst_e2ee_mls_parent_node_new (key, key_len, ph, ph_len, NULL, 0);
  p->n_unmerged_leaves = (guint) (body.len / 4);
  p->unmerged_leaves = g_new (guint32, p->n_unmerged_leaves + 1);
  for (i = 0; i < p->n_unmerged_leaves; i++) {
    gst_e2ee_mls_read_u32 (&body, &p->unmerged_leaves[i], NULL);
    if (i > 0 && p->unmerged_leaves[i] <= p->unmerged_leaves[i - 1]) {
      gst_e2ee_mls_parent_node_unref (p);
      g_set_error (error, GST_E2EE_MLS_ERROR, GST_E2EE_MLS_ERROR_DECODE,
          "unmerged leaves not in increasing order");
      return NULL;
    }
  }
  return p;
}

/* A copy with leaf inserted in order. */
static GstE2eeMlsParentNode *
parent_node_with_unmerged (const GstE2eeMlsParentNode * p, guint32 leaf)
{
  GstE2eeMlsParentNode *q = gst_e2ee_mls_parent_node_new (p->encryption_key,
      p->encryption_key_len, p->parent_hash, p->parent_hash_len, NULL, 0);
  gboolean inserted = FALSE;
  guint i, n = 0;

  q->unmerged_leaves = g_new (guint32, p->n_unmerged_leaves + 1);
  for (i = 0; i < p->n_unmerged_leaves; i++) {
    if (!inserted && leaf < p->unmerged_leaves[i]) {
      q->unmerged_leaves[n++] = leaf;
      inserted = TRUE;
    }
    q->unmerged_leaves[n++] = p->unmerged_leaves[i];
  }
  if (!inserted)
    q->unmerged_leaves[n++] = leaf;
  q->n_unmerged_leaves = n;
  return q;
}

/* ------------------------------------------------------------------------------ */
/* The tree */

GstE2eeMlsTree *
gst_e2ee_mls_tree_new (const GstE2eeMlsSuite * s)
{
  GstE2eeMlsTree *tree = g_new0 (GstE2eeMlsTree, 1);

  tree->suite = s;
  tree->scratch = g_byte_array_new ();
  return tree;
}

guint32
gst_e2ee_mls_tree_width (const GstE2eeMlsTree * tree)
{
  return tree->n_leaves == 0 ? 0 : 2 * tree->n_leaves - 1;
}

/* Grows (new nodes blank, hashes invalid) or shrinks (dropped nodes released) to
 * n_leaves; the nodes kept keep their indices and cached hashes. */
static void
resize (GstE2eeMlsTree * tree, guint32 n_leaves)
{
  guint32 old_width = gst_e2ee_mls_tree_width (tree);
  guint32 width = n_leaves == 0 ? 0 : 2 * n_leaves - 1, i;
  gsize nh = tree->suite->nh;

  for (i = width; i < old_width; i++) {
    gst_e2ee_mls_leaf_node_unref (tree->nodes[i].leaf);
    gst_e2ee_mls_parent_node_unref (tree->nodes[i].parent);
  }
  tree->nodes = g_renew (GstE2eeMlsNode, tree->nodes, width);
  tree->hashes = g_realloc (tree->hashes, width * nh);
  tree->hash_valid = g_realloc (tree->hash_valid, width);
  for (i = old_width; i < width; i++) {
    tree->nodes[i].leaf = NULL;
    tree->nodes[i].parent = NULL;
    tree->hash_valid[i] = 0;
  }
  /* The root moves: it and every node above the old root are new, hence invalid. */
  tree->n_leaves = n_leaves;
}

GstE2eeMlsTree *
gst_e2ee_mls_tree_copy (const GstE2eeMlsTree * tree)
{
  GstE2eeMlsTree *copy = gst_e2ee_mls_tree_new (tree->suite);
  guint32 width = gst_e2ee_mls_tree_width (tree), i;

  copy->n_leaves = tree->n_leaves;
  copy->nodes = g_new (GstE2eeMlsNode, width);
  for (i = 0; i < width; i++) {
    copy->nodes[i].leaf = tree->nodes[i].leaf ?
        gst_e2ee_mls_leaf_node_ref (tree->nodes[i].leaf) : NULL;
    copy->nodes[i].parent = tree->nodes[i].parent ?
        gst_e2ee_mls_parent_node_ref (tree->nodes[i].parent) : NULL;
  }
  copy->hashes = g_memdup2 (tree->hashes, width * tree->suite->nh);
  copy->hash_valid = g_memdup2 (tree->hash_valid, width);
  return copy;
}

void
gst_e2ee_mls_tree_free (GstE2eeMlsTree * tree)
{
  if (tree == NULL)
    return;
  resize (tree, 0);
  g_free (tree->nodes);
  g_free (tree->hashes);
  g_free (tree->hash_valid);
  g_byte_array_unref (tree->scratch);
  g_free (tree);
}

const GstE2eeMlsLeafNode *
gst_e2ee_mls_tree_get_leaf (const GstE2eeMlsTree * tree, guint32 leaf_index)
{
  if (leaf_index >= tree->n_leaves)
    return NULL;
  return tree->nodes[2 * leaf_index].leaf;
}

const GstE2eeMlsParentNode *
gst_e2ee_mls_tree_get_parent (const GstE2eeMlsTree * tree, guint32 node)
{
  if (node >= gst_e2ee_mls_tree_width (tree))
    return NULL;
  return tree->nodes[node].parent;
}

gboolean
gst_e2ee_mls_tree_node_is_blank (const GstE2eeMlsTree * tree, guint32 node)
{
  return node >= gst_e2ee_mls_tree_width (tree)
      || (tree->nodes[node].leaf == NULL && tree->nodes[node].parent == NULL);
}

static void
invalidate (GstE2eeMlsTree * tree, guint32 node)
{
  while (tree->hash_valid[node]) {
    tree->hash_valid[node] = 0;
    if (!gst_e2ee_mls_tree_parent (node, tree->n_leaves, &node))
      break;
  }
}

void
gst_e2ee_mls_tree_set_leaf (GstE2eeMlsTree * tree, guint32 leaf_index,
    GstE2eeMlsLeafNode * leaf)
{
  GstE2eeMlsNode *n;

  g_return_if_fail (leaf_index < tree->n_leaves);
  n = &tree->nodes[2 * leaf_index];
  if (leaf != NULL)
    gst_e2ee_mls_leaf_node_ref (leaf);
  gst_e2ee_mls_leaf_node_unref (n->leaf);
  n->leaf = leaf;
  invalidate (tree, 2 * leaf_index);
}

void
gst_e2ee_mls_tree_set_parent (GstE2eeMlsTree * tree, guint32 node,
    GstE2eeMlsParentNode * parent)
{
  GstE2eeMlsNode *n;

  g_return_if_fail (node < gst_e2ee_mls_tree_width (tree) && node % 2 == 1);
  n = &tree->nodes[node];
  if (parent == NULL && n->parent == NULL)
    return;
  if (parent != NULL)
    gst_e2ee_mls_parent_node_ref (parent);
  gst_e2ee_mls_parent_node_unref (n->parent);
  n->parent = parent;
  invalidate (tree, node);
}

void
gst_e2ee_mls_tree_direct_path (const GstE2eeMlsTree * tree, guint32 leaf_index,
    GArray * out)
{
  guint32 x = 2 * leaf_index;

  while (gst_e2ee_mls_tree_parent (x, tree->n_leaves, &x))
    g_array_append_val (out, x);
}

void
gst_e2ee_mls_tree_copath (const GstE2eeMlsTree * tree, guint32 leaf_index, GArray * out)
{
  guint32 x = 2 * leaf_index, s;

  while (gst_e2ee_mls_tree_sibling (x, tree->n_leaves, &s)) {
    g_array_append_val (out, s);
    gst_e2ee_mls_tree_parent (x, tree->n_leaves, &x);
  }
}

void
gst_e2ee_mls_tree_blank_path (GstE2eeMlsTree * tree, guint32 leaf_index)
{
  guint32 x = 2 * leaf_index;

  while (gst_e2ee_mls_tree_parent (x, tree->n_leaves, &x))
    gst_e2ee_mls_tree_set_parent (tree, x, NULL);
}

guint32
gst_e2ee_mls_tree_add_leaf (GstE2eeMlsTree * tree, GstE2eeMlsLeafNode * leaf)
{
  guint32 i, x;

  for (i = 0; i < tree->n_leaves; i++)
    if (tree->nodes[2 * i].leaf == NULL)
      break;
  if (i == tree->n_leaves)
    resize (tree, tree->n_leaves == 0 ? 1 : 2 * tree->n_leaves);
  gst_e2ee_mls_tree_set_leaf (tree, i, leaf);
  x = 2 * i;
  while (gst_e2ee_mls_tree_parent (x, tree->n_leaves, &x)) {
    GstE2eeMlsParentNode *p = tree->nodes[x].parent;

    if (p != NULL) {
      GstE2eeMlsParentNode *q = parent_node_with_unmerged (p, i);

      gst_e2ee_mls_tree_set_parent (tree, x, q);
      gst_e2ee_mls_parent_node_unref (q);
    }
  }
  return i;
}

void
gst_e2ee_mls_tree_truncate (GstE2eeMlsTree * tree)
{
  while (tree->n_leaves > 1) {
    guint32 half = tree->n_leaves / 2, i;

    for (i = half; i < tree->n_leaves; i++)
      if (tree->nodes[2 * i].leaf != NULL)
        return;
    resize (tree, half);
  }
}

gboolean
gst_e2ee_mls_tree_remove_leaf (GstE2eeMlsTree * tree, guint32 leaf_index,
    GError ** error)
{
  if (gst_e2ee_mls_tree_get_leaf (tree, leaf_index) == NULL) {
    g_set_error (error, GST_E2EE_MLS_ERROR, GST_E2EE_MLS_ERROR_INVALID_TREE,
        "leaf %u is blank or outside the tree of %u leaves", leaf_index,
        tree->n_leaves);
    return FALSE;
  }
  gst_e2ee_mls_tree_set_leaf (tree, leaf_index, NULL);
  gst_e2ee_mls_tree_blank_path (tree, leaf_index);
  gst_e2ee_mls_tree_truncate (tree);
  return TRUE;
}

/* ------------------------------------------------------------------------------ */
/* Resolution and filtered direct path */

void
gst_e2ee_mls_tree_resolution (const GstE2eeMlsTree * tree, guint32 node, GArray * out)
{
  const GstE2eeMlsNode *n = &tree->nodes[node];
  guint32 l, r, i;

  if (n->leaf != NULL) {
    g_array_append_val (out, node);
  } else if (n->parent != NULL) {
    g_array_append_val (out, node);
    for (i = 0; i < n->parent->n_unmerged_leaves; i++) {
      guint32 x = 2 * n->parent->unmerged_leaves[i];
      g_array_append_val (out, x);
    }
  } else if (gst_e2ee_mls_tree_left (node, &l) && gst_e2ee_mls_tree_right (node, &r)) {
    gst_e2ee_mls_tree_resolution (tree, l, out);
    gst_e2ee_mls_tree_resolution (tree, r, out);
  }
}

/* Whether the resolution of node is empty: no non-blank node below it. Stops at the
 * first one found. */
static gboolean
subtree_is_blank (const GstE2eeMlsTree * tree, guint32 node)
{
  guint32 l, r;

  if (!gst_e2ee_mls_tree_node_is_blank (tree, node))
    return FALSE;
  if (!gst_e2ee_mls_tree_left (node, &l) || !gst_e2ee_mls_tree_right (node, &r))
    return TRUE;
  return subtree_is_blank (tree, l) && subtree_is_blank (tree, r);
}

void
gst_e2ee_mls_tree_filtered_direct_path (const GstE2eeMlsTree * tree,
    guint32 leaf_index, GArray * out, GArray * copath)
{
  guint32 x = 2 * leaf_index, s, p;

  while (gst_e2ee_mls_tree_sibling (x, tree->n_leaves, &s)) {
    gst_e2ee_mls_tree_parent (x, tree->n_leaves, &p);
    if (!subtree_is_blank (tree, s)) {
      g_array_append_val (out, p);
      if (copath != NULL)
        g_array_append_val (copath, s);
    }
    x = p;
  }
}

/* ------------------------------------------------------------------------------ */
/* Codec of the ratchet_tree extension */

GstE2eeMlsTree *
gst_e2ee_mls_tree_decode (const GstE2eeMlsSuite * s, const guint8 * data, gsize len,
    GError ** error)
{
  GstE2eeMlsTree *tree = gst_e2ee_mls_tree_new (s);
  GstE2eeMlsReader r, body;
  GArray *nodes = g_array_new (FALSE, TRUE, sizeof (GstE2eeMlsNode));
  guint32 n_leaves = 1, i, j;
  gboolean ok = FALSE;

  gst_e2ee_mls_reader_init (&r, data, len);
  if (!gst_e2ee_mls_read_vector (&r, &body, error)
      || !gst_e2ee_mls_reader_finish (&r, error))
    goto out;
  while (gst_e2ee_mls_reader_remaining (&body) > 0) {
    GstE2eeMlsNode n = { NULL, NULL };
    gboolean present;
    guint8 type;

    if (!gst_e2ee_mls_read_optional (&body, &present, error))
      goto out;
    if (present) {
      if (!gst_e2ee_mls_read_u8 (&body, &type, error))
        goto out;
      if (type != (nodes->len % 2 == 0 ? NODE_TYPE_LEAF : NODE_TYPE_PARENT)) {
        g_set_error (error, GST_E2EE_MLS_ERROR, GST_E2EE_MLS_ERROR_INVALID_TREE,
            "node %u has type %u, not a %s", nodes->len, type,
            nodes->len % 2 == 0 ? "leaf" : "parent");
        goto out;
      }
      if (type == NODE_TYPE_LEAF)
        n.leaf = gst_e2ee_mls_leaf_node_read (&body, error);
      else
        n.parent = read_parent_node (&body, error);
      if (n.leaf == NULL && n.parent == NULL)
        goto out;
    }
    g_array_append_val (nodes, n);
  }
  if (nodes->len == 0) {
    g_set_error (error, GST_E2EE_MLS_ERROR, GST_E2EE_MLS_ERROR_INVALID_TREE,
        "an empty ratchet tree");
    goto out;
  }
  {
    GstE2eeMlsNode *last = &g_array_index (nodes, GstE2eeMlsNode, nodes->len - 1);

    if (last->leaf == NULL && last->parent == NULL) {
      g_set_error (error, GST_E2EE_MLS_ERROR, GST_E2EE_MLS_ERROR_INVALID_TREE,
          "the ratchet tree ends with a blank node");
      goto out;
    }
  }
  while (2 * (guint64) n_leaves - 1 < nodes->len) {
    if (n_leaves >= G_MAXUINT32 / 4) {
      g_set_error (error, GST_E2EE_MLS_ERROR, GST_E2EE_MLS_ERROR_INVALID_TREE,
          "a ratchet tree of %u nodes", nodes->len);
      goto out;
    }
    n_leaves *= 2;
  }
  resize (tree, n_leaves);
  for (i = 0; i < nodes->len; i++) {
    GstE2eeMlsNode *n = &g_array_index (nodes, GstE2eeMlsNode, i);

    tree->nodes[i] = *n;
    n->leaf = NULL;
    n->parent = NULL;
    if (tree->nodes[i].parent != NULL)
      for (j = 0; j < tree->nodes[i].parent->n_unmerged_leaves; j++)
        if (tree->nodes[i].parent->unmerged_leaves[j] >= n_leaves) {
          g_set_error (error, GST_E2EE_MLS_ERROR, GST_E2EE_MLS_ERROR_INVALID_TREE,
              "node %u lists unmerged leaf %u outside the tree", i,
              tree->nodes[i].parent->unmerged_leaves[j]);
          goto out;
        }
  }
  ok = TRUE;

out:
  for (i = 0; i < nodes->len; i++) {
    gst_e2ee_mls_leaf_node_unref (g_array_index (nodes, GstE2eeMlsNode, i).leaf);
    gst_e2ee_mls_parent_node_unref (g_array_index (nodes, GstE2eeMlsNode, i).parent);
  }
  g_array_unref (nodes);
  if (!ok) {
    gst_e2ee_mls_tree_free (tree);
    return NULL;
  }
  return tree;
}

gboolean
gst_e2ee_mls_tree_encode (const GstE2eeMlsTree * tree, GByteArray * w, GError ** error)
{
  guint32 width = gst_e2ee_mls_tree_width (tree), end = width, i;
  gsize begin;

  while (end > 0 && gst_e2ee_mls_tree_node_is_blank (tree, end - 1))
    end--;
  begin = gst_e2ee_mls_write_vector_begin (w);
  for (i = 0; i < end; i++) {
    const GstE2eeMlsNode *n = &tree->nodes[i];

    gst_e2ee_mls_write_optional (w, n->leaf != NULL || n->parent != NULL);
    if (n->leaf != NULL) {
      gst_e2ee_mls_write_u8 (w, NODE_TYPE_LEAF);
      gst_e2ee_mls_leaf_node_write (n->leaf, w);
    } else if (n->parent != NULL) {
      gst_e2ee_mls_write_u8 (w, NODE_TYPE_PARENT);
      if (!write_parent_node (n->parent, w, error))
        return FALSE;
    }
  }
  return gst_e2ee_mls_write_vector_end (w, begin, error);
}

/* ------------------------------------------------------------------------------ */
/* Tree hash (§7.8) */

/* The leaves a node spans: [*first, *first + *count). */
static void
leaf_span (guint32 node, guint32 * first, guint32 * count)
{
  guint32 k = gst_e2ee_mls_tree_level (node);

  *count = (guint32) 1u << k;
  *first = (node - (*count - 1)) / 2;
}

static gboolean
in_sorted (const guint32 * v, guint n, guint32 x)
{
  guint lo = 0, hi = n;

  while (lo < hi) {
    guint mid = lo + (hi - lo) / 2;

    if (v[mid] == x)
      return TRUE;
    if (v[mid] < x)
      lo = mid + 1;
    else
      hi = mid;
  }
  return FALSE;
}

/* Whether a leaf of the sorted list excl lies under node. */
static gboolean
span_meets (guint32 node, const guint32 * excl, guint n_excl)
{
  guint32 first, count;
  guint i;

  leaf_span (node, &first, &count);
  for (i = 0; i < n_excl; i++)
    if (excl[i] >= first && excl[i] - first < count)
      return TRUE;
  return FALSE;
}

static gboolean
hash_leaf_input (GstE2eeMlsTree * tree, guint32 node, const GstE2eeMlsLeafNode * leaf,
    guint8 * out, GError ** error)
{
  GByteArray *w = tree->scratch;

  g_byte_array_set_size (w, 0);
  gst_e2ee_mls_write_u8 (w, NODE_TYPE_LEAF);
  gst_e2ee_mls_write_u32 (w, node / 2);
  gst_e2ee_mls_write_optional (w, leaf != NULL);
  if (leaf != NULL)
    gst_e2ee_mls_leaf_node_write (leaf, w);
  return gst_e2ee_mls_hash (tree->suite, w->data, w->len, out, error);
}

/* excl (sorted leaf indices, may be empty): the leaves blanked and removed from the
 * unmerged lists, for original_sibling_tree_hash (§7.9). Subtrees excl does not meet
 * use (and fill) the cache. */
static gboolean
node_hash (GstE2eeMlsTree * tree, guint32 node, const guint32 * excl, guint n_excl,
    guint8 * out, GError ** error)
{
  gsize nh = tree->suite->nh;
  guint8 left_hash[GST_E2EE_MLS_MAX_HASH], right_hash[GST_E2EE_MLS_MAX_HASH];
  const GstE2eeMlsParentNode *p;
  gboolean cached = n_excl == 0 || !span_meets (node, excl, n_excl);
  GByteArray *w = tree->scratch;
  guint32 l, r;
  guint i;

  if (cached && tree->hash_valid[node]) {
    memcpy (out, tree->hashes + node * nh, nh);
    return TRUE;
  }
  if (cached) {
    excl = NULL;
    n_excl = 0;
  }
  if (node % 2 == 0) {
    const GstE2eeMlsLeafNode *leaf = tree->nodes[node].leaf;

    if (leaf != NULL && in_sorted (excl, n_excl, node / 2))
      leaf = NULL;
    if (!hash_leaf_input (tree, node, leaf, out, error))
      return FALSE;
  } else {
    gst_e2ee_mls_tree_left (node, &l);
    gst_e2ee_mls_tree_right (node, &r);
    if (!node_hash (tree, l, excl, n_excl, left_hash, error)
        || !node_hash (tree, r, excl, n_excl, right_hash, error))
      return FALSE;
    p = tree->nodes[node].parent;
    g_byte_array_set_size (w, 0);
    gst_e2ee_mls_write_u8 (w, NODE_TYPE_PARENT);
    gst_e2ee_mls_write_optional (w, p != NULL);
    if (p != NULL) {
      gsize begin;

      if (!gst_e2ee_mls_write_opaque (w, p->encryption_key, p->encryption_key_len,
              error)
          || !gst_e2ee_mls_write_opaque (w, p->parent_hash, p->parent_hash_len, error))
        return FALSE;
      begin = gst_e2ee_mls_write_vector_begin (w);
      for (i = 0; i < p->n_unmerged_leaves; i++)
        if (!in_sorted (excl, n_excl, p->unmerged_leaves[i]))
          gst_e2ee_mls_write_u32 (w, p->unmerged_leaves[i]);
      if (!gst_e2ee_mls_write_vector_end (w, begin, error))
        return FALSE;
    }
    if (!gst_e2ee_mls_write_opaque (w, left_hash, nh, error)
        || !gst_e2ee_mls_write_opaque (w, right_hash, nh, error)
        || !gst_e2ee_mls_hash (tree->suite, w->data, w->len, out, error))
      return FALSE;
  }
  if (cached) {
    memcpy (tree->hashes + node * nh, out, nh);
    tree->hash_valid[node] = 1;
  }
  return TRUE;
}

gboolean
gst_e2ee_mls_tree_hash (GstE2eeMlsTree * tree, guint32 node, guint8 * out,
    GError ** error)
{
  if (node >= gst_e2ee_mls_tree_width (tree)) {
    g_set_error (error, GST_E2EE_MLS_ERROR, GST_E2EE_MLS_ERROR_INVALID_ARGUMENT,
        "node %u is outside the tree", node);
    return FALSE;
  }
  return node_hash (tree, node, NULL, 0, out, error);
}

gboolean
gst_e2ee_mls_tree_root_hash (GstE2eeMlsTree * tree, guint8 * out, GError ** error)
{
  guint32 root;

  if (!gst_e2ee_mls_tree_root (tree->n_leaves, &root)) {
    g_set_error (error, GST_E2EE_MLS_ERROR, GST_E2EE_MLS_ERROR_INVALID_TREE,
        "an empty ratchet tree has no hash");
    return FALSE;
  }
  return node_hash (tree, root, NULL, 0, out, error);
}

/* ------------------------------------------------------------------------------ */
/* Parent hash (§7.9) */

gboolean
gst_e2ee_mls_tree_parent_hash (GstE2eeMlsTree * tree, guint32 p, guint32 sibling,
    guint8 * out, GError ** error)
{
  const GstE2eeMlsParentNode *pn = gst_e2ee_mls_tree_get_parent (tree, p);
  guint8 osth[GST_E2EE_MLS_MAX_HASH];
  GByteArray *w;
  gboolean ok;

  if (pn == NULL) {
    g_set_error (error, GST_E2EE_MLS_ERROR, GST_E2EE_MLS_ERROR_INVALID_TREE,
        "node %u is blank: it has no parent hash", p);
    return FALSE;
  }
  if (!node_hash (tree, sibling, pn->unmerged_leaves, pn->n_unmerged_leaves, osth,
          error))
    return FALSE;
  /* The scratch buffer is free again once node_hash() returned. */
  w = tree->scratch;
  g_byte_array_set_size (w, 0);
  ok = gst_e2ee_mls_write_opaque (w, pn->encryption_key, pn->encryption_key_len, error)
      && gst_e2ee_mls_write_opaque (w, pn->parent_hash, pn->parent_hash_len, error)
      && gst_e2ee_mls_write_opaque (w, osth, tree->suite->nh, error)
      && gst_e2ee_mls_hash (tree->suite, w->data, w->len, out, error);
  return ok;
}

gboolean
gst_e2ee_mls_tree_set_path_parent_hashes (GstE2eeMlsTree * tree, guint32 leaf_index,
    guint8 * out_leaf, gsize * out_len, GError ** error)
{
  GArray *path = g_array_new (FALSE, FALSE, sizeof (guint32));
  GArray *copath = g_array_new (FALSE, FALSE, sizeof (guint32));
  guint8 above[GST_E2EE_MLS_MAX_HASH];
  gsize above_len = 0;
  gboolean ok = FALSE;
  guint i;

  gst_e2ee_mls_tree_filtered_direct_path (tree, leaf_index, path, copath);
  for (i = path->len; i-- > 0;) {
    guint32 x = g_array_index (path, guint32, i);
    const GstE2eeMlsParentNode *p = tree->nodes[x].parent;
    GstE2eeMlsParentNode *q;

    if (p == NULL) {
      g_set_error (error, GST_E2EE_MLS_ERROR, GST_E2EE_MLS_ERROR_INVALID_TREE,
          "node %u of the filtered direct path of leaf %u is blank", x, leaf_index);
      goto out;
    }
    q = gst_e2ee_mls_parent_node_new (p->encryption_key, p->encryption_key_len, above,
        above_len, p->unmerged_leaves, p->n_unmerged_leaves);
    gst_e2ee_mls_tree_set_parent (tree, x, q);
    gst_e2ee_mls_parent_node_unref (q);
    if (!gst_e2ee_mls_tree_parent_hash (tree, x, g_array_index (copath, guint32, i),
            above, error))
      goto out;
    above_len = tree->suite->nh;
  }
  /* A leaf whose filtered direct path is empty (alone in the tree) signs an empty
   * parent hash. */
  if (above_len > 0)
    memcpy (out_leaf, above, above_len);
  *out_len = above_len;
  ok = TRUE;

out:
  g_array_unref (path);
  g_array_unref (copath);
  return ok;
}

/* The parent hash a node carries: a parent's field, a commit leaf's, or none. */
static gboolean
node_parent_hash (const GstE2eeMlsTree * tree, guint32 node, const guint8 ** ph,
    gsize * ph_len)
{
  const GstE2eeMlsNode *n = &tree->nodes[node];

  if (n->parent != NULL) {
    *ph = n->parent->parent_hash;
    *ph_len = n->parent->parent_hash_len;
    return TRUE;
  }
  if (n->leaf != NULL && n->leaf->source == GST_E2EE_MLS_LEAF_NODE_SOURCE_COMMIT) {
    *ph = n->leaf->parent_hash;
    *ph_len = n->leaf->parent_hash_len;
    return TRUE;
  }
  return FALSE;
}

/* §7.9.2 for P with children c (towards D) and s: the resolution of c is D plus
 * exactly P's unmerged leaves under c, and D carries the parent hash of P with copath
 * child s. res is scratch. */
static gboolean
parent_hash_valid_via (GstE2eeMlsTree * tree, guint32 p, guint32 c, guint32 s,
    GArray * res, gboolean * valid, GError ** error)
{
  const GstE2eeMlsParentNode *pn = tree->nodes[p].parent;
  guint8 ph[GST_E2EE_MLS_MAX_HASH];
  const guint8 *d_ph;
  gsize d_ph_len;
  guint32 first, count, d = G_MAXUINT32;
  guint i, n_under = 0, matched = 0;

  *valid = FALSE;
  g_array_set_size (res, 0);
  gst_e2ee_mls_tree_resolution (tree, c, res);
  leaf_span (c, &first, &count);
  for (i = 0; i < pn->n_unmerged_leaves; i++)
    if (pn->unmerged_leaves[i] >= first && pn->unmerged_leaves[i] - first < count)
      n_under++;
  if (res->len != n_under + 1)
    return TRUE;
  for (i = 0; i < res->len; i++) {
    guint32 x = g_array_index (res, guint32, i);

    if (x % 2 == 0 && in_sorted (pn->unmerged_leaves, pn->n_unmerged_leaves, x / 2))
      matched++;
    else
      d = x;
  }
  if (matched != n_under || d == G_MAXUINT32)
    return TRUE;
  if (!node_parent_hash (tree, d, &d_ph, &d_ph_len))
    return TRUE;
  if (!gst_e2ee_mls_tree_parent_hash (tree, p, s, ph, error))
    return FALSE;
  *valid = d_ph_len == tree->suite->nh && memcmp (d_ph, ph, d_ph_len) == 0;
  return TRUE;
}

gboolean
gst_e2ee_mls_tree_verify_parent_hashes (GstE2eeMlsTree * tree, GError ** error)
{
  guint32 width = gst_e2ee_mls_tree_width (tree), p, l, r;
  GArray *res = g_array_new (FALSE, FALSE, sizeof (guint32));
  gboolean ok = FALSE;

  for (p = 1; p < width; p += 2) {
    gboolean via_left, via_right;

    if (tree->nodes[p].parent == NULL)
      continue;
    gst_e2ee_mls_tree_left (p, &l);
    gst_e2ee_mls_tree_right (p, &r);
    if (!parent_hash_valid_via (tree, p, l, r, res, &via_left, error)
        || !parent_hash_valid_via (tree, p, r, l, res, &via_right, error))
      goto out;
    /* Top down (§7.9.2): exactly one descendant of P chains to it. Its own chain to
     * a leaf follows, the descendant being a leaf or a parent checked the same way. */
    if (via_left == via_right) {
      g_set_error (error, GST_E2EE_MLS_ERROR, GST_E2EE_MLS_ERROR_BAD_PARENT_HASH,
          "parent node %u is not parent-hash valid (%s)", p,
          via_left ? "two descendants chain to it" : "no descendant chains to it");
      goto out;
    }
  }
  ok = TRUE;

out:
  g_array_unref (res);
  return ok;
}

/* ------------------------------------------------------------------------------ */
/* Validation */

static gint
compare_keys (gconstpointer a, gconstpointer b, gpointer user_data)
{
  return memcmp (*(const guint8 * const *) a, *(const guint8 * const *) b,
      GPOINTER_TO_SIZE (user_data));
}

/* Whether two of keys (each len bytes) are equal: sorted, neighbours compared. */
static gboolean
has_duplicate (GPtrArray * keys, gsize len)
{
  guint i;

  g_qsort_with_data (keys->pdata, (gint) keys->len, sizeof (gpointer), compare_keys,
      GSIZE_TO_POINTER (len));
  for (i = 1; i < keys->len; i++)
    if (memcmp (keys->pdata[i - 1], keys->pdata[i], len) == 0)
      return TRUE;
  return FALSE;
}

static gboolean
check_unmerged (const GstE2eeMlsTree * tree, guint32 p, GError ** error)
{
  const GstE2eeMlsParentNode *pn = tree->nodes[p].parent;
  guint32 first, count;
  guint i;

  leaf_span (p, &first, &count);
  for (i = 0; i < pn->n_unmerged_leaves; i++) {
    guint32 leaf = pn->unmerged_leaves[i], x = 2 * leaf;

    if (leaf < first || leaf - first >= count || tree->nodes[x].leaf == NULL) {
      g_set_error (error, GST_E2EE_MLS_ERROR, GST_E2EE_MLS_ERROR_INVALID_TREE,
          "node %u lists unmerged leaf %u, which is blank or not below it", p, leaf);
      return FALSE;
    }
    while (gst_e2ee_mls_tree_parent (x, tree->n_leaves, &x) && x != p) {
      const GstE2eeMlsParentNode *between = tree->nodes[x].parent;

      if (between != NULL && !unmerged_contains (between, leaf)) {
        g_set_error (error, GST_E2EE_MLS_ERROR, GST_E2EE_MLS_ERROR_INVALID_TREE,
            "node %u lists unmerged leaf %u, node %u between them does not", p, leaf,
            x);
        return FALSE;
      }
    }
  }
  return TRUE;
}

gboolean
gst_e2ee_mls_tree_validate (GstE2eeMlsTree * tree, const guint8 * group_id,
    gsize group_id_len, GError ** error)
{
  const GstE2eeMlsSuite *s = tree->suite;
  guint32 width = gst_e2ee_mls_tree_width (tree), x;
  GPtrArray *enc = g_ptr_array_new (), *sig = g_ptr_array_new ();
  gboolean ok = FALSE;

  for (x = 0; x < width; x++) {
    const GstE2eeMlsNode *n = &tree->nodes[x];

    if (n->leaf != NULL) {
      if (!gst_e2ee_mls_leaf_node_validate (s, n->leaf, n->leaf->source, group_id,
              group_id_len, x / 2, 0, error))
        goto out;
      g_ptr_array_add (enc, (gpointer) n->leaf->encryption_key);
      g_ptr_array_add (sig, (gpointer) n->leaf->signature_key);
    } else if (n->parent != NULL) {
      if (n->parent->encryption_key_len != s->npk) {
        g_set_error (error, GST_E2EE_MLS_ERROR, GST_E2EE_MLS_ERROR_INVALID_TREE,
            "parent node %u has a key of %" G_GSIZE_FORMAT " bytes", x,
            n->parent->encryption_key_len);
        goto out;
      }
      if (!check_unmerged (tree, x, error))
        goto out;
      g_ptr_array_add (enc, (gpointer) n->parent->encryption_key);
    }
  }
  if (has_duplicate (enc, s->npk) || has_duplicate (sig, s->sig_npk)) {
    g_set_error (error, GST_E2EE_MLS_ERROR, GST_E2EE_MLS_ERROR_INVALID_LEAF_NODE,
        "an encryption or signature key appears twice in the tree");
    goto out;
  }
  ok = gst_e2ee_mls_tree_verify_parent_hashes (tree, error);

out:
  g_ptr_array_unref (enc);
  g_ptr_array_unref (sig);
  return ok;
}

gboolean
gst_e2ee_mls_tree_check_unique_keys (const GstE2eeMlsTree * tree,
    const GstE2eeMlsLeafNode * leaf, guint32 except_leaf, GError ** error)
{
  guint32 width = gst_e2ee_mls_tree_width (tree), x;

  for (x = 0; x < width; x++) {
    const GstE2eeMlsNode *n = &tree->nodes[x];
    gboolean same = FALSE;

    if (n->leaf != NULL && x / 2 != except_leaf)
      same = (n->leaf->encryption_key_len == leaf->encryption_key_len
          && memcmp (n->leaf->encryption_key, leaf->encryption_key,
              leaf->encryption_key_len) == 0)
          || (n->leaf->signature_key_len == leaf->signature_key_len
          && memcmp (n->leaf->signature_key, leaf->signature_key,
              leaf->signature_key_len) == 0);
    else if (n->parent != NULL)
      same = n->parent->encryption_key_len == leaf->encryption_key_len
          && memcmp (n->parent->encryption_key, leaf->encryption_key,
          leaf->encryption_key_len) == 0;
    if (same) {
      g_set_error (error, GST_E2EE_MLS_ERROR, GST_E2EE_MLS_ERROR_INVALID_LEAF_NODE,
          "the leaf node's signature or encryption key is already used at node %u", x);
      return FALSE;
    }
  }
  return TRUE;
}
