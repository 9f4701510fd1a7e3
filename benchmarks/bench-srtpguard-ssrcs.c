/* gst-e2ee: srtpguard's cost per refused SSRC (issue 18, item 4)
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Pushes N plain RTP packets, each of a new SSRC, into a srtpguard that requires
 * encryption (the refusal path), with a bus that nobody drains, as an application
 * that is busy elsewhere would have it. Prints the time, the messages left on the bus
 * and the peak RSS. Run it under `/usr/bin/time -v` for an outside view of the memory:
 *
 *   /usr/bin/time -v build/benchmarks/gst-e2ee-bench-ssrcs 4096
 *
 * GST_PLUGIN_PATH_1_0 chooses the srtpguard build to measure (default: this tree's).
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <stdlib.h>
#include <sys/resource.h>
#include <gst/gst.h>

#include "bench.h"

static GstBuffer *
plain_rtp (guint16 seq, guint32 ssrc)
{
  guint8 *d = g_malloc0 (172);

  d[0] = 0x80;
  d[1] = 96;
  GST_WRITE_UINT16_BE (d + 2, seq);
  GST_WRITE_UINT32_BE (d + 4, seq * 160u);
  GST_WRITE_UINT32_BE (d + 8, ssrc);
  return gst_buffer_new_wrapped (d, 172);
}

int
main (int argc, char **argv)
{
  guint n = argc > 1 ? (guint) g_ascii_strtoull (argv[1], NULL, 10) : 4096;
  GstElement *guard;
  GstBus *bus;
  GstPad *src, *sink;
  GstCaps *caps;
  GstSegment segment;
  GstMessage *msg;
  struct rusage ru;
  gint64 start, end;
  guint i, n_msgs = 0, n_warnings = 0, n_status = 0;

  g_setenv ("GST_PLUGIN_PATH_1_0", BENCH_PLUGIN_PATH, FALSE);
  g_setenv ("GST_REGISTRY_1_0", BENCH_REGISTRY, FALSE);
  gst_init (&argc, &argv);

  guard = gst_element_factory_make ("srtpguard", NULL);
  BENCH_CHECK (guard != NULL);
  bus = gst_bus_new ();
  gst_element_set_bus (guard, bus);
  src = gst_pad_new ("src", GST_PAD_SRC);
  sink = gst_element_get_static_pad (guard, "rtp_sink");
  BENCH_CHECK (gst_pad_link (src, sink) == GST_PAD_LINK_OK);
  gst_object_unref (sink);
  BENCH_CHECK (gst_element_set_state (guard, GST_STATE_PLAYING) ==
      GST_STATE_CHANGE_SUCCESS);
  gst_pad_set_active (src, TRUE);
  gst_pad_push_event (src, gst_event_new_stream_start ("ssrcs"));
  caps = gst_caps_from_string ("application/x-rtp, media=audio, clock-rate=8000, "
      "encoding-name=PCMA, payload=96");
  gst_pad_push_event (src, gst_event_new_caps (caps));
  gst_caps_unref (caps);
  gst_segment_init (&segment, GST_FORMAT_TIME);
  gst_pad_push_event (src, gst_event_new_segment (&segment));

  start = g_get_monotonic_time ();
  for (i = 0; i < n; i++)
    BENCH_CHECK (gst_pad_push (src, plain_rtp (i, 0x10000000u + i)) == GST_FLOW_OK);
  end = g_get_monotonic_time ();
  getrusage (RUSAGE_SELF, &ru);

  while ((msg = gst_bus_pop (bus))) {
    n_msgs++;
    if (GST_MESSAGE_TYPE (msg) == GST_MESSAGE_WARNING)
      n_warnings++;
    else if (gst_message_has_name (msg, "srtpguard-status"))
      n_status++;
    gst_message_unref (msg);
  }
  g_print ("%u SSRCs: %.3f s, %u bus messages (%u warnings, %u srtpguard-status), "
      "peak RSS %ld kB\n", n, (end - start) / 1e6, n_msgs, n_warnings, n_status,
      ru.ru_maxrss);

  gst_element_set_state (guard, GST_STATE_NULL);
  gst_element_set_bus (guard, NULL);
  gst_object_unref (guard);
  gst_object_unref (src);
  gst_object_unref (bus);
  return EXIT_SUCCESS;
}
