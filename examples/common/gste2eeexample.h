/*
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * What the examples share.
 */
#ifndef __GST_E2EE_EXAMPLE_H__
#define __GST_E2EE_EXAMPLE_H__

#include <gst/gst.h>

G_BEGIN_DECLS

/* The environment variable that turns on the examples' --slow. */
#define GST_E2EE_EXAMPLE_SLOW_ENV "GST_E2EE_EXAMPLES_SLOW"

gboolean gst_e2ee_example_slow_from_env (void);

void gst_e2ee_example_drop_feedback_retention (GstElement * rtpbin);

gboolean gst_e2ee_example_parse_recv_pad (GstPad * pad, guint * session, guint * ssrc,
    guint * pt);

GstElement *gst_e2ee_example_parse_launch (const gchar * description, gboolean bin,
    GError ** error);

G_END_DECLS

#endif /* __GST_E2EE_EXAMPLE_H__ */
