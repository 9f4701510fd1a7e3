/* gst-e2ee: a set of KIDs kept as ranges
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

/* The KIDs that must never get a key again (those of ratchet steps, generated keys,
 * keys used and then removed) come in runs: a ratchet step is the previous KID + 1.
 * Kept as sorted, disjoint, non-adjacent inclusive ranges, a key change every few
 * seconds for hours costs one range, not one entry per change. */

#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "gste2eekidset-private.h"

typedef struct
{
  guint64 lo, hi;               /* inclusive */
} KidRange;

/* Returns: (transfer full): an empty set, freed with g_array_unref(). */
GArray *
gst_e2ee_kid_set_new (void)
{
  return g_array_new (FALSE, FALSE, sizeof (KidRange));
}

gboolean
gst_e2ee_kid_set_contains (const GArray * set, guint64 kid)
{
  guint i;

  for (i = 0; i < set->len; i++) {
    const KidRange *r = &g_array_index (set, KidRange, i);
    if (kid >= r->lo && kid <= r->hi)
      return TRUE;
  }
  return FALSE;
}

/* Adds [@lo, @hi], merging with the ranges it touches. */
void
gst_e2ee_kid_set_add_range (GArray * set, guint64 lo, guint64 hi)
{
  guint i = 0;

  while (i < set->len) {
    const KidRange *r = &g_array_index (set, KidRange, i);

    if (r->hi != G_MAXUINT64 && r->hi + 1 < lo) {
      i++;
    } else if (hi != G_MAXUINT64 && hi + 1 < r->lo) {
      break;
    } else {
      lo = MIN (lo, r->lo);
      hi = MAX (hi, r->hi);
      g_array_remove_index (set, i);
    }
  }
  g_array_insert_val (set, i, ((KidRange) { lo, hi }));
}
