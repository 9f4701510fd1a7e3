/* gst-e2ee
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <gst/gst.h>

#ifndef GST_E2EE_API
# ifdef BUILDING_GST_E2EE
#  define GST_E2EE_API __attribute__((visibility ("default"))) extern
# else
#  define GST_E2EE_API extern
# endif
#endif
