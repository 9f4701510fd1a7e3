/* gst-e2ee: shared SFrame key store
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

/**
 * SECTION:gste2eekeystore
 * @title: GstE2eeKeyStore
 * @short_description: SFrame keys by KID, shared by a pipeline's encryptors and decryptors
 *
 * A meeting with 200 remote participants has 200 decryption keys, one per sender, and
 * every e2eedec of the pipeline may see any of them. A #GstE2eeKeyStore holds them
 * once: the application adds each sender's base key when it arrives and every element
 * looks keys up by the KID in the frame header.
 *
 * Each KID is held for one #GstE2eeKeyUsage, encryption or decryption, never both (RFC
 * 9605 §4.4.1). The store keeps a ready #GstE2eeSFrameKey per KID; lookups return a
 * new reference to it. Base keys are copied into memory that is wiped with
 * OPENSSL_cleanse() when it is no longer needed, and no function returns them.
 *
 * ## Sharing
 *
 * Elements find the pipeline's store through a #GstContext of type
 * %GST_E2EE_KEY_STORE_CONTEXT_TYPE (gst_e2ee_key_store_ensure() does the usual
 * query / need-context / have-context exchange), or are given one in their `key-store`
 * property. An application can answer the `need-context` message with
 * gst_e2ee_key_store_context_new() to hand the same store to several pipelines.
 *
 * ## Key lifecycle
 *
 * A key is current when added. When it is superseded (gst_e2ee_key_store_retire_key(),
 * or a ratchet step) its base key is wiped at once, so it can no longer be ratcheted,
 * but the key itself stays usable until a deadline, the grace period, so that frames
 * still in flight decrypt. Then it expires: it is removed and its key material wiped.
 * Deadlines are in the time of the store's #GstClock (by default the monotonic system
 * clock; tests set a #GstTestClock). Expired keys are removed by the first lookup
 * after their deadline, or by gst_e2ee_key_store_expire().
 *
 * An encryption key's counter lives in the key object, shared by every encryptor that
 * looked it up, so that no (key, CTR) pair is used twice: the same key added again
 * keeps that object, and a KID whose key was used never gets another key object (see
 * gst_e2ee_key_store_add_key()).
 *
 * ## Ratchet
 *
 * With R ratchet bits (see gst_e2ee_ratchet_kid()), a KID names a generation and a
 * step. gst_e2ee_key_store_ratchet() moves a current key one step forward.
 * A receiver meets steps it has not derived yet as unknown KIDs:
 * gst_e2ee_key_store_lookup_ratchet() then derives the key from the current key of the
 * same generation, if that is at most `max_steps` steps behind, without changing the
 * store. Only once the frame authenticated does gst_e2ee_key_store_commit_ratchet()
 * install the new step and start the grace period of the older ones: a forged frame
 * naming a future step can make the receiver compute, but not forget, keys.
 *
 * |[<!-- language="C" -->
 * // e2eedec, per frame
 * key = gst_e2ee_key_store_lookup_ratchet (store, kid, ratchet_bits, ratchet_window,
 *     &derived);
 * if (key == NULL)
 *   drop: unknown KID
 * else if (!gst_e2ee_sframe_key_decrypt (key, ...))
 *   drop: authentication
 * else if (derived)
 *   gst_e2ee_key_store_commit_ratchet (store, kid, ratchet_bits, ratchet_window,
 *       grace_period, NULL);
 * ]|
 *
 * ## Threads
 *
 * Every function may be called from any thread. The keys sit in one hash table
 * (O(1) lookups) behind a #GRWLock: lookups only take it for reading, so streams
 * decrypting at the same time never wait for each other, and the key's own cipher
 * contexts are locked per key. Only changes (adding, removing, ratcheting, expiring)
 * take it for writing, and they derive keys before taking it. Signals are emitted
 * from the thread that made the change, after the lock is released, so handlers may
 * call back into the store.
 *
 * Since: 0.1
 */

#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "gste2eekeystore.h"
#include "gste2eekeystore-private.h"
#include "gste2eekidset-private.h"
#include "gste2eeratchet.h"
#include "gste2eesframe-private.h"
#include "e2ee-enumtypes.h"

#include <string.h>
#include <openssl/crypto.h>

GST_DEBUG_CATEGORY_STATIC (gst_e2ee_key_store_debug);
#define GST_CAT_DEFAULT gst_e2ee_key_store_debug

#define MAX_HASH_SIZE 64
/* A receiver never derives more steps than this for one frame, whatever max_steps
 * says: a bound on the work a single forged header can cause. */
#define MAX_RATCHET_STEPS 1024
/* Attempts to install a ratchet step derived outside the lock before giving up; a
 * retry only happens when another thread changed the same key in between. */
#define MAX_RATCHET_ATTEMPTS 8

G_DEFINE_QUARK (gst-e2ee-key-store-error-quark, gst_e2ee_key_store_error);

static gboolean add_key (GstE2eeKeyStore * store, guint64 kid, GstE2eeKeyUsage usage,
    GstE2eeCipherSuite suite, const guint8 * base_key, gsize base_key_size,
    gboolean new_secret, GError ** error);

typedef struct
{
  guint64 kid;                  /* the hash table key points here */
  GstE2eeKeyUsage usage;
  GstE2eeCipherSuite suite;
  GstE2eeSFrameKey *key;
  /* GST_CLOCK_TIME_NONE while current; the end of the grace period once superseded. */
  GstClockTime deadline;
  /* Unique per entry, so that work done outside the lock can tell the entry it
   * started from was not replaced meanwhile. */
  guint64 serial;
  /* Kept only while current, for ratcheting; wiped when superseded or removed. */
  guint8 *base_key;
  gsize base_key_size;
  /* Set (atomically, under the reader lock) when an encryption lookup handed the key
   * out: an encryptor may hold it and move its counter from then on. */
  gint handed_out;
} Entry;

typedef enum
{
  EVENT_ADDED,
  EVENT_REMOVED,
  EVENT_RETIRED,
  EVENT_EXPIRED,
  EVENT_RATCHETED,
} EventType;

typedef struct
{
  EventType type;
  GstE2eeKeyUsage usage;
  guint64 kid;
  guint64 new_kid;
  GstClockTime deadline;
} Event;

struct _GstE2eeKeyStore
{
  GObject parent;

  GRWLock lock;
  GHashTable *entries;          /* &Entry.kid -> Entry */
  GstClock *clock;
  /* Never later than the earliest deadline of any entry, so lookups only read the
   * clock when something may have expired; it may be earlier (after a removal), which
   * just costs one pass of expire(). */
  GstClockTime next_deadline;
  guint64 serial;
  /* KIDs of encryption keys that were used (entry_key_used()) and are gone: a KID set.
   * Encryptors may still hold those key objects and move their counters, so no key
   * object is ever made for these KIDs again. */
  GArray *spent;
};

enum
{
  SIGNAL_KEY_ADDED,
  SIGNAL_KEY_REMOVED,
  SIGNAL_KEY_RETIRED,
  SIGNAL_KEY_EXPIRED,
  SIGNAL_RATCHET_ADVANCED,
  LAST_SIGNAL
};

enum
{
  PROP_0,
  PROP_CLOCK,
  PROP_N_KEYS,
};

static guint signals[LAST_SIGNAL];

G_DEFINE_TYPE_WITH_CODE (GstE2eeKeyStore, gst_e2ee_key_store, G_TYPE_OBJECT,
    GST_DEBUG_CATEGORY_INIT (gst_e2ee_key_store_debug, "e2eekeystore", 0,
        "SFrame key store"));

/* ---- Entries ------------------------------------------------------------ */

static void
entry_drop_base_key (Entry * e)
{
  if (e->base_key) {
    OPENSSL_secure_clear_free (e->base_key, e->base_key_size);
    e->base_key = NULL;
    e->base_key_size = 0;
  }
}

static void
entry_free (Entry * e)
{
  entry_drop_base_key (e);
  if (e->key)
    gst_e2ee_sframe_key_unref (e->key);
  g_free (e);
}

/* Takes @key. @base_key may be NULL for an entry that starts superseded. */
static Entry *
entry_new (guint64 kid, GstE2eeKeyUsage usage, GstE2eeCipherSuite suite,
    GstE2eeSFrameKey * key, const guint8 * base_key, gsize base_key_size)
{
  Entry *e = g_new0 (Entry, 1);

  e->kid = kid;
  e->usage = usage;
  e->suite = suite;
  e->key = key;
  e->deadline = GST_CLOCK_TIME_NONE;
  if (base_key) {
    /* The secure heap when the application set one up (CRYPTO_secure_malloc_init),
     * ordinary memory otherwise; wiped on free either way. */
    e->base_key = OPENSSL_secure_malloc (base_key_size);
    if (e->base_key == NULL) {
      entry_free (e);
      return NULL;
    }
    memcpy (e->base_key, base_key, base_key_size);
    e->base_key_size = base_key_size;
  }
  return e;
}

static inline gboolean
entry_is_live (const Entry * e, GstClockTime now)
{
  return e->deadline == GST_CLOCK_TIME_NONE || now < e->deadline;
}

static inline gboolean
entry_is_current (const Entry * e)
{
  return e->deadline == GST_CLOCK_TIME_NONE;
}

/* An encryption key that an encryptor may hold: handed out by a lookup, or with a
 * counter that moved. Its KID keeps this key object: a second object for the same
 * key would count again from where it started, and another key under the KID would
 * pair it with two keys. */
static gboolean
entry_key_used (Entry * e)
{
  return e->usage == GST_E2EE_KEY_USAGE_ENCRYPT && (g_atomic_int_get (&e->handed_out) ||
      gst_e2ee_sframe_key_get_next_counter (e->key) > 0);
}

static inline GstClockTime
add_clamped (GstClockTime now, GstClockTime grace)
{
  /* NONE is "current", so the latest possible deadline is one below it. */
  if (grace >= GST_CLOCK_TIME_NONE - 1 - now)
    return GST_CLOCK_TIME_NONE - 1;
  return now + grace;
}

static void
push_event (GArray ** events, EventType type, const Entry * e, guint64 new_kid)
{
  Event ev = { type, e->usage, e->kid, new_kid, e->deadline };

  if (*events == NULL)
    *events = g_array_new (FALSE, FALSE, sizeof (Event));
  g_array_append_val (*events, ev);
}

static void
emit_events (GstE2eeKeyStore * store, GArray * events)
{
  guint i;

  if (events == NULL)
    return;
  for (i = 0; i < events->len; i++) {
    const Event *ev = &g_array_index (events, Event, i);

    switch (ev->type) {
      case EVENT_ADDED:
        g_signal_emit (store, signals[SIGNAL_KEY_ADDED], 0, ev->kid, ev->usage);
        break;
      case EVENT_REMOVED:
        g_signal_emit (store, signals[SIGNAL_KEY_REMOVED], 0, ev->kid, ev->usage);
        break;
      case EVENT_RETIRED:
        g_signal_emit (store, signals[SIGNAL_KEY_RETIRED], 0, ev->kid, ev->usage,
            ev->deadline);
        break;
      case EVENT_EXPIRED:
        g_signal_emit (store, signals[SIGNAL_KEY_EXPIRED], 0, ev->kid, ev->usage);
        break;
      case EVENT_RATCHETED:
        g_signal_emit (store, signals[SIGNAL_RATCHET_ADVANCED], 0, ev->kid,
            ev->new_kid, ev->usage);
        break;
    }
  }
  g_array_unref (events);
}

static inline Entry *
lookup_locked (GstE2eeKeyStore * store, guint64 kid)
{
  return g_hash_table_lookup (store->entries, &kid);
}

static void
insert_locked (GstE2eeKeyStore * store, Entry * e)
{
  e->serial = ++store->serial;
  g_hash_table_insert (store->entries, &e->kid, e);
  if (e->deadline < store->next_deadline)
    store->next_deadline = e->deadline;
}

/* Before @e leaves the table: a used encryption key's KID is spent. */
static void
spend_if_used_locked (GstE2eeKeyStore * store, Entry * e)
{
  if (entry_key_used (e))
    gst_e2ee_kid_set_add_range (store->spent, e->kid, e->kid);
}

/* Removes and wipes @e, recording @type (REMOVED or EXPIRED). */
static void
remove_locked (GstE2eeKeyStore * store, Entry * e, EventType type, GArray ** events)
{
  push_event (events, type, e, 0);
  spend_if_used_locked (store, e);
  g_hash_table_remove (store->entries, &e->kid);
}

/* The KID of an encryption key that may not be given @key (NULL: any key), with
 * @error set: it holds a used key that is not @key, or held one that is gone. */
static gboolean
kid_refuses_locked (GstE2eeKeyStore * store, guint64 kid, Entry * old,
    GstE2eeSFrameKey * key, GError ** error)
{
  if (old && old->usage == GST_E2EE_KEY_USAGE_ENCRYPT) {
    if ((key == NULL || !gst_e2ee_sframe_key_same_secret (old->key, key)) &&
        entry_key_used (old)) {
      g_set_error (error, GST_E2EE_KEY_STORE_ERROR, GST_E2EE_KEY_STORE_ERROR_KID_USED,
          "KID %" G_GUINT64_FORMAT " already encrypts with another key (or cipher "
          "suite); a KID never gets a second key: give the new key a new KID", kid);
      return TRUE;
    }
  } else if (old == NULL && gst_e2ee_kid_set_contains (store->spent, kid)) {
    g_set_error (error, GST_E2EE_KEY_STORE_ERROR, GST_E2EE_KEY_STORE_ERROR_KID_USED,
        "KID %" G_GUINT64_FORMAT " encrypted with a key that was removed, superseded "
        "or ratcheted; its counter may still be in use, so the KID never gets a key "
        "again: give the key a new KID", kid);
    return TRUE;
  }
  return FALSE;
}

/* Makes @e, an encryption key added again with the same key, current again, with
 * @base_key (taken) for ratcheting. The key object and its counter stay. */
static void
revive_locked (Entry * e, guint8 * base_key, gsize base_key_size, GArray ** events)
{
  if (entry_is_current (e)) {
    if (base_key)
      OPENSSL_secure_clear_free (base_key, base_key_size);
    return;
  }
  entry_drop_base_key (e);
  e->base_key = base_key;
  e->base_key_size = base_key_size;
  e->deadline = GST_CLOCK_TIME_NONE;
  push_event (events, EVENT_ADDED, e, 0);
}

/* Supersedes @e: wipes its base key and sets its deadline, or removes it at once when
 * there is no grace period. @e must not be used afterwards. */
static void
retire_locked (GstE2eeKeyStore * store, Entry * e, GstClockTime now,
    GstClockTime grace_period, GArray ** events)
{
  entry_drop_base_key (e);
  if (grace_period == 0) {
    e->deadline = now;
    push_event (events, EVENT_RETIRED, e, 0);
    remove_locked (store, e, EVENT_EXPIRED, events);
    return;
  }
  e->deadline = MIN (e->deadline, add_clamped (now, grace_period));
  if (e->deadline < store->next_deadline)
    store->next_deadline = e->deadline;
  push_event (events, EVENT_RETIRED, e, 0);
}

static inline GstClockTime
now_locked (GstE2eeKeyStore * store)
{
  return gst_clock_get_time (store->clock);
}

static guint
expire_locked (GstE2eeKeyStore * store, GstClockTime now, GArray ** events)
{
  GHashTableIter iter;
  gpointer value;
  GstClockTime next = GST_CLOCK_TIME_NONE;
  guint n = 0;

  g_hash_table_iter_init (&iter, store->entries);
  while (g_hash_table_iter_next (&iter, NULL, &value)) {
    Entry *e = value;

    if (entry_is_current (e))
      continue;
    if (now >= e->deadline) {
      GST_DEBUG_OBJECT (store, "KID %" G_GUINT64_FORMAT " expired", e->kid);
      push_event (events, EVENT_EXPIRED, e, 0);
      spend_if_used_locked (store, e);
      g_hash_table_iter_remove (&iter);
      n++;
    } else {
      next = MIN (next, e->deadline);
    }
  }
  store->next_deadline = next;
  return n;
}

/* Expires what is due on the writers' paths too, so that the entries stay bounded by
 * the keys current or within their grace period even when nothing is looked up (a
 * stream on hold, its keys still changing): without it, every key added and retired
 * stayed until the next lookup. Reads the clock only when something is due. */
static void
expire_due_locked (GstE2eeKeyStore * store, GArray ** events)
{
  if (store->next_deadline != GST_CLOCK_TIME_NONE) {
    GstClockTime now = now_locked (store);

    if (now >= store->next_deadline)
      expire_locked (store, now, events);
  }
}

/* ---- GObject ------------------------------------------------------------- */

static void
gst_e2ee_key_store_init (GstE2eeKeyStore * store)
{
  g_rw_lock_init (&store->lock);
  store->entries = g_hash_table_new_full (g_int64_hash, g_int64_equal, NULL,
      (GDestroyNotify) entry_free);
  store->clock = gst_system_clock_obtain ();
  store->next_deadline = GST_CLOCK_TIME_NONE;
  store->spent = gst_e2ee_kid_set_new ();
}

static void
gst_e2ee_key_store_finalize (GObject * object)
{
  GstE2eeKeyStore *store = GST_E2EE_KEY_STORE (object);

  g_hash_table_destroy (store->entries);
  g_array_unref (store->spent);
  gst_object_unref (store->clock);
  g_rw_lock_clear (&store->lock);

  G_OBJECT_CLASS (gst_e2ee_key_store_parent_class)->finalize (object);
}

static void
gst_e2ee_key_store_set_property (GObject * object, guint prop_id,
    const GValue * value, GParamSpec * pspec)
{
  GstE2eeKeyStore *store = GST_E2EE_KEY_STORE (object);

  switch (prop_id) {
    case PROP_CLOCK:
      gst_e2ee_key_store_set_clock (store, g_value_get_object (value));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
      break;
  }
}

static void
gst_e2ee_key_store_get_property (GObject * object, guint prop_id, GValue * value,
    GParamSpec * pspec)
{
  GstE2eeKeyStore *store = GST_E2EE_KEY_STORE (object);

  switch (prop_id) {
    case PROP_CLOCK:
      g_value_take_object (value, gst_e2ee_key_store_get_clock (store));
      break;
    case PROP_N_KEYS:
      g_value_set_uint (value, gst_e2ee_key_store_get_n_keys (store));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
      break;
  }
}

static void
gst_e2ee_key_store_class_init (GstE2eeKeyStoreClass * klass)
{
  GObjectClass *gobject_class = G_OBJECT_CLASS (klass);

  gobject_class->finalize = gst_e2ee_key_store_finalize;
  gobject_class->set_property = gst_e2ee_key_store_set_property;
  gobject_class->get_property = gst_e2ee_key_store_get_property;

  /**
   * GstE2eeKeyStore:clock:
   *
   * The clock grace-period deadlines are measured on. The default, the system clock,
   * is monotonic; a #GstTestClock makes expiry testable without sleeping. Setting a
   * different clock does not convert deadlines already set.
   *
   * Since: 0.1
   */
  g_object_class_install_property (gobject_class, PROP_CLOCK,
      g_param_spec_object ("clock", "Clock",
          "Clock that grace-period deadlines are measured on", GST_TYPE_CLOCK,
          G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS));

  /**
   * GstE2eeKeyStore:n-keys:
   *
   * How many keys the store holds, current and superseded, of both usages. Read it
   * when needed: changes are not notified (see the key-* signals).
   *
   * Since: 0.1
   */
  g_object_class_install_property (gobject_class, PROP_N_KEYS,
      g_param_spec_uint ("n-keys", "Number of keys",
          "Keys held, current and superseded", 0, G_MAXUINT, 0,
          G_PARAM_READABLE | G_PARAM_STATIC_STRINGS));

  /**
   * GstE2eeKeyStore::key-added:
   * @store: the #GstE2eeKeyStore
   * @kid: the key ID
   * @usage: the #GstE2eeKeyUsage
   *
   * A key was added, by the application or by a ratchet step (which also adds keys for
   * the steps it passed over; those start superseded and are followed by
   * #GstE2eeKeyStore::key-retired).
   *
   * Since: 0.1
   */
  signals[SIGNAL_KEY_ADDED] = g_signal_new ("key-added", G_TYPE_FROM_CLASS (klass),
      G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL, G_TYPE_NONE, 2, G_TYPE_UINT64,
      GST_TYPE_E2EE_KEY_USAGE);

  /**
   * GstE2eeKeyStore::key-removed:
   * @store: the #GstE2eeKeyStore
   * @kid: the key ID
   * @usage: the #GstE2eeKeyUsage
   *
   * A key was removed with gst_e2ee_key_store_remove_key() or replaced by a key added
   * under the same KID; its key material is wiped once no element holds it.
   *
   * Since: 0.1
   */
  signals[SIGNAL_KEY_REMOVED] = g_signal_new ("key-removed", G_TYPE_FROM_CLASS (klass),
      G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL, G_TYPE_NONE, 2, G_TYPE_UINT64,
      GST_TYPE_E2EE_KEY_USAGE);

  /**
   * GstE2eeKeyStore::key-retired:
   * @store: the #GstE2eeKeyStore
   * @kid: the key ID
   * @usage: the #GstE2eeKeyUsage
   * @deadline: when the grace period ends, in the time of #GstE2eeKeyStore:clock
   *
   * A key was superseded: its base key is wiped, and it stays usable until @deadline
   * so that frames in flight decrypt. #GstE2eeKeyStore::key-expired follows.
   *
   * Since: 0.1
   */
  signals[SIGNAL_KEY_RETIRED] = g_signal_new ("key-retired", G_TYPE_FROM_CLASS (klass),
      G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL, G_TYPE_NONE, 3, G_TYPE_UINT64,
      GST_TYPE_E2EE_KEY_USAGE, G_TYPE_UINT64);

  /**
   * GstE2eeKeyStore::key-expired:
   * @store: the #GstE2eeKeyStore
   * @kid: the key ID
   * @usage: the #GstE2eeKeyUsage
   *
   * A superseded key's grace period ended: it was removed, and its key material is
   * wiped once no element holds it.
   *
   * Since: 0.1
   */
  signals[SIGNAL_KEY_EXPIRED] = g_signal_new ("key-expired", G_TYPE_FROM_CLASS (klass),
      G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL, G_TYPE_NONE, 2, G_TYPE_UINT64,
      GST_TYPE_E2EE_KEY_USAGE);

  /**
   * GstE2eeKeyStore::ratchet-advanced:
   * @store: the #GstE2eeKeyStore
   * @old_kid: the key ID that was current
   * @new_kid: the key ID of the step that is current now
   * @usage: the #GstE2eeKeyUsage
   *
   * A key ratcheted forward (RFC 9605 §5.1), by gst_e2ee_key_store_ratchet() or, for
   * a receiver, by gst_e2ee_key_store_commit_ratchet(). Emitted after
   * #GstE2eeKeyStore::key-added for @new_kid and before
   * #GstE2eeKeyStore::key-retired for @old_kid.
   *
   * Since: 0.1
   */
  signals[SIGNAL_RATCHET_ADVANCED] = g_signal_new ("ratchet-advanced",
      G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL, G_TYPE_NONE,
      3, G_TYPE_UINT64, G_TYPE_UINT64, GST_TYPE_E2EE_KEY_USAGE);
}

/**
 * gst_e2ee_key_store_new:
 *
 * Returns: (transfer full): a new, empty key store measuring grace periods on the
 *   monotonic system clock.
 *
 * Since: 0.1
 */
GstE2eeKeyStore *
gst_e2ee_key_store_new (void)
{
  return g_object_new (GST_E2EE_TYPE_KEY_STORE, NULL);
}

/**
 * gst_e2ee_key_store_set_clock:
 * @store: a #GstE2eeKeyStore
 * @clock: (nullable): the clock to measure grace periods on, or %NULL for the system
 *   clock
 *
 * Sets #GstE2eeKeyStore:clock.
 *
 * Since: 0.1
 */
void
gst_e2ee_key_store_set_clock (GstE2eeKeyStore * store, GstClock * clock)
{
  GstClock *old;

  g_return_if_fail (GST_E2EE_IS_KEY_STORE (store));
  g_return_if_fail (clock == NULL || GST_IS_CLOCK (clock));

  clock = clock ? gst_object_ref (clock) : gst_system_clock_obtain ();
  g_rw_lock_writer_lock (&store->lock);
  old = store->clock;
  store->clock = clock;
  g_rw_lock_writer_unlock (&store->lock);
  gst_object_unref (old);
  g_object_notify (G_OBJECT (store), "clock");
}

/**
 * gst_e2ee_key_store_get_clock:
 * @store: a #GstE2eeKeyStore
 *
 * Returns: (transfer full): the clock grace periods are measured on.
 *
 * Since: 0.1
 */
GstClock *
gst_e2ee_key_store_get_clock (GstE2eeKeyStore * store)
{
  GstClock *clock;

  g_return_val_if_fail (GST_E2EE_IS_KEY_STORE (store), NULL);
  g_rw_lock_reader_lock (&store->lock);
  clock = gst_object_ref (store->clock);
  g_rw_lock_reader_unlock (&store->lock);
  return clock;
}

/* ---- Adding and removing ------------------------------------------------- */

static gboolean
usage_is_valid (GstE2eeKeyUsage usage)
{
  return usage == GST_E2EE_KEY_USAGE_ENCRYPT || usage == GST_E2EE_KEY_USAGE_DECRYPT;
}

static const char *
usage_name (GstE2eeKeyUsage usage)
{
  return usage == GST_E2EE_KEY_USAGE_ENCRYPT ? "encryption" : "decryption";
}

/**
 * gst_e2ee_key_store_add_key:
 * @store: a #GstE2eeKeyStore
 * @kid: the key ID
 * @usage: what the key is for
 * @suite: the cipher suite
 * @base_key: (array length=base_key_size): the base key (RFC 9605 §4.4.1)
 * @base_key_size: its size in bytes (at least 1)
 * @error: return location for a #GError
 *
 * Derives the SFrame key for @kid and makes it current. The store keeps a copy of
 * @base_key, for ratcheting, in memory it wipes when the key is superseded or
 * removed; the caller should wipe its own copy.
 *
 * A KID held for the other usage is refused with
 * %GST_E2EE_KEY_STORE_ERROR_USAGE_CONFLICT. The same base key and cipher suite again
 * under @kid (compared in constant time), for either usage, keep the key object the
 * store holds: nothing changes and no signal is emitted (a key superseded and still
 * within its grace period becomes current again, #GstE2eeKeyStore::key-added), so a
 * decryptor keeps the key's replay window. Another decryption key under @kid replaces
 * it (#GstE2eeKeyStore::key-removed, then #GstE2eeKeyStore::key-added).
 *
 * An encryption key's counter lives in its key object, which every encryptor that
 * looked it up shares, so that no (key, CTR) pair is used twice. Hence, for
 * encryption:
 *
 * * The same base key and cipher suite again keep the key object, with its counter.
 * * Another key under a @kid whose key was used (handed out by
 *   gst_e2ee_key_store_lookup(), or its counter moved) is refused with
 *   %GST_E2EE_KEY_STORE_ERROR_KID_USED; a key never used is replaced.
 * * Any key under a @kid whose used key is gone (removed, expired, or superseded by a
 *   ratchet step) is refused with %GST_E2EE_KEY_STORE_ERROR_KID_USED: encryptors may
 *   still hold the old object, and a new one would count from 0 again. Give a new key
 *   a new KID. (Only #GstE2eeMlsKeys, inside the library, gives its own encryption
 *   KIDs a new MLS epoch's new key when RFC 9605 §5.2's epoch bits wrap.)
 *
 * Returns: %TRUE if the key was added, or was already there.
 *
 * Since: 0.1
 */
gboolean
gst_e2ee_key_store_add_key (GstE2eeKeyStore * store, guint64 kid,
    GstE2eeKeyUsage usage, GstE2eeCipherSuite suite, const guint8 * base_key,
    gsize base_key_size, GError ** error)
{
  return add_key (store, kid, usage, suite, base_key, base_key_size, FALSE, error);
}

/* gst_e2ee_key_store_add_key() for a base key the caller knows was never under @kid
 * before (a new MLS epoch's exporter output, gste2eemlskeys.c): a spent KID takes it,
 * since a new key object counting from 0 with a new key repeats no (key, CTR) pair. A
 * used key still held under @kid is refused as always. */
gboolean
gst_e2ee_key_store_add_new_secret (GstE2eeKeyStore * store, guint64 kid,
    GstE2eeKeyUsage usage, GstE2eeCipherSuite suite, const guint8 * base_key,
    gsize base_key_size, GError ** error)
{
  return add_key (store, kid, usage, suite, base_key, base_key_size, TRUE, error);
}

static gboolean
add_key (GstE2eeKeyStore * store, guint64 kid, GstE2eeKeyUsage usage,
    GstE2eeCipherSuite suite, const guint8 * base_key, gsize base_key_size,
    gboolean new_secret, GError ** error)
{
  GstE2eeSFrameKey *key;
  GArray *events = NULL;
  Entry *e, *old;

  g_return_val_if_fail (GST_E2EE_IS_KEY_STORE (store), FALSE);
  g_return_val_if_fail (usage_is_valid (usage), FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  /* Derive before locking: readers never wait for HKDF. */
  key = gst_e2ee_sframe_key_new (suite, kid, base_key, base_key_size, error);
  if (key == NULL)
    return FALSE;
  e = entry_new (kid, usage, suite, key, base_key, base_key_size);
  if (e == NULL) {
    g_set_error_literal (error, GST_E2EE_SFRAME_ERROR, GST_E2EE_SFRAME_ERROR_CRYPTO,
        "out of secure memory for the base key");
    return FALSE;
  }

  g_rw_lock_writer_lock (&store->lock);
  expire_due_locked (store, &events);
  old = lookup_locked (store, kid);
  if (old && !entry_is_current (old) && !entry_is_live (old, now_locked (store))) {
    remove_locked (store, old, EVENT_EXPIRED, &events);
    old = NULL;
  }
  if (old && old->usage != usage) {
    g_rw_lock_writer_unlock (&store->lock);
    g_set_error (error, GST_E2EE_KEY_STORE_ERROR, GST_E2EE_KEY_STORE_ERROR_USAGE_CONFLICT,
        "KID %" G_GUINT64_FORMAT " is already used for %s; a key is for encryption or "
        "decryption, never both", kid, usage_name (old->usage));
    entry_free (e);
    emit_events (store, events);
    return FALSE;
  }
  /* The same key again (re-sent by key management): the key object stays. For
   * encryption, encryptors hold it and its counter: a second object would count from
   * where the first was at this moment while the first goes on counting. For
   * decryption, replacing it would tell decryptors the key was removed, and they would
   * drop its replay window and accept its recorded frames again. */
  if (old && gst_e2ee_sframe_key_same_secret (old->key, e->key)) {
    revive_locked (old, g_steal_pointer (&e->base_key), e->base_key_size, &events);
    e->base_key_size = 0;
    g_rw_lock_writer_unlock (&store->lock);
    GST_DEBUG_OBJECT (store, "%s KID %" G_GUINT64_FORMAT " added again with the same "
        "key: its key object stays", usage_name (usage), kid);
    entry_free (e);
    emit_events (store, events);
    return TRUE;
  }
  if (usage == GST_E2EE_KEY_USAGE_ENCRYPT && (old != NULL || !new_secret) &&
      kid_refuses_locked (store, kid, old, e->key, error)) {
    g_rw_lock_writer_unlock (&store->lock);
    entry_free (e);
    emit_events (store, events);
    return FALSE;
  }
  if (old)
    remove_locked (store, old, EVENT_REMOVED, &events);
  insert_locked (store, e);
  push_event (&events, EVENT_ADDED, e, 0);
  g_rw_lock_writer_unlock (&store->lock);

  GST_DEBUG_OBJECT (store, "added %s key KID %" G_GUINT64_FORMAT, usage_name (usage), kid);
  emit_events (store, events);
  return TRUE;
}

/**
 * gst_e2ee_key_store_add_key_bytes:
 * @store: a #GstE2eeKeyStore
 * @kid: the key ID
 * @usage: what the key is for
 * @suite: the cipher suite
 * @base_key: the base key
 * @error: return location for a #GError
 *
 * gst_e2ee_key_store_add_key() with the base key in a #GBytes (for bindings and for
 * elements that receive keys as #GstBuffer).
 *
 * Returns: %TRUE if the key was added.
 *
 * Since: 0.1
 */
gboolean
gst_e2ee_key_store_add_key_bytes (GstE2eeKeyStore * store, guint64 kid,
    GstE2eeKeyUsage usage, GstE2eeCipherSuite suite, GBytes * base_key, GError ** error)
{
  const guint8 *data;
  gsize size;

  g_return_val_if_fail (base_key != NULL, FALSE);
  data = g_bytes_get_data (base_key, &size);
  return gst_e2ee_key_store_add_key (store, kid, usage, suite, data, size, error);
}

/**
 * gst_e2ee_key_store_remove_key:
 * @store: a #GstE2eeKeyStore
 * @kid: the key ID
 * @usage: the usage the key is held for
 *
 * Removes a key at once, current or superseded, and wipes its base key. The
 * #GstE2eeSFrameKey is wiped when the last element holding it lets go, which is at the
 * latest when the frame it is working on is done. The KID of an encryption key that
 * was used never gets a key again (see gst_e2ee_key_store_add_key()).
 *
 * Returns: %TRUE if @kid was held for @usage and is now removed.
 *
 * Since: 0.1
 */
gboolean
gst_e2ee_key_store_remove_key (GstE2eeKeyStore * store, guint64 kid,
    GstE2eeKeyUsage usage)
{
  GArray *events = NULL;
  gboolean found = FALSE;
  Entry *e;

  g_return_val_if_fail (GST_E2EE_IS_KEY_STORE (store), FALSE);

  g_rw_lock_writer_lock (&store->lock);
  e = lookup_locked (store, kid);
  if (e && e->usage == usage) {
    remove_locked (store, e, EVENT_REMOVED, &events);
    found = TRUE;
  }
  g_rw_lock_writer_unlock (&store->lock);

  emit_events (store, events);
  return found;
}

/**
 * gst_e2ee_key_store_retire_key:
 * @store: a #GstE2eeKeyStore
 * @kid: the key ID
 * @usage: the usage the key is held for
 * @grace_period: how long the key stays usable, in nanoseconds; 0 removes it now
 *
 * Marks a key superseded, typically because the sender rotated to a new key: its base
 * key is wiped at once and the key expires after @grace_period. A key already
 * superseded keeps the earlier of its deadline and the new one.
 *
 * Returns: %TRUE if @kid was held for @usage.
 *
 * Since: 0.1
 */
gboolean
gst_e2ee_key_store_retire_key (GstE2eeKeyStore * store, guint64 kid,
    GstE2eeKeyUsage usage, GstClockTime grace_period)
{
  GArray *events = NULL;
  gboolean found = FALSE;
  Entry *e;

  g_return_val_if_fail (GST_E2EE_IS_KEY_STORE (store), FALSE);

  g_rw_lock_writer_lock (&store->lock);
  expire_due_locked (store, &events);
  e = lookup_locked (store, kid);
  if (e && e->usage == usage) {
    GstClockTime now = now_locked (store);

    if (entry_is_live (e, now)) {
      retire_locked (store, e, now, grace_period, &events);
      found = TRUE;
    } else {
      remove_locked (store, e, EVENT_EXPIRED, &events);
    }
  }
  g_rw_lock_writer_unlock (&store->lock);

  emit_events (store, events);
  return found;
}

/**
 * gst_e2ee_key_store_expire:
 * @store: a #GstE2eeKeyStore
 * @now: the current time of #GstE2eeKeyStore:clock, or %GST_CLOCK_TIME_NONE to read it
 *
 * Removes and wipes every superseded key whose grace period ended at or before @now,
 * emitting #GstE2eeKeyStore::key-expired for each. Lookups,
 * gst_e2ee_key_store_add_key() and gst_e2ee_key_store_retire_key() do this by
 * themselves, so the store holds no more than the keys current or within their grace
 * period, however many keys were changed; call it to have keys expire on time when
 * none of those happen, for instance from a timeout at
 * gst_e2ee_key_store_get_next_deadline().
 *
 * Returns: how many keys expired.
 *
 * Since: 0.1
 */
guint
gst_e2ee_key_store_expire (GstE2eeKeyStore * store, GstClockTime now)
{
  GArray *events = NULL;
  guint n;

  g_return_val_if_fail (GST_E2EE_IS_KEY_STORE (store), 0);

  g_rw_lock_writer_lock (&store->lock);
  if (now == GST_CLOCK_TIME_NONE)
    now = now_locked (store);
  n = expire_locked (store, now, &events);
  g_rw_lock_writer_unlock (&store->lock);

  emit_events (store, events);
  return n;
}

/**
 * gst_e2ee_key_store_get_next_deadline:
 * @store: a #GstE2eeKeyStore
 *
 * Returns: a time, on #GstE2eeKeyStore:clock, at or before which the next superseded
 *   key expires, or %GST_CLOCK_TIME_NONE if no key is superseded.
 *
 * Since: 0.1
 */
GstClockTime
gst_e2ee_key_store_get_next_deadline (GstE2eeKeyStore * store)
{
  GstClockTime t;

  g_return_val_if_fail (GST_E2EE_IS_KEY_STORE (store), GST_CLOCK_TIME_NONE);
  g_rw_lock_reader_lock (&store->lock);
  t = store->next_deadline;
  g_rw_lock_reader_unlock (&store->lock);
  return t;
}

/* ---- Lookups ---------------------------------------------------------------- */

/* Takes the reader lock, first expiring what is due. Returns the time it read from
 * the clock, or 0 if nothing needed it: entries then are all current. */
static GstClockTime
reader_lock_and_expire (GstE2eeKeyStore * store)
{
  GstClockTime now = 0;

  g_rw_lock_reader_lock (&store->lock);
  if (G_UNLIKELY (store->next_deadline != GST_CLOCK_TIME_NONE)) {
    now = now_locked (store);
    if (now >= store->next_deadline) {
      g_rw_lock_reader_unlock (&store->lock);
      gst_e2ee_key_store_expire (store, now);
      g_rw_lock_reader_lock (&store->lock);
    }
  }
  return now;
}

static GstE2eeSFrameKey *
lookup_live_locked (GstE2eeKeyStore * store, guint64 kid, GstE2eeKeyUsage usage,
    GstClockTime now)
{
  Entry *e = lookup_locked (store, kid);

  /* An entry superseded after @now was read is still within its grace period. */
  if (e && e->usage == usage && (entry_is_current (e) || now < e->deadline)) {
    if (usage == GST_E2EE_KEY_USAGE_ENCRYPT)
      g_atomic_int_set (&e->handed_out, TRUE);
    return gst_e2ee_sframe_key_ref (e->key);
  }
  return NULL;
}

/**
 * gst_e2ee_key_store_lookup:
 * @store: a #GstE2eeKeyStore
 * @kid: the key ID
 * @usage: the usage wanted
 *
 * Finds the key for @kid, current or within its grace period. This is the per-frame
 * call: it takes no lock that other streams' lookups wait for, and allocates nothing.
 * Keep the reference for one frame and look the key up again for the next, so that
 * removal and expiry take effect.
 *
 * Returns: (transfer full) (nullable): the key, or %NULL if @kid is not held for
 *   @usage (or only for the other usage).
 *
 * Since: 0.1
 */
GstE2eeSFrameKey *
gst_e2ee_key_store_lookup (GstE2eeKeyStore * store, guint64 kid, GstE2eeKeyUsage usage)
{
  GstE2eeSFrameKey *key;
  GstClockTime now;

  g_return_val_if_fail (GST_E2EE_IS_KEY_STORE (store), NULL);

  now = reader_lock_and_expire (store);
  key = lookup_live_locked (store, kid, usage, now);
  g_rw_lock_reader_unlock (&store->lock);
  return key;
}

/* The current decryption key of @kid's generation at most @max_steps steps behind
 * @kid, nearest first. */
static Entry *
find_ratchet_head_locked (GstE2eeKeyStore * store, guint64 kid, guint ratchet_bits,
    guint max_steps, guint * steps)
{
  guint64 mask = G_MAXUINT64 >> (64 - ratchet_bits);
  guint64 limit = MIN (MIN ((guint64) max_steps, mask), MAX_RATCHET_STEPS);
  guint64 d;

  for (d = 1; d <= limit; d++) {
    guint64 cand = (kid & ~mask) | ((kid - d) & mask);
    Entry *e = lookup_locked (store, cand);

    if (e && e->usage == GST_E2EE_KEY_USAGE_DECRYPT && entry_is_current (e) &&
        e->base_key != NULL) {
      *steps = (guint) d;
      return e;
    }
  }
  return NULL;
}

typedef struct
{
  guint64 head_kid;
  guint64 head_serial;
  GstE2eeKeyUsage usage;
  GstE2eeCipherSuite suite;
  guint steps;
  guint8 base[MAX_HASH_SIZE];   /* the head's base key ratcheted once */
  gsize base_size;
} Snapshot;

static void
snapshot_clear (Snapshot * snap)
{
  OPENSSL_cleanse (snap->base, sizeof (snap->base));
}

/* Copies what a ratchet from @head needs, taking the first step from the head's base
 * key under the caller's lock so that the base key never leaves the entry. */
static gboolean
snapshot_head_locked (const Entry * head, guint steps, Snapshot * snap, GError ** error)
{
  snap->head_kid = head->kid;
  snap->head_serial = head->serial;
  snap->usage = head->usage;
  snap->suite = head->suite;
  snap->steps = steps;
  snap->base_size = gst_e2ee_cipher_suite_get_hash_size (head->suite);
  return gst_e2ee_ratchet_base_key (head->suite, head->base_key, head->base_key_size,
      snap->base, sizeof (snap->base), error);
}

static gboolean
bits_are_valid (guint ratchet_bits, GError ** error)
{
  if (ratchet_bits >= 1 && ratchet_bits <= GST_E2EE_RATCHET_MAX_BITS)
    return TRUE;
  g_set_error (error, GST_E2EE_KEY_STORE_ERROR, GST_E2EE_KEY_STORE_ERROR_INVALID_ARGUMENT,
      "ratchet-bits must be between 1 and %d, not %u", GST_E2EE_RATCHET_MAX_BITS,
      ratchet_bits);
  return FALSE;
}

/**
 * gst_e2ee_key_store_lookup_ratchet:
 * @store: a #GstE2eeKeyStore
 * @kid: the key ID of a frame to decrypt
 * @ratchet_bits: R, how many low KID bits carry the ratchet step; 0 disables ratcheting
 * @max_steps: how many steps forward to derive at most (the `ratchet-window`); 0
 *   disables ratcheting
 * @derived: (out) (optional): set to %TRUE if the key was derived and is not in the
 *   store yet
 *
 * Like gst_e2ee_key_store_lookup() for a decryption key, and if @kid is not held,
 * derives it when it names a later step of a generation whose current key is at most
 * @max_steps steps behind (RFC 9605 §5.1). A derived key is not added to the store:
 * after the frame authenticated with it, call gst_e2ee_key_store_commit_ratchet(), so
 * that forged headers cannot make the receiver drop the keys it still needs.
 *
 * Returns: (transfer full) (nullable): the key, or %NULL if @kid is unknown.
 *
 * Since: 0.1
 */
GstE2eeSFrameKey *
gst_e2ee_key_store_lookup_ratchet (GstE2eeKeyStore * store, guint64 kid,
    guint ratchet_bits, guint max_steps, gboolean * derived)
{
  GstE2eeSFrameKey *key;
  GstClockTime now;
  Snapshot snap;
  Entry *e, *head;
  guint i;

  g_return_val_if_fail (GST_E2EE_IS_KEY_STORE (store), NULL);

  if (derived)
    *derived = FALSE;

  now = reader_lock_and_expire (store);
  key = lookup_live_locked (store, kid, GST_E2EE_KEY_USAGE_DECRYPT, now);
  if (key || !bits_are_valid (ratchet_bits, NULL) || max_steps == 0) {
    g_rw_lock_reader_unlock (&store->lock);
    return key;
  }
  e = lookup_locked (store, kid);
  /* Never derive a decryption key under a KID this participant encrypts with. */
  head = (e && e->usage != GST_E2EE_KEY_USAGE_DECRYPT) ? NULL :
      find_ratchet_head_locked (store, kid, ratchet_bits, max_steps, &snap.steps);
  if (head == NULL || !snapshot_head_locked (head, snap.steps, &snap, NULL)) {
    g_rw_lock_reader_unlock (&store->lock);
    snapshot_clear (&snap);
    return NULL;
  }
  g_rw_lock_reader_unlock (&store->lock);

  for (i = 1; i < snap.steps; i++) {
    if (!gst_e2ee_ratchet_base_key (snap.suite, snap.base, snap.base_size, snap.base,
            sizeof (snap.base), NULL))
      goto out;
  }
  key = gst_e2ee_sframe_key_new (snap.suite, kid, snap.base, snap.base_size, NULL);
  if (key && derived)
    *derived = TRUE;
  GST_LOG_OBJECT (store, "derived KID %" G_GUINT64_FORMAT " %u steps after %"
      G_GUINT64_FORMAT, kid, snap.steps, snap.head_kid);

out:
  snapshot_clear (&snap);
  return key;
}

/* ---- Ratchet ----------------------------------------------------------------- */

typedef struct
{
  guint64 kid;
  GstE2eeSFrameKey *key;
} Step;

static void
steps_free (Step * steps, guint n)
{
  guint i;

  for (i = 0; i < n; i++)
    if (steps[i].key)
      gst_e2ee_sframe_key_unref (steps[i].key);
  g_free (steps);
}

/* Derives the keys of the snapshot's steps, without a lock. On return snap->base
 * holds the last step's base key. Intermediate steps get a key only when
 * @keep_intermediate. */
static Step *
derive_steps (Snapshot * snap, guint ratchet_bits, gboolean keep_intermediate,
    GError ** error)
{
  Step *steps = g_new0 (Step, snap->steps);
  guint64 kid = snap->head_kid;
  guint i;

  for (i = 0; i < snap->steps; i++) {
    kid = gst_e2ee_ratchet_next_kid (kid, ratchet_bits);
    steps[i].kid = kid;
    if (i > 0 && !gst_e2ee_ratchet_base_key (snap->suite, snap->base, snap->base_size,
            snap->base, sizeof (snap->base), error))
      goto fail;
    if (i + 1 == snap->steps || keep_intermediate) {
      steps[i].key = gst_e2ee_sframe_key_new (snap->suite, kid, snap->base,
          snap->base_size, error);
      if (steps[i].key == NULL)
        goto fail;
    }
  }
  return steps;

fail:
  steps_free (steps, snap->steps);
  return NULL;
}

/* Installs derived steps after @head: the last becomes current with @snap's base key,
 * the ones before it start superseded, and @head is superseded. */
static gboolean
install_steps_locked (GstE2eeKeyStore * store, Entry * head, const Snapshot * snap,
    Step * steps, GstClockTime grace_period, GArray ** events, GError ** error)
{
  GstClockTime now = now_locked (store);
  GstClockTime deadline = add_clamped (now, grace_period);
  Step *target = &steps[snap->steps - 1];
  guint64 head_kid = head->kid;
  Entry *old, *e;
  guint i;

  old = lookup_locked (store, target->kid);
  if (old && !entry_is_live (old, now)) {
    remove_locked (store, old, EVENT_EXPIRED, events);
    old = NULL;
  }
  if (old && old->usage != snap->usage) {
    g_set_error (error, GST_E2EE_KEY_STORE_ERROR, GST_E2EE_KEY_STORE_ERROR_USAGE_CONFLICT,
        "the next step's KID %" G_GUINT64_FORMAT " is already used for %s",
        target->kid, usage_name (old->usage));
    return FALSE;
  }
  /* A sender's step follows the rules of gst_e2ee_key_store_add_key(): it lands on a
   * KID that encrypted with another key, or with a key now gone, never; on the same
   * key (the application added the step itself), it keeps that key object. */
  if (snap->usage == GST_E2EE_KEY_USAGE_ENCRYPT &&
      kid_refuses_locked (store, target->kid, old, target->key, error))
    return FALSE;

  for (i = 0; i + 1 < snap->steps && grace_period > 0; i++) {
    old = lookup_locked (store, steps[i].kid);
    if (old && entry_is_live (old, now))
      continue;                 /* someone's key: leave it alone */
    if (old)
      remove_locked (store, old, EVENT_EXPIRED, events);
    e = entry_new (steps[i].kid, snap->usage, snap->suite, steps[i].key, NULL, 0);
    steps[i].key = NULL;
    e->deadline = deadline;
    insert_locked (store, e);
    push_event (events, EVENT_ADDED, e, 0);
    push_event (events, EVENT_RETIRED, e, 0);
  }

  e = entry_new (target->kid, snap->usage, snap->suite, target->key, snap->base,
      snap->base_size);
  if (e == NULL) {
    target->key = NULL;
    g_set_error_literal (error, GST_E2EE_SFRAME_ERROR, GST_E2EE_SFRAME_ERROR_CRYPTO,
        "out of secure memory for the base key");
    return FALSE;
  }
  target->key = NULL;
  old = lookup_locked (store, target->kid);
  if (old && snap->usage == GST_E2EE_KEY_USAGE_ENCRYPT &&
      gst_e2ee_sframe_key_same_secret (old->key, e->key)) {
    revive_locked (old, g_steal_pointer (&e->base_key), e->base_key_size, events);
    e->base_key_size = 0;
    entry_free (e);
  } else {
    if (old)
      remove_locked (store, old, EVENT_REMOVED, events);
    insert_locked (store, e);
    push_event (events, EVENT_ADDED, e, 0);
  }
  push_event (events, EVENT_RATCHETED, head, target->kid);
  retire_locked (store, head, now, grace_period, events);

  GST_DEBUG_OBJECT (store, "KID %" G_GUINT64_FORMAT " ratcheted %u step(s) to %"
      G_GUINT64_FORMAT, head_kid, snap->steps, target->kid);
  return TRUE;
}

typedef enum
{
  FIND_DONE,                    /* nothing to do: success */
  FIND_FAILED,                  /* error set */
  FIND_HEAD,                    /* snapshot taken */
} FindResult;

typedef FindResult (*FindHeadFunc) (GstE2eeKeyStore * store, gpointer data,
    Snapshot * snap, GError ** error);

/* Snapshot under the reader lock, derive without a lock, install under the writer
 * lock if the head did not change meanwhile; otherwise start over. */
static gboolean
advance (GstE2eeKeyStore * store, FindHeadFunc find, gpointer data, guint ratchet_bits,
    GstClockTime grace_period, guint64 * new_kid, GError ** error)
{
  guint attempt;

  for (attempt = 0; attempt < MAX_RATCHET_ATTEMPTS; attempt++) {
    GArray *events = NULL;
    Snapshot snap;
    Step *steps;
    Entry *head;
    gboolean ok;
    FindResult r;

    g_rw_lock_reader_lock (&store->lock);
    r = find (store, data, &snap, error);
    g_rw_lock_reader_unlock (&store->lock);
    if (r != FIND_HEAD) {
      snapshot_clear (&snap);
      return r == FIND_DONE;
    }

    steps = derive_steps (&snap, ratchet_bits, grace_period > 0, error);
    if (steps == NULL) {
      snapshot_clear (&snap);
      return FALSE;
    }

    g_rw_lock_writer_lock (&store->lock);
    head = lookup_locked (store, snap.head_kid);
    if (head == NULL || head->serial != snap.head_serial || !entry_is_current (head)) {
      g_rw_lock_writer_unlock (&store->lock);
      steps_free (steps, snap.steps);
      snapshot_clear (&snap);
      continue;
    }
    ok = install_steps_locked (store, head, &snap, steps, grace_period, &events, error);
    g_rw_lock_writer_unlock (&store->lock);

    if (ok && new_kid)
      *new_kid = steps[snap.steps - 1].kid;
    steps_free (steps, snap.steps);
    snapshot_clear (&snap);
    emit_events (store, events);
    return ok;
  }
  g_set_error_literal (error, GST_E2EE_KEY_STORE_ERROR,
      GST_E2EE_KEY_STORE_ERROR_NOT_RATCHETABLE,
      "the key kept changing while ratcheting it");
  return FALSE;
}

typedef struct
{
  guint64 kid;
  GstE2eeKeyUsage usage;
} RatchetArgs;

static FindResult
find_own_head (GstE2eeKeyStore * store, gpointer data, Snapshot * snap, GError ** error)
{
  RatchetArgs *args = data;
  Entry *e = lookup_locked (store, args->kid);

  memset (snap, 0, sizeof (*snap));
  if (e == NULL || e->usage != args->usage) {
    g_set_error (error, GST_E2EE_KEY_STORE_ERROR, GST_E2EE_KEY_STORE_ERROR_NOT_FOUND,
        "no %s key with KID %" G_GUINT64_FORMAT, usage_name (args->usage), args->kid);
    return FIND_FAILED;
  }
  if (!entry_is_current (e) || e->base_key == NULL) {
    g_set_error (error, GST_E2EE_KEY_STORE_ERROR, GST_E2EE_KEY_STORE_ERROR_NOT_RATCHETABLE,
        "KID %" G_GUINT64_FORMAT " was superseded; its base key is gone", args->kid);
    return FIND_FAILED;
  }
  return snapshot_head_locked (e, 1, snap, error) ? FIND_HEAD : FIND_FAILED;
}

/**
 * gst_e2ee_key_store_ratchet:
 * @store: a #GstE2eeKeyStore
 * @kid: the key ID of a current key
 * @usage: the usage it is held for
 * @ratchet_bits: R, how many low KID bits carry the ratchet step (1 to
 *   %GST_E2EE_RATCHET_MAX_BITS)
 * @grace_period: how long @kid stays usable, in nanoseconds; 0 removes it now
 * @new_kid: (out) (optional): the KID of the new step
 * @error: return location for a #GError
 *
 * Moves a key one ratchet step forward (RFC 9605 §5.1): derives the next base key,
 * adds the key for the next step's KID (gst_e2ee_ratchet_next_kid()) as current, and
 * supersedes @kid. A sender ratchets its encryption key with a grace period of 0: it
 * encrypts no frame with the old key afterwards. For an encryption key the next
 * step's KID follows the rules of gst_e2ee_key_store_add_key(): if it holds the same
 * key already, that key object stays; if it encrypted with another key, or with a
 * key that is gone, the ratchet is refused with %GST_E2EE_KEY_STORE_ERROR_KID_USED
 * and nothing changes.
 *
 * Returns: %TRUE if the key was ratcheted.
 *
 * Since: 0.1
 */
gboolean
gst_e2ee_key_store_ratchet (GstE2eeKeyStore * store, guint64 kid, GstE2eeKeyUsage usage,
    guint ratchet_bits, GstClockTime grace_period, guint64 * new_kid, GError ** error)
{
  RatchetArgs args = { kid, usage };

  g_return_val_if_fail (GST_E2EE_IS_KEY_STORE (store), FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (!bits_are_valid (ratchet_bits, error))
    return FALSE;
  return advance (store, find_own_head, &args, ratchet_bits, grace_period, new_kid,
      error);
}

typedef struct
{
  guint64 kid;
  guint ratchet_bits;
  guint max_steps;
} CommitArgs;

static FindResult
find_head_for (GstE2eeKeyStore * store, gpointer data, Snapshot * snap, GError ** error)
{
  CommitArgs *args = data;
  Entry *e = lookup_locked (store, args->kid), *head;
  guint steps = 0;

  memset (snap, 0, sizeof (*snap));
  if (e && e->usage != GST_E2EE_KEY_USAGE_DECRYPT) {
    g_set_error (error, GST_E2EE_KEY_STORE_ERROR, GST_E2EE_KEY_STORE_ERROR_USAGE_CONFLICT,
        "KID %" G_GUINT64_FORMAT " is used for encryption", args->kid);
    return FIND_FAILED;
  }
  /* Another stream of the same sender got there first. A superseded entry under the
   * KID is an old lap of the step counter if it has no current key behind it. */
  if (e && entry_is_current (e))
    return FIND_DONE;
  head = find_ratchet_head_locked (store, args->kid, args->ratchet_bits, args->max_steps,
      &steps);
  if (head == NULL) {
    if (e)
      return FIND_DONE;
    g_set_error (error, GST_E2EE_KEY_STORE_ERROR, GST_E2EE_KEY_STORE_ERROR_NOT_RATCHETABLE,
        "no current key of KID %" G_GUINT64_FORMAT "'s generation within %u steps",
        args->kid, args->max_steps);
    return FIND_FAILED;
  }
  return snapshot_head_locked (head, steps, snap, error) ? FIND_HEAD : FIND_FAILED;
}

/**
 * gst_e2ee_key_store_commit_ratchet:
 * @store: a #GstE2eeKeyStore
 * @kid: the key ID of a frame that authenticated with a key from
 *   gst_e2ee_key_store_lookup_ratchet()
 * @ratchet_bits: the same R as for the lookup
 * @max_steps: the same limit as for the lookup
 * @grace_period: how long the older steps stay usable, in nanoseconds; 0 removes them
 *   now
 * @error: return location for a #GError
 *
 * Makes @kid the current decryption key of its generation: adds its key, and those of
 * the steps between it and the previous current key so that late frames of those steps
 * still decrypt, all of them superseded with @grace_period; then supersedes the
 * previous current key. Its base key is wiped at once, the keys themselves once the
 * grace period is over (forward secrecy). Nothing happens if @kid is already current,
 * for instance because another stream of the same sender committed it first. When a
 * later step was committed meanwhile with no grace period, the older step has no
 * current key behind it any more and this fails with
 * %GST_E2EE_KEY_STORE_ERROR_NOT_RATCHETABLE; the frame itself was still authentic, so
 * a decryptor only logs that.
 *
 * Returns: %TRUE if @kid is current now (or was already superseded by a later step).
 *
 * Since: 0.1
 */
gboolean
gst_e2ee_key_store_commit_ratchet (GstE2eeKeyStore * store, guint64 kid,
    guint ratchet_bits, guint max_steps, GstClockTime grace_period, GError ** error)
{
  CommitArgs args = { kid, ratchet_bits, max_steps };

  g_return_val_if_fail (GST_E2EE_IS_KEY_STORE (store), FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (!bits_are_valid (ratchet_bits, error))
    return FALSE;
  return advance (store, find_head_for, &args, ratchet_bits, grace_period, NULL, error);
}

/* ---- Introspection --------------------------------------------------------------- */

/**
 * gst_e2ee_key_store_get_key_info:
 * @store: a #GstE2eeKeyStore
 * @kid: the key ID
 * @usage: (out) (optional): what the key is for
 * @suite: (out) (optional): its cipher suite
 * @deadline: (out) (optional): when it expires, on #GstE2eeKeyStore:clock, or
 *   %GST_CLOCK_TIME_NONE while it is current
 *
 * Describes the key held under @kid, without any key material.
 *
 * Returns: %TRUE if @store holds @kid (current, or superseded and not yet removed).
 *
 * Since: 0.1
 */
gboolean
gst_e2ee_key_store_get_key_info (GstE2eeKeyStore * store, guint64 kid,
    GstE2eeKeyUsage * usage, GstE2eeCipherSuite * suite, GstClockTime * deadline)
{
  Entry *e;

  g_return_val_if_fail (GST_E2EE_IS_KEY_STORE (store), FALSE);

  g_rw_lock_reader_lock (&store->lock);
  e = lookup_locked (store, kid);
  if (e) {
    if (usage)
      *usage = e->usage;
    if (suite)
      *suite = e->suite;
    if (deadline)
      *deadline = e->deadline;
  }
  g_rw_lock_reader_unlock (&store->lock);
  return e != NULL;
}

static gint
compare_kids (gconstpointer a, gconstpointer b)
{
  guint64 x = *(const guint64 *) a, y = *(const guint64 *) b;
  return x < y ? -1 : x > y;
}

/**
 * gst_e2ee_key_store_list_kids:
 * @store: a #GstE2eeKeyStore
 * @usage: the usage
 *
 * Returns: (transfer full) (element-type guint64): the KIDs held for @usage, current
 *   and superseded, in increasing order.
 *
 * Since: 0.1
 */
GArray *
gst_e2ee_key_store_list_kids (GstE2eeKeyStore * store, GstE2eeKeyUsage usage)
{
  GHashTableIter iter;
  gpointer value;
  GArray *kids;

  g_return_val_if_fail (GST_E2EE_IS_KEY_STORE (store), NULL);

  kids = g_array_new (FALSE, FALSE, sizeof (guint64));
  g_rw_lock_reader_lock (&store->lock);
  g_hash_table_iter_init (&iter, store->entries);
  while (g_hash_table_iter_next (&iter, NULL, &value)) {
    const Entry *e = value;
    if (e->usage == usage)
      g_array_append_val (kids, e->kid);
  }
  g_rw_lock_reader_unlock (&store->lock);
  g_array_sort (kids, compare_kids);
  return kids;
}

/**
 * gst_e2ee_key_store_get_n_keys:
 * @store: a #GstE2eeKeyStore
 *
 * Returns: the number of keys held, current and superseded, of both usages.
 *
 * Since: 0.1
 */
guint
gst_e2ee_key_store_get_n_keys (GstE2eeKeyStore * store)
{
  guint n;

  g_return_val_if_fail (GST_E2EE_IS_KEY_STORE (store), 0);
  g_rw_lock_reader_lock (&store->lock);
  n = g_hash_table_size (store->entries);
  g_rw_lock_reader_unlock (&store->lock);
  return n;
}

/* ---- GstContext ------------------------------------------------------------------- */

/**
 * gst_e2ee_key_store_context_new:
 * @store: a #GstE2eeKeyStore
 *
 * Wraps @store in a persistent #GstContext of type %GST_E2EE_KEY_STORE_CONTEXT_TYPE,
 * to answer a `need-context` message or to set on a pipeline with
 * gst_element_set_context().
 *
 * Returns: (transfer full): a new context holding a reference to @store.
 *
 * Since: 0.1
 */
GstContext *
gst_e2ee_key_store_context_new (GstE2eeKeyStore * store)
{
  GstContext *context;

  g_return_val_if_fail (GST_E2EE_IS_KEY_STORE (store), NULL);

  context = gst_context_new (GST_E2EE_KEY_STORE_CONTEXT_TYPE, TRUE);
  gst_structure_set (gst_context_writable_structure (context), "key-store",
      GST_E2EE_TYPE_KEY_STORE, store, NULL);
  return context;
}

/**
 * gst_e2ee_key_store_from_context:
 * @context: a #GstContext
 *
 * Returns: (transfer full) (nullable): the store @context carries, or %NULL if it is
 *   not a %GST_E2EE_KEY_STORE_CONTEXT_TYPE context.
 *
 * Since: 0.1
 */
GstE2eeKeyStore *
gst_e2ee_key_store_from_context (GstContext * context)
{
  GstE2eeKeyStore *store = NULL;

  g_return_val_if_fail (GST_IS_CONTEXT (context), NULL);

  if (g_strcmp0 (gst_context_get_context_type (context),
          GST_E2EE_KEY_STORE_CONTEXT_TYPE) != 0)
    return NULL;
  if (!gst_structure_get (gst_context_get_structure (context), "key-store",
          GST_E2EE_TYPE_KEY_STORE, &store, NULL))
    return NULL;
  return store;
}

/**
 * gst_e2ee_key_store_handle_set_context:
 * @element: the element whose #GstElementClass.set_context() was called
 * @context: the context
 * @store: (inout) (transfer full) (nullable): the element's store pointer
 *
 * For an element's set_context() implementation: if @context carries a key store,
 * replaces *@store with it, under the element's object lock. Other contexts are
 * ignored; chain up to the parent class in any case.
 *
 * Returns: %TRUE if @context was a key-store context.
 *
 * Since: 0.1
 */
gboolean
gst_e2ee_key_store_handle_set_context (GstElement * element, GstContext * context,
    GstE2eeKeyStore ** store)
{
  GstE2eeKeyStore *new_store, *old;

  g_return_val_if_fail (GST_IS_ELEMENT (element), FALSE);
  g_return_val_if_fail (store != NULL, FALSE);

  if (context == NULL)
    return FALSE;
  new_store = gst_e2ee_key_store_from_context (context);
  if (new_store == NULL)
    return FALSE;

  GST_OBJECT_LOCK (element);
  old = *store;
  *store = new_store;
  GST_OBJECT_UNLOCK (element);
  if (old)
    g_object_unref (old);
  GST_DEBUG_OBJECT (element, "using key store %p from a context", new_store);
  return TRUE;
}

/**
 * gst_e2ee_key_store_handle_context_query:
 * @element: the element answering
 * @query: a query
 * @store: (nullable): the element's store
 *
 * For an element's query handler: answers a %GST_QUERY_CONTEXT for
 * %GST_E2EE_KEY_STORE_CONTEXT_TYPE with @store, so that neighbouring elements share it.
 *
 * Returns: %TRUE if the query was answered.
 *
 * Since: 0.1
 */
gboolean
gst_e2ee_key_store_handle_context_query (GstElement * element, GstQuery * query,
    GstE2eeKeyStore * store)
{
  const gchar *type;
  GstContext *old, *context;

  g_return_val_if_fail (GST_IS_QUERY (query), FALSE);

  if (GST_QUERY_TYPE (query) != GST_QUERY_CONTEXT || store == NULL)
    return FALSE;
  if (!gst_query_parse_context_type (query, &type) ||
      g_strcmp0 (type, GST_E2EE_KEY_STORE_CONTEXT_TYPE) != 0)
    return FALSE;

  gst_query_parse_context (query, &old);
  context = old ? gst_context_copy (old) : gst_context_new (type, TRUE);
  gst_structure_set (gst_context_writable_structure (context), "key-store",
      GST_E2EE_TYPE_KEY_STORE, store, NULL);
  gst_query_set_context (query, context);
  gst_context_unref (context);
  GST_DEBUG_OBJECT (element, "answered a key-store context query");
  return TRUE;
}

static gboolean
query_peers (GstElement * element, GstQuery * query, GstPadDirection direction)
{
  GstIterator *it = direction == GST_PAD_SRC ? gst_element_iterate_src_pads (element) :
      gst_element_iterate_sink_pads (element);
  GValue item = G_VALUE_INIT;
  gboolean found = FALSE, done = FALSE;

  while (!found && !done) {
    switch (gst_iterator_next (it, &item)) {
      case GST_ITERATOR_OK:
        found = gst_pad_peer_query (g_value_get_object (&item), query);
        g_value_reset (&item);
        break;
      case GST_ITERATOR_RESYNC:
        gst_iterator_resync (it);
        break;
      default:
        done = TRUE;
        break;
    }
  }
  g_value_unset (&item);
  gst_iterator_free (it);
  return found;
}

static gboolean
has_store (GstElement * element, GstE2eeKeyStore ** store)
{
  gboolean ret;

  GST_OBJECT_LOCK (element);
  ret = *store != NULL;
  GST_OBJECT_UNLOCK (element);
  return ret;
}

/**
 * gst_e2ee_key_store_ensure:
 * @element: the element that needs a store
 * @store: (inout) (transfer full) (nullable): the element's store pointer, which its
 *   set_context() fills with gst_e2ee_key_store_handle_set_context()
 *
 * Makes sure *@store is set, the way elements share a GStreamer context: if it is
 * %NULL, asks the neighbouring elements (a %GST_QUERY_CONTEXT downstream, then
 * upstream), then the bins and the application (a `need-context` message), and if
 * nobody has one, creates a store and announces it with a `have-context` message so
 * that the pipeline gives it to the elements that ask later. Call it when the element
 * goes from NULL to READY.
 *
 * Returns: %TRUE (*@store is set).
 *
 * Since: 0.1
 */
gboolean
gst_e2ee_key_store_ensure (GstElement * element, GstE2eeKeyStore ** store)
{
  GstE2eeKeyStore *created;
  GstContext *context;
  GstQuery *query;

  g_return_val_if_fail (GST_IS_ELEMENT (element), FALSE);
  g_return_val_if_fail (store != NULL, FALSE);

  if (has_store (element, store))
    return TRUE;

  query = gst_query_new_context (GST_E2EE_KEY_STORE_CONTEXT_TYPE);
  if (query_peers (element, query, GST_PAD_SRC) ||
      query_peers (element, query, GST_PAD_SINK)) {
    gst_query_parse_context (query, &context);
    if (context)
      gst_element_set_context (element, context);
  }
  gst_query_unref (query);
  if (has_store (element, store))
    return TRUE;

  gst_element_post_message (element, gst_message_new_need_context (GST_OBJECT (element),
          GST_E2EE_KEY_STORE_CONTEXT_TYPE));
  if (has_store (element, store))
    return TRUE;

  created = gst_e2ee_key_store_new ();
  context = gst_e2ee_key_store_context_new (created);
  GST_OBJECT_LOCK (element);
  if (*store == NULL)
    *store = g_object_ref (created);
  GST_OBJECT_UNLOCK (element);
  g_object_unref (created);

  GST_DEBUG_OBJECT (element, "created a key store and posting it in a have-context");
  gst_element_set_context (element, context);
  gst_element_post_message (element, gst_message_new_have_context (GST_OBJECT (element),
          context));
  return TRUE;
}
