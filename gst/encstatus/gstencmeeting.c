/* gst-e2ee: one meeting's encryption status, shared by the encstatus elements of a process
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

/* A meeting is a process-wide object looked up by name, not a GstContext: one
 * participant's meeting often spans several pipelines (a send pipeline, a receive
 * pipeline per remote participant, a recorder), and a context lives in one pipeline.
 *
 * Each encstatus element is a member and owns one GstEncStream record here. A stream
 * joins the meeting's status with its first buffer and leaves it at EOS, when its
 * element stops, or when it has been silent longer than its stale-after. */

#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "gstencmeeting.h"

#include <string.h>

GST_DEBUG_CATEGORY_EXTERN (gst_enc_status_debug);
#define GST_CAT_DEFAULT gst_enc_status_debug

/* What an E2EE meeting must not offer, in the services' own lists (Zoom: no join
 * before host, breakout rooms, live streaming, live transcription, polls,
 * phone/SIP/H.323 dial-in, cloud recording; RingCentral: no PSTN dial-in, live
 * transcription, closed captioning, breakout rooms, notes, whiteboard, SIP/H.323).
 * RingCentral lets participants join before the host; that is the one policy choice. */
static const gchar *const restricted_features[] = {
  "cloud-recording", "live-streaming", "live-transcription", "closed-captions",
  "pstn-join", "sip-join", "h323-join", "breakout-rooms", "polls", "notes",
  "whiteboard", "join-before-host", NULL
};

struct _GstEncMeeting
{
  GstObject parent;

  /* everything below under the object lock */
  GPtrArray *streams;           /* of GstEncStream, one per member element */
  gboolean is_host;
  gboolean allow_join_before_host;
  gboolean e2ee_enabled;
  gboolean toggled;             /* the host turned E2EE off or on */

  /* The encryption policy's settings (gst_enc_meeting_set_policy()), if any. */
  gboolean has_policy;
  gboolean host_may_toggle;
  guint max_participants;
  guint allowed_kinds;          /* GstE2eeStreamKinds */
  gboolean local_recording;

  GstE2eeEncryptionLevel level;
  guint n_exceptions;
  GstStructure *status;         /* last published, without the per-change fields */
  guint64 generation;

  GstClockID timer;
  gint64 timer_expiry;

  /* The MLS security code the meeting shows: that of the member whose binding changed
   * last (update_locked()), and whether the user said it compared it. */
  gchar *code;
  gboolean code_confirmed;
  guint64 code_serials;
};

G_DEFINE_TYPE (GstEncMeeting, gst_enc_meeting, GST_TYPE_OBJECT);

static GMutex registry_lock;
static GHashTable *registry;    /* name -> GWeakRef to a GstEncMeeting */

static void
weak_ref_free (gpointer data)
{
  g_weak_ref_clear (data);
  g_free (data);
}

/**
 * gst_enc_meeting_obtain:
 * @name: the meeting's name
 *
 * Returns: (transfer full): the process' meeting called @name, created if needed.
 */
GstEncMeeting *
gst_enc_meeting_obtain (const gchar * name)
{
  GstEncMeeting *m = NULL;
  GWeakRef *w;

  g_return_val_if_fail (name != NULL, NULL);

  g_mutex_lock (&registry_lock);
  if (!registry)
    registry = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, weak_ref_free);
  w = g_hash_table_lookup (registry, name);
  if (w)
    m = g_weak_ref_get (w);
  if (!m) {
    m = g_object_new (GST_TYPE_ENC_MEETING, "name", name, NULL);
    gst_object_ref_sink (m);
    w = g_new0 (GWeakRef, 1);
    g_weak_ref_init (w, m);
    g_hash_table_replace (registry, g_strdup (name), w);
    GST_DEBUG_OBJECT (m, "new meeting");
  }
  g_mutex_unlock (&registry_lock);
  return m;
}

static void
gst_enc_meeting_init (GstEncMeeting * m)
{
  m->streams = g_ptr_array_new ();
  m->e2ee_enabled = TRUE;
  m->level = GST_E2EE_ENCRYPTION_LEVEL_UNENCRYPTED;
}

static void
gst_enc_meeting_finalize (GObject * object)
{
  GstEncMeeting *m = GST_ENC_MEETING (object);
  GWeakRef *w;

  g_mutex_lock (&registry_lock);
  w = registry ? g_hash_table_lookup (registry, GST_OBJECT_NAME (m)) : NULL;
  if (w) {
    GstEncMeeting *current = g_weak_ref_get (w);

    /* A meeting of the same name may have been created while this one was dying. */
    if (current)
      gst_object_unref (current);
    else
      g_hash_table_remove (registry, GST_OBJECT_NAME (m));
  }
  g_mutex_unlock (&registry_lock);

  if (m->timer) {
    gst_clock_id_unschedule (m->timer);
    gst_clock_id_unref (m->timer);
  }
  /* Members hold a reference, so none is left here. */
  g_ptr_array_unref (m->streams);
  if (m->status)
    gst_structure_free (m->status);
  g_free (m->code);

  G_OBJECT_CLASS (gst_enc_meeting_parent_class)->finalize (object);
}

static void
gst_enc_meeting_class_init (GstEncMeetingClass * klass)
{
  G_OBJECT_CLASS (klass)->finalize = gst_enc_meeting_finalize;
}

/* ------------------------------------------------------------------------------------ */
/* Evaluation                                                                           */

static gboolean
is_e2ee_meeting_locked (GstEncMeeting * m)
{
  guint i;

  if (!m->e2ee_enabled)
    return FALSE;
  for (i = 0; i < m->streams->len; i++) {
    GstEncStream *s = g_ptr_array_index (m->streams, i);

    if (s->joined && (s->kind == GST_ENC_STREAM_KIND_E2EE || s->ever_e2ee))
      return TRUE;
  }
  return FALSE;
}

static void
restricted_features_value_locked (GstEncMeeting * m, gboolean e2ee_meeting, GValue * out)
{
  GValue v = G_VALUE_INIT;
  guint i;

  g_value_init (out, GST_TYPE_ARRAY);
  if (!e2ee_meeting)
    return;
  for (i = 0; restricted_features[i]; i++) {
    if (m->allow_join_before_host && g_str_equal (restricted_features[i], "join-before-host"))
      continue;
    g_value_init (&v, G_TYPE_STRING);
    g_value_set_static_string (&v, restricted_features[i]);
    gst_value_array_append_and_take_value (out, &v);
  }
  if (m->has_policy && !m->local_recording) {
    g_value_init (&v, G_TYPE_STRING);
    g_value_set_static_string (&v, "local-recording");
    gst_value_array_append_and_take_value (out, &v);
  }
}

static guint
policy_kind (GstEncStreamKind kind)
{
  switch (kind) {
    case GST_ENC_STREAM_KIND_PSTN:
      return GST_E2EE_STREAM_KINDS_PSTN;
    case GST_ENC_STREAM_KIND_SIP:
      return GST_E2EE_STREAM_KINDS_SIP;
    case GST_ENC_STREAM_KIND_H323:
      return GST_E2EE_STREAM_KINDS_H323;
    case GST_ENC_STREAM_KIND_RTMP:
      return GST_E2EE_STREAM_KINDS_RTMP;
    default:
      return 0;
  }
}

/* Whether @s is a participant beyond the policy's cap: participants are counted by
 * stream name (one participant's audio and video are one), in the order they joined
 * the meeting's element list. */
static gboolean
over_cap_locked (GstEncMeeting * m, GstEncStream * s)
{
  guint i, j, n = 0;

  for (i = 0; i < m->streams->len; i++) {
    GstEncStream *o = g_ptr_array_index (m->streams, i);
    gboolean seen = FALSE;

    if (!o->joined)
      continue;
    for (j = 0; j < i && !seen; j++) {
      GstEncStream *p = g_ptr_array_index (m->streams, j);

      seen = p->joined && g_strcmp0 (p->name, o->name) == 0;
    }
    if (!seen)
      n++;
    if (g_strcmp0 (o->name, s->name) == 0)
      return n > m->max_participants;
  }
  return FALSE;
}

/* In an E2EE meeting under a policy: a kind the policy does not allow is refused,
 * one it allows is no exception for what it is; so is a participant beyond the cap. */
static void
apply_policy_locked (GstEncMeeting * m, GstEncStream * s)
{
  guint kind = policy_kind (s->kind);

  if (kind != 0 && (m->allowed_kinds & kind))
    s->restricted = NULL;
  else if (s->restricted)
    s->refused = TRUE;
  s->over_cap = over_cap_locked (m, s);
  s->refused |= s->over_cap;
}

static void
append_reason_locked (GstEncStream * s, const gchar * format, ...) G_GNUC_PRINTF (2, 3);

static void
append_reason_locked (GstEncStream * s, const gchar * format, ...)
{
  va_list args;
  gchar *part, *r;

  va_start (args, format);
  part = g_strdup_vprintf (format, args);
  va_end (args);
  r = g_strdup_printf ("%s%s%s", s->reason && *s->reason ? s->reason : "",
      s->reason && *s->reason ? "; " : "", part);
  g_free (s->reason);
  s->reason = r;
  g_free (part);
}

/* The code of the member whose binding changed last: every member bound to the one
 * group reports the same code, and a member removed from it reports none. */
static const gchar *
current_code_locked (GstEncMeeting * m)
{
  const GstEncStream *latest = NULL;
  guint i;

  for (i = 0; i < m->streams->len; i++) {
    const GstEncStream *s = g_ptr_array_index (m->streams, i);

    if (s->code_bound && (!latest || s->code_serial > latest->code_serial))
      latest = s;
  }
  return latest ? latest->security_code : NULL;
}

/* What an E2EE meeting says about its code: `not-compared` until the user confirms
 * the current one. */
static const gchar *
code_status_locked (GstEncMeeting * m, gboolean e2ee_meeting)
{
  if (!e2ee_meeting || !m->code)
    return "none";
  return m->code_confirmed ? "compared" : "not-compared";
}

/* Re-evaluates the meeting. Returns the `encstatus` message structure to post when the
 * status changed, NULL otherwise. */
static GstStructure *
update_locked (GstEncMeeting * m, GstEncStream * changed, const gchar * cause)
{
  GstE2eeEncryptionLevel level, previous = m->level;
  gboolean all_e2ee = TRUE, all_encrypted = TRUE, all_unencrypted = TRUE;
  gboolean e2ee_meeting;
  guint i, n = 0, n_exc = 0;
  GValue exceptions = G_VALUE_INIT, v = G_VALUE_INIT, features = G_VALUE_INIT;
  GstStructure *status, *msg;
  const gchar *code;

  for (i = 0; i < m->streams->len; i++) {
    GstEncStream *s = g_ptr_array_index (m->streams, i);

    if (!s->joined)
      continue;
    if (gst_enc_stream_evaluate (s, m->e2ee_enabled)) {
      s->downgrades++;
      if (s == changed)
        cause = "downgrade";
    }
    n++;
    all_e2ee &= s->level == GST_E2EE_ENCRYPTION_LEVEL_E2EE;
    all_encrypted &= s->level <= GST_E2EE_ENCRYPTION_LEVEL_ENCRYPTED;
    all_unencrypted &= s->level == GST_E2EE_ENCRYPTION_LEVEL_UNENCRYPTED;
  }

  if (n == 0 || all_unencrypted)
    level = GST_E2EE_ENCRYPTION_LEVEL_UNENCRYPTED;
  else if (all_e2ee)
    level = GST_E2EE_ENCRYPTION_LEVEL_E2EE;
  else if (all_encrypted)
    level = GST_E2EE_ENCRYPTION_LEVEL_ENCRYPTED;
  else
    level = GST_E2EE_ENCRYPTION_LEVEL_PARTIALLY_ENCRYPTED;

  e2ee_meeting = is_e2ee_meeting_locked (m);

  code = current_code_locked (m);
  if (g_strcmp0 (code, m->code) != 0) {
    g_free (m->code);
    m->code = g_strdup (code);
    /* a confirmation is for one code: the next epoch's is compared anew */
    m->code_confirmed = FALSE;
    cause = "security-code-changed";
  }

  /* The exceptions: the streams keeping the meeting from the next level up, and in
   * an E2EE meeting every stream offering what such a meeting must not. */
  g_value_init (&exceptions, GST_TYPE_ARRAY);
  for (i = 0; i < m->streams->len; i++) {
    GstEncStream *s = g_ptr_array_index (m->streams, i);
    gboolean holds_back;

    s->refused = s->over_cap = FALSE;
    if (!s->joined)
      continue;
    if (e2ee_meeting)
      s->restricted = gst_enc_stream_kind_restricted_feature (s->kind);
    if (e2ee_meeting && m->has_policy)
      apply_policy_locked (m, s);
    switch (level) {
      case GST_E2EE_ENCRYPTION_LEVEL_ENCRYPTED:
        holds_back = s->level != GST_E2EE_ENCRYPTION_LEVEL_E2EE;
        break;
      case GST_E2EE_ENCRYPTION_LEVEL_PARTIALLY_ENCRYPTED:
        holds_back = s->level > GST_E2EE_ENCRYPTION_LEVEL_ENCRYPTED;
        break;
      case GST_E2EE_ENCRYPTION_LEVEL_UNENCRYPTED:
        holds_back = TRUE;
        break;
      default:
        holds_back = FALSE;
        break;
    }
    if (!holds_back && !s->restricted && !s->refused)
      continue;
    if (s->restricted && s->refused)
      append_reason_locked (s, "%s is not allowed in an E2EE meeting by the policy "
          "(allowed-stream-kinds)", s->restricted);
    else if (s->restricted)
      append_reason_locked (s, "%s is not available in an E2EE meeting", s->restricted);
    if (s->over_cap)
      append_reason_locked (s, "over the policy's max-e2ee-participants (%u)",
          m->max_participants);
    g_value_init (&v, GST_TYPE_STRUCTURE);
    g_value_take_boxed (&v, gst_enc_stream_exception (s));
    gst_value_array_append_and_take_value (&exceptions, &v);
    n_exc++;
  }

  restricted_features_value_locked (m, e2ee_meeting, &features);

  status = gst_structure_new ("encstatus",
      "meeting", G_TYPE_STRING, GST_OBJECT_NAME (m),
      "status", GST_TYPE_E2EE_ENCRYPTION_LEVEL, level,
      "e2ee-enabled", G_TYPE_BOOLEAN, m->e2ee_enabled,
      "e2ee-meeting", G_TYPE_BOOLEAN, e2ee_meeting,
      "streams", G_TYPE_UINT, n, NULL);
  gst_structure_take_value (status, "exceptions", &exceptions);
  gst_structure_take_value (status, "restricted-features", &features);
  gst_structure_set (status,
      "security-code", G_TYPE_STRING, m->code,
      "code-confirmed", G_TYPE_BOOLEAN, m->code && m->code_confirmed,
      "code-status", G_TYPE_STRING, code_status_locked (m, e2ee_meeting), NULL);

  m->level = level;
  m->n_exceptions = n_exc;

  if (m->status && gst_structure_is_equal (m->status, status)) {
    gst_structure_free (status);
    return NULL;
  }

  if (m->status)
    gst_structure_free (m->status);
  m->status = status;
  m->generation++;

  msg = gst_structure_copy (status);
  gst_structure_set (msg,
      "previous-status", GST_TYPE_E2EE_ENCRYPTION_LEVEL, previous,
      "changed-stream", G_TYPE_STRING, changed ? changed->name : "",
      "reason", G_TYPE_STRING, cause,
      "generation", G_TYPE_UINT64, m->generation, NULL);
  GST_INFO_OBJECT (m, "status changed: %" GST_PTR_FORMAT, msg);
  return msg;
}

/* ------------------------------------------------------------------------------------ */
/* Telling the members                                                                  */

static GPtrArray *
members_locked (GstEncMeeting * m)
{
  GPtrArray *a = g_ptr_array_new_with_free_func (gst_object_unref);
  guint i;

  for (i = 0; i < m->streams->len; i++) {
    GstEncStream *s = g_ptr_array_index (m->streams, i);
    GstElement *e = g_weak_ref_get (&s->element);

    if (e)
      g_ptr_array_add (a, e);
  }
  return a;
}

static GPtrArray *
members (GstEncMeeting * m)
{
  GPtrArray *a;

  GST_OBJECT_LOCK (m);
  a = members_locked (m);
  GST_OBJECT_UNLOCK (m);
  return a;
}

static GstObject *
toplevel (GstElement * e)
{
  GstObject *o = gst_object_ref (GST_OBJECT (e)), *p;

  while ((p = gst_object_get_parent (o))) {
    gst_object_unref (o);
    o = p;
  }
  return o;
}

/* Posts @msg once on each pipeline holding members (not once per member: a pipeline
 * with ten encstatus elements of the same meeting gets one message per change), and
 * notifies every member's properties. Never called with a lock held. */
static void
publish (GstEncMeeting * m, GstStructure * msg)
{
  GPtrArray *elements, *tops;
  GstE2eeEncryptionLevel level, previous;
  const gchar *reason;
  gboolean code_changed;
  guint i;

  if (!msg)
    return;

  reason = gst_structure_get_string (msg, "reason");
  code_changed = g_strcmp0 (reason, "security-code-changed") == 0
      || g_strcmp0 (reason, "code-confirmed") == 0;

  gst_structure_get_enum (msg, "status", GST_TYPE_E2EE_ENCRYPTION_LEVEL, (gint *) & level);
  gst_structure_get_enum (msg, "previous-status", GST_TYPE_E2EE_ENCRYPTION_LEVEL,
      (gint *) & previous);

  elements = members (m);
  tops = g_ptr_array_new_with_free_func (gst_object_unref);
  for (i = 0; i < elements->len; i++) {
    GstElement *e = g_ptr_array_index (elements, i);
    GstObject *top = toplevel (e);

    if (!g_ptr_array_find (tops, top, NULL)) {
      g_ptr_array_add (tops, top);
      gst_element_post_message (e, gst_message_new_element (GST_OBJECT (e),
              gst_structure_copy (msg)));
    } else {
      gst_object_unref (top);
    }
    if (level != previous)
      g_object_notify (G_OBJECT (e), "status");
    g_object_notify (G_OBJECT (e), "exceptions");
    if (code_changed) {
      g_object_notify (G_OBJECT (e), "security-code");
      g_object_notify (G_OBJECT (e), "code-confirmed");
    }
  }
  g_ptr_array_unref (tops);
  g_ptr_array_unref (elements);
  gst_structure_free (msg);
}

/* ------------------------------------------------------------------------------------ */
/* Silence                                                                              */

static void schedule_locked (GstEncMeeting * m);

static gboolean
stale_timer_cb (GstClock * clock, GstClockTime time, GstClockID id, gpointer user_data)
{
  GstEncMeeting *m = g_weak_ref_get (user_data);
  GSList *msgs = NULL, *l;
  gint64 now = g_get_monotonic_time ();
  guint i;

  if (!m)
    return TRUE;

  GST_OBJECT_LOCK (m);
  if (m->timer != id) {
    GST_OBJECT_UNLOCK (m);
    gst_object_unref (m);
    return TRUE;
  }
  gst_clock_id_unref (m->timer);
  m->timer = NULL;

  for (i = 0; i < m->streams->len; i++) {
    GstEncStream *s = g_ptr_array_index (m->streams, i);

    if (!s->joined || !s->stale_after)
      continue;
    if (s->last_seen + (gint64) (s->stale_after / GST_USECOND) > now)
      continue;
    GST_INFO_OBJECT (m, "stream '%s' silent for %" GST_TIME_FORMAT ": dropping it",
        s->name, GST_TIME_ARGS (s->stale_after));
    s->joined = FALSE;
    s->e2ee_since_toggle = FALSE;
    msgs = g_slist_prepend (msgs, update_locked (m, s, "stream-stale"));
  }
  schedule_locked (m);
  GST_OBJECT_UNLOCK (m);

  msgs = g_slist_reverse (msgs);
  for (l = msgs; l; l = l->next)
    publish (m, l->data);
  g_slist_free (msgs);
  gst_object_unref (m);
  return TRUE;
}

/* Keeps one clock entry, for the earliest moment a stream can go stale. Buffers only
 * push that moment later, so they never reschedule: the callback does. */
static void
schedule_locked (GstEncMeeting * m)
{
  gint64 expiry = G_MAXINT64, now;
  GstClock *clock;
  GWeakRef *w;
  guint i;

  for (i = 0; i < m->streams->len; i++) {
    GstEncStream *s = g_ptr_array_index (m->streams, i);

    if (s->joined && s->stale_after)
      expiry = MIN (expiry, s->last_seen + (gint64) (s->stale_after / GST_USECOND));
  }

  if (m->timer && expiry != G_MAXINT64 && m->timer_expiry <= expiry)
    return;
  if (m->timer) {
    gst_clock_id_unschedule (m->timer);
    gst_clock_id_unref (m->timer);
    m->timer = NULL;
  }
  if (expiry == G_MAXINT64)
    return;

  /* No reference to the clock is kept: the last one must not go from the clock's own
   * thread (this callback's), or the clock would join itself. */
  clock = gst_system_clock_obtain ();
  now = g_get_monotonic_time ();
  m->timer_expiry = expiry;
  m->timer = gst_clock_new_single_shot_id (clock, gst_clock_get_time (clock) +
      (expiry > now ? (expiry - now) * GST_USECOND : 0));
  gst_object_unref (clock);
  w = g_new0 (GWeakRef, 1);
  g_weak_ref_init (w, m);
  if (gst_clock_id_wait_async (m->timer, stale_timer_cb, w, weak_ref_free) != GST_CLOCK_OK) {
    GST_WARNING_OBJECT (m, "could not schedule the stale-stream timer");
    gst_clock_id_unref (m->timer);
    m->timer = NULL;
  }
}

/* ------------------------------------------------------------------------------------ */
/* Members                                                                              */

GstEncStream *
gst_enc_meeting_add_member (GstEncMeeting * m, GstElement * member)
{
  GstEncStream *s = gst_enc_stream_new (member);

  GST_OBJECT_LOCK (m);
  g_ptr_array_add (m->streams, s);
  GST_OBJECT_UNLOCK (m);
  return s;
}

static GstStructure *
leave_locked (GstEncMeeting * m, GstEncStream * s, const gchar * reason)
{
  GstStructure *msg;

  if (!s->joined)
    return NULL;
  s->joined = FALSE;
  s->e2ee_since_toggle = FALSE;
  memset (&s->obs, 0, sizeof (s->obs));
  msg = update_locked (m, s, reason);
  schedule_locked (m);
  return msg;
}

void
gst_enc_meeting_remove_member (GstEncMeeting * m, GstEncStream * s)
{
  GstStructure *msg;

  GST_OBJECT_LOCK (m);
  msg = leave_locked (m, s, "stream-left");
  g_ptr_array_remove (m->streams, s);
  if (s->code_bound && !msg)
    msg = update_locked (m, NULL, "security-code-changed");
  GST_OBJECT_UNLOCK (m);
  publish (m, msg);
  gst_enc_stream_free (s);
}

void
gst_enc_meeting_leave (GstEncMeeting * m, GstEncStream * s, const gchar * reason)
{
  GstStructure *msg;

  GST_OBJECT_LOCK (m);
  msg = leave_locked (m, s, reason);
  GST_OBJECT_UNLOCK (m);
  publish (m, msg);
}

void
gst_enc_meeting_configure_stream (GstEncMeeting * m, GstEncStream * s, const gchar * name,
    GstEncStreamKind kind, GstClockTime stale_after)
{
  GstStructure *msg = NULL;
  gboolean changed;

  GST_OBJECT_LOCK (m);
  changed = g_strcmp0 (s->name, name) != 0 || s->kind != kind;
  if (g_strcmp0 (s->name, name) != 0) {
    g_free (s->name);
    s->name = g_strdup (name);
  }
  s->kind = kind;
  if (s->stale_after != stale_after) {
    s->stale_after = stale_after;
    schedule_locked (m);
  }
  if (changed && s->joined)
    msg = update_locked (m, s, "stream-changed");
  GST_OBJECT_UNLOCK (m);
  publish (m, msg);
}

/* The per-buffer path: one lock, and a re-evaluation only when what the stream's
 * buffers carry changes. */
void
gst_enc_meeting_observe (GstEncMeeting * m, GstEncStream * s, const GstEncObservation * obs,
    GstEncSnapshot * snap)
{
  GstStructure *msg = NULL;
  const gchar *cause = NULL;

  GST_OBJECT_LOCK (m);
  s->buffers++;
  if (obs->e2ee)
    s->e2ee_buffers++;
  else if (obs->transport)
    s->transport_buffers++;
  else
    s->plain_buffers++;
  s->last_seen = g_get_monotonic_time ();

  if (!s->joined) {
    s->joined = TRUE;
    cause = "stream-joined";
  } else if (!gst_enc_observation_equal (&s->obs, obs)) {
    cause = "stream-changed";
  }
  s->obs = *obs;
  if (obs->e2ee) {
    s->ever_e2ee = TRUE;
    s->e2ee_since_toggle = TRUE;
  }
  if (cause) {
    msg = update_locked (m, s, cause);
    if (g_str_equal (cause, "stream-joined"))
      schedule_locked (m);
  }

  snap->meeting_level = m->level;
  snap->stream_level = s->level;
  snap->n_exceptions = m->n_exceptions;
  snap->downgraded = s->downgraded;
  snap->refused = s->refused;
  snap->generation = m->generation;
  GST_OBJECT_UNLOCK (m);

  publish (m, msg);
}

/* ------------------------------------------------------------------------------------ */
/* Queries and settings                                                                 */

GstE2eeEncryptionLevel
gst_enc_meeting_get_level (GstEncMeeting * m)
{
  GstE2eeEncryptionLevel level;

  GST_OBJECT_LOCK (m);
  level = m->level;
  GST_OBJECT_UNLOCK (m);
  return level;
}

/* Copies the exceptions into @array, an initialized GST_TYPE_ARRAY value. */
void
gst_enc_meeting_get_exceptions (GstEncMeeting * m, GValue * array)
{
  const GValue *v;

  GST_OBJECT_LOCK (m);
  v = m->status ? gst_structure_get_value (m->status, "exceptions") : NULL;
  if (v)
    g_value_copy (v, array);
  GST_OBJECT_UNLOCK (m);
}

gchar **
gst_enc_meeting_dup_restricted_features (GstEncMeeting * m)
{
  GValue features = G_VALUE_INIT;
  gchar **strv;
  guint i, n;

  GST_OBJECT_LOCK (m);
  restricted_features_value_locked (m, is_e2ee_meeting_locked (m), &features);
  GST_OBJECT_UNLOCK (m);

  n = gst_value_array_get_size (&features);
  strv = g_new0 (gchar *, n + 1);
  for (i = 0; i < n; i++)
    strv[i] = g_value_dup_string (gst_value_array_get_value (&features, i));
  g_value_unset (&features);
  return strv;
}

GstStructure *
gst_enc_meeting_get_stats (GstEncMeeting * m, GstEncStream * s)
{
  GstStructure *st;
  guint i, n = 0;

  GST_OBJECT_LOCK (m);
  for (i = 0; i < m->streams->len; i++)
    n += ((GstEncStream *) g_ptr_array_index (m->streams, i))->joined;
  st = gst_structure_new ("encstatus-stats",
      "meeting", G_TYPE_STRING, GST_OBJECT_NAME (m),
      "meeting-status", GST_TYPE_E2EE_ENCRYPTION_LEVEL, m->level,
      "streams", G_TYPE_UINT, n,
      "generation", G_TYPE_UINT64, m->generation,
      "stream", G_TYPE_STRING, s->name,
      "joined", G_TYPE_BOOLEAN, s->joined,
      "stream-status", GST_TYPE_E2EE_ENCRYPTION_LEVEL, s->level,
      "downgraded", G_TYPE_BOOLEAN, s->downgraded,
      "buffers", G_TYPE_UINT64, s->buffers,
      "e2ee-buffers", G_TYPE_UINT64, s->e2ee_buffers,
      "transport-buffers", G_TYPE_UINT64, s->transport_buffers,
      "plain-buffers", G_TYPE_UINT64, s->plain_buffers,
      "downgrades", G_TYPE_UINT64, s->downgrades, NULL);
  GST_OBJECT_UNLOCK (m);
  return st;
}

void
gst_enc_meeting_set_is_host (GstEncMeeting * m, gboolean is_host)
{
  GST_OBJECT_LOCK (m);
  m->is_host = is_host;
  GST_OBJECT_UNLOCK (m);
}

gboolean
gst_enc_meeting_get_is_host (GstEncMeeting * m)
{
  gboolean ret;

  GST_OBJECT_LOCK (m);
  ret = m->is_host;
  GST_OBJECT_UNLOCK (m);
  return ret;
}

void
gst_enc_meeting_set_allow_join_before_host (GstEncMeeting * m, gboolean allow)
{
  GstStructure *msg;

  GST_OBJECT_LOCK (m);
  m->allow_join_before_host = allow;
  msg = update_locked (m, NULL, "policy-changed");
  GST_OBJECT_UNLOCK (m);
  publish (m, msg);
}

gboolean
gst_enc_meeting_get_allow_join_before_host (GstEncMeeting * m)
{
  gboolean ret;

  GST_OBJECT_LOCK (m);
  ret = m->allow_join_before_host;
  GST_OBJECT_UNLOCK (m);
  return ret;
}

/* The policy's settings for the meeting, from gst_e2ee_resolved_policy_get_settings(),
 * or NULL for none: the last element to start or reload sets them for all. E2EE
 * starts as e2ee-default says until the host toggles it. */
void
gst_enc_meeting_set_policy (GstEncMeeting * m, const GstStructure * settings)
{
  GstStructure *msg;
  gboolean e2ee_default = TRUE;

  GST_OBJECT_LOCK (m);
  m->has_policy = settings != NULL;
  if (settings) {
    gst_structure_get (settings, "e2ee-default", G_TYPE_BOOLEAN, &e2ee_default,
        "host-may-toggle-e2ee", G_TYPE_BOOLEAN, &m->host_may_toggle,
        "max-e2ee-participants", G_TYPE_UINT, &m->max_participants,
        "local-recording", G_TYPE_BOOLEAN, &m->local_recording, NULL);
    gst_structure_get_flags (settings, "allowed-stream-kinds",
        GST_TYPE_E2EE_STREAM_KINDS, &m->allowed_kinds);
    if (!m->toggled)
      m->e2ee_enabled = e2ee_default;
  }
  msg = update_locked (m, NULL, "policy-changed");
  GST_OBJECT_UNLOCK (m);
  publish (m, msg);
}

gboolean
gst_enc_meeting_get_e2ee_enabled (GstEncMeeting * m)
{
  gboolean ret;

  GST_OBJECT_LOCK (m);
  ret = m->e2ee_enabled;
  GST_OBJECT_UNLOCK (m);
  return ret;
}

static void
set_encoders_enabled (GstBin * bin, gboolean enable)
{
  GstIterator *it = gst_bin_iterate_recurse (bin);
  GValue item = G_VALUE_INIT;
  gboolean done = FALSE;

  while (!done) {
    switch (gst_iterator_next (it, &item)) {
      case GST_ITERATOR_OK:{
        GstElement *e = g_value_get_object (&item);
        GstElementFactory *f = gst_element_get_factory (e);

        if (f && g_str_equal (GST_OBJECT_NAME (f), "e2eeenc")
            && g_object_class_find_property (G_OBJECT_GET_CLASS (e), "enabled")) {
          GST_INFO_OBJECT (bin, "%s %" GST_PTR_FORMAT,
              enable ? "enabling" : "disabling", e);
          g_object_set (e, "enabled", enable, NULL);
        }
        g_value_reset (&item);
        break;
      }
      case GST_ITERATOR_RESYNC:
        /* setting a boolean twice is harmless */
        gst_iterator_resync (it);
        break;
      default:
        done = TRUE;
        break;
    }
  }
  g_value_unset (&item);
  gst_iterator_free (it);
}

static void
post_request_message (GstElement * requester, GstEncMeeting * m, gboolean enable,
    gboolean accepted, gboolean enabled_now, const gchar * reason)
{
  gst_element_post_message (requester, gst_message_new_element (GST_OBJECT (requester),
          gst_structure_new ("encstatus-e2ee-request",
              "meeting", G_TYPE_STRING, GST_OBJECT_NAME (m),
              "enable", G_TYPE_BOOLEAN, enable,
              "accepted", G_TYPE_BOOLEAN, accepted,
              "reason", G_TYPE_STRING, reason,
              "e2ee-enabled", G_TYPE_BOOLEAN, enabled_now, NULL)));
}

gboolean
gst_enc_meeting_request_e2ee (GstEncMeeting * m, GstElement * requester, gboolean enable)
{
  GstStructure *msg = NULL;
  GPtrArray *elements, *tops;
  gboolean is_host, changed, enabled_now, by_policy;
  guint i;

  GST_OBJECT_LOCK (m);
  is_host = m->is_host;
  enabled_now = m->e2ee_enabled;
  /* The policy's host-may-toggle-e2ee=false takes the switch from the host too. */
  by_policy = is_host && m->has_policy && !m->host_may_toggle;
  changed = is_host && !by_policy && m->e2ee_enabled != enable;
  if (changed) {
    m->toggled = TRUE;
    m->e2ee_enabled = enable;
    enabled_now = enable;
    /* Until a stream's first E2EE buffer after the toggle, plaintext from it is the
     * toggle taking effect, not a downgrade. */
    for (i = 0; i < m->streams->len; i++)
      ((GstEncStream *) g_ptr_array_index (m->streams, i))->e2ee_since_toggle = FALSE;
    msg = update_locked (m, NULL, "e2ee-toggled");
  }
  elements = is_host && !by_policy ? members_locked (m) : NULL;
  GST_OBJECT_UNLOCK (m);

  if (by_policy) {
    GST_ELEMENT_WARNING_WITH_DETAILS (requester, RESOURCE, SETTINGS,
        ("Refusing to turn E2EE %s in meeting '%s': the policy's host-may-toggle-e2ee "
            "is false", enable ? "on" : "off", GST_OBJECT_NAME (m)), (NULL),
        ("e2ee-policy", G_TYPE_STRING, "refused", "setting", G_TYPE_STRING, "host-may-toggle-e2ee", NULL));
    post_request_message (requester, m, enable, FALSE, enabled_now, "policy");
    return FALSE;
  }

  if (!is_host) {
    GST_WARNING_OBJECT (requester, "refusing to turn E2EE %s in meeting '%s': only the "
        "host may (set is-host=true on the host's encstatus)", enable ? "on" : "off",
        GST_OBJECT_NAME (m));
    post_request_message (requester, m, enable, FALSE, enabled_now, "not-host");
    return FALSE;
  }

  GST_INFO_OBJECT (requester, "host turns E2EE %s in meeting '%s'", enable ? "on" : "off",
      GST_OBJECT_NAME (m));

  /* Encoders first, so the status message that follows describes what is sent. */
  tops = g_ptr_array_new_with_free_func (gst_object_unref);
  for (i = 0; i < elements->len; i++) {
    GstElement *e = g_ptr_array_index (elements, i);
    GstObject *top = toplevel (e);
    gboolean toggle_encoders = FALSE;

    g_object_get (e, "toggle-encoders", &toggle_encoders, NULL);
    if (toggle_encoders && GST_IS_BIN (top) && !g_ptr_array_find (tops, top, NULL)) {
      set_encoders_enabled (GST_BIN (top), enable);
      g_ptr_array_add (tops, top);
    } else {
      gst_object_unref (top);
    }
  }
  g_ptr_array_unref (tops);

  post_request_message (requester, m, enable, TRUE, enabled_now, "accepted");
  if (changed) {
    for (i = 0; i < elements->len; i++)
      g_signal_emit_by_name (g_ptr_array_index (elements, i), "e2ee-toggled", enable);
  }
  g_ptr_array_unref (elements);
  publish (m, msg);
  return TRUE;
}

/* ------------------------------------------------------------------------------------ */
/* The security code                                                                    */

/* What @stream's element reads from the MLS binding it follows: @bound FALSE when it
 * follows none, @code NULL when the binding has no current epoch (removed). */
void
gst_enc_meeting_set_security_code (GstEncMeeting * m, GstEncStream * s, gboolean bound,
    const gchar * code)
{
  GstStructure *msg = NULL;

  GST_OBJECT_LOCK (m);
  if (s->code_bound != bound || g_strcmp0 (s->security_code, code) != 0) {
    s->code_bound = bound;
    g_free (s->security_code);
    s->security_code = bound ? g_strdup (code) : NULL;
    s->code_serial = ++m->code_serials;
    msg = update_locked (m, NULL, "security-code-changed");
  }
  GST_OBJECT_UNLOCK (m);
  publish (m, msg);
}

gchar *
gst_enc_meeting_dup_security_code (GstEncMeeting * m, gboolean * confirmed,
    const gchar ** code_status)
{
  gchar *code;

  GST_OBJECT_LOCK (m);
  code = g_strdup (m->code);
  if (confirmed)
    *confirmed = m->code && m->code_confirmed;
  if (code_status)
    *code_status = code_status_locked (m, is_e2ee_meeting_locked (m));
  GST_OBJECT_UNLOCK (m);
  return code;
}

/* The same digits, ignoring the spaces between the groups (people type them either
 * way). The code is public within the meeting: no constant-time comparison needed. */
static gboolean
same_code (const gchar * a, const gchar * b)
{
  while (*a || *b) {
    if (*a == ' ') {
      a++;
    } else if (*b == ' ') {
      b++;
    } else if (*a != *b) {
      return FALSE;
    } else {
      a++;
      b++;
    }
  }
  return TRUE;
}

gboolean
gst_enc_meeting_confirm_code (GstEncMeeting * m, const gchar * code)
{
  GstStructure *msg = NULL;
  gboolean ok;

  GST_OBJECT_LOCK (m);
  ok = code && m->code && same_code (code, m->code);
  if (ok && !m->code_confirmed) {
    m->code_confirmed = TRUE;
    msg = update_locked (m, NULL, "code-confirmed");
  }
  GST_OBJECT_UNLOCK (m);
  publish (m, msg);
  return ok;
}
