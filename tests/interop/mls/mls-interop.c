/*
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * libgste2ee's MLS engine (GstE2eeMlsClient, GstE2eeMlsGroup) against ts-mls, an
 * independent RFC 9420 implementation, as the other members of the same groups
 * (issue 14; docs/mls.md, "Interop with ts-mls"). ts-mls runs in node, driven through
 * tsmls-peer.h; only this side runs under valgrind or ASan.
 *
 * After every change of epoch every member, ours and ts-mls's, must have the same
 * epoch, the same "SFrame 1.0 Base Key" export (RFC 9605 §5.2), the same epoch
 * authenticator, byte-identical ratchet trees and the same member list, and our
 * security code and member fingerprints equal the ones the peer computes from ts-mls's
 * own epoch authenticator and leaves with docs/mls.md's functions (issue 17).
 *
 * Issue 17's removal case runs the elements too: a ts-mls member commits the removal
 * of a GStreamer member, whose e2eedec then decrypts none of the frames another
 * GStreamer member's e2eeenc sends after applying that commit.
 *
 * Without node or ts-mls (tests/interop/mls/node_modules, scripts/install-deps.sh)
 * the ts-mls cases are skipped and the binary exits 77, except under CI=true, where
 * that is a failure: CI installs them, so there the test must run.
 *
 * GST_E2EE_MLS_INTEROP_SEED=N repeats a run of the random case (it prints its seed).
 */
#include <gst/check/gstcheck.h>
#include <gst/e2ee/gste2eemlsclient.h>
#include <gst/e2ee/gste2eemlsgroup.h>
#include <gst/e2ee/gste2eemlscode.h>
#include <gst/e2ee/gste2eemlssuite.h>
#include <gst/e2ee/gste2eemlstree.h>
#include <valgrind/valgrind.h>
#include "tsmls-check.h"
#include "../../check/e2eecheck.h"

static GstE2eeMlsClient *
our_client (const gchar * name)
{
  GError *err = NULL;
  GBytes *id = bytes_of (name);
  GstE2eeMlsClient *c = gst_e2ee_mls_client_new (id, &err);

  g_bytes_unref (id);
  fail_unless (c != NULL, "gst_e2ee_mls_client_new: %s", err ? err->message : "");
  return c;
}

static GBytes *
our_key_package (GstE2eeMlsClient * c)
{
  GError *err = NULL;
  GBytes *kp = gst_e2ee_mls_client_create_key_package (c, &err);

  fail_unless (kp != NULL, "create_key_package: %s", err ? err->message : "");
  return kp;
}

static GstE2eeMlsGroup *
our_join (GstE2eeMlsClient * c, GBytes * welcome, GBytes * tree)
{
  GError *err = NULL;
  GstE2eeMlsGroup *g = gst_e2ee_mls_group_join (c, welcome, tree, &err);

  fail_unless (g != NULL, "gst_e2ee_mls_group_join: %s", err ? err->message : "");
  return g;
}

/* Our member handles @message, which must be of @kind; returns application data. */
static GBytes *
our_handle (GstE2eeMlsGroup * g, GBytes * message, GstE2eeMlsMessageKind kind)
{
  GError *err = NULL;
  GBytes *data = NULL;
  GstE2eeMlsMessageKind k = gst_e2ee_mls_group_handle (g, message, &data, &err);

  fail_unless (k == kind, "gst_e2ee_mls_group_handle: kind %d, expected %d: %s", k, kind,
      err ? err->message : "no error");
  g_clear_error (&err);
  return data;
}

static GBytes *
our_base_key (GstE2eeMlsGroup * g)
{
  GError *err = NULL;
  GBytes *empty = g_bytes_new (NULL, 0);
  GBytes *k = gst_e2ee_mls_group_export_secret (g, BASE_KEY_LABEL, empty, 16, &err);

  g_bytes_unref (empty);
  fail_unless (k != NULL, "export_secret: %s", err ? err->message : "");
  return k;
}

static GBytes *
json_b64 (JsonObject * o, const gchar * name)
{
  GBytes *b = tsmls_get_bytes (o, name);

  fail_unless (b != NULL, "no %s in the ts-mls answer", name);
  return b;
}

/* Our member @g and ts-mls member @ts agree on everything the epoch determines. */
static void
assert_agree (GstE2eeMlsGroup * g, const gchar * ts)
{
  JsonObject *s = call (tsmls_request ("state", ts));
  JsonArray *list = json_object_get_array_member (s, "members");
  GPtrArray *members = gst_e2ee_mls_group_get_members (g);
  gchar *code;
  guint i;

  fail_unless_equals_uint64 (gst_e2ee_mls_group_get_epoch (g),
      (guint64) json_object_get_int_member (s, "epoch"));
  assert_same (our_base_key (g), json_b64 (s, "base_key"),
      "the \"" BASE_KEY_LABEL "\" exports");
  assert_same (gst_e2ee_mls_group_get_epoch_authenticator (g),
      json_b64 (s, "epoch_authenticator"), "the epoch authenticators");
  /* ts-mls's side computes the code from its own authenticator (tsmls-peer.mjs). */
  code = gst_e2ee_mls_group_get_security_code (g);
  fail_unless_equals_string (code, json_object_get_string_member (s, "security_code"));
  g_free (code);
  assert_same (gst_e2ee_mls_group_get_group_id (g), json_b64 (s, "group_id"),
      "the group IDs");
  assert_same (gst_e2ee_mls_group_get_ratchet_tree (g), ts_ratchet_tree (ts),
      "the ratchet trees");

  fail_unless_equals_int (members->len, json_array_get_length (list));
  for (i = 0; i < members->len; i++) {
    GstE2eeMlsMember *m = g_ptr_array_index (members, i);
    JsonObject *o = json_array_get_object_element (list, i);

    fail_unless_equals_int (gst_e2ee_mls_member_get_leaf_index (m),
        json_object_get_int_member (o, "leaf"));
    assert_same (gst_e2ee_mls_member_get_identity (m), json_b64 (o, "identity"),
        "the members' identities");
    assert_same (gst_e2ee_mls_member_get_signature_key (m),
        json_b64 (o, "signature_key"), "the members' signature keys");
    code = gst_e2ee_mls_member_get_fingerprint (m);
    fail_unless_equals_string (code, json_object_get_string_member (o, "fingerprint"));
    g_free (code);
  }
  g_ptr_array_unref (members);
  json_object_unref (s);
}

/* Application data from our member to a ts-mls member and back. */
static void
assert_application_both_ways (GstE2eeMlsGroup * g, const gchar * ts)
{
  GError *err = NULL;
  GBytes *hello = bytes_of ("hello from gst-e2ee");
  GBytes *reply = bytes_of ("hello from ts-mls");
  GBytes *msg = gst_e2ee_mls_group_protect (g, hello, &err);
  GBytes *got;

  fail_unless (msg != NULL, "protect: %s", err ? err->message : "");
  got = ts_process (ts, msg, "application");
  assert_bytes_equal (hello, got, "the application data ts-mls received");
  g_bytes_unref (got);
  g_bytes_unref (msg);

  msg = ts_protect (ts, reply);
  got = our_handle (g, msg, GST_E2EE_MLS_MESSAGE_KIND_APPLICATION);
  assert_bytes_equal (got, reply, "the application data we received");
  g_bytes_unref (got);
  g_bytes_unref (msg);
  g_bytes_unref (hello);
  g_bytes_unref (reply);
}

/* Our member @g (with the ratchet_tree extension on) adds a new ts-mls member @name,
 * which joins from the Welcome; returns the commit for the other members. */
static GBytes *
our_add_ts_member (GstE2eeMlsGroup * g, const gchar * name)
{
  GError *err = NULL;
  GBytes *kp = ts_new_member (name), *welcome = NULL;
  GBytes *commit = gst_e2ee_mls_group_add (g, kp, &welcome, &err);

  fail_unless (commit != NULL && welcome != NULL, "add: %s", err ? err->message : "");
  ts_join (name, welcome, NULL);
  g_bytes_unref (kp);
  g_bytes_unref (welcome);
  return commit;
}

/* The removed member @g learns it is out from @commit, by the commit's kind or by
 * the error saying so; either way it is no longer active. */
static void
assert_removed_by (GstE2eeMlsGroup * g, GBytes * commit)
{
  GError *err = NULL;
  GstE2eeMlsMessageKind k = gst_e2ee_mls_group_handle (g, commit, NULL, &err);

  fail_unless (k == GST_E2EE_MLS_MESSAGE_KIND_COMMIT || g_error_matches (err,
          GST_E2EE_MLS_ERROR, GST_E2EE_MLS_ERROR_NOT_A_MEMBER), "handling its removal: %s",
      err ? err->message : "");
  g_clear_error (&err);
  fail_if (gst_e2ee_mls_group_is_active (g));
}

/* ---- scenario 1: ts-mls creates the group and adds us --------------------- */

GST_START_TEST (test_tsmls_creates_we_join)
{
  GstE2eeMlsClient *c1 = our_client ("gst-1"), *c2 = our_client ("gst-2");
  GstE2eeMlsClient *c3 = our_client ("gst-3");
  GstE2eeMlsGroup *g1, *g2, *g3;
  GBytes *kp, *commit, *welcome, *tree;
  GError *err = NULL;

  peer_begin ();
  g_bytes_unref (ts_new_member ("ts"));
  ts_create ("ts", "created by ts-mls");

  /* The Welcome without the ratchet_tree extension (ts-mls's default): the tree
   * comes separately, and joining without it says what is missing. */
  kp = our_key_package (c1);
  commit = ts_add ("ts", kp, FALSE, FALSE, &welcome);
  fail_unless (gst_e2ee_mls_group_join (c1, welcome, NULL, &err) == NULL);
  fail_unless (g_error_matches (err, GST_E2EE_MLS_ERROR,
          GST_E2EE_MLS_ERROR_MISSING_RATCHET_TREE), "%s", err->message);
  g_clear_error (&err);
  tree = ts_ratchet_tree ("ts");
  g1 = our_join (c1, welcome, tree);
  fail_unless_equals_int (gst_e2ee_mls_group_get_own_leaf_index (g1), 1);
  assert_agree (g1, "ts");
  g_bytes_unref (kp);
  g_bytes_unref (commit);
  g_bytes_unref (welcome);
  g_bytes_unref (tree);

  /* With the extension: no tree given. */
  kp = our_key_package (c2);
  commit = ts_add ("ts", kp, TRUE, FALSE, &welcome);
  our_handle (g1, commit, GST_E2EE_MLS_MESSAGE_KIND_COMMIT);
  g2 = our_join (c2, welcome, NULL);
  assert_agree (g1, "ts");
  assert_agree (g2, "ts");
  g_bytes_unref (kp);
  g_bytes_unref (commit);
  g_bytes_unref (welcome);

  /* ts-mls's commit as a PublicMessage, its Welcome with the extension, and the tree
   * given as well: the two must be the same tree. */
  kp = our_key_package (c3);
  commit = ts_add ("ts", kp, TRUE, TRUE, &welcome);
  our_handle (g1, commit, GST_E2EE_MLS_MESSAGE_KIND_COMMIT);
  our_handle (g2, commit, GST_E2EE_MLS_MESSAGE_KIND_COMMIT);
  tree = ts_ratchet_tree ("ts");
  g3 = our_join (c3, welcome, tree);
  assert_agree (g1, "ts");
  assert_agree (g2, "ts");
  assert_agree (g3, "ts");
  assert_application_both_ways (g3, "ts");
  g_bytes_unref (kp);
  g_bytes_unref (commit);
  g_bytes_unref (welcome);
  g_bytes_unref (tree);

  peer_end ();
  g_object_unref (g1);
  g_object_unref (g2);
  g_object_unref (g3);
  g_object_unref (c1);
  g_object_unref (c2);
  g_object_unref (c3);
}

GST_END_TEST;

/* ---- scenario 2: we create the group and add ts-mls members --------------- */

GST_START_TEST (test_we_create_tsmls_joins)
{
  GstE2eeMlsClient *c = our_client ("gst");
  GBytes *id = bytes_of ("created by gst-e2ee");
  GError *err = NULL;
  GstE2eeMlsGroup *g = gst_e2ee_mls_group_create (c, id, &err);
  GBytes *kp, *commit, *welcome = NULL, *tree;

  fail_unless (g != NULL, "gst_e2ee_mls_group_create: %s", err ? err->message : "");
  peer_begin ();

  /* Our Welcome without the extension: ts-mls gets the tree separately. */
  gst_e2ee_mls_group_set_ratchet_tree_extension (g, FALSE);
  kp = ts_new_member ("ts1");
  commit = gst_e2ee_mls_group_add (g, kp, &welcome, &err);
  fail_unless (commit != NULL && welcome != NULL, "add: %s", err ? err->message : "");
  tree = gst_e2ee_mls_group_get_ratchet_tree (g);
  ts_join ("ts1", welcome, tree);
  fail_unless_equals_int (ts_leaf ("ts1"), 1);
  assert_agree (g, "ts1");
  g_bytes_unref (kp);
  g_bytes_unref (commit);
  g_bytes_unref (welcome);
  g_bytes_unref (tree);

  /* With the extension: ts-mls takes the tree from the GroupInfo. */
  gst_e2ee_mls_group_set_ratchet_tree_extension (g, TRUE);
  kp = ts_new_member ("ts2");
  commit = gst_e2ee_mls_group_add (g, kp, &welcome, &err);
  fail_unless (commit != NULL && welcome != NULL, "add: %s", err ? err->message : "");
  ts_process ("ts1", commit, "commit");
  ts_join ("ts2", welcome, NULL);
  assert_agree (g, "ts1");
  assert_agree (g, "ts2");
  assert_application_both_ways (g, "ts1");
  assert_application_both_ways (g, "ts2");
  g_bytes_unref (kp);
  g_bytes_unref (commit);
  g_bytes_unref (welcome);

  peer_end ();
  g_bytes_unref (id);
  g_object_unref (g);
  g_object_unref (c);
}

GST_END_TEST;

/* ---- scenario 3: commits and proposals by either side ---------------------- */

GST_START_TEST (test_commits_both_ways)
{
  GstE2eeMlsClient *c0 = our_client ("gst-0"), *c2 = our_client ("gst-2");
  GBytes *id = bytes_of ("both ways");
  GError *err = NULL;
  GstE2eeMlsGroup *g0 = gst_e2ee_mls_group_create (c0, id, &err), *g2;
  GBytes *kp, *commit, *welcome = NULL, *tree, *proposal;

  fail_unless (g0 != NULL, "create: %s", err ? err->message : "");
  peer_begin ();
  gst_e2ee_mls_group_set_ratchet_tree_extension (g0, TRUE);
  g_bytes_unref (our_add_ts_member (g0, "ts1"));

  /* ts-mls adds a third member, ours (leaf 2). */
  kp = our_key_package (c2);
  commit = ts_add ("ts1", kp, FALSE, FALSE, &welcome);
  our_handle (g0, commit, GST_E2EE_MLS_MESSAGE_KIND_COMMIT);
  tree = ts_ratchet_tree ("ts1");
  g2 = our_join (c2, welcome, tree);
  assert_agree (g0, "ts1");
  assert_agree (g2, "ts1");
  g_bytes_unref (kp);
  g_bytes_unref (commit);
  g_bytes_unref (welcome);
  g_bytes_unref (tree);

  /* We add a fourth, ts-mls's (leaf 3). */
  kp = ts_new_member ("ts3");
  commit = gst_e2ee_mls_group_add (g2, kp, &welcome, &err);
  fail_unless (commit != NULL, "add: %s", err ? err->message : "");
  our_handle (g0, commit, GST_E2EE_MLS_MESSAGE_KIND_COMMIT);
  ts_process ("ts1", commit, "commit");
  ts_join ("ts3", welcome, NULL);
  assert_agree (g0, "ts3");
  assert_agree (g2, "ts1");
  g_bytes_unref (kp);
  g_bytes_unref (commit);
  g_bytes_unref (welcome);

  /* Updates (full paths) by each side, as PrivateMessage and PublicMessage. */
  commit = ts_update ("ts1", FALSE);
  our_handle (g0, commit, GST_E2EE_MLS_MESSAGE_KIND_COMMIT);
  our_handle (g2, commit, GST_E2EE_MLS_MESSAGE_KIND_COMMIT);
  ts_process ("ts3", commit, "commit");
  g_bytes_unref (commit);
  commit = ts_update ("ts3", TRUE);
  our_handle (g0, commit, GST_E2EE_MLS_MESSAGE_KIND_COMMIT);
  our_handle (g2, commit, GST_E2EE_MLS_MESSAGE_KIND_COMMIT);
  ts_process ("ts1", commit, "commit");
  g_bytes_unref (commit);
  commit = gst_e2ee_mls_group_update (g0, &err);
  fail_unless (commit != NULL, "update: %s", err ? err->message : "");
  our_handle (g2, commit, GST_E2EE_MLS_MESSAGE_KIND_COMMIT);
  ts_process ("ts1", commit, "commit");
  ts_process ("ts3", commit, "commit");
  g_bytes_unref (commit);
  assert_agree (g0, "ts1");
  assert_agree (g2, "ts3");

  /* Our Update proposal, committed by ts-mls: our new leaf key must work. */
  proposal = gst_e2ee_mls_group_propose_update (g2, &err);
  fail_unless (proposal != NULL, "propose_update: %s", err ? err->message : "");
  our_handle (g0, proposal, GST_E2EE_MLS_MESSAGE_KIND_PROPOSAL);
  ts_process ("ts1", proposal, "proposal");
  ts_process ("ts3", proposal, "proposal");
  commit = ts_commit ("ts1", FALSE, FALSE, &welcome);
  fail_unless (welcome == NULL);
  our_handle (g0, commit, GST_E2EE_MLS_MESSAGE_KIND_COMMIT);
  our_handle (g2, commit, GST_E2EE_MLS_MESSAGE_KIND_COMMIT);
  ts_process ("ts3", commit, "commit");
  assert_agree (g2, "ts3");
  assert_application_both_ways (g2, "ts3");
  g_bytes_unref (proposal);
  g_bytes_unref (commit);

  /* ts-mls proposes removing ts3 (a PublicMessage); we commit it. */
  {
    JsonBuilder *b = tsmls_request ("propose_remove", "ts1");

    tsmls_add_int (b, "leaf", 3);
    tsmls_add_bool (b, "public", TRUE);
    proposal = call_bytes (b, "proposal");
  }
  our_handle (g0, proposal, GST_E2EE_MLS_MESSAGE_KIND_PROPOSAL);
  our_handle (g2, proposal, GST_E2EE_MLS_MESSAGE_KIND_PROPOSAL);
  ts_process ("ts3", proposal, "proposal");
  fail_unless_equals_int (gst_e2ee_mls_group_get_n_pending_proposals (g2), 1);
  commit = gst_e2ee_mls_group_commit (g2, &welcome, &err);
  fail_unless (commit != NULL, "commit: %s", err ? err->message : "");
  fail_unless (welcome == NULL);
  our_handle (g0, commit, GST_E2EE_MLS_MESSAGE_KIND_COMMIT);
  ts_process ("ts1", commit, "commit");
  ts_process ("ts3", commit, "commit");
  {
    GPtrArray *list = gst_e2ee_mls_group_get_members (g0);

    fail_unless_equals_int (list->len, 3);
    g_ptr_array_unref (list);
  }
  assert_agree (g0, "ts1");
  assert_agree (g2, "ts1");
  g_bytes_unref (proposal);
  g_bytes_unref (commit);

  /* We propose adding a ts-mls member; ts-mls commits it and welcomes it. */
  kp = ts_new_member ("ts4");
  proposal = gst_e2ee_mls_group_propose_add (g0, kp, &err);
  fail_unless (proposal != NULL, "propose_add: %s", err ? err->message : "");
  our_handle (g2, proposal, GST_E2EE_MLS_MESSAGE_KIND_PROPOSAL);
  ts_process ("ts1", proposal, "proposal");
  commit = ts_commit ("ts1", FALSE, TRUE, &welcome);
  fail_unless (welcome != NULL);
  our_handle (g0, commit, GST_E2EE_MLS_MESSAGE_KIND_COMMIT);
  our_handle (g2, commit, GST_E2EE_MLS_MESSAGE_KIND_COMMIT);
  tree = ts_ratchet_tree ("ts1");
  ts_join ("ts4", welcome, tree);
  assert_agree (g0, "ts4");
  assert_agree (g2, "ts1");
  g_bytes_unref (kp);
  g_bytes_unref (proposal);
  g_bytes_unref (commit);
  g_bytes_unref (welcome);
  g_bytes_unref (tree);

  /* ts-mls removes one of ours (g2, leaf 2); then we remove ts-mls's ts1. */
  commit = ts_remove ("ts1", 2, FALSE);
  our_handle (g0, commit, GST_E2EE_MLS_MESSAGE_KIND_COMMIT);
  ts_process ("ts4", commit, "commit");
  assert_removed_by (g2, commit);
  assert_agree (g0, "ts1");
  g_bytes_unref (commit);
  commit = gst_e2ee_mls_group_remove (g0, 1, &err);
  fail_unless (commit != NULL, "remove: %s", err ? err->message : "");
  ts_process ("ts4", commit, "commit");
  {
    JsonBuilder *b = tsmls_request ("process", "ts1");
    JsonObject *a;

    tsmls_add_bytes (b, "message", commit);
    a = call (b);
    fail_unless (json_object_get_boolean_member_with_default (a, "removed", FALSE));
    json_object_unref (a);
  }
  assert_agree (g0, "ts4");
  assert_application_both_ways (g0, "ts4");
  g_bytes_unref (commit);

  peer_end ();
  g_bytes_unref (id);
  g_object_unref (g0);
  g_object_unref (g2);
  g_object_unref (c0);
  g_object_unref (c2);
}

GST_END_TEST;

/* ---- scenario 4: random operations by random committers ------------------- */

typedef struct
{
  gchar *name;
  GstE2eeMlsClient *client;     /* ours only */
  GstE2eeMlsGroup *group;       /* ours only */
} Member;

static gboolean
is_ours (const Member * m)
{
  return m->client != NULL;
}

static guint32
leaf_of (const Member * m)
{
  return is_ours (m) ? gst_e2ee_mls_group_get_own_leaf_index (m->group) : ts_leaf (m->name);
}

static void
member_free (gpointer p)
{
  Member *m = p;

  if (m->group != NULL)
    g_object_unref (m->group);
  if (m->client != NULL)
    g_object_unref (m->client);
  g_free (m->name);
  g_free (m);
}

/* Everyone but @sender handles @msg (a commit or a proposal). @removed (if not NULL)
 * is the member the commit removes: one of ours learns it is out either from the
 * commit or from an error that says so (GST_E2EE_MLS_ERROR_NOT_A_MEMBER). */
static void
deliver (GPtrArray * members, const Member * sender, GBytes * msg, gboolean commit,
    Member * removed)
{
  guint i;

  for (i = 0; i < members->len; i++) {
    Member *m = g_ptr_array_index (members, i);

    if (m == sender)
      continue;
    if (is_ours (m) && m == removed && commit)
      assert_removed_by (m->group, msg);
    else if (is_ours (m)) {
      our_handle (m->group, msg, commit ? GST_E2EE_MLS_MESSAGE_KIND_COMMIT :
          GST_E2EE_MLS_MESSAGE_KIND_PROPOSAL);
    } else {
      g_bytes_unref (ts_process (m->name, msg, commit ? "commit" : "proposal"));
    }
  }
}

/* Every member agrees with the first ts-mls member, or (none of those left) all of
 * ours export the same as the first one. */
static void
assert_all_agree (GPtrArray * members)
{
  const Member *ts = NULL;
  GBytes *reference = NULL;
  guint i;

  for (i = 0; i < members->len && ts == NULL; i++)
    if (!is_ours (g_ptr_array_index (members, i)))
      ts = g_ptr_array_index (members, i);
  for (i = 0; i < members->len; i++) {
    Member *m = g_ptr_array_index (members, i);

    if (!is_ours (m))
      continue;
    if (ts != NULL) {
      assert_agree (m->group, ts->name);
    } else if (reference == NULL) {
      reference = our_base_key (m->group);
    } else {
      GBytes *k = our_base_key (m->group);

      assert_bytes_equal (k, reference, "our members' exports");
      g_bytes_unref (k);
    }
  }
  if (reference != NULL)
    g_bytes_unref (reference);
  /* Every pair of ts-mls members through one of ours is covered above when there
   * is one of ours; with ts-mls members only, compare them directly. */
  if (ts != NULL) {
    JsonObject *s0 = call (tsmls_request ("state", ts->name));

    for (i = 0; i < members->len; i++) {
      Member *m = g_ptr_array_index (members, i);
      JsonObject *s;

      if (is_ours (m) || m == ts)
        continue;
      s = call (tsmls_request ("state", m->name));
      fail_unless_equals_string (json_object_get_string_member (s, "base_key"),
          json_object_get_string_member (s0, "base_key"));
      fail_unless_equals_string (json_object_get_string_member (s, "epoch_authenticator"),
          json_object_get_string_member (s0, "epoch_authenticator"));
      json_object_unref (s);
    }
    json_object_unref (s0);
  }
}

/* A new member of either implementation; its KeyPackage in *kp. */
static Member *
new_member (GRand * r, guint serial, GBytes ** kp)
{
  Member *m = g_new0 (Member, 1);

  if (g_rand_boolean (r)) {
    m->name = g_strdup_printf ("gst-%u", serial);
    m->client = our_client (m->name);
    *kp = our_key_package (m->client);
  } else {
    m->name = g_strdup_printf ("ts-%u", serial);
    *kp = ts_new_member (m->name);
  }
  return m;
}

/* ts-mls 1.6.4's check of a joined tree (validateRatchetTree()) requires every
 * non-blank node on an unmerged leaf's direct path, above the node that lists it too,
 * to list exactly the same unmerged leaves; RFC 9420 §12.4.3.1 asks only that the
 * nodes between the leaf and that node list the leaf. A commit with a path after an
 * add makes such trees (the path's nodes start with no unmerged leaves), and ts-mls
 * then refuses a valid Welcome with this message. */
#define TSMLS_UNMERGED_BUG "non-blank intermediate node must list leaf node in its unmerged_leaves"

/* The tree @g's members hold passes our own validation (§12.4.3.1). */
static void
assert_tree_valid (GstE2eeMlsGroup * g)
{
  const GstE2eeMlsSuite *suite = gst_e2ee_mls_suite_lookup (1, NULL);
  GBytes *bytes = gst_e2ee_mls_group_get_ratchet_tree (g);
  GBytes *id = gst_e2ee_mls_group_get_group_id (g);
  GError *err = NULL;
  gsize len, id_len;
  const guint8 *data = g_bytes_get_data (bytes, &len);
  const guint8 *id_data = g_bytes_get_data (id, &id_len);
  GstE2eeMlsTree *tree = gst_e2ee_mls_tree_decode (suite, data, len, &err);

  fail_unless (tree != NULL, "%s", err ? err->message : "");
  fail_unless (gst_e2ee_mls_tree_validate (tree, id_data, id_len, &err), "%s",
      err ? err->message : "");
  gst_e2ee_mls_tree_free (tree);
  g_bytes_unref (id);
  g_bytes_unref (bytes);
}

/* @joiner joins from @welcome, made by @committer with or without the extension
 * (with it, the tree is given as well one time in four). FALSE if the joiner is
 * ts-mls's and refused a valid tree (TSMLS_UNMERGED_BUG). */
static gboolean
join_member (GRand * r, Member * joiner, Member * committer, GBytes * welcome,
    gboolean with_ext, GPtrArray * members)
{
  GBytes *tree = NULL;
  JsonBuilder *b;
  JsonObject *a;
  GError *err = NULL;
  guint i;

  if (!with_ext || g_rand_int_range (r, 0, 4) == 0)
    tree = is_ours (committer) ? gst_e2ee_mls_group_get_ratchet_tree (committer->group)
        : ts_ratchet_tree (committer->name);
  if (joiner->client != NULL) {
    joiner->group = our_join (joiner->client, welcome, tree);
    if (tree != NULL)
      g_bytes_unref (tree);
    return TRUE;
  }
  b = tsmls_request ("join", joiner->name);
  tsmls_add_bytes (b, "welcome", welcome);
  if (tree != NULL) {
    tsmls_add_bytes (b, "ratchet_tree", tree);
    g_bytes_unref (tree);
  }
  a = tsmls_peer_call (the_peer, b, PEER_TIMEOUT, &err);
  if (a != NULL) {
    json_object_unref (a);
    return TRUE;
  }
  fail_unless (strstr (err->message, TSMLS_UNMERGED_BUG) != NULL, "%s", err->message);
  g_clear_error (&err);
  /* Every member holds that tree; ours must find it valid. */
  for (i = 0; i < members->len; i++) {
    Member *m = g_ptr_array_index (members, i);

    if (is_ours (m))
      assert_tree_valid (m->group);
  }
  return FALSE;
}

/* The leaf of the member called @name in @viewer's view of the group. */
static guint32
leaf_named (Member * viewer, const gchar * name)
{
  guint32 leaf = G_MAXUINT32;
  guint i;

  if (is_ours (viewer)) {
    GPtrArray *list = gst_e2ee_mls_group_get_members (viewer->group);

    for (i = 0; i < list->len; i++) {
      GBytes *id = gst_e2ee_mls_member_get_identity (g_ptr_array_index (list, i));
      GBytes *want = bytes_of (name);

      if (g_bytes_equal (id, want))
        leaf = gst_e2ee_mls_member_get_leaf_index (g_ptr_array_index (list, i));
      g_bytes_unref (id);
      g_bytes_unref (want);
    }
    g_ptr_array_unref (list);
  } else {
    JsonObject *st = call (tsmls_request ("state", viewer->name));
    JsonArray *list = json_object_get_array_member (st, "members");
    gchar *want = g_base64_encode ((const guchar *) name, strlen (name));

    for (i = 0; i < json_array_get_length (list); i++) {
      JsonObject *o = json_array_get_object_element (list, i);

      if (g_strcmp0 (json_object_get_string_member (o, "identity"), want) == 0)
        leaf = (guint32) json_object_get_int_member (o, "leaf");
    }
    g_free (want);
    json_object_unref (st);
  }
  fail_unless (leaf != G_MAXUINT32, "no member %s", name);
  return leaf;
}

/* ts-mls 1.6.4 takes the commit secret from a path secret derived once more for every
 * blank node between the last node of the committer's filtered direct path and the
 * root (pathToRoot() in its pathSecrets.js); RFC 9420 §12.4.2 takes path_secret[n+1]
 * right after the last node of the UpdatePath. The two differ, and the other side
 * refuses the commit ("the MAC tag does not match"), exactly when the root is not on
 * the filtered direct path: the half of the tree without the committer is all blank.
 * TRUE if a commit by @c after @removed (or none) leaves the tree so. */
static gboolean
tsmls_root_off_path (Member * c, const Member * removed)
{
  const GstE2eeMlsSuite *suite = gst_e2ee_mls_suite_lookup (1, NULL);
  GBytes *bytes = is_ours (c) ? gst_e2ee_mls_group_get_ratchet_tree (c->group)
      : ts_ratchet_tree (c->name);
  GError *err = NULL;
  gsize len;
  const guint8 *data = g_bytes_get_data (bytes, &len);
  GstE2eeMlsTree *tree = gst_e2ee_mls_tree_decode (suite, data, len, &err);
  GArray *direct = g_array_new (FALSE, FALSE, sizeof (guint32));
  GArray *filtered = g_array_new (FALSE, FALSE, sizeof (guint32));
  gboolean off;

  fail_unless (tree != NULL, "%s", err ? err->message : "");
  if (removed != NULL) {
    fail_unless (gst_e2ee_mls_tree_remove_leaf (tree, leaf_of (removed), &err), "%s",
        err ? err->message : "");
    gst_e2ee_mls_tree_truncate (tree);
  }
  gst_e2ee_mls_tree_direct_path (tree, leaf_of (c), direct);
  gst_e2ee_mls_tree_filtered_direct_path (tree, leaf_of (c), filtered, NULL);
  off = direct->len > 0 && (filtered->len == 0 ||
      g_array_index (filtered, guint32, filtered->len - 1) !=
      g_array_index (direct, guint32, direct->len - 1));
  g_array_unref (direct);
  g_array_unref (filtered);
  gst_e2ee_mls_tree_free (tree);
  g_bytes_unref (bytes);
  return off;
}

/* A member other than @a and @b (either may be NULL). */
static Member *
pick_other (GRand * r, GPtrArray * members, const Member * a, const Member * b)
{
  Member *m;

  do
    m = g_ptr_array_index (members, g_rand_int_range (r, 0, (gint32) members->len));
  while (m == a || m == b);
  return m;
}

GST_START_TEST (test_random_epochs)
{
  const gchar *env = g_getenv ("GST_E2EE_MLS_INTEROP_SEED");
  guint32 seed = env ? (guint32) g_ascii_strtoull (env, NULL, 10) : g_random_int ();
  GRand *r = g_rand_new_with_seed (seed);
  /* 20 epochs at least (issue 14); fewer members under valgrind, where our side
   * runs some 50 times slower. */
  guint epochs = RUNNING_ON_VALGRIND ? 20 : 40;
  guint max_members = RUNNING_ON_VALGRIND ? 5 : 10;
  GPtrArray *members = g_ptr_array_new_with_free_func (member_free);
  GError *err = NULL;
  guint serial = 0, e, adds = 0, removes = 0, updates = 0, proposals = 0, apps = 0;
  guint refusals = 0, root_off = 0;
  Member *creator;
  GBytes *id = bytes_of ("random");

  g_print ("mls interop: random operations with seed %u "
      "(GST_E2EE_MLS_INTEROP_SEED=%u repeats them)\n", seed, seed);
  peer_begin ();

  {
    GBytes *kp;

    creator = new_member (r, serial++, &kp);
    if (is_ours (creator)) {
      creator->group = gst_e2ee_mls_group_create (creator->client, id, &err);
      fail_unless (creator->group != NULL, "create: %s", err ? err->message : "");
    } else {
      ts_create (creator->name, "random");
    }
    g_bytes_unref (kp);
    g_ptr_array_add (members, creator);
  }

  for (e = 0; e < epochs; e++) {
    Member *c = g_ptr_array_index (members, g_rand_int_range (r, 0, (gint32) members->len));
    guint n = members->len;
    gint op = n < 2 ? 0 : g_rand_int_range (r, 0, 4);
    gboolean ext = g_rand_boolean (r), public = g_rand_boolean (r);
    GBytes *commit = NULL, *welcome = NULL;
    Member *joiner = NULL, *victim = NULL;

    if (op == 0 && n >= max_members)
      op = 1;
    if (op == 1 && n <= 2)
      op = 2;
    if (op == 1)
      victim = pick_other (r, members, c, NULL);
    if ((op == 1 || op == 2) && tsmls_root_off_path (c, victim)) {
      /* An add puts the joiner in the blank half, so the root is on the path. */
      g_print ("mls interop: epoch %u: a commit by %s%s%s would leave the root off its "
          "filtered direct path, where ts-mls 1.6.4's commit secret is not RFC 9420's; "
          "it adds a member instead\n", e + 1, c->name, victim ? " removing " : "",
          victim ? victim->name : "");
      op = 0;
      victim = NULL;
      root_off++;
    }
    if (is_ours (c))
      gst_e2ee_mls_group_set_ratchet_tree_extension (c->group, ext);

    if (op == 0) {              /* add */
      GBytes *kp;

      joiner = new_member (r, serial++, &kp);
      if (is_ours (c))
        commit = gst_e2ee_mls_group_add (c->group, kp, &welcome, &err);
      else
        commit = ts_add (c->name, kp, ext, public, &welcome);
      g_bytes_unref (kp);
      adds++;
    } else if (op == 1) {       /* remove someone else (picked above) */
      g_assert (victim != NULL);
      if (is_ours (c))
        commit = gst_e2ee_mls_group_remove (c->group, leaf_of (victim), &err);
      else
        commit = ts_remove (c->name, leaf_of (victim), public);
      removes++;
    } else if (op == 2) {       /* update */
      if (is_ours (c))
        commit = gst_e2ee_mls_group_update (c->group, &err);
      else
        commit = ts_update (c->name, public);
      updates++;
    } else {                    /* a proposal by one member, committed by another */
      Member *p = pick_other (r, members, c, NULL);
      GBytes *proposal;
      /* add, remove (of a third member) or update (ts-mls proposes no updates) */
      gint kind = g_rand_int_range (r, 0, is_ours (p) ? 3 : 2);

      if (kind == 0 && n >= max_members)
        kind = 1;
      if (kind == 1 && n < 3)
        kind = 0;
      if (kind == 1)
        victim = pick_other (r, members, c, p);
      if (kind != 0 && tsmls_root_off_path (c, victim)) {
        g_print ("mls interop: epoch %u: a commit by %s%s%s would leave the root off its "
            "filtered direct path, where ts-mls 1.6.4's commit secret is not RFC 9420's; "
            "%s proposes an add instead\n", e + 1, c->name, victim ? " removing " : "",
            victim ? victim->name : "", p->name);
        kind = 0;
        victim = NULL;
        root_off++;
      }
      if (kind == 0) {
        GBytes *kp;

        joiner = new_member (r, serial++, &kp);
        if (is_ours (p)) {
          proposal = gst_e2ee_mls_group_propose_add (p->group, kp, &err);
        } else {
          JsonBuilder *b = tsmls_request ("propose_add", p->name);

          tsmls_add_bytes (b, "key_package", kp);
          tsmls_add_bool (b, "public", public);
          proposal = call_bytes (b, "proposal");
        }
        g_bytes_unref (kp);
      } else if (kind == 2) {
        proposal = gst_e2ee_mls_group_propose_update (p->group, &err);
      } else {
        g_assert (victim != NULL);
        if (is_ours (p)) {
          proposal = gst_e2ee_mls_group_propose_remove (p->group, leaf_of (victim), &err);
        } else {
          JsonBuilder *b = tsmls_request ("propose_remove", p->name);

          tsmls_add_int (b, "leaf", leaf_of (victim));
          tsmls_add_bool (b, "public", public);
          proposal = call_bytes (b, "proposal");
        }
      }
      fail_unless (proposal != NULL, "proposal: %s", err ? err->message : "");
      g_print ("mls interop: epoch %u: %s proposes %s\n", e + 1, p->name,
          (const gchar *[]) {"an add", "a remove", "an update"}[kind]);
      deliver (members, p, proposal, FALSE, NULL);
      g_bytes_unref (proposal);
      if (is_ours (c))
        commit = gst_e2ee_mls_group_commit (c->group, &welcome, &err);
      else
        commit = ts_commit (c->name, ext, public, &welcome);
      proposals++;
    }
    fail_unless (commit != NULL, "epoch %u: the commit failed: %s", e,
        err ? err->message : "");
    g_print ("mls interop: epoch %u: %s %s%s%s%s%s\n", e + 1, c->name,
        (const gchar *[]) {"adds", "removes", "updates", "commits"}[op],
        joiner ? " " : "", joiner ? joiner->name : "", victim ? " " : "",
        victim ? victim->name : "");
    deliver (members, c, commit, TRUE, victim);
    g_bytes_unref (commit);
    if (victim != NULL)
      g_ptr_array_remove (members, victim);
    if (joiner != NULL) {
      fail_unless (welcome != NULL);
      if (join_member (r, joiner, c, welcome, ext, members)) {
        g_ptr_array_add (members, joiner);
      } else {
        /* ts-mls refused a valid tree: the members agree on the tree with the
         * joiner's leaf in it; the committer removes that leaf again. */
        guint32 leaf = leaf_named (c, joiner->name);

        g_print ("mls interop: epoch %u: ts-mls refused a valid tree when %s joined "
            "(ts-mls 1.6.4: \"%s\"); %s removes leaf %u\n", e + 1, joiner->name,
            TSMLS_UNMERGED_BUG, c->name, leaf);
        assert_all_agree (members);
        g_bytes_unref (welcome);
        welcome = NULL;
        commit = is_ours (c) ? gst_e2ee_mls_group_remove (c->group, leaf, &err)
            : ts_remove (c->name, leaf, public);
        fail_unless (commit != NULL, "remove: %s", err ? err->message : "");
        deliver (members, c, commit, TRUE, NULL);
        g_bytes_unref (commit);
        member_free (joiner);
        refusals++;
      }
    }
    if (welcome != NULL)
      g_bytes_unref (welcome);
    assert_all_agree (members);

    /* Application data from a random member to all the others. */
    if (g_rand_boolean (r)) {
      Member *s = g_ptr_array_index (members, g_rand_int_range (r, 0, (gint32) members->len));
      gchar *text = g_strdup_printf ("epoch %u from %s", e + 1, s->name);
      GBytes *data = bytes_of (text), *msg;
      guint i;

      msg = is_ours (s) ? gst_e2ee_mls_group_protect (s->group, data, &err)
          : ts_protect (s->name, data);
      fail_unless (msg != NULL, "protect: %s", err ? err->message : "");
      for (i = 0; i < members->len; i++) {
        Member *m = g_ptr_array_index (members, i);
        GBytes *got;

        if (m == s)
          continue;
        got = is_ours (m) ? our_handle (m->group, msg, GST_E2EE_MLS_MESSAGE_KIND_APPLICATION)
            : ts_process (m->name, msg, "application");
        assert_bytes_equal (got, data, "the application data");
        g_bytes_unref (got);
      }
      g_bytes_unref (msg);
      g_bytes_unref (data);
      g_free (text);
      apps++;
    }
  }
  g_print ("mls interop: %u epochs (%u adds, %u removes, %u updates, %u committed "
      "proposals), %u application messages, %u members at the end; %u joins of ts-mls "
      "refused for ts-mls's tree check (each undone by one more epoch); %u commits "
      "turned into adds for ts-mls's commit secret\n", epochs, adds,
      removes, updates, proposals, apps, members->len, refusals, root_off);

  peer_end ();
  g_ptr_array_unref (members);
  g_bytes_unref (id);
  g_rand_free (r);
}

GST_END_TEST;

/* ---- tampered commits ------------------------------------------------------ */

/* @g must refuse @msg and stay exactly where it was. */
static void
assert_refused (GstE2eeMlsGroup * g, GBytes * msg, const gchar * what)
{
  GError *err = NULL;
  guint64 epoch = gst_e2ee_mls_group_get_epoch (g);
  GBytes *before = our_base_key (g), *after;
  GstE2eeMlsMessageKind k = gst_e2ee_mls_group_handle (g, msg, NULL, &err);

  fail_unless (k == GST_E2EE_MLS_MESSAGE_KIND_NONE && err != NULL,
      "%s was accepted (kind %d)", what, k);
  fail_unless (err->domain == GST_E2EE_MLS_ERROR, "%s: %s", what, err->message);
  g_clear_error (&err);
  fail_unless_equals_uint64 (gst_e2ee_mls_group_get_epoch (g), epoch);
  after = our_base_key (g);
  assert_bytes_equal (after, before, "the exports before and after a refused commit");
  g_bytes_unref (before);
  g_bytes_unref (after);
}

static void
assert_refused_with (GstE2eeMlsGroup * g, GBytes * msg, gint code, const gchar * what)
{
  GError *err = NULL;
  GstE2eeMlsMessageKind k = gst_e2ee_mls_group_handle (g, msg, NULL, &err);

  fail_unless (k == GST_E2EE_MLS_MESSAGE_KIND_NONE);
  fail_unless (g_error_matches (err, GST_E2EE_MLS_ERROR, code), "%s: %s (code %d)", what,
      err ? err->message : "accepted", err ? err->code : 0);
  g_clear_error (&err);
}

/* Every single-bit change of @commit is refused by @g (every @stride-th bit under
 * valgrind), and @g still takes the commit itself afterwards. */
static void
assert_every_bit_flip_refused (GstE2eeMlsGroup * g, GBytes * commit)
{
  gsize len, bit, tried = 0;
  const guint8 *orig = g_bytes_get_data (commit, &len);
  guint8 *copy = g_memdup2 (orig, len);
  gsize stride = RUNNING_ON_VALGRIND ? 61 : 1;
  GBytes *before = our_base_key (g);

  for (bit = 0; bit < len * 8; bit += stride) {
    GBytes *bad;
    GError *err = NULL;
    GstE2eeMlsMessageKind k;

    copy[bit / 8] ^= (guint8) (1u << (bit % 8));
    bad = g_bytes_new (copy, len);
    k = gst_e2ee_mls_group_handle (g, bad, NULL, &err);
    fail_unless (k == GST_E2EE_MLS_MESSAGE_KIND_NONE && err != NULL,
        "the commit with bit %" G_GSIZE_FORMAT " flipped was accepted", bit);
    g_clear_error (&err);
    g_bytes_unref (bad);
    copy[bit / 8] ^= (guint8) (1u << (bit % 8));
    tried++;
  }
  {
    GBytes *after = our_base_key (g);

    assert_bytes_equal (after, before, "the exports before and after the bit flips");
    g_bytes_unref (after);
  }
  g_bytes_unref (before);
  g_free (copy);
  fail_unless (tried > 0);
}

GST_START_TEST (test_tampered_commits)
{
  GstE2eeMlsClient *c0 = our_client ("gst-0");
  GBytes *id = bytes_of ("tamper");
  GError *err = NULL;
  GstE2eeMlsGroup *g0 = gst_e2ee_mls_group_create (c0, id, &err);
  GBytes *commit, *c1, *c2, *other;

  fail_unless (g0 != NULL, "create: %s", err ? err->message : "");
  peer_begin ();
  gst_e2ee_mls_group_set_ratchet_tree_extension (g0, TRUE);
  g_bytes_unref (our_add_ts_member (g0, "ts1"));
  commit = our_add_ts_member (g0, "ts2");
  ts_process ("ts1", commit, "commit");
  g_bytes_unref (commit);

  /* Two commits in a row by ts1 (epochs n -> n+1 -> n+2), one by ts2 for epoch n
   * that loses the race. */
  c1 = ts_update ("ts1", TRUE);
  c2 = ts_update ("ts1", FALSE);
  other = ts_update ("ts2", TRUE);

  /* One flipped bit anywhere, in a PublicMessage commit. */
  assert_every_bit_flip_refused (g0, c1);
  /* Reordered: the second commit before the first. */
  assert_refused_with (g0, c2, GST_E2EE_MLS_ERROR_WRONG_EPOCH, "the later commit first");
  assert_refused (g0, c2, "the later commit first");
  our_handle (g0, c1, GST_E2EE_MLS_MESSAGE_KIND_COMMIT);
  /* Replayed, and from the wrong (an earlier) epoch. */
  assert_refused_with (g0, c1, GST_E2EE_MLS_ERROR_WRONG_EPOCH, "the commit replayed");
  assert_refused (g0, c1, "the commit replayed");
  assert_refused (g0, other, "a commit of an epoch already left");
  /* One flipped bit anywhere, in a PrivateMessage commit. */
  assert_every_bit_flip_refused (g0, c2);
  our_handle (g0, c2, GST_E2EE_MLS_MESSAGE_KIND_COMMIT);
  assert_refused (g0, c2, "the commit replayed");
  assert_agree (g0, "ts1");

  g_bytes_unref (c1);
  g_bytes_unref (c2);
  g_bytes_unref (other);
  peer_end ();
  g_bytes_unref (id);
  g_object_unref (g0);
  g_object_unref (c0);
}

GST_END_TEST;

/* ---- scenario 6: ts-mls removes a GStreamer participant ------------------- */

#define REMOVAL_FRAMES 12u
#define REMOVAL_FRAME_SIZE 80

/* Frame @i: its own bytes, 20 ms apart. */
static GstBuffer *
removal_frame (guint i)
{
  guint8 data[REMOVAL_FRAME_SIZE];
  GstBuffer *buf;
  guint j;

  for (j = 0; j < sizeof data; j++)
    data[j] = (guint8) (i * 31 + j * 7 + 1);
  buf = gst_buffer_new_memdup (data, sizeof data);
  GST_BUFFER_PTS (buf) = i * 20 * GST_MSECOND;
  GST_BUFFER_DURATION (buf) = 20 * GST_MSECOND;
  return buf;
}

/* @plain is frame @i. */
static gboolean
is_removal_frame (GBytes * plain, guint i)
{
  GstBuffer *want = removal_frame (i);
  GBytes *w = buffer_bytes (want);
  gboolean same = g_bytes_equal (plain, w);

  g_bytes_unref (w);
  gst_buffer_unref (want);
  return same;
}

/* A encrypts frame @i through its e2eeenc; returns the SFrame frame and checks the
 * KID it carries. */
static GstBuffer *
removal_encrypt (GstHarness * enc, guint i, guint64 kid)
{
  GstBuffer *out;
  GstMapInfo map;
  guint64 got = G_MAXUINT64, ctr;

  out = push_pull (enc, removal_frame (i));
  fail_unless (gst_buffer_map (out, &map, GST_MAP_READ));
  fail_unless (gst_e2ee_sframe_header_parse (map.data, map.size, &got, &ctr, NULL,
          NULL));
  gst_buffer_unmap (out, &map);
  fail_unless_equals_uint64 (got, kid);
  return out;
}

/* B's e2eedec gets @frame (taken); TRUE if it decrypted it to frame @i. */
static gboolean
removal_deliver (GstHarness * dec, GstBuffer * frame, guint i)
{
  GstBuffer *out;
  GBytes *plain;

  fail_unless_equals_int (gst_harness_push (dec, frame), GST_FLOW_OK);
  out = gst_harness_try_pull (dec);
  if (out == NULL)
    return FALSE;
  plain = buffer_bytes (out);
  fail_unless (is_removal_frame (plain, i), "B's e2eedec gave other bytes than frame %u",
      i);
  g_bytes_unref (plain);
  gst_buffer_unref (out);
  return TRUE;
}

/* ts-mls member @ts adds our client @c, which joins from the Welcome (with the
 * extension); @other, if not NULL, handles the commit. */
static GstE2eeMlsGroup *
ts_admits (const gchar * ts, GstE2eeMlsClient * c, GstE2eeMlsGroup * other)
{
  GBytes *kp = our_key_package (c), *welcome = NULL;
  GBytes *commit = ts_add (ts, kp, TRUE, FALSE, &welcome);
  GstE2eeMlsGroup *g;

  if (other != NULL)
    our_handle (other, commit, GST_E2EE_MLS_MESSAGE_KIND_COMMIT);
  g = our_join (c, welcome, NULL);
  g_bytes_unref (kp);
  g_bytes_unref (welcome);
  g_bytes_unref (commit);
  return g;
}

static GstE2eeMlsKeys *
bind_store (GstE2eeMlsGroup * g, GstE2eeKeyStore * store)
{
  GError *err = NULL;
  GstE2eeMlsKeys *keys = gst_e2ee_mls_keys_new (g, store, &err);

  fail_unless (keys != NULL, "gst_e2ee_mls_keys_new: %s", err ? err->message : "");
  return keys;
}

static guint64
dec_stat (GstHarness * h, const gchar * field)
{
  GstStructure *s = NULL;
  guint64 v = G_MAXUINT64;

  g_object_get (h->element, "stats", &s, NULL);
  fail_unless (s != NULL && gst_structure_get_uint64 (s, field, &v), "no %s in stats",
      field);
  gst_structure_free (s);
  return v;
}

/* Issue 17: a ts-mls member T, not the browser, commits the removal of GStreamer
 * participant B. T created the group (leaf 0) and added A (leaf 1) and B (leaf 2);
 * A's and B's stores are provisioned by their GstE2eeMlsKeys. A sends through e2eeenc
 * under its own KID into B's e2eedec: every frame decrypts before the removal; of the
 * frames A sends after applying the commit, none, whether B has handled its removal
 * yet or not. A frame A sealed before applying it, delivered late, still decrypts at B
 * within the old epoch's grace period (docs/design.md, threat model). A's frames under
 * the new KID open with the key T's exporter gives for the new epoch. */
GST_START_TEST (test_tsmls_removes_gst_member)
{
  GstE2eeMlsClient *ca = our_client ("gst-a"), *cb = our_client ("gst-b");
  GstE2eeMlsGroup *ga, *gb;
  GstE2eeKeyStore *sa = gst_e2ee_key_store_new (), *sb = gst_e2ee_key_store_new ();
  GstE2eeMlsKeys *ka, *kb;
  GstElement *enc = gst_element_factory_make ("e2eeenc", NULL);
  GstElement *dec = gst_element_factory_make ("e2eedec", NULL);
  GstHarness *he, *hd;
  GBytes *commit, *base;
  GstBuffer *late, *frame;
  GstE2eeSFrameKey *key;
  Member t = { (gchar *) "ts", NULL, NULL }, b = { (gchar *) "gst-b", cb, NULL };
  guint64 old_kid, new_kid;
  guint i, before = 0, after = 0, sent_after = 0;
  GError *err = NULL;

  fail_unless (enc != NULL && dec != NULL, "e2eeenc/e2eedec not found: GST_PLUGIN_PATH?");
  peer_begin ();
  g_bytes_unref (ts_new_member ("ts"));
  ts_create ("ts", "removal by ts-mls");
  ga = ts_admits ("ts", ca, NULL);
  gb = ts_admits ("ts", cb, ga);
  b.group = gb;
  assert_agree (ga, "ts");
  assert_agree (gb, "ts");
  fail_unless_equals_int (gst_e2ee_mls_group_get_own_leaf_index (gb), 2);

  ka = bind_store (ga, sa);
  kb = bind_store (gb, sb);
  old_kid = gst_e2ee_mls_keys_get_own_kid (ka, 0);
  /* MLS KIDs are not ratchet KIDs (RFC 9605 §5.2, not §5.1). */
  g_object_set (enc, "key-store", sa, "key-id", old_kid, "ratchet-bits", 0, NULL);
  gst_util_set_object_arg (G_OBJECT (enc), "layout", "frame");
  g_object_set (dec, "key-store", sb, "ratchet-bits", 0, NULL);
  he = harness_for (enc, NULL, OPUS_CAPS);
  hd = harness_for (dec, NULL, OPUS_SFRAME_CAPS);

  for (i = 0; i < REMOVAL_FRAMES; i++)
    before += removal_deliver (hd, removal_encrypt (he, i, old_kid), i);
  /* Sealed before A applies the removal, delivered after B handled it. */
  late = removal_encrypt (he, i++, old_kid);

  /* The commit's tree shape is one ts-mls 1.6.4 derives RFC 9420's commit secret
   * for (tsmls_root_off_path()); else A would refuse it. */
  fail_if (tsmls_root_off_path (&t, &b), "removing B leaves the root off T's path");
  commit = ts_remove ("ts", 2, FALSE);
  our_handle (ga, commit, GST_E2EE_MLS_MESSAGE_KIND_COMMIT);
  assert_agree (ga, "ts");
  new_kid = gst_e2ee_mls_keys_get_own_kid (ka, 0);
  fail_unless (new_kid != old_kid && new_kid != G_MAXUINT64);
  /* What e2eeenc will do by itself once it follows the binding (issue 17). */
  g_object_set (enc, "key-id", new_kid, NULL);

  /* Half of the frames reach B before it handles its removal, half after. */
  for (; i < 1 + 2 * REMOVAL_FRAMES; i++, sent_after++) {
    if (sent_after == REMOVAL_FRAMES / 2) {
      assert_removed_by (gb, commit);
      fail_if (gst_e2ee_mls_keys_is_active (kb));
      fail_unless_equals_uint64 (gst_e2ee_mls_keys_get_own_kid (kb, 0), G_MAXUINT64);
    }
    frame = removal_encrypt (he, i, new_kid);
    if (sent_after == 0) {
      /* T's exporter gives the key A's new KID opens with. */
      JsonObject *st = call (tsmls_request ("state", "ts"));

      base = json_b64 (st, "base_key");
      json_object_unref (st);
      key = gst_e2ee_sframe_key_new_from_bytes (GST_E2EE_CIPHER_SUITE_AES_128_GCM_SHA256_128,
          new_kid, base, &err);
      fail_unless (key != NULL, "%s", err ? err->message : "");
      {
        GBytes *sealed = buffer_bytes (frame), *opened;

        opened = gst_e2ee_sframe_key_decrypt_bytes (key, NULL, sealed, &err);
        fail_unless (opened != NULL, "T's key does not open A's frame: %s",
            err ? err->message : "");
        fail_unless (is_removal_frame (opened, i), "T's key opens A's frame to other bytes");
        g_bytes_unref (opened);
        g_bytes_unref (sealed);
      }
      gst_e2ee_sframe_key_unref (key);
      g_bytes_unref (base);
    }
    after += removal_deliver (hd, frame, i);
  }
  fail_unless (removal_deliver (hd, late, REMOVAL_FRAMES),
      "the frame sealed before the removal did not decrypt within the grace period");
  fail_unless (gst_harness_push_event (hd, gst_event_new_eos ()));
  fail_unless (gst_harness_try_pull (hd) == NULL);

  g_print ("mls removal: B decrypted %u of %u frames A sent before ts-mls removed it, "
      "%u of %u sent after A applied the removal (%u before B handled it)\n", before,
      REMOVAL_FRAMES, after, sent_after, REMOVAL_FRAMES / 2);
  fail_unless_equals_int (before, REMOVAL_FRAMES);
  fail_unless_equals_int (after, 0);
  fail_unless_equals_uint64 (dec_stat (hd, "frames"), REMOVAL_FRAMES + 1);
  fail_unless_equals_uint64 (dec_stat (hd, "dropped-unknown-kid"), sent_after);

  gst_harness_teardown (he);
  gst_harness_teardown (hd);
  g_bytes_unref (commit);
  peer_end ();
  g_object_unref (ka);
  g_object_unref (kb);
  g_object_unref (sa);
  g_object_unref (sb);
  g_object_unref (ga);
  g_object_unref (gb);
  g_object_unref (ca);
  g_object_unref (cb);
}

GST_END_TEST;

static Suite *
mls_interop_suite (void)
{
  Suite *s = suite_create ("mls-interop");
  TCase *tc = tcase_create ("ts-mls");

  suite_add_tcase (s, tc);
  tcase_add_test (tc, test_tsmls_creates_we_join);
  tcase_add_test (tc, test_we_create_tsmls_joins);
  tcase_add_test (tc, test_commits_both_ways);
  tcase_add_test (tc, test_random_epochs);
  tcase_add_test (tc, test_tampered_commits);
  tcase_add_test (tc, test_tsmls_removes_gst_member);
  return s;
}

int
main (int argc, char **argv)
{
  return tsmls_check_main (argc, argv, mls_interop_suite, "mls-interop");
}
