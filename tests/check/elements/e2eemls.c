/* gst-e2ee: e2eeenc and e2eedec keyed by an MLS group (issue 17). Each member is built
 * with the library (client, group, key store and GstE2eeMlsKeys binding of its own),
 * and the members share nothing but the handshake bytes and the frames this test
 * passes between them. The elements follow the group's epochs by themselves: no line
 * here sets a key or a KID on them.
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <gst/check/gstcheck.h>
#include <gst/check/gsttestclock.h>
#include <gst/e2ee/e2ee.h>
#include <valgrind/valgrind.h>
#include <string.h>

#include "../e2eecheck.h"

#define TEST_CAPS "application/x-test"
#define SFRAME_TEST_CAPS "application/x-sframe, original-media-type=(string)application/x-test"

/* One member: its own client, group, key store (on a test clock: the grace period of
 * a retired epoch ends only at the E-bit wrap) and binding. */
typedef struct
{
  GstE2eeMlsClient *client;
  GstE2eeMlsGroup *group;
  GstE2eeKeyStore *store;
  GstClock *clock;
  GstE2eeMlsKeys *keys;
} Member;

static void
member_init (Member * m, const gchar * name)
{
  GBytes *id = g_bytes_new (name, strlen (name));
  GError *err = NULL;

  memset (m, 0, sizeof *m);
  m->client = gst_e2ee_mls_client_new (id, &err);
  fail_unless (m->client != NULL, "%s", err ? err->message : "");
  g_bytes_unref (id);
  m->store = gst_e2ee_key_store_new ();
  m->clock = gst_test_clock_new ();
  gst_e2ee_key_store_set_clock (m->store, m->clock);
}

static void
member_bind (Member * m)
{
  GError *err = NULL;

  m->keys = gst_e2ee_mls_keys_new (m->group, m->store, &err);
  fail_unless (m->keys != NULL, "%s", err ? err->message : "");
}

static void
member_clear (Member * m)
{
  g_clear_object (&m->keys);
  g_clear_object (&m->group);
  g_clear_object (&m->store);
  gst_clear_object (&m->clock);
  g_clear_object (&m->client);
}

static void
create (Member * m)
{
  GBytes *id = g_bytes_new_static ("meeting", 7);
  GError *err = NULL;

  m->group = gst_e2ee_mls_group_create (m->client, id, &err);
  fail_unless (m->group != NULL, "%s", err ? err->message : "");
  g_bytes_unref (id);
  member_bind (m);
}

/* @adder commits @joiner's addition; @joiner joins from the Welcome and binds its
 * store. Returns the commit, for the other members. */
static GBytes *
add (Member * adder, Member * joiner)
{
  GError *err = NULL;
  GBytes *kp = gst_e2ee_mls_client_create_key_package (joiner->client, &err);
  GBytes *commit, *welcome = NULL;

  fail_unless (kp != NULL, "%s", err ? err->message : "");
  commit = gst_e2ee_mls_group_add (adder->group, kp, &welcome, &err);
  fail_unless (commit != NULL, "%s", err ? err->message : "");
  g_bytes_unref (kp);
  joiner->group = gst_e2ee_mls_group_join (joiner->client, welcome, NULL, &err);
  fail_unless (joiner->group != NULL, "%s", err ? err->message : "");
  g_bytes_unref (welcome);
  member_bind (joiner);
  return commit;
}

/* Epochs come no faster than the grace period: when @m moves to the next epoch,
 * the epoch before the current one is over. (Faster, a frame of epoch n + 1 can reach
 * a receiver still holding epoch n + 1 - 2^E under the same KID, and fail.) */
static void
next_epoch_time (Member * m)
{
  gst_test_clock_advance_time (GST_TEST_CLOCK (m->clock),
      GST_E2EE_KEY_STORE_DEFAULT_GRACE_PERIOD + GST_SECOND);
}

static void
handle (Member * m, GBytes * commit)
{
  GError *err = NULL;

  next_epoch_time (m);
  fail_unless_equals_int (gst_e2ee_mls_group_handle (m->group, commit, NULL, &err),
      GST_E2EE_MLS_MESSAGE_KIND_COMMIT);
  fail_unless (err == NULL);
}

/* An element on @m's key store, in a harness, posting on its own bus. */
static GstHarness *
element_for (Member * m, const gchar * factory, GstBus ** bus)
{
  GstElement *el = gst_element_factory_make (factory, NULL);

  fail_unless (el != NULL, "%s not found: is GST_PLUGIN_PATH set?", factory);
  g_object_set (el, "key-store", m->store, NULL);
  gst_util_set_object_arg (G_OBJECT (el), "layout", "frame");
  return harness_for (el, bus, g_str_equal (factory, "e2eeenc") ? TEST_CAPS :
      SFRAME_TEST_CAPS);
}

/* ---- Frames --------------------------------------------------------------- */

/* Frame @index: 4 bytes of index, then bytes of its own; 24 to 87 bytes. */
static GstBuffer *
frame_new (guint32 index)
{
  gsize size = 24 + index % 64;
  guint8 *p = g_malloc (size);
  GstBuffer *buf;

  GST_WRITE_UINT32_BE (p, index);
  fill_bytes (p + 4, size - 4, index);
  buf = gst_buffer_new_wrapped (p, size);
  GST_BUFFER_PTS (buf) = index * GST_MSECOND;
  return buf;
}

/* A receiver: what came out of its e2eedec, checked byte for byte. */
typedef struct
{
  GstHarness *h;
  GstBus *bus;
  guint8 *seen;                 /* by frame index */
  guint n_seen;
  guint expected;               /* frames sent to it */
} Receiver;

static void
receiver_init (Receiver * r, Member * m, guint n_frames)
{
  memset (r, 0, sizeof *r);
  r->h = element_for (m, "e2eedec", &r->bus);
  r->seen = g_malloc0 (n_frames);
}

static void
receiver_clear (Receiver * r)
{
  gst_harness_teardown (r->h);
  gst_object_unref (r->bus);
  g_free (r->seen);
}

/* Takes what @r's e2eedec gave: each frame once, with exactly its bytes. */
static void
receiver_drain (Receiver * r)
{
  GstBuffer *out;

  while ((out = gst_harness_try_pull (r->h))) {
    GstBuffer *want;
    guint8 head[4];
    guint32 index;
    GBytes *bytes;

    fail_unless (gst_buffer_extract (out, 0, head, 4) == 4);
    index = GST_READ_UINT32_BE (head);
    fail_if (r->seen[index], "frame %u came out twice", index);
    r->seen[index] = 1;
    r->n_seen++;
    want = frame_new (index);
    bytes = buffer_bytes (want);
    assert_buffer_bytes (out, bytes, "decrypted frame");
    g_bytes_unref (bytes);
    gst_buffer_unref (want);
    gst_buffer_unref (out);
  }
}

static void
deliver (Receiver * r, GstBuffer * sframe)
{
  r->expected++;
  fail_unless_equals_int (gst_harness_push (r->h, gst_buffer_ref (sframe)), GST_FLOW_OK);
  receiver_drain (r);
}

/* @enc's SFrame frame of frame @index; NULL if it dropped it. */
static GstBuffer *
encrypt (GstHarness * enc, guint32 index)
{
  fail_unless_equals_int (gst_harness_push (enc, frame_new (index)), GST_FLOW_OK);
  return gst_harness_try_pull (enc);
}

static GstStructure *
stats_of (GstHarness * h)
{
  GstStructure *s = NULL;

  g_object_get (h->element, "stats", &s, NULL);
  fail_unless (s != NULL);
  return s;
}

/* How many of @bus's messages are element messages named @name, or warnings; the
 * last one of those in @last (optional, to free). */
static guint
count_messages (GstBus * bus, const gchar * name, GstMessage ** last)
{
  GstMessage *msg;
  guint n = 0;

  while ((msg = gst_bus_pop (bus))) {
    gboolean match = name == NULL ? GST_MESSAGE_TYPE (msg) == GST_MESSAGE_WARNING :
        GST_MESSAGE_TYPE (msg) == GST_MESSAGE_ELEMENT &&
        gst_structure_has_name (gst_message_get_structure (msg), name);

    if (match) {
      n++;
      if (last) {
        gst_clear_message (last);
        *last = gst_message_ref (msg);
      }
    }
    gst_message_unref (msg);
  }
  return n;
}

/* ---- (a) No frame lost to an epoch change ------------------------------------ */

#define ROLLING_FRAMES (RUNNING_ON_VALGRIND ? 1200 : 10000)
#define ROLLING_EPOCHS 52
/* Per sender and epoch: frames of the old epoch delivered late, and of the new epoch
 * delivered before the receivers handled the commit. */
#define LATE 3
#define EARLY 2

/* Alice (host) and Bob send, Carol only receives, Dave joins and leaves. Every epoch:
 * both senders encrypt; LATE frames each are kept back; a commit (Dave added, Bob
 * updates, Dave removed, Alice updates, in turn) is applied by its committer, whose
 * encoder sends EARLY frames of the new epoch at once, to receivers that have not
 * handled the commit (they hold them); then the others handle the commit, the late
 * frames of the old epoch arrive, and the epoch goes on. */
GST_START_TEST (test_no_frame_lost_across_epochs)
{
  Member a, b, c, d;
  GstHarness *enc_a, *enc_b;
  Receiver ra, rb, rc;          /* Alice hears Bob, Bob hears Alice, Carol both */
  guint n_frames = ROLLING_FRAMES, per_epoch = n_frames / ROLLING_EPOCHS / 2;
  guint32 next = 0;
  guint epoch, i, dave = 0, kid_switches;
  gboolean dave_in = FALSE;
  GstBus *bus_a = NULL;
  gint64 t0 = g_get_monotonic_time ();
  GstStructure *s;

  fail_unless (per_epoch > LATE + EARLY + 1);
  member_init (&a, "alice");
  member_init (&b, "bob");
  member_init (&c, "carol");
  create (&a);
  {
    GBytes *commit = add (&a, &b);
    g_bytes_unref (commit);
    commit = add (&a, &c);
    handle (&b, commit);
    g_bytes_unref (commit);
  }
  enc_a = element_for (&a, "e2eeenc", &bus_a);
  enc_b = element_for (&b, "e2eeenc", NULL);
  receiver_init (&ra, &a, n_frames);
  receiver_init (&rb, &b, n_frames);
  receiver_init (&rc, &c, n_frames);

  for (epoch = 0; next < n_frames; epoch++) {
    GstBuffer *late[2][LATE], *early[EARLY];
    Member *committer, *sender_ahead_of[2];
    Receiver *hears_committer[2];
    GstHarness *committer_enc;
    GBytes *commit;
    guint op = epoch % 4;
    GError *err = NULL;
    gboolean last = epoch + 1 >= ROLLING_EPOCHS;
    guint n_now = last ? (n_frames - next) / 2 : per_epoch;

    /* Both senders, in the epoch they are in; LATE of each kept back. */
    for (i = 0; i < n_now && next < n_frames; i++) {
      GstBuffer *fa = encrypt (enc_a, next++), *fb = NULL;

      fail_unless (fa != NULL);
      if (next < n_frames) {
        fb = encrypt (enc_b, next++);
        fail_unless (fb != NULL);
      }
      if (!last && i >= n_now - LATE) {
        late[0][i - (n_now - LATE)] = fa;
        late[1][i - (n_now - LATE)] = fb;
        continue;
      }
      deliver (&rb, fa);
      deliver (&rc, fa);
      gst_buffer_unref (fa);
      if (fb) {
        deliver (&ra, fb);
        deliver (&rc, fb);
        gst_buffer_unref (fb);
      }
    }
    if (last)
      break;

    /* The commit, applied by its committer at once. */
    next_epoch_time (op == 1 ? &b : &a);
    if (op == 0) {
      gchar name[16];

      g_snprintf (name, sizeof name, "dave%u", dave++);
      member_init (&d, name);
      commit = add (&a, &d);
      dave_in = TRUE;
    } else if (op == 2) {
      commit = gst_e2ee_mls_group_remove (a.group, 3, &err);
      dave_in = FALSE;
    } else {
      commit = gst_e2ee_mls_group_update (op == 1 ? b.group : a.group, &err);
    }
    fail_unless (commit != NULL, "%s", err ? err->message : "");
    committer = op == 1 ? &b : &a;
    committer_enc = op == 1 ? enc_b : enc_a;
    /* Receivers of the committer's stream, who have not handled the commit. */
    hears_committer[0] = op == 1 ? &ra : &rb;
    hears_committer[1] = &rc;
    sender_ahead_of[0] = op == 1 ? &a : &b;
    sender_ahead_of[1] = &c;

    /* The committer's first frames of the new epoch overtake the commit. */
    for (i = 0; i < EARLY && next < n_frames; i++) {
      early[i] = encrypt (committer_enc, next++);
      fail_unless (early[i] != NULL);
      deliver (hears_committer[0], early[i]);
      deliver (hears_committer[1], early[i]);
      gst_buffer_unref (early[i]);
    }
    /* Held, not lost, not out of order: nothing of them came out yet. */
    fail_unless_equals_int (gst_harness_buffers_in_queue (hears_committer[1]->h), 0);

    handle (sender_ahead_of[0], commit);
    handle (sender_ahead_of[1], commit);
    if (dave_in && op != 0)
      handle (&d, commit);
    if (op == 2) {
      handle (&d, commit);
      fail_if (gst_e2ee_mls_group_is_active (d.group));
      member_clear (&d);
    }
    g_bytes_unref (commit);
    (void) committer;

    /* The old epoch's late frames, after every receiver moved on. */
    for (i = 0; i < LATE; i++) {
      deliver (&rb, late[0][i]);
      deliver (&rc, late[0][i]);
      gst_buffer_unref (late[0][i]);
      if (late[1][i]) {
        deliver (&ra, late[1][i]);
        deliver (&rc, late[1][i]);
        gst_buffer_unref (late[1][i]);
      }
    }
  }
  if (dave_in)
    member_clear (&d);

  GST_INFO ("%u frames, %u epochs, %.1f s", n_frames, epoch,
      (g_get_monotonic_time () - t0) / 1e6);
  g_print ("epoch changes: %u frames across %u epochs (group epoch %" G_GUINT64_FORMAT
      "), lost: Alice %u, Bob %u, Carol %u\n", n_frames, epoch + 1,
      gst_e2ee_mls_group_get_epoch (a.group), ra.expected - ra.n_seen,
      rb.expected - rb.n_seen, rc.expected - rc.n_seen);
  fail_unless (epoch + 1 >= 50);
  fail_unless_equals_int (next, n_frames);
  fail_unless_equals_int (ra.n_seen, ra.expected);
  fail_unless_equals_int (rb.n_seen, rb.expected);
  fail_unless_equals_int (rc.n_seen, rc.expected);
  fail_unless_equals_int (ra.expected + rb.expected, n_frames);
  fail_unless_equals_int (rc.expected, n_frames);
  s = stats_of (rc.h);
  fail_unless_equals_uint64 (get_u64 (s, "dropped"), 0);
  fail_unless (get_u64 (s, "recovered") > 0);
  fail_unless_equals_uint64 (get_u64 (s, "recovered"), get_u64 (s, "held"));
  gst_structure_free (s);
  /* (f) Alice's encoder changed KID at every epoch by itself, and said so. */
  kid_switches = count_messages (bus_a, "e2ee-mls-kid", NULL);
  fail_unless_equals_int (kid_switches, epoch + 1);

  gst_harness_teardown (enc_a);
  gst_harness_teardown (enc_b);
  gst_object_unref (bus_a);
  receiver_clear (&ra);
  receiver_clear (&rb);
  receiver_clear (&rc);
  member_clear (&a);
  member_clear (&b);
  member_clear (&c);
}

GST_END_TEST;

static Suite *
e2eemls_suite (void)
{
  Suite *s = suite_create ("e2eemls");
  TCase *tc = tcase_create ("general");

  tcase_set_timeout (tc, 120);
  suite_add_tcase (s, tc);
  tcase_add_test (tc, test_no_frame_lost_across_epochs);
  return s;
}

GST_CHECK_MAIN (e2eemls);
