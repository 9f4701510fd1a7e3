/* gst-e2ee: reading the MLS working group's test vectors (tests/vectors/mls/, copied
 * by tests/vectors/extract-mls-vectors.py) in the libs/mls-* tests, and counting per
 * file what passed, what was skipped (and why) and what failed.
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <gst/check/gstcheck.h>
#include <json-glib/json-glib.h>
#include <string.h>

typedef struct
{
  gchar *name;
  JsonParser *parser;
  JsonObject *root;
  JsonArray *entries;
  guint passed, skipped, failed;
  GString *skips;
  /* Printed after the tally when set: what the file holds that does not apply. */
  gchar *note;
  /* Values read for the current entry, freed when it is counted. */
  GPtrArray *scratch;
} MlsVectors;

static G_GNUC_UNUSED MlsVectors *
mls_vectors_open (const gchar * name)
{
  const gchar *dir = g_getenv ("GST_E2EE_TEST_VECTORS");
  MlsVectors *v = g_new0 (MlsVectors, 1);
  gchar *path;
  GError *err = NULL;
  JsonNode *root;

  fail_unless (dir != NULL, "GST_E2EE_TEST_VECTORS is not set (run through meson test)");
  path = g_build_filename (dir, name, NULL);
  v->name = g_strdup (name);
  v->parser = json_parser_new ();
  fail_unless (json_parser_load_from_file (v->parser, path, &err), "cannot read %s: %s",
      path, err ? err->message : "");
  g_free (path);
  root = json_parser_get_root (v->parser);
  fail_unless (root != NULL && JSON_NODE_HOLDS_OBJECT (root), "%s: not an object", name);
  v->root = json_node_get_object (root);
  if (json_object_has_member (v->root, "entries"))
    v->entries = json_object_get_array_member (v->root, "entries");
  v->skips = g_string_new (NULL);
  v->scratch = g_ptr_array_new_with_free_func ((GDestroyNotify) g_bytes_unref);
  return v;
}

static G_GNUC_UNUSED guint
mls_vectors_count (MlsVectors * v)
{
  return v->entries ? json_array_get_length (v->entries) : 0;
}

static G_GNUC_UNUSED JsonObject *
mls_vectors_entry (MlsVectors * v, guint i)
{
  return json_array_get_object_element (v->entries, i);
}

/* Counts the entry as passed or failed and frees what was read for it. */
static G_GNUC_UNUSED void
mls_vectors_tally (MlsVectors * v, guint i, gboolean ok)
{
  if (ok) {
    v->passed++;
  } else {
    v->failed++;
    g_printerr ("%s: entry %u FAILED\n", v->name, i);
  }
  g_ptr_array_set_size (v->scratch, 0);
}

static G_GNUC_UNUSED void
mls_vectors_skip (MlsVectors * v, guint i, const gchar * why)
{
  v->skipped++;
  g_string_append_printf (v->skips, "%sentry %u: %s", v->skips->len ? "; " : "", i, why);
  g_ptr_array_set_size (v->scratch, 0);
}

static G_GNUC_UNUSED void
mls_vectors_free (MlsVectors * v)
{
  g_string_free (v->skips, TRUE);
  g_free (v->note);
  g_ptr_array_unref (v->scratch);
  g_object_unref (v->parser);
  g_free (v->name);
  g_free (v);
}

/* Prints "NAME: N passed, N skipped (why), N failed", the entries of other suites the
 * extraction left out, and fails the test if an entry failed or none passed. */
static G_GNUC_UNUSED void
mls_vectors_close (MlsVectors * v)
{
  GString *other = g_string_new (NULL);
  guint n_other = 0, n_passed = v->passed, n_failed = v->failed;
  gchar *name = g_strdup (v->name);

  if (json_object_has_member (v->root, "other_suites")) {
    JsonObject *o = json_object_get_object_member (v->root, "other_suites");
    GList *members = json_object_get_members (o), *l;

    for (l = members; l != NULL; l = l->next) {
      gint64 n = json_object_get_int_member (o, l->data);
      n_other += (guint) n;
      g_string_append_printf (other, "%s%s", other->len ? "," : "", (gchar *) l->data);
    }
    g_list_free (members);
  }
  g_print ("%s: %u passed, %u skipped%s%s%s, %u failed", v->name, v->passed, v->skipped,
      v->skipped ? " (" : "", v->skips->str, v->skipped ? ")" : "", v->failed);
  if (n_other > 0)
    g_print ("; %u entries of suites %s not applicable (suite 1 only)", n_other,
        other->str);
  if (v->note != NULL)
    g_print ("; %s", v->note);
  g_print ("\n");
  g_string_free (other, TRUE);
  mls_vectors_free (v);
  fail_unless (n_failed == 0, "%s: %u entries failed", name, n_failed);
  fail_unless (n_passed > 0, "%s: no entry passed", name);
  g_free (name);
}

/* A hex string member, decoded; owned by v until the entry is counted. A malformed
 * vector file is a test failure, not a failed entry. */
static G_GNUC_UNUSED GBytes *
mls_hex (MlsVectors * v, JsonObject * o, const gchar * name)
{
  const gchar *s;
  gsize len, i;
  guint8 *buf;
  GBytes *b;

  fail_unless (json_object_has_member (o, name), "%s: member \"%s\" is missing", v->name,
      name);
  s = json_object_get_string_member (o, name);
  fail_unless (s != NULL, "%s: member \"%s\" is not a string", v->name, name);
  len = strlen (s);
  fail_unless (len % 2 == 0, "%s: member \"%s\": odd number of hex digits", v->name, name);
  buf = g_malloc (len / 2 + 1);
  for (i = 0; i < len / 2; i++) {
    gint hi = g_ascii_xdigit_value (s[2 * i]), lo = g_ascii_xdigit_value (s[2 * i + 1]);
    fail_unless (hi >= 0 && lo >= 0, "%s: member \"%s\" is not hex", v->name, name);
    buf[i] = (guint8) ((guint) hi << 4 | (guint) lo);
  }
  b = g_bytes_new_take (buf, len / 2);
  g_ptr_array_add (v->scratch, b);
  return b;
}

static G_GNUC_UNUSED guint64
mls_uint (MlsVectors * v, JsonObject * o, const gchar * name)
{
  JsonNode *n = json_object_get_member (o, name);

  fail_unless (n != NULL && JSON_NODE_HOLDS_VALUE (n)
      && json_node_get_value_type (n) == G_TYPE_INT64 && json_node_get_int (n) >= 0,
      "%s: member \"%s\" is not an unsigned integer", v->name, name);
  return (guint64) json_node_get_int (n);
}

static G_GNUC_UNUSED const gchar *
mls_string (MlsVectors * v, JsonObject * o, const gchar * name)
{
  const gchar *s = json_object_has_member (o, name) ?
      json_object_get_string_member (o, name) : NULL;

  fail_unless (s != NULL, "%s: member \"%s\" is not a string", v->name, name);
  return s;
}

#define MLS_D(b) ((const guint8 *) g_bytes_get_data ((b), NULL))
#define MLS_L(b) g_bytes_get_size (b)

static G_GNUC_UNUSED gchar *
mls_to_hex (const guint8 * data, gsize len)
{
  GString *s = g_string_sized_new (2 * len + 1);
  gsize i;

  for (i = 0; i < len; i++)
    g_string_append_printf (s, "%02x", data[i]);
  return g_string_free (s, FALSE);
}

/* In an entry checker (returning gboolean): a mismatch prints both values and fails
 * the entry, so that the file's tally goes on. */
#define MLS_EXPECT_BYTES(what, got, got_len, want) G_STMT_START {               \
  const guint8 *_g = (got);                                                   \
  gsize _gl = (got_len);                                                      \
  if (_gl != MLS_L (want) || memcmp (_g, MLS_D (want), _gl) != 0) {           \
    gchar *_hg = mls_to_hex (_g, _gl), *_hw = mls_to_hex (MLS_D (want), MLS_L (want)); \
    g_printerr ("  %s: got %s, want %s\n", (what), _hg, _hw);                \
    g_free (_hg);                                                             \
    g_free (_hw);                                                             \
    return FALSE;                                                             \
  }                                                                           \
} G_STMT_END

#define MLS_EXPECT(cond, ...) G_STMT_START {                                   \
  if (!(cond)) {                                                              \
    g_printerr ("  " __VA_ARGS__);                                           \
    g_printerr ("\n");                                                        \
    return FALSE;                                                             \
  }                                                                           \
} G_STMT_END

/* In a GError-returning call inside an entry checker. */
#define MLS_EXPECT_OK(call, err) G_STMT_START {                                \
  if (!(call)) {                                                              \
    g_printerr ("  %s failed: %s\n", #call, (err) ? (err)->message : "?");    \
    g_clear_error (&(err));                                                   \
    return FALSE;                                                             \
  }                                                                           \
} G_STMT_END

typedef gboolean (*MlsEntryCheck) (MlsVectors * v, JsonObject * o);

/* Checks every entry of the file (there must be n_entries), prints the tally with
 * note (may be NULL) and fails the test if an entry failed. */
static G_GNUC_UNUSED void
mls_vectors_run (const gchar * name, guint n_entries, MlsEntryCheck check,
    const gchar * note)
{
  MlsVectors *v = mls_vectors_open (name);
  guint i;

  fail_unless_equals_int (mls_vectors_count (v), n_entries);
  v->note = g_strdup (note);
  for (i = 0; i < mls_vectors_count (v); i++)
    mls_vectors_tally (v, i, check (v, mls_vectors_entry (v, i)));
  mls_vectors_close (v);
}

static void mls_flip (JsonObject * o, const gchar * path);

/* For each path, a fresh copy of entry `entry` with that field changed (mls_flip())
 * must fail the check. The file is parsed once; each copy is the entry written out
 * and read back, so no change reaches the next one. */
static G_GNUC_UNUSED void
mls_vectors_expect_detected (const gchar * name, guint entry,
    const gchar * const *paths, guint n_paths, MlsEntryCheck check)
{
  MlsVectors *v = mls_vectors_open (name);
  guint i;

  for (i = 0; i < n_paths; i++) {
    gchar *text = json_to_string (json_array_get_element (v->entries, entry), FALSE);
    JsonNode *copy = json_from_string (text, NULL);
    JsonObject *o;

    g_free (text);
    fail_unless (copy != NULL && JSON_NODE_HOLDS_OBJECT (copy));
    o = json_node_get_object (copy);
    mls_flip (o, paths[i]);
    fail_if (check (v, o), "%s: %s changed, entry %u passed", name, paths[i], entry);
    g_ptr_array_set_size (v->scratch, 0);
    json_node_unref (copy);
  }
  mls_vectors_free (v);
}

/* Changes the first byte of a hex member reached by a dotted path
 * ("ref_hash.out", "leaves.0.1.handshake_key": numbers index arrays), in place: the
 * tests check that their checker then fails, so no vector check can pass vacuously. */
static G_GNUC_UNUSED void
mls_flip (JsonObject * o, const gchar * path)
{
  gchar **parts = g_strsplit (path, ".", -1);
  JsonNode *node = NULL;
  guint i;
  gchar *s;

  for (i = 0; parts[i] != NULL; i++) {
    if (node != NULL && JSON_NODE_HOLDS_ARRAY (node)) {
      node = json_array_get_element (json_node_get_array (node),
          (guint) g_ascii_strtoull (parts[i], NULL, 10));
    } else {
      JsonObject *parent = node != NULL ? json_node_get_object (node) : o;
      node = json_object_get_member (parent, parts[i]);
    }
    fail_unless (node != NULL, "mls_flip: %s not found", path);
  }
  g_strfreev (parts);
  fail_unless (JSON_NODE_HOLDS_VALUE (node), "mls_flip: %s is not a value", path);
  s = g_strdup (json_node_get_string (node));
  fail_unless (s != NULL && strlen (s) >= 2, "mls_flip: %s is not hex", path);
  s[1] = s[1] == '0' ? '1' : '0';
  json_node_set_string (node, s);
  g_free (s);
}
