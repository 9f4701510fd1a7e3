/* gst-e2ee: e2eedec: properties, stats and the messages about dropped frames
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "gste2eedec-private.h"

#include <openssl/crypto.h>
#include <string.h>

static const gchar *drop_reason_names[N_DROP_REASONS] = {
  "unknown-kid", "authentication", "truncated", "malformed-header",
  "replay-duplicate", "replay-too-old", "clear-only"
};


/* ---- Drops and messages -------------------------------------------------- */

/* Counts a drop and, rate-limited per reason, tells the application. */
void
gst_e2ee_dec_report_drop (GstE2eeDec * self, DropReason reason, gboolean have_header,
    guint64 kid, guint64 ctr, const gchar * detail)
{
  GstMessage *msg = NULL;
  gint64 now = g_get_monotonic_time ();
  gboolean post;
  GstClockTime interval;
  guint64 count = 0, total = 0;
  gchar *member;

  GST_OBJECT_LOCK (self);
  post = self->post_drop_messages;
  interval = self->drop_message_interval;
  GST_OBJECT_UNLOCK (self);

  /* A replayed frame is not a lost one: the original already went through; nor is a
   * payloader's stand-alone parameter sets, which the key frame carries again. */
  if (reason != DROP_REPLAY_DUPLICATE && reason != DROP_REPLAY_TOO_OLD &&
      reason != DROP_CLEAR_ONLY)
    self->gap = TRUE;

  g_mutex_lock (&self->stats_lock);
  self->drops[reason]++;
  self->drops_pending[reason]++;
  if (have_header) {
    /* Only KIDs that already decrypted a frame have an entry: a dropped frame's KID
     * comes from the network, unauthenticated, and counts in the totals only. */
    GstE2eeKidStats *st = g_hash_table_lookup (self->stats, &kid);

    if (st == NULL)
      ;
    else if (reason == DROP_UNKNOWN_KID)
      st->dropped_unknown_kid++;
    else if (reason == DROP_AUTHENTICATION)
      st->dropped_authentication++;
    else if (reason == DROP_TRUNCATED)
      st->dropped_truncated++;
    else if (reason == DROP_REPLAY_DUPLICATE || reason == DROP_REPLAY_TOO_OLD)
      st->dropped_replay++;
  }
  if (post && (self->last_drop_message[reason] == 0 ||
          now - self->last_drop_message[reason] >= (gint64) (interval / GST_USECOND))) {
    GstStructure *s = gst_structure_new ("e2eedec-drop",
        "reason", G_TYPE_STRING, drop_reason_names[reason],
        "count", G_TYPE_UINT64, self->drops_pending[reason],
        "total", G_TYPE_UINT64, self->drops[reason],
        "detail", G_TYPE_STRING, detail, NULL);
    if (have_header)
      gst_structure_set (s, "kid", G_TYPE_UINT64, kid, "ctr", G_TYPE_UINT64, ctr, NULL);
    msg = gst_message_new_element (GST_OBJECT (self), s);
    count = self->drops_pending[reason];
    total = self->drops[reason];
    self->drops_pending[reason] = 0;
    self->last_drop_message[reason] = now;
  }
  g_mutex_unlock (&self->stats_lock);

  /* In an MLS meeting, whose media it is (not under stats_lock: the lookup takes the
   * object lock, which the store's handlers take before it). */
  member = msg && have_header ? gst_e2ee_dec_mls_name (self, kid,
      gst_message_writable_structure (msg)) : NULL;

  if (reason == DROP_CLEAR_ONLY)
    GST_DEBUG_OBJECT (self, "dropped frame (%s): %s", drop_reason_names[reason], detail);
  else
    GST_WARNING_OBJECT (self, "dropped frame (%s): %s", drop_reason_names[reason],
        detail);
  if (msg)
    gst_element_post_message (GST_ELEMENT (self), msg);
  /* What applications watch for a key that never came (as other decryptors post
   * it); a warning, since frames of other KIDs still decrypt. Rate-limited with the
   * drop message. */
  if (msg && reason == DROP_UNKNOWN_KID)
    GST_ELEMENT_WARNING_WITH_DETAILS (self, STREAM, DECRYPT_NOKEY, ("No key for KID %"
            G_GUINT64_FORMAT "%s: %" G_GUINT64_FORMAT " frame(s) dropped", kid,
            member ? member : "", count), ("%s", detail), ("kid", G_TYPE_UINT64, kid,
            "count", G_TYPE_UINT64, count, "total", G_TYPE_UINT64, total, NULL));
  else if (msg && reason == DROP_AUTHENTICATION && member && *member)
    /* A member's frames failing: someone sends under its KID without its key. */
    GST_ELEMENT_WARNING_WITH_DETAILS (self, STREAM, DECRYPT, ("Frames of KID %"
            G_GUINT64_FORMAT "%s fail authentication: %" G_GUINT64_FORMAT " dropped",
            kid, member, count), ("%s", detail), ("kid", G_TYPE_UINT64, kid,
            "count", G_TYPE_UINT64, count, "total", G_TYPE_UINT64, total, NULL));
  g_free (member);
}

void
gst_e2ee_dec_post_unknown_kid (GstE2eeDec * self, guint64 kid, const gchar * action, guint64 count)
{
  GstStructure *s = gst_structure_new ("e2ee-unknown-kid",
      "kid", G_TYPE_UINT64, kid, "action", G_TYPE_STRING, action,
      "count", G_TYPE_UINT64, count, NULL);

  g_free (gst_e2ee_dec_mls_name (self, kid, s));
  gst_e2ee_post_message (GST_ELEMENT (self), s);
}

/* ---- Properties ------------------------------------------------------------ */

static GstStructure *
gst_e2ee_dec_get_stats (GstE2eeDec * self)
{
  GstStructure *s;
  GValue kids = G_VALUE_INIT;
  guint64 dropped = 0;
  guint i, n_keys;

  GST_OBJECT_LOCK (self);
  n_keys = self->store ? gst_e2ee_key_store_get_n_keys (self->store) : 0;
  GST_OBJECT_UNLOCK (self);
  g_mutex_lock (&self->stats_lock);
  for (i = 0; i < N_DROP_REASONS; i++)
    dropped += self->drops[i];
  s = gst_structure_new ("e2eedec-stats",
      "frames", G_TYPE_UINT64, self->frames,
      "bytes", G_TYPE_UINT64, self->bytes,
      "dropped", G_TYPE_UINT64, dropped,
      "dropped-unknown-kid", G_TYPE_UINT64, self->drops[DROP_UNKNOWN_KID],
      "dropped-authentication", G_TYPE_UINT64, self->drops[DROP_AUTHENTICATION],
      "dropped-truncated", G_TYPE_UINT64, self->drops[DROP_TRUNCATED],
      "dropped-malformed-header", G_TYPE_UINT64, self->drops[DROP_MALFORMED_HEADER],
      "dropped-replay-duplicate", G_TYPE_UINT64, self->drops[DROP_REPLAY_DUPLICATE],
      "dropped-replay-too-old", G_TYPE_UINT64, self->drops[DROP_REPLAY_TOO_OLD],
      "dropped-clear-only", G_TYPE_UINT64, self->drops[DROP_CLEAR_ONLY],
      "held", G_TYPE_UINT64, self->held,
      "recovered", G_TYPE_UINT64, self->recovered,
      "joined", G_TYPE_UINT64, self->joined,
      "nal-units-removed", G_TYPE_UINT64, self->nal_units_removed,
      "keys", G_TYPE_UINT, n_keys, NULL);
  gst_e2ee_kid_stats_to_array (self->stats, TRUE, &kids);
  g_mutex_unlock (&self->stats_lock);
  gst_e2ee_dec_mls_name_kids (self, &kids);
  gst_structure_take_value (s, "kids", &kids);
  gst_e2ee_policy_binding_add_stats (self->policy, s);
  return s;
}

/* Gives every KID's replay window @size, keeping what it knows: a counter it saw, or
 * is too old to tell, counts as seen in the new window. Emptied instead, the windows
 * would let every frame recorded under a current key in again. */
static void
resize_windows (GstE2eeDec * self, guint size)
{
  GHashTableIter iter;
  gpointer value;

  g_mutex_lock (&self->stats_lock);
  g_hash_table_iter_init (&iter, self->windows);
  while (g_hash_table_iter_next (&iter, NULL, &value)) {
    const GstE2eeReplayWindow *old = value;
    GstE2eeReplayWindow *w = gst_e2ee_replay_window_new (size);
    guint64 highest, ctr;

    if (gst_e2ee_replay_window_get_highest (old, &highest)) {
      gst_e2ee_replay_window_commit (w, highest);
      for (ctr = highest - MIN (highest, (guint64) size - 1); ctr < highest; ctr++)
        if (gst_e2ee_replay_window_check (old, ctr) != GST_E2EE_REPLAY_STATUS_OK)
          gst_e2ee_replay_window_commit (w, ctr);
    }
    g_hash_table_iter_replace (&iter, w);
  }
  self->last_window = NULL;
  g_mutex_unlock (&self->stats_lock);
}

void
gst_e2ee_dec_set_property (GObject * object, guint prop_id, const GValue * value,
    GParamSpec * pspec)
{
  GstE2eeDec *self = GST_E2EE_DEC (object);
  GBytes *old_key = NULL;
  gboolean moved = FALSE, refused = FALSE;
  gsize key_size = 0;

  GST_OBJECT_LOCK (self);
  switch (prop_id) {
    case PROP_CIPHER_SUITE:
      moved = self->suite != (GstE2eeCipherSuite) g_value_get_enum (value);
      self->suite = g_value_get_enum (value);
      break;
    case PROP_KEY_ID:
      moved = self->prop_kid != g_value_get_uint64 (value);
      self->prop_kid = g_value_get_uint64 (value);
      break;
    case PROP_KEY:{
      GBytes *key = gst_e2ee_secret_from_buffer (g_value_get_boxed (value));

      key_size = key ? g_bytes_get_size (key) : 0;
      if (key && key_size < GST_E2EE_MIN_BASE_KEY_SIZE) {
        /* Refused whole: the key in use (if any) stays. start() fails on it, or while
         * running a warning says so, as e2eeenc does. */
        g_bytes_unref (key);
        refused = self->started;
        self->key_refused = !self->started;
        self->refused_key_size = key_size;
        break;
      }
      if (key && self->prop_key && gst_e2ee_dec_prop_key_in_place_locked (self) &&
          g_bytes_get_size (key) == g_bytes_get_size (self->prop_key) &&
          CRYPTO_memcmp (g_bytes_get_data (key, NULL), g_bytes_get_data (self->prop_key,
                  NULL), key_size) == 0) {
        /* The key in use, given again (re-sent by key management): reinstalled, it
         * would start with an empty replay window. */
        old_key = key;
        break;
      }
      old_key = g_steal_pointer (&self->prop_key);
      self->prop_key = key;
      self->prop_key_spent = FALSE;
      self->key_refused = FALSE;
      if (self->store == NULL)
        gst_e2ee_dec_set_store_locked (self, gst_e2ee_key_store_new ());
      self->prop_key_dirty = TRUE;
      break;
    }
    case PROP_POST_DROP_MESSAGES:
      self->post_drop_messages = g_value_get_boolean (value);
      break;
    case PROP_DROP_MESSAGE_INTERVAL:
      self->drop_message_interval = g_value_get_uint64 (value);
      break;
    case PROP_ALLOW_PLAINTEXT:
      self->allow_plaintext = g_value_get_boolean (value);
      break;
    case PROP_KEY_STORE:{
      GstE2eeKeyStore *store = g_value_dup_object (value);
      self->store_from_property = store != NULL;
      self->store_shared = FALSE;
      gst_e2ee_dec_set_store_locked (self, store);
      break;
    }
    case PROP_RATCHET_BITS:
      self->ratchet_bits = g_value_get_uint (value);
      break;
    case PROP_RATCHET_WINDOW:
      self->ratchet_window = g_value_get_uint (value);
      break;
    case PROP_KEY_GRACE_PERIOD:
      self->grace_period = g_value_get_uint64 (value);
      break;
    case PROP_UNKNOWN_KID_HOLD:
      self->hold_time = g_value_get_uint64 (value);
      break;
    case PROP_UNKNOWN_KID_HOLD_FRAMES:
      self->hold_max_frames = g_value_get_uint (value);
      break;
    case PROP_UNKNOWN_KID_HOLD_BYTES:
      self->hold_max_bytes = g_value_get_uint64 (value);
      break;
    case PROP_LAYOUT:
      self->layout = g_value_get_enum (value);
      break;
    case PROP_RTP_METADATA:
      self->rtp_fields = g_value_get_flags (value);
      break;
    case PROP_REPLAY_WINDOW:
      self->replay_window_size = g_value_get_uint (value);
      /* 0 leaves them unused, to be resized when it is turned on again. */
      if (self->replay_window_size > 0)
        resize_windows (self, self->replay_window_size);
      break;
    default:
      if (!gst_e2ee_policy_binding_set_property (self->policy, prop_id - PROP_POLICY,
              value))
        G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
      break;
  }
  if (moved && (self->prop_key_spent || gst_e2ee_dec_prop_key_used_locked (self))) {
    /* Moved, the key would start with an empty replay window under the new KID or
     * suite, and come back so under its old ones when they are written again. It stays
     * where it is; back there, nothing is to be said. */
    moved = !gst_e2ee_dec_prop_key_in_place_locked (self);
  } else if (moved) {
    self->prop_key_dirty = TRUE;
    moved = FALSE;
  }
  g_atomic_int_inc (&self->settings_cookie);
  GST_OBJECT_UNLOCK (self);
  if (old_key)
    g_bytes_unref (old_key);
  if (moved)
    GST_ELEMENT_WARNING (self, RESOURCE, SETTINGS, ("The 'key' property's key does not "
            "follow a new %s once it decrypted frames or was superseded: set 'key' "
            "again", pspec->name), ("the key stays in use under its KID and suite as "
            "long as the key store keeps it"));
  if (refused)
    GST_ELEMENT_WARNING (self, RESOURCE, SETTINGS, ("Cannot change the key: the base "
            "key has %" G_GSIZE_FORMAT " bytes; at least %d are needed (32 random bytes "
            "recommended)", key_size, GST_E2EE_MIN_BASE_KEY_SIZE), (NULL));
  gst_e2ee_dec_install_prop_key (self);
}

void
gst_e2ee_dec_get_property (GObject * object, guint prop_id, GValue * value,
    GParamSpec * pspec)
{
  GstE2eeDec *self = GST_E2EE_DEC (object);

  if (prop_id == PROP_STATS) {
    g_value_take_boxed (value, gst_e2ee_dec_get_stats (self));
    return;
  }

  GST_OBJECT_LOCK (self);
  switch (prop_id) {
    case PROP_CIPHER_SUITE:
      g_value_set_enum (value, self->suite);
      break;
    case PROP_KEY_ID:
      g_value_set_uint64 (value, self->prop_kid);
      break;
    case PROP_POST_DROP_MESSAGES:
      g_value_set_boolean (value, self->post_drop_messages);
      break;
    case PROP_DROP_MESSAGE_INTERVAL:
      g_value_set_uint64 (value, self->drop_message_interval);
      break;
    case PROP_ALLOW_PLAINTEXT:
      g_value_set_boolean (value, self->allow_plaintext);
      break;
    case PROP_KEY_STORE:
      g_value_set_object (value, self->store);
      break;
    case PROP_RATCHET_BITS:
      g_value_set_uint (value, self->ratchet_bits);
      break;
    case PROP_RATCHET_WINDOW:
      g_value_set_uint (value, self->ratchet_window);
      break;
    case PROP_KEY_GRACE_PERIOD:
      g_value_set_uint64 (value, self->grace_period);
      break;
    case PROP_UNKNOWN_KID_HOLD:
      g_value_set_uint64 (value, self->hold_time);
      break;
    case PROP_UNKNOWN_KID_HOLD_FRAMES:
      g_value_set_uint (value, self->hold_max_frames);
      break;
    case PROP_UNKNOWN_KID_HOLD_BYTES:
      g_value_set_uint64 (value, self->hold_max_bytes);
      break;
    case PROP_REPLAY_WINDOW:
      g_value_set_uint (value, self->replay_window_size);
      break;
    case PROP_LAYOUT:
      g_value_set_enum (value, self->layout);
      break;
    case PROP_RTP_METADATA:
      g_value_set_flags (value, self->rtp_fields);
      break;
    default:
      if (!gst_e2ee_policy_binding_get_property (self->policy, prop_id - PROP_POLICY,
              value))
        G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
      break;
  }
  GST_OBJECT_UNLOCK (self);
}


/* The properties, from class_init(). */
void
gst_e2ee_dec_install_properties (GObjectClass * gobject_class)
{
  /**
   * GstE2eeDec:cipher-suite:
   *
   * The SFrame cipher suite the senders use. Keys are derived for it when they are
   * added, so set it before adding keys; changing it re-derives only the `key`
   * property's key, and that only until the key has decrypted a frame or was
   * superseded (see #GstE2eeDec:key): after that a change posts a warning and applies
   * to the next `key`.
   *
   * Since: 0.1
   */
  g_object_class_install_property (gobject_class, PROP_CIPHER_SUITE,
      g_param_spec_enum ("cipher-suite", "Cipher suite",
          "SFrame cipher suite (RFC 9605 section 8.1) the senders use; set it before "
          "adding keys", GST_TYPE_E2EE_CIPHER_SUITE, DEFAULT_CIPHER_SUITE,
          G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS | GST_PARAM_MUTABLE_PLAYING));

  /**
   * GstE2eeDec:key-id:
   *
   * The key ID (KID) of the #GstE2eeDec:key property's key: the single-sender case on
   * a gst-launch line. Use the #GstE2eeDec::add-key signal for more senders. Changing
   * it moves the key to the new KID until the key has decrypted a frame or was
   * superseded (see #GstE2eeDec:key); after that a change posts a warning and applies
   * to the next `key`.
   *
   * Since: 0.1
   */
  g_object_class_install_property (gobject_class, PROP_KEY_ID,
      g_param_spec_uint64 ("key-id", "Key ID",
          "Key ID (KID) of the 'key' property's key (single sender; use the add-key "
          "signal for more)", 0, G_MAXUINT64, DEFAULT_KEY_ID,
          G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS | GST_PARAM_MUTABLE_PLAYING));

  /**
   * GstE2eeDec:key:
   *
   * The sender's SFrame base key, as hex on a gst-launch line, for frames with the
   * #GstE2eeDec:key-id KID. Write-only: never readable, wiped when replaced or when
   * the element is freed.
   *
   * At least 16 bytes (32 random bytes recommended): a shorter key is refused with an
   * error (%GST_RESOURCE_ERROR_SETTINGS) when the element starts, or while it runs
   * with a warning, keeping the key in use.
   *
   * Forward secrecy: once the key is superseded in the key store (the sender's ratchet
   * moved on, #GstE2eeDec::retire-key, #GstE2eeDec::remove-key, another key for its
   * KID, its grace period over), the element wipes its copy too, and nothing brings
   * the key back: not a write of #GstE2eeDec:key-id or #GstE2eeDec:cipher-suite (even
   * of the same value), a restart, or another key store. Once it has decrypted a
   * frame, it is not moved to another KID, suite or store either (it would start
   * there with an empty replay window), and the same key written again changes
   * nothing. A new `key` is needed; do not give a superseded one again, which would
   * bring its recorded frames back.
   *
   * Since: 0.1
   */
  g_object_class_install_property (gobject_class, PROP_KEY,
      g_param_spec_boxed ("key", "Base key",
          "SFrame base key for key-id (hex on a gst-launch line); write-only",
          GST_TYPE_BUFFER,
          G_PARAM_WRITABLE | G_PARAM_STATIC_STRINGS | GST_PARAM_MUTABLE_PLAYING));

  /**
   * GstE2eeDec:stats:
   *
   * Counters, as a #GstStructure named `e2eedec-stats`:
   *
   * * `frames`, `bytes` (#guint64): frames decrypted and their plaintext bytes.
   * * `dropped` (#guint64): frames dropped for any reason.
   * * `dropped-unknown-kid`, `dropped-authentication`, `dropped-truncated`,
   *   `dropped-malformed-header`, `dropped-replay-duplicate`,
   *   `dropped-replay-too-old`, `dropped-clear-only` (#guint64): drops by reason.
   * * `held` (#guint64): frames held waiting for their key; `recovered` (#guint64):
   *   held frames decrypted once it came.
   * * `joined` (#guint64): H.264/H.265 frames that arrived in pieces (one buffer per
   *   slice after `rtph264pay config-interval=-1`) and decrypted once joined.
   * * `nal-units-removed` (#guint64): H.264/H.265 NAL units received but not passed on
   *   because nothing authenticates them: access unit delimiters, end of
   *   sequence/stream NAL units, further copies of parameter sets, whether the sender,
   *   the payloaders or an attacker put them there (docs/layout.md).
   * * `keys` (#guint): keys in the key store (shared with the pipeline's other
   *   e2eeenc/e2eedec elements).
   * * `kids` (#GstValueArray of #GstStructure `kid-stats`): per KID that decrypted a
   *   frame and still has its key in the store, `kid`, `frames`, `bytes`,
   *   `dropped-authentication`, `dropped-truncated`, `dropped-unknown-kid` and
   *   `dropped-replay`. An entry goes with its key; drops of KIDs without an entry
   *   count in the totals only.
   *
   * Since: 0.1
   */
  g_object_class_install_property (gobject_class, PROP_STATS,
      g_param_spec_boxed ("stats", "Statistics",
          "Frames decrypted and dropped (by reason), in total and per key ID",
          GST_TYPE_STRUCTURE, G_PARAM_READABLE | G_PARAM_STATIC_STRINGS));

  /**
   * GstE2eeDec:post-drop-messages:
   *
   * Post an `e2eedec-drop` element message when frames are dropped (see the
   * element's description for its fields), at most once per
   * #GstE2eeDec:drop-message-interval for each reason.
   *
   * Messages about frames with a KID that has no key are bounded too, since KIDs come
   * from the network: per #GstE2eeDec:drop-message-interval the element posts at most
   * 8 `e2ee-unknown-kid` messages with action `held` and at most 8 with action
   * `timed-out`. The latter are posted (when this property is %TRUE) at most once per
   * interval, and at EOS: one per KID, summing its frames in `count`, for up to 7 KIDs;
   * the frames of any further KIDs are summed in one more message without `kid`.
   * Element message `e2ee-unknown-kid`:
   *
   * * #guint64 `kid`: the key ID; absent in the message summing further KIDs.
   * * #gchararray `action`: `held`, `recovered` or `timed-out`.
   * * #guint64 `count`: frames held (1), recovered or dropped.
   *
   * With each `e2eedec-drop` message of reason `unknown-kid` the element also posts a
   * warning with %GST_STREAM_ERROR_DECRYPT_NOKEY, whose details hold `kid`, `count`
   * and `total` (#guint64) as the drop message does. The `stats` counters count every
   * frame whatever was posted.
   *
   * Since: 0.1
   */
  g_object_class_install_property (gobject_class, PROP_POST_DROP_MESSAGES,
      g_param_spec_boolean ("post-drop-messages", "Post drop messages",
          "Post an 'e2eedec-drop' element message (reason, kid, ctr, count, total, "
          "detail) when frames are dropped", DEFAULT_POST_DROP_MESSAGES,
          G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS | GST_PARAM_MUTABLE_PLAYING));

  /**
   * GstE2eeDec:drop-message-interval:
   *
   * The shortest time between two `e2eedec-drop` messages for the same reason, in
   * nanoseconds; drops in between are summed into the next message's `count`.
   * 0 posts a message for every dropped frame. Also the period of the limits on
   * `e2ee-unknown-kid` messages and %GST_STREAM_ERROR_DECRYPT_NOKEY warnings (see
   * #GstE2eeDec:post-drop-messages); 0 lifts those limits too.
   *
   * Since: 0.1
   */
  g_object_class_install_property (gobject_class, PROP_DROP_MESSAGE_INTERVAL,
      g_param_spec_uint64 ("drop-message-interval", "Drop message interval",
          "Minimum time in ns between two e2eedec-drop messages for one reason "
          "(0 = every drop)", 0, G_MAXUINT64, DEFAULT_DROP_MESSAGE_INTERVAL,
          G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS | GST_PARAM_MUTABLE_PLAYING));

  /**
   * GstE2eeDec:allow-plaintext:
   *
   * Accept input that is not SFrame (for instance while a sender has turned E2EE
   * off with e2eeenc's `enabled`) and pass it through unchanged and without a
   * #GstE2eeMeta. When %FALSE (the default) such input is refused with an error.
   *
   * Since: 0.1
   */
  g_object_class_install_property (gobject_class, PROP_ALLOW_PLAINTEXT,
      g_param_spec_boolean ("allow-plaintext", "Allow plaintext",
          "Pass input that is not SFrame unchanged (without E2EE metadata) instead of "
          "refusing it", DEFAULT_ALLOW_PLAINTEXT,
          G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS | GST_PARAM_MUTABLE_READY));

  /**
   * GstE2eeDec:key-store:
   *
   * The #GstE2eeKeyStore the keys are in. By default the element shares the
   * pipeline's store through a #GstContext of type `gst.e2ee.keystore` (making one
   * and offering it when there is none); set this to give it a store of the
   * application's choosing instead.
   *
   * Since: 0.1
   */
  g_object_class_install_property (gobject_class, PROP_KEY_STORE,
      g_param_spec_object ("key-store", "Key store",
          "Key store to take keys from (default: the pipeline's, shared through a "
          "gst.e2ee.keystore context)", GST_E2EE_TYPE_KEY_STORE,
          G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS | GST_PARAM_MUTABLE_READY));

  /**
   * GstE2eeDec:ratchet-bits:
   *
   * R in RFC 9605 §5.1: a KID is `(generation << R) + step`, the low R bits being
   * the ratchet step. Must match the senders' e2eeenc `ratchet-bits`. 0 turns
   * following a sender's ratchet off.
   *
   * Since: 0.1
   */
  g_object_class_install_property (gobject_class, PROP_RATCHET_BITS,
      g_param_spec_uint ("ratchet-bits", "Ratchet bits",
          "Low bits of the KID that count ratchet steps (RFC 9605 section 5.1); as the "
          "senders' e2eeenc", 0, GST_E2EE_RATCHET_MAX_BITS, DEFAULT_RATCHET_BITS,
          G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS | GST_PARAM_MUTABLE_PLAYING));

  /**
   * GstE2eeDec:ratchet-window:
   *
   * How many ratchet steps ahead of its current key a sender may be for the element
   * to derive the key itself. Bounds the work a forged header can cause.
   *
   * Since: 0.1
   */
  g_object_class_install_property (gobject_class, PROP_RATCHET_WINDOW,
      g_param_spec_uint ("ratchet-window", "Ratchet window",
          "Most ratchet steps a sender may be ahead for the key to be derived here",
          0, 1024, DEFAULT_RATCHET_WINDOW,
          G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS | GST_PARAM_MUTABLE_PLAYING));

  /**
   * GstE2eeDec:key-grace-period:
   *
   * How long a superseded key (a ratchet step passed, or one retired with
   * #GstE2eeDec::retire-key) stays usable so frames still in flight decrypt, in
   * nanoseconds. Then it is wiped: keys do not outlive their use (forward secrecy).
   *
   * Since: 0.1
   */
  g_object_class_install_property (gobject_class, PROP_KEY_GRACE_PERIOD,
      g_param_spec_uint64 ("key-grace-period", "Key grace period",
          "How long (ns) a superseded key still decrypts frames in flight before it is "
          "wiped", 0, G_MAXUINT64, DEFAULT_KEY_GRACE_PERIOD,
          G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS | GST_PARAM_MUTABLE_PLAYING));

  /**
   * GstE2eeDec:unknown-kid-hold:
   *
   * How long (ns, in stream time when frames are timestamped) frames whose KID has
   * no key yet are kept, to be decrypted in order if the key arrives: a late joiner,
   * or a key message racing the media. 0 drops them at once.
   *
   * Since: 0.1
   */
  g_object_class_install_property (gobject_class, PROP_UNKNOWN_KID_HOLD,
      g_param_spec_uint64 ("unknown-kid-hold", "Unknown KID hold",
          "How long (ns) to keep frames whose key has not arrived yet (0 = drop them)",
          0, G_MAXUINT64, DEFAULT_UNKNOWN_KID_HOLD,
          G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS | GST_PARAM_MUTABLE_PLAYING));

  /**
   * GstE2eeDec:unknown-kid-hold-frames:
   *
   * The most frames held for unknown KIDs; the oldest go first when more arrive.
   *
   * Since: 0.1
   */
  g_object_class_install_property (gobject_class, PROP_UNKNOWN_KID_HOLD_FRAMES,
      g_param_spec_uint ("unknown-kid-hold-frames", "Unknown KID hold frames",
          "Most frames held waiting for their key", 1, G_MAXUINT,
          DEFAULT_UNKNOWN_KID_HOLD_FRAMES,
          G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS | GST_PARAM_MUTABLE_PLAYING));

  /**
   * GstE2eeDec:unknown-kid-hold-bytes:
   *
   * The most bytes held for unknown KIDs; the oldest frames go first.
   *
   * Since: 0.1
   */
  g_object_class_install_property (gobject_class, PROP_UNKNOWN_KID_HOLD_BYTES,
      g_param_spec_uint64 ("unknown-kid-hold-bytes", "Unknown KID hold bytes",
          "Most bytes held waiting for their key", 0, G_MAXUINT64,
          DEFAULT_UNKNOWN_KID_HOLD_BYTES,
          G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS | GST_PARAM_MUTABLE_PLAYING));

  /**
   * GstE2eeDec:replay-window:
   *
   * The size of the per-KID replay window in frames: a counter seen before, or
   * older than the newest minus this, is dropped as `replay-duplicate` or
   * `replay-too-old`. 0 turns replay protection off. A change keeps what the windows
   * know: counters already received (or too old to tell) stay refused.
   *
   * Since: 0.1
   */
  g_object_class_install_property (gobject_class, PROP_REPLAY_WINDOW,
      g_param_spec_uint ("replay-window", "Replay window",
          "Frames per KID within which a repeated counter is detected (0 = off)",
          0, GST_E2EE_REPLAY_WINDOW_MAX_SIZE, DEFAULT_REPLAY_WINDOW,
          G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS | GST_PARAM_MUTABLE_READY));

  /**
   * GstE2eeDec:layout:
   *
   * Which layout the incoming frames use (docs/layout.md):
   *
   * * `auto`: whole-frame SFrame for `application/x-sframe` caps, the codec layout for
   *   caps with `e2ee-layout=codec` (what e2eeenc outputs in its codec layout),
   *   plaintext (see #GstE2eeDec:allow-plaintext) for other caps.
   * * `frame`: whole-frame SFrame only.
   * * `codec`: the codec layout for the codec the caps name (VP8, VP9, Opus, H.264 and
   *   H.265 in `stream-format=byte-stream`), with or without the `e2ee-layout` field.
   *   RTP depayloaders do not carry that field, so set this after one; other caps
   *   are refused with an error.
   * * `rtp` (Since: 0.1): the per-packet mode (docs/per-packet.md): every
   *   `application/x-rtp` packet's payload is an SFrame frame, checked together with
   *   the RTP header fields #GstE2eeDec:rtp-metadata selects and decrypted in place;
   *   the header, CSRCs, extensions and padding pass unchanged. `auto` picks it for
   *   caps with `e2ee-layout=rtp` (what e2eeenc outputs); set it for caps without
   *   that field, such as udpsrc's or rtpbin's. Other caps are refused with an error.
   *
   * In the codec layout and per packet the output caps are the input caps without
   * `e2ee-layout`.
   *
   * Since: 0.1
   */
  g_object_class_install_property (gobject_class, PROP_LAYOUT,
      g_param_spec_enum ("layout", "Layout",
          "Layout of the incoming frames: auto (from the caps), frame (whole-frame "
          "SFrame), codec (codec layout; set it after an RTP depayloader) or rtp "
          "(each RTP packet's payload; set it for RTP caps without e2ee-layout=rtp)",
          GST_TYPE_E2EE_ELEMENT_LAYOUT, DEFAULT_LAYOUT,
          G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS | GST_PARAM_MUTABLE_READY));

  /**
   * GstE2eeDec:rtp-metadata:
   *
   * In the per-packet mode, which RTP fixed header fields each packet's tag covers:
   * as the sender's e2eeenc #GstE2eeEnc:rtp-metadata, or every packet is dropped as
   * `authentication`. A packet whose covered fields changed on the way is dropped
   * the same way.
   *
   * Since: 0.1
   */
  g_object_class_install_property (gobject_class, PROP_RTP_METADATA,
      g_param_spec_flags ("rtp-metadata", "RTP metadata",
          "Per-packet mode: RTP fixed header fields authenticated with each payload "
          "(as the sender's e2eeenc)", GST_TYPE_E2EE_ELEMENT_RTP_FIELDS, DEFAULT_RTP_METADATA,
          G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS | GST_PARAM_MUTABLE_READY));
  /* policy, policy-file, policy-group, policy-user: documented with the binding
   * (gst-libs/gst/e2ee/gste2eepolicybinding.c). */
  gst_e2ee_policy_binding_install_properties (gobject_class, PROP_POLICY);
}
