/* gst-e2ee: the key binder, the nonce rule of an SFrame sender
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * The rule: a KID keeps the first key it was used with, and that key keeps one counter,
 * so that no (key, CTR) pair is ever used twice, whatever path a key takes back to the
 * sender: the `key` property, `rotate`, the key store (whose key objects start at
 * counter 0 again in another store or after the application removed and re-added the
 * key), ratchet steps and generated keys. e2eeenc keeps one binder for its lifetime and
 * asks it before every key switch; the binder knows nothing of elements or locks (the
 * caller serialises it), as rtpmanager's rtpjitterbuffer.c knows nothing of its element.
 */

#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "gste2eekeybinder-private.h"
#include "gste2eekidset-private.h"
#include "gste2eesframe-private.h"

struct _GstE2eeKeyBinder
{
  /* Every key given for a KID, by KID: its first key, kept with its counter. */
  GHashTable *used_keys;
  /* KIDs of made (generated and ratcheted) keys, never to be given another key: a KID
   * set (ranges), so that a key change every few seconds costs no memory. */
  GArray *spent_kids;
  GstE2eePending pending;
};

GstE2eeKeyBinder *
gst_e2ee_key_binder_new (void)
{
  GstE2eeKeyBinder *b = g_new0 (GstE2eeKeyBinder, 1);

  b->used_keys = g_hash_table_new_full (g_int64_hash, g_int64_equal, g_free,
      (GDestroyNotify) gst_e2ee_sframe_key_unref);
  b->spent_kids = gst_e2ee_kid_set_new ();
  return b;
}

void
gst_e2ee_key_binder_free (GstE2eeKeyBinder * b)
{
  if (b == NULL)
    return;
  gst_e2ee_pending_clear (&b->pending);
  g_hash_table_unref (b->used_keys);
  g_array_unref (b->spent_kids);
  g_free (b);
}

/* A made key takes @kid from @old (the KID of the key in use, if @had_old): the KIDs in
 * between are spent too. A ratchet step is @old + 1, so nothing is skipped; a generated
 * key is step 0 of the next generation, so the rest of the old one is skipped: a
 * receiver would derive those KIDs from the old key's ratchet, never from another key.
 * Consecutive key changes then make one range, whatever their number. */
static void
spend_kids (GstE2eeKeyBinder * b, gboolean had_old, guint64 old, guint64 kid)
{
  gst_e2ee_kid_set_add_range (b->spent_kids, had_old && old < kid ? old + 1 : kid, kid);
}

/* Binds @fresh (taken), a key for @kid, to that KID. @current is the key in use, or
 * NULL. Returns: (transfer full) (nullable): the key to encrypt with: @current when
 * @fresh is the key in use found again, the KID's first key when @fresh has its
 * secret, else @fresh; NULL with @error set when the rule refuses it. */
GstE2eeSFrameKey *
gst_e2ee_key_binder_bind (GstE2eeKeyBinder * b, guint64 kid, GstE2eeSFrameKey * fresh,
    GstE2eeSFrameKey * current, GstE2eeKeyOrigin origin, GError ** error)
{
  GstE2eeSFrameKey *used;

  g_return_val_if_fail (b != NULL && fresh != NULL, NULL);

  /* The key in use, found again (a restart, another lookup in the store). */
  if (current && (fresh == current || gst_e2ee_sframe_key_same_secret (fresh, current))) {
    gst_e2ee_sframe_key_unref (fresh);
    return gst_e2ee_sframe_key_ref (current);
  }
  if (gst_e2ee_kid_set_contains (b->spent_kids, kid)) {
    g_set_error (error, GST_E2EE_SFRAME_ERROR, GST_E2EE_SFRAME_ERROR_INVALID_ARGUMENT,
        "key ID %" G_GUINT64_FORMAT " was already used with another key (a generated "
        "or ratcheted one); give the new key a new key-id", kid);
    goto refused;
  }
  used = g_hash_table_lookup (b->used_keys, &kid);
  if (origin == GST_E2EE_KEY_ORIGIN_MADE) {
    /* A ratchet step or generation can land on a KID the application used (or wrap
     * around to one): that KID keeps its key. */
    if (used) {
      g_set_error (error, GST_E2EE_SFRAME_ERROR, GST_E2EE_SFRAME_ERROR_INVALID_ARGUMENT,
          "key ID %" G_GUINT64_FORMAT " was already used with another key; a "
          "ratcheted or generated key cannot take it", kid);
      goto refused;
    }
    spend_kids (b, current != NULL, current ? gst_e2ee_sframe_key_get_kid (current) : 0,
        kid);
    return fresh;
  }
  if (used && origin == GST_E2EE_KEY_ORIGIN_GROUP && used != fresh &&
      !gst_e2ee_sframe_key_same_secret (used, fresh)) {
    /* A later epoch with the same low E bits: its key replaces the wrapped one. */
    g_hash_table_replace (b->used_keys, g_memdup2 (&kid, sizeof (guint64)),
        gst_e2ee_sframe_key_ref (fresh));
    return fresh;
  }
  if (used) {
    if (used != fresh && !gst_e2ee_sframe_key_same_secret (used, fresh)) {
      g_set_error (error, GST_E2EE_SFRAME_ERROR, GST_E2EE_SFRAME_ERROR_INVALID_ARGUMENT,
          "key ID %" G_GUINT64_FORMAT " was already used with another key (or cipher "
          "suite); give the new key a new key-id", kid);
      goto refused;
    }
    /* Same key again: carry on with its counter. */
    gst_e2ee_sframe_key_unref (fresh);
    return gst_e2ee_sframe_key_ref (used);
  }
  g_hash_table_insert (b->used_keys, g_memdup2 (&kid, sizeof (guint64)),
      gst_e2ee_sframe_key_ref (fresh));
  return fresh;

refused:
  gst_e2ee_sframe_key_unref (fresh);
  return NULL;
}

/* Whether a made key for @kid would be refused: the KID is spent or was given a key. */
gboolean
gst_e2ee_key_binder_is_taken (const GstE2eeKeyBinder * b, guint64 kid)
{
  return gst_e2ee_kid_set_contains (b->spent_kids, kid) ||
      g_hash_table_contains (b->used_keys, &kid);
}

/* Returns: (transfer none) (nullable): the key kept for @kid. */
GstE2eeSFrameKey *
gst_e2ee_key_binder_lookup (const GstE2eeKeyBinder * b, guint64 kid)
{
  return g_hash_table_lookup (b->used_keys, &kid);
}

GstE2eePending *
gst_e2ee_key_binder_get_pending (GstE2eeKeyBinder * b)
{
  return &b->pending;
}

/* ---- The pending change ----------------------------------------------------- */

void
gst_e2ee_pending_set_kid (GstE2eePending * p, guint64 kid)
{
  p->kid = kid;
  p->fields |= GST_E2EE_PENDING_FIELD_KID;
}

/* Takes @key (NULL: no key, the store's). */
void
gst_e2ee_pending_set_key (GstE2eePending * p, GBytes * key)
{
  g_clear_pointer (&p->key, g_bytes_unref);
  p->key = key;
  p->fields |= GST_E2EE_PENDING_FIELD_KEY;
}

void
gst_e2ee_pending_set_suite (GstE2eePending * p, GstE2eeCipherSuite suite)
{
  p->suite = suite;
  p->fields |= GST_E2EE_PENDING_FIELD_SUITE;
}

GstE2eePendingState
gst_e2ee_pending_get_state (const GstE2eePending * p)
{
  gboolean kid = (p->fields & GST_E2EE_PENDING_FIELD_KID) != 0;
  gboolean rest = (p->fields & (GST_E2EE_PENDING_FIELD_KEY |
          GST_E2EE_PENDING_FIELD_SUITE)) != 0;

  if (kid && rest)
    return GST_E2EE_PENDING_COMPLETE;
  if (kid)
    return GST_E2EE_PENDING_WANTS_KEY;
  if (rest)
    return GST_E2EE_PENDING_WANTS_KID;
  return GST_E2EE_PENDING_NONE;
}

/* Forgets the change; the key is wiped with its last reference. */
void
gst_e2ee_pending_clear (GstE2eePending * p)
{
  g_clear_pointer (&p->key, g_bytes_unref);
  p->fields = 0;
}

/* When the sender stops, a change still waiting for its other half becomes the
 * configuration the next start applies as it stands: writes what it holds into @kid,
 * @base_key (replacing it) and @suite and clears it. Returns: whether it held anything. */
gboolean
gst_e2ee_pending_settle (GstE2eePending * p, guint64 * kid, GBytes ** base_key,
    GstE2eeCipherSuite * suite)
{
  gboolean any = p->fields != 0;

  if (p->fields & GST_E2EE_PENDING_FIELD_KID)
    *kid = p->kid;
  if (p->fields & GST_E2EE_PENDING_FIELD_SUITE)
    *suite = p->suite;
  if (p->fields & GST_E2EE_PENDING_FIELD_KEY) {
    g_clear_pointer (base_key, g_bytes_unref);
    *base_key = g_steal_pointer (&p->key);
  }
  gst_e2ee_pending_clear (p);
  return any;
}
