/* gst-e2ee: srtpguard internals shared by its source files
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include "gstsrtpguard.h"
#include "gstsrtpguardenums.h"
#include "gstsrtpguardparams.h"
#include "gstsrtpguardstream.h"
#include "gstsrtpguardstatus.h"

#include <gst/e2ee/gste2eepolicybinding.h>

G_BEGIN_DECLS

GST_DEBUG_CATEGORY_EXTERN (gst_srtp_guard_debug);
#define GST_CAT_DEFAULT gst_srtp_guard_debug

/* Pad pairs: index 0 carries RTP (and RTCP multiplexed with it), index 1 RTCP. */
#define GUARD_RTP 0
#define GUARD_RTCP 1

enum {
  SIGNAL_REQUEST_KEY,
  SIGNAL_SOFT_LIMIT,
  SIGNAL_HARD_LIMIT,
  SIGNAL_CLEAR_KEYS,
  SIGNAL_REMOVE_KEY,
  LAST_SIGNAL
};
extern guint gst_srtp_guard_signals[LAST_SIGNAL];

/* A token bucket for bus messages: GST_SRTP_GUARD_MESSAGE_BURST at once, then one
 * every GST_SRTP_GUARD_MESSAGE_PERIOD. */
#define GST_SRTP_GUARD_MESSAGE_BURST 32
#define GST_SRTP_GUARD_MESSAGE_PERIOD (100 * G_TIME_SPAN_MILLISECOND)

typedef struct {
  gint64 last;                  /* monotonic time of the last refill; 0: never used */
  guint tokens;
  guint64 suppressed;           /* messages not posted since the last one posted */
} GstSrtpGuardRateLimit;

struct _GstSrtpGuard {
  GstElement parent;

  GstPad *sinkpad[2];
  GstPad *srcpad[2];

  /* Protects everything below. Never held while emitting signals or posting. */
  GMutex lock;

  GstSrtpGuardMode mode;
  guint replay_window_size;
  gboolean require_encryption;
  guint min_auth_tag_bits;
  GstSrtpGuardViolationAction on_violation;
  gboolean signaling_encrypted;
  gboolean tls_certificate_valid;
  guint64 key_soft_limit;
  guint64 key_hard_limit;
  gboolean post_drop_messages;
  guint drop_message_interval;
  gboolean key_in_caps;

  /* Key properties as written. They reach prop_params (what streams use) only when
   * GObject dispatches the change notification, i.e. after every property of one
   * g_object_set() call, so a key and its MKI always change together. */
  GstSrtpGuardCipher prop_rtp_cipher, prop_rtcp_cipher;
  GstSrtpGuardAuth prop_rtp_auth, prop_rtcp_auth;
  GstBuffer *prop_key;          /* our own copy, wiped when replaced */
  GstBuffer *prop_mki;
  gboolean props_dirty;
  gboolean prop_warned;         /* about an unusable key property, since its change */
  gboolean status_dirty;
  GstSrtpGuardParams *prop_params;

  /* From the sink pads' caps */
  GstSrtpGuardParams *caps_params[2];
  gboolean caps_has_ssrc[2];
  guint32 caps_ssrc[2];
  gboolean caps_plain[2];
  gboolean src_caps_dirty[2];

  GHashTable *streams;          /* ssrc -> GstSrtpGuardStream */
  /* Protect mode: every (master key, SSRC) pair that protected a packet, as GBytes
   * digests, for the element's lifetime (restarts, clear-keys and remove-key
   * included), so that none protects in new SRTP state again (see
   * gst_srtp_guard_stream_set_params()). */
  GHashTable *used_keys;
  guint64 untracked_dropped[GST_SRTP_GUARD_N_REASONS];
  GstSrtpGuardDropLog untracked_log;

  GstSrtpGuardStatus status;
  gboolean status_posted;
  GstSrtpGuardStatusCounts counts;      /* of the streams in the table */
  gboolean status_pending;      /* an SSRC's change waits for the rate limit */

  /* What input can make the packet path post, limited overall per kind, however
   * many SSRCs it comes with: violation and other warnings, srtpguard-status
   * messages for an SSRC's own changes, srtpguard-drop messages. */
  GstSrtpGuardRateLimit warning_limit;
  GstSrtpGuardRateLimit status_limit;
  GstSrtpGuardRateLimit drop_limit;

  /* The encryption policy (docs/policy.md); its own lock. */
  GstE2eePolicyBinding *policy;
};

#define DEFAULT_MODE GST_SRTP_GUARD_MODE_UNPROTECT
#define DEFAULT_CIPHER GST_SRTP_GUARD_CIPHER_AES_128_ICM
#define DEFAULT_AUTH GST_SRTP_GUARD_AUTH_HMAC_SHA1_80
#define DEFAULT_REPLAY_WINDOW_SIZE 128
#define DEFAULT_REQUIRE_ENCRYPTION TRUE
#define DEFAULT_MIN_AUTH_TAG_BITS 80
#define DEFAULT_ON_VIOLATION GST_SRTP_GUARD_VIOLATION_DROP
#define DEFAULT_KEY_LIMIT 0
#define DEFAULT_POST_DROP_MESSAGES TRUE
#define DEFAULT_DROP_MESSAGE_INTERVAL 1000

/* gstsrtpguard.c */
void gst_srtp_guard_clear_keys (GstSrtpGuard * self);
void gst_srtp_guard_remove_key (GstSrtpGuard * self, guint ssrc);

/* gstsrtpguardprops.c */
void gst_srtp_guard_install_properties (GObjectClass * gobject_class);
void gst_srtp_guard_install_signals (GstSrtpGuardClass * klass);
void gst_srtp_guard_set_property (GObject * object, guint prop_id, const GValue * value,
    GParamSpec * pspec);
void gst_srtp_guard_get_property (GObject * object, guint prop_id, GValue * value,
    GParamSpec * pspec);
void gst_srtp_guard_wipe_buffer (GstBuffer ** buf);
GstSrtpGuardParams * gst_srtp_guard_build_prop_params_locked (GstSrtpGuard * self);

/* gstsrtpguardpads.c */
void gst_srtp_guard_init_pads (GstSrtpGuard * self);
GstCaps * gst_srtp_guard_protect_src_caps_locked (GstSrtpGuard * self, guint idx,
    GstCaps * sink_caps);
gboolean gst_srtp_guard_ensure_src_events (GstSrtpGuard * self, guint idx);

/* gstsrtpguardprocess.c */
GstFlowReturn gst_srtp_guard_chain (GstPad * pad, GstObject * parent, GstBuffer * buf);
void gst_srtp_guard_flush_drop_messages (GstSrtpGuard * self);
void gst_srtp_guard_apply_params_locked (GstSrtpGuard * self,
    const GstSrtpGuardParams * params, GstSrtpGuardSource source, gboolean has_ssrc,
    guint32 ssrc, GQueue * msgs);
void gst_srtp_guard_update_status_locked (GstSrtpGuard * self, gboolean force,
    GQueue * msgs);
void gst_srtp_guard_post_messages (GstSrtpGuard * self, GQueue * msgs);
/* Removes one stream (@all FALSE) or all of them, keeping the status counts right */
void gst_srtp_guard_forget_streams_locked (GstSrtpGuard * self, gboolean all,
    guint32 ssrc);

G_END_DECLS
