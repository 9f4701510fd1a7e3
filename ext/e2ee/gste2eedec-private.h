/* gst-e2ee: e2eedec, what its source files share
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * gste2eedec.c: the element (the per-frame path, holding frames, events, states);
 * gste2eedeccaps.c: caps, and caps changes that wait for their frame;
 * gste2eedeckeys.c: its keys (the `key` property, `add-key`, the key store's signals);
 * gste2eedecprops.c: properties, stats and the messages about dropped frames.
 */
#pragma once

#include "gste2eedec.h"
#include "gste2ee-plugin-enumtypes.h"
#include "gste2eebuffer.h"
#include "gste2eeelement.h"
#include "gste2eehold.h"
#include "gste2eejoin.h"
#include "gste2eertp.h"
#include "gste2eerecording.h"

#include <gst/e2ee/e2ee.h>
#include <gst/e2ee/gste2eepolicybinding.h>

G_BEGIN_DECLS

GST_DEBUG_CATEGORY_EXTERN (gst_e2ee_dec_debug);
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
#define DEFAULT_LAYOUT GST_E2EE_ELEMENT_LAYOUT_AUTO
#define DEFAULT_RTP_METADATA GST_E2EE_RTP_FIELDS_ALL
/* The most `e2ee-unknown-kid` messages of each action `held` and `timed-out` per
 * drop-message-interval: KIDs come from the network, unauthenticated, and frames
 * naming a new KID each must not flood the bus. */
#define UNKNOWN_KID_MESSAGES_MAX 8
/* Private to e2eedec: "no key for this KID", which the caller may hold. */
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
  gboolean prop_key_dirty;      /* to be (re)installed by gst_e2ee_dec_install_prop_key() */
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
  GstE2eeElementLayout layout;
  GstE2eeElementRtpFields rtp_fields;

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
  /* a release_held_async() is on its way (gste2eedec.c) */
  gint release_scheduled;
  /* Downstream was linked anew or the policy changed: the recording guard judges the
   * graph again before the next frame (gste2eerecording.c). */
  gint recording_dirty;
  /* Moved (under the object lock) by every change of the settings below and of the
   * store, so that the streaming thread takes the lock only when one happened. */
  gint settings_cookie;

  /* Streaming thread only: the object-locked settings a frame needs, as of
   * cfg.cookie. */
  struct
  {
    gint cookie;
    GstE2eeKeyStore *store;
    GstE2eeElementRtpFields rtp_fields;
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
   * gst_e2ee_dec_defer_caps()); applied_caps is what went downstream last. */
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

G_GNUC_INTERNAL
void gst_e2ee_dec_install_properties (GObjectClass * gobject_class);
G_GNUC_INTERNAL
void gst_e2ee_dec_forget_kid_if_keyless (GstE2eeDec * self, GstE2eeKeyStore * store, guint64 kid);
G_GNUC_INTERNAL
gboolean gst_e2ee_dec_prop_key_used_locked (GstE2eeDec * self);
G_GNUC_INTERNAL
gboolean gst_e2ee_dec_prop_key_in_place_locked (GstE2eeDec * self);
G_GNUC_INTERNAL
void gst_e2ee_dec_install_prop_key (GstE2eeDec * self);
G_GNUC_INTERNAL
void gst_e2ee_dec_set_store_locked (GstE2eeDec * self, GstE2eeKeyStore * store);
G_GNUC_INTERNAL
GstE2eeKeyStore * gst_e2ee_dec_get_store (GstE2eeDec * self);
G_GNUC_INTERNAL
gboolean gst_e2ee_dec_add_key (GstE2eeDec * self, guint64 kid, GstBuffer * base_key);
G_GNUC_INTERNAL
gboolean gst_e2ee_dec_remove_key (GstE2eeDec * self, guint64 kid);
G_GNUC_INTERNAL
gboolean gst_e2ee_dec_retire_key (GstE2eeDec * self, guint64 kid);
G_GNUC_INTERNAL
void gst_e2ee_dec_report_drop (GstE2eeDec * self, DropReason reason, gboolean have_header, guint64 kid, guint64 ctr, const gchar * detail);
G_GNUC_INTERNAL
void gst_e2ee_dec_post_unknown_kid (GstE2eeDec * self, guint64 kid, const gchar * action, guint64 count);
G_GNUC_INTERNAL
void gst_e2ee_dec_schedule_release (GstE2eeDec * self);
G_GNUC_INTERNAL
gboolean gst_e2ee_dec_mls_sender (GstE2eeDec * self, guint64 kid, guint * leaf, gchar ** identity);
G_GNUC_INTERNAL
gchar * gst_e2ee_dec_mls_name (GstE2eeDec * self, guint64 kid, GstStructure * s);
G_GNUC_INTERNAL
void gst_e2ee_dec_mls_name_kids (GstE2eeDec * self, GValue * kids);
G_GNUC_INTERNAL
void gst_e2ee_dec_set_property (GObject * object, guint prop_id, const GValue * value, GParamSpec * pspec);
G_GNUC_INTERNAL
void gst_e2ee_dec_get_property (GObject * object, guint prop_id, GValue * value, GParamSpec * pspec);

G_GNUC_INTERNAL
GstCaps * gst_e2ee_dec_transform_caps (GstBaseTransform * trans, GstPadDirection direction, GstCaps * caps, GstCaps * filter);
G_GNUC_INTERNAL
void gst_e2ee_dec_discard_pending_caps (GstE2eeDec * self, const gchar * why);
G_GNUC_INTERNAL
gboolean gst_e2ee_dec_set_caps (GstBaseTransform * trans, GstCaps * incaps, GstCaps * outcaps);
G_GNUC_INTERNAL
gboolean gst_e2ee_dec_defer_caps (GstE2eeDec * self, GstEvent * event);

G_END_DECLS
