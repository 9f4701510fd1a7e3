/* gst-e2ee: encstatus, the meeting's encryption indicator
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

/**
 * SECTION:element-encstatus
 * @title: encstatus
 * @short_description: the meeting's encryption status (lock / green / orange shield)
 *
 * Users of an end-to-end encrypted meeting look at one thing: the shield. A lock when
 * the meeting is end-to-end encrypted, a green shield with a check mark when everything
 * is encrypted but not end to end, an orange shield with an exclamation point when
 * something is only partially encrypted, with an "Exceptions" list naming the
 * connections responsible. encstatus computes and shows exactly that.
 *
 * Put one encstatus on each stream of interest: it passes any caps unchanged. All
 * encstatus elements of a process with the same #GstEncStatus:meeting aggregate into
 * one meeting status (even across pipelines), each stream named by
 * #GstEncStatus:stream-name. A stream joins the status with its first buffer and
 * leaves it at EOS, when its element stops, or after #GstEncStatus:stale-after of
 * silence.
 *
 * A stream's level comes from its last buffer: #GstE2eeMeta with authenticated=TRUE
 * (put by e2eedec) makes it end to end, and so does #GstE2eeSenderMeta (put by e2eeenc
 * on what it encrypted) on a buffer without #GstE2eeMeta: a sender's own outgoing
 * stream, with encstatus after e2eeenc. A buffer with #GstE2eeMeta is judged by it
 * alone, so a received stream still needs e2eedec's authenticated meta.
 * #GstE2eeTransportMeta (put by srtpguard) gives
 * its hop's media encryption, signaling encryption and TLS certificate; for buffers
 * carrying neither, #GstEncStatus:stream-kind says what the stream is. Phone, SIP,
 * H.323, RTMP and recording streams are never end to end: the gateway or the service
 * holds their media. H.323 never has encrypted signaling.
 *
 * The meeting's level is `e2ee` when every stream is end to end, `encrypted` when every
 * stream has encrypted media and signaling with a valid TLS certificate, `unencrypted`
 * when no stream is encrypted at all, and `partially-encrypted` otherwise.
 *
 * A stream that carried end-to-end encrypted buffers and then passes one that is not
 * while the meeting's E2EE is on is downgraded at once: it counts as
 * partially encrypted, and the `encstatus` message says `reason=downgrade`. It is
 * upgraded again by its next end-to-end buffer.
 *
 * ## E2EE meetings
 *
 * A meeting is an E2EE meeting while E2EE is on (#GstEncStatus:e2ee-enabled, %TRUE
 * until the host turns it off) and at least one of its streams is declared `e2ee` or
 * has carried end-to-end buffers. #GstEncStatus:restricted-features then lists what
 * such a meeting must not offer, and streams declared `pstn`, `sip`, `h323`, `rtmp`
 * or `recording` are flagged in the exceptions with the feature they stand for.
 *
 * Only the host may turn E2EE off and on during the meeting: set
 * #GstEncStatus:is-host on the host's side and emit #GstEncStatus::request-e2ee. A
 * request from a non-host is refused. An accepted request sets `enabled` on every
 * e2eeenc in the pipelines holding the meeting's encstatus elements (unless
 * #GstEncStatus:toggle-encoders is %FALSE) and emits #GstEncStatus::e2ee-toggled on
 * every encstatus of the meeting, for encoders elsewhere and for telling the other
 * participants. No pipeline restarts.
 *
 * ## Security code
 *
 * In a meeting keyed by an MLS group, encstatus shows the group's security code
 * (#GstEncStatus:security-code): it follows the #GstE2eeMlsKeys binding of its
 * #GstEncStatus:key-store (or of the pipeline's store, shared through the
 * `gst.e2ee.keystore` context) and reads the code again at every epoch. The user says
 * they compared it with #GstEncStatus::confirm-code; #GstEncStatus:code-confirmed is
 * reset at every new code. An E2EE meeting whose code is not confirmed says so:
 * `code-status` is `not-compared` in its message, and the overlay says
 * "code not compared" under the code.
 *
 * ## Overlay
 *
 * With #GstEncStatus:overlay on raw video, encstatus draws the shield in
 * #GstEncStatus:corner: a green shield with a white lock (`e2ee`) or check mark
 * (`encrypted`), an orange shield with a white exclamation point otherwise. It attaches
 * a #GstVideoOverlayCompositionMeta when downstream supports it, and otherwise blends
 * the shield into the frame, so it works with any raw format and any video sink. The
 * security code, if any, goes under the shield.
 *
 * ## Messages
 *
 * On every change of the meeting's status, encstatus posts an element message named
 * `encstatus`, once per pipeline holding the meeting's elements, with the fields:
 *
 * * `meeting` (#gchararray): the meeting's name
 * * `status` (#GstE2eeEncryptionLevel): the meeting's level
 * * `previous-status` (#GstE2eeEncryptionLevel): the level before this change
 * * `streams` (#guint): the number of streams in the status
 * * `exceptions` (#GstValueArray of #GstStructure): as #GstEncStatus:exceptions
 * * `e2ee-enabled` (#gboolean): the host's E2EE setting
 * * `e2ee-meeting` (#gboolean): whether E2EE meeting rules apply
 * * `restricted-features` (#GstValueArray of #gchararray): as
 *   #GstEncStatus:restricted-features
 * * `security-code` (#gchararray): as #GstEncStatus:security-code, %NULL without one
 * * `code-confirmed` (#gboolean): as #GstEncStatus:code-confirmed
 * * `code-status` (#gchararray): in an E2EE meeting with a code, `not-compared` until
 *   the user confirms it, `compared` after; `none` otherwise
 * * `changed-stream` (#gchararray): the stream whose change caused this message, or
 *   an empty string for meeting-wide changes
 * * `reason` (#gchararray): what changed: `stream-joined`, `stream-changed`,
 *   `downgrade`, `stream-left`, `stream-ended`, `stream-stale`, `e2ee-toggled`,
 *   `policy-changed`, `security-code-changed` or `code-confirmed`
 * * `generation` (#guint64): grows by one with every change; messages from streaming
 *   threads of different streams may arrive out of order, the highest generation is
 *   the current status
 *
 * After each #GstEncStatus::request-e2ee it posts an element message named
 * `encstatus-e2ee-request` with the fields:
 *
 * * `meeting` (#gchararray): the meeting's name
 * * `enable` (#gboolean): what was requested
 * * `accepted` (#gboolean): %FALSE when refused
 * * `reason` (#gchararray): `accepted`, `not-host`, or `policy` when the encryption
 *   policy's host-may-toggle-e2ee is false (see #GstEncStatus:policy)
 * * `e2ee-enabled` (#gboolean): the meeting's E2EE setting after the request
 *
 * Every buffer leaves with a #GstE2eeStatusMeta holding the meeting's and the stream's
 * level.
 *
 * ## Example launch lines
 * |[
 * gst-launch-1.0 -m videotestsrc ! video/x-raw,width=640,height=360 ! x264enc ! \
 *     e2eeenc key=000102030405060708090a0b0c0d0e0f ! \
 *     e2eedec key=000102030405060708090a0b0c0d0e0f ! avdec_h264 ! videoconvert ! \
 *     encstatus meeting=standup stream-name=alice overlay=true ! autovideosink
 * ]| A lock in the top left corner, and an `encstatus` message with `status=e2ee`.
 * |[
 * gst-launch-1.0 -m videotestsrc ! encstatus stream-kind=h323 overlay=true \
 *     corner=bottom-right ! videoconvert ! autovideosink
 * ]| An orange shield: H.323 cannot encrypt its signaling.
 *
 * Since: 0.1
 */

#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "gstencstatus.h"
#include "gstencmeeting.h"
#include "gstencoverlay.h"

#include <gst/video/video.h>
#include <gst/e2ee/e2ee.h>
#include <gst/e2ee/gste2eepolicybinding.h>

GST_DEBUG_CATEGORY (gst_enc_status_debug);
#define GST_CAT_DEFAULT gst_enc_status_debug

#define DEFAULT_MEETING "default"
#define DEFAULT_STREAM_KIND GST_ENC_STREAM_KIND_AUTO
#define DEFAULT_STALE_AFTER 0
#define DEFAULT_OVERLAY FALSE
#define DEFAULT_CORNER GST_ENC_STATUS_CORNER_TOP_LEFT
#define DEFAULT_SHIELD_SIZE 0
#define DEFAULT_IS_HOST FALSE
#define DEFAULT_ALLOW_JOIN_BEFORE_HOST FALSE
#define DEFAULT_TOGGLE_ENCODERS TRUE

enum
{
  PROP_0,
  PROP_MEETING,
  PROP_STREAM_NAME,
  PROP_STREAM_KIND,
  PROP_STALE_AFTER,
  PROP_OVERLAY,
  PROP_CORNER,
  PROP_SHIELD_SIZE,
  PROP_IS_HOST,
  PROP_ALLOW_JOIN_BEFORE_HOST,
  PROP_TOGGLE_ENCODERS,
  PROP_E2EE_ENABLED,
  PROP_STATUS,
  PROP_EXCEPTIONS,
  PROP_RESTRICTED_FEATURES,
  PROP_STATS,
  PROP_KEY_STORE,
  PROP_SECURITY_CODE,
  PROP_CODE_CONFIRMED,
  PROP_POLICY,                  /* and the policy binding's other properties */
};

enum
{
  SIGNAL_REQUEST_E2EE,
  SIGNAL_E2EE_TOGGLED,
  SIGNAL_CONFIRM_CODE,
  LAST_SIGNAL
};

static guint signals[LAST_SIGNAL];

/* -1: not set on this element, so the meeting's value stands */
typedef gint Tristate;

struct _GstEncStatus
{
  GstBaseTransform parent;

  /* properties, under the object lock */
  gchar *meeting_name;
  gchar *stream_name;
  GstEncStreamKind kind;
  GstClockTime stale_after;
  gboolean overlay;
  GstEncStatusCorner corner;
  guint shield_size;
  Tristate is_host;
  Tristate allow_join_before_host;
  gboolean toggle_encoders;

  /* the meeting and this element's stream in it; the pointers change only in NULL or
   * READY, under the object lock */
  GstEncMeeting *meeting;
  GstEncStream *stream;
  GQuark meeting_quark;
  GQuark stream_quark;

  /* streaming thread only */
  GstEncOverlay overlay_state;
  guint64 overlay_generation;   /* of the meeting status the overlay's code is from */

  /* The key store and the MLS binding provisioning it, whose security code this
   * element gives the meeting; under the object lock. Followed between start and
   * stop. */
  GstE2eeKeyStore *store;
  gboolean store_from_property;
  gboolean following;
  gulong store_handlers[2];
  /* Weak: whoever made the binding decides how long it provisions the store. */
  GWeakRef keys;
  gboolean bound;               /* keys was set, even if it is gone now */
  gulong keys_handlers[2];
  /* Serializes reading the binding's code and handing it to the meeting, so that an
   * older code never overwrites a newer one. Not taken while a live binding provisions
   * (the store's signals come with its lock held), only once it is gone. */
  GRecMutex code_lock;

  GstE2eePolicyBinding *policy;  /* its own lock */
};

/* The settings with an encstatus property; e2ee-default, host-may-toggle-e2ee,
 * max-e2ee-participants, allowed-stream-kinds and local-recording go to the meeting
 * (gst_enc_meeting_set_policy()). */
static const GstE2eePolicyMapping policy_map[] = {
  {"allow-join-before-host", "allow-join-before-host", GST_E2EE_POLICY_MAP_AT_MOST},
};

#define gst_enc_status_parent_class parent_class
G_DEFINE_TYPE (GstEncStatus, gst_enc_status, GST_TYPE_BASE_TRANSFORM);
GST_ELEMENT_REGISTER_DEFINE_WITH_CODE (encstatus, "encstatus", GST_RANK_NONE,
    GST_TYPE_ENC_STATUS,
    GST_DEBUG_CATEGORY_INIT (gst_enc_status_debug, "encstatus", 0,
        "meeting encryption status"));

static GstStaticPadTemplate sink_template = GST_STATIC_PAD_TEMPLATE ("sink",
    GST_PAD_SINK, GST_PAD_ALWAYS, GST_STATIC_CAPS_ANY);
static GstStaticPadTemplate src_template = GST_STATIC_PAD_TEMPLATE ("src",
    GST_PAD_SRC, GST_PAD_ALWAYS, GST_STATIC_CAPS_ANY);

/* ------------------------------------------------------------------------------------ */
/* The meeting                                                                          */

static GstEncMeeting *
ref_meeting (GstEncStatus * self, GstEncStream ** stream)
{
  GstEncMeeting *m;

  GST_OBJECT_LOCK (self);
  m = gst_object_ref (self->meeting);
  if (stream)
    *stream = self->stream;
  GST_OBJECT_UNLOCK (self);
  return m;
}

/* Hands this element's stream settings to the meeting. */
static void
sync_stream (GstEncStatus * self)
{
  GstEncMeeting *m;
  GstEncStream *s;
  gchar *name;
  GstEncStreamKind kind;
  GstClockTime stale_after;

  GST_OBJECT_LOCK (self);
  name = g_strdup (self->stream_name ? self->stream_name : GST_OBJECT_NAME (self));
  kind = self->kind;
  stale_after = self->stale_after;
  self->stream_quark = g_quark_from_string (name);
  m = gst_object_ref (self->meeting);
  s = self->stream;
  GST_OBJECT_UNLOCK (self);

  gst_enc_meeting_configure_stream (m, s, name, kind, stale_after);
  gst_object_unref (m);
  g_free (name);
}

/* Joins the meeting called @name, leaving the current one. */
static void
switch_meeting (GstEncStatus * self, const gchar * name)
{
  GstEncMeeting *m = gst_enc_meeting_obtain (name), *old;
  GstEncStream *s = gst_enc_meeting_add_member (m, GST_ELEMENT (self)), *old_stream;
  Tristate is_host, allow;

  GST_OBJECT_LOCK (self);
  old = self->meeting;
  old_stream = self->stream;
  self->meeting = m;
  self->stream = s;
  self->meeting_quark = g_quark_from_string (name);
  is_host = self->is_host;
  allow = self->allow_join_before_host;
  GST_OBJECT_UNLOCK (self);

  /* whatever this element was told applies to the meeting it is in now */
  if (is_host >= 0)
    gst_enc_meeting_set_is_host (m, is_host);
  if (allow >= 0)
    gst_enc_meeting_set_allow_join_before_host (m, allow);
  sync_stream (self);

  if (old) {
    gst_enc_meeting_remove_member (old, old_stream);
    gst_object_unref (old);
  }
}

/* ------------------------------------------------------------------------------------ */
/* The MLS binding and its security code                                                */

/* Hands the meeting the code of the binding this element follows (or none). The
 * group itself is not thread-safe and belongs to the application's thread: the code
 * is read from the binding, which keeps it for any thread. */
static void
report_code (GstEncStatus * self)
{
  GstE2eeMlsKeys *keys;
  GstEncMeeting *m;
  GstEncStream *s;
  gchar *code = NULL;

  g_rec_mutex_lock (&self->code_lock);
  keys = g_weak_ref_get (&self->keys);
  m = ref_meeting (self, &s);
  if (keys)
    code = gst_e2ee_mls_keys_dup_security_code (keys);
  GST_DEBUG_OBJECT (self, "security code: %s", keys ? (code ? code : "none (removed)")
      : "no MLS binding");
  gst_enc_meeting_set_security_code (m, s, keys != NULL, code);
  g_rec_mutex_unlock (&self->code_lock);

  g_free (code);
  g_clear_object (&keys);
  gst_object_unref (m);
}

static void
weak_ref_free (gpointer data, GClosure * closure)
{
  g_weak_ref_clear (data);
  g_free (data);
}

static GWeakRef *
weak_ref_new (GstEncStatus * self)
{
  GWeakRef *w = g_new0 (GWeakRef, 1);

  g_weak_ref_init (w, self);
  return w;
}

/* The binding moved to a new epoch, or lost its group: in the thread that applied
 * the commit, the binding's lock released. */
static void
on_epoch_keys (GstE2eeMlsKeys * keys, guint64 epoch, GWeakRef * w)
{
  GstEncStatus *self = g_weak_ref_get (w);

  if (self) {
    report_code (self);
    gst_object_unref (self);
  }
}

static void
on_active (GstE2eeMlsKeys * keys, GParamSpec * pspec, GWeakRef * w)
{
  on_epoch_keys (keys, 0, w);
}

static void
disconnect_keys (GstE2eeMlsKeys * keys, const gulong * handlers)
{
  if (keys == NULL)
    return;                     /* gone, and its handlers with it */
  if (handlers[0])
    g_signal_handler_disconnect (keys, handlers[0]);
  if (handlers[1])
    g_signal_handler_disconnect (keys, handlers[1]);
}

/* Makes @keys (nullable) the binding followed. Returns TRUE if it changed. */
static gboolean
set_binding (GstEncStatus * self, GstE2eeMlsKeys * keys)
{
  GstE2eeMlsKeys *old;
  gulong old_handlers[2];
  gboolean changed;

  GST_OBJECT_LOCK (self);
  old = g_weak_ref_get (&self->keys);
  changed = old != keys || (keys == NULL && self->bound);
  self->bound = keys != NULL;
  if (changed) {
    old_handlers[0] = self->keys_handlers[0];
    old_handlers[1] = self->keys_handlers[1];
    self->keys_handlers[0] = self->keys_handlers[1] = 0;
    g_weak_ref_set (&self->keys, keys);
    if (keys) {
      self->keys_handlers[0] = g_signal_connect_data (keys, "epoch-keys",
          G_CALLBACK (on_epoch_keys), weak_ref_new (self), weak_ref_free, 0);
      self->keys_handlers[1] = g_signal_connect_data (keys, "notify::active",
          G_CALLBACK (on_active), weak_ref_new (self), weak_ref_free, 0);
    }
  }
  GST_OBJECT_UNLOCK (self);

  /* Released unlocked: the last reference retires the binding's keys, and the store's
   * signals come back here. */
  if (changed) {
    GST_INFO_OBJECT (self, "MLS binding: %" GST_PTR_FORMAT, keys);
    disconnect_keys (old, old_handlers);
  }
  g_clear_object (&old);
  return changed;
}

/* Looks the binding of the store up again. Returns TRUE when it changed. */
static gboolean
follow_binding (GstEncStatus * self)
{
  GstE2eeKeyStore *store = NULL;
  GstE2eeMlsKeys *keys = NULL;
  gboolean changed = FALSE, current;

  GST_OBJECT_LOCK (self);
  if (self->following && self->store)
    store = g_object_ref (self->store);
  GST_OBJECT_UNLOCK (self);
  if (store)
    keys = gst_e2ee_mls_keys_get_for_store (store);

  GST_OBJECT_LOCK (self);
  /* stopped, or the store changed meanwhile: whoever changed it follows */
  current = self->following && self->store == store;
  GST_OBJECT_UNLOCK (self);
  if (current)
    changed = set_binding (self, keys);
  g_clear_object (&keys);
  g_clear_object (&store);
  return changed;
}

/* A binding registers with the store before its first keys go in: a new one (a
 * member that joined) is found from key-added, and its first epoch-keys, which comes
 * next, reports its code (not here: the binding's lock is held). A binding dropped by
 * its owner retires its keys once it is unregistered: then there is no code. */
static void
on_store_key (GstE2eeKeyStore * store, guint64 kid, GstE2eeKeyUsage usage,
    GWeakRef * w)
{
  GstEncStatus *self = g_weak_ref_get (w);
  GstE2eeMlsKeys *keys;

  if (!self)
    return;
  if (follow_binding (self)) {
    keys = g_weak_ref_get (&self->keys);
    if (keys == NULL)
      report_code (self);
    g_clear_object (&keys);
  }
  gst_object_unref (self);
}

static void
on_store_key_retired (GstE2eeKeyStore * store, guint64 kid, GstE2eeKeyUsage usage,
    GstClockTime deadline, GWeakRef * w)
{
  on_store_key (store, kid, usage, w);
}

/* Starts or stops following the store's binding, or moves to another store (@store,
 * transfer full, when @replace_store). */
static void
set_following (GstEncStatus * self, gboolean following, GstE2eeKeyStore * store,
    gboolean replace_store)
{
  GstE2eeKeyStore *old_store = NULL, *release;
  gulong old_handlers[2];

  GST_OBJECT_LOCK (self);
  old_handlers[0] = self->store_handlers[0];
  old_handlers[1] = self->store_handlers[1];
  self->store_handlers[0] = self->store_handlers[1] = 0;
  if (self->store)
    old_store = g_object_ref (self->store);
  if (replace_store) {
    release = self->store;
    self->store = store;
  } else {
    release = store;
  }
  self->following = following;
  if (following && self->store) {
    self->store_handlers[0] = g_signal_connect_data (self->store, "key-added",
        G_CALLBACK (on_store_key), weak_ref_new (self), weak_ref_free, 0);
    self->store_handlers[1] = g_signal_connect_data (self->store, "key-retired",
        G_CALLBACK (on_store_key_retired), weak_ref_new (self), weak_ref_free, 0);
  }
  GST_OBJECT_UNLOCK (self);

  if (old_store) {
    if (old_handlers[0])
      g_signal_handler_disconnect (old_store, old_handlers[0]);
    if (old_handlers[1])
      g_signal_handler_disconnect (old_store, old_handlers[1]);
    g_object_unref (old_store);
  }
  if (release)
    g_object_unref (release);

  if (following)
    follow_binding (self);
  else
    set_binding (self, NULL);
  report_code (self);
}

/* At start, without a store: the one a neighbour shares (e2eedec, e2eeenc), if any.
 * encstatus never makes a store of its own. */
static void
query_store (GstEncStatus * self)
{
  GstBaseTransform *trans = GST_BASE_TRANSFORM (self);
  GstPad *pads[2] = { trans->sinkpad, trans->srcpad };
  GstQuery *query;
  guint i;

  GST_OBJECT_LOCK (self);
  if (self->store) {
    GST_OBJECT_UNLOCK (self);
    return;
  }
  GST_OBJECT_UNLOCK (self);

  query = gst_query_new_context (GST_E2EE_KEY_STORE_CONTEXT_TYPE);
  for (i = 0; i < G_N_ELEMENTS (pads); i++) {
    GstContext *context = NULL;

    if (!gst_pad_peer_query (pads[i], query))
      continue;
    gst_query_parse_context (query, &context);
    if (context)
      gst_element_set_context (GST_ELEMENT (self), context);
    break;
  }
  gst_query_unref (query);
}

static gboolean
gst_enc_status_confirm_code (GstEncStatus * self, const gchar * code)
{
  GstEncMeeting *m = ref_meeting (self, NULL);
  gboolean ok = gst_enc_meeting_confirm_code (m, code);

  if (!ok)
    GST_WARNING_OBJECT (self, "confirm-code: '%s' is not the meeting's current "
        "security code", GST_STR_NULL (code));
  gst_object_unref (m);
  return ok;
}

/* ------------------------------------------------------------------------------------ */
/* GstBaseTransform                                                                     */

static gboolean
gst_enc_status_set_caps (GstBaseTransform * trans, GstCaps * incaps, GstCaps * outcaps)
{
  gst_enc_overlay_set_caps (&GST_ENC_STATUS (trans)->overlay_state, incaps);
  return TRUE;
}

static GstFlowReturn
gst_enc_status_transform_ip (GstBaseTransform * trans, GstBuffer * buf)
{
  GstEncStatus *self = GST_ENC_STATUS (trans);
  GstE2eeMeta *e2ee = gst_buffer_get_e2ee_meta (buf);
  GstE2eeTransportMeta *t = gst_buffer_get_e2ee_transport_meta (buf);
  GstE2eeStatusMeta *sm;
  GstEncObservation obs = { 0, };
  GstEncSnapshot snap;
  GstEncMeeting *m;
  GstEncStream *s;
  GQuark meeting_q, stream_q;
  GstEncStatusCorner corner;
  gboolean overlay;
  guint size;

  /* A received buffer is end to end only as e2eedec's meta says; e2eeenc's mark,
   * which a frame encrypted and decrypted in one process still carries, only speaks
   * for a buffer on its way out. */
  if (e2ee)
    obs.e2ee = e2ee->authenticated;
  else
    obs.e2ee = gst_buffer_get_e2ee_sender_meta (buf) != NULL;
  if (t) {
    obs.transport = TRUE;
    obs.media_encrypted = t->media_encrypted;
    obs.media_authenticated = t->media_authenticated;
    obs.signaling_encrypted = t->signaling_encrypted;
    obs.tls_certificate_valid = t->tls_certificate_valid;
  }

  GST_OBJECT_LOCK (self);
  m = gst_object_ref (self->meeting);
  s = self->stream;
  meeting_q = self->meeting_quark;
  stream_q = self->stream_quark;
  overlay = self->overlay;
  corner = self->corner;
  size = self->shield_size;
  GST_OBJECT_UNLOCK (self);

  gst_enc_meeting_observe (m, s, &obs, &snap);
  gst_object_unref (m);
  m = NULL;
  /* A stream the policy refuses in this E2EE meeting goes no further; the
   * exceptions name it and why. */
  if (snap.refused)
    return GST_BASE_TRANSFORM_FLOW_DROPPED;

  /* one status per buffer: a later encstatus overwrites an earlier one's */
  sm = gst_buffer_get_e2ee_status_meta (buf);
  if (!sm)
    sm = gst_buffer_add_e2ee_status_meta (buf, NULL, NULL, snap.meeting_level,
        snap.stream_level);
  sm->meeting = meeting_q;
  sm->stream = stream_q;
  sm->meeting_level = snap.meeting_level;
  sm->stream_level = snap.stream_level;
  sm->n_exceptions = snap.n_exceptions;
  sm->downgraded = snap.downgraded;
  sm->generation = snap.generation;

  if (overlay && snap.generation != self->overlay_generation) {
    /* the code and its comparison are part of the status: read them again only when
     * the status changed */
    const gchar *code_status = NULL;
    gchar *code;

    m = ref_meeting (self, NULL);
    code = gst_enc_meeting_dup_security_code (m, NULL, &code_status);
    gst_object_unref (m);
    gst_enc_overlay_set_code (&self->overlay_state, code, code_status);
    g_free (code);
    self->overlay_generation = snap.generation;
  }
  if (overlay)
    gst_enc_overlay_draw (&self->overlay_state, GST_ELEMENT (self), trans->srcpad, buf,
        snap.meeting_level, corner, size);

  return GST_FLOW_OK;
}

/* Gives the meeting the policy in force, if there is one. */
static void
apply_policy (GstEncStatus * self)
{
  GstE2eeResolvedPolicy *r = gst_e2ee_policy_binding_get (self->policy);
  GstEncMeeting *m;

  if (r == NULL)
    return;
  m = ref_meeting (self, NULL);
  gst_enc_meeting_set_policy (m, gst_e2ee_resolved_policy_get_settings (r));
  gst_object_unref (m);
  gst_e2ee_resolved_policy_unref (r);
}

static void
gst_enc_status_set_context (GstElement * element, GstContext * context)
{
  GstEncStatus *self = GST_ENC_STATUS (element);
  GstE2eeKeyStore *store;
  gboolean take, following;

  /* A store the application chose by property wins over the pipeline's. */
  store = gst_e2ee_key_store_from_context (context);
  GST_OBJECT_LOCK (self);
  take = store && !self->store_from_property && store != self->store;
  following = self->following;
  GST_OBJECT_UNLOCK (self);
  if (take) {
    GST_DEBUG_OBJECT (self, "using key store %p from a context", store);
    set_following (self, following, store, TRUE);
  } else if (store) {
    g_object_unref (store);
  }
  gst_e2ee_policy_binding_set_context (self->policy, context);
  GST_ELEMENT_CLASS (parent_class)->set_context (element, context);
}

static gboolean
gst_enc_status_query (GstBaseTransform * trans, GstPadDirection direction,
    GstQuery * query)
{
  GstEncStatus *self = GST_ENC_STATUS (trans);

  if (GST_QUERY_TYPE (query) == GST_QUERY_CONTEXT) {
    GstE2eeKeyStore *store = NULL;
    gboolean answered;

    GST_OBJECT_LOCK (self);
    if (self->store)
      store = g_object_ref (self->store);
    GST_OBJECT_UNLOCK (self);
    answered = gst_e2ee_key_store_handle_context_query (GST_ELEMENT (self), query,
        store);
    g_clear_object (&store);
    if (answered)
      return TRUE;
  }
  return GST_BASE_TRANSFORM_CLASS (parent_class)->query (trans, direction, query);
}

static gboolean
gst_enc_status_sink_event (GstBaseTransform * trans, GstEvent * event)
{
  GstEncStatus *self = GST_ENC_STATUS (trans);

  /* Events are the meeting events: a reloaded policy applies here, between buffers. */
  if (gst_e2ee_policy_binding_sync (self->policy))
    apply_policy (self);

  if (GST_EVENT_TYPE (event) == GST_EVENT_EOS) {
    GstEncStream *s;
    GstEncMeeting *m = ref_meeting (self, &s);

    gst_enc_meeting_leave (m, s, "stream-ended");
    gst_object_unref (m);
  }
  return GST_BASE_TRANSFORM_CLASS (parent_class)->sink_event (trans, event);
}

static gboolean
gst_enc_status_start (GstBaseTransform * trans)
{
  GstEncStatus *self = GST_ENC_STATUS (trans);

  if (!gst_e2ee_policy_binding_start (self->policy))
    return FALSE;
  apply_policy (self);
  sync_stream (self);
  query_store (self);
  set_following (self, TRUE, NULL, FALSE);
  self->overlay_generation = 0;
  return TRUE;
}

static gboolean
gst_enc_status_stop (GstBaseTransform * trans)
{
  GstEncStatus *self = GST_ENC_STATUS (trans);
  GstEncStream *s;
  GstEncMeeting *m = ref_meeting (self, &s);

  gst_enc_meeting_leave (m, s, "stream-left");
  gst_object_unref (m);
  set_following (self, FALSE, NULL, FALSE);
  gst_enc_overlay_clear (&self->overlay_state);
  return TRUE;
}

/* ------------------------------------------------------------------------------------ */
/* GObject                                                                              */

static gboolean
gst_enc_status_request_e2ee (GstEncStatus * self, gboolean enable)
{
  GstEncMeeting *m = ref_meeting (self, NULL);
  gboolean ret = gst_enc_meeting_request_e2ee (m, GST_ELEMENT (self), enable);

  gst_object_unref (m);
  return ret;
}

static void
gst_enc_status_set_property (GObject * object, guint prop_id, const GValue * value,
    GParamSpec * pspec)
{
  GstEncStatus *self = GST_ENC_STATUS (object);
  GstEncMeeting *m;

  switch (prop_id) {
    case PROP_MEETING:{
      const gchar *name = g_value_get_string (value);
      gboolean same;

      if (!name || !*name)
        name = DEFAULT_MEETING;
      GST_OBJECT_LOCK (self);
      if (GST_STATE (self) > GST_STATE_READY) {
        GST_OBJECT_UNLOCK (self);
        GST_WARNING_OBJECT (self, "the meeting can only be changed in the NULL or "
            "READY state");
        break;
      }
      same = g_strcmp0 (self->meeting_name, name) == 0;
      g_free (self->meeting_name);
      self->meeting_name = g_strdup (name);
      GST_OBJECT_UNLOCK (self);
      if (!same)
        switch_meeting (self, name);
      break;
    }
    case PROP_STREAM_NAME:
      GST_OBJECT_LOCK (self);
      g_free (self->stream_name);
      self->stream_name = g_value_dup_string (value);
      if (self->stream_name && !*self->stream_name)
        g_clear_pointer (&self->stream_name, g_free);
      GST_OBJECT_UNLOCK (self);
      sync_stream (self);
      break;
    case PROP_STREAM_KIND:
      GST_OBJECT_LOCK (self);
      self->kind = g_value_get_enum (value);
      GST_OBJECT_UNLOCK (self);
      sync_stream (self);
      break;
    case PROP_STALE_AFTER:
      GST_OBJECT_LOCK (self);
      self->stale_after = g_value_get_uint64 (value);
      GST_OBJECT_UNLOCK (self);
      sync_stream (self);
      break;
    case PROP_OVERLAY:
      GST_OBJECT_LOCK (self);
      self->overlay = g_value_get_boolean (value);
      GST_OBJECT_UNLOCK (self);
      break;
    case PROP_CORNER:
      GST_OBJECT_LOCK (self);
      self->corner = g_value_get_enum (value);
      GST_OBJECT_UNLOCK (self);
      break;
    case PROP_SHIELD_SIZE:
      GST_OBJECT_LOCK (self);
      self->shield_size = g_value_get_uint (value);
      GST_OBJECT_UNLOCK (self);
      break;
    case PROP_IS_HOST:
      GST_OBJECT_LOCK (self);
      self->is_host = g_value_get_boolean (value);
      m = gst_object_ref (self->meeting);
      GST_OBJECT_UNLOCK (self);
      gst_enc_meeting_set_is_host (m, g_value_get_boolean (value));
      gst_object_unref (m);
      break;
    case PROP_ALLOW_JOIN_BEFORE_HOST:
      GST_OBJECT_LOCK (self);
      self->allow_join_before_host = g_value_get_boolean (value);
      m = gst_object_ref (self->meeting);
      GST_OBJECT_UNLOCK (self);
      gst_enc_meeting_set_allow_join_before_host (m, g_value_get_boolean (value));
      gst_object_unref (m);
      break;
    case PROP_TOGGLE_ENCODERS:
      GST_OBJECT_LOCK (self);
      self->toggle_encoders = g_value_get_boolean (value);
      GST_OBJECT_UNLOCK (self);
      break;
    case PROP_KEY_STORE:{
      GstE2eeKeyStore *store = g_value_dup_object (value);
      gboolean following;

      GST_OBJECT_LOCK (self);
      self->store_from_property = store != NULL;
      following = self->following;
      GST_OBJECT_UNLOCK (self);
      set_following (self, following, store, TRUE);
      break;
    }
    default:
      if (!gst_e2ee_policy_binding_set_property (self->policy, prop_id - PROP_POLICY,
              value))
        G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
      break;
  }
}

static void
gst_enc_status_get_property (GObject * object, guint prop_id, GValue * value,
    GParamSpec * pspec)
{
  GstEncStatus *self = GST_ENC_STATUS (object);
  GstEncStream *s;
  GstEncMeeting *m;

  switch (prop_id) {
    case PROP_MEETING:
      GST_OBJECT_LOCK (self);
      g_value_set_string (value, self->meeting_name);
      GST_OBJECT_UNLOCK (self);
      return;
    case PROP_STREAM_NAME:
      GST_OBJECT_LOCK (self);
      g_value_set_string (value, self->stream_name ? self->stream_name :
          GST_OBJECT_NAME (self));
      GST_OBJECT_UNLOCK (self);
      return;
    case PROP_STREAM_KIND:
      GST_OBJECT_LOCK (self);
      g_value_set_enum (value, self->kind);
      GST_OBJECT_UNLOCK (self);
      return;
    case PROP_STALE_AFTER:
      GST_OBJECT_LOCK (self);
      g_value_set_uint64 (value, self->stale_after);
      GST_OBJECT_UNLOCK (self);
      return;
    case PROP_OVERLAY:
      GST_OBJECT_LOCK (self);
      g_value_set_boolean (value, self->overlay);
      GST_OBJECT_UNLOCK (self);
      return;
    case PROP_CORNER:
      GST_OBJECT_LOCK (self);
      g_value_set_enum (value, self->corner);
      GST_OBJECT_UNLOCK (self);
      return;
    case PROP_SHIELD_SIZE:
      GST_OBJECT_LOCK (self);
      g_value_set_uint (value, self->shield_size);
      GST_OBJECT_UNLOCK (self);
      return;
    case PROP_TOGGLE_ENCODERS:
      GST_OBJECT_LOCK (self);
      g_value_set_boolean (value, self->toggle_encoders);
      GST_OBJECT_UNLOCK (self);
      return;
    case PROP_KEY_STORE:
      GST_OBJECT_LOCK (self);
      g_value_set_object (value, self->store);
      GST_OBJECT_UNLOCK (self);
      return;
    default:
      break;
  }

  /* the rest is the meeting's */
  m = ref_meeting (self, &s);
  switch (prop_id) {
    case PROP_IS_HOST:
      g_value_set_boolean (value, gst_enc_meeting_get_is_host (m));
      break;
    case PROP_ALLOW_JOIN_BEFORE_HOST:
      g_value_set_boolean (value, gst_enc_meeting_get_allow_join_before_host (m));
      break;
    case PROP_E2EE_ENABLED:
      g_value_set_boolean (value, gst_enc_meeting_get_e2ee_enabled (m));
      break;
    case PROP_STATUS:
      g_value_set_enum (value, gst_enc_meeting_get_level (m));
      break;
    case PROP_EXCEPTIONS:
      gst_enc_meeting_get_exceptions (m, value);
      break;
    case PROP_RESTRICTED_FEATURES:
      g_value_take_boxed (value, gst_enc_meeting_dup_restricted_features (m));
      break;
    case PROP_SECURITY_CODE:
      g_value_take_string (value, gst_enc_meeting_dup_security_code (m, NULL, NULL));
      break;
    case PROP_CODE_CONFIRMED:{
      gboolean confirmed = FALSE;

      g_free (gst_enc_meeting_dup_security_code (m, &confirmed, NULL));
      g_value_set_boolean (value, confirmed);
      break;
    }
    case PROP_STATS:{
      GstStructure *st = gst_enc_meeting_get_stats (m, s);

      gst_e2ee_policy_binding_add_stats (self->policy, st);
      g_value_take_boxed (value, st);
      break;
    }
    default:
      if (!gst_e2ee_policy_binding_get_property (self->policy, prop_id - PROP_POLICY,
              value))
        G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
      break;
  }
  gst_object_unref (m);
}

static void
gst_enc_status_constructed (GObject * object)
{
  GstEncStatus *self = GST_ENC_STATUS (object);

  G_OBJECT_CLASS (parent_class)->constructed (object);
  switch_meeting (self, self->meeting_name);
}

static void
gst_enc_status_finalize (GObject * object)
{
  GstEncStatus *self = GST_ENC_STATUS (object);

  /* normally already stopped: see gst_enc_status_stop() */
  {
    GstE2eeMlsKeys *keys = g_weak_ref_get (&self->keys);

    disconnect_keys (keys, self->keys_handlers);
    g_clear_object (&keys);
    g_weak_ref_clear (&self->keys);
  }
  if (self->store_handlers[0])
    g_signal_handler_disconnect (self->store, self->store_handlers[0]);
  if (self->store_handlers[1])
    g_signal_handler_disconnect (self->store, self->store_handlers[1]);
  if (self->meeting) {
    gst_enc_meeting_remove_member (self->meeting, self->stream);
    gst_object_unref (self->meeting);
  }
  gst_enc_overlay_clear (&self->overlay_state);
  g_free (self->meeting_name);
  g_free (self->stream_name);
  g_clear_object (&self->store);
  g_rec_mutex_clear (&self->code_lock);
  gst_e2ee_policy_binding_free (self->policy);
  G_OBJECT_CLASS (parent_class)->finalize (object);
}

static void
gst_enc_status_init (GstEncStatus * self)
{
  GstBaseTransform *trans = GST_BASE_TRANSFORM (self);

  self->meeting_name = g_strdup (DEFAULT_MEETING);
  self->kind = DEFAULT_STREAM_KIND;
  self->stale_after = DEFAULT_STALE_AFTER;
  self->overlay = DEFAULT_OVERLAY;
  self->corner = DEFAULT_CORNER;
  self->shield_size = DEFAULT_SHIELD_SIZE;
  self->is_host = -1;
  self->allow_join_before_host = -1;
  self->toggle_encoders = DEFAULT_TOGGLE_ENCODERS;
  gst_enc_overlay_init (&self->overlay_state);
  g_rec_mutex_init (&self->code_lock);
  g_weak_ref_init (&self->keys, NULL);

  /* in place and never passthrough: every buffer gets the status meta */
  gst_base_transform_set_in_place (trans, TRUE);
  gst_base_transform_set_passthrough (trans, FALSE);
  gst_base_transform_set_gap_aware (trans, TRUE);
  self->policy = gst_e2ee_policy_binding_new (GST_ELEMENT (self), policy_map,
      G_N_ELEMENTS (policy_map));
}

static void
gst_enc_status_class_init (GstEncStatusClass * klass)
{
  GObjectClass *gobject_class = G_OBJECT_CLASS (klass);
  GstElementClass *element_class = GST_ELEMENT_CLASS (klass);
  GstBaseTransformClass *trans_class = GST_BASE_TRANSFORM_CLASS (klass);

  gobject_class->set_property = gst_enc_status_set_property;
  gobject_class->get_property = gst_enc_status_get_property;
  gobject_class->constructed = gst_enc_status_constructed;
  gobject_class->finalize = gst_enc_status_finalize;
  element_class->set_context = GST_DEBUG_FUNCPTR (gst_enc_status_set_context);

  /**
   * GstEncStatus:meeting:
   *
   * The meeting this stream belongs to. Every encstatus of the process with the same
   * meeting name shares one status, whichever pipeline it is in. Can only be changed
   * in the NULL and READY states.
   *
   * Since: 0.1
   */
  g_object_class_install_property (gobject_class, PROP_MEETING,
      g_param_spec_string ("meeting", "Meeting",
          "Name of the meeting; all encstatus elements of the process with the same "
          "name share one status", DEFAULT_MEETING,
          G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS | GST_PARAM_MUTABLE_READY));

  /**
   * GstEncStatus:stream-name:
   *
   * The stream's name in the meeting's exceptions and messages (a participant, a
   * dial-in leg). Defaults to the element's name. Names should be unique within a
   * meeting.
   *
   * Since: 0.1
   */
  g_object_class_install_property (gobject_class, PROP_STREAM_NAME,
      g_param_spec_string ("stream-name", "Stream name",
          "Name of this stream in the meeting's exceptions (default: the element's "
          "name)", NULL, G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS |
          GST_PARAM_MUTABLE_PLAYING | GST_PARAM_DOC_SHOW_DEFAULT));

  /**
   * GstEncStatus:stream-kind:
   *
   * What the stream is, for buffers that carry no end-to-end mark (#GstE2eeMeta with
   * authenticated=TRUE, or #GstE2eeSenderMeta alone) nor #GstE2eeTransportMeta:
   * `e2ee` and `srtp` streams travel over the service's encrypted transport,
   * `recording` too but never end to end; `pstn`, `sip`, `h323` and `rtmp` legs
   * count as connections without media encryption, signaling encryption or TLS
   * (orange); `auto` (the default) and `plain` buffers as unencrypted. `pstn`, `sip`,
   * `h323`, `rtmp` and `recording` streams are never end to end, and are flagged in
   * an E2EE meeting. An `h323` stream never has encrypted signaling, whatever its
   * metadata says.
   *
   * Since: 0.1
   */
  g_object_class_install_property (gobject_class, PROP_STREAM_KIND,
      g_param_spec_enum ("stream-kind", "Stream kind",
          "What the stream is, for buffers without E2EE or transport metadata",
          GST_TYPE_ENC_STREAM_KIND, DEFAULT_STREAM_KIND,
          G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS | GST_PARAM_MUTABLE_PLAYING));

  /**
   * GstEncStatus:stale-after:
   *
   * Drop the stream from the meeting's status after this long without a buffer, in
   * nanoseconds of real (monotonic) time; it rejoins with its next buffer. 0 (the
   * default) keeps it until EOS or until the element stops.
   *
   * Since: 0.1
   */
  g_object_class_install_property (gobject_class, PROP_STALE_AFTER,
      g_param_spec_uint64 ("stale-after", "Stale after",
          "Drop the stream from the status after this many ns without a buffer "
          "(0 = never)", 0, G_MAXUINT64, DEFAULT_STALE_AFTER,
          G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS | GST_PARAM_MUTABLE_PLAYING));

  /**
   * GstEncStatus:overlay:
   *
   * On raw video, draw the meeting's shield on the frames: attached as a
   * #GstVideoOverlayCompositionMeta when downstream supports it, blended otherwise.
   *
   * Since: 0.1
   */
  g_object_class_install_property (gobject_class, PROP_OVERLAY,
      g_param_spec_boolean ("overlay", "Overlay",
          "Draw the meeting's shield on raw video", DEFAULT_OVERLAY,
          G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS | GST_PARAM_MUTABLE_PLAYING));

  /**
   * GstEncStatus:corner:
   *
   * Where to draw the shield, a quarter of its size away from the edges.
   *
   * Since: 0.1
   */
  g_object_class_install_property (gobject_class, PROP_CORNER,
      g_param_spec_enum ("corner", "Corner", "Where to draw the shield",
          GST_TYPE_ENC_STATUS_CORNER, DEFAULT_CORNER,
          G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS | GST_PARAM_MUTABLE_PLAYING));

  /**
   * GstEncStatus:shield-size:
   *
   * The shield's height in pixels (its width follows the pixel aspect ratio so it is
   * square on screen). 0 (the default) picks an eighth of the frame's smaller side,
   * between 16 and 256 pixels.
   *
   * Since: 0.1
   */
  g_object_class_install_property (gobject_class, PROP_SHIELD_SIZE,
      g_param_spec_uint ("shield-size", "Shield size",
          "Shield height in pixels (0 = an eighth of the frame's smaller side)",
          0, 4096, DEFAULT_SHIELD_SIZE,
          G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS | GST_PARAM_MUTABLE_PLAYING));

  /**
   * GstEncStatus:is-host:
   *
   * Whether this process hosts the meeting: only the host may turn E2EE off and on
   * with #GstEncStatus::request-e2ee. The flag belongs to the meeting: setting it on
   * one of its encstatus elements sets it for all.
   *
   * Since: 0.1
   */
  g_object_class_install_property (gobject_class, PROP_IS_HOST,
      g_param_spec_boolean ("is-host", "Is host",
          "This process hosts the meeting and may turn E2EE off and on (shared by the "
          "meeting's elements)", DEFAULT_IS_HOST,
          G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS | GST_PARAM_MUTABLE_PLAYING));

  /**
   * GstEncStatus:allow-join-before-host:
   *
   * The meeting's policy lets participants join an E2EE meeting before the host (as
   * RingCentral does; Zoom does not): `join-before-host` is then left out of
   * #GstEncStatus:restricted-features. Belongs to the meeting like
   * #GstEncStatus:is-host.
   *
   * Since: 0.1
   */
  g_object_class_install_property (gobject_class, PROP_ALLOW_JOIN_BEFORE_HOST,
      g_param_spec_boolean ("allow-join-before-host", "Allow join before host",
          "Participants may join the E2EE meeting before the host (shared by the "
          "meeting's elements)", DEFAULT_ALLOW_JOIN_BEFORE_HOST,
          G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS | GST_PARAM_MUTABLE_PLAYING));

  /**
   * GstEncStatus:toggle-encoders:
   *
   * When the host's #GstEncStatus::request-e2ee is accepted, set `enabled` on every
   * e2eeenc of this element's pipeline. Turn it off when the pipeline holds encoders
   * of other meetings, and handle #GstEncStatus::e2ee-toggled yourself.
   *
   * Since: 0.1
   */
  g_object_class_install_property (gobject_class, PROP_TOGGLE_ENCODERS,
      g_param_spec_boolean ("toggle-encoders", "Toggle encoders",
          "On an accepted E2EE toggle, set 'enabled' on the e2eeenc elements of this "
          "pipeline", DEFAULT_TOGGLE_ENCODERS,
          G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS | GST_PARAM_MUTABLE_PLAYING));

  /**
   * GstEncStatus:e2ee-enabled:
   *
   * The meeting's E2EE setting: %TRUE until the host turns E2EE off with
   * #GstEncStatus::request-e2ee.
   *
   * Since: 0.1
   */
  g_object_class_install_property (gobject_class, PROP_E2EE_ENABLED,
      g_param_spec_boolean ("e2ee-enabled", "E2EE enabled",
          "The meeting's E2EE setting, changed by the host with request-e2ee", TRUE,
          G_PARAM_READABLE | G_PARAM_STATIC_STRINGS));

  /**
   * GstEncStatus:status:
   *
   * The meeting's encryption level, the shield everyone sees. Notified on change.
   *
   * Since: 0.1
   */
  g_object_class_install_property (gobject_class, PROP_STATUS,
      g_param_spec_enum ("status", "Status", "The meeting's encryption level",
          GST_TYPE_E2EE_ENCRYPTION_LEVEL, GST_E2EE_ENCRYPTION_LEVEL_UNENCRYPTED,
          G_PARAM_READABLE | G_PARAM_STATIC_STRINGS));

  /**
   * GstEncStatus:exceptions:
   *
   * The streams keeping the meeting from the next level up (in an `encrypted` meeting
   * the ones not end to end; in a `partially-encrypted` one the ones below
   * `encrypted`), and in an E2EE meeting every flagged stream. Each is a
   * #GstStructure named `exception` with the fields:
   *
   * * `stream` (#gchararray): the stream's name
   * * `kind` (#GstEncStreamKind): its declared kind
   * * `level` (#GstE2eeEncryptionLevel): its own level
   * * `lacks` (#GstValueArray of #gchararray): what it lacks, among
   *   `end-to-end-encryption`, `media-encryption`, `signaling-encryption` and
   *   `tls-certificate`
   * * `reason` (#gchararray): the same in words, for people
   * * `downgraded` (#gboolean): it lost end-to-end encryption while E2EE is on
   * * `restricted-feature` (#gchararray, only on flagged streams): what an E2EE
   *   meeting must not offer that this stream is: `pstn-join`, `sip-join`,
   *   `h323-join`, `live-streaming` or `cloud-recording`
   *
   * Since: 0.1
   */
  g_object_class_install_property (gobject_class, PROP_EXCEPTIONS,
      gst_param_spec_array ("exceptions", "Exceptions",
          "The streams keeping the meeting from the next level up, with what they lack",
          g_param_spec_boxed ("exception", "Exception",
              "One stream and what it lacks", GST_TYPE_STRUCTURE,
              G_PARAM_READABLE | G_PARAM_STATIC_STRINGS),
          G_PARAM_READABLE | G_PARAM_STATIC_STRINGS));

  /**
   * GstEncStatus:restricted-features:
   *
   * While the meeting is an E2EE meeting, what it must not offer, as the services
   * document it: `cloud-recording`, `live-streaming`, `live-transcription`,
   * `closed-captions`, `pstn-join`, `sip-join`, `h323-join`, `breakout-rooms`,
   * `polls`, `notes`, `whiteboard` and `join-before-host` (unless
   * #GstEncStatus:allow-join-before-host). Empty otherwise.
   *
   * Since: 0.1
   */
  g_object_class_install_property (gobject_class, PROP_RESTRICTED_FEATURES,
      g_param_spec_boxed ("restricted-features", "Restricted features",
          "What the meeting must not offer while it is end-to-end encrypted",
          G_TYPE_STRV, G_PARAM_READABLE | G_PARAM_STATIC_STRINGS));

  /**
   * GstEncStatus:stats:
   *
   * A #GstStructure named `encstatus-stats` with the fields `meeting` (#gchararray),
   * `meeting-status` (#GstE2eeEncryptionLevel), `streams` (#guint), `generation`
   * (#guint64) for the meeting, and `stream` (#gchararray), `joined` (#gboolean),
   * `stream-status` (#GstE2eeEncryptionLevel), `downgraded` (#gboolean), `buffers`,
   * `e2ee-buffers`, `transport-buffers` (with transport but no E2EE metadata),
   * `plain-buffers` (with neither) and `downgrades` (all #guint64) for this stream.
   *
   * Since: 0.1
   */
  g_object_class_install_property (gobject_class, PROP_STATS,
      g_param_spec_boxed ("stats", "Statistics",
          "Meeting and stream statistics", GST_TYPE_STRUCTURE,
          G_PARAM_READABLE | G_PARAM_STATIC_STRINGS));
  /**
   * GstEncStatus:key-store:
   *
   * The key store whose MLS binding (#GstE2eeMlsKeys) gives the meeting its security
   * code. %NULL (the default) takes the pipeline's, shared through the
   * `gst.e2ee.keystore` context as e2eeenc and e2eedec share it; a store set here
   * wins over the context's. Without an MLS binding on the store there is no code.
   *
   * Since: 0.1
   */
  g_object_class_install_property (gobject_class, PROP_KEY_STORE,
      g_param_spec_object ("key-store", "Key store",
          "The key store whose MLS group gives the security code (default: the "
          "pipeline's, from the gst.e2ee.keystore context)", GST_E2EE_TYPE_KEY_STORE,
          G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS | GST_PARAM_MUTABLE_PLAYING));

  /**
   * GstEncStatus:security-code:
   *
   * The meeting's security code: 40 digits in 8 groups of 5, derived from the MLS
   * epoch authenticator (see gst_e2ee_mls_security_code_from_authenticator()). Every
   * member of the epoch shows the same code; people compare it out of band and then
   * emit #GstEncStatus::confirm-code. It changes with every epoch. %NULL when the
   * meeting's elements follow no MLS group, or after this member was removed.
   * Belongs to the meeting: the code of whichever of its elements' bindings changed
   * last (bind them all to the same group). Notified on change.
   *
   * Since: 0.1
   */
  g_object_class_install_property (gobject_class, PROP_SECURITY_CODE,
      g_param_spec_string ("security-code", "Security code",
          "The meeting's MLS security code, the same for every member of the epoch "
          "(NULL without an MLS group)", NULL,
          G_PARAM_READABLE | G_PARAM_STATIC_STRINGS));

  /**
   * GstEncStatus:code-confirmed:
   *
   * Whether the user confirmed (#GstEncStatus::confirm-code) that they compared the
   * current #GstEncStatus:security-code. %FALSE again whenever the code changes.
   * Notified on change.
   *
   * Since: 0.1
   */
  g_object_class_install_property (gobject_class, PROP_CODE_CONFIRMED,
      g_param_spec_boolean ("code-confirmed", "Code confirmed",
          "The user compared the current security code (reset when it changes)", FALSE,
          G_PARAM_READABLE | G_PARAM_STATIC_STRINGS));

  /* policy, policy-file, policy-group, policy-user: documented with the binding
   * (gst-libs/gst/e2ee/gste2eepolicybinding.c). */
  gst_e2ee_policy_binding_install_properties (gobject_class, PROP_POLICY);

  /**
   * GstEncStatus::request-e2ee:
   * @encstatus: the element
   * @enable: %TRUE to turn E2EE on, %FALSE to turn it off
   *
   * Asks to turn the meeting's E2EE on or off, without restarting anything. Refused
   * unless the meeting's #GstEncStatus:is-host is %TRUE. When accepted, sets `enabled`
   * on the e2eeenc elements of the pipelines holding the meeting's encstatus elements
   * (see #GstEncStatus:toggle-encoders) and, if the setting changed, emits
   * #GstEncStatus::e2ee-toggled on each of the meeting's encstatus elements and posts
   * an `encstatus` message. Either way posts an `encstatus-e2ee-request` message.
   *
   * Returns: %TRUE if accepted, %FALSE if refused.
   *
   * Since: 0.1
   */
  signals[SIGNAL_REQUEST_E2EE] = g_signal_new_class_handler ("request-e2ee",
      G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST | G_SIGNAL_ACTION,
      G_CALLBACK (gst_enc_status_request_e2ee), NULL, NULL, NULL,
      G_TYPE_BOOLEAN, 1, G_TYPE_BOOLEAN);

  /**
   * GstEncStatus::e2ee-toggled:
   * @encstatus: the element
   * @enabled: the meeting's new E2EE setting
   *
   * The host turned the meeting's E2EE on or off. Emitted on every encstatus of the
   * meeting, from the thread that emitted #GstEncStatus::request-e2ee, after the
   * e2eeenc elements of their pipelines were set. Set `enabled` on encoders elsewhere
   * and tell the other participants from here.
   *
   * Since: 0.1
   */
  signals[SIGNAL_E2EE_TOGGLED] = g_signal_new ("e2ee-toggled",
      G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
      G_TYPE_NONE, 1, G_TYPE_BOOLEAN);

  /**
   * GstEncStatus::confirm-code:
   * @encstatus: the element
   * @code: the security code the user compared
   *
   * The user says "I compared the code": @code is the code they compared with the
   * others (spaces between the groups optional). Accepted only when @code is the
   * meeting's current #GstEncStatus:security-code, so a confirmation of an older
   * epoch's code never counts; then #GstEncStatus:code-confirmed turns %TRUE and an
   * `encstatus` message says `reason=code-confirmed`, until the code changes.
   *
   * Returns: %TRUE if @code is the current code, %FALSE otherwise (nothing changes).
   *
   * Since: 0.1
   */
  signals[SIGNAL_CONFIRM_CODE] = g_signal_new_class_handler ("confirm-code",
      G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST | G_SIGNAL_ACTION,
      G_CALLBACK (gst_enc_status_confirm_code), NULL, NULL, NULL,
      G_TYPE_BOOLEAN, 1, G_TYPE_STRING);

  gst_element_class_add_static_pad_template (element_class, &sink_template);
  gst_element_class_add_static_pad_template (element_class, &src_template);
  gst_element_class_set_static_metadata (element_class,
      "Meeting encryption status", "Filter/Analyzer/Video",
      "Shows the meeting's encryption status as meeting apps do (lock, green or orange "
      "shield) from the streams' E2EE and transport metadata",
      "gst-e2ee developers");

  trans_class->set_caps = GST_DEBUG_FUNCPTR (gst_enc_status_set_caps);
  trans_class->transform_ip = GST_DEBUG_FUNCPTR (gst_enc_status_transform_ip);
  trans_class->sink_event = GST_DEBUG_FUNCPTR (gst_enc_status_sink_event);
  trans_class->query = GST_DEBUG_FUNCPTR (gst_enc_status_query);
  trans_class->start = GST_DEBUG_FUNCPTR (gst_enc_status_start);
  trans_class->stop = GST_DEBUG_FUNCPTR (gst_enc_status_stop);
  trans_class->passthrough_on_same_caps = FALSE;
  trans_class->transform_ip_on_passthrough = TRUE;

  gst_type_mark_as_plugin_api (GST_TYPE_ENC_STREAM_KIND, 0);
  gst_type_mark_as_plugin_api (GST_TYPE_ENC_STATUS_CORNER, 0);
}
