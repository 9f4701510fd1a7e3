/* gst-e2ee: SFrame replay window
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <gst/e2ee/e2ee-prelude.h>

G_BEGIN_DECLS

/**
 * GST_E2EE_REPLAY_WINDOW_DEFAULT_SIZE:
 *
 * The default window: the last 1024 counter values.
 *
 * Since: 0.1
 */
#define GST_E2EE_REPLAY_WINDOW_DEFAULT_SIZE 1024

/**
 * GST_E2EE_REPLAY_WINDOW_MAX_SIZE:
 *
 * The largest window, 65536 counter values (an 8 KiB bitmap).
 *
 * Since: 0.1
 */
#define GST_E2EE_REPLAY_WINDOW_MAX_SIZE 65536

/**
 * GstE2eeReplayStatus:
 * @GST_E2EE_REPLAY_STATUS_OK: the counter has not been seen and is recent enough.
 * @GST_E2EE_REPLAY_STATUS_DUPLICATE: the counter was already committed: a replay.
 * @GST_E2EE_REPLAY_STATUS_TOO_OLD: the counter is older than the window reaches back,
 *   so whether it was seen is no longer known; it is refused.
 *
 * The verdict of gst_e2ee_replay_window_check().
 *
 * Since: 0.1
 */
typedef enum {
  GST_E2EE_REPLAY_STATUS_OK,
  GST_E2EE_REPLAY_STATUS_DUPLICATE,
  GST_E2EE_REPLAY_STATUS_TOO_OLD,
} GstE2eeReplayStatus;

/**
 * GstE2eeReplayWindow:
 *
 * A sliding window over the counters (CTR) received under one key: the highest
 * committed counter and a bitmap of which of the `size` counters up to it were
 * committed. Check a frame's counter before decrypting it and commit it only once
 * its tag has verified, so forged frames cannot move the window or mark counters as
 * seen.
 *
 * A window is not locked: it belongs to the one streaming thread that decrypts the
 * key's frames. Nothing is allocated after gst_e2ee_replay_window_new().
 *
 * Since: 0.1
 */
typedef struct _GstE2eeReplayWindow GstE2eeReplayWindow;

GST_E2EE_API
GType     gst_e2ee_replay_window_get_type (void);
#define GST_E2EE_TYPE_REPLAY_WINDOW (gst_e2ee_replay_window_get_type ())

GST_E2EE_API
GstE2eeReplayWindow * gst_e2ee_replay_window_new (guint size);

GST_E2EE_API
GstE2eeReplayWindow * gst_e2ee_replay_window_copy (const GstE2eeReplayWindow *window);

GST_E2EE_API
void      gst_e2ee_replay_window_free (GstE2eeReplayWindow *window);

GST_E2EE_API
guint     gst_e2ee_replay_window_get_size (const GstE2eeReplayWindow *window);

GST_E2EE_API
gboolean  gst_e2ee_replay_window_get_highest (const GstE2eeReplayWindow *window,
                                              guint64 *ctr);

GST_E2EE_API
GstE2eeReplayStatus gst_e2ee_replay_window_check (const GstE2eeReplayWindow *window,
                                                  guint64 ctr);

GST_E2EE_API
GstE2eeReplayStatus gst_e2ee_replay_window_commit (GstE2eeReplayWindow *window,
                                                   guint64 ctr);

GST_E2EE_API
void      gst_e2ee_replay_window_reset (GstE2eeReplayWindow *window);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (GstE2eeReplayWindow, gst_e2ee_replay_window_free)

G_END_DECLS
