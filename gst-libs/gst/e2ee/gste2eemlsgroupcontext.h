/* gst-e2ee: the GroupContext of RFC 9420 §8.1, encoded and decoded.
 * Internal until the public MLS API exists: not installed and not part of the GIR.
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include "gste2eemlscodec.h"

G_BEGIN_DECLS

#define GST_E2EE_MLS_PROTOCOL_VERSION_MLS10 1

/* The fields borrow their bytes (from a decoded message, or the group's state).
 * extensions is the body of extensions<V>: Extension structs one after the other. */
typedef struct
{
  guint16 cipher_suite;
  const guint8 *group_id;
  gsize group_id_len;
  guint64 epoch;
  const guint8 *tree_hash;
  gsize tree_hash_len;
  const guint8 *confirmed_transcript_hash;
  gsize confirmed_transcript_hash_len;
  const guint8 *extensions;
  gsize extensions_len;
} GstE2eeMlsGroupContext;

gboolean gst_e2ee_mls_group_context_encode (const GstE2eeMlsGroupContext *gc,
                                            GByteArray *w, GError **error);
gboolean gst_e2ee_mls_group_context_decode (GstE2eeMlsGroupContext *gc,
                                            const guint8 *data, gsize len,
                                            GError **error);
gboolean gst_e2ee_mls_read_group_context (GstE2eeMlsReader *r, GstE2eeMlsGroupContext *gc,
                                          GError **error);

G_END_DECLS
