/* gst-e2ee: LeafNode (RFC 9420 §7.2) with its Credential, Capabilities, Lifetime and
 * extensions, encoded, decoded, signed and verified.
 * Internal until the public MLS API exists: not installed and not part of the GIR.
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include "gste2eemlscodec.h"
#include "gste2eemlssuite.h"

G_BEGIN_DECLS

typedef enum
{
  GST_E2EE_MLS_LEAF_NODE_SOURCE_KEY_PACKAGE = 1,
  GST_E2EE_MLS_LEAF_NODE_SOURCE_UPDATE = 2,
  GST_E2EE_MLS_LEAF_NODE_SOURCE_COMMIT = 3,
} GstE2eeMlsLeafNodeSource;

/* The longest signature of a suite OpenSSL 3.0 can provide (ECDSA P-521, DER). */
#define GST_E2EE_MLS_MAX_SIGNATURE_LEN 144

#define GST_E2EE_MLS_CREDENTIAL_BASIC 1
#define GST_E2EE_MLS_CREDENTIAL_X509 2

/* Extension types RFC 9420 §17.3 defines; a LeafNode need not list them in its
 * capabilities (§7.2). */
#define GST_E2EE_MLS_EXTENSION_APPLICATION_ID 1
#define GST_E2EE_MLS_EXTENSION_RATCHET_TREE 2
#define GST_E2EE_MLS_EXTENSION_REQUIRED_CAPABILITIES 3
#define GST_E2EE_MLS_EXTENSION_EXTERNAL_PUB 4
#define GST_E2EE_MLS_EXTENSION_EXTERNAL_SENDERS 5

/* A list of uint16 (a Capabilities field): count values, big-endian at data. */
typedef struct
{
  const guint8 *data;
  guint count;
} GstE2eeMlsU16List;

gboolean gst_e2ee_mls_u16_list_contains (const GstE2eeMlsU16List *l, guint16 v);

/* The fields of a LeafNode, for building one (gst_e2ee_mls_leaf_node_new_signed()).
 * Pointers are borrowed. The credential is basic (identity); capabilities lists are
 * plain host-order arrays; extensions is the encoded body of extensions<V> (Extension
 * structs one after the other, may be empty). */
typedef struct
{
  const guint8 *encryption_key;
  gsize encryption_key_len;
  const guint8 *signature_key;
  gsize signature_key_len;
  const guint8 *identity;           /* basic credential */
  gsize identity_len;
  const guint16 *versions, *cipher_suites, *extension_types, *proposal_types,
      *credential_types;
  guint n_versions, n_cipher_suites, n_extension_types, n_proposal_types,
      n_credential_types;
  guint8 source;                    /* GstE2eeMlsLeafNodeSource */
  guint64 not_before, not_after;    /* source key_package */
  const guint8 *parent_hash;        /* source commit */
  gsize parent_hash_len;
  const guint8 *extensions;
  gsize extensions_len;
} GstE2eeMlsLeafNodeFields;

/* An immutable, reference-counted LeafNode. It owns one buffer, its encoding
 * (encoded/encoded_len, what the tree hash and the ratchet_tree extension carry); every
 * field points into it. */
typedef struct
{
  const guint8 *encoded;
  gsize encoded_len;
  /* Everything but the signature: the head of LeafNodeTBS. */
  gsize tbs_len;
  const guint8 *encryption_key;
  gsize encryption_key_len;
  const guint8 *signature_key;
  gsize signature_key_len;
  guint16 credential_type;
  /* The Credential's body after its type; for a basic credential, the identity. */
  const guint8 *credential;
  gsize credential_len;
  const guint8 *identity;
  gsize identity_len;
  GstE2eeMlsU16List versions, cipher_suites, extension_types, proposal_types,
      credential_types;
  guint8 source;
  guint64 not_before, not_after;
  const guint8 *parent_hash;
  gsize parent_hash_len;
  /* The body of extensions<V>. */
  const guint8 *extensions;
  gsize extensions_len;
  const guint8 *signature;
  gsize signature_len;
} GstE2eeMlsLeafNode;

GstE2eeMlsLeafNode * gst_e2ee_mls_leaf_node_ref   (GstE2eeMlsLeafNode *leaf);
void                 gst_e2ee_mls_leaf_node_unref (GstE2eeMlsLeafNode *leaf);

/* Reads one LeafNode from r (strict: types and lists checked, duplicate extension
 * types refused). The result owns a copy of its bytes. */
GstE2eeMlsLeafNode * gst_e2ee_mls_leaf_node_read (GstE2eeMlsReader *r, GError **error);
GstE2eeMlsLeafNode * gst_e2ee_mls_leaf_node_decode (const guint8 *data, gsize len,
                                                    GError **error);
void     gst_e2ee_mls_leaf_node_write (const GstE2eeMlsLeafNode *leaf, GByteArray *w);

gboolean gst_e2ee_mls_leaf_node_equal (const GstE2eeMlsLeafNode *a,
                                       const GstE2eeMlsLeafNode *b);

/* Encodes fields, signs LeafNodeTBS with sk (group_id and leaf_index are used for the
 * sources update and commit only). */
GstE2eeMlsLeafNode * gst_e2ee_mls_leaf_node_new_signed (const GstE2eeMlsSuite *s,
                                                        const GstE2eeMlsLeafNodeFields *f,
                                                        const guint8 *sk, gsize sk_len,
                                                        const guint8 *group_id,
                                                        gsize group_id_len,
                                                        guint32 leaf_index,
                                                        GError **error);
/* The fields of leaf, borrowing from it, to build a changed copy. Lists are returned
 * in the arrays of storage (freed by the caller with g_free). */
void     gst_e2ee_mls_leaf_node_get_fields (const GstE2eeMlsLeafNode *leaf,
                                            GstE2eeMlsLeafNodeFields *f,
                                            guint16 **storage);

/* GST_E2EE_MLS_ERROR_BAD_LEAF_SIGNATURE when the signature does not verify. */
gboolean gst_e2ee_mls_leaf_node_verify (const GstE2eeMlsSuite *s,
                                        const GstE2eeMlsLeafNode *leaf,
                                        const guint8 *group_id, gsize group_id_len,
                                        guint32 leaf_index, GError **error);

/* The checks of RFC 9420 §7.3 that need only the leaf itself: its source is
 * expected_source, its signature verifies, its credential is basic and listed in its
 * capabilities, every extension it carries of a type other than the defaults is
 * listed in its capabilities, its keys have the suite's sizes. now is seconds since
 * the epoch for the lifetime of a key_package leaf, or 0 not to check it (a tree
 * given at join holds leaves from old KeyPackages). */
gboolean gst_e2ee_mls_leaf_node_validate (const GstE2eeMlsSuite *s,
                                          const GstE2eeMlsLeafNode *leaf,
                                          guint8 expected_source,
                                          const guint8 *group_id, gsize group_id_len,
                                          guint32 leaf_index, guint64 now,
                                          GError **error);

/* Extension lists (the body of extensions<V>): strictly decoded, unique types. */
gboolean gst_e2ee_mls_extensions_check (const guint8 *body, gsize len, GError **error);
/* Finds an extension's data; FALSE when absent. */
gboolean gst_e2ee_mls_extensions_find  (const guint8 *body, gsize len, guint16 type,
                                        const guint8 **data, gsize *data_len);

G_END_DECLS
