/* gst-e2ee: the MLS ratchet tree (RFC 9420 §4, §7.1, §7.7-7.9, §12.4.3): nodes,
 * resolution, filtered direct path, blanking, adding, truncation, tree hash, parent
 * hash and the validation of a tree given to a joiner.
 * Internal until the public MLS API exists: not installed and not part of the GIR.
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include "gste2eemlsleafnode.h"

G_BEGIN_DECLS

/* An immutable, reference-counted ParentNode. */
typedef struct
{
  guint8 encryption_key[GST_E2EE_MLS_MAX_KEM_KEY];
  gsize encryption_key_len;
  guint8 parent_hash[GST_E2EE_MLS_MAX_HASH];
  gsize parent_hash_len;
  /* Leaf indices, strictly increasing (§7.1). */
  guint32 *unmerged_leaves;
  guint n_unmerged_leaves;
} GstE2eeMlsParentNode;

GstE2eeMlsParentNode * gst_e2ee_mls_parent_node_new   (const guint8 *encryption_key,
                                                       gsize encryption_key_len,
                                                       const guint8 *parent_hash,
                                                       gsize parent_hash_len,
                                                       const guint32 *unmerged_leaves,
                                                       guint n_unmerged_leaves);
GstE2eeMlsParentNode * gst_e2ee_mls_parent_node_ref   (GstE2eeMlsParentNode *p);
void                   gst_e2ee_mls_parent_node_unref (GstE2eeMlsParentNode *p);

/* A node: blank when both are NULL; a leaf at even indices, a parent at odd ones. */
typedef struct
{
  GstE2eeMlsLeafNode *leaf;
  GstE2eeMlsParentNode *parent;
} GstE2eeMlsNode;

/* The tree: n_leaves is a power of two, nodes has 2 * n_leaves - 1 entries. Read the
 * fields; change the tree only through the functions below, which keep the cached
 * per-node tree hashes right. */
typedef struct
{
  const GstE2eeMlsSuite *suite;
  guint32 n_leaves;
  GstE2eeMlsNode *nodes;
  /* Cached tree hashes, nh bytes per node, valid where hash_valid[i] is set. */
  guint8 *hashes;
  guint8 *hash_valid;
  /* Reused for encoding hash inputs, so that hashing allocates nothing per node. */
  GByteArray *scratch;
} GstE2eeMlsTree;

GstE2eeMlsTree * gst_e2ee_mls_tree_new  (const GstE2eeMlsSuite *s);
GstE2eeMlsTree * gst_e2ee_mls_tree_copy (const GstE2eeMlsTree *tree);
void             gst_e2ee_mls_tree_free (GstE2eeMlsTree *tree);

guint32  gst_e2ee_mls_tree_width (const GstE2eeMlsTree *tree);
/* NULL when blank or outside the tree. */
const GstE2eeMlsLeafNode *   gst_e2ee_mls_tree_get_leaf   (const GstE2eeMlsTree *tree,
                                                           guint32 leaf_index);
const GstE2eeMlsParentNode * gst_e2ee_mls_tree_get_parent (const GstE2eeMlsTree *tree,
                                                           guint32 node);
gboolean gst_e2ee_mls_tree_node_is_blank (const GstE2eeMlsTree *tree, guint32 node);

/* The ratchet_tree extension's data, optional<Node> ratchet_tree<V> (§12.4.3.3):
 * trailing blank nodes are left out when writing, refused as the last node when
 * reading, and the tree is extended with blanks to a power of two. Reading checks the
 * node types against their positions and that unmerged leaves are sorted leaves of
 * the tree; everything else is gst_e2ee_mls_tree_validate()'s. */
GstE2eeMlsTree * gst_e2ee_mls_tree_decode (const GstE2eeMlsSuite *s, const guint8 *data,
                                           gsize len, GError **error);
gboolean gst_e2ee_mls_tree_encode (const GstE2eeMlsTree *tree, GByteArray *w,
                                   GError **error);

/* Setting a node takes a reference (NULL blanks it) and invalidates the cached hashes
 * of the node and its ancestors. */
void     gst_e2ee_mls_tree_set_leaf   (GstE2eeMlsTree *tree, guint32 leaf_index,
                                       GstE2eeMlsLeafNode *leaf);
void     gst_e2ee_mls_tree_set_parent (GstE2eeMlsTree *tree, guint32 node,
                                       GstE2eeMlsParentNode *parent);
/* Blanks the leaf's direct path (not the leaf). */
void     gst_e2ee_mls_tree_blank_path (GstE2eeMlsTree *tree, guint32 leaf_index);
/* §7.7 Add: the leftmost blank leaf, or a new one after doubling the tree; the leaf's
 * index is added to the unmerged leaves of its non-blank ancestors. */
guint32  gst_e2ee_mls_tree_add_leaf   (GstE2eeMlsTree *tree, GstE2eeMlsLeafNode *leaf);
/* §7.7 Remove: blanks the leaf and its direct path, then halves the tree while the
 * right half of the root holds no leaf. GST_E2EE_MLS_ERROR_INVALID_TREE when the leaf
 * is blank or outside the tree. */
gboolean gst_e2ee_mls_tree_remove_leaf (GstE2eeMlsTree *tree, guint32 leaf_index,
                                        GError **error);
void     gst_e2ee_mls_tree_truncate   (GstE2eeMlsTree *tree);

/* The resolution of node (§4.1.1), appended to out (guint32 node indices). */
void     gst_e2ee_mls_tree_resolution (const GstE2eeMlsTree *tree, guint32 node,
                                       GArray *out);
/* The direct path and copath of a leaf, from the leaf's parent up to the root,
 * appended to out (guint32 node indices). */
void     gst_e2ee_mls_tree_direct_path (const GstE2eeMlsTree *tree, guint32 leaf_index,
                                        GArray *out);
void     gst_e2ee_mls_tree_copath      (const GstE2eeMlsTree *tree, guint32 leaf_index,
                                        GArray *out);
/* The filtered direct path (§4.1.2): the direct path without the nodes whose copath
 * child has an empty resolution. copath, when not NULL, receives the copath child of
 * each node kept. */
void     gst_e2ee_mls_tree_filtered_direct_path (const GstE2eeMlsTree *tree,
                                                 guint32 leaf_index, GArray *out,
                                                 GArray *copath);

/* The tree hash of a node (§7.8), out holds nh bytes. Cached per node: recomputing
 * after a change costs only the changed nodes and their ancestors. */
gboolean gst_e2ee_mls_tree_hash      (GstE2eeMlsTree *tree, guint32 node, guint8 *out,
                                      GError **error);
gboolean gst_e2ee_mls_tree_root_hash (GstE2eeMlsTree *tree, guint8 *out, GError **error);

/* The parent hash of parent node p with copath child sibling (§7.9), whose
 * original_sibling_tree_hash is the tree hash of sibling with p's unmerged leaves
 * blanked. out holds nh bytes. */
gboolean gst_e2ee_mls_tree_parent_hash (GstE2eeMlsTree *tree, guint32 p, guint32 sibling,
                                        guint8 *out, GError **error);

/* Sets the parent_hash fields along the filtered direct path of leaf_index from the
 * root down, as a committer does after putting new keys on it (§7.9). out_leaf
 * (nh bytes) receives the parent hash the leaf must carry, *out_len its length: 0
 * when the filtered direct path is empty. */
gboolean gst_e2ee_mls_tree_set_path_parent_hashes (GstE2eeMlsTree *tree,
                                                   guint32 leaf_index, guint8 *out_leaf,
                                                   gsize *out_len, GError **error);

/* §7.9.2: every non-blank parent node is parent-hash valid
 * (GST_E2EE_MLS_ERROR_BAD_PARENT_HASH). */
gboolean gst_e2ee_mls_tree_verify_parent_hashes (GstE2eeMlsTree *tree, GError **error);

/* The checks a joiner makes of a tree (§12.4.3.1, §7.3), except the tree hash the
 * group compares with its GroupInfo: parent hashes, every leaf valid
 * (gst_e2ee_mls_leaf_node_validate() with the group_id and its index, no lifetime
 * check), unmerged leaves non-blank descendants listed on every non-blank node
 * between them and the parent (GST_E2EE_MLS_ERROR_INVALID_TREE), signature and
 * encryption keys unique across the tree (GST_E2EE_MLS_ERROR_INVALID_LEAF_NODE). */
gboolean gst_e2ee_mls_tree_validate (GstE2eeMlsTree *tree, const guint8 *group_id,
                                     gsize group_id_len, GError **error);

/* Whether a leaf node's signature or encryption key is already used in the tree by a
 * leaf other than except_leaf (G_MAXUINT32 for none), as Add and Update must check. */
gboolean gst_e2ee_mls_tree_check_unique_keys (const GstE2eeMlsTree *tree,
                                              const GstE2eeMlsLeafNode *leaf,
                                              guint32 except_leaf, GError **error);

G_END_DECLS
