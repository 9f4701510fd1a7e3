/* gst-e2ee: the rtpsframe plugin (RTP payloaders for end-to-end encrypted media)
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "gstrtpsframepay.h"
#include "gstrtpsframedepay.h"
#include "gstrtpvp8sframepay.h"

static gboolean
plugin_init (GstPlugin * plugin)
{
  gboolean ret = FALSE;

  ret |= GST_ELEMENT_REGISTER (rtpsframepay, plugin);
  ret |= GST_ELEMENT_REGISTER (rtpsframedepay, plugin);
  ret |= GST_ELEMENT_REGISTER (rtpvp8sframepay, plugin);
  return ret;
}

GST_PLUGIN_DEFINE (GST_VERSION_MAJOR, GST_VERSION_MINOR, rtpsframe,
    "RTP payloading of end-to-end encrypted media: SFrame frames "
    "(draft-ietf-avtcore-rtp-sframe) and encrypted VP8",
    plugin_init, VERSION, GST_LICENSE, GST_PACKAGE_NAME, GST_PACKAGE_ORIGIN)
