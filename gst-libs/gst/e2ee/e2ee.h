/* gst-e2ee: the library's single include
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <gst/e2ee/e2ee-prelude.h>
#include <gst/e2ee/e2ee-enumtypes.h>
#include <gst/e2ee/gste2eesframe.h>
#include <gst/e2ee/gste2eemeta.h>
#include <gst/e2ee/gste2eetransportmeta.h>
#include <gst/e2ee/gste2eekeystore.h>
#include <gst/e2ee/gste2eeratchet.h>
#include <gst/e2ee/gste2eereplay.h>
#include <gst/e2ee/gste2eelayout.h>
#include <gst/e2ee/gste2eestatusmeta.h>
#include <gst/e2ee/gste2eepolicy.h>
#include <gst/e2ee/gste2eemlserror.h>
#include <gst/e2ee/gste2eemlsclient.h>
#include <gst/e2ee/gste2eemlsgroup.h>
#include <gst/e2ee/gste2eemlskeys.h>
#include <gst/e2ee/gste2eemlscode.h>
