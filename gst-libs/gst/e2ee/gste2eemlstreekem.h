/* gst-e2ee: TreeKEM (RFC 9420 §7.4-7.6, §12.4.1-12.4.2): UpdatePath codec, creating an
 * UpdatePath from a fresh leaf secret and processing one, with the private keys a
 * member holds for the nodes of its direct path.
 * Internal until the public MLS API exists: not installed and not part of the GIR.
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include "gste2eemlstree.h"

G_BEGIN_DECLS

/* HPKECiphertext; the UpdatePath owns the bytes. */
typedef struct
{
  guint8 *kem_output;
  gsize kem_output_len;
  guint8 *ciphertext;
  gsize ciphertext_len;
} GstE2eeMlsHpkeCiphertext;

typedef struct
{
  guint8 *encryption_key;
  gsize encryption_key_len;
  GstE2eeMlsHpkeCiphertext *encrypted_path_secret;
  guint n_encrypted_path_secret;
} GstE2eeMlsUpdatePathNode;

typedef struct
{
  GstE2eeMlsLeafNode *leaf_node;
  GstE2eeMlsUpdatePathNode *nodes;
  guint n_nodes;
} GstE2eeMlsUpdatePath;

void     gst_e2ee_mls_update_path_free (GstE2eeMlsUpdatePath *path);
GstE2eeMlsUpdatePath * gst_e2ee_mls_update_path_read   (GstE2eeMlsReader *r,
                                                        GError **error);
GstE2eeMlsUpdatePath * gst_e2ee_mls_update_path_decode (const guint8 *data, gsize len,
                                                        GError **error);
gboolean gst_e2ee_mls_update_path_write (const GstE2eeMlsUpdatePath *path,
                                         GByteArray *w, GError **error);

/* A member's private TreeKEM state: the private keys of its leaf and of the nodes of
 * its direct path it knows, each wiped when superseded or freed. */
typedef struct _GstE2eeMlsTreePrivate GstE2eeMlsTreePrivate;

GstE2eeMlsTreePrivate * gst_e2ee_mls_tree_private_new  (const GstE2eeMlsSuite *s,
                                                        guint32 leaf_index,
                                                        const guint8 *leaf_priv,
                                                        gsize leaf_priv_len);
GstE2eeMlsTreePrivate * gst_e2ee_mls_tree_private_copy (const GstE2eeMlsTreePrivate *priv);
void     gst_e2ee_mls_tree_private_free (GstE2eeMlsTreePrivate *priv);
guint32  gst_e2ee_mls_tree_private_leaf_index (const GstE2eeMlsTreePrivate *priv);
/* The private key held for node, or NULL. */
const guint8 * gst_e2ee_mls_tree_private_get (const GstE2eeMlsTreePrivate *priv,
                                              guint32 node);
/* Derives the key pair of node from path_secret and keeps its private key; it must
 * match the node's public key in tree (GST_E2EE_MLS_ERROR_INVALID_PATH). */
gboolean gst_e2ee_mls_tree_private_set_path_secret (GstE2eeMlsTreePrivate *priv,
                                                    const GstE2eeMlsTree *tree,
                                                    guint32 node,
                                                    const guint8 *path_secret,
                                                    GError **error);
/* As a joiner given path_secret for node by a Welcome (§12.4.3.2): keys for node and
 * every node above it on the filtered direct path of the committer. */
gboolean gst_e2ee_mls_tree_private_set_path_secrets_from (GstE2eeMlsTreePrivate *priv,
                                                          const GstE2eeMlsTree *tree,
                                                          guint32 committer,
                                                          guint32 node,
                                                          const guint8 *path_secret,
                                                          GError **error);
/* Wipes the keys of nodes that are now blank or carry another public key. */
void     gst_e2ee_mls_tree_private_prune (GstE2eeMlsTreePrivate *priv,
                                          const GstE2eeMlsTree *tree);

/* Creating an UpdatePath (§7.5), in two steps because the path is encrypted under the
 * GroupContext of the tree it produces:
 * 1. gst_e2ee_mls_treekem_create_path() derives path secrets from leaf_secret (nh
 *    random bytes when NULL), blanks the committer's direct path, puts the new keys on
 *    its filtered direct path, sets the parent hashes, and signs a new leaf node of
 *    source commit from leaf (its encryption key, source and parent hash replaced)
 *    with sig_sk. The tree is then the one the commit produces; priv holds the new
 *    private keys (the old ones of the path wiped). path has its public keys and no
 *    ciphertexts yet; *path_secrets receives the path secret of each node of the
 *    filtered direct path (nh bytes each, wipe with gst_e2ee_mls_path_secrets_free())
 *    for the Welcome, commit_secret (nh bytes) the secret of §8.
 * 2. The caller computes the tree hash and the new GroupContext; then
 *    gst_e2ee_mls_treekem_encrypt_path() encrypts each path secret to the resolution
 *    of its copath child, leaving out the leaves in exclude (added by this commit). */
typedef struct _GstE2eeMlsPathSecrets GstE2eeMlsPathSecrets;

GstE2eeMlsUpdatePath * gst_e2ee_mls_treekem_create_path (GstE2eeMlsTree *tree,
                                                         GstE2eeMlsTreePrivate *priv,
                                                         const guint8 *leaf_secret,
                                                         const GstE2eeMlsLeafNodeFields *leaf,
                                                         const guint8 *group_id,
                                                         gsize group_id_len,
                                                         const guint8 *sig_sk,
                                                         gsize sig_sk_len,
                                                         GstE2eeMlsPathSecrets **path_secrets,
                                                         guint8 *commit_secret,
                                                         GError **error);
gboolean gst_e2ee_mls_treekem_encrypt_path (GstE2eeMlsTree *tree,
                                            GstE2eeMlsUpdatePath *path,
                                            guint32 sender,
                                            const GstE2eeMlsPathSecrets *path_secrets,
                                            const guint8 *group_context,
                                            gsize group_context_len,
                                            const guint32 *exclude, guint n_exclude,
                                            GError **error);
/* The path secret for node (on the committer's filtered direct path), or NULL. */
const guint8 * gst_e2ee_mls_path_secrets_get (const GstE2eeMlsPathSecrets *ps,
                                              guint32 node);
void     gst_e2ee_mls_path_secrets_free (GstE2eeMlsPathSecrets *ps);

/* Processing an UpdatePath from member sender (§7.6, §12.4.2), in two steps too:
 * 1. gst_e2ee_mls_treekem_merge_path() checks the path's length against the sender's
 *    filtered direct path, its leaf node (valid, source commit, signed for sender in
 *    group_id), blanks the sender's direct path, puts the path's keys on it, sets the
 *    parent hashes and checks the leaf's parent_hash
 *    (GST_E2EE_MLS_ERROR_BAD_PARENT_HASH). On failure the tree may be partly changed:
 *    work on a copy (gst_e2ee_mls_tree_copy()).
 * 2. With the new GroupContext, gst_e2ee_mls_treekem_decrypt_path() decrypts the path
 *    secret at the lowest common ancestor with the key priv holds for a node of the
 *    copath child's resolution (without exclude), derives the path secrets above it,
 *    checks each derived public key against the path (GST_E2EE_MLS_ERROR_INVALID_PATH),
 *    keeps the new private keys in priv (wiping the superseded ones) and gives
 *    commit_secret (nh bytes). path_secret, when not NULL, receives the decrypted one. */
gboolean gst_e2ee_mls_treekem_merge_path (GstE2eeMlsTree *tree, guint32 sender,
                                          const GstE2eeMlsUpdatePath *path,
                                          const guint8 *group_id, gsize group_id_len,
                                          GError **error);
gboolean gst_e2ee_mls_treekem_decrypt_path (const GstE2eeMlsTree *tree,
                                            GstE2eeMlsTreePrivate *priv, guint32 sender,
                                            const GstE2eeMlsUpdatePath *path,
                                            const guint8 *group_context,
                                            gsize group_context_len,
                                            const guint32 *exclude, guint n_exclude,
                                            guint8 *path_secret, guint8 *commit_secret,
                                            GError **error);

G_END_DECLS
