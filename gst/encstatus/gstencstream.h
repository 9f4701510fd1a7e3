/* gst-e2ee: one stream of a meeting, and what its buffers say
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <gst/gst.h>
#include <gst/e2ee/e2ee.h>

G_BEGIN_DECLS

/**
 * GstEncStreamKind:
 * @GST_ENC_STREAM_KIND_AUTO: judge the stream by its buffers' metadata alone; buffers
 *   without any count as unencrypted
 * @GST_ENC_STREAM_KIND_E2EE: a meeting client's stream, expected end to end encrypted;
 *   without E2EE metadata it still travels over the service's encrypted transport
 * @GST_ENC_STREAM_KIND_SRTP: a meeting client's stream over SRTP and TLS signaling, not
 *   end to end
 * @GST_ENC_STREAM_KIND_PSTN: a phone dial-in leg: not encrypted past the gateway
 * @GST_ENC_STREAM_KIND_SIP: a SIP room system leg
 * @GST_ENC_STREAM_KIND_H323: an H.323 room system leg: H.323 cannot encrypt call signaling
 * @GST_ENC_STREAM_KIND_RTMP: a live stream (RTMP) leaving the meeting
 * @GST_ENC_STREAM_KIND_RECORDING: a cloud recording: encrypted in transit, but the
 *   service holds the media
 * @GST_ENC_STREAM_KIND_PLAIN: a stream known to be unencrypted
 *
 * What a stream is, for streams whose buffers do not say it themselves.
 *
 * Since: 0.1
 */
typedef enum {
  GST_ENC_STREAM_KIND_AUTO,
  GST_ENC_STREAM_KIND_E2EE,
  GST_ENC_STREAM_KIND_SRTP,
  GST_ENC_STREAM_KIND_PSTN,
  GST_ENC_STREAM_KIND_SIP,
  GST_ENC_STREAM_KIND_H323,
  GST_ENC_STREAM_KIND_RTMP,
  GST_ENC_STREAM_KIND_RECORDING,
  GST_ENC_STREAM_KIND_PLAIN,
} GstEncStreamKind;

GType gst_enc_stream_kind_get_type (void);
#define GST_TYPE_ENC_STREAM_KIND (gst_enc_stream_kind_get_type ())

/* What one buffer carried. */
typedef struct {
  gboolean e2ee;                /* end to end: see gst_enc_status_transform_ip () */
  gboolean transport;           /* a GstE2eeTransportMeta; the fields below are its */
  gboolean media_encrypted;
  gboolean media_authenticated;
  gboolean signaling_encrypted;
  gboolean tls_certificate_valid;
} GstEncObservation;

typedef struct _GstEncStream GstEncStream;

/* Owned by its meeting, one per encstatus element; the fields are under the meeting's
 * lock. */
struct _GstEncStream
{
  GWeakRef element;

  /* configuration */
  gchar *name;
  GstEncStreamKind kind;
  GstClockTime stale_after;

  /* observations */
  gboolean joined;
  gint64 last_seen;             /* g_get_monotonic_time () */
  GstEncObservation obs;        /* of the last buffer */
  gboolean ever_e2ee;
  gboolean e2ee_since_toggle;   /* carried E2EE since it joined or the host last toggled */

  /* evaluation */
  GstE2eeEncryptionLevel level;
  guint lacks;
  gboolean downgraded;
  const gchar *restricted;
  gboolean refused;             /* by the policy: its buffers are dropped */
  gboolean over_cap;            /* refused as a participant beyond the policy's cap */
  gchar *reason;

  /* counters */
  guint64 buffers, e2ee_buffers, transport_buffers, plain_buffers, downgrades;

  /* the MLS binding the element follows (gst_enc_meeting_set_security_code()) */
  gboolean code_bound;
  gchar *security_code;         /* its epoch's code, NULL once removed */
  guint64 code_serial;          /* when it last changed, in the meeting's count */
};

GstEncStream *  gst_enc_stream_new (GstElement * element);
void            gst_enc_stream_free (GstEncStream * s);
gboolean        gst_enc_stream_evaluate (GstEncStream * s, gboolean e2ee_enabled);
GstStructure *  gst_enc_stream_exception (GstEncStream * s);
const gchar *   gst_enc_stream_kind_restricted_feature (GstEncStreamKind kind);
gboolean        gst_enc_observation_equal (const GstEncObservation * a,
                                           const GstEncObservation * b);

G_END_DECLS
