/* gst-e2ee: the MLSMessage wrapper of RFC 9420 §6 for every wire format.
 * Internal: the public API is GstE2eeMlsGroup.
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include "gste2eemlsframing.h"
#include "gste2eemlsgroupinfo.h"
#include "gste2eemlskeypackage.h"
#include "gste2eemlswelcome.h"

G_BEGIN_DECLS

/* PrivateMessage, as sent: the fields borrow. */
typedef struct
{
  const guint8 *group_id;
  gsize group_id_len;
  guint64 epoch;
  guint8 content_type;
  const guint8 *authenticated_data;
  gsize authenticated_data_len;
  const guint8 *encrypted_sender_data;
  gsize encrypted_sender_data_len;
  const guint8 *ciphertext;
  gsize ciphertext_len;
} GstE2eeMlsPrivateMessage;

/* A decoded MLSMessage: wire_format says which member is set; the others are empty.
 * Everything borrows from the decoded bytes except key_package (a reference). Start
 * with gst_e2ee_mls_message_init(), end with gst_e2ee_mls_message_clear() (which
 * leaves it zeroed: decode or init it again to reuse it). */
typedef struct
{
  guint16 wire_format;
  GstE2eeMlsAuthenticatedContent public_message;
  const guint8 *membership_tag;
  gsize membership_tag_len;
  GstE2eeMlsPrivateMessage private_message;
  GstE2eeMlsWelcome welcome;
  GstE2eeMlsGroupInfo group_info;
  GstE2eeMlsKeyPackage *key_package;
} GstE2eeMlsMessage;

void     gst_e2ee_mls_message_init   (GstE2eeMlsMessage *m);
void     gst_e2ee_mls_message_clear  (GstE2eeMlsMessage *m);
/* Strict: version mls10, a defined wire format, its body decoded whole. On failure
 * m is left cleared. */
gboolean gst_e2ee_mls_message_decode (GstE2eeMlsMessage *m, const guint8 *data,
                                      gsize len, GError **error);
gboolean gst_e2ee_mls_message_encode (const GstE2eeMlsMessage *m, GByteArray *w,
                                      GError **error);

/* Writes the MLSMessage header (mls10, wire_format). */
void     gst_e2ee_mls_message_write_header (GByteArray *w, guint16 wire_format);

G_END_DECLS
