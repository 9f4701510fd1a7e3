/* gst-e2ee: encryption policy with account, group and user levels and locks
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <gst/e2ee/e2ee-prelude.h>
#include <gst/e2ee/gste2eesframe.h>

G_BEGIN_DECLS

/**
 * GstE2eePolicyLevel:
 * @GST_E2EE_POLICY_LEVEL_DEFAULT: the library's built-in default: no level of the file
 *   sets the value.
 * @GST_E2EE_POLICY_LEVEL_ACCOUNT: the `[account]` section.
 * @GST_E2EE_POLICY_LEVEL_GROUP: a `[group:NAME]` section.
 * @GST_E2EE_POLICY_LEVEL_USER: a `[user:NAME]` section.
 *
 * Where an effective policy setting comes from. A lower level (group below account,
 * user below group) overrides a higher one unless the higher one locks the setting.
 *
 * Since: 0.1
 */
typedef enum {
  GST_E2EE_POLICY_LEVEL_DEFAULT, /*< nick=default >*/
  GST_E2EE_POLICY_LEVEL_ACCOUNT, /*< nick=account >*/
  GST_E2EE_POLICY_LEVEL_GROUP,   /*< nick=group >*/
  GST_E2EE_POLICY_LEVEL_USER,    /*< nick=user >*/
} GstE2eePolicyLevel;

/**
 * GstE2eeStreamKinds:
 * @GST_E2EE_STREAM_KINDS_NONE: no kind.
 * @GST_E2EE_STREAM_KINDS_PSTN: a telephone (PSTN) dial-in or call-out leg.
 * @GST_E2EE_STREAM_KINDS_SIP: a SIP room system or phone.
 * @GST_E2EE_STREAM_KINDS_H323: an H.323 room system.
 * @GST_E2EE_STREAM_KINDS_RTMP: an RTMP live stream.
 *
 * The kinds of participant or stream that cannot take part in end-to-end encryption:
 * the value of the `allowed-stream-kinds` policy setting.
 *
 * Since: 0.1
 */
typedef enum {
  GST_E2EE_STREAM_KINDS_NONE = 0,      /*< nick=none >*/
  GST_E2EE_STREAM_KINDS_PSTN = 1 << 0, /*< nick=pstn >*/
  GST_E2EE_STREAM_KINDS_SIP = 1 << 1,  /*< nick=sip >*/
  GST_E2EE_STREAM_KINDS_H323 = 1 << 2, /*< nick=h323 >*/
  GST_E2EE_STREAM_KINDS_RTMP = 1 << 3, /*< nick=rtmp >*/
} GstE2eeStreamKinds;

/**
 * GST_E2EE_POLICY_ERROR:
 *
 * The error domain of #GstE2eePolicy; codes are #GstE2eePolicyError.
 *
 * Since: 0.1
 */
#define GST_E2EE_POLICY_ERROR (gst_e2ee_policy_error_quark ())

/**
 * GstE2eePolicyError:
 * @GST_E2EE_POLICY_ERROR_READ: the file cannot be read.
 * @GST_E2EE_POLICY_ERROR_SYNTAX: a line is neither a `[section]`, a `key=value`, a
 *   comment nor empty; a setting outside any section; a section or a key given twice;
 *   text that is not UTF-8.
 * @GST_E2EE_POLICY_ERROR_UNKNOWN_SECTION: a section other than `[account]`,
 *   `[group:NAME]` and `[user:NAME]`.
 * @GST_E2EE_POLICY_ERROR_UNKNOWN_SETTING: a key that is no policy setting.
 * @GST_E2EE_POLICY_ERROR_BAD_VALUE: a value a setting does not accept.
 * @GST_E2EE_POLICY_ERROR_BAD_LOCK: `locked` names an unknown setting, a setting twice,
 *   or a setting its section does not set.
 * @GST_E2EE_POLICY_ERROR_MEMBERSHIP: a user listed in the `members` of two groups, or
 *   twice in one, or `members` outside a `[group:NAME]` section.
 *
 * Why a policy file was refused. The error's message names the file and the line of
 * every problem found, one per line; the code is that of the first.
 *
 * Since: 0.1
 */
typedef enum {
  GST_E2EE_POLICY_ERROR_READ,
  GST_E2EE_POLICY_ERROR_SYNTAX,
  GST_E2EE_POLICY_ERROR_UNKNOWN_SECTION,
  GST_E2EE_POLICY_ERROR_UNKNOWN_SETTING,
  GST_E2EE_POLICY_ERROR_BAD_VALUE,
  GST_E2EE_POLICY_ERROR_BAD_LOCK,
  GST_E2EE_POLICY_ERROR_MEMBERSHIP,
} GstE2eePolicyError;

GST_E2EE_API
GQuark    gst_e2ee_policy_error_quark (void);

/**
 * GstE2eeResolvedPolicy:
 *
 * The effective policy settings for one group and user, with the level each comes
 * from and whether it is locked. Immutable and reference counted.
 *
 * Since: 0.1
 */
typedef struct _GstE2eeResolvedPolicy GstE2eeResolvedPolicy;

#define GST_E2EE_TYPE_RESOLVED_POLICY (gst_e2ee_resolved_policy_get_type ())
GST_E2EE_API
GType     gst_e2ee_resolved_policy_get_type (void);

GST_E2EE_API
GstE2eeResolvedPolicy * gst_e2ee_resolved_policy_ref (GstE2eeResolvedPolicy *resolved);

GST_E2EE_API
void      gst_e2ee_resolved_policy_unref (GstE2eeResolvedPolicy *resolved);

GST_E2EE_API
const GstStructure * gst_e2ee_resolved_policy_get_settings (const GstE2eeResolvedPolicy *resolved);

GST_E2EE_API
gboolean  gst_e2ee_resolved_policy_get_origin (const GstE2eeResolvedPolicy *resolved,
                                               const gchar *setting,
                                               GstE2eePolicyLevel *level,
                                               gboolean *locked);

GST_E2EE_API
const gchar * const * gst_e2ee_resolved_policy_get_warnings (const GstE2eeResolvedPolicy *resolved);

GST_E2EE_API
const gchar * gst_e2ee_resolved_policy_describe_lock (const GstE2eeResolvedPolicy *resolved,
                                                      const gchar *setting);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (GstE2eeResolvedPolicy, gst_e2ee_resolved_policy_unref)

/**
 * GstE2eePolicy:
 *
 * An encryption policy read from a file with `[account]`, `[group:NAME]` and
 * `[user:NAME]` levels and locks.
 *
 * Since: 0.1
 */
#define GST_E2EE_TYPE_POLICY (gst_e2ee_policy_get_type ())
GST_E2EE_API
G_DECLARE_FINAL_TYPE (GstE2eePolicy, gst_e2ee_policy, GST_E2EE, POLICY, GObject)

GST_E2EE_API
GstE2eePolicy * gst_e2ee_policy_new_from_file (const gchar *path, GError **error);

GST_E2EE_API
gboolean  gst_e2ee_policy_reload (GstE2eePolicy *policy, GError **error);

GST_E2EE_API
const gchar * gst_e2ee_policy_get_path (GstE2eePolicy *policy);

GST_E2EE_API
gchar **  gst_e2ee_policy_get_warnings (GstE2eePolicy *policy);

GST_E2EE_API
GstE2eeResolvedPolicy * gst_e2ee_policy_resolve (GstE2eePolicy *policy,
                                                 const gchar *group,
                                                 const gchar *user);

GST_E2EE_API
const gchar * const * gst_e2ee_policy_list_settings (void);

/**
 * GST_E2EE_POLICY_CONTEXT_TYPE:
 *
 * The #GstContext type that shares a #GstE2eePolicy, with the group and user it is
 * resolved for, between the elements of a pipeline: srtpguard, e2eeenc, e2eedec and
 * encstatus read it, and the one given `policy-file` posts it.
 *
 * Since: 0.1
 */
#define GST_E2EE_POLICY_CONTEXT_TYPE "gst.e2ee.policy"

GST_E2EE_API
GstContext * gst_e2ee_policy_context_new (GstE2eePolicy *policy,
                                          const gchar *group,
                                          const gchar *user);

GST_E2EE_API
GstE2eePolicy * gst_e2ee_policy_from_context (GstContext *context,
                                              gchar **group,
                                              gchar **user);

GST_E2EE_API
gboolean  gst_e2ee_policy_cipher_suite_meets_minimum (GstE2eeCipherSuite suite,
                                                      GstE2eeCipherSuite minimum);

G_END_DECLS
