/* gst-e2ee: frames waiting for their key
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <gst/gst.h>

G_BEGIN_DECLS

/* A bounded FIFO of frames whose KID has no key yet (a late joiner, or a key message
 * racing the media). Streaming thread only. */
typedef struct {
  GQueue frames;                /* HeldFrame, oldest first */
  gsize bytes;
} GstE2eeHold;

typedef struct {
  GstBuffer *buffer;
  guint64 kid;
  GstClockTime pts;             /* stream time it arrived at, if known */
  gint64 arrival;               /* monotonic µs, when pts is unknown */
} GstE2eeHeldFrame;

void        gst_e2ee_hold_init (GstE2eeHold *hold);
void        gst_e2ee_hold_clear (GstE2eeHold *hold);
gboolean    gst_e2ee_hold_has_kid (const GstE2eeHold *hold, guint64 kid);
void        gst_e2ee_hold_push (GstE2eeHold *hold, GstBuffer *buffer, guint64 kid);
GstE2eeHeldFrame * gst_e2ee_hold_pop (GstE2eeHold *hold);
GstE2eeHeldFrame * gst_e2ee_hold_pop_expired (GstE2eeHold *hold, GstClockTime now_pts,
                                              GstClockTime max_age);
GstE2eeHeldFrame * gst_e2ee_hold_pop_for_kid (GstE2eeHold *hold, gboolean (*known) (guint64 kid, gpointer data),
                                              gpointer data);
void        gst_e2ee_held_frame_free (GstE2eeHeldFrame *frame);

static inline guint
gst_e2ee_hold_length (const GstE2eeHold *hold)
{
  return hold->frames.length;
}

G_END_DECLS
