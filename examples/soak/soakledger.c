/*
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * The soak's ledger. Frames are numbered per stream in the order the sender
 * encrypted them, and everything that happens to a frame is counted against its
 * number:
 *
 * - the sender records a hash of the plaintext and of the ciphertext, and which RTP
 *   sequence numbers the payloader gave its packets;
 * - the relay's impairment is matched by sequence number;
 * - at the receiver, a frame entering e2eedec is matched by the packet the
 *   depayloader was working on when it came out (falling back on the SFrame header),
 *   and is intact if its bytes hash as the sender's ciphertext did;
 * - a frame leaving e2eedec is matched by the KID and CTR of its GstE2eeMeta, and
 *   counts as decrypted only if its bytes hash as the sender's plaintext did.
 *
 * Everything is allocated, and touched, before the pipelines start, so that the
 * soak's resident memory measures the pipelines and not the ledger.
 */
#include "soakledger.h"

#include <string.h>

#define NONE G_MAXUINT32

const gchar *const soak_drop_reason_names[SOAK_N_DROP_REASONS] = {
  "unknown-kid", "authentication", "truncated", "malformed-header",
  "replay-duplicate", "replay-too-old"
};

SoakStream *
soak_stream_new (guint index, gboolean video, guint capacity,
    guint spans_capacity)
{
  SoakStream *st = g_new0 (SoakStream, 1);

  st->index = index;
  st->video = video;
  st->codec = video ? GST_E2EE_LAYOUT_CODEC_VP8 : GST_E2EE_LAYOUT_CODEC_OPUS;
  st->capacity = capacity;
  st->frames = g_new0 (SoakFrame, capacity);
  st->spans_capacity = spans_capacity;
  st->spans = g_new0 (SoakKidSpan, spans_capacity);
  st->by_seq = g_new (guint32, 65536);
  /* Touch every page now: calloc'd pages only count once written. */
  memset (st->frames, 0, sizeof (SoakFrame) * capacity);
  memset (st->spans, 0, sizeof (SoakKidSpan) * spans_capacity);
  memset (st->by_seq, 0xff, sizeof (guint32) * 65536);
  st->current = NONE;
  st->arrival = NONE;
  return st;
}

void
soak_stream_free (SoakStream * st)
{
  g_free (st->frames);
  g_free (st->spans);
  g_free (st->by_seq);
  g_free (st);
}

/* FNV-1a: enough to tell a changed frame from the one sent. */
guint64
soak_hash (const guint8 * data, gsize size)
{
  guint64 h = G_GUINT64_CONSTANT (0xcbf29ce484222325);
  gsize i;

  for (i = 0; i < size; i++) {
    h ^= data[i];
    h *= G_GUINT64_CONSTANT (0x100000001b3);
  }
  return h ^ size;
}

guint64
soak_hash_buffer (GstBuffer * buf)
{
  GstMapInfo map;
  guint64 h;

  if (!gst_buffer_map (buf, &map, GST_MAP_READ))
    return 0;
  h = soak_hash (map.data, map.size);
  gst_buffer_unmap (buf, &map);
  return h;
}

void
soak_stream_plaintext (SoakStream * st, GstBuffer * buf)
{
  st->pending_plain_hash = soak_hash_buffer (buf);
}

void
soak_stream_encrypted (SoakStream * st, GstBuffer * buf)
{
  GstMapInfo map;
  guint64 kid, ctr;
  guint32 n = (guint32) g_atomic_int_get (&st->n_frames);
  guint n_spans = (guint) g_atomic_int_get (&st->n_spans);
  SoakFrame *f;
  gboolean ok;

  st->current = NONE;
  if (!gst_buffer_map (buf, &map, GST_MAP_READ))
    return;
  ok = gst_e2ee_layout_parse_header (st->codec, map.data, map.size, &kid, &ctr,
      NULL);
  if (!ok || n >= st->capacity) {
    gst_buffer_unmap (buf, &map);
    st->untracked++;
    return;
  }
  /* A new span at each key change, and wherever the counter skips. */
  if (n_spans == 0 || st->spans[n_spans - 1].kid != kid
      || st->spans[n_spans - 1].first_ctr + (n - st->spans[n_spans - 1].first) !=
      ctr) {
    if (n_spans == st->spans_capacity) {
      gst_buffer_unmap (buf, &map);
      st->untracked++;
      return;
    }
    st->spans[n_spans].kid = kid;
    st->spans[n_spans].first_ctr = ctr;
    st->spans[n_spans].first = n;
    g_atomic_int_set (&st->n_spans, n_spans + 1);
  }
  f = &st->frames[n];
  f->plain_hash = st->pending_plain_hash;
  f->cipher_hash = soak_hash (map.data, map.size);
  f->cipher_size = map.size;
  f->encrypted_us = g_get_monotonic_time ();
  gst_buffer_unmap (buf, &map);
  g_atomic_int_set (&st->n_frames, n + 1);
  st->current = n;
}

static gboolean
rtp_seq (GstBuffer * rtp, guint16 * seq, guint32 * ssrc)
{
  guint8 hdr[12];

  if (gst_buffer_extract (rtp, 0, hdr, 12) != 12)
    return FALSE;
  *seq = GST_READ_UINT16_BE (hdr + 2);
  *ssrc = GST_READ_UINT32_BE (hdr + 8);
  return TRUE;
}

void
soak_stream_packet (SoakStream * st, GstBuffer * rtp)
{
  guint16 seq;
  guint32 ssrc;

  if (!rtp_seq (rtp, &seq, &ssrc))
    return;
  if (!g_atomic_int_get (&st->ssrc_known)) {
    st->ssrc = ssrc;
    g_atomic_int_set (&st->ssrc_known, 1);
  }
  st->by_seq[seq] = st->current;
  if (st->current != NONE)
    g_atomic_int_inc (&st->frames[st->current].packets);
}

gboolean
soak_stream_lookup (SoakStream * st, guint64 kid, guint64 ctr, guint32 * frame)
{
  gint n_spans = g_atomic_int_get (&st->n_spans);
  guint32 n = (guint32) g_atomic_int_get (&st->n_frames);
  gint i;

  for (i = n_spans - 1; i >= 0; i--) {
    const SoakKidSpan *sp = &st->spans[i];
    guint32 end = i + 1 < n_spans ? st->spans[i + 1].first : n;

    if (sp->kid == kid && ctr >= sp->first_ctr
        && ctr - sp->first_ctr < end - sp->first) {
      *frame = sp->first + (guint32) (ctr - sp->first_ctr);
      return TRUE;
    }
  }
  return FALSE;
}

SoakFrame *
soak_stream_frame_by_seq (SoakStream * st, guint16 seq)
{
  guint32 f = st->by_seq[seq];

  if (f == NONE || f >= (guint32) g_atomic_int_get (&st->n_frames))
    return NULL;
  return &st->frames[f];
}

void
soak_stream_depayloading (SoakStream * st, GstBuffer * rtp)
{
  guint16 seq;
  guint32 ssrc;

  st->arrival = NONE;
  if (!rtp_seq (rtp, &seq, &ssrc))
    return;
  st->arrival = st->by_seq[seq];
  if (st->arrival != NONE
      && st->arrival < (guint32) g_atomic_int_get (&st->n_frames))
    g_atomic_int_inc (&st->frames[st->arrival].at_depayloader);
  else
    st->arrival = NONE;
}

static gboolean
intact (SoakStream * st, guint32 f, guint64 hash, gsize size)
{
  return f != NONE && st->frames[f].cipher_hash == hash
      && st->frames[f].cipher_size == size;
}

void
soak_stream_arrived (SoakStream * st, GstBuffer * buf)
{
  GstMapInfo map;
  guint64 hash, kid, ctr;
  guint32 f = st->arrival, by_header = NONE;

  g_atomic_int_inc (&st->arrivals);
  if (!gst_buffer_map (buf, &map, GST_MAP_READ))
    return;
  hash = soak_hash (map.data, map.size);
  /* The depayloader outputs a frame while handling its last packet; should one
   * ever come out later, the header still names it. */
  if (!intact (st, f, hash, map.size)
      && gst_e2ee_layout_parse_header (st->codec, map.data, map.size, &kid, &ctr,
          NULL)
      && soak_stream_lookup (st, kid, ctr, &by_header)
      && intact (st, by_header, hash, map.size))
    f = by_header;
  if (intact (st, f, hash, map.size)) {
    gint64 latency = g_get_monotonic_time () - st->frames[f].encrypted_us;

    st->max_latency_us = MAX (st->max_latency_us, latency);
    if (latency > G_USEC_PER_SEC)
      st->late_1s++;
    if (latency > 10 * G_USEC_PER_SEC)
      st->late_10s++;
    if (st->frames[f].arrived_intact == 0)
      st->frames[f].latency_ms = (gint) MIN (latency / 1000, G_MAXINT);
    g_atomic_int_inc (&st->frames[f].arrived_intact);
  } else {
    g_atomic_int_inc (&st->arrivals_unmatched);
    if (f != NONE)
      g_atomic_int_inc (&st->frames[f].arrived_damaged);
  }
  gst_buffer_unmap (buf, &map);
}

void
soak_stream_decrypted (SoakStream * st, GstBuffer * buf)
{
  GstE2eeMeta *meta = gst_buffer_get_e2ee_meta (buf);
  guint32 f;

  g_atomic_int_inc (&st->outputs);
  if (meta && meta->authenticated
      && soak_stream_lookup (st, meta->kid, meta->ctr, &f)
      && st->frames[f].plain_hash == soak_hash_buffer (buf))
    g_atomic_int_inc (&st->frames[f].decrypted);
  else
    g_atomic_int_inc (&st->outputs_mismatch);
}

void
soak_stream_dropped (SoakStream * st, SoakDropReason reason, gboolean has_id,
    guint64 kid, guint64 ctr)
{
  guint32 f;

  g_atomic_int_inc (&st->drop_messages[reason]);
  if (has_id && soak_stream_lookup (st, kid, ctr, &f))
    g_atomic_int_or ((guint *) & st->frames[f].drop_reasons, 1u << reason);
}

void
soak_stream_tally (SoakStream * st, gint grace_ms, SoakTally * t)
{
  guint32 n = (guint32) g_atomic_int_get (&st->n_frames), i;
  guint r;

  memset (t, 0, sizeof (*t));
  t->sent = n + st->untracked;
  for (i = 0; i < n; i++) {
    const SoakFrame *f = &st->frames[i];

    if (f->dropped > 0) {
      if (f->decrypted > 0)
        t->dropped_decrypted++;
      else
        t->lost_dropped++;
    } else if (f->corrupted > 0) {
      t->corrupted++;
      if (f->decrypted > 0)
        t->corrupted_decrypted++;
      else if (f->arrived_damaged > 0 || f->arrived_intact > 0)
        t->corrupted_at_decryptor++;
      else
        t->corrupted_before_decryptor++;
    } else if (f->decrypted > 0) {
      t->delivered++;
      if (f->decrypted > 1)
        t->decrypted_twice++;
    } else if (f->arrived_intact > 0 && f->latency_ms > grace_ms) {
      t->intact_too_late++;
    } else if (f->arrived_intact > 0) {
      t->intact_key_loss++;
      for (r = 0; r < SOAK_N_DROP_REASONS; r++)
        if (f->drop_reasons & (1u << r))
          t->intact_key_loss_reasons[r]++;
    } else {
      t->intact_lost_before++;
      if (f->reordered > 0 || f->duplicated > 0)
        t->intact_lost_before_shuffled++;
    }
  }
}
