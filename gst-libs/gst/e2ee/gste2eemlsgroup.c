/* gst-e2ee: an MLS (RFC 9420) group as one member sees it.
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

/**
 * SECTION:gste2eemlsgroup
 * @title: GstE2eeMlsGroup
 * @short_description: an MLS group: members, epochs, commits, application messages
 *
 * A #GstE2eeMlsGroup is one member's view of an MLS group (RFC 9420, cipher suite
 * 1). A member creates a group with gst_e2ee_mls_group_create() or joins one from a
 * Welcome with gst_e2ee_mls_group_join(). Each change of membership or keys is a
 * commit, which starts a new epoch with new secrets: gst_e2ee_mls_group_add(),
 * gst_e2ee_mls_group_remove() and gst_e2ee_mls_group_update() return the commit to
 * send to the other members (through the application's delivery service) and move
 * this member to the new epoch at once; the others apply it with
 * gst_e2ee_mls_group_handle(). Proposals (gst_e2ee_mls_group_propose_add() and the
 * like) are committed later, by any member, with gst_e2ee_mls_group_commit().
 *
 * Every commit carries a full UpdatePath: the committer's keys are renewed, and with
 * them every key a removed member knew. The delivery service must hand all members
 * the commits of an epoch in the same order and only the first one to each: a
 * member that applied one commit refuses any other for the same epoch
 * (%GST_E2EE_MLS_ERROR_WRONG_EPOCH).
 *
 * gst_e2ee_mls_group_export_secret() derives keys from the epoch (for SFrame, the
 * label "SFrame 1.0 Base Key", RFC 9605 §5.2); the epoch authenticator is the value
 * members compare out of band to detect a split group.
 *
 * Every operation is atomic: when it fails (#GError in %GST_E2EE_MLS_ERROR) the
 * group is exactly as before, with one exception docs/mls.md explains (a
 * PrivateMessage whose content opens uses up its generation). Secrets of an epoch are
 * wiped as soon as the next epoch starts.
 *
 * Not in scope, refused with %GST_E2EE_MLS_ERROR_UNSUPPORTED: PSKs, external commits,
 * ReInit, GroupContextExtensions proposals and external senders.
 *
 * Since: 0.1
 */

#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "gste2eemlsgroup.h"
#include "gste2eemlsclient-private.h"
#include "gste2eemlsmessage.h"
#include "gste2eemlsstate.h"

#include <string.h>

struct _GstE2eeMlsMember
{
  guint32 leaf_index;
  GBytes *identity;
  GBytes *signature_key;
};

G_DEFINE_BOXED_TYPE (GstE2eeMlsMember, gst_e2ee_mls_member, gst_e2ee_mls_member_copy,
    gst_e2ee_mls_member_free);

/**
 * gst_e2ee_mls_member_copy:
 * @member: a #GstE2eeMlsMember
 *
 * Returns: (transfer full): a copy of @member.
 *
 * Since: 0.1
 */
GstE2eeMlsMember *
gst_e2ee_mls_member_copy (const GstE2eeMlsMember * member)
{
  GstE2eeMlsMember *copy;

  g_return_val_if_fail (member != NULL, NULL);

  copy = g_new0 (GstE2eeMlsMember, 1);
  copy->leaf_index = member->leaf_index;
  copy->identity = g_bytes_ref (member->identity);
  copy->signature_key = g_bytes_ref (member->signature_key);
  return copy;
}

/**
 * gst_e2ee_mls_member_free:
 * @member: (transfer full): a #GstE2eeMlsMember
 *
 * Frees @member.
 *
 * Since: 0.1
 */
void
gst_e2ee_mls_member_free (GstE2eeMlsMember * member)
{
  if (member == NULL)
    return;
  g_bytes_unref (member->identity);
  g_bytes_unref (member->signature_key);
  g_free (member);
}

/**
 * gst_e2ee_mls_member_get_leaf_index:
 * @member: a #GstE2eeMlsMember
 *
 * Returns: the member's leaf index, what gst_e2ee_mls_group_remove() takes.
 *
 * Since: 0.1
 */
guint32
gst_e2ee_mls_member_get_leaf_index (const GstE2eeMlsMember * member)
{
  g_return_val_if_fail (member != NULL, 0);

  return member->leaf_index;
}

/**
 * gst_e2ee_mls_member_get_identity:
 * @member: a #GstE2eeMlsMember
 *
 * Returns: (transfer full): the identity of the member's basic credential.
 *
 * Since: 0.1
 */
GBytes *
gst_e2ee_mls_member_get_identity (const GstE2eeMlsMember * member)
{
  g_return_val_if_fail (member != NULL, NULL);

  return g_bytes_ref (member->identity);
}

/**
 * gst_e2ee_mls_member_get_signature_key:
 * @member: a #GstE2eeMlsMember
 *
 * Returns: (transfer full): the member's signature public key.
 *
 * Since: 0.1
 */
GBytes *
gst_e2ee_mls_member_get_signature_key (const GstE2eeMlsMember * member)
{
  g_return_val_if_fail (member != NULL, NULL);

  return g_bytes_ref (member->signature_key);
}

struct _GstE2eeMlsGroup
{
  GObject parent;

  GstE2eeMlsState *state;
  gboolean ratchet_tree_extension;
  gboolean membership_proposals;
  guint32 committer;
};

enum
{
  PROP_0,
  PROP_RATCHET_TREE_EXTENSION,
  PROP_MEMBERSHIP_PROPOSALS,
  PROP_COMMITTER,
  PROP_EPOCH,
  PROP_OWN_LEAF_INDEX,
};

G_DEFINE_TYPE (GstE2eeMlsGroup, gst_e2ee_mls_group, G_TYPE_OBJECT);

static void
gst_e2ee_mls_group_init (GstE2eeMlsGroup * self)
{
  self->ratchet_tree_extension = TRUE;
  self->membership_proposals = TRUE;
  self->committer = G_MAXUINT32;
}

static void
gst_e2ee_mls_group_finalize (GObject * object)
{
  GstE2eeMlsGroup *self = GST_E2EE_MLS_GROUP (object);

  gst_e2ee_mls_state_free (self->state);
  G_OBJECT_CLASS (gst_e2ee_mls_group_parent_class)->finalize (object);
}

static void
gst_e2ee_mls_group_set_property (GObject * object, guint prop_id, const GValue * value,
    GParamSpec * pspec)
{
  GstE2eeMlsGroup *self = GST_E2EE_MLS_GROUP (object);

  switch (prop_id) {
    case PROP_RATCHET_TREE_EXTENSION:
      self->ratchet_tree_extension = g_value_get_boolean (value);
      break;
    case PROP_MEMBERSHIP_PROPOSALS:
      self->membership_proposals = g_value_get_boolean (value);
      if (self->state != NULL)
        gst_e2ee_mls_state_set_membership_proposals (self->state,
            self->membership_proposals);
      break;
    case PROP_COMMITTER:
      self->committer = g_value_get_uint (value);
      if (self->state != NULL)
        gst_e2ee_mls_state_set_committer (self->state, self->committer);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
      break;
  }
}

static void
gst_e2ee_mls_group_get_property (GObject * object, guint prop_id, GValue * value,
    GParamSpec * pspec)
{
  GstE2eeMlsGroup *self = GST_E2EE_MLS_GROUP (object);

  switch (prop_id) {
    case PROP_RATCHET_TREE_EXTENSION:
      g_value_set_boolean (value, self->ratchet_tree_extension);
      break;
    case PROP_MEMBERSHIP_PROPOSALS:
      g_value_set_boolean (value, self->membership_proposals);
      break;
    case PROP_COMMITTER:
      g_value_set_uint (value, self->committer);
      break;
    case PROP_EPOCH:
      g_value_set_uint64 (value, gst_e2ee_mls_group_get_epoch (self));
      break;
    case PROP_OWN_LEAF_INDEX:
      g_value_set_uint (value, gst_e2ee_mls_group_get_own_leaf_index (self));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
      break;
  }
}

static void
gst_e2ee_mls_group_class_init (GstE2eeMlsGroupClass * klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->finalize = gst_e2ee_mls_group_finalize;
  object_class->set_property = gst_e2ee_mls_group_set_property;
  object_class->get_property = gst_e2ee_mls_group_get_property;

  /**
   * GstE2eeMlsGroup:ratchet-tree-extension:
   *
   * Whether the GroupInfo in this member's Welcomes (and
   * gst_e2ee_mls_group_get_group_info()) carries the ratchet_tree extension. When
   * off, a joiner needs the tree given separately
   * (gst_e2ee_mls_group_get_ratchet_tree()), which keeps Welcomes small in large
   * groups.
   *
   * Since: 0.1
   */
  g_object_class_install_property (object_class, PROP_RATCHET_TREE_EXTENSION,
      g_param_spec_boolean ("ratchet-tree-extension", "Ratchet tree extension",
          "Put the ratchet tree into the GroupInfo of Welcomes", TRUE,
          G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS));

  /**
   * GstE2eeMlsGroup:membership-proposals:
   *
   * Whether this member takes Add and Remove proposals from other members. When
   * off, gst_e2ee_mls_group_handle() refuses them with
   * %GST_E2EE_MLS_ERROR_NOT_PERMITTED and they never become pending, so this
   * member's commits never cover them: for a group where only this member decides
   * who joins and leaves (RFC 9420 §12.2 leaves such permissions to the
   * application). Update proposals are always taken: every member may renew its own
   * keys. Proposals already pending stay.
   *
   * Since: 0.1
   */
  g_object_class_install_property (object_class, PROP_MEMBERSHIP_PROPOSALS,
      g_param_spec_boolean ("membership-proposals", "Membership proposals",
          "Take Add and Remove proposals from other members", TRUE,
          G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS));

  /**
   * GstE2eeMlsGroup:committer:
   *
   * The leaf index of the only member whose commits this member applies;
   * %G_MAXUINT32 (the default) for any member's. gst_e2ee_mls_group_handle()
   * refuses a commit from another member with %GST_E2EE_MLS_ERROR_NOT_PERMITTED and
   * nothing changes: for a group where one member (a meeting's host) decides every
   * change, so that another member's commit cannot add or remove anyone.
   *
   * Since: 0.1
   */
  g_object_class_install_property (object_class, PROP_COMMITTER,
      g_param_spec_uint ("committer", "Committer",
          "The only leaf whose commits are applied (4294967295: any member's)", 0,
          G_MAXUINT32, G_MAXUINT32, G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS));

  /**
   * GstE2eeMlsGroup:epoch:
   *
   * The group's current epoch (0 for a group not created or joined). Notified after
   * every commit this member applies, its own (gst_e2ee_mls_group_add() and the
   * like) and others' (gst_e2ee_mls_group_handle()), and after the commit that
   * removed this member (the epoch stays, gst_e2ee_mls_group_is_active() turns
   * %FALSE).
   *
   * Since: 0.1
   */
  g_object_class_install_property (object_class, PROP_EPOCH,
      g_param_spec_uint64 ("epoch", "Epoch", "The group's current epoch", 0,
          G_MAXUINT64, 0, G_PARAM_READABLE | G_PARAM_STATIC_STRINGS));

  /**
   * GstE2eeMlsGroup:own-leaf-index:
   *
   * This member's leaf index.
   *
   * Since: 0.1
   */
  g_object_class_install_property (object_class, PROP_OWN_LEAF_INDEX,
      g_param_spec_uint ("own-leaf-index", "Own leaf index", "This member's leaf index",
          0, G_MAXUINT32, 0, G_PARAM_READABLE | G_PARAM_STATIC_STRINGS));
}

/* A group made with g_object_new() (from a binding) has no state: every operation
 * says so instead of crashing. */
static gboolean
has_state (GstE2eeMlsGroup * self, GError ** error)
{
  if (self->state == NULL) {
    g_set_error_literal (error, GST_E2EE_MLS_ERROR, GST_E2EE_MLS_ERROR_NOT_A_MEMBER,
        "the group was neither created nor joined");
    return FALSE;
  }
  return TRUE;
}

static GstE2eeMlsGroup *
wrap (GstE2eeMlsState * st)
{
  GstE2eeMlsGroup *self;

  if (st == NULL)
    return NULL;
  self = g_object_new (GST_E2EE_TYPE_MLS_GROUP, NULL);
  self->state = st;
  return self;
}

/**
 * gst_e2ee_mls_group_create:
 * @client: the creator
 * @group_id: the group's ID, unique for the application (for example 16 random
 *   bytes)
 * @error: return location for a #GError, or %NULL
 *
 * A new group at epoch 0 with @client as its only member (leaf 0).
 *
 * Returns: (transfer full) (nullable): the group, or %NULL with @error set.
 *
 * Since: 0.1
 */
GstE2eeMlsGroup *
gst_e2ee_mls_group_create (GstE2eeMlsClient * client, GBytes * group_id, GError ** error)
{
  const GstE2eeMlsSuite *s;
  GBytes *identity;
  const guint8 *sk;
  gsize sk_len;
  GstE2eeMlsState *st;

  g_return_val_if_fail (GST_E2EE_IS_MLS_CLIENT (client), NULL);
  g_return_val_if_fail (group_id != NULL, NULL);

  s = gst_e2ee_mls_suite_lookup (GST_E2EE_MLS_CIPHER_SUITE, error);
  if (s == NULL)
    return NULL;
  identity = gst_e2ee_mls_client_get_identity (client);
  sk = gst_e2ee_mls_client_get_signature_private_key (client, &sk_len);
  st = gst_e2ee_mls_state_create (s, g_bytes_get_data (group_id, NULL),
      g_bytes_get_size (group_id), g_bytes_get_data (identity, NULL),
      g_bytes_get_size (identity), sk, sk_len, error);
  g_bytes_unref (identity);
  return wrap (st);
}

/**
 * gst_e2ee_mls_group_join:
 * @client: the joiner, who made the key package the Welcome is for
 * @welcome: an MLSMessage (Welcome)
 * @ratchet_tree: (nullable): the group's ratchet tree (the ratchet_tree extension's
 *   data, as gst_e2ee_mls_group_get_ratchet_tree() returns it) when the Welcome's
 *   GroupInfo does not carry it, or %NULL
 * @error: return location for a #GError, or %NULL
 *
 * Joins a group from a Welcome (RFC 9420 §12.4.3.1): decrypts the group secrets
 * with the private key of the client's key package it names, decrypts and verifies
 * the GroupInfo (signature, tree hash, tree validity, confirmation tag). On success
 * the key package's private keys are wiped and forgotten.
 *
 * Returns: (transfer full) (nullable): the group, or %NULL with @error set:
 *   %GST_E2EE_MLS_ERROR_NO_MATCHING_KEY_PACKAGE when the Welcome is for none of the
 *   client's key packages, %GST_E2EE_MLS_ERROR_MISSING_RATCHET_TREE when the tree is
 *   neither in the Welcome nor given, %GST_E2EE_MLS_ERROR_UNSUPPORTED for a Welcome
 *   that needs PSKs.
 *
 * Since: 0.1
 */
GstE2eeMlsGroup *
gst_e2ee_mls_group_join (GstE2eeMlsClient * client, GBytes * welcome,
    GBytes * ratchet_tree, GError ** error)
{
  const GstE2eeMlsJoinCandidate *candidates;
  const guint8 *sk;
  gsize sk_len;
  guint n, used = 0;
  GstE2eeMlsState *st;

  g_return_val_if_fail (GST_E2EE_IS_MLS_CLIENT (client), NULL);
  g_return_val_if_fail (welcome != NULL, NULL);

  candidates = gst_e2ee_mls_client_get_candidates (client, &n);
  sk = gst_e2ee_mls_client_get_signature_private_key (client, &sk_len);
  st = gst_e2ee_mls_state_join (g_bytes_get_data (welcome, NULL),
      g_bytes_get_size (welcome),
      ratchet_tree != NULL ? g_bytes_get_data (ratchet_tree, NULL) : NULL,
      ratchet_tree != NULL ? g_bytes_get_size (ratchet_tree) : 0, candidates, n, sk,
      sk_len, &used, error);
  if (st != NULL)
    gst_e2ee_mls_client_consume_key_package (client, used);
  return wrap (st);
}

static GBytes *
commit (GstE2eeMlsGroup * self, const GstE2eeMlsProposal * proposals, guint n,
    GBytes ** welcome, GError ** error)
{
  GBytes *out = gst_e2ee_mls_state_commit (self->state, proposals, n,
      self->ratchet_tree_extension, welcome, error);

  /* Our own commit moved us to the next epoch just as a handled one does: whatever
   * follows the epoch (a GstE2eeMlsKeys) hears of both the same way. */
  if (out != NULL)
    g_object_notify (G_OBJECT (self), "epoch");
  return out;
}

/**
 * gst_e2ee_mls_group_add:
 * @group: a #GstE2eeMlsGroup
 * @key_package: the new member's KeyPackage (an MLSMessage)
 * @welcome: (out) (transfer full) (optional) (nullable): the Welcome for the new
 *   member
 * @error: return location for a #GError, or %NULL
 *
 * Commits the addition of the key package's client, with the pending proposals
 * gst_e2ee_mls_group_commit() would take, and moves to the next epoch. Check the
 * key package's identity with the application's authentication service first: MLS
 * checks only that it is well formed and signed by its own key.
 *
 * Returns: (transfer full) (nullable): the commit (an MLSMessage) for the other
 *   members, or %NULL with @error set (the group unchanged).
 *
 * Since: 0.1
 */
GBytes *
gst_e2ee_mls_group_add (GstE2eeMlsGroup * group, GBytes * key_package,
    GBytes ** welcome, GError ** error)
{
  GstE2eeMlsProposal p = { 0 };
  GBytes *out;

  if (welcome != NULL)
    *welcome = NULL;
  g_return_val_if_fail (GST_E2EE_IS_MLS_GROUP (group), NULL);
  g_return_val_if_fail (key_package != NULL, NULL);
  if (!has_state (group, error))
    return NULL;

  p.type = GST_E2EE_MLS_PROPOSAL_ADD;
  p.key_package = gst_e2ee_mls_key_package_decode_message (g_bytes_get_data
      (key_package, NULL), g_bytes_get_size (key_package), error);
  if (p.key_package == NULL)
    return NULL;
  out = commit (group, &p, 1, welcome, error);
  gst_e2ee_mls_proposal_clear (&p);
  return out;
}

/**
 * gst_e2ee_mls_group_remove:
 * @group: a #GstE2eeMlsGroup
 * @leaf_index: the leaf index of the member to remove (not this member's own)
 * @error: return location for a #GError, or %NULL
 *
 * Commits the removal of a member, with the pending proposals
 * gst_e2ee_mls_group_commit() would take (not the member's own Updates), and
 * moves to the next epoch, whose secrets the removed member cannot derive.
 *
 * Returns: (transfer full) (nullable): the commit (an MLSMessage), or %NULL with
 *   @error set (%GST_E2EE_MLS_ERROR_INVALID_PROPOSAL for a leaf that is not a
 *   member or this member's own).
 *
 * Since: 0.1
 */
GBytes *
gst_e2ee_mls_group_remove (GstE2eeMlsGroup * group, guint32 leaf_index, GError ** error)
{
  GstE2eeMlsProposal p = { 0 };

  g_return_val_if_fail (GST_E2EE_IS_MLS_GROUP (group), NULL);
  if (!has_state (group, error))
    return NULL;

  p.type = GST_E2EE_MLS_PROPOSAL_REMOVE;
  p.removed = leaf_index;
  return commit (group, &p, 1, NULL, error);
}

/**
 * gst_e2ee_mls_group_update:
 * @group: a #GstE2eeMlsGroup
 * @error: return location for a #GError, or %NULL
 *
 * Commits new keys for this member (an UpdatePath), with the pending proposals
 * gst_e2ee_mls_group_commit() would take, and moves to the next epoch:
 * post-compromise security for this member's keys.
 *
 * Returns: (transfer full) (nullable): the commit (an MLSMessage), or %NULL with
 *   @error set.
 *
 * Since: 0.1
 */
GBytes *
gst_e2ee_mls_group_update (GstE2eeMlsGroup * group, GError ** error)
{
  g_return_val_if_fail (GST_E2EE_IS_MLS_GROUP (group), NULL);
  if (!has_state (group, error))
    return NULL;

  return commit (group, NULL, 0, NULL, error);
}

/**
 * gst_e2ee_mls_group_commit:
 * @group: a #GstE2eeMlsGroup
 * @welcome: (out) (transfer full) (optional) (nullable): the Welcome when the
 *   committed proposals add members, else %NULL
 * @error: return location for a #GError, or %NULL
 *
 * Commits every pending proposal (received or made with
 * gst_e2ee_mls_group_propose_add() and the like), by reference, and moves to the
 * next epoch. This member's own Update proposals are left out: the commit's path
 * renews its keys anyway (RFC 9420 §12.2). So are proposals that would make the
 * list invalid (§12.2): a Remove of this member, a leaf's Updates when it is also
 * removed, all but the latest of a leaf's Updates and all but the first of its
 * Removes.
 *
 * Returns: (transfer full) (nullable): the commit (an MLSMessage), or %NULL with
 *   @error set.
 *
 * Since: 0.1
 */
GBytes *
gst_e2ee_mls_group_commit (GstE2eeMlsGroup * group, GBytes ** welcome, GError ** error)
{
  if (welcome != NULL)
    *welcome = NULL;
  g_return_val_if_fail (GST_E2EE_IS_MLS_GROUP (group), NULL);
  if (!has_state (group, error))
    return NULL;

  return commit (group, NULL, 0, welcome, error);
}

/**
 * gst_e2ee_mls_group_propose_add:
 * @group: a #GstE2eeMlsGroup
 * @key_package: the new member's KeyPackage (an MLSMessage)
 * @error: return location for a #GError, or %NULL
 *
 * Proposes adding a member. The proposal stays pending (here and at the members
 * who handle it) until a commit covers it or the epoch ends.
 *
 * Returns: (transfer full) (nullable): the proposal (an MLSMessage), or %NULL with
 *   @error set.
 *
 * Since: 0.1
 */
GBytes *
gst_e2ee_mls_group_propose_add (GstE2eeMlsGroup * group, GBytes * key_package,
    GError ** error)
{
  g_return_val_if_fail (GST_E2EE_IS_MLS_GROUP (group), NULL);
  g_return_val_if_fail (key_package != NULL, NULL);
  if (!has_state (group, error))
    return NULL;

  return gst_e2ee_mls_state_propose_add (group->state,
      g_bytes_get_data (key_package, NULL), g_bytes_get_size (key_package), error);
}

/**
 * gst_e2ee_mls_group_propose_remove:
 * @group: a #GstE2eeMlsGroup
 * @leaf_index: the leaf index of the member to remove
 * @error: return location for a #GError, or %NULL
 *
 * Proposes removing a member (pending as for gst_e2ee_mls_group_propose_add()).
 *
 * Returns: (transfer full) (nullable): the proposal (an MLSMessage), or %NULL with
 *   @error set.
 *
 * Since: 0.1
 */
GBytes *
gst_e2ee_mls_group_propose_remove (GstE2eeMlsGroup * group, guint32 leaf_index,
    GError ** error)
{
  g_return_val_if_fail (GST_E2EE_IS_MLS_GROUP (group), NULL);
  if (!has_state (group, error))
    return NULL;

  return gst_e2ee_mls_state_propose_remove (group->state, leaf_index, error);
}

/**
 * gst_e2ee_mls_group_propose_update:
 * @group: a #GstE2eeMlsGroup
 * @error: return location for a #GError, or %NULL
 *
 * Proposes new keys for this member's leaf, for another member to commit.
 *
 * Returns: (transfer full) (nullable): the proposal (an MLSMessage), or %NULL with
 *   @error set.
 *
 * Since: 0.1
 */
GBytes *
gst_e2ee_mls_group_propose_update (GstE2eeMlsGroup * group, GError ** error)
{
  g_return_val_if_fail (GST_E2EE_IS_MLS_GROUP (group), NULL);
  if (!has_state (group, error))
    return NULL;

  return gst_e2ee_mls_state_propose_update (group->state, error);
}

/**
 * gst_e2ee_mls_group_get_n_pending_proposals:
 * @group: a #GstE2eeMlsGroup
 *
 * Returns: how many proposals of the current epoch are pending.
 *
 * Since: 0.1
 */
guint
gst_e2ee_mls_group_get_n_pending_proposals (GstE2eeMlsGroup * group)
{
  g_return_val_if_fail (GST_E2EE_IS_MLS_GROUP (group), 0);

  return group->state != NULL ? gst_e2ee_mls_state_n_pending (group->state) : 0;
}

/**
 * gst_e2ee_mls_group_handle:
 * @group: a #GstE2eeMlsGroup
 * @message: an MLSMessage (PublicMessage or PrivateMessage) from another member
 * @application_data: (out) (transfer full) (optional) (nullable): the data of an
 *   application message, else %NULL
 * @error: return location for a #GError, or %NULL
 *
 * Handles a message from another member: applies a commit (moving to the next
 * epoch), keeps a proposal pending, or opens an application message. Everything is
 * checked before anything changes: group and epoch, membership tag or decryption,
 * the sender's membership and signature, each proposal, the path (parent hashes,
 * keys), the confirmation tag. A commit that removes this member leaves the group
 * inactive (gst_e2ee_mls_group_is_active()).
 *
 * Returns: what the message was, or %GST_E2EE_MLS_MESSAGE_KIND_NONE with @error set
 *   and the group unchanged: %GST_E2EE_MLS_ERROR_WRONG_EPOCH (an old, replayed or
 *   future message), %GST_E2EE_MLS_ERROR_WRONG_GROUP,
 *   %GST_E2EE_MLS_ERROR_UNKNOWN_SENDER (not a member, or removed),
 *   %GST_E2EE_MLS_ERROR_BAD_SIGNATURE, %GST_E2EE_MLS_ERROR_BAD_TAG (membership or
 *   confirmation tag), %GST_E2EE_MLS_ERROR_BAD_PARENT_HASH, and the others of
 *   #GstE2eeMlsError.
 *
 * Since: 0.1
 */
GstE2eeMlsMessageKind
gst_e2ee_mls_group_handle (GstE2eeMlsGroup * group, GBytes * message,
    GBytes ** application_data, GError ** error)
{
  guint8 type = 0;
  guint32 sender;

  if (application_data != NULL)
    *application_data = NULL;
  g_return_val_if_fail (GST_E2EE_IS_MLS_GROUP (group), GST_E2EE_MLS_MESSAGE_KIND_NONE);
  g_return_val_if_fail (message != NULL, GST_E2EE_MLS_MESSAGE_KIND_NONE);
  if (!has_state (group, error))
    return GST_E2EE_MLS_MESSAGE_KIND_NONE;

  if (!gst_e2ee_mls_state_handle (group->state, g_bytes_get_data (message, NULL),
          g_bytes_get_size (message), &type, &sender, application_data, error))
    return GST_E2EE_MLS_MESSAGE_KIND_NONE;
  switch (type) {
    case GST_E2EE_MLS_CONTENT_COMMIT:
      g_object_notify (G_OBJECT (group), "epoch");
      return GST_E2EE_MLS_MESSAGE_KIND_COMMIT;
    case GST_E2EE_MLS_CONTENT_PROPOSAL:
      return GST_E2EE_MLS_MESSAGE_KIND_PROPOSAL;
    default:
      return GST_E2EE_MLS_MESSAGE_KIND_APPLICATION;
  }
}

/**
 * gst_e2ee_mls_group_protect:
 * @group: a #GstE2eeMlsGroup
 * @application_data: the data to send to the group
 * @error: return location for a #GError, or %NULL
 *
 * Encrypts and signs application data for the other members (a PrivateMessage with
 * this member's next application generation).
 *
 * Returns: (transfer full) (nullable): the MLSMessage, or %NULL with @error set.
 *
 * Since: 0.1
 */
GBytes *
gst_e2ee_mls_group_protect (GstE2eeMlsGroup * group, GBytes * application_data,
    GError ** error)
{
  g_return_val_if_fail (GST_E2EE_IS_MLS_GROUP (group), NULL);
  g_return_val_if_fail (application_data != NULL, NULL);
  if (!has_state (group, error))
    return NULL;

  return gst_e2ee_mls_state_protect (group->state,
      g_bytes_get_data (application_data, NULL), g_bytes_get_size (application_data),
      error);
}

/**
 * gst_e2ee_mls_group_unprotect:
 * @group: a #GstE2eeMlsGroup
 * @message: an application message (an MLSMessage) from another member
 * @error: return location for a #GError, or %NULL
 *
 * The reverse of gst_e2ee_mls_group_protect(): opens an application message and
 * refuses, without handling it, anything else (%GST_E2EE_MLS_ERROR_WIRE_FORMAT):
 * give handshake messages to gst_e2ee_mls_group_handle().
 *
 * Returns: (transfer full) (nullable): the application data, or %NULL with @error
 *   set.
 *
 * Since: 0.1
 */
GBytes *
gst_e2ee_mls_group_unprotect (GstE2eeMlsGroup * group, GBytes * message,
    GError ** error)
{
  GstE2eeMlsMessage m;
  GBytes *data = NULL;
  gboolean application;

  g_return_val_if_fail (GST_E2EE_IS_MLS_GROUP (group), NULL);
  g_return_val_if_fail (message != NULL, NULL);

  gst_e2ee_mls_message_init (&m);
  if (!gst_e2ee_mls_message_decode (&m, g_bytes_get_data (message, NULL),
          g_bytes_get_size (message), error))
    return NULL;
  application = m.wire_format == GST_E2EE_MLS_WIRE_FORMAT_PRIVATE_MESSAGE
      && m.private_message.content_type == GST_E2EE_MLS_CONTENT_APPLICATION;
  gst_e2ee_mls_message_clear (&m);
  if (!application) {
    g_set_error_literal (error, GST_E2EE_MLS_ERROR, GST_E2EE_MLS_ERROR_WIRE_FORMAT,
        "not an application message (handshake messages go to handle())");
    return NULL;
  }
  if (gst_e2ee_mls_group_handle (group, message, &data, error) ==
      GST_E2EE_MLS_MESSAGE_KIND_NONE)
    return NULL;
  return data;
}

/**
 * gst_e2ee_mls_group_export_secret:
 * @group: a #GstE2eeMlsGroup
 * @label: the exporter label (for SFrame: "SFrame 1.0 Base Key")
 * @context: (nullable): the exporter context, or %NULL for none
 * @length: how many bytes to derive (1 to 255 times the hash size, 32)
 * @error: return location for a #GError, or %NULL
 *
 * MLS-Exporter(@label, @context, @length) of the current epoch (RFC 9420 §8.5): the
 * same bytes at every member of this epoch, new ones at the next.
 *
 * Returns: (transfer full) (nullable): the secret, or %NULL with @error set. Wipe
 *   it when done with it.
 *
 * Since: 0.1
 */
GBytes *
gst_e2ee_mls_group_export_secret (GstE2eeMlsGroup * group, const gchar * label,
    GBytes * context, gsize length, GError ** error)
{
  guint8 *out;

  g_return_val_if_fail (GST_E2EE_IS_MLS_GROUP (group), NULL);
  g_return_val_if_fail (label != NULL, NULL);
  if (!has_state (group, error))
    return NULL;
  if (length == 0 || length > 255 * 32) {
    g_set_error (error, GST_E2EE_MLS_ERROR, GST_E2EE_MLS_ERROR_INVALID_ARGUMENT,
        "cannot export %" G_GSIZE_FORMAT " bytes (1 to 8160)", length);
    return NULL;
  }
  out = g_malloc (length);
  if (!gst_e2ee_mls_state_export (group->state, (const guint8 *) label, strlen (label),
          context != NULL ? g_bytes_get_data (context, NULL) : NULL,
          context != NULL ? g_bytes_get_size (context) : 0, out, length, error)) {
    g_free (out);
    return NULL;
  }
  return g_bytes_new_take (out, length);
}

/**
 * gst_e2ee_mls_group_get_group_id:
 * @group: a #GstE2eeMlsGroup
 *
 * Returns: (transfer full) (nullable): the group's ID.
 *
 * Since: 0.1
 */
GBytes *
gst_e2ee_mls_group_get_group_id (GstE2eeMlsGroup * group)
{
  const guint8 *id;
  gsize len;

  g_return_val_if_fail (GST_E2EE_IS_MLS_GROUP (group), NULL);
  if (group->state == NULL)
    return NULL;
  id = gst_e2ee_mls_state_group_id (group->state, &len);
  return g_bytes_new (id, len);
}

/**
 * gst_e2ee_mls_group_get_epoch:
 * @group: a #GstE2eeMlsGroup
 *
 * Returns: the current epoch.
 *
 * Since: 0.1
 */
guint64
gst_e2ee_mls_group_get_epoch (GstE2eeMlsGroup * group)
{
  g_return_val_if_fail (GST_E2EE_IS_MLS_GROUP (group), 0);

  return group->state != NULL ? gst_e2ee_mls_state_epoch (group->state) : 0;
}

/**
 * gst_e2ee_mls_group_get_own_leaf_index:
 * @group: a #GstE2eeMlsGroup
 *
 * Returns: this member's leaf index.
 *
 * Since: 0.1
 */
guint32
gst_e2ee_mls_group_get_own_leaf_index (GstE2eeMlsGroup * group)
{
  g_return_val_if_fail (GST_E2EE_IS_MLS_GROUP (group), 0);

  return group->state != NULL ? gst_e2ee_mls_state_own_leaf (group->state) : 0;
}

/**
 * gst_e2ee_mls_group_is_active:
 * @group: a #GstE2eeMlsGroup
 *
 * Returns: %FALSE once a commit removed this member (or for a group neither created
 *   nor joined): it can then only list the members of its last epoch.
 *
 * Since: 0.1
 */
gboolean
gst_e2ee_mls_group_is_active (GstE2eeMlsGroup * group)
{
  g_return_val_if_fail (GST_E2EE_IS_MLS_GROUP (group), FALSE);

  return group->state != NULL && gst_e2ee_mls_state_is_active (group->state);
}

/**
 * gst_e2ee_mls_group_get_members:
 * @group: a #GstE2eeMlsGroup
 *
 * Returns: (transfer container) (element-type GstE2eeMlsMember): the members, by
 *   leaf index, in an array that frees them (g_ptr_array_unref() is all it takes).
 *
 * Since: 0.1
 */
GPtrArray *
gst_e2ee_mls_group_get_members (GstE2eeMlsGroup * group)
{
  GPtrArray *out;
  const GstE2eeMlsTree *tree;
  guint32 i;

  g_return_val_if_fail (GST_E2EE_IS_MLS_GROUP (group), NULL);

  out = g_ptr_array_new_with_free_func ((GDestroyNotify) gst_e2ee_mls_member_free);
  if (group->state == NULL)
    return out;
  tree = gst_e2ee_mls_state_tree (group->state);
  for (i = 0; i < tree->n_leaves; i++) {
    const GstE2eeMlsLeafNode *leaf = gst_e2ee_mls_tree_get_leaf (tree, i);
    GstE2eeMlsMember *m;

    if (leaf == NULL)
      continue;
    m = g_new0 (GstE2eeMlsMember, 1);
    m->leaf_index = i;
    m->identity = g_bytes_new (leaf->identity, leaf->identity_len);
    m->signature_key = g_bytes_new (leaf->signature_key, leaf->signature_key_len);
    g_ptr_array_add (out, m);
  }
  return out;
}

/**
 * gst_e2ee_mls_group_get_epoch_authenticator:
 * @group: a #GstE2eeMlsGroup
 *
 * The epoch authenticator (RFC 9420 §8.7): equal at every member of the epoch, and
 * unknown to anyone else. Members who compare it (or a short code derived from it)
 * out of band detect a delivery service that split them into different groups.
 *
 * Returns: (transfer full) (nullable): 32 bytes, or %NULL for an inactive group.
 *
 * Since: 0.1
 */
GBytes *
gst_e2ee_mls_group_get_epoch_authenticator (GstE2eeMlsGroup * group)
{
  const guint8 *a;

  g_return_val_if_fail (GST_E2EE_IS_MLS_GROUP (group), NULL);
  if (group->state == NULL)
    return NULL;
  a = gst_e2ee_mls_state_epoch_authenticator (group->state);
  return a != NULL ? g_bytes_new (a, gst_e2ee_mls_state_suite (group->state)->nh) : NULL;
}

/**
 * gst_e2ee_mls_group_get_ratchet_tree:
 * @group: a #GstE2eeMlsGroup
 *
 * The ratchet tree (the ratchet_tree extension's data, RFC 9420 §12.4.3.3), for a
 * joiner whose Welcome does not carry it. Public data only.
 *
 * Returns: (transfer full) (nullable): the encoded tree.
 *
 * Since: 0.1
 */
GBytes *
gst_e2ee_mls_group_get_ratchet_tree (GstE2eeMlsGroup * group)
{
  g_return_val_if_fail (GST_E2EE_IS_MLS_GROUP (group), NULL);
  if (group->state == NULL)
    return NULL;

  return gst_e2ee_mls_state_ratchet_tree (group->state, NULL);
}

/**
 * gst_e2ee_mls_group_get_group_info:
 * @group: a #GstE2eeMlsGroup
 * @error: return location for a #GError, or %NULL
 *
 * The GroupInfo of the current epoch, signed by this member, as an MLSMessage, with
 * the ratchet_tree extension when #GstE2eeMlsGroup:ratchet-tree-extension is set.
 *
 * Returns: (transfer full) (nullable): the MLSMessage, or %NULL with @error set.
 *
 * Since: 0.1
 */
GBytes *
gst_e2ee_mls_group_get_group_info (GstE2eeMlsGroup * group, GError ** error)
{
  g_return_val_if_fail (GST_E2EE_IS_MLS_GROUP (group), NULL);
  if (!has_state (group, error))
    return NULL;

  return gst_e2ee_mls_state_group_info (group->state, group->ratchet_tree_extension,
      error);
}

/**
 * gst_e2ee_mls_group_set_ratchet_tree_extension:
 * @group: a #GstE2eeMlsGroup
 * @enabled: whether Welcomes carry the ratchet tree
 *
 * Sets #GstE2eeMlsGroup:ratchet-tree-extension.
 *
 * Since: 0.1
 */
void
gst_e2ee_mls_group_set_ratchet_tree_extension (GstE2eeMlsGroup * group,
    gboolean enabled)
{
  g_return_if_fail (GST_E2EE_IS_MLS_GROUP (group));

  g_object_set (group, "ratchet-tree-extension", enabled, NULL);
}

/**
 * gst_e2ee_mls_group_get_ratchet_tree_extension:
 * @group: a #GstE2eeMlsGroup
 *
 * Returns: #GstE2eeMlsGroup:ratchet-tree-extension.
 *
 * Since: 0.1
 */
gboolean
gst_e2ee_mls_group_get_ratchet_tree_extension (GstE2eeMlsGroup * group)
{
  g_return_val_if_fail (GST_E2EE_IS_MLS_GROUP (group), FALSE);

  return group->ratchet_tree_extension;
}

/**
 * gst_e2ee_mls_group_set_membership_proposals:
 * @group: a #GstE2eeMlsGroup
 * @accept: whether Add and Remove proposals from other members are taken
 *
 * Sets #GstE2eeMlsGroup:membership-proposals.
 *
 * Since: 0.1
 */
void
gst_e2ee_mls_group_set_membership_proposals (GstE2eeMlsGroup * group, gboolean accept)
{
  g_return_if_fail (GST_E2EE_IS_MLS_GROUP (group));

  g_object_set (group, "membership-proposals", accept, NULL);
}

/**
 * gst_e2ee_mls_group_get_membership_proposals:
 * @group: a #GstE2eeMlsGroup
 *
 * Returns: #GstE2eeMlsGroup:membership-proposals.
 *
 * Since: 0.1
 */
gboolean
gst_e2ee_mls_group_get_membership_proposals (GstE2eeMlsGroup * group)
{
  g_return_val_if_fail (GST_E2EE_IS_MLS_GROUP (group), TRUE);

  return group->membership_proposals;
}

/**
 * gst_e2ee_mls_group_set_committer:
 * @group: a #GstE2eeMlsGroup
 * @leaf_index: the only leaf whose commits are applied, or %G_MAXUINT32 for any
 *
 * Sets #GstE2eeMlsGroup:committer.
 *
 * Since: 0.1
 */
void
gst_e2ee_mls_group_set_committer (GstE2eeMlsGroup * group, guint32 leaf_index)
{
  g_return_if_fail (GST_E2EE_IS_MLS_GROUP (group));

  g_object_set (group, "committer", leaf_index, NULL);
}

/**
 * gst_e2ee_mls_group_get_committer:
 * @group: a #GstE2eeMlsGroup
 *
 * Returns: #GstE2eeMlsGroup:committer.
 *
 * Since: 0.1
 */
guint32
gst_e2ee_mls_group_get_committer (GstE2eeMlsGroup * group)
{
  g_return_val_if_fail (GST_E2EE_IS_MLS_GROUP (group), G_MAXUINT32);

  return group->committer;
}
