/* gst-e2ee: e2eeenc, what its source files share
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * gste2eeenc.c: the element (caps, allocation, the per-frame path, states);
 * gste2eeenckeys.c: which key frames are encrypted with (the key store, rotation,
 * ratchet, generated keys, the pending change; the nonce rule is gste2eekeybinder.c);
 * gste2eeencprops.c: properties and stats.
 */
#pragma once

#include "gste2eeenc.h"
#include "gste2eebuffer.h"
#include "gste2eeelement.h"
#include "gste2eertp.h"
#include "gste2ee-plugin-enumtypes.h"

#include <gst/e2ee/e2ee.h>
#include <gst/e2ee/gste2eekeybinder-private.h>
#include <gst/e2ee/gste2eepolicybinding.h>
#include <gst/e2ee/gste2eesframe-private.h>

G_BEGIN_DECLS

GST_DEBUG_CATEGORY_EXTERN (gst_e2ee_enc_debug);
#define GST_CAT_DEFAULT gst_e2ee_enc_debug

#define DEFAULT_CIPHER_SUITE GST_E2EE_CIPHER_SUITE_AES_256_GCM_SHA512_128
#define DEFAULT_KEY_ID 0
#define DEFAULT_ENABLED TRUE
#define MIN_POOL_BUFFER_SIZE 2048
#define DEFAULT_RATCHET_BITS GST_E2EE_RATCHET_DEFAULT_BITS
#define DEFAULT_ROTATION_INTERVAL 0
#define DEFAULT_ROTATION_MODE GST_E2EE_ENC_ROTATION_MODE_RATCHET
#define DEFAULT_MAX_FRAMES_PER_KEY 0
#define DEFAULT_SOFT_FRAMES_PER_KEY 0
#define DEFAULT_KEYFRAME_ON_ROTATE TRUE
#define DEFAULT_LAYOUT GST_E2EE_ELEMENT_LAYOUT_AUTO
#define DEFAULT_RTP_METADATA GST_E2EE_RTP_FIELDS_ALL
/* At most one warning message per this many µs about frames the layout cannot read. */
#define MALFORMED_WARNING_INTERVAL G_USEC_PER_SEC
/* Size of generated base keys: what AES-256 needs, and no less than any suite's Nk. */
#define GENERATED_KEY_SIZE 32

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
  PROP_MLS_CONTEXT,
  PROP_POLICY,                  /* and the policy binding's other properties */
};

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
  /* The nonce rule: every key this element has used, by KID, so a KID never gets a
   * second key and a re-given key continues its counter instead of restarting at 0,
   * and the KIDs of made keys; and `key-id`, `key` and `cipher-suite` written while a
   * key is in use (between start() and stop()): one pending change, applied once it is
   * complete, never half done (gst_e2ee_enc_apply_pending_locked()). */
  GstE2eeKeyBinder *binder;
  gboolean retain_key;          /* the next key is given (kept for its KID), not made */
  gboolean started;
  GstE2eeKeyStore *store;
  gboolean store_from_property;
  gboolean key_from_store;
  guint ratchet_bits;
  GstClockTime rotation_interval;
  GstE2eeEncRotationMode rotation_mode;
  guint64 max_frames;
  guint64 soft_frames;
  gboolean keyframe_on_rotate;
  gboolean need_keyframe;       /* a key switch happened since the last frame */
  gboolean announced;           /* e2ee-key-activated posted for self->key */
  gboolean soft_signalled;
  gboolean hard_reported;
  GstE2eeElementLayout layout;
  GstE2eeElementRtpFields rtp_fields;
  GHashTable *stats;
  /* The current KID's entry; reset when gst_e2ee_enc_get_kid_stats_locked() evicts it. */
  GstE2eeKidStats *last_stats;
  /* The MLS binding of self->store, which then decides the KID (gste2eeencmls.c):
   * mls_kid is this stream's KID in the binding's epoch mls_epoch, G_MAXUINT64 while
   * it has none (removed, not active): frames are then dropped. */
  guint mls_context;
  GstE2eeMlsKeys *mls;
  gboolean mls_following;
  guint64 mls_kid;
  guint64 mls_epoch;
  guint64 dropped_no_key;
  GQueue stats_order;           /* the entries of stats, oldest first */
  guint64 frames;
  guint64 bytes;
  guint64 dropped_malformed;

  /* What this element last gave gst_base_transform_set_passthrough() (only it changes
   * it, passthrough_on_same_caps being off): read per frame without the lock
   * gst_base_transform_is_passthrough() takes. */
  gint passthrough;

  /* Swaps of the MLS binding and the store watched for a new one (signal handlers):
   * taken without the object lock and never while calling into the binding. */
  GMutex mls_lock;
  gulong mls_notify_id;
  GstE2eeKeyStore *mls_store;
  gulong mls_store_id;

  /* Streaming thread only. */
  gboolean no_key_warned;       /* the frames dropped without an MLS KID were reported */
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
    gboolean no_key;            /* no MLS KID: the frame is dropped */
    gboolean announce;
    gboolean hard_report;
    guint64 max_frames;
    guint64 soft_frames;
    GstE2eeElementRtpFields rtp_fields;
  } frame;
};

/* With the object lock: the key change being written (gst_e2ee_enc_apply_pending_locked()). */
static inline GstE2eePending *
pending_locked (GstE2eeEnc * self)
{
  return gst_e2ee_key_binder_get_pending (self->binder);
}

/* Messages a key change produces, gathered under the lock and posted after it. */
typedef struct
{
  gboolean switched;
  guint64 old_kid;
  gboolean had_old;
  /* The switch was to the MLS binding's KID: e2ee-mls-kid is posted. */
  gboolean mls;
  guint64 new_kid;
  guint64 mls_epoch;
} KeySwitch;

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

G_GNUC_INTERNAL
void gst_e2ee_enc_install_properties (GObjectClass * gobject_class);
G_GNUC_INTERNAL
void gst_e2ee_enc_store_keys_clear (StoreKeys * sk);
G_GNUC_INTERNAL
void gst_e2ee_enc_lock_with_store_keys (GstE2eeEnc * self, gboolean with_kid, guint64 kid, StoreKeys * sk);
G_GNUC_INTERNAL
gboolean gst_e2ee_enc_update_key_locked (GstE2eeEnc * self, const StoreKeys * sk, KeySwitch * sw, GError ** error);
G_GNUC_INTERNAL
void gst_e2ee_enc_post_key_switch (GstE2eeEnc * self, const KeySwitch * sw);
G_GNUC_INTERNAL
gboolean gst_e2ee_enc_apply_pending_locked (GstE2eeEnc * self, const StoreKeys * sk, KeySwitch * sw, gboolean streaming, GError ** error);
G_GNUC_INTERNAL
gboolean gst_e2ee_enc_rotate (GstE2eeEnc * self, guint64 kid, GstBuffer * base_key);
G_GNUC_INTERNAL
guint64 gst_e2ee_enc_generate_key (GstE2eeEnc * self);
G_GNUC_INTERNAL
guint64 gst_e2ee_enc_ratchet (GstE2eeEnc * self);
G_GNUC_INTERNAL
GstE2eeKidStats * gst_e2ee_enc_get_kid_stats_locked (GstE2eeEnc * self, guint64 kid);
G_GNUC_INTERNAL
void gst_e2ee_enc_mls_refresh (GstE2eeEnc * self);
G_GNUC_INTERNAL
void gst_e2ee_enc_mls_clear (GstE2eeEnc * self);
G_GNUC_INTERNAL
void gst_e2ee_enc_set_property (GObject * object, guint prop_id, const GValue * value, GParamSpec * pspec);
G_GNUC_INTERNAL
void gst_e2ee_enc_get_property (GObject * object, guint prop_id, GValue * value, GParamSpec * pspec);

G_END_DECLS
