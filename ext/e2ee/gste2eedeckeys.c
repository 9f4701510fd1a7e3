/* gst-e2ee: e2eedec: its keys
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * The `key` property's key (kept in the key store under its KID), `add-key`,
 * `remove-key`, `retire-key`, and what the key store's signals change here.
 */

#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "gste2eedec-private.h"

#include <openssl/crypto.h>
#include <string.h>

/* ---- Key store ------------------------------------------------------------ */

static gboolean
kid_is_ours_locked (GstE2eeDec * self, guint64 kid)
{
  GstE2eeKidStats *st = g_hash_table_lookup (self->stats, &kid);
  return st != NULL && st->activated;
}

static void
on_store_key_added (GstE2eeKeyStore * store, guint64 kid, GstE2eeKeyUsage usage,
    GstE2eeDec * self)
{
  if (usage == GST_E2EE_KEY_USAGE_DECRYPT) {
    g_atomic_int_set (&self->keys_changed, 1);
    /* An MLS binding adds keys when it is made (and at every epoch): the next frame
     * looks again whether one keys the store (refresh_settings()). */
    g_atomic_int_inc (&self->settings_cookie);
    gst_e2ee_dec_schedule_release (self);
  }
}

/* The `key` property's key left @store's current keys without gst_e2ee_dec_install_prop_key()
 * moving it: superseded for good, so the element's copy goes too (wiped when the last
 * reference goes, see gst_e2ee_secret_new()) and no later write of `key-id`,
 * `cipher-suite` or the store brings it back. */
static void
forget_prop_key (GstE2eeDec * self, const GstE2eeKeyStore * store, guint64 kid)
{
  GBytes *key = NULL;

  GST_OBJECT_LOCK (self);
  if (self->prop_store == store && self->installed_prop_kid == kid) {
    gst_clear_object (&self->prop_store);
    key = g_steal_pointer (&self->prop_key);
    self->prop_key_spent = TRUE;
  }
  GST_OBJECT_UNLOCK (self);
  if (key) {
    GST_INFO_OBJECT (self, "the 'key' property's key (KID %" G_GUINT64_FORMAT ") was "
        "superseded: wiped", kid);
    g_bytes_unref (key);
  }
}

/* A key gone for good: its replay window and its `kid-stats` entry go with it, so the
 * same KID with a new key starts afresh and per-KID state stays bounded by the keys in
 * the store (the totals keep counting). Messages only for KIDs this element used: with
 * a store shared by 200 receivers, each reports its own senders. */
static void
on_store_key_gone (GstE2eeDec * self, GstE2eeKeyStore * store, guint64 kid,
    GstE2eeKeyUsage usage, gboolean expired)
{
  gboolean ours;

  if (usage != GST_E2EE_KEY_USAGE_DECRYPT)
    return;
  forget_prop_key (self, store, kid);
  g_mutex_lock (&self->stats_lock);
  g_hash_table_remove (self->windows, &kid);
  self->last_window = NULL;
  ours = kid_is_ours_locked (self, kid);
  g_hash_table_remove (self->stats, &kid);
  self->last_stats = NULL;
  g_mutex_unlock (&self->stats_lock);
  if (ours && expired)
    gst_e2ee_post_message (GST_ELEMENT (self), gst_structure_new ("e2ee-key-expired",
            "kid", G_TYPE_UINT64, kid, NULL));
}

/* Drops the window and `kid-stats` entry of @kid when @store has no decryption key
 * for it (any more). */
void
gst_e2ee_dec_forget_kid_if_keyless (GstE2eeDec * self, GstE2eeKeyStore * store, guint64 kid)
{
  GstE2eeSFrameKey *key = gst_e2ee_key_store_lookup (store, kid,
      GST_E2EE_KEY_USAGE_DECRYPT);

  if (key) {
    gst_e2ee_sframe_key_unref (key);
    return;
  }
  GST_DEBUG_OBJECT (self, "KID %" G_GUINT64_FORMAT " lost its key meanwhile", kid);
  g_mutex_lock (&self->stats_lock);
  g_hash_table_remove (self->windows, &kid);
  self->last_window = NULL;
  g_hash_table_remove (self->stats, &kid);
  self->last_stats = NULL;
  g_mutex_unlock (&self->stats_lock);
}

static void
on_store_key_removed (GstE2eeKeyStore * store, guint64 kid, GstE2eeKeyUsage usage,
    GstE2eeDec * self)
{
  on_store_key_gone (self, store, kid, usage, FALSE);
}

static void
on_store_key_expired (GstE2eeKeyStore * store, guint64 kid, GstE2eeKeyUsage usage,
    GstE2eeDec * self)
{
  on_store_key_gone (self, store, kid, usage, TRUE);
}

static void
on_store_key_retired (GstE2eeKeyStore * store, guint64 kid, GstE2eeKeyUsage usage,
    guint64 deadline, GstE2eeDec * self)
{
  gboolean ours;

  if (usage != GST_E2EE_KEY_USAGE_DECRYPT)
    return;
  forget_prop_key (self, store, kid);
  g_mutex_lock (&self->stats_lock);
  ours = kid_is_ours_locked (self, kid);
  g_mutex_unlock (&self->stats_lock);
  if (ours)
    gst_e2ee_post_message (GST_ELEMENT (self), gst_structure_new ("e2ee-key-retired",
            "kid", G_TYPE_UINT64, kid, "deadline", G_TYPE_UINT64, deadline, NULL));
}

static void
on_store_ratchet_advanced (GstE2eeKeyStore * store, guint64 old_kid, guint64 new_kid,
    GstE2eeKeyUsage usage, GstE2eeDec * self)
{
  gboolean ours;

  if (usage != GST_E2EE_KEY_USAGE_DECRYPT)
    return;
  g_atomic_int_set (&self->keys_changed, 1);
  g_mutex_lock (&self->stats_lock);
  ours = kid_is_ours_locked (self, old_kid);
  g_mutex_unlock (&self->stats_lock);
  if (ours)
    gst_e2ee_post_message (GST_ELEMENT (self),
        gst_structure_new ("e2ee-ratchet-advanced", "old-kid", G_TYPE_UINT64, old_kid,
            "new-kid", G_TYPE_UINT64, new_kid, NULL));
}

/* With the object lock. Whether the `key` property's key, installed, has decrypted a
 * frame: moved to another KID, suite or store it would start there with an empty
 * replay window. */
gboolean
gst_e2ee_dec_prop_key_used_locked (GstE2eeDec * self)
{
  gboolean used;

  if (self->prop_store == NULL)
    return FALSE;
  g_mutex_lock (&self->stats_lock);
  used = kid_is_ours_locked (self, self->installed_prop_kid);
  g_mutex_unlock (&self->stats_lock);
  return used;
}

/* With the object lock. Whether the properties name the `key` property's key as
 * installed in the current store. */
gboolean
gst_e2ee_dec_prop_key_in_place_locked (GstE2eeDec * self)
{
  return self->prop_store != NULL && self->prop_store == self->store &&
      self->prop_kid == self->installed_prop_kid &&
      self->suite == self->installed_prop_suite;
}

/* With the object lock. The `key` property's key stays where it is (in use, or
 * superseded) and the element's copy is wiped. Returns the copy to unref once the
 * lock is released. */
static GBytes *
spend_prop_key_locked (GstE2eeDec * self)
{
  self->prop_key_spent = TRUE;
  self->prop_key_dirty = FALSE;
  return g_steal_pointer (&self->prop_key);
}

/* Without the object lock: the store signals while adding and removing, and the
 * handlers post messages, which takes it. Installs the `key`/`key-id` pair in the
 * current store when it changed; they may come in either order on a gst-launch line,
 * and the store may change under them (a context arriving), so the element keeps the
 * property's key to reinstall until it is used or superseded (see prop_key). */
void
gst_e2ee_dec_install_prop_key (GstE2eeDec * self)
{
  GstE2eeKeyStore *store, *old_store;
  GBytes *key;
  GError *error = NULL;
  gboolean ok = FALSE;
  guint64 old_kid, kid;
  GstE2eeCipherSuite suite;

  GST_OBJECT_LOCK (self);
  if (!self->prop_key_dirty || self->store == NULL) {
    GST_OBJECT_UNLOCK (self);
    return;
  }
  self->prop_key_dirty = FALSE;
  store = g_object_ref (self->store);
  /* Taken before removing it, so that forget_prop_key() leaves the copy alone. */
  old_store = g_steal_pointer (&self->prop_store);
  old_kid = self->installed_prop_kid;
  key = self->prop_key ? g_bytes_ref (self->prop_key) : NULL;
  kid = self->prop_kid;
  suite = self->suite;
  GST_OBJECT_UNLOCK (self);

  if (old_store) {
    gst_e2ee_key_store_remove_key (old_store, old_kid, GST_E2EE_KEY_USAGE_DECRYPT);
    g_object_unref (old_store);
  }
  if (key) {
    ok = gst_e2ee_key_store_add_key_bytes (store, kid, GST_E2EE_KEY_USAGE_DECRYPT, suite,
        key, &error);
    if (!ok) {
      GST_ELEMENT_WARNING (self, RESOURCE, SETTINGS, ("Cannot use the 'key' property's "
              "key for KID %" G_GUINT64_FORMAT ": %s", kid, error->message), (NULL));
      g_clear_error (&error);
    }
  }
  GST_OBJECT_LOCK (self);
  if (ok && self->store == store && self->prop_store == NULL) {
    self->prop_store = g_object_ref (store);
    self->installed_prop_kid = kid;
    self->installed_prop_suite = suite;
  }
  GST_OBJECT_UNLOCK (self);
  if (key)
    g_bytes_unref (key);
  g_object_unref (store);
}

/* With the object lock. Takes @store. */
void
gst_e2ee_dec_set_store_locked (GstE2eeDec * self, GstE2eeKeyStore * store)
{
  guint i;

  if (store == self->store) {
    if (store)
      g_object_unref (store);
    return;
  }
  if (self->store) {
    for (i = 0; i < N_STORE_SIGNALS; i++)
      g_signal_handler_disconnect (self->store, self->store_handlers[i]);
    gst_clear_object (&self->store);
  }
  g_mutex_lock (&self->stats_lock);
  g_hash_table_remove_all (self->windows);
  self->last_window = NULL;
  g_mutex_unlock (&self->stats_lock);
  self->store = store;
  g_atomic_int_inc (&self->settings_cookie);
  /* The property's key was in the old store: gst_e2ee_dec_install_prop_key() moves it to this one,
   * unless it decrypted frames there. */
  if (gst_e2ee_dec_prop_key_used_locked (self)) {
    GBytes *key = spend_prop_key_locked (self);

    GST_INFO_OBJECT (self, "the 'key' property's key was in use: not moved to the "
        "new key store");
    if (key)
      g_bytes_unref (key);
  } else {
    self->prop_key_dirty = TRUE;
  }
  if (store == NULL)
    return;
  self->store_handlers[STORE_KEY_ADDED] = g_signal_connect (store, "key-added",
      G_CALLBACK (on_store_key_added), self);
  self->store_handlers[STORE_KEY_REMOVED] = g_signal_connect (store, "key-removed",
      G_CALLBACK (on_store_key_removed), self);
  self->store_handlers[STORE_KEY_RETIRED] = g_signal_connect (store, "key-retired",
      G_CALLBACK (on_store_key_retired), self);
  self->store_handlers[STORE_KEY_EXPIRED] = g_signal_connect (store, "key-expired",
      G_CALLBACK (on_store_key_expired), self);
  self->store_handlers[STORE_RATCHET_ADVANCED] = g_signal_connect (store,
      "ratchet-advanced", G_CALLBACK (on_store_ratchet_advanced), self);
  g_atomic_int_set (&self->keys_changed, 1);
}

/* A store to add keys to even before the element has met its pipeline: keys given in
 * NULL state go into a store of the element's own, which it then offers to the
 * pipeline instead of looking for another. Returns a new reference. */
GstE2eeKeyStore *
gst_e2ee_dec_get_store (GstE2eeDec * self)
{
  GstE2eeKeyStore *store;
  gboolean created = FALSE;

  GST_OBJECT_LOCK (self);
  if (self->store == NULL) {
    gst_e2ee_dec_set_store_locked (self, gst_e2ee_key_store_new ());
    created = TRUE;
  }
  store = g_object_ref (self->store);
  GST_OBJECT_UNLOCK (self);
  if (created)
    gst_e2ee_dec_install_prop_key (self);
  return store;
}

gboolean
gst_e2ee_dec_add_key (GstE2eeDec * self, guint64 kid, GstBuffer * base_key)
{
  GstE2eeKeyStore *store;
  GstE2eeCipherSuite suite;
  GError *error = NULL;
  GstMapInfo map;
  gboolean ok;

  if (base_key == NULL || !gst_buffer_map (base_key, &map, GST_MAP_READ))
    return FALSE;
  if (map.size < GST_E2EE_MIN_BASE_KEY_SIZE) {
    GST_WARNING_OBJECT (self, "refusing a %" G_GSIZE_FORMAT "-byte base key for KID %"
        G_GUINT64_FORMAT ": at least %d bytes are needed", map.size, kid,
        GST_E2EE_MIN_BASE_KEY_SIZE);
    gst_buffer_unmap (base_key, &map);
    return FALSE;
  }
  store = gst_e2ee_dec_get_store (self);
  GST_OBJECT_LOCK (self);
  suite = self->suite;
  GST_OBJECT_UNLOCK (self);
  ok = gst_e2ee_key_store_add_key (store, kid, GST_E2EE_KEY_USAGE_DECRYPT, suite,
      map.data, map.size, &error);
  gst_buffer_unmap (base_key, &map);
  g_object_unref (store);
  if (!ok) {
    GST_WARNING_OBJECT (self, "cannot add key for KID %" G_GUINT64_FORMAT ": %s", kid,
        error->message);
    g_clear_error (&error);
    return FALSE;
  }
  GST_INFO_OBJECT (self, "key for KID %" G_GUINT64_FORMAT " added", kid);
  gst_e2ee_post_message (GST_ELEMENT (self), gst_structure_new ("e2ee-key-added",
          "kid", G_TYPE_UINT64, kid, NULL));
  return TRUE;
}

gboolean
gst_e2ee_dec_remove_key (GstE2eeDec * self, guint64 kid)
{
  GstE2eeKeyStore *store = gst_e2ee_dec_get_store (self);
  gboolean removed;

  /* The `key` property's key, if that is the one, goes for good (forget_prop_key()). */
  removed = gst_e2ee_key_store_remove_key (store, kid, GST_E2EE_KEY_USAGE_DECRYPT);
  g_object_unref (store);
  GST_INFO_OBJECT (self, "key for KID %" G_GUINT64_FORMAT " %s", kid,
      removed ? "removed" : "was not there");
  return removed;
}

gboolean
gst_e2ee_dec_retire_key (GstE2eeDec * self, guint64 kid)
{
  GstE2eeKeyStore *store = gst_e2ee_dec_get_store (self);
  GstClockTime grace;
  gboolean retired;

  GST_OBJECT_LOCK (self);
  grace = self->grace_period;
  GST_OBJECT_UNLOCK (self);
  retired = gst_e2ee_key_store_retire_key (store, kid, GST_E2EE_KEY_USAGE_DECRYPT, grace);
  g_object_unref (store);
  return retired;
}

