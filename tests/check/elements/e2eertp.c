/* gst-e2ee: the per-packet (RTP) mode of e2eeenc and e2eedec (docs/per-packet.md).
 * Packets are built with GstRTPBuffer; what e2eeenc must output is computed here from
 * the spec with the library's SFrame API and compared byte for byte. Then round trips,
 * tampering, replays, key changes, and real pipelines with Debian's Opus and VP8
 * encoders and payloaders, alone and through rtpbin over UDP on 127.0.0.1.
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <gst/check/gstcheck.h>
#include <gst/check/gstharness.h>
#include <gst/rtp/rtp.h>
#include <gst/video/video.h>
#include <gst/e2ee/e2ee.h>
#include <gio/gio.h>
#include <stdio.h>
#include <string.h>
#include "../e2eecheck.h"

#define KEY_HEX_1 "20212223242526272829303132333435363738394041424344454647484950ff"
#define RTP_E2EE_CAPS OPUS_RTP_CAPS ", e2ee-layout=(string)rtp"
#define ALL_FIELDS "marker+payload-type+sequence-number+timestamp+ssrc"

/* ---- Keys --------------------------------------------------------------- */

/* This file's keys (e2eecheck.h). */
static const KeyRecipe keys = { 29, 11, 3 };

/* ---- Packets ------------------------------------------------------------ */

typedef struct
{
  guint payload_len;
  guint pad_len;                /* 0: no padding */
  guint n_csrc;
  guint ext_len;                /* one-byte header extension element bytes; 0: none */
  gboolean marker;
} PacketSpec;

static const PacketSpec specs[] = {
  {160, 0, 0, 0, FALSE},
  {1200, 0, 0, 0, TRUE},
  {100, 0, 3, 0, FALSE},
  {100, 0, 0, 5, TRUE},
  {100, 4, 0, 0, FALSE},
  {77, 7, 2, 3, TRUE},
  {0, 0, 0, 0, FALSE},
  {1, 1, 15, 16, TRUE},
  {33, 255, 1, 1, FALSE},
};

#define N_SPECS G_N_ELEMENTS (specs)

/* Packet @idx of a stream: @spec's shape, sequence numbers that wrap, timestamps
 * that wrap, distinct payload and padding bytes. */
static GstBuffer *
make_packet (const PacketSpec * spec, guint idx)
{
  GstRTPBuffer rtp = GST_RTP_BUFFER_INIT;
  GstBuffer *buf = gst_rtp_buffer_new_allocate (spec->payload_len, spec->pad_len,
      spec->n_csrc);
  guint i;

  fail_unless (gst_rtp_buffer_map (buf, GST_MAP_READWRITE, &rtp));
  gst_rtp_buffer_set_payload_type (&rtp, 111);
  gst_rtp_buffer_set_seq (&rtp, (guint16) (65530 + idx));
  gst_rtp_buffer_set_timestamp (&rtp, 0xfffff000u + idx * 960);
  gst_rtp_buffer_set_ssrc (&rtp, 0x5eed0000u + 7);
  gst_rtp_buffer_set_marker (&rtp, spec->marker);
  for (i = 0; i < spec->n_csrc; i++)
    gst_rtp_buffer_set_csrc (&rtp, i, 0xc5000000u + i);
  if (spec->ext_len) {
    guint8 ext[16];

    fill_bytes (ext, spec->ext_len, 1000 + idx);
    fail_unless (gst_rtp_buffer_add_extension_onebyte_header (&rtp, 3, ext,
            spec->ext_len));
  }
  fill_bytes (gst_rtp_buffer_get_payload (&rtp), spec->payload_len, idx);
  gst_rtp_buffer_unmap (&rtp);

  if (spec->pad_len > 1) {
    /* Padding content other than the count: it must come out as it went in. */
    GstMapInfo map;

    gst_buffer_map (buf, &map, GST_MAP_WRITE);
    fill_bytes (map.data + map.size - spec->pad_len, spec->pad_len - 1, 5000 + idx);
    gst_buffer_unmap (buf, &map);
  }
  GST_BUFFER_PTS (buf) = idx * 20 * GST_MSECOND;
  GST_BUFFER_DURATION (buf) = 20 * GST_MSECOND;
  return buf;
}

/* A copy of @buf's bytes that leaves it as it was: a map would join the memories of
 * a writable buffer, and packets here are split in memories on purpose. */
static GBytes *
extract_bytes (GstBuffer * buf)
{
  gsize size = gst_buffer_get_size (buf);
  guint8 *data = g_malloc (MAX (size, 1));

  gst_buffer_extract (buf, 0, data, size);
  return g_bytes_new_take (data, size);
}

/* RFC 3550 §5.1, written out again here: header length (fixed header, CSRCs,
 * extension) and padding length. */
static void
split_packet (const guint8 * p, gsize size, gsize * hlen, gsize * pad)
{
  fail_unless (size >= 12 && (p[0] >> 6) == 2);
  *hlen = 12 + 4 * (p[0] & 0x0f);
  if (p[0] & 0x10)
    *hlen += 4 + 4 * ((p[*hlen + 2] << 8) | p[*hlen + 3]);
  *pad = (p[0] & 0x20) ? p[size - 1] : 0;
  fail_unless (*hlen + *pad <= size);
}

typedef struct
{
  const gchar *nick;
  gboolean marker, pt, seq, ts, ssrc;
} FieldSet;

static const FieldSet field_sets[] = {
  {ALL_FIELDS, TRUE, TRUE, TRUE, TRUE, TRUE},
  {"none", FALSE, FALSE, FALSE, FALSE, FALSE},
  {"marker+timestamp", TRUE, FALSE, FALSE, TRUE, FALSE},
};

/* docs/per-packet.md: M = the 12-byte fixed header, version kept, P, X and CC zeroed,
 * each field not chosen zeroed. */
static void
spec_metadata (const guint8 * p, const FieldSet * f, guint8 * md)
{
  memset (md, 0, 12);
  md[0] = p[0] & 0xc0;
  if (f->marker)
    md[1] |= p[1] & 0x80;
  if (f->pt)
    md[1] |= p[1] & 0x7f;
  if (f->seq)
    memcpy (md + 2, p + 2, 2);
  if (f->ts)
    memcpy (md + 4, p + 4, 4);
  if (f->ssrc)
    memcpy (md + 8, p + 8, 4);
}

/* What e2eeenc must make of @plain: its header, SFrame(M, payload), its padding. */
static GBytes *
spec_encrypt (GstE2eeSFrameKey * ref, const FieldSet * f, GstBuffer * plain,
    guint64 * ctr)
{
  GBytes *in = extract_bytes (plain);
  gsize size, hlen, pad, len = 0, cap;
  const guint8 *p = g_bytes_get_data (in, &size);
  guint8 md[12], *out;
  GError *err = NULL;

  split_packet (p, size, &hlen, &pad);
  spec_metadata (p, f, md);
  cap = size + GST_E2EE_SFRAME_MAX_OVERHEAD;
  out = g_malloc (cap);
  memcpy (out, p, hlen);
  fail_unless (gst_e2ee_sframe_key_encrypt (ref, md, sizeof (md), p + hlen,
          size - hlen - pad, out + hlen, cap - hlen, &len, ctr, &err),
      "reference encryption: %s", err ? err->message : "?");
  memcpy (out + hlen + len, p + size - pad, pad);
  g_bytes_unref (in);
  return g_bytes_new_take (out, hlen + len + pad);
}

static void
assert_bytes (GstBuffer * buf, GBytes * want, const gchar * what, guint idx)
{
  GBytes *got = extract_bytes (buf);

  fail_unless_equals_uint64 (g_bytes_get_size (got), g_bytes_get_size (want));
  fail_unless (g_bytes_equal (got, want), "%s: packet %u differs", what, idx);
  g_bytes_unref (got);
}

/* ---- Elements ------------------------------------------------------------ */

/* An e2eeenc in its default layout (per packet, given RTP caps), with @fields (if any)
 * as its RTP metadata. */
static GstElement *
make_rtp_enc (GstE2eeCipherSuite suite, guint64 kid, guint8 seed, const gchar * fields)
{
  GstElement *enc = gst_element_factory_make ("e2eeenc", NULL);
  GstBuffer *key = key_buffer (&keys, seed);

  fail_unless (enc != NULL, "e2eeenc not found: is GST_PLUGIN_PATH set?");
  g_object_set (enc, "cipher-suite", suite, "key-id", kid, "key", key, NULL);
  if (fields)
    gst_util_set_object_arg (G_OBJECT (enc), "rtp-metadata", fields);
  gst_buffer_unref (key);
  return enc;
}

static GstElement *
make_dec (GstE2eeCipherSuite suite, guint64 kid, guint8 seed, const gchar * fields)
{
  GstElement *dec = gst_element_factory_make ("e2eedec", NULL);
  GstBuffer *key = key_buffer (&keys, seed);
  gboolean ok = FALSE;

  fail_unless (dec != NULL);
  /* A KID without a key is dropped at once, not held: each push has its answer. */
  g_object_set (dec, "cipher-suite", suite, "unknown-kid-hold", (guint64) 0,
      "drop-message-interval", (guint64) 0, NULL);
  if (fields)
    gst_util_set_object_arg (G_OBJECT (dec), "rtp-metadata", fields);
  g_signal_emit_by_name (dec, "add-key", kid, key, &ok);
  fail_unless (ok);
  gst_buffer_unref (key);
  return dec;
}

static void
teardown (GstHarness * h, GstBus * bus)
{
  if (bus) {
    gst_bus_set_flushing (bus, TRUE);
    gst_object_unref (bus);
  }
  gst_harness_teardown (h);
}

static guint64
stat (GstElement * el, const gchar * field)
{
  GstStructure *s;
  guint64 v = G_MAXUINT64;

  g_object_get (el, "stats", &s, NULL);
  fail_unless (gst_structure_get_uint64 (s, field, &v), "no stats field %s", field);
  gst_structure_free (s);
  return v;
}

static void
assert_caps (GstPad * pad, const gchar * want_str)
{
  GstCaps *got = gst_pad_get_current_caps (pad);
  GstCaps *want = gst_caps_from_string (want_str);

  fail_unless (got != NULL);
  fail_unless (gst_caps_is_equal (got, want), "caps %" GST_PTR_FORMAT ", want %"
      GST_PTR_FORMAT, got, want);
  gst_caps_unref (got);
  gst_caps_unref (want);
}

static gboolean
error_says (GstBus * bus, const gchar * text)
{
  GstMessage *msg = gst_bus_pop_filtered (bus, GST_MESSAGE_ERROR);
  GError *err = NULL;
  gchar *dbg = NULL;
  gboolean found;

  if (msg == NULL)
    return FALSE;
  gst_message_parse_error (msg, &err, &dbg);
  found = strstr (err->message, text) != NULL || (dbg && strstr (dbg, text) != NULL);
  GST_INFO ("error: %s (%s)", err->message, dbg);
  g_error_free (err);
  g_free (dbg);
  gst_message_unref (msg);
  return found;
}

/* ---- Harness tests ------------------------------------------------------ */

/* Every suite with every field set: each packet e2eeenc outputs is exactly the spec's
 * header || SFrame(M, payload) || padding, and the input is left untouched. A KID
 * with a multi-byte header field, so the SFrame header is not one byte. */
GST_START_TEST (test_rtp_enc_byte_exact)
{
  GstE2eeCipherSuite suite = all_suites[__i__ % G_N_ELEMENTS (all_suites)];
  const FieldSet *f = &field_sets[__i__ / G_N_ELEMENTS (all_suites)];
  guint64 kid = 0x1234;
  GstE2eeSFrameKey *ref = reference_key (&keys, suite, kid, 1);
  GstHarness *h = harness_for (make_rtp_enc (suite, kid, 1, f->nick), NULL,
      OPUS_RTP_CAPS);
  guint i;

  for (i = 0; i < 2 * N_SPECS; i++) {
    GstBuffer *in = make_packet (&specs[i % N_SPECS], i), *out;
    GBytes *before = extract_bytes (in), *want;
    guint64 ctr = G_MAXUINT64;

    want = spec_encrypt (ref, f, in, &ctr);
    fail_unless_equals_uint64 (ctr, i);
    out = push_pull (h, gst_buffer_ref (in));
    assert_bytes (out, want, "e2eeenc vs. spec", i);
    assert_bytes (in, before, "e2eeenc's input afterwards", i);
    fail_unless_equals_uint64 (GST_BUFFER_PTS (out), GST_BUFFER_PTS (in));
    fail_unless (gst_buffer_get_e2ee_meta (out) == NULL);
    g_bytes_unref (want);
    g_bytes_unref (before);
    gst_buffer_unref (in);
    gst_buffer_unref (out);
  }
  assert_caps (h->sinkpad, RTP_E2EE_CAPS);
  fail_unless_equals_uint64 (stat (h->element, "frames"), 2 * N_SPECS);
  gst_harness_teardown (h);
  gst_e2ee_sframe_key_unref (ref);
}

GST_END_TEST;

/* A payloader's packet is a header memory and a payload memory: same output as one
 * memory, and neither input memory changes. */
GST_START_TEST (test_rtp_enc_two_memories)
{
  GstE2eeCipherSuite suite = GST_E2EE_CIPHER_SUITE_AES_128_GCM_SHA256_128;
  GstE2eeSFrameKey *ref = reference_key (&keys, suite, 2, 4);
  GstHarness *h = harness_for (make_rtp_enc (suite, 2, 4, NULL), NULL, OPUS_RTP_CAPS);
  guint i;

  for (i = 0; i < N_SPECS; i++) {
    GstBuffer *whole = make_packet (&specs[i], i), *in, *out;
    GBytes *bytes = extract_bytes (whole), *want;
    gsize size, hlen, pad;
    const guint8 *p = g_bytes_get_data (bytes, &size);

    split_packet (p, size, &hlen, &pad);
    in = gst_buffer_new_memdup (p, hlen);
    if (size > hlen) {
      guint8 *rest = g_memdup2 (p + hlen, size - hlen);

      gst_buffer_append_memory (in, gst_memory_new_wrapped (0, rest, size - hlen, 0,
              size - hlen, rest, g_free));
    }
    fail_unless (size == hlen || gst_buffer_n_memory (in) == 2);
    want = spec_encrypt (ref, &field_sets[0], whole, NULL);
    out = push_pull (h, gst_buffer_ref (in));
    assert_bytes (out, want, "two-memory packet", i);
    assert_bytes (whole, bytes, "input afterwards", i);
    g_bytes_unref (want);
    g_bytes_unref (bytes);
    gst_buffer_unref (in);
    gst_buffer_unref (whole);
    gst_buffer_unref (out);
  }
  gst_harness_teardown (h);
  gst_e2ee_sframe_key_unref (ref);
}

GST_END_TEST;

/* enc ! dec gives back every packet byte for byte (CSRCs, extensions, padding and
 * its content, marker), with the caps e2eeenc was given and a GstE2eeMeta. */
GST_START_TEST (test_rtp_round_trip)
{
  GstHarness *h = gst_harness_new_parse ("e2eeenc key-id=1 key=" KEY_HEX_1
      " ! e2eedec key-id=1 key=" KEY_HEX_1);
  GstElement *dec = gst_harness_find_element (h, "e2eedec");
  guint i;

  gst_harness_set_src_caps_str (h, OPUS_RTP_CAPS);
  for (i = 0; i < 3 * N_SPECS; i++) {
    GstBuffer *in = make_packet (&specs[i % N_SPECS], i), *out;
    GBytes *want = extract_bytes (in);
    GstE2eeMeta *meta;

    out = push_pull (h, in);
    assert_bytes (out, want, "round trip", i);
    meta = gst_buffer_get_e2ee_meta (out);
    fail_unless (meta != NULL && meta->authenticated);
    fail_unless_equals_uint64 (meta->kid, 1);
    fail_unless_equals_uint64 (meta->ctr, i);
    g_bytes_unref (want);
    gst_buffer_unref (out);
  }
  assert_caps (h->sinkpad, OPUS_RTP_CAPS);
  fail_unless_equals_uint64 (stat (dec, "frames"), 3 * N_SPECS);
  fail_unless_equals_uint64 (stat (dec, "dropped"), 0);
  gst_object_unref (dec);
  gst_harness_teardown (h);
}

GST_END_TEST;

/* Encrypts @n packets of specs[@spec] with a fresh e2eeenc (KID 1, key seed 1). */
static GPtrArray *
encrypt_packets (guint n, guint spec, const gchar * fields)
{
  GstHarness *h = harness_for (make_rtp_enc (GST_E2EE_CIPHER_SUITE_AES_256_GCM_SHA512_128,
          1, 1, fields), NULL, OPUS_RTP_CAPS);
  GPtrArray *out = g_ptr_array_new_with_free_func ((GDestroyNotify) gst_buffer_unref);
  guint i;

  for (i = 0; i < n; i++)
    g_ptr_array_add (out, push_pull (h, make_packet (&specs[spec], i)));
  gst_harness_teardown (h);
  return out;
}

/* The decoder works in place on a writable packet: the output is the input's own
 * memory, moved up by the SFrame header. */
GST_START_TEST (test_rtp_dec_in_place)
{
  GPtrArray *enc = encrypt_packets (3, 5, NULL);
  GstHarness *h = harness_for (make_dec (GST_E2EE_CIPHER_SUITE_AES_256_GCM_SHA512_128,
          1, 1, NULL), NULL, RTP_E2EE_CAPS);
  guint i;

  for (i = 0; i < enc->len; i++) {
    GstBuffer *in = gst_buffer_copy_deep (g_ptr_array_index (enc, i)), *out;
    GstBuffer *want = make_packet (&specs[5], i);
    GBytes *want_bytes = extract_bytes (want);
    GstMapInfo map;
    guint8 *before;

    gst_buffer_map (in, &map, GST_MAP_READ);
    before = map.data;
    gst_buffer_unmap (in, &map);
    out = push_pull (h, in);
    assert_bytes (out, want_bytes, "in place", i);
    gst_buffer_map (out, &map, GST_MAP_READ);
    /* KID 1 and CTR < 8: a one-byte SFrame header. */
    fail_unless (map.data == before + 1, "not decrypted in place");
    gst_buffer_unmap (out, &map);
    gst_buffer_unref (out);
    gst_buffer_unref (want);
    g_bytes_unref (want_bytes);
  }
  assert_caps (h->sinkpad, OPUS_RTP_CAPS);
  gst_harness_teardown (h);
  g_ptr_array_unref (enc);
}

GST_END_TEST;

typedef struct
{
  const gchar *what;
  gint offset;                  /* from the start; negative: from the end */
  guint8 xor;
  const gchar *reason;          /* stats field that counts the drop; NULL: any */
} Tamper;

/* specs[5]: 2 CSRCs, a 3-byte extension element (one 4-byte word + 4-byte header),
 * 7 bytes of padding; AES-256-GCM, KID 1, CTR < 8: one-byte SFrame header. */
#define T_HLEN (12 + 8 + 4 + 4)
static const Tamper tampers[] = {
  {"marker", 1, 0x80, "dropped-authentication"},
  {"payload type", 1, 0x01, "dropped-authentication"},
  {"sequence number", 3, 0x01, "dropped-authentication"},
  {"sequence number high byte", 2, 0x80, "dropped-authentication"},
  {"timestamp", 7, 0x01, "dropped-authentication"},
  {"timestamp high byte", 4, 0x10, "dropped-authentication"},
  {"ssrc", 11, 0x01, "dropped-authentication"},
  {"ssrc high byte", 8, 0x40, "dropped-authentication"},
  {"version", 0, 0x40, "dropped-malformed-header"},
  /* Past the SFrame header, which has a CTR byte from packet 8 on. */
  {"ciphertext", T_HLEN + 4, 0x01, "dropped-authentication"},
  {"ciphertext end", -(7 + 16 + 1), 0x80, "dropped-authentication"},
  {"tag", -(7 + 1), 0x01, "dropped-authentication"},
  {"sframe kid", T_HLEN, 0x20, "dropped-unknown-kid"},
  {"padding count", -1, 0x02, NULL},
  {"csrc count", 0, 0x01, NULL},
  {"extension bit", 0, 0x10, NULL},
  {"padding bit", 0, 0x20, NULL},
};

static void
xor_byte (GstBuffer * buf, gint offset, guint8 x)
{
  GstMapInfo map;

  fail_unless (gst_buffer_map (buf, &map, GST_MAP_WRITE));
  map.data[offset < 0 ? (gint) map.size + offset : offset] ^= x;
  gst_buffer_unmap (buf, &map);
}

/* Each covered header field, the ciphertext, the tag and the SFrame header: the
 * packet is dropped and counted, nothing goes out, and the untouched packet still
 * decrypts afterwards (a forgery moves no replay window). Then replays. */
GST_START_TEST (test_rtp_tamper)
{
  guint n = G_N_ELEMENTS (tampers);
  GPtrArray *enc = encrypt_packets (n + 1, 5, NULL);
  GstBus *bus;
  GstElement *dec = make_dec (GST_E2EE_CIPHER_SUITE_AES_256_GCM_SHA512_128, 1, 1, NULL);
  GstHarness *h;
  guint i;

  /* Without a ratchet to follow, the altered KID (3) is one it has no key for;
   * with one it would derive KID 3's key and the tag would fail instead. */
  g_object_set (dec, "ratchet-bits", 0, NULL);
  h = harness_for (dec, &bus, RTP_E2EE_CAPS);
  for (i = 0; i < n; i++) {
    GstBuffer *bad = gst_buffer_copy_deep (g_ptr_array_index (enc, i)), *out;
    guint64 dropped = stat (h->element, "dropped");
    guint64 frames = stat (h->element, "frames");
    guint64 reason = tampers[i].reason ? stat (h->element, tampers[i].reason) : 0;
    GstBuffer *want = make_packet (&specs[5], i);
    GBytes *want_bytes = extract_bytes (want);

    xor_byte (bad, tampers[i].offset, tampers[i].xor);
    fail_unless_equals_int (gst_harness_push (h, bad), GST_FLOW_OK);
    fail_unless (gst_harness_try_pull (h) == NULL, "tampered %s went through",
        tampers[i].what);
    fail_unless_equals_uint64 (stat (h->element, "dropped"), dropped + 1);
    fail_unless_equals_uint64 (stat (h->element, "frames"), frames);
    if (tampers[i].reason)
      fail_unless_equals_uint64 (stat (h->element, tampers[i].reason), reason + 1);

    out = push_pull (h, gst_buffer_copy_deep (g_ptr_array_index (enc, i)));
    assert_bytes (out, want_bytes, tampers[i].what, i);
    gst_buffer_unref (out);
    gst_buffer_unref (want);
    g_bytes_unref (want_bytes);
  }
  fail_unless_equals_uint64 (stat (h->element, "frames"), n);

  /* Replays: the same packet again, then one older than every other. */
  fail_unless_equals_int (gst_harness_push (h,
          gst_buffer_copy_deep (g_ptr_array_index (enc, 3))), GST_FLOW_OK);
  fail_unless (gst_harness_try_pull (h) == NULL);
  fail_unless_equals_uint64 (stat (h->element, "dropped-replay-duplicate"), 1);

  /* Not RTP at all, and an RTP packet too short for an SFrame header and tag. */
  {
    guint64 malformed = stat (h->element, "dropped-malformed-header");
    guint64 truncated = stat (h->element, "dropped-truncated");
    GstBuffer *cut = gst_buffer_copy_region (g_ptr_array_index (enc, n),
        GST_BUFFER_COPY_ALL, 0, T_HLEN + 5);
    GstMapInfo map;

    fail_unless_equals_int (gst_harness_push (h,
            gst_buffer_new_memdup ("\x00\x01\x02", 3)), GST_FLOW_OK);
    fail_unless_equals_uint64 (stat (h->element, "dropped-malformed-header"),
        malformed + 1);
    /* Without its padding: clear the P bit. */
    gst_buffer_map (cut, &map, GST_MAP_WRITE);
    map.data[0] &= ~0x20;
    gst_buffer_unmap (cut, &map);
    fail_unless_equals_int (gst_harness_push (h, cut), GST_FLOW_OK);
    fail_unless (gst_harness_try_pull (h) == NULL);
    fail_unless_equals_uint64 (stat (h->element, "dropped-truncated"), truncated + 1);
  }
  fail_unless (gst_bus_pop_filtered (bus, GST_MESSAGE_ERROR) == NULL,
      "tampering must not stop the stream");
  teardown (h, bus);
  g_ptr_array_unref (enc);
}

GST_END_TEST;

/* What the tag does not cover: CSRC values, extension contents and padding contents,
 * which mixers and servers change. Such packets decrypt, carrying the change. */
GST_START_TEST (test_rtp_unauthenticated_parts)
{
  static const gint offsets[] = { 12, 19, T_HLEN - 1, -2 };
  GPtrArray *enc = encrypt_packets (G_N_ELEMENTS (offsets), 5, NULL);
  GstHarness *h = harness_for (make_dec (GST_E2EE_CIPHER_SUITE_AES_256_GCM_SHA512_128,
          1, 1, NULL), NULL, RTP_E2EE_CAPS);
  guint i;

  for (i = 0; i < G_N_ELEMENTS (offsets); i++) {
    GstBuffer *in = gst_buffer_copy_deep (g_ptr_array_index (enc, i)), *out;
    GstBuffer *want = make_packet (&specs[5], i);
    GBytes *want_bytes;

    xor_byte (in, offsets[i], 0x5a);
    xor_byte (want, offsets[i], 0x5a);
    want_bytes = extract_bytes (want);
    out = push_pull (h, in);
    assert_bytes (out, want_bytes, "changed CSRC/extension/padding", i);
    gst_buffer_unref (out);
    gst_buffer_unref (want);
    g_bytes_unref (want_bytes);
  }
  gst_harness_teardown (h);
  g_ptr_array_unref (enc);
}

GST_END_TEST;

/* rtp-metadata=none (through a forwarding server that rewrites SSRC, sequence number,
 * timestamp, payload type, marker): rewritten packets decrypt with the new header.
 * A receiver whose rtp-metadata differs from the sender's drops everything. */
GST_START_TEST (test_rtp_metadata_choice)
{
  GPtrArray *enc = encrypt_packets (4, 0, "none");
  GstHarness *h = harness_for (make_dec (GST_E2EE_CIPHER_SUITE_AES_256_GCM_SHA512_128,
          1, 1, "none"), NULL, RTP_E2EE_CAPS);
  GstHarness *strict;
  guint i;

  for (i = 0; i < enc->len; i++) {
    GstBuffer *in = gst_buffer_copy_deep (g_ptr_array_index (enc, i)), *out;
    GstBuffer *want = make_packet (&specs[0], i);
    GBytes *want_bytes;
    static const gint offsets[] = { 1, 3, 5, 9 };

    /* An SFU's rewrite: marker/PT, sequence number, timestamp, SSRC. */
    xor_byte (in, offsets[i], 0x81);
    xor_byte (want, offsets[i], 0x81);
    want_bytes = extract_bytes (want);
    out = push_pull (h, in);
    assert_bytes (out, want_bytes, "rewritten header, rtp-metadata=none", i);
    gst_buffer_unref (out);
    gst_buffer_unref (want);
    g_bytes_unref (want_bytes);
  }
  gst_harness_teardown (h);

  strict = harness_for (make_dec (GST_E2EE_CIPHER_SUITE_AES_256_GCM_SHA512_128, 1, 1,
          NULL), NULL, RTP_E2EE_CAPS);
  for (i = 0; i < enc->len; i++) {
    fail_unless_equals_int (gst_harness_push (strict,
            gst_buffer_copy_deep (g_ptr_array_index (enc, i))), GST_FLOW_OK);
    fail_unless (gst_harness_try_pull (strict) == NULL);
  }
  fail_unless_equals_uint64 (stat (strict->element, "dropped-authentication"),
      enc->len);
  gst_harness_teardown (strict);
  g_ptr_array_unref (enc);
}

GST_END_TEST;

static gboolean
pop_force_key_unit (GstHarness * h)
{
  GstEvent *ev;
  gboolean found = FALSE;

  while ((ev = gst_harness_try_pull_upstream_event (h))) {
    found |= gst_video_event_is_force_key_unit (ev);
    gst_event_unref (ev);
  }
  return found;
}

/* A packet without payload (a hop's padding-only probe) is dropped as truncated but
 * opens no gap: no key frame request follows. A real loss does. */
GST_START_TEST (test_rtp_empty_payload_no_gap)
{
  static const PacketSpec probe = { 0, 32, 0, 0, FALSE };
  GPtrArray *enc = encrypt_packets (4, 0, NULL);
  GstHarness *h = harness_for (make_dec (GST_E2EE_CIPHER_SUITE_AES_256_GCM_SHA512_128,
          1, 1, NULL), NULL, RTP_E2EE_CAPS);
  GstBuffer *out, *bad;

  out = push_pull (h, gst_buffer_copy_deep (g_ptr_array_index (enc, 0)));
  gst_buffer_unref (out);
  pop_force_key_unit (h);

  fail_unless_equals_int (gst_harness_push (h, make_packet (&probe, 1)), GST_FLOW_OK);
  fail_unless (gst_harness_try_pull (h) == NULL);
  fail_unless_equals_uint64 (stat (h->element, "dropped-truncated"), 1);
  out = push_pull (h, gst_buffer_copy_deep (g_ptr_array_index (enc, 1)));
  gst_buffer_unref (out);
  fail_if (pop_force_key_unit (h), "a padding-only packet asked for a key frame");

  bad = gst_buffer_copy_deep (g_ptr_array_index (enc, 2));
  xor_byte (bad, -1, 0x01);
  fail_unless_equals_int (gst_harness_push (h, bad), GST_FLOW_OK);
  fail_unless (gst_harness_try_pull (h) == NULL);
  out = push_pull (h, gst_buffer_copy_deep (g_ptr_array_index (enc, 3)));
  gst_buffer_unref (out);
  fail_unless (pop_force_key_unit (h), "no key frame request after a lost packet");
  gst_harness_teardown (h);
  g_ptr_array_unref (enc);
}

GST_END_TEST;

/* e2eeenc drops (never passes in the clear) a buffer that is not an RTP packet,
 * counts it and warns; the stream goes on. */
GST_START_TEST (test_rtp_enc_malformed)
{
  static const PacketSpec bad_pad = { 10, 2, 0, 0, FALSE };
  GstBus *bus;
  GstHarness *h = harness_for (make_rtp_enc (GST_E2EE_CIPHER_SUITE_AES_256_GCM_SHA512_128,
          1, 1, NULL), &bus, OPUS_RTP_CAPS);
  GstBuffer *pad, *out;
  GstMessage *msg;
  GstMapInfo map;

  fail_unless_equals_int (gst_harness_push (h, gst_buffer_new_memdup ("\x80\x6f\x00",
              3)), GST_FLOW_OK);
  fail_unless_equals_int (gst_harness_push (h, gst_buffer_new_memdup (
              "\x40\x6f\x00\x01\x00\x00\x00\x00\x00\x00\x00\x01xyz", 15)), GST_FLOW_OK);
  /* A padding count longer than the packet. */
  pad = make_packet (&bad_pad, 0);
  gst_buffer_map (pad, &map, GST_MAP_WRITE);
  map.data[map.size - 1] = 200;
  gst_buffer_unmap (pad, &map);
  fail_unless_equals_int (gst_harness_push (h, pad), GST_FLOW_OK);
  fail_unless (gst_harness_try_pull (h) == NULL);
  fail_unless_equals_uint64 (stat (h->element, "dropped-malformed"), 3);
  fail_unless_equals_uint64 (stat (h->element, "frames"), 0);
  msg = gst_bus_pop_filtered (bus, GST_MESSAGE_WARNING);
  fail_unless (msg != NULL, "no warning about the malformed packets");
  gst_message_unref (msg);

  out = push_pull (h, make_packet (&specs[0], 0));
  gst_buffer_unref (out);
  /* No counter value was spent on the dropped buffers. */
  fail_unless_equals_uint64 (stat (h->element, "next-ctr"), 1);
  teardown (h, bus);
}

GST_END_TEST;

static guint64
sframe_kid (GstBuffer * buf, guint64 * ctr)
{
  GBytes *b = extract_bytes (buf);
  gsize size, hlen, pad;
  const guint8 *p = g_bytes_get_data (b, &size);
  guint64 kid = G_MAXUINT64;

  split_packet (p, size, &hlen, &pad);
  fail_unless (gst_e2ee_sframe_header_parse (p + hlen, size - hlen - pad, &kid, ctr,
          NULL, NULL));
  g_bytes_unref (b);
  return kid;
}

/* Mid-stream: rotate to a key the receiver was given, then a ratchet step it derives
 * by itself. Every packet decrypts byte for byte; KIDs and counters are as expected
 * in transit; the hard limit counts packets. */
GST_START_TEST (test_rtp_key_rotation)
{
  GstE2eeCipherSuite suite = GST_E2EE_CIPHER_SUITE_AES_256_GCM_SHA512_128;
  GstHarness *enc = harness_for (make_rtp_enc (suite, 1, 1, NULL), NULL, OPUS_RTP_CAPS);
  GstHarness *dec = harness_for (make_dec (suite, 1, 1, NULL), NULL, RTP_E2EE_CAPS);
  GstBuffer *key2 = key_buffer (&keys, 2);
  gboolean ok = FALSE;
  guint64 new_kid = 0;
  guint i;

  g_signal_emit_by_name (dec->element, "add-key", (guint64) 2, key2, &ok);
  fail_unless (ok);
  for (i = 0; i < 15; i++) {
    GstBuffer *in, *mid, *out;
    GBytes *want;
    guint64 ctr = G_MAXUINT64;

    if (i == 5) {
      g_signal_emit_by_name (enc->element, "rotate", (guint64) 2, key2, &ok);
      fail_unless (ok);
    } else if (i == 10) {
      g_signal_emit_by_name (enc->element, "ratchet", &new_kid);
      fail_unless_equals_uint64 (new_kid, 3);
    }
    in = make_packet (&specs[i % N_SPECS], i);
    want = extract_bytes (in);
    mid = push_pull (enc, in);
    fail_unless_equals_uint64 (sframe_kid (mid, &ctr), 1 + i / 5);
    fail_unless_equals_uint64 (ctr, i % 5);
    out = push_pull (dec, mid);
    assert_bytes (out, want, "across key changes", i);
    gst_buffer_unref (out);
    g_bytes_unref (want);
  }
  fail_unless_equals_uint64 (stat (dec->element, "frames"), 15);
  fail_unless_equals_uint64 (stat (dec->element, "dropped"), 0);
  gst_harness_teardown (enc);
  gst_harness_teardown (dec);
  gst_buffer_unref (key2);

  /* max-frames-per-key: packets, not frames, are what a key encrypts. */
  enc = harness_for (make_rtp_enc (suite, 5, 1, NULL), NULL, OPUS_RTP_CAPS);
  g_object_set (enc->element, "max-frames-per-key", (guint64) 3, NULL);
  for (i = 0; i < 5; i++)
    fail_unless_equals_int (gst_harness_push (enc, make_packet (&specs[0], i)),
        GST_FLOW_OK);
  fail_unless_equals_int (gst_harness_buffers_received (enc), 3);
  fail_unless_equals_uint64 (stat (enc->element, "frames"), 3);
  gst_harness_teardown (enc);
}

GST_END_TEST;

/* Negotiation: layout=auto picks per packet for RTP, whole-packet SFrame when
 * downstream takes only that (as before); e2eedec needs the caps field or
 * layout=rtp, and says so; layout=rtp refuses other media. */
GST_START_TEST (test_rtp_caps)
{
  GstBus *bus;
  GstHarness *h;
  GstElement *el;

  /* Downstream that takes only whole-frame SFrame. */
  h = harness_for (make_rtp_enc (GST_E2EE_CIPHER_SUITE_AES_256_GCM_SHA512_128, 1, 1,
      NULL), NULL, OPUS_RTP_CAPS);
  gst_harness_set_sink_caps_str (h, "application/x-sframe");
  gst_buffer_unref (push_pull (h, make_packet (&specs[0], 0)));
  assert_caps (h->sinkpad, "application/x-sframe, original-media-type=(string)"
      "application/x-rtp, media=(string)audio, clock-rate=(int)48000, "
      "encoding-name=(string)OPUS, payload=(int)111");
  gst_harness_teardown (h);

  /* Downstream that names plain RTP (rtpbin, a depayloader): per packet. */
  h = harness_for (make_rtp_enc (GST_E2EE_CIPHER_SUITE_AES_256_GCM_SHA512_128, 1, 1,
      NULL), NULL, OPUS_RTP_CAPS);
  gst_harness_set_sink_caps_str (h, "application/x-rtp");
  gst_buffer_unref (push_pull (h, make_packet (&specs[0], 0)));
  assert_caps (h->sinkpad, RTP_E2EE_CAPS);
  gst_harness_teardown (h);

  /* e2eedec auto on RTP caps without the field: plaintext, refused with a hint. */
  el = make_dec (GST_E2EE_CIPHER_SUITE_AES_256_GCM_SHA512_128, 1, 1, NULL);
  h = harness_for (el, &bus, OPUS_RTP_CAPS);
  fail_if (gst_harness_push (h, make_packet (&specs[0], 0)) == GST_FLOW_OK);
  fail_unless (error_says (bus, "layout=rtp"));
  teardown (h, bus);

  /* ... and with layout=rtp they decrypt. */
  {
    GPtrArray *enc = encrypt_packets (1, 0, NULL);
    GBytes *want;
    GstBuffer *want_buf = make_packet (&specs[0], 0), *out;

    el = make_dec (GST_E2EE_CIPHER_SUITE_AES_256_GCM_SHA512_128, 1, 1, NULL);
    gst_util_set_object_arg (G_OBJECT (el), "layout", "rtp");
    h = harness_for (el, NULL, OPUS_RTP_CAPS);
    want = extract_bytes (want_buf);
    out = push_pull (h, gst_buffer_ref (g_ptr_array_index (enc, 0)));
    assert_bytes (out, want, "layout=rtp, plain RTP caps", 0);
    assert_caps (h->sinkpad, OPUS_RTP_CAPS);
    gst_buffer_unref (out);
    gst_buffer_unref (want_buf);
    g_bytes_unref (want);
    gst_harness_teardown (h);
    g_ptr_array_unref (enc);
  }

  /* layout=rtp with other media, on either side: an error that says why. */
  el = make_rtp_enc (GST_E2EE_CIPHER_SUITE_AES_256_GCM_SHA512_128, 1, 1, NULL);
  gst_util_set_object_arg (G_OBJECT (el), "layout", "rtp");
  h = harness_for (el, &bus, "audio/x-opus, channel-mapping-family=(int)0");
  fail_if (gst_harness_push (h, gst_buffer_new_memdup ("\x08\x01\x02", 3)) ==
      GST_FLOW_OK);
  fail_unless (error_says (bus, "RTP"));
  teardown (h, bus);

  el = make_dec (GST_E2EE_CIPHER_SUITE_AES_256_GCM_SHA512_128, 1, 1, NULL);
  gst_util_set_object_arg (G_OBJECT (el), "layout", "rtp");
  h = harness_for (el, &bus, "application/x-sframe");
  fail_if (gst_harness_push (h, gst_buffer_new_memdup ("\x08\x01\x02", 3)) ==
      GST_FLOW_OK);
  fail_unless (error_says (bus, "RTP"));
  teardown (h, bus);

  /* With enabled=false packets pass with their own caps. */
  el = make_rtp_enc (GST_E2EE_CIPHER_SUITE_AES_256_GCM_SHA512_128, 1, 1, NULL);
  g_object_set (el, "enabled", FALSE, NULL);
  h = harness_for (el, NULL, OPUS_RTP_CAPS);
  {
    GstBuffer *in = make_packet (&specs[0], 0), *out;
    GBytes *want = extract_bytes (in);

    out = push_pull (h, in);
    assert_bytes (out, want, "disabled", 0);
    assert_caps (h->sinkpad, OPUS_RTP_CAPS);
    gst_buffer_unref (out);
    g_bytes_unref (want);
  }
  gst_harness_teardown (h);
}

GST_END_TEST;

static GstBuffer *
hex_buffer (const gchar * hex)
{
  guint8 bytes[128];
  gsize n = 0;
  gint hi, lo;

  while (*hex) {
    if (*hex == ' ') {
      hex++;
      continue;
    }
    /* Two digits a byte: a lone digit fails here rather than reading past the end. */
    hi = g_ascii_xdigit_value (hex[0]);
    lo = g_ascii_xdigit_value (hex[1]);
    fail_unless (n < sizeof (bytes) && hi >= 0 && lo >= 0, "bad hex at \"%s\"", hex);
    bytes[n++] = (guint8) (hi << 4 | lo);
    hex += 2;
  }
  return gst_buffer_new_memdup (bytes, n);
}

/* The worked example of docs/per-packet.md, so the page cannot drift from the code. */
GST_START_TEST (test_rtp_doc_example)
{
  static const guint8 base[16] = { 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14,
    15
  };
  GstElement *enc = gst_element_factory_make ("e2eeenc", NULL);
  GstBuffer *key = gst_buffer_new_memdup (base, sizeof (base)), *out, *want;
  GBytes *want_bytes;
  GstHarness *h;

  gst_util_set_object_arg (G_OBJECT (enc), "cipher-suite", "aes-128-gcm-sha256-128");
  g_object_set (enc, "key-id", (guint64) 1, "key", key, NULL);
  gst_buffer_unref (key);
  h = harness_for (enc, NULL, OPUS_RTP_CAPS);
  out = push_pull (h, hex_buffer ("a1 ef 12 34 00 01 e2 40 de ad be ef 01 02 03 04 "
          "00 01 02 03 04 05 06 07 00 00 00 04"));
  want = hex_buffer ("a1 ef 12 34 00 01 e2 40 de ad be ef 01 02 03 04 10 "
      "d0 d5 a3 e3 4e a7 c5 66 c8 9c 60 38 3a ab 8b b2 c5 b7 d4 9e 65 b6 10 ec "
      "00 00 00 04");
  want_bytes = extract_bytes (want);
  assert_bytes (out, want_bytes, "docs/per-packet.md example", 0);
  g_bytes_unref (want_bytes);
  gst_buffer_unref (want);
  gst_buffer_unref (out);
  gst_harness_teardown (h);
}

GST_END_TEST;

/* ---- Real pipelines ------------------------------------------------------ */

typedef struct
{
  GMutex lock;
  GCond cond;
  GPtrArray *plain;             /* GBytes: packets before e2eeenc */
  GPtrArray *transit;           /* GBytes: packets after it */
  guint encoded, decoded;
} Capture;

static void
capture_init (Capture * c)
{
  g_mutex_init (&c->lock);
  g_cond_init (&c->cond);
  c->plain = g_ptr_array_new_with_free_func ((GDestroyNotify) g_bytes_unref);
  c->transit = g_ptr_array_new_with_free_func ((GDestroyNotify) g_bytes_unref);
  c->encoded = c->decoded = 0;
}

static void
capture_clear (Capture * c)
{
  g_ptr_array_unref (c->plain);
  g_ptr_array_unref (c->transit);
  g_mutex_clear (&c->lock);
  g_cond_clear (&c->cond);
}

/* Each array is filled from one streaming thread only. Payloaders push lists. */
static GstPadProbeReturn
keep_probe (GstPad * pad, GstPadProbeInfo * info, gpointer user_data)
{
  GPtrArray **arr = user_data;
  guint i;

  if (info->type & GST_PAD_PROBE_TYPE_BUFFER_LIST) {
    GstBufferList *list = GST_PAD_PROBE_INFO_BUFFER_LIST (info);

    for (i = 0; i < gst_buffer_list_length (list); i++)
      g_ptr_array_add (*arr, extract_bytes (gst_buffer_list_get (list, i)));
  } else {
    g_ptr_array_add (*arr, extract_bytes (GST_PAD_PROBE_INFO_BUFFER (info)));
  }
  return GST_PAD_PROBE_OK;
}

static GstPadProbeReturn
count_probe (GstPad * pad, GstPadProbeInfo * info, gpointer user_data)
{
  guint *count = user_data;
  Capture *c = g_object_get_data (G_OBJECT (pad), "capture");

  g_mutex_lock (&c->lock);
  if (info->type & GST_PAD_PROBE_TYPE_BUFFER_LIST)
    *count += gst_buffer_list_length (GST_PAD_PROBE_INFO_BUFFER_LIST (info));
  else
    (*count)++;
  g_cond_broadcast (&c->cond);
  g_mutex_unlock (&c->lock);
  return GST_PAD_PROBE_OK;
}

static void
probe_pad (GstElement * bin, const gchar * name, const gchar * pad_name,
    GstPadProbeCallback cb, gpointer data, Capture * c)
{
  GstElement *el = gst_bin_get_by_name (GST_BIN (bin), name);
  GstPad *pad;

  fail_unless (el != NULL, "no element %s", name);
  pad = gst_element_get_static_pad (el, pad_name);
  g_object_set_data (G_OBJECT (pad), "capture", c);
  gst_pad_add_probe (pad, GST_PAD_PROBE_TYPE_BUFFER | GST_PAD_PROBE_TYPE_BUFFER_LIST,
      cb, data, NULL);
  gst_object_unref (pad);
  gst_object_unref (el);
}

/* The RTP headers crossed unchanged (when @same_headers), and no 16-byte window of
 * any plaintext payload (other than a run of one byte value) crossed anywhere. */
static void
assert_no_plaintext (Capture * c, gboolean same_headers)
{
  GHashTable *windows = window_set_new ();
  guint i, checked = 0;
  gsize j;

  fail_unless (c->plain->len > 0);
  fail_unless_equals_int (c->transit->len, c->plain->len);
  for (i = 0; i < c->transit->len; i++) {
    gsize size;
    const guint8 *p = g_bytes_get_data (g_ptr_array_index (c->transit, i), &size);

    add_windows (windows, p, 0, size);
  }
  for (i = 0; i < c->plain->len; i++) {
    gsize size, tsize, hlen, pad, thlen, tpad;
    const guint8 *p = g_bytes_get_data (g_ptr_array_index (c->plain, i), &size);
    const guint8 *t = g_bytes_get_data (g_ptr_array_index (c->transit, i), &tsize);

    split_packet (p, size, &hlen, &pad);
    split_packet (t, tsize, &thlen, &tpad);
    if (same_headers) {
      fail_unless_equals_uint64 (thlen, hlen);
      fail_unless (memcmp (p, t, hlen) == 0, "packet %u: RTP header changed", i);
    }
    for (j = hlen; j + WINDOW <= size - pad; j++) {
      guint k;

      for (k = 1; k < WINDOW && p[j + k] == p[j]; k++);
      if (k == WINDOW)
        continue;
      checked++;
      fail_if (g_hash_table_contains (windows, p + j),
          "plaintext of packet %u (offset %" G_GSIZE_FORMAT ") crossed in the clear", i,
          j);
    }
  }
  fail_unless (checked > 100, "too little plaintext to check (%u windows)", checked);
  g_hash_table_unref (windows);
}

static void
run_to_eos (GstElement * pipeline)
{
  GstBus *bus = gst_element_get_bus (pipeline);
  GstMessage *msg;

  fail_unless (gst_element_set_state (pipeline, GST_STATE_PLAYING) !=
      GST_STATE_CHANGE_FAILURE);
  msg = gst_bus_timed_pop_filtered (bus, GST_CLOCK_TIME_NONE,
      GST_MESSAGE_EOS | GST_MESSAGE_ERROR);
  if (GST_MESSAGE_TYPE (msg) == GST_MESSAGE_ERROR) {
    GError *err = NULL;
    gchar *dbg = NULL;

    gst_message_parse_error (msg, &err, &dbg);
    fail ("pipeline error: %s (%s)", err->message, dbg);
  }
  gst_message_unref (msg);
  gst_object_unref (bus);
  fail_unless_equals_int (gst_element_set_state (pipeline, GST_STATE_NULL),
      GST_STATE_CHANGE_SUCCESS);
}

static const struct
{
  const gchar *name;
  const gchar *launch;
} codec_pipelines[] = {
  {"opus", "audiotestsrc num-buffers=50 samplesperbuffer=960 wave=sine ! "
        "audio/x-raw,rate=48000,channels=1 ! opusenc name=codec frame-size=20 ! "
        "rtpopuspay name=pay mtu=1367 ! e2eeenc name=enc key-id=1 key=" KEY_HEX_1
        " ! e2eedec name=dec key-id=1 key=" KEY_HEX_1 " ! rtpopusdepay ! "
      "opusdec name=decoder ! fakesink"},
  {"vp8", "videotestsrc num-buffers=20 pattern=ball ! "
        "video/x-raw,width=160,height=120,framerate=15/1 ! "
        "vp8enc name=codec deadline=1 keyframe-max-dist=10 ! "
        "rtpvp8pay name=pay mtu=367 ! e2eeenc name=enc key-id=1 key=" KEY_HEX_1
        " ! e2eedec name=dec key-id=1 key=" KEY_HEX_1 " ! rtpvp8depay ! "
      "vp8dec name=decoder ! fakesink"},
};

/* encoder ! payloader ! e2eeenc ! e2eedec ! depayloader ! decoder: every frame the
 * encoder made decodes, every packet decrypts, and between the two elements no
 * plaintext crossed while the RTP headers did unchanged. */
GST_START_TEST (test_rtp_pipeline_codecs)
{
  GstElement *pipeline, *dec;
  GError *err = NULL;
  Capture c;

  capture_init (&c);
  pipeline = gst_parse_launch (codec_pipelines[__i__].launch, &err);
  fail_unless (pipeline != NULL, "%s", err ? err->message : "");
  probe_pad (pipeline, "pay", "src", keep_probe, &c.plain, &c);
  probe_pad (pipeline, "enc", "src", keep_probe, &c.transit, &c);
  probe_pad (pipeline, "codec", "src", count_probe, &c.encoded, &c);
  probe_pad (pipeline, "decoder", "src", count_probe, &c.decoded, &c);
  run_to_eos (pipeline);

  GST_INFO ("%s: %u frames encoded, %u decoded, %u packets",
      codec_pipelines[__i__].name, c.encoded, c.decoded, c.plain->len);
  fail_unless (c.encoded >= 20);
  fail_unless_equals_int (c.decoded, c.encoded);
  fail_unless (c.plain->len >= c.encoded);
  dec = gst_bin_get_by_name (GST_BIN (pipeline), "dec");
  fail_unless_equals_uint64 (stat (dec, "frames"), c.plain->len);
  fail_unless_equals_uint64 (stat (dec, "dropped"), 0);
  gst_object_unref (dec);
  assert_no_plaintext (&c, TRUE);
  gst_object_unref (pipeline);
  capture_clear (&c);
}

GST_END_TEST;

/* e2eeenc enabled=false with e2eedec allow-plaintext=true: the packets pass as they
 * are, and nothing on the way claims they are encrypted (the payloader must not pick
 * up e2eedec's caps field and have its plaintext taken for ciphertext). */
GST_START_TEST (test_rtp_pipeline_disabled)
{
  GstElement *pipeline, *el;
  GError *err = NULL;
  GstCaps *caps;
  GstPad *pad;
  Capture c;
  guint i;

  capture_init (&c);
  pipeline = gst_parse_launch ("audiotestsrc num-buffers=20 samplesperbuffer=960 ! "
      "audio/x-raw,rate=48000,channels=1 ! opusenc name=codec frame-size=20 ! "
      "rtpopuspay name=pay ! e2eeenc name=enc enabled=false key-id=1 key=" KEY_HEX_1
      " ! e2eedec name=dec allow-plaintext=true key-id=1 key=" KEY_HEX_1 " ! "
      "rtpopusdepay ! opusdec name=decoder ! fakesink", &err);
  fail_unless (pipeline != NULL, "%s", err ? err->message : "");
  probe_pad (pipeline, "pay", "src", keep_probe, &c.plain, &c);
  probe_pad (pipeline, "enc", "src", keep_probe, &c.transit, &c);
  probe_pad (pipeline, "codec", "src", count_probe, &c.encoded, &c);
  probe_pad (pipeline, "decoder", "src", count_probe, &c.decoded, &c);
  el = gst_bin_get_by_name (GST_BIN (pipeline), "enc");
  pad = gst_element_get_static_pad (el, "src");
  fail_unless (gst_element_set_state (pipeline, GST_STATE_PAUSED) !=
      GST_STATE_CHANGE_FAILURE);
  fail_unless (gst_element_get_state (pipeline, NULL, NULL, GST_CLOCK_TIME_NONE) ==
      GST_STATE_CHANGE_SUCCESS);
  caps = gst_pad_get_current_caps (pad);
  fail_unless (caps != NULL);
  fail_if (gst_structure_has_field (gst_caps_get_structure (caps, 0), "e2ee-layout"),
      "plaintext caps %" GST_PTR_FORMAT, caps);
  gst_caps_unref (caps);
  gst_object_unref (pad);
  gst_object_unref (el);
  run_to_eos (pipeline);

  fail_unless (c.encoded >= 20);
  fail_unless_equals_int (c.decoded, c.encoded);
  fail_unless_equals_int (c.transit->len, c.plain->len);
  for (i = 0; i < c.plain->len; i++)
    fail_unless (g_bytes_equal (g_ptr_array_index (c.plain, i),
            g_ptr_array_index (c.transit, i)));
  el = gst_bin_get_by_name (GST_BIN (pipeline), "dec");
  fail_unless_equals_uint64 (stat (el, "dropped"), 0);
  gst_object_unref (el);
  gst_object_unref (pipeline);
  capture_clear (&c);
}

GST_END_TEST;

static GSocket *
bind_loopback (guint16 * port)
{
  GSocket *sock = g_socket_new (G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_DATAGRAM,
      G_SOCKET_PROTOCOL_UDP, NULL);
  GInetAddress *lo = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
  GSocketAddress *addr = g_inet_socket_address_new (lo, 0), *bound;

  fail_unless (sock != NULL);
  fail_unless (g_socket_bind (sock, addr, FALSE, NULL));
  bound = g_socket_get_local_address (sock, NULL);
  *port = g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (bound));
  g_object_unref (bound);
  g_object_unref (addr);
  g_object_unref (lo);
  return sock;
}

/* Sender: Opus through rtpbin to udpsink; receiver: udpsrc, rtpbin (jitter buffer),
 * e2eedec layout=rtp (the caps from the network have no e2ee-layout field), the
 * depayloader and decoder. Every frame decodes; the datagrams hold no plaintext. */
GST_START_TEST (test_rtp_pipeline_rtpbin_udp)
{
  GstElement *sender, *receiver, *el;
  GSocket *sock;
  guint16 port;
  GError *err = NULL;
  gchar *desc;
  Capture c;
  gint64 deadline;
  guint packets;

  capture_init (&c);
  sock = bind_loopback (&port);
  receiver = gst_parse_launch ("rtpbin name=rtpbin latency=1000 "
      "udpsrc name=usrc caps=\"application/x-rtp,"
      "media=audio,clock-rate=48000,encoding-name=OPUS,payload=96\" ! "
      "rtpbin.recv_rtp_sink_0 rtpbin. ! "
      "e2eedec name=dec layout=rtp key-id=1 key=" KEY_HEX_1 " ! rtpopusdepay ! "
      "opusdec name=decoder ! fakesink sync=false async=false", &err);
  fail_unless (receiver != NULL, "%s", err ? err->message : "");
  el = gst_bin_get_by_name (GST_BIN (receiver), "usrc");
  g_object_set (el, "socket", sock, "close-socket", FALSE, NULL);
  gst_object_unref (el);
  probe_pad (receiver, "decoder", "src", count_probe, &c.decoded, &c);
  fail_unless (gst_element_set_state (receiver, GST_STATE_PLAYING) !=
      GST_STATE_CHANGE_FAILURE);

  desc = g_strdup_printf ("rtpbin name=rtpbin audiotestsrc is-live=true num-buffers=50 "
      "samplesperbuffer=960 wave=sine ! audio/x-raw,rate=48000,channels=1 ! "
      "opusenc name=codec frame-size=20 ! rtpopuspay name=pay mtu=1367 ! "
      "e2eeenc name=enc key-id=1 key=" KEY_HEX_1 " ! rtpbin.send_rtp_sink_0 "
      "rtpbin.send_rtp_src_0 ! udpsink name=usink host=127.0.0.1 "
      "port=%u", port);
  sender = gst_parse_launch (desc, &err);
  g_free (desc);
  fail_unless (sender != NULL, "%s", err ? err->message : "");
  probe_pad (sender, "pay", "src", keep_probe, &c.plain, &c);
  probe_pad (sender, "usink", "sink", keep_probe, &c.transit, &c);
  probe_pad (sender, "codec", "src", count_probe, &c.encoded, &c);
  run_to_eos (sender);

  /* udpsrc has no end: wait for the last frame (a guard against a hang, not a
   * timing check: the jitter buffer releases it a second after it arrived). */
  deadline = g_get_monotonic_time () + 120 * G_TIME_SPAN_SECOND;
  g_mutex_lock (&c.lock);
  while (c.decoded < c.encoded && g_cond_wait_until (&c.cond, &c.lock, deadline));
  g_mutex_unlock (&c.lock);
  gst_element_set_state (receiver, GST_STATE_NULL);

  fail_unless (c.encoded >= 50);
  fail_unless_equals_int (c.decoded, c.encoded);
  el = gst_bin_get_by_name (GST_BIN (receiver), "dec");
  packets = c.plain->len;
  fail_unless_equals_uint64 (stat (el, "frames"), packets);
  fail_unless_equals_uint64 (stat (el, "dropped"), 0);
  gst_object_unref (el);
  assert_no_plaintext (&c, TRUE);
  gst_object_unref (sender);
  gst_object_unref (receiver);
  g_object_unref (sock);
  capture_clear (&c);
}

GST_END_TEST;

static Suite *
e2eertp_suite (void)
{
  Suite *s = suite_create ("e2eertp");
  TCase *tc = tcase_create ("general");

  suite_add_tcase (s, tc);
  tcase_add_loop_test (tc, test_rtp_enc_byte_exact, 0,
      G_N_ELEMENTS (all_suites) * G_N_ELEMENTS (field_sets));
  tcase_add_test (tc, test_rtp_enc_two_memories);
  tcase_add_test (tc, test_rtp_round_trip);
  tcase_add_test (tc, test_rtp_dec_in_place);
  tcase_add_test (tc, test_rtp_tamper);
  tcase_add_test (tc, test_rtp_unauthenticated_parts);
  tcase_add_test (tc, test_rtp_metadata_choice);
  tcase_add_test (tc, test_rtp_empty_payload_no_gap);
  tcase_add_test (tc, test_rtp_enc_malformed);
  tcase_add_test (tc, test_rtp_key_rotation);
  tcase_add_test (tc, test_rtp_caps);
  tcase_add_test (tc, test_rtp_doc_example);
  tcase_add_loop_test (tc, test_rtp_pipeline_codecs, 0,
      G_N_ELEMENTS (codec_pipelines));
  tcase_add_test (tc, test_rtp_pipeline_disabled);
  tcase_add_test (tc, test_rtp_pipeline_rtpbin_udp);
  return s;
}

GST_CHECK_MAIN (e2eertp);
