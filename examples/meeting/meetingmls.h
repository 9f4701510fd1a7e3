/*
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * gst-e2ee-meeting --keys mls: the participants' MLS agents (e2eemls) through the
 * delivery service, churn, and what the run checks of the epochs.
 */
#ifndef __GST_E2EE_MEETING_MLS_H__
#define __GST_E2EE_MEETING_MLS_H__

#include <gst/gst.h>
#include <gst/e2ee/e2ee.h>

G_BEGIN_DECLS

typedef struct _MeetingMls MeetingMls;

/* Starts a participant's pipeline (a late joiner's, from the main loop). */
typedef void (*MeetingMlsStartFunc) (guint participant, gpointer user_data);

/* Bad input the run submits to the delivery service once everyone has joined. */
typedef enum
{
  MEETING_MLS_BAD_NONE = 0,
  MEETING_MLS_BAD_INPUT = 1,
} MeetingMlsBad;

MeetingMls *meeting_mls_new (guint n, gboolean churn, guint update_interval,
    gboolean slow, MeetingMlsBad bad, gboolean bench, gboolean audio_only);
void meeting_mls_free (MeetingMls * m);
void meeting_mls_set_grace_period (MeetingMls * m, guint seconds);
void meeting_mls_set_receiver (MeetingMls * m, guint i, gboolean receives);
gboolean meeting_mls_setup (MeetingMls * m, guint i, GstElement * pipeline,
    GstE2eeKeyStore * store, GstElement * venc, GstElement * aenc,
    GError ** error);
void meeting_mls_decryptor_added (MeetingMls * m, guint i, GstElement * dec);
gboolean meeting_mls_starts_late (MeetingMls * m, guint i);
void meeting_mls_start (MeetingMls * m, guint frames, MeetingMlsStartFunc func,
    gpointer user_data);
void meeting_mls_stop (MeetingMls * m);
void meeting_mls_collect (MeetingMls * m, guint i, GList * decryptors);
guint64 meeting_mls_missing (MeetingMls * m);
gboolean meeting_mls_summary (MeetingMls * m, GString * line);

G_END_DECLS

#endif
