/* gst-e2ee fuzzing: joining an MLS group from a Welcome (gst_e2ee_mls_group_join())
 *
 * An input is one or two records (fuzz-mls.h): the Welcome (an MLSMessage), then the
 * ratchet tree if the input has a second record. The joining client is always the same
 * (the random bytes are deterministic: fuzz-mls.h), so a Welcome made for its key
 * package goes through the HPKE decryption of the GroupSecrets, the GroupInfo's
 * decryption, decoding and signature, the tree's decoding and validation and the key
 * schedule, and mutations of it reach each of these.
 *
 * Properties checked: a refused Welcome gives no group and a GST_E2EE_MLS_ERROR; a
 * joined group is at the epoch it says, with this client as a member at its own leaf;
 * nothing crashes, leaks or reads out of bounds (ASan, UBSan). After a join the key
 * package is used up, so the client is made again before the next input.
 *
 * Seeds (FUZZ_MLS_WRITE_SEEDS=DIR): Welcomes for this client's key package into
 * groups of 2 and of 3 members, with and without the ratchet_tree extension (then with
 * the tree as the second record); scripts/fuzz.sh adds ts-mls's Welcomes (for other
 * clients: they exercise the decoding up to the key package match).
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "fuzz-mls.h"

#define RNG_SEED G_GUINT64_CONSTANT (0x6d6c732d77656c63)

static GstE2eeMlsClient *joiner;
static GBytes *joiner_kp;
static gboolean dirty = TRUE;

/* The joining client and its key package, the same bytes every time. */
static void
joiner_build (void)
{
  GError *error = NULL;

  g_clear_object (&joiner);
  g_clear_pointer (&joiner_kp, g_bytes_unref);
  fuzz_mls_rand_reset (RNG_SEED);
  joiner = fuzz_mls_client ("joiner");
  joiner_kp = gst_e2ee_mls_client_create_key_package (joiner, &error);
  FUZZ_MLS_OK (joiner_kp != NULL, error);
  if (g_getenv ("FUZZ_MLS_VERBOSE") != NULL) {
    gchar *sum = g_compute_checksum_for_bytes (G_CHECKSUM_SHA1, joiner_kp);

    fprintf (stderr, "joiner's key package: %s\n", sum);
    g_free (sum);
  }
}

/* A Welcome for the joiner into a group of @n members (the joiner included). */
static void
write_welcome_seed (const gchar * dir, guint n, gboolean ext)
{
  GError *error = NULL;
  GBytes *id = g_bytes_new_static ("fuzz welcome", 12);
  GstE2eeMlsClient *creator;
  GstE2eeMlsGroup *g;
  GBytes *commit, *welcome = NULL, *tree;
  guint i;

  joiner_build ();
  creator = fuzz_mls_client ("creator");
  g = gst_e2ee_mls_group_create (creator, id, &error);
  FUZZ_MLS_OK (g != NULL, error);
  gst_e2ee_mls_group_set_ratchet_tree_extension (g, ext);
  for (i = 2; i < n; i++) {
    gchar *name = g_strdup_printf ("member %u", i);
    GstE2eeMlsClient *c = fuzz_mls_client (name);
    GBytes *kp = gst_e2ee_mls_client_create_key_package (c, &error);

    FUZZ_MLS_OK (kp != NULL, error);
    commit = gst_e2ee_mls_group_add (g, kp, &welcome, &error);
    FUZZ_MLS_OK (commit != NULL, error);
    g_bytes_unref (commit);
    g_bytes_unref (welcome);
    g_bytes_unref (kp);
    g_object_unref (c);
    g_free (name);
  }
  commit = gst_e2ee_mls_group_add (g, joiner_kp, &welcome, &error);
  FUZZ_MLS_OK (commit != NULL, error);
  tree = gst_e2ee_mls_group_get_ratchet_tree (g);
  if (ext)
    fuzz_mls_write_seed_records (dir, &welcome, 1);
  fuzz_mls_write_seed_records (dir, (GBytes *[]) {welcome, tree}, 2);
  g_bytes_unref (commit);
  g_bytes_unref (welcome);
  g_bytes_unref (tree);
  g_object_unref (g);
  g_object_unref (creator);
  g_bytes_unref (id);
}

int
LLVMFuzzerInitialize (int *argc, char ***argv)
{
  const gchar *dir = fuzz_mls_seed_dir ();

  fuzz_fatal_criticals ();
  if (dir != NULL) {
    write_welcome_seed (dir, 2, TRUE);
    write_welcome_seed (dir, 2, FALSE);
    write_welcome_seed (dir, 3, TRUE);
    write_welcome_seed (dir, 3, FALSE);
    exit (0);
  }
  return 0;
}

int
LLVMFuzzerTestOneInput (const guint8 * data, size_t size)
{
  gsize pos = 0;
  GBytes *welcome = NULL, *tree = NULL;
  GError *error = NULL;
  GstE2eeMlsGroup *g;

  if (!fuzz_mls_next_record (data, size, &pos, &welcome))
    return 0;
  fuzz_mls_next_record (data, size, &pos, &tree);
  if (dirty) {
    joiner_build ();
    dirty = FALSE;
  }
  g = gst_e2ee_mls_group_join (joiner, welcome, tree, &error);
  if (g == NULL) {
    FUZZ_ASSERT (error != NULL && error->domain == GST_E2EE_MLS_ERROR,
        "refused without a GST_E2EE_MLS_ERROR");
    if (g_getenv ("FUZZ_MLS_VERBOSE") != NULL)
      fprintf (stderr, "refused: %s\n", error->message);
    g_clear_error (&error);
  } else {
    GPtrArray *members = gst_e2ee_mls_group_get_members (g);
    guint32 own = gst_e2ee_mls_group_get_own_leaf_index (g);
    gboolean found = FALSE;
    guint i;

    FUZZ_ASSERT (error == NULL, "error set on success");
    FUZZ_ASSERT (gst_e2ee_mls_group_is_active (g), "joined but not active");
    for (i = 0; i < members->len; i++)
      found |= gst_e2ee_mls_member_get_leaf_index (g_ptr_array_index (members, i)) == own;
    FUZZ_ASSERT (found, "own leaf %u is not a member", own);
    g_ptr_array_unref (members);
    g_object_unref (g);
    dirty = TRUE;
  }
  g_bytes_unref (welcome);
  if (tree != NULL)
    g_bytes_unref (tree);
  return 0;
}
