// gst-e2ee web page: signalling, media and the encoded transforms.
// SPDX-License-Identifier: LGPL-2.1-or-later
//
// URL fragment (never sent to the server): key=<hex base key>, suite=4|5 (default 5),
// keys=mls to join the endpoint's MLS group instead (keys from its epochs, no key in the
// URL; the page then joins at once), name=<identity in the group> (default "browser"),
// source=camera to send the camera and microphone instead of a test picture and tone,
// join=1 to join without a key (the page then drops every frame, for tests),
// trace=1 to record a hash of every frame (for tests). A fragment with a key joins
// at once.

import { hexToBytes } from './sframe.mjs';

const $ = (id) => document.getElementById(id);
const params = new URLSearchParams(location.hash.slice(1));
const KINDS = ['video', 'audio'];

const state = { status: 'not joined', session: null, pc: null, worker: null, error: null, times: {}, mls: null };

function setStatus (s) {
  state.status = s;
  state.times[s] = Math.round(performance.now());
  $('status').textContent = s;
}

async function post (path, body) {
  const r = await fetch(path, {
    method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body || {}),
  });
  const reply = await r.json();
  if (!r.ok) throw new Error(`${path}: ${reply.error || r.status}`);
  return reply;
}

// A fresh KID pair for every join: the counters start at 0 again, so a KID used before
// with the same base key would reuse nonces. 47 random bits, even for video.
function randomKids () {
  const r = crypto.getRandomValues(new BigUint64Array(1))[0] >> 17n;
  return { video: String(2n * r), audio: String(2n * r + 1n) };
}

// What the page sends, attached once connected: the camera and microphone, or a moving
// picture and a 660 Hz tone.
async function localMedia (source) {
  if (source === 'camera') {
    const s = await navigator.mediaDevices.getUserMedia({ video: { width: 640, height: 480 }, audio: true });
    const preview = document.createElement('video');
    Object.assign(preview, { srcObject: new MediaStream(s.getVideoTracks()), muted: true, autoplay: true });
    $('local').replaceWith(preview);
    return { video: s.getVideoTracks()[0], audio: s.getAudioTracks()[0] };
  }
  const canvas = $('local');
  const g = canvas.getContext('2d');
  let n = 0;
  setInterval(() => {
    n++;
    g.fillStyle = '#103050';
    g.fillRect(0, 0, canvas.width, canvas.height);
    g.fillStyle = '#f0c020';
    g.fillRect((n * 4) % (canvas.width - 40), 100, 40, 40);
    g.fillStyle = '#fff';
    g.font = '20px sans-serif';
    g.fillText(`browser ${n}`, 10, 30);
  }, 33);
  const video = canvas.captureStream(30).getVideoTracks()[0];
  const ac = new AudioContext();
  const osc = ac.createOscillator();
  const gain = ac.createGain();
  osc.frequency.value = 660;
  gain.gain.value = 0.2;
  const dest = ac.createMediaStreamDestination();
  osc.connect(gain).connect(dest);
  osc.start();
  // Without a click first (a fragment with a key joins at once) the browser may keep
  // the tone and the remote sound off: the next click starts them.
  ac.resume();
  document.addEventListener('click', () => { ac.resume(); $('remote').muted = false; });
  return { video, audio: dest.stream.getAudioTracks()[0] };
}

function waitGathering (pc) {
  if (pc.iceGatheringState === 'complete') return Promise.resolve();
  return new Promise((resolve) => {
    pc.addEventListener('icegatheringstatechange', () => {
      if (pc.iceGatheringState === 'complete') resolve();
    });
  });
}

// Pre-shared key: the key from the field, fresh KIDs; the endpoint answers with its own.
async function pskSession (worker, trace) {
  const keyHex = $('key').value.trim();
  const key = keyHex ? hexToBytes(keyHex) : null;
  if (key && key.length < 16) throw new Error('the base key must have at least 16 bytes');
  const suite = Number($('suite').value);
  const kids = randomKids();
  worker.postMessage({ type: 'config', suite, key, sendKids: kids, trace });
  const session = await post('/session', { suite, kids });
  worker.postMessage({ type: 'peer', key, recvKids: session.kids });
  return session;
}

// The current epoch's keys to the worker, its code on the page.
async function applyEpoch (member, worker) {
  const k = await member.epochKeys();
  worker.postMessage({ type: 'epoch', epoch: k.epoch, key: k.baseKey, sendKids: k.sendKids, recvKids: k.recvKids });
  k.baseKey.fill(0); // the worker has its copy
  state.mls = { epoch: k.epoch, securityCode: k.securityCode, sendKids: k.sendKids, recvKids: k.recvKids, members: k.members };
  $('epoch').textContent = k.epoch;
  $('code').textContent = k.securityCode;
  $('mls').hidden = false;
}

// The endpoint's handshake messages (its commits), in order, for as long as the session
// lasts: each new epoch re-keys the worker.
async function followGroup (member, worker, id) {
  let next = 0;
  for (;;) {
    const r = await fetch(`/session/${id}/mls?after=${next}`);
    if (!r.ok) return; // the session ended
    const reply = await r.json();
    for (const m of reply.messages) {
      if (await member.handle(m)) await applyEpoch(member, worker);
      if (member.removed) {
        state.mls = { ...state.mls, removed: true };
        return;
      }
    }
    next = reply.next;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

// MLS: the page's KeyPackage to the endpoint, which adds it to its group; the page joins
// from the Welcome and keys the worker with the epoch's keys (RFC 9605 §5.2).
async function mlsSession (worker, trace) {
  const { Member, SFRAME_SUITE } = await import('./mls.mjs');
  const member = await Member.create(params.get('name') || 'browser');
  worker.postMessage({ type: 'config', suite: SFRAME_SUITE, mls: true, key: null, trace });
  const session = await post('/session', { keys: 'mls', suite: SFRAME_SUITE, keyPackage: member.keyPackage() });
  await member.join(session.welcome);
  await applyEpoch(member, worker);
  followGroup(member, worker, session.id).catch((e) => {
    state.error = `MLS: ${e}`;
    setStatus(`error: MLS: ${e.message}`);
  });
  return session;
}

async function join () {
  $('join').disabled = true;
  const trace = params.get('trace') === '1';
  setStatus('joining');

  const worker = new Worker('./worker.mjs', { type: 'module' });
  state.worker = worker;
  const media = await localMedia($('source').value);
  const session = await ($('keys').value === 'mls' ? mlsSession : pskSession)(worker, trace);
  state.session = session;
  addEventListener('pagehide', () => navigator.sendBeacon(`/session/${session.id}/close`, '{}'));

  const pc = new RTCPeerConnection({ iceServers: [], bundlePolicy: 'max-bundle' });
  state.pc = pc;
  const remote = new MediaStream();
  $('remote').srcObject = remote;
  // The receiver's transform must be in place before its first frame: set it here,
  // synchronously, when the track appears.
  pc.ontrack = (ev) => {
    ev.receiver.transform = new RTCRtpScriptTransform(worker, { side: 'recv', kind: ev.track.kind });
    remote.addTrack(ev.track);
  };
  await pc.setRemoteDescription({ type: 'offer', sdp: session.sdp });
  for (const tr of pc.getTransceivers()) {
    tr.direction = 'sendrecv';
    tr.sender.transform = new RTCRtpScriptTransform(worker, { side: 'send', kind: tr.receiver.track.kind });
  }
  pc.onconnectionstatechange = async () => {
    setStatus(pc.connectionState);
    if (pc.connectionState === 'connected' && !state.attached) {
      // Media starts only now, and the encoder's first frame is a key frame: frames
      // produced before the connection is up would arrive late and be dropped.
      state.attached = true;
      for (const tr of pc.getTransceivers()) await tr.sender.replaceTrack(media[tr.receiver.track.kind]);
      await post(`/session/${session.id}/ready`);
      $('remote').play().catch(() => { $('remote').muted = true; $('remote').play(); });
    }
  };
  await pc.setLocalDescription(await pc.createAnswer());
  setStatus('gathering');
  await waitGathering(pc);
  setStatus('answering');
  await post(`/session/${session.id}/answer`, { sdp: pc.localDescription.sdp });
}

let statsId = 0;
function workerStats () {
  if (!state.worker) return Promise.resolve(null);
  const id = ++statsId;
  return new Promise((resolve) => {
    const on = (e) => {
      if (e.data.type === 'stats' && e.data.id === id) {
        state.worker.removeEventListener('message', on);
        resolve(e.data.stats);
      }
    };
    state.worker.addEventListener('message', on);
    state.worker.postMessage({ type: 'stats', id });
  });
}

async function rtcStats () {
  const out = { inbound: {}, outbound: {} };
  if (!state.pc) return out;
  for (const r of (await state.pc.getStats()).values()) {
    if (r.type === 'inbound-rtp') {
      out.inbound[r.kind] = {
        packetsReceived: r.packetsReceived, packetsLost: r.packetsLost,
        framesReceived: r.framesReceived, framesDecoded: r.framesDecoded,
        keyFramesDecoded: r.keyFramesDecoded, framesDropped: r.framesDropped, pliCount: r.pliCount,
        totalSamplesReceived: r.totalSamplesReceived, concealedSamples: r.concealedSamples,
      };
    } else if (r.type === 'outbound-rtp') {
      out.outbound[r.kind] = { packetsSent: r.packetsSent, framesEncoded: r.framesEncoded };
    }
  }
  return out;
}

// For the test driver and the stats table.
window.e2ee = {
  state: () => ({ status: state.status, session: state.session && state.session.id, error: state.error, times: state.times, mls: state.mls }),
  stats: async () => ({ worker: await workerStats(), rtc: await rtcStats() }),
  // Stops sending (the encoders stop with their tracks detached).
  pause: async () => {
    for (const tr of state.pc.getTransceivers()) await tr.sender.replaceTrack(null);
  },
};

setInterval(async () => {
  const s = await window.e2ee.stats();
  if (!s.worker) return;
  for (const k of KINDS) {
    const drops = Object.values(s.worker.recv[k].dropped).reduce((a, b) => a + b, 0);
    $(`send-${k}`).textContent = s.worker.send[k].encrypted;
    $(`recv-${k}`).textContent = s.worker.recv[k].decrypted;
    $(`drop-${k}`).textContent = drops;
  }
  $('decoded').textContent = (s.rtc.inbound.video || {}).framesDecoded || 0;
}, 1000);

if (params.get('key')) $('key').value = params.get('key');
if (params.get('suite')) $('suite').value = params.get('suite');
if (params.get('source')) $('source').value = params.get('source');
if (params.get('keys')) $('keys').value = params.get('keys');
// The key is in the input now; take it out of the address bar and the history.
if (params.has('key')) history.replaceState(null, '', location.pathname);
const start = () => join().catch((e) => {
  state.error = String(e);
  setStatus(`error: ${e.message}`);
});
$('join').onclick = start;
if (params.get('key') || params.get('join') === '1' || params.get('keys') === 'mls') start();
