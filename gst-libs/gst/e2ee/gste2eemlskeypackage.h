/* gst-e2ee: KeyPackage (RFC 9420 §10): codec, signing, verification, KeyPackageRef and
 * the private keys of one we made.
 * Internal until the public MLS API exists: not installed and not part of the GIR.
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include "gste2eemlsleafnode.h"

G_BEGIN_DECLS

/* An immutable, reference-counted KeyPackage owning its encoding; fields point into
 * it, leaf_node is its own reference. */
typedef struct
{
  const guint8 *encoded;
  gsize encoded_len;
  gsize tbs_len;
  guint16 version;
  guint16 cipher_suite;
  const guint8 *init_key;
  gsize init_key_len;
  GstE2eeMlsLeafNode *leaf_node;
  const guint8 *extensions;
  gsize extensions_len;
  const guint8 *signature;
  gsize signature_len;
} GstE2eeMlsKeyPackage;

GstE2eeMlsKeyPackage * gst_e2ee_mls_key_package_ref   (GstE2eeMlsKeyPackage *kp);
void                   gst_e2ee_mls_key_package_unref (GstE2eeMlsKeyPackage *kp);

GstE2eeMlsKeyPackage * gst_e2ee_mls_key_package_read   (GstE2eeMlsReader *r,
                                                        GError **error);
GstE2eeMlsKeyPackage * gst_e2ee_mls_key_package_decode (const guint8 *data, gsize len,
                                                        GError **error);
void     gst_e2ee_mls_key_package_write (const GstE2eeMlsKeyPackage *kp, GByteArray *w);

/* MLSMessage { version = mls10; wire_format = mls_key_package; KeyPackage } */
GstE2eeMlsKeyPackage * gst_e2ee_mls_key_package_decode_message (const guint8 *data,
                                                                gsize len,
                                                                GError **error);
void     gst_e2ee_mls_key_package_write_message (const GstE2eeMlsKeyPackage *kp,
                                                 GByteArray *w);

/* RFC 9420 §10.1 for a KeyPackage received for suite s: version mls10, its cipher
 * suite is s, its leaf node valid with source key_package (lifetime checked against
 * now unless 0), its signature verifies with the leaf's signature key
 * (GST_E2EE_MLS_ERROR_BAD_LEAF_SIGNATURE), init_key differs from the leaf's
 * encryption_key (GST_E2EE_MLS_ERROR_INVALID_KEY_PACKAGE). */
gboolean gst_e2ee_mls_key_package_verify (const GstE2eeMlsSuite *s,
                                          const GstE2eeMlsKeyPackage *kp, guint64 now,
                                          GError **error);

/* KeyPackageRef = RefHash("MLS 1.0 KeyPackage Reference", KeyPackage); out holds
 * s->nh bytes. */
gboolean gst_e2ee_mls_key_package_ref_hash (const GstE2eeMlsSuite *s,
                                            const GstE2eeMlsKeyPackage *kp, guint8 *out,
                                            GError **error);

/* The private part of a KeyPackage we made; gst_e2ee_mls_key_package_private_clear()
 * wipes both keys. */
typedef struct
{
  guint8 init_priv[GST_E2EE_MLS_MAX_KEM_KEY];
  guint8 encryption_priv[GST_E2EE_MLS_MAX_KEM_KEY];
  gsize priv_len;
} GstE2eeMlsKeyPackagePrivate;

void     gst_e2ee_mls_key_package_private_clear (GstE2eeMlsKeyPackagePrivate *priv);

/* A fresh KeyPackage for suite s: new random init and encryption key pairs, a leaf
 * node of source key_package built from leaf (its keys, source and lifetime are
 * replaced: the lifetime is [not_before, not_after]), extensions the body of the
 * KeyPackage's extensions<V>, signed with sig_sk (whose public key must be
 * leaf->signature_key). priv receives the private keys. */
GstE2eeMlsKeyPackage * gst_e2ee_mls_key_package_create (const GstE2eeMlsSuite *s,
                                                        const GstE2eeMlsLeafNodeFields *leaf,
                                                        guint64 not_before,
                                                        guint64 not_after,
                                                        const guint8 *extensions,
                                                        gsize extensions_len,
                                                        const guint8 *sig_sk,
                                                        gsize sig_sk_len,
                                                        GstE2eeMlsKeyPackagePrivate *priv,
                                                        GError **error);

G_END_DECLS
