/* gst-e2ee: e2eeenc
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

/**
 * SECTION:element-e2eeenc
 * @title: e2eeenc
 * @short_description: encrypts each frame end to end with SFrame (RFC 9605)
 * @see_also: e2eedec
 *
 * Encrypts every input buffer (one encoded audio or video frame) as one SFrame frame:
 * a header with the key ID (KID) and a counter (CTR), the ciphertext and an
 * authentication tag. A forwarding server (SFU) can relay the frames but cannot read
 * or alter them; e2eedec with the same key restores the original frames.
 *
 * The output caps are `application/x-sframe` with every field of the input caps and
 * the field `original-media-type`, so e2eedec restores the exact input caps and
 * `x264enc ! h264parse ! e2eeenc ! e2eedec ! avdec_h264` negotiates as if the pair
 * were not there. Timestamps, durations and buffer flags (delta unit, header, ...)
 * are kept.
 *
 * That is whole-frame SFrame (`layout=frame`). For VP8, VP9, Opus and H.264/H.265
 * byte-stream access units the default `layout=auto` uses the codec layout instead
 * (#GstE2eeEnc:layout, docs/layout.md): the bytes RTP payloaders and forwarding
 * servers read stay in the clear, the output keeps the codec's caps plus
 * `e2ee-layout=codec`, and the codec's own payloader carries it:
 * |[
 * gst-launch-1.0 videotestsrc ! x264enc ! h264parse ! \
 *     video/x-h264,stream-format=byte-stream,alignment=au ! e2eeenc key-id=1 key=... ! \
 *     rtph264pay ! udpsink port=5006
 * ]|
 *
 * ## Per packet
 *
 * After an RTP payloader, for endpoints that only see packets, the element encrypts
 * each packet on its own (`layout=rtp`, which `auto` picks for `application/x-rtp`;
 * docs/per-packet.md): the RTP header stays in the clear, the payload becomes an
 * SFrame frame authenticated together with the header fields #GstE2eeEnc:rtp-metadata
 * selects, and the caps stay `application/x-rtp` with `e2ee-layout=rtp` added. Keys,
 * counters, limits, messages and stats work as for frames, a packet counting as a
 * frame. Packets grow by up to 33 bytes, so lower the payloader's `mtu`:
 * |[
 * gst-launch-1.0 audiotestsrc is-live=true ! opusenc ! rtpopuspay mtu=1367 ! \
 *     e2eeenc key-id=1 key=... ! udpsink host=127.0.0.1 port=5008
 * ]|
 *
 * Each key's counter starts at 0 and only moves forward for as long as the element
 * lives: giving the element the same key and KID again continues the counter, and a
 * KID already used with one key is refused for another, so a (key, nonce) pair is
 * never used twice. The element refuses to start without a key.
 *
 * ## Changing keys
 *
 * * `rotate` switches to a key the application gives, under a new KID.
 * * `generate-key` makes a fresh random key here, where the media is sent, starts
 *   using it, and hands it to the application only through `key-generated` so it
 *   can distribute it to the receivers.
 * * `ratchet` advances the sender-key ratchet of RFC 9605 §5.1: the next base key is
 *   `HKDF-Expand(HKDF-Extract("", base_key), "SFrame 1.0 Ratchet", Nh)` and the KID
 *   `(generation << R) + step` moves one step (R is #GstE2eeEnc:ratchet-bits).
 *   Receivers with the previous key follow by themselves.
 * * #GstE2eeEnc:rotation-interval does one of the last two periodically, and
 *   #GstE2eeEnc:max-frames-per-key bounds how much one key encrypts: at the soft
 *   limit the element asks for a new key (`need-new-key`), at the hard limit it
 *   drops frames rather than encrypt them with a worn key.
 *
 * Keys that are replaced are wiped; with #GstE2eeEnc:keyframe-on-rotate the element
 * asks upstream for a key frame so receivers start the new key on one.
 *
 * While playing, #GstE2eeEnc:key-id and #GstE2eeEnc:key (and #GstE2eeEnc:cipher-suite)
 * make one change, applied whole once both were written, in either order: a frame
 * encrypted between the two writes keeps the current key. A #GstE2eeEnc:key-id alone
 * switches to the key store's key for it, from the next frame, when no `key` is in
 * use.
 *
 * Keys given through `key` or `rotate`, and the key store's keys the element used,
 * are kept for the element's lifetime, so that a KID can never be paired with a
 * second key and a key given again, by either way, continues its counter. Generated
 * and ratcheted keys (also the store's, ratcheted by `ratchet`) are not kept once
 * replaced (forward secrecy); their KIDs cannot be given another key. A new element
 * knows nothing of an earlier one: never give two elements (or processes) the same
 * key and KID.
 *
 * With no `key`, the element takes the key for #GstE2eeEnc:key-id from its
 * #GstE2eeKeyStore (#GstE2eeEnc:key-store, or the pipeline's, shared through a
 * `gst.e2ee.keystore` context), where the application added it for encryption.
 *
 * ## MLS meetings
 *
 * When a #GstE2eeMlsKeys (an MLS group's binding) provisions the key store, the group
 * decides the key: the element encrypts with this member's KID of
 * #GstE2eeEnc:mls-context in the current epoch and moves to the next epoch's KID by
 * itself at the first frame after the group applied a commit (message
 * `e2ee-mls-kid`), with no application code per epoch. Without a KID (removed from
 * the group) frames are dropped and counted, with one warning, never sent in the
 * clear; #GstE2eeEnc:key-id and #GstE2eeEnc:key are ignored with a warning.
 *
 * ## Messages
 *
 * Element messages, each with a `kid` (#guint64) field:
 *
 * * `e2ee-key-added`: a key was given (`rotate`) or made (`generate-key`).
 * * `e2ee-key-activated`: the first frame was encrypted with this key; `ctr`
 *   (#guint64) is its counter.
 * * `e2ee-key-retired`: the element stopped using this key and wiped it (unless it is
 *   one kept for its KID, see above).
 * * `e2ee-ratchet-advanced`: `old-kid` and `new-kid` (#guint64) instead of `kid`.
 * * `e2ee-key-soft-limit`: the key has encrypted `frames` (#guint64) frames, the soft
 *   limit `limit` (#guint64): time to give a new key.
 * * `e2ee-key-hard-limit`: the key reached #GstE2eeEnc:max-frames-per-key (`frames`,
 *   `limit`); frames are dropped until a new key is set.
 * * `e2ee-mls-kid`: with an MLS group keying the store, the element encrypts with the
 *   group's KID `kid` of epoch `epoch` (#guint64) from this frame on.
 *
 * ## Example launch line
 * |[
 * gst-launch-1.0 videotestsrc num-buffers=100 ! x264enc ! h264parse ! \
 *     e2eeenc layout=frame key-id=1 key=000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f ! \
 *     filesink location=video.sframe
 * ]|
 *
 * Since: 0.1
 */

#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "gste2eeenc-private.h"

#include <gst/video/video.h>
#include <openssl/crypto.h>
#include <openssl/rand.h>
#include <string.h>

GST_DEBUG_CATEGORY (gst_e2ee_enc_debug);

enum
{
  SIGNAL_ROTATE,
  SIGNAL_RATCHET,
  SIGNAL_GENERATE_KEY,
  SIGNAL_KEY_GENERATED,
  SIGNAL_NEED_NEW_KEY,
  LAST_SIGNAL
};

static guint signals[LAST_SIGNAL];

static GstStaticPadTemplate sink_template = GST_STATIC_PAD_TEMPLATE ("sink",
    GST_PAD_SINK, GST_PAD_ALWAYS, GST_STATIC_CAPS_ANY);

/* application/x-sframe or, in the codec layout, the codec's caps; ANY because with
 * enabled=false frames pass with their own caps. */
static GstStaticPadTemplate src_template = GST_STATIC_PAD_TEMPLATE ("src",
    GST_PAD_SRC, GST_PAD_ALWAYS, GST_STATIC_CAPS_ANY);

#define gst_e2ee_enc_parent_class parent_class
G_DEFINE_TYPE (GstE2eeEnc, gst_e2ee_enc, GST_TYPE_BASE_TRANSFORM);
GST_ELEMENT_REGISTER_DEFINE (e2eeenc, "e2eeenc", GST_RANK_NONE, GST_TYPE_E2EE_ENC);

static void
clear_frame (GstE2eeEnc * self)
{
  g_clear_pointer (&self->frame.key, gst_e2ee_sframe_key_unref);
}

static gboolean
gst_e2ee_enc_start (GstBaseTransform * trans)
{
  GstE2eeEnc *self = GST_E2EE_ENC (trans);
  GError *error = NULL;
  gboolean ok;

  gboolean enabled;
  KeySwitch sw = { 0, };
  StoreKeys sk = { 0, };

  gst_e2ee_enc_mls_refresh (self);
  gst_e2ee_enc_lock_with_store_keys (self, FALSE, 0, &sk);
  enabled = self->enabled;
  /* A key is needed only to encrypt; a disabled element may get one later, and one
   * that follows an MLS group without a KID yet drops frames until it has one. */
  ok = !enabled || (self->mls_following && self->mls_kid == G_MAXUINT64) ||
      gst_e2ee_enc_update_key_locked (self, &sk, &sw, &error);
  self->started = ok;
  GST_OBJECT_UNLOCK (self);
  gst_e2ee_enc_store_keys_clear (&sk);
  self->last_rotation = GST_CLOCK_TIME_NONE;
  self->last_malformed_warning = 0;
  self->no_key_warned = FALSE;
  gst_e2ee_enc_post_key_switch (self, &sw);
  if (!ok) {
    GST_ELEMENT_ERROR (self, RESOURCE, SETTINGS, ("Cannot encrypt: %s", error->message),
        (NULL));
    g_clear_error (&error);
  }
  g_atomic_int_set (&self->passthrough, !enabled);
  gst_base_transform_set_passthrough (trans, !enabled);
  return ok;
}

static gboolean
gst_e2ee_enc_stop (GstBaseTransform * trans)
{
  GstE2eeEnc *self = GST_E2EE_ENC (trans);

  GST_OBJECT_LOCK (self);
  self->started = FALSE;
  /* A change still waiting for its other half becomes configuration, which the next
   * start() applies as it stands. */
  if (gst_e2ee_pending_settle (pending_locked (self), &self->kid, &self->base_key,
          &self->suite)) {
    self->key_dirty = TRUE;
    self->retain_key = TRUE;
  }
  GST_OBJECT_UNLOCK (self);

  if (self->pool) {
    gst_buffer_pool_set_active (self->pool, FALSE);
    gst_clear_object (&self->pool);
  }
  self->pool_size = 0;
  clear_frame (self);
  return TRUE;
}

static GstCaps *
gst_e2ee_enc_transform_caps (GstBaseTransform * trans, GstPadDirection direction,
    GstCaps * caps, GstCaps * filter)
{
  GstE2eeEnc *self = GST_E2EE_ENC (trans);
  GstCaps *res;
  GstE2eeElementLayout layout;
  gboolean enabled;
  guint i, n;

  GST_OBJECT_LOCK (self);
  enabled = self->enabled;
  layout = self->layout;
  GST_OBJECT_UNLOCK (self);

  if (!enabled) {
    /* Plaintext never claims a layout, whatever the neighbours offer. */
    res = gst_e2ee_element_caps_strip_layout (caps);
  } else if (layout == GST_E2EE_ELEMENT_LAYOUT_FRAME) {
    res = direction == GST_PAD_SINK ? gst_e2ee_element_caps_to_sframe (caps) :
        gst_e2ee_element_caps_from_sframe (caps);
  } else if (gst_caps_is_any (caps)) {
    res = gst_caps_new_any ();
  } else {
    /* Structure by structure: each media type may get a different layout. */
    res = gst_caps_new_empty ();
    n = gst_caps_get_size (caps);
    for (i = 0; i < n; i++) {
      GstCaps *one = gst_caps_copy_nth (caps, i);
      const GstStructure *s = gst_caps_get_structure (one, 0);
      gboolean sframe = gst_structure_has_name (s, GST_E2EE_SFRAME_MEDIA_TYPE);
      gboolean rtp = gst_structure_has_name (s, GST_E2EE_RTP_MEDIA_TYPE);
      GstCaps *capable;

      if (direction == GST_PAD_SINK) {
        if (sframe) {
          res = gst_caps_merge (res, gst_e2ee_element_caps_to_sframe (one));
        } else if (layout == GST_E2EE_ELEMENT_LAYOUT_CODEC) {
          res = gst_caps_merge (res, gst_e2ee_element_caps_add_layout (one));
        } else if (layout == GST_E2EE_ELEMENT_LAYOUT_RTP) {
          /* Other media too, so that set_caps() refuses them with a clear error. */
          res = gst_caps_merge (res, gst_e2ee_element_caps_set_layout (one,
                  GST_E2EE_LAYOUT_FIELD_RTP));
        } else if (rtp) {
          /* auto: packets encrypted per packet, preferred, or whole packets as
           * SFrame frames, as before there was a per-packet mode. */
          res = gst_caps_merge (res, gst_e2ee_element_caps_add_rtp_layout (one));
          res = gst_caps_merge (res, gst_e2ee_element_caps_to_sframe (one));
        } else {
          /* auto: the codec layout where the stream has one, preferred, and whole
           * frames, so that downstream that takes only those (rtpsframepay) still
           * links; set_caps() learns the choice from the output caps. Unfixed caps
           * may still become a stream with a codec layout. */
          if (!gst_caps_is_fixed (one))
            capable = gst_e2ee_element_caps_layout_capable (one);
          else if (gst_e2ee_layout_codec_from_caps (one) != GST_E2EE_LAYOUT_CODEC_NONE)
            capable = gst_caps_ref (one);
          else
            capable = gst_caps_new_empty ();
          if (!gst_caps_is_empty (capable))
            res = gst_caps_merge (res, gst_e2ee_element_caps_add_layout (capable));
          gst_caps_unref (capable);
          res = gst_caps_merge (res, gst_e2ee_element_caps_to_sframe (one));
        }
      } else {
        if (sframe) {
          res = gst_caps_merge (res, gst_e2ee_element_caps_from_sframe (one));
        } else if (gst_structure_has_field (s, GST_E2EE_LAYOUT_FIELD)) {
          const gchar *field = gst_structure_get_string (s, GST_E2EE_LAYOUT_FIELD);

          if (g_strcmp0 (field, layout == GST_E2EE_ELEMENT_LAYOUT_RTP ?
                  GST_E2EE_LAYOUT_FIELD_RTP : GST_E2EE_LAYOUT_FIELD_CODEC) == 0 ||
              (layout == GST_E2EE_ELEMENT_LAYOUT_AUTO && rtp &&
                  g_strcmp0 (field, GST_E2EE_LAYOUT_FIELD_RTP) == 0))
            res = gst_caps_merge (res, gst_e2ee_element_caps_strip_layout (one));
        } else if (layout == GST_E2EE_ELEMENT_LAYOUT_CODEC || layout == GST_E2EE_ELEMENT_LAYOUT_RTP ||
            rtp) {
          /* Downstream (a payloader, a parser, rtpbin, udpsink) names the media
           * without the field. */
          res = gst_caps_merge (res, gst_caps_ref (one));
        } else {
          capable = gst_e2ee_element_caps_layout_capable (one);
          res = gst_caps_merge (res, capable);
        }
      }
      gst_caps_unref (one);
    }
  }

  if (filter) {
    GstCaps *tmp = gst_caps_intersect_full (filter, res, GST_CAPS_INTERSECT_FIRST);
    gst_caps_unref (res);
    res = tmp;
  }
  GST_LOG_OBJECT (self, "%s caps %" GST_PTR_FORMAT " -> %" GST_PTR_FORMAT,
      direction == GST_PAD_SINK ? "sink" : "src", caps, res);
  return res;
}

static gboolean
gst_e2ee_enc_set_caps (GstBaseTransform * trans, GstCaps * incaps, GstCaps * outcaps)
{
  GstE2eeEnc *self = GST_E2EE_ENC (trans);
  GstE2eeElementLayout layout;
  GstE2eeLayoutCodec codec = GST_E2EE_LAYOUT_CODEC_NONE;
  gboolean enabled;

  GST_OBJECT_LOCK (self);
  layout = self->layout;
  enabled = self->enabled;
  GST_OBJECT_UNLOCK (self);

  self->rtp = FALSE;
  /* Per packet: what layout=rtp asks for, and what layout=auto settles on for RTP
   * unless downstream takes only application/x-sframe. */
  if (enabled && layout != GST_E2EE_ELEMENT_LAYOUT_FRAME && layout != GST_E2EE_ELEMENT_LAYOUT_CODEC &&
      gst_e2ee_element_caps_has_rtp_layout (outcaps)) {
    if (!gst_e2ee_element_caps_is_rtp (incaps)) {
      GST_ELEMENT_ERROR (self, STREAM, FORMAT, ("layout=rtp needs RTP packets"),
          ("caps %" GST_PTR_FORMAT " are not application/x-rtp; put the element after "
              "an RTP payloader, or use layout=auto", incaps));
      return FALSE;
    }
    self->rtp = TRUE;
    self->codec = GST_E2EE_LAYOUT_CODEC_NONE;
    GST_INFO_OBJECT (self, "per-packet mode for %" GST_PTR_FORMAT, incaps);
    return TRUE;
  }
  if (enabled && layout == GST_E2EE_ELEMENT_LAYOUT_RTP) {
    GST_ELEMENT_ERROR (self, STREAM, FORMAT, ("layout=rtp needs RTP packets"),
        ("input %" GST_PTR_FORMAT ", output %" GST_PTR_FORMAT, incaps, outcaps));
    return FALSE;
  }

  /* The output caps say which layout negotiation settled on (with layout=auto, the
   * codec layout unless downstream takes whole frames only). Frames already in
   * SFrame are encrypted again as they are. */
  if (enabled && gst_e2ee_element_caps_has_layout (outcaps) && !gst_e2ee_element_caps_is_sframe (incaps))
    codec = gst_e2ee_layout_codec_from_caps (incaps);
  if (enabled && (layout == GST_E2EE_ELEMENT_LAYOUT_CODEC || gst_e2ee_element_caps_has_layout (outcaps))
      && codec == GST_E2EE_LAYOUT_CODEC_NONE) {
    GstCaps *capable = gst_e2ee_layout_get_caps ();

    GST_ELEMENT_ERROR (self, STREAM, FORMAT, ("layout=codec does not support this "
            "stream"), ("caps %" GST_PTR_FORMAT " have no codec layout: it supports "
            "%" GST_PTR_FORMAT "; use layout=auto or layout=frame for whole-frame "
            "SFrame", incaps, capable));
    gst_caps_unref (capable);
    return FALSE;
  }
  self->codec = codec;
  GST_INFO_OBJECT (self, "%s layout for %" GST_PTR_FORMAT,
      codec == GST_E2EE_LAYOUT_CODEC_NONE ? "whole-frame" : "codec", incaps);
  return TRUE;
}

static gboolean
gst_e2ee_enc_transform_meta (GstBaseTransform * trans, GstBuffer * outbuf,
    GstMeta * meta, GstBuffer * inbuf)
{
  GType api = meta->info->api;

  /* The output is ciphertext: a claim about the plaintext's origin does not apply,
   * nor an earlier e2eeenc's mark (this element adds its own). Every other meta
   * describes the frame itself (e.g. Opus clipping), which e2eedec gives back
   * unchanged, so it travels with the frame. */
  return api != GST_E2EE_META_API_TYPE && api != GST_E2EE_TRANSPORT_META_API_TYPE &&
      api != GST_E2EE_SENDER_META_API_TYPE;
}

/* What the base class does, minus its walk over the input's metas when it has none
 * (most frames): the output gets the input's flags and timestamps. */
static gboolean
gst_e2ee_enc_copy_metadata (GstBaseTransform * trans, GstBuffer * inbuf,
    GstBuffer * outbuf)
{
  gpointer state = NULL;

  if (gst_buffer_iterate_meta (inbuf, &state))
    return GST_BASE_TRANSFORM_CLASS (parent_class)->copy_metadata (trans, inbuf, outbuf);
  gst_buffer_copy_into (outbuf, inbuf, GST_BUFFER_COPY_FLAGS | GST_BUFFER_COPY_TIMESTAMPS,
      0, -1);
  /* Not gap-aware, like the base class says for elements that did not ask to be. */
  GST_BUFFER_FLAG_UNSET (outbuf, GST_BUFFER_FLAG_GAP);
  return TRUE;
}

/* In place, the frame keeps its metas: those transform_meta() would not copy go. */
static gboolean
remove_plaintext_meta (GstBuffer * buffer, GstMeta ** meta, gpointer user_data)
{
  if (!gst_e2ee_enc_transform_meta (user_data, buffer, *meta, buffer)) {
    GST_META_FLAG_UNSET (*meta, GST_META_FLAG_LOCKED);
    *meta = NULL;
  }
  return TRUE;
}

static gboolean
gst_e2ee_enc_propose_allocation (GstBaseTransform * trans, GstQuery * decide_query,
    GstQuery * query)
{
  GstE2eeEnc *self = GST_E2EE_ENC (trans);
  GstAllocationParams params;

  if (!GST_BASE_TRANSFORM_CLASS (parent_class)->propose_allocation (trans, decide_query,
          query))
    return FALSE;
  /* Room for the SFrame header before the frame and the tag after it lets whole
   * frames be encrypted in place. Per packet and with the codec layout the frame
   * changes inside, so there is nothing to ask for. */
  if (decide_query != NULL && !self->rtp && self->codec == GST_E2EE_LAYOUT_CODEC_NONE) {
    gst_allocation_params_init (&params);
    params.prefix = GST_E2EE_SFRAME_MAX_HEADER_SIZE;
    params.padding = GST_E2EE_SFRAME_MAX_TAG_SIZE;
    gst_query_add_allocation_param (query, NULL, &params);
  }
  return TRUE;
}

/* rotation-interval, in stream time: deterministic, and right for any clock. Whether
 * the frame at @pts is the one to change keys on. */
static gboolean
gst_e2ee_enc_rotation_due (GstE2eeEnc * self, GstClockTime pts, GstClockTime interval)
{
  if (interval == 0 || !GST_CLOCK_TIME_IS_VALID (pts))
    return FALSE;
  if (!GST_CLOCK_TIME_IS_VALID (self->last_rotation) || pts < self->last_rotation) {
    self->last_rotation = pts;
    return FALSE;
  }
  if (pts - self->last_rotation < interval)
    return FALSE;
  self->last_rotation = pts;
  return TRUE;
}

static void
gst_e2ee_enc_rotate_now (GstE2eeEnc * self, GstE2eeEncRotationMode mode)
{
  /* A ratchet that has used all 2^R steps of its generation starts a new one. */
  if (mode == GST_E2EE_ENC_ROTATION_MODE_GENERATE ||
      gst_e2ee_enc_ratchet (self) == G_MAXUINT64)
    gst_e2ee_enc_generate_key (self);
}

/* Settles the key for the next frame (rotating first if it is time) into self->frame. */
static GstFlowReturn
gst_e2ee_enc_begin_frame (GstE2eeEnc * self, GstBuffer * inbuf)
{
  GError *error = NULL, *refused = NULL;
  KeySwitch sw = { 0, };
  StoreKeys sk = { 0, };
  GstE2eeSFrameKey *key;
  guint64 max_frames, soft_frames;
  gboolean ok;

  clear_frame (self);

  /* One lock section per frame in the common case: the rotation settings are read
   * with the key, and the key store is only asked (outside the lock) for a key to
   * take from it. */
  gst_e2ee_enc_lock_with_store_keys (self, FALSE, 0, &sk);
  self->frame.no_key = self->mls_following && self->mls_kid == G_MAXUINT64;
  if (G_UNLIKELY (self->frame.no_key)) {
    /* Not a member (any more): nothing to encrypt with, and nothing goes out. */
    GST_OBJECT_UNLOCK (self);
    gst_e2ee_enc_store_keys_clear (&sk);
    return GST_FLOW_OK;
  }
  /* With an MLS group the group changes the keys, at each epoch. */
  if (!self->mls_following &&
      gst_e2ee_enc_rotation_due (self, GST_BUFFER_PTS (inbuf), self->rotation_interval)) {
    GstE2eeEncRotationMode mode = self->rotation_mode;

    GST_OBJECT_UNLOCK (self);
    gst_e2ee_enc_rotate_now (self, mode);
    gst_e2ee_enc_lock_with_store_keys (self, FALSE, 0, &sk);
  }
  /* A key-id waiting for the key store's key: it may have come. Refused, it is
   * reported once the lock is released (posting a message takes it). */
  if (G_UNLIKELY (pending_locked (self)->fields & GST_E2EE_PENDING_FIELD_KID) && self->key)
    gst_e2ee_enc_apply_pending_locked (self, &sk, &sw, TRUE, &refused);
  ok = gst_e2ee_enc_update_key_locked (self, &sk, &sw, &error);
  if (ok) {
    self->no_key_warned = FALSE;
    key = self->frame.key = gst_e2ee_sframe_key_ref (self->key);
    self->frame.keyframe = self->need_keyframe;
    self->need_keyframe = FALSE;
    max_frames = self->max_frames;
    soft_frames = self->soft_frames;
    if (soft_frames == 0 || (max_frames && soft_frames > max_frames))
      soft_frames = max_frames - max_frames / 8;
    self->frame.max_frames = max_frames;
    self->frame.soft_frames = soft_frames;
    self->frame.rtp_fields = self->rtp_fields;
    self->frame.announce = self->frame.hard_report = FALSE;
    if (max_frames && gst_e2ee_sframe_key_get_next_counter (key) >= max_frames) {
      self->frame.hard_report = !self->hard_reported;
      self->hard_reported = TRUE;
    } else {
      self->frame.announce = !self->announced;
      self->announced = TRUE;
    }
  }
  GST_OBJECT_UNLOCK (self);
  gst_e2ee_enc_store_keys_clear (&sk);
  if (refused) {
    GST_ELEMENT_WARNING (self, RESOURCE, SETTINGS, ("Cannot change the key: %s",
            refused->message), (NULL));
    g_clear_error (&refused);
  }
  gst_e2ee_enc_post_key_switch (self, &sw);
  if (!ok) {
    GST_ELEMENT_ERROR (self, RESOURCE, SETTINGS, ("Cannot encrypt: %s", error->message),
        (NULL));
    g_clear_error (&error);
    return GST_FLOW_ERROR;
  }
  return GST_FLOW_OK;
}

static GstFlowReturn
gst_e2ee_enc_prepare_output_buffer (GstBaseTransform * trans, GstBuffer * inbuf,
    GstBuffer ** outbuf)
{
  /* Per frame: no type check (G_DECLARE_FINAL_TYPE casts check each time). */
  GstE2eeEnc *self = (GstE2eeEnc *) trans;
  GstFlowReturn ret;
  gsize size;

  if (g_atomic_int_get (&self->passthrough))
    return GST_BASE_TRANSFORM_CLASS (parent_class)->prepare_output_buffer (trans, inbuf,
        outbuf);

  /* The output size depends on the key (KID length, tag size), so the key for this
   * frame is settled here rather than in transform(). */
  ret = gst_e2ee_enc_begin_frame (self, inbuf);
  if (ret != GST_FLOW_OK)
    return ret;
  if (G_UNLIKELY (self->frame.no_key)) {
    /* transform() drops it. */
    *outbuf = inbuf;
    return GST_FLOW_OK;
  }
  /* Per packet, the payload gains an SFrame header and tag; nothing else changes. */
  if (self->rtp)
    size = gst_e2ee_sframe_key_get_max_encrypted_size (self->frame.key,
        gst_buffer_get_size (inbuf));
  else
    size = gst_e2ee_layout_get_max_size (self->codec, self->frame.key,
        gst_buffer_get_size (inbuf));
  if (size == 0) {
    clear_frame (self);
    GST_ELEMENT_ERROR (self, STREAM, ENCODE, ("Frame of %" G_GSIZE_FORMAT " bytes is too "
            "large to encrypt", gst_buffer_get_size (inbuf)), (NULL));
    return GST_FLOW_ERROR;
  }

  /* A writable frame with room around it (upstream used the allocation parameters
   * e2eeenc proposes, as encoders and payloaders do) is encrypted where it lies: no
   * output buffer, no copy. The room checked is for the largest header this KID can
   * have, so that the counter the key hands out always fits. */
  if (!self->rtp && self->codec == GST_E2EE_LAYOUT_CODEC_NONE &&
      /* the cheap test first: a frame upstream still holds is the common miss */
      GST_MINI_OBJECT_REFCOUNT_VALUE (inbuf) == 1 &&
      gst_e2ee_buffer_has_room (inbuf,
          gst_e2ee_sframe_header_size (gst_e2ee_sframe_key_get_kid (self->frame.key),
              G_MAXUINT64), gst_e2ee_cipher_suite_get_tag_size
          (gst_e2ee_sframe_key_get_cipher_suite (self->frame.key)))) {
    gpointer state = NULL;

    if (gst_buffer_iterate_meta (inbuf, &state))
      gst_buffer_foreach_meta (inbuf, remove_plaintext_meta, self);
    GST_BUFFER_FLAG_UNSET (inbuf, GST_BUFFER_FLAG_GAP);
    *outbuf = inbuf;
    return GST_FLOW_OK;
  }

  /* Frames vary in size, so the pool grows to the largest frame seen (rounded up to a
   * power of two) instead of allocating per frame. */
  if (self->pool == NULL || size > self->pool_size) {
    GstBufferPool *pool = gst_e2ee_pool_new ();
    GstStructure *config = gst_buffer_pool_get_config (pool);
    gsize pool_size = MAX (MIN_POOL_BUFFER_SIZE, (gsize) 1 << g_bit_storage (size - 1));

    gst_buffer_pool_config_set_params (config, NULL, (guint) pool_size, 0, 0);
    if (!gst_buffer_pool_set_config (pool, config) ||
        !gst_buffer_pool_set_active (pool, TRUE)) {
      gst_object_unref (pool);
      clear_frame (self);
      GST_ELEMENT_ERROR (self, RESOURCE, NO_SPACE_LEFT,
          ("Cannot allocate output buffers of %" G_GSIZE_FORMAT " bytes", pool_size),
          (NULL));
      return GST_FLOW_ERROR;
    }
    if (self->pool) {
      gst_buffer_pool_set_active (self->pool, FALSE);
      gst_object_unref (self->pool);
    }
    self->pool = pool;
    self->pool_size = pool_size;
    GST_DEBUG_OBJECT (self, "output pool of %" G_GSIZE_FORMAT "-byte buffers", pool_size);
  }
  if (gst_buffer_pool_acquire_buffer (self->pool, outbuf, NULL) != GST_FLOW_OK) {
    clear_frame (self);
    return GST_FLOW_ERROR;
  }
  /* Overriding this vfunc skips the base class's copy of timestamps, flags and metas. */
  if (!GST_BASE_TRANSFORM_GET_CLASS (trans)->copy_metadata (trans, inbuf, *outbuf)) {
    gst_buffer_unref (*outbuf);
    *outbuf = NULL;
    clear_frame (self);
    return GST_FLOW_ERROR;
  }
  return GST_FLOW_OK;
}

/* A frame the codec layout cannot read, or per packet a buffer that is not an RTP
 * packet: dropped, never sent in the clear. */
static void
gst_e2ee_enc_report_malformed (GstE2eeEnc * self, const GstE2eeSFrameKey * key,
    gboolean announced, const gchar * why)
{
  gint64 now = g_get_monotonic_time ();
  guint64 count;

  GST_OBJECT_LOCK (self);
  count = ++self->dropped_malformed;
  /* No frame went out with this key after all: announce it with the next one. */
  if (announced && self->key == key)
    self->announced = FALSE;
  GST_OBJECT_UNLOCK (self);

  GST_WARNING_OBJECT (self, "dropping a %s: %s", self->rtp ? "malformed RTP packet" :
      "frame the codec layout cannot read", why);
  if (self->last_malformed_warning == 0 ||
      now - self->last_malformed_warning >= MALFORMED_WARNING_INTERVAL) {
    self->last_malformed_warning = now;
    GST_ELEMENT_WARNING (self, STREAM, FORMAT,
        ("%s", self->rtp ? "Dropping buffers that are not well-formed RTP packets" :
            "Dropping frames that are not well-formed for the codec layout"),
        ("%s (%" G_GUINT64_FORMAT " dropped so far)", why, count));
  }
}

/* Copies @size bytes at @offset of the input packet: from its map when it has one
 * memory, else from its memories as they are. */
static inline void
copy_in (GstBuffer * inbuf, const guint8 * in, gsize offset, guint8 * dest, gsize size)
{
  if (in)
    memcpy (dest, in + offset, size);
  else
    gst_buffer_extract (inbuf, offset, dest, size);
}

/* Per packet (docs/per-packet.md): the RTP header is copied, the payload is replaced
 * by `SFrame header || ciphertext || tag` with the masked fixed header as metadata,
 * and the padding follows unchanged. The payload is copied to where the SFrame
 * header ends and encrypted there in place; a payloader's two-memory packet is read
 * memory by memory, never merged (@in is NULL then; else the mapped packet).
 * Writes into @out, the mapped output. Sets *@plain_size to the payload size. */
static gboolean
gst_e2ee_enc_encrypt_packet (GstE2eeEnc * self, GstE2eeSFrameKey * key,
    GstE2eeElementRtpFields fields, GstBuffer * inbuf, const guint8 * in, gsize in_size,
    guint8 * out, gsize out_size, gsize * out_len, guint64 * ctr, gsize * plain_size,
    GError ** error)
{
  guint8 fixed[GST_E2EE_RTP_FIXED_HEADER_SIZE], md[GST_E2EE_RTP_FIXED_HEADER_SIZE];
  guint64 kid = gst_e2ee_sframe_key_get_kid (key);
  GstE2eeRtpPacket pkt;
  GError *err = NULL;
  const gchar *why;
  gsize hlen, sh, grown, placed = 0, sframe_len = 0;
  gboolean ok = FALSE;

  if (in ? !gst_e2ee_rtp_parse_data (in, in_size, &pkt, &why) :
      !gst_e2ee_rtp_parse_buffer (inbuf, &pkt, fixed, &why)) {
    g_set_error (error, GST_E2EE_LAYOUT_ERROR, GST_E2EE_LAYOUT_ERROR_MALFORMED_FRAME,
        "not an RTP packet: %s", why);
    return FALSE;
  }
  hlen = pkt.header_size;
  gst_e2ee_rtp_metadata (in ? in : fixed, fields, md);
  copy_in (inbuf, in, 0, out, hlen);
  /* The payload goes where the next counter's SFrame header ends, and is sealed in
   * place: the key settles the header under its lock. Another element sharing the key
   * (through the key store) may take counters meanwhile; the header then outgrows its
   * room, the seal is refused without using a counter, and the payload moves up. Counters
   * only grow, so this ends within GST_E2EE_SFRAME_MAX_HEADER_SIZE tries. */
  sh = gst_e2ee_sframe_header_size (kid, gst_e2ee_sframe_key_get_next_counter (key));
  copy_in (inbuf, in, hlen, out + hlen + sh, pkt.payload_size);
  for (;;) {
    g_clear_error (&err);
    ok = gst_e2ee_sframe_key_encrypt_in_place (key, md, sizeof (md), out + hlen + sh,
        pkt.payload_size, sh, out_size - hlen - sh - pkt.payload_size, &placed,
        &sframe_len, ctr, &err);
    if (ok)
      break;
    grown = gst_e2ee_sframe_header_size (kid, gst_e2ee_sframe_key_get_next_counter (key));
    /* The output holds the largest header (it is sized for G_MAXUINT64). */
    if (grown <= sh)
      break;
    memmove (out + hlen + grown, out + hlen + sh, pkt.payload_size);
    sh = grown;
  }
  g_assert (!ok || placed == sh);
  if (ok) {
    copy_in (inbuf, in, hlen + pkt.payload_size, out + hlen + sframe_len,
        pkt.padding_size);
    *out_len = hlen + sframe_len + pkt.padding_size;
    *plain_size = pkt.payload_size;
  } else {
    g_propagate_error (error, err);
  }
  return ok;
}

/* A frame with no MLS KID to encrypt it (this member was removed, or the group is
 * not active): dropped and counted; the first of a run is reported. */
static void
gst_e2ee_enc_drop_no_key (GstE2eeEnc * self)
{
  guint64 count;
  guint context;

  GST_OBJECT_LOCK (self);
  count = ++self->dropped_no_key;
  context = self->mls_context;
  GST_OBJECT_UNLOCK (self);
  GST_LOG_OBJECT (self, "no MLS KID: frame dropped");
  if (!self->no_key_warned) {
    self->no_key_warned = TRUE;
    GST_ELEMENT_WARNING (self, STREAM, ENCODE, ("Dropping frames: the MLS group gives "
            "this member no key"), ("not a member of the group's current epoch (removed "
            "or not active), or mls-context %u is not one of the group's contexts; %"
            G_GUINT64_FORMAT " frames dropped so far", context, count));
  }
}

static GstFlowReturn
gst_e2ee_enc_transform (GstBaseTransform * trans, GstBuffer * inbuf, GstBuffer * outbuf)
{
  /* Per frame: no type check (G_DECLARE_FINAL_TYPE casts check each time). */
  GstE2eeEnc *self = (GstE2eeEnc *) trans;
  GstE2eeSFrameKey *key;
  GstE2eeBufferMap in, out;
  GError *error = NULL;
  GstE2eeKidStats *st;
  gsize out_len = 0, plain_size = gst_buffer_get_size (inbuf);
  guint64 ctr = 0, max_frames, soft_frames;
  gboolean ok, announce, hard_report, in_mapped;

  if (G_UNLIKELY (self->frame.no_key)) {
    gst_e2ee_enc_drop_no_key (self);
    return GST_BASE_TRANSFORM_FLOW_DROPPED;
  }
  /* Taken over from prepare_output_buffer(). */
  key = g_steal_pointer (&self->frame.key);
  if (key == NULL)
    return GST_FLOW_ERROR;
  announce = self->frame.announce;
  hard_report = self->frame.hard_report;
  max_frames = self->frame.max_frames;
  soft_frames = self->frame.soft_frames;

  if (self->frame.keyframe) {
    /* Receivers start the new key on a key frame instead of waiting for one. */
    gst_pad_push_event (GST_BASE_TRANSFORM_SINK_PAD (self),
        gst_video_event_new_upstream_force_key_unit (GST_CLOCK_TIME_NONE, TRUE, 0));
  }
  if (max_frames && gst_e2ee_sframe_key_get_next_counter (key) >= max_frames) {
    /* Worn out: never encrypt more with it, never pass the frame in the clear. */
    if (hard_report) {
      guint64 kid = gst_e2ee_sframe_key_get_kid (key);
      GST_ELEMENT_WARNING (self, STREAM, ENCODE, ("Key %" G_GUINT64_FORMAT " reached "
              "its limit of %" G_GUINT64_FORMAT " frames: dropping frames until a new "
              "key is set", kid, max_frames), (NULL));
      gst_e2ee_post_message (GST_ELEMENT (self),
          gst_structure_new ("e2ee-key-hard-limit", "kid", G_TYPE_UINT64, kid,
              "frames", G_TYPE_UINT64, gst_e2ee_sframe_key_get_next_counter (key),
              "limit", G_TYPE_UINT64, max_frames, NULL));
    }
    gst_e2ee_sframe_key_unref (key);
    return GST_BASE_TRANSFORM_FLOW_DROPPED;
  }

  if (outbuf == inbuf) {
    gsize offset, hlen = 0;

    /* In place (see prepare_output_buffer()): the header goes into the memory's
     * prefix, the tag into its padding. */
    if (!gst_e2ee_buffer_map_whole (outbuf, &out, &offset)) {
      gst_e2ee_sframe_key_unref (key);
      GST_ELEMENT_ERROR (self, RESOURCE, WRITE, ("Cannot write the frame"), (NULL));
      return GST_FLOW_ERROR;
    }
    ok = gst_e2ee_sframe_key_encrypt_in_place (key, NULL, 0, out.info.data + offset,
        plain_size, offset, out.info.size - offset - plain_size, &hlen, &out_len, &ctr,
        &error);
    gst_e2ee_buffer_unmap (&out);
    if (ok)
      offset -= hlen;
    else
      out_len = plain_size;
    gst_e2ee_buffer_set_range (&out, offset, out_len);
    goto encrypted;
  }

  if (!gst_e2ee_buffer_map (outbuf, &out, GST_MAP_WRITE)) {
    gst_e2ee_sframe_key_unref (key);
    GST_ELEMENT_ERROR (self, RESOURCE, WRITE, ("Cannot write the output frame"), (NULL));
    return GST_FLOW_ERROR;
  }
  /* A packet of several memories (a payloader's header and payload) is read as it is
   * rather than merged by a map; anything else is mapped. */
  in_mapped = !self->rtp || gst_buffer_n_memory (inbuf) == 1;
  if (in_mapped && !gst_e2ee_buffer_map (inbuf, &in, GST_MAP_READ)) {
    gst_e2ee_buffer_unmap (&out);
    gst_e2ee_sframe_key_unref (key);
    GST_ELEMENT_ERROR (self, RESOURCE, READ, ("Cannot read the input frame"), (NULL));
    return GST_FLOW_ERROR;
  }
  if (self->rtp)
    ok = gst_e2ee_enc_encrypt_packet (self, key, self->frame.rtp_fields, inbuf,
        in_mapped ? in.info.data : NULL, in_mapped ? in.info.size : 0, out.info.data,
        out.info.size, &out_len, &ctr, &plain_size, &error);
  else if (self->codec == GST_E2EE_LAYOUT_CODEC_NONE)
    ok = gst_e2ee_sframe_key_encrypt (key, NULL, 0, in.info.data, in.info.size,
        out.info.data, out.info.size, &out_len, &ctr, &error);
  else
    ok = gst_e2ee_layout_encrypt (key, self->codec, in.info.data, in.info.size,
        out.info.data, out.info.size, &out_len, &ctr, &error);
  if (in_mapped)
    gst_e2ee_buffer_unmap (&in);
  gst_e2ee_buffer_unmap (&out);
  if (ok)
    gst_e2ee_buffer_set_range (&out, 0, out_len);

encrypted:

  if (!ok && g_error_matches (error, GST_E2EE_LAYOUT_ERROR,
          GST_E2EE_LAYOUT_ERROR_MALFORMED_FRAME)) {
    gst_e2ee_enc_report_malformed (self, key, announce, error->message);
    g_clear_error (&error);
    gst_e2ee_sframe_key_unref (key);
    return GST_BASE_TRANSFORM_FLOW_DROPPED;
  }
  if (!ok) {
    gboolean exhausted = g_error_matches (error, GST_E2EE_SFRAME_ERROR,
        GST_E2EE_SFRAME_ERROR_COUNTER_EXHAUSTED);
    /* Stopping is the only safe answer: continuing would need a nonce already used. */
    GST_ELEMENT_ERROR (self, STREAM, ENCODE, ("Cannot encrypt frame: %s",
            error->message), ("KID %" G_GUINT64_FORMAT "%s",
            gst_e2ee_sframe_key_get_kid (key), exhausted ? ", set a new key" : ""));
    g_clear_error (&error);
    gst_e2ee_sframe_key_unref (key);
    return GST_FLOW_ERROR;
  }

  if (announce)
    gst_e2ee_post_message (GST_ELEMENT (self), gst_structure_new ("e2ee-key-activated",
            "kid", G_TYPE_UINT64, gst_e2ee_sframe_key_get_kid (key),
            "ctr", G_TYPE_UINT64, ctr, NULL));
  if (soft_frames && ctr + 1 == soft_frames) {
    guint64 kid = gst_e2ee_sframe_key_get_kid (key);
    GST_INFO_OBJECT (self, "KID %" G_GUINT64_FORMAT " reached its soft limit", kid);
    g_signal_emit (self, signals[SIGNAL_NEED_NEW_KEY], 0, kid, soft_frames);
    gst_e2ee_post_message (GST_ELEMENT (self), gst_structure_new ("e2ee-key-soft-limit",
            "kid", G_TYPE_UINT64, kid, "frames", G_TYPE_UINT64, soft_frames,
            "limit", G_TYPE_UINT64, soft_frames, NULL));
  }

  GST_LOG_OBJECT (self, "frame of %" G_GSIZE_FORMAT " bytes -> KID %" G_GUINT64_FORMAT
      " CTR %" G_GUINT64_FORMAT ", %" G_GSIZE_FORMAT " bytes", gst_buffer_get_size (inbuf),
      gst_e2ee_sframe_key_get_kid (key), ctr, out_len);
  /* What leaves here is end to end encrypted: encstatus after this element shows it. */
  gst_buffer_add_e2ee_sender_meta (outbuf, gst_e2ee_sframe_key_get_kid (key), ctr,
      gst_e2ee_sframe_key_get_cipher_suite (key));

  GST_OBJECT_LOCK (self);
  st = self->last_stats;
  if (st == NULL || st->kid != gst_e2ee_sframe_key_get_kid (key))
    st = self->last_stats = gst_e2ee_enc_get_kid_stats_locked (self,
        gst_e2ee_sframe_key_get_kid (key));
  st->frames++;
  st->bytes += plain_size;
  self->frames++;
  self->bytes += plain_size;
  GST_OBJECT_UNLOCK (self);

  gst_e2ee_sframe_key_unref (key);
  return GST_FLOW_OK;
}

static void
gst_e2ee_enc_finalize (GObject * object)
{
  GstE2eeEnc *self = GST_E2EE_ENC (object);

  g_clear_pointer (&self->base_key, g_bytes_unref);
  g_clear_pointer (&self->key, gst_e2ee_sframe_key_unref);
  clear_frame (self);
  gst_e2ee_key_binder_free (self->binder);
  gst_e2ee_enc_mls_clear (self);
  g_queue_clear (&self->stats_order);
  gst_clear_object (&self->store);
  g_hash_table_unref (self->stats);
  gst_e2ee_policy_binding_free (self->policy);
  G_OBJECT_CLASS (parent_class)->finalize (object);
}

static void
gst_e2ee_enc_set_context (GstElement * element, GstContext * context)
{
  GstE2eeEnc *self = GST_E2EE_ENC (element);
  GstE2eeKeyStore *store = NULL;
  gboolean from_property;

  GST_OBJECT_LOCK (self);
  from_property = self->store_from_property;
  GST_OBJECT_UNLOCK (self);
  if (!from_property && gst_e2ee_key_store_handle_set_context (element, context, &store)) {
    GST_OBJECT_LOCK (self);
    gst_clear_object (&self->store);
    self->store = store;
    if (self->key_from_store)
      self->key_dirty = TRUE;
    GST_OBJECT_UNLOCK (self);
    gst_e2ee_enc_mls_refresh (self);
  }
  gst_e2ee_policy_binding_set_context (self->policy, context);
  GST_ELEMENT_CLASS (parent_class)->set_context (element, context);
}

/* Events are the meeting events: a reloaded policy applies here, between frames. */
static gboolean
gst_e2ee_enc_sink_event (GstBaseTransform * trans, GstEvent * event)
{
  gst_e2ee_policy_binding_sync (GST_E2EE_ENC (trans)->policy);
  return GST_BASE_TRANSFORM_CLASS (parent_class)->sink_event (trans, event);
}

static gboolean
gst_e2ee_enc_query (GstBaseTransform * trans, GstPadDirection direction,
    GstQuery * query)
{
  GstE2eeEnc *self = GST_E2EE_ENC (trans);

  if (GST_QUERY_TYPE (query) == GST_QUERY_CONTEXT) {
    GstE2eeKeyStore *store;
    gboolean answered = FALSE;

    GST_OBJECT_LOCK (self);
    store = self->store ? g_object_ref (self->store) : NULL;
    GST_OBJECT_UNLOCK (self);
    if (store) {
      answered = gst_e2ee_key_store_handle_context_query (GST_ELEMENT (self), query,
          store);
      g_object_unref (store);
    }
    if (answered)
      return TRUE;
  }
  return GST_BASE_TRANSFORM_CLASS (parent_class)->query (trans, direction, query);
}

static GstStateChangeReturn
gst_e2ee_enc_change_state (GstElement * element, GstStateChange transition)
{
  GstE2eeEnc *self = GST_E2EE_ENC (element);

  if (transition == GST_STATE_CHANGE_NULL_TO_READY &&
      !gst_e2ee_policy_binding_start (self->policy))
    return GST_STATE_CHANGE_FAILURE;
  if (transition == GST_STATE_CHANGE_NULL_TO_READY) {
    GstE2eeKeyStore *store;

    GST_OBJECT_LOCK (self);
    store = self->store ? g_object_ref (self->store) : NULL;
    GST_OBJECT_UNLOCK (self);
    /* Share the pipeline's store (or start one): keys the application adds for
     * encryption are found there. ensure() watches the pointer it is given for the
     * store a context brings, so it gets the one set_context() fills. */
    if (store == NULL)
      gst_e2ee_key_store_ensure (element, &self->store);
    if (store)
      g_object_unref (store);
    gst_e2ee_enc_mls_refresh (self);
  }
  return GST_ELEMENT_CLASS (parent_class)->change_state (element, transition);
}

/* e2eeenc never encrypts with a weaker suite than the policy's minimum, and rotates
 * its keys at least as often as the policy asks. */
static const GstE2eePolicyMapping policy_map[] = {
  {"min-sframe-cipher-suite", "cipher-suite", GST_E2EE_POLICY_MAP_SUITE},
  {"key-rotation-interval", "rotation-interval", GST_E2EE_POLICY_MAP_INTERVAL},
};

static void
gst_e2ee_enc_init (GstE2eeEnc * self)
{
  self->suite = DEFAULT_CIPHER_SUITE;
  self->kid = DEFAULT_KEY_ID;
  self->enabled = DEFAULT_ENABLED;
  self->binder = gst_e2ee_key_binder_new ();
  self->retain_key = TRUE;
  self->ratchet_bits = DEFAULT_RATCHET_BITS;
  self->rotation_interval = DEFAULT_ROTATION_INTERVAL;
  self->rotation_mode = DEFAULT_ROTATION_MODE;
  self->max_frames = DEFAULT_MAX_FRAMES_PER_KEY;
  self->soft_frames = DEFAULT_SOFT_FRAMES_PER_KEY;
  self->keyframe_on_rotate = DEFAULT_KEYFRAME_ON_ROTATE;
  self->last_rotation = GST_CLOCK_TIME_NONE;
  self->layout = DEFAULT_LAYOUT;
  self->rtp_fields = DEFAULT_RTP_METADATA;
  self->stats = gst_e2ee_kid_stats_table_new ();
  g_queue_init (&self->stats_order);
  self->mls_kid = G_MAXUINT64;
  g_mutex_init (&self->mls_lock);
  self->policy = gst_e2ee_policy_binding_new (GST_ELEMENT (self), policy_map,
      G_N_ELEMENTS (policy_map));
}

static void
gst_e2ee_enc_class_init (GstE2eeEncClass * klass)
{
  GObjectClass *gobject_class = G_OBJECT_CLASS (klass);
  GstElementClass *element_class = GST_ELEMENT_CLASS (klass);
  GstBaseTransformClass *trans_class = GST_BASE_TRANSFORM_CLASS (klass);

  gobject_class->set_property = gst_e2ee_enc_set_property;
  gobject_class->get_property = gst_e2ee_enc_get_property;
  gobject_class->finalize = gst_e2ee_enc_finalize;
  element_class->set_context = GST_DEBUG_FUNCPTR (gst_e2ee_enc_set_context);
  element_class->change_state = GST_DEBUG_FUNCPTR (gst_e2ee_enc_change_state);

  gst_e2ee_enc_install_properties (gobject_class);

  /**
   * GstE2eeEnc::rotate:
   * @e2eeenc: the element
   * @kid: the new key's KID
   * @base_key: the new base key
   *
   * Switches to a new key from the next frame. Refused if @kid was used with another
   * key.
   *
   * Returns: %TRUE if the element now encrypts with the new key.
   *
   * Since: 0.1
   */
  signals[SIGNAL_ROTATE] = g_signal_new_class_handler ("rotate",
      G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST | G_SIGNAL_ACTION,
      G_CALLBACK (gst_e2ee_enc_rotate), NULL, NULL, NULL, G_TYPE_BOOLEAN, 2,
      G_TYPE_UINT64, GST_TYPE_BUFFER);

  /**
   * GstE2eeEnc::ratchet:
   * @e2eeenc: the element
   *
   * Advances the sender-key ratchet (RFC 9605 §5.1) from the next frame; the old key
   * is wiped.
   *
   * Returns: the new KID, or G_MAXUINT64 if there is no key to ratchet.
   *
   * Since: 0.1
   */
  signals[SIGNAL_RATCHET] = g_signal_new_class_handler ("ratchet",
      G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST | G_SIGNAL_ACTION,
      G_CALLBACK (gst_e2ee_enc_ratchet), NULL, NULL, NULL, G_TYPE_UINT64, 0);

  /**
   * GstE2eeEnc::generate-key:
   * @e2eeenc: the element
   *
   * Makes a fresh random 32-byte base key with OpenSSL's generator, in the next
   * generation of #GstE2eeEnc:ratchet-bits KIDs, and encrypts with it from the next
   * frame. The key is handed out only through #GstE2eeEnc::key-generated.
   *
   * Returns: the new KID, or G_MAXUINT64 on failure.
   *
   * Since: 0.1
   */
  signals[SIGNAL_GENERATE_KEY] = g_signal_new_class_handler ("generate-key",
      G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST | G_SIGNAL_ACTION,
      G_CALLBACK (gst_e2ee_enc_generate_key), NULL, NULL, NULL, G_TYPE_UINT64, 0);

  /**
   * GstE2eeEnc::key-generated:
   * @e2eeenc: the element
   * @kid: the new key's KID
   * @base_key: the new base key
   *
   * Emitted when the element made a key (#GstE2eeEnc::generate-key or
   * #GstE2eeEnc:rotation-interval in `generate` mode), from the thread that did,
   * so the application can distribute it to the receivers. This is the only way the
   * key leaves the element. Copy the bytes or keep a reference to @base_key; if no
   * handler does, its memory is wiped when the signal returns.
   *
   * Since: 0.1
   */
  signals[SIGNAL_KEY_GENERATED] = g_signal_new ("key-generated",
      G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
      G_TYPE_NONE, 2, G_TYPE_UINT64, GST_TYPE_BUFFER | G_SIGNAL_TYPE_STATIC_SCOPE);

  /**
   * GstE2eeEnc::need-new-key:
   * @e2eeenc: the element
   * @kid: the key that reached its soft limit
   * @frames: how many frames it encrypted
   *
   * Emitted from the streaming thread when the current key reached
   * #GstE2eeEnc:soft-frames-per-key: give the element a new key (`rotate`,
   * `generate-key` or `ratchet`) before it reaches #GstE2eeEnc:max-frames-per-key.
   *
   * Since: 0.1
   */
  signals[SIGNAL_NEED_NEW_KEY] = g_signal_new ("need-new-key",
      G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
      G_TYPE_NONE, 2, G_TYPE_UINT64, G_TYPE_UINT64);

  gst_element_class_add_static_pad_template (element_class, &sink_template);
  gst_element_class_add_static_pad_template (element_class, &src_template);
  gst_e2ee_element_class_document_caps (element_class, TRUE);
  gst_element_class_set_static_metadata (element_class,
      "SFrame end-to-end encrypter", "Filter/Encryptor",
      "Encrypts each frame end to end with SFrame (RFC 9605)",
      "gst-e2ee developers");

  trans_class->start = GST_DEBUG_FUNCPTR (gst_e2ee_enc_start);
  trans_class->query = GST_DEBUG_FUNCPTR (gst_e2ee_enc_query);
  trans_class->sink_event = GST_DEBUG_FUNCPTR (gst_e2ee_enc_sink_event);
  trans_class->stop = GST_DEBUG_FUNCPTR (gst_e2ee_enc_stop);
  trans_class->transform_caps = GST_DEBUG_FUNCPTR (gst_e2ee_enc_transform_caps);
  trans_class->set_caps = GST_DEBUG_FUNCPTR (gst_e2ee_enc_set_caps);
  trans_class->transform_meta = GST_DEBUG_FUNCPTR (gst_e2ee_enc_transform_meta);
  trans_class->copy_metadata = GST_DEBUG_FUNCPTR (gst_e2ee_enc_copy_metadata);
  trans_class->propose_allocation =
      GST_DEBUG_FUNCPTR (gst_e2ee_enc_propose_allocation);
  trans_class->prepare_output_buffer =
      GST_DEBUG_FUNCPTR (gst_e2ee_enc_prepare_output_buffer);
  trans_class->transform = GST_DEBUG_FUNCPTR (gst_e2ee_enc_transform);
  trans_class->passthrough_on_same_caps = FALSE;

  gst_type_mark_as_plugin_api (GST_TYPE_E2EE_CIPHER_SUITE, 0);
  gst_type_mark_as_plugin_api (GST_TYPE_E2EE_ENC_ROTATION_MODE, 0);
  gst_type_mark_as_plugin_api (GST_TYPE_E2EE_ELEMENT_LAYOUT, 0);
  gst_type_mark_as_plugin_api (GST_TYPE_E2EE_ELEMENT_RTP_FIELDS, 0);
  GST_DEBUG_CATEGORY_INIT (gst_e2ee_enc_debug, "e2eeenc", 0, "SFrame encrypter");
}
