/* gst-e2ee: srtpguard per-SSRC state
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <string.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>

#include "gstsrtpguardstream.h"

GstSrtpGuardStream *
gst_srtp_guard_stream_new (guint32 ssrc, gboolean receiver)
{
  GstSrtpGuardStream *stream = g_new0 (GstSrtpGuardStream, 1);

  stream->ssrc = ssrc;
  stream->receiver = receiver;
  return stream;
}

/* RFC 3711 §3.3.1 / Appendix A: the index of a packet with sequence number @seq,
 * given the highest index so far. */
static guint64
estimate_index (guint64 highest, guint16 seq)
{
  guint64 roc = highest >> 16;
  guint16 s_l = highest & 0xffff;

  if (s_l < 32768) {
    if (seq - s_l > 32768 && roc > 0)
      roc--;
  } else if (s_l - 32768 > seq) {
    roc++;
  }
  return (roc << 16) | seq;
}

static gboolean
shares_a_key (const GstSrtpGuardParams * a, const GstSrtpGuardParams * b)
{
  guint i, j;

  for (i = 0; a && i < a->n_keys; i++)
    for (j = 0; j < b->n_keys; j++)
      if (a->keys[i].key_len == b->keys[j].key_len &&
          CRYPTO_memcmp (a->keys[i].key, b->keys[j].key, a->keys[i].key_len) == 0)
        return TRUE;
  return FALSE;
}

/* A digest naming (@key, @ssrc). libsrtp's KDF reads the master key zero-padded to
 * 30 or 46 bytes, so a 28-byte GCM key and the same bytes followed by two zeros
 * derive the same session keys: the padded form is what is named. */
static void
key_use_digest (const GstSrtpGuardKey * key, guint32 ssrc, guint8 * out)
{
  static const gchar label[] = "srtpguard key use";
  guint8 padded[SRTP_AES_ICM_256_KEY_LEN_WSALT] = { 0 };
  const guint8 *data = key->key;
  gsize len = key->key_len;
  guint8 ssrc_be[4];
  EVP_MD_CTX *md = EVP_MD_CTX_new ();
  unsigned int out_len = GST_SRTP_GUARD_KEY_USE_LEN;
  gboolean ok;

  if (len <= sizeof (padded)) {
    memcpy (padded, key->key, len);
    data = padded;
    len = len <= SRTP_AES_ICM_128_KEY_LEN_WSALT ? SRTP_AES_ICM_128_KEY_LEN_WSALT :
        sizeof (padded);
  }
  GST_WRITE_UINT32_BE (ssrc_be, ssrc);
  ok = md != NULL && EVP_DigestInit_ex (md, EVP_sha256 (), NULL) &&
      EVP_DigestUpdate (md, label, sizeof (label)) &&
      EVP_DigestUpdate (md, ssrc_be, sizeof (ssrc_be)) &&
      EVP_DigestUpdate (md, data, len) && EVP_DigestFinal_ex (md, out, &out_len);
  /* without a digest every key would look alike: all of them count as used */
  if (!ok)
    memset (out, 0, GST_SRTP_GUARD_KEY_USE_LEN);
  EVP_MD_CTX_free (md);
  OPENSSL_cleanse (padded, sizeof (padded));
}

static gboolean
key_use_known (GHashTable * used_keys, const guint8 * use)
{
  GBytes *b;
  gboolean known;

  if (used_keys == NULL)
    return FALSE;
  b = g_bytes_new_static (use, GST_SRTP_GUARD_KEY_USE_LEN);
  known = g_hash_table_contains (used_keys, b);
  g_bytes_unref (b);
  return known;
}

void
gst_srtp_guard_stream_record_key_use (GstSrtpGuardStream * stream,
    GHashTable * used_keys)
{
  if (stream->receiver || stream->key_use_recorded || used_keys == NULL)
    return;
  g_hash_table_add (used_keys, g_bytes_new (stream->key_use,
          GST_SRTP_GUARD_KEY_USE_LEN));
  stream->key_use_recorded = TRUE;
}

/* A sender protects with the first key only: the same suites and the same first key
 * and MKI protect exactly as before, whatever the other keys are. */
static gboolean
protects_alike (const GstSrtpGuardParams * a, const GstSrtpGuardParams * b)
{
  GstSrtpGuardParams a0 = *a, b0 = *b;

  a0.n_keys = MIN (a0.n_keys, 1);
  b0.n_keys = MIN (b0.n_keys, 1);
  return gst_srtp_guard_params_equal (&a0, &b0);
}

/* srtp_dealloc zeroes the derived session keys */
static void
dealloc_context (srtp_t * ctx)
{
  if (*ctx) {
    srtp_dealloc (*ctx);
    *ctx = NULL;
  }
}

static void
drop_session (GstSrtpGuardStream * stream)
{
  dealloc_context (&stream->session);
  dealloc_context (&stream->rtcp_session);
}

/* libsrtp 2.5 finds an SRTCP packet's MKI by the SRTP tag length; when the SRTCP tag
 * differs in length, SRTCP gets a context of its own whose SRTP tag length is
 * SRTCP's (see gst_srtp_guard_params_fill_policy()). @update: carry its SRTCP index
 * or replay state over, as for the main context. */
static srtp_err_status_t
set_rtcp_session (GstSrtpGuardStream * stream, const GstSrtpGuardParams * params,
    guint window_size, gboolean update)
{
  srtp_master_key_t mkeys[GST_SRTP_GUARD_MAX_KEYS];
  srtp_master_key_t *mkey_ptrs[GST_SRTP_GUARD_MAX_KEYS];
  srtp_policy_t policy;
  srtp_err_status_t err;

  if (!gst_srtp_guard_params_srtcp_mki_misplaced (params)) {
    dealloc_context (&stream->rtcp_session);
    return srtp_err_status_ok;
  }
  gst_srtp_guard_params_fill_policy (params, stream->ssrc, window_size, TRUE, &policy,
      mkeys, mkey_ptrs);
  if (update && stream->rtcp_session)
    return srtp_update_stream (stream->rtcp_session, &policy);
  dealloc_context (&stream->rtcp_session);
  err = srtp_create (&stream->rtcp_session, &policy);
  if (err != srtp_err_status_ok)
    stream->rtcp_session = NULL;
  return err;
}

void
gst_srtp_guard_stream_clear_params (GstSrtpGuardStream * stream)
{
  drop_session (stream);
  gst_srtp_guard_params_free (stream->params);
  stream->params = NULL;
  stream->source = GST_SRTP_GUARD_SOURCE_NONE;
  stream->uses_mki = FALSE;
  stream->key_spent = FALSE;
  stream->key_packets = 0;
  stream->soft_limit_reached = stream->key_expired = FALSE;
}

void
gst_srtp_guard_stream_free (GstSrtpGuardStream * stream)
{
  if (stream == NULL)
    return;
  gst_srtp_guard_stream_clear_params (stream);
  g_free (stream);
}

gboolean
gst_srtp_guard_stream_set_params (GstSrtpGuardStream * stream,
    GstSrtpGuardParams * params, GstSrtpGuardSource source, guint window_size,
    GHashTable * used_keys, GError ** error)
{
  srtp_master_key_t mkeys[GST_SRTP_GUARD_MAX_KEYS];
  srtp_master_key_t *mkey_ptrs[GST_SRTP_GUARD_MAX_KEYS];
  srtp_policy_t policy;
  srtp_err_status_t err = srtp_err_status_ok;
  guint8 use[GST_SRTP_GUARD_KEY_USE_LEN];
  gboolean crypto = gst_srtp_guard_params_has_crypto (params);
  gboolean sender = !stream->receiver && crypto && params->n_keys > 0;

  if (sender && stream->session && !stream->key_spent && stream->params &&
      protects_alike (stream->params, params)) {
    /* the context stays: srtp_update_stream() would forget which indices below the
     * highest were already used, with the same key */
    gst_srtp_guard_params_free (stream->params);
    stream->params = params;
    stream->source = source;
    return TRUE;
  }
  if (sender)
    key_use_digest (&params->keys[0], stream->ssrc, use);

  stream->key_spent = FALSE;
  if (!crypto) {
    drop_session (stream);
  } else if (sender && key_use_known (used_keys, use)) {
    /* The pair protected packets with state that is gone (a restart, clear-keys,
     * remove-key) or that srtp_update_stream() would reset (the key comes back after
     * another one, or with another suite or MKI): a new context would repeat packet
     * indices, SRTCP's from 1, and with them keystream (GCM: nonces). */
    drop_session (stream);
    stream->key_spent = TRUE;
  } else {
    if (sender) {
      memcpy (stream->key_use, use, sizeof (use));
      stream->key_use_recorded = FALSE;
    }
    gst_srtp_guard_params_fill_policy (params, stream->ssrc, window_size, FALSE,
        &policy, mkeys, mkey_ptrs);
    if (stream->session && (!stream->receiver || shares_a_key (stream->params, params))) {
      /* srtp_update_stream() carries the RTP packet index (ROC and highest sequence
       * number) and the SRTCP index or replay state over to the new keys: a sender's
       * SRTCP index must go on (RFC 3711 §3.4), and a receiver whose old keys stay
       * live must not accept their SRTCP packets twice. */
      err = srtp_update_stream (stream->session, &policy);
      if (err == srtp_err_status_ok)
        err = set_rtcp_session (stream, params, window_size, TRUE);
      if (err != srtp_err_status_ok)
        drop_session (stream);
    } else {
      /* A receiver with all-new keys starts a fresh context: nothing sent under the
       * old keys authenticates any more, so a fresh SRTCP replay window is safe, and
       * it accepts senders that restart their SRTCP index on rekeying (GStreamer
       * 1.22's srtpenc). The ROC is carried over with srtp_set_stream_roc() once the
       * first packet tells on which side of a sequence-number wrap it is. */
      stream->roc_resync = stream->session != NULL && stream->have_highest;
      drop_session (stream);
      err = srtp_create (&stream->session, &policy);
      if (err != srtp_err_status_ok) {
        stream->session = NULL;
      } else {
        if (!stream->roc_resync && params->has_roc && params->roc != 0)
          err = srtp_set_stream_roc (stream->session, stream->ssrc, params->roc);
        if (err == srtp_err_status_ok)
          err = set_rtcp_session (stream, params, window_size, FALSE);
        if (err != srtp_err_status_ok)
          drop_session (stream);
      }
    }
  }

  if (err != srtp_err_status_ok) {
    g_set_error (error, GST_LIBRARY_ERROR, GST_LIBRARY_ERROR_INIT,
        "libsrtp refused the SRTP parameters: %s",
        gst_srtp_guard_srtp_status_name (err));
    gst_srtp_guard_params_free (params);
    gst_srtp_guard_params_free (stream->params);
    stream->params = NULL;
    stream->source = GST_SRTP_GUARD_SOURCE_NONE;
    return FALSE;
  }

  gst_srtp_guard_params_free (stream->params);
  stream->params = params;
  stream->source = source;
  stream->uses_mki = params->n_keys > 0 && params->keys[0].mki != NULL;
  stream->key_packets = 0;
  stream->soft_limit_reached = stream->key_expired = FALSE;
  stream->violation_reported = FALSE;
  return TRUE;
}

gboolean
gst_srtp_guard_stream_get_roc (GstSrtpGuardStream * stream, guint32 * roc)
{
  *roc = 0;
  if (stream->session == NULL)
    return FALSE;
  if (stream->receiver && stream->have_highest) {
    *roc = stream->rtp_highest >> 16;
    return TRUE;
  }
  return srtp_get_stream_roc (stream->session, stream->ssrc, roc) == srtp_err_status_ok;
}

void
gst_srtp_guard_stream_before_rtp (GstSrtpGuardStream * stream, guint16 seq)
{
  guint32 roc;

  if (!stream->roc_resync)
    return;
  roc = estimate_index (stream->rtp_highest, seq) >> 16;
  /* 0 is libsrtp's "no pending ROC", which is right for ROC 0 */
  if (roc != 0)
    srtp_set_stream_roc (stream->session, stream->ssrc, roc);
}

void
gst_srtp_guard_stream_rtp_passed (GstSrtpGuardStream * stream, guint16 seq)
{
  guint64 index;
  guint32 roc;

  if (!stream->receiver)
    return;
  if (!stream->have_highest) {
    srtp_get_stream_roc (stream->session, stream->ssrc, &roc);
    stream->rtp_highest = ((guint64) roc << 16) | seq;
    stream->have_highest = TRUE;
  } else {
    index = estimate_index (stream->rtp_highest, seq);
    if (index > stream->rtp_highest)
      stream->rtp_highest = index;
  }
  stream->roc_resync = FALSE;
}

void
gst_srtp_guard_stats_set_drops (GstStructure * s, const guint64 * dropped)
{
  guint64 total = 0;
  gint r;

  for (r = 0; r < GST_SRTP_GUARD_N_REASONS; r++) {
    gchar *name = g_strconcat ("dropped-", gst_srtp_guard_reason_nick (r), NULL);

    gst_structure_set (s, name, G_TYPE_UINT64, dropped[r], NULL);
    total += dropped[r];
    g_free (name);
  }
  gst_structure_set (s, "dropped", G_TYPE_UINT64, total, NULL);
}

GstStructure *
gst_srtp_guard_stream_stats (GstSrtpGuardStream * stream)
{
  GstStructure *s;
  guint32 roc;

  gst_srtp_guard_stream_get_roc (stream, &roc);
  s = gst_structure_new ("srtpguard-stream-stats",
      "ssrc", G_TYPE_UINT, stream->ssrc,
      "roc", G_TYPE_UINT, roc,
      "packets", G_TYPE_UINT64, stream->packets,
      "bytes", G_TYPE_UINT64, stream->bytes,
      "rtcp-packets", G_TYPE_UINT64, stream->rtcp_packets,
      "rtcp-bytes", G_TYPE_UINT64, stream->rtcp_bytes,
      "key-packets", G_TYPE_UINT64, stream->key_packets,
      "key-expired", G_TYPE_BOOLEAN, stream->key_expired,
      "mki", G_TYPE_BOOLEAN, stream->uses_mki,
      "auth-tag-bits", G_TYPE_UINT, stream->auth_tag_bits, NULL);
  if (stream->params) {
    gst_structure_set (s,
        "rtp-cipher", G_TYPE_STRING,
        gst_srtp_guard_cipher_nick (stream->params->rtp_cipher),
        "rtp-auth", G_TYPE_STRING, gst_srtp_guard_auth_nick (stream->params->rtp_auth),
        NULL);
  }
  gst_srtp_guard_stats_set_drops (s, stream->dropped);
  return s;
}

gboolean
gst_srtp_guard_packet_is_rtcp (const guint8 * data, gsize size)
{
  /* RFC 5761 §4: RTCP packet types 192-223 occupy the marker bit + PT 64-95 */
  return size >= 2 && data[1] >= 192 && data[1] <= 223;
}

gboolean
gst_srtp_guard_packet_ssrc (const guint8 * data, gsize size, gboolean is_rtcp,
    guint32 * ssrc)
{
  /* libsrtp looks its stream up by these same bytes */
  if ((data == NULL) || (data[0] >> 6) != 2)
    return FALSE;
  if (is_rtcp) {
    if (size < 8)
      return FALSE;
    *ssrc = GST_READ_UINT32_BE (data + 4);
  } else {
    if (size < 12)
      return FALSE;
    *ssrc = GST_READ_UINT32_BE (data + 8);
  }
  return TRUE;
}

const gchar *
gst_srtp_guard_srtp_status_name (srtp_err_status_t status)
{
  switch (status) {
    case srtp_err_status_ok:
      return "ok";
    case srtp_err_status_bad_param:
      return "bad parameter";
    case srtp_err_status_alloc_fail:
      return "allocation failed";
    case srtp_err_status_init_fail:
      return "initialisation failed";
    case srtp_err_status_auth_fail:
      return "authentication failed";
    case srtp_err_status_cipher_fail:
      return "cipher failed";
    case srtp_err_status_replay_fail:
      return "replayed packet";
    case srtp_err_status_replay_old:
      return "packet older than the replay window";
    case srtp_err_status_key_expired:
      return "key expired";
    case srtp_err_status_bad_mki:
      return "unknown MKI";
    case srtp_err_status_parse_err:
      return "malformed packet";
    case srtp_err_status_no_ctx:
      return "no context for the SSRC";
    case srtp_err_status_pkt_idx_old:
      return "packet index too old";
    case srtp_err_status_pkt_idx_adv:
      return "packet index too far ahead";
    default:
      return "libsrtp error";
  }
}
