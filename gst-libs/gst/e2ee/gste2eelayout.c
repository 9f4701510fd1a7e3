/* gst-e2ee: codec-aware SFrame layout
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

/**
 * SECTION:gste2eelayout
 * @title: Codec-aware layout
 * @short_description: SFrame encryption that leaves RTP payloaders, forwarding servers
 *   and decoders the bytes they read
 *
 * RFC 9605 encrypts a whole frame, so an encrypted frame is no longer a VP8, H.264 or
 * Opus frame and cannot travel in the codec's own RTP payload format. The codec layout
 * keeps in the clear exactly the bytes that payloaders (rtpvp9pay, rtph264pay,
 * rtph265pay, rtpopuspay), forwarding servers (key-frame detection, resolution) and the
 * RTP payload formats themselves need, authenticates them as SFrame metadata, and
 * encrypts everything else:
 *
 * - VP8: the 3-byte frame tag, and on key frames the start code and dimensions (10 bytes);
 * - VP9: the uncompressed header through the frame and render size on key frames, through
 *   the frame type, show_frame and error_resilient_mode bits on other frames;
 * - H.264/H.265 byte-stream: start codes, NAL unit headers, parameter sets, access unit
 *   delimiters, and the slice header fields depayloaders and WebRTC receivers read (first
 *   macroblock or first-slice flag, slice type, PPS ID); the rest of every other NAL unit
 *   is encrypted and then escaped like an emulation-prevented RBSP, so that the output
 *   never holds a start code where the input held none;
 * - Opus: the TOC byte.
 *
 * The SFrame header goes at the start of the first encrypted region and the tag at the
 * end of the last one. The receiver finds the regions again from the clear bytes alone.
 * docs/layout.md in the source tree specifies every layout to the byte, with worked
 * examples, for a second implementation.
 *
 * |[<!-- language="C" -->
 * GstE2eeLayoutCodec codec = gst_e2ee_layout_codec_from_caps (caps);
 * gsize max = gst_e2ee_layout_get_max_size (codec, key, in_size), len;
 * guint8 *out = ...; // max bytes
 * if (!gst_e2ee_layout_encrypt (key, codec, in, in_size, out, max, &len, NULL, &error))
 *   ...
 * ]|
 *
 * Since: 0.1
 */

#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "gste2eelayout.h"
#include "gste2eelayout-private.h"

#include <string.h>

G_DEFINE_QUARK (gst-e2ee-layout-error-quark, gst_e2ee_layout_error);

/* ---- Metadata buffer -------------------------------------------------- */

void
layout_metadata_init (LayoutMetadata * m)
{
  m->data = m->stack;
  m->len = 0;
  m->cap = sizeof (m->stack);
}

void
layout_metadata_clear (LayoutMetadata * m)
{
  if (m->data != m->stack)
    g_free (m->data);
  m->data = m->stack;
  m->len = 0;
  m->cap = sizeof (m->stack);
}

static void
layout_metadata_reserve (LayoutMetadata * m, gsize extra)
{
  gsize cap = m->cap;

  if (m->len + extra <= cap)
    return;
  while (cap < m->len + extra)
    cap *= 2;
  if (m->data == m->stack) {
    m->data = g_malloc (cap);
    memcpy (m->data, m->stack, m->len);
  } else {
    m->data = g_realloc (m->data, cap);
  }
  m->cap = cap;
}

void
layout_metadata_put_u32 (LayoutMetadata * m, guint32 v)
{
  layout_metadata_reserve (m, 4);
  GST_WRITE_UINT32_BE (m->data + m->len, v);
  m->len += 4;
}

void
layout_metadata_put (LayoutMetadata * m, const guint8 * data, gsize len)
{
  if (len == 0)
    return;
  layout_metadata_reserve (m, len);
  memcpy (m->data + m->len, data, len);
  m->len += len;
}

/* ---- The registry -------------------------------------------------------- */

/* Whole-frame SFrame, the layout of GST_E2EE_LAYOUT_CODEC_NONE: not a codec, so not in
 * the registry, but dispatched the same way. */
static gsize
frame_max_size (const GstE2eeLayoutOps * ops, const GstE2eeSFrameKey * key, gsize in_size)
{
  return gst_e2ee_sframe_key_get_max_encrypted_size (key, in_size);
}

static gboolean
frame_encrypt (const GstE2eeLayoutOps * ops, GstE2eeSFrameKey * key, const guint8 * in,
    gsize in_size, guint8 * out, gsize out_size, gsize * out_len, guint64 * ctr_used,
    GError ** error)
{
  return gst_e2ee_sframe_key_encrypt (key, NULL, 0, in, in_size, out, out_size, out_len,
      ctr_used, error);
}

static gboolean
frame_decrypt (const GstE2eeLayoutOps * ops, GstE2eeSFrameKey * key, const guint8 * in,
    gsize in_size, guint8 * out, gsize out_size, gsize * out_len, guint64 * ctr,
    guint * removed, GError ** error)
{
  return gst_e2ee_sframe_key_decrypt (key, NULL, 0, in, in_size, out, out_size, out_len,
      ctr, error);
}

static gboolean
frame_parse_header (const GstE2eeLayoutOps * ops, const guint8 * frame, gsize frame_size,
    guint64 * kid, guint64 * ctr, GError ** error)
{
  return gst_e2ee_sframe_header_parse (frame, frame_size, kid, ctr, NULL, error);
}

static const GstE2eeLayoutOps frame_ops = {
  .codec = GST_E2EE_LAYOUT_CODEC_NONE,
  .name = "whole frame",
  .max_size = frame_max_size,
  .encrypt = frame_encrypt,
  .decrypt = frame_decrypt,
  .parse_header = frame_parse_header,
};

#define GST_E2EE_LAYOUT_REGISTER(name) &gst_e2ee_layout_ops_##name,
static const GstE2eeLayoutOps *const layouts[] = {
#include "gste2eelayout-registry.h"
};
#undef GST_E2EE_LAYOUT_REGISTER

/* Returns: the ops of @codec, or NULL for a value no layout has. */
static const GstE2eeLayoutOps *
lookup (GstE2eeLayoutCodec codec)
{
  guint i;

  if (codec == GST_E2EE_LAYOUT_CODEC_NONE)
    return &frame_ops;
  for (i = 0; i < G_N_ELEMENTS (layouts); i++) {
    if (layouts[i]->codec == codec)
      return layouts[i];
  }
  return NULL;
}

/* ---- Public API --------------------------------------------------------- */

static gboolean
buffers_overlap (const guint8 * a, gsize a_size, const guint8 * b, gsize b_size)
{
  return a_size > 0 && b_size > 0 && a < b + b_size && b < a + a_size;
}

/**
 * gst_e2ee_layout_codec_from_caps:
 * @caps: fixed caps of the unencrypted stream; for `application/x-sframe` caps the
 *   `original-media-type` field names the media type
 *
 * The codec layout that `layout=auto` picks: VP8 for `video/x-vp8`, VP9 for
 * `video/x-vp9`, Opus for `audio/x-opus`, H.264 and H.265 for `video/x-h264` and
 * `video/x-h265` with `stream-format=byte-stream` and an alignment other than `nal`.
 *
 * Every other stream gets %GST_E2EE_LAYOUT_CODEC_NONE, the whole-frame layout: AVC/HEVC
 * length-prefixed streams (stream-format avc, avc3, hvc1, hev1; put h264parse or
 * h265parse before the encryptor to get byte-stream), and NAL-aligned byte-streams, since
 * a receiving depayloader regroups NAL units into access units and so could not give the
 * decryptor back the frames that were encrypted.
 *
 * Returns: the codec layout for @caps.
 *
 * Since: 0.1
 */
GstE2eeLayoutCodec
gst_e2ee_layout_codec_from_caps (const GstCaps * caps)
{
  const GstStructure *s;
  const gchar *name;
  guint i;

  if (caps == NULL || gst_caps_is_empty (caps) || gst_caps_is_any (caps))
    return GST_E2EE_LAYOUT_CODEC_NONE;
  s = gst_caps_get_structure (caps, 0);
  name = gst_structure_get_name (s);
  if (g_strcmp0 (name, "application/x-sframe") == 0) {
    name = gst_structure_get_string (s, "original-media-type");
    if (name == NULL)
      return GST_E2EE_LAYOUT_CODEC_NONE;
  }

  for (i = 0; i < G_N_ELEMENTS (layouts); i++) {
    if (strcmp (name, layouts[i]->media_type) == 0)
      return layouts[i]->accepts == NULL || layouts[i]->accepts (s) ? layouts[i]->codec :
          GST_E2EE_LAYOUT_CODEC_NONE;
  }
  return GST_E2EE_LAYOUT_CODEC_NONE;
}

/**
 * gst_e2ee_layout_get_caps:
 *
 * The streams that have a codec layout, one structure per codec, as `layout=auto`
 * intersects a stream's caps with them: every structure here gets a codec layout from
 * gst_e2ee_layout_codec_from_caps() when fixed.
 *
 * Returns: (transfer full): the caps of the codec layouts
 *
 * Since: 0.1
 */
GstCaps *
gst_e2ee_layout_get_caps (void)
{
  GstCaps *caps = gst_caps_new_empty ();
  guint i;

  for (i = 0; i < G_N_ELEMENTS (layouts); i++)
    gst_caps_append (caps, gst_caps_from_string (layouts[i]->caps));
  return caps;
}

/**
 * gst_e2ee_layout_get_max_size:
 * @codec: a #GstE2eeLayoutCodec
 * @key: the key that will encrypt
 * @in_size: the size of the frame to encrypt
 *
 * The output size that is always enough for gst_e2ee_layout_encrypt(): the frame, the
 * largest SFrame header and the tag, and for H.264/H.265 the worst case of the escaping
 * and of the NAL unit that carries the header and tag of a frame with nothing to
 * encrypt (about twice @in_size; real frames grow by a few bytes).
 *
 * Returns: the size, or 0 if @in_size exceeds what the layout supports (4 GiB - 1).
 *
 * Since: 0.1
 */
gsize
gst_e2ee_layout_get_max_size (GstE2eeLayoutCodec codec, const GstE2eeSFrameKey * key,
    gsize in_size)
{
  const GstE2eeLayoutOps *ops = lookup (codec);

  g_return_val_if_fail (key != NULL, 0);
  g_return_val_if_fail (ops != NULL, 0);

  if (in_size > G_MAXUINT32)
    return 0;
  return ops->max_size (ops, key, in_size);
}

/* The argument checks encrypt and decrypt share: the length fields are 32-bit and
 * the transforms write @out while still reading @in. */
static gboolean
check_in_out (const guint8 * in, gsize in_size, const guint8 * out, gsize out_size,
    GError ** error)
{
  if (in_size > G_MAXUINT32) {
    g_set_error (error, GST_E2EE_SFRAME_ERROR, GST_E2EE_SFRAME_ERROR_INVALID_ARGUMENT,
        "frame of %" G_GSIZE_FORMAT " bytes is too large", in_size);
    return FALSE;
  }
  if (buffers_overlap (in, in_size, out, out_size)) {
    g_set_error_literal (error, GST_E2EE_SFRAME_ERROR,
        GST_E2EE_SFRAME_ERROR_INVALID_ARGUMENT, "output overlaps the input");
    return FALSE;
  }
  return TRUE;
}

/**
 * gst_e2ee_layout_encrypt:
 * @key: a #GstE2eeSFrameKey; its next counter is used
 * @codec: the layout
 * @in: (array length=in_size): the frame
 * @in_size: its size
 * @out: (out caller-allocates) (array length=out_size): where to write the encrypted
 *   frame; it must not overlap @in
 * @out_size: the size of @out; gst_e2ee_layout_get_max_size() is always enough
 * @out_len: (out): the size of the encrypted frame
 * @ctr_used: (out) (optional): the counter the frame was encrypted with
 * @error: return location for a #GError
 *
 * Encrypts one frame with the layout of @codec (see docs/layout.md): the clear bytes
 * stay where they are, the rest is encrypted, and the clear bytes are authenticated
 * with it. %GST_E2EE_LAYOUT_CODEC_NONE is gst_e2ee_sframe_key_encrypt() without
 * metadata.
 *
 * Errors: %GST_E2EE_LAYOUT_ERROR_MALFORMED_FRAME if @in is not a frame of @codec as far
 * as the layout reads it; the #GstE2eeSFrameError codes of gst_e2ee_sframe_key_encrypt(),
 * with %GST_E2EE_SFRAME_ERROR_INVALID_ARGUMENT also for an @out that is too small or
 * overlaps @in. No counter is used by a frame that fails.
 *
 * Returns: %TRUE if the frame was encrypted.
 *
 * Since: 0.1
 */
gboolean
gst_e2ee_layout_encrypt (GstE2eeSFrameKey * key, GstE2eeLayoutCodec codec,
    const guint8 * in, gsize in_size, guint8 * out, gsize out_size, gsize * out_len,
    guint64 * ctr_used, GError ** error)
{
  const GstE2eeLayoutOps *ops = lookup (codec);

  g_return_val_if_fail (key != NULL, FALSE);
  g_return_val_if_fail (ops != NULL, FALSE);
  g_return_val_if_fail (in != NULL || in_size == 0, FALSE);
  g_return_val_if_fail (out != NULL, FALSE);
  g_return_val_if_fail (out_len != NULL, FALSE);

  if (!check_in_out (in, in_size, out, out_size, error))
    return FALSE;

  return ops->encrypt (ops, key, in, in_size, out, out_size, out_len, ctr_used, error);
}

/**
 * gst_e2ee_layout_parse_header:
 * @codec: the layout
 * @frame: (array length=frame_size): an encrypted frame
 * @frame_size: its size
 * @kid: (out) (optional): the frame's key ID
 * @ctr: (out) (optional): the frame's counter
 * @error: return location for a #GError
 *
 * Finds and reads the SFrame header of a frame encrypted with the layout of @codec, so
 * that a receiver can look up the key for the KID before decrypting. Nothing is
 * authenticated yet.
 *
 * Returns: %TRUE if the layout and the header parsed; otherwise @error holds
 *   %GST_E2EE_SFRAME_ERROR_MALFORMED_HEADER.
 *
 * Since: 0.1
 */
gboolean
gst_e2ee_layout_parse_header (GstE2eeLayoutCodec codec, const guint8 * frame,
    gsize frame_size, guint64 * kid, guint64 * ctr, GError ** error)
{
  const GstE2eeLayoutOps *ops = lookup (codec);

  g_return_val_if_fail (ops != NULL, FALSE);
  g_return_val_if_fail (frame != NULL || frame_size == 0, FALSE);

  return ops->parse_header (ops, frame, frame_size, kid, ctr, error);
}

/**
 * gst_e2ee_layout_is_clear_only:
 * @codec: the layout the sender used
 * @frame: (array length=frame_size): a received frame
 * @frame_size: its size
 *
 * Tells apart a received H.264/H.265 access unit that holds only NAL units the layout
 * leaves in the clear (parameter sets, access unit delimiters, end of sequence or
 * stream) from a damaged or forged frame. Such an access unit carries no SFrame header
 * and nothing to authenticate, so it must not be decoded either; but it is no sign of
 * loss or tampering: `rtph264pay` and `rtph265pay` send the parameter sets on their own
 * ahead of a key frame when the encoder forwards a force-key-unit event with
 * all-headers, and the depayloader makes an access unit of them. The authenticated
 * copies of the parameter sets travel inside the key frame itself.
 *
 * Returns: %TRUE if @codec is H.264 or H.265 and @frame is a well-formed access unit
 *   without any NAL unit the layout encrypts.
 *
 * Since: 0.1
 */
gboolean
gst_e2ee_layout_is_clear_only (GstE2eeLayoutCodec codec, const guint8 * frame,
    gsize frame_size)
{
  const GstE2eeLayoutOps *ops;

  g_return_val_if_fail (frame != NULL || frame_size == 0, FALSE);

  ops = lookup (codec);
  return ops != NULL && ops->is_clear_only != NULL &&
      ops->is_clear_only (ops, frame, frame_size);
}

/**
 * gst_e2ee_layout_decrypt:
 * @key: the #GstE2eeSFrameKey of the frame's KID (see gst_e2ee_layout_parse_header())
 * @codec: the layout the sender used
 * @in: (array length=in_size): the encrypted frame
 * @in_size: its size
 * @out: (out caller-allocates) (array length=out_size): where to write the frame; it
 *   must not overlap @in
 * @out_size: the size of @out; @in_size is always enough
 * @out_len: (out): the size of the decrypted frame
 * @ctr: (out) (optional): the frame's counter
 * @error: return location for a #GError
 *
 * Checks and decrypts one frame encrypted with gst_e2ee_layout_encrypt(), as
 * gst_e2ee_layout_decrypt_full() without the count of removed NAL units.
 *
 * Returns: %TRUE if the frame authenticated.
 *
 * Since: 0.1
 */
gboolean
gst_e2ee_layout_decrypt (GstE2eeSFrameKey * key, GstE2eeLayoutCodec codec,
    const guint8 * in, gsize in_size, guint8 * out, gsize out_size, gsize * out_len,
    guint64 * ctr, GError ** error)
{
  return gst_e2ee_layout_decrypt_full (key, codec, in, in_size, out, out_size, out_len,
      ctr, NULL, error);
}

/**
 * gst_e2ee_layout_decrypt_full:
 * @key: the #GstE2eeSFrameKey of the frame's KID (see gst_e2ee_layout_parse_header())
 * @codec: the layout the sender used
 * @in: (array length=in_size): the encrypted frame
 * @in_size: its size
 * @out: (out caller-allocates) (array length=out_size): where to write the frame; it
 *   must not overlap @in
 * @out_size: the size of @out; @in_size is always enough
 * @out_len: (out): the size of the decrypted frame
 * @ctr: (out) (optional): the frame's counter
 * @removed: (out) (optional): how many NAL units of @in are not in the output
 *   (H.264/H.265: access unit delimiters, end of sequence/stream NAL units and copies
 *   of parameter sets; 0 for the other codecs)
 * @error: return location for a #GError
 *
 * Checks and decrypts one frame encrypted with gst_e2ee_layout_encrypt(). The result is
 * the sender's frame, made only of what the tag authenticated. For H.264/H.265 that is
 * each distinct parameter set once, first, then every other NAL unit of the sender in
 * order, each after the 3- or 4-byte start code it came with: access unit delimiters,
 * end of sequence/stream NAL units and further parameter-set copies are not
 * authenticated (RTP payloaders and depayloaders add, drop and move them, see
 * docs/layout.md), so they are removed, whoever added them. On failure @out holds no
 * plaintext and @out_len is not set.
 *
 * Errors (#GST_E2EE_SFRAME_ERROR): %GST_E2EE_SFRAME_ERROR_MALFORMED_HEADER if the layout
 * or the SFrame header does not parse, %GST_E2EE_SFRAME_ERROR_TRUNCATED,
 * %GST_E2EE_SFRAME_ERROR_UNKNOWN_KID, %GST_E2EE_SFRAME_ERROR_AUTHENTICATION,
 * %GST_E2EE_SFRAME_ERROR_INVALID_ARGUMENT for an @out that is too small or overlaps @in.
 *
 * Returns: %TRUE if the frame authenticated.
 *
 * Since: 0.1
 */
gboolean
gst_e2ee_layout_decrypt_full (GstE2eeSFrameKey * key, GstE2eeLayoutCodec codec,
    const guint8 * in, gsize in_size, guint8 * out, gsize out_size, gsize * out_len,
    guint64 * ctr, guint * removed, GError ** error)
{
  const GstE2eeLayoutOps *ops = lookup (codec);

  g_return_val_if_fail (key != NULL, FALSE);
  g_return_val_if_fail (ops != NULL, FALSE);
  g_return_val_if_fail (in != NULL || in_size == 0, FALSE);
  g_return_val_if_fail (out != NULL, FALSE);
  g_return_val_if_fail (out_len != NULL, FALSE);

  if (removed)
    *removed = 0;
  if (!check_in_out (in, in_size, out, out_size, error))
    return FALSE;

  return ops->decrypt (ops, key, in, in_size, out, out_size, out_len, ctr, removed,
      error);
}

/**
 * gst_e2ee_layout_is_continuation:
 * @codec: the layout the sender used
 * @frame: (array length=frame_size): a received frame
 * @frame_size: its size
 *
 * Tells whether a received H.264/H.265 access unit is the rest of a frame rather than
 * a frame: its first slice does not start a picture (first_mb_in_slice is not 0,
 * first_slice_segment_in_pic_flag is 0; the layout leaves both clear). `rtph264depay`
 * ends an access unit at every parameter set that follows a slice, so with
 * `rtph264pay config-interval=-1`, which inserts the parameter sets before every IDR
 * slice, an IDR frame of several slices reaches the receiver in pieces, all with the
 * frame's timestamp. Joined in order, they decrypt (see docs/layout.md).
 *
 * Returns: %TRUE if @codec is H.264 or H.265 and the first slice of @frame does not
 *   start a picture.
 *
 * Since: 0.1
 */
gboolean
gst_e2ee_layout_is_continuation (GstE2eeLayoutCodec codec, const guint8 * frame,
    gsize frame_size)
{
  const GstE2eeLayoutOps *ops;

  g_return_val_if_fail (frame != NULL || frame_size == 0, FALSE);

  ops = lookup (codec);
  return ops != NULL && ops->is_continuation != NULL &&
      ops->is_continuation (ops, frame, frame_size);
}

/**
 * gst_e2ee_layout_encrypt_bytes:
 * @key: a #GstE2eeSFrameKey
 * @codec: the layout
 * @frame: the frame
 * @error: return location for a #GError
 *
 * gst_e2ee_layout_encrypt() for bindings: allocates the result.
 *
 * Returns: (transfer full) (nullable): the encrypted frame, or %NULL on error.
 *
 * Since: 0.1
 */
GBytes *
gst_e2ee_layout_encrypt_bytes (GstE2eeSFrameKey * key, GstE2eeLayoutCodec codec,
    GBytes * frame, GError ** error)
{
  const guint8 *data;
  gsize size, max, len;
  guint8 *out;

  g_return_val_if_fail (key != NULL, NULL);
  g_return_val_if_fail (lookup (codec) != NULL, NULL);
  g_return_val_if_fail (frame != NULL, NULL);

  data = g_bytes_get_data (frame, &size);
  max = gst_e2ee_layout_get_max_size (codec, key, size);
  if (max == 0) {
    g_set_error (error, GST_E2EE_SFRAME_ERROR, GST_E2EE_SFRAME_ERROR_INVALID_ARGUMENT,
        "frame of %" G_GSIZE_FORMAT " bytes is too large", size);
    return NULL;
  }
  out = g_malloc (max);
  if (!gst_e2ee_layout_encrypt (key, codec, data, size, out, max, &len, NULL, error)) {
    g_free (out);
    return NULL;
  }
  return g_bytes_new_take (g_realloc (out, MAX (len, 1)), len);
}

/**
 * gst_e2ee_layout_decrypt_bytes:
 * @key: the #GstE2eeSFrameKey of the frame's KID
 * @codec: the layout the sender used
 * @frame: the encrypted frame
 * @error: return location for a #GError
 *
 * gst_e2ee_layout_decrypt() for bindings: allocates the result.
 *
 * Returns: (transfer full) (nullable): the decrypted frame, or %NULL on error.
 *
 * Since: 0.1
 */
GBytes *
gst_e2ee_layout_decrypt_bytes (GstE2eeSFrameKey * key, GstE2eeLayoutCodec codec,
    GBytes * frame, GError ** error)
{
  const guint8 *data;
  gsize size, len;
  guint8 *out;

  g_return_val_if_fail (key != NULL, NULL);
  g_return_val_if_fail (lookup (codec) != NULL, NULL);
  g_return_val_if_fail (frame != NULL, NULL);

  data = g_bytes_get_data (frame, &size);
  out = g_malloc (MAX (size, 1));
  if (!gst_e2ee_layout_decrypt (key, codec, data, size, out, size, &len, NULL, error)) {
    g_free (out);
    return NULL;
  }
  return g_bytes_new_take (g_realloc (out, MAX (len, 1)), len);
}
