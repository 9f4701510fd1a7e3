/* gst-e2ee: the encryption policy enforced by the elements: srtpguard, e2eeenc,
 * e2eedec (recording-free sessions) and encstatus; the policy shared through a
 * pipeline's context; locks refusing application properties with a bus warning;
 * reloads applied at the next meeting event; the gst-e2ee-policy tool.
 * Each test writes real policy files in a temporary directory.
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <gst/check/gstcheck.h>
#include <gst/check/gstharness.h>
#include <gst/base/gstbasesink.h>
#include <gst/app/gstappsrc.h>
#include <gst/e2ee/e2ee.h>
#include <glib/gstdio.h>
#include <string.h>

#include "../hangguard.h"

#define KEY "000102030405060708090a0b0c0d0e0f"

/* ---- Helpers -------------------------------------------------------------- */

static gchar *tmpdir;

static void
setup_dir (void)
{
  tmpdir = g_dir_make_tmp ("e2ee-policyenf-XXXXXX", NULL);
  fail_unless (tmpdir != NULL);
}

static void
teardown_dir (void)
{
  GDir *dir = g_dir_open (tmpdir, 0, NULL);
  const gchar *name;

  while (dir != NULL && (name = g_dir_read_name (dir)) != NULL) {
    gchar *path = g_build_filename (tmpdir, name, NULL);
    g_unlink (path);
    g_free (path);
  }
  if (dir != NULL)
    g_dir_close (dir);
  g_rmdir (tmpdir);
  g_clear_pointer (&tmpdir, g_free);
}

static gchar *
write_policy (const gchar * name, const gchar * text)
{
  gchar *path = g_build_filename (tmpdir, name, NULL);
  fail_unless (g_file_set_contents (path, text, -1, NULL));
  return path;
}

/* Pops the next message of @type (WARNING or ERROR) and checks its text. */
static void
assert_message (GstBus * bus, GstMessageType type, const gchar * expected)
{
  GstMessage *msg = gst_bus_timed_pop_filtered (bus, hang_guard (10), type);
  GError *err = NULL;
  gchar *debug = NULL;

  fail_unless (msg != NULL, "no %s message", gst_message_type_get_name (type));
  if (type == GST_MESSAGE_WARNING)
    gst_message_parse_warning (msg, &err, &debug);
  else
    gst_message_parse_error (msg, &err, &debug);
  fail_unless_equals_string (err->message, expected);
  g_error_free (err);
  g_free (debug);
  gst_message_unref (msg);
}

static void
assert_no_message (GstBus * bus, GstMessageType type)
{
  GstMessage *msg = gst_bus_pop_filtered (bus, type);

  if (msg != NULL) {
    GError *err = NULL;

    if (type == GST_MESSAGE_WARNING)
      gst_message_parse_warning (msg, &err, NULL);
    else
      gst_message_parse_error (msg, &err, NULL);
    fail ("unexpected message: %s", err->message);
  }
}

static GstElement *
make (const gchar * factory, GstBus * bus)
{
  GstElement *e = gst_element_factory_make (factory, NULL);

  fail_unless (e != NULL, "%s", factory);
  if (bus)
    gst_element_set_bus (e, bus);
  return e;
}

/* A boolean, enum or unsigned property as a number. */
static guint64
get_number (GstElement * e, const gchar * prop)
{
  GParamSpec *pspec = g_object_class_find_property (G_OBJECT_GET_CLASS (e), prop);
  GValue v = G_VALUE_INIT;
  guint64 n;

  fail_unless (pspec != NULL, "%s", prop);
  g_value_init (&v, pspec->value_type);
  g_object_get_property (G_OBJECT (e), prop, &v);
  if (G_VALUE_HOLDS_BOOLEAN (&v))
    n = g_value_get_boolean (&v);
  else if (G_VALUE_HOLDS_ENUM (&v))
    n = (guint64) g_value_get_enum (&v);
  else if (G_VALUE_HOLDS_UINT (&v))
    n = g_value_get_uint (&v);
  else
    n = g_value_get_uint64 (&v);
  g_value_unset (&v);
  return n;
}

/* The stats' policy fields: the file, the overrides as one string, the refusals. */
static void
assert_policy_stats (GstElement * e, const gchar * path, const gchar * overrides,
    guint refused)
{
  GstStructure *s = NULL;
  const GValue *list;
  GString *joined = g_string_new (NULL);
  guint i, n = 99;

  g_object_get (e, "stats", &s, NULL);
  fail_unless (s != NULL);
  fail_unless_equals_string (gst_structure_get_string (s, "policy"), path);
  list = gst_structure_get_value (s, "policy-overrides");
  fail_unless (list != NULL && GST_VALUE_HOLDS_ARRAY (list));
  for (i = 0; i < gst_value_array_get_size (list); i++)
    g_string_append_printf (joined, "%s%s", i ? "|" : "",
        g_value_get_string (gst_value_array_get_value (list, i)));
  fail_unless_equals_string (joined->str, overrides);
  fail_unless (gst_structure_get_uint (s, "policy-refused", &n));
  fail_unless_equals_int (n, refused);
  g_string_free (joined, TRUE);
  gst_structure_free (s);
}

/* ---- srtpguard ------------------------------------------------------------- */

static const gchar *srtp_policy =
    "[account]\n"                                           /* 1 */
    "require-media-encryption-third-party=true\n"           /* 2 */
    "min-srtp-auth-tag-bits=128\n"                          /* 3 */
    "locked=min-srtp-auth-tag-bits\n";                      /* 4 */

GST_START_TEST (test_srtpguard_policy)
{
  gchar *path = write_policy ("srtp.conf", srtp_policy);
  GstBus *bus = gst_bus_new ();
  GstElement *pipeline = gst_pipeline_new (NULL);
  GstElement *a = make ("srtpguard", NULL), *b = make ("srtpguard", NULL);
  gchar *expected = g_strdup_printf ("min-auth-tag-bits=32 refused: the policy's "
      "min-srtp-auth-tag-bits=128 is locked at account level by [account] (%s:4)", path);
  GstE2eePolicy *pa = NULL, *pb = NULL;

  gst_element_set_bus (pipeline, bus);
  /* a reads the file; b only gets the pipeline's context. The application weakens
   * both settings on a: the locked one is refused, the unlocked one stands. */
  g_object_set (a, "policy-file", path, "min-auth-tag-bits", 32,
      "require-encryption", FALSE, NULL);
  gst_bin_add_many (GST_BIN (pipeline), b, a, NULL);
  fail_unless_equals_int (gst_element_set_state (pipeline, GST_STATE_READY),
      GST_STATE_CHANGE_SUCCESS);

  assert_message (bus, GST_MESSAGE_WARNING, expected);
  assert_no_message (bus, GST_MESSAGE_WARNING);
  fail_unless_equals_int (get_number (a, "min-auth-tag-bits"), 128);
  fail_unless_equals_int (get_number (a, "require-encryption"), FALSE);
  assert_policy_stats (a, path, "require-encryption=false overrides "
      "require-media-encryption-third-party=true (account level, not locked)", 1);

  /* b: the same policy, from the context, values the application did not set. */
  g_object_get (a, "policy", &pa, NULL);
  g_object_get (b, "policy", &pb, NULL);
  fail_unless (pa != NULL && pa == pb);
  fail_unless_equals_int (get_number (b, "min-auth-tag-bits"), 128);
  fail_unless_equals_int (get_number (b, "require-encryption"), TRUE);
  assert_policy_stats (b, path, "", 0);

  /* Set again while running: refused again, at once. */
  g_object_set (b, "min-auth-tag-bits", 80, NULL);
  g_free (expected);
  expected = g_strdup_printf ("min-auth-tag-bits=80 refused: the policy's "
      "min-srtp-auth-tag-bits=128 is locked at account level by [account] (%s:4)", path);
  assert_message (bus, GST_MESSAGE_WARNING, expected);
  fail_unless_equals_int (get_number (b, "min-auth-tag-bits"), 128);
  assert_policy_stats (b, path, "", 1);

  gst_element_set_state (pipeline, GST_STATE_NULL);
  gst_object_unref (pa);
  gst_object_unref (pb);
  gst_object_unref (pipeline);
  gst_object_unref (bus);
  g_free (expected);
  g_free (path);
}

GST_END_TEST;

/* ---- e2eeenc ---------------------------------------------------------------- */

static const gchar *enc_policy =
    "[account]\n"                                           /* 1 */
    "min-sframe-cipher-suite=aes-256-gcm-sha512-128\n"      /* 2 */
    "key-rotation-interval=5min\n"                          /* 3 */
    "locked=min-sframe-cipher-suite\n";                     /* 4 */

GST_START_TEST (test_e2eeenc_policy)
{
  gchar *path = write_policy ("enc.conf", enc_policy);
  GstBus *bus = gst_bus_new ();
  GstElement *weak = make ("e2eeenc", bus), *strict = make ("e2eeenc", bus);
  GstElement *never = make ("e2eeenc", bus);
  gchar *expected = g_strdup_printf ("cipher-suite=aes-128-gcm-sha256-128 refused: the "
      "policy's min-sframe-cipher-suite=aes-256-gcm-sha512-128 is locked at account "
      "level by [account] (%s:4)", path);

  g_object_set (weak, "policy-file", path, "cipher-suite",
      GST_E2EE_CIPHER_SUITE_AES_128_GCM_SHA256_128, NULL);
  g_object_set (strict, "policy-file", path, "rotation-interval", 60 * GST_SECOND, NULL);
  g_object_set (never, "policy-file", path, "rotation-interval", (guint64) 0, NULL);
  fail_unless_equals_int (gst_element_set_state (weak, GST_STATE_READY),
      GST_STATE_CHANGE_SUCCESS);
  assert_message (bus, GST_MESSAGE_WARNING, expected);
  fail_unless_equals_int (get_number (weak, "cipher-suite"),
      GST_E2EE_CIPHER_SUITE_AES_256_GCM_SHA512_128);
  fail_unless_equals_uint64 (get_number (weak, "rotation-interval"), 300 * GST_SECOND);
  assert_policy_stats (weak, path, "", 1);

  /* A shorter interval meets the policy; "never" is an override of an unlocked one. */
  fail_unless_equals_int (gst_element_set_state (strict, GST_STATE_READY),
      GST_STATE_CHANGE_SUCCESS);
  fail_unless_equals_int (gst_element_set_state (never, GST_STATE_READY),
      GST_STATE_CHANGE_SUCCESS);
  assert_no_message (bus, GST_MESSAGE_WARNING);
  fail_unless_equals_uint64 (get_number (strict, "rotation-interval"), 60 * GST_SECOND);
  assert_policy_stats (strict, path, "", 0);
  fail_unless_equals_uint64 (get_number (never, "rotation-interval"), 0);
  assert_policy_stats (never, path, "rotation-interval=0 overrides "
      "key-rotation-interval=300000000000 (account level, not locked)", 0);
  /* The default suite is the strongest: nothing to refuse. */
  fail_unless_equals_int (get_number (never, "cipher-suite"),
      GST_E2EE_CIPHER_SUITE_AES_256_GCM_SHA512_128);

  gst_element_set_state (weak, GST_STATE_NULL);
  gst_element_set_state (strict, GST_STATE_NULL);
  gst_element_set_state (never, GST_STATE_NULL);
  gst_object_unref (weak);
  gst_object_unref (strict);
  gst_object_unref (never);
  gst_object_unref (bus);
  g_free (expected);
  g_free (path);
}

GST_END_TEST;

/* A reload applies at the next meeting event (an event through the element), never
 * in the middle of the frames between; a refused reload leaves the policy in force. */
GST_START_TEST (test_reload_at_meeting_event)
{
  gchar *path = write_policy ("reload.conf", "[account]\nkey-rotation-interval=5min\n");
  GstBus *bus = gst_bus_new ();
  GstElement *enc = make ("e2eeenc", bus);
  GstE2eePolicy *policy = NULL;
  GstHarness *h;
  GError *error = NULL;
  gchar *expected;
  GstBuffer *key = gst_buffer_new_wrapped (g_memdup2 ("0123456789abcdef", 16), 16);

  g_object_set (enc, "policy-file", path, "key", key, NULL);
  gst_buffer_unref (key);
  h = gst_harness_new_with_element (enc, "sink", "src");
  gst_harness_set_src_caps_str (h, "audio/x-opus, channel-mapping-family=0");
  gst_harness_push (h, gst_buffer_new_wrapped (g_memdup2 ("frame one", 9), 9));
  gst_buffer_unref (gst_harness_pull (h));
  fail_unless_equals_uint64 (get_number (enc, "rotation-interval"), 300 * GST_SECOND);
  g_object_get (enc, "policy", &policy, NULL);

  fail_unless (g_file_set_contents (path, "[account]\nkey-rotation-interval=10min\n",
          -1, NULL));
  fail_unless (gst_e2ee_policy_reload (policy, NULL));
  gst_harness_push (h, gst_buffer_new_wrapped (g_memdup2 ("frame two", 9), 9));
  gst_buffer_unref (gst_harness_pull (h));
  fail_unless_equals_uint64 (get_number (enc, "rotation-interval"), 300 * GST_SECOND);
  fail_unless (gst_harness_push_event (h,
          gst_event_new_custom (GST_EVENT_CUSTOM_DOWNSTREAM,
              gst_structure_new_empty ("meeting-event"))));
  fail_unless_equals_uint64 (get_number (enc, "rotation-interval"), 600 * GST_SECOND);

  /* A bad file: refused with its line, nothing changes. */
  fail_unless (g_file_set_contents (path, "[account]\nkey-rotation-interval=1 min\n",
          -1, NULL));
  fail_if (gst_e2ee_policy_reload (policy, &error));
  expected = g_strdup_printf ("%s:2: [account] key-rotation-interval=1 min: expected 0 "
      "or a whole number with a unit: ms, s, min or h (for example 300s or 5min)", path);
  fail_unless_equals_string (error->message, expected);
  g_clear_error (&error);
  fail_unless (gst_harness_push_event (h,
          gst_event_new_custom (GST_EVENT_CUSTOM_DOWNSTREAM,
              gst_structure_new_empty ("meeting-event"))));
  fail_unless_equals_uint64 (get_number (enc, "rotation-interval"), 600 * GST_SECOND);

  gst_object_unref (policy);
  gst_harness_teardown (h);
  gst_object_unref (bus);
  g_free (expected);
  g_free (path);
}

GST_END_TEST;

/* Every kind of bad file stops the element at start with the file's own messages. */
static const struct
{
  const gchar *text;
  const gchar *message;
} bad_files[] = {
  {"[account]\ne2ee-default\n", "2: 'e2ee-default' is not a [section], a key=value "
        "setting or a # comment"},
  {"[account]\ne2ee-defualt=true\n", "2: [account] unknown setting 'e2ee-defualt' "
        "(settings: see docs/policy.md)"},
  {"[account]\nmin-srtp-auth-tag-bits=64\n", "2: [account] min-srtp-auth-tag-bits=64: "
        "expected 32, 80 or 128"},
  {"[group:g]\nlocked=local-recording\n", "2: [group:g] locks local-recording but does "
        "not set it: a lock holds this section's value"},
  {"[group:a]\nmembers=alice\n[group:b]\nmembers=bob;alice\n", "4: [group:b] lists "
        "alice, already a member of [group:a] (line 2): a user belongs to one group"},
};

GST_START_TEST (test_bad_policy_file)
{
  gchar *path = write_policy ("bad.conf", bad_files[__i__].text);
  GstBus *bus = gst_bus_new ();
  GstElement *guard = make ("srtpguard", bus);
  gchar *expected = g_strdup_printf ("Policy file refused:\n%s:%s", path,
      bad_files[__i__].message);

  g_object_set (guard, "policy-file", path, NULL);
  fail_unless_equals_int (gst_element_set_state (guard, GST_STATE_READY),
      GST_STATE_CHANGE_FAILURE);
  assert_message (bus, GST_MESSAGE_ERROR, expected);

  gst_element_set_state (guard, GST_STATE_NULL);
  gst_object_unref (guard);
  gst_object_unref (bus);
  g_free (expected);
  g_free (path);
}

GST_END_TEST;

/* ---- encstatus ----------------------------------------------------------------- */

/* docs/policy.md's sample: E2EE required and locked for the account, the support group
 * takes calls by phone. */
static const gchar *meeting_policy =
    "[account]\n"                                           /* 1 */
    "e2ee-default=true\n"                                   /* 2 */
    "host-may-toggle-e2ee=false\n"                          /* 3 */
    "allow-join-before-host=false\n"                        /* 4 */
    "allowed-stream-kinds=\n"                               /* 5 */
    "max-e2ee-participants=3\n"                             /* 6 */
    "local-recording=false\n"                               /* 7 */
    "locked=e2ee-default;host-may-toggle-e2ee;allow-join-before-host\n"   /* 8 */
    "[group:support]\n"                                     /* 9 */
    "allowed-stream-kinds=pstn\n";                          /* 10 */

static GstHarness *
status_harness (const gchar * path, const gchar * meeting, const gchar * name,
    const gchar * kind, GstBus * bus)
{
  GstElement *e = make ("encstatus", bus);
  GstHarness *h;

  gst_util_set_object_arg (G_OBJECT (e), "stream-kind", kind);
  g_object_set (e, "meeting", meeting, "stream-name", name, "policy-file", path,
      "policy-group", "support", NULL);
  h = gst_harness_new_with_element (e, "sink", "src");
  gst_harness_set_src_caps_str (h, "application/x-test");
  return h;
}

/* Pushes one buffer; returns whether it came out. */
static gboolean
passes (GstHarness * h)
{
  GstBuffer *out;

  fail_unless_equals_int (gst_harness_push (h, gst_buffer_new_allocate (NULL, 8, NULL)),
      GST_FLOW_OK);
  out = gst_harness_try_pull (h);
  if (out)
    gst_buffer_unref (out);
  return out != NULL;
}

static const GstStructure *
find_exception (const GValue * list, const gchar * stream)
{
  guint i;

  for (i = 0; i < gst_value_array_get_size (list); i++) {
    const GstStructure *e =
        gst_value_get_structure (gst_value_array_get_value (list, i));
    if (g_strcmp0 (gst_structure_get_string (e, "stream"), stream) == 0)
      return e;
  }
  return NULL;
}

GST_START_TEST (test_encstatus_policy)
{
  gchar *path = write_policy ("meeting.conf", meeting_policy);
  GstBus *bus = gst_bus_new ();
  GstHarness *alice = status_harness (path, "policy-m1", "alice", "e2ee", bus);
  GstHarness *sip = status_harness (path, "policy-m1", "room", "sip", bus);
  GstHarness *phone = status_harness (path, "policy-m1", "phone", "pstn", bus);
  GValue list = G_VALUE_INIT;
  const GstStructure *e;
  gboolean refused = FALSE;
  gchar **features = NULL;
  gchar *expected;

  fail_unless (passes (alice));
  /* SIP is forbidden in this E2EE meeting; the support group may dial in by phone. */
  fail_if (passes (sip));
  fail_unless (passes (phone));
  g_value_init (&list, GST_TYPE_ARRAY);
  g_object_get_property (G_OBJECT (alice->element), "exceptions", &list);
  e = find_exception (&list, "room");
  fail_unless (e != NULL);
  fail_unless (gst_structure_get_boolean (e, "refused", &refused) && refused);
  fail_unless_equals_string (gst_structure_get_string (e, "restricted-feature"),
      "sip-join");
  fail_unless (g_str_has_suffix (gst_structure_get_string (e, "reason"),
          "; sip-join is not allowed in an E2EE meeting by the policy "
          "(allowed-stream-kinds)"), "%s", gst_structure_get_string (e, "reason"));
  e = find_exception (&list, "phone");
  fail_unless (e != NULL);
  fail_unless (gst_structure_get_boolean (e, "refused", &refused) && !refused);
  fail_if (gst_structure_has_field (e, "restricted-feature"));
  g_value_unset (&list);

  g_object_get (alice->element, "restricted-features", &features, NULL);
  fail_unless (g_strv_contains ((const gchar * const *) features, "local-recording"));
  fail_unless (g_strv_contains ((const gchar * const *) features, "join-before-host"));
  g_strfreev (features);

  /* Locked: the host may not turn E2EE off, nor let people join before the host. */
  g_object_set (alice->element, "is-host", TRUE, NULL);
  g_signal_emit_by_name (alice->element, "request-e2ee", FALSE, &refused);
  fail_if (refused);
  assert_message (bus, GST_MESSAGE_WARNING, "Refusing to turn E2EE off in meeting "
      "'policy-m1': the policy's host-may-toggle-e2ee is false");
  fail_unless_equals_int (get_number (alice->element, "e2ee-enabled"), TRUE);
  g_object_set (alice->element, "allow-join-before-host", TRUE, NULL);
  expected = g_strdup_printf ("allow-join-before-host=true refused: the policy's "
      "allow-join-before-host=false is locked at account level by [account] (%s:8)",
      path);
  assert_message (bus, GST_MESSAGE_WARNING, expected);
  fail_unless_equals_int (get_number (alice->element, "allow-join-before-host"), FALSE);

  gst_harness_teardown (alice);
  gst_harness_teardown (sip);
  gst_harness_teardown (phone);
  gst_object_unref (bus);
  g_free (expected);
  g_free (path);
}

GST_END_TEST;

GST_START_TEST (test_encstatus_participant_cap)
{
  gchar *path = write_policy ("meeting.conf", meeting_policy);
  GstHarness *a1 = status_harness (path, "policy-m2", "alice", "e2ee", NULL);
  GstHarness *a2 = status_harness (path, "policy-m2", "alice", "e2ee", NULL);
  GstHarness *bob = status_harness (path, "policy-m2", "bob", "e2ee", NULL);
  GstHarness *carol = status_harness (path, "policy-m2", "carol", "e2ee", NULL);
  GstHarness *dave = status_harness (path, "policy-m2", "dave", "e2ee", NULL);
  GValue list = G_VALUE_INIT;
  const GstStructure *e;
  gboolean refused = FALSE;

  /* Alice's audio and video are one participant: dave is the fourth. */
  fail_unless (passes (a1));
  fail_unless (passes (a2));
  fail_unless (passes (bob));
  fail_unless (passes (carol));
  fail_if (passes (dave));
  g_value_init (&list, GST_TYPE_ARRAY);
  g_object_get_property (G_OBJECT (a1->element), "exceptions", &list);
  e = find_exception (&list, "dave");
  fail_unless (e != NULL);
  fail_unless (gst_structure_get_boolean (e, "refused", &refused) && refused);
  fail_unless (g_str_has_suffix (gst_structure_get_string (e, "reason"),
          "; over the policy's max-e2ee-participants (3)"), "%s",
      gst_structure_get_string (e, "reason"));
  /* The others are exceptions only for lacking e2eedec's meta, not refused. */
  e = find_exception (&list, "carol");
  fail_unless (e != NULL);
  fail_unless (gst_structure_get_boolean (e, "refused", &refused) && !refused);
  g_value_unset (&list);

  gst_harness_teardown (a1);
  gst_harness_teardown (a2);
  gst_harness_teardown (bob);
  gst_harness_teardown (carol);
  gst_harness_teardown (dave);
  g_free (path);
}

GST_END_TEST;

GST_START_TEST (test_encstatus_e2ee_default)
{
  gchar *path = write_policy ("off.conf", "[account]\ne2ee-default=false\n");
  GstElement *e = make ("encstatus", NULL);
  GstHarness *h;

  g_object_set (e, "meeting", "policy-m3", "policy-file", path, NULL);
  fail_unless_equals_int (get_number (e, "e2ee-enabled"), TRUE);
  h = gst_harness_new_with_element (e, "sink", "src");
  gst_harness_set_src_caps_str (h, "application/x-test");
  fail_unless_equals_int (get_number (e, "e2ee-enabled"), FALSE);
  gst_harness_teardown (h);
  g_free (path);
}

GST_END_TEST;

/* ---- e2eedec: recording-free sessions ------------------------------------------ */

static const gchar *no_recording = "[account]\nlocal-recording=false\n";

#define H264_AVC "video/x-h264,stream-format=avc,alignment=au,width=64,height=48," \
  "codec_data=(buffer)0142c01effe100176742c01e95a0a0fc880000030008000003018478b16c01000468ce3c80"

static GstElement *
launch (const gchar * description)
{
  GError *error = NULL;
  GstElement *p = gst_parse_launch (description, &error);

  fail_unless (p != NULL, "%s: %s", description, error ? error->message : "");
  return p;
}

GST_START_TEST (test_recording_refused_at_start)
{
  gchar *path = write_policy ("rec.conf", no_recording);
  gchar *out = g_build_filename (tmpdir, "out.mp4", NULL);
  /* The muxer's pad named: parse_launch would otherwise link it when caps come. */
  gchar *desc = g_strdup_printf ("appsrc caps=\"" H264_AVC "\" ! e2eedec name=e2eedec0 "
      "key=" KEY " policy-file=%s ! tee name=tee0 ! mp4mux0.video_0 "
      "mp4mux name=mp4mux0 ! filesink name=filesink0 location=%s", path, out);
  GstElement *p = launch (desc);
  GstBus *bus = gst_element_get_bus (p);

  fail_unless_equals_int (gst_element_set_state (p, GST_STATE_PLAYING),
      GST_STATE_CHANGE_FAILURE);
  assert_message (bus, GST_MESSAGE_ERROR, "Recording-free session: decrypted media "
      "would be recorded or sent on: e2eedec0 \u2192 tee0 \u2192 mp4mux0 \u2192 filesink0");

  gst_element_set_state (p, GST_STATE_NULL);
  gst_object_unref (bus);
  gst_object_unref (p);
  g_free (desc);
  g_free (out);
  g_free (path);
}

GST_END_TEST;

static void
count_handoff (GstElement * sink, GstBuffer * buf, GstPad * pad, gpointer n)
{
  g_atomic_int_inc ((gint *) n);
}

static void
push_frame (GstElement * src, guint i)
{
  GstBuffer *b = gst_buffer_new_allocate (NULL, 64, NULL);

  gst_buffer_memset (b, 0, (guint8) i, 64);
  GST_BUFFER_PTS (b) = i * 40 * GST_MSECOND;
  GST_BUFFER_DURATION (b) = 40 * GST_MSECOND;
  fail_unless_equals_int (gst_app_src_push_buffer (GST_APP_SRC (src), b), GST_FLOW_OK);
}

static void
wait_handoffs (const gint * n, gint want)
{
  gint64 end = g_get_monotonic_time () + hang_guard (10) / GST_USECOND;

  while (g_atomic_int_get (n) < want && g_get_monotonic_time () < end)
    g_usleep (2000);
  fail_unless_equals_int (g_atomic_int_get (n), want);
}

GST_START_TEST (test_recording_refused_when_linked)
{
  gchar *path = write_policy ("rec.conf", no_recording);
  gchar *out = g_build_filename (tmpdir, "late.mp4", NULL);
  gchar *desc = g_strdup_printf ("appsrc name=src format=time caps=\"" H264_AVC "\" ! "
      "e2eeenc key=" KEY " ! e2eedec name=e2eedec0 key=" KEY " policy-file=%s ! "
      "tee name=tee0 ! queue ! fakesink name=view signal-handoffs=true sync=false", path);
  GstElement *p = launch (desc);
  GstBus *bus = gst_element_get_bus (p);
  GstElement *src = gst_bin_get_by_name (GST_BIN (p), "src");
  GstElement *view = gst_bin_get_by_name (GST_BIN (p), "view");
  GstElement *tee = gst_bin_get_by_name (GST_BIN (p), "tee0");
  GstElement *mux, *fsink;
  GstPad *teepad, *muxpad;
  gint n = 0;

  g_signal_connect (view, "handoff", G_CALLBACK (count_handoff), &n);
  fail_if (gst_element_set_state (p, GST_STATE_PLAYING) == GST_STATE_CHANGE_FAILURE);
  push_frame (src, 0);
  push_frame (src, 1);
  wait_handoffs (&n, 2);
  assert_no_message (bus, GST_MESSAGE_ERROR);

  /* A recording branch linked while PLAYING: the next frame is refused. */
  mux = gst_element_factory_make ("mp4mux", "mp4mux0");
  fsink = gst_element_factory_make ("filesink", "filesink0");
  g_object_set (fsink, "location", out, NULL);
  gst_bin_add_many (GST_BIN (p), mux, fsink, NULL);
  fail_unless (gst_element_link (mux, fsink));
  /* What the guard judges is the link. The branch stays in READY: a running mp4mux
   * would race the pipeline's error teardown (a GLib critical under valgrind). */
  fail_unless_equals_int (gst_element_set_state (fsink, GST_STATE_READY),
      GST_STATE_CHANGE_SUCCESS);
  fail_unless_equals_int (gst_element_set_state (mux, GST_STATE_READY),
      GST_STATE_CHANGE_SUCCESS);
  teepad = gst_element_request_pad_simple (tee, "src_%u");
  muxpad = gst_element_request_pad_simple (mux, "video_%u");
  fail_unless_equals_int (gst_pad_link (teepad, muxpad), GST_PAD_LINK_OK);
  push_frame (src, 2);
  assert_message (bus, GST_MESSAGE_ERROR, "Recording-free session: decrypted media "
      "would be recorded or sent on: e2eedec0 \u2192 tee0 \u2192 mp4mux0 \u2192 filesink0");
  fail_unless_equals_int (g_atomic_int_get (&n), 2);

  gst_element_set_state (p, GST_STATE_NULL);
  gst_object_unref (teepad);
  gst_object_unref (muxpad);
  gst_object_unref (tee);
  gst_object_unref (view);
  gst_object_unref (src);
  gst_object_unref (bus);
  gst_object_unref (p);
  g_free (desc);
  g_free (out);
  g_free (path);
}

GST_END_TEST;

static void
count_identity_handoff (GstElement * identity, GstBuffer * buf, gpointer n)
{
  g_atomic_int_inc ((gint *) n);
}

/* The guard judges the graph only when it may have changed: after a link, and after a
 * policy change. A reload that forbids recording, with a file sink already linked,
 * stops the frames from the next meeting event on. */
GST_START_TEST (test_recording_refused_after_reload)
{
  gchar *path = write_policy ("rec-reload.conf", "[account]\nlocal-recording=true\n");
  gchar *out = g_build_filename (tmpdir, "reload.bin", NULL);
  gchar *desc = g_strdup_printf ("appsrc name=src format=time caps=\"" H264_AVC "\" ! "
      "e2eeenc key=" KEY " ! e2eedec name=e2eedec0 key=" KEY " policy-file=%s ! "
      "identity name=count signal-handoffs=true ! filesink name=filesink0 location=%s",
      path, out);
  GstElement *p = launch (desc);
  GstBus *bus = gst_element_get_bus (p);
  GstElement *src = gst_bin_get_by_name (GST_BIN (p), "src");
  GstElement *dec = gst_bin_get_by_name (GST_BIN (p), "e2eedec0");
  GstElement *count = gst_bin_get_by_name (GST_BIN (p), "count");
  GstE2eePolicy *policy = NULL;
  gint n = 0;

  g_signal_connect (count, "handoff", G_CALLBACK (count_identity_handoff), &n);
  fail_if (gst_element_set_state (p, GST_STATE_PLAYING) == GST_STATE_CHANGE_FAILURE);
  push_frame (src, 0);
  wait_handoffs (&n, 1);
  assert_no_message (bus, GST_MESSAGE_ERROR);

  g_object_get (dec, "policy", &policy, NULL);
  fail_unless (policy != NULL);
  fail_unless (g_file_set_contents (path, no_recording, -1, NULL));
  fail_unless (gst_e2ee_policy_reload (policy, NULL));
  fail_unless (gst_element_send_event (src,
          gst_event_new_custom (GST_EVENT_CUSTOM_DOWNSTREAM,
              gst_structure_new_empty ("meeting-event"))));
  push_frame (src, 1);
  assert_message (bus, GST_MESSAGE_ERROR, "Recording-free session: decrypted media "
      "would be recorded or sent on: e2eedec0 \u2192 count \u2192 filesink0");
  fail_unless_equals_int (g_atomic_int_get (&n), 1);

  gst_element_set_state (p, GST_STATE_NULL);
  gst_object_unref (policy);
  gst_object_unref (count);
  gst_object_unref (dec);
  gst_object_unref (src);
  gst_object_unref (bus);
  gst_object_unref (p);
  g_free (desc);
  g_free (out);
  g_free (path);
}

GST_END_TEST;

/* A display sink as the services' clients have: class Sink/Video. */
typedef GstBaseSink TestDisplaySink;
typedef GstBaseSinkClass TestDisplaySinkClass;
GType test_display_sink_get_type (void);
G_DEFINE_TYPE (TestDisplaySink, test_display_sink, GST_TYPE_BASE_SINK);

static GstStaticPadTemplate display_sink_template = GST_STATIC_PAD_TEMPLATE ("sink",
    GST_PAD_SINK, GST_PAD_ALWAYS, GST_STATIC_CAPS_ANY);

static void
test_display_sink_init (TestDisplaySink * s)
{
}

static void
test_display_sink_class_init (TestDisplaySinkClass * klass)
{
  gst_element_class_add_static_pad_template (GST_ELEMENT_CLASS (klass),
      &display_sink_template);
  gst_element_class_set_static_metadata (GST_ELEMENT_CLASS (klass), "Test display",
      "Sink/Video", "Shows video (in a test: drops it)", "gst-e2ee developers");
}

static const gchar *const accepted[] = {
  "jpegdec ! fakesink",
  "jpegdec ! videoconvert ! testdisplaysink",
  "tee name=t ! queue ! jpegdec ! fakesink t. ! queue ! jpegdec ! testdisplaysink",
};

GST_START_TEST (test_recording_accepts_display)
{
  gchar *path = write_policy ("rec.conf", no_recording);
  gchar *desc = g_strdup_printf ("videotestsrc num-buffers=2 ! "
      "video/x-raw,width=64,height=48 ! jpegenc ! e2eeenc key=" KEY " ! "
      "e2eedec key=" KEY " policy-file=%s ! %s", path, accepted[__i__]);
  GstElement *p;
  GstBus *bus;
  GstMessage *msg;

  gst_element_register (NULL, "testdisplaysink", GST_RANK_NONE,
      test_display_sink_get_type ());
  p = launch (desc);
  bus = gst_element_get_bus (p);
  fail_if (gst_element_set_state (p, GST_STATE_PLAYING) == GST_STATE_CHANGE_FAILURE);
  msg = gst_bus_timed_pop_filtered (bus, hang_guard (30),
      GST_MESSAGE_EOS | GST_MESSAGE_ERROR);
  fail_unless (msg != NULL);
  fail_unless_equals_int (GST_MESSAGE_TYPE (msg), GST_MESSAGE_EOS);
  gst_message_unref (msg);

  gst_element_set_state (p, GST_STATE_NULL);
  gst_object_unref (bus);
  gst_object_unref (p);
  g_free (desc);
  g_free (path);
}

GST_END_TEST;

/* ---- gst-e2ee-policy --------------------------------------------------------------- */

static gint
run_tool (const gchar * file, const gchar * group, const gchar * user, gchar ** out,
    gchar ** err)
{
  const gchar *tool = g_getenv ("GST_E2EE_POLICY_TOOL");
  const gchar *argv[8] = { tool, NULL };
  guint n = 1;
  gint status = -1;
  GError *error = NULL;

  fail_unless (tool != NULL, "GST_E2EE_POLICY_TOOL is not set");
  if (file) {
    argv[n++] = "--file";
    argv[n++] = file;
  }
  if (group) {
    argv[n++] = "--group";
    argv[n++] = group;
  }
  if (user) {
    argv[n++] = "--user";
    argv[n++] = user;
  }
  fail_unless (g_spawn_sync (NULL, (gchar **) argv, NULL, G_SPAWN_DEFAULT, NULL, NULL,
          out, err, &status, &error), "%s", error ? error->message : "");
  return WIFEXITED (status) ? WEXITSTATUS (status) : -1;
}

GST_START_TEST (test_tool)
{
  gchar *path = write_policy ("tool.conf", "[account]\n"   /* 1 */
      "e2ee-default=true\n"                                 /* 2 */
      "allowed-stream-kinds=\n"                             /* 3 */
      "locked=e2ee-default\n"                               /* 4 */
      "[group:support]\n"                                   /* 5 */
      "allowed-stream-kinds=pstn;sip\n"                     /* 6 */
      "e2ee-default=false\n"                                /* 7 */
      "[user:alice]\n"                                      /* 8 */
      "key-rotation-interval=90s\n"                         /* 9 */
      "min-srtp-auth-tag-bits=128\n"                        /* 10 */
      "locked=min-srtp-auth-tag-bits\n");                   /* 11 */
  gchar *bad = write_policy ("bad.conf", "[account]\ne2ee-default=yes\n\ncolour=blue\n");
  gchar *out = NULL, *err = NULL, *expected;

  fail_unless_equals_int (run_tool (path, "support", "alice", &out, &err), 0);
  expected = g_strdup_printf (
      "require-media-encryption-third-party=true\tdefault\tnot locked\n"
      "e2ee-default=true\taccount\tlocked at account level by [account] (%s:4)\n"
      "host-may-toggle-e2ee=false\tdefault\tnot locked\n"
      "allow-join-before-host=false\tdefault\tnot locked\n"
      "min-sframe-cipher-suite=aes-128-gcm-sha256-128\tdefault\tnot locked\n"
      "min-srtp-auth-tag-bits=128\tuser\tlocked at user level by [user:alice] (%s:11)\n"
      "key-rotation-interval=90s\tuser\tnot locked\n"
      "max-e2ee-participants=200\tdefault\tnot locked\n"
      "allowed-stream-kinds=pstn;sip\tgroup\tnot locked\n"
      "cloud-recording=false\tdefault\tnot locked\n"
      "local-recording=false\tdefault\tnot locked\n", path, path);
  fail_unless_equals_string (out, expected);
  g_free (expected);
  expected = g_strdup_printf ("warning: %s:7: [group:support] e2ee-default is ignored: "
      "locked at account level by [account] (%s:4)\n", path, path);
  fail_unless_equals_string (err, expected);
  g_free (expected);
  g_free (out);
  g_free (err);

  fail_unless_equals_int (run_tool (bad, NULL, NULL, &out, &err), 1);
  fail_unless_equals_string (out, "");
  expected = g_strdup_printf ("%s:2: [account] e2ee-default=yes: expected true or "
      "false\n%s:4: [account] unknown setting 'colour' (settings: see "
      "docs/policy.md)\n", bad, bad);
  fail_unless_equals_string (err, expected);
  g_free (expected);
  g_free (out);
  g_free (err);

  fail_unless_equals_int (run_tool (NULL, NULL, NULL, &out, &err), 2);
  g_free (out);
  g_free (err);
  g_free (bad);
  g_free (path);
}

GST_END_TEST;

static Suite *
policy_enforcement_suite (void)
{
  Suite *s = suite_create ("policy-enforcement");
  TCase *tc = tcase_create ("general");

  suite_add_tcase (s, tc);
  tcase_add_checked_fixture (tc, setup_dir, teardown_dir);
  tcase_add_test (tc, test_srtpguard_policy);
  tcase_add_test (tc, test_e2eeenc_policy);
  tcase_add_test (tc, test_reload_at_meeting_event);
  tcase_add_loop_test (tc, test_bad_policy_file, 0, G_N_ELEMENTS (bad_files));
  tcase_add_test (tc, test_encstatus_policy);
  tcase_add_test (tc, test_encstatus_participant_cap);
  tcase_add_test (tc, test_encstatus_e2ee_default);
  tcase_add_test (tc, test_recording_refused_at_start);
  tcase_add_test (tc, test_recording_refused_when_linked);
  tcase_add_test (tc, test_recording_refused_after_reload);
  tcase_add_loop_test (tc, test_recording_accepts_display, 0, G_N_ELEMENTS (accepted));
  tcase_add_test (tc, test_tool);
  return s;
}

GST_CHECK_MAIN (policy_enforcement);
