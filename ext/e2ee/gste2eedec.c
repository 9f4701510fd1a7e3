/* gst-e2ee: e2eedec
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

/**
 * SECTION:element-e2eedec
 * @title: e2eedec
 * @short_description: checks and decrypts SFrame (RFC 9605) frames
 * @see_also: e2eeenc
 *
 * Decrypts the frames e2eeenc made. Each frame's header names its key (KID); the
 * element holds one key per sender: the `key-id` and `key` properties give one on a
 * gst-launch line, the `add-key` and `remove-key` action signals manage any number
 * from code.
 *
 * Only frames whose authentication tag verifies go downstream, decrypted in place
 * where the buffer allows, each with a #GstE2eeMeta (authenticated, KID, CTR, cipher
 * suite) so later elements can tell end-to-end protected media from plaintext. A frame
 * that fails (unknown KID, bad tag, malformed header, truncated) is dropped and
 * counted in #GstE2eeDec:stats, and the stream goes on.
 *
 * The output caps are the media caps e2eeenc was given, restored from the
 * `application/x-sframe` caps; bare `application/x-sframe` caps (frames read from a
 * file or a custom transport) give `application/octet-stream`. Input that is not
 * SFrame at all is refused unless #GstE2eeDec:allow-plaintext is set.
 *
 * ## Drop messages
 *
 * When #GstE2eeDec:post-drop-messages is %TRUE (the default) the element posts an
 * element message named `e2eedec-drop` when it drops frames, at most once per
 * #GstE2eeDec:drop-message-interval for each reason, with these fields:
 *
 * * `reason` (#gchararray): why: `unknown-kid`, `authentication`, `truncated` or
 *   `malformed-header`.
 * * `kid` (#guint64): the frame's key ID. Absent for `malformed-header`, where no KID
 *   could be read.
 * * `ctr` (#guint64): the frame's counter. Absent for `malformed-header`.
 * * `count` (#guint64): frames dropped for this reason since the previous message for
 *   it, this one included.
 * * `total` (#guint64): frames dropped for this reason since the element started.
 * * `detail` (#gchararray): a human-readable explanation.
 *
 * ## Example launch line
 * |[
 * gst-launch-1.0 filesrc location=video.sframe ! \
 *     application/x-sframe,original-media-type=video/x-h264,stream-format=byte-stream,alignment=au ! \
 *     e2eedec key-id=1 key=000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f ! \
 *     h264parse ! avdec_h264 ! autovideosink
 * ]|
 * (A file loses frame boundaries; this works for transports that keep them, such as
 * an RTP payloader/depayloader pair or the sender's own pipeline.)
 *
 * Since: 0.1
 */

#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "gste2eedec.h"
#include "gste2eeelement.h"

GST_DEBUG_CATEGORY_STATIC (gst_e2ee_dec_debug);
#define GST_CAT_DEFAULT gst_e2ee_dec_debug

#define DEFAULT_CIPHER_SUITE GST_E2EE_CIPHER_SUITE_AES_256_GCM_SHA512_128
#define DEFAULT_KEY_ID 0
#define DEFAULT_POST_DROP_MESSAGES TRUE
#define DEFAULT_DROP_MESSAGE_INTERVAL GST_SECOND
#define DEFAULT_ALLOW_PLAINTEXT FALSE
/* Unknown KIDs come from the network: count at most this many separately. */
#define MAX_UNKNOWN_KID_STATS 64

typedef enum
{
  DROP_UNKNOWN_KID,
  DROP_AUTHENTICATION,
  DROP_TRUNCATED,
  DROP_MALFORMED_HEADER,
  N_DROP_REASONS
} DropReason;

static const gchar *drop_reason_names[N_DROP_REASONS] = {
  "unknown-kid", "authentication", "truncated", "malformed-header"
};

enum
{
  PROP_0,
  PROP_CIPHER_SUITE,
  PROP_KEY_ID,
  PROP_KEY,
  PROP_STATS,
  PROP_POST_DROP_MESSAGES,
  PROP_DROP_MESSAGE_INTERVAL,
  PROP_ALLOW_PLAINTEXT,
};

enum
{
  SIGNAL_ADD_KEY,
  SIGNAL_REMOVE_KEY,
  LAST_SIGNAL
};

static guint signals[LAST_SIGNAL];

struct _GstE2eeDec
{
  GstBaseTransform parent;

  /* Protected by the object lock. */
  GstE2eeCipherSuite suite;
  GHashTable *keys;             /* guint64 KID -> GstE2eeSFrameKey */
  guint64 prop_kid;
  GBytes *prop_key;             /* the `key` property, wiped on release */
  gboolean prop_key_installed;
  guint64 installed_prop_kid;
  gboolean post_drop_messages;
  GstClockTime drop_message_interval;
  gboolean allow_plaintext;

  GHashTable *stats;
  guint64 frames;
  guint64 bytes;
  guint64 drops[N_DROP_REASONS];
  guint64 drops_pending[N_DROP_REASONS];
  gint64 last_drop_message[N_DROP_REASONS];     /* monotonic µs, 0 = never */

  /* Streaming thread only. */
  gboolean plaintext;           /* the negotiated input is not SFrame */
};

/* application/x-sframe; ANY only so that allow-plaintext can accept other caps, which
 * transform_caps() refuses otherwise. */
static GstStaticPadTemplate sink_template = GST_STATIC_PAD_TEMPLATE ("sink",
    GST_PAD_SINK, GST_PAD_ALWAYS, GST_STATIC_CAPS_ANY);

static GstStaticPadTemplate src_template = GST_STATIC_PAD_TEMPLATE ("src",
    GST_PAD_SRC, GST_PAD_ALWAYS, GST_STATIC_CAPS_ANY);

#define gst_e2ee_dec_parent_class parent_class
G_DEFINE_TYPE (GstE2eeDec, gst_e2ee_dec, GST_TYPE_BASE_TRANSFORM);
GST_ELEMENT_REGISTER_DEFINE (e2eedec, "e2eedec", GST_RANK_NONE, GST_TYPE_E2EE_DEC);

static gboolean
gst_e2ee_dec_add_key_locked (GstE2eeDec * self, guint64 kid, const guint8 * data,
    gsize size)
{
  GError *error = NULL;
  GstE2eeSFrameKey *key = gst_e2ee_sframe_key_new (self->suite, kid, data, size, &error);

  if (key == NULL) {
    GST_WARNING_OBJECT (self, "cannot add key for KID %" G_GUINT64_FORMAT ": %s", kid,
        error->message);
    g_clear_error (&error);
    return FALSE;
  }
  g_hash_table_replace (self->keys, g_memdup2 (&kid, sizeof (kid)), key);
  GST_INFO_OBJECT (self, "key for KID %" G_GUINT64_FORMAT " added", kid);
  return TRUE;
}

static gboolean
gst_e2ee_dec_add_key (GstE2eeDec * self, guint64 kid, GstBuffer * base_key)
{
  GstMapInfo map;
  gboolean ok;

  if (base_key == NULL || !gst_buffer_map (base_key, &map, GST_MAP_READ))
    return FALSE;
  GST_OBJECT_LOCK (self);
  ok = gst_e2ee_dec_add_key_locked (self, kid, map.data, map.size);
  GST_OBJECT_UNLOCK (self);
  gst_buffer_unmap (base_key, &map);
  return ok;
}

static gboolean
gst_e2ee_dec_remove_key (GstE2eeDec * self, guint64 kid)
{
  gboolean removed;

  GST_OBJECT_LOCK (self);
  removed = g_hash_table_remove (self->keys, &kid);
  if (removed && self->prop_key_installed && self->installed_prop_kid == kid)
    self->prop_key_installed = FALSE;
  GST_OBJECT_UNLOCK (self);
  GST_INFO_OBJECT (self, "key for KID %" G_GUINT64_FORMAT " %s", kid,
      removed ? "removed" : "was not there");
  return removed;
}

/* With the object lock. The `key`/`key-id` pair may come in either order on a
 * gst-launch line, so the key is (re)installed once both are known. */
static void
gst_e2ee_dec_install_prop_key_locked (GstE2eeDec * self)
{
  const guint8 *data;
  gsize size;

  if (self->prop_key_installed) {
    g_hash_table_remove (self->keys, &self->installed_prop_kid);
    self->prop_key_installed = FALSE;
  }
  if (self->prop_key == NULL)
    return;
  data = g_bytes_get_data (self->prop_key, &size);
  if (gst_e2ee_dec_add_key_locked (self, self->prop_kid, data, size)) {
    self->prop_key_installed = TRUE;
    self->installed_prop_kid = self->prop_kid;
  }
}

/* Plaintext caps map to themselves here even when allow-plaintext is off, so that
 * negotiation reaches set_caps(), which refuses them with an error that says why
 * instead of a bare not-negotiated. */
static GstCaps *
gst_e2ee_dec_transform_caps (GstBaseTransform * trans, GstPadDirection direction,
    GstCaps * caps, GstCaps * filter)
{
  GstE2eeDec *self = GST_E2EE_DEC (trans);
  GstCaps *res, *plain;
  guint i;

  if (direction == GST_PAD_SINK) {
    res = gst_e2ee_caps_from_sframe (caps);
    plain = gst_caps_copy (caps);
    for (i = gst_caps_get_size (plain); i > 0; i--)
      if (gst_structure_has_name (gst_caps_get_structure (plain, i - 1),
              GST_E2EE_SFRAME_MEDIA_TYPE))
        gst_caps_remove_structure (plain, i - 1);
    res = gst_caps_merge (res, plain);
  } else {
    res = gst_caps_merge (gst_e2ee_caps_to_sframe (caps), gst_caps_ref (caps));
  }
  if (filter) {
    GstCaps *tmp = gst_caps_intersect_full (filter, res, GST_CAPS_INTERSECT_FIRST);
    gst_caps_unref (res);
    res = tmp;
  }
  GST_LOG_OBJECT (self, "%s caps %" GST_PTR_FORMAT " -> %" GST_PTR_FORMAT,
      direction == GST_PAD_SINK ? "sink" : "src", caps, res);
  return res;
}

static gboolean
gst_e2ee_dec_set_caps (GstBaseTransform * trans, GstCaps * incaps, GstCaps * outcaps)
{
  GstE2eeDec *self = GST_E2EE_DEC (trans);
  gboolean allow_plaintext;

  GST_OBJECT_LOCK (self);
  allow_plaintext = self->allow_plaintext;
  GST_OBJECT_UNLOCK (self);

  self->plaintext = !gst_e2ee_caps_is_sframe (incaps);
  if (self->plaintext && !allow_plaintext) {
    GST_ELEMENT_ERROR (self, STREAM, DECRYPT, ("Refusing unencrypted input"),
        ("caps %" GST_PTR_FORMAT " are not SFrame; set allow-plaintext=true to pass "
            "them (they will carry no E2EE metadata)", incaps));
    return FALSE;
  }
  if (self->plaintext)
    GST_WARNING_OBJECT (self, "input is not end-to-end encrypted: passing it through");
  gst_base_transform_set_passthrough (trans, self->plaintext);
  return TRUE;
}

/* Counts a drop and, rate-limited per reason, tells the application. */
static void
gst_e2ee_dec_report_drop (GstE2eeDec * self, DropReason reason, gboolean have_header,
    guint64 kid, guint64 ctr, const gchar * detail)
{
  GstMessage *msg = NULL;
  gint64 now = g_get_monotonic_time ();

  GST_OBJECT_LOCK (self);
  self->drops[reason]++;
  self->drops_pending[reason]++;
  if (have_header) {
    GstE2eeKidStats *st = NULL;

    if (reason != DROP_UNKNOWN_KID || g_hash_table_contains (self->stats, &kid) ||
        g_hash_table_size (self->stats) < MAX_UNKNOWN_KID_STATS)
      st = gst_e2ee_kid_stats_get (self->stats, kid);
    if (st && reason == DROP_UNKNOWN_KID)
      st->dropped_unknown_kid++;
    else if (st && reason == DROP_AUTHENTICATION)
      st->dropped_authentication++;
    else if (st && reason == DROP_TRUNCATED)
      st->dropped_truncated++;
  }
  if (self->post_drop_messages && (self->last_drop_message[reason] == 0 ||
          now - self->last_drop_message[reason] >=
          (gint64) (self->drop_message_interval / GST_USECOND))) {
    GstStructure *s = gst_structure_new ("e2eedec-drop",
        "reason", G_TYPE_STRING, drop_reason_names[reason],
        "count", G_TYPE_UINT64, self->drops_pending[reason],
        "total", G_TYPE_UINT64, self->drops[reason],
        "detail", G_TYPE_STRING, detail, NULL);
    if (have_header)
      gst_structure_set (s, "kid", G_TYPE_UINT64, kid, "ctr", G_TYPE_UINT64, ctr, NULL);
    msg = gst_message_new_element (GST_OBJECT (self), s);
    self->drops_pending[reason] = 0;
    self->last_drop_message[reason] = now;
  }
  GST_OBJECT_UNLOCK (self);

  GST_WARNING_OBJECT (self, "dropped frame (%s): %s", drop_reason_names[reason], detail);
  if (msg)
    gst_element_post_message (GST_ELEMENT (self), msg);
}

static GstFlowReturn
gst_e2ee_dec_transform_ip (GstBaseTransform * trans, GstBuffer * buf)
{
  GstE2eeDec *self = GST_E2EE_DEC (trans);
  GstE2eeSFrameKey *key;
  GstE2eeKidStats *st;
  GstMapInfo map;
  GError *error = NULL;
  guint64 kid, ctr;
  gsize hlen, pt_len;
  gboolean ok;

  if (!gst_buffer_map (buf, &map, GST_MAP_READWRITE)) {
    GST_ELEMENT_ERROR (self, RESOURCE, READ, ("Cannot map the input frame"), (NULL));
    return GST_FLOW_ERROR;
  }

  if (!gst_e2ee_sframe_header_parse (map.data, map.size, &kid, &ctr, &hlen, &error)) {
    gst_buffer_unmap (buf, &map);
    gst_e2ee_dec_report_drop (self, DROP_MALFORMED_HEADER, FALSE, 0, 0, error->message);
    g_clear_error (&error);
    return GST_BASE_TRANSFORM_FLOW_DROPPED;
  }

  GST_OBJECT_LOCK (self);
  key = g_hash_table_lookup (self->keys, &kid);
  if (key)
    gst_e2ee_sframe_key_ref (key);
  GST_OBJECT_UNLOCK (self);

  if (key == NULL) {
    gchar *detail = g_strdup_printf ("no key for KID %" G_GUINT64_FORMAT, kid);
    gst_buffer_unmap (buf, &map);
    gst_e2ee_dec_report_drop (self, DROP_UNKNOWN_KID, TRUE, kid, ctr, detail);
    g_free (detail);
    return GST_BASE_TRANSFORM_FLOW_DROPPED;
  }

  /* In place: the plaintext lands where the ciphertext was, then the buffer is cut
   * down to it, so a writable frame costs no copy. */
  ok = gst_e2ee_sframe_key_decrypt (key, NULL, 0, map.data, map.size, map.data + hlen,
      map.size - hlen, &pt_len, NULL, &error);
  gst_buffer_unmap (buf, &map);

  if (!ok) {
    DropReason reason = DROP_AUTHENTICATION;

    if (g_error_matches (error, GST_E2EE_SFRAME_ERROR, GST_E2EE_SFRAME_ERROR_TRUNCATED))
      reason = DROP_TRUNCATED;
    else if (!g_error_matches (error, GST_E2EE_SFRAME_ERROR,
            GST_E2EE_SFRAME_ERROR_AUTHENTICATION)) {
      GST_ELEMENT_ERROR (self, STREAM, DECRYPT, ("Cannot decrypt: %s", error->message),
          (NULL));
      g_clear_error (&error);
      gst_e2ee_sframe_key_unref (key);
      return GST_FLOW_ERROR;
    }
    gst_e2ee_dec_report_drop (self, reason, TRUE, kid, ctr, error->message);
    g_clear_error (&error);
    gst_e2ee_sframe_key_unref (key);
    return GST_BASE_TRANSFORM_FLOW_DROPPED;
  }

  gst_buffer_resize (buf, hlen, pt_len);
  gst_buffer_add_e2ee_meta (buf, TRUE, kid, ctr, gst_e2ee_sframe_key_get_cipher_suite (key));
  gst_e2ee_sframe_key_unref (key);

  GST_OBJECT_LOCK (self);
  st = gst_e2ee_kid_stats_get (self->stats, kid);
  st->frames++;
  st->bytes += pt_len;
  self->frames++;
  self->bytes += pt_len;
  GST_OBJECT_UNLOCK (self);

  GST_LOG_OBJECT (self, "KID %" G_GUINT64_FORMAT " CTR %" G_GUINT64_FORMAT ": %"
      G_GSIZE_FORMAT " bytes", kid, ctr, pt_len);
  return GST_FLOW_OK;
}

static gboolean
gst_e2ee_dec_start (GstBaseTransform * trans)
{
  GstE2eeDec *self = GST_E2EE_DEC (trans);

  GST_OBJECT_LOCK (self);
  memset (self->drops_pending, 0, sizeof (self->drops_pending));
  memset (self->last_drop_message, 0, sizeof (self->last_drop_message));
  GST_OBJECT_UNLOCK (self);
  return TRUE;
}

static GstStructure *
gst_e2ee_dec_get_stats (GstE2eeDec * self)
{
  GstStructure *s;
  GValue kids = G_VALUE_INIT;
  guint64 dropped = 0;
  guint i;

  GST_OBJECT_LOCK (self);
  for (i = 0; i < N_DROP_REASONS; i++)
    dropped += self->drops[i];
  s = gst_structure_new ("e2eedec-stats",
      "frames", G_TYPE_UINT64, self->frames,
      "bytes", G_TYPE_UINT64, self->bytes,
      "dropped", G_TYPE_UINT64, dropped,
      "dropped-unknown-kid", G_TYPE_UINT64, self->drops[DROP_UNKNOWN_KID],
      "dropped-authentication", G_TYPE_UINT64, self->drops[DROP_AUTHENTICATION],
      "dropped-truncated", G_TYPE_UINT64, self->drops[DROP_TRUNCATED],
      "dropped-malformed-header", G_TYPE_UINT64, self->drops[DROP_MALFORMED_HEADER],
      "keys", G_TYPE_UINT, g_hash_table_size (self->keys), NULL);
  gst_e2ee_kid_stats_to_array (self->stats, TRUE, &kids);
  GST_OBJECT_UNLOCK (self);
  gst_structure_take_value (s, "kids", &kids);
  return s;
}

static void
gst_e2ee_dec_set_property (GObject * object, guint prop_id, const GValue * value,
    GParamSpec * pspec)
{
  GstE2eeDec *self = GST_E2EE_DEC (object);

  GST_OBJECT_LOCK (self);
  switch (prop_id) {
    case PROP_CIPHER_SUITE:
      self->suite = g_value_get_enum (value);
      gst_e2ee_dec_install_prop_key_locked (self);
      break;
    case PROP_KEY_ID:
      self->prop_kid = g_value_get_uint64 (value);
      gst_e2ee_dec_install_prop_key_locked (self);
      break;
    case PROP_KEY:
      g_clear_pointer (&self->prop_key, g_bytes_unref);
      self->prop_key = gst_e2ee_secret_from_buffer (g_value_get_boxed (value));
      gst_e2ee_dec_install_prop_key_locked (self);
      break;
    case PROP_POST_DROP_MESSAGES:
      self->post_drop_messages = g_value_get_boolean (value);
      break;
    case PROP_DROP_MESSAGE_INTERVAL:
      self->drop_message_interval = g_value_get_uint64 (value);
      break;
    case PROP_ALLOW_PLAINTEXT:
      self->allow_plaintext = g_value_get_boolean (value);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
      break;
  }
  GST_OBJECT_UNLOCK (self);
}

static void
gst_e2ee_dec_get_property (GObject * object, guint prop_id, GValue * value,
    GParamSpec * pspec)
{
  GstE2eeDec *self = GST_E2EE_DEC (object);

  if (prop_id == PROP_STATS) {
    g_value_take_boxed (value, gst_e2ee_dec_get_stats (self));
    return;
  }

  GST_OBJECT_LOCK (self);
  switch (prop_id) {
    case PROP_CIPHER_SUITE:
      g_value_set_enum (value, self->suite);
      break;
    case PROP_KEY_ID:
      g_value_set_uint64 (value, self->prop_kid);
      break;
    case PROP_POST_DROP_MESSAGES:
      g_value_set_boolean (value, self->post_drop_messages);
      break;
    case PROP_DROP_MESSAGE_INTERVAL:
      g_value_set_uint64 (value, self->drop_message_interval);
      break;
    case PROP_ALLOW_PLAINTEXT:
      g_value_set_boolean (value, self->allow_plaintext);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
      break;
  }
  GST_OBJECT_UNLOCK (self);
}

static void
gst_e2ee_dec_finalize (GObject * object)
{
  GstE2eeDec *self = GST_E2EE_DEC (object);

  g_clear_pointer (&self->prop_key, g_bytes_unref);
  g_hash_table_unref (self->keys);
  g_hash_table_unref (self->stats);
  G_OBJECT_CLASS (parent_class)->finalize (object);
}

static void
gst_e2ee_dec_init (GstE2eeDec * self)
{
  self->suite = DEFAULT_CIPHER_SUITE;
  self->prop_kid = DEFAULT_KEY_ID;
  self->post_drop_messages = DEFAULT_POST_DROP_MESSAGES;
  self->drop_message_interval = DEFAULT_DROP_MESSAGE_INTERVAL;
  self->allow_plaintext = DEFAULT_ALLOW_PLAINTEXT;
  self->keys = g_hash_table_new_full (g_int64_hash, g_int64_equal, g_free,
      (GDestroyNotify) gst_e2ee_sframe_key_unref);
  self->stats = gst_e2ee_kid_stats_table_new ();
  gst_base_transform_set_in_place (GST_BASE_TRANSFORM (self), TRUE);
}

static void
gst_e2ee_dec_class_init (GstE2eeDecClass * klass)
{
  GObjectClass *gobject_class = G_OBJECT_CLASS (klass);
  GstElementClass *element_class = GST_ELEMENT_CLASS (klass);
  GstBaseTransformClass *trans_class = GST_BASE_TRANSFORM_CLASS (klass);

  gobject_class->set_property = gst_e2ee_dec_set_property;
  gobject_class->get_property = gst_e2ee_dec_get_property;
  gobject_class->finalize = gst_e2ee_dec_finalize;

  /**
   * GstE2eeDec:cipher-suite:
   *
   * The SFrame cipher suite the senders use. Keys are derived for it when they are
   * added, so set it before adding keys; changing it re-derives only the `key`
   * property's key.
   *
   * Since: 0.1
   */
  g_object_class_install_property (gobject_class, PROP_CIPHER_SUITE,
      g_param_spec_enum ("cipher-suite", "Cipher suite",
          "SFrame cipher suite (RFC 9605 section 8.1) the senders use; set it before "
          "adding keys", GST_TYPE_E2EE_CIPHER_SUITE, DEFAULT_CIPHER_SUITE,
          G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS | GST_PARAM_MUTABLE_PLAYING));

  /**
   * GstE2eeDec:key-id:
   *
   * The key ID (KID) of the #GstE2eeDec:key property's key: the single-sender case on
   * a gst-launch line. Use the #GstE2eeDec::add-key signal for more senders.
   *
   * Since: 0.1
   */
  g_object_class_install_property (gobject_class, PROP_KEY_ID,
      g_param_spec_uint64 ("key-id", "Key ID",
          "Key ID (KID) of the 'key' property's key (single sender; use the add-key "
          "signal for more)", 0, G_MAXUINT64, DEFAULT_KEY_ID,
          G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS | GST_PARAM_MUTABLE_PLAYING));

  /**
   * GstE2eeDec:key:
   *
   * The sender's SFrame base key, as hex on a gst-launch line, for frames with the
   * #GstE2eeDec:key-id KID. Write-only: never readable, wiped when replaced or when
   * the element is freed.
   *
   * Since: 0.1
   */
  g_object_class_install_property (gobject_class, PROP_KEY,
      g_param_spec_boxed ("key", "Base key",
          "SFrame base key for key-id (hex on a gst-launch line); write-only",
          GST_TYPE_BUFFER,
          G_PARAM_WRITABLE | G_PARAM_STATIC_STRINGS | GST_PARAM_MUTABLE_PLAYING));

  /**
   * GstE2eeDec:stats:
   *
   * Counters, as a #GstStructure named `e2eedec-stats`:
   *
   * * `frames`, `bytes` (#guint64): frames decrypted and their plaintext bytes.
   * * `dropped` (#guint64): frames dropped for any reason.
   * * `dropped-unknown-kid`, `dropped-authentication`, `dropped-truncated`,
   *   `dropped-malformed-header` (#guint64): drops by reason.
   * * `keys` (#guint): keys held.
   * * `kids` (#GstValueArray of #GstStructure `kid-stats`): per KID seen, `kid`,
   *   `frames`, `bytes`, `dropped-authentication`, `dropped-truncated` and
   *   `dropped-unknown-kid` (at most 64 unknown KIDs are listed; all are counted
   *   in the totals).
   *
   * Since: 0.1
   */
  g_object_class_install_property (gobject_class, PROP_STATS,
      g_param_spec_boxed ("stats", "Statistics",
          "Frames decrypted and dropped (by reason), in total and per key ID",
          GST_TYPE_STRUCTURE, G_PARAM_READABLE | G_PARAM_STATIC_STRINGS));

  /**
   * GstE2eeDec:post-drop-messages:
   *
   * Post an `e2eedec-drop` element message when frames are dropped (see the
   * element's description for its fields), at most once per
   * #GstE2eeDec:drop-message-interval for each reason.
   *
   * Since: 0.1
   */
  g_object_class_install_property (gobject_class, PROP_POST_DROP_MESSAGES,
      g_param_spec_boolean ("post-drop-messages", "Post drop messages",
          "Post an 'e2eedec-drop' element message (reason, kid, ctr, count, total, "
          "detail) when frames are dropped", DEFAULT_POST_DROP_MESSAGES,
          G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS | GST_PARAM_MUTABLE_PLAYING));

  /**
   * GstE2eeDec:drop-message-interval:
   *
   * The shortest time between two `e2eedec-drop` messages for the same reason, in
   * nanoseconds; drops in between are summed into the next message's `count`.
   * 0 posts a message for every dropped frame.
   *
   * Since: 0.1
   */
  g_object_class_install_property (gobject_class, PROP_DROP_MESSAGE_INTERVAL,
      g_param_spec_uint64 ("drop-message-interval", "Drop message interval",
          "Minimum time in ns between two e2eedec-drop messages for one reason "
          "(0 = every drop)", 0, G_MAXUINT64, DEFAULT_DROP_MESSAGE_INTERVAL,
          G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS | GST_PARAM_MUTABLE_PLAYING));

  /**
   * GstE2eeDec:allow-plaintext:
   *
   * Accept input that is not SFrame (for instance while a sender has turned E2EE
   * off with e2eeenc's `enabled`) and pass it through unchanged and without a
   * #GstE2eeMeta. When %FALSE (the default) such input is refused with an error.
   *
   * Since: 0.1
   */
  g_object_class_install_property (gobject_class, PROP_ALLOW_PLAINTEXT,
      g_param_spec_boolean ("allow-plaintext", "Allow plaintext",
          "Pass input that is not SFrame unchanged (without E2EE metadata) instead of "
          "refusing it", DEFAULT_ALLOW_PLAINTEXT,
          G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS | GST_PARAM_MUTABLE_READY));

  /**
   * GstE2eeDec::add-key:
   * @e2eedec: the element
   * @kid: the key ID
   * @base_key: the sender's base key
   *
   * Adds (or replaces) the key for @kid, derived for the current
   * #GstE2eeDec:cipher-suite. The element keeps only the derived key; the caller
   * should wipe @base_key's memory when done with it.
   *
   * Returns: %TRUE if the key was added.
   *
   * Since: 0.1
   */
  signals[SIGNAL_ADD_KEY] = g_signal_new_class_handler ("add-key",
      G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST | G_SIGNAL_ACTION,
      G_CALLBACK (gst_e2ee_dec_add_key), NULL, NULL, NULL, G_TYPE_BOOLEAN, 2,
      G_TYPE_UINT64, GST_TYPE_BUFFER);

  /**
   * GstE2eeDec::remove-key:
   * @e2eedec: the element
   * @kid: the key ID
   *
   * Removes the key for @kid and wipes it; frames with that KID are dropped as
   * `unknown-kid` from then on.
   *
   * Returns: %TRUE if there was such a key.
   *
   * Since: 0.1
   */
  signals[SIGNAL_REMOVE_KEY] = g_signal_new_class_handler ("remove-key",
      G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST | G_SIGNAL_ACTION,
      G_CALLBACK (gst_e2ee_dec_remove_key), NULL, NULL, NULL, G_TYPE_BOOLEAN, 1,
      G_TYPE_UINT64);

  gst_element_class_add_static_pad_template (element_class, &sink_template);
  gst_element_class_add_static_pad_template (element_class, &src_template);
  gst_element_class_set_static_metadata (element_class,
      "SFrame end-to-end decrypter", "Filter/Decryptor",
      "Checks and decrypts SFrame (RFC 9605) frames, dropping any that fail",
      "gst-e2ee developers");

  trans_class->start = GST_DEBUG_FUNCPTR (gst_e2ee_dec_start);
  trans_class->transform_caps = GST_DEBUG_FUNCPTR (gst_e2ee_dec_transform_caps);
  trans_class->set_caps = GST_DEBUG_FUNCPTR (gst_e2ee_dec_set_caps);
  trans_class->transform_ip = GST_DEBUG_FUNCPTR (gst_e2ee_dec_transform_ip);
  trans_class->passthrough_on_same_caps = FALSE;
  trans_class->transform_ip_on_passthrough = FALSE;

  gst_type_mark_as_plugin_api (GST_TYPE_E2EE_CIPHER_SUITE, 0);
  GST_DEBUG_CATEGORY_INIT (gst_e2ee_dec_debug, "e2eedec", 0, "SFrame decrypter");
}
