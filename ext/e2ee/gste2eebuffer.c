/* gst-e2ee: buffer access and recycling for the per-frame paths of e2eeenc/e2eedec
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * At 1,200-byte frames AES-GCM costs about as much as GStreamer's generic buffer
 * bookkeeping around it (docs/performance.md), so the two elements skip what that
 * bookkeeping re-checks for the buffers they know: one memory, held by one buffer.
 */

#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "gste2eebuffer.h"

/* gst_memory_resize() for a memory known to be writable: what it does, without its
 * gst_memory_is_writable() check (a walk up to the buffer, about 100 instructions),
 * for the two callers below that proved it. */
static inline void
memory_resize_owned (GstMemory * mem, gssize offset, gsize size)
{
  g_assert (offset >= 0 || mem->offset >= (gsize) - offset);
  g_assert (size + mem->offset + offset <= mem->maxsize);
  /* As gst_memory_resize(): a grown prefix or padding may no longer be zeros. */
  if (offset > 0)
    GST_MEMORY_FLAG_UNSET (mem, GST_MEMORY_FLAG_ZERO_PREFIXED);
  if (offset + size < mem->size)
    GST_MEMORY_FLAG_UNSET (mem, GST_MEMORY_FLAG_ZERO_PADDED);
  mem->offset += offset;
  mem->size = size;
}

/* @flags with GST_MAP_WRITE: @buffer must be writable (the caller's, or the one the
 * base class made writable for an in-place transform). */
gboolean
gst_e2ee_buffer_map (GstBuffer * buffer, GstE2eeBufferMap * map, GstMapFlags flags)
{
  map->buffer = buffer;
  /* A memory shared with another buffer refuses a write map; gst_buffer_map() then
   * gives the buffer a copy of its own, as it always did. */
  if (gst_buffer_n_memory (buffer) == 1 &&
      gst_memory_map (gst_buffer_peek_memory (buffer, 0), &map->info, flags)) {
    map->direct = TRUE;
    return TRUE;
  }
  map->direct = FALSE;
  return gst_buffer_map (buffer, &map->info, flags);
}

void
gst_e2ee_buffer_unmap (GstE2eeBufferMap * map)
{
  if (map->direct)
    gst_memory_unmap (map->info.memory, &map->info);
  else
    gst_buffer_unmap (map->buffer, &map->info);
}

/* After a write map was released: cuts the buffer to @size bytes from @offset of what
 * was mapped. A direct write map proved the memory is this buffer's alone (the
 * exclusive lock a write map takes fails on a memory another buffer shares), and the
 * caller's buffer is writable, so it is resized as it is, without the checks of
 * gst_buffer_resize() and gst_memory_resize(). */
void
gst_e2ee_buffer_set_range (GstE2eeBufferMap * map, gsize offset, gsize size)
{
  if (map->direct && (map->info.flags & GST_MAP_WRITE))
    memory_resize_owned (map->info.memory, offset, size);
  else
    gst_buffer_resize (map->buffer, offset, size);
}

/* e2eeenc encrypts a frame where it lies when upstream left room around it (the
 * allocation parameters e2eeenc proposes): the buffer must be writable, of one memory
 * that no other buffer shares (a shared memory's prefix and padding may be another
 * buffer's bytes), with @before bytes of prefix and @after of padding. */
gboolean
gst_e2ee_buffer_has_room (GstBuffer * buffer, gsize before, gsize after)
{
  GstMemory *mem;

  if (gst_buffer_n_memory (buffer) != 1 || !gst_buffer_is_writable (buffer))
    return FALSE;
  mem = gst_buffer_peek_memory (buffer, 0);
  return !GST_MEMORY_IS_READONLY (mem) && !GST_MEMORY_IS_NOT_MAPPABLE (mem) &&
      gst_memory_is_writable (mem) && mem->offset >= before &&
      mem->maxsize - mem->offset - mem->size >= after;
}

/* Maps all of the only memory of @buffer, which passed gst_e2ee_buffer_has_room(),
 * prefix and padding included, for writing; *@offset says where the buffer's bytes
 * start in it. gst_e2ee_buffer_set_range() then sets what the buffer holds. */
gboolean
gst_e2ee_buffer_map_whole (GstBuffer * buffer, GstE2eeBufferMap * map, gsize * offset)
{
  GstMemory *mem = gst_buffer_peek_memory (buffer, 0);
  gsize size = mem->size;

  *offset = mem->offset;
  memory_resize_owned (mem, -(gssize) mem->offset, mem->maxsize);
  map->buffer = buffer;
  map->direct = TRUE;
  if (gst_memory_map (mem, &map->info, GST_MAP_READWRITE))
    return TRUE;
  memory_resize_owned (mem, *offset, size);
  return FALSE;
}

/* ---- GstE2eePool ----------------------------------------------------------
 *
 * GstBufferPool resets a returned buffer with gst_buffer_resize() and checks it with
 * gst_buffer_is_all_memory_writable(): generic, and together more than a quarter of
 * what the two elements add to a 1,200-byte frame. This pool keeps the buffers that
 * come back whole (one memory nobody else holds) in a list of its own, restored with
 * one gst_memory_resize(); anything else goes through the base class, which discards
 * or keeps it by its own rules. Buffers still leave with flags, timestamps and
 * unpooled metas cleared, exactly as the base class clears them. */

struct _GstE2eePool
{
  GstBufferPool parent;

  GstAtomicQueue *free;         /* whole buffers ready to go out again */
  gsize size;                   /* of every buffer, from the config */
};

G_DEFINE_TYPE (GstE2eePool, gst_e2ee_pool, GST_TYPE_BUFFER_POOL);

static gboolean
gst_e2ee_pool_set_config (GstBufferPool * pool, GstStructure * config)
{
  GstE2eePool *self = GST_E2EE_POOL (pool);
  guint size;

  if (!gst_buffer_pool_config_get_params (config, NULL, &size, NULL, NULL))
    return FALSE;
  self->size = size;
  return GST_BUFFER_POOL_CLASS (gst_e2ee_pool_parent_class)->set_config (pool, config);
}

static GstFlowReturn
gst_e2ee_pool_acquire_buffer (GstBufferPool * pool, GstBuffer ** buffer,
    GstBufferPoolAcquireParams * params)
{
  GstE2eePool *self = (GstE2eePool *) pool;      /* per frame: no type check */

  if (G_LIKELY (!GST_BUFFER_POOL_IS_FLUSHING (pool)) &&
      (*buffer = gst_atomic_queue_pop (self->free)))
    return GST_FLOW_OK;
  /* Empty: the base class makes a new buffer (no maximum is configured). */
  return GST_BUFFER_POOL_CLASS (gst_e2ee_pool_parent_class)->acquire_buffer (pool,
      buffer, params);
}

static gboolean
remove_unpooled_meta (GstBuffer * buffer, GstMeta ** meta, gpointer user_data)
{
  if (!GST_META_FLAG_IS_SET (*meta, GST_META_FLAG_POOLED)) {
    GST_META_FLAG_UNSET (*meta, GST_META_FLAG_LOCKED);
    *meta = NULL;
  }
  return TRUE;
}

static void
gst_e2ee_pool_reset_buffer (GstBufferPool * pool, GstBuffer * buffer)
{
  gpointer state = NULL;

  GST_BUFFER_FLAGS (buffer) &= GST_BUFFER_FLAG_TAG_MEMORY;
  GST_BUFFER_PTS (buffer) = GST_CLOCK_TIME_NONE;
  GST_BUFFER_DTS (buffer) = GST_CLOCK_TIME_NONE;
  GST_BUFFER_DURATION (buffer) = GST_CLOCK_TIME_NONE;
  GST_BUFFER_OFFSET (buffer) = GST_BUFFER_OFFSET_NONE;
  GST_BUFFER_OFFSET_END (buffer) = GST_BUFFER_OFFSET_NONE;
  if (gst_buffer_iterate_meta (buffer, &state))
    gst_buffer_foreach_meta (buffer, remove_unpooled_meta, NULL);
}

static void
gst_e2ee_pool_release_buffer (GstBufferPool * pool, GstBuffer * buffer)
{
  GstE2eePool *self = (GstE2eePool *) pool;      /* per frame: no type check */
  GstMemory *mem;

  /* One memory with one reference (the buffer's) is nobody else's: no other buffer
   * shares it, so it can be written again, and resized without more checks. */
  if (G_LIKELY (!GST_BUFFER_FLAG_IS_SET (buffer, GST_BUFFER_FLAG_TAG_MEMORY) &&
          gst_buffer_n_memory (buffer) == 1)) {
    mem = gst_buffer_peek_memory (buffer, 0);
    if (G_LIKELY (GST_MINI_OBJECT_REFCOUNT_VALUE (mem) == 1 &&
            mem->maxsize >= self->size)) {
      if (mem->offset != 0 || mem->size != self->size)
        memory_resize_owned (mem, -(gssize) mem->offset, self->size);
      gst_atomic_queue_push (self->free, buffer);
      return;
    }
  }
  /* The base class frees it (or keeps it, if it passes its own checks). It needs the
   * size it was allocated with to keep it. */
  GST_BUFFER_POOL_CLASS (gst_e2ee_pool_parent_class)->release_buffer (pool, buffer);
}

static gboolean
gst_e2ee_pool_stop (GstBufferPool * pool)
{
  GstE2eePool *self = GST_E2EE_POOL (pool);
  GstBuffer *buffer;

  /* Back to the base class, which frees them and keeps its count of buffers right. */
  while ((buffer = gst_atomic_queue_pop (self->free)))
    GST_BUFFER_POOL_CLASS (gst_e2ee_pool_parent_class)->release_buffer (pool, buffer);
  return GST_BUFFER_POOL_CLASS (gst_e2ee_pool_parent_class)->stop (pool);
}

static void
gst_e2ee_pool_finalize (GObject * object)
{
  GstE2eePool *self = GST_E2EE_POOL (object);

  /* Empty: the base class's dispose deactivated the pool, which stopped it. */
  gst_atomic_queue_unref (self->free);
  G_OBJECT_CLASS (gst_e2ee_pool_parent_class)->finalize (object);
}

static void
gst_e2ee_pool_init (GstE2eePool * self)
{
  self->free = gst_atomic_queue_new (8);
}

static void
gst_e2ee_pool_class_init (GstE2eePoolClass * klass)
{
  GObjectClass *gobject_class = G_OBJECT_CLASS (klass);
  GstBufferPoolClass *pool_class = GST_BUFFER_POOL_CLASS (klass);

  gobject_class->finalize = gst_e2ee_pool_finalize;
  pool_class->set_config = gst_e2ee_pool_set_config;
  pool_class->acquire_buffer = gst_e2ee_pool_acquire_buffer;
  pool_class->reset_buffer = gst_e2ee_pool_reset_buffer;
  pool_class->release_buffer = gst_e2ee_pool_release_buffer;
  pool_class->stop = gst_e2ee_pool_stop;
}

GstBufferPool *
gst_e2ee_pool_new (void)
{
  return gst_object_ref_sink (g_object_new (GST_E2EE_TYPE_POOL, NULL));
}

/* ---- GstE2eeCopyPool -------------------------------------------------------
 *
 * e2eedec decrypts in place, but a depayloader's frame is often a sub-buffer of the
 * RTP packet: its memory is shared and read-only, and a write map would copy it into
 * a fresh malloc() block, one per frame, freed by the decoder in another thread. The
 * copy goes into a buffer of a pool instead, which comes back when downstream is done
 * with it. The pool's buffers are the largest frame seen so far, rounded up to a
 * power of two: a larger frame replaces the pool (its buffers still out are freed
 * when they come back). */

/* The buffer's only memory is its own to write. */
gboolean
gst_e2ee_buffer_is_owned (GstBuffer * buffer)
{
  GstMemory *mem;

  if (gst_buffer_n_memory (buffer) != 1)
    return FALSE;
  mem = gst_buffer_peek_memory (buffer, 0);
  return !GST_MEMORY_IS_READONLY (mem) && !GST_MEMORY_IS_NOT_MAPPABLE (mem) &&
      gst_memory_is_writable (mem);
}

static gboolean
copy_pool_resize (GstE2eeCopyPool * cp, gsize size)
{
  GstStructure *config;
  gsize want = 256;

  while (want < size && want < G_MAXSIZE / 2)
    want <<= 1;
  if (want > G_MAXUINT)
    return FALSE;
  gst_e2ee_copy_pool_clear (cp);
  cp->pool = gst_e2ee_pool_new ();
  config = gst_buffer_pool_get_config (cp->pool);
  gst_buffer_pool_config_set_params (config, NULL, (guint) want, 0, 0);
  if (!gst_buffer_pool_set_config (cp->pool, config) ||
      !gst_buffer_pool_set_active (cp->pool, TRUE)) {
    gst_clear_object (&cp->pool);
    return FALSE;
  }
  cp->size = want;
  return TRUE;
}

/* A writable copy of @buffer (bytes, flags, timestamps, metas) in a pool buffer, or
 * NULL (then the caller's write map copies as before). */
GstBuffer *
gst_e2ee_copy_pool_copy (GstE2eeCopyPool * cp, GstBuffer * buffer)
{
  gsize size = gst_buffer_get_size (buffer);
  GstBuffer *out = NULL;
  GstMemory *mem;
  GstMapInfo info;

  if ((cp->pool == NULL || size > cp->size) && !copy_pool_resize (cp, size))
    return NULL;
  if (gst_buffer_pool_acquire_buffer (cp->pool, &out, NULL) != GST_FLOW_OK)
    return NULL;
  mem = gst_buffer_peek_memory (out, 0);
  if (!gst_memory_map (mem, &info, GST_MAP_WRITE)) {
    gst_buffer_unref (out);
    return NULL;
  }
  gst_buffer_extract (buffer, 0, info.data, size);
  gst_memory_unmap (mem, &info);
  memory_resize_owned (mem, -(gssize) mem->offset, size);
  if (!gst_buffer_copy_into (out, buffer, GST_BUFFER_COPY_FLAGS |
          GST_BUFFER_COPY_TIMESTAMPS | GST_BUFFER_COPY_META, 0, -1)) {
    gst_buffer_unref (out);
    return NULL;
  }
  return out;
}

void
gst_e2ee_copy_pool_clear (GstE2eeCopyPool * cp)
{
  if (cp->pool) {
    gst_buffer_pool_set_active (cp->pool, FALSE);
    gst_clear_object (&cp->pool);
  }
  cp->size = 0;
}
