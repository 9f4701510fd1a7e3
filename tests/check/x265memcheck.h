/* gst-e2ee tests: x265enc's output under memcheck
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#ifndef GST_E2EE_CHECK_X265MEMCHECK_H
#define GST_E2EE_CHECK_X265MEMCHECK_H

#include <gst/check/gstcheck.h>
#include <string.h>
#include <valgrind/memcheck.h>

/* Memcheck sees bytes of libx265's output as uninitialised (with its assembly and
 * without: the encoder writes its bitstream from memory it never fully sets), and
 * x265enc gives the frames it drains at EOS timestamps it never set. The taint reaches
 * the sink and every byte of the layout code that reads the frames. The encoded frames
 * are this test's input, not what it tests: as they leave x265enc, tell memcheck they
 * are defined. A no-op outside valgrind. (What memcheck sees inside x265enc itself is
 * in tests/valgrind/gst.supp.) */
static inline GstPadProbeReturn
x265_output_defined (GstPad * pad, GstPadProbeInfo * info, gpointer unused)
{
  GstBuffer *buf = GST_PAD_PROBE_INFO_BUFFER (info);
  guint i;

  VALGRIND_MAKE_MEM_DEFINED (&GST_BUFFER_PTS (buf), sizeof (GstClockTime));
  VALGRIND_MAKE_MEM_DEFINED (&GST_BUFFER_DTS (buf), sizeof (GstClockTime));
  VALGRIND_MAKE_MEM_DEFINED (&GST_BUFFER_DURATION (buf), sizeof (GstClockTime));
  VALGRIND_MAKE_MEM_DEFINED (&GST_BUFFER_OFFSET (buf), sizeof (guint64));
  VALGRIND_MAKE_MEM_DEFINED (&GST_BUFFER_OFFSET_END (buf), sizeof (guint64));
  /* Memory by memory: mapping a buffer of several would mark a merged copy. */
  for (i = 0; i < gst_buffer_n_memory (buf); i++) {
    GstMemory *mem = gst_buffer_peek_memory (buf, i);
    GstMapInfo map;

    fail_unless (gst_memory_map (mem, &map, GST_MAP_READ));
    VALGRIND_MAKE_MEM_DEFINED (map.data, map.size);
    gst_memory_unmap (mem, &map);
  }
  return GST_PAD_PROBE_OK;
}

/* Marks the output of every x265enc in @pipe defined. */
static inline void
probe_x265enc (GstElement * pipe)
{
  GstIterator *it = gst_bin_iterate_recurse (GST_BIN (pipe));
  GValue v = G_VALUE_INIT;

  while (gst_iterator_next (it, &v) == GST_ITERATOR_OK) {
    GstElement *e = g_value_get_object (&v);
    GstElementFactory *f = gst_element_get_factory (e);

    if (f && strcmp (GST_OBJECT_NAME (f), "x265enc") == 0) {
      GstPad *src = gst_element_get_static_pad (e, "src");

      gst_pad_add_probe (src, GST_PAD_PROBE_TYPE_BUFFER, x265_output_defined, NULL,
          NULL);
      gst_object_unref (src);
    }
    g_value_reset (&v);
  }
  g_value_unset (&v);
  gst_iterator_free (it);
}

#endif /* GST_E2EE_CHECK_X265MEMCHECK_H */
