/* gst-e2ee: the e2ee plugin (SFrame elements)
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "gste2eeenc.h"
#include "gste2eedec.h"
#include "gste2eemls.h"

static gboolean
plugin_init (GstPlugin * plugin)
{
  gboolean ret = FALSE;

  ret |= GST_ELEMENT_REGISTER (e2eeenc, plugin);
  ret |= GST_ELEMENT_REGISTER (e2eedec, plugin);
  ret |= GST_ELEMENT_REGISTER (e2eemls, plugin);
  return ret;
}

GST_PLUGIN_DEFINE (GST_VERSION_MAJOR, GST_VERSION_MINOR, e2ee,
    "End-to-end encryption of media frames with SFrame (RFC 9605)",
    plugin_init, VERSION, GST_LICENSE, GST_PACKAGE_NAME, GST_PACKAGE_ORIGIN)
