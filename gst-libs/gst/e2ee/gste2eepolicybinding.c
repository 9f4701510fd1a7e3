/* gst-e2ee: how an element reads, shares and enforces the encryption policy
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

/* One binding per element. It holds the policy the element enforces (from its own
 * `policy` or `policy-file` property, or from a `gst.e2ee.policy` context another
 * element posted), the effective settings resolved for the group and user, and what
 * the application set itself.
 *
 * Every element property that enforces a setting is listed in the element's mapping.
 * A property the application never set takes the policy's value. One it set keeps
 * its value when that meets the policy; when it does not, a locked setting wins and
 * the refusal is posted as a warning naming the lock, while an unlocked one lets the
 * application's value stand and reports it in the element's stats.
 *
 * What the application sets is seen through GObject's `notify`: the binding's own
 * changes are told apart by the thread making them. A reload (GstE2eePolicy::changed)
 * only marks the policy as pending; the element applies it at its next meeting event
 * (gst_e2ee_policy_binding_sync() from its event handler), between frames. */

#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "gste2eepolicybinding.h"

#include <string.h>

GST_DEBUG_CATEGORY_STATIC (policy_binding_debug);
#define GST_CAT_DEFAULT policy_binding_debug

struct _GstE2eePolicyBinding
{
  GstElement *element;          /* the owner; not a reference */
  const GstE2eePolicyMapping *map;
  guint n_map;
  gulong notify_id;

  GMutex lock;                  /* everything below */
  gchar *file, *group, *user;   /* the properties */
  GstE2eePolicy *policy;
  gboolean own;                 /* from `policy` or `policy-file`: contexts do not replace it */
  gulong changed_id;
  gchar *ctx_group, *ctx_user;  /* from the context */
  GstE2eeResolvedPolicy *resolved;      /* in force */
  GHashTable *app_set;          /* property names the application set */
  GHashTable *overrides;        /* property name -> description */
  guint refused;
  GThread *applying;            /* the thread setting properties for the binding */
  gint pending;                 /* atomic: a new policy waits for the next meeting event */
};

/* ---- Values ---------------------------------------------------------------------- */

static gchar *
value_text (const GValue * v)
{
  if (G_VALUE_HOLDS_BOOLEAN (v))
    return g_strdup (g_value_get_boolean (v) ? "true" : "false");
  if (G_VALUE_HOLDS_ENUM (v)) {
    GEnumClass *klass = g_type_class_ref (G_VALUE_TYPE (v));
    const GEnumValue *ev = g_enum_get_value (klass, g_value_get_enum (v));
    gchar *s = ev ? g_strdup (ev->value_nick) : g_strdup_printf ("%d",
        g_value_get_enum (v));

    g_type_class_unref (klass);
    return s;
  }
  return gst_value_serialize (v);
}

static guint64
value_number (const GValue * v)
{
  if (G_VALUE_HOLDS_BOOLEAN (v))
    return g_value_get_boolean (v) ? 1 : 0;
  if (G_VALUE_HOLDS_UINT (v))
    return g_value_get_uint (v);
  if (G_VALUE_HOLDS_UINT64 (v))
    return g_value_get_uint64 (v);
  if (G_VALUE_HOLDS_INT (v))
    return (guint64) MAX (g_value_get_int (v), 0);
  if (G_VALUE_HOLDS_ENUM (v))
    return (guint64) g_value_get_enum (v);
  if (G_VALUE_HOLDS_FLAGS (v))
    return g_value_get_flags (v);
  return 0;
}

/* Whether the application's value @app fails to meet the policy's @policy. */
static gboolean
contradicts (GstE2eePolicyMapKind kind, const GValue * app, const GValue * policy)
{
  guint64 a = value_number (app), p = value_number (policy);

  switch (kind) {
    case GST_E2EE_POLICY_MAP_EQUAL:
      return a != p;
    case GST_E2EE_POLICY_MAP_AT_LEAST:
      return a < p;
    case GST_E2EE_POLICY_MAP_AT_MOST:
      return a > p;
    case GST_E2EE_POLICY_MAP_SUITE:
      return !gst_e2ee_policy_cipher_suite_meets_minimum ((GstE2eeCipherSuite) a,
          (GstE2eeCipherSuite) p);
    case GST_E2EE_POLICY_MAP_INTERVAL:
      return p != 0 && (a == 0 || a > p);
  }
  return FALSE;
}

/* ---- Applying ---------------------------------------------------------------------- */

static void
set_for_policy (GstE2eePolicyBinding * b, GParamSpec * pspec, const GValue * pv)
{
  GValue v = G_VALUE_INIT;

  g_value_init (&v, pspec->value_type);
  if (G_VALUE_TYPE (pv) == pspec->value_type)
    g_value_copy (pv, &v);
  else if (!g_value_transform (pv, &v)) {
    GST_WARNING_OBJECT (b->element, "cannot set %s from a %s policy value",
        pspec->name, G_VALUE_TYPE_NAME (pv));
    g_value_unset (&v);
    return;
  }
  g_mutex_lock (&b->lock);
  b->applying = g_thread_self ();
  g_mutex_unlock (&b->lock);
  g_object_set_property (G_OBJECT (b->element), pspec->name, &v);
  g_mutex_lock (&b->lock);
  b->applying = NULL;
  g_mutex_unlock (&b->lock);
  g_value_unset (&v);
}

static void
refuse (GstE2eePolicyBinding * b, const GstE2eePolicyMapping * m, const gchar * app,
    const gchar * policy, const gchar * lock)
{
  gchar *text = g_strdup_printf ("%s=%s refused: the policy's %s=%s is %s",
      m->property, app, m->setting, policy, lock);

  g_mutex_lock (&b->lock);
  b->refused++;
  g_mutex_unlock (&b->lock);
  GST_ELEMENT_WARNING_WITH_DETAILS (b->element, RESOURCE, SETTINGS, ("%s", text),
      ("The application's property contradicts a locked encryption policy setting; "
          "the policy's value is in force"),
      ("e2ee-policy", G_TYPE_STRING, "refused", "property", G_TYPE_STRING, m->property,
          "value", G_TYPE_STRING, app, "setting", G_TYPE_STRING, m->setting,
          "policy-value", G_TYPE_STRING, policy, "lock", G_TYPE_STRING, lock, NULL));
  g_free (text);
}

/* Puts one setting of @r into force on its property. */
static void
apply_one (GstE2eePolicyBinding * b, GstE2eeResolvedPolicy * r,
    const GstE2eePolicyMapping * m)
{
  const GValue *pv = gst_structure_get_value (gst_e2ee_resolved_policy_get_settings (r),
      m->setting);
  GParamSpec *pspec = g_object_class_find_property (G_OBJECT_GET_CLASS (b->element),
      m->property);
  GValue av = G_VALUE_INIT;
  gboolean app_set;
  GstE2eePolicyLevel level = GST_E2EE_POLICY_LEVEL_DEFAULT;
  gchar *at, *pt;

  if (pv == NULL || pspec == NULL)
    return;
  g_mutex_lock (&b->lock);
  app_set = g_hash_table_contains (b->app_set, m->property);
  g_hash_table_remove (b->overrides, m->property);
  g_mutex_unlock (&b->lock);
  /* A minimum suite is a floor under the suite in use: a stronger default stays. */
  if (!app_set && m->kind != GST_E2EE_POLICY_MAP_SUITE) {
    set_for_policy (b, pspec, pv);
    return;
  }

  g_value_init (&av, pspec->value_type);
  g_object_get_property (G_OBJECT (b->element), m->property, &av);
  if (!contradicts (m->kind, &av, pv)) {
    g_value_unset (&av);
    return;
  }
  if (!app_set) {
    set_for_policy (b, pspec, pv);
    g_value_unset (&av);
    return;
  }
  at = value_text (&av);
  pt = value_text (pv);
  if (gst_e2ee_resolved_policy_describe_lock (r, m->setting) != NULL) {
    refuse (b, m, at, pt, gst_e2ee_resolved_policy_describe_lock (r, m->setting));
    set_for_policy (b, pspec, pv);
  } else {
    GEnumClass *levels = g_type_class_ref (GST_TYPE_E2EE_POLICY_LEVEL);

    gst_e2ee_resolved_policy_get_origin (r, m->setting, &level, NULL);
    g_mutex_lock (&b->lock);
    g_hash_table_insert (b->overrides, g_strdup (m->property),
        g_strdup_printf ("%s=%s overrides %s=%s (%s level, not locked)", m->property,
            at, m->setting, pt, g_enum_get_value (levels, level)->value_nick));
    g_mutex_unlock (&b->lock);
    g_type_class_unref (levels);
    GST_INFO_OBJECT (b->element, "%s=%s overrides the unlocked policy %s=%s",
        m->property, at, m->setting, pt);
  }
  g_free (at);
  g_free (pt);
  g_value_unset (&av);
}

static const GstE2eePolicyMapping *
find_mapping (GstE2eePolicyBinding * b, const gchar * property)
{
  guint i;

  for (i = 0; i < b->n_map; i++)
    if (g_str_equal (b->map[i].property, property))
      return &b->map[i];
  return NULL;
}

static GstE2eeResolvedPolicy *
current (GstE2eePolicyBinding * b)
{
  GstE2eeResolvedPolicy *r;

  g_mutex_lock (&b->lock);
  r = b->resolved ? gst_e2ee_resolved_policy_ref (b->resolved) : NULL;
  g_mutex_unlock (&b->lock);
  return r;
}

/* A property set by anyone but the binding is the application's: checked at once
 * against the policy in force. */
static void
on_notify (GObject * object, GParamSpec * pspec, GstE2eePolicyBinding * b)
{
  const GstE2eePolicyMapping *m = find_mapping (b, pspec->name);
  GstE2eeResolvedPolicy *r;

  if (m == NULL)
    return;
  g_mutex_lock (&b->lock);
  if (b->applying == g_thread_self ()) {
    g_mutex_unlock (&b->lock);
    return;
  }
  g_hash_table_add (b->app_set, g_strdup (pspec->name));
  g_mutex_unlock (&b->lock);
  r = current (b);
  if (r != NULL) {
    apply_one (b, r, m);
    gst_e2ee_resolved_policy_unref (r);
  }
}

static void
on_changed (GstE2eePolicy * policy, GstE2eePolicyBinding * b)
{
  GST_INFO_OBJECT (b->element, "policy %s changed: in force from the next meeting event",
      gst_e2ee_policy_get_path (policy));
  g_atomic_int_set (&b->pending, 1);
}

/* Replaces the policy; called with the lock held. */
static void
set_policy_locked (GstE2eePolicyBinding * b, GstE2eePolicy * policy)
{
  if (b->policy == policy) {
    if (policy)
      g_object_unref (policy);
    return;
  }
  if (b->policy) {
    g_signal_handler_disconnect (b->policy, b->changed_id);
    g_object_unref (b->policy);
  }
  b->policy = policy;
  b->changed_id = policy ? g_signal_connect (policy, "changed",
      G_CALLBACK (on_changed), b) : 0;
  g_atomic_int_set (&b->pending, 1);
}

/* ---- API for the elements -------------------------------------------------------- */

GstE2eePolicyBinding *
gst_e2ee_policy_binding_new (GstElement * element, const GstE2eePolicyMapping * map,
    guint n_map)
{
  GstE2eePolicyBinding *b = g_new0 (GstE2eePolicyBinding, 1);

  if (g_once_init_enter (&policy_binding_debug)) {
    GstDebugCategory *cat = NULL;

    GST_DEBUG_CATEGORY_INIT (cat, "e2eepolicybinding", 0,
        "how gst-e2ee elements enforce the encryption policy");
    g_once_init_leave (&policy_binding_debug, cat);
  }
  b->element = element;
  b->map = map;
  b->n_map = n_map;
  g_mutex_init (&b->lock);
  b->app_set = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  b->overrides = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  b->notify_id = g_signal_connect (element, "notify", G_CALLBACK (on_notify), b);
  return b;
}

void
gst_e2ee_policy_binding_free (GstE2eePolicyBinding * b)
{
  /* Gone already when the element's dispose ran. */
  if (g_signal_handler_is_connected (b->element, b->notify_id))
    g_signal_handler_disconnect (b->element, b->notify_id);
  set_policy_locked (b, NULL);
  g_clear_pointer (&b->resolved, gst_e2ee_resolved_policy_unref);
  g_hash_table_unref (b->app_set);
  g_hash_table_unref (b->overrides);
  g_free (b->file);
  g_free (b->group);
  g_free (b->user);
  g_free (b->ctx_group);
  g_free (b->ctx_user);
  g_mutex_clear (&b->lock);
  g_free (b);
}

/* The properties' documentation, one set per element that installs them. */

/**
 * GstSrtpGuard:policy:
 *
 * The encryption policy (docs/policy.md) the element enforces: set by the
 * application, or the one #GstSrtpGuard:policy-file loaded or a `gst.e2ee.policy`
 * context brought (%GST_E2EE_POLICY_CONTEXT_TYPE). A policy of the element's own
 * wins over a context.
 *
 * Since: 0.1
 */
/**
 * GstSrtpGuard:policy-file:
 *
 * A policy file, read when the element starts. A refused file stops the element with
 * an error naming each problem's FILE:LINE. The policy is shared with the whole
 * pipeline through a `gst.e2ee.policy` context, so one element's policy-file on a
 * gst-launch line serves all.
 *
 * Since: 0.1
 */
/**
 * GstSrtpGuard:policy-group:
 *
 * The `[group:NAME]` the policy is resolved for; %NULL takes the group of the policy
 * context, if any.
 *
 * Since: 0.1
 */
/**
 * GstSrtpGuard:policy-user:
 *
 * The `[user:NAME]` the policy is resolved for; %NULL takes the user of the policy
 * context, if any.
 *
 * Since: 0.1
 */
/**
 * GstE2eeEnc:policy:
 *
 * The encryption policy (docs/policy.md) the element enforces: set by the
 * application, or the one #GstE2eeEnc:policy-file loaded or a `gst.e2ee.policy`
 * context brought (%GST_E2EE_POLICY_CONTEXT_TYPE). A policy of the element's own
 * wins over a context.
 *
 * Since: 0.1
 */
/**
 * GstE2eeEnc:policy-file:
 *
 * A policy file, read when the element starts. A refused file stops the element with
 * an error naming each problem's FILE:LINE. The policy is shared with the whole
 * pipeline through a `gst.e2ee.policy` context, so one element's policy-file on a
 * gst-launch line serves all.
 *
 * Since: 0.1
 */
/**
 * GstE2eeEnc:policy-group:
 *
 * The `[group:NAME]` the policy is resolved for; %NULL takes the group of the policy
 * context, if any.
 *
 * Since: 0.1
 */
/**
 * GstE2eeEnc:policy-user:
 *
 * The `[user:NAME]` the policy is resolved for; %NULL takes the user of the policy
 * context, if any.
 *
 * Since: 0.1
 */
/**
 * GstE2eeDec:policy:
 *
 * The encryption policy (docs/policy.md) the element enforces: set by the
 * application, or the one #GstE2eeDec:policy-file loaded or a `gst.e2ee.policy`
 * context brought (%GST_E2EE_POLICY_CONTEXT_TYPE). A policy of the element's own
 * wins over a context.
 *
 * Since: 0.1
 */
/**
 * GstE2eeDec:policy-file:
 *
 * A policy file, read when the element starts. A refused file stops the element with
 * an error naming each problem's FILE:LINE. The policy is shared with the whole
 * pipeline through a `gst.e2ee.policy` context, so one element's policy-file on a
 * gst-launch line serves all.
 *
 * Since: 0.1
 */
/**
 * GstE2eeDec:policy-group:
 *
 * The `[group:NAME]` the policy is resolved for; %NULL takes the group of the policy
 * context, if any.
 *
 * Since: 0.1
 */
/**
 * GstE2eeDec:policy-user:
 *
 * The `[user:NAME]` the policy is resolved for; %NULL takes the user of the policy
 * context, if any.
 *
 * Since: 0.1
 */
/**
 * GstEncStatus:policy:
 *
 * The encryption policy (docs/policy.md) the element enforces: set by the
 * application, or the one #GstEncStatus:policy-file loaded or a `gst.e2ee.policy`
 * context brought (%GST_E2EE_POLICY_CONTEXT_TYPE). A policy of the element's own
 * wins over a context.
 *
 * Since: 0.1
 */
/**
 * GstEncStatus:policy-file:
 *
 * A policy file, read when the element starts. A refused file stops the element with
 * an error naming each problem's FILE:LINE. The policy is shared with the whole
 * pipeline through a `gst.e2ee.policy` context, so one element's policy-file on a
 * gst-launch line serves all.
 *
 * Since: 0.1
 */
/**
 * GstEncStatus:policy-group:
 *
 * The `[group:NAME]` the policy is resolved for; %NULL takes the group of the policy
 * context, if any.
 *
 * Since: 0.1
 */
/**
 * GstEncStatus:policy-user:
 *
 * The `[user:NAME]` the policy is resolved for; %NULL takes the user of the policy
 * context, if any.
 *
 * Since: 0.1
 */

void
gst_e2ee_policy_binding_install_properties (GObjectClass * klass, guint first_id)
{
  const GParamFlags flags = G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS |
      GST_PARAM_MUTABLE_READY;

  g_object_class_install_property (klass, first_id + GST_E2EE_POLICY_PROP_POLICY,
      g_param_spec_object ("policy", "Policy",
          "The encryption policy this element enforces (also what policy-file loaded "
          "or a gst.e2ee.policy context brought); NULL: none", GST_E2EE_TYPE_POLICY,
          flags));
  g_object_class_install_property (klass, first_id + GST_E2EE_POLICY_PROP_FILE,
      g_param_spec_string ("policy-file", "Policy file",
          "Encryption policy file (docs/policy.md) read when the element starts and "
          "shared with the whole pipeline through a gst.e2ee.policy context; NULL: "
          "none", NULL, flags | GST_PARAM_DOC_SHOW_DEFAULT));
  g_object_class_install_property (klass, first_id + GST_E2EE_POLICY_PROP_GROUP,
      g_param_spec_string ("policy-group", "Policy group",
          "The [group:NAME] the policy is resolved for; NULL: the policy context's "
          "group, or none", NULL, flags | GST_PARAM_DOC_SHOW_DEFAULT));
  g_object_class_install_property (klass, first_id + GST_E2EE_POLICY_PROP_USER,
      g_param_spec_string ("policy-user", "Policy user",
          "The [user:NAME] the policy is resolved for; NULL: the policy context's "
          "user, or none", NULL, flags | GST_PARAM_DOC_SHOW_DEFAULT));
}

gboolean
gst_e2ee_policy_binding_set_property (GstE2eePolicyBinding * b, guint prop_id,
    const GValue * value)
{
  g_mutex_lock (&b->lock);
  switch (prop_id) {
    case GST_E2EE_POLICY_PROP_POLICY:
      set_policy_locked (b, g_value_dup_object (value));
      b->own = b->policy != NULL;
      break;
    case GST_E2EE_POLICY_PROP_FILE:
      g_free (b->file);
      b->file = g_value_dup_string (value);
      break;
    case GST_E2EE_POLICY_PROP_GROUP:
      g_free (b->group);
      b->group = g_value_dup_string (value);
      g_atomic_int_set (&b->pending, 1);
      break;
    case GST_E2EE_POLICY_PROP_USER:
      g_free (b->user);
      b->user = g_value_dup_string (value);
      g_atomic_int_set (&b->pending, 1);
      break;
    default:
      g_mutex_unlock (&b->lock);
      return FALSE;
  }
  g_mutex_unlock (&b->lock);
  return TRUE;
}

gboolean
gst_e2ee_policy_binding_get_property (GstE2eePolicyBinding * b, guint prop_id,
    GValue * value)
{
  g_mutex_lock (&b->lock);
  switch (prop_id) {
    case GST_E2EE_POLICY_PROP_POLICY:
      g_value_set_object (value, b->policy);
      break;
    case GST_E2EE_POLICY_PROP_FILE:
      g_value_set_string (value, b->file);
      break;
    case GST_E2EE_POLICY_PROP_GROUP:
      g_value_set_string (value, b->group);
      break;
    case GST_E2EE_POLICY_PROP_USER:
      g_value_set_string (value, b->user);
      break;
    default:
      g_mutex_unlock (&b->lock);
      return FALSE;
  }
  g_mutex_unlock (&b->lock);
  return TRUE;
}

/* A context brings the pipeline's policy, unless the element has its own. */
void
gst_e2ee_policy_binding_set_context (GstE2eePolicyBinding * b, GstContext * context)
{
  gchar *group = NULL, *user = NULL;
  GstE2eePolicy *policy;

  if (context == NULL)
    return;
  policy = gst_e2ee_policy_from_context (context, &group, &user);
  if (policy == NULL)
    return;
  g_mutex_lock (&b->lock);
  if (b->own) {
    g_mutex_unlock (&b->lock);
    g_object_unref (policy);
    g_free (group);
    g_free (user);
    return;
  }
  GST_DEBUG_OBJECT (b->element, "policy %s from a context",
      gst_e2ee_policy_get_path (policy));
  set_policy_locked (b, policy);
  g_free (b->ctx_group);
  g_free (b->ctx_user);
  b->ctx_group = group;
  b->ctx_user = user;
  g_atomic_int_set (&b->pending, 1);
  g_mutex_unlock (&b->lock);
}

static void
post_warnings (GstE2eePolicyBinding * b, GstE2eeResolvedPolicy * r)
{
  const gchar *const *w = gst_e2ee_resolved_policy_get_warnings (r);

  for (; w && *w; w++)
    GST_ELEMENT_WARNING_WITH_DETAILS (b->element, RESOURCE, SETTINGS, ("%s", *w),
        (NULL), ("e2ee-policy", G_TYPE_STRING, "warning", "warning", G_TYPE_STRING, *w, NULL));
}

/* Shares @policy with every element of the pipeline, those that started before this
 * one included: a context set on the top-level bin reaches all its children, and the
 * `have-context` message tells the application. */
static void
share (GstE2eePolicyBinding * b, GstE2eePolicy * policy)
{
  GstContext *context;
  GstObject *top = gst_object_ref (GST_OBJECT (b->element)), *parent;

  g_mutex_lock (&b->lock);
  context = gst_e2ee_policy_context_new (policy, b->group, b->user);
  g_mutex_unlock (&b->lock);
  while ((parent = gst_object_get_parent (top)) != NULL) {
    gst_object_unref (top);
    top = parent;
  }
  if (top != GST_OBJECT (b->element) && GST_IS_ELEMENT (top))
    gst_element_set_context (GST_ELEMENT (top), context);
  gst_object_unref (top);
  gst_element_post_message (b->element,
      gst_message_new_have_context (GST_OBJECT (b->element), context));
}

/* At NULL to READY: reads `policy-file`, or asks the pipeline for its policy. */
gboolean
gst_e2ee_policy_binding_start (GstE2eePolicyBinding * b)
{
  GError *error = NULL;
  GstE2eePolicy *policy;
  gchar *file;
  gboolean have, loaded;

  g_mutex_lock (&b->lock);
  file = g_strdup (b->file);
  loaded = file && b->policy && b->own &&
      g_strcmp0 (gst_e2ee_policy_get_path (b->policy), file) == 0;
  have = b->policy != NULL;
  g_mutex_unlock (&b->lock);

  if (file && !loaded) {
    policy = gst_e2ee_policy_new_from_file (file, &error);
    if (policy == NULL) {
      GST_ELEMENT_ERROR (b->element, RESOURCE, SETTINGS,
          ("Policy file refused:\n%s", error->message),
          ("policy-file=%s: nothing of the file is in force", file));
      g_error_free (error);
      g_free (file);
      return FALSE;
    }
    g_mutex_lock (&b->lock);
    set_policy_locked (b, g_object_ref (policy));
    b->own = TRUE;
    g_mutex_unlock (&b->lock);
    share (b, policy);
    g_object_unref (policy);
  } else if (!have) {
    gst_element_post_message (b->element,
        gst_message_new_need_context (GST_OBJECT (b->element),
            GST_E2EE_POLICY_CONTEXT_TYPE));
  }
  g_free (file);
  gst_e2ee_policy_binding_sync (b);
  return TRUE;
}

/* A meeting event: puts a new or reloaded policy into force. Returns TRUE if it did. */
gboolean
gst_e2ee_policy_binding_sync (GstE2eePolicyBinding * b)
{
  GstE2eeResolvedPolicy *r, *old;
  gboolean own;
  guint i;

  if (!g_atomic_int_compare_and_exchange (&b->pending, 1, 0))
    return FALSE;
  g_mutex_lock (&b->lock);
  if (b->policy == NULL) {
    old = b->resolved;
    b->resolved = NULL;
    g_mutex_unlock (&b->lock);
    if (old)
      gst_e2ee_resolved_policy_unref (old);
    return old != NULL;
  }
  r = gst_e2ee_policy_resolve (b->policy, b->group ? b->group : b->ctx_group,
      b->user ? b->user : b->ctx_user);
  old = b->resolved;
  b->resolved = gst_e2ee_resolved_policy_ref (r);
  own = b->own;
  g_mutex_unlock (&b->lock);
  if (old)
    gst_e2ee_resolved_policy_unref (old);

  GST_INFO_OBJECT (b->element, "policy in force: %" GST_PTR_FORMAT,
      gst_e2ee_resolved_policy_get_settings (r));
  /* The element that read the file tells what it ignored; the others would repeat it. */
  if (own)
    post_warnings (b, r);
  for (i = 0; i < b->n_map; i++)
    apply_one (b, r, &b->map[i]);
  gst_e2ee_resolved_policy_unref (r);
  return TRUE;
}

GstE2eeResolvedPolicy *
gst_e2ee_policy_binding_get (GstE2eePolicyBinding * b)
{
  return current (b);
}

static gint
compare_strings (gconstpointer a, gconstpointer b)
{
  return g_strcmp0 (*(const gchar * const *) a, *(const gchar * const *) b);
}

/* `policy` (the file, "" for none), `policy-overrides` (the application's values the
 * unlocked policy let stand) and `policy-refused` (values refused under a lock). */
void
gst_e2ee_policy_binding_add_stats (GstE2eePolicyBinding * b, GstStructure * stats)
{
  GValue overrides = G_VALUE_INIT, v = G_VALUE_INIT;
  GPtrArray *texts = g_ptr_array_new_with_free_func (g_free);
  GHashTableIter iter;
  gpointer text;
  const gchar *path = "";
  guint refused, i;

  g_mutex_lock (&b->lock);
  if (b->resolved && b->policy && gst_e2ee_policy_get_path (b->policy))
    path = gst_e2ee_policy_get_path (b->policy);
  gst_structure_set (stats, "policy", G_TYPE_STRING, path, NULL);
  g_hash_table_iter_init (&iter, b->overrides);
  while (g_hash_table_iter_next (&iter, NULL, &text))
    g_ptr_array_add (texts, g_strdup (text));
  refused = b->refused;
  g_mutex_unlock (&b->lock);

  g_ptr_array_sort (texts, compare_strings);
  g_value_init (&overrides, GST_TYPE_ARRAY);
  for (i = 0; i < texts->len; i++) {
    g_value_init (&v, G_TYPE_STRING);
    g_value_set_string (&v, g_ptr_array_index (texts, i));
    gst_value_array_append_and_take_value (&overrides, &v);
  }
  g_ptr_array_unref (texts);
  gst_structure_take_value (stats, "policy-overrides", &overrides);
  gst_structure_set (stats, "policy-refused", G_TYPE_UINT, refused, NULL);
}
