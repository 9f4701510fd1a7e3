/* gst-e2ee: the public MLS API, GstE2eeMlsClient and GstE2eeMlsGroup: a group of
 * three made, changed and used through it; every member agrees on the exporter and the
 * epoch authenticator at every epoch; tampered, replayed and out-of-epoch commits are
 * refused and leave the group as it was.
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <gst/check/gstcheck.h>
#include <gst/e2ee/e2ee.h>
#include <string.h>
#include <valgrind/valgrind.h>

#define SFRAME_LABEL "SFrame 1.0 Base Key"

#define assert_mls_error(err, code) G_STMT_START {                             \
  fail_unless (g_error_matches ((err), GST_E2EE_MLS_ERROR, (code)),             \
      "expected %s, got %s", #code, (err) ? (err)->message : "no error");      \
  g_clear_error (&(err));                                                     \
} G_STMT_END

static GBytes *
str_bytes (const gchar * s)
{
  return g_bytes_new (s, strlen (s));
}

static GstE2eeMlsClient *
client_new (const gchar * name)
{
  GBytes *id = str_bytes (name);
  GError *err = NULL;
  GstE2eeMlsClient *c = gst_e2ee_mls_client_new (id, &err);

  fail_unless (c != NULL, "%s", err ? err->message : "");
  g_bytes_unref (id);
  return c;
}

static GBytes *
key_package (GstE2eeMlsClient * c)
{
  GError *err = NULL;
  GBytes *kp = gst_e2ee_mls_client_create_key_package (c, &err);

  fail_unless (kp != NULL, "%s", err ? err->message : "");
  return kp;
}

static GBytes *
exported (GstE2eeMlsGroup * g)
{
  GError *err = NULL;
  GBytes *ctx = str_bytes ("ctx");
  GBytes *out = gst_e2ee_mls_group_export_secret (g, SFRAME_LABEL, ctx, 16, &err);

  fail_unless (out != NULL, "%s", err ? err->message : "");
  g_bytes_unref (ctx);
  return out;
}

/* Every group of the list is at the same epoch with the same exporter output, epoch
 * authenticator and members. */
static void
assert_agree_n (GstE2eeMlsGroup * const *groups, guint n)
{
  GstE2eeMlsGroup *g0 = groups[0];
  GBytes *want = exported (g0);
  GBytes *auth = gst_e2ee_mls_group_get_epoch_authenticator (g0);
  GPtrArray *members = gst_e2ee_mls_group_get_members (g0);
  guint64 epoch = gst_e2ee_mls_group_get_epoch (g0);
  guint k;

  for (k = 1; k < n; k++) {
    GstE2eeMlsGroup *g = groups[k];
    GBytes *got = exported (g), *a = gst_e2ee_mls_group_get_epoch_authenticator (g);
    GPtrArray *m = gst_e2ee_mls_group_get_members (g);
    guint i;

    fail_unless_equals_uint64 (gst_e2ee_mls_group_get_epoch (g), epoch);
    fail_unless (g_bytes_equal (got, want), "the exporter differs");
    fail_unless (a != NULL && g_bytes_equal (a, auth), "the epoch authenticator differs");
    fail_unless_equals_int (m->len, members->len);
    for (i = 0; i < m->len; i++) {
      GBytes *x = gst_e2ee_mls_member_get_identity (g_ptr_array_index (m, i));
      GBytes *y = gst_e2ee_mls_member_get_identity (g_ptr_array_index (members, i));

      fail_unless (g_bytes_equal (x, y));
      fail_unless_equals_int (gst_e2ee_mls_member_get_leaf_index (g_ptr_array_index (m,
                  i)), gst_e2ee_mls_member_get_leaf_index (g_ptr_array_index (members,
                  i)));
      g_bytes_unref (x);
      g_bytes_unref (y);
    }
    g_ptr_array_unref (m);
    g_bytes_unref (got);
    g_bytes_unref (a);
  }
  g_ptr_array_unref (members);
  g_bytes_unref (want);
  g_bytes_unref (auth);
}

#define assert_agree(...) G_STMT_START {                                        \
  GstE2eeMlsGroup *_groups[] = { __VA_ARGS__ };                                 \
  assert_agree_n (_groups, G_N_ELEMENTS (_groups));                             \
} G_STMT_END

static void
handle_ok (GstE2eeMlsGroup * g, GBytes * msg, GstE2eeMlsMessageKind want)
{
  GError *err = NULL;
  GstE2eeMlsMessageKind kind = gst_e2ee_mls_group_handle (g, msg, NULL, &err);

  fail_unless_equals_int (kind, want);
  fail_unless (err == NULL);
}

/* m from sender's group reaches receiver's as the same bytes. */
static void
send_application (GstE2eeMlsGroup * from, GstE2eeMlsGroup * to, const gchar * text)
{
  GBytes *data = str_bytes (text), *got = NULL;
  GError *err = NULL;
  GBytes *msg = gst_e2ee_mls_group_protect (from, data, &err);

  fail_unless (msg != NULL, "%s", err ? err->message : "");
  fail_unless_equals_int (gst_e2ee_mls_group_handle (to, msg, &got, &err),
      GST_E2EE_MLS_MESSAGE_KIND_APPLICATION);
  fail_unless (got != NULL && g_bytes_equal (got, data));
  g_bytes_unref (got);
  g_bytes_unref (msg);
  g_bytes_unref (data);
}

typedef struct
{
  GstE2eeMlsClient *ca, *cb, *cc;
  GstE2eeMlsGroup *a, *b, *c;
} Three;

/* alice creates; adds bob (who joins with the ratchet_tree extension), then carol
 * (who joins with the tree given separately). */
static void
three_init (Three * t)
{
  GBytes *gid = str_bytes ("group-1"), *kp, *welcome = NULL, *commit, *tree;
  GError *err = NULL;

  t->ca = client_new ("alice");
  t->cb = client_new ("bob");
  t->cc = client_new ("carol");
  t->a = gst_e2ee_mls_group_create (t->ca, gid, &err);
  fail_unless (t->a != NULL, "%s", err ? err->message : "");
  fail_unless_equals_uint64 (gst_e2ee_mls_group_get_epoch (t->a), 0);

  kp = key_package (t->cb);
  commit = gst_e2ee_mls_group_add (t->a, kp, &welcome, &err);
  fail_unless (commit != NULL && welcome != NULL, "%s", err ? err->message : "");
  t->b = gst_e2ee_mls_group_join (t->cb, welcome, NULL, &err);
  fail_unless (t->b != NULL, "%s", err ? err->message : "");
  fail_unless_equals_int (gst_e2ee_mls_client_get_n_key_packages (t->cb), 0);
  fail_unless_equals_int (gst_e2ee_mls_group_get_own_leaf_index (t->b), 1);
  assert_agree (t->a, t->b);
  g_bytes_unref (kp);
  g_bytes_unref (commit);
  g_bytes_unref (welcome);

  gst_e2ee_mls_group_set_ratchet_tree_extension (t->a, FALSE);
  kp = key_package (t->cc);
  commit = gst_e2ee_mls_group_add (t->a, kp, &welcome, &err);
  fail_unless (commit != NULL && welcome != NULL, "%s", err ? err->message : "");
  handle_ok (t->b, commit, GST_E2EE_MLS_MESSAGE_KIND_COMMIT);
  fail_if (gst_e2ee_mls_group_join (t->cc, welcome, NULL, &err));
  assert_mls_error (err, GST_E2EE_MLS_ERROR_MISSING_RATCHET_TREE);
  tree = gst_e2ee_mls_group_get_ratchet_tree (t->a);
  t->c = gst_e2ee_mls_group_join (t->cc, welcome, tree, &err);
  fail_unless (t->c != NULL, "%s", err ? err->message : "");
  assert_agree (t->a, t->b, t->c);
  fail_unless_equals_uint64 (gst_e2ee_mls_group_get_epoch (t->c), 2);
  g_bytes_unref (tree);
  g_bytes_unref (kp);
  g_bytes_unref (commit);
  g_bytes_unref (welcome);
  g_bytes_unref (gid);
}

static void
three_clear (Three * t)
{
  g_clear_object (&t->a);
  g_clear_object (&t->b);
  g_clear_object (&t->c);
  g_clear_object (&t->ca);
  g_clear_object (&t->cb);
  g_clear_object (&t->cc);
}

GST_START_TEST (test_group_lifecycle)
{
  Three t;
  GBytes *commit, *old, *now, *msg, *data = str_bytes ("after");
  GPtrArray *members;
  GError *err = NULL;

  three_init (&t);
  send_application (t.a, t.b, "hello bob");
  send_application (t.a, t.c, "hello carol");
  send_application (t.b, t.a, "hello alice");
  send_application (t.c, t.b, "hi");

  /* bob renews his keys. */
  old = exported (t.a);
  commit = gst_e2ee_mls_group_update (t.b, &err);
  fail_unless (commit != NULL, "%s", err ? err->message : "");
  handle_ok (t.a, commit, GST_E2EE_MLS_MESSAGE_KIND_COMMIT);
  handle_ok (t.c, commit, GST_E2EE_MLS_MESSAGE_KIND_COMMIT);
  assert_agree (t.a, t.b, t.c);
  now = exported (t.a);
  fail_if (g_bytes_equal (old, now), "the exporter did not change with the epoch");
  g_bytes_unref (old);
  g_bytes_unref (now);
  g_bytes_unref (commit);

  /* carol sends at epoch 3, alice removes her; carol's message is then refused. */
  msg = gst_e2ee_mls_group_protect (t.c, data, &err);
  fail_unless (msg != NULL);
  commit = gst_e2ee_mls_group_remove (t.a, 2, &err);
  fail_unless (commit != NULL, "%s", err ? err->message : "");
  handle_ok (t.b, commit, GST_E2EE_MLS_MESSAGE_KIND_COMMIT);
  handle_ok (t.c, commit, GST_E2EE_MLS_MESSAGE_KIND_COMMIT);
  fail_unless (gst_e2ee_mls_group_is_active (t.a) && gst_e2ee_mls_group_is_active (t.b));
  fail_if (gst_e2ee_mls_group_is_active (t.c));
  assert_agree (t.a, t.b);
  members = gst_e2ee_mls_group_get_members (t.a);
  fail_unless_equals_int (members->len, 2);
  g_ptr_array_unref (members);
  fail_unless_equals_int (gst_e2ee_mls_group_handle (t.b, msg, NULL, &err),
      GST_E2EE_MLS_MESSAGE_KIND_NONE);
  assert_mls_error (err, GST_E2EE_MLS_ERROR_WRONG_EPOCH);
  fail_if (gst_e2ee_mls_group_protect (t.c, data, &err));
  assert_mls_error (err, GST_E2EE_MLS_ERROR_NOT_A_MEMBER);
  fail_if (gst_e2ee_mls_group_export_secret (t.c, SFRAME_LABEL, NULL, 16, &err));
  assert_mls_error (err, GST_E2EE_MLS_ERROR_NOT_A_MEMBER);
  fail_unless (gst_e2ee_mls_group_get_epoch_authenticator (t.c) == NULL);
  send_application (t.b, t.a, "two of us");
  g_bytes_unref (msg);
  g_bytes_unref (commit);

  /* Removing ourselves or a blank leaf is refused, and changes nothing. */
  fail_if (gst_e2ee_mls_group_remove (t.a, 0, &err));
  assert_mls_error (err, GST_E2EE_MLS_ERROR_INVALID_PROPOSAL);
  fail_if (gst_e2ee_mls_group_remove (t.a, 2, &err));
  assert_mls_error (err, GST_E2EE_MLS_ERROR_INVALID_PROPOSAL);
  assert_agree (t.a, t.b);

  g_bytes_unref (data);
  three_clear (&t);
}

GST_END_TEST;

/* Proposals from two members, committed by a third by reference. */
GST_START_TEST (test_group_proposals)
{
  Three t;
  GstE2eeMlsClient *cd = client_new ("dave");
  GBytes *pu, *pa, *commit, *welcome = NULL, *kp = key_package (cd);
  GstE2eeMlsGroup *d;
  GError *err = NULL;

  three_init (&t);
  gst_e2ee_mls_group_set_ratchet_tree_extension (t.a, TRUE);
  pu = gst_e2ee_mls_group_propose_update (t.b, &err);
  fail_unless (pu != NULL, "%s", err ? err->message : "");
  pa = gst_e2ee_mls_group_propose_add (t.c, kp, &err);
  fail_unless (pa != NULL, "%s", err ? err->message : "");
  handle_ok (t.a, pu, GST_E2EE_MLS_MESSAGE_KIND_PROPOSAL);
  handle_ok (t.c, pu, GST_E2EE_MLS_MESSAGE_KIND_PROPOSAL);
  handle_ok (t.a, pa, GST_E2EE_MLS_MESSAGE_KIND_PROPOSAL);
  handle_ok (t.b, pa, GST_E2EE_MLS_MESSAGE_KIND_PROPOSAL);
  /* Our own proposal back from the delivery service. */
  fail_unless_equals_int (gst_e2ee_mls_group_handle (t.b, pu, NULL, &err),
      GST_E2EE_MLS_MESSAGE_KIND_NONE);
  assert_mls_error (err, GST_E2EE_MLS_ERROR_OWN_MESSAGE);
  fail_unless_equals_int (gst_e2ee_mls_group_get_n_pending_proposals (t.a), 2);

  commit = gst_e2ee_mls_group_commit (t.a, &welcome, &err);
  fail_unless (commit != NULL && welcome != NULL, "%s", err ? err->message : "");
  fail_unless_equals_int (gst_e2ee_mls_group_get_n_pending_proposals (t.a), 0);
  handle_ok (t.b, commit, GST_E2EE_MLS_MESSAGE_KIND_COMMIT);
  handle_ok (t.c, commit, GST_E2EE_MLS_MESSAGE_KIND_COMMIT);
  d = gst_e2ee_mls_group_join (cd, welcome, NULL, &err);
  fail_unless (d != NULL, "%s", err ? err->message : "");
  assert_agree (t.a, t.b, t.c, d);
  send_application (d, t.b, "from dave");
  send_application (t.b, d, "to dave");

  g_object_unref (d);
  g_object_unref (cd);
  g_bytes_unref (pu);
  g_bytes_unref (pa);
  g_bytes_unref (kp);
  g_bytes_unref (commit);
  g_bytes_unref (welcome);
  three_clear (&t);
}

GST_END_TEST;

static GBytes *
proposed (GBytes * msg, GError * err)
{
  fail_unless (msg != NULL, "%s", err ? err->message : "");
  return msg;
}

/* Pending proposals that conflict (§12.2) do not make the committer's commits fail:
 * of a member's two Updates the latest is taken, a Remove of the committer is left
 * out, and a Remove (inline or pending) wins over the removed member's Update and
 * over a second Remove.
 * Before, every one of these commits failed ("the commit updates or removes leaf 1
 * twice"), and so would every later commit of the epoch. */
GST_START_TEST (test_group_conflicting_proposals)
{
  Three t;
  GBytes *pu1, *pu2, *pr, *pc, *prb, *commit;
  GPtrArray *members;
  GError *err = NULL;

  three_init (&t);
  /* bob updates twice in one batch; carol proposes removing alice, the committer.
   * carol never sees bob's first Update: had the commit referenced it, she could not
   * process the commit. */
  pu1 = proposed (gst_e2ee_mls_group_propose_update (t.b, &err), err);
  pu2 = proposed (gst_e2ee_mls_group_propose_update (t.b, &err), err);
  pr = proposed (gst_e2ee_mls_group_propose_remove (t.c, 0, &err), err);
  handle_ok (t.a, pu1, GST_E2EE_MLS_MESSAGE_KIND_PROPOSAL);
  handle_ok (t.a, pu2, GST_E2EE_MLS_MESSAGE_KIND_PROPOSAL);
  handle_ok (t.c, pu2, GST_E2EE_MLS_MESSAGE_KIND_PROPOSAL);
  handle_ok (t.a, pr, GST_E2EE_MLS_MESSAGE_KIND_PROPOSAL);
  handle_ok (t.b, pr, GST_E2EE_MLS_MESSAGE_KIND_PROPOSAL);
  fail_unless_equals_int (gst_e2ee_mls_group_get_n_pending_proposals (t.a), 3);
  commit = gst_e2ee_mls_group_commit (t.a, NULL, &err);
  fail_unless (commit != NULL, "%s", err ? err->message : "");
  handle_ok (t.b, commit, GST_E2EE_MLS_MESSAGE_KIND_COMMIT);
  handle_ok (t.c, commit, GST_E2EE_MLS_MESSAGE_KIND_COMMIT);
  assert_agree (t.a, t.b, t.c);
  fail_unless_equals_uint64 (gst_e2ee_mls_group_get_epoch (t.a), 3);
  fail_unless (gst_e2ee_mls_group_is_active (t.a));
  send_application (t.b, t.c, "after bob's update");
  g_bytes_unref (commit);

  /* carol updates and bob proposes removing her; alice removes her herself. bob
   * never sees carol's Update. */
  pc = proposed (gst_e2ee_mls_group_propose_update (t.c, &err), err);
  prb = proposed (gst_e2ee_mls_group_propose_remove (t.b, 2, &err), err);
  handle_ok (t.a, pc, GST_E2EE_MLS_MESSAGE_KIND_PROPOSAL);
  handle_ok (t.a, prb, GST_E2EE_MLS_MESSAGE_KIND_PROPOSAL);
  handle_ok (t.c, prb, GST_E2EE_MLS_MESSAGE_KIND_PROPOSAL);
  commit = gst_e2ee_mls_group_remove (t.a, 2, &err);
  fail_unless (commit != NULL, "%s", err ? err->message : "");
  handle_ok (t.b, commit, GST_E2EE_MLS_MESSAGE_KIND_COMMIT);
  handle_ok (t.c, commit, GST_E2EE_MLS_MESSAGE_KIND_COMMIT);
  fail_if (gst_e2ee_mls_group_is_active (t.c));
  assert_agree (t.a, t.b);
  members = gst_e2ee_mls_group_get_members (t.a);
  fail_unless_equals_int (members->len, 2);
  g_ptr_array_unref (members);
  send_application (t.a, t.b, "two of us");
  g_bytes_unref (commit);

  /* bob updates, then proposes leaving, while alice proposes removing him too: her
   * commit takes one Remove (bob's, the first), not his Update nor her Remove */
  g_bytes_unref (pc);
  pc = proposed (gst_e2ee_mls_group_propose_update (t.b, &err), err);
  handle_ok (t.a, pc, GST_E2EE_MLS_MESSAGE_KIND_PROPOSAL);
  g_bytes_unref (pr);
  pr = proposed (gst_e2ee_mls_group_propose_remove (t.b, 1, &err), err);
  handle_ok (t.a, pr, GST_E2EE_MLS_MESSAGE_KIND_PROPOSAL);
  g_bytes_unref (prb);
  prb = proposed (gst_e2ee_mls_group_propose_remove (t.a, 1, &err), err);
  handle_ok (t.b, prb, GST_E2EE_MLS_MESSAGE_KIND_PROPOSAL);
  commit = gst_e2ee_mls_group_commit (t.a, NULL, &err);
  fail_unless (commit != NULL, "%s", err ? err->message : "");
  handle_ok (t.b, commit, GST_E2EE_MLS_MESSAGE_KIND_COMMIT);
  fail_if (gst_e2ee_mls_group_is_active (t.b));
  members = gst_e2ee_mls_group_get_members (t.a);
  fail_unless_equals_int (members->len, 1);
  g_ptr_array_unref (members);

  g_bytes_unref (commit);
  g_bytes_unref (pu1);
  g_bytes_unref (pu2);
  g_bytes_unref (pr);
  g_bytes_unref (pc);
  g_bytes_unref (prb);
  three_clear (&t);
}

GST_END_TEST;

/* With membership-proposals off, other members' Add and Remove proposals are refused
 * (NOT_PERMITTED) and never pending; Updates still are. */
GST_START_TEST (test_group_membership_proposals)
{
  Three t;
  GstE2eeMlsClient *cd = client_new ("dave");
  GBytes *kp = key_package (cd), *pa, *pr, *pu, *commit;
  GError *err = NULL;

  three_init (&t);
  fail_unless (gst_e2ee_mls_group_get_membership_proposals (t.a));
  gst_e2ee_mls_group_set_membership_proposals (t.a, FALSE);
  fail_if (gst_e2ee_mls_group_get_membership_proposals (t.a));
  pa = proposed (gst_e2ee_mls_group_propose_add (t.c, kp, &err), err);
  pr = proposed (gst_e2ee_mls_group_propose_remove (t.c, 1, &err), err);
  pu = proposed (gst_e2ee_mls_group_propose_update (t.c, &err), err);
  fail_unless_equals_int (gst_e2ee_mls_group_handle (t.a, pa, NULL, &err),
      GST_E2EE_MLS_MESSAGE_KIND_NONE);
  assert_mls_error (err, GST_E2EE_MLS_ERROR_NOT_PERMITTED);
  fail_unless_equals_int (gst_e2ee_mls_group_handle (t.a, pr, NULL, &err),
      GST_E2EE_MLS_MESSAGE_KIND_NONE);
  assert_mls_error (err, GST_E2EE_MLS_ERROR_NOT_PERMITTED);
  fail_unless_equals_int (gst_e2ee_mls_group_get_n_pending_proposals (t.a), 0);
  handle_ok (t.a, pu, GST_E2EE_MLS_MESSAGE_KIND_PROPOSAL);
  /* bob, whose setting is on, holds all three */
  handle_ok (t.b, pa, GST_E2EE_MLS_MESSAGE_KIND_PROPOSAL);
  handle_ok (t.b, pr, GST_E2EE_MLS_MESSAGE_KIND_PROPOSAL);
  handle_ok (t.b, pu, GST_E2EE_MLS_MESSAGE_KIND_PROPOSAL);
  fail_unless_equals_int (gst_e2ee_mls_group_get_n_pending_proposals (t.b), 3);

  /* alice's commit covers carol's Update alone; the setting lasts past the epoch */
  commit = gst_e2ee_mls_group_commit (t.a, NULL, &err);
  fail_unless (commit != NULL, "%s", err ? err->message : "");
  handle_ok (t.b, commit, GST_E2EE_MLS_MESSAGE_KIND_COMMIT);
  handle_ok (t.c, commit, GST_E2EE_MLS_MESSAGE_KIND_COMMIT);
  assert_agree (t.a, t.b, t.c);
  g_bytes_unref (pr);
  pr = proposed (gst_e2ee_mls_group_propose_remove (t.c, 1, &err), err);
  fail_unless_equals_int (gst_e2ee_mls_group_handle (t.a, pr, NULL, &err),
      GST_E2EE_MLS_MESSAGE_KIND_NONE);
  assert_mls_error (err, GST_E2EE_MLS_ERROR_NOT_PERMITTED);

  g_bytes_unref (commit);
  g_bytes_unref (pa);
  g_bytes_unref (pr);
  g_bytes_unref (pu);
  g_bytes_unref (kp);
  g_object_unref (cd);
  three_clear (&t);
}

GST_END_TEST;

/* With committer set, commits from other leaves are refused (NOT_PERMITTED) and
 * change nothing; the committer's are applied, and the setting outlives the epoch. */
GST_START_TEST (test_group_committer)
{
  Three t;
  GBytes *cb, *ca, *before;
  GError *err = NULL;

  three_init (&t);
  fail_unless_equals_int (gst_e2ee_mls_group_get_committer (t.c), G_MAXUINT32);
  gst_e2ee_mls_group_set_committer (t.c, 0);
  fail_unless_equals_int (gst_e2ee_mls_group_get_committer (t.c), 0);
  before = exported (t.c);
  cb = gst_e2ee_mls_group_update (t.b, &err);
  fail_unless (cb != NULL, "%s", err ? err->message : "");
  fail_unless_equals_int (gst_e2ee_mls_group_handle (t.c, cb, NULL, &err),
      GST_E2EE_MLS_MESSAGE_KIND_NONE);
  assert_mls_error (err, GST_E2EE_MLS_ERROR_NOT_PERMITTED);
  fail_unless_equals_uint64 (gst_e2ee_mls_group_get_epoch (t.c), 2);
  {
    GBytes *now = exported (t.c);

    fail_unless (g_bytes_equal (now, before));
    g_bytes_unref (now);
  }
  /* alice, who never saw bob's commit, commits; carol follows her */
  ca = gst_e2ee_mls_group_update (t.a, &err);
  fail_unless (ca != NULL, "%s", err ? err->message : "");
  handle_ok (t.c, ca, GST_E2EE_MLS_MESSAGE_KIND_COMMIT);
  assert_agree (t.a, t.c);
  fail_unless_equals_int (gst_e2ee_mls_group_get_committer (t.c), 0);

  g_bytes_unref (before);
  g_bytes_unref (ca);
  g_bytes_unref (cb);
  three_clear (&t);
}

GST_END_TEST;

/* One flipped bit anywhere in a commit (in every byte; under valgrind every 16th, the
 * test would take minutes), a replayed commit, a second commit for the same epoch and
 * a commit for an epoch not reached are refused; the group's exporter, epoch and
 * authenticator stay as they were. */
/* Hands @g a copy of @msg with one bit flipped, for every @stride-th byte in turn:
 * each must be refused with an MLS error. Returns how many were. */
static gsize
assert_each_flip_refused (GstE2eeMlsGroup * g, GBytes * msg, gsize stride)
{
  gsize len, i, n = 0;
  const guint8 *data = g_bytes_get_data (msg, &len);
  guint8 *copy = g_memdup2 (data, len);
  GError *err = NULL;

  for (i = 0; i < len; i += stride) {
    GBytes *bad;

    copy[i] ^= (guint8) (1u << (i % 8));
    bad = g_bytes_new (copy, len);
    fail_unless_equals_int (gst_e2ee_mls_group_handle (g, bad, NULL, &err),
        GST_E2EE_MLS_MESSAGE_KIND_NONE);
    fail_unless (err != NULL && err->domain == GST_E2EE_MLS_ERROR, "byte %"
        G_GSIZE_FORMAT ": no MLS error", i);
    g_clear_error (&err);
    g_bytes_unref (bad);
    copy[i] = data[i];
    n++;
  }
  g_free (copy);
  return n;
}

GST_START_TEST (test_group_tampered_commits)
{
  Three t;
  GBytes *commit, *commit2, *commit3, *before, *auth_before, *after;
  GError *err = NULL;

  three_init (&t);
  commit = gst_e2ee_mls_group_update (t.a, &err);
  fail_unless (commit != NULL);
  before = exported (t.b);
  auth_before = gst_e2ee_mls_group_get_epoch_authenticator (t.b);
  assert_each_flip_refused (t.b, commit, RUNNING_ON_VALGRIND ? 16 : 1);
  after = exported (t.b);
  fail_unless (g_bytes_equal (before, after), "a refused commit changed the group");
  fail_unless_equals_uint64 (gst_e2ee_mls_group_get_epoch (t.b), 2);
  g_bytes_unref (after);
  after = gst_e2ee_mls_group_get_epoch_authenticator (t.b);
  fail_unless (g_bytes_equal (auth_before, after));
  g_bytes_unref (after);

  /* carol commits at epoch 2 too, and later at 3: bob applies alice's first. */
  commit2 = gst_e2ee_mls_group_update (t.c, &err);
  fail_unless (commit2 != NULL);
  commit3 = gst_e2ee_mls_group_update (t.c, &err);
  fail_unless (commit3 != NULL);
  fail_unless_equals_int (gst_e2ee_mls_group_handle (t.b, commit3, NULL, &err),
      GST_E2EE_MLS_MESSAGE_KIND_NONE);
  assert_mls_error (err, GST_E2EE_MLS_ERROR_WRONG_EPOCH);
  handle_ok (t.b, commit, GST_E2EE_MLS_MESSAGE_KIND_COMMIT);
  assert_agree (t.a, t.b);
  before = (g_bytes_unref (before), exported (t.b));
  fail_unless_equals_int (gst_e2ee_mls_group_handle (t.b, commit, NULL, &err),
      GST_E2EE_MLS_MESSAGE_KIND_NONE);
  assert_mls_error (err, GST_E2EE_MLS_ERROR_WRONG_EPOCH);
  fail_unless_equals_int (gst_e2ee_mls_group_handle (t.b, commit2, NULL, &err),
      GST_E2EE_MLS_MESSAGE_KIND_NONE);
  assert_mls_error (err, GST_E2EE_MLS_ERROR_WRONG_EPOCH);
  /* The committer's own commit echoed back. */
  fail_unless_equals_int (gst_e2ee_mls_group_handle (t.a, commit, NULL, &err),
      GST_E2EE_MLS_MESSAGE_KIND_NONE);
  assert_mls_error (err, GST_E2EE_MLS_ERROR_WRONG_EPOCH);
  after = exported (t.b);
  fail_unless (g_bytes_equal (before, after));
  assert_agree (t.a, t.b);

  g_bytes_unref (after);
  g_bytes_unref (before);
  g_bytes_unref (auth_before);
  g_bytes_unref (commit);
  g_bytes_unref (commit2);
  g_bytes_unref (commit3);
  three_clear (&t);
}

GST_END_TEST;

/* A PrivateMessage whose ciphertext fails to open takes nothing from the receiver:
 * the genuine message with the same generation still decrypts afterwards. Otherwise
 * anyone on the path could flip one bit and make a member lose that message. */
GST_START_TEST (test_group_tampered_private_message)
{
  Three t;
  GBytes *data = str_bytes ("one bit flipped on the way"), *msg, *got = NULL;
  gsize n_refused;
  GError *err = NULL;

  three_init (&t);
  msg = gst_e2ee_mls_group_protect (t.a, data, &err);
  fail_unless (msg != NULL, "protect: %s", err ? err->message : "");
  n_refused = assert_each_flip_refused (t.b, msg, RUNNING_ON_VALGRIND ? 7 : 1);
  fail_unless (n_refused > 0);
  fail_unless (gst_e2ee_mls_group_handle (t.b, msg, &got, &err) ==
      GST_E2EE_MLS_MESSAGE_KIND_APPLICATION, "the genuine message after %" G_GSIZE_FORMAT
      " tampered copies: %s", n_refused, err ? err->message : "no error");
  fail_unless (g_bytes_equal (got, data));
  g_bytes_unref (got);
  /* Used once it has opened: a replay is refused. */
  fail_unless_equals_int (gst_e2ee_mls_group_handle (t.b, msg, NULL, &err),
      GST_E2EE_MLS_MESSAGE_KIND_NONE);
  assert_mls_error (err, GST_E2EE_MLS_ERROR_GENERATION);

  g_bytes_unref (msg);
  g_bytes_unref (data);
  three_clear (&t);
}

GST_END_TEST;

/* After a commit no member reaches the previous epoch: the exporter gives the new
 * epoch's output only, and a message protected in the previous epoch is refused (its
 * secret tree is gone with the rest of the epoch's secrets). */
GST_START_TEST (test_group_epoch_superseded)
{
  Three t;
  GBytes *old, *now, *commit, *data = str_bytes ("late"), *msg;
  GError *err = NULL;

  three_init (&t);
  old = exported (t.a);
  msg = gst_e2ee_mls_group_protect (t.b, data, &err);
  fail_unless (msg != NULL);
  commit = gst_e2ee_mls_group_update (t.a, &err);
  fail_unless (commit != NULL);
  handle_ok (t.b, commit, GST_E2EE_MLS_MESSAGE_KIND_COMMIT);
  handle_ok (t.c, commit, GST_E2EE_MLS_MESSAGE_KIND_COMMIT);
  assert_agree (t.a, t.b, t.c);
  now = exported (t.c);
  fail_if (g_bytes_equal (old, now));
  fail_unless_equals_int (gst_e2ee_mls_group_handle (t.a, msg, NULL, &err),
      GST_E2EE_MLS_MESSAGE_KIND_NONE);
  assert_mls_error (err, GST_E2EE_MLS_ERROR_WRONG_EPOCH);

  g_bytes_unref (old);
  g_bytes_unref (now);
  g_bytes_unref (msg);
  g_bytes_unref (data);
  g_bytes_unref (commit);
  three_clear (&t);
}

GST_END_TEST;

/* A message from another group (a non-member) or tampered application data. */
GST_START_TEST (test_group_refuses_strangers)
{
  Three t;
  GstE2eeMlsClient *cx = client_new ("mallory");
  GBytes *gid = str_bytes ("group-1"), *data = str_bytes ("x"), *msg, *bad;
  GstE2eeMlsGroup *x;
  GError *err = NULL;
  guint8 *copy;
  gsize len;

  three_init (&t);
  /* Same group ID, another group: its keys are not the group's. */
  x = gst_e2ee_mls_group_create (cx, gid, &err);
  fail_unless (x != NULL);
  msg = gst_e2ee_mls_group_protect (x, data, &err);
  fail_unless (msg != NULL);
  fail_unless_equals_int (gst_e2ee_mls_group_handle (t.a, msg, NULL, &err),
      GST_E2EE_MLS_MESSAGE_KIND_NONE);
  fail_unless (err != NULL);
  g_clear_error (&err);
  g_bytes_unref (msg);

  msg = gst_e2ee_mls_group_protect (t.b, data, &err);
  fail_unless (msg != NULL, "%s", err ? err->message : "");
  len = g_bytes_get_size (msg);
  copy = g_memdup2 (g_bytes_get_data (msg, NULL), len);
  copy[len - 1] ^= 1;
  bad = g_bytes_new_take (copy, len);
  fail_if (gst_e2ee_mls_group_unprotect (t.a, bad, &err));
  assert_mls_error (err, GST_E2EE_MLS_ERROR_DECRYPT);
  /* A commit is not application data: unprotect refuses it without applying it. */
  g_bytes_unref (bad);
  bad = gst_e2ee_mls_group_update (t.c, &err);
  fail_if (gst_e2ee_mls_group_unprotect (t.a, bad, &err));
  assert_mls_error (err, GST_E2EE_MLS_ERROR_WIRE_FORMAT);
  fail_unless_equals_uint64 (gst_e2ee_mls_group_get_epoch (t.a), 2);

  g_bytes_unref (bad);
  g_bytes_unref (msg);
  g_bytes_unref (data);
  g_bytes_unref (gid);
  g_object_unref (x);
  g_object_unref (cx);
  three_clear (&t);
}

GST_END_TEST;

/* A saved key restores the same identity; a key package joins once; a group made
 * with g_object_new() (as a binding may) refuses everything instead of crashing. */
GST_START_TEST (test_client)
{
  GstE2eeMlsClient *a = client_new ("ann"), *b, *c = client_new ("cy");
  GBytes *sk = gst_e2ee_mls_client_export_private_key (a), *id = str_bytes ("ann");
  GBytes *pa, *pb, *gid = str_bytes ("g"), *kp, *commit, *welcome = NULL, *shortkey;
  GstE2eeMlsGroup *g, *joined, *empty;
  GError *err = NULL;

  b = gst_e2ee_mls_client_new_from_private_key (id, sk, &err);
  fail_unless (b != NULL);
  pa = gst_e2ee_mls_client_get_signature_public_key (a);
  pb = gst_e2ee_mls_client_get_signature_public_key (b);
  fail_unless (g_bytes_equal (pa, pb) && g_bytes_get_size (pa) == 32);
  shortkey = g_bytes_new_from_bytes (sk, 0, 31);
  fail_if (gst_e2ee_mls_client_new_from_private_key (id, shortkey, &err));
  assert_mls_error (err, GST_E2EE_MLS_ERROR_INVALID_ARGUMENT);

  g = gst_e2ee_mls_group_create (a, gid, &err);
  kp = key_package (c);
  commit = gst_e2ee_mls_group_add (g, kp, &welcome, &err);
  fail_unless (commit != NULL);
  fail_if (gst_e2ee_mls_group_join (b, welcome, NULL, &err));
  assert_mls_error (err, GST_E2EE_MLS_ERROR_NO_MATCHING_KEY_PACKAGE);
  joined = gst_e2ee_mls_group_join (c, welcome, NULL, &err);
  fail_unless (joined != NULL);
  fail_if (gst_e2ee_mls_group_join (c, welcome, NULL, &err));
  assert_mls_error (err, GST_E2EE_MLS_ERROR_NO_MATCHING_KEY_PACKAGE);
  /* Adding the same key package again: that client is already in the group. */
  fail_if (gst_e2ee_mls_group_add (g, kp, NULL, &err));
  fail_unless (err != NULL);
  g_clear_error (&err);

  empty = g_object_new (GST_E2EE_TYPE_MLS_GROUP, NULL);
  fail_if (gst_e2ee_mls_group_update (empty, &err));
  assert_mls_error (err, GST_E2EE_MLS_ERROR_NOT_A_MEMBER);
  fail_unless_equals_int (gst_e2ee_mls_group_handle (empty, commit, NULL, &err),
      GST_E2EE_MLS_MESSAGE_KIND_NONE);
  assert_mls_error (err, GST_E2EE_MLS_ERROR_NOT_A_MEMBER);
  fail_unless (gst_e2ee_mls_group_get_epoch_authenticator (empty) == NULL);

  g_object_unref (empty);
  g_object_unref (joined);
  g_object_unref (g);
  g_bytes_unref (kp);
  g_bytes_unref (commit);
  g_bytes_unref (welcome);
  g_bytes_unref (shortkey);
  g_bytes_unref (pa);
  g_bytes_unref (pb);
  g_bytes_unref (sk);
  g_bytes_unref (id);
  g_bytes_unref (gid);
  g_object_unref (a);
  g_object_unref (b);
  g_object_unref (c);
}

GST_END_TEST;

static Suite *
mls_group_suite (void)
{
  Suite *s = suite_create ("mls-group");
  TCase *tc = tcase_create ("general");

  suite_add_tcase (s, tc);
  tcase_add_test (tc, test_group_lifecycle);
  tcase_add_test (tc, test_group_proposals);
  tcase_add_test (tc, test_group_conflicting_proposals);
  tcase_add_test (tc, test_group_membership_proposals);
  tcase_add_test (tc, test_group_committer);
  tcase_add_test (tc, test_group_tampered_commits);
  tcase_add_test (tc, test_group_tampered_private_message);
  tcase_add_test (tc, test_group_epoch_superseded);
  tcase_add_test (tc, test_group_refuses_strangers);
  tcase_add_test (tc, test_client);
  return s;
}

GST_CHECK_MAIN (mls_group);
