/* gst-e2ee: TreeKEM on cipher suite 1 against the MLS working group's treekem vectors
 * (processing each UpdatePath as every other member, creating a new one and having
 * the others process it), and the refusals of a tampered path.
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <gst/check/gstcheck.h>
#include <gst/e2ee/gste2eemlserror.h>
#include <gst/e2ee/gste2eemlsgroupcontext.h>
#include <gst/e2ee/gste2eemlstreekem.h>
#include <valgrind/valgrind.h>

#include "../mls-vectors.h"

typedef struct
{
  const GstE2eeMlsSuite *s;
  GstE2eeMlsTree *tree;
  GBytes *group_id, *cth;
  guint64 epoch;
  guint n;
  guint32 index[64];
  GstE2eeMlsTreePrivate *priv[64];
  GBytes *sig_priv[64];
} KemCase;

static void
kem_case_clear (KemCase * c)
{
  guint i;

  for (i = 0; i < c->n; i++)
    gst_e2ee_mls_tree_private_free (c->priv[i]);
  gst_e2ee_mls_tree_free (c->tree);
}

/* The provisional GroupContext: the vector's fields with the tree hash of tree. */
static GByteArray *
group_context (KemCase * c, GstE2eeMlsTree * tree)
{
  guint8 th[GST_E2EE_MLS_MAX_HASH];
  GstE2eeMlsGroupContext gc = {
    .cipher_suite = c->s->id,.group_id = MLS_D (c->group_id),
    .group_id_len = MLS_L (c->group_id),.epoch = c->epoch,.tree_hash = th,
    .tree_hash_len = c->s->nh,.confirmed_transcript_hash = MLS_D (c->cth),
    .confirmed_transcript_hash_len = MLS_L (c->cth),
  };
  GByteArray *w = g_byte_array_new ();

  fail_unless (gst_e2ee_mls_tree_root_hash (tree, th, NULL));
  fail_unless (gst_e2ee_mls_group_context_encode (&gc, w, NULL));
  return w;
}

static gboolean
kem_case_load (MlsVectors * v, JsonObject * o, KemCase * c)
{
  GBytes *rt = mls_hex (v, o, "ratchet_tree");
  JsonArray *leaves = json_object_get_array_member (o, "leaves_private");
  GError *err = NULL;
  guint i, j;

  memset (c, 0, sizeof *c);
  c->s = gst_e2ee_mls_suite_lookup ((guint16) mls_uint (v, o, "cipher_suite"), NULL);
  fail_unless (c->s != NULL);
  c->group_id = mls_hex (v, o, "group_id");
  c->cth = mls_hex (v, o, "confirmed_transcript_hash");
  c->epoch = mls_uint (v, o, "epoch");
  c->tree = gst_e2ee_mls_tree_decode (c->s, MLS_D (rt), MLS_L (rt), &err);
  MLS_EXPECT_OK (c->tree != NULL, err);
  fail_unless (json_array_get_length (leaves) <= G_N_ELEMENTS (c->priv));
  for (i = 0; i < json_array_get_length (leaves); i++) {
    JsonObject *l = json_array_get_object_element (leaves, i);
    GBytes *enc = mls_hex (v, l, "encryption_priv");
    JsonArray *ps = json_object_get_array_member (l, "path_secrets");

    c->index[i] = (guint32) mls_uint (v, l, "index");
    c->sig_priv[i] = mls_hex (v, l, "signature_priv");
    c->priv[i] = gst_e2ee_mls_tree_private_new (c->s, c->index[i], MLS_D (enc),
        MLS_L (enc));
    c->n = i + 1;
    MLS_EXPECT (c->priv[i] != NULL, "leaf %u: encryption_priv", c->index[i]);
    for (j = 0; j < json_array_get_length (ps); j++) {
      JsonObject *p = json_array_get_object_element (ps, j);

      MLS_EXPECT_OK (gst_e2ee_mls_tree_private_set_path_secret (c->priv[i], c->tree,
              (guint32) mls_uint (v, p, "node"), MLS_D (mls_hex (v, p, "path_secret")),
              &err), err);
    }
    /* Every key held matches the tree: pruning keeps them all. */
    gst_e2ee_mls_tree_private_prune (c->priv[i], c->tree);
    for (j = 0; j < json_array_get_length (ps); j++)
      MLS_EXPECT (gst_e2ee_mls_tree_private_get (c->priv[i],
              (guint32) mls_uint (v, json_array_get_object_element (ps, j),
                  "node")) != NULL, "a path key was pruned");
    MLS_EXPECT (gst_e2ee_mls_tree_private_get (c->priv[i],
            2 * c->index[i]) != NULL, "leaf %u: its key is not the tree's",
        c->index[i]);
  }
  return TRUE;
}

/* The new UpdatePath of `sender` (with a fresh leaf secret) processed by every
 * other member, who must reach its commit secret. */
static gboolean
check_new_path (KemCase * c, guint me)
{
  const GstE2eeMlsSuite *s = c->s;
  GstE2eeMlsTree *t = gst_e2ee_mls_tree_copy (c->tree);
  GstE2eeMlsTreePrivate *p = gst_e2ee_mls_tree_private_copy (c->priv[me]);
  GstE2eeMlsLeafNodeFields f;
  GstE2eeMlsPathSecrets *pss = NULL;
  GstE2eeMlsUpdatePath *path, *back;
  GByteArray *gc, *w = g_byte_array_new ();
  guint16 *storage;
  guint8 cs[GST_E2EE_MLS_MAX_HASH], got[GST_E2EE_MLS_MAX_HASH];
  guint8 th[GST_E2EE_MLS_MAX_HASH], th2[GST_E2EE_MLS_MAX_HASH];
  GError *err = NULL;
  guint32 sender = c->index[me];
  guint j;

  gst_e2ee_mls_leaf_node_get_fields (gst_e2ee_mls_tree_get_leaf (t, sender), &f,
      &storage);
  path = gst_e2ee_mls_treekem_create_path (t, p, NULL, &f, MLS_D (c->group_id),
      MLS_L (c->group_id), MLS_D (c->sig_priv[me]), MLS_L (c->sig_priv[me]), &pss, cs,
      &err);
  g_free (storage);
  fail_unless (path != NULL, "create_path: %s", err ? err->message : "");
  gc = group_context (c, t);
  fail_unless (gst_e2ee_mls_tree_root_hash (t, th, NULL));
  fail_unless (gst_e2ee_mls_treekem_encrypt_path (t, path, sender, pss, gc->data,
          gc->len, NULL, 0, &err), "encrypt_path: %s", err ? err->message : "");
  /* Our leaf key and path keys are the new ones. */
  fail_unless (memcmp (gst_e2ee_mls_tree_get_leaf (t, sender)->encryption_key,
          gst_e2ee_mls_tree_get_leaf (c->tree, sender)->encryption_key, s->npk) != 0);
  gst_e2ee_mls_tree_private_prune (p, t);
  fail_unless (gst_e2ee_mls_tree_private_get (p, 2 * sender) != NULL);
  fail_unless (gst_e2ee_mls_update_path_write (path, w, NULL));
  gst_e2ee_mls_update_path_free (path);
  back = gst_e2ee_mls_update_path_decode (w->data, w->len, &err);
  fail_unless (back != NULL, "%s", err ? err->message : "");

  for (j = 0; j < c->n; j++) {
    GstE2eeMlsTree *rt;
    GstE2eeMlsTreePrivate *rp;
    gboolean ok;

    if (j == me)
      continue;
    rt = gst_e2ee_mls_tree_copy (c->tree);
    rp = gst_e2ee_mls_tree_private_copy (c->priv[j]);
    ok = gst_e2ee_mls_treekem_merge_path (rt, sender, back, MLS_D (c->group_id),
        MLS_L (c->group_id), &err)
        && gst_e2ee_mls_tree_root_hash (rt, th2, &err)
        && gst_e2ee_mls_treekem_decrypt_path (rt, rp, sender, back, gc->data, gc->len,
        NULL, 0, NULL, got, &err);
    fail_unless (ok, "leaf %u processing leaf %u's new path: %s", c->index[j], sender,
        err ? err->message : "");
    fail_unless (memcmp (th, th2, s->nh) == 0, "tree hashes differ");
    fail_unless (memcmp (cs, got, s->nh) == 0, "commit secrets differ");
    gst_e2ee_mls_tree_private_free (rp);
    gst_e2ee_mls_tree_free (rt);
  }
  gst_e2ee_mls_update_path_free (back);
  gst_e2ee_mls_path_secrets_free (pss);
  gst_e2ee_mls_tree_private_free (p);
  gst_e2ee_mls_tree_free (t);
  g_byte_array_unref (gc);
  g_byte_array_unref (w);
  return TRUE;
}

static gboolean
check_update_path (MlsVectors * v, KemCase * c, JsonObject * u)
{
  const GstE2eeMlsSuite *s = c->s;
  guint32 sender = (guint32) mls_uint (v, u, "sender");
  GBytes *bytes = mls_hex (v, u, "update_path");
  JsonArray *secrets = json_object_get_array_member (u, "path_secrets");
  GstE2eeMlsUpdatePath *path;
  GstE2eeMlsTree *t;
  GByteArray *gc, *w;
  GError *err = NULL;
  guint8 h[GST_E2EE_MLS_MAX_HASH], ps[GST_E2EE_MLS_MAX_HASH], cs[GST_E2EE_MLS_MAX_HASH];
  gboolean ok, same;
  guint j, me = G_MAXUINT;

  path = gst_e2ee_mls_update_path_decode (MLS_D (bytes), MLS_L (bytes), &err);
  MLS_EXPECT_OK (path != NULL, err);
  w = g_byte_array_new ();
  ok = gst_e2ee_mls_update_path_write (path, w, NULL);
  same = ok && w->len == MLS_L (bytes) && memcmp (w->data, MLS_D (bytes), w->len) == 0;
  g_byte_array_unref (w);
  t = gst_e2ee_mls_tree_copy (c->tree);
  ok = same && gst_e2ee_mls_treekem_merge_path (t, sender, path, MLS_D (c->group_id),
      MLS_L (c->group_id), &err) && gst_e2ee_mls_tree_root_hash (t, h, &err);
  if (!ok) {
    gst_e2ee_mls_update_path_free (path);
    gst_e2ee_mls_tree_free (t);
    MLS_EXPECT (same, "update_path does not re-encode to itself");
    MLS_EXPECT_OK (FALSE, err);
  }
  gc = group_context (c, t);
  for (j = 0; j < c->n && ok; j++) {
    GstE2eeMlsTreePrivate *p;
    JsonNode *want = json_array_get_element (secrets, c->index[j]);

    if (c->index[j] == sender) {
      me = j;
      ok = JSON_NODE_HOLDS_NULL (want);
      continue;
    }
    p = gst_e2ee_mls_tree_private_copy (c->priv[j]);
    ok = gst_e2ee_mls_treekem_decrypt_path (t, p, sender, path, gc->data, gc->len,
        NULL, 0, ps, cs, &err);
    gst_e2ee_mls_tree_private_free (p);
    if (ok) {
      JsonObject *holder = json_object_new ();
      GBytes *wps, *wcs = mls_hex (v, u, "commit_secret");

      json_object_set_string_member (holder, "p", json_node_get_string (want));
      wps = mls_hex (v, holder, "p");
      json_object_unref (holder);
      ok = MLS_L (wps) == s->nh && memcmp (ps, MLS_D (wps), s->nh) == 0
          && MLS_L (wcs) == s->nh && memcmp (cs, MLS_D (wcs), s->nh) == 0;
      if (!ok)
        g_printerr ("  leaf %u: path or commit secret differs\n", c->index[j]);
    }
  }
  g_byte_array_unref (gc);
  gst_e2ee_mls_update_path_free (path);
  gst_e2ee_mls_tree_free (t);
  if (!ok && err != NULL)
    MLS_EXPECT_OK (FALSE, err);
  if (!ok)
    return FALSE;
  MLS_EXPECT_BYTES ("tree_hash_after", h, s->nh, mls_hex (v, u, "tree_hash_after"));
  MLS_EXPECT (me != G_MAXUINT, "no private state for sender %u", sender);
  return check_new_path (c, me);
}

static gboolean
check_treekem (MlsVectors * v, JsonObject * o)
{
  JsonArray *paths = json_object_get_array_member (o, "update_paths");
  KemCase c;
  gboolean ok;
  guint i;

  ok = kem_case_load (v, o, &c);
  for (i = 0; ok && i < json_array_get_length (paths); i++)
    ok = check_update_path (v, &c, json_array_get_object_element (paths, i));
  kem_case_clear (&c);
  return ok;
}

GST_START_TEST (test_treekem_vectors)
{
  MlsVectors *v = mls_vectors_open ("mls/treekem.json");
  /* Under valgrind entries 0 (2 members) and 8 (5 members, blank leaves) only: each
   * entry costs up to some hundred HPKE operations. */
  gboolean subset = RUNNING_ON_VALGRIND;
  guint i;

  fail_unless_equals_int (mls_vectors_count (v), 11);
  v->note = g_strdup ("each entry processes every UpdatePath as every other member, "
      "then creates a new one per member that the others process");
  for (i = 0; i < mls_vectors_count (v); i++) {
    if (subset && i != 0 && i != 8) {
      v->skipped++;
      continue;
    }
    mls_vectors_tally (v, i, check_treekem (v, mls_vectors_entry (v, i)));
  }
  if (subset)
    g_string_append_printf (v->skips, "%u not run under valgrind", v->skipped);
  mls_vectors_close (v);
}

GST_END_TEST;

GST_START_TEST (test_treekem_detects_corruption)
{
  static const gchar *const paths[] = { "ratchet_tree", "group_id",
    "confirmed_transcript_hash", "leaves_private.1.encryption_priv",
    "leaves_private.1.path_secrets.0.path_secret", "update_paths.0.update_path",
    "update_paths.0.commit_secret", "update_paths.0.tree_hash_after",
    "update_paths.0.path_secrets.2", "update_paths.1.path_secrets.0",
  };

  mls_vectors_expect_detected ("mls/treekem.json", 1, paths, G_N_ELEMENTS (paths),
      check_treekem);
}

GST_END_TEST;

/* Entry 3 (5 members), member 0's path, processed by member 4 (in the resolution
 * of the root's right child): each tampering is refused with its own code and the
 * private state is left as it was. */
GST_START_TEST (test_treekem_refusals)
{
  MlsVectors *v = mls_vectors_open ("mls/treekem.json");
  JsonObject *o = mls_vectors_entry (v, 3);
  JsonObject *u = json_array_get_object_element (json_object_get_array_member (o,
          "update_paths"), 0);
  GBytes *bytes;
  GstE2eeMlsUpdatePath *path;
  GstE2eeMlsTree *t;
  GByteArray *gc;
  GError *err = NULL;
  guint8 cs[GST_E2EE_MLS_MAX_HASH];
  KemCase c;
  guint8 saved;

  fail_unless (kem_case_load (v, o, &c));
  fail_unless (c.index[4] == 4 && mls_uint (v, u, "sender") == 0);
  bytes = mls_hex (v, u, "update_path");
  path = gst_e2ee_mls_update_path_decode (MLS_D (bytes), MLS_L (bytes), NULL);
  fail_unless (path != NULL && path->n_nodes == 3);

  /* A node's key changed: the parent hash the leaf signed no longer matches. */
  t = gst_e2ee_mls_tree_copy (c.tree);
  path->nodes[1].encryption_key[0] ^= 1;
  fail_if (gst_e2ee_mls_treekem_merge_path (t, 0, path, MLS_D (c.group_id),
          MLS_L (c.group_id), &err));
  fail_unless (g_error_matches (err, GST_E2EE_MLS_ERROR,
          GST_E2EE_MLS_ERROR_BAD_PARENT_HASH), "%s", err->message);
  g_clear_error (&err);
  path->nodes[1].encryption_key[0] ^= 1;
  gst_e2ee_mls_tree_free (t);

  /* From another leaf than the one that signed it. */
  t = gst_e2ee_mls_tree_copy (c.tree);
  fail_if (gst_e2ee_mls_treekem_merge_path (t, 1, path, MLS_D (c.group_id),
          MLS_L (c.group_id), &err));
  fail_unless (g_error_matches (err, GST_E2EE_MLS_ERROR,
          GST_E2EE_MLS_ERROR_BAD_LEAF_SIGNATURE), "%s", err->message);
  g_clear_error (&err);
  gst_e2ee_mls_tree_free (t);

  /* One node short. */
  t = gst_e2ee_mls_tree_copy (c.tree);
  path->n_nodes--;
  fail_if (gst_e2ee_mls_treekem_merge_path (t, 0, path, MLS_D (c.group_id),
          MLS_L (c.group_id), &err));
  fail_unless (g_error_matches (err, GST_E2EE_MLS_ERROR,
          GST_E2EE_MLS_ERROR_INVALID_PATH), "%s", err->message);
  g_clear_error (&err);
  path->n_nodes++;
  gst_e2ee_mls_tree_free (t);

  t = gst_e2ee_mls_tree_copy (c.tree);
  fail_unless (gst_e2ee_mls_treekem_merge_path (t, 0, path, MLS_D (c.group_id),
          MLS_L (c.group_id), NULL));
  gc = group_context (&c, t);

  /* A flipped ciphertext bit. */
  saved = path->nodes[2].encrypted_path_secret[0].ciphertext[3];
  path->nodes[2].encrypted_path_secret[0].ciphertext[3] ^= 0x80;
  fail_if (gst_e2ee_mls_treekem_decrypt_path (t, c.priv[4], 0, path, gc->data, gc->len,
          NULL, 0, NULL, cs, &err));
  fail_unless (g_error_matches (err, GST_E2EE_MLS_ERROR, GST_E2EE_MLS_ERROR_DECRYPT),
      "%s", err->message);
  g_clear_error (&err);
  path->nodes[2].encrypted_path_secret[0].ciphertext[3] = saved;

  /* Another GroupContext (the epoch). */
  gc->data[gc->len - 1 - 1 - 32 - 1 - 32 - 1] ^= 1;
  fail_if (gst_e2ee_mls_treekem_decrypt_path (t, c.priv[4], 0, path, gc->data, gc->len,
          NULL, 0, NULL, cs, &err));
  fail_unless (g_error_matches (err, GST_E2EE_MLS_ERROR, GST_E2EE_MLS_ERROR_DECRYPT),
      "%s", err->message);
  g_clear_error (&err);
  gc->data[gc->len - 1 - 1 - 32 - 1 - 32 - 1] ^= 1;

  /* A path node's key other than the one its secret gives. */
  path->nodes[2].encryption_key[7] ^= 1;
  fail_if (gst_e2ee_mls_treekem_decrypt_path (t, c.priv[4], 0, path, gc->data, gc->len,
          NULL, 0, NULL, cs, &err));
  fail_unless (g_error_matches (err, GST_E2EE_MLS_ERROR,
          GST_E2EE_MLS_ERROR_INVALID_PATH), "%s", err->message);
  g_clear_error (&err);
  path->nodes[2].encryption_key[7] ^= 1;

  /* Member 4 listed as added by this commit: no ciphertext is meant for it, so the
   * counts differ. */
  {
    guint32 added = 4;

    fail_if (gst_e2ee_mls_treekem_decrypt_path (t, c.priv[4], 0, path, gc->data,
            gc->len, &added, 1, NULL, cs, &err));
    fail_unless (g_error_matches (err, GST_E2EE_MLS_ERROR,
            GST_E2EE_MLS_ERROR_INVALID_PATH), "%s", err->message);
    g_clear_error (&err);
  }

  /* The failures left member 4's keys alone: the genuine path still decrypts, and
   * afterwards the old root key is gone and the new one held. */
  {
    const guint8 *old_root = gst_e2ee_mls_tree_private_get (c.priv[4], 7);
    guint8 old[GST_E2EE_MLS_MAX_KEM_KEY];

    fail_unless (old_root != NULL);
    memcpy (old, old_root, c.s->nsk);
    fail_unless (gst_e2ee_mls_treekem_decrypt_path (t, c.priv[4], 0, path, gc->data,
            gc->len, NULL, 0, NULL, cs, &err), "%s", err ? err->message : "");
    fail_unless (gst_e2ee_mls_tree_private_get (c.priv[4], 7) != NULL);
    fail_unless (memcmp (gst_e2ee_mls_tree_private_get (c.priv[4], 7), old,
            c.s->nsk) != 0);
  }

  g_byte_array_unref (gc);
  gst_e2ee_mls_tree_free (t);
  gst_e2ee_mls_update_path_free (path);
  kem_case_clear (&c);
  mls_vectors_free (v);
}

GST_END_TEST;

static Suite *
mls_treekem_suite (void)
{
  Suite *s = suite_create ("mls-treekem");
  TCase *tc = tcase_create ("general");

  suite_add_tcase (s, tc);
  tcase_add_test (tc, test_treekem_vectors);
  tcase_add_test (tc, test_treekem_detects_corruption);
  tcase_add_test (tc, test_treekem_refusals);
  return s;
}

GST_CHECK_MAIN (mls_treekem);
