// gst-e2ee web page, --keys mls: the page's member of the endpoint's MLS group (RFC 9420,
// with ts-mls), the SFrame keys of each epoch (RFC 9605 §5.2) and the security code
// (docs/mls.md, "The security code"). Runs in the page; ts-mls and its dependencies come
// from the endpoint (index.html's import map), never from the internet.
// SPDX-License-Identifier: LGPL-2.1-or-later

import {
  getCiphersuiteImpl, getCiphersuiteFromName, defaultCapabilities, defaultLifetime,
  generateKeyPackage, encodeMlsMessage, decodeMlsMessage, joinGroup, processMessage,
  emptyPskIndex, acceptAll, mlsExporter, zeroOutUint8Array,
} from 'ts-mls';

// The endpoint's suite (libgste2ee implements suite 1 only).
const SUITE = 'MLS_128_DHKEMX25519_AES128GCM_SHA256_Ed25519';
// RFC 9605 §5.2 as the endpoint sets it (gst-e2ee-web.py MLS_CONTEXTS, MLS_EPOCH_BITS):
// E = 4, and one context per stream.
export const EPOCH_BITS = 4;
export const CONTEXTS = Object.freeze({ video: 0, audio: 1 });
// Nk of the SFrame suite, AES_128_GCM_SHA256_128 (4), the AEAD of MLS suite 1.
export const SFRAME_SUITE = 4;
const NK = 16;

// S: the smallest number of bits with groupSize <= 2^S (groupSize: the highest leaf
// index of the members plus one), as gst_e2ee_mls_sender_bits().
export function senderBits (groupSize) {
  let s = 0;
  while ((1 << s) < groupSize) s++;
  return s;
}

// KID = (context << (S + E)) + (sender_index << E) + (epoch mod 2^E), as a BigInt.
export function kid (context, leaf, epoch, s, e = EPOCH_BITS) {
  const E = BigInt(e);
  return (BigInt(context) << (BigInt(s) + E)) + (BigInt(leaf) << E) +
    (BigInt(epoch) & ((1n << E) - 1n));
}

// docs/mls.md: 8 groups of 5 digits, each the big-endian 32-bit word i of T mod 100000.
function digits (t) {
  const v = new DataView(t.buffer, t.byteOffset, t.byteLength);
  return Array.from({ length: 8 }, (_, i) => String(v.getUint32(4 * i) % 100000).padStart(5, '0')).join(' ');
}

// T = HMAC-SHA256(key = epoch_authenticator, "gst-e2ee 1.0 security code"), with WebCrypto.
export async function securityCode (epochAuthenticator) {
  const key = await crypto.subtle.importKey('raw', epochAuthenticator, { name: 'HMAC', hash: 'SHA-256' },
    false, ['sign']);
  const t = await crypto.subtle.sign('HMAC', key, new TextEncoder().encode('gst-e2ee 1.0 security code'));
  return digits(new Uint8Array(t));
}

const b64 = (u8) => btoa(String.fromCharCode(...u8));
const unb64 = (s) => Uint8Array.from(atob(s), (c) => c.charCodeAt(0));

function decode (bytes) {
  const r = decodeMlsMessage(bytes, 0);
  if (r === undefined || r[1] !== bytes.length) throw new Error('not an MLSMessage');
  return r[0];
}

// One member: a KeyPackage, then the group it joins from a Welcome.
export class Member {
  static async create (identity) {
    const m = new Member();
    m.impl = await getCiphersuiteImpl(getCiphersuiteFromName(SUITE));
    m.credential = { credentialType: 'basic', identity: new TextEncoder().encode(identity) };
    m.kp = await generateKeyPackage(m.credential, defaultCapabilities(), defaultLifetime, [], m.impl);
    return m;
  }

  // The KeyPackage as an MLSMessage, in base64, for the endpoint.
  keyPackage () {
    return b64(encodeMlsMessage({ version: 'mls10', wireformat: 'mls_key_package', keyPackage: this.kp.publicPackage }));
  }

  // Joins from the endpoint's Welcome (base64); the tree comes in its ratchet_tree
  // extension.
  async join (welcome) {
    const msg = decode(unb64(welcome));
    if (msg.wireformat !== 'mls_welcome') throw new Error(`not a Welcome: ${msg.wireformat}`);
    this.state = await joinGroup(msg.welcome, this.kp.publicPackage, this.kp.privatePackage,
      emptyPskIndex, this.impl);
    this.kp = null;
  }

  // One handshake message (base64) from the endpoint, in the group's order. Returns
  // true when it started a new epoch.
  async handle (message) {
    const msg = decode(unb64(message));
    if (msg.wireformat !== 'mls_public_message' && msg.wireformat !== 'mls_private_message') {
      throw new Error(`not a handshake message: ${msg.wireformat}`);
    }
    const before = this.state.groupContext.epoch;
    const r = await processMessage(msg, this.state, emptyPskIndex, acceptAll, this.impl);
    for (const c of r.consumed ?? []) zeroOutUint8Array(c);
    this.state = r.newState;
    return this.state.groupContext.epoch !== before;
  }

  get removed () {
    return this.state?.groupActiveState?.kind === 'removedFromGroup';
  }

  // The current epoch's SFrame keys (RFC 9605 §5.2) and security code: the base key, this
  // member's KIDs and every other member's, per stream kind.
  async epochKeys () {
    const s = this.state;
    const leaves = [];
    s.ratchetTree.forEach((node, i) => { if (i % 2 === 0 && node !== undefined) leaves.push(i / 2); });
    const own = s.privatePath.leafIndex;
    const bits = senderBits(Math.max(...leaves) + 1);
    const epoch = s.groupContext.epoch;
    const kidsOf = (leaf) => Object.fromEntries(Object.entries(CONTEXTS)
      .map(([kind, c]) => [kind, String(kid(c, leaf, epoch, bits))]));
    return {
      epoch: Number(epoch),
      senderBits: bits,
      baseKey: await mlsExporter(s.keySchedule.exporterSecret, 'SFrame 1.0 Base Key', new Uint8Array(), NK, this.impl),
      sendKids: kidsOf(own),
      recvKids: leaves.filter((l) => l !== own).map(kidsOf),
      securityCode: await securityCode(s.keySchedule.epochAuthenticator),
      members: leaves.length,
    };
  }
}
