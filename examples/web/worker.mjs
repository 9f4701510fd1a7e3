// gst-e2ee web page: the RTCRtpScriptTransform worker. Encrypts every frame the page
// sends and decrypts every frame it receives (SFrame, codec layout: sframe.mjs).
// SPDX-License-Identifier: LGPL-2.1-or-later
//
// Messages from the page:
//   { type: 'config', suite, key (Uint8Array or null), sendKids: {video, audio}, trace }
//   { type: 'peer', recvKids: {video, audio} }    the other side's KIDs (decimal strings)
//   { type: 'stats', id }                          answered with { type: 'stats', id, stats }
// Transforms are created with options { side: 'send' | 'recv', kind: 'video' | 'audio' }.

import * as S from './sframe.mjs';

const KINDS = ['video', 'audio'];
let suite = 5;
let baseKey = null;
let sendKeys = null; // Promise of { video, audio } derived keys
const sendCtr = { video: 0n, audio: 0n };
let recvKids = new Map(); // KID (BigInt) -> kind
const recvKeys = new Map(); // KID -> Promise of derived key
const replay = new Map(); // KID -> ReplayWindow
let trace = false;
let configured;
const configuredP = new Promise((resolve) => { configured = resolve; });

function emptyStats () {
  const s = { send: {}, recv: {} };
  for (const k of KINDS) {
    s.send[k] = { frames: 0, encrypted: 0, dropped: {}, kid: null, hashes: [] };
    s.recv[k] = { frames: 0, decrypted: 0, dropped: {}, kid: null, hashes: [] };
  }
  return s;
}
const stats = emptyStats();
const MAX_HASHES = 20000;

function drop (s, reason) {
  s.dropped[reason] = (s.dropped[reason] || 0) + 1;
}

async function hash (bytes) {
  const d = new Uint8Array(await crypto.subtle.digest('SHA-256', bytes));
  return S.bytesToHex(d.subarray(0, 8));
}

// The codec of a frame: the negotiated MIME type where the browser tells it, else what
// the page negotiates for the kind. Frames of any other codec are dropped, never sent
// in the clear.
function codecOf (frame, kind) {
  const mime = (frame.getMetadata().mimeType || '').toLowerCase();
  if (mime === 'video/vp8' || (mime === '' && kind === 'video')) return 'vp8';
  if (mime === 'audio/opus' || (mime === '' && kind === 'audio')) return 'opus';
  return null;
}

onmessage = (e) => {
  const m = e.data;
  if (m.type === 'config') {
    suite = m.suite;
    baseKey = m.key;
    trace = !!m.trace;
    for (const k of KINDS) stats.send[k].kid = m.sendKids[k];
    if (baseKey) {
      sendKeys = Promise.all(KINDS.map((k) => S.deriveKey(suite, BigInt(m.sendKids[k]), baseKey)))
        .then(([video, audio]) => ({ video, audio }));
    }
    configured();
  } else if (m.type === 'peer') {
    recvKids = new Map(KINDS.map((k) => [BigInt(m.recvKids[k]), k]));
    for (const k of KINDS) stats.recv[k].kid = m.recvKids[k];
  } else if (m.type === 'stats') {
    postMessage({ type: 'stats', id: m.id, stats });
  }
};

// Only the KIDs the other side announced get a key: a frame cannot make the worker
// derive keys for KIDs of its choosing.
function keyFor (kid) {
  if (!baseKey || !recvKids.has(kid)) return null;
  if (!recvKeys.has(kid)) recvKeys.set(kid, S.deriveKey(suite, kid, baseKey));
  return recvKeys.get(kid);
}

async function encryptOne (kind, frame, controller) {
  await configuredP;
  const s = stats.send[kind];
  s.frames++;
  const codec = codecOf(frame, kind);
  if (!sendKeys) return drop(s, 'no-key');
  if (!codec) return drop(s, 'unsupported-codec');
  const data = new Uint8Array(frame.data);
  const ctr = sendCtr[kind]++;
  try {
    const out = await S.encryptFrame((await sendKeys)[kind], ctr, codec, data);
    if (trace && s.hashes.length < MAX_HASHES) s.hashes.push(await hash(data));
    frame.data = out.buffer;
    s.encrypted++;
    controller.enqueue(frame);
  } catch (e) {
    drop(s, e.reason || 'error');
  }
}

async function decryptOne (kind, frame, controller) {
  await configuredP;
  const s = stats.recv[kind];
  s.frames++;
  const codec = codecOf(frame, kind);
  if (!codec) return drop(s, 'unsupported-codec');
  const data = new Uint8Array(frame.data);
  try {
    const h = S.frameHeader(codec, data);
    if (!baseKey) return drop(s, 'no-key');
    if (!recvKids.has(h.kid)) return drop(s, 'unknown-kid');
    if (!replay.has(h.kid)) replay.set(h.kid, new S.ReplayWindow());
    const seen = replay.get(h.kid).check(h.ctr);
    if (seen) return drop(s, seen);
    const out = await S.decryptFrame(keyFor, codec, data);
    replay.get(out.kid).accept(out.ctr);
    if (trace && s.hashes.length < MAX_HASHES) s.hashes.push(await hash(out.frame));
    frame.data = out.frame.buffer;
    s.decrypted++;
    controller.enqueue(frame);
  } catch (e) {
    // Nothing that fails to authenticate reaches the decoder.
    drop(s, e.reason || 'error');
  }
}

onrtctransform = (event) => {
  const t = event.transformer;
  const { side, kind } = t.options;
  const fn = side === 'send' ? encryptOne : decryptOne;
  t.readable
    .pipeThrough(new TransformStream({ transform: (frame, c) => fn(kind, frame, c) }))
    .pipeTo(t.writable)
    .catch(() => {});
};
