/* gst-e2ee: what the library's own key provisioning needs from the key store.
 * Not installed and not part of the GIR.
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <gst/e2ee/gste2eekeystore.h>

G_BEGIN_DECLS

G_GNUC_INTERNAL
gboolean gst_e2ee_key_store_add_new_secret (GstE2eeKeyStore *store, guint64 kid,
                                            GstE2eeKeyUsage usage,
                                            GstE2eeCipherSuite suite,
                                            const guint8 *base_key, gsize base_key_size,
                                            GError **error);

G_END_DECLS
