/* gst-e2ee: the sender-data key and nonce of RFC 9420 §6.3.2.
 * Internal until the public MLS API exists: not installed and not part of the GIR.
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include "gste2eemlssuite.h"

G_BEGIN_DECLS

gboolean gst_e2ee_mls_sender_data_key_nonce (const GstE2eeMlsSuite *s,
                                             const guint8 *sender_data_secret,
                                             const guint8 *ciphertext,
                                             gsize ciphertext_len, guint8 *key,
                                             guint8 *nonce, GError **error);

G_END_DECLS
