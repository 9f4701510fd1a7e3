/* gst-e2ee: the encryption policy: levels, locks, warnings with file and line,
 * resolution per group and user, reload, and every kind of bad file.
 * Each test writes real files in a temporary directory.
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <gst/check/gstcheck.h>
#include <gst/e2ee/e2ee.h>
#include <glib/gstdio.h>
#include <string.h>

#define ACCOUNT GST_E2EE_POLICY_LEVEL_ACCOUNT
#define GROUP GST_E2EE_POLICY_LEVEL_GROUP
#define USER GST_E2EE_POLICY_LEVEL_USER
#define DEFAULT GST_E2EE_POLICY_LEVEL_DEFAULT

/* ---- Helpers -------------------------------------------------------------- */

static gchar *tmpdir;

static void
setup_dir (void)
{
  tmpdir = g_dir_make_tmp ("e2ee-policy-XXXXXX", NULL);
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

/* Writes NAME in the test's directory; returns its path. */
static gchar *
write_policy (const gchar * name, const gchar * text)
{
  gchar *path = g_build_filename (tmpdir, name, NULL);
  fail_unless (g_file_set_contents (path, text, -1, NULL));
  return path;
}

static GstE2eePolicy *
load_ok (const gchar * path)
{
  GError *error = NULL;
  GstE2eePolicy *policy = gst_e2ee_policy_new_from_file (path, &error);

  fail_unless (policy != NULL, "%s", error ? error->message : "");
  return policy;
}

static guint
count_warnings (const gchar * const *w)
{
  return w ? g_strv_length ((gchar **) w) : 0;
}

static void
assert_origin (GstE2eeResolvedPolicy * r, const gchar * setting,
    GstE2eePolicyLevel level, gboolean locked)
{
  GstE2eePolicyLevel l = 99;
  gboolean k = 99;

  fail_unless (gst_e2ee_resolved_policy_get_origin (r, setting, &l, &k), "%s", setting);
  fail_unless_equals_int (l, level);
  fail_unless_equals_int (k, locked);
}

static guint
get_uint (GstE2eeResolvedPolicy * r, const gchar * name)
{
  guint v = 0;
  fail_unless (gst_structure_get_uint (gst_e2ee_resolved_policy_get_settings (r), name,
          &v), "%s", name);
  return v;
}

static gboolean
get_bool (GstE2eeResolvedPolicy * r, const gchar * name)
{
  gboolean v = FALSE;
  fail_unless (gst_structure_get_boolean (gst_e2ee_resolved_policy_get_settings (r),
          name, &v), "%s", name);
  return v;
}

static guint64
get_uint64 (GstE2eeResolvedPolicy * r, const gchar * name)
{
  guint64 v = 0;
  fail_unless (gst_structure_get_uint64 (gst_e2ee_resolved_policy_get_settings (r),
          name, &v), "%s", name);
  return v;
}

static guint
get_kinds (GstE2eeResolvedPolicy * r)
{
  guint v = 99;
  fail_unless (gst_structure_get_flags (gst_e2ee_resolved_policy_get_settings (r),
          "allowed-stream-kinds", GST_TYPE_E2EE_STREAM_KINDS, &v));
  return v;
}

/* ---- Defaults and values ---------------------------------------------------- */

GST_START_TEST (test_defaults)
{
  gchar *path = write_policy ("empty.conf", "# nothing set\n");
  GstE2eePolicy *policy = load_ok (path);
  GstE2eeResolvedPolicy *r = gst_e2ee_policy_resolve (policy, NULL, NULL);
  const GstStructure *s = gst_e2ee_resolved_policy_get_settings (r);
  const gchar *const *names = gst_e2ee_policy_list_settings ();
  gint suite = 0;
  guint i;
  gchar **warnings = gst_e2ee_policy_get_warnings (policy);

  fail_unless_equals_int (g_strv_length ((gchar **) names), 11);
  fail_unless_equals_int (gst_structure_n_fields (s), 11);
  fail_unless_equals_string (gst_structure_get_name (s), "e2ee-policy");
  for (i = 0; names[i] != NULL; i++) {
    fail_unless_equals_string (gst_structure_nth_field_name (s, i), names[i]);
    assert_origin (r, names[i], DEFAULT, FALSE);
  }
  fail_unless_equals_int (get_bool (r, "require-media-encryption-third-party"), TRUE);
  fail_unless_equals_int (get_bool (r, "e2ee-default"), TRUE);
  fail_unless_equals_int (get_bool (r, "host-may-toggle-e2ee"), FALSE);
  fail_unless_equals_int (get_bool (r, "allow-join-before-host"), FALSE);
  fail_unless (gst_structure_get_enum (s, "min-sframe-cipher-suite",
          GST_TYPE_E2EE_CIPHER_SUITE, &suite));
  fail_unless_equals_int (suite, GST_E2EE_CIPHER_SUITE_AES_128_GCM_SHA256_128);
  fail_unless_equals_int (get_uint (r, "min-srtp-auth-tag-bits"), 80);
  fail_unless_equals_uint64 (get_uint64 (r, "key-rotation-interval"), 0);
  fail_unless_equals_int (get_uint (r, "max-e2ee-participants"), 200);
  fail_unless_equals_int (get_kinds (r), GST_E2EE_STREAM_KINDS_NONE);
  fail_unless_equals_int (get_bool (r, "cloud-recording"), FALSE);
  fail_unless_equals_int (get_bool (r, "local-recording"), FALSE);
  fail_unless_equals_int (count_warnings (gst_e2ee_resolved_policy_get_warnings (r)), 0);
  fail_unless_equals_int (g_strv_length (warnings), 0);
  fail_if (gst_e2ee_resolved_policy_get_origin (r, "no-such-setting", NULL, NULL));
  fail_unless_equals_string (gst_e2ee_policy_get_path (policy), path);

  g_strfreev (warnings);
  gst_e2ee_resolved_policy_unref (r);
  g_object_unref (policy);
  g_free (path);
}

GST_END_TEST;

GST_START_TEST (test_values)
{
  gchar *path = write_policy ("values.conf",
      "[account]\n"
      "require-media-encryption-third-party = false\n"
      "e2ee-default=false\n"
      "host-may-toggle-e2ee=true\n"
      "allow-join-before-host=true\n"
      "min-sframe-cipher-suite=aes-256-gcm-sha512-128\n"
      "min-srtp-auth-tag-bits=128\n"
      "key-rotation-interval=5min\n"
      "max-e2ee-participants=1000\n"
      "allowed-stream-kinds=rtmp;sip;\n"
      "cloud-recording=true\n"
      "local-recording=true\n"
      "[user:a]\nkey-rotation-interval=250ms\nallowed-stream-kinds=h323;pstn\n"
      "[user:b]\nkey-rotation-interval=300s\nallowed-stream-kinds=\n"
      "[user:c]\nkey-rotation-interval=2h\nallowed-stream-kinds=pstn\n"
      "[user:d]\nkey-rotation-interval=0\n");
  GstE2eePolicy *policy = load_ok (path);
  GstE2eeResolvedPolicy *r = gst_e2ee_policy_resolve (policy, NULL, NULL);
  const GstStructure *s = gst_e2ee_resolved_policy_get_settings (r);
  gint suite = 0;

  fail_unless_equals_int (get_bool (r, "require-media-encryption-third-party"), FALSE);
  fail_unless_equals_int (get_bool (r, "e2ee-default"), FALSE);
  fail_unless_equals_int (get_bool (r, "host-may-toggle-e2ee"), TRUE);
  fail_unless_equals_int (get_bool (r, "allow-join-before-host"), TRUE);
  fail_unless (gst_structure_get_enum (s, "min-sframe-cipher-suite",
          GST_TYPE_E2EE_CIPHER_SUITE, &suite));
  fail_unless_equals_int (suite, GST_E2EE_CIPHER_SUITE_AES_256_GCM_SHA512_128);
  fail_unless_equals_int (get_uint (r, "min-srtp-auth-tag-bits"), 128);
  fail_unless_equals_uint64 (get_uint64 (r, "key-rotation-interval"), 300 * GST_SECOND);
  fail_unless_equals_int (get_uint (r, "max-e2ee-participants"), 1000);
  fail_unless_equals_int (get_kinds (r), GST_E2EE_STREAM_KINDS_RTMP | GST_E2EE_STREAM_KINDS_SIP);
  fail_unless_equals_int (get_bool (r, "cloud-recording"), TRUE);
  fail_unless_equals_int (get_bool (r, "local-recording"), TRUE);
  assert_origin (r, "min-srtp-auth-tag-bits", ACCOUNT, FALSE);
  gst_e2ee_resolved_policy_unref (r);

  r = gst_e2ee_policy_resolve (policy, NULL, "a");
  fail_unless_equals_uint64 (get_uint64 (r, "key-rotation-interval"), 250 * GST_MSECOND);
  fail_unless_equals_int (get_kinds (r), GST_E2EE_STREAM_KINDS_H323 | GST_E2EE_STREAM_KINDS_PSTN);
  assert_origin (r, "key-rotation-interval", USER, FALSE);
  gst_e2ee_resolved_policy_unref (r);

  r = gst_e2ee_policy_resolve (policy, NULL, "b");
  fail_unless_equals_uint64 (get_uint64 (r, "key-rotation-interval"), 300 * GST_SECOND);
  fail_unless_equals_int (get_kinds (r), GST_E2EE_STREAM_KINDS_NONE);
  assert_origin (r, "allowed-stream-kinds", USER, FALSE);
  gst_e2ee_resolved_policy_unref (r);

  r = gst_e2ee_policy_resolve (policy, NULL, "c");
  fail_unless_equals_uint64 (get_uint64 (r, "key-rotation-interval"), 7200 * GST_SECOND);
  gst_e2ee_resolved_policy_unref (r);

  r = gst_e2ee_policy_resolve (policy, NULL, "d");
  fail_unless_equals_uint64 (get_uint64 (r, "key-rotation-interval"), 0);
  assert_origin (r, "key-rotation-interval", USER, FALSE);
  gst_e2ee_resolved_policy_unref (r);

  g_object_unref (policy);
  g_free (path);
}

GST_END_TEST;

/* ---- Levels and locks --------------------------------------------------------- */

/* Every combination of what account, group and user do with one setting: '-' leave
 * it unset, 's' set it, 'L' set and lock it. Account sets 10, group 20, user 30. */
static const struct
{
  const gchar *alu;
  GstE2eePolicyLevel level;
  gboolean locked;
  guint warnings;
} combos[] = {
  {"---", DEFAULT, FALSE, 0},
  {"--s", USER, FALSE, 0},
  {"--L", USER, TRUE, 0},
  {"-s-", GROUP, FALSE, 0},
  {"-ss", USER, FALSE, 0},
  {"-sL", USER, TRUE, 0},
  {"-L-", GROUP, TRUE, 0},
  {"-Ls", GROUP, TRUE, 1},
  {"-LL", GROUP, TRUE, 1},
  {"s--", ACCOUNT, FALSE, 0},
  {"s-s", USER, FALSE, 0},
  {"s-L", USER, TRUE, 0},
  {"ss-", GROUP, FALSE, 0},
  {"sss", USER, FALSE, 0},
  {"ssL", USER, TRUE, 0},
  {"sL-", GROUP, TRUE, 0},
  {"sLs", GROUP, TRUE, 1},
  {"sLL", GROUP, TRUE, 1},
  {"L--", ACCOUNT, TRUE, 0},
  {"L-s", ACCOUNT, TRUE, 1},
  {"L-L", ACCOUNT, TRUE, 1},
  {"Ls-", ACCOUNT, TRUE, 1},
  {"Lss", ACCOUNT, TRUE, 2},
  {"LsL", ACCOUNT, TRUE, 2},
  {"LL-", ACCOUNT, TRUE, 1},
  {"LLs", ACCOUNT, TRUE, 2},
  {"LLL", ACCOUNT, TRUE, 2},
};

static void
append_level (GString * s, const gchar * section, gchar what, guint value)
{
  g_string_append_printf (s, "[%s]\n", section);
  if (what != '-')
    g_string_append_printf (s, "max-e2ee-participants=%u\n", value);
  if (what == 'L')
    g_string_append (s, "locked=max-e2ee-participants\n");
}

/* Where the lock holding @level's value is, as gst_e2ee_resolved_policy_describe_lock()
 * says it: the line of that section's `locked=`. */
static gchar *
expected_lock (const gchar * text, const gchar * path, GstE2eePolicyLevel level)
{
  static const gchar *const sections[] = { NULL, "account", "group:g", "user:u" };
  static const gchar *const nicks[] = { NULL, "account", "group", "user" };
  gchar **lines = g_strsplit (text, "\n", -1);
  const gchar *section = NULL;
  gchar *where = NULL;
  guint i;

  for (i = 0; lines[i] != NULL && where == NULL; i++) {
    if (lines[i][0] == '[')
      section = lines[i];
    else if (g_str_has_prefix (lines[i], "locked=") && section != NULL &&
        strncmp (section + 1, sections[level], strlen (sections[level])) == 0)
      where = g_strdup_printf ("locked at %s level by [%s] (%s:%u)", nicks[level],
          sections[level], path, i + 1);
  }
  g_strfreev (lines);
  return where;
}

GST_START_TEST (test_level_lock_combinations)
{
  const gchar *alu = combos[__i__].alu;
  GString *text = g_string_new (NULL);
  const guint by_level[] = { 200, 10, 20, 30 };
  GstE2eePolicy *policy;
  GstE2eeResolvedPolicy *r;
  gchar *path;

  append_level (text, "account", alu[0], 10);
  append_level (text, "group:g", alu[1], 20);
  append_level (text, "user:u", alu[2], 30);
  path = write_policy ("combo.conf", text->str);
  policy = load_ok (path);
  r = gst_e2ee_policy_resolve (policy, "g", "u");

  fail_unless_equals_int (get_uint (r, "max-e2ee-participants"),
      by_level[combos[__i__].level]);
  assert_origin (r, "max-e2ee-participants", combos[__i__].level, combos[__i__].locked);
  fail_unless_equals_int (count_warnings (gst_e2ee_resolved_policy_get_warnings (r)),
      combos[__i__].warnings);
  /* The elements name the lock when they refuse a property: its level and line. */
  if (combos[__i__].locked) {
    gchar *where = expected_lock (text->str, path, combos[__i__].level);

    fail_unless_equals_string (gst_e2ee_resolved_policy_describe_lock (r,
            "max-e2ee-participants"), where);
    g_free (where);
  } else {
    fail_unless (gst_e2ee_resolved_policy_describe_lock (r,
            "max-e2ee-participants") == NULL);
  }
  fail_unless (gst_e2ee_resolved_policy_describe_lock (r, "e2ee-default") == NULL);
  fail_unless (gst_e2ee_resolved_policy_describe_lock (r, "no-such-setting") == NULL);
  /* Settings the file does not touch keep their defaults. */
  assert_origin (r, "e2ee-default", DEFAULT, FALSE);

  gst_e2ee_resolved_policy_unref (r);
  g_object_unref (policy);
  g_string_free (text, TRUE);
  g_free (path);
}

GST_END_TEST;

static const gchar *levels_text =
    "# line 1\n"
    "[account]\n"                                 /* 2 */
    "e2ee-default=true\n"                         /* 3 */
    "locked=e2ee-default\n"                       /* 4 */
    "cloud-recording=false\n"                     /* 5 */
    "\n"                                          /* 6 */
    "[group:sales]\n"                             /* 7 */
    "e2ee-default=false\n"                        /* 8 */
    "allowed-stream-kinds=pstn\n"                 /* 9 */
    "locked=allowed-stream-kinds\n"               /* 10 */
    "cloud-recording=true\n"                      /* 11 */
    "[group:dev]\n"                               /* 12 */
    "max-e2ee-participants=50\n"                  /* 13 */
    "[user:bob]\n"                                /* 14 */
    "allowed-stream-kinds=sip\n"                  /* 15 */
    "   e2ee-default = false\n"                   /* 16 */
    "max-e2ee-participants=20\n"                  /* 17 */
    "cloud-recording=false\n";                    /* 18 */

GST_START_TEST (test_levels)
{
  gchar *path = write_policy ("levels.conf", levels_text);
  GstE2eePolicy *policy = load_ok (path);
  GstE2eeResolvedPolicy *r;

  /* Account only. */
  r = gst_e2ee_policy_resolve (policy, NULL, NULL);
  fail_unless_equals_int (get_bool (r, "e2ee-default"), TRUE);
  assert_origin (r, "e2ee-default", ACCOUNT, TRUE);
  assert_origin (r, "cloud-recording", ACCOUNT, FALSE);
  assert_origin (r, "max-e2ee-participants", DEFAULT, FALSE);
  fail_unless_equals_int (count_warnings (gst_e2ee_resolved_policy_get_warnings (r)), 0);
  gst_e2ee_resolved_policy_unref (r);

  /* Group sales: its cloud-recording applies, its e2ee-default is ignored. */
  r = gst_e2ee_policy_resolve (policy, "sales", NULL);
  fail_unless_equals_int (get_bool (r, "e2ee-default"), TRUE);
  assert_origin (r, "e2ee-default", ACCOUNT, TRUE);
  fail_unless_equals_int (get_bool (r, "cloud-recording"), TRUE);
  assert_origin (r, "cloud-recording", GROUP, FALSE);
  assert_origin (r, "allowed-stream-kinds", GROUP, TRUE);
  fail_unless_equals_int (count_warnings (gst_e2ee_resolved_policy_get_warnings (r)), 1);
  gst_e2ee_resolved_policy_unref (r);

  /* bob in sales: the group's lock holds the kinds, bob's own count applies. */
  r = gst_e2ee_policy_resolve (policy, "sales", "bob");
  fail_unless_equals_int (get_kinds (r), GST_E2EE_STREAM_KINDS_PSTN);
  assert_origin (r, "allowed-stream-kinds", GROUP, TRUE);
  fail_unless_equals_int (get_uint (r, "max-e2ee-participants"), 20);
  assert_origin (r, "max-e2ee-participants", USER, FALSE);
  fail_unless_equals_int (get_bool (r, "cloud-recording"), FALSE);
  assert_origin (r, "cloud-recording", USER, FALSE);
  fail_unless_equals_int (get_bool (r, "e2ee-default"), TRUE);
  /* sales:8 and bob:16 under the account lock, bob:15 under the group's. */
  fail_unless_equals_int (count_warnings (gst_e2ee_resolved_policy_get_warnings (r)), 3);
  gst_e2ee_resolved_policy_unref (r);

  /* bob in dev: no group lock, so bob's kinds apply; dev's count is overridden. */
  r = gst_e2ee_policy_resolve (policy, "dev", "bob");
  fail_unless_equals_int (get_kinds (r), GST_E2EE_STREAM_KINDS_SIP);
  assert_origin (r, "allowed-stream-kinds", USER, FALSE);
  fail_unless_equals_int (get_uint (r, "max-e2ee-participants"), 20);
  fail_unless_equals_int (count_warnings (gst_e2ee_resolved_policy_get_warnings (r)), 1);
  gst_e2ee_resolved_policy_unref (r);

  /* dev alone. */
  r = gst_e2ee_policy_resolve (policy, "dev", NULL);
  fail_unless_equals_int (get_uint (r, "max-e2ee-participants"), 50);
  assert_origin (r, "max-e2ee-participants", GROUP, FALSE);
  gst_e2ee_resolved_policy_unref (r);

  /* bob with no group. */
  r = gst_e2ee_policy_resolve (policy, NULL, "bob");
  assert_origin (r, "allowed-stream-kinds", USER, FALSE);
  assert_origin (r, "e2ee-default", ACCOUNT, TRUE);
  gst_e2ee_resolved_policy_unref (r);

  g_object_unref (policy);
  g_free (path);
}

GST_END_TEST;

/* Expected messages, with @ standing for the file's path. */
#define SALES_8 "@:8: [group:sales] e2ee-default is ignored: locked at account level " \
    "by [account] (@:4)"
#define BOB_16 "@:16: [user:bob] e2ee-default is ignored: locked at account level " \
    "by [account] (@:4)"
#define BOB_15 "@:15: [user:bob] allowed-stream-kinds is ignored: locked at group " \
    "level by [group:sales] (@:10)"

static void
assert_message (const gchar * got, const gchar * path, const gchar * templ)
{
  gchar **parts = g_strsplit (templ, "@", -1);
  gchar *expect = g_strjoinv (path, parts);

  fail_unless_equals_string (got, expect);
  g_free (expect);
  g_strfreev (parts);
}

GST_START_TEST (test_warning_text)
{
  gchar *path = write_policy ("levels.conf", levels_text);
  GstE2eePolicy *policy = load_ok (path);
  gchar **warnings = gst_e2ee_policy_get_warnings (policy);
  GstE2eeResolvedPolicy *r;
  const gchar *const *rw;

  /* At load: the account lock over sales (line 8) and bob (line 16), in file order.
   * The group lock over bob depends on bob's group: not here. */
  fail_unless_equals_int (g_strv_length (warnings), 2);
  assert_message (warnings[0], path, SALES_8);
  assert_message (warnings[1], path, BOB_16);
  g_strfreev (warnings);

  r = gst_e2ee_policy_resolve (policy, "sales", "bob");
  rw = gst_e2ee_resolved_policy_get_warnings (r);
  fail_unless_equals_int (count_warnings (rw), 3);
  assert_message (rw[0], path, SALES_8);
  assert_message (rw[1], path, BOB_16);
  assert_message (rw[2], path, BOB_15);
  gst_e2ee_resolved_policy_unref (r);

  /* A group or user without a section is named, not silently taken for empty. */
  r = gst_e2ee_policy_resolve (policy, "nosuch", "alice");
  rw = gst_e2ee_resolved_policy_get_warnings (r);
  fail_unless_equals_int (count_warnings (rw), 2);
  assert_message (rw[0], path,
      "@: no section [group:nosuch]: the account settings apply to this group");
  assert_message (rw[1], path,
      "@: no section [user:alice]: the group and account settings apply to this user");
  assert_origin (r, "e2ee-default", ACCOUNT, TRUE);
  assert_origin (r, "max-e2ee-participants", DEFAULT, FALSE);
  gst_e2ee_resolved_policy_unref (r);

  g_object_unref (policy);
  g_free (path);
}

GST_END_TEST;

/* ---- Bad files ------------------------------------------------------------------ */

static const struct
{
  const gchar *text;
  GstE2eePolicyError code;
  const gchar *message;         /* after "PATH:" */
} bad_files[] = {
  {"[account]\ne2ee-default=true\ngarbage\n", GST_E2EE_POLICY_ERROR_SYNTAX,
      "3: 'garbage' is not a [section], a key=value setting or a # comment"},
  {"e2ee-default=true\n[account]\n", GST_E2EE_POLICY_ERROR_SYNTAX,
      "1: 'e2ee-default' is outside any section: put it under [account], "
      "[group:NAME] or [user:NAME]"},
  {"[account]\n=true\n", GST_E2EE_POLICY_ERROR_SYNTAX, "2: a value without a key"},
  {"[account\n", GST_E2EE_POLICY_ERROR_SYNTAX,
      "1: '[account' is not a section header: expected [account], [group:NAME] or "
      "[user:NAME]"},
  {"[account]\n[group:a]\n\n[account]\n", GST_E2EE_POLICY_ERROR_SYNTAX,
      "4: section [account] given twice (first on line 1)"},
  {"[user:x]\n[user:x]\n", GST_E2EE_POLICY_ERROR_SYNTAX,
      "2: section [user:x] given twice (first on line 1)"},
  {"[account]\ne2ee-default=true\ne2ee-default=false\n", GST_E2EE_POLICY_ERROR_SYNTAX,
      "3: [account] sets e2ee-default twice (first on line 2)"},
  {"[account]\n# caf\xe9\n", GST_E2EE_POLICY_ERROR_SYNTAX, "2: not UTF-8 text"},
  {"[meeting]\ne2ee-default=true\n", GST_E2EE_POLICY_ERROR_UNKNOWN_SECTION,
      "1: unknown section [meeting]: expected [account], [group:NAME] or [user:NAME]"},
  {"[group:]\n", GST_E2EE_POLICY_ERROR_UNKNOWN_SECTION,
      "1: unknown section [group:]: expected [account], [group:NAME] or [user:NAME]"},
  {"[account]\ne2ee-defualt=true\n", GST_E2EE_POLICY_ERROR_UNKNOWN_SETTING,
      "2: [account] unknown setting 'e2ee-defualt' (settings: see docs/policy.md)"},
  {"[account]\ne2ee-default[de]=true\n", GST_E2EE_POLICY_ERROR_UNKNOWN_SETTING,
      "2: [account] unknown setting 'e2ee-default[de]' (settings: see docs/policy.md)"},
  {"[account]\ne2ee default=true\n", GST_E2EE_POLICY_ERROR_UNKNOWN_SETTING,
      "2: [account] unknown setting 'e2ee default' (settings: see docs/policy.md)"},
  {"[account]\n\na]b=true\n", GST_E2EE_POLICY_ERROR_UNKNOWN_SETTING,
      "3: [account] unknown setting 'a]b' (settings: see docs/policy.md)"},
  {"[group:a\tb]\n", GST_E2EE_POLICY_ERROR_UNKNOWN_SECTION,
      "1: unknown section [group:a\tb]: expected [account], [group:NAME] or [user:NAME]"},
  {"[account]\ne2ee-default=yes\n", GST_E2EE_POLICY_ERROR_BAD_VALUE,
      "2: [account] e2ee-default=yes: expected true or false"},
  {"[account]\ncloud-recording=1\n", GST_E2EE_POLICY_ERROR_BAD_VALUE,
      "2: [account] cloud-recording=1: expected true or false"},
  {"[account]\nmin-sframe-cipher-suite=aes-gcm\n", GST_E2EE_POLICY_ERROR_BAD_VALUE,
      "2: [account] min-sframe-cipher-suite=aes-gcm: expected one of "
      "aes-128-ctr-hmac-sha256-80 aes-128-ctr-hmac-sha256-64 aes-128-ctr-hmac-sha256-32 "
      "aes-128-gcm-sha256-128 aes-256-gcm-sha512-128"},
  {"[account]\nmin-srtp-auth-tag-bits=64\n", GST_E2EE_POLICY_ERROR_BAD_VALUE,
      "2: [account] min-srtp-auth-tag-bits=64: expected 32, 80 or 128"},
  {"[account]\nmin-srtp-auth-tag-bits=+80\n", GST_E2EE_POLICY_ERROR_BAD_VALUE,
      "2: [account] min-srtp-auth-tag-bits=+80: expected 32, 80 or 128"},
  {"[account]\nkey-rotation-interval=300\n", GST_E2EE_POLICY_ERROR_BAD_VALUE,
      "2: [account] key-rotation-interval=300: expected 0 or a whole number with a "
      "unit: ms, s, min or h (for example 300s or 5min)"},
  {"[account]\nkey-rotation-interval=5 min\n", GST_E2EE_POLICY_ERROR_BAD_VALUE,
      "2: [account] key-rotation-interval=5 min: expected 0 or a whole number with a "
      "unit: ms, s, min or h (for example 300s or 5min)"},
  {"[account]\nkey-rotation-interval=1.5s\n", GST_E2EE_POLICY_ERROR_BAD_VALUE,
      "2: [account] key-rotation-interval=1.5s: expected 0 or a whole number with a "
      "unit: ms, s, min or h (for example 300s or 5min)"},
  {"[account]\nkey-rotation-interval=99999999999999h\n", GST_E2EE_POLICY_ERROR_BAD_VALUE,
      "2: [account] key-rotation-interval=99999999999999h: expected 0 or a whole "
      "number with a unit: ms, s, min or h (for example 300s or 5min)"},
  {"[account]\nkey-rotation-interval=s\n", GST_E2EE_POLICY_ERROR_BAD_VALUE,
      "2: [account] key-rotation-interval=s: expected 0 or a whole number with a "
      "unit: ms, s, min or h (for example 300s or 5min)"},
  {"[account]\nmax-e2ee-participants=1\n", GST_E2EE_POLICY_ERROR_BAD_VALUE,
      "2: [account] max-e2ee-participants=1: expected a whole number from 2 to 100000"},
  {"[account]\nmax-e2ee-participants=100001\n", GST_E2EE_POLICY_ERROR_BAD_VALUE,
      "2: [account] max-e2ee-participants=100001: expected a whole number from 2 to "
      "100000"},
  {"[account]\nmax-e2ee-participants=-5\n", GST_E2EE_POLICY_ERROR_BAD_VALUE,
      "2: [account] max-e2ee-participants=-5: expected a whole number from 2 to 100000"},
  {"[account]\nallowed-stream-kinds=pstn;fax\n", GST_E2EE_POLICY_ERROR_BAD_VALUE,
      "2: [account] allowed-stream-kinds=pstn;fax: unknown stream kind 'fax': expected "
      "a list of pstn, sip, h323 and rtmp separated by ';'"},
  {"[account]\nallowed-stream-kinds=none\n", GST_E2EE_POLICY_ERROR_BAD_VALUE,
      "2: [account] allowed-stream-kinds=none: unknown stream kind 'none': expected "
      "a list of pstn, sip, h323 and rtmp separated by ';'"},
  {"[account]\nallowed-stream-kinds=sip;sip\n", GST_E2EE_POLICY_ERROR_BAD_VALUE,
      "2: [account] allowed-stream-kinds=sip;sip: stream kind 'sip' listed twice"},
  {"[account]\nlocked=e2ee-default\n", GST_E2EE_POLICY_ERROR_BAD_LOCK,
      "2: [account] locks e2ee-default but does not set it: a lock holds this "
      "section's value"},
  {"[group:g]\ne2ee-default=true\nlocked=e2ee-default;e2ee\n",
        GST_E2EE_POLICY_ERROR_BAD_LOCK,
      "3: [group:g] locks 'e2ee', which is no setting"},
  {"[user:u]\ne2ee-default=true\nlocked=e2ee-default;e2ee-default\n",
        GST_E2EE_POLICY_ERROR_BAD_LOCK, "3: [user:u] locks e2ee-default twice"},
  {"[group:a]\nmembers=alice;bob\n[group:b]\nmembers=carol;alice\n",
        GST_E2EE_POLICY_ERROR_MEMBERSHIP, "4: [group:b] lists alice, already a member "
        "of [group:a] (line 2): a user belongs to one group"},
  {"[group:a]\nmembers=alice;alice\n", GST_E2EE_POLICY_ERROR_MEMBERSHIP,
      "2: [group:a] lists alice twice"},
  {"[account]\nmembers=alice\n", GST_E2EE_POLICY_ERROR_MEMBERSHIP,
      "2: [account] members: only a [group:NAME] section lists members"},
};

GST_START_TEST (test_bad_file)
{
  gchar *path = write_policy ("bad.conf", bad_files[__i__].text);
  GError *error = NULL;
  GstE2eePolicy *policy = gst_e2ee_policy_new_from_file (path, &error);
  gchar *expect = g_strdup_printf ("%s:%s", path, bad_files[__i__].message);

  fail_unless (policy == NULL);
  fail_unless (error != NULL);
  fail_unless (g_error_matches (error, GST_E2EE_POLICY_ERROR, bad_files[__i__].code),
      "code %d: %s", error->code, error->message);
  fail_unless_equals_string (error->message, expect);

  g_error_free (error);
  g_free (expect);
  g_free (path);
}

GST_END_TEST;

GST_START_TEST (test_bad_file_every_line)
{
  /* Every problem is reported, each with its line; the code is the first one's. */
  gchar *path = write_policy ("bad.conf",
      "[account]\n"
      "e2ee-default=maybe\n"
      "[group:x]\n"
      "colour=blue\n"
      "locked=cloud-recording\n");
  GError *error = NULL;
  gchar *expect = g_strdup_printf ("%s:2: [account] e2ee-default=maybe: expected true "
      "or false\n%s:4: [group:x] unknown setting 'colour' (settings: see "
      "docs/policy.md)\n%s:5: [group:x] locks cloud-recording but does not set it: a "
      "lock holds this section's value", path, path, path);

  fail_unless (gst_e2ee_policy_new_from_file (path, &error) == NULL);
  fail_unless (g_error_matches (error, GST_E2EE_POLICY_ERROR,
          GST_E2EE_POLICY_ERROR_BAD_VALUE), "%s", error->message);
  fail_unless_equals_string (error->message, expect);
  g_clear_error (&error);
  g_free (expect);

  /* A missing file. */
  g_free (path);
  path = g_build_filename (tmpdir, "missing.conf", NULL);
  fail_unless (gst_e2ee_policy_new_from_file (path, &error) == NULL);
  fail_unless (g_error_matches (error, GST_E2EE_POLICY_ERROR,
          GST_E2EE_POLICY_ERROR_READ), "%s", error->message);
  fail_unless (strstr (error->message, path) != NULL, "%s", error->message);
  g_clear_error (&error);
  g_free (path);
}

GST_END_TEST;

/* ---- Reload --------------------------------------------------------------------- */

typedef struct
{
  guint count;
  gboolean seen_value;          /* e2ee-default as resolve() saw it in the handler */
} Changes;

static void
on_changed (GstE2eePolicy * policy, Changes * c)
{
  GstE2eeResolvedPolicy *r = gst_e2ee_policy_resolve (policy, NULL, NULL);

  c->count++;
  c->seen_value = get_bool (r, "e2ee-default");
  gst_e2ee_resolved_policy_unref (r);
}

GST_START_TEST (test_reload)
{
  gchar *path = write_policy ("p.conf", "[account]\ne2ee-default=true\n");
  GstE2eePolicy *policy = load_ok (path);
  Changes c = { 0, FALSE };
  GError *error = NULL;
  GstE2eeResolvedPolicy *r;
  gchar **warnings;

  g_signal_connect (policy, "changed", G_CALLBACK (on_changed), &c);

  /* Same settings, other comments and lines: no change. */
  g_free (write_policy ("p.conf", "# edited\n\n[account]\n  e2ee-default=true\n"));
  fail_unless (gst_e2ee_policy_reload (policy, &error));
  fail_unless (error == NULL);
  fail_unless_equals_int (c.count, 0);

  /* A new value: changed, and the handler already sees it. */
  g_free (write_policy ("p.conf", "[account]\ne2ee-default=false\n"));
  fail_unless (gst_e2ee_policy_reload (policy, &error));
  fail_unless_equals_int (c.count, 1);
  fail_unless_equals_int (c.seen_value, FALSE);

  /* The same value, now locked: a lock is a change. */
  g_free (write_policy ("p.conf", "[account]\ne2ee-default=false\nlocked=e2ee-default\n"
          "[user:u]\ne2ee-default=true\n"));
  fail_unless (gst_e2ee_policy_reload (policy, &error));
  fail_unless_equals_int (c.count, 2);
  warnings = gst_e2ee_policy_get_warnings (policy);
  fail_unless_equals_int (g_strv_length (warnings), 1);
  g_strfreev (warnings);

  /* A bad file: refused, nothing changes, the previous policy stays in force. */
  g_free (write_policy ("p.conf", "[account]\ne2ee-default=false\ncolour=blue\n"));
  fail_if (gst_e2ee_policy_reload (policy, &error));
  fail_unless (g_error_matches (error, GST_E2EE_POLICY_ERROR,
          GST_E2EE_POLICY_ERROR_UNKNOWN_SETTING));
  g_clear_error (&error);
  fail_unless_equals_int (c.count, 2);
  r = gst_e2ee_policy_resolve (policy, NULL, "u");
  fail_unless_equals_int (get_bool (r, "e2ee-default"), FALSE);
  assert_origin (r, "e2ee-default", ACCOUNT, TRUE);
  gst_e2ee_resolved_policy_unref (r);
  warnings = gst_e2ee_policy_get_warnings (policy);
  fail_unless_equals_int (g_strv_length (warnings), 1);
  g_strfreev (warnings);

  /* The file gone: the same. */
  fail_unless (g_unlink (path) == 0);
  fail_if (gst_e2ee_policy_reload (policy, &error));
  fail_unless (g_error_matches (error, GST_E2EE_POLICY_ERROR, GST_E2EE_POLICY_ERROR_READ));
  g_clear_error (&error);
  r = gst_e2ee_policy_resolve (policy, NULL, NULL);
  assert_origin (r, "e2ee-default", ACCOUNT, TRUE);
  gst_e2ee_resolved_policy_unref (r);

  /* Back, with a new group: changed. */
  g_free (write_policy ("p.conf", "[account]\ne2ee-default=false\nlocked=e2ee-default\n"
          "[user:u]\ne2ee-default=true\n[group:g]\n"));
  fail_unless (gst_e2ee_policy_reload (policy, &error));
  fail_unless_equals_int (c.count, 3);
  fail_unless_equals_int (c.seen_value, FALSE);

  g_object_unref (policy);
  g_free (path);
}

GST_END_TEST;

GST_START_TEST (test_no_file)
{
  /* What a binding's GstE2ee.Policy() makes: defaults, and a reload that says why it
   * cannot read anything. */
  GstE2eePolicy *policy = g_object_new (GST_E2EE_TYPE_POLICY, NULL);
  GstE2eeResolvedPolicy *r = gst_e2ee_policy_resolve (policy, "g", "u");
  GError *error = NULL;
  gchar **warnings = gst_e2ee_policy_get_warnings (policy);

  fail_unless_equals_int (g_strv_length (warnings), 0);
  assert_origin (r, "e2ee-default", DEFAULT, FALSE);
  fail_unless_equals_int (get_uint (r, "max-e2ee-participants"), 200);
  fail_if (gst_e2ee_policy_reload (policy, &error));
  fail_unless (g_error_matches (error, GST_E2EE_POLICY_ERROR, GST_E2EE_POLICY_ERROR_READ));
  fail_unless_equals_string (error->message, "no policy file: the policy was not made "
      "by gst_e2ee_policy_new_from_file()");
  fail_unless (gst_e2ee_policy_get_path (policy) == NULL);

  g_error_free (error);
  g_strfreev (warnings);
  gst_e2ee_resolved_policy_unref (r);
  g_object_unref (policy);
}

GST_END_TEST;

/* ---- Cipher suite order ---------------------------------------------------------- */

GST_START_TEST (test_suite_minimum)
{
  /* Weakest first. */
  const GstE2eeCipherSuite order[] = {
    GST_E2EE_CIPHER_SUITE_AES_128_CTR_HMAC_SHA256_32,
    GST_E2EE_CIPHER_SUITE_AES_128_CTR_HMAC_SHA256_64,
    GST_E2EE_CIPHER_SUITE_AES_128_CTR_HMAC_SHA256_80,
    GST_E2EE_CIPHER_SUITE_AES_128_GCM_SHA256_128,
    GST_E2EE_CIPHER_SUITE_AES_256_GCM_SHA512_128,
  };
  guint i, j;

  for (i = 0; i < G_N_ELEMENTS (order); i++)
    for (j = 0; j < G_N_ELEMENTS (order); j++)
      fail_unless_equals_int (gst_e2ee_policy_cipher_suite_meets_minimum (order[i],
              order[j]), i >= j);
  fail_if (gst_e2ee_policy_cipher_suite_meets_minimum (0, order[0]));
  fail_if (gst_e2ee_policy_cipher_suite_meets_minimum (order[4], 9));
}

GST_END_TEST;

/* ---- The sample in docs/policy.md ------------------------------------------------ */

/* A group lists its users; the file's membership gives the group a user resolves
 * with when the caller names none. */
GST_START_TEST (test_membership)
{
  gchar *path = write_policy ("members.conf",
      "[account]\n"                         /* 1 */
      "allowed-stream-kinds=\n"             /* 2 */
      "[group:support]\n"                   /* 3 */
      "members=alice;bob\n"                 /* 4 */
      "allowed-stream-kinds=pstn\n"         /* 5 */
      "[group:sales]\n"                     /* 6 */
      "allowed-stream-kinds=sip\n");        /* 7 */
  GstE2eePolicy *policy = load_ok (path);
  GstE2eeResolvedPolicy *r;
  Changes c = { 0, FALSE };
  gchar *expected;

  r = gst_e2ee_policy_resolve (policy, NULL, "alice");
  fail_unless_equals_int (get_kinds (r), GST_E2EE_STREAM_KINDS_PSTN);
  assert_origin (r, "allowed-stream-kinds", GROUP, FALSE);
  /* alice has no [user:] section: only that warning. */
  fail_unless_equals_int (count_warnings (gst_e2ee_resolved_policy_get_warnings (r)), 1);
  gst_e2ee_resolved_policy_unref (r);

  /* Asked with another group: that group, and a warning naming the membership. */
  r = gst_e2ee_policy_resolve (policy, "sales", "bob");
  fail_unless_equals_int (get_kinds (r), GST_E2EE_STREAM_KINDS_SIP);
  expected = g_strdup_printf ("%s:4: bob is a member of [group:support], resolved with "
      "[group:sales] as asked", path);
  fail_unless_equals_string (gst_e2ee_resolved_policy_get_warnings (r)[0], expected);
  g_free (expected);
  gst_e2ee_resolved_policy_unref (r);

  r = gst_e2ee_policy_resolve (policy, NULL, "carol");
  fail_unless_equals_int (get_kinds (r), GST_E2EE_STREAM_KINDS_NONE);
  assert_origin (r, "allowed-stream-kinds", ACCOUNT, FALSE);
  gst_e2ee_resolved_policy_unref (r);

  /* Moving a user to another group is a change. */
  g_signal_connect (policy, "changed", G_CALLBACK (on_changed), &c);
  fail_unless (g_file_set_contents (path, "[account]\nallowed-stream-kinds=\n"
          "[group:support]\nmembers=alice\nallowed-stream-kinds=pstn\n"
          "[group:sales]\nmembers=bob\nallowed-stream-kinds=sip\n", -1, NULL));
  fail_unless (gst_e2ee_policy_reload (policy, NULL));
  fail_unless_equals_int (c.count, 1);
  r = gst_e2ee_policy_resolve (policy, NULL, "bob");
  fail_unless_equals_int (get_kinds (r), GST_E2EE_STREAM_KINDS_SIP);
  gst_e2ee_resolved_policy_unref (r);
  fail_unless (gst_e2ee_policy_reload (policy, NULL));
  fail_unless_equals_int (c.count, 1);

  g_object_unref (policy);
  g_free (path);
}

GST_END_TEST;

GST_START_TEST (test_context)
{
  gchar *path = write_policy ("ctx.conf", "[account]\ne2ee-default=false\n");
  GstE2eePolicy *policy = load_ok (path), *back;
  GstContext *context = gst_e2ee_policy_context_new (policy, "support", NULL);
  GstContext *other = gst_context_new ("gst.e2ee.keystore", TRUE);
  gchar *group = NULL, *user = (gchar *) "unset";

  fail_unless_equals_string (gst_context_get_context_type (context),
      GST_E2EE_POLICY_CONTEXT_TYPE);
  fail_unless (gst_context_is_persistent (context));
  back = gst_e2ee_policy_from_context (context, &group, &user);
  fail_unless (back == policy);
  fail_unless_equals_string (group, "support");
  fail_unless (user == NULL);
  fail_unless (gst_e2ee_policy_from_context (other, NULL, NULL) == NULL);

  g_object_unref (back);
  g_free (group);
  gst_context_unref (other);
  gst_context_unref (context);
  g_object_unref (policy);
  g_free (path);
}

GST_END_TEST;

GST_START_TEST (test_docs_sample)
{
  const gchar *root = g_getenv ("GST_E2EE_SOURCE_ROOT");
  gchar *doc_path, *doc = NULL, *path;
  const gchar *start, *end;
  GstE2eePolicy *policy;
  GstE2eeResolvedPolicy *r;
  gchar **warnings;

  fail_unless (root != NULL, "meson sets GST_E2EE_SOURCE_ROOT");
  doc_path = g_build_filename (root, "docs", "policy.md", NULL);
  fail_unless (g_file_get_contents (doc_path, &doc, NULL, NULL), "%s", doc_path);
  start = strstr (doc, "```ini\n");
  fail_unless (start != NULL);
  start += strlen ("```ini\n");
  end = strstr (start, "```");
  fail_unless (end != NULL);
  {
    gchar *sample = g_strndup (start, end - start);
    path = write_policy ("sample.conf", sample);
    g_free (sample);
  }
  policy = load_ok (path);
  warnings = gst_e2ee_policy_get_warnings (policy);
  fail_unless_equals_int (g_strv_length (warnings), 0);
  g_strfreev (warnings);

  /* E2EE required and locked at account level; no phone legs but in support. */
  r = gst_e2ee_policy_resolve (policy, "sales", "bob");
  fail_unless_equals_int (get_bool (r, "e2ee-default"), TRUE);
  assert_origin (r, "e2ee-default", ACCOUNT, TRUE);
  assert_origin (r, "host-may-toggle-e2ee", ACCOUNT, TRUE);
  fail_unless_equals_int (get_kinds (r), GST_E2EE_STREAM_KINDS_NONE);
  assert_origin (r, "allowed-stream-kinds", ACCOUNT, FALSE);
  gst_e2ee_resolved_policy_unref (r);

  r = gst_e2ee_policy_resolve (policy, "support", "alice");
  fail_unless_equals_int (get_kinds (r), GST_E2EE_STREAM_KINDS_PSTN);
  assert_origin (r, "allowed-stream-kinds", GROUP, FALSE);
  fail_unless_equals_uint64 (get_uint64 (r, "key-rotation-interval"), 600 * GST_SECOND);
  assert_origin (r, "key-rotation-interval", USER, FALSE);
  fail_unless_equals_int (count_warnings (gst_e2ee_resolved_policy_get_warnings (r)), 0);
  gst_e2ee_resolved_policy_unref (r);

  g_object_unref (policy);
  g_free (path);
  g_free (doc);
  g_free (doc_path);
}

GST_END_TEST;

static Suite *
policy_suite (void)
{
  Suite *s = suite_create ("policy");
  TCase *tc = tcase_create ("policy");

  suite_add_tcase (s, tc);
  tcase_add_checked_fixture (tc, setup_dir, teardown_dir);
  tcase_add_test (tc, test_defaults);
  tcase_add_test (tc, test_values);
  tcase_add_loop_test (tc, test_level_lock_combinations, 0, G_N_ELEMENTS (combos));
  tcase_add_test (tc, test_levels);
  tcase_add_test (tc, test_warning_text);
  tcase_add_loop_test (tc, test_bad_file, 0, G_N_ELEMENTS (bad_files));
  tcase_add_test (tc, test_bad_file_every_line);
  tcase_add_test (tc, test_reload);
  tcase_add_test (tc, test_no_file);
  tcase_add_test (tc, test_suite_minimum);
  tcase_add_test (tc, test_membership);
  tcase_add_test (tc, test_context);
  tcase_add_test (tc, test_docs_sample);
  return s;
}

GST_CHECK_MAIN (policy);
