/* gst-e2ee: srtpguard packet path: policy, protect/unprotect, drops, key limits
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <string.h>
#include <gst/e2ee/e2ee.h>

#include "gstsrtpguard-private.h"

/* A bound on per-SSRC state that unauthenticated input can make the guard keep. */
#define MAX_TRACKED_STREAMS 4096

typedef struct {
  GQueue msgs;                  /* posted once the lock is released */
  guint limit_signal;           /* 0, SIGNAL_SOFT_LIMIT or SIGNAL_HARD_LIMIT */
  guint32 limit_ssrc;
  guint64 limit_packets;
  GstCaps *src_caps;            /* new caps to send before the buffer */
} Ctx;

void
gst_srtp_guard_post_messages (GstSrtpGuard * self, GQueue * msgs)
{
  GstMessage *msg;

  while ((msg = g_queue_pop_head (msgs)))
    gst_element_post_message (GST_ELEMENT (self), msg);
}

/* TRUE when a message of @rl's kind may be posted now */
static gboolean
rate_limit_take (GstSrtpGuardRateLimit * rl, gint64 now)
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

/* A warning the packet path posts; takes @err. */
static void
queue_warning_locked (GstSrtpGuard * self, GQueue * msgs, GError * err,
    const gchar * debug)
{
  if (rate_limit_take (&self->warning_limit, g_get_monotonic_time ()))
    g_queue_push_tail (msgs, gst_message_new_warning (GST_OBJECT (self), err, debug));
  else
    GST_DEBUG_OBJECT (self, "warning not posted (rate limit): %s", err->message);
  g_error_free (err);
}

static GstMessage *
drop_message (GstSrtpGuard * self, gboolean has_ssrc, guint32 ssrc,
    GstSrtpGuardReason reason, guint64 count)
{
  GstStructure *s = gst_structure_new ("srtpguard-drop",
      "reason", G_TYPE_STRING, gst_srtp_guard_reason_nick (reason),
      "count", G_TYPE_UINT64, count, NULL);

  if (has_ssrc)
    gst_structure_set (s, "ssrc", G_TYPE_UINT, ssrc, NULL);
  return gst_message_new_element (GST_OBJECT (self), s);
}

static void
record_drop_locked (GstSrtpGuard * self, GstSrtpGuardStream * stream, gboolean has_ssrc,
    guint32 ssrc, GstSrtpGuardReason reason, Ctx * ctx)
{
  guint64 *dropped = stream ? stream->dropped : self->untracked_dropped;
  GstSrtpGuardDropLog *log = stream ? &stream->drop_log : &self->untracked_log;
  gint64 now;

  GST_LOG_OBJECT (self, "dropping packet of SSRC %u: %s", ssrc,
      gst_srtp_guard_reason_nick (reason));
  dropped[reason]++;
  if (!self->post_drop_messages)
    return;
  log->unposted[reason]++;
  now = g_get_monotonic_time ();
  /* a drop the overall limit holds back stays in unposted: the SSRC's next drop or
   * the flush at EOS or stop posts it */
  if ((log->last_posted[reason] == 0 || self->drop_message_interval == 0 ||
          now - log->last_posted[reason] >=
          (gint64) self->drop_message_interval * 1000) &&
      rate_limit_take (&self->drop_limit, now)) {
    g_queue_push_tail (&ctx->msgs, drop_message (self, has_ssrc, ssrc, reason,
            log->unposted[reason]));
    log->unposted[reason] = 0;
    log->last_posted[reason] = now;
  }
}

static void
flush_log (GstSrtpGuard * self, GstSrtpGuardDropLog * log, gboolean has_ssrc,
    guint32 ssrc, GQueue * msgs)
{
  gint r;

  for (r = 0; r < GST_SRTP_GUARD_N_REASONS; r++) {
    if (log->unposted[r] == 0)
      continue;
    g_queue_push_tail (msgs, drop_message (self, has_ssrc, ssrc, r, log->unposted[r]));
    log->unposted[r] = 0;
  }
}

static void post_status_locked (GstSrtpGuard * self, GQueue * msgs);

void
gst_srtp_guard_flush_drop_messages (GstSrtpGuard * self)
{
  GQueue msgs = G_QUEUE_INIT;
  GHashTableIter iter;
  gpointer value;

  g_mutex_lock (&self->lock);
  if (self->streams) {
    g_hash_table_iter_init (&iter, self->streams);
    while (g_hash_table_iter_next (&iter, NULL, &value)) {
      GstSrtpGuardStream *stream = value;

      flush_log (self, &stream->drop_log, TRUE, stream->ssrc, &msgs);
    }
  }
  flush_log (self, &self->untracked_log, FALSE, 0, &msgs);
  if (self->status_pending)
    post_status_locked (self, &msgs);
  g_mutex_unlock (&self->lock);
  gst_srtp_guard_post_messages (self, &msgs);
}

static void
post_status_locked (GstSrtpGuard * self, GQueue * msgs)
{
  gst_srtp_guard_status_compute (&self->counts, self->signaling_encrypted,
      self->tls_certificate_valid, &self->status);
  self->status_posted = TRUE;
  self->status_pending = FALSE;
  g_queue_push_tail (msgs, gst_message_new_element (GST_OBJECT (self),
          gst_srtp_guard_status_to_structure (&self->status, &self->counts,
              self->streams)));
}

/* @force: an SSRC's own status changed, which the message reports too. Such changes
 * come with every new SSRC and are rate-limited (the last one is posted later); a
 * change of the connection's status always goes out at once. */
void
gst_srtp_guard_update_status_locked (GstSrtpGuard * self, gboolean force, GQueue * msgs)
{
  GstSrtpGuardStatus st;
  gboolean changed, allowed;

  gst_srtp_guard_status_compute (&self->counts, self->signaling_encrypted,
      self->tls_certificate_valid, &st);
  changed = !self->status_posted || !gst_srtp_guard_status_equal (&st, &self->status);
  if (!changed && !force)
    return;
  allowed = rate_limit_take (&self->status_limit, g_get_monotonic_time ());
  if (!changed && !allowed) {
    self->status_pending = TRUE;
    return;
  }
  post_status_locked (self, msgs);
}

void
gst_srtp_guard_forget_streams_locked (GstSrtpGuard * self, gboolean all, guint32 ssrc)
{
  GstSrtpGuardStream *stream;

  if (all) {
    g_hash_table_remove_all (self->streams);
    memset (&self->counts, 0, sizeof (self->counts));
    return;
  }
  stream = g_hash_table_lookup (self->streams, GUINT_TO_POINTER (ssrc));
  if (stream) {
    gst_srtp_guard_status_counts_add (&self->counts, stream, -1);
    g_hash_table_remove (self->streams, GUINT_TO_POINTER (ssrc));
  }
}

static void
saw_media_locked (GstSrtpGuard * self, GstSrtpGuardStream * stream, gboolean encrypted,
    gboolean authenticated, guint bits, gboolean refused, Ctx * ctx)
{
  /* an untracked stream is gone after this packet: it counts in no status */
  gboolean tracked = g_hash_table_lookup (self->streams,
      GUINT_TO_POINTER (stream->ssrc)) == stream;

  if (stream->seen && stream->media_encrypted == encrypted &&
      stream->media_authenticated == authenticated && stream->auth_tag_bits == bits &&
      stream->refused == refused)
    return;
  if (tracked)
    gst_srtp_guard_status_counts_add (&self->counts, stream, -1);
  stream->seen = TRUE;
  stream->media_encrypted = encrypted;
  stream->media_authenticated = authenticated;
  stream->auth_tag_bits = bits;
  stream->refused = refused;
  if (tracked) {
    gst_srtp_guard_status_counts_add (&self->counts, stream, 1);
    gst_srtp_guard_update_status_locked (self, TRUE, &ctx->msgs);
  }
}

static GstSrtpGuardReason
policy_check (GstSrtpGuard * self, GstSrtpGuardCipher cipher, GstSrtpGuardAuth auth)
{
  if (!self->require_encryption)
    return GST_SRTP_GUARD_REASON_NONE;
  if (cipher == GST_SRTP_GUARD_CIPHER_NULL)
    return GST_SRTP_GUARD_REASON_NULL_CIPHER;
  if (!gst_srtp_guard_cipher_is_gcm (cipher) && auth == GST_SRTP_GUARD_AUTH_NULL)
    return GST_SRTP_GUARD_REASON_NULL_AUTH;
  if (gst_srtp_guard_tag_bits (cipher, auth) < self->min_auth_tag_bits)
    return GST_SRTP_GUARD_REASON_WEAK_AUTH_TAG;
  return GST_SRTP_GUARD_REASON_NONE;
}

/* Returns the flow the chain function should return. */
static GstFlowReturn
violation_locked (GstSrtpGuard * self, GstSrtpGuardStream * stream, guint32 ssrc,
    GstSrtpGuardReason reason, gboolean is_rtcp, guint bits, Ctx * ctx)
{
  gboolean error = self->on_violation == GST_SRTP_GUARD_VIOLATION_ERROR;
  gboolean protect = self->mode == GST_SRTP_GUARD_MODE_PROTECT;
  gboolean reuse = reason == GST_SRTP_GUARD_REASON_KEY_REUSED;
  gboolean report = stream == NULL || !stream->violation_reported;

  if (stream && !is_rtcp && reuse) {
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
  if (report && !rate_limit_take (&self->warning_limit, g_get_monotonic_time ())) {
    GST_DEBUG_OBJECT (self, "violation of SSRC %u not posted (rate limit)", ssrc);
    report = FALSE;
  }
  if (report) {
    gchar *what, *debug;
    GError *err;
    GstStructure *details;

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
            bits, self->min_auth_tag_bits);
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
    g_queue_push_tail (&ctx->msgs, error ?
        gst_message_new_error_with_details (GST_OBJECT (self), err, debug, details) :
        gst_message_new_warning_with_details (GST_OBJECT (self), err, debug, details));
    g_error_free (err);
    g_free (debug);
    g_free (what);
  }
  record_drop_locked (self, stream, TRUE, ssrc, reason, ctx);
  return error ? GST_FLOW_ERROR : GST_FLOW_OK;
}

static GstSrtpGuardReason
reason_for_status (srtp_err_status_t err)
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

static srtp_err_status_t
transform (GstSrtpGuardStream * stream, GstBuffer ** bufp, gboolean is_rtcp,
    gboolean protect)
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

/* Call without the lock; @error: why the handler's caps were ignored */
static GstSrtpGuardParams *
request_params (GstSrtpGuard * self, guint signal, guint32 ssrc, GError ** error)
{
  GstSrtpGuardParams *params = NULL;
  GstCaps *caps = NULL;

  g_signal_emit (self, gst_srtp_guard_signals[signal], 0, ssrc, &caps);
  if (caps == NULL)
    return NULL;
  if (!gst_caps_is_empty (caps) && !gst_caps_is_any (caps))
    params = gst_srtp_guard_params_from_structure (gst_caps_get_structure (caps, 0),
        error);
  gst_caps_unref (caps);
  return params;
}

#define IGNORED_CAPS "the caps returned by a key signal handler were ignored"

static GstSrtpGuardParams *
find_params_locked (GstSrtpGuard * self, guint32 ssrc, GstSrtpGuardSource * source,
    gboolean * specific, GQueue * msgs)
{
  GError *err = NULL;
  guint i;

  for (i = 0; i < 2; i++) {
    if (self->caps_params[i] && (!self->caps_has_ssrc[i] || self->caps_ssrc[i] == ssrc)) {
      *source = GST_SRTP_GUARD_SOURCE_CAPS;
      *specific = self->caps_has_ssrc[i];
      return gst_srtp_guard_params_copy (self->caps_params[i]);
    }
  }
  if (gst_srtp_guard_params_validate (self->prop_params, &err)) {
    *source = GST_SRTP_GUARD_SOURCE_PROPERTY;
    *specific = FALSE;
    return gst_srtp_guard_params_copy (self->prop_params);
  }
  /* a key was set but does not fit the suite: say why packets go unprotected */
  if (self->prop_key && !self->prop_warned) {
    g_queue_push_tail (msgs, gst_message_new_warning (GST_OBJECT (self), err,
            "the key property is not used"));
    self->prop_warned = TRUE;
  }
  g_clear_error (&err);
  return NULL;
}

static gboolean
track_locked (GstSrtpGuard * self, GstSrtpGuardStream * stream)
{
  if (g_hash_table_size (self->streams) >= MAX_TRACKED_STREAMS)
    return FALSE;
  g_hash_table_insert (self->streams, GUINT_TO_POINTER (stream->ssrc), stream);
  return TRUE;
}

void
gst_srtp_guard_apply_params_locked (GstSrtpGuard * self,
    const GstSrtpGuardParams * params, GstSrtpGuardSource source, gboolean has_ssrc,
    guint32 ssrc, GQueue * msgs)
{
  GHashTableIter iter;
  gpointer value;

  if (self->streams == NULL)
    return;
  g_hash_table_iter_init (&iter, self->streams);
  while (g_hash_table_iter_next (&iter, NULL, &value)) {
    GstSrtpGuardStream *stream = value;
    GError *err = NULL;

    if (has_ssrc ? stream->ssrc != ssrc : stream->source != source)
      continue;
    if (stream->params && gst_srtp_guard_params_equal (stream->params, params))
      continue;
    if (gst_srtp_guard_stream_set_params (stream, gst_srtp_guard_params_copy (params),
            source, self->replay_window_size, self->used_keys, &err)) {
      GST_INFO_OBJECT (self, "new keys for SSRC %u, packet index kept", stream->ssrc);
    } else {
      g_queue_push_tail (msgs, gst_message_new_warning (GST_OBJECT (self), err,
              "could not rekey a stream"));
      g_error_free (err);
    }
  }
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
process_locked (GstSrtpGuard * self, guint idx, GstBuffer * buf, gboolean is_rtcp,
    guint32 ssrc, guint16 seq, Ctx * ctx, GstFlowReturn * flow)
{
  gboolean protect = self->mode == GST_SRTP_GUARD_MODE_PROTECT;
  GstSrtpGuardStream *stream;
  gboolean tracked = TRUE;
  GstSrtpGuardCipher cipher = GST_SRTP_GUARD_CIPHER_NULL;
  GstSrtpGuardAuth auth = GST_SRTP_GUARD_AUTH_NULL;
  GstSrtpGuardReason reason;
  srtp_err_status_t err;
  guint bits;

  stream = g_hash_table_lookup (self->streams, GUINT_TO_POINTER (ssrc));

  if (!protect && self->caps_plain[idx]) {
    if (stream == NULL) {
      stream = gst_srtp_guard_stream_new (ssrc, !protect);
      tracked = track_locked (self, stream);
    }
    if (self->require_encryption) {
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
      params = request_params (self, SIGNAL_REQUEST_KEY, ssrc, &gerr);
      g_mutex_lock (&self->lock);
      if (gerr)
        queue_warning_locked (self, &ctx->msgs, g_steal_pointer (&gerr), IGNORED_CAPS);
      stream = g_hash_table_lookup (self->streams, GUINT_TO_POINTER (ssrc));
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
      tracked = (specific || protect) && track_locked (self, stream);
      if (protect && !tracked) {
        /* a context per packet would start its indices again every time */
        GST_DEBUG_OBJECT (self, "no room to track SSRC %u", ssrc);
        gst_srtp_guard_params_free (params);
        record_drop_locked (self, NULL, TRUE, ssrc, GST_SRTP_GUARD_REASON_OTHER, ctx);
        goto drop;
      }
    }
    if (!gst_srtp_guard_stream_set_params (stream, params, source,
            self->replay_window_size, self->used_keys, &gerr)) {
      queue_warning_locked (self, &ctx->msgs, g_steal_pointer (&gerr),
          "no usable keys for this SSRC");
      record_drop_locked (self, tracked ? stream : NULL, TRUE, ssrc,
          GST_SRTP_GUARD_REASON_NO_KEY, ctx);
      goto drop;
    }
  }

have_keys:
  cipher = is_rtcp ? stream->params->rtcp_cipher : stream->params->rtp_cipher;
  auth = is_rtcp ? stream->params->rtcp_auth : stream->params->rtp_auth;
  bits = gst_srtp_guard_tag_bits (cipher, auth);
  reason = policy_check (self, cipher, auth);
  if (reason != GST_SRTP_GUARD_REASON_NONE) {
    if (!tracked)
      tracked = track_locked (self, stream);
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
  err = transform (stream, &buf, is_rtcp, protect);
  if (err != srtp_err_status_ok) {
    reason = reason_for_status (err);
    if (reason == GST_SRTP_GUARD_REASON_KEY_EXPIRED && tracked) {
      stream->key_expired = TRUE;
      ctx->limit_signal = SIGNAL_HARD_LIMIT;
      ctx->limit_ssrc = ssrc;
      ctx->limit_packets = stream->key_packets;
    }
    GST_DEBUG_OBJECT (self, "%s of SSRC %u failed: %s", protect ? "protect" : "unprotect",
        ssrc, gst_srtp_guard_srtp_status_name (err));
    record_drop_locked (self, tracked ? stream : NULL, TRUE, ssrc, reason, ctx);
    goto drop;
  }
  if (!tracked)
    tracked = track_locked (self, stream);
  if (protect)
    gst_srtp_guard_stream_record_key_use (stream, self->used_keys);
  else if (!is_rtcp)
    gst_srtp_guard_stream_rtp_passed (stream, seq);

  stream->key_packets++;
  if (tracked && self->key_soft_limit && !stream->soft_limit_reached &&
      stream->key_packets >= self->key_soft_limit) {
    stream->soft_limit_reached = TRUE;
    ctx->limit_signal = SIGNAL_SOFT_LIMIT;
  }
  if (tracked && self->key_hard_limit && stream->key_packets >= self->key_hard_limit) {
    stream->key_expired = TRUE;
    ctx->limit_signal = SIGNAL_HARD_LIMIT;
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
      gst_srtp_guard_tag_bits (cipher, auth) > 0, self->signaling_encrypted,
      self->tls_certificate_valid, gst_srtp_guard_tag_bits (cipher, auth));
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
  gboolean hard = ctx->limit_signal == SIGNAL_HARD_LIMIT;
  GstSrtpGuardParams *params;
  GQueue msgs = G_QUEUE_INIT;
  GError *err = NULL;

  gst_element_post_message (GST_ELEMENT (self),
      gst_message_new_element (GST_OBJECT (self),
          gst_structure_new ("srtpguard-key-limit",
              "ssrc", G_TYPE_UINT, ctx->limit_ssrc,
              "limit", G_TYPE_STRING, hard ? "hard" : "soft",
              "packets", G_TYPE_UINT64, ctx->limit_packets, NULL)));

  params = request_params (self, ctx->limit_signal, ctx->limit_ssrc, &err);
  if (err) {
    g_mutex_lock (&self->lock);
    queue_warning_locked (self, &msgs, g_steal_pointer (&err), IGNORED_CAPS);
    g_mutex_unlock (&self->lock);
  }
  if (params) {
    GstSrtpGuardStream *stream;

    g_mutex_lock (&self->lock);
    stream = g_hash_table_lookup (self->streams, GUINT_TO_POINTER (ctx->limit_ssrc));
    /* the same keys again do not start a new key lifetime */
    if (stream == NULL || (stream->params &&
            gst_srtp_guard_params_equal (stream->params, params))) {
      gst_srtp_guard_params_free (params);
    } else if (!gst_srtp_guard_stream_set_params (stream, params,
            GST_SRTP_GUARD_SOURCE_SIGNAL, self->replay_window_size, self->used_keys,
            &err)) {
      g_queue_push_tail (&msgs, gst_message_new_warning (GST_OBJECT (self), err,
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
  guint idx = pad == self->sinkpad[GUARD_RTCP] ? GUARD_RTCP : GUARD_RTP;
  Ctx ctx = { G_QUEUE_INIT, 0, 0, 0, NULL };
  GstFlowReturn flow = GST_FLOW_OK;
  guint8 hdr[12];
  gsize n;
  gboolean is_rtcp, protect;
  guint32 ssrc;
  guint out;

  n = gst_buffer_extract (buf, 0, hdr, sizeof (hdr));
  is_rtcp = idx == GUARD_RTCP || gst_srtp_guard_packet_is_rtcp (hdr, n);

  g_mutex_lock (&self->lock);
  protect = self->mode == GST_SRTP_GUARD_MODE_PROTECT;
  if (!gst_srtp_guard_packet_ssrc (hdr, n, is_rtcp, &ssrc)) {
    record_drop_locked (self, NULL, FALSE, 0, GST_SRTP_GUARD_REASON_MALFORMED, &ctx);
    gst_buffer_unref (buf);
    buf = NULL;
  } else {
    buf = process_locked (self, idx, buf, is_rtcp, ssrc, GST_READ_UINT16_BE (hdr + 2),
        &ctx, &flow);
  }
  if (self->status_pending)
    gst_srtp_guard_update_status_locked (self, TRUE, &ctx.msgs);
  /* Multiplexed RTCP leaves an unprotecting guard on its RTCP pad, like srtpdec's. */
  out = (!protect && is_rtcp) ? GUARD_RTCP : idx;
  if (buf && protect && self->src_caps_dirty[out]) {
    GstCaps *sink_caps = gst_pad_get_current_caps (self->sinkpad[out]);

    if (sink_caps) {
      ctx.src_caps = gst_srtp_guard_protect_src_caps_locked (self, out, sink_caps);
      gst_caps_unref (sink_caps);
    }
    self->src_caps_dirty[out] = FALSE;
  }
  g_mutex_unlock (&self->lock);

  gst_srtp_guard_post_messages (self, &ctx.msgs);
  if (ctx.limit_signal)
    handle_key_limit (self, &ctx);
  if (ctx.src_caps) {
    gst_pad_push_event (self->srcpad[out], gst_event_new_caps (ctx.src_caps));
    gst_caps_unref (ctx.src_caps);
  }
  if (buf == NULL)
    return flow;

  if (out != idx && !gst_srtp_guard_ensure_src_events (self, out)) {
    gst_buffer_unref (buf);
    return GST_FLOW_OK;
  }
  flow = gst_pad_push (self->srcpad[out], buf);
  if (out != idx && flow == GST_FLOW_NOT_LINKED)
    flow = GST_FLOW_OK;
  return flow;
}
