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
 * #GstRtpBin::request-rtcp-decoder signals (the same element for both), or link a
 * `mode=protect` guard after `send_rtp_src_%u` / `send_rtcp_src_%u`.
 *
 * Since: 0.1
 */

#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <string.h>

#include "gstsrtpguard-private.h"

GST_DEBUG_CATEGORY (gst_srtp_guard_debug);

guint gst_srtp_guard_signals[LAST_SIGNAL] = { 0 };

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
static void
gst_srtp_guard_dispatch_properties_changed (GObject * object, guint n_pspecs,
    GParamSpec ** pspecs)
{
  GstSrtpGuard *self = GST_SRTP_GUARD (object);
  GQueue msgs = G_QUEUE_INIT;

  g_mutex_lock (&self->lock);
  if (self->props_dirty) {
    gst_srtp_guard_params_free (self->prop_params);
    self->prop_params = gst_srtp_guard_build_prop_params_locked (self);
    self->props_dirty = FALSE;
    self->prop_warned = FALSE;
    if (gst_srtp_guard_params_validate (self->prop_params, NULL)) {
      gst_srtp_guard_apply_params_locked (self, self->prop_params,
          GST_SRTP_GUARD_SOURCE_PROPERTY, FALSE, 0, &msgs);
    }
    self->src_caps_dirty[GUARD_RTP] = self->src_caps_dirty[GUARD_RTCP] = TRUE;
  }
  if (self->status_dirty) {
    self->status_dirty = FALSE;
    gst_srtp_guard_update_status_locked (self, FALSE, &msgs);
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
  gst_srtp_guard_update_status_locked (self, TRUE, &msgs);
  g_mutex_unlock (&self->lock);
  gst_srtp_guard_post_messages (self, &msgs);
}

void
gst_srtp_guard_clear_keys (GstSrtpGuard * self)
{
  GST_DEBUG_OBJECT (self, "clearing all streams");
  clear_streams (self, FALSE, 0);
}

void
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
  gst_e2ee_policy_binding_set_context (GST_SRTP_GUARD (element)->policy, context);
  GST_ELEMENT_CLASS (gst_srtp_guard_parent_class)->set_context (element, context);
}

static GstStateChangeReturn
gst_srtp_guard_change_state (GstElement * element, GstStateChange transition)
{
  GstSrtpGuard *self = GST_SRTP_GUARD (element);
  GstStateChangeReturn ret;
  guint i;

  if (transition == GST_STATE_CHANGE_NULL_TO_READY &&
      !gst_e2ee_policy_binding_start (self->policy))
    return GST_STATE_CHANGE_FAILURE;

  ret = GST_ELEMENT_CLASS (gst_srtp_guard_parent_class)->change_state (element,
      transition);
  if (ret == GST_STATE_CHANGE_FAILURE)
    return ret;

  if (transition == GST_STATE_CHANGE_PAUSED_TO_READY) {
    gst_srtp_guard_flush_drop_messages (self);
    g_mutex_lock (&self->lock);
    gst_srtp_guard_forget_streams_locked (self, TRUE, 0);
    for (i = 0; i < 2; i++) {
      g_clear_pointer (&self->caps_params[i], gst_srtp_guard_params_free);
      self->caps_plain[i] = FALSE;
      self->caps_has_ssrc[i] = FALSE;
    }
    memset (self->untracked_dropped, 0, sizeof (self->untracked_dropped));
    memset (&self->untracked_log, 0, sizeof (self->untracked_log));
    memset (&self->status, 0, sizeof (self->status));
    self->status_posted = self->status_pending = FALSE;
    memset (&self->warning_limit, 0, sizeof (self->warning_limit));
    memset (&self->status_limit, 0, sizeof (self->status_limit));
    memset (&self->drop_limit, 0, sizeof (self->drop_limit));
    g_mutex_unlock (&self->lock);
  }
  return ret;
}

static void
gst_srtp_guard_finalize (GObject * object)
{
  GstSrtpGuard *self = GST_SRTP_GUARD (object);
  guint i;

  g_hash_table_unref (self->streams);
  g_hash_table_unref (self->used_keys);
  for (i = 0; i < 2; i++)
    gst_srtp_guard_params_free (self->caps_params[i]);
  gst_srtp_guard_params_free (self->prop_params);
  gst_srtp_guard_wipe_buffer (&self->prop_key);
  gst_clear_buffer (&self->prop_mki);
  gst_e2ee_policy_binding_free (self->policy);
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
  self->prop_params = gst_srtp_guard_build_prop_params_locked (self);
  self->replay_window_size = DEFAULT_REPLAY_WINDOW_SIZE;
  self->require_encryption = DEFAULT_REQUIRE_ENCRYPTION;
  self->min_auth_tag_bits = DEFAULT_MIN_AUTH_TAG_BITS;
  self->on_violation = DEFAULT_ON_VIOLATION;
  self->key_soft_limit = self->key_hard_limit = DEFAULT_KEY_LIMIT;
  self->post_drop_messages = DEFAULT_POST_DROP_MESSAGES;
  self->drop_message_interval = DEFAULT_DROP_MESSAGE_INTERVAL;
  self->streams = g_hash_table_new_full (NULL, NULL, NULL,
      (GDestroyNotify) gst_srtp_guard_stream_free);
  self->used_keys = g_hash_table_new_full (g_bytes_hash, g_bytes_equal,
      (GDestroyNotify) g_bytes_unref, NULL);
  gst_srtp_guard_init_pads (self);
  self->policy = gst_e2ee_policy_binding_new (GST_ELEMENT (self), policy_map,
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

  gst_srtp_guard_install_properties (gobject_class);
  gst_srtp_guard_install_signals (klass);

  gst_element_class_add_static_pad_template (element_class, &rtp_sink_template);
  gst_element_class_add_static_pad_template (element_class, &rtp_src_template);
  gst_element_class_add_static_pad_template (element_class, &rtcp_sink_template);
  gst_element_class_add_static_pad_template (element_class, &rtcp_src_template);
  gst_element_class_set_static_metadata (element_class, "SRTP guard",
      "Filter/Network/SRTP",
      "Hop-by-hop SRTP/SRTCP with a media encryption policy and connection status",
      "gst-e2ee developers");

  gst_type_mark_as_plugin_api (GST_TYPE_SRTP_GUARD_MODE, 0);
  gst_type_mark_as_plugin_api (GST_TYPE_SRTP_GUARD_CIPHER, 0);
  gst_type_mark_as_plugin_api (GST_TYPE_SRTP_GUARD_AUTH, 0);
  gst_type_mark_as_plugin_api (GST_TYPE_SRTP_GUARD_VIOLATION_ACTION, 0);
}
