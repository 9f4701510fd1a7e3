/* gst-e2ee: the error domain of the MLS (RFC 9420) engine.
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "gste2eemlserror.h"

G_DEFINE_QUARK (gst-e2ee-mls-error-quark, gst_e2ee_mls_error);
