/* gst-e2ee: e2eemls, what its source files share
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * gste2eemls.c: the element (properties, signals, messages in and out, bus messages);
 * gste2eemlsrules.c: the meeting rules that run on timers (the removal bound, the
 * periodic self-update).
 */
#pragma once

#include "gste2eemls.h"

#include <gst/e2ee/e2ee.h>
#include <gst/e2ee/gste2eemlsclient.h>
#include <gst/e2ee/gste2eemlsgroup.h>
#include <gst/e2ee/gste2eemlskeys.h>

G_BEGIN_DECLS

GST_DEBUG_CATEGORY_EXTERN (gst_e2ee_mls_debug);

/* A member the host was told has left, until its Remove is committed. */
typedef struct
{
  gchar *identity;
  GstClockTime deadline;        /* system clock time by which it must be removed */
} GstE2eeMlsLeaver;

struct _GstE2eeMls
{
  GstElement parent;

  /* Guards everything below but the send queue: the group is not thread-safe, and
   * the application's threads, the clock's thread and the state changes all use it. */
  GMutex lock;

  /* properties */
  gchar *identity;
  GstE2eeMlsRole role;
  gchar *group_id;
  GstE2eeKeyStore *store;
  gboolean store_from_property;
  guint epoch_bits;
  guint contexts;
  GstE2eeCipherSuite suite;
  GstClockTime remove_timeout;
  GstClockTime update_interval; /* 0 = off */

  /* the member */
  GstE2eeMlsClient *client;
  GstE2eeMlsGroup *group;
  GstE2eeMlsKeys *keys;
  GBytes *key_package;
  gboolean removed;
  GHashTable *roster;           /* leaf -> identity string, at the current epoch */
  /* leaf -> epoch in which it was removed, to tell a removed member's message */
  GHashTable *removed_leaves;

  /* rules */
  GstClock *clock;
  GstClockID update_id;
  GstClockID remove_id;
  GstClockID commit_id;         /* the host's commit of pending proposals */
  GPtrArray *leavers;           /* GstE2eeMlsLeaver */

  /* counters */
  guint64 commits_sent, commits_applied, proposals_sent, welcomes_sent;
  guint64 refused, refused_non_member, refused_removed_member, refused_wrong_epoch,
      refused_invalid, refused_not_permitted, ignored, not_admitted;

  /* What to send and post, in the order the group made it: appended under `lock`,
   * emitted outside it, in order, under `send_lock` (recursive: a send-message handler
   * may hand this element a message at once). */
  GRecMutex send_lock;
  GQueue outbox;
};

/* gste2eemls.c, for the rules (called with `lock` held) */
void     gst_e2ee_mls_queue_send (GstE2eeMls *self, GBytes *bytes);
void     gst_e2ee_mls_queue_message (GstE2eeMls *self, GstStructure *s);
void     gst_e2ee_mls_epoch_changed (GstE2eeMls *self, const gchar *cause);
/* called without `lock` */
void     gst_e2ee_mls_flush (GstE2eeMls *self);
gchar *  gst_e2ee_mls_identity_to_string (GBytes *identity);

/* gste2eemlsrules.c (called with `lock` held) */
void     gst_e2ee_mls_rules_start (GstE2eeMls *self);
void     gst_e2ee_mls_rules_stop (GstE2eeMls *self);
void     gst_e2ee_mls_rules_reschedule_update (GstE2eeMls *self);
gboolean gst_e2ee_mls_rules_member_left (GstE2eeMls *self, const gchar *identity);
void     gst_e2ee_mls_rules_proposal (GstE2eeMls *self);

G_END_DECLS
