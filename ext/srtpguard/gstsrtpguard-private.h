/* gst-e2ee: the srtpguard element's state
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include "gstsrtpguard.h"
#include "gstsrtpguardenums.h"
#include "gstsrtpguard-enumtypes.h"
#include "gstsrtpguardparams.h"
#include "gstsrtpguardpolicy.h"
#include "gstsrtpguardsession.h"
#include "gstsrtpguardstatus.h"

#include <gst/e2ee/gste2eepolicybinding.h>

G_BEGIN_DECLS

GST_DEBUG_CATEGORY_EXTERN (gst_srtp_guard_debug);
#define GST_CAT_DEFAULT gst_srtp_guard_debug

/* A sink pad and the source pad its packets leave on: the always pads rtp_sink →
 * rtp_src and rtcp_sink → rtcp_src, or the request pads rtp_sink_N → rtp_src_N and
 * rtcp_sink_N → rtcp_src_N (rtpbin's encoder and decoder hooks, as srtpenc has).
 * The pads' element_private. */
typedef struct {
  GstPad *sink, *src;
  gboolean rtcp;                /* an RTCP pair */
  guint id;                     /* N of a request pair; G_MAXUINT for the always pads */

  /* From the sink pad's caps; under the element's lock */
  GstSrtpGuardParams *caps_params;
  gboolean caps_has_ssrc;
  guint32 caps_ssrc;
  gboolean caps_plain;
  gboolean src_caps_dirty;
} GstSrtpGuardPadPair;

#define GST_SRTP_GUARD_ALWAYS_PAIR G_MAXUINT

typedef enum {
  GST_SRTP_GUARD_KEY_SIGNAL_REQUEST,
  GST_SRTP_GUARD_KEY_SIGNAL_SOFT_LIMIT,
  GST_SRTP_GUARD_KEY_SIGNAL_HARD_LIMIT,
} GstSrtpGuardKeySignal;

struct _GstSrtpGuard {
  GstElement parent;

  /* Protects everything below. Never held while emitting signals or posting. */
  GMutex lock;

  GstSrtpGuardMode mode;
  gboolean key_in_caps;
  GPtrArray *pairs;             /* GstSrtpGuardPadPair: the always pairs first */

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

  GstSrtpGuardPolicy policy;
  GstSrtpGuardSession session;
  GstSrtpGuardStatusTracker status;

  /* The encryption policy file's settings (docs/policy.md); its own lock. */
  GstE2eePolicyBinding *policy_binding;
};

/* gstsrtpguard.c: the element */
void gst_srtp_guard_post_messages (GstSrtpGuard * self, GQueue * msgs);
/* Call without the lock; @error: why the handler's caps were ignored */
GstSrtpGuardParams * gst_srtp_guard_emit_key_signal (GstSrtpGuard * self,
    GstSrtpGuardKeySignal which, guint32 ssrc, GError ** error);
/* Removes one SSRC (@all FALSE) or all of them, keeping the status counts right */
void gst_srtp_guard_forget_streams_locked (GstSrtpGuard * self, gboolean all,
    guint32 ssrc);
/* Posts the drop counts and the status change held back (EOS, stopping) */
void gst_srtp_guard_flush_messages (GstSrtpGuard * self);

/* gstsrtpguardpads.c: pads, caps and sticky events */
void gst_srtp_guard_init_pads (GstSrtpGuard * self);
GstPad * gst_srtp_guard_request_new_pad (GstElement * element, GstPadTemplate * templ,
    const gchar * name, const GstCaps * caps);
void gst_srtp_guard_release_pad (GstElement * element, GstPad * pad);
void gst_srtp_guard_pairs_free (GstSrtpGuard * self);
void gst_srtp_guard_pairs_reset_locked (GstSrtpGuard * self);
/* The pair multiplexed RTCP of @pair leaves on when unprotecting: its RTCP pair */
GstSrtpGuardPadPair * gst_srtp_guard_rtcp_pair_locked (GstSrtpGuard * self,
    GstSrtpGuardPadPair * pair);
GstCaps * gst_srtp_guard_protect_src_caps_locked (GstSrtpGuard * self,
    GstSrtpGuardPadPair * pair, GstCaps * sink_caps);
gboolean gst_srtp_guard_ensure_src_events (GstSrtpGuard * self, GstPad * src,
    GstPad * sink, GstPad * in_sink, gboolean rtcp);

/* gstsrtpguardprocess.c: the packet path */
GstFlowReturn gst_srtp_guard_chain (GstPad * pad, GstObject * parent, GstBuffer * buf);

G_END_DECLS
