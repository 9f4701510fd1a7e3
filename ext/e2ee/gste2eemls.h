/* gst-e2ee: e2eemls, one member's MLS agent in a pipeline
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <gst/gst.h>

G_BEGIN_DECLS

#define GST_TYPE_E2EE_MLS (gst_e2ee_mls_get_type ())
G_DECLARE_FINAL_TYPE (GstE2eeMls, gst_e2ee_mls, GST, E2EE_MLS, GstElement)

GST_ELEMENT_REGISTER_DECLARE (e2eemls);

/**
 * GstE2eeMlsRole:
 * @GST_E2EE_MLS_ROLE_HOST: creates the group when going to READY, admits joiners,
 *   removes leavers and commits the members' updates.
 * @GST_E2EE_MLS_ROLE_MEMBER: sends its KeyPackage and joins from the host's Welcome.
 *
 * What #GstE2eeMls:role an agent plays in the meeting.
 *
 * Since: 0.1
 */
typedef enum
{
  GST_E2EE_MLS_ROLE_HOST,       /*< nick=host >*/
  GST_E2EE_MLS_ROLE_MEMBER,     /*< nick=member >*/
} GstE2eeMlsRole;

G_END_DECLS
