/* gst-e2ee: e2eemls, the meeting rules that run on timers
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * The removal bound (the host commits the Remove of a member reported gone within
 * remove-timeout) and the periodic self-update (post-compromise security). Timers are
 * async waits on the system clock, so the rules hold whether or not the application
 * runs a main loop. Every function here is called with the element's lock held; the
 * callbacks take it themselves.
 */

#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "gste2eemls-private.h"

#include <openssl/crypto.h>

#define GST_CAT_DEFAULT gst_e2ee_mls_debug

/* How often a failed Remove is tried again within its bound, as a fraction of the
 * bound. */
#define REMOVE_RETRIES 10

/* How long the host gathers proposals before committing them. */
#define PROPOSAL_BATCH (50 * GST_MSECOND)

static void
leaver_free (gpointer data)
{
  GstE2eeMlsLeaver *l = data;

  g_free (l->identity);
  g_free (l);
}

static void
clear_id (GstClock * clock, GstClockID * id)
{
  if (*id != NULL) {
    gst_clock_id_unschedule (*id);
    gst_clock_id_unref (*id);
    *id = NULL;
  }
}

/* The clock's thread lives as long as the process: OpenSSL's per-thread state (its
 * DRBGs, fetched algorithms) made there would never be freed, so each timed rule
 * releases it when done. */
static void
release_thread_state (void)
{
  OPENSSL_thread_stop ();
}

static gboolean
group_usable (GstE2eeMls * self)
{
  return self->group != NULL && !self->removed &&
      gst_e2ee_mls_group_is_active (self->group);
}

static gboolean
on_update (GstClock * clock, GstClockTime time, GstClockID id, gpointer user_data)
{
  GstE2eeMls *self = user_data;
  GError *error = NULL;
  GBytes *msg;

  g_mutex_lock (&self->lock);
  if (id != self->update_id || !group_usable (self)) {
    g_mutex_unlock (&self->lock);
    return TRUE;
  }
  if (self->role == GST_E2EE_MLS_ROLE_HOST) {
    /* Only the host commits, so its own update is a commit. */
    msg = gst_e2ee_mls_group_update (self->group, &error);
    if (msg != NULL) {
      self->commits_sent++;
      gst_e2ee_mls_queue_send (self, msg);
      gst_e2ee_mls_epoch_changed (self, "updated");
    }
  } else {
    msg = gst_e2ee_mls_group_propose_update (self->group, &error);
    if (msg != NULL) {
      self->proposals_sent++;
      gst_e2ee_mls_queue_send (self, msg);
    }
  }
  if (msg == NULL) {
    GST_WARNING_OBJECT (self, "self-update failed: %s", error->message);
    g_clear_error (&error);
  } else {
    GST_DEBUG_OBJECT (self, "self-update sent at epoch %" G_GUINT64_FORMAT,
        gst_e2ee_mls_group_get_epoch (self->group));
    g_bytes_unref (msg);
  }
  g_mutex_unlock (&self->lock);
  gst_e2ee_mls_flush (self);
  release_thread_state ();
  return TRUE;
}

void
gst_e2ee_mls_rules_reschedule_update (GstE2eeMls * self)
{
  GstClockTime interval, now;

  clear_id (self->clock, &self->update_id);
  if (self->clock == NULL || self->update_interval == 0 || !group_usable (self))
    return;
  interval = self->update_interval;
  now = gst_clock_get_time (self->clock);
  self->update_id = gst_clock_new_periodic_id (self->clock, now + interval, interval);
  gst_clock_id_wait_async (self->update_id, on_update, g_object_ref (self),
      g_object_unref);
}

/* The member's leaf, or G_MAXUINT32 if @identity is not (or no longer) a member
 * other than this one. */
static guint32
find_leaf (GstE2eeMls * self, const gchar * identity)
{
  GPtrArray *members = gst_e2ee_mls_group_get_members (self->group);
  guint32 own = gst_e2ee_mls_group_get_own_leaf_index (self->group);
  guint32 leaf = G_MAXUINT32;
  guint i;

  for (i = 0; i < members->len && leaf == G_MAXUINT32; i++) {
    const GstE2eeMlsMember *m = g_ptr_array_index (members, i);
    GBytes *id = gst_e2ee_mls_member_get_identity (m);
    gchar *str = gst_e2ee_mls_identity_to_string (id);

    if (g_strcmp0 (str, identity) == 0 && gst_e2ee_mls_member_get_leaf_index (m) != own)
      leaf = gst_e2ee_mls_member_get_leaf_index (m);
    g_free (str);
    g_bytes_unref (id);
  }
  g_ptr_array_unref (members);
  return leaf;
}

static void schedule_remove (GstE2eeMls * self, GstClockTime when);

static gboolean
on_remove (GstClock * clock, GstClockTime time, GstClockID id, gpointer user_data)
{
  GstE2eeMls *self = user_data;
  GstClockTime now, next = GST_CLOCK_TIME_NONE;
  gchar *late = NULL;
  guint i = 0;

  g_mutex_lock (&self->lock);
  if (id != self->remove_id) {
    g_mutex_unlock (&self->lock);
    return TRUE;
  }
  gst_clock_id_unref (self->remove_id);
  self->remove_id = NULL;
  now = gst_clock_get_time (clock);
  while (group_usable (self) && i < self->leavers->len) {
    GstE2eeMlsLeaver *l = g_ptr_array_index (self->leavers, i);
    guint32 leaf = find_leaf (self, l->identity);
    GError *error = NULL;
    GBytes *commit;

    if (leaf == G_MAXUINT32) {
      /* removed meanwhile (or never fully there): nothing left to do */
      g_ptr_array_remove_index (self->leavers, i);
      continue;
    }
    commit = gst_e2ee_mls_group_remove (self->group, leaf, &error);
    if (commit != NULL) {
      GST_INFO_OBJECT (self, "removed %s (leaf %u)", l->identity, leaf);
      self->commits_sent++;
      gst_e2ee_mls_queue_send (self, commit);
      gst_e2ee_mls_epoch_changed (self, "removed");
      g_bytes_unref (commit);
      g_ptr_array_remove_index (self->leavers, i);
      continue;
    }
    GST_WARNING_OBJECT (self, "removing %s failed: %s", l->identity, error->message);
    g_clear_error (&error);
    if (now >= l->deadline) {
      if (late == NULL)
        late = g_strdup (l->identity);
      g_ptr_array_remove_index (self->leavers, i);
      continue;
    }
    next = MIN (next, MIN (l->deadline, now + MAX (self->remove_timeout / REMOVE_RETRIES,
                GST_MSECOND)));
    i++;
  }
  if (GST_CLOCK_TIME_IS_VALID (next))
    schedule_remove (self, next);
  g_mutex_unlock (&self->lock);
  gst_e2ee_mls_flush (self);
  if (late != NULL) {
    GST_ELEMENT_WARNING (self, RESOURCE, FAILED,
        ("Could not remove %s from the group within the remove timeout", late),
        ("the Remove commit kept failing; see the debug log"));
    g_free (late);
  }
  release_thread_state ();
  return TRUE;
}

static void
schedule_remove (GstE2eeMls * self, GstClockTime when)
{
  clear_id (self->clock, &self->remove_id);
  self->remove_id = gst_clock_new_single_shot_id (self->clock, when);
  gst_clock_id_wait_async (self->remove_id, on_remove, g_object_ref (self),
      g_object_unref);
}

gboolean
gst_e2ee_mls_rules_member_left (GstE2eeMls * self, const gchar * identity)
{
  GstE2eeMlsLeaver *l;
  guint i;

  if (self->role != GST_E2EE_MLS_ROLE_HOST || self->clock == NULL ||
      !group_usable (self) || find_leaf (self, identity) == G_MAXUINT32)
    return FALSE;
  for (i = 0; i < self->leavers->len; i++) {
    l = g_ptr_array_index (self->leavers, i);
    if (g_strcmp0 (l->identity, identity) == 0)
      return TRUE;
  }
  l = g_new0 (GstE2eeMlsLeaver, 1);
  l->identity = g_strdup (identity);
  l->deadline = gst_clock_get_time (self->clock) + self->remove_timeout;
  g_ptr_array_add (self->leavers, l);
  /* The Remove goes out from the clock's thread at once, not from the caller's: the
   * report may come from the delivery service's thread, which must not block on a
   * commit. The deadline only matters when committing fails. */
  if (self->remove_id == NULL)
    schedule_remove (self, gst_clock_get_time (self->clock));
  return TRUE;
}

static gboolean
on_commit_proposals (GstClock * clock, GstClockTime time, GstClockID id,
    gpointer user_data)
{
  GstE2eeMls *self = user_data;
  GError *error = NULL;
  GBytes *welcome = NULL, *commit;

  g_mutex_lock (&self->lock);
  if (id != self->commit_id) {
    g_mutex_unlock (&self->lock);
    return TRUE;
  }
  gst_clock_id_unref (self->commit_id);
  self->commit_id = NULL;
  if (!group_usable (self) || gst_e2ee_mls_group_get_n_pending_proposals (self->group) == 0) {
    g_mutex_unlock (&self->lock);
    return TRUE;
  }
  commit = gst_e2ee_mls_group_commit (self->group, &welcome, &error);
  if (commit == NULL) {
    GST_WARNING_OBJECT (self, "committing the pending proposals failed: %s",
        error->message);
    g_clear_error (&error);
    g_mutex_unlock (&self->lock);
    release_thread_state ();
    return TRUE;
  }
  self->commits_sent++;
  gst_e2ee_mls_queue_send (self, commit);
  g_bytes_unref (commit);
  if (welcome != NULL) {
    self->welcomes_sent++;
    gst_e2ee_mls_queue_send (self, welcome);
    g_bytes_unref (welcome);
  }
  gst_e2ee_mls_epoch_changed (self, NULL);
  g_mutex_unlock (&self->lock);
  gst_e2ee_mls_flush (self);
  release_thread_state ();
  return TRUE;
}

/* The host commits the members' pending proposals (their self-updates) together,
 * PROPOSAL_BATCH after the first arrives: members whose timers fire together get
 * one commit, instead of each proposal after the first meeting a new epoch. */
void
gst_e2ee_mls_rules_proposal (GstE2eeMls * self)
{
  if (self->role != GST_E2EE_MLS_ROLE_HOST || self->clock == NULL ||
      !group_usable (self) || self->commit_id != NULL)
    return;
  self->commit_id = gst_clock_new_single_shot_id (self->clock,
      gst_clock_get_time (self->clock) + PROPOSAL_BATCH);
  gst_clock_id_wait_async (self->commit_id, on_commit_proposals, g_object_ref (self),
      g_object_unref);
}

void
gst_e2ee_mls_rules_start (GstE2eeMls * self)
{
  if (self->clock == NULL)
    self->clock = gst_system_clock_obtain ();
  if (self->leavers == NULL)
    self->leavers = g_ptr_array_new_with_free_func (leaver_free);
  gst_e2ee_mls_rules_reschedule_update (self);
}

void
gst_e2ee_mls_rules_stop (GstE2eeMls * self)
{
  clear_id (self->clock, &self->update_id);
  clear_id (self->clock, &self->remove_id);
  clear_id (self->clock, &self->commit_id);
  if (self->leavers != NULL)
    g_ptr_array_set_size (self->leavers, 0);
}
