/* gst-e2ee: the key binder, the nonce rule of an SFrame sender.
 * Not installed, not part of the GIR and not exported from libgste2ee-1.0: a static
 * internal library that e2eeenc and the tests link.
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <gst/e2ee/gste2eesframe.h>

G_BEGIN_DECLS

/* Where a key comes from, which decides what binding it means. */
typedef enum {
  /* The application's or the key store's key: kept for its KID, so that the same key
   * given again goes on with the counter it reached. */
  GST_E2EE_KEY_ORIGIN_GIVEN,
  /* A key the sender made (generated or ratcheted): it spends its KID, and the KIDs it
   * skips, for good. */
  GST_E2EE_KEY_ORIGIN_MADE,
  /* An MLS binding's key from the key store (gste2eemlskeys.c): kept for its KID like a
   * given key, but when RFC 9605 §5.2's epoch bits wrap the KID comes back with a new
   * epoch's key, which takes its place: the exporter never gives a secret twice, so the
   * new key counting from 0 repeats no (key, CTR) pair. */
  GST_E2EE_KEY_ORIGIN_GROUP,
} GstE2eeKeyOrigin;

/* Which key settings a pending change holds. */
typedef enum {
  GST_E2EE_PENDING_FIELD_KID = 1 << 0,
  GST_E2EE_PENDING_FIELD_KEY = 1 << 1,
  GST_E2EE_PENDING_FIELD_SUITE = 1 << 2,
} GstE2eePendingFields;

/* Where a change of KID, key and suite written while a key is in use stands. The KID
 * and the key are two writes and a frame may come between them, so they are applied
 * together, never half. */
typedef enum {
  GST_E2EE_PENDING_NONE,        /* nothing written */
  GST_E2EE_PENDING_WANTS_KEY,   /* a KID alone: waits for a key (or the store's) */
  GST_E2EE_PENDING_WANTS_KID,   /* a key or suite alone: waits for a KID */
  GST_E2EE_PENDING_COMPLETE,    /* a KID with a key or suite: to apply now */
} GstE2eePendingState;

typedef struct {
  GstE2eePendingFields fields;
  guint64 kid;
  GBytes *key;                  /* with FIELD_KEY; NULL: no key, the store's */
  GstE2eeCipherSuite suite;
} GstE2eePending;

typedef struct _GstE2eeKeyBinder GstE2eeKeyBinder;

GstE2eeKeyBinder * gst_e2ee_key_binder_new (void);

void               gst_e2ee_key_binder_free (GstE2eeKeyBinder *binder);

GstE2eeSFrameKey * gst_e2ee_key_binder_bind (GstE2eeKeyBinder *binder, guint64 kid,
                                             GstE2eeSFrameKey *fresh,
                                             GstE2eeSFrameKey *current,
                                             GstE2eeKeyOrigin origin, GError **error);

gboolean           gst_e2ee_key_binder_is_taken (const GstE2eeKeyBinder *binder,
                                                 guint64 kid);

GstE2eeSFrameKey * gst_e2ee_key_binder_lookup (const GstE2eeKeyBinder *binder,
                                               guint64 kid);

GstE2eePending *   gst_e2ee_key_binder_get_pending (GstE2eeKeyBinder *binder);

void               gst_e2ee_pending_set_kid (GstE2eePending *pending, guint64 kid);

void               gst_e2ee_pending_set_key (GstE2eePending *pending, GBytes *key);

void               gst_e2ee_pending_set_suite (GstE2eePending *pending,
                                               GstE2eeCipherSuite suite);

GstE2eePendingState gst_e2ee_pending_get_state (const GstE2eePending *pending);

void               gst_e2ee_pending_clear (GstE2eePending *pending);

gboolean           gst_e2ee_pending_settle (GstE2eePending *pending, guint64 *kid,
                                            GBytes **base_key,
                                            GstE2eeCipherSuite *suite);

G_END_DECLS
