/* gst-e2ee: gst-e2ee-policy, the effective encryption policy for a group and a user
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 *   gst-e2ee-policy --file F [--group G] [--user U]
 *
 * Prints one line per setting, in the file's own syntax, with the level it comes
 * from and its lock:
 *
 *   e2ee-default=true<TAB>account<TAB>locked at account level by [account] (F:4)
 *   key-rotation-interval=10min<TAB>user<TAB>not locked
 *
 * Warnings (values ignored under a lock, a group or user without a section) go to
 * standard error, each with its file and line. Exit status: 0 when the file was
 * read, 1 when it was refused (every problem on standard error as FILE:LINE: ...),
 * 2 for a usage error.
 */

#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <gst/gst.h>
#include <gst/e2ee/e2ee.h>

#include <locale.h>
#include <stdlib.h>

/* A time in the largest unit that holds it exactly, as the file writes it. */
static gchar *
time_text (guint64 ns)
{
  static const struct
  {
    const gchar *unit;
    guint64 ns;
  } units[] = {
    {"h", 3600 * GST_SECOND}, {"min", 60 * GST_SECOND}, {"s", GST_SECOND},
    {"ms", GST_MSECOND},
  };
  guint i;

  if (ns == 0)
    return g_strdup ("0");
  for (i = 0; i < G_N_ELEMENTS (units); i++)
    if (ns % units[i].ns == 0)
      return g_strdup_printf ("%" G_GUINT64_FORMAT "%s", ns / units[i].ns,
          units[i].unit);
  return g_strdup_printf ("%" G_GUINT64_FORMAT "ns", ns);
}

static gchar *
kinds_text (guint kinds)
{
  GFlagsClass *klass = g_type_class_ref (GST_TYPE_E2EE_STREAM_KINDS);
  GString *s = g_string_new (NULL);
  guint i;

  for (i = 0; i < klass->n_values; i++) {
    if (klass->values[i].value != 0 && (kinds & klass->values[i].value))
      g_string_append_printf (s, "%s%s", s->len ? ";" : "",
          klass->values[i].value_nick);
  }
  g_type_class_unref (klass);
  return g_string_free (s, FALSE);
}

static gchar *
value_text (const GValue * v)
{
  if (G_VALUE_HOLDS_BOOLEAN (v))
    return g_strdup (g_value_get_boolean (v) ? "true" : "false");
  if (G_VALUE_HOLDS_UINT64 (v))
    return time_text (g_value_get_uint64 (v));
  if (G_VALUE_HOLDS_UINT (v))
    return g_strdup_printf ("%u", g_value_get_uint (v));
  if (G_VALUE_HOLDS_FLAGS (v))
    return kinds_text (g_value_get_flags (v));
  if (G_VALUE_HOLDS_ENUM (v)) {
    GEnumClass *klass = g_type_class_ref (G_VALUE_TYPE (v));
    const GEnumValue *ev = g_enum_get_value (klass, g_value_get_enum (v));
    gchar *s = g_strdup (ev ? ev->value_nick : "?");

    g_type_class_unref (klass);
    return s;
  }
  return gst_value_serialize (v);
}

static const gchar *
level_nick (GstE2eePolicyLevel level)
{
  GEnumClass *klass = g_type_class_ref (GST_TYPE_E2EE_POLICY_LEVEL);
  const GEnumValue *ev = g_enum_get_value (klass, level);
  const gchar *nick = ev ? ev->value_nick : "?";

  g_type_class_unref (klass);
  return nick;
}

int
main (int argc, char **argv)
{
  gchar *file = NULL, *group = NULL, *user = NULL;
  GOptionEntry entries[] = {
    {"file", 'f', 0, G_OPTION_ARG_FILENAME, &file, "The policy file", "FILE"},
    {"group", 'g', 0, G_OPTION_ARG_STRING, &group, "The user's group", "GROUP"},
    {"user", 'u', 0, G_OPTION_ARG_STRING, &user, "The user", "USER"},
    {NULL}
  };
  GOptionContext *ctx;
  GError *error = NULL;
  GstE2eePolicy *policy;
  GstE2eeResolvedPolicy *r;
  const gchar *const *names;
  const gchar *const *w;
  int status = 0;

  setlocale (LC_ALL, "");
  ctx = g_option_context_new ("- the effective encryption policy for a group and a user");
  g_option_context_set_summary (ctx, "Reads an encryption policy file (docs/policy.md) "
      "and prints each setting's effective value,\nthe level it comes from and its "
      "lock. Exits 1 with FILE:LINE messages if the file is refused.");
  g_option_context_add_main_entries (ctx, entries, NULL);
  g_option_context_add_group (ctx, gst_init_get_option_group ());
  if (!g_option_context_parse (ctx, &argc, &argv, &error) || file == NULL) {
    g_printerr ("%s\n", error ? error->message : "--file is required");
    g_printerr ("usage: gst-e2ee-policy --file FILE [--group GROUP] [--user USER]\n");
    g_clear_error (&error);
    g_option_context_free (ctx);
    return 2;
  }
  g_option_context_free (ctx);

  policy = gst_e2ee_policy_new_from_file (file, &error);
  if (policy == NULL) {
    g_printerr ("%s\n", error->message);
    g_error_free (error);
    status = 1;
    goto done;
  }

  r = gst_e2ee_policy_resolve (policy, group, user);
  for (w = gst_e2ee_resolved_policy_get_warnings (r); w && *w; w++)
    g_printerr ("warning: %s\n", *w);
  for (names = gst_e2ee_policy_list_settings (); *names; names++) {
    const GValue *v = gst_structure_get_value (gst_e2ee_resolved_policy_get_settings (r),
        *names);
    const gchar *lock = gst_e2ee_resolved_policy_describe_lock (r, *names);
    GstE2eePolicyLevel level = GST_E2EE_POLICY_LEVEL_DEFAULT;
    gchar *text = value_text (v);

    gst_e2ee_resolved_policy_get_origin (r, *names, &level, NULL);
    g_print ("%s=%s\t%s\t%s\n", *names, text, level_nick (level),
        lock ? lock : "not locked");
    g_free (text);
  }
  gst_e2ee_resolved_policy_unref (r);
  g_object_unref (policy);

done:
  g_free (file);
  g_free (group);
  g_free (user);
  return status;
}
