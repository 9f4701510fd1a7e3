/* gst-e2ee: the MLSMessage wrapper of RFC 9420 §6.
 *
 * Every message between members is an MLSMessage: the protocol version, the wire
 * format, then a PublicMessage, PrivateMessage, Welcome, GroupInfo or KeyPackage.
 * Decoding is structural and strict (a message that re-encodes to other bytes is
 * refused); authenticating it is the group's job.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "gste2eemlsmessage.h"
#include "gste2eemlserror.h"

#include <string.h>

void
gst_e2ee_mls_message_init (GstE2eeMlsMessage * m)
{
  memset (m, 0, sizeof *m);
  gst_e2ee_mls_welcome_init (&m->welcome);
}

void
gst_e2ee_mls_message_clear (GstE2eeMlsMessage * m)
{
  gst_e2ee_mls_welcome_clear (&m->welcome);
  if (m->key_package != NULL)
    gst_e2ee_mls_key_package_unref (m->key_package);
  memset (m, 0, sizeof *m);
}

void
gst_e2ee_mls_message_write_header (GByteArray * w, guint16 wire_format)
{
  gst_e2ee_mls_write_u16 (w, GST_E2EE_MLS_PROTOCOL_VERSION_MLS10);
  gst_e2ee_mls_write_u16 (w, wire_format);
}

static gboolean
read_private_message (GstE2eeMlsReader * r, GstE2eeMlsPrivateMessage * pm,
    GError ** error)
{
  if (!gst_e2ee_mls_read_opaque (r, &pm->group_id, &pm->group_id_len, error)
      || !gst_e2ee_mls_read_u64 (r, &pm->epoch, error)
      || !gst_e2ee_mls_read_u8 (r, &pm->content_type, error)
      || !gst_e2ee_mls_read_opaque (r, &pm->authenticated_data,
          &pm->authenticated_data_len, error)
      || !gst_e2ee_mls_read_opaque (r, &pm->encrypted_sender_data,
          &pm->encrypted_sender_data_len, error)
      || !gst_e2ee_mls_read_opaque (r, &pm->ciphertext, &pm->ciphertext_len, error))
    return FALSE;
  if (pm->content_type < GST_E2EE_MLS_CONTENT_APPLICATION
      || pm->content_type > GST_E2EE_MLS_CONTENT_COMMIT) {
    g_set_error (error, GST_E2EE_MLS_ERROR, GST_E2EE_MLS_ERROR_DECODE,
        "content type %u is not defined", pm->content_type);
    return FALSE;
  }
  return TRUE;
}

static gboolean
write_private_message (GByteArray * w, const GstE2eeMlsPrivateMessage * pm,
    GError ** error)
{
  if (!gst_e2ee_mls_write_opaque (w, pm->group_id, pm->group_id_len, error))
    return FALSE;
  gst_e2ee_mls_write_u64 (w, pm->epoch);
  gst_e2ee_mls_write_u8 (w, pm->content_type);
  return gst_e2ee_mls_write_opaque (w, pm->authenticated_data,
      pm->authenticated_data_len, error)
      && gst_e2ee_mls_write_opaque (w, pm->encrypted_sender_data,
      pm->encrypted_sender_data_len, error)
      && gst_e2ee_mls_write_opaque (w, pm->ciphertext, pm->ciphertext_len, error);
}

gboolean
gst_e2ee_mls_message_decode (GstE2eeMlsMessage * m, const guint8 * data, gsize len,
    GError ** error)
{
  GstE2eeMlsReader r;
  guint16 version;
  gboolean ok;

  gst_e2ee_mls_message_clear (m);
  gst_e2ee_mls_message_init (m);
  gst_e2ee_mls_reader_init (&r, data, len);
  if (!gst_e2ee_mls_read_u16 (&r, &version, error)
      || !gst_e2ee_mls_read_u16 (&r, &m->wire_format, error))
    return FALSE;
  if (version != GST_E2EE_MLS_PROTOCOL_VERSION_MLS10) {
    g_set_error (error, GST_E2EE_MLS_ERROR, GST_E2EE_MLS_ERROR_DECODE,
        "protocol version %u is not mls10 (1)", version);
    m->wire_format = 0;
    return FALSE;
  }
  switch (m->wire_format) {
    case GST_E2EE_MLS_WIRE_FORMAT_PUBLIC_MESSAGE:
      ok = gst_e2ee_mls_public_message_read (&r, &m->public_message,
          &m->membership_tag, &m->membership_tag_len, error);
      break;
    case GST_E2EE_MLS_WIRE_FORMAT_PRIVATE_MESSAGE:
      ok = read_private_message (&r, &m->private_message, error);
      break;
    case GST_E2EE_MLS_WIRE_FORMAT_WELCOME:
      ok = gst_e2ee_mls_welcome_read (&r, &m->welcome, error);
      break;
    case GST_E2EE_MLS_WIRE_FORMAT_GROUP_INFO:
      ok = gst_e2ee_mls_group_info_read (&r, &m->group_info, error);
      break;
    case GST_E2EE_MLS_WIRE_FORMAT_KEY_PACKAGE:
      m->key_package = gst_e2ee_mls_key_package_read (&r, error);
      ok = m->key_package != NULL;
      break;
    default:
      g_set_error (error, GST_E2EE_MLS_ERROR, GST_E2EE_MLS_ERROR_DECODE,
          "wire format %u is not defined", m->wire_format);
      ok = FALSE;
      break;
  }
  if (!ok || !gst_e2ee_mls_reader_finish (&r, error)) {
    gst_e2ee_mls_message_clear (m);
    return FALSE;
  }
  return TRUE;
}

gboolean
gst_e2ee_mls_message_encode (const GstE2eeMlsMessage * m, GByteArray * w,
    GError ** error)
{
  guint start = w->len;
  gboolean ok;

  gst_e2ee_mls_message_write_header (w, m->wire_format);
  switch (m->wire_format) {
    case GST_E2EE_MLS_WIRE_FORMAT_PUBLIC_MESSAGE:
      ok = gst_e2ee_mls_public_message_write (w, &m->public_message, m->membership_tag,
          m->membership_tag_len, error);
      break;
    case GST_E2EE_MLS_WIRE_FORMAT_PRIVATE_MESSAGE:
      ok = write_private_message (w, &m->private_message, error);
      break;
    case GST_E2EE_MLS_WIRE_FORMAT_WELCOME:
      ok = gst_e2ee_mls_welcome_encode (&m->welcome, w, error);
      break;
    case GST_E2EE_MLS_WIRE_FORMAT_GROUP_INFO:
      ok = gst_e2ee_mls_group_info_encode (&m->group_info, w, error);
      break;
    case GST_E2EE_MLS_WIRE_FORMAT_KEY_PACKAGE:
      ok = m->key_package != NULL;
      if (ok)
        gst_e2ee_mls_key_package_write (m->key_package, w);
      else
        g_set_error_literal (error, GST_E2EE_MLS_ERROR,
            GST_E2EE_MLS_ERROR_INVALID_ARGUMENT, "no key package");
      break;
    default:
      g_set_error (error, GST_E2EE_MLS_ERROR, GST_E2EE_MLS_ERROR_INVALID_ARGUMENT,
          "wire format %u is not defined", m->wire_format);
      ok = FALSE;
      break;
  }
  if (!ok)
    g_byte_array_set_size (w, start);
  return ok;
}
