/* gst-e2ee: srtpguard pads, caps and sticky events
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "gstsrtpguard-private.h"

static const gchar *plain_names[2] = { "application/x-rtp", "application/x-rtcp" };
static const gchar *srtp_names[2] = { "application/x-srtp", "application/x-srtcp" };

static guint
pad_index (const GstSrtpGuard * self, const GstPad * pad)
{
  return (pad == self->sinkpad[GUARD_RTCP] || pad == self->srcpad[GUARD_RTCP]) ?
      GUARD_RTCP : GUARD_RTP;
}

/* The media types a pad takes or gives in the current mode. In unprotect mode the
 * sink pads also take plain RTP/RTCP, so that plaintext arriving where SRTP is
 * required reaches the policy and is refused out loud instead of failing to link. */
static guint
pad_names (GstSrtpGuardMode mode, gboolean sink, guint idx, const gchar * names[2])
{
  if (mode == GST_SRTP_GUARD_MODE_UNPROTECT) {
    if (!sink) {
      names[0] = plain_names[idx];
      return 1;
    }
    names[0] = srtp_names[idx];
    names[1] = plain_names[idx];
    return 2;
  }
  names[0] = sink ? plain_names[idx] : srtp_names[idx];
  return 1;
}

static GstCaps *
caps_from_names (const gchar ** names, guint n_names)
{
  GstCaps *caps = gst_caps_new_empty ();
  guint i;

  for (i = 0; i < n_names; i++)
    gst_caps_append_structure (caps, gst_structure_new_empty (names[i]));
  return caps;
}

static GstCaps *
rename_caps (GstCaps * caps, const gchar ** names, guint n_names)
{
  GstCaps *res;
  guint i, j;

  if (caps == NULL || gst_caps_is_any (caps))
    return caps_from_names (names, n_names);

  res = gst_caps_new_empty ();
  for (i = 0; i < gst_caps_get_size (caps); i++) {
    for (j = 0; j < n_names; j++) {
      GstStructure *s = gst_structure_copy (gst_caps_get_structure (caps, i));

      gst_structure_set_name (s, names[j]);
      gst_srtp_guard_structure_remove_params (s);
      res = gst_caps_merge_structure (res, s);
    }
  }
  return res;
}

static gboolean
query_caps (GstSrtpGuard * self, GstPad * pad, GstQuery * query)
{
  gboolean sink = GST_PAD_IS_SINK (pad);
  guint idx = pad_index (self, pad);
  GstPad *other = sink ? self->srcpad[idx] : self->sinkpad[idx];
  const gchar *names[2], *other_names[2];
  guint n, n_other;
  GstCaps *filter, *other_filter = NULL, *peer, *res;
  GstSrtpGuardMode mode;

  g_mutex_lock (&self->lock);
  mode = self->mode;
  g_mutex_unlock (&self->lock);
  n = pad_names (mode, sink, idx, names);
  n_other = pad_names (mode, !sink, idx, other_names);

  gst_query_parse_caps (query, &filter);
  if (filter)
    other_filter = rename_caps (filter, other_names, n_other);
  peer = gst_pad_peer_query_caps (other, other_filter);
  res = rename_caps (peer, names, n);
  gst_clear_caps (&peer);
  gst_clear_caps (&other_filter);

  if (filter) {
    GstCaps *tmp = gst_caps_intersect_full (filter, res, GST_CAPS_INTERSECT_FIRST);

    gst_caps_unref (res);
    res = tmp;
  }
  gst_query_set_caps_result (query, res);
  gst_caps_unref (res);
  return TRUE;
}

static gboolean
accept_caps (GstSrtpGuard * self, GstPad * pad, GstCaps * caps)
{
  const gchar *names[2];
  guint n, i, j;

  g_mutex_lock (&self->lock);
  n = pad_names (self->mode, TRUE, pad_index (self, pad), names);
  g_mutex_unlock (&self->lock);

  if (gst_caps_is_empty (caps) || gst_caps_is_any (caps))
    return FALSE;
  for (i = 0; i < gst_caps_get_size (caps); i++) {
    const GstStructure *s = gst_caps_get_structure (caps, i);
    gboolean ok = FALSE;

    for (j = 0; j < n; j++)
      ok |= gst_structure_has_name (s, names[j]);
    if (!ok)
      return FALSE;
  }
  return TRUE;
}

static gboolean
gst_srtp_guard_query (GstPad * pad, GstObject * parent, GstQuery * query)
{
  GstSrtpGuard *self = GST_SRTP_GUARD (parent);

  switch (GST_QUERY_TYPE (query)) {
    case GST_QUERY_CAPS:
      return query_caps (self, pad, query);
    case GST_QUERY_ACCEPT_CAPS:
      if (GST_PAD_IS_SINK (pad)) {
        GstCaps *caps;

        gst_query_parse_accept_caps (query, &caps);
        gst_query_set_accept_caps_result (query, accept_caps (self, pad, caps));
        return TRUE;
      }
      break;
    default:
      break;
  }
  return gst_pad_query_default (pad, parent, query);
}

GstCaps *
gst_srtp_guard_protect_src_caps_locked (GstSrtpGuard * self, guint idx,
    GstCaps * sink_caps)
{
  GstCaps *caps = gst_caps_new_empty ();
  GstStructure *s;
  const GstSrtpGuardParams *params = self->caps_params[idx];
  guint ssrc;

  s = gst_structure_copy (gst_caps_get_structure (sink_caps, 0));
  gst_structure_set_name (s, srtp_names[idx]);
  gst_srtp_guard_structure_remove_params (s);
  if (params == NULL && gst_srtp_guard_params_validate (self->prop_params, NULL))
    params = self->prop_params;
  if (params) {
    GstSrtpGuardStream *stream = NULL;
    guint32 roc;

    gst_srtp_guard_params_to_structure (params, s, self->key_in_caps);
    /* Lets a srtpdec downstream continue the rollover counter after a rekey */
    if (gst_structure_get_uint (s, "ssrc", &ssrc))
      stream = g_hash_table_lookup (self->streams, GUINT_TO_POINTER (ssrc));
    if (stream && gst_srtp_guard_stream_get_roc (stream, &roc))
      gst_structure_set (s, "roc", G_TYPE_UINT, roc, NULL);
  }
  gst_caps_append_structure (caps, s);
  return caps;
}

static gboolean
sink_caps (GstSrtpGuard * self, guint idx, GstCaps * caps)
{
  const GstStructure *s = gst_caps_get_structure (caps, 0);
  gboolean plain = gst_structure_has_name (s, plain_names[idx]);
  gboolean srtp = gst_structure_has_name (s, srtp_names[idx]);
  GQueue msgs = G_QUEUE_INIT;
  GstCaps *out;
  gboolean ret;

  g_mutex_lock (&self->lock);
  if (!(plain || (srtp && self->mode == GST_SRTP_GUARD_MODE_UNPROTECT))) {
    g_mutex_unlock (&self->lock);
    GST_WARNING_OBJECT (self, "refusing %s caps in %s mode",
        gst_structure_get_name (s),
        self->mode == GST_SRTP_GUARD_MODE_PROTECT ? "protect" : "unprotect");
    return FALSE;
  }
  self->caps_plain[idx] = plain;

  g_clear_pointer (&self->caps_params[idx], gst_srtp_guard_params_free);
  if (gst_srtp_guard_structure_has_params (s)) {
    GError *err = NULL;
    GstSrtpGuardParams *p = gst_srtp_guard_params_from_structure (s, &err);

    if (p) {
      self->caps_params[idx] = p;
      self->caps_has_ssrc[idx] = gst_structure_get_uint (s, "ssrc",
          &self->caps_ssrc[idx]);
      gst_srtp_guard_apply_params_locked (self, p, GST_SRTP_GUARD_SOURCE_CAPS,
          self->caps_has_ssrc[idx], self->caps_ssrc[idx], &msgs);
    } else {
      g_queue_push_tail (&msgs, gst_message_new_warning (GST_OBJECT (self), err,
              "the SRTP fields of the sink caps are ignored"));
      g_error_free (err);
    }
  }

  if (self->mode == GST_SRTP_GUARD_MODE_UNPROTECT) {
    const gchar *name = plain_names[idx];

    out = rename_caps (caps, &name, 1);
  } else {
    out = gst_srtp_guard_protect_src_caps_locked (self, idx, caps);
  }
  self->src_caps_dirty[idx] = FALSE;
  g_mutex_unlock (&self->lock);

  gst_srtp_guard_post_messages (self, &msgs);
  ret = gst_pad_set_caps (self->srcpad[idx], out);
  gst_caps_unref (out);
  return ret;
}

/* Stream-start, caps and segment for a source pad that gets buffers without its own
 * sink pad having sent them: RTCP multiplexed on the RTP pad, or no caps upstream. */
gboolean
gst_srtp_guard_ensure_src_events (GstSrtpGuard * self, guint idx)
{
  GstPad *src = self->srcpad[idx];
  GstPad *sink = self->sinkpad[idx];
  GstEvent *ev;

  ev = gst_pad_get_sticky_event (src, GST_EVENT_STREAM_START, 0);
  if (ev) {
    gst_event_unref (ev);
  } else {
    GstEvent *from = gst_pad_get_sticky_event (sink, GST_EVENT_STREAM_START, 0);
    gchar *id;

    if (from == NULL)
      from = gst_pad_get_sticky_event (self->sinkpad[GUARD_RTP], GST_EVENT_STREAM_START,
          0);
    if (from) {
      const gchar *from_id;

      gst_event_parse_stream_start (from, &from_id);
      id = g_strdup_printf ("%s/%s", from_id, idx == GUARD_RTCP ? "rtcp" : "rtp");
      gst_event_unref (from);
    } else {
      id = gst_pad_create_stream_id (src, GST_ELEMENT (self),
          idx == GUARD_RTCP ? "rtcp" : "rtp");
    }
    gst_pad_push_event (src, gst_event_new_stream_start (id));
    g_free (id);
  }

  if (!gst_pad_has_current_caps (src)) {
    const gchar *names[2];
    GstCaps *caps;

    g_mutex_lock (&self->lock);
    pad_names (self->mode, FALSE, idx, names);
    g_mutex_unlock (&self->lock);
    caps = gst_caps_new_empty_simple (names[0]);
    gst_pad_push_event (src, gst_event_new_caps (caps));
    gst_caps_unref (caps);
  }

  ev = gst_pad_get_sticky_event (src, GST_EVENT_SEGMENT, 0);
  if (ev) {
    gst_event_unref (ev);
    return TRUE;
  }
  ev = gst_pad_get_sticky_event (sink, GST_EVENT_SEGMENT, 0);
  if (ev == NULL)
    ev = gst_pad_get_sticky_event (self->sinkpad[GUARD_RTP], GST_EVENT_SEGMENT, 0);
  if (ev == NULL)
    return FALSE;
  return gst_pad_push_event (src, ev);
}

static gboolean
gst_srtp_guard_sink_event (GstPad * pad, GstObject * parent, GstEvent * event)
{
  GstSrtpGuard *self = GST_SRTP_GUARD (parent);
  guint idx = pad_index (self, pad);
  GstCaps *caps;
  gboolean ret;

  /* A meeting event: a reloaded policy takes effect here, between packets. */
  gst_e2ee_policy_binding_sync (self->policy);

  switch (GST_EVENT_TYPE (event)) {
    case GST_EVENT_CAPS:
      gst_event_parse_caps (event, &caps);
      ret = sink_caps (self, idx, caps);
      gst_event_unref (event);
      return ret;
    case GST_EVENT_SEGMENT:
      /* downstream needs caps before the segment, even if upstream sent none */
      if (!gst_pad_has_current_caps (self->srcpad[idx])) {
        const gchar *names[2];

        g_mutex_lock (&self->lock);
        pad_names (self->mode, FALSE, idx, names);
        g_mutex_unlock (&self->lock);
        caps = gst_caps_new_empty_simple (names[0]);
        gst_pad_set_caps (self->srcpad[idx], caps);
        gst_caps_unref (caps);
      }
      break;
    case GST_EVENT_EOS:
      gst_srtp_guard_flush_drop_messages (self);
      break;
    default:
      break;
  }
  return gst_pad_event_default (pad, parent, event);
}

static GstIterator *
gst_srtp_guard_iterate_internal_links (GstPad * pad, GstObject * parent)
{
  GstPad *other = gst_pad_get_element_private (pad);
  GValue val = G_VALUE_INIT;
  GstIterator *it;

  g_value_init (&val, GST_TYPE_PAD);
  g_value_set_object (&val, other);
  it = gst_iterator_new_single (GST_TYPE_PAD, &val);
  g_value_unset (&val);
  return it;
}

void
gst_srtp_guard_init_pads (GstSrtpGuard * self)
{
  static const gchar *sink_names[2] = { "rtp_sink", "rtcp_sink" };
  static const gchar *src_names[2] = { "rtp_src", "rtcp_src" };
  GstElementClass *klass = GST_ELEMENT_GET_CLASS (self);
  guint i;

  for (i = 0; i < 2; i++) {
    GstPad *sink = gst_pad_new_from_template (gst_element_class_get_pad_template (klass,
            sink_names[i]), sink_names[i]);
    GstPad *src = gst_pad_new_from_template (gst_element_class_get_pad_template (klass,
            src_names[i]), src_names[i]);

    gst_pad_set_chain_function (sink, GST_DEBUG_FUNCPTR (gst_srtp_guard_chain));
    gst_pad_set_event_function (sink, GST_DEBUG_FUNCPTR (gst_srtp_guard_sink_event));
    gst_pad_set_query_function (sink, GST_DEBUG_FUNCPTR (gst_srtp_guard_query));
    gst_pad_set_query_function (src, GST_DEBUG_FUNCPTR (gst_srtp_guard_query));
    gst_pad_set_iterate_internal_links_function (sink,
        GST_DEBUG_FUNCPTR (gst_srtp_guard_iterate_internal_links));
    gst_pad_set_iterate_internal_links_function (src,
        GST_DEBUG_FUNCPTR (gst_srtp_guard_iterate_internal_links));
    gst_pad_set_element_private (sink, src);
    gst_pad_set_element_private (src, sink);

    self->sinkpad[i] = sink;
    self->srcpad[i] = src;
    gst_element_add_pad (GST_ELEMENT (self), sink);
    gst_element_add_pad (GST_ELEMENT (self), src);
  }
}
