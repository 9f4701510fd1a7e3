/* gst-e2ee: the MLS group state machine (RFC 9420 §11-§12): one member's view of a
 * group at one epoch, and the operations that move it to the next.
 * Internal: the public API is GstE2eeMlsGroup, a thin wrapper over this.
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include "gste2eemlskeypackage.h"
#include "gste2eemlskeyschedule.h"
#include "gste2eemlsproposal.h"
#include "gste2eemlstree.h"

G_BEGIN_DECLS

typedef struct _GstE2eeMlsState GstE2eeMlsState;

/* A key package the joiner may be welcomed with and its private keys (borrowed). */
typedef struct
{
  GstE2eeMlsKeyPackage *key_package;
  const GstE2eeMlsKeyPackagePrivate *priv;
} GstE2eeMlsJoinCandidate;

/* The capabilities and lifetime this engine puts in its own leaf nodes. */
void     gst_e2ee_mls_state_default_leaf (GstE2eeMlsLeafNodeFields *f,
                                          const guint8 *identity, gsize identity_len,
                                          const guint8 *signature_key,
                                          gsize signature_key_len);

GstE2eeMlsState * gst_e2ee_mls_state_create (const GstE2eeMlsSuite *s,
                                             const guint8 *group_id, gsize group_id_len,
                                             const guint8 *identity, gsize identity_len,
                                             const guint8 *sig_sk, gsize sig_sk_len,
                                             GError **error);
/* *used receives the index of the candidate the Welcome was for. ratchet_tree: the
 * ratchet_tree extension's data given out of band, or NULL. now: seconds since the
 * epoch for the lifetime of key packages added later, 0 not to check lifetimes. */
GstE2eeMlsState * gst_e2ee_mls_state_join (const guint8 *welcome, gsize welcome_len,
                                           const guint8 *ratchet_tree, gsize tree_len,
                                           const GstE2eeMlsJoinCandidate *candidates,
                                           guint n_candidates, const guint8 *sig_sk,
                                           gsize sig_sk_len, guint *used,
                                           GError **error);
void     gst_e2ee_mls_state_free (GstE2eeMlsState *st);

/* Whether key package lifetimes are checked against the clock (default TRUE). */
void     gst_e2ee_mls_state_set_check_lifetimes (GstE2eeMlsState *st, gboolean check);
/* Whether Add and Remove proposals from other members are taken (default TRUE);
 * when not, handling one fails with GST_E2EE_MLS_ERROR_NOT_PERMITTED. */
void     gst_e2ee_mls_state_set_membership_proposals (GstE2eeMlsState *st,
                                                      gboolean accept);
/* The only leaf whose commits are applied (G_MAXUINT32, the default: any member's);
 * another's fails with GST_E2EE_MLS_ERROR_NOT_PERMITTED. */
void     gst_e2ee_mls_state_set_committer (GstE2eeMlsState *st, guint32 leaf);

/* Proposals: each returns the MLSMessage to send and keeps the proposal pending. */
GBytes * gst_e2ee_mls_state_propose_add    (GstE2eeMlsState *st, const guint8 *key_package,
                                            gsize len, GError **error);
GBytes * gst_e2ee_mls_state_propose_remove (GstE2eeMlsState *st, guint32 leaf,
                                            GError **error);
GBytes * gst_e2ee_mls_state_propose_update (GstE2eeMlsState *st, GError **error);
guint    gst_e2ee_mls_state_n_pending      (const GstE2eeMlsState *st);

/* A commit of every pending proposal (by reference) and of inline (Add or Remove),
 * with a full UpdatePath, applied to st at once. *welcome (may be NULL) receives the
 * Welcome when members are added, else NULL. with_ratchet_tree: put the ratchet_tree
 * extension into the Welcome's GroupInfo. */
GBytes * gst_e2ee_mls_state_commit (GstE2eeMlsState *st, const GstE2eeMlsProposal *inline_proposals,
                                    guint n_inline, gboolean with_ratchet_tree,
                                    GBytes **welcome, GError **error);

/* Handles an MLSMessage(PublicMessage or PrivateMessage). *content_type receives the
 * GstE2eeMlsContentType, *application_data (may be NULL) the data of an application
 * message. On failure st is unchanged. */
gboolean gst_e2ee_mls_state_handle (GstE2eeMlsState *st, const guint8 *message, gsize len,
                                    guint8 *content_type, guint32 *sender,
                                    GBytes **application_data, GError **error);

GBytes * gst_e2ee_mls_state_protect (GstE2eeMlsState *st, const guint8 *data, gsize len,
                                     GError **error);

gboolean gst_e2ee_mls_state_export (const GstE2eeMlsState *st, const guint8 *label,
                                    gsize label_len, const guint8 *context,
                                    gsize context_len, guint8 *out, gsize out_len,
                                    GError **error);

const GstE2eeMlsSuite * gst_e2ee_mls_state_suite (const GstE2eeMlsState *st);
gboolean gst_e2ee_mls_state_is_active (const GstE2eeMlsState *st);
guint64  gst_e2ee_mls_state_epoch (const GstE2eeMlsState *st);
guint32  gst_e2ee_mls_state_own_leaf (const GstE2eeMlsState *st);
const guint8 * gst_e2ee_mls_state_group_id (const GstE2eeMlsState *st, gsize *len);
const GstE2eeMlsTree * gst_e2ee_mls_state_tree (const GstE2eeMlsState *st);
/* nh bytes; NULL when the member was removed. */
const guint8 * gst_e2ee_mls_state_epoch_authenticator (const GstE2eeMlsState *st);
GBytes * gst_e2ee_mls_state_ratchet_tree (const GstE2eeMlsState *st, GError **error);
/* MLSMessage(GroupInfo) of the current epoch, signed now; with_ratchet_tree as for
 * gst_e2ee_mls_state_commit(). */
GBytes * gst_e2ee_mls_state_group_info (const GstE2eeMlsState *st,
                                        gboolean with_ratchet_tree, GError **error);

G_END_DECLS
