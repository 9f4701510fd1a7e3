/*
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * gst-e2ee-relay: a key-less forwarding relay on 127.0.0.1.
 *
 *   gst-e2ee-relay --participants 3 --channels 4 --base-port 20000 \
 *       --dest-base-port 30000 --dump relay.bin
 *
 * Participant p sends channel c to port base-port + p * channels + c and receives
 * channel c on dest-base-port + p * channels + c; every packet is forwarded to
 * every other participant. With --dump each packet is appended to the file as a
 * 4-byte big-endian length and the packet.
 *
 * Impairment, for RTP channels (by default channels 0 and 2: video and audio RTP in
 * the meeting example's numbering):
 *
 *   gst-e2ee-relay ... --drop 1 --reorder 1 --duplicate 1 --corrupt 1 --seed 7
 */
#include "gste2eerelay.h"

#include <glib-unix.h>
#include <stdlib.h>

static gint corrupt_skip;

/* --corrupt-skip: leave a payload descriptor of that many bytes alone. */
static gsize
skip_descriptor (guint channel, const guint8 * payload, gsize size, gpointer data)
{
  return corrupt_skip;
}

static gboolean
on_signal (gpointer loop)
{
  g_main_loop_quit (loop);
  return G_SOURCE_REMOVE;
}

int
main (int argc, char **argv)
{
  gint participants = 2, channels = 4, base_port = 0, dest_base_port = 0;
  gint seconds = 0;
  gchar *dump = NULL;
  GstE2eeRelayImpairment imp = { 0, 0, 0, 0, 0, 0x5 };
  GOptionEntry entries[] = {
    {"participants", 'n', 0, G_OPTION_ARG_INT, &participants,
        "Number of participants (default 2)", "N"},
    {"channels", 'c', 0, G_OPTION_ARG_INT, &channels,
        "UDP flows per participant, e.g. video RTP/RTCP, audio RTP/RTCP (default 4)",
        "C"},
    {"base-port", 'b', 0, G_OPTION_ARG_INT, &base_port,
        "First port the relay listens on (default: any free ports, printed)", "PORT"},
    {"dest-base-port", 'd', 0, G_OPTION_ARG_INT, &dest_base_port,
        "First port participants receive on (required)", "PORT"},
    {"dump", 0, 0, G_OPTION_ARG_FILENAME, &dump,
        "Write every forwarded packet to FILE", "FILE"},
    {"drop", 0, 0, G_OPTION_ARG_DOUBLE, &imp.drop,
        "Drop this percentage of RTP packets", "PCT"},
    {"reorder", 0, 0, G_OPTION_ARG_DOUBLE, &imp.reorder,
        "Send this percentage after 1 to 3 later packets", "PCT"},
    {"duplicate", 0, 0, G_OPTION_ARG_DOUBLE, &imp.duplicate,
        "Send this percentage twice", "PCT"},
    {"corrupt", 0, 0, G_OPTION_ARG_DOUBLE, &imp.corrupt,
        "Change 1 to 4 payload bytes of this percentage", "PCT"},
    {"seed", 0, 0, G_OPTION_ARG_INT, &imp.seed,
        "Seed of the impairment's choices (default 0)", "SEED"},
    {"corrupt-skip", 0, 0, G_OPTION_ARG_INT, &corrupt_skip,
        "Never corrupt the first N payload bytes (e.g. 4 for a VP8 payload "
        "descriptor with a 15-bit PictureID)", "N"},
    {"impair-channels", 0, 0, G_OPTION_ARG_INT, &imp.channel_mask,
        "Bit mask of the channels to impair, all RTP (default 5: channels 0 and 2)",
        "MASK"},
    {"seconds", 's', 0, G_OPTION_ARG_INT, &seconds,
        "Stop after S seconds (default: run until interrupted)", "S"},
    {NULL}
  };
  GOptionContext *ctx = g_option_context_new ("- forward RTP/RTCP between participants");
  GError *error = NULL;
  GstE2eeRelay *relay;
  GMainLoop *loop;
  gint p, c;

  g_option_context_add_main_entries (ctx, entries, NULL);
  if (!g_option_context_parse (ctx, &argc, &argv, &error)) {
    g_printerr ("%s\n", error->message);
    g_error_free (error);
    g_option_context_free (ctx);
    return 2;
  }
  g_option_context_free (ctx);
  if (participants < 2 || channels < 1 || dest_base_port <= 0
      || base_port < 0 || base_port + participants * channels > 65535
      || dest_base_port + participants * channels > 65535) {
    g_printerr ("need --participants >= 2, --channels >= 1, and valid ports "
        "(--dest-base-port is required)\n");
    return 2;
  }
  if (imp.drop < 0 || imp.drop > 100 || imp.reorder < 0 || imp.reorder > 100
      || imp.duplicate < 0 || imp.duplicate > 100 || imp.corrupt < 0
      || imp.corrupt > 100 || corrupt_skip < 0) {
    g_printerr ("percentages go from 0 to 100, --corrupt-skip from 0\n");
    return 2;
  }

  relay = gst_e2ee_relay_new (participants, channels, base_port, &error);
  if (!relay) {
    g_printerr ("%s\n", error->message);
    return 1;
  }
  for (p = 0; p < participants; p++) {
    for (c = 0; c < channels; c++) {
      gst_e2ee_relay_set_destination (relay, p, c,
          dest_base_port + p * channels + c);
      g_print ("participant %d channel %d: send to 127.0.0.1:%u, receive on %d\n",
          p, c, gst_e2ee_relay_get_port (relay, p, c),
          dest_base_port + p * channels + c);
    }
  }
  if (imp.drop > 0 || imp.reorder > 0 || imp.duplicate > 0 || imp.corrupt > 0)
    gst_e2ee_relay_set_impairment (relay, &imp,
        corrupt_skip > 0 ? skip_descriptor : NULL, NULL, NULL);
  if (!gst_e2ee_relay_start (relay, dump, &error)) {
    g_printerr ("%s\n", error->message);
    return 1;
  }

  loop = g_main_loop_new (NULL, FALSE);
  g_unix_signal_add (SIGINT, on_signal, loop);
  g_unix_signal_add (SIGTERM, on_signal, loop);
  if (seconds > 0)
    g_timeout_add_seconds (seconds, on_signal, loop);
  g_main_loop_run (loop);

  gst_e2ee_relay_stop (relay);
  for (p = 0; p < participants; p++) {
    for (c = 0; c < channels; c++) {
      GstE2eeRelayStats s;

      gst_e2ee_relay_get_stats (relay, p, c, &s);
      g_print ("participant %d channel %d: %" G_GUINT64_FORMAT " packets in (%"
          G_GUINT64_FORMAT " bytes), %" G_GUINT64_FORMAT " out, %"
          G_GUINT64_FORMAT " send errors; dropped %" G_GUINT64_FORMAT
          ", corrupted %" G_GUINT64_FORMAT ", duplicated %" G_GUINT64_FORMAT
          ", reordered %" G_GUINT64_FORMAT "\n", p, c, s.packets_in, s.bytes_in,
          s.packets_out, s.send_errors, s.dropped, s.corrupted, s.duplicated,
          s.reordered);
    }
  }
  gst_e2ee_relay_free (relay);
  g_main_loop_unref (loop);
  g_free (dump);
  return 0;
}
