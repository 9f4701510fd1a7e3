/* gst-e2ee: how an element reads, shares and enforces the encryption policy
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Internal to the plugins (a static library, not installed): srtpguard, e2eeenc,
 * e2eedec and encstatus each hold one binding and call it from a few hooks.
 */
#pragma once

#include <gst/gst.h>
#include <gst/e2ee/e2ee.h>

G_BEGIN_DECLS

/* How an application's value of a property compares with the policy's value of the
 * setting the property enforces; a value that does not meet it contradicts it. */
typedef enum {
  GST_E2EE_POLICY_MAP_EQUAL,        /* any other value contradicts */
  GST_E2EE_POLICY_MAP_AT_LEAST,     /* a smaller number, or FALSE for TRUE, contradicts */
  GST_E2EE_POLICY_MAP_AT_MOST,      /* a larger number, or TRUE for FALSE, contradicts */
  GST_E2EE_POLICY_MAP_SUITE,        /* a weaker SFrame cipher suite contradicts */
  GST_E2EE_POLICY_MAP_INTERVAL,     /* 0 (never) or longer than a non-zero policy value */
} GstE2eePolicyMapKind;

typedef struct {
  const gchar *setting;             /* policy setting, e.g. "min-srtp-auth-tag-bits" */
  const gchar *property;            /* the element's property, e.g. "min-auth-tag-bits" */
  GstE2eePolicyMapKind kind;
} GstE2eePolicyMapping;

/* The properties the binding installs, from the id given to install_properties(). */
enum {
  GST_E2EE_POLICY_PROP_POLICY,
  GST_E2EE_POLICY_PROP_FILE,
  GST_E2EE_POLICY_PROP_GROUP,
  GST_E2EE_POLICY_PROP_USER,
  GST_E2EE_POLICY_N_PROPS
};

typedef struct _GstE2eePolicyBinding GstE2eePolicyBinding;

GstE2eePolicyBinding * gst_e2ee_policy_binding_new (GstElement * element,
    const GstE2eePolicyMapping * map, guint n_map);
void      gst_e2ee_policy_binding_free (GstE2eePolicyBinding * b);

void      gst_e2ee_policy_binding_install_properties (GObjectClass * klass, guint first_id);
gboolean  gst_e2ee_policy_binding_set_property (GstE2eePolicyBinding * b, guint prop_id,
    const GValue * value);
gboolean  gst_e2ee_policy_binding_get_property (GstE2eePolicyBinding * b, guint prop_id,
    GValue * value);

void      gst_e2ee_policy_binding_set_context (GstE2eePolicyBinding * b, GstContext * context);
gboolean  gst_e2ee_policy_binding_start (GstE2eePolicyBinding * b);
gboolean  gst_e2ee_policy_binding_sync (GstE2eePolicyBinding * b);
GstE2eeResolvedPolicy * gst_e2ee_policy_binding_get (GstE2eePolicyBinding * b);
void      gst_e2ee_policy_binding_add_stats (GstE2eePolicyBinding * b, GstStructure * stats);

G_END_DECLS
