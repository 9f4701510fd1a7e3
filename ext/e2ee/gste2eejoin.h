/* gst-e2ee: the pieces of an H.264/H.265 access unit that a depayloader cut
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <gst/gst.h>
#include <gst/e2ee/e2ee.h>

G_BEGIN_DECLS

/* At most this many pieces make one frame: an IDR frame arrives in as many pieces as
 * it has slices (rtph264pay config-interval=-1), and each new piece costs one more
 * decryption attempt of everything so far. */
#define GST_E2EE_JOIN_MAX_PIECES 32

/* A frame that did not authenticate, kept in case the next buffer is its rest.
 * Streaming thread only. */
typedef struct {
  GstBuffer *pieces;            /* NULL when nothing is kept */
  guint count;                  /* pieces in it */
  guint64 kid, ctr;             /* of its SFrame header */
  guint reason;                 /* the caller's drop reason for it */
  gchar *detail;                /* why it did not authenticate */
} GstE2eeJoin;

void        gst_e2ee_join_init (GstE2eeJoin *join);
void        gst_e2ee_join_clear (GstE2eeJoin *join);
gboolean    gst_e2ee_join_continues (const GstE2eeJoin *join, GstE2eeLayoutCodec codec,
                                     GstBuffer *buf);
guint       gst_e2ee_join_prepend (GstE2eeJoin *join, GstBuffer *buf);
gboolean    gst_e2ee_join_keep (GstE2eeJoin *join, GstBuffer *buf, guint count,
                                guint64 kid, guint64 ctr, guint reason,
                                const gchar *detail);

G_END_DECLS
