/* gst-e2ee: srtpguard per-SSRC state
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <gst/gst.h>
#include <srtp2/srtp.h>

#include "gstsrtpguardparams.h"
#include "gstsrtpguardpolicy.h"

G_BEGIN_DECLS

/* SHA-256 digest naming a (master key, SSRC) pair without holding the key */
#define GST_SRTP_GUARD_KEY_USE_LEN 32

typedef enum {
  GST_SRTP_GUARD_SOURCE_NONE,
  GST_SRTP_GUARD_SOURCE_CAPS,
  GST_SRTP_GUARD_SOURCE_PROPERTY,
  GST_SRTP_GUARD_SOURCE_SIGNAL,
} GstSrtpGuardSource;

typedef struct {
  guint32 ssrc;
  gboolean receiver;            /* unprotecting */
  srtp_t session;               /* NULL when the suites need no crypto */
  /* SRTCP goes through this one instead when libsrtp would look for SRTCP MKIs in
   * the wrong place (gst_srtp_guard_params_srtcp_mki_misplaced()); else NULL */
  srtp_t rtcp_session;
  GstSrtpGuardParams *params;   /* NULL until keys are known */
  GstSrtpGuardSource source;
  gboolean uses_mki;

  /* receivers: the highest RTP packet index (ROC << 16 | SEQ) that authenticated, and
   * whether a fresh SRTP context still has to be told the ROC (see set_params) */
  guint64 rtp_highest;
  gboolean have_highest;
  gboolean roc_resync;

  /* senders: which (master key, SSRC) the context protects with, as a digest (see
   * gst_srtp_guard_stream_set_params()), whether that pair is already in the guard's
   * set of used pairs, and whether the keys were refused because it was */
  guint8 key_use[GST_SRTP_GUARD_KEY_USE_LEN];
  gboolean key_use_recorded;
  gboolean key_spent;

  /* key lifetime: packets protected or unprotected since the keys last changed */
  guint64 key_packets;
  gboolean soft_limit_reached;
  gboolean key_expired;

  gboolean violation_reported;

  /* what the guard last saw of this SSRC's media */
  gboolean seen;
  gboolean refused;
  gboolean media_encrypted;
  gboolean media_authenticated;
  guint auth_tag_bits;

  guint64 packets, bytes, rtcp_packets, rtcp_bytes;
  guint64 dropped[GST_SRTP_GUARD_N_REASONS];
  GstSrtpGuardDropLog drop_log;
} GstSrtpGuardStream;

GstSrtpGuardStream * gst_srtp_guard_stream_new (guint32 ssrc, gboolean receiver);
void gst_srtp_guard_stream_free (GstSrtpGuardStream * stream);

/* Takes @params. A stream that already has an SRTP context keeps its rollover
 * counter across the change, as RFC 3711 §3.3.1 requires; the caps' "roc" only seeds
 * a new context. @used_keys (senders): the guard's set of (key, SSRC) pairs that
 * protected packets (GBytes digests); a sender whose first key is in it gets no
 * context and key_spent instead, since libsrtp would start its packet indices again
 * (or forget which it used) and repeat keystream. */
gboolean gst_srtp_guard_stream_set_params (GstSrtpGuardStream * stream,
    GstSrtpGuardParams * params, GstSrtpGuardSource source, guint window_size,
    GHashTable * used_keys, GError ** error);
/* A sender protected a packet: its (key, SSRC) pair goes into @used_keys for good. */
void gst_srtp_guard_stream_record_key_use (GstSrtpGuardStream * stream,
    GHashTable * used_keys);
void gst_srtp_guard_stream_clear_params (GstSrtpGuardStream * stream);
gboolean gst_srtp_guard_stream_get_roc (GstSrtpGuardStream * stream, guint32 * roc);
void gst_srtp_guard_stream_before_rtp (GstSrtpGuardStream * stream, guint16 seq);
void gst_srtp_guard_stream_rtp_passed (GstSrtpGuardStream * stream, guint16 seq);

GstStructure * gst_srtp_guard_stream_stats (GstSrtpGuardStream * stream);
void gst_srtp_guard_stats_set_drops (GstStructure * s, const guint64 * dropped);

/* Packet header peeking, before any authentication: only for routing. */
gboolean gst_srtp_guard_packet_is_rtcp (const guint8 * data, gsize size);
gboolean gst_srtp_guard_packet_ssrc (const guint8 * data, gsize size, gboolean is_rtcp,
    guint32 * ssrc);

const gchar * gst_srtp_guard_srtp_status_name (srtp_err_status_t status);

G_END_DECLS
