/* gst-e2ee: the SFrame cipher-suite table and the OpenSSL provider behind it.
 * Not installed and not part of the GIR.
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <gst/e2ee/gste2eesframe.h>

G_BEGIN_DECLS

/* How a suite authenticates: one AEAD call, or AES-CTR followed by a truncated HMAC
 * (RFC 9605 §4.5.1). */
typedef enum {
  GST_E2EE_SUITE_AEAD,
  GST_E2EE_SUITE_CTR_HMAC,
} GstE2eeSuiteKind;

/* One row of the table in gste2eesframe.c: everything that differs between suites.
 * The sizes are RFC 9605 §4.5's Nk, Nn, Nh and Nt; for CTR+HMAC, Nk is the AES key
 * (enc_key_size bytes) followed by the HMAC key. */
typedef struct {
  GstE2eeCipherSuite id;
  const char *nick;
  const char *cipher;           /* OpenSSL cipher name */
  const char *digest;           /* OpenSSL digest name: HKDF, and HMAC for CTR+HMAC */
  guint nk, nn, nh, nt;
  guint enc_key_size;           /* CTR+HMAC: the AES key's part of Nk; 0 for AEAD */
  GstE2eeSuiteKind kind;
} GstE2eeSuiteInfo;

/* Upper bounds over every row, checked against the table when it is first used. */
#define GST_E2EE_SUITE_MAX_KEY_SIZE 48
#define GST_E2EE_SUITE_MAX_HASH_SIZE 64
#define GST_E2EE_SUITE_NONCE_SIZE 12

G_GNUC_INTERNAL
const GstE2eeSuiteInfo * gst_e2ee_suite_info_lookup (GstE2eeCipherSuite suite);

/* ---- The OpenSSL provider (gste2eesframe-openssl.c) -------------------------
 * The only file of the SFrame codec that calls EVP. An AEAD context is prepared once
 * per key; seal and open take the AAD in two pieces (header, metadata). Not
 * thread-safe: the key's lock serialises them. */

typedef struct _GstE2eeAead GstE2eeAead;

G_GNUC_INTERNAL
GstE2eeAead * gst_e2ee_aead_new (const GstE2eeSuiteInfo *info, const guint8 *key);

G_GNUC_INTERNAL
void          gst_e2ee_aead_free (GstE2eeAead *aead);

G_GNUC_INTERNAL
gboolean      gst_e2ee_aead_seal (GstE2eeAead *aead, const guint8 *nonce,
                                  const guint8 *aad1, gsize aad1_len,
                                  const guint8 *aad2, gsize aad2_len,
                                  const guint8 *pt, gsize pt_len, guint8 *out);

G_GNUC_INTERNAL
gboolean      gst_e2ee_aead_open (GstE2eeAead *aead, const guint8 *nonce,
                                  const guint8 *aad1, gsize aad1_len,
                                  const guint8 *aad2, gsize aad2_len,
                                  const guint8 *ct, gsize ct_len, guint8 *out,
                                  gboolean *auth_failed);

/* ---- The key ------------------------------------------------------------------ */

struct _GstE2eeSFrameKey
{
  gint refcount;
  GstE2eeCipherSuite suite;
  const GstE2eeSuiteInfo *info;
  guint64 kid;

  /* One lock per key: the per-frame path never takes a lock shared between keys. */
  GMutex lock;
  guint64 next_ctr;
  gboolean exhausted;

  guint8 key[GST_E2EE_SUITE_MAX_KEY_SIZE];
  guint8 salt[GST_E2EE_SUITE_NONCE_SIZE];

  GstE2eeAead *aead;            /* the provider's prepared contexts */
};

/* Drops the last reference: wipes the key material. */
G_GNUC_INTERNAL
void          gst_e2ee_sframe_key_free (GstE2eeSFrameKey *key);

G_END_DECLS
