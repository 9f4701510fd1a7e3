/* gst-e2ee: e2eemls, one member's MLS agent: joining, admission, removal, updates and
 * refused handshakes, with a host and members each in its own pipeline.
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <gst/check/gstcheck.h>
#include <gst/e2ee/e2ee.h>
#include <gst/e2ee/gste2eemlsclient.h>
#include <gst/e2ee/gste2eemlsgroup.h>
#include <gst/e2ee/gste2eemlskeys.h>
#include <gst/e2ee/gste2eemlscode.h>
#include <string.h>

#include "../hangguard.h"

#define GROUP_ID "meeting-17"

/* One participant: an e2eemls alone in its pipeline, with its own key store. */
typedef struct
{
  const gchar *name;
  GstElement *pipe, *mls;
  GstE2eeKeyStore *store;
  GstBus *bus;
  gboolean connected;
} Peer;

/* The test's delivery service: what the agents send, delivered to every other
 * connected peer in one order. Senders may be the clock's thread (timed rules). */
typedef struct
{
  Peer *from;
  GBytes *bytes;
} Item;

static GMutex net_lock;
static GQueue net;
static GPtrArray *peers;
static GPtrArray *sent_log;     /* every Item's bytes, in order */

static void
on_send (GstElement * mls, GBytes * bytes, Peer * from)
{
  Item *it = g_new0 (Item, 1);

  it->from = from;
  it->bytes = g_bytes_ref (bytes);
  g_mutex_lock (&net_lock);
  g_queue_push_tail (&net, it);
  g_ptr_array_add (sent_log, g_bytes_ref (bytes));
  g_mutex_unlock (&net_lock);
}

/* Delivers at most @max items (timers may keep adding some). */
static void
pump_some (guint max)
{
  for (; max > 0; max--) {
    Item *it;
    guint i;

    g_mutex_lock (&net_lock);
    it = g_queue_pop_head (&net);
    g_mutex_unlock (&net_lock);
    if (it == NULL)
      return;
    for (i = 0; i < peers->len; i++) {
      Peer *p = g_ptr_array_index (peers, i);
      gboolean used;

      if (p != it->from && p->connected)
        g_signal_emit_by_name (p->mls, "handle-message", it->bytes, &used);
    }
    g_bytes_unref (it->bytes);
    g_free (it);
  }
}

/* Delivers until nothing is left. */
static void
pump (void)
{
  pump_some (G_MAXUINT);
}

/* Delivers what is queued now, not what it causes. */
static void
pump_queued (void)
{
  guint n;

  g_mutex_lock (&net_lock);
  n = g_queue_get_length (&net);
  g_mutex_unlock (&net_lock);
  pump_some (n);
}

static Peer *
peer_new (const gchar * name, const gchar * role, GstClockTime update_interval)
{
  Peer *p = g_new0 (Peer, 1);

  p->name = name;
  p->pipe = gst_pipeline_new (name);
  p->mls = gst_element_factory_make ("e2eemls", NULL);
  fail_unless (p->mls != NULL);
  p->store = gst_e2ee_key_store_new ();
  gst_util_set_object_arg (G_OBJECT (p->mls), "role", role);
  g_object_set (p->mls, "identity", name, "key-store", p->store, "group-id", GROUP_ID,
      "update-interval", update_interval, NULL);
  g_signal_connect (p->mls, "send-message", G_CALLBACK (on_send), p);
  gst_bin_add (GST_BIN (p->pipe), p->mls);
  p->bus = gst_element_get_bus (p->pipe);
  p->connected = TRUE;
  g_ptr_array_add (peers, p);
  return p;
}

static void
peer_start (Peer * p)
{
  fail_unless (gst_element_set_state (p->pipe,
          GST_STATE_PLAYING) != GST_STATE_CHANGE_FAILURE);
}

static void
peer_free (gpointer data)
{
  Peer *p = data;

  gst_element_set_state (p->pipe, GST_STATE_NULL);
  gst_object_unref (p->bus);
  gst_object_unref (p->pipe);
  g_object_unref (p->store);
  g_free (p);
}

static void
net_setup (void)
{
  g_queue_init (&net);
  peers = g_ptr_array_new_with_free_func (peer_free);
  sent_log = g_ptr_array_new_with_free_func ((GDestroyNotify) g_bytes_unref);
}

static void
net_teardown (void)
{
  /* stop the timers first: nothing may send into a freed queue */
  g_ptr_array_unref (peers);
  pump ();
  g_ptr_array_unref (sent_log);
}

static guint64
get_epoch (Peer * p)
{
  guint64 e;

  g_object_get (p->mls, "epoch", &e, NULL);
  return e;
}

static gchar *
get_code (Peer * p)
{
  gchar *c;

  g_object_get (p->mls, "security-code", &c, NULL);
  return c;
}

static guint64
stat (Peer * p, const gchar * field)
{
  GstStructure *s;
  guint64 v = 0;
  gboolean b;

  g_object_get (p->mls, "stats", &s, NULL);
  if (g_str_equal (field, "joined")) {
    fail_unless (gst_structure_get_boolean (s, field, &b));
    v = b;
  } else {
    fail_unless (gst_structure_get_uint64 (s, field, &v), "no %s", field);
  }
  gst_structure_free (s);
  return v;
}

/* The next element message named @name on @p's bus (skipping others), or NULL. */
static GstMessage *
next_message (Peer * p, const gchar * name, GstClockTime timeout)
{
  GstMessage *m;

  while ((m = gst_bus_timed_pop_filtered (p->bus, timeout, GST_MESSAGE_ELEMENT))) {
    if (gst_message_has_name (m, name))
      return m;
    gst_message_unref (m);
  }
  return NULL;
}

static const gchar *
msg_string (GstMessage * m, const gchar * field)
{
  return gst_structure_get_string (gst_message_get_structure (m), field);
}

/* Every connected peer's epoch and security code equal, and the code set. */
static void
assert_same_epoch (guint members)
{
  Peer *ref = NULL;
  gchar *code = NULL;
  guint i;

  for (i = 0; i < peers->len; i++) {
    Peer *p = g_ptr_array_index (peers, i);
    gchar *c;
    guint n;

    if (!p->connected)
      continue;
    c = get_code (p);
    g_object_get (p->mls, "members", &n, NULL);
    fail_unless (c != NULL, "%s has no security code", p->name);
    fail_unless_equals_int (n, members);
    if (ref == NULL) {
      ref = p;
      code = c;
      continue;
    }
    fail_unless_equals_uint64 (get_epoch (p), get_epoch (ref));
    fail_unless_equals_string (c, code);
    g_free (c);
  }
  g_free (code);
}

/* Host + members, all joined; returns the host. */
static Peer *
meeting (const gchar * const *names, GstClockTime update_interval)
{
  Peer *host = peer_new ("host", "host", update_interval);
  guint i;

  peer_start (host);
  for (i = 0; names[i] != NULL; i++)
    peer_start (peer_new (names[i], "member", update_interval));
  pump ();
  return host;
}

static const gchar *const three[] = { "alice", "bob", "carol", NULL };

/* The identities of an e2ee-mls-epoch message, in leaf order. */
static gchar **
members_of (GstMessage * m)
{
  const GValue *arr = gst_structure_get_value (gst_message_get_structure (m), "members");
  GPtrArray *ids = g_ptr_array_new ();
  guint i;

  fail_unless (arr != NULL && GST_VALUE_HOLDS_ARRAY (arr));
  for (i = 0; i < gst_value_array_get_size (arr); i++)
    g_ptr_array_add (ids, g_value_dup_string (gst_value_array_get_value (arr, i)));
  g_ptr_array_add (ids, NULL);
  return (gchar **) g_ptr_array_free (ids, FALSE);
}

GST_START_TEST (test_all_join)
{
  Peer *host;
  GstMessage *m;
  guint i;
  const gchar *host_causes[] = { "created", "added", "added", "added" };
  gchar **members = NULL;

  net_setup ();
  host = meeting (three, 0);
  assert_same_epoch (4);
  fail_unless_equals_uint64 (get_epoch (host), 3);
  fail_unless_equals_uint64 (stat (host, "commits-sent"), 3);
  fail_unless_equals_uint64 (stat (host, "welcomes-sent"), 3);

  /* the host's epoch messages: created, then an Add per joiner */
  for (i = 0; i < G_N_ELEMENTS (host_causes); i++) {
    guint64 e;

    m = next_message (host, "e2ee-mls-epoch", 0);
    fail_unless (m != NULL);
    fail_unless_equals_string (msg_string (m, "cause"), host_causes[i]);
    fail_unless (gst_structure_get_uint64 (gst_message_get_structure (m), "epoch", &e));
    fail_unless_equals_uint64 (e, i);
    fail_unless (msg_string (m, "security-code") != NULL);
    gst_message_unref (m);
  }
  /* alice joined at epoch 1, saw bob and carol come */
  {
    Peer *alice = g_ptr_array_index (peers, 1);
    const gchar *causes[] = { "joined", "added", "added" };

    for (i = 0; i < G_N_ELEMENTS (causes); i++) {
      m = next_message (alice, "e2ee-mls-epoch", 0);
      fail_unless (m != NULL);
      fail_unless_equals_string (msg_string (m, "cause"), causes[i]);
      if (i == 2) {
        gchar *printed = gst_structure_to_string (gst_message_get_structure (m));

        /* what gst-launch-1.0 -m prints names the members */
        fail_unless (strstr (printed, "carol") != NULL, "printed as %s", printed);
        g_free (printed);
        members = members_of (m);
        fail_unless (members != NULL);
        fail_unless_equals_int (g_strv_length (members), 4);
        fail_unless_equals_string (members[0], "host");
        fail_unless_equals_string (members[3], "carol");
        g_strfreev (members);
      }
      gst_message_unref (m);
    }
    fail_unless (stat (alice, "joined"));
    fail_unless_equals_uint64 (stat (alice, "commits-applied"), 2);
  }

  /* the key stores follow the group: each member's own KID for encryption, the
   * three others' for decryption, at the group's epoch */
  for (i = 0; i < peers->len; i++) {
    Peer *p = g_ptr_array_index (peers, i);
    GstE2eeMlsKeys *keys;
    GArray *enc, *dec;

    g_object_get (p->mls, "mls-keys", &keys, NULL);
    fail_unless (keys != NULL);
    fail_unless (gst_e2ee_mls_keys_get_for_store (p->store) == keys);
    g_object_unref (keys);      /* get_for_store's */
    fail_unless_equals_uint64 (gst_e2ee_mls_keys_get_epoch (keys), 3);
    enc = gst_e2ee_key_store_list_kids (p->store, GST_E2EE_KEY_USAGE_ENCRYPT);
    dec = gst_e2ee_key_store_list_kids (p->store, GST_E2EE_KEY_USAGE_DECRYPT);
    fail_unless (enc->len >= 1);
    fail_unless (dec->len >= 3);
    {
      guint64 own = gst_e2ee_mls_keys_get_own_kid (keys, 0);
      gboolean found = FALSE;
      guint k;

      for (k = 0; k < enc->len; k++)
        found |= g_array_index (enc, guint64, k) == own;
      fail_unless (found, "%s: own KID not in the store", p->name);
    }
    g_array_unref (enc);
    g_array_unref (dec);
    g_object_unref (keys);
  }
  net_teardown ();
}

GST_END_TEST;

static gchar *admit_seen;

static gboolean
admit_not_mallory (GstElement * mls, const gchar * identity, GBytes * kp, gpointer data)
{
  g_free (admit_seen);
  admit_seen = g_strdup (identity);
  return g_strcmp0 (identity, "mallory") != 0;
}

GST_START_TEST (test_admit_refuses)
{
  Peer *host, *mallory, *alice;
  gchar *code;

  net_setup ();
  host = peer_new ("host", "host", 0);
  g_signal_connect (host->mls, "admit", G_CALLBACK (admit_not_mallory), NULL);
  peer_start (host);
  mallory = peer_new ("mallory", "member", 0);
  peer_start (mallory);
  pump ();
  fail_unless_equals_string (admit_seen, "mallory");
  fail_unless_equals_uint64 (get_epoch (host), 0);
  fail_unless_equals_uint64 (stat (host, "not-admitted"), 1);
  fail_unless_equals_uint64 (stat (host, "commits-sent"), 0);
  fail_if (stat (mallory, "joined"));
  code = get_code (mallory);
  fail_unless (code == NULL);

  /* someone admitted still joins */
  alice = peer_new ("alice", "member", 0);
  peer_start (alice);
  pump ();
  fail_unless_equals_string (admit_seen, "alice");
  fail_unless (stat (alice, "joined"));
  fail_unless_equals_uint64 (get_epoch (alice), 1);
  fail_if (stat (mallory, "joined"));
  /* the Welcome reached mallory too, and was not for her */
  fail_unless (stat (mallory, "ignored") >= 1);
  g_clear_pointer (&admit_seen, g_free);
  net_teardown ();
}

GST_END_TEST;

/* Waits (pumping) until @p posts an epoch message with @cause; the message. */
static GstMessage *
wait_epoch_cause (Peer * p, const gchar * cause)
{
  gint64 end = g_get_monotonic_time () + hang_guard (20) / GST_USECOND;

  while (g_get_monotonic_time () < end) {
    GstMessage *m;

    pump ();
    while ((m = next_message (p, "e2ee-mls-epoch", 0)) != NULL) {
      if (g_strcmp0 (msg_string (m, "cause"), cause) == 0)
        return m;
      gst_message_unref (m);
    }
    g_usleep (5000);
  }
  return NULL;
}

static void
drain_bus (Peer * p)
{
  gst_bus_set_flushing (p->bus, TRUE);
  gst_bus_set_flushing (p->bus, FALSE);
}

static Peer *
peer_named (const gchar * name)
{
  guint i;

  for (i = 0; i < peers->len; i++) {
    Peer *p = g_ptr_array_index (peers, i);

    if (g_str_equal (p->name, name))
      return p;
  }
  return NULL;
}

GST_START_TEST (test_member_left_removed)
{
  Peer *host, *carol;
  GstMessage *m;
  guint64 sent_before;
  gboolean ok;
  GstE2eeMlsKeys *keys;
  gchar **members = NULL;

  net_setup ();
  host = meeting (three, 0);
  g_object_set (host->mls, "remove-timeout", 300 * GST_MSECOND, NULL);
  carol = peer_named ("carol");
  drain_bus (host);

  /* a member's report does nothing; an unknown identity neither */
  g_signal_emit_by_name (peer_named ("alice")->mls, "member-left", "carol", &ok);
  fail_if (ok);
  g_signal_emit_by_name (host->mls, "member-left", "nobody", &ok);
  fail_if (ok);

  /* nothing was committed before the report */
  sent_before = stat (host, "commits-sent");
  fail_unless_equals_uint64 (sent_before, 3);
  fail_unless_equals_uint64 (get_epoch (host), 3);
  g_signal_emit_by_name (host->mls, "member-left", "carol", &ok);
  fail_unless (ok);

  m = wait_epoch_cause (host, "removed");
  fail_unless (m != NULL, "no Remove committed");
  members = members_of (m);
  fail_unless_equals_int (g_strv_length (members), 3);
  fail_if (g_strv_contains ((const gchar * const *) members, "carol"));
  g_strfreev (members);
  gst_message_unref (m);
  fail_unless_equals_uint64 (stat (host, "commits-sent"), sent_before + 1);
  pump ();

  /* carol got the commit that removed her */
  m = next_message (carol, "e2ee-mls-removed", 0);
  fail_unless (m != NULL);
  gst_message_unref (m);
  fail_if (stat (carol, "joined"));
  fail_unless (get_code (carol) == NULL);
  g_object_get (carol->mls, "mls-keys", &keys, NULL);
  fail_if (gst_e2ee_mls_keys_is_active (keys));
  g_object_unref (keys);

  carol->connected = FALSE;
  assert_same_epoch (3);
  fail_unless_equals_uint64 (get_epoch (host), 4);
  net_teardown ();
}

GST_END_TEST;

/* Each member proposed an update, and the host committed proposals and its own. */
static gboolean
all_updated (Peer * host)
{
  guint i;

  for (i = 1; i < peers->len; i++)
    if (stat (g_ptr_array_index (peers, i), "proposals-sent") == 0)
      return FALSE;
  return stat (host, "commits-sent") >= 3 + 2;
}

/* Pumps until the host's epoch stays the same for a while and nothing is in flight
 * (no timed assertion: only a wait for quiet). */
static void
settle (Peer * host)
{
  gint64 end = g_get_monotonic_time () + hang_guard (30) / GST_USECOND;
  guint64 last = G_MAXUINT64;
  guint quiet = 0;

  while (quiet < 3 && g_get_monotonic_time () < end) {
    guint64 e;

    pump ();
    g_usleep (100000);
    e = get_epoch (host);
    g_mutex_lock (&net_lock);
    quiet = e == last && g_queue_is_empty (&net) ? quiet + 1 : 0;
    g_mutex_unlock (&net_lock);
    last = e;
  }
}

/* @p's group proposes an Update, sent as its agent sends. */
static void
propose_update (Peer * p)
{
  GstE2eeMlsGroup *group;
  GError *err = NULL;
  GBytes *u;

  g_object_get (p->mls, "group", &group, NULL);
  u = gst_e2ee_mls_group_propose_update (group, &err);
  fail_unless (u != NULL, "%s", err ? err->message : "");
  on_send (p->mls, u, p);
  g_bytes_unref (u);
  g_object_unref (group);
}

/* A KeyPackage of mallory, whom no one admitted (the client is kept: its package's
 * private keys live there). */
static GBytes *
outsider_key_package (GstE2eeMlsClient ** client)
{
  GBytes *id = g_bytes_new_static ("mallory", 7), *kp;
  GError *err = NULL;

  *client = gst_e2ee_mls_client_new (id, &err);
  fail_unless (*client != NULL, "%s", err ? err->message : "");
  kp = gst_e2ee_mls_client_create_key_package (*client, &err);
  fail_unless (kp != NULL, "%s", err ? err->message : "");
  g_bytes_unref (id);
  return kp;
}

/* Delivers what is queued, waits for the host's commit of members' Updates, and checks
 * that everyone is at epoch 4 with one code. */
static void
assert_updates_committed (Peer * host, const gchar * what)
{
  GstMessage *m;

  pump_queued ();
  m = wait_epoch_cause (host, "updated");
  fail_unless (m != NULL, "the host did not commit %s", what);
  gst_message_unref (m);
  settle (host);
  assert_same_epoch (4);
  fail_unless_equals_uint64 (get_epoch (host), 4);
}

/* Pending proposals that conflict still get committed (RFC 9420 §12.2): a member's
 * two Updates in one batch. Before, the host's commit of the batch failed ("the
 * commit updates or removes leaf 3 twice"), and so would every later commit of the
 * epoch: no one could join or be removed any more. (An Update crossing its sender's
 * removal races the 50 ms batch here; libs/mls-group tests that case.) On a machine
 * slow enough for the batch to close between the two proposals, the second is
 * refused as wrong-epoch and the outcome is the same. */
GST_START_TEST (test_conflicting_proposals)
{
  Peer *host, *carol;

  net_setup ();
  host = meeting (three, 0);
  carol = peer_named ("carol");
  drain_bus (host);

  propose_update (carol);
  propose_update (carol);
  assert_updates_committed (host, "carol's two Updates");
  fail_unless_equals_uint64 (stat (host, "commits-sent"), 4);

  net_teardown ();
}

GST_END_TEST;

/* A commit that is not the host's changes nothing at the others: alice commits the
 * Add of someone the host never admitted, and the host, bob and carol refuse it
 * (`not-permitted`), staying together at their epoch with their code. Before, all
 * three applied it: mallory was in. */
GST_START_TEST (test_member_commit_refused)
{
  Peer *alice;
  GstE2eeMlsClient *outsider;
  GstE2eeMlsGroup *group;
  GBytes *kp, *commit, *welcome = NULL;
  GError *err = NULL;
  GstMessage *m;
  guint i;

  net_setup ();
  meeting (three, 0);
  alice = peer_named ("alice");
  for (i = 0; i < peers->len; i++)
    drain_bus (g_ptr_array_index (peers, i));
  kp = outsider_key_package (&outsider);

  g_object_get (alice->mls, "group", &group, NULL);
  commit = gst_e2ee_mls_group_add (group, kp, &welcome, &err);
  fail_unless (commit != NULL, "%s", err ? err->message : "");
  g_object_unref (group);
  on_send (alice->mls, commit, alice);
  on_send (alice->mls, welcome, alice);
  alice->connected = FALSE;     /* forked: her group is at epoch 4 alone */
  pump ();
  for (i = 0; i < peers->len; i++) {
    Peer *p = g_ptr_array_index (peers, i);

    if (p == alice)
      continue;
    m = next_message (p, "e2ee-mls-refused", 0);
    fail_unless (m != NULL, "%s applied alice's commit", p->name);
    fail_unless_equals_string (msg_string (m, "reason"), "not-permitted");
    gst_message_unref (m);
    fail_unless_equals_uint64 (stat (p, "refused-not-permitted"), 1);
    fail_unless_equals_uint64 (get_epoch (p), 3);
  }
  assert_same_epoch (4);

  g_bytes_unref (commit);
  g_bytes_unref (welcome);
  g_bytes_unref (kp);
  g_object_unref (outsider);
  net_teardown ();
}

GST_END_TEST;

/* At the host, a member's Add and Remove proposals are refused and never committed:
 * no member brings in someone #GstE2eeMls::admit never saw, or pushes someone out.
 * Before, the host committed them with its next batch: mallory joined, carol left. */
GST_START_TEST (test_member_proposals_refused)
{
  Peer *host, *alice;
  GstE2eeMlsClient *outsider;
  GstE2eeMlsGroup *group;
  GBytes *kp, *add, *rem;
  GError *err = NULL;
  GstMessage *m;
  guint i;

  net_setup ();
  host = meeting (three, 0);
  alice = peer_named ("alice");
  drain_bus (host);
  kp = outsider_key_package (&outsider);

  g_object_get (alice->mls, "group", &group, NULL);
  add = gst_e2ee_mls_group_propose_add (group, kp, &err);
  fail_unless (add != NULL, "%s", err ? err->message : "");
  rem = gst_e2ee_mls_group_propose_remove (group, 3, &err);
  fail_unless (rem != NULL, "%s", err ? err->message : "");
  g_object_unref (group);
  on_send (alice->mls, add, alice);
  on_send (alice->mls, rem, alice);
  pump ();
  for (i = 0; i < 2; i++) {
    m = next_message (host, "e2ee-mls-refused", 0);
    fail_unless (m != NULL, "the host did not refuse alice's proposal %u", i);
    fail_unless_equals_string (msg_string (m, "reason"), "not-permitted");
    gst_message_unref (m);
  }
  fail_unless_equals_uint64 (stat (host, "refused-not-permitted"), 2);

  /* alice's Update is still taken; the commit of the batch covers it alone */
  propose_update (alice);
  assert_updates_committed (host, "alice's Update alone");
  fail_unless_equals_uint64 (stat (host, "welcomes-sent"), 3);

  g_bytes_unref (add);
  g_bytes_unref (rem);
  g_bytes_unref (kp);
  g_object_unref (outsider);
  net_teardown ();
}

GST_END_TEST;

GST_START_TEST (test_update_interval)
{
  Peer *host;
  gint64 end;
  guint i;

  net_setup ();
  host = meeting (three, 0);
  for (i = 0; i < peers->len; i++)
    g_object_set (((Peer *) g_ptr_array_index (peers, i))->mls, "update-interval",
        200 * GST_MSECOND, NULL);
  /* within about 200 ms everyone updated once: the members send Update
   * proposals, which the host commits together, and the host commits its own
   * (pump_queued(): under valgrind the timers may produce faster than the peers
   * handle) */
  end = g_get_monotonic_time () + hang_guard (30) / GST_USECOND;
  while (g_get_monotonic_time () < end && !all_updated (host))
    pump_queued (), g_usleep (5000);
  for (i = 0; i < peers->len; i++)
    g_object_set (((Peer *) g_ptr_array_index (peers, i))->mls, "update-interval",
        (GstClockTime) 0, NULL);
  fail_unless (all_updated (host));
  /* the host's last batch of proposals may still be on its way */
  settle (host);
  fail_unless (get_epoch (host) >= 3 + 2, "epoch %" G_GUINT64_FORMAT,
      get_epoch (host));
  for (i = 1; i < peers->len; i++) {
    Peer *p = g_ptr_array_index (peers, i);

    fail_unless_equals_uint64 (get_epoch (p), get_epoch (host));
  }
  assert_same_epoch (4);
  net_teardown ();
}

GST_END_TEST;

/* What a refusal must leave alone: the store's keys and the binding's epoch. */
typedef struct
{
  GArray *enc, *dec;
  guint64 epoch;
  gchar *code;
} Snapshot;

static void
snapshot (Peer * p, Snapshot * s)
{
  GstE2eeMlsKeys *keys;

  g_object_get (p->mls, "mls-keys", &keys, NULL);
  s->enc = gst_e2ee_key_store_list_kids (p->store, GST_E2EE_KEY_USAGE_ENCRYPT);
  s->dec = gst_e2ee_key_store_list_kids (p->store, GST_E2EE_KEY_USAGE_DECRYPT);
  s->epoch = gst_e2ee_mls_keys_get_epoch (keys);
  s->code = get_code (p);
  g_object_unref (keys);
}

static void
assert_unchanged (Peer * p, Snapshot * before)
{
  Snapshot now;

  snapshot (p, &now);
  fail_unless_equals_uint64 (now.epoch, before->epoch);
  fail_unless_equals_string (now.code, before->code);
  fail_unless_equals_int (now.enc->len, before->enc->len);
  fail_unless_equals_int (now.dec->len, before->dec->len);
  fail_unless (memcmp (now.enc->data, before->enc->data, 8 * now.enc->len) == 0);
  fail_unless (memcmp (now.dec->data, before->dec->data, 8 * now.dec->len) == 0);
  g_array_unref (now.enc);
  g_array_unref (now.dec);
  g_free (now.code);
}

static void
snapshot_clear (Snapshot * s)
{
  g_array_unref (s->enc);
  g_array_unref (s->dec);
  g_free (s->code);
}

/* Hands @bytes to @p alone: refused with @reason, nothing changed. */
static void
assert_refused (Peer * p, GBytes * bytes, const gchar * reason, guint64 total)
{
  Snapshot before;
  GstMessage *m;
  gboolean used;
  gchar *field = g_strconcat ("refused-", reason, NULL);
  guint64 by_reason = stat (p, field);
  guint64 refused;

  snapshot (p, &before);
  drain_bus (p);
  g_signal_emit_by_name (p->mls, "handle-message", bytes, &used);
  fail_if (used);
  m = next_message (p, "e2ee-mls-refused", 0);
  fail_unless (m != NULL, "no refused message for %s", reason);
  fail_unless_equals_string (msg_string (m, "reason"), reason);
  fail_unless (msg_string (m, "detail") != NULL);
  fail_unless (gst_structure_get_uint64 (gst_message_get_structure (m), "refused",
          &refused));
  fail_unless_equals_uint64 (refused, total);
  gst_message_unref (m);
  fail_unless_equals_uint64 (stat (p, field), by_reason + 1);
  fail_unless_equals_uint64 (stat (p, "refused"), total);
  assert_unchanged (p, &before);
  snapshot_clear (&before);
  g_free (field);
}

/* A commit with valid framing for the meeting's group and current epoch, from
 * leaf 0 (the host's), made by someone who is not a member: eve builds her own group
 * with the same ID up to the same epoch. */
static GBytes *
forged_commit (guint64 epoch)
{
  GBytes *id = g_bytes_new_static ("eve", 3), *gid =
      g_bytes_new_static (GROUP_ID, strlen (GROUP_ID));
  GstE2eeMlsClient *eve = gst_e2ee_mls_client_new (id, NULL);
  GstE2eeMlsGroup *g = gst_e2ee_mls_group_create (eve, gid, NULL);
  GBytes *commit;
  guint64 i;

  for (i = 0; i < epoch; i++) {
    gchar *name = g_strdup_printf ("sock%" G_GUINT64_FORMAT, i);
    GBytes *n = g_bytes_new_take (name, strlen (name));
    GstE2eeMlsClient *c = gst_e2ee_mls_client_new (n, NULL);
    GBytes *kp = gst_e2ee_mls_client_create_key_package (c, NULL);
    GBytes *welcome = NULL, *add = gst_e2ee_mls_group_add (g, kp, &welcome, NULL);

    fail_unless (add != NULL);
    g_bytes_unref (add);
    g_bytes_unref (welcome);
    g_bytes_unref (kp);
    g_bytes_unref (n);
    g_object_unref (c);
  }
  fail_unless_equals_uint64 (gst_e2ee_mls_group_get_epoch (g), epoch);
  commit = gst_e2ee_mls_group_update (g, NULL);
  fail_unless (commit != NULL);
  g_object_unref (g);
  g_object_unref (eve);
  g_bytes_unref (gid);
  g_bytes_unref (id);
  return commit;
}

GST_START_TEST (test_refused)
{
  Peer *host, *alice, *carol;
  GstE2eeMlsGroup *carol_group;
  GBytes *old_commit, *forged, *from_removed, *garbage;
  GstMessage *m;
  gboolean ok;

  net_setup ();
  host = meeting (three, 0);
  alice = peer_named ("alice");
  carol = peer_named ("carol");

  /* a replay of the commit that added bob (epoch 1 -> 2): wrong epoch. Sent: the
   * three KeyPackages, then a commit and a Welcome per joiner. */
  old_commit = g_bytes_ref (g_ptr_array_index (sent_log, 5));
  assert_refused (alice, old_commit, "wrong-epoch", 1);
  assert_refused (host, old_commit, "wrong-epoch", 1);

  /* not from a member: eve's commit for the same group and epoch, from leaf 0 */
  forged = forged_commit (get_epoch (host));
  assert_refused (alice, forged, "non-member", 2);
  assert_refused (host, forged, "non-member", 2);

  /* carol makes a commit of her own (only the host should: she does it behind
   * the element's back), then is removed before anyone sees it */
  g_object_get (carol->mls, "group", &carol_group, NULL);
  from_removed = gst_e2ee_mls_group_update (carol_group, NULL);
  fail_unless (from_removed != NULL);
  g_object_unref (carol_group);
  carol->connected = FALSE;
  g_signal_emit_by_name (host->mls, "member-left", "carol", &ok);
  fail_unless (ok);
  m = wait_epoch_cause (host, "removed");
  fail_unless (m != NULL);
  gst_message_unref (m);
  pump ();
  assert_same_epoch (3);
  assert_refused (alice, from_removed, "removed-member", 3);
  assert_refused (host, from_removed, "removed-member", 3);

  /* bytes that are no MLS message */
  garbage = g_bytes_new_static ("\x00\x01\x00", 3);
  assert_refused (alice, garbage, "invalid", 4);

  fail_unless_equals_uint64 (stat (alice, "refused-wrong-epoch"), 1);
  fail_unless_equals_uint64 (stat (alice, "refused-non-member"), 1);
  fail_unless_equals_uint64 (stat (alice, "refused-removed-member"), 1);
  fail_unless_equals_uint64 (stat (alice, "refused-invalid"), 1);

  g_bytes_unref (garbage);
  g_bytes_unref (from_removed);
  g_bytes_unref (forged);
  g_bytes_unref (old_commit);
  net_teardown ();
}

GST_END_TEST;

GST_START_TEST (test_no_identity)
{
  GstElement *mls = gst_element_factory_make ("e2eemls", NULL);

  fail_unless (gst_element_set_state (mls,
          GST_STATE_READY) == GST_STATE_CHANGE_FAILURE);
  gst_element_set_state (mls, GST_STATE_NULL);
  gst_object_unref (mls);
}

GST_END_TEST;

static Suite *
e2eemls_agent_suite (void)
{
  Suite *s = suite_create ("e2eemls-agent");
  TCase *tc = tcase_create ("general");

  suite_add_tcase (s, tc);
  tcase_add_test (tc, test_all_join);
  tcase_add_test (tc, test_admit_refuses);
  tcase_add_test (tc, test_member_left_removed);
  tcase_add_test (tc, test_update_interval);
  tcase_add_test (tc, test_conflicting_proposals);
  tcase_add_test (tc, test_member_proposals_refused);
  tcase_add_test (tc, test_member_commit_refused);
  tcase_add_test (tc, test_refused);
  tcase_add_test (tc, test_no_identity);
  return s;
}

GST_CHECK_MAIN (e2eemls_agent);
