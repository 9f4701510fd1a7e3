/* gst-e2ee: the confirmed and interim transcript hashes of RFC 9420 §8.2.
 *
 *   confirmed[n] = Hash(interim[n-1] || ConfirmedTranscriptHashInput[n])
 *   interim[n]   = Hash(confirmed[n] || InterimTranscriptHashInput[n])
 *
 * ConfirmedTranscriptHashInput is the commit's wire_format, FramedContent and
 * signature (the framing layer encodes it); InterimTranscriptHashInput is its
 * confirmation_tag as opaque<V>. A new group starts from an empty interim hash
 * (§11.1), and a member joining from a Welcome computes interim[n] from the
 * GroupInfo's confirmed hash and tag (gst_e2ee_mls_transcript_interim()).
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "gste2eemlstranscript.h"
#include "gste2eemlscodec.h"

/* interim holds s->nh bytes. */
gboolean
gst_e2ee_mls_transcript_interim (const GstE2eeMlsSuite * s, const guint8 * confirmed,
    gsize confirmed_len, const guint8 * confirmation_tag, gsize tag_len,
    guint8 * interim, GError ** error)
{
  GByteArray *w = g_byte_array_sized_new ((guint) (confirmed_len + 4 + tag_len));
  gboolean ok;

  gst_e2ee_mls_write_fixed (w, confirmed, confirmed_len);
  ok = gst_e2ee_mls_write_opaque (w, confirmation_tag, tag_len, error)
      && gst_e2ee_mls_hash (s, w->data, w->len, interim, error);
  g_byte_array_unref (w);
  return ok;
}

/* confirmed_after and interim_after hold s->nh bytes each. */
gboolean
gst_e2ee_mls_transcript_update (const GstE2eeMlsSuite * s,
    const guint8 * interim_before, gsize interim_len, const guint8 * confirmed_input,
    gsize confirmed_input_len, const guint8 * confirmation_tag, gsize tag_len,
    guint8 * confirmed_after, guint8 * interim_after, GError ** error)
{
  GByteArray *w = g_byte_array_sized_new ((guint) (interim_len + confirmed_input_len));
  gboolean ok;

  gst_e2ee_mls_write_fixed (w, interim_before, interim_len);
  gst_e2ee_mls_write_fixed (w, confirmed_input, confirmed_input_len);
  ok = gst_e2ee_mls_hash (s, w->data, w->len, confirmed_after, error)
      && gst_e2ee_mls_transcript_interim (s, confirmed_after, s->nh, confirmation_tag,
      tag_len, interim_after, error);
  g_byte_array_unref (w);
  return ok;
}
