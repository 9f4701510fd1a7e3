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

import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const { chromium } = await import('playwright-core').catch((e) => {
  console.log(`FAIL: playwright-core is not installed in tests/web/node_modules ` +
    `(scripts/install-deps.sh runs npm ci there): ${e.message}`);
  process.exit(1);
});
const ROOT = process.env.GST_E2EE_SOURCE_ROOT || path.resolve(HERE, '../..');
const CHROMIUM = '/usr/bin/chromium';
// Each call runs until both sides sent at least this many frames (counts, not time: a
// loaded machine only takes longer).
const TARGET = { video: 60, audio: 100 };
const TARGET_DEADLINE_MS = 60000;
const T0 = Date.now();

const elapsed = () => ((Date.now() - T0) / 1000).toFixed(1) + ' s';
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
let failures = 0;
let endpointLog = null;
function check (ok, what, detail = '') {
  console.log(`${ok ? 'ok  ' : 'FAIL'} ${what}${detail ? ': ' + detail : ''}`);
  if (!ok) failures++;
}
const sum = (o) => Object.values(o || {}).reduce((a, b) => a + b, 0);
function sameList (a, b) {
  if (a.length !== b.length) return `${a.length} vs ${b.length} entries`;
  const i = a.findIndex((x, j) => x !== b[j]);
  return i < 0 ? null : `first difference at frame ${i}`;
}

function startEndpoint (key) {
  const proc = spawn('/usr/bin/python3', [path.join(ROOT, 'examples/web/gst-e2ee-web.py'), '--port', '0', '--trace', '-v'], {
    env: { ...process.env, GST_E2EE_WEB_KEY: key },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const log = [];
  proc.stderr.on('data', (d) => log.push(d.toString()));
  const url = new Promise((resolve, reject) => {
    let out = '';
    proc.stdout.on('data', (d) => {
      out += d.toString();
      const m = out.match(/^listening (\S+)$/m);
      if (m) resolve(m[1]);
    });
    proc.on('exit', (code) => reject(new Error(`endpoint exited (${code}): ${log.join('')}`)));
  });
  return { proc, url, log };
}

async function launchChromium (profile) {
  // Exactly these flags and an empty profile: playwright-core adds none of its own
  // (ignoreDefaultArgs), except the pipe it talks over.
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    ignoreDefaultArgs: true,
    args: [
      '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync',
      '--autoplay-policy=no-user-gesture-required',
      // host candidates with addresses instead of mDNS names, which libnice cannot resolve
      '--disable-features=WebRtcHideLocalIpsWithMdns',
      `--user-data-dir=${profile}`,
      '--remote-debugging-pipe',
      'about:blank',
    ],
  });
}

async function endpointStats (base, id) {
  const r = await fetch(`${base}session/${id}/stats`);
  if (!r.ok) throw new Error(`stats ${id}: ${r.status}`);
  return r.json();
}

// Joins a page and waits until media flows both ways (or, without a working key, until
// the endpoint sends).
async function join (context, base, fragment, name) {
  const page = await context.newPage();
  page.on('console', (m) => { if (m.type() === 'error') console.log(`[${name}] console: ${m.text()}`); });
  page.on('pageerror', (e) => console.log(`[${name}] page error: ${e.message}`));
  await page.goto(`${base}#${fragment}`);
  const deadline = Date.now() + 45000;
  for (;;) {
    const st = await page.evaluate(() => window.e2ee.state());
    if (st.error) throw new Error(`${name}: ${st.error}`);
    if (st.session) {
      const gs = await endpointStats(base, st.session);
      if (st.status === 'connected' && gs.sending) {
        console.log(`[${name}] connected, session ${st.session} (${elapsed()}); page times (ms) ${JSON.stringify(st.times)}`);
        return { page, id: st.session, name };
      }
    }
    if (Date.now() > deadline) throw new Error(`${name}: not connected after 45 s (${st.status})`);
    await sleep(100);
  }
}

async function snapshot (base, p) {
  const [page, gst] = await Promise.all([p.page.evaluate(() => window.e2ee.stats()), endpointStats(base, p.id)]);
  return { page, gst };
}

// The counts a finished session must no longer change.
function progress (s) {
  const w = s.page.worker;
  const r = s.gst.recv;
  return JSON.stringify([
    w.recv.video.frames, w.recv.audio.frames, w.send.video.frames, w.send.audio.frames,
    (s.page.rtc.inbound.video || {}).framesDecoded,
    s.gst.send.video.encrypted, s.gst.send.audio.encrypted,
    r.video ? r.video.e2eedec.frames + r.video.e2eedec.dropped : null,
    r.audio ? r.audio.e2eedec.frames + r.audio.e2eedec.dropped : null,
    r.video ? r.video.decoded : null,
  ]);
}

// Waits until the endpoint (and, if it has a key, the page) sent TARGET frames.
async function sendEnough (base, p, pageSends) {
  const deadline = Date.now() + TARGET_DEADLINE_MS;
  while (Date.now() < deadline) {
    const s = await snapshot(base, p);
    const enough = (n, kind) => n >= TARGET[kind];
    if (enough(s.gst.send.video.encrypted, 'video') && enough(s.gst.send.audio.encrypted, 'audio') &&
        (!pageSends || (enough(s.page.worker.send.video.encrypted, 'video') &&
                        enough(s.page.worker.send.audio.encrypted, 'audio')))) return;
    await sleep(250);
  }
  console.log(`[${p.name}] not enough frames after ${TARGET_DEADLINE_MS / 1000} s; checking what came`);
}

async function hangUp (base, p) {
  await p.page.close();
  await fetch(`${base}session/${p.id}/close`, { method: 'POST', body: '{}' });
}

// Stops both directions, then waits until nothing has moved for 1.5 s.
async function finish (base, p) {
  await Promise.all([
    fetch(`${base}session/${p.id}/pause`, { method: 'POST', body: '{}' }),
    p.page.evaluate(() => window.e2ee.pause()),
  ]);
  let last = null;
  let stableSince = Date.now();
  const deadline = Date.now() + 15000;
  for (;;) {
    await sleep(250);
    const s = await snapshot(base, p);
    const now = progress(s);
    if (now !== last) { last = now; stableSince = Date.now(); }
    if (Date.now() - stableSince >= 1500 || Date.now() > deadline) return s;
  }
}

function checkGood ({ page, gst }) {
  const w = page.worker;
  const inV = page.rtc.inbound.video || {};
  const sentV = gst.send.video;
  const sentA = gst.send.audio;
  console.log(`(a) GStreamer sent ${sentV.encrypted} video frames (${sentV.keyFrames} key) and ` +
    `${sentA.encrypted} audio frames; the page decrypted ${w.recv.video.decrypted} + ` +
    `${w.recv.audio.decrypted}, Chromium decoded ${inV.framesDecoded} video frames ` +
    `(${inV.keyFramesDecoded} key; received ${inV.framesReceived}, dropped ${inV.framesDropped}, ` +
    `packets lost ${inV.packetsLost}, PLIs sent ${inV.pliCount})`);
  check(sentV.encrypted >= TARGET.video, '(a) GStreamer sent video', `${sentV.encrypted} frames`);
  check(sentA.encrypted >= TARGET.audio, '(a) GStreamer sent audio', `${sentA.encrypted} frames`);
  check(sentV.firstIsKey === true, '(a) the first video frame sent is a key frame');
  check(w.recv.video.decrypted === sentV.encrypted, '(a) the worker decrypted every video frame',
    `${w.recv.video.decrypted} of ${sentV.encrypted}`);
  check(sum(w.recv.video.dropped) === 0, '(a) the worker dropped no video frame', JSON.stringify(w.recv.video.dropped));
  // No exception: with media gated on the connection nothing is lost on the way. The
  // detail names the one way a frame can go missing after the worker, for diagnosis:
  // Chromium's frame buffer drops frames it cannot decode in time (framesDropped), which
  // a starved CPU can cause; that fails the test too.
  check(inV.framesDecoded === sentV.encrypted, '(a) Chromium decoded every video frame (framesDecoded)',
    `${inV.framesDecoded} of ${sentV.encrypted}` +
    (inV.framesDropped ? `; Chromium's frame buffer dropped ${inV.framesDropped} (framesDropped)` : ''));
  let d = sameList(w.recv.video.hashes, sentV.hashes);
  check(d === null, '(a) decrypted video frames are byte-identical to the frames e2eeenc encrypted', d || '');
  check(w.recv.audio.decrypted === sentA.encrypted, '(a) the worker decrypted every audio frame',
    `${w.recv.audio.decrypted} of ${sentA.encrypted}`);
  check(sum(w.recv.audio.dropped) === 0, '(a) the worker dropped no audio frame', JSON.stringify(w.recv.audio.dropped));
  d = sameList(w.recv.audio.hashes, sentA.hashes);
  check(d === null, '(a) decrypted Opus frames are byte-identical to the frames e2eeenc encrypted', d || '');

  const rv = gst.recv.video;
  const ra = gst.recv.audio;
  console.log(`(b) the page encrypted ${w.send.video.encrypted} video and ${w.send.audio.encrypted} audio frames; ` +
    `e2eedec decrypted ${rv ? rv.e2eedec.frames : 'no stream'} + ${ra ? ra.e2eedec.frames : 'no stream'}, ` +
    `vp8dec decoded ${rv ? rv.decoded : 0}`);
  check(w.send.video.encrypted >= TARGET.video, '(b) the page sent video', `${w.send.video.encrypted} frames`);
  check(w.send.audio.encrypted >= TARGET.audio, '(b) the page sent audio', `${w.send.audio.encrypted} frames`);
  check(sum(w.send.video.dropped) + sum(w.send.audio.dropped) === 0, '(b) the worker encrypted every frame it was given');
  for (const [kind, r] of [['video', rv], ['audio', ra]]) {
    check(!!r, `(b) GStreamer receives ${kind}`);
    if (!r) continue;
    check(r.e2eedec.frames === w.send[kind].encrypted, `(b) e2eedec decrypted every ${kind} frame`,
      `${r.e2eedec.frames} of ${w.send[kind].encrypted}`);
    check(r.e2eedec.dropped === 0, `(b) e2eedec dropped no ${kind} frame`, `${r.e2eedec.dropped}`);
    d = sameList(r.hashes, w.send[kind].hashes);
    check(d === null, `(b) ${kind} frames decrypted by e2eedec are byte-identical to the page's`, d || '');
  }
  if (rv) check(rv.decoded === w.send.video.encrypted, '(b) vp8dec decoded every video frame', `${rv.decoded}`);
  check(gst.errors.length === 0, '(a, b) no warning or error on the GStreamer side', gst.errors.join('; '));
}

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

async function main () {
  for (const f of [CHROMIUM, '/usr/bin/python3']) {
    if (!fs.existsSync(f)) throw new Error(`${f} is missing: run scripts/install-deps.sh`);
  }
  const key = randomBytes(32).toString('hex');
  const wrongKey = randomBytes(32).toString('hex');
  const profile = fs.mkdtempSync(path.join(os.tmpdir(), 'gst-e2ee-chromium-'));
  const ep = startEndpoint(key);
  endpointLog = ep.log;
  // The endpoint must not outlive the test, however the test ends.
  process.on('exit', () => ep.proc.kill('SIGTERM'));
  for (const sig of ['SIGINT', 'SIGTERM']) process.on(sig, () => process.exit(1));
  let browser = null;
  try {
    const [base, b] = await Promise.all([ep.url, launchChromium(profile)]);
    browser = b;
    console.log(`endpoint ${base}, Chromium ${browser.version()} (${elapsed()})`);
    const context = await browser.newContext();

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
  } finally {
    if (browser) await browser.close();
    ep.proc.kill('SIGTERM');
    fs.rmSync(profile, { recursive: true, force: true });
  }
  console.log(`${failures === 0 ? 'PASS' : 'FAIL'}: ${failures} failed check(s), ${elapsed()}`);
  if (failures || process.env.WEB_TEST_VERBOSE) console.log('endpoint log:\n' + ep.log.join(''));
  process.exit(failures === 0 ? 0 : 1);
}

main().catch((e) => {
  console.log(`FAIL: ${e.stack || e}`);
  if (endpointLog) console.log('endpoint log:\n' + endpointLog.join(''));
  process.exit(1);
});
