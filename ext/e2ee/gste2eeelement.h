/* gst-e2ee: what e2eeenc and e2eedec share
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <gst/gst.h>
#include <gst/e2ee/e2ee.h>

G_BEGIN_DECLS

#define GST_E2EE_SFRAME_MEDIA_TYPE "application/x-sframe"
#define GST_E2EE_ORIGINAL_MEDIA_TYPE_FIELD "original-media-type"
/* Shorter base keys are refused: a guessable key makes the rest moot. */
#define GST_E2EE_MIN_BASE_KEY_SIZE 16
/* Caps field e2eeenc adds to codec caps whose frames use the codec layout. */
#define GST_E2EE_LAYOUT_FIELD "e2ee-layout"
#define GST_E2EE_LAYOUT_FIELD_CODEC "codec"
/* ... and to application/x-rtp caps whose packets are encrypted per packet. */
#define GST_E2EE_LAYOUT_FIELD_RTP "rtp"

/**
 * GstE2eeElementLayout:
 * @GST_E2EE_ELEMENT_LAYOUT_AUTO: the codec layout for the codecs it supports (VP8, VP9,
 *   H.264/H.265 byte-stream access units, Opus), whole frames otherwise. e2eedec reads
 *   the choice from the `e2ee-layout` caps field, which RTP depayloading loses.
 * @GST_E2EE_ELEMENT_LAYOUT_FRAME: whole-frame SFrame (RFC 9605), `application/x-sframe` caps.
 * @GST_E2EE_ELEMENT_LAYOUT_CODEC: the codec layout of docs/layout.md: the bytes payloaders and
 *   decoders read stay in the clear, and the caps stay the codec's.
 * @GST_E2EE_ELEMENT_LAYOUT_RTP: the per-packet mode of docs/per-packet.md (Since: 0.1): on
 *   `application/x-rtp` caps, each packet's payload is encrypted and its RTP header
 *   stays in the clear; layout=auto picks it for `application/x-rtp` input.
 *
 * Which bytes of a frame e2eeenc encrypts and e2eedec expects encrypted.
 *
 * Since: 0.1
 */
typedef enum
{
  GST_E2EE_ELEMENT_LAYOUT_AUTO,       /*< nick=auto >*/
  GST_E2EE_ELEMENT_LAYOUT_FRAME,      /*< nick=frame >*/
  GST_E2EE_ELEMENT_LAYOUT_CODEC,      /*< nick=codec >*/
  GST_E2EE_ELEMENT_LAYOUT_RTP,        /*< nick=rtp >*/
} GstE2eeElementLayout;


GstCaps *   gst_e2ee_element_caps_to_sframe (GstCaps *caps);
GstCaps *   gst_e2ee_element_caps_from_sframe (GstCaps *caps);
gboolean    gst_e2ee_element_caps_is_sframe (GstCaps *caps);
GstCaps *   gst_e2ee_element_caps_add_layout (GstCaps *caps);
GstCaps *   gst_e2ee_element_caps_strip_layout (GstCaps *caps);
gboolean    gst_e2ee_element_caps_has_layout (GstCaps *caps);
GstCaps *   gst_e2ee_element_caps_layout_capable (GstCaps *caps);
GstCaps *   gst_e2ee_element_caps_set_layout (GstCaps *caps, const gchar *layout);
GstCaps *   gst_e2ee_element_caps_add_rtp_layout (GstCaps *caps);
gboolean    gst_e2ee_element_caps_has_rtp_layout (GstCaps *caps);
gboolean    gst_e2ee_element_caps_is_rtp (GstCaps *caps);

GBytes *    gst_e2ee_secret_new (const guint8 *data, gsize size);
GBytes *    gst_e2ee_secret_from_buffer (GstBuffer *buffer);

/* Per-KID counters, reported through the `stats` property. */
typedef struct {
  guint64 kid;
  guint64 frames;
  guint64 bytes;
  guint64 dropped_authentication;
  guint64 dropped_truncated;
  guint64 dropped_unknown_kid;
  guint64 dropped_replay;
  gboolean activated;           /* a frame has used this KID */
} GstE2eeKidStats;

GHashTable * gst_e2ee_kid_stats_table_new (void);
GstE2eeKidStats * gst_e2ee_kid_stats_get (GHashTable *table, guint64 kid);
GValue *     gst_e2ee_kid_stats_to_array (GHashTable *table, gboolean decoder, GValue *array);

void        gst_e2ee_post_message (GstElement *element, GstStructure *s);

void        gst_e2ee_element_class_document_caps (GstElementClass *klass,
                                                  gboolean encrypting);

G_END_DECLS
