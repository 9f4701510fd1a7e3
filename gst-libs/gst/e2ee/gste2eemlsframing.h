/* gst-e2ee: MLS message framing (RFC 9420 §6): FramedContent, its signature, and its
 * protection as a PublicMessage or a PrivateMessage.
 * Internal until the public MLS API exists: not installed and not part of the GIR.
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include "gste2eemlscodec.h"
#include "gste2eemlsgroupcontext.h"
#include "gste2eemlssecrettree.h"
#include "gste2eemlssuite.h"

G_BEGIN_DECLS

typedef enum
{
  GST_E2EE_MLS_WIRE_FORMAT_PUBLIC_MESSAGE = 1,
  GST_E2EE_MLS_WIRE_FORMAT_PRIVATE_MESSAGE = 2,
  GST_E2EE_MLS_WIRE_FORMAT_WELCOME = 3,
  GST_E2EE_MLS_WIRE_FORMAT_GROUP_INFO = 4,
  GST_E2EE_MLS_WIRE_FORMAT_KEY_PACKAGE = 5,
} GstE2eeMlsWireFormat;

typedef enum
{
  GST_E2EE_MLS_SENDER_MEMBER = 1,
  GST_E2EE_MLS_SENDER_EXTERNAL = 2,
  GST_E2EE_MLS_SENDER_NEW_MEMBER_PROPOSAL = 3,
  GST_E2EE_MLS_SENDER_NEW_MEMBER_COMMIT = 4,
} GstE2eeMlsSenderType;

typedef enum
{
  GST_E2EE_MLS_CONTENT_APPLICATION = 1,
  GST_E2EE_MLS_CONTENT_PROPOSAL = 2,
  GST_E2EE_MLS_CONTENT_COMMIT = 3,
} GstE2eeMlsContentType;

#define GST_E2EE_MLS_REUSE_GUARD 4
#define GST_E2EE_MLS_MAX_SIGNATURE 64

/* AuthenticatedContent (§6.1): a FramedContent with its wire format and auth data.
 * content is the application data, or an encoded Proposal or Commit. The pointers
 * borrow from the decoded message, or from storage (a PrivateMessage's plaintext,
 * owned here): clear with gst_e2ee_mls_authenticated_content_clear(). */
typedef struct
{
  guint16 wire_format;
  const guint8 *group_id;
  gsize group_id_len;
  guint64 epoch;
  guint8 sender_type;
  guint32 sender_index;
  const guint8 *authenticated_data;
  gsize authenticated_data_len;
  guint8 content_type;
  const guint8 *content;
  gsize content_len;
  const guint8 *signature;
  gsize signature_len;
  const guint8 *confirmation_tag;
  gsize confirmation_tag_len;
  /* A signature made by gst_e2ee_mls_content_sign(). */
  guint8 signature_buf[GST_E2EE_MLS_MAX_SIGNATURE];
  guint8 *storage;
  gsize storage_len;
} GstE2eeMlsAuthenticatedContent;

void     gst_e2ee_mls_authenticated_content_clear (GstE2eeMlsAuthenticatedContent *ac);

gboolean gst_e2ee_mls_content_sign   (const GstE2eeMlsSuite *s, const guint8 *sk,
                                      gsize sk_len, const GstE2eeMlsGroupContext *gc,
                                      GstE2eeMlsAuthenticatedContent *ac, GError **error);
gboolean gst_e2ee_mls_content_verify (const GstE2eeMlsSuite *s, const guint8 *pk,
                                      gsize pk_len, const GstE2eeMlsGroupContext *gc,
                                      const GstE2eeMlsAuthenticatedContent *ac,
                                      GError **error);

gboolean gst_e2ee_mls_public_message_encode (const GstE2eeMlsSuite *s,
                                             const GstE2eeMlsAuthenticatedContent *ac,
                                             const GstE2eeMlsGroupContext *gc,
                                             const guint8 *membership_key,
                                             GByteArray *out, GError **error);
gboolean gst_e2ee_mls_public_message_decode (const GstE2eeMlsSuite *s,
                                             const guint8 *data, gsize len,
                                             const GstE2eeMlsGroupContext *gc,
                                             const guint8 *membership_key,
                                             GstE2eeMlsAuthenticatedContent *ac,
                                             GError **error);
gboolean gst_e2ee_mls_confirmed_transcript_input (const GstE2eeMlsAuthenticatedContent *ac,
                                                  GByteArray *w, GError **error);
gboolean gst_e2ee_mls_authenticated_content_encode (const GstE2eeMlsAuthenticatedContent *ac,
                                                    GByteArray *w, GError **error);
gboolean gst_e2ee_mls_public_message_read (GstE2eeMlsReader *r,
                                           GstE2eeMlsAuthenticatedContent *ac,
                                           const guint8 **tag, gsize *tag_len,
                                           GError **error);
gboolean gst_e2ee_mls_public_message_write (GByteArray *w,
                                            const GstE2eeMlsAuthenticatedContent *ac,
                                            const guint8 *tag, gsize tag_len,
                                            GError **error);
gboolean gst_e2ee_mls_private_message_encode (const GstE2eeMlsSuite *s,
                                              const GstE2eeMlsAuthenticatedContent *ac,
                                              GstE2eeMlsSecretTree *tree,
                                              const guint8 *sender_data_secret,
                                              const guint8 *reuse_guard, gsize padding,
                                              GByteArray *out, GError **error);
gboolean gst_e2ee_mls_private_message_decode (const GstE2eeMlsSuite *s,
                                              const guint8 *data, gsize len,
                                              const GstE2eeMlsGroupContext *gc,
                                              GstE2eeMlsSecretTree *tree,
                                              const guint8 *sender_data_secret,
                                              GstE2eeMlsAuthenticatedContent *ac,
                                              GError **error);

G_END_DECLS
