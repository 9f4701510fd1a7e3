// Debian's Chromium (headless, driven by playwright-core) in a call with the GStreamer
// endpoint of examples/web, end-to-end encrypted both ways:
//   (a) GStreamer -> Chromium: every VP8 frame GStreamer sent is decrypted by the page's
//       worker and decoded (framesDecoded), every Opus frame decrypted; the decrypted
//       frames are byte-identical to what GStreamer encrypted (SHA-256 per frame).
//   (b) Chromium -> GStreamer: every frame the page encrypted is decrypted by e2eedec,
//       byte-identical, none dropped, and decoded by vp8dec/opusdec.
//   (c) a page with the wrong key and a page with no key: nothing decoded in the page,
//       nothing decrypted by GStreamer.
// SPDX-License-Identifier: LGPL-2.1-or-later

import { randomBytes } from 'node:crypto';

import {
  check, checkGood, elapsed, finish, hangUp, join, runWithEndpoint, sendEnough, sum,
} from './harness.mjs';
function checkRefused (label, { page, gst }, reason) {
  const w = page.worker;
  const inV = page.rtc.inbound.video || {};
  const rv = gst.recv.video;
  const ra = gst.recv.audio;
  const gstDecrypted = (rv ? rv.e2eedec.frames : 0) + (ra ? ra.e2eedec.frames : 0);
  const gstDropped = (rv ? rv.e2eedec.dropped : 0) + (ra ? ra.e2eedec.dropped : 0);
  console.log(`(c) ${label}: GStreamer sent ${gst.send.video.encrypted} + ${gst.send.audio.encrypted} frames, ` +
    `the page dropped ${JSON.stringify(w.recv.video.dropped)} + ${JSON.stringify(w.recv.audio.dropped)}, ` +
    `decoded ${inV.framesDecoded || 0}; the page sent ${w.send.video.encrypted + w.send.audio.encrypted}, ` +
    `e2eedec decrypted ${gstDecrypted}, dropped ${gstDropped}`);
  check(gst.send.video.encrypted > 0 && gst.send.audio.encrypted > 0, `(c) ${label}: GStreamer sent frames`);
  check((inV.framesDecoded || 0) === 0, `(c) ${label}: Chromium decoded no video frame`, `${inV.framesDecoded}`);
  check(w.recv.video.decrypted + w.recv.audio.decrypted === 0, `(c) ${label}: the worker decrypted nothing`);
  check((w.recv.video.dropped[reason] || 0) > 0 && (w.recv.audio.dropped[reason] || 0) > 0,
    `(c) ${label}: the worker dropped received frames as ${reason}`);
  check(gstDecrypted === 0, `(c) ${label}: e2eedec decrypted nothing`);
  return { gstDropped, pageSent: w.send.video.encrypted + w.send.audio.encrypted, w };
}

const key = randomBytes(32).toString('hex');
const wrongKey = randomBytes(32).toString('hex');
await runWithEndpoint(key, [], async (context, base) => {
  // The two refused calls first, side by side (the endpoint gives each page its own
  // pipeline), then the good call alone, so that the call whose every frame must be
  // decoded does not share the CPU with two more.
  const refused = await Promise.all([
    join(context, base, `key=${wrongKey}&trace=1`, 'wrong key'),
    join(context, base, 'join=1&trace=1', 'no key'),
  ]);
  await Promise.all(refused.map((c) => sendEnough(base, c, c.name === 'wrong key')));
  const [wrong, none] = await Promise.all(refused.map((c) => finish(base, c)));
  await Promise.all(refused.map((c) => hangUp(base, c)));
  console.log(`refused calls done (${elapsed()})`);

  const call = await join(context, base, `key=${key}&trace=1`, 'right key');
  await sendEnough(base, call, true);
  const good = await finish(base, call);
  await hangUp(base, call);
  console.log(`good call done (${elapsed()})`);

  checkGood(good);
  const w = checkRefused('wrong key', wrong, 'authentication');
  check(w.pageSent > 0 && w.gstDropped > 0, '(c) wrong key: e2eedec refused the page\'s frames',
    `${w.gstDropped} dropped of ${w.pageSent}`);
  const n = checkRefused('no key', none, 'no-key');
  check(n.pageSent === 0 && sum(n.w.send.video.dropped) > 0 && sum(n.w.send.audio.dropped) > 0,
    '(c) no key: the page sent nothing and dropped every frame it was given');
});
