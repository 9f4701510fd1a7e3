/* gst-e2ee: encryption policy with account, group and user levels and locks
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

/**
 * SECTION:gste2eepolicy
 * @title: GstE2eePolicy
 * @short_description: an organisation's encryption settings at account, group and
 *   user level, with locks
 *
 * A #GstE2eePolicy reads a key file with an `[account]` section, any number of
 * `[group:NAME]` and `[user:NAME]` sections, and in each, policy settings and an
 * optional `locked` list:
 *
 * |[
 * [account]
 * e2ee-default=true
 * allowed-stream-kinds=
 * locked=e2ee-default
 *
 * [group:support]
 * allowed-stream-kinds=pstn
 * ]|
 *
 * gst_e2ee_policy_resolve() gives the effective settings for a group and a user: the
 * user's value if set, else the group's, else the account's, else the built-in
 * default; but a setting a level locks is taken from that level, and values set for
 * it below are ignored, each with a warning naming the file, its line and the level
 * holding the lock. Locks also tell the elements that an application property must
 * not change the setting.
 *
 * Anything the library does not understand is an error that names the file and the
 * line: a line that is no section, setting or comment, an unknown section or
 * setting, a bad value, a lock on a setting its section does not set, a section or
 * setting given twice. docs/policy.md describes the format and every setting.
 *
 * gst_e2ee_policy_reload() reads the file again: if the new file is good it replaces
 * the policy at once and #GstE2eePolicy::changed is emitted when a setting or lock
 * differs; if not, the previous policy stays in force.
 *
 * All functions may be called from any thread.
 *
 * Since: 0.1
 */

#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "gste2eepolicy-private.h"

#include <string.h>

GST_DEBUG_CATEGORY_STATIC (gst_e2ee_policy_debug);
#define GST_CAT_DEFAULT gst_e2ee_policy_debug

G_DEFINE_QUARK (gst-e2ee-policy-error-quark, gst_e2ee_policy_error);

#define GROUP_PREFIX "group:"
#define USER_PREFIX "user:"

/* One section of the file. A setting is set when its value_line is non-zero; its
 * value is then valid unless the file was refused. */
typedef struct
{
  gchar *section;
  GstE2eePolicyLevel level;
  guint line;
  GValue values[POLICY_N_SETTINGS];
  guint value_line[POLICY_N_SETTINGS];
  gboolean locked[POLICY_N_SETTINGS];
  guint lock_line;
  guint members_line;           /* a group's `members`, 0 if none */
} Level;

typedef struct
{
  Level *account;
  GPtrArray *levels;            /* Level *, in file order; owns them */
  GHashTable *groups;           /* name -> Level *, borrowed from levels */
  GHashTable *users;
  GHashTable *member_of;        /* user name (owned) -> Level * of its group */
  GPtrArray *warnings;          /* gchar *, NULL-terminated */
} PolicyData;

struct _GstE2eePolicy
{
  GObject parent;

  gchar *path;
  GMutex lock;
  PolicyData *data;
};

enum
{
  PROP_0,
  PROP_PATH,
};

enum
{
  SIGNAL_CHANGED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

G_DEFINE_TYPE (GstE2eePolicy, gst_e2ee_policy, G_TYPE_OBJECT);

/* ---- Levels and data ------------------------------------------------------- */

static Level *
level_new (const gchar * section, GstE2eePolicyLevel kind, guint line)
{
  Level *l = g_new0 (Level, 1);

  l->section = g_strdup (section);
  l->level = kind;
  l->line = line;
  return l;
}

static void
level_free (Level * l)
{
  guint i;

  for (i = 0; i < POLICY_N_SETTINGS; i++)
    if (G_IS_VALUE (&l->values[i]))
      g_value_unset (&l->values[i]);
  g_free (l->section);
  g_free (l);
}

static PolicyData *
policy_data_new (void)
{
  PolicyData *d = g_new0 (PolicyData, 1);

  d->levels = g_ptr_array_new_with_free_func ((GDestroyNotify) level_free);
  d->groups = g_hash_table_new (g_str_hash, g_str_equal);
  d->users = g_hash_table_new (g_str_hash, g_str_equal);
  d->member_of = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  d->warnings = g_ptr_array_new_with_free_func (g_free);
  return d;
}

static void
policy_data_free (PolicyData * d)
{
  if (d == NULL)
    return;
  g_hash_table_unref (d->groups);
  g_hash_table_unref (d->users);
  g_hash_table_unref (d->member_of);
  g_ptr_array_unref (d->levels);
  g_ptr_array_unref (d->warnings);
  g_free (d);
}

static gboolean
levels_equal (const Level * a, const Level * b)
{
  guint i;

  for (i = 0; i < POLICY_N_SETTINGS; i++) {
    if ((a->value_line[i] != 0) != (b->value_line[i] != 0) || a->locked[i] != b->locked[i])
      return FALSE;
    if (a->value_line[i] != 0 &&
        gst_value_compare (&a->values[i], &b->values[i]) != GST_VALUE_EQUAL)
      return FALSE;
  }
  return TRUE;
}

/* Equal settings and locks; line numbers, comments and order do not count. */
static gboolean
policy_data_equal (const PolicyData * a, const PolicyData * b)
{
  guint i;

  if (a->levels->len != b->levels->len || !levels_equal (a->account, b->account) ||
      g_hash_table_size (a->member_of) != g_hash_table_size (b->member_of))
    return FALSE;
  {
    GHashTableIter iter;
    gpointer user, group;

    g_hash_table_iter_init (&iter, a->member_of);
    while (g_hash_table_iter_next (&iter, &user, &group)) {
      const Level *other = g_hash_table_lookup (b->member_of, user);

      if (other == NULL || g_strcmp0 (other->section, ((const Level *) group)->section))
        return FALSE;
    }
  }
  for (i = 0; i < a->levels->len; i++) {
    const Level *la = g_ptr_array_index (a->levels, i);
    const Level *lb;

    if (la == a->account)
      continue;
    lb = g_hash_table_lookup (la->level == GST_E2EE_POLICY_LEVEL_GROUP ? b->groups :
        b->users, la->section + strlen (la->level == GST_E2EE_POLICY_LEVEL_GROUP ?
            GROUP_PREFIX : USER_PREFIX));
    if (lb == NULL || !levels_equal (la, lb))
      return FALSE;
  }
  return TRUE;
}

static const gchar *
level_nick (GstE2eePolicyLevel level)
{
  switch (level) {
    case GST_E2EE_POLICY_LEVEL_DEFAULT:
      return "default";
    case GST_E2EE_POLICY_LEVEL_ACCOUNT:
      return "account";
    case GST_E2EE_POLICY_LEVEL_GROUP:
      return "group";
    case GST_E2EE_POLICY_LEVEL_USER:
      return "user";
  }
  return "?";
}

static gchar *
lock_where (const gchar * path, const Level * locker)
{
  return g_strdup_printf ("locked at %s level by [%s] (%s:%u)",
      level_nick (locker->level), locker->section, path, locker->lock_line);
}

static gchar *
shadow_warning (const gchar * path, const Level * below, guint i, const Level * locker)
{
  gchar *where = lock_where (path, locker);
  gchar *w = g_strdup_printf ("%s:%u: [%s] %s is ignored: %s", path,
      below->value_line[i], below->section, policy_setting (i)->name, where);

  g_free (where);
  return w;
}

/* ---- Reading the file ------------------------------------------------------ */

typedef struct
{
  const gchar *path;
  GString *text;
  gint first_code;
} Problems;

static void problem (Problems * p, GstE2eePolicyError code, guint line,
    const gchar * format, ...) G_GNUC_PRINTF (4, 5);

static void
problem (Problems * p, GstE2eePolicyError code, guint line, const gchar * format, ...)
{
  va_list args;

  if (p->first_code < 0)
    p->first_code = code;
  if (p->text->len > 0)
    g_string_append_c (p->text, '\n');
  if (line > 0)
    g_string_append_printf (p->text, "%s:%u: ", p->path, line);
  else
    g_string_append_printf (p->text, "%s: ", p->path);
  va_start (args, format);
  g_string_append_vprintf (p->text, format, args);
  va_end (args);
}

typedef struct
{
  Level *level;
  gchar *key;
  guint line;
} Entry;

static void
entry_clear (Entry * e)
{
  g_free (e->key);
}

/* No brackets and no control characters: what GKeyFile takes in a section name. */
static gboolean
plain_text (const gchar * name)
{
  const gchar *c;

  for (c = name; *c != '\0'; c++)
    if (*c == '[' || *c == ']' || g_ascii_iscntrl (*c))
      return FALSE;
  return TRUE;
}

/* Every setting name is lower-case letters, digits and '-'; so is "locked". A
 * localised key (`name[de]`) is taken by GKeyFile and refused as an unknown setting
 * later; anything else is refused here. */
static gboolean
is_key_name (const gchar * key)
{
  const gchar *c = key;

  while (g_ascii_isalnum (*c) || *c == '-')
    c++;
  if (*c == '[') {
    c++;
    while (g_ascii_isalnum (*c) || *c == '_' || *c == '@' || *c == '.')
      c++;
    return c[0] == ']' && c[1] == '\0';
  }
  return *c == '\0';
}

/* GKeyFile reads the values but keeps no line numbers, and silently merges a section
 * or a key given twice: this pass over the text finds the lines, and refuses what
 * GKeyFile would accept without telling. */
static void
scan_lines (const gchar * text, PolicyData * d, GArray * entries, Problems * p)
{
  gchar **lines = g_strsplit (text, "\n", -1);
  Level *current = NULL;
  gboolean in_bad_section = FALSE;
  guint n;

  for (n = 0; lines[n] != NULL; n++) {
    gchar *line = g_strstrip (lines[n]);
    guint lineno = n + 1;
    gchar *eq;

    if (line[0] == '\0' || line[0] == '#')
      continue;

    if (line[0] == '[') {
      gsize len = strlen (line);
      const gchar *name;
      const gchar *sub = NULL;
      GstE2eePolicyLevel kind = GST_E2EE_POLICY_LEVEL_DEFAULT;
      GHashTable *table = NULL;

      current = NULL;
      in_bad_section = TRUE;
      if (len < 2 || line[len - 1] != ']') {
        problem (p, GST_E2EE_POLICY_ERROR_SYNTAX, lineno,
            "'%s' is not a section header: expected [account], [group:NAME] or "
            "[user:NAME]", line);
        continue;
      }
      line[len - 1] = '\0';
      name = line + 1;
      if (g_strcmp0 (name, "account") == 0) {
        kind = GST_E2EE_POLICY_LEVEL_ACCOUNT;
      } else if (g_str_has_prefix (name, GROUP_PREFIX)) {
        kind = GST_E2EE_POLICY_LEVEL_GROUP;
        sub = name + strlen (GROUP_PREFIX);
        table = d->groups;
      } else if (g_str_has_prefix (name, USER_PREFIX)) {
        kind = GST_E2EE_POLICY_LEVEL_USER;
        sub = name + strlen (USER_PREFIX);
        table = d->users;
      }
      if (kind == GST_E2EE_POLICY_LEVEL_DEFAULT || (sub != NULL && sub[0] == '\0') ||
          !plain_text (name)) {
        problem (p, GST_E2EE_POLICY_ERROR_UNKNOWN_SECTION, lineno,
            "unknown section [%s]: expected [account], [group:NAME] or [user:NAME]",
            name);
      } else if ((kind == GST_E2EE_POLICY_LEVEL_ACCOUNT && d->account != NULL) ||
          (table != NULL && g_hash_table_contains (table, sub))) {
        const Level *first = kind == GST_E2EE_POLICY_LEVEL_ACCOUNT ? d->account :
            g_hash_table_lookup (table, sub);
        problem (p, GST_E2EE_POLICY_ERROR_SYNTAX, lineno,
            "section [%s] given twice (first on line %u)", name, first->line);
      } else {
        current = level_new (name, kind, lineno);
        g_ptr_array_add (d->levels, current);
        if (table != NULL)
          g_hash_table_insert (table, current->section + (sub - name), current);
        else
          d->account = current;
        in_bad_section = FALSE;
      }
      continue;
    }

    eq = strchr (line, '=');
    if (eq == NULL) {
      problem (p, GST_E2EE_POLICY_ERROR_SYNTAX, lineno,
          "'%s' is not a [section], a key=value setting or a # comment", line);
      continue;
    }
    *eq = '\0';
    g_strchomp (line);
    if (line[0] == '\0') {
      problem (p, GST_E2EE_POLICY_ERROR_SYNTAX, lineno, "a value without a key");
      continue;
    }
    if (current != NULL && !is_key_name (line)) {
      /* Named here, with its line: GKeyFile would refuse the whole file without one. */
      problem (p, GST_E2EE_POLICY_ERROR_UNKNOWN_SETTING, lineno,
          "[%s] unknown setting '%s' (settings: see docs/policy.md)", current->section,
          line);
      continue;
    }
    if (current == NULL) {
      /* A key in a refused section was reported with its section. */
      if (!in_bad_section)
        problem (p, GST_E2EE_POLICY_ERROR_SYNTAX, lineno,
            "'%s' is outside any section: put it under [account], [group:NAME] or "
            "[user:NAME]", line);
      continue;
    }
    {
      guint i;
      gboolean twice = FALSE;

      /* A section is given once, so its entries are the last ones: the search stays
       * within it, not quadratic in the number of users. */
      for (i = entries->len; i > 0 && !twice; i--) {
        const Entry *e = &g_array_index (entries, Entry, i - 1);

        if (e->level != current)
          break;
        if (g_strcmp0 (e->key, line) == 0) {
          problem (p, GST_E2EE_POLICY_ERROR_SYNTAX, lineno,
              "[%s] sets %s twice (first on line %u)", current->section, line, e->line);
          twice = TRUE;
        }
      }
      if (!twice) {
        Entry e = { current, g_strdup (line), lineno };
        g_array_append_val (entries, e);
      }
    }
  }
  g_strfreev (lines);
}

static guint
line_of_offset (const gchar * text, gsize offset)
{
  guint line = 1;
  gsize i;

  for (i = 0; i < offset; i++)
    if (text[i] == '\n')
      line++;
  return line;
}

static void
read_value (GKeyFile * kf, Entry * e, Problems * p)
{
  gint i = policy_setting_index (e->key);
  gchar *raw, *why = NULL;

  if (i < 0) {
    problem (p, GST_E2EE_POLICY_ERROR_UNKNOWN_SETTING, e->line,
        "[%s] unknown setting '%s' (settings: see docs/policy.md)", e->level->section,
        e->key);
    return;
  }
  e->level->value_line[i] = e->line;
  raw = g_key_file_get_string (kf, e->level->section, e->key, NULL);
  if (raw == NULL || !policy_setting (i)->parse (g_strstrip (raw),
          &e->level->values[i], &why)) {
    problem (p, GST_E2EE_POLICY_ERROR_BAD_VALUE, e->line, "[%s] %s=%s: %s",
        e->level->section, e->key, raw ? raw : "", why ? why : "unreadable value");
  }
  g_free (why);
  g_free (raw);
}

/* A group's users: each user belongs to one group at most. */
static void
read_members (GKeyFile * kf, const Entry * e, PolicyData * d, Problems * p)
{
  gchar **names;
  guint n;

  if (e->level->level != GST_E2EE_POLICY_LEVEL_GROUP) {
    problem (p, GST_E2EE_POLICY_ERROR_MEMBERSHIP, e->line,
        "[%s] members: only a [group:NAME] section lists members", e->level->section);
    return;
  }
  e->level->members_line = e->line;
  names = g_key_file_get_string_list (kf, e->level->section, e->key, NULL, NULL);
  for (n = 0; names != NULL && names[n] != NULL; n++) {
    const gchar *name = g_strstrip (names[n]);
    const Level *group;

    if (name[0] == '\0')
      continue;
    group = g_hash_table_lookup (d->member_of, name);
    if (group == e->level)
      problem (p, GST_E2EE_POLICY_ERROR_MEMBERSHIP, e->line,
          "[%s] lists %s twice", e->level->section, name);
    else if (group != NULL)
      problem (p, GST_E2EE_POLICY_ERROR_MEMBERSHIP, e->line,
          "[%s] lists %s, already a member of [%s] (line %u): a user belongs to one "
          "group", e->level->section, name, group->section, group->members_line);
    else if (!plain_text (name))
      problem (p, GST_E2EE_POLICY_ERROR_MEMBERSHIP, e->line,
          "[%s] members: '%s' is no user name", e->level->section, name);
    else
      g_hash_table_insert (d->member_of, g_strdup (name), e->level);
  }
  g_strfreev (names);
}

static void
read_locks (GKeyFile * kf, const Entry * e, Problems * p)
{
  gchar **names = g_key_file_get_string_list (kf, e->level->section, e->key, NULL,
      NULL);
  guint n;

  e->level->lock_line = e->line;
  for (n = 0; names != NULL && names[n] != NULL; n++) {
    const gchar *name = g_strstrip (names[n]);
    gint i;

    if (name[0] == '\0')
      continue;
    i = policy_setting_index (name);
    if (i < 0)
      problem (p, GST_E2EE_POLICY_ERROR_BAD_LOCK, e->line,
          "[%s] locks '%s', which is no setting", e->level->section, name);
    else if (e->level->locked[i])
      problem (p, GST_E2EE_POLICY_ERROR_BAD_LOCK, e->line,
          "[%s] locks %s twice", e->level->section, name);
    else if (e->level->value_line[i] == 0)
      problem (p, GST_E2EE_POLICY_ERROR_BAD_LOCK, e->line,
          "[%s] locks %s but does not set it: a lock holds this section's value",
          e->level->section, name);
    else
      e->level->locked[i] = TRUE;
  }
  g_strfreev (names);
}

/* The warnings that hold whatever group and user are resolved: an account lock
 * overrides every group and user section. */
static void
account_lock_warnings (PolicyData * d, const gchar * path)
{
  guint n, i;

  for (n = 0; n < d->levels->len; n++) {
    const Level *l = g_ptr_array_index (d->levels, n);

    if (l == d->account)
      continue;
    for (i = 0; i < POLICY_N_SETTINGS; i++)
      if (l->value_line[i] != 0 && d->account->locked[i])
        g_ptr_array_add (d->warnings, shadow_warning (path, l, i, d->account));
  }
  g_ptr_array_add (d->warnings, NULL);
}

static void
add_empty_account (PolicyData * d)
{
  if (d->account == NULL) {
    d->account = level_new ("account", GST_E2EE_POLICY_LEVEL_ACCOUNT, 0);
    g_ptr_array_insert (d->levels, 0, d->account);
  }
}

static PolicyData *
policy_data_load (const gchar * path, GError ** error)
{
  gchar *text = NULL;
  gsize len = 0;
  const gchar *bad = NULL;
  GError *err = NULL;
  PolicyData *d;
  GArray *entries;
  GKeyFile *kf;
  Problems p = { path, NULL, -1 };
  guint i;

  if (path == NULL) {
    g_set_error_literal (error, GST_E2EE_POLICY_ERROR, GST_E2EE_POLICY_ERROR_READ,
        "no policy file: the policy was not made by gst_e2ee_policy_new_from_file()");
    return NULL;
  }
  if (!g_file_get_contents (path, &text, &len, &err)) {
    g_set_error (error, GST_E2EE_POLICY_ERROR, GST_E2EE_POLICY_ERROR_READ, "%s",
        err->message);
    g_error_free (err);
    return NULL;
  }
  if (!g_utf8_validate (text, (gssize) len, &bad)) {
    g_set_error (error, GST_E2EE_POLICY_ERROR, GST_E2EE_POLICY_ERROR_SYNTAX,
        "%s:%u: not UTF-8 text", path, line_of_offset (text, (gsize) (bad - text)));
    g_free (text);
    return NULL;
  }

  d = policy_data_new ();
  p.text = g_string_new (NULL);
  entries = g_array_new (FALSE, FALSE, sizeof (Entry));
  g_array_set_clear_func (entries, (GDestroyNotify) entry_clear);
  kf = g_key_file_new ();

  scan_lines (text, d, entries, &p);
  if (p.first_code < 0 && !g_key_file_load_from_data (kf, text, len, G_KEY_FILE_NONE,
          &err)) {
    /* Not expected after the scan; kept so that nothing GKeyFile refuses passes. */
    problem (&p, GST_E2EE_POLICY_ERROR_SYNTAX, 0, "%s", err->message);
    g_clear_error (&err);
  }
  if (p.first_code < 0) {
    for (i = 0; i < entries->len; i++) {
      Entry *e = &g_array_index (entries, Entry, i);

      if (g_strcmp0 (e->key, POLICY_MEMBERS_KEY) == 0)
        read_members (kf, e, d, &p);
      else if (g_strcmp0 (e->key, POLICY_LOCKED_KEY) != 0)
        read_value (kf, e, &p);
    }
    /* Locks after every value, so that a lock may come before what it locks. */
    for (i = 0; i < entries->len; i++) {
      const Entry *e = &g_array_index (entries, Entry, i);

      if (g_strcmp0 (e->key, POLICY_LOCKED_KEY) == 0)
        read_locks (kf, e, &p);
    }
  }
  if (p.first_code < 0) {
    add_empty_account (d);
    account_lock_warnings (d, path);
  } else {
    g_set_error_literal (error, GST_E2EE_POLICY_ERROR, p.first_code, p.text->str);
    g_clear_pointer (&d, policy_data_free);
  }

  g_key_file_free (kf);
  g_array_unref (entries);
  g_string_free (p.text, TRUE);
  g_free (text);
  return d;
}

/* ---- Resolution ------------------------------------------------------------ */

static GstE2eeResolvedPolicy *
resolve_data (const PolicyData * d, const gchar * path, const gchar * group,
    const gchar * user)
{
  GstE2eeResolvedPolicy *r = resolved_policy_new ();
  GPtrArray *warnings = g_ptr_array_new ();
  const Level *chain[3] = { d->account, NULL, NULL };
  const Level *member_of = user ? g_hash_table_lookup (d->member_of, user) : NULL;
  guint i, n;

  /* The file's membership gives the group when the caller names none. */
  if (group == NULL && member_of != NULL)
    group = member_of->section + strlen (GROUP_PREFIX);
  else if (group != NULL && member_of != NULL &&
      g_strcmp0 (member_of->section + strlen (GROUP_PREFIX), group) != 0)
    g_ptr_array_add (warnings, g_strdup_printf ("%s:%u: %s is a member of [%s], "
            "resolved with [group:%s] as asked", path, member_of->members_line, user,
            member_of->section, group));
  if (group != NULL) {
    chain[1] = g_hash_table_lookup (d->groups, group);
    if (chain[1] == NULL)
      g_ptr_array_add (warnings, g_strdup_printf ("%s: no section [group:%s]: "
              "the account settings apply to this group", path, group));
  }
  if (user != NULL) {
    chain[2] = g_hash_table_lookup (d->users, user);
    if (chain[2] == NULL)
      g_ptr_array_add (warnings, g_strdup_printf ("%s: no section [user:%s]: "
              "the group and account settings apply to this user", path, user));
  }

  for (i = 0; i < POLICY_N_SETTINGS; i++) {
    const PolicySetting *s = policy_setting (i);
    GValue def = G_VALUE_INIT;
    const GValue *value = NULL;
    const Level *locker = NULL;
    gchar *why = NULL;

    r->levels[i] = GST_E2EE_POLICY_LEVEL_DEFAULT;
    for (n = 0; n < G_N_ELEMENTS (chain); n++) {
      const Level *l = chain[n];

      if (l == NULL || l->value_line[i] == 0)
        continue;
      if (locker != NULL) {
        g_ptr_array_add (warnings, shadow_warning (path, l, i, locker));
        continue;
      }
      value = &l->values[i];
      r->levels[i] = l->level;
      r->locked[i] = l->locked[i];
      if (l->locked[i]) {
        locker = l;
        r->lock_where[i] = lock_where (path, l);
      }
    }
    if (value == NULL) {
      /* The defaults are in the file syntax and parse: the policy tests check each. */
      if (!s->parse (s->default_text, &def, &why))
        g_error ("policy default %s=%s: %s", s->name, s->default_text, why);
      value = &def;
    }
    gst_structure_set_value (r->settings, s->name, value);
    if (G_IS_VALUE (&def))
      g_value_unset (&def);
  }
  g_ptr_array_add (warnings, NULL);
  r->warnings = (GStrv) g_ptr_array_free (warnings, FALSE);
  return r;
}

/* ---- The object ------------------------------------------------------------ */

static void
gst_e2ee_policy_init (GstE2eePolicy * policy)
{
  g_mutex_init (&policy->lock);
  /* Made without a file (g_object_new() from a binding): only the defaults, until a
   * reload reads a file. */
  policy->data = policy_data_new ();
  add_empty_account (policy->data);
  g_ptr_array_add (policy->data->warnings, NULL);
}

static void
gst_e2ee_policy_finalize (GObject * object)
{
  GstE2eePolicy *policy = GST_E2EE_POLICY (object);

  policy_data_free (policy->data);
  g_free (policy->path);
  g_mutex_clear (&policy->lock);
  G_OBJECT_CLASS (gst_e2ee_policy_parent_class)->finalize (object);
}

static void
gst_e2ee_policy_set_property (GObject * object, guint prop_id, const GValue * value,
    GParamSpec * pspec)
{
  GstE2eePolicy *policy = GST_E2EE_POLICY (object);

  switch (prop_id) {
    case PROP_PATH:
      g_free (policy->path);
      policy->path = g_value_dup_string (value);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
      break;
  }
}

static void
gst_e2ee_policy_get_property (GObject * object, guint prop_id, GValue * value,
    GParamSpec * pspec)
{
  GstE2eePolicy *policy = GST_E2EE_POLICY (object);

  switch (prop_id) {
    case PROP_PATH:
      g_value_set_string (value, policy->path);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
      break;
  }
}

static void
gst_e2ee_policy_class_init (GstE2eePolicyClass * klass)
{
  GObjectClass *gobject_class = G_OBJECT_CLASS (klass);

  GST_DEBUG_CATEGORY_INIT (gst_e2ee_policy_debug, "e2eepolicy", 0,
      "gst-e2ee encryption policy");

  gobject_class->finalize = gst_e2ee_policy_finalize;
  gobject_class->set_property = gst_e2ee_policy_set_property;
  gobject_class->get_property = gst_e2ee_policy_get_property;

  /**
   * GstE2eePolicy:path:
   *
   * The policy file, read by gst_e2ee_policy_new_from_file() and again by each
   * gst_e2ee_policy_reload().
   *
   * Since: 0.1
   */
  g_object_class_install_property (gobject_class, PROP_PATH,
      g_param_spec_string ("path", "Path", "The policy file", NULL,
          G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS));

  /**
   * GstE2eePolicy::changed:
   * @policy: the #GstE2eePolicy
   *
   * A reload put a policy in force that differs from the previous one in a value or
   * a lock. Emitted from the thread that called gst_e2ee_policy_reload(), after the
   * new policy is in force: gst_e2ee_policy_resolve() in a handler sees it.
   *
   * Since: 0.1
   */
  signals[SIGNAL_CHANGED] = g_signal_new ("changed", G_TYPE_FROM_CLASS (klass),
      G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL, G_TYPE_NONE, 0);
}

static void
log_warnings (GstE2eePolicy * policy, const PolicyData * d)
{
  guint i;

  for (i = 0; i + 1 < d->warnings->len; i++)
    GST_WARNING_OBJECT (policy, "%s", (const gchar *) g_ptr_array_index (d->warnings, i));
}

/**
 * gst_e2ee_policy_new_from_file:
 * @path: (type filename): the policy file
 * @error: (optional): where to put why the file was refused
 *
 * Reads a policy file (see the format in docs/policy.md). Values set below a lock do
 * not make the file fail: they are ignored, and listed by
 * gst_e2ee_policy_get_warnings().
 *
 * Returns: (transfer full) (nullable): the policy, or %NULL with @error set
 *   (%GST_E2EE_POLICY_ERROR) naming the file and the line of every problem.
 *
 * Since: 0.1
 */
GstE2eePolicy *
gst_e2ee_policy_new_from_file (const gchar * path, GError ** error)
{
  GstE2eePolicy *policy;
  PolicyData *d;

  g_return_val_if_fail (path != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  d = policy_data_load (path, error);
  if (d == NULL)
    return NULL;
  policy = g_object_new (GST_E2EE_TYPE_POLICY, "path", path, NULL);
  policy_data_free (policy->data);
  policy->data = d;
  GST_INFO_OBJECT (policy, "read policy %s", path);
  log_warnings (policy, policy->data);
  return policy;
}

/**
 * gst_e2ee_policy_reload:
 * @policy: a #GstE2eePolicy
 * @error: (optional): where to put why the file was refused
 *
 * Reads the policy file again. The new policy replaces the old one as a whole, or
 * not at all: when the file is refused the previous policy stays in force.
 * #GstE2eePolicy::changed is emitted if a value or a lock differs.
 *
 * Returns: %TRUE if the file was read, %FALSE with @error set if it was refused.
 *
 * Since: 0.1
 */
gboolean
gst_e2ee_policy_reload (GstE2eePolicy * policy, GError ** error)
{
  PolicyData *d, *old;
  gboolean changed;

  g_return_val_if_fail (GST_E2EE_IS_POLICY (policy), FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  d = policy_data_load (policy->path, error);
  if (d == NULL) {
    GST_WARNING_OBJECT (policy, "reload refused, the previous policy stays: %s",
        error && *error ? (*error)->message : "");
    return FALSE;
  }
  log_warnings (policy, d);

  g_mutex_lock (&policy->lock);
  old = policy->data;
  changed = !policy_data_equal (old, d);
  policy->data = d;
  g_mutex_unlock (&policy->lock);
  policy_data_free (old);

  GST_INFO_OBJECT (policy, "reloaded %s (%s)", policy->path,
      changed ? "changed" : "unchanged");
  if (changed)
    g_signal_emit (policy, signals[SIGNAL_CHANGED], 0);
  return TRUE;
}

/**
 * gst_e2ee_policy_get_path:
 * @policy: a #GstE2eePolicy
 *
 * Returns: (type filename) (transfer none): the policy file.
 *
 * Since: 0.1
 */
const gchar *
gst_e2ee_policy_get_path (GstE2eePolicy * policy)
{
  g_return_val_if_fail (GST_E2EE_IS_POLICY (policy), NULL);
  return policy->path;
}

/**
 * gst_e2ee_policy_get_warnings:
 * @policy: a #GstE2eePolicy
 *
 * The values the file sets in group and user sections for settings the account
 * locks, one message each, naming the file, the line and the lock, for example
 * `policy.conf:12: [user:bob] e2ee-default is ignored: locked at account level by
 * [account] (policy.conf:3)`. A group lock over a user value depends on the group
 * the user is resolved with: gst_e2ee_resolved_policy_get_warnings() lists those.
 *
 * Returns: (transfer full) (array zero-terminated=1): the warnings of the policy in
 *   force, possibly none.
 *
 * Since: 0.1
 */
gchar **
gst_e2ee_policy_get_warnings (GstE2eePolicy * policy)
{
  gchar **copy;

  g_return_val_if_fail (GST_E2EE_IS_POLICY (policy), NULL);

  g_mutex_lock (&policy->lock);
  copy = g_strdupv ((gchar **) policy->data->warnings->pdata);
  g_mutex_unlock (&policy->lock);
  return copy;
}

/**
 * gst_e2ee_policy_resolve:
 * @policy: a #GstE2eePolicy
 * @group: (nullable): the group of the user, or %NULL for none
 * @user: (nullable): the user, or %NULL for none
 *
 * The effective settings for @user in @group: for each setting, the value of the
 * highest level that locks it; else of the lowest level that sets it (user, then
 * group, then account); else the built-in default. Values set below a lock are
 * ignored and listed in the result's warnings, as is a group or user with no
 * section in the file (its settings are then those of the levels above).
 *
 * Returns: (transfer full): the effective settings.
 *
 * Since: 0.1
 */
GstE2eeResolvedPolicy *
gst_e2ee_policy_resolve (GstE2eePolicy * policy, const gchar * group,
    const gchar * user)
{
  GstE2eeResolvedPolicy *r;

  g_return_val_if_fail (GST_E2EE_IS_POLICY (policy), NULL);

  g_mutex_lock (&policy->lock);
  r = resolve_data (policy->data, policy->path, group, user);
  g_mutex_unlock (&policy->lock);
  return r;
}
