/*
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * An MLS delivery service for the examples and tests: in-process, ordered fan-out of
 * handshake messages, the first commit for an epoch wins. It holds no keys.
 */
#ifndef __GST_E2EE_DELIVERY_H__
#define __GST_E2EE_DELIVERY_H__

#include <glib.h>

G_BEGIN_DECLS

typedef struct _GstE2eeDelivery GstE2eeDelivery;
typedef struct _GstE2eeDeliveryConnection GstE2eeDeliveryConnection;

/* Why the delivery service did not fan a message out. */
typedef enum
{
  /* Not an MLSMessage whose clear header this service can read (version,
   * wire format, group_id, epoch, sender, content type), or too big. */
  GST_E2EE_DELIVERY_REFUSED_MALFORMED,
  /* A commit for an epoch whose commit was already delivered: another commit
   * won the epoch (a race, a replay, or a stale message). */
  GST_E2EE_DELIVERY_REFUSED_EPOCH_COMMITTED,
  /* A commit for an epoch the group has not reached. */
  GST_E2EE_DELIVERY_REFUSED_FUTURE_EPOCH,
} GstE2eeDeliveryRefusal;

/* Counters, for the whole service. */
typedef struct
{
  guint64 submitted;            /* messages submitted */
  guint64 forwarded;            /* of those, fanned out */
  guint64 delivered;            /* copies handed to members */
  guint64 commits;              /* commits accepted (each opened an epoch) */
  guint64 refused;              /* the three below */
  guint64 refused_malformed;
  guint64 refused_epoch_committed;
  guint64 refused_future_epoch;
  guint64 connections;          /* connections made */
  guint64 disconnections;       /* disconnections reported */
} GstE2eeDeliveryStats;

/* The clear part of an MLSMessage (RFC 9420 §6): all the service reads. */
typedef struct
{
  guint16 wire_format;          /* 1 public, 2 private, 3 Welcome, 4 GroupInfo, 5 KeyPackage */
  /* PublicMessage and PrivateMessage only (has_epoch): */
  gboolean has_epoch;
  const guint8 *group_id;       /* points into the message */
  gsize group_id_len;
  guint64 epoch;
  guint8 content_type;          /* 1 application, 2 proposal, 3 commit */
} GstE2eeDeliveryHeader;

/* A message for the member behind @conn, from another member. Called on the
 * service's thread, in the one order every member sees. */
typedef void (*GstE2eeDeliveryReceiveFunc) (GstE2eeDeliveryConnection * conn,
    GBytes * message, gpointer user_data);
/* A message @conn submitted was refused; @detail says why. On the service's thread. */
typedef void (*GstE2eeDeliveryRefusedFunc) (GstE2eeDeliveryConnection * conn,
    GBytes * message, GstE2eeDeliveryRefusal reason, const gchar * detail,
    gpointer user_data);
/* The member called @name disconnected (after every message it submitted before
 * was delivered). On the service's thread. */
typedef void (*GstE2eeDeliveryDisconnectFunc) (GstE2eeDelivery * delivery,
    const gchar * name, gpointer user_data);

GstE2eeDelivery *gst_e2ee_delivery_new (GstE2eeDeliveryDisconnectFunc func,
    gpointer user_data);
GstE2eeDeliveryConnection *gst_e2ee_delivery_connect (GstE2eeDelivery * delivery,
    const gchar * name, GstE2eeDeliveryReceiveFunc receive,
    GstE2eeDeliveryRefusedFunc refused, gpointer user_data);
const gchar *gst_e2ee_delivery_connection_get_name (GstE2eeDeliveryConnection * conn);
void gst_e2ee_delivery_submit (GstE2eeDelivery * delivery,
    GstE2eeDeliveryConnection * conn, GBytes * message);
void gst_e2ee_delivery_disconnect (GstE2eeDelivery * delivery,
    GstE2eeDeliveryConnection * conn);
gboolean gst_e2ee_delivery_flush (GstE2eeDelivery * delivery, gint64 timeout_us);
void gst_e2ee_delivery_get_stats (GstE2eeDelivery * delivery,
    GstE2eeDeliveryStats * stats);
void gst_e2ee_delivery_free (GstE2eeDelivery * delivery);

gboolean gst_e2ee_delivery_parse_header (const guint8 * data, gsize size,
    GstE2eeDeliveryHeader * header, const gchar ** detail);
const gchar *gst_e2ee_delivery_refusal_name (GstE2eeDeliveryRefusal reason);

G_END_DECLS

#endif
