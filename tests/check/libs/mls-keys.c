/* gst-e2ee: GstE2eeMlsKeys and the security code: a group of up to four members, each
 * with its own key store bound to its group; after every create, add, update and
 * remove each store holds exactly the KIDs RFC 9605 §5.2 gives for the epochs it may
 * hold, with keys from the epoch's exporter (frames sealed through one member's store
 * open through the others' and with a key made from the exporter output here); a
 * removed member gets nothing of later epochs, a joiner nothing of earlier ones; the
 * E-bit wrap removes the old keys first, even an encryption key that was used; every
 * member shows the same security code, a new one per epoch, and the code and
 * fingerprint functions give the values Python's hmac/hashlib give (below); each KID
 * names the member behind it.
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <gst/check/gstcheck.h>
#include <gst/check/gsttestclock.h>
#include <gst/e2ee/e2ee.h>
#include <string.h>

#define N_MAX 4
#define SUITE GST_E2EE_CIPHER_SUITE_AES_128_GCM_SHA256_128

/* What a store should hold, as the test's own model of RFC 9605 §5.2. */
typedef struct
{
  guint64 kid;
  GstE2eeKeyUsage usage;
  gboolean current;
} Want;

/* One member: its client, group, store (on a test clock, so no grace period ends
 * unless the test says so) and binding; @failures counts provisioning-failed. */
typedef struct
{
  GstE2eeMlsClient *client;
  GstE2eeMlsGroup *group;
  GstE2eeKeyStore *store;
  GstClock *clock;
  GstE2eeMlsKeys *keys;
  guint failures;
  /* The test's model of what the store holds. */
  Want want[64];
  guint n_want;
  guint epoch_bits, n_contexts;
} Member;

static void
on_failed (GstE2eeMlsKeys * keys, GError * error, Member * m)
{
  GST_ERROR ("provisioning failed: %s", error->message);
  m->failures++;
}

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
member_bind (Member * m, guint epoch_bits, guint n_contexts)
{
  GError *err = NULL;

  m->epoch_bits = epoch_bits;
  m->n_contexts = n_contexts;
  m->keys = gst_e2ee_mls_keys_new_full (m->group, m->store, epoch_bits, n_contexts,
      SUITE, &err);
  fail_unless (m->keys != NULL, "%s", err ? err->message : "");
  g_signal_connect (m->keys, "provisioning-failed", G_CALLBACK (on_failed), m);
}

static void
member_clear (Member * m)
{
  fail_unless_equals_int (m->failures, 0);
  g_clear_object (&m->keys);
  g_clear_object (&m->group);
  g_clear_object (&m->store);
  gst_clear_object (&m->clock);
  g_clear_object (&m->client);
}

/* @joiner joins from @welcome and binds its store. */
static void
join (Member * joiner, GBytes * welcome, guint epoch_bits, guint n_contexts)
{
  GError *err = NULL;

  joiner->group = gst_e2ee_mls_group_join (joiner->client, welcome, NULL, &err);
  fail_unless (joiner->group != NULL, "%s", err ? err->message : "");
  member_bind (joiner, epoch_bits, n_contexts);
}

static void
create (Member * m, const gchar * group_id)
{
  GBytes *id = g_bytes_new (group_id, strlen (group_id));
  GError *err = NULL;

  m->group = gst_e2ee_mls_group_create (m->client, id, &err);
  fail_unless (m->group != NULL, "%s", err ? err->message : "");
  g_bytes_unref (id);
}

/* @adder commits the addition of @joiner; returns the commit and the Welcome. */
static GBytes *
add_commit (Member * adder, Member * joiner, GBytes ** welcome)
{
  GError *err = NULL;
  GBytes *kp = gst_e2ee_mls_client_create_key_package (joiner->client, &err);
  GBytes *commit;

  fail_unless (kp != NULL, "%s", err ? err->message : "");
  commit = gst_e2ee_mls_group_add (adder->group, kp, welcome, &err);
  fail_unless (commit != NULL, "%s", err ? err->message : "");
  g_bytes_unref (kp);
  return commit;
}

static void
handle (Member * m, GBytes * commit)
{
  GError *err = NULL;

  fail_unless_equals_int (gst_e2ee_mls_group_handle (m->group, commit, NULL, &err),
      GST_E2EE_MLS_MESSAGE_KIND_COMMIT);
  fail_unless (err == NULL);
}

/* The KID, computed here as RFC 9605 §5.2 writes it. */
static guint64
kid_of (guint64 context, guint32 index, guint64 epoch, guint s, guint e)
{
  return (context << (s + e)) + ((guint64) index << e) + (epoch % (1u << e));
}

/* The store holds exactly @want: the same KIDs, usages, and current or retired. */
static void
assert_store (Member * m, const Want * want, guint n)
{
  guint i, total = 0;
  GstE2eeKeyUsage u;

  for (u = GST_E2EE_KEY_USAGE_ENCRYPT; u <= GST_E2EE_KEY_USAGE_DECRYPT; u++) {
    GArray *kids = gst_e2ee_key_store_list_kids (m->store, u);

    for (i = 0; i < kids->len; i++) {
      guint64 kid = g_array_index (kids, guint64, i);
      GstClockTime deadline = 0;
      GstE2eeKeyUsage usage;
      GstE2eeCipherSuite suite;
      guint k;

      fail_unless (gst_e2ee_key_store_get_key_info (m->store, kid, &usage, &suite,
              &deadline));
      fail_unless_equals_int (suite, SUITE);
      for (k = 0; k < n; k++)
        if (want[k].kid == kid && want[k].usage == u)
          break;
      fail_unless (k < n, "the store holds KID %" G_GUINT64_FORMAT " (%s), not expected",
          kid, u == GST_E2EE_KEY_USAGE_ENCRYPT ? "encrypt" : "decrypt");
      fail_unless_equals_int (deadline == GST_CLOCK_TIME_NONE, want[k].current);
      total++;
    }
    g_array_unref (kids);
  }
  fail_unless_equals_int (total, n);
}

/* The SFrame key RFC 9605 §5.2 gives for @kid, from @g's exporter here. */
static GstE2eeSFrameKey *
key_from_exporter (GstE2eeMlsGroup * g, guint64 kid)
{
  GError *err = NULL;
  GBytes *base = gst_e2ee_mls_group_export_secret (g, "SFrame 1.0 Base Key", NULL, 16,
      &err);
  GstE2eeSFrameKey *key;

  fail_unless (base != NULL);
  key = gst_e2ee_sframe_key_new_from_bytes (SUITE, kid, base, &err);
  fail_unless (key != NULL);
  g_bytes_unref (base);
  return key;
}

/* A frame @m seals with its own current key of @context through its store. */
static GBytes *
seal (Member * m, guint context, guint64 * kid)
{
  GstE2eeSFrameKey *key;
  GBytes *pt = g_bytes_new_static ("a media frame", 13), *frame;

  *kid = gst_e2ee_mls_keys_get_own_kid (m->keys, context);
  key = gst_e2ee_key_store_lookup (m->store, *kid, GST_E2EE_KEY_USAGE_ENCRYPT);
  fail_unless (key != NULL, "no encryption key %" G_GUINT64_FORMAT, *kid);
  frame = gst_e2ee_sframe_key_encrypt_bytes (key, NULL, pt, NULL);
  fail_unless (frame != NULL);
  gst_e2ee_sframe_key_unref (key);
  g_bytes_unref (pt);
  return frame;
}

/* Whether @m's store opens @frame (sealed under @kid). */
static gboolean
opens (Member * m, guint64 kid, GBytes * frame)
{
  GstE2eeSFrameKey *key = gst_e2ee_key_store_lookup (m->store, kid,
      GST_E2EE_KEY_USAGE_DECRYPT);
  GBytes *pt;

  if (key == NULL)
    return FALSE;
  pt = gst_e2ee_sframe_key_decrypt_bytes (key, NULL, frame, NULL);
  gst_e2ee_sframe_key_unref (key);
  if (pt == NULL)
    return FALSE;
  fail_unless (g_bytes_get_size (pt) == 13 && memcmp (g_bytes_get_data (pt, NULL),
          "a media frame", 13) == 0);
  g_bytes_unref (pt);
  return TRUE;
}

/* Every member of @ms seals a frame of each context; every other opens it through
 * its store, and a key made from the exporter output opens it too. */
static void
assert_frames_cross (Member ** ms, guint n, guint n_contexts)
{
  guint i, j, c;

  for (i = 0; i < n; i++) {
    for (c = 0; c < n_contexts; c++) {
      guint64 kid;
      GBytes *frame = seal (ms[i], c, &kid);
      GstE2eeSFrameKey *direct = key_from_exporter (ms[i]->group, kid);
      GBytes *pt = gst_e2ee_sframe_key_decrypt_bytes (direct, NULL, frame, NULL);

      fail_unless (pt != NULL, "the store's key is not the exporter's");
      g_bytes_unref (pt);
      gst_e2ee_sframe_key_unref (direct);
      for (j = 0; j < n; j++)
        if (j != i)
          fail_unless (opens (ms[j], kid, frame), "member %u cannot open %u's frame",
              j, i);
      g_bytes_unref (frame);
    }
  }
}

/* The model: @want gets, for every leaf in @leaves at @epoch, each context's KID,
 * encryption for @own, current; the earlier current entries become retired. */
static guint
model_epoch (Want * want, guint n, const guint32 * leaves, guint n_leaves, guint32 own,
    guint64 epoch, guint s, guint e, guint n_contexts)
{
  guint i, c;

  for (i = 0; i < n; i++)
    want[i].current = FALSE;
  for (i = 0; i < n_leaves; i++)
    for (c = 0; c < n_contexts; c++) {
      Want w = { kid_of (c, leaves[i], epoch, s, e),
        leaves[i] == own ? GST_E2EE_KEY_USAGE_ENCRYPT : GST_E2EE_KEY_USAGE_DECRYPT, TRUE
      };
      want[n++] = w;
    }
  return n;
}

GST_START_TEST (test_kid_layout)
{
  /* RFC 9605 §5.2's example (E = 4, S = 6). */
  fail_unless_equals_uint64 (gst_e2ee_mls_kid (0, 3, 14, 6, 4), 0x3e);
  fail_unless_equals_uint64 (gst_e2ee_mls_kid (0, 7, 14, 6, 4), 0x7e);
  fail_unless_equals_uint64 (gst_e2ee_mls_kid (0, 20, 14, 6, 4), 0x14e);
  fail_unless_equals_uint64 (gst_e2ee_mls_kid (0, 5, 15, 6, 4), 0x5f);
  fail_unless_equals_uint64 (gst_e2ee_mls_kid (2, 2, 16, 6, 4), 0x820);
  fail_unless_equals_uint64 (gst_e2ee_mls_kid (3, 2, 16, 6, 4), 0xc20);
  fail_unless_equals_uint64 (gst_e2ee_mls_kid (0, 33, 17, 6, 4), 0x211);
  fail_unless_equals_uint64 (gst_e2ee_mls_kid (0, 51, 17, 6, 4), 0x331);
  /* group_size <= 2^S */
  fail_unless_equals_int (gst_e2ee_mls_sender_bits (1), 0);
  fail_unless_equals_int (gst_e2ee_mls_sender_bits (2), 1);
  fail_unless_equals_int (gst_e2ee_mls_sender_bits (3), 2);
  fail_unless_equals_int (gst_e2ee_mls_sender_bits (64), 6);
  fail_unless_equals_int (gst_e2ee_mls_sender_bits (65), 7);
}

GST_END_TEST;

/* @keys names @name (leaf @leaf, epoch @epoch) as the sender of @kid. */
static void
assert_sender (GstE2eeMlsKeys * keys, guint64 kid, const gchar * name, guint32 leaf,
    guint64 epoch)
{
  guint64 got_epoch = G_MAXUINT64;
  GstE2eeMlsMember *m = gst_e2ee_mls_keys_lookup_sender (keys, kid, &got_epoch);
  GBytes *id;

  fail_unless (m != NULL, "nobody sends under KID %" G_GUINT64_FORMAT, kid);
  id = gst_e2ee_mls_member_get_identity (m);
  fail_unless (g_bytes_get_size (id) == strlen (name) &&
      memcmp (g_bytes_get_data (id, NULL), name, strlen (name)) == 0);
  fail_unless_equals_int (gst_e2ee_mls_member_get_leaf_index (m), leaf);
  fail_unless_equals_uint64 (got_epoch, epoch);
  g_bytes_unref (id);
  gst_e2ee_mls_member_free (m);
}

/* The model moves @m to @epoch with the members @leaves and S = @s, and the store
 * must hold exactly what the model says. */
static void
expect (Member * m, guint32 own, const guint32 * leaves, guint n_leaves, guint64 epoch,
    guint s)
{
  m->n_want = model_epoch (m->want, m->n_want, leaves, n_leaves, own, epoch, s,
      m->epoch_bits, m->n_contexts);
  assert_store (m, m->want, m->n_want);
}

/* Create, add, add, update, remove with E = 4 and two contexts, checking every store
 * exactly after each step. */
GST_START_TEST (test_keys_follow_epochs)
{
  const guint E = 4, C = 2;
  Member a, b, c;
  Member *abc[] = { &a, &b, &c }, *ac[] = { &a, &c };
  GBytes *commit, *welcome = NULL, *old_frame, *frame;
  const guint32 l012[] = { 0, 1, 2 }, l02[] = { 0, 2 };
  GError *err = NULL;
  guint64 old_kid, kid;

  member_init (&a, "alice");
  member_init (&b, "bob");
  member_init (&c, "carol");
  create (&a, "meeting");
  member_bind (&a, E, C);

  /* Epoch 0: alone, S = 0: KIDs 0 and 1 << 4. */
  expect (&a, 0, l012, 1, 0, 0);
  fail_unless_equals_uint64 (gst_e2ee_mls_keys_get_own_kid (a.keys, 1), 16);
  fail_unless_equals_int (gst_e2ee_mls_keys_get_sender_bits (a.keys), 0);

  /* Epoch 1: bob joins, S = 1. */
  commit = add_commit (&a, &b, &welcome);
  g_bytes_unref (commit);
  join (&b, welcome, E, C);
  g_bytes_unref (welcome);
  expect (&a, 0, l012, 2, 1, 1);
  expect (&b, 1, l012, 2, 1, 1);
  /* bob's context 1 at epoch 1: (1 << 5) + (1 << 4) + 1 */
  fail_unless_equals_uint64 (gst_e2ee_mls_keys_get_own_kid (b.keys, 1), 49);
  assert_frames_cross (abc, 2, C);
  old_frame = seal (&a, 0, &old_kid);

  /* Epoch 2: carol joins, S = 2: context 1's KIDs move up a bit. */
  commit = add_commit (&a, &c, &welcome);
  handle (&b, commit);
  g_bytes_unref (commit);
  join (&c, welcome, E, C);
  g_bytes_unref (welcome);
  expect (&a, 0, l012, 3, 2, 2);
  expect (&b, 1, l012, 3, 2, 2);
  expect (&c, 2, l012, 3, 2, 2);
  fail_unless_equals_uint64 (gst_e2ee_mls_keys_get_own_kid (c.keys, 1), 64 + 32 + 2);
  assert_frames_cross (abc, 3, C);
  /* Each KID names its sender, the own ones too. */
  assert_sender (a.keys, kid_of (1, 2, 2, 2, E), "carol", 2, 2);
  assert_sender (b.keys, kid_of (0, 1, 1, 1, E), "bob", 1, 1);
  assert_sender (c.keys, kid_of (0, 0, 2, 2, E), "alice", 0, 2);
  fail_unless (gst_e2ee_mls_keys_lookup_sender (c.keys, kid_of (0, 0, 1, 1, E),
          NULL) == NULL);
  fail_unless (gst_e2ee_mls_keys_lookup_sender (a.keys, kid_of (0, 3, 2, 2, E),
          NULL) == NULL);
  /* The joiner opens nothing of the epoch before it joined. */
  fail_unless (opens (&b, old_kid, old_frame));
  fail_unless (!opens (&c, old_kid, old_frame));
  g_bytes_unref (old_frame);

  /* Epoch 3: carol updates. */
  commit = gst_e2ee_mls_group_update (c.group, &err);
  fail_unless (commit != NULL);
  handle (&a, commit);
  handle (&b, commit);
  g_bytes_unref (commit);
  expect (&a, 0, l012, 3, 3, 2);
  expect (&b, 1, l012, 3, 3, 2);
  expect (&c, 2, l012, 3, 3, 2);
  assert_frames_cross (abc, 3, C);

  /* Epoch 4: alice removes bob. Bob's keys are all retired and none is added. */
  commit = gst_e2ee_mls_group_remove (a.group, 1, &err);
  fail_unless (commit != NULL);
  handle (&c, commit);
  handle (&b, commit);
  g_bytes_unref (commit);
  fail_unless (!gst_e2ee_mls_group_is_active (b.group));
  fail_unless (!gst_e2ee_mls_keys_is_active (b.keys));
  fail_unless_equals_uint64 (gst_e2ee_mls_keys_get_own_kid (b.keys, 0), G_MAXUINT64);
  expect (&a, 0, l02, 2, 4, 2);
  expect (&b, 1, NULL, 0, 4, 2);
  expect (&c, 2, l02, 2, 4, 2);
  assert_frames_cross (ac, 2, C);
  /* The removed member is still named behind its KIDs of the epochs held. */
  assert_sender (a.keys, kid_of (1, 1, 3, 2, E), "bob", 1, 3);
  /* The removed member opens nothing of the new epoch. */
  frame = seal (&a, 0, &kid);
  fail_unless (opens (&c, kid, frame));
  fail_unless (!opens (&b, kid, frame));
  g_bytes_unref (frame);
  frame = seal (&c, 1, &kid);
  fail_unless (opens (&a, kid, frame));
  fail_unless (!opens (&b, kid, frame));
  g_bytes_unref (frame);

  /* After the grace period only the current keys are left. */
  gst_test_clock_advance_time (GST_TEST_CLOCK (a.clock), 10 * GST_SECOND);
  gst_test_clock_advance_time (GST_TEST_CLOCK (b.clock), 10 * GST_SECOND);
  gst_e2ee_key_store_expire (a.store, GST_CLOCK_TIME_NONE);
  gst_e2ee_key_store_expire (b.store, GST_CLOCK_TIME_NONE);
  a.n_want = 0;
  expect (&a, 0, l02, 2, 4, 2);
  assert_store (&b, b.want, 0);

  member_clear (&a);
  member_clear (&b);
  member_clear (&c);
}

GST_END_TEST;

/* E = 2: epoch 4 reuses epoch 0's KIDs. The old keys go first, the own encryption key
 * too though it was used, and the new ones are the new epoch's. */
GST_START_TEST (test_epoch_bits_wrap)
{
  const guint E = 2;
  Member a, b;
  Member *ab[] = { &a, &b };
  GBytes *commit, *welcome = NULL, *frames[8];
  guint64 kids[8];
  GError *err = NULL;
  guint epoch;

  member_init (&a, "alice");
  member_init (&b, "bob");
  create (&a, "wrap");
  commit = add_commit (&a, &b, &welcome);
  g_bytes_unref (commit);
  b.group = gst_e2ee_mls_group_join (b.client, welcome, NULL, &err);
  fail_unless (b.group != NULL);
  g_bytes_unref (welcome);
  /* Both bound at epoch 1, with a grace period longer than the test. */
  member_bind (&a, E, 1);
  member_bind (&b, E, 1);

  for (epoch = 1; epoch <= 7; epoch++) {
    Want want[16];
    guint n = 0;
    guint64 e;
    guint32 leaves[] = { 0, 1 };

    fail_unless_equals_uint64 (gst_e2ee_mls_group_get_epoch (a.group), epoch);
    /* Each member encrypts, so its key is used. */
    frames[epoch] = seal (&a, 0, &kids[epoch]);
    assert_frames_cross (ab, 2, 1);
    /* The store holds the last 2^E epochs since binding, the current one current. */
    for (e = epoch >= 4 ? epoch - 3 : 1; e <= epoch; e++)
      n = model_epoch (want, n, leaves, 2, 0, e, 1, E, 1);
    assert_store (&a, want, n);
    /* Frames of the epochs still held open; those of the epoch 2^E back do not. */
    fail_unless (opens (&b, kids[epoch], frames[epoch]));
    assert_sender (b.keys, kids[epoch], "alice", 0, epoch);
    if (epoch >= 5) {
      fail_unless_equals_uint64 (kids[epoch], kids[epoch - 4]);
      fail_unless (!opens (&b, kids[epoch - 4], frames[epoch - 4]));
      fail_unless (opens (&b, kids[epoch - 3], frames[epoch - 3]));
    }
    commit = gst_e2ee_mls_group_update (epoch % 2 ? b.group : a.group, &err);
    fail_unless (commit != NULL, "%s", err ? err->message : "");
    handle (epoch % 2 ? &a : &b, commit);
    g_bytes_unref (commit);
  }
  for (epoch = 1; epoch <= 7; epoch++)
    g_bytes_unref (frames[epoch]);
  member_clear (&a);
  member_clear (&b);
}

GST_END_TEST;

static gboolean
code_is_well_formed (const gchar * code)
{
  guint i;

  if (code == NULL || strlen (code) != 47)
    return FALSE;
  for (i = 0; i < 47; i++)
    if ((i % 6 == 5) ? code[i] != ' ' : !g_ascii_isdigit (code[i]))
      return FALSE;
  return TRUE;
}

/* Computed independently with Python from the same bytes:
 *   def fmt(t): return " ".join("%05d" % (int.from_bytes(t[4*i:4*i+4], "big") % 100000)
 *                               for i in range(8))
 *   fmt(hmac.new(bytes(range(32)), b"gst-e2ee 1.0 security code", hashlib.sha256).digest())
 *   fmt(hashlib.sha256(b"gst-e2ee 1.0 signature key fingerprint" + bytes(range(32, 64))).digest())
 */
#define KAT_CODE "24176 86930 64948 69533 60918 00824 46955 09492"
#define KAT_FINGERPRINT "80267 27779 80418 57858 59212 66696 29560 42881"

GST_START_TEST (test_code_known_answer)
{
  guint8 bytes[64];
  GBytes *auth, *sk;
  gchar *code, *fp;
  guint i;

  for (i = 0; i < 64; i++)
    bytes[i] = i;
  auth = g_bytes_new (bytes, 32);
  sk = g_bytes_new (bytes + 32, 32);
  code = gst_e2ee_mls_security_code_from_authenticator (auth);
  fp = gst_e2ee_mls_fingerprint_from_signature_key (sk);
  fail_unless_equals_string (code, KAT_CODE);
  fail_unless_equals_string (fp, KAT_FINGERPRINT);
  g_free (code);
  g_free (fp);
  g_bytes_unref (auth);
  g_bytes_unref (sk);
}

GST_END_TEST;

/* Every member shows the same code at each epoch, a new one per epoch; fingerprints
 * are the same in every roster and differ between members. */
GST_START_TEST (test_security_code)
{
  Member m[3];
  GPtrArray *seen = g_ptr_array_new_with_free_func (g_free);
  GError *err = NULL;
  guint i, j, round;

  member_init (&m[0], "alice");
  member_init (&m[1], "bob");
  member_init (&m[2], "carol");
  create (&m[0], "c");
  for (i = 1; i < 3; i++) {
    GBytes *welcome = NULL, *commit = add_commit (&m[0], &m[i], &welcome);

    for (j = 1; j < i; j++)
      handle (&m[j], commit);
    m[i].group = gst_e2ee_mls_group_join (m[i].client, welcome, NULL, &err);
    fail_unless (m[i].group != NULL);
    g_bytes_unref (commit);
    g_bytes_unref (welcome);
  }

  for (round = 0; round < 4; round++) {
    gchar *code = gst_e2ee_mls_group_get_security_code (m[0].group);
    GBytes *auth = gst_e2ee_mls_group_get_epoch_authenticator (m[0].group);
    gchar *from_auth = gst_e2ee_mls_security_code_from_authenticator (auth);
    GBytes *commit;

    fail_unless (code_is_well_formed (code), "%s", code);
    fail_unless_equals_string (code, from_auth);
    for (i = 1; i < 3; i++) {
      gchar *other = gst_e2ee_mls_group_get_security_code (m[i].group);

      fail_unless_equals_string (other, code);
      g_free (other);
    }
    for (i = 0; i < seen->len; i++)
      fail_if (g_str_equal (g_ptr_array_index (seen, i), code),
          "the code did not change with the epoch");
    g_ptr_array_add (seen, code);
    g_free (from_auth);
    g_bytes_unref (auth);

    commit = gst_e2ee_mls_group_update (m[round % 3].group, &err);
    fail_unless (commit != NULL);
    for (i = 0; i < 3; i++)
      if (i != round % 3)
        handle (&m[i], commit);
    g_bytes_unref (commit);
  }

  {
    GPtrArray *r0 = gst_e2ee_mls_group_get_members (m[0].group);
    GPtrArray *r2 = gst_e2ee_mls_group_get_members (m[2].group);
    gchar *fps[3];

    fail_unless_equals_int (r0->len, 3);
    for (i = 0; i < 3; i++) {
      GBytes *own = gst_e2ee_mls_client_get_signature_public_key (m[i].client);
      gchar *from_key = gst_e2ee_mls_fingerprint_from_signature_key (own);
      gchar *other = gst_e2ee_mls_member_get_fingerprint (g_ptr_array_index (r2, i));

      fps[i] = gst_e2ee_mls_member_get_fingerprint (g_ptr_array_index (r0, i));
      fail_unless (code_is_well_formed (fps[i]));
      fail_unless_equals_string (fps[i], from_key);
      fail_unless_equals_string (fps[i], other);
      g_free (from_key);
      g_free (other);
      g_bytes_unref (own);
    }
    fail_if (g_str_equal (fps[0], fps[1]) || g_str_equal (fps[1], fps[2]));
    for (i = 0; i < 3; i++)
      g_free (fps[i]);
    g_ptr_array_unref (r0);
    g_ptr_array_unref (r2);
  }

  /* A removed member has no code any more. */
  {
    GBytes *commit = gst_e2ee_mls_group_remove (m[0].group, 2, &err);
    gchar *code;

    fail_unless (commit != NULL);
    handle (&m[2], commit);
    fail_unless (gst_e2ee_mls_group_get_security_code (m[2].group) == NULL);
    code = gst_e2ee_mls_group_get_security_code (m[0].group);
    fail_unless (code_is_well_formed (code));
    g_free (code);
    g_bytes_unref (commit);
  }

  g_ptr_array_unref (seen);
  for (i = 0; i < 3; i++)
    member_clear (&m[i]);
}

GST_END_TEST;

/* An element that shares only the store finds the binding through it, for as long as
 * the binding lives, and the group behind it. */
GST_START_TEST (test_binding_found_from_store)
{
  Member a;
  GstE2eeMlsKeys *found, *second;
  GError *err = NULL;

  member_init (&a, "alice");
  create (&a, "found");
  fail_unless (gst_e2ee_mls_keys_get_for_store (a.store) == NULL);
  member_bind (&a, 4, 1);
  found = gst_e2ee_mls_keys_get_for_store (a.store);
  fail_unless (found == a.keys);
  fail_unless (gst_e2ee_mls_keys_get_group (found) == a.group);
  fail_unless (gst_e2ee_mls_keys_get_store (found) == a.store);
  g_object_unref (found);

  /* A later binding of the same store is the one found; dropping the earlier one
   * leaves it in place. */
  second = gst_e2ee_mls_keys_new (a.group, a.store, &err);
  fail_unless (second != NULL, "%s", err ? err->message : "");
  g_clear_object (&a.keys);
  found = gst_e2ee_mls_keys_get_for_store (a.store);
  fail_unless (found == second);
  g_object_unref (found);
  g_object_unref (second);
  fail_unless (gst_e2ee_mls_keys_get_for_store (a.store) == NULL);
  member_clear (&a);
}

GST_END_TEST;

static void
on_key_added_find (GstE2eeKeyStore * store, guint64 kid, GstE2eeKeyUsage usage,
    GstE2eeMlsKeys ** found)
{
  if (*found == NULL)
    *found = gst_e2ee_mls_keys_get_for_store (store);
}

/* An element following a store finds the binding from the store's first key-added,
 * and reads the code from the binding (any thread), never from the group: the same
 * code as the group's at every epoch, none once removed. */
GST_START_TEST (test_binding_code)
{
  Member a, b;
  GstE2eeMlsKeys *found = NULL;
  GBytes *welcome = NULL, *commit;
  GError *err = NULL;
  gchar *code, *before, *from_group;

  member_init (&a, "alice");
  member_init (&b, "bob");
  create (&a, "code");
  g_signal_connect (a.store, "key-added", G_CALLBACK (on_key_added_find), &found);
  member_bind (&a, 4, 1);
  fail_unless (found == a.keys, "the binding was not found from key-added");
  g_object_unref (found);

  before = gst_e2ee_mls_keys_dup_security_code (a.keys);
  from_group = gst_e2ee_mls_group_get_security_code (a.group);
  fail_unless (code_is_well_formed (before));
  fail_unless_equals_string (before, from_group);
  g_free (from_group);

  commit = add_commit (&a, &b, &welcome);
  join (&b, welcome, 4, 1);
  code = gst_e2ee_mls_keys_dup_security_code (a.keys);
  from_group = gst_e2ee_mls_keys_dup_security_code (b.keys);
  fail_unless_equals_string (code, from_group);
  fail_if (g_str_equal (code, before), "the code did not change with the epoch");
  g_free (code);
  g_free (from_group);
  g_free (before);
  g_bytes_unref (commit);
  g_bytes_unref (welcome);

  commit = gst_e2ee_mls_group_remove (a.group, 1, &err);
  fail_unless (commit != NULL, "%s", err ? err->message : "");
  handle (&b, commit);
  fail_unless (gst_e2ee_mls_keys_dup_security_code (b.keys) == NULL);
  code = gst_e2ee_mls_keys_dup_security_code (a.keys);
  from_group = gst_e2ee_mls_group_get_security_code (a.group);
  fail_unless_equals_string (code, from_group);
  g_free (code);
  g_free (from_group);
  g_bytes_unref (commit);
  member_clear (&b);
  member_clear (&a);
}

GST_END_TEST;

/* A binding whose first keys cannot go in (the store holds this member's KID for
 * decryption, under a key of its own) is refused with an error, without a critical
 * from its teardown, and leaves the store's earlier binding in place. */
GST_START_TEST (test_binding_refused_keeps_previous)
{
  static const guint8 other_key[16] = { 1, 2, 3 };
  Member a;
  GstE2eeMlsKeys *refused, *found;
  GstE2eeMlsGroup *other;
  GBytes *gid = g_bytes_new_static ("other", 5), *commit;
  GError *err = NULL;

  member_init (&a, "alice");
  create (&a, "refused");
  /* At epoch 1 alice's own KID is 1, clear of KID 0 below. */
  commit = gst_e2ee_mls_group_update (a.group, &err);
  fail_unless (commit != NULL, "%s", err ? err->message : "");
  g_bytes_unref (commit);
  member_bind (&a, 4, 1);
  fail_unless (gst_e2ee_key_store_add_key (a.store, 0, GST_E2EE_KEY_USAGE_DECRYPT, SUITE,
          other_key, sizeof other_key, &err), "%s", err ? err->message : "");

  /* The other group is at epoch 0: its own KID is 0, held for decryption. */
  other = gst_e2ee_mls_group_create (a.client, gid, &err);
  fail_unless (other != NULL, "%s", err ? err->message : "");
  g_bytes_unref (gid);
  refused = gst_e2ee_mls_keys_new (other, a.store, &err);
  fail_unless (refused == NULL, "a group took a KID the store holds for decryption");
  fail_unless (err != NULL);
  GST_INFO ("refused: %s", err->message);
  g_clear_error (&err);
  found = gst_e2ee_mls_keys_get_for_store (a.store);
  fail_unless (found == a.keys, "the earlier binding is no longer found");
  g_object_unref (found);
  g_object_unref (other);
  member_clear (&a);
}

GST_END_TEST;

static Suite *
mls_keys_suite (void)
{
  Suite *s = suite_create ("mls-keys");
  TCase *tc = tcase_create ("general");

  tcase_set_timeout (tc, 60);
  suite_add_tcase (s, tc);
  tcase_add_test (tc, test_kid_layout);
  tcase_add_test (tc, test_keys_follow_epochs);
  tcase_add_test (tc, test_epoch_bits_wrap);
  tcase_add_test (tc, test_code_known_answer);
  tcase_add_test (tc, test_security_code);
  tcase_add_test (tc, test_binding_found_from_store);
  tcase_add_test (tc, test_binding_refused_keeps_previous);
  tcase_add_test (tc, test_binding_code);
  return s;
}

GST_CHECK_MAIN (mls_keys);
