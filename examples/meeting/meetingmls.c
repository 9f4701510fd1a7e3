/*
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * gst-e2ee-meeting --keys mls. Each participant's pipeline has an e2eemls (the
 * member's MLS agent) on the pipeline's key store; its e2eeenc elements (mls-context
 * 0 video, 1 audio) and e2eedec elements follow the group's epochs by themselves:
 * nothing here touches a key. Participant 0 is the host; the others send their
 * KeyPackage through the delivery service (examples/relay/gste2eedelivery.c) when
 * their pipeline starts and join from the host's Welcome. Leaving is disconnecting
 * from the delivery service, which tells the host (e2eemls member-left), which
 * commits the Remove.
 *
 * What the run checks, from the elements' own messages and stats:
 * - every member that reached an epoch shows the same security code for it, and at
 *   the end all current members are at one epoch with one code;
 * - R: frames a removed member decrypted that were sent under an epoch from the
 *   one that removed it on (the leaver keeps receiving from the relay like an
 *   eavesdropper on the SFU would; its e2eedec's per-KID stats, the KID's low
 *   epoch-bits bits naming the epoch);
 * - L: frames sent to a member under an epoch it belonged to that its e2eedec
 *   refused (unknown KID after the hold, or failed authentication): lost to an
 *   epoch change. Frames of epochs before a member joined or after it left are not
 *   owed to it.
 * The agents run with epoch-bits 8, so a KID names its epoch exactly for the 256
 * epochs a run stays under (the default 4 would wrap after 16).
 */
#include "meetingmls.h"
#include "gste2eedelivery.h"

#include <string.h>

#define EPOCH_BITS 8
#define GROUP_ID "gst-e2ee-meeting"

typedef struct
{
  struct _MeetingMls *m;
  guint index;
  gchar *identity;
  GstElement *mls, *enc[2];
  GstE2eeDeliveryConnection *conn;      /* under m->lock */
  gboolean late, leaves;
  gint left;                    /* atomic: stopped sending, disconnected */
  gboolean joined;
  guint64 join_epoch, last_epoch;     /* the first and last it reached */
  gboolean removed;             /* the host's roster no longer has it */
  guint64 removed_epoch;
  guint64 mls_refused;          /* e2ee-mls-refused messages */
  guint64 refused_non_member, refused_wrong_epoch;
  GArray *switches[2];          /* benchmark: each encoder's (epoch, µs) */
  /* by KID, counted as the frames pass: sent by its encoders, reaching and
   * leaving its decryptors (the elements' kid-stats go with their keys, at the
   * end of an epoch's grace period, so they cannot count a run longer than it) */
  GHashTable *sent, *arrived, *decrypted;
  GHashTable *refused;          /* at the end, by KID, from the kid-stats left */
  gboolean collected;
  gboolean deaf;                /* --receivers: it only sends, nothing is owed to it */
} Member;

struct _MeetingMls
{
  guint n;
  gboolean churn, slow, bench, audio_only;
  guint update_interval;
  gint grace_period;            /* seconds, -1: GstE2eeMlsKeys' default */
  MeetingMlsBad bad;
  GstE2eeDelivery *delivery;
  GMutex lock;
  Member *members;
  GHashTable *codes;            /* epoch -> the first code seen for it */
  gboolean codes_differ;
  guint64 host_epoch;
  MeetingMlsStartFunc start_func;
  gpointer start_data;
  gboolean failed;
  /* the last commit the host sent, for the bad-input replay */
  GBytes *last_commit, *first_commit;
  /* benchmark: a leaver's Remove */
  gint64 left_us, remove_sent_us;
  guint64 remove_epoch;
  GHashTable *commit_us;        /* the host's commits: epoch -> µs sent */
  /* bad input */
  gboolean bad_ok;
  gchar *bad_report;
  struct _BadCheck *bad_check;
  /* the schedule: by the host's video frames encrypted, so that a run slower
   * than real time (valgrind) keeps it */
  gint host_frames;
  guint total_frames, next_event;
  GArray *events;
};

/* guint64 (or gint64) keys and values, each allocated */
static GHashTable *
count_table (void)
{
  return g_hash_table_new_full (g_int64_hash, g_int64_equal, g_free, g_free);
}

static void
on_receive (GstE2eeDeliveryConnection * conn, GBytes * message, gpointer data)
{
  Member *p = data;
  gboolean ok = FALSE;

  g_signal_emit_by_name (p->mls, "handle-message", message, &ok);
}

/* mallory's connection: it gets the meeting's handshakes and does nothing. */
static void
on_receive_ignore (GstE2eeDeliveryConnection * conn, GBytes * message,
    gpointer data)
{
}

static void
on_refused (GstE2eeDeliveryConnection * conn, GBytes * message,
    GstE2eeDeliveryRefusal reason, const gchar * detail, gpointer data)
{
  Member *p = data;

  g_printerr ("delivery service: refused a message from %s (%s): %s\n",
      p->identity, gst_e2ee_delivery_refusal_name (reason), detail);
}

/* The host is told that a member left: it commits the Remove. */
static void
on_disconnect (GstE2eeDelivery * d, const gchar * name, gpointer data)
{
  MeetingMls *m = data;
  gboolean ok = FALSE;

  if (g_str_equal (name, "mallory"))
    return;
  g_signal_emit_by_name (m->members[0].mls, "member-left", name, &ok);
  if (!ok)
    g_printerr ("the host did not take %s's leaving\n", name);
}

static void
on_send_message (GstElement * mls, GBytes * message, Member * p)
{
  MeetingMls *m = p->m;
  GstE2eeDeliveryHeader h;
  gsize size;
  const guint8 *data = g_bytes_get_data (message, &size);

  g_mutex_lock (&m->lock);
  if (p->index == 0 && gst_e2ee_delivery_parse_header (data, size, &h, NULL)
      && h.has_epoch && h.content_type == 3) {
    if (m->first_commit == NULL)
      m->first_commit = g_bytes_ref (message);
    g_clear_pointer (&m->last_commit, g_bytes_unref);
    m->last_commit = g_bytes_ref (message);
    if (m->bench) {
      gint64 *key = g_new (gint64, 1), *t = g_new (gint64, 1);

      *key = (gint64) h.epoch;
      *t = g_get_monotonic_time ();
      g_hash_table_insert (m->commit_us, key, t);
    }
  }
  if (p->conn && m->delivery)
    gst_e2ee_delivery_submit (m->delivery, p->conn, message);
  g_mutex_unlock (&m->lock);
}

/* A leaver stops sending: its frames go no further than its encoders' sinks. */
static GstPadProbeReturn
leave_probe (GstPad * pad, GstPadProbeInfo * info, gpointer data)
{
  Member *p = data;

  return g_atomic_int_get (&p->left) ? GST_PAD_PROBE_DROP : GST_PAD_PROBE_OK;
}

static gboolean
in_roster (const GValue * members, const gchar * identity)
{
  guint i;

  if (!members || !GST_VALUE_HOLDS_ARRAY (members))
    return FALSE;
  for (i = 0; i < gst_value_array_get_size (members); i++)
    if (g_strcmp0 (g_value_get_string (gst_value_array_get_value (members, i)),
            identity) == 0)
      return TRUE;
  return FALSE;
}

static gboolean
start_media (gpointer data)
{
  Member *p = data;

  p->m->start_func (p->index, p->m->start_data);
  return G_SOURCE_REMOVE;
}

static void
epoch_message (MeetingMls * m, Member * p, const GstStructure * s)
{
  guint64 epoch = 0;
  const gchar *code = gst_structure_get_string (s, "security-code");
  const gchar *cause = gst_structure_get_string (s, "cause");
  const gchar *known;
  guint j;

  gst_structure_get_uint64 (s, "epoch", &epoch);
  p->last_epoch = epoch;
  known = g_hash_table_lookup (m->codes, &epoch);
  if (known == NULL) {
    guint64 *key = g_new (guint64, 1);

    *key = epoch;
    g_hash_table_insert (m->codes, key, g_strdup (code));
  } else if (g_strcmp0 (known, code) != 0) {
    g_printerr ("%s: epoch %" G_GUINT64_FORMAT ": security code %s, others %s\n",
        p->identity, epoch, code, known);
    m->codes_differ = TRUE;
  }
  if (g_strcmp0 (cause, "joined") == 0 || g_strcmp0 (cause, "created") == 0) {
    p->joined = TRUE;
    p->join_epoch = epoch;
    /* Under valgrind the media lags the commits by many seconds: frames of an
     * epoch that ended 10 s ago (the default grace period) are still coming. */
    if (m->slow || m->grace_period >= 0) {
      GstE2eeMlsKeys *keys = NULL;
      guint64 grace = m->slow ? MAX (m->grace_period, 120) : m->grace_period;

      g_object_get (p->mls, "mls-keys", &keys, NULL);
      if (keys)
        g_object_set (keys, "grace-period", grace * GST_SECOND, NULL);
      g_clear_object (&keys);
    }
    /* e2eeenc refuses to start without a key: the media starts once the group
     * has provisioned the store */
    g_idle_add (start_media, p);
  }
  if (p->index != 0)
    return;
  m->host_epoch = epoch;
  /* benchmark: the epoch the leaver's Remove opened, and when its commit went */
  if (m->bench && m->left_us && !m->remove_epoch
      && g_strcmp0 (cause, "removed") == 0 && epoch > 0) {
    gint64 prev = (gint64) epoch - 1;
    const gint64 *t = g_hash_table_lookup (m->commit_us, &prev);

    m->remove_epoch = epoch;
    m->remove_sent_us = t ? *t : 0;
  }
  for (j = 1; j < m->n; j++) {
    Member *q = &m->members[j];

    if (q->joined && !q->removed && g_atomic_int_get (&q->left)
        && !in_roster (gst_structure_get_value (s, "members"), q->identity)) {
      q->removed = TRUE;
      q->removed_epoch = epoch;
    }
  }
}

typedef struct
{
  guint64 epoch;
  gint64 us;
} Switch;

/* Benchmark: when each encoder moved to which epoch. */
static void
kid_message (MeetingMls * m, Member * p, const GstElement * enc,
    const GstStructure * s)
{
  Switch sw = { 0, g_get_monotonic_time () };
  guint e = enc == p->enc[0] ? 0 : 1;

  if (!m->bench)
    return;
  gst_structure_get_uint64 (s, "epoch", &sw.epoch);
  g_array_append_val (p->switches[e], sw);
}

/* Benchmark, with the lock held: when the last remaining encoder first used the
 * Remove's epoch or a later one; FALSE if one never did. */
static gboolean
last_switch (MeetingMls * m, gint64 * last, guint * encoders)
{
  guint i, e;

  *last = 0;
  *encoders = 0;
  for (i = 0; i < m->n; i++) {
    Member *p = &m->members[i];

    if (g_atomic_int_get (&p->left))
      continue;
    for (e = m->audio_only ? 1 : 0; e < 2; e++) {
      guint k;
      gint64 at = 0;

      for (k = 0; k < p->switches[e]->len && !at; k++) {
        const Switch *sw = &g_array_index (p->switches[e], Switch, k);

        if (sw->epoch >= m->remove_epoch)
          at = sw->us;
      }
      if (!at)
        return FALSE;
      *last = MAX (*last, at);
      (*encoders)++;
    }
  }
  return TRUE;
}

/* On the posting thread, so the benchmark's times are when things happened. */
static GstBusSyncReply
sync_handler (GstBus * bus, GstMessage * msg, gpointer data)
{
  Member *p = data;
  MeetingMls *m = p->m;
  const GstStructure *s;

  if (GST_MESSAGE_TYPE (msg) != GST_MESSAGE_ELEMENT)
    return GST_BUS_PASS;
  s = gst_message_get_structure (msg);
  g_mutex_lock (&m->lock);
  if (gst_structure_has_name (s, "e2ee-mls-epoch"))
    epoch_message (m, p, s);
  else if (gst_structure_has_name (s, "e2ee-mls-refused")) {
    const gchar *reason = gst_structure_get_string (s, "reason");

    p->mls_refused++;
    if (g_strcmp0 (reason, "non-member") == 0)
      p->refused_non_member++;
    else if (g_strcmp0 (reason, "wrong-epoch") == 0)
      p->refused_wrong_epoch++;
  }
  else if (gst_structure_has_name (s, "e2ee-mls-kid"))
    kid_message (m, p, GST_ELEMENT (GST_MESSAGE_SRC (msg)), s);
  g_mutex_unlock (&m->lock);
  return GST_BUS_PASS;
}

MeetingMls *
meeting_mls_new (guint n, gboolean churn, guint update_interval, gboolean slow,
    MeetingMlsBad bad, gboolean bench, gboolean audio_only)
{
  MeetingMls *m = g_new0 (MeetingMls, 1);
  guint i, movers = churn ? MAX (1, n / 4) : 0;

  m->n = n;
  m->churn = churn;
  m->slow = slow;
  m->grace_period = -1;
  m->bad = bad;
  m->bench = bench;
  m->update_interval = update_interval;
  m->audio_only = audio_only;
  g_mutex_init (&m->lock);
  m->commit_us = count_table ();
  m->codes = count_table ();
  m->members = g_new0 (Member, n);
  for (i = 0; i < n; i++) {
    Member *p = &m->members[i];

    p->m = m;
    p->index = i;
    p->identity = g_strdup_printf ("participant%u", i);
    /* churn: the last quarter joins during the run, participants 1 to a
     * quarter leave; the benchmark: the last one leaves */
    p->late = i >= n - movers && i > 0;
    p->leaves = (i >= 1 && i <= movers && !p->late) || (bench && i == n - 1);
    p->sent = count_table ();
    p->arrived = count_table ();
    p->decrypted = count_table ();
    p->switches[0] = g_array_new (FALSE, FALSE, sizeof (Switch));
    p->switches[1] = g_array_new (FALSE, FALSE, sizeof (Switch));
  }
  m->delivery = gst_e2ee_delivery_new (on_disconnect, m);
  return m;
}

static GstPadProbeReturn sent_probe (GstPad * pad, GstPadProbeInfo * info,
    gpointer data);

/* The grace period of each member's old epochs' keys (at least 120 s with
 * --slow). */
void
meeting_mls_set_grace_period (MeetingMls * m, guint seconds)
{
  m->grace_period = (gint) MIN (seconds, G_MAXINT);
}

/* Whether participant @i receives (by default every one does). */
void
meeting_mls_set_receiver (MeetingMls * m, guint i, gboolean receives)
{
  m->members[i].deaf = !receives;
}

gboolean
meeting_mls_setup (MeetingMls * m, guint i, GstElement * pipeline,
    GstE2eeKeyStore * store, GstElement * venc, GstElement * aenc,
    GError ** error)
{
  Member *p = &m->members[i];
  GstBus *bus;
  guint s;

  p->mls = gst_element_factory_make ("e2eemls", "mls");
  if (p->mls == NULL) {
    g_set_error (error, GST_CORE_ERROR, GST_CORE_ERROR_MISSING_PLUGIN,
        "no e2eemls element (the e2ee plugin of this tree has it)");
    return FALSE;
  }
  /* A removal within 1 s rather than Zoom's 10: a run lasts seconds. */
  g_object_set (p->mls, "identity", p->identity, "group-id", GROUP_ID,
      "key-store", store, "contexts", 2, "epoch-bits", EPOCH_BITS,
      "remove-timeout", (guint64) GST_SECOND, "update-interval",
      (guint64) m->update_interval * GST_SECOND, NULL);
  gst_util_set_object_arg (G_OBJECT (p->mls), "role", i == 0 ? "host" : "member");
  g_signal_connect (p->mls, "send-message", G_CALLBACK (on_send_message), p);
  gst_bin_add (GST_BIN (pipeline), p->mls);
  /* The agent starts before the media (meeting_mls_connect()) and stops after
   * the delivery service (meeting_mls_stop()). */
  gst_element_set_locked_state (p->mls, TRUE);

  p->enc[0] = venc;
  p->enc[1] = aenc;
  for (s = 0; s < 2; s++) {
    GstPad *pad = gst_element_get_static_pad (p->enc[s], "sink");

    g_object_set (p->enc[s], "key-store", store, "mls-context", s, NULL);
    gst_pad_add_probe (pad, GST_PAD_PROBE_TYPE_BUFFER, leave_probe, p, NULL);
    gst_object_unref (pad);
    pad = gst_element_get_static_pad (p->enc[s], "src");
    gst_pad_add_probe (pad, GST_PAD_PROBE_TYPE_BUFFER, sent_probe, p, NULL);
    gst_object_unref (pad);
  }
  bus = gst_element_get_bus (pipeline);
  gst_bus_set_sync_handler (bus, sync_handler, p, NULL);
  gst_object_unref (bus);
  return TRUE;
}

/* Frames of an epoch the member has not reached wait for its commit; a loaded
 * machine (valgrind) can take seconds to get there. */
static void add_count (GHashTable * t, guint64 kid, guint64 n);

/* Counts the frames reaching a decryptor by the KID in their SFrame header. */
static GstPadProbeReturn
arrived_probe (GstPad * pad, GstPadProbeInfo * info, gpointer data)
{
  Member *p = data;
  GstBuffer *buf = GST_PAD_PROBE_INFO_BUFFER (info);
  GstCaps *caps = gst_pad_get_current_caps (pad);
  GstE2eeLayoutCodec codec = caps ? gst_e2ee_layout_codec_from_caps (caps) :
      GST_E2EE_LAYOUT_CODEC_NONE;
  GstMapInfo map;
  guint64 kid, ctr;

  if (caps)
    gst_caps_unref (caps);
  if (!gst_buffer_map (buf, &map, GST_MAP_READ))
    return GST_PAD_PROBE_OK;
  if (gst_e2ee_layout_parse_header (codec, map.data, map.size, &kid, &ctr, NULL)) {
    g_mutex_lock (&p->m->lock);
    add_count (p->arrived, kid, 1);
    g_mutex_unlock (&p->m->lock);
  }
  gst_buffer_unmap (buf, &map);
  return GST_PAD_PROBE_OK;
}

/* Counts the frames an encoder sent, by the KID it used. */
static GstPadProbeReturn
sent_probe (GstPad * pad, GstPadProbeInfo * info, gpointer data)
{
  Member *p = data;
  GstE2eeSenderMeta *meta =
      gst_buffer_get_e2ee_sender_meta (GST_PAD_PROBE_INFO_BUFFER (info));

  if (meta) {
    g_mutex_lock (&p->m->lock);
    add_count (p->sent, meta->kid, 1);
    g_mutex_unlock (&p->m->lock);
  }
  return GST_PAD_PROBE_OK;
}

/* Counts the frames a decryptor let out, by the KID they were decrypted with. */
static GstPadProbeReturn
decrypted_probe (GstPad * pad, GstPadProbeInfo * info, gpointer data)
{
  Member *p = data;
  GstE2eeMeta *meta = gst_buffer_get_e2ee_meta (GST_PAD_PROBE_INFO_BUFFER (info));

  if (meta && meta->authenticated) {
    g_mutex_lock (&p->m->lock);
    add_count (p->decrypted, meta->kid, 1);
    g_mutex_unlock (&p->m->lock);
  }
  return GST_PAD_PROBE_OK;
}

void
meeting_mls_decryptor_added (MeetingMls * m, guint i, GstElement * dec)
{
  GstPad *pad = gst_element_get_static_pad (dec, "sink");

  gst_pad_add_probe (pad, GST_PAD_PROBE_TYPE_BUFFER, arrived_probe,
      &m->members[i], NULL);
  gst_object_unref (pad);
  pad = gst_element_get_static_pad (dec, "src");
  gst_pad_add_probe (pad, GST_PAD_PROBE_TYPE_BUFFER, decrypted_probe,
      &m->members[i], NULL);
  gst_object_unref (pad);
  g_object_set (dec, "unknown-kid-hold", (guint64) (m->slow ? 20 : 3) * GST_SECOND,
      NULL);
}

gboolean
meeting_mls_starts_late (MeetingMls * m, guint i)
{
  return m->members[i].late;
}

/* Connects the member to the delivery service and starts its agent: the host
 * creates the group, a member sends its KeyPackage. The media starts once it is in
 * the group (start_media()). */
static void
connect_member (MeetingMls * m, guint i)
{
  Member *p = &m->members[i];

  g_mutex_lock (&m->lock);
  p->conn = gst_e2ee_delivery_connect (m->delivery, p->identity, on_receive,
      on_refused, p);
  g_mutex_unlock (&m->lock);
  if (gst_element_set_state (p->mls, GST_STATE_PAUSED) == GST_STATE_CHANGE_FAILURE) {
    g_printerr ("%s: the MLS agent did not start\n", p->identity);
    g_mutex_lock (&m->lock);
    m->failed = TRUE;
    g_mutex_unlock (&m->lock);
  }
}



static void
leave (gpointer data)
{
  Member *p = data;
  MeetingMls *m = p->m;
  GstE2eeDeliveryConnection *conn;

  g_mutex_lock (&m->lock);
  conn = p->conn;
  p->conn = NULL;
  g_atomic_int_set (&p->left, TRUE);
  if (m->bench && !m->left_us)
    m->left_us = g_get_monotonic_time ();
  g_mutex_unlock (&m->lock);
  if (conn)
    gst_e2ee_delivery_disconnect (m->delivery, conn);
}

/* ---- bad input ---- */

static gchar *
member_state (Member * p)
{
  guint64 epoch = 0;
  gchar *code = NULL, *state;

  g_object_get (p->mls, "epoch", &epoch, "security-code", &code, NULL);
  state = g_strdup_printf ("%" G_GUINT64_FORMAT " %s", epoch, code ? code : "-");
  g_free (code);
  return state;
}

static guint64
decrypted_now (GstElement * pipeline)
{
  guint64 total = 0;
  GstIterator *it = gst_bin_iterate_recurse (GST_BIN (pipeline));
  GValue v = G_VALUE_INIT;

  while (gst_iterator_next (it, &v) == GST_ITERATOR_OK) {
    GstElement *e = g_value_get_object (&v);
    GstElementFactory *f = gst_element_get_factory (e);

    if (f && g_str_equal (GST_OBJECT_NAME (f), "e2eedec")) {
      GstStructure *st = NULL;
      guint64 frames = 0;

      g_object_get (e, "stats", &st, NULL);
      if (st && gst_structure_get_uint64 (st, "frames", &frames))
        total += frames;
      if (st)
        gst_structure_free (st);
    }
    g_value_reset (&v);
  }
  gst_iterator_free (it);
  return total;
}

typedef struct _BadCheck
{
  MeetingMls *m;
  gchar **before;
  guint64 *frames_before;
  guint64 *refused_before, *non_member_before, *wrong_epoch_before;
  GstE2eeDeliveryStats ds_before;
} BadCheck;

static gboolean bad_input_media (MeetingMls * m);
static void bad_check_free (BadCheck * b);

/* At the end: every member decrypted more than it had at the bad input. */
static gboolean
bad_input_media (MeetingMls * m)
{
  BadCheck *b = m->bad_check;
  guint i;
  gboolean media = TRUE;

  for (i = 0; b && i < m->n; i++) {
    GstElement *pipeline = GST_ELEMENT (gst_element_get_parent (m->members[i].mls));
    guint64 now = decrypted_now (pipeline);

    if (now <= b->frames_before[i]) {
      g_printerr ("%s decrypted nothing after the bad input\n",
          m->members[i].identity);
      media = FALSE;
    }
    gst_object_unref (pipeline);
  }
  return media && b != NULL;
}

static void
bad_check_free (BadCheck * b)
{
  g_strfreev (b->before);
  g_free (b->frames_before);
  g_free (b->refused_before);
  g_free (b->non_member_before);
  g_free (b->wrong_epoch_before);
  g_free (b);
}

/* A non-member (mallory) connects to the delivery service and submits: an Update
 * proposal for the current epoch signed with its own key as leaf 0 (forged), the
 * same for epoch 0 (stale), the host's first commit again (stale commit) and its
 * last one again (replayed). The delivery service refuses the commits; every
 * member refuses the proposals (e2ee-mls-refused). No member's epoch or code
 * changes, and media goes on. */
static void
bad_input (gpointer data)
{
  MeetingMls *m = data;
  BadCheck *b = g_new0 (BadCheck, 1);
  GBytes *mallory_id = g_bytes_new_static ("mallory", 7);
  GBytes *gid = g_bytes_new_static (GROUP_ID, strlen (GROUP_ID));
  GstE2eeMlsClient *mallory = gst_e2ee_mls_client_new (mallory_id, NULL);
  GstE2eeMlsGroup *fake = gst_e2ee_mls_group_create (mallory, gid, NULL);
  GstE2eeDeliveryConnection *conn;
  GBytes *stale = NULL, *forged = NULL, *first, *last;
  GstE2eeDeliveryStats ds;
  GError *err = NULL;
  guint64 e, epoch;
  guint i;
  gboolean ok = TRUE;

  b->m = m;
  b->before = g_new0 (gchar *, m->n + 1);
  b->frames_before = g_new0 (guint64, m->n);
  b->refused_before = g_new0 (guint64, m->n);
  b->non_member_before = g_new0 (guint64, m->n);
  b->wrong_epoch_before = g_new0 (guint64, m->n);
  for (i = 0; i < m->n; i++) {
    GstElement *pipeline = GST_ELEMENT (gst_element_get_parent (m->members[i].mls));

    b->before[i] = member_state (&m->members[i]);
    b->frames_before[i] = decrypted_now (pipeline);
    gst_object_unref (pipeline);
  }
  g_mutex_lock (&m->lock);
  epoch = m->host_epoch;
  first = m->first_commit ? g_bytes_ref (m->first_commit) : NULL;
  last = m->last_commit ? g_bytes_ref (m->last_commit) : NULL;
  for (i = 0; i < m->n; i++) {
    b->refused_before[i] = m->members[i].mls_refused;
    b->non_member_before[i] = m->members[i].refused_non_member;
    b->wrong_epoch_before[i] = m->members[i].refused_wrong_epoch;
  }
  g_mutex_unlock (&m->lock);
  gst_e2ee_delivery_get_stats (m->delivery, &b->ds_before);

  stale = gst_e2ee_mls_group_propose_update (fake, &err);
  for (e = 0; e < epoch && fake; e++) {
    GBytes *c = gst_e2ee_mls_group_update (fake, &err);

    if (c == NULL)
      break;
    g_bytes_unref (c);
  }
  forged = gst_e2ee_mls_group_propose_update (fake, &err);
  if (!stale || !forged || !first || !last) {
    g_printerr ("bad input: could not make the messages: %s\n",
        err ? err->message : "no commit seen");
    ok = FALSE;
  } else {
    conn = gst_e2ee_delivery_connect (m->delivery, "mallory", on_receive_ignore,
        NULL, NULL);
    gst_e2ee_delivery_submit (m->delivery, conn, forged);
    gst_e2ee_delivery_submit (m->delivery, conn, stale);
    gst_e2ee_delivery_submit (m->delivery, conn, first);
    gst_e2ee_delivery_submit (m->delivery, conn, last);
    gst_e2ee_delivery_disconnect (m->delivery, conn);
    if (!gst_e2ee_delivery_flush (m->delivery, 60 * G_USEC_PER_SEC)) {
      g_printerr ("bad input: the delivery service did not finish\n");
      ok = FALSE;
    }
  }
  g_clear_error (&err);

  gst_e2ee_delivery_get_stats (m->delivery, &ds);
  g_mutex_lock (&m->lock);
  for (i = 0; i < m->n && ok; i++) {
    gchar *after = member_state (&m->members[i]);
    guint64 refused = m->members[i].mls_refused - b->refused_before[i];

    if (!g_str_equal (after, b->before[i])) {
      g_printerr ("%s changed with the bad input: %s, then %s\n",
          m->members[i].identity, b->before[i], after);
      ok = FALSE;
    }
    /* the forged one as a non-member's, the stale one for its epoch */
    if (refused != 2
        || m->members[i].refused_non_member - b->non_member_before[i] != 1
        || m->members[i].refused_wrong_epoch - b->wrong_epoch_before[i] != 1) {
      g_printerr ("%s refused %" G_GUINT64_FORMAT " of mallory's 2 proposals "
          "(non-member %" G_GUINT64_FORMAT ", wrong-epoch %" G_GUINT64_FORMAT ")\n",
          m->members[i].identity, refused,
          m->members[i].refused_non_member - b->non_member_before[i],
          m->members[i].refused_wrong_epoch - b->wrong_epoch_before[i]);
      ok = FALSE;
    }
    g_free (after);
  }
  if (ds.refused_epoch_committed - b->ds_before.refused_epoch_committed != 2) {
    g_printerr ("the delivery service refused %" G_GUINT64_FORMAT
        " of the 2 old commits\n",
        ds.refused_epoch_committed - b->ds_before.refused_epoch_committed);
    ok = FALSE;
  }
  m->bad_ok = ok;
  m->bad_report = g_strdup_printf ("bad input: the forged proposal refused as "
      "non-member's and the stale one as wrong-epoch by all %u members "
      "(e2ee-mls-refused), %" G_GUINT64_FORMAT " replayed/stale commits refused "
      "by the delivery service, epochs and codes unchanged: %s", m->n,
      ds.refused_epoch_committed - b->ds_before.refused_epoch_committed,
      ok ? "yes" : "no");
  g_mutex_unlock (&m->lock);

  m->bad_check = b;
  g_clear_pointer (&stale, g_bytes_unref);
  g_clear_pointer (&forged, g_bytes_unref);
  g_clear_pointer (&first, g_bytes_unref);
  g_clear_pointer (&last, g_bytes_unref);
  g_clear_object (&fake);
  g_clear_object (&mallory);
  g_bytes_unref (mallory_id);
  g_bytes_unref (gid);
}

typedef enum
{
  EVENT_JOIN,
  EVENT_LEAVE,
  EVENT_BAD_INPUT,
} EventKind;

typedef struct
{
  guint at;                     /* host video frames */
  EventKind kind;
  Member *p;
} Event;

static gint
event_cmp (gconstpointer a, gconstpointer b)
{
  const Event *x = a, *y = b;

  return (gint) x->at - (gint) y->at;
}

static GstPadProbeReturn
host_frames_probe (GstPad * pad, GstPadProbeInfo * info, gpointer data)
{
  g_atomic_int_inc (&((MeetingMls *) data)->host_frames);
  return GST_PAD_PROBE_OK;
}

static gboolean
all_joined (MeetingMls * m)
{
  guint i;
  gboolean all = TRUE;

  g_mutex_lock (&m->lock);
  for (i = 0; i < m->n; i++)
    all = all && m->members[i].joined;
  g_mutex_unlock (&m->lock);
  return all;
}

static gboolean
run_schedule (gpointer data)
{
  MeetingMls *m = data;
  guint done = (guint) g_atomic_int_get (&m->host_frames);

  while (m->next_event < m->events->len) {
    Event *e = &g_array_index (m->events, Event, m->next_event);

    if (e->at > done)
      return G_SOURCE_CONTINUE;
    m->next_event++;
    switch (e->kind) {
      case EVENT_JOIN:
        connect_member (m, e->p->index);
        break;
      case EVENT_LEAVE:
        /* the benchmark's Remove must not queue behind Adds */
        if (m->bench && !all_joined (m)) {
          m->next_event--;
          return G_SOURCE_CONTINUE;
        }
        leave (e->p);
        break;
      case EVENT_BAD_INPUT:
        bad_input (m);
        break;
    }
  }
  return G_SOURCE_REMOVE;
}

/* Starts the host, then the members present from the start; schedules the late
 * joiners (from a fifth of the host's @frames of video, or audio without video,
 * on, a tenth apart), the leavers (from half of them) and the bad input (at
 * half). */
void
meeting_mls_start (MeetingMls * m, guint frames, MeetingMlsStartFunc func,
    gpointer user_data)
{
  guint i, late = 0, leaving = 0;
  GstPad *pad;

  m->start_func = func;
  m->start_data = user_data;
  m->total_frames = frames;
  m->events = g_array_new (FALSE, FALSE, sizeof (Event));
  pad = gst_element_get_static_pad (m->members[0].enc[m->audio_only ? 1 : 0],
      "src");
  gst_pad_add_probe (pad, GST_PAD_PROBE_TYPE_BUFFER, host_frames_probe, m, NULL);
  gst_object_unref (pad);
  for (i = 0; i < m->n; i++) {
    Member *p = &m->members[i];
    Event e = { 0, EVENT_JOIN, p };

    if (p->late) {
      e.at = frames / 5 + late++ * frames / 10;
      g_array_append_val (m->events, e);
      continue;
    }
    connect_member (m, i);
    if (p->leaves) {
      e.kind = EVENT_LEAVE;
      e.at = frames / 2 + leaving++ * frames / 10;
      g_array_append_val (m->events, e);
    }
  }
  if (m->bad) {
    Event e = { frames / 2, EVENT_BAD_INPUT, NULL };

    g_array_append_val (m->events, e);
  }
  g_array_sort (m->events, event_cmp);
  if (m->events->len)
    g_timeout_add (20, run_schedule, m);
}

/* ---- the end ---- */

static void
add_count (GHashTable * t, guint64 kid, guint64 n)
{
  guint64 *v = g_hash_table_lookup (t, &kid);

  if (v == NULL) {
    guint64 *key = g_new (guint64, 1);

    *key = kid;
    v = g_new0 (guint64, 1);
    g_hash_table_insert (t, key, v);
  }
  *v += n;
}

/* Adds a decryptor's per-KID refusals to @refused (of the KIDs whose keys it
 * still has: the rest count only in its totals). */
static void
add_kid_refusals (GstElement * element, GHashTable * refused)
{
  GstStructure *st = NULL;
  const GValue *kids;
  guint i;

  g_object_get (element, "stats", &st, NULL);
  if (st == NULL)
    return;
  kids = gst_structure_get_value (st, "kids");
  for (i = 0; kids && i < gst_value_array_get_size (kids); i++) {
    const GstStructure *k = gst_value_get_structure (gst_value_array_get_value (kids,
            i));
    guint64 kid = 0, a = 0, u = 0;

    gst_structure_get_uint64 (k, "kid", &kid);
    gst_structure_get_uint64 (k, "dropped-authentication", &a);
    gst_structure_get_uint64 (k, "dropped-unknown-kid", &u);
    add_count (refused, kid, a + u);
  }
  gst_structure_free (st);
}

void
meeting_mls_collect (MeetingMls * m, guint i, GList * decryptors)
{
  Member *p = &m->members[i];
  GHashTable *refused = count_table ();
  GList *l;

  for (l = decryptors; l; l = l->next)
    add_kid_refusals (l->data, refused);
  g_mutex_lock (&m->lock);
  g_clear_pointer (&p->refused, g_hash_table_unref);
  p->refused = refused;
  p->collected = TRUE;
  g_mutex_unlock (&m->lock);
}

static gboolean member_at (Member * p, guint64 epoch);
static guint64 kid_epoch (guint64 kid);

/* With the lock held: of the frames sent to members under epochs they belonged
 * to (and reached), how many did not come out of their decryptors (yet): @lost
 * reached a decryptor, @dropped never did (lost in transport); @refused: of the
 * lost, refused by the decryptors. */
static guint64
owed_missing (MeetingMls * m, guint64 * lost, guint64 * dropped, guint64 * refused,
    GString * detail)
{
  guint r, s;

  *lost = *dropped = *refused = 0;
  for (r = 0; r < m->n; r++) {
    Member *p = &m->members[r];
    GHashTableIter it;
    gpointer key, value;

    if (!p->collected || !p->joined || p->deaf)
      continue;
    for (s = 0; s < m->n; s++) {
      Member *q = &m->members[s];

      if (s == r || !q->collected)
        continue;
      g_hash_table_iter_init (&it, q->sent);
      while (g_hash_table_iter_next (&it, &key, &value)) {
        guint64 kid = *(guint64 *) key, sent = *(guint64 *) value;
        const guint64 *got = g_hash_table_lookup (p->decrypted, &kid);
        const guint64 *bad = g_hash_table_lookup (p->refused, &kid);
        const guint64 *in = g_hash_table_lookup (p->arrived, &kid);
        guint64 n_got = got ? *got : 0, n_in = in ? MIN (*in, sent) : 0;

        if (!member_at (p, kid_epoch (kid)))
          continue;
        if (bad)
          *refused += *bad;
        *dropped += sent - n_in;
        if (n_got < n_in) {
          *lost += n_in - n_got;
          if (detail)
            g_string_append_printf (detail, "  %s: %" G_GUINT64_FORMAT " of the %"
                G_GUINT64_FORMAT " frames of %s under KID 0x%" G_GINT64_MODIFIER
                "x (epoch %" G_GUINT64_FORMAT ", it reached epochs %"
                G_GUINT64_FORMAT " to %" G_GUINT64_FORMAT ") that reached its "
                "decryptors were not decrypted\n", p->identity, n_in - n_got,
                n_in, q->identity, kid, kid_epoch (kid), p->join_epoch,
                p->last_epoch);
        }
      }
    }
  }
  return *lost + *dropped;
}

/* What a run still waits for: 0 when every frame owed has been decrypted. */
guint64
meeting_mls_missing (MeetingMls * m)
{
  guint64 missing, lost, dropped, refused;

  g_mutex_lock (&m->lock);
  missing = owed_missing (m, &lost, &dropped, &refused, NULL);
  g_mutex_unlock (&m->lock);
  return missing;
}

static guint64
kid_epoch (guint64 kid)
{
  return kid & ((1 << EPOCH_BITS) - 1);
}

/* Whether @p belonged to the group at @epoch, and reached it: a leaver that
 * disconnected before the commits of the epochs before its removal reached it
 * never had their keys. */
static gboolean
member_at (Member * p, guint64 epoch)
{
  return p->joined && epoch >= p->join_epoch && epoch <= p->last_epoch
      && (!p->removed || epoch < p->removed_epoch);
}

/* TRUE when every current member is at the same epoch and shows the same
 * security code; with @report, says who differs. */
static gboolean
members_agree (MeetingMls * m, gboolean report, guint64 * epoch_out)
{
  gboolean agree = TRUE;
  gchar *code0 = NULL;
  guint64 epoch0 = 0;
  guint i;

  g_mutex_lock (&m->lock);
  for (i = 0; i < m->n; i++) {
    Member *p = &m->members[i];
    gchar *code = NULL;
    guint64 epoch = 0;

    if (!p->joined || p->removed || g_atomic_int_get (&p->left))
      continue;
    g_object_get (p->mls, "epoch", &epoch, "security-code", &code, NULL);
    if (code0 == NULL) {
      code0 = g_strdup (code);
      epoch0 = epoch;
    } else if (g_strcmp0 (code, code0) != 0 || epoch != epoch0) {
      if (report)
        g_printerr ("%s ends at epoch %" G_GUINT64_FORMAT " with code %s, "
            "participant0 at %" G_GUINT64_FORMAT " with %s\n", p->identity,
            epoch, code, epoch0, code0);
      agree = FALSE;
    }
    g_free (code);
  }
  g_mutex_unlock (&m->lock);
  agree = agree && code0 != NULL;
  g_free (code0);
  *epoch_out = epoch0;
  return agree;
}

/* Waits until the group is quiet: the delivery service empty and every member
 * at one epoch, twice, PROPOSAL_WAIT apart; FALSE at @end (monotonic µs). A
 * flush alone is not enough: a proposal it delivers makes the host commit up
 * to 50 ms later (its batch), and that commit reaches the members after the
 * flush returned (CI under ASan: members ended at epoch 12, the host at 13). */
#define PROPOSAL_WAIT (200 * G_TIME_SPAN_MILLISECOND)
static gboolean
settle (MeetingMls * m, gint64 end)
{
  guint64 before = G_MAXUINT64, epoch;

  while (g_get_monotonic_time () < end) {
    if (!gst_e2ee_delivery_flush (m->delivery, end - g_get_monotonic_time ()))
      return FALSE;
    if (members_agree (m, FALSE, &epoch)) {
      if (epoch == before)
        return TRUE;
      before = epoch;
    } else {
      before = G_MAXUINT64;
    }
    g_usleep (PROPOSAL_WAIT);
  }
  return FALSE;
}

gboolean
meeting_mls_summary (MeetingMls * m, GString * line)
{
  guint64 removed_decrypted = 0, lost = 0, refused = 0, dropped = 0, epoch;
  gint64 deadline = g_get_monotonic_time () + 60 * G_USEC_PER_SEC;
  gboolean end_equal, ok_run = !m->failed;
  guint i;

  /* No more self-updates; what is on its way is delivered, so every current
   * member ends at the host's epoch. A commit that still comes (a leaver's
   * removal, a late batch) only delays that: the codes are compared again
   * once the group is quiet, and differ only if they stay different. */
  for (i = 0; i < m->n; i++)
    g_object_set (m->members[i].mls, "update-interval", (guint64) 0, NULL);
  for (i = 0, end_equal = FALSE; i < 3 && !end_equal; i++) {
    if (!settle (m, deadline))
      g_printerr ("the group did not settle: members still at different epochs\n");
    end_equal = members_agree (m, FALSE, &epoch);
  }
  if (!end_equal)
    members_agree (m, TRUE, &epoch);

  g_mutex_lock (&m->lock);
  for (i = 0; i < m->n; i++) {
    Member *p = &m->members[i];
    GHashTableIter it;
    gpointer key, value;

    if (!p->joined) {
      g_printerr ("%s never joined\n", p->identity);
      ok_run = FALSE;
    }
    if (p->leaves && !p->removed && p->joined) {
      g_printerr ("%s left but was not removed\n", p->identity);
      ok_run = FALSE;
    }
    if (!p->collected)
      continue;
    /* R: what a removed member decrypted of the epochs from its removal on */
    g_hash_table_iter_init (&it, p->decrypted);
    while (g_hash_table_iter_next (&it, &key, &value))
      if (p->removed && kid_epoch (*(guint64 *) key) >= p->removed_epoch)
        removed_decrypted += *(guint64 *) value;
  }
  /* L: frames owed (sent under an epoch the receiver belonged to) that did not
   * come out of its decryptor: refused, still held, or never arrived */
  {
    GString *detail = g_string_new (NULL);

    owed_missing (m, &lost, &dropped, &refused, detail);
    g_printerr ("%s", detail->str);
    g_string_free (detail, TRUE);
  }
  g_string_append_printf (line, ", epochs %" G_GUINT64_FORMAT ", security codes "
      "equal %s, removed-member frames decrypted %" G_GUINT64_FORMAT
      ", lost to epoch change %" G_GUINT64_FORMAT, m->host_epoch,
      end_equal && !m->codes_differ ? "yes" : "no", removed_decrypted, lost);
  if (lost)
    g_printerr ("lost to epoch change: %" G_GUINT64_FORMAT " frames owed to "
        "members reached their decryptors and were not decrypted, %"
        G_GUINT64_FORMAT " of them refused\n", lost, refused);
  g_print ("frames owed to members (sent under an epoch they belonged to) that "
      "never reached their decryptors: %" G_GUINT64_FORMAT "\n", dropped);
  if (m->bench) {
    gint64 last = 0;
    guint encoders = 0;

    if (m->remove_sent_us && last_switch (m, &last, &encoders))
      g_print ("remove: member-left to Remove commit sent %.1f ms, Remove commit "
          "sent to the last sender on epoch %" G_GUINT64_FORMAT " %.1f ms (%u "
          "encoders)\n", (m->remove_sent_us - m->left_us) / 1000.0,
          m->remove_epoch, (last - m->remove_sent_us) / 1000.0, encoders);
    else {
      g_print ("remove: not measured (the Remove's epoch %" G_GUINT64_FORMAT
          ", %u encoders on it)\n", m->remove_epoch, encoders);
      ok_run = FALSE;
    }
  }
  if (m->bad) {
    gboolean media = bad_input_media (m);

    g_print ("%s; every member decrypted media after it: %s\n", m->bad_report ?
        m->bad_report : "bad input: not submitted", media ? "yes" : "no");
    m->bad_ok = m->bad_ok && media;
  }
  {
    gboolean ok = ok_run && end_equal && !m->codes_differ
        && removed_decrypted == 0 && lost == 0 && (!m->bad || m->bad_ok);

    g_mutex_unlock (&m->lock);
    return ok;
  }
}

/* Before the pipelines stop: no more deliveries, then the agents stop. */
void
meeting_mls_stop (MeetingMls * m)
{
  GstE2eeDelivery *d;
  guint i;

  g_mutex_lock (&m->lock);
  d = m->delivery;
  m->delivery = NULL;
  g_mutex_unlock (&m->lock);
  gst_e2ee_delivery_free (d);
  for (i = 0; i < m->n; i++)
    if (m->members[i].mls)
      gst_element_set_state (m->members[i].mls, GST_STATE_NULL);
}

void
meeting_mls_free (MeetingMls * m)
{
  guint i;

  for (i = 0; i < m->n; i++) {
    Member *p = &m->members[i];

    g_free (p->identity);
    g_clear_pointer (&p->sent, g_hash_table_unref);
    g_clear_pointer (&p->decrypted, g_hash_table_unref);
    g_clear_pointer (&p->refused, g_hash_table_unref);
    g_clear_pointer (&p->arrived, g_hash_table_unref);
    g_array_unref (p->switches[0]);
    g_array_unref (p->switches[1]);
  }
  g_hash_table_unref (m->commit_us);
  g_clear_pointer (&m->first_commit, g_bytes_unref);
  g_clear_pointer (&m->last_commit, g_bytes_unref);
  g_free (m->bad_report);
  g_clear_pointer (&m->bad_check, bad_check_free);
  if (m->events)
    g_array_unref (m->events);
  g_hash_table_unref (m->codes);
  g_mutex_clear (&m->lock);
  g_free (m->members);
  g_free (m);
}
