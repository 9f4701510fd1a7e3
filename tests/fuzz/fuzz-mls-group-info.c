/* gst-e2ee fuzzing: GroupInfo decoding and verification (RFC 9420 §12.4.3)
 *
 * An input is an MLSMessage that should hold a GroupInfo. Properties checked for
 * every input:
 * - a message that decodes re-encodes to exactly the input (strict codec);
 * - a message that does not decode fails with a GST_E2EE_MLS_ERROR;
 * - for a GroupInfo with a ratchet_tree extension, what a joiner does with it: the
 *   tree decodes or is refused, a decoded one hashes and validates or is refused,
 *   and the signature is checked with the signer's leaf key, all refusals being
 *   GST_E2EE_MLS_ERRORs;
 * - nothing crashes, leaks or reads out of bounds (ASan, UBSan).
 *
 * Seeds (FUZZ_MLS_WRITE_SEEDS=DIR): our GroupInfos (gst_e2ee_mls_group_get_group_info(),
 * with the tree) of groups of 1 to 4 members; scripts/fuzz.sh adds ts-mls's, with and
 * without the tree.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "fuzz-mls.h"

#include <gst/e2ee/gste2eemlsframing.h>
#include <gst/e2ee/gste2eemlsmessage.h>
#include <gst/e2ee/gste2eemlstree.h>

#define FUZZ_IS_MLS_ERROR(e) ((e) != NULL && (e)->domain == GST_E2EE_MLS_ERROR)

static void
write_seeds (const gchar * dir)
{
  GBytes *id = g_bytes_new_static ("fuzz group info", 15);
  GstE2eeMlsClient *creator;
  GstE2eeMlsGroup *g;
  GError *error = NULL;
  guint i;

  fuzz_mls_rand_reset (3);
  creator = fuzz_mls_client ("creator");
  g = gst_e2ee_mls_group_create (creator, id, &error);
  FUZZ_MLS_OK (g != NULL, error);
  for (i = 0; i < 4; i++) {
    GBytes *gi = gst_e2ee_mls_group_get_group_info (g, &error);
    gchar *name = g_strdup_printf ("member %u", i);
    GstE2eeMlsClient *c = fuzz_mls_client (name);
    GBytes *kp = gst_e2ee_mls_client_create_key_package (c, &error), *commit, *welcome;

    FUZZ_MLS_OK (gi != NULL && kp != NULL, error);
    fuzz_mls_write_seed (dir, g_bytes_get_data (gi, NULL), g_bytes_get_size (gi));
    commit = gst_e2ee_mls_group_add (g, kp, &welcome, &error);
    FUZZ_MLS_OK (commit != NULL, error);
    g_bytes_unref (commit);
    g_bytes_unref (welcome);
    g_bytes_unref (kp);
    g_bytes_unref (gi);
    g_object_unref (c);
    g_free (name);
  }
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
    write_seeds (dir);
    exit (0);
  }
  return 0;
}

/* What a joiner does with the tree of the GroupInfo's ratchet_tree extension. */
static void
check_tree (const GstE2eeMlsGroupInfo * gi)
{
  const GstE2eeMlsSuite *suite = gst_e2ee_mls_suite_lookup (1, NULL);
  const guint8 *data;
  gsize len;
  GError *error = NULL;
  GstE2eeMlsTree *tree;
  guint8 hash[64];
  const GstE2eeMlsLeafNode *signer;

  if (!gst_e2ee_mls_extensions_find (gi->extensions, gi->extensions_len,
          GST_E2EE_MLS_EXTENSION_RATCHET_TREE, &data, &len))
    return;
  tree = gst_e2ee_mls_tree_decode (suite, data, len, &error);
  if (tree == NULL) {
    FUZZ_ASSERT (FUZZ_IS_MLS_ERROR (error), "tree refused without a GST_E2EE_MLS_ERROR");
    g_clear_error (&error);
    return;
  }
  if (!gst_e2ee_mls_tree_root_hash (tree, hash, &error)) {
    FUZZ_ASSERT (FUZZ_IS_MLS_ERROR (error), "tree hash failed without a GST_E2EE_MLS_ERROR");
    g_clear_error (&error);
  }
  if (!gst_e2ee_mls_tree_validate (tree, gi->group_context.group_id,
          gi->group_context.group_id_len, &error)) {
    FUZZ_ASSERT (FUZZ_IS_MLS_ERROR (error), "tree refused without a GST_E2EE_MLS_ERROR");
    g_clear_error (&error);
  }
  signer = gst_e2ee_mls_tree_get_leaf (tree, gi->signer);
  if (signer != NULL) {
    if (!gst_e2ee_mls_group_info_verify (suite, signer->signature_key,
            signer->signature_key_len, gi, &error)) {
      FUZZ_ASSERT (FUZZ_IS_MLS_ERROR (error), "signature refused without a "
          "GST_E2EE_MLS_ERROR");
      g_clear_error (&error);
    }
  }
  gst_e2ee_mls_tree_free (tree);
}

int
LLVMFuzzerTestOneInput (const guint8 * data, size_t size)
{
  guint8 *copy = g_malloc (size ? size : 1);
  GstE2eeMlsMessage m;
  GError *error = NULL;

  /* An exact-size heap copy, so that ASan sees any read past the end. */
  if (size)
    memcpy (copy, data, size);
  gst_e2ee_mls_message_init (&m);
  if (gst_e2ee_mls_message_decode (&m, copy, size, &error)) {
    GByteArray *w = g_byte_array_new ();

    FUZZ_ASSERT (error == NULL, "error set on success");
    FUZZ_ASSERT (gst_e2ee_mls_message_encode (&m, w, &error), "a decoded message does "
        "not encode: %s", error->message);
    FUZZ_ASSERT (w->len == size && memcmp (w->data, data, size) == 0,
        "an MLSMessage of %zu bytes re-encodes to %u bytes, or to other bytes", size,
        w->len);
    g_byte_array_unref (w);
    if (m.wire_format == GST_E2EE_MLS_WIRE_FORMAT_GROUP_INFO)
      check_tree (&m.group_info);
  } else {
    FUZZ_ASSERT (FUZZ_IS_MLS_ERROR (error), "refused without a GST_E2EE_MLS_ERROR");
    g_clear_error (&error);
  }
  gst_e2ee_mls_message_clear (&m);
  g_free (copy);
  return 0;
}
