/* gst-e2ee: the MLS secret tree, its per-sender ratchets (RFC 9420 §9) and the
 * sender-data key and nonce (§6.3.2) on cipher suite 1 against the MLS working group's
 * secret-tree vectors; out-of-order, replayed and far-future generations.
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <gst/check/gstcheck.h>
#include <gst/e2ee/gste2eemlserror.h>
#include <gst/e2ee/gste2eemlssecrettree.h>
#include <gst/e2ee/gste2eemlssenderdata.h>

#include "../mls-vectors.h"

#define VECTORS "mls/secret-tree.json"

static gboolean
check_sender_data (MlsVectors * v, const GstE2eeMlsSuite * s, JsonObject * o)
{
  GBytes *secret = mls_hex (v, o, "sender_data_secret");
  GBytes *ct = mls_hex (v, o, "ciphertext");
  guint8 key[GST_E2EE_MLS_MAX_KEY], nonce[GST_E2EE_MLS_MAX_NONCE];
  GError *err = NULL;

  MLS_EXPECT (MLS_L (secret) == s->nh, "sender_data_secret size");
  MLS_EXPECT_OK (gst_e2ee_mls_sender_data_key_nonce (s, MLS_D (secret), MLS_D (ct),
          MLS_L (ct), key, nonce, &err), err);
  MLS_EXPECT_BYTES ("sender_data.key", key, s->nk, mls_hex (v, o, "key"));
  MLS_EXPECT_BYTES ("sender_data.nonce", nonce, s->nn, mls_hex (v, o, "nonce"));
  return TRUE;
}

static gboolean
check_generation (MlsVectors * v, const GstE2eeMlsSuite * s, GstE2eeMlsSecretTree * tree,
    guint32 leaf, JsonObject * g)
{
  guint64 generation = mls_uint (v, g, "generation");
  guint8 key[GST_E2EE_MLS_MAX_KEY], nonce[GST_E2EE_MLS_MAX_NONCE];
  GError *err = NULL;

  MLS_EXPECT (generation <= G_MAXUINT32, "generation out of range");
  MLS_EXPECT_OK (gst_e2ee_mls_secret_tree_get (tree, leaf, GST_E2EE_MLS_RATCHET_HANDSHAKE,
          (guint32) generation, key, nonce, &err), err);
  MLS_EXPECT_BYTES ("handshake_key", key, s->nk, mls_hex (v, g, "handshake_key"));
  MLS_EXPECT_BYTES ("handshake_nonce", nonce, s->nn, mls_hex (v, g, "handshake_nonce"));
  MLS_EXPECT_OK (gst_e2ee_mls_secret_tree_get (tree, leaf,
          GST_E2EE_MLS_RATCHET_APPLICATION, (guint32) generation, key, nonce, &err), err);
  MLS_EXPECT_BYTES ("application_key", key, s->nk, mls_hex (v, g, "application_key"));
  MLS_EXPECT_BYTES ("application_nonce", nonce, s->nn, mls_hex (v, g,
          "application_nonce"));
  return TRUE;
}

static gboolean
check_secret_tree (MlsVectors * v, JsonObject * o)
{
  const GstE2eeMlsSuite *s;
  GBytes *secret = mls_hex (v, o, "encryption_secret");
  JsonArray *leaves = json_object_get_array_member (o, "leaves");
  guint32 n_leaves = json_array_get_length (leaves), i, j;
  GstE2eeMlsSecretTree *tree;
  GError *err = NULL;
  gboolean ok = TRUE;

  s = gst_e2ee_mls_suite_lookup ((guint16) mls_uint (v, o, "cipher_suite"), &err);
  MLS_EXPECT_OK (s != NULL, err);
  if (!check_sender_data (v, s, json_object_get_object_member (o, "sender_data")))
    return FALSE;
  MLS_EXPECT (MLS_L (secret) == s->nh, "encryption_secret size");
  tree = gst_e2ee_mls_secret_tree_new (s, MLS_D (secret), n_leaves, &err);
  MLS_EXPECT_OK (tree != NULL, err);
  /* Leaves in order, each leaf's generations in the vector's (increasing) order. */
  for (i = 0; ok && i < n_leaves; i++) {
    JsonArray *gens = json_array_get_array_element (leaves, i);

    for (j = 0; ok && j < json_array_get_length (gens); j++) {
      ok = check_generation (v, s, tree, i, json_array_get_object_element (gens, j));
      if (!ok)
        g_printerr ("  (leaf %u, entry %u)\n", i, j);
    }
  }
  gst_e2ee_mls_secret_tree_free (tree);
  return ok;
}

GST_START_TEST (test_secret_tree_vectors)
{
  mls_vectors_run (VECTORS, 3, check_secret_tree, NULL);
}

GST_END_TEST;

GST_START_TEST (test_secret_tree_detects_corruption)
{
  static const gchar *const paths[] = { "sender_data.key", "sender_data.nonce",
    "sender_data.ciphertext", "encryption_secret", "leaves.0.0.handshake_key",
    "leaves.7.1.handshake_nonce", "leaves.3.0.application_key",
    "leaves.5.1.application_nonce"
  };

  /* The 8-leaf entry. */
  mls_vectors_expect_detected (VECTORS, 1, paths, G_N_ELEMENTS (paths),
      check_secret_tree);
}

GST_END_TEST;

static GstE2eeMlsSecretTree *
new_tree (guint32 n_leaves)
{
  static const guint8 secret[32] = { 0x42 };
  const GstE2eeMlsSuite *s = gst_e2ee_mls_suite_lookup (1, NULL);
  GstE2eeMlsSecretTree *tree = gst_e2ee_mls_secret_tree_new (s, secret, n_leaves, NULL);

  fail_unless (tree != NULL);
  return tree;
}

#define assert_generation_error(err) G_STMT_START {                            \
  fail_unless (g_error_matches ((err), GST_E2EE_MLS_ERROR,                     \
          GST_E2EE_MLS_ERROR_GENERATION), "expected GENERATION, got %s",       \
      (err) ? (err)->message : "no error");                                   \
  g_clear_error (&(err));                                                     \
} G_STMT_END

/* What a sender takes with next() is what a receiver gets for that generation, in
 * any order, once. */
GST_START_TEST (test_sender_and_receiver)
{
  GstE2eeMlsSecretTree *sender = new_tree (4), *receiver = new_tree (4);
  guint8 keys[5][16], nonces[5][12], key[16], nonce[12];
  static const guint order[] = { 3, 0, 4, 1, 2 };
  guint32 g;
  guint i;
  GError *err = NULL;

  for (i = 0; i < 5; i++) {
    fail_unless (gst_e2ee_mls_secret_tree_next (sender, 2,
            GST_E2EE_MLS_RATCHET_APPLICATION, &g, keys[i], nonces[i], &err));
    fail_unless_equals_int (g, i);
  }
  for (i = 0; i < G_N_ELEMENTS (order); i++) {
    fail_unless (gst_e2ee_mls_secret_tree_get (receiver, 2,
            GST_E2EE_MLS_RATCHET_APPLICATION, order[i], key, nonce, &err));
    fail_unless (memcmp (key, keys[order[i]], 16) == 0);
    fail_unless (memcmp (nonce, nonces[order[i]], 12) == 0);
  }
  /* Every generation was handed out once: a replay finds nothing. */
  for (i = 0; i < 5; i++) {
    fail_if (gst_e2ee_mls_secret_tree_get (receiver, 2,
            GST_E2EE_MLS_RATCHET_APPLICATION, i, key, nonce, &err));
    assert_generation_error (err);
  }
  /* The handshake ratchet of the same leaf is another chain. */
  fail_unless (gst_e2ee_mls_secret_tree_get (receiver, 2,
          GST_E2EE_MLS_RATCHET_HANDSHAKE, 0, key, nonce, &err));
  fail_if (memcmp (key, keys[0], 16) == 0);
  /* Outside the tree. */
  fail_if (gst_e2ee_mls_secret_tree_get (receiver, 4,
          GST_E2EE_MLS_RATCHET_HANDSHAKE, 0, key, nonce, &err));
  fail_unless (g_error_matches (err, GST_E2EE_MLS_ERROR,
          GST_E2EE_MLS_ERROR_INVALID_ARGUMENT));
  g_clear_error (&err);
  gst_e2ee_mls_secret_tree_free (sender);
  gst_e2ee_mls_secret_tree_free (receiver);
}

GST_END_TEST;

GST_START_TEST (test_generation_bounds)
{
  GstE2eeMlsSecretTree *tree = new_tree (2);
  guint8 key[16], nonce[12];
  guint i;
  GError *err = NULL;

  /* Too far ahead: refused without moving the ratchet. */
  fail_if (gst_e2ee_mls_secret_tree_get (tree, 1, GST_E2EE_MLS_RATCHET_APPLICATION,
          GST_E2EE_MLS_MAX_FORWARD_DISTANCE + 1, key, nonce, &err));
  assert_generation_error (err);
  fail_unless (gst_e2ee_mls_secret_tree_get (tree, 1, GST_E2EE_MLS_RATCHET_APPLICATION,
          GST_E2EE_MLS_MAX_FORWARD_DISTANCE, key, nonce, &err));

  /* Only the last OUT_OF_ORDER_TOLERANCE skipped generations are kept. */
  for (i = 0; i < GST_E2EE_MLS_MAX_FORWARD_DISTANCE - GST_E2EE_MLS_OUT_OF_ORDER_TOLERANCE;
      i++) {
    fail_if (gst_e2ee_mls_secret_tree_get (tree, 1, GST_E2EE_MLS_RATCHET_APPLICATION, i,
            key, nonce, &err));
    assert_generation_error (err);
  }
  for (; i < GST_E2EE_MLS_MAX_FORWARD_DISTANCE; i++)
    fail_unless (gst_e2ee_mls_secret_tree_get (tree, 1,
            GST_E2EE_MLS_RATCHET_APPLICATION, i, key, nonce, &err), "generation %u", i);
  gst_e2ee_mls_secret_tree_free (tree);

  /* Sizes that are not a tree. */
  fail_unless (gst_e2ee_mls_secret_tree_new (gst_e2ee_mls_suite_lookup (1, NULL), key, 3,
          &err) == NULL);
  fail_unless (g_error_matches (err, GST_E2EE_MLS_ERROR,
          GST_E2EE_MLS_ERROR_INVALID_ARGUMENT));
  g_clear_error (&err);
}

GST_END_TEST;

static Suite *
mls_secret_tree_suite (void)
{
  Suite *s = suite_create ("mls-secret-tree");
  TCase *tc = tcase_create ("general");

  suite_add_tcase (s, tc);
  tcase_add_test (tc, test_secret_tree_vectors);
  tcase_add_test (tc, test_secret_tree_detects_corruption);
  tcase_add_test (tc, test_sender_and_receiver);
  tcase_add_test (tc, test_generation_bounds);
  return s;
}

GST_CHECK_MAIN (mls_secret_tree);
