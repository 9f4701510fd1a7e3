/* gst-e2ee: the labelled operations of RFC 9420 §5.
 *
 * Each one binds its output to a purpose: the label ("MLS 1.0 " + Label, except for
 * RefHash, whose labels are complete) is encoded with the input as a TLS structure, so
 * a value derived, signed or encrypted for one purpose is never valid for another.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "gste2eemlscrypto.h"
#include "gste2eemlscodec.h"
#include "gste2eemlserror.h"
#include "gste2eehpke.h"

#include <string.h>
#include <openssl/crypto.h>

#define MLS_LABEL_PREFIX "MLS 1.0 "

/* opaque label<V> = "MLS 1.0 " + label, then opaque data<V>: the shape of KDFLabel's
 * tail, SignContent and EncryptContext. */
static gboolean
write_labelled (GByteArray * w, const guint8 * label, gsize label_len,
    const guint8 * data, gsize data_len, GError ** error)
{
  gsize begin = gst_e2ee_mls_write_vector_begin (w);

  gst_e2ee_mls_write_fixed (w, (const guint8 *) MLS_LABEL_PREFIX,
      strlen (MLS_LABEL_PREFIX));
  gst_e2ee_mls_write_fixed (w, label, label_len);
  return gst_e2ee_mls_write_vector_end (w, begin, error)
      && gst_e2ee_mls_write_opaque (w, data, data_len, error);
}

gboolean
gst_e2ee_mls_ref_hash (const GstE2eeMlsSuite * s, const gchar * label,
    const guint8 * value, gsize value_len, guint8 * out, GError ** error)
{
  GByteArray *w = g_byte_array_new ();
  gboolean ok;

  ok = gst_e2ee_mls_write_opaque (w, (const guint8 *) label, strlen (label), error)
      && gst_e2ee_mls_write_opaque (w, value, value_len, error)
      && gst_e2ee_mls_hash (s, w->data, w->len, out, error);
  g_byte_array_unref (w);
  return ok;
}

/* KDFLabel { uint16 length; opaque label<V>; opaque context<V>; }. The label takes
 * bytes because MLS-Exporter labels are the application's bytes. */
gboolean
gst_e2ee_mls_expand_with_label_raw (const GstE2eeMlsSuite * s, const guint8 * secret,
    gsize secret_len, const guint8 * label, gsize label_len, const guint8 * context,
    gsize context_len, guint8 * out, gsize out_len, GError ** error)
{
  GByteArray *w;
  gboolean ok;

  if (out_len > G_MAXUINT16) {
    g_set_error (error, GST_E2EE_MLS_ERROR, GST_E2EE_MLS_ERROR_INVALID_ARGUMENT,
        "ExpandWithLabel cannot give %" G_GSIZE_FORMAT " bytes (uint16 length)", out_len);
    return FALSE;
  }
  w = g_byte_array_new ();
  gst_e2ee_mls_write_u16 (w, (guint16) out_len);
  ok = write_labelled (w, label, label_len, context, context_len, error)
      && gst_e2ee_mls_expand (s, secret, secret_len, w->data, w->len, out, out_len,
      error);
  g_byte_array_unref (w);
  return ok;
}

gboolean
gst_e2ee_mls_expand_with_label (const GstE2eeMlsSuite * s, const guint8 * secret,
    gsize secret_len, const gchar * label, const guint8 * context, gsize context_len,
    guint8 * out, gsize out_len, GError ** error)
{
  return gst_e2ee_mls_expand_with_label_raw (s, secret, secret_len,
      (const guint8 *) label, strlen (label), context, context_len, out, out_len, error);
}

/* out holds s->nh bytes. */
gboolean
gst_e2ee_mls_derive_secret (const GstE2eeMlsSuite * s, const guint8 * secret,
    gsize secret_len, const gchar * label, guint8 * out, GError ** error)
{
  return gst_e2ee_mls_expand_with_label (s, secret, secret_len, label, NULL, 0, out,
      s->nh, error);
}

gboolean
gst_e2ee_mls_derive_tree_secret (const GstE2eeMlsSuite * s, const guint8 * secret,
    gsize secret_len, const gchar * label, guint32 generation, guint8 * out,
    gsize out_len, GError ** error)
{
  guint8 context[4] = { (guint8) (generation >> 24), (guint8) (generation >> 16),
    (guint8) (generation >> 8), (guint8) generation
  };

  return gst_e2ee_mls_expand_with_label (s, secret, secret_len, label, context,
      sizeof context, out, out_len, error);
}

static GByteArray *
sign_content (const gchar * label, const guint8 * content, gsize content_len,
    GError ** error)
{
  GByteArray *w = g_byte_array_new ();

  if (!write_labelled (w, (const guint8 *) label, strlen (label), content, content_len,
          error)) {
    g_byte_array_unref (w);
    return NULL;
  }
  return w;
}

/* sig holds s->sig_len bytes. */
gboolean
gst_e2ee_mls_sign_with_label (const GstE2eeMlsSuite * s, const guint8 * sk,
    gsize sk_len, const gchar * label, const guint8 * content, gsize content_len,
    guint8 * sig, GError ** error)
{
  GByteArray *w = sign_content (label, content, content_len, error);
  gboolean ok;

  if (w == NULL)
    return FALSE;
  ok = gst_e2ee_mls_sign (s, sk, sk_len, w->data, w->len, sig, error);
  g_byte_array_unref (w);
  return ok;
}

gboolean
gst_e2ee_mls_verify_with_label (const GstE2eeMlsSuite * s, const guint8 * pk,
    gsize pk_len, const gchar * label, const guint8 * content, gsize content_len,
    const guint8 * sig, gsize sig_len, GError ** error)
{
  GByteArray *w = sign_content (label, content, content_len, error);
  gboolean ok;

  if (w == NULL)
    return FALSE;
  ok = gst_e2ee_mls_verify (s, pk, pk_len, w->data, w->len, sig, sig_len, error);
  g_byte_array_unref (w);
  return ok;
}

/* kem_output holds s->npk bytes, ct pt_len + GST_E2EE_MLS_AEAD_TAG. */
gboolean
gst_e2ee_mls_encrypt_with_label (const GstE2eeMlsSuite * s, const guint8 * pk,
    gsize pk_len, const gchar * label, const guint8 * context, gsize context_len,
    const guint8 * pt, gsize pt_len, guint8 * kem_output, guint8 * ct, GError ** error)
{
  GByteArray *info = sign_content (label, context, context_len, error);
  GstE2eeHpkeContext ctx;
  gboolean ok;

  if (info == NULL)
    return FALSE;
  ok = gst_e2ee_hpke_setup_base_s (s, pk, pk_len, info->data, info->len, NULL, 0,
      kem_output, &ctx, error)
      && gst_e2ee_hpke_context_seal (&ctx, NULL, 0, pt, pt_len, ct, error);
  gst_e2ee_hpke_context_clear (&ctx);
  g_byte_array_unref (info);
  return ok;
}

/* pt holds ct_len - GST_E2EE_MLS_AEAD_TAG bytes. */
gboolean
gst_e2ee_mls_decrypt_with_label (const GstE2eeMlsSuite * s, const guint8 * sk,
    gsize sk_len, const gchar * label, const guint8 * context, gsize context_len,
    const guint8 * kem_output, gsize kem_output_len, const guint8 * ct, gsize ct_len,
    guint8 * pt, GError ** error)
{
  GByteArray *info = sign_content (label, context, context_len, error);
  GstE2eeHpkeContext ctx;
  gboolean ok;

  if (info == NULL)
    return FALSE;
  ok = gst_e2ee_hpke_setup_base_r (s, kem_output, kem_output_len, sk, sk_len,
      info->data, info->len, &ctx, error)
      && gst_e2ee_hpke_context_open (&ctx, NULL, 0, ct, ct_len, pt, error);
  gst_e2ee_hpke_context_clear (&ctx);
  g_byte_array_unref (info);
  return ok;
}
