/* gst-e2ee: the confirmed and interim transcript hashes of RFC 9420 §8.2.
 * Internal until the public MLS API exists: not installed and not part of the GIR.
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include "gste2eemlssuite.h"

G_BEGIN_DECLS

gboolean gst_e2ee_mls_transcript_update (const GstE2eeMlsSuite *s,
                                         const guint8 *interim_before, gsize interim_len,
                                         const guint8 *confirmed_input,
                                         gsize confirmed_input_len,
                                         const guint8 *confirmation_tag, gsize tag_len,
                                         guint8 *confirmed_after, guint8 *interim_after,
                                         GError **error);
gboolean gst_e2ee_mls_transcript_interim (const GstE2eeMlsSuite *s,
                                          const guint8 *confirmed, gsize confirmed_len,
                                          const guint8 *confirmation_tag, gsize tag_len,
                                          guint8 *interim, GError **error);

G_END_DECLS
