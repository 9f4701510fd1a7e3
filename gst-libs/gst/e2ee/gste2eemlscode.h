/* gst-e2ee: the security code of an MLS epoch and the fingerprint of a member.
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <gst/e2ee/e2ee-prelude.h>
#include <gst/e2ee/gste2eemlsgroup.h>

G_BEGIN_DECLS

/**
 * GST_E2EE_MLS_SECURITY_CODE_LABEL:
 *
 * The HMAC-SHA256 message that turns an epoch authenticator into the security code
 * (see gst_e2ee_mls_security_code_from_authenticator()).
 *
 * Since: 0.1
 */
#define GST_E2EE_MLS_SECURITY_CODE_LABEL "gst-e2ee 1.0 security code"

/**
 * GST_E2EE_MLS_FINGERPRINT_LABEL:
 *
 * The prefix hashed before a signature key for its fingerprint (see
 * gst_e2ee_mls_fingerprint_from_signature_key()).
 *
 * Since: 0.1
 */
#define GST_E2EE_MLS_FINGERPRINT_LABEL "gst-e2ee 1.0 signature key fingerprint"

GST_E2EE_API
gchar *  gst_e2ee_mls_security_code_from_authenticator (GBytes *epoch_authenticator);

GST_E2EE_API
gchar *  gst_e2ee_mls_fingerprint_from_signature_key (GBytes *signature_key);

GST_E2EE_API
gchar *  gst_e2ee_mls_group_get_security_code (GstE2eeMlsGroup *group);

GST_E2EE_API
gchar *  gst_e2ee_mls_member_get_fingerprint (const GstE2eeMlsMember *member);

G_END_DECLS
