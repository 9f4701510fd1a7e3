/* gst-e2ee: MLS message framing (RFC 9420 §6).
 *
 * A FramedContent is signed over FramedContentTBS (with the GroupContext for members,
 * so a signature binds the group and epoch). As a PublicMessage it also carries the
 * membership tag, a MAC under the epoch's membership_key. As a PrivateMessage its
 * content, auth data and padding are encrypted with the sender's ratchet key for the
 * generation, the nonce XORed with a random reuse guard (§6.3.1); the sender (leaf,
 * generation, guard) is encrypted under a key from sender_data_secret and a sample
 * of that ciphertext (§6.3.2). Application messages are PrivateMessages only.
 *
 * The decoders check everything but the signature, which needs the sender's key from
 * the ratchet tree: the caller verifies it with gst_e2ee_mls_content_verify().
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "gste2eemlsframing.h"
#include "gste2eemlscodec.h"
#include "gste2eemlscontent.h"
#include "gste2eemlscrypto.h"
#include "gste2eemlserror.h"
#include "gste2eemlssenderdata.h"

#include <string.h>
#include <openssl/crypto.h>

#define SENDER_DATA_LEN (4 + 4 + GST_E2EE_MLS_REUSE_GUARD)

void
gst_e2ee_mls_authenticated_content_clear (GstE2eeMlsAuthenticatedContent * ac)
{
  if (ac->storage != NULL) {
    OPENSSL_cleanse (ac->storage, ac->storage_len);
    g_free (ac->storage);
  }
  memset (ac, 0, sizeof *ac);
}

static gboolean
fail (GError ** error, gint code, const gchar * message)
{
  g_set_error_literal (error, GST_E2EE_MLS_ERROR, code, message);
  return FALSE;
}

/* The body of FramedContent and PrivateMessageContent for the content type. */
static gboolean
write_body (GByteArray * w, const GstE2eeMlsAuthenticatedContent * ac, GError ** error)
{
  GstE2eeMlsReader r;
  guint16 type;

  switch (ac->content_type) {
    case GST_E2EE_MLS_CONTENT_APPLICATION:
      return gst_e2ee_mls_write_opaque (w, ac->content, ac->content_len, error);
    case GST_E2EE_MLS_CONTENT_PROPOSAL:
    case GST_E2EE_MLS_CONTENT_COMMIT:
      /* Exactly one well-formed Proposal or Commit, or the receiver could not find
       * where the auth data starts. */
      gst_e2ee_mls_reader_init (&r, ac->content, ac->content_len);
      if (!(ac->content_type == GST_E2EE_MLS_CONTENT_PROPOSAL ?
              gst_e2ee_mls_read_proposal (&r, &type, error) :
              gst_e2ee_mls_read_commit (&r, error))
          || !gst_e2ee_mls_reader_finish (&r, error))
        return FALSE;
      gst_e2ee_mls_write_fixed (w, ac->content, ac->content_len);
      return TRUE;
    default:
      return fail (error, GST_E2EE_MLS_ERROR_INVALID_ARGUMENT, "unknown content type");
  }
}

static gboolean
read_body (GstE2eeMlsReader * r, guint8 content_type, GstE2eeMlsAuthenticatedContent * ac,
    GError ** error)
{
  gsize start = r->pos;
  guint16 type;
  gboolean ok;

  switch (content_type) {
    case GST_E2EE_MLS_CONTENT_APPLICATION:
      return gst_e2ee_mls_read_opaque (r, &ac->content, &ac->content_len, error);
    case GST_E2EE_MLS_CONTENT_PROPOSAL:
      ok = gst_e2ee_mls_read_proposal (r, &type, error);
      break;
    case GST_E2EE_MLS_CONTENT_COMMIT:
      ok = gst_e2ee_mls_read_commit (r, error);
      break;
    default:
      g_set_error (error, GST_E2EE_MLS_ERROR, GST_E2EE_MLS_ERROR_DECODE,
          "content type %u is not defined", content_type);
      return FALSE;
  }
  if (!ok)
    return FALSE;
  ac->content = r->data + start;
  ac->content_len = r->pos - start;
  return TRUE;
}

static gboolean
write_framed_content (GByteArray * w, const GstE2eeMlsAuthenticatedContent * ac,
    GError ** error)
{
  if (!gst_e2ee_mls_write_opaque (w, ac->group_id, ac->group_id_len, error))
    return FALSE;
  gst_e2ee_mls_write_u64 (w, ac->epoch);
  gst_e2ee_mls_write_u8 (w, ac->sender_type);
  if (ac->sender_type == GST_E2EE_MLS_SENDER_MEMBER
      || ac->sender_type == GST_E2EE_MLS_SENDER_EXTERNAL)
    gst_e2ee_mls_write_u32 (w, ac->sender_index);
  if (!gst_e2ee_mls_write_opaque (w, ac->authenticated_data,
          ac->authenticated_data_len, error))
    return FALSE;
  gst_e2ee_mls_write_u8 (w, ac->content_type);
  return write_body (w, ac, error);
}

static gboolean
read_framed_content (GstE2eeMlsReader * r, GstE2eeMlsAuthenticatedContent * ac,
    GError ** error)
{
  if (!gst_e2ee_mls_read_opaque (r, &ac->group_id, &ac->group_id_len, error)
      || !gst_e2ee_mls_read_u64 (r, &ac->epoch, error)
      || !gst_e2ee_mls_read_u8 (r, &ac->sender_type, error))
    return FALSE;
  switch (ac->sender_type) {
    case GST_E2EE_MLS_SENDER_MEMBER:
    case GST_E2EE_MLS_SENDER_EXTERNAL:
      if (!gst_e2ee_mls_read_u32 (r, &ac->sender_index, error))
        return FALSE;
      break;
    case GST_E2EE_MLS_SENDER_NEW_MEMBER_PROPOSAL:
    case GST_E2EE_MLS_SENDER_NEW_MEMBER_COMMIT:
      break;
    default:
      g_set_error (error, GST_E2EE_MLS_ERROR, GST_E2EE_MLS_ERROR_DECODE,
          "sender type %u is not defined", ac->sender_type);
      return FALSE;
  }
  return gst_e2ee_mls_read_opaque (r, &ac->authenticated_data,
      &ac->authenticated_data_len, error)
      && gst_e2ee_mls_read_u8 (r, &ac->content_type, error)
      && read_body (r, ac->content_type, ac, error);
}

/* FramedContentAuthData: signature<V>, and confirmation_tag<V> for a commit. */
static gboolean
write_auth (GByteArray * w, const GstE2eeMlsAuthenticatedContent * ac, GError ** error)
{
  if (!gst_e2ee_mls_write_opaque (w, ac->signature, ac->signature_len, error))
    return FALSE;
  if (ac->content_type == GST_E2EE_MLS_CONTENT_COMMIT)
    return gst_e2ee_mls_write_opaque (w, ac->confirmation_tag, ac->confirmation_tag_len,
        error);
  return TRUE;
}

static gboolean
read_auth (GstE2eeMlsReader * r, GstE2eeMlsAuthenticatedContent * ac, GError ** error)
{
  if (!gst_e2ee_mls_read_opaque (r, &ac->signature, &ac->signature_len, error))
    return FALSE;
  if (ac->content_type == GST_E2EE_MLS_CONTENT_COMMIT)
    return gst_e2ee_mls_read_opaque (r, &ac->confirmation_tag,
        &ac->confirmation_tag_len, error);
  ac->confirmation_tag = NULL;
  ac->confirmation_tag_len = 0;
  return TRUE;
}

/* FramedContentTBS (§6.1). */
static GByteArray *
content_tbs (const GstE2eeMlsAuthenticatedContent * ac, const GstE2eeMlsGroupContext * gc,
    GError ** error)
{
  GByteArray *w = g_byte_array_new ();

  gst_e2ee_mls_write_u16 (w, GST_E2EE_MLS_PROTOCOL_VERSION_MLS10);
  gst_e2ee_mls_write_u16 (w, ac->wire_format);
  if (!write_framed_content (w, ac, error)
      || ((ac->sender_type == GST_E2EE_MLS_SENDER_MEMBER
              || ac->sender_type == GST_E2EE_MLS_SENDER_NEW_MEMBER_COMMIT)
          && !gst_e2ee_mls_group_context_encode (gc, w, error))) {
    g_byte_array_unref (w);
    return NULL;
  }
  return w;
}

/* Signs ac (its wire format included) into ac->signature_buf. */
gboolean
gst_e2ee_mls_content_sign (const GstE2eeMlsSuite * s, const guint8 * sk, gsize sk_len,
    const GstE2eeMlsGroupContext * gc, GstE2eeMlsAuthenticatedContent * ac,
    GError ** error)
{
  GByteArray *tbs = content_tbs (ac, gc, error);
  gboolean ok;

  if (tbs == NULL)
    return FALSE;
  ok = gst_e2ee_mls_sign_with_label (s, sk, sk_len, "FramedContentTBS", tbs->data,
      tbs->len, ac->signature_buf, error);
  g_byte_array_unref (tbs);
  if (!ok)
    return FALSE;
  ac->signature = ac->signature_buf;
  ac->signature_len = s->sig_len;
  return TRUE;
}

gboolean
gst_e2ee_mls_content_verify (const GstE2eeMlsSuite * s, const guint8 * pk, gsize pk_len,
    const GstE2eeMlsGroupContext * gc, const GstE2eeMlsAuthenticatedContent * ac,
    GError ** error)
{
  GByteArray *tbs = content_tbs (ac, gc, error);
  gboolean ok;

  if (tbs == NULL)
    return FALSE;
  ok = gst_e2ee_mls_verify_with_label (s, pk, pk_len, "FramedContentTBS", tbs->data,
      tbs->len, ac->signature, ac->signature_len, error);
  g_byte_array_unref (tbs);
  return ok;
}

/* AuthenticatedContentTBM (§6.2) = FramedContentTBS || FramedContentAuthData. */
static gboolean
membership_tag (const GstE2eeMlsSuite * s, const GstE2eeMlsAuthenticatedContent * ac,
    const GstE2eeMlsGroupContext * gc, const guint8 * membership_key, guint8 * tag,
    GError ** error)
{
  GByteArray *tbm = content_tbs (ac, gc, error);
  gboolean ok;

  if (tbm == NULL)
    return FALSE;
  ok = write_auth (tbm, ac, error)
      && gst_e2ee_mls_mac (s, membership_key, s->nh, tbm->data, tbm->len, tag, error);
  g_byte_array_unref (tbm);
  return ok;
}

static gboolean
check_group_and_epoch (const GstE2eeMlsAuthenticatedContent * ac,
    const GstE2eeMlsGroupContext * gc, GError ** error)
{
  if (ac->group_id_len != gc->group_id_len
      || memcmp (ac->group_id, gc->group_id, gc->group_id_len) != 0)
    return fail (error, GST_E2EE_MLS_ERROR_WRONG_GROUP, "the message is for another group");
  if (ac->epoch != gc->epoch) {
    g_set_error (error, GST_E2EE_MLS_ERROR, GST_E2EE_MLS_ERROR_WRONG_EPOCH,
        "the message is for epoch %" G_GUINT64_FORMAT ", the group is at %"
        G_GUINT64_FORMAT, ac->epoch, gc->epoch);
    return FALSE;
  }
  return TRUE;
}

/* MLSMessage(PublicMessage). membership_key (s->nh bytes) is used for member
 * senders only. */
gboolean
gst_e2ee_mls_public_message_encode (const GstE2eeMlsSuite * s,
    const GstE2eeMlsAuthenticatedContent * ac, const GstE2eeMlsGroupContext * gc,
    const guint8 * membership_key, GByteArray * out, GError ** error)
{
  guint8 tag[GST_E2EE_MLS_MAX_HASH];
  guint start = out->len;

  if (ac->wire_format != GST_E2EE_MLS_WIRE_FORMAT_PUBLIC_MESSAGE)
    return fail (error, GST_E2EE_MLS_ERROR_WIRE_FORMAT,
        "the content was signed for another wire format");
  if (ac->content_type == GST_E2EE_MLS_CONTENT_APPLICATION)
    return fail (error, GST_E2EE_MLS_ERROR_WIRE_FORMAT,
        "application messages are sent as PrivateMessage only (RFC 9420 §6.2)");
  gst_e2ee_mls_write_u16 (out, GST_E2EE_MLS_PROTOCOL_VERSION_MLS10);
  gst_e2ee_mls_write_u16 (out, GST_E2EE_MLS_WIRE_FORMAT_PUBLIC_MESSAGE);
  if (!write_framed_content (out, ac, error) || !write_auth (out, ac, error))
    goto fail;
  if (ac->sender_type == GST_E2EE_MLS_SENDER_MEMBER
      && (!membership_tag (s, ac, gc, membership_key, tag, error)
          || !gst_e2ee_mls_write_opaque (out, tag, s->nh, error)))
    goto fail;
  return TRUE;

fail:
  g_byte_array_set_size (out, start);
  return FALSE;
}

static gboolean
read_header (GstE2eeMlsReader * r, guint16 want, GError ** error)
{
  guint16 version, wire_format;

  if (!gst_e2ee_mls_read_u16 (r, &version, error)
      || !gst_e2ee_mls_read_u16 (r, &wire_format, error))
    return FALSE;
  if (version != GST_E2EE_MLS_PROTOCOL_VERSION_MLS10) {
    g_set_error (error, GST_E2EE_MLS_ERROR, GST_E2EE_MLS_ERROR_DECODE,
        "protocol version %u is not mls10 (1)", version);
    return FALSE;
  }
  if (wire_format != want) {
    g_set_error (error, GST_E2EE_MLS_ERROR, GST_E2EE_MLS_ERROR_WIRE_FORMAT,
        "wire format %u, expected %u", wire_format, want);
    return FALSE;
  }
  return TRUE;
}

/* Decodes an MLSMessage(PublicMessage) and checks its group, epoch and (for a member
 * sender) membership tag; ac borrows from data. */
gboolean
gst_e2ee_mls_public_message_decode (const GstE2eeMlsSuite * s, const guint8 * data,
    gsize len, const GstE2eeMlsGroupContext * gc, const guint8 * membership_key,
    GstE2eeMlsAuthenticatedContent * ac, GError ** error)
{
  GstE2eeMlsAuthenticatedContent out = { 0 };
  GstE2eeMlsReader r;
  const guint8 *tag = NULL;
  gsize tag_len = 0;
  guint8 want[GST_E2EE_MLS_MAX_HASH];
  gboolean ok;

  gst_e2ee_mls_reader_init (&r, data, len);
  out.wire_format = GST_E2EE_MLS_WIRE_FORMAT_PUBLIC_MESSAGE;
  if (!read_header (&r, GST_E2EE_MLS_WIRE_FORMAT_PUBLIC_MESSAGE, error)
      || !read_framed_content (&r, &out, error) || !read_auth (&r, &out, error))
    return FALSE;
  if (out.sender_type == GST_E2EE_MLS_SENDER_MEMBER
      && !gst_e2ee_mls_read_opaque (&r, &tag, &tag_len, error))
    return FALSE;
  if (!gst_e2ee_mls_reader_finish (&r, error))
    return FALSE;
  if (out.content_type == GST_E2EE_MLS_CONTENT_APPLICATION)
    return fail (error, GST_E2EE_MLS_ERROR_WIRE_FORMAT,
        "an application message as a PublicMessage (RFC 9420 §6.2)");
  if (!check_group_and_epoch (&out, gc, error))
    return FALSE;
  if (out.sender_type == GST_E2EE_MLS_SENDER_MEMBER) {
    if (!membership_tag (s, &out, gc, membership_key, want, error))
      return FALSE;
    ok = tag_len == s->nh && CRYPTO_memcmp (want, tag, s->nh) == 0;
    OPENSSL_cleanse (want, sizeof want);
    if (!ok)
      return fail (error, GST_E2EE_MLS_ERROR_BAD_TAG, "the membership tag does not match");
  }
  *ac = out;
  return TRUE;
}

/* wire_format || FramedContent, then the signature alone or the whole
 * FramedContentAuthData (with the confirmation tag of a commit). */
static gboolean
write_content (const GstE2eeMlsAuthenticatedContent * ac, gboolean whole_auth,
    GByteArray * w, GError ** error)
{
  guint start = w->len;

  gst_e2ee_mls_write_u16 (w, ac->wire_format);
  if (!write_framed_content (w, ac, error)
      || !(whole_auth ? write_auth (w, ac, error) :
          gst_e2ee_mls_write_opaque (w, ac->signature, ac->signature_len, error))) {
    g_byte_array_set_size (w, start);
    return FALSE;
  }
  return TRUE;
}

/* ConfirmedTranscriptHashInput (§8.2): wire_format || FramedContent || signature. */
gboolean
gst_e2ee_mls_confirmed_transcript_input (const GstE2eeMlsAuthenticatedContent * ac,
    GByteArray * w, GError ** error)
{
  return write_content (ac, FALSE, w, error);
}

/* AuthenticatedContent (§6.1): wire_format || FramedContent || FramedContentAuthData,
 * what a ProposalRef hashes (§5.2). */
gboolean
gst_e2ee_mls_authenticated_content_encode (const GstE2eeMlsAuthenticatedContent * ac,
    GByteArray * w, GError ** error)
{
  return write_content (ac, TRUE, w, error);
}

/* The body of a PublicMessage (after version and wire format), structure only: no
 * group, epoch or tag check. For a member sender *tag receives the membership tag. */
gboolean
gst_e2ee_mls_public_message_read (GstE2eeMlsReader * r,
    GstE2eeMlsAuthenticatedContent * ac, const guint8 ** tag, gsize * tag_len,
    GError ** error)
{
  GstE2eeMlsAuthenticatedContent out = { 0 };
  gsize start = r->pos;

  out.wire_format = GST_E2EE_MLS_WIRE_FORMAT_PUBLIC_MESSAGE;
  *tag = NULL;
  *tag_len = 0;
  if (!read_framed_content (r, &out, error) || !read_auth (r, &out, error)
      || (out.sender_type == GST_E2EE_MLS_SENDER_MEMBER
          && !gst_e2ee_mls_read_opaque (r, tag, tag_len, error))) {
    r->pos = start;
    return FALSE;
  }
  *ac = out;
  return TRUE;
}

gboolean
gst_e2ee_mls_public_message_write (GByteArray * w,
    const GstE2eeMlsAuthenticatedContent * ac, const guint8 * tag, gsize tag_len,
    GError ** error)
{
  guint start = w->len;

  if (!write_framed_content (w, ac, error) || !write_auth (w, ac, error)
      || (ac->sender_type == GST_E2EE_MLS_SENDER_MEMBER
          && !gst_e2ee_mls_write_opaque (w, tag, tag_len, error))) {
    g_byte_array_set_size (w, start);
    return FALSE;
  }
  return TRUE;
}

static void
aad_prefix (GByteArray * w, const GstE2eeMlsAuthenticatedContent * ac)
{
  /* group_id<V> || epoch || content_type: lengths were checked when written. */
  gst_e2ee_mls_write_opaque (w, ac->group_id, ac->group_id_len, NULL);
  gst_e2ee_mls_write_u64 (w, ac->epoch);
  gst_e2ee_mls_write_u8 (w, ac->content_type);
}

static GstE2eeMlsRatchetType
ratchet_for (guint8 content_type)
{
  return content_type == GST_E2EE_MLS_CONTENT_APPLICATION ?
      GST_E2EE_MLS_RATCHET_APPLICATION : GST_E2EE_MLS_RATCHET_HANDSHAKE;
}

/* MLSMessage(PrivateMessage), with the sender's next generation. reuse_guard: NULL
 * for a random one (the tests give it). padding: zero bytes appended. */
gboolean
gst_e2ee_mls_private_message_encode (const GstE2eeMlsSuite * s,
    const GstE2eeMlsAuthenticatedContent * ac, GstE2eeMlsSecretTree * tree,
    const guint8 * sender_data_secret, const guint8 * reuse_guard, gsize padding,
    GByteArray * out, GError ** error)
{
  guint8 key[GST_E2EE_MLS_MAX_KEY], nonce[GST_E2EE_MLS_MAX_NONCE];
  guint8 guard[GST_E2EE_MLS_REUSE_GUARD], sender_data[SENDER_DATA_LEN];
  guint8 encrypted_sender_data[SENDER_DATA_LEN + GST_E2EE_MLS_AEAD_TAG];
  GByteArray *pt = NULL, *aad = NULL, *ct = NULL;
  guint32 generation;
  guint start = out->len, i;
  gboolean ok = FALSE;

  if (ac->wire_format != GST_E2EE_MLS_WIRE_FORMAT_PRIVATE_MESSAGE)
    return fail (error, GST_E2EE_MLS_ERROR_WIRE_FORMAT,
        "the content was signed for another wire format");
  if (ac->sender_type != GST_E2EE_MLS_SENDER_MEMBER)
    return fail (error, GST_E2EE_MLS_ERROR_UNKNOWN_SENDER,
        "only members send PrivateMessages (RFC 9420 §6.3.2)");
  if (padding > GST_E2EE_MLS_VARINT_MAX)
    return fail (error, GST_E2EE_MLS_ERROR_INVALID_ARGUMENT, "too much padding");

  pt = g_byte_array_new ();
  if (!write_body (pt, ac, error) || !write_auth (pt, ac, error))
    goto done;
  g_byte_array_set_size (pt, pt->len + (guint) padding);
  memset (pt->data + pt->len - padding, 0, padding);

  if (reuse_guard != NULL)
    memcpy (guard, reuse_guard, sizeof guard);
  else if (!gst_e2ee_mls_random (guard, sizeof guard, error))
    goto done;
  if (!gst_e2ee_mls_secret_tree_next (tree, ac->sender_index,
          ratchet_for (ac->content_type), &generation, key, nonce, error))
    goto done;
  for (i = 0; i < GST_E2EE_MLS_REUSE_GUARD; i++)
    nonce[i] ^= guard[i];

  aad = g_byte_array_new ();
  aad_prefix (aad, ac);
  if (!gst_e2ee_mls_write_opaque (aad, ac->authenticated_data,
          ac->authenticated_data_len, error))
    goto done;
  ct = g_byte_array_sized_new (pt->len + GST_E2EE_MLS_AEAD_TAG);
  g_byte_array_set_size (ct, pt->len + GST_E2EE_MLS_AEAD_TAG);
  if (!gst_e2ee_mls_aead_seal (s, key, nonce, aad->data, aad->len, pt->data, pt->len,
          ct->data, error))
    goto done;

  sender_data[0] = (guint8) (ac->sender_index >> 24);
  sender_data[1] = (guint8) (ac->sender_index >> 16);
  sender_data[2] = (guint8) (ac->sender_index >> 8);
  sender_data[3] = (guint8) ac->sender_index;
  sender_data[4] = (guint8) (generation >> 24);
  sender_data[5] = (guint8) (generation >> 16);
  sender_data[6] = (guint8) (generation >> 8);
  sender_data[7] = (guint8) generation;
  memcpy (sender_data + 8, guard, sizeof guard);
  g_byte_array_set_size (aad, 0);
  aad_prefix (aad, ac);
  if (!gst_e2ee_mls_sender_data_key_nonce (s, sender_data_secret, ct->data, ct->len,
          key, nonce, error)
      || !gst_e2ee_mls_aead_seal (s, key, nonce, aad->data, aad->len, sender_data,
          sizeof sender_data, encrypted_sender_data, error))
    goto done;

  gst_e2ee_mls_write_u16 (out, GST_E2EE_MLS_PROTOCOL_VERSION_MLS10);
  gst_e2ee_mls_write_u16 (out, GST_E2EE_MLS_WIRE_FORMAT_PRIVATE_MESSAGE);
  aad_prefix (out, ac);
  ok = gst_e2ee_mls_write_opaque (out, ac->authenticated_data,
      ac->authenticated_data_len, error)
      && gst_e2ee_mls_write_opaque (out, encrypted_sender_data,
      sizeof encrypted_sender_data, error)
      && gst_e2ee_mls_write_opaque (out, ct->data, ct->len, error);

done:
  OPENSSL_cleanse (key, sizeof key);
  OPENSSL_cleanse (nonce, sizeof nonce);
  if (pt != NULL) {
    OPENSSL_cleanse (pt->data, pt->len);
    g_byte_array_unref (pt);
  }
  if (aad != NULL)
    g_byte_array_unref (aad);
  if (ct != NULL)
    g_byte_array_unref (ct);
  if (!ok)
    g_byte_array_set_size (out, start);
  return ok;
}

/* Decodes and decrypts an MLSMessage(PrivateMessage). ac borrows from data and owns
 * the plaintext (clear it). The sender's generation is consumed even if the content
 * then fails to decrypt: only a holder of sender_data_secret can name it. */
gboolean
gst_e2ee_mls_private_message_decode (const GstE2eeMlsSuite * s, const guint8 * data,
    gsize len, const GstE2eeMlsGroupContext * gc, GstE2eeMlsSecretTree * tree,
    const guint8 * sender_data_secret, GstE2eeMlsAuthenticatedContent * ac,
    GError ** error)
{
  GstE2eeMlsAuthenticatedContent out = { 0 };
  GstE2eeMlsReader r, plain;
  const guint8 *esd, *ct;
  gsize esd_len, ct_len, i;
  guint8 key[GST_E2EE_MLS_MAX_KEY], nonce[GST_E2EE_MLS_MAX_NONCE];
  guint8 sender_data[SENDER_DATA_LEN];
  guint32 leaf, generation;
  GByteArray *aad = NULL;
  gboolean ok = FALSE;

  gst_e2ee_mls_reader_init (&r, data, len);
  out.wire_format = GST_E2EE_MLS_WIRE_FORMAT_PRIVATE_MESSAGE;
  out.sender_type = GST_E2EE_MLS_SENDER_MEMBER;
  if (!read_header (&r, GST_E2EE_MLS_WIRE_FORMAT_PRIVATE_MESSAGE, error)
      || !gst_e2ee_mls_read_opaque (&r, &out.group_id, &out.group_id_len, error)
      || !gst_e2ee_mls_read_u64 (&r, &out.epoch, error)
      || !gst_e2ee_mls_read_u8 (&r, &out.content_type, error)
      || !gst_e2ee_mls_read_opaque (&r, &out.authenticated_data,
          &out.authenticated_data_len, error)
      || !gst_e2ee_mls_read_opaque (&r, &esd, &esd_len, error)
      || !gst_e2ee_mls_read_opaque (&r, &ct, &ct_len, error)
      || !gst_e2ee_mls_reader_finish (&r, error))
    return FALSE;
  if (out.content_type < GST_E2EE_MLS_CONTENT_APPLICATION
      || out.content_type > GST_E2EE_MLS_CONTENT_COMMIT) {
    g_set_error (error, GST_E2EE_MLS_ERROR, GST_E2EE_MLS_ERROR_DECODE,
        "content type %u is not defined", out.content_type);
    return FALSE;
  }
  if (!check_group_and_epoch (&out, gc, error))
    return FALSE;
  if (esd_len != sizeof sender_data + GST_E2EE_MLS_AEAD_TAG || ct_len < GST_E2EE_MLS_AEAD_TAG)
    return fail (error, GST_E2EE_MLS_ERROR_DECODE,
        "the sender data or the ciphertext has the wrong size");

  aad = g_byte_array_new ();
  aad_prefix (aad, &out);
  if (!gst_e2ee_mls_sender_data_key_nonce (s, sender_data_secret, ct, ct_len, key, nonce,
          error)
      || !gst_e2ee_mls_aead_open (s, key, nonce, aad->data, aad->len, esd, esd_len,
          sender_data, error))
    goto done;
  leaf = (guint32) sender_data[0] << 24 | (guint32) sender_data[1] << 16
      | (guint32) sender_data[2] << 8 | sender_data[3];
  generation = (guint32) sender_data[4] << 24 | (guint32) sender_data[5] << 16
      | (guint32) sender_data[6] << 8 | sender_data[7];
  if (leaf >= gst_e2ee_mls_secret_tree_n_leaves (tree)) {
    g_set_error (error, GST_E2EE_MLS_ERROR, GST_E2EE_MLS_ERROR_UNKNOWN_SENDER,
        "sender leaf %u is outside the tree", leaf);
    goto done;
  }
  if (!gst_e2ee_mls_secret_tree_get (tree, leaf, ratchet_for (out.content_type),
          generation, key, nonce, error))
    goto done;
  for (i = 0; i < GST_E2EE_MLS_REUSE_GUARD; i++)
    nonce[i] ^= sender_data[8 + i];

  if (!gst_e2ee_mls_write_opaque (aad, out.authenticated_data,
          out.authenticated_data_len, error))
    goto done;
  out.storage_len = ct_len - GST_E2EE_MLS_AEAD_TAG;
  out.storage = g_malloc (out.storage_len + 1);
  if (!gst_e2ee_mls_aead_open (s, key, nonce, aad->data, aad->len, ct, ct_len,
          out.storage, error)) {
    /* Not the sender's message after all: its generation stays available. */
    for (i = 0; i < GST_E2EE_MLS_REUSE_GUARD; i++)
      nonce[i] ^= sender_data[8 + i];
    gst_e2ee_mls_secret_tree_put_back (tree, leaf, ratchet_for (out.content_type),
        generation, key, nonce);
    goto done;
  }

  /* PrivateMessageContent: body, auth, then padding that must be all zeros. */
  gst_e2ee_mls_reader_init (&plain, out.storage, out.storage_len);
  if (!read_body (&plain, out.content_type, &out, error)
      || !read_auth (&plain, &out, error))
    goto done;
  for (i = plain.pos; i < plain.len; i++) {
    if (plain.data[i] != 0) {
      fail (error, GST_E2EE_MLS_ERROR_DECODE, "the padding is not all zeros");
      goto done;
    }
  }
  out.sender_index = leaf;
  *ac = out;
  ok = TRUE;

done:
  OPENSSL_cleanse (key, sizeof key);
  OPENSSL_cleanse (nonce, sizeof nonce);
  OPENSSL_cleanse (sender_data, sizeof sender_data);
  g_byte_array_unref (aad);
  if (!ok)
    gst_e2ee_mls_authenticated_content_clear (&out);
  return ok;
}
