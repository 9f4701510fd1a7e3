/* gst-e2ee: e2eeenc: properties and stats
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "gste2eeenc-private.h"

/* The `kid-stats` entries kept: the keys used most recently. Older KIDs count in the
 * totals only, so that stats stay bounded with a key change every few seconds. */
#define MAX_KID_STATS 8

/* With the object lock. The counters of @kid, made if needed; the oldest entry goes
 * when there are more than MAX_KID_STATS. */
GstE2eeKidStats *
gst_e2ee_enc_get_kid_stats_locked (GstE2eeEnc * self, guint64 kid)
{
  guint n = g_hash_table_size (self->stats);
  GstE2eeKidStats *st = gst_e2ee_kid_stats_get (self->stats, kid);

  if (g_hash_table_size (self->stats) != n) {
    g_queue_push_tail (&self->stats_order, st);
    if (g_queue_get_length (&self->stats_order) > MAX_KID_STATS) {
      GstE2eeKidStats *old = g_queue_pop_head (&self->stats_order);
      if (old == self->last_stats)
        self->last_stats = NULL;
      g_hash_table_remove (self->stats, &old->kid);
    }
  }
  return st;
}

static GstStructure *
gst_e2ee_enc_get_stats (GstE2eeEnc * self)
{
  GstStructure *s;
  GValue kids = G_VALUE_INIT;

  GstE2eeSFrameKey *next_key;

  GST_OBJECT_LOCK (self);
  /* A key change is applied by the next frame; until then report the counter the new
   * key would start from (0, or where that KID's key stopped). */
  next_key = self->key_dirty ? gst_e2ee_key_binder_lookup (self->binder, self->kid) :
      self->key;
  s = gst_structure_new ("e2eeenc-stats",
      "frames", G_TYPE_UINT64, self->frames,
      "bytes", G_TYPE_UINT64, self->bytes,
      "dropped-malformed", G_TYPE_UINT64, self->dropped_malformed,
      "dropped-no-key", G_TYPE_UINT64, self->dropped_no_key,
      "kid", G_TYPE_UINT64, self->kid,
      "next-ctr", G_TYPE_UINT64,
      next_key ? gst_e2ee_sframe_key_get_next_counter (next_key) : (guint64) 0, NULL);
  gst_e2ee_kid_stats_to_array (self->stats, FALSE, &kids);
  GST_OBJECT_UNLOCK (self);
  gst_structure_take_value (s, "kids", &kids);
  gst_e2ee_policy_binding_add_stats (self->policy, s);
  return s;
}

void
gst_e2ee_enc_set_property (GObject * object, guint prop_id, const GValue * value,
    GParamSpec * pspec)
{
  GstE2eeEnc *self = GST_E2EE_ENC (object);
  gboolean reconfigure = FALSE, pending = FALSE, ok = TRUE, group_decides = FALSE;
  gboolean new_store = FALSE;
  KeySwitch sw = { 0, };
  StoreKeys sk = { 0, };
  GError *error = NULL;

  /* A key setting may complete a change to the key store's key: that key is looked
   * up before the lock is taken. */
  if (prop_id == PROP_KEY_ID || prop_id == PROP_KEY || prop_id == PROP_CIPHER_SUITE)
    gst_e2ee_enc_lock_with_store_keys (self, prop_id == PROP_KEY_ID,
        prop_id == PROP_KEY_ID ? g_value_get_uint64 (value) : 0, &sk);
  else
    GST_OBJECT_LOCK (self);
  /* While a key is in use the key settings form one pending change (see
   * gst_e2ee_enc_apply_pending_locked()); before, they are configuration that start() applies. */
  pending = self->started && self->key != NULL;
  /* An MLS group drives the KID: the application's key settings would fight it. */
  if (self->mls_following && (prop_id == PROP_KEY_ID || prop_id == PROP_KEY)) {
    group_decides = TRUE;
    prop_id = 0;
  }
  switch (prop_id) {
    case 0:
      break;
    case PROP_CIPHER_SUITE:
      if (pending) {
        gst_e2ee_pending_set_suite (pending_locked (self), g_value_get_enum (value));
        ok = gst_e2ee_enc_apply_pending_locked (self, &sk, &sw, FALSE, &error);
        break;
      }
      self->suite = g_value_get_enum (value);
      self->key_dirty = TRUE;
      break;
    case PROP_KEY_ID:
      if (pending) {
        gst_e2ee_pending_set_kid (pending_locked (self), g_value_get_uint64 (value));
        ok = gst_e2ee_enc_apply_pending_locked (self, &sk, &sw, FALSE, &error);
        break;
      }
      self->kid = g_value_get_uint64 (value);
      self->key_dirty = TRUE;
      self->retain_key = TRUE;
      break;
    case PROP_KEY:
      if (pending) {
        gst_e2ee_pending_set_key (pending_locked (self),
            gst_e2ee_secret_from_buffer (g_value_get_boxed (value)));
        ok = gst_e2ee_enc_apply_pending_locked (self, &sk, &sw, FALSE, &error);
        break;
      }
      g_clear_pointer (&self->base_key, g_bytes_unref);
      self->base_key = gst_e2ee_secret_from_buffer (g_value_get_boxed (value));
      self->key_dirty = TRUE;
      self->retain_key = TRUE;
      break;
    case PROP_KEY_STORE:
      gst_clear_object (&self->store);
      self->store = g_value_dup_object (value);
      self->store_from_property = self->store != NULL;
      if (self->key_from_store)
        self->key_dirty = TRUE;
      new_store = TRUE;
      break;
    case PROP_MLS_CONTEXT:
      self->mls_context = g_value_get_uint (value);
      new_store = TRUE;
      break;
    case PROP_RATCHET_BITS:
      self->ratchet_bits = g_value_get_uint (value);
      break;
    case PROP_ROTATION_INTERVAL:
      self->rotation_interval = g_value_get_uint64 (value);
      break;
    case PROP_ROTATION_MODE:
      self->rotation_mode = g_value_get_enum (value);
      break;
    case PROP_MAX_FRAMES_PER_KEY:
      self->max_frames = g_value_get_uint64 (value);
      break;
    case PROP_SOFT_FRAMES_PER_KEY:
      self->soft_frames = g_value_get_uint64 (value);
      break;
    case PROP_KEYFRAME_ON_ROTATE:
      self->keyframe_on_rotate = g_value_get_boolean (value);
      break;
    case PROP_ENABLED:
      reconfigure = self->enabled != g_value_get_boolean (value);
      self->enabled = g_value_get_boolean (value);
      break;
    case PROP_LAYOUT:
      self->layout = g_value_get_enum (value);
      break;
    case PROP_RTP_METADATA:
      self->rtp_fields = g_value_get_flags (value);
      break;
    default:
      if (!gst_e2ee_policy_binding_set_property (self->policy, prop_id - PROP_POLICY,
              value))
        G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
      break;
  }
  GST_OBJECT_UNLOCK (self);
  gst_e2ee_enc_store_keys_clear (&sk);

  gst_e2ee_enc_post_key_switch (self, &sw);
  if (group_decides)
    GST_ELEMENT_WARNING (self, RESOURCE, SETTINGS, ("The MLS group decides the key "
            "and its KID: '%s' is ignored", g_param_spec_get_name (pspec)),
        ("the key store is provisioned by an MLS group; set mls-context to choose "
            "the stream's KID"));
  if (new_store)
    gst_e2ee_enc_mls_refresh (self);
  if (!ok) {
    /* As `rotate` refuses: the stream goes on with the current key. */
    GST_ELEMENT_WARNING (self, RESOURCE, SETTINGS, ("Cannot change the key: %s",
            error->message), (NULL));
    g_clear_error (&error);
  }

  if (reconfigure) {
    /* Plain frames keep their own caps: renegotiate so downstream sees which it gets. */
    g_atomic_int_set (&self->passthrough, !g_value_get_boolean (value));
    gst_base_transform_set_passthrough (GST_BASE_TRANSFORM (self),
        !g_value_get_boolean (value));
    gst_base_transform_reconfigure_src (GST_BASE_TRANSFORM (self));
    GST_INFO_OBJECT (self, "end-to-end encryption %s",
        g_value_get_boolean (value) ? "enabled" : "disabled");
  }
}

void
gst_e2ee_enc_get_property (GObject * object, guint prop_id, GValue * value,
    GParamSpec * pspec)
{
  GstE2eeEnc *self = GST_E2EE_ENC (object);

  switch (prop_id) {
    case PROP_CIPHER_SUITE:
      GST_OBJECT_LOCK (self);
      g_value_set_enum (value,
          (pending_locked (self)->fields & GST_E2EE_PENDING_FIELD_SUITE) ?
          pending_locked (self)->suite : self->suite);
      GST_OBJECT_UNLOCK (self);
      break;
    case PROP_KEY_ID:
      /* What was written, even while it waits for the key to go with it. */
      GST_OBJECT_LOCK (self);
      g_value_set_uint64 (value,
          (pending_locked (self)->fields & GST_E2EE_PENDING_FIELD_KID) ?
          pending_locked (self)->kid : self->kid);
      GST_OBJECT_UNLOCK (self);
      break;
    case PROP_ENABLED:
      GST_OBJECT_LOCK (self);
      g_value_set_boolean (value, self->enabled);
      GST_OBJECT_UNLOCK (self);
      break;
    case PROP_STATS:
      g_value_take_boxed (value, gst_e2ee_enc_get_stats (self));
      break;
    case PROP_KEY_STORE:
      GST_OBJECT_LOCK (self);
      g_value_set_object (value, self->store);
      GST_OBJECT_UNLOCK (self);
      break;
    case PROP_RATCHET_BITS:
      GST_OBJECT_LOCK (self);
      g_value_set_uint (value, self->ratchet_bits);
      GST_OBJECT_UNLOCK (self);
      break;
    case PROP_ROTATION_INTERVAL:
      GST_OBJECT_LOCK (self);
      g_value_set_uint64 (value, self->rotation_interval);
      GST_OBJECT_UNLOCK (self);
      break;
    case PROP_ROTATION_MODE:
      GST_OBJECT_LOCK (self);
      g_value_set_enum (value, self->rotation_mode);
      GST_OBJECT_UNLOCK (self);
      break;
    case PROP_MAX_FRAMES_PER_KEY:
      GST_OBJECT_LOCK (self);
      g_value_set_uint64 (value, self->max_frames);
      GST_OBJECT_UNLOCK (self);
      break;
    case PROP_SOFT_FRAMES_PER_KEY:
      GST_OBJECT_LOCK (self);
      g_value_set_uint64 (value, self->soft_frames);
      GST_OBJECT_UNLOCK (self);
      break;
    case PROP_KEYFRAME_ON_ROTATE:
      GST_OBJECT_LOCK (self);
      g_value_set_boolean (value, self->keyframe_on_rotate);
      GST_OBJECT_UNLOCK (self);
      break;
    case PROP_LAYOUT:
      GST_OBJECT_LOCK (self);
      g_value_set_enum (value, self->layout);
      GST_OBJECT_UNLOCK (self);
      break;
    case PROP_RTP_METADATA:
      GST_OBJECT_LOCK (self);
      g_value_set_flags (value, self->rtp_fields);
      GST_OBJECT_UNLOCK (self);
      break;
    case PROP_MLS_CONTEXT:
      GST_OBJECT_LOCK (self);
      g_value_set_uint (value, self->mls_context);
      GST_OBJECT_UNLOCK (self);
      break;
    default:
      if (!gst_e2ee_policy_binding_get_property (self->policy, prop_id - PROP_POLICY,
              value))
        G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
      break;
  }
}


/* The properties, from class_init(). */
void
gst_e2ee_enc_install_properties (GObjectClass * gobject_class)
{
  /**
   * GstE2eeEnc:cipher-suite:
   *
   * The SFrame cipher suite (RFC 9605 §8.1). Receivers must use the same one.
   * AES-256-GCM with SHA-512 is what meeting services use; the CTR+HMAC suites with
   * short tags save bytes on audio at the price of weaker authentication.
   *
   * Since: 0.1
   */
  g_object_class_install_property (gobject_class, PROP_CIPHER_SUITE,
      g_param_spec_enum ("cipher-suite", "Cipher suite",
          "SFrame cipher suite (RFC 9605 section 8.1); the receiver must use the same",
          GST_TYPE_E2EE_CIPHER_SUITE, DEFAULT_CIPHER_SUITE,
          G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS | GST_PARAM_MUTABLE_PLAYING));

  /**
   * GstE2eeEnc:key-id:
   *
   * The key ID (KID) frames carry in their SFrame header, which tells receivers
   * which key to use. Give every key its own KID: a KID once used by this element
   * cannot be given a different key. While playing, a new KID is used together with
   * the next #GstE2eeEnc:key write (or, with no `key` in use, the key store's key for
   * it once there is one); until then frames keep the current key.
   *
   * Since: 0.1
   */
  g_object_class_install_property (gobject_class, PROP_KEY_ID,
      g_param_spec_uint64 ("key-id", "Key ID",
          "Key ID (KID) written in each frame's header; one KID per key",
          0, G_MAXUINT64, DEFAULT_KEY_ID,
          G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS | GST_PARAM_MUTABLE_PLAYING));

  /**
   * GstE2eeEnc:key:
   *
   * The SFrame base key (at least 16 random bytes; 32 recommended), given as hex on a
   * gst-launch line. Write-only: it cannot be read back, is wiped from memory when
   * replaced or when the element is freed, and never appears in logs or caps. While
   * playing, a new key is used together with a #GstE2eeEnc:key-id write (before or
   * after it), from the next frame; until then frames keep the current key.
   *
   * Since: 0.1
   */
  g_object_class_install_property (gobject_class, PROP_KEY,
      g_param_spec_boxed ("key", "Base key",
          "SFrame base key (hex on a gst-launch line); write-only, never readable",
          GST_TYPE_BUFFER,
          G_PARAM_WRITABLE | G_PARAM_STATIC_STRINGS | GST_PARAM_MUTABLE_PLAYING));

  /**
   * GstE2eeEnc:enabled:
   *
   * Whether to encrypt. When %FALSE frames pass unencrypted with their original caps
   * and carry no E2EE metadata, so encstatus and receivers see the meeting is no
   * longer end to end. Can be toggled while playing; downstream renegotiates.
   *
   * Since: 0.1
   */
  g_object_class_install_property (gobject_class, PROP_ENABLED,
      g_param_spec_boolean ("enabled", "Enabled",
          "Encrypt frames; when false they pass unencrypted with their own caps",
          DEFAULT_ENABLED,
          G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS | GST_PARAM_MUTABLE_PLAYING));

  /**
   * GstE2eeEnc:stats:
   *
   * Counters, as a #GstStructure named `e2eeenc-stats`:
   *
   * * `frames` (#guint64): frames encrypted.
   * * `bytes` (#guint64): plaintext bytes encrypted.
   * * `dropped-malformed` (#guint64): frames dropped because the codec layout could
   *   not read them (see #GstE2eeEnc:layout).
   * * `dropped-no-key` (#guint64): frames dropped because the MLS group keying the
   *   key store gives this member no KID (see #GstE2eeEnc:mls-context).
   * * `kid` (#guint64): the current key ID.
   * * `next-ctr` (#guint64): the counter the next frame will carry.
   * * `kids` (#GstValueArray of #GstStructure `kid-stats`): for each of the last 8
   *   KIDs used, `kid`, `frames` and `bytes`; older KIDs count in the totals only.
   *
   * Since: 0.1
   */
  g_object_class_install_property (gobject_class, PROP_STATS,
      g_param_spec_boxed ("stats", "Statistics",
          "Frames and bytes encrypted, in total and per key ID",
          GST_TYPE_STRUCTURE, G_PARAM_READABLE | G_PARAM_STATIC_STRINGS));

  /**
   * GstE2eeEnc:key-store:
   *
   * The #GstE2eeKeyStore to take the key for #GstE2eeEnc:key-id from when no `key`
   * is set (keys the application added for encryption). By default the pipeline's,
   * shared through a `gst.e2ee.keystore` context.
   *
   * Since: 0.1
   */
  g_object_class_install_property (gobject_class, PROP_KEY_STORE,
      g_param_spec_object ("key-store", "Key store",
          "Key store holding the encryption key for key-id when 'key' is not set "
          "(default: the pipeline's)", GST_E2EE_TYPE_KEY_STORE,
          G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS | GST_PARAM_MUTABLE_READY));

  /**
   * GstE2eeEnc:ratchet-bits:
   *
   * R in RFC 9605 §5.1: a KID is `(generation << R) + step`. `ratchet` advances the
   * step; `generate-key` starts the next generation at step 0. Receivers need the
   * same value.
   *
   * Since: 0.1
   */
  g_object_class_install_property (gobject_class, PROP_RATCHET_BITS,
      g_param_spec_uint ("ratchet-bits", "Ratchet bits",
          "Low bits of the KID that count ratchet steps (RFC 9605 section 5.1)",
          0, GST_E2EE_RATCHET_MAX_BITS, DEFAULT_RATCHET_BITS,
          G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS | GST_PARAM_MUTABLE_PLAYING));

  /**
   * GstE2eeEnc:rotation-interval:
   *
   * Change keys every this many nanoseconds of stream time (buffer timestamps), as
   * #GstE2eeEnc:rotation-mode says. 0 turns periodic rotation off.
   *
   * Since: 0.1
   */
  g_object_class_install_property (gobject_class, PROP_ROTATION_INTERVAL,
      g_param_spec_uint64 ("rotation-interval", "Rotation interval",
          "Change keys every this many ns of stream time (0 = never)", 0, G_MAXUINT64,
          DEFAULT_ROTATION_INTERVAL,
          G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS | GST_PARAM_MUTABLE_PLAYING));

  /**
   * GstE2eeEnc:rotation-mode:
   *
   * How #GstE2eeEnc:rotation-interval changes keys: `ratchet` (receivers follow by
   * themselves) or `generate` (a new random key the application must distribute
   * from #GstE2eeEnc::key-generated).
   *
   * Since: 0.1
   */
  g_object_class_install_property (gobject_class, PROP_ROTATION_MODE,
      g_param_spec_enum ("rotation-mode", "Rotation mode",
          "How rotation-interval changes keys: ratchet, or generate a new key",
          GST_TYPE_E2EE_ENC_ROTATION_MODE, DEFAULT_ROTATION_MODE,
          G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS | GST_PARAM_MUTABLE_PLAYING));

  /**
   * GstE2eeEnc:max-frames-per-key:
   *
   * The hard limit: a key encrypts at most this many frames (counting its counter
   * values). Past it frames are dropped, never sent in the clear, and an
   * `e2ee-key-hard-limit` message is posted, until a new key is set. 0: only the
   * 2^64 counter values limit a key.
   *
   * Since: 0.1
   */
  g_object_class_install_property (gobject_class, PROP_MAX_FRAMES_PER_KEY,
      g_param_spec_uint64 ("max-frames-per-key", "Max frames per key",
          "Hard limit of frames per key; past it frames are dropped until a new key is "
          "set (0 = no limit)", 0, G_MAXUINT64, DEFAULT_MAX_FRAMES_PER_KEY,
          G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS | GST_PARAM_MUTABLE_PLAYING));

  /**
   * GstE2eeEnc:soft-frames-per-key:
   *
   * The soft limit: when a key has encrypted this many frames the element emits
   * #GstE2eeEnc::need-new-key and posts `e2ee-key-soft-limit`. 0 means 7/8 of
   * #GstE2eeEnc:max-frames-per-key.
   *
   * Since: 0.1
   */
  g_object_class_install_property (gobject_class, PROP_SOFT_FRAMES_PER_KEY,
      g_param_spec_uint64 ("soft-frames-per-key", "Soft frames per key",
          "Frames after which a new key is asked for (0 = 7/8 of max-frames-per-key)",
          0, G_MAXUINT64, DEFAULT_SOFT_FRAMES_PER_KEY,
          G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS | GST_PARAM_MUTABLE_PLAYING));

  /**
   * GstE2eeEnc:keyframe-on-rotate:
   *
   * Ask upstream for a key frame (a force-key-unit event) when the key changes, so
   * receivers start the new key on a key frame.
   *
   * Since: 0.1
   */
  g_object_class_install_property (gobject_class, PROP_KEYFRAME_ON_ROTATE,
      g_param_spec_boolean ("keyframe-on-rotate", "Key frame on rotate",
          "Ask upstream for a key frame when the key changes", DEFAULT_KEYFRAME_ON_ROTATE,
          G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS | GST_PARAM_MUTABLE_PLAYING));

  /**
   * GstE2eeEnc:layout:
   *
   * Which bytes of each frame are encrypted (docs/layout.md):
   *
   * * `frame`: the whole frame, as RFC 9605 describes; the output caps are
   *   `application/x-sframe` with the input caps' fields and `original-media-type`.
   * * `codec`: the codec layout: the bytes RTP payloaders, forwarding servers and
   *   decoders read (VP8/VP9 frame headers, H.264/H.265 start codes, NAL unit headers
   *   and parameter sets, the Opus TOC byte) stay in the clear, so the output keeps the
   *   codec's caps, with the field `e2ee-layout=codec`, and goes through the codec's
   *   own payloader (for VP8, rtpvp8sframepay). For VP8, VP9, Opus, and H.264/H.265
   *   in `stream-format=byte-stream` with `alignment=au`; other streams are refused
   *   with an error. A frame the layout cannot read is dropped (never sent in the
   *   clear), counted in #GstE2eeEnc:stats and reported with a warning message, at
   *   most one a second.
   * * `rtp` (Since: 0.1): the per-packet mode (docs/per-packet.md), for
   *   `application/x-rtp` input: each packet keeps its RTP header (fixed header,
   *   CSRCs, header extensions) and padding in the clear, and its payload becomes
   *   `SFrame header || ciphertext || tag`, one counter value per packet, with the
   *   fixed header fields #GstE2eeEnc:rtp-metadata selects as SFrame metadata. The
   *   output caps are the input's with `e2ee-layout=rtp`. A packet grows by the
   *   SFrame header and tag (at most 33 bytes; 19 or 20 with a KID below 8, fewer
   *   than 2^24 packets and AES-GCM): lower the payloader's `mtu` by that much. A
   *   buffer that is not an RTP packet is dropped and counted as
   *   `dropped-malformed`. Other caps are refused with an error.
   * * `auto`: `rtp` for `application/x-rtp`; `codec` for the streams it supports;
   *   either unless downstream accepts only `application/x-sframe` (e.g.
   *   rtpsframepay); `frame` for other streams.
   *
   * Since: 0.1
   */
  g_object_class_install_property (gobject_class, PROP_LAYOUT,
      g_param_spec_enum ("layout", "Layout",
          "Encrypt whole frames (frame), leave the codec's headers in the clear "
          "(codec), or encrypt each RTP packet's payload (rtp); auto picks rtp for "
          "application/x-rtp, codec for VP8, VP9, Opus and H.264/H.265 byte-stream",
          GST_TYPE_E2EE_ELEMENT_LAYOUT, DEFAULT_LAYOUT,
          G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS | GST_PARAM_MUTABLE_READY));

  /**
   * GstE2eeEnc:rtp-metadata:
   *
   * In the per-packet mode (#GstE2eeEnc:layout `rtp`), which fields of each packet's
   * RTP fixed header are authenticated with the payload, as SFrame metadata: a
   * receiver drops a packet whose covered fields were changed on the way. All of
   * them by default (marker, payload type, sequence number, timestamp, SSRC), for
   * endpoints that exchange packets directly or through relays that forward them
   * unchanged. Forwarding servers (SFUs) commonly rewrite the SSRC, sequence
   * number, timestamp and payload type: through one, choose the fields it keeps,
   * often `marker`, or `none`. The version is always covered; padding, the
   * extension bit, the CSRC count, CSRCs and header extensions never are, because
   * mixers and servers change them. e2eedec's #GstE2eeDec:rtp-metadata must be the
   * same.
   *
   * Since: 0.1
   */
  g_object_class_install_property (gobject_class, PROP_RTP_METADATA,
      g_param_spec_flags ("rtp-metadata", "RTP metadata",
          "Per-packet mode: RTP fixed header fields authenticated with each payload "
          "(receivers must use the same)", GST_TYPE_E2EE_ELEMENT_RTP_FIELDS,
          DEFAULT_RTP_METADATA,
          G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS | GST_PARAM_MUTABLE_READY));

  /**
   * GstE2eeEnc:mls-context:
   *
   * When an MLS group provisions the element's key store (a #GstE2eeMlsKeys bound
   * to it, e.g. by the e2eemls element), the group decides the key: the element
   * encrypts with this member's KID of this context in the group's current epoch
   * (RFC 9605 §5.2: `KID = (context << (S + E)) + (sender_index << E) + (epoch mod
   * 2^E)`), and moves to the next epoch's KID by itself, at the first frame after
   * the group applied a commit (message `e2ee-mls-kid`). Give each stream a member
   * sends its own context (e.g. 0 video, 1 audio, 2 screen), below the binding's
   * #GstE2eeMlsKeys:contexts. Without a KID (the member was removed, or the context
   * is out of range) frames are dropped, counted as `dropped-no-key` in
   * #GstE2eeEnc:stats and reported by one warning message; never sent in the clear.
   * #GstE2eeEnc:key-id and #GstE2eeEnc:key are then ignored, with a warning.
   *
   * Since: 0.1
   */
  g_object_class_install_property (gobject_class, PROP_MLS_CONTEXT,
      g_param_spec_uint ("mls-context", "MLS context",
          "With an MLS group keying the key store: this stream's context in the "
          "group's KIDs (RFC 9605 section 5.2), e.g. 0 video, 1 audio",
          0, G_MAXUINT, 0,
          G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS | GST_PARAM_MUTABLE_PLAYING));

  /* policy, policy-file, policy-group, policy-user: documented with the binding
   * (gst-libs/gst/e2ee/gste2eepolicybinding.c). */
  gst_e2ee_policy_binding_install_properties (gobject_class, PROP_POLICY);
}
