/* gst-e2ee fuzzing: SFrame header parsing (RFC 9605 §4.3)
 *
 * Properties checked for every input:
 * - a header that parses re-encodes to exactly the bytes it was parsed from (there is
 *   one encoding per (KID, CTR), so no second AAD for the same nonce), and its size
 *   is gst_e2ee_sframe_header_size();
 * - a header that does not parse fails with a MALFORMED_HEADER error;
 * - any (KID, CTR) taken from the input encodes, and parses back to itself.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "fuzz-common.h"

#include <string.h>

int
LLVMFuzzerInitialize (int *argc, char ***argv)
{
  return 0;
}

static guint64
read_u64 (const guint8 * p)
{
  guint64 v = 0;
  guint i;
  for (i = 0; i < 8; i++)
    v = (v << 8) | p[i];
  return v;
}

int
LLVMFuzzerTestOneInput (const guint8 * data, size_t size)
{
  guint8 enc[GST_E2EE_SFRAME_MAX_HEADER_SIZE];
  guint64 kid = 0, ctr = 0, kid2, ctr2;
  gsize hlen = 0, n, hlen2;
  GError *error = NULL;
  guint8 *copy;

  /* An exact-size heap copy, so ASan sees any read past the end. */
  copy = g_malloc (size ? size : 1);
  if (size)
    memcpy (copy, data, size);

  if (gst_e2ee_sframe_header_parse (copy, size, &kid, &ctr, &hlen, &error)) {
    FUZZ_ASSERT (error == NULL, "error set on success");
    FUZZ_ASSERT (hlen >= 1 && hlen <= size && hlen <= GST_E2EE_SFRAME_MAX_HEADER_SIZE,
        "header size %zu of %zu", hlen, size);
    FUZZ_ASSERT (gst_e2ee_sframe_header_size (kid, ctr) == hlen, "size mismatch");
    n = gst_e2ee_sframe_header_encode (kid, ctr, enc, sizeof (enc));
    FUZZ_ASSERT (n == hlen && memcmp (enc, copy, n) == 0,
        "KID %" G_GUINT64_FORMAT " CTR %" G_GUINT64_FORMAT " does not re-encode to "
        "its %zu bytes", kid, ctr, hlen);
    /* The optional outputs are optional. */
    FUZZ_ASSERT (gst_e2ee_sframe_header_parse (copy, size, NULL, NULL, NULL, NULL),
        "parse without outputs failed");
  } else {
    FUZZ_ASSERT (error != NULL && g_error_matches (error, GST_E2EE_SFRAME_ERROR,
            GST_E2EE_SFRAME_ERROR_MALFORMED_HEADER), "failure without MALFORMED_HEADER");
    g_clear_error (&error);
  }

  /* Encoding side: any pair round-trips, and a short buffer is refused, not overrun. */
  if (size >= 16) {
    kid = read_u64 (copy);
    ctr = read_u64 (copy + 8);
    n = gst_e2ee_sframe_header_encode (kid, ctr, enc, sizeof (enc));
    FUZZ_ASSERT (n == gst_e2ee_sframe_header_size (kid, ctr), "encode size");
    FUZZ_ASSERT (gst_e2ee_sframe_header_parse (enc, n, &kid2, &ctr2, &hlen2, NULL) &&
        kid2 == kid && ctr2 == ctr && hlen2 == n, "round trip");
    FUZZ_ASSERT (gst_e2ee_sframe_header_encode (kid, ctr, enc, n - 1) == 0,
        "encode into a short buffer");
    FUZZ_ASSERT (!gst_e2ee_sframe_header_parse (enc, n - 1, NULL, NULL, NULL, NULL),
        "a truncated header parsed");
  }
  g_free (copy);
  return 0;
}
