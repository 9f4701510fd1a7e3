/* gst-e2ee: the encryption policy's settings, their syntax and their defaults
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "gste2eepolicy-private.h"
#include "e2ee-enumtypes.h"

#include <string.h>

/* Largest max-e2ee-participants accepted: far above any service's cap, low enough
 * that a typo of a few extra digits is refused rather than taken for "no cap". */
#define MAX_PARTICIPANTS 100000u

static gboolean
parse_boolean (const gchar * text, GValue * value, gchar ** why)
{
  gboolean b;

  /* Only the two words: GKeyFile's own reading also takes 1 and 0, which an
   * administrator could mistake for a count. */
  if (g_strcmp0 (text, "true") == 0)
    b = TRUE;
  else if (g_strcmp0 (text, "false") == 0)
    b = FALSE;
  else {
    *why = g_strdup ("expected true or false");
    return FALSE;
  }
  g_value_init (value, G_TYPE_BOOLEAN);
  g_value_set_boolean (value, b);
  return TRUE;
}

/* Digits only, no sign, no spaces, no leading '+': g_ascii_string_to_unsigned
 * takes a leading '+' and would accept "+80". */
static gboolean
parse_digits (const gchar * text, gsize len, guint64 max, guint64 * out)
{
  guint64 v = 0;
  gsize i;

  if (len == 0)
    return FALSE;
  for (i = 0; i < len; i++) {
    if (!g_ascii_isdigit (text[i]))
      return FALSE;
    if (v > (max - (guint64) (text[i] - '0')) / 10)
      return FALSE;
    v = v * 10 + (guint64) (text[i] - '0');
  }
  *out = v;
  return TRUE;
}

static gboolean
parse_cipher_suite (const gchar * text, GValue * value, gchar ** why)
{
  GEnumClass *klass = g_type_class_ref (GST_TYPE_E2EE_CIPHER_SUITE);
  const GEnumValue *ev = g_enum_get_value_by_nick (klass, text);

  if (ev == NULL) {
    GString *s = g_string_new ("expected one of");
    guint i;

    for (i = 0; i < klass->n_values; i++)
      g_string_append_printf (s, " %s", klass->values[i].value_nick);
    *why = g_string_free (s, FALSE);
    g_type_class_unref (klass);
    return FALSE;
  }
  g_value_init (value, GST_TYPE_E2EE_CIPHER_SUITE);
  g_value_set_enum (value, ev->value);
  g_type_class_unref (klass);
  return TRUE;
}

/* A whole number from min to max as a guint GValue; @value is untouched otherwise. */
static gboolean
uint_value (const gchar * text, guint min, guint max, GValue * value)
{
  guint64 v = 0;

  if (!parse_digits (text, strlen (text), max, &v) || v < min)
    return FALSE;
  g_value_init (value, G_TYPE_UINT);
  g_value_set_uint (value, (guint) v);
  return TRUE;
}

static gboolean
parse_tag_bits (const gchar * text, GValue * value, gchar ** why)
{
  /* The SRTP tag lengths libsrtp2 offers: HMAC-SHA1-32, HMAC-SHA1-80, GCM. */
  static const gchar *const lengths[] = { "32", "80", "128", NULL };

  if (g_strv_contains (lengths, text) && uint_value (text, 32, 128, value))
    return TRUE;
  *why = g_strdup ("expected 32, 80 or 128");
  return FALSE;
}

static gboolean
parse_time (const gchar * text, GValue * value, gchar ** why)
{
  static const struct
  {
    const gchar *unit;
    guint64 ns;
  } units[] = {
    {"ms", GST_MSECOND}, {"s", GST_SECOND}, {"min", 60 * GST_SECOND},
    {"h", 3600 * GST_SECOND},
  };
  gsize len = strlen (text), digits = 0;
  guint64 v = 0;
  guint i;

  while (digits < len && g_ascii_isdigit (text[digits]))
    digits++;
  /* "0" needs no unit: it turns periodic rotation off whatever the unit. */
  if (digits == len && g_strcmp0 (text, "0") == 0) {
    g_value_init (value, G_TYPE_UINT64);
    g_value_set_uint64 (value, 0);
    return TRUE;
  }
  for (i = 0; i < G_N_ELEMENTS (units); i++) {
    if (g_strcmp0 (text + digits, units[i].unit) == 0 &&
        parse_digits (text, digits, G_MAXUINT64 / units[i].ns, &v)) {
      g_value_init (value, G_TYPE_UINT64);
      g_value_set_uint64 (value, v * units[i].ns);
      return TRUE;
    }
  }
  *why = g_strdup ("expected 0 or a whole number with a unit: ms, s, min or h "
      "(for example 300s or 5min)");
  return FALSE;
}

static gboolean
parse_participants (const gchar * text, GValue * value, gchar ** why)
{
  if (uint_value (text, 2, MAX_PARTICIPANTS, value))
    return TRUE;
  *why = g_strdup_printf ("expected a whole number from 2 to %u", MAX_PARTICIPANTS);
  return FALSE;
}

static gboolean
parse_stream_kinds (const gchar * text, GValue * value, gchar ** why)
{
  GFlagsClass *klass = g_type_class_ref (GST_TYPE_E2EE_STREAM_KINDS);
  gchar **parts = g_strsplit (text, ";", -1);
  guint kinds = 0, n = g_strv_length (parts), i;
  gboolean ok = TRUE;

  /* GKeyFile's list syntax: items end with ';', the last one may omit it. An empty
   * value is the empty list. */
  if (n > 0 && parts[n - 1][0] == '\0')
    n--;
  for (i = 0; i < n && ok; i++) {
    const GFlagsValue *fv;
    gchar *item = g_strstrip (parts[i]);

    fv = g_flags_get_value_by_nick (klass, item);
    if (fv == NULL || fv->value == 0) {
      *why = g_strdup_printf ("unknown stream kind '%s': expected a list of pstn, "
          "sip, h323 and rtmp separated by ';'", item);
      ok = FALSE;
    } else if (kinds & fv->value) {
      *why = g_strdup_printf ("stream kind '%s' listed twice", item);
      ok = FALSE;
    } else {
      kinds |= fv->value;
    }
  }
  g_strfreev (parts);
  g_type_class_unref (klass);
  if (!ok)
    return FALSE;
  g_value_init (value, GST_TYPE_E2EE_STREAM_KINDS);
  g_value_set_flags (value, kinds);
  return TRUE;
}

/* Defaults: the safest reasonable choice, see docs/policy.md for each reason. */
static const PolicySetting settings[] = {
  {"require-media-encryption-third-party", "true", parse_boolean},
  {"e2ee-default", "true", parse_boolean},
  {"host-may-toggle-e2ee", "false", parse_boolean},
  {"allow-join-before-host", "false", parse_boolean},
  {"min-sframe-cipher-suite", "aes-128-gcm-sha256-128", parse_cipher_suite},
  {"min-srtp-auth-tag-bits", "80", parse_tag_bits},
  {"key-rotation-interval", "0", parse_time},
  {"max-e2ee-participants", "200", parse_participants},
  {"allowed-stream-kinds", "", parse_stream_kinds},
  {"cloud-recording", "false", parse_boolean},
  {"local-recording", "false", parse_boolean},
};

G_STATIC_ASSERT (G_N_ELEMENTS (settings) == POLICY_N_SETTINGS);

const PolicySetting *
policy_setting (guint index)
{
  g_return_val_if_fail (index < POLICY_N_SETTINGS, NULL);
  return &settings[index];
}

gint
policy_setting_index (const gchar * name)
{
  guint i;

  for (i = 0; i < POLICY_N_SETTINGS; i++)
    if (g_strcmp0 (settings[i].name, name) == 0)
      return (gint) i;
  return -1;
}

/**
 * gst_e2ee_policy_list_settings:
 *
 * The names of the policy settings, in the order gst_e2ee_policy_resolve() puts
 * them in its #GstStructure.
 *
 * Returns: (transfer none) (array zero-terminated=1): the setting names.
 *
 * Since: 0.1
 */
const gchar *const *
gst_e2ee_policy_list_settings (void)
{
  static const gchar *names[POLICY_N_SETTINGS + 1];
  static gsize done = 0;

  if (g_once_init_enter (&done)) {
    guint i;

    for (i = 0; i < POLICY_N_SETTINGS; i++)
      names[i] = settings[i].name;
    names[POLICY_N_SETTINGS] = NULL;
    g_once_init_leave (&done, 1);
  }
  return names;
}

/* From weakest to strongest: a shorter tag is easier to forge, and a 256-bit key
 * with a SHA-512 KDF is stronger than a 128-bit one. */
static guint
suite_rank (GstE2eeCipherSuite suite)
{
  switch (suite) {
    case GST_E2EE_CIPHER_SUITE_AES_128_CTR_HMAC_SHA256_32:
      return 1;
    case GST_E2EE_CIPHER_SUITE_AES_128_CTR_HMAC_SHA256_64:
      return 2;
    case GST_E2EE_CIPHER_SUITE_AES_128_CTR_HMAC_SHA256_80:
      return 3;
    case GST_E2EE_CIPHER_SUITE_AES_128_GCM_SHA256_128:
      return 4;
    case GST_E2EE_CIPHER_SUITE_AES_256_GCM_SHA512_128:
      return 5;
  }
  return 0;
}

/**
 * gst_e2ee_policy_cipher_suite_meets_minimum:
 * @suite: the cipher suite in use
 * @minimum: the policy's `min-sframe-cipher-suite`
 *
 * Whether @suite is at least as strong as @minimum. The suites rank, from weakest to
 * strongest: aes-128-ctr-hmac-sha256-32, aes-128-ctr-hmac-sha256-64,
 * aes-128-ctr-hmac-sha256-80, aes-128-gcm-sha256-128, aes-256-gcm-sha512-128.
 *
 * Returns: %TRUE if @suite is @minimum or stronger; %FALSE if it is weaker or either
 *   is not a valid suite.
 *
 * Since: 0.1
 */
gboolean
gst_e2ee_policy_cipher_suite_meets_minimum (GstE2eeCipherSuite suite,
    GstE2eeCipherSuite minimum)
{
  guint s = suite_rank (suite), m = suite_rank (minimum);

  return s != 0 && m != 0 && s >= m;
}
