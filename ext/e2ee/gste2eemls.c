/* gst-e2ee: e2eemls, one member's MLS agent in a pipeline
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

/**
 * SECTION:element-e2eemls
 * @title: e2eemls
 *
 * One member of an MLS (RFC 9420) meeting. The element owns the member's
 * #GstE2eeMlsClient (made from #GstE2eeMls:identity), creates the group (role `host`)
 * or joins it from the host's Welcome (role `member`), and binds the group to the
 * pipeline's key store with a #GstE2eeMlsKeys: every epoch, the store gets the SFrame
 * keys RFC 9605 §5.2 derives, so e2eeenc and e2eedec on that store follow the group
 * without any key handling in the application.
 *
 * The element has no pads and does no networking: it consumes and produces bytes.
 * The application carries them through its own signalling or a delivery service,
 * which must hand every handshake message to every other member in one order:
 * #GstE2eeMls::send-message gives the bytes to send, #GstE2eeMls::handle-message takes
 * the bytes received.
 *
 * ## Meeting rules
 *
 * * Only the host commits, so the group never forks. It commits an Add for each
 *   KeyPackage it receives when #GstE2eeMls::admit says yes, and sends the commit and
 *   then the Welcome (with the ratchet_tree extension, so the Welcome is enough to
 *   join).
 * * #GstE2eeMls::member-left tells the host that a member has gone: the host commits
 *   its Remove within #GstE2eeMls:remove-timeout.
 * * Every member renews its own leaf every #GstE2eeMls:update-interval: a member
 *   sends an Update proposal, which the host commits at once; the host's own update is
 *   a commit.
 * * Only the host decides who joins and leaves: every member refuses a commit that
 *   is not the host's, and the host refuses another member's Add or Remove proposal
 *   (both `not-permitted`), so no member can bring someone in past
 *   #GstE2eeMls::admit or push someone out.
 * * A handshake message from a non-member, a removed member or for the wrong epoch
 *   is refused: nothing changes, a counter goes up (#GstE2eeMls:stats) and the
 *   element posts `e2ee-mls-refused`. A Welcome for someone else, and messages that
 *   arrive before this member joined or after it was removed, are ignored (counted).
 *
 * ## Bus messages
 *
 * Element messages, each with a structure of this name:
 *
 * * `e2ee-mls-epoch`: this member is in a new epoch.
 *   * #guint64 `epoch`: the epoch.
 *   * #gchararray `security-code`: the epoch's security code (docs/mls.md), which
 *     every member of the epoch shows.
 *   * #GstValueArray of strings `members`: the members' identities, by leaf.
 *   * #gchararray `cause`: `created`, `joined`, `added`, `removed` or `updated`.
 *
 *   Since: 0.1
 * * `e2ee-mls-refused`: a handshake message was refused and changed nothing.
 *   * #gchararray `reason`: `non-member` (not from a member: unknown sender, or bad
 *     membership tag or signature), `removed-member` (from a member removed earlier),
 *     `wrong-epoch` (old, replayed or future), `not-permitted` (a commit not from
 *     the host; at the host, a member's Add or Remove proposal) or `invalid`
 *     (malformed or failing another check).
 *   * #gchararray `detail`: what the group said.
 *   * #guint64 `refused`: messages refused so far.
 *
 *   Since: 0.1
 * * `e2ee-mls-removed`: this member was removed from the group: its keys are gone and
 *   e2eeenc stops sending.
 *   * #guint64 `epoch`: the epoch of the commit that removed it.
 *
 *   Since: 0.1
 *
 * ## Example
 * |[
 * gst-launch-1.0 videotestsrc ! vp8enc ! e2eeenc ! fakesink e2eemls identity=alice role=host
 * ]|
 * (alone, the host's group has one member; an application connects the signals to
 * its signalling.)
 *
 * Since: 0.1
 */

#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "gste2eemls-private.h"
#include "gste2ee-plugin-enumtypes.h"

#include <string.h>

GST_DEBUG_CATEGORY (gst_e2ee_mls_debug);
#define GST_CAT_DEFAULT gst_e2ee_mls_debug

#define DEFAULT_ROLE GST_E2EE_MLS_ROLE_MEMBER
#define DEFAULT_EPOCH_BITS GST_E2EE_MLS_KEYS_DEFAULT_EPOCH_BITS
#define DEFAULT_CONTEXTS 1
#define MAX_CONTEXTS 256
#define DEFAULT_SUITE GST_E2EE_CIPHER_SUITE_AES_128_GCM_SHA256_128
#define DEFAULT_REMOVE_TIMEOUT (10 * GST_SECOND)
#define DEFAULT_UPDATE_INTERVAL (300 * GST_SECOND)

/* RFC 9420 §6: MLSMessage wire formats */
#define WIRE_PUBLIC_MESSAGE 1
#define WIRE_PRIVATE_MESSAGE 2
#define WIRE_WELCOME 3
#define WIRE_KEY_PACKAGE 5
#define SENDER_MEMBER 1

enum
{
  PROP_0,
  PROP_IDENTITY,
  PROP_ROLE,
  PROP_GROUP_ID,
  PROP_KEY_STORE,
  PROP_EPOCH_BITS,
  PROP_CONTEXTS,
  PROP_SFRAME_SUITE,
  PROP_REMOVE_TIMEOUT,
  PROP_UPDATE_INTERVAL,
  PROP_EPOCH,
  PROP_SECURITY_CODE,
  PROP_MEMBERS,
  PROP_MLS_KEYS,
  PROP_GROUP,
  PROP_STATS,
};

enum
{
  SIGNAL_HANDLE_MESSAGE,
  SIGNAL_MEMBER_LEFT,
  SIGNAL_GET_KEY_PACKAGE,
  SIGNAL_SEND_MESSAGE,
  SIGNAL_ADMIT,
  LAST_SIGNAL,
};

static guint signals[LAST_SIGNAL];

#define gst_e2ee_mls_parent_class parent_class
G_DEFINE_TYPE (GstE2eeMls, gst_e2ee_mls, GST_TYPE_ELEMENT);
GST_ELEMENT_REGISTER_DEFINE (e2eemls, "e2eemls", GST_RANK_NONE, GST_TYPE_E2EE_MLS);

/* ---- what goes out, in order ---- */

typedef struct
{
  GBytes *bytes;                /* to send, or */
  GstMessage *message;          /* to post */
} OutItem;

void
gst_e2ee_mls_queue_send (GstE2eeMls * self, GBytes * bytes)
{
  OutItem *item = g_new0 (OutItem, 1);

  item->bytes = g_bytes_ref (bytes);
  g_queue_push_tail (&self->outbox, item);
}

void
gst_e2ee_mls_queue_message (GstE2eeMls * self, GstStructure * s)
{
  OutItem *item = g_new0 (OutItem, 1);

  item->message = gst_message_new_element (GST_OBJECT (self), s);
  g_queue_push_tail (&self->outbox, item);
}

/* Emits and posts what the group made, in the order it made it, whichever thread
 * gets here first: a commit for epoch n+1 never overtakes the one for epoch n. */
void
gst_e2ee_mls_flush (GstE2eeMls * self)
{
  g_rec_mutex_lock (&self->send_lock);
  for (;;) {
    OutItem *item;

    g_mutex_lock (&self->lock);
    item = g_queue_pop_head (&self->outbox);
    g_mutex_unlock (&self->lock);
    if (item == NULL)
      break;
    if (item->bytes != NULL) {
      g_signal_emit (self, signals[SIGNAL_SEND_MESSAGE], 0, item->bytes);
      g_bytes_unref (item->bytes);
    } else {
      gst_element_post_message (GST_ELEMENT (self), item->message);
    }
    g_free (item);
  }
  g_rec_mutex_unlock (&self->send_lock);
}

static void
out_item_free (gpointer data)
{
  OutItem *item = data;

  if (item->bytes != NULL)
    g_bytes_unref (item->bytes);
  if (item->message != NULL)
    gst_message_unref (item->message);
  g_free (item);
}

/* ---- the group's state, as the application sees it ---- */

gchar *
gst_e2ee_mls_identity_to_string (GBytes * identity)
{
  gsize len, i;
  const gchar *data = g_bytes_get_data (identity, &len);
  GString *hex;

  if (len > 0 && g_utf8_validate (data, len, NULL) && memchr (data, 0, len) == NULL)
    return g_strndup (data, len);
  hex = g_string_sized_new (2 * len);
  for (i = 0; i < len; i++)
    g_string_append_printf (hex, "%02x", (guint8) data[i]);
  return g_string_free (hex, FALSE);
}

static gboolean
joined (GstE2eeMls * self)
{
  return self->group != NULL && !self->removed;
}

/* Leaf -> identity string of the group's members. */
static GHashTable *
roster (GstE2eeMls * self)
{
  GHashTable *r = g_hash_table_new_full (NULL, NULL, NULL, g_free);
  GPtrArray *members = gst_e2ee_mls_group_get_members (self->group);
  guint i;

  for (i = 0; i < members->len; i++) {
    const GstE2eeMlsMember *m = g_ptr_array_index (members, i);
    GBytes *id = gst_e2ee_mls_member_get_identity (m);

    g_hash_table_insert (r, GUINT_TO_POINTER (gst_e2ee_mls_member_get_leaf_index (m)),
        gst_e2ee_mls_identity_to_string (id));
    g_bytes_unref (id);
  }
  g_ptr_array_unref (members);
  return r;
}

static void
roster_array (GHashTable * r, GValue * array)
{
  GHashTableIter it;
  gpointer leaf;
  guint max = 0, i;

  /* A GstValueArray, not a GStrv: GStreamer 1.22 serialises a GStrv field as NULL, so
   * gst-launch-1.0 -m and the debug log would show no member. */
  g_value_init (array, GST_TYPE_ARRAY);
  g_hash_table_iter_init (&it, r);
  while (g_hash_table_iter_next (&it, &leaf, NULL))
    max = MAX (max, GPOINTER_TO_UINT (leaf));
  for (i = 0; i <= max; i++) {
    const gchar *id = g_hash_table_lookup (r, GUINT_TO_POINTER (i));
    GValue v = G_VALUE_INIT;

    if (id == NULL)
      continue;
    g_value_init (&v, G_TYPE_STRING);
    g_value_set_string (&v, id);
    gst_value_array_append_and_take_value (array, &v);
  }
}

/* Called with the lock held after the group moved to a new epoch. @cause NULL: from
 * who came and went. */
void
gst_e2ee_mls_epoch_changed (GstE2eeMls * self, const gchar * cause)
{
  GHashTable *now;
  GHashTableIter it;
  gpointer leaf, id;
  gboolean added = FALSE, gone = FALSE;
  guint64 epoch = gst_e2ee_mls_group_get_epoch (self->group);
  gchar *code;
  GValue members = G_VALUE_INIT;
  GstStructure *st;

  if (!gst_e2ee_mls_group_is_active (self->group)) {
    self->removed = TRUE;
    gst_e2ee_mls_rules_stop (self);
    GST_INFO_OBJECT (self, "removed from the group at epoch %" G_GUINT64_FORMAT, epoch);
    gst_e2ee_mls_queue_message (self, gst_structure_new ("e2ee-mls-removed",
            "epoch", G_TYPE_UINT64, epoch, NULL));
    return;
  }
  now = roster (self);
  if (self->roster != NULL) {
    g_hash_table_iter_init (&it, self->roster);
    while (g_hash_table_iter_next (&it, &leaf, &id)) {
      if (g_strcmp0 (g_hash_table_lookup (now, leaf), id) != 0) {
        gone = TRUE;
        g_hash_table_insert (self->removed_leaves, leaf, g_memdup2 (&epoch, sizeof epoch));
      }
    }
    g_hash_table_iter_init (&it, now);
    while (g_hash_table_iter_next (&it, &leaf, &id)) {
      if (g_strcmp0 (g_hash_table_lookup (self->roster, leaf), id) != 0) {
        added = TRUE;
        /* the leaf is someone else's now: its old messages are just old */
        g_hash_table_remove (self->removed_leaves, leaf);
      }
    }
    g_hash_table_unref (self->roster);
  }
  self->roster = now;
  if (cause == NULL)
    cause = gone ? "removed" : added ? "added" : "updated";

  code = gst_e2ee_mls_group_get_security_code (self->group);
  roster_array (now, &members);
  GST_INFO_OBJECT (self, "epoch %" G_GUINT64_FORMAT " (%s), %u members", epoch, cause,
      g_hash_table_size (now));
  st = gst_structure_new ("e2ee-mls-epoch", "epoch", G_TYPE_UINT64, epoch,
      "security-code", G_TYPE_STRING, code, NULL);
  gst_structure_take_value (st, "members", &members);
  gst_structure_set (st, "cause", G_TYPE_STRING, cause, NULL);
  gst_e2ee_mls_queue_message (self, st);
  g_free (code);
}

/* ---- binding the group to the key store ---- */

static GstE2eeKeyStore *
get_store (GstE2eeMls * self)
{
  GstE2eeKeyStore *store;

  GST_OBJECT_LOCK (self);
  store = self->store ? g_object_ref (self->store) : NULL;
  GST_OBJECT_UNLOCK (self);
  return store;
}

/* With the lock held. */
static gboolean
bind_keys (GstE2eeMls * self, GError ** error)
{
  GstE2eeKeyStore *store = get_store (self);

  if (store == NULL) {
    g_set_error_literal (error, GST_E2EE_MLS_ERROR, GST_E2EE_MLS_ERROR_INVALID_ARGUMENT,
        "no key store");
    return FALSE;
  }
  self->keys = gst_e2ee_mls_keys_new_full (self->group, store, self->epoch_bits,
      self->contexts, self->suite, error);
  g_object_unref (store);
  return self->keys != NULL;
}

/* ---- messages in ---- */

static gboolean
read_varint (const guint8 * d, gsize n, gsize * pos, guint64 * v)
{
  gsize len, i;

  if (*pos >= n)
    return FALSE;
  len = (gsize) 1 << (d[*pos] >> 6);
  if (len > 4 || *pos + len > n)
    return FALSE;
  *v = d[*pos] & 0x3f;
  for (i = 1; i < len; i++)
    *v = (*v << 8) | d[*pos + i];
  *pos += len;
  return TRUE;
}

/* The clear header of a PublicMessage from a member (RFC 9420 §6.2): its epoch and
 * sender leaf. Only used to tell a removed member's message from others'; the group
 * checks everything. */
static gboolean
peek_public_sender (const guint8 * d, gsize n, guint64 * epoch, guint32 * leaf)
{
  gsize pos = 4, i;
  guint64 len;

  if (!read_varint (d, n, &pos, &len) || len > n - pos)
    return FALSE;
  pos += len;
  if (n - pos < 8 + 1 + 4 || d[pos + 8] != SENDER_MEMBER)
    return FALSE;
  *epoch = 0;
  for (i = 0; i < 8; i++)
    *epoch = (*epoch << 8) | d[pos + i];
  pos += 9;
  *leaf = ((guint32) d[pos] << 24) | ((guint32) d[pos + 1] << 16) |
      ((guint32) d[pos + 2] << 8) | d[pos + 3];
  return TRUE;
}

static const gchar *
refusal_reason (GstE2eeMls * self, const guint8 * d, gsize n, const GError * error)
{
  guint64 msg_epoch;
  guint32 leaf;
  const guint64 *removed_at = NULL;

  if (d[3] == WIRE_PUBLIC_MESSAGE && peek_public_sender (d, n, &msg_epoch, &leaf))
    removed_at = g_hash_table_lookup (self->removed_leaves, GUINT_TO_POINTER (leaf));
  if (error->domain != GST_E2EE_MLS_ERROR)
    return "invalid";
  switch (error->code) {
    case GST_E2EE_MLS_ERROR_WRONG_EPOCH:
      /* sent by the member before the commit that removed it */
      if (removed_at != NULL && msg_epoch < *removed_at)
        return "removed-member";
      return "wrong-epoch";
    case GST_E2EE_MLS_ERROR_UNKNOWN_SENDER:
      return removed_at != NULL ? "removed-member" : "non-member";
    case GST_E2EE_MLS_ERROR_NOT_PERMITTED:
      return "not-permitted";
    case GST_E2EE_MLS_ERROR_BAD_SIGNATURE:
    case GST_E2EE_MLS_ERROR_BAD_TAG:
      /* not authenticated as any member's */
      return "non-member";
    default:
      return "invalid";
  }
}

/* With the lock held. */
static void
refuse (GstE2eeMls * self, const gchar * reason, const gchar * detail)
{
  self->refused++;
  if (g_str_equal (reason, "non-member"))
    self->refused_non_member++;
  else if (g_str_equal (reason, "removed-member"))
    self->refused_removed_member++;
  else if (g_str_equal (reason, "wrong-epoch"))
    self->refused_wrong_epoch++;
  else if (g_str_equal (reason, "not-permitted"))
    self->refused_not_permitted++;
  else
    self->refused_invalid++;
  GST_INFO_OBJECT (self, "refused a message (%s): %s", reason, detail);
  gst_e2ee_mls_queue_message (self, gst_structure_new ("e2ee-mls-refused",
          "reason", G_TYPE_STRING, reason, "detail", G_TYPE_STRING, detail,
          "refused", G_TYPE_UINT64, self->refused, NULL));
}

static gboolean
skip_vector (const guint8 * d, gsize n, gsize * pos)
{
  guint64 len;

  if (!read_varint (d, n, pos, &len) || len > n - *pos)
    return FALSE;
  *pos += len;
  return TRUE;
}

/* The basic credential's identity in a KeyPackage message (RFC 9420 §10: version,
 * cipher_suite, init_key, then the LeafNode's encryption_key, signature_key and
 * credential), as a string; "" if it cannot be read (the group refuses such a
 * KeyPackage anyway). */
static gchar *
key_package_identity (GBytes * kp)
{
  gsize n, pos = 4 + 4;
  const guint8 *d = g_bytes_get_data (kp, &n);
  guint64 len;
  GBytes *id;
  gchar *str;

  if (n < pos || !skip_vector (d, n, &pos) || !skip_vector (d, n, &pos) ||
      !skip_vector (d, n, &pos) || n - pos < 2 || d[pos] != 0 || d[pos + 1] != 1)
    return g_strdup ("");
  pos += 2;
  if (!read_varint (d, n, &pos, &len) || len > n - pos)
    return g_strdup ("");
  id = g_bytes_new (d + pos, len);
  str = gst_e2ee_mls_identity_to_string (id);
  g_bytes_unref (id);
  return str;
}

static gboolean
handle_key_package (GstE2eeMls * self, GBytes * kp)
{
  GError *error = NULL;
  GBytes *commit, *welcome = NULL;
  gboolean is_host, admitted = TRUE;
  gchar *who;

  g_mutex_lock (&self->lock);
  is_host = self->role == GST_E2EE_MLS_ROLE_HOST && joined (self);
  if (!is_host)
    self->ignored++;
  g_mutex_unlock (&self->lock);
  if (!is_host)
    return FALSE;

  /* The identity for the application to decide on; the group checks the whole
   * KeyPackage when adding it. */
  who = key_package_identity (kp);
  g_signal_emit (self, signals[SIGNAL_ADMIT], 0, who, kp, &admitted);

  g_mutex_lock (&self->lock);
  if (!admitted) {
    self->not_admitted++;
    g_mutex_unlock (&self->lock);
    GST_INFO_OBJECT (self, "%s was not admitted", who);
    g_free (who);
    return FALSE;
  }
  if (!joined (self)) {
    self->ignored++;
    g_mutex_unlock (&self->lock);
    g_free (who);
    return FALSE;
  }
  GST_INFO_OBJECT (self, "adding %s", who);
  g_free (who);
  commit = gst_e2ee_mls_group_add (self->group, kp, &welcome, &error);
  if (commit == NULL) {
    refuse (self, "invalid", error->message);
    g_clear_error (&error);
    g_mutex_unlock (&self->lock);
    gst_e2ee_mls_flush (self);
    return FALSE;
  }
  self->commits_sent++;
  gst_e2ee_mls_queue_send (self, commit);
  self->welcomes_sent++;
  gst_e2ee_mls_queue_send (self, welcome);
  gst_e2ee_mls_epoch_changed (self, "added");
  g_bytes_unref (commit);
  g_bytes_unref (welcome);
  g_mutex_unlock (&self->lock);
  gst_e2ee_mls_flush (self);
  return TRUE;
}

static gboolean
handle_welcome (GstE2eeMls * self, GBytes * welcome)
{
  GError *error = NULL;
  gboolean ok = FALSE;

  g_mutex_lock (&self->lock);
  if (self->role != GST_E2EE_MLS_ROLE_MEMBER || self->client == NULL ||
      self->group != NULL) {
    self->ignored++;
    g_mutex_unlock (&self->lock);
    return FALSE;
  }
  self->group = gst_e2ee_mls_group_join (self->client, welcome, NULL, &error);
  if (self->group == NULL) {
    if (g_error_matches (error, GST_E2EE_MLS_ERROR,
            GST_E2EE_MLS_ERROR_NO_MATCHING_KEY_PACKAGE)) {
      GST_DEBUG_OBJECT (self, "a Welcome for someone else");
      self->ignored++;
    } else {
      refuse (self, "invalid", error->message);
    }
  } else if (!bind_keys (self, &error)) {
    /* a member without keys would send nothing and decrypt nothing: not joined */
    g_clear_object (&self->group);
    g_mutex_unlock (&self->lock);
    GST_ELEMENT_ERROR (self, RESOURCE, SETTINGS,
        ("Could not provide the group's keys to the key store"), ("%s", error->message));
    g_clear_error (&error);
    return FALSE;
  } else {
    /* Only the host commits. It created the group, so it is leaf 0: leaves keep
     * their index, and only its own commit could empty that leaf. */
    gst_e2ee_mls_group_set_committer (self->group, 0);
    ok = TRUE;
    gst_e2ee_mls_epoch_changed (self, "joined");
    gst_e2ee_mls_rules_reschedule_update (self);
  }
  g_clear_error (&error);
  g_mutex_unlock (&self->lock);
  gst_e2ee_mls_flush (self);
  return ok;
}

static gboolean
handle_group_message (GstE2eeMls * self, GBytes * msg)
{
  GError *error = NULL;
  GstE2eeMlsMessageKind kind;
  gsize n;
  const guint8 *d = g_bytes_get_data (msg, &n);
  gboolean ok = FALSE;

  g_mutex_lock (&self->lock);
  if (!joined (self)) {
    self->ignored++;
    g_mutex_unlock (&self->lock);
    return FALSE;
  }
  kind = gst_e2ee_mls_group_handle (self->group, msg, NULL, &error);
  switch (kind) {
    case GST_E2EE_MLS_MESSAGE_KIND_COMMIT:
      self->commits_applied++;
      gst_e2ee_mls_epoch_changed (self, NULL);
      ok = TRUE;
      break;
    case GST_E2EE_MLS_MESSAGE_KIND_PROPOSAL:
      gst_e2ee_mls_rules_proposal (self);
      ok = TRUE;
      break;
    case GST_E2EE_MLS_MESSAGE_KIND_APPLICATION:
      self->ignored++;
      break;
    default:
      if (g_error_matches (error, GST_E2EE_MLS_ERROR, GST_E2EE_MLS_ERROR_OWN_MESSAGE))
        self->ignored++;
      else
        refuse (self, refusal_reason (self, d, n, error), error->message);
      g_clear_error (&error);
      break;
  }
  g_mutex_unlock (&self->lock);
  gst_e2ee_mls_flush (self);
  return ok;
}

static gboolean
gst_e2ee_mls_handle_message (GstE2eeMls * self, GBytes * msg)
{
  gsize n = 0;
  const guint8 *d = msg != NULL ? g_bytes_get_data (msg, &n) : NULL;

  if (d == NULL || n < 4 || d[0] != 0 || d[1] != 1 || d[2] != 0) {
    g_mutex_lock (&self->lock);
    refuse (self, "invalid", "not an MLS 1.0 message");
    g_mutex_unlock (&self->lock);
    gst_e2ee_mls_flush (self);
    return FALSE;
  }
  switch (d[3]) {
    case WIRE_KEY_PACKAGE:
      return handle_key_package (self, msg);
    case WIRE_WELCOME:
      return handle_welcome (self, msg);
    case WIRE_PUBLIC_MESSAGE:
    case WIRE_PRIVATE_MESSAGE:
      return handle_group_message (self, msg);
    default:
      g_mutex_lock (&self->lock);
      self->ignored++;
      g_mutex_unlock (&self->lock);
      return FALSE;
  }
}

static gboolean
gst_e2ee_mls_member_left (GstE2eeMls * self, const gchar * identity)
{
  gboolean ret;

  if (identity == NULL)
    return FALSE;
  g_mutex_lock (&self->lock);
  ret = gst_e2ee_mls_rules_member_left (self, identity);
  g_mutex_unlock (&self->lock);
  GST_DEBUG_OBJECT (self, "member-left %s: %s", identity, ret ? "removing" : "ignored");
  return ret;
}

static GBytes *
gst_e2ee_mls_get_key_package (GstE2eeMls * self)
{
  GBytes *kp;

  g_mutex_lock (&self->lock);
  kp = self->key_package != NULL && self->group == NULL ?
      g_bytes_ref (self->key_package) : NULL;
  g_mutex_unlock (&self->lock);
  return kp;
}

/* Without an application handler, everyone may join. */
static gboolean
admit_default (GstE2eeMls * self, const gchar * identity, GBytes * key_package)
{
  return TRUE;
}

static gboolean
admit_accumulator (GSignalInvocationHint * ihint, GValue * return_accu,
    const GValue * handler_return, gpointer data)
{
  g_value_set_boolean (return_accu, g_value_get_boolean (handler_return));
  return FALSE;                 /* the first handler's answer wins */
}

/* ---- states ---- */

static gboolean
start (GstE2eeMls * self)
{
  GError *error = NULL;
  GBytes *id;

  GST_OBJECT_LOCK (self);
  id = self->identity != NULL && *self->identity != '\0' ?
      g_bytes_new (self->identity, strlen (self->identity)) : NULL;
  GST_OBJECT_UNLOCK (self);
  if (id == NULL) {
    GST_ELEMENT_ERROR (self, RESOURCE, SETTINGS, ("No identity set"),
        ("set the identity property before starting"));
    return FALSE;
  }
  {
    GstE2eeKeyStore *store = get_store (self);

    /* Share the pipeline's store (or start one), where e2eeenc and e2eedec find
     * the keys; ensure() watches the pointer set_context() fills. */
    if (store == NULL)
      gst_e2ee_key_store_ensure (GST_ELEMENT (self), &self->store);
    else
      g_object_unref (store);
  }

  g_mutex_lock (&self->lock);
  self->commits_sent = self->commits_applied = self->proposals_sent = 0;
  self->welcomes_sent = self->refused = self->refused_non_member = 0;
  self->refused_removed_member = self->refused_wrong_epoch = self->refused_invalid = 0;
  self->refused_not_permitted = 0;
  self->ignored = self->not_admitted = 0;
  self->removed = FALSE;
  self->client = gst_e2ee_mls_client_new (id, &error);
  if (self->client == NULL)
    goto failed;
  gst_e2ee_mls_rules_start (self);
  if (self->role == GST_E2EE_MLS_ROLE_HOST) {
    gchar *gid = self->group_id != NULL ? g_strdup (self->group_id) :
        g_uuid_string_random ();
    GBytes *gid_bytes = g_bytes_new_take (gid, strlen (gid));

    self->group = gst_e2ee_mls_group_create (self->client, gid_bytes, &error);
    g_bytes_unref (gid_bytes);
    if (self->group == NULL)
      goto failed;
    gst_e2ee_mls_group_set_ratchet_tree_extension (self->group, TRUE);
    gst_e2ee_mls_group_set_membership_proposals (self->group, FALSE);
    gst_e2ee_mls_group_set_committer (self->group,
        gst_e2ee_mls_group_get_own_leaf_index (self->group));
    if (!bind_keys (self, &error))
      goto failed;
    gst_e2ee_mls_epoch_changed (self, "created");
    gst_e2ee_mls_rules_reschedule_update (self);
  } else {
    self->key_package = gst_e2ee_mls_client_create_key_package (self->client, &error);
    if (self->key_package == NULL)
      goto failed;
  }
  g_mutex_unlock (&self->lock);
  gst_e2ee_mls_flush (self);
  g_bytes_unref (id);
  return TRUE;

failed:
  g_mutex_unlock (&self->lock);
  GST_ELEMENT_ERROR (self, RESOURCE, SETTINGS, ("Could not start the MLS member"),
      ("%s", error->message));
  g_clear_error (&error);
  g_bytes_unref (id);
  return FALSE;
}

static void
stop (GstE2eeMls * self)
{
  g_mutex_lock (&self->lock);
  gst_e2ee_mls_rules_stop (self);
  /* Unbinding retires the keys in the store; the group and client wipe their
   * secrets when they go. */
  g_clear_object (&self->keys);
  g_clear_object (&self->group);
  g_clear_object (&self->client);
  g_clear_pointer (&self->key_package, g_bytes_unref);
  g_clear_pointer (&self->roster, g_hash_table_unref);
  g_hash_table_remove_all (self->removed_leaves);
  self->removed = FALSE;
  g_queue_clear_full (&self->outbox, out_item_free);
  g_mutex_unlock (&self->lock);
}

static GstStateChangeReturn
gst_e2ee_mls_change_state (GstElement * element, GstStateChange transition)
{
  GstE2eeMls *self = GST_E2EE_MLS (element);
  GstStateChangeReturn ret;

  if (transition == GST_STATE_CHANGE_NULL_TO_READY && !start (self)) {
    stop (self);
    return GST_STATE_CHANGE_FAILURE;
  }
  if (transition == GST_STATE_CHANGE_READY_TO_PAUSED) {
    /* A member asks to join: its KeyPackage goes to the host. */
    g_mutex_lock (&self->lock);
    if (self->role == GST_E2EE_MLS_ROLE_MEMBER && self->group == NULL &&
        self->key_package != NULL)
      gst_e2ee_mls_queue_send (self, self->key_package);
    g_mutex_unlock (&self->lock);
    gst_e2ee_mls_flush (self);
  }
  ret = GST_ELEMENT_CLASS (parent_class)->change_state (element, transition);
  if (transition == GST_STATE_CHANGE_READY_TO_NULL)
    stop (self);
  return ret;
}

static void
gst_e2ee_mls_set_context (GstElement * element, GstContext * context)
{
  GstE2eeMls *self = GST_E2EE_MLS (element);
  GstE2eeKeyStore *store = NULL;
  gboolean from_property;

  GST_OBJECT_LOCK (self);
  from_property = self->store_from_property;
  GST_OBJECT_UNLOCK (self);
  if (!from_property && gst_e2ee_key_store_handle_set_context (element, context, &store)) {
    GST_OBJECT_LOCK (self);
    gst_clear_object (&self->store);
    self->store = store;
    GST_OBJECT_UNLOCK (self);
  }
  GST_ELEMENT_CLASS (parent_class)->set_context (element, context);
}

/* ---- properties ---- */

static GstStructure *
make_stats (GstE2eeMls * self)
{
  return gst_structure_new ("e2eemls-stats",
      "commits-sent", G_TYPE_UINT64, self->commits_sent,
      "commits-applied", G_TYPE_UINT64, self->commits_applied,
      "proposals-sent", G_TYPE_UINT64, self->proposals_sent,
      "welcomes-sent", G_TYPE_UINT64, self->welcomes_sent,
      "joined", G_TYPE_BOOLEAN, joined (self),
      "refused", G_TYPE_UINT64, self->refused,
      "refused-non-member", G_TYPE_UINT64, self->refused_non_member,
      "refused-removed-member", G_TYPE_UINT64, self->refused_removed_member,
      "refused-wrong-epoch", G_TYPE_UINT64, self->refused_wrong_epoch,
      "refused-invalid", G_TYPE_UINT64, self->refused_invalid,
      "refused-not-permitted", G_TYPE_UINT64, self->refused_not_permitted,
      "not-admitted", G_TYPE_UINT64, self->not_admitted,
      "ignored", G_TYPE_UINT64, self->ignored, NULL);
}

static void
gst_e2ee_mls_set_property (GObject * object, guint prop_id, const GValue * value,
    GParamSpec * pspec)
{
  GstE2eeMls *self = GST_E2EE_MLS (object);

  switch (prop_id) {
    case PROP_IDENTITY:
      GST_OBJECT_LOCK (self);
      g_free (self->identity);
      self->identity = g_value_dup_string (value);
      GST_OBJECT_UNLOCK (self);
      break;
    case PROP_KEY_STORE:
      GST_OBJECT_LOCK (self);
      gst_clear_object (&self->store);
      self->store = g_value_dup_object (value);
      self->store_from_property = self->store != NULL;
      GST_OBJECT_UNLOCK (self);
      break;
    default:
      g_mutex_lock (&self->lock);
      switch (prop_id) {
        case PROP_ROLE:
          self->role = g_value_get_enum (value);
          break;
        case PROP_GROUP_ID:
          g_free (self->group_id);
          self->group_id = g_value_dup_string (value);
          break;
        case PROP_EPOCH_BITS:
          self->epoch_bits = g_value_get_uint (value);
          break;
        case PROP_CONTEXTS:
          self->contexts = g_value_get_uint (value);
          break;
        case PROP_SFRAME_SUITE:
          self->suite = g_value_get_enum (value);
          break;
        case PROP_REMOVE_TIMEOUT:
          self->remove_timeout = g_value_get_uint64 (value);
          break;
        case PROP_UPDATE_INTERVAL:
          self->update_interval = g_value_get_uint64 (value);
          gst_e2ee_mls_rules_reschedule_update (self);
          break;
        default:
          G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
          break;
      }
      g_mutex_unlock (&self->lock);
      break;
  }
}

static void
gst_e2ee_mls_get_property (GObject * object, guint prop_id, GValue * value,
    GParamSpec * pspec)
{
  GstE2eeMls *self = GST_E2EE_MLS (object);

  switch (prop_id) {
    case PROP_IDENTITY:
      GST_OBJECT_LOCK (self);
      g_value_set_string (value, self->identity);
      GST_OBJECT_UNLOCK (self);
      return;
    case PROP_KEY_STORE:
      GST_OBJECT_LOCK (self);
      g_value_set_object (value, self->store);
      GST_OBJECT_UNLOCK (self);
      return;
    default:
      break;
  }
  g_mutex_lock (&self->lock);
  switch (prop_id) {
    case PROP_ROLE:
      g_value_set_enum (value, self->role);
      break;
    case PROP_GROUP_ID:
      g_value_set_string (value, self->group_id);
      break;
    case PROP_EPOCH_BITS:
      g_value_set_uint (value, self->epoch_bits);
      break;
    case PROP_CONTEXTS:
      g_value_set_uint (value, self->contexts);
      break;
    case PROP_SFRAME_SUITE:
      g_value_set_enum (value, self->suite);
      break;
    case PROP_REMOVE_TIMEOUT:
      g_value_set_uint64 (value, self->remove_timeout);
      break;
    case PROP_UPDATE_INTERVAL:
      g_value_set_uint64 (value, self->update_interval);
      break;
    case PROP_EPOCH:
      g_value_set_uint64 (value, self->group ? gst_e2ee_mls_group_get_epoch (self->group)
          : 0);
      break;
    case PROP_SECURITY_CODE:
      g_value_take_string (value, joined (self) ?
          gst_e2ee_mls_group_get_security_code (self->group) : NULL);
      break;
    case PROP_MEMBERS:
      g_value_set_uint (value, joined (self) && self->roster != NULL ?
          g_hash_table_size (self->roster) : 0);
      break;
    case PROP_MLS_KEYS:
      g_value_set_object (value, self->keys);
      break;
    case PROP_GROUP:
      g_value_set_object (value, self->group);
      break;
    case PROP_STATS:
      g_value_take_boxed (value, make_stats (self));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
      break;
  }
  g_mutex_unlock (&self->lock);
}

static void
gst_e2ee_mls_finalize (GObject * object)
{
  GstE2eeMls *self = GST_E2EE_MLS (object);

  stop (self);
  if (self->clock != NULL)
    gst_object_unref (self->clock);
  if (self->leavers != NULL)
    g_ptr_array_unref (self->leavers);
  g_hash_table_unref (self->removed_leaves);
  gst_clear_object (&self->store);
  g_free (self->identity);
  g_free (self->group_id);
  g_rec_mutex_clear (&self->send_lock);
  g_mutex_clear (&self->lock);
  G_OBJECT_CLASS (parent_class)->finalize (object);
}

static void
gst_e2ee_mls_init (GstE2eeMls * self)
{
  g_mutex_init (&self->lock);
  g_rec_mutex_init (&self->send_lock);
  g_queue_init (&self->outbox);
  self->role = DEFAULT_ROLE;
  self->epoch_bits = DEFAULT_EPOCH_BITS;
  self->contexts = DEFAULT_CONTEXTS;
  self->suite = DEFAULT_SUITE;
  self->remove_timeout = DEFAULT_REMOVE_TIMEOUT;
  self->update_interval = DEFAULT_UPDATE_INTERVAL;
  self->removed_leaves = g_hash_table_new_full (NULL, NULL, NULL, g_free);
}

static void
gst_e2ee_mls_class_init (GstE2eeMlsClass * klass)
{
  GObjectClass *gobject_class = G_OBJECT_CLASS (klass);
  GstElementClass *element_class = GST_ELEMENT_CLASS (klass);
  const GParamFlags rw_ready = G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS |
      GST_PARAM_MUTABLE_READY;
  const GParamFlags ro = G_PARAM_READABLE | G_PARAM_STATIC_STRINGS;

  gobject_class->set_property = gst_e2ee_mls_set_property;
  gobject_class->get_property = gst_e2ee_mls_get_property;
  gobject_class->finalize = gst_e2ee_mls_finalize;

  /**
   * GstE2eeMls:identity:
   *
   * This member's identity in the group (its basic credential), for example a user
   * name. Required: the element does not start without one.
   *
   * Since: 0.1
   */
  g_object_class_install_property (gobject_class, PROP_IDENTITY,
      g_param_spec_string ("identity", "Identity",
          "This member's identity (its MLS basic credential); required", NULL,
          rw_ready));

  /**
   * GstE2eeMls:role:
   *
   * `host` creates the group when the element goes to READY and runs the meeting
   * rules; `member` sends its KeyPackage when going to PAUSED and joins from the
   * host's Welcome.
   *
   * Since: 0.1
   */
  g_object_class_install_property (gobject_class, PROP_ROLE,
      g_param_spec_enum ("role", "Role", "Host (creates the group) or member (joins it)",
          GST_TYPE_E2EE_MLS_ROLE, DEFAULT_ROLE, rw_ready));

  /**
   * GstE2eeMls:group-id:
   *
   * The group's ID (host only); %NULL: a random UUID.
   *
   * Since: 0.1
   */
  g_object_class_install_property (gobject_class, PROP_GROUP_ID,
      g_param_spec_string ("group-id", "Group ID",
          "The group's ID, for the host (default: a random UUID)", NULL, rw_ready));

  /**
   * GstE2eeMls:key-store:
   *
   * The key store the group's SFrame keys go to. %NULL: the pipeline's, through a
   * #GstContext of type `gst.e2ee.keystore` (made and announced if nobody has one),
   * which e2eeenc and e2eedec use too.
   *
   * Since: 0.1
   */
  g_object_class_install_property (gobject_class, PROP_KEY_STORE,
      g_param_spec_object ("key-store", "Key store",
          "Key store the group's SFrame keys go to (default: the pipeline's "
          "gst.e2ee.keystore context)", GST_E2EE_TYPE_KEY_STORE, rw_ready));

  /**
   * GstE2eeMls:epoch-bits:
   *
   * E of RFC 9605 §5.2: how many low bits of a KID carry the epoch.
   *
   * Since: 0.1
   */
  g_object_class_install_property (gobject_class, PROP_EPOCH_BITS,
      g_param_spec_uint ("epoch-bits", "Epoch bits",
          "Low KID bits carrying the epoch (E of RFC 9605 section 5.2)", 1,
          GST_E2EE_MLS_KEYS_MAX_EPOCH_BITS, DEFAULT_EPOCH_BITS, rw_ready));

  /**
   * GstE2eeMls:contexts:
   *
   * How many streams (RFC 9605 §5.2 contexts: audio, video, screen...) each member
   * sends, each under its own KID.
   *
   * Since: 0.1
   */
  g_object_class_install_property (gobject_class, PROP_CONTEXTS,
      g_param_spec_uint ("contexts", "Contexts",
          "Streams each member sends under distinct KIDs (RFC 9605 section 5.2 contexts)",
          1, MAX_CONTEXTS, DEFAULT_CONTEXTS, rw_ready));

  /**
   * GstE2eeMls:sframe-suite:
   *
   * The SFrame cipher suite of the keys; the default matches the AEAD of MLS cipher
   * suite 1 (AES-128-GCM).
   *
   * Since: 0.1
   */
  g_object_class_install_property (gobject_class, PROP_SFRAME_SUITE,
      g_param_spec_enum ("sframe-suite", "SFrame cipher suite",
          "SFrame cipher suite of the group's keys", GST_TYPE_E2EE_CIPHER_SUITE,
          DEFAULT_SUITE, rw_ready));

  /**
   * GstE2eeMls:remove-timeout:
   *
   * Host: the bound, in nanoseconds, within which it commits the Remove of a member
   * reported through #GstE2eeMls::member-left (Zoom's design: 10 s). The Remove goes
   * out at once; if committing fails it is tried again until the bound, after which
   * the element posts a warning.
   *
   * Since: 0.1
   */
  g_object_class_install_property (gobject_class, PROP_REMOVE_TIMEOUT,
      g_param_spec_uint64 ("remove-timeout", "Remove timeout",
          "Host: bound (in ns) within which a member reported gone is removed",
          GST_MSECOND, G_MAXINT64, DEFAULT_REMOVE_TIMEOUT,
          G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS |
          GST_PARAM_MUTABLE_PLAYING));

  /**
   * GstE2eeMls:update-interval:
   *
   * Nanoseconds between this member's self-updates (post-compromise security): an
   * Update proposal for a member, a commit for the host (Zoom's design re-keys every
   * 5 minutes). 0: never.
   *
   * Since: 0.1
   */
  g_object_class_install_property (gobject_class, PROP_UPDATE_INTERVAL,
      g_param_spec_uint64 ("update-interval", "Update interval",
          "Time (in ns) between this member's self-updates (0 = never)", 0,
          G_MAXINT64, DEFAULT_UPDATE_INTERVAL,
          G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS |
          GST_PARAM_MUTABLE_PLAYING));

  /**
   * GstE2eeMls:epoch:
   *
   * The group's current epoch (0 before joining).
   *
   * Since: 0.1
   */
  g_object_class_install_property (gobject_class, PROP_EPOCH,
      g_param_spec_uint64 ("epoch", "Epoch", "The group's current epoch", 0,
          G_MAXUINT64, 0, ro));

  /**
   * GstE2eeMls:security-code:
   *
   * The current epoch's security code (docs/mls.md), the same for every member of
   * the epoch; %NULL before joining and after being removed.
   *
   * Since: 0.1
   */
  g_object_class_install_property (gobject_class, PROP_SECURITY_CODE,
      g_param_spec_string ("security-code", "Security code",
          "The epoch's security code, the same for every member (NULL when not a member)",
          NULL, ro));

  /**
   * GstE2eeMls:members:
   *
   * How many members the group has (0 when not a member).
   *
   * Since: 0.1
   */
  g_object_class_install_property (gobject_class, PROP_MEMBERS,
      g_param_spec_uint ("members", "Members", "How many members the group has", 0,
          G_MAXUINT, 0, ro));

  /**
   * GstE2eeMls:mls-keys:
   *
   * The binding that provisions the key store (%NULL when not a member).
   *
   * Since: 0.1
   */
  g_object_class_install_property (gobject_class, PROP_MLS_KEYS,
      g_param_spec_object ("mls-keys", "MLS keys",
          "The binding providing the group's SFrame keys", GST_E2EE_TYPE_MLS_KEYS, ro));

  /**
   * GstE2eeMls:group:
   *
   * The group (%NULL before joining). The element uses it from several threads under
   * its own lock: read its state, do not change it.
   *
   * Since: 0.1
   */
  g_object_class_install_property (gobject_class, PROP_GROUP,
      g_param_spec_object ("group", "Group", "The MLS group (read its state only)",
          GST_E2EE_TYPE_MLS_GROUP, ro));

  /**
   * GstE2eeMls:stats:
   *
   * A #GstStructure named `e2eemls-stats` with these fields:
   *
   * * #guint64 `commits-sent`, `commits-applied` (others' commits),
   *   `proposals-sent`, `welcomes-sent`.
   * * #gboolean `joined`: a member of the group now.
   * * #guint64 `refused`: handshake messages refused, and by reason:
   *   `refused-non-member`, `refused-removed-member`, `refused-wrong-epoch`,
   *   `refused-invalid`, `refused-not-permitted` (see `e2ee-mls-refused`).
   * * #guint64 `not-admitted`: KeyPackages #GstE2eeMls::admit said no to.
   * * #guint64 `ignored`: messages not for this member (a Welcome for someone else,
   *   messages before joining or after removal, KeyPackages at a member).
   *
   * Since: 0.1
   */
  g_object_class_install_property (gobject_class, PROP_STATS,
      g_param_spec_boxed ("stats", "Statistics", "Counters of the MLS agent",
          GST_TYPE_STRUCTURE, ro));

  /**
   * GstE2eeMls::handle-message:
   * @e2eemls: the element
   * @message: one message from the delivery service: a KeyPackage, a Welcome, a
   *   PublicMessage or a PrivateMessage
   *
   * Hands the element a message, in the delivery service's order. Refused messages
   * post `e2ee-mls-refused`.
   *
   * Returns: %TRUE if the message was used, %FALSE if it was ignored or refused.
   *
   * Since: 0.1
   */
  signals[SIGNAL_HANDLE_MESSAGE] = g_signal_new_class_handler ("handle-message",
      G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST | G_SIGNAL_ACTION,
      G_CALLBACK (gst_e2ee_mls_handle_message), NULL, NULL, NULL, G_TYPE_BOOLEAN, 1,
      G_TYPE_BYTES);

  /**
   * GstE2eeMls::member-left:
   * @e2eemls: the element
   * @identity: the identity of the member who left
   *
   * Says a member has gone (the application or the delivery service saw it leave).
   * Only the host acts: it commits the member's Remove within
   * #GstE2eeMls:remove-timeout.
   *
   * Returns: %TRUE if the host will remove the member, %FALSE if this is not the host
   *   or @identity is not another member of the group.
   *
   * Since: 0.1
   */
  signals[SIGNAL_MEMBER_LEFT] = g_signal_new_class_handler ("member-left",
      G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST | G_SIGNAL_ACTION,
      G_CALLBACK (gst_e2ee_mls_member_left), NULL, NULL, NULL, G_TYPE_BOOLEAN, 1,
      G_TYPE_STRING);

  /**
   * GstE2eeMls::get-key-package:
   * @e2eemls: the element
   *
   * This member's KeyPackage, the one it sends when going to PAUSED.
   *
   * Returns: (transfer full) (nullable): the KeyPackage, or %NULL for the host, before
   *   READY or after joining.
   *
   * Since: 0.1
   */
  signals[SIGNAL_GET_KEY_PACKAGE] = g_signal_new_class_handler ("get-key-package",
      G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST | G_SIGNAL_ACTION,
      G_CALLBACK (gst_e2ee_mls_get_key_package), NULL, NULL, NULL, G_TYPE_BYTES, 0);

  /**
   * GstE2eeMls::send-message:
   * @e2eemls: the element
   * @message: bytes for the delivery service, to hand every other member
   *
   * This member's KeyPackage, the host's commits and Welcomes, a member's Update
   * proposals. Emitted in the order the group made them, from the thread that made
   * them (the application's, or the system clock's for timed rules).
   *
   * Since: 0.1
   */
  signals[SIGNAL_SEND_MESSAGE] = g_signal_new ("send-message",
      G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL, G_TYPE_NONE, 1,
      G_TYPE_BYTES);

  /**
   * GstE2eeMls::admit:
   * @e2eemls: the element
   * @identity: the joiner's identity, from its KeyPackage's credential (UTF-8, or
   *   hex if it is not text)
   * @key_package: the joiner's KeyPackage
   *
   * The host asks whether a joiner may be added ("decide who may join"). The first
   * handler's answer counts; without a handler everyone is admitted.
   *
   * Returns: %TRUE to commit the Add.
   *
   * Since: 0.1
   */
  signals[SIGNAL_ADMIT] = g_signal_new_class_handler ("admit",
      G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, G_CALLBACK (admit_default),
      admit_accumulator, NULL, NULL, G_TYPE_BOOLEAN, 2, G_TYPE_STRING, G_TYPE_BYTES);

  element_class->change_state = GST_DEBUG_FUNCPTR (gst_e2ee_mls_change_state);
  element_class->set_context = GST_DEBUG_FUNCPTR (gst_e2ee_mls_set_context);

  gst_element_class_set_static_metadata (element_class,
      "MLS meeting member", "Generic",
      "One member of an MLS (RFC 9420) meeting: joins, admits, removes and updates, "
      "and keeps the pipeline's SFrame keys on the group's epoch",
      "gst-e2ee developers");

  gst_type_mark_as_plugin_api (GST_TYPE_E2EE_MLS_ROLE, 0);
  GST_DEBUG_CATEGORY_INIT (gst_e2ee_mls_debug, "e2eemls", 0, "MLS meeting member");
}
