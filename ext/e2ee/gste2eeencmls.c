/* gst-e2ee: e2eeenc: following an MLS group's epochs
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * When a #GstE2eeMlsKeys provisions the element's key store, the group decides the
 * KID: this stream's KID of the current epoch (RFC 9605 §5.2, context
 * `mls-context`). The binding notifies `own-kid` in the thread that applied a commit,
 * after the store holds the new epoch's keys; the KID then goes into the key binder's
 * pending change, which the next frame applies with the store's key. Without a KID
 * (removed from the group) frames are dropped, never sent in the clear.
 *
 * Locks: the binding's handlers run with the binding's lock held (key-added) or not
 * (notify), so this code never calls into the binding while holding mls_lock or the
 * object lock.
 */

#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "gste2eeenc-private.h"

/* Takes the binding's KID for this stream as the one to encrypt with. @keys is the
 * binding found for the element's store (NULL: none); @force: it is a new one. */
static void
follow (GstE2eeEnc * self, GstE2eeMlsKeys * keys, gboolean force)
{
  guint64 kid = G_MAXUINT64, epoch = 0;
  gboolean key_ignored = FALSE;
  guint context;

  GST_OBJECT_LOCK (self);
  context = self->mls_context;
  GST_OBJECT_UNLOCK (self);
  if (keys) {
    kid = gst_e2ee_mls_keys_get_own_kid (keys, context);
    epoch = gst_e2ee_mls_keys_get_epoch (keys);
  }

  GST_OBJECT_LOCK (self);
  if (self->mls != keys) {
    /* Another binding came meanwhile: its own call follows it. */
    GST_OBJECT_UNLOCK (self);
    return;
  }
  if (keys == NULL) {
    self->mls_following = FALSE;
    self->mls_kid = G_MAXUINT64;
    GST_OBJECT_UNLOCK (self);
    return;
  }
  self->mls_following = TRUE;
  /* A new binding's KID is taken even if it is the old one's: its key is new. */
  if (kid == self->mls_kid && !force) {
    GST_OBJECT_UNLOCK (self);
    return;
  }
  self->mls_kid = kid;
  self->mls_epoch = epoch;
  if (kid != G_MAXUINT64) {
    /* The group's key, not one the application gave. */
    if (self->base_key) {
      g_clear_pointer (&self->base_key, g_bytes_unref);
      key_ignored = TRUE;
    }
    if (self->started && self->key) {
      GstE2eePending *p = pending_locked (self);

      /* Applied by the next frame, with the store's key for it. */
      gst_e2ee_pending_clear (p);
      gst_e2ee_pending_set_kid (p, kid);
    } else {
      self->kid = kid;
      self->key_dirty = TRUE;
      self->retain_key = TRUE;
    }
  }
  GST_INFO_OBJECT (self, "MLS epoch %" G_GUINT64_FORMAT ": context %u %s %"
      G_GUINT64_FORMAT, epoch, context, kid == G_MAXUINT64 ? "has no KID" : "KID", kid);
  GST_OBJECT_UNLOCK (self);

  if (key_ignored)
    GST_ELEMENT_WARNING (self, RESOURCE, SETTINGS, ("The MLS group decides the keys: "
            "the 'key' property is ignored"), ("key store %" GST_PTR_FORMAT
            " is provisioned by an MLS group", keys));
}

static void
on_own_kid (GstE2eeMlsKeys * keys, GParamSpec * pspec, GstE2eeEnc * self)
{
  follow (self, keys, FALSE);
}

/* A binding adds its keys when it is made: the way a new one shows itself. */
static void
on_key_added (GstE2eeKeyStore * store, guint64 kid, GstE2eeKeyUsage usage,
    GstE2eeEnc * self)
{
  if (usage == GST_E2EE_KEY_USAGE_ENCRYPT)
    gst_e2ee_enc_mls_refresh (self);
}

/* Looks up the binding of the element's store (when the store may have changed or a
 * binding may have been made) and follows it. */
void
gst_e2ee_enc_mls_refresh (GstE2eeEnc * self)
{
  GstE2eeKeyStore *store;
  GstE2eeMlsKeys *keys, *old = NULL;
  GstE2eeKeyStore *old_store = NULL;
  gulong old_notify = 0, old_store_id = 0;
  gboolean changed;

  GST_OBJECT_LOCK (self);
  store = self->store ? g_object_ref (self->store) : NULL;
  GST_OBJECT_UNLOCK (self);
  keys = store ? gst_e2ee_mls_keys_get_for_store (store) : NULL;

  g_mutex_lock (&self->mls_lock);
  if (store != self->mls_store) {
    old_store = self->mls_store;
    old_store_id = self->mls_store_id;
    self->mls_store = store ? g_object_ref (store) : NULL;
    self->mls_store_id = store ? g_signal_connect (store, "key-added",
        G_CALLBACK (on_key_added), self) : 0;
  }
  GST_OBJECT_LOCK (self);
  changed = keys != self->mls;
  if (changed) {
    old = self->mls;
    self->mls = keys ? g_object_ref (keys) : NULL;
  }
  GST_OBJECT_UNLOCK (self);
  if (changed) {
    old_notify = self->mls_notify_id;
    self->mls_notify_id = keys ? g_signal_connect (keys, "notify::own-kid",
        G_CALLBACK (on_own_kid), self) : 0;
  }
  g_mutex_unlock (&self->mls_lock);

  if (old_store) {
    g_signal_handler_disconnect (old_store, old_store_id);
    g_object_unref (old_store);
  }
  if (old) {
    if (old_notify)
      g_signal_handler_disconnect (old, old_notify);
    g_object_unref (old);
  }
  /* Also for a new mls-context with the same binding. */
  if (changed || keys)
    follow (self, keys, changed);
  g_clear_object (&keys);
  g_clear_object (&store);
}

/* From finalize: no handler runs for this element any more. */
void
gst_e2ee_enc_mls_clear (GstE2eeEnc * self)
{
  if (self->mls_store) {
    g_signal_handler_disconnect (self->mls_store, self->mls_store_id);
    gst_clear_object (&self->mls_store);
  }
  if (self->mls) {
    if (self->mls_notify_id)
      g_signal_handler_disconnect (self->mls, self->mls_notify_id);
    g_clear_object (&self->mls);
  }
  g_mutex_clear (&self->mls_lock);
}
