/* gst-e2ee: putting the shield on raw video frames
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

/* The shield goes on the frames as a GstVideoOverlayComposition: attached as metadata
 * when downstream renders overlays itself, blended into the pixels otherwise. The
 * composition is rebuilt only when the level, the size or the place changes. */

#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "gstencoverlay.h"
#include "gstencshield.h"
#include "gstenctext.h"

#include <string.h>

GST_DEBUG_CATEGORY_EXTERN (gst_enc_status_debug);
#define GST_CAT_DEFAULT gst_enc_status_debug

static const GEnumValue corners[] = {
  {GST_ENC_STATUS_CORNER_TOP_LEFT, "Top left", "top-left"},
  {GST_ENC_STATUS_CORNER_TOP_RIGHT, "Top right", "top-right"},
  {GST_ENC_STATUS_CORNER_BOTTOM_LEFT, "Bottom left", "bottom-left"},
  {GST_ENC_STATUS_CORNER_BOTTOM_RIGHT, "Bottom right", "bottom-right"},
  {0, NULL, NULL}
};

GType
gst_enc_status_corner_get_type (void)
{
  static GType type = 0;

  if (g_once_init_enter (&type)) {
    GType t = g_enum_register_static ("GstEncStatusCorner", corners);
    g_once_init_leave (&type, t);
  }
  return type;
}

void
gst_enc_overlay_init (GstEncOverlay * o)
{
  memset (o, 0, sizeof (*o));
  gst_video_info_init (&o->vinfo);
  o->text_layout = -1;
}

/* Forgets everything but the caps and the code. */
static void
forget_drawing (GstEncOverlay * o)
{
  gst_clear_buffer (&o->pixels);
  gst_clear_buffer (&o->text_pixels);
  o->text_layout = -1;
  if (o->composition)
    gst_video_overlay_composition_unref (o->composition);
  o->composition = NULL;
  o->decided = FALSE;
  o->warned = FALSE;
}

void
gst_enc_overlay_clear (GstEncOverlay * o)
{
  forget_drawing (o);
  g_clear_pointer (&o->text[0], g_strfreev);
  g_clear_pointer (&o->text[1], g_strfreev);
  o->is_video = FALSE;
}

/* The code's lines, @per_line groups of digits each, and what the meeting says about
 * the comparison. */
static gchar **
code_lines (const gchar * code, const gchar * code_status, guint per_line)
{
  gchar **groups = g_strsplit (code, " ", -1);
  GPtrArray *lines = g_ptr_array_new ();
  guint n = g_strv_length (groups), i;

  for (i = 0; i < n; i += per_line) {
    gchar *saved = NULL;

    if (i + per_line < n) {
      saved = groups[i + per_line];
      groups[i + per_line] = NULL;
    }
    g_ptr_array_add (lines, g_strjoinv (" ", groups + i));
    if (saved)
      groups[i + per_line] = saved;
  }
  if (g_strcmp0 (code_status, "not-compared") == 0)
    g_ptr_array_add (lines, g_strdup ("code not compared"));
  else if (g_strcmp0 (code_status, "compared") == 0)
    g_ptr_array_add (lines, g_strdup ("code compared"));
  g_ptr_array_add (lines, NULL);
  g_strfreev (groups);
  return (gchar **) g_ptr_array_free (lines, FALSE);
}

/* The meeting's security code (NULL: none) and its `code-status`, drawn under the
 * shield from the next frame on. */
void
gst_enc_overlay_set_code (GstEncOverlay * o, const gchar * code,
    const gchar * code_status)
{
  gchar **wide = code ? code_lines (code, code_status, 4) : NULL;

  if (o->text[0] && wide && g_strv_equal ((const gchar * const *) o->text[0],
          (const gchar * const *) wide)) {
    g_strfreev (wide);
    return;
  }
  g_strfreev (o->text[0]);
  g_strfreev (o->text[1]);
  o->text[0] = wide;
  o->text[1] = code ? code_lines (code, code_status, 2) : NULL;
  gst_clear_buffer (&o->text_pixels);
  o->text_layout = -1;
  if (o->composition)
    gst_video_overlay_composition_unref (o->composition);
  o->composition = NULL;
}

void
gst_enc_overlay_set_caps (GstEncOverlay * o, GstCaps * caps)
{
  GstStructure *s = gst_caps_get_structure (caps, 0);
  GstCapsFeatures *f = gst_caps_get_features (caps, 0);

  forget_drawing (o);
  o->is_video = gst_structure_has_name (s, "video/x-raw")
      && gst_video_info_from_caps (&o->vinfo, caps);
  o->caps_have_meta = f && gst_caps_features_contains (f,
      GST_CAPS_FEATURE_META_GST_VIDEO_OVERLAY_COMPOSITION);
  o->system_memory = !f || gst_caps_features_is_any (f)
      || gst_caps_features_contains (f, GST_CAPS_FEATURE_MEMORY_SYSTEM_MEMORY)
      || gst_caps_features_get_size (f) == 0;
}

static gboolean
downstream_supports_meta (GstPad * srcpad)
{
  GstCaps *caps = gst_pad_get_current_caps (srcpad);
  GstQuery *query;
  gboolean ret = FALSE;

  if (!caps)
    return FALSE;
  query = gst_query_new_allocation (caps, FALSE);
  if (gst_pad_peer_query (srcpad, query))
    ret = gst_query_find_allocation_meta (query,
        GST_VIDEO_OVERLAY_COMPOSITION_META_API_TYPE, NULL);
  gst_query_unref (query);
  gst_caps_unref (caps);
  return ret;
}

/* Blending converts an ARGB overlay to YUV with a fixed matrix; converting it here
 * with the frame's own matrix and range gives the documented colours on SD and HD
 * video alike. Takes @argb, returns the AYUV bitmap (or @argb if that fails). */
static GstBuffer *
to_ayuv (GstEncOverlay * o, GstBuffer * argb, guint width, guint height)
{
  GstVideoInfo in_info, out_info;
  GstVideoFrame in_frame, out_frame;
  GstVideoConverter *conv;
  GstBuffer *ayuv;

  gst_video_info_set_format (&in_info, GST_VIDEO_OVERLAY_COMPOSITION_FORMAT_RGB, width,
      height);
  gst_video_info_set_format (&out_info, GST_VIDEO_OVERLAY_COMPOSITION_FORMAT_YUV, width,
      height);
  out_info.colorimetry.matrix = o->vinfo.colorimetry.matrix;
  out_info.colorimetry.range = o->vinfo.colorimetry.range;
  /* only the matrix and range change: no transfer or primaries conversion */
  out_info.colorimetry.transfer = in_info.colorimetry.transfer;
  out_info.colorimetry.primaries = in_info.colorimetry.primaries;

  ayuv = gst_buffer_new_allocate (NULL, out_info.size, NULL);
  gst_buffer_add_video_meta (ayuv, GST_VIDEO_FRAME_FLAG_NONE,
      GST_VIDEO_OVERLAY_COMPOSITION_FORMAT_YUV, width, height);
  if (!gst_video_frame_map (&in_frame, &in_info, argb, GST_MAP_READ)) {
    gst_buffer_unref (ayuv);
    return argb;
  }
  if (!gst_video_frame_map (&out_frame, &out_info, ayuv, GST_MAP_WRITE)) {
    gst_video_frame_unmap (&in_frame);
    gst_buffer_unref (ayuv);
    return argb;
  }
  conv = gst_video_converter_new (&in_info, &out_info,
      gst_structure_new ("GstVideoConverter",
          GST_VIDEO_CONVERTER_OPT_DITHER_METHOD, GST_TYPE_VIDEO_DITHER_METHOD,
          GST_VIDEO_DITHER_NONE, NULL));
  gst_video_converter_frame (conv, &in_frame, &out_frame);
  gst_video_converter_free (conv);
  gst_video_frame_unmap (&out_frame);
  gst_video_frame_unmap (&in_frame);
  gst_buffer_unref (argb);
  return ayuv;
}

/* Keeps a composition holding the shield for @level at the right place. */
static GstVideoOverlayComposition *
composition (GstEncOverlay * o, GstE2eeEncryptionLevel level, GstEncStatusCorner corner,
    guint size_prop)
{
  gint width = GST_VIDEO_INFO_WIDTH (&o->vinfo);
  gint height = GST_VIDEO_INFO_HEIGHT (&o->vinfo);
  gint par_n = MAX (GST_VIDEO_INFO_PAR_N (&o->vinfo), 1);
  gint par_d = MAX (GST_VIDEO_INFO_PAR_D (&o->vinfo), 1);
  guint size, w, h, margin, scale, gap, tw, th, i;
  gint x, y, tx = 0, ty = 0, layout;
  gboolean right, bottom;
  GstVideoOverlayRectangle *rect;

  size = size_prop ? size_prop : (guint) CLAMP (MIN (width, height) / 8, 16, 256);
  size = MIN (size, (guint) MIN (width, height));
  if (size == 0)
    return NULL;
  /* square on screen: the bitmap is square, its render width follows the PAR */
  h = size;
  w = MAX (1, (guint) gst_util_uint64_scale_int_round (size, par_d, par_n));
  w = MIN (w, (guint) width);
  margin = size / 4;
  if (w + 2 * margin > (guint) width || h + 2 * margin > (guint) height)
    margin = 0;

  right = corner == GST_ENC_STATUS_CORNER_TOP_RIGHT
      || corner == GST_ENC_STATUS_CORNER_BOTTOM_RIGHT;
  bottom = corner == GST_ENC_STATUS_CORNER_BOTTOM_LEFT
      || corner == GST_ENC_STATUS_CORNER_BOTTOM_RIGHT;
  x = right ? width - w - margin : margin;
  y = bottom ? height - h - margin : margin;

  /* The code goes under the shield, the pair held in the corner: the widest layout
   * that fits the frame, or none. */
  scale = MAX (1, size / 48);
  gap = size / 8;
  layout = -1;
  tw = th = 0;
  for (i = 0; i < 2 && o->text[0] && layout < 0; i++) {
    gst_enc_text_measure ((const gchar * const *) o->text[i], scale, &tw, &th);
    if (tw + 2 * margin <= (guint) width && h + gap + th + 2 * margin <= (guint) height)
      layout = i;
  }
  if (layout >= 0) {
    tx = right ? width - (gint) tw - (gint) margin : (gint) margin;
    ty = bottom ? height - (gint) th - (gint) margin : y + (gint) (h + gap);
    if (bottom)
      y = ty - (gint) (gap + h);
  }
  if (layout != o->text_layout || scale != o->text_scale) {
    gst_clear_buffer (&o->text_pixels);
    if (o->composition)
      gst_video_overlay_composition_unref (o->composition);
    o->composition = NULL;
    if (layout >= 0) {
      o->text_pixels = gst_enc_text_render ((const gchar * const *) o->text[layout],
          scale);
      if (!o->attach_meta && GST_VIDEO_INFO_IS_YUV (&o->vinfo))
        o->text_pixels = to_ayuv (o, o->text_pixels, tw, th);
    }
    o->text_layout = layout;
    o->text_scale = scale;
  }

  if (!o->pixels || o->level != level || o->size != size) {
    gst_clear_buffer (&o->pixels);
    if (o->composition)
      gst_video_overlay_composition_unref (o->composition);
    o->composition = NULL;
    o->pixels = gst_enc_shield_render (level, size);
    if (!o->attach_meta && GST_VIDEO_INFO_IS_YUV (&o->vinfo))
      o->pixels = to_ayuv (o, o->pixels, size, size);
    o->level = level;
    o->size = size;
  }
  if (o->composition && o->x == x && o->y == y && o->w == w && o->h == h
      && (layout < 0 || (o->tx == tx && o->ty == ty)))
    return o->composition;

  if (o->composition)
    gst_video_overlay_composition_unref (o->composition);
  rect = gst_video_overlay_rectangle_new_raw (o->pixels, x, y, w, h,
      GST_VIDEO_OVERLAY_FORMAT_FLAG_NONE);
  o->composition = gst_video_overlay_composition_new (rect);
  gst_video_overlay_rectangle_unref (rect);
  if (layout >= 0) {
    rect = gst_video_overlay_rectangle_new_raw (o->text_pixels, tx, ty, tw, th,
        GST_VIDEO_OVERLAY_FORMAT_FLAG_NONE);
    gst_video_overlay_composition_add_rectangle (o->composition, rect);
    gst_video_overlay_rectangle_unref (rect);
  }
  o->x = x;
  o->y = y;
  o->w = w;
  o->h = h;
  o->tx = tx;
  o->ty = ty;
  return o->composition;
}

/* Maps @buf for blending. The blending code (ORC) faults on frames that do not start
 * on an aligned address, which frames cut out of a larger buffer (e2eedec's
 * decrypted payload follows the SFrame header) do not; those get copied once into
 * aligned memory first. */
static gboolean
map_aligned (GstEncOverlay * o, GstElement * element, GstVideoFrame * frame,
    GstBuffer * buf)
{
  GstAllocationParams params;
  GstMemory *mem;
  GstMapInfo map;
  gsize size;

  if (!gst_video_frame_map (frame, &o->vinfo, buf, GST_MAP_READWRITE))
    return FALSE;
  if ((GPOINTER_TO_SIZE (GST_VIDEO_FRAME_PLANE_DATA (frame, 0)) & 15) == 0)
    return TRUE;
  gst_video_frame_unmap (frame);

  GST_LOG_OBJECT (element, "copying a frame that is not aligned in memory");
  size = gst_buffer_get_size (buf);
  gst_allocation_params_init (&params);
  params.align = 15;
  mem = gst_allocator_alloc (NULL, size, &params);
  if (!mem || !gst_memory_map (mem, &map, GST_MAP_WRITE)) {
    if (mem)
      gst_memory_unref (mem);
    return FALSE;
  }
  gst_buffer_extract (buf, 0, map.data, size);
  gst_memory_unmap (mem, &map);
  gst_buffer_replace_all_memory (buf, mem);
  return gst_video_frame_map (frame, &o->vinfo, buf, GST_MAP_READWRITE);
}

/* Draws the shield for @level on @buf (writable), which has the caps last given to
 * gst_enc_overlay_set_caps(). */
void
gst_enc_overlay_draw (GstEncOverlay * o, GstElement * element, GstPad * srcpad,
    GstBuffer * buf, GstE2eeEncryptionLevel level, GstEncStatusCorner corner, guint size)
{
  GstVideoOverlayComposition *comp;
  GstVideoOverlayCompositionMeta *existing;
  GstVideoFrame frame;

  if (!o->is_video)
    return;

  if (!o->decided) {
    o->attach_meta = o->caps_have_meta || downstream_supports_meta (srcpad);
    o->decided = TRUE;
    GST_DEBUG_OBJECT (element, "shield: %s", o->attach_meta ?
        "attaching overlay composition meta" : "blending into frames");
  }

  comp = composition (o, level, corner, size);
  if (!comp)
    return;

  if (o->attach_meta) {
    existing = gst_buffer_get_video_overlay_composition_meta (buf);
    if (existing) {
      GstVideoOverlayComposition *merged =
          gst_video_overlay_composition_copy (existing->overlay);

      guint i, n = gst_video_overlay_composition_n_rectangles (comp);

      for (i = 0; i < n; i++)
        gst_video_overlay_composition_add_rectangle (merged,
            gst_video_overlay_composition_get_rectangle (comp, i));
      gst_buffer_remove_meta (buf, (GstMeta *) existing);
      gst_buffer_add_video_overlay_composition_meta (buf, merged);
      gst_video_overlay_composition_unref (merged);
    } else {
      gst_buffer_add_video_overlay_composition_meta (buf, comp);
    }
    return;
  }

  if (o->system_memory && map_aligned (o, element, &frame, buf)) {
    if (!gst_video_overlay_composition_blend (comp, &frame) && !o->warned) {
      GST_ELEMENT_WARNING (element, STREAM, FORMAT, ("Cannot draw the shield"),
          ("blending into %s is not supported",
              gst_video_format_to_string (GST_VIDEO_INFO_FORMAT (&o->vinfo))));
      o->warned = TRUE;
    }
    gst_video_frame_unmap (&frame);
    return;
  }
  if (!o->warned) {
    GST_ELEMENT_WARNING (element, STREAM, FORMAT, ("Cannot draw the shield"),
        ("the frames cannot be mapped and downstream does not take overlay "
            "composition metadata"));
    o->warned = TRUE;
  }
}
