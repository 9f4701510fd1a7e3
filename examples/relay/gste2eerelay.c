/*
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * The relay is what an SFU is to end-to-end encrypted media: it forwards every
 * packet a participant sends (RTP and RTCP alike) to every other participant, and
 * holds no keys, so all it can ever see is what is on the wire. The dump file is
 * that view, written so tests can check no plaintext is in it.
 *
 * Sockets: for participant p and channel c (e.g. video RTP, video RTCP, audio RTP,
 * audio RTCP) the relay listens on one UDP socket on 127.0.0.1; what arrives there is
 * sent to the destination port of channel c of every participant q != p. Which
 * socket a packet arrives on says who sent it, so sender addresses do not matter.
 *
 * Dump format: for each packet received, a 4-byte big-endian length, then the
 * packet as received (and, without impairment, forwarded unchanged).
 *
 * Impairment (gst_e2ee_relay_set_impairment()) stands in for a bad network and a
 * hostile server at once: packets dropped, held back behind later ones, sent twice,
 * or with payload bytes changed. The relay tells the application what it did to
 * which packet, so that a receiver's drops can be matched with their cause.
 */
#include "gste2eerelay.h"

#include <errno.h>
#include <poll.h>
#include <string.h>
#include <unistd.h>
#include <fcntl.h>
#include <stdio.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

/* The largest packet a flow can hold back to reorder; bigger ones go on in order. */
#define HELD_MAX 2048
/* A held packet goes out after this long even if its flow went quiet. */
#define HELD_MAX_US 20000

typedef struct
{
  guint8 *data;                 /* HELD_MAX bytes, allocated when impairing */
  gsize size;                   /* 0: nothing held */
  guint countdown;              /* packets of the flow still to pass it */
  gint64 since;                 /* monotonic µs */
} HeldPacket;

struct _GstE2eeRelay
{
  guint n_participants;
  guint n_channels;
  int *fds;                     /* [participant * n_channels + channel] */
  guint16 *ports;               /* the relay's listening ports, same index */
  guint16 *dest_ports;          /* where each participant receives, same index */
  int out_fd;                   /* one socket sends everything */
  int wake[2];
  GThread *thread;
  FILE *dump;
  GMutex lock;                  /* protects stats */
  GstE2eeRelayStats *stats;     /* per participant and channel, same index */

  /* Impairment: set before start, then the relay thread's alone. */
  GstE2eeRelayImpairment impairment;
  gboolean impair;
  GstE2eeRelayPayloadFunc payload_func;
  GstE2eeRelayImpairFunc impair_func;
  gpointer impair_data;
  GRand *rand;
  HeldPacket *held;             /* per participant and channel, same index */
};

static int
bind_loopback (guint16 port, guint16 * bound, GError ** error)
{
  struct sockaddr_in addr = { 0 };
  socklen_t len = sizeof (addr);
  int fd, size = 4 * 1024 * 1024;

  fd = socket (AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (fd < 0)
    goto fail;
  /* A burst of key frames fanned out to 20 participants must not overflow. */
  setsockopt (fd, SOL_SOCKET, SO_RCVBUF, &size, sizeof (size));
  setsockopt (fd, SOL_SOCKET, SO_SNDBUF, &size, sizeof (size));
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl (INADDR_LOOPBACK);
  addr.sin_port = htons (port);
  if (bind (fd, (struct sockaddr *) &addr, sizeof (addr)) < 0)
    goto fail;
  if (getsockname (fd, (struct sockaddr *) &addr, &len) < 0)
    goto fail;
  *bound = ntohs (addr.sin_port);
  return fd;

fail:
  g_set_error (error, G_FILE_ERROR, g_file_error_from_errno (errno),
      "relay: cannot bind 127.0.0.1:%u: %s", port, g_strerror (errno));
  if (fd >= 0)
    close (fd);
  return -1;
}

/**
 * gst_e2ee_relay_new:
 * @base_port: 0 to let the system pick free ports, else the first of
 *   @n_participants * @n_channels consecutive ports
 *
 * Binds the relay's sockets; gst_e2ee_relay_get_port() tells where each participant
 * sends each channel.
 */
GstE2eeRelay *
gst_e2ee_relay_new (guint n_participants, guint n_channels, guint16 base_port,
    GError ** error)
{
  GstE2eeRelay *relay = g_new0 (GstE2eeRelay, 1);
  guint n = n_participants * n_channels, i;
  guint16 unused;

  relay->n_participants = n_participants;
  relay->n_channels = n_channels;
  relay->fds = g_new (int, n);
  relay->ports = g_new0 (guint16, n);
  relay->dest_ports = g_new0 (guint16, n);
  relay->stats = g_new0 (GstE2eeRelayStats, n);
  relay->wake[0] = relay->wake[1] = -1;
  relay->out_fd = -1;
  g_mutex_init (&relay->lock);
  for (i = 0; i < n; i++)
    relay->fds[i] = -1;

  for (i = 0; i < n; i++) {
    relay->fds[i] = bind_loopback (base_port ? base_port + i : 0,
        &relay->ports[i], error);
    if (relay->fds[i] < 0)
      goto fail;
  }
  relay->out_fd = bind_loopback (0, &unused, error);
  if (relay->out_fd < 0)
    goto fail;
  if (pipe (relay->wake) < 0) {
    g_set_error (error, G_FILE_ERROR, g_file_error_from_errno (errno),
        "relay: pipe: %s", g_strerror (errno));
    goto fail;
  }
  return relay;

fail:
  gst_e2ee_relay_free (relay);
  return NULL;
}

guint16
gst_e2ee_relay_get_port (GstE2eeRelay * relay, guint participant, guint channel)
{
  g_return_val_if_fail (participant < relay->n_participants, 0);
  g_return_val_if_fail (channel < relay->n_channels, 0);
  return relay->ports[participant * relay->n_channels + channel];
}

/* Where @participant receives @channel; 0 (the default) sends it nothing. */
void
gst_e2ee_relay_set_destination (GstE2eeRelay * relay, guint participant,
    guint channel, guint16 port)
{
  g_return_if_fail (participant < relay->n_participants);
  g_return_if_fail (channel < relay->n_channels);
  g_return_if_fail (relay->thread == NULL);
  relay->dest_ports[participant * relay->n_channels + channel] = port;
}

static void
send_to_all (GstE2eeRelay * relay, guint from, guint channel,
    const guint8 * data, gsize size, guint * sent, guint * errors)
{
  struct sockaddr_in addr = { 0 };
  guint q;

  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl (INADDR_LOOPBACK);

  for (q = 0; q < relay->n_participants; q++) {
    guint16 port = relay->dest_ports[q * relay->n_channels + channel];

    if (q == from || port == 0)
      continue;
    addr.sin_port = htons (port);
    if (sendto (relay->out_fd, data, size, 0, (struct sockaddr *) &addr,
            sizeof (addr)) < 0)
      (*errors)++;
    else
      (*sent)++;
  }
}

/**
 * gst_e2ee_relay_rtp_payload_offset:
 * @payload_size: (out): the payload's size, without padding
 *
 * Returns: where the payload of the RTP packet starts (after CSRCs and a header
 * extension), or @size when it is not a well-formed RTP packet.
 */
gsize
gst_e2ee_relay_rtp_payload_offset (const guint8 * packet, gsize size,
    gsize * payload_size)
{
  gsize off, end = size;

  *payload_size = 0;
  if (size < 12 || (packet[0] >> 6) != 2)
    return size;
  off = 12 + 4 * (packet[0] & 0x0f);
  if (packet[0] & 0x10) {
    if (off + 4 > size)
      return size;
    off += 4 + 4 * (((gsize) packet[off + 2] << 8) | packet[off + 3]);
  }
  if (packet[0] & 0x20) {
    if (packet[size - 1] > size)
      return size;
    end -= packet[size - 1];
  }
  if (off > end)
    return size;
  *payload_size = end - off;
  return off;
}

static gboolean
roll (GstE2eeRelay * relay, gdouble percent)
{
  return percent > 0 && g_rand_double (relay->rand) * 100.0 < percent;
}

static void
report (GstE2eeRelay * relay, guint from, guint channel,
    GstE2eeRelayAction action, const guint8 * data, gsize size)
{
  if (relay->impair_func)
    relay->impair_func (from, channel, action, data, size, relay->impair_data);
}

/* The bytes a corruption may change: the RTP payload past what the payload function
 * says is transport. Returns FALSE if there are none. */
static gboolean
corruptible (GstE2eeRelay * relay, guint channel, const guint8 * data,
    gsize size, gsize * off, gsize * len)
{
  gsize skip = 0;

  *off = gst_e2ee_relay_rtp_payload_offset (data, size, len);
  if (*len == 0)
    return FALSE;
  if (relay->payload_func)
    skip = relay->payload_func (channel, data + *off, *len, relay->impair_data);
  if (skip >= *len)
    return FALSE;
  *off += skip;
  *len -= skip;
  return TRUE;
}

/* 1 to 4 bytes, each changed (XOR with a non-zero value). */
static void
corrupt (GstE2eeRelay * relay, guint8 * data, gsize off, gsize len)
{
  guint i, n = g_rand_int_range (relay->rand, 1, 5);

  for (i = 0; i < n; i++)
    data[off + g_rand_int_range (relay->rand, 0, len)] ^=
        (guint8) g_rand_int_range (relay->rand, 1, 256);
}

static void
forward (GstE2eeRelay * relay, guint from, guint channel, guint8 * data,
    gsize size)
{
  guint idx = from * relay->n_channels + channel;
  guint sent = 0, errors = 0;
  gboolean dropped = FALSE, corrupted = FALSE, duplicated = FALSE;
  gboolean reordered = FALSE;
  HeldPacket *held = &relay->held[idx];

  if (relay->dump) {
    guint32 be = GUINT32_TO_BE ((guint32) size);
    fwrite (&be, 4, 1, relay->dump);
    fwrite (data, 1, size, relay->dump);
  }

  if (!relay->impair || !(relay->impairment.channel_mask & (1u << channel))) {
    send_to_all (relay, from, channel, data, size, &sent, &errors);
  } else if (roll (relay, relay->impairment.drop)) {
    dropped = TRUE;
    report (relay, from, channel, GST_E2EE_RELAY_DROP, data, size);
  } else {
    gsize off, len;

    if (roll (relay, relay->impairment.corrupt)
        && corruptible (relay, channel, data, size, &off, &len)) {
      /* Reported first: the application sees the packet as it was sent. */
      report (relay, from, channel, GST_E2EE_RELAY_CORRUPT, data, size);
      corrupt (relay, data, off, len);
      corrupted = TRUE;
    }
    if (held->size == 0 && size <= HELD_MAX
        && roll (relay, relay->impairment.reorder)) {
      reordered = TRUE;
      report (relay, from, channel, GST_E2EE_RELAY_REORDER, data, size);
      memcpy (held->data, data, size);
      held->size = size;
      held->countdown = g_rand_int_range (relay->rand, 1, 4);
      held->since = g_get_monotonic_time ();
    } else {
      send_to_all (relay, from, channel, data, size, &sent, &errors);
      if (roll (relay, relay->impairment.duplicate)) {
        duplicated = TRUE;
        report (relay, from, channel, GST_E2EE_RELAY_DUPLICATE, data, size);
        send_to_all (relay, from, channel, data, size, &sent, &errors);
      }
      if (held->size && --held->countdown == 0) {
        send_to_all (relay, from, channel, held->data, held->size, &sent,
            &errors);
        held->size = 0;
      }
    }
  }

  g_mutex_lock (&relay->lock);
  {
    GstE2eeRelayStats *st = &relay->stats[idx];

    st->packets_in++;
    st->bytes_in += size;
    st->packets_out += sent;
    st->send_errors += errors;
    st->dropped += dropped;
    st->corrupted += corrupted;
    st->duplicated += duplicated;
    st->reordered += reordered;
  }
  g_mutex_unlock (&relay->lock);
}

/* Held packets whose flow went quiet go out late rather than never. */
static gboolean
flush_held (GstE2eeRelay * relay, gboolean all)
{
  guint n = relay->n_participants * relay->n_channels, i;
  gint64 now = g_get_monotonic_time ();
  gboolean any = FALSE;

  if (!relay->held)
    return FALSE;
  for (i = 0; i < n; i++) {
    HeldPacket *held = &relay->held[i];
    guint sent = 0, errors = 0;

    if (held->size == 0)
      continue;
    if (!all && now - held->since < HELD_MAX_US) {
      any = TRUE;
      continue;
    }
    send_to_all (relay, i / relay->n_channels, i % relay->n_channels,
        held->data, held->size, &sent, &errors);
    held->size = 0;
    g_mutex_lock (&relay->lock);
    relay->stats[i].packets_out += sent;
    relay->stats[i].send_errors += errors;
    g_mutex_unlock (&relay->lock);
  }
  return any;
}

static gpointer
relay_thread (gpointer data)
{
  GstE2eeRelay *relay = data;
  guint n = relay->n_participants * relay->n_channels, i;
  struct pollfd *pfd = g_new0 (struct pollfd, n + 1);
  guint8 *buf = g_malloc (65536);

  for (i = 0; i < n; i++) {
    pfd[i].fd = relay->fds[i];
    pfd[i].events = POLLIN;
  }
  pfd[n].fd = relay->wake[0];
  pfd[n].events = POLLIN;

  for (;;) {
    gboolean holding = flush_held (relay, FALSE);

    if (poll (pfd, n + 1, holding ? HELD_MAX_US / 1000 : -1) < 0) {
      if (errno == EINTR)
        continue;
      g_warning ("relay: poll: %s", g_strerror (errno));
      break;
    }
    if (pfd[n].revents) {
      flush_held (relay, TRUE);
      break;
    }
    for (i = 0; i < n; i++) {
      ssize_t len;

      if (!(pfd[i].revents & POLLIN))
        continue;
      /* Drain what is there without blocking, then poll again. */
      while ((len = recv (relay->fds[i], buf, 65536, MSG_DONTWAIT)) >= 0)
        forward (relay, i / relay->n_channels, i % relay->n_channels, buf, len);
    }
  }

  g_free (buf);
  g_free (pfd);
  return NULL;
}

/**
 * gst_e2ee_relay_start:
 * @dump_path: (nullable): file to write every forwarded packet to
 */
gboolean
gst_e2ee_relay_start (GstE2eeRelay * relay, const gchar * dump_path,
    GError ** error)
{
  g_return_val_if_fail (relay->thread == NULL, FALSE);

  if (dump_path) {
    relay->dump = fopen (dump_path, "wb");
    if (!relay->dump) {
      g_set_error (error, G_FILE_ERROR, g_file_error_from_errno (errno),
          "relay: cannot open %s: %s", dump_path, g_strerror (errno));
      return FALSE;
    }
  }
  relay->thread = g_thread_new ("e2ee-relay", relay_thread, relay);
  return TRUE;
}

void
gst_e2ee_relay_stop (GstE2eeRelay * relay)
{
  if (!relay->thread)
    return;
  while (write (relay->wake[1], "x", 1) < 0 && errno == EINTR);
  g_thread_join (relay->thread);
  relay->thread = NULL;
  if (relay->dump) {
    fclose (relay->dump);
    relay->dump = NULL;
  }
}

/**
 * gst_e2ee_relay_set_impairment:
 * @impairment: (nullable): what to do to packets; NULL forwards them unchanged
 * @payload_func: (nullable): where corruptible bytes start in a payload
 * @impair_func: (nullable): told about every action on a packet
 *
 * Call before gst_e2ee_relay_start().
 */
void
gst_e2ee_relay_set_impairment (GstE2eeRelay * relay,
    const GstE2eeRelayImpairment * impairment, GstE2eeRelayPayloadFunc payload_func,
    GstE2eeRelayImpairFunc impair_func, gpointer user_data)
{
  guint n = relay->n_participants * relay->n_channels, i;

  g_return_if_fail (relay->thread == NULL);
  relay->impair = impairment != NULL;
  if (impairment)
    relay->impairment = *impairment;
  relay->payload_func = payload_func;
  relay->impair_func = impair_func;
  relay->impair_data = user_data;
  if (relay->rand)
    g_rand_free (relay->rand);
  relay->rand = g_rand_new_with_seed (impairment ? impairment->seed : 0);
  if (!relay->held) {
    relay->held = g_new0 (HeldPacket, n);
    for (i = 0; i < n; i++)
      relay->held[i].data = g_malloc0 (HELD_MAX);
  }
}

/* What @participant sent on @channel, and how many copies went out. */
void
gst_e2ee_relay_get_stats (GstE2eeRelay * relay, guint participant,
    guint channel, GstE2eeRelayStats * stats)
{
  g_return_if_fail (participant < relay->n_participants);
  g_return_if_fail (channel < relay->n_channels);
  g_mutex_lock (&relay->lock);
  *stats = relay->stats[participant * relay->n_channels + channel];
  g_mutex_unlock (&relay->lock);
}

void
gst_e2ee_relay_free (GstE2eeRelay * relay)
{
  guint i;

  if (!relay)
    return;
  gst_e2ee_relay_stop (relay);
  for (i = 0; i < relay->n_participants * relay->n_channels; i++)
    if (relay->fds[i] >= 0)
      close (relay->fds[i]);
  if (relay->out_fd >= 0)
    close (relay->out_fd);
  if (relay->wake[0] >= 0)
    close (relay->wake[0]);
  if (relay->wake[1] >= 0)
    close (relay->wake[1]);
  g_mutex_clear (&relay->lock);
  if (relay->held) {
    for (i = 0; i < relay->n_participants * relay->n_channels; i++)
      g_free (relay->held[i].data);
    g_free (relay->held);
  }
  if (relay->rand)
    g_rand_free (relay->rand);
  g_free (relay->fds);
  g_free (relay->ports);
  g_free (relay->dest_ports);
  g_free (relay->stats);
  g_free (relay);
}
