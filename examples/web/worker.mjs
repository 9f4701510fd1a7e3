// gst-e2ee web page: the RTCRtpScriptTransform worker. Encrypts every frame the page
// sends and decrypts every frame it receives (SFrame, codec layout: sframe.mjs).
// SPDX-License-Identifier: LGPL-2.1-or-later
//
// Messages from the page:
//   { type: 'config', suite, key (Uint8Array or null), sendKids: {video, audio}, trace }
//   { type: 'peer', recvKids: {video, audio} }    the other side's KIDs (decimal strings)
//   { type: 'epoch', epoch, key, sendKids: {video, audio}, recvKids: [{video, audio}, ...] }
//                                                  --keys mls: an epoch's base key (RFC 9605
//                                                  §5.2), this member's KIDs and the others'
//   { type: 'stats', id }                          answered with { type: 'stats', id, stats }
// Transforms are created with options { side: 'send' | 'recv', kind: 'video' | 'audio' }.

import * as S from './sframe.mjs';

const KINDS = ['video', 'audio'];
// --keys mls: E, and how long a frame of the next epoch waits for its keys (the page
// gets the commit over the signalling, the endpoint switched when it committed).
const EPOCH_BITS = 4n;
const HOLD_MS = 3000;
let suite = 5;
let mls = false;
let epoch = -1n;
// What the page sends with: the KIDs and their keys (a Promise of { video, audio }),
// and the counters, which start at 0 for every new KID.
let send = null;
// KID (BigInt) -> { kind, base (base key), epoch (--keys mls), key (Promise, once derived) }
const recvKids = new Map();
const replay = new Map(); // KID -> ReplayWindow
let keysChanged = null;
let keysChangedP = new Promise((resolve) => { keysChanged = resolve; });
let trace = false;
let configured;
const configuredP = new Promise((resolve) => { configured = resolve; });

function emptyStats () {
  const s = { send: {}, recv: {} };
  for (const k of KINDS) {
    // byKid: frames encrypted / decrypted per KID (decimal strings)
    s.send[k] = { frames: 0, encrypted: 0, dropped: {}, kid: null, kids: [], byKid: {}, hashes: [] };
    s.recv[k] = { frames: 0, decrypted: 0, dropped: {}, kid: null, held: 0, kids: [], byKid: {}, hashes: [] };
  }
  s.epoch = null;
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

function setSend (key, kids) {
  for (const k of KINDS) {
    stats.send[k].kid = kids[k];
    stats.send[k].kids.push(kids[k]);
  }
  send = {
    kids: { ...kids },
    ctr: { video: 0n, audio: 0n },
    keys: Promise.all(KINDS.map((k) => S.deriveKey(suite, BigInt(kids[k]), key)))
      .then(([video, audio]) => ({ video, audio })),
  };
}

function addRecv (key, kids, ep) {
  if (!key) return;
  for (const k of KINDS) {
    recvKids.set(BigInt(kids[k]), { kind: k, base: key, epoch: ep, key: null });
    stats.recv[k].kid = kids[k];
    stats.recv[k].kids.push(kids[k]);
  }
}

// --keys mls: a new epoch's keys. The previous epoch's receive keys stay for the frames
// still in flight; older ones go (so do those with the same low E bits, RFC 9605 §5.2).
function newEpoch (m) {
  epoch = BigInt(m.epoch);
  stats.epoch = m.epoch;
  for (const [kid, r] of recvKids) {
    if (r.epoch < epoch - 1n) {
      recvKids.delete(kid);
      replay.delete(kid);
    }
  }
  for (const kids of m.recvKids) addRecv(m.key, kids, epoch);
  setSend(m.key, m.sendKids);
  keysChanged();
  keysChangedP = new Promise((resolve) => { keysChanged = resolve; });
}

onmessage = (e) => {
  const m = e.data;
  if (m.type === 'config') {
    suite = m.suite;
    mls = !!m.mls;
    trace = !!m.trace;
    if (m.key) setSend(m.key, m.sendKids);
    configured();
  } else if (m.type === 'peer') {
    addRecv(m.key, m.recvKids, 0n);
  } else if (m.type === 'epoch') {
    newEpoch(m);
  } else if (m.type === 'stats') {
    postMessage({ type: 'stats', id: m.id, stats });
  }
};

// Only the KIDs the other side announced (or the group gave) get a key: a frame cannot
// make the worker derive keys for KIDs of its choosing.
function keyFor (kid) {
  const r = recvKids.get(kid);
  if (!r || !r.base) return null;
  if (!r.key) r.key = S.deriveKey(suite, kid, r.base);
  return r.key;
}

// --keys mls: a frame whose KID carries the next epoch's low E bits waits (in order: the
// stream behind it waits too) until that epoch's keys come, at most HOLD_MS.
async function holdForNextEpoch (kid, s) {
  const mask = (1n << EPOCH_BITS) - 1n;
  if (!mls || epoch < 0n || (kid & mask) !== ((epoch + 1n) & mask)) return;
  s.held++;
  const deadline = Date.now() + HOLD_MS;
  while (!recvKids.has(kid) && Date.now() < deadline) {
    await Promise.race([keysChangedP, new Promise((resolve) => setTimeout(resolve, deadline - Date.now()))]);
  }
}

async function encryptOne (kind, frame, controller) {
  await configuredP;
  const s = stats.send[kind];
  s.frames++;
  const codec = codecOf(frame, kind);
  if (!send) return drop(s, 'no-key');
  if (!codec) return drop(s, 'unsupported-codec');
  const data = new Uint8Array(frame.data);
  // The keys and the counter of one KID, taken together: a new epoch in between
  // changes both.
  const now = send;
  const ctr = now.ctr[kind]++;
  try {
    const out = await S.encryptFrame((await now.keys)[kind], ctr, codec, data);
    if (trace && s.hashes.length < MAX_HASHES) s.hashes.push(await hash(data));
    frame.data = out.buffer;
    s.encrypted++;
    s.byKid[now.kids[kind]] = (s.byKid[now.kids[kind]] || 0) + 1;
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
    if (!recvKids.has(h.kid)) await holdForNextEpoch(h.kid, s);
    if (recvKids.size === 0) return drop(s, 'no-key');
    if (!recvKids.has(h.kid)) return drop(s, 'unknown-kid');
    if (!replay.has(h.kid)) replay.set(h.kid, new S.ReplayWindow());
    const seen = replay.get(h.kid).check(h.ctr);
    if (seen) return drop(s, seen);
    const out = await S.decryptFrame(keyFor, codec, data);
    replay.get(out.kid).accept(out.ctr);
    if (trace && s.hashes.length < MAX_HASHES) s.hashes.push(await hash(out.frame));
    frame.data = out.frame.buffer;
    s.decrypted++;
    s.byKid[out.kid] = (s.byKid[out.kid] || 0) + 1;
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
