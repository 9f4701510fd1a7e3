// What the browser tests of examples/web share: the endpoint, Debian's Chromium driven by
// playwright-core, joining a page, counting frames on both sides, and the checks.
// SPDX-License-Identifier: LGPL-2.1-or-later

import { spawn } from 'node:child_process';
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
export const ROOT = process.env.GST_E2EE_SOURCE_ROOT || path.resolve(HERE, '../..');
export const CHROMIUM = '/usr/bin/chromium';
// Each call runs until both sides sent at least this many frames (counts, not time: a
// loaded machine only takes longer).
export const TARGET = { video: 60, audio: 100 };
const TARGET_DEADLINE_MS = 60000;
const T0 = Date.now();

export const elapsed = () => ((Date.now() - T0) / 1000).toFixed(1) + ' s';
export const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
let failed = 0;
export function check (ok, what, detail = '') {
  console.log(`${ok ? 'ok  ' : 'FAIL'} ${what}${detail ? ': ' + detail : ''}`);
  if (!ok) failed++;
}
export const sum = (o) => Object.values(o || {}).reduce((a, b) => a + b, 0);
export function sameList (a, b) {
  if (a.length !== b.length) return `${a.length} vs ${b.length} entries`;
  const i = a.findIndex((x, j) => x !== b[j]);
  return i < 0 ? null : `first difference at frame ${i}`;
}

// The endpoint with @args, and the base key @key (--keys psk) in its environment.
export function startEndpoint (key, args = []) {
  const proc = spawn('/usr/bin/python3', [path.join(ROOT, 'examples/web/gst-e2ee-web.py'), '--port', '0', '--trace', '-v', ...args], {
    env: { ...process.env, ...(key ? { GST_E2EE_WEB_KEY: key } : {}) },
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

export async function launchChromium (profile) {
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

export async function endpointStats (base, id) {
  const r = await fetch(`${base}session/${id}/stats`);
  if (!r.ok) throw new Error(`stats ${id}: ${r.status}`);
  return r.json();
}

// Joins a page and waits until media flows both ways (or, without a working key, until
// the endpoint sends).
export async function join (context, base, fragment, name) {
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

export async function snapshot (base, p) {
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
export async function sendEnough (base, p, pageSends) {
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

export async function hangUp (base, p) {
  await p.page.close();
  await fetch(`${base}session/${p.id}/close`, { method: 'POST', body: '{}' });
}

// Stops both directions, then waits until nothing has moved for 1.5 s.
export async function finish (base, p) {
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

// Starts the endpoint (base key @key, @args) and Chromium, runs @body(context, base), and
// reports: exits 0 only when @body returned and every check passed. The endpoint does
// not outlive the test, however it ends.
export async function runWithEndpoint (key, args, body) {
  let log = null;
  try {
    for (const f of [CHROMIUM, '/usr/bin/python3']) {
      if (!fs.existsSync(f)) throw new Error(`${f} is missing: run scripts/install-deps.sh`);
    }
    const profile = fs.mkdtempSync(path.join(os.tmpdir(), 'gst-e2ee-chromium-'));
    const ep = startEndpoint(key, args);
    log = ep.log;
    process.on('exit', () => ep.proc.kill('SIGTERM'));
    for (const sig of ['SIGINT', 'SIGTERM']) process.on(sig, () => process.exit(1));
    let browser = null;
    try {
      const [base, b] = await Promise.all([ep.url, launchChromium(profile)]);
      browser = b;
      console.log(`endpoint ${base}, Chromium ${browser.version()} (${elapsed()})`);
      await body(await browser.newContext(), base, ep);
    } finally {
      if (browser) await browser.close();
      ep.proc.kill('SIGTERM');
      fs.rmSync(profile, { recursive: true, force: true });
    }
  } catch (e) {
    console.log(`FAIL: ${e.stack || e}`);
    if (log) console.log('endpoint log:\n' + log.join(''));
    process.exit(1);
  }
  console.log(`${failed === 0 ? 'PASS' : 'FAIL'}: ${failed} failed check(s), ${elapsed()}`);
  if (failed || process.env.WEB_TEST_VERBOSE) console.log('endpoint log:\n' + log.join(''));
  process.exit(failed === 0 ? 0 : 1);
}

// A good call: every frame decrypted both ways, byte-identical, decoded, nothing dropped.
export function checkGood ({ page, gst }) {
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
