/* gst-e2ee: a set of KIDs kept as ranges, shared by the key store and e2eeenc.
 * Not installed and not part of the GIR.
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <gst/e2ee/e2ee-prelude.h>

G_BEGIN_DECLS

GST_E2EE_API
GArray * gst_e2ee_kid_set_new (void);

GST_E2EE_API
gboolean gst_e2ee_kid_set_contains (const GArray *set, guint64 kid);

GST_E2EE_API
void     gst_e2ee_kid_set_add_range (GArray *set, guint64 lo, guint64 hi);

G_END_DECLS
