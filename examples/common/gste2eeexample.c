/*
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * What the examples share.
 */
#include "gste2eeexample.h"

#include <stdio.h>
#include <string.h>

/* The test suite's valgrind setup cannot pass an option to one test only, so it
 * turns --slow on through the environment: any value but "" and "0". */
gboolean
gst_e2ee_example_slow_from_env (void)
{
  const gchar *v = g_getenv (GST_E2EE_EXAMPLE_SLOW_ENV);

  return v && *v && strcmp (v, "0") != 0;
}

/* rtpsession keeps a copy of every RTCP feedback packet it receives (each PLI: 12
 * bytes in a GstBuffer of its own) on the RTPSource the feedback is about, for
 * `rtcp-feedback-retention-window` (2 s), so that it can leave out a PLI another
 * receiver just sent. GStreamer 1.22.0 (Debian 12) never frees them: copies 35 s old
 * were found alive in the soak's senders. A sender whose receivers ask for key
 * frames (e2eedec does after every dropped frame) grows for ever, so no retention;
 * an application using rtpbin with AVPF has to do the same (docs/e2eedec.md).
 * Every session rtpbin has when this is called; call it after the pipeline is
 * built (gst_parse_launch() has requested the sessions' pads by then). */
void
gst_e2ee_example_drop_feedback_retention (GstElement * rtpbin)
{
  guint id;

  /* rtpbin numbers sessions from 0 and has no "how many" property: ask until
   * one is missing. */
  for (id = 0;; id++) {
    GObject *session = NULL;

    g_signal_emit_by_name (rtpbin, "get-internal-session", id, &session);
    if (!session)
      break;
    g_object_set (session, "rtcp-feedback-retention-window", GST_CLOCK_TIME_NONE,
        NULL);
    g_object_unref (session);
  }
}

/* rtpbin's recv_rtp_src_SESSION_SSRC_PT: which sender's stream a new pad carries.
 * FALSE for rtpbin's other pads. */
gboolean
gst_e2ee_example_parse_recv_pad (GstPad * pad, guint * session, guint * ssrc, guint * pt)
{
  gchar *name = gst_pad_get_name (pad);
  gboolean ok;

  /* rtpbin names these pads from three guints, so no number can overflow. */
  // NOLINTNEXTLINE(cert-err34-c)
  ok = sscanf (name, "recv_rtp_src_%u_%u_%u", session, ssrc, pt) == 3;
  g_free (name);
  return ok;
}

/* gst_parse_launch() builds what it can of a description naming an element GStreamer
 * does not know, and only the element lookups later would notice. Fatal errors
 * instead, and the error naming the element says where gst-e2ee's come from, as
 * gst-launch-1.0's "no element" does. @bin: a bin with ghost pads for its unlinked
 * pads, as gst_parse_bin_from_description() makes. */
GstElement *
gst_e2ee_example_parse_launch (const gchar * description, gboolean bin, GError ** error)
{
  GError *err = NULL;
  GstElement *e;

  if (bin)
    e = gst_parse_bin_from_description_full (description, TRUE, NULL,
        GST_PARSE_FLAG_FATAL_ERRORS, &err);
  else
    e = gst_parse_launch_full (description, NULL, GST_PARSE_FLAG_FATAL_ERRORS, &err);
  if (err && g_error_matches (err, GST_PARSE_ERROR, GST_PARSE_ERROR_NO_SUCH_ELEMENT)) {
    g_set_error (error, GST_PARSE_ERROR, GST_PARSE_ERROR_NO_SUCH_ELEMENT,
        "%s. gst-e2ee's elements load from the build tree when run through "
        "`meson devenv -C build` (or with GST_PLUGIN_PATH_1_0=build/ext:build/gst "
        "LD_LIBRARY_PATH=build/gst-libs/gst/e2ee); other elements come from the "
        "GStreamer plugin package that has them (scripts/install-deps.sh)",
        err->message);
    g_error_free (err);
    gst_clear_object (&e);
  } else if (err) {
    g_propagate_error (error, err);
    gst_clear_object (&e);
  }
  return e;
}
