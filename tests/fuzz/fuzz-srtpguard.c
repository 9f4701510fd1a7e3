/* gst-e2ee fuzzing: srtpguard unprotecting, in GstHarnesses, against a libsrtp sender
 *
 * Input: three bytes of settings, then records.
 *   byte 0: the SRTP suite, % 15: cipher (NULL, AES-128-ICM, AES-256-ICM, AES-128-GCM,
 *     AES-256-GCM) * 3 + authentication (NULL, HMAC-SHA1-32, HMAC-SHA1-80);
 *   byte 1: low nibble the SRTCP suite the same way (15: as SRTP); bit 4
 *     require-encryption off; bit 5 min-auth-tag-bits 32; bit 6 the RTP pad gets plain
 *     application/x-rtp caps; bit 7 on-violation=error;
 *   byte 2: bits 0-1 where the keys come from: 0 the key property, 1 the key and mki
 *     properties, 2 caps with two keys and MKIs (srtp-key/mki, srtp-key2/mki2), 3 caps
 *     with an ssrc field (keys for that SSRC only); bits 2-3 replay-window-size (64,
 *     128, 1024, the largest it takes); bit 4 key-soft-limit 2 and key-hard-limit 4; bit 5
 *     post-drop-messages off; bit 6 drop-message-interval 0.
 *   record: [type] [sel] [length: 2 bytes big-endian, top two bits ignored] [data].
 *     type & 3: 0 = push data as it is; 1 = the sender protects data and it is pushed;
 *     2 = the same, then data[0..1] (mod the size) picks a byte of the protected
 *     packet that data[2] is XORed into (1 if 0), plaintext from data[3]; 3 = the
 *     same, cut to data[0..1] (mod the size + 1) bytes, plaintext from data[2].
 *     type & 0x04: the packet is RTCP (the sender uses srtp_protect_rtcp); & 0x08:
 *     push it on rtcp_sink (else on rtp_sink: RTCP multiplexed with RTP, RFC 5761);
 *     & 0x10: push it a second time; & 0x20: protect with the second master key
 *     (MKI), when there is one; & 0x40: the harness writes the header (RTP: version 2,
 *     PT 96, the next sequence number of the SSRC + sel >> 2 (63: + 40000), timestamp,
 *     SSRC; RTCP: version 2, SR, length, SSRC) over the start of the plaintext.
 *     sel & 3: one of four SSRCs. A packet libsrtp will not protect (not RTP, an index
 *     it already used) is pushed as the plaintext instead.
 *
 * The sender is libsrtp itself, set up from the same settings as srtpguard's keys
 * (ssrc_any_outbound), so genuinely protected packets get past authentication.
 *
 * Properties checked:
 * - whatever comes out of rtp_src or rtcp_src in a direction whose suite authenticates
 *   is, byte for byte, the plaintext of an RTP (RTCP) packet the sender protected and
 *   that was pushed unaltered, and comes out once at most, with a GstE2eeTransportMeta
 *   naming its SSRC, encrypted and authenticated as the suite is, and its tag length;
 * - with require-encryption, nothing comes out in a direction whose suite the policy
 *   refuses (NULL cipher, no authentication, a tag shorter than min-auth-tag-bits), or
 *   of a plain RTP pad; nothing comes out at all when the keys are unusable (SRTCP
 *   encryption without authentication; AES-GCM on one side only, which libsrtp 2.5
 *   cannot do for SRTCP); after the hard key limit, nothing more of that SSRC;
 * - a packet protected and pushed unaltered comes out at once, on the right pad,
 *   when its keys authenticate it and the policy allows it (unless key limits are
 *   on): any RTCP packet (unless genuine SRTCP from elsewhere, raw records, used the
 *   SSRC's indices), SRTCP with MKIs and tags of two lengths included (the guard works
 *   around libsrtp's SRTCP MKI lookup); an RTP packet whose sequence number is 1 to 62
 *   ahead of the last one of its SSRC, when every earlier one of that SSRC came out;
 * - every push returns OK (but for policy violations with on-violation=error).
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "fuzz-common.h"

#include <gst/check/gstharness.h>
#include <srtp2/srtp.h>
#include <string.h>

#define N_SSRCS 4
static const guint32 ssrcs[N_SSRCS] = { 0x11223344, 0xdeadbeef, 0, 0x11223345 };
#define HARD_LIMIT 4

static const guint8 master[2][46] = {
  {0xe1, 0xf9, 0x7a, 0x0d, 0x3e, 0x01, 0x8b, 0xe0, 0xd6, 0x4f, 0xa3, 0x2c, 0x06, 0xde,
        0x41, 0x39, 0x0e, 0xc6, 0x75, 0xad, 0x49, 0x8a, 0xfe, 0xeb, 0xb6, 0x96, 0x0b,
        0x3a, 0xab, 0xe6, 0x50, 0x51, 0x52, 0x53, 0x54, 0x55, 0x56, 0x57, 0x58, 0x59,
      0x5a, 0x5b, 0x5c, 0x5d, 0x5e, 0x5f},
  {0x0f, 0x1e, 0x2d, 0x3c, 0x4b, 0x5a, 0x69, 0x78, 0x87, 0x96, 0xa5, 0xb4, 0xc3, 0xd2,
        0xe1, 0xf0, 0x01, 0x12, 0x23, 0x34, 0x45, 0x56, 0x67, 0x78, 0x89, 0x9a, 0xab,
        0xbc, 0xcd, 0xde, 0xef, 0xf1, 0xe2, 0xd3, 0xc4, 0xb5, 0xa6, 0x97, 0x88, 0x79,
      0x6a, 0x5b, 0x4c, 0x3d, 0x2e, 0x1f},
};
static const guint8 mkis[2][4] = { {0x00, 0x00, 0x00, 0x01}, {0x00, 0x00, 0x00, 0x02} };

enum
{ C_NULL, C_ICM128, C_ICM256, C_GCM128, C_GCM256 };
enum
{ A_NULL, A_SHA1_32, A_SHA1_80 };
static const gchar *const cipher_nicks[] =
    { "null", "aes-128-icm", "aes-256-icm", "aes-128-gcm", "aes-256-gcm" };
static const gchar *const auth_nicks[] = { "null", "hmac-sha1-32", "hmac-sha1-80" };

int
LLVMFuzzerInitialize (int *argc, char ***argv)
{
  static srtp_t keep_nss;
  srtp_policy_t policy;

  fuzz_load_plugin ();
  srtp_init ();                 /* a no-op once srtpguard did it */
  /* Debian's libsrtp uses NSS, which it initialises for each cipher context and
   * shuts down (unloading its modules) when the last one goes: a session kept for the
   * whole run spares every input that unloading and loading again. */
  memset (&policy, 0, sizeof (policy));
  srtp_crypto_policy_set_aes_gcm_128_16_auth (&policy.rtp);
  srtp_crypto_policy_set_aes_cm_128_hmac_sha1_80 (&policy.rtcp);
  policy.ssrc.type = ssrc_any_inbound;
  policy.key = (guint8 *) master[0];
  if (srtp_create (&keep_nss, &policy) != srtp_err_status_ok)
    abort ();
  return 0;
}

typedef struct
{
  guint cipher, auth;
} Suite;

static gboolean
is_gcm (guint c)
{
  return c == C_GCM128 || c == C_GCM256;
}

static guint
tag_bits (Suite s)
{
  return is_gcm (s.cipher) ? 128 : s.auth == A_SHA1_80 ? 80 : s.auth == A_SHA1_32 ? 32 : 0;
}

static gsize
key_len (Suite s)
{
  static const gsize lens[] = { 0, 30, 46, 28, 44 };
  return s.cipher == C_NULL ? (s.auth != A_NULL ? 30 : 0) : lens[s.cipher];
}

/* The RFC 4568 / srtpenc meaning of each suite, in libsrtp's terms. */
static void
crypto_policy (Suite s, srtp_crypto_policy_t * p)
{
  switch (s.cipher) {
    case C_GCM128:
      srtp_crypto_policy_set_aes_gcm_128_16_auth (p);
      break;
    case C_GCM256:
      srtp_crypto_policy_set_aes_gcm_256_16_auth (p);
      break;
    case C_ICM128:
      if (s.auth == A_SHA1_80)
        srtp_crypto_policy_set_aes_cm_128_hmac_sha1_80 (p);
      else if (s.auth == A_SHA1_32)
        srtp_crypto_policy_set_aes_cm_128_hmac_sha1_32 (p);
      else
        srtp_crypto_policy_set_aes_cm_128_null_auth (p);
      break;
    case C_ICM256:
      if (s.auth == A_SHA1_80)
        srtp_crypto_policy_set_aes_cm_256_hmac_sha1_80 (p);
      else if (s.auth == A_SHA1_32)
        srtp_crypto_policy_set_aes_cm_256_hmac_sha1_32 (p);
      else
        srtp_crypto_policy_set_aes_cm_256_null_auth (p);
      break;
    default:
      if (s.auth == A_NULL) {
        srtp_crypto_policy_set_null_cipher_hmac_null (p);
      } else {
        srtp_crypto_policy_set_null_cipher_hmac_sha1_80 (p);
        if (s.auth == A_SHA1_32)
          p->auth_tag_len = 4;
      }
      break;
  }
}

typedef struct
{
  gboolean rtcp;
  guint32 ssrc;
  GBytes *pt;
  GBytes *wire;                 /* for packets pushed as they are: what was pushed */
  gboolean out;
} Sent;

typedef struct
{
  guint16 next_seq;
  gboolean in_sync;             /* every RTP packet the sender protected came out */
  gboolean foreign_rtcp;        /* genuine SRTCP not from the sender: its indices */
  guint outputs;
} SsrcState;

typedef struct
{
  Suite suite[2];               /* [0] RTP, [1] RTCP */
  gboolean require, plain, error_mode, limits, usable, specific;
  guint min_bits;
  guint n_keys;
  gboolean mki;
  srtp_t sender;
  srtp_policy_t policy;         /* the sender's; receivers use it with another ssrc */
  srtp_master_key_t mk[2], *mkp[2];
  GstHarness *h[2];             /* [0] rtp_sink -> rtp_src, [1] rtcp_sink -> rtcp_src */
  GPtrArray *sent;
  SsrcState st[N_SSRCS];
} Run;

/* Would the guard's policy refuse this direction? */
static gboolean
refused (Run * r, guint dir)
{
  Suite s = r->suite[dir];

  if (!r->require)
    return FALSE;
  return s.cipher == C_NULL || (!is_gcm (s.cipher) && s.auth == A_NULL) ||
      tag_bits (s) < r->min_bits;
}

/* Are packets of @dir leaving the guard authenticated ones, which the checks can
 * match against the sender's? */
/* A guard whose RTP pad has plain caps and that does not require encryption passes
 * whatever that pad gets, to either source pad: nothing to check there. */
static gboolean
anything_goes (Run * r)
{
  return r->plain && !r->require;
}

static gboolean
strict (Run * r, guint dir)
{
  return r->usable && tag_bits (r->suite[dir]) > 0 && !anything_goes (r);
}

static gint
ssrc_index (guint32 ssrc)
{
  gint i;

  for (i = 0; i < N_SSRCS; i++)
    if (ssrcs[i] == ssrc)
      return i;
  return -1;
}

static void
check_outputs (Run * r, guint dir, Sent * must)
{
  GstBuffer *out;
  gboolean must_seen = FALSE;

  while ((out = gst_harness_try_pull (r->h[dir]))) {
    GstE2eeTransportMeta *meta = gst_buffer_get_e2ee_transport_meta (out);
    guint i;
    gboolean found = FALSE;

    FUZZ_ASSERT (meta != NULL, "an output packet without GstE2eeTransportMeta");
    if (!anything_goes (r)) {
      FUZZ_ASSERT (r->usable, "a packet came out though the keys are unusable");
      FUZZ_ASSERT (!refused (r, dir) && !(dir == 0 && r->plain),
          "a packet came out of a direction the policy refuses");
    }
    if (!strict (r, dir)) {
      gst_buffer_unref (out);
      continue;
    }
    /* The packet that must come out is tried first: an earlier packet with the same
     * plaintext that was dropped (pushed on a plain pad, say) must not take its place. */
    for (i = 0; i <= r->sent->len && !found; i++) {
      Sent *s = i == 0 ? must : g_ptr_array_index (r->sent, i - 1);
      gsize len;
      const guint8 *pt;

      if (s == NULL || s->out || s->rtcp != (dir == 1) || s->ssrc != meta->ssrc)
        continue;
      pt = g_bytes_get_data (s->pt, &len);
      if (gst_buffer_get_size (out) == len && gst_buffer_memcmp (out, 0, pt, len) == 0) {
        gint k = ssrc_index (s->ssrc);

        found = s->out = TRUE;
        if (s == must)
          must_seen = TRUE;
        if (k >= 0 && r->limits)
          FUZZ_ASSERT (++r->st[k].outputs <= HARD_LIMIT,
              "packets came out after the hard key limit");
      }
    }
    FUZZ_ASSERT (found, "%s packet of SSRC %u (%zu bytes) came out that is no protected "
        "packet's plaintext, or came out twice", dir ? "an RTCP" : "an RTP",
        meta->ssrc, gst_buffer_get_size (out));
    FUZZ_ASSERT (meta->media_encrypted == (r->suite[dir].cipher != C_NULL) &&
        meta->media_authenticated && meta->auth_tag_bits == tag_bits (r->suite[dir]),
        "the transport meta does not describe the suite");
    gst_buffer_unref (out);
  }
  if (must)
    FUZZ_ASSERT (must_seen, "a protected %s packet of SSRC %u that must pass did not "
        "come out", must->rtcp ? "RTCP" : "RTP", must->ssrc);
}

static void
push (Run * r, guint pad, GstBuffer * buf)
{
  GstFlowReturn flow = gst_harness_push (r->h[pad], buf);

  FUZZ_ASSERT (flow == GST_FLOW_OK || (flow == GST_FLOW_ERROR && r->error_mode),
      "push returned %s", gst_flow_get_name (flow));
}

static GstCaps *
sink_caps (Run * r, guint pad, gboolean with_keys)
{
  GstCaps *caps;
  guint i;

  if (pad == 0 && r->plain)
    return gst_caps_from_string ("application/x-rtp, media=audio, clock-rate=8000, "
        "encoding-name=PCMA, payload=96");
  caps = gst_caps_new_empty_simple (pad ? "application/x-srtcp" : "application/x-srtp");
  if (!with_keys)
    return caps;
  gst_caps_set_simple (caps,
      "srtp-cipher", G_TYPE_STRING, cipher_nicks[r->suite[0].cipher],
      "srtp-auth", G_TYPE_STRING, auth_nicks[r->suite[0].auth],
      "srtcp-cipher", G_TYPE_STRING, cipher_nicks[r->suite[1].cipher],
      "srtcp-auth", G_TYPE_STRING, auth_nicks[r->suite[1].auth], NULL);
  if (r->specific)
    gst_caps_set_simple (caps, "ssrc", G_TYPE_UINT, ssrcs[0], NULL);
  for (i = 0; i < r->n_keys; i++) {
    gsize kl = MAX (key_len (r->suite[0]), key_len (r->suite[1]));
    GstBuffer *k = fuzz_buffer (master[i], kl ? kl : 30);
    gchar *kname = i ? g_strdup_printf ("srtp-key%u", i + 1) : g_strdup ("srtp-key");

    gst_caps_set_simple (caps, kname, GST_TYPE_BUFFER, k, NULL);
    gst_buffer_unref (k);
    g_free (kname);
    if (r->mki) {
      GstBuffer *m = fuzz_buffer (mkis[i], sizeof (mkis[i]));
      gchar *mname = i ? g_strdup_printf ("mki%u", i + 1) : g_strdup ("mki");

      gst_caps_set_simple (caps, mname, GST_TYPE_BUFFER, m, NULL);
      gst_buffer_unref (m);
      g_free (mname);
    }
  }
  return caps;
}

/* 64, 128, 1024, or the largest the property takes: libsrtp must take it too (it
 * refused 32768, which the property used to allow, so no stream ever got keys). */
static guint
window_size (guint sel)
{
  static const guint sizes[3] = { 64, 128, 1024 };
  GParamSpec *p;

  if (sel < 3)
    return sizes[sel];
  p = g_object_class_find_property (g_type_class_peek (g_type_from_name ("GstSrtpGuard")),
      "replay-window-size");
  FUZZ_ASSERT (p != NULL, "no replay-window-size");
  return G_PARAM_SPEC_UINT (p)->maximum;
}

static void
setup (Run * r, const guint8 * cfg, GstElement * guard)
{
  guint keys_from = cfg[2] & 3;
  gsize kl;
  srtp_policy_t *policy = &r->policy;
  guint i;

  r->suite[0].cipher = (cfg[0] % 15) / 3;
  r->suite[0].auth = (cfg[0] % 15) % 3;
  if ((cfg[1] & 0x0f) == 15) {
    r->suite[1] = r->suite[0];
  } else {
    r->suite[1].cipher = ((cfg[1] & 0x0f) % 15) / 3;
    r->suite[1].auth = ((cfg[1] & 0x0f) % 15) % 3;
  }
  r->require = !(cfg[1] & 0x10);
  r->min_bits = (cfg[1] & 0x20) ? 32 : 80;
  r->plain = (cfg[1] & 0x40) != 0;
  r->error_mode = (cfg[1] & 0x80) != 0;
  r->limits = (cfg[2] & 0x10) != 0;
  r->n_keys = keys_from == 2 ? 2 : 1;
  r->mki = keys_from == 1 || keys_from == 2;
  r->specific = keys_from == 3;
  /* RFC 3711 section 3.4: SRTCP needs authentication; the guard refuses AES-GCM on
   * one side only (libsrtp 2.5 picks the SRTCP transform by the SRTP cipher); a suite
   * without crypto needs no key; every key has the suite's length (they all do here) */
  r->usable = !(r->suite[1].cipher != C_NULL && !is_gcm (r->suite[1].cipher) &&
      r->suite[1].auth == A_NULL) &&
      is_gcm (r->suite[0].cipher) == is_gcm (r->suite[1].cipher);
  kl = MAX (key_len (r->suite[0]), key_len (r->suite[1]));

  g_object_set (guard, "require-encryption", r->require, "min-auth-tag-bits", r->min_bits,
      "replay-window-size", window_size ((cfg[2] >> 2) & 3),
      "post-drop-messages", (cfg[2] & 0x20) == 0, NULL);
  gst_util_set_object_arg (G_OBJECT (guard), "on-violation",
      r->error_mode ? "error" : "drop");
  if (cfg[2] & 0x40)
    g_object_set (guard, "drop-message-interval", (guint64) 0, NULL);
  if (r->limits)
    g_object_set (guard, "key-soft-limit", (guint64) 2, "key-hard-limit",
        (guint64) HARD_LIMIT, NULL);
  if (keys_from < 2) {
    GstBuffer *k = fuzz_buffer (master[0], kl ? kl : 30);
    GstBuffer *m = keys_from == 1 ? fuzz_buffer (mkis[0], 4) : NULL;

    gst_util_set_object_arg (G_OBJECT (guard), "rtp-cipher",
        cipher_nicks[r->suite[0].cipher]);
    gst_util_set_object_arg (G_OBJECT (guard), "rtp-auth", auth_nicks[r->suite[0].auth]);
    gst_util_set_object_arg (G_OBJECT (guard), "rtcp-cipher",
        cipher_nicks[r->suite[1].cipher]);
    gst_util_set_object_arg (G_OBJECT (guard), "rtcp-auth",
        auth_nicks[r->suite[1].auth]);
    g_object_set (guard, "key", k, "mki", m, NULL);
    gst_buffer_unref (k);
    if (m)
      gst_buffer_unref (m);
  }

  r->h[0] = gst_harness_new_with_element (guard, "rtp_sink", "rtp_src");
  r->h[1] = gst_harness_new_with_element (guard, "rtcp_sink", "rtcp_src");
  gst_harness_set_src_caps (r->h[0], sink_caps (r, 0, keys_from >= 2));
  gst_harness_set_src_caps (r->h[1], sink_caps (r, 1, keys_from >= 2));

  memset (policy, 0, sizeof (*policy));
  crypto_policy (r->suite[0], &policy->rtp);
  crypto_policy (r->suite[1], &policy->rtcp);
  policy->ssrc.type = ssrc_any_outbound;
  policy->window_size = 128;
  if (r->mki) {
    for (i = 0; i < r->n_keys; i++) {
      r->mk[i].key = (guint8 *) master[i];
      r->mk[i].mki_id = (guint8 *) mkis[i];
      r->mk[i].mki_size = sizeof (mkis[i]);
      r->mkp[i] = &r->mk[i];
    }
    policy->keys = r->mkp;
    policy->num_master_keys = r->n_keys;
  } else {
    policy->key = (guint8 *) master[0];
  }
  if (srtp_create (&r->sender, policy) != srtp_err_status_ok)
    r->sender = NULL;

  for (i = 0; i < N_SSRCS; i++) {
    r->st[i].next_seq = 1000 + 100 * i;
    r->st[i].in_sync = TRUE;
  }
}

/* A packet pushed as it is may be a genuine one too (the seed corpus has some, made
 * by gen-corpus.py from RFC 3711): a receiver of its own, fresh for each packet so with
 * nothing to replay, unprotects it as the guard would (RTCP on the RTCP pad or with an
 * RTCP packet type) and, if it authenticates, it joins the packets that may come out,
 * once per distinct packet. */
static void
note_raw (Run * r, guint pad, const guint8 * d, gsize len)
{
  srtp_policy_t policy = r->policy;
  srtp_t rx = NULL;
  gboolean rtcp = pad == 1 || (len >= 2 && d[1] >= 192 && d[1] <= 223);
  guint8 *buf;
  int n = len;
  srtp_err_status_t err;
  guint i;
  Sent *s;

  if (r->sender == NULL || len < (rtcp ? 8u : 12u) || len > 0x3fff)
    return;
  for (i = 0; i < r->sent->len; i++) {
    s = g_ptr_array_index (r->sent, i);
    if (s->wire && g_bytes_get_size (s->wire) == len &&
        memcmp (g_bytes_get_data (s->wire, NULL), d, len) == 0)
      return;
  }
  policy.ssrc.type = ssrc_any_inbound;
  if (rtcp && r->mki && !is_gcm (r->suite[0].cipher)) {
    /* libsrtp 2.5 looks for the SRTCP MKI in front of as many bytes as the SRTP tag
     * has; a receiver must find it in front of the SRTCP tag (RFC 3711), so the SRTP
     * suite gets the SRTCP tag here (the SRTP cipher stays: it takes part in deriving
     * the SRTCP keys) */
    Suite lookup = { r->suite[0].cipher, r->suite[1].auth };

    crypto_policy (lookup, &policy.rtp);
  }
  if (srtp_create (&rx, &policy) != srtp_err_status_ok)
    return;
  buf = g_memdup2 (d, len);
  err = rtcp ? srtp_unprotect_rtcp_mki (rx, buf, &n, r->mki) :
      srtp_unprotect_mki (rx, buf, &n, r->mki);
  if (err == srtp_err_status_ok) {
    s = g_new0 (Sent, 1);
    s->rtcp = rtcp;
    /* byte by byte: @d is anywhere in the input (GST_READ_UINT32_BE may load it as
     * one unaligned word) */
    s->ssrc = ((guint32) d[rtcp ? 4 : 8] << 24) | ((guint32) d[rtcp ? 5 : 9] << 16) |
        ((guint32) d[rtcp ? 6 : 10] << 8) | d[rtcp ? 7 : 11];
    s->pt = g_bytes_new (buf, n);
    s->wire = g_bytes_new (d, len);
    g_ptr_array_add (r->sent, s);
    /* the guard's replay state moved in ways the sender does not know */
    if (ssrc_index (s->ssrc) >= 0) {
      if (rtcp)
        r->st[ssrc_index (s->ssrc)].foreign_rtcp = TRUE;
      else
        r->st[ssrc_index (s->ssrc)].in_sync = FALSE;
    }
  }
  g_free (buf);
  srtp_dealloc (rx);
}

/* Protects @pt (a copy is kept) for the record. Returns the packet to push, its length,
 * and whether the sender protected it. */
static guint8 *
protect (Run * r, gboolean rtcp, guint mki_index, const guint8 * pt, gsize pt_len,
    gsize * len, gboolean * ok)
{
  guint8 *pkt = g_malloc (pt_len + SRTP_MAX_TRAILER_LEN + 4);
  int n = pt_len;
  srtp_err_status_t err = srtp_err_status_fail;

  memcpy (pkt, pt, pt_len);
  if (r->sender && pt_len < 0x3fff) {
    if (rtcp)
      err = srtp_protect_rtcp_mki (r->sender, pkt, &n, r->mki, mki_index);
    else
      err = srtp_protect_mki (r->sender, pkt, &n, r->mki, mki_index);
  }
  *ok = err == srtp_err_status_ok;
  *len = *ok ? (gsize) n : pt_len;
  if (!*ok)
    memcpy (pkt, pt, pt_len);
  return pkt;
}

int
LLVMFuzzerTestOneInput (const guint8 * data, size_t size)
{
  Run r;
  GstElement *guard;
  gsize pos = 3;
  guint i;

  if (size < 3)
    return 0;
  memset (&r, 0, sizeof (r));
  guard = gst_element_factory_make ("srtpguard", NULL);
  FUZZ_ASSERT (guard != NULL, "no srtpguard");
  setup (&r, data, guard);
  r.sent = g_ptr_array_new ();

  while (pos + 4 <= size) {
    guint8 type = data[pos], sel = data[pos + 1];
    gsize len = MIN ((gsize) (((data[pos + 2] & 0x3f) << 8) | data[pos + 3]),
        size - pos - 4);
    const guint8 *d = data + pos + 4;
    gboolean rtcp = (type & 0x04) != 0;
    guint pad = (type & 0x08) ? 1 : 0;
    guint dir = rtcp ? 1 : 0;
    guint k = sel & 3;
    gsize skip = (type & 3) == 2 ? 3 : (type & 3) == 3 ? 2 : 0;
    guint8 *pt, *pkt;
    gsize pt_len, pkt_len = 0;
    gboolean protected = FALSE, pristine = FALSE, seq_ok = FALSE;
    Sent *sent = NULL, *must = NULL;

    pos += 4 + len;
    if ((type & 3) == 0 || len < skip) {
      note_raw (&r, pad, d, len);
      push (&r, pad, fuzz_buffer (d, len));
      check_outputs (&r, 0, NULL);
      check_outputs (&r, 1, NULL);
      continue;
    }

    /* the plaintext, with the header the harness writes over it */
    pt_len = MAX (len - skip, (type & 0x40) ? (rtcp ? 8u : 12u) : 0u);
    pt = g_malloc0 (pt_len + 1);
    memcpy (pt, d + skip, len - skip);
    if (type & 0x40) {
      pt[0] = 0x80;
      if (rtcp) {
        pt[1] = 200;
        GST_WRITE_UINT16_BE (pt + 2, (pt_len / 4) - 1);
        GST_WRITE_UINT32_BE (pt + 4, ssrcs[k]);
      } else {
        guint step = (sel >> 2) == 63 ? 40000 : (sel >> 2);

        seq_ok = step >= 1 && step <= 62;
        r.st[k].next_seq += step;
        pt[1] = 96;
        GST_WRITE_UINT16_BE (pt + 2, r.st[k].next_seq);
        GST_WRITE_UINT32_BE (pt + 4, 3000u * r.st[k].next_seq);
        GST_WRITE_UINT32_BE (pt + 8, ssrcs[k]);
      }
    }

    pkt = protect (&r, rtcp, (type & 0x20) && r.n_keys > 1 ? 1 : 0, pt, pt_len, &pkt_len,
        &protected);
    if (protected) {
      guint32 ssrc = GST_READ_UINT32_BE (pt + (rtcp ? 4 : 8));
      gint si = ssrc_index (ssrc);

      sent = g_new0 (Sent, 1);
      sent->rtcp = rtcp;
      sent->ssrc = ssrc;
      sent->pt = g_bytes_new (pt, pt_len);
      g_ptr_array_add (r.sent, sent);
      pristine = TRUE;
      if ((type & 3) == 2) {
        gsize at = (((gsize) d[0] << 8) | d[1]) % pkt_len;

        pkt[at] ^= d[2] ? d[2] : 1;
        pristine = FALSE;
      } else if ((type & 3) == 3) {
        gsize cut = (((gsize) d[0] << 8) | d[1]) % (pkt_len + 1);

        pristine = cut == pkt_len;
        pkt_len = cut;
      }
      if (!pristine)
        sent->out = TRUE;       /* so that no output can match it */

      /* Must it come out? */
      if (pristine && (type & 0x40) && strict (&r, dir) && !refused (&r, dir) &&
          !r.limits && (!r.specific || si == 0) && (rtcp || pad == 0) && !(r.plain && pad == 0) &&
          (rtcp ? !r.st[k].foreign_rtcp : (seq_ok && r.st[k].in_sync)))
        must = sent;
      if (!rtcp && si >= 0 && !(pristine && (type & 0x40) && must))
        r.st[si].in_sync = FALSE;       /* from now on, no telling */
    }

    /* What the guard gets may be a genuine packet of another kind than the sender
     * made, or none of the sender's at all: the plaintext of a packet the sender
     * would not protect, or, say, SRTCP bytes from the seed corpus that a NULL SRTP
     * suite left as they were and that the guard takes for RTCP by their packet
     * type. They may come out as the genuine packets they are. */
    if (!protected || (pad == 1 || (pkt_len >= 2 && pkt[1] >= 192 && pkt[1] <= 223)) !=
        rtcp)
      note_raw (&r, pad, pkt, pkt_len);
    push (&r, pad, fuzz_buffer (pkt, pkt_len));
    check_outputs (&r, 0, dir == 0 ? must : NULL);
    check_outputs (&r, 1, dir == 1 ? must : NULL);
    if (type & 0x10) {
      push (&r, pad, fuzz_buffer (pkt, pkt_len));
      check_outputs (&r, 0, NULL);
      check_outputs (&r, 1, NULL);
    }
    g_free (pkt);
    g_free (pt);
  }

  gst_harness_teardown (r.h[1]);
  gst_harness_teardown (r.h[0]);
  gst_object_unref (guard);
  if (r.sender)
    srtp_dealloc (r.sender);
  for (i = 0; i < r.sent->len; i++) {
    Sent *s = g_ptr_array_index (r.sent, i);
    g_bytes_unref (s->pt);
    if (s->wire)
      g_bytes_unref (s->wire);
    g_free (s);
  }
  g_ptr_array_unref (r.sent);
  return 0;
}
