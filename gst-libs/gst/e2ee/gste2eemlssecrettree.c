/* gst-e2ee: the MLS secret tree and its per-sender ratchets (RFC 9420 §9).
 *
 * The epoch's encryption_secret sits at the root of a tree shaped like the ratchet
 * tree; a node's children are ExpandWithLabel(secret, "tree", "left"/"right", Nh).
 * A leaf's secret starts two hash ratchets, "handshake" and "application"; step j
 * gives the key and nonce of generation j and the secret of step j + 1.
 *
 * Forward secrecy within the epoch comes from the deletion schedule of §9.2, followed
 * here: a node's secret is wiped once its children are derived, a leaf's once its
 * ratchets are, a ratchet secret once the next one is, and a generation's key and
 * nonce once they are handed out. Secrets are derived only when first asked for.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "gste2eemlssecrettree.h"
#include "gste2eemlscrypto.h"
#include "gste2eemlserror.h"
#include "gste2eemlstreemath.h"

#include <string.h>
#include <openssl/crypto.h>

typedef struct
{
  guint32 generation;
  guint8 key[GST_E2EE_MLS_MAX_KEY];
  guint8 nonce[GST_E2EE_MLS_MAX_NONCE];
} SkippedKey;

typedef struct
{
  gboolean started;
  /* The secret of generation next (not yet used). */
  guint32 next;
  gboolean exhausted;
  guint8 secret[GST_E2EE_MLS_MAX_HASH];
  /* Keys of generations skipped over, oldest first. */
  SkippedKey skipped[GST_E2EE_MLS_OUT_OF_ORDER_TOLERANCE];
  guint n_skipped;
} Ratchet;

struct _GstE2eeMlsSecretTree
{
  const GstE2eeMlsSuite *suite;
  guint32 n_leaves, n_nodes;
  /* One Nh-byte secret per node, present[] says which are held. */
  guint8 *secrets;
  gboolean *present;
  /* Two per leaf: handshake, application. */
  Ratchet *ratchets;
};

static guint8 *
node_secret (GstE2eeMlsSecretTree * tree, guint32 x)
{
  return tree->secrets + (gsize) x * tree->suite->nh;
}

static void
drop_node (GstE2eeMlsSecretTree * tree, guint32 x)
{
  OPENSSL_cleanse (node_secret (tree, x), tree->suite->nh);
  tree->present[x] = FALSE;
}

GstE2eeMlsSecretTree *
gst_e2ee_mls_secret_tree_new (const GstE2eeMlsSuite * s,
    const guint8 * encryption_secret, guint32 n_leaves, GError ** error)
{
  GstE2eeMlsSecretTree *tree;
  guint32 root;

  /* A million leaves is far beyond any group this engine will run; the bound keeps a
   * hostile size from allocating gigabytes. */
  if (!gst_e2ee_mls_tree_root (n_leaves, &root) || n_leaves > (1u << 20)) {
    g_set_error (error, GST_E2EE_MLS_ERROR, GST_E2EE_MLS_ERROR_INVALID_ARGUMENT,
        "a secret tree of %u leaves (a power of two up to 2^20)", n_leaves);
    return NULL;
  }
  tree = g_new0 (GstE2eeMlsSecretTree, 1);
  tree->suite = s;
  tree->n_leaves = n_leaves;
  tree->n_nodes = gst_e2ee_mls_tree_node_width (n_leaves);
  tree->secrets = g_malloc0 ((gsize) tree->n_nodes * s->nh);
  tree->present = g_new0 (gboolean, tree->n_nodes);
  tree->ratchets = g_new0 (Ratchet, (gsize) n_leaves * 2);
  memcpy (node_secret (tree, root), encryption_secret, s->nh);
  tree->present[root] = TRUE;
  return tree;
}

void
gst_e2ee_mls_secret_tree_free (GstE2eeMlsSecretTree * tree)
{
  if (tree == NULL)
    return;
  OPENSSL_cleanse (tree->secrets, (gsize) tree->n_nodes * tree->suite->nh);
  OPENSSL_cleanse (tree->ratchets, (gsize) tree->n_leaves * 2 * sizeof (Ratchet));
  g_free (tree->secrets);
  g_free (tree->present);
  g_free (tree->ratchets);
  g_free (tree);
}

guint32
gst_e2ee_mls_secret_tree_n_leaves (const GstE2eeMlsSecretTree * tree)
{
  return tree->n_leaves;
}

/* Derives down from the one node on the path from the root to leaf that still holds
 * its secret, to the leaf; FALSE with no error if none does (the leaf's ratchets
 * were started already). */
static gboolean
derive_leaf (GstE2eeMlsSecretTree * tree, guint32 leaf, GError ** error)
{
  const GstE2eeMlsSuite *s = tree->suite;
  guint32 target = 2 * leaf, x;

  gst_e2ee_mls_tree_root (tree->n_leaves, &x);
  while (!tree->present[x]) {
    if (x == target)
      return FALSE;
    if (target < x)
      gst_e2ee_mls_tree_left (x, &x);
    else
      gst_e2ee_mls_tree_right (x, &x);
  }
  while (x != target) {
    guint32 l, r;

    gst_e2ee_mls_tree_left (x, &l);
    gst_e2ee_mls_tree_right (x, &r);
    if (!gst_e2ee_mls_expand_with_label (s, node_secret (tree, x), s->nh, "tree",
            (const guint8 *) "left", 4, node_secret (tree, l), s->nh, error)
        || !gst_e2ee_mls_expand_with_label (s, node_secret (tree, x), s->nh, "tree",
            (const guint8 *) "right", 5, node_secret (tree, r), s->nh, error)) {
      OPENSSL_cleanse (node_secret (tree, l), s->nh);
      OPENSSL_cleanse (node_secret (tree, r), s->nh);
      return FALSE;
    }
    tree->present[l] = tree->present[r] = TRUE;
    drop_node (tree, x);
    x = target < x ? l : r;
  }
  return TRUE;
}

static Ratchet *
ratchet (GstE2eeMlsSecretTree * tree, guint32 leaf, GstE2eeMlsRatchetType type,
    GError ** error)
{
  static const gchar *const labels[] = { "handshake", "application" };
  const GstE2eeMlsSuite *s = tree->suite;
  Ratchet *r, *pair;
  guint8 *leaf_secret;
  GError *err = NULL;
  guint i;

  if (leaf >= tree->n_leaves) {
    g_set_error (error, GST_E2EE_MLS_ERROR, GST_E2EE_MLS_ERROR_INVALID_ARGUMENT,
        "leaf %u is outside the secret tree of %u leaves", leaf, tree->n_leaves);
    return NULL;
  }
  pair = &tree->ratchets[2 * (gsize) leaf];
  r = &pair[type];
  if (r->started)
    return r;
  if (!derive_leaf (tree, leaf, &err)) {
    if (err != NULL)
      g_propagate_error (error, err);
    else
      g_set_error (error, GST_E2EE_MLS_ERROR, GST_E2EE_MLS_ERROR_CRYPTO,
          "the secret of leaf %u is gone", leaf);
    return NULL;
  }
  /* Both ratchets at once: the leaf secret is wiped right after. */
  leaf_secret = node_secret (tree, 2 * leaf);
  for (i = 0; i < 2; i++) {
    if (!gst_e2ee_mls_expand_with_label (s, leaf_secret, s->nh, labels[i], NULL, 0,
            pair[i].secret, s->nh, error)) {
      OPENSSL_cleanse (pair, 2 * sizeof (Ratchet));
      return NULL;
    }
  }
  pair[0].started = pair[1].started = TRUE;
  drop_node (tree, 2 * leaf);
  return r;
}

/* Generation r->next's key and nonce; the ratchet moves to the next secret. */
static gboolean
step (const GstE2eeMlsSuite * s, Ratchet * r, guint8 * key, guint8 * nonce,
    GError ** error)
{
  guint8 next[GST_E2EE_MLS_MAX_HASH];

  if (r->exhausted) {
    g_set_error (error, GST_E2EE_MLS_ERROR, GST_E2EE_MLS_ERROR_GENERATION,
        "the ratchet is past its last generation");
    return FALSE;
  }
  if (!gst_e2ee_mls_derive_tree_secret (s, r->secret, s->nh, "key", r->next, key, s->nk,
          error)
      || !gst_e2ee_mls_derive_tree_secret (s, r->secret, s->nh, "nonce", r->next, nonce,
          s->nn, error)
      || !gst_e2ee_mls_derive_tree_secret (s, r->secret, s->nh, "secret", r->next, next,
          s->nh, error)) {
    OPENSSL_cleanse (key, s->nk);
    OPENSSL_cleanse (nonce, s->nn);
    OPENSSL_cleanse (next, sizeof next);
    return FALSE;
  }
  memcpy (r->secret, next, s->nh);
  OPENSSL_cleanse (next, sizeof next);
  if (r->next == G_MAXUINT32)
    r->exhausted = TRUE;
  else
    r->next++;
  return TRUE;
}

static void
drop_skipped (Ratchet * r, guint i)
{
  OPENSSL_cleanse (&r->skipped[i], sizeof r->skipped[i]);
  memmove (&r->skipped[i], &r->skipped[i + 1],
      (r->n_skipped - i - 1) * sizeof r->skipped[0]);
  r->n_skipped--;
  OPENSSL_cleanse (&r->skipped[r->n_skipped], sizeof r->skipped[0]);
}

static void
keep_skipped (const GstE2eeMlsSuite * s, Ratchet * r, guint32 generation,
    const guint8 * key, const guint8 * nonce)
{
  SkippedKey *k;

  if (r->n_skipped == GST_E2EE_MLS_OUT_OF_ORDER_TOLERANCE)
    drop_skipped (r, 0);
  k = &r->skipped[r->n_skipped++];
  k->generation = generation;
  memcpy (k->key, key, s->nk);
  memcpy (k->nonce, nonce, s->nn);
}

/* A receiver's key and nonce for a sender's generation. Each is handed out once:
 * the caller uses them and wipes its copy. */
gboolean
gst_e2ee_mls_secret_tree_get (GstE2eeMlsSecretTree * tree, guint32 leaf,
    GstE2eeMlsRatchetType type, guint32 generation, guint8 * key, guint8 * nonce,
    GError ** error)
{
  const GstE2eeMlsSuite *s = tree->suite;
  Ratchet *r = ratchet (tree, leaf, type, error);
  guint i;

  if (r == NULL)
    return FALSE;
  if (generation < r->next || r->exhausted) {
    for (i = 0; i < r->n_skipped; i++) {
      if (r->skipped[i].generation == generation) {
        memcpy (key, r->skipped[i].key, s->nk);
        memcpy (nonce, r->skipped[i].nonce, s->nn);
        drop_skipped (r, i);
        return TRUE;
      }
    }
    g_set_error (error, GST_E2EE_MLS_ERROR, GST_E2EE_MLS_ERROR_GENERATION,
        "generation %u of leaf %u was used already or is too old", generation, leaf);
    return FALSE;
  }
  if (generation - r->next > GST_E2EE_MLS_MAX_FORWARD_DISTANCE) {
    g_set_error (error, GST_E2EE_MLS_ERROR, GST_E2EE_MLS_ERROR_GENERATION,
        "generation %u of leaf %u is more than %u past the next one (%u)", generation,
        leaf, GST_E2EE_MLS_MAX_FORWARD_DISTANCE, r->next);
    return FALSE;
  }
  while (r->next < generation) {
    guint32 skipped = r->next;

    if (!step (s, r, key, nonce, error))
      return FALSE;
    keep_skipped (s, r, skipped, key, nonce);
  }
  return step (s, r, key, nonce, error);
}

/* Returns a key and nonce that gst_e2ee_mls_secret_tree_get() handed out for a
 * message that then failed to open: a forged or damaged copy must not use up the
 * generation of the genuine message, which may still arrive. Kept as a skipped
 * generation, so the tolerance bounds how many are held. */
void
gst_e2ee_mls_secret_tree_put_back (GstE2eeMlsSecretTree * tree, guint32 leaf,
    GstE2eeMlsRatchetType type, guint32 generation, const guint8 * key,
    const guint8 * nonce)
{
  Ratchet *r = ratchet (tree, leaf, type, NULL);

  if (r != NULL)
    keep_skipped (tree->suite, r, generation, key, nonce);
}

/* A sender's next generation, its key and nonce. */
gboolean
gst_e2ee_mls_secret_tree_next (GstE2eeMlsSecretTree * tree, guint32 leaf,
    GstE2eeMlsRatchetType type, guint32 * generation, guint8 * key, guint8 * nonce,
    GError ** error)
{
  Ratchet *r = ratchet (tree, leaf, type, error);
  guint32 g;

  if (r == NULL)
    return FALSE;
  g = r->next;
  if (!step (tree->suite, r, key, nonce, error))
    return FALSE;
  *generation = g;
  return TRUE;
}
