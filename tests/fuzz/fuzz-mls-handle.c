/* gst-e2ee fuzzing: gst_e2ee_mls_group_handle() on a live MLS group
 *
 * The group: A creates it and adds B, then C (every member ours, the random bytes
 * deterministic: fuzz-mls.h); B is the member under test, at epoch 2. An input is a
 * sequence of records (fuzz-mls.h), each handed to B in turn.
 *
 * Properties checked for every message:
 * - a refused message changes nothing: B's epoch and "SFrame 1.0 Base Key" export are
 *   what they were, and the error is in the GST_E2EE_MLS_ERROR domain;
 * - an accepted commit moves B to the next epoch (and only a commit does); an accepted
 *   application message gives its data;
 * - nothing crashes, leaks or reads out of bounds (ASan, UBSan).
 * Once a message of an input was accepted, the group is built again before the next
 * input, so that every input starts from the same state.
 *
 * Seeds (FUZZ_MLS_WRITE_SEEDS=DIR): real messages of this group for epoch 2 that B has
 * not seen: application messages from A and C, C's update commit, then C's Update
 * proposal at epoch 3, A's Remove proposal followed by A's commit (adding D) that covers
 * it, and a few of them in a row; scripts/fuzz.sh adds ts-mls's messages (of another
 * group: they exercise decoding and the group check).
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "fuzz-mls.h"

#define RNG_SEED G_GUINT64_CONSTANT (0x6d6c732d68616e64)

typedef struct
{
  GstE2eeMlsClient *ca, *cb, *cc;
  GstE2eeMlsGroup *a, *b, *c;
} Live;

static Live live;
static GBytes *fresh_base_key;
static gboolean dirty = TRUE;

static void
live_clear (Live * l)
{
  g_clear_object (&l->a);
  g_clear_object (&l->b);
  g_clear_object (&l->c);
  g_clear_object (&l->ca);
  g_clear_object (&l->cb);
  g_clear_object (&l->cc);
}

static void
live_build (Live * l)
{
  GBytes *id = g_bytes_new_static ("fuzz", 4);
  GError *error = NULL;
  GBytes *kp, *commit, *welcome = NULL;

  live_clear (l);
  fuzz_mls_rand_reset (RNG_SEED);
  l->ca = fuzz_mls_client ("A");
  l->cb = fuzz_mls_client ("B");
  l->cc = fuzz_mls_client ("C");
  l->a = gst_e2ee_mls_group_create (l->ca, id, &error);
  FUZZ_MLS_OK (l->a != NULL, error);
  gst_e2ee_mls_group_set_ratchet_tree_extension (l->a, TRUE);

  kp = gst_e2ee_mls_client_create_key_package (l->cb, &error);
  FUZZ_MLS_OK (kp != NULL, error);
  commit = gst_e2ee_mls_group_add (l->a, kp, &welcome, &error);
  FUZZ_MLS_OK (commit != NULL, error);
  l->b = gst_e2ee_mls_group_join (l->cb, welcome, NULL, &error);
  FUZZ_MLS_OK (l->b != NULL, error);
  g_bytes_unref (kp);
  g_bytes_unref (commit);
  g_bytes_unref (welcome);

  kp = gst_e2ee_mls_client_create_key_package (l->cc, &error);
  FUZZ_MLS_OK (kp != NULL, error);
  commit = gst_e2ee_mls_group_add (l->a, kp, &welcome, &error);
  FUZZ_MLS_OK (commit != NULL, error);
  FUZZ_MLS_OK (gst_e2ee_mls_group_handle (l->b, commit, NULL, &error) ==
      GST_E2EE_MLS_MESSAGE_KIND_COMMIT, error);
  l->c = gst_e2ee_mls_group_join (l->cc, welcome, NULL, &error);
  FUZZ_MLS_OK (l->c != NULL, error);
  g_bytes_unref (kp);
  g_bytes_unref (commit);
  g_bytes_unref (welcome);
  g_bytes_unref (id);
}

static GBytes *
text (const gchar * s)
{
  return g_bytes_new (s, strlen (s));
}

static GBytes *
protect (GstE2eeMlsGroup * g, const gchar * s)
{
  GError *error = NULL;
  GBytes *data = text (s);
  GBytes *msg = gst_e2ee_mls_group_protect (g, data, &error);

  FUZZ_MLS_OK (msg != NULL, error);
  g_bytes_unref (data);
  return msg;
}

static void
write_seeds (const gchar * dir)
{
  GError *error = NULL;
  GBytes *a1, *c1, *cu, *cp, *ap, *aa, *kp, *welcome = NULL;
  GstE2eeMlsClient *cd;

  live_build (&live);
  a1 = protect (live.a, "application data from A");
  c1 = protect (live.c, "application data from C");
  cu = gst_e2ee_mls_group_update (live.c, &error);
  FUZZ_MLS_OK (cu != NULL, error);
  cp = gst_e2ee_mls_group_propose_update (live.c, &error);
  FUZZ_MLS_OK (cp != NULL, error);
  ap = gst_e2ee_mls_group_propose_remove (live.a, 2, &error);
  FUZZ_MLS_OK (ap != NULL, error);
  cd = fuzz_mls_client ("D");
  kp = gst_e2ee_mls_client_create_key_package (cd, &error);
  FUZZ_MLS_OK (kp != NULL, error);
  aa = gst_e2ee_mls_group_add (live.a, kp, &welcome, &error);
  FUZZ_MLS_OK (aa != NULL, error);

  fuzz_mls_write_seed_records (dir, &a1, 1);
  fuzz_mls_write_seed_records (dir, &c1, 1);
  fuzz_mls_write_seed_records (dir, &cu, 1);
  fuzz_mls_write_seed_records (dir, (GBytes *[]) {cu, cp}, 2);
  fuzz_mls_write_seed_records (dir, (GBytes *[]) {ap, aa}, 2);
  fuzz_mls_write_seed_records (dir, (GBytes *[]) {a1, c1, cu, cp}, 4);
  fuzz_mls_write_seed_records (dir, (GBytes *[]) {a1, ap, c1, aa}, 4);

  g_bytes_unref (a1);
  g_bytes_unref (c1);
  g_bytes_unref (cu);
  g_bytes_unref (cp);
  g_bytes_unref (ap);
  g_bytes_unref (aa);
  g_bytes_unref (kp);
  g_bytes_unref (welcome);
  g_object_unref (cd);
  live_clear (&live);
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

int
LLVMFuzzerTestOneInput (const guint8 * data, size_t size)
{
  gsize pos = 0;
  GBytes *msg;

  if (dirty) {
    GBytes *k;

    live_build (&live);
    k = fuzz_mls_base_key (live.b);
    /* The same state every time, or the seeds would not be messages of this group. */
    if (fresh_base_key == NULL)
      fresh_base_key = g_bytes_ref (k);
    FUZZ_ASSERT (g_bytes_equal (k, fresh_base_key), "the group built again differs: "
        "randomness from outside OpenSSL's RNG?");
    g_bytes_unref (k);
    dirty = FALSE;
  }

  while (fuzz_mls_next_record (data, size, &pos, &msg)) {
    GError *error = NULL;
    GBytes *app = NULL;
    guint64 epoch = gst_e2ee_mls_group_get_epoch (live.b);
    GBytes *before = fuzz_mls_base_key (live.b), *after;
    GstE2eeMlsMessageKind kind = gst_e2ee_mls_group_handle (live.b, msg, &app, &error);

    after = gst_e2ee_mls_group_is_active (live.b) ? fuzz_mls_base_key (live.b) : NULL;
    if (g_getenv ("FUZZ_MLS_VERBOSE") != NULL)
      fprintf (stderr, "message of %zu bytes: kind %d%s%s\n", g_bytes_get_size (msg), kind,
          error ? ", " : "", error ? error->message : "");
    switch (kind) {
      case GST_E2EE_MLS_MESSAGE_KIND_NONE:
        FUZZ_ASSERT (error != NULL && error->domain == GST_E2EE_MLS_ERROR,
            "refused without a GST_E2EE_MLS_ERROR");
        FUZZ_ASSERT (gst_e2ee_mls_group_get_epoch (live.b) == epoch, "epoch changed");
        FUZZ_ASSERT (after != NULL && g_bytes_equal (before, after),
            "a refused message changed the exporter");
        break;
      case GST_E2EE_MLS_MESSAGE_KIND_COMMIT:
        FUZZ_ASSERT (error == NULL, "error set on success");
        FUZZ_ASSERT (gst_e2ee_mls_group_get_epoch (live.b) == epoch + 1,
            "a commit did not move to the next epoch");
        dirty = TRUE;
        break;
      case GST_E2EE_MLS_MESSAGE_KIND_PROPOSAL:
      case GST_E2EE_MLS_MESSAGE_KIND_APPLICATION:
        FUZZ_ASSERT (error == NULL, "error set on success");
        FUZZ_ASSERT (gst_e2ee_mls_group_get_epoch (live.b) == epoch, "epoch changed");
        FUZZ_ASSERT ((kind == GST_E2EE_MLS_MESSAGE_KIND_APPLICATION) == (app != NULL),
            "application data for kind %d", kind);
        dirty = TRUE;
        break;
      default:
        FUZZ_ASSERT (FALSE, "kind %d", kind);
    }
    g_clear_error (&error);
    if (app != NULL)
      g_bytes_unref (app);
    g_bytes_unref (before);
    if (after != NULL)
      g_bytes_unref (after);
    g_bytes_unref (msg);
    if (!gst_e2ee_mls_group_is_active (live.b))
      break;
  }
  return 0;
}
