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
} GstE2eeRelayStats;

GstE2eeRelay *gst_e2ee_relay_new (guint n_participants, guint n_channels,
    guint16 base_port, GError ** error);
guint16 gst_e2ee_relay_get_port (GstE2eeRelay * relay, guint participant,
    guint channel);
void gst_e2ee_relay_set_destination (GstE2eeRelay * relay, guint participant,
    guint channel, guint16 port);
gboolean gst_e2ee_relay_start (GstE2eeRelay * relay, const gchar * dump_path,
    GError ** error);
void gst_e2ee_relay_stop (GstE2eeRelay * relay);
void gst_e2ee_relay_get_stats (GstE2eeRelay * relay, guint participant,
    guint channel, GstE2eeRelayStats * stats);
void gst_e2ee_relay_free (GstE2eeRelay * relay);

G_END_DECLS

#endif
