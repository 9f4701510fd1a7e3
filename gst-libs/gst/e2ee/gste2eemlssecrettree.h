/* gst-e2ee: the MLS secret tree and its per-sender ratchets (RFC 9420 §9).
 * Internal until the public MLS API exists: not installed and not part of the GIR.
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include "gste2eemlssuite.h"

G_BEGIN_DECLS

/* How far a receiver follows a sender's ratchet: a generation more than
 * MAX_FORWARD_DISTANCE past the next expected one is refused (a forged generation
 * would otherwise cost 2^32 derivations), and the keys of up to OUT_OF_ORDER_TOLERANCE
 * skipped generations are kept for late messages, the oldest dropped first. */
#define GST_E2EE_MLS_MAX_FORWARD_DISTANCE 1024u
#define GST_E2EE_MLS_OUT_OF_ORDER_TOLERANCE 32u

typedef enum
{
  GST_E2EE_MLS_RATCHET_HANDSHAKE,
  GST_E2EE_MLS_RATCHET_APPLICATION,
} GstE2eeMlsRatchetType;

typedef struct _GstE2eeMlsSecretTree GstE2eeMlsSecretTree;

GstE2eeMlsSecretTree * gst_e2ee_mls_secret_tree_new (const GstE2eeMlsSuite *s,
                                                     const guint8 *encryption_secret,
                                                     guint32 n_leaves, GError **error);
void     gst_e2ee_mls_secret_tree_free (GstE2eeMlsSecretTree *tree);
guint32  gst_e2ee_mls_secret_tree_n_leaves (const GstE2eeMlsSecretTree *tree);
gboolean gst_e2ee_mls_secret_tree_get  (GstE2eeMlsSecretTree *tree, guint32 leaf,
                                        GstE2eeMlsRatchetType type, guint32 generation,
                                        guint8 *key, guint8 *nonce, GError **error);
void     gst_e2ee_mls_secret_tree_put_back (GstE2eeMlsSecretTree *tree, guint32 leaf,
                                            GstE2eeMlsRatchetType type, guint32 generation,
                                            const guint8 *key, const guint8 *nonce);
gboolean gst_e2ee_mls_secret_tree_next (GstE2eeMlsSecretTree *tree, guint32 leaf,
                                        GstE2eeMlsRatchetType type, guint32 *generation,
                                        guint8 *key, guint8 *nonce, GError **error);

G_END_DECLS
