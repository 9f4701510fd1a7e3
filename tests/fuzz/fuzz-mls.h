/* gst-e2ee fuzzing: what the MLS targets share
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * A deterministic OpenSSL RNG and a fixed clock, so that the groups and key packages a
 * target builds are the same bytes at every run: the seeds a target writes (real messages of its own
 * group, FUZZ_MLS_WRITE_SEEDS) stay valid messages of the group the fuzzer runs
 * against, and a crash input replays against the very same state. For fuzzing only:
 * the "randomness" is a fixed sequence.
 *
 * Inputs of several messages are records: a 2-byte big-endian length, then the bytes
 * (the last record takes what is left if the input is shorter than its length).
 */
#pragma once

/* RAND_set_rand_method() is deprecated in OpenSSL 3.0 but still what RAND_bytes_ex()
 * and the providers' key generation consult first: the one hook that makes every
 * random byte of the library and of OpenSSL deterministic. */
#define OPENSSL_SUPPRESS_DEPRECATED
#include <openssl/rand.h>

#include "fuzz-common.h"

#include <gst/e2ee/gste2eemlsclient.h>
#include <gst/e2ee/gste2eemlsgroup.h>
#include <string.h>

static guint64 fuzz_mls_rng;

/* The other input of a key package besides random bytes is the time: its lifetime
 * starts an hour before "now" (gst_e2ee_mls_client_create_key_package()). This
 * definition takes the place of GLib's for the whole process (the library's calls go
 * through the PLT to the executable's symbol, exported with default visibility and
 * --export-dynamic-symbol: tests/fuzz/meson.build), so that a key package, and every group
 * built with it, is the same at every run: 1 January 2026, 00:00 UTC. */
__attribute__ ((visibility ("default"))) gint64 g_get_real_time (void);

gint64
g_get_real_time (void)
{
  return G_GINT64_CONSTANT (1767225600) * G_USEC_PER_SEC;
}

static int
fuzz_mls_rand_bytes (unsigned char *buf, int num)
{
  int i;

  for (i = 0; i < num; i++) {
    /* splitmix64, one byte per step: fast, and every byte depends on the seed */
    guint64 z = (fuzz_mls_rng += G_GUINT64_CONSTANT (0x9e3779b97f4a7c15));

    z = (z ^ (z >> 30)) * G_GUINT64_CONSTANT (0xbf58476d1ce4e5b9);
    z = (z ^ (z >> 27)) * G_GUINT64_CONSTANT (0x94d049bb133111eb);
    buf[i] = (unsigned char) (z ^ (z >> 31));
  }
  return 1;
}

static int
fuzz_mls_rand_status (void)
{
  return 1;
}

static const RAND_METHOD fuzz_mls_rand_method = {
  NULL, fuzz_mls_rand_bytes, NULL, NULL, fuzz_mls_rand_bytes, fuzz_mls_rand_status
};

/* Restarts the deterministic random sequence at @seed. */
static inline void
fuzz_mls_rand_reset (guint64 seed)
{
  fuzz_mls_rng = seed;
  FUZZ_ASSERT (RAND_set_rand_method (&fuzz_mls_rand_method) == 1, "RAND_set_rand_method");
}

/* The next record of @data (*pos advances); FALSE when none is left. */
static inline gboolean
fuzz_mls_next_record (const guint8 * data, gsize size, gsize * pos, GBytes ** record)
{
  gsize len;

  if (*pos + 2 > size)
    return FALSE;
  len = ((gsize) data[*pos] << 8) | data[*pos + 1];
  *pos += 2;
  if (len > size - *pos)
    len = size - *pos;
  /* An exact-size heap copy, so that ASan sees any read past the end. */
  *record = g_bytes_new (data + *pos, len);
  *pos += len;
  return TRUE;
}

static inline void
fuzz_mls_append_record (GByteArray * out, GBytes * msg)
{
  gsize len = g_bytes_get_size (msg);
  guint8 hdr[2] = { (guint8) (len >> 8), (guint8) len };

  FUZZ_ASSERT (len <= 0xffff, "a record of %zu bytes", len);
  g_byte_array_append (out, hdr, 2);
  g_byte_array_append (out, g_bytes_get_data (msg, NULL), (guint) len);
}

/* The directory FUZZ_MLS_WRITE_SEEDS names, or NULL: the target then writes its seed
 * inputs there from LLVMFuzzerInitialize() and exits (scripts/fuzz.sh). */
static inline const gchar *
fuzz_mls_seed_dir (void)
{
  return g_getenv ("FUZZ_MLS_WRITE_SEEDS");
}

/* Writes one seed input, named by its SHA-1 as libFuzzer names its own. */
static inline void
fuzz_mls_write_seed (const gchar * dir, const guint8 * data, gsize len)
{
  gchar *sum = g_compute_checksum_for_data (G_CHECKSUM_SHA1, data, len);
  gchar *path = g_build_filename (dir, sum, NULL);
  GError *error = NULL;

  FUZZ_ASSERT (g_mkdir_with_parents (dir, 0755) == 0, "cannot make %s", dir);
  FUZZ_ASSERT (g_file_set_contents (path, (const gchar *) data, (gssize) len, &error),
      "%s", error->message);
  g_free (path);
  g_free (sum);
}

static inline void
fuzz_mls_write_seed_records (const gchar * dir, GBytes * const *msgs, guint n)
{
  GByteArray *out = g_byte_array_new ();
  guint i;

  for (i = 0; i < n; i++)
    fuzz_mls_append_record (out, msgs[i]);
  fuzz_mls_write_seed (dir, out->data, out->len);
  g_byte_array_unref (out);
}

/* Set-up that must work: the target is useless otherwise. */
#define FUZZ_MLS_OK(expr, error) G_STMT_START {                               \
    if (!(expr)) {                                                            \
      fprintf (stderr, "%s:%d: %s failed: %s\n", __FILE__, __LINE__, #expr,   \
          (error) ? (error)->message : "");                                   \
      abort ();                                                               \
    }                                                                         \
  } G_STMT_END

static inline GstE2eeMlsClient *
fuzz_mls_client (const gchar * name)
{
  GBytes *id = g_bytes_new (name, strlen (name));
  GError *error = NULL;
  GstE2eeMlsClient *c = gst_e2ee_mls_client_new (id, &error);

  FUZZ_MLS_OK (c != NULL, error);
  g_bytes_unref (id);
  return c;
}

/* "SFrame 1.0 Base Key" of @g: what must not change when a message is refused. */
static inline GBytes *
fuzz_mls_base_key (GstE2eeMlsGroup * g)
{
  GBytes *empty = g_bytes_new (NULL, 0);
  GError *error = NULL;
  GBytes *k = gst_e2ee_mls_group_export_secret (g, "SFrame 1.0 Base Key", empty, 16,
      &error);

  FUZZ_MLS_OK (k != NULL, error);
  g_bytes_unref (empty);
  return k;
}
