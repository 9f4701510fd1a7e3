/* gst-e2ee: shared SFrame key store
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <gst/e2ee/e2ee-prelude.h>
#include <gst/e2ee/gste2eesframe.h>

G_BEGIN_DECLS

/**
 * GST_E2EE_KEY_STORE_CONTEXT_TYPE:
 *
 * The #GstContext type that carries a #GstE2eeKeyStore, so that every e2eeenc and
 * e2eedec of a pipeline shares one. The context's structure holds the store in a
 * field named `key-store`.
 *
 * Since: 0.1
 */
#define GST_E2EE_KEY_STORE_CONTEXT_TYPE "gst.e2ee.keystore"

/**
 * GST_E2EE_KEY_STORE_DEFAULT_GRACE_PERIOD:
 *
 * How long a superseded key stays usable by default, so that frames still in flight
 * decrypt: 10 seconds.
 *
 * Since: 0.1
 */
#define GST_E2EE_KEY_STORE_DEFAULT_GRACE_PERIOD (10 * GST_SECOND)

/**
 * GST_E2EE_KEY_STORE_DEFAULT_RATCHET_WINDOW:
 *
 * How many ratchet steps a receiver derives forward by default to reach the step a
 * frame names.
 *
 * Since: 0.1
 */
#define GST_E2EE_KEY_STORE_DEFAULT_RATCHET_WINDOW 8

/**
 * GstE2eeKeyUsage:
 * @GST_E2EE_KEY_USAGE_ENCRYPT: the key encrypts this participant's media.
 * @GST_E2EE_KEY_USAGE_DECRYPT: the key decrypts a remote sender's media.
 *
 * What a key in a #GstE2eeKeyStore is for. A KID is held for one usage only: RFC 9605
 * §4.4.1 forbids using a key both to encrypt and to decrypt, since two parties sealing
 * with the same key and counters would reuse nonces.
 *
 * Since: 0.1
 */
typedef enum {
  GST_E2EE_KEY_USAGE_ENCRYPT,
  GST_E2EE_KEY_USAGE_DECRYPT,
} GstE2eeKeyUsage;

/**
 * GST_E2EE_KEY_STORE_ERROR:
 *
 * The error domain of #GstE2eeKeyStore; codes are #GstE2eeKeyStoreError. Failures to
 * derive a key come in the %GST_E2EE_SFRAME_ERROR domain.
 *
 * Since: 0.1
 */
#define GST_E2EE_KEY_STORE_ERROR (gst_e2ee_key_store_error_quark ())

/**
 * GstE2eeKeyStoreError:
 * @GST_E2EE_KEY_STORE_ERROR_USAGE_CONFLICT: the KID is already held for the other usage.
 * @GST_E2EE_KEY_STORE_ERROR_NOT_FOUND: no usable key with that KID and usage.
 * @GST_E2EE_KEY_STORE_ERROR_NOT_RATCHETABLE: the key has been superseded, so its base key
 *   was wiped and it cannot ratchet, or no current key of the KID's generation is close
 *   enough behind it.
 * @GST_E2EE_KEY_STORE_ERROR_INVALID_ARGUMENT: a ratchet-bits value outside 1 to
 *   %GST_E2EE_RATCHET_MAX_BITS, or a similar misuse.
 * @GST_E2EE_KEY_STORE_ERROR_KID_USED: the KID's encryption key was used (handed to an
 *   encryptor) and the new key is another one, or that key is gone (removed,
 *   superseded, ratcheted): a KID never gets a second encryption key, and a used key
 *   never a second counter. Since: 0.1
 *
 * Since: 0.1
 */
typedef enum {
  GST_E2EE_KEY_STORE_ERROR_USAGE_CONFLICT,
  GST_E2EE_KEY_STORE_ERROR_NOT_FOUND,
  GST_E2EE_KEY_STORE_ERROR_NOT_RATCHETABLE,
  GST_E2EE_KEY_STORE_ERROR_INVALID_ARGUMENT,
  GST_E2EE_KEY_STORE_ERROR_KID_USED,
} GstE2eeKeyStoreError;

GST_E2EE_API
GQuark    gst_e2ee_key_store_error_quark (void);

/**
 * GstE2eeKeyStore:
 *
 * SFrame keys by KID, shared by the e2eeenc and e2eedec elements of a pipeline.
 *
 * Since: 0.1
 */
#define GST_E2EE_TYPE_KEY_STORE (gst_e2ee_key_store_get_type ())
GST_E2EE_API
G_DECLARE_FINAL_TYPE (GstE2eeKeyStore, gst_e2ee_key_store, GST_E2EE, KEY_STORE, GObject)

GST_E2EE_API
GstE2eeKeyStore * gst_e2ee_key_store_new (void);

GST_E2EE_API
void      gst_e2ee_key_store_set_clock (GstE2eeKeyStore *store, GstClock *clock);

GST_E2EE_API
GstClock * gst_e2ee_key_store_get_clock (GstE2eeKeyStore *store);

/* Adding and removing keys */

GST_E2EE_API
gboolean  gst_e2ee_key_store_add_key (GstE2eeKeyStore *store, guint64 kid,
                                      GstE2eeKeyUsage usage, GstE2eeCipherSuite suite,
                                      const guint8 *base_key, gsize base_key_size,
                                      GError **error);

GST_E2EE_API
gboolean  gst_e2ee_key_store_add_key_bytes (GstE2eeKeyStore *store, guint64 kid,
                                            GstE2eeKeyUsage usage,
                                            GstE2eeCipherSuite suite,
                                            GBytes *base_key, GError **error);

GST_E2EE_API
gboolean  gst_e2ee_key_store_remove_key (GstE2eeKeyStore *store, guint64 kid,
                                         GstE2eeKeyUsage usage);

GST_E2EE_API
gboolean  gst_e2ee_key_store_retire_key (GstE2eeKeyStore *store, guint64 kid,
                                         GstE2eeKeyUsage usage,
                                         GstClockTime grace_period);

GST_E2EE_API
guint     gst_e2ee_key_store_expire (GstE2eeKeyStore *store, GstClockTime now);

GST_E2EE_API
GstClockTime gst_e2ee_key_store_get_next_deadline (GstE2eeKeyStore *store);

/* The per-frame path */

GST_E2EE_API
GstE2eeSFrameKey * gst_e2ee_key_store_lookup (GstE2eeKeyStore *store, guint64 kid,
                                              GstE2eeKeyUsage usage);

GST_E2EE_API
GstE2eeSFrameKey * gst_e2ee_key_store_lookup_ratchet (GstE2eeKeyStore *store,
                                                      guint64 kid, guint ratchet_bits,
                                                      guint max_steps,
                                                      gboolean *derived);

GST_E2EE_API
gboolean  gst_e2ee_key_store_commit_ratchet (GstE2eeKeyStore *store, guint64 kid,
                                             guint ratchet_bits, guint max_steps,
                                             GstClockTime grace_period, GError **error);

/* Ratchet (RFC 9605 §5.1) */

GST_E2EE_API
gboolean  gst_e2ee_key_store_ratchet (GstE2eeKeyStore *store, guint64 kid,
                                      GstE2eeKeyUsage usage, guint ratchet_bits,
                                      GstClockTime grace_period, guint64 *new_kid,
                                      GError **error);

/* Introspection */

GST_E2EE_API
gboolean  gst_e2ee_key_store_get_key_info (GstE2eeKeyStore *store, guint64 kid,
                                           GstE2eeKeyUsage *usage,
                                           GstE2eeCipherSuite *suite,
                                           GstClockTime *deadline);

GST_E2EE_API
GArray *  gst_e2ee_key_store_list_kids (GstE2eeKeyStore *store, GstE2eeKeyUsage usage);

GST_E2EE_API
guint     gst_e2ee_key_store_get_n_keys (GstE2eeKeyStore *store);

/* Sharing through GstContext */

GST_E2EE_API
GstContext * gst_e2ee_key_store_context_new (GstE2eeKeyStore *store);

GST_E2EE_API
GstE2eeKeyStore * gst_e2ee_key_store_from_context (GstContext *context);

GST_E2EE_API
gboolean  gst_e2ee_key_store_handle_set_context (GstElement *element,
                                                 GstContext *context,
                                                 GstE2eeKeyStore **store);

GST_E2EE_API
gboolean  gst_e2ee_key_store_handle_context_query (GstElement *element, GstQuery *query,
                                                   GstE2eeKeyStore *store);

GST_E2EE_API
gboolean  gst_e2ee_key_store_ensure (GstElement *element, GstE2eeKeyStore **store);

G_END_DECLS
