/* gst-e2ee: srtpguard connection status (the indicator meeting clients show)
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <stdlib.h>
#include <string.h>

#include "gstsrtpguardstatus.h"

void
gst_srtp_guard_status_counts_add (GstSrtpGuardStatusCounts * counts,
    const GstSrtpGuardStream * stream, gint sign)
{
  if (!stream->seen)
    return;
  counts->seen += sign;
  counts->unencrypted += stream->media_encrypted ? 0 : sign;
  counts->unauthenticated += stream->media_authenticated ? 0 : sign;
  counts->refused += stream->refused ? sign : 0;
}

void
gst_srtp_guard_status_compute (const GstSrtpGuardStatusCounts * counts,
    gboolean signaling_encrypted, gboolean tls_certificate_valid,
    GstSrtpGuardStatus * status)
{
  status->media_encrypted = counts->seen > 0 && counts->unencrypted == 0;
  status->media_authenticated = counts->seen > 0 && counts->unauthenticated == 0;
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
stream_status (const GstSrtpGuardStream * stream)
{
  return gst_structure_new ("srtpguard-stream-status",
      "ssrc", G_TYPE_UINT, stream->ssrc,
      "media-encrypted", G_TYPE_BOOLEAN, stream->media_encrypted,
      "media-authenticated", G_TYPE_BOOLEAN, stream->media_authenticated,
      "auth-tag-bits", G_TYPE_UINT, stream->auth_tag_bits,
      "refused", G_TYPE_BOOLEAN, stream->refused, NULL);
}

static gboolean
stream_is_worse (const GstSrtpGuardStream * stream)
{
  return stream->refused || !stream->media_encrypted || !stream->media_authenticated;
}

static gint
compare_ssrc (gconstpointer a, gconstpointer b)
{
  const GstSrtpGuardStream *sa = *(const GstSrtpGuardStream * const *) a;
  const GstSrtpGuardStream *sb = *(const GstSrtpGuardStream * const *) b;

  return sa->ssrc < sb->ssrc ? -1 : sa->ssrc > sb->ssrc;
}

/* Up to GST_SRTP_GUARD_STATUS_MAX_STREAMS seen streams, those that keep the shield
 * orange first, in SSRC order: a status of bounded size, however many SSRCs the
 * guard saw (the stats property lists them all). */
static guint
list_streams (GHashTable * streams, const GstSrtpGuardStream ** listed)
{
  const GstSrtpGuardStream *others[GST_SRTP_GUARD_STATUS_MAX_STREAMS];
  guint n = 0, n_others = 0;
  GHashTableIter iter;
  gpointer value;

  if (streams == NULL)
    return 0;
  g_hash_table_iter_init (&iter, streams);
  while (n < GST_SRTP_GUARD_STATUS_MAX_STREAMS &&
      g_hash_table_iter_next (&iter, NULL, &value)) {
    const GstSrtpGuardStream *stream = value;

    if (!stream->seen)
      continue;
    if (stream_is_worse (stream))
      listed[n++] = stream;
    else if (n_others < GST_SRTP_GUARD_STATUS_MAX_STREAMS)
      others[n_others++] = stream;
  }
  for (guint i = 0; i < n_others && n < GST_SRTP_GUARD_STATUS_MAX_STREAMS; i++)
    listed[n++] = others[i];
  qsort (listed, n, sizeof (listed[0]), compare_ssrc);
  return n;
}

GstStructure *
gst_srtp_guard_status_to_structure (const GstSrtpGuardStatus * st,
    const GstSrtpGuardStatusCounts * counts, GHashTable * streams)
{
  GValue missing = G_VALUE_INIT, list = G_VALUE_INIT;
  const GstSrtpGuardStream *listed[GST_SRTP_GUARD_STATUS_MAX_STREAMS];
  GString *desc;
  GstStructure *s;
  guint n_missing, n_listed;

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
  n_listed = list_streams (streams, listed);
  for (guint i = 0; i < n_listed; i++) {
    GValue v = G_VALUE_INIT;

    g_value_init (&v, GST_TYPE_STRUCTURE);
    g_value_take_boxed (&v, stream_status (listed[i]));
    gst_value_array_append_and_take_value (&list, &v);
  }

  s = gst_structure_new ("srtpguard-status",
      "level", GST_TYPE_E2EE_ENCRYPTION_LEVEL, st->level,
      "indicator", G_TYPE_STRING,
      st->level == GST_E2EE_ENCRYPTION_LEVEL_ENCRYPTED ? "green-shield" : "orange-shield",
      "description", G_TYPE_STRING, desc->str,
      "media-encrypted", G_TYPE_BOOLEAN, st->media_encrypted,
      "media-authenticated", G_TYPE_BOOLEAN, st->media_authenticated,
      "signaling-encrypted", G_TYPE_BOOLEAN, st->signaling_encrypted,
      "tls-certificate-valid", G_TYPE_BOOLEAN, st->tls_certificate_valid,
      "streams-seen", G_TYPE_UINT, counts->seen,
      "streams-refused", G_TYPE_UINT, counts->refused,
      "streams-unlisted", G_TYPE_UINT, counts->seen - n_listed, NULL);
  gst_structure_take_value (s, "missing", &missing);
  gst_structure_take_value (s, "streams", &list);
  g_string_free (desc, TRUE);
  return s;
}

void
gst_srtp_guard_status_tracker_reset (GstSrtpGuardStatusTracker * tracker)
{
  memset (&tracker->counts, 0, sizeof (tracker->counts));
  memset (&tracker->posted_status, 0, sizeof (tracker->posted_status));
  tracker->posted = tracker->pending = FALSE;
  memset (&tracker->limit, 0, sizeof (tracker->limit));
}

static void
post (GstSrtpGuardStatusTracker * tracker, GstObject * guard, GHashTable * streams,
    GQueue * msgs)
{
  gst_srtp_guard_status_compute (&tracker->counts, tracker->signaling_encrypted,
      tracker->tls_certificate_valid, &tracker->posted_status);
  tracker->posted = TRUE;
  tracker->pending = FALSE;
  g_queue_push_tail (msgs, gst_message_new_element (guard,
          gst_srtp_guard_status_to_structure (&tracker->posted_status,
              &tracker->counts, streams)));
}

void
gst_srtp_guard_status_tracker_update (GstSrtpGuardStatusTracker * tracker,
    GstObject * guard, GHashTable * streams, gboolean force, GQueue * msgs)
{
  GstSrtpGuardStatus st;
  gboolean changed, allowed;

  gst_srtp_guard_status_compute (&tracker->counts, tracker->signaling_encrypted,
      tracker->tls_certificate_valid, &st);
  changed = !tracker->posted || !gst_srtp_guard_status_equal (&st,
      &tracker->posted_status);
  if (!changed && !force)
    return;
  allowed = gst_srtp_guard_rate_limit_take (&tracker->limit, g_get_monotonic_time ());
  if (!changed && !allowed) {
    tracker->pending = TRUE;
    return;
  }
  post (tracker, guard, streams, msgs);
}

void
gst_srtp_guard_status_tracker_flush (GstSrtpGuardStatusTracker * tracker,
    GstObject * guard, GHashTable * streams, GQueue * msgs)
{
  if (tracker->pending)
    post (tracker, guard, streams, msgs);
}

void
gst_srtp_guard_status_tracker_saw_media (GstSrtpGuardStatusTracker * tracker,
    GstObject * guard, GHashTable * streams, GstSrtpGuardStream * stream,
    gboolean encrypted, gboolean authenticated, guint bits, gboolean refused,
    GQueue * msgs)
{
  gboolean tracked = g_hash_table_lookup (streams,
      GUINT_TO_POINTER (stream->ssrc)) == stream;

  if (stream->seen && stream->media_encrypted == encrypted &&
      stream->media_authenticated == authenticated && stream->auth_tag_bits == bits &&
      stream->refused == refused)
    return;
  if (tracked)
    gst_srtp_guard_status_counts_add (&tracker->counts, stream, -1);
  stream->seen = TRUE;
  stream->media_encrypted = encrypted;
  stream->media_authenticated = authenticated;
  stream->auth_tag_bits = bits;
  stream->refused = refused;
  if (tracked) {
    gst_srtp_guard_status_counts_add (&tracker->counts, stream, 1);
    gst_srtp_guard_status_tracker_update (tracker, guard, streams, TRUE, msgs);
  }
}

void
gst_srtp_guard_status_tracker_forget (GstSrtpGuardStatusTracker * tracker,
    const GstSrtpGuardStream * stream)
{
  gst_srtp_guard_status_counts_add (&tracker->counts, stream, -1);
}

GstStructure *
gst_srtp_guard_status_tracker_structure (GstSrtpGuardStatusTracker * tracker,
    GHashTable * streams)
{
  GstSrtpGuardStatus st;

  gst_srtp_guard_status_compute (&tracker->counts, tracker->signaling_encrypted,
      tracker->tls_certificate_valid, &st);
  return gst_srtp_guard_status_to_structure (&st, &tracker->counts, streams);
}
