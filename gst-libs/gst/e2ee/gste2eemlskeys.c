/* gst-e2ee: SFrame keys from an MLS group (RFC 9605 §5.2), kept in a key store.
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

/**
 * SECTION:gste2eemlskeys
 * @title: GstE2eeMlsKeys
 * @short_description: SFrame keys from an MLS group's epochs, in a key store
 *
 * A #GstE2eeMlsKeys binds a #GstE2eeMlsGroup to a #GstE2eeKeyStore (typically the
 * pipeline's, shared through the %GST_E2EE_KEY_STORE_CONTEXT_TYPE context) and keeps
 * the store provisioned with the SFrame keys of the group's current epoch, as RFC 9605
 * §5.2 defines them:
 *
 * |[
 * base_key = MLS-Exporter("SFrame 1.0 Base Key", "", Nk)
 * KID      = (context << (S + E)) + (sender_index << E) + (epoch mod 2^E)
 * ]|
 *
 * Nk is the key size of the SFrame cipher suite (16 for the default,
 * %GST_E2EE_CIPHER_SUITE_AES_128_GCM_SHA256_128, which is the AEAD of the MLS cipher
 * suite, AES-128-GCM); sender_index is a member's leaf index; E is the number of
 * epoch bits (gst_e2ee_mls_keys_new_full(), %GST_E2EE_MLS_KEYS_DEFAULT_EPOCH_BITS by
 * default); S is the smallest number of bits with group_size <= 2^S, where group_size
 * is the highest leaf index of the epoch's members plus one
 * (gst_e2ee_mls_sender_bits()); context, 0 to n_contexts - 1, lets one member send
 * several streams (audio, video, screen) under distinct KIDs.
 *
 * Every KID of this member is an encryption key, every KID of every other member a
 * decryption key, all with the same base key: each (KID, base key) pair gives its own
 * SFrame key and salt, so no two members ever seal with the same key.
 *
 * The binding follows the group by itself: the group notifies #GstE2eeMlsGroup:epoch
 * after every commit it applies, its own and the others', and the binding then, in
 * the thread that applied the commit, before the commit call returns:
 *
 * 1. removes the keys it added for an older epoch with the same low E bits as the new
 *    one (RFC 9605 §5.2: "receivers MUST remove an old epoch when a new epoch with
 *    the same low-order E bits is introduced");
 * 2. adds the new epoch's keys;
 * 3. retires the previous epoch's keys with #GstE2eeMlsKeys:grace-period
 *    (gst_e2ee_key_store_retire_key()), so frames still in flight decrypt;
 * 4. notifies #GstE2eeMlsKeys:epoch and #GstE2eeMlsKeys:own-kid and emits
 *    #GstE2eeMlsKeys::epoch-keys.
 *
 * The application writes no code per epoch. When the group grows past 2^S leaves, S
 * grows by one at the epoch that adds the member: KIDs with context 0 are unchanged,
 * KIDs with a context above 0 move (their context field starts one bit higher); every
 * member computes the same S from the same roster, so senders and receivers agree at
 * every epoch. Removing members can shrink S the same way.
 *
 * A commit that removes this member retires every key the binding holds (with the
 * grace period) and adds none: a removed member gets no key of a later epoch. A
 * member that joins is bound after gst_e2ee_mls_group_join() and gets the keys of
 * its first epoch onwards, none of earlier ones.
 *
 * Base keys are wiped (OPENSSL_cleanse()) as soon as the store holds the keys.
 *
 * The binding changes the store in the thread that applies the group's commits (the
 * group itself is used from one thread at a time); its getters and
 * gst_e2ee_mls_keys_lookup_sender() may be called from any thread, such as an
 * element's streaming thread.
 *
 * Since: 0.1
 */

#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "gste2eemlskeys.h"
#include "gste2eekeystore-private.h"
#include "e2ee-enumtypes.h"

#include <string.h>
#include <openssl/crypto.h>

GST_DEBUG_CATEGORY_STATIC (gst_e2ee_mls_keys_debug);
#define GST_CAT_DEFAULT gst_e2ee_mls_keys_debug

/* A key this binding added to the store. */
typedef struct
{
  guint64 kid;
  guint64 epoch;
  guint32 leaf;
  GstE2eeKeyUsage usage;
  gboolean current;
} Held;

/* The members of an epoch this binding holds keys of, for naming a KID's sender. */
typedef struct
{
  guint64 epoch;
  GPtrArray *members;
} Roster;

struct _GstE2eeMlsKeys
{
  GObject parent;

  GstE2eeMlsGroup *group;
  GstE2eeKeyStore *store;
  gulong notify_id;
  guint epoch_bits;
  guint n_contexts;
  GstE2eeCipherSuite suite;
  GstClockTime grace_period;

  /* Taken by every change and every getter: elements read the KIDs and look senders
   * up from their streaming threads while the group's thread changes epochs. Recursive,
   * since the store's and our own signal handlers may call the getters. */
  GRecMutex lock;
  gboolean active;
  guint64 epoch;
  guint sender_bits;
  guint32 own_leaf;
  GArray *held;                 /* of Held */
  GArray *rosters;              /* of Roster */
};

enum
{
  PROP_0,
  PROP_EPOCH_BITS,
  PROP_CONTEXTS,
  PROP_CIPHER_SUITE,
  PROP_GRACE_PERIOD,
  PROP_EPOCH,
  PROP_SENDER_BITS,
  PROP_OWN_KID,
  PROP_ACTIVE,
};

enum
{
  SIGNAL_EPOCH_KEYS,
  SIGNAL_PROVISIONING_FAILED,
  LAST_SIGNAL
};

static guint signals[LAST_SIGNAL];

G_DEFINE_TYPE_WITH_CODE (GstE2eeMlsKeys, gst_e2ee_mls_keys, G_TYPE_OBJECT,
    GST_DEBUG_CATEGORY_INIT (gst_e2ee_mls_keys_debug, "e2eemlskeys", 0,
        "SFrame keys from an MLS group"));

/**
 * gst_e2ee_mls_sender_bits:
 * @group_size: the highest leaf index of the members plus one
 *
 * S of RFC 9605 §5.2: the smallest number of bits with @group_size <= 2^S (0 for a
 * group of one).
 *
 * Returns: S.
 *
 * Since: 0.1
 */
guint
gst_e2ee_mls_sender_bits (guint32 group_size)
{
  guint s = 0;

  while (s < 32 && ((guint64) 1 << s) < group_size)
    s++;
  return s;
}

/**
 * gst_e2ee_mls_kid:
 * @context: the sender's stream context
 * @sender_index: the sender's leaf index, below 2^@sender_bits
 * @epoch: the epoch (only its low @epoch_bits bits are used)
 * @sender_bits: S
 * @epoch_bits: E, 1 to %GST_E2EE_MLS_KEYS_MAX_EPOCH_BITS
 *
 * The KID of RFC 9605 §5.2: (@context << (S + E)) + (@sender_index << E) + (@epoch
 * mod 2^E). The caller keeps @context within 64 - S - E bits.
 *
 * Returns: the KID.
 *
 * Since: 0.1
 */
guint64
gst_e2ee_mls_kid (guint64 context, guint32 sender_index, guint64 epoch,
    guint sender_bits, guint epoch_bits)
{
  guint64 mask;

  g_return_val_if_fail (epoch_bits >= 1 && epoch_bits <= GST_E2EE_MLS_KEYS_MAX_EPOCH_BITS,
      0);
  g_return_val_if_fail (sender_bits <= 32, 0);

  mask = ((guint64) 1 << epoch_bits) - 1;
  return (sender_bits + epoch_bits < 64 ? context << (sender_bits + epoch_bits) : 0) +
      ((guint64) sender_index << epoch_bits) + (epoch & mask);
}

static void
fail (GstE2eeMlsKeys * self, GError * error)
{
  GST_WARNING_OBJECT (self, "epoch %" G_GUINT64_FORMAT ": %s", self->epoch,
      error->message);
  g_signal_emit (self, signals[SIGNAL_PROVISIONING_FAILED], 0, error);
  g_error_free (error);
}

/* Retires every current key of an epoch before @epoch (every current key for
 * G_MAXUINT64). */
static void
retire_before (GstE2eeMlsKeys * self, guint64 epoch)
{
  guint i;

  for (i = 0; i < self->held->len; i++) {
    Held *h = &g_array_index (self->held, Held, i);

    if (h->current && h->epoch < epoch) {
      gst_e2ee_key_store_retire_key (self->store, h->kid, h->usage, self->grace_period);
      h->current = FALSE;
    }
  }
}

/* Step 1: removes the keys of older epochs sharing @epoch's low E bits, and says in
 * @reused which encryption KIDs it took back (they may get a new key, see
 * gst_e2ee_key_store_add_new_secret()). */
static void
remove_wrapped (GstE2eeMlsKeys * self, guint64 epoch, GArray * reused)
{
  guint64 mask = ((guint64) 1 << self->epoch_bits) - 1;
  guint i = 0;

  while (i < self->held->len) {
    Held *h = &g_array_index (self->held, Held, i);

    if (h->epoch != epoch && (h->epoch & mask) == (epoch & mask)) {
      gst_e2ee_key_store_remove_key (self->store, h->kid, h->usage);
      if (h->usage == GST_E2EE_KEY_USAGE_ENCRYPT)
        g_array_append_val (reused, h->kid);
      g_array_remove_index_fast (self->held, i);
    } else {
      i++;
    }
  }
  i = 0;
  while (i < self->rosters->len) {
    Roster *r = &g_array_index (self->rosters, Roster, i);

    if (r->epoch != epoch && (r->epoch & mask) == (epoch & mask))
      g_array_remove_index_fast (self->rosters, i);
    else
      i++;
  }
}

static gboolean
kid_in (GArray * kids, guint64 kid)
{
  guint i;

  for (i = 0; i < kids->len; i++)
    if (g_array_index (kids, guint64, i) == kid)
      return TRUE;
  return FALSE;
}

/* Step 2 for every member: @base is the epoch's base key. */
static gboolean
add_epoch_keys (GstE2eeMlsKeys * self, GPtrArray * members, guint sender_bits,
    guint64 epoch, const guint8 * base, gsize base_len, GArray * reused, GError ** error)
{
  guint i, c;

  for (i = 0; i < members->len; i++) {
    guint32 leaf = gst_e2ee_mls_member_get_leaf_index (g_ptr_array_index (members, i));
    GstE2eeKeyUsage usage = leaf == self->own_leaf ? GST_E2EE_KEY_USAGE_ENCRYPT :
        GST_E2EE_KEY_USAGE_DECRYPT;

    for (c = 0; c < self->n_contexts; c++) {
      guint64 kid = gst_e2ee_mls_kid (c, leaf, epoch, sender_bits, self->epoch_bits);
      Held h = { kid, epoch, leaf, usage, TRUE };
      gboolean ok;

      /* Only a KID whose key this binding itself removed at the wrap may take a new
       * key after a used one: this epoch's base key is new, so its key object
       * repeats no (key, CTR) pair. Any other spent KID is refused as usual. */
      if (usage == GST_E2EE_KEY_USAGE_ENCRYPT && kid_in (reused, kid))
        ok = gst_e2ee_key_store_add_new_secret (self->store, kid, usage, self->suite,
            base, base_len, error);
      else
        ok = gst_e2ee_key_store_add_key (self->store, kid, usage, self->suite, base,
            base_len, error);
      if (!ok)
        return FALSE;
      g_array_append_val (self->held, h);
    }
  }
  return TRUE;
}

/* The group's roster and S; FALSE with @error set when n_contexts does not fit. */
static GPtrArray *
roster (GstE2eeMlsKeys * self, guint * sender_bits, GError ** error)
{
  GPtrArray *members = gst_e2ee_mls_group_get_members (self->group);
  guint32 size = 0;
  guint i, s, cbits;

  for (i = 0; i < members->len; i++)
    size = MAX (size, gst_e2ee_mls_member_get_leaf_index (g_ptr_array_index (members,
                i)) + 1);
  s = gst_e2ee_mls_sender_bits (size);
  cbits = gst_e2ee_mls_sender_bits (self->n_contexts);
  if (s + self->epoch_bits + cbits > 64) {
    g_set_error (error, GST_E2EE_KEY_STORE_ERROR,
        GST_E2EE_KEY_STORE_ERROR_INVALID_ARGUMENT,
        "%u contexts do not fit in a KID with S = %u and E = %u", self->n_contexts, s,
        self->epoch_bits);
    g_ptr_array_unref (members);
    return NULL;
  }
  *sender_bits = s;
  return members;
}

/* Steps 1 to 4 for the group's current epoch. */
static gboolean
provision (GstE2eeMlsKeys * self, GError ** error)
{
  guint64 epoch = gst_e2ee_mls_group_get_epoch (self->group);
  gsize nk = gst_e2ee_cipher_suite_get_key_size (self->suite);
  GPtrArray *members;
  GArray *reused;
  GBytes *base;
  guint8 *key;
  gsize len;
  guint sender_bits = 0;
  gboolean ok;

  if (!gst_e2ee_mls_group_is_active (self->group)) {
    g_rec_mutex_lock (&self->lock);
    if (!self->active) {
      g_rec_mutex_unlock (&self->lock);
      return TRUE;
    }
    GST_INFO_OBJECT (self, "removed from the group: no more keys");
    retire_before (self, G_MAXUINT64);
    self->active = FALSE;
    g_rec_mutex_unlock (&self->lock);
    g_object_notify (G_OBJECT (self), "active");
    g_object_notify (G_OBJECT (self), "own-kid");
    return TRUE;
  }
  if (self->active && epoch == self->epoch)
    return TRUE;

  members = roster (self, &sender_bits, error);
  if (members == NULL)
    return FALSE;
  base = gst_e2ee_mls_group_export_secret (self->group, GST_E2EE_MLS_KEYS_BASE_KEY_LABEL,
      NULL, nk, error);
  if (base == NULL) {
    g_ptr_array_unref (members);
    return FALSE;
  }
  key = g_bytes_unref_to_data (base, &len);

  g_rec_mutex_lock (&self->lock);
  self->own_leaf = gst_e2ee_mls_group_get_own_leaf_index (self->group);
  reused = g_array_new (FALSE, FALSE, sizeof (guint64));
  remove_wrapped (self, epoch, reused);
  ok = add_epoch_keys (self, members, sender_bits, epoch, key, len, reused, error);
  OPENSSL_cleanse (key, len);
  g_free (key);
  g_array_unref (reused);
  {
    Roster r = { epoch, members };

    g_array_append_val (self->rosters, r);
  }
  retire_before (self, epoch);

  self->epoch = epoch;
  self->sender_bits = sender_bits;
  self->active = TRUE;
  GST_DEBUG_OBJECT (self, "epoch %" G_GUINT64_FORMAT ": S = %u, %u keys held", epoch,
      sender_bits, self->held->len);
  g_rec_mutex_unlock (&self->lock);
  g_object_notify (G_OBJECT (self), "epoch");
  g_object_notify (G_OBJECT (self), "own-kid");
  if (ok)
    g_signal_emit (self, signals[SIGNAL_EPOCH_KEYS], 0, epoch);
  return ok;
}

static void
on_epoch (GstE2eeMlsGroup * group, GParamSpec * pspec, GstE2eeMlsKeys * self)
{
  GError *error = NULL;

  if (!provision (self, &error))
    fail (self, error);
}

static void
clear_roster (gpointer data)
{
  Roster *r = data;

  g_ptr_array_unref (r->members);
}

static void
gst_e2ee_mls_keys_init (GstE2eeMlsKeys * self)
{
  self->epoch_bits = GST_E2EE_MLS_KEYS_DEFAULT_EPOCH_BITS;
  self->n_contexts = 1;
  self->suite = GST_E2EE_CIPHER_SUITE_AES_128_GCM_SHA256_128;
  self->grace_period = GST_E2EE_KEY_STORE_DEFAULT_GRACE_PERIOD;
  self->held = g_array_new (FALSE, FALSE, sizeof (Held));
  self->rosters = g_array_new (FALSE, FALSE, sizeof (Roster));
  g_array_set_clear_func (self->rosters, clear_roster);
  g_rec_mutex_init (&self->lock);
}

/* The store's binding, for the elements that share the store (through its context or
 * their key-store property) and must follow the group: a weak reference, since the
 * binding holds the store. */
static GQuark
binding_quark (void)
{
  return g_quark_from_static_string ("gst-e2ee-mls-keys-binding");
}

static GMutex binding_lock;

static void
weak_ref_free (gpointer data)
{
  g_weak_ref_clear (data);
  g_free (data);
}

static void
register_binding (GstE2eeMlsKeys * self)
{
  GWeakRef *ref = g_new0 (GWeakRef, 1);

  g_weak_ref_init (ref, self);
  g_mutex_lock (&binding_lock);
  g_object_set_qdata_full (G_OBJECT (self->store), binding_quark (), ref, weak_ref_free);
  g_mutex_unlock (&binding_lock);
}

static void
unregister_binding (GstE2eeMlsKeys * self)
{
  GWeakRef *ref;
  GObject *bound;

  g_mutex_lock (&binding_lock);
  ref = g_object_get_qdata (G_OBJECT (self->store), binding_quark ());
  bound = ref != NULL ? g_weak_ref_get (ref) : NULL;
  /* In dispose the weak reference is already NULL; another binding made later stays. */
  if (ref != NULL && (bound == NULL || bound == (GObject *) self))
    g_object_set_qdata (G_OBJECT (self->store), binding_quark (), NULL);
  g_mutex_unlock (&binding_lock);
  if (bound != NULL)
    g_object_unref (bound);
}

static void
gst_e2ee_mls_keys_dispose (GObject * object)
{
  GstE2eeMlsKeys *self = GST_E2EE_MLS_KEYS (object);

  if (self->store != NULL)
    unregister_binding (self);
  if (self->group != NULL) {
    g_signal_handler_disconnect (self->group, self->notify_id);
    g_clear_object (&self->group);
  }
  /* Unbound, nobody renews the keys: they go the way superseded keys go. */
  if (self->store != NULL) {
    g_rec_mutex_lock (&self->lock);
    retire_before (self, G_MAXUINT64);
    g_rec_mutex_unlock (&self->lock);
    g_clear_object (&self->store);
  }
  G_OBJECT_CLASS (gst_e2ee_mls_keys_parent_class)->dispose (object);
}

static void
gst_e2ee_mls_keys_finalize (GObject * object)
{
  GstE2eeMlsKeys *self = GST_E2EE_MLS_KEYS (object);

  g_array_unref (self->held);
  g_array_unref (self->rosters);
  g_rec_mutex_clear (&self->lock);
  G_OBJECT_CLASS (gst_e2ee_mls_keys_parent_class)->finalize (object);
}

static void
gst_e2ee_mls_keys_set_property (GObject * object, guint prop_id, const GValue * value,
    GParamSpec * pspec)
{
  GstE2eeMlsKeys *self = GST_E2EE_MLS_KEYS (object);

  switch (prop_id) {
    case PROP_GRACE_PERIOD:
      self->grace_period = g_value_get_uint64 (value);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
      break;
  }
}

static void
gst_e2ee_mls_keys_get_property (GObject * object, guint prop_id, GValue * value,
    GParamSpec * pspec)
{
  GstE2eeMlsKeys *self = GST_E2EE_MLS_KEYS (object);

  switch (prop_id) {
    case PROP_EPOCH_BITS:
      g_value_set_uint (value, self->epoch_bits);
      break;
    case PROP_CONTEXTS:
      g_value_set_uint (value, self->n_contexts);
      break;
    case PROP_CIPHER_SUITE:
      g_value_set_enum (value, self->suite);
      break;
    case PROP_GRACE_PERIOD:
      g_value_set_uint64 (value, self->grace_period);
      break;
    case PROP_EPOCH:
      g_value_set_uint64 (value, gst_e2ee_mls_keys_get_epoch (self));
      break;
    case PROP_SENDER_BITS:
      g_value_set_uint (value, gst_e2ee_mls_keys_get_sender_bits (self));
      break;
    case PROP_OWN_KID:
      g_value_set_uint64 (value, gst_e2ee_mls_keys_get_own_kid (self, 0));
      break;
    case PROP_ACTIVE:
      g_value_set_boolean (value, gst_e2ee_mls_keys_is_active (self));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
      break;
  }
}

static void
gst_e2ee_mls_keys_class_init (GstE2eeMlsKeysClass * klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = gst_e2ee_mls_keys_dispose;
  object_class->finalize = gst_e2ee_mls_keys_finalize;
  object_class->set_property = gst_e2ee_mls_keys_set_property;
  object_class->get_property = gst_e2ee_mls_keys_get_property;

  /**
   * GstE2eeMlsKeys:epoch-bits:
   *
   * E: how many low bits of the epoch a KID carries
   * (gst_e2ee_mls_keys_new_full()). At most 2^E epochs can have keys at a time.
   *
   * Since: 0.1
   */
  g_object_class_install_property (object_class, PROP_EPOCH_BITS,
      g_param_spec_uint ("epoch-bits", "Epoch bits",
          "E: how many low bits of the epoch a KID carries", 1,
          GST_E2EE_MLS_KEYS_MAX_EPOCH_BITS, GST_E2EE_MLS_KEYS_DEFAULT_EPOCH_BITS,
          G_PARAM_READABLE | G_PARAM_STATIC_STRINGS));

  /**
   * GstE2eeMlsKeys:contexts:
   *
   * How many stream contexts each member has KIDs for (0 to this minus one).
   *
   * Since: 0.1
   */
  g_object_class_install_property (object_class, PROP_CONTEXTS,
      g_param_spec_uint ("contexts", "Contexts",
          "How many stream contexts each member has KIDs for", 1, G_MAXUINT, 1,
          G_PARAM_READABLE | G_PARAM_STATIC_STRINGS));

  /**
   * GstE2eeMlsKeys:cipher-suite:
   *
   * The SFrame cipher suite of the keys.
   *
   * Since: 0.1
   */
  g_object_class_install_property (object_class, PROP_CIPHER_SUITE,
      g_param_spec_enum ("cipher-suite", "Cipher suite",
          "The SFrame cipher suite of the keys", GST_TYPE_E2EE_CIPHER_SUITE,
          GST_E2EE_CIPHER_SUITE_AES_128_GCM_SHA256_128,
          G_PARAM_READABLE | G_PARAM_STATIC_STRINGS));

  /**
   * GstE2eeMlsKeys:grace-period:
   *
   * How long the keys of an epoch stay usable after the next epoch started, in
   * nanoseconds, so that frames still in flight decrypt (0: removed at once).
   *
   * Since: 0.1
   */
  g_object_class_install_property (object_class, PROP_GRACE_PERIOD,
      g_param_spec_uint64 ("grace-period", "Grace period",
          "How long an epoch's keys stay usable after the next epoch started (ns)", 0,
          G_MAXUINT64, GST_E2EE_KEY_STORE_DEFAULT_GRACE_PERIOD,
          G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS));

  /**
   * GstE2eeMlsKeys:epoch:
   *
   * The epoch whose keys the store holds as current; notified once they are there.
   *
   * Since: 0.1
   */
  g_object_class_install_property (object_class, PROP_EPOCH,
      g_param_spec_uint64 ("epoch", "Epoch", "The epoch whose keys are current", 0,
          G_MAXUINT64, 0, G_PARAM_READABLE | G_PARAM_STATIC_STRINGS));

  /**
   * GstE2eeMlsKeys:sender-bits:
   *
   * S of the current epoch (gst_e2ee_mls_sender_bits()).
   *
   * Since: 0.1
   */
  g_object_class_install_property (object_class, PROP_SENDER_BITS,
      g_param_spec_uint ("sender-bits", "Sender bits", "S of the current epoch", 0, 32,
          0, G_PARAM_READABLE | G_PARAM_STATIC_STRINGS));

  /**
   * GstE2eeMlsKeys:own-kid:
   *
   * This member's KID of context 0 in the current epoch, the encryption key an
   * encryptor should use (G_MAXUINT64 when the binding holds no current keys).
   * Notified at every epoch, so it can be bound to an encryptor's KID property.
   *
   * Since: 0.1
   */
  g_object_class_install_property (object_class, PROP_OWN_KID,
      g_param_spec_uint64 ("own-kid", "Own KID",
          "This member's KID of context 0 in the current epoch", 0, G_MAXUINT64,
          G_MAXUINT64, G_PARAM_READABLE | G_PARAM_STATIC_STRINGS));

  /**
   * GstE2eeMlsKeys:active:
   *
   * Whether the store holds current keys of the group: %FALSE once the group
   * removed this member.
   *
   * Since: 0.1
   */
  g_object_class_install_property (object_class, PROP_ACTIVE,
      g_param_spec_boolean ("active", "Active",
          "Whether the store holds current keys of the group", FALSE,
          G_PARAM_READABLE | G_PARAM_STATIC_STRINGS));

  /**
   * GstE2eeMlsKeys::epoch-keys:
   * @keys: the #GstE2eeMlsKeys
   * @epoch: the epoch
   *
   * The store holds every key of @epoch, and those of the previous epoch are
   * retired. Emitted in the thread that applied the commit.
   *
   * Since: 0.1
   */
  signals[SIGNAL_EPOCH_KEYS] = g_signal_new ("epoch-keys", G_TYPE_FROM_CLASS (klass),
      G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL, G_TYPE_NONE, 1, G_TYPE_UINT64);

  /**
   * GstE2eeMlsKeys::provisioning-failed:
   * @keys: the #GstE2eeMlsKeys
   * @error: what failed
   *
   * An epoch's keys could not all be added (a KID taken for the other usage by
   * someone else, a spent encryption KID): the keys that could be added are there,
   * the others are missing. An application should treat this as fatal for the
   * meeting.
   *
   * Since: 0.1
   */
  signals[SIGNAL_PROVISIONING_FAILED] = g_signal_new ("provisioning-failed",
      G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL, G_TYPE_NONE, 1,
      G_TYPE_ERROR);
}

/**
 * gst_e2ee_mls_keys_new:
 * @group: an active #GstE2eeMlsGroup
 * @store: the key store to provision
 * @error: return location for a #GError, or %NULL
 *
 * gst_e2ee_mls_keys_new_full() with E = %GST_E2EE_MLS_KEYS_DEFAULT_EPOCH_BITS, one
 * context and %GST_E2EE_CIPHER_SUITE_AES_128_GCM_SHA256_128.
 *
 * Returns: (transfer full) (nullable): the binding, or %NULL with @error set.
 *
 * Since: 0.1
 */
GstE2eeMlsKeys *
gst_e2ee_mls_keys_new (GstE2eeMlsGroup * group, GstE2eeKeyStore * store, GError ** error)
{
  return gst_e2ee_mls_keys_new_full (group, store, GST_E2EE_MLS_KEYS_DEFAULT_EPOCH_BITS,
      1, GST_E2EE_CIPHER_SUITE_AES_128_GCM_SHA256_128, error);
}

/**
 * gst_e2ee_mls_keys_new_full:
 * @group: an active #GstE2eeMlsGroup
 * @store: the key store to provision
 * @epoch_bits: E, 1 to %GST_E2EE_MLS_KEYS_MAX_EPOCH_BITS
 * @n_contexts: how many stream contexts each member has KIDs for (at least 1)
 * @suite: the SFrame cipher suite of the keys
 * @error: return location for a #GError, or %NULL
 *
 * Binds @group to @store: adds the keys of the group's current epoch at once, and
 * those of every later epoch when the group reaches it (see the section above). The
 * binding holds references to both; drop it to stop (its current keys are then
 * retired with the grace period).
 *
 * Returns: (transfer full) (nullable): the binding, or %NULL with @error set
 *   (%GST_E2EE_KEY_STORE_ERROR_INVALID_ARGUMENT for an inactive group or arguments
 *   out of range, or why a key could not be added).
 *
 * Since: 0.1
 */
GstE2eeMlsKeys *
gst_e2ee_mls_keys_new_full (GstE2eeMlsGroup * group, GstE2eeKeyStore * store,
    guint epoch_bits, guint n_contexts, GstE2eeCipherSuite suite, GError ** error)
{
  GstE2eeMlsKeys *self;

  g_return_val_if_fail (GST_E2EE_IS_MLS_GROUP (group), NULL);
  g_return_val_if_fail (GST_E2EE_IS_KEY_STORE (store), NULL);

  if (epoch_bits < 1 || epoch_bits > GST_E2EE_MLS_KEYS_MAX_EPOCH_BITS || n_contexts < 1
      || !gst_e2ee_cipher_suite_is_valid (suite) || !gst_e2ee_mls_group_is_active (group)) {
    g_set_error (error, GST_E2EE_KEY_STORE_ERROR,
        GST_E2EE_KEY_STORE_ERROR_INVALID_ARGUMENT,
        "cannot bind: %s", !gst_e2ee_mls_group_is_active (group) ?
        "the group is not active" : "E must be 1 to 16, contexts at least 1, and the "
        "cipher suite valid");
    return NULL;
  }
  self = g_object_new (GST_E2EE_TYPE_MLS_KEYS, NULL);
  self->group = g_object_ref (group);
  self->store = g_object_ref (store);
  self->epoch_bits = epoch_bits;
  self->n_contexts = n_contexts;
  self->suite = suite;
  /* Registered first: an element sharing the store learns of the binding from the
   * first key it adds (GstE2eeKeyStore::key-added) and looks it up there. */
  register_binding (self);
  if (!provision (self, error)) {
    g_object_unref (self);
    return NULL;
  }
  self->notify_id = g_signal_connect (group, "notify::epoch", G_CALLBACK (on_epoch),
      self);
  return self;
}

/**
 * gst_e2ee_mls_keys_get_for_store:
 * @store: a #GstE2eeKeyStore
 *
 * The binding that provisions @store, if any: how an element that shares the store
 * (through the `gst.e2ee.keystore` context or a property) finds the group whose epochs
 * it follows. The store does not keep its binding alive; the latest binding made for
 * @store is the one returned.
 *
 * Returns: (transfer full) (nullable): the binding, or %NULL.
 *
 * Since: 0.1
 */
GstE2eeMlsKeys *
gst_e2ee_mls_keys_get_for_store (GstE2eeKeyStore * store)
{
  GWeakRef *ref;
  GObject *bound;

  g_return_val_if_fail (GST_E2EE_IS_KEY_STORE (store), NULL);

  g_mutex_lock (&binding_lock);
  ref = g_object_get_qdata (G_OBJECT (store), binding_quark ());
  bound = ref != NULL ? g_weak_ref_get (ref) : NULL;
  g_mutex_unlock (&binding_lock);
  return (GstE2eeMlsKeys *) bound;
}

/**
 * gst_e2ee_mls_keys_get_group:
 * @keys: a #GstE2eeMlsKeys
 *
 * Returns: (transfer none): the group whose epochs @keys follows.
 *
 * Since: 0.1
 */
GstE2eeMlsGroup *
gst_e2ee_mls_keys_get_group (GstE2eeMlsKeys * keys)
{
  g_return_val_if_fail (GST_E2EE_IS_MLS_KEYS (keys), NULL);
  return keys->group;
}

/**
 * gst_e2ee_mls_keys_get_store:
 * @keys: a #GstE2eeMlsKeys
 *
 * Returns: (transfer none): the store @keys provisions.
 *
 * Since: 0.1
 */
GstE2eeKeyStore *
gst_e2ee_mls_keys_get_store (GstE2eeMlsKeys * keys)
{
  g_return_val_if_fail (GST_E2EE_IS_MLS_KEYS (keys), NULL);
  return keys->store;
}

/* What the getters report, read at once under the lock. */
typedef struct
{
  gboolean active;
  guint64 epoch;
  guint sender_bits;
  guint32 own_leaf;
} State;

static State
read_state (GstE2eeMlsKeys * keys)
{
  State st;

  g_rec_mutex_lock (&keys->lock);
  st.active = keys->active;
  st.epoch = keys->epoch;
  st.sender_bits = keys->sender_bits;
  st.own_leaf = keys->own_leaf;
  g_rec_mutex_unlock (&keys->lock);
  return st;
}

/**
 * gst_e2ee_mls_keys_get_kid:
 * @keys: a #GstE2eeMlsKeys
 * @leaf_index: a member's leaf index
 * @context: a stream context, below #GstE2eeMlsKeys:contexts
 *
 * Returns: the KID of that member's stream in the current epoch, or G_MAXUINT64 when
 *   @context is out of range or the binding holds no current keys.
 *
 * Since: 0.1
 */
guint64
gst_e2ee_mls_keys_get_kid (GstE2eeMlsKeys * keys, guint32 leaf_index, guint context)
{
  State st;

  g_return_val_if_fail (GST_E2EE_IS_MLS_KEYS (keys), G_MAXUINT64);

  st = read_state (keys);
  if (!st.active || context >= keys->n_contexts)
    return G_MAXUINT64;
  return gst_e2ee_mls_kid (context, leaf_index, st.epoch, st.sender_bits,
      keys->epoch_bits);
}

/**
 * gst_e2ee_mls_keys_get_own_kid:
 * @keys: a #GstE2eeMlsKeys
 * @context: a stream context, below #GstE2eeMlsKeys:contexts
 *
 * Returns: the KID this member encrypts @context's stream with in the current epoch,
 *   or G_MAXUINT64 (see gst_e2ee_mls_keys_get_kid()).
 *
 * Since: 0.1
 */
guint64
gst_e2ee_mls_keys_get_own_kid (GstE2eeMlsKeys * keys, guint context)
{
  State st;

  g_return_val_if_fail (GST_E2EE_IS_MLS_KEYS (keys), G_MAXUINT64);

  st = read_state (keys);
  if (!st.active || context >= keys->n_contexts)
    return G_MAXUINT64;
  return gst_e2ee_mls_kid (context, st.own_leaf, st.epoch, st.sender_bits,
      keys->epoch_bits);
}

/**
 * gst_e2ee_mls_keys_lookup_sender:
 * @keys: a #GstE2eeMlsKeys
 * @kid: a KID, typically from a frame that failed or is held
 * @epoch: (out) (optional): the epoch of the KID's key
 *
 * Who sends under @kid: the member the binding gave that KID to in one of the epochs
 * it holds keys of (the current one and the 2^E - 1 before it, even when their grace
 * period is over), as that epoch's roster listed it. A decryptor names the member
 * behind a KID with this (leaf index and identity) rather than the bare KID. Safe to
 * call from any thread.
 *
 * Returns: (transfer full) (nullable): a copy of the member, or %NULL for a KID the
 *   binding did not add (another group's, a forged one, or of an epoch too old).
 *
 * Since: 0.1
 */
GstE2eeMlsMember *
gst_e2ee_mls_keys_lookup_sender (GstE2eeMlsKeys * keys, guint64 kid, guint64 * epoch)
{
  GstE2eeMlsMember *found = NULL;
  guint i, j;

  g_return_val_if_fail (GST_E2EE_IS_MLS_KEYS (keys), NULL);

  g_rec_mutex_lock (&keys->lock);
  for (i = 0; i < keys->held->len && found == NULL; i++) {
    const Held *h = &g_array_index (keys->held, Held, i);

    if (h->kid != kid)
      continue;
    for (j = 0; j < keys->rosters->len && found == NULL; j++) {
      const Roster *r = &g_array_index (keys->rosters, Roster, j);
      guint k;

      if (r->epoch != h->epoch)
        continue;
      for (k = 0; k < r->members->len; k++) {
        const GstE2eeMlsMember *m = g_ptr_array_index (r->members, k);

        if (gst_e2ee_mls_member_get_leaf_index (m) == h->leaf) {
          found = gst_e2ee_mls_member_copy (m);
          if (epoch != NULL)
            *epoch = h->epoch;
          break;
        }
      }
    }
  }
  g_rec_mutex_unlock (&keys->lock);
  return found;
}

/**
 * gst_e2ee_mls_keys_get_epoch:
 * @keys: a #GstE2eeMlsKeys
 *
 * Returns: #GstE2eeMlsKeys:epoch.
 *
 * Since: 0.1
 */
guint64
gst_e2ee_mls_keys_get_epoch (GstE2eeMlsKeys * keys)
{
  g_return_val_if_fail (GST_E2EE_IS_MLS_KEYS (keys), 0);

  return read_state (keys).epoch;
}

/**
 * gst_e2ee_mls_keys_get_sender_bits:
 * @keys: a #GstE2eeMlsKeys
 *
 * Returns: #GstE2eeMlsKeys:sender-bits.
 *
 * Since: 0.1
 */
guint
gst_e2ee_mls_keys_get_sender_bits (GstE2eeMlsKeys * keys)
{
  g_return_val_if_fail (GST_E2EE_IS_MLS_KEYS (keys), 0);

  return read_state (keys).sender_bits;
}

/**
 * gst_e2ee_mls_keys_get_epoch_bits:
 * @keys: a #GstE2eeMlsKeys
 *
 * Returns: #GstE2eeMlsKeys:epoch-bits.
 *
 * Since: 0.1
 */
guint
gst_e2ee_mls_keys_get_epoch_bits (GstE2eeMlsKeys * keys)
{
  g_return_val_if_fail (GST_E2EE_IS_MLS_KEYS (keys), 0);
  return keys->epoch_bits;
}

/**
 * gst_e2ee_mls_keys_get_cipher_suite:
 * @keys: a #GstE2eeMlsKeys
 *
 * Returns: #GstE2eeMlsKeys:cipher-suite.
 *
 * Since: 0.1
 */
GstE2eeCipherSuite
gst_e2ee_mls_keys_get_cipher_suite (GstE2eeMlsKeys * keys)
{
  g_return_val_if_fail (GST_E2EE_IS_MLS_KEYS (keys),
      GST_E2EE_CIPHER_SUITE_AES_128_GCM_SHA256_128);
  return keys->suite;
}

/**
 * gst_e2ee_mls_keys_is_active:
 * @keys: a #GstE2eeMlsKeys
 *
 * Returns: #GstE2eeMlsKeys:active.
 *
 * Since: 0.1
 */
gboolean
gst_e2ee_mls_keys_is_active (GstE2eeMlsKeys * keys)
{
  g_return_val_if_fail (GST_E2EE_IS_MLS_KEYS (keys), FALSE);

  return read_state (keys).active;
}
