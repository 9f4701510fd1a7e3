/* gst-e2ee fuzzing: SFrame decryption with fixed keys
 *
 * Input: one byte picking the cipher suite (low bits) and in-place decryption (bit
 * 7), one byte giving the metadata length (mod 64), the metadata, then the frame.
 * The keys are fixed: the RFC 9605 vectors' base key for KID 0x123 and another for
 * KID 7, per suite.
 *
 * Properties checked for every input:
 * - a frame that decrypts has the expected plaintext length, and encrypting that
 *   plaintext again with the same key, counter and metadata gives back the very same
 *   frame (so nothing unauthenticated was accepted and nothing was mangled);
 * - a frame that does not decrypt fails with an SFrame error and leaves no plaintext
 *   in the output (only the bytes that were there before, or zeros where it wiped).
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "fuzz-common.h"

#include <string.h>

#define SENTINEL 0xa5

static GstE2eeSFrameKey *keys[FUZZ_N_SUITES][2];

int
LLVMFuzzerInitialize (int *argc, char ***argv)
{
  guint s;

  for (s = 0; s < FUZZ_N_SUITES; s++) {
    keys[s][0] = gst_e2ee_sframe_key_new (fuzz_suite (s), FUZZ_VECTOR_KID,
        fuzz_vector_base_key, sizeof (fuzz_vector_base_key), NULL);
    keys[s][1] = gst_e2ee_sframe_key_new (fuzz_suite (s), FUZZ_OTHER_KID,
        fuzz_other_base_key, sizeof (fuzz_other_base_key), NULL);
    if (!keys[s][0] || !keys[s][1])
      abort ();
  }
  return 0;
}

static void
check_reencrypts (GstE2eeCipherSuite suite, guint64 kid, guint64 ctr,
    const guint8 * md, gsize md_len, const guint8 * pt, gsize pt_len,
    const guint8 * frame, gsize frame_len)
{
  const guint8 *base = kid == FUZZ_OTHER_KID ? fuzz_other_base_key : fuzz_vector_base_key;
  gsize base_len = kid == FUZZ_OTHER_KID ? sizeof (fuzz_other_base_key) :
      sizeof (fuzz_vector_base_key);
  GstE2eeSFrameKey *k = gst_e2ee_sframe_key_new (suite, kid, base, base_len, NULL);
  guint8 *out = g_malloc (frame_len + GST_E2EE_SFRAME_MAX_OVERHEAD);
  gsize out_len = 0;
  guint64 used = 0;

  FUZZ_ASSERT (k != NULL, "key");
  FUZZ_ASSERT (gst_e2ee_sframe_key_skip_counter_to (k, ctr, NULL), "skip to %"
      G_GUINT64_FORMAT, ctr);
  FUZZ_ASSERT (gst_e2ee_sframe_key_encrypt (k, md, md_len, pt, pt_len, out,
          frame_len + GST_E2EE_SFRAME_MAX_OVERHEAD, &out_len, &used, NULL), "encrypt");
  FUZZ_ASSERT (used == ctr && out_len == frame_len && memcmp (out, frame, out_len) == 0,
      "a frame that decrypted does not re-encrypt to itself");
  gst_e2ee_sframe_key_unref (k);
  g_free (out);
}

int
LLVMFuzzerTestOneInput (const guint8 * data, size_t size)
{
  GstE2eeCipherSuite suite;
  gboolean in_place;
  gsize md_len, frame_len, out_size, out_len = 0, hlen = 0, i;
  guint8 *md, *frame, *out, *before;
  guint64 kid = 0, ctr = 0, got_ctr = 0;
  GstE2eeSFrameKey *key;
  GError *error = NULL;
  gboolean ok;

  if (size < 2)
    return 0;
  suite = fuzz_suite (data[0] & 0x7f);
  in_place = (data[0] & 0x80) != 0;
  md_len = MIN ((gsize) (data[1] % 64), size - 2);
  frame_len = size - 2 - md_len;

  /* Exact-size heap copies, so ASan sees any access past either end. */
  md = g_malloc (md_len ? md_len : 1);
  memcpy (md, data + 2, md_len);
  frame = g_malloc (frame_len ? frame_len : 1);
  memcpy (frame, data + 2 + md_len, frame_len);

  key = keys[suite - 1][0];
  if (gst_e2ee_sframe_header_parse (frame, frame_len, &kid, &ctr, &hlen, NULL) &&
      kid == FUZZ_OTHER_KID)
    key = keys[suite - 1][1];

  if (in_place) {
    if (hlen == 0)
      hlen = MIN (frame_len, 1);        /* no header: any in-frame pointer will do */
    out = frame + hlen;
    out_size = frame_len - hlen;
  } else {
    out_size = frame_len;
    out = g_malloc (out_size ? out_size : 1);
    memset (out, SENTINEL, out_size);
  }
  before = g_malloc (out_size + 1);
  memcpy (before, out, out_size);

  ok = gst_e2ee_sframe_key_decrypt (key, md_len ? md : NULL, md_len, frame, frame_len,
      out, out_size, &out_len, &got_ctr, &error);
  if (ok) {
    gsize nt = gst_e2ee_cipher_suite_get_tag_size (suite);
    guint8 *original = g_memdup2 (data + 2 + md_len, frame_len ? frame_len : 1);

    FUZZ_ASSERT (error == NULL, "error set on success");
    FUZZ_ASSERT (got_ctr == ctr && out_len + hlen + nt == frame_len, "lengths");
    check_reencrypts (suite, kid, ctr, md_len ? md : NULL, md_len, out, out_len,
        original, frame_len);
    g_free (original);
  } else {
    FUZZ_ASSERT (error != NULL && error->domain == GST_E2EE_SFRAME_ERROR &&
        error->code != GST_E2EE_SFRAME_ERROR_CRYPTO, "failure with error %s",
        error ? error->message : "(none)");
    for (i = 0; i < out_size; i++)
      FUZZ_ASSERT (out[i] == before[i] || out[i] == 0,
          "byte %zu of the output changed on failure (%s)", i, error->message);
    g_clear_error (&error);
  }

  g_free (before);
  if (!in_place)
    g_free (out);
  g_free (frame);
  g_free (md);
  return 0;
}
