/* gst-e2ee: srtpguard properties, signals and statistics
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <string.h>
#include <openssl/crypto.h>

#include "gstsrtpguard-private.h"

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

void
gst_srtp_guard_wipe_buffer (GstBuffer ** buf)
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

GstSrtpGuardParams *
gst_srtp_guard_build_prop_params_locked (GstSrtpGuard * self)
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

/* Commits key property changes once GObject has applied every property of a
 * g_object_set() (or of a freeze_notify/thaw_notify section): see props_dirty.
 * GLib dispatches notifications of readable properties only, which is why the key
 * property is readable (as NULL). */
static GstStructure *
create_stats_locked (GstSrtpGuard * self)
{
  guint64 dropped[GST_SRTP_GUARD_N_REASONS];
  guint64 packets = 0, bytes = 0, rtcp_packets = 0, rtcp_bytes = 0;
  GValue list = G_VALUE_INIT;
  GHashTableIter iter;
  gpointer value;
  GstStructure *s;
  gint r;

  memcpy (dropped, self->untracked_dropped, sizeof (dropped));
  g_value_init (&list, GST_TYPE_ARRAY);
  g_hash_table_iter_init (&iter, self->streams);
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
      "mode", G_TYPE_STRING,
      self->mode == GST_SRTP_GUARD_MODE_PROTECT ? "protect" : "unprotect",
      "packets", G_TYPE_UINT64, packets, "bytes", G_TYPE_UINT64, bytes,
      "rtcp-packets", G_TYPE_UINT64, rtcp_packets,
      "rtcp-bytes", G_TYPE_UINT64, rtcp_bytes, NULL);
  gst_srtp_guard_stats_set_drops (s, dropped);
  gst_structure_take_value (s, "streams", &list);
  gst_e2ee_policy_binding_add_stats (self->policy, s);
  return s;
}

void
gst_srtp_guard_set_property (GObject * object, guint prop_id, const GValue * value,
    GParamSpec * pspec)
{
  GstSrtpGuard *self = GST_SRTP_GUARD (object);
  GstBuffer *buf;

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
      gst_srtp_guard_wipe_buffer (&self->prop_key);
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
      self->replay_window_size = g_value_get_uint (value);
      break;
    case PROP_REQUIRE_ENCRYPTION:
      self->require_encryption = g_value_get_boolean (value);
      break;
    case PROP_MIN_AUTH_TAG_BITS:
      self->min_auth_tag_bits = g_value_get_uint (value);
      break;
    case PROP_ON_VIOLATION:
      self->on_violation = g_value_get_enum (value);
      break;
    case PROP_SIGNALING_ENCRYPTED:
      self->signaling_encrypted = g_value_get_boolean (value);
      self->status_dirty = TRUE;
      break;
    case PROP_TLS_CERTIFICATE_VALID:
      self->tls_certificate_valid = g_value_get_boolean (value);
      self->status_dirty = TRUE;
      break;
    case PROP_KEY_SOFT_LIMIT:
      self->key_soft_limit = g_value_get_uint64 (value);
      break;
    case PROP_KEY_HARD_LIMIT:
      self->key_hard_limit = g_value_get_uint64 (value);
      break;
    case PROP_POST_DROP_MESSAGES:
      self->post_drop_messages = g_value_get_boolean (value);
      break;
    case PROP_DROP_MESSAGE_INTERVAL:
      self->drop_message_interval = g_value_get_uint (value);
      break;
    case PROP_KEY_IN_CAPS:
      self->key_in_caps = g_value_get_boolean (value);
      self->src_caps_dirty[GUARD_RTP] = self->src_caps_dirty[GUARD_RTCP] = TRUE;
      break;
    default:
      if (!gst_e2ee_policy_binding_set_property (self->policy, prop_id - PROP_POLICY,
              value))
        G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
      break;
  }
  g_mutex_unlock (&self->lock);
}

void
gst_srtp_guard_get_property (GObject * object, guint prop_id, GValue * value,
    GParamSpec * pspec)
{
  GstSrtpGuard *self = GST_SRTP_GUARD (object);
  GstSrtpGuardStatus st;

  g_mutex_lock (&self->lock);
  switch (prop_id) {
    case PROP_MODE:
      g_value_set_enum (value, self->mode);
      break;
    case PROP_KEY:
      g_value_set_boxed (value, NULL);
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
      g_value_set_uint (value, self->replay_window_size);
      break;
    case PROP_REQUIRE_ENCRYPTION:
      g_value_set_boolean (value, self->require_encryption);
      break;
    case PROP_MIN_AUTH_TAG_BITS:
      g_value_set_uint (value, self->min_auth_tag_bits);
      break;
    case PROP_ON_VIOLATION:
      g_value_set_enum (value, self->on_violation);
      break;
    case PROP_SIGNALING_ENCRYPTED:
      g_value_set_boolean (value, self->signaling_encrypted);
      break;
    case PROP_TLS_CERTIFICATE_VALID:
      g_value_set_boolean (value, self->tls_certificate_valid);
      break;
    case PROP_STATUS:
      gst_srtp_guard_status_compute (&self->counts, self->signaling_encrypted,
          self->tls_certificate_valid, &st);
      g_value_take_boxed (value, gst_srtp_guard_status_to_structure (&st, &self->counts,
              self->streams));
      break;
    case PROP_STATS:
      g_value_take_boxed (value, create_stats_locked (self));
      break;
    case PROP_KEY_SOFT_LIMIT:
      g_value_set_uint64 (value, self->key_soft_limit);
      break;
    case PROP_KEY_HARD_LIMIT:
      g_value_set_uint64 (value, self->key_hard_limit);
      break;
    case PROP_POST_DROP_MESSAGES:
      g_value_set_boolean (value, self->post_drop_messages);
      break;
    case PROP_DROP_MESSAGE_INTERVAL:
      g_value_set_uint (value, self->drop_message_interval);
      break;
    case PROP_KEY_IN_CAPS:
      g_value_set_boolean (value, self->key_in_caps);
      break;
    default:
      if (!gst_e2ee_policy_binding_get_property (self->policy, prop_id - PROP_POLICY,
              value))
        G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
      break;
  }
  g_mutex_unlock (&self->lock);
}

#define PARAM_FLAGS (G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS)
#define PARAM_FLAGS_PLAYING (PARAM_FLAGS | GST_PARAM_MUTABLE_PLAYING)

void
gst_srtp_guard_install_properties (GObjectClass * gobject_class)
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
   * longer of the RTP and RTCP suites'). On a launch line, as hex. Reads back as
   * %NULL: keys are never readable. A change applies to running streams at once, keeping
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
          "depending on the cipher); reads back as NULL", GST_TYPE_BUFFER,
          PARAM_FLAGS_PLAYING));
  /**
   * GstSrtpGuard:mki:
   *
   * Master Key Identifier sent with, or expected on, every packet protected with
   * #GstSrtpGuard:key (RFC 3711 §3.1). %NULL: no MKI.
   *
   * Since: 0.1
   */
  g_object_class_install_property (gobject_class, PROP_MKI,
      g_param_spec_boxed ("mki", "MKI", "Master Key Identifier of the key property "
          "(NULL: no MKI)", GST_TYPE_BUFFER, PARAM_FLAGS_PLAYING));
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
          DEFAULT_REPLAY_WINDOW_SIZE, PARAM_FLAGS_PLAYING));
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
          DEFAULT_REQUIRE_ENCRYPTION, PARAM_FLAGS_PLAYING));
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
          0, 128, DEFAULT_MIN_AUTH_TAG_BITS, PARAM_FLAGS_PLAYING));
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
          GST_TYPE_SRTP_GUARD_VIOLATION_ACTION, DEFAULT_ON_VIOLATION,
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
          "before the soft-limit signal (0: off)", 0, G_MAXUINT64, DEFAULT_KEY_LIMIT,
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
          DEFAULT_KEY_LIMIT, PARAM_FLAGS_PLAYING));
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
          DEFAULT_POST_DROP_MESSAGES, PARAM_FLAGS_PLAYING));
  /**
   * GstSrtpGuard:drop-message-interval:
   *
   * Minimum time between two `srtpguard-drop` messages for one SSRC and reason, in
   * milliseconds; 0 posts one message per dropped packet.
   *
   * Since: 0.1
   */
  g_object_class_install_property (gobject_class, PROP_DROP_MESSAGE_INTERVAL,
      g_param_spec_uint ("drop-message-interval", "Drop message interval",
          "Minimum ms between srtpguard-drop messages per SSRC and reason "
          "(0: every drop)",
          0, G_MAXUINT, DEFAULT_DROP_MESSAGE_INTERVAL, PARAM_FLAGS_PLAYING));
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

void
gst_srtp_guard_install_signals (GstSrtpGuardClass * klass)
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
  gst_srtp_guard_signals[SIGNAL_REQUEST_KEY] = g_signal_new ("request-key", type,
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
  gst_srtp_guard_signals[SIGNAL_SOFT_LIMIT] = g_signal_new ("soft-limit", type,
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
  gst_srtp_guard_signals[SIGNAL_HARD_LIMIT] = g_signal_new ("hard-limit", type,
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
  gst_srtp_guard_signals[SIGNAL_CLEAR_KEYS] = g_signal_new_class_handler ("clear-keys",
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
  gst_srtp_guard_signals[SIGNAL_REMOVE_KEY] = g_signal_new_class_handler ("remove-key",
      type, G_SIGNAL_RUN_LAST | G_SIGNAL_ACTION, G_CALLBACK (gst_srtp_guard_remove_key),
      NULL, NULL, NULL, G_TYPE_NONE, 1, G_TYPE_UINT);
}

