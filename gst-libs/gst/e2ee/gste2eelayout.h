/* gst-e2ee: codec-aware SFrame layout
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <gst/e2ee/e2ee-prelude.h>
#include <gst/e2ee/gste2eesframe.h>

G_BEGIN_DECLS

/**
 * GstE2eeLayoutCodec:
 * @GST_E2EE_LAYOUT_CODEC_NONE: no codec layout: the whole frame is encrypted as one
 *   RFC 9605 SFrame frame (`header || ciphertext || tag`, no metadata).
 * @GST_E2EE_LAYOUT_CODEC_VP8: VP8 (RFC 6386): the frame tag, and on key frames the start
 *   code and dimensions, stay in the clear (10 bytes on key frames, 3 on others).
 * @GST_E2EE_LAYOUT_CODEC_VP9: VP9: the start of the uncompressed header stays in the
 *   clear, through the frame size and render size on key frames.
 * @GST_E2EE_LAYOUT_CODEC_H264: H.264 in byte-stream format (Annex B): start codes, NAL
 *   unit headers, parameter sets, access unit delimiters and the first slice header
 *   fields (first_mb_in_slice, slice_type, pic_parameter_set_id) stay in the clear; the
 *   rest of every other NAL unit is encrypted and escaped so that it never contains a
 *   start code.
 * @GST_E2EE_LAYOUT_CODEC_H265: H.265 in byte-stream format, as for H.264 (slice fields
 *   first_slice_segment_in_pic_flag, no_output_of_prior_pics_flag,
 *   slice_pic_parameter_set_id).
 * @GST_E2EE_LAYOUT_CODEC_OPUS: Opus (RFC 6716): the TOC byte stays in the clear.
 *
 * How a frame is split into bytes left in the clear, for RTP payloaders, forwarding
 * servers and decoders, and bytes encrypted. docs/layout.md specifies each layout to
 * the byte.
 *
 * Since: 0.1
 */
typedef enum {
  GST_E2EE_LAYOUT_CODEC_NONE = 0,
  GST_E2EE_LAYOUT_CODEC_VP8 = 1,
  GST_E2EE_LAYOUT_CODEC_VP9 = 2,
  GST_E2EE_LAYOUT_CODEC_H264 = 3,
  GST_E2EE_LAYOUT_CODEC_H265 = 4,
  GST_E2EE_LAYOUT_CODEC_OPUS = 5,
} GstE2eeLayoutCodec;

/**
 * GST_E2EE_LAYOUT_ERROR:
 *
 * The error domain for frames the sender cannot lay out; codes are #GstE2eeLayoutError.
 * Failures on the receiving side use #GST_E2EE_SFRAME_ERROR, as for whole frames.
 *
 * Since: 0.1
 */
#define GST_E2EE_LAYOUT_ERROR (gst_e2ee_layout_error_quark ())

/**
 * GstE2eeLayoutError:
 * @GST_E2EE_LAYOUT_ERROR_MALFORMED_FRAME: the frame to encrypt is not a well-formed
 *   frame of the codec as far as the layout reads it: a VP8 frame shorter than its frame
 *   tag or a key frame without the start code, a VP9 frame without the frame marker or
 *   sync code, an H.264/H.265 frame that does not start with a start code or holds an
 *   empty NAL unit, a NAL unit shorter than its header or a slice shorter than its first
 *   header fields, an empty Opus packet.
 *
 * Since: 0.1
 */
typedef enum {
  GST_E2EE_LAYOUT_ERROR_MALFORMED_FRAME,
} GstE2eeLayoutError;

GST_E2EE_API
GQuark             gst_e2ee_layout_error_quark (void);

GST_E2EE_API
GstE2eeLayoutCodec gst_e2ee_layout_codec_from_caps (const GstCaps *caps);

GST_E2EE_API
GstCaps *          gst_e2ee_layout_get_caps (void);

GST_E2EE_API
gsize              gst_e2ee_layout_get_max_size (GstE2eeLayoutCodec codec,
                                                 const GstE2eeSFrameKey *key,
                                                 gsize in_size);

GST_E2EE_API
gboolean           gst_e2ee_layout_encrypt (GstE2eeSFrameKey *key, GstE2eeLayoutCodec codec,
                                            const guint8 *in, gsize in_size,
                                            guint8 *out, gsize out_size, gsize *out_len,
                                            guint64 *ctr_used, GError **error);

GST_E2EE_API
gboolean           gst_e2ee_layout_is_clear_only (GstE2eeLayoutCodec codec,
                                                  const guint8 *frame, gsize frame_size);

GST_E2EE_API
gboolean           gst_e2ee_layout_parse_header (GstE2eeLayoutCodec codec,
                                                 const guint8 *frame, gsize frame_size,
                                                 guint64 *kid, guint64 *ctr,
                                                 GError **error);

GST_E2EE_API
gboolean           gst_e2ee_layout_decrypt (GstE2eeSFrameKey *key, GstE2eeLayoutCodec codec,
                                            const guint8 *in, gsize in_size,
                                            guint8 *out, gsize out_size, gsize *out_len,
                                            guint64 *ctr, GError **error);

GST_E2EE_API
gboolean           gst_e2ee_layout_decrypt_full (GstE2eeSFrameKey *key,
                                                 GstE2eeLayoutCodec codec,
                                                 const guint8 *in, gsize in_size,
                                                 guint8 *out, gsize out_size,
                                                 gsize *out_len, guint64 *ctr,
                                                 guint *removed, GError **error);

GST_E2EE_API
gboolean           gst_e2ee_layout_is_continuation (GstE2eeLayoutCodec codec,
                                                    const guint8 *frame,
                                                    gsize frame_size);

GST_E2EE_API
GBytes *           gst_e2ee_layout_encrypt_bytes (GstE2eeSFrameKey *key,
                                                  GstE2eeLayoutCodec codec,
                                                  GBytes *frame, GError **error);

GST_E2EE_API
GBytes *           gst_e2ee_layout_decrypt_bytes (GstE2eeSFrameKey *key,
                                                  GstE2eeLayoutCodec codec,
                                                  GBytes *frame, GError **error);

G_END_DECLS
