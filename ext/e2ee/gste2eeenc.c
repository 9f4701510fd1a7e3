/* gst-e2ee: e2eeenc
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

/**
 * SECTION:element-e2eeenc
 * @title: e2eeenc
 * @short_description: encrypts each frame end to end with SFrame (RFC 9605)
 * @see_also: e2eedec
 *
 * Encrypts every input buffer (one encoded audio or video frame) as one SFrame frame:
 * a header with the key ID (KID) and a counter (CTR), the ciphertext and an
 * authentication tag. A forwarding server (SFU) can relay the frames but cannot read
 * or alter them; e2eedec with the same key restores the original frames.
 *
 * The output caps are `application/x-sframe` with every field of the input caps and
 * the field `original-media-type`, so e2eedec restores the exact input caps and
 * `x264enc ! h264parse ! e2eeenc ! e2eedec ! avdec_h264` negotiates as if the pair
 * were not there. Timestamps, durations and buffer flags (delta unit, header, ...)
 * are kept.
 *
 * Each key's counter starts at 0 and only moves forward for as long as the element
 * lives: giving the element the same key and KID again continues the counter, and a
 * KID already used with one key is refused for another, so a (key, nonce) pair is
 * never used twice. The element refuses to start without a key.
 *
 * ## Example launch line
 * |[
 * gst-launch-1.0 videotestsrc num-buffers=100 ! x264enc ! h264parse ! \
 *     e2eeenc key-id=1 key=000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f ! \
 *     filesink location=video.sframe
 * ]|
 *
 * Since: 0.1
 */

#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "gste2eeenc.h"
#include "gste2eeelement.h"

#include <gst/e2ee/gste2eesframe-private.h>

GST_DEBUG_CATEGORY_STATIC (gst_e2ee_enc_debug);
#define GST_CAT_DEFAULT gst_e2ee_enc_debug

#define DEFAULT_CIPHER_SUITE GST_E2EE_CIPHER_SUITE_AES_256_GCM_SHA512_128
#define DEFAULT_KEY_ID 0
#define DEFAULT_ENABLED TRUE
#define MIN_POOL_BUFFER_SIZE 2048

enum
{
  PROP_0,
  PROP_CIPHER_SUITE,
  PROP_KEY_ID,
  PROP_KEY,
  PROP_ENABLED,
  PROP_STATS,
};

struct _GstE2eeEnc
{
  GstBaseTransform parent;

  /* Protected by the object lock. */
  GstE2eeCipherSuite suite;
  guint64 kid;
  GBytes *base_key;             /* wiped on release */
  gboolean key_dirty;           /* key, key-id or cipher-suite changed */
  gboolean enabled;
  GstE2eeSFrameKey *key;        /* the key frames are encrypted with */
  /* Every key this element has used, by KID, so a KID never gets a second key and a
   * re-given key continues its counter instead of restarting at 0. */
  GHashTable *used_keys;
  GHashTable *stats;
  guint64 frames;
  guint64 bytes;

  /* Streaming thread only. */
  GstBufferPool *pool;
  gsize pool_size;
};

static GstStaticPadTemplate sink_template = GST_STATIC_PAD_TEMPLATE ("sink",
    GST_PAD_SINK, GST_PAD_ALWAYS, GST_STATIC_CAPS_ANY);

/* application/x-sframe when encrypting; ANY because with enabled=false frames pass
 * with their own caps. */
static GstStaticPadTemplate src_template = GST_STATIC_PAD_TEMPLATE ("src",
    GST_PAD_SRC, GST_PAD_ALWAYS, GST_STATIC_CAPS_ANY);

#define gst_e2ee_enc_parent_class parent_class
G_DEFINE_TYPE (GstE2eeEnc, gst_e2ee_enc, GST_TYPE_BASE_TRANSFORM);
GST_ELEMENT_REGISTER_DEFINE (e2eeenc, "e2eeenc", GST_RANK_NONE, GST_TYPE_E2EE_ENC);

/* Called with the object lock. Makes self->key match the configured key, KID and
 * suite. Returns FALSE with @error set when there is no key or the KID was already
 * used with a different key. */
static gboolean
gst_e2ee_enc_update_key_locked (GstE2eeEnc * self, GError ** error)
{
  GstE2eeSFrameKey *fresh, *used;
  const guint8 *data;
  gsize size;

  if (!self->key_dirty && self->key)
    return TRUE;
  if (self->base_key == NULL) {
    g_set_error_literal (error, GST_E2EE_SFRAME_ERROR,
        GST_E2EE_SFRAME_ERROR_INVALID_ARGUMENT,
        "no key: set the 'key' property (the base key, as hex on a gst-launch line) "
        "and 'key-id'");
    return FALSE;
  }

  data = g_bytes_get_data (self->base_key, &size);
  fresh = gst_e2ee_sframe_key_new (self->suite, self->kid, data, size, error);
  if (fresh == NULL)
    return FALSE;

  used = g_hash_table_lookup (self->used_keys, &self->kid);
  if (used) {
    if (!gst_e2ee_sframe_key_same_secret (used, fresh)) {
      gst_e2ee_sframe_key_unref (fresh);
      g_set_error (error, GST_E2EE_SFRAME_ERROR, GST_E2EE_SFRAME_ERROR_INVALID_ARGUMENT,
          "key ID %" G_GUINT64_FORMAT " was already used with another key (or cipher "
          "suite); give the new key a new key-id", self->kid);
      return FALSE;
    }
    /* Same key again: carry on with its counter. */
    gst_e2ee_sframe_key_unref (fresh);
    fresh = gst_e2ee_sframe_key_ref (used);
  } else {
    GstE2eeSFrameKey *k = gst_e2ee_sframe_key_ref (fresh);
    g_hash_table_insert (self->used_keys, g_memdup2 (&self->kid, sizeof (guint64)), k);
  }

  if (self->key)
    gst_e2ee_sframe_key_unref (self->key);
  self->key = fresh;
  self->key_dirty = FALSE;
  GST_INFO_OBJECT (self, "encrypting with KID %" G_GUINT64_FORMAT ", next CTR %"
      G_GUINT64_FORMAT, self->kid, gst_e2ee_sframe_key_get_next_counter (fresh));
  return TRUE;
}

static gboolean
gst_e2ee_enc_start (GstBaseTransform * trans)
{
  GstE2eeEnc *self = GST_E2EE_ENC (trans);
  GError *error = NULL;
  gboolean ok;

  gboolean enabled;

  GST_OBJECT_LOCK (self);
  enabled = self->enabled;
  /* A key is needed only to encrypt; a disabled element may get one later. */
  ok = !enabled || gst_e2ee_enc_update_key_locked (self, &error);
  GST_OBJECT_UNLOCK (self);
  if (!ok) {
    GST_ELEMENT_ERROR (self, RESOURCE, SETTINGS, ("Cannot encrypt: %s", error->message),
        (NULL));
    g_clear_error (&error);
  }
  gst_base_transform_set_passthrough (trans, !enabled);
  return ok;
}

static gboolean
gst_e2ee_enc_stop (GstBaseTransform * trans)
{
  GstE2eeEnc *self = GST_E2EE_ENC (trans);

  if (self->pool) {
    gst_buffer_pool_set_active (self->pool, FALSE);
    gst_clear_object (&self->pool);
  }
  self->pool_size = 0;
  return TRUE;
}

static GstCaps *
gst_e2ee_enc_transform_caps (GstBaseTransform * trans, GstPadDirection direction,
    GstCaps * caps, GstCaps * filter)
{
  GstE2eeEnc *self = GST_E2EE_ENC (trans);
  GstCaps *res;
  gboolean enabled;

  GST_OBJECT_LOCK (self);
  enabled = self->enabled;
  GST_OBJECT_UNLOCK (self);

  if (!enabled)
    res = gst_caps_ref (caps);
  else if (direction == GST_PAD_SINK)
    res = gst_e2ee_caps_to_sframe (caps);
  else
    res = gst_e2ee_caps_from_sframe (caps);

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
gst_e2ee_enc_transform_meta (GstBaseTransform * trans, GstBuffer * outbuf,
    GstMeta * meta, GstBuffer * inbuf)
{
  GType api = meta->info->api;

  /* The output is ciphertext: a claim about the plaintext's origin does not apply.
   * Every other meta describes the frame itself (e.g. Opus clipping), which e2eedec
   * gives back unchanged, so it travels with the frame. */
  return api != GST_E2EE_META_API_TYPE && api != GST_E2EE_TRANSPORT_META_API_TYPE;
}

static GstFlowReturn
gst_e2ee_enc_prepare_output_buffer (GstBaseTransform * trans, GstBuffer * inbuf,
    GstBuffer ** outbuf)
{
  GstE2eeEnc *self = GST_E2EE_ENC (trans);
  gsize size;

  if (gst_base_transform_is_passthrough (trans))
    return GST_BASE_TRANSFORM_CLASS (parent_class)->prepare_output_buffer (trans, inbuf,
        outbuf);

  /* Frames vary in size, so the pool grows to the largest frame seen (rounded up to a
   * power of two) instead of allocating per frame. */
  size = gst_buffer_get_size (inbuf) + GST_E2EE_SFRAME_MAX_OVERHEAD;
  if (self->pool == NULL || size > self->pool_size) {
    GstBufferPool *pool = gst_buffer_pool_new ();
    GstStructure *config = gst_buffer_pool_get_config (pool);
    gsize pool_size = MAX (MIN_POOL_BUFFER_SIZE, (gsize) 1 << g_bit_storage (size - 1));

    gst_buffer_pool_config_set_params (config, NULL, (guint) pool_size, 0, 0);
    if (!gst_buffer_pool_set_config (pool, config) ||
        !gst_buffer_pool_set_active (pool, TRUE)) {
      gst_object_unref (pool);
      GST_ELEMENT_ERROR (self, RESOURCE, NO_SPACE_LEFT,
          ("Cannot allocate output buffers of %" G_GSIZE_FORMAT " bytes", pool_size),
          (NULL));
      return GST_FLOW_ERROR;
    }
    if (self->pool) {
      gst_buffer_pool_set_active (self->pool, FALSE);
      gst_object_unref (self->pool);
    }
    self->pool = pool;
    self->pool_size = pool_size;
    GST_DEBUG_OBJECT (self, "output pool of %" G_GSIZE_FORMAT "-byte buffers", pool_size);
  }
  if (gst_buffer_pool_acquire_buffer (self->pool, outbuf, NULL) != GST_FLOW_OK)
    return GST_FLOW_ERROR;
  /* Overriding this vfunc skips the base class's copy of timestamps, flags and metas. */
  if (!GST_BASE_TRANSFORM_GET_CLASS (trans)->copy_metadata (trans, inbuf, *outbuf)) {
    gst_buffer_unref (*outbuf);
    *outbuf = NULL;
    return GST_FLOW_ERROR;
  }
  return GST_FLOW_OK;
}

static GstFlowReturn
gst_e2ee_enc_transform (GstBaseTransform * trans, GstBuffer * inbuf, GstBuffer * outbuf)
{
  GstE2eeEnc *self = GST_E2EE_ENC (trans);
  GstE2eeSFrameKey *key;
  GstMapInfo in, out;
  GError *error = NULL;
  GstE2eeKidStats *st;
  gsize out_len = 0;
  guint64 ctr;
  gboolean ok;

  GST_OBJECT_LOCK (self);
  ok = gst_e2ee_enc_update_key_locked (self, &error);
  key = ok ? gst_e2ee_sframe_key_ref (self->key) : NULL;
  GST_OBJECT_UNLOCK (self);
  if (!ok) {
    GST_ELEMENT_ERROR (self, RESOURCE, SETTINGS, ("Cannot encrypt: %s", error->message),
        (NULL));
    g_clear_error (&error);
    return GST_FLOW_ERROR;
  }

  if (!gst_buffer_map (inbuf, &in, GST_MAP_READ)) {
    gst_e2ee_sframe_key_unref (key);
    GST_ELEMENT_ERROR (self, RESOURCE, READ, ("Cannot read the input frame"), (NULL));
    return GST_FLOW_ERROR;
  }
  if (!gst_buffer_map (outbuf, &out, GST_MAP_WRITE)) {
    gst_buffer_unmap (inbuf, &in);
    gst_e2ee_sframe_key_unref (key);
    GST_ELEMENT_ERROR (self, RESOURCE, WRITE, ("Cannot write the output frame"), (NULL));
    return GST_FLOW_ERROR;
  }
  ok = gst_e2ee_sframe_key_encrypt (key, NULL, 0, in.data, in.size, out.data, out.size,
      &out_len, &ctr, &error);
  gst_buffer_unmap (outbuf, &out);
  gst_buffer_unmap (inbuf, &in);

  if (!ok) {
    gboolean exhausted = g_error_matches (error, GST_E2EE_SFRAME_ERROR,
        GST_E2EE_SFRAME_ERROR_COUNTER_EXHAUSTED);
    /* Stopping is the only safe answer: continuing would need a nonce already used. */
    GST_ELEMENT_ERROR (self, STREAM, ENCODE, ("Cannot encrypt frame: %s",
            error->message), ("KID %" G_GUINT64_FORMAT "%s",
            gst_e2ee_sframe_key_get_kid (key), exhausted ? ", set a new key" : ""));
    g_clear_error (&error);
    gst_e2ee_sframe_key_unref (key);
    return GST_FLOW_ERROR;
  }
  gst_buffer_set_size (outbuf, out_len);

  GST_LOG_OBJECT (self, "frame of %" G_GSIZE_FORMAT " bytes -> KID %" G_GUINT64_FORMAT
      " CTR %" G_GUINT64_FORMAT ", %" G_GSIZE_FORMAT " bytes", gst_buffer_get_size (inbuf),
      gst_e2ee_sframe_key_get_kid (key), ctr, out_len);

  GST_OBJECT_LOCK (self);
  st = gst_e2ee_kid_stats_get (self->stats, gst_e2ee_sframe_key_get_kid (key));
  st->frames++;
  st->bytes += gst_buffer_get_size (inbuf);
  self->frames++;
  self->bytes += gst_buffer_get_size (inbuf);
  GST_OBJECT_UNLOCK (self);

  gst_e2ee_sframe_key_unref (key);
  return GST_FLOW_OK;
}

static GstStructure *
gst_e2ee_enc_get_stats (GstE2eeEnc * self)
{
  GstStructure *s;
  GValue kids = G_VALUE_INIT;

  GstE2eeSFrameKey *next_key;

  GST_OBJECT_LOCK (self);
  /* A key change is applied by the next frame; until then report the counter the new
   * key would start from (0, or where that KID's key stopped). */
  next_key = self->key_dirty ? g_hash_table_lookup (self->used_keys, &self->kid) : self->key;
  s = gst_structure_new ("e2eeenc-stats",
      "frames", G_TYPE_UINT64, self->frames,
      "bytes", G_TYPE_UINT64, self->bytes,
      "kid", G_TYPE_UINT64, self->kid,
      "next-ctr", G_TYPE_UINT64,
      next_key ? gst_e2ee_sframe_key_get_next_counter (next_key) : (guint64) 0, NULL);
  gst_e2ee_kid_stats_to_array (self->stats, FALSE, &kids);
  GST_OBJECT_UNLOCK (self);
  gst_structure_take_value (s, "kids", &kids);
  return s;
}

static void
gst_e2ee_enc_set_property (GObject * object, guint prop_id, const GValue * value,
    GParamSpec * pspec)
{
  GstE2eeEnc *self = GST_E2EE_ENC (object);
  gboolean reconfigure = FALSE;

  GST_OBJECT_LOCK (self);
  switch (prop_id) {
    case PROP_CIPHER_SUITE:
      self->suite = g_value_get_enum (value);
      self->key_dirty = TRUE;
      break;
    case PROP_KEY_ID:
      self->kid = g_value_get_uint64 (value);
      self->key_dirty = TRUE;
      break;
    case PROP_KEY:
      g_clear_pointer (&self->base_key, g_bytes_unref);
      self->base_key = gst_e2ee_secret_from_buffer (g_value_get_boxed (value));
      self->key_dirty = TRUE;
      break;
    case PROP_ENABLED:
      reconfigure = self->enabled != g_value_get_boolean (value);
      self->enabled = g_value_get_boolean (value);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
      break;
  }
  GST_OBJECT_UNLOCK (self);

  if (reconfigure) {
    /* Plain frames keep their own caps: renegotiate so downstream sees which it gets. */
    gst_base_transform_set_passthrough (GST_BASE_TRANSFORM (self),
        !g_value_get_boolean (value));
    gst_base_transform_reconfigure_src (GST_BASE_TRANSFORM (self));
    GST_INFO_OBJECT (self, "end-to-end encryption %s",
        g_value_get_boolean (value) ? "enabled" : "disabled");
  }
}

static void
gst_e2ee_enc_get_property (GObject * object, guint prop_id, GValue * value,
    GParamSpec * pspec)
{
  GstE2eeEnc *self = GST_E2EE_ENC (object);

  switch (prop_id) {
    case PROP_CIPHER_SUITE:
      GST_OBJECT_LOCK (self);
      g_value_set_enum (value, self->suite);
      GST_OBJECT_UNLOCK (self);
      break;
    case PROP_KEY_ID:
      GST_OBJECT_LOCK (self);
      g_value_set_uint64 (value, self->kid);
      GST_OBJECT_UNLOCK (self);
      break;
    case PROP_ENABLED:
      GST_OBJECT_LOCK (self);
      g_value_set_boolean (value, self->enabled);
      GST_OBJECT_UNLOCK (self);
      break;
    case PROP_STATS:
      g_value_take_boxed (value, gst_e2ee_enc_get_stats (self));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
      break;
  }
}

static void
gst_e2ee_enc_finalize (GObject * object)
{
  GstE2eeEnc *self = GST_E2EE_ENC (object);

  g_clear_pointer (&self->base_key, g_bytes_unref);
  g_clear_pointer (&self->key, gst_e2ee_sframe_key_unref);
  g_hash_table_unref (self->used_keys);
  g_hash_table_unref (self->stats);
  G_OBJECT_CLASS (parent_class)->finalize (object);
}

static void
gst_e2ee_enc_init (GstE2eeEnc * self)
{
  self->suite = DEFAULT_CIPHER_SUITE;
  self->kid = DEFAULT_KEY_ID;
  self->enabled = DEFAULT_ENABLED;
  self->used_keys = g_hash_table_new_full (g_int64_hash, g_int64_equal, g_free,
      (GDestroyNotify) gst_e2ee_sframe_key_unref);
  self->stats = gst_e2ee_kid_stats_table_new ();
}

static void
gst_e2ee_enc_class_init (GstE2eeEncClass * klass)
{
  GObjectClass *gobject_class = G_OBJECT_CLASS (klass);
  GstElementClass *element_class = GST_ELEMENT_CLASS (klass);
  GstBaseTransformClass *trans_class = GST_BASE_TRANSFORM_CLASS (klass);

  gobject_class->set_property = gst_e2ee_enc_set_property;
  gobject_class->get_property = gst_e2ee_enc_get_property;
  gobject_class->finalize = gst_e2ee_enc_finalize;

  /**
   * GstE2eeEnc:cipher-suite:
   *
   * The SFrame cipher suite (RFC 9605 §8.1). Receivers must use the same one.
   * AES-256-GCM with SHA-512 is what meeting services use; the CTR+HMAC suites with
   * short tags save bytes on audio at the price of weaker authentication.
   *
   * Since: 0.1
   */
  g_object_class_install_property (gobject_class, PROP_CIPHER_SUITE,
      g_param_spec_enum ("cipher-suite", "Cipher suite",
          "SFrame cipher suite (RFC 9605 section 8.1); the receiver must use the same",
          GST_TYPE_E2EE_CIPHER_SUITE, DEFAULT_CIPHER_SUITE,
          G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS | GST_PARAM_MUTABLE_PLAYING));

  /**
   * GstE2eeEnc:key-id:
   *
   * The key ID (KID) frames carry in their SFrame header, which tells receivers
   * which key to use. Give every key its own KID: a KID once used by this element
   * cannot be given a different key.
   *
   * Since: 0.1
   */
  g_object_class_install_property (gobject_class, PROP_KEY_ID,
      g_param_spec_uint64 ("key-id", "Key ID",
          "Key ID (KID) written in each frame's header; one KID per key",
          0, G_MAXUINT64, DEFAULT_KEY_ID,
          G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS | GST_PARAM_MUTABLE_PLAYING));

  /**
   * GstE2eeEnc:key:
   *
   * The SFrame base key (at least 16 random bytes; 32 recommended), given as hex on a
   * gst-launch line. Write-only: it cannot be read back, is wiped from memory when
   * replaced or when the element is freed, and never appears in logs or caps. Setting
   * it while playing switches keys from the next frame.
   *
   * Since: 0.1
   */
  g_object_class_install_property (gobject_class, PROP_KEY,
      g_param_spec_boxed ("key", "Base key",
          "SFrame base key (hex on a gst-launch line); write-only, never readable",
          GST_TYPE_BUFFER,
          G_PARAM_WRITABLE | G_PARAM_STATIC_STRINGS | GST_PARAM_MUTABLE_PLAYING));

  /**
   * GstE2eeEnc:enabled:
   *
   * Whether to encrypt. When %FALSE frames pass unencrypted with their original caps
   * and carry no E2EE metadata, so encstatus and receivers see the meeting is no
   * longer end to end. Can be toggled while playing; downstream renegotiates.
   *
   * Since: 0.1
   */
  g_object_class_install_property (gobject_class, PROP_ENABLED,
      g_param_spec_boolean ("enabled", "Enabled",
          "Encrypt frames; when false they pass unencrypted with their own caps",
          DEFAULT_ENABLED,
          G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS | GST_PARAM_MUTABLE_PLAYING));

  /**
   * GstE2eeEnc:stats:
   *
   * Counters, as a #GstStructure named `e2eeenc-stats`:
   *
   * * `frames` (#guint64): frames encrypted.
   * * `bytes` (#guint64): plaintext bytes encrypted.
   * * `kid` (#guint64): the current key ID.
   * * `next-ctr` (#guint64): the counter the next frame will carry.
   * * `kids` (#GstValueArray of #GstStructure `kid-stats`): per KID, `kid`, `frames`
   *   and `bytes`.
   *
   * Since: 0.1
   */
  g_object_class_install_property (gobject_class, PROP_STATS,
      g_param_spec_boxed ("stats", "Statistics",
          "Frames and bytes encrypted, in total and per key ID",
          GST_TYPE_STRUCTURE, G_PARAM_READABLE | G_PARAM_STATIC_STRINGS));

  gst_element_class_add_static_pad_template (element_class, &sink_template);
  gst_element_class_add_static_pad_template (element_class, &src_template);
  gst_element_class_set_static_metadata (element_class,
      "SFrame end-to-end encrypter", "Filter/Encryptor",
      "Encrypts each frame end to end with SFrame (RFC 9605)",
      "gst-e2ee developers");

  trans_class->start = GST_DEBUG_FUNCPTR (gst_e2ee_enc_start);
  trans_class->stop = GST_DEBUG_FUNCPTR (gst_e2ee_enc_stop);
  trans_class->transform_caps = GST_DEBUG_FUNCPTR (gst_e2ee_enc_transform_caps);
  trans_class->transform_meta = GST_DEBUG_FUNCPTR (gst_e2ee_enc_transform_meta);
  trans_class->prepare_output_buffer =
      GST_DEBUG_FUNCPTR (gst_e2ee_enc_prepare_output_buffer);
  trans_class->transform = GST_DEBUG_FUNCPTR (gst_e2ee_enc_transform);
  trans_class->passthrough_on_same_caps = FALSE;

  gst_type_mark_as_plugin_api (GST_TYPE_E2EE_CIPHER_SUITE, 0);
  GST_DEBUG_CATEGORY_INIT (gst_e2ee_enc_debug, "e2eeenc", 0, "SFrame encrypter");
}
