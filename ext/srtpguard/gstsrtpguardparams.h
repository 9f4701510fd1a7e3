/* gst-e2ee: srtpguard key parameters (master keys, MKIs, crypto suites)
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <gst/gst.h>
#include <srtp2/srtp.h>

#include "gstsrtpguardenums.h"

G_BEGIN_DECLS

#define GST_SRTP_GUARD_MAX_KEYS SRTP_MAX_NUM_MASTER_KEYS

typedef struct {
  guint8 *key;                  /* master key || master salt, wiped when freed */
  gsize key_len;
  guint8 *mki;                  /* NULL when the stream carries no MKI */
  gsize mki_len;
} GstSrtpGuardKey;

/* Everything needed to set up one SSRC's SRTP context: what srtpenc takes from its
 * properties and srtpdec from caps or its request-key signal. */
typedef struct {
  GstSrtpGuardCipher rtp_cipher;
  GstSrtpGuardAuth rtp_auth;
  GstSrtpGuardCipher rtcp_cipher;
  GstSrtpGuardAuth rtcp_auth;
  GstSrtpGuardKey keys[GST_SRTP_GUARD_MAX_KEYS];
  guint n_keys;
  gboolean has_roc;
  guint32 roc;
} GstSrtpGuardParams;

GstSrtpGuardParams * gst_srtp_guard_params_new (void);
GstSrtpGuardParams * gst_srtp_guard_params_copy (const GstSrtpGuardParams * params);
void gst_srtp_guard_params_free (GstSrtpGuardParams * params);
void gst_srtp_guard_params_clear_keys (GstSrtpGuardParams * params);
gboolean gst_srtp_guard_params_add_key (GstSrtpGuardParams * params, GstBuffer * key,
    GstBuffer * mki);
gboolean gst_srtp_guard_params_equal (const GstSrtpGuardParams * a,
    const GstSrtpGuardParams * b);

gboolean gst_srtp_guard_params_has_crypto (const GstSrtpGuardParams * params);
gsize gst_srtp_guard_params_key_length (const GstSrtpGuardParams * params);
gboolean gst_srtp_guard_params_validate (const GstSrtpGuardParams * params,
    GError ** error);

gboolean gst_srtp_guard_structure_has_params (const GstStructure * s);
GstSrtpGuardParams * gst_srtp_guard_params_from_structure (const GstStructure * s,
    GError ** error);
void gst_srtp_guard_params_to_structure (const GstSrtpGuardParams * params,
    GstStructure * s, gboolean with_keys);
void gst_srtp_guard_structure_remove_params (GstStructure * s);

guint gst_srtp_guard_tag_bits (GstSrtpGuardCipher cipher, GstSrtpGuardAuth auth);

/* TRUE when libsrtp would look for the MKI of this suite's SRTCP packets in the wrong
 * place: MKIs, and SRTP and SRTCP tags of different lengths (libsrtp 2.5). */
gboolean gst_srtp_guard_params_srtcp_mki_misplaced (const GstSrtpGuardParams * params);

/* Fills @policy for one SSRC; @for_srtcp: for a context used for SRTCP only (see
 * gst_srtp_guard_params_srtcp_mki_misplaced()). @mkeys and @mkey_ptrs must hold
 * GST_SRTP_GUARD_MAX_KEYS entries and, like @params, outlive the libsrtp call that
 * reads @policy. */
void gst_srtp_guard_params_fill_policy (const GstSrtpGuardParams * params, guint32 ssrc,
    guint window_size, gboolean for_srtcp, srtp_policy_t * policy,
    srtp_master_key_t * mkeys, srtp_master_key_t ** mkey_ptrs);

G_END_DECLS
