/* gst-e2ee: the encryption policy shared through a GstContext
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "gste2eepolicy.h"

/**
 * gst_e2ee_policy_context_new:
 * @policy: a #GstE2eePolicy
 * @group: (nullable): the group the pipeline's user belongs to, or %NULL
 * @user: (nullable): the pipeline's user, or %NULL
 *
 * Wraps @policy in a persistent #GstContext of type %GST_E2EE_POLICY_CONTEXT_TYPE,
 * to answer a `need-context` message or to set on a pipeline with
 * gst_element_set_context(): every srtpguard, e2eeenc, e2eedec and encstatus in it
 * then enforces @policy as resolved for @group and @user (an element's own
 * `policy-group` and `policy-user` take precedence).
 *
 * Returns: (transfer full): a new context holding a reference to @policy.
 *
 * Since: 0.1
 */
GstContext *
gst_e2ee_policy_context_new (GstE2eePolicy * policy, const gchar * group,
    const gchar * user)
{
  GstContext *context;

  g_return_val_if_fail (GST_E2EE_IS_POLICY (policy), NULL);

  context = gst_context_new (GST_E2EE_POLICY_CONTEXT_TYPE, TRUE);
  gst_structure_set (gst_context_writable_structure (context),
      "policy", GST_E2EE_TYPE_POLICY, policy,
      "group", G_TYPE_STRING, group, "user", G_TYPE_STRING, user, NULL);
  return context;
}

/**
 * gst_e2ee_policy_from_context:
 * @context: a #GstContext
 * @group: (out) (optional) (nullable) (transfer full): the group it names
 * @user: (out) (optional) (nullable) (transfer full): the user it names
 *
 * Returns: (transfer full) (nullable): the policy @context carries, or %NULL if it
 *   is not a %GST_E2EE_POLICY_CONTEXT_TYPE context.
 *
 * Since: 0.1
 */
GstE2eePolicy *
gst_e2ee_policy_from_context (GstContext * context, gchar ** group, gchar ** user)
{
  const GstStructure *s;
  GstE2eePolicy *policy = NULL;

  g_return_val_if_fail (GST_IS_CONTEXT (context), NULL);

  if (g_strcmp0 (gst_context_get_context_type (context),
          GST_E2EE_POLICY_CONTEXT_TYPE) != 0)
    return NULL;
  s = gst_context_get_structure (context);
  if (!gst_structure_get (s, "policy", GST_E2EE_TYPE_POLICY, &policy, NULL))
    return NULL;
  if (group)
    *group = g_strdup (gst_structure_get_string (s, "group"));
  if (user)
    *user = g_strdup (gst_structure_get_string (s, "user"));
  return policy;
}
