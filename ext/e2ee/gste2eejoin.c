/* gst-e2ee: the pieces of an H.264/H.265 access unit that a depayloader cut
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * rtph264depay ends an access unit at a parameter set that follows a slice, and
 * rtph264pay config-interval=-1 sends the parameter sets before every IDR slice: an
 * IDR frame of several slices (x264enc sliced-threads, tune=zerolatency) reaches
 * e2eedec as one buffer per slice, all with the frame's timestamp. No piece
 * authenticates alone; joined in order they are the frame that was encrypted. So a
 * piece that fails is kept (not yet reported) until the next buffer shows whether it
 * continues it: same timestamp, and a first slice that does not start a picture (the
 * codec layout leaves first_mb_in_slice and first_slice_segment_in_pic_flag clear).
 */

#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "gste2eejoin.h"

void
gst_e2ee_join_init (GstE2eeJoin * join)
{
  join->pieces = NULL;
  join->count = 0;
  join->kid = join->ctr = 0;
  join->reason = 0;
  join->detail = NULL;
}

void
gst_e2ee_join_clear (GstE2eeJoin * join)
{
  gst_clear_buffer (&join->pieces);
  g_clear_pointer (&join->detail, g_free);
  join->count = 0;
}

gboolean
gst_e2ee_join_continues (const GstE2eeJoin * join, GstE2eeLayoutCodec codec,
    GstBuffer * buf)
{
  GstMapInfo map;
  gboolean cont;

  if (join->pieces == NULL || GST_BUFFER_PTS (buf) != GST_BUFFER_PTS (join->pieces))
    return FALSE;
  if (!gst_buffer_map (buf, &map, GST_MAP_READ))
    return FALSE;
  cont = gst_e2ee_layout_is_continuation (codec, map.data, map.size);
  gst_buffer_unmap (buf, &map);
  return cont;
}

/* Puts the kept pieces in front of @buf's memory, which is then the frame so far, and
 * forgets them. Returns how many pieces @buf now holds. */
guint
gst_e2ee_join_prepend (GstE2eeJoin * join, GstBuffer * buf)
{
  guint i, n = gst_buffer_n_memory (join->pieces), count = join->count + 1;

  for (i = n; i > 0; i--)
    gst_buffer_insert_memory (buf, 0, gst_buffer_get_memory (join->pieces, i - 1));
  /* A piece with a key frame's first slice makes the whole a key frame. */
  if (!GST_BUFFER_FLAG_IS_SET (join->pieces, GST_BUFFER_FLAG_DELTA_UNIT))
    GST_BUFFER_FLAG_UNSET (buf, GST_BUFFER_FLAG_DELTA_UNIT);
  gst_e2ee_join_clear (join);
  return count;
}

/* Keeps @buf (a reference), a frame of @count pieces that did not authenticate, unless
 * it already has as many pieces as a frame may have. */
gboolean
gst_e2ee_join_keep (GstE2eeJoin * join, GstBuffer * buf, guint count, guint64 kid,
    guint64 ctr, guint reason, const gchar * detail)
{
  if (count >= GST_E2EE_JOIN_MAX_PIECES)
    return FALSE;
  gst_e2ee_join_clear (join);
  join->pieces = gst_buffer_ref (buf);
  join->count = count;
  join->kid = kid;
  join->ctr = ctr;
  join->reason = reason;
  join->detail = g_strdup (detail);
  return TRUE;
}
