/* gst-e2ee: SFrame replay window
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

/**
 * SECTION:gste2eereplay
 * @title: GstE2eeReplayWindow
 * @short_description: sliding-window replay protection for SFrame counters
 *
 * An SFU, or anyone on the path, can resend a frame it saw: it still authenticates.
 * A receiver that remembers which counters it accepted under a key can refuse the
 * copy. #GstE2eeReplayWindow remembers the last `size` counters below the highest one
 * accepted, like the SRTP replay list (RFC 3711 §3.3.2), so that frames reordered by
 * the network within the window still pass.
 *
 * |[<!-- language="C" -->
 * switch (gst_e2ee_replay_window_check (window, ctr)) {
 *   case GST_E2EE_REPLAY_STATUS_DUPLICATE: drop, count a replay; break;
 *   case GST_E2EE_REPLAY_STATUS_TOO_OLD: drop, count a late frame; break;
 *   case GST_E2EE_REPLAY_STATUS_OK:
 *     if (!gst_e2ee_sframe_key_decrypt (key, ..., &error))
 *       drop, count an authentication failure;   // the window is untouched
 *     else
 *       gst_e2ee_replay_window_commit (window, ctr);
 * }
 * ]|
 *
 * Since: 0.1
 */

#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "gste2eereplay.h"

#include <string.h>

struct _GstE2eeReplayWindow
{
  guint size;                   /* counters remembered below and including the highest */
  guint n_bits;                 /* bitmap size: a power of two >= size, >= 64 */
  gboolean has_highest;
  guint64 highest;
  /* Bit (ctr & (n_bits - 1)) records ctr, for ctr in (highest - size, highest]: a ring,
   * so moving forward clears the bits it passes instead of shifting the bitmap. */
  guint64 bits[];
};

G_DEFINE_BOXED_TYPE (GstE2eeReplayWindow, gst_e2ee_replay_window,
    gst_e2ee_replay_window_copy, gst_e2ee_replay_window_free);

static gsize
window_alloc_size (guint n_bits)
{
  return sizeof (GstE2eeReplayWindow) + n_bits / 8;
}

/**
 * gst_e2ee_replay_window_new:
 * @size: how many counters below and including the highest one are remembered,
 *   at most %GST_E2EE_REPLAY_WINDOW_MAX_SIZE; 0 turns replay protection off (every
 *   check passes)
 *
 * Returns: (transfer full): a new, empty window.
 *
 * Since: 0.1
 */
GstE2eeReplayWindow *
gst_e2ee_replay_window_new (guint size)
{
  GstE2eeReplayWindow *w;
  guint n_bits = 64;

  g_return_val_if_fail (size <= GST_E2EE_REPLAY_WINDOW_MAX_SIZE, NULL);

  while (n_bits < size)
    n_bits <<= 1;
  w = g_malloc0 (window_alloc_size (n_bits));
  w->size = size;
  w->n_bits = n_bits;
  return w;
}

/**
 * gst_e2ee_replay_window_copy:
 * @window: a #GstE2eeReplayWindow
 *
 * Returns: (transfer full): a copy of @window, with the same state.
 *
 * Since: 0.1
 */
GstE2eeReplayWindow *
gst_e2ee_replay_window_copy (const GstE2eeReplayWindow * window)
{
  g_return_val_if_fail (window != NULL, NULL);
  return g_memdup2 (window, window_alloc_size (window->n_bits));
}

/**
 * gst_e2ee_replay_window_free:
 * @window: (transfer full) (nullable): a #GstE2eeReplayWindow
 *
 * Frees @window.
 *
 * Since: 0.1
 */
void
gst_e2ee_replay_window_free (GstE2eeReplayWindow * window)
{
  g_free (window);
}

/**
 * gst_e2ee_replay_window_get_size:
 * @window: a #GstE2eeReplayWindow
 *
 * Returns: the window size given to gst_e2ee_replay_window_new(); 0 means off.
 *
 * Since: 0.1
 */
guint
gst_e2ee_replay_window_get_size (const GstE2eeReplayWindow * window)
{
  g_return_val_if_fail (window != NULL, 0);
  return window->size;
}

/**
 * gst_e2ee_replay_window_get_highest:
 * @window: a #GstE2eeReplayWindow
 * @ctr: (out) (optional): the highest committed counter
 *
 * Returns: %TRUE if a counter was committed since the window was created or reset
 *   (and @ctr was set).
 *
 * Since: 0.1
 */
gboolean
gst_e2ee_replay_window_get_highest (const GstE2eeReplayWindow * window, guint64 * ctr)
{
  g_return_val_if_fail (window != NULL, FALSE);
  if (window->has_highest && ctr)
    *ctr = window->highest;
  return window->has_highest;
}

static inline gboolean
bit_get (const GstE2eeReplayWindow * w, guint64 ctr)
{
  guint pos = (guint) (ctr & (w->n_bits - 1));
  return (w->bits[pos / 64] >> (pos % 64)) & 1;
}

static inline void
bit_set (GstE2eeReplayWindow * w, guint64 ctr)
{
  guint pos = (guint) (ctr & (w->n_bits - 1));
  w->bits[pos / 64] |= G_GUINT64_CONSTANT (1) << (pos % 64);
}

/* Clears @count ring positions starting at @start, @count < n_bits. */
static void
clear_ring (GstE2eeReplayWindow * w, guint start, guint count)
{
  while (count > 0) {
    guint word = start / 64, bit = start % 64;
    guint n = MIN (64 - bit, count);
    guint64 mask = (n == 64 ? G_MAXUINT64 : ((G_GUINT64_CONSTANT (1) << n) - 1)) << bit;

    w->bits[word] &= ~mask;
    count -= n;
    start = (start + n) & (w->n_bits - 1);
  }
}

/**
 * gst_e2ee_replay_window_check:
 * @window: a #GstE2eeReplayWindow
 * @ctr: the counter of a frame about to be decrypted
 *
 * Tells whether a frame with @ctr may be a replay, without changing @window. A
 * counter above the highest committed one always passes; one within the window passes
 * unless it was committed; one further back is %GST_E2EE_REPLAY_STATUS_TOO_OLD.
 *
 * Returns: the verdict; with a window of size 0, always %GST_E2EE_REPLAY_STATUS_OK.
 *
 * Since: 0.1
 */
GstE2eeReplayStatus
gst_e2ee_replay_window_check (const GstE2eeReplayWindow * window, guint64 ctr)
{
  g_return_val_if_fail (window != NULL, GST_E2EE_REPLAY_STATUS_OK);

  if (window->size == 0 || !window->has_highest || ctr > window->highest)
    return GST_E2EE_REPLAY_STATUS_OK;
  if (window->highest - ctr >= window->size)
    return GST_E2EE_REPLAY_STATUS_TOO_OLD;
  return bit_get (window, ctr) ? GST_E2EE_REPLAY_STATUS_DUPLICATE :
      GST_E2EE_REPLAY_STATUS_OK;
}

/**
 * gst_e2ee_replay_window_commit:
 * @window: a #GstE2eeReplayWindow
 * @ctr: the counter of a frame that authenticated
 *
 * Records @ctr as received, moving the window forward if @ctr is the highest yet.
 * Call it only after the frame's tag verified. If @ctr no longer passes
 * gst_e2ee_replay_window_check() (another copy was committed in between), nothing
 * changes and the verdict is returned, so the caller can still drop the frame.
 *
 * Returns: %GST_E2EE_REPLAY_STATUS_OK if @ctr was recorded, else why it was not.
 *
 * Since: 0.1
 */
GstE2eeReplayStatus
gst_e2ee_replay_window_commit (GstE2eeReplayWindow * window, guint64 ctr)
{
  GstE2eeReplayStatus status;

  g_return_val_if_fail (window != NULL, GST_E2EE_REPLAY_STATUS_OK);

  if (window->size == 0)
    return GST_E2EE_REPLAY_STATUS_OK;
  status = gst_e2ee_replay_window_check (window, ctr);
  if (status != GST_E2EE_REPLAY_STATUS_OK)
    return status;

  if (!window->has_highest) {
    window->has_highest = TRUE;
    window->highest = ctr;
  } else if (ctr > window->highest) {
    guint64 delta = ctr - window->highest;

    if (delta >= window->n_bits)
      memset (window->bits, 0, window->n_bits / 8);
    else
      clear_ring (window, (guint) ((window->highest + 1) & (window->n_bits - 1)),
          (guint) delta);
    window->highest = ctr;
  }
  bit_set (window, ctr);
  return GST_E2EE_REPLAY_STATUS_OK;
}

/**
 * gst_e2ee_replay_window_reset:
 * @window: a #GstE2eeReplayWindow
 *
 * Forgets every committed counter, as for a new key.
 *
 * Since: 0.1
 */
void
gst_e2ee_replay_window_reset (GstE2eeReplayWindow * window)
{
  g_return_if_fail (window != NULL);
  window->has_highest = FALSE;
  window->highest = 0;
  memset (window->bits, 0, window->n_bits / 8);
}
