/* gst-e2ee: a set of KIDs kept as ranges, shared by the key store and e2eeenc.
 * Not installed, not part of the GIR and not exported: compiled into the library and
 * into the key binder's static library.
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <gst/e2ee/e2ee-prelude.h>

G_BEGIN_DECLS

G_GNUC_INTERNAL
GArray * gst_e2ee_kid_set_new (void);

G_GNUC_INTERNAL
gboolean gst_e2ee_kid_set_contains (const GArray *set, guint64 kid);

G_GNUC_INTERNAL
void     gst_e2ee_kid_set_add_range (GArray *set, guint64 lo, guint64 hi);

G_END_DECLS
