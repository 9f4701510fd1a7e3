/* gst-e2ee: the effective policy for one group and user
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "gste2eepolicy-private.h"

G_DEFINE_BOXED_TYPE (GstE2eeResolvedPolicy, gst_e2ee_resolved_policy,
    gst_e2ee_resolved_policy_ref, gst_e2ee_resolved_policy_unref);

GstE2eeResolvedPolicy *
resolved_policy_new (void)
{
  GstE2eeResolvedPolicy *r = g_new0 (GstE2eeResolvedPolicy, 1);

  r->refcount = 1;
  r->settings = gst_structure_new_empty ("e2ee-policy");
  return r;
}

/**
 * gst_e2ee_resolved_policy_ref:
 * @resolved: a #GstE2eeResolvedPolicy
 *
 * Returns: (transfer full): @resolved, with one more reference.
 *
 * Since: 0.1
 */
GstE2eeResolvedPolicy *
gst_e2ee_resolved_policy_ref (GstE2eeResolvedPolicy * resolved)
{
  g_return_val_if_fail (resolved != NULL, NULL);
  g_atomic_int_inc (&resolved->refcount);
  return resolved;
}

/**
 * gst_e2ee_resolved_policy_unref:
 * @resolved: (transfer full): a #GstE2eeResolvedPolicy
 *
 * Drops a reference; the last one frees @resolved.
 *
 * Since: 0.1
 */
void
gst_e2ee_resolved_policy_unref (GstE2eeResolvedPolicy * resolved)
{
  guint i;

  g_return_if_fail (resolved != NULL);
  if (!g_atomic_int_dec_and_test (&resolved->refcount))
    return;
  gst_structure_free (resolved->settings);
  for (i = 0; i < POLICY_N_SETTINGS; i++)
    g_free (resolved->lock_where[i]);
  g_strfreev (resolved->warnings);
  g_free (resolved);
}

/**
 * gst_e2ee_resolved_policy_get_settings:
 * @resolved: a #GstE2eeResolvedPolicy
 *
 * The effective value of every setting, in a structure named `e2ee-policy` with one
 * field per setting (see gst_e2ee_policy_list_settings()): booleans as #gboolean,
 * `min-sframe-cipher-suite` as #GstE2eeCipherSuite, `min-srtp-auth-tag-bits` and
 * `max-e2ee-participants` as #guint, `key-rotation-interval` as a #guint64 in
 * nanoseconds (0: no periodic rotation), `allowed-stream-kinds` as
 * #GstE2eeStreamKinds.
 *
 * Returns: (transfer none): the settings, valid as long as @resolved.
 *
 * Since: 0.1
 */
const GstStructure *
gst_e2ee_resolved_policy_get_settings (const GstE2eeResolvedPolicy * resolved)
{
  g_return_val_if_fail (resolved != NULL, NULL);
  return resolved->settings;
}

/**
 * gst_e2ee_resolved_policy_get_origin:
 * @resolved: a #GstE2eeResolvedPolicy
 * @setting: a setting name, such as `e2ee-default`
 * @level: (out) (optional): the level the effective value comes from
 * @locked: (out) (optional): whether that level locks the setting, so that nothing
 *   below it, and no element property, may change it
 *
 * Returns: %TRUE, or %FALSE if @setting is no policy setting.
 *
 * Since: 0.1
 */
gboolean
gst_e2ee_resolved_policy_get_origin (const GstE2eeResolvedPolicy * resolved,
    const gchar * setting, GstE2eePolicyLevel * level, gboolean * locked)
{
  gint i;

  g_return_val_if_fail (resolved != NULL, FALSE);
  g_return_val_if_fail (setting != NULL, FALSE);

  i = policy_setting_index (setting);
  if (i < 0)
    return FALSE;
  if (level)
    *level = resolved->levels[i];
  if (locked)
    *locked = resolved->locked[i];
  return TRUE;
}

/**
 * gst_e2ee_resolved_policy_get_warnings:
 * @resolved: a #GstE2eeResolvedPolicy
 *
 * What the resolution ignored, one message per entry, each naming the file and line:
 * values set below a lock, and a group or user that has no section in the file.
 *
 * Returns: (transfer none) (array zero-terminated=1): the warnings, possibly none.
 *
 * Since: 0.1
 */
const gchar *const *
gst_e2ee_resolved_policy_get_warnings (const GstE2eeResolvedPolicy * resolved)
{
  g_return_val_if_fail (resolved != NULL, NULL);
  return (const gchar * const *) resolved->warnings;
}

/**
 * gst_e2ee_resolved_policy_describe_lock:
 * @resolved: a #GstE2eeResolvedPolicy
 * @setting: a setting name, such as `e2ee-default`
 *
 * Where the lock on @setting is, in the words of the warnings: `locked at account
 * level by [account] (/etc/e2ee/policy.conf:4)`, for messages that refuse a change
 * the lock forbids.
 *
 * Returns: (transfer none) (nullable): the lock's description, or %NULL if @setting
 *   is not locked or is no setting.
 *
 * Since: 0.1
 */
const gchar *
gst_e2ee_resolved_policy_describe_lock (const GstE2eeResolvedPolicy * resolved,
    const gchar * setting)
{
  gint i;

  g_return_val_if_fail (resolved != NULL, NULL);
  g_return_val_if_fail (setting != NULL, NULL);

  i = policy_setting_index (setting);
  return i < 0 ? NULL : resolved->lock_where[i];
}
