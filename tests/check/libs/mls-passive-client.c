/* gst-e2ee: the MLS group state machine as a passive client (RFC 9420 §12), against
 * the MLS working group's passive-client vectors (suite 1): join from the Welcome
 * (with the ratchet_tree extension or the tree given separately), then handle each
 * epoch's proposals and commit, and reach the vector's epoch authenticator at every
 * epoch. Entries that need a feature out of scope (PSKs, external commits) are
 * skipped with the error that refused them.
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <gst/check/gstcheck.h>
#include <gst/e2ee/gste2eemlserror.h>
#include <gst/e2ee/gste2eemlsframing.h>
#include <gst/e2ee/gste2eemlsstate.h>
#include <valgrind/valgrind.h>

#include "../mls-vectors.h"

typedef enum
{
  CHECK_PASSED,
  CHECK_FAILED,
  CHECK_UNSUPPORTED,
} CheckResult;

/* Under valgrind the 200 epochs of passive-client-random.json take minutes: the
 * first 8 only there (the whole run outside valgrind). */
static guint
max_epochs (void)
{
  return RUNNING_ON_VALGRIND ? 8 : G_MAXUINT;
}

static CheckResult
refused (GError ** err, const gchar * what, gchar ** why)
{
  CheckResult r;

  if (g_error_matches (*err, GST_E2EE_MLS_ERROR, GST_E2EE_MLS_ERROR_UNSUPPORTED)) {
    *why = g_strdup_printf ("%s: %s", what, (*err)->message);
    r = CHECK_UNSUPPORTED;
  } else {
    g_printerr ("  %s: %s\n", what, *err ? (*err)->message : "?");
    r = CHECK_FAILED;
  }
  g_clear_error (err);
  return r;
}

static CheckResult
check_passive (MlsVectors * v, JsonObject * o, guint * n_epochs, gchar ** why)
{
  const GstE2eeMlsSuite *s =
      gst_e2ee_mls_suite_lookup ((guint16) mls_uint (v, o, "cipher_suite"), NULL);
  GBytes *kp_msg = mls_hex (v, o, "key_package"), *welcome = mls_hex (v, o, "welcome");
  GBytes *init_priv = mls_hex (v, o, "init_priv"), *enc_priv = mls_hex (v, o,
      "encryption_priv");
  GBytes *sig_priv = mls_hex (v, o, "signature_priv");
  GBytes *auth0 = mls_hex (v, o, "initial_epoch_authenticator"), *tree = NULL;
  JsonArray *epochs = json_object_get_array_member (o, "epochs");
  GstE2eeMlsKeyPackagePrivate priv;
  GstE2eeMlsJoinCandidate cand;
  GstE2eeMlsState *st = NULL;
  GError *err = NULL;
  CheckResult r = CHECK_FAILED;
  guint used, e, n;

  fail_unless (s != NULL);
  if (!json_object_get_null_member (o, "ratchet_tree"))
    tree = mls_hex (v, o, "ratchet_tree");
  memset (&priv, 0, sizeof priv);
  fail_unless (MLS_L (init_priv) == s->nsk && MLS_L (enc_priv) == s->nsk);
  memcpy (priv.init_priv, MLS_D (init_priv), s->nsk);
  memcpy (priv.encryption_priv, MLS_D (enc_priv), s->nsk);
  priv.priv_len = s->nsk;
  cand.priv = &priv;
  cand.key_package = gst_e2ee_mls_key_package_decode_message (MLS_D (kp_msg),
      MLS_L (kp_msg), &err);
  if (cand.key_package == NULL)
    return refused (&err, "key package", why);

  st = gst_e2ee_mls_state_join (MLS_D (welcome), MLS_L (welcome),
      tree ? MLS_D (tree) : NULL, tree ? MLS_L (tree) : 0, &cand, 1, MLS_D (sig_priv),
      MLS_L (sig_priv), &used, &err);
  if (st == NULL) {
    r = refused (&err, "join", why);
    goto done;
  }
  /* The vectors' key packages were made once, with lifetimes that need not hold
   * today. */
  gst_e2ee_mls_state_set_check_lifetimes (st, FALSE);
  if (memcmp (gst_e2ee_mls_state_epoch_authenticator (st), MLS_D (auth0), s->nh) != 0) {
    g_printerr ("  the initial epoch authenticator differs\n");
    goto done;
  }

  n = MIN (json_array_get_length (epochs), max_epochs ());
  for (e = 0; e < n; e++) {
    JsonObject *ep = json_array_get_object_element (epochs, e);
    JsonArray *proposals = json_object_get_array_member (ep, "proposals");
    GBytes *commit = mls_hex (v, ep, "commit"), *auth = mls_hex (v, ep,
        "epoch_authenticator");
    guint p;
    guint8 type = 0;
    guint32 sender;
    gchar *what;

    for (p = 0; p < json_array_get_length (proposals); p++) {
      const gchar *hex = json_array_get_string_element (proposals, p);
      JsonObject *tmp = json_object_new ();
      GBytes *msg;

      json_object_set_string_member (tmp, "p", hex);
      msg = mls_hex (v, tmp, "p");
      json_object_unref (tmp);
      if (!gst_e2ee_mls_state_handle (st, MLS_D (msg), MLS_L (msg), &type, &sender,
              NULL, &err) || type != GST_E2EE_MLS_CONTENT_PROPOSAL) {
        what = g_strdup_printf ("epoch %u proposal %u", e, p);
        r = err ? refused (&err, what, why) : CHECK_FAILED;
        g_free (what);
        goto done;
      }
    }
    if (!gst_e2ee_mls_state_handle (st, MLS_D (commit), MLS_L (commit), &type, &sender,
            NULL, &err) || type != GST_E2EE_MLS_CONTENT_COMMIT) {
      what = g_strdup_printf ("epoch %u commit", e);
      r = err ? refused (&err, what, why) : CHECK_FAILED;
      g_free (what);
      goto done;
    }
    if (!gst_e2ee_mls_state_is_active (st)
        || memcmp (gst_e2ee_mls_state_epoch_authenticator (st), MLS_D (auth),
            s->nh) != 0) {
      g_printerr ("  epoch %u: the epoch authenticator differs\n", e);
      goto done;
    }
  }
  *n_epochs += n;
  r = CHECK_PASSED;

done:
  gst_e2ee_mls_state_free (st);
  gst_e2ee_mls_key_package_unref (cand.key_package);
  gst_e2ee_mls_key_package_private_clear (&priv);
  return r;
}

/* all_skipped: every suite-1 entry of the file needs a feature out of scope (each
 * entry of passive-client-handling-commit.json joins with a PSK); the file must then
 * have no entry that passes or fails, and each skip says why. */
static void
run_file (const gchar * name, guint n_entries, gboolean all_skipped)
{
  MlsVectors *v = mls_vectors_open (name);
  guint i, n_epochs = 0;

  fail_unless_equals_int (mls_vectors_count (v), n_entries);
  for (i = 0; i < mls_vectors_count (v); i++) {
    gchar *why = NULL;
    CheckResult r = check_passive (v, mls_vectors_entry (v, i), &n_epochs, &why);

    if (r == CHECK_UNSUPPORTED)
      mls_vectors_skip (v, i, why);
    else
      mls_vectors_tally (v, i, r == CHECK_PASSED);
    g_free (why);
  }
  if (all_skipped) {
    g_print ("%s: %u passed, %u skipped (%s), %u failed; every entry needs a PSK, "
        "out of scope\n", name, v->passed, v->skipped, v->skips->str, v->failed);
    fail_unless_equals_int (v->skipped, n_entries);
    fail_unless (strstr (v->skips->str, "pre-shared keys") != NULL);
    mls_vectors_free (v);
    return;
  }
  v->note = g_strdup_printf ("%u epochs handled%s", n_epochs,
      RUNNING_ON_VALGRIND ? " (under valgrind at most 8 per entry)" : "");
  mls_vectors_close (v);
}

static gboolean
check_detected (MlsVectors * v, JsonObject * o)
{
  guint n = 0;
  gchar *why = NULL;
  CheckResult r = check_passive (v, o, &n, &why);

  g_free (why);
  return r == CHECK_PASSED;
}

GST_START_TEST (test_passive_client_welcome)
{
  run_file ("mls/passive-client-welcome.json", 8, FALSE);
}

GST_END_TEST;

GST_START_TEST (test_passive_client_handling_commit)
{
  run_file ("mls/passive-client-handling-commit.json", 13, TRUE);
}

GST_END_TEST;

GST_START_TEST (test_passive_client_random)
{
  run_file ("mls/passive-client-random.json", 1, FALSE);
}

GST_END_TEST;

/* A changed authenticator, Welcome, key, commit or proposal fails the entry: the
 * checks cannot pass vacuously. */
GST_START_TEST (test_passive_client_detects_corruption)
{
  static const gchar *const welcome_paths[] = { "initial_epoch_authenticator",
    "welcome", "key_package", "signature_priv"
  };
  static const gchar *const random_paths[] = { "epochs.3.epoch_authenticator",
    "epochs.3.commit", "epochs.3.proposals.0"
  };

  mls_vectors_expect_detected ("mls/passive-client-welcome.json", 4, welcome_paths,
      G_N_ELEMENTS (welcome_paths), check_detected);
  mls_vectors_expect_detected ("mls/passive-client-random.json", 0, random_paths,
      G_N_ELEMENTS (random_paths), check_detected);
}

GST_END_TEST;

static Suite *
mls_passive_client_suite (void)
{
  Suite *s = suite_create ("mls-passive-client");
  TCase *tc = tcase_create ("general");

  suite_add_tcase (s, tc);
  tcase_set_timeout (tc, 120);
  tcase_add_test (tc, test_passive_client_welcome);
  tcase_add_test (tc, test_passive_client_handling_commit);
  tcase_add_test (tc, test_passive_client_random);
  tcase_add_test (tc, test_passive_client_detects_corruption);
  return s;
}

GST_CHECK_MAIN (mls_passive_client);
