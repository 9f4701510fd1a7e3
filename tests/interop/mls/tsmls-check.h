/*
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * gst-check helpers for the tests that drive ts-mls members (tsmls-peer.h): each
 * request fails the test if ts-mls refuses it, with ts-mls's message.
 */
#ifndef GST_E2EE_TSMLS_CHECK_H
#define GST_E2EE_TSMLS_CHECK_H

#include <gst/check/gstcheck.h>
#include "tsmls-peer.h"

/* Seconds to wait for one answer of the peer: a hang guard, not a timing check. */
#define PEER_TIMEOUT 60
#define BASE_KEY_LABEL "SFrame 1.0 Base Key"

static TsmlsPeer *the_peer;

/* ---- helpers -------------------------------------------------------------- */

static inline GBytes *
bytes_of (const gchar * s)
{
  return g_bytes_new (s, strlen (s));
}

static inline gchar *
hex (GBytes * b)
{
  gsize len, i;
  const guint8 *d = b ? g_bytes_get_data (b, &len) : NULL;
  GString *s = g_string_new (NULL);

  if (b == NULL)
    return g_string_free (s, FALSE);
  for (i = 0; i < len && i < 48; i++)
    g_string_append_printf (s, "%02x", d[i]);
  if (len > 48)
    g_string_append_printf (s, "... (%" G_GSIZE_FORMAT " bytes)", len);
  return g_string_free (s, FALSE);
}

#define assert_bytes_equal(a, b, what) G_STMT_START {                         \
  GBytes *_a = (a), *_b = (b);                                                \
  if (_a == NULL || _b == NULL || !g_bytes_equal (_a, _b)) {                  \
    gchar *_ha = hex (_a), *_hb = hex (_b);                                   \
    fail ("%s differ:\n  ours    %s\n  ts-mls  %s", (what), _ha, _hb);        \
  }                                                                           \
} G_STMT_END

static inline void
peer_begin (void)
{
  GError *err = NULL;

  the_peer = tsmls_peer_start (&err);
  fail_unless (the_peer != NULL, "cannot start the ts-mls peer: %s", err ? err->message : "");
}

static inline void
peer_end (void)
{
  fail_unless (tsmls_peer_stop (the_peer, 10), "the ts-mls peer did not exit cleanly");
  the_peer = NULL;
}

static inline JsonObject *
call (JsonBuilder * b)
{
  GError *err = NULL;
  JsonObject *a = tsmls_peer_call (the_peer, b, PEER_TIMEOUT, &err);

  fail_unless (a != NULL, "%s", err ? err->message : "no answer");
  return a;
}

/* A call whose answer is one bytes member (or none: NULL). */
static inline GBytes *
call_bytes (JsonBuilder * b, const gchar * name)
{
  JsonObject *a = call (b);
  GBytes *r = name ? tsmls_get_bytes (a, name) : NULL;

  json_object_unref (a);
  return r;
}

/* A new ts-mls client called @name; returns its KeyPackage (MLSMessage). */
static inline GBytes *
ts_new_member (const gchar * name)
{
  JsonBuilder *b = tsmls_request ("new_member", name);

  json_builder_set_member_name (b, "identity");
  json_builder_add_string_value (b, name);
  return call_bytes (b, "key_package");
}

static inline void
ts_create (const gchar * name, const gchar * group_id)
{
  JsonBuilder *b = tsmls_request ("create", name);
  GBytes *id = bytes_of (group_id);

  tsmls_add_bytes (b, "group_id", id);
  g_bytes_unref (id);
  call_bytes (b, NULL);
}

/* ts-mls member @name commits adding @kp; returns the commit, *welcome the Welcome. */
static inline GBytes *
ts_add (const gchar * name, GBytes * kp, gboolean tree_ext, gboolean public,
    GBytes ** welcome)
{
  JsonBuilder *b = tsmls_request ("add", name);
  JsonObject *a;
  GBytes *commit;

  tsmls_add_bytes (b, "key_package", kp);
  tsmls_add_bool (b, "tree_ext", tree_ext);
  tsmls_add_bool (b, "public", public);
  a = call (b);
  commit = tsmls_get_bytes (a, "commit");
  *welcome = tsmls_get_bytes (a, "welcome");
  json_object_unref (a);
  fail_unless (commit != NULL && *welcome != NULL);
  return commit;
}

static inline GBytes *
ts_remove (const gchar * name, guint32 leaf, gboolean public)
{
  JsonBuilder *b = tsmls_request ("remove", name);

  tsmls_add_int (b, "leaf", leaf);
  tsmls_add_bool (b, "public", public);
  return call_bytes (b, "commit");
}

static inline GBytes *
ts_update (const gchar * name, gboolean public)
{
  JsonBuilder *b = tsmls_request ("update", name);

  tsmls_add_bool (b, "public", public);
  return call_bytes (b, "commit");
}

/* ts-mls member @name commits its pending proposals. */
static inline GBytes *
ts_commit (const gchar * name, gboolean tree_ext, gboolean public, GBytes ** welcome)
{
  JsonBuilder *b = tsmls_request ("commit", name);
  JsonObject *a;
  GBytes *commit;

  tsmls_add_bool (b, "tree_ext", tree_ext);
  tsmls_add_bool (b, "public", public);
  a = call (b);
  commit = tsmls_get_bytes (a, "commit");

  *welcome = tsmls_get_bytes (a, "welcome");
  json_object_unref (a);
  return commit;
}

static inline void
ts_join (const gchar * name, GBytes * welcome, GBytes * tree)
{
  JsonBuilder *b = tsmls_request ("join", name);

  tsmls_add_bytes (b, "welcome", welcome);
  if (tree != NULL)
    tsmls_add_bytes (b, "ratchet_tree", tree);
  call_bytes (b, NULL);
}

/* ts-mls member @name processes @message, which must be of @kind; returns the
 * application data of an application message. */
static inline GBytes *
ts_process (const gchar * name, GBytes * message, const gchar * kind)
{
  JsonBuilder *b = tsmls_request ("process", name);
  JsonObject *a;
  GBytes *data;

  tsmls_add_bytes (b, "message", message);
  a = call (b);
  fail_unless_equals_string (json_object_get_string_member (a, "kind"), kind);
  data = tsmls_get_bytes (a, "data");
  json_object_unref (a);
  return data;
}

static inline GBytes *
ts_protect (const gchar * name, GBytes * data)
{
  JsonBuilder *b = tsmls_request ("protect", name);

  tsmls_add_bytes (b, "data", data);
  return call_bytes (b, "message");
}

static inline GBytes *
ts_ratchet_tree (const gchar * name)
{
  return call_bytes (tsmls_request ("ratchet_tree", name), "ratchet_tree");
}

static inline guint32
ts_leaf (const gchar * name)
{
  JsonObject *a = call (tsmls_request ("state", name));
  guint32 leaf = (guint32) json_object_get_int_member (a, "leaf");

  json_object_unref (a);
  return leaf;
}

/* Compares two byte strings (@what for the failure) and frees both. */
static inline void
assert_same (GBytes * ours, GBytes * theirs, const gchar * what)
{
  assert_bytes_equal (ours, theirs, what);
  g_bytes_unref (ours);
  g_bytes_unref (theirs);
}

/* main() of a test that needs ts-mls: without node or ts-mls it exits 77 (skipped),
 * except under CI=true, where CI installs them (scripts/install-deps.sh) and a missing
 * peer is a broken install. */
static inline int
tsmls_check_main (int argc, char **argv, Suite * (*make_suite) (void), const gchar * name)
{
  gchar *why = NULL;

  gst_check_init (&argc, &argv);
  if (!tsmls_peer_available (&why)) {
    gboolean in_ci = g_strcmp0 (g_getenv ("CI"), "true") == 0;

    g_printerr ("%s: %s: %s\n", name, why, in_ci ? "failing (CI=true)" :
        "skipped (exit code 77)");
    g_free (why);
    return in_ci ? 1 : 77;
  }
  return gst_check_run_suite (make_suite (), name, __FILE__) ? 1 : 0;
}

#endif /* GST_E2EE_TSMLS_CHECK_H */
