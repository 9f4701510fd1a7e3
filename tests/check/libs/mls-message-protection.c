/* gst-e2ee: MLS message framing (RFC 9420 §6), PublicMessage and PrivateMessage on
 * cipher suite 1, against the MLS working group's message-protection vectors, and the
 * messages a member must refuse.
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <gst/check/gstcheck.h>
#include <gst/e2ee/gste2eemlserror.h>
#include <gst/e2ee/gste2eemlsframing.h>

#include "../mls-vectors.h"

#define VECTORS "mls/message-protection.json"

typedef struct
{
  const GstE2eeMlsSuite *s;
  GstE2eeMlsGroupContext gc;
  GBytes *sig_priv, *sig_pub, *encryption_secret, *sender_data_secret, *membership_key;
} Fixture;

static void
fixture_init (MlsVectors * v, JsonObject * o, Fixture * f)
{
  GBytes *group_id = mls_hex (v, o, "group_id"), *tree_hash = mls_hex (v, o,
      "tree_hash");
  GBytes *cth = mls_hex (v, o, "confirmed_transcript_hash");

  f->s = gst_e2ee_mls_suite_lookup ((guint16) mls_uint (v, o, "cipher_suite"), NULL);
  fail_unless (f->s != NULL);
  memset (&f->gc, 0, sizeof f->gc);
  f->gc.cipher_suite = f->s->id;
  f->gc.group_id = MLS_D (group_id);
  f->gc.group_id_len = MLS_L (group_id);
  f->gc.epoch = mls_uint (v, o, "epoch");
  f->gc.tree_hash = MLS_D (tree_hash);
  f->gc.tree_hash_len = MLS_L (tree_hash);
  f->gc.confirmed_transcript_hash = MLS_D (cth);
  f->gc.confirmed_transcript_hash_len = MLS_L (cth);
  f->sig_priv = mls_hex (v, o, "signature_priv");
  f->sig_pub = mls_hex (v, o, "signature_pub");
  f->encryption_secret = mls_hex (v, o, "encryption_secret");
  f->sender_data_secret = mls_hex (v, o, "sender_data_secret");
  f->membership_key = mls_hex (v, o, "membership_key");
  fail_unless (MLS_L (f->encryption_secret) == f->s->nh
      && MLS_L (f->sender_data_secret) == f->s->nh
      && MLS_L (f->membership_key) == f->s->nh);
}

static GstE2eeMlsSecretTree *
two_member_tree (Fixture * f)
{
  GstE2eeMlsSecretTree *tree = gst_e2ee_mls_secret_tree_new (f->s,
      MLS_D (f->encryption_secret), 2, NULL);

  fail_unless (tree != NULL);
  return tree;
}

/* The signed content member 1 sends: raw is the application data, or the encoded
 * Proposal or Commit. */
static void
content_init (Fixture * f, GstE2eeMlsAuthenticatedContent * ac, guint16 wire_format,
    guint8 content_type, GBytes * raw, const guint8 * tag)
{
  memset (ac, 0, sizeof *ac);
  ac->wire_format = wire_format;
  ac->group_id = f->gc.group_id;
  ac->group_id_len = f->gc.group_id_len;
  ac->epoch = f->gc.epoch;
  ac->sender_type = GST_E2EE_MLS_SENDER_MEMBER;
  ac->sender_index = 1;
  ac->content_type = content_type;
  ac->content = MLS_D (raw);
  ac->content_len = MLS_L (raw);
  if (content_type == GST_E2EE_MLS_CONTENT_COMMIT) {
    ac->confirmation_tag = tag;
    ac->confirmation_tag_len = f->s->nh;
  }
}

static gboolean
check_opened (Fixture * f, const GstE2eeMlsAuthenticatedContent * ac, guint8 content_type,
    GBytes * raw, const gchar * what)
{
  GError *err = NULL;

  MLS_EXPECT (ac->sender_type == GST_E2EE_MLS_SENDER_MEMBER && ac->sender_index == 1
      && ac->content_type == content_type, "%s: sender or content type", what);
  MLS_EXPECT_BYTES (what, ac->content, ac->content_len, raw);
  MLS_EXPECT_OK (gst_e2ee_mls_content_verify (f->s, MLS_D (f->sig_pub),
          MLS_L (f->sig_pub), &f->gc, ac, &err), err);
  return TRUE;
}

/* The vector's PublicMessage opens; ours (signed with signature_priv) opens too. */
static gboolean
check_public (MlsVectors * v, Fixture * f, JsonObject * o, const gchar * name,
    guint8 content_type)
{
  gchar *pub_name = g_strdup_printf ("%s_pub", name);
  GBytes *raw = mls_hex (v, o, name), *pub = mls_hex (v, o, pub_name);
  GstE2eeMlsAuthenticatedContent ac, mine;
  guint8 tag[GST_E2EE_MLS_MAX_HASH] = { 0 };
  GByteArray *msg = g_byte_array_new ();
  GError *err = NULL;
  gboolean ok;

  g_free (pub_name);
  ok = gst_e2ee_mls_public_message_decode (f->s, MLS_D (pub), MLS_L (pub), &f->gc,
      MLS_D (f->membership_key), &ac, &err);
  if (!ok || !check_opened (f, &ac, content_type, raw, "the vector's PublicMessage")) {
    g_byte_array_unref (msg);
    MLS_EXPECT_OK (ok, err);
    return FALSE;
  }
  if (content_type == GST_E2EE_MLS_CONTENT_COMMIT)
    memcpy (tag, ac.confirmation_tag, MIN (ac.confirmation_tag_len, sizeof tag));
  content_init (f, &mine, GST_E2EE_MLS_WIRE_FORMAT_PUBLIC_MESSAGE, content_type, raw,
      tag);
  ok = gst_e2ee_mls_content_sign (f->s, MLS_D (f->sig_priv), MLS_L (f->sig_priv),
      &f->gc, &mine, &err)
      && gst_e2ee_mls_public_message_encode (f->s, &mine, &f->gc,
      MLS_D (f->membership_key), msg, &err)
      && gst_e2ee_mls_public_message_decode (f->s, msg->data, msg->len, &f->gc,
      MLS_D (f->membership_key), &ac, &err);
  ok = ok && check_opened (f, &ac, content_type, raw, "our PublicMessage");
  g_byte_array_unref (msg);
  MLS_EXPECT_OK (ok, err);
  return TRUE;
}

/* The vector's PrivateMessage opens with a fresh two-member secret tree; ours opens
 * with another. */
static gboolean
check_private (MlsVectors * v, Fixture * f, JsonObject * o, const gchar * name,
    guint8 content_type)
{
  gchar *priv_name = g_strdup_printf ("%s_priv", name);
  GBytes *raw = mls_hex (v, o, name), *priv = mls_hex (v, o, priv_name);
  GstE2eeMlsSecretTree *sender = two_member_tree (f), *receiver = two_member_tree (f);
  GstE2eeMlsAuthenticatedContent ac = { 0 }, mine;
  guint8 tag[GST_E2EE_MLS_MAX_HASH] = { 0x5a };
  GByteArray *msg = g_byte_array_new ();
  GError *err = NULL;
  gboolean ok;

  g_free (priv_name);
  ok = gst_e2ee_mls_private_message_decode (f->s, MLS_D (priv), MLS_L (priv), &f->gc,
      receiver, MLS_D (f->sender_data_secret), &ac, &err);
  ok = ok && check_opened (f, &ac, content_type, raw, "the vector's PrivateMessage");
  gst_e2ee_mls_authenticated_content_clear (&ac);
  gst_e2ee_mls_secret_tree_free (receiver);
  receiver = two_member_tree (f);
  if (ok) {
    content_init (f, &mine, GST_E2EE_MLS_WIRE_FORMAT_PRIVATE_MESSAGE, content_type, raw,
        tag);
    ok = gst_e2ee_mls_content_sign (f->s, MLS_D (f->sig_priv), MLS_L (f->sig_priv),
        &f->gc, &mine, &err)
        && gst_e2ee_mls_private_message_encode (f->s, &mine, sender,
        MLS_D (f->sender_data_secret), NULL, 7, msg, &err)
        && gst_e2ee_mls_private_message_decode (f->s, msg->data, msg->len, &f->gc,
        receiver, MLS_D (f->sender_data_secret), &ac, &err);
    ok = ok && check_opened (f, &ac, content_type, raw, "our PrivateMessage");
    gst_e2ee_mls_authenticated_content_clear (&ac);
  }
  gst_e2ee_mls_secret_tree_free (sender);
  gst_e2ee_mls_secret_tree_free (receiver);
  g_byte_array_unref (msg);
  if (err != NULL)
    MLS_EXPECT_OK (FALSE, err);
  return ok;
}

/* An application message must not go out as a PublicMessage. */
static gboolean
check_no_public_application (MlsVectors * v, Fixture * f, JsonObject * o)
{
  GstE2eeMlsAuthenticatedContent mine;
  GByteArray *msg = g_byte_array_new ();
  GError *err = NULL;
  gboolean refused;

  content_init (f, &mine, GST_E2EE_MLS_WIRE_FORMAT_PUBLIC_MESSAGE,
      GST_E2EE_MLS_CONTENT_APPLICATION, mls_hex (v, o, "application"), NULL);
  refused = gst_e2ee_mls_content_sign (f->s, MLS_D (f->sig_priv), MLS_L (f->sig_priv),
      &f->gc, &mine, &err)
      && !gst_e2ee_mls_public_message_encode (f->s, &mine, &f->gc,
      MLS_D (f->membership_key), msg, &err)
      && g_error_matches (err, GST_E2EE_MLS_ERROR, GST_E2EE_MLS_ERROR_WIRE_FORMAT)
      && msg->len == 0;
  g_clear_error (&err);
  g_byte_array_unref (msg);
  MLS_EXPECT (refused, "an application message went out as a PublicMessage");
  return TRUE;
}

static gboolean
check_message_protection (MlsVectors * v, JsonObject * o)
{
  Fixture f;
  gboolean ok = TRUE;

  fixture_init (v, o, &f);
  ok &= check_public (v, &f, o, "proposal", GST_E2EE_MLS_CONTENT_PROPOSAL);
  ok &= check_private (v, &f, o, "proposal", GST_E2EE_MLS_CONTENT_PROPOSAL);
  ok &= check_public (v, &f, o, "commit", GST_E2EE_MLS_CONTENT_COMMIT);
  ok &= check_private (v, &f, o, "commit", GST_E2EE_MLS_CONTENT_COMMIT);
  ok &= check_no_public_application (v, &f, o);
  ok &= check_private (v, &f, o, "application", GST_E2EE_MLS_CONTENT_APPLICATION);
  return ok;
}

GST_START_TEST (test_message_protection_vectors)
{
  mls_vectors_run (VECTORS, 1, check_message_protection, "each entry checks a "
      "proposal, a commit and an application message, public and private");
}

GST_END_TEST;

GST_START_TEST (test_message_protection_detects_corruption)
{
  static const gchar *const paths[] = { "proposal", "proposal_pub", "proposal_priv",
    "commit", "commit_pub", "commit_priv", "application", "application_priv",
    "membership_key", "signature_pub", "encryption_secret", "sender_data_secret",
    "tree_hash", "confirmed_transcript_hash", "group_id"
  };

  mls_vectors_expect_detected (VECTORS, 0, paths, G_N_ELEMENTS (paths),
      check_message_protection);
}

GST_END_TEST;

#define assert_mls_error(err, code) G_STMT_START {                             \
  fail_unless (g_error_matches ((err), GST_E2EE_MLS_ERROR, (code)),             \
      "expected %s, got %s", #code, (err) ? (err)->message : "no error");      \
  g_clear_error (&(err));                                                     \
} G_STMT_END

/* The vector's application PrivateMessage, tampered or out of place. */
GST_START_TEST (test_private_message_refused)
{
  MlsVectors *v = mls_vectors_open (VECTORS);
  JsonObject *o = mls_vectors_entry (v, 0);
  GBytes *priv = mls_hex (v, o, "application_priv");
  Fixture f;
  GstE2eeMlsSecretTree *tree;
  GstE2eeMlsAuthenticatedContent ac = { 0 };
  GstE2eeMlsGroupContext other;
  guint8 *copy = g_memdup2 (MLS_D (priv), MLS_L (priv));
  guint8 *longer = g_malloc0 (MLS_L (priv) + 1);
  gsize len = MLS_L (priv);
  GError *err = NULL;

  fixture_init (v, o, &f);
  tree = two_member_tree (&f);

  /* Another epoch, another group. */
  other = f.gc;
  other.epoch++;
  fail_if (gst_e2ee_mls_private_message_decode (f.s, copy, len, &other, tree,
          MLS_D (f.sender_data_secret), &ac, &err));
  assert_mls_error (err, GST_E2EE_MLS_ERROR_WRONG_EPOCH);
  other = f.gc;
  other.group_id_len--;
  fail_if (gst_e2ee_mls_private_message_decode (f.s, copy, len, &other, tree,
          MLS_D (f.sender_data_secret), &ac, &err));
  assert_mls_error (err, GST_E2EE_MLS_ERROR_WRONG_GROUP);

  /* A trailing byte; the last byte of the tag changed; a wire format changed. */
  memcpy (longer, copy, len);
  fail_if (gst_e2ee_mls_private_message_decode (f.s, longer, len + 1, &f.gc, tree,
          MLS_D (f.sender_data_secret), &ac, &err));
  assert_mls_error (err, GST_E2EE_MLS_ERROR_DECODE);
  copy[len - 1] ^= 1;
  fail_if (gst_e2ee_mls_private_message_decode (f.s, copy, len, &f.gc, tree,
          MLS_D (f.sender_data_secret), &ac, &err));
  assert_mls_error (err, GST_E2EE_MLS_ERROR_DECRYPT);
  copy[len - 1] ^= 1;
  copy[3] = GST_E2EE_MLS_WIRE_FORMAT_PUBLIC_MESSAGE;
  fail_if (gst_e2ee_mls_private_message_decode (f.s, copy, len, &f.gc, tree,
          MLS_D (f.sender_data_secret), &ac, &err));
  assert_mls_error (err, GST_E2EE_MLS_ERROR_WIRE_FORMAT);
  copy[3] = GST_E2EE_MLS_WIRE_FORMAT_PRIVATE_MESSAGE;

  /* The forged copy burnt the generation (its sender data was genuine): a fresh tree
   * opens the original once; a replay is refused. */
  gst_e2ee_mls_secret_tree_free (tree);
  tree = two_member_tree (&f);
  fail_unless (gst_e2ee_mls_private_message_decode (f.s, copy, len, &f.gc, tree,
          MLS_D (f.sender_data_secret), &ac, &err));
  gst_e2ee_mls_authenticated_content_clear (&ac);
  fail_if (gst_e2ee_mls_private_message_decode (f.s, copy, len, &f.gc, tree,
          MLS_D (f.sender_data_secret), &ac, &err));
  assert_mls_error (err, GST_E2EE_MLS_ERROR_GENERATION);

  gst_e2ee_mls_secret_tree_free (tree);
  g_free (copy);
  g_free (longer);
  mls_vectors_free (v);
}

GST_END_TEST;

GST_START_TEST (test_public_message_refused)
{
  MlsVectors *v = mls_vectors_open (VECTORS);
  JsonObject *o = mls_vectors_entry (v, 0);
  GBytes *pub = mls_hex (v, o, "commit_pub");
  Fixture f;
  GstE2eeMlsAuthenticatedContent ac;
  guint8 *copy = g_memdup2 (MLS_D (pub), MLS_L (pub));
  gsize len = MLS_L (pub);
  guint8 wrong_key[32] = { 0 };
  GError *err = NULL;

  fixture_init (v, o, &f);
  fail_unless (gst_e2ee_mls_public_message_decode (f.s, copy, len, &f.gc,
          MLS_D (f.membership_key), &ac, &err));
  /* Another membership key, a changed membership tag. */
  fail_if (gst_e2ee_mls_public_message_decode (f.s, copy, len, &f.gc, wrong_key, &ac,
          &err));
  assert_mls_error (err, GST_E2EE_MLS_ERROR_BAD_TAG);
  copy[len - 1] ^= 0x80;
  fail_if (gst_e2ee_mls_public_message_decode (f.s, copy, len, &f.gc,
          MLS_D (f.membership_key), &ac, &err));
  assert_mls_error (err, GST_E2EE_MLS_ERROR_BAD_TAG);
  copy[len - 1] ^= 0x80;
  /* Truncated. */
  fail_if (gst_e2ee_mls_public_message_decode (f.s, copy, len - 1, &f.gc,
          MLS_D (f.membership_key), &ac, &err));
  assert_mls_error (err, GST_E2EE_MLS_ERROR_DECODE);
  /* A signature from another key. */
  fail_unless (gst_e2ee_mls_public_message_decode (f.s, copy, len, &f.gc,
          MLS_D (f.membership_key), &ac, &err));
  fail_if (gst_e2ee_mls_content_verify (f.s, MLS_D (f.sig_priv), MLS_L (f.sig_priv),
          &f.gc, &ac, &err));
  assert_mls_error (err, GST_E2EE_MLS_ERROR_BAD_SIGNATURE);
  g_free (copy);
  mls_vectors_free (v);
}

GST_END_TEST;

static Suite *
mls_message_protection_suite (void)
{
  Suite *s = suite_create ("mls-message-protection");
  TCase *tc = tcase_create ("general");

  suite_add_tcase (s, tc);
  tcase_add_test (tc, test_message_protection_vectors);
  tcase_add_test (tc, test_message_protection_detects_corruption);
  tcase_add_test (tc, test_private_message_refused);
  tcase_add_test (tc, test_public_message_refused);
  return s;
}

GST_CHECK_MAIN (mls_message_protection);
