/* gst-e2ee: the TLS presentation language of RFC 9420 §2.1, strict.
 * Internal until the public MLS API exists: not installed and not part of the GIR.
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* The largest length a variable-size vector header can carry (30 bits). */
#define GST_E2EE_MLS_VARINT_MAX 0x3fffffffu

/* A cursor over borrowed bytes. Every read either consumes exactly what it returns or
 * fails with GST_E2EE_MLS_ERROR_DECODE and leaves the cursor where it was. */
typedef struct
{
  const guint8 *data;
  gsize len;
  gsize pos;
} GstE2eeMlsReader;

void     gst_e2ee_mls_reader_init     (GstE2eeMlsReader *r, const guint8 *data, gsize len);
gsize    gst_e2ee_mls_reader_remaining (const GstE2eeMlsReader *r);
gboolean gst_e2ee_mls_reader_finish   (const GstE2eeMlsReader *r, GError **error);

gboolean gst_e2ee_mls_read_u8         (GstE2eeMlsReader *r, guint8 *v, GError **error);
gboolean gst_e2ee_mls_read_u16        (GstE2eeMlsReader *r, guint16 *v, GError **error);
gboolean gst_e2ee_mls_read_u32        (GstE2eeMlsReader *r, guint32 *v, GError **error);
gboolean gst_e2ee_mls_read_u64        (GstE2eeMlsReader *r, guint64 *v, GError **error);
gboolean gst_e2ee_mls_read_varint     (GstE2eeMlsReader *r, guint32 *v, GError **error);
gboolean gst_e2ee_mls_read_opaque     (GstE2eeMlsReader *r, const guint8 **data, gsize *len,
                                       GError **error);
gboolean gst_e2ee_mls_read_vector     (GstE2eeMlsReader *r, GstE2eeMlsReader *body,
                                       GError **error);
gboolean gst_e2ee_mls_read_optional   (GstE2eeMlsReader *r, gboolean *present, GError **error);
gboolean gst_e2ee_mls_read_fixed      (GstE2eeMlsReader *r, const guint8 **data, gsize len,
                                       GError **error);

void     gst_e2ee_mls_write_u8        (GByteArray *w, guint8 v);
void     gst_e2ee_mls_write_u16       (GByteArray *w, guint16 v);
void     gst_e2ee_mls_write_u32       (GByteArray *w, guint32 v);
void     gst_e2ee_mls_write_u64       (GByteArray *w, guint64 v);
gboolean gst_e2ee_mls_write_varint    (GByteArray *w, guint64 v, GError **error);
gboolean gst_e2ee_mls_write_opaque    (GByteArray *w, const guint8 *data, gsize len,
                                       GError **error);
void     gst_e2ee_mls_write_optional  (GByteArray *w, gboolean present);
void     gst_e2ee_mls_write_fixed     (GByteArray *w, const guint8 *data, gsize len);
gsize    gst_e2ee_mls_write_vector_begin (GByteArray *w);
gboolean gst_e2ee_mls_write_vector_end (GByteArray *w, gsize begin, GError **error);

G_END_DECLS
