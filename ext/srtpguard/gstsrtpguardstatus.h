/* gst-e2ee: srtpguard connection status (the indicator meeting clients show)
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <gst/gst.h>
#include <gst/e2ee/e2ee.h>

#include "gstsrtpguardpolicy.h"
#include "gstsrtpguardstream.h"

G_BEGIN_DECLS

typedef struct {
  gboolean media_encrypted;
  gboolean media_authenticated;
  gboolean signaling_encrypted;
  gboolean tls_certificate_valid;
  GstE2eeEncryptionLevel level;
} GstSrtpGuardStatus;

/* How many of the SSRCs the guard tracks it saw media of, and what that media was:
 * kept up to date with every change (gst_srtp_guard_status_counts_add()), so that the
 * status costs the same with 1 SSRC or 4096. */
typedef struct {
  guint seen;
  guint unencrypted;
  guint unauthenticated;
  guint refused;
} GstSrtpGuardStatusCounts;

/* The most SSRCs a status lists in its `streams` field */
#define GST_SRTP_GUARD_STATUS_MAX_STREAMS 16

/* Adds (@sign 1) or takes away (@sign -1) what @stream contributes; nothing when
 * its media was not seen. */
void gst_srtp_guard_status_counts_add (GstSrtpGuardStatusCounts * counts,
    const GstSrtpGuardStream * stream, gint sign);

/* Media counts as encrypted once the guard has seen media and every SSRC it saw was
 * encrypted (and authenticated). */
void gst_srtp_guard_status_compute (const GstSrtpGuardStatusCounts * counts,
    gboolean signaling_encrypted, gboolean tls_certificate_valid,
    GstSrtpGuardStatus * status);
gboolean gst_srtp_guard_status_equal (const GstSrtpGuardStatus * a,
    const GstSrtpGuardStatus * b);
/* @streams: ssrc -> GstSrtpGuardStream; at most GST_SRTP_GUARD_STATUS_MAX_STREAMS of
 * them are listed, those the policy refused or that are not encrypted and
 * authenticated first. */
GstStructure * gst_srtp_guard_status_to_structure (const GstSrtpGuardStatus * status,
    const GstSrtpGuardStatusCounts * counts, GHashTable * streams);

/* The connection status the element reports: what the application said about the
 * signaling, what the packet path saw of the media, and what was last posted.
 * Callers hold the element's lock; messages go into a queue posted after. */
typedef struct {
  gboolean signaling_encrypted;
  gboolean tls_certificate_valid;
  GstSrtpGuardStatusCounts counts;      /* of the SSRCs the session tracks */
  GstSrtpGuardStatus posted_status;
  gboolean posted;
  gboolean pending;             /* an SSRC's change waits for the rate limit */
  GstSrtpGuardRateLimit limit;  /* srtpguard-status messages for an SSRC's change */
} GstSrtpGuardStatusTracker;

/* Forgets what was seen and posted; keeps what the application said. */
void gst_srtp_guard_status_tracker_reset (GstSrtpGuardStatusTracker * tracker);

/* Queues a srtpguard-status message when the connection's status changed, or
 * (@force) when an SSRC's own status changed, within the rate limit: such changes
 * come with every new SSRC, and the last one held back is posted later
 * (gst_srtp_guard_status_tracker_flush()). */
void gst_srtp_guard_status_tracker_update (GstSrtpGuardStatusTracker * tracker,
    GstObject * guard, GHashTable * streams, gboolean force, GQueue * msgs);
void gst_srtp_guard_status_tracker_flush (GstSrtpGuardStatusTracker * tracker,
    GstObject * guard, GHashTable * streams, GQueue * msgs);

/* What the packet path saw of @stream's media; @tracked: @stream is in @streams
 * (an untracked one counts in no status). Queues the status when it changed. */
void gst_srtp_guard_status_tracker_saw_media (GstSrtpGuardStatusTracker * tracker,
    GstObject * guard, GHashTable * streams, GstSrtpGuardStream * stream,
    gboolean encrypted, gboolean authenticated, guint bits, gboolean refused,
    GQueue * msgs);

/* @stream leaves the table (@sign -1) */
void gst_srtp_guard_status_tracker_forget (GstSrtpGuardStatusTracker * tracker,
    const GstSrtpGuardStream * stream);

/* #GstSrtpGuard:status */
GstStructure * gst_srtp_guard_status_tracker_structure (GstSrtpGuardStatusTracker *
    tracker, GHashTable * streams);

G_END_DECLS
