/* gst-e2ee: the security code under the shield, in a built-in bitmap font
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

/* encstatus needs only GStreamer, so no text renderer: the code is digits and the
 * comparison line a few lowercase words, which a 5x7 bitmap font covers. White
 * glyphs on a translucent dark plate, so the digits read on any video. */

#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "gstenctext.h"

#include <string.h>
#include <gst/video/video.h>

#define GLYPH_W 5
#define GLYPH_H 7
#define ADVANCE (GLYPH_W + 1)
#define LINE (GLYPH_H + 3)
#define PAD 3

#define PLATE 0xB0101010        /* ARGB: 70 % opaque, near black */
#define INK 0xFFFFFFFF

typedef struct
{
  gchar c;
  guint8 rows[GLYPH_H];         /* bit 4 is the leftmost column */
} Glyph;

static const Glyph font[] = {
  {'0', {0x0e, 0x11, 0x13, 0x15, 0x19, 0x11, 0x0e}},
  {'1', {0x04, 0x0c, 0x04, 0x04, 0x04, 0x04, 0x0e}},
  {'2', {0x0e, 0x11, 0x01, 0x02, 0x04, 0x08, 0x1f}},
  {'3', {0x1f, 0x02, 0x04, 0x02, 0x01, 0x11, 0x0e}},
  {'4', {0x02, 0x06, 0x0a, 0x12, 0x1f, 0x02, 0x02}},
  {'5', {0x1f, 0x10, 0x1e, 0x01, 0x01, 0x11, 0x0e}},
  {'6', {0x06, 0x08, 0x10, 0x1e, 0x11, 0x11, 0x0e}},
  {'7', {0x1f, 0x01, 0x02, 0x04, 0x08, 0x08, 0x08}},
  {'8', {0x0e, 0x11, 0x11, 0x0e, 0x11, 0x11, 0x0e}},
  {'9', {0x0e, 0x11, 0x11, 0x0f, 0x01, 0x02, 0x0c}},
  {'a', {0x00, 0x00, 0x0e, 0x01, 0x0f, 0x11, 0x0f}},
  {'c', {0x00, 0x00, 0x0e, 0x10, 0x10, 0x11, 0x0e}},
  {'d', {0x01, 0x01, 0x0d, 0x13, 0x11, 0x11, 0x0f}},
  {'e', {0x00, 0x00, 0x0e, 0x11, 0x1f, 0x10, 0x0e}},
  {'m', {0x00, 0x00, 0x1a, 0x15, 0x15, 0x11, 0x11}},
  {'n', {0x00, 0x00, 0x16, 0x19, 0x11, 0x11, 0x11}},
  {'o', {0x00, 0x00, 0x0e, 0x11, 0x11, 0x11, 0x0e}},
  {'p', {0x00, 0x00, 0x1e, 0x11, 0x1e, 0x10, 0x10}},
  {'r', {0x00, 0x00, 0x16, 0x19, 0x10, 0x10, 0x10}},
  {'t', {0x08, 0x08, 0x1c, 0x08, 0x08, 0x09, 0x06}},
};

static const Glyph *
glyph_for (gchar c)
{
  guint i;

  for (i = 0; i < G_N_ELEMENTS (font); i++)
    if (font[i].c == c)
      return &font[i];
  return NULL;                  /* a space, or anything the font lacks */
}

void
gst_enc_text_measure (const gchar * const *lines, guint scale, guint * width,
    guint * height)
{
  guint n = 0, longest = 0;

  for (; lines[n]; n++)
    longest = MAX (longest, (guint) strlen (lines[n]));
  *width = (longest ? longest * ADVANCE - 1 : 0) * scale + 2 * PAD * scale;
  *height = (n ? n * LINE - (LINE - GLYPH_H) : 0) * scale + 2 * PAD * scale;
}

/* Native-endian 0xAARRGGBB, as gstencshield.c writes it: the composition's RGB
 * format on either endianness. */
GstBuffer *
gst_enc_text_render (const gchar * const *lines, guint scale)
{
  GstBuffer *buf;
  GstMapInfo map;
  guint32 *px;
  guint w, h, i, l, col, row, dx, dy;

  g_return_val_if_fail (lines != NULL && lines[0] != NULL && scale > 0, NULL);

  gst_enc_text_measure (lines, scale, &w, &h);
  buf = gst_buffer_new_allocate (NULL, (gsize) w * h * 4, NULL);
  gst_buffer_map (buf, &map, GST_MAP_WRITE);
  px = (guint32 *) map.data;
  for (i = 0; i < w * h; i++)
    px[i] = PLATE;

  for (l = 0; lines[l]; l++) {
    const gchar *t = lines[l];
    guint y0 = (PAD + l * LINE) * scale;

    for (i = 0; t[i]; i++) {
      const Glyph *g = glyph_for (t[i]);
      guint x0 = (PAD + i * ADVANCE) * scale;

      if (!g)
        continue;
      for (row = 0; row < GLYPH_H; row++)
        for (col = 0; col < GLYPH_W; col++) {
          if (!(g->rows[row] & (0x10 >> col)))
            continue;
          for (dy = 0; dy < scale; dy++)
            for (dx = 0; dx < scale; dx++)
              px[(y0 + row * scale + dy) * w + x0 + col * scale + dx] = INK;
        }
    }
  }
  gst_buffer_unmap (buf, &map);

  gst_buffer_add_video_meta (buf, GST_VIDEO_FRAME_FLAG_NONE,
      GST_VIDEO_OVERLAY_COMPOSITION_FORMAT_RGB, w, h);
  return buf;
}
