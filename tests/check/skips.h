/*
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Tests that need GStreamer elements a machine may not have (encoders, decoders,
 * payloaders from other plugin sets). check has no "skipped" result: a test that
 * returned early for want of an encoder counted as passed, and a machine without
 * the codecs looked fully tested. Here such a test says so instead:
 *
 *   if (!have_elements ("x264enc rtph264pay"))
 *     return;
 *
 * have_elements() prints what is missing and counts the test as skipped, in memory
 * that the forked test processes share with the binary (check runs each test in a
 * child of its own unless CK_FORK=no). GST_CHECK_MAIN_WITH_SKIPS() then ends the
 * binary with 77, meson's "skipped" exit code, when every test that ran passed but
 * some did not run (whole): meson prints SKIP, and scripts/testlog-summary.py counts
 * it as skipped, not passed. A failure still fails the binary.
 */
#ifndef GST_E2EE_CHECK_SKIPS_H
#define GST_E2EE_CHECK_SKIPS_H

#include <gst/check/gstcheck.h>
#include <string.h>
#include <sys/mman.h>

/* meson's exit code for a skipped test */
#define GST_E2EE_CHECK_SKIPPED 77

static gint *skipped_tests;

/* Whether every element named in @names exists: the names of a launch fragment
 * ("h264parse ! openh264dec"), whose links, properties, caps and pad references are
 * left out. When one does not, the running test counts as skipped. */
static inline gboolean
have_elements (const gchar * names)
{
  gchar **v = g_strsplit (names, " ", -1);
  gboolean ok = TRUE;
  guint i;

  for (i = 0; v[i]; i++) {
    GstElementFactory *f;

    if (v[i][0] == '\0' || strcmp (v[i], "!") == 0 || strpbrk (v[i], "=/.") != NULL)
      continue;
    f = gst_element_factory_find (v[i]);
    if (f) {
      gst_object_unref (f);
      continue;
    }
    g_printerr ("%s not installed: test skipped (exit code %d)\n", v[i],
        GST_E2EE_CHECK_SKIPPED);
    ok = FALSE;
  }
  g_strfreev (v);
  if (!ok)
    g_atomic_int_inc (skipped_tests);
  return ok;
}

/* Where the skips are counted: shared, so that a forked test's count reaches the
 * binary. */
static inline void
skips_init (void)
{
  gpointer mem = mmap (NULL, sizeof (gint), PROT_READ | PROT_WRITE,
      MAP_SHARED | MAP_ANONYMOUS, -1, 0);

  g_assert (mem != MAP_FAILED);
  skipped_tests = mem;
}

/* The binary's exit code: check's failures first, then the skips. */
static inline int
skips_exit_code (int failed)
{
  gint n = g_atomic_int_get (skipped_tests);

  /* check's count of failures: 77 of them must not read as skipped, 256 as passed */
  if (failed)
    return 1;
  if (n == 0)
    return 0;
  g_printerr ("%d test(s) skipped for want of elements: exiting with %d\n", n,
      GST_E2EE_CHECK_SKIPPED);
  return GST_E2EE_CHECK_SKIPPED;
}

/* GST_CHECK_MAIN(), ending with 77 when a test was skipped (see above). */
#define GST_CHECK_MAIN_WITH_SKIPS(name)                                 \
int                                                                     \
main (int argc, char **argv)                                            \
{                                                                       \
  Suite *s;                                                             \
                                                                        \
  skips_init ();                                                        \
  gst_check_init (&argc, &argv);                                        \
  s = name##_suite ();                                                  \
  return skips_exit_code (gst_check_run_suite (s, #name, __FILE__));    \
}

#endif /* GST_E2EE_CHECK_SKIPS_H */
