/* gst-e2ee: one meeting's encryption status, shared by the encstatus elements of a process
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <gst/gst.h>
#include <gst/e2ee/e2ee.h>

#include "gstencstream.h"

G_BEGIN_DECLS

/* What the element copies into GstE2eeStatusMeta. */
typedef struct {
  GstE2eeEncryptionLevel meeting_level;
  GstE2eeEncryptionLevel stream_level;
  guint n_exceptions;
  gboolean downgraded;
  gboolean refused;             /* the policy refuses the stream in this meeting */
  guint64 generation;
} GstEncSnapshot;

#define GST_TYPE_ENC_MEETING (gst_enc_meeting_get_type ())
G_DECLARE_FINAL_TYPE (GstEncMeeting, gst_enc_meeting, GST, ENC_MEETING, GstObject)

GstEncMeeting * gst_enc_meeting_obtain (const gchar * name);

GstEncStream *  gst_enc_meeting_add_member (GstEncMeeting * meeting, GstElement * member);
void            gst_enc_meeting_remove_member (GstEncMeeting * meeting, GstEncStream * stream);
void            gst_enc_meeting_configure_stream (GstEncMeeting * meeting, GstEncStream * stream,
                                                  const gchar * name, GstEncStreamKind kind,
                                                  GstClockTime stale_after);
void            gst_enc_meeting_observe (GstEncMeeting * meeting, GstEncStream * stream,
                                         const GstEncObservation * obs, GstEncSnapshot * snap);
void            gst_enc_meeting_leave (GstEncMeeting * meeting, GstEncStream * stream,
                                       const gchar * reason);

GstE2eeEncryptionLevel gst_enc_meeting_get_level (GstEncMeeting * meeting);
void            gst_enc_meeting_get_exceptions (GstEncMeeting * meeting, GValue * array);
gchar **        gst_enc_meeting_dup_restricted_features (GstEncMeeting * meeting);
GstStructure *  gst_enc_meeting_get_stats (GstEncMeeting * meeting, GstEncStream * stream);

void            gst_enc_meeting_set_is_host (GstEncMeeting * meeting, gboolean is_host);
gboolean        gst_enc_meeting_get_is_host (GstEncMeeting * meeting);
void            gst_enc_meeting_set_allow_join_before_host (GstEncMeeting * meeting, gboolean allow);
gboolean        gst_enc_meeting_get_allow_join_before_host (GstEncMeeting * meeting);
gboolean        gst_enc_meeting_get_e2ee_enabled (GstEncMeeting * meeting);
void            gst_enc_meeting_set_policy (GstEncMeeting * meeting,
                                            const GstStructure * settings);
gboolean        gst_enc_meeting_request_e2ee (GstEncMeeting * meeting, GstElement * requester,
                                              gboolean enable);
void            gst_enc_meeting_set_security_code (GstEncMeeting * meeting,
                                                   GstEncStream * stream, gboolean bound,
                                                   const gchar * code);
gchar *         gst_enc_meeting_dup_security_code (GstEncMeeting * meeting,
                                                   gboolean * confirmed,
                                                   const gchar ** code_status);
gboolean        gst_enc_meeting_confirm_code (GstEncMeeting * meeting, const gchar * code);

G_END_DECLS
