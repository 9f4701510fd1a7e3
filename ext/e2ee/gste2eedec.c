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

#include "gste2eedec.h"
#include "gste2eebuffer.h"
#include "gste2eeelement.h"
#include "gste2eehold.h"
#include "gste2eejoin.h"
#include "gste2eertp.h"
#include "gste2eerecording.h"

#include <string.h>
#include <gst/video/video.h>
#include <openssl/crypto.h>

GST_DEBUG_CATEGORY_STATIC (gst_e2ee_dec_debug);
#define GST_CAT_DEFAULT gst_e2ee_dec_debug

#define DEFAULT_CIPHER_SUITE GST_E2EE_CIPHER_SUITE_AES_256_GCM_SHA512_128
#define DEFAULT_KEY_ID 0
#define DEFAULT_POST_DROP_MESSAGES TRUE
#define DEFAULT_DROP_MESSAGE_INTERVAL GST_SECOND
#define DEFAULT_ALLOW_PLAINTEXT FALSE
#define DEFAULT_RATCHET_BITS GST_E2EE_RATCHET_DEFAULT_BITS
#define DEFAULT_RATCHET_WINDOW GST_E2EE_KEY_STORE_DEFAULT_RATCHET_WINDOW
#define DEFAULT_KEY_GRACE_PERIOD GST_E2EE_KEY_STORE_DEFAULT_GRACE_PERIOD
#define DEFAULT_UNKNOWN_KID_HOLD (500 * GST_MSECOND)
#define DEFAULT_UNKNOWN_KID_HOLD_FRAMES 256
#define DEFAULT_UNKNOWN_KID_HOLD_BYTES (8 * 1024 * 1024)
#define DEFAULT_REPLAY_WINDOW GST_E2EE_REPLAY_WINDOW_DEFAULT_SIZE
#define DEFAULT_LAYOUT GST_E2EE_LAYOUT_AUTO
#define DEFAULT_RTP_METADATA GST_E2EE_RTP_FIELDS_ALL
/* The most `e2ee-unknown-kid` messages of each action `held` and `timed-out` per
 * drop-message-interval: KIDs come from the network, unauthenticated, and frames
 * naming a new KID each must not flood the bus. */
#define UNKNOWN_KID_MESSAGES_MAX 8
/* Private to this file: "no key for this KID", which the caller may hold. */
#define FLOW_UNKNOWN_KID GST_FLOW_CUSTOM_SUCCESS_1

typedef enum
{
  DROP_UNKNOWN_KID,
  DROP_AUTHENTICATION,
  DROP_TRUNCATED,
  DROP_MALFORMED_HEADER,
  DROP_REPLAY_DUPLICATE,
  DROP_REPLAY_TOO_OLD,
  DROP_CLEAR_ONLY,
  N_DROP_REASONS
} DropReason;

static const gchar *drop_reason_names[N_DROP_REASONS] = {
  "unknown-kid", "authentication", "truncated", "malformed-header",
  "replay-duplicate", "replay-too-old", "clear-only"
};

enum
{
  PROP_0,
  PROP_CIPHER_SUITE,
  PROP_KEY_ID,
  PROP_KEY,
  PROP_STATS,
  PROP_POST_DROP_MESSAGES,
  PROP_DROP_MESSAGE_INTERVAL,
  PROP_ALLOW_PLAINTEXT,
  PROP_KEY_STORE,
  PROP_RATCHET_BITS,
  PROP_RATCHET_WINDOW,
  PROP_KEY_GRACE_PERIOD,
  PROP_UNKNOWN_KID_HOLD,
  PROP_UNKNOWN_KID_HOLD_FRAMES,
  PROP_UNKNOWN_KID_HOLD_BYTES,
  PROP_REPLAY_WINDOW,
  PROP_LAYOUT,
  PROP_RTP_METADATA,
  PROP_POLICY,                  /* and the policy binding's other properties */
};

/* A suite weaker than the policy's minimum is refused on receive too; the policy's
 * local-recording is enforced by gste2eerecording.c. */
static const GstE2eePolicyMapping policy_map[] = {
  {"min-sframe-cipher-suite", "cipher-suite", GST_E2EE_POLICY_MAP_SUITE},
};

enum
{
  SIGNAL_ADD_KEY,
  SIGNAL_REMOVE_KEY,
  SIGNAL_RETIRE_KEY,
  LAST_SIGNAL
};

static guint signals[LAST_SIGNAL];

enum
{
  STORE_KEY_ADDED,
  STORE_KEY_REMOVED,
  STORE_KEY_RETIRED,
  STORE_KEY_EXPIRED,
  STORE_RATCHET_ADVANCED,
  N_STORE_SIGNALS
};

struct _GstE2eeDec
{
  GstBaseTransform parent;

  GstE2eePolicyBinding *policy;  /* its own lock */

  /* Protected by the object lock. */
  GstE2eeCipherSuite suite;
  GstE2eeKeyStore *store;
  gboolean store_from_property;
  gboolean store_shared;        /* offered to / taken from the pipeline */
  gulong store_handlers[N_STORE_SIGNALS];
  guint64 prop_kid;
  /* The `key` property's base key, kept to install it where the store, KID or suite
   * changes before it is used, and wiped (secret_free) once it is superseded in the
   * store (ratchet, retire-key, remove-key, add-key, grace period over), or in use when
   * the store changes: reinstalled then, it would come back current with an empty
   * replay window and accept its recorded frames again. */
  GBytes *prop_key;
  GstE2eeKeyStore *prop_store;  /* the store holding the property's key, or NULL */
  guint64 installed_prop_kid;
  gsize refused_key_size;       /* of a too short `key` written before start() */
  GstE2eeCipherSuite installed_prop_suite;
  gboolean prop_key_spent;      /* wiped as above, until the next `key` */
  gboolean prop_key_dirty;      /* to be (re)installed by install_prop_key() */
  gboolean key_refused;
  gboolean started;
  gboolean post_drop_messages;
  GstClockTime drop_message_interval;
  gboolean allow_plaintext;
  guint ratchet_bits;
  guint ratchet_window;
  GstClockTime grace_period;
  GstClockTime hold_time;
  guint hold_max_frames;
  guint64 hold_max_bytes;
  guint replay_window_size;
  GstE2eeLayout layout;
  GstE2eeRtpFields rtp_fields;

  /* Counters and replay windows have a lock of their own: the store's signal
   * handlers need them, and the store may signal while the object lock is held. */
  GMutex stats_lock;
  GHashTable *windows;          /* guint64 KID -> GstE2eeReplayWindow */
  GstE2eeReplayWindow *last_window;     /* of last_window_kid; NULL when removed */
  guint64 last_window_kid;
  GHashTable *stats;
  GstE2eeKidStats *last_stats;  /* the last KID's entry; NULL when one is removed */
  guint64 frames;
  guint64 bytes;
  guint64 held;
  guint64 recovered;
  guint64 joined;               /* frames that came in pieces (docs/layout.md) */
  guint64 nal_units_removed;    /* H.26x NAL units not authenticated, not passed on */
  guint64 drops[N_DROP_REASONS];
  guint64 drops_pending[N_DROP_REASONS];
  gint64 last_drop_message[N_DROP_REASONS];     /* monotonic µs, 0 = never */

  /* Set from any thread when a key appears: held frames may now decrypt. */
  gint keys_changed;
  /* Moved (under the object lock) by every change of the settings below and of the
   * store, so that the streaming thread takes the lock only when one happened. */
  gint settings_cookie;

  /* Streaming thread only: the object-locked settings a frame needs, as of
   * cfg.cookie. */
  struct
  {
    gint cookie;
    GstE2eeKeyStore *store;
    GstE2eeRtpFields rtp_fields;
    guint ratchet_bits;
    guint ratchet_window;
    guint replay_window_size;
    GstClockTime grace_period;
    GstClockTime hold_time;
  } cfg;

  /* Streaming thread only. */
  gboolean plaintext;           /* the negotiated input is not SFrame */
  GstE2eeLayoutCodec codec;     /* of the negotiated input; NONE: whole frames */
  gboolean rtp;                 /* per-packet mode: the input is RTP packets */
  guint8 *scratch;              /* codec layout output, copied back into the frame */
  gsize scratch_size;
  GstE2eeHold hold;
  GQueue ready;                 /* decrypted held frames waiting to go out */
  GstE2eeJoin join;             /* an H.26x frame that may continue in the next buffer */
  guint pieces;                 /* pieces in the frame being decrypted; 0: not joinable */
  /* Codec layout: a caps change waits for the frame it came with (see
   * defer_caps()); applied_caps is what went downstream last. */
  GstEvent *pending_caps;
  GstCaps *applied_caps;
  GstE2eeCopyPool copies;       /* for frames whose memory is shared */
  gboolean gap;                 /* frames were lost since the last good one */
  guint held_messages;          /* `held` messages posted since held_messages_since */
  gint64 held_messages_since;   /* monotonic µs, 0 = never */
  /* guint64 KID -> guint64 frames, not yet reported; for at most
   * UNKNOWN_KID_MESSAGES_MAX - 1 KIDs, the frames of others in timeouts_others. */
  GHashTable *timeouts;
  guint64 timeouts_others;
  gint64 last_timeout_message;  /* monotonic µs */
};

/* application/x-sframe, or codec caps in the codec layout; ANY also so that
 * allow-plaintext can accept other caps, which set_caps() refuses otherwise. */
static GstStaticPadTemplate sink_template = GST_STATIC_PAD_TEMPLATE ("sink",
    GST_PAD_SINK, GST_PAD_ALWAYS, GST_STATIC_CAPS_ANY);

static GstStaticPadTemplate src_template = GST_STATIC_PAD_TEMPLATE ("src",
    GST_PAD_SRC, GST_PAD_ALWAYS, GST_STATIC_CAPS_ANY);

#define gst_e2ee_dec_parent_class parent_class
G_DEFINE_TYPE (GstE2eeDec, gst_e2ee_dec, GST_TYPE_BASE_TRANSFORM);
GST_ELEMENT_REGISTER_DEFINE (e2eedec, "e2eedec", GST_RANK_NONE, GST_TYPE_E2EE_DEC);

/* ---- Key store ------------------------------------------------------------ */

static gboolean
kid_is_ours_locked (GstE2eeDec * self, guint64 kid)
{
  GstE2eeKidStats *st = g_hash_table_lookup (self->stats, &kid);
  return st != NULL && st->activated;
}

static void
on_store_key_added (GstE2eeKeyStore * store, guint64 kid, GstE2eeKeyUsage usage,
    GstE2eeDec * self)
{
  if (usage == GST_E2EE_KEY_USAGE_DECRYPT)
    g_atomic_int_set (&self->keys_changed, 1);
}

/* The `key` property's key left @store's current keys without install_prop_key()
 * moving it: superseded for good, so the element's copy goes too (wiped when the last
 * reference goes, see gst_e2ee_secret_new()) and no later write of `key-id`,
 * `cipher-suite` or the store brings it back. */
static void
forget_prop_key (GstE2eeDec * self, const GstE2eeKeyStore * store, guint64 kid)
{
  GBytes *key = NULL;

  GST_OBJECT_LOCK (self);
  if (self->prop_store == store && self->installed_prop_kid == kid) {
    gst_clear_object (&self->prop_store);
    key = g_steal_pointer (&self->prop_key);
    self->prop_key_spent = TRUE;
  }
  GST_OBJECT_UNLOCK (self);
  if (key) {
    GST_INFO_OBJECT (self, "the 'key' property's key (KID %" G_GUINT64_FORMAT ") was "
        "superseded: wiped", kid);
    g_bytes_unref (key);
  }
}

/* A key gone for good: its replay window and its `kid-stats` entry go with it, so the
 * same KID with a new key starts afresh and per-KID state stays bounded by the keys in
 * the store (the totals keep counting). Messages only for KIDs this element used: with
 * a store shared by 200 receivers, each reports its own senders. */
static void
on_store_key_gone (GstE2eeDec * self, GstE2eeKeyStore * store, guint64 kid,
    GstE2eeKeyUsage usage, gboolean expired)
{
  gboolean ours;

  if (usage != GST_E2EE_KEY_USAGE_DECRYPT)
    return;
  forget_prop_key (self, store, kid);
  g_mutex_lock (&self->stats_lock);
  g_hash_table_remove (self->windows, &kid);
  self->last_window = NULL;
  ours = kid_is_ours_locked (self, kid);
  g_hash_table_remove (self->stats, &kid);
  self->last_stats = NULL;
  g_mutex_unlock (&self->stats_lock);
  if (ours && expired)
    gst_e2ee_post_message (GST_ELEMENT (self), gst_structure_new ("e2ee-key-expired",
            "kid", G_TYPE_UINT64, kid, NULL));
}

/* Drops the window and `kid-stats` entry of @kid when @store has no decryption key
 * for it (any more). */
static void
forget_kid_if_keyless (GstE2eeDec * self, GstE2eeKeyStore * store, guint64 kid)
{
  GstE2eeSFrameKey *key = gst_e2ee_key_store_lookup (store, kid,
      GST_E2EE_KEY_USAGE_DECRYPT);

  if (key) {
    gst_e2ee_sframe_key_unref (key);
    return;
  }
  GST_DEBUG_OBJECT (self, "KID %" G_GUINT64_FORMAT " lost its key meanwhile", kid);
  g_mutex_lock (&self->stats_lock);
  g_hash_table_remove (self->windows, &kid);
  self->last_window = NULL;
  g_hash_table_remove (self->stats, &kid);
  self->last_stats = NULL;
  g_mutex_unlock (&self->stats_lock);
}

static void
on_store_key_removed (GstE2eeKeyStore * store, guint64 kid, GstE2eeKeyUsage usage,
    GstE2eeDec * self)
{
  on_store_key_gone (self, store, kid, usage, FALSE);
}

static void
on_store_key_expired (GstE2eeKeyStore * store, guint64 kid, GstE2eeKeyUsage usage,
    GstE2eeDec * self)
{
  on_store_key_gone (self, store, kid, usage, TRUE);
}

static void
on_store_key_retired (GstE2eeKeyStore * store, guint64 kid, GstE2eeKeyUsage usage,
    guint64 deadline, GstE2eeDec * self)
{
  gboolean ours;

  if (usage != GST_E2EE_KEY_USAGE_DECRYPT)
    return;
  forget_prop_key (self, store, kid);
  g_mutex_lock (&self->stats_lock);
  ours = kid_is_ours_locked (self, kid);
  g_mutex_unlock (&self->stats_lock);
  if (ours)
    gst_e2ee_post_message (GST_ELEMENT (self), gst_structure_new ("e2ee-key-retired",
            "kid", G_TYPE_UINT64, kid, "deadline", G_TYPE_UINT64, deadline, NULL));
}

static void
on_store_ratchet_advanced (GstE2eeKeyStore * store, guint64 old_kid, guint64 new_kid,
    GstE2eeKeyUsage usage, GstE2eeDec * self)
{
  gboolean ours;

  if (usage != GST_E2EE_KEY_USAGE_DECRYPT)
    return;
  g_atomic_int_set (&self->keys_changed, 1);
  g_mutex_lock (&self->stats_lock);
  ours = kid_is_ours_locked (self, old_kid);
  g_mutex_unlock (&self->stats_lock);
  if (ours)
    gst_e2ee_post_message (GST_ELEMENT (self),
        gst_structure_new ("e2ee-ratchet-advanced", "old-kid", G_TYPE_UINT64, old_kid,
            "new-kid", G_TYPE_UINT64, new_kid, NULL));
}

/* With the object lock. Whether the `key` property's key, installed, has decrypted a
 * frame: moved to another KID, suite or store it would start there with an empty
 * replay window. */
static gboolean
prop_key_used_locked (GstE2eeDec * self)
{
  gboolean used;

  if (self->prop_store == NULL)
    return FALSE;
  g_mutex_lock (&self->stats_lock);
  used = kid_is_ours_locked (self, self->installed_prop_kid);
  g_mutex_unlock (&self->stats_lock);
  return used;
}

/* With the object lock. Whether the properties name the `key` property's key as
 * installed in the current store. */
static gboolean
prop_key_in_place_locked (GstE2eeDec * self)
{
  return self->prop_store != NULL && self->prop_store == self->store &&
      self->prop_kid == self->installed_prop_kid &&
      self->suite == self->installed_prop_suite;
}

/* With the object lock. The `key` property's key stays where it is (in use, or
 * superseded) and the element's copy is wiped. Returns the copy to unref once the
 * lock is released. */
static GBytes *
spend_prop_key_locked (GstE2eeDec * self)
{
  self->prop_key_spent = TRUE;
  self->prop_key_dirty = FALSE;
  return g_steal_pointer (&self->prop_key);
}

/* Without the object lock: the store signals while adding and removing, and the
 * handlers post messages, which takes it. Installs the `key`/`key-id` pair in the
 * current store when it changed; they may come in either order on a gst-launch line,
 * and the store may change under them (a context arriving), so the element keeps the
 * property's key to reinstall until it is used or superseded (see prop_key). */
static void
install_prop_key (GstE2eeDec * self)
{
  GstE2eeKeyStore *store, *old_store;
  GBytes *key;
  GError *error = NULL;
  gboolean ok = FALSE;
  guint64 old_kid, kid;
  GstE2eeCipherSuite suite;

  GST_OBJECT_LOCK (self);
  if (!self->prop_key_dirty || self->store == NULL) {
    GST_OBJECT_UNLOCK (self);
    return;
  }
  self->prop_key_dirty = FALSE;
  store = g_object_ref (self->store);
  /* Taken before removing it, so that forget_prop_key() leaves the copy alone. */
  old_store = g_steal_pointer (&self->prop_store);
  old_kid = self->installed_prop_kid;
  key = self->prop_key ? g_bytes_ref (self->prop_key) : NULL;
  kid = self->prop_kid;
  suite = self->suite;
  GST_OBJECT_UNLOCK (self);

  if (old_store) {
    gst_e2ee_key_store_remove_key (old_store, old_kid, GST_E2EE_KEY_USAGE_DECRYPT);
    g_object_unref (old_store);
  }
  if (key) {
    ok = gst_e2ee_key_store_add_key_bytes (store, kid, GST_E2EE_KEY_USAGE_DECRYPT, suite,
        key, &error);
    if (!ok) {
      GST_ELEMENT_WARNING (self, RESOURCE, SETTINGS, ("Cannot use the 'key' property's "
              "key for KID %" G_GUINT64_FORMAT ": %s", kid, error->message), (NULL));
      g_clear_error (&error);
    }
  }
  GST_OBJECT_LOCK (self);
  if (ok && self->store == store && self->prop_store == NULL) {
    self->prop_store = g_object_ref (store);
    self->installed_prop_kid = kid;
    self->installed_prop_suite = suite;
  }
  GST_OBJECT_UNLOCK (self);
  if (key)
    g_bytes_unref (key);
  g_object_unref (store);
}

/* With the object lock. Takes @store. */
static void
set_store_locked (GstE2eeDec * self, GstE2eeKeyStore * store)
{
  guint i;

  if (store == self->store) {
    if (store)
      g_object_unref (store);
    return;
  }
  if (self->store) {
    for (i = 0; i < N_STORE_SIGNALS; i++)
      g_signal_handler_disconnect (self->store, self->store_handlers[i]);
    gst_clear_object (&self->store);
  }
  g_mutex_lock (&self->stats_lock);
  g_hash_table_remove_all (self->windows);
  self->last_window = NULL;
  g_mutex_unlock (&self->stats_lock);
  self->store = store;
  g_atomic_int_inc (&self->settings_cookie);
  /* The property's key was in the old store: install_prop_key() moves it to this one,
   * unless it decrypted frames there. */
  if (prop_key_used_locked (self)) {
    GBytes *key = spend_prop_key_locked (self);

    GST_INFO_OBJECT (self, "the 'key' property's key was in use: not moved to the "
        "new key store");
    if (key)
      g_bytes_unref (key);
  } else {
    self->prop_key_dirty = TRUE;
  }
  if (store == NULL)
    return;
  self->store_handlers[STORE_KEY_ADDED] = g_signal_connect (store, "key-added",
      G_CALLBACK (on_store_key_added), self);
  self->store_handlers[STORE_KEY_REMOVED] = g_signal_connect (store, "key-removed",
      G_CALLBACK (on_store_key_removed), self);
  self->store_handlers[STORE_KEY_RETIRED] = g_signal_connect (store, "key-retired",
      G_CALLBACK (on_store_key_retired), self);
  self->store_handlers[STORE_KEY_EXPIRED] = g_signal_connect (store, "key-expired",
      G_CALLBACK (on_store_key_expired), self);
  self->store_handlers[STORE_RATCHET_ADVANCED] = g_signal_connect (store,
      "ratchet-advanced", G_CALLBACK (on_store_ratchet_advanced), self);
  g_atomic_int_set (&self->keys_changed, 1);
}

/* A store to add keys to even before the element has met its pipeline: keys given in
 * NULL state go into a store of the element's own, which it then offers to the
 * pipeline instead of looking for another. Returns a new reference. */
static GstE2eeKeyStore *
get_store (GstE2eeDec * self)
{
  GstE2eeKeyStore *store;
  gboolean created = FALSE;

  GST_OBJECT_LOCK (self);
  if (self->store == NULL) {
    set_store_locked (self, gst_e2ee_key_store_new ());
    created = TRUE;
  }
  store = g_object_ref (self->store);
  GST_OBJECT_UNLOCK (self);
  if (created)
    install_prop_key (self);
  return store;
}

static gboolean
gst_e2ee_dec_add_key (GstE2eeDec * self, guint64 kid, GstBuffer * base_key)
{
  GstE2eeKeyStore *store;
  GstE2eeCipherSuite suite;
  GError *error = NULL;
  GstMapInfo map;
  gboolean ok;

  if (base_key == NULL || !gst_buffer_map (base_key, &map, GST_MAP_READ))
    return FALSE;
  if (map.size < GST_E2EE_MIN_BASE_KEY_SIZE) {
    GST_WARNING_OBJECT (self, "refusing a %" G_GSIZE_FORMAT "-byte base key for KID %"
        G_GUINT64_FORMAT ": at least %d bytes are needed", map.size, kid,
        GST_E2EE_MIN_BASE_KEY_SIZE);
    gst_buffer_unmap (base_key, &map);
    return FALSE;
  }
  store = get_store (self);
  GST_OBJECT_LOCK (self);
  suite = self->suite;
  GST_OBJECT_UNLOCK (self);
  ok = gst_e2ee_key_store_add_key (store, kid, GST_E2EE_KEY_USAGE_DECRYPT, suite,
      map.data, map.size, &error);
  gst_buffer_unmap (base_key, &map);
  g_object_unref (store);
  if (!ok) {
    GST_WARNING_OBJECT (self, "cannot add key for KID %" G_GUINT64_FORMAT ": %s", kid,
        error->message);
    g_clear_error (&error);
    return FALSE;
  }
  GST_INFO_OBJECT (self, "key for KID %" G_GUINT64_FORMAT " added", kid);
  gst_e2ee_post_message (GST_ELEMENT (self), gst_structure_new ("e2ee-key-added",
          "kid", G_TYPE_UINT64, kid, NULL));
  return TRUE;
}

static gboolean
gst_e2ee_dec_remove_key (GstE2eeDec * self, guint64 kid)
{
  GstE2eeKeyStore *store = get_store (self);
  gboolean removed;

  /* The `key` property's key, if that is the one, goes for good (forget_prop_key()). */
  removed = gst_e2ee_key_store_remove_key (store, kid, GST_E2EE_KEY_USAGE_DECRYPT);
  g_object_unref (store);
  GST_INFO_OBJECT (self, "key for KID %" G_GUINT64_FORMAT " %s", kid,
      removed ? "removed" : "was not there");
  return removed;
}

static gboolean
gst_e2ee_dec_retire_key (GstE2eeDec * self, guint64 kid)
{
  GstE2eeKeyStore *store = get_store (self);
  GstClockTime grace;
  gboolean retired;

  GST_OBJECT_LOCK (self);
  grace = self->grace_period;
  GST_OBJECT_UNLOCK (self);
  retired = gst_e2ee_key_store_retire_key (store, kid, GST_E2EE_KEY_USAGE_DECRYPT, grace);
  g_object_unref (store);
  return retired;
}

/* ---- Caps ----------------------------------------------------------------- */

/* Plaintext caps map to themselves here even when allow-plaintext is off, so that
 * negotiation reaches set_caps(), which refuses them with an error that says why
 * instead of a bare not-negotiated. */
static GstCaps *
gst_e2ee_dec_transform_caps (GstBaseTransform * trans, GstPadDirection direction,
    GstCaps * caps, GstCaps * filter)
{
  GstE2eeDec *self = GST_E2EE_DEC (trans);
  GstCaps *res, *plain;
  GstE2eeLayout layout;
  guint i;

  GST_OBJECT_LOCK (self);
  layout = self->layout;
  GST_OBJECT_UNLOCK (self);

  if (direction == GST_PAD_SINK) {
    res = gst_e2ee_caps_from_sframe (caps);
    plain = gst_caps_copy (caps);
    for (i = gst_caps_get_size (plain); i > 0; i--)
      if (gst_structure_has_name (gst_caps_get_structure (plain, i - 1),
              GST_E2EE_SFRAME_MEDIA_TYPE))
        gst_caps_remove_structure (plain, i - 1);
    if (layout != GST_E2EE_LAYOUT_FRAME) {
      GstCaps *tmp = gst_e2ee_caps_strip_layout (plain);
      gst_caps_unref (plain);
      plain = tmp;
    }
    res = gst_caps_merge (res, plain);
  } else {
    /* No `e2ee-layout=rtp` here: an RTP payloader upstream takes fields from what
     * downstream offers, and its plaintext packets would then claim to be
     * encrypted. e2eeenc asks with its own caps as the filter, which keep the
     * field. */
    res = gst_e2ee_caps_to_sframe (caps);
    if (layout != GST_E2EE_LAYOUT_FRAME)
      res = gst_caps_merge (res, gst_e2ee_caps_add_layout (caps));
    res = gst_caps_merge (res, gst_caps_ref (caps));
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
configure_caps (GstBaseTransform * trans, GstCaps * incaps)
{
  GstE2eeDec *self = GST_E2EE_DEC (trans);
  gboolean allow_plaintext, sframe;
  GstE2eeLayout layout;

  GST_OBJECT_LOCK (self);
  allow_plaintext = self->allow_plaintext;
  layout = self->layout;
  GST_OBJECT_UNLOCK (self);

  sframe = gst_e2ee_caps_is_sframe (incaps);
  self->codec = GST_E2EE_LAYOUT_CODEC_NONE;
  self->rtp = FALSE;
  if (layout == GST_E2EE_LAYOUT_RTP || (layout == GST_E2EE_LAYOUT_AUTO &&
          gst_e2ee_caps_has_rtp_layout (incaps))) {
    if (!gst_e2ee_caps_is_rtp (incaps)) {
      GST_ELEMENT_ERROR (self, STREAM, FORMAT, ("layout=rtp needs RTP packets"),
          ("caps %" GST_PTR_FORMAT " are not application/x-rtp", incaps));
      return FALSE;
    }
    GST_INFO_OBJECT (self, "per-packet mode for %" GST_PTR_FORMAT, incaps);
    self->rtp = TRUE;
    self->plaintext = FALSE;
    gst_base_transform_set_passthrough (trans, FALSE);
    return TRUE;
  }
  if (sframe && layout == GST_E2EE_LAYOUT_CODEC) {
    GST_ELEMENT_ERROR (self, STREAM, FORMAT, ("layout=codec cannot decrypt whole-frame "
            "SFrame"), ("caps %" GST_PTR_FORMAT " are whole-frame SFrame; use "
            "layout=auto or layout=frame", incaps));
    return FALSE;
  }
  if (!sframe && (layout == GST_E2EE_LAYOUT_CODEC ||
          (layout == GST_E2EE_LAYOUT_AUTO && gst_e2ee_caps_has_layout (incaps)))) {
    self->codec = gst_e2ee_layout_codec_from_caps (incaps);
    if (self->codec == GST_E2EE_LAYOUT_CODEC_NONE) {
      GST_ELEMENT_ERROR (self, STREAM, FORMAT, ("The codec layout does not support "
              "this stream"), ("caps %" GST_PTR_FORMAT " have no codec layout: it "
              "supports VP8, VP9, Opus, and H.264/H.265 in stream-format=byte-stream "
              "with alignment=au", incaps));
      return FALSE;
    }
    GST_INFO_OBJECT (self, "codec layout for %" GST_PTR_FORMAT, incaps);
    self->plaintext = FALSE;
    gst_base_transform_set_passthrough (trans, FALSE);
    return TRUE;
  }

  self->plaintext = !sframe;
  if (self->plaintext && !allow_plaintext) {
    GST_ELEMENT_ERROR (self, STREAM, DECRYPT, ("Refusing unencrypted input"),
        ("caps %" GST_PTR_FORMAT " are not SFrame; set allow-plaintext=true to pass "
            "them (they will carry no E2EE metadata)%s", incaps,
            gst_e2ee_caps_is_rtp (incaps) ? ", or layout=rtp for RTP packets e2eeenc "
            "encrypted per packet" : ""));
    return FALSE;
  }
  if (self->plaintext)
    GST_WARNING_OBJECT (self, "input is not end-to-end encrypted: passing it through");
  gst_base_transform_set_passthrough (trans, self->plaintext);
  return TRUE;
}

static void
discard_pending_caps (GstE2eeDec * self, const gchar * why)
{
  if (self->pending_caps == NULL)
    return;
  GST_INFO_OBJECT (self, "caps change %" GST_PTR_FORMAT " discarded: %s",
      self->pending_caps, why);
  gst_clear_event (&self->pending_caps);
}

static gboolean
gst_e2ee_dec_set_caps (GstBaseTransform * trans, GstCaps * incaps, GstCaps * outcaps)
{
  GstE2eeDec *self = GST_E2EE_DEC (trans);

  if (!configure_caps (trans, incaps))
    return FALSE;
  gst_caps_replace (&self->applied_caps, incaps);
  /* Applied now, waiting or not (a reconfiguration renegotiates with them). */
  gst_clear_event (&self->pending_caps);
  return TRUE;
}

/* In the codec layout the input caps come partly from bytes of the frame that are
 * not authenticated yet (a depayloader reads VP8's key frame size from the clear
 * part): a change of them waits for the frame it came with, see
 * settle_pending_caps(). A change of codec or layout cannot wait, since it changes
 * how that frame is decrypted. Takes the event when it returns TRUE. */
static gboolean
defer_caps (GstE2eeDec * self, GstEvent * event)
{
  GstCaps *caps;

  if (self->applied_caps == NULL || self->plaintext || self->rtp ||
      self->codec == GST_E2EE_LAYOUT_CODEC_NONE)
    return FALSE;
  gst_event_parse_caps (event, &caps);
  if (gst_caps_is_equal (caps, self->applied_caps)) {
    discard_pending_caps (self, "the caps came back to what downstream has");
    gst_event_unref (event);
    return TRUE;
  }
  if (gst_e2ee_layout_codec_from_caps (caps) != self->codec ||
      gst_e2ee_caps_has_layout (caps) != gst_e2ee_caps_has_layout (self->applied_caps))
    return FALSE;
  GST_DEBUG_OBJECT (self, "caps change %" GST_PTR_FORMAT " waits for its frame", caps);
  gst_clear_event (&self->pending_caps);
  self->pending_caps = event;
  return TRUE;
}

/* The frame after a waiting caps change decided its fate: sent on, the change goes
 * downstream first; dropped or held, the change goes with it. H.26x pieces kept for
 * the rest of their frame decide nothing yet. */
static GstFlowReturn
settle_pending_caps (GstE2eeDec * self, GstFlowReturn ret)
{
  GstEvent *event;

  if (ret == GST_BASE_TRANSFORM_FLOW_DROPPED && self->join.pieces == NULL) {
    discard_pending_caps (self, "the frame that came with it was not passed on");
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

/* ---- Drops and messages -------------------------------------------------- */

/* Counts a drop and, rate-limited per reason, tells the application. */
static void
report_drop (GstE2eeDec * self, DropReason reason, gboolean have_header,
    guint64 kid, guint64 ctr, const gchar * detail)
{
  GstMessage *msg = NULL;
  gint64 now = g_get_monotonic_time ();
  gboolean post;
  GstClockTime interval;
  guint64 count = 0, total = 0;

  GST_OBJECT_LOCK (self);
  post = self->post_drop_messages;
  interval = self->drop_message_interval;
  GST_OBJECT_UNLOCK (self);

  /* A replayed frame is not a lost one: the original already went through; nor is a
   * payloader's stand-alone parameter sets, which the key frame carries again. */
  if (reason != DROP_REPLAY_DUPLICATE && reason != DROP_REPLAY_TOO_OLD &&
      reason != DROP_CLEAR_ONLY)
    self->gap = TRUE;

  g_mutex_lock (&self->stats_lock);
  self->drops[reason]++;
  self->drops_pending[reason]++;
  if (have_header) {
    /* Only KIDs that already decrypted a frame have an entry: a dropped frame's KID
     * comes from the network, unauthenticated, and counts in the totals only. */
    GstE2eeKidStats *st = g_hash_table_lookup (self->stats, &kid);

    if (st == NULL)
      ;
    else if (reason == DROP_UNKNOWN_KID)
      st->dropped_unknown_kid++;
    else if (reason == DROP_AUTHENTICATION)
      st->dropped_authentication++;
    else if (reason == DROP_TRUNCATED)
      st->dropped_truncated++;
    else if (reason == DROP_REPLAY_DUPLICATE || reason == DROP_REPLAY_TOO_OLD)
      st->dropped_replay++;
  }
  if (post && (self->last_drop_message[reason] == 0 ||
          now - self->last_drop_message[reason] >= (gint64) (interval / GST_USECOND))) {
    GstStructure *s = gst_structure_new ("e2eedec-drop",
        "reason", G_TYPE_STRING, drop_reason_names[reason],
        "count", G_TYPE_UINT64, self->drops_pending[reason],
        "total", G_TYPE_UINT64, self->drops[reason],
        "detail", G_TYPE_STRING, detail, NULL);
    if (have_header)
      gst_structure_set (s, "kid", G_TYPE_UINT64, kid, "ctr", G_TYPE_UINT64, ctr, NULL);
    msg = gst_message_new_element (GST_OBJECT (self), s);
    count = self->drops_pending[reason];
    total = self->drops[reason];
    self->drops_pending[reason] = 0;
    self->last_drop_message[reason] = now;
  }
  g_mutex_unlock (&self->stats_lock);

  if (reason == DROP_CLEAR_ONLY)
    GST_DEBUG_OBJECT (self, "dropped frame (%s): %s", drop_reason_names[reason], detail);
  else
    GST_WARNING_OBJECT (self, "dropped frame (%s): %s", drop_reason_names[reason],
        detail);
  if (msg)
    gst_element_post_message (GST_ELEMENT (self), msg);
  /* What applications watch for a key that never came (as other decryptors post
   * it); a warning, since frames of other KIDs still decrypt. Rate-limited with the
   * drop message. */
  if (msg && reason == DROP_UNKNOWN_KID)
    GST_ELEMENT_WARNING_WITH_DETAILS (self, STREAM, DECRYPT_NOKEY, ("No key for KID %"
            G_GUINT64_FORMAT ": %" G_GUINT64_FORMAT " frame(s) dropped", kid, count),
        ("%s", detail), ("kid", G_TYPE_UINT64, kid, "count", G_TYPE_UINT64, count,
            "total", G_TYPE_UINT64, total, NULL));
}

static void
post_unknown_kid (GstE2eeDec * self, guint64 kid, const gchar * action, guint64 count)
{
  gst_e2ee_post_message (GST_ELEMENT (self), gst_structure_new ("e2ee-unknown-kid",
          "kid", G_TYPE_UINT64, kid, "action", G_TYPE_STRING, action,
          "count", G_TYPE_UINT64, count, NULL));
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
  gint cookie = g_atomic_int_get (&self->settings_cookie);

  if (G_LIKELY (cookie == self->cfg.cookie && self->cfg.store))
    return;
  /* Read before copying: a change meanwhile moves the cookie again, so the next
   * frame copies again. get_store() makes a store if there is none yet. */
  store = get_store (self);
  GST_OBJECT_LOCK (self);
  self->cfg.rtp_fields = self->rtp_fields;
  self->cfg.ratchet_bits = self->ratchet_bits;
  self->cfg.ratchet_window = self->ratchet_window;
  self->cfg.replay_window_size = self->replay_window_size;
  self->cfg.grace_period = self->grace_period;
  self->cfg.hold_time = self->hold_time;
  GST_OBJECT_UNLOCK (self);
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
  report_drop (self, reason, FALSE, 0, 0, error->message);
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
decrypt_packet (GstE2eeSFrameKey * key, GstE2eeRtpFields fields, guint8 * data,
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
    report_drop (self, replay == GST_E2EE_REPLAY_STATUS_DUPLICATE ?
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
    report_drop (self, reason, TRUE, kid, ctr, error->message);
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
    forget_kid_if_keyless (self, store, kid);

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
  report_drop (self, DROP_UNKNOWN_KID, TRUE, f->kid, ctr, detail);
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
      post_unknown_kid (self, *(guint64 *) kid, "timed-out", *(guint64 *) count);
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
    post_unknown_kid (self, kid, "held", 1);
}

static gboolean
kid_has_key (guint64 kid, gpointer data)
{
  GstE2eeDec *self = data;
  GstE2eeKeyStore *store = get_store (self);
  GstE2eeSFrameKey *key;
  guint bits, window;

  GST_OBJECT_LOCK (self);
  bits = self->ratchet_bits;
  window = self->ratchet_window;
  GST_OBJECT_UNLOCK (self);
  key = gst_e2ee_key_store_lookup_ratchet (store, kid, bits, window, NULL);
  g_object_unref (store);
  if (key)
    gst_e2ee_sframe_key_unref (key);
  return key != NULL;
}

/* Decrypts, in order, what can be: into `ready`; then drops what waited too long.
 * In that order because a key that came since the previous frame came in time for
 * every frame still held, however late the frame that runs this arrives. */
static void
service_hold (GstE2eeDec * self, GstClockTime now_pts)
{
  GstE2eeHeldFrame *f;
  GstClockTime hold_time;
  guint64 recovered_kid = 0, recovered = 0;

  GST_OBJECT_LOCK (self);
  hold_time = self->hold_time;
  GST_OBJECT_UNLOCK (self);

  if (!g_atomic_int_compare_and_exchange (&self->keys_changed, 1, 0))
    goto expire;
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
        post_unknown_kid (self, recovered_kid, "recovered", recovered);
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
    post_unknown_kid (self, recovered_kid, "recovered", recovered);

expire:
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
  report_drop (self, (DropReason) self->join.reason, TRUE, self->join.kid,
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
    report_drop (self, DROP_UNKNOWN_KID, TRUE, kid, ctr, detail);
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

  /* Recording-free sessions: checked before each frame leaves, so that a branch
   * linked while PLAYING gets none. */
  if ((trans->queued_buf || !g_queue_is_empty (&self->ready)) &&
      !gst_e2ee_recording_check (GST_ELEMENT (self), self->policy))
    return GST_FLOW_ERROR;
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
  switch (GST_EVENT_TYPE (event)) {
    case GST_EVENT_CAPS:
      if (defer_caps (self, event))
        return TRUE;
      break;
    case GST_EVENT_STREAM_START:
      discard_pending_caps (self, "a new stream started");
      break;
    case GST_EVENT_EOS:
      flush_hold (self, TRUE);
      discard_pending_caps (self, "no frame came with it before the end");
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
    GstE2eeKeyStore *store = get_store (self);
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
    set_store_locked (self, store);
    self->store_shared = TRUE;
    GST_OBJECT_UNLOCK (self);
    install_prop_key (self);
  }
  gst_e2ee_policy_binding_set_context (self->policy, context);
  GST_ELEMENT_CLASS (parent_class)->set_context (element, context);
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
       * signal handlers set_store_locked() connects. */
      gst_e2ee_key_store_ensure (element, &self->store);
      GST_OBJECT_LOCK (self);
      if (self->store && !g_signal_handler_is_connected (self->store,
              self->store_handlers[STORE_KEY_ADDED])) {
        GstE2eeKeyStore *made = self->store;

        self->store = NULL;
        set_store_locked (self, made);
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
    install_prop_key (self);
  }
  return GST_ELEMENT_CLASS (parent_class)->change_state (element, transition);
}

/* ---- Properties ------------------------------------------------------------ */

static GstStructure *
gst_e2ee_dec_get_stats (GstE2eeDec * self)
{
  GstStructure *s;
  GValue kids = G_VALUE_INIT;
  guint64 dropped = 0;
  guint i, n_keys;

  GST_OBJECT_LOCK (self);
  n_keys = self->store ? gst_e2ee_key_store_get_n_keys (self->store) : 0;
  GST_OBJECT_UNLOCK (self);
  g_mutex_lock (&self->stats_lock);
  for (i = 0; i < N_DROP_REASONS; i++)
    dropped += self->drops[i];
  s = gst_structure_new ("e2eedec-stats",
      "frames", G_TYPE_UINT64, self->frames,
      "bytes", G_TYPE_UINT64, self->bytes,
      "dropped", G_TYPE_UINT64, dropped,
      "dropped-unknown-kid", G_TYPE_UINT64, self->drops[DROP_UNKNOWN_KID],
      "dropped-authentication", G_TYPE_UINT64, self->drops[DROP_AUTHENTICATION],
      "dropped-truncated", G_TYPE_UINT64, self->drops[DROP_TRUNCATED],
      "dropped-malformed-header", G_TYPE_UINT64, self->drops[DROP_MALFORMED_HEADER],
      "dropped-replay-duplicate", G_TYPE_UINT64, self->drops[DROP_REPLAY_DUPLICATE],
      "dropped-replay-too-old", G_TYPE_UINT64, self->drops[DROP_REPLAY_TOO_OLD],
      "dropped-clear-only", G_TYPE_UINT64, self->drops[DROP_CLEAR_ONLY],
      "held", G_TYPE_UINT64, self->held,
      "recovered", G_TYPE_UINT64, self->recovered,
      "joined", G_TYPE_UINT64, self->joined,
      "nal-units-removed", G_TYPE_UINT64, self->nal_units_removed,
      "keys", G_TYPE_UINT, n_keys, NULL);
  gst_e2ee_kid_stats_to_array (self->stats, TRUE, &kids);
  g_mutex_unlock (&self->stats_lock);
  gst_structure_take_value (s, "kids", &kids);
  gst_e2ee_policy_binding_add_stats (self->policy, s);
  return s;
}

/* Gives every KID's replay window @size, keeping what it knows: a counter it saw, or
 * is too old to tell, counts as seen in the new window. Emptied instead, the windows
 * would let every frame recorded under a current key in again. */
static void
resize_windows (GstE2eeDec * self, guint size)
{
  GHashTableIter iter;
  gpointer value;

  g_mutex_lock (&self->stats_lock);
  g_hash_table_iter_init (&iter, self->windows);
  while (g_hash_table_iter_next (&iter, NULL, &value)) {
    const GstE2eeReplayWindow *old = value;
    GstE2eeReplayWindow *w = gst_e2ee_replay_window_new (size);
    guint64 highest, ctr;

    if (gst_e2ee_replay_window_get_highest (old, &highest)) {
      gst_e2ee_replay_window_commit (w, highest);
      for (ctr = highest - MIN (highest, (guint64) size - 1); ctr < highest; ctr++)
        if (gst_e2ee_replay_window_check (old, ctr) != GST_E2EE_REPLAY_STATUS_OK)
          gst_e2ee_replay_window_commit (w, ctr);
    }
    g_hash_table_iter_replace (&iter, w);
  }
  self->last_window = NULL;
  g_mutex_unlock (&self->stats_lock);
}

static void
gst_e2ee_dec_set_property (GObject * object, guint prop_id, const GValue * value,
    GParamSpec * pspec)
{
  GstE2eeDec *self = GST_E2EE_DEC (object);
  GBytes *old_key = NULL;
  gboolean moved = FALSE, refused = FALSE;
  gsize key_size = 0;

  GST_OBJECT_LOCK (self);
  switch (prop_id) {
    case PROP_CIPHER_SUITE:
      moved = self->suite != (GstE2eeCipherSuite) g_value_get_enum (value);
      self->suite = g_value_get_enum (value);
      break;
    case PROP_KEY_ID:
      moved = self->prop_kid != g_value_get_uint64 (value);
      self->prop_kid = g_value_get_uint64 (value);
      break;
    case PROP_KEY:{
      GBytes *key = gst_e2ee_secret_from_buffer (g_value_get_boxed (value));

      key_size = key ? g_bytes_get_size (key) : 0;
      if (key && key_size < GST_E2EE_MIN_BASE_KEY_SIZE) {
        /* Refused whole: the key in use (if any) stays. start() fails on it, or while
         * running a warning says so, as e2eeenc does. */
        g_bytes_unref (key);
        refused = self->started;
        self->key_refused = !self->started;
        self->refused_key_size = key_size;
        break;
      }
      if (key && self->prop_key && prop_key_in_place_locked (self) &&
          g_bytes_get_size (key) == g_bytes_get_size (self->prop_key) &&
          CRYPTO_memcmp (g_bytes_get_data (key, NULL), g_bytes_get_data (self->prop_key,
                  NULL), key_size) == 0) {
        /* The key in use, given again (re-sent by key management): reinstalled, it
         * would start with an empty replay window. */
        old_key = key;
        break;
      }
      old_key = g_steal_pointer (&self->prop_key);
      self->prop_key = key;
      self->prop_key_spent = FALSE;
      self->key_refused = FALSE;
      if (self->store == NULL)
        set_store_locked (self, gst_e2ee_key_store_new ());
      self->prop_key_dirty = TRUE;
      break;
    }
    case PROP_POST_DROP_MESSAGES:
      self->post_drop_messages = g_value_get_boolean (value);
      break;
    case PROP_DROP_MESSAGE_INTERVAL:
      self->drop_message_interval = g_value_get_uint64 (value);
      break;
    case PROP_ALLOW_PLAINTEXT:
      self->allow_plaintext = g_value_get_boolean (value);
      break;
    case PROP_KEY_STORE:{
      GstE2eeKeyStore *store = g_value_dup_object (value);
      self->store_from_property = store != NULL;
      self->store_shared = FALSE;
      set_store_locked (self, store);
      break;
    }
    case PROP_RATCHET_BITS:
      self->ratchet_bits = g_value_get_uint (value);
      break;
    case PROP_RATCHET_WINDOW:
      self->ratchet_window = g_value_get_uint (value);
      break;
    case PROP_KEY_GRACE_PERIOD:
      self->grace_period = g_value_get_uint64 (value);
      break;
    case PROP_UNKNOWN_KID_HOLD:
      self->hold_time = g_value_get_uint64 (value);
      break;
    case PROP_UNKNOWN_KID_HOLD_FRAMES:
      self->hold_max_frames = g_value_get_uint (value);
      break;
    case PROP_UNKNOWN_KID_HOLD_BYTES:
      self->hold_max_bytes = g_value_get_uint64 (value);
      break;
    case PROP_LAYOUT:
      self->layout = g_value_get_enum (value);
      break;
    case PROP_RTP_METADATA:
      self->rtp_fields = g_value_get_flags (value);
      break;
    case PROP_REPLAY_WINDOW:
      self->replay_window_size = g_value_get_uint (value);
      /* 0 leaves them unused, to be resized when it is turned on again. */
      if (self->replay_window_size > 0)
        resize_windows (self, self->replay_window_size);
      break;
    default:
      if (!gst_e2ee_policy_binding_set_property (self->policy, prop_id - PROP_POLICY,
              value))
        G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
      break;
  }
  if (moved && (self->prop_key_spent || prop_key_used_locked (self))) {
    /* Moved, the key would start with an empty replay window under the new KID or
     * suite, and come back so under its old ones when they are written again. It stays
     * where it is; back there, nothing is to be said. */
    moved = !prop_key_in_place_locked (self);
  } else if (moved) {
    self->prop_key_dirty = TRUE;
    moved = FALSE;
  }
  g_atomic_int_inc (&self->settings_cookie);
  GST_OBJECT_UNLOCK (self);
  if (old_key)
    g_bytes_unref (old_key);
  if (moved)
    GST_ELEMENT_WARNING (self, RESOURCE, SETTINGS, ("The 'key' property's key does not "
            "follow a new %s once it decrypted frames or was superseded: set 'key' "
            "again", pspec->name), ("the key stays in use under its KID and suite as "
            "long as the key store keeps it"));
  if (refused)
    GST_ELEMENT_WARNING (self, RESOURCE, SETTINGS, ("Cannot change the key: the base "
            "key has %" G_GSIZE_FORMAT " bytes; at least %d are needed (32 random bytes "
            "recommended)", key_size, GST_E2EE_MIN_BASE_KEY_SIZE), (NULL));
  install_prop_key (self);
}

static void
gst_e2ee_dec_get_property (GObject * object, guint prop_id, GValue * value,
    GParamSpec * pspec)
{
  GstE2eeDec *self = GST_E2EE_DEC (object);

  if (prop_id == PROP_STATS) {
    g_value_take_boxed (value, gst_e2ee_dec_get_stats (self));
    return;
  }

  GST_OBJECT_LOCK (self);
  switch (prop_id) {
    case PROP_CIPHER_SUITE:
      g_value_set_enum (value, self->suite);
      break;
    case PROP_KEY_ID:
      g_value_set_uint64 (value, self->prop_kid);
      break;
    case PROP_POST_DROP_MESSAGES:
      g_value_set_boolean (value, self->post_drop_messages);
      break;
    case PROP_DROP_MESSAGE_INTERVAL:
      g_value_set_uint64 (value, self->drop_message_interval);
      break;
    case PROP_ALLOW_PLAINTEXT:
      g_value_set_boolean (value, self->allow_plaintext);
      break;
    case PROP_KEY_STORE:
      g_value_set_object (value, self->store);
      break;
    case PROP_RATCHET_BITS:
      g_value_set_uint (value, self->ratchet_bits);
      break;
    case PROP_RATCHET_WINDOW:
      g_value_set_uint (value, self->ratchet_window);
      break;
    case PROP_KEY_GRACE_PERIOD:
      g_value_set_uint64 (value, self->grace_period);
      break;
    case PROP_UNKNOWN_KID_HOLD:
      g_value_set_uint64 (value, self->hold_time);
      break;
    case PROP_UNKNOWN_KID_HOLD_FRAMES:
      g_value_set_uint (value, self->hold_max_frames);
      break;
    case PROP_UNKNOWN_KID_HOLD_BYTES:
      g_value_set_uint64 (value, self->hold_max_bytes);
      break;
    case PROP_REPLAY_WINDOW:
      g_value_set_uint (value, self->replay_window_size);
      break;
    case PROP_LAYOUT:
      g_value_set_enum (value, self->layout);
      break;
    case PROP_RTP_METADATA:
      g_value_set_flags (value, self->rtp_fields);
      break;
    default:
      if (!gst_e2ee_policy_binding_get_property (self->policy, prop_id - PROP_POLICY,
              value))
        G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
      break;
  }
  GST_OBJECT_UNLOCK (self);
}

static void
gst_e2ee_dec_dispose (GObject * object)
{
  GstE2eeDec *self = GST_E2EE_DEC (object);

  GST_OBJECT_LOCK (self);
  set_store_locked (self, NULL);
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

  /**
   * GstE2eeDec:cipher-suite:
   *
   * The SFrame cipher suite the senders use. Keys are derived for it when they are
   * added, so set it before adding keys; changing it re-derives only the `key`
   * property's key, and that only until the key has decrypted a frame or was
   * superseded (see #GstE2eeDec:key): after that a change posts a warning and applies
   * to the next `key`.
   *
   * Since: 0.1
   */
  g_object_class_install_property (gobject_class, PROP_CIPHER_SUITE,
      g_param_spec_enum ("cipher-suite", "Cipher suite",
          "SFrame cipher suite (RFC 9605 section 8.1) the senders use; set it before "
          "adding keys", GST_TYPE_E2EE_CIPHER_SUITE, DEFAULT_CIPHER_SUITE,
          G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS | GST_PARAM_MUTABLE_PLAYING));

  /**
   * GstE2eeDec:key-id:
   *
   * The key ID (KID) of the #GstE2eeDec:key property's key: the single-sender case on
   * a gst-launch line. Use the #GstE2eeDec::add-key signal for more senders. Changing
   * it moves the key to the new KID until the key has decrypted a frame or was
   * superseded (see #GstE2eeDec:key); after that a change posts a warning and applies
   * to the next `key`.
   *
   * Since: 0.1
   */
  g_object_class_install_property (gobject_class, PROP_KEY_ID,
      g_param_spec_uint64 ("key-id", "Key ID",
          "Key ID (KID) of the 'key' property's key (single sender; use the add-key "
          "signal for more)", 0, G_MAXUINT64, DEFAULT_KEY_ID,
          G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS | GST_PARAM_MUTABLE_PLAYING));

  /**
   * GstE2eeDec:key:
   *
   * The sender's SFrame base key, as hex on a gst-launch line, for frames with the
   * #GstE2eeDec:key-id KID. Write-only: never readable, wiped when replaced or when
   * the element is freed.
   *
   * At least 16 bytes (32 random bytes recommended): a shorter key is refused with an
   * error (%GST_RESOURCE_ERROR_SETTINGS) when the element starts, or while it runs
   * with a warning, keeping the key in use.
   *
   * Forward secrecy: once the key is superseded in the key store (the sender's ratchet
   * moved on, #GstE2eeDec::retire-key, #GstE2eeDec::remove-key, another key for its
   * KID, its grace period over), the element wipes its copy too, and nothing brings
   * the key back: not a write of #GstE2eeDec:key-id or #GstE2eeDec:cipher-suite (even
   * of the same value), a restart, or another key store. Once it has decrypted a
   * frame, it is not moved to another KID, suite or store either (it would start
   * there with an empty replay window), and the same key written again changes
   * nothing. A new `key` is needed; do not give a superseded one again, which would
   * bring its recorded frames back.
   *
   * Since: 0.1
   */
  g_object_class_install_property (gobject_class, PROP_KEY,
      g_param_spec_boxed ("key", "Base key",
          "SFrame base key for key-id (hex on a gst-launch line); write-only",
          GST_TYPE_BUFFER,
          G_PARAM_WRITABLE | G_PARAM_STATIC_STRINGS | GST_PARAM_MUTABLE_PLAYING));

  /**
   * GstE2eeDec:stats:
   *
   * Counters, as a #GstStructure named `e2eedec-stats`:
   *
   * * `frames`, `bytes` (#guint64): frames decrypted and their plaintext bytes.
   * * `dropped` (#guint64): frames dropped for any reason.
   * * `dropped-unknown-kid`, `dropped-authentication`, `dropped-truncated`,
   *   `dropped-malformed-header`, `dropped-replay-duplicate`,
   *   `dropped-replay-too-old`, `dropped-clear-only` (#guint64): drops by reason.
   * * `held` (#guint64): frames held waiting for their key; `recovered` (#guint64):
   *   held frames decrypted once it came.
   * * `joined` (#guint64): H.264/H.265 frames that arrived in pieces (one buffer per
   *   slice after `rtph264pay config-interval=-1`) and decrypted once joined.
   * * `nal-units-removed` (#guint64): H.264/H.265 NAL units received but not passed on
   *   because nothing authenticates them: access unit delimiters, end of
   *   sequence/stream NAL units, further copies of parameter sets, whether the sender,
   *   the payloaders or an attacker put them there (docs/layout.md).
   * * `keys` (#guint): keys in the key store (shared with the pipeline's other
   *   e2eeenc/e2eedec elements).
   * * `kids` (#GstValueArray of #GstStructure `kid-stats`): per KID that decrypted a
   *   frame and still has its key in the store, `kid`, `frames`, `bytes`,
   *   `dropped-authentication`, `dropped-truncated`, `dropped-unknown-kid` and
   *   `dropped-replay`. An entry goes with its key; drops of KIDs without an entry
   *   count in the totals only.
   *
   * Since: 0.1
   */
  g_object_class_install_property (gobject_class, PROP_STATS,
      g_param_spec_boxed ("stats", "Statistics",
          "Frames decrypted and dropped (by reason), in total and per key ID",
          GST_TYPE_STRUCTURE, G_PARAM_READABLE | G_PARAM_STATIC_STRINGS));

  /**
   * GstE2eeDec:post-drop-messages:
   *
   * Post an `e2eedec-drop` element message when frames are dropped (see the
   * element's description for its fields), at most once per
   * #GstE2eeDec:drop-message-interval for each reason.
   *
   * Messages about frames with a KID that has no key are bounded too, since KIDs come
   * from the network: per #GstE2eeDec:drop-message-interval the element posts at most
   * 8 `e2ee-unknown-kid` messages with action `held` and at most 8 with action
   * `timed-out`. The latter are posted (when this property is %TRUE) at most once per
   * interval, and at EOS: one per KID, summing its frames in `count`, for up to 7 KIDs;
   * the frames of any further KIDs are summed in one more message without `kid`.
   * Element message `e2ee-unknown-kid`:
   *
   * * #guint64 `kid`: the key ID; absent in the message summing further KIDs.
   * * #gchararray `action`: `held`, `recovered` or `timed-out`.
   * * #guint64 `count`: frames held (1), recovered or dropped.
   *
   * With each `e2eedec-drop` message of reason `unknown-kid` the element also posts a
   * warning with %GST_STREAM_ERROR_DECRYPT_NOKEY, whose details hold `kid`, `count`
   * and `total` (#guint64) as the drop message does. The `stats` counters count every
   * frame whatever was posted.
   *
   * Since: 0.1
   */
  g_object_class_install_property (gobject_class, PROP_POST_DROP_MESSAGES,
      g_param_spec_boolean ("post-drop-messages", "Post drop messages",
          "Post an 'e2eedec-drop' element message (reason, kid, ctr, count, total, "
          "detail) when frames are dropped", DEFAULT_POST_DROP_MESSAGES,
          G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS | GST_PARAM_MUTABLE_PLAYING));

  /**
   * GstE2eeDec:drop-message-interval:
   *
   * The shortest time between two `e2eedec-drop` messages for the same reason, in
   * nanoseconds; drops in between are summed into the next message's `count`.
   * 0 posts a message for every dropped frame. Also the period of the limits on
   * `e2ee-unknown-kid` messages and %GST_STREAM_ERROR_DECRYPT_NOKEY warnings (see
   * #GstE2eeDec:post-drop-messages); 0 lifts those limits too.
   *
   * Since: 0.1
   */
  g_object_class_install_property (gobject_class, PROP_DROP_MESSAGE_INTERVAL,
      g_param_spec_uint64 ("drop-message-interval", "Drop message interval",
          "Minimum time in ns between two e2eedec-drop messages for one reason "
          "(0 = every drop)", 0, G_MAXUINT64, DEFAULT_DROP_MESSAGE_INTERVAL,
          G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS | GST_PARAM_MUTABLE_PLAYING));

  /**
   * GstE2eeDec:allow-plaintext:
   *
   * Accept input that is not SFrame (for instance while a sender has turned E2EE
   * off with e2eeenc's `enabled`) and pass it through unchanged and without a
   * #GstE2eeMeta. When %FALSE (the default) such input is refused with an error.
   *
   * Since: 0.1
   */
  g_object_class_install_property (gobject_class, PROP_ALLOW_PLAINTEXT,
      g_param_spec_boolean ("allow-plaintext", "Allow plaintext",
          "Pass input that is not SFrame unchanged (without E2EE metadata) instead of "
          "refusing it", DEFAULT_ALLOW_PLAINTEXT,
          G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS | GST_PARAM_MUTABLE_READY));

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
   * GstE2eeDec:key-store:
   *
   * The #GstE2eeKeyStore the keys are in. By default the element shares the
   * pipeline's store through a #GstContext of type `gst.e2ee.keystore` (making one
   * and offering it when there is none); set this to give it a store of the
   * application's choosing instead.
   *
   * Since: 0.1
   */
  g_object_class_install_property (gobject_class, PROP_KEY_STORE,
      g_param_spec_object ("key-store", "Key store",
          "Key store to take keys from (default: the pipeline's, shared through a "
          "gst.e2ee.keystore context)", GST_E2EE_TYPE_KEY_STORE,
          G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS | GST_PARAM_MUTABLE_READY));

  /**
   * GstE2eeDec:ratchet-bits:
   *
   * R in RFC 9605 §5.1: a KID is `(generation << R) + step`, the low R bits being
   * the ratchet step. Must match the senders' e2eeenc `ratchet-bits`. 0 turns
   * following a sender's ratchet off.
   *
   * Since: 0.1
   */
  g_object_class_install_property (gobject_class, PROP_RATCHET_BITS,
      g_param_spec_uint ("ratchet-bits", "Ratchet bits",
          "Low bits of the KID that count ratchet steps (RFC 9605 section 5.1); as the "
          "senders' e2eeenc", 0, GST_E2EE_RATCHET_MAX_BITS, DEFAULT_RATCHET_BITS,
          G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS | GST_PARAM_MUTABLE_PLAYING));

  /**
   * GstE2eeDec:ratchet-window:
   *
   * How many ratchet steps ahead of its current key a sender may be for the element
   * to derive the key itself. Bounds the work a forged header can cause.
   *
   * Since: 0.1
   */
  g_object_class_install_property (gobject_class, PROP_RATCHET_WINDOW,
      g_param_spec_uint ("ratchet-window", "Ratchet window",
          "Most ratchet steps a sender may be ahead for the key to be derived here",
          0, 1024, DEFAULT_RATCHET_WINDOW,
          G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS | GST_PARAM_MUTABLE_PLAYING));

  /**
   * GstE2eeDec:key-grace-period:
   *
   * How long a superseded key (a ratchet step passed, or one retired with
   * #GstE2eeDec::retire-key) stays usable so frames still in flight decrypt, in
   * nanoseconds. Then it is wiped: keys do not outlive their use (forward secrecy).
   *
   * Since: 0.1
   */
  g_object_class_install_property (gobject_class, PROP_KEY_GRACE_PERIOD,
      g_param_spec_uint64 ("key-grace-period", "Key grace period",
          "How long (ns) a superseded key still decrypts frames in flight before it is "
          "wiped", 0, G_MAXUINT64, DEFAULT_KEY_GRACE_PERIOD,
          G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS | GST_PARAM_MUTABLE_PLAYING));

  /**
   * GstE2eeDec:unknown-kid-hold:
   *
   * How long (ns, in stream time when frames are timestamped) frames whose KID has
   * no key yet are kept, to be decrypted in order if the key arrives: a late joiner,
   * or a key message racing the media. 0 drops them at once.
   *
   * Since: 0.1
   */
  g_object_class_install_property (gobject_class, PROP_UNKNOWN_KID_HOLD,
      g_param_spec_uint64 ("unknown-kid-hold", "Unknown KID hold",
          "How long (ns) to keep frames whose key has not arrived yet (0 = drop them)",
          0, G_MAXUINT64, DEFAULT_UNKNOWN_KID_HOLD,
          G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS | GST_PARAM_MUTABLE_PLAYING));

  /**
   * GstE2eeDec:unknown-kid-hold-frames:
   *
   * The most frames held for unknown KIDs; the oldest go first when more arrive.
   *
   * Since: 0.1
   */
  g_object_class_install_property (gobject_class, PROP_UNKNOWN_KID_HOLD_FRAMES,
      g_param_spec_uint ("unknown-kid-hold-frames", "Unknown KID hold frames",
          "Most frames held waiting for their key", 1, G_MAXUINT,
          DEFAULT_UNKNOWN_KID_HOLD_FRAMES,
          G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS | GST_PARAM_MUTABLE_PLAYING));

  /**
   * GstE2eeDec:unknown-kid-hold-bytes:
   *
   * The most bytes held for unknown KIDs; the oldest frames go first.
   *
   * Since: 0.1
   */
  g_object_class_install_property (gobject_class, PROP_UNKNOWN_KID_HOLD_BYTES,
      g_param_spec_uint64 ("unknown-kid-hold-bytes", "Unknown KID hold bytes",
          "Most bytes held waiting for their key", 0, G_MAXUINT64,
          DEFAULT_UNKNOWN_KID_HOLD_BYTES,
          G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS | GST_PARAM_MUTABLE_PLAYING));

  /**
   * GstE2eeDec:replay-window:
   *
   * The size of the per-KID replay window in frames: a counter seen before, or
   * older than the newest minus this, is dropped as `replay-duplicate` or
   * `replay-too-old`. 0 turns replay protection off. A change keeps what the windows
   * know: counters already received (or too old to tell) stay refused.
   *
   * Since: 0.1
   */
  g_object_class_install_property (gobject_class, PROP_REPLAY_WINDOW,
      g_param_spec_uint ("replay-window", "Replay window",
          "Frames per KID within which a repeated counter is detected (0 = off)",
          0, GST_E2EE_REPLAY_WINDOW_MAX_SIZE, DEFAULT_REPLAY_WINDOW,
          G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS | GST_PARAM_MUTABLE_READY));

  /**
   * GstE2eeDec:layout:
   *
   * Which layout the incoming frames use (docs/layout.md):
   *
   * * `auto`: whole-frame SFrame for `application/x-sframe` caps, the codec layout for
   *   caps with `e2ee-layout=codec` (what e2eeenc outputs in its codec layout),
   *   plaintext (see #GstE2eeDec:allow-plaintext) for other caps.
   * * `frame`: whole-frame SFrame only.
   * * `codec`: the codec layout for the codec the caps name (VP8, VP9, Opus, H.264 and
   *   H.265 in `stream-format=byte-stream`), with or without the `e2ee-layout` field.
   *   RTP depayloaders do not carry that field, so set this after one; other caps
   *   are refused with an error.
   * * `rtp` (Since: 0.1): the per-packet mode (docs/per-packet.md): every
   *   `application/x-rtp` packet's payload is an SFrame frame, checked together with
   *   the RTP header fields #GstE2eeDec:rtp-metadata selects and decrypted in place;
   *   the header, CSRCs, extensions and padding pass unchanged. `auto` picks it for
   *   caps with `e2ee-layout=rtp` (what e2eeenc outputs); set it for caps without
   *   that field, such as udpsrc's or rtpbin's. Other caps are refused with an error.
   *
   * In the codec layout and per packet the output caps are the input caps without
   * `e2ee-layout`.
   *
   * Since: 0.1
   */
  g_object_class_install_property (gobject_class, PROP_LAYOUT,
      g_param_spec_enum ("layout", "Layout",
          "Layout of the incoming frames: auto (from the caps), frame (whole-frame "
          "SFrame), codec (codec layout; set it after an RTP depayloader) or rtp "
          "(each RTP packet's payload; set it for RTP caps without e2ee-layout=rtp)",
          GST_TYPE_E2EE_LAYOUT, DEFAULT_LAYOUT,
          G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS | GST_PARAM_MUTABLE_READY));

  /**
   * GstE2eeDec:rtp-metadata:
   *
   * In the per-packet mode, which RTP fixed header fields each packet's tag covers:
   * as the sender's e2eeenc #GstE2eeEnc:rtp-metadata, or every packet is dropped as
   * `authentication`. A packet whose covered fields changed on the way is dropped
   * the same way.
   *
   * Since: 0.1
   */
  g_object_class_install_property (gobject_class, PROP_RTP_METADATA,
      g_param_spec_flags ("rtp-metadata", "RTP metadata",
          "Per-packet mode: RTP fixed header fields authenticated with each payload "
          "(as the sender's e2eeenc)", GST_TYPE_E2EE_RTP_FIELDS, DEFAULT_RTP_METADATA,
          G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS | GST_PARAM_MUTABLE_READY));
  /* policy, policy-file, policy-group, policy-user: documented with the binding
   * (gst-libs/gst/e2ee/gste2eepolicybinding.c). */
  gst_e2ee_policy_binding_install_properties (gobject_class, PROP_POLICY);

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
  trans_class->generate_output = GST_DEBUG_FUNCPTR (gst_e2ee_dec_generate_output);
  trans_class->transform_caps = GST_DEBUG_FUNCPTR (gst_e2ee_dec_transform_caps);
  trans_class->set_caps = GST_DEBUG_FUNCPTR (gst_e2ee_dec_set_caps);
  trans_class->transform_ip = GST_DEBUG_FUNCPTR (gst_e2ee_dec_transform_ip);
  trans_class->passthrough_on_same_caps = FALSE;
  trans_class->transform_ip_on_passthrough = FALSE;

  gst_type_mark_as_plugin_api (GST_TYPE_E2EE_CIPHER_SUITE, 0);
  gst_type_mark_as_plugin_api (GST_TYPE_E2EE_RTP_FIELDS, 0);
  GST_DEBUG_CATEGORY_INIT (gst_e2ee_dec_debug, "e2eedec", 0, "SFrame decrypter");
}
