/*
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * MLS (RFC 9420) needs every handshake message delivered to every member in one
 * order, and at most one commit per epoch: two members that apply different commits
 * for the same epoch are in two different groups from then on (§14). This delivery
 * service gives both, the way a meeting server would, and nothing more: it reads
 * only the clear header of each MLSMessage (version, wire format, and for a
 * PublicMessage or PrivateMessage the group_id, epoch and content type, which §6.2
 * and §6.3 leave in the clear) and holds no keys, so it cannot read, forge or check
 * anything the members protect. Whether a message is genuine is for the members to
 * decide (a forged or stale message is refused by their groups); the service only
 * keeps the order.
 *
 * One thread takes the submitted messages in the order they came and hands each to
 * every connected member but its sender, one member after the other, before it
 * takes the next: every member sees one global order. A commit (content type 3, in
 * a PublicMessage or a PrivateMessage) must be for the group's next epoch: the first
 * one for an epoch is fanned out and opens the next epoch; a later one for the same
 * epoch, or one for an epoch the group has not reached, is refused and its sender
 * told. The first commit the service sees for a group sets where it starts.
 * Proposals, application messages, Welcomes, KeyPackages and GroupInfos go to
 * everyone unchecked: a member ignores a Welcome that is not for it.
 *
 * A disconnection is ordered like a message: what the member submitted before is
 * delivered, then the disconnect callback runs (the meeting example tells the host
 * through its e2eemls `member-left`).
 *
 * An application with signalling of its own (a WebSocket server, a SIP/XMPP
 * channel) does the same: the group only consumes and produces bytes
 * (e2eemls `handle-message` / `send-message`); docs/mls.md.
 */
#include "gste2eedelivery.h"

#include <string.h>

/* Larger than any handshake message of a meeting of hundreds (a Welcome with the
 * ratchet tree grows by about 250 bytes per member). */
#define MESSAGE_MAX (1024 * 1024)
#define MLS_VERSION_10 1

typedef enum
{
  EVENT_MESSAGE,
  EVENT_DISCONNECT,
  EVENT_STOP,
} EventType;

typedef struct
{
  EventType type;
  GstE2eeDeliveryConnection *conn;
  GBytes *message;
} Event;

struct _GstE2eeDeliveryConnection
{
  gchar *name;
  GstE2eeDeliveryReceiveFunc receive;
  GstE2eeDeliveryRefusedFunc refused;
  gpointer user_data;
  /* Under the service's lock: no callback may start for it any more. */
  gboolean closed;
};

struct _GstE2eeDelivery
{
  GstE2eeDeliveryDisconnectFunc disconnect_func;
  gpointer disconnect_data;
  GThread *thread;

  GMutex lock;
  GCond cond;
  GQueue events;                /* Event, oldest first */
  GPtrArray *connections;       /* connected, in the order they connected */
  /* The connection whose callback runs on the service's thread now, so that a
   * disconnect from another thread waits for it to return. */
  GstE2eeDeliveryConnection *busy;
  guint pending;                /* events queued and not yet handled */
  GstE2eeDeliveryStats stats;

  /* The service's thread's alone: group_id (GBytes) -> the epoch its next
   * commit must be for (guint64 *). */
  GHashTable *next_epoch;
};

const gchar *
gst_e2ee_delivery_refusal_name (GstE2eeDeliveryRefusal reason)
{
  switch (reason) {
    case GST_E2EE_DELIVERY_REFUSED_MALFORMED:
      return "malformed";
    case GST_E2EE_DELIVERY_REFUSED_EPOCH_COMMITTED:
      return "epoch-committed";
    case GST_E2EE_DELIVERY_REFUSED_FUTURE_EPOCH:
      return "future-epoch";
  }
  return "unknown";
}

/* A reader over the clear header: every read checks what is left. */
typedef struct
{
  const guint8 *p;
  gsize left;
} Reader;

static gboolean
read_bytes (Reader * r, gsize n, const guint8 ** out)
{
  if (r->left < n)
    return FALSE;
  if (out)
    *out = r->p;
  r->p += n;
  r->left -= n;
  return TRUE;
}

static gboolean
read_uint (Reader * r, gsize n, guint64 * v)
{
  const guint8 *b;
  gsize i;

  if (!read_bytes (r, n, &b))
    return FALSE;
  *v = 0;
  for (i = 0; i < n; i++)
    *v = (*v << 8) | b[i];
  return TRUE;
}

/* opaque<V> (RFC 9420 §2.1.2): a variable-size length, in its shortest form. */
static gboolean
read_vector (Reader * r, const guint8 ** data, gsize * len, const gchar ** detail)
{
  /* by the top two bits: 1, 2 or 4 bytes; the smallest value each may carry */
  static const gsize sizes[3] = { 1, 2, 4 };
  static const guint64 masks[3] = { 0x3f, 0x3fff, 0x3fffffff }, mins[3] = { 0, 64,
    16384
  };
  guint prefix;
  guint64 v;

  if (r->left < 1) {
    *detail = "truncated vector length";
    return FALSE;
  }
  prefix = r->p[0] >> 6;
  if (prefix == 3) {
    *detail = "invalid vector length prefix";
    return FALSE;
  }
  if (!read_uint (r, sizes[prefix], &v)) {
    *detail = "truncated vector length";
    return FALSE;
  }
  v &= masks[prefix];
  if (v < mins[prefix]) {
    *detail = "vector length not in its shortest form";
    return FALSE;
  }
  *len = (gsize) v;
  if (!read_bytes (r, *len, data)) {
    *detail = "truncated vector";
    return FALSE;
  }
  return TRUE;
}

/**
 * gst_e2ee_delivery_parse_header:
 * @detail: (out) (optional): why the header was not read
 *
 * Reads the clear header of an MLSMessage: its version and wire format, and for a
 * PublicMessage (the FramedContent up to its content type) or a PrivateMessage
 * (group_id, epoch, content_type) where it belongs. Nothing is authenticated.
 */
gboolean
gst_e2ee_delivery_parse_header (const guint8 * data, gsize size,
    GstE2eeDeliveryHeader * header, const gchar ** detail)
{
  Reader r = { data, size };
  const gchar *why = NULL;
  guint64 version, wire_format, v;

  memset (header, 0, sizeof (*header));
  if (size > MESSAGE_MAX) {
    why = "larger than 1 MiB";
    goto fail;
  }
  if (!read_uint (&r, 2, &version) || !read_uint (&r, 2, &wire_format)) {
    why = "shorter than an MLSMessage header";
    goto fail;
  }
  if (version != MLS_VERSION_10) {
    why = "not MLS 1.0";
    goto fail;
  }
  header->wire_format = (guint16) wire_format;
  switch (wire_format) {
    case 1:                    /* mls_public_message: FramedContent */
    case 2:                    /* mls_private_message */
      if (!read_vector (&r, &header->group_id, &header->group_id_len, &why))
        goto fail;
      if (!read_uint (&r, 8, &header->epoch)) {
        why = "truncated epoch";
        goto fail;
      }
      header->has_epoch = TRUE;
      if (wire_format == 1) {
        const guint8 *ad;
        gsize ad_len;

        if (!read_uint (&r, 1, &v)) {
          why = "truncated sender";
          goto fail;
        }
        /* member and external carry an index; new members nothing */
        if (v == 1 || v == 2) {
          if (!read_uint (&r, 4, &v)) {
            why = "truncated sender";
            goto fail;
          }
        } else if (v != 3 && v != 4) {
          why = "unknown sender type";
          goto fail;
        }
        if (!read_vector (&r, &ad, &ad_len, &why))
          goto fail;
      }
      if (!read_uint (&r, 1, &v)) {
        why = "truncated content type";
        goto fail;
      }
      if (v < 1 || v > 3) {
        why = "unknown content type";
        goto fail;
      }
      header->content_type = (guint8) v;
      break;
    case 3:                    /* mls_welcome */
    case 4:                    /* mls_group_info */
    case 5:                    /* mls_key_package */
      if (r.left == 0) {
        why = "nothing after the header";
        goto fail;
      }
      break;
    default:
      why = "unknown wire format";
      goto fail;
  }
  return TRUE;

fail:
  if (detail)
    *detail = why;
  return FALSE;
}

static void
queue_event (GstE2eeDelivery * d, EventType type,
    GstE2eeDeliveryConnection * conn, GBytes * message)
{
  Event *ev = g_new0 (Event, 1);

  ev->type = type;
  ev->conn = conn;
  ev->message = message ? g_bytes_ref (message) : NULL;
  g_mutex_lock (&d->lock);
  d->pending++;
  if (type == EVENT_MESSAGE)
    d->stats.submitted++;
  g_queue_push_tail (&d->events, ev);
  g_cond_broadcast (&d->cond);
  g_mutex_unlock (&d->lock);
}

/* Runs @conn's callback unless it was closed; the lock is held around the check
 * and released around the call. */
static gboolean
begin_callback (GstE2eeDelivery * d, GstE2eeDeliveryConnection * conn)
{
  if (conn->closed)
    return FALSE;
  d->busy = conn;
  g_mutex_unlock (&d->lock);
  return TRUE;
}

static void
end_callback (GstE2eeDelivery * d)
{
  g_mutex_lock (&d->lock);
  d->busy = NULL;
  g_cond_broadcast (&d->cond);
}

static void
refuse (GstE2eeDelivery * d, GstE2eeDeliveryConnection * from, GBytes * message,
    GstE2eeDeliveryRefusal reason, const gchar * detail)
{
  g_mutex_lock (&d->lock);
  d->stats.refused++;
  switch (reason) {
    case GST_E2EE_DELIVERY_REFUSED_MALFORMED:
      d->stats.refused_malformed++;
      break;
    case GST_E2EE_DELIVERY_REFUSED_EPOCH_COMMITTED:
      d->stats.refused_epoch_committed++;
      break;
    case GST_E2EE_DELIVERY_REFUSED_FUTURE_EPOCH:
      d->stats.refused_future_epoch++;
      break;
  }
  if (from->refused && begin_callback (d, from)) {
    from->refused (from, message, reason, detail, from->user_data);
    end_callback (d);
  }
  g_mutex_unlock (&d->lock);
}

/* The first-commit rule. Returns FALSE with @reason set if @h is a commit the
 * group's order has no room for. */
static gboolean
commit_allowed (GstE2eeDelivery * d, const GstE2eeDeliveryHeader * h,
    GstE2eeDeliveryRefusal * reason, gchar ** detail)
{
  GBytes *gid;
  guint64 *next;

  if (!h->has_epoch || h->content_type != 3)
    return TRUE;
  gid = g_bytes_new (h->group_id, h->group_id_len);
  next = g_hash_table_lookup (d->next_epoch, gid);
  if (next && h->epoch != *next) {
    *reason = h->epoch < *next ? GST_E2EE_DELIVERY_REFUSED_EPOCH_COMMITTED :
        GST_E2EE_DELIVERY_REFUSED_FUTURE_EPOCH;
    *detail = g_strdup_printf ("a commit for epoch %" G_GUINT64_FORMAT
        " when the group's next commit is for epoch %" G_GUINT64_FORMAT,
        h->epoch, *next);
    g_bytes_unref (gid);
    return FALSE;
  }
  if (!next) {
    next = g_new (guint64, 1);
    g_hash_table_insert (d->next_epoch, gid, next);
  } else
    g_bytes_unref (gid);
  *next = h->epoch + 1;
  return TRUE;
}

static void
handle_message (GstE2eeDelivery * d, GstE2eeDeliveryConnection * from,
    GBytes * message)
{
  GstE2eeDeliveryHeader h;
  GstE2eeDeliveryRefusal reason;
  const gchar *why = NULL;
  gchar *detail = NULL;
  GPtrArray *to;
  gsize size;
  const guint8 *data = g_bytes_get_data (message, &size);
  guint i;

  if (!gst_e2ee_delivery_parse_header (data, size, &h, &why)) {
    refuse (d, from, message, GST_E2EE_DELIVERY_REFUSED_MALFORMED, why);
    return;
  }
  if (!commit_allowed (d, &h, &reason, &detail)) {
    refuse (d, from, message, reason, detail);
    g_free (detail);
    return;
  }

  g_mutex_lock (&d->lock);
  d->stats.forwarded++;
  if (h.has_epoch && h.content_type == 3)
    d->stats.commits++;
  /* A member that disconnects meanwhile is skipped (closed); it stays allocated
   * until its disconnect event, which comes after this one. */
  to = g_ptr_array_copy (d->connections, NULL, NULL);
  for (i = 0; i < to->len; i++) {
    GstE2eeDeliveryConnection *c = g_ptr_array_index (to, i);

    if (c == from || !begin_callback (d, c))
      continue;
    c->receive (c, message, c->user_data);
    end_callback (d);
    d->stats.delivered++;
  }
  g_mutex_unlock (&d->lock);
  g_ptr_array_unref (to);
}

static gpointer
delivery_thread (gpointer data)
{
  GstE2eeDelivery *d = data;
  gboolean stop = FALSE;

  while (!stop) {
    Event *ev;

    g_mutex_lock (&d->lock);
    while (g_queue_is_empty (&d->events))
      g_cond_wait (&d->cond, &d->lock);
    ev = g_queue_pop_head (&d->events);
    g_mutex_unlock (&d->lock);

    switch (ev->type) {
      case EVENT_MESSAGE:
        handle_message (d, ev->conn, ev->message);
        break;
      case EVENT_DISCONNECT:
        g_mutex_lock (&d->lock);
        d->stats.disconnections++;
        g_mutex_unlock (&d->lock);
        if (d->disconnect_func)
          d->disconnect_func (d, ev->conn->name, d->disconnect_data);
        g_free (ev->conn->name);
        g_free (ev->conn);
        break;
      case EVENT_STOP:
        stop = TRUE;
        break;
    }
    g_clear_pointer (&ev->message, g_bytes_unref);
    g_free (ev);
    g_mutex_lock (&d->lock);
    d->pending--;
    g_cond_broadcast (&d->cond);
    g_mutex_unlock (&d->lock);
  }
  return NULL;
}

/**
 * gst_e2ee_delivery_new:
 * @func: (nullable): called on the service's thread when a member disconnects
 *
 * Starts the service's thread.
 */
GstE2eeDelivery *
gst_e2ee_delivery_new (GstE2eeDeliveryDisconnectFunc func, gpointer user_data)
{
  GstE2eeDelivery *d = g_new0 (GstE2eeDelivery, 1);

  d->disconnect_func = func;
  d->disconnect_data = user_data;
  g_mutex_init (&d->lock);
  g_cond_init (&d->cond);
  d->connections = g_ptr_array_new ();
  g_queue_init (&d->events);
  d->next_epoch = g_hash_table_new_full (g_bytes_hash, g_bytes_equal,
      (GDestroyNotify) g_bytes_unref, g_free);
  d->thread = g_thread_new ("e2ee-delivery", delivery_thread, d);
  return d;
}

/**
 * gst_e2ee_delivery_connect:
 * @name: the member's name, given back to the disconnect callback (the example
 *   uses its MLS identity)
 * @receive: gets every message other members submit from now on
 * @refused: (nullable): told when a message this member submitted is refused
 *
 * Returns: the member's connection, valid until gst_e2ee_delivery_disconnect().
 */
GstE2eeDeliveryConnection *
gst_e2ee_delivery_connect (GstE2eeDelivery * d, const gchar * name,
    GstE2eeDeliveryReceiveFunc receive, GstE2eeDeliveryRefusedFunc refused,
    gpointer user_data)
{
  GstE2eeDeliveryConnection *conn;

  g_return_val_if_fail (d != NULL && name != NULL && receive != NULL, NULL);
  conn = g_new0 (GstE2eeDeliveryConnection, 1);
  conn->name = g_strdup (name);
  conn->receive = receive;
  conn->refused = refused;
  conn->user_data = user_data;
  g_mutex_lock (&d->lock);
  g_ptr_array_add (d->connections, conn);
  d->stats.connections++;
  g_mutex_unlock (&d->lock);
  return conn;
}

const gchar *
gst_e2ee_delivery_connection_get_name (GstE2eeDeliveryConnection * conn)
{
  return conn->name;
}

/* Queues @message (taken by reference) for everyone but @conn's member. Any
 * thread, including the service's own (from a callback). */
void
gst_e2ee_delivery_submit (GstE2eeDelivery * d, GstE2eeDeliveryConnection * conn,
    GBytes * message)
{
  g_return_if_fail (d != NULL && conn != NULL && message != NULL);
  queue_event (d, EVENT_MESSAGE, conn, message);
}

/**
 * gst_e2ee_delivery_disconnect:
 *
 * The member behind @conn leaves: it gets nothing more (when this returns, none of
 * its callbacks runs or will run), what it submitted before is still delivered,
 * then the disconnect callback is told, on the service's thread. @conn must not be
 * used after this.
 */
void
gst_e2ee_delivery_disconnect (GstE2eeDelivery * d,
    GstE2eeDeliveryConnection * conn)
{
  g_return_if_fail (d != NULL && conn != NULL);
  g_mutex_lock (&d->lock);
  if (conn->closed) {
    g_mutex_unlock (&d->lock);
    g_return_if_reached ();
  }
  conn->closed = TRUE;
  g_ptr_array_remove (d->connections, conn);
  while (d->busy == conn && g_thread_self () != d->thread)
    g_cond_wait (&d->cond, &d->lock);
  g_mutex_unlock (&d->lock);
  queue_event (d, EVENT_DISCONNECT, conn, NULL);
}

/* Waits until everything submitted so far (and what the callbacks submitted
 * meanwhile) has been handled, or @timeout_us has passed (then FALSE). Not from
 * the service's thread. */
gboolean
gst_e2ee_delivery_flush (GstE2eeDelivery * d, gint64 timeout_us)
{
  gint64 end = g_get_monotonic_time () + timeout_us;
  gboolean done = TRUE;

  g_return_val_if_fail (g_thread_self () != d->thread, FALSE);
  g_mutex_lock (&d->lock);
  while (d->pending > 0 && done)
    done = g_cond_wait_until (&d->cond, &d->lock, end) || d->pending == 0;
  g_mutex_unlock (&d->lock);
  return done;
}

void
gst_e2ee_delivery_get_stats (GstE2eeDelivery * d, GstE2eeDeliveryStats * stats)
{
  g_mutex_lock (&d->lock);
  *stats = d->stats;
  g_mutex_unlock (&d->lock);
}

/* Delivers what is queued, then stops. Connections still open are closed without
 * their disconnect callback. */
void
gst_e2ee_delivery_free (GstE2eeDelivery * d)
{
  guint i;

  if (!d)
    return;
  queue_event (d, EVENT_STOP, NULL, NULL);
  g_thread_join (d->thread);
  for (i = 0; i < d->connections->len; i++) {
    GstE2eeDeliveryConnection *c = g_ptr_array_index (d->connections, i);

    g_free (c->name);
    g_free (c);
  }
  g_ptr_array_unref (d->connections);
  g_hash_table_unref (d->next_epoch);
  g_mutex_clear (&d->lock);
  g_cond_clear (&d->cond);
  g_free (d);
}
