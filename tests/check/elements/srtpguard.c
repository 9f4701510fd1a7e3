/* gst-e2ee: srtpguard tests, against GStreamer's own srtpenc/srtpdec and in rtpbin
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <string.h>
#include <gst/check/gstcheck.h>
#include <gst/check/gstharness.h>
#include <gst/app/app.h>
#include <gst/rtp/rtp.h>
#include <valgrind/valgrind.h>
#include <gst/e2ee/e2ee.h>
#include "../hangguard.h"

#define SSRC 0x11223344u
#define SSRC2 0x55667788u

typedef struct {
  const gchar *cipher;
  const gchar *auth;
  gsize key_len;
  guint tag_bits;
} CryptoSuite;

/* Every suite the issue lists: AES-CM 128/256 with HMAC-SHA1-80/32, and GCM. */
static const CryptoSuite suites[] = {
  {"aes-128-icm", "hmac-sha1-80", 30, 80},
  {"aes-128-icm", "hmac-sha1-32", 30, 32},
  {"aes-256-icm", "hmac-sha1-80", 46, 80},
  {"aes-256-icm", "hmac-sha1-32", 46, 32},
  {"aes-128-gcm", "null", 28, 128},
  {"aes-256-gcm", "null", 44, 128},
};

static GstBuffer *
make_key (gsize len, guint8 seed)
{
  guint8 *d = g_malloc (len);
  gsize i;

  for (i = 0; i < len; i++)
    d[i] = (guint8) (seed * 31 + i * 7 + 1);
  return gst_buffer_new_wrapped (d, len);
}

static GstBuffer *
make_bytes (const guint8 * data, gsize len)
{
  return gst_buffer_new_memdup (data, len);
}

static GstBuffer *
make_rtp (guint16 seq, guint32 ssrc, gsize payload_len)
{
  gsize size = 12 + payload_len, i;
  guint8 *d = g_malloc (size);

  d[0] = 0x80;
  d[1] = 96;
  GST_WRITE_UINT16_BE (d + 2, seq);
  GST_WRITE_UINT32_BE (d + 4, seq * 160u);
  GST_WRITE_UINT32_BE (d + 8, ssrc);
  for (i = 12; i < size; i++)
    d[i] = (guint8) (seq + i);
  return gst_buffer_new_wrapped (d, size);
}

/* A sender report without report blocks */
static GstBuffer *
make_rtcp (guint32 ssrc, guint32 count)
{
  guint8 *d = g_malloc0 (28);

  d[0] = 0x80;
  d[1] = 200;
  GST_WRITE_UINT16_BE (d + 2, 6);
  GST_WRITE_UINT32_BE (d + 4, ssrc);
  GST_WRITE_UINT32_BE (d + 8, 0x83aa7e80u);
  GST_WRITE_UINT32_BE (d + 16, count * 160u);
  GST_WRITE_UINT32_BE (d + 20, count);
  GST_WRITE_UINT32_BE (d + 24, count * 160u);
  return gst_buffer_new_wrapped (d, 28);
}

static void
assert_same_bytes (GstBuffer * a, GstBuffer * b)
{
  GstMapInfo map;

  fail_unless (a != NULL && b != NULL);
  fail_unless_equals_int ((gint) gst_buffer_get_size (a), (gint) gst_buffer_get_size (b));
  fail_unless (gst_buffer_map (b, &map, GST_MAP_READ));
  fail_unless (gst_buffer_memcmp (a, 0, map.data, map.size) == 0);
  gst_buffer_unmap (b, &map);
}

static GstCaps *
srtp_caps (gboolean rtcp, const gchar * cipher, const gchar * auth, GstBuffer * key,
    GstBuffer * mki)
{
  GstCaps *caps = gst_caps_new_simple (rtcp ? "application/x-srtcp" : "application/x-srtp",
      "srtp-cipher", G_TYPE_STRING, cipher, "srtp-auth", G_TYPE_STRING, auth,
      "srtcp-cipher", G_TYPE_STRING, cipher, "srtcp-auth", G_TYPE_STRING, auth, NULL);

  if (!rtcp)
    gst_caps_set_simple (caps, "ssrc", G_TYPE_UINT, SSRC, NULL);
  if (key)
    gst_caps_set_simple (caps, "srtp-key", GST_TYPE_BUFFER, key, NULL);
  if (mki)
    gst_caps_set_simple (caps, "mki", GST_TYPE_BUFFER, mki, NULL);
  return caps;
}

static const gchar *
plain_caps_str (gboolean rtcp)
{
  return rtcp ? "application/x-rtcp" :
      "application/x-rtp, media=audio, clock-rate=8000, encoding-name=PCMA, "
      "payload=96, ssrc=(uint)287454020";
}

static GstElement *
new_guard (const gchar * mode, GstBus * bus)
{
  GstElement *guard = gst_element_factory_make ("srtpguard", NULL);

  fail_unless (guard != NULL);
  gst_util_set_object_arg (G_OBJECT (guard), "mode", mode);
  g_object_set (guard, "drop-message-interval", (guint64) 0, NULL);
  if (bus)
    gst_element_set_bus (guard, bus);
  return guard;
}

/* Gives back a guard made with new_guard() and its bus */
static void
release_guard (GstElement * guard, GstBus * bus)
{
  gst_element_set_bus (guard, NULL);
  gst_object_unref (guard);
  gst_object_unref (bus);
}

static void
set_suite (GstElement * el, const CryptoSuite * s)
{
  gst_util_set_object_arg (G_OBJECT (el), "rtp-cipher", s->cipher);
  gst_util_set_object_arg (G_OBJECT (el), "rtp-auth", s->auth);
  gst_util_set_object_arg (G_OBJECT (el), "rtcp-cipher", s->cipher);
  gst_util_set_object_arg (G_OBJECT (el), "rtcp-auth", s->auth);
}

static GstHarness *
harness_for (GstElement * el, gboolean rtcp, gboolean request_pads)
{
  const gchar *sink = rtcp ? (request_pads ? "rtcp_sink_0" : "rtcp_sink") :
      (request_pads ? "rtp_sink_0" : "rtp_sink");
  const gchar *src = rtcp ? (request_pads ? "rtcp_src_0" : "rtcp_src") :
      (request_pads ? "rtp_src_0" : "rtp_src");

  return gst_harness_new_with_element (el, sink, src);
}

static void
set_suites (GstElement * el, const CryptoSuite * rtp, const CryptoSuite * rtcp)
{
  gst_util_set_object_arg (G_OBJECT (el), "rtp-cipher", rtp->cipher);
  gst_util_set_object_arg (G_OBJECT (el), "rtp-auth", rtp->auth);
  gst_util_set_object_arg (G_OBJECT (el), "rtcp-cipher", rtcp->cipher);
  gst_util_set_object_arg (G_OBJECT (el), "rtcp-auth", rtcp->auth);
}

static GstHarness *
new_srtpenc_mixed (const CryptoSuite * rtp_suite, const CryptoSuite * rtcp_suite,
    GstBuffer * key, GstBuffer * mki, gboolean rtcp)
{
  GstElement *enc = gst_element_factory_make ("srtpenc", NULL);
  GstHarness *h;

  fail_unless (enc != NULL, "srtpenc from gstreamer1.0-plugins-bad is needed");
  set_suites (enc, rtp_suite, rtcp_suite);
  g_object_set (enc, "key", key, "mki", mki, NULL);
  h = harness_for (enc, rtcp, TRUE);
  gst_object_unref (enc);
  gst_harness_set_src_caps_str (h, plain_caps_str (rtcp));
  return h;
}

static GstHarness *
new_srtpenc (const CryptoSuite * s, GstBuffer * key, GstBuffer * mki, gboolean rtcp)
{
  return new_srtpenc_mixed (s, s, key, mki, rtcp);
}

/* Messages of @type (and, for element messages, structure @name) on @bus. */
static GList *
take_messages (GstBus * bus, GstMessageType type, const gchar * name)
{
  GList *list = NULL;
  GstMessage *msg;

  while ((msg = gst_bus_pop (bus))) {
    if (GST_MESSAGE_TYPE (msg) == type && (name == NULL ||
            gst_message_has_name (msg, name)))
      list = g_list_append (list, msg);
    else
      gst_message_unref (msg);
  }
  return list;
}

static guint64
stats_u64 (GstElement * guard, gint stream_ssrc, const gchar * field)
{
  GstStructure *stats;
  const GstStructure *s;
  guint64 v = G_MAXUINT64;
  guint i;

  g_object_get (guard, "stats", &stats, NULL);
  s = stats;
  if (stream_ssrc >= 0) {
    const GValue *list = gst_structure_get_value (stats, "streams");

    s = NULL;
    for (i = 0; i < gst_value_array_get_size (list); i++) {
      const GstStructure *ss =
          gst_value_get_structure (gst_value_array_get_value (list, i));
      guint ssrc;

      gst_structure_get_uint (ss, "ssrc", &ssrc);
      if (ssrc == (guint) stream_ssrc)
        s = ss;
    }
  }
  if (s && !gst_structure_get_uint64 (s, field, &v)) {
    guint u;

    if (gst_structure_get_uint (s, field, &u))
      v = u;
  }
  gst_structure_free (stats);
  return v;
}

/* srtpenc -> srtpguard (keys from srtpenc's caps), RTP and RTCP, every suite:
 * the guard must give back the exact packets. */
GST_START_TEST (test_interop_from_srtpenc)
{
  guint i, n, rtcp;

  for (i = 0; i < G_N_ELEMENTS (suites); i++) {
    for (rtcp = 0; rtcp < 2; rtcp++) {
      GstBuffer *key = make_key (suites[i].key_len, i);
      GstHarness *henc = new_srtpenc (&suites[i], key, NULL, rtcp);
      GstElement *guard = new_guard ("unprotect", NULL);
      GstHarness *hg;

      g_object_set (guard, "min-auth-tag-bits", suites[i].tag_bits, NULL);
      hg = harness_for (guard, rtcp, FALSE);
      for (n = 0; n < 20; n++) {
        GstBuffer *in = rtcp ? make_rtcp (SSRC, n) : make_rtp (100 + n, SSRC, 40 + n);
        GstBuffer *srtp, *out;
        GstE2eeTransportMeta *meta;

        fail_unless_equals_int (gst_harness_push (henc, gst_buffer_ref (in)), GST_FLOW_OK);
        srtp = gst_harness_pull (henc);
        fail_unless (gst_buffer_get_size (srtp) > gst_buffer_get_size (in));
        if (n == 0)
          gst_harness_set_src_caps (hg, gst_pad_get_current_caps (henc->sinkpad));
        fail_unless_equals_int (gst_harness_push (hg, srtp), GST_FLOW_OK);
        out = gst_harness_pull (hg);
        assert_same_bytes (out, in);
        meta = gst_buffer_get_e2ee_transport_meta (out);
        fail_unless (meta != NULL);
        fail_unless_equals_int (meta->ssrc, SSRC);
        fail_unless (meta->media_encrypted && meta->media_authenticated);
        fail_unless_equals_int (meta->auth_tag_bits, suites[i].tag_bits);
        gst_buffer_unref (out);
        gst_buffer_unref (in);
      }
      fail_unless_equals_uint64 (stats_u64 (guard, SSRC, rtcp ? "rtcp-packets" :
              "packets"), 20);
      fail_unless_equals_uint64 (stats_u64 (guard, -1, "dropped"), 0);
      gst_harness_teardown (hg);
      gst_harness_teardown (henc);
      gst_object_unref (guard);
      gst_buffer_unref (key);
    }
  }
}

GST_END_TEST;

static GstCaps *
request_key_cb (GstElement * dec, guint ssrc, GstCaps * caps)
{
  return gst_caps_ref (caps);
}

static void
caps_unref_notify (gpointer caps, GClosure * closure)
{
  gst_caps_unref (caps);
}

/* srtpguard -> srtpdec, every suite, RTP and RTCP: srtpdec gets its keys from the
 * request-key signal, as a receiver with signalled keys does. The guard's SRTP must
 * also be byte for byte what srtpenc makes of the same packets with the same key. */
GST_START_TEST (test_interop_to_srtpdec)
{
  guint i, n, rtcp;

  for (i = 0; i < G_N_ELEMENTS (suites); i++) {
    for (rtcp = 0; rtcp < 2; rtcp++) {
      GstBuffer *key = make_key (suites[i].key_len, 7 + i);
      GstElement *guard = new_guard ("protect", NULL);
      GstElement *dec = gst_element_factory_make ("srtpdec", NULL);
      GstHarness *hg, *hd, *henc = new_srtpenc (&suites[i], key, NULL, rtcp);
      GstCaps *keycaps = srtp_caps (rtcp, suites[i].cipher, suites[i].auth, key, NULL);

      set_suite (guard, &suites[i]);
      g_object_set (guard, "key", key, "min-auth-tag-bits", suites[i].tag_bits, NULL);
      g_signal_connect_data (dec, "request-key", G_CALLBACK (request_key_cb), keycaps,
          caps_unref_notify, 0);
      hg = harness_for (guard, rtcp, FALSE);
      hd = gst_harness_new_with_element (dec, rtcp ? "rtcp_sink" : "rtp_sink",
          rtcp ? "rtcp_src" : "rtp_src");
      gst_harness_set_src_caps_str (hg, plain_caps_str (rtcp));
      gst_harness_set_src_caps_str (hd, rtcp ? "application/x-srtcp" :
          "application/x-srtp, media=audio, clock-rate=8000, encoding-name=PCMA, "
          "payload=96");

      for (n = 0; n < 20; n++) {
        GstBuffer *in = rtcp ? make_rtcp (SSRC, n) : make_rtp (500 + n, SSRC, 30 + n);
        GstBuffer *srtp, *ref, *out;

        fail_unless_equals_int (gst_harness_push (hg, gst_buffer_ref (in)), GST_FLOW_OK);
        srtp = gst_harness_pull (hg);
        fail_unless_equals_int (gst_harness_push (henc, gst_buffer_ref (in)), GST_FLOW_OK);
        ref = gst_harness_pull (henc);
        assert_same_bytes (srtp, ref);
        fail_unless_equals_int (gst_harness_push (hd, srtp), GST_FLOW_OK);
        out = gst_harness_pull (hd);
        assert_same_bytes (out, in);
        gst_buffer_unref (out);
        gst_buffer_unref (ref);
        gst_buffer_unref (in);
      }
      gst_harness_teardown (hd);
      gst_harness_teardown (hg);
      gst_harness_teardown (henc);
      gst_object_unref (dec);
      gst_object_unref (guard);
      gst_buffer_unref (key);
    }
  }
}

GST_END_TEST;

/* With key-in-caps the guard's output caps carry the key like srtpenc's, and srtpdec
 * needs nothing else; without it they carry no key. */
GST_START_TEST (test_key_in_caps)
{
  GstBuffer *key = make_key (30, 3);
  GstElement *guard = new_guard ("protect", NULL);
  GstHarness *hg, *hd;
  GstBuffer *in, *out;
  GstCaps *caps;
  const GstStructure *s;

  g_object_set (guard, "key", key, NULL);
  hg = harness_for (guard, FALSE, FALSE);
  gst_harness_set_src_caps_str (hg, plain_caps_str (FALSE));
  caps = gst_pad_get_current_caps (hg->sinkpad);
  s = gst_caps_get_structure (caps, 0);
  fail_unless (gst_structure_has_name (s, "application/x-srtp"));
  fail_unless_equals_string (gst_structure_get_string (s, "srtp-cipher"), "aes-128-icm");
  fail_unless_equals_string (gst_structure_get_string (s, "srtcp-auth"), "hmac-sha1-80");
  fail_if (gst_structure_has_field (s, "srtp-key"));
  gst_caps_unref (caps);

  g_object_set (guard, "key-in-caps", TRUE, NULL);
  hd = gst_harness_new_with_padnames ("srtpdec", "rtp_sink", "rtp_src");
  in = make_rtp (1, SSRC, 50);
  fail_unless_equals_int (gst_harness_push (hg, gst_buffer_ref (in)), GST_FLOW_OK);
  caps = gst_pad_get_current_caps (hg->sinkpad);
  fail_unless (gst_structure_has_field (gst_caps_get_structure (caps, 0), "srtp-key"));
  gst_harness_set_src_caps (hd, caps);
  fail_unless_equals_int (gst_harness_push (hd, gst_harness_pull (hg)), GST_FLOW_OK);
  out = gst_harness_pull (hd);
  assert_same_bytes (out, in);

  gst_buffer_unref (out);
  gst_buffer_unref (in);
  gst_harness_teardown (hd);
  gst_harness_teardown (hg);
  gst_object_unref (guard);
  gst_buffer_unref (key);
}

GST_END_TEST;

static GstBuffer *
roundtrip (GstHarness * hsend, GstHarness * hrecv, GstBuffer * in, GstBuffer ** srtp_copy)
{
  GstBuffer *srtp;

  fail_unless_equals_int (gst_harness_push (hsend, in), GST_FLOW_OK);
  srtp = gst_harness_pull (hsend);
  if (srtp_copy)
    *srtp_copy = gst_buffer_copy_deep (srtp);
  fail_unless_equals_int (gst_harness_push (hrecv, srtp), GST_FLOW_OK);
  return gst_harness_try_pull (hrecv);
}

/* 65,536 packets cover the whole sequence-number space under key 1; the rekey lands
 * exactly on the wrap, so the next packet (seq 0) needs ROC 1 under key 2, on both
 * sides. The sender rekeys through its key property, the receiver through new caps.
 * A fresh srtpdec told roc=1 must read the post-rekey packets, and one told roc=0
 * must not: the sender really continued the ROC. */
GST_START_TEST (test_rekey_keeps_roc)
{
  GstBuffer *k1 = make_key (30, 1), *k2 = make_key (30, 2);
  GstElement *tx = new_guard ("protect", NULL), *rx = new_guard ("unprotect", NULL);
  GstHarness *htx, *hrx, *hd1, *hd0;
  GstBuffer *after[50];
  GstCaps *c;
  guint32 i;
  guint ok1 = 0, ok0 = 0, roc = 0;

  g_object_set (tx, "key", k1, NULL);
  htx = harness_for (tx, FALSE, FALSE);
  hrx = harness_for (rx, FALSE, FALSE);
  gst_harness_set_src_caps_str (htx, plain_caps_str (FALSE));
  gst_harness_set_src_caps (hrx, srtp_caps (FALSE, "aes-128-icm", "hmac-sha1-80", k1,
          NULL));

  for (i = 0; i < 65536; i++) {
    GstBuffer *out = roundtrip (htx, hrx, make_rtp (i, SSRC, 1), NULL);

    fail_unless (out != NULL, "packet %u lost", i);
    fail_unless_equals_int (gst_buffer_get_size (out), 13);
    gst_buffer_unref (out);
  }
  fail_unless_equals_uint64 (stats_u64 (tx, SSRC, "roc"), 0);

  g_object_set (tx, "key", k2, NULL);
  gst_harness_set_src_caps (hrx, srtp_caps (FALSE, "aes-128-icm", "hmac-sha1-80", k2,
          NULL));
  for (i = 0; i < G_N_ELEMENTS (after); i++) {
    GstBuffer *in = make_rtp (i, SSRC, 1);
    GstBuffer *out = roundtrip (htx, hrx, gst_buffer_ref (in), &after[i]);

    fail_unless (out != NULL, "packet %u after the rekey lost", i);
    assert_same_bytes (out, in);
    gst_buffer_unref (out);
    gst_buffer_unref (in);
  }
  fail_unless_equals_uint64 (stats_u64 (tx, SSRC, "roc"), 1);
  fail_unless_equals_uint64 (stats_u64 (rx, SSRC, "roc"), 1);
  fail_unless_equals_uint64 (stats_u64 (rx, SSRC, "packets"), 65536 + 50);
  fail_unless_equals_uint64 (stats_u64 (rx, -1, "dropped"), 0);

  /* the sender's new caps tell a srtpdec downstream the ROC */
  c = gst_pad_get_current_caps (htx->sinkpad);
  fail_unless (gst_structure_get_uint (gst_caps_get_structure (c, 0), "roc", &roc));
  fail_unless_equals_int (roc, 1);
  gst_caps_unref (c);

  hd1 = gst_harness_new_with_padnames ("srtpdec", "rtp_sink", "rtp_src");
  hd0 = gst_harness_new_with_padnames ("srtpdec", "rtp_sink", "rtp_src");
  c = srtp_caps (FALSE, "aes-128-icm", "hmac-sha1-80", k2, NULL);
  gst_caps_set_simple (c, "roc", G_TYPE_UINT, 1, NULL);
  gst_harness_set_src_caps (hd1, c);
  c = srtp_caps (FALSE, "aes-128-icm", "hmac-sha1-80", k2, NULL);
  gst_caps_set_simple (c, "roc", G_TYPE_UINT, 0, NULL);
  gst_harness_set_src_caps (hd0, c);
  for (i = 0; i < G_N_ELEMENTS (after); i++) {
    /* srtpdec 1.22 needs writable input: it pushes the buffer it was given even
     * when it had to decrypt a copy */
    gst_harness_push (hd1, gst_buffer_copy (after[i]));
    gst_harness_push (hd0, after[i]);
  }
  ok1 = gst_harness_buffers_received (hd1);
  ok0 = gst_harness_buffers_received (hd0);
  fail_unless_equals_int (ok1, G_N_ELEMENTS (after));
  fail_unless_equals_int (ok0, 0);

  gst_harness_teardown (hd1);
  gst_harness_teardown (hd0);
  gst_harness_teardown (htx);
  gst_harness_teardown (hrx);
  gst_object_unref (tx);
  gst_object_unref (rx);
  gst_buffer_unref (k1);
  gst_buffer_unref (k2);
}

GST_END_TEST;

/* Every (key, SSRC, packet index) a protecting guard sent, RTP and SRTCP apart. */
typedef struct {
  GHashTable *seen;
  const CryptoSuite *suite;
  guint rtp, rtcp;
} SentIndices;

/* Pulls what the guard output, and fails on a (key, SSRC, index) sent twice: the
 * same keystream (AES-CM) or GCM nonce twice. @key_label names the key in use. */
static void
collect_sent (SentIndices * sent, GstElement * guard, GstHarness * h, gboolean rtcp,
    const gchar * key_label)
{
  GstBuffer *buf;

  while ((buf = gst_harness_try_pull (h))) {
    GstMapInfo map;
    guint32 ssrc, index;
    gchar *id;

    fail_unless (gst_buffer_map (buf, &map, GST_MAP_READ));
    if (rtcp) {
      /* E flag and SRTCP index: after the tag with GCM (RFC 7714 §17), before it
       * with AES-CM (RFC 3711 §3.4); no MKI here */
      gsize at = map.size - 4 - (g_str_has_suffix (sent->suite->cipher, "gcm") ? 0 :
          sent->suite->tag_bits / 8);

      ssrc = GST_READ_UINT32_BE (map.data + 4);
      index = GST_READ_UINT32_BE (map.data + at) & 0x7fffffffu;
      sent->rtcp++;
    } else {
      guint64 roc;

      ssrc = GST_READ_UINT32_BE (map.data + 8);
      /* the sender's ROC is in its stats (an SSRC it does not track has none: a
       * fresh context starts at 0); nothing here wraps the sequence number */
      roc = stats_u64 (guard, ssrc, "roc");
      index = (guint32) ((roc == G_MAXUINT64 ? 0 : roc) << 16) |
          GST_READ_UINT16_BE (map.data + 2);
      sent->rtp++;
    }
    gst_buffer_unmap (buf, &map);
    gst_buffer_unref (buf);
    id = g_strdup_printf ("key %s, SSRC %u, %s index %u", key_label, ssrc,
        rtcp ? "SRTCP" : "RTP", index);
    fail_if (g_hash_table_contains (sent->seen, id), "%s protected twice", id);
    g_hash_table_add (sent->seen, id);
  }
}

static void
check_key_reuse_refused (GstBus * bus, guint ssrc)
{
  GList *msgs = take_messages (bus, GST_MESSAGE_WARNING, NULL);
  const GstStructure *details = NULL;
  GError *err = NULL;
  guint v;

  fail_unless_equals_int (g_list_length (msgs), 1);
  gst_message_parse_warning (msgs->data, &err, NULL);
  gst_message_parse_warning_details (msgs->data, &details);
  fail_unless (g_str_has_prefix (err->message, "Key reuse refused"), "message: %s",
      err->message);
  fail_unless (details != NULL);
  fail_unless (gst_structure_get_uint (details, "ssrc", &v));
  fail_unless_equals_int (v, ssrc);
  fail_unless_equals_string (gst_structure_get_string (details, "reason"),
      "key-reused");
  g_error_free (err);
  g_list_free_full (msgs, (GDestroyNotify) gst_message_unref);
}

static GstCaps *
plain_caps_with_key (const CryptoSuite * s, GstBuffer * key)
{
  GstCaps *caps = gst_caps_from_string (plain_caps_str (FALSE));

  gst_caps_set_simple (caps, "srtp-key", GST_TYPE_BUFFER, key,
      "srtp-cipher", G_TYPE_STRING, s->cipher, "srtp-auth", G_TYPE_STRING, s->auth,
      "srtcp-cipher", G_TYPE_STRING, s->cipher, "srtcp-auth", G_TYPE_STRING, s->auth,
      NULL);
  return caps;
}

enum {
  REUSE_RESTART, REUSE_CLEAR_KEYS, REUSE_REMOVE_KEY, REUSE_KEY_BACK, REUSE_CAPS_BACK,
  N_REUSE
};

static void
push_rtp_and_rtcp (GstHarness * hrtp, GstHarness * hrtcp, guint16 first_seq)
{
  guint i;

  for (i = 0; i < 10; i++)
    fail_unless_equals_int (gst_harness_push (hrtp, make_rtp (first_seq + i, SSRC, 20)),
        GST_FLOW_OK);
  for (i = 0; i < 3; i++)
    fail_unless_equals_int (gst_harness_push (hrtcp, make_rtcp (SSRC, i)), GST_FLOW_OK);
}

static void
teardown_protect (GstHarness * hrtp, GstHarness * hrtcp, GstElement * guard,
    GstBus * bus, SentIndices * sent)
{
  gst_harness_teardown (hrtcp);
  gst_harness_teardown (hrtp);
  release_guard (guard, bus);
  g_hash_table_unref (sent->seen);
}

static void
push_and_collect (SentIndices * sent, GstElement * guard, GstHarness * hrtp,
    GstHarness * hrtcp, guint16 first_seq, const gchar * key_label)
{
  push_rtp_and_rtcp (hrtp, hrtcp, first_seq);
  collect_sent (sent, guard, hrtp, FALSE, key_label);
  collect_sent (sent, guard, hrtcp, TRUE, key_label);
}

/* A protecting guard's key, from the key property or from its input caps */
static void
set_protect_key (GstElement * guard, GstHarness * hrtp, const CryptoSuite * s,
    GstBuffer * key, gboolean by_caps)
{
  if (by_caps)
    gst_harness_set_src_caps (hrtp, plain_caps_with_key (s, key));
  else
    g_object_set (guard, "key", key, NULL);
}

/* A protecting guard never sends two packets under one (key, SSRC, index): not after
 * PLAYING -> NULL -> PLAYING with a fixed seqnum-offset, clear-keys, remove-key, nor
 * when the key property or the caps come back to a key that already protected
 * packets. It refuses such a key (one warning, nothing sent) until it gets a new one. */
GST_START_TEST (test_protect_no_index_reuse)
{
  const CryptoSuite *test_suites[] = { &suites[0], &suites[4] };
  guint si, sc;

  for (si = 0; si < G_N_ELEMENTS (test_suites); si++) {
    for (sc = 0; sc < N_REUSE; sc++) {
      const CryptoSuite *s = test_suites[si];
      GstBus *bus = gst_bus_new ();
      GstElement *guard = new_guard ("protect", bus);
      GstBuffer *k1 = make_key (s->key_len, 21), *k2 = make_key (s->key_len, 22);
      GstBuffer *k3 = make_key (s->key_len, 23);
      SentIndices sent = { g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
            NULL), s, 0, 0 };
      gboolean by_caps = sc == REUSE_CAPS_BACK;
      GstHarness *hrtp, *hrtcp;

      set_suite (guard, s);
      if (!by_caps)
        g_object_set (guard, "key", k1, NULL);
      hrtp = harness_for (guard, FALSE, FALSE);
      hrtcp = harness_for (guard, TRUE, FALSE);
      if (by_caps)
        gst_harness_set_src_caps (hrtp, plain_caps_with_key (s, k1));
      else
        gst_harness_set_src_caps_str (hrtp, plain_caps_str (FALSE));
      gst_harness_set_src_caps_str (hrtcp, plain_caps_str (TRUE));

      push_and_collect (&sent, guard, hrtp, hrtcp, 1000, "1");
      fail_unless_equals_int (sent.rtp, 10);
      fail_unless_equals_int (sent.rtcp, 3);
      gst_check_drop_buffers ();
      g_list_free_full (take_messages (bus, GST_MESSAGE_WARNING, NULL),
          (GDestroyNotify) gst_message_unref);

      switch (sc) {
        case REUSE_RESTART:
          fail_unless_equals_int (gst_element_set_state (guard, GST_STATE_NULL),
              GST_STATE_CHANGE_SUCCESS);
          fail_unless_equals_int (gst_element_set_state (guard, GST_STATE_PLAYING),
              GST_STATE_CHANGE_SUCCESS);
          gst_harness_push_event (hrtp, gst_event_new_stream_start ("rtp"));
          gst_harness_push_event (hrtcp, gst_event_new_stream_start ("rtcp"));
          gst_harness_set_src_caps_str (hrtp, plain_caps_str (FALSE));
          gst_harness_set_src_caps_str (hrtcp, plain_caps_str (TRUE));
          break;
        case REUSE_CLEAR_KEYS:
          g_signal_emit_by_name (guard, "clear-keys");
          break;
        case REUSE_REMOVE_KEY:
          g_signal_emit_by_name (guard, "remove-key", SSRC);
          break;
        case REUSE_KEY_BACK:
        case REUSE_CAPS_BACK:
          /* a few packets under another key, then back to the first one */
          set_protect_key (guard, hrtp, s, k2, by_caps);
          push_and_collect (&sent, guard, hrtp, hrtcp, 1010, "2");
          fail_unless_equals_int (sent.rtp, 20);
          set_protect_key (guard, hrtp, s, k1, by_caps);
          break;
        default:
          g_assert_not_reached ();
      }

      /* the same SSRC and sequence numbers again (a fixed seqnum-offset) */
      push_and_collect (&sent, guard, hrtp, hrtcp, 1000, "1");
      check_key_reuse_refused (bus, SSRC);
      fail_unless_equals_uint64 (stats_u64 (guard, SSRC, "dropped-key-reused"), 13);

      /* a new key: everything goes out again */
      set_protect_key (guard, hrtp, s, k3, by_caps);
      push_and_collect (&sent, guard, hrtp, hrtcp, 1000, "3");
      fail_unless_equals_int (sent.rtp, sc >= REUSE_KEY_BACK ? 30 : 20);
      fail_unless_equals_int (sent.rtcp, sc >= REUSE_KEY_BACK ? 9 : 6);
      fail_unless_equals_int (g_list_length (take_messages (bus, GST_MESSAGE_WARNING,
                  NULL)), 0);

      teardown_protect (hrtp, hrtcp, guard, bus, &sent);
      gst_buffer_unref (k1);
      gst_buffer_unref (k2);
      gst_buffer_unref (k3);
    }
  }
}

GST_END_TEST;

/* Changes around the key a protecting guard uses. More keys in its MKI set leave
 * the context as it is: a packet repeating the last index is still refused as a
 * replay, where srtp_update_stream() would have forgotten it was sent. Another suite
 * with the same key would repeat indices: refused as key reuse. */
GST_START_TEST (test_protect_same_key_changes)
{
  static const guint8 mki1[] = { 1 }, mki2[] = { 2 };
  GstBus *bus = gst_bus_new ();
  GstElement *guard = new_guard ("protect", bus);
  GstBuffer *k1 = make_key (30, 31), *k2 = make_key (30, 32);
  GstBuffer *m1 = make_bytes (mki1, 1), *m2 = make_bytes (mki2, 1);
  SentIndices sent = { g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL),
    &suites[0], 0, 0
  };
  GstHarness *hrtp, *hrtcp;
  GstCaps *caps;

  hrtp = harness_for (guard, FALSE, FALSE);
  hrtcp = harness_for (guard, TRUE, FALSE);
  caps = plain_caps_with_key (&suites[0], k1);
  gst_caps_set_simple (caps, "mki", GST_TYPE_BUFFER, m1, NULL);
  gst_harness_set_src_caps (hrtp, gst_caps_copy (caps));
  gst_harness_set_src_caps_str (hrtcp, plain_caps_str (TRUE));
  push_rtp_and_rtcp (hrtp, hrtcp, 1000);

  /* a second key for the MKI set; the first one stays in use */
  gst_caps_set_simple (caps, "srtp-key2", GST_TYPE_BUFFER, k2, "mki2", GST_TYPE_BUFFER,
      m2, NULL);
  gst_harness_set_src_caps (hrtp, caps);
  fail_unless_equals_int (gst_harness_push (hrtp, make_rtp (1009, SSRC, 20)),
      GST_FLOW_OK);
  fail_unless_equals_uint64 (stats_u64 (guard, SSRC, "dropped-replay"), 1);
  push_rtp_and_rtcp (hrtp, hrtcp, 1010);
  collect_sent (&sent, guard, hrtp, FALSE, "1");
  fail_unless_equals_int (sent.rtp, 20);
  fail_unless_equals_int (gst_harness_buffers_received (hrtcp), 6);
  fail_unless_equals_int (g_list_length (take_messages (bus, GST_MESSAGE_WARNING,
              NULL)), 0);

  /* the same key with a shorter tag: the same keystream from index 1020 on */
  caps = plain_caps_with_key (&suites[1], k1);
  gst_caps_set_simple (caps, "mki", GST_TYPE_BUFFER, m1, NULL);
  gst_harness_set_src_caps (hrtp, caps);
  g_object_set (guard, "min-auth-tag-bits", 32, NULL);
  push_rtp_and_rtcp (hrtp, hrtcp, 1020);
  fail_unless_equals_int (gst_harness_buffers_received (hrtp), 20);
  check_key_reuse_refused (bus, SSRC);

  teardown_protect (hrtp, hrtcp, guard, bus, &sent);
  gst_buffer_unref (k1);
  gst_buffer_unref (k2);
  gst_buffer_unref (m1);
  gst_buffer_unref (m2);
}

GST_END_TEST;

/* A protecting guard tracks 4096 SSRCs. One more would need a context per packet,
 * each starting its indices again: its packets are dropped instead. (The 4096 use
 * the NULL suites, which need no libsrtp context: 4096 contexts take seconds.) */
GST_START_TEST (test_protect_untracked_ssrcs)
{
  static const CryptoSuite null_suite = { "null", "null", 0, 0 };
  GstElement *guard = new_guard ("protect", NULL);
  GstBuffer *key = make_key (30, 41);
  SentIndices sent = { g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL),
    &suites[0], 0, 0
  };
  GstHarness *h;
  GstBuffer *out;
  guint i;

  set_suite (guard, &null_suite);
  g_object_set (guard, "require-encryption", FALSE, NULL);
  h = harness_for (guard, FALSE, FALSE);
  /* keys for SSRC only */
  gst_harness_set_src_caps (h, plain_caps_with_key (&suites[0], key));
  for (i = 0; i < 4096; i++) {
    fail_unless_equals_int (gst_harness_push (h, make_rtp (7, 0x1000 + i, 4)),
        GST_FLOW_OK);
    out = gst_harness_pull (h);
    fail_unless (out != NULL);
    gst_buffer_unref (out);
  }
  for (i = 0; i < 2; i++)
    fail_unless_equals_int (gst_harness_push (h, make_rtp (7, SSRC, 4)), GST_FLOW_OK);
  collect_sent (&sent, guard, h, FALSE, "1");
  fail_unless_equals_int (sent.rtp, 0);
  fail_unless_equals_uint64 (stats_u64 (guard, -1, "dropped-other"), 2);

  gst_harness_teardown (h);
  gst_object_unref (guard);
  g_hash_table_unref (sent.seen);
  gst_buffer_unref (key);
}

GST_END_TEST;

/* GStreamer 1.22's srtpenc restarts its SRTCP index when its key changes. A guard
 * that gets the new keys starts a fresh SRTCP replay window (nothing sent under the
 * old keys authenticates any more), so that SRTCP keeps flowing. */
GST_START_TEST (test_rekey_srtcp_from_srtpenc)
{
  GstBuffer *k1 = make_key (30, 61), *k2 = make_key (30, 62);
  GstHarness *henc = new_srtpenc (&suites[0], k1, NULL, TRUE);
  GstElement *guard = new_guard ("unprotect", NULL);
  GstHarness *hg = harness_for (guard, TRUE, FALSE);
  guint i;

  for (i = 0; i < 10; i++) {
    GstBuffer *in = make_rtcp (SSRC, i), *out;

    if (i == 5)
      g_object_set (henc->element, "key", k2, NULL);
    fail_unless_equals_int (gst_harness_push (henc, gst_buffer_ref (in)), GST_FLOW_OK);
    if (i == 0 || i == 5)
      gst_harness_set_src_caps (hg, gst_pad_get_current_caps (henc->sinkpad));
    fail_unless_equals_int (gst_harness_push (hg, gst_harness_pull (henc)), GST_FLOW_OK);
    out = gst_harness_try_pull (hg);
    fail_unless (out != NULL, "SRTCP packet %u dropped", i);
    assert_same_bytes (out, in);
    gst_buffer_unref (out);
    gst_buffer_unref (in);
  }
  fail_unless_equals_uint64 (stats_u64 (guard, -1, "dropped"), 0);

  gst_harness_teardown (hg);
  gst_harness_teardown (henc);
  gst_object_unref (guard);
  gst_buffer_unref (k1);
  gst_buffer_unref (k2);
}

GST_END_TEST;

static void
check_violation (GstBus * bus, GstMessageType type, guint ssrc, const gchar * reason)
{
  GList *msgs = take_messages (bus, type, NULL);
  GError *err = NULL;
  const GstStructure *details = NULL;
  guint v;

  fail_unless_equals_int (g_list_length (msgs), 1);
  if (type == GST_MESSAGE_WARNING) {
    gst_message_parse_warning (msgs->data, &err, NULL);
    gst_message_parse_warning_details (msgs->data, &details);
  } else {
    gst_message_parse_error (msgs->data, &err, NULL);
    gst_message_parse_error_details (msgs->data, &details);
  }
  fail_unless (g_str_has_prefix (err->message, "Media encryption required"),
      "message: %s", err->message);
  fail_unless (details != NULL);
  fail_unless (gst_structure_get_uint (details, "ssrc", &v));
  fail_unless_equals_int (v, ssrc);
  fail_unless_equals_string (gst_structure_get_string (details, "reason"), reason);
  {
    gchar *num = g_strdup_printf ("%u", ssrc);

    fail_unless (strstr (err->message, num) != NULL, "no SSRC in: %s", err->message);
    g_free (num);
  }
  g_error_free (err);
  g_list_free_full (msgs, (GDestroyNotify) gst_message_unref);
}

/* Plain RTP into a guard that requires encryption: nothing passes, one warning per
 * SSRC names it and says why, every packet is counted. */
GST_START_TEST (test_plain_rtp_refused)
{
  GstBus *bus = gst_bus_new ();
  GstElement *guard = new_guard ("unprotect", bus);
  GstBuffer *key = make_key (30, 1);
  GstHarness *h;
  GstStructure *status;
  gboolean media;
  guint i;

  g_object_set (guard, "key", key, NULL);
  h = harness_for (guard, FALSE, FALSE);
  gst_harness_set_src_caps_str (h, plain_caps_str (FALSE));
  for (i = 0; i < 10; i++)
    fail_unless_equals_int (gst_harness_push (h, make_rtp (i, SSRC, 20)), GST_FLOW_OK);
  fail_unless_equals_int (gst_harness_buffers_received (h), 0);
  check_violation (bus, GST_MESSAGE_WARNING, SSRC, "plain-rtp");
  fail_unless_equals_uint64 (stats_u64 (guard, SSRC, "dropped-plain-rtp"), 10);

  fail_unless_equals_int (gst_harness_push (h, make_rtp (1, SSRC2, 20)), GST_FLOW_OK);
  check_violation (bus, GST_MESSAGE_WARNING, SSRC2, "plain-rtp");

  g_object_get (guard, "status", &status, NULL);
  fail_unless (gst_structure_get_boolean (status, "media-encrypted", &media));
  fail_if (media);
  gst_structure_free (status);

  /* on-violation=error: an error message and a flow error, still nothing passes */
  g_object_set (guard, "on-violation", 1, NULL);
  fail_unless_equals_int (gst_harness_push (h, make_rtp (1, 0x99, 20)), GST_FLOW_ERROR);
  check_violation (bus, GST_MESSAGE_ERROR, 0x99, "plain-rtp");
  fail_unless_equals_int (gst_harness_buffers_received (h), 0);

  gst_harness_teardown (h);
  gst_element_set_bus (guard, NULL);
  gst_object_unref (guard);
  gst_object_unref (bus);
  gst_buffer_unref (key);
}

GST_END_TEST;

/* A harness on @guard's RTP pads that got @n packets of plain RTP */
static GstHarness *
push_plain (GstElement * guard, guint n)
{
  GstHarness *h = harness_for (guard, FALSE, FALSE);
  guint i;

  gst_harness_set_src_caps_str (h, plain_caps_str (FALSE));
  for (i = 0; i < n; i++)
    fail_unless_equals_int (gst_harness_push (h, make_rtp (i, SSRC, 20)), GST_FLOW_OK);
  return h;
}

/* The srtpguard-drop messages on @bus, and the count of the last one */
static guint
drop_messages (GstBus * bus, guint64 * last_count)
{
  GList *msgs = take_messages (bus, GST_MESSAGE_ELEMENT, "srtpguard-drop");
  guint n = g_list_length (msgs);

  if (last_count && msgs)
    fail_unless (gst_structure_get_uint64 (gst_message_get_structure (g_list_last
                (msgs)->data), "count", last_count));
  g_list_free_full (msgs, (GDestroyNotify) gst_message_unref);
  return n;
}

/* drop-message-interval is a GstClockTime in ns, as e2eedec's: an hour holds back
 * every drop message after the first of an SSRC and reason (the held-back count
 * comes at EOS), 0 posts one per drop. */
GST_START_TEST (test_drop_message_interval_ns)
{
  GstBus *bus = gst_bus_new ();
  GstElement *guard = new_guard ("unprotect", bus);
  GParamSpec *pspec = g_object_class_find_property (G_OBJECT_GET_CLASS (guard),
      "drop-message-interval");
  GstHarness *h;
  guint64 interval = 0, count = 0;

  fail_unless_equals_int (pspec->value_type, G_TYPE_UINT64);
  fail_unless_equals_uint64 (G_PARAM_SPEC_UINT64 (pspec)->default_value, GST_SECOND);
  g_object_set (guard, "drop-message-interval", (guint64) 3600 * GST_SECOND, NULL);
  g_object_get (guard, "drop-message-interval", &interval, NULL);
  fail_unless_equals_uint64 (interval, (guint64) 3600 * GST_SECOND);

  h = push_plain (guard, 5);
  fail_unless_equals_int (drop_messages (bus, NULL), 1);

  /* EOS posts the 4 held back in one message */
  fail_unless (gst_harness_push_event (h, gst_event_new_eos ()));
  fail_unless_equals_int (drop_messages (bus, &count), 1);
  fail_unless_equals_uint64 (count, 4);
  gst_harness_teardown (h);
  release_guard (guard, bus);

  /* 0: every drop */
  bus = gst_bus_new ();
  guard = new_guard ("unprotect", bus);
  h = push_plain (guard, 5);
  fail_unless_equals_int (drop_messages (bus, NULL), 5);
  gst_harness_teardown (h);
  release_guard (guard, bus);
}

GST_END_TEST;

/* The key is write-only, as in every gst-e2ee element; setting it alone still
 * takes effect (it commits with the MKI, whose notification it sends). */
GST_START_TEST (test_key_write_only)
{
  GstElement *guard = new_guard ("protect", NULL);
  GParamSpec *pspec = g_object_class_find_property (G_OBJECT_GET_CLASS (guard), "key");
  GstBuffer *key = make_key (30, 3);
  GstHarness *h;
  GstBuffer *out;

  fail_unless (pspec->flags & G_PARAM_WRITABLE);
  fail_if (pspec->flags & G_PARAM_READABLE);
  h = harness_for (guard, FALSE, FALSE);
  gst_harness_set_src_caps_str (h, plain_caps_str (FALSE));
  g_object_set (guard, "key", key, NULL);
  out = gst_harness_push_and_pull (h, make_rtp (1, SSRC, 20));
  fail_unless (out != NULL);
  /* protected: the HMAC-SHA1-80 tag was added */
  fail_unless_equals_int (gst_buffer_get_size (out), 12 + 20 + 10);
  gst_buffer_unref (out);
  gst_harness_teardown (h);
  gst_object_unref (guard);
  gst_buffer_unref (key);
}

GST_END_TEST;

/* SRTP whose suite the policy refuses (NULL authentication, NULL cipher, a 32-bit
 * tag below min-auth-tag-bits) never reaches the output. */
GST_START_TEST (test_weak_srtp_refused)
{
  static const struct {
    CryptoSuite s;
    const gchar *reason;
  } cases[] = {
    {{"aes-128-icm", "null", 30, 0}, "null-auth"},
    {{"null", "hmac-sha1-80", 30, 80}, "null-cipher"},
    {{"aes-128-icm", "hmac-sha1-32", 30, 32}, "weak-auth-tag"},
  };
  guint i, n;

  for (i = 0; i < G_N_ELEMENTS (cases); i++) {
    GstBus *bus = gst_bus_new ();
    GstElement *guard = new_guard ("unprotect", bus);
    GstBuffer *key = make_key (30, 5);
    GstElement *enc = gst_element_factory_make ("srtpenc", NULL);
    GstHarness *henc, *hg;

    set_suite (enc, &cases[i].s);
    /* SRTCP authentication is mandatory; the case is about RTP */
    gst_util_set_object_arg (G_OBJECT (enc), "rtcp-cipher", "aes-128-icm");
    gst_util_set_object_arg (G_OBJECT (enc), "rtcp-auth", "hmac-sha1-80");
    g_object_set (enc, "key", key, NULL);
    henc = harness_for (enc, FALSE, TRUE);
    gst_object_unref (enc);
    gst_harness_set_src_caps_str (henc, plain_caps_str (FALSE));
    hg = harness_for (guard, FALSE, FALSE);
    for (n = 0; n < 5; n++) {
      fail_unless_equals_int (gst_harness_push (henc, make_rtp (n, SSRC, 20)), GST_FLOW_OK);
      if (n == 0)
        gst_harness_set_src_caps (hg, gst_pad_get_current_caps (henc->sinkpad));
      fail_unless_equals_int (gst_harness_push (hg, gst_harness_pull (henc)), GST_FLOW_OK);
    }
    fail_unless_equals_int (gst_harness_buffers_received (hg), 0);
    check_violation (bus, GST_MESSAGE_WARNING, SSRC, cases[i].reason);
    {
      gchar *field = g_strconcat ("dropped-", cases[i].reason, NULL);

      fail_unless_equals_uint64 (stats_u64 (guard, SSRC, field), 5);
      g_free (field);
    }
    gst_harness_teardown (hg);
    gst_harness_teardown (henc);
    gst_element_set_bus (guard, NULL);
    gst_object_unref (guard);
    gst_object_unref (bus);
    gst_buffer_unref (key);
  }
}

GST_END_TEST;

/* RTCP the policy refuses, on rtcp_sink: plain RTCP under application/x-rtcp caps,
 * and SRTCP whose own suite (not SRTP's, which is strong here) has the NULL cipher or
 * a 32-bit tag. Nothing passes, one warning names the SSRC and the reason, and every
 * packet is counted. */
GST_START_TEST (test_weak_rtcp_refused)
{
  static const struct {
    const gchar *cipher, *auth;   /* SRTCP's suite; NULL: plain RTCP */
    const gchar *reason;
  } cases[] = {
    {NULL, NULL, "plain-rtp"},
    {"null", "hmac-sha1-80", "null-cipher"},
    {"aes-128-icm", "hmac-sha1-32", "weak-auth-tag"},
  };
  guint i, n;

  for (i = 0; i < G_N_ELEMENTS (cases); i++) {
    GstBus *bus = gst_bus_new ();
    GstElement *guard = new_guard ("unprotect", bus);
    GstBuffer *key = make_key (30, 6);
    GstHarness *henc = NULL, *hg;
    gchar *field;

    /* keys for any SSRC: the refusal must not depend on a missing key */
    g_object_set (guard, "key", key, NULL);
    hg = harness_for (guard, TRUE, FALSE);
    if (cases[i].cipher) {
      GstElement *enc = gst_element_factory_make ("srtpenc", NULL);

      set_suite (enc, &suites[0]);
      gst_util_set_object_arg (G_OBJECT (enc), "rtcp-cipher", cases[i].cipher);
      gst_util_set_object_arg (G_OBJECT (enc), "rtcp-auth", cases[i].auth);
      g_object_set (enc, "key", key, NULL);
      henc = harness_for (enc, TRUE, TRUE);
      gst_object_unref (enc);
      gst_harness_set_src_caps_str (henc, plain_caps_str (TRUE));
    } else {
      gst_harness_set_src_caps_str (hg, plain_caps_str (TRUE));
    }
    for (n = 0; n < 5; n++) {
      GstBuffer *pkt = make_rtcp (SSRC, n);

      if (henc) {
        fail_unless_equals_int (gst_harness_push (henc, pkt), GST_FLOW_OK);
        pkt = gst_harness_pull (henc);
        if (n == 0)
          gst_harness_set_src_caps (hg, gst_pad_get_current_caps (henc->sinkpad));
      }
      fail_unless_equals_int (gst_harness_push (hg, pkt), GST_FLOW_OK);
    }
    fail_unless (gst_harness_buffers_received (hg) == 0, "%s: %u buffers passed",
        cases[i].reason, gst_harness_buffers_received (hg));
    check_violation (bus, GST_MESSAGE_WARNING, SSRC, cases[i].reason);
    field = g_strconcat ("dropped-", cases[i].reason, NULL);
    fail_unless_equals_uint64 (stats_u64 (guard, SSRC, field), 5);
    fail_unless_equals_uint64 (stats_u64 (guard, -1, "dropped"), 5);
    g_free (field);

    gst_harness_teardown (hg);
    if (henc)
      gst_harness_teardown (henc);
    release_guard (guard, bus);
    gst_buffer_unref (key);
  }
}

GST_END_TEST;

/* The packet path's bus messages per kind: 32 at once, then one every 100 ms
 * (docs/srtpguard.md, "Bus messages and their limits"). */
#define MESSAGE_BURST 32
#define MESSAGE_PERIOD_MS 100
#define STATUS_MAX_STREAMS 16

static guint
status_streams (const GstStructure * st, guint * seen, guint * refused,
    guint * unlisted)
{
  fail_unless (gst_structure_get_uint (st, "streams-seen", seen));
  fail_unless (gst_structure_get_uint (st, "streams-refused", refused));
  fail_unless (gst_structure_get_uint (st, "streams-unlisted", unlisted));
  return gst_value_array_get_size (gst_structure_get_value (st, "streams"));
}

/* Plain RTP of many SSRCs with nobody draining the bus (the refusal path): a bounded
 * number of warnings, status and drop messages, status messages of bounded size, and
 * counters that still count every SSRC and packet. */
GST_START_TEST (test_many_ssrcs_bounded)
{
  const guint n = 1000;
  GstBus *bus = gst_bus_new ();
  GstElement *guard = new_guard ("unprotect", bus);
  GstHarness *h = harness_for (guard, FALSE, FALSE);
  GstStructure *st;
  GstMessage *msg;
  guint i, bound, n_warnings = 0, n_status = 0, n_drop = 0, seen, refused, unlisted;
  guint max_listed = 0;
  guint64 dropped = 0, count;
  gint64 start;

  gst_harness_set_src_caps_str (h, plain_caps_str (FALSE));
  start = g_get_monotonic_time ();
  for (i = 0; i < n; i++)
    fail_unless_equals_int (gst_harness_push (h, make_rtp (i, 0x1000 + i, 20)),
        GST_FLOW_OK);
  bound = MESSAGE_BURST + 1 +
      (g_get_monotonic_time () - start) / (MESSAGE_PERIOD_MS * 1000);
  fail_unless_equals_int (gst_harness_buffers_received (h), 0);

  while ((msg = gst_bus_pop (bus))) {
    if (GST_MESSAGE_TYPE (msg) == GST_MESSAGE_WARNING) {
      n_warnings++;
    } else if (gst_message_has_name (msg, "srtpguard-status")) {
      n_status++;
      max_listed = MAX (max_listed, gst_value_array_get_size (gst_structure_get_value
              (gst_message_get_structure (msg), "streams")));
    } else if (gst_message_has_name (msg, "srtpguard-drop")) {
      n_drop++;
      fail_unless (gst_structure_get_uint64 (gst_message_get_structure (msg), "count",
              &count));
      dropped += count;
    }
    gst_message_unref (msg);
  }
  fail_unless (n_warnings <= bound, "%u warnings for %u SSRCs (at most %u)", n_warnings,
      n, bound);
  fail_unless (n_status <= bound, "%u status messages (at most %u)", n_status, bound);
  fail_unless (n_drop <= bound, "%u drop messages (at most %u)", n_drop, bound);
  fail_unless (n_warnings > 0 && n_status > 0 && n_drop > 0);
  fail_unless (max_listed <= STATUS_MAX_STREAMS, "a status lists %u streams",
      max_listed);

  /* the status and the stats still know every SSRC */
  g_object_get (guard, "status", &st, NULL);
  fail_unless_equals_int (status_streams (st, &seen, &refused, &unlisted),
      STATUS_MAX_STREAMS);
  fail_unless_equals_int (seen, n);
  fail_unless_equals_int (refused, n);
  fail_unless_equals_int (unlisted, n - STATUS_MAX_STREAMS);
  gst_structure_free (st);
  fail_unless_equals_uint64 (stats_u64 (guard, -1, "dropped-plain-rtp"), n);
  g_object_get (guard, "stats", &st, NULL);
  fail_unless_equals_int (gst_value_array_get_size (gst_structure_get_value (st,
              "streams")), n);
  gst_structure_free (st);

  /* EOS posts what the limit held back: every drop is in some message, and the last
   * status counts every SSRC */
  fail_unless (gst_harness_push_event (h, gst_event_new_eos ()));
  n_status = 0;
  while ((msg = gst_bus_pop (bus))) {
    if (gst_message_has_name (msg, "srtpguard-drop")) {
      fail_unless (gst_structure_get_uint64 (gst_message_get_structure (msg), "count",
              &count));
      dropped += count;
    } else if (gst_message_has_name (msg, "srtpguard-status")) {
      n_status++;
      status_streams (gst_message_get_structure (msg), &seen, &refused, &unlisted);
      fail_unless_equals_int (seen, n);
    }
    gst_message_unref (msg);
  }
  fail_unless_equals_uint64 (dropped, n);
  fail_unless_equals_int (n_status, 1);

  gst_harness_teardown (h);
  release_guard (guard, bus);
}

GST_END_TEST;

static guint
count_drops (GstBus * bus, const gchar * reason, guint ssrc)
{
  GList *msgs = take_messages (bus, GST_MESSAGE_ELEMENT, "srtpguard-drop"), *l;
  guint64 total = 0;

  for (l = msgs; l; l = l->next) {
    const GstStructure *s = gst_message_get_structure (l->data);
    guint64 count;
    guint v;

    fail_unless_equals_string (gst_structure_get_string (s, "reason"), reason);
    fail_unless (gst_structure_get_uint (s, "ssrc", &v));
    fail_unless_equals_int (v, ssrc);
    fail_unless (gst_structure_get_uint64 (s, "count", &count));
    total += count;
  }
  g_list_free_full (msgs, (GDestroyNotify) gst_message_unref);
  return total;
}

/* Replayed and tampered packets are dropped, counted per SSRC and reported on the
 * bus with the SSRC and the reason; the packets around them still pass. */
GST_START_TEST (test_replay_and_tamper)
{
  guint si;

  for (si = 0; si < G_N_ELEMENTS (suites); si += 4) {       /* CM-80 and GCM-128 */
    GstBus *bus = gst_bus_new ();
    GstBuffer *key = make_key (suites[si].key_len, 9);
    GstHarness *henc = new_srtpenc (&suites[si], key, NULL, FALSE);
    GstElement *guard = new_guard ("unprotect", bus);
    GstHarness *hg = harness_for (guard, FALSE, FALSE);
    GstBuffer *pkts[8], *tampered;
    GstMapInfo map;
    guint i;

    for (i = 0; i < 8; i++) {
      fail_unless_equals_int (gst_harness_push (henc, make_rtp (i, SSRC, 24)),
          GST_FLOW_OK);
      pkts[i] = gst_harness_pull (henc);
    }
    gst_harness_set_src_caps (hg, gst_pad_get_current_caps (henc->sinkpad));
    for (i = 0; i < 5; i++)
      gst_harness_push (hg, gst_buffer_ref (pkts[i]));
    fail_unless_equals_int (gst_harness_buffers_received (hg), 5);

    gst_harness_push (hg, gst_buffer_ref (pkts[2]));    /* replay */
    fail_unless_equals_int (gst_harness_buffers_received (hg), 5);
    fail_unless_equals_int (count_drops (bus, "replay", SSRC), 1);

    tampered = gst_buffer_copy_deep (pkts[5]);
    gst_buffer_map (tampered, &map, GST_MAP_WRITE);
    map.data[20] ^= 0x01;
    gst_buffer_unmap (tampered, &map);
    gst_harness_push (hg, tampered);
    fail_unless_equals_int (gst_harness_buffers_received (hg), 5);
    fail_unless_equals_int (count_drops (bus, "authentication", SSRC), 1);

    /* the genuine packet 5 still authenticates after its forgery was refused */
    gst_harness_push (hg, gst_buffer_ref (pkts[5]));
    gst_harness_push (hg, gst_buffer_ref (pkts[6]));
    fail_unless_equals_int (gst_harness_buffers_received (hg), 7);

    fail_unless_equals_uint64 (stats_u64 (guard, SSRC, "dropped-replay"), 1);
    fail_unless_equals_uint64 (stats_u64 (guard, SSRC, "dropped-authentication"), 1);
    fail_unless_equals_uint64 (stats_u64 (guard, SSRC, "dropped"), 2);
    fail_unless_equals_uint64 (stats_u64 (guard, SSRC, "packets"), 7);

    for (i = 0; i < 8; i++)
      gst_buffer_unref (pkts[i]);
    gst_harness_teardown (hg);
    gst_harness_teardown (henc);
    gst_element_set_bus (guard, NULL);
    gst_object_unref (guard);
    gst_object_unref (bus);
    gst_buffer_unref (key);
  }
}

GST_END_TEST;

/* Two live keys with MKIs at the receiver; srtpenc switches from the first to the
 * second mid-stream, then a guard sender switches back (key and MKI in one
 * g_object_set). Every packet decrypts; an unknown MKI is refused as such. */
GST_START_TEST (test_mki_switch)
{
  static const guint8 mki1_data[] = { 0x01, 0x02 }, mki2_data[] = { 0x0a, 0x0b };
  static const guint8 mki3_data[] = { 0x77, 0x77 };
  GstBuffer *k1 = make_key (30, 11), *k2 = make_key (30, 12), *k3 = make_key (30, 13);
  GstBuffer *m1 = make_bytes (mki1_data, 2), *m2 = make_bytes (mki2_data, 2);
  GstBuffer *m3 = make_bytes (mki3_data, 2);
  GstBus *bus = gst_bus_new ();
  GstElement *rx = new_guard ("unprotect", bus), *tx = new_guard ("protect", NULL);
  GstHarness *henc = new_srtpenc (&suites[0], k1, m1, FALSE);
  GstHarness *hrx = harness_for (rx, FALSE, FALSE), *htx;
  GstElement *enc = henc->element;
  GstCaps *caps = srtp_caps (FALSE, "aes-128-icm", "hmac-sha1-80", k1, m1);
  GstBuffer *in, *out;
  guint i;

  gst_caps_set_simple (caps, "srtp-key2", GST_TYPE_BUFFER, k2, "mki2", GST_TYPE_BUFFER,
      m2, NULL);
  gst_harness_set_src_caps (hrx, caps);

  for (i = 0; i < 20; i++) {
    if (i == 10)
      g_object_set (enc, "key", k2, "mki", m2, NULL);
    in = make_rtp (i, SSRC, 16);
    out = roundtrip (henc, hrx, gst_buffer_ref (in), NULL);
    fail_unless (out != NULL, "packet %u lost", i);
    assert_same_bytes (out, in);
    gst_buffer_unref (out);
    gst_buffer_unref (in);
  }

  g_object_set (tx, "key", k2, "mki", m2, NULL);
  htx = harness_for (tx, FALSE, FALSE);
  gst_harness_set_src_caps_str (htx, plain_caps_str (FALSE));
  for (i = 20; i < 40; i++) {
    if (i == 30)
      g_object_set (tx, "key", k1, "mki", m1, NULL);
    in = make_rtp (i, SSRC, 16);
    out = roundtrip (htx, hrx, gst_buffer_ref (in), NULL);
    fail_unless (out != NULL, "packet %u lost", i);
    assert_same_bytes (out, in);
    gst_buffer_unref (out);
    gst_buffer_unref (in);
  }

  g_object_set (tx, "key", k3, "mki", m3, NULL);
  out = roundtrip (htx, hrx, make_rtp (40, SSRC, 16), NULL);
  fail_unless (out == NULL);
  fail_unless_equals_int (count_drops (bus, "bad-mki", SSRC), 1);
  fail_unless_equals_uint64 (stats_u64 (rx, SSRC, "packets"), 40);

  gst_harness_teardown (htx);
  gst_harness_teardown (hrx);
  gst_harness_teardown (henc);
  gst_element_set_bus (rx, NULL);
  gst_object_unref (rx);
  gst_object_unref (tx);
  gst_object_unref (bus);
  gst_buffer_unref (k1);
  gst_buffer_unref (k2);
  gst_buffer_unref (k3);
  gst_buffer_unref (m1);
  gst_buffer_unref (m2);
  gst_buffer_unref (m3);
}

GST_END_TEST;

/* Mixed suites: SRTP and SRTCP with different ciphers or tag lengths. */
typedef struct {
  guint rtp, rtcp;              /* indices into suites[] */
} SuitePair;

static gsize
pair_key_len (const SuitePair * p)
{
  return MAX (suites[p->rtp].key_len, suites[p->rtcp].key_len);
}

static GstCaps *
mixed_caps (gboolean rtcp, const SuitePair * p, GstBuffer * key, GstBuffer * mki)
{
  GstCaps *caps = srtp_caps (rtcp, suites[p->rtp].cipher, suites[p->rtp].auth, key,
      mki);

  gst_caps_set_simple (caps, "srtcp-cipher", G_TYPE_STRING, suites[p->rtcp].cipher,
      "srtcp-auth", G_TYPE_STRING, suites[p->rtcp].auth, NULL);
  return caps;
}

static GstHarness *
new_srtpdec (GstCaps * keycaps, gboolean rtcp)
{
  GstElement *dec = gst_element_factory_make ("srtpdec", NULL);
  GstHarness *h;

  g_signal_connect_data (dec, "request-key", G_CALLBACK (request_key_cb), keycaps,
      caps_unref_notify, 0);
  h = gst_harness_new_with_element (dec, rtcp ? "rtcp_sink" : "rtp_sink",
      rtcp ? "rtcp_src" : "rtp_src");
  gst_object_unref (dec);
  gst_harness_set_src_caps_str (h, rtcp ? "application/x-srtcp" :
      "application/x-srtp, media=audio, clock-rate=8000, encoding-name=PCMA, "
      "payload=96");
  return h;
}

/* Every mixed pair of suites libsrtp can do: AES-CM 128/256 and HMAC-SHA1 80/32 on
 * either side, including RFC 4568's AES_CM_128_HMAC_SHA1_32 (80-bit SRTCP tag). */
static const SuitePair mixed_pairs[] = {
  {1, 0}, {0, 1}, {2, 0}, {0, 3}, {3, 1}, {1, 2},
};

/* For every pair, without and with an MKI, RTP and RTCP: srtpenc -> guard gives back
 * the exact packets; the guard protects byte for byte as srtpenc does; srtpdec reads
 * the guard's packets, except SRTCP with an MKI and tags of two lengths: srtpdec's
 * libsrtp 2.5 looks for the MKI where the SRTP tag length puts it and drops them
 * (the guard's own receiver does not, see test_mki_srtcp_tag_lengths). */
GST_START_TEST (test_mixed_suites)
{
  static const guint8 mki_data[] = { 0xfe, 0xed, 0x00, 0x07 };
  guint i, n, rtcp, with_mki;

  for (i = 0; i < G_N_ELEMENTS (mixed_pairs); i++) {
    const SuitePair *p = &mixed_pairs[i];
    const CryptoSuite *srtp = &suites[p->rtp], *srtcp = &suites[p->rtcp];
    guint min_bits = MIN (srtp->tag_bits, srtcp->tag_bits);

    for (with_mki = 0; with_mki < 2; with_mki++) {
      for (rtcp = 0; rtcp < 2; rtcp++) {
        GstBuffer *key = make_key (pair_key_len (p), 40 + i);
        GstBuffer *mki = with_mki ? make_bytes (mki_data, sizeof (mki_data)) : NULL;
        GstHarness *henc = new_srtpenc_mixed (srtp, srtcp, key, mki, rtcp);
        GstElement *rx = new_guard ("unprotect", NULL), *tx = new_guard ("protect", NULL);
        GstHarness *hrx, *htx, *hdec;
        gboolean dec_reads = !(with_mki && rtcp && srtp->tag_bits != srtcp->tag_bits);

        g_object_set (rx, "min-auth-tag-bits", min_bits, NULL);
        g_object_set (tx, "min-auth-tag-bits", min_bits, "key", key, "mki", mki, NULL);
        set_suites (tx, srtp, srtcp);
        hrx = harness_for (rx, rtcp, FALSE);
        htx = harness_for (tx, rtcp, FALSE);
        gst_harness_set_src_caps_str (htx, plain_caps_str (rtcp));
        hdec = new_srtpdec (mixed_caps (rtcp, p, key, mki), rtcp);

        for (n = 0; n < 12; n++) {
          GstBuffer *in = rtcp ? make_rtcp (SSRC, n) : make_rtp (300 + n, SSRC, 20 + n);
          GstBuffer *ref, *ref_copy, *mine, *out;

          /* srtpenc -> guard */
          fail_unless_equals_int (gst_harness_push (henc, gst_buffer_ref (in)),
              GST_FLOW_OK);
          ref = gst_harness_pull (henc);
          ref_copy = gst_buffer_copy_deep (ref);
          if (n == 0)
            gst_harness_set_src_caps (hrx, gst_pad_get_current_caps (henc->sinkpad));
          fail_unless_equals_int (gst_harness_push (hrx, ref), GST_FLOW_OK);
          out = gst_harness_try_pull (hrx);
          fail_unless (out != NULL, "pair %u mki %u %s packet %u lost", i, with_mki,
              rtcp ? "RTCP" : "RTP", n);
          assert_same_bytes (out, in);
          gst_buffer_unref (out);

          /* guard -> srtpdec, byte for byte what srtpenc sent */
          fail_unless_equals_int (gst_harness_push (htx, gst_buffer_ref (in)),
              GST_FLOW_OK);
          mine = gst_harness_pull (htx);
          assert_same_bytes (mine, ref_copy);
          fail_unless_equals_int (gst_harness_push (hdec, mine), GST_FLOW_OK);
          out = gst_harness_try_pull (hdec);
          if (dec_reads) {
            fail_unless (out != NULL, "srtpdec lost pair %u mki %u %s packet %u", i,
                with_mki, rtcp ? "RTCP" : "RTP", n);
            assert_same_bytes (out, in);
            gst_buffer_unref (out);
          } else {
            fail_unless (out == NULL, "libsrtp now finds SRTCP MKIs: see "
                "docs/srtpguard.md and drop the guard's SRTCP-only context");
          }
          gst_buffer_unref (ref_copy);
          gst_buffer_unref (in);
        }
        fail_unless_equals_uint64 (stats_u64 (rx, -1, "dropped"), 0);
        fail_unless_equals_uint64 (stats_u64 (tx, -1, "dropped"), 0);
        gst_harness_teardown (hdec);
        gst_harness_teardown (htx);
        gst_harness_teardown (hrx);
        gst_harness_teardown (henc);
        gst_object_unref (rx);
        gst_object_unref (tx);
        gst_buffer_unref (key);
        if (mki)
          gst_buffer_unref (mki);
      }
    }
  }
}

GST_END_TEST;

/* libsrtp 2.5 finds an SRTCP packet's MKI by the SRTP tag length. Two live keys with
 * MKIs, SRTP tags of 32 bits and SRTCP tags of 80 (and the other way round): srtpenc
 * sends SRTCP under the second key, a guard sender of another SSRC under the first
 * and then the second; the guard reads every packet by its MKI, refuses an unknown
 * MKI as such and a replay as such. (A second srtpenc or a key change would restart
 * the SRTCP index, which a receiver keeping its keys rightly calls a replay.) */
GST_START_TEST (test_mki_srtcp_tag_lengths)
{
  static const guint8 mki1_data[] = { 0x01, 0x02 }, mki2_data[] = { 0x0a, 0x0b };
  static const guint8 mki3_data[] = { 0x77, 0x77 };
  static const SuitePair pairs[] = { {1, 0}, {0, 1} };
  guint i, n;

  for (i = 0; i < G_N_ELEMENTS (pairs); i++) {
    const CryptoSuite *srtp = &suites[pairs[i].rtp], *srtcp = &suites[pairs[i].rtcp];
    GstBuffer *k1 = make_key (30, 21), *k2 = make_key (30, 22), *k3 = make_key (30, 23);
    GstBuffer *m1 = make_bytes (mki1_data, 2), *m2 = make_bytes (mki2_data, 2);
    GstBuffer *m3 = make_bytes (mki3_data, 2);
    GstBus *bus = gst_bus_new ();
    GstElement *rx = new_guard ("unprotect", bus), *tx = new_guard ("protect", NULL);
    GstHarness *henc = new_srtpenc_mixed (srtp, srtcp, k2, m2, TRUE);
    GstHarness *hrx, *htx;
    GstCaps *caps = mixed_caps (TRUE, &pairs[i], k1, m1);
    GstBuffer *in, *out, *replay = NULL;

    gst_caps_set_simple (caps, "srtp-key2", GST_TYPE_BUFFER, k2, "mki2",
        GST_TYPE_BUFFER, m2, NULL);
    g_object_set (rx, "min-auth-tag-bits", 32, NULL);
    hrx = harness_for (rx, TRUE, FALSE);
    gst_harness_set_src_caps (hrx, caps);
    g_object_set (tx, "min-auth-tag-bits", 32, "key", k1, "mki", m1, NULL);
    set_suites (tx, srtp, srtcp);
    htx = harness_for (tx, TRUE, FALSE);
    gst_harness_set_src_caps_str (htx, plain_caps_str (TRUE));

    for (n = 0; n < 20; n++) {
      gboolean from_enc = n < 10;

      if (n == 15)
        g_object_set (tx, "key", k2, "mki", m2, NULL);
      in = make_rtcp (from_enc ? SSRC : SSRC2, n);
      out = roundtrip (from_enc ? henc : htx, hrx, gst_buffer_ref (in),
          n == 17 ? &replay : NULL);
      fail_unless (out != NULL, "pair %u packet %u lost", i, n);
      assert_same_bytes (out, in);
      gst_buffer_unref (out);
      gst_buffer_unref (in);
    }
    fail_unless_equals_int (gst_harness_push (hrx, replay), GST_FLOW_OK);
    fail_unless (gst_harness_try_pull (hrx) == NULL);
    fail_unless_equals_int (count_drops (bus, "replay", SSRC2), 1);

    g_object_set (henc->element, "key", k3, "mki", m3, NULL);
    out = roundtrip (henc, hrx, make_rtcp (SSRC, 20), NULL);
    fail_unless (out == NULL);
    fail_unless_equals_int (count_drops (bus, "bad-mki", SSRC), 1);
    fail_unless_equals_uint64 (stats_u64 (rx, SSRC, "rtcp-packets"), 10);
    fail_unless_equals_uint64 (stats_u64 (rx, SSRC2, "rtcp-packets"), 10);

    gst_harness_teardown (htx);
    gst_harness_teardown (hrx);
    gst_harness_teardown (henc);
    gst_element_set_bus (rx, NULL);
    gst_object_unref (rx);
    gst_object_unref (tx);
    gst_object_unref (bus);
    gst_buffer_unref (k1);
    gst_buffer_unref (k2);
    gst_buffer_unref (k3);
    gst_buffer_unref (m1);
    gst_buffer_unref (m2);
    gst_buffer_unref (m3);
  }
}

GST_END_TEST;

/* GCM on one side only. libsrtp 2.5 picks the SRTCP transform by the SRTP cipher:
 * srtpenc's SRTCP under AES-CM SRTP with GCM SRTCP uses one GCM keystream for every
 * packet (and ends in 4 bytes it never wrote, so it does not go to srtpdec here);
 * under GCM SRTP with AES-CM SRTCP srtpenc sends none. srtpenc's SRTP is fine. The
 * guard refuses such suites, from caps and from properties, with a warning saying
 * why, and lets nothing through in either direction. */
static const SuitePair gcm_mixed_pairs[] = {
  {0, 4}, {4, 0}, {2, 5}, {5, 3}, {1, 4},
};

static void
check_gcm_mixed_refusal (GstBus * bus, GstElement * guard, guint expected_drops)
{
  GList *msgs = take_messages (bus, GST_MESSAGE_WARNING, NULL);
  GError *err = NULL;

  fail_unless_equals_int (g_list_length (msgs), 1);
  gst_message_parse_warning (msgs->data, &err, NULL);
  fail_unless (strstr (err->message, "AES-GCM for only one of SRTP") != NULL, "%s",
      err->message);
  g_error_free (err);
  g_list_free_full (msgs, (GDestroyNotify) gst_message_unref);
  fail_unless_equals_uint64 (stats_u64 (guard, -1, "dropped-no-key"), expected_drops);
  fail_unless_equals_uint64 (stats_u64 (guard, -1, "packets"), 0);
  fail_unless_equals_uint64 (stats_u64 (guard, -1, "rtcp-packets"), 0);
}

GST_START_TEST (test_gcm_mixed_refused)
{
  guint i, n, rtcp;

  for (i = 0; i < G_N_ELEMENTS (gcm_mixed_pairs); i++) {
    const SuitePair *p = &gcm_mixed_pairs[i];
    const CryptoSuite *srtp = &suites[p->rtp], *srtcp = &suites[p->rtcp];
    gboolean gcm_srtcp = g_str_has_suffix (srtcp->cipher, "gcm");

    for (rtcp = 0; rtcp < 2; rtcp++) {
      GstBuffer *key = make_key (pair_key_len (p), 60 + i);
      GstBus *bus = gst_bus_new ();
      GstHarness *henc = new_srtpenc_mixed (srtp, srtcp, key, NULL, rtcp);
      GstHarness *hdec = new_srtpdec (mixed_caps (rtcp, p, key, NULL), rtcp);
      GstElement *rx = new_guard ("unprotect", bus), *tx = new_guard ("protect", bus);
      GstHarness *hrx = harness_for (rx, rtcp, FALSE), *htx;
      GstBuffer *srtcp_out[2] = { NULL, NULL };
      GList *msgs;

      g_object_set (tx, "key", key, "min-auth-tag-bits", 32, NULL);
      set_suites (tx, srtp, srtcp);
      htx = harness_for (tx, rtcp, FALSE);
      gst_harness_set_src_caps_str (htx, plain_caps_str (rtcp));
      /* caps refused at once: the warning comes before any packet */
      gst_harness_set_src_caps (hrx, mixed_caps (rtcp, p, key, NULL));
      msgs = take_messages (bus, GST_MESSAGE_WARNING, NULL);
      fail_unless_equals_int (g_list_length (msgs), 1);
      g_list_free_full (msgs, (GDestroyNotify) gst_message_unref);

      for (n = 0; n < 2; n++) {
        GstBuffer *in = rtcp ? make_rtcp (SSRC, n) : make_rtp (n, SSRC, 20);
        GstBuffer *enc_out;

        fail_unless_equals_int (gst_harness_push (htx, gst_buffer_ref (in)),
            GST_FLOW_OK);
        fail_unless (gst_harness_try_pull (htx) == NULL);
        gst_harness_push (henc, gst_buffer_ref (in));
        enc_out = gst_harness_try_pull (henc);
        if (rtcp && !gcm_srtcp) {
          fail_unless (enc_out == NULL, "libsrtp now protects SRTCP under GCM SRTP "
              "with another SRTCP cipher: see docs/srtpguard.md");
        } else {
          fail_unless (enc_out != NULL);
          fail_unless_equals_int (gst_harness_push (hrx, gst_buffer_ref (enc_out)),
              GST_FLOW_OK);
          fail_unless (gst_harness_try_pull (hrx) == NULL);
          if (rtcp) {
            srtcp_out[n] = enc_out;
          } else {
            GstBuffer *dec_out;

            /* the refusal is of the suite as a whole: srtpenc's SRTP is fine */
            gst_harness_push (hdec, enc_out);
            dec_out = gst_harness_try_pull (hdec);
            fail_unless (dec_out != NULL);
            assert_same_bytes (dec_out, in);
            gst_buffer_unref (dec_out);
          }
        }
        gst_buffer_unref (in);
      }
      if (srtcp_out[0]) {
        GstBuffer *p0 = make_rtcp (SSRC, 0), *p1 = make_rtcp (SSRC, 1);
        GstMapInfo c0, c1, m0, m1;
        gboolean reused = TRUE;
        gsize k;

        /* both packets under one keystream: c0 ^ c1 == p0 ^ p1 after the header */
        fail_unless (gst_buffer_map (srtcp_out[0], &c0, GST_MAP_READ));
        fail_unless (gst_buffer_map (srtcp_out[1], &c1, GST_MAP_READ));
        fail_unless (gst_buffer_map (p0, &m0, GST_MAP_READ));
        fail_unless (gst_buffer_map (p1, &m1, GST_MAP_READ));
        for (k = 8; k < m0.size; k++)
          reused &= (c0.data[k] ^ c1.data[k]) == (m0.data[k] ^ m1.data[k]);
        fail_unless (reused, "libsrtp no longer reuses the GCM nonce for SRTCP under "
            "AES-CM SRTP: see docs/srtpguard.md");
        gst_buffer_unmap (srtcp_out[0], &c0);
        gst_buffer_unmap (srtcp_out[1], &c1);
        gst_buffer_unmap (p0, &m0);
        gst_buffer_unmap (p1, &m1);
        gst_buffer_unref (p0);
        gst_buffer_unref (p1);
        gst_buffer_unref (srtcp_out[0]);
        gst_buffer_unref (srtcp_out[1]);
      }
      check_gcm_mixed_refusal (bus, tx, 2);
      fail_unless_equals_uint64 (stats_u64 (rx, -1, "dropped-no-key"),
          rtcp && !gcm_srtcp ? 0 : 2);

      gst_harness_teardown (htx);
      gst_harness_teardown (hrx);
      gst_harness_teardown (hdec);
      gst_harness_teardown (henc);
      gst_element_set_bus (rx, NULL);
      gst_element_set_bus (tx, NULL);
      gst_object_unref (rx);
      gst_object_unref (tx);
      gst_object_unref (bus);
      gst_buffer_unref (key);
    }
  }
}

GST_END_TEST;

static gboolean
array_has (const GValue * array, const gchar * str)
{
  guint i;

  for (i = 0; i < gst_value_array_get_size (array); i++)
    if (g_strcmp0 (g_value_get_string (gst_value_array_get_value (array, i)), str) == 0)
      return TRUE;
  return FALSE;
}

/* Every combination of media, signaling and TLS certificate: green shield only
 * with all three, otherwise orange naming exactly what is missing, in the status
 * property, the status message and the meta of every output buffer. */
GST_START_TEST (test_status_table)
{
  guint combo;

  for (combo = 0; combo < 8; combo++) {
    gboolean media = combo & 1, sig = (combo >> 1) & 1, tls = (combo >> 2) & 1;
    gboolean green = media && sig && tls;
    GstBus *bus = gst_bus_new ();
    GstElement *guard = new_guard ("unprotect", bus);
    GstBuffer *key = make_key (30, 4);
    GstHarness *h, *henc = NULL;
    GstBuffer *out;
    GstE2eeTransportMeta *meta;
    GstStructure *st;
    GList *msgs;
    const GstStructure *ms;
    GstE2eeEncryptionLevel level;
    const GValue *missing;
    gboolean b;

    g_object_set (guard, "signaling-encrypted", sig, "tls-certificate-valid", tls,
        "require-encryption", media, NULL);
    h = harness_for (guard, FALSE, FALSE);
    if (media) {
      henc = new_srtpenc (&suites[0], key, NULL, FALSE);
      gst_harness_push (henc, make_rtp (1, SSRC, 10));
      gst_harness_set_src_caps (h, gst_pad_get_current_caps (henc->sinkpad));
      gst_harness_push (h, gst_harness_pull (henc));
    } else {
      gst_harness_set_src_caps_str (h, plain_caps_str (FALSE));
      gst_harness_push (h, make_rtp (1, SSRC, 10));
    }
    out = gst_harness_pull (h);
    meta = gst_buffer_get_e2ee_transport_meta (out);
    fail_unless (meta != NULL);
    fail_unless_equals_int (meta->media_encrypted, media);
    fail_unless_equals_int (meta->media_authenticated, media);
    fail_unless_equals_int (meta->signaling_encrypted, sig);
    fail_unless_equals_int (meta->tls_certificate_valid, tls);
    fail_unless_equals_int (meta->level, green ? GST_E2EE_ENCRYPTION_LEVEL_ENCRYPTED :
        GST_E2EE_ENCRYPTION_LEVEL_PARTIALLY_ENCRYPTED);
    gst_buffer_unref (out);

    g_object_get (guard, "status", &st, NULL);
    fail_unless (gst_structure_get_enum (st, "level", GST_TYPE_E2EE_ENCRYPTION_LEVEL,
            (gint *) & level));
    fail_unless_equals_int (level, green ? GST_E2EE_ENCRYPTION_LEVEL_ENCRYPTED :
        GST_E2EE_ENCRYPTION_LEVEL_PARTIALLY_ENCRYPTED);
    fail_unless_equals_string (gst_structure_get_string (st, "indicator"),
        green ? "green-shield" : "orange-shield");
    fail_unless (gst_structure_get_boolean (st, "media-encrypted", &b));
    fail_unless_equals_int (b, media);
    missing = gst_structure_get_value (st, "missing");
    fail_unless_equals_int (gst_value_array_get_size (missing),
        !media + !sig + !tls);
    fail_unless_equals_int (array_has (missing, "media-encryption"), !media);
    fail_unless_equals_int (array_has (missing, "signaling-encryption"), !sig);
    fail_unless_equals_int (array_has (missing, "tls-certificate"), !tls);
    if (!green)
      fail_unless (g_str_has_prefix (gst_structure_get_string (st, "description"),
              "partially encrypted"));

    /* the last status message says the same */
    msgs = take_messages (bus, GST_MESSAGE_ELEMENT, "srtpguard-status");
    fail_unless (msgs != NULL);
    ms = gst_message_get_structure (g_list_last (msgs)->data);
    fail_unless (gst_structure_is_equal (ms, st));
    g_list_free_full (msgs, (GDestroyNotify) gst_message_unref);
    gst_structure_free (st);

    /* a change posts a message at once */
    g_object_set (guard, "signaling-encrypted", !sig, NULL);
    msgs = take_messages (bus, GST_MESSAGE_ELEMENT, "srtpguard-status");
    fail_unless_equals_int (g_list_length (msgs), 1);
    g_list_free_full (msgs, (GDestroyNotify) gst_message_unref);

    gst_harness_teardown (h);
    if (henc)
      gst_harness_teardown (henc);
    gst_element_set_bus (guard, NULL);
    gst_object_unref (guard);
    gst_object_unref (bus);
    gst_buffer_unref (key);
  }
}

GST_END_TEST;

typedef struct {
  guint soft, hard;
  GstCaps *soft_answer;
} LimitCounts;

static GstCaps *
soft_limit_cb (GstElement * guard, guint ssrc, LimitCounts * c)
{
  /* new keys the first time; the second soft limit is that of the new keys */
  c->soft++;
  fail_unless_equals_int (ssrc, SSRC);
  return c->soft == 1 ? gst_caps_ref (c->soft_answer) : NULL;
}

static GstCaps *
hard_limit_cb (GstElement * guard, guint ssrc, LimitCounts * c)
{
  c->hard++;
  return NULL;
}

/* Soft limit: signal and message, and the keys the handler returns take over at once
 * with the ROC kept. Hard limit: signal and message, then the SSRC's packets are
 * dropped as key-expired. */
GST_START_TEST (test_key_limits)
{
  GstBuffer *k1 = make_key (30, 21), *k2 = make_key (30, 22);
  GstBus *bus = gst_bus_new ();
  GstElement *tx = new_guard ("protect", bus);
  GstHarness *htx, *hr1, *hr2;
  LimitCounts c = { 0, 0, NULL };
  GstCaps *caps;
  GList *msgs;
  guint i;

  c.soft_answer = srtp_caps (FALSE, "aes-128-icm", "hmac-sha1-80", k2, NULL);
  g_object_set (tx, "key", k1, "key-soft-limit", (guint64) 3, "key-hard-limit",
      (guint64) 5, NULL);
  g_signal_connect (tx, "soft-limit", G_CALLBACK (soft_limit_cb), &c);
  g_signal_connect (tx, "hard-limit", G_CALLBACK (hard_limit_cb), &c);
  htx = harness_for (tx, FALSE, FALSE);
  gst_harness_set_src_caps_str (htx, plain_caps_str (FALSE));
  hr1 = gst_harness_new_with_padnames ("srtpguard", "rtp_sink", "rtp_src");
  hr2 = gst_harness_new_with_padnames ("srtpguard", "rtp_sink", "rtp_src");
  gst_harness_set_src_caps (hr1, srtp_caps (FALSE, "aes-128-icm", "hmac-sha1-80", k1,
          NULL));
  /* a fresh receiver of the new keys, told the ROC they start at */
  caps = srtp_caps (FALSE, "aes-128-icm", "hmac-sha1-80", k2, NULL);
  gst_caps_set_simple (caps, "roc", G_TYPE_UINT, 1, NULL);
  gst_harness_set_src_caps (hr2, caps);

  for (i = 0; i < 10; i++) {
    GstBuffer *in = make_rtp (65533 + i, SSRC, 8);      /* across a wrap too */
    GstBuffer *srtp;

    gst_harness_push (htx, gst_buffer_ref (in));
    srtp = gst_harness_try_pull (htx);
    if (i < 3) {                /* key 1 */
      GstBuffer *out;

      gst_harness_push (hr1, srtp);
      out = gst_harness_pull (hr1);
      assert_same_bytes (out, in);
      gst_buffer_unref (out);
    } else if (i < 8) {         /* key 2 from the soft-limit handler; expires after 5 */
      fail_unless (srtp != NULL, "packet %u not protected", i);
      gst_harness_push (hr2, srtp);
    } else {
      fail_unless (srtp == NULL, "packet %u passed with expired keys", i);
    }
    gst_buffer_unref (in);
  }
  fail_unless_equals_int (gst_harness_buffers_received (hr2), 5);
  fail_unless_equals_int (c.soft, 2);
  fail_unless_equals_int (c.hard, 1);
  fail_unless_equals_uint64 (stats_u64 (tx, SSRC, "dropped-key-expired"), 2);
  fail_unless_equals_uint64 (stats_u64 (tx, SSRC, "roc"), 1);
  msgs = take_messages (bus, GST_MESSAGE_ELEMENT, "srtpguard-key-limit");
  fail_unless_equals_int (g_list_length (msgs), 3);
  fail_unless_equals_string (gst_structure_get_string (gst_message_get_structure
          (msgs->data), "limit"), "soft");
  fail_unless_equals_string (gst_structure_get_string (gst_message_get_structure
          (msgs->next->data), "limit"), "soft");
  fail_unless_equals_string (gst_structure_get_string (gst_message_get_structure
          (msgs->next->next->data), "limit"), "hard");
  g_list_free_full (msgs, (GDestroyNotify) gst_message_unref);

  gst_harness_teardown (hr1);
  gst_harness_teardown (hr2);
  gst_harness_teardown (htx);
  gst_element_set_bus (tx, NULL);
  gst_object_unref (tx);
  gst_object_unref (bus);
  gst_caps_unref (c.soft_answer);
  gst_buffer_unref (k1);
  gst_buffer_unref (k2);
}

GST_END_TEST;

static GstCaps *
guard_request_key_cb (GstElement * guard, guint ssrc, guint * calls)
{
  GstBuffer *key = make_key (30, 31);
  GstCaps *caps = NULL;

  (*calls)++;
  if (ssrc == SSRC)
    caps = srtp_caps (FALSE, "aes-128-icm", "hmac-sha1-80", key, NULL);
  gst_buffer_unref (key);
  return caps;
}

/* Without keys in caps or properties the guard asks through request-key; an SSRC
 * the handler has no keys for is dropped as no-key. */
GST_START_TEST (test_request_key)
{
  GstBuffer *key = make_key (30, 31);
  GstBus *bus = gst_bus_new ();
  GstElement *guard = new_guard ("unprotect", bus);
  GstHarness *henc = new_srtpenc (&suites[0], key, NULL, FALSE), *hg;
  guint calls = 0;
  GstBuffer *out;

  g_signal_connect (guard, "request-key", G_CALLBACK (guard_request_key_cb), &calls);
  hg = harness_for (guard, FALSE, FALSE);
  gst_harness_set_src_caps_str (hg, "application/x-srtp");
  out = roundtrip (henc, hg, make_rtp (1, SSRC, 10), NULL);
  fail_unless (out != NULL);
  gst_buffer_unref (out);
  out = roundtrip (henc, hg, make_rtp (2, SSRC, 10), NULL);
  fail_unless (out != NULL);
  gst_buffer_unref (out);
  fail_unless_equals_int (calls, 1);

  out = roundtrip (henc, hg, make_rtp (3, SSRC2, 10), NULL);
  fail_unless (out == NULL);
  fail_unless_equals_int (calls, 2);
  fail_unless_equals_int (count_drops (bus, "no-key", SSRC2), 1);

  gst_harness_teardown (hg);
  gst_harness_teardown (henc);
  gst_element_set_bus (guard, NULL);
  gst_object_unref (guard);
  gst_object_unref (bus);
  gst_buffer_unref (key);
}

GST_END_TEST;

/* A key of the wrong size for the suite: nothing is sent, and one warning says why. */
GST_START_TEST (test_bad_key_warns)
{
  GstBuffer *key = make_key (29, 1);
  GstBus *bus = gst_bus_new ();
  GstElement *guard = new_guard ("protect", bus);
  GstHarness *h;
  GList *msgs;
  GError *err = NULL;
  guint i;

  g_object_set (guard, "key", key, NULL);
  h = harness_for (guard, FALSE, FALSE);
  gst_harness_set_src_caps_str (h, plain_caps_str (FALSE));
  for (i = 0; i < 3; i++)
    gst_harness_push (h, make_rtp (i, SSRC, 10));
  fail_unless_equals_int (gst_harness_buffers_received (h), 0);
  msgs = take_messages (bus, GST_MESSAGE_WARNING, NULL);
  fail_unless_equals_int (g_list_length (msgs), 1);
  gst_message_parse_warning (msgs->data, &err, NULL);
  fail_unless (strstr (err->message, "29 bytes") != NULL, "%s", err->message);
  g_error_free (err);
  g_list_free_full (msgs, (GDestroyNotify) gst_message_unref);
  fail_unless_equals_uint64 (stats_u64 (guard, -1, "dropped-no-key"), 3);

  gst_harness_teardown (h);
  gst_element_set_bus (guard, NULL);
  gst_object_unref (guard);
  gst_object_unref (bus);
  gst_buffer_unref (key);
}

GST_END_TEST;

/* SRTCP multiplexed on the RTP pad (RFC 5761) comes out of rtcp_src. */
GST_START_TEST (test_rtcp_mux)
{
  GstBuffer *key = make_key (30, 41);
  GstHarness *henc = new_srtpenc (&suites[0], key, NULL, TRUE);
  GstElement *guard = new_guard ("unprotect", NULL);
  GstHarness *hg, *hrtcp;
  GstBuffer *in = make_rtcp (SSRC, 3), *out;

  g_object_set (guard, "key", key, NULL);
  hg = harness_for (guard, FALSE, FALSE);
  hrtcp = gst_harness_new_with_element (guard, NULL, "rtcp_src");
  gst_harness_set_src_caps_str (hg, "application/x-srtp");
  gst_harness_push (henc, gst_buffer_ref (in));
  fail_unless_equals_int (gst_harness_push (hg, gst_harness_pull (henc)), GST_FLOW_OK);
  fail_unless_equals_int (gst_harness_buffers_received (hg), 0);
  out = gst_harness_pull (hrtcp);
  assert_same_bytes (out, in);

  gst_buffer_unref (out);
  gst_buffer_unref (in);
  gst_harness_teardown (hrtcp);
  gst_harness_teardown (hg);
  gst_harness_teardown (henc);
  gst_object_unref (guard);
  gst_buffer_unref (key);
}

GST_END_TEST;

static void
check_app_output (GstElement * pipeline, GstBuffer ** in, guint n,
    GstE2eeEncryptionLevel level)
{
  GstElement *src = gst_bin_get_by_name (GST_BIN (pipeline), "src");
  GstElement *sink = gst_bin_get_by_name (GST_BIN (pipeline), "sink");
  guint i;

  fail_unless_equals_int (gst_element_set_state (pipeline, GST_STATE_PLAYING),
      GST_STATE_CHANGE_ASYNC);
  for (i = 0; i < n; i++)
    fail_unless_equals_int (gst_app_src_push_buffer (GST_APP_SRC (src),
            gst_buffer_ref (in[i])), GST_FLOW_OK);
  for (i = 0; i < n; i++) {
    GstSample *sample = gst_app_sink_try_pull_sample (GST_APP_SINK (sink),
        hang_guard (10));
    GstBuffer *out;
    GstE2eeTransportMeta *meta;

    fail_unless (sample != NULL, "packet %u did not come out", i);
    out = gst_sample_get_buffer (sample);
    assert_same_bytes (out, in[i]);
    meta = gst_buffer_get_e2ee_transport_meta (out);
    fail_unless (meta != NULL);
    fail_unless_equals_int (meta->level, level);
    gst_sample_unref (sample);
  }
  fail_unless_equals_int (gst_element_set_state (pipeline, GST_STATE_NULL),
      GST_STATE_CHANGE_SUCCESS);
  gst_object_unref (src);
  gst_object_unref (sink);
}

#define HEX_KEY_46 "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f" \
    "202122232425262728292a2b2c2d"
#define RTP_CAPS "application/x-rtp,media=audio,clock-rate=8000,encoding-name=PCMA," \
    "payload=96,ssrc=(uint)287454020"

/* A launch line: modes, suites and keys as strings, pads linked by caps. */
GST_START_TEST (test_launch_line)
{
  GError *err = NULL;
  GstElement *pipeline = gst_parse_launch ("appsrc name=src format=time caps=\""
      RTP_CAPS "\" ! srtpguard mode=protect rtp-cipher=aes-256-icm "
      "rtcp-cipher=aes-256-icm key=" HEX_KEY_46 " ! srtpguard rtp-cipher=aes-256-icm "
      "rtcp-cipher=aes-256-icm signaling-encrypted=true tls-certificate-valid=true "
      "key=" HEX_KEY_46 " ! appsink name=sink sync=false", &err);
  GstBuffer *in[5];
  guint i;

  fail_unless (pipeline != NULL, "%s", err ? err->message : "");
  for (i = 0; i < G_N_ELEMENTS (in); i++)
    in[i] = make_rtp (7 + i, SSRC, 33);
  check_app_output (pipeline, in, G_N_ELEMENTS (in),
      GST_E2EE_ENCRYPTION_LEVEL_ENCRYPTED);
  for (i = 0; i < G_N_ELEMENTS (in); i++)
    gst_buffer_unref (in[i]);
  gst_object_unref (pipeline);
}

GST_END_TEST;

static GstElement *
request_decoder_cb (GstElement * rtpbin, guint session, GstElement * guard)
{
  return gst_object_ref (guard);
}

static void
rtpbin_pad_added_cb (GstElement * rtpbin, GstPad * pad, GstElement * sink)
{
  GstPad *sinkpad;

  if (!g_str_has_prefix (GST_PAD_NAME (pad), "recv_rtp_src_"))
    return;
  sinkpad = gst_element_get_static_pad (sink, "sink");
  fail_unless_equals_int (gst_pad_link (pad, sinkpad), GST_PAD_LINK_OK);
  gst_object_unref (sinkpad);
}

/* rtpbin's request-rtp-decoder/request-rtcp-decoder get the guard (one element for
 * both), which decrypts srtpenc's output inside rtpbin. */
GST_START_TEST (test_rtpbin_decoder)
{
  GstBuffer *key = make_key (30, 51);
  GstHarness *henc = new_srtpenc (&suites[0], key, NULL, FALSE);
  GstElement *pipeline = gst_pipeline_new (NULL);
  GstElement *src = gst_element_factory_make ("appsrc", "src");
  GstElement *rtpbin = gst_element_factory_make ("rtpbin", NULL);
  GstElement *sink = gst_element_factory_make ("appsink", "sink");
  GstElement *guard = gst_object_ref_sink (new_guard ("unprotect", NULL));
  GstBuffer *in[10];
  GstPad *srcpad, *binpad;
  GstCaps *caps;
  guint i;

  fail_unless (rtpbin != NULL);
  g_object_set (guard, "key", key, NULL);
  g_object_set (rtpbin, "latency", 0, NULL);
  g_object_set (sink, "sync", FALSE, "async", FALSE, NULL);
  g_signal_connect (rtpbin, "request-rtp-decoder", G_CALLBACK (request_decoder_cb),
      guard);
  g_signal_connect (rtpbin, "request-rtcp-decoder", G_CALLBACK (request_decoder_cb),
      guard);
  g_signal_connect (rtpbin, "pad-added", G_CALLBACK (rtpbin_pad_added_cb), sink);
  caps = gst_caps_from_string ("application/x-srtp, media=audio, clock-rate=8000, "
      "encoding-name=PCMA, payload=96");
  /* live, as udpsrc is: rtpbin's jitterbuffer only outputs while PLAYING */
  g_object_set (src, "caps", caps, "format", GST_FORMAT_TIME, "is-live", TRUE, NULL);
  gst_caps_unref (caps);
  gst_bin_add_many (GST_BIN (pipeline), src, rtpbin, sink, NULL);
  srcpad = gst_element_get_static_pad (src, "src");
  binpad = gst_element_request_pad_simple (rtpbin, "recv_rtp_sink_0");
  fail_unless_equals_int (gst_pad_link (srcpad, binpad), GST_PAD_LINK_OK);

  /* srtpenc makes the SRTP; the guard must give back exactly the RTP */
  for (i = 0; i < G_N_ELEMENTS (in); i++) {
    in[i] = make_rtp (100 + i, SSRC, 20);
    GST_BUFFER_PTS (in[i]) = i * 20 * GST_MSECOND;
  }
  {
    GstBuffer *srtp[G_N_ELEMENTS (in)];
    GstElement *appsrc = src;

    fail_unless (gst_element_set_state (pipeline, GST_STATE_PLAYING) !=
        GST_STATE_CHANGE_FAILURE);
    for (i = 0; i < G_N_ELEMENTS (in); i++) {
      gst_harness_push (henc, gst_buffer_ref (in[i]));
      srtp[i] = gst_harness_pull (henc);
      fail_unless_equals_int (gst_app_src_push_buffer (GST_APP_SRC (appsrc), srtp[i]),
          GST_FLOW_OK);
    }
    for (i = 0; i < G_N_ELEMENTS (in); i++) {
      GstSample *sample = gst_app_sink_try_pull_sample (GST_APP_SINK (sink),
          hang_guard (10));

      fail_unless (sample != NULL, "packet %u did not come out of rtpbin", i);
      assert_same_bytes (gst_sample_get_buffer (sample), in[i]);
      fail_unless (gst_buffer_get_e2ee_transport_meta (gst_sample_get_buffer (sample)));
      gst_sample_unref (sample);
    }
  }
  fail_unless_equals_uint64 (stats_u64 (guard, SSRC, "packets"), G_N_ELEMENTS (in));
  fail_unless_equals_int (gst_element_set_state (pipeline, GST_STATE_NULL),
      GST_STATE_CHANGE_SUCCESS);

  for (i = 0; i < G_N_ELEMENTS (in); i++)
    gst_buffer_unref (in[i]);
  gst_element_release_request_pad (rtpbin, binpad);
  gst_object_unref (binpad);
  gst_object_unref (srcpad);
  gst_object_unref (pipeline);
  gst_object_unref (guard);
  gst_harness_teardown (henc);
  gst_buffer_unref (key);
}

GST_END_TEST;

/* ---- rtpbin's encoder and decoder hooks ---------------------------------- */

/* Two rtpbins in one pipeline: the sender's request-rtp-encoder and
 * request-rtcp-encoder signals return one srtpguard mode=protect (or one srtpenc),
 * which rtpbin links through the request pads rtp_sink_%u / rtcp_sink_%u; the
 * receiver's request-rtp-decoder and request-rtcp-decoder return one srtpguard.
 * Every RTP packet the payloader sends must come out of the receiving rtpbin,
 * byte for byte, with the connection status green. Fewer packets under valgrind,
 * where the pipelines' setup is most of the cost. */
#define N_PACKETS (RUNNING_ON_VALGRIND ? 10 : 40)
#define SESSION 0

typedef struct {
  GMutex lock;
  GPtrArray *sent;              /* GBytes: RTP payloads as the payloader sent them */
  GPtrArray *received;          /* GBytes: as they left the receiving rtpbin */
  GstElement *encoder;          /* the sender's, returned for RTP and RTCP */
  GstElement *decoder;
  const gchar *encoder_factory;
  guint encoder_requests, decoder_requests;
  GstElement *sink;
} RtpbinPair;

static GstBuffer *
rtpbin_key (void)
{
  guint8 d[30];
  guint i;

  for (i = 0; i < sizeof (d); i++)
    d[i] = (guint8) (i * 7 + 3);
  return gst_buffer_new_memdup (d, sizeof (d));
}

/* rtpbin adds the element to itself on the first request (taking the floating
 * reference) and unrefs it once per request: the same element again for the other
 * signal comes with a reference of its own. rtpbin
 * then links rtp_sink_N → rtp_src_N (rtcp_sink_N → rtcp_src_N) of session N, which
 * the handler requests, as applications do of srtpenc. */
static GstElement *
request_encoder (GstElement * rtpbin, guint session, RtpbinPair * p, gboolean rtcp)
{
  gchar *name = rtcp ? g_strdup_printf ("rtcp_sink_%u", session) :
      g_strdup_printf ("rtp_sink_%u", session);
  gboolean created = p->encoder == NULL;
  GstPad *pad;

  fail_unless_equals_int (session, SESSION);
  p->encoder_requests++;
  if (p->encoder == NULL) {
    GstBuffer *key = rtpbin_key ();

    p->encoder = gst_element_factory_make (p->encoder_factory, NULL);
    fail_unless (p->encoder != NULL);
    if (g_str_equal (p->encoder_factory, "srtpguard"))
      g_object_set (p->encoder, "mode", 1 /* protect */ , NULL);
    g_object_set (p->encoder, "key", key, NULL);
    gst_buffer_unref (key);
  }
  pad = gst_element_request_pad_simple (p->encoder, name);
  fail_unless (pad != NULL, "%s has no %s", p->encoder_factory, name);
  gst_object_unref (pad);
  g_free (name);
  return created ? p->encoder : gst_object_ref (p->encoder);
}

static GstElement *
request_rtp_encoder (GstElement * rtpbin, guint session, RtpbinPair * p)
{
  return request_encoder (rtpbin, session, p, FALSE);
}

static GstElement *
request_rtcp_encoder (GstElement * rtpbin, guint session, RtpbinPair * p)
{
  return request_encoder (rtpbin, session, p, TRUE);
}

static GstElement *
request_decoder (GstElement * rtpbin, guint session, RtpbinPair * p)
{
  GstBuffer *key;

  fail_unless_equals_int (session, SESSION);
  p->decoder_requests++;
  if (p->decoder)
    return gst_object_ref (p->decoder);
  key = rtpbin_key ();
  p->decoder = gst_element_factory_make ("srtpguard", "guard_rx");
  g_object_set (p->decoder, "key", key, "signaling-encrypted", TRUE,
      "tls-certificate-valid", TRUE, NULL);
  gst_buffer_unref (key);
  return p->decoder;
}

static void
record (RtpbinPair * p, GPtrArray * where, GstBuffer * buf)
{
  GstRTPBuffer rtp = GST_RTP_BUFFER_INIT;

  fail_unless (gst_rtp_buffer_map (buf, GST_MAP_READ, &rtp));
  g_mutex_lock (&p->lock);
  /* the sequence number first, so that the comparison is per packet */
  {
    gsize n = gst_rtp_buffer_get_payload_len (&rtp);
    guint8 *d = g_malloc (n + 2);

    GST_WRITE_UINT16_BE (d, gst_rtp_buffer_get_seq (&rtp));
    memcpy (d + 2, gst_rtp_buffer_get_payload (&rtp), n);
    g_ptr_array_add (where, g_bytes_new_take (d, n + 2));
  }
  g_mutex_unlock (&p->lock);
  gst_rtp_buffer_unmap (&rtp);
}

static GstPadProbeReturn
sent_probe (GstPad * pad, GstPadProbeInfo * info, RtpbinPair * p)
{
  record (p, p->sent, GST_PAD_PROBE_INFO_BUFFER (info));
  return GST_PAD_PROBE_OK;
}

static GstPadProbeReturn
received_probe (GstPad * pad, GstPadProbeInfo * info, RtpbinPair * p)
{
  record (p, p->received, GST_PAD_PROBE_INFO_BUFFER (info));
  return GST_PAD_PROBE_OK;
}

static void
rx_pad_added (GstElement * rtpbin, GstPad * pad, RtpbinPair * p)
{
  GstPad *sinkpad;

  if (!g_str_has_prefix (GST_PAD_NAME (pad), "recv_rtp_src_"))
    return;
  gst_pad_add_probe (pad, GST_PAD_PROBE_TYPE_BUFFER,
      (GstPadProbeCallback) received_probe, p, NULL);
  sinkpad = gst_element_get_static_pad (p->sink, "sink");
  fail_unless_equals_int (gst_pad_link (pad, sinkpad), GST_PAD_LINK_OK);
  gst_object_unref (sinkpad);
}

static void
run_pair (const gchar * encoder_factory)
{
  RtpbinPair p = { 0 };
  GstElement *pipeline, *tx, *rx, *src;
  GstPad *pay_src;
  GstBus *bus;
  GstMessage *msg;
  GstStructure *status;
  gint level = GST_E2EE_ENCRYPTION_LEVEL_UNENCRYPTED;
  gchar *desc;
  guint i;
  gint64 deadline;

  g_mutex_init (&p.lock);
  p.sent = g_ptr_array_new_with_free_func ((GDestroyNotify) g_bytes_unref);
  p.received = g_ptr_array_new_with_free_func ((GDestroyNotify) g_bytes_unref);
  p.encoder_factory = encoder_factory;

  pipeline = gst_pipeline_new (NULL);
  tx = gst_element_factory_make ("rtpbin", "tx");
  rx = gst_element_factory_make ("rtpbin", "rx");
  g_signal_connect (tx, "request-rtp-encoder", G_CALLBACK (request_rtp_encoder), &p);
  g_signal_connect (tx, "request-rtcp-encoder", G_CALLBACK (request_rtcp_encoder), &p);
  g_signal_connect (rx, "request-rtp-decoder", G_CALLBACK (request_decoder), &p);
  g_signal_connect (rx, "request-rtcp-decoder", G_CALLBACK (request_decoder), &p);
  g_signal_connect (rx, "pad-added", G_CALLBACK (rx_pad_added), &p);
  desc = g_strdup_printf ("audiotestsrc num-buffers=%d samplesperbuffer=160 ! "
      "audio/x-raw,rate=8000,channels=1 ! alawenc ! rtppcmapay name=pay ssrc=%u",
      N_PACKETS, SSRC);
  src = gst_parse_bin_from_description (desc, TRUE, NULL);
  g_free (desc);
  fail_unless (src != NULL);
  p.sink = gst_element_factory_make ("fakesink", NULL);
  g_object_set (p.sink, "sync", FALSE, "async", FALSE, NULL);
  gst_bin_add_many (GST_BIN (pipeline), src, tx, rx, p.sink, NULL);

  /* rtpbin asks for the encoder and decoders while these are linked */
  fail_unless (gst_element_link_pads (src, NULL, tx, "send_rtp_sink_0"));
  fail_unless (gst_element_link_pads (tx, "send_rtp_src_0", rx, "recv_rtp_sink_0"));
  fail_unless (gst_element_link_pads (tx, "send_rtcp_src_0", rx, "recv_rtcp_sink_0"));
  fail_unless (p.encoder != NULL && p.decoder != NULL);
  fail_unless_equals_int (p.encoder_requests, 2);
  fail_unless_equals_int (p.decoder_requests, 2);

  {
    GstElement *pay = gst_bin_get_by_name (GST_BIN (src), "pay");

    pay_src = gst_element_get_static_pad (pay, "src");
    gst_pad_add_probe (pay_src, GST_PAD_PROBE_TYPE_BUFFER,
        (GstPadProbeCallback) sent_probe, &p, NULL);
    gst_object_unref (pay);
  }

  fail_unless (gst_element_set_state (pipeline, GST_STATE_PLAYING) !=
      GST_STATE_CHANGE_FAILURE);
  bus = gst_element_get_bus (pipeline);
  msg = gst_bus_timed_pop_filtered (bus, hang_guard (30),
      GST_MESSAGE_EOS | GST_MESSAGE_ERROR | GST_MESSAGE_WARNING);
  fail_unless (msg != NULL, "no EOS within the hang guard");
  if (GST_MESSAGE_TYPE (msg) != GST_MESSAGE_EOS)
    fail ("%s", gst_info_strdup_printf ("%" GST_PTR_FORMAT, msg));
  gst_message_unref (msg);

  /* every packet, in order, as sent */
  g_mutex_lock (&p.lock);
  fail_unless_equals_int (p.sent->len, N_PACKETS);
  fail_unless_equals_int (p.received->len, N_PACKETS);
  for (i = 0; i < N_PACKETS; i++)
    fail_unless (g_bytes_equal (g_ptr_array_index (p.sent, i),
            g_ptr_array_index (p.received, i)), "packet %u differs", i);
  g_mutex_unlock (&p.lock);

  fail_unless_equals_uint64 (stats_u64 (p.decoder, -1, "packets"), N_PACKETS);
  fail_unless_equals_uint64 (stats_u64 (p.decoder, -1, "dropped-authentication"), 0);
  if (g_str_equal (encoder_factory, "srtpguard"))
    fail_unless_equals_uint64 (stats_u64 (p.encoder, -1, "packets"), N_PACKETS);

  /* the sender's rtpsession says BYE at EOS: SRTCP through both hooks */
  deadline = g_get_monotonic_time () + hang_guard (10) / GST_USECOND;
  while (stats_u64 (p.decoder, -1, "rtcp-packets") == 0 &&
      g_get_monotonic_time () < deadline)
    g_usleep (10 * 1000);
  fail_unless (stats_u64 (p.decoder, -1, "rtcp-packets") > 0, "no SRTCP arrived");
  fail_unless_equals_uint64 (stats_u64 (p.decoder, -1, "dropped-authentication"), 0);

  g_object_get (p.decoder, "status", &status, NULL);
  fail_unless (gst_structure_get_enum (status, "level",
          GST_TYPE_E2EE_ENCRYPTION_LEVEL, &level));
  fail_unless_equals_int (level, GST_E2EE_ENCRYPTION_LEVEL_ENCRYPTED);
  fail_unless_equals_string (gst_structure_get_string (status, "indicator"),
      "green-shield");
  gst_structure_free (status);

  fail_unless_equals_int (gst_element_set_state (pipeline, GST_STATE_NULL),
      GST_STATE_CHANGE_SUCCESS);
  gst_object_unref (pay_src);
  gst_object_unref (bus);
  gst_object_unref (pipeline);
  g_ptr_array_unref (p.sent);
  g_ptr_array_unref (p.received);
  g_mutex_clear (&p.lock);
}

GST_START_TEST (test_guard_to_guard)
{
  run_pair ("srtpguard");
}

GST_END_TEST;

GST_START_TEST (test_srtpenc_to_guard)
{
  run_pair ("srtpenc");
}

GST_END_TEST;

/* The request pads by themselves: rtp_sink_N brings rtp_src_N, released together */
GST_START_TEST (test_request_pads)
{
  GstElement *guard = gst_element_factory_make ("srtpguard", NULL);
  GstPad *sink, *rtcp_sink, *src, *again;

  sink = gst_element_request_pad_simple (guard, "rtp_sink_%u");
  fail_unless (sink != NULL);
  fail_unless_equals_string (GST_PAD_NAME (sink), "rtp_sink_0");
  src = gst_element_get_static_pad (guard, "rtp_src_0");
  fail_unless (src != NULL);
  rtcp_sink = gst_element_request_pad_simple (guard, "rtcp_sink_3");
  fail_unless_equals_string (GST_PAD_NAME (rtcp_sink), "rtcp_sink_3");
  gst_object_unref (gst_element_get_static_pad (guard, "rtcp_src_3"));
  again = gst_element_request_pad_simple (guard, "rtp_sink_%u");
  fail_unless_equals_string (GST_PAD_NAME (again), "rtp_sink_1");

  gst_element_release_request_pad (guard, sink);
  gst_object_unref (sink);
  fail_unless (gst_element_get_static_pad (guard, "rtp_src_0") == NULL);
  gst_object_unref (src);
  /* the always pads stay */
  gst_object_unref (gst_element_get_static_pad (guard, "rtp_sink"));
  gst_object_unref (gst_element_get_static_pad (guard, "rtcp_src"));
  gst_object_unref (rtcp_sink);
  gst_object_unref (again);
  gst_object_unref (guard);
}

GST_END_TEST;

static Suite *
srtpguard_suite (void)
{
  Suite *s = suite_create ("srtpguard");
  TCase *tc = tcase_create ("general");

  suite_add_tcase (s, tc);
  tcase_add_test (tc, test_interop_from_srtpenc);
  tcase_add_test (tc, test_interop_to_srtpdec);
  tcase_add_test (tc, test_key_in_caps);
  tcase_add_test (tc, test_rekey_keeps_roc);
  tcase_add_test (tc, test_rekey_srtcp_from_srtpenc);
  tcase_add_test (tc, test_protect_no_index_reuse);
  tcase_add_test (tc, test_protect_same_key_changes);
  tcase_add_test (tc, test_protect_untracked_ssrcs);
  tcase_add_test (tc, test_plain_rtp_refused);
  tcase_add_test (tc, test_drop_message_interval_ns);
  tcase_add_test (tc, test_key_write_only);
  tcase_add_test (tc, test_weak_srtp_refused);
  tcase_add_test (tc, test_weak_rtcp_refused);
  tcase_add_test (tc, test_many_ssrcs_bounded);
  tcase_add_test (tc, test_replay_and_tamper);
  tcase_add_test (tc, test_mki_switch);
  tcase_add_test (tc, test_mixed_suites);
  tcase_add_test (tc, test_mki_srtcp_tag_lengths);
  tcase_add_test (tc, test_gcm_mixed_refused);
  tcase_add_test (tc, test_status_table);
  tcase_add_test (tc, test_key_limits);
  tcase_add_test (tc, test_request_key);
  tcase_add_test (tc, test_bad_key_warns);
  tcase_add_test (tc, test_rtcp_mux);
  tcase_add_test (tc, test_launch_line);
  tcase_add_test (tc, test_rtpbin_decoder);
  tcase_add_test (tc, test_request_pads);
  tcase_add_test (tc, test_guard_to_guard);
  /* srtpenc's side is ours in no way: plain runs and ASan check it */
  if (!RUNNING_ON_VALGRIND)
    tcase_add_test (tc, test_srtpenc_to_guard);
  return s;
}

GST_CHECK_MAIN (srtpguard);
