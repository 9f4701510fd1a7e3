/* gst-e2ee: buffer access and recycling for the per-frame paths of e2eeenc/e2eedec
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <gst/gst.h>

G_BEGIN_DECLS

/* A map of a whole buffer. A buffer of one memory (nearly every frame) has that memory
 * mapped directly: gst_buffer_map() would also take and drop a reference on it and
 * re-check the buffer, which costs as much as a small frame's AES. */
typedef struct {
  GstMapInfo info;
  GstBuffer *buffer;
  gboolean direct;              /* info maps the buffer's only memory */
} GstE2eeBufferMap;

gboolean    gst_e2ee_buffer_map (GstBuffer *buffer, GstE2eeBufferMap *map, GstMapFlags flags);
void        gst_e2ee_buffer_unmap (GstE2eeBufferMap *map);
void        gst_e2ee_buffer_set_range (GstE2eeBufferMap *map, gsize offset, gsize size);
gboolean    gst_e2ee_buffer_has_room (GstBuffer *buffer, gsize before, gsize after);
gboolean    gst_e2ee_buffer_map_whole (GstBuffer *buffer, GstE2eeBufferMap *map, gsize *offset);

/* GstE2eePool: e2eeenc's output buffers. */
#define GST_E2EE_TYPE_POOL (gst_e2ee_pool_get_type ())
G_DECLARE_FINAL_TYPE (GstE2eePool, gst_e2ee_pool, GST, E2EE_POOL, GstBufferPool)

GstBufferPool * gst_e2ee_pool_new (void);

/* e2eedec: a frame whose memory another buffer shares, copied into a pool's buffer. */
typedef struct {
  GstBufferPool *pool;
  gsize size;                   /* of the pool's buffers */
} GstE2eeCopyPool;

gboolean    gst_e2ee_buffer_is_owned (GstBuffer *buffer);
GstBuffer * gst_e2ee_copy_pool_copy (GstE2eeCopyPool *cp, GstBuffer *buffer);
void        gst_e2ee_copy_pool_clear (GstE2eeCopyPool *cp);

G_END_DECLS
