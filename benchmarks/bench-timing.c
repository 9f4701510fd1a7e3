/* gst-e2ee benchmark: timing
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "bench.h"

#include <stdio.h>
#include <string.h>
#include <time.h>
#include <sys/resource.h>

guint64
bench_now_ns (void)
{
  struct timespec ts;

  clock_gettime (CLOCK_MONOTONIC, &ts);
  return (guint64) ts.tv_sec * G_GUINT64_CONSTANT (1000000000) + (guint64) ts.tv_nsec;
}

/* CPU time of the calling thread. Items 1 to 4 do all their work in the thread that
 * pushes (no queue, no other thread), so this is their cost; unlike the wall clock it
 * leaves out the time the thread waited for a CPU, which on a shared machine is most
 * of the noise. */
guint64
bench_cpu_ns (void)
{
  struct timespec ts;

  clock_gettime (CLOCK_THREAD_CPUTIME_ID, &ts);
  return (guint64) ts.tv_sec * G_GUINT64_CONSTANT (1000000000) + (guint64) ts.tv_nsec;
}

static gint
compare_double (gconstpointer a, gconstpointer b)
{
  gdouble x = *(const gdouble *) a, y = *(const gdouble *) b;
  return x < y ? -1 : x > y;
}

/* Finds a batch size that runs for at least opt->batch_ns, doubling from one frame;
 * the doubling doubles as warm-up (caches, branch predictors, lazily built state such
 * as buffer pools and OpenSSL's per-context tables). */
static gboolean
calibrate (BenchCase * c, const BenchOptions * opt)
{
  guint64 n = 1, spent = 0, t0, dt;

  for (;;) {
    t0 = bench_cpu_ns ();
    if (!c->run (c->data, n))
      return FALSE;
    dt = bench_cpu_ns () - t0;
    spent += dt;
    if (dt >= opt->batch_ns / 4 && spent >= opt->warmup_ns)
      break;
    if (dt < opt->batch_ns / 4)
      n *= 2;
  }
  c->batch = MAX (1, (guint64) ((gdouble) n * (gdouble) opt->batch_ns / (gdouble) MAX (dt, 1)));
  return TRUE;
}

/* Measures the cases interleaved (one batch of each in turn, opt->reps rounds), so a
 * drift of the machine (frequency, a neighbour's load) hits every case alike, and
 * reports the median batch of each. Every round's figure is kept too: a ratio or a
 * difference between two cases is best taken round by round (batches run next to
 * each other), then its median. */
gboolean
bench_measure (BenchCase * cases, guint n_cases, const BenchOptions * opt)
{
  gdouble *samples = g_new0 (gdouble, (gsize) n_cases * opt->reps);
  guint i, r;
  gboolean ok = TRUE;

  for (i = 0; i < n_cases && ok; i++)
    ok = calibrate (&cases[i], opt);

  for (r = 0; r < opt->reps && ok; r++) {
    for (i = 0; i < n_cases && ok; i++) {
      guint64 t0 = bench_cpu_ns ();
      ok = cases[i].run (cases[i].data, cases[i].batch);
      samples[i * opt->reps + r] =
          (gdouble) (bench_cpu_ns () - t0) / (gdouble) cases[i].batch;
    }
  }

  for (i = 0; i < n_cases && ok; i++) {
    gdouble *s = samples + (gsize) i * opt->reps;

    cases[i].samples = g_memdup2 (s, sizeof (gdouble) * opt->reps);
    cases[i].median_ns = bench_median (s, opt->reps);
    cases[i].min_ns = s[0];
    cases[i].max_ns = s[opt->reps - 1];
    if (opt->verbose)
      fprintf (stderr, "  %-44s batch %8" G_GUINT64_FORMAT "  median %10.1f ns  "
          "[%.1f .. %.1f]\n", cases[i].name, cases[i].batch, cases[i].median_ns,
          cases[i].min_ns, cases[i].max_ns);
  }
  g_free (samples);
  return ok;
}

/* Sorts @values in place. */
gdouble
bench_median (gdouble * values, guint n)
{
  if (n == 0)
    return 0;
  qsort (values, n, sizeof (gdouble), (GCompareFunc) compare_double);
  return n % 2 ? values[n / 2] : (values[n / 2 - 1] + values[n / 2]) / 2;
}

gdouble
bench_mb_per_s (gsize frame_size, gdouble ns_per_frame)
{
  /* bytes per ns = GB/s; MB is 10^6 bytes */
  return ns_per_frame > 0 ? (gdouble) frame_size / ns_per_frame * 1000.0 : 0.0;
}

/* xorshift32: the same frames on every run and in every section */
void
bench_fill_random (guint8 * data, gsize size, guint32 seed)
{
  guint32 x = seed ? seed : 0x9e3779b9;
  gsize i;

  for (i = 0; i < size; i++) {
    x ^= x << 13;
    x ^= x >> 17;
    x ^= x << 5;
    data[i] = (guint8) x;
  }
}

gchar *
bench_hex (const guint8 * data, gsize size)
{
  gchar *s = g_malloc (size * 2 + 1);
  gsize i;

  for (i = 0; i < size; i++)
    g_snprintf (s + 2 * i, 3, "%02x", data[i]);
  s[size * 2] = '\0';
  return s;
}

gsize
bench_peak_rss_kb (void)
{
  struct rusage ru;

  if (getrusage (RUSAGE_SELF, &ru) != 0)
    return 0;
  return (gsize) ru.ru_maxrss;
}

gsize
bench_current_rss_kb (void)
{
  gchar *status = NULL;
  gsize kb = 0;
  const gchar *p;

  if (!g_file_get_contents ("/proc/self/status", &status, NULL, NULL))
    return 0;
  p = strstr (status, "VmRSS:");
  if (p)
    kb = (gsize) g_ascii_strtoull (p + 6, NULL, 10);
  g_free (status);
  return kb;
}
