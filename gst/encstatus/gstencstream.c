/* gst-e2ee: one stream of a meeting, and what its buffers say
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

/* A stream's level comes from its last buffer's metadata, then from its declared kind.
 * The rules are the services' own: the shield table for one connection (media,
 * signaling, TLS certificate), gateways (phone, SIP, H.323, RTMP, recording) that end
 * end-to-end encryption, and H.323's signaling that is never encrypted. */

#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "gstencstream.h"

static const GEnumValue stream_kinds[] = {
  {GST_ENC_STREAM_KIND_AUTO, "Judge by the buffers' metadata", "auto"},
  {GST_ENC_STREAM_KIND_E2EE, "Meeting client stream, expected end to end encrypted",
      "e2ee"},
  {GST_ENC_STREAM_KIND_SRTP, "Meeting client stream over SRTP and TLS, not end to end",
      "srtp"},
  {GST_ENC_STREAM_KIND_PSTN, "Phone dial-in (PSTN) leg", "pstn"},
  {GST_ENC_STREAM_KIND_SIP, "SIP room system leg", "sip"},
  {GST_ENC_STREAM_KIND_H323, "H.323 room system leg (signaling never encrypted)", "h323"},
  {GST_ENC_STREAM_KIND_RTMP, "RTMP live stream", "rtmp"},
  {GST_ENC_STREAM_KIND_RECORDING, "Cloud recording", "recording"},
  {GST_ENC_STREAM_KIND_PLAIN, "Unencrypted stream", "plain"},
  {0, NULL, NULL}
};

GType
gst_enc_stream_kind_get_type (void)
{
  static GType type = 0;

  if (g_once_init_enter (&type)) {
    GType t = g_enum_register_static ("GstEncStreamKind", stream_kinds);
    g_once_init_leave (&type, t);
  }
  return type;
}

enum
{
  LACK_E2EE = 1 << 0,
  LACK_MEDIA = 1 << 1,
  LACK_SIGNALING = 1 << 2,
  LACK_TLS = 1 << 3,
};

static const gchar *const lack_names[] = {
  "end-to-end-encryption", "media-encryption", "signaling-encryption", "tls-certificate"
};

GstEncStream *
gst_enc_stream_new (GstElement * element)
{
  GstEncStream *s = g_new0 (GstEncStream, 1);

  g_weak_ref_init (&s->element, element);
  s->name = g_strdup (GST_OBJECT_NAME (element));
  s->level = GST_E2EE_ENCRYPTION_LEVEL_UNENCRYPTED;
  return s;
}

void
gst_enc_stream_free (GstEncStream * s)
{
  g_weak_ref_clear (&s->element);
  g_free (s->name);
  g_free (s->reason);
  g_free (s->security_code);
  g_free (s);
}

gboolean
gst_enc_observation_equal (const GstEncObservation * a, const GstEncObservation * b)
{
  return a->e2ee == b->e2ee && a->transport == b->transport
      && a->media_encrypted == b->media_encrypted
      && a->media_authenticated == b->media_authenticated
      && a->signaling_encrypted == b->signaling_encrypted
      && a->tls_certificate_valid == b->tls_certificate_valid;
}

/* Legs where the meeting's end-to-end encryption ends: a gateway or the service itself
 * holds their media in the clear, whatever their buffers say. */
static gboolean
kind_ends_e2ee (GstEncStreamKind kind)
{
  switch (kind) {
    case GST_ENC_STREAM_KIND_PSTN:
    case GST_ENC_STREAM_KIND_SIP:
    case GST_ENC_STREAM_KIND_H323:
    case GST_ENC_STREAM_KIND_RTMP:
    case GST_ENC_STREAM_KIND_RECORDING:
      return TRUE;
    default:
      return FALSE;
  }
}

const gchar *
gst_enc_stream_kind_restricted_feature (GstEncStreamKind kind)
{
  switch (kind) {
    case GST_ENC_STREAM_KIND_PSTN:
      return "pstn-join";
    case GST_ENC_STREAM_KIND_SIP:
      return "sip-join";
    case GST_ENC_STREAM_KIND_H323:
      return "h323-join";
    case GST_ENC_STREAM_KIND_RTMP:
      return "live-streaming";
    case GST_ENC_STREAM_KIND_RECORDING:
      return "cloud-recording";
    default:
      return NULL;
  }
}

static const gchar *
kind_description (GstEncStreamKind kind)
{
  switch (kind) {
    case GST_ENC_STREAM_KIND_PSTN:
      return "phone (PSTN) leg: not encrypted past the gateway";
    case GST_ENC_STREAM_KIND_SIP:
      return "SIP leg: encryption ends at the gateway";
    case GST_ENC_STREAM_KIND_H323:
      return "H.323 leg: H.323 does not support encrypted call signaling";
    case GST_ENC_STREAM_KIND_RTMP:
      return "RTMP live stream: leaves the meeting";
    case GST_ENC_STREAM_KIND_RECORDING:
      return "cloud recording: the service holds the media";
    case GST_ENC_STREAM_KIND_SRTP:
      return "encrypted hop by hop, not end to end";
    case GST_ENC_STREAM_KIND_PLAIN:
      return "declared unencrypted";
    default:
      return NULL;
  }
}

static void
append_reason (GString * s, const gchar * part)
{
  if (!part)
    return;
  if (s->len)
    g_string_append (s, "; ");
  g_string_append (s, part);
}

/* Computes a stream's level and what it lacks from its last buffer and its kind, with
 * the meeting's E2EE on or off. Returns TRUE when the stream has just been downgraded. */
gboolean
gst_enc_stream_evaluate (GstEncStream * s, gboolean e2ee_enabled)
{
  gboolean media, signaling, tls, was_downgraded = s->downgraded;
  GstE2eeEncryptionLevel level;
  GString *why;

  g_clear_pointer (&s->reason, g_free);
  s->restricted = NULL;
  s->downgraded = FALSE;

  if (s->obs.e2ee && !kind_ends_e2ee (s->kind)) {
    s->level = GST_E2EE_ENCRYPTION_LEVEL_E2EE;
    s->lacks = 0;
    return FALSE;
  }

  why = g_string_new (NULL);
  if (s->obs.transport) {
    media = s->obs.media_encrypted && s->obs.media_authenticated;
    signaling = s->obs.signaling_encrypted;
    tls = s->obs.tls_certificate_valid;
  } else {
    /* Without transport metadata the declared kind is all there is: a meeting
     * client's transport stays encrypted (TLS and SRTP) with E2EE off. */
    switch (s->kind) {
      case GST_ENC_STREAM_KIND_E2EE:
      case GST_ENC_STREAM_KIND_SRTP:
      case GST_ENC_STREAM_KIND_RECORDING:
        media = signaling = tls = TRUE;
        break;
      default:
        media = signaling = tls = FALSE;
        break;
    }
  }
  if (s->kind == GST_ENC_STREAM_KIND_H323)
    signaling = FALSE;

  if (!s->obs.transport && (s->kind == GST_ENC_STREAM_KIND_AUTO
          || s->kind == GST_ENC_STREAM_KIND_PLAIN))
    level = GST_E2EE_ENCRYPTION_LEVEL_UNENCRYPTED;
  else
    level = gst_e2ee_encryption_level_for_connection (media, signaling, tls);

  s->lacks = LACK_E2EE | (media ? 0 : LACK_MEDIA) | (signaling ? 0 : LACK_SIGNALING)
      | (tls ? 0 : LACK_TLS);

  /* Plaintext where this stream was end to end encrypted a moment ago, and nobody
   * turned E2EE off: an injected or downgraded frame. Whatever carried it, it is
   * not what the meeting promised, so it can't show green. */
  if (s->e2ee_since_toggle && e2ee_enabled && !kind_ends_e2ee (s->kind)) {
    s->downgraded = TRUE;
    if (level < GST_E2EE_ENCRYPTION_LEVEL_PARTIALLY_ENCRYPTED)
      level = GST_E2EE_ENCRYPTION_LEVEL_PARTIALLY_ENCRYPTED;
    append_reason (why, "downgraded: a buffer without E2EE metadata followed end-to-end "
        "encrypted ones while E2EE is on");
  } else if (s->obs.e2ee) {
    append_reason (why, "end-to-end encryption ends at this leg");
  }

  append_reason (why, kind_description (s->kind));
  if (s->kind == GST_ENC_STREAM_KIND_E2EE || s->ever_e2ee) {
    if (!e2ee_enabled)
      append_reason (why, "E2EE is turned off for the meeting");
    else if (!s->downgraded && s->kind == GST_ENC_STREAM_KIND_E2EE)
      append_reason (why, "no E2EE metadata on its buffers");
  }
  if (s->kind == GST_ENC_STREAM_KIND_AUTO && !s->obs.transport)
    append_reason (why, "no encryption metadata on its buffers");
  if (s->obs.transport) {
    if (!media)
      append_reason (why, s->obs.media_encrypted ? "media not authenticated" :
          "media not encrypted");
    if (!s->obs.signaling_encrypted)
      append_reason (why, "signaling not encrypted");
    if (!tls)
      append_reason (why, "TLS certificate not valid");
  }

  s->level = level;
  s->reason = g_string_free (why, FALSE);
  return s->downgraded && !was_downgraded;
}

GstStructure *
gst_enc_stream_exception (GstEncStream * s)
{
  GstStructure *e;
  GValue lacks = G_VALUE_INIT, v = G_VALUE_INIT;
  guint i;

  e = gst_structure_new ("exception",
      "stream", G_TYPE_STRING, s->name,
      "kind", GST_TYPE_ENC_STREAM_KIND, s->kind,
      "level", GST_TYPE_E2EE_ENCRYPTION_LEVEL, s->level,
      "reason", G_TYPE_STRING, s->reason ? s->reason : "",
      "downgraded", G_TYPE_BOOLEAN, s->downgraded,
      "refused", G_TYPE_BOOLEAN, s->refused, NULL);
  g_value_init (&lacks, GST_TYPE_ARRAY);
  for (i = 0; i < G_N_ELEMENTS (lack_names); i++) {
    if (s->lacks & (1 << i)) {
      g_value_init (&v, G_TYPE_STRING);
      g_value_set_static_string (&v, lack_names[i]);
      gst_value_array_append_and_take_value (&lacks, &v);
    }
  }
  gst_structure_take_value (e, "lacks", &lacks);
  if (s->restricted)
    gst_structure_set (e, "restricted-feature", G_TYPE_STRING, s->restricted, NULL);
  return e;
}

