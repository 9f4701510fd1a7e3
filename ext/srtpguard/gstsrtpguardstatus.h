/* gst-e2ee: srtpguard connection status (the indicator meeting clients show)
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <gst/gst.h>
#include <gst/e2ee/e2ee.h>

G_BEGIN_DECLS

typedef struct {
  gboolean media_encrypted;
  gboolean media_authenticated;
  gboolean signaling_encrypted;
  gboolean tls_certificate_valid;
  GstE2eeEncryptionLevel level;
} GstSrtpGuardStatus;

/* @streams: ssrc -> GstSrtpGuardStream. Media counts as encrypted once the guard has
 * seen media and every SSRC it saw was encrypted (and authenticated). */
void gst_srtp_guard_status_compute (GHashTable * streams, gboolean signaling_encrypted,
    gboolean tls_certificate_valid, GstSrtpGuardStatus * status);
gboolean gst_srtp_guard_status_equal (const GstSrtpGuardStatus * a,
    const GstSrtpGuardStatus * b);
GstStructure * gst_srtp_guard_status_to_structure (const GstSrtpGuardStatus * status,
    GHashTable * streams);

G_END_DECLS
