/* gst-e2ee fuzzing: rtpsframedepay in a GstHarness, against a model of the draft's
 * receiver
 *
 * Input: one byte of settings, then records.
 *   settings: bits 0-2 pick the RTP caps: encoding-name VP8, H264, OPUS, PCMA, AV1, an
 *     unknown one, VP8 with the media-caps property set, or no encoding-name; bits
 *     3-4 max-frame-size (8 MiB, 1, 64, 1000 bytes); bit 5 drop-message-interval 0;
 *     bit 6 post-drop-messages off.
 *   record: [op] [descriptor] [seq] [length] then length - 1 bytes, where op & 3 is
 *     0 = an RTP packet the harness builds: payload = descriptor byte + the bytes (no
 *         payload at all if length is 0);
 *     1 = raw bytes: the length bytes after the header, pushed as they are (valid RTP
 *         or not: the model reads them as the element would);
 *     2 = an event, by descriptor & 3: packet lost (rtpjitterbuffer's GstRTPPacketLost),
 *         flush (start, stop, new segment), new caps (the next encoding name), or a
 *         buffer list of the next two packet records;
 *     3 = as 0, with two CSRCs, a header extension and padding.
 *   For packets, op & 0x04 sets the marker, & 0x08 the DISCONT flag, & 0x10 moves the
 *   RTP timestamp on, & 0x20 switches payload type (96/97), & 0x40 switches SSRC; & 0x80
 *   makes seq a signed step from the previous sequence number (0x80: a jump of
 *   30000) instead of the next one.
 *
 * The model follows draft-ietf-avtcore-rtp-sframe-02 section 5.2 and GstRTPBaseDepayload:
 * the base class drops a packet up to max-reorder (100) behind the next expected one
 * from the same SSRC and marks any other gap or SSRC change DISCONT; a frame is the
 * run of packets, each following the one before with nothing lost (no DISCONT, no
 * packet-lost event, no flush, no packet without descriptor), from an S to an E, with
 * one T bit (0: T=1 frames are dropped), payload type and timestamp, no larger than
 * max-frame-size, not empty.
 *
 * Properties checked: after every push, the element has output exactly the frame the
 * model expects (its bytes, and the marker of its last packet), or nothing; every push
 * and event returns OK / TRUE; the output caps are application/x-sframe; at the end
 * the stats count the frames and the packets the model processed.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "fuzz-common.h"

#include <gst/check/gstharness.h>
#include <gst/rtp/gstrtpbuffer.h>
#include <string.h>

#define MAX_REORDER 100
#define N_ENCODINGS 8

static const gchar *const encodings[N_ENCODINGS] = {
  "VP8", "H264", "OPUS", "PCMA", "AV1", "X-NOT-A-CODEC", "VP8", NULL
};
static const guint max_sizes[4] = { 8 * 1024 * 1024, 1, 64, 1000 };

int
LLVMFuzzerInitialize (int *argc, char ***argv)
{
  fuzz_load_plugin ();
  return 0;
}

typedef struct
{
  /* GstRTPBaseDepayload */
  gint next_seqnum;             /* -1: unknown */
  guint32 last_ssrc;
  /* the draft's receiver */
  gboolean assembling;
  guint16 next;
  guint32 rtptime;
  guint8 pt, t_bit;
  GByteArray *frame;
  guint max_frame_size;
  guint64 packets;
} Model;

/* Feeds one pushed buffer to the model. Returns the frame it completes, or NULL. */
static GByteArray *
model_push (Model * m, GstBuffer * buf, gboolean * marker)
{
  GstRTPBuffer rtp = GST_RTP_BUFFER_INIT;
  guint16 seq;
  guint32 ssrc, ts;
  guint8 pt, desc;
  guint len;
  const guint8 *payload;
  gboolean discont;
  GByteArray *done = NULL;

  if (!gst_rtp_buffer_map (buf, GST_MAP_READ, &rtp))
    return NULL;                /* not RTP: dropped before anything looks at it */
  seq = gst_rtp_buffer_get_seq (&rtp);
  ssrc = gst_rtp_buffer_get_ssrc (&rtp);
  ts = gst_rtp_buffer_get_timestamp (&rtp);
  pt = gst_rtp_buffer_get_payload_type (&rtp);
  len = gst_rtp_buffer_get_payload_len (&rtp);
  payload = gst_rtp_buffer_get_payload (&rtp);
  *marker = gst_rtp_buffer_get_marker (&rtp);

  discont = GST_BUFFER_IS_DISCONT (buf);
  if (m->next_seqnum != -1) {
    if (ssrc != m->last_ssrc) {
      discont = TRUE;
    } else {
      gint gap = (gint16) ((guint16) m->next_seqnum - seq);

      if (gap > 0 && gap <= MAX_REORDER)
        goto out;               /* a duplicate or reordered packet */
      if (gap != 0)
        discont = TRUE;
    }
  }
  m->next_seqnum = (seq + 1) & 0xffff;
  m->last_ssrc = ssrc;
  m->packets++;

  if (len < 1) {
    m->assembling = FALSE;
    goto out;
  }
  desc = payload[0];
  if (m->assembling && (discont || seq != m->next || (desc & 0x80) ||
          ts != m->rtptime || pt != m->pt || (desc & 0x20) != m->t_bit))
    m->assembling = FALSE;
  m->next = seq + 1;
  if (!m->assembling) {
    if (!(desc & 0x80) || (desc & 0x20))
      goto out;
    m->assembling = TRUE;
    m->rtptime = ts;
    m->pt = pt;
    m->t_bit = 0;
    g_byte_array_set_size (m->frame, 0);
  }
  if (m->frame->len + (len - 1) > m->max_frame_size) {
    m->assembling = FALSE;
    goto out;
  }
  g_byte_array_append (m->frame, payload + 1, len - 1);
  if (desc & 0x40) {
    m->assembling = FALSE;
    if (m->frame->len > 0)
      done = m->frame;
  }

out:
  gst_rtp_buffer_unmap (&rtp);
  return done;
}

static GstCaps *
rtp_caps (guint enc)
{
  GstCaps *caps = gst_caps_new_simple ("application/x-rtp",
      "media", G_TYPE_STRING, enc == 2 || enc == 3 ? "audio" : "video",
      "clock-rate", G_TYPE_INT, enc == 2 ? 48000 : enc == 3 ? 8000 : 90000,
      "payload", G_TYPE_INT, 96, NULL);

  if (encodings[enc])
    gst_caps_set_simple (caps, "encoding-name", G_TYPE_STRING, encodings[enc], NULL);
  return caps;
}

typedef struct
{
  guint16 seq;
  guint32 ts, ssrc;
  guint8 pt;
} Sender;

/* Builds the packet of a type 0 or 3 record. */
static GstBuffer *
make_packet (Sender * s, guint8 op, guint8 desc, guint8 seq, const guint8 * data,
    guint len)
{
  gboolean fancy = (op & 3) == 3;
  GstRTPBuffer rtp = GST_RTP_BUFFER_INIT;
  GstBuffer *buf;
  static const guint8 ext[4] = { 0x10, 0xaa, 0x00, 0x00 };

  if (op & 0x80)
    s->seq += seq == 0x80 ? 30000 : (gint8) seq;
  else
    s->seq += 1;
  if (op & 0x10)
    s->ts += 3000;
  if (op & 0x20)
    s->pt = s->pt == 96 ? 97 : 96;
  if (op & 0x40)
    s->ssrc ^= 0x01010101;

  buf = gst_rtp_buffer_new_allocate (len, fancy ? 3 : 0, fancy ? 2 : 0);
  FUZZ_ASSERT (gst_rtp_buffer_map (buf, GST_MAP_WRITE, &rtp), "map");
  gst_rtp_buffer_set_seq (&rtp, s->seq);
  gst_rtp_buffer_set_timestamp (&rtp, s->ts);
  gst_rtp_buffer_set_ssrc (&rtp, s->ssrc);
  gst_rtp_buffer_set_payload_type (&rtp, s->pt);
  gst_rtp_buffer_set_marker (&rtp, (op & 0x04) != 0);
  if (len > 0) {
    guint8 *p = gst_rtp_buffer_get_payload (&rtp);

    p[0] = desc;
    memcpy (p + 1, data, len - 1);
  }
  if (fancy) {
    gst_rtp_buffer_set_csrc (&rtp, 0, 0x01020304);
    gst_rtp_buffer_set_csrc (&rtp, 1, 0x05060708);
  }
  gst_rtp_buffer_unmap (&rtp);
  if (fancy) {
    /* the one-byte header extension goes in after the CSRCs, moving the payload */
    FUZZ_ASSERT (gst_rtp_buffer_map (buf, GST_MAP_READWRITE, &rtp), "map");
    FUZZ_ASSERT (gst_rtp_buffer_add_extension_onebyte_header (&rtp, 1, ext, 3),
        "extension");
    gst_rtp_buffer_unmap (&rtp);
  }
  if (op & 0x08)
    GST_BUFFER_FLAG_SET (buf, GST_BUFFER_FLAG_DISCONT);
  return buf;
}

typedef struct
{
  GstHarness *h;
  Model model;
  guint64 frames;
} Run;

/* Checks that what came out is exactly @expected (NULL: nothing). */
static void
check_output (Run * r, GByteArray * expected, gboolean marker)
{
  GstBuffer *out = gst_harness_try_pull (r->h);

  if (expected == NULL) {
    FUZZ_ASSERT (out == NULL, "a frame of %zu bytes came out, none was expected",
        gst_buffer_get_size (out));
    return;
  }
  FUZZ_ASSERT (out != NULL, "the frame of %u bytes did not come out", expected->len);
  FUZZ_ASSERT (gst_buffer_get_size (out) == expected->len &&
      gst_buffer_memcmp (out, 0, expected->data, expected->len) == 0,
      "a frame came out with other bytes (%zu, expected %u)", gst_buffer_get_size (out),
      expected->len);
  FUZZ_ASSERT (GST_BUFFER_FLAG_IS_SET (out, GST_BUFFER_FLAG_MARKER) == marker,
      "the frame's marker is not its last packet's");
  gst_buffer_unref (out);
  r->frames++;
  out = gst_harness_try_pull (r->h);
  FUZZ_ASSERT (out == NULL, "two frames came out of one packet");
}

static void
push_one (Run * r, GstBuffer * buf)
{
  gboolean marker = FALSE;
  GByteArray *expected = model_push (&r->model, buf, &marker);

  FUZZ_ASSERT (gst_harness_push (r->h, buf) == GST_FLOW_OK, "push failed");
  check_output (r, expected, marker);
}

static void
push_list (Run * r, GstBuffer * a, GstBuffer * b)
{
  GstBufferList *list = gst_buffer_list_new ();
  gboolean ma = FALSE, mb = FALSE;
  GByteArray *ea, *eb;
  GBytes *first = NULL;
  GstBuffer *out;

  gst_buffer_list_add (list, a);
  gst_buffer_list_add (list, b);
  ea = model_push (&r->model, a, &ma);
  if (ea)
    first = g_bytes_new (ea->data, ea->len);
  eb = model_push (&r->model, b, &mb);
  FUZZ_ASSERT (gst_pad_push_list (r->h->srcpad, list) == GST_FLOW_OK,
      "push of a list failed");
  if (first) {
    out = gst_harness_try_pull (r->h);
    FUZZ_ASSERT (out != NULL && gst_buffer_get_size (out) == g_bytes_get_size (first)
        && gst_buffer_memcmp (out, 0, g_bytes_get_data (first, NULL),
            g_bytes_get_size (first)) == 0, "the list's first frame did not come out");
    gst_buffer_unref (out);
    g_bytes_unref (first);
    r->frames++;
  }
  check_output (r, eb, mb);
}

int
LLVMFuzzerTestOneInput (const guint8 * data, size_t size)
{
  Run r = { NULL };
  Sender s = { 1000, 90000, 0x12345678, 96 };
  GstElement *depay;
  GstCaps *caps;
  GstStructure *stats = NULL;
  guint enc;
  guint64 frames = 0, packets = 0;
  gsize pos = 1;
  gboolean want_list = FALSE;
  GstBuffer *held = NULL;

  if (size < 1)
    return 0;
  enc = data[0] & 7;

  depay = gst_element_factory_make ("rtpsframedepay", NULL);
  FUZZ_ASSERT (depay != NULL, "no rtpsframedepay");
  r.model.max_frame_size = max_sizes[(data[0] >> 3) & 3];
  g_object_set (depay, "max-frame-size", r.model.max_frame_size,
      "post-drop-messages", (data[0] & 0x40) == 0, NULL);
  if (data[0] & 0x20)
    g_object_set (depay, "drop-message-interval", (guint64) 0, NULL);
  if (enc == 6) {
    caps = gst_caps_from_string ("video/x-h264, stream-format=avc, alignment=au");
    g_object_set (depay, "media-caps", caps, NULL);
    gst_caps_unref (caps);
  }
  r.h = gst_harness_new_with_element (depay, "sink", "src");
  gst_harness_set_src_caps (r.h, rtp_caps (enc));
  r.model.next_seqnum = -1;
  r.model.frame = g_byte_array_new ();

  while (pos + 4 <= size) {
    guint8 op = data[pos], desc = data[pos + 1], seq = data[pos + 2];
    guint len = MIN ((gsize) data[pos + 3], size - pos - 4 + (data[pos + 3] ? 1 : 0));
    const guint8 *body = data + pos + 4;
    GstBuffer *buf = NULL;

    /* the payload is the descriptor and len - 1 bytes; raw records take len bytes */
    if ((op & 3) == 1)
      len = MIN ((gsize) data[pos + 3], size - pos - 4);
    pos += 4 + ((op & 3) == 1 ? len : len ? len - 1 : 0);

    switch (op & 3) {
      case 0:
      case 3:
        buf = make_packet (&s, op, desc, seq, body, len);
        break;
      case 1:
        buf = fuzz_buffer (body, len);
        if (op & 0x08)
          GST_BUFFER_FLAG_SET (buf, GST_BUFFER_FLAG_DISCONT);
        break;
      default:
        switch (desc & 3) {
          case 0:
            /* GstRTPBaseDepayload refuses it before its first output (no segment
             * downstream yet); the frame being assembled is lost either way */
            gst_harness_push_event (r.h,
                gst_event_new_custom (GST_EVENT_CUSTOM_DOWNSTREAM,
                    gst_structure_new ("GstRTPPacketLost",
                        "seqnum", G_TYPE_UINT, (guint) (guint16) (s.seq + 1),
                        "timestamp", G_TYPE_UINT64, (guint64) 0,
                        "duration", G_TYPE_UINT64, (guint64) GST_MSECOND, NULL)));
            r.model.assembling = FALSE;
            break;
          case 1:{
            GstSegment seg;

            gst_segment_init (&seg, GST_FORMAT_TIME);
            FUZZ_ASSERT (gst_harness_push_event (r.h, gst_event_new_flush_start ()),
                "flush-start refused");
            FUZZ_ASSERT (gst_harness_push_event (r.h, gst_event_new_flush_stop (TRUE)),
                "flush-stop refused");
            FUZZ_ASSERT (gst_harness_push_event (r.h, gst_event_new_segment (&seg)),
                "segment refused");
            r.model.assembling = FALSE;
            r.model.next_seqnum = -1;
            break;
          }
          case 2:
            enc = (enc + 1) % N_ENCODINGS;
            gst_harness_set_src_caps (r.h, rtp_caps (enc));
            break;
          default:
            want_list = TRUE;   /* the next two packets go as one buffer list */
            break;
        }
        check_output (&r, NULL, FALSE);
        continue;
    }

    if (held) {
      push_list (&r, held, buf);
      held = NULL;
    } else if (want_list) {
      held = buf;
      want_list = FALSE;
    } else {
      push_one (&r, buf);
    }
  }
  if (held)
    push_one (&r, held);

  caps = gst_pad_get_current_caps (r.h->sinkpad);
  FUZZ_ASSERT (caps && gst_structure_has_name (gst_caps_get_structure (caps, 0),
          "application/x-sframe"), "output caps are not application/x-sframe");
  gst_caps_unref (caps);
  g_object_get (depay, "stats", &stats, NULL);
  FUZZ_ASSERT (stats && gst_structure_get_uint64 (stats, "frames", &frames) &&
      gst_structure_get_uint64 (stats, "packets", &packets), "stats");
  FUZZ_ASSERT (frames == r.frames, "stats: %" G_GUINT64_FORMAT " frames, %"
      G_GUINT64_FORMAT " came out", frames, r.frames);
  FUZZ_ASSERT (packets == r.model.packets, "stats: %" G_GUINT64_FORMAT " packets, the "
      "model processed %" G_GUINT64_FORMAT, packets, r.model.packets);
  gst_structure_free (stats);

  FUZZ_ASSERT (gst_harness_push_event (r.h, gst_event_new_eos ()), "EOS refused");
  check_output (&r, NULL, FALSE);
  gst_harness_teardown (r.h);
  gst_object_unref (depay);
  g_byte_array_unref (r.model.frame);
  return 0;
}
