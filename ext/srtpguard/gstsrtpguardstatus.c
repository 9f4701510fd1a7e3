/* gst-e2ee: srtpguard connection status (the indicator meeting clients show)
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "gstsrtpguardstatus.h"
#include "gstsrtpguardstream.h"

void
gst_srtp_guard_status_compute (GHashTable * streams, gboolean signaling_encrypted,
    gboolean tls_certificate_valid, GstSrtpGuardStatus * status)
{
  GHashTableIter iter;
  gpointer value;
  guint seen = 0;

  status->media_encrypted = status->media_authenticated = TRUE;
  if (streams) {
    g_hash_table_iter_init (&iter, streams);
    while (g_hash_table_iter_next (&iter, NULL, &value)) {
      GstSrtpGuardStream *stream = value;

      if (!stream->seen)
        continue;
      seen++;
      status->media_encrypted &= stream->media_encrypted;
      status->media_authenticated &= stream->media_authenticated;
    }
  }
  if (seen == 0)
    status->media_encrypted = status->media_authenticated = FALSE;
  status->signaling_encrypted = signaling_encrypted;
  status->tls_certificate_valid = tls_certificate_valid;
  status->level = gst_e2ee_encryption_level_for_connection (status->media_encrypted
      && status->media_authenticated, signaling_encrypted, tls_certificate_valid);
}

gboolean
gst_srtp_guard_status_equal (const GstSrtpGuardStatus * a, const GstSrtpGuardStatus * b)
{
  return a->media_encrypted == b->media_encrypted &&
      a->media_authenticated == b->media_authenticated &&
      a->signaling_encrypted == b->signaling_encrypted &&
      a->tls_certificate_valid == b->tls_certificate_valid && a->level == b->level;
}

static void
append_string (GValue * array, const gchar * str)
{
  GValue v = G_VALUE_INIT;

  g_value_init (&v, G_TYPE_STRING);
  g_value_set_string (&v, str);
  gst_value_array_append_and_take_value (array, &v);
}

static GstStructure *
stream_status (GstSrtpGuardStream * stream)
{
  return gst_structure_new ("srtpguard-stream-status",
      "ssrc", G_TYPE_UINT, stream->ssrc,
      "media-encrypted", G_TYPE_BOOLEAN, stream->media_encrypted,
      "media-authenticated", G_TYPE_BOOLEAN, stream->media_authenticated,
      "auth-tag-bits", G_TYPE_UINT, stream->auth_tag_bits,
      "refused", G_TYPE_BOOLEAN, stream->refused, NULL);
}

GstStructure *
gst_srtp_guard_status_to_structure (const GstSrtpGuardStatus * st, GHashTable * streams)
{
  GValue missing = G_VALUE_INIT, list = G_VALUE_INIT;
  GString *desc;
  GstStructure *s;
  GHashTableIter iter;
  gpointer value;
  guint n_missing;

  g_value_init (&missing, GST_TYPE_ARRAY);
  if (!(st->media_encrypted && st->media_authenticated))
    append_string (&missing, "media-encryption");
  if (!st->signaling_encrypted)
    append_string (&missing, "signaling-encryption");
  if (!st->tls_certificate_valid)
    append_string (&missing, "tls-certificate");

  n_missing = gst_value_array_get_size (&missing);
  desc = g_string_new (n_missing == 0 ? "encrypted" : "partially encrypted: missing ");
  for (guint i = 0; i < n_missing; i++) {
    const GValue *v = gst_value_array_get_value (&missing, i);

    g_string_append_printf (desc, "%s%s", i ? ", " : "", g_value_get_string (v));
  }

  g_value_init (&list, GST_TYPE_ARRAY);
  if (streams) {
    g_hash_table_iter_init (&iter, streams);
    while (g_hash_table_iter_next (&iter, NULL, &value)) {
      GstSrtpGuardStream *stream = value;
      GValue v = G_VALUE_INIT;

      if (!stream->seen)
        continue;
      g_value_init (&v, GST_TYPE_STRUCTURE);
      g_value_take_boxed (&v, stream_status (stream));
      gst_value_array_append_and_take_value (&list, &v);
    }
  }

  s = gst_structure_new ("srtpguard-status",
      "level", GST_TYPE_E2EE_ENCRYPTION_LEVEL, st->level,
      "indicator", G_TYPE_STRING,
      st->level == GST_E2EE_ENCRYPTION_LEVEL_ENCRYPTED ? "green-shield" : "orange-shield",
      "description", G_TYPE_STRING, desc->str,
      "media-encrypted", G_TYPE_BOOLEAN, st->media_encrypted,
      "media-authenticated", G_TYPE_BOOLEAN, st->media_authenticated,
      "signaling-encrypted", G_TYPE_BOOLEAN, st->signaling_encrypted,
      "tls-certificate-valid", G_TYPE_BOOLEAN, st->tls_certificate_valid, NULL);
  gst_structure_take_value (s, "missing", &missing);
  gst_structure_take_value (s, "streams", &list);
  g_string_free (desc, TRUE);
  return s;
}
