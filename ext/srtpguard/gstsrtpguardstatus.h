/* gst-e2ee: srtpguard connection status (the indicator meeting clients show)
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <gst/gst.h>
#include <gst/e2ee/e2ee.h>

#include "gstsrtpguardstream.h"

G_BEGIN_DECLS

typedef struct {
  gboolean media_encrypted;
  gboolean media_authenticated;
  gboolean signaling_encrypted;
  gboolean tls_certificate_valid;
  GstE2eeEncryptionLevel level;
} GstSrtpGuardStatus;

/* How many of the SSRCs the guard tracks it saw media of, and what that media was:
 * kept up to date with every change (gst_srtp_guard_status_counts_add()), so that the
 * status costs the same with 1 SSRC or 4096. */
typedef struct {
  guint seen;
  guint unencrypted;
  guint unauthenticated;
  guint refused;
} GstSrtpGuardStatusCounts;

/* The most SSRCs a status lists in its `streams` field */
#define GST_SRTP_GUARD_STATUS_MAX_STREAMS 16

/* Adds (@sign 1) or takes away (@sign -1) what @stream contributes; nothing when
 * its media was not seen. */
void gst_srtp_guard_status_counts_add (GstSrtpGuardStatusCounts * counts,
    const GstSrtpGuardStream * stream, gint sign);

/* Media counts as encrypted once the guard has seen media and every SSRC it saw was
 * encrypted (and authenticated). */
void gst_srtp_guard_status_compute (const GstSrtpGuardStatusCounts * counts,
    gboolean signaling_encrypted, gboolean tls_certificate_valid,
    GstSrtpGuardStatus * status);
gboolean gst_srtp_guard_status_equal (const GstSrtpGuardStatus * a,
    const GstSrtpGuardStatus * b);
/* @streams: ssrc -> GstSrtpGuardStream; at most GST_SRTP_GUARD_STATUS_MAX_STREAMS of
 * them are listed, those the policy refused or that are not encrypted and
 * authenticated first. */
GstStructure * gst_srtp_guard_status_to_structure (const GstSrtpGuardStatus * status,
    const GstSrtpGuardStatusCounts * counts, GHashTable * streams);

G_END_DECLS
