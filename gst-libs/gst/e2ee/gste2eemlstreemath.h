/* gst-e2ee: the array representation of MLS ratchet trees (RFC 9420 §4.2, Appendix C).
 * Internal until the public MLS API exists: not installed and not part of the GIR.
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* Node indices of a tree of n_leaves leaves (a power of two, as RFC 9420 trees always
 * are): leaves are the even indices, leaf L is node 2L. The functions that can have no
 * answer (the children of a leaf, the parent and sibling of the root, an index outside
 * the tree) return FALSE and leave *out untouched. */
guint32  gst_e2ee_mls_tree_node_width (guint32 n_leaves);
guint32  gst_e2ee_mls_tree_level      (guint32 x);
gboolean gst_e2ee_mls_tree_root       (guint32 n_leaves, guint32 *out);
gboolean gst_e2ee_mls_tree_left       (guint32 x, guint32 *out);
gboolean gst_e2ee_mls_tree_right      (guint32 x, guint32 *out);
gboolean gst_e2ee_mls_tree_parent     (guint32 x, guint32 n_leaves, guint32 *out);
gboolean gst_e2ee_mls_tree_sibling    (guint32 x, guint32 n_leaves, guint32 *out);

G_END_DECLS
