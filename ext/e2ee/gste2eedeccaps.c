/* gst-e2ee: e2eedec: caps, and the caps changes that wait for their frame
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "gste2eedec-private.h"

/* ---- Caps ----------------------------------------------------------------- */

/* Plaintext caps map to themselves here even when allow-plaintext is off, so that
 * negotiation reaches set_caps(), which refuses them with an error that says why
 * instead of a bare not-negotiated. */
GstCaps *
gst_e2ee_dec_transform_caps (GstBaseTransform * trans, GstPadDirection direction,
    GstCaps * caps, GstCaps * filter)
{
  GstE2eeDec *self = GST_E2EE_DEC (trans);
  GstCaps *res, *plain;
  GstE2eeElementLayout layout;
  guint i;

  GST_OBJECT_LOCK (self);
  layout = self->layout;
  GST_OBJECT_UNLOCK (self);

  if (direction == GST_PAD_SINK) {
    res = gst_e2ee_element_caps_from_sframe (caps);
    plain = gst_caps_copy (caps);
    for (i = gst_caps_get_size (plain); i > 0; i--)
      if (gst_structure_has_name (gst_caps_get_structure (plain, i - 1),
              GST_E2EE_SFRAME_MEDIA_TYPE))
        gst_caps_remove_structure (plain, i - 1);
    if (layout != GST_E2EE_ELEMENT_LAYOUT_FRAME) {
      GstCaps *tmp = gst_e2ee_element_caps_strip_layout (plain);
      gst_caps_unref (plain);
      plain = tmp;
    }
    res = gst_caps_merge (res, plain);
  } else {
    /* No `e2ee-layout=rtp` here: an RTP payloader upstream takes fields from what
     * downstream offers, and its plaintext packets would then claim to be
     * encrypted. e2eeenc asks with its own caps as the filter, which keep the
     * field. */
    res = gst_e2ee_element_caps_to_sframe (caps);
    if (layout != GST_E2EE_ELEMENT_LAYOUT_FRAME)
      res = gst_caps_merge (res, gst_e2ee_element_caps_add_layout (caps));
    res = gst_caps_merge (res, gst_caps_ref (caps));
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
configure_caps (GstBaseTransform * trans, GstCaps * incaps)
{
  GstE2eeDec *self = GST_E2EE_DEC (trans);
  gboolean allow_plaintext, sframe;
  GstE2eeElementLayout layout;

  GST_OBJECT_LOCK (self);
  allow_plaintext = self->allow_plaintext;
  layout = self->layout;
  GST_OBJECT_UNLOCK (self);

  sframe = gst_e2ee_element_caps_is_sframe (incaps);
  self->codec = GST_E2EE_LAYOUT_CODEC_NONE;
  self->rtp = FALSE;
  if (layout == GST_E2EE_ELEMENT_LAYOUT_RTP || (layout == GST_E2EE_ELEMENT_LAYOUT_AUTO &&
          gst_e2ee_element_caps_has_rtp_layout (incaps))) {
    if (!gst_e2ee_element_caps_is_rtp (incaps)) {
      GST_ELEMENT_ERROR (self, STREAM, FORMAT, ("layout=rtp needs RTP packets"),
          ("caps %" GST_PTR_FORMAT " are not application/x-rtp", incaps));
      return FALSE;
    }
    GST_INFO_OBJECT (self, "per-packet mode for %" GST_PTR_FORMAT, incaps);
    self->rtp = TRUE;
    self->plaintext = FALSE;
    gst_base_transform_set_passthrough (trans, FALSE);
    return TRUE;
  }
  if (sframe && layout == GST_E2EE_ELEMENT_LAYOUT_CODEC) {
    GST_ELEMENT_ERROR (self, STREAM, FORMAT, ("layout=codec cannot decrypt whole-frame "
            "SFrame"), ("caps %" GST_PTR_FORMAT " are whole-frame SFrame; use "
            "layout=auto or layout=frame", incaps));
    return FALSE;
  }
  if (!sframe && (layout == GST_E2EE_ELEMENT_LAYOUT_CODEC ||
          (layout == GST_E2EE_ELEMENT_LAYOUT_AUTO && gst_e2ee_element_caps_has_layout (incaps)))) {
    self->codec = gst_e2ee_layout_codec_from_caps (incaps);
    if (self->codec == GST_E2EE_LAYOUT_CODEC_NONE) {
      GstCaps *capable = gst_e2ee_layout_get_caps ();

      GST_ELEMENT_ERROR (self, STREAM, FORMAT, ("The codec layout does not support "
              "this stream"), ("caps %" GST_PTR_FORMAT " have no codec layout: it "
              "supports %" GST_PTR_FORMAT, incaps, capable));
      gst_caps_unref (capable);
      return FALSE;
    }
    GST_INFO_OBJECT (self, "codec layout for %" GST_PTR_FORMAT, incaps);
    self->plaintext = FALSE;
    gst_base_transform_set_passthrough (trans, FALSE);
    return TRUE;
  }

  self->plaintext = !sframe;
  if (self->plaintext && !allow_plaintext) {
    GST_ELEMENT_ERROR (self, STREAM, DECRYPT, ("Refusing unencrypted input"),
        ("caps %" GST_PTR_FORMAT " are not SFrame; set allow-plaintext=true to pass "
            "them (they will carry no E2EE metadata)%s", incaps,
            gst_e2ee_element_caps_is_rtp (incaps) ? ", or layout=rtp for RTP packets e2eeenc "
            "encrypted per packet" : ""));
    return FALSE;
  }
  if (self->plaintext)
    GST_WARNING_OBJECT (self, "input is not end-to-end encrypted: passing it through");
  gst_base_transform_set_passthrough (trans, self->plaintext);
  return TRUE;
}

void
gst_e2ee_dec_discard_pending_caps (GstE2eeDec * self, const gchar * why)
{
  if (self->pending_caps == NULL)
    return;
  GST_INFO_OBJECT (self, "caps change %" GST_PTR_FORMAT " discarded: %s",
      self->pending_caps, why);
  gst_clear_event (&self->pending_caps);
}

gboolean
gst_e2ee_dec_set_caps (GstBaseTransform * trans, GstCaps * incaps, GstCaps * outcaps)
{
  GstE2eeDec *self = GST_E2EE_DEC (trans);

  if (!configure_caps (trans, incaps))
    return FALSE;
  gst_caps_replace (&self->applied_caps, incaps);
  /* Applied now, waiting or not (a reconfiguration renegotiates with them). */
  gst_clear_event (&self->pending_caps);
  return TRUE;
}

/* In the codec layout the input caps come partly from bytes of the frame that are
 * not authenticated yet (a depayloader reads VP8's key frame size from the clear
 * part): a change of them waits for the frame it came with, see
 * settle_pending_caps(). A change of codec or layout cannot wait, since it changes
 * how that frame is decrypted. Takes the event when it returns TRUE. */
gboolean
gst_e2ee_dec_defer_caps (GstE2eeDec * self, GstEvent * event)
{
  GstCaps *caps;

  if (self->applied_caps == NULL || self->plaintext || self->rtp ||
      self->codec == GST_E2EE_LAYOUT_CODEC_NONE)
    return FALSE;
  gst_event_parse_caps (event, &caps);
  if (gst_caps_is_equal (caps, self->applied_caps)) {
    gst_e2ee_dec_discard_pending_caps (self, "the caps came back to what downstream has");
    gst_event_unref (event);
    return TRUE;
  }
  if (gst_e2ee_layout_codec_from_caps (caps) != self->codec ||
      gst_e2ee_element_caps_has_layout (caps) != gst_e2ee_element_caps_has_layout (self->applied_caps))
    return FALSE;
  GST_DEBUG_OBJECT (self, "caps change %" GST_PTR_FORMAT " waits for its frame", caps);
  gst_clear_event (&self->pending_caps);
  self->pending_caps = event;
  return TRUE;
}

