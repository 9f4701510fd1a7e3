/* gst-e2ee: srtpguard's packet path: keys, policy, protect/unprotect, status
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <gst/e2ee/e2ee.h>

#include "gstsrtpguard-private.h"

typedef struct {
  GQueue msgs;                  /* posted once the lock is released */
  guint limit;                  /* 0, or the key limit reached: 1 soft, 2 hard */
  guint32 limit_ssrc;
  guint64 limit_packets;
  GstCaps *src_caps;            /* new caps to send before the buffer */
} Ctx;

#define GUARD(self) GST_OBJECT (self)

static void
record_drop_locked (GstSrtpGuard * self, GstSrtpGuardStream * stream, gboolean has_ssrc,
    guint32 ssrc, GstSrtpGuardReason reason, Ctx * ctx)
{
  gst_srtp_guard_policy_record_drop (&self->policy, GUARD (self),
      stream ? stream->dropped : self->session.untracked_dropped,
      stream ? &stream->drop_log : &self->session.untracked_log, has_ssrc, ssrc,
      reason, &ctx->msgs);
}

static void
saw_media_locked (GstSrtpGuard * self, GstSrtpGuardStream * stream, gboolean encrypted,
    gboolean authenticated, guint bits, gboolean refused, Ctx * ctx)
{
  gst_srtp_guard_status_tracker_saw_media (&self->status, GUARD (self),
      self->session.streams, stream, encrypted, authenticated, bits, refused,
      &ctx->msgs);
}

/* Returns the flow the chain function should return. */
static GstFlowReturn
violation_locked (GstSrtpGuard * self, GstSrtpGuardStream * stream, guint32 ssrc,
    GstSrtpGuardReason reason, gboolean is_rtcp, guint bits, Ctx * ctx)
{
  gboolean report = stream == NULL || !stream->violation_reported;
  GstFlowReturn flow;

  if (stream && !is_rtcp && reason == GST_SRTP_GUARD_REASON_KEY_REUSED) {
    /* the suite is fine, the key is spent */
    saw_media_locked (self, stream,
        stream->params->rtp_cipher != GST_SRTP_GUARD_CIPHER_NULL, bits > 0, bits, TRUE,
        ctx);
  } else if (stream && !is_rtcp) {
    saw_media_locked (self, stream, reason != GST_SRTP_GUARD_REASON_PLAIN_RTP &&
        reason != GST_SRTP_GUARD_REASON_NULL_CIPHER,
        reason == GST_SRTP_GUARD_REASON_NULL_CIPHER ||
        reason == GST_SRTP_GUARD_REASON_WEAK_AUTH_TAG, bits, TRUE, ctx);
  }
  if (stream)
    stream->violation_reported = TRUE;
  flow = gst_srtp_guard_policy_violation (&self->policy, GUARD (self), ssrc, reason,
      is_rtcp, bits, self->mode == GST_SRTP_GUARD_MODE_PROTECT, report, &ctx->msgs);
  record_drop_locked (self, stream, TRUE, ssrc, reason, ctx);
  return flow;
}

#define IGNORED_CAPS "the caps returned by a key signal handler were ignored"

static GstSrtpGuardParams *
find_params_locked (GstSrtpGuard * self, guint32 ssrc, GstSrtpGuardSource * source,
    gboolean * specific, GQueue * msgs)
{
  GError *err = NULL;
  guint i;

  for (i = 0; i < self->pairs->len; i++) {
    const GstSrtpGuardPadPair *pair = g_ptr_array_index (self->pairs, i);

    if (pair->caps_params && (!pair->caps_has_ssrc || pair->caps_ssrc == ssrc)) {
      *source = GST_SRTP_GUARD_SOURCE_CAPS;
      *specific = pair->caps_has_ssrc;
      return gst_srtp_guard_params_copy (pair->caps_params);
    }
  }
  if (gst_srtp_guard_params_validate (self->prop_params, &err)) {
    *source = GST_SRTP_GUARD_SOURCE_PROPERTY;
    *specific = FALSE;
    return gst_srtp_guard_params_copy (self->prop_params);
  }
  /* a key was set but does not fit the suite: say why packets go unprotected */
  if (self->prop_key && !self->prop_warned) {
    g_queue_push_tail (msgs, gst_message_new_warning (GUARD (self), err,
            "the key property is not used"));
    self->prop_warned = TRUE;
  }
  g_clear_error (&err);
  return NULL;
}

static gboolean
is_transport_meta (GstBuffer * buf, GstMeta ** meta, gpointer user_data)
{
  if ((*meta)->info->api == GST_E2EE_TRANSPORT_META_API_TYPE)
    *meta = NULL;
  return TRUE;
}

/* The meta describes the last hop only: an earlier guard's goes. */
static void
remove_transport_meta (GstBuffer * buf)
{
  if (gst_buffer_get_e2ee_transport_meta (buf))
    gst_buffer_foreach_meta (buf, is_transport_meta, NULL);
}

/* Returns the buffer to push, or NULL when it was dropped. Takes @buf. */
static GstBuffer *
process_locked (GstSrtpGuard * self, const GstSrtpGuardPadPair * pair, GstBuffer * buf,
    gboolean is_rtcp, guint32 ssrc, guint16 seq, Ctx * ctx, GstFlowReturn * flow)
{
  GstSrtpGuardSession *session = &self->session;
  gboolean protect = self->mode == GST_SRTP_GUARD_MODE_PROTECT;
  GstSrtpGuardStream *stream;
  gboolean tracked = TRUE;
  GstSrtpGuardCipher cipher = GST_SRTP_GUARD_CIPHER_NULL;
  GstSrtpGuardAuth auth = GST_SRTP_GUARD_AUTH_NULL;
  GstSrtpGuardReason reason;
  srtp_err_status_t err;
  guint bits;

  stream = gst_srtp_guard_session_lookup (session, ssrc);

  if (!protect && pair->caps_plain) {
    if (stream == NULL) {
      stream = gst_srtp_guard_stream_new (ssrc, !protect);
      tracked = gst_srtp_guard_session_track (session, stream);
    }
    if (self->policy.require_encryption) {
      *flow = violation_locked (self, tracked ? stream : NULL, ssrc,
          GST_SRTP_GUARD_REASON_PLAIN_RTP, is_rtcp, 0, ctx);
      goto drop;
    }
    goto pass;
  }

  if (stream == NULL || stream->params == NULL) {
    GstSrtpGuardSource source = GST_SRTP_GUARD_SOURCE_SIGNAL;
    gboolean specific = TRUE;
    GstSrtpGuardParams *params = find_params_locked (self, ssrc, &source, &specific,
        &ctx->msgs);
    GError *gerr = NULL;

    if (params == NULL) {
      g_mutex_unlock (&self->lock);
      params = gst_srtp_guard_emit_key_signal (self, GST_SRTP_GUARD_KEY_SIGNAL_REQUEST,
          ssrc, &gerr);
      g_mutex_lock (&self->lock);
      if (gerr)
        gst_srtp_guard_policy_warning (&self->policy, GUARD (self),
            g_steal_pointer (&gerr), IGNORED_CAPS, &ctx->msgs);
      stream = gst_srtp_guard_session_lookup (session, ssrc);
      if (stream && stream->params) {
        gst_srtp_guard_params_free (params);
        goto have_keys;
      }
    }
    if (params == NULL) {
      record_drop_locked (self, stream, TRUE, ssrc, GST_SRTP_GUARD_REASON_NO_KEY, ctx);
      goto drop;
    }
    if (stream == NULL) {
      stream = gst_srtp_guard_stream_new (ssrc, !protect);
      /* Keys meant for any SSRC: keep state only once a packet authenticates. */
      tracked = (specific || protect) && gst_srtp_guard_session_track (session, stream);
      if (protect && !tracked) {
        /* a context per packet would start its indices again every time */
        GST_DEBUG_OBJECT (self, "no room to track SSRC %u", ssrc);
        gst_srtp_guard_params_free (params);
        record_drop_locked (self, NULL, TRUE, ssrc, GST_SRTP_GUARD_REASON_OTHER, ctx);
        goto drop;
      }
    }
    if (!gst_srtp_guard_session_set_params (session, stream, params, source, &gerr)) {
      gst_srtp_guard_policy_warning (&self->policy, GUARD (self),
          g_steal_pointer (&gerr), "no usable keys for this SSRC", &ctx->msgs);
      record_drop_locked (self, tracked ? stream : NULL, TRUE, ssrc,
          GST_SRTP_GUARD_REASON_NO_KEY, ctx);
      goto drop;
    }
  }

have_keys:
  cipher = is_rtcp ? stream->params->rtcp_cipher : stream->params->rtp_cipher;
  auth = is_rtcp ? stream->params->rtcp_auth : stream->params->rtp_auth;
  bits = gst_srtp_guard_tag_bits (cipher, auth);
  reason = gst_srtp_guard_policy_check (&self->policy, cipher, auth);
  if (reason != GST_SRTP_GUARD_REASON_NONE) {
    if (!tracked)
      tracked = gst_srtp_guard_session_track (session, stream);
    *flow = violation_locked (self, tracked ? stream : NULL, ssrc, reason, is_rtcp, bits,
        ctx);
    goto drop;
  }
  if (stream->key_expired) {
    record_drop_locked (self, tracked ? stream : NULL, TRUE, ssrc,
        GST_SRTP_GUARD_REASON_KEY_EXPIRED, ctx);
    goto drop;
  }
  if (stream->key_spent) {
    *flow = violation_locked (self, tracked ? stream : NULL, ssrc,
        GST_SRTP_GUARD_REASON_KEY_REUSED, is_rtcp, bits, ctx);
    goto drop;
  }
  if (stream->session == NULL)  /* NULL/NULL suite, allowed by the policy */
    goto pass;

  if (!protect && !is_rtcp)
    gst_srtp_guard_stream_before_rtp (stream, seq);
  err = gst_srtp_guard_session_transform (stream, &buf, is_rtcp, protect);
  if (err != srtp_err_status_ok) {
    reason = gst_srtp_guard_session_drop_reason (err);
    if (reason == GST_SRTP_GUARD_REASON_KEY_EXPIRED && tracked) {
      stream->key_expired = TRUE;
      ctx->limit = 2;
      ctx->limit_ssrc = ssrc;
      ctx->limit_packets = stream->key_packets;
    }
    GST_DEBUG_OBJECT (self, "%s of SSRC %u failed: %s", protect ? "protect" : "unprotect",
        ssrc, gst_srtp_guard_srtp_status_name (err));
    record_drop_locked (self, tracked ? stream : NULL, TRUE, ssrc, reason, ctx);
    goto drop;
  }
  if (!tracked)
    tracked = gst_srtp_guard_session_track (session, stream);
  if (!protect && !is_rtcp)
    gst_srtp_guard_stream_rtp_passed (stream, seq);
  {
    guint limit = gst_srtp_guard_session_key_used (session, stream, tracked, protect);

    if (limit)
      ctx->limit = limit;
  }
  ctx->limit_ssrc = ssrc;
  ctx->limit_packets = stream->key_packets;

pass:
  if (is_rtcp) {
    stream->rtcp_packets++;
    stream->rtcp_bytes += gst_buffer_get_size (buf);
  } else {
    stream->packets++;
    stream->bytes += gst_buffer_get_size (buf);
    saw_media_locked (self, stream, cipher != GST_SRTP_GUARD_CIPHER_NULL,
        gst_srtp_guard_tag_bits (cipher, auth) > 0, gst_srtp_guard_tag_bits (cipher,
            auth), FALSE, ctx);
  }
  buf = gst_buffer_make_writable (buf);
  remove_transport_meta (buf);
  gst_buffer_add_e2ee_transport_meta (buf, ssrc, cipher != GST_SRTP_GUARD_CIPHER_NULL,
      gst_srtp_guard_tag_bits (cipher, auth) > 0, self->status.signaling_encrypted,
      self->status.tls_certificate_valid, gst_srtp_guard_tag_bits (cipher, auth));
  if (!tracked)
    gst_srtp_guard_stream_free (stream);
  return buf;

drop:
  if (!tracked)
    gst_srtp_guard_stream_free (stream);
  gst_buffer_unref (buf);
  return NULL;
}

static void
handle_key_limit (GstSrtpGuard * self, Ctx * ctx)
{
  gboolean hard = ctx->limit == 2;
  GstSrtpGuardParams *params;
  GQueue msgs = G_QUEUE_INIT;
  GError *err = NULL;

  gst_element_post_message (GST_ELEMENT (self),
      gst_message_new_element (GUARD (self),
          gst_structure_new ("srtpguard-key-limit",
              "ssrc", G_TYPE_UINT, ctx->limit_ssrc,
              "limit", G_TYPE_STRING, hard ? "hard" : "soft",
              "packets", G_TYPE_UINT64, ctx->limit_packets, NULL)));

  params = gst_srtp_guard_emit_key_signal (self, hard ?
      GST_SRTP_GUARD_KEY_SIGNAL_HARD_LIMIT : GST_SRTP_GUARD_KEY_SIGNAL_SOFT_LIMIT,
      ctx->limit_ssrc, &err);
  if (err) {
    g_mutex_lock (&self->lock);
    gst_srtp_guard_policy_warning (&self->policy, GUARD (self), g_steal_pointer (&err),
        IGNORED_CAPS, &msgs);
    g_mutex_unlock (&self->lock);
  }
  if (params) {
    GstSrtpGuardStream *stream;

    g_mutex_lock (&self->lock);
    stream = gst_srtp_guard_session_lookup (&self->session, ctx->limit_ssrc);
    /* the same keys again do not start a new key lifetime */
    if (stream == NULL || (stream->params &&
            gst_srtp_guard_params_equal (stream->params, params))) {
      gst_srtp_guard_params_free (params);
    } else if (!gst_srtp_guard_session_set_params (&self->session, stream, params,
            GST_SRTP_GUARD_SOURCE_SIGNAL, &err)) {
      g_queue_push_tail (&msgs, gst_message_new_warning (GUARD (self), err,
              "could not rekey after a key limit"));
      g_error_free (err);
    }
    g_mutex_unlock (&self->lock);
  }
  gst_srtp_guard_post_messages (self, &msgs);
}

/* A GstPadChainFunction: the signature is GStreamer's, pad cannot be const. */
GstFlowReturn
// cppcheck-suppress constParameter
gst_srtp_guard_chain (GstPad * pad, GstObject * parent, GstBuffer * buf)
{
  GstSrtpGuard *self = GST_SRTP_GUARD (parent);
  GstSrtpGuardPadPair *pair = gst_pad_get_element_private (pad);
  GstSrtpGuardPadPair *out;
  Ctx ctx = { G_QUEUE_INIT, 0, 0, 0, NULL };
  GstFlowReturn flow = GST_FLOW_OK;
  GstPad *out_src, *out_sink;
  guint8 hdr[12];
  gsize n;
  gboolean is_rtcp, protect, out_rtcp;
  guint32 ssrc;

  n = gst_buffer_extract (buf, 0, hdr, sizeof (hdr));
  is_rtcp = pair->rtcp || gst_srtp_guard_packet_is_rtcp (hdr, n);

  g_mutex_lock (&self->lock);
  protect = self->mode == GST_SRTP_GUARD_MODE_PROTECT;
  if (!gst_srtp_guard_packet_ssrc (hdr, n, is_rtcp, &ssrc)) {
    record_drop_locked (self, NULL, FALSE, 0, GST_SRTP_GUARD_REASON_MALFORMED, &ctx);
    gst_buffer_unref (buf);
    buf = NULL;
  } else {
    buf = process_locked (self, pair, buf, is_rtcp, ssrc, GST_READ_UINT16_BE (hdr + 2),
        &ctx, &flow);
  }
  if (self->status.pending)
    gst_srtp_guard_status_tracker_update (&self->status, GUARD (self),
        self->session.streams, TRUE, &ctx.msgs);
  /* Multiplexed RTCP leaves an unprotecting guard on its RTCP pad, like srtpdec's. */
  out = (!protect && is_rtcp) ? gst_srtp_guard_rtcp_pair_locked (self, pair) : pair;
  if (buf && protect && out->src_caps_dirty) {
    GstCaps *sink_caps = gst_pad_get_current_caps (out->sink);

    if (sink_caps) {
      ctx.src_caps = gst_srtp_guard_protect_src_caps_locked (self, out, sink_caps);
      gst_caps_unref (sink_caps);
    }
    out->src_caps_dirty = FALSE;
  }
  /* another pair may be released once the lock is gone: its pads stay alive */
  out_src = gst_object_ref (out->src);
  out_sink = gst_object_ref (out->sink);
  out_rtcp = out->rtcp;
  g_mutex_unlock (&self->lock);

  gst_srtp_guard_post_messages (self, &ctx.msgs);
  if (ctx.limit)
    handle_key_limit (self, &ctx);
  if (ctx.src_caps) {
    gst_pad_push_event (out_src, gst_event_new_caps (ctx.src_caps));
    gst_caps_unref (ctx.src_caps);
  }
  if (buf == NULL)
    goto done;

  if (out != pair && !gst_srtp_guard_ensure_src_events (self, out_src, out_sink,
          pair->sink, out_rtcp)) {
    gst_buffer_unref (buf);
    flow = GST_FLOW_OK;
    goto done;
  }
  flow = gst_pad_push (out_src, buf);
  if (out != pair && flow == GST_FLOW_NOT_LINKED)
    flow = GST_FLOW_OK;
done:
  gst_object_unref (out_src);
  gst_object_unref (out_sink);
  return flow;
}
