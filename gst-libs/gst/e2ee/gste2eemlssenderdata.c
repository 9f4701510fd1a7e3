/* gst-e2ee: the sender-data key and nonce of RFC 9420 §6.3.2.
 *
 * A PrivateMessage's sender (leaf, generation, reuse guard) is encrypted under a key
 * and nonce derived from the epoch's sender_data_secret and a sample of the message's
 * own ciphertext, its first Nh bytes (all of it if shorter), so that each message's
 * sender data has its own key.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "gste2eemlssenderdata.h"
#include "gste2eemlscrypto.h"

#include <openssl/crypto.h>

/* key holds s->nk bytes, nonce s->nn. */
gboolean
gst_e2ee_mls_sender_data_key_nonce (const GstE2eeMlsSuite * s,
    const guint8 * sender_data_secret, const guint8 * ciphertext, gsize ciphertext_len,
    guint8 * key, guint8 * nonce, GError ** error)
{
  gsize sample = MIN (ciphertext_len, s->nh);

  if (gst_e2ee_mls_expand_with_label (s, sender_data_secret, s->nh, "key", ciphertext,
          sample, key, s->nk, error)
      && gst_e2ee_mls_expand_with_label (s, sender_data_secret, s->nh, "nonce",
          ciphertext, sample, nonce, s->nn, error))
    return TRUE;
  OPENSSL_cleanse (key, s->nk);
  OPENSSL_cleanse (nonce, s->nn);
  return FALSE;
}
