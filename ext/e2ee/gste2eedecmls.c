/* gst-e2ee: e2eedec: naming the MLS member behind a KID
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * When a #GstE2eeMlsKeys provisions the element's key store, a KID is a member's
 * (RFC 9605 §5.2): drop and unknown-KID messages, their warnings and the per-KID stats
 * say whose media it is, with the leaf index and the identity of the epoch's roster
 * (gst_e2ee_mls_keys_lookup_sender()). Only on those paths, never per decrypted frame:
 * finding the binding takes a lock shared by every store.
 */

#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "gste2eedec-private.h"

#include <string.h>

/* The identity as text: UTF-8 as it is, else hex. */
static gchar *
identity_text (GBytes * id)
{
  gsize size;
  const gchar *data = g_bytes_get_data (id, &size);
  GString *hex;
  gsize i;

  if (g_utf8_validate_len (data, size, NULL) && memchr (data, 0, size) == NULL)
    return g_strndup (data, size);
  hex = g_string_sized_new (size * 2);
  for (i = 0; i < size; i++)
    g_string_append_printf (hex, "%02x", (guint8) data[i]);
  return g_string_free (hex, FALSE);
}

static GstE2eeMlsKeys *
binding (GstE2eeDec * self)
{
  GstE2eeKeyStore *store;
  GstE2eeMlsKeys *keys;

  GST_OBJECT_LOCK (self);
  store = self->store ? g_object_ref (self->store) : NULL;
  GST_OBJECT_UNLOCK (self);
  if (store == NULL)
    return NULL;
  keys = gst_e2ee_mls_keys_get_for_store (store);
  g_object_unref (store);
  return keys;
}

/* A frame of the next epoch overtakes the commit that starts it: the binding has no key
 * for its KID yet, so it cannot name it. The KID says the leaf and context (RFC 9605
 * §5.2); when it is exactly that leaf's KID of the next epoch under the current S and E,
 * the member named is the one who holds the leaf now. A KID of a leaf nobody holds now,
 * or laid out for another S (the roster grows at that epoch), stays unnamed. */
static GstE2eeMlsMember *
next_epoch_member (GstE2eeMlsKeys * keys, guint64 kid)
{
  guint e = gst_e2ee_mls_keys_get_epoch_bits (keys);
  guint s = gst_e2ee_mls_keys_get_sender_bits (keys);
  guint64 context, now;
  guint32 leaf;

  if (!gst_e2ee_mls_keys_is_active (keys) || s + e >= 64)
    return NULL;
  context = kid >> (s + e);
  leaf = (guint32) ((kid >> e) & ((G_GUINT64_CONSTANT (1) << s) - 1));
  if (context > G_MAXUINT
      || gst_e2ee_mls_kid (context, leaf, gst_e2ee_mls_keys_get_epoch (keys) + 1, s,
          e) != kid)
    return NULL;
  now = gst_e2ee_mls_keys_get_kid (keys, leaf, (guint) context);
  if (now == G_MAXUINT64)
    return NULL;
  return gst_e2ee_mls_keys_lookup_sender (keys, now, NULL);
}

static gboolean
lookup (GstE2eeMlsKeys * keys, guint64 kid, guint * leaf, gchar ** identity)
{
  GstE2eeMlsMember *m = gst_e2ee_mls_keys_lookup_sender (keys, kid, NULL);
  GBytes *id;

  if (m == NULL)
    m = next_epoch_member (keys, kid);

  if (m == NULL)
    return FALSE;
  *leaf = gst_e2ee_mls_member_get_leaf_index (m);
  id = gst_e2ee_mls_member_get_identity (m);
  *identity = identity_text (id);
  g_bytes_unref (id);
  gst_e2ee_mls_member_free (m);
  return TRUE;
}

/* The member behind @kid, if an MLS group keys the store and gave @kid to one:
 * sets @leaf and @identity (to free) and returns TRUE. */
gboolean
gst_e2ee_dec_mls_sender (GstE2eeDec * self, guint64 kid, guint * leaf, gchar ** identity)
{
  GstE2eeMlsKeys *keys = binding (self);
  gboolean found;

  if (keys == NULL)
    return FALSE;
  found = lookup (keys, kid, leaf, identity);
  g_object_unref (keys);
  return found;
}

/* Adds `leaf` and `identity` to @s (a message or a kid-stats entry) when @kid is a
 * member's; returns " (leaf L, identity)" for a text, or "" (to free). */
gchar *
gst_e2ee_dec_mls_name (GstE2eeDec * self, guint64 kid, GstStructure * s)
{
  gchar *identity = NULL, *text;
  guint leaf = 0;

  if (!gst_e2ee_dec_mls_sender (self, kid, &leaf, &identity))
    return g_strdup ("");
  if (s)
    gst_structure_set (s, "leaf", G_TYPE_UINT, leaf, "identity", G_TYPE_STRING,
        identity, NULL);
  text = g_strdup_printf (" (leaf %u, %s)", leaf, identity);
  g_free (identity);
  return text;
}

/* Names the member of every entry of @kids (a #GstValueArray of kid-stats). */
void
gst_e2ee_dec_mls_name_kids (GstE2eeDec * self, GValue * kids)
{
  GstE2eeMlsKeys *keys = binding (self);
  guint i, n;

  if (keys == NULL)
    return;
  n = gst_value_array_get_size (kids);
  for (i = 0; i < n; i++) {
    /* The array owns its entries: they are changed where they lie. */
    GstStructure *s = (GstStructure *)
        gst_value_get_structure (gst_value_array_get_value (kids, i));
    guint64 kid = 0;
    gchar *identity = NULL;
    guint leaf = 0;

    if (gst_structure_get_uint64 (s, "kid", &kid) && lookup (keys, kid, &leaf, &identity)) {
      gst_structure_set (s, "leaf", G_TYPE_UINT, leaf, "identity", G_TYPE_STRING,
          identity, NULL);
      g_free (identity);
    }
  }
  g_object_unref (keys);
}
