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

G_GNUC_INTERNAL gsize    layout_h26x_get_max_size (const GstE2eeSFrameKey * key,
                                                   gsize in_size);

G_GNUC_INTERNAL gboolean layout_h26x_encrypt (GstE2eeSFrameKey * key, gboolean h265,
                                              const guint8 * in, gsize in_size,
                                              guint8 * out, gsize out_size,
                                              gsize * out_len, guint64 * ctr_used,
                                              GError ** error);

G_GNUC_INTERNAL gboolean layout_h26x_parse_header (gboolean h265, const guint8 * frame,
                                                   gsize frame_size, guint64 * kid,
                                                   guint64 * ctr, GError ** error);

G_GNUC_INTERNAL gboolean layout_h26x_is_clear_only (gboolean h265, const guint8 * frame,
                                                    gsize frame_size);

G_GNUC_INTERNAL gboolean layout_h26x_decrypt (GstE2eeSFrameKey * key, gboolean h265,
                                              const guint8 * in, gsize in_size,
                                              guint8 * out, gsize out_size,
                                              gsize * out_len, guint64 * ctr,
                                              guint * removed, GError ** error);

G_GNUC_INTERNAL gboolean layout_h26x_is_continuation (gboolean h265,
                                                      const guint8 * frame,
                                                      gsize frame_size);

G_END_DECLS
