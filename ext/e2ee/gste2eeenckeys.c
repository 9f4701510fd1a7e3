/* gst-e2ee: e2eeenc: which key frames are encrypted with
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * The key store (looked up without the object lock), `rotate`, `ratchet`,
 * `generate-key` and the pending change of `key-id`, `key` and `cipher-suite`; every
 * key goes through the key binder (gste2eekeybinder.c), which holds the nonce rule.
 */

#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "gste2eeenc-private.h"

#include <openssl/crypto.h>
#include <openssl/rand.h>
#include <string.h>

/* With the object lock. Replaces the current key, wiping it unless it is one kept
 * for its KID. */
static void
switch_key_locked (GstE2eeEnc * self, GstE2eeSFrameKey * fresh, KeySwitch * sw)
{
  if (self->key) {
    sw->had_old = TRUE;
    sw->old_kid = gst_e2ee_sframe_key_get_kid (self->key);
    gst_e2ee_sframe_key_unref (self->key);
  }
  self->key = fresh;
  self->key_dirty = FALSE;
  self->announced = FALSE;
  self->soft_signalled = FALSE;
  self->hard_reported = FALSE;
  self->need_keyframe = self->keyframe_on_rotate && sw->had_old;
  sw->switched = TRUE;
  sw->new_kid = gst_e2ee_sframe_key_get_kid (fresh);
  sw->mls = self->mls_following && sw->new_kid == self->mls_kid;
  sw->mls_epoch = self->mls_epoch;
  GST_INFO_OBJECT (self, "encrypting with KID %" G_GUINT64_FORMAT ", next CTR %"
      G_GUINT64_FORMAT, gst_e2ee_sframe_key_get_kid (fresh),
      gst_e2ee_sframe_key_get_next_counter (fresh));
}

/* Tries at looking up, before the lock is held again, what another thread changed
 * meanwhile. */
#define STORE_KEYS_ATTEMPTS 8

void
gst_e2ee_enc_store_keys_clear (StoreKeys * sk)
{
  guint i;

  for (i = 0; i < sk->n; i++)
    g_clear_pointer (&sk->keys[i], gst_e2ee_sframe_key_unref);
  gst_clear_object (&sk->store);
  sk->n = 0;
}

static void
store_keys_want (StoreKeys * want, guint64 kid)
{
  guint i;

  for (i = 0; i < want->n; i++)
    if (want->kids[i] == kid)
      return;
  want->kids[want->n++] = kid;
}

/* With the object lock: the KIDs the key code may ask the store for: the configured
 * KID while the store's key is to be (re)taken, a `key-id` waiting for the store's
 * key, and @kid (when @with_kid), a `key-id` being written while playing. */
static void
store_keys_wanted_locked (GstE2eeEnc * self, gboolean with_kid, guint64 kid,
    StoreKeys * want)
{
  want->store = self->store;
  want->n = 0;
  if (self->store == NULL)
    return;
  if (self->base_key == NULL && (self->key_dirty || self->key == NULL))
    store_keys_want (want, self->kid);
  if (pending_locked (self)->fields & GST_E2EE_PENDING_FIELD_KID)
    store_keys_want (want, pending_locked (self)->kid);
  if (with_kid && self->started && self->key)
    store_keys_want (want, kid);
}

/* Takes the object lock, with @sk holding the store's keys for what
 * store_keys_wanted_locked() names, looked up without the lock and checked again
 * under it; in the common case (no key to take from the store) it only takes the
 * lock. Clear @sk after the unlock. */
void
gst_e2ee_enc_lock_with_store_keys (GstE2eeEnc * self, gboolean with_kid, guint64 kid, StoreKeys * sk)
{
  guint attempt, i;

  for (attempt = 0;; attempt++) {
    StoreKeys want = { 0, };

    GST_OBJECT_LOCK (self);
    store_keys_wanted_locked (self, with_kid, kid, &want);
    if (want.n == 0 || (want.store == sk->store && want.n == sk->n &&
            memcmp (want.kids, sk->kids, want.n * sizeof (guint64)) == 0))
      return;
    if (attempt == STORE_KEYS_ATTEMPTS) {
      /* Someone keeps changing the key meanwhile: the code under the lock finds no
       * store key this time, as if it had not been added yet. */
      GST_WARNING_OBJECT (self, "the key settings kept changing while looking up "
          "the key store");
      return;
    }
    want.store = g_object_ref (want.store);
    GST_OBJECT_UNLOCK (self);

    gst_e2ee_enc_store_keys_clear (sk);
    *sk = want;
    for (i = 0; i < sk->n; i++)
      sk->keys[i] = gst_e2ee_key_store_lookup (sk->store, sk->kids[i],
          GST_E2EE_KEY_USAGE_ENCRYPT);
  }
}

/* With the object lock. The store's encryption key for @kid, as @sk looked it up
 * (a new reference), or NULL. */
static GstE2eeSFrameKey *
store_key_locked (GstE2eeEnc * self, const StoreKeys * sk, guint64 kid)
{
  guint i;

  if (sk == NULL || sk->store == NULL || sk->store != self->store)
    return NULL;
  for (i = 0; i < sk->n; i++)
    if (sk->kids[i] == kid)
      return sk->keys[i] ? gst_e2ee_sframe_key_ref (sk->keys[i]) : NULL;
  return NULL;
}

/* With the object lock. Binds *@key (owned), a key for self->kid, to that KID and
 * replaces it with the key to encrypt with; FALSE (and *@key freed) with @error set
 * when the binder refuses it (gste2eekeybinder.c: a KID keeps the first key it was used
 * with for the element's lifetime, and that key keeps one counter). The key store's
 * keys are bound like the application's, so that the element goes on with the counter
 * it reached; an MLS group's keys are the group's (GST_E2EE_KEY_ORIGIN_GROUP). */
static gboolean
bind_key_locked (GstE2eeEnc * self, GstE2eeSFrameKey ** key, GError ** error)
{
  GstE2eeKeyOrigin origin = !self->retain_key ? GST_E2EE_KEY_ORIGIN_MADE :
      self->mls_following && self->base_key == NULL ? GST_E2EE_KEY_ORIGIN_GROUP :
      GST_E2EE_KEY_ORIGIN_GIVEN;

  *key = gst_e2ee_key_binder_bind (self->binder, self->kid, *key, self->key, origin,
      error);
  return *key != NULL;
}

/* With the object lock. Makes self->key match the configured key, KID and suite:
 * the `key` property (or a rotated, generated or ratcheted key), else the key store's
 * encryption key for the KID, from @sk. Returns FALSE with @error set when there is no
 * key or the KID was already used with a different key. */
gboolean
gst_e2ee_enc_update_key_locked (GstE2eeEnc * self, const StoreKeys * sk, KeySwitch * sw,
    GError ** error)
{
  GstE2eeSFrameKey *fresh;
  const guint8 *data;
  gsize size;

  if (!self->key_dirty && self->key)
    return TRUE;

  if (self->base_key == NULL) {
    fresh = store_key_locked (self, sk, self->kid);
    if (fresh == NULL) {
      g_set_error_literal (error, GST_E2EE_SFRAME_ERROR,
          GST_E2EE_SFRAME_ERROR_INVALID_ARGUMENT,
          "no key: set the 'key' property (the base key, as hex on a gst-launch line) "
          "and 'key-id', or add an encryption key for key-id to the key store");
      return FALSE;
    }
    if (!bind_key_locked (self, &fresh, error))
      return FALSE;
    self->key_from_store = TRUE;
    switch_key_locked (self, fresh, sw);
    return TRUE;
  }

  data = g_bytes_get_data (self->base_key, &size);
  if (size < GST_E2EE_MIN_BASE_KEY_SIZE) {
    g_set_error (error, GST_E2EE_SFRAME_ERROR, GST_E2EE_SFRAME_ERROR_INVALID_ARGUMENT,
        "the base key has %" G_GSIZE_FORMAT " bytes; at least %d are needed (32 "
        "random bytes recommended)", size, GST_E2EE_MIN_BASE_KEY_SIZE);
    return FALSE;
  }
  fresh = gst_e2ee_sframe_key_new (self->suite, self->kid, data, size, error);
  if (fresh == NULL)
    return FALSE;
  if (!bind_key_locked (self, &fresh, error))
    return FALSE;
  self->key_from_store = FALSE;
  switch_key_locked (self, fresh, sw);
  return TRUE;
}

void
gst_e2ee_enc_post_key_switch (GstE2eeEnc * self, const KeySwitch * sw)
{
  if (sw->switched && sw->had_old)
    gst_e2ee_post_message (GST_ELEMENT (self), gst_structure_new ("e2ee-key-retired",
            "kid", G_TYPE_UINT64, sw->old_kid, NULL));
  if (sw->switched && sw->mls)
    gst_e2ee_post_message (GST_ELEMENT (self), gst_structure_new ("e2ee-mls-kid",
            "kid", G_TYPE_UINT64, sw->new_kid, "epoch", G_TYPE_UINT64, sw->mls_epoch,
            NULL));
}

/* With the object lock. Configures @kid and @base_key (taken; NULL: the key store's
 * key for @kid, from @sk) as the next key and switches to it at once, or refuses
 * (@error set) and keeps encrypting with what was there. */
static gboolean
set_next_key_locked (GstE2eeEnc * self, guint64 kid, GBytes * base_key, gboolean retain,
    const StoreKeys * sk, KeySwitch * sw, GError ** error)
{
  guint64 old_kid = self->kid;
  GBytes *old_key = self->base_key;
  gboolean old_retain = self->retain_key;

  self->kid = kid;
  self->base_key = base_key;
  self->retain_key = retain;
  self->key_dirty = TRUE;
  if (gst_e2ee_enc_update_key_locked (self, sk, sw, error)) {
    g_clear_pointer (&old_key, g_bytes_unref);
    return TRUE;
  }
  /* Refused: keep encrypting with what was there. */
  self->kid = old_kid;
  self->base_key = old_key;
  self->retain_key = old_retain;
  self->key_dirty = FALSE;
  g_clear_pointer (&base_key, g_bytes_unref);
  return FALSE;
}

/* With the object lock, while a key is in use. `key-id` and `key` are two writes (two
 * set_property() calls even in one g_object_set()) and a frame may come between them:
 * applying the first alone would encrypt under the new KID with the old key (which
 * then binds that KID to it, so the real key is refused) or under the old KID with
 * the new key (refused). So they form one pending change, applied by the write that
 * completes it, and until then frames keep the current key:
 *
 * * key-id and key (or cipher-suite) both written: applied together, like `rotate`;
 *   refused (with @error set) if the KID was used with another key, and the current
 *   key stays.
 * * key-id alone: with no `key` in use, the key store's key for it, switched to by
 *   the first frame that finds it in the store (@streaming); else it waits for the
 *   key.
 * * key or cipher-suite alone: nothing to do if it is the key in use; else it waits
 *   for key-id.
 *
 * The key store's keys come from @sk (gst_e2ee_enc_lock_with_store_keys()). Returns FALSE only for
 * a refused change. */
gboolean
gst_e2ee_enc_apply_pending_locked (GstE2eeEnc * self, const StoreKeys * sk, KeySwitch * sw,
    gboolean streaming, GError ** error)
{
  GstE2eePending *p = pending_locked (self);
  GstE2eeCipherSuite old_suite = self->suite, suite;
  GstE2eeSFrameKey *fresh;
  const guint8 *data;
  GBytes *key;
  guint64 kid;
  gsize size;
  gboolean ok;

  switch (gst_e2ee_pending_get_state (p)) {
    case GST_E2EE_PENDING_NONE:
      return TRUE;
    case GST_E2EE_PENDING_COMPLETE:
      key = (p->fields & GST_E2EE_PENDING_FIELD_KEY) ? g_steal_pointer (&p->key) :
          (self->base_key ? g_bytes_ref (self->base_key) : NULL);
      kid = p->kid;
      if (p->fields & GST_E2EE_PENDING_FIELD_SUITE)
        self->suite = p->suite;
      gst_e2ee_pending_clear (p);
      /* No `key` (NULL): the key store's key for the KID. */
      ok = set_next_key_locked (self, kid, key, TRUE, sk, sw, error);
      if (!ok)
        self->suite = old_suite;
      return ok;
    case GST_E2EE_PENDING_WANTS_KEY:
      /* Only from a frame: in a property write the `key` that completes the change
       * may come next, and switching to the store's key first would leave it to pair
       * with whatever KID is written after it. */
      if (!streaming || self->base_key || self->store == NULL)
        return TRUE;
      fresh = store_key_locked (self, sk, p->kid);
      if (fresh == NULL)
        return TRUE;
      gst_e2ee_sframe_key_unref (fresh);
      kid = p->kid;
      gst_e2ee_pending_clear (p);
      return set_next_key_locked (self, kid, NULL, TRUE, sk, sw, error);
    case GST_E2EE_PENDING_WANTS_KID:
      break;
  }

  /* Key or suite alone: the key in use given again changes nothing. Only for a key
   * kept for its KID (the application's, or the store's): the property key then
   * takes its place with its counter. */
  if (((p->fields & GST_E2EE_PENDING_FIELD_KEY) && p->key == NULL) ||
      (self->base_key == NULL && !(p->fields & GST_E2EE_PENDING_FIELD_KEY)) ||
      gst_e2ee_key_binder_lookup (self->binder, self->kid) != self->key)
    return TRUE;
  data = (p->fields & GST_E2EE_PENDING_FIELD_KEY) ? g_bytes_get_data (p->key, &size) :
      self->base_key ? g_bytes_get_data (self->base_key, &size) : NULL;
  if (data == NULL || size < GST_E2EE_MIN_BASE_KEY_SIZE)
    return TRUE;
  suite = (p->fields & GST_E2EE_PENDING_FIELD_SUITE) ? p->suite : self->suite;
  fresh = gst_e2ee_sframe_key_new (suite, self->kid, data, size, NULL);
  if (fresh && gst_e2ee_sframe_key_same_secret (fresh, self->key)) {
    if (p->fields & GST_E2EE_PENDING_FIELD_KEY) {
      g_clear_pointer (&self->base_key, g_bytes_unref);
      self->base_key = g_steal_pointer (&p->key);
      self->key_from_store = FALSE;
    }
    self->suite = suite;
    gst_e2ee_pending_clear (p);
  }
  g_clear_pointer (&fresh, gst_e2ee_sframe_key_unref);
  return TRUE;
}

gboolean
gst_e2ee_enc_rotate (GstE2eeEnc * self, guint64 kid, GstBuffer * base_key)
{
  KeySwitch sw = { 0, };
  GError *error = NULL;
  gboolean ok;

  if (base_key == NULL)
    return FALSE;
  GST_OBJECT_LOCK (self);
  ok = set_next_key_locked (self, kid, gst_e2ee_secret_from_buffer (base_key), TRUE, NULL,
      &sw, &error);
  GST_OBJECT_UNLOCK (self);
  if (!ok) {
    GST_ELEMENT_WARNING (self, RESOURCE, SETTINGS, ("Cannot rotate to KID %"
            G_GUINT64_FORMAT ": %s", kid, error->message), (NULL));
    g_clear_error (&error);
    return FALSE;
  }
  gst_e2ee_post_message (GST_ELEMENT (self), gst_structure_new ("e2ee-key-added",
          "kid", G_TYPE_UINT64, kid, NULL));
  gst_e2ee_enc_post_key_switch (self, &sw);
  return TRUE;
}

/* Makes a random key in the next generation and switches to it. The key leaves the
 * element only through the key-generated signal. */
guint64
gst_e2ee_enc_generate_key (GstE2eeEnc * self)
{
  KeySwitch sw = { 0, };
  GError *error = NULL;
  guint8 raw[GENERATED_KEY_SIZE];
  GstBuffer *handout;
  GstMapInfo map;
  guint64 kid, generation;
  guint bits;
  gboolean ok;

  if (RAND_bytes (raw, GENERATED_KEY_SIZE) != 1) {
    GST_ELEMENT_WARNING (self, RESOURCE, FAILED, ("Cannot generate a key"),
        ("RAND_bytes failed"));
    return G_MAXUINT64;
  }

  GST_OBJECT_LOCK (self);
  bits = self->ratchet_bits;
  generation = gst_e2ee_ratchet_kid_get_generation (self->kid, bits);
  kid = gst_e2ee_ratchet_kid (generation + 1, 0, bits);
  ok = set_next_key_locked (self, kid, gst_e2ee_secret_new (raw, GENERATED_KEY_SIZE),
      FALSE, NULL, &sw, &error);
  GST_OBJECT_UNLOCK (self);
  if (!ok) {
    OPENSSL_cleanse (raw, sizeof (raw));
    GST_ELEMENT_WARNING (self, RESOURCE, SETTINGS, ("Cannot use a generated key: %s",
            error->message), (NULL));
    g_clear_error (&error);
    return G_MAXUINT64;
  }

  /* The application's copy: wiped after the signal unless a handler kept it. */
  handout = gst_buffer_new_allocate (NULL, GENERATED_KEY_SIZE, NULL);
  gst_buffer_fill (handout, 0, raw, GENERATED_KEY_SIZE);
  OPENSSL_cleanse (raw, sizeof (raw));
  g_signal_emit_by_name (self, "key-generated", kid, handout);
  if (GST_MINI_OBJECT_REFCOUNT_VALUE (handout) == 1 &&
      gst_buffer_map (handout, &map, GST_MAP_WRITE)) {
    OPENSSL_cleanse (map.data, map.size);
    gst_buffer_unmap (handout, &map);
  }
  gst_buffer_unref (handout);

  gst_e2ee_post_message (GST_ELEMENT (self), gst_structure_new ("e2ee-key-added",
          "kid", G_TYPE_UINT64, kid, NULL));
  gst_e2ee_enc_post_key_switch (self, &sw);
  return kid;
}

/* RFC 9605 §5.1: the next base key and the next step of the KID. */
guint64
gst_e2ee_enc_ratchet (GstE2eeEnc * self)
{
  KeySwitch sw = { 0, };
  GError *error = NULL;
  StoreKeys sk = { 0, };
  GstE2eeKeyStore *store = NULL;
  guint8 next[64];
  guint64 old_kid, new_kid = G_MAXUINT64;
  gsize nh;
  gboolean ok = FALSE;

  GST_OBJECT_LOCK (self);
  old_kid = self->kid;
  if (self->base_key == NULL && self->store) {
    guint bits = self->ratchet_bits;

    store = g_object_ref (self->store);

    /* A key the application put in the store: the store ratchets it, replacing any
     * key it holds for the next step, so the step is checked here first. */
    if (bits > 0)
      new_kid = gst_e2ee_ratchet_next_kid (old_kid, bits);
    if (bits > 0 && gst_e2ee_key_binder_is_taken (self->binder, new_kid)) {
      g_set_error (&error, GST_E2EE_SFRAME_ERROR, GST_E2EE_SFRAME_ERROR_INVALID_ARGUMENT,
          "key ID %" G_GUINT64_FORMAT " was already used with another key; a "
          "ratcheted key cannot take it", new_kid);
    } else {
      /* The store signals synchronously: its handlers may use this element. */
      GST_OBJECT_UNLOCK (self);
      ok = gst_e2ee_key_store_ratchet (store, old_kid, GST_E2EE_KEY_USAGE_ENCRYPT, bits,
          0, &new_kid, &error);
      if (ok) {
        sk.store = g_object_ref (store);
        sk.n = 1;
        sk.kids[0] = new_kid;
        sk.keys[0] = gst_e2ee_key_store_lookup (store, new_kid,
            GST_E2EE_KEY_USAGE_ENCRYPT);
      }
      GST_OBJECT_LOCK (self);
    }
    /* The element may have been given another key meanwhile (by those handlers, or
     * another thread): that one wins, the store's ratchet stays done. */
    if (ok && (self->store != store || self->kid != old_kid || self->base_key != NULL)) {
      g_set_error_literal (&error, GST_E2EE_SFRAME_ERROR,
          GST_E2EE_SFRAME_ERROR_INVALID_ARGUMENT, "the key changed while ratcheting; "
          "the key store ratcheted, the element keeps the new key");
      ok = FALSE;
    } else if (ok) {
      gboolean old_retain = self->retain_key;

      self->kid = new_kid;
      self->retain_key = FALSE;
      self->key_dirty = TRUE;
      ok = gst_e2ee_enc_update_key_locked (self, &sk, &sw, &error);
      if (!ok) {
        self->kid = old_kid;
        self->retain_key = old_retain;
        self->key_dirty = FALSE;
      }
    }
  } else if (self->base_key == NULL) {
    g_set_error_literal (&error, GST_E2EE_SFRAME_ERROR,
        GST_E2EE_SFRAME_ERROR_INVALID_ARGUMENT, "there is no key to ratchet");
  } else if (self->ratchet_bits == 0) {
    g_set_error_literal (&error, GST_E2EE_SFRAME_ERROR,
        GST_E2EE_SFRAME_ERROR_INVALID_ARGUMENT, "ratchet-bits is 0: a KID has no "
        "ratchet step");
  } else {
    nh = gst_e2ee_cipher_suite_get_hash_size (self->suite);
    new_kid = gst_e2ee_ratchet_next_kid (old_kid, self->ratchet_bits);
    if (gst_e2ee_ratchet_base_key (self->suite, g_bytes_get_data (self->base_key, NULL),
            g_bytes_get_size (self->base_key), next, sizeof (next), &error))
      ok = set_next_key_locked (self, new_kid, gst_e2ee_secret_new (next, nh), FALSE,
          NULL, &sw, &error);
    OPENSSL_cleanse (next, sizeof (next));
  }
  GST_OBJECT_UNLOCK (self);
  gst_e2ee_enc_store_keys_clear (&sk);
  g_clear_object (&store);

  if (!ok) {
    GST_ELEMENT_WARNING (self, RESOURCE, SETTINGS, ("Cannot ratchet KID %"
            G_GUINT64_FORMAT ": %s", old_kid, error->message), (NULL));
    g_clear_error (&error);
    return G_MAXUINT64;
  }
  gst_e2ee_post_message (GST_ELEMENT (self), gst_structure_new ("e2ee-ratchet-advanced",
          "old-kid", G_TYPE_UINT64, old_kid, "new-kid", G_TYPE_UINT64, new_kid, NULL));
  gst_e2ee_enc_post_key_switch (self, &sw);
  return new_kid;
}

