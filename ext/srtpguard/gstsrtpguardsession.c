/* gst-e2ee: srtpguard's libsrtp session: the SSRCs, their SRTP contexts and keys
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <string.h>

#include "gstsrtpguardsession.h"

GST_DEBUG_CATEGORY_EXTERN (gst_srtp_guard_debug);
#define GST_CAT_DEFAULT gst_srtp_guard_debug

void
gst_srtp_guard_session_init (GstSrtpGuardSession * session)
{
  memset (session, 0, sizeof (*session));
  session->replay_window_size = GST_SRTP_GUARD_DEFAULT_REPLAY_WINDOW_SIZE;
  session->key_soft_limit = session->key_hard_limit = GST_SRTP_GUARD_DEFAULT_KEY_LIMIT;
  session->streams = g_hash_table_new_full (NULL, NULL, NULL,
      (GDestroyNotify) gst_srtp_guard_stream_free);
  session->used_keys = g_hash_table_new_full (g_bytes_hash, g_bytes_equal,
      (GDestroyNotify) g_bytes_unref, NULL);
}

void
gst_srtp_guard_session_clear (GstSrtpGuardSession * session)
{
  g_clear_pointer (&session->streams, g_hash_table_unref);
  g_clear_pointer (&session->used_keys, g_hash_table_unref);
}

void
gst_srtp_guard_session_reset (GstSrtpGuardSession * session)
{
  g_hash_table_remove_all (session->streams);
  memset (session->untracked_dropped, 0, sizeof (session->untracked_dropped));
  memset (&session->untracked_log, 0, sizeof (session->untracked_log));
}

GstSrtpGuardStream *
gst_srtp_guard_session_lookup (GstSrtpGuardSession * session, guint32 ssrc)
{
  return g_hash_table_lookup (session->streams, GUINT_TO_POINTER (ssrc));
}

gboolean
gst_srtp_guard_session_track (GstSrtpGuardSession * session,
    GstSrtpGuardStream * stream)
{
  if (g_hash_table_size (session->streams) >= GST_SRTP_GUARD_MAX_TRACKED_STREAMS)
    return FALSE;
  g_hash_table_insert (session->streams, GUINT_TO_POINTER (stream->ssrc), stream);
  return TRUE;
}

gboolean
gst_srtp_guard_session_set_params (GstSrtpGuardSession * session,
    GstSrtpGuardStream * stream, GstSrtpGuardParams * params, GstSrtpGuardSource source,
    GError ** error)
{
  return gst_srtp_guard_stream_set_params (stream, params, source,
      session->replay_window_size, session->used_keys, error);
}

void
gst_srtp_guard_session_rekey (GstSrtpGuardSession * session, GstObject * guard,
    const GstSrtpGuardParams * params, GstSrtpGuardSource source, gboolean has_ssrc,
    guint32 ssrc, GQueue * msgs)
{
  GHashTableIter iter;
  gpointer value;

  g_hash_table_iter_init (&iter, session->streams);
  while (g_hash_table_iter_next (&iter, NULL, &value)) {
    GstSrtpGuardStream *stream = value;
    GError *err = NULL;

    if (has_ssrc ? stream->ssrc != ssrc : stream->source != source)
      continue;
    if (stream->params && gst_srtp_guard_params_equal (stream->params, params))
      continue;
    if (gst_srtp_guard_session_set_params (session, stream,
            gst_srtp_guard_params_copy (params), source, &err)) {
      GST_INFO_OBJECT (guard, "new keys for SSRC %u, packet index kept", stream->ssrc);
    } else {
      g_queue_push_tail (msgs, gst_message_new_warning (guard, err,
              "could not rekey a stream"));
      g_error_free (err);
    }
  }
}

GstSrtpGuardReason
gst_srtp_guard_session_drop_reason (srtp_err_status_t err)
{
  switch (err) {
    case srtp_err_status_auth_fail:
      return GST_SRTP_GUARD_REASON_AUTHENTICATION;
    case srtp_err_status_replay_fail:
    case srtp_err_status_replay_old:
    case srtp_err_status_pkt_idx_old:
      return GST_SRTP_GUARD_REASON_REPLAY;
    case srtp_err_status_bad_mki:
      return GST_SRTP_GUARD_REASON_BAD_MKI;
    case srtp_err_status_key_expired:
      return GST_SRTP_GUARD_REASON_KEY_EXPIRED;
    case srtp_err_status_parse_err:
    case srtp_err_status_bad_param:
      return GST_SRTP_GUARD_REASON_MALFORMED;
    case srtp_err_status_no_ctx:
      return GST_SRTP_GUARD_REASON_NO_KEY;
    default:
      return GST_SRTP_GUARD_REASON_OTHER;
  }
}

static GstBuffer *
with_tailroom (GstBuffer * buf, gsize size, gsize extra)
{
  GstBuffer *out;
  GstMapInfo map;
  gsize offset, maxsize;

  if (gst_buffer_is_writable (buf) && gst_buffer_n_memory (buf) == 1) {
    gst_buffer_get_sizes (buf, &offset, &maxsize);
    if (maxsize - offset >= size + extra) {
      gst_buffer_set_size (buf, size + extra);
      return buf;
    }
  }
  out = gst_buffer_new_allocate (NULL, size + extra, NULL);
  gst_buffer_copy_into (out, buf, GST_BUFFER_COPY_METADATA, 0, -1);
  if (gst_buffer_map (out, &map, GST_MAP_WRITE)) {
    gst_buffer_extract (buf, 0, map.data, size);
    gst_buffer_unmap (out, &map);
  }
  gst_buffer_unref (buf);
  return out;
}

srtp_err_status_t
gst_srtp_guard_session_transform (GstSrtpGuardStream * stream, GstBuffer ** bufp,
    gboolean is_rtcp, gboolean protect)
{
  gsize size = gst_buffer_get_size (*bufp);
  srtp_t session = is_rtcp && stream->rtcp_session ? stream->rtcp_session :
      stream->session;
  srtp_err_status_t err;
  GstMapInfo map;
  uint32_t trailer = 0;
  int len = size;

  if (size > G_MAXUINT16 * 4u)
    return srtp_err_status_parse_err;
  if (protect) {
    err = is_rtcp ?
        srtp_get_protect_rtcp_trailer_length (session, stream->uses_mki, 0,
        &trailer) :
        srtp_get_protect_trailer_length (session, stream->uses_mki, 0, &trailer);
    if (err != srtp_err_status_ok)
      return err;
    *bufp = with_tailroom (*bufp, size, trailer);
  } else {
    *bufp = gst_buffer_make_writable (*bufp);
  }
  if (!gst_buffer_map (*bufp, &map, GST_MAP_READWRITE))
    return srtp_err_status_fail;

  if (protect && is_rtcp)
    err = srtp_protect_rtcp_mki (session, map.data, &len, stream->uses_mki, 0);
  else if (protect)
    err = srtp_protect_mki (session, map.data, &len, stream->uses_mki, 0);
  else if (is_rtcp)
    err = srtp_unprotect_rtcp_mki (session, map.data, &len, stream->uses_mki);
  else
    err = srtp_unprotect_mki (session, map.data, &len, stream->uses_mki);

  gst_buffer_unmap (*bufp, &map);
  if (err == srtp_err_status_ok)
    gst_buffer_set_size (*bufp, len);
  return err;
}

guint
gst_srtp_guard_session_key_used (GstSrtpGuardSession * session,
    GstSrtpGuardStream * stream, gboolean tracked, gboolean protect)
{
  guint limit = 0;

  if (protect)
    gst_srtp_guard_stream_record_key_use (stream, session->used_keys);
  stream->key_packets++;
  if (tracked && session->key_soft_limit && !stream->soft_limit_reached &&
      stream->key_packets >= session->key_soft_limit) {
    stream->soft_limit_reached = TRUE;
    limit = 1;
  }
  if (tracked && session->key_hard_limit &&
      stream->key_packets >= session->key_hard_limit) {
    stream->key_expired = TRUE;
    limit = 2;
  }
  return limit;
}

GstStructure *
gst_srtp_guard_session_stats (GstSrtpGuardSession * session, gboolean protect)
{
  guint64 dropped[GST_SRTP_GUARD_N_REASONS];
  guint64 packets = 0, bytes = 0, rtcp_packets = 0, rtcp_bytes = 0;
  GValue list = G_VALUE_INIT;
  GHashTableIter iter;
  gpointer value;
  GstStructure *s;
  gint r;

  memcpy (dropped, session->untracked_dropped, sizeof (dropped));
  g_value_init (&list, GST_TYPE_ARRAY);
  g_hash_table_iter_init (&iter, session->streams);
  while (g_hash_table_iter_next (&iter, NULL, &value)) {
    GstSrtpGuardStream *stream = value;
    GValue v = G_VALUE_INIT;

    packets += stream->packets;
    bytes += stream->bytes;
    rtcp_packets += stream->rtcp_packets;
    rtcp_bytes += stream->rtcp_bytes;
    for (r = 0; r < GST_SRTP_GUARD_N_REASONS; r++)
      dropped[r] += stream->dropped[r];
    g_value_init (&v, GST_TYPE_STRUCTURE);
    g_value_take_boxed (&v, gst_srtp_guard_stream_stats (stream));
    gst_value_array_append_and_take_value (&list, &v);
  }

  s = gst_structure_new ("srtpguard-stats",
      "mode", G_TYPE_STRING, protect ? "protect" : "unprotect",
      "packets", G_TYPE_UINT64, packets, "bytes", G_TYPE_UINT64, bytes,
      "rtcp-packets", G_TYPE_UINT64, rtcp_packets,
      "rtcp-bytes", G_TYPE_UINT64, rtcp_bytes, NULL);
  gst_srtp_guard_stats_set_drops (s, dropped);
  gst_structure_take_value (s, "streams", &list);
  return s;
}
