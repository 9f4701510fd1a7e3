/* gst-e2ee: recording-free sessions: what downstream of e2eedec writes or re-sends
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <gst/gst.h>
#include <gst/e2ee/gste2eepolicybinding.h>

G_BEGIN_DECLS

gchar *     gst_e2ee_recording_find (GstElement * element);
gboolean    gst_e2ee_recording_check (GstElement * element, GstE2eePolicyBinding * policy);

G_END_DECLS
