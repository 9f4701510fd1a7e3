// gst-e2ee: SFrame (RFC 9605) and the codec layout (docs/layout.md) with WebCrypto.
// SPDX-License-Identifier: LGPL-2.1-or-later
//
// The browser's half of gst-e2ee's frame encryption: the page's RTCRtpScriptTransform
// worker runs it on every encoded frame, and tests/web/sframe-test.mjs runs it under
// node against the RFC 9605 vectors and against e2eeenc/e2eedec. Written from RFC 9605
// and docs/layout.md only; it shares no code with gst-libs/gst/e2ee.
//
// KIDs and CTRs are BigInts (they are 64-bit). Frames are Uint8Arrays.

const subtle = globalThis.crypto.subtle;

// RFC 9605 §8.1. nk: AEAD key size (for the CTR suites, the AES key then the HMAC key),
// nt: tag size, nh: hash size.
export const SUITES = Object.freeze({
  1: { name: 'AES_128_CTR_HMAC_SHA256_80', hash: 'SHA-256', nk: 48, nt: 10, nh: 32, ctr: true },
  2: { name: 'AES_128_CTR_HMAC_SHA256_64', hash: 'SHA-256', nk: 48, nt: 8, nh: 32, ctr: true },
  3: { name: 'AES_128_CTR_HMAC_SHA256_32', hash: 'SHA-256', nk: 48, nt: 4, nh: 32, ctr: true },
  4: { name: 'AES_128_GCM_SHA256_128', hash: 'SHA-256', nk: 16, nt: 16, nh: 32, ctr: false },
  5: { name: 'AES_256_GCM_SHA512_128', hash: 'SHA-512', nk: 32, nt: 16, nh: 64, ctr: false },
});

const NONCE_SIZE = 12;
const U64_MAX = (1n << 64n) - 1n;

export class SFrameError extends Error {
  // reason: 'malformed-header', 'truncated', 'malformed-frame', 'unknown-kid',
  // 'authentication'
  constructor (reason, message) {
    super(message);
    this.reason = reason;
  }
}

// ---- Header (RFC 9605 §4.3) ------------------------------------------------

function uintSize (v) {
  let n = 1;
  while (n < 8 && (v >> BigInt(8 * n)) !== 0n) n++;
  return n;
}

export function headerSize (kid, ctr) {
  return 1 + (kid < 8n ? 0 : uintSize(kid)) + (ctr < 8n ? 0 : uintSize(ctr));
}

// The minimal encoding: values below 8 in the config byte, others in as few bytes as
// hold them. e2eedec refuses any other encoding, so this is the only one to send.
export function encodeHeader (kid, ctr) {
  if (kid < 0n || kid > U64_MAX || ctr < 0n || ctr > U64_MAX) throw new RangeError('KID/CTR out of range');
  const out = new Uint8Array(headerSize(kid, ctr));
  let pos = 1;
  const put = (v) => {
    const n = uintSize(v);
    for (let i = n - 1; i >= 0; i--) out[pos++] = Number((v >> BigInt(8 * i)) & 0xffn);
    return n;
  };
  let config = 0;
  if (kid < 8n) config |= Number(kid) << 4;
  else config |= 0x80 | ((put(kid) - 1) << 4);
  if (ctr < 8n) config |= Number(ctr);
  else config |= 0x08 | (put(ctr) - 1);
  out[0] = config;
  return out;
}

// Returns { kid, ctr, size }. Truncated and non-minimal headers are refused: one
// (KID, CTR) must have one AAD.
export function parseHeader (bytes, offset = 0) {
  if (bytes.length - offset < 1) throw new SFrameError('malformed-header', 'no SFrame header');
  const config = bytes[offset];
  let pos = offset + 1;
  const field = (extended, bits, name) => {
    if (!extended) return BigInt(bits);
    const len = bits + 1;
    if (bytes.length - pos < len) throw new SFrameError('malformed-header', `header truncated in ${name}`);
    let v = 0n;
    for (let i = 0; i < len; i++) v = (v << 8n) | BigInt(bytes[pos + i]);
    pos += len;
    if (v < 8n || uintSize(v) !== len) throw new SFrameError('malformed-header', `${name} not minimally encoded`);
    return v;
  };
  const kid = field((config & 0x80) !== 0, (config >> 4) & 7, 'KID');
  const ctr = field((config & 0x08) !== 0, config & 7, 'CTR');
  return { kid, ctr, size: pos - offset };
}

// ---- Key schedule (RFC 9605 §4.4.2) ---------------------------------------

function label (prefix, kid, suite) {
  const p = new TextEncoder().encode(prefix);
  const out = new Uint8Array(p.length + 10);
  out.set(p);
  const dv = new DataView(out.buffer);
  dv.setBigUint64(p.length, kid);
  dv.setUint16(p.length + 8, suite);
  return out;
}

async function hkdf (hash, ikm, info, bytes) {
  // WebCrypto's HKDF is Extract-then-Expand, which is what the schedule needs:
  // sframe_secret = HKDF-Extract("", base_key), then Expand with each label.
  const k = await subtle.importKey('raw', ikm, 'HKDF', false, ['deriveBits']);
  const bits = await subtle.deriveBits({ name: 'HKDF', hash, salt: new Uint8Array(0), info }, k, bytes * 8);
  return new Uint8Array(bits);
}

// The derived key for (suite, kid, baseKey). `exposeRaw` only for tests that compare
// the derived bytes with the RFC's; the page never asks for it.
export async function deriveKey (suite, kid, baseKey, { exposeRaw = false } = {}) {
  const s = SUITES[suite];
  if (!s) throw new RangeError(`unsupported cipher suite ${suite}`);
  if (!(baseKey instanceof Uint8Array) || baseKey.length === 0) throw new RangeError('empty base key');
  const raw = await hkdf(s.hash, baseKey, label('SFrame 1.0 Secret key ', kid, suite), s.nk);
  const salt = await hkdf(s.hash, baseKey, label('SFrame 1.0 Secret salt ', kid, suite), NONCE_SIZE);
  const key = await importAeadKey(suite, raw);
  const result = { suite, kid, salt, ...key };
  if (exposeRaw) result.raw = raw.slice();
  raw.fill(0);
  return result;
}

// For the RFC's AEAD-only vectors (C.2), which give the key, not a base key.
export async function importAeadKey (suite, raw) {
  const s = SUITES[suite];
  if (raw.length !== s.nk) throw new RangeError('wrong key size');
  if (!s.ctr) {
    return { gcm: await subtle.importKey('raw', raw, 'AES-GCM', false, ['encrypt', 'decrypt']) };
  }
  // RFC 9605 §4.5.1: the first 16 bytes are the AES-CTR key, the rest the HMAC key.
  return {
    aesCtr: await subtle.importKey('raw', raw.subarray(0, 16), 'AES-CTR', false, ['encrypt', 'decrypt']),
    hmac: await subtle.importKey('raw', raw.subarray(16), { name: 'HMAC', hash: 'SHA-256' }, false, ['sign']),
  };
}

export function nonceFor (salt, ctr) {
  const n = salt.slice();
  for (let i = 0; i < 8; i++) n[NONCE_SIZE - 1 - i] ^= Number((ctr >> BigInt(8 * i)) & 0xffn);
  return n;
}

function concat (...parts) {
  const out = new Uint8Array(parts.reduce((a, p) => a + p.length, 0));
  let pos = 0;
  for (const p of parts) { out.set(p, pos); pos += p.length; }
  return out;
}

async function ctrHmacTag (key, s, nonce, aad, ct) {
  const lens = new Uint8Array(24);
  const dv = new DataView(lens.buffer);
  dv.setBigUint64(0, BigInt(aad.length));
  dv.setBigUint64(8, BigInt(ct.length));
  dv.setBigUint64(16, BigInt(s.nt));
  const mac = new Uint8Array(await subtle.sign('HMAC', key.hmac, concat(lens, nonce, aad, ct)));
  return mac.subarray(0, s.nt);
}

// AEAD.Encrypt (RFC 9605 §4.5): returns ciphertext || tag.
export async function aeadEncrypt (suite, key, nonce, aad, pt) {
  const s = SUITES[suite];
  if (!s.ctr) {
    return new Uint8Array(await subtle.encrypt({ name: 'AES-GCM', iv: nonce, additionalData: aad, tagLength: 128 }, key.gcm, pt));
  }
  const counter = concat(nonce, new Uint8Array(4));
  const ct = new Uint8Array(await subtle.encrypt({ name: 'AES-CTR', counter, length: 32 }, key.aesCtr, pt));
  return concat(ct, await ctrHmacTag(key, s, nonce, aad, ct));
}

// AEAD.Decrypt: throws SFrameError('authentication') when the tag does not verify.
export async function aeadDecrypt (suite, key, nonce, aad, ctAndTag) {
  const s = SUITES[suite];
  if (ctAndTag.length < s.nt) throw new SFrameError('truncated', 'shorter than the tag');
  if (!s.ctr) {
    try {
      return new Uint8Array(await subtle.decrypt({ name: 'AES-GCM', iv: nonce, additionalData: aad, tagLength: 128 }, key.gcm, ctAndTag));
    } catch (e) {
      throw new SFrameError('authentication', 'tag does not verify');
    }
  }
  const ct = ctAndTag.subarray(0, ctAndTag.length - s.nt);
  const tag = ctAndTag.subarray(ctAndTag.length - s.nt);
  const want = await ctrHmacTag(key, s, nonce, aad, ct);
  let diff = 0;
  for (let i = 0; i < s.nt; i++) diff |= want[i] ^ tag[i];
  if (diff !== 0) throw new SFrameError('authentication', 'tag does not verify');
  const counter = concat(nonce, new Uint8Array(4));
  return new Uint8Array(await subtle.decrypt({ name: 'AES-CTR', counter, length: 32 }, key.aesCtr, ct));
}

// SFrame encryption of a whole plaintext with metadata (RFC 9605 §4.4.3):
// header || ciphertext || tag, AAD = header || metadata.
export async function sframeEncrypt (key, ctr, metadata, pt) {
  const header = encodeHeader(key.kid, ctr);
  const sealed = await aeadEncrypt(key.suite, key, nonceFor(key.salt, ctr), concat(header, metadata), pt);
  return concat(header, sealed);
}

// ---- The codec layout (docs/layout.md) -------------------------------------

// 'none' is whole-frame RFC 9605 (e2eeenc layout=frame); 'vp8' and 'opus' are the codec
// layout. VP9, H.264 and H.265 are not implemented here: the page negotiates VP8 and Opus.
export const CODECS = ['none', 'vp8', 'opus'];

function u32 (n) {
  const b = new Uint8Array(4);
  new DataView(b.buffer).setUint32(0, n);
  return b;
}

// The clear prefix of a frame: computed from clear bytes only, so sender and receiver
// find the same one. Throws SFrameError('malformed-frame') for frames the layout refuses.
export function clearPrefixLength (codec, frame) {
  switch (codec) {
    case 'none':
      return 0;
    case 'opus':
      if (frame.length < 1) throw new SFrameError('malformed-frame', 'empty Opus packet');
      return 1;
    case 'vp8': {
      if (frame.length < 3) throw new SFrameError('malformed-frame', 'VP8 frame shorter than its frame tag');
      if (frame[0] & 1) return 3;
      if (frame.length < 10) throw new SFrameError('malformed-frame', 'VP8 key frame shorter than 10 bytes');
      if (frame[3] !== 0x9d || frame[4] !== 0x01 || frame[5] !== 0x2a) {
        throw new SFrameError('malformed-frame', 'VP8 key frame without start code');
      }
      return 10;
    }
    default:
      throw new RangeError(`no layout for codec ${codec}`);
  }
}

function metadataFor (codec, clear, ptLen) {
  if (codec === 'none') return new Uint8Array(0);
  return concat(u32(clear.length), clear, u32(ptLen));
}

// Encrypts one frame in the layout of `codec` with counter `ctr`.
export async function encryptFrame (key, ctr, codec, frame) {
  const n = clearPrefixLength(codec, frame);
  const clear = frame.subarray(0, n);
  const pt = frame.subarray(n);
  const sealed = await sframeEncrypt(key, ctr, metadataFor(codec, clear, pt.length), pt);
  return concat(clear, sealed);
}

// Reads the KID and CTR of a frame in the layout of `codec` without decrypting.
export function frameHeader (codec, frame) {
  const n = clearPrefixLength(codec, frame);
  return { ...parseHeader(frame, n), clearLength: n };
}

// Decrypts one frame. `keyFor(kid)` returns the derived key (or a promise of it) for a
// KID, or null. Returns { kid, ctr, frame } or throws SFrameError.
export async function decryptFrame (keyFor, codec, frame) {
  const h = frameHeader(codec, frame);
  const key = await keyFor(h.kid);
  if (!key) throw new SFrameError('unknown-kid', `no key for KID ${h.kid}`);
  const s = SUITES[key.suite];
  const start = h.clearLength + h.size;
  if (frame.length - start < s.nt) throw new SFrameError('truncated', 'frame shorter than header and tag');
  const clear = frame.subarray(0, h.clearLength);
  const header = frame.subarray(h.clearLength, start);
  const sealed = frame.subarray(start);
  const aad = concat(header, metadataFor(codec, clear, sealed.length - s.nt));
  const pt = await aeadDecrypt(key.suite, key, nonceFor(key.salt, h.ctr), aad, sealed);
  return { kid: h.kid, ctr: h.ctr, frame: concat(clear, pt) };
}

// ---- Replay window ----------------------------------------------------------

// Per KID: refuses a counter already accepted or more than `size` behind the highest.
// check() before decrypting, accept() only after the tag verified, so forged frames
// cannot move the window.
export class ReplayWindow {
  constructor (size = 1024) {
    this.size = BigInt(size);
    this.highest = -1n;
    this.seen = new Set();
  }

  check (ctr) {
    if (this.highest >= 0n && ctr + this.size <= this.highest) return 'replay-too-old';
    if (this.seen.has(ctr)) return 'replay-duplicate';
    return null;
  }

  accept (ctr) {
    this.seen.add(ctr);
    if (ctr > this.highest) {
      this.highest = ctr;
      for (const c of this.seen) if (c + this.size <= this.highest) this.seen.delete(c);
    }
  }
}

// ---- Helpers ----------------------------------------------------------------

export function hexToBytes (hex) {
  const h = hex.trim().toLowerCase();
  if (h.length % 2 !== 0 || /[^0-9a-f]/.test(h)) throw new RangeError('not a hex string');
  const out = new Uint8Array(h.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(h.substr(2 * i, 2), 16);
  return out;
}

export function bytesToHex (b) {
  return Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('');
}
