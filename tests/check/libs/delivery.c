/* gst-e2ee: the examples' MLS delivery service (examples/relay/gste2eedelivery.c,
 * compiled into this test): it reads the clear header of real MLS messages exactly;
 * every member sees one global order, each sender's messages in the order it sent
 * them, never its own; the first commit for an epoch wins, a later one (a race or a
 * replay) and one for an epoch not reached are refused, counted and their sender
 * told; malformed input is refused and counted and the service keeps going; a
 * disconnection comes after what the member submitted before it, reaches the
 * disconnect callback by name, and waits for a callback of that member running on
 * the service's thread.
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <gst/check/gstcheck.h>
#include <gst/e2ee/e2ee.h>
#include <string.h>

#include "../hangguard.h"
#include "gste2eedelivery.h"

#define GROUP_ID "meeting"

typedef struct
{
  const gchar *name;
  GstE2eeDeliveryConnection *conn;
  GMutex lock;
  GPtrArray *received;          /* GBytes, in order */
  GArray *refusals;             /* GstE2eeDeliveryRefusal */
  /* When set, receive blocks until released. */
  gboolean block;
  gboolean in_callback;
  GCond cond;
} Member;

/* What the service did, in order, across members: "name<-tag" for a delivery,
 * "left:name" for a disconnect callback. */
static GMutex log_lock;
static GPtrArray *event_log;

static void
log_event (gchar * line)
{
  g_mutex_lock (&log_lock);
  g_ptr_array_add (event_log, line);
  g_mutex_unlock (&log_lock);
}

static void
on_receive (GstE2eeDeliveryConnection * conn, GBytes * message, gpointer data)
{
  Member *m = data;
  gsize size;
  const guint8 *b = g_bytes_get_data (message, &size);

  g_mutex_lock (&m->lock);
  g_ptr_array_add (m->received, g_bytes_ref (message));
  m->in_callback = TRUE;
  g_cond_broadcast (&m->cond);
  while (m->block)
    g_cond_wait (&m->cond, &m->lock);
  m->in_callback = FALSE;
  g_mutex_unlock (&m->lock);
  /* the last byte is the test's tag */
  log_event (g_strdup_printf ("%s<-%u", m->name, b[size - 1]));
}

static void
on_refused (GstE2eeDeliveryConnection * conn, GBytes * message,
    GstE2eeDeliveryRefusal reason, const gchar * detail, gpointer data)
{
  Member *m = data;

  fail_unless (detail != NULL && *detail != '\0');
  g_mutex_lock (&m->lock);
  g_array_append_val (m->refusals, reason);
  g_mutex_unlock (&m->lock);
}

static void
on_disconnect (GstE2eeDelivery * d, const gchar * name, gpointer data)
{
  log_event (g_strdup_printf ("left:%s", name));
}

static void
member_init (Member * m, GstE2eeDelivery * d, const gchar * name)
{
  memset (m, 0, sizeof (*m));
  m->name = name;
  g_mutex_init (&m->lock);
  g_cond_init (&m->cond);
  m->received = g_ptr_array_new_with_free_func ((GDestroyNotify) g_bytes_unref);
  m->refusals = g_array_new (FALSE, FALSE, sizeof (GstE2eeDeliveryRefusal));
  m->conn = gst_e2ee_delivery_connect (d, name, on_receive, on_refused, m);
  fail_unless (m->conn != NULL);
}

static void
member_clear (Member * m)
{
  g_ptr_array_unref (m->received);
  g_array_unref (m->refusals);
  g_mutex_clear (&m->lock);
  g_cond_clear (&m->cond);
}

static GstE2eeDelivery *
delivery_new (void)
{
  event_log = g_ptr_array_new_with_free_func (g_free);
  return gst_e2ee_delivery_new (on_disconnect, NULL);
}

static void
delivery_free (GstE2eeDelivery * d)
{
  gst_e2ee_delivery_free (d);
  g_ptr_array_unref (event_log);
  event_log = NULL;
}

static void
flush (GstE2eeDelivery * d)
{
  fail_unless (gst_e2ee_delivery_flush (d, hang_guard (10) / GST_USECOND),
      "the delivery service did not handle what was submitted");
}

/* An MLSMessage header (RFC 9420 §6) as a member would send it, then @tag.
 * wire 1: PublicMessage from member leaf 2, no authenticated data; wire 2:
 * PrivateMessage. */
static GBytes *
make_message (guint16 wire, const gchar * gid, guint64 epoch, guint8 content_type,
    guint8 tag)
{
  GByteArray *b = g_byte_array_new ();
  guint8 head[4] = { 0, 1, wire >> 8, wire & 0xff };
  guint8 len = (guint8) strlen (gid), e[8];
  static const guint8 sender[5] = { 1, 0, 0, 0, 2 }, no_ad = 0;
  gint i;

  g_byte_array_append (b, head, 4);
  g_byte_array_append (b, &len, 1);
  g_byte_array_append (b, (const guint8 *) gid, len);
  for (i = 0; i < 8; i++)
    e[i] = (guint8) (epoch >> (56 - 8 * i));
  g_byte_array_append (b, e, 8);
  if (wire == 1) {
    g_byte_array_append (b, sender, 5);
    g_byte_array_append (b, &no_ad, 1);
  }
  g_byte_array_append (b, &content_type, 1);
  g_byte_array_append (b, &tag, 1);
  return g_byte_array_free_to_bytes (b);
}

static GstE2eeMlsClient *
client_new (const gchar * name)
{
  GBytes *id = g_bytes_new (name, strlen (name));
  GError *err = NULL;
  GstE2eeMlsClient *c = gst_e2ee_mls_client_new (id, &err);

  fail_unless (c != NULL, "%s", err ? err->message : "");
  g_bytes_unref (id);
  return c;
}

static void
assert_header (GBytes * msg, guint16 wire, gboolean has_epoch, guint64 epoch,
    guint8 content_type)
{
  GstE2eeDeliveryHeader h;
  const gchar *why = NULL;
  gsize size;
  const guint8 *data = g_bytes_get_data (msg, &size);

  fail_unless (gst_e2ee_delivery_parse_header (data, size, &h, &why), "%s", why);
  fail_unless_equals_int (h.wire_format, wire);
  fail_unless_equals_int (h.has_epoch, has_epoch);
  if (!has_epoch)
    return;
  fail_unless_equals_int (h.group_id_len, strlen (GROUP_ID));
  fail_unless (memcmp (h.group_id, GROUP_ID, h.group_id_len) == 0);
  fail_unless_equals_uint64 (h.epoch, epoch);
  fail_unless_equals_int (h.content_type, content_type);
}

/* The library's own messages: a KeyPackage, the Add commit and its Welcome, a
 * proposal, an application message; each prefix of the commit shorter than its
 * header is refused, every longer one read the same. */
GST_START_TEST (test_header_of_real_messages)
{
  GstE2eeMlsClient *alice = client_new ("alice"), *bob = client_new ("bob");
  GBytes *gid = g_bytes_new_static (GROUP_ID, strlen (GROUP_ID));
  GBytes *kp, *commit, *welcome = NULL, *proposal, *app, *plain;
  GstE2eeMlsGroup *g;
  GError *err = NULL;
  GstE2eeDeliveryHeader h;
  const gchar *why;
  /* version, wire format, group_id<V>, epoch, sender (type + leaf),
   * authenticated_data<V> (empty), content_type */
  const gsize header_len = 2 + 2 + 1 + strlen (GROUP_ID) + 8 + 5 + 1 + 1;
  gsize size, len;
  const guint8 *data;

  g = gst_e2ee_mls_group_create (alice, gid, &err);
  fail_unless (g != NULL, "%s", err ? err->message : "");
  kp = gst_e2ee_mls_client_create_key_package (bob, &err);
  fail_unless (kp != NULL, "%s", err ? err->message : "");
  assert_header (kp, 5, FALSE, 0, 0);
  commit = gst_e2ee_mls_group_add (g, kp, &welcome, &err);
  fail_unless (commit != NULL, "%s", err ? err->message : "");
  assert_header (commit, 1, TRUE, 0, 3);
  assert_header (welcome, 3, FALSE, 0, 0);
  proposal = gst_e2ee_mls_group_propose_update (g, &err);
  fail_unless (proposal != NULL, "%s", err ? err->message : "");
  assert_header (proposal, 1, TRUE, 1, 2);
  plain = g_bytes_new_static ("hello", 5);
  app = gst_e2ee_mls_group_protect (g, plain, &err);
  fail_unless (app != NULL, "%s", err ? err->message : "");
  assert_header (app, 2, TRUE, 1, 1);

  data = g_bytes_get_data (commit, &size);
  fail_unless (size > header_len);
  for (len = 0; len <= size; len++) {
    why = NULL;
    if (len < header_len) {
      fail_if (gst_e2ee_delivery_parse_header (data, len, &h, &why),
          "a %" G_GSIZE_FORMAT "-byte prefix was read", len);
      fail_unless (why != NULL);
    } else {
      fail_unless (gst_e2ee_delivery_parse_header (data, len, &h, &why), "%s", why);
      fail_unless_equals_uint64 (h.epoch, 0);
      fail_unless_equals_int (h.content_type, 3);
    }
  }

  g_bytes_unref (kp);
  g_bytes_unref (commit);
  g_bytes_unref (welcome);
  g_bytes_unref (proposal);
  g_bytes_unref (plain);
  g_bytes_unref (app);
  g_bytes_unref (gid);
  g_object_unref (g);
  g_object_unref (alice);
  g_object_unref (bob);
}

GST_END_TEST;

#define N_SUBMITTERS 3
#define N_LISTENERS 2
#define PER_SENDER 200

typedef struct
{
  GstE2eeDelivery *d;
  Member *m;
  guint8 index;
} Submitter;

static gpointer
submit_thread (gpointer data)
{
  Submitter *s = data;
  guint i;

  for (i = 0; i < PER_SENDER; i++) {
    /* the tag names the sender; the epoch field carries the sequence number */
    GBytes *msg = make_message (2, GROUP_ID, i, 1, s->index);

    gst_e2ee_delivery_submit (s->d, s->m->conn, msg);
    g_bytes_unref (msg);
  }
  return NULL;
}

static guint64
message_seq (GBytes * msg)
{
  GstE2eeDeliveryHeader h;
  gsize size;
  const guint8 *data = g_bytes_get_data (msg, &size);

  fail_unless (gst_e2ee_delivery_parse_header (data, size, &h, NULL));
  return h.epoch;
}

static guint8
message_tag (GBytes * msg)
{
  gsize size;
  const guint8 *data = g_bytes_get_data (msg, &size);

  return data[size - 1];
}

/* Three members submit at once from three threads; two only listen. Both listeners
 * get the same sequence of all 600 messages, each sender's in its order; each
 * submitter gets exactly that sequence without its own messages. */
GST_START_TEST (test_one_global_order)
{
  GstE2eeDelivery *d = delivery_new ();
  Member m[N_SUBMITTERS + N_LISTENERS];
  Submitter s[N_SUBMITTERS];
  GThread *threads[N_SUBMITTERS];
  static const gchar *names[] = { "a", "b", "c", "listener1", "listener2" };
  GstE2eeDeliveryStats st;
  guint i, j;

  for (i = 0; i < G_N_ELEMENTS (m); i++)
    member_init (&m[i], d, names[i]);
  for (i = 0; i < N_SUBMITTERS; i++) {
    s[i].d = d;
    s[i].m = &m[i];
    s[i].index = (guint8) i;
    threads[i] = g_thread_new ("submitter", submit_thread, &s[i]);
  }
  for (i = 0; i < N_SUBMITTERS; i++)
    g_thread_join (threads[i]);
  flush (d);

  for (i = 0; i < N_LISTENERS; i++) {
    GPtrArray *got = m[N_SUBMITTERS + i].received;
    guint64 next[N_SUBMITTERS] = { 0 };

    fail_unless_equals_int (got->len, N_SUBMITTERS * PER_SENDER);
    for (j = 0; j < got->len; j++) {
      GBytes *msg = g_ptr_array_index (got, j);
      guint8 tag = message_tag (msg);

      fail_unless (tag < N_SUBMITTERS);
      fail_unless_equals_uint64 (message_seq (msg), next[tag]);
      next[tag]++;
      if (i > 0)
        fail_unless (g_bytes_equal (msg,
                g_ptr_array_index (m[N_SUBMITTERS].received, j)),
            "the listeners' orders differ at message %u", j);
    }
  }
  for (i = 0; i < N_SUBMITTERS; i++) {
    GPtrArray *all = m[N_SUBMITTERS].received, *got = m[i].received;
    guint k = 0;

    fail_unless_equals_int (got->len, (N_SUBMITTERS - 1) * PER_SENDER);
    for (j = 0; j < all->len; j++) {
      GBytes *msg = g_ptr_array_index (all, j);

      if (message_tag (msg) == i)
        continue;
      fail_unless (g_bytes_equal (msg, g_ptr_array_index (got, k)),
          "member %s's order differs at message %u", names[i], k);
      k++;
    }
  }

  gst_e2ee_delivery_get_stats (d, &st);
  fail_unless_equals_uint64 (st.submitted, N_SUBMITTERS * PER_SENDER);
  fail_unless_equals_uint64 (st.forwarded, N_SUBMITTERS * PER_SENDER);
  fail_unless_equals_uint64 (st.delivered,
      N_SUBMITTERS * PER_SENDER * (G_N_ELEMENTS (m) - 1));
  fail_unless_equals_uint64 (st.refused, 0);
  fail_unless_equals_uint64 (st.commits, 0);
  fail_unless_equals_uint64 (st.connections, G_N_ELEMENTS (m));

  delivery_free (d);
  for (i = 0; i < G_N_ELEMENTS (m); i++)
    member_clear (&m[i]);
}

GST_END_TEST;

static void
assert_refusals (Member * m, guint n, const GstE2eeDeliveryRefusal * want)
{
  guint i;

  fail_unless_equals_int (m->refusals->len, n);
  for (i = 0; i < n; i++)
    fail_unless_equals_string (gst_e2ee_delivery_refusal_name (g_array_index
            (m->refusals, GstE2eeDeliveryRefusal, i)),
        gst_e2ee_delivery_refusal_name (want[i]));
}

/* Real commits: alice adds bob, then alice and bob both commit an update for
 * epoch 1. alice's comes first and goes out; bob's is refused and bob told. A
 * replay of alice's commit, a commit for epoch 9 and one for epoch 0 are refused
 * too; a proposal or application message of an old epoch goes out (the members'
 * groups refuse it). Another group's commits count apart. */
GST_START_TEST (test_first_commit_wins)
{
  GstE2eeDelivery *d = delivery_new ();
  Member a, b, c;
  GstE2eeMlsClient *alice = client_new ("alice"), *bob = client_new ("bob");
  GBytes *gid = g_bytes_new_static (GROUP_ID, strlen (GROUP_ID));
  GBytes *kp, *add, *welcome = NULL, *tree, *ca, *cb, *future, *stale, *old;
  GstE2eeMlsGroup *ga, *gb;
  GError *err = NULL;
  GstE2eeDeliveryStats st;
  guint8 *bytes;
  gsize size;
  static const GstE2eeDeliveryRefusal bob_wants[] = {
    GST_E2EE_DELIVERY_REFUSED_EPOCH_COMMITTED,
  };
  static const GstE2eeDeliveryRefusal carol_wants[] = {
    GST_E2EE_DELIVERY_REFUSED_EPOCH_COMMITTED,
    GST_E2EE_DELIVERY_REFUSED_FUTURE_EPOCH,
    GST_E2EE_DELIVERY_REFUSED_EPOCH_COMMITTED,
    GST_E2EE_DELIVERY_REFUSED_EPOCH_COMMITTED,
  };

  member_init (&a, d, "alice");
  member_init (&b, d, "bob");
  member_init (&c, d, "carol");

  ga = gst_e2ee_mls_group_create (alice, gid, &err);
  fail_unless (ga != NULL, "%s", err ? err->message : "");
  kp = gst_e2ee_mls_client_create_key_package (bob, &err);
  fail_unless (kp != NULL);
  gst_e2ee_delivery_submit (d, b.conn, kp);
  add = gst_e2ee_mls_group_add (ga, kp, &welcome, &err);
  fail_unless (add != NULL, "%s", err ? err->message : "");
  gst_e2ee_delivery_submit (d, a.conn, add);
  gst_e2ee_delivery_submit (d, a.conn, welcome);
  tree = gst_e2ee_mls_group_get_ratchet_tree (ga);
  gb = gst_e2ee_mls_group_join (bob, welcome, tree, &err);
  fail_unless (gb != NULL, "%s", err ? err->message : "");
  fail_unless_equals_uint64 (gst_e2ee_mls_group_get_epoch (gb), 1);

  /* both commit for epoch 1 */
  ca = gst_e2ee_mls_group_update (ga, &err);
  fail_unless (ca != NULL, "%s", err ? err->message : "");
  cb = gst_e2ee_mls_group_update (gb, &err);
  fail_unless (cb != NULL, "%s", err ? err->message : "");
  gst_e2ee_delivery_submit (d, a.conn, ca);
  gst_e2ee_delivery_submit (d, b.conn, cb);
  flush (d);

  /* carol got the KeyPackage, the Add, the Welcome and alice's commit: not bob's */
  fail_unless_equals_int (c.received->len, 4);
  fail_unless (g_bytes_equal (g_ptr_array_index (c.received, 0), kp));
  fail_unless (g_bytes_equal (g_ptr_array_index (c.received, 1), add));
  fail_unless (g_bytes_equal (g_ptr_array_index (c.received, 2), welcome));
  fail_unless (g_bytes_equal (g_ptr_array_index (c.received, 3), ca));
  fail_unless_equals_int (a.received->len, 1);  /* bob's KeyPackage */
  fail_unless_equals_int (b.received->len, 3);  /* Add, Welcome, alice's commit */
  fail_unless (g_bytes_equal (g_ptr_array_index (b.received, 2), ca));
  assert_refusals (&b, 1, bob_wants);
  assert_refusals (&a, 0, NULL);
  /* what bob's group does with the winner: bob committed for epoch 1 itself, so
   * it is at epoch 2 of its own fork and refuses alice's; the service cannot undo
   * that, which is why only the host commits in a meeting (e2eemls). */
  fail_unless_equals_int (gst_e2ee_mls_group_handle (gb, ca, NULL, &err),
      GST_E2EE_MLS_MESSAGE_KIND_NONE);
  g_clear_error (&err);

  /* carol replays alice's commit; then a commit for epoch 9 (alice's, epoch
   * field changed), bob's losing one again, and the Add of epoch 0 */
  gst_e2ee_delivery_submit (d, c.conn, ca);
  bytes = g_bytes_unref_to_data (g_bytes_ref (ca), &size);
  bytes[4 + 1 + strlen (GROUP_ID) + 7] = 9;
  future = g_bytes_new_take (bytes, size);
  assert_header (future, 1, TRUE, 9, 3);
  gst_e2ee_delivery_submit (d, c.conn, future);
  gst_e2ee_delivery_submit (d, c.conn, cb);
  gst_e2ee_delivery_submit (d, c.conn, add);
  /* stale non-commits go out */
  stale = make_message (1, GROUP_ID, 0, 2, 0xa0);
  old = make_message (2, GROUP_ID, 0, 1, 0xa1);
  gst_e2ee_delivery_submit (d, c.conn, stale);
  gst_e2ee_delivery_submit (d, c.conn, old);
  flush (d);
  assert_refusals (&c, 4, carol_wants);
  fail_unless_equals_int (a.received->len, 3);
  fail_unless (g_bytes_equal (g_ptr_array_index (a.received, 1), stale));
  fail_unless (g_bytes_equal (g_ptr_array_index (a.received, 2), old));

  /* the next epoch's commit goes out; another group starts where its first
   * commit is, and its own next epoch follows */
  {
    GBytes *next = make_message (1, GROUP_ID, 2, 3, 0xb0);
    GBytes *other5 = make_message (1, "other", 5, 3, 0xb1);
    GBytes *other6 = make_message (2, "other", 6, 3, 0xb2);
    GBytes *other5again = make_message (1, "other", 5, 3, 0xb3);
    static const GstE2eeDeliveryRefusal more[] = {
      GST_E2EE_DELIVERY_REFUSED_EPOCH_COMMITTED,
      GST_E2EE_DELIVERY_REFUSED_FUTURE_EPOCH,
      GST_E2EE_DELIVERY_REFUSED_EPOCH_COMMITTED,
      GST_E2EE_DELIVERY_REFUSED_EPOCH_COMMITTED,
      GST_E2EE_DELIVERY_REFUSED_EPOCH_COMMITTED,
    };

    gst_e2ee_delivery_submit (d, c.conn, next);
    gst_e2ee_delivery_submit (d, c.conn, other5);
    gst_e2ee_delivery_submit (d, c.conn, other6);
    gst_e2ee_delivery_submit (d, c.conn, other5again);
    flush (d);
    assert_refusals (&c, 5, more);
    fail_unless_equals_int (a.received->len, 6);
    fail_unless (g_bytes_equal (g_ptr_array_index (a.received, 3), next));
    fail_unless (g_bytes_equal (g_ptr_array_index (a.received, 4), other5));
    fail_unless (g_bytes_equal (g_ptr_array_index (a.received, 5), other6));
    g_bytes_unref (next);
    g_bytes_unref (other5);
    g_bytes_unref (other6);
    g_bytes_unref (other5again);
  }

  gst_e2ee_delivery_get_stats (d, &st);
  fail_unless_equals_uint64 (st.submitted, 15);
  fail_unless_equals_uint64 (st.forwarded, 9);
  fail_unless_equals_uint64 (st.commits, 5);
  fail_unless_equals_uint64 (st.refused, 6);
  fail_unless_equals_uint64 (st.refused_epoch_committed, 5);
  fail_unless_equals_uint64 (st.refused_future_epoch, 1);
  fail_unless_equals_uint64 (st.refused_malformed, 0);

  delivery_free (d);
  member_clear (&a);
  member_clear (&b);
  member_clear (&c);
  g_bytes_unref (kp);
  g_bytes_unref (add);
  g_bytes_unref (welcome);
  g_bytes_unref (tree);
  g_bytes_unref (ca);
  g_bytes_unref (cb);
  g_bytes_unref (future);
  g_bytes_unref (stale);
  g_bytes_unref (old);
  g_bytes_unref (gid);
  g_object_unref (ga);
  g_object_unref (gb);
  g_object_unref (alice);
  g_object_unref (bob);
}

GST_END_TEST;

typedef struct
{
  const gchar *what;
  const guint8 *data;
  gsize size;
} Bad;

/* Each is refused as malformed, counted, its sender told, nothing delivered; a
 * good message after them goes out. */
GST_START_TEST (test_malformed)
{
  static const guint8 empty[1] = { 0 };
  static const guint8 short3[] = { 0, 1, 0 };
  static const guint8 version2[] = { 0, 2, 0, 1, 1, 'g', 0, 0, 0, 0, 0, 0, 0, 0,
    1, 0, 0, 0, 0, 0, 3, 0
  };
  static const guint8 wire0[] = { 0, 1, 0, 0, 1, 'g' };
  static const guint8 wire6[] = { 0, 1, 0, 6, 1, 'g' };
  static const guint8 wire_ffff[] = { 0, 1, 0xff, 0xff, 1, 'g' };
  static const guint8 gid_truncated[] = { 0, 1, 0, 1, 5, 'g', 'r' };
  static const guint8 gid_long_form[] = { 0, 1, 0, 1, 0x40, 1, 'g', 0, 0, 0, 0,
    0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 3, 0
  };
  static const guint8 gid_prefix_11[] = { 0, 1, 0, 2, 0xc0, 0, 0, 0, 0, 0, 0, 1,
    'g'
  };
  static const guint8 epoch_truncated[] = { 0, 1, 0, 2, 1, 'g', 0, 0, 0, 0 };
  static const guint8 sender0[] = { 0, 1, 0, 1, 1, 'g', 0, 0, 0, 0, 0, 0, 0, 0,
    0, 0, 3, 0
  };
  static const guint8 sender5[] = { 0, 1, 0, 1, 1, 'g', 0, 0, 0, 0, 0, 0, 0, 0,
    5, 0, 3, 0
  };
  static const guint8 leaf_truncated[] = { 0, 1, 0, 1, 1, 'g', 0, 0, 0, 0, 0, 0,
    0, 0, 1, 0, 0
  };
  static const guint8 ad_truncated[] = { 0, 1, 0, 1, 1, 'g', 0, 0, 0, 0, 0, 0, 0,
    0, 1, 0, 0, 0, 0, 4, 'a'
  };
  static const guint8 content0[] = { 0, 1, 0, 1, 1, 'g', 0, 0, 0, 0, 0, 0, 0, 0,
    1, 0, 0, 0, 0, 0, 0, 0
  };
  static const guint8 content4[] = { 0, 1, 0, 2, 1, 'g', 0, 0, 0, 0, 0, 0, 0, 0,
    4, 0
  };
  static const guint8 no_content_type[] = { 0, 1, 0, 2, 1, 'g', 0, 0, 0, 0, 0, 0,
    0, 0
  };
  static const guint8 welcome_empty[] = { 0, 1, 0, 3 };
  static guint8 huge[1024 * 1024 + 1] = { 0, 1, 0, 5, 1 };
  const Bad bad[] = {
    {"empty", empty, 0}, {"3 bytes", short3, sizeof (short3)},
    {"version 2", version2, sizeof (version2)},
    {"wire format 0", wire0, sizeof (wire0)},
    {"wire format 6", wire6, sizeof (wire6)},
    {"wire format 0xffff", wire_ffff, sizeof (wire_ffff)},
    {"group_id truncated", gid_truncated, sizeof (gid_truncated)},
    {"group_id length not shortest", gid_long_form, sizeof (gid_long_form)},
    {"length prefix 11", gid_prefix_11, sizeof (gid_prefix_11)},
    {"epoch truncated", epoch_truncated, sizeof (epoch_truncated)},
    {"sender type 0", sender0, sizeof (sender0)},
    {"sender type 5", sender5, sizeof (sender5)},
    {"leaf index truncated", leaf_truncated, sizeof (leaf_truncated)},
    {"authenticated_data truncated", ad_truncated, sizeof (ad_truncated)},
    {"content type 0", content0, sizeof (content0)},
    {"content type 4", content4, sizeof (content4)},
    {"no content type", no_content_type, sizeof (no_content_type)},
    {"Welcome with no body", welcome_empty, sizeof (welcome_empty)},
    {"over 1 MiB", huge, sizeof (huge)},
  };
  GstE2eeDelivery *d = delivery_new ();
  Member a, b;
  GstE2eeDeliveryStats st;
  GBytes *good;
  guint i;

  member_init (&a, d, "alice");
  member_init (&b, d, "bob");
  for (i = 0; i < G_N_ELEMENTS (bad); i++) {
    GBytes *msg = g_bytes_new (bad[i].data, bad[i].size);
    GstE2eeDeliveryHeader h;
    const gchar *why = NULL;

    fail_if (gst_e2ee_delivery_parse_header (bad[i].data, bad[i].size, &h, &why),
        "%s was read", bad[i].what);
    fail_unless (why != NULL, "%s: no reason", bad[i].what);
    GST_INFO ("%s: %s", bad[i].what, why);
    gst_e2ee_delivery_submit (d, a.conn, msg);
    g_bytes_unref (msg);
  }
  good = make_message (1, "g", 0, 3, 0x77);
  gst_e2ee_delivery_submit (d, a.conn, good);
  flush (d);

  fail_unless_equals_int (a.refusals->len, G_N_ELEMENTS (bad));
  for (i = 0; i < a.refusals->len; i++)
    fail_unless_equals_int (g_array_index (a.refusals, GstE2eeDeliveryRefusal, i),
        GST_E2EE_DELIVERY_REFUSED_MALFORMED);
  fail_unless_equals_int (b.received->len, 1);
  fail_unless (g_bytes_equal (g_ptr_array_index (b.received, 0), good));
  gst_e2ee_delivery_get_stats (d, &st);
  fail_unless_equals_uint64 (st.refused_malformed, G_N_ELEMENTS (bad));
  fail_unless_equals_uint64 (st.refused, G_N_ELEMENTS (bad));
  fail_unless_equals_uint64 (st.forwarded, 1);
  fail_unless_equals_uint64 (st.commits, 1);

  g_bytes_unref (good);
  delivery_free (d);
  member_clear (&a);
  member_clear (&b);
}

GST_END_TEST;

typedef struct
{
  GstE2eeDelivery *d;
  Member *m;
  gboolean returned;
} Disconnecter;

static gpointer
disconnect_thread (gpointer data)
{
  Disconnecter *x = data;

  gst_e2ee_delivery_disconnect (x->d, x->m->conn);
  g_atomic_int_set (&x->returned, TRUE);
  return NULL;
}

/* bob submits two messages and disconnects: the others get both, then the
 * disconnect callback names bob; bob gets nothing after. carol is disconnected
 * from another thread while her receive callback runs: the disconnect returns
 * only after the callback has, and she gets nothing after. */
GST_START_TEST (test_disconnect)
{
  GstE2eeDelivery *d = delivery_new ();
  Member a, b, c, e;
  GBytes *m1 = make_message (2, GROUP_ID, 1, 1, 1);
  GBytes *m2 = make_message (2, GROUP_ID, 1, 1, 2);
  GBytes *m3 = make_message (2, GROUP_ID, 1, 1, 3);
  GBytes *m4 = make_message (2, GROUP_ID, 1, 1, 4);
  GstE2eeDeliveryStats st;
  Disconnecter x;
  GThread *t;
  gint64 end;
  guint i;
  static const gchar *want[] = {
    "alice<-1", "carol<-1", "dave<-1", "alice<-2", "carol<-2", "dave<-2",
    "left:bob", "alice<-3", "carol<-3", "left:carol", "alice<-4"
  };

  member_init (&a, d, "alice");
  member_init (&b, d, "bob");
  member_init (&c, d, "carol");
  member_init (&e, d, "dave");
  fail_unless_equals_string (gst_e2ee_delivery_connection_get_name (b.conn), "bob");

  gst_e2ee_delivery_submit (d, b.conn, m1);
  gst_e2ee_delivery_submit (d, b.conn, m2);
  gst_e2ee_delivery_disconnect (d, b.conn);
  flush (d);

  g_mutex_lock (&c.lock);
  c.block = TRUE;
  g_mutex_unlock (&c.lock);
  gst_e2ee_delivery_submit (d, e.conn, m3);
  g_mutex_lock (&c.lock);
  end = g_get_monotonic_time () + hang_guard (10) / GST_USECOND;
  while (!c.in_callback)
    fail_unless (g_cond_wait_until (&c.cond, &c.lock, end),
        "carol's callback never ran");
  g_mutex_unlock (&c.lock);
  x.d = d;
  x.m = &c;
  x.returned = FALSE;
  t = g_thread_new ("disconnect", disconnect_thread, &x);
  /* only carol's callback returning lets it return: give it time to be wrong */
  g_usleep (100 * 1000);
  fail_if (g_atomic_int_get (&x.returned),
      "disconnect returned while the member's callback was running");
  g_mutex_lock (&c.lock);
  c.block = FALSE;
  g_cond_broadcast (&c.cond);
  g_mutex_unlock (&c.lock);
  g_thread_join (t);
  fail_unless (g_atomic_int_get (&x.returned));
  gst_e2ee_delivery_submit (d, e.conn, m4);
  flush (d);

  fail_unless_equals_int (a.received->len, 4);
  fail_unless_equals_int (b.received->len, 0);
  fail_unless_equals_int (c.received->len, 3);
  fail_unless_equals_int (e.received->len, 2);
  g_mutex_lock (&log_lock);
  for (i = 0; i < event_log->len; i++) {
    fail_unless (i < G_N_ELEMENTS (want), "extra event %s",
        (const gchar *) g_ptr_array_index (event_log, i));
    fail_unless_equals_string (g_ptr_array_index (event_log, i), want[i]);
  }
  fail_unless_equals_int (event_log->len, G_N_ELEMENTS (want));
  g_mutex_unlock (&log_lock);
  gst_e2ee_delivery_get_stats (d, &st);
  fail_unless_equals_uint64 (st.disconnections, 2);
  fail_unless_equals_uint64 (st.delivered, 3 + 3 + 2 + 1);

  g_bytes_unref (m1);
  g_bytes_unref (m2);
  g_bytes_unref (m3);
  g_bytes_unref (m4);
  delivery_free (d);
  member_clear (&a);
  member_clear (&b);
  member_clear (&c);
  member_clear (&e);
}

GST_END_TEST;

static Suite *
delivery_suite (void)
{
  Suite *s = suite_create ("delivery");
  TCase *tc = tcase_create ("general");

  suite_add_tcase (s, tc);
  tcase_add_test (tc, test_header_of_real_messages);
  tcase_add_test (tc, test_one_global_order);
  tcase_add_test (tc, test_first_commit_wins);
  tcase_add_test (tc, test_malformed);
  tcase_add_test (tc, test_disconnect);
  return s;
}

GST_CHECK_MAIN (delivery);
