/* gst-e2ee fuzzing: what the targets share
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <gst/gst.h>
#include <gst/e2ee/e2ee.h>
#include <stdio.h>
#include <stdlib.h>

/* The RFC 9605 Appendix C.4 vectors' base key and KID, so that the seed frames made
 * from them (tests/fuzz/gen-corpus.py) decrypt and mutations start from valid frames. */
#define FUZZ_VECTOR_KID 0x123
static const guint8 fuzz_vector_base_key[16] = {
  0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07,
  0x08, 0x09, 0x0a, 0x0b, 0x0c, 0x0d, 0x0e, 0x0f
};

/* A second sender, so that a KID switch inside one input is exercised too. */
#define FUZZ_OTHER_KID 7
static const guint8 fuzz_other_base_key[32] = {
  0xf0, 0xe1, 0xd2, 0xc3, 0xb4, 0xa5, 0x96, 0x87, 0x78, 0x69, 0x5a, 0x4b, 0x3c, 0x2d, 0x1e,
  0x0f, 0x10, 0x21, 0x32, 0x43, 0x54, 0x65, 0x76, 0x87, 0x98, 0xa9, 0xba, 0xcb, 0xdc, 0xed,
  0xfe, 0x0f
};

#define FUZZ_N_SUITES 5

/* Input byte -> cipher suite: the low bits pick one of the five. */
static inline GstE2eeCipherSuite
fuzz_suite (guint8 b)
{
  return (GstE2eeCipherSuite) (GST_E2EE_CIPHER_SUITE_AES_128_CTR_HMAC_SHA256_80 +
      (b % FUZZ_N_SUITES));
}

/* A property the target checks broke: abort so libFuzzer saves the input. */
#define FUZZ_ASSERT(cond, ...) do { \
    if (!(cond)) { \
      fprintf (stderr, "%s:%d: %s: ", __FILE__, __LINE__, #cond); \
      fprintf (stderr, __VA_ARGS__); \
      fprintf (stderr, "\n"); \
      abort (); \
    } \
  } while (0)

/* A GLib critical is a bug (a failed precondition), here as in the gst-check tests:
 * abort, so that libFuzzer saves the input. */
static inline void
fuzz_fatal_criticals (void)
{
  g_log_set_always_fatal ((GLogLevelFlags) (G_LOG_LEVEL_CRITICAL | G_LOG_FLAG_FATAL));
}

/* gst_buffer_new_memdup() of nothing is a critical: an empty buffer is no memory. */
static inline GstBuffer *
fuzz_buffer (const guint8 * data, gsize len)
{
  return len ? gst_buffer_new_memdup (data, len) : gst_buffer_new ();
}

#ifdef FUZZ_PLUGIN
/* Loads the element target's plugin of this build (FUZZ_PLUGIN, or the environment
 * variable GST_E2EE_FUZZ_PLUGIN) in-process: the registry scanner is a separate,
 * uninstrumented program that could not load an ASan-instrumented plugin. */
static inline void
fuzz_load_plugin (void)
{
  const gchar *path = g_getenv ("GST_E2EE_FUZZ_PLUGIN");
  GError *error = NULL;
  GstPlugin *plugin;

  g_setenv ("GST_REGISTRY_DISABLE", "yes", TRUE);
  gst_init (NULL, NULL);
  fuzz_fatal_criticals ();
  plugin = gst_plugin_load_file (path ? path : FUZZ_PLUGIN, &error);
  if (plugin == NULL) {
    fprintf (stderr, "cannot load %s: %s\n", path ? path : FUZZ_PLUGIN, error->message);
    abort ();
  }
  gst_object_unref (plugin);
}
#endif

int LLVMFuzzerInitialize (int *argc, char ***argv);
int LLVMFuzzerTestOneInput (const guint8 *data, size_t size);
