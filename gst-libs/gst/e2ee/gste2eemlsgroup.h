/* gst-e2ee: an MLS (RFC 9420) group as one member sees it.
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <gst/e2ee/e2ee-prelude.h>
#include <gst/e2ee/gste2eemlserror.h>
#include <gst/e2ee/gste2eemlsclient.h>

G_BEGIN_DECLS

/**
 * GstE2eeMlsMessageKind:
 * @GST_E2EE_MLS_MESSAGE_KIND_NONE: nothing: the message was refused (the #GError
 *   says why) and the group is unchanged.
 * @GST_E2EE_MLS_MESSAGE_KIND_COMMIT: a commit: the group moved to the next epoch
 *   (its members, exporter and epoch authenticator changed).
 * @GST_E2EE_MLS_MESSAGE_KIND_PROPOSAL: a proposal, kept until a commit covers it or
 *   the epoch ends.
 * @GST_E2EE_MLS_MESSAGE_KIND_APPLICATION: application data from a member.
 *
 * What gst_e2ee_mls_group_handle() found in a message.
 *
 * Since: 0.1
 */
typedef enum {
  GST_E2EE_MLS_MESSAGE_KIND_NONE = 0,        /*< nick=none >*/
  GST_E2EE_MLS_MESSAGE_KIND_COMMIT = 1,      /*< nick=commit >*/
  GST_E2EE_MLS_MESSAGE_KIND_PROPOSAL = 2,    /*< nick=proposal >*/
  GST_E2EE_MLS_MESSAGE_KIND_APPLICATION = 3, /*< nick=application >*/
} GstE2eeMlsMessageKind;

/**
 * GST_E2EE_TYPE_MLS_MEMBER:
 *
 * The #GType of #GstE2eeMlsMember.
 *
 * Since: 0.1
 */
#define GST_E2EE_TYPE_MLS_MEMBER (gst_e2ee_mls_member_get_type ())

/**
 * GstE2eeMlsMember:
 *
 * One member of a group at one epoch: its leaf index, its credential's identity and
 * its signature public key. A copy: it does not follow the group.
 *
 * Since: 0.1
 */
typedef struct _GstE2eeMlsMember GstE2eeMlsMember;

GST_E2EE_API
GType    gst_e2ee_mls_member_get_type (void);

GST_E2EE_API
GstE2eeMlsMember * gst_e2ee_mls_member_copy (const GstE2eeMlsMember *member);

GST_E2EE_API
void     gst_e2ee_mls_member_free (GstE2eeMlsMember *member);

GST_E2EE_API
guint32  gst_e2ee_mls_member_get_leaf_index (const GstE2eeMlsMember *member);

GST_E2EE_API
GBytes * gst_e2ee_mls_member_get_identity (const GstE2eeMlsMember *member);

GST_E2EE_API
GBytes * gst_e2ee_mls_member_get_signature_key (const GstE2eeMlsMember *member);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (GstE2eeMlsMember, gst_e2ee_mls_member_free)

/**
 * GST_E2EE_TYPE_MLS_GROUP:
 *
 * The #GType of #GstE2eeMlsGroup.
 *
 * Since: 0.1
 */
#define GST_E2EE_TYPE_MLS_GROUP (gst_e2ee_mls_group_get_type ())

/**
 * GstE2eeMlsGroup:
 *
 * An MLS group (cipher suite 1) as one member sees it. Every operation is atomic:
 * one that fails leaves the group exactly as it was. Not thread-safe: use a group
 * from one thread at a time.
 *
 * Since: 0.1
 */
GST_E2EE_API
G_DECLARE_FINAL_TYPE (GstE2eeMlsGroup, gst_e2ee_mls_group, GST_E2EE, MLS_GROUP, GObject)

/* Creating and joining */
GST_E2EE_API
GstE2eeMlsGroup * gst_e2ee_mls_group_create (GstE2eeMlsClient *client, GBytes *group_id,
                                             GError **error);

GST_E2EE_API
GstE2eeMlsGroup * gst_e2ee_mls_group_join (GstE2eeMlsClient *client, GBytes *welcome,
                                           GBytes *ratchet_tree, GError **error);

/* Changing the group: each returns the commit to send to the other members and moves
 * this member to the next epoch at once. */
GST_E2EE_API
GBytes * gst_e2ee_mls_group_add (GstE2eeMlsGroup *group, GBytes *key_package,
                                 GBytes **welcome, GError **error);

GST_E2EE_API
GBytes * gst_e2ee_mls_group_remove (GstE2eeMlsGroup *group, guint32 leaf_index,
                                    GError **error);

GST_E2EE_API
GBytes * gst_e2ee_mls_group_update (GstE2eeMlsGroup *group, GError **error);

/* Proposals, committed later by gst_e2ee_mls_group_commit() (any member's). */
GST_E2EE_API
GBytes * gst_e2ee_mls_group_propose_add (GstE2eeMlsGroup *group, GBytes *key_package,
                                         GError **error);

GST_E2EE_API
GBytes * gst_e2ee_mls_group_propose_remove (GstE2eeMlsGroup *group, guint32 leaf_index,
                                            GError **error);

GST_E2EE_API
GBytes * gst_e2ee_mls_group_propose_update (GstE2eeMlsGroup *group, GError **error);

GST_E2EE_API
guint    gst_e2ee_mls_group_get_n_pending_proposals (GstE2eeMlsGroup *group);

GST_E2EE_API
GBytes * gst_e2ee_mls_group_commit (GstE2eeMlsGroup *group, GBytes **welcome,
                                    GError **error);

/* Receiving */
GST_E2EE_API
GstE2eeMlsMessageKind gst_e2ee_mls_group_handle (GstE2eeMlsGroup *group, GBytes *message,
                                                 GBytes **application_data,
                                                 GError **error);

/* Application data */
GST_E2EE_API
GBytes * gst_e2ee_mls_group_protect (GstE2eeMlsGroup *group, GBytes *application_data,
                                     GError **error);

GST_E2EE_API
GBytes * gst_e2ee_mls_group_unprotect (GstE2eeMlsGroup *group, GBytes *message,
                                       GError **error);

GST_E2EE_API
GBytes * gst_e2ee_mls_group_export_secret (GstE2eeMlsGroup *group, const gchar *label,
                                           GBytes *context, gsize length,
                                           GError **error);

/* State */
GST_E2EE_API
GBytes * gst_e2ee_mls_group_get_group_id (GstE2eeMlsGroup *group);

GST_E2EE_API
guint64  gst_e2ee_mls_group_get_epoch (GstE2eeMlsGroup *group);

GST_E2EE_API
guint32  gst_e2ee_mls_group_get_own_leaf_index (GstE2eeMlsGroup *group);

GST_E2EE_API
gboolean gst_e2ee_mls_group_is_active (GstE2eeMlsGroup *group);

GST_E2EE_API
GPtrArray * gst_e2ee_mls_group_get_members (GstE2eeMlsGroup *group);

GST_E2EE_API
GBytes * gst_e2ee_mls_group_get_epoch_authenticator (GstE2eeMlsGroup *group);

GST_E2EE_API
GBytes * gst_e2ee_mls_group_get_ratchet_tree (GstE2eeMlsGroup *group);

GST_E2EE_API
GBytes * gst_e2ee_mls_group_get_group_info (GstE2eeMlsGroup *group, GError **error);

GST_E2EE_API
void     gst_e2ee_mls_group_set_ratchet_tree_extension (GstE2eeMlsGroup *group,
                                                        gboolean enabled);

GST_E2EE_API
gboolean gst_e2ee_mls_group_get_ratchet_tree_extension (GstE2eeMlsGroup *group);

GST_E2EE_API
void     gst_e2ee_mls_group_set_membership_proposals (GstE2eeMlsGroup *group,
                                                      gboolean accept);

GST_E2EE_API
gboolean gst_e2ee_mls_group_get_membership_proposals (GstE2eeMlsGroup *group);

GST_E2EE_API
void     gst_e2ee_mls_group_set_committer (GstE2eeMlsGroup *group, guint32 leaf_index);

GST_E2EE_API
guint32  gst_e2ee_mls_group_get_committer (GstE2eeMlsGroup *group);

G_END_DECLS
