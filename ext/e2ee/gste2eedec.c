/* gst-e2ee: e2eedec
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

/**
 * SECTION:element-e2eedec
 * @title: e2eedec
 * @short_description: checks and decrypts SFrame (RFC 9605) frames
 * @see_also: e2eeenc
 *
 * Decrypts the frames e2eeenc made. Each frame's header names its key (KID); the
 * element holds one key per sender: the `key-id` and `key` properties give one on a
 * gst-launch line, the `add-key` and `remove-key` action signals manage any number
 * from code.
 *
 * Only frames whose authentication tag verifies go downstream, decrypted in place
 * where the buffer allows, each with a #GstE2eeMeta (authenticated, KID, CTR, cipher
 * suite) so later elements can tell end-to-end protected media from plaintext. A frame
 * that fails (unknown KID, bad tag, malformed header, truncated) is dropped and
 * counted in #GstE2eeDec:stats, and the stream goes on.
 *
 * ## Keys
 *
 * Keys live in a #GstE2eeKeyStore. All e2eedec (and e2eeenc) instances of a pipeline
 * share one through a #GstContext of type `gst.e2ee.keystore`, or the application
 * gives one in #GstE2eeDec:key-store, so a receiver of 200 senders adds each sender's
 * key once. `add-key` and the `key` property add keys for decryption to it.
 *
 * The element follows senders through key changes without losing frames:
 *
 * * Ratchet (RFC 9605 §5.1): with #GstE2eeDec:ratchet-bits R, a KID is
 *   `(generation << R) + step`. A frame whose KID is a later step of a generation the
 *   element has a key for is decrypted with a key derived forward, up to
 *   #GstE2eeDec:ratchet-window steps; once such a frame authenticates, the new step
 *   becomes current and the older steps are retired.
 * * Retired keys (ratcheted past, or retired with the `retire-key` signal) stay usable
 *   for #GstE2eeDec:key-grace-period so frames still in flight decrypt, then are wiped.
 * * Frames whose KID has no key yet are held for up to #GstE2eeDec:unknown-kid-hold
 *   (bounded by #GstE2eeDec:unknown-kid-hold-frames and
 *   #GstE2eeDec:unknown-kid-hold-bytes) and decrypted in order when the key arrives.
 * * A sliding window per KID (#GstE2eeDec:replay-window) drops replayed frames:
 *   duplicates and counters too old to tell.
 * * When decryption resumes after a gap (frames lost to a missing key or failures)
 *   the element asks upstream for a key frame (a force-key-unit event), so the
 *   picture comes back without waiting for the next natural key frame.
 *
 * The output caps are the media caps e2eeenc was given, restored from the
 * `application/x-sframe` caps; bare `application/x-sframe` caps (frames read from a
 * file or a custom transport) give `application/octet-stream`. Input that is not
 * SFrame at all is refused unless #GstE2eeDec:allow-plaintext is set.
 *
 * ## Codec layout
 *
 * Frames e2eeenc encrypted with the codec layout (#GstE2eeDec:layout, docs/layout.md)
 * keep their codec's caps. Straight from e2eeenc the caps carry `e2ee-layout=codec`
 * and the default `layout=auto` follows them; the output caps are the same without
 * that field. An RTP payloader and depayloader in between do not carry the field, so
 * a receiver set `layout=codec`:
 * |[
 * ... ! rtph264depay ! video/x-h264,stream-format=byte-stream,alignment=au ! \
 *     e2eedec layout=codec key-id=1 key=... ! avdec_h264 ! ...
 * ]|
 *
 * A depayloader derives caps from the part of a frame the codec layout leaves in the
 * clear (VP8's key frame size, for example) before e2eedec has authenticated the
 * frame. So in the codec layout a caps change of the same codec waits for the frame
 * that follows it: it goes downstream just before that frame if the frame decrypts,
 * and is discarded if the frame is dropped or held, so that a forged or corrupted
 * header cannot make the decoder reset. (A downstream reconfiguration while a change
 * waits applies it early: the base class renegotiates with the input's current caps.)
 *
 * ## Per packet
 *
 * RTP packets e2eeenc encrypted one by one (docs/per-packet.md) arrive as
 * `application/x-rtp`: straight from e2eeenc with `e2ee-layout=rtp`, which the
 * default `layout=auto` follows, or from the network without it, where `layout=rtp`
 * is needed. Each packet's payload is checked with the header fields
 * #GstE2eeDec:rtp-metadata selects and decrypted in place; the output is the same
 * RTP packet with its plaintext payload, for the depayloader:
 * |[
 * gst-launch-1.0 udpsrc port=5008 \
 *     caps="application/x-rtp,media=audio,clock-rate=48000,encoding-name=OPUS" ! \
 *     rtpjitterbuffer ! e2eedec layout=rtp key-id=1 key=... ! rtpopusdepay ! opusdec ! \
 *     autoaudiosink
 * ]|
 * Keys, the hold, the replay window (per packet), drops and messages work as for
 * frames; a packet without payload is dropped as `truncated`.
 *
 * ## Drop messages
 *
 * When #GstE2eeDec:post-drop-messages is %TRUE (the default) the element posts an
 * element message named `e2eedec-drop` when it drops frames, at most once per
 * #GstE2eeDec:drop-message-interval for each reason, with these fields:
 *
 * * `reason` (#gchararray): why: `unknown-kid` (no key, and not held or held too
 *   long), `authentication`, `truncated`, `malformed-header`, `replay-duplicate` (a
 *   counter already seen), `replay-too-old` (a counter older than the replay
 *   window) or `clear-only` (layout=codec, H.264/H.265: an access unit of parameter
 *   sets alone, which rtph264pay/rtph265pay send ahead of a requested key frame; it
 *   has nothing to authenticate, the key frame carries the authenticated copies, and
 *   it is neither a loss nor a reason to ask for a key frame).
 * * `kid` (#guint64): the frame's key ID. Absent for `malformed-header` and
 *   `clear-only`, where no KID could be read.
 * * `ctr` (#guint64): the frame's counter. Absent for `malformed-header` and
 *   `clear-only`.
 * * `count` (#guint64): frames dropped for this reason since the previous message for
 *   it, this one included.
 * * `total` (#guint64): frames dropped for this reason since the element started.
 * * `detail` (#gchararray): a human-readable explanation.
 *
 * ## Key messages
 *
 * The element also posts element messages about the keys it uses, each with a `kid`
 * (#guint64) field:
 *
 * * `e2ee-key-added`: a key was added with this element's `add-key` signal.
 * * `e2ee-key-activated`: the first frame with this KID was decrypted.
 * * `e2ee-key-retired`: a key this element used was superseded; `deadline`
 *   (#guint64, store clock time) is when it expires.
 * * `e2ee-key-expired`: a key this element used was wiped after its grace period.
 * * `e2ee-ratchet-advanced`: a sender's ratchet moved on; `old-kid` and `new-kid`
 *   (#guint64) instead of `kid`.
 * * `e2ee-unknown-kid`: frames with a KID that has no key: `action` (#gchararray)
 *   is `held` (the first frame of this KID is being held), `recovered` (the key came:
 *   `count` held frames decrypted) or `timed-out` (`count` frames waited too long, or
 *   did not fit, and were dropped). KIDs come from the network, so `held` and
 *   `timed-out` have an overall limit: see #GstE2eeDec:post-drop-messages.
 *
 * ## Warnings
 *
 * Frames dropped because their key never arrived (reason `unknown-kid`: no key, and not
 * held, held too long or without room) also give a warning with
 * %GST_STREAM_ERROR_DECRYPT_NOKEY, with the `e2eedec-drop` message and as often (see
 * #GstE2eeDec:post-drop-messages); frames of other KIDs still decrypt. A `key` too
 * short to be safe (under 16 bytes) is an error (%GST_RESOURCE_ERROR_SETTINGS): the
 * element does not start, or while running keeps its key and posts a warning.
 *
 * ## MLS meetings
 *
 * When a #GstE2eeMlsKeys provisions the key store, frames of an epoch this member has
 * not reached yet are held (#GstE2eeDec:unknown-kid-hold) and decrypted in order once
 * the binding added that epoch's keys; #GstE2eeDec:ratchet-bits is not used (the
 * group's KIDs are no ratchet steps); and the `e2eedec-drop` and `e2ee-unknown-kid`
 * messages, their warnings and the `kid-stats` entries of #GstE2eeDec:stats name the
 * member behind a KID: `leaf` (#guint, its leaf index) and `identity` (string, the
 * credential's identity, hex when it is not UTF-8), from
 * gst_e2ee_mls_keys_lookup_sender(). Frames that fail authentication under a member's
 * KID also give a %GST_STREAM_ERROR_DECRYPT warning naming the member.
 *
 * ## Example launch line
 * |[
 * gst-launch-1.0 filesrc location=video.sframe ! \
 *     application/x-sframe,original-media-type=video/x-h264,stream-format=byte-stream,alignment=au ! \
 *     e2eedec key-id=1 key=000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f ! \
 *     h264parse ! avdec_h264 ! autovideosink
 * ]|
 * (A file loses frame boundaries; this works for transports that keep them, such as
 * an RTP payloader/depayloader pair or the sender's own pipeline.)
 *
 * Since: 0.1
 */

#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "gste2eedec-private.h"

#include <string.h>
#include <gst/video/video.h>
#include <openssl/crypto.h>

GST_DEBUG_CATEGORY (gst_e2ee_dec_debug);

enum
{
  SIGNAL_ADD_KEY,
  SIGNAL_REMOVE_KEY,
  SIGNAL_RETIRE_KEY,
  LAST_SIGNAL
};

static guint signals[LAST_SIGNAL];

/* application/x-sframe, or codec caps in the codec layout; ANY also so that
 * allow-plaintext can accept other caps, which set_caps() refuses otherwise. */
static GstStaticPadTemplate sink_template = GST_STATIC_PAD_TEMPLATE ("sink",
    GST_PAD_SINK, GST_PAD_ALWAYS, GST_STATIC_CAPS_ANY);

static GstStaticPadTemplate src_template = GST_STATIC_PAD_TEMPLATE ("src",
    GST_PAD_SRC, GST_PAD_ALWAYS, GST_STATIC_CAPS_ANY);

#define gst_e2ee_dec_parent_class parent_class
G_DEFINE_TYPE (GstE2eeDec, gst_e2ee_dec, GST_TYPE_BASE_TRANSFORM);
GST_ELEMENT_REGISTER_DEFINE (e2eedec, "e2eedec", GST_RANK_NONE, GST_TYPE_E2EE_DEC);

/* The frame after a waiting caps change decided its fate: sent on, the change goes
 * downstream first; dropped or held, the change goes with it. H.26x pieces kept for
 * the rest of their frame decide nothing yet. */
static GstFlowReturn
settle_pending_caps (GstE2eeDec * self, GstFlowReturn ret)
{
  GstEvent *event;

  if (ret == GST_BASE_TRANSFORM_FLOW_DROPPED && self->join.pieces == NULL) {
    gst_e2ee_dec_discard_pending_caps (self, "the frame that came with it was not passed on");
    return ret;
  }
  if (ret != GST_FLOW_OK)
    return ret;
  event = g_steal_pointer (&self->pending_caps);
  if (!GST_BASE_TRANSFORM_CLASS (parent_class)->sink_event (GST_BASE_TRANSFORM
          (self), event))
    return GST_FLOW_NOT_NEGOTIATED;
  return GST_FLOW_OK;
}

/* ---- Decryption ----------------------------------------------------------- */

/* The KID and CTR of a frame, or per packet of the SFrame frame that is the packet's
 * payload. On failure sets @reason and @error. */
static gboolean
read_header (GstE2eeDec * self, const guint8 * data, gsize size, guint64 * kid,
    guint64 * ctr, DropReason * reason, GError ** error)
{
  GstE2eeRtpPacket pkt;
  const gchar *why;

  *reason = DROP_MALFORMED_HEADER;
  if (!self->rtp)
    return gst_e2ee_layout_parse_header (self->codec, data, size, kid, ctr, error);
  if (!gst_e2ee_rtp_parse_data (data, size, &pkt, &why)) {
    g_set_error (error, GST_E2EE_SFRAME_ERROR, GST_E2EE_SFRAME_ERROR_MALFORMED_HEADER,
        "not an RTP packet: %s", why);
    return FALSE;
  }
  if (pkt.payload_size == 0) {
    *reason = DROP_TRUNCATED;
    g_set_error_literal (error, GST_E2EE_SFRAME_ERROR, GST_E2EE_SFRAME_ERROR_TRUNCATED,
        "RTP packet without payload (padding only?)");
    return FALSE;
  }
  return gst_e2ee_sframe_header_parse (data + pkt.header_size, pkt.payload_size, kid,
      ctr, NULL, error);
}

/* Streaming thread: brings self->cfg up to date with the properties and the store,
 * taking the object lock only when one of them changed since the last frame. */
static void
refresh_settings (GstE2eeDec * self)
{
  GstE2eeKeyStore *store;
  GstE2eeMlsKeys *mls;
  gint cookie = g_atomic_int_get (&self->settings_cookie);

  if (G_LIKELY (cookie == self->cfg.cookie && self->cfg.store))
    return;
  /* Read before copying: a change meanwhile moves the cookie again, so the next
   * frame copies again. gst_e2ee_dec_get_store() makes a store if there is none yet. */
  store = gst_e2ee_dec_get_store (self);
  /* An MLS group's KIDs (RFC 9605 §5.2) are no ratchet steps (§5.1): KID n + 1 is
   * another epoch's or member's key, never derived from KID n's. */
  mls = gst_e2ee_mls_keys_get_for_store (store);
  GST_OBJECT_LOCK (self);
  self->cfg.rtp_fields = self->rtp_fields;
  self->cfg.ratchet_bits = mls ? 0 : self->ratchet_bits;
  self->cfg.ratchet_window = self->ratchet_window;
  self->cfg.replay_window_size = self->replay_window_size;
  self->cfg.grace_period = self->grace_period;
  self->cfg.hold_time = self->hold_time;
  GST_OBJECT_UNLOCK (self);
  g_clear_object (&mls);
  gst_clear_object (&self->cfg.store);
  self->cfg.store = store;
  self->cfg.cookie = cookie;
}

static void
clear_settings (GstE2eeDec * self)
{
  gst_clear_object (&self->cfg.store);
  self->cfg.cookie = 0;
}

/* Maps @buf (writable) for decryption in place and reads its KID and CTR. On failure
 * the frame is counted and reported as dropped and left unmapped. */
static GstFlowReturn
map_frame (GstE2eeDec * self, GstBuffer * buf, GstE2eeBufferMap * map, guint64 * kid,
    guint64 * ctr)
{
  GError *error = NULL;
  DropReason reason;
  gboolean gap = self->gap;

  /* One map for the header and the decryption: a write map of a memory this buffer
   * shares with another gives it a copy of its own here. */
  if (!gst_e2ee_buffer_map (buf, map, GST_MAP_READWRITE)) {
    GST_ELEMENT_ERROR (self, RESOURCE, READ, ("Cannot map the input frame"), (NULL));
    return GST_FLOW_ERROR;
  }
  if (read_header (self, map->info.data, map->info.size, kid, ctr, &reason, &error))
    return GST_FLOW_OK;
  if (reason == DROP_MALFORMED_HEADER && !self->rtp &&
      gst_e2ee_layout_is_clear_only (self->codec, map->info.data, map->info.size)) {
    reason = DROP_CLEAR_ONLY;
    g_clear_error (&error);
    g_set_error_literal (&error, GST_E2EE_SFRAME_ERROR,
        GST_E2EE_SFRAME_ERROR_MALFORMED_HEADER, "an access unit of clear NAL units only "
        "(parameter sets sent on their own by the payloader): nothing to authenticate");
  }
  gst_e2ee_buffer_unmap (map);
  gst_e2ee_dec_report_drop (self, reason, FALSE, 0, 0, error->message);
  /* A packet without payload (a hop's padding-only probe) carries no media: its
   * loss is no reason to ask for a key frame. */
  if (self->rtp && reason == DROP_TRUNCATED)
    self->gap = gap;
  g_clear_error (&error);
  return GST_BASE_TRANSFORM_FLOW_DROPPED;
}

/* Per packet (docs/per-packet.md), in place: the payload `SFrame header || ciphertext
 * || tag` is checked against the masked fixed header and decrypted where it is, then
 * the RTP header moves up to meet the plaintext and the padding moves down over the
 * tag; both are small next to the payload. The packet is then @data + *@offset, of
 * *@out_size bytes, with *@pt_len bytes of payload. Nothing moves unless it
 * authenticated. */
static gboolean
decrypt_packet (GstE2eeSFrameKey * key, GstE2eeElementRtpFields fields, guint8 * data,
    gsize size, gsize * offset, gsize * pt_len, gsize * out_size, GError ** error)
{
  guint8 md[GST_E2EE_RTP_FIXED_HEADER_SIZE];
  GstE2eeRtpPacket pkt;
  guint64 kid, ctr;
  const gchar *why;
  gsize sh;

  /* map_frame() checked the packet and its SFrame header already. */
  if (!gst_e2ee_rtp_parse_data (data, size, &pkt, &why) ||
      !gst_e2ee_sframe_header_parse (data + pkt.header_size, pkt.payload_size, &kid,
          &ctr, &sh, NULL)) {
    g_set_error_literal (error, GST_E2EE_SFRAME_ERROR,
        GST_E2EE_SFRAME_ERROR_MALFORMED_HEADER, "not an RTP packet with an SFrame");
    return FALSE;
  }
  gst_e2ee_rtp_metadata (data, fields, md);
  if (!gst_e2ee_sframe_key_decrypt (key, md, sizeof (md), data + pkt.header_size,
          pkt.payload_size, data + pkt.header_size + sh, pkt.payload_size - sh, pt_len,
          NULL, error))
    return FALSE;
  memmove (data + sh, data, pkt.header_size);
  memmove (data + pkt.header_size + sh + *pt_len, data + size - pkt.padding_size,
      pkt.padding_size);
  *offset = sh;
  *out_size = pkt.header_size + *pt_len + pkt.padding_size;
  return TRUE;
}

/* With stats_lock. The replay window of @kid, made if @create. */
static GstE2eeReplayWindow *
get_window_locked (GstE2eeDec * self, guint64 kid, gboolean create)
{
  GstE2eeReplayWindow *window;

  if (self->last_window && self->last_window_kid == kid)
    return self->last_window;
  window = g_hash_table_lookup (self->windows, &kid);
  if (window == NULL && create) {
    window = gst_e2ee_replay_window_new (self->cfg.replay_window_size);
    g_hash_table_insert (self->windows, g_memdup2 (&kid, sizeof (kid)), window);
  }
  self->last_window = window;
  self->last_window_kid = kid;
  return window;
}

/* Decrypts the frame @map holds (see map_frame()) in place and unmaps it. Returns
 * GST_FLOW_OK, FLOW_UNKNOWN_KID (nothing counted: the caller holds or drops it),
 * GST_BASE_TRANSFORM_FLOW_DROPPED (counted and reported) or GST_FLOW_ERROR. */
static GstFlowReturn
decrypt_frame (GstE2eeDec * self, GstE2eeBufferMap * map, guint64 kid, guint64 ctr)
{
  GstBuffer *buf = map->buffer;
  GstE2eeKeyStore *store;
  GstE2eeSFrameKey *key;
  GstE2eeReplayWindow *window;
  GstE2eeReplayStatus replay = GST_E2EE_REPLAY_STATUS_OK;
  GstE2eeKidStats *st;
  GError *error = NULL;
  gboolean derived = FALSE, ok, first_use, resumed, created = FALSE;
  gsize hlen, pt_len, out_size;
  guint removed = 0;

  /* No lock for the settings: this runs for every frame. */
  refresh_settings (self);
  store = self->cfg.store;

  key = gst_e2ee_key_store_lookup_ratchet (store, kid, self->cfg.ratchet_bits,
      self->cfg.ratchet_window, &derived);
  if (key == NULL) {
    gst_e2ee_buffer_unmap (map);
    return FLOW_UNKNOWN_KID;
  }

  /* Checked before decrypting, committed only after the tag verified: a forged
   * frame can neither pass nor move the window. A KID without a window has seen no
   * authentic frame, so any counter passes; the window is only made once the tag
   * verified, so forged headers naming KIDs leave nothing behind. */
  if (self->cfg.replay_window_size > 0) {
    g_mutex_lock (&self->stats_lock);
    window = get_window_locked (self, kid, FALSE);
    if (window)
      replay = gst_e2ee_replay_window_check (window, ctr);
    g_mutex_unlock (&self->stats_lock);
  }
  if (replay != GST_E2EE_REPLAY_STATUS_OK) {
    gchar *detail = g_strdup_printf ("KID %" G_GUINT64_FORMAT " CTR %" G_GUINT64_FORMAT
        " %s", kid, ctr, replay == GST_E2EE_REPLAY_STATUS_DUPLICATE ?
        "was already received" : "is older than the replay window");
    gst_e2ee_buffer_unmap (map);
    gst_e2ee_dec_report_drop (self, replay == GST_E2EE_REPLAY_STATUS_DUPLICATE ?
        DROP_REPLAY_DUPLICATE : DROP_REPLAY_TOO_OLD, TRUE, kid, ctr, detail);
    g_free (detail);
    goto dropped;
  }

  if (self->rtp) {
    ok = decrypt_packet (key, self->cfg.rtp_fields, map->info.data, map->info.size,
        &hlen, &pt_len, &out_size, &error);
  } else if (self->codec == GST_E2EE_LAYOUT_CODEC_NONE) {
    hlen = gst_e2ee_sframe_header_size (kid, ctr);
    /* In place: the plaintext lands where the ciphertext was, then the buffer is cut
     * down to it, so a writable frame costs no copy. */
    ok = gst_e2ee_sframe_key_decrypt (key, NULL, 0, map->info.data, map->info.size,
        map->info.data + hlen, map->info.size - hlen, &pt_len, NULL, &error);
    out_size = pt_len;
  } else {
    /* The codec layout cannot decrypt in place (its output must not overlap the
     * input): into a buffer kept across frames, then back over the frame, which
     * keeps its timestamps, flags and metas. The plaintext is never longer. */
    hlen = 0;
    if (self->scratch_size < map->info.size) {
      g_free (self->scratch);
      self->scratch_size = MAX (map->info.size, 2048);
      self->scratch = g_malloc (self->scratch_size);
    }
    ok = gst_e2ee_layout_decrypt_full (key, self->codec, map->info.data,
        map->info.size, self->scratch, map->info.size, &pt_len, NULL, &removed, &error);
    if (ok)
      memcpy (map->info.data, self->scratch, pt_len);
    out_size = pt_len;
  }
  gst_e2ee_buffer_unmap (map);

  if (!ok) {
    DropReason reason = DROP_AUTHENTICATION;

    if (g_error_matches (error, GST_E2EE_SFRAME_ERROR, GST_E2EE_SFRAME_ERROR_TRUNCATED))
      reason = DROP_TRUNCATED;
    else if (g_error_matches (error, GST_E2EE_SFRAME_ERROR,
            GST_E2EE_SFRAME_ERROR_MALFORMED_HEADER))
      /* The codec layout's framing around the header did not parse. */
      reason = DROP_MALFORMED_HEADER;
    else if (!g_error_matches (error, GST_E2EE_SFRAME_ERROR,
            GST_E2EE_SFRAME_ERROR_AUTHENTICATION)) {
      GST_ELEMENT_ERROR (self, STREAM, DECRYPT, ("Cannot decrypt: %s", error->message),
          (NULL));
      g_clear_error (&error);
      gst_e2ee_sframe_key_unref (key);
      return GST_FLOW_ERROR;
    }
    /* Perhaps only the first pieces of a frame: reported once the next buffer
     * shows that it is not the rest (gste2eejoin.c). */
    if (self->pieces > 0 && reason != DROP_MALFORMED_HEADER &&
        gst_e2ee_join_keep (&self->join, buf, self->pieces, kid, ctr, reason,
            error->message)) {
      GST_DEBUG_OBJECT (self, "KID %" G_GUINT64_FORMAT " CTR %" G_GUINT64_FORMAT
          ": %u piece(s) do not authenticate, kept for the next buffer", kid, ctr,
          self->pieces);
      g_clear_error (&error);
      goto dropped;
    }
    gst_e2ee_dec_report_drop (self, reason, TRUE, kid, ctr, error->message);
    g_clear_error (&error);
    goto dropped;
  }

  if (derived) {
    /* Authentic, so the sender really moved on: make the step current. */
    if (!gst_e2ee_key_store_commit_ratchet (store, kid, self->cfg.ratchet_bits,
            self->cfg.ratchet_window, self->cfg.grace_period, &error)) {
      GST_INFO_OBJECT (self, "ratchet to KID %" G_GUINT64_FORMAT " not kept: %s", kid,
          error->message);
      g_clear_error (&error);
    }
  }
  gst_e2ee_buffer_set_range (map, hlen, out_size);
  gst_buffer_add_e2ee_meta (buf, TRUE, kid, ctr, gst_e2ee_sframe_key_get_cipher_suite (key));
  gst_e2ee_sframe_key_unref (key);

  g_mutex_lock (&self->stats_lock);
  if (self->cfg.replay_window_size > 0) {
    created = get_window_locked (self, kid, FALSE) == NULL;
    window = get_window_locked (self, kid, TRUE);
    gst_e2ee_replay_window_commit (window, ctr);
  }
  st = self->last_stats;
  if (st == NULL || st->kid != kid)
    st = self->last_stats = gst_e2ee_kid_stats_get (self->stats, kid);
  first_use = !st->activated;
  created |= first_use;
  st->activated = TRUE;
  st->frames++;
  st->bytes += pt_len;
  self->frames++;
  self->bytes += pt_len;
  self->nal_units_removed += removed;
  if (self->pieces > 1)
    self->joined++;
  g_mutex_unlock (&self->stats_lock);
  if (removed > 0)
    GST_LOG_OBJECT (self, "KID %" G_GUINT64_FORMAT " CTR %" G_GUINT64_FORMAT ": %u "
        "NAL unit(s) not authenticated, not passed on", kid, ctr, removed);
  /* The key may have gone between the decryption and the lines above, its
   * key-removed/key-expired handler finding nothing to remove: what was just made for
   * it would then stay forever. Checked only when something was made, not per frame. */
  if (created)
    gst_e2ee_dec_forget_kid_if_keyless (self, store, kid);

  if (first_use)
    gst_e2ee_post_message (GST_ELEMENT (self), gst_structure_new ("e2ee-key-activated",
            "kid", G_TYPE_UINT64, kid, NULL));

  resumed = self->gap;
  self->gap = FALSE;
  if (resumed) {
    /* Whatever was lost left the decoder without a reference: ask for a key frame
     * rather than wait for the next natural one. */
    GST_INFO_OBJECT (self, "decryption resumed after a gap: requesting a key frame");
    gst_pad_push_event (GST_BASE_TRANSFORM_SINK_PAD (self),
        gst_video_event_new_upstream_force_key_unit (GST_CLOCK_TIME_NONE, TRUE, 0));
  }

  GST_LOG_OBJECT (self, "KID %" G_GUINT64_FORMAT " CTR %" G_GUINT64_FORMAT ": %"
      G_GSIZE_FORMAT " bytes", kid, ctr, pt_len);
  return GST_FLOW_OK;

dropped:
  gst_e2ee_sframe_key_unref (key);
  return GST_BASE_TRANSFORM_FLOW_DROPPED;
}

/* ---- Holding frames for keys that have not arrived ------------------------ */

static void
drop_held (GstE2eeDec * self, GstE2eeHeldFrame * f, const gchar * why)
{
  guint64 ctr = 0;
  GstMapInfo map;
  gchar *detail;

  if (gst_buffer_map (f->buffer, &map, GST_MAP_READ)) {
    guint64 kid;
    DropReason reason;

    read_header (self, map.data, map.size, &kid, &ctr, &reason, NULL);
    gst_buffer_unmap (f->buffer, &map);
  }
  detail = g_strdup_printf ("no key for KID %" G_GUINT64_FORMAT " %s", f->kid, why);
  gst_e2ee_dec_report_drop (self, DROP_UNKNOWN_KID, TRUE, f->kid, ctr, detail);
  g_free (detail);
  {
    guint64 *count = g_hash_table_lookup (self->timeouts, &f->kid);
    if (count == NULL &&
        g_hash_table_size (self->timeouts) < UNKNOWN_KID_MESSAGES_MAX - 1) {
      count = g_new0 (guint64, 1);
      g_hash_table_insert (self->timeouts, g_memdup2 (&f->kid, sizeof (guint64)), count);
    }
    if (count)
      (*count)++;
    else
      self->timeouts_others++;
  }
  gst_e2ee_held_frame_free (f);
}

/* e2ee-unknown-kid timed-out messages, summed per KID and posted at most once per
 * drop-message-interval, at most UNKNOWN_KID_MESSAGES_MAX at a time: a sender whose
 * key never comes, or frames naming a new KID each, must not flood the bus. */
static void
report_timeouts (GstE2eeDec * self, gboolean force)
{
  GHashTableIter iter;
  gpointer kid, count;
  gint64 now = g_get_monotonic_time ();
  GstClockTime interval;
  gboolean post;

  if (g_hash_table_size (self->timeouts) == 0 && self->timeouts_others == 0)
    return;
  GST_OBJECT_LOCK (self);
  interval = self->drop_message_interval;
  post = self->post_drop_messages;
  GST_OBJECT_UNLOCK (self);
  if (!force && self->last_timeout_message != 0 &&
      now - self->last_timeout_message < (gint64) (interval / GST_USECOND))
    return;
  g_hash_table_iter_init (&iter, self->timeouts);
  while (g_hash_table_iter_next (&iter, &kid, &count))
    if (post)
      gst_e2ee_dec_post_unknown_kid (self, *(guint64 *) kid, "timed-out", *(guint64 *) count);
  if (post && self->timeouts_others > 0)
    /* The KIDs beyond the first ones together, without a `kid`. */
    gst_e2ee_post_message (GST_ELEMENT (self), gst_structure_new ("e2ee-unknown-kid",
            "action", G_TYPE_STRING, "timed-out",
            "count", G_TYPE_UINT64, self->timeouts_others, NULL));
  g_hash_table_remove_all (self->timeouts);
  self->timeouts_others = 0;
  self->last_timeout_message = now;
}

/* Whether a `held` message may go out now: at most UNKNOWN_KID_MESSAGES_MAX per
 * @interval (each KID's first held frame has one, and KIDs come from the network). */
static gboolean
may_post_held (GstE2eeDec * self, GstClockTime interval)
{
  gint64 now = g_get_monotonic_time ();

  if (self->held_messages_since == 0 ||
      now - self->held_messages_since >= (gint64) (interval / GST_USECOND)) {
    self->held_messages_since = now;
    self->held_messages = 0;
  }
  if (self->held_messages >= UNKNOWN_KID_MESSAGES_MAX)
    return FALSE;
  self->held_messages++;
  return TRUE;
}

/* Takes @buf. */
static void
hold_frame (GstE2eeDec * self, GstBuffer * buf, guint64 kid)
{
  gboolean first = !gst_e2ee_hold_has_kid (&self->hold, kid);
  guint max_frames;
  guint64 max_bytes;
  GstClockTime interval;

  GST_OBJECT_LOCK (self);
  max_frames = self->hold_max_frames;
  max_bytes = self->hold_max_bytes;
  interval = self->drop_message_interval;
  GST_OBJECT_UNLOCK (self);
  g_mutex_lock (&self->stats_lock);
  self->held++;
  g_mutex_unlock (&self->stats_lock);

  gst_e2ee_hold_push (&self->hold, buf, kid);
  while (gst_e2ee_hold_length (&self->hold) > max_frames ||
      self->hold.bytes > max_bytes)
    drop_held (self, gst_e2ee_hold_pop (&self->hold), "and no room to hold it");
  report_timeouts (self, FALSE);
  GST_DEBUG_OBJECT (self, "holding a frame for KID %" G_GUINT64_FORMAT " (%u held)",
      kid, gst_e2ee_hold_length (&self->hold));
  if (first && may_post_held (self, interval))
    gst_e2ee_dec_post_unknown_kid (self, kid, "held", 1);
}

static gboolean
kid_has_key (guint64 kid, gpointer data)
{
  GstE2eeDec *self = data;
  GstE2eeSFrameKey *key;

  /* service_hold() brought self->cfg up to date. */
  key = gst_e2ee_key_store_lookup_ratchet (self->cfg.store, kid, self->cfg.ratchet_bits,
      self->cfg.ratchet_window, NULL);
  if (key)
    gst_e2ee_sframe_key_unref (key);
  return key != NULL;
}

/* Decrypts, in order, the held frames whose key has come since the last look: into
 * `ready`. In the streaming thread, or with the sink pad's stream lock held. */
static void
release_held (GstE2eeDec * self)
{
  GstE2eeHeldFrame *f;
  guint64 recovered_kid = 0, recovered = 0;

  refresh_settings (self);
  if (!g_atomic_int_compare_and_exchange (&self->keys_changed, 1, 0))
    return;
  while ((f = gst_e2ee_hold_pop_for_kid (&self->hold, kid_has_key, self))) {
    GstBuffer *buf = gst_buffer_make_writable (f->buffer);
    GstE2eeBufferMap map;
    guint64 kid = f->kid, ctr = 0;
    GstFlowReturn ret;

    f->buffer = NULL;
    g_free (f);
    ret = map_frame (self, buf, &map, &kid, &ctr);
    if (ret == GST_FLOW_OK)
      ret = decrypt_frame (self, &map, kid, ctr);
    if (ret == GST_FLOW_OK) {
      g_queue_push_tail (&self->ready, buf);
      if (recovered && recovered_kid != kid)
        gst_e2ee_dec_post_unknown_kid (self, recovered_kid, "recovered", recovered);
      if (recovered_kid != kid)
        recovered = 0;
      recovered_kid = kid;
      recovered++;
      g_mutex_lock (&self->stats_lock);
      self->recovered++;
      g_mutex_unlock (&self->stats_lock);
    } else {
      gst_buffer_unref (buf);
    }
  }
  if (recovered)
    gst_e2ee_dec_post_unknown_kid (self, recovered_kid, "recovered", recovered);
}

/* Decrypts, in order, what can be: into `ready`; then drops what waited too long.
 * In that order because a key that came since the previous frame came in time for
 * every frame still held, however late the frame that runs this arrives. */
static void
service_hold (GstE2eeDec * self, GstClockTime now_pts)
{
  GstE2eeHeldFrame *f;
  GstClockTime hold_time;

  GST_OBJECT_LOCK (self);
  hold_time = self->hold_time;
  GST_OBJECT_UNLOCK (self);
  release_held (self);
  while ((f = gst_e2ee_hold_pop_expired (&self->hold, now_pts, hold_time)))
    drop_held (self, f, "after holding it for the unknown-kid-hold time");
  report_timeouts (self, FALSE);
}

/* The kept pieces of a frame, if any, were all there was of it. */
static void
drop_pieces (GstE2eeDec * self)
{
  if (self->join.pieces == NULL)
    return;
  gst_e2ee_dec_report_drop (self, (DropReason) self->join.reason, TRUE, self->join.kid,
      self->join.ctr, self->join.detail);
  gst_e2ee_join_clear (&self->join);
}

static GstFlowReturn
decrypt_incoming (GstE2eeDec * self, GstBuffer * buf)
{
  GstE2eeBufferMap map;
  GstFlowReturn ret;
  guint64 kid, ctr;
  guint pieces = 0;

  if (!self->rtp && (self->codec == GST_E2EE_LAYOUT_CODEC_H264 ||
          self->codec == GST_E2EE_LAYOUT_CODEC_H265)) {
    if (gst_e2ee_join_continues (&self->join, self->codec, buf))
      pieces = gst_e2ee_join_prepend (&self->join, buf);
    else
      pieces = 1;
    drop_pieces (self);
  }

  ret = map_frame (self, buf, &map, &kid, &ctr);
  if (ret != GST_FLOW_OK)
    return ret;

  /* Older frames of this KID still waiting go first. */
  if (gst_e2ee_hold_length (&self->hold) > 0 &&
      gst_e2ee_hold_has_kid (&self->hold, kid)) {
    gst_e2ee_buffer_unmap (&map);
    hold_frame (self, gst_buffer_ref (buf), kid);
    return GST_BASE_TRANSFORM_FLOW_DROPPED;
  }

  /* Only here: frames from the hold are whole frames or nothing. */
  self->pieces = pieces;
  ret = decrypt_frame (self, &map, kid, ctr);
  self->pieces = 0;
  if (ret != FLOW_UNKNOWN_KID)
    return ret;

  /* decrypt_frame() brought self->cfg up to date. */
  if (self->cfg.hold_time > 0) {
    hold_frame (self, gst_buffer_ref (buf), kid);
  } else {
    gchar *detail = g_strdup_printf ("no key for KID %" G_GUINT64_FORMAT, kid);
    gst_e2ee_dec_report_drop (self, DROP_UNKNOWN_KID, TRUE, kid, ctr, detail);
    g_free (detail);
  }
  return GST_BASE_TRANSFORM_FLOW_DROPPED;
}

static GstFlowReturn
gst_e2ee_dec_transform_ip (GstBaseTransform * trans, GstBuffer * buf)
{
  /* Per frame: no type check (G_DECLARE_FINAL_TYPE casts check each time). */
  GstE2eeDec *self = (GstE2eeDec *) trans;
  GstFlowReturn ret = decrypt_incoming (self, buf);

  if (G_UNLIKELY (self->pending_caps != NULL))
    ret = settle_pending_caps (self, ret);
  return ret;
}

/* The base class asks for output until there is none: frames recovered from the hold
 * go out first, in order, then the frame that just came in. */
static GstFlowReturn
gst_e2ee_dec_generate_output (GstBaseTransform * trans, GstBuffer ** outbuf)
{
  /* Per frame: no type check (G_DECLARE_FINAL_TYPE casts check each time). */
  GstE2eeDec *self = (GstE2eeDec *) trans;
  GstFlowReturn ret;

  /* Recording-free sessions: judged again before the first frame after a link
   * downstream (its RECONFIGURE, see src_event) or a policy change, so that a
   * branch linked while PLAYING gets no frame; a refusal stands for every frame. */
  if ((trans->queued_buf || !g_queue_is_empty (&self->ready)) &&
      g_atomic_int_compare_and_exchange (&self->recording_dirty, TRUE, FALSE) &&
      !gst_e2ee_recording_check (GST_ELEMENT (self), self->policy)) {
    g_atomic_int_set (&self->recording_dirty, TRUE);
    return GST_FLOW_ERROR;
  }
  *outbuf = g_queue_pop_head (&self->ready);
  if (*outbuf)
    return GST_FLOW_OK;

  /* Decrypted in place: a frame in a memory it shares (a depayloader's sub-buffer)
   * goes into a recycled buffer first, not a new block per frame. */
  if (G_UNLIKELY (trans->queued_buf && !self->plaintext &&
          !gst_e2ee_buffer_is_owned (trans->queued_buf))) {
    GstBuffer *copy = gst_e2ee_copy_pool_copy (&self->copies, trans->queued_buf);

    if (copy) {
      gst_buffer_unref (trans->queued_buf);
      trans->queued_buf = copy;
    }
  }

  if (trans->queued_buf && !self->plaintext &&
      (gst_e2ee_hold_length (&self->hold) > 0 ||
          g_atomic_int_get (&self->keys_changed))) {
    service_hold (self, GST_BUFFER_PTS (trans->queued_buf));
    *outbuf = g_queue_pop_head (&self->ready);
    if (*outbuf)
      return GST_FLOW_OK;
  }

  ret = ((GstBaseTransformClass *) parent_class)->generate_output (trans, outbuf);
  if (ret == GST_BASE_TRANSFORM_FLOW_DROPPED && !g_queue_is_empty (&self->ready)) {
    /* The new frame joined the hold and released older ones: send those. */
    if (*outbuf)
      gst_buffer_unref (*outbuf);
    *outbuf = g_queue_pop_head (&self->ready);
    ret = GST_FLOW_OK;
  }
  return ret;
}

/* A key came while frames were held: they go out now, not at the stream's next frame,
 * which may never come (a sender that stopped right after an epoch change). On the
 * element's thread pool, serialised with the streaming thread by the sink pad's stream
 * lock; through generate_output(), so the recording guard judges them as any frame. */
static void
release_held_async (GstElement * element, gpointer user_data)
{
  GstE2eeDec *self = GST_E2EE_DEC (element);
  GstBaseTransform *trans = GST_BASE_TRANSFORM (element);
  GstFlowReturn ret = GST_FLOW_OK;
  GstBuffer *out;

  g_atomic_int_set (&self->release_scheduled, 0);
  GST_PAD_STREAM_LOCK (trans->sinkpad);
  if (GST_PAD_IS_FLUSHING (trans->sinkpad) || self->plaintext ||
      gst_e2ee_hold_length (&self->hold) == 0 ||
      !gst_pad_has_current_caps (trans->srcpad)) {
    GST_PAD_STREAM_UNLOCK (trans->sinkpad);
    return;
  }
  release_held (self);
  while (ret == GST_FLOW_OK && !g_queue_is_empty (&self->ready)) {
    out = NULL;
    ret = gst_e2ee_dec_generate_output (trans, &out);
    if (ret == GST_FLOW_OK && out != NULL)
      ret = gst_pad_push (trans->srcpad, out);
    else if (out != NULL)
      gst_buffer_unref (out);
  }
  GST_PAD_STREAM_UNLOCK (trans->sinkpad);
  if (ret != GST_FLOW_OK)
    GST_DEBUG_OBJECT (self, "releasing held frames: %s", gst_flow_get_name (ret));
}

/* Called from any thread when a decryption key came (gste2eedeckeys.c). */
void
gst_e2ee_dec_schedule_release (GstE2eeDec * self)
{
  if (g_atomic_int_compare_and_exchange (&self->release_scheduled, 0, 1))
    gst_element_call_async (GST_ELEMENT (self), release_held_async, NULL, NULL);
}

static void
flush_hold (GstE2eeDec * self, gboolean report)
{
  GstE2eeHeldFrame *f;

  while ((f = gst_e2ee_hold_pop (&self->hold))) {
    if (report)
      drop_held (self, f, "before the end of the stream");
    else
      gst_e2ee_held_frame_free (f);
  }
  if (report) {
    drop_pieces (self);
    report_timeouts (self, TRUE);
  } else {
    gst_e2ee_join_clear (&self->join);
    g_hash_table_remove_all (self->timeouts);
    self->timeouts_others = 0;
  }
  g_queue_clear_full (&self->ready, (GDestroyNotify) gst_buffer_unref);
}

static gboolean
gst_e2ee_dec_sink_event (GstBaseTransform * trans, GstEvent * event)
{
  GstE2eeDec *self = GST_E2EE_DEC (trans);

  /* Events are the meeting events: a reloaded policy applies here, between frames. */
  gst_e2ee_policy_binding_sync (self->policy);
  g_atomic_int_set (&self->recording_dirty, TRUE);
  switch (GST_EVENT_TYPE (event)) {
    case GST_EVENT_CAPS:
      if (gst_e2ee_dec_defer_caps (self, event))
        return TRUE;
      break;
    case GST_EVENT_STREAM_START:
      gst_e2ee_dec_discard_pending_caps (self, "a new stream started");
      break;
    case GST_EVENT_EOS:
      flush_hold (self, TRUE);
      gst_e2ee_dec_discard_pending_caps (self, "no frame came with it before the end");
      break;
    case GST_EVENT_FLUSH_STOP:
      flush_hold (self, FALSE);
      self->gap = FALSE;
      break;
    default:
      break;
  }
  return GST_BASE_TRANSFORM_CLASS (parent_class)->sink_event (trans, event);
}

/* ---- State, context ------------------------------------------------------- */

static gboolean
gst_e2ee_dec_start (GstBaseTransform * trans)
{
  GstE2eeDec *self = GST_E2EE_DEC (trans);
  gboolean refused;
  gsize size;

  GST_OBJECT_LOCK (self);
  refused = self->key_refused;
  size = self->refused_key_size;
  self->started = !refused;
  GST_OBJECT_UNLOCK (self);
  if (refused) {
    /* As e2eeenc: a key too short to be safe is a mistake to show, not to skip. */
    GST_ELEMENT_ERROR (self, RESOURCE, SETTINGS, ("Cannot decrypt: the base key has %"
            G_GSIZE_FORMAT " bytes; at least %d are needed (32 random bytes "
            "recommended)", size, GST_E2EE_MIN_BASE_KEY_SIZE), ("the 'key' property "
            "was refused"));
    return FALSE;
  }

  g_mutex_lock (&self->stats_lock);
  memset (self->drops_pending, 0, sizeof (self->drops_pending));
  memset (self->last_drop_message, 0, sizeof (self->last_drop_message));
  g_mutex_unlock (&self->stats_lock);
  self->gap = FALSE;
  return TRUE;
}

static gboolean
gst_e2ee_dec_stop (GstBaseTransform * trans)
{
  GstE2eeDec *self = GST_E2EE_DEC (trans);

  GST_OBJECT_LOCK (self);
  self->started = FALSE;
  GST_OBJECT_UNLOCK (self);
  flush_hold (self, FALSE);
  g_clear_pointer (&self->scratch, g_free);
  self->scratch_size = 0;
  gst_clear_event (&self->pending_caps);
  gst_clear_caps (&self->applied_caps);
  gst_e2ee_copy_pool_clear (&self->copies);
  clear_settings (self);
  return TRUE;
}

static gboolean
gst_e2ee_dec_query (GstBaseTransform * trans, GstPadDirection direction,
    GstQuery * query)
{
  GstE2eeDec *self = GST_E2EE_DEC (trans);

  if (GST_QUERY_TYPE (query) == GST_QUERY_CONTEXT) {
    GstE2eeKeyStore *store = gst_e2ee_dec_get_store (self);
    gboolean answered = gst_e2ee_key_store_handle_context_query (GST_ELEMENT (self),
        query, store);
    g_object_unref (store);
    if (answered)
      return TRUE;
  }
  return GST_BASE_TRANSFORM_CLASS (parent_class)->query (trans, direction, query);
}

static void
gst_e2ee_dec_set_context (GstElement * element, GstContext * context)
{
  GstE2eeDec *self = GST_E2EE_DEC (element);
  GstE2eeKeyStore *store = NULL;
  gboolean from_property;

  GST_OBJECT_LOCK (self);
  from_property = self->store_from_property;
  GST_OBJECT_UNLOCK (self);
  /* A store the application chose by property wins over the pipeline's. */
  if (!from_property && gst_e2ee_key_store_handle_set_context (element, context, &store)) {
    GST_OBJECT_LOCK (self);
    gst_e2ee_dec_set_store_locked (self, store);
    self->store_shared = TRUE;
    GST_OBJECT_UNLOCK (self);
    gst_e2ee_dec_install_prop_key (self);
  }
  gst_e2ee_policy_binding_set_context (self->policy, context);
  g_atomic_int_set (&self->recording_dirty, TRUE);
  GST_ELEMENT_CLASS (parent_class)->set_context (element, context);
}

/* A pad linked anywhere downstream sends RECONFIGURE up to us (gst_pad_link() does,
 * and tees and queues pass it on): the one moment the recording guard must look at
 * the graph again, instead of walking it for every frame. */
static gboolean
gst_e2ee_dec_src_event (GstBaseTransform * trans, GstEvent * event)
{
  if (GST_EVENT_TYPE (event) == GST_EVENT_RECONFIGURE)
    g_atomic_int_set (&GST_E2EE_DEC (trans)->recording_dirty, TRUE);
  return GST_BASE_TRANSFORM_CLASS (parent_class)->src_event (trans, event);
}

static GstStateChangeReturn
gst_e2ee_dec_change_state (GstElement * element, GstStateChange transition)
{
  GstE2eeDec *self = GST_E2EE_DEC (element);

  if (transition == GST_STATE_CHANGE_NULL_TO_READY &&
      !gst_e2ee_policy_binding_start (self->policy))
    return GST_STATE_CHANGE_FAILURE;
  if (transition == GST_STATE_CHANGE_READY_TO_PAUSED &&
      !gst_e2ee_recording_check (element, self->policy))
    return GST_STATE_CHANGE_FAILURE;
  if (transition == GST_STATE_CHANGE_NULL_TO_READY) {
    GstE2eeKeyStore *store;
    gboolean share;

    GST_OBJECT_LOCK (self);
    share = !self->store_from_property && !self->store_shared;
    store = self->store ? g_object_ref (self->store) : NULL;
    GST_OBJECT_UNLOCK (self);
    if (share && store == NULL) {
      /* Find the pipeline's store, or make one and offer it. ensure() watches the
       * pointer it is given for the store a context brings (set_context() fills
       * self->store); a store it makes itself it sets there directly, without the
       * signal handlers gst_e2ee_dec_set_store_locked() connects. */
      gst_e2ee_key_store_ensure (element, &self->store);
      GST_OBJECT_LOCK (self);
      if (self->store && !g_signal_handler_is_connected (self->store,
              self->store_handlers[STORE_KEY_ADDED])) {
        GstE2eeKeyStore *made = self->store;

        self->store = NULL;
        gst_e2ee_dec_set_store_locked (self, made);
      }
      self->store_shared = TRUE;
      GST_OBJECT_UNLOCK (self);
    } else if (share) {
      /* Keys were added before the element met its pipeline: offer that store. */
      gst_element_post_message (element, gst_message_new_have_context (GST_OBJECT
              (element), gst_e2ee_key_store_context_new (store)));
      GST_OBJECT_LOCK (self);
      self->store_shared = TRUE;
      GST_OBJECT_UNLOCK (self);
    }
    if (store)
      g_object_unref (store);
    gst_e2ee_dec_install_prop_key (self);
  }
  return GST_ELEMENT_CLASS (parent_class)->change_state (element, transition);
}

static void
gst_e2ee_dec_dispose (GObject * object)
{
  GstE2eeDec *self = GST_E2EE_DEC (object);

  GST_OBJECT_LOCK (self);
  gst_e2ee_dec_set_store_locked (self, NULL);
  gst_clear_object (&self->prop_store);
  GST_OBJECT_UNLOCK (self);
  clear_settings (self);
  G_OBJECT_CLASS (parent_class)->dispose (object);
}

static void
gst_e2ee_dec_finalize (GObject * object)
{
  GstE2eeDec *self = GST_E2EE_DEC (object);

  flush_hold (self, FALSE);
  g_free (self->scratch);
  gst_clear_event (&self->pending_caps);
  gst_clear_caps (&self->applied_caps);
  gst_e2ee_copy_pool_clear (&self->copies);
  g_hash_table_unref (self->timeouts);
  g_clear_pointer (&self->prop_key, g_bytes_unref);
  g_hash_table_unref (self->windows);
  g_hash_table_unref (self->stats);
  g_mutex_clear (&self->stats_lock);
  gst_e2ee_policy_binding_free (self->policy);
  G_OBJECT_CLASS (parent_class)->finalize (object);
}

/* A suite weaker than the policy's minimum is refused on receive too; the policy's
 * local-recording is enforced by gste2eerecording.c. */
static const GstE2eePolicyMapping policy_map[] = {
  {"min-sframe-cipher-suite", "cipher-suite", GST_E2EE_POLICY_MAP_SUITE},
};

static void
gst_e2ee_dec_init (GstE2eeDec * self)
{
  self->suite = DEFAULT_CIPHER_SUITE;
  self->prop_kid = DEFAULT_KEY_ID;
  self->post_drop_messages = DEFAULT_POST_DROP_MESSAGES;
  self->drop_message_interval = DEFAULT_DROP_MESSAGE_INTERVAL;
  self->allow_plaintext = DEFAULT_ALLOW_PLAINTEXT;
  self->ratchet_bits = DEFAULT_RATCHET_BITS;
  self->ratchet_window = DEFAULT_RATCHET_WINDOW;
  self->grace_period = DEFAULT_KEY_GRACE_PERIOD;
  self->hold_time = DEFAULT_UNKNOWN_KID_HOLD;
  self->hold_max_frames = DEFAULT_UNKNOWN_KID_HOLD_FRAMES;
  self->hold_max_bytes = DEFAULT_UNKNOWN_KID_HOLD_BYTES;
  self->replay_window_size = DEFAULT_REPLAY_WINDOW;
  self->layout = DEFAULT_LAYOUT;
  self->rtp_fields = DEFAULT_RTP_METADATA;
  self->windows = g_hash_table_new_full (g_int64_hash, g_int64_equal, g_free,
      (GDestroyNotify) gst_e2ee_replay_window_free);
  self->stats = gst_e2ee_kid_stats_table_new ();
  g_mutex_init (&self->stats_lock);
  self->settings_cookie = 1;
  gst_e2ee_hold_init (&self->hold);
  gst_e2ee_join_init (&self->join);
  self->timeouts = g_hash_table_new_full (g_int64_hash, g_int64_equal, g_free, g_free);
  g_queue_init (&self->ready);
  gst_base_transform_set_in_place (GST_BASE_TRANSFORM (self), TRUE);
  self->policy = gst_e2ee_policy_binding_new (GST_ELEMENT (self), policy_map,
      G_N_ELEMENTS (policy_map));
  self->recording_dirty = TRUE;
}

static void
gst_e2ee_dec_class_init (GstE2eeDecClass * klass)
{
  GObjectClass *gobject_class = G_OBJECT_CLASS (klass);
  GstElementClass *element_class = GST_ELEMENT_CLASS (klass);
  GstBaseTransformClass *trans_class = GST_BASE_TRANSFORM_CLASS (klass);

  gobject_class->set_property = gst_e2ee_dec_set_property;
  gobject_class->get_property = gst_e2ee_dec_get_property;
  gobject_class->dispose = gst_e2ee_dec_dispose;
  gobject_class->finalize = gst_e2ee_dec_finalize;
  element_class->set_context = GST_DEBUG_FUNCPTR (gst_e2ee_dec_set_context);
  element_class->change_state = GST_DEBUG_FUNCPTR (gst_e2ee_dec_change_state);

  gst_e2ee_dec_install_properties (gobject_class);


  /**
   * GstE2eeDec::add-key:
   * @e2eedec: the element
   * @kid: the key ID
   * @base_key: the sender's base key
   *
   * Adds (or replaces) the key for @kid, derived for the current
   * #GstE2eeDec:cipher-suite. The element keeps only the derived key; the caller
   * should wipe @base_key's memory when done with it.
   *
   * Returns: %TRUE if the key was added.
   *
   * Since: 0.1
   */
  signals[SIGNAL_ADD_KEY] = g_signal_new_class_handler ("add-key",
      G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST | G_SIGNAL_ACTION,
      G_CALLBACK (gst_e2ee_dec_add_key), NULL, NULL, NULL, G_TYPE_BOOLEAN, 2,
      G_TYPE_UINT64, GST_TYPE_BUFFER);

  /**
   * GstE2eeDec::remove-key:
   * @e2eedec: the element
   * @kid: the key ID
   *
   * Removes the key for @kid and wipes it; frames with that KID are dropped as
   * `unknown-kid` from then on.
   *
   * Returns: %TRUE if there was such a key.
   *
   * Since: 0.1
   */
  signals[SIGNAL_REMOVE_KEY] = g_signal_new_class_handler ("remove-key",
      G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST | G_SIGNAL_ACTION,
      G_CALLBACK (gst_e2ee_dec_remove_key), NULL, NULL, NULL, G_TYPE_BOOLEAN, 1,
      G_TYPE_UINT64);

  /**
   * GstE2eeDec::retire-key:
   * @e2eedec: the element
   * @kid: the key ID
   *
   * Marks the key for @kid as superseded (the sender moved to a new key): it still
   * decrypts frames in flight for #GstE2eeDec:key-grace-period, then is wiped.
   *
   * Returns: %TRUE if there was such a key.
   *
   * Since: 0.1
   */
  signals[SIGNAL_RETIRE_KEY] = g_signal_new_class_handler ("retire-key",
      G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST | G_SIGNAL_ACTION,
      G_CALLBACK (gst_e2ee_dec_retire_key), NULL, NULL, NULL, G_TYPE_BOOLEAN, 1,
      G_TYPE_UINT64);

  gst_element_class_add_static_pad_template (element_class, &sink_template);
  gst_element_class_add_static_pad_template (element_class, &src_template);
  gst_e2ee_element_class_document_caps (element_class, FALSE);
  gst_element_class_set_static_metadata (element_class,
      "SFrame end-to-end decrypter", "Filter/Decryptor",
      "Checks and decrypts SFrame (RFC 9605) frames, dropping any that fail",
      "gst-e2ee developers");

  trans_class->start = GST_DEBUG_FUNCPTR (gst_e2ee_dec_start);
  trans_class->stop = GST_DEBUG_FUNCPTR (gst_e2ee_dec_stop);
  trans_class->query = GST_DEBUG_FUNCPTR (gst_e2ee_dec_query);
  trans_class->sink_event = GST_DEBUG_FUNCPTR (gst_e2ee_dec_sink_event);
  trans_class->src_event = GST_DEBUG_FUNCPTR (gst_e2ee_dec_src_event);
  trans_class->generate_output = GST_DEBUG_FUNCPTR (gst_e2ee_dec_generate_output);
  trans_class->transform_caps = GST_DEBUG_FUNCPTR (gst_e2ee_dec_transform_caps);
  trans_class->set_caps = GST_DEBUG_FUNCPTR (gst_e2ee_dec_set_caps);
  trans_class->transform_ip = GST_DEBUG_FUNCPTR (gst_e2ee_dec_transform_ip);
  trans_class->passthrough_on_same_caps = FALSE;
  trans_class->transform_ip_on_passthrough = FALSE;

  gst_type_mark_as_plugin_api (GST_TYPE_E2EE_CIPHER_SUITE, 0);
  gst_type_mark_as_plugin_api (GST_TYPE_E2EE_ELEMENT_RTP_FIELDS, 0);
  GST_DEBUG_CATEGORY_INIT (gst_e2ee_dec_debug, "e2eedec", 0, "SFrame decrypter");
}
