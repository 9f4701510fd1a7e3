/* gst-e2ee: srtpguard's libsrtp session: the SSRCs, their SRTP contexts and keys
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <gst/gst.h>
#include <srtp2/srtp.h>

#include "gstsrtpguardpolicy.h"
#include "gstsrtpguardstream.h"

G_BEGIN_DECLS

/* A bound on per-SSRC state that unauthenticated input can make the guard keep. */
#define GST_SRTP_GUARD_MAX_TRACKED_STREAMS 4096

#define GST_SRTP_GUARD_DEFAULT_REPLAY_WINDOW_SIZE 128
#define GST_SRTP_GUARD_DEFAULT_KEY_LIMIT 0

/* Callers hold the element's lock. */
typedef struct {
  GHashTable *streams;          /* ssrc -> GstSrtpGuardStream */
  /* Protect mode: every (master key, SSRC) pair that protected a packet, as GBytes
   * digests, for the element's lifetime (restarts, clear-keys and remove-key
   * included), so that none protects in new SRTP state again (see
   * gst_srtp_guard_stream_set_params()). */
  GHashTable *used_keys;
  guint replay_window_size;
  guint64 key_soft_limit;
  guint64 key_hard_limit;
  /* drops of packets whose SSRC has no entry in streams */
  guint64 untracked_dropped[GST_SRTP_GUARD_N_REASONS];
  GstSrtpGuardDropLog untracked_log;
} GstSrtpGuardSession;

void gst_srtp_guard_session_init (GstSrtpGuardSession * session);
void gst_srtp_guard_session_clear (GstSrtpGuardSession * session);
/* Stopping: every SSRC's state and drop counts go; used_keys stays. */
void gst_srtp_guard_session_reset (GstSrtpGuardSession * session);

GstSrtpGuardStream * gst_srtp_guard_session_lookup (GstSrtpGuardSession * session,
    guint32 ssrc);
/* FALSE when the table is full: the caller frees @stream after this packet */
gboolean gst_srtp_guard_session_track (GstSrtpGuardSession * session,
    GstSrtpGuardStream * stream);
/* Takes @params; see gst_srtp_guard_stream_set_params() */
gboolean gst_srtp_guard_session_set_params (GstSrtpGuardSession * session,
    GstSrtpGuardStream * stream, GstSrtpGuardParams * params, GstSrtpGuardSource source,
    GError ** error);
/* New keys from @source (for @ssrc only when @has_ssrc) for the running SSRCs that
 * use that source; their packet indices continue. Warnings go into @msgs. */
void gst_srtp_guard_session_rekey (GstSrtpGuardSession * session, GstObject * guard,
    const GstSrtpGuardParams * params, GstSrtpGuardSource source, gboolean has_ssrc,
    guint32 ssrc, GQueue * msgs);

/* Protects or unprotects *@bufp in place (a new buffer when it needs room for the
 * tag) with @stream's context. */
srtp_err_status_t gst_srtp_guard_session_transform (GstSrtpGuardStream * stream,
    GstBuffer ** bufp, gboolean is_rtcp, gboolean protect);
GstSrtpGuardReason gst_srtp_guard_session_drop_reason (srtp_err_status_t err);

/* After a packet of @stream passed: counts it against the key limits, records
 * the key's use (@protect). Returns 0, or the limit reached: 1 soft, 2 hard. */
guint gst_srtp_guard_session_key_used (GstSrtpGuardSession * session,
    GstSrtpGuardStream * stream, gboolean tracked, gboolean protect);

/* #GstSrtpGuard:stats */
GstStructure * gst_srtp_guard_session_stats (GstSrtpGuardSession * session,
    gboolean protect);

G_END_DECLS
