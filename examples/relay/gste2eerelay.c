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
 * packet as received (and forwarded unchanged).
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
forward (GstE2eeRelay * relay, guint from, guint channel, const guint8 * data,
    gsize size)
{
  struct sockaddr_in addr = { 0 };
  guint q, sent = 0, errors = 0;

  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl (INADDR_LOOPBACK);

  if (relay->dump) {
    guint32 be = GUINT32_TO_BE ((guint32) size);
    fwrite (&be, 4, 1, relay->dump);
    fwrite (data, 1, size, relay->dump);
  }

  for (q = 0; q < relay->n_participants; q++) {
    guint16 port = relay->dest_ports[q * relay->n_channels + channel];

    if (q == from || port == 0)
      continue;
    addr.sin_port = htons (port);
    if (sendto (relay->out_fd, data, size, 0, (struct sockaddr *) &addr,
            sizeof (addr)) < 0)
      errors++;
    else
      sent++;
  }

  g_mutex_lock (&relay->lock);
  {
    GstE2eeRelayStats *st = &relay->stats[from * relay->n_channels + channel];

    st->packets_in++;
    st->bytes_in += size;
    st->packets_out += sent;
    st->send_errors += errors;
  }
  g_mutex_unlock (&relay->lock);
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
    if (poll (pfd, n + 1, -1) < 0) {
      if (errno == EINTR)
        continue;
      g_warning ("relay: poll: %s", g_strerror (errno));
      break;
    }
    if (pfd[n].revents)
      break;
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
  g_free (relay->fds);
  g_free (relay->ports);
  g_free (relay->dest_ports);
  g_free (relay->stats);
  g_free (relay);
}
