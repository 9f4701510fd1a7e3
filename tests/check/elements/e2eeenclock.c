/* gst-e2ee: e2eeenc never calls the key store while holding its object lock.
 *
 * The store emits its signals synchronously, from the thread that changes it: a
 * ratchet adds, retires and removes keys, and a lookup expires keys whose grace period
 * ended. An application's handler of those signals may read or set the properties of
 * the e2eeenc that caused them, which take the element's object lock. Each test
 * connects such a handler to every store signal and drives e2eeenc into the store
 * from every place it calls it (the `ratchet` action, a frame, start, a property
 * write) in a thread of its own: a deadlock fails the test through the hang guard
 * instead of hanging it.
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <gst/check/gstcheck.h>
#include <gst/check/gstharness.h>
#include <gst/check/gsttestclock.h>
#include <gst/e2ee/e2ee.h>
#include <string.h>
#include "../e2eecheck.h"
#include "../hangguard.h"

#define SUITE GST_E2EE_CIPHER_SUITE_AES_256_GCM_SHA512_128
#define FRAME_CAPS "audio/x-opus, channel-mapping-family=(int)0, rate=(int)48000, " \
    "channels=(int)2"

/* This file's keys (e2eecheck.h). */
static const KeyRecipe keys = { 41, 7, 3 };

static void
store_add (GstE2eeKeyStore * store, guint64 kid, guint seed)
{
  store_add_enc_key (&keys, store, SUITE, kid, seed);
}

/* ---- The application's handler ------------------------------------------ */

typedef struct
{
  GstElement *enc;
  GMutex lock;
  /* The store's signals, in order, as "name KID" lines, each after the handler read
   * and wrote a property of the element. */
  GString *log;
} Watch;

/* What an application may well do from a store signal: read the element's state and
 * change a setting. */
static void
use_element (Watch * w, const gchar * what, guint64 kid)
{
  GstStructure *stats = NULL;
  gboolean keyframe = FALSE;
  guint64 key_id = 0;

  g_object_get (w->enc, "stats", &stats, "key-id", &key_id, "keyframe-on-rotate",
      &keyframe, NULL);
  fail_unless (stats != NULL);
  gst_structure_free (stats);
  g_object_set (w->enc, "keyframe-on-rotate", keyframe, NULL);
  g_mutex_lock (&w->lock);
  g_string_append_printf (w->log, "%s %" G_GUINT64_FORMAT "\n", what, kid);
  g_mutex_unlock (&w->lock);
}

/* key-added, key-removed and key-expired, logged by name. */
static void
on_key (GstE2eeKeyStore * store, guint64 kid, GstE2eeKeyUsage usage, Watch * w)
{
  use_element (w, g_signal_name (g_signal_get_invocation_hint (store)->signal_id), kid);
}

static void
on_retired (GstE2eeKeyStore * store, guint64 kid, GstE2eeKeyUsage usage,
    guint64 deadline, Watch * w)
{
  use_element (w, "key-retired", kid);
}

static void
on_ratchet (GstE2eeKeyStore * store, guint64 old_kid, guint64 new_kid,
    GstE2eeKeyUsage usage, Watch * w)
{
  use_element (w, "ratchet-advanced", old_kid);
}

/* Connected once the store holds its keys, so that only what the element causes is
 * logged. */
static void
watch_store (Watch * w, GstE2eeKeyStore * store, GstElement * enc)
{
  w->enc = enc;
  g_mutex_init (&w->lock);
  w->log = g_string_new (NULL);
  g_signal_connect (store, "key-added", G_CALLBACK (on_key), w);
  g_signal_connect (store, "key-removed", G_CALLBACK (on_key), w);
  g_signal_connect (store, "key-retired", G_CALLBACK (on_retired), w);
  g_signal_connect (store, "key-expired", G_CALLBACK (on_key), w);
  g_signal_connect (store, "ratchet-advanced", G_CALLBACK (on_ratchet), w);
}

static void
assert_watched (Watch * w, const gchar * expected)
{
  g_mutex_lock (&w->lock);
  fail_unless_equals_string (w->log->str, expected);
  g_string_truncate (w->log, 0);
  g_mutex_unlock (&w->lock);
}

static void
watch_clear (Watch * w, GstE2eeKeyStore * store)
{
  g_signal_handlers_disconnect_by_data (store, w);
  g_string_free (w->log, TRUE);
  g_mutex_clear (&w->lock);
}

/* ---- Running a step in a thread, with a hang guard ------------------------ */

typedef gboolean (*StepFunc) (gpointer data);

typedef struct
{
  StepFunc func;
  gpointer data;
  GMutex lock;
  GCond cond;
  gboolean done;
  gboolean result;
} Step;

static gpointer
step_thread (gpointer p)
{
  Step *s = p;
  gboolean result = s->func (s->data);

  g_mutex_lock (&s->lock);
  s->result = result;
  s->done = TRUE;
  g_cond_signal (&s->cond);
  g_mutex_unlock (&s->lock);
  return NULL;
}

/* Runs @func (@data) in a thread and returns what it returned; fails if it has not
 * returned within the hang guard: the element deadlocked. */
static gboolean
run_guarded (const gchar * what, StepFunc func, gpointer data)
{
  /* Not freed on a deadlock: the stuck thread still uses it. */
  Step *s = g_new0 (Step, 1);
  gint64 deadline = g_get_monotonic_time () + hang_guard (10) / GST_USECOND;
  GThread *thread;
  gboolean done, result;

  s->func = func;
  s->data = data;
  g_mutex_init (&s->lock);
  g_cond_init (&s->cond);
  thread = g_thread_new (what, step_thread, s);
  g_mutex_lock (&s->lock);
  while (!s->done && g_cond_wait_until (&s->cond, &s->lock, deadline));
  done = s->done;
  result = s->result;
  g_mutex_unlock (&s->lock);
  fail_unless (done, "%s did not return within the hang guard: e2eeenc deadlocked",
      what);
  g_thread_join (thread);
  g_mutex_clear (&s->lock);
  g_cond_clear (&s->cond);
  g_free (s);
  return result;
}

static gboolean
emit_ratchet (gpointer enc)
{
  guint64 kid = G_MAXUINT64;

  g_signal_emit_by_name (enc, "ratchet", &kid);
  return kid != G_MAXUINT64;
}

static gboolean
push_frame (gpointer h)
{
  GstBuffer *buf = gst_buffer_new_allocate (NULL, 64, NULL);

  gst_buffer_memset (buf, 0, 0xfc, 64);
  return gst_harness_push (h, buf) == GST_FLOW_OK;
}

static gboolean
set_playing (gpointer enc)
{
  return gst_element_set_state (enc, GST_STATE_PLAYING) == GST_STATE_CHANGE_SUCCESS;
}

static gboolean
set_store_kid_6 (gpointer enc)
{
  g_object_set (enc, "key", NULL, "key-id", (guint64) 6, NULL);
  return TRUE;
}

/* The KID and CTR of the next frame through @h. */
static void
expect_frame (GstHarness * h, guint64 kid, guint64 ctr)
{
  GstBuffer *out;
  GstMapInfo map;
  guint64 got_kid = 0, got_ctr = 0;

  fail_unless (run_guarded ("a frame", push_frame, h));
  out = pull_now (h);
  fail_unless (gst_buffer_map (out, &map, GST_MAP_READ));
  fail_unless (gst_e2ee_sframe_header_parse (map.data, map.size, &got_kid, &got_ctr,
          NULL, NULL));
  gst_buffer_unmap (out, &map);
  gst_buffer_unref (out);
  fail_unless_equals_uint64 (got_kid, kid);
  fail_unless_equals_uint64 (got_ctr, ctr);
}

static GstElement *
enc_on_store (GstE2eeKeyStore * store, guint64 kid)
{
  GstElement *enc = gst_element_factory_make ("e2eeenc", NULL);

  fail_unless (enc != NULL, "e2eeenc not found: is GST_PLUGIN_PATH set?");
  g_object_set (enc, "key-store", store, "key-id", kid, NULL);
  gst_util_set_object_arg (G_OBJECT (enc), "layout", "frame");
  return enc;
}

/* A superseded key whose grace period is over, so that the store's next lookup
 * expires it (key-expired, from inside the lookup). */
static void
leave_expired_key (GstE2eeKeyStore * store, GstClock * clock, guint64 kid)
{
  store_add (store, kid, 9);
  fail_unless (gst_e2ee_key_store_retire_key (store, kid, GST_E2EE_KEY_USAGE_ENCRYPT,
          GST_SECOND));
  gst_test_clock_advance_time (GST_TEST_CLOCK (clock), 2 * GST_SECOND);
}

/* ---- Tests -------------------------------------------------------------- */

/* `ratchet` with the store's key: the store adds the next step (replacing a key the
 * application had put there unused), advances, retires and drops the old step, each
 * with a signal whose handler uses the element. */
GST_START_TEST (test_ratchet_signals)
{
  GstE2eeKeyStore *store = gst_e2ee_key_store_new ();
  GstElement *enc;
  GstHarness *h;
  Watch w;

  store_add (store, 0x100, 1);
  store_add (store, 0x101, 2);
  enc = enc_on_store (store, 0x100);
  h = harness_for (gst_object_ref (enc), NULL, FRAME_CAPS);
  expect_frame (h, 0x100, 0);

  watch_store (&w, store, enc);
  fail_unless (run_guarded ("ratchet", emit_ratchet, enc));
  assert_watched (&w, "key-removed 257\nkey-added 257\nratchet-advanced 256\n"
      "key-retired 256\nkey-expired 256\n");
  expect_frame (h, 0x101, 0);

  watch_clear (&w, store);
  gst_harness_teardown (h);
  gst_object_unref (enc);
  g_object_unref (store);
}

GST_END_TEST;

/* A store with test clock, keys for KIDs 5, 6 and 7, and an element on KID 5 (in
 * NULL state). */
typedef struct
{
  GstClock *clock;
  GstE2eeKeyStore *store;
  GstElement *enc;
  GstHarness *h;
  Watch w;
} Fixture;

static void
fixture_init (Fixture * f)
{
  memset (f, 0, sizeof (*f));
  f->clock = gst_test_clock_new_with_start_time (1000 * GST_SECOND);
  f->store = gst_e2ee_key_store_new ();
  gst_e2ee_key_store_set_clock (f->store, f->clock);
  store_add (f->store, 5, 1);
  store_add (f->store, 6, 2);
  store_add (f->store, 7, 3);
  f->enc = enc_on_store (f->store, 5);
}

static void
fixture_start (Fixture * f)
{
  f->h = harness_for (gst_object_ref (f->enc), NULL, FRAME_CAPS);
  expect_frame (f->h, 5, 0);
  watch_store (&f->w, f->store, f->enc);
}

static void
fixture_clear (Fixture * f)
{
  watch_clear (&f->w, f->store);
  gst_harness_teardown (f->h);
  gst_object_unref (f->enc);
  g_object_unref (f->store);
  gst_object_unref (f->clock);
}

/* start() looks the store's key up, and the lookup expires a key. */
GST_START_TEST (test_lookup_at_start)
{
  Fixture f;

  fixture_init (&f);
  leave_expired_key (f.store, f.clock, 20);
  watch_store (&f.w, f.store, f.enc);
  fail_unless (run_guarded ("start", set_playing, f.enc));
  assert_watched (&f.w, "key-expired 20\n");
  f.h = harness_for (gst_object_ref (f.enc), NULL, FRAME_CAPS);
  expect_frame (f.h, 5, 0);
  fixture_clear (&f);
}

GST_END_TEST;

/* A frame looks up the store's key for a `key-id` written alone, and the lookup
 * expires a key. */
GST_START_TEST (test_lookup_in_frame)
{
  Fixture f;

  fixture_init (&f);
  fixture_start (&f);
  g_object_set (f.enc, "key-id", (guint64) 7, NULL);
  leave_expired_key (f.store, f.clock, 21);
  expect_frame (f.h, 7, 0);
  assert_watched (&f.w, "key-added 21\nkey-retired 21\nkey-expired 21\n");
  fixture_clear (&f);
}

GST_END_TEST;

/* `key` (none: the store's) and `key-id` written together look up the store's key,
 * and the lookup expires a key. */
GST_START_TEST (test_lookup_in_property_write)
{
  Fixture f;

  fixture_init (&f);
  fixture_start (&f);
  leave_expired_key (f.store, f.clock, 22);
  assert_watched (&f.w, "key-added 22\nkey-retired 22\n");
  fail_unless (run_guarded ("key-id", set_store_kid_6, f.enc));
  assert_watched (&f.w, "key-expired 22\n");
  expect_frame (f.h, 6, 0);
  fixture_clear (&f);
}

GST_END_TEST;

static void
set_key (GstElement * enc, guint64 kid, guint seed)
{
  GstBuffer *key = seed ? key_buffer (&keys, seed) : NULL;

  g_object_set (enc, "key", key, "key-id", kid, NULL);
  if (key)
    gst_buffer_unref (key);
}

/* A frame meets a `key-id` waiting for the store's key, and the element refuses that
 * key (its KID was used with another key): the warning is posted, which takes the
 * object lock, once the frame's key is settled and the lock released. */
GST_START_TEST (test_refused_in_frame)
{
  GstE2eeKeyStore *store = gst_e2ee_key_store_new ();
  GstElement *enc;
  GstMessage *msg;
  GstHarness *h;
  GError *err = NULL;
  GstBus *bus;

  store_add (store, 5, 1);
  store_add (store, 6, 7);
  enc = enc_on_store (store, 5);
  h = harness_for (gst_object_ref (enc), &bus, FRAME_CAPS);
  expect_frame (h, 5, 0);
  set_key (enc, 6, 2);
  expect_frame (h, 6, 0);
  set_key (enc, 5, 0);
  expect_frame (h, 5, 1);

  g_object_set (enc, "key-id", (guint64) 6, NULL);
  expect_frame (h, 5, 2);
  msg = gst_bus_pop_filtered (bus, GST_MESSAGE_WARNING);
  fail_unless (msg != NULL, "no warning");
  gst_message_parse_warning (msg, &err, NULL);
  fail_unless (strstr (err->message, "already used with another key") != NULL, "%s",
      err->message);
  g_error_free (err);
  gst_message_unref (msg);

  gst_harness_teardown (h);
  gst_element_set_bus (enc, NULL);
  gst_object_unref (bus);
  gst_object_unref (enc);
  g_object_unref (store);
}

GST_END_TEST;

static Suite *
e2eeenclock_suite (void)
{
  Suite *s = suite_create ("e2eeenclock");
  TCase *tc = tcase_create ("general");

  suite_add_tcase (s, tc);
  tcase_add_test (tc, test_ratchet_signals);
  tcase_add_test (tc, test_lookup_at_start);
  tcase_add_test (tc, test_lookup_in_frame);
  tcase_add_test (tc, test_lookup_in_property_write);
  tcase_add_test (tc, test_refused_in_frame);
  return s;
}

GST_CHECK_MAIN (e2eeenclock);
