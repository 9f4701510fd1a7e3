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

#include "gste2eeenc.h"
#include "gste2eebuffer.h"
#include "gste2eeelement.h"
#include "gste2eertp.h"

#include <gst/e2ee/gste2eepolicybinding.h>

#include <gst/e2ee/gste2eekidset-private.h>
#include <gst/e2ee/gste2eesframe-private.h>
#include <gst/video/video.h>
#include <openssl/crypto.h>
#include <openssl/rand.h>
#include <string.h>

GST_DEBUG_CATEGORY_STATIC (gst_e2ee_enc_debug);
#define GST_CAT_DEFAULT gst_e2ee_enc_debug

#define DEFAULT_CIPHER_SUITE GST_E2EE_CIPHER_SUITE_AES_256_GCM_SHA512_128
#define DEFAULT_KEY_ID 0
#define DEFAULT_ENABLED TRUE
#define MIN_POOL_BUFFER_SIZE 2048
#define DEFAULT_RATCHET_BITS GST_E2EE_RATCHET_DEFAULT_BITS
#define DEFAULT_ROTATION_INTERVAL 0
#define DEFAULT_ROTATION_MODE GST_E2EE_ROTATION_MODE_RATCHET
#define DEFAULT_MAX_FRAMES_PER_KEY 0
#define DEFAULT_SOFT_FRAMES_PER_KEY 0
#define DEFAULT_KEYFRAME_ON_ROTATE TRUE
#define DEFAULT_LAYOUT GST_E2EE_LAYOUT_AUTO
#define DEFAULT_RTP_METADATA GST_E2EE_RTP_FIELDS_ALL
/* Tries at placing a packet's payload where the key's next SFrame header ends: another
 * element sharing the key (through the key store) may move the counter meanwhile. */
#define RTP_IN_PLACE_ATTEMPTS 4
/* At most one warning message per this many µs about frames the layout cannot read. */
#define MALFORMED_WARNING_INTERVAL G_USEC_PER_SEC
/* Size of generated base keys: what AES-256 needs, and no less than any suite's Nk. */
#define GENERATED_KEY_SIZE 32

/**
 * GstE2eeRotationMode:
 * @GST_E2EE_ROTATION_MODE_RATCHET: advance the sender-key ratchet; receivers follow.
 * @GST_E2EE_ROTATION_MODE_GENERATE: generate a fresh random key, handed to the
 *   application through #GstE2eeEnc::key-generated.
 *
 * What #GstE2eeEnc:rotation-interval does.
 *
 * Since: 0.1
 */
typedef enum
{
  GST_E2EE_ROTATION_MODE_RATCHET,
  GST_E2EE_ROTATION_MODE_GENERATE,
} GstE2eeRotationMode;

#define GST_TYPE_E2EE_ROTATION_MODE (gst_e2ee_rotation_mode_get_type ())
static GType gst_e2ee_rotation_mode_get_type (void);
G_DEFINE_ENUM_TYPE (GstE2eeRotationMode, gst_e2ee_rotation_mode,
    G_DEFINE_ENUM_VALUE (GST_E2EE_ROTATION_MODE_RATCHET, "ratchet"),
    G_DEFINE_ENUM_VALUE (GST_E2EE_ROTATION_MODE_GENERATE, "generate"));

enum
{
  PROP_0,
  PROP_CIPHER_SUITE,
  PROP_KEY_ID,
  PROP_KEY,
  PROP_ENABLED,
  PROP_STATS,
  PROP_KEY_STORE,
  PROP_RATCHET_BITS,
  PROP_ROTATION_INTERVAL,
  PROP_ROTATION_MODE,
  PROP_MAX_FRAMES_PER_KEY,
  PROP_SOFT_FRAMES_PER_KEY,
  PROP_KEYFRAME_ON_ROTATE,
  PROP_LAYOUT,
  PROP_RTP_METADATA,
  PROP_POLICY,                  /* and the policy binding's other properties */
};

/* e2eeenc never encrypts with a weaker suite than the policy's minimum, and rotates
 * its keys at least as often as the policy asks. */
static const GstE2eePolicyMapping policy_map[] = {
  {"min-sframe-cipher-suite", "cipher-suite", GST_E2EE_POLICY_MAP_SUITE},
  {"key-rotation-interval", "rotation-interval", GST_E2EE_POLICY_MAP_INTERVAL},
};

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

struct _GstE2eeEnc
{
  GstBaseTransform parent;

  GstE2eePolicyBinding *policy;  /* its own lock */

  /* Protected by the object lock. */
  GstE2eeCipherSuite suite;
  guint64 kid;
  GBytes *base_key;             /* wiped on release */
  gboolean key_dirty;           /* key, key-id or cipher-suite changed */
  gboolean enabled;
  GstE2eeSFrameKey *key;        /* the key frames are encrypted with */
  /* Every key this element has used, by KID, so a KID never gets a second key and a
   * re-given key continues its counter instead of restarting at 0. */
  GHashTable *used_keys;
  /* KIDs of generated and ratcheted keys, never to be given another key: a KID set
   * (ranges), so that a key change every few seconds costs no memory (see
   * spend_kids()). */
  GArray *spent_kids;
  gboolean retain_key;          /* the pending key goes into used_keys */
  /* `key-id`, `key` and `cipher-suite` written while a key is in use (between start()
   * and stop()): one pending change, applied once it is complete, never half done
   * (apply_pending_locked()). */
  gboolean started;
  gboolean pending_kid_set;
  gboolean pending_key_set;
  gboolean pending_suite_set;
  guint64 pending_kid;
  GBytes *pending_key;          /* wiped on release; NULL: no `key`, the store's */
  GstE2eeCipherSuite pending_suite;
  GstE2eeKeyStore *store;
  gboolean store_from_property;
  gboolean key_from_store;
  guint ratchet_bits;
  GstClockTime rotation_interval;
  GstE2eeRotationMode rotation_mode;
  guint64 max_frames;
  guint64 soft_frames;
  gboolean keyframe_on_rotate;
  gboolean need_keyframe;       /* a key switch happened since the last frame */
  gboolean announced;           /* e2ee-key-activated posted for self->key */
  gboolean soft_signalled;
  gboolean hard_reported;
  GstE2eeLayout layout;
  GstE2eeRtpFields rtp_fields;
  GHashTable *stats;
  /* The current KID's entry; reset when get_kid_stats_locked() evicts it. */
  GstE2eeKidStats *last_stats;
  GQueue stats_order;           /* the entries of stats, oldest first */
  guint64 frames;
  guint64 bytes;
  guint64 dropped_malformed;

  /* What this element last gave gst_base_transform_set_passthrough() (only it changes
   * it, passthrough_on_same_caps being off): read per frame without the lock
   * gst_base_transform_is_passthrough() takes. */
  gint passthrough;

  /* Streaming thread only. */
  GstClockTime last_rotation;
  GstBufferPool *pool;
  gsize pool_size;
  GstE2eeLayoutCodec codec;     /* of the negotiated input; NONE: whole frames */
  gboolean rtp;                 /* per-packet mode: the input is RTP packets */
  gint64 last_malformed_warning;        /* monotonic µs, 0 = never */
  /* The key and decisions for the frame in flight: taken in prepare_output_buffer(),
   * which needs the key to size the output, and used by transform(). */
  struct
  {
    GstE2eeSFrameKey *key;
    gboolean keyframe;
    gboolean announce;
    gboolean hard_report;
    guint64 max_frames;
    guint64 soft_frames;
    GstE2eeRtpFields rtp_fields;
  } frame;
};

static GstStaticPadTemplate sink_template = GST_STATIC_PAD_TEMPLATE ("sink",
    GST_PAD_SINK, GST_PAD_ALWAYS, GST_STATIC_CAPS_ANY);

/* application/x-sframe or, in the codec layout, the codec's caps; ANY because with
 * enabled=false frames pass with their own caps. */
static GstStaticPadTemplate src_template = GST_STATIC_PAD_TEMPLATE ("src",
    GST_PAD_SRC, GST_PAD_ALWAYS, GST_STATIC_CAPS_ANY);

#define gst_e2ee_enc_parent_class parent_class
G_DEFINE_TYPE (GstE2eeEnc, gst_e2ee_enc, GST_TYPE_BASE_TRANSFORM);
GST_ELEMENT_REGISTER_DEFINE (e2eeenc, "e2eeenc", GST_RANK_NONE, GST_TYPE_E2EE_ENC);

/* The `kid-stats` entries kept: the keys used most recently. Older KIDs count in the
 * totals only, so that stats stay bounded with a key change every few seconds. */
#define MAX_KID_STATS 8

static gboolean
kid_is_spent (GstE2eeEnc * self, guint64 kid)
{
  return gst_e2ee_kid_set_contains (self->spent_kids, kid);
}

/* A generated or ratcheted key takes @kid from @old (the KID of the key in use, if
 * @had_old): the KIDs in between are spent too. A ratchet step is @old + 1, so nothing
 * is skipped; a generated key is step 0 of the next generation, so the rest of the old
 * one is skipped: a receiver would derive those KIDs from the old key's ratchet, never
 * from another key. Consecutive key changes then make one range, whatever their
 * number. */
static void
spend_kids (GstE2eeEnc * self, gboolean had_old, guint64 old, guint64 kid)
{
  gst_e2ee_kid_set_add_range (self->spent_kids, had_old && old < kid ? old + 1 : kid,
      kid);
}

/* With the object lock. The counters of @kid, made if needed; the oldest entry goes
 * when there are more than MAX_KID_STATS. */
static GstE2eeKidStats *
get_kid_stats_locked (GstE2eeEnc * self, guint64 kid)
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

static void
clear_frame (GstE2eeEnc * self)
{
  g_clear_pointer (&self->frame.key, gst_e2ee_sframe_key_unref);
}

/* Messages a key change produces, gathered under the lock and posted after it. */
typedef struct
{
  gboolean switched;
  guint64 old_kid;
  gboolean had_old;
} KeySwitch;

/* With the object lock. Replaces the current key, wiping it unless it is one kept
 * for its KID. */
static void
switch_key_locked (GstE2eeEnc * self, GstE2eeSFrameKey * fresh, KeySwitch * sw)
{
  if (self->key) {
    sw->had_old = TRUE;
    sw->old_kid = gst_e2ee_sframe_key_get_kid (self->key);
    gst_e2ee_sframe_key_unref (self->key);
  }
  self->key = fresh;
  self->key_dirty = FALSE;
  self->announced = FALSE;
  self->soft_signalled = FALSE;
  self->hard_reported = FALSE;
  self->need_keyframe = self->keyframe_on_rotate && sw->had_old;
  sw->switched = TRUE;
  GST_INFO_OBJECT (self, "encrypting with KID %" G_GUINT64_FORMAT ", next CTR %"
      G_GUINT64_FORMAT, gst_e2ee_sframe_key_get_kid (fresh),
      gst_e2ee_sframe_key_get_next_counter (fresh));
}

/* The key store's keys for the KIDs a key change may need, looked up without the
 * object lock: the store emits its signals synchronously (a lookup can expire keys,
 * a ratchet adds and retires them), and an application's handler may read or set this
 * element's properties, which take the lock. The code that runs under the lock then
 * takes the keys from here (store_key_locked()). */
typedef struct
{
  GstE2eeKeyStore *store;
  guint n;
  guint64 kids[3];
  GstE2eeSFrameKey *keys[3];    /* NULL: the store holds no encryption key */
} StoreKeys;

/* Tries at looking up, before the lock is held again, what another thread changed
 * meanwhile. */
#define STORE_KEYS_ATTEMPTS 8

static void
store_keys_clear (StoreKeys * sk)
{
  guint i;

  for (i = 0; i < sk->n; i++)
    g_clear_pointer (&sk->keys[i], gst_e2ee_sframe_key_unref);
  gst_clear_object (&sk->store);
  sk->n = 0;
}

static void
store_keys_want (StoreKeys * want, guint64 kid)
{
  guint i;

  for (i = 0; i < want->n; i++)
    if (want->kids[i] == kid)
      return;
  want->kids[want->n++] = kid;
}

/* With the object lock: the KIDs the key code may ask the store for: the configured
 * KID while the store's key is to be (re)taken, a `key-id` waiting for the store's
 * key, and @kid (when @with_kid), a `key-id` being written while playing. */
static void
store_keys_wanted_locked (GstE2eeEnc * self, gboolean with_kid, guint64 kid,
    StoreKeys * want)
{
  want->store = self->store;
  want->n = 0;
  if (self->store == NULL)
    return;
  if (self->base_key == NULL && (self->key_dirty || self->key == NULL))
    store_keys_want (want, self->kid);
  if (self->pending_kid_set)
    store_keys_want (want, self->pending_kid);
  if (with_kid && self->started && self->key)
    store_keys_want (want, kid);
}

/* Takes the object lock, with @sk holding the store's keys for what
 * store_keys_wanted_locked() names, looked up without the lock and checked again
 * under it; in the common case (no key to take from the store) it only takes the
 * lock. Clear @sk after the unlock. */
static void
lock_with_store_keys (GstE2eeEnc * self, gboolean with_kid, guint64 kid, StoreKeys * sk)
{
  guint attempt, i;

  for (attempt = 0;; attempt++) {
    StoreKeys want = { 0, };

    GST_OBJECT_LOCK (self);
    store_keys_wanted_locked (self, with_kid, kid, &want);
    if (want.n == 0 || (want.store == sk->store && want.n == sk->n &&
            memcmp (want.kids, sk->kids, want.n * sizeof (guint64)) == 0))
      return;
    if (attempt == STORE_KEYS_ATTEMPTS) {
      /* Someone keeps changing the key meanwhile: the code under the lock finds no
       * store key this time, as if it had not been added yet. */
      GST_WARNING_OBJECT (self, "the key settings kept changing while looking up "
          "the key store");
      return;
    }
    want.store = g_object_ref (want.store);
    GST_OBJECT_UNLOCK (self);

    store_keys_clear (sk);
    *sk = want;
    for (i = 0; i < sk->n; i++)
      sk->keys[i] = gst_e2ee_key_store_lookup (sk->store, sk->kids[i],
          GST_E2EE_KEY_USAGE_ENCRYPT);
  }
}

/* With the object lock. The store's encryption key for @kid, as @sk looked it up
 * (a new reference), or NULL. */
static GstE2eeSFrameKey *
store_key_locked (GstE2eeEnc * self, const StoreKeys * sk, guint64 kid)
{
  guint i;

  if (sk == NULL || sk->store == NULL || sk->store != self->store)
    return NULL;
  for (i = 0; i < sk->n; i++)
    if (sk->kids[i] == kid)
      return sk->keys[i] ? gst_e2ee_sframe_key_ref (sk->keys[i]) : NULL;
  return NULL;
}

/* With the object lock. Binds *@key (owned), a key for self->kid, to that KID and
 * replaces it with the key to encrypt with; FALSE (and *@key freed) with @error set
 * when it is refused. The rule behind every path (`key`, `rotate`, the key store,
 * ratchet steps, generated keys): a KID keeps the first key it was used with for the
 * element's lifetime, and that key keeps one counter, so no (key, CTR) pair is ever
 * used twice. The key store hands out its own key objects, with counters of their own
 * that start at 0 again in another store or after the application removed and
 * re-added the key: they are bound like the application's keys, so that the element
 * goes on with the counter it reached. */
static gboolean
bind_key_locked (GstE2eeEnc * self, GstE2eeSFrameKey ** key, GError ** error)
{
  GstE2eeSFrameKey *fresh = *key, *used;

  /* The key in use, found again (a restart, another lookup in the store). */
  if (self->key && (fresh == self->key ||
          gst_e2ee_sframe_key_same_secret (fresh, self->key))) {
    *key = gst_e2ee_sframe_key_ref (self->key);
    gst_e2ee_sframe_key_unref (fresh);
    return TRUE;
  }
  if (kid_is_spent (self, self->kid)) {
    g_set_error (error, GST_E2EE_SFRAME_ERROR, GST_E2EE_SFRAME_ERROR_INVALID_ARGUMENT,
        "key ID %" G_GUINT64_FORMAT " was already used with another key (a generated "
        "or ratcheted one); give the new key a new key-id", self->kid);
    goto refused;
  }
  used = g_hash_table_lookup (self->used_keys, &self->kid);
  if (!self->retain_key) {
    /* A ratchet step or generation can land on a KID the application used (or wrap
     * around to one): that KID keeps its key. */
    if (used) {
      g_set_error (error, GST_E2EE_SFRAME_ERROR, GST_E2EE_SFRAME_ERROR_INVALID_ARGUMENT,
          "key ID %" G_GUINT64_FORMAT " was already used with another key; a "
          "ratcheted or generated key cannot take it", self->kid);
      goto refused;
    }
    spend_kids (self, self->key != NULL,
        self->key ? gst_e2ee_sframe_key_get_kid (self->key) : 0, self->kid);
    return TRUE;
  }
  if (used) {
    if (used != fresh && !gst_e2ee_sframe_key_same_secret (used, fresh)) {
      g_set_error (error, GST_E2EE_SFRAME_ERROR, GST_E2EE_SFRAME_ERROR_INVALID_ARGUMENT,
          "key ID %" G_GUINT64_FORMAT " was already used with another key (or cipher "
          "suite); give the new key a new key-id", self->kid);
      goto refused;
    }
    /* Same key again: carry on with its counter. */
    *key = gst_e2ee_sframe_key_ref (used);
    gst_e2ee_sframe_key_unref (fresh);
    return TRUE;
  }
  g_hash_table_insert (self->used_keys, g_memdup2 (&self->kid, sizeof (guint64)),
      gst_e2ee_sframe_key_ref (fresh));
  return TRUE;

refused:
  gst_e2ee_sframe_key_unref (fresh);
  *key = NULL;
  return FALSE;
}

/* With the object lock. Makes self->key match the configured key, KID and suite:
 * the `key` property (or a rotated, generated or ratcheted key), else the key store's
 * encryption key for the KID, from @sk. Returns FALSE with @error set when there is no
 * key or the KID was already used with a different key. */
static gboolean
gst_e2ee_enc_update_key_locked (GstE2eeEnc * self, const StoreKeys * sk, KeySwitch * sw,
    GError ** error)
{
  GstE2eeSFrameKey *fresh;
  const guint8 *data;
  gsize size;

  if (!self->key_dirty && self->key)
    return TRUE;

  if (self->base_key == NULL) {
    fresh = store_key_locked (self, sk, self->kid);
    if (fresh == NULL) {
      g_set_error_literal (error, GST_E2EE_SFRAME_ERROR,
          GST_E2EE_SFRAME_ERROR_INVALID_ARGUMENT,
          "no key: set the 'key' property (the base key, as hex on a gst-launch line) "
          "and 'key-id', or add an encryption key for key-id to the key store");
      return FALSE;
    }
    if (!bind_key_locked (self, &fresh, error))
      return FALSE;
    self->key_from_store = TRUE;
    switch_key_locked (self, fresh, sw);
    return TRUE;
  }

  data = g_bytes_get_data (self->base_key, &size);
  if (size < GST_E2EE_MIN_BASE_KEY_SIZE) {
    g_set_error (error, GST_E2EE_SFRAME_ERROR, GST_E2EE_SFRAME_ERROR_INVALID_ARGUMENT,
        "the base key has %" G_GSIZE_FORMAT " bytes; at least %d are needed (32 "
        "random bytes recommended)", size, GST_E2EE_MIN_BASE_KEY_SIZE);
    return FALSE;
  }
  fresh = gst_e2ee_sframe_key_new (self->suite, self->kid, data, size, error);
  if (fresh == NULL)
    return FALSE;
  if (!bind_key_locked (self, &fresh, error))
    return FALSE;
  self->key_from_store = FALSE;
  switch_key_locked (self, fresh, sw);
  return TRUE;
}

static void
post_key_switch (GstE2eeEnc * self, const KeySwitch * sw)
{
  if (sw->switched && sw->had_old)
    gst_e2ee_post_message (GST_ELEMENT (self), gst_structure_new ("e2ee-key-retired",
            "kid", G_TYPE_UINT64, sw->old_kid, NULL));
}

/* With the object lock. Configures @kid and @base_key (taken; NULL: the key store's
 * key for @kid, from @sk) as the next key and switches to it at once, or refuses
 * (@error set) and keeps encrypting with what was there. */
static gboolean
set_next_key_locked (GstE2eeEnc * self, guint64 kid, GBytes * base_key, gboolean retain,
    const StoreKeys * sk, KeySwitch * sw, GError ** error)
{
  guint64 old_kid = self->kid;
  GBytes *old_key = self->base_key;
  gboolean old_retain = self->retain_key;

  self->kid = kid;
  self->base_key = base_key;
  self->retain_key = retain;
  self->key_dirty = TRUE;
  if (gst_e2ee_enc_update_key_locked (self, sk, sw, error)) {
    g_clear_pointer (&old_key, g_bytes_unref);
    return TRUE;
  }
  /* Refused: keep encrypting with what was there. */
  self->kid = old_kid;
  self->base_key = old_key;
  self->retain_key = old_retain;
  self->key_dirty = FALSE;
  g_clear_pointer (&base_key, g_bytes_unref);
  return FALSE;
}

static void
clear_pending_locked (GstE2eeEnc * self)
{
  self->pending_kid_set = self->pending_key_set = self->pending_suite_set = FALSE;
  g_clear_pointer (&self->pending_key, g_bytes_unref);
}

/* With the object lock, while a key is in use. `key-id` and `key` are two writes (two
 * set_property() calls even in one g_object_set()) and a frame may come between them:
 * applying the first alone would encrypt under the new KID with the old key (which
 * then binds that KID to it, so the real key is refused) or under the old KID with
 * the new key (refused). So they form one pending change, applied by the write that
 * completes it, and until then frames keep the current key:
 *
 * * key-id and key (or cipher-suite) both written: applied together, like `rotate`;
 *   refused (with @error set) if the KID was used with another key, and the current
 *   key stays.
 * * key-id alone: with no `key` in use, the key store's key for it, switched to by
 *   the first frame that finds it in the store (@streaming); else it waits for the
 *   key.
 * * key or cipher-suite alone: nothing to do if it is the key in use; else it waits
 *   for key-id.
 *
 * The key store's keys come from @sk (lock_with_store_keys()). Returns FALSE only for
 * a refused change. */
static gboolean
apply_pending_locked (GstE2eeEnc * self, const StoreKeys * sk, KeySwitch * sw,
    gboolean streaming, GError ** error)
{
  GstE2eeCipherSuite old_suite = self->suite;
  GstE2eeSFrameKey *fresh;
  const guint8 *data;
  guint64 kid;
  gsize size;
  gboolean ok;

  if (self->pending_kid_set && (self->pending_key_set || self->pending_suite_set)) {
    GBytes *key = self->pending_key_set ? g_steal_pointer (&self->pending_key) :
        (self->base_key ? g_bytes_ref (self->base_key) : NULL);

    kid = self->pending_kid;

    if (self->pending_suite_set)
      self->suite = self->pending_suite;
    clear_pending_locked (self);
    /* No `key` (NULL): the key store's key for the KID. */
    ok = set_next_key_locked (self, kid, key, TRUE, sk, sw, error);
    if (!ok)
      self->suite = old_suite;
    return ok;
  }

  if (self->pending_kid_set) {
    /* Only from a frame: in a property write the `key` that completes the change
     * may come next, and switching to the store's key first would leave it to pair
     * with whatever KID is written after it. */
    if (!streaming || self->base_key || self->store == NULL)
      return TRUE;
    fresh = store_key_locked (self, sk, self->pending_kid);
    if (fresh == NULL)
      return TRUE;
    gst_e2ee_sframe_key_unref (fresh);
    kid = self->pending_kid;
    clear_pending_locked (self);
    return set_next_key_locked (self, kid, NULL, TRUE, sk, sw, error);
  }

  /* Key or suite alone: the key in use given again changes nothing. Only for a key
   * kept for its KID (the application's, or the store's): the property key then
   * takes its place with its counter. */
  if ((self->pending_key_set && self->pending_key == NULL) ||
      (self->base_key == NULL && !self->pending_key_set) ||
      g_hash_table_lookup (self->used_keys, &self->kid) != self->key)
    return TRUE;
  data = self->pending_key_set ? g_bytes_get_data (self->pending_key, &size) :
      self->base_key ? g_bytes_get_data (self->base_key, &size) : NULL;
  if (data == NULL || size < GST_E2EE_MIN_BASE_KEY_SIZE)
    return TRUE;
  fresh = gst_e2ee_sframe_key_new (self->pending_suite_set ? self->pending_suite :
      self->suite, self->kid, data, size, NULL);
  if (fresh && gst_e2ee_sframe_key_same_secret (fresh, self->key)) {
    if (self->pending_key_set) {
      g_clear_pointer (&self->base_key, g_bytes_unref);
      self->base_key = g_steal_pointer (&self->pending_key);
      self->key_from_store = FALSE;
    }
    if (self->pending_suite_set)
      self->suite = self->pending_suite;
    clear_pending_locked (self);
  }
  g_clear_pointer (&fresh, gst_e2ee_sframe_key_unref);
  return TRUE;
}

static gboolean
gst_e2ee_enc_rotate (GstE2eeEnc * self, guint64 kid, GstBuffer * base_key)
{
  KeySwitch sw = { 0, };
  GError *error = NULL;
  gboolean ok;

  if (base_key == NULL)
    return FALSE;
  GST_OBJECT_LOCK (self);
  ok = set_next_key_locked (self, kid, gst_e2ee_secret_from_buffer (base_key), TRUE, NULL,
      &sw, &error);
  GST_OBJECT_UNLOCK (self);
  if (!ok) {
    GST_ELEMENT_WARNING (self, RESOURCE, SETTINGS, ("Cannot rotate to KID %"
            G_GUINT64_FORMAT ": %s", kid, error->message), (NULL));
    g_clear_error (&error);
    return FALSE;
  }
  gst_e2ee_post_message (GST_ELEMENT (self), gst_structure_new ("e2ee-key-added",
          "kid", G_TYPE_UINT64, kid, NULL));
  post_key_switch (self, &sw);
  return TRUE;
}

/* Makes a random key in the next generation and switches to it. The key leaves the
 * element only through the key-generated signal. */
static guint64
gst_e2ee_enc_generate_key (GstE2eeEnc * self)
{
  KeySwitch sw = { 0, };
  GError *error = NULL;
  guint8 raw[GENERATED_KEY_SIZE];
  GstBuffer *handout;
  GstMapInfo map;
  guint64 kid, generation;
  guint bits;
  gboolean ok;

  if (RAND_bytes (raw, GENERATED_KEY_SIZE) != 1) {
    GST_ELEMENT_WARNING (self, RESOURCE, FAILED, ("Cannot generate a key"),
        ("RAND_bytes failed"));
    return G_MAXUINT64;
  }

  GST_OBJECT_LOCK (self);
  bits = self->ratchet_bits;
  generation = gst_e2ee_ratchet_kid_get_generation (self->kid, bits);
  kid = gst_e2ee_ratchet_kid (generation + 1, 0, bits);
  ok = set_next_key_locked (self, kid, gst_e2ee_secret_new (raw, GENERATED_KEY_SIZE),
      FALSE, NULL, &sw, &error);
  GST_OBJECT_UNLOCK (self);
  if (!ok) {
    OPENSSL_cleanse (raw, sizeof (raw));
    GST_ELEMENT_WARNING (self, RESOURCE, SETTINGS, ("Cannot use a generated key: %s",
            error->message), (NULL));
    g_clear_error (&error);
    return G_MAXUINT64;
  }

  /* The application's copy: wiped after the signal unless a handler kept it. */
  handout = gst_buffer_new_allocate (NULL, GENERATED_KEY_SIZE, NULL);
  gst_buffer_fill (handout, 0, raw, GENERATED_KEY_SIZE);
  OPENSSL_cleanse (raw, sizeof (raw));
  g_signal_emit (self, signals[SIGNAL_KEY_GENERATED], 0, kid, handout);
  if (GST_MINI_OBJECT_REFCOUNT_VALUE (handout) == 1 &&
      gst_buffer_map (handout, &map, GST_MAP_WRITE)) {
    OPENSSL_cleanse (map.data, map.size);
    gst_buffer_unmap (handout, &map);
  }
  gst_buffer_unref (handout);

  gst_e2ee_post_message (GST_ELEMENT (self), gst_structure_new ("e2ee-key-added",
          "kid", G_TYPE_UINT64, kid, NULL));
  post_key_switch (self, &sw);
  return kid;
}

/* RFC 9605 §5.1: the next base key and the next step of the KID. */
static guint64
gst_e2ee_enc_ratchet (GstE2eeEnc * self)
{
  KeySwitch sw = { 0, };
  GError *error = NULL;
  StoreKeys sk = { 0, };
  GstE2eeKeyStore *store = NULL;
  guint8 next[64];
  guint64 old_kid, new_kid = G_MAXUINT64;
  gsize nh;
  gboolean ok = FALSE;

  GST_OBJECT_LOCK (self);
  old_kid = self->kid;
  if (self->base_key == NULL && self->store) {
    guint bits = self->ratchet_bits;

    store = g_object_ref (self->store);

    /* A key the application put in the store: the store ratchets it, replacing any
     * key it holds for the next step, so the step is checked here first. */
    if (bits > 0)
      new_kid = gst_e2ee_ratchet_next_kid (old_kid, bits);
    if (bits > 0 && (kid_is_spent (self, new_kid) ||
            g_hash_table_contains (self->used_keys, &new_kid))) {
      g_set_error (&error, GST_E2EE_SFRAME_ERROR, GST_E2EE_SFRAME_ERROR_INVALID_ARGUMENT,
          "key ID %" G_GUINT64_FORMAT " was already used with another key; a "
          "ratcheted key cannot take it", new_kid);
    } else {
      /* The store signals synchronously: its handlers may use this element. */
      GST_OBJECT_UNLOCK (self);
      ok = gst_e2ee_key_store_ratchet (store, old_kid, GST_E2EE_KEY_USAGE_ENCRYPT, bits,
          0, &new_kid, &error);
      if (ok) {
        sk.store = g_object_ref (store);
        sk.n = 1;
        sk.kids[0] = new_kid;
        sk.keys[0] = gst_e2ee_key_store_lookup (store, new_kid,
            GST_E2EE_KEY_USAGE_ENCRYPT);
      }
      GST_OBJECT_LOCK (self);
    }
    /* The element may have been given another key meanwhile (by those handlers, or
     * another thread): that one wins, the store's ratchet stays done. */
    if (ok && (self->store != store || self->kid != old_kid || self->base_key != NULL)) {
      g_set_error_literal (&error, GST_E2EE_SFRAME_ERROR,
          GST_E2EE_SFRAME_ERROR_INVALID_ARGUMENT, "the key changed while ratcheting; "
          "the key store ratcheted, the element keeps the new key");
      ok = FALSE;
    } else if (ok) {
      gboolean old_retain = self->retain_key;

      self->kid = new_kid;
      self->retain_key = FALSE;
      self->key_dirty = TRUE;
      ok = gst_e2ee_enc_update_key_locked (self, &sk, &sw, &error);
      if (!ok) {
        self->kid = old_kid;
        self->retain_key = old_retain;
        self->key_dirty = FALSE;
      }
    }
  } else if (self->base_key == NULL) {
    g_set_error_literal (&error, GST_E2EE_SFRAME_ERROR,
        GST_E2EE_SFRAME_ERROR_INVALID_ARGUMENT, "there is no key to ratchet");
  } else if (self->ratchet_bits == 0) {
    g_set_error_literal (&error, GST_E2EE_SFRAME_ERROR,
        GST_E2EE_SFRAME_ERROR_INVALID_ARGUMENT, "ratchet-bits is 0: a KID has no "
        "ratchet step");
  } else {
    nh = gst_e2ee_cipher_suite_get_hash_size (self->suite);
    new_kid = gst_e2ee_ratchet_next_kid (old_kid, self->ratchet_bits);
    if (gst_e2ee_ratchet_base_key (self->suite, g_bytes_get_data (self->base_key, NULL),
            g_bytes_get_size (self->base_key), next, sizeof (next), &error))
      ok = set_next_key_locked (self, new_kid, gst_e2ee_secret_new (next, nh), FALSE,
          NULL, &sw, &error);
    OPENSSL_cleanse (next, sizeof (next));
  }
  GST_OBJECT_UNLOCK (self);
  store_keys_clear (&sk);
  g_clear_object (&store);

  if (!ok) {
    GST_ELEMENT_WARNING (self, RESOURCE, SETTINGS, ("Cannot ratchet KID %"
            G_GUINT64_FORMAT ": %s", old_kid, error->message), (NULL));
    g_clear_error (&error);
    return G_MAXUINT64;
  }
  gst_e2ee_post_message (GST_ELEMENT (self), gst_structure_new ("e2ee-ratchet-advanced",
          "old-kid", G_TYPE_UINT64, old_kid, "new-kid", G_TYPE_UINT64, new_kid, NULL));
  post_key_switch (self, &sw);
  return new_kid;
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

  lock_with_store_keys (self, FALSE, 0, &sk);
  enabled = self->enabled;
  /* A key is needed only to encrypt; a disabled element may get one later. */
  ok = !enabled || gst_e2ee_enc_update_key_locked (self, &sk, &sw, &error);
  self->started = ok;
  GST_OBJECT_UNLOCK (self);
  store_keys_clear (&sk);
  self->last_rotation = GST_CLOCK_TIME_NONE;
  self->last_malformed_warning = 0;
  post_key_switch (self, &sw);
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
  if (self->pending_kid_set)
    self->kid = self->pending_kid;
  if (self->pending_suite_set)
    self->suite = self->pending_suite;
  if (self->pending_key_set) {
    g_clear_pointer (&self->base_key, g_bytes_unref);
    self->base_key = g_steal_pointer (&self->pending_key);
  }
  if (self->pending_kid_set || self->pending_key_set || self->pending_suite_set) {
    self->key_dirty = TRUE;
    self->retain_key = TRUE;
  }
  clear_pending_locked (self);
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
  GstE2eeLayout layout;
  gboolean enabled;
  guint i, n;

  GST_OBJECT_LOCK (self);
  enabled = self->enabled;
  layout = self->layout;
  GST_OBJECT_UNLOCK (self);

  if (!enabled) {
    /* Plaintext never claims a layout, whatever the neighbours offer. */
    res = gst_e2ee_caps_strip_layout (caps);
  } else if (layout == GST_E2EE_LAYOUT_FRAME) {
    res = direction == GST_PAD_SINK ? gst_e2ee_caps_to_sframe (caps) :
        gst_e2ee_caps_from_sframe (caps);
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
          res = gst_caps_merge (res, gst_e2ee_caps_to_sframe (one));
        } else if (layout == GST_E2EE_LAYOUT_CODEC) {
          res = gst_caps_merge (res, gst_e2ee_caps_add_layout (one));
        } else if (layout == GST_E2EE_LAYOUT_RTP) {
          /* Other media too, so that set_caps() refuses them with a clear error. */
          res = gst_caps_merge (res, gst_e2ee_caps_set_layout (one,
                  GST_E2EE_LAYOUT_FIELD_RTP));
        } else if (rtp) {
          /* auto: packets encrypted per packet, preferred, or whole packets as
           * SFrame frames, as before there was a per-packet mode. */
          res = gst_caps_merge (res, gst_e2ee_caps_add_rtp_layout (one));
          res = gst_caps_merge (res, gst_e2ee_caps_to_sframe (one));
        } else {
          /* auto: the codec layout where the stream has one, preferred, and whole
           * frames, so that downstream that takes only those (rtpsframepay) still
           * links; set_caps() learns the choice from the output caps. Unfixed caps
           * may still become a stream with a codec layout. */
          if (!gst_caps_is_fixed (one))
            capable = gst_e2ee_caps_layout_capable (one);
          else if (gst_e2ee_layout_codec_from_caps (one) != GST_E2EE_LAYOUT_CODEC_NONE)
            capable = gst_caps_ref (one);
          else
            capable = gst_caps_new_empty ();
          if (!gst_caps_is_empty (capable))
            res = gst_caps_merge (res, gst_e2ee_caps_add_layout (capable));
          gst_caps_unref (capable);
          res = gst_caps_merge (res, gst_e2ee_caps_to_sframe (one));
        }
      } else {
        if (sframe) {
          res = gst_caps_merge (res, gst_e2ee_caps_from_sframe (one));
        } else if (gst_structure_has_field (s, GST_E2EE_LAYOUT_FIELD)) {
          const gchar *field = gst_structure_get_string (s, GST_E2EE_LAYOUT_FIELD);

          if (g_strcmp0 (field, layout == GST_E2EE_LAYOUT_RTP ?
                  GST_E2EE_LAYOUT_FIELD_RTP : GST_E2EE_LAYOUT_FIELD_CODEC) == 0 ||
              (layout == GST_E2EE_LAYOUT_AUTO && rtp &&
                  g_strcmp0 (field, GST_E2EE_LAYOUT_FIELD_RTP) == 0))
            res = gst_caps_merge (res, gst_e2ee_caps_strip_layout (one));
        } else if (layout == GST_E2EE_LAYOUT_CODEC || layout == GST_E2EE_LAYOUT_RTP ||
            rtp) {
          /* Downstream (a payloader, a parser, rtpbin, udpsink) names the media
           * without the field. */
          res = gst_caps_merge (res, gst_caps_ref (one));
        } else {
          capable = gst_e2ee_caps_layout_capable (one);
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
  GstE2eeLayout layout;
  GstE2eeLayoutCodec codec = GST_E2EE_LAYOUT_CODEC_NONE;
  gboolean enabled;

  GST_OBJECT_LOCK (self);
  layout = self->layout;
  enabled = self->enabled;
  GST_OBJECT_UNLOCK (self);

  self->rtp = FALSE;
  /* Per packet: what layout=rtp asks for, and what layout=auto settles on for RTP
   * unless downstream takes only application/x-sframe. */
  if (enabled && layout != GST_E2EE_LAYOUT_FRAME && layout != GST_E2EE_LAYOUT_CODEC &&
      gst_e2ee_caps_has_rtp_layout (outcaps)) {
    if (!gst_e2ee_caps_is_rtp (incaps)) {
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
  if (enabled && layout == GST_E2EE_LAYOUT_RTP) {
    GST_ELEMENT_ERROR (self, STREAM, FORMAT, ("layout=rtp needs RTP packets"),
        ("input %" GST_PTR_FORMAT ", output %" GST_PTR_FORMAT, incaps, outcaps));
    return FALSE;
  }

  /* The output caps say which layout negotiation settled on (with layout=auto, the
   * codec layout unless downstream takes whole frames only). Frames already in
   * SFrame are encrypted again as they are. */
  if (enabled && gst_e2ee_caps_has_layout (outcaps) && !gst_e2ee_caps_is_sframe (incaps))
    codec = gst_e2ee_layout_codec_from_caps (incaps);
  if (enabled && (layout == GST_E2EE_LAYOUT_CODEC || gst_e2ee_caps_has_layout (outcaps))
      && codec == GST_E2EE_LAYOUT_CODEC_NONE) {
    GST_ELEMENT_ERROR (self, STREAM, FORMAT, ("layout=codec does not support this "
            "stream"), ("caps %" GST_PTR_FORMAT " have no codec layout: it supports "
            "VP8, VP9, Opus, and H.264/H.265 in stream-format=byte-stream with "
            "alignment=au; use layout=auto or layout=frame for whole-frame SFrame",
            incaps));
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
gst_e2ee_enc_rotate_now (GstE2eeEnc * self, GstE2eeRotationMode mode)
{
  /* A ratchet that has used all 2^R steps of its generation starts a new one. */
  if (mode == GST_E2EE_ROTATION_MODE_GENERATE ||
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
  lock_with_store_keys (self, FALSE, 0, &sk);
  if (gst_e2ee_enc_rotation_due (self, GST_BUFFER_PTS (inbuf), self->rotation_interval)) {
    GstE2eeRotationMode mode = self->rotation_mode;

    GST_OBJECT_UNLOCK (self);
    gst_e2ee_enc_rotate_now (self, mode);
    lock_with_store_keys (self, FALSE, 0, &sk);
  }
  /* A key-id waiting for the key store's key: it may have come. Refused, it is
   * reported once the lock is released (posting a message takes it). */
  if (G_UNLIKELY (self->pending_kid_set) && self->key)
    apply_pending_locked (self, &sk, &sw, TRUE, &refused);
  ok = gst_e2ee_enc_update_key_locked (self, &sk, &sw, &error);
  if (ok) {
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
  store_keys_clear (&sk);
  if (refused) {
    GST_ELEMENT_WARNING (self, RESOURCE, SETTINGS, ("Cannot change the key: %s",
            refused->message), (NULL));
    g_clear_error (&refused);
  }
  post_key_switch (self, &sw);
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
    GstE2eeRtpFields fields, GstBuffer * inbuf, const guint8 * in, gsize in_size,
    guint8 * out, gsize out_size, gsize * out_len, guint64 * ctr, gsize * plain_size,
    GError ** error)
{
  guint8 fixed[GST_E2EE_RTP_FIXED_HEADER_SIZE], md[GST_E2EE_RTP_FIXED_HEADER_SIZE];
  guint64 kid = gst_e2ee_sframe_key_get_kid (key);
  GstE2eeRtpPacket pkt;
  GError *err = NULL;
  const gchar *why;
  gsize hlen, sh, placed = 0, sframe_len = 0;
  guint attempt;
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
  for (attempt = 0; attempt < RTP_IN_PLACE_ATTEMPTS; attempt++) {
    sh = gst_e2ee_sframe_header_size (kid, gst_e2ee_sframe_key_get_next_counter (key));
    if (attempt == 0)
      copy_in (inbuf, in, hlen, out + hlen + sh, pkt.payload_size);
    else if (placed != sh)
      memmove (out + hlen + sh, out + hlen + placed, pkt.payload_size);
    placed = sh;
    g_clear_error (&err);
    ok = gst_e2ee_sframe_key_encrypt (key, md, sizeof (md), out + hlen + sh,
        pkt.payload_size, out + hlen, out_size - hlen, &sframe_len, ctr, &err);
    /* Refused without using a counter because the header came out longer or
     * shorter than where the payload sits: the counter moved meanwhile. */
    if (ok || gst_e2ee_sframe_header_size (kid,
            gst_e2ee_sframe_key_get_next_counter (key)) == sh)
      break;
  }
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
    st = self->last_stats = get_kid_stats_locked (self,
        gst_e2ee_sframe_key_get_kid (key));
  st->frames++;
  st->bytes += plain_size;
  self->frames++;
  self->bytes += plain_size;
  GST_OBJECT_UNLOCK (self);

  gst_e2ee_sframe_key_unref (key);
  return GST_FLOW_OK;
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
  next_key = self->key_dirty ? g_hash_table_lookup (self->used_keys, &self->kid) : self->key;
  s = gst_structure_new ("e2eeenc-stats",
      "frames", G_TYPE_UINT64, self->frames,
      "bytes", G_TYPE_UINT64, self->bytes,
      "dropped-malformed", G_TYPE_UINT64, self->dropped_malformed,
      "kid", G_TYPE_UINT64, self->kid,
      "next-ctr", G_TYPE_UINT64,
      next_key ? gst_e2ee_sframe_key_get_next_counter (next_key) : (guint64) 0, NULL);
  gst_e2ee_kid_stats_to_array (self->stats, FALSE, &kids);
  GST_OBJECT_UNLOCK (self);
  gst_structure_take_value (s, "kids", &kids);
  gst_e2ee_policy_binding_add_stats (self->policy, s);
  return s;
}

static void
gst_e2ee_enc_set_property (GObject * object, guint prop_id, const GValue * value,
    GParamSpec * pspec)
{
  GstE2eeEnc *self = GST_E2EE_ENC (object);
  gboolean reconfigure = FALSE, pending = FALSE, ok = TRUE;
  KeySwitch sw = { 0, };
  StoreKeys sk = { 0, };
  GError *error = NULL;

  /* A key setting may complete a change to the key store's key: that key is looked
   * up before the lock is taken. */
  if (prop_id == PROP_KEY_ID || prop_id == PROP_KEY || prop_id == PROP_CIPHER_SUITE)
    lock_with_store_keys (self, prop_id == PROP_KEY_ID,
        prop_id == PROP_KEY_ID ? g_value_get_uint64 (value) : 0, &sk);
  else
    GST_OBJECT_LOCK (self);
  /* While a key is in use the key settings form one pending change (see
   * apply_pending_locked()); before, they are configuration that start() applies. */
  pending = self->started && self->key != NULL;
  switch (prop_id) {
    case PROP_CIPHER_SUITE:
      if (pending) {
        self->pending_suite = g_value_get_enum (value);
        self->pending_suite_set = TRUE;
        ok = apply_pending_locked (self, &sk, &sw, FALSE, &error);
        break;
      }
      self->suite = g_value_get_enum (value);
      self->key_dirty = TRUE;
      break;
    case PROP_KEY_ID:
      if (pending) {
        self->pending_kid = g_value_get_uint64 (value);
        self->pending_kid_set = TRUE;
        ok = apply_pending_locked (self, &sk, &sw, FALSE, &error);
        break;
      }
      self->kid = g_value_get_uint64 (value);
      self->key_dirty = TRUE;
      self->retain_key = TRUE;
      break;
    case PROP_KEY:
      if (pending) {
        g_clear_pointer (&self->pending_key, g_bytes_unref);
        self->pending_key = gst_e2ee_secret_from_buffer (g_value_get_boxed (value));
        self->pending_key_set = TRUE;
        ok = apply_pending_locked (self, &sk, &sw, FALSE, &error);
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
  store_keys_clear (&sk);

  post_key_switch (self, &sw);
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

static void
gst_e2ee_enc_get_property (GObject * object, guint prop_id, GValue * value,
    GParamSpec * pspec)
{
  GstE2eeEnc *self = GST_E2EE_ENC (object);

  switch (prop_id) {
    case PROP_CIPHER_SUITE:
      GST_OBJECT_LOCK (self);
      g_value_set_enum (value, self->pending_suite_set ? self->pending_suite :
          self->suite);
      GST_OBJECT_UNLOCK (self);
      break;
    case PROP_KEY_ID:
      /* What was written, even while it waits for the key to go with it. */
      GST_OBJECT_LOCK (self);
      g_value_set_uint64 (value, self->pending_kid_set ? self->pending_kid : self->kid);
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
    default:
      if (!gst_e2ee_policy_binding_get_property (self->policy, prop_id - PROP_POLICY,
              value))
        G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
      break;
  }
}

static void
gst_e2ee_enc_finalize (GObject * object)
{
  GstE2eeEnc *self = GST_E2EE_ENC (object);

  g_clear_pointer (&self->base_key, g_bytes_unref);
  g_clear_pointer (&self->pending_key, g_bytes_unref);
  g_clear_pointer (&self->key, gst_e2ee_sframe_key_unref);
  clear_frame (self);
  g_hash_table_unref (self->used_keys);
  g_array_unref (self->spent_kids);
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
  }
  return GST_ELEMENT_CLASS (parent_class)->change_state (element, transition);
}

static void
gst_e2ee_enc_init (GstE2eeEnc * self)
{
  self->suite = DEFAULT_CIPHER_SUITE;
  self->kid = DEFAULT_KEY_ID;
  self->enabled = DEFAULT_ENABLED;
  self->used_keys = g_hash_table_new_full (g_int64_hash, g_int64_equal, g_free,
      (GDestroyNotify) gst_e2ee_sframe_key_unref);
  self->spent_kids = gst_e2ee_kid_set_new ();
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
          GST_TYPE_E2EE_ROTATION_MODE, DEFAULT_ROTATION_MODE,
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
          GST_TYPE_E2EE_LAYOUT, DEFAULT_LAYOUT,
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
          "(receivers must use the same)", GST_TYPE_E2EE_RTP_FIELDS,
          DEFAULT_RTP_METADATA,
          G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS | GST_PARAM_MUTABLE_READY));
  /* policy, policy-file, policy-group, policy-user: documented with the binding
   * (gst-libs/gst/e2ee/gste2eepolicybinding.c). */
  gst_e2ee_policy_binding_install_properties (gobject_class, PROP_POLICY);

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
  gst_type_mark_as_plugin_api (GST_TYPE_E2EE_ROTATION_MODE, 0);
  gst_type_mark_as_plugin_api (GST_TYPE_E2EE_LAYOUT, 0);
  gst_type_mark_as_plugin_api (GST_TYPE_E2EE_RTP_FIELDS, 0);
  GST_DEBUG_CATEGORY_INIT (gst_e2ee_enc_debug, "e2eeenc", 0, "SFrame encrypter");
}
