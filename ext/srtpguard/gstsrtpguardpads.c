/* gst-e2ee: srtpguard pads, caps and sticky events
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <stdio.h>

#include "gstsrtpguard-private.h"

static const gchar *plain_names[2] = { "application/x-rtp", "application/x-rtcp" };
static const gchar *srtp_names[2] = { "application/x-srtp", "application/x-srtcp" };

static GstSrtpGuardPadPair *
pad_pair (GstPad * pad)
{
  return gst_pad_get_element_private (pad);
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
  GstSrtpGuardPadPair *pair = pad_pair (pad);
  guint idx = pair->rtcp;
  GstPad *other = sink ? pair->src : pair->sink;
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
  n = pad_names (self->mode, TRUE, pad_pair (pad)->rtcp, names);
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
gst_srtp_guard_protect_src_caps_locked (GstSrtpGuard * self,
    GstSrtpGuardPadPair * pair, GstCaps * sink_caps)
{
  GstCaps *caps = gst_caps_new_empty ();
  GstStructure *s;
  const GstSrtpGuardParams *params = pair->caps_params;
  guint ssrc;

  s = gst_structure_copy (gst_caps_get_structure (sink_caps, 0));
  gst_structure_set_name (s, srtp_names[pair->rtcp]);
  gst_srtp_guard_structure_remove_params (s);
  if (params == NULL && gst_srtp_guard_params_validate (self->prop_params, NULL))
    params = self->prop_params;
  if (params) {
    GstSrtpGuardStream *stream = NULL;
    guint32 roc;

    gst_srtp_guard_params_to_structure (params, s, self->key_in_caps);
    /* Lets a srtpdec downstream continue the rollover counter after a rekey */
    if (gst_structure_get_uint (s, "ssrc", &ssrc))
      stream = gst_srtp_guard_session_lookup (&self->session, ssrc);
    if (stream && gst_srtp_guard_stream_get_roc (stream, &roc))
      gst_structure_set (s, "roc", G_TYPE_UINT, roc, NULL);
  }
  gst_caps_append_structure (caps, s);
  return caps;
}

static gboolean
sink_caps (GstSrtpGuard * self, GstSrtpGuardPadPair * pair, GstCaps * caps)
{
  guint idx = pair->rtcp;
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
  pair->caps_plain = plain;

  g_clear_pointer (&pair->caps_params, gst_srtp_guard_params_free);
  if (gst_srtp_guard_structure_has_params (s)) {
    GError *err = NULL;
    GstSrtpGuardParams *p = gst_srtp_guard_params_from_structure (s, &err);

    if (p) {
      pair->caps_params = p;
      pair->caps_has_ssrc = gst_structure_get_uint (s, "ssrc", &pair->caps_ssrc);
      gst_srtp_guard_session_rekey (&self->session, GST_OBJECT (self), p,
          GST_SRTP_GUARD_SOURCE_CAPS, pair->caps_has_ssrc, pair->caps_ssrc, &msgs);
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
    out = gst_srtp_guard_protect_src_caps_locked (self, pair, caps);
  }
  pair->src_caps_dirty = FALSE;
  g_mutex_unlock (&self->lock);

  gst_srtp_guard_post_messages (self, &msgs);
  ret = gst_pad_set_caps (pair->src, out);
  gst_caps_unref (out);
  return ret;
}

/* Stream-start, caps and segment for a source pad that gets buffers without its own
 * sink pad (@sink) having sent them: RTCP multiplexed on the RTP pad @in_sink, or no
 * caps upstream. */
gboolean
gst_srtp_guard_ensure_src_events (GstSrtpGuard * self, GstPad * src, GstPad * sink,
    GstPad * in_sink, gboolean rtcp)
{
  guint idx = rtcp;
  GstEvent *ev;

  ev = gst_pad_get_sticky_event (src, GST_EVENT_STREAM_START, 0);
  if (ev) {
    gst_event_unref (ev);
  } else {
    GstEvent *from = gst_pad_get_sticky_event (sink, GST_EVENT_STREAM_START, 0);
    gchar *id;

    if (from == NULL)
      from = gst_pad_get_sticky_event (in_sink, GST_EVENT_STREAM_START, 0);
    if (from) {
      const gchar *from_id;

      gst_event_parse_stream_start (from, &from_id);
      id = g_strdup_printf ("%s/%s", from_id, idx ? "rtcp" : "rtp");
      gst_event_unref (from);
    } else {
      id = gst_pad_create_stream_id (src, GST_ELEMENT (self),
          idx ? "rtcp" : "rtp");
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
    ev = gst_pad_get_sticky_event (in_sink, GST_EVENT_SEGMENT, 0);
  if (ev == NULL)
    return FALSE;
  return gst_pad_push_event (src, ev);
}

static gboolean
gst_srtp_guard_sink_event (GstPad * pad, GstObject * parent, GstEvent * event)
{
  GstSrtpGuard *self = GST_SRTP_GUARD (parent);
  GstSrtpGuardPadPair *pair = pad_pair (pad);
  GstCaps *caps;
  gboolean ret;

  /* A meeting event: a reloaded policy takes effect here, between packets. */
  gst_e2ee_policy_binding_sync (self->policy_binding);

  switch (GST_EVENT_TYPE (event)) {
    case GST_EVENT_CAPS:
      gst_event_parse_caps (event, &caps);
      ret = sink_caps (self, pair, caps);
      gst_event_unref (event);
      return ret;
    case GST_EVENT_SEGMENT:
      /* downstream needs caps before the segment, even if upstream sent none */
      if (!gst_pad_has_current_caps (pair->src)) {
        const gchar *names[2];

        g_mutex_lock (&self->lock);
        pad_names (self->mode, FALSE, pair->rtcp, names);
        g_mutex_unlock (&self->lock);
        caps = gst_caps_new_empty_simple (names[0]);
        gst_pad_set_caps (pair->src, caps);
        gst_caps_unref (caps);
      }
      break;
    case GST_EVENT_EOS:
      gst_srtp_guard_flush_messages (self);
      break;
    default:
      break;
  }
  return gst_pad_event_default (pad, parent, event);
}

static GstIterator *
gst_srtp_guard_iterate_internal_links (GstPad * pad, GstObject * parent)
{
  GstSrtpGuardPadPair *pair = pad_pair (pad);
  GstPad *other = GST_PAD_IS_SINK (pad) ? pair->src : pair->sink;
  GValue val = G_VALUE_INIT;
  GstIterator *it;

  g_value_init (&val, GST_TYPE_PAD);
  g_value_set_object (&val, other);
  it = gst_iterator_new_single (GST_TYPE_PAD, &val);
  g_value_unset (&val);
  return it;
}

static GstSrtpGuardPadPair *
add_pair (GstSrtpGuard * self, gboolean rtcp, guint id, GstPadTemplate * sink_templ,
    const gchar * sink_name)
{
  GstElementClass *klass = GST_ELEMENT_GET_CLASS (self);
  GstSrtpGuardPadPair *pair = g_new0 (GstSrtpGuardPadPair, 1);
  gchar *src_name;

  if (id == GST_SRTP_GUARD_ALWAYS_PAIR)
    src_name = g_strdup (rtcp ? "rtcp_src" : "rtp_src");
  else
    src_name = g_strdup_printf (rtcp ? "rtcp_src_%u" : "rtp_src_%u", id);
  pair->rtcp = rtcp;
  pair->id = id;
  pair->sink = gst_pad_new_from_template (sink_templ, sink_name);
  pair->src = gst_pad_new_from_template (gst_element_class_get_pad_template (klass,
          id == GST_SRTP_GUARD_ALWAYS_PAIR ? src_name : rtcp ? "rtcp_src_%u" :
          "rtp_src_%u"), src_name);
  g_free (src_name);

  gst_pad_set_chain_function (pair->sink, GST_DEBUG_FUNCPTR (gst_srtp_guard_chain));
  gst_pad_set_event_function (pair->sink, GST_DEBUG_FUNCPTR (gst_srtp_guard_sink_event));
  gst_pad_set_query_function (pair->sink, GST_DEBUG_FUNCPTR (gst_srtp_guard_query));
  gst_pad_set_query_function (pair->src, GST_DEBUG_FUNCPTR (gst_srtp_guard_query));
  gst_pad_set_iterate_internal_links_function (pair->sink,
      GST_DEBUG_FUNCPTR (gst_srtp_guard_iterate_internal_links));
  gst_pad_set_iterate_internal_links_function (pair->src,
      GST_DEBUG_FUNCPTR (gst_srtp_guard_iterate_internal_links));
  gst_pad_set_element_private (pair->sink, pair);
  gst_pad_set_element_private (pair->src, pair);

  g_mutex_lock (&self->lock);
  g_ptr_array_add (self->pairs, pair);
  g_mutex_unlock (&self->lock);
  return pair;
}

static void
pair_free (GstSrtpGuardPadPair * pair)
{
  gst_srtp_guard_params_free (pair->caps_params);
  g_free (pair);
}

void
gst_srtp_guard_init_pads (GstSrtpGuard * self)
{
  GstElementClass *klass = GST_ELEMENT_GET_CLASS (self);
  guint i;

  self->pairs = g_ptr_array_new_with_free_func ((GDestroyNotify) pair_free);
  for (i = 0; i < 2; i++) {
    const gchar *name = i ? "rtcp_sink" : "rtp_sink";
    GstSrtpGuardPadPair *pair = add_pair (self, i, GST_SRTP_GUARD_ALWAYS_PAIR,
        gst_element_class_get_pad_template (klass, name), name);

    gst_element_add_pad (GST_ELEMENT (self), pair->sink);
    gst_element_add_pad (GST_ELEMENT (self), pair->src);
  }
}

static GstSrtpGuardPadPair *
find_pair_locked (GstSrtpGuard * self, gboolean rtcp, guint id)
{
  guint i;

  for (i = 0; i < self->pairs->len; i++) {
    GstSrtpGuardPadPair *pair = g_ptr_array_index (self->pairs, i);

    if (pair->rtcp == rtcp && pair->id == id)
      return pair;
  }
  return NULL;
}

GstSrtpGuardPadPair *
gst_srtp_guard_rtcp_pair_locked (GstSrtpGuard * self, GstSrtpGuardPadPair * pair)
{
  GstSrtpGuardPadPair *rtcp;

  if (pair->rtcp)
    return pair;
  rtcp = find_pair_locked (self, TRUE, pair->id);
  return rtcp ? rtcp : pair;
}

/* rtp_sink_%u / rtcp_sink_%u, as srtpenc's: the source pad of the same number comes
 * with it. rtpbin's request-rtp-encoder and request-rtcp-encoder signals link
 * encoders this way (gstrtpbin.c). */
GstPad *
gst_srtp_guard_request_new_pad (GstElement * element, GstPadTemplate * templ,
    const gchar * name, const GstCaps * caps)
{
  GstSrtpGuard *self = GST_SRTP_GUARD (element);
  gboolean rtcp = g_str_has_prefix (GST_PAD_TEMPLATE_NAME_TEMPLATE (templ), "rtcp");
  GstSrtpGuardPadPair *pair;
  guint id = 0;
  gchar *sink_name;

  g_mutex_lock (&self->lock);
  if (name && sscanf (name, rtcp ? "rtcp_sink_%u" : "rtp_sink_%u", &id) == 1) {
    if (id == GST_SRTP_GUARD_ALWAYS_PAIR || find_pair_locked (self, rtcp, id)) {
      g_mutex_unlock (&self->lock);
      GST_WARNING_OBJECT (self, "pad %s is taken", name);
      return NULL;
    }
  } else {
    while (find_pair_locked (self, rtcp, id))
      id++;
  }
  g_mutex_unlock (&self->lock);

  sink_name = g_strdup_printf (rtcp ? "rtcp_sink_%u" : "rtp_sink_%u", id);
  pair = add_pair (self, rtcp, id, templ, sink_name);
  g_free (sink_name);
  /* the source pad first: once the sink pad is there, data may flow */
  gst_pad_set_active (pair->src, TRUE);
  gst_element_add_pad (element, pair->src);
  gst_pad_set_active (pair->sink, TRUE);
  gst_element_add_pad (element, pair->sink);
  return pair->sink;
}

void
gst_srtp_guard_release_pad (GstElement * element, GstPad * pad)
{
  GstSrtpGuard *self = GST_SRTP_GUARD (element);
  GstSrtpGuardPadPair *pair = pad_pair (pad);
  GstPad *src = gst_object_ref (pair->src);

  /* removing the sink pad deactivates it: its chain function is done */
  gst_element_remove_pad (element, pad);
  gst_pad_set_active (src, FALSE);
  gst_element_remove_pad (element, src);
  gst_object_unref (src);
  g_mutex_lock (&self->lock);
  g_ptr_array_remove (self->pairs, pair);
  g_mutex_unlock (&self->lock);
}

void
gst_srtp_guard_pairs_free (GstSrtpGuard * self)
{
  g_clear_pointer (&self->pairs, g_ptr_array_unref);
}

void
gst_srtp_guard_pairs_reset_locked (GstSrtpGuard * self)
{
  guint i;

  for (i = 0; i < self->pairs->len; i++) {
    GstSrtpGuardPadPair *pair = g_ptr_array_index (self->pairs, i);

    g_clear_pointer (&pair->caps_params, gst_srtp_guard_params_free);
    pair->caps_plain = FALSE;
    pair->caps_has_ssrc = FALSE;
  }
}
