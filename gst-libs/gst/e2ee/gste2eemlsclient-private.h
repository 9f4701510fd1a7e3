/* gst-e2ee: what GstE2eeMlsGroup needs of a GstE2eeMlsClient (not installed).
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include "gste2eemlsclient.h"
#include "gste2eemlsstate.h"

G_BEGIN_DECLS

G_GNUC_INTERNAL
const guint8 * gst_e2ee_mls_client_get_signature_private_key (GstE2eeMlsClient *client,
                                                              gsize *len);
/* The key packages a Welcome may be for, in an array the client owns. */
G_GNUC_INTERNAL
const GstE2eeMlsJoinCandidate * gst_e2ee_mls_client_get_candidates (GstE2eeMlsClient *client,
                                                                    guint *n);
/* Forgets (and wipes the private keys of) the key package a Welcome used. */
G_GNUC_INTERNAL
void     gst_e2ee_mls_client_consume_key_package (GstE2eeMlsClient *client, guint index);

G_END_DECLS
