/*
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Hang guards for the tests: how long a test waits for something that normally takes
 * a small fraction of that (a short pipeline reaching EOS, a sample arriving) before
 * it fails instead of hanging until meson kills it. They are not timing checks.
 *
 * Under valgrind and ASan everything runs 5 to 50 times slower, and a machine shared
 * with other work adds to that: those runs set check's own CK_TIMEOUT_MULTIPLIER
 * (tests/meson.build, scripts/sanitizers.sh), which scales the guards as it scales
 * check's test timeouts.
 */
#ifndef GST_E2EE_CHECK_HANGGUARD_H
#define GST_E2EE_CHECK_HANGGUARD_H

#include <gst/gst.h>

static inline gdouble
hang_guard_multiplier (void)
{
  const gchar *env = g_getenv ("CK_TIMEOUT_MULTIPLIER");
  gdouble m = env ? g_ascii_strtod (env, NULL) : 1.0;

  return m >= 1.0 && m <= 1000.0 ? m : 1.0;
}

/* @seconds of hang guard, scaled, as a GstClockTime. */
static inline GstClockTime
hang_guard (guint seconds)
{
  return (GstClockTime) (seconds * hang_guard_multiplier () * GST_SECOND);
}

#endif /* GST_E2EE_CHECK_HANGGUARD_H */
