/* gst-e2ee: the array representation of MLS ratchet trees (RFC 9420 §4.2, Appendix C).
 *
 * A node's level is the number of trailing one bits of its index; its children and
 * parent are found by flipping bits next to that run. A valid tree has 1, 2, 4, ...
 * leaves (RFC 9420 §7.8 grows and truncates it by powers of two), so every parent
 * computed here lies inside the tree.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "gste2eemlstreemath.h"

/* 2^31 leaves would need 2^32 - 1 nodes: the largest tree a guint32 index can span. */
#define MAX_LEAVES (((guint32) 1u) << 31)

static gboolean
valid_size (guint32 n_leaves)
{
  return n_leaves > 0 && n_leaves <= MAX_LEAVES && (n_leaves & (n_leaves - 1)) == 0;
}

guint32
gst_e2ee_mls_tree_node_width (guint32 n_leaves)
{
  if (!valid_size (n_leaves))
    return 0;
  return 2 * (n_leaves - 1) + 1;
}

guint32
gst_e2ee_mls_tree_level (guint32 x)
{
  guint32 k = 0;

  while (k < 32 && ((x >> k) & 1) == 1)
    k++;
  return k;
}

gboolean
gst_e2ee_mls_tree_root (guint32 n_leaves, guint32 * out)
{
  if (!valid_size (n_leaves))
    return FALSE;
  /* The root of a full tree sits in the middle of its node_width nodes. */
  *out = n_leaves - 1;
  return TRUE;
}

/* The left child flips the bit below x's run of ones, the right one that bit and the
 * lowest bit of the run: bits is 1 or 3. */
static gboolean
child (guint32 x, guint32 bits, guint32 * out)
{
  guint32 k = gst_e2ee_mls_tree_level (x);

  if (k == 0 || k >= 32)
    return FALSE;
  *out = x ^ (bits << (k - 1));
  return TRUE;
}

gboolean
gst_e2ee_mls_tree_left (guint32 x, guint32 * out)
{
  return child (x, 1, out);
}

gboolean
gst_e2ee_mls_tree_right (guint32 x, guint32 * out)
{
  return child (x, 3, out);
}

gboolean
gst_e2ee_mls_tree_parent (guint32 x, guint32 n_leaves, guint32 * out)
{
  guint32 root, k, b;

  if (!gst_e2ee_mls_tree_root (n_leaves, &root) || x == root
      || x >= gst_e2ee_mls_tree_node_width (n_leaves))
    return FALSE;
  k = gst_e2ee_mls_tree_level (x);
  /* x is not the root, so its level is below the root's (at most 30). */
  b = (x >> (k + 1)) & 1;
  *out = (x | (((guint32) 1u) << k)) ^ (b << (k + 1));
  return TRUE;
}

gboolean
gst_e2ee_mls_tree_sibling (guint32 x, guint32 n_leaves, guint32 * out)
{
  guint32 p;

  if (!gst_e2ee_mls_tree_parent (x, n_leaves, &p))
    return FALSE;
  return x < p ? gst_e2ee_mls_tree_right (p, out) : gst_e2ee_mls_tree_left (p, out);
}
