/*
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * A forwarding relay for the examples and tests: UDP in, UDP out on 127.0.0.1.
 */
#ifndef __GST_E2EE_RELAY_H__
#define __GST_E2EE_RELAY_H__

#include <glib.h>

G_BEGIN_DECLS

typedef struct _GstE2eeRelay GstE2eeRelay;

/* Counters, per participant and channel. */
typedef struct
{
  guint64 packets_in;
  guint64 bytes_in;
  guint64 packets_out;
  guint64 send_errors;
  /* What the impairment did to the packets that came in (see
   * gst_e2ee_relay_set_impairment()); each packet counts once per action. */
  guint64 dropped;
  guint64 corrupted;
  guint64 duplicated;
  guint64 reordered;
} GstE2eeRelayStats;

/* What the relay did to one packet it received. */
typedef enum
{
  GST_E2EE_RELAY_DROP,          /* not forwarded at all */
  GST_E2EE_RELAY_CORRUPT,       /* bytes of its payload changed, then forwarded */
  GST_E2EE_RELAY_DUPLICATE,     /* forwarded twice */
  GST_E2EE_RELAY_REORDER,       /* forwarded after 1 to 3 later packets of its flow */
} GstE2eeRelayAction;

/* Impairment of the channels in @channel_mask (bit c for channel c), whose packets
 * must be RTP. Percentages of packets, 0 to 100; a packet dropped is not also
 * corrupted, duplicated or reordered, and a reordered one is not duplicated. The
 * pseudo-random choices come from @seed alone, so one seed and one packet order
 * give the same impairment. */
typedef struct
{
  gdouble drop;
  gdouble reorder;
  gdouble duplicate;
  gdouble corrupt;
  guint32 seed;
  guint channel_mask;
} GstE2eeRelayImpairment;

/* Where the bytes a corruption may change start in an RTP packet's payload (for
 * example after a payload descriptor that is transport, not media); return
 * @payload_size or more to leave the packet alone. */
typedef gsize (*GstE2eeRelayPayloadFunc) (guint channel, const guint8 * payload,
    gsize payload_size, gpointer user_data);
/* Called from the relay's thread for each action on a packet, with the packet as it
 * arrived (before any corruption). */
typedef void (*GstE2eeRelayImpairFunc) (guint participant, guint channel,
    GstE2eeRelayAction action, const guint8 * packet, gsize size,
    gpointer user_data);

GstE2eeRelay *gst_e2ee_relay_new (guint n_participants, guint n_channels,
    guint16 base_port, GError ** error);
guint16 gst_e2ee_relay_get_port (GstE2eeRelay * relay, guint participant,
    guint channel);
void gst_e2ee_relay_set_destination (GstE2eeRelay * relay, guint participant,
    guint channel, guint16 port);
gboolean gst_e2ee_relay_start (GstE2eeRelay * relay, const gchar * dump_path,
    GError ** error);
void gst_e2ee_relay_stop (GstE2eeRelay * relay);
void gst_e2ee_relay_set_impairment (GstE2eeRelay * relay,
    const GstE2eeRelayImpairment * impairment, GstE2eeRelayPayloadFunc payload_func,
    GstE2eeRelayImpairFunc impair_func, gpointer user_data);
gsize gst_e2ee_relay_rtp_payload_offset (const guint8 * packet, gsize size,
    gsize * payload_size);
void gst_e2ee_relay_get_stats (GstE2eeRelay * relay, guint participant,
    guint channel, GstE2eeRelayStats * stats);
void gst_e2ee_relay_free (GstE2eeRelay * relay);

G_END_DECLS

#endif
