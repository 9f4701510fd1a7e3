/* gst-e2ee: srtpguard, hop-by-hop SRTP with an encryption policy
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

/**
 * SECTION:element-srtpguard
 * @title: srtpguard
 * @see_also: srtpenc, srtpdec, encstatus, rtpbin
 *
 * srtpguard protects or unprotects RTP and RTCP with SRTP/SRTCP (libsrtp2) for
 * endpoints that cannot do end-to-end encryption, such as SIP or H.323 room systems
 * and gateways, and enforces a media encryption policy on them: with
 * #GstSrtpGuard:require-encryption (the default), plain RTP, the NULL cipher, missing
 * authentication and authentication tags shorter than #GstSrtpGuard:min-auth-tag-bits
 * are refused, nothing of such a stream passes, and the bus gets a message naming the
 * SSRC and the reason ("Media encryption required").
 *
 * In `unprotect` mode (the default) it takes SRTP on `rtp_sink` and SRTCP on
 * `rtcp_sink` and outputs RTP on `rtp_src` and RTCP on `rtcp_src`, like srtpdec; its
 * sink pads also take plain `application/x-rtp` and `application/x-rtcp` so that
 * plaintext reaching a guard that requires encryption is refused explicitly instead
 * of failing to link. RTCP multiplexed on the RTP pad (RFC 5761) leaves on `rtcp_src`,
 * as with srtpdec. In `protect` mode it does the reverse, like srtpenc (multiplexed
 * RTCP then stays on `rtp_src`).
 *
 * Keys come, per SSRC and in this order, from the sink caps (the `srtp-key`,
 * `srtp-cipher`, `srtp-auth`, `srtcp-cipher`, `srtcp-auth`, `roc` and `mki` fields,
 * and `srtp-key2`/`mki2` ... `srtp-key16`/`mki16` for more live keys, as srtpenc and
 * srtpdec use them; caps with an `ssrc` field apply to that SSRC only), from the
 * #GstSrtpGuard:key and #GstSrtpGuard:mki properties with the cipher and
 * authentication properties, or from the #GstSrtpGuard::request-key signal. New keys
 * for a running stream (new caps, new property values, or caps returned by the
 * #GstSrtpGuard::soft-limit and #GstSrtpGuard::hard-limit signals) keep its packet
 * index: the rollover counter continues (RFC 3711 §3.3.1) where GStreamer 1.22's
 * srtpenc and srtpdec start again at 0. In protect mode the output caps carry the
 * current `roc` when the input caps have an `ssrc`, so a srtpdec downstream
 * continues too.
 *
 * The guard also reports the connection's encryption status the way meeting clients
 * show it: the green shield only when the media is encrypted and authenticated AND
 * the signaling is encrypted (#GstSrtpGuard:signaling-encrypted) AND the signaling
 * peer's TLS certificate is valid (#GstSrtpGuard:tls-certificate-valid), otherwise
 * the orange shield, "partially encrypted", naming what is missing. The status is in
 * #GstSrtpGuard:status, in an element message on every change and in a
 * #GstE2eeTransportMeta on every buffer the guard outputs (encstatus reads it).
 *
 * ## Bus messages
 *
 * Element messages, all posted from the streaming thread:
 *
 * * `srtpguard-status`: the connection status changed. Fields: `level`
 *   (#GstE2eeEncryptionLevel: `encrypted` or `partially-encrypted`), `indicator`
 *   (string: `green-shield` or `orange-shield`), `description` (string, e.g.
 *   "partially encrypted: missing signaling-encryption"), `media-encrypted`,
 *   `media-authenticated`, `signaling-encrypted`, `tls-certificate-valid` (gboolean),
 *   `missing` (#GstValueArray of strings out of `media-encryption`,
 *   `signaling-encryption`, `tls-certificate`; empty when green) and `streams`
 *   (#GstValueArray of `srtpguard-stream-status` structures: `ssrc` (guint),
 *   `media-encrypted`, `media-authenticated` (gboolean), `auth-tag-bits` (guint),
 *   `refused` (gboolean: the policy refused this SSRC)), at most 16 of them, those
 *   refused or not encrypted and authenticated first, in SSRC order;
 *   `streams-seen` (guint: SSRCs whose RTP the guard saw), `streams-refused`
 *   (guint), `streams-unlisted` (guint: seen SSRCs not in `streams`). Media counts
 *   as encrypted once the guard has seen RTP and every SSRC it saw was encrypted and
 *   authenticated. A change of one SSRC's status only is posted within the limit
 *   below; a change of the connection's status always at once.
 * * `srtpguard-drop`: packets were dropped (see #GstSrtpGuard:post-drop-messages).
 *   Fields: `ssrc` (guint, absent when the packet was too malformed to name one),
 *   `reason` (string: `plain-rtp`, `null-cipher`, `null-auth`, `weak-auth-tag`,
 *   `authentication`, `replay`, `bad-mki`, `no-key`, `key-expired`, `key-reused`,
 *   `malformed`, `other`), `count` (guint64: drops of this SSRC for this reason since the previous
 *   message, this one included).
 * * `srtpguard-key-limit`: a master key reached a usage limit. Fields: `ssrc`
 *   (guint), `limit` (string: `soft` or `hard`), `packets` (guint64 protected or
 *   unprotected with the current keys). Posted just before the signal of the same
 *   name is emitted.
 *
 * A policy violation posts, once per SSRC, a warning (`on-violation=drop`) or an
 * error (`on-violation=error`) message of domain %GST_STREAM_ERROR (code
 * %GST_STREAM_ERROR_DECRYPT in unprotect mode, %GST_STREAM_ERROR_ENCODE in protect
 * mode) whose text starts with "Media encryption required" and names the SSRC, with
 * a details structure `srtpguard-violation`: `ssrc` (guint), `reason` (string, as
 * above). Invalid keys or SRTP fields post a %GST_LIBRARY_ERROR warning.
 *
 * However many SSRCs the input brings, the packet path posts at most 32 messages of
 * each kind (warnings and errors, status messages for an SSRC's change, drop
 * messages) at once, then one every 100 ms. Held-back status changes and drop
 * counts are posted later (at the latest at EOS or stop); the statistics count
 * everything.
 *
 * In protect mode the guard never protects two packets with the same master key,
 * SSRC and packet index (RTP or SRTCP), which would repeat keystream (with AES-GCM,
 * nonces). libsrtp starts the indices again with every new context, so a (key, SSRC)
 * pair that protected packets is refused once its context is gone or would be reset:
 * after PLAYING → NULL → PLAYING, #GstSrtpGuard::clear-keys or
 * #GstSrtpGuard::remove-key, and when that key comes back after another one or with
 * another suite or MKI. The SSRC's packets are then dropped (`key-reused`) until it
 * gets a new key, with one message as for a policy violation (#GstSrtpGuard:on-violation)
 * whose text starts with "Key reuse refused" and whose details' `reason` is
 * `key-reused`. GStreamer's srtpenc repeats indices after a restart.
 *
 * ## Example launch lines
 * |[
 * gst-launch-1.0 udpsrc port=5004 caps='application/x-srtp, media=audio, clock-rate=8000, encoding-name=PCMA, payload=8, srtp-key=(buffer)000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d, srtp-cipher=aes-128-icm, srtp-auth=hmac-sha1-80, srtcp-cipher=aes-128-icm, srtcp-auth=hmac-sha1-80' ! srtpguard signaling-encrypted=true tls-certificate-valid=true ! rtppcmadepay ! alawdec ! autoaudiosink
 * ]| Receive SRTP from a SIP-over-TLS room system; plain RTP would be refused.
 * |[
 * gst-launch-1.0 audiotestsrc ! alawenc ! rtppcmapay ! srtpguard mode=protect key=000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d ! udpsink port=5004
 * ]| Send SRTP (AES-128-CM, HMAC-SHA1-80).
 * |[
 * gst-launch-1.0 rtpbin name=rtpbin ... udpsrc port=5004 ! rtpbin.recv_rtp_sink_0
 * ]| With rtpbin, return a srtpguard from the #GstRtpBin::request-rtp-decoder and
 * #GstRtpBin::request-rtcp-decoder signals (the same element for both). On the
 * sending side return a `mode=protect` guard from #GstRtpBin::request-rtp-encoder
 * and #GstRtpBin::request-rtcp-encoder after requesting its `rtp_sink_N` and
 * `rtcp_sink_N` pads for session N, as with srtpenc: each brings the source pad of
 * the same number (`rtp_src_N`, `rtcp_src_N`), and rtpbin links them.
 *
 * Since: 0.1
 */

#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <string.h>
#include <openssl/crypto.h>

#include "gstsrtpguard-private.h"

GST_DEBUG_CATEGORY (gst_srtp_guard_debug);

enum {
  SIGNAL_REQUEST_KEY,
  SIGNAL_SOFT_LIMIT,
  SIGNAL_HARD_LIMIT,
  SIGNAL_CLEAR_KEYS,
  SIGNAL_REMOVE_KEY,
  LAST_SIGNAL
};
static guint signals[LAST_SIGNAL] = { 0 };

#define DEFAULT_MODE GST_SRTP_GUARD_MODE_UNPROTECT
#define DEFAULT_CIPHER GST_SRTP_GUARD_CIPHER_AES_128_ICM
#define DEFAULT_AUTH GST_SRTP_GUARD_AUTH_HMAC_SHA1_80

static GstStaticPadTemplate rtp_sink_template = GST_STATIC_PAD_TEMPLATE ("rtp_sink",
    GST_PAD_SINK, GST_PAD_ALWAYS,
    GST_STATIC_CAPS ("application/x-srtp; application/x-rtp"));
static GstStaticPadTemplate rtp_src_template = GST_STATIC_PAD_TEMPLATE ("rtp_src",
    GST_PAD_SRC, GST_PAD_ALWAYS,
    GST_STATIC_CAPS ("application/x-rtp; application/x-srtp"));
static GstStaticPadTemplate rtcp_sink_template = GST_STATIC_PAD_TEMPLATE ("rtcp_sink",
    GST_PAD_SINK, GST_PAD_ALWAYS,
    GST_STATIC_CAPS ("application/x-srtcp; application/x-rtcp"));
static GstStaticPadTemplate rtcp_src_template = GST_STATIC_PAD_TEMPLATE ("rtcp_src",
    GST_PAD_SRC, GST_PAD_ALWAYS,
    GST_STATIC_CAPS ("application/x-rtcp; application/x-srtcp"));
/* rtpbin's encoder hooks request these, as they do of srtpenc */
static GstStaticPadTemplate rtp_sink_req_template =
GST_STATIC_PAD_TEMPLATE ("rtp_sink_%u", GST_PAD_SINK, GST_PAD_REQUEST,
    GST_STATIC_CAPS ("application/x-rtp; application/x-srtp"));
static GstStaticPadTemplate rtp_src_req_template =
GST_STATIC_PAD_TEMPLATE ("rtp_src_%u", GST_PAD_SRC, GST_PAD_SOMETIMES,
    GST_STATIC_CAPS ("application/x-srtp; application/x-rtp"));
static GstStaticPadTemplate rtcp_sink_req_template =
GST_STATIC_PAD_TEMPLATE ("rtcp_sink_%u", GST_PAD_SINK, GST_PAD_REQUEST,
    GST_STATIC_CAPS ("application/x-rtcp; application/x-srtcp"));
static GstStaticPadTemplate rtcp_src_req_template =
GST_STATIC_PAD_TEMPLATE ("rtcp_src_%u", GST_PAD_SRC, GST_PAD_SOMETIMES,
    GST_STATIC_CAPS ("application/x-srtcp; application/x-rtcp"));

G_DEFINE_TYPE (GstSrtpGuard, gst_srtp_guard, GST_TYPE_ELEMENT);

static void
init_libsrtp (void)
{
  static gsize done = 0;

  if (g_once_init_enter (&done)) {
    srtp_err_status_t err = srtp_init ();

    /* fails harmlessly when another plugin (srtpenc's) initialised libsrtp first */
    if (err != srtp_err_status_ok)
      GST_DEBUG ("srtp_init returned %d", err);
    g_once_init_leave (&done, 1);
  }
}

static gboolean
srtpguard_element_init (GstPlugin * plugin)
{
  GST_DEBUG_CATEGORY_INIT (gst_srtp_guard_debug, "srtpguard", 0,
      "SRTP with an encryption policy");
  init_libsrtp ();
  return gst_element_register (plugin, "srtpguard", GST_RANK_NONE, GST_TYPE_SRTP_GUARD);
}

GST_ELEMENT_REGISTER_DEFINE_CUSTOM (srtpguard, srtpguard_element_init);

void
gst_srtp_guard_post_messages (GstSrtpGuard * self, GQueue * msgs)
{
  GstMessage *msg;

  while ((msg = g_queue_pop_head (msgs)))
    gst_element_post_message (GST_ELEMENT (self), msg);
}

GstSrtpGuardParams *
gst_srtp_guard_emit_key_signal (GstSrtpGuard * self, GstSrtpGuardKeySignal which,
    guint32 ssrc, GError ** error)
{
  static const guint ids[] = { SIGNAL_REQUEST_KEY, SIGNAL_SOFT_LIMIT, SIGNAL_HARD_LIMIT };
  GstSrtpGuardParams *params = NULL;
  GstCaps *caps = NULL;

  g_signal_emit (self, signals[ids[which]], 0, ssrc, &caps);
  if (caps == NULL)
    return NULL;
  if (!gst_caps_is_empty (caps) && !gst_caps_is_any (caps))
    params = gst_srtp_guard_params_from_structure (gst_caps_get_structure (caps, 0),
        error);
  gst_caps_unref (caps);
  return params;
}

void
gst_srtp_guard_forget_streams_locked (GstSrtpGuard * self, gboolean all, guint32 ssrc)
{
  GstSrtpGuardStream *stream;

  if (all) {
    g_hash_table_remove_all (self->session.streams);
    memset (&self->status.counts, 0, sizeof (self->status.counts));
    return;
  }
  stream = gst_srtp_guard_session_lookup (&self->session, ssrc);
  if (stream) {
    gst_srtp_guard_status_tracker_forget (&self->status, stream);
    g_hash_table_remove (self->session.streams, GUINT_TO_POINTER (ssrc));
  }
}

void
gst_srtp_guard_flush_messages (GstSrtpGuard * self)
{
  GQueue msgs = G_QUEUE_INIT;
  GHashTableIter iter;
  gpointer value;

  g_mutex_lock (&self->lock);
  g_hash_table_iter_init (&iter, self->session.streams);
  while (g_hash_table_iter_next (&iter, NULL, &value)) {
    GstSrtpGuardStream *stream = value;

    gst_srtp_guard_policy_flush_drops (GST_OBJECT (self), &stream->drop_log, TRUE,
        stream->ssrc, &msgs);
  }
  gst_srtp_guard_policy_flush_drops (GST_OBJECT (self), &self->session.untracked_log, FALSE,
      0, &msgs);
  gst_srtp_guard_status_tracker_flush (&self->status, GST_OBJECT (self),
      self->session.streams, &msgs);
  g_mutex_unlock (&self->lock);
  gst_srtp_guard_post_messages (self, &msgs);
}

static void
mark_src_caps_dirty_locked (GstSrtpGuard * self)
{
  guint i;

  for (i = 0; i < self->pairs->len; i++)
    ((GstSrtpGuardPadPair *) g_ptr_array_index (self->pairs, i))->src_caps_dirty = TRUE;
}

static GParamSpec *mki_pspec;

static void gst_srtp_guard_clear_keys (GstSrtpGuard * self);
static void gst_srtp_guard_remove_key (GstSrtpGuard * self, guint ssrc);

enum {
  PROP_0,
  PROP_MODE,
  PROP_KEY,
  PROP_MKI,
  PROP_RTP_CIPHER,
  PROP_RTP_AUTH,
  PROP_RTCP_CIPHER,
  PROP_RTCP_AUTH,
  PROP_REPLAY_WINDOW_SIZE,
  PROP_REQUIRE_ENCRYPTION,
  PROP_MIN_AUTH_TAG_BITS,
  PROP_ON_VIOLATION,
  PROP_SIGNALING_ENCRYPTED,
  PROP_TLS_CERTIFICATE_VALID,
  PROP_STATUS,
  PROP_STATS,
  PROP_KEY_SOFT_LIMIT,
  PROP_KEY_HARD_LIMIT,
  PROP_POST_DROP_MESSAGES,
  PROP_DROP_MESSAGE_INTERVAL,
  PROP_KEY_IN_CAPS,
  PROP_POLICY,                  /* and the binding's other properties */
};

static void
wipe_buffer (GstBuffer ** buf)
{
  GstMapInfo map;

  if (*buf == NULL)
    return;
  if (gst_buffer_is_writable (*buf) && gst_buffer_map (*buf, &map, GST_MAP_WRITE)) {
    OPENSSL_cleanse (map.data, map.size);
    gst_buffer_unmap (*buf, &map);
  }
  gst_buffer_unref (*buf);
  *buf = NULL;
}

static GstSrtpGuardParams *
build_prop_params_locked (GstSrtpGuard * self)
{
  GstSrtpGuardParams *p = gst_srtp_guard_params_new ();

  p->rtp_cipher = self->prop_rtp_cipher;
  p->rtp_auth = self->prop_rtp_auth;
  p->rtcp_cipher = self->prop_rtcp_cipher;
  p->rtcp_auth = self->prop_rtcp_auth;
  if (self->prop_key)
    gst_srtp_guard_params_add_key (p, self->prop_key, self->prop_mki);
  return p;
}

static void
gst_srtp_guard_set_property (GObject * object, guint prop_id, const GValue * value,
    GParamSpec * pspec)
{
  GstSrtpGuard *self = GST_SRTP_GUARD (object);
  GstBuffer *buf;
  gboolean notify_mki = FALSE;

  g_mutex_lock (&self->lock);
  switch (prop_id) {
    case PROP_MODE:
      /* the pads' formats and every stream's state depend on it */
      if (GST_STATE (self) > GST_STATE_READY)
        GST_WARNING_OBJECT (self, "the mode can only change in the NULL or READY state");
      else
        self->mode = g_value_get_enum (value);
      break;
    case PROP_KEY:
      wipe_buffer (&self->prop_key);
      buf = g_value_get_boxed (value);
      if (buf && gst_buffer_get_size (buf) > 0) {
        GstMapInfo map;

        /* a private copy, so that it can be wiped when replaced */
        if (gst_buffer_map (buf, &map, GST_MAP_READ)) {
          self->prop_key = gst_buffer_new_memdup (map.data, map.size);
          gst_buffer_unmap (buf, &map);
        }
      }
      self->props_dirty = TRUE;
      notify_mki = TRUE;
      break;
    case PROP_MKI:
      gst_clear_buffer (&self->prop_mki);
      buf = g_value_get_boxed (value);
      if (buf && gst_buffer_get_size (buf) > 0)
        self->prop_mki = gst_buffer_copy_deep (buf);
      self->props_dirty = TRUE;
      break;
    case PROP_RTP_CIPHER:
      self->prop_rtp_cipher = g_value_get_enum (value);
      self->props_dirty = TRUE;
      break;
    case PROP_RTP_AUTH:
      self->prop_rtp_auth = g_value_get_enum (value);
      self->props_dirty = TRUE;
      break;
    case PROP_RTCP_CIPHER:
      self->prop_rtcp_cipher = g_value_get_enum (value);
      self->props_dirty = TRUE;
      break;
    case PROP_RTCP_AUTH:
      self->prop_rtcp_auth = g_value_get_enum (value);
      self->props_dirty = TRUE;
      break;
    case PROP_REPLAY_WINDOW_SIZE:
      self->session.replay_window_size = g_value_get_uint (value);
      break;
    case PROP_REQUIRE_ENCRYPTION:
      self->policy.require_encryption = g_value_get_boolean (value);
      break;
    case PROP_MIN_AUTH_TAG_BITS:
      self->policy.min_auth_tag_bits = g_value_get_uint (value);
      break;
    case PROP_ON_VIOLATION:
      self->policy.on_violation = g_value_get_enum (value);
      break;
    case PROP_SIGNALING_ENCRYPTED:
      self->status.signaling_encrypted = g_value_get_boolean (value);
      self->status_dirty = TRUE;
      break;
    case PROP_TLS_CERTIFICATE_VALID:
      self->status.tls_certificate_valid = g_value_get_boolean (value);
      self->status_dirty = TRUE;
      break;
    case PROP_KEY_SOFT_LIMIT:
      self->session.key_soft_limit = g_value_get_uint64 (value);
      break;
    case PROP_KEY_HARD_LIMIT:
      self->session.key_hard_limit = g_value_get_uint64 (value);
      break;
    case PROP_POST_DROP_MESSAGES:
      self->policy.post_drop_messages = g_value_get_boolean (value);
      break;
    case PROP_DROP_MESSAGE_INTERVAL:
      self->policy.drop_message_interval = g_value_get_uint64 (value);
      break;
    case PROP_KEY_IN_CAPS:
      self->key_in_caps = g_value_get_boolean (value);
      mark_src_caps_dirty_locked (self);
      break;
    default:
      if (!gst_e2ee_policy_binding_set_property (self->policy_binding,
              prop_id - PROP_POLICY, value))
        G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
      break;
  }
  g_mutex_unlock (&self->lock);
  /* GObject dispatches the notifications of readable properties only, and the key
   * property commits in gst_srtp_guard_dispatch_properties_changed(): its change
   * goes out as one of the MKI, which commits with it. */
  if (notify_mki)
    g_object_notify_by_pspec (object, mki_pspec);
}

static void
gst_srtp_guard_get_property (GObject * object, guint prop_id, GValue * value,
    GParamSpec * pspec)
{
  GstSrtpGuard *self = GST_SRTP_GUARD (object);

  g_mutex_lock (&self->lock);
  switch (prop_id) {
    case PROP_MODE:
      g_value_set_enum (value, self->mode);
      break;
    case PROP_MKI:
      g_value_set_boxed (value, self->prop_mki);
      break;
    case PROP_RTP_CIPHER:
      g_value_set_enum (value, self->prop_rtp_cipher);
      break;
    case PROP_RTP_AUTH:
      g_value_set_enum (value, self->prop_rtp_auth);
      break;
    case PROP_RTCP_CIPHER:
      g_value_set_enum (value, self->prop_rtcp_cipher);
      break;
    case PROP_RTCP_AUTH:
      g_value_set_enum (value, self->prop_rtcp_auth);
      break;
    case PROP_REPLAY_WINDOW_SIZE:
      g_value_set_uint (value, self->session.replay_window_size);
      break;
    case PROP_REQUIRE_ENCRYPTION:
      g_value_set_boolean (value, self->policy.require_encryption);
      break;
    case PROP_MIN_AUTH_TAG_BITS:
      g_value_set_uint (value, self->policy.min_auth_tag_bits);
      break;
    case PROP_ON_VIOLATION:
      g_value_set_enum (value, self->policy.on_violation);
      break;
    case PROP_SIGNALING_ENCRYPTED:
      g_value_set_boolean (value, self->status.signaling_encrypted);
      break;
    case PROP_TLS_CERTIFICATE_VALID:
      g_value_set_boolean (value, self->status.tls_certificate_valid);
      break;
    case PROP_STATUS:
      g_value_take_boxed (value, gst_srtp_guard_status_tracker_structure (&self->status,
              self->session.streams));
      break;
    case PROP_STATS:{
      GstStructure *stats = gst_srtp_guard_session_stats (&self->session,
          self->mode == GST_SRTP_GUARD_MODE_PROTECT);

      gst_e2ee_policy_binding_add_stats (self->policy_binding, stats);
      g_value_take_boxed (value, stats);
      break;
    }
    case PROP_KEY_SOFT_LIMIT:
      g_value_set_uint64 (value, self->session.key_soft_limit);
      break;
    case PROP_KEY_HARD_LIMIT:
      g_value_set_uint64 (value, self->session.key_hard_limit);
      break;
    case PROP_POST_DROP_MESSAGES:
      g_value_set_boolean (value, self->policy.post_drop_messages);
      break;
    case PROP_DROP_MESSAGE_INTERVAL:
      g_value_set_uint64 (value, self->policy.drop_message_interval);
      break;
    case PROP_KEY_IN_CAPS:
      g_value_set_boolean (value, self->key_in_caps);
      break;
    default:
      if (!gst_e2ee_policy_binding_get_property (self->policy_binding,
              prop_id - PROP_POLICY, value))
        G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
      break;
  }
  g_mutex_unlock (&self->lock);
}

#define PARAM_FLAGS (G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS)
#define PARAM_FLAGS_PLAYING (PARAM_FLAGS | GST_PARAM_MUTABLE_PLAYING)

static void
install_properties (GObjectClass * gobject_class)
{
  /**
   * GstSrtpGuard:mode:
   *
   * `unprotect` receives SRTP/SRTCP and outputs RTP/RTCP; `protect` the reverse.
   *
   * Since: 0.1
   */
  g_object_class_install_property (gobject_class, PROP_MODE,
      g_param_spec_enum ("mode", "Mode", "unprotect: SRTP in, RTP out; protect: RTP in, "
          "SRTP out", GST_TYPE_SRTP_GUARD_MODE, DEFAULT_MODE,
          PARAM_FLAGS | GST_PARAM_MUTABLE_READY));
  /**
   * GstSrtpGuard:key:
   *
   * The master key and salt for SSRCs that get no key from caps: 30 bytes for
   * aes-128-icm, 46 for aes-256-icm, 28 for aes-128-gcm, 44 for aes-256-gcm (the
   * longer of the RTP and RTCP suites'). On a launch line, as hex. Write-only, as
   * every key property of gst-e2ee: keys are never readable. A change applies to running streams at once, keeping
   * their rollover counters; set #GstSrtpGuard:mki in the same g_object_set() call
   * to change both together. In protect mode a key that already protected an
   * SSRC's packets is not used for that SSRC again after its SRTP state is gone
   * (restart, #GstSrtpGuard::clear-keys, #GstSrtpGuard::remove-key) or when it comes
   * back after another key: set a new one (see the element documentation).
   *
   * Since: 0.1
   */
  g_object_class_install_property (gobject_class, PROP_KEY,
      g_param_spec_boxed ("key", "Key", "Master key and salt (30, 46, 28 or 44 bytes "
          "depending on the cipher); write-only", GST_TYPE_BUFFER,
          G_PARAM_WRITABLE | G_PARAM_STATIC_STRINGS | GST_PARAM_MUTABLE_PLAYING));
  /**
   * GstSrtpGuard:mki:
   *
   * Master Key Identifier sent with, or expected on, every packet protected with
   * #GstSrtpGuard:key (RFC 3711 §3.1). %NULL: no MKI.
   *
   * Since: 0.1
   */
  g_object_class_install_property (gobject_class, PROP_MKI,
      mki_pspec = g_param_spec_boxed ("mki", "MKI", "Master Key Identifier of the key "
          "property (NULL: no MKI)", GST_TYPE_BUFFER, PARAM_FLAGS_PLAYING));
  /**
   * GstSrtpGuard:rtp-cipher:
   *
   * SRTP cipher used with #GstSrtpGuard:key.
   *
   * Since: 0.1
   */
  g_object_class_install_property (gobject_class, PROP_RTP_CIPHER,
      g_param_spec_enum ("rtp-cipher", "RTP cipher", "SRTP cipher used with the key "
          "property", GST_TYPE_SRTP_GUARD_CIPHER, DEFAULT_CIPHER, PARAM_FLAGS_PLAYING));
  /**
   * GstSrtpGuard:rtp-auth:
   *
   * SRTP authentication used with #GstSrtpGuard:key; ignored with the GCM ciphers,
   * whose 128-bit tag is part of the cipher.
   *
   * Since: 0.1
   */
  g_object_class_install_property (gobject_class, PROP_RTP_AUTH,
      g_param_spec_enum ("rtp-auth", "RTP authentication", "SRTP authentication used "
          "with the key property (ignored with GCM)", GST_TYPE_SRTP_GUARD_AUTH,
          DEFAULT_AUTH, PARAM_FLAGS_PLAYING));
  /**
   * GstSrtpGuard:rtcp-cipher:
   *
   * SRTCP cipher used with #GstSrtpGuard:key. AES-GCM here and not in
   * #GstSrtpGuard:rtp-cipher, or the other way round, is refused: libsrtp 2.5 cannot
   * do SRTCP that way (see docs/srtpguard.md).
   *
   * Since: 0.1
   */
  g_object_class_install_property (gobject_class, PROP_RTCP_CIPHER,
      g_param_spec_enum ("rtcp-cipher", "RTCP cipher", "SRTCP cipher used with the key "
          "property", GST_TYPE_SRTP_GUARD_CIPHER, DEFAULT_CIPHER, PARAM_FLAGS_PLAYING));
  /**
   * GstSrtpGuard:rtcp-auth:
   *
   * SRTCP authentication used with #GstSrtpGuard:key (mandatory with a non-NULL,
   * non-GCM cipher: RFC 3711 §3.4).
   *
   * Since: 0.1
   */
  g_object_class_install_property (gobject_class, PROP_RTCP_AUTH,
      g_param_spec_enum ("rtcp-auth", "RTCP authentication", "SRTCP authentication used "
          "with the key property (ignored with GCM)", GST_TYPE_SRTP_GUARD_AUTH,
          DEFAULT_AUTH, PARAM_FLAGS_PLAYING));
  /**
   * GstSrtpGuard:replay-window-size:
   *
   * Size of the SRTP replay protection window, in packets, for streams set up after
   * the change. libsrtp 2 takes at most 32767 (it refuses a stream with 0x8000).
   *
   * Since: 0.1
   */
  g_object_class_install_property (gobject_class, PROP_REPLAY_WINDOW_SIZE,
      g_param_spec_uint ("replay-window-size", "Replay window size",
          "Size of the replay protection window in packets", 64, 0x7fff,
          GST_SRTP_GUARD_DEFAULT_REPLAY_WINDOW_SIZE, PARAM_FLAGS_PLAYING));
  /**
   * GstSrtpGuard:require-encryption:
   *
   * Refuse media that is not both encrypted and authenticated: plain RTP, the NULL
   * cipher, the NULL authentication (except GCM), and tags shorter than
   * #GstSrtpGuard:min-auth-tag-bits. Refused packets never pass; see
   * #GstSrtpGuard:on-violation.
   *
   * Since: 0.1
   */
  g_object_class_install_property (gobject_class, PROP_REQUIRE_ENCRYPTION,
      g_param_spec_boolean ("require-encryption", "Require encryption",
          "Refuse plain RTP, the NULL cipher, missing or short authentication tags",
          GST_SRTP_GUARD_DEFAULT_REQUIRE_ENCRYPTION, PARAM_FLAGS_PLAYING));
  /**
   * GstSrtpGuard:min-auth-tag-bits:
   *
   * Shortest authentication tag accepted while #GstSrtpGuard:require-encryption is
   * set: 80 refuses HMAC-SHA1-32; the GCM ciphers' 128-bit tag always passes, so 128
   * accepts GCM only.
   *
   * Since: 0.1
   */
  g_object_class_install_property (gobject_class, PROP_MIN_AUTH_TAG_BITS,
      g_param_spec_uint ("min-auth-tag-bits", "Minimum authentication tag bits",
          "Shortest SRTP authentication tag accepted (GCM's 128 bits always pass)",
          0, 128, GST_SRTP_GUARD_DEFAULT_MIN_AUTH_TAG_BITS, PARAM_FLAGS_PLAYING));
  /**
   * GstSrtpGuard:on-violation:
   *
   * What a policy violation does besides dropping the packets: `drop` posts a
   * warning message once per SSRC and keeps running, `error` posts an error message
   * and returns a flow error. The same goes for a protecting guard's refusal of a
   * key that already protected the SSRC's packets (`key-reused`).
   *
   * Since: 0.1
   */
  g_object_class_install_property (gobject_class, PROP_ON_VIOLATION,
      g_param_spec_enum ("on-violation", "On violation", "What a policy violation does",
          GST_TYPE_SRTP_GUARD_VIOLATION_ACTION, GST_SRTP_GUARD_DEFAULT_ON_VIOLATION,
          PARAM_FLAGS_PLAYING));
  /**
   * GstSrtpGuard:signaling-encrypted:
   *
   * Whether the connection's signaling is encrypted, as the application knows from
   * its signaling (SIP over TLS: %TRUE; H.323, which cannot encrypt its signaling:
   * %FALSE). Part of #GstSrtpGuard:status.
   *
   * Since: 0.1
   */
  g_object_class_install_property (gobject_class, PROP_SIGNALING_ENCRYPTED,
      g_param_spec_boolean ("signaling-encrypted", "Signaling encrypted",
          "The connection's signaling is encrypted (SIP over TLS), as the application "
          "knows", FALSE, PARAM_FLAGS_PLAYING));
  /**
   * GstSrtpGuard:tls-certificate-valid:
   *
   * Whether the signaling peer's TLS certificate is valid, as the application knows.
   * Part of #GstSrtpGuard:status.
   *
   * Since: 0.1
   */
  g_object_class_install_property (gobject_class, PROP_TLS_CERTIFICATE_VALID,
      g_param_spec_boolean ("tls-certificate-valid", "TLS certificate valid",
          "The signaling peer's TLS certificate is valid, as the application knows",
          FALSE, PARAM_FLAGS_PLAYING));
  /**
   * GstSrtpGuard:status:
   *
   * The connection's encryption status, a `srtpguard-status` structure with the
   * fields of the message of that name (see the element documentation).
   *
   * Since: 0.1
   */
  g_object_class_install_property (gobject_class, PROP_STATUS,
      g_param_spec_boxed ("status", "Status", "The connection's encryption status "
          "(green or orange shield, and what is missing)", GST_TYPE_STRUCTURE,
          G_PARAM_READABLE | G_PARAM_STATIC_STRINGS));
  /**
   * GstSrtpGuard:stats:
   *
   * A `srtpguard-stats` structure: `mode` (string); `packets`, `bytes`,
   * `rtcp-packets`, `rtcp-bytes` (guint64, output); `dropped` (guint64) and
   * `dropped-REASON` (guint64) for each drop reason of the `srtpguard-drop` message,
   * including packets of SSRCs the guard does not track; `streams`
   * (#GstValueArray of `srtpguard-stream-stats`: `ssrc`, `roc`, `auth-tag-bits`
   * (guint), `packets`, `bytes`, `rtcp-packets`, `rtcp-bytes`, `key-packets` (packets
   * since the keys last changed), `dropped`, `dropped-REASON` (guint64), `key-expired`,
   * `mki` (gboolean), `rtp-cipher`, `rtp-auth` (string nicks, once keys are known)).
   * An SSRC is tracked once one of its packets passed or was refused by the policy,
   * or once it got keys meant for it alone.
   *
   * Since: 0.1
   */
  g_object_class_install_property (gobject_class, PROP_STATS,
      g_param_spec_boxed ("stats", "Statistics", "Packets, bytes, drops by reason and "
          "ROC, in total and per SSRC", GST_TYPE_STRUCTURE,
          G_PARAM_READABLE | G_PARAM_STATIC_STRINGS));
  /**
   * GstSrtpGuard:key-soft-limit:
   *
   * After this many packets with one set of keys, post `srtpguard-key-limit` and
   * emit #GstSrtpGuard::soft-limit (once per set of keys). 0: off.
   *
   * Since: 0.1
   */
  g_object_class_install_property (gobject_class, PROP_KEY_SOFT_LIMIT,
      g_param_spec_uint64 ("key-soft-limit", "Key soft limit", "Packets per set of keys "
          "before the soft-limit signal (0: off)", 0, G_MAXUINT64, GST_SRTP_GUARD_DEFAULT_KEY_LIMIT,
          PARAM_FLAGS_PLAYING));
  /**
   * GstSrtpGuard:key-hard-limit:
   *
   * After this many packets with one set of keys, the keys expire: post
   * `srtpguard-key-limit`, emit #GstSrtpGuard::hard-limit and drop the SSRC's
   * packets until new keys arrive. 0: only libsrtp's own limit (2^48 SRTP or 2^31
   * SRTCP packets per master key), which has the same effect.
   *
   * Since: 0.1
   */
  g_object_class_install_property (gobject_class, PROP_KEY_HARD_LIMIT,
      g_param_spec_uint64 ("key-hard-limit", "Key hard limit", "Packets per set of keys "
          "after which they expire (0: libsrtp's limit only)", 0, G_MAXUINT64,
          GST_SRTP_GUARD_DEFAULT_KEY_LIMIT, PARAM_FLAGS_PLAYING));
  /**
   * GstSrtpGuard:post-drop-messages:
   *
   * Post a `srtpguard-drop` element message for dropped packets, at most one per
   * SSRC and reason every #GstSrtpGuard:drop-message-interval, with the number of
   * drops it covers, and overall at most 32 at once, then one every 100 ms. Pending
   * counts are posted at EOS and when stopping.
   *
   * Since: 0.1
   */
  g_object_class_install_property (gobject_class, PROP_POST_DROP_MESSAGES,
      g_param_spec_boolean ("post-drop-messages", "Post drop messages",
          "Post srtpguard-drop element messages for dropped packets",
          GST_SRTP_GUARD_DEFAULT_POST_DROP_MESSAGES, PARAM_FLAGS_PLAYING));
  /**
   * GstSrtpGuard:drop-message-interval:
   *
   * Minimum time between two `srtpguard-drop` messages for one SSRC and reason, in
   * nanoseconds, like every time property of gst-e2ee (e2eedec's of the same name
   * included); 0 posts one message per dropped packet. It was a guint in
   * milliseconds before 0.1.0 was released; there is no alias.
   *
   * Since: 0.1
   */
  g_object_class_install_property (gobject_class, PROP_DROP_MESSAGE_INTERVAL,
      g_param_spec_uint64 ("drop-message-interval", "Drop message interval",
          "Minimum time in ns between srtpguard-drop messages per SSRC and reason "
          "(0: every drop)",
          0, G_MAXUINT64, GST_SRTP_GUARD_DEFAULT_DROP_MESSAGE_INTERVAL,
          PARAM_FLAGS_PLAYING));
  /**
   * GstSrtpGuard:key-in-caps:
   *
   * In protect mode, put the master keys into the output caps (`srtp-key`, ...) as
   * srtpenc does, for a srtpdec in the same pipeline. Off by default because caps
   * end up in logs and pipeline dumps; the cipher, authentication and MKI fields are
   * always there.
   *
   * Since: 0.1
   */
  g_object_class_install_property (gobject_class, PROP_KEY_IN_CAPS,
      g_param_spec_boolean ("key-in-caps", "Key in caps", "Protect mode: put the master "
          "keys into the output caps like srtpenc (they then show in logs)", FALSE,
          PARAM_FLAGS_PLAYING));
  /* GstSrtpGuard:policy, policy-file, policy-group, policy-user: documented with the
   * binding (gst-libs/gst/e2ee/gste2eepolicybinding.c). */
  gst_e2ee_policy_binding_install_properties (gobject_class, PROP_POLICY);
}

static void
install_signals (GstSrtpGuardClass * klass)
{
  GType type = G_TYPE_FROM_CLASS (klass);

  /**
   * GstSrtpGuard::request-key:
   * @guard: the srtpguard
   * @ssrc: an SSRC for which neither caps nor properties give keys
   *
   * Emitted from the streaming thread for a packet of an SSRC without keys. Return
   * caps with the `srtp-key`, `srtp-cipher`, `srtp-auth`, `srtcp-cipher`,
   * `srtcp-auth` and optionally `roc`, `mki` and `srtp-keyN`/`mkiN` fields, as for
   * srtpdec. Without an answer the packet is dropped (`no-key`) and the signal is
   * emitted again for the next one.
   *
   * Returns: (transfer full) (nullable): the SRTP parameters for @ssrc
   *
   * Since: 0.1
   */
  signals[SIGNAL_REQUEST_KEY] = g_signal_new ("request-key", type,
      G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL, GST_TYPE_CAPS, 1, G_TYPE_UINT);
  /**
   * GstSrtpGuard::soft-limit:
   * @guard: the srtpguard
   * @ssrc: the SSRC whose keys reached #GstSrtpGuard:key-soft-limit
   *
   * The keys of @ssrc should be replaced soon. Return new parameters as for
   * #GstSrtpGuard::request-key to rekey now (the rollover counter is kept), or %NULL
   * to go on.
   *
   * Returns: (transfer full) (nullable): new SRTP parameters for @ssrc
   *
   * Since: 0.1
   */
  signals[SIGNAL_SOFT_LIMIT] = g_signal_new ("soft-limit", type,
      G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL, GST_TYPE_CAPS, 1, G_TYPE_UINT);
  /**
   * GstSrtpGuard::hard-limit:
   * @guard: the srtpguard
   * @ssrc: the SSRC whose keys expired
   *
   * The keys of @ssrc expired (#GstSrtpGuard:key-hard-limit or libsrtp's limit) and
   * its packets are dropped (`key-expired`) until new keys arrive: returned here,
   * through caps, the key property, or #GstSrtpGuard::request-key after
   * #GstSrtpGuard::remove-key.
   *
   * Returns: (transfer full) (nullable): new SRTP parameters for @ssrc
   *
   * Since: 0.1
   */
  signals[SIGNAL_HARD_LIMIT] = g_signal_new ("hard-limit", type,
      G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL, GST_TYPE_CAPS, 1, G_TYPE_UINT);
  /**
   * GstSrtpGuard::clear-keys:
   * @guard: the srtpguard
   *
   * Action signal: forget every SSRC's keys and SRTP state (their statistics too).
   * In protect mode a key that protected an SSRC's packets is then refused for that
   * SSRC (`key-reused`): its packet indices would start again.
   *
   * Since: 0.1
   */
  signals[SIGNAL_CLEAR_KEYS] = g_signal_new_class_handler ("clear-keys",
      type, G_SIGNAL_RUN_LAST | G_SIGNAL_ACTION, G_CALLBACK (gst_srtp_guard_clear_keys),
      NULL, NULL, NULL, G_TYPE_NONE, 0);
  /**
   * GstSrtpGuard::remove-key:
   * @guard: the srtpguard
   * @ssrc: an SSRC
   *
   * Action signal: forget the keys and SRTP state of @ssrc. In protect mode a key
   * that protected packets of @ssrc is then refused for it (`key-reused`).
   *
   * Since: 0.1
   */
  signals[SIGNAL_REMOVE_KEY] = g_signal_new_class_handler ("remove-key",
      type, G_SIGNAL_RUN_LAST | G_SIGNAL_ACTION, G_CALLBACK (gst_srtp_guard_remove_key),
      NULL, NULL, NULL, G_TYPE_NONE, 1, G_TYPE_UINT);
}

static void
gst_srtp_guard_dispatch_properties_changed (GObject * object, guint n_pspecs,
    GParamSpec ** pspecs)
{
  GstSrtpGuard *self = GST_SRTP_GUARD (object);
  GQueue msgs = G_QUEUE_INIT;

  g_mutex_lock (&self->lock);
  if (self->props_dirty) {
    gst_srtp_guard_params_free (self->prop_params);
    self->prop_params = build_prop_params_locked (self);
    self->props_dirty = FALSE;
    self->prop_warned = FALSE;
    if (gst_srtp_guard_params_validate (self->prop_params, NULL)) {
      gst_srtp_guard_session_rekey (&self->session, GST_OBJECT (self),
          self->prop_params, GST_SRTP_GUARD_SOURCE_PROPERTY, FALSE, 0, &msgs);
    }
    mark_src_caps_dirty_locked (self);
  }
  if (self->status_dirty) {
    self->status_dirty = FALSE;
    gst_srtp_guard_status_tracker_update (&self->status, GST_OBJECT (self),
        self->session.streams, FALSE, &msgs);
  }
  g_mutex_unlock (&self->lock);
  gst_srtp_guard_post_messages (self, &msgs);

  G_OBJECT_CLASS (gst_srtp_guard_parent_class)->dispatch_properties_changed (object,
      n_pspecs, pspecs);
}

static void
clear_streams (GstSrtpGuard * self, gboolean has_ssrc, guint32 ssrc)
{
  GQueue msgs = G_QUEUE_INIT;

  g_mutex_lock (&self->lock);
  gst_srtp_guard_forget_streams_locked (self, !has_ssrc, ssrc);
  gst_srtp_guard_status_tracker_update (&self->status, GST_OBJECT (self),
      self->session.streams, TRUE, &msgs);
  g_mutex_unlock (&self->lock);
  gst_srtp_guard_post_messages (self, &msgs);
}

static void
gst_srtp_guard_clear_keys (GstSrtpGuard * self)
{
  GST_DEBUG_OBJECT (self, "clearing all streams");
  clear_streams (self, FALSE, 0);
}

static void
gst_srtp_guard_remove_key (GstSrtpGuard * self, guint ssrc)
{
  GST_DEBUG_OBJECT (self, "removing stream %u", ssrc);
  clear_streams (self, TRUE, ssrc);
}

/* The third-party requirement and the tag length: srtpguard is the SIP/H.323 leg. */
static const GstE2eePolicyMapping policy_map[] = {
  {"require-media-encryption-third-party", "require-encryption",
      GST_E2EE_POLICY_MAP_AT_LEAST},
  {"min-srtp-auth-tag-bits", "min-auth-tag-bits", GST_E2EE_POLICY_MAP_AT_LEAST},
};

static void
gst_srtp_guard_set_context (GstElement * element, GstContext * context)
{
  gst_e2ee_policy_binding_set_context (GST_SRTP_GUARD (element)->policy_binding,
      context);
  GST_ELEMENT_CLASS (gst_srtp_guard_parent_class)->set_context (element, context);
}

static GstStateChangeReturn
gst_srtp_guard_change_state (GstElement * element, GstStateChange transition)
{
  GstSrtpGuard *self = GST_SRTP_GUARD (element);
  GstStateChangeReturn ret;

  if (transition == GST_STATE_CHANGE_NULL_TO_READY &&
      !gst_e2ee_policy_binding_start (self->policy_binding))
    return GST_STATE_CHANGE_FAILURE;

  ret = GST_ELEMENT_CLASS (gst_srtp_guard_parent_class)->change_state (element,
      transition);
  if (ret == GST_STATE_CHANGE_FAILURE)
    return ret;

  if (transition == GST_STATE_CHANGE_PAUSED_TO_READY) {
    gst_srtp_guard_flush_messages (self);
    g_mutex_lock (&self->lock);
    gst_srtp_guard_session_reset (&self->session);
    gst_srtp_guard_status_tracker_reset (&self->status);
    gst_srtp_guard_policy_reset_limits (&self->policy);
    gst_srtp_guard_pairs_reset_locked (self);
    g_mutex_unlock (&self->lock);
  }
  return ret;
}

static void
gst_srtp_guard_finalize (GObject * object)
{
  GstSrtpGuard *self = GST_SRTP_GUARD (object);

  gst_srtp_guard_session_clear (&self->session);
  gst_srtp_guard_pairs_free (self);
  gst_srtp_guard_params_free (self->prop_params);
  wipe_buffer (&self->prop_key);
  gst_clear_buffer (&self->prop_mki);
  gst_e2ee_policy_binding_free (self->policy_binding);
  g_mutex_clear (&self->lock);
  G_OBJECT_CLASS (gst_srtp_guard_parent_class)->finalize (object);
}

static void
gst_srtp_guard_init (GstSrtpGuard * self)
{
  g_mutex_init (&self->lock);
  self->mode = DEFAULT_MODE;
  self->prop_rtp_cipher = self->prop_rtcp_cipher = DEFAULT_CIPHER;
  self->prop_rtp_auth = self->prop_rtcp_auth = DEFAULT_AUTH;
  self->prop_params = build_prop_params_locked (self);
  gst_srtp_guard_policy_init (&self->policy);
  gst_srtp_guard_session_init (&self->session);
  gst_srtp_guard_init_pads (self);
  self->policy_binding = gst_e2ee_policy_binding_new (GST_ELEMENT (self), policy_map,
      G_N_ELEMENTS (policy_map));
}

static void
gst_srtp_guard_class_init (GstSrtpGuardClass * klass)
{
  GObjectClass *gobject_class = G_OBJECT_CLASS (klass);
  GstElementClass *element_class = GST_ELEMENT_CLASS (klass);

  gobject_class->set_property = gst_srtp_guard_set_property;
  gobject_class->get_property = gst_srtp_guard_get_property;
  gobject_class->dispatch_properties_changed = gst_srtp_guard_dispatch_properties_changed;
  gobject_class->finalize = gst_srtp_guard_finalize;
  element_class->change_state = GST_DEBUG_FUNCPTR (gst_srtp_guard_change_state);
  element_class->set_context = GST_DEBUG_FUNCPTR (gst_srtp_guard_set_context);

  element_class->request_new_pad = GST_DEBUG_FUNCPTR (gst_srtp_guard_request_new_pad);
  element_class->release_pad = GST_DEBUG_FUNCPTR (gst_srtp_guard_release_pad);

  install_properties (gobject_class);
  install_signals (klass);

  gst_element_class_add_static_pad_template (element_class, &rtp_sink_template);
  gst_element_class_add_static_pad_template (element_class, &rtp_src_template);
  gst_element_class_add_static_pad_template (element_class, &rtcp_sink_template);
  gst_element_class_add_static_pad_template (element_class, &rtcp_src_template);
  gst_element_class_add_static_pad_template (element_class, &rtp_sink_req_template);
  gst_element_class_add_static_pad_template (element_class, &rtp_src_req_template);
  gst_element_class_add_static_pad_template (element_class, &rtcp_sink_req_template);
  gst_element_class_add_static_pad_template (element_class, &rtcp_src_req_template);
  gst_element_class_set_static_metadata (element_class, "SRTP guard",
      "Filter/Network/SRTP",
      "Hop-by-hop SRTP/SRTCP with a media encryption policy and connection status",
      "gst-e2ee developers");

  gst_type_mark_as_plugin_api (GST_TYPE_SRTP_GUARD_MODE, 0);
  gst_type_mark_as_plugin_api (GST_TYPE_SRTP_GUARD_CIPHER, 0);
  gst_type_mark_as_plugin_api (GST_TYPE_SRTP_GUARD_AUTH, 0);
  gst_type_mark_as_plugin_api (GST_TYPE_SRTP_GUARD_VIOLATION_ACTION, 0);
}
