/* gst-e2ee: the key store, the sender-key ratchet and the replay window.
 * Ratchet outputs are checked against the `openssl kdf` command line, an HKDF
 * implementation the library does not call.
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <gst/check/gstcheck.h>
#include <gst/check/gsttestclock.h>
#include <gst/e2ee/e2ee.h>
#include <string.h>

#define GCM128 GST_E2EE_CIPHER_SUITE_AES_128_GCM_SHA256_128
#define GCM256 GST_E2EE_CIPHER_SUITE_AES_256_GCM_SHA512_128
#define CTR80 GST_E2EE_CIPHER_SUITE_AES_128_CTR_HMAC_SHA256_80
#define ENC GST_E2EE_KEY_USAGE_ENCRYPT
#define DEC GST_E2EE_KEY_USAGE_DECRYPT

/* ---- Helpers -------------------------------------------------------------- */

static void
fill_key (guint8 * key, gsize n, guint64 seed)
{
  gsize i;
  /* No zero bytes, so that a leaked key is recognisable in a log line. */
  for (i = 0; i < n; i++)
    key[i] = (guint8) (((seed * 131 + i * 29 + 7) % 251) + 1);
}

static gchar *
to_hex (const guint8 * data, gsize n)
{
  GString *s = g_string_sized_new (2 * n + 1);
  gsize i;
  for (i = 0; i < n; i++)
    g_string_append_printf (s, "%02x", data[i]);
  return g_string_free (s, FALSE);
}

/* Frames made with a key built outside the store from the same base key. */
static GBytes *
seal_frame (GstE2eeCipherSuite suite, guint64 kid, const guint8 * base, gsize base_len,
    guint64 ctr, const gchar * text)
{
  GError *error = NULL;
  GstE2eeSFrameKey *key = gst_e2ee_sframe_key_new (suite, kid, base, base_len, &error);
  GBytes *pt, *frame;

  fail_unless (key != NULL, "%s", error ? error->message : "");
  if (ctr > 0)
    fail_unless (gst_e2ee_sframe_key_skip_counter_to (key, ctr, NULL));
  pt = g_bytes_new_static (text, strlen (text));
  frame = gst_e2ee_sframe_key_encrypt_bytes (key, NULL, pt, &error);
  fail_unless (frame != NULL, "%s", error ? error->message : "");
  g_bytes_unref (pt);
  gst_e2ee_sframe_key_unref (key);
  return frame;
}

static gboolean
opens_to (GstE2eeSFrameKey * key, GBytes * frame, const gchar * text)
{
  GBytes *pt = gst_e2ee_sframe_key_decrypt_bytes (key, NULL, frame, NULL);
  gboolean ok;
  gsize len;
  const guint8 *data;

  if (pt == NULL)
    return FALSE;
  data = g_bytes_get_data (pt, &len);
  ok = len == strlen (text) && memcmp (data, text, len) == 0;
  g_bytes_unref (pt);
  return ok;
}

/* Records the store's signals as text lines. */
static void
on_added (GstE2eeKeyStore * store, guint64 kid, GstE2eeKeyUsage usage, GString * log)
{
  g_string_append_printf (log, "added %" G_GUINT64_FORMAT " %s\n", kid,
      usage == ENC ? "enc" : "dec");
}

static void
on_removed (GstE2eeKeyStore * store, guint64 kid, GstE2eeKeyUsage usage, GString * log)
{
  g_string_append_printf (log, "removed %" G_GUINT64_FORMAT " %s\n", kid,
      usage == ENC ? "enc" : "dec");
}

static void
on_retired (GstE2eeKeyStore * store, guint64 kid, GstE2eeKeyUsage usage,
    guint64 deadline, GString * log)
{
  g_string_append_printf (log, "retired %" G_GUINT64_FORMAT " %s %" G_GUINT64_FORMAT
      "\n", kid, usage == ENC ? "enc" : "dec", deadline);
}

static void
on_expired (GstE2eeKeyStore * store, guint64 kid, GstE2eeKeyUsage usage, GString * log)
{
  g_string_append_printf (log, "expired %" G_GUINT64_FORMAT " %s\n", kid,
      usage == ENC ? "enc" : "dec");
}

static void
on_ratchet (GstE2eeKeyStore * store, guint64 old_kid, guint64 new_kid,
    GstE2eeKeyUsage usage, GString * log)
{
  g_string_append_printf (log, "ratchet %" G_GUINT64_FORMAT " %" G_GUINT64_FORMAT
      " %s\n", old_kid, new_kid, usage == ENC ? "enc" : "dec");
}

static GString *
watch (GstE2eeKeyStore * store)
{
  GString *log = g_string_new (NULL);

  g_signal_connect (store, "key-added", G_CALLBACK (on_added), log);
  g_signal_connect (store, "key-removed", G_CALLBACK (on_removed), log);
  g_signal_connect (store, "key-retired", G_CALLBACK (on_retired), log);
  g_signal_connect (store, "key-expired", G_CALLBACK (on_expired), log);
  g_signal_connect (store, "ratchet-advanced", G_CALLBACK (on_ratchet), log);
  return log;
}

static void
assert_log (GString * log, const gchar * expected)
{
  fail_unless_equals_string (log->str, expected);
  g_string_truncate (log, 0);
}

static GstE2eeKeyStore *
store_with_test_clock (GstClock ** clock)
{
  GstE2eeKeyStore *store = gst_e2ee_key_store_new ();

  *clock = gst_test_clock_new_with_start_time (1000 * GST_SECOND);
  gst_e2ee_key_store_set_clock (store, *clock);
  return store;
}

/* ---- An independent HKDF: the openssl command line ------------------------ */

static void
openssl_kdf (const gchar * digest, const gchar * mode, const guint8 * key, gsize key_len,
    const gchar * extra, guint8 * out, gsize out_len)
{
  gchar *key_hex = to_hex (key, key_len);
  gchar *keylen = g_strdup_printf ("%" G_GSIZE_FORMAT, out_len);
  gchar *digest_opt = g_strdup_printf ("digest:%s", digest);
  gchar *mode_opt = g_strdup_printf ("mode:%s", mode);
  gchar *key_opt = g_strdup_printf ("hexkey:%s", key_hex);
  const gchar *argv[] = { "openssl", "kdf", "-keylen", keylen, "-kdfopt", digest_opt,
    "-kdfopt", mode_opt, "-kdfopt", key_opt, "-kdfopt", extra, "HKDF", NULL
  };
  gchar *std_out = NULL, *std_err = NULL;
  GError *error = NULL;
  gint status;
  gsize n = 0;
  const gchar *p;

  fail_unless (g_spawn_sync (NULL, (gchar **) argv, NULL, G_SPAWN_SEARCH_PATH, NULL,
          NULL, &std_out, &std_err, &status, &error), "cannot run openssl: %s",
      error ? error->message : "");
  fail_unless (g_spawn_check_wait_status (status, NULL), "openssl kdf failed: %s",
      std_err);
  /* It prints the key as colon-separated hex pairs. */
  for (p = std_out; *p; p++) {
    if (*p == ':' || g_ascii_isspace (*p))
      continue;
    fail_unless (g_ascii_isxdigit (p[0]) && g_ascii_isxdigit (p[1]),
        "unexpected openssl output: %s", std_out);
    fail_unless (n < out_len, "openssl printed too much: %s", std_out);
    out[n++] = (g_ascii_xdigit_value (p[0]) << 4) | g_ascii_xdigit_value (p[1]);
    p++;
  }
  fail_unless_equals_uint64 (n, out_len);

  g_free (std_out);
  g_free (std_err);
  g_free (key_hex);
  g_free (keylen);
  g_free (digest_opt);
  g_free (mode_opt);
  g_free (key_opt);
}

/* RFC 9605 §5.1, spelled out here rather than taken from the library. */
static void
openssl_ratchet (GstE2eeCipherSuite suite, const guint8 * base, gsize base_len,
    guint8 * next)
{
  const gchar *digest = suite == GCM256 ? "SHA512" : "SHA256";
  gsize nh = suite == GCM256 ? 64 : 32;
  guint8 prk[64];

  openssl_kdf (digest, "EXTRACT_ONLY", base, base_len, "hexsalt:", prk, nh);
  openssl_kdf (digest, "EXPAND_ONLY", prk, nh, "info:SFrame 1.0 Ratchet", next, nh);
}

/* ---- Add, look up, remove ------------------------------------------------- */

GST_START_TEST (test_add_lookup_remove)
{
  GstE2eeKeyStore *store = gst_e2ee_key_store_new ();
  GString *log = watch (store);
  GstE2eeSFrameKey *key;
  GstE2eeKeyUsage usage;
  GstE2eeCipherSuite suite;
  GstClockTime deadline;
  guint8 enc_base[32], dec_base[16];
  GError *error = NULL;
  GBytes *frame, *own;

  fill_key (enc_base, sizeof (enc_base), 1);
  fill_key (dec_base, sizeof (dec_base), 2);

  fail_unless (gst_e2ee_key_store_add_key (store, 10, ENC, GCM128, enc_base,
          sizeof (enc_base), &error));
  g_assert_no_error (error);
  fail_unless (gst_e2ee_key_store_add_key (store, 500, DEC, CTR80, dec_base,
          sizeof (dec_base), &error));
  g_assert_no_error (error);
  assert_log (log, "added 10 enc\nadded 500 dec\n");
  fail_unless_equals_int (gst_e2ee_key_store_get_n_keys (store), 2);

  /* Each KID is found for its own usage only. */
  fail_unless (gst_e2ee_key_store_lookup (store, 10, DEC) == NULL);
  fail_unless (gst_e2ee_key_store_lookup (store, 500, ENC) == NULL);
  fail_unless (gst_e2ee_key_store_lookup (store, 11, ENC) == NULL);

  fail_unless (gst_e2ee_key_store_get_key_info (store, 500, &usage, &suite, &deadline));
  fail_unless_equals_int (usage, DEC);
  fail_unless_equals_int (suite, CTR80);
  fail_unless_equals_uint64 (deadline, GST_CLOCK_TIME_NONE);

  /* The encryption key seals frames a key derived independently from the same base
   * key opens, and the other way round for the decryption key. */
  key = gst_e2ee_key_store_lookup (store, 10, ENC);
  fail_unless (key != NULL);
  fail_unless_equals_uint64 (gst_e2ee_sframe_key_get_kid (key), 10);
  fail_unless_equals_int (gst_e2ee_sframe_key_get_cipher_suite (key), GCM128);
  {
    GBytes *pt = g_bytes_new_static ("hello", 5);
    GstE2eeSFrameKey *peer = gst_e2ee_sframe_key_new (GCM128, 10, enc_base,
        sizeof (enc_base), NULL);
    own = gst_e2ee_sframe_key_encrypt_bytes (key, NULL, pt, &error);
    g_assert_no_error (error);
    fail_unless (opens_to (peer, own, "hello"));
    gst_e2ee_sframe_key_unref (peer);
    g_bytes_unref (pt);
    g_bytes_unref (own);
  }
  gst_e2ee_sframe_key_unref (key);

  frame = seal_frame (CTR80, 500, dec_base, sizeof (dec_base), 0, "remote");
  key = gst_e2ee_key_store_lookup (store, 500, DEC);
  fail_unless (key != NULL);
  fail_unless (opens_to (key, frame, "remote"));
  gst_e2ee_sframe_key_unref (key);

  /* Removing needs the right usage. */
  fail_if (gst_e2ee_key_store_remove_key (store, 500, ENC));
  fail_if (gst_e2ee_key_store_remove_key (store, 501, DEC));
  assert_log (log, "");
  fail_unless (gst_e2ee_key_store_remove_key (store, 500, DEC));
  fail_unless (gst_e2ee_key_store_remove_key (store, 10, ENC));
  assert_log (log, "removed 500 dec\nremoved 10 enc\n");
  fail_unless (gst_e2ee_key_store_lookup (store, 500, DEC) == NULL);
  fail_unless (gst_e2ee_key_store_lookup (store, 10, ENC) == NULL);
  fail_if (gst_e2ee_key_store_get_key_info (store, 500, NULL, NULL, NULL));
  fail_unless_equals_int (gst_e2ee_key_store_get_n_keys (store), 0);
  fail_if (gst_e2ee_key_store_remove_key (store, 500, DEC));

  /* Bad keys are refused with an error, not a critical. */
  fail_if (gst_e2ee_key_store_add_key (store, 1, DEC, GCM128, dec_base, 0, &error));
  fail_unless (error != NULL);
  g_clear_error (&error);
  fail_if (gst_e2ee_key_store_add_key (store, 1, DEC, 42, dec_base, 16, &error));
  g_assert_error (error, GST_E2EE_SFRAME_ERROR, GST_E2EE_SFRAME_ERROR_INVALID_ARGUMENT);
  g_clear_error (&error);
  assert_log (log, "");

  g_bytes_unref (frame);
  g_object_unref (store);
  g_string_free (log, TRUE);
}

GST_END_TEST;

GST_START_TEST (test_usage_conflict)
{
  GstE2eeKeyStore *store = gst_e2ee_key_store_new ();
  GString *log = watch (store);
  GstE2eeSFrameKey *key;
  GError *error = NULL;
  guint8 base[32], other[32];

  fill_key (base, sizeof (base), 3);
  fill_key (other, sizeof (other), 4);

  fail_unless (gst_e2ee_key_store_add_key (store, 7, ENC, GCM256, base, 32, NULL));
  fail_unless (gst_e2ee_key_store_add_key (store, 8, DEC, GCM256, base, 32, NULL));
  g_string_truncate (log, 0);

  /* RFC 9605 §4.4.1: a KID is for encryption or for decryption, never both. */
  fail_if (gst_e2ee_key_store_add_key (store, 7, DEC, GCM256, other, 32, &error));
  g_assert_error (error, GST_E2EE_KEY_STORE_ERROR,
      GST_E2EE_KEY_STORE_ERROR_USAGE_CONFLICT);
  g_clear_error (&error);
  fail_if (gst_e2ee_key_store_add_key (store, 8, ENC, GCM256, other, 32, &error));
  g_assert_error (error, GST_E2EE_KEY_STORE_ERROR,
      GST_E2EE_KEY_STORE_ERROR_USAGE_CONFLICT);
  g_clear_error (&error);
  assert_log (log, "");

  /* The refused keys changed nothing. */
  fail_unless (gst_e2ee_key_store_lookup (store, 7, DEC) == NULL);
  key = gst_e2ee_key_store_lookup (store, 7, ENC);
  fail_unless (key != NULL);
  {
    GstE2eeSFrameKey *peer = gst_e2ee_sframe_key_new (GCM256, 7, base, 32, NULL);
    GBytes *pt = g_bytes_new_static ("x", 1);
    GBytes *frame = gst_e2ee_sframe_key_encrypt_bytes (key, NULL, pt, NULL);
    fail_unless (opens_to (peer, frame, "x"));
    g_bytes_unref (frame);
    g_bytes_unref (pt);
    gst_e2ee_sframe_key_unref (peer);
  }
  gst_e2ee_sframe_key_unref (key);

  /* Once the encryption key is gone the KID is free for the other usage. */
  fail_unless (gst_e2ee_key_store_remove_key (store, 7, ENC));
  fail_unless (gst_e2ee_key_store_add_key (store, 7, DEC, GCM256, other, 32, &error));
  g_assert_no_error (error);
  assert_log (log, "removed 7 enc\nadded 7 dec\n");

  g_object_unref (store);
  g_string_free (log, TRUE);
}

GST_END_TEST;

/* Issue 18, item 1: the same encryption key added again keeps the key object every
 * encryptor shares, and its counter; a second object would count again from where
 * the first was while the first goes on. */
GST_START_TEST (test_readd_keeps_key_object)
{
  GstClock *clock;
  GstE2eeKeyStore *store = store_with_test_clock (&clock);
  GString *log = watch (store);
  GstE2eeSFrameKey *key, *key2;
  guint8 base[16];
  GBytes *pt = g_bytes_new_static ("abc", 3);
  GBytes *frame;
  GstClockTime deadline = 0;
  guint64 new_kid = 0;
  gchar *expected;
  int i;

  fill_key (base, sizeof (base), 5);
  fail_unless (gst_e2ee_key_store_add_key (store, 3, ENC, GCM128, base, 16, NULL));
  key = gst_e2ee_key_store_lookup (store, 3, ENC);
  for (i = 0; i < 3; i++) {
    frame = gst_e2ee_sframe_key_encrypt_bytes (key, NULL, pt, NULL);
    fail_unless (frame != NULL);
    g_bytes_unref (frame);
  }
  fail_unless_equals_uint64 (gst_e2ee_sframe_key_get_next_counter (key), 3);

  fail_unless (gst_e2ee_key_store_add_key (store, 3, ENC, GCM128, base, 16, NULL));
  key2 = gst_e2ee_key_store_lookup (store, 3, ENC);
  fail_unless (key2 == key, "adding the same key again made a second key object");
  gst_e2ee_sframe_key_unref (key2);
  fail_unless_equals_uint64 (gst_e2ee_sframe_key_get_next_counter (key), 3);
  assert_log (log, "added 3 enc\n");

  /* Superseded and within its grace period: current again, the same object, and its
   * base key back for ratcheting. */
  fail_unless (gst_e2ee_key_store_retire_key (store, 3, ENC, 60 * GST_SECOND));
  fail_unless (gst_e2ee_key_store_add_key (store, 3, ENC, GCM128, base, 16, NULL));
  expected = g_strdup_printf ("retired 3 enc %" G_GUINT64_FORMAT "\nadded 3 enc\n",
      1060 * GST_SECOND);
  assert_log (log, expected);
  g_free (expected);
  fail_unless (gst_e2ee_key_store_get_key_info (store, 3, NULL, NULL, &deadline));
  fail_unless_equals_uint64 (deadline, GST_CLOCK_TIME_NONE);
  key2 = gst_e2ee_key_store_lookup (store, 3, ENC);
  fail_unless (key2 == key);
  gst_e2ee_sframe_key_unref (key2);
  fail_unless (gst_e2ee_key_store_ratchet (store, 3, ENC, 8, 0, &new_kid, NULL));
  fail_unless_equals_uint64 (new_kid, 4);

  /* A decryption key given again keeps its object too (a decryptor would otherwise
   * drop its replay window); another decryption key replaces it. */
  fail_unless (gst_e2ee_key_store_add_key (store, 4 + 0x100, DEC, GCM128, base, 16,
          NULL));
  key2 = gst_e2ee_key_store_lookup (store, 4 + 0x100, DEC);
  g_string_truncate (log, 0);
  fail_unless (gst_e2ee_key_store_add_key (store, 4 + 0x100, DEC, GCM128, base, 16,
          NULL));
  assert_log (log, "");
  fail_unless (gst_e2ee_key_store_lookup (store, 4 + 0x100, DEC) == key2,
      "adding the same decryption key again made a second key object");
  gst_e2ee_sframe_key_unref (key2);
  gst_e2ee_sframe_key_unref (key2);
  fill_key (base, sizeof (base), 6);
  fail_unless (gst_e2ee_key_store_add_key (store, 4 + 0x100, DEC, GCM128, base, 16,
          NULL));
  assert_log (log, "removed 260 dec\nadded 260 dec\n");

  gst_e2ee_sframe_key_unref (key);
  g_bytes_unref (pt);
  g_object_unref (store);
  gst_object_unref (clock);
  g_string_free (log, TRUE);
}

GST_END_TEST;

static void
assert_kid_used (gboolean ok, GError ** error)
{
  fail_if (ok, "a key was accepted under a KID that encrypted");
  g_assert_error (*error, GST_E2EE_KEY_STORE_ERROR, GST_E2EE_KEY_STORE_ERROR_KID_USED);
  g_clear_error (error);
}

/* Uses KID @kid's encryption key for one frame. */
static void
encrypt_one (GstE2eeKeyStore * store, guint64 kid)
{
  GstE2eeSFrameKey *key = gst_e2ee_key_store_lookup (store, kid, ENC);
  GBytes *pt = g_bytes_new_static ("x", 1), *frame;

  fail_unless (key != NULL);
  frame = gst_e2ee_sframe_key_encrypt_bytes (key, NULL, pt, NULL);
  fail_unless (frame != NULL);
  g_bytes_unref (frame);
  g_bytes_unref (pt);
  gst_e2ee_sframe_key_unref (key);
}

/* Issue 18, item 1: a KID whose encryption key was used never gets another key, nor,
 * once that key is gone, any key: encryptors may still count with the old object. */
GST_START_TEST (test_readd_refused)
{
  GstClock *clock;
  GstE2eeKeyStore *store = store_with_test_clock (&clock);
  GString *log = watch (store);
  GstE2eeSFrameKey *key, *key2;
  guint8 a[32], b[32], next[64];
  GError *error = NULL;
  guint64 new_kid = 0;

  fill_key (a, sizeof (a), 21);
  fill_key (b, sizeof (b), 22);

  /* Never handed out: another key simply replaces it (a mistake fixed in time). */
  fail_unless (gst_e2ee_key_store_add_key (store, 7, ENC, GCM256, a, 32, NULL));
  fail_unless (gst_e2ee_key_store_add_key (store, 7, ENC, GCM256, b, 32, NULL));
  assert_log (log, "added 7 enc\nremoved 7 enc\nadded 7 enc\n");
  fail_unless (gst_e2ee_key_store_remove_key (store, 7, ENC));
  fail_unless (gst_e2ee_key_store_add_key (store, 7, ENC, GCM256, b, 32, NULL));
  g_string_truncate (log, 0);

  /* Handed out, counter still 0: an encryptor holds it. Another key, or the same key
   * with another suite, is refused and the object stays. */
  key = gst_e2ee_key_store_lookup (store, 7, ENC);
  assert_kid_used (gst_e2ee_key_store_add_key (store, 7, ENC, GCM256, a, 32, &error),
      &error);
  assert_kid_used (gst_e2ee_key_store_add_key (store, 7, ENC, GCM128, b, 32, &error),
      &error);
  key2 = gst_e2ee_key_store_lookup (store, 7, ENC);
  fail_unless (key2 == key);
  gst_e2ee_sframe_key_unref (key2);
  assert_log (log, "");

  /* Removed after use: no key at all under the KID again, the same one included. */
  fail_unless (gst_e2ee_key_store_remove_key (store, 7, ENC));
  assert_kid_used (gst_e2ee_key_store_add_key (store, 7, ENC, GCM256, b, 32, &error),
      &error);
  assert_kid_used (gst_e2ee_key_store_add_key (store, 7, ENC, GCM256, a, 32, &error),
      &error);
  fail_unless (gst_e2ee_key_store_lookup (store, 7, ENC) == NULL);
  gst_e2ee_sframe_key_unref (key);

  /* Retired with no grace period, and expired after one. */
  fail_unless (gst_e2ee_key_store_add_key (store, 8, ENC, GCM256, a, 32, NULL));
  encrypt_one (store, 8);
  fail_unless (gst_e2ee_key_store_retire_key (store, 8, ENC, 0));
  assert_kid_used (gst_e2ee_key_store_add_key (store, 8, ENC, GCM256, a, 32, &error),
      &error);
  fail_unless (gst_e2ee_key_store_add_key (store, 9, ENC, GCM256, a, 32, NULL));
  encrypt_one (store, 9);
  fail_unless (gst_e2ee_key_store_retire_key (store, 9, ENC, GST_SECOND));
  gst_test_clock_advance_time (GST_TEST_CLOCK (clock), 2 * GST_SECOND);
  fail_unless_equals_int (gst_e2ee_key_store_expire (store, GST_CLOCK_TIME_NONE), 1);
  assert_kid_used (gst_e2ee_key_store_add_key (store, 9, ENC, GCM256, a, 32, &error),
      &error);

  /* A ratchet step landing on a KID that encrypted with another key: refused, and
   * nothing changes. */
  fail_unless (gst_e2ee_key_store_add_key (store, 0x201, ENC, GCM256, b, 32, NULL));
  encrypt_one (store, 0x201);
  fail_unless (gst_e2ee_key_store_add_key (store, 0x200, ENC, GCM256, a, 32, NULL));
  g_string_truncate (log, 0);
  assert_kid_used (gst_e2ee_key_store_ratchet (store, 0x200, ENC, 8, 0, NULL, &error),
      &error);
  assert_log (log, "");
  fail_unless (gst_e2ee_key_store_get_key_info (store, 0x200, NULL, NULL, NULL));

  /* ... on a KID whose used key is gone: refused. */
  fail_unless (gst_e2ee_key_store_add_key (store, 0x301, ENC, GCM256, b, 32, NULL));
  encrypt_one (store, 0x301);
  fail_unless (gst_e2ee_key_store_remove_key (store, 0x301, ENC));
  fail_unless (gst_e2ee_key_store_add_key (store, 0x300, ENC, GCM256, a, 32, NULL));
  assert_kid_used (gst_e2ee_key_store_ratchet (store, 0x300, ENC, 8, 0, NULL, &error),
      &error);

  /* ... on the same key, which the application added itself and an encryptor used:
   * that key object stays, with its counter. */
  fail_unless (gst_e2ee_ratchet_base_key (GCM256, a, 32, next, sizeof (next), NULL));
  fail_unless (gst_e2ee_key_store_add_key (store, 0x401, ENC, GCM256, next, 64, NULL));
  key = gst_e2ee_key_store_lookup (store, 0x401, ENC);
  encrypt_one (store, 0x401);
  fail_unless (gst_e2ee_key_store_add_key (store, 0x400, ENC, GCM256, a, 32, NULL));
  encrypt_one (store, 0x400);
  fail_unless (gst_e2ee_key_store_ratchet (store, 0x400, ENC, 8, 0, &new_kid, &error));
  g_assert_no_error (error);
  fail_unless_equals_uint64 (new_kid, 0x401);
  key2 = gst_e2ee_key_store_lookup (store, 0x401, ENC);
  fail_unless (key2 == key);
  fail_unless_equals_uint64 (gst_e2ee_sframe_key_get_next_counter (key2), 1);
  gst_e2ee_sframe_key_unref (key2);
  gst_e2ee_sframe_key_unref (key);

  /* Ratcheted away after use: the old step's KID never gets a key again. */
  assert_kid_used (gst_e2ee_key_store_add_key (store, 0x400, ENC, GCM256, a, 32,
          &error), &error);

  g_object_unref (store);
  gst_object_unref (clock);
  g_string_free (log, TRUE);
}

GST_END_TEST;

#define N_SENDERS 200

GST_START_TEST (test_200_senders)
{
  GstE2eeKeyStore *store = gst_e2ee_key_store_new ();
  GBytes *frames[N_SENDERS];
  GArray *kids;
  guint8 base[32];
  guint i;

  /* KIDs spread over the whole 64-bit range, as a conference server assigns them. */
#define SENDER_KID(i) ((guint64) (i) * G_GUINT64_CONSTANT (0x0123456789ab) + 1)
  for (i = 0; i < N_SENDERS; i++) {
    fill_key (base, sizeof (base), 100 + i);
    fail_unless (gst_e2ee_key_store_add_key (store, SENDER_KID (i), DEC, GCM256, base,
            sizeof (base), NULL));
    frames[i] = seal_frame (GCM256, SENDER_KID (i), base, sizeof (base), i, "media");
  }
  fail_unless_equals_int (gst_e2ee_key_store_get_n_keys (store), N_SENDERS);

  for (i = 0; i < N_SENDERS; i++) {
    GstE2eeSFrameKey *key = gst_e2ee_key_store_lookup (store, SENDER_KID (i), DEC);

    fail_unless (key != NULL);
    fail_unless_equals_uint64 (gst_e2ee_sframe_key_get_kid (key), SENDER_KID (i));
    fail_unless (opens_to (key, frames[i], "media"));
    /* And no other sender's frame. */
    fail_if (opens_to (key, frames[(i + 1) % N_SENDERS], "media"));
    gst_e2ee_sframe_key_unref (key);
  }

  kids = gst_e2ee_key_store_list_kids (store, DEC);
  fail_unless_equals_int (kids->len, N_SENDERS);
  for (i = 0; i < N_SENDERS; i++)
    fail_unless_equals_uint64 (g_array_index (kids, guint64, i), SENDER_KID (i));
  g_array_unref (kids);
  kids = gst_e2ee_key_store_list_kids (store, ENC);
  fail_unless_equals_int (kids->len, 0);
  g_array_unref (kids);

  for (i = 0; i < N_SENDERS; i += 2)
    fail_unless (gst_e2ee_key_store_remove_key (store, SENDER_KID (i), DEC));
  for (i = 0; i < N_SENDERS; i++) {
    GstE2eeSFrameKey *key = gst_e2ee_key_store_lookup (store, SENDER_KID (i), DEC);
    fail_unless ((key != NULL) == (i % 2 == 1));
    if (key)
      gst_e2ee_sframe_key_unref (key);
    g_bytes_unref (frames[i]);
  }
  fail_unless_equals_int (gst_e2ee_key_store_get_n_keys (store), N_SENDERS / 2);
  g_object_unref (store);
}

GST_END_TEST;

/* ---- Threads ---------------------------------------------------------------- */

#define N_STABLE 32
#define N_VOLATILE 16
#define VOLATILE_KID(i) (G_GUINT64_CONSTANT (1) << 40 | (i))
#define N_READERS 4
#define READER_ROUNDS 3000
#define WRITER_ROUNDS 40
#define ROUNDS_AFTER_WRITER 200

typedef struct
{
  GstE2eeKeyStore *store;
  GBytes *stable_frames[N_STABLE];
  GBytes *volatile_frames[N_VOLATILE];
  gint writer_done;
  gint wrong;                   /* atomic: lookups that returned a wrong key */
  gint missing;                 /* atomic: stable keys not found */
  gint volatile_hits;
} ThreadData;

static gpointer
reader_thread (gpointer user_data)
{
  ThreadData *d = user_data;
  guint32 seed = GPOINTER_TO_UINT (g_thread_self ());
  guint round, after = 0;

  for (round = 0;; round++) {
    guint i;
    GstE2eeSFrameKey *key;

    /* Go on while the writer works, and a little after it left the keys in. */
    if (g_atomic_int_get (&d->writer_done) && ++after > ROUNDS_AFTER_WRITER &&
        round >= READER_ROUNDS)
      break;

    seed = seed * 1103515245 + 12345;
    i = (seed >> 16) % N_STABLE;
    key = gst_e2ee_key_store_lookup (d->store, i, DEC);
    if (key == NULL) {
      g_atomic_int_inc (&d->missing);
    } else {
      if (gst_e2ee_sframe_key_get_kid (key) != i ||
          !opens_to (key, d->stable_frames[i], "stable"))
        g_atomic_int_inc (&d->wrong);
      gst_e2ee_sframe_key_unref (key);
    }

    i = (seed >> 8) % N_VOLATILE;
    key = gst_e2ee_key_store_lookup (d->store, VOLATILE_KID (i), DEC);
    if (key) {
      if (gst_e2ee_sframe_key_get_kid (key) != VOLATILE_KID (i) ||
          !opens_to (key, d->volatile_frames[i], "volatile"))
        g_atomic_int_inc (&d->wrong);
      g_atomic_int_inc (&d->volatile_hits);
      gst_e2ee_sframe_key_unref (key);
    }
    /* The encryption side of a volatile KID never shows up as a decryption key. */
    key = gst_e2ee_key_store_lookup (d->store, VOLATILE_KID (i) + N_VOLATILE, DEC);
    if (key) {
      g_atomic_int_inc (&d->wrong);
      gst_e2ee_sframe_key_unref (key);
    }
  }
  return NULL;
}

static gpointer
writer_thread (gpointer user_data)
{
  ThreadData *d = user_data;
  guint8 base[32];
  guint round, i;

  for (round = 0; round < WRITER_ROUNDS; round++) {
    for (i = 0; i < N_VOLATILE; i++) {
      fill_key (base, sizeof (base), 5000 + i);
      fail_unless (gst_e2ee_key_store_add_key (d->store, VOLATILE_KID (i), DEC, GCM128,
              base, sizeof (base), NULL));
      fill_key (base, sizeof (base), 9000 + i);
      fail_unless (gst_e2ee_key_store_add_key (d->store, VOLATILE_KID (i) + N_VOLATILE,
              ENC, GCM128, base, sizeof (base), NULL));
    }
    for (i = 0; i < N_VOLATILE; i++) {
      fail_unless (gst_e2ee_key_store_remove_key (d->store, VOLATILE_KID (i), DEC));
      fail_unless (gst_e2ee_key_store_remove_key (d->store,
              VOLATILE_KID (i) + N_VOLATILE, ENC));
    }
  }
  /* Leave them in, so that the readers' last rounds find them. */
  for (i = 0; i < N_VOLATILE; i++) {
    fill_key (base, sizeof (base), 5000 + i);
    fail_unless (gst_e2ee_key_store_add_key (d->store, VOLATILE_KID (i), DEC, GCM128,
            base, sizeof (base), NULL));
  }
  g_atomic_int_set (&d->writer_done, 1);
  return NULL;
}

GST_START_TEST (test_concurrent_lookups)
{
  ThreadData d = { 0 };
  GThread *readers[N_READERS], *writer;
  guint8 base[32];
  guint i;

  d.store = gst_e2ee_key_store_new ();
  for (i = 0; i < N_STABLE; i++) {
    fill_key (base, sizeof (base), 1000 + i);
    fail_unless (gst_e2ee_key_store_add_key (d.store, i, DEC, GCM128, base,
            sizeof (base), NULL));
    d.stable_frames[i] = seal_frame (GCM128, i, base, sizeof (base), 0, "stable");
  }
  for (i = 0; i < N_VOLATILE; i++) {
    fill_key (base, sizeof (base), 5000 + i);
    d.volatile_frames[i] = seal_frame (GCM128, VOLATILE_KID (i), base, sizeof (base),
        0, "volatile");
  }

  for (i = 0; i < N_READERS; i++)
    readers[i] = g_thread_new ("reader", reader_thread, &d);
  writer = g_thread_new ("writer", writer_thread, &d);
  g_thread_join (writer);
  for (i = 0; i < N_READERS; i++)
    g_thread_join (readers[i]);

  fail_unless_equals_int (d.wrong, 0);
  fail_unless_equals_int (d.missing, 0);
  /* The last rounds ran with the volatile keys in place. */
  fail_unless (d.volatile_hits > 0);
  fail_unless_equals_int (gst_e2ee_key_store_get_n_keys (d.store),
      N_STABLE + N_VOLATILE);

  for (i = 0; i < N_STABLE; i++)
    g_bytes_unref (d.stable_frames[i]);
  for (i = 0; i < N_VOLATILE; i++)
    g_bytes_unref (d.volatile_frames[i]);
  g_object_unref (d.store);
}

GST_END_TEST;

/* ---- Grace period ------------------------------------------------------------ */

GST_START_TEST (test_grace_period_expiry)
{
  GstClock *clock;
  GstE2eeKeyStore *store = store_with_test_clock (&clock);
  GstTestClock *tc = GST_TEST_CLOCK (clock);
  GString *log = watch (store);
  GstE2eeSFrameKey *key;
  GstClockTime deadline;
  guint8 base[16];
  GBytes *frame;
  gchar *expected;

  fill_key (base, sizeof (base), 6);
  frame = seal_frame (GCM128, 1, base, 16, 0, "late");
  fail_unless (gst_e2ee_key_store_add_key (store, 1, DEC, GCM128, base, 16, NULL));
  fail_unless (gst_e2ee_key_store_add_key (store, 2, DEC, GCM128, base, 16, NULL));
  fail_unless (gst_e2ee_key_store_add_key (store, 3, ENC, GCM128, base, 16, NULL));
  g_string_truncate (log, 0);
  fail_unless_equals_uint64 (gst_e2ee_key_store_get_next_deadline (store),
      GST_CLOCK_TIME_NONE);

  /* Retiring needs the right usage. */
  fail_if (gst_e2ee_key_store_retire_key (store, 1, ENC, 10 * GST_SECOND));
  fail_if (gst_e2ee_key_store_retire_key (store, 99, DEC, 10 * GST_SECOND));
  fail_unless (gst_e2ee_key_store_retire_key (store, 1, DEC, 10 * GST_SECOND));
  expected = g_strdup_printf ("retired 1 dec %" G_GUINT64_FORMAT "\n",
      1010 * GST_SECOND);
  assert_log (log, expected);
  g_free (expected);
  fail_unless (gst_e2ee_key_store_get_key_info (store, 1, NULL, NULL, &deadline));
  fail_unless_equals_uint64 (deadline, 1010 * GST_SECOND);
  fail_unless_equals_uint64 (gst_e2ee_key_store_get_next_deadline (store),
      1010 * GST_SECOND);

  /* Frames in flight still decrypt during the grace period... */
  gst_test_clock_advance_time (tc, 10 * GST_SECOND - 1);
  key = gst_e2ee_key_store_lookup (store, 1, DEC);
  fail_unless (key != NULL);
  fail_unless (opens_to (key, frame, "late"));
  gst_e2ee_sframe_key_unref (key);
  assert_log (log, "");

  /* ...and not a nanosecond after: the lookup itself expires the key. */
  gst_test_clock_advance_time (tc, 1);
  fail_unless (gst_e2ee_key_store_lookup (store, 1, DEC) == NULL);
  assert_log (log, "expired 1 dec\n");
  fail_if (gst_e2ee_key_store_get_key_info (store, 1, NULL, NULL, NULL));
  fail_unless_equals_uint64 (gst_e2ee_key_store_get_next_deadline (store),
      GST_CLOCK_TIME_NONE);
  /* Other keys were not touched. */
  fail_unless_equals_int (gst_e2ee_key_store_get_n_keys (store), 2);

  /* gst_e2ee_key_store_expire() with an explicit time. */
  fail_unless (gst_e2ee_key_store_retire_key (store, 2, DEC, 5 * GST_SECOND));
  fail_unless (gst_e2ee_key_store_retire_key (store, 3, ENC, 7 * GST_SECOND));
  g_string_truncate (log, 0);
  fail_unless_equals_int (gst_e2ee_key_store_expire (store, 1014 * GST_SECOND), 0);
  fail_unless_equals_int (gst_e2ee_key_store_expire (store, 1015 * GST_SECOND), 1);
  assert_log (log, "expired 2 dec\n");
  fail_unless_equals_uint64 (gst_e2ee_key_store_get_next_deadline (store),
      1017 * GST_SECOND);
  /* Retiring again only ever brings the deadline closer. */
  fail_unless (gst_e2ee_key_store_retire_key (store, 3, ENC, 60 * GST_SECOND));
  fail_unless (gst_e2ee_key_store_get_key_info (store, 3, NULL, NULL, &deadline));
  fail_unless_equals_uint64 (deadline, 1017 * GST_SECOND);
  g_string_truncate (log, 0);
  /* GST_CLOCK_TIME_NONE reads the store's clock. */
  gst_test_clock_set_time (tc, 1017 * GST_SECOND);
  fail_unless_equals_int (gst_e2ee_key_store_expire (store, GST_CLOCK_TIME_NONE), 1);
  assert_log (log, "expired 3 enc\n");
  fail_unless_equals_int (gst_e2ee_key_store_get_n_keys (store), 0);

  /* No grace period: gone at once. */
  fail_unless (gst_e2ee_key_store_add_key (store, 4, DEC, GCM128, base, 16, NULL));
  fail_unless (gst_e2ee_key_store_retire_key (store, 4, DEC, 0));
  expected = g_strdup_printf ("added 4 dec\nretired 4 dec %" G_GUINT64_FORMAT
      "\nexpired 4 dec\n", 1017 * GST_SECOND);
  assert_log (log, expected);
  g_free (expected);
  fail_unless (gst_e2ee_key_store_lookup (store, 4, DEC) == NULL);

  /* A superseded key can be replaced by a fresh one under the same KID. */
  fail_unless (gst_e2ee_key_store_add_key (store, 5, DEC, GCM128, base, 16, NULL));
  fail_unless (gst_e2ee_key_store_retire_key (store, 5, DEC, GST_SECOND));
  fail_unless (gst_e2ee_key_store_add_key (store, 5, DEC, GCM128, base, 16, NULL));
  fail_unless (gst_e2ee_key_store_get_key_info (store, 5, NULL, NULL, &deadline));
  fail_unless_equals_uint64 (deadline, GST_CLOCK_TIME_NONE);
  gst_test_clock_advance_time (tc, 2 * GST_SECOND);
  key = gst_e2ee_key_store_lookup (store, 5, DEC);
  fail_unless (key != NULL);
  gst_e2ee_sframe_key_unref (key);

  g_bytes_unref (frame);
  g_object_unref (store);
  gst_object_unref (clock);
  g_string_free (log, TRUE);
}

GST_END_TEST;

/* A key change every 2 s for almost 3 hours, each retired key kept 10 s, and not one
 * lookup (every receiver on hold, the sender still rotating): the store holds the
 * current key and the 5 within their grace period, never more; each expires at the
 * first key change at or after its deadline. */
GST_START_TEST (test_key_changes_bounded)
{
  GstClock *clock;
  GstE2eeKeyStore *store = store_with_test_clock (&clock);
  GstTestClock *tc = GST_TEST_CLOCK (clock);
  GString *log = watch (store);
  GString *expected = g_string_new (NULL);
  guint8 base[16];
  guint64 kid;

  for (kid = 1; kid <= 5000; kid++) {
    GstClockTime now = gst_clock_get_time (clock);

    fill_key (base, sizeof (base), kid);
    fail_unless (gst_e2ee_key_store_add_key (store, kid, DEC, GCM128, base, 16, NULL));
    if (kid > 1)
      fail_unless (gst_e2ee_key_store_retire_key (store, kid - 1, DEC,
              10 * GST_SECOND));
    fail_unless_equals_int (gst_e2ee_key_store_get_n_keys (store), MIN (kid, 6));
    g_string_truncate (expected, 0);
    if (kid > 6)
      g_string_append_printf (expected, "expired %" G_GUINT64_FORMAT " dec\n", kid - 6);
    g_string_append_printf (expected, "added %" G_GUINT64_FORMAT " dec\n", kid);
    if (kid > 1)
      g_string_append_printf (expected, "retired %" G_GUINT64_FORMAT " dec %"
          G_GUINT64_FORMAT "\n", kid - 1, now + 10 * GST_SECOND);
    assert_log (log, expected->str);
    gst_test_clock_advance_time (tc, 2 * GST_SECOND);
  }

  g_string_free (expected, TRUE);
  g_object_unref (store);
  gst_object_unref (clock);
  g_string_free (log, TRUE);
}

GST_END_TEST;

/* ---- Ratchet ------------------------------------------------------------------- */

GST_START_TEST (test_ratchet_against_openssl)
{
  static const GstE2eeCipherSuite suites[] = { GCM128, GCM256, CTR80 };
  static const gsize base_sizes[] = { 16, 32, 64, 5 };
  guint s, b, step;

  for (s = 0; s < G_N_ELEMENTS (suites); s++) {
    gsize nh = gst_e2ee_cipher_suite_get_hash_size (suites[s]);

    for (b = 0; b < G_N_ELEMENTS (base_sizes); b++) {
      guint8 ours[64], theirs[64], cur[64];
      gsize cur_len = base_sizes[b];

      fill_key (cur, cur_len, 40 + s * 10 + b);
      for (step = 0; step < 3; step++) {
        GError *error = NULL;

        fail_unless (gst_e2ee_ratchet_base_key (suites[s], cur, cur_len, ours,
                sizeof (ours), &error));
        g_assert_no_error (error);
        openssl_ratchet (suites[s], cur, cur_len, theirs);
        fail_unless (memcmp (ours, theirs, nh) == 0,
            "suite %d, %" G_GSIZE_FORMAT "-byte base key, step %u differs from openssl",
            suites[s], cur_len, step);
        memcpy (cur, theirs, nh);
        cur_len = nh;
      }
      /* In place gives the same. */
      fill_key (cur, base_sizes[b], 40 + s * 10 + b);
      fill_key (ours, base_sizes[b], 40 + s * 10 + b);
      fail_unless (gst_e2ee_ratchet_base_key (suites[s], ours, base_sizes[b], ours,
              sizeof (ours), NULL));
      openssl_ratchet (suites[s], cur, base_sizes[b], theirs);
      fail_unless (memcmp (ours, theirs, nh) == 0);
    }
  }

  /* The GBytes variant, and refusals. */
  {
    guint8 base[32], theirs[64], small[31];
    GBytes *in, *out;
    GError *error = NULL;

    fill_key (base, sizeof (base), 77);
    in = g_bytes_new (base, sizeof (base));
    out = gst_e2ee_ratchet_base_key_bytes (GCM128, in, NULL);
    openssl_ratchet (GCM128, base, sizeof (base), theirs);
    fail_unless_equals_int (g_bytes_get_size (out), 32);
    fail_unless (memcmp (g_bytes_get_data (out, NULL), theirs, 32) == 0);
    g_bytes_unref (in);
    g_bytes_unref (out);

    fail_if (gst_e2ee_ratchet_base_key (GCM128, base, 32, small, sizeof (small),
            &error));
    g_assert_error (error, GST_E2EE_SFRAME_ERROR, GST_E2EE_SFRAME_ERROR_INVALID_ARGUMENT);
    g_clear_error (&error);
    fail_if (gst_e2ee_ratchet_base_key (GCM128, base, 0, theirs, 64, &error));
    g_assert_error (error, GST_E2EE_SFRAME_ERROR, GST_E2EE_SFRAME_ERROR_INVALID_ARGUMENT);
    g_clear_error (&error);
    fail_if (gst_e2ee_ratchet_base_key (0, base, 32, theirs, 64, &error));
    g_assert_error (error, GST_E2EE_SFRAME_ERROR, GST_E2EE_SFRAME_ERROR_INVALID_ARGUMENT);
    g_clear_error (&error);
  }
}

GST_END_TEST;

GST_START_TEST (test_ratchet_kid)
{
  /* R = 8, the default. */
  fail_unless_equals_int (GST_E2EE_RATCHET_DEFAULT_BITS, 8);
  fail_unless_equals_uint64 (gst_e2ee_ratchet_kid (3, 5, 8), 0x305);
  fail_unless_equals_uint64 (gst_e2ee_ratchet_kid (3, 256 + 5, 8), 0x305);
  fail_unless_equals_uint64 (gst_e2ee_ratchet_kid (0, 0, 8), 0);
  fail_unless_equals_uint64 (gst_e2ee_ratchet_kid (0xabcdef, 0xff, 8), 0xabcdefff);
  fail_unless_equals_uint64 (gst_e2ee_ratchet_kid_get_generation (0x305, 8), 3);
  fail_unless_equals_uint64 (gst_e2ee_ratchet_kid_get_step (0x305, 8), 5);
  fail_unless_equals_uint64 (gst_e2ee_ratchet_next_kid (0x305, 8), 0x306);
  fail_unless_equals_uint64 (gst_e2ee_ratchet_next_kid (0x3ff, 8), 0x300);
  fail_unless_equals_uint64 (gst_e2ee_ratchet_kid (G_GUINT64_CONSTANT (0xffffffffffffff),
          0x12, 8), G_GUINT64_CONSTANT (0xffffffffffffff12));

  /* Other widths. */
  fail_unless_equals_uint64 (gst_e2ee_ratchet_kid (1, 1, 1), 3);
  fail_unless_equals_uint64 (gst_e2ee_ratchet_kid (1, 2, 1), 2);
  fail_unless_equals_uint64 (gst_e2ee_ratchet_next_kid (3, 1), 2);
  fail_unless_equals_uint64 (gst_e2ee_ratchet_kid (5, 17, 4), 0x51);
  fail_unless_equals_uint64 (gst_e2ee_ratchet_kid_get_generation (0x51, 4), 5);
  fail_unless_equals_uint64 (gst_e2ee_ratchet_kid_get_step (0x51, 4), 1);
  fail_unless_equals_uint64 (gst_e2ee_ratchet_next_kid (0x5f, 4), 0x50);
  fail_unless_equals_uint64 (gst_e2ee_ratchet_kid (2, 0x1234, 16), 0x21234);
  fail_unless_equals_uint64 (gst_e2ee_ratchet_kid (1, 7, 63),
      G_GUINT64_CONSTANT (0x8000000000000007));
  fail_unless_equals_uint64 (gst_e2ee_ratchet_kid_get_generation (G_MAXUINT64, 63), 1);
  fail_unless_equals_uint64 (gst_e2ee_ratchet_kid_get_step (G_MAXUINT64, 63),
      G_MAXUINT64 >> 1);
  fail_unless_equals_uint64 (gst_e2ee_ratchet_next_kid (G_MAXUINT64, 63),
      G_GUINT64_CONSTANT (0x8000000000000000));
  /* R = 0: the KID is all generation. */
  fail_unless_equals_uint64 (gst_e2ee_ratchet_kid (42, 9, 0), 42);
  fail_unless_equals_uint64 (gst_e2ee_ratchet_kid_get_step (42, 0), 0);
  fail_unless_equals_uint64 (gst_e2ee_ratchet_kid_get_generation (42, 0), 42);
}

GST_END_TEST;

GST_START_TEST (test_store_ratchet_sender)
{
  GstClock *clock;
  GstE2eeKeyStore *store = store_with_test_clock (&clock);
  GString *log = watch (store);
  GstE2eeSFrameKey *key, *peer;
  guint8 base[32], next[64];
  GBytes *pt = g_bytes_new_static ("ratcheted", 9);
  GBytes *frame;
  GError *error = NULL;
  guint64 kid = gst_e2ee_ratchet_kid (3, 0, 8), new_kid = 0;
  gchar *expected;

  fill_key (base, sizeof (base), 8);
  fail_unless (gst_e2ee_key_store_add_key (store, kid, ENC, GCM256, base, 32, NULL));
  g_string_truncate (log, 0);

  fail_unless (gst_e2ee_key_store_ratchet (store, kid, ENC, 8, 0, &new_kid, &error));
  g_assert_no_error (error);
  fail_unless_equals_uint64 (new_kid, 0x301);
  expected = g_strdup_printf ("added 769 enc\nratchet 768 769 enc\nretired 768 enc %"
      G_GUINT64_FORMAT "\nexpired 768 enc\n", 1000 * GST_SECOND);
  assert_log (log, expected);
  g_free (expected);
  fail_unless (gst_e2ee_key_store_lookup (store, kid, ENC) == NULL);

  /* The new key is the one RFC 9605 §5.1 gives, as openssl computes it. */
  openssl_ratchet (GCM256, base, 32, next);
  key = gst_e2ee_key_store_lookup (store, 0x301, ENC);
  fail_unless (key != NULL);
  fail_unless_equals_uint64 (gst_e2ee_sframe_key_get_next_counter (key), 0);
  frame = gst_e2ee_sframe_key_encrypt_bytes (key, NULL, pt, NULL);
  peer = gst_e2ee_sframe_key_new (GCM256, 0x301, next, 64, NULL);
  fail_unless (opens_to (peer, frame, "ratcheted"));
  gst_e2ee_sframe_key_unref (peer);
  gst_e2ee_sframe_key_unref (key);
  g_bytes_unref (frame);

  /* A second step, keeping the old key for a grace period this time. */
  fail_unless (gst_e2ee_key_store_ratchet (store, 0x301, ENC, 8, GST_SECOND, &new_kid,
          NULL));
  fail_unless_equals_uint64 (new_kid, 0x302);
  openssl_ratchet (GCM256, next, 64, next);
  key = gst_e2ee_key_store_lookup (store, 0x302, ENC);
  frame = gst_e2ee_sframe_key_encrypt_bytes (key, NULL, pt, NULL);
  peer = gst_e2ee_sframe_key_new (GCM256, 0x302, next, 64, NULL);
  fail_unless (opens_to (peer, frame, "ratcheted"));
  gst_e2ee_sframe_key_unref (peer);
  gst_e2ee_sframe_key_unref (key);
  g_bytes_unref (frame);
  key = gst_e2ee_key_store_lookup (store, 0x301, ENC);
  fail_unless (key != NULL);
  gst_e2ee_sframe_key_unref (key);

  /* The superseded key's base key is gone: it cannot ratchet again. */
  fail_if (gst_e2ee_key_store_ratchet (store, 0x301, ENC, 8, 0, NULL, &error));
  g_assert_error (error, GST_E2EE_KEY_STORE_ERROR,
      GST_E2EE_KEY_STORE_ERROR_NOT_RATCHETABLE);
  g_clear_error (&error);

  /* Refusals. */
  fail_if (gst_e2ee_key_store_ratchet (store, 0x302, DEC, 8, 0, NULL, &error));
  g_assert_error (error, GST_E2EE_KEY_STORE_ERROR, GST_E2EE_KEY_STORE_ERROR_NOT_FOUND);
  g_clear_error (&error);
  fail_if (gst_e2ee_key_store_ratchet (store, 0x999, ENC, 8, 0, NULL, &error));
  g_assert_error (error, GST_E2EE_KEY_STORE_ERROR, GST_E2EE_KEY_STORE_ERROR_NOT_FOUND);
  g_clear_error (&error);
  fail_if (gst_e2ee_key_store_ratchet (store, 0x302, ENC, 0, 0, NULL, &error));
  g_assert_error (error, GST_E2EE_KEY_STORE_ERROR,
      GST_E2EE_KEY_STORE_ERROR_INVALID_ARGUMENT);
  g_clear_error (&error);
  fail_if (gst_e2ee_key_store_ratchet (store, 0x302, ENC, 64, 0, NULL, &error));
  g_assert_error (error, GST_E2EE_KEY_STORE_ERROR,
      GST_E2EE_KEY_STORE_ERROR_INVALID_ARGUMENT);
  g_clear_error (&error);
  /* The next step's KID is held for decryption: refused, nothing changes. */
  fail_unless (gst_e2ee_key_store_add_key (store, 0x303, DEC, GCM256, base, 32, NULL));
  g_string_truncate (log, 0);
  fail_if (gst_e2ee_key_store_ratchet (store, 0x302, ENC, 8, 0, NULL, &error));
  g_assert_error (error, GST_E2EE_KEY_STORE_ERROR,
      GST_E2EE_KEY_STORE_ERROR_USAGE_CONFLICT);
  g_clear_error (&error);
  assert_log (log, "");
  key = gst_e2ee_key_store_lookup (store, 0x302, ENC);
  fail_unless (key != NULL);
  gst_e2ee_sframe_key_unref (key);

  /* The step wraps around within the generation: R = 2, step 3 -> step 0. */
  fail_unless (gst_e2ee_key_store_add_key (store, 0x1b, DEC, GCM128, base, 32, NULL));
  fail_unless (gst_e2ee_key_store_ratchet (store, 0x1b, DEC, 2, 0, &new_kid, NULL));
  fail_unless_equals_uint64 (new_kid, 0x18);

  g_bytes_unref (pt);
  g_object_unref (store);
  gst_object_unref (clock);
  g_string_free (log, TRUE);
}

GST_END_TEST;

/* A sender ratchets; its receiver meets the new steps as unknown KIDs. */
GST_START_TEST (test_store_ratchet_receiver)
{
  GstClock *clock;
  GstE2eeKeyStore *store = store_with_test_clock (&clock);
  GstTestClock *tc = GST_TEST_CLOCK (clock);
  GString *log;
  GstE2eeSFrameKey *key;
  guint8 bases[12][64];
  gsize base_len[12];
  GBytes *frames[12], *forged;
  guint64 gen = 2;
  gboolean derived;
  GError *error = NULL;
  gchar *expected;
  guint i;

  /* The sender's base keys for steps 0..11 of generation 2, via openssl. */
  fill_key (bases[0], 32, 9);
  base_len[0] = 32;
  for (i = 1; i < 12; i++) {
    openssl_ratchet (GCM128, bases[i - 1], base_len[i - 1], bases[i]);
    base_len[i] = 32;
  }
  for (i = 0; i < 12; i++)
    frames[i] = seal_frame (GCM128, gst_e2ee_ratchet_kid (gen, i, 8), bases[i],
        base_len[i], 0, "step");

  fail_unless (gst_e2ee_key_store_add_key (store, gst_e2ee_ratchet_kid (gen, 0, 8),
          DEC, GCM128, bases[0], 32, NULL));
  log = watch (store);

  /* Step 3 is derived but not installed before the frame authenticated. */
  fail_unless (gst_e2ee_key_store_lookup (store, 0x203, DEC) == NULL);
  key = gst_e2ee_key_store_lookup_ratchet (store, 0x203, 8, 8, &derived);
  fail_unless (key != NULL);
  fail_unless (derived);
  fail_unless_equals_uint64 (gst_e2ee_sframe_key_get_kid (key), 0x203);
  fail_unless (opens_to (key, frames[3], "step"));
  gst_e2ee_sframe_key_unref (key);
  fail_unless_equals_int (gst_e2ee_key_store_get_n_keys (store), 1);
  assert_log (log, "");

  /* A forged frame naming step 5 derives a key that does not open it; without a
   * commit the store keeps step 0 current. */
  {
    guint8 junk[64];
    GstE2eeSFrameKey *forger;
    fill_key (junk, 32, 666);
    forged = seal_frame (GCM128, 0x205, junk, 32, 0, "step");
    forger = gst_e2ee_key_store_lookup_ratchet (store, 0x205, 8, 8, &derived);
    fail_unless (forger != NULL && derived);
    fail_if (opens_to (forger, forged, "step"));
    gst_e2ee_sframe_key_unref (forger);
    fail_unless (gst_e2ee_key_store_get_key_info (store, 0x200, NULL, NULL, NULL));
    fail_unless_equals_int (gst_e2ee_key_store_get_n_keys (store), 1);
    g_bytes_unref (forged);
  }

  /* Commit step 3: steps 1 and 2 come along for late frames, step 0 is superseded. */
  fail_unless (gst_e2ee_key_store_commit_ratchet (store, 0x203, 8, 8,
          10 * GST_SECOND, &error));
  g_assert_no_error (error);
  expected = g_strdup_printf ("added 513 dec\nretired 513 dec %" G_GUINT64_FORMAT
      "\nadded 514 dec\nretired 514 dec %" G_GUINT64_FORMAT
      "\nadded 515 dec\nratchet 512 515 dec\nretired 512 dec %" G_GUINT64_FORMAT "\n",
      1010 * GST_SECOND, 1010 * GST_SECOND, 1010 * GST_SECOND);
  assert_log (log, expected);
  g_free (expected);
  /* Committing again (another stream of the same sender) changes nothing. */
  fail_unless (gst_e2ee_key_store_commit_ratchet (store, 0x203, 8, 8,
          10 * GST_SECOND, NULL));
  assert_log (log, "");

  for (i = 0; i <= 3; i++) {
    key = gst_e2ee_key_store_lookup_ratchet (store, gst_e2ee_ratchet_kid (gen, i, 8), 8,
        8, &derived);
    fail_unless (key != NULL, "step %u", i);
    fail_if (derived);
    fail_unless (opens_to (key, frames[i], "step"));
    gst_e2ee_sframe_key_unref (key);
  }

  /* More than ratchet-window steps ahead is an unknown KID: step 11 is 8 steps
   * after step 3, one more than a window of 7. */
  fail_unless (gst_e2ee_key_store_lookup_ratchet (store, 0x20b, 8, 7, &derived) == NULL);
  fail_if (derived);
  fail_if (gst_e2ee_key_store_commit_ratchet (store, 0x20b, 8, 7, 0, &error));
  g_assert_error (error, GST_E2EE_KEY_STORE_ERROR,
      GST_E2EE_KEY_STORE_ERROR_NOT_RATCHETABLE);
  g_clear_error (&error);
  /* A window of 0 or R = 0 turns ratcheting off. */
  fail_unless (gst_e2ee_key_store_lookup_ratchet (store, 0x204, 8, 0, NULL) == NULL);
  fail_unless (gst_e2ee_key_store_lookup_ratchet (store, 0x204, 0, 8, NULL) == NULL);
  /* Another generation is not ratcheted into. */
  fail_unless (gst_e2ee_key_store_lookup_ratchet (store, 0x304, 8, 8, NULL) == NULL);

  /* Exactly 8 steps ahead is within the default window; commit with no grace
   * period: the older steps go at once and no intermediate keys are kept. */
  key = gst_e2ee_key_store_lookup_ratchet (store, 0x20b, 8, 8, &derived);
  fail_unless (key != NULL && derived);
  fail_unless (opens_to (key, frames[11], "step"));
  gst_e2ee_sframe_key_unref (key);
  fail_unless (gst_e2ee_key_store_commit_ratchet (store, 0x20b, 8, 8, 0, NULL));
  expected = g_strdup_printf ("added 523 dec\nratchet 515 523 dec\nretired 515 dec %"
      G_GUINT64_FORMAT "\nexpired 515 dec\n", 1000 * GST_SECOND);
  assert_log (log, expected);
  g_free (expected);
  fail_unless (gst_e2ee_key_store_lookup (store, 0x203, DEC) == NULL);
  fail_unless (gst_e2ee_key_store_lookup (store, 0x207, DEC) == NULL);

  /* Steps 0..2 still decrypt until their grace period ends, then expire. */
  key = gst_e2ee_key_store_lookup (store, 0x201, DEC);
  fail_unless (key != NULL);
  gst_e2ee_sframe_key_unref (key);
  gst_test_clock_advance_time (tc, 10 * GST_SECOND);
  fail_unless (gst_e2ee_key_store_lookup (store, 0x201, DEC) == NULL);
  fail_unless (strstr (log->str, "expired 512 dec\n") != NULL);
  fail_unless (strstr (log->str, "expired 513 dec\n") != NULL);
  fail_unless (strstr (log->str, "expired 514 dec\n") != NULL);
  fail_unless_equals_int (gst_e2ee_key_store_get_n_keys (store), 1);
  g_string_truncate (log, 0);

  /* Forward secrecy: nothing of the old steps can come back. */
  fail_unless (gst_e2ee_key_store_lookup_ratchet (store, 0x203, 8, 8, NULL) == NULL);
  key = gst_e2ee_key_store_lookup (store, 0x20b, DEC);
  fail_unless (opens_to (key, frames[11], "step"));
  fail_if (opens_to (key, frames[10], "step"));
  gst_e2ee_sframe_key_unref (key);

  for (i = 0; i < 12; i++)
    g_bytes_unref (frames[i]);
  g_object_unref (store);
  gst_object_unref (clock);
  g_string_free (log, TRUE);
}

GST_END_TEST;

GST_START_TEST (test_store_ratchet_receiver_wrap)
{
  GstE2eeKeyStore *store = gst_e2ee_key_store_new ();
  GstE2eeSFrameKey *key;
  guint8 b0[32], b1[32], b2[32], b3[32];
  GBytes *frame;
  gboolean derived;

  /* R = 2: generation 5 at step 3 is KID 0x17; two steps on is step 1, KID 0x15. */
  fill_key (b0, 32, 12);
  openssl_ratchet (CTR80, b0, 32, b1);
  openssl_ratchet (CTR80, b1, 32, b2);
  openssl_ratchet (CTR80, b2, 32, b3);
  fail_unless (gst_e2ee_key_store_add_key (store, 0x17, DEC, CTR80, b1, 32, NULL));
  frame = seal_frame (CTR80, 0x15, b3, 32, 77, "wrapped");

  /* A window larger than 2^R - 1 is cut to it. */
  key = gst_e2ee_key_store_lookup_ratchet (store, 0x15, 2, 100, &derived);
  fail_unless (key != NULL && derived);
  fail_unless (opens_to (key, frame, "wrapped"));
  gst_e2ee_sframe_key_unref (key);
  fail_unless (gst_e2ee_key_store_commit_ratchet (store, 0x15, 2, 100,
          600 * GST_SECOND, NULL));
  key = gst_e2ee_key_store_lookup (store, 0x15, DEC);
  fail_unless (opens_to (key, frame, "wrapped"));
  gst_e2ee_sframe_key_unref (key);
  fail_unless (gst_e2ee_key_store_get_key_info (store, 0x14, NULL, NULL, NULL));
  fail_unless (gst_e2ee_key_store_get_key_info (store, 0x17, NULL, NULL, NULL));

  /* A KID held for encryption is never derived as a decryption key. */
  fail_unless (gst_e2ee_key_store_add_key (store, 0x16, ENC, CTR80, b0, 32, NULL));
  fail_unless (gst_e2ee_key_store_lookup_ratchet (store, 0x16, 2, 3, NULL) == NULL);

  g_bytes_unref (frame);
  g_object_unref (store);
}

GST_END_TEST;

/* ---- Removed keys ------------------------------------------------------------ */

GST_START_TEST (test_removed_key_gone)
{
  GstE2eeKeyStore *store = gst_e2ee_key_store_new ();
  GstE2eeSFrameKey *key;
  guint8 base[32], next[32];
  GBytes *frame, *next_frame;
  GError *error = NULL;

  fill_key (base, sizeof (base), 13);
  openssl_ratchet (GCM128, base, 32, next);
  frame = seal_frame (GCM128, 0x400, base, 32, 0, "gone");
  next_frame = seal_frame (GCM128, 0x401, next, 32, 0, "gone");

  fail_unless (gst_e2ee_key_store_add_key (store, 0x400, DEC, GCM128, base, 32, NULL));
  key = gst_e2ee_key_store_lookup (store, 0x400, DEC);
  fail_unless (opens_to (key, frame, "gone"));
  gst_e2ee_sframe_key_unref (key);
  fail_unless (gst_e2ee_key_store_remove_key (store, 0x400, DEC));

  /* Neither the key nor its base key survives: no lookup, no ratchet from it. */
  fail_unless (gst_e2ee_key_store_lookup (store, 0x400, DEC) == NULL);
  fail_unless (gst_e2ee_key_store_lookup_ratchet (store, 0x400, 8, 8, NULL) == NULL);
  fail_unless (gst_e2ee_key_store_lookup_ratchet (store, 0x401, 8, 8, NULL) == NULL);
  fail_if (gst_e2ee_key_store_ratchet (store, 0x400, DEC, 8, 0, NULL, &error));
  g_assert_error (error, GST_E2EE_KEY_STORE_ERROR, GST_E2EE_KEY_STORE_ERROR_NOT_FOUND);
  g_clear_error (&error);

  /* A retired key still decrypts, but its base key is wiped at once. */
  fail_unless (gst_e2ee_key_store_add_key (store, 0x400, DEC, GCM128, base, 32, NULL));
  key = gst_e2ee_key_store_lookup_ratchet (store, 0x401, 8, 8, NULL);
  fail_unless (opens_to (key, next_frame, "gone"));
  gst_e2ee_sframe_key_unref (key);
  fail_unless (gst_e2ee_key_store_retire_key (store, 0x400, DEC, 60 * GST_SECOND));
  key = gst_e2ee_key_store_lookup (store, 0x400, DEC);
  fail_unless (opens_to (key, frame, "gone"));
  gst_e2ee_sframe_key_unref (key);
  fail_unless (gst_e2ee_key_store_lookup_ratchet (store, 0x401, 8, 8, NULL) == NULL);

  g_bytes_unref (frame);
  g_bytes_unref (next_frame);
  g_object_unref (store);
}

GST_END_TEST;

/* No key material in the debug log, even at the most verbose level. The key store
 * runs in a child process (this executable again) with GST_DEBUG set, and its whole
 * stderr is searched for the base key. A child, because adding a log function here
 * would leak GStreamer's replaced log-function list. */
#define LOG_CHILD_ENV "GST_E2EE_KEYSTORE_TEST_LOG_CHILD"
#define LOG_KEY_SEED 14

static int
log_child_main (int argc, char **argv)
{
  GstE2eeKeyStore *store;
  GstE2eeSFrameKey *key;
  guint8 base[32];
  gboolean ok;

  gst_init (&argc, &argv);
  fill_key (base, sizeof (base), LOG_KEY_SEED);
  store = gst_e2ee_key_store_new ();
  ok = gst_e2ee_key_store_add_key (store, 0x500, DEC, GCM128, base, 32, NULL);
  key = gst_e2ee_key_store_lookup_ratchet (store, 0x502, 8, 8, NULL);
  ok = ok && key != NULL;
  if (key)
    gst_e2ee_sframe_key_unref (key);
  ok = ok && gst_e2ee_key_store_commit_ratchet (store, 0x502, 8, 8, 0, NULL);
  ok = ok && gst_e2ee_key_store_ratchet (store, 0x502, DEC, 8, GST_SECOND, NULL, NULL);
  ok = ok && gst_e2ee_key_store_retire_key (store, 0x503, DEC, 0);
  ok = ok && gst_e2ee_key_store_add_key (store, 0x600, ENC, GCM256, base, 32, NULL);
  ok = ok && gst_e2ee_key_store_remove_key (store, 0x600, ENC);
  g_object_unref (store);
  return ok ? 0 : 3;
}

/* Every 8-byte window of @key, as hex, in @text reduced to its hex digits: catches
 * plain, upper-case, colon- or space-separated hex and GST_MEMDUMP output. */
static gboolean
hex_leaked (const gchar * text, const guint8 * key, gsize key_len)
{
  GString *digits = g_string_new (NULL);
  gboolean leaked = FALSE;
  gsize i;

  for (; *text; text++)
    if (g_ascii_isxdigit (*text))
      g_string_append_c (digits, g_ascii_tolower (*text));
  for (i = 0; i + 8 <= key_len && !leaked; i++) {
    gchar *hex = to_hex (key + i, 8);
    leaked = strstr (digits->str, hex) != NULL;
    g_free (hex);
  }
  g_string_free (digits, TRUE);
  return leaked;
}

GST_START_TEST (test_no_key_in_log)
{
  gchar *self = g_file_read_link ("/proc/self/exe", NULL);
  const gchar *argv[] = { self, NULL };
  gchar **envp = g_get_environ ();
  gchar *std_out = NULL, *std_err = NULL;
  GError *error = NULL;
  guint8 base[33];
  gint status;

  fail_unless (self != NULL);
  fill_key (base, 32, LOG_KEY_SEED);
  base[32] = 0;

  envp = g_environ_setenv (envp, LOG_CHILD_ENV, "1", TRUE);
  envp = g_environ_setenv (envp, "GST_DEBUG", "e2eekeystore:9", TRUE);
  envp = g_environ_setenv (envp, "GST_DEBUG_NO_COLOR", "1", TRUE);
  envp = g_environ_unsetenv (envp, "GST_DEBUG_FILE");
  fail_unless (g_spawn_sync (NULL, (gchar **) argv, envp, G_SPAWN_DEFAULT, NULL, NULL,
          &std_out, &std_err, &status, &error), "%s", error ? error->message : "");
  fail_unless (g_spawn_check_wait_status (status, NULL), "child failed: %s", std_err);

  /* The category did log, so the checks below could have failed. */
  fail_unless (strstr (std_err, "e2eekeystore") != NULL, "no log: %s", std_err);
  fail_unless (strstr (std_err, "1282") != NULL);
  fail_if (hex_leaked (std_err, base, 32), "key material in the log: %s", std_err);
  fail_if (strstr (std_err, (const gchar *) base) != NULL);
  fail_if (hex_leaked (std_out, base, 32));

  g_strfreev (envp);
  g_free (std_out);
  g_free (std_err);
  g_free (self);
}

GST_END_TEST;

/* ---- Replay window ------------------------------------------------------------ */

#define OK GST_E2EE_REPLAY_STATUS_OK
#define DUP GST_E2EE_REPLAY_STATUS_DUPLICATE
#define OLD GST_E2EE_REPLAY_STATUS_TOO_OLD

GST_START_TEST (test_replay_basic)
{
  GstE2eeReplayWindow *w = gst_e2ee_replay_window_new (GST_E2EE_REPLAY_WINDOW_DEFAULT_SIZE);
  GstE2eeReplayWindow *copy;
  guint64 highest = 0;
  guint64 ctr;

  fail_unless_equals_int (gst_e2ee_replay_window_get_size (w), 1024);
  fail_if (gst_e2ee_replay_window_get_highest (w, &highest));

  /* In order. */
  for (ctr = 0; ctr < 2000; ctr++) {
    fail_unless_equals_int (gst_e2ee_replay_window_check (w, ctr), OK);
    fail_unless_equals_int (gst_e2ee_replay_window_commit (w, ctr), OK);
  }
  fail_unless (gst_e2ee_replay_window_get_highest (w, &highest));
  fail_unless_equals_uint64 (highest, 1999);
  /* Duplicates, and counters that fell out of the window. */
  fail_unless_equals_int (gst_e2ee_replay_window_check (w, 1999), DUP);
  fail_unless_equals_int (gst_e2ee_replay_window_check (w, 1999 - 1023), DUP);
  fail_unless_equals_int (gst_e2ee_replay_window_check (w, 1999 - 1024), OLD);
  fail_unless_equals_int (gst_e2ee_replay_window_check (w, 0), OLD);
  fail_unless_equals_int (gst_e2ee_replay_window_commit (w, 1500), DUP);
  fail_unless_equals_int (gst_e2ee_replay_window_commit (w, 5), OLD);

  /* Reordered within the window: a gap, then the missing ones arrive late. */
  fail_unless_equals_int (gst_e2ee_replay_window_commit (w, 2010), OK);
  for (ctr = 2009; ctr >= 2000; ctr--) {
    fail_unless_equals_int (gst_e2ee_replay_window_check (w, ctr), OK);
    fail_unless_equals_int (gst_e2ee_replay_window_commit (w, ctr), OK);
    fail_unless_equals_int (gst_e2ee_replay_window_check (w, ctr), DUP);
  }
  fail_unless (gst_e2ee_replay_window_get_highest (w, &highest));
  fail_unless_equals_uint64 (highest, 2010);

  /* Check-then-commit: frames that fail authentication are checked but never
   * committed, so a forged frame with a huge counter does not move the window. */
  fail_unless_equals_int (gst_e2ee_replay_window_check (w, G_MAXUINT64), OK);
  fail_unless_equals_int (gst_e2ee_replay_window_check (w, 2011), OK);
  fail_unless_equals_int (gst_e2ee_replay_window_check (w, 1500), DUP);
  fail_unless (gst_e2ee_replay_window_get_highest (w, &highest));
  fail_unless_equals_uint64 (highest, 2010);
  /* Had it been committed, everything legitimate would now be too old. */
  copy = gst_e2ee_replay_window_copy (w);
  fail_unless_equals_int (gst_e2ee_replay_window_commit (copy, G_MAXUINT64), OK);
  fail_unless_equals_int (gst_e2ee_replay_window_check (copy, 2011), OLD);
  fail_unless_equals_int (gst_e2ee_replay_window_check (w, 2011), OK);
  gst_e2ee_replay_window_free (copy);

  /* A jump further than the window forgets everything before it. */
  fail_unless_equals_int (gst_e2ee_replay_window_commit (w, 1000000), OK);
  fail_unless_equals_int (gst_e2ee_replay_window_check (w, 1000000 - 1023), OK);
  fail_unless_equals_int (gst_e2ee_replay_window_check (w, 1000000 - 1024), OLD);
  fail_unless_equals_int (gst_e2ee_replay_window_check (w, 2010), OLD);

  /* The top of the counter range. */
  fail_unless_equals_int (gst_e2ee_replay_window_commit (w, G_MAXUINT64), OK);
  fail_unless_equals_int (gst_e2ee_replay_window_check (w, G_MAXUINT64), DUP);
  fail_unless_equals_int (gst_e2ee_replay_window_check (w, G_MAXUINT64 - 1), OK);

  gst_e2ee_replay_window_reset (w);
  fail_if (gst_e2ee_replay_window_get_highest (w, NULL));
  fail_unless_equals_int (gst_e2ee_replay_window_check (w, G_MAXUINT64), OK);
  fail_unless_equals_int (gst_e2ee_replay_window_check (w, 0), OK);
  gst_e2ee_replay_window_free (w);

  /* The first counter need not be 0, and earlier ones within the window pass. */
  w = gst_e2ee_replay_window_new (16);
  fail_unless_equals_int (gst_e2ee_replay_window_commit (w, 100), OK);
  fail_unless_equals_int (gst_e2ee_replay_window_check (w, 85), OK);
  fail_unless_equals_int (gst_e2ee_replay_window_check (w, 84), OLD);
  fail_unless_equals_int (gst_e2ee_replay_window_check (w, 100), DUP);
  gst_e2ee_replay_window_free (w);
}

GST_END_TEST;

GST_START_TEST (test_replay_off)
{
  GstE2eeReplayWindow *w = gst_e2ee_replay_window_new (0);
  int i;

  fail_unless_equals_int (gst_e2ee_replay_window_get_size (w), 0);
  for (i = 0; i < 3; i++) {
    fail_unless_equals_int (gst_e2ee_replay_window_check (w, 7), OK);
    fail_unless_equals_int (gst_e2ee_replay_window_commit (w, 7), OK);
    fail_unless_equals_int (gst_e2ee_replay_window_check (w, 0), OK);
    fail_unless_equals_int (gst_e2ee_replay_window_commit (w, 1000000), OK);
  }
  gst_e2ee_replay_window_free (w);
}

GST_END_TEST;

/* Against a model that keeps every committed counter in a hash set. */
static const guint replay_sizes[] = { 1, 2, 63, 64, 65, 100, 1024, 1025, 65536 };

GST_START_TEST (test_replay_model)
{
  guint size = replay_sizes[__i__];
  GstE2eeReplayWindow *w = gst_e2ee_replay_window_new (size);
  GHashTable *seen = g_hash_table_new_full (g_int64_hash, g_int64_equal, g_free, NULL);
  GRand *rand = g_rand_new_with_seed (size);
  guint64 highest = 0, base = 0;
  gboolean any = FALSE;
  guint i, counts[3] = { 0 };

  for (i = 0; i < 20000; i++) {
    guint64 ctr;
    gint r = g_rand_int_range (rand, 0, 100);
    GstE2eeReplayStatus expect, got;

    /* Mostly new counters with jitter, some replays, some old, some big jumps. */
    if (r < 60)
      base += g_rand_int_range (rand, 0, 3);
    else if (r < 62)
      base += g_rand_int_range (rand, 1, 3 * size + 2);
    if (r >= 80 && any)
      ctr = highest - MIN (highest, (guint64) g_rand_int_range (rand, 0, 2 * size + 2));
    else
      ctr = base + g_rand_int_range (rand, 0, MIN (size, 40) + 1);

    if (!any || ctr > highest)
      expect = OK;
    else if (highest - ctr >= size)
      expect = OLD;
    else
      expect = g_hash_table_contains (seen, &ctr) ? DUP : OK;

    got = gst_e2ee_replay_window_check (w, ctr);
    fail_unless_equals_int (got, expect);
    counts[got]++;

    /* One frame in ten fails authentication: checked, never committed. */
    if (got == OK && g_rand_int_range (rand, 0, 10) > 0) {
      fail_unless_equals_int (gst_e2ee_replay_window_commit (w, ctr), OK);
      g_hash_table_add (seen, g_memdup2 (&ctr, sizeof (ctr)));
      if (!any || ctr > highest)
        highest = ctr;
      any = TRUE;
    }
  }
  /* The sequence exercised every verdict. */
  fail_unless (counts[OK] > 0 && counts[DUP] > 0 && counts[OLD] > 0,
      "size %u: ok %u dup %u old %u", size, counts[OK], counts[DUP], counts[OLD]);

  g_rand_free (rand);
  g_hash_table_destroy (seen);
  gst_e2ee_replay_window_free (w);
}

GST_END_TEST;

/* ---- GstContext ------------------------------------------------------------------ */

typedef struct
{
  GstElement parent;
  GstE2eeKeyStore *store;
} KsTestElement;

typedef struct
{
  GstElementClass parent_class;
} KsTestElementClass;

GType ks_test_element_get_type (void);
G_DEFINE_TYPE (KsTestElement, ks_test_element, GST_TYPE_ELEMENT);

static void
ks_test_element_set_context (GstElement * element, GstContext * context)
{
  gst_e2ee_key_store_handle_set_context (element, context,
      &((KsTestElement *) element)->store);
  GST_ELEMENT_CLASS (ks_test_element_parent_class)->set_context (element, context);
}

static gboolean
ks_test_element_query (GstPad * pad, GstObject * parent, GstQuery * query)
{
  KsTestElement *self = (KsTestElement *) parent;

  if (gst_e2ee_key_store_handle_context_query (GST_ELEMENT (parent), query, self->store))
    return TRUE;
  return gst_pad_query_default (pad, parent, query);
}

static void
ks_test_element_finalize (GObject * object)
{
  g_clear_object (&((KsTestElement *) object)->store);
  G_OBJECT_CLASS (ks_test_element_parent_class)->finalize (object);
}

static void
ks_test_element_class_init (KsTestElementClass * klass)
{
  G_OBJECT_CLASS (klass)->finalize = ks_test_element_finalize;
  GST_ELEMENT_CLASS (klass)->set_context = ks_test_element_set_context;
}

static void
ks_test_element_init (KsTestElement * self)
{
}

static GstElement *
ks_element_new (const gchar * name, gboolean with_pads)
{
  GstElement *e = g_object_new (ks_test_element_get_type (), "name", name, NULL);

  if (with_pads) {
    GstPad *src = gst_pad_new ("src", GST_PAD_SRC);
    GstPad *sink = gst_pad_new ("sink", GST_PAD_SINK);
    gst_pad_set_query_function (src, ks_test_element_query);
    gst_pad_set_query_function (sink, ks_test_element_query);
    gst_element_add_pad (e, src);
    gst_element_add_pad (e, sink);
  }
  return e;
}

#define KS_STORE(e) (((KsTestElement *) (e))->store)

GST_START_TEST (test_context_roundtrip)
{
  GstE2eeKeyStore *store = gst_e2ee_key_store_new ();
  GstE2eeKeyStore *got;
  GstContext *context = gst_e2ee_key_store_context_new (store);
  GstContext *other = gst_context_new ("gst.some.other", TRUE);

  fail_unless_equals_string (gst_context_get_context_type (context),
      GST_E2EE_KEY_STORE_CONTEXT_TYPE);
  fail_unless_equals_string (GST_E2EE_KEY_STORE_CONTEXT_TYPE, "gst.e2ee.keystore");
  fail_unless (gst_context_is_persistent (context));
  got = gst_e2ee_key_store_from_context (context);
  fail_unless (got == store);
  g_object_unref (got);
  fail_unless (gst_e2ee_key_store_from_context (other) == NULL);

  gst_context_unref (other);
  gst_context_unref (context);
  g_object_unref (store);
}

GST_END_TEST;

static GstBusSyncReply
answer_need_context (GstBus * bus, GstMessage * msg, gpointer user_data)
{
  const gchar *type;

  if (GST_MESSAGE_TYPE (msg) == GST_MESSAGE_NEED_CONTEXT &&
      gst_message_parse_context_type (msg, &type) &&
      g_strcmp0 (type, GST_E2EE_KEY_STORE_CONTEXT_TYPE) == 0) {
    GstContext *context = gst_e2ee_key_store_context_new (user_data);
    gst_element_set_context (GST_ELEMENT (GST_MESSAGE_SRC (msg)), context);
    gst_context_unref (context);
  }
  return GST_BUS_PASS;
}

GST_START_TEST (test_context_sharing)
{
  GstElement *pipeline = gst_pipeline_new (NULL);
  GstElement *a = ks_element_new ("a", FALSE), *b = ks_element_new ("b", FALSE);
  GstElement *up = ks_element_new ("up", TRUE), *down = ks_element_new ("down", TRUE);
  GstE2eeKeyStore *app_store;
  GstBus *bus;

  gst_bin_add_many (GST_BIN (pipeline), a, b, up, down, NULL);

  /* The first element finds nobody, creates a store and announces it; the pipeline
   * hands that one to the next element that asks. */
  fail_unless (gst_e2ee_key_store_ensure (a, &KS_STORE (a)));
  fail_unless (KS_STORE (a) != NULL);
  fail_unless (gst_e2ee_key_store_ensure (b, &KS_STORE (b)));
  fail_unless (KS_STORE (b) == KS_STORE (a));
  /* Once set, ensure keeps it. */
  {
    GstE2eeKeyStore *before = KS_STORE (b);
    fail_unless (gst_e2ee_key_store_ensure (b, &KS_STORE (b)));
    fail_unless (KS_STORE (b) == before);
  }

  /* A neighbour answers the context query. */
  {
    GstPad *src = gst_element_get_static_pad (up, "src");
    GstPad *sink = gst_element_get_static_pad (down, "sink");
    fail_unless_equals_int (gst_pad_link_full (src, sink, GST_PAD_LINK_CHECK_NOTHING),
        GST_PAD_LINK_OK);
    gst_object_unref (src);
    gst_object_unref (sink);
  }
  KS_STORE (down) = gst_e2ee_key_store_new ();
  fail_unless (gst_e2ee_key_store_ensure (up, &KS_STORE (up)));
  fail_unless (KS_STORE (up) == KS_STORE (down));
  fail_if (KS_STORE (up) == KS_STORE (a));

  gst_object_unref (pipeline);

  /* The application answers need-context with its own store. */
  pipeline = gst_pipeline_new (NULL);
  a = ks_element_new ("a", FALSE);
  gst_bin_add (GST_BIN (pipeline), a);
  app_store = gst_e2ee_key_store_new ();
  bus = gst_pipeline_get_bus (GST_PIPELINE (pipeline));
  gst_bus_set_sync_handler (bus, answer_need_context, app_store, NULL);
  fail_unless (gst_e2ee_key_store_ensure (a, &KS_STORE (a)));
  fail_unless (KS_STORE (a) == app_store);
  gst_bus_set_sync_handler (bus, NULL, NULL, NULL);
  gst_object_unref (bus);
  gst_object_unref (pipeline);
  g_object_unref (app_store);

  /* Outside any pipeline it still gets a store of its own. */
  a = gst_object_ref_sink (ks_element_new ("lonely", FALSE));
  fail_unless (gst_e2ee_key_store_ensure (a, &KS_STORE (a)));
  fail_unless (KS_STORE (a) != NULL);
  gst_object_unref (a);
}

GST_END_TEST;

static Suite *
keystore_suite (void)
{
  Suite *s = suite_create ("e2ee-keystore");
  TCase *tc;

  tc = tcase_create ("store");
  suite_add_tcase (s, tc);
  tcase_add_test (tc, test_add_lookup_remove);
  tcase_add_test (tc, test_usage_conflict);
  tcase_add_test (tc, test_readd_keeps_key_object);
  tcase_add_test (tc, test_readd_refused);
  tcase_add_test (tc, test_200_senders);
  tcase_add_test (tc, test_concurrent_lookups);
  tcase_add_test (tc, test_grace_period_expiry);
  tcase_add_test (tc, test_key_changes_bounded);
  tcase_add_test (tc, test_removed_key_gone);
  tcase_add_test (tc, test_no_key_in_log);

  tc = tcase_create ("ratchet");
  suite_add_tcase (s, tc);
  tcase_add_test (tc, test_ratchet_against_openssl);
  tcase_add_test (tc, test_ratchet_kid);
  tcase_add_test (tc, test_store_ratchet_sender);
  tcase_add_test (tc, test_store_ratchet_receiver);
  tcase_add_test (tc, test_store_ratchet_receiver_wrap);

  tc = tcase_create ("replay");
  suite_add_tcase (s, tc);
  tcase_add_test (tc, test_replay_basic);
  tcase_add_test (tc, test_replay_off);
  tcase_add_loop_test (tc, test_replay_model, 0, G_N_ELEMENTS (replay_sizes));

  tc = tcase_create ("context");
  suite_add_tcase (s, tc);
  tcase_add_test (tc, test_context_roundtrip);
  tcase_add_test (tc, test_context_sharing);

  return s;
}

int
main (int argc, char **argv)
{
  Suite *s;

  if (g_getenv (LOG_CHILD_ENV))
    return log_child_main (argc, argv);

  gst_check_init (&argc, &argv);
  s = keystore_suite ();
  return gst_check_run_suite (s, "keystore", __FILE__);
}
