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

/* Alice creates the meeting and adds Bob, then (with @c) Carol: epoch 1 or 2. */
static void
meeting (Member * a, Member * b, Member * c)
{
  GBytes *commit;

  member_init (a, "alice");
  member_init (b, "bob");
  create (a);
  commit = add (a, b);
  g_bytes_unref (commit);
  if (c == NULL)
    return;
  member_init (c, "carol");
  next_epoch_time (a);
  commit = add (a, c);
  handle (b, commit);
  g_bytes_unref (commit);
}

static void
meeting_clear (Member * a, Member * b, Member * c)
{
  member_clear (a);
  member_clear (b);
  if (c)
    member_clear (c);
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

/* Under valgrind, fewer frames and epochs (still past the wrap of E = 4 bits): the
 * commits, not the frames, take the time there. */
#define ROLLING_FRAMES (RUNNING_ON_VALGRIND ? 1000 : 10000)
#define ROLLING_EPOCHS (RUNNING_ON_VALGRIND ? 20 : 52)
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
  /* Each epoch but the last takes 2 * per_epoch + EARLY frames; the last the rest. */
  guint n_frames = ROLLING_FRAMES;
  guint per_epoch = (n_frames / ROLLING_EPOCHS - EARLY) / 2;
  guint32 next = 0;
  guint epoch, i, dave = 0, kid_switches;
  gboolean dave_in = FALSE;
  GstBus *bus_a = NULL;
  gint64 t0 = g_get_monotonic_time ();
  GstStructure *s;

  fail_unless (per_epoch > LATE + EARLY + 1);
  meeting (&a, &b, &c);
  enc_a = element_for (&a, "e2eeenc", &bus_a);
  enc_b = element_for (&b, "e2eeenc", NULL);
  receiver_init (&ra, &a, n_frames);
  receiver_init (&rb, &b, n_frames);
  receiver_init (&rc, &c, n_frames);

  for (epoch = 0;; epoch++) {
    GstBuffer *late[2][LATE], *early[EARLY];
    Member *committer, *sender_ahead_of[2];
    Receiver *hears_committer[2];
    GstHarness *committer_enc;
    GBytes *commit;
    guint op = epoch % 4;
    GError *err = NULL;
    gboolean last = epoch + 1 >= ROLLING_EPOCHS;
    guint n_now = last ? (n_frames - next + 1) / 2 : per_epoch;

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
  fail_unless_equals_int (epoch + 1, ROLLING_EPOCHS);
  fail_unless (epoch + 1 >= 50 || RUNNING_ON_VALGRIND);
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
  meeting_clear (&a, &b, &c);
}

GST_END_TEST;

/* ---- (b) A joiner decrypts nothing sent before it joined ---------------------- */

GST_START_TEST (test_joiner_decrypts_nothing_earlier)
{
  Member a, b, c;
  GstHarness *enc;
  Receiver rb, rc;
  GPtrArray *before = g_ptr_array_new_with_free_func ((GDestroyNotify) gst_buffer_unref);
  guint32 next = 0;
  guint i, round, earlier;
  GBytes *commit;
  GError *err = NULL;

  meeting (&a, &b, NULL);
  member_init (&c, "carol");
  enc = element_for (&a, "e2eeenc", NULL);
  receiver_init (&rb, &b, 64);

  /* Three epochs of Alice's frames, which Bob reads; Carol is not there yet. */
  for (round = 0; round < 3; round++) {
    for (i = 0; i < 8; i++) {
      GstBuffer *f = encrypt (enc, next++);

      deliver (&rb, f);
      g_ptr_array_add (before, f);
    }
    next_epoch_time (&a);
    commit = gst_e2ee_mls_group_update (a.group, &err);
    fail_unless (commit != NULL, "%s", err ? err->message : "");
    handle (&b, commit);
    g_bytes_unref (commit);
  }
  fail_unless_equals_int (rb.n_seen, before->len);

  /* Carol joins and gets every earlier frame: none decrypts. */
  next_epoch_time (&a);
  commit = add (&a, &c);
  handle (&b, commit);
  g_bytes_unref (commit);
  receiver_init (&rc, &c, 64);
  for (i = 0; i < before->len; i++)
    deliver (&rc, g_ptr_array_index (before, i));
  fail_unless_equals_int (gst_harness_push_event (rc.h, gst_event_new_eos ()), TRUE);
  receiver_drain (&rc);
  earlier = rc.n_seen;
  g_print ("joiner: decrypted %u of the %u frames sent before it joined\n", earlier,
      before->len);
  fail_unless_equals_int (earlier, 0);
  gst_harness_teardown (rc.h);
  gst_object_unref (rc.bus);
  g_free (rc.seen);

  /* What Alice sends now, Carol reads (from a fresh e2eedec, after that EOS). */
  receiver_init (&rc, &c, 64);
  for (i = 0; i < 8; i++) {
    GstBuffer *f = encrypt (enc, next++);

    deliver (&rc, f);
    gst_buffer_unref (f);
  }
  fail_unless_equals_int (rc.n_seen, 8);

  g_ptr_array_unref (before);
  gst_harness_teardown (enc);
  receiver_clear (&rb);
  receiver_clear (&rc);
  meeting_clear (&a, &b, &c);
}

GST_END_TEST;

/* ---- (c) and (f) A removed member --------------------------------------------- */

/* Alice removes Carol. Every frame Alice sends after applying that commit reaches
 * Carol's e2eedec, before and after Carol handled it: none decrypts. Carol's e2eeenc,
 * which follows the group by itself, drops what it gets once removed: nothing leaves
 * it, in the clear or otherwise. */
GST_START_TEST (test_removed_member)
{
  Member a, b, c;
  GstHarness *enc_a, *enc_c;
  GstBus *bus_c;
  Receiver rb, rc;
  guint32 next = 0;
  guint i, before, after, out_c;
  GBytes *commit;
  GError *err = NULL;
  GstMessage *warning = NULL;
  GstStructure *s;

  meeting (&a, &b, &c);
  enc_a = element_for (&a, "e2eeenc", NULL);
  enc_c = element_for (&c, "e2eeenc", &bus_c);
  receiver_init (&rb, &b, 4096);
  receiver_init (&rc, &c, 256);

  /* A member: Carol reads Alice, and sends. */
  for (i = 0; i < 10; i++) {
    GstBuffer *f = encrypt (enc_a, next++), *own;

    deliver (&rc, f);
    gst_buffer_unref (f);
    own = encrypt (enc_c, 1000 + i);
    fail_unless (own != NULL);
    gst_buffer_unref (own);
  }
  before = rc.n_seen;
  fail_unless_equals_int (before, 10);

  next_epoch_time (&a);
  commit = gst_e2ee_mls_group_remove (a.group, 2, &err);
  fail_unless (commit != NULL, "%s", err ? err->message : "");
  handle (&b, commit);
  /* Sent after the senders applied the removal: first while Carol has not handled
   * it (her e2eedec holds them for a key that never comes), then after. */
  for (i = 0; i < 40; i++) {
    GstBuffer *f = encrypt (enc_a, next++);

    if (i == 20) {
      handle (&c, commit);
      fail_if (gst_e2ee_mls_group_is_active (c.group));
    }
    deliver (&rb, f);
    deliver (&rc, f);
    gst_buffer_unref (f);
  }
  g_bytes_unref (commit);
  fail_unless (gst_harness_push_event (rc.h, gst_event_new_eos ()));
  receiver_drain (&rc);
  after = rc.n_seen - before;
  g_print ("removed member: decrypted %u of the 40 frames sent after the senders applied "
      "the removing commit\n", after);
  fail_unless_equals_int (after, 0);
  /* Bob, still a member, reads them all. */
  fail_unless_equals_int (rb.n_seen, 40);

  /* (f) Carol's e2eeenc: nothing leaves it once removed; counted, one warning. */
  out_c = gst_harness_buffers_received (enc_c);
  for (i = 0; i < 25; i++) {
    GstBuffer *own = encrypt (enc_c, 2000 + i);

    fail_unless (own == NULL, "a removed member's e2eeenc sent a frame");
  }
  fail_unless_equals_int (gst_harness_buffers_received (enc_c), out_c);
  s = stats_of (enc_c);
  fail_unless_equals_uint64 (get_u64 (s, "dropped-no-key"), 25);
  gst_structure_free (s);
  fail_unless_equals_int (count_messages (bus_c, NULL, &warning), 1);
  {
    GError *gerr = NULL;

    gst_message_parse_warning (warning, &gerr, NULL);
    fail_unless (strstr (gerr->message, "no key") != NULL, "%s", gerr->message);
    g_error_free (gerr);
  }
  gst_message_unref (warning);

  /* Carol is added again: a new group object and binding on the same store, which
   * her running e2eeenc finds by itself and encrypts with; Bob reads her. */
  g_clear_object (&c.keys);
  g_clear_object (&c.group);
  next_epoch_time (&a);
  commit = add (&a, &c);
  handle (&b, commit);
  g_bytes_unref (commit);
  for (i = 0; i < 10; i++) {
    GstBuffer *own = encrypt (enc_c, 3000 + i);

    fail_unless (own != NULL, "the re-added member's e2eeenc sends nothing");
    deliver (&rb, own);
    gst_buffer_unref (own);
  }
  fail_unless_equals_int (rb.n_seen, 50);

  gst_harness_teardown (enc_a);
  gst_harness_teardown (enc_c);
  gst_object_unref (bus_c);
  receiver_clear (&rb);
  receiver_clear (&rc);
  meeting_clear (&a, &b, &c);
}

GST_END_TEST;

/* ---- (d) and (e) A member sending under another member's KID; naming ------------ */

/* @frame (an SFrame frame) with its header naming @kid instead, same CTR and body. */
static GstBuffer *
with_kid (GstBuffer * frame, guint64 kid)
{
  GstMapInfo map;
  guint64 old_kid, ctr;
  gsize hlen, n;
  guint8 header[GST_E2EE_SFRAME_MAX_HEADER_SIZE];
  GstBuffer *out;

  fail_unless (gst_buffer_map (frame, &map, GST_MAP_READ));
  fail_unless (gst_e2ee_sframe_header_parse (map.data, map.size, &old_kid, &ctr, &hlen,
          NULL));
  fail_if (old_kid == kid);
  n = gst_e2ee_sframe_header_encode (kid, ctr, header, sizeof header);
  out = gst_buffer_new_allocate (NULL, n + map.size - hlen, NULL);
  gst_buffer_fill (out, 0, header, n);
  gst_buffer_fill (out, n, map.data + hlen, map.size - hlen);
  gst_buffer_unmap (frame, &map);
  GST_BUFFER_PTS (out) = GST_BUFFER_PTS (frame);
  return out;
}

/* The kid-stats entry of @kid in @stats. */
static const GstStructure *
kid_entry (const GstStructure * stats, guint64 kid)
{
  const GValue *kids = gst_structure_get_value (stats, "kids");
  guint i;

  for (i = 0; i < gst_value_array_get_size (kids); i++) {
    const GstStructure *e = gst_value_get_structure (gst_value_array_get_value (kids, i));

    if (get_u64 (e, "kid") == kid)
      return e;
  }
  fail ("no kid-stats for KID %" G_GUINT64_FORMAT, kid);
  return NULL;
}

static void
assert_names (const GstStructure * s, guint leaf, const gchar * identity)
{
  guint got = G_MAXUINT;

  if (!gst_structure_get_uint (s, "leaf", &got)) {
    gchar *text = gst_structure_to_string (s);

    fail ("no leaf in %s", text);
    g_free (text);
  }
  fail_unless_equals_int (got, leaf);
  fail_unless_equals_string (gst_structure_get_string (s, "identity"), identity);
}

GST_START_TEST (test_impersonation_and_names)
{
  Member a, b, c;
  GstHarness *enc_a, *enc_b;
  Receiver rc;
  guint32 next = 0;
  guint i, forged = 0, named_warnings = 0;
  guint64 kid_a;
  GBytes *commit;
  GError *err = NULL;
  GstMessage *msg;
  GstStructure *s;
  gboolean drop_named = FALSE, held_named = FALSE, recovered_named = FALSE;

  meeting (&a, &b, &c);
  enc_a = element_for (&a, "e2eeenc", NULL);
  enc_b = element_for (&b, "e2eeenc", NULL);
  receiver_init (&rc, &c, 256);
  g_object_set (rc.h->element, "drop-message-interval", (guint64) 0, NULL);

  /* Alice's real frames, then Bob's frames relabelled with Alice's KID: Bob seals
   * with his own key, so none passes at Carol. */
  for (i = 0; i < 4; i++) {
    GstBuffer *f = encrypt (enc_a, next++);

    deliver (&rc, f);
    gst_buffer_unref (f);
  }
  kid_a = gst_e2ee_mls_keys_get_own_kid (a.keys, 0);
  /* Past the counters Alice used, so that no forged frame is a mere replay. */
  for (i = 0; i < 4; i++)
    gst_buffer_unref (encrypt (enc_b, next++));
  for (i = 0; i < 30; i++) {
    GstBuffer *f = encrypt (enc_b, next++), *fake = with_kid (f, kid_a);

    deliver (&rc, fake);
    forged++;
    gst_buffer_unref (fake);
    gst_buffer_unref (f);
  }
  fail_unless_equals_int (rc.n_seen, 4);
  s = stats_of (rc.h);
  fail_unless_equals_uint64 (get_u64 (s, "dropped-authentication"), forged);
  /* (e) Stats name the member behind each KID. */
  assert_names (kid_entry (s, kid_a), 0, "alice");
  fail_unless_equals_uint64 (get_u64 (kid_entry (s, kid_a), "dropped-authentication"),
      forged);
  gst_structure_free (s);
  g_print ("impersonation: %u frames under another member's KID, %u passed\n", forged,
      rc.n_seen - 4);

  /* (e) A new epoch's frame overtakes the commit: held, then recovered, named. */
  next_epoch_time (&a);
  commit = gst_e2ee_mls_group_update (a.group, &err);
  fail_unless (commit != NULL, "%s", err ? err->message : "");
  {
    GstBuffer *early = encrypt (enc_a, next++), *f;

    deliver (&rc, early);
    gst_buffer_unref (early);
    handle (&c, commit);
    f = encrypt (enc_a, next++);
    deliver (&rc, f);
    gst_buffer_unref (f);
  }
  handle (&b, commit);
  g_bytes_unref (commit);
  fail_unless_equals_int (rc.n_seen, 6);

  while ((msg = gst_bus_pop (rc.bus))) {
    const GstStructure *ms = gst_message_get_structure (msg);

    if (GST_MESSAGE_TYPE (msg) == GST_MESSAGE_ELEMENT &&
        gst_structure_has_name (ms, "e2eedec-drop")) {
      fail_unless_equals_string (gst_structure_get_string (ms, "reason"),
          "authentication");
      assert_names (ms, 0, "alice");
      drop_named = TRUE;
    } else if (GST_MESSAGE_TYPE (msg) == GST_MESSAGE_ELEMENT &&
        gst_structure_has_name (ms, "e2ee-unknown-kid") &&
        g_strcmp0 (gst_structure_get_string (ms, "action"), "held") == 0) {
      /* the next epoch's KID, before Carol has its key: named from the leaf it says */
      assert_names (ms, 0, "alice");
      held_named = TRUE;
    } else if (GST_MESSAGE_TYPE (msg) == GST_MESSAGE_ELEMENT &&
        gst_structure_has_name (ms, "e2ee-unknown-kid") &&
        g_strcmp0 (gst_structure_get_string (ms, "action"), "recovered") == 0) {
      assert_names (ms, 0, "alice");
      recovered_named = TRUE;
    } else if (GST_MESSAGE_TYPE (msg) == GST_MESSAGE_WARNING) {
      GError *gerr = NULL;

      gst_message_parse_warning (msg, &gerr, NULL);
      fail_unless (strstr (gerr->message, "(leaf 0, alice)") != NULL, "%s",
          gerr->message);
      named_warnings++;
      g_error_free (gerr);
    }
    gst_message_unref (msg);
  }
  fail_unless (drop_named);
  fail_unless (held_named, "the held message of the next epoch's KID names nobody");
  fail_unless (recovered_named);
  fail_unless (named_warnings > 0);

  gst_harness_teardown (enc_a);
  gst_harness_teardown (enc_b);
  receiver_clear (&rc);
  meeting_clear (&a, &b, &c);
}

GST_END_TEST;

/* Two commits in quick succession (an epoch that lives for one frame): a frame of the
 * short epoch that overtook both commits is held and decrypted once they are handled. */
GST_START_TEST (test_short_epoch_frames_recovered)
{
  Member a, b, c;
  GstHarness *enc_a;
  Receiver rc;
  guint32 next = 0;
  GBytes *c1, *c2;
  GstBuffer *f1, *f2, *f3;
  GError *err = NULL;

  meeting (&a, &b, &c);
  enc_a = element_for (&a, "e2eeenc", NULL);
  receiver_init (&rc, &c, 16);
  f1 = encrypt (enc_a, next++);
  deliver (&rc, f1);
  gst_buffer_unref (f1);

  c1 = gst_e2ee_mls_group_update (a.group, &err);
  fail_unless (c1 != NULL, "%s", err ? err->message : "");
  f2 = encrypt (enc_a, next++);
  c2 = gst_e2ee_mls_group_update (a.group, &err);
  fail_unless (c2 != NULL, "%s", err ? err->message : "");
  f3 = encrypt (enc_a, next++);
  deliver (&rc, f2);
  fail_unless_equals_int (gst_e2ee_mls_group_handle (c.group, c1, NULL, &err),
      GST_E2EE_MLS_MESSAGE_KIND_COMMIT);
  fail_unless_equals_int (gst_e2ee_mls_group_handle (c.group, c2, NULL, &err),
      GST_E2EE_MLS_MESSAGE_KIND_COMMIT);
  deliver (&rc, f3);
  g_print ("short epoch: %u of 3 frames decrypted\n", rc.n_seen);
  fail_unless_equals_int (rc.n_seen, 3);
  gst_buffer_unref (f2);
  gst_buffer_unref (f3);
  g_bytes_unref (c1);
  g_bytes_unref (c2);
  gst_harness_teardown (enc_a);
  receiver_clear (&rc);
  meeting_clear (&a, &b, &c);
}

GST_END_TEST;

/* The sender stops right after an epoch change: its last frame, of the new epoch, is
 * held until the receiver applies the commit, and then comes out although no frame
 * follows it (the release does not wait for the stream's next frame). */
GST_START_TEST (test_last_frame_released_without_next)
{
  Member a, b, c;
  GstHarness *enc_a;
  Receiver rc;
  guint32 next = 0;
  GBytes *commit;
  GstBuffer *f;
  GError *err = NULL;
  gint64 until;

  meeting (&a, &b, &c);
  enc_a = element_for (&a, "e2eeenc", NULL);
  receiver_init (&rc, &c, 16);
  f = encrypt (enc_a, next++);
  deliver (&rc, f);
  gst_buffer_unref (f);

  commit = gst_e2ee_mls_group_update (a.group, &err);
  fail_unless (commit != NULL, "%s", err ? err->message : "");
  f = encrypt (enc_a, next++);
  deliver (&rc, f);
  gst_buffer_unref (f);
  fail_unless_equals_int (rc.n_seen, 1);
  handle (&c, commit);
  g_bytes_unref (commit);

  until = g_get_monotonic_time () + 5 * G_TIME_SPAN_SECOND;
  while (rc.n_seen < 2 && g_get_monotonic_time () < until) {
    g_usleep (10 * 1000);
    receiver_drain (&rc);
  }
  g_print ("last frame: %u of 2 frames out with no frame after the commit\n", rc.n_seen);
  fail_unless_equals_int (rc.n_seen, 2);
  gst_harness_teardown (enc_a);
  receiver_clear (&rc);
  meeting_clear (&a, &b, &c);
}

GST_END_TEST;

/* A held frame is named from the leaf its KID encodes only for the next epoch: a KID
 * two epochs ahead could be anyone's by then, and stays unnamed. */
GST_START_TEST (test_held_two_epochs_ahead_unnamed)
{
  Member a, b, c;
  GstHarness *enc_a;
  Receiver rc;
  GBytes *c1, *c2;
  GstBuffer *f;
  GstMessage *msg;
  GError *err = NULL;
  gboolean held_seen = FALSE;

  meeting (&a, &b, &c);
  enc_a = element_for (&a, "e2eeenc", NULL);
  receiver_init (&rc, &c, 16);
  c1 = gst_e2ee_mls_group_update (a.group, &err);
  fail_unless (c1 != NULL, "%s", err ? err->message : "");
  c2 = gst_e2ee_mls_group_update (a.group, &err);
  fail_unless (c2 != NULL, "%s", err ? err->message : "");
  f = encrypt (enc_a, 0);
  deliver (&rc, f);
  gst_buffer_unref (f);

  while ((msg = gst_bus_pop (rc.bus))) {
    const GstStructure *ms = gst_message_get_structure (msg);

    if (GST_MESSAGE_TYPE (msg) == GST_MESSAGE_ELEMENT &&
        gst_structure_has_name (ms, "e2ee-unknown-kid") &&
        g_strcmp0 (gst_structure_get_string (ms, "action"), "held") == 0) {
      fail_if (gst_structure_has_field (ms, "leaf"), "named two epochs ahead");
      held_seen = TRUE;
    }
    gst_message_unref (msg);
  }
  fail_unless (held_seen);
  g_bytes_unref (c1);
  g_bytes_unref (c2);
  gst_harness_teardown (enc_a);
  receiver_clear (&rc);
  meeting_clear (&a, &b, &c);
}

GST_END_TEST;

/* ---- (f) e2eeenc follows the group: key-id is the group's ------------------------ */

/* The KID in @frame's SFrame header; its CTR in @ctr. */
static guint64
frame_kid (GstBuffer * frame, guint64 * ctr)
{
  guint64 kid = 0;
  GstMapInfo map;

  fail_unless (frame != NULL);
  fail_unless (gst_buffer_map (frame, &map, GST_MAP_READ));
  fail_unless (gst_e2ee_sframe_header_parse (map.data, map.size, &kid, ctr, NULL, NULL));
  gst_buffer_unmap (frame, &map);
  return kid;
}

/* The encoder's KID is the binding's, epoch after epoch, with no code per epoch;
 * e2ee-mls-kid says each switch; key-id written under a binding changes nothing and
 * is answered with a warning. */
GST_START_TEST (test_enc_follows_group)
{
  Member a, b;
  GstHarness *enc;
  GstBus *bus;
  GstMessage *msg = NULL;
  guint round, i;
  GBytes *commit;
  GError *err = NULL;
  guint64 kid = 0, epoch = 0;

  meeting (&a, &b, NULL);
  enc = element_for (&b, "e2eeenc", &bus);
  g_object_set (enc->element, "mls-context", 0, NULL);

  for (round = 0; round < 20; round++) {
    for (i = 0; i < 3; i++) {
      GstBuffer *f = encrypt (enc, round * 3 + i);
      guint64 ctr = 0;

      fail_unless_equals_uint64 (frame_kid (f, &ctr),
          gst_e2ee_mls_keys_get_own_kid (b.keys, 0));
      fail_unless_equals_uint64 (ctr, i);
      gst_buffer_unref (f);
    }
    fail_unless_equals_int (count_messages (bus, "e2ee-mls-kid", &msg), 1);
    fail_unless (gst_structure_get_uint64 (gst_message_get_structure (msg), "kid", &kid));
    fail_unless (gst_structure_get_uint64 (gst_message_get_structure (msg), "epoch",
            &epoch));
    fail_unless_equals_uint64 (kid, gst_e2ee_mls_keys_get_own_kid (b.keys, 0));
    fail_unless_equals_uint64 (epoch, gst_e2ee_mls_group_get_epoch (b.group));
    gst_clear_message (&msg);

    next_epoch_time (&a);
    commit = gst_e2ee_mls_group_update (a.group, &err);
    fail_unless (commit != NULL, "%s", err ? err->message : "");
    handle (&b, commit);
    g_bytes_unref (commit);
  }

  /* key-id is the group's to decide. */
  g_object_set (enc->element, "key-id", (guint64) 5, NULL);
  fail_unless_equals_int (count_messages (bus, NULL, &msg), 1);
  gst_clear_message (&msg);
  {
    GstBuffer *f = encrypt (enc, 999);
    guint64 ctr = 0;

    fail_unless_equals_uint64 (frame_kid (f, &ctr),
        gst_e2ee_mls_keys_get_own_kid (b.keys, 0));
    gst_buffer_unref (f);
  }

  gst_harness_teardown (enc);
  gst_object_unref (bus);
  meeting_clear (&a, &b, NULL);
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
  tcase_add_test (tc, test_joiner_decrypts_nothing_earlier);
  tcase_add_test (tc, test_removed_member);
  tcase_add_test (tc, test_impersonation_and_names);
  tcase_add_test (tc, test_enc_follows_group);
  tcase_add_test (tc, test_short_epoch_frames_recovered);
  tcase_add_test (tc, test_last_frame_released_without_next);
  tcase_add_test (tc, test_held_two_epochs_ahead_unnamed);
  return s;
}

GST_CHECK_MAIN (e2eemls);
