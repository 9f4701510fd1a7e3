/* gst-e2ee: the encryption indicator, drawn procedurally
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

/* The shield is described in a unit square (u right, v down) by inside-tests, and
 * rendered with 4x4 supersampling into an ARGB bitmap for a GstVideoOverlayRectangle.
 * It is drawn only when the level or the size changes, so clarity beats speed here.
 *
 * Probe pixels the tests rely on, for a 64-pixel shield (keep them in step with the
 * shapes):
 *   (32, 12)  shield fill, above every glyph
 *   (32, 25)  white only in the exclamation point's bar
 *   (42, 25)  white only in the check mark's long stroke
 *   (22, 44)  white only in the lock's body
 */

#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "gstencshield.h"

#include <math.h>
#include <gst/video/video.h>

#define SUBSAMPLES 4

#define SHIELD_TOP      0.06
#define SHIELD_DIP      0.03
#define SHIELD_HALF     0.40
#define SHIELD_SHOULDER 0.46
#define SHIELD_TIP      0.96
#define SHIELD_RIM      0.055

typedef enum
{
  GLYPH_LOCK,
  GLYPH_CHECK,
  GLYPH_EXCLAMATION,
} Glyph;

typedef enum
{
  PAINT_NONE,
  PAINT_RIM,
  PAINT_FILL,
  PAINT_GLYPH,
} Paint;

static gboolean
inside_shield (double u, double v, double inset)
{
  double half = SHIELD_HALF - inset, x = fabs (u - 0.5), r, top, tip, t;

  if (x > half)
    return FALSE;
  /* the top edge dips a little towards the middle */
  r = x / half;
  top = SHIELD_TOP + inset + SHIELD_DIP * (1.0 - r * r);
  tip = SHIELD_TIP - inset * 1.7;
  if (v < top || v > tip)
    return FALSE;
  if (v <= SHIELD_SHOULDER)
    return TRUE;
  t = (v - SHIELD_SHOULDER) / (tip - SHIELD_SHOULDER);
  return x <= half * (1.0 - t * t);
}

static double
segment_distance (double u, double v, double u0, double v0, double u1, double v1)
{
  double du = u1 - u0, dv = v1 - v0, t;

  t = ((u - u0) * du + (v - v0) * dv) / (du * du + dv * dv);
  t = CLAMP (t, 0.0, 1.0);
  return hypot (u - (u0 + t * du), v - (v0 + t * dv));
}

static gboolean
inside_rounded_rect (double u, double v, double u0, double v0, double u1, double v1,
    double radius)
{
  double cu, cv;

  if (u < u0 || u > u1 || v < v0 || v > v1)
    return FALSE;
  cu = CLAMP (u, u0 + radius, u1 - radius);
  cv = CLAMP (v, v0 + radius, v1 - radius);
  return hypot (u - cu, v - cv) <= radius;
}

static Paint
paint_glyph (Glyph glyph, double u, double v)
{
  double d;

  switch (glyph) {
    case GLYPH_CHECK:
      if (segment_distance (u, v, 0.30, 0.52, 0.44, 0.66) <= 0.052
          || segment_distance (u, v, 0.44, 0.66, 0.71, 0.36) <= 0.052)
        return PAINT_GLYPH;
      return PAINT_FILL;
    case GLYPH_EXCLAMATION:
      if (segment_distance (u, v, 0.5, 0.28, 0.5, 0.55) <= 0.055
          || hypot (u - 0.5, v - 0.70) <= 0.06)
        return PAINT_GLYPH;
      return PAINT_FILL;
    case GLYPH_LOCK:
      /* keyhole, cut out of the body in the shield's colour */
      if (hypot (u - 0.5, v - 0.565) <= 0.042
          || (fabs (u - 0.5) <= 0.016 && v >= 0.565 && v <= 0.66))
        return PAINT_FILL;
      if (inside_rounded_rect (u, v, 0.31, 0.46, 0.69, 0.74, 0.035))
        return PAINT_GLYPH;
      /* shackle: the upper half of a ring, with legs down into the body */
      d = hypot (u - 0.5, v - 0.40);
      if (v <= 0.40 && d <= 0.14 && d >= 0.085)
        return PAINT_GLYPH;
      if (v > 0.40 && v < 0.47 && fabs (u - 0.5) <= 0.14 && fabs (u - 0.5) >= 0.085)
        return PAINT_GLYPH;
      return PAINT_FILL;
  }
  return PAINT_FILL;
}

static Paint
paint_at (Glyph glyph, double u, double v)
{
  if (!inside_shield (u, v, 0.0))
    return PAINT_NONE;
  if (!inside_shield (u, v, SHIELD_RIM))
    return PAINT_RIM;
  return paint_glyph (glyph, u, v);
}

/**
 * gst_enc_shield_render:
 * @level: the indicator to draw
 * @size: the bitmap's width and height in pixels
 *
 * Returns: (transfer full): a @size x @size bitmap in
 *   GST_VIDEO_OVERLAY_COMPOSITION_FORMAT_RGB (non-premultiplied alpha) with a
 *   #GstVideoMeta, ready for gst_video_overlay_rectangle_new_raw().
 */
GstBuffer *
gst_enc_shield_render (GstE2eeEncryptionLevel level, guint size)
{
  GstBuffer *buf;
  GstMapInfo map;
  guint32 fill, rim, *px;
  Glyph glyph;
  guint x, y, sx, sy;

  g_return_val_if_fail (size > 0 && size <= 4096, NULL);

  switch (level) {
    case GST_E2EE_ENCRYPTION_LEVEL_E2EE:
      glyph = GLYPH_LOCK;
      fill = GST_ENC_SHIELD_GREEN;
      rim = GST_ENC_SHIELD_GREEN_RIM;
      break;
    case GST_E2EE_ENCRYPTION_LEVEL_ENCRYPTED:
      glyph = GLYPH_CHECK;
      fill = GST_ENC_SHIELD_GREEN;
      rim = GST_ENC_SHIELD_GREEN_RIM;
      break;
    default:
      /* the services show the same orange shield whether a connection is partly or
       * not at all encrypted */
      glyph = GLYPH_EXCLAMATION;
      fill = GST_ENC_SHIELD_ORANGE;
      rim = GST_ENC_SHIELD_ORANGE_RIM;
      break;
  }

  buf = gst_buffer_new_allocate (NULL, (gsize) size * size * 4, NULL);
  gst_buffer_map (buf, &map, GST_MAP_WRITE);
  px = (guint32 *) map.data;

  for (y = 0; y < size; y++) {
    for (x = 0; x < size; x++) {
      guint r = 0, g = 0, b = 0, n = 0;

      for (sy = 0; sy < SUBSAMPLES; sy++) {
        for (sx = 0; sx < SUBSAMPLES; sx++) {
          double u = (x + (sx + 0.5) / SUBSAMPLES) / size;
          double v = (y + (sy + 0.5) / SUBSAMPLES) / size;
          guint32 c;

          switch (paint_at (glyph, u, v)) {
            case PAINT_NONE:
              continue;
            case PAINT_RIM:
              c = rim;
              break;
            case PAINT_FILL:
              c = fill;
              break;
            default:
              c = GST_ENC_SHIELD_GLYPH;
              break;
          }
          r += (c >> 16) & 0xff;
          g += (c >> 8) & 0xff;
          b += c & 0xff;
          n++;
        }
      }
      /* Native-endian 0xAARRGGBB is the composition's RGB format on either
       * endianness (BGRA bytes on little endian, ARGB on big endian). */
      if (n == 0)
        px[y * size + x] = 0;
      else
        px[y * size + x] = ((guint32) (n * 255 / (SUBSAMPLES * SUBSAMPLES)) << 24) |
            ((r / n) << 16) | ((g / n) << 8) | (b / n);
    }
  }
  gst_buffer_unmap (buf, &map);

  gst_buffer_add_video_meta (buf, GST_VIDEO_FRAME_FLAG_NONE,
      GST_VIDEO_OVERLAY_COMPOSITION_FORMAT_RGB, size, size);
  return buf;
}
