/* gst-e2ee: codec-aware SFrame layout, internals shared by gste2eelayout*.c.
 * Not installed and not part of the GIR.
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <gst/e2ee/gste2eelayout.h>

G_BEGIN_DECLS

/* The metadata (RFC 9605 "metadata", authenticated with the header) is built in a
 * buffer on the stack when it fits, which it does for every frame but ones carrying
 * unusually many or large parameter sets. */
#define LAYOUT_METADATA_STACK_SIZE 1024

typedef struct
{
  guint8 stack[LAYOUT_METADATA_STACK_SIZE];
  guint8 *data;
  gsize len, cap;
} LayoutMetadata;

G_GNUC_INTERNAL void     layout_metadata_init (LayoutMetadata * m);
G_GNUC_INTERNAL void     layout_metadata_clear (LayoutMetadata * m);
G_GNUC_INTERNAL void     layout_metadata_put_u32 (LayoutMetadata * m, guint32 v);
G_GNUC_INTERNAL void     layout_metadata_put (LayoutMetadata * m, const guint8 * data,
                                              gsize len);

/* ---- One codec layout ----------------------------------------------------------
 * Each codec layout is one file (gste2eelayout-NAME.c) defining one
 * `const GstE2eeLayoutOps gst_e2ee_layout_ops_NAME`, and one line in
 * gste2eelayout-registry.h. Everything else (gst_e2ee_layout_codec_from_caps(), the caps
 * list, the dispatch, the elements' messages) reads the registry. */

typedef struct _GstE2eeLayoutOps GstE2eeLayoutOps;

struct _GstE2eeLayoutOps
{
  GstE2eeLayoutCodec codec;
  const gchar *name;            /* for messages: "VP8" */
  const gchar *media_type;      /* the caps' structure name */
  /* The caps a codec layout is chosen for, as layout=auto intersects them. */
  const gchar *caps;
  /* Optional: whether a structure named media_type has a form the layout reads. */
  gboolean (*accepts) (const GstStructure * s);

  /* The clear prefix of a frame: NULL and its size, or why the frame does not parse.
   * Set for the prefix codecs, which then use the gst_e2ee_layout_prefix_*() ops. */
  const gchar * (*clear_size) (const guint8 * d, gsize size, gsize * n);

  gsize (*max_size) (const GstE2eeLayoutOps * ops, const GstE2eeSFrameKey * key,
      gsize in_size);
  gboolean (*encrypt) (const GstE2eeLayoutOps * ops, GstE2eeSFrameKey * key,
      const guint8 * in, gsize in_size, guint8 * out, gsize out_size, gsize * out_len,
      guint64 * ctr_used, GError ** error);
  gboolean (*decrypt) (const GstE2eeLayoutOps * ops, GstE2eeSFrameKey * key,
      const guint8 * in, gsize in_size, guint8 * out, gsize out_size, gsize * out_len,
      guint64 * ctr, guint * removed, GError ** error);
  gboolean (*parse_header) (const GstE2eeLayoutOps * ops, const guint8 * frame,
      gsize frame_size, guint64 * kid, guint64 * ctr, GError ** error);
  /* Optional (NULL: never). */
  gboolean (*is_clear_only) (const GstE2eeLayoutOps * ops, const guint8 * frame,
      gsize frame_size);
  gboolean (*is_continuation) (const GstE2eeLayoutOps * ops, const guint8 * frame,
      gsize frame_size);
};

#define GST_E2EE_LAYOUT_REGISTER(name) \
  G_GNUC_INTERNAL extern const GstE2eeLayoutOps gst_e2ee_layout_ops_##name;
#include "gste2eelayout-registry.h"
#undef GST_E2EE_LAYOUT_REGISTER

/* The ops of a prefix codec (a clear prefix, then whole-frame SFrame): gste2eelayout-prefix.c */
G_GNUC_INTERNAL gsize    gst_e2ee_layout_prefix_max_size (const GstE2eeLayoutOps * ops,
                                                          const GstE2eeSFrameKey * key,
                                                          gsize in_size);
G_GNUC_INTERNAL gboolean gst_e2ee_layout_prefix_encrypt (const GstE2eeLayoutOps * ops,
                                                         GstE2eeSFrameKey * key,
                                                         const guint8 * in, gsize in_size,
                                                         guint8 * out, gsize out_size,
                                                         gsize * out_len,
                                                         guint64 * ctr_used,
                                                         GError ** error);
G_GNUC_INTERNAL gboolean gst_e2ee_layout_prefix_decrypt (const GstE2eeLayoutOps * ops,
                                                         GstE2eeSFrameKey * key,
                                                         const guint8 * in, gsize in_size,
                                                         guint8 * out, gsize out_size,
                                                         gsize * out_len, guint64 * ctr,
                                                         guint * removed, GError ** error);
G_GNUC_INTERNAL gboolean gst_e2ee_layout_prefix_parse_header (const GstE2eeLayoutOps * ops,
                                                              const guint8 * frame,
                                                              gsize frame_size,
                                                              guint64 * kid, guint64 * ctr,
                                                              GError ** error);

/* The largest clear prefix of the prefix codecs: a VP9 profile 2/3 key frame header
 * through the render size is 106 bits. */
#define GST_E2EE_LAYOUT_PREFIX_MAX 16

/* The H.264 and H.265 byte-stream engine: gste2eelayout-h26x.c */
G_GNUC_INTERNAL gsize    layout_h26x_get_max_size (const GstE2eeLayoutOps * ops,
                                                   const GstE2eeSFrameKey * key,
                                                   gsize in_size);
G_GNUC_INTERNAL gboolean layout_h26x_accepts (const GstStructure * s);
G_GNUC_INTERNAL gboolean layout_h26x_encrypt (const GstE2eeLayoutOps * ops,
                                              GstE2eeSFrameKey * key,
                                              const guint8 * in, gsize in_size,
                                              guint8 * out, gsize out_size,
                                              gsize * out_len, guint64 * ctr_used,
                                              GError ** error);
G_GNUC_INTERNAL gboolean layout_h26x_parse_header (const GstE2eeLayoutOps * ops,
                                                   const guint8 * frame,
                                                   gsize frame_size, guint64 * kid,
                                                   guint64 * ctr, GError ** error);
G_GNUC_INTERNAL gboolean layout_h26x_is_clear_only (const GstE2eeLayoutOps * ops,
                                                    const guint8 * frame,
                                                    gsize frame_size);
G_GNUC_INTERNAL gboolean layout_h26x_decrypt (const GstE2eeLayoutOps * ops,
                                              GstE2eeSFrameKey * key,
                                              const guint8 * in, gsize in_size,
                                              guint8 * out, gsize out_size,
                                              gsize * out_len, guint64 * ctr,
                                              guint * removed, GError ** error);
G_GNUC_INTERNAL gboolean layout_h26x_is_continuation (const GstE2eeLayoutOps * ops,
                                                      const guint8 * frame,
                                                      gsize frame_size);

G_END_DECLS
