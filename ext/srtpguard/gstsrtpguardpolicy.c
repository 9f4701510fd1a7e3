/* gst-e2ee: srtpguard's policy: what it refuses, and what it tells the bus about it
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <string.h>

#include "gstsrtpguardpolicy.h"
#include "gstsrtpguardparams.h"

GST_DEBUG_CATEGORY_EXTERN (gst_srtp_guard_debug);
#define GST_CAT_DEFAULT gst_srtp_guard_debug

const gchar *
gst_srtp_guard_reason_nick (GstSrtpGuardReason reason)
{
  static const gchar *nicks[GST_SRTP_GUARD_N_REASONS] = {
    [GST_SRTP_GUARD_REASON_PLAIN_RTP] = "plain-rtp",
    [GST_SRTP_GUARD_REASON_NULL_CIPHER] = "null-cipher",
    [GST_SRTP_GUARD_REASON_NULL_AUTH] = "null-auth",
    [GST_SRTP_GUARD_REASON_WEAK_AUTH_TAG] = "weak-auth-tag",
    [GST_SRTP_GUARD_REASON_AUTHENTICATION] = "authentication",
    [GST_SRTP_GUARD_REASON_REPLAY] = "replay",
    [GST_SRTP_GUARD_REASON_BAD_MKI] = "bad-mki",
    [GST_SRTP_GUARD_REASON_NO_KEY] = "no-key",
    [GST_SRTP_GUARD_REASON_KEY_EXPIRED] = "key-expired",
    [GST_SRTP_GUARD_REASON_KEY_REUSED] = "key-reused",
    [GST_SRTP_GUARD_REASON_MALFORMED] = "malformed",
    [GST_SRTP_GUARD_REASON_OTHER] = "other",
  };

  if (reason < 0 || reason >= GST_SRTP_GUARD_N_REASONS)
    return "none";
  return nicks[reason];
}

gboolean
gst_srtp_guard_rate_limit_take (GstSrtpGuardRateLimit * rl, gint64 now)
{
  if (rl->last == 0) {
    rl->tokens = GST_SRTP_GUARD_MESSAGE_BURST;
    rl->last = now;
  } else if (now - rl->last >= GST_SRTP_GUARD_MESSAGE_PERIOD) {
    gint64 n = (now - rl->last) / GST_SRTP_GUARD_MESSAGE_PERIOD;

    if (n >= GST_SRTP_GUARD_MESSAGE_BURST - rl->tokens) {
      rl->tokens = GST_SRTP_GUARD_MESSAGE_BURST;
      rl->last = now;
    } else {
      rl->tokens += n;
      rl->last += n * GST_SRTP_GUARD_MESSAGE_PERIOD;
    }
  }
  if (rl->tokens == 0) {
    rl->suppressed++;
    return FALSE;
  }
  rl->tokens--;
  rl->suppressed = 0;
  return TRUE;
}

void
gst_srtp_guard_policy_init (GstSrtpGuardPolicy * policy)
{
  memset (policy, 0, sizeof (*policy));
  policy->require_encryption = GST_SRTP_GUARD_DEFAULT_REQUIRE_ENCRYPTION;
  policy->min_auth_tag_bits = GST_SRTP_GUARD_DEFAULT_MIN_AUTH_TAG_BITS;
  policy->on_violation = GST_SRTP_GUARD_DEFAULT_ON_VIOLATION;
  policy->post_drop_messages = GST_SRTP_GUARD_DEFAULT_POST_DROP_MESSAGES;
  policy->drop_message_interval = GST_SRTP_GUARD_DEFAULT_DROP_MESSAGE_INTERVAL;
}

void
gst_srtp_guard_policy_reset_limits (GstSrtpGuardPolicy * policy)
{
  memset (&policy->warning_limit, 0, sizeof (policy->warning_limit));
  memset (&policy->drop_limit, 0, sizeof (policy->drop_limit));
}

GstSrtpGuardReason
gst_srtp_guard_policy_check (const GstSrtpGuardPolicy * policy,
    GstSrtpGuardCipher cipher, GstSrtpGuardAuth auth)
{
  if (!policy->require_encryption)
    return GST_SRTP_GUARD_REASON_NONE;
  if (cipher == GST_SRTP_GUARD_CIPHER_NULL)
    return GST_SRTP_GUARD_REASON_NULL_CIPHER;
  if (!gst_srtp_guard_cipher_is_gcm (cipher) && auth == GST_SRTP_GUARD_AUTH_NULL)
    return GST_SRTP_GUARD_REASON_NULL_AUTH;
  if (gst_srtp_guard_tag_bits (cipher, auth) < policy->min_auth_tag_bits)
    return GST_SRTP_GUARD_REASON_WEAK_AUTH_TAG;
  return GST_SRTP_GUARD_REASON_NONE;
}

void
gst_srtp_guard_policy_warning (GstSrtpGuardPolicy * policy, GstObject * guard,
    GError * err, const gchar * debug, GQueue * msgs)
{
  if (gst_srtp_guard_rate_limit_take (&policy->warning_limit, g_get_monotonic_time ()))
    g_queue_push_tail (msgs, gst_message_new_warning (guard, err, debug));
  else
    GST_DEBUG_OBJECT (guard, "warning not posted (rate limit): %s", err->message);
  g_error_free (err);
}

GstFlowReturn
gst_srtp_guard_policy_violation (GstSrtpGuardPolicy * policy, GstObject * guard,
    guint32 ssrc, GstSrtpGuardReason reason, gboolean is_rtcp, guint bits,
    gboolean protect, gboolean report, GQueue * msgs)
{
  gboolean error = policy->on_violation == GST_SRTP_GUARD_VIOLATION_ERROR;
  gboolean reuse = reason == GST_SRTP_GUARD_REASON_KEY_REUSED;
  gchar *what, *debug;
  GError *err;
  GstStructure *details;

  if (report && !gst_srtp_guard_rate_limit_take (&policy->warning_limit,
          g_get_monotonic_time ())) {
    GST_DEBUG_OBJECT (guard, "violation of SSRC %u not posted (rate limit)", ssrc);
    report = FALSE;
  }
  if (!report)
    return error ? GST_FLOW_ERROR : GST_FLOW_OK;

  switch (reason) {
    case GST_SRTP_GUARD_REASON_PLAIN_RTP:
      what = g_strdup (is_rtcp ? "plain RTCP" : "plain RTP");
      break;
    case GST_SRTP_GUARD_REASON_NULL_CIPHER:
      what = g_strdup ("NULL cipher");
      break;
    case GST_SRTP_GUARD_REASON_NULL_AUTH:
      what = g_strdup ("no authentication");
      break;
    case GST_SRTP_GUARD_REASON_KEY_REUSED:
      what = g_strdup ("this master key already protected packets of this SSRC; "
          "it needs a new key");
      break;
    default:
      what = g_strdup_printf ("%u-bit authentication tag, min-auth-tag-bits is %u",
          bits, policy->min_auth_tag_bits);
      break;
  }
  err = g_error_new (GST_STREAM_ERROR,
      protect ? GST_STREAM_ERROR_ENCODE : GST_STREAM_ERROR_DECRYPT,
      "%s: SSRC %u (0x%08x): %s", reuse ? "Key reuse refused" :
      "Media encryption required", ssrc, ssrc, what);
  debug = reuse ?
      g_strdup_printf ("its SRTP state is gone (restart, clear-keys, remove-key) "
      "or would be reset (the key came back after another one, or with another "
      "suite or MKI), and the packet indices would repeat, and with them the "
      "keystream (GCM: nonces); outgoing packets of this SSRC are dropped until "
      "it gets a new key (on-violation=%s)", error ? "error" : "drop") :
      g_strdup_printf ("require-encryption is TRUE; %s packets of this SSRC are "
      "dropped (on-violation=%s)", protect ? "outgoing" : "incoming",
      error ? "error" : "drop");
  details = gst_structure_new ("srtpguard-violation",
      "ssrc", G_TYPE_UINT, ssrc,
      "reason", G_TYPE_STRING, gst_srtp_guard_reason_nick (reason), NULL);
  g_queue_push_tail (msgs, error ?
      gst_message_new_error_with_details (guard, err, debug, details) :
      gst_message_new_warning_with_details (guard, err, debug, details));
  g_error_free (err);
  g_free (debug);
  g_free (what);
  return error ? GST_FLOW_ERROR : GST_FLOW_OK;
}

static GstMessage *
drop_message (GstObject * guard, gboolean has_ssrc, guint32 ssrc,
    GstSrtpGuardReason reason, guint64 count)
{
  GstStructure *s = gst_structure_new ("srtpguard-drop",
      "reason", G_TYPE_STRING, gst_srtp_guard_reason_nick (reason),
      "count", G_TYPE_UINT64, count, NULL);

  if (has_ssrc)
    gst_structure_set (s, "ssrc", G_TYPE_UINT, ssrc, NULL);
  return gst_message_new_element (guard, s);
}

void
gst_srtp_guard_policy_record_drop (GstSrtpGuardPolicy * policy, GstObject * guard,
    guint64 * dropped, GstSrtpGuardDropLog * log, gboolean has_ssrc, guint32 ssrc,
    GstSrtpGuardReason reason, GQueue * msgs)
{
  gint64 now;

  GST_LOG_OBJECT (guard, "dropping packet of SSRC %u: %s", ssrc,
      gst_srtp_guard_reason_nick (reason));
  dropped[reason]++;
  if (!policy->post_drop_messages)
    return;
  log->unposted[reason]++;
  now = g_get_monotonic_time ();
  /* a drop the overall limit holds back stays in unposted: the SSRC's next drop or
   * the flush at EOS or stop posts it */
  if ((log->last_posted[reason] == 0 || policy->drop_message_interval == 0 ||
          now - log->last_posted[reason] >=
          (gint64) (policy->drop_message_interval / GST_USECOND)) &&
      gst_srtp_guard_rate_limit_take (&policy->drop_limit, now)) {
    g_queue_push_tail (msgs, drop_message (guard, has_ssrc, ssrc, reason,
            log->unposted[reason]));
    log->unposted[reason] = 0;
    log->last_posted[reason] = now;
  }
}

void
gst_srtp_guard_policy_flush_drops (GstObject * guard, GstSrtpGuardDropLog * log,
    gboolean has_ssrc, guint32 ssrc, GQueue * msgs)
{
  gint r;

  for (r = 0; r < GST_SRTP_GUARD_N_REASONS; r++) {
    if (log->unposted[r] == 0)
      continue;
    g_queue_push_tail (msgs, drop_message (guard, has_ssrc, ssrc, r, log->unposted[r]));
    log->unposted[r] = 0;
  }
}
