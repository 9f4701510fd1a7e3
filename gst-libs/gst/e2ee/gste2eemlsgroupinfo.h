/* gst-e2ee: the GroupInfo of RFC 9420 §12.4.3, signed with "GroupInfoTBS".
 * Internal: the public API is GstE2eeMlsGroup.
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include "gste2eemlsgroupcontext.h"
#include "gste2eemlssuite.h"
#include "gste2eemlsleafnode.h"

G_BEGIN_DECLS

/* GroupInfo { GroupContext group_context; Extension extensions<V>; MAC
 * confirmation_tag; uint32 signer; opaque signature<V>; }. The fields borrow;
 * extensions is the body of the extension vector. */
typedef struct
{
  GstE2eeMlsGroupContext group_context;
  const guint8 *extensions;
  gsize extensions_len;
  const guint8 *confirmation_tag;
  gsize confirmation_tag_len;
  guint32 signer;
  const guint8 *signature;
  gsize signature_len;
} GstE2eeMlsGroupInfo;

gboolean gst_e2ee_mls_group_info_encode (const GstE2eeMlsGroupInfo *gi, GByteArray *w,
                                         GError **error);
gboolean gst_e2ee_mls_group_info_read   (GstE2eeMlsReader *r, GstE2eeMlsGroupInfo *gi,
                                         GError **error);
gboolean gst_e2ee_mls_group_info_decode (GstE2eeMlsGroupInfo *gi, const guint8 *data,
                                         gsize len, GError **error);
/* sig holds s->sig_len bytes; the caller points gi->signature at it. */
gboolean gst_e2ee_mls_group_info_sign   (const GstE2eeMlsSuite *s, const guint8 *sk,
                                         gsize sk_len, const GstE2eeMlsGroupInfo *gi,
                                         guint8 *sig, GError **error);
gboolean gst_e2ee_mls_group_info_verify (const GstE2eeMlsSuite *s, const guint8 *pk,
                                         gsize pk_len, const GstE2eeMlsGroupInfo *gi,
                                         GError **error);

G_END_DECLS
