/* gst-e2ee: an MLS (RFC 9420) client: an identity and the key packages it hands out.
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <gst/e2ee/e2ee-prelude.h>
#include <gst/e2ee/gste2eemlserror.h>

G_BEGIN_DECLS

/**
 * GST_E2EE_MLS_CIPHER_SUITE:
 *
 * The MLS cipher suite every #GstE2eeMlsClient and #GstE2eeMlsGroup uses:
 * 1, MLS_128_DHKEMX25519_AES128GCM_SHA256_Ed25519 (RFC 9420 §17.1).
 *
 * Since: 0.1
 */
#define GST_E2EE_MLS_CIPHER_SUITE 1

/**
 * GST_E2EE_TYPE_MLS_CLIENT:
 *
 * The #GType of #GstE2eeMlsClient.
 *
 * Since: 0.1
 */
#define GST_E2EE_TYPE_MLS_CLIENT (gst_e2ee_mls_client_get_type ())

/**
 * GstE2eeMlsClient:
 *
 * An MLS identity: a basic credential (the application's identity bytes, for example
 * a user name its authentication service vouches for) and an Ed25519 signature key
 * pair. It creates key packages and keeps their private keys until a Welcome uses
 * them (gst_e2ee_mls_group_join()). Not thread-safe: use one client from one thread
 * at a time.
 *
 * Since: 0.1
 */
GST_E2EE_API
G_DECLARE_FINAL_TYPE (GstE2eeMlsClient, gst_e2ee_mls_client, GST_E2EE, MLS_CLIENT, GObject)

GST_E2EE_API
GstE2eeMlsClient * gst_e2ee_mls_client_new (GBytes *identity, GError **error);

GST_E2EE_API
GstE2eeMlsClient * gst_e2ee_mls_client_new_from_private_key (GBytes *identity,
                                                             GBytes *signature_private_key,
                                                             GError **error);

GST_E2EE_API
GBytes * gst_e2ee_mls_client_get_identity (GstE2eeMlsClient *client);

GST_E2EE_API
GBytes * gst_e2ee_mls_client_get_signature_public_key (GstE2eeMlsClient *client);

GST_E2EE_API
GBytes * gst_e2ee_mls_client_export_private_key (GstE2eeMlsClient *client);

GST_E2EE_API
GBytes * gst_e2ee_mls_client_create_key_package (GstE2eeMlsClient *client, GError **error);

GST_E2EE_API
guint    gst_e2ee_mls_client_get_n_key_packages (GstE2eeMlsClient *client);

G_END_DECLS
