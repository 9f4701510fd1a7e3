/* gst-e2ee: encstatus in an MLS meeting: the security code of the group bound to its
 * key store (property, context, or a neighbour's store), in its properties, messages
 * and overlay; the user's confirmation, which only the current code gives and every
 * new epoch takes back; an E2EE meeting whose code is not compared says so.
 *
 * Two members, alice (creator) and bob, built with the library, each with a key store
 * bound to its group (GstE2eeMlsKeys); encstatus follows one of the stores. Each test
 * uses meetings of its own name: meetings are process-wide.
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <gst/check/gstcheck.h>
#include <gst/check/gstharness.h>
#include <gst/app/app.h>
#include <gst/video/video.h>
#include <gst/e2ee/e2ee.h>
#include <string.h>
#include "../hangguard.h"

#define SHIELD 64
#define MARGIN (SHIELD / 4)
#define GAP (SHIELD / 8)
#define WIDTH 320
#define HEIGHT 240

/* ------------------------------------------------------------------------------------ */
/* Members                                                                              */

typedef struct
{
  GstE2eeMlsClient *client;
  GstE2eeMlsGroup *group;
  GstE2eeKeyStore *store;
  GstE2eeMlsKeys *keys;
} Member;

static void
member_new (Member * m, const gchar * identity)
{
  GBytes *id = g_bytes_new_static (identity, strlen (identity));
  GError *err = NULL;

  memset (m, 0, sizeof *m);
  m->client = gst_e2ee_mls_client_new (id, &err);
  fail_unless (m->client != NULL, "%s", err ? err->message : "");
  m->store = gst_e2ee_key_store_new ();
  g_bytes_unref (id);
}

static void
member_bind (Member * m)
{
  GError *err = NULL;

  m->keys = gst_e2ee_mls_keys_new (m->group, m->store, &err);
  fail_unless (m->keys != NULL, "%s", err ? err->message : "");
}

static void
member_free (Member * m)
{
  g_clear_object (&m->keys);
  g_clear_object (&m->group);
  g_clear_object (&m->store);
  g_clear_object (&m->client);
}

/* alice creates the group and adds bob; both stores bound unless @bind_alice is
 * FALSE (alice's binding is then made by the test). */
static void
meeting_of_two (Member * alice, Member * bob, gboolean bind_alice)
{
  GBytes *gid = g_bytes_new_static ("encstatus-mls", 13), *kp, *welcome = NULL, *commit;
  GError *err = NULL;

  member_new (alice, "alice");
  member_new (bob, "bob");
  alice->group = gst_e2ee_mls_group_create (alice->client, gid, &err);
  fail_unless (alice->group != NULL, "%s", err ? err->message : "");
  kp = gst_e2ee_mls_client_create_key_package (bob->client, &err);
  fail_unless (kp != NULL, "%s", err ? err->message : "");
  commit = gst_e2ee_mls_group_add (alice->group, kp, &welcome, &err);
  fail_unless (commit != NULL, "%s", err ? err->message : "");
  bob->group = gst_e2ee_mls_group_join (bob->client, welcome, NULL, &err);
  fail_unless (bob->group != NULL, "%s", err ? err->message : "");
  if (bind_alice)
    member_bind (alice);
  member_bind (bob);
  g_bytes_unref (commit);
  g_bytes_unref (welcome);
  g_bytes_unref (kp);
  g_bytes_unref (gid);
}

/* @from commits (an update, or the removal of leaf @remove when not -1) and @to
 * applies it: a new epoch for both. */
static void
next_epoch (Member * from, Member * to, gint remove)
{
  GError *err = NULL;
  GBytes *commit = remove < 0 ? gst_e2ee_mls_group_update (from->group, &err) :
      gst_e2ee_mls_group_remove (from->group, remove, &err);

  fail_unless (commit != NULL, "%s", err ? err->message : "");
  fail_unless_equals_int (gst_e2ee_mls_group_handle (to->group, commit, NULL, &err),
      GST_E2EE_MLS_MESSAGE_KIND_COMMIT);
  g_bytes_unref (commit);
}

/* ------------------------------------------------------------------------------------ */
/* encstatus                                                                            */

static GstHarness *
status_new (const gchar * meeting, GstE2eeKeyStore * store, GstBus * bus,
    const gchar * caps)
{
  GstElement *e = gst_element_factory_make ("encstatus", NULL);
  GstHarness *h;

  fail_unless (e != NULL);
  g_object_set (e, "meeting", meeting, "key-store", store, NULL);
  gst_element_set_bus (e, bus);
  h = gst_harness_new_with_element (e, "sink", "src");
  gst_object_unref (e);
  gst_harness_set_src_caps_str (h, caps ? caps : "application/x-test");
  return h;
}

static void
status_free (GstHarness * h, GstBus * bus)
{
  gst_element_set_bus (h->element, NULL);
  gst_harness_teardown (h);
  gst_bus_set_flushing (bus, TRUE);
}

/* Ends a test of @h bound to alice's or bob's store. */
static void
finish (GstHarness * h, GstBus * bus, Member * alice, Member * bob)
{
  status_free (h, bus);
  gst_object_unref (bus);
  member_free (bob);
  member_free (alice);
}

static gchar *
code_of (GstHarness * h)
{
  gchar *code = NULL;

  g_object_get (h->element, "security-code", &code, NULL);
  return code;
}

static gboolean
confirmed_of (GstHarness * h)
{
  gboolean confirmed = TRUE;

  g_object_get (h->element, "code-confirmed", &confirmed, NULL);
  return confirmed;
}

static gboolean
confirm (GstHarness * h, const gchar * code)
{
  gboolean ok = FALSE;

  g_signal_emit_by_name (h->element, "confirm-code", code, &ok);
  return ok;
}

/* The last `encstatus` message on @bus, dropping the ones before; NULL if none. */
static GstStructure *
last_status (GstBus * bus)
{
  GstStructure *last = NULL;
  GstMessage *msg;

  while ((msg = gst_bus_pop_filtered (bus, GST_MESSAGE_ELEMENT))) {
    if (gst_message_has_name (msg, "encstatus")) {
      if (last)
        gst_structure_free (last);
      last = gst_structure_copy (gst_message_get_structure (msg));
    }
    gst_message_unref (msg);
  }
  return last;
}

/* The last message carries @code, @confirmed, @code_status and @reason. */
static void
assert_status (GstBus * bus, const gchar * code, gboolean confirmed,
    const gchar * code_status, const gchar * reason)
{
  GstStructure *s = last_status (bus);
  gboolean got_confirmed = !confirmed;

  fail_unless (s != NULL, "no encstatus message");
  fail_unless (gst_structure_has_field_typed (s, "security-code", G_TYPE_STRING));
  fail_unless_equals_string (gst_structure_get_string (s, "security-code"), code);
  fail_unless (gst_structure_get_boolean (s, "code-confirmed", &got_confirmed));
  fail_unless_equals_int (got_confirmed, confirmed);
  fail_unless_equals_string (gst_structure_get_string (s, "code-status"), code_status);
  fail_unless_equals_string (gst_structure_get_string (s, "reason"), reason);
  gst_structure_free (s);
}

/* A frame as e2eedec passes it: decrypted and authenticated. */
static GstBuffer *
e2ee_frame (gsize size)
{
  GstBuffer *buf = gst_buffer_new_allocate (NULL, size, NULL);

  gst_buffer_memset (buf, 0, 0x5a, size);
  gst_buffer_add_e2ee_meta (buf, TRUE, 1, 0, GST_E2EE_CIPHER_SUITE_AES_128_GCM_SHA256_128);
  return buf;
}

/* ------------------------------------------------------------------------------------ */
/* The code, its messages and its confirmation                                          */

/* encstatus shows the group's code, and a new one with each epoch; only the current
 * code confirms, and a new epoch takes the confirmation back. */
GST_START_TEST (test_code_follows_epochs)
{
  Member alice, bob;
  GstBus *bus = gst_bus_new ();
  GstHarness *h;
  gchar *code, *group_code, *old, *digits, **words;

  meeting_of_two (&alice, &bob, TRUE);
  h = status_new ("mls-epochs", alice.store, bus, NULL);

  group_code = gst_e2ee_mls_group_get_security_code (alice.group);
  code = code_of (h);
  fail_unless (group_code != NULL && strlen (group_code) == 47);
  fail_unless_equals_string (code, group_code);
  fail_if (confirmed_of (h));
  /* not an E2EE meeting yet (no stream carried E2EE frames): no comparison asked */
  assert_status (bus, code, FALSE, "none", "security-code-changed");

  /* wrong and missing codes confirm nothing */
  fail_if (confirm (h, "00000 00000 00000 00000 00000 00000 00000 00000"));
  fail_if (confirm (h, ""));
  fail_if (confirm (h, NULL));
  fail_if (confirmed_of (h));
  fail_unless (last_status (bus) == NULL);

  fail_unless (confirm (h, code));
  fail_unless (confirmed_of (h));
  assert_status (bus, code, TRUE, "none", "code-confirmed");
  /* the same again changes nothing */
  fail_unless (confirm (h, code));
  fail_unless (last_status (bus) == NULL);

  /* bob updates, alice applies: a new epoch, a new code, the confirmation gone */
  old = code;
  g_free (group_code);
  next_epoch (&bob, &alice, -1);
  group_code = gst_e2ee_mls_group_get_security_code (alice.group);
  code = code_of (h);
  fail_unless_equals_string (code, group_code);
  fail_if (g_str_equal (code, old), "the code did not change with the epoch");
  fail_if (confirmed_of (h));
  assert_status (bus, code, FALSE, "none", "security-code-changed");

  /* the last epoch's code is stale */
  fail_if (confirm (h, old));
  fail_if (confirmed_of (h));
  /* the groups' spaces are optional */
  words = g_strsplit (code, " ", -1);
  digits = g_strjoinv ("", words);
  g_strfreev (words);
  fail_unless_equals_int (strlen (digits), 40);
  fail_unless (confirm (h, digits));
  fail_unless (confirmed_of (h));

  g_free (digits);
  g_free (old);
  g_free (code);
  g_free (group_code);
  finish (h, bus, &alice, &bob);
}

GST_END_TEST;

/* An E2EE meeting with a code nobody compared says so; a confirmed code says
 * compared, until the next epoch. */
GST_START_TEST (test_e2ee_meeting_not_compared)
{
  Member alice, bob;
  GstBus *bus = gst_bus_new ();
  GstHarness *h;
  gchar *code;

  meeting_of_two (&alice, &bob, TRUE);
  h = status_new ("mls-not-compared", bob.store, bus, NULL);
  gst_buffer_unref (gst_harness_push_and_pull (h, e2ee_frame (16)));
  code = code_of (h);
  fail_unless (code != NULL);
  assert_status (bus, code, FALSE, "not-compared", "stream-joined");

  fail_unless (confirm (h, code));
  assert_status (bus, code, TRUE, "compared", "code-confirmed");
  g_free (code);

  next_epoch (&alice, &bob, -1);
  code = code_of (h);
  assert_status (bus, code, FALSE, "not-compared", "security-code-changed");
  g_free (code);

  /* bob removed: no code, nothing to compare */
  next_epoch (&alice, &bob, 1);
  fail_unless (code_of (h) == NULL);
  assert_status (bus, NULL, FALSE, "none", "security-code-changed");
  fail_if (confirm (h, NULL));

  finish (h, bus, &alice, &bob);
}

GST_END_TEST;

/* Without a binding on its store (a pre-shared-key meeting), no code and no comparison
 * asked; a binding made while encstatus runs (a member joining) is found at once, and
 * one dropped while it runs leaves no code. */
GST_START_TEST (test_binding_made_later)
{
  Member alice, bob;
  GstBus *bus = gst_bus_new ();
  GstHarness *h;
  gchar *code, *group_code;

  meeting_of_two (&alice, &bob, FALSE);
  h = status_new ("mls-later", alice.store, bus, NULL);
  gst_buffer_unref (gst_harness_push_and_pull (h, e2ee_frame (16)));
  fail_unless (code_of (h) == NULL);
  assert_status (bus, NULL, FALSE, "none", "stream-joined");

  member_bind (&alice);
  code = code_of (h);
  group_code = gst_e2ee_mls_group_get_security_code (alice.group);
  fail_unless (code != NULL, "the binding made while running was not found");
  fail_unless_equals_string (code, group_code);
  assert_status (bus, code, FALSE, "not-compared", "security-code-changed");

  /* alice drops her binding: encstatus does not keep it alive, and has no code */
  g_object_add_weak_pointer (G_OBJECT (alice.keys), (gpointer *) & alice.keys);
  g_object_unref (alice.keys);
  fail_unless (alice.keys == NULL, "encstatus keeps the dropped binding alive");
  fail_unless (code_of (h) == NULL);
  assert_status (bus, NULL, FALSE, "none", "security-code-changed");

  g_free (code);
  g_free (group_code);
  finish (h, bus, &alice, &bob);
}

GST_END_TEST;

/* The store comes from the pipeline's gst.e2ee.keystore context, or from a neighbour
 * that has one (e2eedec answers the context query). */
GST_START_TEST (test_store_from_context)
{
  Member alice, bob;
  GstElement *pipeline, *status, *dec;
  GstContext *ctx;
  gchar *code, *group_code;

  meeting_of_two (&alice, &bob, TRUE);
  group_code = gst_e2ee_mls_group_get_security_code (alice.group);

  /* the application sets the context on the pipeline */
  pipeline = gst_parse_launch ("fakesrc num-buffers=0 ! encstatus name=s "
      "meeting=mls-context ! fakesink", NULL);
  fail_unless (pipeline != NULL);
  ctx = gst_e2ee_key_store_context_new (alice.store);
  gst_element_set_context (pipeline, ctx);
  gst_context_unref (ctx);
  fail_unless (gst_element_set_state (pipeline, GST_STATE_PAUSED) !=
      GST_STATE_CHANGE_FAILURE);
  status = gst_bin_get_by_name (GST_BIN (pipeline), "s");
  g_object_get (status, "security-code", &code, NULL);
  fail_unless_equals_string (code, group_code);
  g_free (code);
  gst_element_set_state (pipeline, GST_STATE_NULL);
  /* stopped, it follows nothing: the meeting has no code */
  g_object_get (status, "security-code", &code, NULL);
  fail_unless (code == NULL);
  gst_object_unref (status);
  gst_object_unref (pipeline);

  /* e2eedec with the store by property shares it with its neighbours */
  pipeline = gst_parse_launch ("fakesrc num-buffers=0 ! e2eedec name=d ! "
      "encstatus name=s meeting=mls-neighbour ! fakesink", NULL);
  fail_unless (pipeline != NULL);
  dec = gst_bin_get_by_name (GST_BIN (pipeline), "d");
  g_object_set (dec, "key-store", alice.store, NULL);
  fail_unless (gst_element_set_state (pipeline, GST_STATE_PAUSED) !=
      GST_STATE_CHANGE_FAILURE);
  status = gst_bin_get_by_name (GST_BIN (pipeline), "s");
  g_object_get (status, "security-code", &code, NULL);
  fail_unless_equals_string (code, group_code);
  g_free (code);
  gst_element_set_state (pipeline, GST_STATE_NULL);
  gst_object_unref (status);
  gst_object_unref (dec);
  gst_object_unref (pipeline);

  g_free (group_code);
  member_free (&bob);
  member_free (&alice);
}

GST_END_TEST;

/* ------------------------------------------------------------------------------------ */
/* The overlay                                                                          */

#define I420_CAPS "video/x-raw,format=I420,width=320,height=240,framerate=30/1"

/* A black frame through @h; returns the luma plane of what came out. */
static guint8 *
blend_black (GstHarness * h)
{
  GstVideoInfo info;
  GstBuffer *in, *out;
  guint8 *luma = g_malloc (WIDTH * HEIGHT);

  gst_video_info_set_format (&info, GST_VIDEO_FORMAT_I420, WIDTH, HEIGHT);
  in = gst_buffer_new_allocate (NULL, info.size, NULL);
  gst_buffer_memset (in, 0, 16, WIDTH * HEIGHT);
  gst_buffer_memset (in, WIDTH * HEIGHT, 128, info.size - WIDTH * HEIGHT);
  out = gst_harness_push_and_pull (h, in);
  fail_unless (out != NULL);
  fail_unless_equals_int (gst_buffer_extract (out, 0, luma, WIDTH * HEIGHT),
      WIDTH * HEIGHT);
  gst_buffer_unref (out);
  return luma;
}

/* White pixels (the glyphs) under the shield, top left. */
static guint
ink_under_shield (const guint8 * luma)
{
  guint x, y, n = 0;

  for (y = MARGIN + SHIELD; y < HEIGHT; y++)
    for (x = 0; x < WIDTH; x++)
      n += luma[y * WIDTH + x] > 200;
  return n;
}

static gboolean
same_under_shield (const guint8 * a, const guint8 * b)
{
  guint off = (MARGIN + SHIELD) * WIDTH;

  return memcmp (a + off, b + off, WIDTH * HEIGHT - off) == 0;
}

/* overlay=true writes the code under the shield, and what the meeting says about it:
 * other digits after a commit, another line once confirmed. */
GST_START_TEST (test_overlay_draws_code)
{
  Member alice, bob, carol;
  GstBus *bus = gst_bus_new ();
  GstHarness *h, *plain;
  guint8 *before, *confirmed, *next, *none;
  gchar *code;

  meeting_of_two (&alice, &bob, TRUE);
  /* the same picture without a code: a store nobody bound */
  member_new (&carol, "carol");
  plain = status_new ("mls-overlay-none", carol.store, bus, I420_CAPS);
  g_object_set (plain->element, "overlay", TRUE, "shield-size", SHIELD, NULL);
  none = blend_black (plain);
  fail_unless_equals_int (ink_under_shield (none), 0);
  status_free (plain, bus);

  h = status_new ("mls-overlay", alice.store, bus, I420_CAPS);
  g_object_set (h->element, "overlay", TRUE, "shield-size", SHIELD, NULL);
  before = blend_black (h);
  fail_unless (ink_under_shield (before) > 100, "no code drawn under the shield");
  /* the shield itself is where it was */
  fail_unless (memcmp (before, none, (MARGIN + SHIELD) * WIDTH) == 0);

  code = code_of (h);
  fail_unless (confirm (h, code));
  g_free (code);
  confirmed = blend_black (h);
  /* an E2EE meeting? not yet (the frames carry no E2EE meta): the code alone */
  fail_unless (same_under_shield (before, confirmed));
  g_free (confirmed);

  next_epoch (&bob, &alice, -1);
  next = blend_black (h);
  fail_unless (ink_under_shield (next) > 100);
  fail_if (same_under_shield (before, next), "the drawn code did not change");

  g_free (before);
  g_free (next);
  g_free (none);
  status_free (h, bus);
  gst_object_unref (bus);
  member_free (&carol);
  member_free (&bob);
  member_free (&alice);
}

GST_END_TEST;

static GBytes *
rect_bytes (GstVideoOverlayRectangle * rect)
{
  GstBuffer *pixels = gst_video_overlay_rectangle_get_pixels_unscaled_argb (rect,
      GST_VIDEO_OVERLAY_FORMAT_FLAG_NONE);
  gsize size = gst_buffer_get_size (pixels);
  gpointer data = g_malloc (size);

  gst_buffer_extract (pixels, 0, data, size);
  return g_bytes_new_take (data, size);
}

/* With overlay composition meta downstream: the code's plate is a second rectangle,
 * right under the shield in a top corner, and the shield sits on top of it in a bottom
 * corner; in an E2EE meeting it has a third line that changes once confirmed. */
GST_START_TEST (test_overlay_code_placement)
{
  Member alice, bob;
  GstBus *bus = gst_bus_new ();
  const gchar *corners[] = { "top-left", "bottom-right" };
  guint c;

  meeting_of_two (&alice, &bob, TRUE);
  for (c = 0; c < G_N_ELEMENTS (corners); c++) {
    gchar *meeting = g_strdup_printf ("mls-placement-%u", c);
    GstHarness *h = status_new (meeting, alice.store, bus, I420_CAPS);
    GstVideoOverlayRectangle *shield, *text;
    GstVideoOverlayCompositionMeta *meta;
    GstVideoInfo info;
    GstBuffer *out;
    gint sx, sy, tx, ty;
    guint sw, sh, tw, th, th_compared;
    GBytes *not_compared, *compared;
    gchar *code;

    gst_util_set_object_arg (G_OBJECT (h->element), "corner", corners[c]);
    g_object_set (h->element, "overlay", TRUE, "shield-size", SHIELD, NULL);
    gst_harness_add_propose_allocation_meta (h,
        GST_VIDEO_OVERLAY_COMPOSITION_META_API_TYPE, NULL);
    gst_video_info_set_format (&info, GST_VIDEO_FORMAT_I420, WIDTH, HEIGHT);

    out = gst_harness_push_and_pull (h, e2ee_frame (info.size));
    meta = gst_buffer_get_video_overlay_composition_meta (out);
    fail_unless (meta != NULL);
    fail_unless_equals_int (gst_video_overlay_composition_n_rectangles (meta->overlay),
        2);
    shield = gst_video_overlay_composition_get_rectangle (meta->overlay, 0);
    text = gst_video_overlay_composition_get_rectangle (meta->overlay, 1);
    fail_unless (gst_video_overlay_rectangle_get_render_rectangle (shield, &sx, &sy, &sw,
            &sh));
    fail_unless (gst_video_overlay_rectangle_get_render_rectangle (text, &tx, &ty, &tw,
            &th));
    fail_unless_equals_int (sw, SHIELD);
    fail_unless_equals_int (ty, sy + SHIELD + GAP);
    if (c == 0) {
      fail_unless_equals_int (sx, MARGIN);
      fail_unless_equals_int (sy, MARGIN);
      fail_unless_equals_int (tx, MARGIN);
    } else {
      fail_unless_equals_int (sx + SHIELD, WIDTH - MARGIN);
      fail_unless_equals_int (tx + (gint) tw, WIDTH - MARGIN);
      fail_unless_equals_int (ty + (gint) th, HEIGHT - MARGIN);
    }
    /* two lines of four groups, and "code not compared" */
    fail_unless (tw < WIDTH - 2 * MARGIN && th > 20 && th < SHIELD);
    not_compared = rect_bytes (text);
    gst_buffer_unref (out);

    code = code_of (h);
    fail_unless (confirm (h, code));
    g_free (code);
    out = gst_harness_push_and_pull (h, e2ee_frame (info.size));
    meta = gst_buffer_get_video_overlay_composition_meta (out);
    text = gst_video_overlay_composition_get_rectangle (meta->overlay, 1);
    fail_unless (gst_video_overlay_rectangle_get_render_rectangle (text, NULL, NULL,
            NULL, &th_compared));
    /* "code compared" is shorter than the code's lines: the plate keeps its size,
     * the last line changes */
    fail_unless_equals_int (th_compared, th);
    compared = rect_bytes (text);
    fail_if (g_bytes_equal (compared, not_compared), "the comparison line did not "
        "change");
    g_bytes_unref (compared);
    g_bytes_unref (not_compared);
    gst_buffer_unref (out);

    status_free (h, bus);
    g_free (meeting);
  }
  gst_object_unref (bus);
  member_free (&bob);
  member_free (&alice);
}

GST_END_TEST;

static Suite *
encstatusmls_suite (void)
{
  Suite *s = suite_create ("encstatusmls");
  TCase *tc = tcase_create ("general");

  tcase_set_timeout (tc, 60);
  suite_add_tcase (s, tc);
  tcase_add_test (tc, test_code_follows_epochs);
  tcase_add_test (tc, test_e2ee_meeting_not_compared);
  tcase_add_test (tc, test_binding_made_later);
  tcase_add_test (tc, test_store_from_context);
  tcase_add_test (tc, test_overlay_draws_code);
  tcase_add_test (tc, test_overlay_code_placement);
  return s;
}

GST_CHECK_MAIN (encstatusmls);
