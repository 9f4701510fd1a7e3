/* gst-e2ee fuzzing: KeyPackage decoding and verification (RFC 9420 §10)
 *
 * An input is an MLSMessage that should hold a KeyPackage (what
 * gst_e2ee_mls_group_add() takes). Properties checked for every input:
 * - a KeyPackage that decodes re-encodes to exactly the input (the codec is strict:
 *   one encoding per value, nothing ignored);
 * - verifying it (version, suite, leaf node source, signatures, lifetime) either
 *   succeeds or fails with a GST_E2EE_MLS_ERROR, and a verified one has a KeyPackageRef;
 * - a refused input fails with a GST_E2EE_MLS_ERROR;
 * - nothing crashes, leaks or reads out of bounds (ASan, UBSan).
 *
 * Seeds (FUZZ_MLS_WRITE_SEEDS=DIR): key packages of our clients; scripts/fuzz.sh adds
 * ts-mls's (with its GREASE values in the capabilities).
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "fuzz-mls.h"

#include <gst/e2ee/gste2eemlskeypackage.h>
#include <gst/e2ee/gste2eemlssuite.h>

int
LLVMFuzzerInitialize (int *argc, char ***argv)
{
  const gchar *dir = fuzz_mls_seed_dir ();

  fuzz_fatal_criticals ();
  if (dir != NULL) {
    /* the last one long enough for a 2-byte length prefix */
    static const gchar long_name[] = "alice.longname@conference.example.org/device-"
        "0123456789abcdef0123456789abcdef";
    const gchar *names[] = { "alice", "", long_name };
    guint i;

    fuzz_mls_rand_reset (1);
    for (i = 0; i < G_N_ELEMENTS (names); i++) {
      GstE2eeMlsClient *c = fuzz_mls_client (names[i]);
      GError *error = NULL;
      GBytes *kp = gst_e2ee_mls_client_create_key_package (c, &error);

      FUZZ_MLS_OK (kp != NULL, error);
      fuzz_mls_write_seed (dir, g_bytes_get_data (kp, NULL), g_bytes_get_size (kp));
      g_bytes_unref (kp);
      g_object_unref (c);
    }
    exit (0);
  }
  return 0;
}

int
LLVMFuzzerTestOneInput (const guint8 * data, size_t size)
{
  const GstE2eeMlsSuite *suite = gst_e2ee_mls_suite_lookup (GST_E2EE_MLS_CIPHER_SUITE, NULL);
  guint8 *copy = g_malloc (size ? size : 1);
  GError *error = NULL;
  GstE2eeMlsKeyPackage *kp;

  /* An exact-size heap copy, so that ASan sees any read past the end. */
  if (size)
    memcpy (copy, data, size);
  kp = gst_e2ee_mls_key_package_decode_message (copy, size, &error);
  if (kp == NULL) {
    FUZZ_ASSERT (error != NULL && error->domain == GST_E2EE_MLS_ERROR,
        "refused without a GST_E2EE_MLS_ERROR");
    g_clear_error (&error);
  } else {
    GByteArray *w = g_byte_array_new ();

    FUZZ_ASSERT (error == NULL, "error set on success");
    gst_e2ee_mls_key_package_write_message (kp, w);
    FUZZ_ASSERT (w->len == size && memcmp (w->data, data, size) == 0,
        "a KeyPackage of %zu bytes re-encodes to %u bytes, or to other bytes", size, w->len);
    g_byte_array_unref (w);
    if (gst_e2ee_mls_key_package_verify (suite, kp, (guint64) g_get_real_time () /
            G_USEC_PER_SEC, &error)) {
      guint8 ref[64];

      FUZZ_ASSERT (error == NULL, "error set on success");
      FUZZ_ASSERT (gst_e2ee_mls_key_package_ref_hash (suite, kp, ref, &error),
          "a verified KeyPackage has no KeyPackageRef: %s", error->message);
    } else {
      FUZZ_ASSERT (error != NULL && error->domain == GST_E2EE_MLS_ERROR,
          "refused without a GST_E2EE_MLS_ERROR");
      g_clear_error (&error);
    }
    gst_e2ee_mls_key_package_unref (kp);
  }
  g_free (copy);
  return 0;
}
