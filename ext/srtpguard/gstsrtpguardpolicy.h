/* gst-e2ee: srtpguard's policy: what it refuses, and what it tells the bus about it
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <gst/gst.h>

#include "gstsrtpguardenums.h"

G_BEGIN_DECLS

/* Why a packet was dropped; the nick is the `reason` of bus messages and the stats
 * field "dropped-<nick>". Policy reasons come first. */
typedef enum {
  GST_SRTP_GUARD_REASON_NONE = -1,
  GST_SRTP_GUARD_REASON_PLAIN_RTP = 0,
  GST_SRTP_GUARD_REASON_NULL_CIPHER,
  GST_SRTP_GUARD_REASON_NULL_AUTH,
  GST_SRTP_GUARD_REASON_WEAK_AUTH_TAG,
  GST_SRTP_GUARD_REASON_AUTHENTICATION,
  GST_SRTP_GUARD_REASON_REPLAY,
  GST_SRTP_GUARD_REASON_BAD_MKI,
  GST_SRTP_GUARD_REASON_NO_KEY,
  GST_SRTP_GUARD_REASON_KEY_EXPIRED,
  GST_SRTP_GUARD_REASON_KEY_REUSED,
  GST_SRTP_GUARD_REASON_MALFORMED,
  GST_SRTP_GUARD_REASON_OTHER,
  GST_SRTP_GUARD_N_REASONS
} GstSrtpGuardReason;

const gchar * gst_srtp_guard_reason_nick (GstSrtpGuardReason reason);

/* A token bucket for bus messages: GST_SRTP_GUARD_MESSAGE_BURST at once, then one
 * every GST_SRTP_GUARD_MESSAGE_PERIOD. */
#define GST_SRTP_GUARD_MESSAGE_BURST 32
#define GST_SRTP_GUARD_MESSAGE_PERIOD (100 * G_TIME_SPAN_MILLISECOND)

typedef struct {
  gint64 last;                  /* monotonic time of the last refill; 0: never used */
  guint tokens;
  guint64 suppressed;           /* messages not posted since the last one posted */
} GstSrtpGuardRateLimit;

/* TRUE when a message of @rl's kind may be posted now (@now: monotonic, µs) */
gboolean gst_srtp_guard_rate_limit_take (GstSrtpGuardRateLimit * rl, gint64 now);

/* Drops of one SSRC (or of packets naming none) not posted yet, per reason */
typedef struct {
  guint64 unposted[GST_SRTP_GUARD_N_REASONS];
  gint64 last_posted[GST_SRTP_GUARD_N_REASONS];
} GstSrtpGuardDropLog;

#define GST_SRTP_GUARD_DEFAULT_REQUIRE_ENCRYPTION TRUE
#define GST_SRTP_GUARD_DEFAULT_MIN_AUTH_TAG_BITS 80
#define GST_SRTP_GUARD_DEFAULT_ON_VIOLATION GST_SRTP_GUARD_VIOLATION_DROP
#define GST_SRTP_GUARD_DEFAULT_POST_DROP_MESSAGES TRUE
#define GST_SRTP_GUARD_DEFAULT_DROP_MESSAGE_INTERVAL GST_SECOND

/* The element's policy settings and what input may make it post. Callers hold the
 * element's lock; messages go into a queue posted once it is released. */
typedef struct {
  gboolean require_encryption;
  guint min_auth_tag_bits;
  GstSrtpGuardViolationAction on_violation;
  gboolean post_drop_messages;
  GstClockTime drop_message_interval;

  /* What input can make the packet path post, limited overall per kind, however
   * many SSRCs it comes with: violation and other warnings, srtpguard-drop messages. */
  GstSrtpGuardRateLimit warning_limit;
  GstSrtpGuardRateLimit drop_limit;
} GstSrtpGuardPolicy;

void gst_srtp_guard_policy_init (GstSrtpGuardPolicy * policy);
void gst_srtp_guard_policy_reset_limits (GstSrtpGuardPolicy * policy);

/* The reason packets of this suite are refused, or GST_SRTP_GUARD_REASON_NONE */
GstSrtpGuardReason gst_srtp_guard_policy_check (const GstSrtpGuardPolicy * policy,
    GstSrtpGuardCipher cipher, GstSrtpGuardAuth auth);

/* Queues the warning or error message of a violation of @ssrc, within the warning
 * rate limit. Returns the flow the chain function returns. */
GstFlowReturn gst_srtp_guard_policy_violation (GstSrtpGuardPolicy * policy,
    GstObject * guard, guint32 ssrc, GstSrtpGuardReason reason, gboolean is_rtcp,
    guint bits, gboolean protect, gboolean report, GQueue * msgs);

/* A warning the packet path posts, within the rate limit; takes @err. */
void gst_srtp_guard_policy_warning (GstSrtpGuardPolicy * policy, GstObject * guard,
    GError * err, const gchar * debug, GQueue * msgs);

/* Counts a drop in @dropped and @log, and queues a srtpguard-drop message when
 * #GstSrtpGuard:drop-message-interval and the overall limit allow. */
void gst_srtp_guard_policy_record_drop (GstSrtpGuardPolicy * policy, GstObject * guard,
    guint64 * dropped, GstSrtpGuardDropLog * log, gboolean has_ssrc, guint32 ssrc,
    GstSrtpGuardReason reason, GQueue * msgs);

/* Queues a message for each drop count @log holds back. */
void gst_srtp_guard_policy_flush_drops (GstObject * guard, GstSrtpGuardDropLog * log,
    gboolean has_ssrc, guint32 ssrc, GQueue * msgs);

G_END_DECLS
