/* gst-e2ee benchmark: what the sections share
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <gst/gst.h>
#include <gst/e2ee/e2ee.h>

G_BEGIN_DECLS

/* Set-up that cannot fail on a working system; evaluated even with G_DISABLE_ASSERT. */
#define BENCH_CHECK(expr) G_STMT_START { \
    if (G_UNLIKELY (!(expr))) \
      g_error ("%s:%d: %s failed", __FILE__, __LINE__, #expr); \
  } G_STMT_END

typedef struct
{
  guint reps;                   /* timed batches per case; the median is reported */
  guint64 batch_ns;             /* a batch lasts at least this long */
  guint64 warmup_ns;            /* untimed work per case before the first batch */
  gboolean verbose;
} BenchOptions;

/* Runs @n frames; returns FALSE if any frame failed (a failed frame would make the
 * timing meaningless, so the benchmark stops). */
typedef gboolean (*BenchRunFunc) (gpointer data, guint64 n);

typedef struct
{
  const gchar *name;
  BenchRunFunc run;
  gpointer data;

  /* Filled by bench_measure(). */
  guint64 batch;                /* frames per batch */
  gdouble median_ns;            /* ns per frame */
  gdouble min_ns, max_ns;
  gdouble *samples;             /* ns per frame of each round, in round order (g_free) */
} BenchCase;

guint64     bench_now_ns (void);
guint64     bench_cpu_ns (void);
gboolean    bench_measure (BenchCase *cases, guint n_cases, const BenchOptions *opt);
gdouble     bench_mb_per_s (gsize frame_size, gdouble ns_per_frame);
gdouble     bench_median (gdouble *values, guint n);
void        bench_fill_random (guint8 *data, gsize size, guint32 seed);
gchar *     bench_hex (const guint8 *data, gsize size);
gsize       bench_peak_rss_kb (void);
gsize       bench_current_rss_kb (void);

/* bench-crypto.c: item 1 (raw OpenSSL) and item 2 (the library) */
typedef struct _CryptoCase CryptoCase;
CryptoCase * crypto_floor_new (GstE2eeCipherSuite suite, const guint8 *frame, gsize size);
CryptoCase * crypto_library_new (GstE2eeCipherSuite suite, const guint8 *frame, gsize size);
gboolean    crypto_case_run (gpointer data, guint64 n);
gboolean    crypto_case_verify (CryptoCase *c);
void        crypto_case_free (CryptoCase *c);

/* bench-pipeline.c: items 3 and 4, a chain of elements fed by a pad of our own */
typedef struct _Chain Chain;
extern gboolean bench_writable_input;
Chain *     chain_new_e2ee (GstE2eeCipherSuite suite, const guint8 *frame, gsize size,
                            const gchar *caps);
Chain *     chain_new_identity (const guint8 *frame, gsize size, const gchar *caps, gboolean rtp);
Chain *     chain_new_srtp (const gchar *cipher, const gchar *auth, const guint8 *frame,
                            gsize size, GError **error);
gboolean    chain_run (gpointer data, guint64 n);
gboolean    chain_verify (Chain *c, GError **error);
GstElement * chain_find (Chain *c, const gchar *factory);
void        chain_free (Chain *c);

/* bench-receiver.c: items 5 and 6 */
typedef struct
{
  guint senders;
  guint audio_fps, video_fps;
  gsize audio_size, video_size;
  guint seconds;
  /* results */
  gboolean with_key_store;
  gdouble cpu_s_per_media_s;
  gsize rss_before_kb, rss_peak_kb;
  guint64 frames, dropped;
} ReceiverResult;

gboolean    receiver_run (ReceiverResult *r, GError **error);

typedef struct
{
  guint rotations;
  gdouble derive_us;            /* median gst_e2ee_sframe_key_new(): a key's set-up */
  gdouble add_key_us;           /* median add-key on e2eedec (rotate only) */
  gdouble enc_set_us;           /* median rotate / ratchet / properties on e2eeenc */
  gdouble first_frame_us;       /* median push time of the first frame on a new key */
  gdouble steady_frame_us;      /* median push time of the other frames */
  gdouble max_around_us;        /* worst frame around a rotation */
  gdouble p999_elsewhere_us, max_elsewhere_us;
  /* the same key changes with no streaming thread (medians) */
  gdouble st_calls_us, st_first_frame_us, st_other_frame_us;
  guint64 frames, lost;
} RotationResult;

typedef enum
{
  ROTATION_ROTATE,
  ROTATION_RATCHET,
  ROTATION_PROPERTIES,
} RotationMode;

gboolean    rotation_run (RotationResult *r, RotationMode mode, GError **error);

G_END_DECLS
