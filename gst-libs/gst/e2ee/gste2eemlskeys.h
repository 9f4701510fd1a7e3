/* gst-e2ee: SFrame keys from an MLS group (RFC 9605 §5.2), kept in a key store.
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <gst/e2ee/e2ee-prelude.h>
#include <gst/e2ee/gste2eekeystore.h>
#include <gst/e2ee/gste2eemlsgroup.h>

G_BEGIN_DECLS

/**
 * GST_E2EE_MLS_KEYS_DEFAULT_EPOCH_BITS:
 *
 * E, the number of low epoch bits in a KID, by default: 4, as in RFC 9605's example.
 *
 * Since: 0.1
 */
#define GST_E2EE_MLS_KEYS_DEFAULT_EPOCH_BITS 4

/**
 * GST_E2EE_MLS_KEYS_MAX_EPOCH_BITS:
 *
 * The largest E accepted.
 *
 * Since: 0.1
 */
#define GST_E2EE_MLS_KEYS_MAX_EPOCH_BITS 16

/**
 * GST_E2EE_MLS_KEYS_BASE_KEY_LABEL:
 *
 * The MLS exporter label of the SFrame base key (RFC 9605 §5.2).
 *
 * Since: 0.1
 */
#define GST_E2EE_MLS_KEYS_BASE_KEY_LABEL "SFrame 1.0 Base Key"

/**
 * GST_E2EE_TYPE_MLS_KEYS:
 *
 * The #GType of #GstE2eeMlsKeys.
 *
 * Since: 0.1
 */
#define GST_E2EE_TYPE_MLS_KEYS (gst_e2ee_mls_keys_get_type ())

/**
 * GstE2eeMlsKeys:
 *
 * Binds a #GstE2eeMlsGroup to a #GstE2eeKeyStore: the store holds the SFrame keys of
 * the group's epochs (RFC 9605 §5.2), changed by the binding at every epoch.
 *
 * Since: 0.1
 */
GST_E2EE_API
G_DECLARE_FINAL_TYPE (GstE2eeMlsKeys, gst_e2ee_mls_keys, GST_E2EE, MLS_KEYS, GObject)

GST_E2EE_API
GstE2eeMlsKeys * gst_e2ee_mls_keys_new (GstE2eeMlsGroup *group, GstE2eeKeyStore *store,
                                        GError **error);

GST_E2EE_API
GstE2eeMlsKeys * gst_e2ee_mls_keys_new_full (GstE2eeMlsGroup *group,
                                             GstE2eeKeyStore *store, guint epoch_bits,
                                             guint n_contexts, GstE2eeCipherSuite suite,
                                             GError **error);

GST_E2EE_API
guint64  gst_e2ee_mls_kid (guint64 context, guint32 sender_index, guint64 epoch,
                           guint sender_bits, guint epoch_bits);

GST_E2EE_API
guint    gst_e2ee_mls_sender_bits (guint32 group_size);

GST_E2EE_API
guint64  gst_e2ee_mls_keys_get_kid (GstE2eeMlsKeys *keys, guint32 leaf_index,
                                    guint context);

GST_E2EE_API
guint64  gst_e2ee_mls_keys_get_own_kid (GstE2eeMlsKeys *keys, guint context);

GST_E2EE_API
GstE2eeMlsMember * gst_e2ee_mls_keys_lookup_sender (GstE2eeMlsKeys *keys, guint64 kid,
                                                    guint64 *epoch);

GST_E2EE_API
guint64  gst_e2ee_mls_keys_get_epoch (GstE2eeMlsKeys *keys);

GST_E2EE_API
guint    gst_e2ee_mls_keys_get_sender_bits (GstE2eeMlsKeys *keys);

GST_E2EE_API
guint    gst_e2ee_mls_keys_get_epoch_bits (GstE2eeMlsKeys *keys);

GST_E2EE_API
GstE2eeCipherSuite gst_e2ee_mls_keys_get_cipher_suite (GstE2eeMlsKeys *keys);

GST_E2EE_API
gboolean gst_e2ee_mls_keys_is_active (GstE2eeMlsKeys *keys);

GST_E2EE_API
GstE2eeMlsKeys * gst_e2ee_mls_keys_get_for_store (GstE2eeKeyStore *store);

GST_E2EE_API
GstE2eeMlsGroup * gst_e2ee_mls_keys_get_group (GstE2eeMlsKeys *keys);

GST_E2EE_API
GstE2eeKeyStore * gst_e2ee_mls_keys_get_store (GstE2eeMlsKeys *keys);

GST_E2EE_API
gchar *  gst_e2ee_mls_keys_dup_security_code (GstE2eeMlsKeys *keys);

G_END_DECLS
