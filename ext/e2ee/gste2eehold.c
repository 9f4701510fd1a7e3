/* gst-e2ee: frames waiting for their key
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "gste2eehold.h"

void
gst_e2ee_hold_init (GstE2eeHold * hold)
{
  g_queue_init (&hold->frames);
  hold->bytes = 0;
}

void
gst_e2ee_held_frame_free (GstE2eeHeldFrame * frame)
{
  gst_buffer_unref (frame->buffer);
  g_free (frame);
}

void
gst_e2ee_hold_clear (GstE2eeHold * hold)
{
  g_queue_clear_full (&hold->frames, (GDestroyNotify) gst_e2ee_held_frame_free);
  hold->bytes = 0;
}

gboolean
gst_e2ee_hold_has_kid (const GstE2eeHold * hold, guint64 kid)
{
  GList *l;

  for (l = hold->frames.head; l; l = l->next)
    if (((GstE2eeHeldFrame *) l->data)->kid == kid)
      return TRUE;
  return FALSE;
}

/* Takes @buffer. */
void
gst_e2ee_hold_push (GstE2eeHold * hold, GstBuffer * buffer, guint64 kid)
{
  GstE2eeHeldFrame *f = g_new (GstE2eeHeldFrame, 1);

  f->buffer = buffer;
  f->kid = kid;
  f->pts = GST_BUFFER_PTS (buffer);
  f->arrival = g_get_monotonic_time ();
  hold->bytes += gst_buffer_get_size (buffer);
  g_queue_push_tail (&hold->frames, f);
}

static GstE2eeHeldFrame *
take (GstE2eeHold * hold, GList * link)
{
  GstE2eeHeldFrame *f = link->data;

  g_queue_delete_link (&hold->frames, link);
  hold->bytes -= gst_buffer_get_size (f->buffer);
  return f;
}

GstE2eeHeldFrame *
gst_e2ee_hold_pop (GstE2eeHold * hold)
{
  return hold->frames.head ? take (hold, hold->frames.head) : NULL;
}

/* The oldest frame held longer than @max_age: measured in stream time when both
 * timestamps are known (deterministic, and right for a paused or file-fed stream),
 * otherwise in wall-clock time since it arrived. */
GstE2eeHeldFrame *
gst_e2ee_hold_pop_expired (GstE2eeHold * hold, GstClockTime now_pts, GstClockTime max_age)
{
  GstE2eeHeldFrame *f = hold->frames.head ? hold->frames.head->data : NULL;
  gboolean expired;

  if (f == NULL)
    return NULL;
  if (GST_CLOCK_TIME_IS_VALID (now_pts) && GST_CLOCK_TIME_IS_VALID (f->pts))
    expired = now_pts > f->pts && now_pts - f->pts > max_age;
  else
    expired = (GstClockTime) (g_get_monotonic_time () - f->arrival) * GST_USECOND > max_age;
  return expired ? take (hold, hold->frames.head) : NULL;
}

/* The oldest frame whose KID @known() now has a key, keeping the others' order. */
GstE2eeHeldFrame *
gst_e2ee_hold_pop_for_kid (GstE2eeHold * hold, gboolean (*known) (guint64 kid,
        gpointer data), gpointer data)
{
  GList *l;

  for (l = hold->frames.head; l; l = l->next)
    if (known (((GstE2eeHeldFrame *) l->data)->kid, data))
      return take (hold, l);
  return NULL;
}
