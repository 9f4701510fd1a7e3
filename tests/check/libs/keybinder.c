/* gst-e2ee: the key binder, the nonce rule of e2eeenc, on its own.
 *
 * The rules elements/e2eenonce checks through the element, here without one: a KID
 * keeps its first key and that key's counter, whichever way the key comes back (a new
 * object with the same secret, as the key store or the `key` property give it); made
 * keys (generated, ratcheted) spend their KIDs and those they skip; a made key never
 * takes a used KID; a wrapped ratchet lands on a used KID and is refused; and the
 * pending change of `key-id`, `key` and `cipher-suite` applies only when complete and
 * becomes configuration when the sender stops; an MLS group's key takes its wrapped
 * KID. Each test encrypts with what the binder
 * hands back and checks the (KID, CTR) pairs it gets.
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <gst/check/gstcheck.h>
#include <gst/e2ee/e2ee.h>
#include <gst/e2ee/gste2eekeybinder-private.h>

#define SUITE GST_E2EE_CIPHER_SUITE_AES_128_GCM_SHA256_128

/* A new key object for @kid from a base key that depends on @seed only: two calls
 * with one seed give two objects with the same secret, each counting from 0. */
static GstE2eeSFrameKey *
key_new (guint64 kid, guint8 seed)
{
  guint8 base[32];
  GstE2eeSFrameKey *key;

  memset (base, seed, sizeof (base));
  key = gst_e2ee_sframe_key_new (SUITE, kid, base, sizeof (base), NULL);
  fail_unless (key != NULL);
  return key;
}

/* Encrypts one frame with @key and returns the CTR it carries. */
static guint64
seal (GstE2eeSFrameKey * key)
{
  static const guint8 frame[] = { 1, 2, 3, 4 };
  guint8 out[sizeof (frame) + GST_E2EE_SFRAME_MAX_OVERHEAD];
  guint64 ctr = G_MAXUINT64;
  gsize len;

  fail_unless (gst_e2ee_sframe_key_encrypt (key, NULL, 0, frame, sizeof (frame), out,
          sizeof (out), &len, &ctr, NULL));
  return ctr;
}

/* Binds and expects a refusal with the INVALID_ARGUMENT code. */
static void
bind_refused (GstE2eeKeyBinder * b, guint64 kid, GstE2eeSFrameKey * fresh,
    GstE2eeSFrameKey * current, GstE2eeKeyOrigin origin)
{
  GError *error = NULL;

  fail_unless (gst_e2ee_key_binder_bind (b, kid, fresh, current, origin, &error) == NULL);
  fail_unless (g_error_matches (error, GST_E2EE_SFRAME_ERROR,
          GST_E2EE_SFRAME_ERROR_INVALID_ARGUMENT));
  g_clear_error (&error);
}

/* A KID's first key comes back as a new object with the same secret (the store after a
 * remove and add, the `key` property written again): the binder hands back the first
 * object, so the counter goes on instead of starting at 0. */
GST_START_TEST (test_kid_keeps_key_and_counter)
{
  GstE2eeKeyBinder *b = gst_e2ee_key_binder_new ();
  GstE2eeSFrameKey *kept, *again, *other;

  kept = gst_e2ee_key_binder_bind (b, 5, key_new (5, 1), NULL,
      GST_E2EE_KEY_ORIGIN_GIVEN, NULL);
  fail_unless (kept != NULL);
  fail_unless_equals_uint64 (seal (kept), 0);
  fail_unless_equals_uint64 (seal (kept), 1);
  fail_unless (gst_e2ee_key_binder_lookup (b, 5) == kept);

  /* Another KID in between, then KID 5 again with its key as a new object. */
  other = gst_e2ee_key_binder_bind (b, 6, key_new (6, 2), kept,
      GST_E2EE_KEY_ORIGIN_GIVEN, NULL);
  fail_unless (other != NULL);
  again = gst_e2ee_key_binder_bind (b, 5, key_new (5, 1), other,
      GST_E2EE_KEY_ORIGIN_GIVEN, NULL);
  fail_unless (again == kept);
  fail_unless_equals_uint64 (seal (again), 2);

  /* Another key for KID 5 is refused; so is another suite's key for it. */
  bind_refused (b, 5, key_new (5, 3), other, GST_E2EE_KEY_ORIGIN_GIVEN);
  {
    guint8 base[32];

    memset (base, 1, sizeof (base));
    bind_refused (b, 5, gst_e2ee_sframe_key_new (GST_E2EE_CIPHER_SUITE_AES_256_GCM_SHA512_128,
            5, base, sizeof (base), NULL), other, GST_E2EE_KEY_ORIGIN_GIVEN);
  }
  fail_unless_equals_uint64 (seal (kept), 3);

  gst_e2ee_sframe_key_unref (again);
  gst_e2ee_sframe_key_unref (other);
  gst_e2ee_sframe_key_unref (kept);
  gst_e2ee_key_binder_free (b);
}

GST_END_TEST;

/* The key in use found again (a restart, another lookup in the store) is the key in
 * use, made or given. */
GST_START_TEST (test_current_key_found_again)
{
  GstE2eeKeyBinder *b = gst_e2ee_key_binder_new ();
  GstE2eeSFrameKey *made, *again;

  made = gst_e2ee_key_binder_bind (b, 9, key_new (9, 4), NULL, GST_E2EE_KEY_ORIGIN_MADE,
      NULL);
  fail_unless (made != NULL);
  fail_unless_equals_uint64 (seal (made), 0);
  again = gst_e2ee_key_binder_bind (b, 9, key_new (9, 4), made,
      GST_E2EE_KEY_ORIGIN_GIVEN, NULL);
  fail_unless (again == made);
  fail_unless_equals_uint64 (seal (again), 1);
  again = (gst_e2ee_sframe_key_unref (again), NULL);

  /* Not in use any more: a made KID takes no key again. */
  again = gst_e2ee_key_binder_bind (b, 20, key_new (20, 5), made,
      GST_E2EE_KEY_ORIGIN_GIVEN, NULL);
  fail_unless (again != NULL);
  bind_refused (b, 9, key_new (9, 4), again, GST_E2EE_KEY_ORIGIN_GIVEN);

  gst_e2ee_sframe_key_unref (again);
  gst_e2ee_sframe_key_unref (made);
  gst_e2ee_key_binder_free (b);
}

GST_END_TEST;

/* A made key spends its KID and the ones it skips from the key in use: a generated key
 * jumping from KID 3 to KID 8 spends 4..8, which no given key may take after; KIDs
 * below stay free. */
GST_START_TEST (test_made_keys_spend_kids)
{
  GstE2eeKeyBinder *b = gst_e2ee_key_binder_new ();
  GstE2eeSFrameKey *given, *made, *k;
  guint64 kid;

  given = gst_e2ee_key_binder_bind (b, 3, key_new (3, 1), NULL,
      GST_E2EE_KEY_ORIGIN_GIVEN, NULL);
  made = gst_e2ee_key_binder_bind (b, 8, key_new (8, 2), given, GST_E2EE_KEY_ORIGIN_MADE,
      NULL);
  fail_unless (given != NULL && made != NULL);
  for (kid = 4; kid <= 8; kid++) {
    fail_unless (gst_e2ee_key_binder_is_taken (b, kid));
    bind_refused (b, kid, key_new (kid, 7), made, GST_E2EE_KEY_ORIGIN_GIVEN);
  }
  fail_unless (gst_e2ee_key_binder_is_taken (b, 3));    /* given */
  fail_if (gst_e2ee_key_binder_is_taken (b, 2));
  fail_if (gst_e2ee_key_binder_is_taken (b, 9));
  /* Not kept for its KID: a made key is never handed back by lookup. */
  fail_unless (gst_e2ee_key_binder_lookup (b, 8) == NULL);

  k = gst_e2ee_key_binder_bind (b, 9, key_new (9, 7), made, GST_E2EE_KEY_ORIGIN_GIVEN,
      NULL);
  fail_unless (k != NULL);
  fail_unless_equals_uint64 (seal (k), 0);

  gst_e2ee_sframe_key_unref (k);
  gst_e2ee_sframe_key_unref (made);
  gst_e2ee_sframe_key_unref (given);
  gst_e2ee_key_binder_free (b);
}

GST_END_TEST;

/* A ratchet step or generation landing on a KID given before (a ratchet that wraps,
 * a generation's step 0 the application used) is refused: that KID keeps its key. */
GST_START_TEST (test_made_key_onto_used_kid)
{
  GstE2eeKeyBinder *b = gst_e2ee_key_binder_new ();
  GstE2eeSFrameKey *given, *step, *k;

  given = gst_e2ee_key_binder_bind (b, 4, key_new (4, 1), NULL,
      GST_E2EE_KEY_ORIGIN_GIVEN, NULL);
  step = gst_e2ee_key_binder_bind (b, 5, key_new (5, 2), given, GST_E2EE_KEY_ORIGIN_MADE,
      NULL);
  fail_unless (given != NULL && step != NULL);
  fail_unless_equals_uint64 (seal (given), 0);
  /* Ratchet-bits 1: KID 5 steps to 4, which wraps onto the given key's KID. */
  bind_refused (b, 4, key_new (4, 3), step, GST_E2EE_KEY_ORIGIN_MADE);
  /* Even with the given key's own secret: a made key never counts with it. */
  bind_refused (b, 4, key_new (4, 1), step, GST_E2EE_KEY_ORIGIN_MADE);
  /* The given key itself comes back with its counter. */
  k = gst_e2ee_key_binder_bind (b, 4, key_new (4, 1), step, GST_E2EE_KEY_ORIGIN_GIVEN,
      NULL);
  fail_unless (k == given);
  fail_unless_equals_uint64 (seal (k), 1);

  gst_e2ee_sframe_key_unref (k);
  gst_e2ee_sframe_key_unref (step);
  gst_e2ee_sframe_key_unref (given);
  gst_e2ee_key_binder_free (b);
}

GST_END_TEST;

/* Many made keys in a row cost one range, and every KID of it stays spent. */
GST_START_TEST (test_many_made_keys)
{
  GstE2eeKeyBinder *b = gst_e2ee_key_binder_new ();
  GstE2eeSFrameKey *cur = NULL, *next;
  guint64 kid;

  for (kid = 100; kid < 300; kid++) {
    next = gst_e2ee_key_binder_bind (b, kid, key_new (kid, 9), cur,
        GST_E2EE_KEY_ORIGIN_MADE, NULL);
    fail_unless (next != NULL);
    g_clear_pointer (&cur, gst_e2ee_sframe_key_unref);
    cur = next;
  }
  for (kid = 100; kid < 300; kid += 23)
    fail_unless (gst_e2ee_key_binder_is_taken (b, kid));
  fail_if (gst_e2ee_key_binder_is_taken (b, 300));
  gst_e2ee_sframe_key_unref (cur);
  gst_e2ee_key_binder_free (b);
}

GST_END_TEST;

/* An MLS group's key (GST_E2EE_KEY_ORIGIN_GROUP) for a KID whose key was another: the
 * KID came back after 2^E epochs with the new epoch's key, which takes the KID and
 * counts from 0; its own secret given again goes on with its counter; the old key
 * given as a group key now is the other way round; a made key's KID stays refused. */
GST_START_TEST (test_group_key_takes_wrapped_kid)
{
  GstE2eeKeyBinder *b = gst_e2ee_key_binder_new ();
  GstE2eeSFrameKey *old, *wrapped, *again, *made;

  old = gst_e2ee_key_binder_bind (b, 3, key_new (3, 1), NULL, GST_E2EE_KEY_ORIGIN_GROUP,
      NULL);
  fail_unless (old != NULL);
  fail_unless_equals_uint64 (seal (old), 0);
  fail_unless_equals_uint64 (seal (old), 1);
  /* As a given key, another secret is refused; as the group's, it takes the KID. */
  bind_refused (b, 3, key_new (3, 2), old, GST_E2EE_KEY_ORIGIN_GIVEN);
  wrapped = gst_e2ee_key_binder_bind (b, 3, key_new (3, 2), old,
      GST_E2EE_KEY_ORIGIN_GROUP, NULL);
  fail_unless (wrapped != NULL && wrapped != old);
  fail_unless_equals_uint64 (seal (wrapped), 0);
  fail_unless (gst_e2ee_key_binder_lookup (b, 3) == wrapped);
  again = gst_e2ee_key_binder_bind (b, 3, key_new (3, 2), NULL,
      GST_E2EE_KEY_ORIGIN_GROUP, NULL);
  fail_unless (again == wrapped);
  fail_unless_equals_uint64 (seal (again), 1);

  /* A made key spends its KID for good, for the group's keys too. */
  made = gst_e2ee_key_binder_bind (b, 9, key_new (9, 3), NULL, GST_E2EE_KEY_ORIGIN_MADE,
      NULL);
  fail_unless (made != NULL);
  bind_refused (b, 9, key_new (9, 4), made, GST_E2EE_KEY_ORIGIN_GROUP);

  gst_e2ee_sframe_key_unref (old);
  gst_e2ee_sframe_key_unref (wrapped);
  gst_e2ee_sframe_key_unref (again);
  gst_e2ee_sframe_key_unref (made);
  gst_e2ee_key_binder_free (b);
}

GST_END_TEST;

/* `key-id` then `key`: waits for the key, then complete; `key` then `key-id`: waits for
 * the KID; clearing forgets it. */
GST_START_TEST (test_pending_states)
{
  GstE2eeKeyBinder *b = gst_e2ee_key_binder_new ();
  GstE2eePending *p = gst_e2ee_key_binder_get_pending (b);

  fail_unless_equals_int (gst_e2ee_pending_get_state (p), GST_E2EE_PENDING_NONE);
  gst_e2ee_pending_set_kid (p, 7);
  fail_unless_equals_int (gst_e2ee_pending_get_state (p), GST_E2EE_PENDING_WANTS_KEY);
  gst_e2ee_pending_set_key (p, g_bytes_new ("0123456789abcdef", 16));
  fail_unless_equals_int (gst_e2ee_pending_get_state (p), GST_E2EE_PENDING_COMPLETE);
  gst_e2ee_pending_clear (p);
  fail_unless_equals_int (gst_e2ee_pending_get_state (p), GST_E2EE_PENDING_NONE);
  fail_unless (p->key == NULL);

  gst_e2ee_pending_set_suite (p, GST_E2EE_CIPHER_SUITE_AES_256_GCM_SHA512_128);
  fail_unless_equals_int (gst_e2ee_pending_get_state (p), GST_E2EE_PENDING_WANTS_KID);
  gst_e2ee_pending_set_key (p, NULL);   /* no `key`: the store's */
  fail_unless_equals_int (gst_e2ee_pending_get_state (p), GST_E2EE_PENDING_WANTS_KID);
  gst_e2ee_pending_set_kid (p, 8);
  fail_unless_equals_int (gst_e2ee_pending_get_state (p), GST_E2EE_PENDING_COMPLETE);
  gst_e2ee_key_binder_free (b);
}

GST_END_TEST;

/* stop(): what waits becomes configuration; a key written empty clears the base key. */
GST_START_TEST (test_pending_settles_on_stop)
{
  GstE2eeKeyBinder *b = gst_e2ee_key_binder_new ();
  GstE2eePending *p = gst_e2ee_key_binder_get_pending (b);
  GstE2eeCipherSuite suite = SUITE;
  GBytes *base = g_bytes_new ("old-old-old-old-", 16);
  guint64 kid = 1;

  fail_if (gst_e2ee_pending_settle (p, &kid, &base, &suite));
  fail_unless_equals_uint64 (kid, 1);
  fail_unless (base != NULL);

  gst_e2ee_pending_set_kid (p, 12);
  fail_unless (gst_e2ee_pending_settle (p, &kid, &base, &suite));
  fail_unless_equals_uint64 (kid, 12);
  fail_unless_equals_int (suite, SUITE);
  fail_unless (base != NULL);
  fail_unless_equals_int (gst_e2ee_pending_get_state (p), GST_E2EE_PENDING_NONE);

  gst_e2ee_pending_set_key (p, g_bytes_new ("new-new-new-new-", 16));
  gst_e2ee_pending_set_suite (p, GST_E2EE_CIPHER_SUITE_AES_256_GCM_SHA512_128);
  fail_unless (gst_e2ee_pending_settle (p, &kid, &base, &suite));
  fail_unless_equals_uint64 (kid, 12);
  fail_unless_equals_int (suite, GST_E2EE_CIPHER_SUITE_AES_256_GCM_SHA512_128);
  fail_unless (memcmp (g_bytes_get_data (base, NULL), "new-", 4) == 0);

  gst_e2ee_pending_set_key (p, NULL);
  fail_unless (gst_e2ee_pending_settle (p, &kid, &base, &suite));
  fail_unless (base == NULL);
  gst_e2ee_key_binder_free (b);
}

GST_END_TEST;

static Suite *
keybinder_suite (void)
{
  Suite *s = suite_create ("keybinder");
  TCase *tc = tcase_create ("nonce-rule");

  suite_add_tcase (s, tc);
  tcase_add_test (tc, test_kid_keeps_key_and_counter);
  tcase_add_test (tc, test_current_key_found_again);
  tcase_add_test (tc, test_made_keys_spend_kids);
  tcase_add_test (tc, test_made_key_onto_used_kid);
  tcase_add_test (tc, test_many_made_keys);

  tc = tcase_create ("pending-change");
  suite_add_tcase (s, tc);
  tcase_add_test (tc, test_group_key_takes_wrapped_kid);
  tcase_add_test (tc, test_pending_states);
  tcase_add_test (tc, test_pending_settles_on_stop);
  return s;
}

GST_CHECK_MAIN (keybinder);
