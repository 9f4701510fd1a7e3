/* gst-e2ee: TreeKEM (RFC 9420 §7.4-7.6, §12.4.1-12.4.2).
 *
 * A committer derives a chain of path secrets from a fresh leaf secret, one per node
 * of its filtered direct path, and encrypts each to the resolution of that node's
 * copath child; a member decrypts the one at its lowest common ancestor with the
 * committer and derives the rest. Creating and processing are split in two because
 * the ciphertexts are bound to the GroupContext of the tree the commit produces,
 * which the group layer computes in between.
 *
 * Every path secret, node secret and private key lives in a buffer wiped with
 * OPENSSL_cleanse() when it is superseded, dropped or freed; a member keeps the
 * private keys of its own direct path only (GstE2eeMlsTreePrivate).
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "gste2eemlstreekem.h"
#include "gste2eemlscrypto.h"
#include "gste2eemlserror.h"
#include "gste2eemlstreemath.h"
#include "gste2eehpke.h"

#include <string.h>
#include <openssl/crypto.h>

#define UPDATE_PATH_NODE_LABEL "UpdatePathNode"

/* ------------------------------------------------------------------------------ */
/* UpdatePath codec */

static void
free_path_nodes (GstE2eeMlsUpdatePathNode * nodes, guint n)
{
  guint i, j;

  for (i = 0; i < n; i++) {
    for (j = 0; j < nodes[i].n_encrypted_path_secret; j++) {
      g_free (nodes[i].encrypted_path_secret[j].kem_output);
      g_free (nodes[i].encrypted_path_secret[j].ciphertext);
    }
    g_free (nodes[i].encrypted_path_secret);
    g_free (nodes[i].encryption_key);
  }
  g_free (nodes);
}

void
gst_e2ee_mls_update_path_free (GstE2eeMlsUpdatePath * path)
{
  if (path == NULL)
    return;
  gst_e2ee_mls_leaf_node_unref (path->leaf_node);
  free_path_nodes (path->nodes, path->n_nodes);
  g_free (path);
}

static gboolean
read_path_node (GstE2eeMlsReader * r, GstE2eeMlsUpdatePathNode * node,
    GError ** error)
{
  GstE2eeMlsReader cts;
  GArray *list;
  const guint8 *key;
  gsize key_len;
  gboolean ok = TRUE;

  if (!gst_e2ee_mls_read_opaque (r, &key, &key_len, error)
      || !gst_e2ee_mls_read_vector (r, &cts, error))
    return FALSE;
  node->encryption_key = g_memdup2 (key, key_len);
  node->encryption_key_len = key_len;
  list = g_array_new (FALSE, TRUE, sizeof (GstE2eeMlsHpkeCiphertext));
  while (ok && gst_e2ee_mls_reader_remaining (&cts) > 0) {
    GstE2eeMlsHpkeCiphertext ct = { 0 };
    const guint8 *kem, *c;

    /* A ciphertext cut short fails even where it ends the vector: judging by what
     * is left alone took a kem_output with no ciphertext after it as a whole list. */
    ok = gst_e2ee_mls_read_opaque (&cts, &kem, &ct.kem_output_len, error)
        && gst_e2ee_mls_read_opaque (&cts, &c, &ct.ciphertext_len, error);
    if (ok) {
      ct.kem_output = g_memdup2 (kem, ct.kem_output_len);
      ct.ciphertext = g_memdup2 (c, ct.ciphertext_len);
      g_array_append_val (list, ct);
    }
  }
  node->n_encrypted_path_secret = list->len;
  node->encrypted_path_secret = (GstE2eeMlsHpkeCiphertext *) g_array_free (list, FALSE);
  return ok;
}

GstE2eeMlsUpdatePath *
gst_e2ee_mls_update_path_read (GstE2eeMlsReader * r, GError ** error)
{
  GstE2eeMlsUpdatePath *path = g_new0 (GstE2eeMlsUpdatePath, 1);
  GstE2eeMlsReader nodes;
  GArray *list = NULL;
  gsize start = r->pos;

  path->leaf_node = gst_e2ee_mls_leaf_node_read (r, error);
  if (path->leaf_node == NULL || !gst_e2ee_mls_read_vector (r, &nodes, error))
    goto fail;
  list = g_array_new (FALSE, TRUE, sizeof (GstE2eeMlsUpdatePathNode));
  while (gst_e2ee_mls_reader_remaining (&nodes) > 0) {
    GstE2eeMlsUpdatePathNode node = { 0 };
    gboolean ok = read_path_node (&nodes, &node, error);

    g_array_append_val (list, node);
    if (!ok)
      goto fail;
  }
  path->n_nodes = list->len;
  path->nodes = (GstE2eeMlsUpdatePathNode *) g_array_free (list, FALSE);
  return path;

fail:
  if (list != NULL) {
    path->n_nodes = list->len;
    path->nodes = (GstE2eeMlsUpdatePathNode *) g_array_free (list, FALSE);
  }
  gst_e2ee_mls_update_path_free (path);
  r->pos = start;
  return NULL;
}

GstE2eeMlsUpdatePath *
gst_e2ee_mls_update_path_decode (const guint8 * data, gsize len, GError ** error)
{
  GstE2eeMlsReader r;
  GstE2eeMlsUpdatePath *path;

  gst_e2ee_mls_reader_init (&r, data, len);
  path = gst_e2ee_mls_update_path_read (&r, error);
  if (path != NULL && !gst_e2ee_mls_reader_finish (&r, error)) {
    gst_e2ee_mls_update_path_free (path);
    return NULL;
  }
  return path;
}

gboolean
gst_e2ee_mls_update_path_write (const GstE2eeMlsUpdatePath * path, GByteArray * w,
    GError ** error)
{
  gsize nodes, cts;
  guint i, j;

  gst_e2ee_mls_leaf_node_write (path->leaf_node, w);
  nodes = gst_e2ee_mls_write_vector_begin (w);
  for (i = 0; i < path->n_nodes; i++) {
    const GstE2eeMlsUpdatePathNode *n = &path->nodes[i];

    if (!gst_e2ee_mls_write_opaque (w, n->encryption_key, n->encryption_key_len, error))
      return FALSE;
    cts = gst_e2ee_mls_write_vector_begin (w);
    for (j = 0; j < n->n_encrypted_path_secret; j++) {
      const GstE2eeMlsHpkeCiphertext *ct = &n->encrypted_path_secret[j];

      if (!gst_e2ee_mls_write_opaque (w, ct->kem_output, ct->kem_output_len, error)
          || !gst_e2ee_mls_write_opaque (w, ct->ciphertext, ct->ciphertext_len, error))
        return FALSE;
    }
    if (!gst_e2ee_mls_write_vector_end (w, cts, error))
      return FALSE;
  }
  return gst_e2ee_mls_write_vector_end (w, nodes, error);
}

/* ------------------------------------------------------------------------------ */
/* Private state */

typedef struct
{
  guint32 node;
  guint8 sk[GST_E2EE_MLS_MAX_KEM_KEY];
  /* The public key, to tell without a scalar multiplication whether the tree still
   * holds this key pair. */
  guint8 pk[GST_E2EE_MLS_MAX_KEM_KEY];
} NodeKey;

struct _GstE2eeMlsTreePrivate
{
  const GstE2eeMlsSuite *suite;
  guint32 leaf_index;
  GArray *keys;
};

static void
node_key_clear (gpointer data)
{
  OPENSSL_cleanse (data, sizeof (NodeKey));
}

static GstE2eeMlsTreePrivate *
private_alloc (const GstE2eeMlsSuite * s, guint32 leaf_index)
{
  GstE2eeMlsTreePrivate *priv = g_new0 (GstE2eeMlsTreePrivate, 1);

  priv->suite = s;
  priv->leaf_index = leaf_index;
  priv->keys = g_array_new (FALSE, TRUE, sizeof (NodeKey));
  g_array_set_clear_func (priv->keys, node_key_clear);
  return priv;
}

static NodeKey *
find_key (const GstE2eeMlsTreePrivate * priv, guint32 node, guint * index)
{
  guint i;

  for (i = 0; i < priv->keys->len; i++) {
    NodeKey *k = &g_array_index (priv->keys, NodeKey, i);

    if (k->node == node) {
      if (index != NULL)
        *index = i;
      return k;
    }
  }
  return NULL;
}

/* Replaces (wiping) or adds the key pair of node. */
static void
set_key (GstE2eeMlsTreePrivate * priv, guint32 node, const guint8 * sk,
    const guint8 * pk)
{
  NodeKey *k = find_key (priv, node, NULL);

  if (k == NULL) {
    g_array_set_size (priv->keys, priv->keys->len + 1);
    k = &g_array_index (priv->keys, NodeKey, priv->keys->len - 1);
  }
  node_key_clear (k);
  k->node = node;
  memcpy (k->sk, sk, priv->suite->nsk);
  memcpy (k->pk, pk, priv->suite->npk);
}

static void
drop_key (GstE2eeMlsTreePrivate * priv, guint32 node)
{
  guint i;

  if (find_key (priv, node, &i) != NULL)
    g_array_remove_index_fast (priv->keys, i);
}

/* priv takes next's keys; its own are wiped. Every change to a member's keys is made
 * on a copy and moved over this way once it succeeded, so a failure changes nothing. */
static void
private_replace (GstE2eeMlsTreePrivate * priv, const GstE2eeMlsTreePrivate * next)
{
  g_array_set_size (priv->keys, 0);
  g_array_append_vals (priv->keys, next->keys->data, next->keys->len);
}

GstE2eeMlsTreePrivate *
gst_e2ee_mls_tree_private_new (const GstE2eeMlsSuite * s, guint32 leaf_index,
    const guint8 * leaf_priv, gsize leaf_priv_len)
{
  GstE2eeMlsTreePrivate *priv;
  guint8 pk[GST_E2EE_MLS_MAX_KEM_KEY];

  g_return_val_if_fail (leaf_priv_len == s->nsk, NULL);
  if (!gst_e2ee_mls_kem_public_key (s, leaf_priv, leaf_priv_len, pk, NULL))
    return NULL;
  priv = private_alloc (s, leaf_index);
  set_key (priv, 2 * leaf_index, leaf_priv, pk);
  return priv;
}

GstE2eeMlsTreePrivate *
gst_e2ee_mls_tree_private_copy (const GstE2eeMlsTreePrivate * priv)
{
  GstE2eeMlsTreePrivate *copy = private_alloc (priv->suite, priv->leaf_index);

  g_array_append_vals (copy->keys, priv->keys->data, priv->keys->len);
  return copy;
}

void
gst_e2ee_mls_tree_private_free (GstE2eeMlsTreePrivate * priv)
{
  if (priv == NULL)
    return;
  g_array_unref (priv->keys);
  g_free (priv);
}

guint32
gst_e2ee_mls_tree_private_leaf_index (const GstE2eeMlsTreePrivate * priv)
{
  return priv->leaf_index;
}

const guint8 *
gst_e2ee_mls_tree_private_get (const GstE2eeMlsTreePrivate * priv, guint32 node)
{
  NodeKey *k = find_key (priv, node, NULL);

  return k != NULL ? k->sk : NULL;
}

/* The public key the tree holds at node, or NULL when blank. */
static const guint8 *
tree_public_key (const GstE2eeMlsTree * tree, guint32 node, gsize * len)
{
  const GstE2eeMlsNode *n;

  if (node >= gst_e2ee_mls_tree_width (tree))
    return NULL;
  n = &tree->nodes[node];
  if (n->leaf != NULL) {
    *len = n->leaf->encryption_key_len;
    return n->leaf->encryption_key;
  }
  if (n->parent != NULL) {
    *len = n->parent->encryption_key_len;
    return n->parent->encryption_key;
  }
  return NULL;
}

/* node_secret = DeriveSecret(path_secret, "node"); the key pair from it (§7.4). */
static gboolean
node_key_pair (const GstE2eeMlsSuite * s, const guint8 * path_secret, guint8 * sk,
    guint8 * pk, GError ** error)
{
  guint8 node_secret[GST_E2EE_MLS_MAX_HASH];
  gboolean ok;

  ok = gst_e2ee_mls_derive_secret (s, path_secret, s->nh, "node", node_secret, error)
      && gst_e2ee_hpke_derive_key_pair (s, node_secret, s->nh, sk, pk, error);
  OPENSSL_cleanse (node_secret, sizeof node_secret);
  return ok;
}

/* path_secret[n + 1] = DeriveSecret(path_secret[n], "path"), in place. */
static gboolean
next_path_secret (const GstE2eeMlsSuite * s, guint8 * ps, GError ** error)
{
  guint8 next[GST_E2EE_MLS_MAX_HASH];
  gboolean ok;

  ok = gst_e2ee_mls_derive_secret (s, ps, s->nh, "path", next, error);
  if (ok)
    memcpy (ps, next, s->nh);
  OPENSSL_cleanse (next, sizeof next);
  return ok;
}

static gboolean
same_key (const guint8 * a, gsize a_len, const guint8 * b, gsize b_len)
{
  return a != NULL && b != NULL && a_len == b_len && memcmp (a, b, a_len) == 0;
}

gboolean
gst_e2ee_mls_tree_private_set_path_secret (GstE2eeMlsTreePrivate * priv,
    const GstE2eeMlsTree * tree, guint32 node, const guint8 * path_secret,
    GError ** error)
{
  const GstE2eeMlsSuite *s = priv->suite;
  guint8 sk[GST_E2EE_MLS_MAX_KEM_KEY], pk[GST_E2EE_MLS_MAX_KEM_KEY];
  const guint8 *want;
  gsize want_len = 0;
  gboolean ok = FALSE;

  if (!node_key_pair (s, path_secret, sk, pk, error))
    goto out;
  want = tree_public_key (tree, node, &want_len);
  if (!same_key (want, want_len, pk, s->npk)) {
    g_set_error (error, GST_E2EE_MLS_ERROR, GST_E2EE_MLS_ERROR_INVALID_PATH,
        "the path secret for node %u gives a key the tree does not hold there", node);
    goto out;
  }
  set_key (priv, node, sk, pk);
  ok = TRUE;

out:
  OPENSSL_cleanse (sk, sizeof sk);
  return ok;
}

/* Where node is in the list, or -1. */
static gint
index_of (GArray * list, guint32 node)
{
  guint i;

  for (i = 0; i < list->len; i++)
    if (g_array_index (list, guint32, i) == node)
      return (gint) i;
  return -1;
}

gboolean
gst_e2ee_mls_tree_private_set_path_secrets_from (GstE2eeMlsTreePrivate * priv,
    const GstE2eeMlsTree * tree, guint32 committer, guint32 node,
    const guint8 * path_secret, GError ** error)
{
  const GstE2eeMlsSuite *s = priv->suite;
  GArray *fdp = g_array_new (FALSE, FALSE, sizeof (guint32));
  GstE2eeMlsTreePrivate *next = gst_e2ee_mls_tree_private_copy (priv);
  guint8 ps[GST_E2EE_MLS_MAX_HASH];
  gboolean ok = FALSE;
  gint at;
  guint i;

  memcpy (ps, path_secret, s->nh);
  gst_e2ee_mls_tree_filtered_direct_path (tree, committer, fdp, NULL);
  at = index_of (fdp, node);
  if (at < 0) {
    g_set_error (error, GST_E2EE_MLS_ERROR, GST_E2EE_MLS_ERROR_INVALID_PATH,
        "node %u is not on the filtered direct path of leaf %u", node, committer);
    goto out;
  }
  for (i = (guint) at; i < fdp->len; i++) {
    if (!gst_e2ee_mls_tree_private_set_path_secret (next, tree,
            g_array_index (fdp, guint32, i), ps, error)
        || !next_path_secret (s, ps, error))
      goto out;
  }
  /* All or nothing: the keys move over only once every one matched. */
  private_replace (priv, next);
  ok = TRUE;

out:
  OPENSSL_cleanse (ps, sizeof ps);
  gst_e2ee_mls_tree_private_free (next);
  g_array_unref (fdp);
  return ok;
}

void
gst_e2ee_mls_tree_private_prune (GstE2eeMlsTreePrivate * priv,
    const GstE2eeMlsTree * tree)
{
  guint i = 0;

  while (i < priv->keys->len) {
    NodeKey *k = &g_array_index (priv->keys, NodeKey, i);
    gsize len = 0;
    const guint8 *pk = tree_public_key (tree, k->node, &len);

    if (same_key (pk, len, k->pk, priv->suite->npk))
      i++;
    else
      g_array_remove_index_fast (priv->keys, i);
  }
}

/* ------------------------------------------------------------------------------ */
/* Path secrets kept by a committer for its Welcome */

struct _GstE2eeMlsPathSecrets
{
  const GstE2eeMlsSuite *suite;
  guint n;
  guint32 *nodes;
  guint8 *secrets;
};

static GstE2eeMlsPathSecrets *
path_secrets_new (const GstE2eeMlsSuite * s, guint n)
{
  GstE2eeMlsPathSecrets *ps = g_new0 (GstE2eeMlsPathSecrets, 1);

  ps->suite = s;
  ps->n = n;
  ps->nodes = g_new0 (guint32, n + 1);
  ps->secrets = g_malloc0 ((n + 1) * s->nh);
  return ps;
}

const guint8 *
gst_e2ee_mls_path_secrets_get (const GstE2eeMlsPathSecrets * ps, guint32 node)
{
  guint i;

  for (i = 0; i < ps->n; i++)
    if (ps->nodes[i] == node)
      return ps->secrets + i * ps->suite->nh;
  return NULL;
}

void
gst_e2ee_mls_path_secrets_free (GstE2eeMlsPathSecrets * ps)
{
  if (ps == NULL)
    return;
  OPENSSL_cleanse (ps->secrets, (ps->n + 1) * ps->suite->nh);
  g_free (ps->secrets);
  g_free (ps->nodes);
  g_free (ps);
}

/* ------------------------------------------------------------------------------ */
/* Creating an UpdatePath */

/* Drops the keys of the leaf's direct path: those nodes are blanked or replaced. */
static void
drop_direct_path_keys (GstE2eeMlsTreePrivate * priv, const GstE2eeMlsTree * tree,
    guint32 leaf_index)
{
  guint32 x = 2 * leaf_index;

  while (gst_e2ee_mls_tree_parent (x, tree->n_leaves, &x))
    drop_key (priv, x);
}

/* Puts fresh parent nodes with these keys on the filtered direct path (unmerged
 * leaves emptied) and sets their parent hashes. */
static gboolean
put_path (GstE2eeMlsTree * tree, guint32 leaf_index, GArray * fdp,
    const GstE2eeMlsUpdatePathNode * nodes, guint8 * leaf_ph, gsize * leaf_ph_len,
    GError ** error)
{
  guint i;

  gst_e2ee_mls_tree_blank_path (tree, leaf_index);
  for (i = 0; i < fdp->len; i++) {
    GstE2eeMlsParentNode *p = gst_e2ee_mls_parent_node_new (nodes[i].encryption_key,
        nodes[i].encryption_key_len, NULL, 0, NULL, 0);

    gst_e2ee_mls_tree_set_parent (tree, g_array_index (fdp, guint32, i), p);
    gst_e2ee_mls_parent_node_unref (p);
  }
  return gst_e2ee_mls_tree_set_path_parent_hashes (tree, leaf_index, leaf_ph,
      leaf_ph_len, error);
}

GstE2eeMlsUpdatePath *
gst_e2ee_mls_treekem_create_path (GstE2eeMlsTree * tree, GstE2eeMlsTreePrivate * priv,
    const guint8 * leaf_secret, const GstE2eeMlsLeafNodeFields * leaf,
    const guint8 * group_id, gsize group_id_len, const guint8 * sig_sk,
    gsize sig_sk_len, GstE2eeMlsPathSecrets ** path_secrets, guint8 * commit_secret,
    GError ** error)
{
  const GstE2eeMlsSuite *s = tree->suite;
  guint32 me = priv->leaf_index;
  GArray *fdp = g_array_new (FALSE, FALSE, sizeof (guint32));
  GstE2eeMlsUpdatePath *path = g_new0 (GstE2eeMlsUpdatePath, 1);
  GstE2eeMlsPathSecrets *ps = NULL;
  GstE2eeMlsTreePrivate *next = gst_e2ee_mls_tree_private_copy (priv);
  GstE2eeMlsLeafNodeFields f = *leaf;
  guint8 secret[GST_E2EE_MLS_MAX_HASH], leaf_ph[GST_E2EE_MLS_MAX_HASH];
  guint8 sk[GST_E2EE_MLS_MAX_KEM_KEY], pk[GST_E2EE_MLS_MAX_KEM_KEY];
  gsize leaf_ph_len = 0;
  gboolean ok = FALSE;
  guint i;

  if (gst_e2ee_mls_tree_get_leaf (tree, me) == NULL) {
    g_set_error (error, GST_E2EE_MLS_ERROR, GST_E2EE_MLS_ERROR_INVALID_TREE,
        "leaf %u is blank: it cannot commit", me);
    goto out;
  }
  if (leaf_secret != NULL)
    memcpy (secret, leaf_secret, s->nh);
  else if (!gst_e2ee_mls_random (secret, s->nh, error))
    goto out;
  /* Blanking the direct path leaves every copath subtree as it was, so the filtered
   * direct path is the same before and after. */
  gst_e2ee_mls_tree_filtered_direct_path (tree, me, fdp, NULL);
  ps = path_secrets_new (s, fdp->len);
  path->n_nodes = fdp->len;
  path->nodes = g_new0 (GstE2eeMlsUpdatePathNode, fdp->len + 1);
  drop_direct_path_keys (next, tree, me);

  /* leaf_node_secret = DeriveSecret(leaf_secret, "node"): the leaf's new key. */
  if (!node_key_pair (s, secret, sk, pk, error))
    goto out;
  set_key (next, 2 * me, sk, pk);
  for (i = 0; i < fdp->len; i++) {
    guint8 *psi = ps->secrets + i * s->nh;

    ps->nodes[i] = g_array_index (fdp, guint32, i);
    if (!gst_e2ee_mls_derive_secret (s, i == 0 ? secret : psi - s->nh, s->nh, "path",
            psi, error)
        || !node_key_pair (s, psi, sk, pk, error))
      goto out;
    path->nodes[i].encryption_key = g_memdup2 (pk, s->npk);
    path->nodes[i].encryption_key_len = s->npk;
    set_key (next, ps->nodes[i], sk, pk);
  }
  /* commit_secret is the path secret one step beyond the root's. */
  if (!gst_e2ee_mls_derive_secret (s, fdp->len > 0 ? ps->secrets + (fdp->len - 1) *
          s->nh : secret, s->nh, "path", commit_secret, error))
    goto out;
  if (!put_path (tree, me, fdp, path->nodes, leaf_ph, &leaf_ph_len, error))
    goto out;
  f.encryption_key = find_key (next, 2 * me, NULL)->pk;
  f.encryption_key_len = s->npk;
  f.source = GST_E2EE_MLS_LEAF_NODE_SOURCE_COMMIT;
  f.parent_hash = leaf_ph;
  f.parent_hash_len = leaf_ph_len;
  path->leaf_node = gst_e2ee_mls_leaf_node_new_signed (s, &f, sig_sk, sig_sk_len,
      group_id, group_id_len, me, error);
  if (path->leaf_node == NULL)
    goto out;
  gst_e2ee_mls_tree_set_leaf (tree, me, path->leaf_node);
  /* The old keys of the path are wiped with the old state. */
  private_replace (priv, next);
  ok = TRUE;

out:
  OPENSSL_cleanse (secret, sizeof secret);
  OPENSSL_cleanse (sk, sizeof sk);
  gst_e2ee_mls_tree_private_free (next);
  g_array_unref (fdp);
  if (!ok) {
    OPENSSL_cleanse (commit_secret, s->nh);
    gst_e2ee_mls_path_secrets_free (ps);
    gst_e2ee_mls_update_path_free (path);
    return NULL;
  }
  *path_secrets = ps;
  return path;
}

/* The resolution of node without the leaves of exclude (added by this commit). */
static void
resolution_excluding (const GstE2eeMlsTree * tree, guint32 node,
    const guint32 * exclude, guint n_exclude, GArray * res)
{
  guint i = 0, j;

  g_array_set_size (res, 0);
  gst_e2ee_mls_tree_resolution (tree, node, res);
  while (i < res->len) {
    guint32 x = g_array_index (res, guint32, i);
    gboolean drop = FALSE;

    for (j = 0; j < n_exclude && !drop; j++)
      drop = x == 2 * exclude[j];
    if (drop)
      g_array_remove_index (res, i);
    else
      i++;
  }
}

gboolean
gst_e2ee_mls_treekem_encrypt_path (GstE2eeMlsTree * tree, GstE2eeMlsUpdatePath * path,
    guint32 sender, const GstE2eeMlsPathSecrets * path_secrets,
    const guint8 * group_context, gsize group_context_len, const guint32 * exclude,
    guint n_exclude, GError ** error)
{
  const GstE2eeMlsSuite *s = tree->suite;
  GArray *fdp = g_array_new (FALSE, FALSE, sizeof (guint32));
  GArray *copath = g_array_new (FALSE, FALSE, sizeof (guint32));
  GArray *res = g_array_new (FALSE, FALSE, sizeof (guint32));
  gboolean ok = FALSE;
  guint i, j;

  gst_e2ee_mls_tree_filtered_direct_path (tree, sender, fdp, copath);
  if (fdp->len != path->n_nodes || path_secrets->n != path->n_nodes) {
    g_set_error (error, GST_E2EE_MLS_ERROR, GST_E2EE_MLS_ERROR_INVALID_PATH,
        "the path has %u nodes, the filtered direct path %u", path->n_nodes, fdp->len);
    goto out;
  }
  for (i = 0; i < fdp->len; i++) {
    GstE2eeMlsUpdatePathNode *n = &path->nodes[i];

    resolution_excluding (tree, g_array_index (copath, guint32, i), exclude, n_exclude,
        res);
    for (j = 0; j < n->n_encrypted_path_secret; j++) {
      g_free (n->encrypted_path_secret[j].kem_output);
      g_free (n->encrypted_path_secret[j].ciphertext);
    }
    g_free (n->encrypted_path_secret);
    n->encrypted_path_secret = g_new0 (GstE2eeMlsHpkeCiphertext, res->len + 1);
    n->n_encrypted_path_secret = res->len;
    for (j = 0; j < res->len; j++) {
      GstE2eeMlsHpkeCiphertext *ct = &n->encrypted_path_secret[j];
      gsize pk_len = 0;
      const guint8 *pk = tree_public_key (tree, g_array_index (res, guint32, j),
          &pk_len);

      if (pk == NULL) {
        g_set_error (error, GST_E2EE_MLS_ERROR, GST_E2EE_MLS_ERROR_INVALID_TREE,
            "node %u of a resolution is blank", g_array_index (res, guint32, j));
        goto out;
      }
      ct->kem_output = g_malloc (s->npk);
      ct->kem_output_len = s->npk;
      ct->ciphertext = g_malloc (s->nh + GST_E2EE_MLS_AEAD_TAG);
      ct->ciphertext_len = s->nh + GST_E2EE_MLS_AEAD_TAG;
      if (!gst_e2ee_mls_encrypt_with_label (s, pk, pk_len, UPDATE_PATH_NODE_LABEL,
              group_context, group_context_len, path_secrets->secrets + i * s->nh,
              s->nh, ct->kem_output, ct->ciphertext, error))
        goto out;
    }
  }
  ok = TRUE;

out:
  g_array_unref (fdp);
  g_array_unref (copath);
  g_array_unref (res);
  return ok;
}

/* ------------------------------------------------------------------------------ */
/* Processing an UpdatePath */

/* The sender's filtered direct path (and its copath children), which the path must
 * match node for node. */
static gboolean
sender_path (const GstE2eeMlsTree * tree, guint32 sender,
    const GstE2eeMlsUpdatePath * path, GArray * fdp, GArray * copath, GError ** error)
{
  gst_e2ee_mls_tree_filtered_direct_path (tree, sender, fdp, copath);
  if (path->n_nodes != fdp->len) {
    g_set_error (error, GST_E2EE_MLS_ERROR, GST_E2EE_MLS_ERROR_INVALID_PATH,
        "the UpdatePath has %u nodes, the filtered direct path of leaf %u has %u",
        path->n_nodes, sender, fdp->len);
    return FALSE;
  }
  return TRUE;
}

/* §12.4.2: none of the path's keys may already be in the tree (a replayed key would
 * let its old holder read the new secrets). */
static gboolean
check_path_keys_new (const GstE2eeMlsTree * tree, guint32 sender,
    const GstE2eeMlsUpdatePath * path, GError ** error)
{
  guint32 width = gst_e2ee_mls_tree_width (tree), x;
  guint i;

  if (!gst_e2ee_mls_tree_check_unique_keys (tree, path->leaf_node, sender, error))
    return FALSE;
  for (x = 0; x < width; x++) {
    gsize len = 0;
    const guint8 *pk = tree_public_key (tree, x, &len);

    if (pk == NULL)
      continue;
    if (x == 2 * sender && same_key (pk, len, path->leaf_node->encryption_key,
            path->leaf_node->encryption_key_len))
      goto reused;
    for (i = 0; i < path->n_nodes; i++)
      if (same_key (pk, len, path->nodes[i].encryption_key,
              path->nodes[i].encryption_key_len))
        goto reused;
  }
  return TRUE;

reused:
  g_set_error (error, GST_E2EE_MLS_ERROR, GST_E2EE_MLS_ERROR_INVALID_PATH,
      "the UpdatePath carries a public key already in the tree (node %u)", x);
  return FALSE;
}

gboolean
gst_e2ee_mls_treekem_merge_path (GstE2eeMlsTree * tree, guint32 sender,
    const GstE2eeMlsUpdatePath * path, const guint8 * group_id, gsize group_id_len,
    GError ** error)
{
  const GstE2eeMlsSuite *s = tree->suite;
  GArray *fdp = g_array_new (FALSE, FALSE, sizeof (guint32));
  guint8 leaf_ph[GST_E2EE_MLS_MAX_HASH];
  gsize leaf_ph_len = 0;
  gboolean ok = FALSE;
  guint i;

  if (gst_e2ee_mls_tree_get_leaf (tree, sender) == NULL) {
    g_set_error (error, GST_E2EE_MLS_ERROR, GST_E2EE_MLS_ERROR_INVALID_TREE,
        "an UpdatePath from leaf %u, which is blank or outside the tree", sender);
    goto out;
  }
  if (!sender_path (tree, sender, path, fdp, NULL, error))
    goto out;
  for (i = 0; i < path->n_nodes; i++)
    if (path->nodes[i].encryption_key_len != s->npk) {
      g_set_error (error, GST_E2EE_MLS_ERROR, GST_E2EE_MLS_ERROR_INVALID_PATH,
          "UpdatePath node %u has a key of %" G_GSIZE_FORMAT " bytes", i,
          path->nodes[i].encryption_key_len);
      goto out;
    }
  if (!gst_e2ee_mls_leaf_node_validate (s, path->leaf_node,
          GST_E2EE_MLS_LEAF_NODE_SOURCE_COMMIT, group_id, group_id_len, sender, 0,
          error)
      || !check_path_keys_new (tree, sender, path, error))
    goto out;
  if (!put_path (tree, sender, fdp, path->nodes, leaf_ph, &leaf_ph_len, error))
    goto out;
  if (leaf_ph_len != path->leaf_node->parent_hash_len
      || (leaf_ph_len > 0 && memcmp (leaf_ph, path->leaf_node->parent_hash,
              leaf_ph_len) != 0)) {
    g_set_error (error, GST_E2EE_MLS_ERROR, GST_E2EE_MLS_ERROR_BAD_PARENT_HASH,
        "the committer's leaf %u carries a parent hash other than its path's", sender);
    goto out;
  }
  gst_e2ee_mls_tree_set_leaf (tree, sender, path->leaf_node);
  ok = TRUE;

out:
  g_array_unref (fdp);
  return ok;
}

static gboolean
leaf_under (guint32 node, guint32 leaf_index)
{
  guint32 k = gst_e2ee_mls_tree_level (node), count = (guint32) 1u << k;
  guint32 first = (node - (count - 1)) / 2;

  return leaf_index >= first && leaf_index - first < count;
}

gboolean
gst_e2ee_mls_treekem_decrypt_path (const GstE2eeMlsTree * tree,
    GstE2eeMlsTreePrivate * priv, guint32 sender, const GstE2eeMlsUpdatePath * path,
    const guint8 * group_context, gsize group_context_len, const guint32 * exclude,
    guint n_exclude, guint8 * path_secret, guint8 * commit_secret, GError ** error)
{
  const GstE2eeMlsSuite *s = tree->suite;
  GArray *fdp = g_array_new (FALSE, FALSE, sizeof (guint32));
  GArray *copath = g_array_new (FALSE, FALSE, sizeof (guint32));
  GArray *res = g_array_new (FALSE, FALSE, sizeof (guint32));
  GstE2eeMlsTreePrivate *next = NULL;
  guint8 ps[GST_E2EE_MLS_MAX_HASH], sk[GST_E2EE_MLS_MAX_KEM_KEY];
  guint8 pk[GST_E2EE_MLS_MAX_KEM_KEY];
  const GstE2eeMlsHpkeCiphertext *ct;
  const guint8 *my_sk = NULL;
  gboolean ok = FALSE;
  guint i, j, at;

  if (!sender_path (tree, sender, path, fdp, copath, error))
    goto out;
  /* The lowest node whose copath child holds us. */
  for (at = 0; at < copath->len; at++)
    if (leaf_under (g_array_index (copath, guint32, at), priv->leaf_index))
      break;
  if (at == copath->len) {
    g_set_error (error, GST_E2EE_MLS_ERROR, GST_E2EE_MLS_ERROR_INVALID_PATH,
        "leaf %u is not under the copath of leaf %u", priv->leaf_index, sender);
    goto out;
  }
  resolution_excluding (tree, g_array_index (copath, guint32, at), exclude, n_exclude,
      res);
  if (path->nodes[at].n_encrypted_path_secret != res->len) {
    g_set_error (error, GST_E2EE_MLS_ERROR, GST_E2EE_MLS_ERROR_INVALID_PATH,
        "UpdatePath node %u has %u ciphertexts for a resolution of %u", at,
        path->nodes[at].n_encrypted_path_secret, res->len);
    goto out;
  }
  for (j = 0; j < res->len && my_sk == NULL; j++)
    my_sk = gst_e2ee_mls_tree_private_get (priv, g_array_index (res, guint32, j));
  if (my_sk == NULL) {
    g_set_error (error, GST_E2EE_MLS_ERROR, GST_E2EE_MLS_ERROR_INVALID_PATH,
        "no private key for the resolution of node %u", g_array_index (copath,
            guint32, at));
    goto out;
  }
  ct = &path->nodes[at].encrypted_path_secret[j - 1];
  if (ct->ciphertext_len != s->nh + GST_E2EE_MLS_AEAD_TAG) {
    g_set_error (error, GST_E2EE_MLS_ERROR, GST_E2EE_MLS_ERROR_INVALID_PATH,
        "an encrypted path secret of %" G_GSIZE_FORMAT " bytes", ct->ciphertext_len);
    goto out;
  }
  if (!gst_e2ee_mls_decrypt_with_label (s, my_sk, s->nsk, UPDATE_PATH_NODE_LABEL,
          group_context, group_context_len, ct->kem_output, ct->kem_output_len,
          ct->ciphertext, ct->ciphertext_len, ps, error))
    goto out;
  if (path_secret != NULL)
    memcpy (path_secret, ps, s->nh);

  next = gst_e2ee_mls_tree_private_copy (priv);
  drop_direct_path_keys (next, tree, sender);
  for (i = at; i < fdp->len; i++) {
    if (!node_key_pair (s, ps, sk, pk, error))
      goto out;
    if (!same_key (pk, s->npk, path->nodes[i].encryption_key,
            path->nodes[i].encryption_key_len)) {
      g_set_error (error, GST_E2EE_MLS_ERROR, GST_E2EE_MLS_ERROR_INVALID_PATH,
          "the path secret of node %u gives a key other than the UpdatePath's",
          g_array_index (fdp, guint32, i));
      goto out;
    }
    set_key (next, g_array_index (fdp, guint32, i), sk, pk);
    if (!next_path_secret (s, ps, error))
      goto out;
  }
  memcpy (commit_secret, ps, s->nh);
  private_replace (priv, next);
  ok = TRUE;

out:
  OPENSSL_cleanse (ps, sizeof ps);
  OPENSSL_cleanse (sk, sizeof sk);
  gst_e2ee_mls_tree_private_free (next);
  g_array_unref (fdp);
  g_array_unref (copath);
  g_array_unref (res);
  if (!ok && path_secret != NULL)
    OPENSSL_cleanse (path_secret, s->nh);
  return ok;
}
