/* gst-e2ee: recording-free sessions: what downstream of e2eedec writes or re-sends
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

/* With the policy's local-recording=false, e2eedec refuses to pass decrypted media to
 * a pipeline that records it or sends it on: it follows every linked source pad
 * downstream (through tees, queues, decoders, encoders, bins and ghost pads) and
 * judges each element by its class:
 *
 * - a muxer records (what follows it, if anything, is named in the path);
 * - a sink of class Network (udpsink, tcpserversink, ...) re-sends;
 * - a video or audio sink displays or plays, and fakesink, fakevideosink,
 *   fakeaudiosink and appsink keep the media in the process: accepted;
 * - any other sink (filesink, multifilesink, shmsink, ...) writes or re-sends.
 *
 * What an application does with buffers it takes from an appsink (or a pad probe) is
 * outside any element's view; docs/policy.md says so.
 *
 * e2eedec runs the walk at READY to PAUSED and again before the first frame after
 * anything is linked downstream (the RECONFIGURE event a link sends upstream) or the
 * policy changes, so that a branch linked while PLAYING is caught before it gets a
 * frame, and frames in between cost nothing. It allocates nothing unless it finds a
 * path. */

#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "gste2eerecording.h"

#include <string.h>

GST_DEBUG_CATEGORY_STATIC (e2ee_recording_debug);
#define GST_CAT_DEFAULT e2ee_recording_debug

/* Deeper or wider graphs than this are judged on their first branches only. */
#define MAX_DEPTH 32
#define MAX_FANOUT 16

typedef enum
{
  PASS,                         /* look further downstream */
  ACCEPT,                       /* keeps the media in the process */
  MUXER,                        /* records */
  RECORDS,                      /* writes or re-sends */
} Verdict;

typedef struct
{
  GstElement *path[MAX_DEPTH];
  guint depth;
} Walk;

static Verdict
judge (GstElement * element)
{
  const gchar *klass = gst_element_class_get_metadata (GST_ELEMENT_GET_CLASS (element),
      GST_ELEMENT_METADATA_KLASS);
  GstElementFactory *factory = gst_element_get_factory (element);
  static const gchar *const in_process[] = { "fakesink", "fakevideosink",
    "fakeaudiosink", "appsink", NULL
  };

  if (klass == NULL)
    return PASS;
  if (strstr (klass, "Muxer") != NULL)
    return MUXER;
  if (strstr (klass, "Sink") == NULL)
    return PASS;
  if (strstr (klass, "Network") != NULL || strstr (klass, "File") != NULL)
    return RECORDS;
  if (factory && g_strv_contains (in_process, GST_OBJECT_NAME (factory)))
    return ACCEPT;
  if (strstr (klass, "Video") != NULL || strstr (klass, "Audio") != NULL)
    return ACCEPT;
  return RECORDS;
}

static gboolean walk_src_pad (GstPad * src, Walk * w);

/* The element behind @pad, a sink pad: through bins' ghost pads to the element
 * inside. Returns a reference, or NULL. */
static GstElement *
element_of_sink_pad (GstPad * pad, GstPad ** inner)
{
  GstObject *parent = gst_pad_get_parent (pad);

  *inner = gst_object_ref (pad);
  while (parent != NULL && GST_IS_BIN (parent) && GST_IS_GHOST_PAD (*inner) &&
      judge (GST_ELEMENT (parent)) == PASS) {
    GstPad *target = gst_ghost_pad_get_target (GST_GHOST_PAD (*inner));

    gst_object_unref (parent);
    gst_object_unref (*inner);
    *inner = target;
    parent = target ? gst_pad_get_parent (target) : NULL;
  }
  if (parent != NULL && !GST_IS_ELEMENT (parent))
    gst_clear_object (&parent);
  return parent ? GST_ELEMENT (parent) : NULL;
}

/* The sink pad @src feeds: out of a bin through its ghost source pad. */
static GstPad *
peer_of_src_pad (GstPad * src)
{
  GstPad *peer = gst_pad_get_peer (src);

  while (peer != NULL) {
    GstObject *parent = gst_pad_get_parent (peer);
    GstPad *next;

    if (parent == NULL || !GST_IS_GHOST_PAD (parent)) {
      if (parent)
        gst_object_unref (parent);
      return peer;
    }
    /* The internal pad of a bin's ghost source pad: go on from the ghost pad. */
    next = gst_pad_get_peer (GST_PAD (parent));
    gst_object_unref (parent);
    gst_object_unref (peer);
    peer = next;
  }
  return NULL;
}

static gboolean
walk_element (GstElement * element, Walk * w)
{
  GstPad *pads[MAX_FANOUT];
  guint n = 0, i;
  gboolean found = FALSE;
  Verdict v = judge (element);
  GList *l;

  if (w->depth >= MAX_DEPTH)
    return FALSE;
  w->path[w->depth++] = element;
  if (v == RECORDS)
    return TRUE;
  if (v == ACCEPT) {
    w->depth--;
    return FALSE;
  }

  GST_OBJECT_LOCK (element);
  for (l = element->srcpads; l != NULL && n < MAX_FANOUT; l = l->next)
    pads[n++] = gst_object_ref (l->data);
  GST_OBJECT_UNLOCK (element);
  for (i = 0; i < n; i++) {
    if (!found)
      found = walk_src_pad (pads[i], w);
    gst_object_unref (pads[i]);
  }
  /* A muxer records whatever follows it; the path then ends at the muxer. */
  if (!found && v == MUXER)
    return TRUE;
  if (!found)
    w->depth--;
  return found;
}

static gboolean
walk_src_pad (GstPad * src, Walk * w)
{
  GstPad *peer = peer_of_src_pad (src), *inner = NULL;
  GstElement *element;
  gboolean found;

  if (peer == NULL)
    return FALSE;
  element = element_of_sink_pad (peer, &inner);
  gst_object_unref (peer);
  if (inner)
    gst_object_unref (inner);
  if (element == NULL)
    return FALSE;
  found = walk_element (element, w);
  /* A path found keeps its references for the message. */
  if (!found)
    gst_object_unref (element);
  return found;
}

gchar *
gst_e2ee_recording_find (GstElement * element)
{
  Walk w = { {NULL}, 0 };
  GString *path;
  guint i;

  if (!walk_element (element, &w))
    return NULL;
  path = g_string_new (NULL);
  for (i = 0; i < w.depth; i++) {
    gchar *name = gst_object_get_name (GST_OBJECT (w.path[i]));

    g_string_append_printf (path, "%s%s", i ? " \u2192 " : "", name);
    g_free (name);
    if (i > 0)
      gst_object_unref (w.path[i]);
  }
  return g_string_free (path, FALSE);
}

gboolean
gst_e2ee_recording_check (GstElement * element, GstE2eePolicyBinding * policy)
{
  GstE2eeResolvedPolicy *r = gst_e2ee_policy_binding_get (policy);
  gboolean allowed = TRUE;
  gchar *path;

  if (r == NULL)
    return TRUE;
  if (g_once_init_enter (&e2ee_recording_debug)) {
    GstDebugCategory *cat = NULL;

    GST_DEBUG_CATEGORY_INIT (cat, "e2eerecording", 0,
        "e2eedec's recording-free session guard");
    g_once_init_leave (&e2ee_recording_debug, cat);
  }
  gst_structure_get_boolean (gst_e2ee_resolved_policy_get_settings (r),
      "local-recording", &allowed);
  if (allowed) {
    gst_e2ee_resolved_policy_unref (r);
    return TRUE;
  }
  path = gst_e2ee_recording_find (element);
  if (path != NULL) {
    const gchar *lock = gst_e2ee_resolved_policy_describe_lock (r, "local-recording");

    GST_ELEMENT_ERROR_WITH_DETAILS (element, STREAM, FAILED,
        ("Recording-free session: decrypted media would be recorded or sent on: %s",
            path),
        ("The policy's local-recording=false (%s) forbids a muxer, a file sink or a "
            "network sink downstream of the decrypter", lock ? lock : "not locked"),
        ("e2ee-policy", G_TYPE_STRING, "recording-refused", "path", G_TYPE_STRING, path, NULL));
    g_free (path);
    allowed = FALSE;
  } else {
    allowed = TRUE;
  }
  gst_e2ee_resolved_policy_unref (r);
  return allowed;
}
