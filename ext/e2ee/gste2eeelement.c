/* gst-e2ee: what e2eeenc and e2eedec share
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "gste2eeelement.h"
#include "gste2eertp.h"

#include <string.h>
#include <openssl/crypto.h>

/* The SFrame caps keep every field of the media caps and its media type, so the
 * decoder can restore exactly what the encoder was given and a pipeline with the pair
 * negotiates like one without it. */
static gboolean
structure_to_sframe (GstCapsFeatures * features, GstStructure * s, gpointer user_data)
{
  gchar *name = g_strdup (gst_structure_get_name (s));

  gst_structure_set_name (s, GST_E2EE_SFRAME_MEDIA_TYPE);
  gst_structure_set (s, GST_E2EE_ORIGINAL_MEDIA_TYPE_FIELD, G_TYPE_STRING, name, NULL);
  g_free (name);
  return TRUE;
}

GstCaps *
gst_e2ee_element_caps_to_sframe (GstCaps * caps)
{
  GstCaps *res;

  if (gst_caps_is_any (caps))
    return gst_caps_new_empty_simple (GST_E2EE_SFRAME_MEDIA_TYPE);
  res = gst_caps_copy (caps);
  gst_caps_map_in_place (res, structure_to_sframe, NULL);
  return res;
}

/* Returns the media caps an SFrame stream carries. A structure that does not say (no
 * original-media-type) stands for any media when it is a query's unfixed caps, and for
 * opaque bytes when it is a negotiated stream. */
GstCaps *
gst_e2ee_element_caps_from_sframe (GstCaps * caps)
{
  GstCaps *res;
  guint i, n;

  if (gst_caps_is_any (caps))
    return gst_caps_new_any ();

  res = gst_caps_new_empty ();
  n = gst_caps_get_size (caps);
  for (i = 0; i < n; i++) {
    const GstStructure *s = gst_caps_get_structure (caps, i);
    GstCapsFeatures *f = gst_caps_get_features (caps, i);
    const gchar *orig;
    GstStructure *out;

    if (!gst_structure_has_name (s, GST_E2EE_SFRAME_MEDIA_TYPE))
      continue;
    orig = gst_structure_get_string (s, GST_E2EE_ORIGINAL_MEDIA_TYPE_FIELD);
    if (orig == NULL) {
      if (gst_caps_is_fixed (caps)) {
        res = gst_caps_merge_structure (res,
            gst_structure_new_empty ("application/octet-stream"));
      } else {
        gst_caps_unref (res);
        return gst_caps_new_any ();
      }
      continue;
    }
    out = gst_structure_copy (s);
    gst_structure_set_name (out, orig);
    gst_structure_remove_field (out, GST_E2EE_ORIGINAL_MEDIA_TYPE_FIELD);
    res = gst_caps_merge_structure_full (res, out,
        f && !gst_caps_features_is_any (f) ? gst_caps_features_copy (f) : NULL);
  }
  return res;
}

static gboolean
structure_add_layout (GstCapsFeatures * features, GstStructure * s, gpointer user_data)
{
  /* RTP packets have no codec layout: left unmarked, so that a payloader before
   * e2eedec cannot pick up a claim that its packets are encrypted. */
  if (user_data == NULL && gst_structure_has_name (s, GST_E2EE_RTP_MEDIA_TYPE))
    return TRUE;
  gst_structure_set (s, GST_E2EE_LAYOUT_FIELD, G_TYPE_STRING,
      user_data ? (const gchar *) user_data : GST_E2EE_LAYOUT_FIELD_CODEC, NULL);
  return TRUE;
}

static gboolean
structure_strip_layout (GstCapsFeatures * features, GstStructure * s, gpointer user_data)
{
  gst_structure_remove_field (s, GST_E2EE_LAYOUT_FIELD);
  return TRUE;
}

/* The codec caps of frames in the codec layout: the media caps stay, so payloaders and
 * parsers accept them, and the field tells e2eedec what it gets. */
GstCaps *
gst_e2ee_element_caps_add_layout (GstCaps * caps)
{
  GstCaps *res;

  if (gst_caps_is_any (caps))
    return gst_caps_ref (caps);
  res = gst_caps_copy (caps);
  gst_caps_map_in_place (res, structure_add_layout, NULL);
  return res;
}

/* @caps with the field `e2ee-layout=@layout` on every structure. */
GstCaps *
gst_e2ee_element_caps_set_layout (GstCaps * caps, const gchar * layout)
{
  GstCaps *res;

  if (gst_caps_is_any (caps))
    return gst_caps_ref (caps);
  res = gst_caps_copy (caps);
  gst_caps_map_in_place (res, structure_add_layout, (gpointer) layout);
  return res;
}

static gboolean
structure_keep_rtp (GstCapsFeatures * features, GstStructure * s, gpointer user_data)
{
  if (!gst_structure_has_name (s, GST_E2EE_RTP_MEDIA_TYPE))
    return FALSE;
  gst_structure_set (s, GST_E2EE_LAYOUT_FIELD, G_TYPE_STRING, GST_E2EE_LAYOUT_FIELD_RTP,
      NULL);
  return TRUE;
}

/* The application/x-rtp structures of @caps, marked as encrypted per packet: what
 * e2eeenc outputs for them and e2eedec takes. Other structures are left out. */
GstCaps *
gst_e2ee_element_caps_add_rtp_layout (GstCaps * caps)
{
  GstCaps *res;

  if (gst_caps_is_any (caps))
    return gst_caps_from_string (GST_E2EE_RTP_MEDIA_TYPE ", " GST_E2EE_LAYOUT_FIELD
        "=(string)" GST_E2EE_LAYOUT_FIELD_RTP);
  res = gst_caps_copy (caps);
  gst_caps_filter_and_map_in_place (res, structure_keep_rtp, NULL);
  return res;
}

/* Whether fixed @caps carry `e2ee-layout=rtp`, whatever their media type. */
gboolean
gst_e2ee_element_caps_has_rtp_layout (GstCaps * caps)
{
  return caps != NULL && gst_caps_get_size (caps) > 0 && !gst_caps_is_any (caps) &&
      g_strcmp0 (gst_structure_get_string (gst_caps_get_structure (caps, 0),
          GST_E2EE_LAYOUT_FIELD), GST_E2EE_LAYOUT_FIELD_RTP) == 0;
}

gboolean
gst_e2ee_element_caps_is_rtp (GstCaps * caps)
{
  return caps != NULL && gst_caps_get_size (caps) > 0 && !gst_caps_is_any (caps) &&
      gst_structure_has_name (gst_caps_get_structure (caps, 0), GST_E2EE_RTP_MEDIA_TYPE);
}

GstCaps *
gst_e2ee_element_caps_strip_layout (GstCaps * caps)
{
  GstCaps *res;

  if (gst_caps_is_any (caps))
    return gst_caps_ref (caps);
  res = gst_caps_copy (caps);
  gst_caps_map_in_place (res, structure_strip_layout, NULL);
  return res;
}

/* Whether fixed @caps say their frames use the codec layout. */
gboolean
gst_e2ee_element_caps_has_layout (GstCaps * caps)
{
  return caps != NULL && gst_caps_get_size (caps) > 0 && !gst_caps_is_any (caps) &&
      g_strcmp0 (gst_structure_get_string (gst_caps_get_structure (caps, 0),
          GST_E2EE_LAYOUT_FIELD), GST_E2EE_LAYOUT_FIELD_CODEC) == 0;
}

/* What gst-inspect-1.0 and the generated reference (docs/gst_plugins_cache.json)
 * show for the ANY templates of e2eeenc and e2eedec: the formats they know. ANY stays
 * the template, since layout=frame carries any encoded media and enabled=false and
 * allow-plaintext pass other caps on. */
void
gst_e2ee_element_class_document_caps (GstElementClass * klass, gboolean encrypting)
{
  GstCaps *codecs = gst_e2ee_layout_get_caps ();
  GstCaps *wire = gst_caps_from_string ("application/x-sframe; application/x-rtp");
  GstCaps *plain = gst_caps_merge (gst_caps_copy (codecs),
      gst_caps_from_string ("application/x-rtp"));

  wire = gst_caps_merge (wire, gst_caps_copy (codecs));
  gst_pad_template_set_documentation_caps (gst_element_class_get_pad_template (klass,
          "sink"), encrypting ? plain : wire);
  gst_pad_template_set_documentation_caps (gst_element_class_get_pad_template (klass,
          "src"), encrypting ? wire : plain);
  gst_caps_unref (wire);
  gst_caps_unref (plain);
  gst_caps_unref (codecs);
}

/* The part of @caps that layout=auto would encrypt with a codec layout. */
GstCaps *
gst_e2ee_element_caps_layout_capable (GstCaps * caps)
{
  GstCaps *capable = gst_e2ee_layout_get_caps ();
  GstCaps *res = gst_caps_intersect_full (caps, capable, GST_CAPS_INTERSECT_FIRST);

  gst_caps_unref (capable);
  return res;
}

gboolean
gst_e2ee_element_caps_is_sframe (GstCaps * caps)
{
  return caps != NULL && gst_caps_get_size (caps) > 0 && !gst_caps_is_any (caps) &&
      gst_structure_has_name (gst_caps_get_structure (caps, 0),
      GST_E2EE_SFRAME_MEDIA_TYPE);
}

static void
secret_free (gpointer data)
{
  /* g_bytes_new_with_free_func() gives us no size, so the size sits before the data. */
  gsize *p = (gsize *) data - 1;
  OPENSSL_cleanse (p, *p + sizeof (gsize));
  g_free (p);
}

/* A copy of a secret, wiped when the last reference goes. */
GBytes *
gst_e2ee_secret_new (const guint8 * data, gsize size)
{
  gsize *p = g_malloc (sizeof (gsize) + MAX (size, 1));

  p[0] = size;
  if (size)
    memcpy (p + 1, data, size);
  return g_bytes_new_with_free_func (p + 1, size, secret_free, p + 1);
}

/* A copy of a key the caller handed in, wiped when the last reference goes. */
GBytes *
gst_e2ee_secret_from_buffer (GstBuffer * buffer)
{
  GstMapInfo map;
  GBytes *secret;

  if (buffer == NULL || !gst_buffer_map (buffer, &map, GST_MAP_READ))
    return NULL;
  secret = gst_e2ee_secret_new (map.data, map.size);
  gst_buffer_unmap (buffer, &map);
  return secret;
}

GHashTable *
gst_e2ee_kid_stats_table_new (void)
{
  return g_hash_table_new_full (g_int64_hash, g_int64_equal, NULL, g_free);
}

GstE2eeKidStats *
gst_e2ee_kid_stats_get (GHashTable * table, guint64 kid)
{
  GstE2eeKidStats *st = g_hash_table_lookup (table, &kid);

  if (st == NULL) {
    st = g_new0 (GstE2eeKidStats, 1);
    st->kid = kid;
    g_hash_table_insert (table, &st->kid, st);
  }
  return st;
}

static gint
compare_kid (gconstpointer a, gconstpointer b)
{
  guint64 ka = (*(GstE2eeKidStats * const *) a)->kid;
  guint64 kb = (*(GstE2eeKidStats * const *) b)->kid;
  return ka < kb ? -1 : ka > kb;
}

/* Fills @array (a GstValueArray) with one `kid-stats` structure per KID, by KID. */
GValue *
gst_e2ee_kid_stats_to_array (GHashTable * table, gboolean decoder, GValue * array)
{
  GPtrArray *sorted = g_ptr_array_new ();
  GHashTableIter iter;
  gpointer value;
  guint i;

  g_value_init (array, GST_TYPE_ARRAY);
  g_hash_table_iter_init (&iter, table);
  while (g_hash_table_iter_next (&iter, NULL, &value))
    g_ptr_array_add (sorted, value);
  g_ptr_array_sort (sorted, compare_kid);

  for (i = 0; i < sorted->len; i++) {
    GstE2eeKidStats *st = g_ptr_array_index (sorted, i);
    GValue v = G_VALUE_INIT;
    GstStructure *s = gst_structure_new ("kid-stats",
        "kid", G_TYPE_UINT64, st->kid,
        "frames", G_TYPE_UINT64, st->frames,
        "bytes", G_TYPE_UINT64, st->bytes, NULL);

    if (decoder)
      gst_structure_set (s,
          "dropped-authentication", G_TYPE_UINT64, st->dropped_authentication,
          "dropped-truncated", G_TYPE_UINT64, st->dropped_truncated,
          "dropped-unknown-kid", G_TYPE_UINT64, st->dropped_unknown_kid,
          "dropped-replay", G_TYPE_UINT64, st->dropped_replay, NULL);
    g_value_init (&v, GST_TYPE_STRUCTURE);
    gst_value_set_structure (&v, s);
    gst_structure_free (s);
    gst_value_array_append_and_take_value (array, &v);
  }
  g_ptr_array_unref (sorted);
  return array;
}

/* Posts an element message; never called with the object lock held. */
void
gst_e2ee_post_message (GstElement * element, GstStructure * s)
{
  gst_element_post_message (element, gst_message_new_element (GST_OBJECT (element), s));
}
