/* gst-e2ee: the MLS group state machine (RFC 9420 §11-§12).
 *
 * A state is one member's view of one epoch: the ratchet tree and the private keys
 * this member holds in it, the group context (tree hash, transcript hashes), the
 * epoch's secrets and secret tree, and the proposals received in the epoch.
 *
 * Atomicity: a commit, whether made here or received, is computed into a new state
 * built beside the current one (a copy of the tree and of the private keys); only
 * when every check has passed are the two swapped, and the superseded one freed,
 * which wipes its secrets (epoch secrets, secret tree, private keys). A failure frees
 * the new state and leaves the current one as it was. The one exception is a
 * PrivateMessage: once its ciphertext has opened, it has used up its generation in
 * the secret tree, so the same ciphertext cannot be replayed even if its signature
 * then fails. One that does not open (a flipped bit) leaves the generation for the
 * genuine message.
 *
 * Out of scope, refused with GST_E2EE_MLS_ERROR_UNSUPPORTED: PSKs (a PreSharedKey
 * proposal, a Welcome naming PSKs), external commits and ExternalInit, ReInit,
 * GroupContextExtensions proposals, external senders (the sender types external and
 * new_member, the external_senders extension).
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "gste2eemlsstate.h"
#include "gste2eemlscommit.h"
#include "gste2eemlscrypto.h"
#include "gste2eemlserror.h"
#include "gste2eemlsframing.h"
#include "gste2eemlsgroupinfo.h"
#include "gste2eemlsmessage.h"
#include "gste2eemlssecrettree.h"
#include "gste2eemlstranscript.h"
#include "gste2eemlstreekem.h"
#include "gste2eemlstreemath.h"
#include "gste2eemlswelcome.h"
#include "gste2eehpke.h"

#include <string.h>
#include <openssl/crypto.h>

/* A key package's leaf is valid for this long from when it is made (§10). */
#define LIFETIME_BEFORE (60 * 60)
#define LIFETIME_AFTER (90 * 24 * 60 * 60)

/* A proposal received (or sent) in this epoch, until a commit covers it. */
typedef struct
{
  GstE2eeMlsProposal proposal;
  guint32 sender;
  guint8 ref[GST_E2EE_MLS_MAX_HASH];
  /* An Update of our own: the private key of its leaf's encryption key. */
  guint8 leaf_priv[GST_E2EE_MLS_MAX_KEM_KEY];
  gboolean has_leaf_priv;
} Pending;

struct _GstE2eeMlsState
{
  const GstE2eeMlsSuite *suite;
  guint8 *group_id;
  gsize group_id_len;
  guint64 epoch;
  GstE2eeMlsTree *tree;
  GstE2eeMlsTreePrivate *priv;
  guint8 tree_hash[GST_E2EE_MLS_MAX_HASH];
  guint8 confirmed[GST_E2EE_MLS_MAX_HASH];
  gsize confirmed_len;
  guint8 interim[GST_E2EE_MLS_MAX_HASH];
  guint8 confirmation_tag[GST_E2EE_MLS_MAX_HASH];
  guint8 *extensions;
  gsize extensions_len;
  /* The encoded GroupContext of the epoch. */
  GByteArray *gc;
  GstE2eeMlsEpochSecrets *secrets;
  GstE2eeMlsSecretTree *secret_tree;
  guint32 own_leaf;
  guint8 sig_sk[GST_E2EE_MLS_MAX_HASH];
  gsize sig_sk_len;
  GPtrArray *pending;
  gboolean active;
  gboolean check_lifetimes;
  gboolean membership_proposals;
  guint32 committer;
};

static gboolean
fail (GError ** error, gint code, const gchar * message)
{
  g_set_error_literal (error, GST_E2EE_MLS_ERROR, code, message);
  return FALSE;
}

static void
pending_free (gpointer data)
{
  Pending *p = data;

  gst_e2ee_mls_proposal_clear (&p->proposal);
  OPENSSL_cleanse (p->leaf_priv, sizeof p->leaf_priv);
  g_free (p);
}

static GstE2eeMlsState *
state_new (const GstE2eeMlsSuite * s)
{
  GstE2eeMlsState *st = g_new0 (GstE2eeMlsState, 1);

  st->suite = s;
  st->gc = g_byte_array_new ();
  st->pending = g_ptr_array_new_with_free_func (pending_free);
  st->active = TRUE;
  st->check_lifetimes = TRUE;
  st->membership_proposals = TRUE;
  st->committer = G_MAXUINT32;
  return st;
}

/* Wipes every secret of the epoch: after this the state can still list its members
 * but export, protect or open nothing. */
static void
wipe_epoch (GstE2eeMlsState * st)
{
  if (st->secrets != NULL) {
    gst_e2ee_mls_epoch_secrets_clear (st->secrets);
    g_free (st->secrets);
    st->secrets = NULL;
  }
  g_clear_pointer (&st->secret_tree, gst_e2ee_mls_secret_tree_free);
  g_clear_pointer (&st->priv, gst_e2ee_mls_tree_private_free);
  g_ptr_array_set_size (st->pending, 0);
}

void
gst_e2ee_mls_state_free (GstE2eeMlsState * st)
{
  if (st == NULL)
    return;
  wipe_epoch (st);
  g_ptr_array_unref (st->pending);
  g_clear_pointer (&st->tree, gst_e2ee_mls_tree_free);
  g_free (st->group_id);
  g_free (st->extensions);
  g_byte_array_unref (st->gc);
  OPENSSL_cleanse (st->sig_sk, sizeof st->sig_sk);
  OPENSSL_cleanse (st->confirmation_tag, sizeof st->confirmation_tag);
  g_free (st);
}

/* Puts next's contents into st and st's into next, which the caller then frees. */
static void
state_swap (GstE2eeMlsState * st, GstE2eeMlsState * next)
{
  GstE2eeMlsState tmp = *st;

  *st = *next;
  *next = tmp;
  OPENSSL_cleanse (&tmp, sizeof tmp);
}

void
gst_e2ee_mls_state_set_check_lifetimes (GstE2eeMlsState * st, gboolean check)
{
  st->check_lifetimes = check;
}

void
gst_e2ee_mls_state_set_membership_proposals (GstE2eeMlsState * st, gboolean accept)
{
  st->membership_proposals = accept;
}

void
gst_e2ee_mls_state_set_committer (GstE2eeMlsState * st, guint32 leaf)
{
  st->committer = leaf;
}

static guint64
now_for (const GstE2eeMlsState * st)
{
  return st->check_lifetimes ? (guint64) (g_get_real_time () / G_USEC_PER_SEC) : 0;
}

static void
fill_gc (const GstE2eeMlsState * st, guint64 epoch, const guint8 * tree_hash,
    const guint8 * confirmed, gsize confirmed_len, GstE2eeMlsGroupContext * gc)
{
  gc->cipher_suite = st->suite->id;
  gc->group_id = st->group_id;
  gc->group_id_len = st->group_id_len;
  gc->epoch = epoch;
  gc->tree_hash = tree_hash;
  gc->tree_hash_len = st->suite->nh;
  gc->confirmed_transcript_hash = confirmed;
  gc->confirmed_transcript_hash_len = confirmed_len;
  gc->extensions = st->extensions;
  gc->extensions_len = st->extensions_len;
}

static gboolean
encode_gc (GstE2eeMlsState * st, GError ** error)
{
  GstE2eeMlsGroupContext gc;

  fill_gc (st, st->epoch, st->tree_hash, st->confirmed, st->confirmed_len, &gc);
  g_byte_array_set_size (st->gc, 0);
  return gst_e2ee_mls_group_context_encode (&gc, st->gc, error);
}

static void
current_gc (const GstE2eeMlsState * st, GstE2eeMlsGroupContext * gc)
{
  fill_gc (st, st->epoch, st->tree_hash, st->confirmed, st->confirmed_len, gc);
}

static gboolean
check_active (const GstE2eeMlsState * st, GError ** error)
{
  if (!st->active)
    return fail (error, GST_E2EE_MLS_ERROR_NOT_A_MEMBER,
        "this member was removed from the group");
  return TRUE;
}

void
gst_e2ee_mls_state_default_leaf (GstE2eeMlsLeafNodeFields * f, const guint8 * identity,
    gsize identity_len, const guint8 * signature_key, gsize signature_key_len)
{
  static const guint16 versions[] = { GST_E2EE_MLS_PROTOCOL_VERSION_MLS10 };
  static const guint16 suites[] = { 1 };
  static const guint16 credentials[] = { GST_E2EE_MLS_CREDENTIAL_BASIC };
  guint64 now = (guint64) (g_get_real_time () / G_USEC_PER_SEC);

  memset (f, 0, sizeof *f);
  f->signature_key = signature_key;
  f->signature_key_len = signature_key_len;
  f->identity = identity;
  f->identity_len = identity_len;
  f->versions = versions;
  f->n_versions = G_N_ELEMENTS (versions);
  f->cipher_suites = suites;
  f->n_cipher_suites = G_N_ELEMENTS (suites);
  f->credential_types = credentials;
  f->n_credential_types = G_N_ELEMENTS (credentials);
  f->source = GST_E2EE_MLS_LEAF_NODE_SOURCE_KEY_PACKAGE;
  f->not_before = now > LIFETIME_BEFORE ? now - LIFETIME_BEFORE : 0;
  f->not_after = now + LIFETIME_AFTER;
}

/* A fresh HPKE key pair from random bytes. */
static gboolean
random_kem_pair (const GstE2eeMlsSuite * s, guint8 * sk, guint8 * pk, GError ** error)
{
  guint8 ikm[GST_E2EE_MLS_MAX_HASH];
  gboolean ok;

  ok = gst_e2ee_mls_random (ikm, s->nh, error)
      && gst_e2ee_hpke_derive_key_pair (s, ikm, s->nh, sk, pk, error);
  OPENSSL_cleanse (ikm, sizeof ikm);
  return ok;
}

/* The epoch's secret tree and the interim transcript hash, once secrets, confirmed
 * and confirmation_tag are set. */
static gboolean
finish_epoch (GstE2eeMlsState * st, GError ** error)
{
  const GstE2eeMlsSuite *s = st->suite;

  if (!gst_e2ee_mls_transcript_interim (s, st->confirmed, st->confirmed_len,
          st->confirmation_tag, s->nh, st->interim, error))
    return FALSE;
  st->secret_tree = gst_e2ee_mls_secret_tree_new (s, st->secrets->encryption_secret,
      st->tree->n_leaves, error);
  return st->secret_tree != NULL;
}

GstE2eeMlsState *
gst_e2ee_mls_state_create (const GstE2eeMlsSuite * s, const guint8 * group_id,
    gsize group_id_len, const guint8 * identity, gsize identity_len,
    const guint8 * sig_sk, gsize sig_sk_len, GError ** error)
{
  GstE2eeMlsState *st;
  GstE2eeMlsLeafNodeFields f;
  GstE2eeMlsLeafNode *leaf = NULL;
  guint8 sig_pk[GST_E2EE_MLS_MAX_KEM_KEY], enc_sk[GST_E2EE_MLS_MAX_KEM_KEY];
  guint8 enc_pk[GST_E2EE_MLS_MAX_KEM_KEY], init_secret[GST_E2EE_MLS_MAX_HASH];
  gboolean ok = FALSE;

  if (sig_sk_len != s->sig_nsk || sig_sk_len > sizeof st->sig_sk) {
    fail (error, GST_E2EE_MLS_ERROR_INVALID_ARGUMENT, "wrong signature key size");
    return NULL;
  }
  st = state_new (s);
  st->group_id = g_memdup2 (group_id, group_id_len);
  st->group_id_len = group_id_len;
  memcpy (st->sig_sk, sig_sk, sig_sk_len);
  st->sig_sk_len = sig_sk_len;
  st->tree = gst_e2ee_mls_tree_new (s);

  if (!gst_e2ee_mls_sign_public_key (s, sig_sk, sig_sk_len, sig_pk, error)
      || !random_kem_pair (s, enc_sk, enc_pk, error))
    goto done;
  gst_e2ee_mls_state_default_leaf (&f, identity, identity_len, sig_pk, s->sig_npk);
  f.encryption_key = enc_pk;
  f.encryption_key_len = s->npk;
  leaf = gst_e2ee_mls_leaf_node_new_signed (s, &f, sig_sk, sig_sk_len, group_id,
      group_id_len, 0, error);
  if (leaf == NULL)
    goto done;
  st->own_leaf = gst_e2ee_mls_tree_add_leaf (st->tree, leaf);
  st->priv = gst_e2ee_mls_tree_private_new (s, st->own_leaf, enc_sk, s->nsk);

  /* §11: epoch 0 from a random init secret, no commit secret, an empty confirmed
   * transcript hash; the interim one from the tag of epoch 0. */
  st->secrets = g_new0 (GstE2eeMlsEpochSecrets, 1);
  if (!gst_e2ee_mls_tree_root_hash (st->tree, st->tree_hash, error)
      || !encode_gc (st, error)
      || !gst_e2ee_mls_random (init_secret, s->nh, error)
      || !gst_e2ee_mls_key_schedule_next (s, init_secret, NULL, NULL, st->gc->data,
          st->gc->len, st->secrets, error)
      || !gst_e2ee_mls_confirmation_tag (st->secrets, st->confirmed, 0,
          st->confirmation_tag, error)
      || !finish_epoch (st, error))
    goto done;
  ok = TRUE;

done:
  OPENSSL_cleanse (enc_sk, sizeof enc_sk);
  OPENSSL_cleanse (init_secret, sizeof init_secret);
  if (leaf != NULL)
    gst_e2ee_mls_leaf_node_unref (leaf);
  if (!ok) {
    gst_e2ee_mls_state_free (st);
    return NULL;
  }
  return st;
}

/* RFC 9420 Appendix C: the lowest common ancestor of two nodes. */
static guint32
common_ancestor (guint32 x, guint32 y)
{
  guint k = 0;

  while (x != y) {
    x >>= 1;
    y >>= 1;
    k++;
  }
  return k == 0 ? x : (x << k) + (1u << (k - 1)) - 1;
}

/* What a joiner checks of the group context's extensions: none this engine refuses. */
static gboolean
check_gc_extensions (const guint8 * ext, gsize len, GError ** error)
{
  const guint8 *data;
  gsize data_len;

  if (!gst_e2ee_mls_extensions_check (ext, len, error))
    return FALSE;
  if (gst_e2ee_mls_extensions_find (ext, len, GST_E2EE_MLS_EXTENSION_EXTERNAL_SENDERS,
          &data, &data_len))
    return fail (error, GST_E2EE_MLS_ERROR_UNSUPPORTED,
        "the group has external senders, which this engine does not support");
  return TRUE;
}

GstE2eeMlsState *
gst_e2ee_mls_state_join (const guint8 * welcome, gsize welcome_len,
    const guint8 * ratchet_tree, gsize tree_len,
    const GstE2eeMlsJoinCandidate * candidates, guint n_candidates,
    const guint8 * sig_sk, gsize sig_sk_len, guint * used, GError ** error)
{
  GstE2eeMlsMessage m;
  GstE2eeMlsState *st = NULL;
  const GstE2eeMlsSuite *s;
  const GstE2eeMlsEncryptedGroupSecrets *egs = NULL;
  const GstE2eeMlsJoinCandidate *cand = NULL;
  GstE2eeMlsGroupSecrets gs = { 0 };
  GstE2eeMlsGroupInfo gi;
  guint8 *gs_plain = NULL, *gi_plain = NULL;
  gsize gs_len = 0, gi_len = 0;
  guint8 ref[GST_E2EE_MLS_MAX_HASH], key[GST_E2EE_MLS_MAX_KEY];
  guint8 nonce[GST_E2EE_MLS_MAX_NONCE];
  const guint8 *tree_data;
  gsize tree_data_len;
  const GstE2eeMlsLeafNode *signer;
  guint i, j;
  gboolean ok = FALSE;

  memset (&gi, 0, sizeof gi);
  gst_e2ee_mls_message_init (&m);
  if (!gst_e2ee_mls_message_decode (&m, welcome, welcome_len, error))
    goto done;
  if (m.wire_format != GST_E2EE_MLS_WIRE_FORMAT_WELCOME) {
    fail (error, GST_E2EE_MLS_ERROR_WIRE_FORMAT, "the message is not a Welcome");
    goto done;
  }
  s = gst_e2ee_mls_suite_lookup (m.welcome.cipher_suite, error);
  if (s == NULL)
    goto done;

  /* The entry for one of our key packages (§12.4.3.1). */
  for (i = 0; egs == NULL && i < n_candidates; i++) {
    if (candidates[i].key_package->cipher_suite != s->id
        || !gst_e2ee_mls_key_package_ref_hash (s, candidates[i].key_package, ref, error))
      continue;
    for (j = 0; j < m.welcome.secrets->len; j++) {
      const GstE2eeMlsEncryptedGroupSecrets *e =
          &g_array_index (m.welcome.secrets, GstE2eeMlsEncryptedGroupSecrets, j);

      if (e->new_member_len == s->nh && memcmp (e->new_member, ref, s->nh) == 0) {
        egs = e;
        cand = &candidates[i];
        *used = i;
        break;
      }
    }
  }
  if (egs == NULL) {
    fail (error, GST_E2EE_MLS_ERROR_NO_MATCHING_KEY_PACKAGE,
        "the Welcome is for none of this client's key packages");
    goto done;
  }
  /* Our signature key must be the one our leaf names, or we could not sign. */
  if (sig_sk_len != s->sig_nsk
      || !gst_e2ee_mls_sign_public_key (s, sig_sk, sig_sk_len, ref, error)
      || cand->key_package->leaf_node->signature_key_len != s->sig_npk
      || memcmp (ref, cand->key_package->leaf_node->signature_key, s->sig_npk) != 0) {
    g_clear_error (error);
    fail (error, GST_E2EE_MLS_ERROR_INVALID_ARGUMENT,
        "the signature key is not the one of the key package's leaf");
    goto done;
  }

  gs_plain = gst_e2ee_mls_group_secrets_open (s, cand->priv->init_priv,
      cand->priv->priv_len, m.welcome.encrypted_group_info,
      m.welcome.encrypted_group_info_len, egs, &gs_len, error);
  if (gs_plain == NULL || !gst_e2ee_mls_group_secrets_decode (&gs, gs_plain, gs_len, error))
    goto done;
  if (gs.psks_len != 0) {
    fail (error, GST_E2EE_MLS_ERROR_UNSUPPORTED,
        "the Welcome needs pre-shared keys, which this engine does not support");
    goto done;
  }
  if (gs.joiner_secret_len != s->nh
      || (gs.has_path_secret && gs.path_secret_len != s->nh)) {
    fail (error, GST_E2EE_MLS_ERROR_DECODE, "a group secret has the wrong size");
    goto done;
  }

  if (m.welcome.encrypted_group_info_len < GST_E2EE_MLS_AEAD_TAG) {
    fail (error, GST_E2EE_MLS_ERROR_DECRYPT, "the encrypted GroupInfo is too short");
    goto done;
  }
  gi_len = m.welcome.encrypted_group_info_len - GST_E2EE_MLS_AEAD_TAG;
  gi_plain = g_malloc (gi_len + 1);
  if (!gst_e2ee_mls_welcome_key_nonce (s, gs.joiner_secret, NULL, key, nonce, error)
      || !gst_e2ee_mls_aead_open (s, key, nonce, NULL, 0,
          m.welcome.encrypted_group_info, m.welcome.encrypted_group_info_len, gi_plain,
          error)
      || !gst_e2ee_mls_group_info_decode (&gi, gi_plain, gi_len, error))
    goto done;
  if (gi.group_context.cipher_suite != s->id) {
    fail (error, GST_E2EE_MLS_ERROR_UNSUPPORTED_SUITE,
        "the GroupInfo's cipher suite is not the Welcome's");
    goto done;
  }
  if (gi.group_context.tree_hash_len != s->nh
      || gi.group_context.confirmed_transcript_hash_len != s->nh
      || gi.confirmation_tag_len != s->nh) {
    fail (error, GST_E2EE_MLS_ERROR_DECODE, "a GroupInfo hash has the wrong size");
    goto done;
  }
  if (!check_gc_extensions (gi.group_context.extensions,
          gi.group_context.extensions_len, error))
    goto done;

  st = state_new (s);
  st->group_id = g_memdup2 (gi.group_context.group_id, gi.group_context.group_id_len);
  st->group_id_len = gi.group_context.group_id_len;
  st->epoch = gi.group_context.epoch;
  st->extensions = g_memdup2 (gi.group_context.extensions,
      gi.group_context.extensions_len);
  st->extensions_len = gi.group_context.extensions_len;
  memcpy (st->confirmed, gi.group_context.confirmed_transcript_hash, s->nh);
  st->confirmed_len = s->nh;
  memcpy (st->sig_sk, sig_sk, sig_sk_len);
  st->sig_sk_len = sig_sk_len;

  /* The tree: from the extension, else given out of band (§12.4.3.3). */
  if (gst_e2ee_mls_extensions_find (gi.extensions, gi.extensions_len,
          GST_E2EE_MLS_EXTENSION_RATCHET_TREE, &tree_data, &tree_data_len)) {
    st->tree = gst_e2ee_mls_tree_decode (s, tree_data, tree_data_len, error);
  } else if (ratchet_tree != NULL) {
    st->tree = gst_e2ee_mls_tree_decode (s, ratchet_tree, tree_len, error);
  } else {
    fail (error, GST_E2EE_MLS_ERROR_MISSING_RATCHET_TREE,
        "the Welcome has no ratchet_tree extension and no tree was given");
    goto done;
  }
  if (st->tree == NULL)
    goto done;

  signer = gst_e2ee_mls_tree_get_leaf (st->tree, gi.signer);
  if (signer == NULL) {
    fail (error, GST_E2EE_MLS_ERROR_UNKNOWN_SENDER,
        "the GroupInfo's signer is not a member of its tree");
    goto done;
  }
  if (!gst_e2ee_mls_group_info_verify (s, signer->signature_key,
          signer->signature_key_len, &gi, error))
    goto done;
  if (!gst_e2ee_mls_tree_root_hash (st->tree, st->tree_hash, error))
    goto done;
  if (CRYPTO_memcmp (st->tree_hash, gi.group_context.tree_hash, s->nh) != 0) {
    fail (error, GST_E2EE_MLS_ERROR_BAD_TREE_HASH,
        "the ratchet tree does not hash to the GroupInfo's tree hash");
    goto done;
  }
  if (!gst_e2ee_mls_tree_validate (st->tree, st->group_id, st->group_id_len, error))
    goto done;

  /* Our leaf: the one holding our key package's leaf node. */
  for (i = 0; i < st->tree->n_leaves; i++) {
    const GstE2eeMlsLeafNode *l = gst_e2ee_mls_tree_get_leaf (st->tree, i);

    if (l != NULL && gst_e2ee_mls_leaf_node_equal (l, cand->key_package->leaf_node))
      break;
  }
  if (i == st->tree->n_leaves) {
    fail (error, GST_E2EE_MLS_ERROR_INVALID_TREE,
        "the tree does not hold this client's leaf node");
    goto done;
  }
  st->own_leaf = i;
  st->priv = gst_e2ee_mls_tree_private_new (s, i, cand->priv->encryption_priv,
      cand->priv->priv_len);
  if (gs.has_path_secret
      && !gst_e2ee_mls_tree_private_set_path_secrets_from (st->priv, st->tree,
          gi.signer, common_ancestor (2 * st->own_leaf, 2 * gi.signer),
          gs.path_secret, error))
    goto done;

  st->secrets = g_new0 (GstE2eeMlsEpochSecrets, 1);
  if (!encode_gc (st, error)
      || !gst_e2ee_mls_key_schedule_epoch (s, gs.joiner_secret, NULL, st->gc->data,
          st->gc->len, st->secrets, error)
      || !gst_e2ee_mls_confirmation_tag_verify (st->secrets, st->confirmed,
          st->confirmed_len, gi.confirmation_tag, gi.confirmation_tag_len, error))
    goto done;
  memcpy (st->confirmation_tag, gi.confirmation_tag, s->nh);
  ok = finish_epoch (st, error);

done:
  OPENSSL_cleanse (key, sizeof key);
  OPENSSL_cleanse (nonce, sizeof nonce);
  gst_e2ee_mls_secret_free (gs_plain, gs_len);
  gst_e2ee_mls_secret_free (gi_plain, gi_len);
  gst_e2ee_mls_message_clear (&m);
  if (!ok) {
    gst_e2ee_mls_state_free (st);
    return NULL;
  }
  return st;
}

/* ------------------------------------------------------------------------ */
/* Signing and sending handshake messages */

static void
content_init (const GstE2eeMlsState * st, GstE2eeMlsAuthenticatedContent * ac,
    guint16 wire_format, guint8 content_type, const guint8 * content, gsize len)
{
  memset (ac, 0, sizeof *ac);
  ac->wire_format = wire_format;
  ac->group_id = st->group_id;
  ac->group_id_len = st->group_id_len;
  ac->epoch = st->epoch;
  ac->sender_type = GST_E2EE_MLS_SENDER_MEMBER;
  ac->sender_index = st->own_leaf;
  ac->content_type = content_type;
  ac->content = content;
  ac->content_len = len;
}

static gboolean
proposal_ref (const GstE2eeMlsSuite * s, const GstE2eeMlsAuthenticatedContent * ac,
    guint8 * ref, GError ** error)
{
  GByteArray *w = g_byte_array_new ();
  gboolean ok;

  ok = gst_e2ee_mls_authenticated_content_encode (ac, w, error)
      && gst_e2ee_mls_ref_hash (s, "MLS 1.0 Proposal Reference", w->data, w->len, ref,
      error);
  g_byte_array_unref (w);
  return ok;
}

/* Sends p as a PublicMessage and keeps it pending. Takes p's contents. */
static GBytes *
send_proposal (GstE2eeMlsState * st, Pending * pending, GError ** error)
{
  const GstE2eeMlsSuite *s = st->suite;
  GstE2eeMlsAuthenticatedContent ac;
  GstE2eeMlsGroupContext gc;
  GByteArray *body = g_byte_array_new (), *out = g_byte_array_new ();

  gst_e2ee_mls_proposal_write (&pending->proposal, body);
  current_gc (st, &gc);
  content_init (st, &ac, GST_E2EE_MLS_WIRE_FORMAT_PUBLIC_MESSAGE,
      GST_E2EE_MLS_CONTENT_PROPOSAL, body->data, body->len);
  if (!gst_e2ee_mls_content_sign (s, st->sig_sk, st->sig_sk_len, &gc, &ac, error)
      || !proposal_ref (s, &ac, pending->ref, error)
      || !gst_e2ee_mls_public_message_encode (s, &ac, &gc,
          st->secrets->membership_key, out, error)) {
    g_byte_array_unref (body);
    g_byte_array_unref (out);
    pending_free (pending);
    return NULL;
  }
  g_byte_array_unref (body);
  pending->sender = st->own_leaf;
  g_ptr_array_add (st->pending, pending);
  return g_byte_array_free_to_bytes (out);
}

/* Checks of one proposal on its own (§12.1), against the current tree. */
static gboolean
validate_proposal (const GstE2eeMlsState * st, const GstE2eeMlsProposal * p,
    guint32 sender, GError ** error)
{
  const GstE2eeMlsSuite *s = st->suite;

  switch (p->type) {
    case GST_E2EE_MLS_PROPOSAL_ADD:
      if (p->key_package->cipher_suite != s->id)
        return fail (error, GST_E2EE_MLS_ERROR_INVALID_KEY_PACKAGE,
            "the key package is for another cipher suite");
      return gst_e2ee_mls_key_package_verify (s, p->key_package, now_for (st), error);
    case GST_E2EE_MLS_PROPOSAL_UPDATE:
      if (gst_e2ee_mls_tree_get_leaf (st->tree, sender) == NULL)
        return fail (error, GST_E2EE_MLS_ERROR_UNKNOWN_SENDER,
            "an Update from a leaf that is not a member");
      return gst_e2ee_mls_leaf_node_validate (s, p->leaf_node,
          GST_E2EE_MLS_LEAF_NODE_SOURCE_UPDATE, st->group_id, st->group_id_len, sender,
          0, error);
    case GST_E2EE_MLS_PROPOSAL_REMOVE:
      if (gst_e2ee_mls_tree_get_leaf (st->tree, p->removed) == NULL) {
        g_set_error (error, GST_E2EE_MLS_ERROR, GST_E2EE_MLS_ERROR_INVALID_PROPOSAL,
            "a Remove of leaf %u, which is not a member", p->removed);
        return FALSE;
      }
      return TRUE;
    default:
      return fail (error, GST_E2EE_MLS_ERROR_UNSUPPORTED,
          "only Add, Update and Remove proposals are supported");
  }
}

GBytes *
gst_e2ee_mls_state_propose_add (GstE2eeMlsState * st, const guint8 * key_package,
    gsize len, GError ** error)
{
  Pending *p;

  if (!check_active (st, error))
    return NULL;
  p = g_new0 (Pending, 1);
  p->proposal.type = GST_E2EE_MLS_PROPOSAL_ADD;
  p->proposal.key_package = gst_e2ee_mls_key_package_decode_message (key_package, len,
      error);
  if (p->proposal.key_package == NULL
      || !validate_proposal (st, &p->proposal, st->own_leaf, error)) {
    pending_free (p);
    return NULL;
  }
  return send_proposal (st, p, error);
}

GBytes *
gst_e2ee_mls_state_propose_remove (GstE2eeMlsState * st, guint32 leaf, GError ** error)
{
  Pending *p;

  if (!check_active (st, error))
    return NULL;
  p = g_new0 (Pending, 1);
  p->proposal.type = GST_E2EE_MLS_PROPOSAL_REMOVE;
  p->proposal.removed = leaf;
  if (!validate_proposal (st, &p->proposal, st->own_leaf, error)) {
    pending_free (p);
    return NULL;
  }
  return send_proposal (st, p, error);
}

/* Our leaf's fields, to build a new leaf node from; storage freed by the caller. */
static const GstE2eeMlsLeafNode *
own_leaf_fields (const GstE2eeMlsState * st, GstE2eeMlsLeafNodeFields * f,
    guint16 ** storage)
{
  const GstE2eeMlsLeafNode *leaf = gst_e2ee_mls_tree_get_leaf (st->tree, st->own_leaf);

  gst_e2ee_mls_leaf_node_get_fields (leaf, f, storage);
  return leaf;
}

GBytes *
gst_e2ee_mls_state_propose_update (GstE2eeMlsState * st, GError ** error)
{
  const GstE2eeMlsSuite *s = st->suite;
  GstE2eeMlsLeafNodeFields f;
  guint16 *storage = NULL;
  guint8 pk[GST_E2EE_MLS_MAX_KEM_KEY];
  Pending *p;

  if (!check_active (st, error))
    return NULL;
  p = g_new0 (Pending, 1);
  p->proposal.type = GST_E2EE_MLS_PROPOSAL_UPDATE;
  own_leaf_fields (st, &f, &storage);
  if (random_kem_pair (s, p->leaf_priv, pk, error)) {
    f.encryption_key = pk;
    f.encryption_key_len = s->npk;
    f.source = GST_E2EE_MLS_LEAF_NODE_SOURCE_UPDATE;
    p->proposal.leaf_node = gst_e2ee_mls_leaf_node_new_signed (s, &f, st->sig_sk,
        st->sig_sk_len, st->group_id, st->group_id_len, st->own_leaf, error);
  }
  g_free (storage);
  if (p->proposal.leaf_node == NULL) {
    pending_free (p);
    return NULL;
  }
  p->has_leaf_priv = TRUE;
  return send_proposal (st, p, error);
}

guint
gst_e2ee_mls_state_n_pending (const GstE2eeMlsState * st)
{
  return st->pending->len;
}

/* ------------------------------------------------------------------------ */
/* Commits */

/* A proposal a commit covers, with its sender. */
typedef struct
{
  const GstE2eeMlsProposal *proposal;
  guint32 sender;
  const Pending *pending;
} Covered;

/* A copy of what carries over into the next epoch: group, tree, private keys. */
static GstE2eeMlsState *
state_next (const GstE2eeMlsState * st)
{
  GstE2eeMlsState *next = state_new (st->suite);

  next->group_id = g_memdup2 (st->group_id, st->group_id_len);
  next->group_id_len = st->group_id_len;
  next->epoch = st->epoch + 1;
  next->tree = gst_e2ee_mls_tree_copy (st->tree);
  next->priv = gst_e2ee_mls_tree_private_copy (st->priv);
  next->extensions = g_memdup2 (st->extensions, st->extensions_len);
  next->extensions_len = st->extensions_len;
  next->own_leaf = st->own_leaf;
  memcpy (next->sig_sk, st->sig_sk, sizeof st->sig_sk);
  next->sig_sk_len = st->sig_sk_len;
  next->check_lifetimes = st->check_lifetimes;
  next->membership_proposals = st->membership_proposals;
  next->committer = st->committer;
  return next;
}

static gboolean
touch_leaf (GArray * touched, guint32 leaf, GError ** error)
{
  guint i;

  for (i = 0; i < touched->len; i++) {
    if (g_array_index (touched, guint32, i) == leaf) {
      g_set_error (error, GST_E2EE_MLS_ERROR, GST_E2EE_MLS_ERROR_INVALID_PROPOSAL,
          "the commit updates or removes leaf %u twice", leaf);
      return FALSE;
    }
  }
  g_array_append_val (touched, leaf);
  return TRUE;
}

/* Validates the proposals of a commit by committer as a list (§12.2) and applies them
 * to next's tree in the order of §12.3: Updates, Removes, Adds. added receives the
 * leaf index of each Add (guint32), *own_removed whether our leaf is removed. */
static gboolean
apply_proposals (const GstE2eeMlsState * st, GstE2eeMlsState * next, GArray * covered,
    guint32 committer, GArray * added, gboolean * own_removed, GError ** error)
{
  GArray *touched = g_array_new (FALSE, FALSE, sizeof (guint32));
  const guint8 *own_update_priv = NULL;
  guint pass, i;
  gboolean ok = FALSE;

  *own_removed = FALSE;
  for (i = 0; i < covered->len; i++) {
    const Covered *c = &g_array_index (covered, Covered, i);

    if (!validate_proposal (st, c->proposal, c->sender, error))
      goto done;
    if (c->proposal->type == GST_E2EE_MLS_PROPOSAL_UPDATE) {
      if (c->sender == committer) {
        fail (error, GST_E2EE_MLS_ERROR_INVALID_PROPOSAL,
            "the commit covers an Update of its own committer");
        goto done;
      }
      if (!touch_leaf (touched, c->sender, error))
        goto done;
    } else if (c->proposal->type == GST_E2EE_MLS_PROPOSAL_REMOVE) {
      if (c->proposal->removed == committer) {
        fail (error, GST_E2EE_MLS_ERROR_INVALID_PROPOSAL,
            "the commit removes its own committer");
        goto done;
      }
      if (!touch_leaf (touched, c->proposal->removed, error))
        goto done;
    }
  }

  for (pass = 0; pass < 3; pass++) {
    static const guint16 order[] = { GST_E2EE_MLS_PROPOSAL_UPDATE,
      GST_E2EE_MLS_PROPOSAL_REMOVE, GST_E2EE_MLS_PROPOSAL_ADD
    };

    for (i = 0; i < covered->len; i++) {
      const Covered *c = &g_array_index (covered, Covered, i);
      guint32 leaf = G_MAXUINT32;

      if (c->proposal->type != order[pass])
        continue;
      if (!gst_e2ee_mls_proposal_apply (c->proposal, next->tree, c->sender, &leaf,
              error))
        goto done;
      if (c->proposal->type == GST_E2EE_MLS_PROPOSAL_ADD)
        g_array_append_val (added, leaf);
      else if (c->proposal->type == GST_E2EE_MLS_PROPOSAL_REMOVE
          && c->proposal->removed == st->own_leaf)
        *own_removed = TRUE;
      else if (c->proposal->type == GST_E2EE_MLS_PROPOSAL_UPDATE
          && c->sender == st->own_leaf) {
        if (c->pending == NULL || !c->pending->has_leaf_priv) {
          fail (error, GST_E2EE_MLS_ERROR_INVALID_PROPOSAL,
              "the commit covers an Update of our leaf that we did not send");
          goto done;
        }
        own_update_priv = c->pending->leaf_priv;
      }
    }
  }
  /* An Update of our leaf blanks its direct path: our only key is the new leaf's. */
  if (own_update_priv != NULL && !*own_removed) {
    gst_e2ee_mls_tree_private_free (next->priv);
    next->priv = gst_e2ee_mls_tree_private_new (st->suite, st->own_leaf,
        own_update_priv, st->suite->nsk);
  }
  ok = TRUE;

done:
  g_array_unref (touched);
  return ok;
}

/* §12.4: a path is needed unless the commit covers Adds only (and at least one). */
static gboolean
path_required (GArray * covered)
{
  guint i;

  if (covered->len == 0)
    return TRUE;
  for (i = 0; i < covered->len; i++) {
    if (g_array_index (covered, Covered, i).proposal->type != GST_E2EE_MLS_PROPOSAL_ADD)
      return TRUE;
  }
  return FALSE;
}

/* The provisional GroupContext (§12.4): next epoch and tree, current transcript. */
static gboolean
provisional_gc (const GstE2eeMlsState * st, GstE2eeMlsState * next, GByteArray * out,
    GError ** error)
{
  GstE2eeMlsGroupContext gc;

  if (!gst_e2ee_mls_tree_root_hash (next->tree, next->tree_hash, error))
    return FALSE;
  fill_gc (st, next->epoch, next->tree_hash, st->confirmed, st->confirmed_len, &gc);
  return gst_e2ee_mls_group_context_encode (&gc, out, error);
}

/* From the signed commit content on: transcript, group context, key schedule. With
 * tag NULL the confirmation tag is computed into next, else checked against it. */
static gboolean
advance_epoch (const GstE2eeMlsState * st, GstE2eeMlsState * next,
    const GstE2eeMlsAuthenticatedContent * ac, const guint8 * commit_secret,
    const guint8 * tag, gsize tag_len, GError ** error)
{
  const GstE2eeMlsSuite *s = st->suite;
  GByteArray *w = g_byte_array_new ();
  gboolean ok;

  gst_e2ee_mls_write_fixed (w, st->interim, s->nh);
  ok = gst_e2ee_mls_confirmed_transcript_input (ac, w, error)
      && gst_e2ee_mls_hash (s, w->data, w->len, next->confirmed, error);
  g_byte_array_unref (w);
  if (!ok)
    return FALSE;
  next->confirmed_len = s->nh;
  next->secrets = g_new0 (GstE2eeMlsEpochSecrets, 1);
  if (!encode_gc (next, error)
      || !gst_e2ee_mls_key_schedule_next (s, st->secrets->init_secret, commit_secret,
          NULL, next->gc->data, next->gc->len, next->secrets, error))
    return FALSE;
  if (tag == NULL) {
    if (!gst_e2ee_mls_confirmation_tag (next->secrets, next->confirmed, s->nh,
            next->confirmation_tag, error))
      return FALSE;
  } else {
    if (!gst_e2ee_mls_confirmation_tag_verify (next->secrets, next->confirmed, s->nh,
            tag, tag_len, error))
      return FALSE;
    memcpy (next->confirmation_tag, tag, s->nh);
  }
  if (!finish_epoch (next, error))
    return FALSE;
  gst_e2ee_mls_tree_private_prune (next->priv, next->tree);
  return TRUE;
}

/* MLSMessage(GroupInfo) body for st's epoch into w. */
static gboolean
write_group_info (const GstE2eeMlsState * st, gboolean with_ratchet_tree, GByteArray * w,
    GError ** error)
{
  const GstE2eeMlsSuite *s = st->suite;
  GstE2eeMlsGroupInfo gi;
  GByteArray *ext = g_byte_array_new (), *tree = g_byte_array_new ();
  guint8 sig[GST_E2EE_MLS_MAX_SIGNATURE];
  gboolean ok = TRUE;

  memset (&gi, 0, sizeof gi);
  current_gc (st, &gi.group_context);
  if (with_ratchet_tree) {
    gst_e2ee_mls_write_u16 (ext, GST_E2EE_MLS_EXTENSION_RATCHET_TREE);
    ok = gst_e2ee_mls_tree_encode (st->tree, tree, error)
        && gst_e2ee_mls_write_opaque (ext, tree->data, tree->len, error);
  }
  gi.extensions = ext->data;
  gi.extensions_len = ext->len;
  gi.confirmation_tag = st->confirmation_tag;
  gi.confirmation_tag_len = s->nh;
  gi.signer = st->own_leaf;
  ok = ok && gst_e2ee_mls_group_info_sign (s, st->sig_sk, st->sig_sk_len, &gi, sig,
      error);
  gi.signature = sig;
  gi.signature_len = s->sig_len;
  ok = ok && gst_e2ee_mls_group_info_encode (&gi, w, error);
  g_byte_array_unref (ext);
  g_byte_array_unref (tree);
  return ok;
}

/* The Welcome of a commit by next's member (now at the new epoch) for the leaves in
 * added, whose key packages are key_packages (same order), with the commit's path
 * secrets. */
static GBytes *
make_welcome (GstE2eeMlsState * next, GArray * added, GPtrArray * key_packages,
    const GstE2eeMlsPathSecrets * ps, gboolean with_ratchet_tree, GError ** error)
{
  const GstE2eeMlsSuite *s = next->suite;
  GByteArray *gi = g_byte_array_new (), *out = NULL, *storage = g_byte_array_new ();
  GByteArray *gs_buf = g_byte_array_new ();
  GstE2eeMlsWelcome welcome;
  guint8 key[GST_E2EE_MLS_MAX_KEY], nonce[GST_E2EE_MLS_MAX_NONCE];
  guint8 *egi = NULL;
  gsize egi_len = 0, per_member;
  guint i;
  gboolean ok = FALSE;

  gst_e2ee_mls_welcome_init (&welcome);
  welcome.cipher_suite = s->id;
  if (!write_group_info (next, with_ratchet_tree, gi, error)
      || !gst_e2ee_mls_welcome_key_nonce (s, next->secrets->joiner_secret, NULL, key,
          nonce, error))
    goto done;
  egi_len = gi->len + GST_E2EE_MLS_AEAD_TAG;
  egi = g_malloc (egi_len);
  if (!gst_e2ee_mls_aead_seal (s, key, nonce, NULL, 0, gi->data, gi->len, egi, error))
    goto done;
  welcome.encrypted_group_info = egi;
  welcome.encrypted_group_info_len = egi_len;

  /* Each member's ref, kem_output and ciphertext live in storage, sized up front so
   * that the pointers into it stay valid. */
  per_member = s->nh + s->npk + 2 * s->nh + 16 + GST_E2EE_MLS_AEAD_TAG;
  g_byte_array_set_size (storage, (guint) (per_member * added->len));
  for (i = 0; i < added->len; i++) {
    guint32 leaf = g_array_index (added, guint32, i);
    guint8 *slot = storage->data + per_member * i;
    GstE2eeMlsEncryptedGroupSecrets e;
    GstE2eeMlsGroupSecrets gs = { 0 };
    GstE2eeMlsKeyPackage *kp = g_ptr_array_index (key_packages, i);

    gs.joiner_secret = next->secrets->joiner_secret;
    gs.joiner_secret_len = s->nh;
    gs.path_secret = ps != NULL ? gst_e2ee_mls_path_secrets_get (ps,
        common_ancestor (2 * next->own_leaf, 2 * leaf)) : NULL;
    gs.has_path_secret = gs.path_secret != NULL;
    gs.path_secret_len = s->nh;
    g_byte_array_set_size (gs_buf, 0);
    if (!gst_e2ee_mls_group_secrets_encode (&gs, gs_buf, error))
      goto done;
    g_assert (gs_buf->len <= 2 * s->nh + 16);
    e.new_member = slot;
    e.new_member_len = s->nh;
    e.kem_output = slot + s->nh;
    e.kem_output_len = s->npk;
    e.ciphertext = slot + s->nh + s->npk;
    e.ciphertext_len = gs_buf->len + GST_E2EE_MLS_AEAD_TAG;
    ok = gst_e2ee_mls_key_package_ref_hash (s, kp, slot, error)
        && gst_e2ee_mls_group_secrets_seal (s, kp->init_key, kp->init_key_len, egi,
        egi_len, gs_buf->data, gs_buf->len, slot + s->nh, slot + s->nh + s->npk, error);
    OPENSSL_cleanse (gs_buf->data, gs_buf->len);
    if (!ok)
      goto done;
    g_array_append_val (welcome.secrets, e);
  }
  out = g_byte_array_new ();
  gst_e2ee_mls_message_write_header (out, GST_E2EE_MLS_WIRE_FORMAT_WELCOME);
  ok = gst_e2ee_mls_welcome_encode (&welcome, out, error);

done:
  OPENSSL_cleanse (key, sizeof key);
  OPENSSL_cleanse (nonce, sizeof nonce);
  gst_e2ee_mls_welcome_clear (&welcome);
  g_byte_array_unref (gi);
  g_byte_array_unref (storage);
  g_byte_array_unref (gs_buf);
  g_free (egi);
  if (!ok) {
    if (out != NULL)
      g_byte_array_unref (out);
    return NULL;
  }
  return g_byte_array_free_to_bytes (out);
}

/* The leaf a pending Update or Remove applies to, or G_MAXUINT32. */
static guint32
pending_leaf (const Pending * p)
{
  if (p->proposal.type == GST_E2EE_MLS_PROPOSAL_UPDATE)
    return p->sender;
  if (p->proposal.type == GST_E2EE_MLS_PROPOSAL_REMOVE)
    return p->proposal.removed;
  return G_MAXUINT32;
}

/* Whether our commit covers pending proposal @i. A list that updates or removes a
 * leaf twice, removes its committer or covers the committer's own Update is
 * invalid (§12.2), and pending proposals can make one: a member's two Updates in
 * one batch, an Update from a member we now remove, another member's Remove of
 * us. Taking them all would make every later commit fail until the epoch ends.
 * So, as §12.2 recommends, a Remove of a leaf wins over its Updates (ours inline
 * first, then the first pending one), the latest Update over earlier ones; a
 * Remove of us and our own Updates (our path renews our leaf) are left out.
 * What is left out ends with the epoch. */
static gboolean
commit_takes (const GstE2eeMlsState * st, guint i,
    const GstE2eeMlsProposal * inline_proposals, guint n_inline)
{
  const Pending *p = g_ptr_array_index (st->pending, i);
  guint32 leaf = pending_leaf (p);
  gboolean update = p->proposal.type == GST_E2EE_MLS_PROPOSAL_UPDATE;
  guint j;

  if (leaf == G_MAXUINT32)
    return TRUE;
  if (leaf == st->own_leaf)
    return FALSE;
  for (j = 0; j < n_inline; j++)
    if (inline_proposals[j].type == GST_E2EE_MLS_PROPOSAL_REMOVE
        && inline_proposals[j].removed == leaf)
      return FALSE;
  for (j = 0; j < st->pending->len; j++) {
    const Pending *q = g_ptr_array_index (st->pending, j);

    if (j == i || pending_leaf (q) != leaf)
      continue;
    if (q->proposal.type == GST_E2EE_MLS_PROPOSAL_REMOVE && (update || j < i))
      return FALSE;
    if (update && q->proposal.type == GST_E2EE_MLS_PROPOSAL_UPDATE && j > i)
      return FALSE;
  }
  return TRUE;
}

GBytes *
gst_e2ee_mls_state_commit (GstE2eeMlsState * st,
    const GstE2eeMlsProposal * inline_proposals, guint n_inline,
    gboolean with_ratchet_tree, GBytes ** welcome, GError ** error)
{
  const GstE2eeMlsSuite *s = st->suite;
  GstE2eeMlsState *next = NULL;
  GArray *covered = g_array_new (FALSE, FALSE, sizeof (Covered));
  GArray *added = g_array_new (FALSE, FALSE, sizeof (guint32));
  GstE2eeMlsCommit commit;
  GstE2eeMlsPathSecrets *ps = NULL;
  GstE2eeMlsAuthenticatedContent ac;
  GstE2eeMlsGroupContext gc;
  GstE2eeMlsLeafNodeFields f;
  guint16 *storage = NULL;
  GByteArray *body = g_byte_array_new (), *pgc = g_byte_array_new ();
  GByteArray *out = g_byte_array_new ();
  guint8 commit_secret[GST_E2EE_MLS_MAX_HASH] = { 0 };
  GBytes *result = NULL, *w = NULL;
  gboolean own_removed;
  guint i;

  if (welcome != NULL)
    *welcome = NULL;
  gst_e2ee_mls_commit_init (&commit);
  if (!check_active (st, error))
    goto done;

  /* Pending proposals by reference, as far as the list stays valid (§12.2), then
   * the inline ones. */
  for (i = 0; i < st->pending->len; i++) {
    const Pending *p = g_ptr_array_index (st->pending, i);
    GstE2eeMlsProposalOrRef por = { 0 };
    Covered c = { &p->proposal, p->sender, p };

    if (!commit_takes (st, i, inline_proposals, n_inline))
      continue;
    por.type = GST_E2EE_MLS_PROPOSAL_OR_REF_REFERENCE;
    por.raw = p->ref;
    por.raw_len = s->nh;
    g_array_append_val (commit.proposals, por);
    g_array_append_val (covered, c);
  }
  for (i = 0; i < n_inline; i++) {
    GstE2eeMlsProposalOrRef por = { 0 };
    Covered c = { &inline_proposals[i], st->own_leaf, NULL };

    por.type = GST_E2EE_MLS_PROPOSAL_OR_REF_PROPOSAL;
    por.proposal = inline_proposals[i];
    g_array_append_val (commit.proposals, por);
    g_array_append_val (covered, c);
  }

  next = state_next (st);
  if (!apply_proposals (st, next, covered, st->own_leaf, added, &own_removed, error))
    goto done;

  /* The full path (§12.4): new keys for our leaf and its filtered direct path. */
  own_leaf_fields (st, &f, &storage);
  commit.path = gst_e2ee_mls_treekem_create_path (next->tree, next->priv, NULL, &f,
      st->group_id, st->group_id_len, st->sig_sk, st->sig_sk_len, &ps, commit_secret,
      error);
  if (commit.path == NULL || !provisional_gc (st, next, pgc, error)
      || !gst_e2ee_mls_treekem_encrypt_path (next->tree, commit.path, st->own_leaf, ps,
          pgc->data, pgc->len, (const guint32 *) (gpointer) added->data, added->len,
          error))
    goto done;

  if (!gst_e2ee_mls_commit_encode (&commit, body, error))
    goto done;
  current_gc (st, &gc);
  content_init (st, &ac, GST_E2EE_MLS_WIRE_FORMAT_PUBLIC_MESSAGE,
      GST_E2EE_MLS_CONTENT_COMMIT, body->data, body->len);
  if (!gst_e2ee_mls_content_sign (s, st->sig_sk, st->sig_sk_len, &gc, &ac, error)
      || !advance_epoch (st, next, &ac, commit_secret, NULL, 0, error))
    goto done;
  ac.confirmation_tag = next->confirmation_tag;
  ac.confirmation_tag_len = s->nh;
  if (!gst_e2ee_mls_public_message_encode (s, &ac, &gc, st->secrets->membership_key,
          out, error))
    goto done;

  if (added->len > 0) {
    /* Adds are applied in the order they are covered: the same as added. */
    GPtrArray *kps = g_ptr_array_new ();

    for (i = 0; i < covered->len; i++) {
      const Covered *c = &g_array_index (covered, Covered, i);

      if (c->proposal->type == GST_E2EE_MLS_PROPOSAL_ADD)
        g_ptr_array_add (kps, c->proposal->key_package);
    }
    w = make_welcome (next, added, kps, ps, with_ratchet_tree, error);
    g_ptr_array_unref (kps);
    if (w == NULL)
      goto done;
  }

  result = g_byte_array_free_to_bytes (out);
  out = NULL;
  state_swap (st, next);
  if (welcome != NULL)
    *welcome = w;
  else if (w != NULL)
    g_bytes_unref (w);
  w = NULL;

done:
  OPENSSL_cleanse (commit_secret, sizeof commit_secret);
  if (w != NULL)
    g_bytes_unref (w);
  gst_e2ee_mls_path_secrets_free (ps);
  g_free (storage);
  /* The inline proposals are the caller's: forget them before clearing. */
  if (commit.proposals != NULL) {
    for (i = 0; i < commit.proposals->len; i++) {
      GstE2eeMlsProposalOrRef *por =
          &g_array_index (commit.proposals, GstE2eeMlsProposalOrRef, i);
      memset (&por->proposal, 0, sizeof por->proposal);
    }
  }
  gst_e2ee_mls_commit_clear (&commit);
  gst_e2ee_mls_state_free (next);
  g_array_unref (covered);
  g_array_unref (added);
  g_byte_array_unref (body);
  g_byte_array_unref (pgc);
  if (out != NULL)
    g_byte_array_unref (out);
  return result;
}

/* ------------------------------------------------------------------------ */
/* Receiving */

static const Pending *
find_pending (const GstE2eeMlsState * st, const guint8 * ref, gsize len)
{
  guint i;

  for (i = 0; i < st->pending->len; i++) {
    const Pending *p = g_ptr_array_index (st->pending, i);

    if (len == st->suite->nh && memcmp (p->ref, ref, len) == 0)
      return p;
  }
  return NULL;
}

static gboolean
handle_commit (GstE2eeMlsState * st, const GstE2eeMlsAuthenticatedContent * ac,
    GError ** error)
{
  const GstE2eeMlsSuite *s = st->suite;
  GstE2eeMlsState *next = NULL;
  GstE2eeMlsCommit commit;
  GArray *covered = g_array_new (FALSE, FALSE, sizeof (Covered));
  GArray *added = g_array_new (FALSE, FALSE, sizeof (guint32));
  GByteArray *pgc = g_byte_array_new ();
  guint8 commit_secret[GST_E2EE_MLS_MAX_HASH] = { 0 };
  guint32 committer = ac->sender_index;
  gboolean own_removed = FALSE, ok = FALSE;
  guint i;

  gst_e2ee_mls_commit_init (&commit);
  if (st->committer != G_MAXUINT32 && committer != st->committer) {
    g_set_error (error, GST_E2EE_MLS_ERROR, GST_E2EE_MLS_ERROR_NOT_PERMITTED,
        "a commit from leaf %u: only leaf %u's commits are applied", committer,
        st->committer);
    goto done;
  }
  if (!gst_e2ee_mls_commit_decode (&commit, ac->content, ac->content_len, error))
    goto done;
  if (ac->confirmation_tag_len != s->nh) {
    fail (error, GST_E2EE_MLS_ERROR_BAD_TAG, "the confirmation tag has the wrong size");
    goto done;
  }
  for (i = 0; i < commit.proposals->len; i++) {
    const GstE2eeMlsProposalOrRef *por =
        &g_array_index (commit.proposals, GstE2eeMlsProposalOrRef, i);
    Covered c = { &por->proposal, committer, NULL };

    if (por->type == GST_E2EE_MLS_PROPOSAL_OR_REF_REFERENCE) {
      const Pending *p = find_pending (st, por->raw, por->raw_len);

      if (p == NULL) {
        fail (error, GST_E2EE_MLS_ERROR_INVALID_PROPOSAL,
            "the commit refers to a proposal this member does not have");
        goto done;
      }
      c.proposal = &p->proposal;
      c.sender = p->sender;
      c.pending = p;
    } else if (por->out_of_scope) {
      g_set_error (error, GST_E2EE_MLS_ERROR, GST_E2EE_MLS_ERROR_UNSUPPORTED,
          "the commit covers a proposal of type %u (PSK, ReInit, ExternalInit or "
          "GroupContextExtensions), which this engine does not support",
          por->proposal_type);
      goto done;
    }
    g_array_append_val (covered, c);
  }
  if (commit.path == NULL && path_required (covered)) {
    fail (error, GST_E2EE_MLS_ERROR_INVALID_PATH,
        "a commit that is empty or covers other proposals than Add needs a path");
    goto done;
  }

  next = state_next (st);
  if (!apply_proposals (st, next, covered, committer, added, &own_removed, error))
    goto done;
  if (own_removed) {
    /* We cannot follow into the next epoch: keep the last one's members, wipe its
     * secrets and refuse everything from now on. */
    wipe_epoch (st);
    st->active = FALSE;
    ok = TRUE;
    goto done;
  }
  if (commit.path != NULL) {
    if (!gst_e2ee_mls_treekem_merge_path (next->tree, committer, commit.path,
            st->group_id, st->group_id_len, error)
        || !provisional_gc (st, next, pgc, error)
        || !gst_e2ee_mls_treekem_decrypt_path (next->tree, next->priv, committer,
            commit.path, pgc->data, pgc->len, (const guint32 *) (gpointer) added->data,
            added->len, NULL, commit_secret, error))
      goto done;
  } else if (!gst_e2ee_mls_tree_root_hash (next->tree, next->tree_hash, error)) {
    goto done;
  }
  if (!advance_epoch (st, next, ac, commit.path != NULL ? commit_secret : NULL,
          ac->confirmation_tag, ac->confirmation_tag_len, error))
    goto done;
  state_swap (st, next);
  ok = TRUE;

done:
  OPENSSL_cleanse (commit_secret, sizeof commit_secret);
  gst_e2ee_mls_commit_clear (&commit);
  gst_e2ee_mls_state_free (next);
  g_array_unref (covered);
  g_array_unref (added);
  g_byte_array_unref (pgc);
  return ok;
}

static gboolean
handle_proposal (GstE2eeMlsState * st, const GstE2eeMlsAuthenticatedContent * ac,
    GError ** error)
{
  Pending *p = g_new0 (Pending, 1);

  if (!gst_e2ee_mls_proposal_decode (ac->content, ac->content_len, &p->proposal, error)
      || !validate_proposal (st, &p->proposal, ac->sender_index, error)
      || !proposal_ref (st->suite, ac, p->ref, error)) {
    pending_free (p);
    return FALSE;
  }
  /* Refused before it is pending: a pending proposal is one our next commit covers. */
  if (!st->membership_proposals && (p->proposal.type == GST_E2EE_MLS_PROPOSAL_ADD
          || p->proposal.type == GST_E2EE_MLS_PROPOSAL_REMOVE)) {
    g_set_error (error, GST_E2EE_MLS_ERROR, GST_E2EE_MLS_ERROR_NOT_PERMITTED,
        "an %s proposal from leaf %u: only Updates are taken from other members",
        p->proposal.type == GST_E2EE_MLS_PROPOSAL_ADD ? "Add" : "Remove",
        ac->sender_index);
    pending_free (p);
    return FALSE;
  }
  p->sender = ac->sender_index;
  g_ptr_array_add (st->pending, p);
  return TRUE;
}

gboolean
gst_e2ee_mls_state_handle (GstE2eeMlsState * st, const guint8 * message, gsize len,
    guint8 * content_type, guint32 * sender, GBytes ** application_data,
    GError ** error)
{
  const GstE2eeMlsSuite *s = st->suite;
  GstE2eeMlsAuthenticatedContent ac = { 0 };
  GstE2eeMlsGroupContext gc;
  const GstE2eeMlsLeafNode *leaf;
  guint16 version, wire_format;
  GstE2eeMlsReader r;
  gboolean ok = FALSE;

  if (application_data != NULL)
    *application_data = NULL;
  if (!check_active (st, error))
    return FALSE;
  gst_e2ee_mls_reader_init (&r, message, len);
  if (!gst_e2ee_mls_read_u16 (&r, &version, error)
      || !gst_e2ee_mls_read_u16 (&r, &wire_format, error))
    return FALSE;
  current_gc (st, &gc);
  if (wire_format == GST_E2EE_MLS_WIRE_FORMAT_PUBLIC_MESSAGE) {
    if (!gst_e2ee_mls_public_message_decode (s, message, len, &gc,
            st->secrets->membership_key, &ac, error))
      return FALSE;
  } else if (wire_format == GST_E2EE_MLS_WIRE_FORMAT_PRIVATE_MESSAGE) {
    if (!gst_e2ee_mls_private_message_decode (s, message, len, &gc, st->secret_tree,
            st->secrets->sender_data_secret, &ac, error))
      return FALSE;
  } else {
    g_set_error (error, GST_E2EE_MLS_ERROR, GST_E2EE_MLS_ERROR_WIRE_FORMAT,
        "wire format %u is not a message for a member's group", wire_format);
    return FALSE;
  }

  if (ac.sender_type != GST_E2EE_MLS_SENDER_MEMBER) {
    fail (error, GST_E2EE_MLS_ERROR_UNSUPPORTED,
        "external senders and new-member messages (external commits) are not supported");
    goto done;
  }
  leaf = gst_e2ee_mls_tree_get_leaf (st->tree, ac.sender_index);
  if (leaf == NULL) {
    g_set_error (error, GST_E2EE_MLS_ERROR, GST_E2EE_MLS_ERROR_UNKNOWN_SENDER,
        "the sender, leaf %u, is not a member", ac.sender_index);
    goto done;
  }
  if (!gst_e2ee_mls_content_verify (s, leaf->signature_key, leaf->signature_key_len,
          &gc, &ac, error))
    goto done;
  if (ac.sender_index == st->own_leaf) {
    fail (error, GST_E2EE_MLS_ERROR_OWN_MESSAGE, "a message this member sent itself");
    goto done;
  }

  switch (ac.content_type) {
    case GST_E2EE_MLS_CONTENT_APPLICATION:
      if (application_data != NULL)
        *application_data = g_bytes_new (ac.content, ac.content_len);
      ok = TRUE;
      break;
    case GST_E2EE_MLS_CONTENT_PROPOSAL:
      ok = handle_proposal (st, &ac, error);
      break;
    case GST_E2EE_MLS_CONTENT_COMMIT:
      ok = handle_commit (st, &ac, error);
      break;
    default:
      fail (error, GST_E2EE_MLS_ERROR_DECODE, "unknown content type");
      break;
  }
  if (ok) {
    *content_type = ac.content_type;
    *sender = ac.sender_index;
  }

done:
  gst_e2ee_mls_authenticated_content_clear (&ac);
  return ok;
}

GBytes *
gst_e2ee_mls_state_protect (GstE2eeMlsState * st, const guint8 * data, gsize len,
    GError ** error)
{
  const GstE2eeMlsSuite *s = st->suite;
  GstE2eeMlsAuthenticatedContent ac;
  GstE2eeMlsGroupContext gc;
  GByteArray *out;

  if (!check_active (st, error))
    return NULL;
  current_gc (st, &gc);
  content_init (st, &ac, GST_E2EE_MLS_WIRE_FORMAT_PRIVATE_MESSAGE,
      GST_E2EE_MLS_CONTENT_APPLICATION, data, len);
  out = g_byte_array_new ();
  if (!gst_e2ee_mls_content_sign (s, st->sig_sk, st->sig_sk_len, &gc, &ac, error)
      || !gst_e2ee_mls_private_message_encode (s, &ac, st->secret_tree,
          st->secrets->sender_data_secret, NULL, 0, out, error)) {
    g_byte_array_unref (out);
    return NULL;
  }
  return g_byte_array_free_to_bytes (out);
}

gboolean
gst_e2ee_mls_state_export (const GstE2eeMlsState * st, const guint8 * label,
    gsize label_len, const guint8 * context, gsize context_len, guint8 * out,
    gsize out_len, GError ** error)
{
  if (!check_active (st, error))
    return FALSE;
  return gst_e2ee_mls_exporter (st->secrets, label, label_len, context, context_len, out,
      out_len, error);
}

const GstE2eeMlsSuite *
gst_e2ee_mls_state_suite (const GstE2eeMlsState * st)
{
  return st->suite;
}

gboolean
gst_e2ee_mls_state_is_active (const GstE2eeMlsState * st)
{
  return st->active;
}

guint64
gst_e2ee_mls_state_epoch (const GstE2eeMlsState * st)
{
  return st->epoch;
}

guint32
gst_e2ee_mls_state_own_leaf (const GstE2eeMlsState * st)
{
  return st->own_leaf;
}

const guint8 *
gst_e2ee_mls_state_group_id (const GstE2eeMlsState * st, gsize * len)
{
  *len = st->group_id_len;
  return st->group_id;
}

const GstE2eeMlsTree *
gst_e2ee_mls_state_tree (const GstE2eeMlsState * st)
{
  return st->tree;
}

const guint8 *
gst_e2ee_mls_state_epoch_authenticator (const GstE2eeMlsState * st)
{
  return st->secrets != NULL ? st->secrets->epoch_authenticator : NULL;
}

GBytes *
gst_e2ee_mls_state_ratchet_tree (const GstE2eeMlsState * st, GError ** error)
{
  GByteArray *w = g_byte_array_new ();

  if (!gst_e2ee_mls_tree_encode (st->tree, w, error)) {
    g_byte_array_unref (w);
    return NULL;
  }
  return g_byte_array_free_to_bytes (w);
}

GBytes *
gst_e2ee_mls_state_group_info (const GstE2eeMlsState * st, gboolean with_ratchet_tree,
    GError ** error)
{
  GByteArray *w;

  if (!check_active (st, error))
    return NULL;
  w = g_byte_array_new ();
  gst_e2ee_mls_message_write_header (w, GST_E2EE_MLS_WIRE_FORMAT_GROUP_INFO);
  if (!write_group_info (st, with_ratchet_tree, w, error)) {
    g_byte_array_unref (w);
    return NULL;
  }
  return g_byte_array_free_to_bytes (w);
}
