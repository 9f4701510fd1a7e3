/* gst-e2ee: KeyPackage (RFC 9420 §10).
 *
 * Like a LeafNode, a KeyPackage is kept as its encoding with fields pointing into it:
 * KeyPackageRef hashes those bytes and the signature covers them, so nothing is
 * re-encoded. The private keys of one we made live apart, in a struct the caller
 * keeps for the join and wipes with gst_e2ee_mls_key_package_private_clear().
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "gste2eemlskeypackage.h"
#include "gste2eemlscrypto.h"
#include "gste2eemlserror.h"
#include "gste2eemlsframing.h"
#include "gste2eemlsgroupcontext.h"
#include "gste2eehpke.h"

#include <string.h>
#include <openssl/crypto.h>

#define KEY_PACKAGE_TBS_LABEL "KeyPackageTBS"
#define KEY_PACKAGE_REF_LABEL "MLS 1.0 KeyPackage Reference"

static void
key_package_free (gpointer data)
{
  GstE2eeMlsKeyPackage *kp = data;

  gst_e2ee_mls_leaf_node_unref (kp->leaf_node);
}

GstE2eeMlsKeyPackage *
gst_e2ee_mls_key_package_ref (GstE2eeMlsKeyPackage * kp)
{
  return g_rc_box_acquire (kp);
}

void
gst_e2ee_mls_key_package_unref (GstE2eeMlsKeyPackage * kp)
{
  if (kp != NULL)
    g_rc_box_release_full (kp, key_package_free);
}

/* Sets kp's fields to point into r's bytes; the leaf node is read apart (its own
 * reference) only when with_leaf. */
static gboolean
parse_key_package (GstE2eeMlsReader * r, GstE2eeMlsKeyPackage * kp, gboolean with_leaf,
    GError ** error)
{
  gsize start = r->pos;

  if (!gst_e2ee_mls_read_u16 (r, &kp->version, error)
      || !gst_e2ee_mls_read_u16 (r, &kp->cipher_suite, error)
      || !gst_e2ee_mls_read_opaque (r, &kp->init_key, &kp->init_key_len, error))
    return FALSE;
  if (with_leaf) {
    kp->leaf_node = gst_e2ee_mls_leaf_node_read (r, error);
    if (kp->leaf_node == NULL)
      return FALSE;
  } else {
    GstE2eeMlsLeafNode *leaf = gst_e2ee_mls_leaf_node_read (r, error);

    if (leaf == NULL)
      return FALSE;
    gst_e2ee_mls_leaf_node_unref (leaf);
  }
  if (!gst_e2ee_mls_read_opaque (r, &kp->extensions, &kp->extensions_len, error)
      || !gst_e2ee_mls_extensions_check (kp->extensions, kp->extensions_len, error))
    return FALSE;
  kp->tbs_len = r->pos - start;
  if (!gst_e2ee_mls_read_opaque (r, &kp->signature, &kp->signature_len, error))
    return FALSE;
  kp->encoded = r->data + start;
  kp->encoded_len = r->pos - start;
  return TRUE;
}

GstE2eeMlsKeyPackage *
gst_e2ee_mls_key_package_read (GstE2eeMlsReader * r, GError ** error)
{
  GstE2eeMlsKeyPackage tmp = { 0 }, *kp;
  GstE2eeMlsReader copy;
  gsize start = r->pos;
  guint8 *data;

  if (!parse_key_package (r, &tmp, FALSE, error)) {
    r->pos = start;
    return NULL;
  }
  kp = g_rc_box_alloc0 (sizeof (GstE2eeMlsKeyPackage) + tmp.encoded_len);
  data = (guint8 *) (kp + 1);
  memcpy (data, tmp.encoded, tmp.encoded_len);
  gst_e2ee_mls_reader_init (&copy, data, tmp.encoded_len);
  if (!parse_key_package (&copy, kp, TRUE, NULL))
    g_assert_not_reached ();
  return kp;
}

GstE2eeMlsKeyPackage *
gst_e2ee_mls_key_package_decode (const guint8 * data, gsize len, GError ** error)
{
  GstE2eeMlsReader r;
  GstE2eeMlsKeyPackage *kp;

  gst_e2ee_mls_reader_init (&r, data, len);
  kp = gst_e2ee_mls_key_package_read (&r, error);
  if (kp != NULL && !gst_e2ee_mls_reader_finish (&r, error)) {
    gst_e2ee_mls_key_package_unref (kp);
    return NULL;
  }
  return kp;
}

void
gst_e2ee_mls_key_package_write (const GstE2eeMlsKeyPackage * kp, GByteArray * w)
{
  gst_e2ee_mls_write_fixed (w, kp->encoded, kp->encoded_len);
}

GstE2eeMlsKeyPackage *
gst_e2ee_mls_key_package_decode_message (const guint8 * data, gsize len,
    GError ** error)
{
  GstE2eeMlsReader r;
  guint16 version, wire_format;

  gst_e2ee_mls_reader_init (&r, data, len);
  if (!gst_e2ee_mls_read_u16 (&r, &version, error)
      || !gst_e2ee_mls_read_u16 (&r, &wire_format, error))
    return NULL;
  if (version != GST_E2EE_MLS_PROTOCOL_VERSION_MLS10) {
    g_set_error (error, GST_E2EE_MLS_ERROR, GST_E2EE_MLS_ERROR_DECODE,
        "MLSMessage of protocol version %u, not mls10", version);
    return NULL;
  }
  if (wire_format != GST_E2EE_MLS_WIRE_FORMAT_KEY_PACKAGE) {
    g_set_error (error, GST_E2EE_MLS_ERROR, GST_E2EE_MLS_ERROR_WIRE_FORMAT,
        "MLSMessage of wire format %u, not mls_key_package", wire_format);
    return NULL;
  }
  return gst_e2ee_mls_key_package_decode (data + r.pos, len - r.pos, error);
}

void
gst_e2ee_mls_key_package_write_message (const GstE2eeMlsKeyPackage * kp, GByteArray * w)
{
  gst_e2ee_mls_write_u16 (w, GST_E2EE_MLS_PROTOCOL_VERSION_MLS10);
  gst_e2ee_mls_write_u16 (w, GST_E2EE_MLS_WIRE_FORMAT_KEY_PACKAGE);
  gst_e2ee_mls_key_package_write (kp, w);
}

gboolean
gst_e2ee_mls_key_package_verify (const GstE2eeMlsSuite * s,
    const GstE2eeMlsKeyPackage * kp, guint64 now, GError ** error)
{
  const GstE2eeMlsLeafNode *leaf = kp->leaf_node;
  GError *err = NULL;

  if (kp->version != GST_E2EE_MLS_PROTOCOL_VERSION_MLS10
      || kp->cipher_suite != s->id) {
    g_set_error (error, GST_E2EE_MLS_ERROR, GST_E2EE_MLS_ERROR_INVALID_KEY_PACKAGE,
        "KeyPackage of version %u and cipher suite %u, not mls10 and %u", kp->version,
        kp->cipher_suite, s->id);
    return FALSE;
  }
  if (kp->init_key_len != s->npk) {
    g_set_error (error, GST_E2EE_MLS_ERROR, GST_E2EE_MLS_ERROR_INVALID_KEY_PACKAGE,
        "KeyPackage init_key of %" G_GSIZE_FORMAT " bytes", kp->init_key_len);
    return FALSE;
  }
  if (!gst_e2ee_mls_leaf_node_validate (s, leaf,
          GST_E2EE_MLS_LEAF_NODE_SOURCE_KEY_PACKAGE, NULL, 0, 0, now, error))
    return FALSE;
  /* §10.1: one key for two purposes would let a Welcome's ciphertext be replayed as a
   * path secret's, or the reverse. */
  if (leaf->encryption_key_len == kp->init_key_len
      && memcmp (leaf->encryption_key, kp->init_key, kp->init_key_len) == 0) {
    g_set_error (error, GST_E2EE_MLS_ERROR, GST_E2EE_MLS_ERROR_INVALID_KEY_PACKAGE,
        "KeyPackage init_key equals its leaf's encryption_key");
    return FALSE;
  }
  if (!gst_e2ee_mls_verify_with_label (s, leaf->signature_key, leaf->signature_key_len,
          KEY_PACKAGE_TBS_LABEL, kp->encoded, kp->tbs_len, kp->signature,
          kp->signature_len, &err)) {
    g_set_error (error, GST_E2EE_MLS_ERROR, GST_E2EE_MLS_ERROR_BAD_LEAF_SIGNATURE,
        "KeyPackage: %s", err->message);
    g_error_free (err);
    return FALSE;
  }
  return TRUE;
}

gboolean
gst_e2ee_mls_key_package_ref_hash (const GstE2eeMlsSuite * s,
    const GstE2eeMlsKeyPackage * kp, guint8 * out, GError ** error)
{
  return gst_e2ee_mls_ref_hash (s, KEY_PACKAGE_REF_LABEL, kp->encoded, kp->encoded_len,
      out, error);
}

void
gst_e2ee_mls_key_package_private_clear (GstE2eeMlsKeyPackagePrivate * priv)
{
  OPENSSL_cleanse (priv, sizeof *priv);
}

/* A fresh HPKE key pair: DeriveKeyPair over random bytes, as RFC 9180 §7.1.3 allows. */
static gboolean
random_key_pair (const GstE2eeMlsSuite * s, guint8 * sk, guint8 * pk, GError ** error)
{
  guint8 ikm[GST_E2EE_MLS_MAX_KEM_KEY];
  gboolean ok;

  ok = gst_e2ee_mls_random (ikm, s->nsk, error)
      && gst_e2ee_hpke_derive_key_pair (s, ikm, s->nsk, sk, pk, error);
  OPENSSL_cleanse (ikm, sizeof ikm);
  return ok;
}

GstE2eeMlsKeyPackage *
gst_e2ee_mls_key_package_create (const GstE2eeMlsSuite * s,
    const GstE2eeMlsLeafNodeFields * leaf, guint64 not_before, guint64 not_after,
    const guint8 * extensions, gsize extensions_len, const guint8 * sig_sk,
    gsize sig_sk_len, GstE2eeMlsKeyPackagePrivate * priv, GError ** error)
{
  guint8 init_pk[GST_E2EE_MLS_MAX_KEM_KEY], enc_pk[GST_E2EE_MLS_MAX_KEM_KEY];
  guint8 sig[GST_E2EE_MLS_MAX_SIGNATURE_LEN];
  GstE2eeMlsLeafNodeFields f = *leaf;
  GstE2eeMlsLeafNode *node = NULL;
  GstE2eeMlsKeyPackage *kp = NULL;
  GByteArray *w = NULL;

  memset (priv, 0, sizeof *priv);
  priv->priv_len = s->nsk;
  if (!random_key_pair (s, priv->init_priv, init_pk, error)
      || !random_key_pair (s, priv->encryption_priv, enc_pk, error))
    goto out;
  f.encryption_key = enc_pk;
  f.encryption_key_len = s->npk;
  f.source = GST_E2EE_MLS_LEAF_NODE_SOURCE_KEY_PACKAGE;
  f.not_before = not_before;
  f.not_after = not_after;
  f.parent_hash = NULL;
  f.parent_hash_len = 0;
  node = gst_e2ee_mls_leaf_node_new_signed (s, &f, sig_sk, sig_sk_len, NULL, 0, 0,
      error);
  if (node == NULL)
    goto out;
  w = g_byte_array_new ();
  gst_e2ee_mls_write_u16 (w, GST_E2EE_MLS_PROTOCOL_VERSION_MLS10);
  gst_e2ee_mls_write_u16 (w, s->id);
  if (!gst_e2ee_mls_write_opaque (w, init_pk, s->npk, error))
    goto out;
  gst_e2ee_mls_leaf_node_write (node, w);
  if (!gst_e2ee_mls_write_opaque (w, extensions, extensions_len, error)
      || !gst_e2ee_mls_sign_with_label (s, sig_sk, sig_sk_len, KEY_PACKAGE_TBS_LABEL,
          w->data, w->len, sig, error)
      || !gst_e2ee_mls_write_opaque (w, sig, s->sig_len, error))
    goto out;
  kp = gst_e2ee_mls_key_package_decode (w->data, w->len, error);

out:
  if (w != NULL)
    g_byte_array_unref (w);
  gst_e2ee_mls_leaf_node_unref (node);
  if (kp == NULL)
    gst_e2ee_mls_key_package_private_clear (priv);
  return kp;
}
