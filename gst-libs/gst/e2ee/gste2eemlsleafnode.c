/* gst-e2ee: LeafNode (RFC 9420 §7.2) with its Credential, Capabilities, Lifetime and
 * extensions.
 *
 * A LeafNode is kept as its own encoding, one allocation, with every field pointing
 * into it: the tree hash, the ratchet_tree extension and the signature all need those
 * bytes, so they are never re-encoded, and a tree of a thousand leaves costs a
 * thousand allocations, not ten thousand. It is immutable and shared by reference
 * between a KeyPackage, a proposal and the trees of successive epochs.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "gste2eemlsleafnode.h"
#include "gste2eemlscrypto.h"
#include "gste2eemlserror.h"

#include <string.h>

#define LEAF_NODE_TBS_LABEL "LeafNodeTBS"

gboolean
gst_e2ee_mls_u16_list_contains (const GstE2eeMlsU16List * l, guint16 v)
{
  guint i;

  for (i = 0; i < l->count; i++)
    if ((guint16) (l->data[2 * i] << 8 | l->data[2 * i + 1]) == v)
      return TRUE;
  return FALSE;
}

/* Extension { ExtensionType extension_type; opaque extension_data<V>; } */
static gboolean
next_extension (GstE2eeMlsReader * r, guint16 * type, const guint8 ** data,
    gsize * data_len, GError ** error)
{
  return gst_e2ee_mls_read_u16 (r, type, error)
      && gst_e2ee_mls_read_opaque (r, data, data_len, error);
}

gboolean
gst_e2ee_mls_extensions_check (const guint8 * body, gsize len, GError ** error)
{
  GstE2eeMlsReader r;

  gst_e2ee_mls_reader_init (&r, body, len);
  while (gst_e2ee_mls_reader_remaining (&r) > 0) {
    guint16 type;
    const guint8 *data;
    gsize data_len;
    gsize at = r.pos;

    if (!next_extension (&r, &type, &data, &data_len, error))
      return FALSE;
    /* §7.2, §12.1.7: one extension of each type. Lists are short (a few entries), so
     * searching what came before is cheaper than a set. */
    if (gst_e2ee_mls_extensions_find (body, at, type, &data, &data_len)) {
      g_set_error (error, GST_E2EE_MLS_ERROR, GST_E2EE_MLS_ERROR_DECODE,
          "extension type %u appears twice in a list", type);
      return FALSE;
    }
  }
  return TRUE;
}

gboolean
gst_e2ee_mls_extensions_find (const guint8 * body, gsize len, guint16 type,
    const guint8 ** data, gsize * data_len)
{
  GstE2eeMlsReader r;

  gst_e2ee_mls_reader_init (&r, body, len);
  while (gst_e2ee_mls_reader_remaining (&r) > 0) {
    guint16 t;
    const guint8 *d;
    gsize dl;

    if (!next_extension (&r, &t, &d, &dl, NULL))
      return FALSE;
    if (t == type) {
      *data = d;
      *data_len = dl;
      return TRUE;
    }
  }
  return FALSE;
}

static gboolean
read_u16_list (GstE2eeMlsReader * r, GstE2eeMlsU16List * l, GError ** error)
{
  GstE2eeMlsReader body;

  if (!gst_e2ee_mls_read_vector (r, &body, error))
    return FALSE;
  if (body.len % 2 != 0) {
    g_set_error (error, GST_E2EE_MLS_ERROR, GST_E2EE_MLS_ERROR_DECODE,
        "a list of uint16 of %" G_GSIZE_FORMAT " bytes", body.len);
    return FALSE;
  }
  l->data = body.data;
  l->count = (guint) (body.len / 2);
  return TRUE;
}

/* Credential { CredentialType credential_type; select { basic: opaque identity<V>;
 * x509: Certificate certificates<V>; } }: x509 is read (so that a tree holding one
 * decodes) and refused by gst_e2ee_mls_leaf_node_validate(). */
static gboolean
read_credential (GstE2eeMlsReader * r, GstE2eeMlsLeafNode * leaf, GError ** error)
{
  GstE2eeMlsReader certs;
  gsize start;

  if (!gst_e2ee_mls_read_u16 (r, &leaf->credential_type, error))
    return FALSE;
  start = r->pos;
  switch (leaf->credential_type) {
    case GST_E2EE_MLS_CREDENTIAL_BASIC:
      if (!gst_e2ee_mls_read_opaque (r, &leaf->identity, &leaf->identity_len, error))
        return FALSE;
      break;
    case GST_E2EE_MLS_CREDENTIAL_X509:
      if (!gst_e2ee_mls_read_vector (r, &certs, error))
        return FALSE;
      while (gst_e2ee_mls_reader_remaining (&certs) > 0) {
        const guint8 *cert;
        gsize cert_len;

        if (!gst_e2ee_mls_read_opaque (&certs, &cert, &cert_len, error))
          return FALSE;
      }
      break;
    default:
      g_set_error (error, GST_E2EE_MLS_ERROR, GST_E2EE_MLS_ERROR_UNSUPPORTED,
          "credential type %u is not basic or x509: its extent is unknown",
          leaf->credential_type);
      return FALSE;
  }
  leaf->credential = r->data + start;
  leaf->credential_len = r->pos - start;
  return TRUE;
}

/* Sets leaf's fields to point into r's bytes. */
static gboolean
parse_leaf_node (GstE2eeMlsReader * r, GstE2eeMlsLeafNode * leaf, GError ** error)
{
  gsize start = r->pos;

  if (!gst_e2ee_mls_read_opaque (r, &leaf->encryption_key, &leaf->encryption_key_len,
          error)
      || !gst_e2ee_mls_read_opaque (r, &leaf->signature_key, &leaf->signature_key_len,
          error)
      || !read_credential (r, leaf, error)
      || !read_u16_list (r, &leaf->versions, error)
      || !read_u16_list (r, &leaf->cipher_suites, error)
      || !read_u16_list (r, &leaf->extension_types, error)
      || !read_u16_list (r, &leaf->proposal_types, error)
      || !read_u16_list (r, &leaf->credential_types, error)
      || !gst_e2ee_mls_read_u8 (r, &leaf->source, error))
    return FALSE;
  switch (leaf->source) {
    case GST_E2EE_MLS_LEAF_NODE_SOURCE_KEY_PACKAGE:
      if (!gst_e2ee_mls_read_u64 (r, &leaf->not_before, error)
          || !gst_e2ee_mls_read_u64 (r, &leaf->not_after, error))
        return FALSE;
      break;
    case GST_E2EE_MLS_LEAF_NODE_SOURCE_UPDATE:
      break;
    case GST_E2EE_MLS_LEAF_NODE_SOURCE_COMMIT:
      if (!gst_e2ee_mls_read_opaque (r, &leaf->parent_hash, &leaf->parent_hash_len,
              error))
        return FALSE;
      break;
    default:
      g_set_error (error, GST_E2EE_MLS_ERROR, GST_E2EE_MLS_ERROR_DECODE,
          "leaf node source %u is not defined", leaf->source);
      return FALSE;
  }
  if (!gst_e2ee_mls_read_opaque (r, &leaf->extensions, &leaf->extensions_len, error)
      || !gst_e2ee_mls_extensions_check (leaf->extensions, leaf->extensions_len, error))
    return FALSE;
  leaf->tbs_len = r->pos - start;
  if (!gst_e2ee_mls_read_opaque (r, &leaf->signature, &leaf->signature_len, error))
    return FALSE;
  leaf->encoded = r->data + start;
  leaf->encoded_len = r->pos - start;
  return TRUE;
}

GstE2eeMlsLeafNode *
gst_e2ee_mls_leaf_node_read (GstE2eeMlsReader * r, GError ** error)
{
  GstE2eeMlsLeafNode tmp = { 0 }, *leaf;
  GstE2eeMlsReader copy;
  gsize start = r->pos;
  guint8 *data;

  if (!parse_leaf_node (r, &tmp, error)) {
    r->pos = start;
    return NULL;
  }
  /* One block: the struct, then the bytes its fields point into. */
  leaf = g_rc_box_alloc0 (sizeof (GstE2eeMlsLeafNode) + tmp.encoded_len);
  data = (guint8 *) (leaf + 1);
  memcpy (data, tmp.encoded, tmp.encoded_len);
  gst_e2ee_mls_reader_init (&copy, data, tmp.encoded_len);
  if (!parse_leaf_node (&copy, leaf, NULL))
    g_assert_not_reached ();
  return leaf;
}

GstE2eeMlsLeafNode *
gst_e2ee_mls_leaf_node_decode (const guint8 * data, gsize len, GError ** error)
{
  GstE2eeMlsReader r;
  GstE2eeMlsLeafNode *leaf;

  gst_e2ee_mls_reader_init (&r, data, len);
  leaf = gst_e2ee_mls_leaf_node_read (&r, error);
  if (leaf != NULL && !gst_e2ee_mls_reader_finish (&r, error)) {
    gst_e2ee_mls_leaf_node_unref (leaf);
    return NULL;
  }
  return leaf;
}

GstE2eeMlsLeafNode *
gst_e2ee_mls_leaf_node_ref (GstE2eeMlsLeafNode * leaf)
{
  return g_rc_box_acquire (leaf);
}

void
gst_e2ee_mls_leaf_node_unref (GstE2eeMlsLeafNode * leaf)
{
  if (leaf != NULL)
    g_rc_box_release (leaf);
}

void
gst_e2ee_mls_leaf_node_write (const GstE2eeMlsLeafNode * leaf, GByteArray * w)
{
  gst_e2ee_mls_write_fixed (w, leaf->encoded, leaf->encoded_len);
}

gboolean
gst_e2ee_mls_leaf_node_equal (const GstE2eeMlsLeafNode * a, const GstE2eeMlsLeafNode * b)
{
  if (a == NULL || b == NULL)
    return a == b;
  return a->encoded_len == b->encoded_len
      && memcmp (a->encoded, b->encoded, a->encoded_len) == 0;
}

/* LeafNodeTBS: the LeafNode without its signature, then for the sources update and
 * commit the group and leaf it is signed for, so that it cannot be replayed into
 * another group or position. */
static GByteArray *
leaf_node_tbs (const guint8 * head, gsize head_len, guint8 source,
    const guint8 * group_id, gsize group_id_len, guint32 leaf_index, GError ** error)
{
  GByteArray *w = g_byte_array_sized_new ((guint) head_len + 64);

  gst_e2ee_mls_write_fixed (w, head, head_len);
  if (source == GST_E2EE_MLS_LEAF_NODE_SOURCE_UPDATE
      || source == GST_E2EE_MLS_LEAF_NODE_SOURCE_COMMIT) {
    if (!gst_e2ee_mls_write_opaque (w, group_id, group_id_len, error)) {
      g_byte_array_unref (w);
      return NULL;
    }
    gst_e2ee_mls_write_u32 (w, leaf_index);
  }
  return w;
}

static gboolean
write_u16_list (GByteArray * w, const guint16 * v, guint n, GError ** error)
{
  gsize begin = gst_e2ee_mls_write_vector_begin (w);
  guint i;

  for (i = 0; i < n; i++)
    gst_e2ee_mls_write_u16 (w, v[i]);
  return gst_e2ee_mls_write_vector_end (w, begin, error);
}

GstE2eeMlsLeafNode *
gst_e2ee_mls_leaf_node_new_signed (const GstE2eeMlsSuite * s,
    const GstE2eeMlsLeafNodeFields * f, const guint8 * sk, gsize sk_len,
    const guint8 * group_id, gsize group_id_len, guint32 leaf_index, GError ** error)
{
  GByteArray *w = g_byte_array_new (), *tbs = NULL;
  GstE2eeMlsLeafNode *leaf = NULL;
  guint8 sig[GST_E2EE_MLS_MAX_SIGNATURE_LEN];
  gsize head_len;

  if (!gst_e2ee_mls_write_opaque (w, f->encryption_key, f->encryption_key_len, error)
      || !gst_e2ee_mls_write_opaque (w, f->signature_key, f->signature_key_len, error))
    goto out;
  gst_e2ee_mls_write_u16 (w, GST_E2EE_MLS_CREDENTIAL_BASIC);
  if (!gst_e2ee_mls_write_opaque (w, f->identity, f->identity_len, error)
      || !write_u16_list (w, f->versions, f->n_versions, error)
      || !write_u16_list (w, f->cipher_suites, f->n_cipher_suites, error)
      || !write_u16_list (w, f->extension_types, f->n_extension_types, error)
      || !write_u16_list (w, f->proposal_types, f->n_proposal_types, error)
      || !write_u16_list (w, f->credential_types, f->n_credential_types, error))
    goto out;
  gst_e2ee_mls_write_u8 (w, f->source);
  if (f->source == GST_E2EE_MLS_LEAF_NODE_SOURCE_KEY_PACKAGE) {
    gst_e2ee_mls_write_u64 (w, f->not_before);
    gst_e2ee_mls_write_u64 (w, f->not_after);
  } else if (f->source == GST_E2EE_MLS_LEAF_NODE_SOURCE_COMMIT) {
    if (!gst_e2ee_mls_write_opaque (w, f->parent_hash, f->parent_hash_len, error))
      goto out;
  } else if (f->source != GST_E2EE_MLS_LEAF_NODE_SOURCE_UPDATE) {
    g_set_error (error, GST_E2EE_MLS_ERROR, GST_E2EE_MLS_ERROR_INVALID_ARGUMENT,
        "leaf node source %u is not defined", f->source);
    goto out;
  }
  if (!gst_e2ee_mls_write_opaque (w, f->extensions, f->extensions_len, error))
    goto out;
  head_len = w->len;
  tbs = leaf_node_tbs (w->data, head_len, f->source, group_id, group_id_len,
      leaf_index, error);
  if (tbs == NULL
      || !gst_e2ee_mls_sign_with_label (s, sk, sk_len, LEAF_NODE_TBS_LABEL, tbs->data,
          tbs->len, sig, error)
      || !gst_e2ee_mls_write_opaque (w, sig, s->sig_len, error))
    goto out;
  /* Decoding what was built checks it as a received one would be (extension list). */
  leaf = gst_e2ee_mls_leaf_node_decode (w->data, w->len, error);

out:
  if (tbs != NULL)
    g_byte_array_unref (tbs);
  g_byte_array_unref (w);
  return leaf;
}

static const guint16 *
u16_list_to_array (const GstE2eeMlsU16List * l, guint16 * out)
{
  guint i;

  for (i = 0; i < l->count; i++)
    out[i] = (guint16) (l->data[2 * i] << 8 | l->data[2 * i + 1]);
  return out;
}

void
gst_e2ee_mls_leaf_node_get_fields (const GstE2eeMlsLeafNode * leaf,
    GstE2eeMlsLeafNodeFields * f, guint16 ** storage)
{
  guint n = leaf->versions.count + leaf->cipher_suites.count
      + leaf->extension_types.count + leaf->proposal_types.count
      + leaf->credential_types.count;
  guint16 *a = g_new (guint16, n + 1);

  memset (f, 0, sizeof *f);
  f->encryption_key = leaf->encryption_key;
  f->encryption_key_len = leaf->encryption_key_len;
  f->signature_key = leaf->signature_key;
  f->signature_key_len = leaf->signature_key_len;
  f->identity = leaf->identity;
  f->identity_len = leaf->identity_len;
  f->versions = u16_list_to_array (&leaf->versions, a);
  f->n_versions = leaf->versions.count;
  f->cipher_suites = u16_list_to_array (&leaf->cipher_suites, a + f->n_versions);
  f->n_cipher_suites = leaf->cipher_suites.count;
  f->extension_types = u16_list_to_array (&leaf->extension_types,
      (guint16 *) f->cipher_suites + f->n_cipher_suites);
  f->n_extension_types = leaf->extension_types.count;
  f->proposal_types = u16_list_to_array (&leaf->proposal_types,
      (guint16 *) f->extension_types + f->n_extension_types);
  f->n_proposal_types = leaf->proposal_types.count;
  f->credential_types = u16_list_to_array (&leaf->credential_types,
      (guint16 *) f->proposal_types + f->n_proposal_types);
  f->n_credential_types = leaf->credential_types.count;
  f->source = leaf->source;
  f->not_before = leaf->not_before;
  f->not_after = leaf->not_after;
  f->parent_hash = leaf->parent_hash;
  f->parent_hash_len = leaf->parent_hash_len;
  f->extensions = leaf->extensions;
  f->extensions_len = leaf->extensions_len;
  *storage = a;
}

gboolean
gst_e2ee_mls_leaf_node_verify (const GstE2eeMlsSuite * s,
    const GstE2eeMlsLeafNode * leaf, const guint8 * group_id, gsize group_id_len,
    guint32 leaf_index, GError ** error)
{
  GByteArray *tbs = leaf_node_tbs (leaf->encoded, leaf->tbs_len, leaf->source, group_id,
      group_id_len, leaf_index, error);
  GError *err = NULL;
  gboolean ok;

  if (tbs == NULL)
    return FALSE;
  ok = gst_e2ee_mls_verify_with_label (s, leaf->signature_key, leaf->signature_key_len,
      LEAF_NODE_TBS_LABEL, tbs->data, tbs->len, leaf->signature, leaf->signature_len,
      &err);
  g_byte_array_unref (tbs);
  if (!ok) {
    g_set_error (error, GST_E2EE_MLS_ERROR, GST_E2EE_MLS_ERROR_BAD_LEAF_SIGNATURE,
        "leaf node %u: %s", leaf_index, err->message);
    g_error_free (err);
  }
  return ok;
}

static gboolean
invalid (GError ** error, guint32 leaf_index, const gchar * why)
{
  g_set_error (error, GST_E2EE_MLS_ERROR, GST_E2EE_MLS_ERROR_INVALID_LEAF_NODE,
      "leaf node %u: %s", leaf_index, why);
  return FALSE;
}

gboolean
gst_e2ee_mls_leaf_node_validate (const GstE2eeMlsSuite * s,
    const GstE2eeMlsLeafNode * leaf, guint8 expected_source, const guint8 * group_id,
    gsize group_id_len, guint32 leaf_index, guint64 now, GError ** error)
{
  GstE2eeMlsReader r;

  if (leaf->source != expected_source)
    return invalid (error, leaf_index, "its source is not the one expected here");
  if (leaf->encryption_key_len != s->npk || leaf->signature_key_len != s->sig_npk)
    return invalid (error, leaf_index, "a key has the wrong size for the cipher suite");
  if (leaf->credential_type != GST_E2EE_MLS_CREDENTIAL_BASIC)
    return invalid (error, leaf_index, "only basic credentials are supported");
  if (!gst_e2ee_mls_u16_list_contains (&leaf->credential_types, leaf->credential_type))
    return invalid (error, leaf_index, "its credential type is not in its capabilities");
  /* §7.2: every extension it carries, other than the default ones, is listed. */
  gst_e2ee_mls_reader_init (&r, leaf->extensions, leaf->extensions_len);
  while (gst_e2ee_mls_reader_remaining (&r) > 0) {
    guint16 type;
    const guint8 *d;
    gsize dl;

    if (!next_extension (&r, &type, &d, &dl, error))
      return FALSE;
    if (type > GST_E2EE_MLS_EXTENSION_EXTERNAL_SENDERS
        && !gst_e2ee_mls_u16_list_contains (&leaf->extension_types, type))
      return invalid (error, leaf_index,
          "it carries an extension its capabilities do not list");
  }
  if (now != 0 && leaf->source == GST_E2EE_MLS_LEAF_NODE_SOURCE_KEY_PACKAGE
      && (now < leaf->not_before || now > leaf->not_after))
    return invalid (error, leaf_index, "the current time is outside its lifetime");
  return gst_e2ee_mls_leaf_node_verify (s, leaf, group_id, group_id_len, leaf_index,
      error);
}
