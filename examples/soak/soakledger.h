/*
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * The soak's ledger: what happened to every frame of every stream, from the sender's
 * encryptor through the relay's impairment to the receiver's decryptor.
 */
#ifndef __SOAK_LEDGER_H__
#define __SOAK_LEDGER_H__

#include <gst/gst.h>
#include <gst/e2ee/e2ee.h>

G_BEGIN_DECLS

/* e2eedec drop reasons, in the order the report prints them. */
typedef enum
{
  SOAK_DROP_UNKNOWN_KID,
  SOAK_DROP_AUTHENTICATION,
  SOAK_DROP_TRUNCATED,
  SOAK_DROP_MALFORMED_HEADER,
  SOAK_DROP_REPLAY_DUPLICATE,
  SOAK_DROP_REPLAY_TOO_OLD,
  SOAK_N_DROP_REASONS
} SoakDropReason;

extern const gchar *const soak_drop_reason_names[SOAK_N_DROP_REASONS];

/* One frame a sender encrypted. Fields other than the sender's are counters that
 * other threads add to atomically. */
typedef struct
{
  /* Written once by the sender's streaming thread before the frame is sent. */
  guint64 plain_hash;           /* what went into e2eeenc */
  guint64 cipher_hash;          /* what came out of it */
  guint32 cipher_size;
  gint64 encrypted_us;          /* monotonic time e2eeenc output it */
  gint latency_ms;              /* e2eeenc to e2eedec, first intact arrival */
  gint packets;                 /* RTP packets the payloader made of it */
  /* The relay. */
  gint dropped;                 /* packets dropped */
  gint corrupted;               /* packets with payload bytes changed */
  gint duplicated;
  gint reordered;
  /* The receiver. */
  gint at_depayloader;          /* packets that came out of rtpbin (jitter buffer) */
  gint arrived_intact;          /* times it reached e2eedec byte-exact */
  gint arrived_damaged;         /* times it reached e2eedec with other bytes */
  gint decrypted;               /* times e2eedec output it, checked byte-exact */
  gint drop_reasons;            /* bit per SoakDropReason e2eedec named it with */
} SoakFrame;

typedef struct
{
  guint64 kid;
  guint64 first_ctr;
  guint32 first;                /* frame number of first_ctr */
} SoakKidSpan;

typedef struct
{
  guint index;
  gboolean video;
  GstE2eeLayoutCodec codec;
  gint ssrc_known;              /* atomic; ssrc valid once set */
  guint32 ssrc;

  SoakFrame *frames;
  guint capacity;
  gint n_frames;                /* atomic: frames[0 .. n_frames) are written */
  gint untracked;               /* frames past capacity */
  guint32 *by_seq;              /* RTP sequence number -> frame number */
  SoakKidSpan *spans;
  guint spans_capacity;
  gint n_spans;                 /* atomic */

  /* The sender's streaming thread only. */
  guint64 pending_plain_hash;
  guint32 current;              /* frame being payloaded, G_MAXUINT32: none */

  /* The receiver's streaming threads (one per stream), atomic. */
  gint arrivals;                /* frames into e2eedec */
  gint arrivals_unmatched;      /* of those, not byte-exact to any frame sent */
  gint outputs;                 /* frames out of e2eedec */
  gint outputs_mismatch;        /* of those, not byte-exact what was encrypted */
  gint decoded;                 /* frames out of the decoder */
  gint drop_messages[SOAK_N_DROP_REASONS];
  guint32 arrival;              /* frame the depayloader is working on */
  /* Time from e2eeenc to e2eedec of the frames that arrived intact. */
  gint64 max_latency_us;
  gint late_1s, late_10s;
} SoakStream;

SoakStream *soak_stream_new (guint index, gboolean video, guint capacity,
    guint spans_capacity);
void soak_stream_free (SoakStream * st);

guint64 soak_hash (const guint8 * data, gsize size);
guint64 soak_hash_buffer (GstBuffer * buf);

/* Sender side, in its streaming thread. */
void soak_stream_plaintext (SoakStream * st, GstBuffer * buf);
void soak_stream_encrypted (SoakStream * st, GstBuffer * buf);
void soak_stream_packet (SoakStream * st, GstBuffer * rtp);

/* Any thread. */
gboolean soak_stream_lookup (SoakStream * st, guint64 kid, guint64 ctr,
    guint32 * frame);
SoakFrame *soak_stream_frame_by_seq (SoakStream * st, guint16 seq);

/* Receiver side, in the stream's streaming thread. */
void soak_stream_depayloading (SoakStream * st, GstBuffer * rtp);
void soak_stream_arrived (SoakStream * st, GstBuffer * frame);
void soak_stream_decrypted (SoakStream * st, GstBuffer * frame);
void soak_stream_dropped (SoakStream * st, SoakDropReason reason,
    gboolean has_id, guint64 kid, guint64 ctr);

/* What became of a stream's frames, once the run is over. */
typedef struct
{
  guint64 sent;
  guint64 delivered;            /* intact, decrypted once */
  guint64 lost_dropped;         /* a packet dropped by the relay */
  guint64 corrupted;            /* a packet corrupted, none dropped */
  guint64 corrupted_decrypted;  /* must be 0 */
  guint64 corrupted_at_decryptor;       /* reached e2eedec damaged, not output */
  guint64 corrupted_before_decryptor;   /* stopped by rtpbin or the depayloader */
  guint64 intact_key_loss;      /* reached e2eedec byte-exact in time, never output:
                                 * must be 0 */
  guint64 intact_key_loss_reasons[SOAK_N_DROP_REASONS];
  guint64 intact_too_late;      /* reached e2eedec byte-exact, never output, but later
                                 * than the keys' grace period after encryption */
  guint64 intact_lost_before;   /* intact at the relay, never reached e2eedec */
  guint64 intact_lost_before_shuffled;  /* of those, reordered or duplicated */
  guint64 decrypted_twice;      /* must be 0 */
  guint64 dropped_decrypted;    /* a packet dropped yet decrypted: must be 0 */
} SoakTally;

void soak_stream_tally (SoakStream * st, gint grace_ms, SoakTally * t);

G_END_DECLS

#endif
